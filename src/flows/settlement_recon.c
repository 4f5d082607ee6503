/*
 * settlement_recon.c - a settlement reconciled against the ledger (see
 * settlement_recon.h): its payments per order summed while it is read,
 * recorded with its findings in one ledger transaction, the findings written
 * as reconcile-ID.csv; and the settlement drift and refund latency figures.
 *
 * Owns the per-order sums of one settlement (at most RECON_ORDERS_MAX orders:
 * beyond, a row says the reconciliation is incomplete and no order is called
 * unpaid). Amounts stay int64_t minor units. Returns WB_* codes; never exits;
 * never touches the spool beyond its one file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/fsutil.h"
#include "core/wb.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "flows/health.h"
#include "flows/settlement_recon.h"
#include "layout/layout.h"
#include "maps/strmap.h"
#include "spool/ledger.h"

#define DISPATCH "dispatch"                  /* the flow whose confirmed rows are dispatches */
#define RECON_ORDERS_MAX ((size_t)1 << 20)   /* orders reconciled per settlement */
#define RECON_FINDINGS_MAX ((size_t)1 << 21) /* findings written per settlement */
#define LATENCIES_MAX ((size_t)1 << 20)      /* refunds a latency figure sorts */
#define ORDER_ID_MAX 40 /* longer is no Amazon order id (3-7-7 digits): not reconciled */

/* what one settlement paid (LP_ORDER) and refunded (LP_REFUND) for one order */
struct order_sum {
    int64_t amount[LP_REFUND + 1];
    time_t posted[LP_REFUND + 1]; /* the first posting */
    unsigned char has[LP_REFUND + 1];
};

struct settlement_recon {
    struct strmap *orders; /* order id -> struct order_sum */
    int full;              /* more than RECON_ORDERS_MAX orders: the rest are not reconciled */
    struct buf *err;
};

struct finding {
    char *order; /* the finding's own copy */
    int kind;    /* ledger_finding_kind, 0: the reconciliation is incomplete */
    int has_amount;
    int64_t amount;
    char text[128];
};

struct findings {
    struct finding *v;
    size_t n, cap;
    int full;
};

static const char *const kind_names[LP_FINDINGS] = {"incomplete", "paid-not-dispatched",
                                                    "dispatched-not-paid", "refund-without-return"};

/* settlement_recon_new - an empty reconciliation */
struct settlement_recon *settlement_recon_new(struct buf *err)
{
    struct settlement_recon *p = calloc(1, sizeof *p);
    if (p && !(p->orders = strmap_new(1024))) {
        free(p);
        p = NULL;
    }
    if (p)
        p->err = err;
    return p;
}

/* settlement_recon_free - the sums and the table */
void settlement_recon_free(struct settlement_recon *p)
{
    if (!p)
        return;
    size_t pos = 0;
    const char *k;
    void *v;
    while (strmap_next(p->orders, &pos, &k, &v))
        free(v);
    strmap_free(p->orders);
    free(p);
}

/* order_id_ok - 1 for an order id of digits and dashes beginning with a digit, at most
 * ORDER_ID_MAX bytes (Amazon's are 3-7-7 digits): nothing a spreadsheet reads as a formula */
static int order_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > ORDER_ID_MAX || id[0] < '0' || id[0] > '9')
        return 0;
    return strspn(id, "0123456789-") == n;
}

/* settlement_recon_row - sum each merchant-fulfilled Order and Refund row by order */
int settlement_recon_row(void *ctx, const struct settlement_row *r)
{
    struct settlement_recon *p = ctx;
    int kind = !strcmp(r->type, "Order") ? LP_ORDER : !strcmp(r->type, "Refund") ? LP_REFUND : 0;
    if (!kind || strcmp(r->fulfillment, "MFN") != 0 || !order_id_ok(r->order_id))
        return WB_OK;
    struct order_sum *o = strmap_get(p->orders, r->order_id);
    if (!o) {
        if (strmap_count(p->orders) >= RECON_ORDERS_MAX) {
            p->full = 1;
            return WB_OK;
        }
        if (!(o = calloc(1, sizeof *o)))
            return WB_NOMEM;
        int rc = strmap_put(p->orders, r->order_id, o, NULL);
        if (rc != WB_OK) {
            free(o);
            return rc;
        }
    }
    if (__builtin_add_overflow(o->amount[kind], r->amount, &o->amount[kind])) {
        buf_appendf(p->err, "line %ld: the amounts of order %s leave the range of amounts",
                    r->lineno, r->order_id);
        return WB_PERMFAIL;
    }
    if (r->posted_at && (!o->posted[kind] || r->posted_at < o->posted[kind]))
        o->posted[kind] = r->posted_at;
    o->has[kind] = 1;
    return WB_OK;
}

/* finding_add - one finding (the order copied); past RECON_FINDINGS_MAX only counted as full
 * (the one row saying so, kind 0, still goes in) */
static int finding_add(struct findings *f, const char *order, int kind, int has_amount,
                       int64_t amount, const char *text)
{
    if (kind && f->n >= RECON_FINDINGS_MAX) {
        f->full = 1;
        return WB_OK;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        struct finding *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return WB_NOMEM;
        f->v = v;
        f->cap = cap;
    }
    struct finding *x = &f->v[f->n];
    if (!(x->order = strdup(order)))
        return WB_NOMEM;
    x->kind = kind;
    x->has_amount = has_amount;
    x->amount = amount;
    snprintf(x->text, sizeof x->text, "%s", text);
    f->n++;
    return WB_OK;
}

/* by_order - qsort order of findings: order id, then kind */
static int by_order(const void *a, const void *b)
{
    const struct finding *x = a, *y = b;
    int c = strcmp(x->order, y->order);
    return c ? c : x->kind - y->kind;
}

struct unpaid {
    struct findings *f;
    long days;
};

/* on_unpaid - ledger_dispatched_unpaid's callback: a dispatched-not-paid finding */
static int on_unpaid(void *arg, const char *order_id, time_t confirmed)
{
    struct unpaid *u = arg;
    char day[16], text[128];
    if (!order_id_ok(order_id))
        return WB_OK;
    clock_format_date(confirmed, day, sizeof day);
    snprintf(text, sizeof text,
             "dispatch confirmed by Amazon on %s, paid by no settlement %ld day(s) on", day,
             u->days);
    return finding_add(u->f, order_id, LP_DISPATCHED_NOT_PAID, 0, 0, text);
}

/* find - the findings of settlement s of account, its payments recorded first */
static int find(struct wb_env *env, const struct settlement *s, const struct settlement_recon *p,
                const char *account, const char *dlane, struct findings *f)
{
    struct ledger *lg = env->ledger;
    int rc = ledger_settlement_put(lg, account, s->id, s->start, s->end, s->currency);
    size_t pos = 0;
    const char *order;
    void *v;
    while (rc == WB_OK && strmap_next(p->orders, &pos, &order, &v)) {
        const struct order_sum *o = v;
        for (int k = LP_ORDER; rc == WB_OK && k <= LP_REFUND; k++)
            if (o->has[k]) {
                struct ledger_paid lp = {account, s->id, order, k, o->amount[k], o->posted[k]};
                rc = ledger_paid_put(lg, &lp);
            }
        if (rc == WB_OK && o->has[LP_ORDER]) {
            char prefix[ORDER_ID_MAX + 2];
            int st = 0;
            snprintf(prefix, sizeof prefix, "%s|", order);
            int q = ledger_rows_prefix_state(lg, dlane, prefix, &st);
            const char *t = q == WB_NOTFOUND     ? "paid, no dispatch received from the WMS"
                            : q != WB_OK         ? NULL
                            : st == LR_CONFIRMED ? ""
                            : st == LR_REJECTED  ? "paid, its dispatch rows were rejected"
                                                 : "paid, dispatch not yet confirmed by Amazon";
            if (!t)
                rc = q;
            else if (*t)
                rc = finding_add(f, order, LP_PAID_NOT_DISPATCHED, 1, o->amount[LP_ORDER], t);
        }
        if (rc == WB_OK && o->has[LP_REFUND]) {
            time_t received;
            int q = ledger_receipt_first(lg, account, order, &received);
            if (q == WB_NOTFOUND)
                rc = finding_add(f, order, LP_REFUND_NO_RETURN, 1, o->amount[LP_REFUND],
                                 "refunded, no return of it received from the WMS");
            else if (q != WB_OK)
                rc = q;
        }
    }
    time_t since = 0;
    time_t before = s->end - (time_t)env->cfg.settlement_unpaid_days * 86400;
    if (rc == WB_OK && !p->full &&
        (rc = ledger_settlement_first_start(lg, account, &since)) == WB_OK && since < before) {
        struct unpaid u = {f, env->cfg.settlement_unpaid_days};
        rc = ledger_dispatched_unpaid(lg, account, dlane, since, before, on_unpaid, &u);
    }
    if (rc == WB_OK && (p->full || f->full))
        rc = finding_add(f, "", 0, 0, 0,
                         p->full ? "more paid orders than reconciled in one settlement"
                                 : "more findings than written for one settlement");
    for (size_t i = 0; rc == WB_OK && i < f->n; i++)
        if (f->v[i].kind)
            rc =
                ledger_finding_put(lg, account, s->id, f->v[i].kind, f->v[i].order, f->v[i].amount);
    return rc;
}

/* write_csv - dir/reconcile-ID.csv from the findings, in order id order */
static int write_csv(const struct settlement *s, struct findings *f, const char *dir)
{
    static const char lay[] = "name = reconcile\nflow = reconcile\n"
                              "field settlement_id = settlement_id\nfield order_id = order_id\n"
                              "field kind = kind\nfield amount = amount\n"
                              "field finding = finding\n";
    struct layout *l = NULL;
    struct buf err;
    buf_init(&err, 4096);
    int rc = layout_parse_text(lay, sizeof lay - 1, "reconcile", &l, &err);
    buf_free(&err);
    if (rc != WB_OK)
        return rc == WB_CONFIG ? WB_INTERNAL : rc;
    char name[96];
    snprintf(name, sizeof name, "reconcile-%s.csv", s->id);
    struct afile af;
    struct csvw *w = NULL;
    if ((rc = afile_open_redo(&af, dir, name, 0)) != WB_OK) {
        layout_free(l);
        return rc;
    }
    /* every cell is ours or an order id order_id_ok passed: none starts like a formula */
    if ((rc = csvw_open(&w, l, af.fp, 0)) == WB_OK)
        rc = csvw_header(w);
    if (f->n)
        qsort(f->v, f->n, sizeof *f->v, by_order);
    for (size_t i = 0; rc == WB_OK && i < f->n; i++) {
        char amount[32] = "";
        if (f->v[i].has_amount)
            settlement_amount_format(f->v[i].amount, s->exp, amount, sizeof amount);
        const char *cells[5] = {s->id, f->v[i].order, kind_names[f->v[i].kind], amount,
                                f->v[i].text};
        rc = csvw_row(w, cells, 5);
    }
    if (w) {
        int crc = csvw_close(w);
        if (rc == WB_OK)
            rc = crc;
    }
    if (rc == WB_OK)
        rc = afile_commit(&af);
    else
        afile_abort(&af);
    layout_free(l);
    return rc;
}

/* account_key - the ledger's account column of a: '' for the default account */
static const char *account_key(const struct wb_env *env, const struct wb_account *a)
{
    return a == &env->cfg.accounts[0] ? "" : a->name;
}

/* settlement_recon_write - record, find, write */
int settlement_recon_write(struct wb_env *env, const struct settlement *s,
                           struct settlement_recon *p, const struct wb_account *a, const char *dir)
{
    char dlane[FLOW_LANE_MAX];
    struct findings f = {0};
    int rc = flow_lane(DISPATCH, a, dlane, sizeof dlane);
    if (rc == WB_OK && (rc = ledger_begin(env->ledger)) == WB_OK) {
        rc = find(env, s, p, account_key(env, a), dlane, &f);
        if (rc == WB_OK)
            rc = ledger_commit(env->ledger);
        else
            ledger_rollback(env->ledger);
    }
    if (rc == WB_OK)
        rc = write_csv(s, &f, dir);
    for (size_t i = 0; i < f.n; i++)
        free(f.v[i].order);
    free(f.v);
    return rc;
}

/* drift - distinct findings of the settlements ended in [from, to) */
static void drift(struct wb_env *env, const char *account, time_t from, time_t to,
                  struct health_figure *h)
{
    long n = 0, k[LP_FINDINGS];
    char w[24];
    h->configured = 1;
    h->target = (double)env->cfg.target_settlement_drift;
    if (!env->ledger || ledger_settlement_drift(env->ledger, account, from, to, &n, k) != WB_OK)
        return;
    if (!n) {
        snprintf(h->detail, sizeof h->detail, "no settlement ended in %s",
                 health_window(from, to, w, sizeof w));
        return;
    }
    long total = k[LP_PAID_NOT_DISPATCHED] + k[LP_DISPATCHED_NOT_PAID] + k[LP_REFUND_NO_RETURN];
    h->have = 1;
    h->value = (double)total;
    snprintf(h->detail, sizeof h->detail,
             "%ld finding(s) in %ld settlement(s) ended in %s: %ld paid not dispatched, %ld "
             "dispatched not paid, %ld refund(s) without a return",
             total, n, health_window(from, to, w, sizeof w), k[LP_PAID_NOT_DISPATCHED],
             k[LP_DISPATCHED_NOT_PAID], k[LP_REFUND_NO_RETURN]);
}

struct latencies {
    long long *v;
    size_t n, cap;
    long without; /* refunds of orders without a return receipt */
    long more;    /* past LATENCIES_MAX: not in the median */
};

/* on_latency - ledger_refund_latencies's callback (ascending) */
static int on_latency(void *arg, long long seconds)
{
    struct latencies *l = arg;
    if (seconds < 0) {
        l->without++;
        return WB_OK;
    }
    if (l->n == LATENCIES_MAX) {
        l->more++;
        return WB_OK;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        long long *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return WB_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = seconds;
    return WB_OK;
}

/* latency - the median hours from return receipt to refund, refunds posted in [from, to) */
static void latency(struct wb_env *env, const char *account, time_t from, time_t to,
                    struct health_figure *h)
{
    struct latencies l = {0};
    char w[24];
    h->configured = 1;
    h->target = (double)env->cfg.target_refund_latency_hours;
    if (!env->ledger ||
        ledger_refund_latencies(env->ledger, account, from, to, on_latency, &l) != WB_OK) {
        free(l.v);
        return;
    }
    if (!l.n) {
        int c = snprintf(h->detail, sizeof h->detail, "no refund of a received return posted in %s",
                         health_window(from, to, w, sizeof w));
        if (l.without && c > 0 && (size_t)c < sizeof h->detail)
            snprintf(h->detail + c, sizeof h->detail - (size_t)c, " (%ld without a return receipt)",
                     l.without);
        free(l.v);
        return;
    }
    double med = l.n % 2 ? (double)l.v[l.n / 2] : ((double)l.v[l.n / 2 - 1] + l.v[l.n / 2]) / 2;
    h->have = 1;
    h->value = med / 3600.0;
    snprintf(h->detail, sizeof h->detail,
             "median of %zu refund(s) posted in %s, longest %.1f h; %ld without a return "
             "receipt",
             l.n, health_window(from, to, w, sizeof w), (double)l.v[l.n - 1] / 3600.0, l.without);
    free(l.v);
}

/* settlement_recon_health - the settlements row's figures */
void settlement_recon_health(struct wb_env *env, const struct wb_account *a, time_t from, time_t to,
                             struct health *h)
{
    const char *account = account_key(env, a);
    drift(env, account, from, to, &h->f[H_SETTLEMENT_DRIFT]);
    latency(env, account, from, to, &h->f[H_REFUND_LATENCY]);
}
