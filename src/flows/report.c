/*
 * report.c - the daily report page: one self-contained HTML file (inline CSS
 * and SVG, no script, nothing fetched from elsewhere) with the health figures
 * of each seller account against their targets and small charts of the last
 * 14 days, the exception queue by owner and age, the feeds of the day, the
 * open alerts, and the checks an operator should do with links to the
 * files. Every text from the spool, the ledger or the config is escaped.
 * Reads only; never exits.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/conf.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "flows/health.h"
#include "flows/queue.h"
#include "flows/report.h"
#include "spool/ledger.h"
#include "spool/spool.h"

#define DAYS 14
#define LIST_MAX 200

/* esc - s escaped for HTML text and attribute values */
static void esc(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            buf_appends(b, "&amp;");
            break;
        case '<':
            buf_appends(b, "&lt;");
            break;
        case '>':
            buf_appends(b, "&gt;");
            break;
        case '"':
            buf_appends(b, "&quot;");
            break;
        case '\'':
            buf_appends(b, "&#39;");
            break;
        default:
            buf_appendc(b, *s);
        }
    }
}

/* link - a file:// link to a spool path (percent-encoded) with text */
static void link(struct buf *b, const char *path, const char *text)
{
    buf_appends(b, "<a href=\"file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            buf_appendc(b, (char)*p);
        else
            buf_appendf(b, "%%%02X", *p);
    }
    buf_appends(b, "\">");
    esc(b, text);
    buf_appends(b, "</a>");
}

static const char style[] =
    "body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1f24;"
    "background:#f6f7f9;margin:0 auto;max-width:1120px;padding:12px}"
    "h1{font-size:1.5rem;margin:.4rem 0}h2{font-size:1.2rem;margin:1.4rem 0 .5rem;"
    "border-bottom:2px solid #d0d7de}h3{font-size:1.05rem;margin:.8rem 0 .4rem}"
    ".meta{color:#57606a}.cards{display:grid;gap:10px;"
    "grid-template-columns:repeat(auto-fill,minmax(250px,1fr))}"
    ".card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px}"
    ".card .v{font-size:1.35rem;font-weight:600}.ok{color:#116329}.miss{color:#a40e26}"
    ".nc{color:#6e7781}.badge{font-size:.8rem;padding:1px 6px;border-radius:10px;"
    "border:1px solid currentColor;margin-left:6px}svg{display:block;margin-top:6px;"
    "max-width:100%;height:auto}.scroll{overflow-x:auto}table{border-collapse:collapse;"
    "width:100%;background:#fff}th,td{border:1px solid #d0d7de;padding:4px 6px;"
    "text-align:left;vertical-align:top}td{overflow-wrap:anywhere}th{background:#eaeef2}"
    "ul{padding-left:1.2rem}li{margin:.3rem 0}a{color:#0550ae}";

/* chart - 14 bars (values, -1: no data) as an inline SVG with a title per bar */
static void chart(struct buf *b, const double *v, const char *label, const char *unit,
                  double target, int have_target)
{
    double max = have_target ? target : 0;
    for (int i = 0; i < DAYS; i++)
        if (v[i] > max)
            max = v[i];
    if (max <= 0)
        max = 1;
    buf_appendf(b,
                "<svg viewBox=\"0 0 %d 44\" width=\"%d\" height=\"44\" role=\"img\" "
                "aria-label=\"",
                DAYS * 16, DAYS * 16);
    esc(b, label);
    buf_appends(b, ", last 14 days\">");
    for (int i = 0; i < DAYS; i++) {
        double h = v[i] < 0 ? 2 : 2 + 38 * v[i] / max;
        buf_appendf(b,
                    "<rect x=\"%d\" y=\"%.1f\" width=\"12\" height=\"%.1f\" fill=\"%s\">"
                    "<title>%d day(s) ago: ",
                    i * 16 + 2, 42 - h, h, v[i] < 0 ? "#d0d7de" : "#4f7cac", DAYS - 1 - i);
        if (v[i] < 0)
            buf_appends(b, "no data");
        else
            buf_appendf(b, "%.4g %s", v[i], unit);
        buf_appends(b, "</title></rect>");
    }
    if (have_target)
        buf_appendf(b,
                    "<line x1=\"0\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#a40e26\" "
                    "stroke-dasharray=\"3 2\"><title>target %.4g %s</title></line>",
                    DAYS * 16, 42 - (2 + 38 * target / max), 42 - (2 + 38 * target / max), target,
                    unit);
    buf_appends(b, "</svg>");
}

/* history - per day over the last DAYS days: each figure of account a over that day (-1: not
 * measured), and rows rejected (all accounts) */
static void history(struct wb_env *env, int a, double v[H_N][DAYS], double rejected[DAYS])
{
    time_t now = clock_now(), today = now - now % 86400;
    for (int i = 0; i < DAYS; i++) {
        time_t from = today - (time_t)(DAYS - 1 - i) * 86400, to = from + 86400;
        struct health h;
        long r = 0;
        int ok = health_compute(env, a, from, to < now ? to : now + 1, &h) == WB_OK;
        for (int k = 0; k < H_N; k++)
            v[k][i] = ok && h.f[k].configured && h.f[k].have ? h.f[k].value : -1;
        rejected[i] = -1;
        if (ledger_rows_rejected_between(env->ledger, from, to, &r) == WB_OK)
            rejected[i] = (double)r;
    }
}

/* figures - one section per account: a card per figure */
static void figures(struct wb_env *env, struct buf *b)
{
    const struct health_def *d = health_defs();
    buf_appends(b, "<section id=\"figures\"><h2>Health figures against their targets</h2>");
    for (int a = 0; a < env->cfg.naccounts; a++) {
        struct health h;
        double v[H_N][DAYS], rejected[DAYS];
        if (health_now(env, a, &h) != WB_OK)
            continue;
        history(env, a, v, rejected);
        buf_appends(b, "<h3>Seller account ");
        esc(b, env->cfg.accounts[a].name);
        buf_appends(b, " (");
        esc(b, env->cfg.accounts[a].merchant_id);
        buf_appends(b, ")</h3><div class=\"cards\">");
        for (int k = 0; k < H_N; k++) {
            const struct health_figure *f = &h.f[k];
            buf_appends(b, "<div class=\"card\"><div>");
            esc(b, d[k].title);
            buf_appends(b, "</div>");
            if (!f->configured) {
                buf_appends(b, "<div class=\"v nc\">not configured</div>"
                               "<div class=\"nc\">the flow that gives it is not set up</div>"
                               "</div>");
                continue;
            }
            int ok = health_ok(f, &d[k]);
            buf_appendf(b, "<div class=\"v %s\">", !f->have ? "nc" : ok ? "ok" : "miss");
            if (f->have)
                buf_appendf(b, "%.4g %s", f->value, d[k].unit);
            else
                buf_appends(b, "no data");
            if (f->have)
                buf_appendf(b, "<span class=\"badge\">%s</span>", ok ? "on target" : "MISSED");
            buf_appendf(b, "</div><div class=\"meta\">target %s %.4g %s &middot; ",
                        d[k].higher_better ? "&ge;" : "&le;", f->target, d[k].unit);
            esc(b, f->detail);
            buf_appends(b, "</div>");
            if (k != H_EXCEPTION_BACKLOG)
                chart(b, v[k], d[k].title, d[k].unit, f->target, 1);
            else if (a == 0)
                chart(b, rejected, "rows rejected per day", "rows", 0, 0);
            if (k == H_EXCEPTION_BACKLOG && a == 0)
                buf_appends(b, "<div class=\"meta\">bars: rows rejected per day</div>");
            buf_appends(b, "</div>");
        }
        buf_appends(b, "</div>");
    }
    buf_appends(b, "</section>");
}

struct listing {
    struct wb_env *env;
    struct buf *b;
    long n;
};

/* exc_row - one file of reject/ or hold/ as a table row */
static int exc_row(void *arg, const struct queue_item *it)
{
    struct listing *l = arg;
    if (l->n++ >= LIST_MAX)
        return WB_OK;
    char dir[4096], path[4400];
    long age = (long)(clock_now() - it->e->mtime);
    buf_appendf(l->b, "<tr><td>%s</td><td>", spool_state_name(it->state));
    esc(l->b, it->account);
    buf_appends(l->b, "</td><td>");
    esc(l->b, it->flow);
    buf_appends(l->b, "</td><td>");
    if (spool_dir(&l->env->spool, it->state, it->lane, dir, sizeof dir) == WB_OK &&
        snprintf(path, sizeof path, "%s/%s", dir, it->e->name) < (int)sizeof path)
        link(l->b, path, it->e->name);
    else
        esc(l->b, it->e->name);
    buf_appends(l->b, "</td><td>");
    esc(l->b, *it->code ? it->code : "-");
    buf_appendf(l->b, "</td><td>%ldh%02ldm</td></tr>", (age < 0 ? 0 : age) / 3600,
                ((age < 0 ? 0 : age) % 3600) / 60);
    return WB_OK;
}

/* exceptions - the reject backlog by owner and age, then the files */
static void exceptions(struct wb_env *env, struct buf *b)
{
    buf_appends(b, "<section id=\"exceptions\"><h2>Exception queue by owner and age</h2>"
                   "<div class=\"scroll\"><table><tr><th>account</th><th>owner</th>"
                   "<th>files</th><th>oldest</th></tr>");
    long total = 0;
    for (int a = 0; a < env->cfg.naccounts; a++) {
        struct health h;
        if (health_now(env, a, &h) != WB_OK)
            continue;
        for (int i = 0; i < h.nbacklog; i++) {
            buf_appends(b, "<tr><td>");
            esc(b, env->cfg.accounts[a].name);
            buf_appends(b, "</td><td>");
            esc(b, h.backlog[i].owner);
            buf_appendf(b, "</td><td>%ld</td><td>%ldh%02ldm</td></tr>", h.backlog[i].count,
                        h.backlog[i].oldest_seconds / 3600,
                        (h.backlog[i].oldest_seconds % 3600) / 60);
            total += h.backlog[i].count;
        }
    }
    if (!total)
        buf_appends(b, "<tr><td colspan=\"4\">nothing waits in reject/</td></tr>");
    buf_appends(b, "</table></div><h3>Files waiting for an operator</h3><div class=\"scroll\">"
                   "<table><tr><th>state</th><th>account</th><th>flow</th><th>file</th>"
                   "<th>code</th><th>age</th></tr>");
    static const enum spool_state st[] = {SP_REJECT, SP_HOLD};
    struct queue_filter f = {0};
    struct listing l = {env, b, 0};
    queue_scan(env, st, 2, &f, exc_row, &l);
    if (!l.n)
        buf_appends(b, "<tr><td colspan=\"6\">none</td></tr>");
    buf_appends(b, "</table></div>");
    if (l.n > LIST_MAX)
        buf_appendf(b, "<p>&hellip; and %ld more (wmsbridge queue)</p>", l.n - LIST_MAX);
    buf_appends(b, "</section>");
}

/* feeds_of_day - the feeds created since midnight UTC */
static void feeds_of_day(struct wb_env *env, struct buf *b)
{
    time_t now = clock_now(), today = now - now % 86400;
    buf_appends(b, "<section id=\"feeds\"><h2>Feeds of the day</h2><div class=\"scroll\"><table>"
                   "<tr><th>feed</th><th>flow</th><th>type</th><th>state</th><th>messages</th>"
                   "<th>created</th><th>sent after</th><th>Amazon feed id</th></tr>");
    long n = 0;
    for (int s = LFD_BUILDING; s <= LFD_LAST; s++) {
        struct ledger_feed *v;
        size_t k;
        if (ledger_feeds_in_state(env->ledger, s, &v, &k) != WB_OK)
            continue;
        for (size_t i = 0; i < k; i++) {
            if (v[i].created < today || n >= LIST_MAX)
                continue;
            char when[32];
            clock_format_iso(v[i].created, when, sizeof when);
            buf_appendf(b, "<tr><td>%lld</td><td>", v[i].id);
            esc(b, v[i].flow);
            buf_appends(b, "</td><td>");
            esc(b, v[i].feed_type);
            buf_appendf(b, "</td><td>%s</td><td>%ld</td><td>%s</td><td>",
                        ledger_feed_state_name(v[i].state), v[i].messages, when);
            if (v[i].submitted >= v[i].created && v[i].submitted)
                buf_appendf(b, "%llds", (long long)(v[i].submitted - v[i].created));
            else
                buf_appends(b, "-");
            buf_appends(b, "</td><td>");
            esc(b, *v[i].amazon_feed_id ? v[i].amazon_feed_id : "-");
            buf_appends(b, "</td></tr>");
            n++;
        }
        free(v);
    }
    if (!n)
        buf_appends(b, "<tr><td colspan=\"8\">no feed today</td></tr>");
    buf_appends(b, "</table></div></section>");
}

/* alerts - the open alerts with owner and what to do */
static void alerts(struct wb_env *env, struct buf *b)
{
    struct ledger_alert_rec *v = NULL;
    size_t n = 0;
    ledger_alerts_list(env->ledger, &v, &n);
    buf_appends(b, "<section id=\"alerts\"><h2>Open alerts</h2><div class=\"scroll\"><table>"
                   "<tr><th>type</th><th>owner</th><th>since</th><th>key</th><th>what</th>"
                   "<th>what to do</th></tr>");
    for (size_t i = 0; i < n && i < LIST_MAX; i++) {
        const struct alert_type *t = alert_type_find(v[i].kind);
        char when[32];
        clock_format_iso(v[i].created, when, sizeof when);
        buf_appends(b, "<tr><td>");
        esc(b, v[i].kind);
        buf_appends(b, "</td><td>");
        esc(b, alert_owner(&env->cfg, v[i].kind));
        buf_appendf(b, "</td><td>%s</td><td>", when);
        esc(b, v[i].item);
        buf_appends(b, "</td><td>");
        esc(b, v[i].text);
        buf_appends(b, "</td><td>");
        esc(b, t ? t->action : "");
        buf_appends(b, "</td></tr>");
    }
    if (!n)
        buf_appends(b, "<tr><td colspan=\"6\">none</td></tr>");
    buf_appends(b, "</table></div></section>");
    free(v);
}

/* check - one item of the operator's checks; dir (may be NULL) linked */
static void check(struct buf *b, const char *what, const char *how, const char *dir,
                  const char *dirtext)
{
    buf_appends(b, "<li><strong>");
    esc(b, what);
    buf_appends(b, "</strong>: ");
    esc(b, how);
    if (dir) {
        buf_appends(b, " &middot; ");
        link(b, dir, dirtext);
    }
    buf_appends(b, "</li>");
}

/* checks - what an operator should look at, with links to the spool */
static void checks(struct wb_env *env, struct buf *b)
{
    char rej[4096], rep[4096], fds[4096];
    spool_dir(&env->spool, SP_REJECT, NULL, rej, sizeof rej);
    spool_dir(&env->spool, SP_REPORTS, NULL, rep, sizeof rep);
    spool_dir(&env->spool, SP_FEEDS, NULL, fds, sizeof fds);
    struct health h;
    health_now(env, 0, &h);
    buf_appends(b, "<section id=\"checks\"><h2>Checks to do</h2><h3>Every day</h3><ul>");
    check(b, "Exceptions",
          "work through reject/ by owner (wmsbridge rejects, queue); requeue what is fixed, drop "
          "what is not needed with a reason",
          rej, "reject/");
    check(b, "A sample of dispatch confirmation timings",
          "open two or three feeds of the day above in Seller Central (Inventory > Upload "
          "history) and compare the confirmation time with the ship time in the WMS; the "
          "processing reports are kept",
          rep, "reports/");
    check(b, "Order exceptions",
          h.f[H_ORDER_SYNC_LATENCY].configured
              ? "orders that did not reach the WMS or were not acknowledged in time"
              : "not configured: the orders flow is not set up",
          NULL, NULL);
    check(b, "By-SKU inventory comparison",
          h.f[H_INVENTORY_FRESHNESS].configured
              ? "compare the WMS stock of a sample of SKUs with Seller Central"
              : "not configured: the inventory flow is not set up",
          NULL, NULL);
    buf_appends(b, "</ul><h3>Every month</h3><ul>");
    check(b, "Reconciliation",
          h.f[H_SETTLEMENT_DRIFT].configured
              ? "reconcile the settlement reports with the ledger; explain every drift"
              : "not configured: the settlements flow is not set up",
          NULL, NULL);
    check(b, "Feed files", "the feeds sent are kept; spot-check one against its report", fds,
          "feeds/");
    buf_appends(b, "</ul></section>");
}

/* report_render - the whole page into out */
int report_render(struct wb_env *env, struct buf *out)
{
    if (!env->ledger || !env->have_spool)
        return WB_BADARG;
    char now[32];
    clock_format_iso(clock_now(), now, sizeof now);
    buf_appends(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<title>wmsbridge daily report ");
    buf_appendf(out,
                "%.10s</title><style>%s</style></head><body><header>"
                "<h1>wmsbridge daily report</h1><p class=\"meta\">",
                now, style);
    buf_appendf(out, "made %s (UTC) from the spool ", now);
    esc(out, env->spool.root);
    buf_appendf(out, " &middot; %d seller account(s)</p></header>", env->cfg.naccounts);
    figures(env, out);
    exceptions(env, out);
    feeds_of_day(env, out);
    alerts(env, out);
    checks(env, out);
    return buf_appends(out, "</body></html>\n");
}
