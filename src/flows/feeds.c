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
#include "flows/flow.h"
#include "flows/outflow.h"
#include "maps/resultcodes.h"
#include "net/lwa.h"
#include "net/spapi.h"
#include "spool/ledger.h"

/* feeds_client_open - load account a's credentials and open an SP-API client for its endpoints
 * and marketplaces (a NULL: the top-level settings); tokens and rate-limit buckets are the
 * account's own (kept per credentials) */
int feeds_client_open(struct feeds_client *fc, const struct wb_config *cfg,
                      const struct wb_account *a, struct buf *err)
{
    memset(fc, 0, sizeof *fc);
    struct wb_config acfg = *cfg; /* the account's endpoints and marketplaces, shallow */
    if (a) {
        acfg.credentials = a->credentials;
        acfg.sp_api_endpoint = a->sp_api_endpoint;
        acfg.lwa_endpoint = a->lwa_endpoint;
        acfg.marketplace_ids = a->marketplace_ids;
    }
    struct lwa_creds creds;
    int rc = lwa_creds_load(acfg.credentials, &creds, err);
    if (rc != WB_OK)
        return rc;
    rc = spapi_open(&fc->api, &acfg, &creds, err);
    lwa_creds_free(&creds);
    return rc;
}

/* feeds_client_close - close the client */
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
    char order_id[32]; /* the order the row was sent under, when rows_cb is given of */
};

struct rowlist {
    struct rowref *v;
    size_t n, cap;
    const struct outflow *of; /* NULL, or the flow whose order_of fills order_id */
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
    struct rowref *ref = &l->v[l->n++];
    *ref = (struct rowref){.id = r->id, .file_id = r->file_id, .message_id = r->message_id};
    if (l->of && l->of->order_of && r->payload)
        l->of->order_of(r->payload, ref->order_id, sizeof ref->order_id);
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

/* feeds_reject_files - see feeds.h */
int feeds_reject_files(const struct outflow *of, struct wb_env *env, const long long *ids,
                       const long long *file_ids, size_t n, long long feed_id, const char *tag)
{
    struct rowref *v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return WB_NOMEM;
    for (size_t i = 0; i < n; i++)
        v[i] = (struct rowref){.id = ids[i], .file_id = file_ids[i]};
    int rc = write_rejects(of, env, v, n, feed_id, tag);
    free(v);
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

/* feed_alert - raise an alert of kind about feed f (item "feed-ID", "ACCOUNT/feed-ID" for a
 * named seller account's feed) */
static void feed_alert(struct wb_env *env, const char *kind, const struct ledger_feed *f,
                       const char *text)
{
    char item[64];
    snprintf(item, sizeof item, "%s%sfeed-%lld", f->account, *f->account ? "/" : "", f->id);
    alert_raise_in(env, kind, f->account, f->flow, item, text);
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
        if (!flow_lane_is(of->flow, fv[i].flow, fv[i].account) || fv[i].alerted)
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
    f->create_at = 0; /* createFeed not sent: no feed of this document can exist */
    f->next_poll = f->intent_at;
    f->attempts++;
    if ((rc = ledger_feed_put(env->ledger, f)) != WB_OK)
        goto out;
    spapi_set_priority(fc->api, of->priority == 0 ? RATELIMIT_HIGH : RATELIMIT_LOW);
    rc = spapi_create_feed_document(fc->api, of->content_type, doc_id, sizeof doc_id, &url, &err);
    if (rc == WB_OK)
        rc = spapi_upload(fc->api, buf_str(&url), of->content_type, path, &err);
    if (rc == WB_OK) {
        /* from the next call on Amazon may hold a feed of this document: when, on its clock */
        time_t at = spapi_amazon_now(fc->api);
        str_copy(f->amazon_doc_id, sizeof f->amazon_doc_id, doc_id);
        f->create_at = at > 0 ? at : -1;
        f->next_poll = clock_now() + env->cfg.feed_list_delay_seconds;
        rc = ledger_feed_put(env->ledger, f);
    }
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
        /* createFeed may have happened: stay SUBMITTING, resolved by getFeeds once Amazon's
           list has had feed_list_delay_seconds to show it */
        log_warn("feed=%lld flow=%s event=submit-unknown look_in_s=%ld error=\"%s\"", f->id,
                 of->flow, env->cfg.feed_list_delay_seconds, f->last_error);
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

#define FEEDS_LIST_MARGIN 120 /* seconds searched before create_at: Amazon's hosts' clocks */

/* list_due - 1 once Amazon's list has had feed_list_delay_seconds since createFeed was sent,
 * on Amazon's clock (the Date of the getFeeds answer just read); else 0 and *wait_s, the
 * seconds left. Without Amazon's time the local clock counts the time since the intent. */
static int list_due(struct feeds_client *fc, const struct wb_env *env, const struct ledger_feed *f,
                    long *wait_s)
{
    long delay = env->cfg.feed_list_delay_seconds;
    time_t amazon = spapi_amazon_now(fc->api);
    long left = f->create_at > 0 && amazon > 0 ? (long)(f->create_at + delay - amazon)
                                               : (long)(f->intent_at + delay - clock_now());
    *wait_s = left > 0 ? left : 0;
    return left <= 0;
}

/* resolve_submitting - a feed interrupted between intent and recorded feed id. createFeed never
 * sent: submit again. Sent: wait until Amazon's list has had feed_list_delay_seconds (Amazon's
 * clock) to show the feed, then ask getFeeds for feeds of the type created since the call (on
 * Amazon's clock, or in all 90 days when it is not known) that the ledger does not know: none
 * means createFeed never arrived (submit again), one (and no other feed of the flow in doubt)
 * is this one (adopted), more are held for an operator (AMBIGUOUS, an alert), never resent. */
static int resolve_submitting(struct feeds_client *fc, struct wb_env *env, const struct outflow *of,
                              struct ledger_feed *f, size_t nsubmitting)
{
    if (f->create_at == 0) {
        log_info("feed=%lld flow=%s event=recover-resubmit why=\"createFeed was never sent\"",
                 f->id, of->flow);
        f->state = LFD_READY;
        f->amazon_doc_id[0] = '\0';
        return ledger_feed_put(env->ledger, f);
    }
    if (f->next_poll > clock_now())
        return WB_OK; /* Amazon's list may not show it yet */
    struct buf err;
    buf_init(&err, 4096);
    struct spapi_feed *list = NULL;
    size_t n = 0;
    time_t since = f->create_at > 0 ? f->create_at - FEEDS_LIST_MARGIN : 0;
    int rc = spapi_list_feeds(fc->api, of->feed_type, since, &list, &n, &err);
    if (rc != WB_OK) {
        buf_free(&err);
        return rc;
    }
    long wait_s = 0;
    if (!list_due(fc, env, f, &wait_s)) {
        f->next_poll = clock_now() + (wait_s > 0 ? wait_s : 1);
        log_info("feed=%lld flow=%s event=recover-wait look_in_s=%ld", f->id, of->flow, wait_s);
        rc = ledger_feed_put(env->ledger, f);
        free(list);
        buf_free(&err);
        return rc;
    }
    size_t unknown = 0, pick = 0;
    for (size_t i = 0; i < n; i++) {
        struct ledger_feed other;
        if (list[i].created && list[i].created < since)
            continue;
        if (ledger_feed_by_amazon_id(env->ledger, list[i].feed_id, &other) == WB_NOTFOUND) {
            unknown++;
            pick = i;
        }
    }
    if (unknown == 0) {
        log_info("feed=%lld flow=%s event=recover-resubmit why=\"no feed listed %ld s after "
                 "createFeed\"",
                 f->id, of->flow, env->cfg.feed_list_delay_seconds);
        f->state = LFD_READY;
        f->amazon_doc_id[0] = '\0';
        rc = ledger_feed_put(env->ledger, f);
    } else if (unknown == 1 && nsubmitting == 1) {
        str_copy(f->amazon_feed_id, sizeof f->amazon_feed_id, list[pick].feed_id);
        f->state = LFD_SUBMITTED;
        f->submitted = f->intent_at; /* the local clock, as every time the program compares */
        f->next_poll = clock_now();
        rc = ledger_feed_put(env->ledger, f);
        log_info("feed=%lld amazon_feed=%s flow=%s event=recover-adopted", f->id, f->amazon_feed_id,
                 of->flow);
    } else {
        f->state = LFD_AMBIGUOUS;
        snprintf(f->last_error, sizeof f->last_error,
                 "held: after an unknown createFeed outcome %zu unknown %s feeds were found at "
                 "Amazon; cannot tell which one holds this document, so it is not sent again "
                 "(wmsbridge resolve)",
                 unknown, of->feed_type);
        rc = ledger_feed_put(env->ledger, f);
        feed_alert(env, "feed-ambiguous", f, f->last_error);
    }
    free(list);
    buf_free(&err);
    return rc;
}

/* feeds_submit_ready - resolve interrupted submissions, then submit ready feeds, none while a
 * feed of the flow is still in doubt */
int feeds_submit_ready(struct feeds_client *fc, struct wb_env *env, const struct outflow *of)
{
    struct ledger_feed *fv;
    size_t n;
    int rc = ledger_feeds_in_state(env->ledger, LFD_SUBMITTING, &fv, &n);
    size_t mine = 0; /* feeds of the flow whose createFeed may have been sent */
    for (size_t i = 0; i < n; i++)
        mine += flow_lane_is(of->flow, fv[i].flow, fv[i].account) && fv[i].create_at != 0;
    size_t doubt = 0; /* feeds of the flow still in doubt */
    for (size_t i = 0; i < n && rc == WB_OK; i++)
        if (flow_lane_is(of->flow, fv[i].flow, fv[i].account)) {
            rc = resolve_submitting(fc, env, of, &fv[i], mine);
            doubt += fv[i].state == LFD_SUBMITTING;
        }
    free(fv);
    if (rc != WB_OK || doubt)
        return rc; /* one createFeed in doubt at a time: a second could not be told from it */
    if ((rc = ledger_feeds_in_state(env->ledger, LFD_READY, &fv, &n)) != WB_OK)
        return rc;
    for (size_t i = 0; i < n && rc == WB_OK; i++) {
        if (!flow_lane_is(of->flow, fv[i].flow, fv[i].account))
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

/* poll_delay - seconds to the next poll of a feed: feed_poll_seconds doubled per poll
 * already made (at most 16 times), capped at 600; for a held feed (alerted: its report
 * cannot settle it) doubled up to 1024 times, capped at an hour */
static long poll_delay(const struct wb_env *env, const struct ledger_feed *f)
{
    int most = f->alerted ? 10 : 4;
    long cap = f->alerted ? 3600 : 600;
    long delay = env->cfg.feed_poll_seconds << (f->polls < most ? f->polls : most);
    return delay > cap ? cap : delay;
}

/* feed_format - the report format that answers a flow's feeds */
static int feed_format(const struct outflow *of)
{
    if (strncmp(of->content_type, "text/xml", 8) == 0)
        return PROCREPORT_XML;
    if (strncmp(of->content_type, "application/json", 16) == 0)
        return PROCREPORT_JSON;
    return PROCREPORT_FLAT;
}

/* keep_corrupt - the stored report of a feed goes to corrupt/ for inspection; only its first
 * copy is kept, a later download of the same document is dropped, so polling never fills
 * corrupt/ */
static void keep_corrupt(struct wb_env *env, const struct ledger_feed *f)
{
    char dir[4096], path[4400], cdir[4096], cpath[4400];
    struct stat sb;
    if (spool_dir(&env->spool, SP_REPORTS, NULL, dir, sizeof dir) != WB_OK ||
        fs_join(path, sizeof path, dir, f->report_name) != WB_OK)
        return;
    if (spool_dir(&env->spool, SP_CORRUPT, NULL, cdir, sizeof cdir) == WB_OK &&
        fs_join(cpath, sizeof cpath, cdir, f->report_name) == WB_OK && lstat(cpath, &sb) == 0)
        unlink(path);
    else
        spool_corrupt(&env->spool, SP_REPORTS, NULL, f->report_name);
}

/* hold - a feed Amazon finished whose report cannot settle it: nothing is settled, the feed
 * stays submitted with why as its last error, one alert of kind is raised for it, and it is
 * polled again with a growing delay until a report settles it or an operator does
 * (wmsbridge resolve FEED --confirmed | --rejected REASON) */
static int hold(struct wb_env *env, struct ledger_feed *f, const char *kind, const char *event,
                const char *why, time_t now)
{
    struct ledger_feed cur;
    if (ledger_feed_get(env->ledger, f->id, &cur) == WB_OK && cur.state != LFD_SUBMITTED)
        return WB_OK; /* settled meanwhile (by hand) */
    snprintf(f->last_error, sizeof f->last_error, "%s", why);
    f->alerted = 1;
    f->next_poll = now + poll_delay(env, f);
    log_warn("feed=%lld amazon_feed=%s event=%s next_poll_s=%ld why=\"%s\"", f->id,
             f->amazon_feed_id, event, (long)(f->next_poll - now), why);
    feed_alert(env, kind, f, why); /* once per kind and feed */
    return ledger_feed_put(env->ledger, f);
}

/* sent_of - the distinct messages of a feed's queued rows (ordered by MessageID) */
static struct proc_sent *sent_of(const struct rowlist *rl, size_t *n)
{
    struct proc_sent *v = calloc(rl->n ? rl->n : 1, sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < rl->n; i++) {
        if (*n && v[*n - 1].message_id == rl->v[i].message_id)
            continue;
        v[*n].message_id = rl->v[i].message_id;
        str_copy(v[*n].order_id, sizeof v[*n].order_id, rl->v[i].order_id);
        (*n)++;
    }
    return v;
}

/* apply_report - map a processing report back to the rows of a feed, once procreport_check
 * says it may settle them (the rule is written there) */
static int apply_report(const struct outflow *of, struct wb_env *env, struct ledger_feed *f,
                        struct proc_report *rep, time_t now)
{
    struct rowlist rl = {.of = of}, rej = {0};
    struct buf why;
    buf_init(&why, 2048);
    size_t nsent = 0;
    struct proc_sent *sent = NULL;
    struct ledger_feed cur;
    int rc = ledger_begin(env->ledger);
    if (rc == WB_OK && (rc = ledger_feed_get(env->ledger, f->id, &cur)) == WB_OK &&
        cur.state != LFD_SUBMITTED) {
        ledger_rollback(env->ledger); /* settled meanwhile (by hand) */
        goto out;
    }
    if (rc == WB_OK)
        rc = ledger_rows_of_feed(env->ledger, f->id, rows_cb, &rl);
    if (rc == WB_OK && !(sent = sent_of(&rl, &nsent)))
        rc = WB_NOMEM;
    int verdict = PROCREPORT_UNPROVEN;
    if (rc == WB_OK)
        verdict = procreport_check(rep, feed_format(of), f->amazon_feed_id, sent, nsent, &why);
    if (rc != WB_OK || verdict != PROCREPORT_SETTLES) {
        ledger_rollback(env->ledger);
        if (rc == WB_OK && verdict == PROCREPORT_FEED_FAILED) {
            feed_alert(env, "feed-fatal", f, buf_str(&why));
            rc = release_or_reject(of, env, f, LFD_FATAL, buf_str(&why));
        } else if (rc == WB_OK) {
            keep_corrupt(env, f);
            rc = hold(env, f, "feed-report-unproven", "report-unproven", buf_str(&why), now);
            if (rc == WB_OK)
                rc = WB_PERMFAIL;
        }
        goto out;
    }
    long confirmed = 0, warned = 0;
    struct buf text;
    buf_init(&text, 8192);
    for (size_t i = 0, m = 0; rc == WB_OK && i < rl.n; i++) {
        while (m + 1 < nsent && sent[m].message_id != rl.v[i].message_id)
            m++;
        const struct proc_result *first, *cause;
        size_t nres;
        int v = procreport_message(rep, &sent[m], &first, &nres, &cause);
        buf_reset(&text);
        if (v == PROCREPORT_MSG_OTHER_ORDER)
            buf_appendf(&text,
                        "Amazon's processing report names order %s for MessageID %ld, which "
                        "was sent for order %s; not confirmed: ",
                        cause->order_id, sent[m].message_id, sent[m].order_id);
        for (size_t k = 0; k < nres; k++) {
            const struct proc_result *p = &first[k];
            buf_appendf(&text, "%s%s %s: %s", k ? " | " : "", p->is_error ? "Error" : "Warning",
                        p->code, p->description);
            const char *hint = env->results ? resultcodes_hint(env->results, p->code) : NULL;
            if (hint)
                buf_appendf(&text, " (what to do: %s)", hint);
        }
        if (v == PROCREPORT_MSG_ERROR || v == PROCREPORT_MSG_OTHER_ORDER) {
            rc = ledger_row_reject(env->ledger, rl.v[i].id,
                                   v == PROCREPORT_MSG_ERROR ? cause->code : "E_REPORT_ORDER",
                                   buf_str(&text));
            if (rc == WB_OK &&
                rows_cb(&rej, &(struct ledger_row_view){.id = rl.v[i].id,
                                                        .file_id = rl.v[i].file_id,
                                                        .message_id = rl.v[i].message_id}) != WB_OK)
                rc = WB_NOMEM;
        } else {
            rc = ledger_row_confirm(env->ledger, rl.v[i].id,
                                    v == PROCREPORT_MSG_WARNING ? buf_str(&text) : NULL);
            confirmed++;
            warned += v == PROCREPORT_MSG_WARNING;
        }
    }
    buf_free(&text);
    if (rc == WB_OK)
        rc = write_rejects(of, env, rej.v, rej.n, f->id, "amazon");
    if (rc == WB_OK) {
        f->state = LFD_DONE;
        f->last_error[0] = '\0';
        rc = ledger_feed_put(env->ledger, f);
    }
    rc = end_tx(env, rc);
    if (rc == WB_OK)
        log_info("feed=%lld amazon_feed=%s flow=%s event=settled confirmed=%ld warnings=%ld "
                 "rejected=%zu",
                 f->id, f->amazon_feed_id, of->flow, confirmed, warned, rej.n);
out:
    buf_free(&why);
    free(sent);
    free(rl.v);
    free(rej.v);
    return rc;
}

/* fetch_report - download, store and parse a feed's processing report; one that cannot be
 * read (over the size cap, a gzip bomb, not a report) is WB_PERMFAIL, kept in corrupt/ when
 * it was stored */
static int fetch_report(struct feeds_client *fc, struct wb_env *env, struct ledger_feed *f,
                        struct proc_report *rep, struct buf *err)
{
    char dir[4096], path[4400];
    int rc = spool_dir(&env->spool, SP_REPORTS, NULL, dir, sizeof dir);
    if (rc != WB_OK)
        return rc;
    snprintf(f->report_name, sizeof f->report_name, "%06lld-%s.report", f->id, f->amazon_feed_id);
    rc = spapi_get_feed_document(fc->api, f->result_doc_id, dir, f->report_name, err);
    if (rc == WB_TOOBIG)
        return WB_PERMFAIL; /* nothing stored: its size is the reason */
    if (rc != WB_OK)
        return rc;
    struct buf data;
    buf_init(&data, SPAPI_DOC_MAX);
    fs_join(path, sizeof path, dir, f->report_name);
    rc = fs_read_file(path, &data);
    if (rc == WB_OK)
        rc = procreport_parse(data.data, data.len, rep, err);
    buf_free(&data);
    if (rc == WB_PERMFAIL)
        keep_corrupt(env, f);
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
        int done = strcmp(af.status, "DONE") == 0;
        str_copy(f->result_doc_id, sizeof f->result_doc_id, af.result_doc_id);
        struct proc_report rep;
        memset(&rep, 0, sizeof rep);
        int have = 0;
        if (*f->result_doc_id) {
            rc = fetch_report(fc, env, f, &rep, &err);
            have = rc == WB_OK;
            if (rc == WB_PERMFAIL) {
                char why[600];
                snprintf(why, sizeof why, "the processing report cannot be read: %.500s",
                         buf_str(&err));
                if (done) {
                    rc = hold(env, f, "feed-report-unreadable", "report-unreadable", why, now);
                    rc = rc == WB_OK ? WB_PERMFAIL : rc;
                    goto out;
                }
                log_warn("feed=%lld amazon_feed=%s event=report-unreadable reason=\"%s\"", f->id,
                         f->amazon_feed_id, why);
            }
        }
        if (done) {
            if (have)
                rc = apply_report(of, env, f, &rep, now);
            else if (rc == WB_OK) {
                rc = hold(env, f, "feed-no-report", "no-report",
                          "Amazon says the feed is DONE but gives no processing report "
                          "(no resultFeedDocumentId); nothing settled",
                          now);
                rc = rc == WB_OK ? WB_PERMFAIL : rc;
            }
        } else {
            char why[1100];
            snprintf(why, sizeof why, "FATAL%s%s", have && rep.nresults ? ": " : "",
                     have && rep.nresults ? rep.results[0].description : "");
            feed_alert(env, "feed-fatal", f, why);
            rc = release_or_reject(of, env, f, LFD_FATAL, why);
        }
        if (rc != WB_OK && rc != WB_PERMFAIL) {
            f->next_poll = now + env->cfg.feed_poll_seconds;
            ledger_feed_put(env->ledger, f);
        }
    out:
        procreport_free(&rep);
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

/* feeds_settle_by_hand - an operator's word for a held feed (Amazon finished it, its report
 * could not settle it): every queued row confirmed (reason NULL), or rejected with the
 * operator's reason into reject/ */
int feeds_settle_by_hand(const struct outflow *of, struct wb_env *env, struct ledger_feed *f,
                         const char *reason)
{
    if (f->state != LFD_SUBMITTED || !f->alerted || !flow_lane_is(of->flow, f->flow, f->account))
        return WB_BADARG;
    char why[600];
    if (reason) {
        snprintf(why, sizeof why,
                 "rejected by hand after Amazon's report could not settle "
                 "the feed: %.400s",
                 reason);
        snprintf(f->last_error, sizeof f->last_error, "settled by hand: rejected: %.400s", reason);
        int rc = reject_all(of, env, f, "E_OPERATOR", why, "operator", LFD_DONE);
        if (rc == WB_OK)
            log_warn("feed=%lld amazon_feed=%s flow=%s event=settled-by-hand outcome=rejected "
                     "reason=\"%s\"",
                     f->id, f->amazon_feed_id, of->flow, reason);
        return rc;
    }
    struct rowlist rl = {0};
    int rc = ledger_begin(env->ledger);
    if (rc == WB_OK)
        rc = ledger_rows_of_feed(env->ledger, f->id, rows_cb, &rl);
    for (size_t i = 0; rc == WB_OK && i < rl.n; i++)
        rc = ledger_row_confirm(env->ledger, rl.v[i].id, "confirmed by hand");
    if (rc == WB_OK) {
        f->state = LFD_DONE;
        snprintf(f->last_error, sizeof f->last_error, "settled by hand: confirmed");
        rc = ledger_feed_put(env->ledger, f);
    }
    rc = end_tx(env, rc);
    if (rc == WB_OK)
        log_warn("feed=%lld amazon_feed=%s flow=%s event=settled-by-hand outcome=confirmed "
                 "rows=%zu",
                 f->id, f->amazon_feed_id, of->flow, rl.n);
    free(rl.v);
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
        if (!flow_lane_is(of->flow, fv[i].flow, fv[i].account) ||
            (!all_now && fv[i].next_poll > now))
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

/* feeds_in_flight - feeds of a flow still waiting on Amazon, and the earliest next poll; a
 * ready feed waits for a feed of its flow in doubt (see feeds_submit_ready) */
int feeds_in_flight(struct wb_env *env, const char *flow, long *count, long *next_poll)
{
    static const int states[] = {LFD_SUBMITTING, LFD_SUBMITTED, LFD_CALLING, LFD_READY};
    struct ledger_feed *doubt = NULL;
    size_t ndoubt = 0;
    *count = 0;
    *next_poll = 0;
    for (size_t s = 0; s < WB_ARRAY_LEN(states); s++) {
        struct ledger_feed *fv;
        size_t n;
        int rc = ledger_feeds_in_state(env->ledger, states[s], &fv, &n);
        if (rc != WB_OK) {
            free(doubt);
            return rc;
        }
        for (size_t i = 0; i < n; i++) {
            if (flow && !flow_lane_is(flow, fv[i].flow, fv[i].account))
                continue;
            (*count)++;
            long t = states[s] == LFD_READY ? (long)clock_now() : (long)fv[i].next_poll;
            for (size_t k = 0; states[s] == LFD_READY && k < ndoubt; k++)
                if (strcmp(doubt[k].flow, fv[i].flow) == 0 &&
                    strcmp(doubt[k].account, fv[i].account) == 0 && doubt[k].next_poll > t)
                    t = (long)doubt[k].next_poll;
            if (!*next_poll || t < *next_poll)
                *next_poll = t;
        }
        if (states[s] == LFD_SUBMITTING) {
            doubt = fv;
            ndoubt = n;
        } else {
            free(fv);
        }
    }
    free(doubt);
    return WB_OK;
}
