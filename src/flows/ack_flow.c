/*
 * ack_flow.c - the ack and cancel flows (see ack_flow.h): row classification into ledger
 * payloads, the WMS reason -> CancelReason map, OrderAcknowledgement rendering from the
 * ledger and the job over the shared outbound pipeline (intake, batch, submit, settle).
 * Never exits; never reaches into another flow.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amazon/amazon_ids.h"
#include "amazon/feed_xml.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/wb.h"
#include "flows/ack_flow.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/flow.h"
#include "flows/outflow.h"
#include "flows/sink.h"
#include "layout/layout.h"
#include "spool/ledger.h"

const char *const ack_required[] = {"order_id", NULL};
const char *const ack_optional[] = {NULL};
const char *const cancel_required[] = {"order_id", "reason", NULL};
const char *const cancel_optional[] = {"order_item_id", NULL};

/* WMS words for a cancel reason beside Amazon's own values (compared without case, spaces,
 * '-' and '_') */
static const struct {
    const char *wms, *amazon;
} reason_map[] = {
    {"outofstock", "NoInventory"},
    {"nostock", "NoInventory"},
    {"damaged", "NoInventory"},
    {"addressundeliverable", "ShippingAddressUndeliverable"},
    {"badaddress", "ShippingAddressUndeliverable"},
    {"buyerrequest", "BuyerCanceled"},
    {"customerrequest", "BuyerCanceled"},
    {"priceerror", "PricingError"},
};

/* squash - s's letters and digits in lower case into out; 0 if it does not fit */
static int squash(const char *s, size_t n, char *out, size_t on)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '-' || c == '_')
            continue;
        if (!isalnum(c) || k + 1 >= on)
            return 0;
        out[k++] = (char)tolower(c);
    }
    out[k] = '\0';
    return k > 0;
}

/* ack_cancel_reason - Amazon's CancelReason for a WMS reason */
const char *ack_cancel_reason(const char *wms, size_t n)
{
    char key[48], am[48];
    if (!squash(wms, n, key, sizeof key))
        return NULL;
    const char *r;
    for (size_t i = 0; (r = feed_cancel_reason_at(i)) != NULL; i++)
        if (squash(r, strlen(r), am, sizeof am) && strcmp(am, key) == 0)
            return r;
    for (size_t i = 0; i < WB_ARRAY_LEN(reason_map); i++)
        if (strcmp(reason_map[i].wms, key) == 0)
            return reason_map[i].amazon;
    return NULL;
}

/* ack_payload - "S|order|item|reason" */
int ack_payload(const struct ack_rec *rec, struct buf *out)
{
    buf_reset(out);
    return buf_appendf(out, "%c|%s|%s|%s", rec->status, rec->order_id, rec->item_code, rec->reason);
}

/* field - the text up to '|' or the end into out; the rest after it */
static const char *field(const char *p, char *out, size_t n, int *ok)
{
    size_t len = strcspn(p, "|");
    if (len >= n)
        *ok = 0;
    else
        memcpy(out, p, len), out[len] = '\0';
    return p[len] ? p + len + 1 : p + len;
}

/* ack_from_payload - rec back from its payload */
int ack_from_payload(const char *payload, struct ack_rec *rec)
{
    int ok = 1;
    memset(rec, 0, sizeof *rec);
    if (!payload || (payload[0] != 'S' && payload[0] != 'F') || payload[1] != '|')
        return WB_BADARG;
    rec->status = payload[0];
    const char *p = field(payload + 2, rec->order_id, sizeof rec->order_id, &ok);
    p = field(p, rec->item_code, sizeof rec->item_code, &ok);
    p = field(p, rec->reason, sizeof rec->reason, &ok);
    return ok && !*p && *rec->order_id ? WB_OK : WB_BADARG;
}

/* ack_write_message - one OrderAcknowledgement for rows of one order: Success for the order,
 * or Failure with an Item for each cancelled line (none: the whole order) */
int ack_write_message(struct feedw *w, long message_id, const struct ack_rec *recs, size_t n)
{
    struct ack_item items[ACK_MESSAGE_MAX_ITEMS];
    size_t k = 0;
    if (!n || n > ACK_MESSAGE_MAX_ITEMS)
        return WB_BADARG;
    for (size_t i = 0; i < n; i++)
        if (*recs[i].item_code)
            items[k++] =
                (struct ack_item){recs[i].item_code, *recs[i].reason ? recs[i].reason : NULL};
    struct ack_msg m = {
        .message_id = message_id,
        .amazon_order_id = recs[0].order_id,
        .status = recs[0].status == 'S' ? "Success" : "Failure",
        .items = k ? items : NULL,
        .nitems = k,
    };
    return feedw_ack(w, &m);
}

struct ack_rules {
    int cancel; /* 1: a cancellation file (Failure), 0: the orders flow's ack file */
    int f_order, f_item, f_reason;
};

struct ack_flow {
    struct ack_rules rules;
    struct outflow of;
    const char *merchant_id;
    const char *name;   /* the flow's row: ack or cancel */
    struct wb_env *env; /* while a run lasts, for its alerts */
};

/* reject - a refused row's code and reason */
static int reject(struct outflow_verdict *v, const char *code, const char *fmt, const char *val)
{
    snprintf(v->code, sizeof v->code, "%s", code);
    snprintf(v->reason, sizeof v->reason, fmt, val);
    return WB_PERMFAIL;
}

/* shown - a value for a reason: cut and printable */
static const char *shown(const char *s, size_t n, char *out, size_t on)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < on; i++)
        out[k++] = isprint((unsigned char)s[i]) ? s[i] : '?';
    out[k] = '\0';
    return out;
}

/* classify - outflow callback: a row into key, group and payload */
static int classify(void *arg, int read_rc, const struct csvr_row *row, struct outflow_verdict *v)
{
    const struct ack_rules *r = arg;
    struct ack_rec rec = {.status = r->cancel ? 'F' : 'S'};
    size_t lo, li, lr;
    char t[64];
    if (read_rc == WB_PERMFAIL) /* the reader's own code (E_ENCODING, E_COLUMNS ...) */
        return reject(v, row->error_code ? row->error_code : "E_ROW", "%s",
                      row->error_text ? row->error_text : "unreadable row");
    const char *order = csvr_field_n(row, r->f_order, &lo);
    const char *item = csvr_field_n(row, r->f_item, &li);
    const char *why = csvr_field_n(row, r->f_reason, &lr);
    if (!amazon_order_id_ok(order, lo))
        return reject(v, "E_ORDER_ID",
                      "order id '%s' is not an Amazon order id (3-7-7 digits, e.g. "
                      "026-1234567-1234567)",
                      shown(order, lo, t, sizeof t));
    if (li && !amazon_item_code_ok(item, li))
        return reject(v, "E_ITEM_ID",
                      "order item code '%s' is not Amazon's 14-digit order item code",
                      shown(item, li, t, sizeof t));
    memcpy(rec.order_id, order, lo);
    memcpy(rec.item_code, item, li);
    if (r->cancel) {
        const char *am = ack_cancel_reason(why, lr);
        if (!am)
            return reject(v, "E_CANCEL_REASON",
                          "cancel reason '%s' is not one Amazon accepts (NoInventory, "
                          "ShippingAddressUndeliverable, CustomerExchange, BuyerCanceled, "
                          "GeneralAdjustment, PricingError ... or out of stock, damaged, bad "
                          "address, buyer request)",
                          shown(why, lr, t, sizeof t));
        snprintf(rec.reason, sizeof rec.reason, "%s", am);
    }
    snprintf(v->key, sizeof v->key, "%s|%s", rec.order_id, rec.item_code);
    snprintf(v->group, sizeof v->group, "%s", rec.order_id);
    return ack_payload(&rec, &v->payload);
}

struct render {
    struct feedw *w;
    struct ack_rec recs[ACK_MESSAGE_MAX_ITEMS];
    size_t n;
    long long feed_id;
    long msg, messages;
    struct outflow_refusals *refused;
    struct buf *err;
};

/* render_flush - write the collected message; one the writer refuses is left out and noted */
static int render_flush(struct render *r)
{
    if (!r->n)
        return WB_OK;
    int rc = ack_write_message(r->w, r->msg, r->recs, r->n);
    r->n = 0;
    if (rc == WB_PERMFAIL || rc == WB_BADARG) {
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
        buf_appendf(r->err, "message %ld has more than %zu items", r->msg, r->n);
        return WB_INTERNAL;
    }
    r->msg = v->message_id;
    if (ack_from_payload(v->payload, &r->recs[r->n]) != WB_OK) {
        buf_appendf(r->err, "row %lld: unreadable payload", v->id);
        return WB_INTERNAL;
    }
    r->n++;
    return WB_OK;
}

/* render - outflow callback: the OrderAcknowledgement document of a feed */
static int render(void *arg, struct ledger *lg, long long feed_id, FILE *out, long *messages,
                  struct outflow_refusals *refused, struct buf *err)
{
    const struct ack_flow *af = arg;
    struct render r = {.feed_id = feed_id, .refused = refused, .err = err};
    int rc = feedw_open(&r.w, out, "OrderAcknowledgement", af->merchant_id);
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

/* order_of - outflow callback: the Amazon order id of a queued row */
static void order_of(const char *payload, char *out, size_t n)
{
    struct ack_rec rec;
    if (n)
        out[0] = '\0';
    if (ack_from_payload(payload, &rec) == WB_OK)
        snprintf(out, n, "%s", rec.order_id);
}

/* open - bind the ack or cancel flow to the loaded environment */
static int open_flow(const struct wb_env *env, const char *name, int cancel, void **inst,
                     struct outflow **of, struct buf *err)
{
    const struct flow_def *fd = flow_find(name);
    const struct layout *l = flow_env_layout(env, fd);
    *inst = NULL;
    *of = NULL;
    if (!l) {
        buf_appendf(err, "flow %s: no layout loaded\n", name);
        return WB_CONFIG;
    }
    struct ack_flow *af = calloc(1, sizeof *af);
    if (!af)
        return WB_NOMEM;
    af->rules = (struct ack_rules){
        .cancel = cancel,
        .f_order = layout_field_index(l, "order_id"),
        .f_item = layout_field_index(l, "order_item_id"),
        .f_reason = layout_field_index(l, "reason"),
    };
    size_t nreq = 0;
    while (fd->required[nreq])
        nreq++;
    af->merchant_id = env->cfg.merchant_id;
    af->name = fd->name;
    af->of = (struct outflow){
        .flow = fd->name,
        .feed_type = "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        .content_type = "text/xml; charset=UTF-8",
        .priority = 1,
        .layout = l,
        .required = fd->required,
        .nrequired = nreq,
        .classify = classify,
        .render = render,
        .max_group_rows = ACK_MESSAGE_MAX_ITEMS,
        .arg = &af->rules,
        .order_of = order_of,
    };
    *inst = af;
    *of = &af->of;
    return WB_OK;
}

/* ack_flow_open_ack - flow table hook of the ack row */
int ack_flow_open_ack(const struct wb_env *env, void **inst, struct outflow **of, struct buf *err)
{
    return open_flow(env, "ack", 0, inst, of, err);
}

/* ack_flow_open_cancel - flow table hook of the cancel row */
int ack_flow_open_cancel(const struct wb_env *env, void **inst, struct outflow **of,
                         struct buf *err)
{
    return open_flow(env, "cancel", 1, inst, of, err);
}

/* raise_alert - outflow alert hook over the environment's alert_raise, under the flow's name */
static int raise_alert(void *arg, const char *kind, const char *item, const char *text)
{
    const struct ack_flow *af = arg;
    return alert_raise_in(af->env, kind, "", af->name, item, text);
}

/* ack_flow_run - the job of a lane: intake, batch, submit (when online), settle */
int ack_flow_run(void *inst, struct wb_env *env, struct feeds_client *fc, int force,
                 struct outflow_stats *st)
{
    struct ack_flow *af = inst;
    struct outflow of = af->of;
    af->merchant_id = of.account ? of.account->merchant_id : env->cfg.merchant_id;
    af->env = env;
    of.alert = raise_alert;
    of.alert_arg = af;
    int rc = outflow_intake(&of, &env->cfg, &env->spool, env->ledger, st);
    int stopping = outflow_stopping(&of);
    if (rc == WB_OK && !stopping) {
        struct outflow ofr = of;
        ofr.arg = af;
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

/* ack_flow_close - release what an open hook made */
void ack_flow_close(void *inst)
{
    free(inst);
}
