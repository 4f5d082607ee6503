/*
 * dispatch_flow.c - the dispatch flow wired into the outbound pipeline:
 * row classification into ledger payloads, OrderFulfillment rendering from
 * the ledger, its confirmShipment form (the api sink's package hook), and the `dispatch` job
 * (intake, batch, hand to the sinks, settle).
 * Never exits; never reaches into another flow.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amazon/feed_xml.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/dispatch.h"
#include "flows/dispatch_convert.h"
#include "flows/dispatch_flow.h"
#include "flows/feeds.h"
#include "flows/flow.h"
#include "flows/sink.h"
#include "layout/layout.h"
#include "spool/ledger.h"

/* classify - outflow callback: a dispatch row into key, group and payload */
static int classify(void *arg, int read_rc, const struct csvr_row *row, struct outflow_verdict *v)
{
    const struct dispatch_rules *r = arg;
    struct dispatch_view view;
    struct dispatch_rec rec;
    int rc = dispatch_classify(r, read_rc, row, &view, v->code, sizeof v->code, v->reason,
                               sizeof v->reason);
    if (rc != WB_OK)
        return rc;
    dispatch_rec_from_view(&view, &rec);
    dispatch_key(&rec, v->key, sizeof v->key);
    dispatch_group_key(&rec, v->group, sizeof v->group);
    return dispatch_payload(&rec, &v->payload);
}

struct render {
    struct feedw *w;
    struct dispatch_rec recs[DISPATCH_MESSAGE_MAX_ITEMS];
    size_t n;
    long long feed_id;
    long msg;
    long messages;
    int rc;
    struct outflow_refusals *refused;
    struct buf *err;
};

/* render_flush - write the collected message; one the feed writer refuses for its content is
 * left out and noted (its rows are rejected, the feed's other messages go out) */
static int render_flush(struct render *r)
{
    if (!r->n)
        return WB_OK;
    int rc = dispatch_write_message(r->w, r->msg, r->recs, r->n);
    r->n = 0;
    if (rc == WB_PERMFAIL) {
        log_error("feed=%lld message=%ld order=%s event=message-refused error=\"%s\"", r->feed_id,
                  r->msg, r->recs[0].order_id, feedw_error(r->w));
        return outflow_refuse(r->refused, r->msg, feedw_error(r->w));
    }
    if (rc != WB_OK)
        buf_appendf(r->err, "message %ld: %s", r->msg, feedw_error(r->w));
    else
        r->messages++;
    return rc;
}

/* render_cb - one queued row of the feed, in message order */
static int render_cb(void *arg, const struct ledger_row_view *v)
{
    struct render *r = arg;
    if (r->n && v->message_id != r->msg) {
        int rc = render_flush(r);
        if (rc != WB_OK)
            return rc;
    } else if (r->n == WB_ARRAY_LEN(r->recs)) {
        /* outflow_build caps a message at max_group_rows: never split or merge silently */
        buf_appendf(r->err, "message %ld has more than %zu items", r->msg, r->n);
        return WB_INTERNAL;
    }
    r->msg = v->message_id;
    int rc = dispatch_from_payload(v->payload, &r->recs[r->n]);
    if (rc != WB_OK) {
        buf_appendf(r->err, "row %lld: unreadable payload", v->id);
        return rc;
    }
    r->n++;
    return WB_OK;
}

/* order_of - outflow callback: the Amazon order id of a queued row */
static void order_of(const char *payload, char *out, size_t n)
{
    struct dispatch_rec rec;
    if (n)
        out[0] = '\0';
    if (dispatch_from_payload(payload, &rec) == WB_OK)
        snprintf(out, n, "%s", rec.order_id);
}

/* package - outflow callback: the confirmShipment form of one message (its rows share order
 * and tracking): the same values the feed carries, CarrierName only with CarrierCode Other */
static int package(const char *const *payloads, size_t n, long long ref, char *order_id, size_t on,
                   struct buf *out, struct buf *err)
{
    struct dispatch_rec rec;
    char refs[24], when[32];
    json_t *items = json_array(), *pkg = NULL;
    int rc = items ? WB_OK : WB_NOMEM;
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        if (dispatch_from_payload(payloads[i], &rec) != WB_OK) {
            buf_appendf(err, "row %zu of the message: unreadable payload", i + 1);
            rc = WB_INTERNAL;
        } else if (json_array_append_new(items, json_pack("{s:s,s:I}", "orderItemId", rec.item_code,
                                                          "quantity", (json_int_t)rec.quantity)) !=
                   0) {
            rc = WB_NOMEM;
        }
    }
    if (rc == WB_OK && n == 0)
        rc = WB_INTERNAL;
    if (rc != WB_OK) {
        json_decref(items);
        return rc;
    }
    dispatch_from_payload(payloads[0], &rec);
    snprintf(refs, sizeof refs, "%lld", ref);
    clock_format_iso(rec.ship_time, when, sizeof when);
    pkg = json_pack("{s:s,s:s,s:s,s:s,s:o}", "packageReferenceId", refs, "carrierCode",
                    rec.carrier_code, "trackingNumber", rec.tracking, "shipDate", when,
                    "orderItems", items);
    if (pkg && strcmp(rec.carrier_code, "Other") == 0)
        json_object_set_new(pkg, "carrierName", json_string(rec.carrier_name));
    if (pkg && *rec.ship_method)
        json_object_set_new(pkg, "shippingMethod", json_string(rec.ship_method));
    char *text = pkg ? json_dumps(pkg, JSON_COMPACT) : NULL;
    json_decref(pkg);
    rc = text ? buf_appends(out, text) : WB_NOMEM;
    if (rc == WB_TOOBIG) {
        buf_appendf(err, "the package of order %s is larger than a request may be", rec.order_id);
        rc = WB_PERMFAIL;
    }
    free(text);
    snprintf(order_id, on, "%s", rec.order_id);
    return rc;
}

/* render - outflow callback: the OrderFulfillment document of a feed */
static int render(void *arg, struct ledger *lg, long long feed_id, FILE *out, long *messages,
                  struct outflow_refusals *refused, struct buf *err)
{
    const struct dispatch_flow *df = arg;
    struct render r = {.feed_id = feed_id, .refused = refused, .err = err};
    int rc = feedw_open(&r.w, out, "OrderFulfillment", df->merchant_id);
    if (rc != WB_OK)
        return rc;
    rc = ledger_rows_of_feed(lg, feed_id, render_cb, &r);
    if (rc == WB_OK)
        rc = render_flush(&r);
    int crc = feedw_close(r.w);
    if (rc == WB_OK)
        rc = crc;
    *messages = r.messages;
    return rc;
}

/* dispatch_flow_init - bind the dispatch flow to loaded maps and layout */
int dispatch_flow_init(struct dispatch_flow *df, const struct wb_env *env, struct buf *err)
{
    memset(df, 0, sizeof *df);
    const struct layout *l = flow_env_layout(env, flow_find("dispatch"));
    int rc = dispatch_rules_init(&df->rules, l, env->carriers, env->skus, &env->cfg, err);
    if (rc != WB_OK)
        return rc;
    df->rules.memo = &df->memo;
    df->merchant_id = env->cfg.merchant_id;
    size_t n;
    const char *const *req = dispatch_required_fields(&n);
    df->of = (struct outflow){
        .flow = "dispatch",
        .feed_type = "POST_ORDER_FULFILLMENT_DATA",
        .content_type = "text/xml; charset=UTF-8",
        .priority = 0,
        .layout = l,
        .required = req,
        .nrequired = n,
        .classify = classify,
        .render = render,
        .max_group_rows = DISPATCH_MESSAGE_MAX_ITEMS,
        .arg = &df->rules,
        .order_of = order_of,
        .package = package,
    };
    df->render_arg = df;
    return WB_OK;
}

/* raise_alert - outflow alert hook over the environment's alert_raise */
static int raise_alert(void *arg, const char *kind, const char *item, const char *text)
{
    return alert_raise_in(arg, kind, "", "dispatch", item, text);
}

/* dispatch_flow_run - the dispatch job: intake, batch, submit (when online), settle */
int dispatch_flow_run(struct dispatch_flow *df, struct wb_env *env, struct feeds_client *fc,
                      int force, struct outflow_stats *st)
{
    struct outflow of = df->of;
    /* the lane's seller: its feeds carry its MerchantIdentifier */
    df->merchant_id = of.account ? of.account->merchant_id : env->cfg.merchant_id;
    of.arg = &df->rules;
    of.alert = raise_alert;
    of.alert_arg = env;
    df->rules.now = clock_now();
    int rc = outflow_intake(&of, &env->cfg, &env->spool, env->ledger, st);
    int stopping = outflow_stopping(&of); /* the rest waits for the next run */
    if (rc == WB_OK && !stopping) {
        struct outflow ofr = of;
        ofr.arg = df;
        ofr.classify = NULL;
        rc = outflow_build(&ofr, &env->cfg, &env->spool, env->ledger, env->xsd, force, st);
        if (rc == WB_OK)
            rc = feeds_handle_invalid(&of, env);
    }
    if (rc == WB_OK && !stopping)
        rc = sink_run(of.account ? of.account : &env->cfg.accounts[0], env, fc, &of, 0);
    int src = outflow_settle(&of, &env->spool, env->ledger, st);
    return rc != WB_OK ? rc : src;
}

/* dispatch_flow_open - flow table hook: a bound dispatch flow on the heap */
int dispatch_flow_open(const struct wb_env *env, void **inst, struct outflow **of, struct buf *err)
{
    struct dispatch_flow *df = malloc(sizeof *df);
    *inst = NULL;
    *of = NULL;
    if (!df)
        return WB_NOMEM;
    int rc = dispatch_flow_init(df, env, err);
    if (rc != WB_OK) {
        free(df);
        return rc;
    }
    *inst = df;
    *of = &df->of;
    return WB_OK;
}

/* dispatch_flow_run_inst - flow table hook over dispatch_flow_run */
int dispatch_flow_run_inst(void *inst, struct wb_env *env, struct feeds_client *fc, int force,
                           struct outflow_stats *st)
{
    return dispatch_flow_run(inst, env, fc, force, st);
}

/* dispatch_flow_close - flow table hook: release what dispatch_flow_open made */
void dispatch_flow_close(void *inst)
{
    free(inst);
}

/* dispatch_flow_convert_check - flow table hook: the layout and maps fit the dispatch rules */
int dispatch_flow_convert_check(const struct flow_convert_args *a, struct buf *err)
{
    struct dispatch_rules rules;
    if (!a->carriers) {
        buf_appendf(err, "wmsbridge convert dispatch: --carriers is required\n");
        return WB_CONFIG;
    }
    return dispatch_rules_init(&rules, a->layout, a->carriers, a->skus, NULL, err);
}

/* dispatch_flow_convert - flow table hook: `convert dispatch` */
int dispatch_flow_convert(const struct flow_convert_args *a, FILE *in, FILE *out, FILE *rej,
                          struct flow_convert_stats *st, struct buf *lines, struct buf *err)
{
    struct dispatch_rules rules;
    struct dispatch_convert_stats ds = {0};
    *st = (struct flow_convert_stats){0};
    int rc = dispatch_rules_init(&rules, a->layout, a->carriers, a->skus, NULL, err);
    if (rc != WB_OK)
        return rc;
    rc = dispatch_convert(&rules, in, out, rej, a->merchant, &ds, lines, err);
    *st = (struct flow_convert_stats){ds.rows, ds.good, ds.rejected, ds.messages};
    return rc;
}
