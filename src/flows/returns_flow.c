/*
 * returns_flow.c - the returns job: Amazon's merchant-fulfilled returns report
 * (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE) becomes an expected-returns file for the WMS.
 *
 * The flow is named rma (its job, and its lane for reports: work/rma/, reject/rma/, done/
 * for the default account, ACCOUNT/rma/ for a named one); the WMS reads out/returns/ (or
 * out/ACCOUNT/returns/). For every seller account:
 *   createReport (the last returns_window_days), poll getReport briefly; then every DONE
 *   report of the type the lane has not taken (ledger remote "amazon-reports" LANE/ID):
 *   download (gunzip) --> work/rma/returns-report-ID.tsv, ledger remote mark; a report of a
 *   marketplace the account does not sell in is downloaded to reject/rma/ instead, refused
 *   whole (E_RETURNS_REFUSED)
 *   work: read (libcsv through csvr; a header without Amazon's English columns or a line
 *         that does not read: the report to reject/ with E_RETURNS_REFUSED)
 *         -> each line whose RMA line (ledger remote "amazon-returns" LANE/RMA/SKU) is new:
 *            Merchant SKU -> WMS SKU(s) through skus.map (skus_explode: renamed, bundles)
 *   out/returns/returns-ID.csv (the layout's columns; temp + fsync + rename + dir fsync),
 *   each line also an expected return in the ledger (ledger_expected_return_put: RMA, order,
 *   Merchant SKU, WMS SKU, units), which the WMS's receipts are matched to (receipts_flow.c),
 *   lines of unknown SKUs to reject/rma/returns-ID-unknown.tsv with E_RETURNS_SKU and
 *   the SKUs in the reason (alert: the reject scan), then the RMA lines marked, work -> done/.
 * Overlapping windows are harmless: an RMA line already marked is never written again. A crash
 * before the marks redoes the report from work/ into the same file name (afile_open_redo).
 * Owns its job's run; returns WB_* codes; never exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/flow.h"
#include "flows/outflow.h"
#include "flows/returns_flow.h"
#include "layout/layout.h"
#include "maps/skus.h"
#include "net/spapi.h"
#include "net/spapi_json.h"
#include "spool/ledger.h"

#define REPORT_TYPE "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
#define FLOW "rma" /* the flow: its job, in/ work/ reject/ done/ lane, layout */
#define REMOTE "amazon-reports"
#define LINES "amazon-returns"     /* RMA lines written to the WMS */
#define HELD "amazon-returns-held" /* RMA lines in reject/: back only through in/ (requeue) */
#define POLL_TRIES 10              /* getReport polls after createReport, POLL_MS apart */
#define POLL_MS 500
#define ID_MAX 64 /* longer is no Amazon order or RMA id */
#define QTY_MAX 9999

const char *const returns_required[] = {"order_id", "rma_id", "sku", "quantity", NULL};
const char *const returns_optional[] = {"reason", "return_date", NULL};

/* the report's columns this flow reads (Amazon's English header) */
enum { C_ORDER, C_DATE, C_RMA, C_SKU, C_QTY, C_REASON, C_N };
static const char report_layout[] = "name = amazon-returns\nflow = amazon_returns_report\n"
                                    "delimiter = tab\nencoding = UTF-8\nbom = optional\n"
                                    "header = yes\n"
                                    "field order_id = Order ID\n"
                                    "field return_date = Return request date\n"
                                    "field rma_id = Amazon RMA ID\n"
                                    "field sku = Merchant SKU\n"
                                    "field quantity = Return quantity\n"
                                    "field reason = Return Reason\n";

/* id_ok - 1 if s can be an order or RMA id: 1..ID_MAX printable ASCII, no separator */
static int id_ok(const char *s)
{
    size_t n = strlen(s);
    return n && n <= ID_MAX && str_ascii_range(s, n, 0x21) && !strpbrk(s, "/|,\"");
}

/* one run over one report */
struct job {
    struct wb_env *env;
    const struct layout *out_layout;
    const char *lane;
    const char *account;    /* the lane's seller account, "" for the default one */
    struct csvw *w;         /* the expected-returns file */
    struct buf unknown;     /* the report's lines of unknown SKUs, tab separated */
    struct buf unknown_why; /* the SKUs, for the reason */
    struct key {
        char k[ID_MAX * 2 + FLOW_LANE_MAX + 8];
        int held; /* rejected: marked HELD, not LINES */
    } * keys;
    size_t nkeys, cap;
    int requeued; /* the report came through in/: held lines are tried again */
    long lines, written, rejected;
};

/* key_add - remember an RMA line to mark once the report is written */
static int key_add(struct job *j, const char *key)
{
    for (size_t i = 0; i < j->nkeys; i++)
        if (!strcmp(j->keys[i].k, key))
            return WB_EXISTS;
    if (j->nkeys == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 64;
        void *p = realloc(j->keys, cap * sizeof *j->keys);
        if (!p)
            return WB_NOMEM;
        j->keys = p;
        j->cap = cap;
    }
    j->keys[j->nkeys].held = 0;
    str_copy(j->keys[j->nkeys++].k, sizeof j->keys->k, key);
    return WB_OK;
}

/* one_line - one line of the report: new RMA lines to the file, unknown SKUs aside */
static int one_line(struct job *j, const struct csvr_row *row, struct buf *err)
{
    const char *order = csvr_field(row, C_ORDER), *rma = csvr_field(row, C_RMA);
    const char *sku = csvr_field(row, C_SKU), *qty = csvr_field(row, C_QTY);
    const char *reason = csvr_field(row, C_REASON), *date = csvr_field(row, C_DATE);
    long q = 0;
    j->lines++;
    if (!id_ok(order) || !id_ok(rma) || !skus_valid_seller(sku) ||
        str_to_long(qty, 1, QTY_MAX, &q) != WB_OK || strlen(reason) > 200 || strlen(date) > 40) {
        buf_appendf(err, "line %ld: not a return line (order, RMA id, SKU or quantity)",
                    row->lineno);
        return WB_PERMFAIL;
    }
    char key[sizeof j->keys->k];
    snprintf(key, sizeof key, "%s/%s/%s", j->lane, rma, sku);
    int seen = 0;
    int rc = ledger_remote_seen(j->env->ledger, LINES, key, 0, 0, &seen);
    if (rc == WB_OK && !seen && !j->requeued)
        rc = ledger_remote_seen(j->env->ledger, HELD, key, 0, 0, &seen);
    if (rc != WB_OK || seen)
        return rc;
    if ((rc = key_add(j, key)) != WB_OK)
        return rc == WB_EXISTS ? WB_OK : rc; /* the same RMA line twice in one report: once */
    struct skus_part part[SKUS_BUNDLE_MAX];
    size_t n = 0;
    const char *missing = NULL;
    if (skus_explode(j->env->skus, sku, part, &n, &missing) != WB_OK) {
        const char *cells[] = {order, rma, sku, qty, reason, date};
        for (size_t i = 0; i < 6; i++)
            buf_appendf(&j->unknown, "%s%s", cells[i], i < 5 ? "\t" : "\n");
        if (!strstr(buf_str(&j->unknown_why), sku) && j->unknown_why.len < 600)
            buf_appendf(&j->unknown_why, "%s%s", j->unknown_why.len ? ", " : "", sku);
        j->keys[j->nkeys - 1].held = 1;
        j->rejected++;
        return WB_OK;
    }
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        char units[24];
        snprintf(units, sizeof units, "%ld", q * (long)part[i].qty);
        const char *cells[6] = {order, rma, part[i].wms, units, reason, date};
        rc = csvw_row(j->w, cells, 6);
        if (rc == WB_OK) /* what receipts of the RMA are matched against */
            rc = ledger_expected_return_put(j->env->ledger, j->account, rma, order, sku,
                                            part[i].wms, q * (long long)part[i].qty);
        j->written++;
    }
    return rc;
}

/* write_unknown - reject/LANE/returns-ID-unknown.tsv with its reason */
static int write_unknown(struct job *j, const char *id)
{
    char dir[4096], name[320], why[1024];
    int rc = spool_dir(&j->env->spool, SP_REJECT, j->lane, dir, sizeof dir);
    if (rc == WB_OK)
        rc = fs_mkdirs(dir, FS_DIR_MODE);
    if (rc != WB_OK)
        return rc;
    snprintf(name, sizeof name, "returns-report-%s-unknown.tsv", id);
    struct afile af;
    if ((rc = afile_open_redo(&af, dir, name, 0)) != WB_OK)
        return rc;
    /* the report's own shape: requeued, it is read again as a report */
    static const char head[] = "Order ID\tAmazon RMA ID\tMerchant SKU\tReturn quantity\t"
                               "Return Reason\tReturn request date\n";
    if ((rc = afile_write(&af, head, sizeof head - 1)) == WB_OK &&
        (rc = afile_write(&af, j->unknown.data, j->unknown.len)) == WB_OK)
        rc = afile_commit(&af);
    else
        afile_abort(&af);
    snprintf(why, sizeof why,
             "%ld returned line(s) of report %s name a Merchant SKU that skus.map does not "
             "know: %s; add them to skus.map, then requeue this file",
             j->rejected, id, buf_str(&j->unknown_why));
    if (rc == WB_OK)
        rc = spool_write_reason(&j->env->spool, j->lane, name, "E_RETURNS_SKU", why);
    if (rc == WB_OK)
        log_warn("file=%s lane=%s event=rejected code=E_RETURNS_SKU reason=\"%s\"", name, j->lane,
                 why);
    return rc;
}

/* process - one report in work/LANE/NAME (named returns-report-ID.tsv) */
static int process(struct wb_env *env, const struct layout *ol, const char *lane,
                   const char *account, const char *work_dir, const char *out_dir, const char *name,
                   int requeued, struct outflow_stats *st)
{
    char path[4096], id[256], out_name[300];
    if (fs_join(path, sizeof path, work_dir, name) != WB_OK ||
        str_copy(id, sizeof id, name + (str_has_prefix(name, "returns-report-") ? 15 : 0)) != WB_OK)
        return WB_BADARG;
    size_t idn = strlen(id); /* the file's own name: its output's name, a redo writes it again */
    if (idn > 4 && !strcmp(id + idn - 4, ".tsv"))
        id[idn - 4] = 0;
    snprintf(out_name, sizeof out_name, "returns-%s.csv", id);
    FILE *f = fopen(path, "re");
    if (!f)
        return WB_IOERR;
    struct buf err;
    buf_init(&err, 4096);
    struct layout *rl = NULL;
    struct csvr *r = NULL;
    struct job j = {
        .env = env, .out_layout = ol, .lane = lane, .account = account, .requeued = requeued};
    buf_init(&j.unknown, 1 << 20);
    buf_init(&j.unknown_why, 1024);
    struct afile af;
    int open = 0;
    int rc =
        layout_parse_text(report_layout, sizeof report_layout - 1, "amazon-returns", &rl, &err);
    if (rc != WB_OK) {
        rc = rc == WB_CONFIG ? WB_INTERNAL : rc;
        goto out;
    }
    if ((rc = csvr_open(&r, rl, f, NULL, 0, &err)) != WB_OK) {
        if (rc == WB_PERMFAIL || rc == WB_CONFIG) { /* another language or shape */
            buf_appendf(&err, " (a returns report without Amazon's English column names: "
                              "request it for an English-language marketplace)");
            rc = WB_PERMFAIL;
        }
        goto out;
    }
    if ((rc = afile_open_redo(&af, out_dir, out_name, 0)) != WB_OK)
        goto out;
    open = 1;
    if ((rc = csvw_open(&j.w, ol, af.fp, 1)) == WB_OK)
        rc = csvw_header(j.w);
    const struct csvr_row *row = NULL;
    while (rc == WB_OK && (rc = csvr_next(r, &row)) == WB_OK)
        rc = one_line(&j, row, &err);
    if (rc == WB_NOTFOUND)
        rc = WB_OK;
    else if (rc == WB_PERMFAIL && row && row->error_text && *row->error_text)
        buf_appendf(&err, "line %ld: %s", row->lineno, row->error_text);
    if (j.w) {
        int crc = csvw_close(j.w);
        if (rc == WB_OK)
            rc = crc;
    }
    if (rc == WB_OK && j.written)
        rc = afile_commit(&af);
    else
        afile_abort(&af);
    open = 0;
    if (rc == WB_OK && j.rejected)
        rc = write_unknown(&j, id);
    for (size_t i = 0; rc == WB_OK && i < j.nkeys; i++)
        rc = ledger_remote_mark(env->ledger, j.keys[i].held ? HELD : LINES, j.keys[i].k, 0, 0, "");
    if (rc == WB_OK)
        rc = spool_finish(&env->spool, lane, name);
    if (rc == WB_OK) {
        st->rows += j.lines;
        st->good += j.written;
        st->rejected += j.rejected;
        log_info("file=%s lane=%s event=returns lines=%ld written=%ld unknown=%ld%s%s", name, lane,
                 j.lines, j.written, j.rejected, j.written ? " out=" : "",
                 j.written ? out_name : "");
    }
out:
    if (open)
        afile_abort(&af);
    csvr_close(r);
    fclose(f);
    layout_free(rl);
    if (rc == WB_PERMFAIL) {
        log_warn("file=%s lane=%s event=rejected code=E_RETURNS_REFUSED reason=\"%.400s\"", name,
                 lane, buf_str(&err));
        rc = spool_reject_file(&env->spool, lane, name, "E_RETURNS_REFUSED", buf_str(&err));
        st->rejected++;
    } else if (rc != WB_OK)
        log_warn("file=%s lane=%s event=failed status=%s %s", name, lane, wb_status_str(rc),
                 buf_str(&err));
    free(j.keys);
    buf_free(&j.unknown);
    buf_free(&j.unknown_why);
    buf_free(&err);
    return rc;
}

/* request - createReport for the last `days` days (returns_window_days: a missed run loses
 * nothing), then poll getReport briefly: a report not DONE by then is taken by a later run
 * (getReports) */
static void request(struct spapi *api, const char *lane, long days)
{
    char rid[128];
    struct buf err;
    buf_init(&err, 4096);
    time_t now = clock_now();
    int rc = spapi_create_report(api, REPORT_TYPE, now - days * 86400L, now, rid, sizeof rid, &err);
    for (int i = 0; rc == WB_OK && i < POLL_TRIES; i++) {
        struct spapi_report r;
        buf_reset(&err);
        if ((rc = spapi_get_report(api, rid, &r, &err)) != WB_OK || !strcmp(r.status, "DONE") ||
            !strcmp(r.status, "FATAL") || !strcmp(r.status, "CANCELLED"))
            break;
        clock_sleep_ms(POLL_MS);
    }
    if (rc != WB_OK)
        log_warn("flow=" FLOW " lane=%s op=createReport status=%s error=\"%s\"", lane,
                 wb_status_str(rc), buf_str(&err));
    buf_free(&err);
}

/* in_list - 1 if the n bytes at id are one of the comma or blank separated ids of list */
static int in_list(const char *list, const char *id, size_t n)
{
    for (const char *p = list ? list : ""; *p;) {
        p += strspn(p, ", ");
        size_t k = strcspn(p, ", ");
        if (k && k == n && !memcmp(p, id, n))
            return 1;
        p += k;
    }
    return 0;
}

/* foreign - the first marketplace of report r the account does not sell in (into out), or 0 when
 * the report names none or only the account's: a report of another marketplace is another
 * seller's view (another currency, other SKUs) and is never taken as this account's */
static int foreign(const struct spapi_report *r, const struct wb_account *acc, char *out, size_t n)
{
    for (const char *p = r->marketplaces; *p;) {
        p += strspn(p, ",");
        size_t k = strcspn(p, ",");
        if (k && !in_list(acc->marketplace_ids, p, k)) {
            snprintf(out, n, "%.*s", (int)k, p);
            return 1;
        }
        p += k;
    }
    return 0;
}

/* fetch_new - download each DONE returns report the lane has not taken into work_dir; one of a
 * marketplace the account does not sell in goes to reject/ whole (E_RETURNS_REFUSED) */
static int fetch_new(struct wb_env *env, struct spapi *api, const struct wb_account *acc,
                     const char *lane, const char *work_dir)
{
    struct spapi_report *r = NULL;
    size_t n = 0;
    struct buf err;
    buf_init(&err, 4096);
    int rc = spapi_get_reports(api, REPORT_TYPE, &r, &n, &err);
    if (rc != WB_OK)
        log_warn("flow=" FLOW " op=getReports status=%s error=\"%s\"", wb_status_str(rc),
                 buf_str(&err));
    for (size_t i = n; rc == WB_OK && i-- > 0;) { /* oldest first */
        if (!r[i].doc_id[0] || strcmp(r[i].report_type, REPORT_TYPE) != 0)
            continue;
        int seen = 0;
        char key[FLOW_LANE_MAX + 80], name[128];
        snprintf(key, sizeof key, "%s/%s", lane, r[i].report_id);
        if ((rc = ledger_remote_seen(env->ledger, REMOTE, key, 0, 0, &seen)) != WB_OK || seen)
            continue;
        snprintf(name, sizeof name, "returns-report-%s.tsv", r[i].report_id);
        /* a report of a marketplace the account does not sell in goes straight to reject/, so
         * no run, online or not, ever reads it from work/ */
        char mk[40], why[400], rdir[4096];
        int bad = foreign(&r[i], acc, mk, sizeof mk);
        if (bad && ((rc = spool_dir(&env->spool, SP_REJECT, lane, rdir, sizeof rdir)) != WB_OK ||
                    (rc = fs_mkdirs(rdir, FS_DIR_MODE)) != WB_OK))
            break;
        buf_reset(&err);
        int drc = spapi_get_report_document(api, r[i].doc_id, bad ? rdir : work_dir, name, &err);
        if (drc != WB_OK) { /* a truncated gzip or a refused URL: fetched again next run */
            log_warn("report_id=%s flow=" FLOW " event=download-failed status=%s error=\"%s\"",
                     r[i].report_id, wb_status_str(drc), buf_str(&err));
            if (drc != WB_PERMFAIL && drc != WB_TEMPFAIL)
                rc = drc;
            continue;
        }
        log_info("report_id=%s lane=%s event=downloaded file=%s", r[i].report_id, lane, name);
        if (bad) { /* its reason before the mark: a crash in between downloads it again */
            snprintf(why, sizeof why,
                     "returns report %s is of marketplace %s, which seller account %s does not "
                     "sell in (marketplace_ids %s): refused whole, no expected returns written; "
                     "nothing to requeue unless the account's marketplace_ids are wrong",
                     r[i].report_id, mk, acc->name, acc->marketplace_ids);
            log_warn("file=%s lane=%s event=rejected code=E_RETURNS_REFUSED reason=\"%s\"", name,
                     lane, why);
            rc = spool_write_reason(&env->spool, lane, name, "E_RETURNS_REFUSED", why);
        }
        if (rc == WB_OK)
            rc = ledger_remote_mark(env->ledger, REMOTE, key, 0, 0, "");
    }
    free(r);
    buf_free(&err);
    return rc;
}

/* run_lane - one account: new reports into work/ (api NULL: none), then each report there */
static int run_lane(struct wb_env *env, const struct layout *l, const struct wb_account *acc,
                    struct spapi *api, struct outflow_stats *st)
{
    char lane[FLOW_LANE_MAX], olane[FLOW_LANE_MAX], work_dir[4096], out_dir[4096];
    int rc;
    if ((rc = flow_lane(FLOW, acc, lane, sizeof lane)) != WB_OK ||
        (rc = flow_lane(RETURNS_OUT, acc, olane, sizeof olane)) != WB_OK ||
        (rc = spool_ensure_flow(&env->spool, lane)) != WB_OK ||
        (rc = spool_dir(&env->spool, SP_WORK, lane, work_dir, sizeof work_dir)) != WB_OK ||
        (rc = spool_dir(&env->spool, SP_OUT, olane, out_dir, sizeof out_dir)) != WB_OK ||
        (rc = fs_mkdirs(out_dir, FS_DIR_MODE)) != WB_OK)
        return rc;
    int frc = WB_OK;
    if (api) {
        request(api, lane, env->cfg.returns_window_days);
        frc = fetch_new(env, api, acc, lane, work_dir);
    }
    /* downloaded reports in work/ (a crash redoes them), then what in/ holds (requeued from
     * reject/ or put there by hand): its held lines are tried again */
    for (int pass = 0; rc == WB_OK && pass < 2; pass++) {
        struct spool_entry *e = NULL;
        size_t n = 0;
        if ((rc = spool_list(&env->spool, pass ? SP_IN : SP_WORK, lane, &e, &n)) != WB_OK)
            return rc;
        time_t now = clock_now();
        for (size_t i = 0; rc == WB_OK && i < n; i++) {
            char claimed[256];
            str_copy(claimed, sizeof claimed, e[i].name);
            if (pass && (!spool_ready(&e[i], env->cfg.settle_seconds, now) ||
                         (rc = spool_claim(&env->spool, lane, e[i].name, claimed,
                                           sizeof claimed)) != WB_OK))
                continue;
            st->files++;
            int prc = process(env, l, lane, acc == &env->cfg.accounts[0] ? "" : acc->name, work_dir,
                              out_dir, claimed, pass, st);
            if (prc != WB_OK && prc != WB_PERMFAIL)
                rc = prc;
        }
        free(e);
    }
    return rc == WB_OK ? frc : rc;
}

/* returns_flow_fetch - the returns job for seller account a (see the file comment): the layout is
 * the environment's when loaded, else loaded here, so a layout_dir without it fails this job
 * alone */
int returns_flow_fetch(struct wb_env *env, const struct wb_account *a, struct feeds_client *fc,
                       int force, struct outflow_stats *st)
{
    (void)force;
    const struct flow_def *fd = flow_find(FLOW);
    const struct layout *l = flow_env_layout(env, fd);
    struct layout *own = NULL;
    struct buf err;
    buf_init(&err, 8192);
    int rc = WB_OK;
    if (!l &&
        (rc = layout_load_named(env->cfg.layout_dir, flow_layout_name(fd, &env->cfg), &own,
                                &err)) == WB_OK &&
        (rc = strcmp(layout_flow(own), FLOW) ? WB_CONFIG : flow_layout_check(own, &err)) == WB_OK)
        l = own;
    if (rc != WB_OK)
        log_error("flow=" FLOW " event=config-failed error=\"%s\"", buf_str(&err));
    buf_free(&err);
    if (rc == WB_OK)
        rc = run_lane(env, l, a, fc ? fc->api : NULL, st);
    layout_free(own);
    return rc;
}
