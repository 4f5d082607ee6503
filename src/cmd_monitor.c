/*
 * cmd_monitor.c - what monitoring reads: `wmsbridge alerts` (the open alerts
 * with owner, severity and what to do, --json; or the table of alert types,
 * --types, which the runbook in docs/operations.md is checked against) and
 * `wmsbridge metrics` (the Prometheus exposition). Reads only; returns a
 * sysexits code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/health.h"
#include "flows/metrics.h"
#include "flows/report.h"
#include "spool/ledger.h"

/* cmd_alerts - open alerts, or the table of alert types */
int cmd_alerts(int argc, char **argv, const char *conf_path)
{
    int json = 0, types = 0;
    const struct cmd_opt opts[] = {{"--json", NULL, &json}, {"--types", NULL, &types}};
    size_t np;
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), NULL, 0, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    if (types) {
        size_t n;
        const struct alert_type *t = alert_types(&n);
        for (size_t i = 0; i < n; i++)
            printf("%s\t%s\t%s\t%s\t%s\n", t[i].type, t[i].owner, t[i].severity, t[i].meaning,
                   t[i].action);
        return WB_EX_OK;
    }
    struct wb_env env;
    int ex = cmd_load_env(&env, conf_path, CMD_SPOOL_READ);
    if (ex != WB_EX_OK)
        return ex;
    struct ledger_alert_rec *v = NULL;
    size_t n = 0;
    int rc = ledger_alerts_list(env.ledger, &v, &n);
    json_t *arr = json ? json_array() : NULL;
    if (!json && rc == WB_OK)
        printf("%-20s %-9s %-8s %-20s %-24s %s\n", "TYPE", "OWNER", "SEVERITY", "SINCE", "KEY",
               "TEXT / WHAT TO DO");
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        const struct alert_type *t = alert_type_find(v[i].kind);
        const char *owner = alert_owner(&env.cfg, v[i].kind);
        char since[32];
        clock_format_iso(v[i].created, since, sizeof since);
        if (json) {
            json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type",
                                                 v[i].kind, "key", v[i].item, "account",
                                                 *v[i].account ? v[i].account : "default", "flow",
                                                 v[i].flow, "severity", t ? t->severity : "warning",
                                                 "owner", owner, "text", v[i].text, "first_seen",
                                                 since, "what_to_do", t ? t->action : ""));
        } else {
            printf("%-20s %-9s %-8s %-20s %-24s %s\n%68s -> %s\n", v[i].kind, owner,
                   t ? t->severity : "warning", since, v[i].item, v[i].text, "",
                   t ? t->action : "");
        }
    }
    if (json) {
        char *d = json_dumps(arr, JSON_COMPACT);
        if (d)
            printf("%s\n", d);
        free(d);
        json_decref(arr);
    } else if (rc == WB_OK) {
        printf("%zu open alert(s)\n", n);
    }
    free(v);
    env_free(&env);
    return rc == WB_OK ? WB_EX_OK : wb_status_exit(rc);
}

/* cmd_metrics - the Prometheus text exposition on stdout */
int cmd_metrics(int argc, char **argv, const char *conf_path)
{
    size_t np;
    if (cmd_args(argc, argv, NULL, 0, NULL, 0, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    struct wb_env env;
    int ex = cmd_load_env(&env, conf_path, CMD_SPOOL_READ);
    if (ex != WB_EX_OK)
        return ex;
    struct buf b;
    buf_init(&b, 16 * 1024 * 1024);
    int rc = metrics_render(&env, &b);
    if (rc == WB_OK)
        fputs(buf_str(&b), stdout);
    else
        fprintf(stderr, "wmsbridge metrics: %s\n", wb_status_str(rc));
    buf_free(&b);
    env_free(&env);
    return rc == WB_OK ? WB_EX_OK : wb_status_exit(rc);
}

/* figure_json - one health figure as a JSON object */
static json_t *figure_json(const struct health *h, int k)
{
    const struct health_def *d = &health_defs()[k];
    const struct health_figure *f = &h->f[k];
    if (!f->configured)
        return json_pack("{s:b,s:s}", "configured", 0, "text", "not configured");
    json_t *o =
        json_pack("{s:b,s:s,s:f,s:s,s:s}", "configured", 1, "unit", d->unit, "target", f->target,
                  "better", d->higher_better ? "higher" : "lower", "detail", f->detail);
    if (o && f->have) {
        json_object_set_new(o, "value", json_real(f->value));
        json_object_set_new(o, "ok", json_boolean(health_ok(f, d)));
    } else if (o) {
        json_object_set_new(o, "value", json_null());
    }
    if (o && k == H_EXCEPTION_BACKLOG) {
        json_t *by = json_object();
        for (int i = 0; i < h->nbacklog; i++)
            json_object_set_new(by, h->backlog[i].owner,
                                json_pack("{s:i,s:i}", "count", (json_int_t)h->backlog[i].count,
                                          "oldest_seconds",
                                          (json_int_t)h->backlog[i].oldest_seconds));
        json_object_set_new(o, "by_owner", by);
    }
    return o;
}

/* missed - how many measured figures of h miss their target */
static int missed(const struct health *h)
{
    int n = 0;
    for (int k = 0; k < H_N; k++)
        n += !health_ok(&h->f[k], &health_defs()[k]);
    return n;
}

/* cmd_health_print - the figures of every account, as lines or one JSON object; the lines of
 * an account whose figures all meet their targets are folded into one line when there are
 * several accounts, unless all */
void cmd_health_print(struct wb_env *env, int json, int all)
{
    const struct health_def *d = health_defs();
    json_t *js = json ? json_object() : NULL;
    struct buf fine;
    long nfine = 0;
    buf_init(&fine, 1024 * 1024);
    for (int a = 0; a < env->cfg.naccounts; a++) {
        struct health h;
        if (health_now(env, a, &h) != WB_OK)
            continue;
        if (json) {
            json_t *acc = json_object();
            for (int k = 0; k < H_N; k++)
                json_object_set_new(acc, d[k].name, figure_json(&h, k));
            json_object_set_new(js, env->cfg.accounts[a].name, acc);
            continue;
        }
        if (!all && env->cfg.naccounts > 1 && !missed(&h)) {
            buf_appendf(&fine, "%s%s", nfine++ ? ", " : "", env->cfg.accounts[a].name);
            continue;
        }
        printf("health of account %s:\n", env->cfg.accounts[a].name);
        for (int k = 0; k < H_N; k++) {
            const struct health_figure *f = &h.f[k];
            if (!f->configured) {
                printf("  %-32s not configured\n", d[k].title);
                continue;
            }
            char v[48] = "-";
            if (f->have)
                snprintf(v, sizeof v, "%.4g %s", f->value, d[k].unit);
            printf("  %-32s %-16s target %s %-8g %-4s %s\n", d[k].title, v,
                   d[k].higher_better ? ">=" : "<=", f->target,
                   !f->have              ? "-"
                   : health_ok(f, &d[k]) ? "ok"
                                         : "MISS",
                   f->detail);
        }
        for (int i = 0; i < h.nbacklog; i++)
            printf("    reject/ owner %-10s %ld file(s), oldest %ld min\n", h.backlog[i].owner,
                   h.backlog[i].count, h.backlog[i].oldest_seconds / 60);
    }
    if (nfine)
        printf("health on target (or not measured yet) for %ld account(s): %s (status --all "
               "shows their figures)\n",
               nfine, buf_str(&fine));
    buf_free(&fine);
    if (json) {
        char *s = json_dumps(js, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
        fputs(s ? s : "{}", stdout);
        free(s);
        json_decref(js);
    }
}

/* cmd_report - the daily report page on stdout, or written to --out FILE (temp + rename) */
int cmd_report(int argc, char **argv, const char *conf_path)
{
    const char *out = NULL;
    const struct cmd_opt opts[] = {{"--out", &out, NULL}};
    size_t np;
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), NULL, 0, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    struct wb_env env;
    int ex = cmd_load_env(&env, conf_path, CMD_SPOOL_READ);
    if (ex != WB_EX_OK)
        return ex;
    struct buf b;
    buf_init(&b, 64 * 1024 * 1024);
    int rc = report_render(&env, &b);
    if (rc == WB_OK && !out) {
        fputs(buf_str(&b), stdout);
    } else if (rc == WB_OK) {
        char dir[4096];
        const char *slash = strrchr(out, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
        struct afile af;
        if ((rc = afile_open_redo(&af, *dir ? dir : "/", slash ? slash + 1 : out, 0644)) == WB_OK) {
            afile_write(&af, b.data, b.len);
            rc = afile_commit(&af);
        }
        if (rc == WB_OK)
            printf("report written to %s\n", out);
    }
    if (rc != WB_OK)
        fprintf(stderr, "wmsbridge report: %s%s%s\n", out ? out : "", out ? ": " : "",
                wb_status_str(rc));
    buf_free(&b);
    env_free(&env);
    return rc == WB_OK ? WB_EX_OK : wb_status_exit(rc);
}
