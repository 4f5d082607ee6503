/*
 * outflow.c - intake, feed building and settling for outbound flows
 * (pipeline and crash rules in outflow.h). Owns the order of durable steps.
 * Returns WB_* codes; never exits; never sends anything (net is feeds.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "amazon/xsdcheck.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/cells.h"
#include "flows/flow.h"
#include "flows/outflow.h"
#include "flows/rejects.h"
#include "layout/layout.h"
#include "spool/ledger.h"
#include "spool/spool.h"

/* tail_len - length of the tail outflow_reject_name adds ("-TAG-ID" or "-TAG-ID-ID" for a tag
 * the program uses) at the end of the len bytes at s, or 0; what is left before it is never empty
 */
static size_t tail_len(const char *s, size_t len)
{
    static const char *const tags[] = {"rejects", "refused", "invalid",
                                       "fatal",   "amazon",  "operator"};
    size_t d = len;
    for (int ids = 0; ids < 2; ids++) {
        size_t e = d;
        while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
            d--;
        if (d == e || d < 2 || s[d - 1] != '-')
            return 0;
        d--;
        for (size_t t = 0; t < WB_ARRAY_LEN(tags); t++) {
            size_t tl = strlen(tags[t]);
            if (d > tl + 1 && s[d - tl - 1] == '-' && memcmp(s + d - tl, tags[t], tl) == 0)
                return len - (d - tl - 1);
        }
    }
    return 0;
}

/* outflow_reject_name - see outflow.h */
int outflow_reject_name(const char *name, long long file_id, const char *tag, long long feed_id,
                        char *out, size_t n)
{
    /* a requeued reject file is named from the original stem: its own tails are left out */
    char stem[256];
    const char *dot = strrchr(name, '.');
    size_t len = dot && dot != name && strlen(dot) <= 16 ? (size_t)(dot - name) : strlen(name), t;
    if (len >= sizeof stem)
        len = sizeof stem - 1;
    memcpy(stem, name, len);
    stem[len] = '\0';
    while ((t = tail_len(stem, len)) > 0 && t < len)
        stem[len -= t] = '\0';
    if (dot && dot != name && strlen(dot) <= 16 && len + strlen(dot) < sizeof stem)
        memcpy(stem + len, dot, strlen(dot) + 1); /* dropped by spool_derive_name, as before */
    char sfx[96];
    if (feed_id)
        snprintf(sfx, sizeof sfx, "-%s-%lld-%lld.csv", tag, feed_id, file_id);
    else
        snprintf(sfx, sizeof sfx, "-%s-%lld.csv", tag, file_id);
    return spool_derive_name(stem, 1, sfx, out, n);
}

/* outflow_reject_source - see outflow.h */
int outflow_reject_source(const char *rname, long long *file_id, long long *feed_id, char *tag,
                          size_t tagn)
{
    size_t len = strlen(rname);
    if (len < 5 || len > SPOOL_NAME_MAX || strcmp(rname + len - 4, ".csv") != 0)
        return WB_NOTFOUND;
    len -= 4;
    size_t t = tail_len(rname, len);
    if (!t || t >= len)
        return WB_NOTFOUND;
    /* "-TAG-ID" or "-TAG-FEED-ID": the tag is letters, the rest digits */
    const char *p = rname + len - t + 1, *end = rname + len;
    size_t tl = strcspn(p, "-");
    if (tl + 1 > tagn)
        return WB_NOTFOUND;
    memcpy(tag, p, tl);
    tag[tl] = '\0';
    long long ids[2] = {0, 0};
    int nid = 0;
    for (p += tl; p < end && *p == '-' && nid < 2; nid++) {
        long long v = 0;
        for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
            if (v > (LLONG_MAX - 9) / 10)
                return WB_NOTFOUND;
            v = v * 10 + (*p - '0');
        }
        ids[nid] = v;
    }
    if (p != end || nid == 0)
        return WB_NOTFOUND;
    *feed_id = nid == 2 ? ids[0] : 0;
    *file_id = ids[nid - 1];
    return WB_OK;
}

/* file_unreadable - a file that cannot be read waits where it is, with an alert naming its path
 * and the errno; the other files go on, and it is read once it can be. Returns WB_AGAIN. */
static int file_unreadable(const struct outflow *of, const char *state, const char *name, int err)
{
    char shown[220], item[300], text[700];
    str_shown(name, shown, sizeof shown);
    snprintf(item, sizeof item, "%s/%s/%s", state, of->flow, shown);
    snprintf(text, sizeof text,
             "cannot read %s: %s (errno %d); it waits there and is read once it can be (fix its "
             "owner or mode); the other files go on",
             item, strerror(err), err);
    const char *kind = "file-unreadable";
    if (!of->alert || of->alert(of->alert_arg, kind, item, text) != WB_OK)
        log_warn("flow=%s event=%s item=\"%s\" text=\"%s\"", of->flow, kind, item, text);
    return WB_AGAIN;
}

/* open_digest - open work/<flow>/name and digest it; the fd is left at offset 0 (caller closes).
 * WB_NOTFOUND when gone, WB_AGAIN (alerted) when it cannot be read */
static int open_digest(const struct outflow *of, struct spool *sp, const char *name, int *fd,
                       char digest[65])
{
    char wdir[4096], path[4400];
    *fd = -1;
    int rc = spool_dir(sp, SP_WORK, of->flow, wdir, sizeof wdir);
    if (rc == WB_OK)
        rc = fs_join(path, sizeof path, wdir, name);
    if (rc != WB_OK)
        return rc;
    int f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0)
        return errno == ENOENT ? WB_NOTFOUND : file_unreadable(of, "work", name, errno);
    rc = fs_sha256_fd(f, digest);
    if (rc != WB_OK || lseek(f, 0, SEEK_SET) != 0) {
        int e = errno ? errno : EIO;
        close(f);
        return rc == WB_CONFIG || rc == WB_NOMEM ? rc : file_unreadable(of, "work", name, e);
    }
    *fd = f;
    return WB_OK;
}

/* step_failed - log a step of a file or feed that stopped on an I/O problem (kept for a retry) */
static void step_failed(const char *item, const char *flow, const char *event, int rc)
{
    log_error("%s flow=%s event=%s status=%s error=\"%s\" kept=\"as it was, tried again on the "
              "next run\"",
              item, flow, event, wb_status_str(rc),
              rc == WB_NOSPACE ? "no space left on the spool's file system"
                               : "see the lines above");
}

/* reason_summary - the .reason text for a reject file */
static void write_reason(struct spool *sp, const char *flow, const char *rname, const char *src,
                         long n, const char *first_code, const char *first_reason)
{
    char text[1024];
    snprintf(text, sizeof text,
             "%ld row(s) of %s were rejected; each row carries its reject_code and "
             "reject_reason (first: %s: %s). Fix the rows and run 'wmsbridge requeue %s' or "
             "drop the file into in/%s/ again.",
             n, src, first_code, first_reason, rname, flow);
    if (spool_write_reason(sp, flow, rname, first_code, text) != WB_OK)
        log_warn("file=%s event=reason-write-failed", rname);
}

/* reject_whole - a file that cannot be read at all goes to reject/ */
static int reject_whole(const struct outflow *of, struct spool *sp, struct ledger *lg, long long id,
                        const char *name, const char *code, const char *reason,
                        struct outflow_stats *st)
{
    st->bad_files++;
    log_warn("file=%s flow=%s event=file-rejected code=%s reason=\"%s\"", name, of->flow, code,
             reason);
    int rc = spool_reject_file(sp, of->flow, name, code, reason);
    if (rc == WB_OK && id)
        rc = ledger_file_set_state(lg, id, LF_REJECTED);
    return rc;
}

/* set_aside_file - a file its flow's finish refused whole (its rows rolled back): WB_PERMFAIL
 * to reject/ with code and reason; WB_AGAIN to hold/ with an alert (kind code, the reason its
 * text) and its record closed, so a requeue reads it as a new file */
static int set_aside_file(const struct outflow *of, struct spool *sp, struct ledger *lg,
                          long long id, const char *name, int how, const char *code,
                          const char *reason, struct outflow_stats *st)
{
    if (how == WB_PERMFAIL)
        return reject_whole(of, sp, lg, id, name, code, reason, st);
    char item[300];
    log_warn("file=%s flow=%s event=file-held code=%s reason=\"%s\"", name, of->flow, code, reason);
    int rc = spool_hold(sp, SP_WORK, of->flow, name);
    if (rc == WB_OK)
        rc = ledger_file_set_state(lg, id, LF_REJECTED);
    snprintf(item, sizeof item, "hold/%s/%s", of->flow, name);
    if (rc == WB_OK && (!of->alert || of->alert(of->alert_arg, code, item, reason) != WB_OK))
        log_warn("flow=%s event=%s item=\"%s\" text=\"%s\"", of->flow, code, item, reason);
    return rc == WB_OK ? WB_OK : rc;
}

struct ingest {
    const struct outflow *of;
    struct ledger *lg;
    long long file_id;
    long long continues; /* the record this one reads again after the file grew, or 0 */
    struct rejectw rw;
    int have_rw;
    char rname[256];
    char first_code[32];
    char first_reason[512];
    struct buf raw;
    struct outflow_verdict v;
    long rcols[REJ_NCOLS]; /* the input's own reject columns (a reject file read back), or -1 */
    int fd;                /* the input, read again by pread for a row's original text */
    off_t text_off;        /* where the text reader stands: offset and its physical line */
    long text_line;
    struct buf text;
};

/* row_text - the original text of physical lines [from, to) of the input in g->text as UTF-8
 * without the last line end; WB_NOTFOUND when it cannot be given faithfully (not valid in the
 * layout's encoding, a NUL byte, larger than the buffer). Lines are read forward only. */
static int row_text(struct ingest *g, long from, long to)
{
    if (from < g->text_line) {
        g->text_off = 0;
        g->text_line = 1;
    }
    buf_reset(&g->text);
    char blk[8192];
    int over = 0;
    while (g->text_line < to) {
        ssize_t got = pread(g->fd, blk, sizeof blk, g->text_off);
        if (got < 0)
            return wb_errno_status(errno);
        if (got == 0)
            break;
        size_t i = 0;
        for (; i < (size_t)got && g->text_line < to; i++) {
            if (g->text_line >= from && !over && buf_appendc(&g->text, blk[i]) != WB_OK)
                over = 1;
            if (blk[i] == '\n')
                g->text_line++;
        }
        g->text_off += (off_t)i;
    }
    size_t len = g->text.len;
    while (len && (g->text.data[len - 1] == '\n' || g->text.data[len - 1] == '\r'))
        len--;
    if (over || !len || memchr(g->text.data, '\0', len))
        return WB_NOTFOUND;
    g->text.len = len;
    g->text.data[len] = '\0';
    const char *enc = layout_encoding(g->of->layout);
    if (strcasecmp(enc, "UTF-8") == 0 || strcasecmp(enc, "UTF8") == 0)
        return str_utf8_valid(g->text.data, len) ? WB_OK : WB_NOTFOUND;
    /* another encoding: converted once, into a copy */
    iconv_t cd = iconv_open("UTF-8", enc);
    if (cd == (iconv_t)-1)
        return WB_NOTFOUND;
    size_t cap = len * 4 + 1;
    char *out = malloc(cap), *ip = g->text.data, *op = out;
    size_t il = len, ol = cap - 1;
    int rc = out && iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 ? WB_OK : WB_NOTFOUND;
    iconv_close(cd);
    if (rc == WB_OK) {
        buf_reset(&g->text);
        rc = buf_append(&g->text, out, (size_t)(op - out)) == WB_OK ? WB_OK : WB_NOTFOUND;
    }
    free(out);
    return rc;
}

/* raw_of - the original text to keep for a row whose cells cannot be written back faithfully
 * (bad quoting, a cell over the limit, a wrong cell count, a file ending mid-row), else NULL */
static const char *raw_of(struct ingest *g, struct csvr *rd, const struct csvr_row *row)
{
    if (row->error != CSVR_E_QUOTE && row->error != CSVR_E_FIELD_TOO_LONG &&
        row->error != CSVR_E_COLUMNS && row->error != CSVR_E_TRUNCATED)
        return NULL;
    return row_text(g, row->lineno, csvr_line(rd) + (row->error == CSVR_E_TRUNCATED)) == WB_OK
               ? buf_str(&g->text)
               : NULL;
}

/* note_reject - one rejected row: reject file and ledger */
static int note_reject(struct ingest *g, const struct csvr_row *row, const char *key_hint,
                       const char *raw, struct outflow_stats *st)
{
    st->rejected++;
    if (!g->first_code[0]) {
        str_copy(g->first_code, sizeof g->first_code, g->v.code);
        str_copy(g->first_reason, sizeof g->first_reason, g->v.reason);
    }
    int rc = rejectw_row(&g->rw, row->cells, row->ncells, g->v.code, g->v.reason, raw);
    if (rc != WB_OK)
        return rc;
    char key[300];
    snprintf(key, sizeof key, "#%lld:%ld:%s", g->file_id, row->lineno, key_hint);
    long long rid;
    buf_reset(&g->raw);
    if ((rc = cells_encode(row->cells, row->ncells, &g->raw)) != WB_OK)
        return rc;
    rc = ledger_row_add(g->lg, g->file_id, g->of->flow, key, row->lineno, LR_PENDING, "", "",
                        buf_str(&g->raw), &rid);
    if (rc == WB_OK)
        rc = ledger_row_reject(g->lg, rid, g->v.code, g->v.reason);
    return rc;
}

/* ingest_rows - parse every row of an open reader into the ledger (inside a transaction) */
static int ingest_rows(struct ingest *g, struct csvr *rd, const char *name,
                       struct outflow_stats *st)
{
    const struct csvr_row *row;
    int rc = WB_OK;
    for (;;) {
        int r = csvr_next(rd, &row);
        if (r == WB_NOTFOUND)
            break;
        if (r != WB_OK && r != WB_PERMFAIL)
            return r;
        st->rows++;
        if (g->continues) {
            /* a line the earlier read of this file took unchanged is not taken twice */
            buf_reset(&g->raw);
            if ((rc = cells_encode(row->cells, row->ncells, &g->raw)) != WB_OK)
                return rc;
            int had = ledger_file_has_line(g->lg, g->continues, row->lineno, buf_str(&g->raw));
            if (had == WB_OK) {
                st->rows--;
                continue;
            }
            if (had != WB_NOTFOUND)
                return had;
        }
        buf_reset(&g->v.payload);
        g->v.key[0] = g->v.group[0] = g->v.code[0] = g->v.reason[0] = '\0';
        const char *code, *reason, *raw = NULL;
        if (r == WB_OK &&
            rejects_unfixed(g->rcols, row->cells, row->ncells, &code, &reason, &raw)) {
            /* a row of a reject file left as it was: refused again for the same reason */
            size_t cl = strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
            str_copy(g->v.code, sizeof g->v.code,
                     cl && !code[cl] && cl < sizeof g->v.code ? code : "E_ROW");
            str_copy(g->v.reason, sizeof g->v.reason,
                     *reason ? reason
                             : "the row was not fixed (raw_line is set, its cells are empty)");
            if ((rc = note_reject(g, row, "", raw, st)) != WB_OK)
                return rc;
            continue;
        }
        raw = r == WB_PERMFAIL ? raw_of(g, rd, row) : NULL;
        int v = g->of->classify(g->of->arg, r, row, &g->v);
        if (v == WB_OK && g->of->finish) {
            st->good++; /* counted by the flow; its messages are made by finish */
            continue;
        }
        if (v == WB_OK) {
            struct ledger_row prev;
            int f = ledger_row_find(g->lg, g->of->flow, g->v.key, &prev);
            if (f == WB_OK) {
                struct ledger_file pf;
                if (prev.file_id == g->file_id) {
                    snprintf(g->v.code, sizeof g->v.code, "E_DUPLICATE_ROW");
                    snprintf(g->v.reason, sizeof g->v.reason,
                             "same order, item and tracking as line %ld of this file", prev.lineno);
                } else {
                    int have = ledger_file_get(g->lg, prev.file_id, &pf) == WB_OK;
                    snprintf(g->v.code, sizeof g->v.code, "E_ALREADY_SENT");
                    snprintf(g->v.reason, sizeof g->v.reason,
                             "already received in file %s line %ld (%s); not sent again",
                             have ? pf.name : "?", prev.lineno,
                             prev.state == LR_CONFIRMED ? "confirmed by Amazon"
                                                        : "waiting for Amazon");
                }
                v = WB_PERMFAIL;
            } else if (f != WB_NOTFOUND) {
                return f;
            }
        }
        if (v != WB_OK) {
            if ((rc = note_reject(g, row, v == WB_PERMFAIL ? "" : "x", raw, st)) != WB_OK)
                return rc;
            continue;
        }
        buf_reset(&g->raw);
        if ((rc = cells_encode(row->cells, row->ncells, &g->raw)) != WB_OK)
            return rc;
        rc = ledger_row_add(g->lg, g->file_id, g->of->flow, g->v.key, row->lineno, LR_PENDING,
                            buf_str(&g->v.payload), g->v.group, buf_str(&g->raw), NULL);
        if (rc != WB_OK)
            return rc;
        st->good++;
    }
    (void)name;
    return WB_OK;
}

/* ingest_file - parse one claimed file of work/ (file_id 0: new; else its CLAIMED record).
 * WB_AGAIN: the file cannot be read now and waits with an alert */
static int ingest_file(const struct outflow *of, const struct wb_config *cfg, struct spool *sp,
                       struct ledger *lg, const char *name, long long file_id,
                       struct outflow_stats *st)
{
    (void)cfg;
    char digest[65];
    int fd;
    int rc = open_digest(of, sp, name, &fd, digest);
    if (rc != WB_OK)
        return rc;
    st->files++;
    long long continues = 0;
    if (!file_id) {
        struct ledger_file prev;
        rc = ledger_file_by_digest(lg, of->flow, digest, &prev);
        if (rc == WB_OK) {
            close(fd);
            char reason[700], when[32];
            clock_format_iso(prev.created, when, sizeof when);
            snprintf(reason, sizeof reason,
                     "same content as %s received %s (ledger file #%lld); nothing was sent again",
                     prev.name, when, prev.id);
            st->dup_files++;
            long long id;
            if ((rc = ledger_file_add(lg, of->flow, name, digest, &id)) != WB_OK)
                return rc;
            rc = reject_whole(of, sp, lg, id, name, "E_DUPLICATE_FILE", reason, st);
            st->bad_files--;
            if (rc == WB_OK)
                rc = ledger_file_set_state(lg, id, LF_DUPLICATE);
            return rc;
        }
        if (rc == WB_NOTFOUND)
            rc = ledger_file_add(lg, of->flow, name, digest, &file_id);
        if (rc != WB_OK) {
            close(fd);
            return rc;
        }
    } else {
        struct ledger_file prev;
        rc = ledger_file_before(lg, of->flow, name, file_id, &prev);
        if (rc == WB_OK && prev.state == LF_GREW)
            continues = prev.id;
        else if (rc != WB_OK && rc != WB_NOTFOUND) {
            close(fd);
            return rc;
        }
    }
    log_info("file=%s flow=%s event=parse file_id=%lld%s", name, of->flow, file_id,
             continues ? " continues=grown" : "");
    FILE *in = fdopen(fd, "r");
    if (!in) {
        rc = wb_errno_status(errno);
        close(fd);
        return rc;
    }
    struct buf err;
    buf_init(&err, 4096);
    struct csvr *rd = NULL;
    rc = csvr_open(&rd, of->layout, in, of->required, of->nrequired, &err);
    if (rc != WB_OK) {
        fclose(in);
        char reason[600];
        snprintf(reason, sizeof reason, "%s", buf_str(&err));
        str_trim(reason);
        buf_free(&err);
        if (rc != WB_PERMFAIL)
            return rc;
        return reject_whole(of, sp, lg, file_id, name, "E_FILE", reason, st);
    }
    buf_free(&err);
    struct ingest g = {.of = of,
                       .lg = lg,
                       .file_id = file_id,
                       .continues = continues,
                       .fd = fileno(in),
                       .text_line = 1};
    buf_init(&g.raw, 4 * 1024 * 1024);
    buf_init(&g.text, REJECTS_RAW_MAX);
    buf_init(&g.v.payload, 64 * 1024);
    size_t nh;
    const char *const *hdr = csvr_header(rd, &nh);
    rejects_cols(hdr, nh, g.rcols);
    char rdir[4096];
    rc = outflow_reject_name(name, file_id, "rejects", 0, g.rname, sizeof g.rname);
    if (rc == WB_OK)
        rc = spool_dir(sp, SP_REJECT, of->flow, rdir, sizeof rdir);
    if (rc == WB_OK)
        rc = rejectw_open_spool(&g.rw, of->layout, rdir, g.rname, hdr, nh);
    if (rc == WB_OK) {
        g.have_rw = 1;
        rc = ledger_begin(lg);
    }
    if (rc == WB_OK) {
        struct buf h;
        buf_init(&h, 1024 * 1024);
        rc = cells_encode(hdr, nh, &h);
        if (rc == WB_OK)
            rc = ledger_file_set_layout(lg, file_id, layout_name(of->layout), buf_str(&h));
        buf_free(&h);
    }
    long rejected_before = st->rejected;
    if (rc == WB_OK)
        rc = ingest_rows(&g, rd, name, st);
    int set_aside = 0; /* finish refused the whole file: WB_PERMFAIL reject/, WB_AGAIN hold/ */
    if (of->finish) {
        g.v.code[0] = g.v.reason[0] = '\0';
        int frc = of->finish(of->arg, lg, file_id, name, rc == WB_OK, g.v.code, sizeof g.v.code,
                             g.v.reason, sizeof g.v.reason);
        if (rc == WB_OK && (frc == WB_PERMFAIL || frc == WB_AGAIN))
            set_aside = frc;
        if (rc == WB_OK)
            rc = frc;
    }
    long nrej = st->rejected - rejected_before;
    /* the reject file is durable before the ledger says the rows are rejected */
    if (rc == WB_OK && nrej > 0) {
        rc = rejectw_close(&g.rw);
        g.have_rw = 0;
        if (rc == WB_OK)
            write_reason(sp, of->flow, g.rname, name, nrej, g.first_code, g.first_reason);
    } else if (g.have_rw) {
        rejectw_abort(&g.rw);
        g.have_rw = 0;
    }
    if (rc == WB_OK)
        rc = ledger_file_set_state(lg, file_id, LF_PARSED);
    if (rc == WB_OK)
        rc = ledger_commit(lg);
    else
        ledger_rollback(lg);
    if (g.have_rw)
        rejectw_abort(&g.rw);
    csvr_close(rd);
    fclose(in);
    buf_free(&g.raw);
    buf_free(&g.text);
    buf_free(&g.v.payload);
    if (set_aside)
        return set_aside_file(of, sp, lg, file_id, name, set_aside, g.v.code, g.v.reason, st);
    if (rc == WB_OK)
        log_info("file=%s flow=%s event=parsed file_id=%lld rejected=%ld", name, of->flow, file_id,
                 nrej);
    return rc;
}

/* recover_work - files left in work/ by a crash are put back on their path. A file is known by
 * what it is (its name in work/ and its content digest), never by its name alone: a WMS that
 * names every export dispatch.csv leaves many records of that name. A file whose record is
 * CLAIMED is parsed under it; one with a PARSED record waits for its rows to settle (a file
 * changed since its record still belongs to the CLAIMED or PARSED record of its name: a claim
 * never takes a name such a record holds); any other file (a run killed between the claim and
 * the record) is parsed as a new file. One file that cannot be read never stops the others. */
static int recover_work(const struct outflow *of, const struct wb_config *cfg, struct spool *sp,
                        struct ledger *lg, struct outflow_stats *st)
{
    struct spool_entry *e;
    size_t n;
    int rc = spool_list(sp, SP_WORK, of->flow, &e, &n);
    if (rc != WB_OK)
        return rc;
    for (size_t i = 0; i < n && rc == WB_OK; i++) {
        char digest[65];
        int fd;
        int r = open_digest(of, sp, e[i].name, &fd, digest);
        if (r == WB_AGAIN || r == WB_NOTFOUND)
            continue;
        if (r != WB_OK) {
            rc = r;
            break;
        }
        close(fd);
        struct ledger_file f;
        int fr = ledger_file_by_identity(lg, of->flow, e[i].name, digest, &f);
        if (fr == WB_NOTFOUND) {
            /* changed since its record was made (a writer still appending): it is still the
             * file of the record that holds this name in work/ */
            fr = ledger_file_by_name(lg, of->flow, e[i].name, &f);
            if (fr == WB_OK && f.state != LF_CLAIMED && f.state != LF_PARSED)
                fr = WB_NOTFOUND;
        }
        if (fr == WB_OK && f.state == LF_PARSED)
            continue; /* waits for its rows to settle; what grew is taken then */
        if (fr == WB_OK && (f.state == LF_REJECTED || f.state == LF_DUPLICATE)) {
            /* this very file was refused whole before the move: finish the move */
            rc = spool_reject_file(sp, of->flow, e[i].name, "E_FILE", "recovered after restart");
            continue;
        }
        if (fr != WB_OK && fr != WB_NOTFOUND) {
            rc = fr;
            break;
        }
        long long id = fr == WB_OK && f.state == LF_CLAIMED ? f.id : 0;
        log_info("file=%s flow=%s event=recover-parse file_id=%lld", e[i].name, of->flow, id);
        rc = ingest_file(of, cfg, sp, lg, e[i].name, id, st);
        if (rc == WB_AGAIN || rc == WB_NOTFOUND) {
            rc = WB_OK;
        } else if (rc != WB_OK) {
            char item[300];
            snprintf(item, sizeof item, "file=%s", e[i].name);
            step_failed(item, of->flow, "parse-failed", rc);
        }
    }
    free(e);
    return rc;
}

/* odd_cb - an odd entry of in/: tell the operator once */
static void odd_cb(void *arg, const char *name, const char *moved_to, int status)
{
    const struct outflow *of = arg;
    char shown[200], item[300], text[600];
    str_shown(name, shown, sizeof shown);
    const char *kind = moved_to             ? "file-name-unsafe"
                       : status == WB_AGAIN ? "stale-temp"
                       : status             ? "file-stuck"
                                            : "not-a-file";
    snprintf(item, sizeof item, "in/%s/%s", of->flow, shown);
    if (moved_to)
        snprintf(text, sizeof text, "renamed to reject/%s/%s (E_FILE_NAME), not read", of->flow,
                 moved_to);
    else if (status == WB_AGAIN)
        snprintf(text, sizeof text,
                 "unchanged for over an hour under a name that is never taken in (it starts "
                 "with '.' or ends in .tmp, .part, ~: a writer's temporary name); if it is a "
                 "finished export, rename it, else remove it");
    else if (status)
        snprintf(text, sizeof text,
                 "its name cannot be handled safely and it could not be set aside in "
                 "reject/%s/ (%s); tried again on the next run, the other files go on",
                 of->flow, wb_status_str(status));
    else
        snprintf(text, sizeof text,
                 "not a regular file (symbolic link, fifo, device or directory): never opened, "
                 "followed or moved; remove it");
    if (!of->alert || of->alert(of->alert_arg, kind, item, text) != WB_OK)
        log_warn("flow=%s event=%s item=\"%s\" text=\"%s\"", of->flow, kind, item, text);
}

/* outflow_intake - recover work/, claim ready files of in/, parse them into the ledger */
int outflow_intake(const struct outflow *of, const struct wb_config *cfg, struct spool *sp,
                   struct ledger *lg, struct outflow_stats *st)
{
    int rc = spool_ensure_flow(sp, of->flow);
    if (rc == WB_OK)
        rc = recover_work(of, cfg, sp, lg, st);
    if (rc == WB_OK)
        rc = spool_sweep_odd(sp, of->flow, cfg->settle_seconds, clock_now(), odd_cb, (void *)of);
    if (rc != WB_OK)
        return rc;
    struct spool_entry *e;
    size_t n;
    char indir[4096];
    if ((rc = spool_dir(sp, SP_IN, of->flow, indir, sizeof indir)) != WB_OK ||
        (rc = spool_list(sp, SP_IN, of->flow, &e, &n)) != WB_OK)
        return rc;
    log_debug("flow=%s event=scan dir=in files=%zu", of->flow, n);
    time_t now = clock_now();
    for (size_t i = 0; i < n && rc == WB_OK; i++) {
        if (outflow_stopping(of)) {
            log_info("flow=%s event=intake-stopped left=%zu", of->flow, n - i);
            break;
        }
        if (e[i].mtime > now) {
            char item[300], text[400], when[32];
            snprintf(item, sizeof item, "in/%s/%s", of->flow, e[i].name);
            clock_format_iso(e[i].mtime, when, sizeof when);
            snprintf(text, sizeof text,
                     "its modification time %s lies in the future (a wrong clock on the "
                     "writer's side); it is taken once its change time is settled",
                     when);
            const char *kind = "file-mtime-future";
            if (!of->alert || of->alert(of->alert_arg, kind, item, text) != WB_OK)
                log_warn("flow=%s event=%s item=\"%s\"", of->flow, kind, item);
        }
        if (!spool_ready(&e[i], cfg->settle_seconds, now))
            continue;
        /* one that cannot be read waits in in/ with an alert, where its writer left it */
        char path[4400];
        int fd = -1;
        if (fs_join(path, sizeof path, indir, e[i].name) == WB_OK &&
            (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
            if (errno != ENOENT)
                file_unreadable(of, "in", e[i].name, errno);
            continue;
        }
        if (fd >= 0)
            close(fd);
        char claimed[256];
        int c = spool_claim(sp, of->flow, e[i].name, claimed, sizeof claimed);
        if (c == WB_NOTFOUND)
            continue; /* taken by someone else or gone */
        if (c != WB_OK) {
            log_warn("file=%s flow=%s event=claim-failed status=%s", e[i].name, of->flow,
                     wb_status_str(c));
            continue;
        }
        log_info("file=%s flow=%s event=claim size=%lld work=%s", e[i].name, of->flow, e[i].size,
                 claimed);
        rc = ingest_file(of, cfg, sp, lg, claimed, 0, st);
        if (rc == WB_AGAIN || rc == WB_NOTFOUND) {
            rc = WB_OK; /* waits with an alert; the other files go on */
        } else if (rc != WB_OK) {
            char item[300];
            snprintf(item, sizeof item, "file=%s", claimed);
            step_failed(item, of->flow, "parse-failed", rc);
        }
    }
    free(e);
    return rc;
}

struct collect {
    long long *ids;
    char **groups;
    size_t n, cap;
};

/* collect_cb - remember pending row ids and group keys */
static int collect_cb(void *arg, const struct ledger_row_view *r)
{
    struct collect *c = arg;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 256;
        long long *ni = realloc(c->ids, nc * sizeof *ni);
        if (!ni)
            return WB_NOMEM;
        c->ids = ni;
        char **ng = realloc(c->groups, nc * sizeof *ng);
        if (!ng)
            return WB_NOMEM;
        c->groups = ng;
        c->cap = nc;
    }
    c->groups[c->n] = strdup(r->group_key);
    if (!c->groups[c->n])
        return WB_NOMEM;
    c->ids[c->n++] = r->id;
    return WB_OK;
}

/* collect_free - release */
static void collect_free(struct collect *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->groups[i]);
    free(c->groups);
    free(c->ids);
}

/* outflow_refuse - note in r that the feed writer refused message_id, and why */
int outflow_refuse(struct outflow_refusals *r, long message_id, const char *reason)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 8;
        struct outflow_refused *nv = realloc(r->v, nc * sizeof *nv);
        if (!nv)
            return WB_NOMEM;
        r->v = nv;
        r->cap = nc;
    }
    r->v[r->n].message_id = message_id;
    str_copy(r->v[r->n].reason, sizeof r->v[r->n].reason, reason);
    r->n++;
    return WB_OK;
}

struct refused_rows {
    const struct outflow_refusals *msgs;
    struct refused_row {
        long long id, file_id;
        const char *reason; /* the writer's, in msgs */
    } * v;
    size_t n, cap;
};

/* refused_cb - collect the queued rows of a feed that belong to a refused message */
static int refused_cb(void *arg, const struct ledger_row_view *r)
{
    struct refused_rows *rr = arg;
    const struct outflow_refused *m = NULL;
    for (size_t i = 0; i < rr->msgs->n && !m; i++)
        if (rr->msgs->v[i].message_id == r->message_id)
            m = &rr->msgs->v[i];
    if (!m)
        return WB_OK;
    if (rr->n == rr->cap) {
        size_t nc = rr->cap ? rr->cap * 2 : 64;
        struct refused_row *nv = realloc(rr->v, nc * sizeof *nv);
        if (!nv)
            return WB_NOMEM;
        rr->v = nv;
        rr->cap = nc;
    }
    rr->v[rr->n++] = (struct refused_row){r->id, r->file_id, m->reason};
    return WB_OK;
}

/* refused_cmp - order refused rows by file, then id */
static int refused_cmp(const void *a, const void *b)
{
    const struct refused_row *x = a, *y = b;
    if (x->file_id != y->file_id)
        return x->file_id < y->file_id ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* reject_refused - in one transaction, the rows of the messages the feed writer refused are
 * rejected with its reason (E_FEED_VALUE) and written to reject/<flow>/STEM-refused-FEED-FILE.csv,
 * one file per input file; the feed's other rows stay in it */
static int reject_refused(const struct outflow *of, struct spool *sp, struct ledger *lg,
                          const struct ledger_feed *f, const struct outflow_refusals *msgs)
{
    struct refused_rows rr = {.msgs = msgs};
    long long *ids = NULL;
    int rc = ledger_begin(lg);
    if (rc != WB_OK)
        return rc;
    rc = ledger_rows_of_feed(lg, f->id, refused_cb, &rr);
    if (rc == WB_OK && rr.n && !(ids = malloc(rr.n * sizeof *ids)))
        rc = WB_NOMEM;
    if (rc == WB_OK)
        qsort(rr.v, rr.n, sizeof *rr.v, refused_cmp);
    for (size_t i = 0; rc == WB_OK && i < rr.n; i++) {
        char reason[512];
        snprintf(reason, sizeof reason, "the feed writer refuses this row's message: %s",
                 rr.v[i].reason);
        rc = ledger_row_reject(lg, rr.v[i].id, "E_FEED_VALUE", reason);
    }
    for (size_t i = 0, j; rc == WB_OK && i < rr.n; i = j) {
        for (j = i; j < rr.n && rr.v[j].file_id == rr.v[i].file_id; j++)
            ids[j - i] = rr.v[j].id;
        struct ledger_file lf;
        char name[256];
        if ((rc = ledger_file_get(lg, rr.v[i].file_id, &lf)) != WB_OK)
            break;
        if ((rc = outflow_reject_name(lf.name, lf.id, "refused", f->id, name, sizeof name)) !=
            WB_OK)
            break;
        rc = outflow_reject_rows(of, sp, lg, lf.id, ids, j - i, name);
        if (rc == WB_OK)
            log_warn("file=%s flow=%s feed=%lld event=rows-rejected code=E_FEED_VALUE rows=%zu "
                     "reject_file=%s",
                     lf.name, of->flow, f->id, j - i, name);
    }
    if (rc == WB_OK)
        rc = ledger_commit(lg);
    else
        ledger_rollback(lg);
    free(ids);
    free(rr.v);
    return rc;
}

/* render_feed - write and validate the document of a BUILDING feed; the rows of messages the
 * feed writer refuses are rejected alone (a feed left with no message is INVALID) */
static int render_feed(const struct outflow *of, struct spool *sp, struct ledger *lg,
                       struct xsdcheck *xc, struct ledger_feed *f)
{
    char dir[4096], path[4400];
    int rc = spool_dir(sp, SP_FEEDS, NULL, dir, sizeof dir);
    if (rc != WB_OK)
        return rc;
    snprintf(f->doc_name, sizeof f->doc_name, "%06lld-%s.xml", f->id, f->feed_type);
    struct afile af;
    if ((rc = afile_open_redo(&af, dir, f->doc_name, 0640)) != WB_OK)
        return rc;
    struct buf err;
    buf_init(&err, 8192);
    long messages = 0;
    struct outflow_refusals refused = {0};
    rc = of->render(of->arg, lg, f->id, af.fp, &messages, &refused, &err);
    f->messages = messages;
    if (rc == WB_OK && messages == 0 && refused.n) {
        buf_appendf(&err, "the feed writer refused every message (first: message %ld: %s)",
                    refused.v[0].message_id, refused.v[0].reason);
        rc = WB_PERMFAIL;
    }
    if (rc == WB_OK)
        rc = afile_commit(&af);
    else
        afile_abort(&af);
    if ((rc == WB_OK || rc == WB_PERMFAIL) && refused.n) {
        int r = reject_refused(of, sp, lg, f, &refused);
        if (r != WB_OK)
            rc = r;
    }
    free(refused.v);
    if (rc == WB_OK && xc) {
        fs_join(path, sizeof path, dir, f->doc_name);
        int v = xsdcheck_file(xc, path, &err);
        if (v == WB_PERMFAIL) {
            f->state = LFD_INVALID;
            snprintf(f->last_error, sizeof f->last_error, "schema: %s", buf_str(&err));
            log_error("feed=%lld flow=%s event=schema-invalid error=\"%s\"", f->id, of->flow,
                      f->last_error);
            buf_free(&err);
            return WB_PERMFAIL;
        }
        rc = v;
    }
    if (rc == WB_OK) {
        f->state = LFD_READY;
    } else if (rc == WB_PERMFAIL) {
        f->state = LFD_INVALID;
        snprintf(f->last_error, sizeof f->last_error, "render: %s", buf_str(&err));
    } else {
        char item[300];
        snprintf(item, sizeof item, "feed=%lld doc=%s", f->id, f->doc_name);
        step_failed(item, of->flow, "render-failed", rc);
    }
    buf_free(&err);
    return rc;
}

/* outflow_build - turn pending rows into feed documents */
int outflow_build(const struct outflow *of, const struct wb_config *cfg, struct spool *sp,
                  struct ledger *lg, struct xsdcheck *xc, int force, struct outflow_stats *st)
{
    /* feeds left half-built by a crash are rendered again first */
    struct ledger_feed *fv;
    size_t nf;
    int rc = ledger_feeds_in_state(lg, LFD_BUILDING, &fv, &nf);
    if (rc != WB_OK)
        return rc;
    for (size_t i = 0; i < nf && rc == WB_OK; i++)
        if (flow_lane_is(of->flow, fv[i].flow, fv[i].account)) {
            int r = render_feed(of, sp, lg, xc, &fv[i]);
            rc = ledger_feed_put(lg, &fv[i]);
            if (r != WB_OK && r != WB_PERMFAIL && rc == WB_OK)
                rc = r;
        }
    free(fv);
    while (rc == WB_OK) {
        long count;
        time_t oldest;
        if ((rc = ledger_pending_stats(lg, of->flow, &count, &oldest)) != WB_OK || count == 0)
            break;
        if (!force && count < cfg->batch_max_messages &&
            clock_now() - oldest < cfg->batch_window_seconds) {
            log_debug("flow=%s event=batch-wait pending=%ld", of->flow, count);
            break;
        }
        struct collect c = {0};
        long long feed_id = 0;
        rc = ledger_begin(lg);
        if (rc == WB_OK)
            rc = ledger_rows_pending(lg, of->flow, cfg->batch_max_messages, collect_cb, &c);
        if (rc == WB_OK)
            rc = ledger_feed_create(lg, of->flow, of->feed_type, of->priority, &feed_id);
        /* a feed takes at most batch_max_messages rows (so messages); a group cut off by
         * that limit waits whole for the next feed unless it is the only one */
        size_t take = c.n;
        if (c.n == (size_t)cfg->batch_max_messages) {
            while (take > 0 && strcmp(c.groups[take - 1], c.groups[c.n - 1]) == 0)
                take--;
            if (take == 0)
                take = c.n;
        }
        long msg = 0;
        size_t in_msg = 0;
        for (size_t i = 0; rc == WB_OK && i < take; i++) {
            if (i == 0 || strcmp(c.groups[i], c.groups[i - 1]) != 0 ||
                (of->max_group_rows && in_msg == of->max_group_rows)) {
                msg++;
                in_msg = 0;
            }
            in_msg++;
            rc = ledger_row_assign(lg, c.ids[i], feed_id, msg);
        }
        if (rc == WB_OK)
            rc = ledger_commit(lg);
        else
            ledger_rollback(lg);
        collect_free(&c);
        if (rc != WB_OK)
            break;
        struct ledger_feed f;
        if ((rc = ledger_feed_get(lg, feed_id, &f)) != WB_OK)
            break;
        int r = render_feed(of, sp, lg, xc, &f);
        if ((rc = ledger_feed_put(lg, &f)) != WB_OK)
            break;
        st->feeds_built++;
        log_info("feed=%lld flow=%s event=built messages=%ld doc=%s state=%s", f.id, of->flow,
                 f.messages, f.doc_name, f.state == LFD_READY ? "ready" : "invalid");
        if (r != WB_OK && r != WB_PERMFAIL)
            rc = r;
    }
    return rc;
}

/* settle_one - a PARSED file whose rows are all settled: done/ when it is still what was read;
 * when it changed since (a writer appended after the claim), it gets a new CLAIMED record (this
 * one becomes GREW) and the next intake reads it again under it, skipping the lines the first
 * read took unchanged, so what grew is taken in */
static int settle_one(const struct outflow *of, struct spool *sp, struct ledger *lg,
                      const struct ledger_file *f, struct outflow_stats *st)
{
    char digest[65];
    int fd;
    int rc = open_digest(of, sp, f->name, &fd, digest);
    if (rc == WB_AGAIN)
        return WB_OK; /* waits with an alert */
    if (rc == WB_OK) {
        close(fd);
        /* a claim never takes a name a PARSED record holds: a later record of this name means
         * this file reached done/ already (a settle cut short) and work/ holds a newer one */
        struct ledger_file last;
        int k = ledger_file_by_name(lg, of->flow, f->name, &last);
        if (k != WB_OK && k != WB_NOTFOUND)
            return k;
        if (k == WB_OK && last.id > f->id) {
            rc = WB_NOTFOUND;
        } else if (strcmp(digest, f->digest) != 0) {
            long long id = 0;
            log_warn("file=%s flow=%s event=file-grew file_id=%lld text=\"the file changed after "
                     "it was read; the next intake reads it again and only the lines not yet "
                     "taken go on\"",
                     f->name, of->flow, f->id);
            rc = ledger_begin(lg);
            if (rc == WB_OK)
                rc = ledger_file_add(lg, of->flow, f->name, digest, &id);
            if (rc == WB_OK)
                rc = ledger_file_set_state(lg, f->id, LF_GREW);
            if (rc == WB_OK)
                rc = ledger_commit(lg);
            else
                ledger_rollback(lg);
            return rc;
        } else {
            rc = spool_finish(sp, of->flow, f->name);
        }
    }
    if (rc != WB_OK && rc != WB_NOTFOUND)
        return rc;
    rc = ledger_file_set_state(lg, f->id, LF_DONE);
    st->settled_files++;
    log_info("file=%s flow=%s event=settled file_id=%lld", f->name, of->flow, f->id);
    return rc;
}

/* outflow_settle - files whose every row is settled move to done/ */
int outflow_settle(const struct outflow *of, struct spool *sp, struct ledger *lg,
                   struct outflow_stats *st)
{
    long long *ids;
    size_t n;
    int rc = ledger_files_in_state(lg, of->flow, LF_PARSED, &ids, &n);
    for (size_t i = 0; i < n && rc == WB_OK; i++) {
        long open;
        struct ledger_file f;
        if ((rc = ledger_file_open_rows(lg, ids[i], &open)) != WB_OK || open)
            continue;
        if ((rc = ledger_file_get(lg, ids[i], &f)) != WB_OK)
            break;
        rc = settle_one(of, sp, lg, &f, st);
    }
    free(ids);
    return rc;
}

struct rowsel {
    const long long *ids;
    size_t n;
    struct rejectw *rw;
    struct cells cells;
    long written;
    char first_code[32];
    char first_reason[512];
};

/* id_cmp - order row ids */
static int id_cmp(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* reject_cb - write a rejected row of a file when it is one of the selected (sorted) ids */
static int reject_cb(void *arg, const struct ledger_row_view *r)
{
    struct rowsel *s = arg;
    if (!s->n || !bsearch(&r->id, s->ids, s->n, sizeof *s->ids, id_cmp))
        return WB_OK;
    int rc = cells_decode(r->raw, &s->cells);
    if (rc != WB_OK)
        return rc;
    if (!s->first_code[0]) {
        str_copy(s->first_code, sizeof s->first_code, r->reject_code);
        str_copy(s->first_reason, sizeof s->first_reason, r->reject_reason);
    }
    s->written++;
    return rejectw_row(s->rw, (const char *const *)s->cells.v, s->cells.n, r->reject_code,
                       r->reject_reason, NULL);
}

/* outflow_reject_rows - write rejected rows of a file to reject/<flow>/NAME */
int outflow_reject_rows(const struct outflow *of, struct spool *sp, struct ledger *lg,
                        long long file_id, const long long *row_ids, size_t nrows, const char *name)
{
    char *hdr = NULL, dir[4096];
    struct ledger_file f;
    int rc = ledger_file_get(lg, file_id, &f);
    if (rc == WB_OK)
        rc = ledger_file_header(lg, file_id, &hdr);
    if (rc == WB_OK)
        rc = spool_dir(sp, SP_REJECT, of->flow, dir, sizeof dir);
    if (rc != WB_OK) {
        free(hdr);
        return rc;
    }
    struct cells h = {0};
    struct rejectw rw;
    rc = cells_decode(hdr, &h);
    free(hdr);
    if (rc == WB_OK)
        rc = rejectw_open_spool(&rw, of->layout, dir, name, (const char *const *)h.v, h.n);
    if (rc != WB_OK) {
        cells_free(&h);
        return rc;
    }
    long long *sorted = malloc((nrows ? nrows : 1) * sizeof *sorted);
    if (!sorted) {
        rejectw_abort(&rw);
        cells_free(&h);
        return WB_NOMEM;
    }
    if (nrows) {
        memcpy(sorted, row_ids, nrows * sizeof *sorted);
        qsort(sorted, nrows, sizeof *sorted, id_cmp);
    }
    struct rowsel s = {.ids = sorted, .n = nrows, .rw = &rw};
    rc = ledger_rows_of_file(lg, file_id, LR_REJECTED, reject_cb, &s);
    free(sorted);
    if (rc == WB_OK)
        rc = rejectw_close(&rw);
    else
        rejectw_abort(&rw);
    if (rc == WB_OK)
        write_reason(sp, of->flow, name, f.name, s.written, s.first_code, s.first_reason);
    cells_free(&s.cells);
    cells_free(&h);
    return rc;
}
