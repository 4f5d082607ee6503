/*
 * orders_flow.c - the orders flow wired into the flow table: the checks of
 * `convert orders`, the conversion, and the `orders` job for every seller
 * account: searchOrders pages of a window with an overlap (resumed from its
 * nextToken across runs, started again when the token expired), each order
 * decided once against the ledger, its rows staged in the ledger with the
 * orders' states in one transaction, then written to out/LANE/ by temp and
 * rename; held orders to reject/LANE/ (no personal data) with an alert.
 * Buyers' personal data stays in the batch's rows orders_pii_days (for
 * `rewrite` of a file the WMS lost), then every run purges it; the orders'
 * health figures (sync latency, acknowledgements on time) are read here.
 *
 *   page --one_page--> ledger: orders + batch(staged, rows) + sync  (one commit)
 *        --finish_batch--> out/LANE/orders-BATCH.csv --> batch written (rows kept)
 *        --pii_purge (orders_pii_days later)--> rows gone from the ledger's files
 *   reject/LANE/ORDER.json --requeue--> in/LANE/ --take_requeued--> gated again
 *
 * Never exits; never reaches into another flow; never logs personal data.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/cells.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/flow.h"
#include "flows/health.h"
#include "flows/outflow.h"
#include "flows/orders.h"
#include "flows/orders_flow.h"
#include "layout/layout.h"
#include "maps/carriers.h"
#include "net/spapi.h"
#include "spool/ledger.h"
#include "spool/spool.h"

/* orders_flow_convert_check - flow table hook: the layout and maps fit the orders flow */
int orders_flow_convert_check(const struct flow_convert_args *a, struct buf *err)
{
    int rc = WB_OK;
    if (strcmp(layout_flow(a->layout), "orders") != 0) {
        buf_appendf(err, "%s: the layout is for flow '%s', not orders\n", layout_origin(a->layout),
                    layout_flow(a->layout));
        rc = WB_CONFIG;
    } else if (flow_layout_check(a->layout, err) != WB_OK) {
        rc = WB_CONFIG;
    }
    if (!a->skus) {
        buf_appendf(err, "convert orders: --skus is required (the gate maps every seller SKU)\n");
        rc = WB_CONFIG;
    }
    if (!carriers_ship_service_count(a->carriers)) {
        buf_appendf(err, "convert orders: --carriers is required, a carrier map with "
                         "[ship-service] lines\n");
        rc = WB_CONFIG;
    }
    return rc;
}

/* orders_flow_convert - flow table hook: `convert orders` */
int orders_flow_convert(const struct flow_convert_args *a, FILE *in, FILE *out, FILE *rej,
                        struct flow_convert_stats *st, struct buf *lines, struct buf *err)
{
    (void)lines; /* the output is no feed: nothing to name by input line */
    struct orders_rules r = {a->skus, a->carriers, a->layout};
    int rc = orders_flow_convert_check(a, err);
    if (rc != WB_OK) {
        *st = (struct flow_convert_stats){0};
        return rc;
    }
    return orders_convert(&r, in, out, rej, st, err);
}

/* ---- the orders job: fetch from Amazon, write WMS files (see orders_flow.h) ---- */

#define ORDERS_FIRST_LOOKBACK                                                                      \
    (24 * 3600) /* the first window of an account reaches back this far                            \
                 */
#define ORDERS_PAGES_PER_RUN                                                                       \
    200 /* pages one run asks for at most (the quota stops it                                      \
           sooner once the burst is spent) */
#define ORDERS_PAGE_BYTES ((size_t)4 << 20)
#define ORDERS_BATCH_MAX ((size_t)64 << 20)

struct page_order {
    struct ledger_order rec;
    int held;
    struct orders_verdict v;
};

struct sync {
    struct wb_env *env;
    const char *account;      /* "" for the default account */
    char lane[FLOW_LANE_MAX]; /* its spool lane (flow_lane): "orders" or "ACCOUNT/orders" */
    struct spapi *api;
    struct orders_rules rules;
    struct orders_order *o;
    struct buf rows; /* the page's WMS rows, encoded a line each */
    struct page_order po[128];
    size_t npo;
    struct outflow_stats *st;
    struct buf err;
};

/* put_cells - orders_rows callback: one WMS row encoded into the page's rows */
static int put_cells(void *arg, const char *const *cells, size_t n)
{
    struct sync *s = arg;
    int rc = cells_encode(cells, n, &s->rows);
    if (rc == WB_OK)
        rc = buf_appendc(&s->rows, '\n');
    if (rc == WB_OK)
        s->st->good++;
    return rc;
}

/* write_batch - the batch's WMS file in out/LANE/ (a name only this batch writes: a redo after
 * a crash replaces its own first attempt), unless sftp-push already took it to sent/ and it is
 * not written again on purpose (again: orders_flow_rewrite) */
static int write_batch(struct sync *s, const char *name, const char *rows, int again)
{
    char out[4096], sent[4096], path[4096];
    int rc = spool_dir(&s->env->spool, SP_OUT, s->lane, out, sizeof out);
    if (rc == WB_OK)
        rc = spool_dir(&s->env->spool, SP_SENT, s->lane, sent, sizeof sent);
    if (rc == WB_OK && !again && fs_join(path, sizeof path, sent, name) == WB_OK &&
        access(path, F_OK) == 0)
        return WB_OK;
    struct afile af;
    if (rc == WB_OK)
        rc = afile_open_redo(&af, out, name, 0);
    if (rc != WB_OK)
        return rc;
    struct csvw *w = NULL;
    struct cells c = {0};
    rc = csvw_open(&w, s->rules.layout, af.fp, 0);
    if (rc == WB_OK)
        rc = csvw_header(w);
    for (const char *p = rows; rc == WB_OK && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, len);
        rc = line ? cells_decode(line, &c) : WB_NOMEM;
        free(line);
        if (rc == WB_OK)
            rc = csvw_row(w, (const char *const *)c.v, c.n);
        p += len + (nl != NULL);
    }
    if (w) {
        int crc = csvw_close(w);
        if (rc == WB_OK)
            rc = crc;
    }
    cells_free(&c);
    if (rc != WB_OK) {
        afile_abort(&af);
        return rc;
    }
    return afile_commit(&af);
}

/* ack_layout - the ack flow's layout when orders written with layout l are acknowledged (the
 * ack flow has a layout loaded of the one field order_id), else NULL: acks are off */
static const struct layout *ack_layout(const struct wb_env *env, const struct layout *l)
{
    const struct flow_def *fd = flow_find("ack");
    const struct layout *al = fd ? flow_env_layout(env, fd) : NULL;
    if (!al || !l || layout_field_index(l, "record") < 0 || layout_field_index(l, "order_id") < 0 ||
        layout_field_index(al, "order_id") < 0 || layout_nfields(al) != 1)
        return NULL;
    return al;
}

/* write_acks - in/LANE/ack/NAME: the orders of the batch's new records, a row each, for the ack
 * flow to acknowledge (its business key, the order, sends each once); written after the WMS file
 * and before the batch counts as written, so a crash between them redoes both. Nothing when
 * acks are off (ack_layout). */
static int write_acks(struct sync *s, const char *name, const char *rows)
{
    const struct layout *al = ack_layout(s->env, s->rules.layout);
    int frec = layout_field_index(s->rules.layout, "record");
    int ford = layout_field_index(s->rules.layout, "order_id");
    if (!al)
        return WB_OK;
    char lane[FLOW_LANE_MAX], dir[4096], path[4096], last[64] = "";
    struct ledger_file seen;
    int rc = flow_lane_named("ack", s->account, lane, sizeof lane);
    if (rc == WB_OK)
        rc = spool_ensure_flow(&s->env->spool, lane);
    /* a redo after the ack job took the first attempt (in work/ or the ledger): not again */
    if (rc == WB_OK && (rc = spool_dir(&s->env->spool, SP_WORK, lane, dir, sizeof dir)) == WB_OK &&
        ((fs_join(path, sizeof path, dir, name) == WB_OK && access(path, F_OK) == 0) ||
         ledger_file_by_name(s->env->ledger, lane, name, &seen) == WB_OK))
        return WB_OK;
    if (rc == WB_OK)
        rc = spool_dir(&s->env->spool, SP_IN, lane, dir, sizeof dir);
    struct afile af;
    if (rc == WB_OK)
        rc = afile_open_redo(&af, dir, name, 0);
    if (rc != WB_OK)
        return rc;
    struct csvw *w = NULL;
    struct cells c = {0};
    long n = 0;
    rc = csvw_open(&w, al, af.fp, 0);
    if (rc == WB_OK)
        rc = csvw_header(w);
    for (const char *p = rows; rc == WB_OK && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, len);
        rc = line ? cells_decode(line, &c) : WB_NOMEM;
        free(line);
        p += len + (nl != NULL);
        if (rc != WB_OK || (size_t)frec >= c.n || (size_t)ford >= c.n ||
            strcmp(c.v[frec], "new") != 0 || strcmp(c.v[ford], last) == 0)
            continue;
        snprintf(last, sizeof last, "%s", c.v[ford]);
        const char *cell[1] = {c.v[ford]};
        rc = csvw_row(w, cell, 1);
        n++;
    }
    if (w) {
        int crc = csvw_close(w);
        if (rc == WB_OK)
            rc = crc;
    }
    cells_free(&c);
    if (rc != WB_OK || n == 0) {
        afile_abort(&af);
        return rc;
    }
    return afile_commit(&af);
}

/* finish_batch - ledger_order_batches_staged callback: write the file, then drop its rows */
static int finish_batch(void *arg, long long id, const char *name, const char *rows)
{
    struct sync *s = arg;
    int rc = write_batch(s, name, rows, 0);
    if (rc == WB_OK)
        rc = write_acks(s, name, rows);
    if (rc == WB_OK) {
        rc = ledger_order_batch_written(s->env->ledger, id);
        s->st->files++;
        log_info("flow=orders account=%s file=%s event=written", *s->account ? s->account : "-",
                 name);
    }
    return rc;
}

/* write_held - reject/LANE/ORDER.json: what an operator needs (no personal data), written before
 * the ledger says held; `requeue` brings it back to in/LANE/ */
static int write_held(struct sync *s, const struct page_order *p)
{
    char dir[4096], name[64], when[32];
    int rc = spool_dir(&s->env->spool, SP_REJECT, s->lane, dir, sizeof dir);
    if (rc != WB_OK)
        return rc;
    snprintf(name, sizeof name, "%s.json", p->rec.order_id);
    clock_format_iso(p->rec.updated, when, sizeof when);
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s}", "order_id", p->rec.order_id, "account",
                          s->account, "updated", when, "code", p->v.code, "reason", p->v.reason);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return WB_NOMEM;
    struct afile af;
    rc = afile_open_redo(&af, dir, name, 0);
    if (rc == WB_OK) {
        if ((rc = afile_write(&af, text, strlen(text))) == WB_OK &&
            (rc = afile_write(&af, "\n", 1)) == WB_OK)
            rc = afile_commit(&af);
        else
            afile_abort(&af);
    }
    free(text);
    if (rc == WB_OK)
        rc = spool_write_reason(&s->env->spool, s->lane, name, p->v.code, p->v.reason);
    return rc;
}

/* one_order - an order of a page: its decision against the ledger, its rows into the page */
static int one_order(struct sync *s, const json_t *j)
{
    struct orders_order *o = s->o;
    struct page_order *p = &s->po[s->npo];
    memset(p, 0, sizeof *p);
    s->st->rows++;
    if (orders_read(j, o, &p->v) != WB_OK) {
        if (!*o->order_id) { /* nothing to hold it by: it comes again with the next window */
            log_warn("flow=orders account=%s event=unreadable-order code=%s reason=\"%s\"",
                     *s->account ? s->account : "-", p->v.code, p->v.reason);
            return WB_OK;
        }
        p->held = 1;
    }
    struct ledger_order prev;
    int rc = ledger_order_get(s->env->ledger, s->account, o->order_id, &prev);
    if (rc != WB_OK && rc != WB_NOTFOUND)
        return rc;
    int known = rc == WB_OK;
    for (size_t i = 0; i < s->npo; i++) /* the same order twice in one page: the later wins */
        if (strcmp(s->po[i].rec.order_id, o->order_id) == 0) {
            prev = s->po[i].rec;
            known = 1;
        }
    if (known && o->updated < prev.updated)
        return WB_OK; /* stale: never undoes the newer state */
    int again = known && (prev.state == LO_HELD || prev.state == LO_REQUEUED);
    if (known && o->updated == prev.updated && !again)
        return WB_OK;
    str_copy(p->rec.account, sizeof p->rec.account, s->account);
    str_copy(p->rec.order_id, sizeof p->rec.order_id, o->order_id);
    p->rec.updated = o->updated;
    p->rec.ship_by = o->ship_by;
    p->rec.placed = o->created;
    p->rec.in_wms = known ? prev.in_wms : 0;
    p->rec.written = known ? prev.written : 0;
    p->rec.digest = known ? prev.digest : 0;
    enum orders_state state = p->held ? ORDERS_SHIPPABLE : orders_state(o);
    uint64_t digest = 0;
    if (!p->held && state == ORDERS_SHIPPABLE && orders_gate(&s->rules, o, &p->v) != WB_OK)
        p->held = 1;
    if (!p->held && state == ORDERS_SHIPPABLE &&
        (rc = orders_rows(&s->rules, o, ORDERS_NEW, NULL, NULL, &digest, &p->v)) != WB_OK) {
        if (rc != WB_PERMFAIL)
            return rc;
        p->held = 1;
    }
    if (p->held) {
        p->rec.state = LO_HELD;
        str_copy(p->rec.code, sizeof p->rec.code, p->v.code);
        str_copy(p->rec.reason, sizeof p->rec.reason, p->v.reason);
        s->st->rejected++;
        s->npo++;
        return WB_OK;
    }
    struct orders_seen seen = {prev.updated, prev.digest, prev.written, prev.state == LO_CANCELLED};
    if (again)
        seen.updated = o->updated - 1; /* a held order is gated again, whatever its time */
    enum orders_action act = orders_decide(known ? &seen : NULL, o->updated, state, digest);
    switch (act) {
    case ORDERS_WRITE_NEW:
    case ORDERS_WRITE_AMEND:
    case ORDERS_WRITE_CANCEL:
        rc = orders_rows(&s->rules, o,
                         act == ORDERS_WRITE_NEW     ? ORDERS_NEW
                         : act == ORDERS_WRITE_AMEND ? ORDERS_AMEND
                                                     : ORDERS_CANCEL,
                         put_cells, s, NULL, &p->v);
        if (rc != WB_OK)
            return rc;
        for (size_t k = 0; act != ORDERS_WRITE_CANCEL && k < o->nlines && rc == WB_OK; k++)
            if (!o->line[k].cancelled) /* kept for the inventory's open-order deduction */
                rc = ledger_order_units_put(s->env->ledger, s->account, o->order_id,
                                            o->line[k].seller_sku, o->line[k].quantity);
        if (rc != WB_OK)
            return rc;
        p->rec.state = act == ORDERS_WRITE_CANCEL ? LO_CANCELLED : LO_WRITTEN;
        p->rec.written = act != ORDERS_WRITE_CANCEL;
        p->rec.digest = act == ORDERS_WRITE_CANCEL ? 0 : digest;
        p->rec.batch = -1; /* set to the page's batch */
        log_info("flow=orders account=%s order=%s event=%s", *s->account ? s->account : "-",
                 o->order_id,
                 act == ORDERS_WRITE_NEW     ? "new"
                 : act == ORDERS_WRITE_AMEND ? "amend"
                                             : "cancel");
        break;
    case ORDERS_SKIP:
        p->rec.state = state == ORDERS_CANCELLED ? LO_CANCELLED : LO_SKIPPED;
        break;
    default: /* the same again */
        p->rec.state = prev.state == LO_REQUEUED || prev.state == LO_HELD ? LO_WRITTEN : prev.state;
        break;
    }
    s->npo++;
    return WB_OK;
}

/* one_page - a searchOrders answer: decisions, held records, the batch and the sync state in
 * one transaction; then the batch's file */
static int one_page(struct sync *s, const char *body, size_t len, struct ledger_order_sync *sy,
                    const char *next)
{
    json_error_t je;
    json_t *page = json_loadb(body, len, 0, &je);
    const json_t *orders = page ? json_object_get(page, "orders") : NULL;
    if (!json_is_array(orders)) {
        buf_appendf(&s->err, "E_ORDER_JSON: searchOrders answered %s%s%s",
                    page ? "no 'orders' array" : "malformed or truncated JSON: ",
                    page ? "" : je.text, "; the page is asked for again on the next run");
        json_decref(page);
        return WB_TEMPFAIL;
    }
    s->npo = 0;
    buf_reset(&s->rows);
    int rc = ledger_begin(s->env->ledger);
    size_t i;
    const json_t *j;
    json_array_foreach(orders, i, j)
    {
        if (rc != WB_OK || s->npo >= WB_ARRAY_LEN(s->po))
            break;
        rc = one_order(s, j);
    }
    if (rc == WB_OK && s->npo >= WB_ARRAY_LEN(s->po) && i < json_array_size(orders))
        rc = WB_TOOBIG; /* more orders than a page holds */
    for (i = 0; rc == WB_OK && i < s->npo; i++)
        if (s->po[i].held)
            rc = write_held(s, &s->po[i]);
    long long batch = 0;
    if (rc == WB_OK && s->rows.len &&
        (rc = ledger_order_batch_add(s->env->ledger, s->account, "", buf_str(&s->rows), &batch)) ==
            WB_OK) {
        char name[64];
        snprintf(name, sizeof name, "orders-%lld.csv", batch);
        rc = ledger_order_batch_name(s->env->ledger, batch, name);
    }
    for (i = 0; rc == WB_OK && i < s->npo; i++) {
        if (s->po[i].rec.batch == -1)
            s->po[i].rec.batch = batch;
        rc = ledger_order_put(s->env->ledger, &s->po[i].rec);
    }
    if (rc == WB_OK) {
        if (next && *next) {
            str_copy(sy->token, sizeof sy->token, next);
        } else { /* the window is complete: the next one starts where this one was asked */
            sy->token[0] = '\0';
            sy->after = sy->window_start;
            sy->rewind = 0;
            sy->last_ok = clock_now();
        }
        rc = ledger_order_sync_put(s->env->ledger, sy);
    }
    if (rc == WB_OK)
        rc = ledger_commit(s->env->ledger);
    else
        ledger_rollback(s->env->ledger);
    json_decref(page);
    if (rc != WB_OK)
        return rc;
    struct wb_env *env = s->env;
    for (i = 0; i < s->npo; i++)
        if (s->po[i].held)
            alert_raise(env, "order-held", s->po[i].rec.order_id, s->po[i].v.reason);
    return ledger_order_batches_staged(s->env->ledger, s->account, finish_batch, s);
}

/* take_requeued - the records in in/LANE/ brought back by `requeue`: the order is gated again when
 * it comes, and the next window reaches back to it */
static int take_requeued(struct sync *s, struct ledger_order_sync *sy)
{
    struct spool_entry *e = NULL;
    size_t n = 0;
    char dir[4096];
    int rc = spool_list(&s->env->spool, SP_IN, s->lane, &e, &n);
    if (rc == WB_OK)
        rc = spool_dir(&s->env->spool, SP_IN, s->lane, dir, sizeof dir);
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        char path[4096];
        struct buf b;
        buf_init(&b, 64 * 1024);
        struct ledger_order o;
        json_t *j = NULL;
        if (fs_join(path, sizeof path, dir, e[i].name) == WB_OK && fs_read_file(path, &b) == WB_OK)
            j = json_loadb(b.data, b.len, 0, NULL);
        const char *id = j ? json_string_value(json_object_get(j, "order_id")) : NULL;
        if (id && ledger_order_get(s->env->ledger, s->account, id, &o) == WB_OK) {
            if (o.state == LO_HELD) {
                o.state = LO_REQUEUED;
                rc = ledger_order_put(s->env->ledger, &o);
            }
            time_t back = o.updated - 1;
            if (rc == WB_OK && (!sy->rewind || back < sy->rewind))
                sy->rewind = back;
            if (rc == WB_OK)
                rc = ledger_order_sync_put(s->env->ledger, sy);
            if (rc == WB_OK) {
                unlink(path);
                alert_clear(s->env, "order-held", id);
                log_info("flow=orders account=%s order=%s event=requeued",
                         *s->account ? s->account : "-", id);
            }
        } else {
            log_warn("flow=orders file=%s event=requeue-unknown: not a held order of this "
                     "account; left in in/%s/",
                     e[i].name, s->lane);
        }
        json_decref(j);
        buf_free(&b);
    }
    free(e);
    return rc;
}

/* lag_check - alert when no window completed for orders_lag_seconds */
static void lag_check(struct sync *s, const struct ledger_order_sync *sy)
{
    time_t now = clock_now();
    struct wb_env *env = s->env;
    const char *item = *s->account ? s->account : "default";
    if (sy->last_ok && now - sy->last_ok <= env->cfg.orders_lag_seconds) {
        alert_clear(env, "orders-lag", item);
        return;
    }
    char text[256];
    if (sy->last_ok)
        snprintf(text, sizeof text,
                 "no complete order sync for %lld s (orders_lag_seconds %ld): new orders may not "
                 "have reached the WMS; check the orders job and Amazon's quota",
                 (long long)(now - sy->last_ok), s->env->cfg.orders_lag_seconds);
    else
        snprintf(text, sizeof text, "the order sync has not completed a window yet");
    if (!sy->last_ok && sy->last_try && now - sy->last_try < s->env->cfg.orders_lag_seconds)
        return; /* the first window is still under way */
    alert_raise(env, "orders-lag", item, text);
}

/* sync_account - one account: recover staged batches, take requeued orders, then pages of the
 * current window until it completes, the quota says wait, or the run's page budget is spent */
static int sync_account(struct sync *s)
{
    int rc = ledger_order_batches_staged(s->env->ledger, s->account, finish_batch, s);
    struct ledger_order_sync sy;
    if (rc == WB_OK)
        rc = ledger_order_sync_get(s->env->ledger, s->account, &sy);
    if (rc == WB_OK)
        rc = take_requeued(s, &sy);
    if (rc != WB_OK || !s->api)
        return rc;
    struct buf resp;
    buf_init(&resp, ORDERS_PAGE_BYTES);
    int restarts = 0;
    for (int page = 0; page < ORDERS_PAGES_PER_RUN; page++) {
        time_t after = 0;
        if (!sy.token[0]) {
            after = sy.after ? sy.after : clock_now() - ORDERS_FIRST_LOOKBACK;
            if (sy.rewind && sy.rewind < after)
                after = sy.rewind;
            after -= s->env->cfg.orders_overlap_seconds;
        }
        sy.last_try = clock_now();
        buf_reset(&s->err);
        buf_reset(&resp);
        rc = spapi_search_orders(s->api, after, sy.token, &resp, &s->err);
        if (rc == WB_AGAIN) { /* the quota: the next run goes on from the saved token */
            rc = WB_OK;
            break;
        }
        if (rc == WB_PERMFAIL && sy.token[0] && restarts++ == 0) {
            log_warn("flow=orders account=%s event=token-refused reason=\"%s\": the window "
                     "starts again",
                     *s->account ? s->account : "-", buf_str(&s->err));
            sy.token[0] = '\0';
            continue;
        }
        if (rc != WB_OK)
            break;
        if (!sy.token[0]) { /* a new window: it ends when Amazon answered its first page */
            time_t amz = spapi_amazon_now(s->api);
            sy.window_start = amz ? amz : clock_now();
        }
        char next[LEDGER_TOKEN_MAX] = "";
        json_t *pj = json_loadb(resp.data, resp.len, 0, NULL);
        const char *nt =
            json_string_value(json_object_get(json_object_get(pj, "pagination"), "nextToken"));
        if (nt && strlen(nt) < sizeof next)
            str_copy(next, sizeof next, nt);
        json_decref(pj);
        rc = one_page(s, resp.data ? resp.data : "", resp.len, &sy, next);
        if (rc != WB_OK || !next[0])
            break;
    }
    buf_free(&resp);
    if (rc != WB_OK) {
        char item[LEDGER_ACCOUNT_MAX + 8];
        snprintf(item, sizeof item, "%s", *s->account ? s->account : "default");
        log_warn("flow=orders account=%s event=sync-failed status=%s reason=\"%s\"", item,
                 wb_status_str(rc), buf_str(&s->err));
        ledger_order_sync_put(s->env->ledger, &sy); /* last_try */
    }
    lag_check(s, &sy);
    return rc;
}

struct due {
    struct wb_env *env;
    time_t now;
};

/* due_one - ledger_orders_due callback: the ship-by alerts of one order */
static int due_one(void *arg, const char *order_id, time_t ship_by, int dstate, time_t since)
{
    struct due *d = arg;
    struct wb_env *env = d->env;
    char when[32], at[32], text[400];
    clock_format_iso(ship_by, when, sizeof when);
    if (dstate == LR_CONFIRMED) {
        alert_clear(env, "ship-by", order_id);
        alert_clear(env, "dispatch-unconfirmed", order_id);
        return WB_OK;
    }
    if (dstate == 0 && d->now >= ship_by - env->cfg.ship_by_alert_minutes * 60) {
        long left = (long)(ship_by - d->now) / 60;
        snprintf(text, sizeof text,
                 "order %s must ship by %s (%s %ld min); the WMS has sent no dispatch for it: "
                 "the warehouse's job (pick, pack and dispatch it, or cancel it in Seller Central)",
                 order_id, when, left >= 0 ? "in" : "overdue by", left >= 0 ? left : -left);
        return alert_raise(env, "ship-by", order_id, text);
    }
    if ((dstate == LR_PENDING || dstate == LR_QUEUED) && since &&
        d->now - since >= env->cfg.dispatch_confirm_minutes * 60) {
        clock_format_iso(since, at, sizeof at);
        snprintf(text, sizeof text,
                 "order %s (ship by %s): its dispatch came from the WMS at %s but Amazon has not "
                 "confirmed it after %ld min: wmsbridge's side (see status: feeds in flight, "
                 "alerts), then Amazon's",
                 order_id, when, at, env->cfg.dispatch_confirm_minutes);
        alert_clear(env, "ship-by", order_id);
        return alert_raise(env, "dispatch-unconfirmed", order_id, text);
    }
    return WB_OK;
}

/* ship_by_check - the ship-by protection of an account's orders in the WMS: no dispatch close to
 * the deadline, or a dispatch Amazon has not confirmed in time */
static int ship_by_check(struct sync *s, const struct wb_account *a)
{
    char lane[FLOW_LANE_MAX];
    int rc = flow_lane("dispatch", a, lane, sizeof lane); /* the lane that confirms dispatches */
    struct due d = {s->env, clock_now()};
    if (rc == WB_OK)
        rc =
            ledger_orders_due(s->env->ledger, s->account, lane, (time_t)INT64_MAX / 2, due_one, &d);
    return rc;
}

/* pii_purge - the account's buyers' personal data kept longer than orders_pii_days goes: the
 * rows of its written batches out of the ledger's files, and our copies of its WMS files in
 * sent/LANE/ (after sftp-push delivered them) */
static int pii_purge(struct sync *s)
{
    time_t cutoff = clock_now() - s->env->cfg.orders_pii_days * 86400L;
    long batches = 0, files = 0;
    struct spool_entry *e = NULL;
    size_t n = 0;
    char dir[4096], path[4096];
    int rc = spool_list(&s->env->spool, SP_SENT, s->lane, &e, &n);
    if (rc == WB_OK)
        rc = spool_dir(&s->env->spool, SP_SENT, s->lane, dir, sizeof dir);
    for (size_t i = 0; rc == WB_OK && i < n; i++)
        if (e[i].mtime <= cutoff && fs_join(path, sizeof path, dir, e[i].name) == WB_OK &&
            unlink(path) == 0)
            files++;
    free(e);
    if (files)
        fs_fsync_dir(dir);
    int lrc = ledger_order_pii_purge(s->env->ledger, s->account, cutoff, &batches);
    if (batches || files)
        log_info("flow=orders account=%s event=pii-purged batches=%ld sent_files=%ld "
                 "orders_pii_days=%ld",
                 *s->account ? s->account : "-", batches, files, s->env->cfg.orders_pii_days);
    if (lrc != WB_OK)
        log_warn("flow=orders account=%s event=pii-purge-failed status=%s: the next run "
                 "purges again",
                 *s->account ? s->account : "-", wb_status_str(lrc));
    if (lrc == WB_TEMPFAIL) /* a reader kept the WAL: the next run truncates it */
        lrc = WB_OK;
    return rc == WB_OK ? lrc : rc;
}

/* orders_flow_rewrite - flow table hook: a WMS order file the WMS lost, written again to
 * out/LANE/ from the batch's rows while the ledger keeps them (orders_pii_days); its orders
 * are not acknowledged again */
int orders_flow_rewrite(struct wb_env *env, const struct wb_account *a, const char *name,
                        struct buf *err)
{
    const struct layout *l = flow_env_layout(env, flow_find("orders"));
    struct sync s = {.env = env,
                     .account = a == &env->cfg.accounts[0] ? "" : a->name,
                     .rules = {env->skus, env->carriers, l}};
    char *rows = NULL;
    int rc = l && env->ledger ? flow_lane("orders", a, s.lane, sizeof s.lane) : WB_CONFIG;
    if (rc == WB_OK)
        rc = ledger_order_batch_rows(env->ledger, s.account, name, &rows);
    if (rc == WB_NOINPUT)
        buf_appendf(err,
                    "%s: the buyers' personal data it held was purged (orders_pii_days %ld); "
                    "its orders are in Seller Central",
                    name, env->cfg.orders_pii_days);
    if (rc == WB_OK)
        rc = write_batch(&s, name, rows, 1);
    if (rc == WB_OK)
        log_info("flow=orders account=%s file=%s event=rewritten", *s.account ? s.account : "-",
                 name);
    free(rows);
    return rc;
}

/* orders_flow_fetch - flow table hook: the orders job for one seller account */
int orders_flow_fetch(struct wb_env *env, const struct wb_account *a, struct feeds_client *fc,
                      int force, struct outflow_stats *st)
{
    (void)force;
    const struct layout *l = flow_env_layout(env, flow_find("orders"));
    if (!l)
        return WB_CONFIG;
    int is_default = a == &env->cfg.accounts[0];
    struct sync s = {.env = env,
                     .account = is_default ? "" : a->name,
                     .rules = {env->skus, env->carriers, l},
                     .api = fc ? fc->api : NULL,
                     .st = st};
    int rc = flow_lane("orders", a, s.lane, sizeof s.lane);
    if (rc == WB_OK)
        rc = spool_ensure_flow(&env->spool, s.lane);
    if (rc != WB_OK)
        return rc;
    if (!(s.o = malloc(sizeof *s.o)))
        return WB_NOMEM;
    buf_init(&s.rows, ORDERS_BATCH_MAX);
    buf_init(&s.err, 8192);
    rc = sync_account(&s);
    int src = ship_by_check(&s, a);
    if (rc == WB_OK)
        rc = src;
    src = pii_purge(&s);
    if (rc == WB_OK)
        rc = src;
    buf_free(&s.rows);
    buf_free(&s.err);
    free(s.o);
    return rc;
}

/* orders_flow_status - flow table hook: each account's sync, and whether it lags */
void orders_flow_status(struct wb_env *env, struct buf *out)
{
    time_t now = clock_now();
    for (int i = 0; env->ledger && i < env->cfg.naccounts; i++) {
        const char *acc = i == 0 ? "" : env->cfg.accounts[i].name;
        struct ledger_order_sync sy;
        long n[LO_NSTATES];
        if (ledger_order_sync_get(env->ledger, acc, &sy) != WB_OK ||
            ledger_order_counts(env->ledger, acc, n) != WB_OK)
            continue;
        if (!sy.last_ok && !sy.last_try) { /* no lag to speak of: nothing ever asked Amazon */
            buf_appendf(out,
                        "orders sync (account %s): never ran (is the orders job in the "
                        "schedule?)\n",
                        i == 0 ? "default" : acc);
            continue;
        }
        char when[32] = "never";
        if (sy.last_ok)
            clock_format_iso(sy.last_ok, when, sizeof when);
        int lag = !sy.last_ok || now - sy.last_ok > env->cfg.orders_lag_seconds;
        buf_appendf(out,
                    "orders sync (account %s): last complete window %s%s; written=%ld "
                    "cancelled=%ld held=%ld skipped=%ld\n",
                    i == 0 ? "default" : acc, when,
                    lag ? " - LAGGING (orders_lag_seconds exceeded)" : "", n[LO_WRITTEN],
                    n[LO_CANCELLED], n[LO_HELD] + n[LO_REQUEUED], n[LO_SKIPPED]);
    }
}

/* orders_flow_health - flow table hook: of account a's orders whose first WMS file was in place
 * in [from, to), the order sync latency (95th percentile of the minutes from placed to in place)
 * and, when acks are on, the share acknowledged within ack_within_minutes (of those whose
 * deadline has passed or that Amazon confirmed) */
void orders_flow_health(struct wb_env *env, const struct wb_account *a, time_t from, time_t to,
                        struct health *h)
{
    const char *acc = a == &env->cfg.accounts[0] ? "" : a->name;
    struct health_figure *f = &h->f[H_ORDER_SYNC_LATENCY];
    struct ledger_latency lat;
    char w[24], lane[FLOW_LANE_MAX];
    health_window(from, to, w, sizeof w);
    f->configured = 1;
    f->target = (double)env->cfg.target_order_sync_minutes;
    if (env->ledger && ledger_order_latency(env->ledger, acc, from, to, 95, &lat) == WB_OK) {
        f->have = lat.n > 0;
        f->value = (double)lat.pct / 60.0;
        if (lat.n)
            snprintf(f->detail, sizeof f->detail,
                     "95th percentile of %ld order(s) in %s; longest %lld min", lat.n, w,
                     lat.max / 60);
        else
            snprintf(f->detail, sizeof f->detail, "no order reached the WMS in %s", w);
    }
    f = &h->f[H_ACK_ON_TIME];
    if (!ack_layout(env, flow_env_layout(env, flow_find("orders"))) ||
        flow_lane("ack", a, lane, sizeof lane) != WB_OK)
        return; /* acks are off: not configured */
    f->configured = 1;
    f->target = (double)env->cfg.target_ack_on_time_pct;
    long due = 0, ok = 0;
    if (!env->ledger ||
        ledger_order_acks(env->ledger, acc, lane, from, to, env->cfg.ack_within_minutes * 60,
                          clock_now(), &due, &ok) != WB_OK)
        return;
    f->have = due > 0;
    f->value = due ? 100.0 * (double)ok / (double)due : 0;
    if (due)
        snprintf(f->detail, sizeof f->detail,
                 "%ld of %ld order(s) acknowledged within %ld min in %s", ok, due,
                 env->cfg.ack_within_minutes, w);
    else
        snprintf(f->detail, sizeof f->detail, "no acknowledgement due in %s", w);
}
