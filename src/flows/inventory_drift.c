/*
 * inventory_drift.c - the inventory drift report of a seller account: the
 * WMS quantity of each seller SKU (its newest ledger row: the quantity the
 * last snapshot gave it, sellable less buffer), the one last published
 * (newest row Amazon confirmed), and Amazon's (GET_MERCHANT_LISTINGS_ALL_DATA,
 * read with libcsv), written worst drift first to out/LANE/
 * inventory-drift-DATE.csv atomically. Owns the report and its parsing;
 * never sends a feed, never changes the ledger; never exits.
 */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/wb.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/flow.h"
#include "flows/inventory_drift.h"
#include "flows/outflow.h"
#include "net/spapi.h"
#include "net/spapi_json.h"
#include "spool/ledger.h"
#include "spool/spool.h"

#define DRIFT_PREFIX "inventory-drift-"
#define DRIFT_WAIT_POLLS 120 /* getReport polls, DRIFT_WAIT_MS apart, before giving up */
#define DRIFT_WAIT_MS 2000
#define DRIFT_DOC_MAX (512L * 1024 * 1024)

/* find - the row of sku, added (quantities unknown) if new; NULL when out of memory */
static struct drift_row *find(struct drift_table *t, const char *sku)
{
    for (size_t i = t->n; i-- > 0;) /* rows of one source come sorted: the last is likeliest */
        if (strcmp(t->v[i].sku, sku) == 0)
            return &t->v[i];
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct drift_row *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return NULL;
        t->v = v;
        t->cap = cap;
    }
    char *s = strdup(sku);
    if (!s)
        return NULL;
    t->v[t->n] = (struct drift_row){s, DRIFT_NONE, DRIFT_NONE, DRIFT_NONE, 0};
    return &t->v[t->n++];
}

int drift_set(struct drift_table *t, const char *sku, int col, long long qty)
{
    struct drift_row *r = find(t, sku);
    if (!r)
        return WB_NOMEM;
    long long *c = col == 0 ? &r->wms : col == 1 ? &r->published : &r->amazon;
    *c = qty;
    return WB_OK;
}

static long long absll(long long x)
{
    return x < 0 ? -x : x;
}

static int cmp_row(const void *a, const void *b)
{
    const struct drift_row *x = a, *y = b;
    long long dx = absll(x->drift), dy = absll(y->drift);
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return strcmp(x->sku, y->sku);
}

size_t drift_sort(struct drift_table *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        struct drift_row *r = &t->v[i];
        r->drift = (r->amazon < 0 ? 0 : r->amazon) - (r->wms < 0 ? 0 : r->wms);
        n += r->drift != 0;
    }
    if (t->n > 1)
        qsort(t->v, t->n, sizeof *t->v, cmp_row);
    return n;
}

/* put_qty - a quantity cell: empty when not known */
static int put_qty(struct buf *out, long long q)
{
    return q < 0 ? buf_appends(out, ",") : buf_appendf(out, ",%lld", q);
}

int drift_csv(const struct drift_table *t, struct buf *out)
{
    int rc = buf_appends(out, "seller_sku,wms_quantity,last_published,amazon_quantity,drift\n");
    for (size_t i = 0; rc == WB_OK && i < t->n; i++) {
        const struct drift_row *r = &t->v[i];
        if (strpbrk(r->sku, ",\"\r\n")) { /* quoted by libcsv only when it must be */
            size_t qn = csv_write(NULL, 0, r->sku, strlen(r->sku));
            char *q = malloc(qn + 1);
            if (!q)
                return WB_NOMEM;
            csv_write(q, qn, r->sku, strlen(r->sku));
            q[qn] = '\0';
            rc = buf_appends(out, q);
            free(q);
        } else {
            rc = buf_appends(out, r->sku);
        }
        if (rc == WB_OK)
            rc = put_qty(out, r->wms);
        if (rc == WB_OK)
            rc = put_qty(out, r->published);
        if (rc == WB_OK)
            rc = put_qty(out, r->amazon);
        if (rc == WB_OK)
            rc = buf_appendf(out, ",%lld\n", r->drift);
    }
    return rc;
}

void drift_free(struct drift_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].sku);
    free(t->v);
    *t = (struct drift_table){0};
}

/* ---- reading a table with libcsv ---- */

#define DRIFT_CELL_MAX 4096

struct reader {
    long row;    /* row number, 0 the header */
    size_t col;  /* column of the field at hand */
    int want[2]; /* columns wanted (key, quantity) */
    const char *names[2];
    char cell[2][DRIFT_CELL_MAX];
    int rc;
    int (*row_fn)(void *arg, const char *key, const char *qty);
    void *arg;
    struct buf *err;
};

static void field_cb(void *s, size_t n, void *arg)
{
    struct reader *r = arg;
    for (int k = 0; k < 2; k++) {
        if (r->row == 0 && n == strlen(r->names[k]) && memcmp(s, r->names[k], n) == 0 &&
            r->want[k] < 0)
            r->want[k] = (int)r->col;
        if (r->row > 0 && (int)r->col == r->want[k])
            snprintf(r->cell[k], sizeof r->cell[k], "%.*s",
                     (int)(n < DRIFT_CELL_MAX - 1 ? n : DRIFT_CELL_MAX - 1), (const char *)s);
    }
    r->col++;
}

static void row_cb(int c, void *arg)
{
    struct reader *r = arg;
    (void)c;
    if (r->rc == WB_OK && r->row == 0 && (r->want[0] < 0 || r->want[1] < 0)) {
        buf_appendf(r->err, "the report has no '%s' or no '%s' column", r->names[0], r->names[1]);
        r->rc = WB_PERMFAIL;
    } else if (r->rc == WB_OK && r->row > 0 && r->col > 1) {
        r->rc = r->row_fn(r->arg, r->cell[0], r->cell[1]);
    }
    r->row++;
    r->col = 0;
    r->cell[0][0] = r->cell[1][0] = '\0';
}

/* read_table - each row's cells under the header names key and qty, to fn */
static int read_table(const char *text, size_t len, unsigned char delim, const char *key,
                      const char *qty, int (*fn)(void *, const char *, const char *), void *arg,
                      struct buf *err)
{
    struct csv_parser p;
    struct reader r = {.want = {-1, -1}, .names = {key, qty}, .row_fn = fn, .arg = arg, .err = err};
    if (csv_init(&p, CSV_APPEND_NULL) != 0)
        return WB_NOMEM;
    csv_set_delim(&p, delim);
    if (delim == '\t')
        csv_set_quote(&p, '\0'); /* Amazon's flat files are not quoted: a '"' is text */
    if (csv_parse(&p, text, len, field_cb, row_cb, &r) != len) {
        buf_appendf(err, "report unreadable: %s", csv_strerror(csv_error(&p)));
        r.rc = WB_PERMFAIL;
    }
    csv_fini(&p, field_cb, row_cb, &r);
    csv_free(&p);
    return r.rc;
}

/* qty_of - a quantity cell: a whole number >= 0, else -1 */
static long long qty_of(const char *s)
{
    char *end;
    errno = 0;
    long long q = strtoll(s, &end, 10);
    return *s && !*end && errno == 0 && q >= 0 ? q : -1;
}

static int listing_cb(void *arg, const char *sku, const char *qty)
{
    if (!*sku)
        return WB_OK;
    return drift_set(arg, sku, 2, qty_of(qty)); /* no quantity (e.g. FBA): not known */
}

int drift_read_listings(const char *text, size_t len, struct drift_table *t, struct buf *err)
{
    return read_table(text, len, '\t', "seller-sku", "quantity", listing_cb, t, err);
}

/* ---- the job ---- */

struct ledger_cols {
    struct drift_table *t;
    char sku[300];
    long long wms, pub;
};

static int flush_sku(struct ledger_cols *c)
{
    int rc = WB_OK;
    if (c->sku[0] && c->wms >= 0)
        rc = drift_set(c->t, c->sku, 0, c->wms);
    if (rc == WB_OK && c->sku[0] && c->pub >= 0)
        rc = drift_set(c->t, c->sku, 1, c->pub);
    c->sku[0] = '\0';
    c->wms = c->pub = -1;
    return rc;
}

/* ledger_cb - rows by SKU, newest last: the newest is the WMS quantity, the newest Amazon
 * confirmed (not one settled as replaced before sending) the published one */
static int ledger_cb(void *arg, const struct ledger_row_view *r)
{
    struct ledger_cols *c = arg;
    char *end;
    long long q = strtoll(r->payload ? r->payload : "", &end, 10);
    if (!r->group_key || !*r->group_key || end == r->payload || *end)
        return WB_OK;
    if (strcmp(c->sku, r->group_key) != 0) {
        int rc = flush_sku(c);
        if (rc != WB_OK)
            return rc;
        snprintf(c->sku, sizeof c->sku, "%s", r->group_key);
    }
    c->wms = q;
    if (r->state == LR_CONFIRMED && !(r->warning && strncmp(r->warning, "not sent:", 9) == 0))
        c->pub = q;
    return WB_OK;
}

/* wait_report - create the report (its id into id) and wait for its document id */
static int wait_report(struct spapi *api, char *id, size_t idn, char *doc, size_t docn,
                       struct buf *err)
{
    int rc = spapi_create_report(api, DRIFT_REPORT_TYPE, 0, 0, id, idn, err);
    for (int i = 0; rc == WB_OK && i < DRIFT_WAIT_POLLS; i++) {
        struct spapi_report r;
        clock_sleep_ms(i ? DRIFT_WAIT_MS : DRIFT_WAIT_MS / 2);
        if ((rc = spapi_get_report(api, id, &r, err)) != WB_OK)
            return rc;
        if (strcmp(r.status, "DONE") == 0 && r.doc_id[0]) {
            snprintf(doc, docn, "%s", r.doc_id);
            return WB_OK;
        }
        if (strcmp(r.status, "CANCELLED") == 0 || strcmp(r.status, "FATAL") == 0) {
            buf_appendf(err, "report %s ended %s", id, r.status);
            return WB_AGAIN;
        }
    }
    if (rc == WB_OK)
        buf_appendf(err, "report %s not done in time", id);
    return rc == WB_OK ? WB_AGAIN : rc;
}

int inventory_drift_fetch(struct wb_env *env, const struct wb_account *a, struct feeds_client *fc,
                          int force, struct outflow_stats *st)
{
    (void)force;
    if (!fc)
        return WB_OK; /* offline: Amazon's side cannot be read */
    char lane[FLOW_LANE_MAX], rep[4096], out[4096], date[16], name[256], doc[128], path[4400];
    char id[128];
    struct drift_table t = {0};
    struct buf err, body;
    buf_init(&err, 2048);
    buf_init(&body, DRIFT_DOC_MAX);
    int rc = flow_lane("inventory", a, lane, sizeof lane);
    if (rc == WB_OK)
        rc = spool_dir(&env->spool, SP_REPORTS, lane, rep, sizeof rep);
    if (rc == WB_OK)
        rc = spool_dir(&env->spool, SP_OUT, lane, out, sizeof out);
    if (rc == WB_OK && (rc = fs_mkdirs(rep, 0750)) == WB_OK)
        rc = fs_mkdirs(out, 0750);
    clock_format_date(clock_now(), date, sizeof date);
    if (rc == WB_OK)
        rc = wait_report(fc->api, id, sizeof id, doc, sizeof doc, &err);
    snprintf(name, sizeof name, "listings-%s.tsv", id); /* ids are spapi_id_ok: a safe name */
    if (rc == WB_OK)
        rc = spapi_get_report_document(fc->api, doc, rep, name, &err);
    if (rc == WB_OK && (rc = fs_join(path, sizeof path, rep, name)) == WB_OK) {
        rc = fs_read_file(path, &body);
        (void)unlink(path); /* read once: the drift report is what is kept */
    }
    if (rc == WB_OK)
        rc = drift_read_listings(body.data ? body.data : "", body.len, &t, &err);
    struct ledger_cols c = {.t = &t, .wms = -1, .pub = -1};
    if (rc == WB_OK)
        rc = ledger_rows_live(env->ledger, lane, ledger_cb, &c);
    if (rc == WB_OK)
        rc = flush_sku(&c);
    size_t ndrift = drift_sort(&t);
    buf_reset(&body);
    if (rc == WB_OK)
        rc = drift_csv(&t, &body);
    snprintf(name, sizeof name, DRIFT_PREFIX "%s.csv", date);
    struct afile af;
    if (rc == WB_OK && (rc = afile_open_redo(&af, out, name, 0)) == WB_OK) {
        afile_write(&af, body.data ? body.data : "", body.len);
        rc = afile_commit(&af); /* a second run of the day replaces the day's report */
    }
    if (rc == WB_OK) {
        st->files++;
        st->rows += (long)t.n;
        st->good += (long)ndrift;
        log_info("flow=inventory lane=%s event=drift-report file=%s skus=%zu drift=%zu", lane, name,
                 t.n, ndrift);
    } else {
        log_error("flow=inventory lane=%s event=drift-failed status=%s reason=\"%s\"", lane,
                  wb_status_str(rc), buf_str(&err));
    }
    drift_free(&t);
    buf_free(&err);
    buf_free(&body);
    return rc;
}

static int count_cb(void *arg, const char *sku, const char *drift)
{
    long *n = arg;
    (void)sku;
    *n += *drift && strcmp(drift, "0") != 0;
    return WB_OK;
}

/* drift_count - the drift count of account a's newest drift report (its name into newest);
 * WB_NOTFOUND when it has none */
static int drift_count(struct wb_env *env, const struct wb_account *a, long *count, char *newest,
                       size_t nn)
{
    char lane[FLOW_LANE_MAX], dir[4096], path[4400];
    struct spool_entry *e = NULL;
    size_t n = 0;
    *count = 0;
    newest[0] = '\0';
    int rc = flow_lane("inventory", a, lane, sizeof lane);
    if (rc == WB_OK)
        rc = spool_dir(&env->spool, SP_OUT, lane, dir, sizeof dir);
    if (rc == WB_OK)
        rc = spool_list(&env->spool, SP_OUT, lane, &e, &n);
    for (size_t k = 0; rc == WB_OK && k < n; k++)
        if (strncmp(e[k].name, DRIFT_PREFIX, strlen(DRIFT_PREFIX)) == 0 &&
            strcmp(e[k].name, newest) > 0)
            snprintf(newest, nn, "%s", e[k].name);
    free(e);
    if (rc != WB_OK || !newest[0])
        return rc == WB_OK ? WB_NOTFOUND : rc;
    struct buf b, err;
    buf_init(&b, DRIFT_DOC_MAX);
    buf_init(&err, 512);
    rc = fs_join(path, sizeof path, dir, newest);
    if (rc == WB_OK)
        rc = fs_read_file(path, &b);
    if (rc == WB_OK)
        rc = read_table(b.data ? b.data : "", b.len, ',', "seller_sku", "drift", count_cb, count,
                        &err);
    buf_free(&b);
    buf_free(&err);
    return rc;
}

void inventory_drift_status(struct wb_env *env, struct buf *out)
{
    for (int i = 0; i < env->cfg.naccounts; i++) {
        long count;
        char newest[256];
        if (drift_count(env, &env->cfg.accounts[i], &count, newest, sizeof newest) == WB_OK)
            buf_appendf(out, "inventory drift (account %s): %ld SKU(s) differ from Amazon (%s)\n",
                        env->cfg.accounts[i].name, count, newest);
    }
}

void inventory_drift_status_json(struct wb_env *env, struct buf *out)
{
    buf_appends(out, "{\"drift\":{");
    for (int i = 0, k = 0; i < env->cfg.naccounts; i++) {
        long count;
        char newest[256];
        if (drift_count(env, &env->cfg.accounts[i], &count, newest, sizeof newest) != WB_OK)
            continue; /* account names are [A-Za-z0-9_-]: safe in JSON as they are */
        buf_appendf(out, "%s\"%s\":%ld", k++ ? "," : "", env->cfg.accounts[i].name, count);
    }
    buf_appends(out, "}}");
}
