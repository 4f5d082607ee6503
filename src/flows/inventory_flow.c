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

#include "amazon/listings_json.h"
#include "core/log.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "core/conf.h"
#include "flows/env.h"
#include "flows/cells.h"
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
    size_t ncells; /* cells of the snapshot's rows (for a refused message's reject row) */
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
    f->ncells = row->ncells;
    return inventory_row(&f->rules, &f->stock, row, v->code, sizeof v->code, v->reason,
                         sizeof v->reason);
}

/* base_cb - the newest live row of each seller SKU of the lane */
static int base_cb(void *arg, const struct ledger_row_view *r)
{
    char *end;
    long long q = strtoll(r->payload ? r->payload : "", &end, 10);
    if (!r->group_key || !*r->group_key || end == r->payload || *end)
        return WB_OK; /* not a message row */
    return inventory_base_put(arg, r->group_key, q);
}

struct delta {
    struct inventory_flow *f;
    struct ledger *lg;
    struct inventory_base base;
    long long file_id;
    struct buf raw, payload;
    long sent, same;
};

/* delta_cb - a seller SKU of the snapshot: a pending message row when its quantity changed */
static int delta_cb(void *arg, const char *seller, long long qty)
{
    struct delta *d = arg;
    if (!inventory_base_changed(&d->base, seller, qty)) {
        d->same++;
        return WB_OK;
    }
    /* the row a refusal writes back: the seller SKU and the quantity in the layout's columns */
    const char *cells[64] = {0};
    char q[24], key[300];
    size_t n = d->f->ncells < WB_ARRAY_LEN(cells) ? d->f->ncells : WB_ARRAY_LEN(cells);
    for (size_t i = 0; i < n; i++)
        cells[i] = "";
    snprintf(q, sizeof q, "%lld", qty);
    if (d->f->rules.f_sku >= 0 && (size_t)d->f->rules.f_sku < n)
        cells[d->f->rules.f_sku] = seller;
    if (d->f->rules.f_quantity >= 0 && (size_t)d->f->rules.f_quantity < n)
        cells[d->f->rules.f_quantity] = q;
    buf_reset(&d->raw);
    buf_reset(&d->payload);
    int rc = cells_encode(cells, n, &d->raw);
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

/* finish - outflow callback: the snapshot's changed SKUs become message rows; the table is
 * emptied for the next file */
static int finish(void *arg, struct ledger *lg, struct spool *sp, long long file_id,
                  const char *name, int ok)
{
    (void)sp;
    struct inventory_flow *f = arg;
    int rc = WB_OK;
    if (ok) {
        struct delta d = {.f = f, .lg = lg, .file_id = file_id};
        buf_init(&d.raw, 64 * 1024);
        buf_init(&d.payload, 64);
        long held = 0;
        rc = ledger_rows_live(lg, f->of.flow, base_cb, &d.base);
        if (rc == WB_OK)
            rc = inventory_publish(&f->rules, &f->stock, delta_cb, &d, &held);
        if (rc == WB_OK)
            log_info("file=%s flow=%s event=snapshot file_id=%lld changed=%ld unchanged=%ld "
                     "held=%ld",
                     name, f->of.flow, file_id, d.sent, d.same, held);
        inventory_base_free(&d.base);
        buf_free(&d.raw);
        buf_free(&d.payload);
    }
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
    int rc = outflow_intake(&of, &env->cfg, &env->spool, env->ledger, st);
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
