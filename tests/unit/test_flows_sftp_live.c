/*
 * test_flows_sftp_live.c - SFTP pull and push against a real OpenSSH sshd.
 *
 * Run by tests/integration/sftp.sh, which starts sshd on 127.0.0.1 and sets
 * WB_SFTP_HOST, _PORT, _USER, _KEY, _KNOWN_HOSTS, _DIR (the server's files,
 * reachable locally too), _CTL (sh script: start|stop|rekey|restore) and
 * _WORK (local scratch). Every test skips when those are unset. Proves: pull
 * of several files, a growing file is not taken, a server killed mid-download
 * leaves nothing in in/ and a later pull completes, a changed host key is
 * refused, unsafe names and symlinks are refused, push renames into place,
 * nothing is taken twice, key files readable by others are refused, local
 * "disk full" leaves nothing behind, and 2000-file throughput.
 * Never touches anything outside WB_SFTP_DIR and WB_SFTP_WORK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/log.h"
#include "core/wb.h"
#include "flows/sftp_xfer.h"
#include "net/sftp.h"

struct live {
    const char *host, *port, *user, *key, *kh, *dir, *ctl, *work;
};

struct fixture {
    char name[64];
    char remote_dir[1024];
    char root[1024];
    struct spool sp;
    struct ledger *lg;
    struct wb_config cfg;
    struct wb_remote r;
};

static struct live L;
static int warn_count;
static char last_warn[2048];

/* env_live - read the environment; 0 if the live server is not configured */
static int env_live(void)
{
    L.host = getenv("WB_SFTP_HOST");
    L.port = getenv("WB_SFTP_PORT");
    L.user = getenv("WB_SFTP_USER");
    L.key = getenv("WB_SFTP_KEY");
    L.kh = getenv("WB_SFTP_KNOWN_HOSTS");
    L.dir = getenv("WB_SFTP_DIR");
    L.ctl = getenv("WB_SFTP_CTL");
    L.work = getenv("WB_SFTP_WORK");
    return L.host && L.port && L.user && L.key && L.kh && L.dir && L.ctl && L.work;
}

/* sink - count warnings and keep the last one */
static void sink(int level, const char *line, void *arg)
{
    (void)arg;
    if (level >= LOG_WARN_L) {
        warn_count++;
        snprintf(last_warn, sizeof last_warn, "%s", line);
        fprintf(stderr, "%s\n", line);
    }
}

/* ctl - run the server control script with one command */
static int ctl(const char *cmd)
{
    pid_t p = fork();
    if (p == 0) {
        execl("/bin/sh", "sh", L.ctl, cmd, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(p, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* now_ms - monotonic milliseconds */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* put_file - write a file in dir with content, mtime age seconds ago */
static void put_file(const char *dir, const char *name, const char *data, size_t len, int age)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    struct timeval tv[2];
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= age;
    tv[1] = tv[0];
    assert_int_equal(utimes(p, tv), 0);
}

/* count_dir - entries of a directory (all names but . and ..), optional name filter prefix */
static int count_dir(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (!prefix || strncmp(de->d_name, prefix, strlen(prefix)) == 0)
            n++;
    }
    closedir(d);
    return n;
}

/* exists - 1 if dir/name exists (lstat) */
static int exists(const char *dir, const char *name)
{
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return lstat(p, &st) == 0;
}

/* read_small - whole small file as a malloc'd string */
static char *read_small(const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct buf b;
    buf_init(&b, 1 << 20);
    if (fs_read_file(p, &b) != WB_OK) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b);
}

/* fx_new - a fresh remote dir, spool, ledger and remote config for one test */
static struct fixture *fx_new(const char *name, const char *flow, const char *direction)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->remote_dir, sizeof f->remote_dir, "%s/%s", L.dir, name);
    snprintf(f->root, sizeof f->root, "%s/%s", L.work, name);
    assert_int_equal(fs_mkdirs(f->remote_dir, 0755), WB_OK);
    assert_int_equal(fs_mkdirs(f->root, 0700), WB_OK);
    char p[2400];
    snprintf(p, sizeof p, "%s/spool", f->root);
    assert_int_equal(spool_open(&f->sp, p), WB_OK);
    snprintf(p, sizeof p, "%s/ledger.db", f->root);
    assert_int_equal(ledger_open(&f->lg, p), WB_OK);
    f->cfg.retry_base_ms = 200;
    f->cfg.retry_cap_ms = 1000;
    char *end;
    f->r.name = strdup(name);
    f->r.host = strdup(L.host);
    f->r.port = strtol(L.port, &end, 10);
    f->r.user = strdup(L.user);
    f->r.identity = strdup(L.key);
    f->r.password_file = strdup("");
    f->r.auth = strdup("publickey");
    f->r.known_hosts = strdup(L.kh);
    f->r.fingerprint = strdup("");
    f->r.remote_dir = strdup(f->remote_dir);
    f->r.pattern = strdup("*");
    f->r.flow = strdup(flow);
    f->r.direction = strdup(direction);
    f->r.archive_dir = strdup("");
    f->r.done_suffix = strdup("");
    f->r.min_age = 1;
    f->r.timeout = 10;
    return f;
}

/* set_str - replace one string field of the remote config */
static void set_str(char **field, const char *v)
{
    free(*field);
    *field = strdup(v);
}

/* fx_free - release a fixture */
static void fx_free(struct fixture *f)
{
    char **s[] = {&f->r.name,          &f->r.host,       &f->r.user,        &f->r.identity,
                  &f->r.password_file, &f->r.auth,       &f->r.known_hosts, &f->r.fingerprint,
                  &f->r.remote_dir,    &f->r.pattern,    &f->r.flow,        &f->r.direction,
                  &f->r.archive_dir,   &f->r.done_suffix};
    for (size_t i = 0; i < WB_ARRAY_LEN(s); i++)
        free(*s[i]);
    ledger_close(f->lg);
    spool_close(&f->sp);
    free(f);
}

/* in_dir - the in/<flow>/ path of a fixture */
static void in_dir(struct fixture *f, const char *flow, char *out, size_t n)
{
    assert_int_equal(spool_dir(&f->sp, SP_IN, flow, out, n), WB_OK);
}

/* setup_live - skip unless the server is configured */
static int setup_live(void **state)
{
    (void)state;
    if (!env_live())
        return 0;
    log_set_sink(sink, NULL);
    log_set_min(LOG_INFO_L);
    warn_count = 0;
    last_warn[0] = '\0';
    return 0;
}

#define NEED_LIVE()                                                                                \
    do {                                                                                           \
        if (!env_live()) {                                                                         \
            fprintf(stderr, "WB_SFTP_* not set: live SFTP tests skipped\n");                       \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* test_pull_several - several complete files are pulled, verified and removed remotely */
static void test_pull_several(void **state)
{
    (void)state;
    NEED_LIVE();
    struct fixture *f = fx_new("several", "dispatch", "pull");
    char data[64];
    for (int i = 0; i < 5; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "d%d.csv", i);
        int len = snprintf(data, sizeof data, "order,tracking\nA%d,T%d\n", i, i);
        put_file(f->remote_dir, nm, data, (size_t)len, 10);
    }
    put_file(f->remote_dir, "notes.txt", "x", 1, 10);
    set_str(&f->r.pattern, "*.csv");
    struct sftp_pull_stats st;
    struct buf err;
    buf_init(&err, 4096);
    int rc = sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err);
    assert_int_equal(rc, WB_OK);
    assert_int_equal(st.taken, 5);
    char in[1200];
    in_dir(f, "dispatch", in, sizeof in);
    assert_int_equal(count_dir(in, NULL), 5);
    char *got = read_small(in, "d3.csv");
    assert_non_null(got);
    assert_string_equal(got, "order,tracking\nA3,T3\n");
    free(got);
    assert_int_equal(count_dir(f->remote_dir, NULL), 1); /* only notes.txt is left */
    assert_true(exists(f->remote_dir, "notes.txt"));
    buf_free(&err);
    fx_free(f);
}

/* test_pull_archive_and_marker - done markers gate taking; archive_dir keeps the originals */
static void test_pull_archive_and_marker(void **state)
{
    (void)state;
    NEED_LIVE();
    struct fixture *f = fx_new("marker", "stock", "pull");
    char arch[1200];
    snprintf(arch, sizeof arch, "%s/archive", f->remote_dir);
    assert_int_equal(fs_mkdirs(arch, 0755), WB_OK);
    set_str(&f->r.archive_dir, arch);
    set_str(&f->r.done_suffix, ".done");
    put_file(f->remote_dir, "s1.csv", "sku,qty\nA,1\n", 12, 10);
    struct sftp_pull_stats st;
    struct buf err;
    buf_init(&err, 4096);
    assert_int_equal(sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err), WB_OK);
    assert_int_equal(st.taken, 0);
    assert_true(st.waiting >= 1);
    put_file(f->remote_dir, "s1.csv.done", "", 0, 10);
    assert_int_equal(sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err), WB_OK);
    assert_int_equal(st.taken, 1);
    char in[1200];
    in_dir(f, "stock", in, sizeof in);
    assert_true(exists(in, "s1.csv"));
    assert_true(exists(arch, "s1.csv"));
    assert_false(exists(f->remote_dir, "s1.csv"));
    assert_false(exists(f->remote_dir, "s1.csv.done"));
    buf_free(&err);
    fx_free(f);
}

/* test_pull_not_twice - a file seen before (same path, size, mtime) is only cleaned up */
static void test_pull_not_twice(void **state)
{
    (void)state;
    NEED_LIVE();
    struct fixture *f = fx_new("twice", "dispatch", "pull");
    put_file(f->remote_dir, "t.csv", "a,b\n1,2\n", 8, 100);
    char p[2400];
    snprintf(p, sizeof p, "%s/t.csv", f->remote_dir);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    struct sftp_pull_stats st;
    struct buf err;
    buf_init(&err, 4096);
    assert_int_equal(sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err), WB_OK);
    assert_int_equal(st.taken, 1);
    assert_false(exists(f->remote_dir, "t.csv"));
    /* the WMS (or a restore after a crash) puts the very same file back */
    put_file(f->remote_dir, "t.csv", "a,b\n1,2\n", 8, 100);
    struct timeval tv[2] = {{sb.st_mtime, 0}, {sb.st_mtime, 0}};
    assert_int_equal(utimes(p, tv), 0);
    assert_int_equal(sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err), WB_OK);
    assert_int_equal(st.taken, 0);
    assert_int_equal(st.duplicates, 1);
    char in[1200];
    in_dir(f, "dispatch", in, sizeof in);
    assert_int_equal(count_dir(in, NULL), 1);
    assert_false(exists(f->remote_dir, "t.csv"));
    buf_free(&err);
    fx_free(f);
}

/* test_pull_growing_file - a file still being appended to is not taken until complete */
static void test_pull_growing_file(void **state)
{
    (void)state;
    NEED_LIVE();
    struct fixture *f = fx_new("growing", "dispatch", "pull");
    char p[2400];
    snprintf(p, sizeof p, "%s/slow.csv", f->remote_dir);
    int lines = 80; /* 8 s of appending, a line every 100 ms */
    pid_t w = fork();
    assert_true(w >= 0);
    if (w == 0) {
        int fd = open(p, O_WRONLY | O_CREAT | O_APPEND, 0644);
        for (int i = 0; fd >= 0 && i < lines; i++) {
            char line[64];
            int n = snprintf(line, sizeof line, "ORDER-%04d,TRACK-%04d\n", i, i);
            if (write(fd, line, (size_t)n) != n)
                _exit(1);
            usleep(100 * 1000);
        }
        _exit(0);
    }
    usleep(300 * 1000);
    struct sftp_pull_stats st;
    struct buf err;
    buf_init(&err, 4096);
    char in[1200];
    in_dir(f, "dispatch", in, sizeof in);
    int status;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err), WB_OK);
        /* only meaningful while the writer is still appending */
        assert_int_equal(waitpid(w, &status, WNOHANG), 0);
        assert_int_equal(st.taken, 0);
        assert_int_equal(count_dir(in, NULL), 0);
    }
    assert_int_equal(waitpid(w, &status, 0), w);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    sleep(2);
    assert_int_equal(sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err), WB_OK);
    assert_int_equal(st.taken, 1);
    snprintf(p, sizeof p, "%s/slow.csv", in);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_size, lines * 22);
    buf_free(&err);
    fx_free(f);
}

/* test_pull_refuses_unsafe - leading '-', control chars, symlinks, fifos are refused */
static void test_pull_refuses_unsafe(void **state)
{
    (void)state;
    NEED_LIVE();
    struct fixture *f = fx_new("unsafe", "dispatch", "pull");
    set_str(&f->r.pattern, "*.csv");
    put_file(f->remote_dir, "ok.csv", "ok\n", 3, 10);
    put_file(f->remote_dir, "-rf.csv", "dash\n", 5, 10);
    put_file(f->remote_dir, "bad\nname.csv", "nl\n", 3, 10);
    put_file(f->remote_dir, ".hidden.csv", "hidden\n", 7, 10);
    put_file(f->remote_dir, "x.csv.part", "part\n", 5, 10);
    char p[2400], secret[2400];
    snprintf(secret, sizeof secret, "%s/secret.txt", L.work);
    put_file(L.work, "secret.txt", "do not copy\n", 12, 10);
    snprintf(p, sizeof p, "%s/link.csv", f->remote_dir);
    assert_int_equal(symlink(secret, p), 0);
    snprintf(p, sizeof p, "%s/pipe.csv", f->remote_dir);
    assert_int_equal(mkfifo(p, 0644), 0);
    snprintf(p, sizeof p, "%s/dir.csv", f->remote_dir);
    assert_int_equal(mkdir(p, 0755), 0);
    sleep(1);
    warn_count = 0;
    struct sftp_pull_stats st;
    struct buf err;
    buf_init(&err, 4096);
    assert_int_equal(sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err), WB_OK);
    assert_int_equal(st.taken, 1);
    assert_int_equal(st.refused, 4); /* -rf.csv, bad\nname.csv, link.csv, pipe.csv */
    assert_true(warn_count >= 4);
    char in[1200];
    in_dir(f, "dispatch", in, sizeof in);
    assert_int_equal(count_dir(in, NULL), 1);
    assert_true(exists(in, "ok.csv"));
    /* refused entries stay for an operator; nothing was followed or deleted */
    assert_true(exists(f->remote_dir, "link.csv"));
    assert_true(exists(f->remote_dir, "-rf.csv"));
    assert_true(exists(f->remote_dir, ".hidden.csv"));
    assert_true(exists(L.work, "secret.txt"));
    buf_free(&err);
    fx_free(f);
}

/* fork_killer - child that stops the server once a dot-named file in dir holds min bytes */
static pid_t fork_killer(const char *dir, long long min)
{
    pid_t p = fork();
    assert_true(p >= 0);
    if (p != 0)
        return p;
    for (int i = 0; i < 60000; i++) {
        DIR *d = opendir(dir);
        struct dirent *de;
        long long seen = 0;
        while (d && (de = readdir(d)) != NULL) {
            struct stat sb;
            char q[4096];
            if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0 ||
                strcmp(de->d_name, "..") == 0)
                continue;
            snprintf(q, sizeof q, "%s/%s", dir, de->d_name);
            if (stat(q, &sb) == 0 && sb.st_size > seen)
                seen = sb.st_size;
        }
        if (d)
            closedir(d);
        if (seen >= min) {
            execl("/bin/sh", "sh", L.ctl, "stop", (char *)NULL);
            _exit(127);
        }
        usleep(1000);
    }
    _exit(2);
}

/* write_big - a file of size bytes of numbered lines, mtime a minute ago */
static void write_big(const char *path, long long size)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    char *chunk = malloc((1 << 20) + 1);
    assert_non_null(chunk);
    for (long long off = 0; off < size; off += 1 << 20) {
        for (int i = 0; i < (1 << 20); i += 32)
            snprintf(chunk + i, 33, "%031lld\n", off + i);
        assert_int_equal(fwrite(chunk, 1, 1 << 20, fp), 1 << 20);
    }
    free(chunk);
    assert_int_equal(fclose(fp), 0);
    struct timeval tv[2] = {{time(NULL) - 60, 0}, {time(NULL) - 60, 0}};
    assert_int_equal(utimes(path, tv), 0);
}

/* test_pull_server_killed - sshd killed mid-download: nothing in in/, later pull completes */
static void test_pull_server_killed(void **state)
{
    (void)state;
    NEED_LIVE();
    struct fixture *f = fx_new("killed", "dispatch", "pull");
    const long long size = 256LL * 1024 * 1024;
    char p[2400];
    snprintf(p, sizeof p, "%s/big.csv", f->remote_dir);
    write_big(p, size);
    char want[65], got[65];
    assert_int_equal(fs_sha256_file(p, want), WB_OK);

    char in[1200];
    in_dir(f, "dispatch", in, sizeof in);
    pid_t killer = fork_killer(in, 2 * 1024 * 1024);
    struct sftp_pull_stats st;
    struct buf err;
    buf_init(&err, 4096);
    int rc = sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err);
    int status;
    waitpid(killer, &status, 0);
    fprintf(stderr, "pull with the server killed: %s: %s\n", wb_status_str(rc), buf_str(&err));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(rc, WB_TEMPFAIL);
    assert_int_equal(st.taken, 0);
    assert_int_equal(count_dir(in, NULL), 0); /* no file, no temp */
    assert_true(exists(f->remote_dir, "big.csv"));

    assert_int_equal(ctl("start"), 0);
    buf_reset(&err);
    double t0 = now_ms();
    rc = sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err);
    double t1 = now_ms();
    assert_int_equal(rc, WB_OK);
    assert_int_equal(st.taken, 1);
    printf("sftp pull 256 MiB after restart: %.0f ms (%.1f MiB/s, includes the 1 s listing "
           "wait)\n",
           t1 - t0, 256.0 / ((t1 - t0) / 1000.0));
    snprintf(p, sizeof p, "%s/big.csv", in);
    assert_int_equal(fs_sha256_file(p, got), WB_OK);
    assert_string_equal(got, want);
    assert_int_equal(count_dir(in, NULL), 1);
    assert_false(exists(f->remote_dir, "big.csv"));
    unlink(p);
    buf_free(&err);
    fx_free(f);
}

/* test_pull_disk_full - local EFBIG/ENOSPC gives WB_NOSPACE and leaves nothing in in/ */
static void test_pull_disk_full(void **state)
{
    (void)state;
    NEED_LIVE();
    struct fixture *f = fx_new("diskfull", "dispatch", "pull");
    char *data = malloc(1 << 20);
    assert_non_null(data);
    memset(data, 'x', 1 << 20);
    put_file(f->remote_dir, "large.csv", data, 1 << 20, 10);
    free(data);
    char in[1200];
    in_dir(f, "dispatch", in, sizeof in);
    pid_t p = fork();
    assert_true(p >= 0);
    if (p == 0) {
        /* a file size limit makes every write past 64 KiB fail like a full disk */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {64 * 1024, 64 * 1024};
        setrlimit(RLIMIT_FSIZE, &rl);
        struct sftp_pull_stats st;
        struct buf err;
        buf_init(&err, 4096);
        int rc = sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err);
        fprintf(stderr, "pull into a full disk: %s: %s\n", wb_status_str(rc), buf_str(&err));
        _exit(rc);
    }
    int status;
    waitpid(p, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), WB_NOSPACE);
    assert_int_equal(count_dir(in, NULL), 0);
    assert_true(exists(f->remote_dir, "large.csv"));
    fx_free(f);
}

/* test_push_rename - push uploads under .NAME.part and renames; never overwrites */
static void test_push_rename(void **state)
{
    (void)state;
    NEED_LIVE();
    struct fixture *f = fx_new("push", "orders", "push");
    char out[1200], sent[1200];
    assert_int_equal(spool_ensure_flow(&f->sp, "orders"), WB_OK);
    assert_int_equal(spool_dir(&f->sp, SP_OUT, "orders", out, sizeof out), WB_OK);
    assert_int_equal(spool_dir(&f->sp, SP_SENT, "orders", sent, sizeof sent), WB_OK);
    for (int i = 0; i < 3; i++) {
        char nm[32], body[64];
        snprintf(nm, sizeof nm, "o%d.csv", i);
        int n = snprintf(body, sizeof body, "order\nAMZ-%d\n", i);
        assert_int_equal(fs_write_file(out, nm, body, (size_t)n), WB_OK);
    }
    struct sftp_push_stats st;
    struct buf err;
    buf_init(&err, 4096);
    assert_int_equal(sftp_push(&f->cfg, &f->r, &f->sp, &st, &err), WB_OK);
    assert_int_equal(st.sent, 3);
    assert_int_equal(count_dir(f->remote_dir, NULL), 3);
    assert_int_equal(count_dir(f->remote_dir, "."), 0); /* no .part left */
    char *got = read_small(f->remote_dir, "o1.csv");
    assert_non_null(got);
    assert_string_equal(got, "order\nAMZ-1\n");
    free(got);
    assert_int_equal(count_dir(out, NULL), 0);
    assert_int_equal(count_dir(sent, NULL), 3);

    /* the WMS already has a different x.csv: refused, both sides untouched */
    put_file(f->remote_dir, "x.csv", "old\n", 4, 10);
    assert_int_equal(fs_write_file(out, "x.csv", "new\n", 4), WB_OK);
    /* y.csv is already there with the same bytes (pushed before a crash): just marked sent */
    put_file(f->remote_dir, "y.csv", "same\n", 5, 10);
    assert_int_equal(fs_write_file(out, "y.csv", "same\n", 5), WB_OK);
    buf_reset(&err);
    int rc = sftp_push(&f->cfg, &f->r, &f->sp, &st, &err);
    fprintf(stderr, "push over an existing name: %s: %s\n", wb_status_str(rc), buf_str(&err));
    assert_int_equal(rc, WB_EXISTS);
    assert_non_null(strstr(buf_str(&err), "already exists"));
    assert_int_equal(st.already, 1);
    got = read_small(f->remote_dir, "x.csv");
    assert_non_null(got);
    assert_string_equal(got, "old\n");
    free(got);
    assert_true(exists(out, "x.csv"));
    assert_true(exists(sent, "y.csv"));
    assert_int_equal(count_dir(f->remote_dir, "."), 0);
    buf_free(&err);
    fx_free(f);
}

/* test_bulk_2000 - 2000 small files pulled and pushed; prints files per second */
static void test_bulk_2000(void **state)
{
    (void)state;
    NEED_LIVE();
    const int n = 2000;
    struct fixture *f = fx_new("bulk", "dispatch", "pull");
    char body[128];
    for (int i = 0; i < n; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "b%05d.csv", i);
        int len =
            snprintf(body, sizeof body, "order,item,qty,tracking\nO%d,I%d,1,1Z%08d\n", i, i, i);
        put_file(f->remote_dir, nm, body, (size_t)len, 10);
    }
    log_set_min(LOG_WARN_L);
    struct sftp_pull_stats st;
    struct buf err;
    buf_init(&err, 4096);
    double t0 = now_ms();
    int rc = sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err);
    double t1 = now_ms();
    assert_int_equal(rc, WB_OK);
    assert_int_equal(st.taken, n);
    char in[1200];
    in_dir(f, "dispatch", in, sizeof in);
    assert_int_equal(count_dir(in, NULL), n);
    assert_int_equal(count_dir(f->remote_dir, NULL), 0);
    printf("sftp pull: %d files in %.0f ms = %.0f files/s (includes the 1 s stability wait; "
           "%.0f files/s without it)\n",
           n, t1 - t0, n / ((t1 - t0) / 1000.0), n / ((t1 - t0 - 1000.0) / 1000.0));

    /* push the same files back out of out/<flow>/ to another remote dir */
    struct fixture *g = fx_new("bulkpush", "orders", "push");
    char out[1200];
    assert_int_equal(spool_ensure_flow(&g->sp, "orders"), WB_OK);
    assert_int_equal(spool_dir(&g->sp, SP_OUT, "orders", out, sizeof out), WB_OK);
    for (int i = 0; i < n; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "b%05d.csv", i);
        assert_int_equal(fs_move(in, nm, out, nm), WB_OK);
    }
    struct sftp_push_stats ps;
    t0 = now_ms();
    rc = sftp_push(&g->cfg, &g->r, &g->sp, &ps, &err);
    t1 = now_ms();
    assert_int_equal(rc, WB_OK);
    assert_int_equal(ps.sent, n);
    assert_int_equal(count_dir(g->remote_dir, NULL), n);
    assert_int_equal(count_dir(g->remote_dir, "."), 0);
    printf("sftp push: %d files in %.0f ms = %.0f files/s\n", n, t1 - t0, n / ((t1 - t0) / 1000.0));
    log_set_min(LOG_INFO_L);
    buf_free(&err);
    fx_free(g);
    fx_free(f);
}

/* test_key_mode_and_check - an identity readable by others is refused; check says why */
static void test_key_mode_and_check(void **state)
{
    (void)state;
    NEED_LIVE();
    struct fixture *f = fx_new("keymode", "dispatch", "pull");
    struct buf msg;
    buf_init(&msg, 4096);
    assert_int_equal(sftp_check(&f->r, &msg), WB_OK);
    fprintf(stderr, "check: %s\n", buf_str(&msg));
    assert_non_null(strstr(buf_str(&msg), "ok"));

    char key2[1200];
    snprintf(key2, sizeof key2, "%s/key0644", f->root);
    struct buf k;
    buf_init(&k, 1 << 16);
    assert_int_equal(fs_read_file(L.key, &k), WB_OK);
    FILE *fp = fopen(key2, "w");
    assert_non_null(fp);
    fwrite(k.data, 1, k.len, fp);
    fclose(fp);
    buf_free(&k);
    assert_int_equal(chmod(key2, 0644), 0);
    set_str(&f->r.identity, key2);
    buf_reset(&msg);
    assert_int_equal(sftp_check(&f->r, &msg), WB_PERMFAIL);
    fprintf(stderr, "check: %s\n", buf_str(&msg));
    assert_non_null(strstr(buf_str(&msg), "0644"));
    assert_null(strchr(buf_str(&msg), '\n'));

    /* the same key at 0600 works */
    assert_int_equal(chmod(key2, 0600), 0);
    buf_reset(&msg);
    assert_int_equal(sftp_check(&f->r, &msg), WB_OK);

    /* a host missing from known_hosts is refused, naming the offered key */
    char kh2[1200];
    snprintf(kh2, sizeof kh2, "%s/empty_known_hosts", f->root);
    assert_int_equal(fs_write_file(f->root, "empty_known_hosts", "", 0), WB_OK);
    set_str(&f->r.known_hosts, kh2);
    buf_reset(&msg);
    assert_int_equal(sftp_check(&f->r, &msg), WB_PERMFAIL);
    fprintf(stderr, "check: %s\n", buf_str(&msg));
    assert_non_null(strstr(buf_str(&msg), "unknown"));
    assert_non_null(strstr(buf_str(&msg), "SHA256:"));

    /* a server that is not listening is a temporary failure */
    f->r.port = 1;
    buf_reset(&msg);
    assert_int_equal(sftp_check(&f->r, &msg), WB_TEMPFAIL);
    fprintf(stderr, "check: %s\n", buf_str(&msg));
    buf_free(&msg);
    fx_free(f);
}

/* test_push_server_killed - sshd killed mid-upload: file stays in out/, later push completes */
static void test_push_server_killed(void **state)
{
    (void)state;
    NEED_LIVE();
    struct fixture *f = fx_new("pushkill", "orders", "push");
    char out[1200], sent[1200], p[2400], want[65], got[65];
    assert_int_equal(spool_ensure_flow(&f->sp, "orders"), WB_OK);
    assert_int_equal(spool_dir(&f->sp, SP_OUT, "orders", out, sizeof out), WB_OK);
    assert_int_equal(spool_dir(&f->sp, SP_SENT, "orders", sent, sizeof sent), WB_OK);
    snprintf(p, sizeof p, "%s/big.csv", out);
    write_big(p, 128LL * 1024 * 1024);
    assert_int_equal(fs_sha256_file(p, want), WB_OK);
    pid_t killer = fork_killer(f->remote_dir, 2 * 1024 * 1024);
    struct sftp_push_stats st;
    struct buf err;
    buf_init(&err, 4096);
    int rc = sftp_push(&f->cfg, &f->r, &f->sp, &st, &err);
    int status;
    waitpid(killer, &status, 0);
    fprintf(stderr, "push with the server killed: %s: %s\n", wb_status_str(rc), buf_str(&err));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(rc, WB_TEMPFAIL);
    assert_int_equal(st.sent, 0);
    assert_true(exists(out, "big.csv"));
    assert_false(exists(f->remote_dir, "big.csv"));
    assert_int_equal(ctl("start"), 0);
    buf_reset(&err);
    assert_int_equal(sftp_push(&f->cfg, &f->r, &f->sp, &st, &err), WB_OK);
    assert_int_equal(st.sent, 1);
    assert_false(exists(out, "big.csv")); /* moved to sent/ */
    snprintf(p, sizeof p, "%s/big.csv", f->remote_dir);
    assert_int_equal(fs_sha256_file(p, got), WB_OK);
    assert_string_equal(got, want);
    assert_int_equal(count_dir(f->remote_dir, "."), 0); /* the stale .part was replaced */
    assert_true(exists(sent, "big.csv"));
    unlink(p);
    snprintf(p, sizeof p, "%s/big.csv", sent);
    unlink(p);
    buf_free(&err);
    fx_free(f);
}

/* test_hostkey_changed - a regenerated host key is refused, a pin of the new key accepted */
static void test_hostkey_changed(void **state)
{
    (void)state;
    NEED_LIVE();
    struct fixture *f = fx_new("hostkey", "dispatch", "pull");
    put_file(f->remote_dir, "h.csv", "h\n", 2, 10);
    assert_int_equal(ctl("rekey"), 0);
    struct sftp_conn *c = NULL;
    struct buf err;
    buf_init(&err, 4096);
    int rc = sftp_connect(&c, &f->r, &err);
    fprintf(stderr, "connect after the host key changed: %s: %s\n", wb_status_str(rc),
            buf_str(&err));
    assert_int_equal(rc, WB_PERMFAIL);
    assert_null(c);
    char where[128];
    snprintf(where, sizeof where, "%s:%s", L.host, L.port);
    assert_non_null(strstr(buf_str(&err), where));
    assert_non_null(strstr(buf_str(&err), "CHANGED"));
    const char *fp = strstr(buf_str(&err), "SHA256:");
    assert_non_null(fp);

    /* the pull job refuses too and takes nothing */
    struct sftp_pull_stats st;
    buf_reset(&err);
    assert_int_equal(sftp_pull(&f->cfg, &f->r, &f->sp, f->lg, &st, &err), WB_PERMFAIL);
    assert_int_equal(st.taken, 0);
    assert_true(exists(f->remote_dir, "h.csv"));

    /* pinning the new fingerprint (and no known_hosts) lets the operator accept it */
    char pin[64];
    size_t k = strcspn(fp, " ;)");
    assert_true(k < sizeof pin);
    memcpy(pin, fp, k);
    pin[k] = '\0';
    set_str(&f->r.fingerprint, pin);
    set_str(&f->r.known_hosts, "");
    buf_reset(&err);
    assert_int_equal(sftp_connect(&c, &f->r, &err), WB_OK);
    sftp_disconnect(c);
    /* a wrong pin is refused */
    set_str(&f->r.fingerprint, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    buf_reset(&err);
    assert_int_equal(sftp_connect(&c, &f->r, &err), WB_PERMFAIL);
    assert_non_null(strstr(buf_str(&err), "pinned"));
    assert_int_equal(ctl("restore"), 0);
    buf_free(&err);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pull_several, setup_live),
        cmocka_unit_test_setup(test_pull_archive_and_marker, setup_live),
        cmocka_unit_test_setup(test_pull_not_twice, setup_live),
        cmocka_unit_test_setup(test_pull_growing_file, setup_live),
        cmocka_unit_test_setup(test_pull_refuses_unsafe, setup_live),
        cmocka_unit_test_setup(test_pull_disk_full, setup_live),
        cmocka_unit_test_setup(test_push_rename, setup_live),
        cmocka_unit_test_setup(test_key_mode_and_check, setup_live),
        cmocka_unit_test_setup(test_bulk_2000, setup_live),
        cmocka_unit_test_setup(test_pull_server_killed, setup_live),
        cmocka_unit_test_setup(test_push_server_killed, setup_live),
        cmocka_unit_test_setup(test_hostkey_changed, setup_live),
    };
    const char *only = getenv("WB_TEST_FILTER");
    if (only && *only)
        cmocka_set_test_filter(only);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
