/*
 * metrics.c - the Prometheus text exposition format (version 0.0.4) of what
 * the operators watch: files and queue ages by account, flow and state, rows
 * by flow and state, feeds by state, jobs (last success, last duration, runs,
 * failed runs in a row), open alerts by type, owner and severity, and the
 * health figures per account with their targets. `wmsbridge metrics` prints
 * it; after each job the daemon rewrites metrics_file through a temp file and
 * a rename, for node_exporter's textfile collector. Reads the spool and the
 * ledger; never exits.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/conf.h"
#include "core/fsutil.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "flows/health.h"
#include "flows/metrics.h"
#include "spool/ledger.h"
#include "spool/spool.h"

/* label - a label value escaped for the exposition format (\\, \", \n) */
static const char *label(const char *v, char *out, size_t n)
{
    size_t k = 0;
    for (; v && *v && k + 3 < n; v++) {
        if (*v == '\\' || *v == '"' || *v == '\n') {
            out[k++] = '\\';
            out[k++] = *v == '\n' ? 'n' : *v;
        } else {
            out[k++] = *v;
        }
    }
    out[k] = '\0';
    return out;
}

/* head - the HELP and TYPE lines of a metric */
static void head(struct buf *b, const char *name, const char *type, const char *help)
{
    buf_appendf(b, "# HELP wmsbridge_%s %s\n# TYPE wmsbridge_%s %s\n", name, help, name, type);
}

static const enum spool_state queue_states[] = {SP_IN, SP_WORK, SP_REJECT, SP_HOLD, SP_OUT};

/* files - files waiting and the oldest one's age per account, flow and state */
static void files(struct wb_env *env, struct buf *b)
{
    size_t nfl;
    const struct flow_def *fl = flows(&nfl);
    time_t now = clock_now();
    struct buf ages;
    buf_init(&ages, 1024 * 1024);
    head(b, "files", "gauge", "Files waiting in a spool state per seller account and flow.");
    head(&ages, "queue_oldest_age_seconds", "gauge",
         "Age of the oldest file waiting in a spool state per seller account and flow.");
    for (int a = 0; a < env->cfg.naccounts; a++)
        for (size_t f = 0; f < nfl; f++) {
            char ln[FLOW_LANE_MAX], acc[80];
            if (flow_lane(fl[f].name, &env->cfg.accounts[a], ln, sizeof ln) != WB_OK)
                continue;
            label(env->cfg.accounts[a].name, acc, sizeof acc);
            for (size_t s = 0; s < WB_ARRAY_LEN(queue_states); s++) {
                struct spool_entry *e;
                size_t n = 0;
                time_t old = 0;
                if (spool_list(&env->spool, queue_states[s], ln, &e, &n) == WB_OK) {
                    for (size_t i = 0; i < n; i++)
                        if (!old || e[i].mtime < old)
                            old = e[i].mtime;
                    free(e);
                }
                const char *st = spool_state_name(queue_states[s]);
                buf_appendf(b, "wmsbridge_files{account=\"%s\",flow=\"%s\",state=\"%s\"} %zu\n",
                            acc, fl[f].name, st, n);
                buf_appendf(&ages,
                            "wmsbridge_queue_oldest_age_seconds{account=\"%s\",flow=\"%s\","
                            "state=\"%s\"} %lld\n",
                            acc, fl[f].name, st, old && now > old ? (long long)(now - old) : 0LL);
            }
        }
    buf_append(b, ages.data, ages.len);
    buf_free(&ages);
}

/* rows_feeds - rows by flow and state, feeds by state */
static void rows_feeds(struct wb_env *env, struct buf *b)
{
    size_t nfl;
    const struct flow_def *fl = flows(&nfl);
    head(b, "rows", "gauge", "Rows the ledger keeps per seller account, flow and state.");
    for (int a = 0; a < env->cfg.naccounts; a++)
        for (size_t f = 0; f < nfl; f++) {
            long c[5] = {0};
            char ln[FLOW_LANE_MAX], acc[80];
            if (flow_lane(fl[f].name, &env->cfg.accounts[a], ln, sizeof ln) != WB_OK)
                continue;
            ledger_row_counts(env->ledger, ln, c);
            label(env->cfg.accounts[a].name, acc, sizeof acc);
            for (int s = LR_PENDING; s <= LR_REJECTED; s++)
                buf_appendf(b, "wmsbridge_rows{account=\"%s\",flow=\"%s\",state=\"%s\"} %ld\n", acc,
                            fl[f].name, ledger_row_state_name(s), c[s]);
        }
    long fc[LFD_LAST + 1];
    head(b, "feeds", "gauge", "Feeds the ledger keeps per state.");
    if (ledger_feed_outcomes(env->ledger, NULL, 0, LONG_MAX, fc) == WB_OK)
        for (int s = LFD_BUILDING; s <= LFD_LAST; s++)
            buf_appendf(b, "wmsbridge_feeds{state=\"%s\"} %ld\n", ledger_feed_state_name(s), fc[s]);
}

/* jobs - per job: last success, last duration, runs, failed runs in a row */
static void jobs(struct wb_env *env, struct buf *b)
{
    struct ledger_job *j = NULL;
    size_t n = 0;
    if (ledger_job_list(env->ledger, &j, &n) != WB_OK)
        return;
    static const char *const names[4] = {"job_last_success_timestamp_seconds",
                                         "job_last_duration_seconds", "job_runs_total",
                                         "job_failed_runs_in_row"};
    static const char *const types[4] = {"gauge", "gauge", "counter", "gauge"};
    static const char *const helps[4] = {
        "End of the job's last successful run (Unix time, 0: none yet).",
        "Duration of the job's last finished run.", "Runs of the job started.",
        "Failed runs of the job since its last success."};
    for (int m = 0; m < 4; m++) {
        head(b, names[m], types[m], helps[m]);
        for (size_t i = 0; i < n; i++) {
            long fails = 0;
            time_t ok = 0;
            ledger_job_fails(env->ledger, j[i].name, &fails, &ok);
            long long v = m == 0   ? (long long)ok
                          : m == 1 ? (j[i].last_end >= j[i].last_start &&
                                              j[i].last_outcome >= 0 /* < 0: running */
                                          ? (long long)(j[i].last_end - j[i].last_start)
                                          : 0)
                          : m == 2 ? (long long)j[i].runs
                                   : (long long)fails;
            char jl[160];
            buf_appendf(b, "wmsbridge_%s{job=\"%s\"} %lld\n", names[m],
                        label(j[i].name, jl, sizeof jl), v);
        }
    }
    free(j);
}

/* api_line - one operation's totals as two samples (calls, throttles) */
struct api_out {
    struct buf *calls, *thr;
};
static int api_line(void *arg, const char *op, long calls, long throttled)
{
    struct api_out *o = arg;
    char ol[120];
    label(op, ol, sizeof ol);
    buf_appendf(o->calls, "wmsbridge_api_calls_total{operation=\"%s\"} %ld\n", ol, calls);
    buf_appendf(o->thr, "wmsbridge_api_throttles_total{operation=\"%s\"} %ld\n", ol, throttled);
    return WB_OK;
}

/* api - SP-API calls and 429 answers per operation, all time */
static void api(struct wb_env *env, struct buf *b)
{
    struct buf thr;
    buf_init(&thr, 256 * 1024);
    head(b, "api_calls_total", "counter", "SP-API operations called, per operation.");
    head(&thr, "api_throttles_total", "counter", "SP-API answers 429 (throttled), per operation.");
    struct api_out o = {b, &thr};
    ledger_api_list(env->ledger, api_line, &o);
    buf_append(b, thr.data, thr.len);
    buf_free(&thr);
}

/* alerts - open alerts by type, owner and severity (every type, 0 when none) */
static void alerts(struct wb_env *env, struct buf *b)
{
    struct ledger_alert_rec *v = NULL;
    size_t n = 0, nt;
    ledger_alerts_list(env->ledger, &v, &n);
    const struct alert_type *t = alert_types(&nt);
    head(b, "alerts_open", "gauge", "Open alerts per type, owner and severity.");
    for (size_t i = 0; i < nt; i++) {
        long c = 0;
        for (size_t k = 0; k < n; k++)
            c += strcmp(v[k].kind, t[i].type) == 0;
        buf_appendf(b, "wmsbridge_alerts_open{type=\"%s\",owner=\"%s\",severity=\"%s\"} %ld\n",
                    t[i].type, alert_owner(&env->cfg, t[i].type), t[i].severity, c);
    }
    free(v);
}

/* figures - the health figures of every account, their targets, whether configured */
static void figures(struct wb_env *env, struct buf *b)
{
    const struct health_def *d = health_defs();
    struct buf tg, cf, bl, bo;
    buf_init(&tg, 256 * 1024);
    buf_init(&cf, 256 * 1024);
    buf_init(&bl, 256 * 1024);
    buf_init(&bo, 256 * 1024);
    head(b, "health_value", "gauge",
         "Health figure of a seller account (unit in the label; absent while not measured).");
    head(&tg, "health_target", "gauge", "Target of a health figure from the configuration.");
    head(&cf, "health_configured", "gauge",
         "1 when the flow giving a health figure is configured, 0 when it is not.");
    head(&bl, "exception_backlog_files", "gauge",
         "Files waiting in reject/ per seller account and owner of their reject code.");
    head(&bo, "exception_backlog_oldest_seconds", "gauge",
         "Age of the oldest file waiting in reject/ per seller account and owner.");
    for (int a = 0; a < env->cfg.naccounts; a++) {
        struct health h;
        char acc[80];
        label(env->cfg.accounts[a].name, acc, sizeof acc);
        if (health_now(env, a, &h) != WB_OK)
            continue;
        for (int k = 0; k < H_N; k++) {
            const struct health_figure *f = &h.f[k];
            char lb[200];
            snprintf(lb, sizeof lb, "account=\"%s\",figure=\"%s\",unit=\"%s\"", acc, d[k].name,
                     d[k].unit);
            buf_appendf(&cf, "wmsbridge_health_configured{%s} %d\n", lb, f->configured);
            if (f->configured)
                buf_appendf(&tg, "wmsbridge_health_target{%s} %g\n", lb, f->target);
            if (f->configured && f->have)
                buf_appendf(b, "wmsbridge_health_value{%s} %g\n", lb, f->value);
        }
        for (int i = 0; i < h.nbacklog; i++) {
            char ow[40];
            label(h.backlog[i].owner, ow, sizeof ow);
            buf_appendf(&bl, "wmsbridge_exception_backlog_files{account=\"%s\",owner=\"%s\"} %ld\n",
                        acc, ow, h.backlog[i].count);
            buf_appendf(&bo,
                        "wmsbridge_exception_backlog_oldest_seconds{account=\"%s\",owner=\"%s\"} "
                        "%ld\n",
                        acc, ow, h.backlog[i].oldest_seconds);
        }
    }
    struct buf *parts[4] = {&tg, &cf, &bl, &bo};
    for (int i = 0; i < 4; i++) {
        buf_append(b, parts[i]->data, parts[i]->len);
        buf_free(parts[i]);
    }
}

/* metrics_render - the whole exposition into out */
int metrics_render(struct wb_env *env, struct buf *out)
{
    if (!env->ledger || !env->have_spool)
        return WB_BADARG;
    files(env, out);
    rows_feeds(env, out);
    jobs(env, out);
    api(env, out);
    alerts(env, out);
    figures(env, out);
    head(out, "metrics_generated_timestamp_seconds", "gauge", "When this file was written.");
    /* the last line: a text cut at the buffer's cap lacks it, and is not used */
    return buf_appendf(out, "wmsbridge_metrics_generated_timestamp_seconds %lld\n",
                       (long long)clock_now());
}

/* metrics_write - metrics_file rewritten atomically (nothing when it is not set) */
int metrics_write(struct wb_env *env)
{
    const char *path = env->cfg.metrics_file;
    if (!path || !*path)
        return WB_OK;
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash || snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path) >= (int)sizeof dir)
        return WB_BADARG;
    struct buf b;
    buf_init(&b, 16 * 1024 * 1024);
    int rc = metrics_render(env, &b);
    struct afile af;
    /* the collector reads it as another user: readable by all, like node_exporter's own */
    if (rc == WB_OK && (rc = afile_open_redo(&af, *dir ? dir : "/", slash + 1, 0644)) == WB_OK) {
        afile_write(&af, b.data, b.len);
        rc = afile_commit(&af);
    }
    buf_free(&b);
    return rc;
}
