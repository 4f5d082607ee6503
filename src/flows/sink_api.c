/*
 * sink_api.c - the api sink: a CALLING batch goes out as one confirmShipment call per message
 * (Orders API v0), each answer settling the rows of its message (exactly-once rule in sink.h).
 * Owns the CALLING -> DONE transition and the order of durable steps on this path: a 204 or a
 * repeat answer confirms at once; refusals are written, rows and reject files in one
 * transaction, when every message of the batch has an answer. Returns WB_* codes; never
 * exits; never rejects a row on 429, 5xx or a lost answer, never touches another sink's batch.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/flow.h"
#include "flows/outflow.h"
#include "flows/sink.h"
#include "maps/resultcodes.h"
#include "net/spapi.h"
#include "spool/ledger.h"

#define API_PACKAGE_MAX (256 * 1024) /* one packageDetail: 64 items of bounded text */

struct arow {
    long long id, file_id;
    long message_id;
    char *payload;
    int refused; /* the answer to its message refused it: code and reason below */
    char code[64];
    char reason[600];
};

struct arows {
    struct arow *v;
    size_t n, cap;
};

/* arows_cb - collect the queued rows of a batch with their payloads */
static int arows_cb(void *arg, const struct ledger_row_view *r)
{
    struct arows *l = arg;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 64;
        struct arow *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv)
            return WB_NOMEM;
        l->v = nv;
        l->cap = nc;
    }
    char *p = str_dup(r->payload ? r->payload : "");
    if (!p)
        return WB_NOMEM;
    l->v[l->n++] = (struct arow){
        .id = r->id, .file_id = r->file_id, .message_id = r->message_id, .payload = p};
    return WB_OK;
}

/* arows_free - release */
static void arows_free(struct arows *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].payload);
    free(l->v);
}

/* confirm_rows - the rows [i, j) of one message confirmed in one transaction (warning may be
 * NULL) */
static int confirm_rows(struct ledger *lg, const struct arows *l, size_t i, size_t j,
                        const char *warning)
{
    int rc = ledger_begin(lg);
    for (size_t k = i; rc == WB_OK && k < j; k++)
        rc = ledger_row_confirm(lg, l->v[k].id, warning);
    if (rc == WB_OK)
        return ledger_commit(lg);
    ledger_rollback(lg);
    return rc;
}

/* refuse_rows - note Amazon's refusal on the rows [i, j), written when the batch ends */
static void refuse_rows(struct wb_env *env, struct arows *l, size_t i, size_t j, const char *code,
                        const char *text)
{
    const char *hint = env->results ? resultcodes_hint(env->results, code) : NULL;
    for (size_t k = i; k < j; k++) {
        struct arow *r = &l->v[k];
        r->refused = 1;
        str_copy(r->code, sizeof r->code, code);
        snprintf(r->reason, sizeof r->reason, "Error %s: %s%s%s%s", code, text,
                 hint ? " (what to do: " : "", hint ? hint : "", hint ? ")" : "");
    }
}

/* finish - every message has an answer: the refused rows rejected and written to reject/
 * (tag "amazon", one file per input file) and the batch DONE, in one transaction */
static int finish(struct sink *s, struct ledger_feed *f, const struct arows *l)
{
    struct ledger *lg = s->env->ledger;
    long long *ids = calloc(l->n ? l->n : 1, sizeof *ids);
    long long *files = calloc(l->n ? l->n : 1, sizeof *files);
    size_t nrej = 0;
    int rc = ids && files ? ledger_begin(lg) : WB_NOMEM;
    if (rc != WB_OK) {
        free(ids);
        free(files);
        return rc;
    }
    for (size_t k = 0; rc == WB_OK && k < l->n; k++) {
        if (!l->v[k].refused)
            continue;
        rc = ledger_row_reject(lg, l->v[k].id, l->v[k].code, l->v[k].reason);
        ids[nrej] = l->v[k].id;
        files[nrej++] = l->v[k].file_id;
    }
    if (rc == WB_OK)
        rc = feeds_reject_files(s->of, s->env, ids, files, nrej, f->id, "amazon");
    if (rc == WB_OK) {
        f->state = LFD_DONE;
        f->last_error[0] = '\0';
        rc = ledger_feed_put(lg, f);
    }
    if (rc == WB_OK)
        rc = ledger_commit(lg);
    else
        ledger_rollback(lg);
    if (rc == WB_OK)
        log_info("feed=%lld flow=%s sink=api event=settled messages=%ld rejected=%zu", f->id,
                 s->of->flow, f->messages, nrej);
    free(ids);
    free(files);
    return rc;
}

/* send_message - one confirmShipment for the rows [i, j) of one message: WB_OK once its
 * answer is known (confirmed now, or a refusal noted on the rows), else why it stopped */
static int send_message(struct sink *s, const struct ledger_feed *f, struct arows *l, size_t i,
                        size_t j)
{
    const char *pay[64];
    size_t n = j - i;
    if (n > WB_ARRAY_LEN(pay))
        return WB_INTERNAL; /* outflow_build caps a message at the flow's max_group_rows */
    for (size_t k = 0; k < n; k++)
        pay[k] = l->v[i + k].payload;
    char order[32];
    struct buf json, err;
    buf_init(&json, API_PACKAGE_MAX);
    buf_init(&err, 2048);
    int rc = s->of->package(pay, n, l->v[i].id, order, sizeof order, &json, &err);
    if (rc == WB_PERMFAIL) {
        log_error("feed=%lld message=%ld sink=api event=message-refused error=\"%s\"", f->id,
                  l->v[i].message_id, buf_str(&err));
        refuse_rows(s->env, l, i, j, "E_FEED_VALUE", buf_str(&err));
        rc = WB_OK;
        goto out;
    }
    if (rc != WB_OK)
        goto out;
    struct spapi_refusal ref;
    rc = spapi_confirm_shipment(s->fc->api, order, buf_str(&json), &ref, &err);
    if (rc == WB_OK) {
        rc = confirm_rows(s->env->ledger, l, i, j, NULL);
    } else if (rc == WB_PERMFAIL && ref.status && sink_repeat_answer(&ref)) {
        char warn[700];
        snprintf(warn, sizeof warn,
                 "Amazon answers that this shipment was confirmed before (a repeat): %s: %s",
                 ref.code[0] ? ref.code : "?", ref.message);
        log_warn("order=%s feed=%lld message=%ld sink=api event=repeat-confirmed text=\"%s\"",
                 order, f->id, l->v[i].message_id, ref.message);
        rc = confirm_rows(s->env->ledger, l, i, j, warn);
    } else if (rc == WB_PERMFAIL && ref.status) {
        char code[64];
        if (ref.code[0])
            str_copy(code, sizeof code, ref.code);
        else
            snprintf(code, sizeof code, "HTTP%ld", ref.status);
        log_warn("order=%s feed=%lld message=%ld sink=api event=refused status=%ld code=%s "
                 "text=\"%s\"",
                 order, f->id, l->v[i].message_id, ref.status, code, ref.message);
        refuse_rows(s->env, l, i, j, code, ref.message);
        rc = WB_OK;
    } else {
        log_warn("order=%s feed=%lld message=%ld sink=api event=call-deferred status=%s "
                 "error=\"%s\"",
                 order, f->id, l->v[i].message_id, wb_status_str(rc), buf_str(&err));
        if (rc == WB_PERMFAIL || rc == WB_BADARG)
            rc = WB_INTERNAL; /* no answer of Amazon's: nothing to reject on */
    }
out:
    buf_free(&json);
    buf_free(&err);
    return rc;
}

/* send_batch - the messages of a CALLING batch whose rows are still queued, in order; the
 * batch ends once each has an answer, else it stays CALLING for the next run */
static int send_batch(struct sink *s, struct ledger_feed *f)
{
    struct arows l = {0};
    int rc = ledger_rows_of_feed(s->env->ledger, f->id, arows_cb, &l);
    for (size_t i = 0, j; rc == WB_OK && i < l.n; i = j) {
        for (j = i; j < l.n && l.v[j].message_id == l.v[i].message_id; j++)
            ;
        if (outflow_stopping(s->of)) {
            rc = WB_AGAIN;
            break;
        }
        rc = send_message(s, f, &l, i, j);
    }
    if (rc == WB_OK) {
        rc = finish(s, f, &l);
    } else {
        f->next_poll = clock_now() + s->env->cfg.feed_poll_seconds;
        snprintf(f->last_error, sizeof f->last_error,
                 "calls stopped: %s; the batch goes on "
                 "with its next run",
                 wb_status_str(rc));
        ledger_feed_put(s->env->ledger, f);
    }
    arows_free(&l);
    return rc;
}

/* api_submit - every CALLING batch of the flow, oldest first; one stopped by quota or
 * transport stops the others too (they wait for the same bucket) */
static int api_submit(struct sink *s)
{
    struct ledger_feed *fv;
    size_t n;
    int rc = ledger_feeds_in_state(s->env->ledger, LFD_CALLING, &fv, &n);
    spapi_set_priority(s->fc->api, s->of->priority == 0 ? RATELIMIT_HIGH : RATELIMIT_LOW);
    for (size_t i = 0; i < n && rc == WB_OK; i++)
        if (flow_lane_is(s->of->flow, fv[i].flow, fv[i].account))
            rc = send_batch(s, &fv[i]);
    free(fv);
    return rc == WB_AGAIN ? WB_OK : rc;
}

/* api_poll - nothing to ask: every answer came with its call */
static int api_poll(struct sink *s, int all_now)
{
    (void)s;
    (void)all_now;
    return WB_OK;
}

const struct sink_ops sink_api_ops = {
    .name = "api",
    .submit = api_submit,
    .poll = api_poll,
};
