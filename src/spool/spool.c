/*
 * spool.c - the spool state directories and the renames between them
 * (state diagram in spool.h). Owns directory layout and naming. Every move
 * is fs_move (rename + fsync of both directories, never replacing a file).
 * Returns WB_* codes; never exits; never opens a file outside the root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "spool/spool.h"

static const char *const state_names[SP_NSTATES] = {
    "in", "work", "feeds", "reports", "out", "sent", "done", "reject", "hold", "corrupt",
};

/* spool_state_name - directory name of a state */
const char *spool_state_name(enum spool_state st)
{
    return (unsigned)st < SP_NSTATES ? state_names[st] : "?";
}

/* spool_attach - remember the root, create nothing (read-only commands) */
int spool_attach(struct spool *s, const char *root)
{
    s->root = strdup(root);
    return s->root ? WB_OK : WB_NOMEM;
}

/* spool_open - remember the root and create the state directories */
enum wb_status spool_open(struct spool *s, const char *root)
{
    if (spool_attach(s, root) != WB_OK)
        return WB_NOMEM;
    int rc = fs_mkdirs(root, FS_DIR_MODE);
    for (int i = 0; rc == WB_OK && i < SP_NSTATES; i++) {
        char p[4096];
        if ((rc = spool_dir(s, (enum spool_state)i, NULL, p, sizeof p)) == WB_OK)
            rc = fs_mkdirs(p, FS_DIR_MODE);
    }
    if (rc != WB_OK) {
        free(s->root);
        s->root = NULL;
    }
    return rc;
}

/* spool_close - release */
void spool_close(struct spool *s)
{
    free(s->root);
    s->root = NULL;
}

/* seg_ok - one segment of a lane: 1..31 bytes of [a-z0-9_-], or of [A-Za-z0-9_-] (upper) */
static int seg_ok(const char *p, size_t n, int upper)
{
    if (n == 0 || n > 31)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              (upper && c >= 'A' && c <= 'Z')))
            return 0;
    }
    return 1;
}

/* lane_ok - "FLOW" (a short lower-case identifier) or "ACCOUNT/FLOW" (a seller account's) */
static int lane_ok(const char *lane)
{
    const char *slash = strchr(lane, '/');
    if (!slash)
        return seg_ok(lane, strlen(lane), 0);
    return seg_ok(lane, (size_t)(slash - lane), 1) && seg_ok(slash + 1, strlen(slash + 1), 0);
}

/* spool_dir - path of a state dir (flow: a lane, may be NULL) */
enum wb_status spool_dir(const struct spool *s, enum spool_state st, const char *flow, char *out,
                         size_t n)
{
    if ((unsigned)st >= SP_NSTATES)
        return WB_BADARG;
    int k;
    if (!flow || st == SP_FEEDS || st == SP_REPORTS || st == SP_CORRUPT) {
        k = snprintf(out, n, "%s/%s", s->root, state_names[st]);
    } else {
        if (!lane_ok(flow))
            return WB_BADARG;
        if (st == SP_DONE) {
            char date[16];
            clock_format_date(clock_now(), date, sizeof date);
            k = snprintf(out, n, "%s/done/%s/%s", s->root, date, flow);
        } else {
            k = snprintf(out, n, "%s/%s/%s", s->root, state_names[st], flow);
        }
    }
    return (k < 0 || (size_t)k >= n) ? WB_TOOBIG : WB_OK;
}

/* spool_ensure_flow - create the per-flow directories */
enum wb_status spool_ensure_flow(const struct spool *s, const char *flow)
{
    static const enum spool_state per_flow[] = {SP_IN,   SP_WORK,   SP_OUT,
                                                SP_SENT, SP_REJECT, SP_HOLD};
    for (size_t i = 0; i < WB_ARRAY_LEN(per_flow); i++) {
        char p[4096];
        int rc = spool_dir(s, per_flow[i], flow, p, sizeof p);
        if (rc == WB_OK)
            rc = fs_mkdirs(p, FS_DIR_MODE);
        if (rc != WB_OK)
            return rc;
    }
    return WB_OK;
}

/* entry_cmp - order by mtime, then name */
static int entry_cmp(const void *a, const void *b)
{
    const struct spool_entry *x = a, *y = b;
    if (x->mtime != y->mtime)
        return x->mtime < y->mtime ? -1 : 1;
    if (x->mtime_ns != y->mtime_ns)
        return x->mtime_ns < y->mtime_ns ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* spool_list - regular files of a state dir, sorted by mtime then name */
enum wb_status spool_list(const struct spool *s, enum spool_state st, const char *flow,
                          struct spool_entry **out, size_t *n)
{
    char dir[4096];
    *out = NULL;
    *n = 0;
    int rc = spool_dir(s, st, flow, dir, sizeof dir);
    if (rc != WB_OK)
        return rc;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? WB_OK : wb_errno_status(errno);
    size_t cap = 0;
    struct spool_entry *v = NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (fs_is_temp_name(de->d_name) || !fs_name_ok(de->d_name))
            continue;
        size_t nl = strlen(de->d_name);
        if (nl > 7 && strcmp(de->d_name + nl - 7, ".reason") == 0)
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            struct spool_entry *nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                rc = WB_NOMEM;
                break;
            }
            v = nv;
        }
        struct spool_entry *e = &v[(*n)++];
        str_copy(e->name, sizeof e->name, de->d_name);
        e->size = (long long)sb.st_size;
        e->mtime = sb.st_mtim.tv_sec;
        e->mtime_ns = sb.st_mtim.tv_nsec;
        e->ctime = sb.st_ctim.tv_sec;
    }
    closedir(d);
    if (rc != WB_OK) {
        free(v);
        *n = 0;
        return rc;
    }
    if (*n)
        qsort(v, *n, sizeof *v, entry_cmp);
    *out = v;
    return WB_OK;
}

/* spool_ready - see spool.h */
int spool_ready(const struct spool_entry *e, long settle_seconds, time_t now)
{
    if (fs_is_temp_name(e->name))
        return 0;
    time_t t = e->mtime > now ? e->ctime : e->mtime;
    return now - t >= settle_seconds;
}

/* move - durable move between two state dirs of a flow */
static int move(const struct spool *s, enum spool_state from, const char *flow_from,
                enum spool_state to, const char *flow_to, const char *name, const char *to_name)
{
    char a[4096], b[4096];
    if (!fs_name_ok(name) || !fs_name_ok(to_name))
        return WB_BADARG;
    int rc = spool_dir(s, from, flow_from, a, sizeof a);
    if (rc == WB_OK)
        rc = spool_dir(s, to, flow_to, b, sizeof b);
    if (rc == WB_OK)
        rc = fs_mkdirs(b, FS_DIR_MODE);
    if (rc == WB_OK)
        rc = fs_move(a, name, b, to_name);
    return rc;
}

/* spool_derive_name - see spool.h */
enum wb_status spool_derive_name(const char *name, int drop_ext, const char *suffix, char *out,
                                 size_t n)
{
    size_t len = strlen(name);
    const char *dot = strrchr(name, '.');
    const char *ext = dot && dot != name && strlen(dot) <= 16 ? dot : name + len;
    size_t stem = (size_t)(ext - name);
    if (drop_ext)
        ext = name + len;
    size_t el = strlen(ext), sl = strlen(suffix);
    if (el + sl >= SPOOL_NAME_MAX)
        return WB_TOOBIG;
    if (stem + el + sl > SPOOL_NAME_MAX) {
        stem = SPOOL_NAME_MAX - el - sl;
        while (stem > 0 && ((unsigned char)name[stem] & 0xC0) == 0x80)
            stem--; /* never cut inside a UTF-8 sequence */
    }
    if (stem == 0 || stem + el + sl >= n)
        return WB_TOOBIG;
    memcpy(out, name, stem);
    memcpy(out + stem, ext, el);
    memcpy(out + stem + el, suffix, sl + 1);
    return WB_OK;
}

/* spool_unique_name - see spool.h */
enum wb_status spool_unique_name(const char *dir, const char *base, char *out, size_t n)
{
    for (int i = 0; i < 10000; i++) {
        char sfx[16], p[4096], r[4096];
        sfx[0] = '\0';
        if (i)
            snprintf(sfx, sizeof sfx, ".%d", i);
        int rc = spool_derive_name(base, 0, sfx, out, n);
        if (rc != WB_OK)
            return rc;
        int k = snprintf(r, sizeof r, "%s/%s.reason", dir, out);
        if (fs_join(p, sizeof p, dir, out) != WB_OK || k < 0 || (size_t)k >= sizeof r)
            return WB_TOOBIG;
        struct stat sb;
        if (lstat(p, &sb) != 0 && errno == ENOENT && lstat(r, &sb) != 0 && errno == ENOENT)
            return WB_OK;
    }
    return WB_EXISTS;
}

/* spool_claim - in/<flow>/name -> work/<flow>/<a free name: name, or name.N> */
enum wb_status spool_claim(const struct spool *s, const char *flow, const char *name, char *claimed,
                           size_t n)
{
    char w[4096];
    if (!fs_name_ok(name))
        return WB_BADARG;
    int rc = spool_dir(s, SP_WORK, flow, w, sizeof w);
    if (rc == WB_OK)
        rc = fs_mkdirs(w, FS_DIR_MODE);
    if (rc == WB_OK)
        rc = spool_unique_name(w, name, claimed, n);
    if (rc == WB_OK)
        rc = move(s, SP_IN, flow, SP_WORK, flow, name, claimed);
    return rc;
}

/* move_unique - move to a state dir, choosing a free name there */
static int move_unique(const struct spool *s, enum spool_state from, const char *flow_from,
                       enum spool_state to, const char *flow_to, const char *name, char *final,
                       size_t fn)
{
    char b[4096];
    int rc = spool_dir(s, to, flow_to, b, sizeof b);
    if (rc == WB_OK)
        rc = fs_mkdirs(b, FS_DIR_MODE);
    if (rc == WB_OK)
        rc = spool_unique_name(b, name, final, fn);
    if (rc == WB_OK)
        rc = move(s, from, flow_from, to, flow_to, name, final);
    return rc;
}

/* spool_unclaim - work/<flow>/name -> in/<flow>/<free name> */
enum wb_status spool_unclaim(const struct spool *s, const char *flow, const char *name)
{
    char final[256];
    return move_unique(s, SP_WORK, flow, SP_IN, flow, name, final, sizeof final);
}

/* spool_finish - work/<flow>/name -> done/<today>/<flow>/name */
enum wb_status spool_finish(const struct spool *s, const char *flow, const char *name)
{
    char final[256];
    return move_unique(s, SP_WORK, flow, SP_DONE, flow, name, final, sizeof final);
}

/* spool_write_reason - write reject/<flow>/<name>.reason */
enum wb_status spool_write_reason(const struct spool *s, const char *flow, const char *name,
                                  const char *code, const char *reason)
{
    char dir[4096], rname[256];
    int rc = spool_dir(s, SP_REJECT, flow, dir, sizeof dir);
    if (rc != WB_OK)
        return rc;
    if (snprintf(rname, sizeof rname, "%s.reason", name) >= (int)sizeof rname)
        return WB_TOOBIG;
    struct buf b;
    buf_init(&b, 64 * 1024);
    char ts[32];
    clock_format_iso(clock_now(), ts, sizeof ts);
    rc = buf_appendf(&b, "file: %s\nflow: %s\ncode: %s\nwhen: %s\nreason: %s\n", name, flow, code,
                     ts, reason);
    /* a .reason belongs to its file: it replaces only a reason written for that same name */
    struct afile af;
    if (rc == WB_OK && (rc = afile_open_redo(&af, dir, rname, 0)) == WB_OK) {
        afile_write(&af, b.data, b.len);
        rc = afile_commit(&af);
    }
    buf_free(&b);
    return rc;
}

/* spool_sweep_odd - see spool.h */
enum wb_status spool_sweep_odd(const struct spool *s, const char *flow, long settle_seconds,
                               time_t now, spool_odd_cb cb, void *arg)
{
    char in[4096], rej[4096];
    int rc = spool_dir(s, SP_IN, flow, in, sizeof in);
    if (rc == WB_OK)
        rc = spool_dir(s, SP_REJECT, flow, rej, sizeof rej);
    if (rc == WB_OK)
        rc = fs_mkdirs(rej, FS_DIR_MODE);
    if (rc != WB_OK)
        return rc;
    DIR *d = opendir(in);
    if (!d)
        return errno == ENOENT ? WB_OK : wb_errno_status(errno);
    struct dirent *de;
    while (rc == WB_OK && (de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (!strcmp(name, ".") || !strcmp(name, ".."))
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (fs_is_temp_name(name)) {
            /* a writer's temp is left to it, but one unchanged for long is reported */
            if (S_ISREG(sb.st_mode) && now - sb.st_mtim.tv_sec >= SPOOL_STALE_TEMP_SECONDS &&
                now - sb.st_ctim.tv_sec >= SPOOL_STALE_TEMP_SECONDS)
                cb(arg, name, NULL, WB_AGAIN);
            continue;
        }
        int regular = S_ISREG(sb.st_mode);
        if (regular && fs_name_ok(name))
            continue; /* an ordinary spool file */
        if (!regular) {
            cb(arg, name, NULL, WB_OK);
            continue;
        }
        if (now - sb.st_mtim.tv_sec < settle_seconds)
            continue; /* may still be written */
        /* hard links of one file share the inode: each name gets a free name of its own */
        char base[64], safe[256], why[600];
        snprintf(base, sizeof base, "unsafe-name-%llu.csv", (unsigned long long)sb.st_ino);
        int m = spool_unique_name(rej, base, safe, sizeof safe);
        if (m == WB_OK)
            m = fs_move(in, name, rej, safe);
        if (m != WB_OK) {
            cb(arg, name, NULL, m);
            continue; /* one file that cannot be moved never stops the others */
        }
        char shown[300];
        snprintf(why, sizeof why,
                 "the file name '%s' cannot be handled safely (it starts with '-' or holds "
                 "control characters or a backslash); the file was renamed and not read: "
                 "check it, rename it if it is a real export, and requeue it",
                 str_shown(name, shown, sizeof shown));
        rc = spool_write_reason(s, flow, safe, "E_FILE_NAME", why);
        cb(arg, name, safe, WB_OK);
    }
    closedir(d);
    return rc;
}

/* spool_reject_file - work/<flow>/name -> reject/<flow>/name with a .reason file */
enum wb_status spool_reject_file(const struct spool *s, const char *flow, const char *name,
                                 const char *code, const char *reason)
{
    char final[256];
    int rc = move_unique(s, SP_WORK, flow, SP_REJECT, flow, name, final, sizeof final);
    if (rc == WB_OK)
        rc = spool_write_reason(s, flow, final, code, reason);
    return rc;
}

/* spool_requeue - reject/<flow>/name (or hold/<flow>/name) -> in/<flow>/name */
enum wb_status spool_requeue(const struct spool *s, const char *flow, const char *name)
{
    char dir[4096], p[4096], rname[256];
    enum spool_state from = SP_REJECT;
    int rc = spool_dir(s, SP_REJECT, flow, dir, sizeof dir);
    if (rc != WB_OK)
        return rc;
    if (!fs_name_ok(name))
        return WB_BADARG;
    if (fs_join(p, sizeof p, dir, name) != WB_OK)
        return WB_TOOBIG;
    struct stat sb;
    if (lstat(p, &sb) != 0) {
        from = SP_HOLD;
        if ((rc = spool_dir(s, SP_HOLD, flow, dir, sizeof dir)) != WB_OK)
            return rc;
    }
    rc = move(s, from, flow, SP_IN, flow, name, name);
    if (rc == WB_OK) {
        /* the reason described the old content; the file is read afresh */
        if (snprintf(rname, sizeof rname, "%s.reason", name) < (int)sizeof rname &&
            fs_join(p, sizeof p, dir, rname) == WB_OK)
            unlink(p);
        fs_fsync_dir(dir);
    }
    return rc;
}

/* spool_hold - in|reject/<flow>/name -> hold/<flow>/name; a reject's .reason goes with it */
enum wb_status spool_hold(const struct spool *s, enum spool_state from, const char *flow,
                          const char *name)
{
    int rc = move(s, from, flow, SP_HOLD, flow, name, name);
    char rname[256];
    if (rc == WB_OK && from == SP_REJECT &&
        snprintf(rname, sizeof rname, "%s.reason", name) < (int)sizeof rname) {
        int r = move(s, from, flow, SP_HOLD, flow, rname, rname);
        if (r != WB_OK && r != WB_NOTFOUND)
            rc = r;
    }
    return rc;
}

/* spool_corrupt - move one of our own unreadable files to corrupt/ */
enum wb_status spool_corrupt(const struct spool *s, enum spool_state from, const char *flow,
                             const char *name)
{
    char final[256];
    return move_unique(s, from, flow, SP_CORRUPT, NULL, name, final, sizeof final);
}

/* spool_mark_sent - out/<flow>/name -> sent/<flow>/name */
enum wb_status spool_mark_sent(const struct spool *s, const char *flow, const char *name)
{
    char final[256];
    return move_unique(s, SP_OUT, flow, SP_SENT, flow, name, final, sizeof final);
}

/* sweep_dir - unlink afile temps in one directory (the lock holder has no writer running yet);
 * with dead_only, only those whose writer's pid no longer runs */
static long sweep_dir(const char *dir, int dead_only)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    long n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        long pid = afile_temp_pid(de->d_name);
        if (pid <= 0 || pid == (long)getpid() ||
            (dead_only && (pid > INT_MAX || kill((pid_t)pid, 0) == 0 || errno != ESRCH)))
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
            unlinkat(dirfd(d), de->d_name, 0) == 0)
            n++;
    }
    if (n)
        fsync(dirfd(d));
    closedir(d);
    return n;
}

/* sweep_lanes - sweep_dir on each lane directory below a state dir: its flows (lanes of the
 * default account) and the flows of each account directory (ACCOUNT/FLOW) */
static long sweep_lanes(const char *dir, int dead_only, int depth)
{
    char sub[4400];
    long n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat sb;
        if (!fs_name_ok(de->d_name) ||
            fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(sb.st_mode) ||
            fs_join(sub, sizeof sub, dir, de->d_name) != WB_OK)
            continue;
        n += sweep_dir(sub, dead_only);
        if (depth < 1)
            n += sweep_lanes(sub, dead_only, depth + 1);
    }
    closedir(d);
    return n;
}

/*
 * spool_sweep_temps - temps of our writers in feeds/, reports/, reject/ and out/ of every lane.
 * Only the holder of the instance lock writes there, and it calls this before starting any
 * job, so every such temp belongs to a writer that was killed. In in/ the temps of our SFTP
 * pulls (".NAME.PID.SEQ.tmp") go only when no process of that pid runs any more: other temps
 * there may be the WMS's own files still being written, and are left to their writer.
 */
enum wb_status spool_sweep_temps(const struct spool *s, long *removed)
{
    static const enum spool_state flat[] = {SP_FEEDS, SP_REPORTS};
    static const enum spool_state per_flow[] = {SP_REJECT, SP_OUT, SP_IN};
    char dir[4096];
    *removed = 0;
    for (size_t i = 0; i < WB_ARRAY_LEN(flat); i++)
        if (spool_dir(s, flat[i], NULL, dir, sizeof dir) == WB_OK)
            *removed += sweep_dir(dir, 0);
    for (size_t i = 0; i < WB_ARRAY_LEN(per_flow); i++)
        if (spool_dir(s, per_flow[i], NULL, dir, sizeof dir) == WB_OK)
            *removed += sweep_lanes(dir, per_flow[i] == SP_IN, 0);
    return WB_OK;
}

/* spool_read_reason - the code and reason lines of <st>/<flow>/<name>.reason */
enum wb_status spool_read_reason(const struct spool *s, enum spool_state st, const char *flow,
                                 const char *name, char *code, size_t cn, char *reason, size_t rn)
{
    char dir[4096], path[4400], rname[256];
    if (cn)
        code[0] = '\0';
    if (rn)
        reason[0] = '\0';
    int rc = spool_dir(s, st, flow, dir, sizeof dir);
    if (rc != WB_OK)
        return rc;
    if (snprintf(rname, sizeof rname, "%s.reason", name) >= (int)sizeof rname ||
        fs_join(path, sizeof path, dir, rname) != WB_OK)
        return WB_TOOBIG;
    struct buf b;
    buf_init(&b, 64 * 1024);
    rc = fs_read_file(path, &b);
    if (rc == WB_OK) {
        static const char *const keys[2] = {"\ncode: ", "\nreason: "};
        char *out[2] = {code, reason};
        size_t on[2] = {cn, rn};
        for (int i = 0; i < 2; i++) {
            const char *p = strstr(buf_str(&b), keys[i]);
            if (p && on[i]) {
                p += strlen(keys[i]);
                snprintf(out[i], on[i], "%.*s", (int)strcspn(p, "\n"), p);
            }
        }
    }
    buf_free(&b);
    return rc;
}

/* spool_drop - remove <from>/<flow>/name (and a reject's .reason) for good; fsyncs the dir */
enum wb_status spool_drop(const struct spool *s, enum spool_state from, const char *flow,
                          const char *name)
{
    char dir[4096], p[4400], rname[256];
    int rc = spool_dir(s, from, flow, dir, sizeof dir);
    if (rc != WB_OK)
        return rc;
    if (!fs_name_ok(name))
        return WB_BADARG;
    if (fs_join(p, sizeof p, dir, name) != WB_OK)
        return WB_TOOBIG;
    if (unlink(p) != 0)
        return errno == ENOENT ? WB_NOTFOUND : errno == EACCES ? WB_DENIED : WB_IOERR;
    if (snprintf(rname, sizeof rname, "%s.reason", name) < (int)sizeof rname &&
        fs_join(p, sizeof p, dir, rname) == WB_OK)
        unlink(p);
    return fs_fsync_dir(dir);
}
