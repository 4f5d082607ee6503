/*
 * receipts_flow.c - the returns receipts: the WMS's file of the returned units it received,
 * dropped in in/returns/ (in/ACCOUNT/returns/: the row's in_name, beside the expected returns
 * the rma flow writes to out/returns/), taken through the shared intake (outflow_intake: claim,
 * content digest, ledger file record, reject/returns/ with a reason per line, done/).
 *
 * A line (RMA id, WMS SKU, quantity, disposition, received time; order id optional) is matched
 * to the expected returns the returns reports gave (ledger_expected_return: RMA and WMS SKU):
 *   an RMA the account never expected, or one without that SKU or of another order: E_RETURNS_RMA
 *   more units than expected, with the receipts recorded before and the file's earlier lines:
 *     E_RETURNS_OVER (expected vs received in the reason)
 *   a disposition the dispositions map does not list: E_RETURNS_DISPOSITION
 *   a malformed line: E_RETURNS_RECEIPT, E_QUANTITY
 * Matched lines are recorded (ledger_receipt_put, keyed by file record and line: read again,
 * nothing is recorded twice) in the transaction of the file's rows; the disposition says whether
 * the units count again as sellable stock (inventory_flow.c adds those received after a
 * snapshot's time). Nothing goes to Amazon. Owns its job's hooks; returns WB_* codes; never
 * exits; never writes a spool file itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "flows/outflow.h"
#include "flows/receipts_flow.h"
#include "layout/layout.h"
#include "maps/skus.h"
#include "maps/stockstates.h"
#include "spool/ledger.h"

#define FLOW "receipts"
#define ID_MAX 64 /* longer is no Amazon order or RMA id */
#define QTY_MAX 9999

const char *const receipts_required[] = {"rma_id",      "sku",           "quantity",
                                         "disposition", "received_time", NULL};
const char *const receipts_optional[] = {"order_id", NULL};

/* the dispositions when returns_dispositions_map is not set: only `sellable` sells again */
static const char builtin_dispositions[] = "sellable sellable\nrefurbish unsellable\n"
                                           "damaged unsellable\nscrap unsellable\n";

/* a matched line, recorded by finish once the file's record id is known */
struct match {
    long lineno;
    char rma[ID_MAX + 1], order[ID_MAX + 1];
    char wms[SKUS_WMS_MAX * 4 + 1], seller[SKUS_SELLER_MAX * 4 + 1];
    char disp[STOCKSTATES_NAME_MAX * 4 + 1];
    long qty;
    int sellable;
    time_t received;
};

struct receipts_flow {
    struct outflow of;
    const struct wb_env *env;
    struct stockstates *disp;
    int f_rma, f_order, f_sku, f_qty, f_disp, f_time;
    struct ledger *lg;   /* the run's ledger */
    const char *account; /* the lane's account, "" for the default one */
    struct match *m;     /* the file's matched lines so far */
    size_t nm, cap;
};

/* id_ok - 1 if s can be an order or RMA id: 1..ID_MAX printable ASCII, no separator */
static int id_ok(const char *s)
{
    size_t n = strlen(s);
    return n && n <= ID_MAX && str_ascii_range(s, n, 0x21) && !strpbrk(s, "/|,\"");
}

/* sku_ok - 1 if the n bytes at s can be a WMS SKU: 1..SKUS_WMS_MAX bytes of UTF-8 without
 * control characters */
static int sku_ok(const char *s, size_t n)
{
    if (!n || n > SKUS_WMS_MAX || !str_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* verdict - a refused line: code and reason */
static int verdict(struct outflow_verdict *v, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int verdict(struct outflow_verdict *v, const char *code, const char *fmt, ...)
{
    va_list ap;
    snprintf(v->code, sizeof v->code, "%s", code);
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
    return WB_PERMFAIL;
}

/* file_units - units of rma and wms the file's earlier matched lines took */
static long long file_units(const struct receipts_flow *f, const char *rma, const char *wms)
{
    long long n = 0;
    for (size_t i = 0; i < f->nm; i++)
        if (!strcmp(f->m[i].rma, rma) && !strcmp(f->m[i].wms, wms))
            n += f->m[i].qty;
    return n;
}

/* keep - a matched line for finish */
static int keep(struct receipts_flow *f, const struct match *m)
{
    if (f->nm == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        void *p = realloc(f->m, cap * sizeof *f->m);
        if (!p)
            return WB_NOMEM;
        f->m = p;
        f->cap = cap;
    }
    f->m[f->nm++] = *m;
    return WB_OK;
}

/* classify - outflow callback: a receipt line matched (kept for finish) or refused */
static int classify(void *arg, int read_rc, const struct csvr_row *row, struct outflow_verdict *v)
{
    struct receipts_flow *f = arg;
    if (read_rc == WB_PERMFAIL)
        return verdict(v, row->error_code ? row->error_code : "E_ROW", "%s",
                       row->error_text ? row->error_text : "unreadable row");
    const char *rma = csvr_field(row, f->f_rma), *wms = csvr_field(row, f->f_sku);
    const char *qty = csvr_field(row, f->f_qty), *disp = csvr_field(row, f->f_disp);
    const char *when = csvr_field(row, f->f_time);
    const char *order = f->f_order >= 0 ? csvr_field(row, f->f_order) : "";
    struct match m = {.lineno = row->lineno};
    size_t wn = strlen(wms);
    if (!id_ok(rma) || (*order && !id_ok(order)))
        return verdict(v, "E_RETURNS_RECEIPT", "the RMA id or order id is empty or not an id");
    if (!sku_ok(wms, wn))
        return verdict(v, "E_RETURNS_RECEIPT", "the WMS SKU is empty or not a SKU");
    if (str_to_long(qty, 1, QTY_MAX, &m.qty) != WB_OK)
        return verdict(v, "E_QUANTITY", "quantity '%.40s' is not a whole number from 1 to %d", qty,
                       QTY_MAX);
    if (layout_parse_time(f->of.layout, when, &m.received) != WB_OK)
        return verdict(v, "E_RETURNS_RECEIPT",
                       "received time '%.60s' is not a date and time in the layout's format", when);
    enum stockstate cls = stockstates_lookup(f->disp, disp, strlen(disp));
    if (cls == STOCK_UNKNOWN) {
        const char *near = stockstates_nearest(f->disp, disp);
        return verdict(v, "E_RETURNS_DISPOSITION",
                       "disposition '%.60s' is not in the dispositions map%s%s%s", disp,
                       near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    }
    struct ledger_expected e;
    int rc = ledger_expected_return(f->lg, f->account, rma, wms, &e);
    if (rc != WB_OK) /* the intake takes any other answer as a refusal: say why */
        return verdict(v, "E_UNKNOWN", "the ledger could not be read (%s): requeue the file",
                       wb_status_str(rc));
    if (!e.rma_known)
        return verdict(v, "E_RETURNS_RMA",
                       "RMA %s is no expected return of this seller account (no returns report "
                       "named it)",
                       rma);
    if (!e.sku_known)
        return verdict(v, "E_RETURNS_RMA", "RMA %s (order %s) expects no units of WMS SKU %s", rma,
                       e.order_id, wms);
    if (*order && strcmp(order, e.order_id) != 0)
        return verdict(v, "E_RETURNS_RMA", "RMA %s is of order %s, the receipt names order %s", rma,
                       e.order_id, order);
    long long before = e.received + file_units(f, rma, wms);
    if (before + m.qty > e.expected)
        return verdict(v, "E_RETURNS_OVER",
                       "RMA %s expects %lld unit(s) of %s, received %lld before and %ld now: "
                       "%lld over",
                       rma, e.expected, wms, before, m.qty, before + m.qty - e.expected);
    const char *seller = skus_lookup(f->env->skus, wms); /* what inventory publishes for it */
    str_copy(m.rma, sizeof m.rma, rma);
    str_copy(m.order, sizeof m.order, e.order_id);
    str_copy(m.wms, sizeof m.wms, wms);
    str_copy(m.seller, sizeof m.seller, seller ? seller : "");
    if (str_copy(m.disp, sizeof m.disp, disp) != WB_OK)
        return verdict(v, "E_RETURNS_DISPOSITION", "disposition is too long");
    m.sellable = cls == STOCK_SELLABLE;
    if (keep(f, &m) != WB_OK)
        return verdict(v, "E_UNKNOWN", "out of memory: requeue the file");
    return WB_OK;
}

/* finish - outflow callback: the file's matched lines recorded (ok 0: forgotten) */
static int finish(void *arg, struct ledger *lg, long long file_id, const char *name, int ok,
                  char *code, size_t coden, char *reason, size_t reasonn)
{
    (void)code, (void)coden, (void)reason, (void)reasonn;
    struct receipts_flow *f = arg;
    int rc = WB_OK;
    long sellable = 0;
    for (size_t i = 0; ok && rc == WB_OK && i < f->nm; i++) {
        const struct match *m = &f->m[i];
        struct ledger_receipt r = {.account = f->account,
                                   .file_id = file_id,
                                   .lineno = m->lineno,
                                   .rma = m->rma,
                                   .order_id = m->order,
                                   .sku = m->seller,
                                   .qty = m->qty,
                                   .disposition = m->disp,
                                   .sellable = m->sellable,
                                   .received = m->received,
                                   .wms_sku = m->wms};
        rc = ledger_receipt_put(lg, &r);
        sellable += m->sellable ? m->qty : 0;
    }
    if (ok && rc == WB_OK)
        log_info("file=%s flow=%s event=receipts matched=%zu sellable_units=%ld", name, f->of.flow,
                 f->nm, sellable);
    f->nm = 0;
    return rc;
}

/* raise_alert - outflow alert hook over the environment's alert_raise */
static int raise_alert(void *arg, const char *kind, const char *item, const char *text)
{
    return alert_raise(arg, kind, item, text);
}

/* receipts_flow_open - flow table hook: the flow bound to its layout and dispositions */
int receipts_flow_open(const struct wb_env *env, void **inst, struct outflow **of, struct buf *err)
{
    *inst = NULL;
    *of = NULL;
    const struct layout *l = flow_env_layout(env, flow_find(FLOW));
    if (!l) {
        buf_appendf(err, "flow " FLOW ": no layout loaded");
        return WB_CONFIG;
    }
    struct receipts_flow *f = calloc(1, sizeof *f);
    if (!f)
        return WB_NOMEM;
    const char *map = env->cfg.returns_dispositions_map;
    int rc = map && *map ? stockstates_load(map, &f->disp, err)
                         : stockstates_parse_text("built-in dispositions", builtin_dispositions,
                                                  sizeof builtin_dispositions - 1, &f->disp, err);
    if (rc != WB_OK) {
        free(f);
        return rc;
    }
    f->env = env;
    f->f_rma = layout_field_index(l, "rma_id");
    f->f_order = layout_field_index(l, "order_id");
    f->f_sku = layout_field_index(l, "sku");
    f->f_qty = layout_field_index(l, "quantity");
    f->f_disp = layout_field_index(l, "disposition");
    f->f_time = layout_field_index(l, "received_time");
    f->of = (struct outflow){
        .flow = FLOW,
        .layout = l,
        .required = receipts_required,
        .nrequired = WB_ARRAY_LEN(receipts_required) - 1,
        .classify = classify,
        .finish = finish,
        .arg = f,
    };
    *inst = f;
    *of = &f->of;
    return WB_OK;
}

/* receipts_flow_run - flow table hook: intake, then settle (the file's lines are all decided at
 * intake, so it moves to done/ at once) */
int receipts_flow_run(void *inst, struct wb_env *env, struct feeds_client *fc, int force,
                      struct outflow_stats *st)
{
    (void)fc, (void)force;
    struct receipts_flow *f = inst;
    struct outflow of = f->of;
    f->lg = env->ledger;
    f->account = !of.account || of.account == &env->cfg.accounts[0] ? "" : of.account->name;
    of.alert = raise_alert;
    of.alert_arg = env;
    int rc = outflow_intake(&of, &env->cfg, &env->spool, env->ledger, st);
    int src = outflow_settle(&of, &env->spool, env->ledger, st);
    return rc != WB_OK ? rc : src;
}

/* receipts_flow_close - flow table hook: release what receipts_flow_open made */
void receipts_flow_close(void *inst)
{
    struct receipts_flow *f = inst;
    if (!f)
        return;
    stockstates_free(f->disp);
    free(f->m);
    free(f);
}
