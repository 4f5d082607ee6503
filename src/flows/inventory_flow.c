/*
 * inventory_flow.c - the inventory flow's spool path: a WMS stock snapshot
 * dropped in in/<lane>/inventory/ is read with the inventory rules (rejected
 * rows in reject/<lane>/inventory/), its availability computed per SKU, and
 * only the seller SKUs whose quantity differs from the one last published in
 * the lane (inventory_base_changed) become ledger rows, one message each, of
 * a JSON_LISTINGS_FEED rendered with the account's seller id and sent
 * through the shared feed path; the processing report settles them per
 * messageId (feeds.c). Owns the flow's job hooks; never reaches into another
 * flow; never exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "amazon/listings_json.h"
#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/cells.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/inventory.h"
#include "flows/inventory_flow.h"
#include "flows/outflow.h"
#include "flows/sink.h"
#include "layout/layout.h"
#include "maps/buffers.h"
#include "maps/stockstates.h"
#include "spool/ledger.h"

struct inventory_flow {
    struct inventory_rules rules;
    struct inventory_stock stock; /* the snapshot being read */
    struct stockstates *states;
    struct buffers *buffers;
    int f_time;        /* the layout's snapshot_time field, -1 if none */
    time_t snap_time;  /* the newest snapshot time of the file's rows, 0 if none */
    long hold_percent; /* the shrink guard's share (0: off) */
    int complete;      /* the layout says a snapshot is the whole stock */
    struct outflow of;
    const char *seller; /* the lane's seller id, for render */
};

/* classify - outflow callback: one snapshot row counted into the stock table, or a reject */
static int classify(void *arg, int read_rc, const struct csvr_row *row, struct outflow_verdict *v)
{
    struct inventory_flow *f = arg;
    if (read_rc == WB_PERMFAIL) {
        snprintf(v->code, sizeof v->code, "%s", row->error_code ? row->error_code : "E_ROW");
        snprintf(v->reason, sizeof v->reason, "%s",
                 row->error_text ? row->error_text : "unreadable row");
        int rc = inventory_hold_row(&f->rules, &f->stock, row);
        return rc == WB_OK ? WB_PERMFAIL : rc;
    }
    size_t tn;
    const char *ts = csvr_field_n(row, f->f_time, &tn);
    time_t t = 0;
    if (tn && layout_parse_time(f->rules.layout, ts, &t) != WB_OK) {
        snprintf(v->code, sizeof v->code, "E_SNAPSHOT_TIME");
        snprintf(v->reason, sizeof v->reason,
                 "snapshot time '%.100s' is not a date and time in the layout's format", ts);
        int rc = inventory_hold_row(&f->rules, &f->stock, row);
        return rc == WB_OK ? WB_PERMFAIL : rc;
    }
    int rc = inventory_row(&f->rules, &f->stock, row, v->code, sizeof v->code, v->reason,
                           sizeof v->reason);
    if (rc == WB_OK && t > f->snap_time)
        f->snap_time = t;
    return rc;
}

/* base_cb - the newest live row of each seller SKU of the lane; tagged with its id while it
 * waits unsent (pending) */
static int base_cb(void *arg, const struct ledger_row_view *r)
{
    char *end;
    long long q = strtoll(r->payload ? r->payload : "", &end, 10);
    if (!r->group_key || !*r->group_key || end == r->payload || *end)
        return WB_OK; /* not a message row */
    return inventory_base_put(arg, r->group_key, q, r->state == LR_PENDING ? r->id : 0);
}

struct delta {
    struct inventory_flow *f;
    struct ledger *lg;
    struct inventory_base base;
    struct inventory_base open; /* units of orders the snapshot does not reflect, by seller SKU */
    struct inventory_base returned; /* sellable returned units it does not reflect */
    long long file_id;
    size_t ncols;         /* columns of the snapshot's header */
    int col_sku, col_qty; /* where a refused message's reject row puts SKU and quantity */
    long long was_skus, was_units, now_skus, now_units; /* the shrink guard's sums */
    struct buf raw, payload;
    long sent, same;
    int full; /* a full refresh: every SKU of the snapshot is published, changed or not */
};

/* columns - the snapshot's header (from the ledger) and the columns of SKU and quantity */
static int columns(struct delta *d)
{
    char *hdr = NULL;
    struct cells c = {0};
    int rc = ledger_file_header(d->lg, d->file_id, &hdr);
    if (rc == WB_OK)
        rc = cells_decode(hdr ? hdr : "", &c);
    d->col_sku = d->col_qty = -1;
    const char *want_sku = layout_field_header(d->f->rules.layout, (size_t)d->f->rules.f_sku);
    const char *want_qty = layout_field_header(d->f->rules.layout, (size_t)d->f->rules.f_quantity);
    for (size_t i = 0; rc == WB_OK && i < c.n; i++) {
        char *h = str_trim(c.v[i]);
        if (want_sku && strcasecmp(h, want_sku) == 0 && d->col_sku < 0)
            d->col_sku = (int)i;
        if (want_qty && strcasecmp(h, want_qty) == 0 && d->col_qty < 0)
            d->col_qty = (int)i;
    }
    d->ncols = rc == WB_OK ? c.n : 0;
    cells_free(&c);
    free(hdr);
    return rc;
}

/* supersede - a quantity of seller still waiting unsent (an earlier snapshot's, not yet in a
 * feed) is settled as replaced by this snapshot's: it is never sent, so one feed never carries
 * two quantities of one SKU whose order Amazon might not keep */
static int supersede(struct delta *d, const char *seller)
{
    long long id = inventory_base_tag(&d->base, seller);
    if (!id)
        return WB_OK;
    char w[200];
    snprintf(w, sizeof w,
             "not sent: replaced before sending by the newer snapshot of ledger file #%lld",
             d->file_id);
    log_info("flow=%s sku=%s row=%lld event=superseded file_id=%lld", d->f->of.flow, seller, id,
             d->file_id);
    return ledger_row_confirm(d->lg, id, w);
}

/* add_row - a pending message row publishing qty for a seller SKU (the one of an earlier
 * snapshot still unsent is superseded); its raw cells are the row a refusal writes back to
 * reject/: the seller SKU and the quantity in the snapshot's columns */
static int add_row(void *arg, const char *seller, long long qty)
{
    struct delta *d = arg;
    const char *cells[256];
    char q[24], key[300];
    size_t n = d->ncols < WB_ARRAY_LEN(cells) ? d->ncols : WB_ARRAY_LEN(cells);
    for (size_t i = 0; i < n; i++)
        cells[i] = "";
    snprintf(q, sizeof q, "%lld", qty);
    if (d->col_sku >= 0 && (size_t)d->col_sku < n)
        cells[d->col_sku] = seller;
    if (d->col_qty >= 0 && (size_t)d->col_qty < n)
        cells[d->col_qty] = q;
    buf_reset(&d->raw);
    buf_reset(&d->payload);
    int rc = supersede(d, seller);
    if (rc == WB_OK)
        rc = cells_encode(cells, n, &d->raw);
    if (rc == WB_OK)
        rc = buf_appends(&d->payload, q);
    snprintf(key, sizeof key, "%lld:%s", d->file_id, seller);
    if (rc == WB_OK)
        rc = ledger_row_add(d->lg, d->file_id, d->f->of.flow, key, 0, LR_PENDING,
                            buf_str(&d->payload), seller, buf_str(&d->raw), NULL);
    if (rc == WB_OK)
        d->sent++;
    return rc;
}

/* open_cb - ledger_order_units_since callback: a seller SKU's open units */
static int open_cb(void *arg, const char *sku, long long units)
{
    return inventory_base_put(arg, sku, units, 0);
}

/* open_units - the units of the lane's account's orders written to the WMS at or after the
 * snapshot's time (its newest snapshot_time, else when the file arrived) and not cancelled:
 * sold, but still on hand in the snapshot; and the sellable units of returns received since:
 * on hand, but not in the snapshot */
static int open_units(struct delta *d)
{
    struct ledger_file lf;
    int rc = ledger_file_get(d->lg, d->file_id, &lf);
    if (rc != WB_OK)
        return rc;
    time_t since = d->f->snap_time ? d->f->snap_time : lf.created;
    rc = ledger_order_units_since(d->lg, lf.account, since, open_cb, &d->open);
    if (rc == WB_OK)
        rc = ledger_return_units_since(d->lg, lf.account, since, open_cb, &d->returned);
    return rc;
}

/* less_open - a seller SKU's quantity after its open orders and returns received */
static long long less_open(const struct delta *d, const char *seller, long long qty)
{
    qty = inventory_plus_returned(qty, inventory_base_qty(&d->returned, seller));
    return inventory_less_open(qty, inventory_base_qty(&d->open, seller));
}

/* delta_cb - a seller SKU of the snapshot: a message row when its quantity changed (every one
 * in a full refresh) */
static int delta_cb(void *arg, const char *seller, long long qty)
{
    struct delta *d = arg;
    qty = less_open(d, seller, qty);
    int changed = inventory_base_take(&d->base, seller, qty);
    if (!changed && (!d->full || qty == INVENTORY_HELD)) {
        d->same++;
        return WB_OK;
    }
    return add_row(d, seller, qty);
}

/* sum_cb - the shrink guard's sums over the SKUs a snapshot covers: SKUs with stock and units,
 * as last published and as now (a held SKU counts as it was) */
static int sum_cb(void *arg, const char *seller, long long qty)
{
    struct delta *d = arg;
    qty = less_open(d, seller, qty);
    long long was = inventory_base_qty(&d->base, seller);
    if (was > 0) {
        d->was_skus++;
        d->was_units += was;
    }
    long long now = qty == INVENTORY_HELD ? (was > 0 ? was : 0) : qty;
    if (now > 0) {
        d->now_skus++;
        d->now_units += now;
    }
    return WB_OK;
}

/* gone_sum_cb - a SKU a complete snapshot leaves out: covered, now 0 */
static int gone_sum_cb(void *arg, const char *seller, long long qty)
{
    struct delta *d = arg;
    (void)seller;
    d->was_skus++;
    d->was_units += qty;
    return WB_OK;
}

/* mark_cb - take every SKU of the snapshot (so the ones left out are known) */
static int mark_cb(void *arg, const char *seller, long long qty)
{
    struct delta *d = arg;
    (void)inventory_base_take(&d->base, seller, qty);
    return WB_OK;
}

struct accepted {
    const char *mark; /* "(content DIGEST)" in the alert's text */
    char item[300];
    int found;
};

/* accepted_cb - an open held-snapshot alert of this content: the operator requeued it */
static int accepted_cb(void *arg, const struct ledger_alert_view *a)
{
    struct accepted *x = arg;
    if (!x->found && strcmp(a->kind, "snapshot-held") == 0 && a->text && strstr(a->text, x->mark)) {
        snprintf(x->item, sizeof x->item, "%s", a->item);
        x->found = 1;
    }
    return WB_OK;
}

/* shrunk - 1 if now is under hold_percent % of was */
static int shrunk(long long now, long long was, long pct)
{
    return pct > 0 && was > 0 && now * 100 < was * pct;
}

/* guard - WB_PERMFAIL for a snapshot older than the newest taken in, WB_AGAIN for one much
 * smaller than what was last published for the SKUs it covers (not once an operator has
 * requeued that very content from hold/), else WB_OK */
static int guard(struct delta *d, const char *name, char *code, size_t coden, char *reason,
                 size_t reasonn)
{
    struct inventory_flow *f = d->f;
    time_t last;
    char lname[256], a[32], b[32];
    int rc = ledger_snapshot_latest(d->lg, f->of.flow, &last, lname, sizeof lname);
    if (rc != WB_OK)
        return rc;
    if (f->snap_time && last && f->snap_time < last) {
        clock_format_iso(f->snap_time, a, sizeof a);
        clock_format_iso(last, b, sizeof b);
        snprintf(code, coden, "E_SNAPSHOT_OLDER");
        snprintf(reason, reasonn,
                 "snapshot of %s is older than %s (%s) already taken in: an older snapshot "
                 "never replaces a newer one; nothing of it was sent",
                 a, lname, b);
        return WB_PERMFAIL;
    }
    if ((rc = inventory_publish_all(&f->rules, &f->stock, sum_cb, d)) != WB_OK)
        return rc;
    if (f->complete) {
        if ((rc = inventory_publish_all(&f->rules, &f->stock, mark_cb, d)) != WB_OK ||
            (rc = inventory_base_gone(&d->base, gone_sum_cb, d)) != WB_OK)
            return rc;
        for (size_t i = 0; i < d->base.n; i++)
            d->base.v[i].taken = 0; /* the delta takes them again */
    }
    if (!shrunk(d->now_skus, d->was_skus, f->hold_percent) &&
        !shrunk(d->now_units, d->was_units, f->hold_percent))
        return WB_OK;
    struct ledger_file lf;
    if ((rc = ledger_file_get(d->lg, d->file_id, &lf)) != WB_OK)
        return rc;
    char mark[40];
    snprintf(mark, sizeof mark, "(content %.16s)", lf.digest);
    struct accepted x = {.mark = mark};
    if ((rc = ledger_alerts_open(d->lg, accepted_cb, &x)) != WB_OK)
        return rc;
    if (x.found) {
        int closed = 0;
        log_warn("file=%s flow=%s event=shrunk-snapshot-accepted skus=%lld/%lld units=%lld/%lld "
                 "text=\"requeued from hold/ by an operator\"",
                 name, f->of.flow, d->now_skus, d->was_skus, d->now_units, d->was_units);
        return ledger_alert_close(d->lg, "snapshot-held", x.item, &closed);
    }
    const char *kind = "snapshot-held"; /* the alert (outflow raises it with the hold) */
    snprintf(code, coden, "%s", kind);
    snprintf(reason, reasonn,
             "snapshot%s has %lld SKU(s) in stock and %lld unit(s) where %lld and %lld were last "
             "published (under %ld %%): held, nothing sent; if it is right, 'wmsbridge requeue' "
             "it (content %.16s)",
             f->complete ? "" : " (partial)", d->now_skus, d->now_units, d->was_skus, d->was_units,
             f->hold_percent, lf.digest);
    return WB_AGAIN;
}

/* full_name - the ledger's jobs row that holds a lane's full refresh request: next_run is the
 * time of the request not served yet, 0 when none waits */
static int full_name(const char *lane, char *out, size_t n)
{
    int k = snprintf(out, n, "full:%s", lane);
    return k < 0 || (size_t)k >= n ? WB_CONFIG : WB_OK;
}

/* full_request - a `full` run: ask that the lane's next snapshot publish every SKU (kept in the
 * ledger, so a snapshot taken in by a later run, or after a restart, serves it) */
static int full_request(struct ledger *lg, const char *lane)
{
    struct ledger_job j = {0};
    int rc = full_name(lane, j.name, sizeof j.name);
    if (rc != WB_OK)
        return rc;
    if ((rc = ledger_begin(lg)) != WB_OK)
        return rc;
    rc = ledger_job_get(lg, j.name, &j);
    if (rc == WB_NOTFOUND)
        rc = WB_OK;
    if (rc == WB_OK) {
        j.last_start = clock_now();
        if (!j.next_run)
            j.next_run = j.last_start;
        j.runs++;
        rc = ledger_job_put(lg, &j);
    }
    if (rc == WB_OK)
        return ledger_commit(lg);
    ledger_rollback(lg);
    return rc;
}

/* full_take - within finish's transaction: 1 in *full when a full refresh waits for the lane,
 * which this snapshot then serves (the request ends with the snapshot's rows, or not at all) */
static int full_take(struct ledger *lg, const char *lane, int *full)
{
    struct ledger_job j = {0};
    *full = 0;
    int rc = full_name(lane, j.name, sizeof j.name);
    if (rc != WB_OK)
        return rc;
    rc = ledger_job_get(lg, j.name, &j);
    if (rc == WB_NOTFOUND)
        return WB_OK;
    if (rc != WB_OK || !j.next_run)
        return rc;
    *full = 1;
    j.next_run = 0;
    j.last_end = clock_now();
    return ledger_job_put(lg, &j);
}

/* finish - outflow callback: after the guards, the snapshot's changed SKUs (every one when a
 * full refresh waits; and, from a complete one, the SKUs it left out, at 0) become message
 * rows; the table is emptied */
static int finish(void *arg, struct ledger *lg, long long file_id, const char *name, int ok,
                  char *code, size_t coden, char *reason, size_t reasonn)
{
    struct inventory_flow *f = arg;
    int rc = WB_OK;
    if (ok) {
        struct delta d = {.f = f, .lg = lg, .file_id = file_id};
        buf_init(&d.raw, 1024 * 1024);
        buf_init(&d.payload, 64);
        long held = 0;
        rc = ledger_rows_live(lg, f->of.flow, base_cb, &d.base);
        if (rc == WB_OK)
            rc = open_units(&d);
        if (rc == WB_OK)
            rc = guard(&d, name, code, coden, reason, reasonn);
        if (rc == WB_OK)
            rc = columns(&d);
        if (rc == WB_OK)
            rc = full_take(lg, f->of.flow, &d.full);
        if (rc == WB_OK)
            rc = inventory_publish(&f->rules, &f->stock, delta_cb, &d, &held);
        long gone = d.sent;
        if (rc == WB_OK && f->complete)
            rc = inventory_base_gone(&d.base, add_row, &d);
        gone = d.sent - gone;
        if (rc == WB_OK && f->snap_time)
            rc = ledger_file_set_snapshot(lg, file_id, f->snap_time);
        if (rc == WB_OK)
            log_info("file=%s flow=%s event=snapshot file_id=%lld changed=%ld unchanged=%ld "
                     "held=%ld gone=%ld",
                     name, f->of.flow, file_id, d.sent - gone, d.same, held, gone);
        inventory_base_free(&d.base);
        inventory_base_free(&d.open);
        inventory_base_free(&d.returned);
        buf_free(&d.raw);
        buf_free(&d.payload);
    }
    f->snap_time = 0;
    inventory_stock_free(&f->stock);
    int irc = inventory_stock_init(&f->stock);
    return rc != WB_OK ? rc : irc;
}

struct render {
    struct lfeedw *w;
    long messages;
    int rc;
    struct outflow_refusals *refused;
    struct buf *err;
};

/* render_cb - one queued row of the feed: one message, its id the one the ledger gave it */
static int render_cb(void *arg, const struct ledger_row_view *v)
{
    struct render *r = arg;
    char *end;
    long long q = strtoll(v->payload ? v->payload : "", &end, 10);
    if (!v->group_key || end == v->payload || *end) {
        buf_appendf(r->err, "row %lld: unreadable payload", v->id);
        return WB_INTERNAL;
    }
    long mid = 0;
    int rc = lfeedw_quantity(r->w, v->group_key, q, &mid);
    if (rc == WB_PERMFAIL)
        return outflow_refuse(r->refused, v->message_id, "the feed writer refuses this SKU");
    if (rc != WB_OK)
        return rc;
    if (mid != v->message_id) { /* numbering is the writer's: it must be the ledger's */
        buf_appendf(r->err, "row %lld: message %ld written as %ld", v->id, v->message_id, mid);
        return WB_INTERNAL;
    }
    r->messages++;
    return WB_OK;
}

/* render - outflow callback: the JSON_LISTINGS_FEED document of a feed */
static int render(void *arg, struct ledger *lg, long long feed_id, FILE *out, long *messages,
                  struct outflow_refusals *refused, struct buf *err)
{
    const struct inventory_flow *f = arg;
    struct render r = {.refused = refused, .err = err};
    int rc = lfeedw_open(&r.w, out, f->seller, LISTINGS_JSON_MAX_MESSAGES);
    if (rc != WB_OK)
        return rc;
    rc = ledger_rows_of_feed(lg, feed_id, render_cb, &r);
    int crc = lfeedw_close(r.w);
    if (rc == WB_OK)
        rc = crc;
    *messages = r.messages;
    return rc;
}

/* raise_alert - outflow alert hook over the environment's alert_raise */
static int raise_alert(void *arg, const char *kind, const char *item, const char *text)
{
    return alert_raise(arg, kind, item, text);
}

/* inventory_flow_open - flow table hook: the flow bound to the loaded layout and its maps */
int inventory_flow_open(const struct wb_env *env, void **inst, struct outflow **of, struct buf *err)
{
    *inst = NULL;
    *of = NULL;
    const struct wb_config *cfg = &env->cfg;
    if (!inventory_flow_on(cfg))
        return WB_OK; /* off: no pipeline, the job does nothing */
    struct inventory_flow *f = calloc(1, sizeof *f);
    if (!f)
        return WB_NOMEM;
    int rc = stockstates_load(cfg->stock_states_map, &f->states, err);
    if (rc == WB_OK && cfg->buffers_map && *cfg->buffers_map)
        rc = buffers_load(cfg->buffers_map, &f->buffers, err);
    const struct layout *l = flow_env_layout(env, flow_find("inventory"));
    if (rc == WB_OK)
        rc = inventory_rules_init(&f->rules, l, f->states, env->skus, f->buffers, err);
    if (rc == WB_OK)
        rc = inventory_stock_init(&f->stock);
    f->f_time = l ? layout_field_index(l, "snapshot_time") : -1;
    f->hold_percent = cfg->inventory_hold_percent;
    f->complete = l && layout_complete(l);
    if (rc != WB_OK) {
        stockstates_free(f->states);
        buffers_free(f->buffers);
        free(f);
        return rc;
    }
    size_t n;
    const char *const *req = inventory_required_fields(&n);
    f->of = (struct outflow){
        .flow = "inventory",
        .feed_type = "JSON_LISTINGS_FEED",
        .content_type = "application/json; charset=UTF-8",
        .priority = 1, /* after dispatch confirmations when quota is short */
        .layout = l,
        .required = req,
        .nrequired = n,
        .classify = classify,
        .render = render,
        .finish = finish,
        .max_group_rows = 1,
        .arg = f,
    };
    *inst = f;
    *of = &f->of;
    return WB_OK;
}

/* inventory_flow_run - flow table hook: intake, batch, submit (when online), settle */
int inventory_flow_run(void *inst, struct wb_env *env, struct feeds_client *fc, int force,
                       struct outflow_stats *st)
{
    struct inventory_flow *f = inst;
    if (!f) {
        log_debug("flow=inventory event=off text=\"stock_states_map is not set\"");
        return WB_OK;
    }
    struct outflow of = f->of;
    f->seller = of.account ? of.account->merchant_id : env->cfg.merchant_id;
    of.alert = raise_alert;
    of.alert_arg = env;
    int rc = of.full ? full_request(env->ledger, of.flow) : WB_OK;
    if (rc == WB_OK)
        rc = outflow_intake(&of, &env->cfg, &env->spool, env->ledger, st);
    int stopping = outflow_stopping(&of);
    if (rc == WB_OK && !stopping) {
        rc = outflow_build(&of, &env->cfg, &env->spool, env->ledger, NULL, force, st);
        if (rc == WB_OK)
            rc = feeds_handle_invalid(&of, env);
    }
    if (rc == WB_OK && !stopping)
        rc = sink_run(of.account ? of.account : &env->cfg.accounts[0], env, fc, &of, 0);
    int src = outflow_settle(&of, &env->spool, env->ledger, st);
    return rc != WB_OK ? rc : src;
}

/* inventory_flow_on - flow table hook: which states sell is never guessed, so the spool path
 * is on once stock_states_map names the map */
int inventory_flow_on(const struct wb_config *cfg)
{
    return cfg->stock_states_map && *cfg->stock_states_map;
}

/* inventory_flow_close - flow table hook: release what inventory_flow_open made */
void inventory_flow_close(void *inst)
{
    struct inventory_flow *f = inst;
    if (!f)
        return;
    inventory_stock_free(&f->stock);
    stockstates_free(f->states);
    buffers_free(f->buffers);
    free(f);
}
