/*
 * settlement_read.c - reads Amazon's V2 settlement flat file through the
 * shared CSV reader (libcsv, tab delimiter) into a summarised settlement.
 *
 * Owns the reader's built-in layout of the V2 columns and, per settlement,
 * one entry per distinct (transaction-type, amount-type, amount-description)
 * with its sum. The first data row is the summary (ids, dates, total,
 * currency, transaction columns empty); every later row is a transaction
 * with amount-type, amount-description and amount. A file that is not V2,
 * does not read, ends mid-row or whose rows do not add up to its total is
 * refused whole: WB_PERMFAIL with one sentence in err. Never exits; never
 * touches the spool, the ledger or the network.
 */
#include <stdlib.h>
#include <string.h>

#include "core/wb.h"
#include "flows/settlement.h"
#include "layout/layout.h"
#include "maps/strmap.h"

/* the V2 columns, in Amazon's order (a promotion-id column may follow) */
static const char *const v2_columns[] = {
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "amount-type",
    "amount-description",
    "amount",
    "fulfillment-id",
    "posted-date",
    "posted-date-time",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
};

enum col {
    C_ID,
    C_START,
    C_END,
    C_DEPOSIT,
    C_TOTAL,
    C_CURRENCY,
    C_TYPE,
    C_ORDER,
    C_MORDER,
    C_ADJ,
    C_SHIP,
    C_MARKET,
    C_ATYPE,
    C_DESC,
    C_AMOUNT,
    C_FULFIL,
    C_POSTED,
    C_POSTED_TIME,
    C_ITEM,
    C_MITEM,
    C_MADJ,
    C_SKU,
    C_QTY,
    C_N
};

_Static_assert(WB_ARRAY_LEN(v2_columns) == C_N, "a column a slot");

#define V1_COLUMNS 36

/* v2_layout - the reader's layout of the V2 file (tab separated, UTF-8, header) */
static int v2_layout(struct layout **l, struct buf *err)
{
    struct buf t;
    buf_init(&t, 8192);
    buf_appends(&t, "name = amazon-settlement-v2\nflow = amazon_settlement_v2\n"
                    "delimiter = tab\nencoding = UTF-8\nbom = optional\nheader = yes\n");
    for (size_t i = 0; i < C_N; i++) {
        buf_appends(&t, "field ");
        for (const char *p = v2_columns[i]; *p; p++)
            buf_appendc(&t, *p == '-' ? '_' : *p);
        buf_appendf(&t, " = %s\n", v2_columns[i]);
    }
    int rc = t.len ? layout_parse_text(t.data, t.len, "amazon-settlement-v2", l, err) : WB_NOMEM;
    buf_free(&t);
    return rc;
}

/* not_v2 - the reason a header without every V2 column is refused */
static void not_v2(const struct csvr *r, struct buf *err)
{
    size_t nh;
    const char *const *h = csvr_header(r, &nh);
    int v1 = 0;
    for (size_t i = 0; i < nh; i++)
        if (!strcmp(h[i], "price-type") || !strcmp(h[i], "shipment-fee-type"))
            v1 = 1;
    if (v1 || nh == V1_COLUMNS)
        buf_appendf(err,
                    "a V1 settlement flat file (%zu columns; Amazon removed it on "
                    "2026-11-11): only the V2 flat file is read",
                    nh);
    else
        buf_appendf(err,
                    "not a V2 settlement flat file: the header has %zu column(s), the V2 "
                    "file %d beginning with settlement-id",
                    nh, C_N);
}

/* a date column's last text and value: the rows of one transaction share them */
struct memo {
    char text[40];
    time_t t;
};

struct rd {
    struct settlement *s;
    struct memo posted[2]; /* posted-date, posted-date-time */
    const struct csvr_row *row;
    settlement_row_fn fn;
    void *ctx;
    struct buf *err;
};

/* F - the trimmed value of column c in the current row, its length in *n */
static const char *F(const struct rd *d, enum col c, size_t *n)
{
    return csvr_field_n(d->row, (int)c, n);
}

/* summary - the first data row: ids, dates, total, currency */
static int summary(struct rd *d, const char *currency)
{
    struct settlement *s = d->s;
    long ln = d->row->lineno;
    size_t n;
    const char *id = F(d, C_ID, &n);
    if (n == 0 || n > SETTLEMENT_ID_MAX) {
        buf_appendf(d->err, "line %ld: the summary row's settlement-id is empty or longer than %d",
                    ln, SETTLEMENT_ID_MAX);
        return WB_PERMFAIL;
    }
    for (size_t i = 0; i < n; i++)
        if (id[i] < '0' || id[i] > '9') {
            buf_appendf(d->err, "line %ld: settlement-id '%.40s' is not a number", ln, id);
            return WB_PERMFAIL;
        }
    memcpy(s->id, id, n + 1);
    size_t an;
    F(d, C_ATYPE, &an);
    if (an || F(d, C_AMOUNT, &an)[0]) {
        buf_appendf(d->err,
                    "line %ld: the first data row is not the settlement summary (it has "
                    "an amount-type or amount)",
                    ln);
        return WB_PERMFAIL;
    }
    const char *cur = F(d, C_CURRENCY, &n);
    if ((s->exp = settlement_currency_exp(cur)) < 0) {
        buf_appendf(d->err, "line %ld: currency '%.20s' is not a currency code", ln, cur);
        return WB_PERMFAIL;
    }
    memcpy(s->currency, cur, 4);
    if (currency && strcmp(currency, cur) != 0) {
        buf_appendf(d->err, "settlement %s is in %s, the account's currency is %s", s->id, cur,
                    currency);
        return WB_PERMFAIL;
    }
    static const struct {
        enum col c;
        const char *name;
        size_t off;
    } dates[] = {
        {C_START, "settlement-start-date", offsetof(struct settlement, start)},
        {C_END, "settlement-end-date", offsetof(struct settlement, end)},
        {C_DEPOSIT, "deposit-date", offsetof(struct settlement, deposit)},
    };
    for (size_t i = 0; i < WB_ARRAY_LEN(dates); i++) {
        const char *v = F(d, dates[i].c, &n);
        if (settlement_time(v, (time_t *)((char *)s + dates[i].off)) != WB_OK) {
            buf_appendf(d->err, "line %ld: %s '%.40s' is not a date", ln, dates[i].name, v);
            return WB_PERMFAIL;
        }
    }
    const char *tot = F(d, C_TOTAL, &n);
    if (settlement_amount(tot, n, s->exp, &s->mark, &s->total) != WB_OK) {
        buf_appendf(d->err, "line %ld: total-amount '%.40s' is not an amount in %s", ln, tot,
                    s->currency);
        return WB_PERMFAIL;
    }
    return WB_OK;
}

/* combo_add - amount a onto its (type, amount type, description) entry */
static int combo_add(struct rd *d, const char *const *v, const size_t *len, int64_t a)
{
    struct settlement *s = d->s;
    char key[3 * (SETTLEMENT_TEXT_MAX + 1)];
    size_t k = 0;
    for (int i = 0; i < 3; i++) {
        memcpy(key + k, v[i], len[i]);
        k += len[i];
        key[k++] = i < 2 ? '\x1f' : '\0';
    }
    struct settlement_combo *c = strmap_getn(s->index, key, k - 1);
    if (!c) {
        if (s->ncombos == SETTLEMENT_COMBOS_MAX) {
            buf_appendf(d->err,
                        "line %ld: more than %d distinct (transaction-type, amount-type, "
                        "amount-description) in one settlement",
                        d->row->lineno, SETTLEMENT_COMBOS_MAX);
            return WB_PERMFAIL;
        }
        if (s->ncombos % 64 == 0) {
            struct settlement_combo **m = realloc(s->combos, (s->ncombos + 64) * sizeof *m);
            if (!m)
                return WB_NOMEM;
            s->combos = m;
        }
        if (!(c = calloc(1, sizeof *c + k)))
            return WB_NOMEM;
        memcpy(c->text, key, k);
        c->type = c->text;
        c->amount_type = c->text + len[0] + 1;
        c->description = c->amount_type + len[1] + 1;
        c->text[len[0]] = c->text[len[0] + 1 + len[1]] = '\0';
        c->first_line = d->row->lineno;
        s->combos[s->ncombos++] = c;
        int rc = strmap_put(s->index, key, c, NULL);
        if (rc != WB_OK)
            return rc;
    }
    c->rows++;
    if (__builtin_add_overflow(c->sum, a, &c->sum)) {
        buf_appendf(d->err, "line %ld: the sum of %s | %s | %s leaves the range of amounts",
                    d->row->lineno, c->type, c->amount_type, c->description);
        return WB_PERMFAIL;
    }
    return WB_OK;
}

/* row_date - column c of the row read as a date (empty: 0); WB_PERMFAIL with the reason */
static int row_date(struct rd *d, enum col c, struct memo *m, time_t *out)
{
    size_t n;
    const char *v = F(d, c, &n);
    *out = 0;
    if (n == 0)
        return WB_OK;
    if (n < sizeof m->text && memcmp(m->text, v, n + 1) == 0) {
        *out = m->t;
        return WB_OK;
    }
    if (settlement_time(v, out) != WB_OK) {
        buf_appendf(d->err, "line %ld: %s '%.40s' is not a date", d->row->lineno, v2_columns[c], v);
        return WB_PERMFAIL;
    }
    if (n < sizeof m->text) {
        memcpy(m->text, v, n + 1);
        m->t = *out;
    }
    return WB_OK;
}

/* transaction - one row after the summary */
static int transaction(struct rd *d)
{
    struct settlement *s = d->s;
    long ln = d->row->lineno;
    size_t n;
    const char *id = F(d, C_ID, &n);
    if (strcmp(id, s->id) != 0) {
        buf_appendf(d->err, "line %ld: settlement-id '%.40s', the summary's is %s", ln, id, s->id);
        return WB_PERMFAIL;
    }
    if (F(d, C_TOTAL, &n)[0]) {
        buf_appendf(d->err,
                    "line %ld: a second summary row (total-amount set): one settlement a "
                    "file",
                    ln);
        return WB_PERMFAIL;
    }
    static const enum col key[3] = {C_TYPE, C_ATYPE, C_DESC};
    const char *v[3];
    size_t len[3];
    for (int i = 0; i < 3; i++) {
        v[i] = F(d, key[i], &len[i]);
        if ((i > 0 && len[i] == 0) || len[i] > SETTLEMENT_TEXT_MAX ||
            memchr(v[i], '\x1f', len[i])) { /* the separator of the combination's key */
            buf_appendf(d->err,
                        "line %ld: %s is empty, longer than %d bytes or holds a control "
                        "character",
                        ln, v2_columns[key[i]], SETTLEMENT_TEXT_MAX);
            return WB_PERMFAIL;
        }
    }
    const char *at = F(d, C_AMOUNT, &n);
    int64_t a;
    if (settlement_amount(at, n, s->exp, &s->mark, &a) != WB_OK) {
        buf_appendf(d->err, "line %ld: amount '%.40s' is not an amount in %s%s", ln, at,
                    s->currency,
                    s->mark ? (s->mark == ',' ? " written 1.234,56" : " written 1,234.56") : "");
        return WB_PERMFAIL;
    }
    time_t posted, posted_time;
    int rc = row_date(d, C_POSTED, &d->posted[0], &posted);
    if (rc == WB_OK)
        rc = row_date(d, C_POSTED_TIME, &d->posted[1], &posted_time);
    if (rc != WB_OK)
        return rc;
    s->rows++;
    if (__builtin_add_overflow(s->sum, a, &s->sum)) {
        buf_appendf(d->err, "line %ld: the sum of the amounts leaves the range of amounts", ln);
        return WB_PERMFAIL;
    }
    rc = combo_add(d, v, len, a);
    if (rc != WB_OK || !d->fn)
        return rc;
    struct settlement_row r = {
        .lineno = ln,
        .type = v[0],
        .order_id = F(d, C_ORDER, &n),
        .merchant_order_id = F(d, C_MORDER, &n),
        .adjustment_id = F(d, C_ADJ, &n),
        .shipment_id = F(d, C_SHIP, &n),
        .marketplace = F(d, C_MARKET, &n),
        .amount_type = v[1],
        .description = v[2],
        .fulfillment = F(d, C_FULFIL, &n),
        .posted = F(d, C_POSTED, &n),
        .posted_at = posted_time ? posted_time : posted,
        .sku = F(d, C_SKU, &n),
        .quantity = F(d, C_QTY, &n),
        .amount = a,
        .amount_text = at,
    };
    return d->fn(d->ctx, &r);
}

/* settlement_read - read a V2 file into s */
int settlement_read(struct settlement *s, FILE *in, const char *currency, settlement_row_fn fn,
                    void *ctx, struct buf *err)
{
    memset(s, 0, sizeof *s);
    if (!(s->index = strmap_new(256)))
        return WB_NOMEM;
    struct layout *l = NULL;
    int rc = v2_layout(&l, err);
    if (rc != WB_OK)
        return rc == WB_CONFIG ? WB_INTERNAL : rc;
    struct csvr *r = NULL;
    static const char *const none[1] = {NULL};
    if ((rc = csvr_open(&r, l, in, none, 0, err)) != WB_OK)
        goto out;
    for (int c = 0; c < C_N; c++)
        if (csvr_column(r, c) != c) { /* every V2 column, in Amazon's order */
            not_v2(r, err);
            rc = WB_PERMFAIL;
            goto out;
        }
    struct rd d = {.s = s, .fn = fn, .ctx = ctx, .err = err};
    long data = 0;
    for (;;) {
        rc = csvr_next(r, &d.row);
        if (rc == WB_NOTFOUND) {
            rc = WB_OK;
            break;
        }
        if (rc == WB_PERMFAIL) {
            buf_appendf(err, "%s%s", d.row->error_text,
                        d.row->error == CSVR_E_TRUNCATED ? " (a truncated file)" : "");
            goto out;
        }
        if (rc != WB_OK)
            goto out;
        rc = data++ ? transaction(&d) : summary(&d, currency);
        if (rc != WB_OK)
            goto out;
    }
    if (!data) {
        buf_appendf(err, "no summary row: the file has a header and nothing else");
        rc = WB_PERMFAIL;
    } else if (s->sum != s->total) {
        char t[32], m[32];
        settlement_amount_format(s->total, s->exp, t, sizeof t);
        settlement_amount_format(s->sum, s->exp, m, sizeof m);
        buf_appendf(err,
                    "settlement %s: its %ld transaction row(s) add up to %s %s, its total is %s "
                    "(a truncated or altered file)",
                    s->id, s->rows, m, s->currency, t);
        rc = WB_PERMFAIL;
    }
out:
    if (rc == WB_IOERR)
        buf_appendf(err, "read error");
    csvr_close(r);
    layout_free(l);
    return rc;
}

/* settlement_free - release what settlement_read kept */
void settlement_free(struct settlement *s)
{
    for (size_t i = 0; i < s->ncombos; i++)
        free(s->combos[i]);
    free(s->combos);
    strmap_free(s->index);
    s->combos = NULL;
    s->index = NULL;
    s->ncombos = 0;
}
