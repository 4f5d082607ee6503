/*
 * sftp_xfer.c - SFTP pull (WMS -> in/<flow>/) and push (out/<flow>/ -> WMS).
 *
 * Owns one job run against one configured remote: which remote files are
 * complete and safe (sftp_xfer_select: safe name, not a temp name, matches
 * the pattern, regular file and not a symlink, done marker present when one
 * is required, older than min_age, unchanged between two listings), the
 * order of durable steps (local copy committed and recorded in the ledger
 * before the remote file is removed; remote rename only after the uploaded
 * size is verified), and bounded retries of transient errors.
 *
 * Error contract: see sftp_xfer.h. Transport errors come already mapped from
 * net/sftp.c. Never exits; never follows a remote symlink; never overwrites a
 * remote file; never leaves a half-written file under a name the spool takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/log.h"
#include "core/wb.h"
#include "flows/flow.h"
#include "flows/sftp_xfer.h"
#include "net/retry.h"

#define XFER_ATTEMPTS 3
#define XFER_PATH_MAX 4096
#define XFER_COMPARE_MAX (64LL * 1024 * 1024)

/* printable - a log-safe copy of a remote name (control chars, quotes, backslashes -> '?') */
static void printable(const char *in, char *out, size_t n)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 1 < n; p++)
        out[o++] = (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\') ? '?' : (char)*p;
    out[o] = '\0';
}

/* has_suffix - 1 if s ends with a non-empty suffix and is longer than it */
static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return k > 0 && n > k && strcmp(s + n - k, suf) == 0;
}

/* sftp_xfer_select - verdict for one entry of the latest listing; *why says why not taken */
int sftp_xfer_select(const struct wb_remote *r, const struct sftp_entry *e,
                     const struct sftp_entry *prev, int have_marker, long long now,
                     const char **why)
{
    const char *suffix = r->done_suffix ? r->done_suffix : "";
    const char *pattern = r->pattern && *r->pattern ? r->pattern : "*";
    *why = "";
    if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0) {
        *why = "directory link";
        return SFTP_SKIP;
    }
    if (!fs_name_ok(e->name)) {
        if (e->name[0] == '.' && e->name[1] && fs_name_ok(e->name + 1)) {
            *why = "temporary (dot) name";
            return SFTP_WAIT;
        }
        *why = "unsafe name (path separator, leading '-' or '.', control character or too long)";
        return SFTP_REFUSE;
    }
    if (fs_is_temp_name(e->name)) {
        *why = "temporary name";
        return SFTP_WAIT;
    }
    if (has_suffix(e->name, suffix)) {
        *why = "done marker";
        return SFTP_SKIP;
    }
    if (fnmatch(pattern, e->name, FNM_PERIOD) != 0) {
        *why = "does not match pattern";
        return SFTP_SKIP;
    }
    if (e->is_symlink) {
        *why = "symbolic link (never followed)";
        return SFTP_REFUSE;
    }
    if (e->is_dir) {
        *why = "directory";
        return SFTP_SKIP;
    }
    if (!e->is_regular) {
        *why = "not a regular file";
        return SFTP_REFUSE;
    }
    if (e->size < 0 || e->mtime < 0) {
        *why = "server did not report size and mtime";
        return SFTP_REFUSE;
    }
    if (*suffix && !have_marker) {
        *why = "done marker missing";
        return SFTP_WAIT;
    }
    if (now - e->mtime < r->min_age) {
        *why = "younger than min_age";
        return SFTP_WAIT;
    }
    if (!prev || prev->size != e->size || prev->mtime != e->mtime) {
        *why = "still changing";
        return SFTP_WAIT;
    }
    return SFTP_TAKE;
}

/* sleep_ms - sleep, restarting after signals */
static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L}, rem;
    while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
        ts = rem;
}

/* backoff_ms - delay before retry number `attempt` (1-based): the program's one retry policy */
static long backoff_ms(const struct wb_config *cfg, int attempt)
{
    struct retry_policy pol;
    retry_policy_from_config(&pol, cfg);
    return retry_delay_ms(&pol, attempt - 1, -1);
}

/* note_attempts - after failed retries, say how many and what went wrong first */
static void note_attempts(struct buf *err, const struct buf *first, int rc, int attempts)
{
    if (rc == WB_TEMPFAIL && attempts > 1 && first->len && strcmp(first->data, buf_str(err)) != 0)
        buf_appendf(err, " (after %d attempts; first failure: %s)", attempts, buf_str(first));
    else if (rc == WB_TEMPFAIL && attempts > 1)
        buf_appendf(err, " (after %d attempts)", attempts);
}

/* with_retries - run one pass (pass(arg, err)) until it is not a TEMPFAIL or XFER_ATTEMPTS
 * passes failed, waiting by the retry policy between them; the last failure in err, with how
 * many attempts and what went wrong first */
static int with_retries(const struct wb_config *cfg, const struct wb_remote *r, const char *what,
                        int (*pass)(void *arg, struct buf *err), void *arg, struct buf *err)
{
    struct buf first;
    buf_init(&first, 2048);
    int rc;
    for (int attempt = 1;; attempt++) {
        buf_reset(err);
        rc = pass(arg, err);
        if (rc != WB_TEMPFAIL || attempt == XFER_ATTEMPTS) {
            note_attempts(err, &first, rc, attempt);
            break;
        }
        long d = backoff_ms(cfg, attempt);
        log_warn("remote=%s event=%s_retry attempt=%d delay_ms=%ld reason=\"%s\"", r->name, what,
                 attempt, d, buf_str(err));
        if (attempt == 1)
            buf_appends(&first, buf_str(err));
        sleep_ms(d);
    }
    buf_free(&first);
    return rc;
}

/* remote_join - dir + "/" + name for a remote path ("" or "." dir keeps it relative) */
static int remote_join(char *out, size_t n, const char *dir, const char *name)
{
    int k;
    if (!dir || !*dir)
        k = snprintf(out, n, "%s", name);
    else if (dir[strlen(dir) - 1] == '/')
        k = snprintf(out, n, "%s%s", dir, name);
    else
        k = snprintf(out, n, "%s/%s", dir, name);
    return (k < 0 || (size_t)k >= n) ? WB_TOOBIG : WB_OK;
}

/* by_name - qsort/bsearch order of entries by name */
static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct sftp_entry *)a)->name, ((const struct sftp_entry *)b)->name);
}

/* by_age - oldest first, then name */
static int by_age(const void *a, const void *b)
{
    const struct sftp_entry *x = a, *y = b;
    if (x->mtime != y->mtime)
        return x->mtime < y->mtime ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* find - entry named name in a name-sorted listing, or NULL */
static const struct sftp_entry *find(const struct sftp_entry *v, size_t n, const char *name)
{
    struct sftp_entry key;
    size_t len = strlen(name);
    if (!n || len >= sizeof key.name) /* no listed entry has a longer name */
        return NULL;
    memcpy(key.name, name, len + 1);
    return bsearch(&key, v, n, sizeof *v, by_name);
}

/* finish_remote - after a durable local copy: archive or delete the remote file and marker */
static int finish_remote(struct sftp_conn *c, const struct wb_remote *r, const char *path,
                         const char *name, struct buf *err)
{
    int rc;
    if (r->archive_dir && *r->archive_dir) {
        char to[XFER_PATH_MAX];
        if ((rc = remote_join(to, sizeof to, r->archive_dir, name)) != WB_OK)
            return rc;
        rc = sftp_rename(c, path, to, err);
        if (rc == WB_EXISTS) {
            char alt[300];
            snprintf(alt, sizeof alt, "%s.%lld", name, (long long)time(NULL));
            buf_reset(err);
            if ((rc = remote_join(to, sizeof to, r->archive_dir, alt)) == WB_OK)
                rc = sftp_rename(c, path, to, err);
        }
    } else {
        rc = sftp_remove(c, path, err);
    }
    if (rc == WB_NOTFOUND) {
        buf_reset(err);
        rc = WB_OK;
    }
    if (rc == WB_OK && r->done_suffix && *r->done_suffix) {
        char marker[XFER_PATH_MAX];
        struct buf e2;
        buf_init(&e2, 1024);
        if (snprintf(marker, sizeof marker, "%s%s", path, r->done_suffix) < (int)sizeof marker) {
            int m = sftp_remove(c, marker, &e2);
            if (m == WB_TEMPFAIL)
                rc = m;
            else if (m != WB_OK && m != WB_NOTFOUND)
                log_warn("remote=%s file=%s event=marker_left reason=\"%s\"", r->name, name,
                         buf_str(&e2));
        }
        buf_free(&e2);
    }
    return rc;
}

/* take_one - download one complete remote file into in/<flow>/, record it, clean up remote */
static int take_one(struct sftp_conn *c, const struct wb_remote *r, const char *indir,
                    struct ledger *lg, const struct sftp_entry *e, struct sftp_pull_stats *st,
                    struct buf *err)
{
    char path[XFER_PATH_MAX], local[256], final[XFER_PATH_MAX];
    int seen = 0, rc;
    if ((rc = remote_join(path, sizeof path, r->remote_dir, e->name)) != WB_OK)
        return rc;
    if ((rc = ledger_remote_seen(lg, r->name, path, e->size, e->mtime, &seen)) != WB_OK) {
        buf_appendf(err, "ledger: %s", ledger_errmsg(lg));
        return rc;
    }
    if (seen) {
        log_info("file=%s remote=%s event=already_taken size=%lld", e->name, r->name, e->size);
        st->duplicates++;
        return finish_remote(c, r, path, e->name, err);
    }
    if ((rc = spool_unique_name(indir, e->name, local, sizeof local)) != WB_OK) {
        buf_appendf(err, "%s: no free local name in %s", e->name, indir);
        return rc;
    }
    struct afile af;
    if ((rc = afile_open(&af, indir, local, 0)) != WB_OK) {
        buf_appendf(err, "%s: cannot create a temp file in %s: %s", e->name, indir,
                    wb_status_str(rc));
        return rc;
    }
    long long bytes = 0;
    rc = sftp_download(c, path, e, af.fp, &bytes, err);
    if (rc == WB_OK && bytes != e->size) {
        buf_appendf(err, "%s: got %lld bytes, listing said %lld; discarded", path, bytes, e->size);
        rc = WB_TEMPFAIL;
    }
    if (rc != WB_OK) {
        afile_abort(&af);
        return rc;
    }
    if ((rc = afile_commit(&af)) != WB_OK) {
        buf_appendf(err, "%s: cannot commit %s/%s: %s", e->name, indir, local, wb_status_str(rc));
        return rc;
    }
    char digest[65];
    if ((rc = fs_join(final, sizeof final, indir, local)) != WB_OK ||
        (rc = fs_sha256_file(final, digest)) != WB_OK) {
        buf_appendf(err, "%s: cannot digest %s", e->name, final);
        return rc;
    }
    if ((rc = ledger_remote_mark(lg, r->name, path, e->size, e->mtime, digest)) != WB_OK) {
        buf_appendf(err, "ledger: %s", ledger_errmsg(lg));
        return rc;
    }
    st->taken++;
    st->bytes += bytes;
    log_info("file=%s remote=%s event=pulled local=%s size=%lld sha256=%s", e->name, r->name, local,
             bytes, digest);
    return finish_remote(c, r, path, e->name, err);
}

/* pull_pass - one connection: list (twice for stability), take what is complete */
static int pull_pass(const struct wb_remote *r, const char *indir, struct ledger *lg,
                     struct sftp_pull_stats *st, struct buf *err)
{
    struct sftp_conn *c = NULL;
    struct sftp_entry *v1 = NULL, *v2 = NULL;
    size_t n1 = 0, n2 = 0;
    const char *dir = r->remote_dir && *r->remote_dir ? r->remote_dir : ".";
    int rc = sftp_connect(&c, r, err);
    if (rc != WB_OK)
        return rc;
    if ((rc = sftp_list(c, dir, &v1, &n1, err)) != WB_OK)
        goto out;
    long wait = r->min_age < 2 ? r->min_age : 2;
    if (wait > 0) {
        sleep_ms(wait * 1000);
        if ((rc = sftp_list(c, dir, &v2, &n2, err)) != WB_OK)
            goto out;
    }
    qsort(v1, n1, sizeof *v1, by_name);
    const struct sftp_entry *cur = v2 ? v2 : v1;
    size_t ncur = v2 ? n2 : n1;
    /* names (and markers) are looked up in the latest listing, sorted by name */
    struct sftp_entry *byname = malloc((ncur ? ncur : 1) * sizeof *byname);
    struct sftp_entry *order = malloc((ncur ? ncur : 1) * sizeof *order);
    if (!byname || !order) {
        free(byname);
        free(order);
        rc = WB_NOMEM;
        goto out;
    }
    if (ncur) {
        memcpy(byname, cur, ncur * sizeof *cur);
        memcpy(order, cur, ncur * sizeof *cur);
    }
    qsort(byname, ncur, sizeof *byname, by_name);
    qsort(order, ncur, sizeof *order, by_age);
    st->listed = (long)ncur;
    st->waiting = st->refused = 0;
    long long now = (long long)time(NULL);
    int first_perm = WB_OK;
    for (size_t i = 0; i < ncur && rc == WB_OK; i++) {
        const struct sftp_entry *e = &order[i];
        const struct sftp_entry *prev = v2 ? find(v1, n1, e->name) : e;
        int have_marker = 0;
        if (r->done_suffix && *r->done_suffix) {
            char mk[300];
            if (snprintf(mk, sizeof mk, "%s%s", e->name, r->done_suffix) < (int)sizeof mk)
                have_marker = find(byname, ncur, mk) != NULL;
        }
        const char *why;
        char shown[300];
        int verdict = sftp_xfer_select(r, e, prev, have_marker, now, &why);
        if (verdict == SFTP_REFUSE) {
            printable(e->name, shown, sizeof shown);
            log_warn("file=\"%s\" remote=%s event=refused reason=\"%s\"", shown, r->name, why);
            st->refused++;
            continue;
        }
        if (verdict == SFTP_WAIT) {
            st->waiting++;
            continue;
        }
        if (verdict != SFTP_TAKE)
            continue;
        struct buf ferr;
        buf_init(&ferr, 2048);
        int frc = take_one(c, r, indir, lg, e, st, &ferr);
        if (frc == WB_AGAIN || frc == WB_NOTFOUND) {
            /* changed or vanished since listed: try again next run */
            log_info("file=%s remote=%s event=deferred reason=\"%s\"", e->name, r->name,
                     buf_str(&ferr));
            st->waiting++;
        } else if (frc == WB_PERMFAIL || frc == WB_EXISTS) {
            log_warn("file=%s remote=%s event=pull_failed reason=\"%s\"", e->name, r->name,
                     buf_str(&ferr));
            st->failed++;
            if (first_perm == WB_OK) {
                first_perm = frc;
                buf_appends(err, buf_str(&ferr));
            }
        } else if (frc != WB_OK) {
            st->failed++;
            buf_appends(err, buf_str(&ferr));
            rc = frc;
        }
        buf_free(&ferr);
    }
    free(byname);
    free(order);
    if (rc == WB_OK)
        rc = first_perm;
out:
    free(v1);
    free(v2);
    sftp_disconnect(c);
    return rc;
}

struct pull_args {
    const struct wb_remote *r;
    const char *indir;
    struct ledger *lg;
    struct sftp_pull_stats *st;
};

/* pull_once - one pull pass, for with_retries */
static int pull_once(void *arg, struct buf *err)
{
    struct pull_args *a = arg;
    return pull_pass(a->r, a->indir, a->lg, a->st, err);
}

/* sftp_pull - take complete files from remote_dir into in/<lane>/ (its flow and account) */
int sftp_pull(const struct wb_config *cfg, const struct wb_remote *r, struct spool *sp,
              struct ledger *lg, struct sftp_pull_stats *st, struct buf *err)
{
    char indir[XFER_PATH_MAX];
    memset(st, 0, sizeof *st);
    char lane[FLOW_LANE_MAX];
    int rc = flow_lane(r->flow, conf_find_account(cfg, r->account), lane, sizeof lane);
    if (rc == WB_OK)
        rc = spool_ensure_flow(sp, lane);
    if (rc == WB_OK)
        rc = spool_dir(sp, SP_IN, lane, indir, sizeof indir);
    if (rc != WB_OK) {
        buf_appendf(err, "remote %s: spool lane %s unusable: %s", r->name, lane, wb_status_str(rc));
        return rc;
    }
    struct pull_args a = {r, indir, lg, st};
    rc = with_retries(cfg, r, "pull", pull_once, &a, err);
    log_info("remote=%s event=pull_done status=%s listed=%ld taken=%ld duplicates=%ld "
             "waiting=%ld refused=%ld failed=%ld bytes=%lld",
             r->name, wb_status_str(rc), st->listed, st->taken, st->duplicates, st->waiting,
             st->refused, st->failed, st->bytes);
    return rc;
}

/* same_content - 1 if the remote file has exactly the bytes of the local file */
static int same_content(struct sftp_conn *c, const char *rpath, const char *lpath, long long size,
                        int *same, struct buf *err)
{
    *same = 0;
    if (size > XFER_COMPARE_MAX)
        return WB_OK;
    char *mem = NULL;
    size_t mlen = 0;
    FILE *m = open_memstream(&mem, &mlen);
    if (!m)
        return WB_NOMEM;
    long long bytes = 0;
    int rc = sftp_download(c, rpath, NULL, m, &bytes, err);
    if (fclose(m) != 0 && rc == WB_OK)
        rc = WB_NOMEM;
    if (rc == WB_OK && (long long)mlen == size) {
        char d1[65], d2[65];
        if ((rc = fs_sha256_buf(mem, mlen, d1)) == WB_OK &&
            (rc = fs_sha256_file(lpath, d2)) == WB_OK)
            *same = strcmp(d1, d2) == 0;
    }
    free(mem);
    return rc;
}

/* push_one - upload one out/ file under a temp name, verify, rename, mark sent */
static int push_one(struct sftp_conn *c, const struct wb_remote *r, struct spool *sp,
                    const char *lane, const char *outdir, const struct spool_entry *e,
                    struct sftp_push_stats *st, struct buf *err)
{
    char lpath[XFER_PATH_MAX], target[XFER_PATH_MAX], tmp[XFER_PATH_MAX], tname[300];
    int rc;
    snprintf(tname, sizeof tname, ".%s.part", e->name);
    if ((rc = fs_join(lpath, sizeof lpath, outdir, e->name)) != WB_OK ||
        (rc = remote_join(target, sizeof target, r->remote_dir, e->name)) != WB_OK ||
        (rc = remote_join(tmp, sizeof tmp, r->remote_dir, tname)) != WB_OK)
        return rc;
    int fd = open(lpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int e2 = fd < 0 ? errno : EINVAL;
        if (fd >= 0)
            close(fd);
        buf_appendf(err, "%s: cannot open %s: %s", e->name, lpath, strerror(e2));
        return e2 == ENOENT ? WB_NOTFOUND : WB_IOERR;
    }
    FILE *in = fdopen(fd, "r");
    if (!in) {
        close(fd);
        return WB_NOMEM;
    }
    long long size = (long long)sb.st_size, bytes = 0;
    struct sftp_entry re;
    rc = sftp_stat(c, target, &re, err);
    if (rc == WB_NOTFOUND)
        buf_reset(err);
    if (rc == WB_OK) {
        int same = 0;
        if (re.is_regular && re.size == size &&
            (rc = same_content(c, target, lpath, size, &same, err)) != WB_OK)
            goto out;
        if (!same) {
            buf_appendf(err,
                        "%s: %s already exists on the server with other content; not "
                        "overwritten",
                        e->name, target);
            rc = WB_EXISTS;
            goto out;
        }
        log_info("file=%s remote=%s event=already_on_server", e->name, r->name);
        st->already++;
        goto sent;
    }
    if (rc != WB_NOTFOUND)
        goto out;
    rc = sftp_upload(c, in, tmp, &bytes, err);
    if (rc == WB_OK) {
        rc = sftp_stat(c, tmp, &re, err);
        if (rc == WB_OK && (re.size != size || bytes != size)) {
            buf_appendf(err, "%s: server has %lld bytes of %s, sent %lld of %lld", e->name, re.size,
                        tmp, bytes, size);
            rc = WB_TEMPFAIL;
        }
    }
    if (rc == WB_OK)
        rc = sftp_rename(c, tmp, target, err);
    if (rc != WB_OK) {
        struct buf e3;
        buf_init(&e3, 1024);
        sftp_remove(c, tmp, &e3);
        buf_free(&e3);
        goto out;
    }
    st->sent++;
    st->bytes += bytes;
    log_info("file=%s remote=%s event=pushed target=%s size=%lld", e->name, r->name, target, bytes);
sent:
    if ((rc = spool_mark_sent(sp, lane, e->name)) != WB_OK)
        buf_appendf(err, "%s: pushed but cannot move to sent/: %s", e->name, wb_status_str(rc));
out:
    fclose(in);
    return rc;
}

/* push_pass - one connection: push every complete file of out/<lane>/ */
static int push_pass(const struct wb_remote *r, struct spool *sp, const char *lane,
                     const char *outdir, struct sftp_push_stats *st, struct buf *err)
{
    struct spool_entry *v = NULL;
    size_t n = 0;
    int rc = spool_list(sp, SP_OUT, lane, &v, &n);
    if (rc != WB_OK) {
        buf_appendf(err, "remote %s: cannot list %s: %s", r->name, outdir, wb_status_str(rc));
        return rc;
    }
    if (n == 0) {
        free(v);
        return WB_OK;
    }
    struct sftp_conn *c = NULL;
    if ((rc = sftp_connect(&c, r, err)) != WB_OK) {
        free(v);
        return rc;
    }
    int first_perm = WB_OK;
    for (size_t i = 0; i < n && rc == WB_OK; i++) {
        struct buf ferr;
        buf_init(&ferr, 2048);
        int frc = push_one(c, r, sp, lane, outdir, &v[i], st, &ferr);
        if (frc == WB_NOTFOUND) {
            /* gone from out/ meanwhile (another run took it) */
        } else if (frc == WB_PERMFAIL || frc == WB_EXISTS) {
            log_warn("file=%s remote=%s event=push_failed reason=\"%s\"", v[i].name, r->name,
                     buf_str(&ferr));
            st->failed++;
            if (first_perm == WB_OK) {
                first_perm = frc;
                buf_appends(err, buf_str(&ferr));
            }
        } else if (frc != WB_OK) {
            st->failed++;
            buf_appends(err, buf_str(&ferr));
            rc = frc;
        }
        buf_free(&ferr);
    }
    free(v);
    sftp_disconnect(c);
    return rc == WB_OK ? first_perm : rc;
}

struct push_args {
    const struct wb_remote *r;
    struct spool *sp;
    const char *lane;
    const char *outdir;
    struct sftp_push_stats *st;
};

/* push_once - one push pass, for with_retries */
static int push_once(void *arg, struct buf *err)
{
    struct push_args *a = arg;
    return push_pass(a->r, a->sp, a->lane, a->outdir, a->st, err);
}

/* sftp_push - upload every complete file of out/<lane>/ (its flow and account) to remote_dir */
int sftp_push(const struct wb_config *cfg, const struct wb_remote *r, struct spool *sp,
              struct sftp_push_stats *st, struct buf *err)
{
    char outdir[XFER_PATH_MAX];
    memset(st, 0, sizeof *st);
    char lane[FLOW_LANE_MAX];
    int rc = flow_lane(r->flow, conf_find_account(cfg, r->account), lane, sizeof lane);
    if (rc == WB_OK)
        rc = spool_ensure_flow(sp, lane);
    if (rc == WB_OK)
        rc = spool_dir(sp, SP_OUT, lane, outdir, sizeof outdir);
    if (rc != WB_OK) {
        buf_appendf(err, "remote %s: spool lane %s unusable: %s", r->name, lane, wb_status_str(rc));
        return rc;
    }
    struct push_args a = {r, sp, lane, outdir, st};
    rc = with_retries(cfg, r, "push", push_once, &a, err);
    log_info("remote=%s event=push_done status=%s sent=%ld already=%ld failed=%ld bytes=%lld",
             r->name, wb_status_str(rc), st->sent, st->already, st->failed, st->bytes);
    return rc;
}
