/*
 * feeds.c - submit, poll and settle feeds (rules in feeds.h). Owns the feed
 * state transitions of the ledger and the mapping of processing reports back
 * to rows. Every transition is written to the ledger before the next call
 * depends on it. Returns WB_* codes; never exits; never logs secrets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "amazon/procreport.h"
#include "amazon/xsdcheck.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/outflow.h"
#include "maps/resultcodes.h"
#include "net/lwa.h"
#include "net/spapi.h"
#include "spool/ledger.h"

/* feeds_client_open - load credentials and open an SP-API session */
int feeds_client_open(struct feeds_client *fc, const struct wb_config *cfg, struct buf *err)
{
    memset(fc, 0, sizeof *fc);
    struct lwa_creds creds;
    int rc = lwa_creds_load(cfg->credentials, &creds, err);
    if (rc != WB_OK)
        return rc;
    rc = spapi_open(&fc->api, cfg, &creds, err);
    lwa_creds_free(&creds);
    return rc;
}

/* feeds_client_close - close the session */
void feeds_client_close(struct feeds_client *fc)
{
    if (fc->api)
        spapi_close(fc->api);
    fc->api = NULL;
}

struct rowref {
    long long id;
    long long file_id;
    long message_id;
};

struct rowlist {
    struct rowref *v;
    size_t n, cap;
};

/* end_tx - commit the ledger transaction when rc is WB_OK, else roll it back; the outcome */
static int end_tx(struct wb_env *env, int rc)
{
    if (rc == WB_OK)
        return ledger_commit(env->ledger);
    ledger_rollback(env->ledger);
    return rc;
}

/* rows_cb - collect queued rows of a feed */
static int rows_cb(void *arg, const struct ledger_row_view *r)
{
    struct rowlist *l = arg;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 256;
        struct rowref *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv)
            return WB_NOMEM;
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = (struct rowref){r->id, r->file_id, r->message_id};
    return WB_OK;
}

/* ref_file_cmp - order row refs by file then id */
static int ref_file_cmp(const void *a, const void *b)
{
    const struct rowref *x = a, *y = b;
    if (x->file_id != y->file_id)
        return x->file_id < y->file_id ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* write_rejects - one reject file per input file for rows already marked rejected */
static int write_rejects(const struct outflow *of, struct wb_env *env, struct rowref *rej, size_t n,
                         long long feed_id, const char *tag)
{
    if (!n)
        return WB_OK;
    qsort(rej, n, sizeof *rej, ref_file_cmp);
    int rc = WB_OK;
    long long *ids = malloc(n * sizeof *ids);
    if (!ids)
        return WB_NOMEM;
    for (size_t i = 0; i < n && rc == WB_OK;) {
        size_t j = i;
        while (j < n && rej[j].file_id == rej[i].file_id) {
            ids[j - i] = rej[j].id;
            j++;
        }
        struct ledger_file f;
        if ((rc = ledger_file_get(env->ledger, rej[i].file_id, &f)) != WB_OK)
            break;
        char name[256];
        rc = outflow_reject_name(f.name, f.id, tag, feed_id, name, sizeof name);
        if (rc == WB_OK)
            rc = outflow_reject_rows(of, &env->spool, env->ledger, f.id, ids, j - i, name);
        if (rc == WB_OK)
            log_warn("file=%s flow=%s feed=%lld event=rows-rejected rows=%zu reject_file=%s",
                     f.name, of->flow, feed_id, j - i, name);
        i = j;
    }
    free(ids);
    return rc;
}

/* reject_all - reject every queued row of a feed with one code/reason, with reject files */
static int reject_all(const struct outflow *of, struct wb_env *env, struct ledger_feed *f,
                      const char *code, const char *reason, const char *tag, int new_state)
{
    struct rowlist rl = {0};
    int rc = ledger_begin(env->ledger);
    if (rc == WB_OK)
        rc = ledger_rows_of_feed(env->ledger, f->id, rows_cb, &rl);
    for (size_t i = 0; rc == WB_OK && i < rl.n; i++)
        rc = ledger_row_reject(env->ledger, rl.v[i].id, code, reason);
    if (rc == WB_OK)
        rc = write_rejects(of, env, rl.v, rl.n, f->id, tag);
    if (rc == WB_OK) {
        f->state = new_state;
        rc = ledger_feed_put(env->ledger, f);
    }
    rc = end_tx(env, rc);
    free(rl.v);
    return rc;
}

/* feed_alert - raise an alert of kind about feed f (item "feed-ID") */
static void feed_alert(struct wb_env *env, const char *kind, const struct ledger_feed *f,
                       const char *text)
{
    char item[32];
    snprintf(item, sizeof item, "feed-%lld", f->id);
    alert_raise(env, kind, item, text);
}

#define ISOLATE_MAX 512

/* refused_msg - the schema's complaint about message id, or NULL */
static const struct amazon_xml_msg_err *refused_msg(const struct amazon_xml_msg_err *bad, size_t n,
                                                    long id)
{
    for (size_t i = 0; i < n; i++)
        if (bad[i].message_id == id)
            return &bad[i];
    return NULL;
}

/* isolate - an invalid feed whose errors all lie in some of its Messages: the rows of those
 * Messages are rejected with the schema's words, the others go back to pending for the next
 * feed, so one bad row never takes a batch of good rows from other files down with it.
 * WB_NOTFOUND when the errors cannot be placed (the caller rejects the whole feed). */
static int isolate(const struct outflow *of, struct wb_env *env, struct ledger_feed *f)
{
    char dir[4096], path[4400];
    if (!env->xsd || spool_dir(&env->spool, SP_FEEDS, NULL, dir, sizeof dir) != WB_OK ||
        fs_join(path, sizeof path, dir, f->doc_name) != WB_OK)
        return WB_NOTFOUND;
    struct amazon_xml_msg_err *bad = calloc(ISOLATE_MAX, sizeof *bad);
    if (!bad)
        return WB_NOMEM;
    struct buf err;
    buf_init(&err, 8192);
    size_t nbad = 0;
    int whole = 1;
    int v = xsdcheck_messages(env->xsd, path, bad, ISOLATE_MAX, &nbad, &whole, &err);
    buf_free(&err);
    if (v != WB_PERMFAIL || whole || nbad == 0 || (long)nbad >= f->messages) {
        free(bad);
        return WB_NOTFOUND;
    }
    struct rowlist rl = {0}, rej = {0};
    int rc = ledger_begin(env->ledger);
    if (rc == WB_OK)
        rc = ledger_rows_of_feed(env->ledger, f->id, rows_cb, &rl);
    for (size_t i = 0; rc == WB_OK && i < rl.n; i++) {
        const struct amazon_xml_msg_err *m = refused_msg(bad, nbad, rl.v[i].message_id);
        if (!m)
            continue;
        char reason[400];
        snprintf(reason, sizeof reason, "Amazon's feed schema refuses this row: %s", m->why);
        rc = ledger_row_reject(env->ledger, rl.v[i].id, "E_SCHEMA", reason);
        if (rc == WB_OK)
            rc = rows_cb(&rej, &(struct ledger_row_view){.id = rl.v[i].id,
                                                         .file_id = rl.v[i].file_id,
                                                         .message_id = rl.v[i].message_id});
    }
    if (rc == WB_OK)
        rc = write_rejects(of, env, rej.v, rej.n, f->id, "invalid");
    if (rc == WB_OK)
        rc = ledger_feed_release(env->ledger, f->id);
    if (rc == WB_OK)
        rc = ledger_feed_put(env->ledger, f);
    rc = end_tx(env, rc);
    if (rc == WB_OK)
        log_warn("feed=%lld flow=%s event=feed-invalid-isolated messages_refused=%zu "
                 "rows_rejected=%zu rows_requeued=%zu",
                 f->id, of->flow, nbad, rej.n, rl.n - rej.n);
    free(rl.v);
    free(rej.v);
    free(bad);
    return rc;
}

/* feeds_handle_invalid - rows of feeds whose document failed the schema go to reject/, only
 * those of the refused Messages when the errors can be placed */
int feeds_handle_invalid(const struct outflow *of, struct wb_env *env)
{
    struct ledger_feed *fv;
    size_t n;
    int rc = ledger_feeds_in_state(env->ledger, LFD_INVALID, &fv, &n);
    for (size_t i = 0; i < n && rc == WB_OK; i++) {
        if (strcmp(fv[i].flow, of->flow) != 0 || fv[i].alerted)
            continue;
        feed_alert(env, "feed-invalid", &fv[i], fv[i].last_error);
        fv[i].alerted = 1;
        rc = isolate(of, env, &fv[i]);
        if (rc == WB_NOTFOUND)
            rc = reject_all(of, env, &fv[i], "E_SCHEMA", fv[i].last_error, "invalid", LFD_INVALID);
    }
    free(fv);
    return rc;
}

/* release_or_reject - FATAL/CANCELLED/refused: rows back to pending, or rejected once a row
 * has been in FEEDS_MAX_ATTEMPTS feeds that ended this way (whatever the feed record) */
static int release_or_reject(const struct outflow *of, struct wb_env *env, struct ledger_feed *f,
                             int new_state, const char *why)
{
    struct rowlist rl = {0};
    int rc = ledger_rows_of_feed(env->ledger, f->id, rows_cb, &rl);
    long worst = 0;
    for (size_t i = 0; rc == WB_OK && i < rl.n; i++) {
        long a = 0;
        ledger_row_attempts(env->ledger, rl.v[i].id, &a);
        if (a > worst)
            worst = a;
    }
    free(rl.v);
    if (rc != WB_OK)
        return rc;
    if (worst + 1 >= FEEDS_MAX_ATTEMPTS) {
        char reason[700];
        snprintf(reason, sizeof reason,
                 "Amazon ended %d feeds holding this row as %s (last: %.500s); not retried",
                 FEEDS_MAX_ATTEMPTS, new_state == LFD_FATAL ? "FATAL" : "CANCELLED or refused",
                 why);
        return reject_all(of, env, f, "E_FEED_FATAL", reason, "fatal", new_state);
    }
    rc = ledger_begin(env->ledger);
    if (rc == WB_OK)
        rc = ledger_feed_release(env->ledger, f->id);
    if (rc == WB_OK) {
        f->state = new_state;
        rc = ledger_feed_put(env->ledger, f);
    }
    rc = end_tx(env, rc);
    log_warn("feed=%lld amazon_feed=%s flow=%s event=feed-%s rows=released why=\"%s\"", f->id,
             f->amazon_feed_id, of->flow, new_state == LFD_FATAL ? "fatal" : "cancelled", why);
    return rc;
}

/* submit_one - intent, document, upload, createFeed, record */
static int submit_one(struct feeds_client *fc, struct wb_env *env, const struct outflow *of,
                      struct ledger_feed *f)
{
    struct buf err, url;
    buf_init(&err, 4096);
    buf_init(&url, 8192);
    char dir[4096], path[4400], doc_id[160], feed_id[64];
    int rc = spool_dir(&env->spool, SP_FEEDS, NULL, dir, sizeof dir);
    if (rc == WB_OK)
        rc = fs_join(path, sizeof path, dir, f->doc_name);
    if (rc != WB_OK)
        goto out;
    f->state = LFD_SUBMITTING;
    f->intent_at = clock_now();
    f->attempts++;
    if ((rc = ledger_feed_put(env->ledger, f)) != WB_OK)
        goto out;
    spapi_set_priority(fc->api, of->priority == 0 ? RATELIMIT_HIGH : RATELIMIT_LOW);
    rc = spapi_create_feed_document(fc->api, of->content_type, doc_id, sizeof doc_id, &url, &err);
    if (rc == WB_OK) {
        str_copy(f->amazon_doc_id, sizeof f->amazon_doc_id, doc_id);
        rc = ledger_feed_put(env->ledger, f);
    }
    if (rc == WB_OK)
        rc = spapi_upload(fc->api, buf_str(&url), of->content_type, path, &err);
    if (rc == WB_OK)
        rc = spapi_create_feed(fc->api, of->feed_type, doc_id, feed_id, sizeof feed_id, &err);
    if (rc == WB_OK) {
        str_copy(f->amazon_feed_id, sizeof f->amazon_feed_id, feed_id);
        f->state = LFD_SUBMITTED;
        f->submitted = clock_now();
        f->next_poll = f->submitted + env->cfg.feed_poll_seconds;
        f->last_error[0] = '\0';
        rc = ledger_feed_put(env->ledger, f);
        log_info("feed=%lld amazon_feed=%s flow=%s event=submitted messages=%ld", f->id, feed_id,
                 of->flow, f->messages);
        goto out;
    }
    snprintf(f->last_error, sizeof f->last_error, "%s", buf_str(&err));
    if (rc == WB_TEMPFAIL && spapi_outcome_unknown(fc->api)) {
        /* createFeed may have happened: stay SUBMITTING, resolved by getFeeds */
        log_warn("feed=%lld flow=%s event=submit-unknown error=\"%s\"", f->id, of->flow,
                 f->last_error);
        ledger_feed_put(env->ledger, f);
    } else if (rc == WB_PERMFAIL) {
        log_error("feed=%lld flow=%s event=submit-refused error=\"%s\"", f->id, of->flow,
                  f->last_error);
        feed_alert(env, "feed-refused", f, f->last_error);
        int r = release_or_reject(of, env, f, LFD_CANCELLED, f->last_error);
        rc = r == WB_OK ? WB_PERMFAIL : r;
    } else {
        /* transport trouble before createFeed: try again later from READY */
        f->state = LFD_READY;
        f->amazon_doc_id[0] = '\0';
        ledger_feed_put(env->ledger, f);
        log_warn("feed=%lld flow=%s event=submit-deferred status=%s error=\"%s\"", f->id, of->flow,
                 wb_status_str(rc), f->last_error);
    }
out:
    buf_free(&err);
    buf_free(&url);
    return rc;
}

/* resolve_submitting - a feed interrupted between intent and recorded feed id */
static int resolve_submitting(struct feeds_client *fc, struct wb_env *env, const struct outflow *of,
                              struct ledger_feed *f, size_t nsubmitting)
{
    struct buf err;
    buf_init(&err, 4096);
    struct spapi_feed *list = NULL;
    size_t n = 0;
    int rc = spapi_list_feeds(fc->api, of->feed_type, f->intent_at - 300, &list, &n, &err);
    if (rc != WB_OK) {
        buf_free(&err);
        return rc;
    }
    size_t unknown = 0, pick = 0;
    for (size_t i = 0; i < n; i++) {
        struct ledger_feed other;
        if (ledger_feed_by_amazon_id(env->ledger, list[i].feed_id, &other) == WB_NOTFOUND) {
            unknown++;
            pick = i;
        }
    }
    if (unknown == 0) {
        log_info("feed=%lld flow=%s event=recover-resubmit why=\"no feed created\"", f->id,
                 of->flow);
        f->state = LFD_READY;
        f->amazon_doc_id[0] = '\0';
        rc = ledger_feed_put(env->ledger, f);
    } else if (unknown == 1 && nsubmitting == 1) {
        str_copy(f->amazon_feed_id, sizeof f->amazon_feed_id, list[pick].feed_id);
        f->state = LFD_SUBMITTED;
        f->submitted = list[pick].created ? list[pick].created : clock_now();
        f->next_poll = clock_now();
        rc = ledger_feed_put(env->ledger, f);
        log_info("feed=%lld amazon_feed=%s flow=%s event=recover-adopted", f->id, f->amazon_feed_id,
                 of->flow);
    } else {
        f->state = LFD_AMBIGUOUS;
        snprintf(f->last_error, sizeof f->last_error,
                 "after a restart %zu unknown %s feeds were found at Amazon; cannot tell which "
                 "one holds this document, so it is held instead of being sent again",
                 unknown, of->feed_type);
        rc = ledger_feed_put(env->ledger, f);
        feed_alert(env, "feed-ambiguous", f, f->last_error);
    }
    free(list);
    buf_free(&err);
    return rc;
}

/* feeds_submit_ready - resolve interrupted submissions, then submit ready feeds */
int feeds_submit_ready(struct feeds_client *fc, struct wb_env *env, const struct outflow *of)
{
    struct ledger_feed *fv;
    size_t n;
    int rc = ledger_feeds_in_state(env->ledger, LFD_SUBMITTING, &fv, &n);
    size_t mine = 0;
    for (size_t i = 0; i < n; i++)
        mine += strcmp(fv[i].flow, of->flow) == 0;
    for (size_t i = 0; i < n && rc == WB_OK; i++)
        if (strcmp(fv[i].flow, of->flow) == 0)
            rc = resolve_submitting(fc, env, of, &fv[i], mine);
    free(fv);
    if (rc != WB_OK)
        return rc;
    if ((rc = ledger_feeds_in_state(env->ledger, LFD_READY, &fv, &n)) != WB_OK)
        return rc;
    for (size_t i = 0; i < n && rc == WB_OK; i++) {
        if (strcmp(fv[i].flow, of->flow) != 0)
            continue;
        int r = submit_one(fc, env, of, &fv[i]);
        if (r == WB_TEMPFAIL || r == WB_AGAIN)
            break; /* quota or transport: later, the scheduler retries */
        if (r != WB_PERMFAIL)
            rc = r;
    }
    free(fv);
    return rc;
}

/* result_cmp - order results by message id */
static int result_cmp(const void *a, const void *b)
{
    const struct proc_result *x = a, *y = b;
    return x->message_id < y->message_id ? -1 : x->message_id > y->message_id;
}

/* feed_level_failure - 1 when the report says the document as a whole was not processed: an
 * error not tied to a message with no message reported successful, or nothing processed at
 * all; why gets Amazon's words. Such a report must never confirm the feed's rows. */
static int feed_level_failure(const struct proc_report *rep, long nmessages, char *why, size_t n)
{
    const struct proc_result *whole = NULL;
    for (size_t i = 0; i < rep->nresults && !whole; i++)
        if (rep->results[i].message_id == 0 && rep->results[i].is_error)
            whole = &rep->results[i];
    if (whole && (!rep->has_summary || rep->successful == 0)) {
        snprintf(why, n, "feed-level Error %s: %.600s", whole->code, whole->description);
        return 1;
    }
    if (rep->has_summary && rep->processed == 0 && nmessages > 0) {
        snprintf(why, n, "the processing report says no message was processed (%ld sent)",
                 nmessages);
        return 1;
    }
    if (whole)
        log_warn("event=feed-level-error code=%s description=\"%.300s\" successful=%ld",
                 whole->code, whole->description, rep->successful);
    return 0;
}

/* poll_delay - seconds to the next poll of a feed: feed_poll_seconds doubled per poll
 * already made (at most 16 times), capped at 600 */
static long poll_delay(const struct wb_env *env, const struct ledger_feed *f)
{
    long delay = env->cfg.feed_poll_seconds << (f->polls < 4 ? f->polls : 4);
    return delay > 600 ? 600 : delay;
}

/* apply_report - map a processing report back to the rows of a feed */
static int apply_report(const struct outflow *of, struct wb_env *env, struct ledger_feed *f,
                        struct proc_report *rep)
{
    char why[700];
    if (feed_level_failure(rep, f->messages, why, sizeof why)) {
        feed_alert(env, "feed-fatal", f, why);
        return release_or_reject(of, env, f, LFD_FATAL, why);
    }
    if (rep->nresults)
        qsort(rep->results, rep->nresults, sizeof *rep->results, result_cmp);
    struct rowlist rl = {0}, rej = {0};
    long confirmed = 0, warned = 0;
    int rc = ledger_begin(env->ledger);
    if (rc == WB_OK)
        rc = ledger_rows_of_feed(env->ledger, f->id, rows_cb, &rl);
    struct buf text;
    buf_init(&text, 8192);
    for (size_t i = 0; rc == WB_OK && i < rl.n; i++) {
        struct proc_result key = {.message_id = rl.v[i].message_id};
        struct proc_result *hit = rep->nresults ? bsearch(&key, rep->results, rep->nresults,
                                                          sizeof *rep->results, result_cmp)
                                                : NULL;
        if (!hit) {
            rc = ledger_row_confirm(env->ledger, rl.v[i].id, NULL);
            confirmed++;
            continue;
        }
        while (hit > rep->results && hit[-1].message_id == key.message_id)
            hit--;
        int is_error = 0;
        const char *code = "";
        buf_reset(&text);
        for (struct proc_result *p = hit;
             p < rep->results + rep->nresults && p->message_id == key.message_id; p++) {
            if (p->is_error && !is_error) {
                is_error = 1;
                code = p->code;
            } else if (!*code) {
                code = p->code;
            }
            buf_appendf(&text, "%s%s %s: %s", text.len ? " | " : "",
                        p->is_error ? "Error" : "Warning", p->code, p->description);
            const char *hint = env->results ? resultcodes_hint(env->results, p->code) : NULL;
            if (hint)
                buf_appendf(&text, " (what to do: %s)", hint);
        }
        if (is_error) {
            rc = ledger_row_reject(env->ledger, rl.v[i].id, code, buf_str(&text));
            if (rc == WB_OK &&
                rows_cb(&rej, &(struct ledger_row_view){.id = rl.v[i].id,
                                                        .file_id = rl.v[i].file_id,
                                                        .message_id = rl.v[i].message_id}) != WB_OK)
                rc = WB_NOMEM;
        } else {
            rc = ledger_row_confirm(env->ledger, rl.v[i].id, buf_str(&text));
            confirmed++;
            warned++;
        }
    }
    buf_free(&text);
    if (rc == WB_OK)
        rc = write_rejects(of, env, rej.v, rej.n, f->id, "amazon");
    if (rc == WB_OK) {
        f->state = LFD_DONE;
        rc = ledger_feed_put(env->ledger, f);
    }
    rc = end_tx(env, rc);
    if (rc == WB_OK)
        log_info("feed=%lld amazon_feed=%s flow=%s event=settled confirmed=%ld warnings=%ld "
                 "rejected=%zu",
                 f->id, f->amazon_feed_id, of->flow, confirmed, warned, rej.n);
    free(rl.v);
    free(rej.v);
    return rc;
}

/* fetch_report - download, store and parse a feed's processing report */
static int fetch_report(struct feeds_client *fc, struct wb_env *env, struct ledger_feed *f,
                        struct proc_report *rep, struct buf *err)
{
    char dir[4096], path[4400];
    int rc = spool_dir(&env->spool, SP_REPORTS, NULL, dir, sizeof dir);
    if (rc != WB_OK)
        return rc;
    snprintf(f->report_name, sizeof f->report_name, "%06lld-%s.report", f->id, f->amazon_feed_id);
    rc = spapi_get_feed_document(fc->api, f->result_doc_id, dir, f->report_name, err);
    if (rc != WB_OK)
        return rc;
    struct buf data;
    buf_init(&data, SPAPI_DOC_MAX);
    fs_join(path, sizeof path, dir, f->report_name);
    rc = fs_read_file(path, &data);
    if (rc == WB_OK)
        rc = procreport_parse(data.data, data.len, rep, err);
    buf_free(&data);
    if (rc == WB_PERMFAIL) {
        /* our stored copy of Amazon's answer is unreadable: keep the first copy for
           inspection; a later download of the same document is dropped, so polling
           never fills corrupt/ */
        char cdir[4096], cpath[4400];
        struct stat sb;
        if (spool_dir(&env->spool, SP_CORRUPT, NULL, cdir, sizeof cdir) == WB_OK &&
            fs_join(cpath, sizeof cpath, cdir, f->report_name) == WB_OK && lstat(cpath, &sb) == 0)
            unlink(path);
        else
            spool_corrupt(&env->spool, SP_REPORTS, NULL, f->report_name);
    }
    return rc;
}

/* poll_one - getFeed and act on its status */
static int poll_one(struct feeds_client *fc, struct wb_env *env, const struct outflow *of,
                    struct ledger_feed *f)
{
    struct buf err;
    buf_init(&err, 4096);
    struct spapi_feed af;
    int rc = spapi_get_feed(fc->api, f->amazon_feed_id, &af, &err);
    time_t now = clock_now();
    if (rc != WB_OK) {
        f->next_poll = now + env->cfg.feed_poll_seconds;
        ledger_feed_put(env->ledger, f);
        buf_free(&err);
        return rc;
    }
    f->polls++;
    if (strcmp(af.status, "DONE") == 0 || strcmp(af.status, "FATAL") == 0) {
        str_copy(f->result_doc_id, sizeof f->result_doc_id, af.result_doc_id);
        struct proc_report rep;
        memset(&rep, 0, sizeof rep);
        int have = 0;
        if (*f->result_doc_id) {
            rc = fetch_report(fc, env, f, &rep, &err);
            have = rc == WB_OK;
            if (rc == WB_PERMFAIL) {
                log_warn("feed=%lld amazon_feed=%s event=report-unreadable kept=corrupt/%s "
                         "reason=\"%s\"",
                         f->id, f->amazon_feed_id, f->report_name, buf_str(&err));
                feed_alert(env, "feed-report-unreadable", f, buf_str(&err)); /* once per feed */
            }
        }
        if (strcmp(af.status, "DONE") == 0) {
            if (have)
                rc = apply_report(of, env, f, &rep);
            else if (rc == WB_OK)
                rc = WB_TEMPFAIL; /* DONE without a report: ask again later */
        } else {
            char why[1100];
            snprintf(why, sizeof why, "FATAL%s%s", have && rep.nresults ? ": " : "",
                     have && rep.nresults ? rep.results[0].description : "");
            feed_alert(env, "feed-fatal", f, why);
            rc = release_or_reject(of, env, f, LFD_FATAL, why);
        }
        procreport_free(&rep);
        if (rc == WB_PERMFAIL) {
            /* an unreadable report will not change: ask again rarely */
            f->next_poll = now + poll_delay(env, f);
            ledger_feed_put(env->ledger, f);
        } else if (rc != WB_OK) {
            f->next_poll = now + env->cfg.feed_poll_seconds;
            ledger_feed_put(env->ledger, f);
        }
        buf_free(&err);
        return rc;
    }
    if (strcmp(af.status, "CANCELLED") == 0) {
        buf_free(&err);
        return release_or_reject(of, env, f, LFD_CANCELLED, "cancelled");
    }
    /* IN_QUEUE / IN_PROGRESS: back off, watch for stuck feeds */
    f->next_poll = now + poll_delay(env, f);
    if (now - f->submitted > env->cfg.feed_stuck_minutes * 60) {
        char text[256];
        snprintf(text, sizeof text, "feed %s still %s after %ld minutes", f->amazon_feed_id,
                 af.status, (long)((now - f->submitted) / 60));
        feed_alert(env, "feed-stuck", f, text); /* raised once per feed */
        if (strcmp(af.status, "IN_QUEUE") == 0 &&
            spapi_cancel_feed(fc->api, f->amazon_feed_id, &err) == WB_OK)
            log_warn("feed=%lld amazon_feed=%s event=stuck-cancelled", f->id, f->amazon_feed_id);
    }
    rc = ledger_feed_put(env->ledger, f);
    buf_free(&err);
    return rc;
}

/* feeds_poll - poll submitted feeds that are due and settle results */
int feeds_poll(struct feeds_client *fc, struct wb_env *env, const struct outflow *of, int all_now)
{
    struct ledger_feed *fv;
    size_t n;
    int rc = ledger_feeds_in_state(env->ledger, LFD_SUBMITTED, &fv, &n);
    time_t now = clock_now();
    int worst = WB_OK;
    for (size_t i = 0; i < n && rc == WB_OK; i++) {
        if (strcmp(fv[i].flow, of->flow) != 0 || (!all_now && fv[i].next_poll > now))
            continue;
        int r = poll_one(fc, env, of, &fv[i]);
        if (r == WB_TEMPFAIL || r == WB_AGAIN)
            worst = r;
        else if (r != WB_OK && r != WB_PERMFAIL)
            rc = r;
    }
    free(fv);
    return rc != WB_OK ? rc : (worst == WB_AGAIN ? WB_OK : worst);
}

/* feeds_in_flight - feeds of a flow still waiting on Amazon, and the earliest next poll */
int feeds_in_flight(struct wb_env *env, const char *flow, long *count, long *next_poll)
{
    static const int states[] = {LFD_READY, LFD_SUBMITTING, LFD_SUBMITTED};
    *count = 0;
    *next_poll = 0;
    for (size_t s = 0; s < WB_ARRAY_LEN(states); s++) {
        struct ledger_feed *fv;
        size_t n;
        int rc = ledger_feeds_in_state(env->ledger, states[s], &fv, &n);
        if (rc != WB_OK)
            return rc;
        for (size_t i = 0; i < n; i++) {
            if (flow && strcmp(fv[i].flow, flow) != 0)
                continue;
            (*count)++;
            long t = states[s] == LFD_SUBMITTED ? (long)fv[i].next_poll : (long)clock_now();
            if (!*next_poll || t < *next_poll)
                *next_poll = t;
        }
        free(fv);
    }
    return WB_OK;
}
