/*
 * health.c - the seven health figures (see health.h): their table, the two
 * the shared machinery owns (feed success rate from the ledger's feeds,
 * exception backlog from reject/ by the owner of each reject code), and the
 * call of each flow row's `health` member for the others. Reads the spool and
 * the ledger; writes nothing; never exits.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/wb.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "flows/health.h"
#include "flows/rejectcodes.h"
#include "spool/ledger.h"
#include "spool/spool.h"

static const struct health_def defs[H_N] = {
    [H_ORDER_SYNC_LATENCY] = {"order_sync_latency", "order sync latency", "minutes", 0},
    [H_ACK_ON_TIME] = {"ack_on_time_rate", "acknowledgements on time", "percent", 1},
    [H_INVENTORY_FRESHNESS] = {"inventory_freshness", "inventory freshness", "minutes", 0},
    [H_FEED_SUCCESS] = {"feed_success_rate", "feed success rate", "percent", 1},
    [H_SETTLEMENT_DRIFT] = {"settlement_drift", "settlement reconciliation drift", "findings", 0},
    [H_REFUND_LATENCY] = {"refund_latency", "refund latency", "hours", 0},
    [H_EXCEPTION_BACKLOG] = {"exception_backlog", "exception backlog", "files", 0},
};

/* health_defs - the table */
const struct health_def *health_defs(void)
{
    return defs;
}

/* health_is_now - a window ending within the last minute ends now */
int health_is_now(time_t to)
{
    return to >= clock_now() - 60;
}

/* health_ok - a measured figure against its target */
int health_ok(const struct health_figure *f, const struct health_def *d)
{
    if (!f->configured || !f->have)
        return 1;
    return d->higher_better ? f->value >= f->target : f->value <= f->target;
}

/* health_window - "14 days", "1 day": the whole days of [from, to), at least 1, for details */
const char *health_window(time_t from, time_t to, char *out, size_t n)
{
    long d = (long)((to - from) / 86400);
    if (d < 1)
        d = 1;
    snprintf(out, n, "%ld day%s", d, d == 1 ? "" : "s");
    return out;
}

/* feed_success - feeds of account number account done of those ended in [from, to) */
static void feed_success(struct wb_env *env, int account, time_t from, time_t to,
                         struct health_figure *f)
{
    long c[LFD_LAST + 1];
    char w[24];
    f->configured = 1;
    f->target = (double)env->cfg.target_feed_success_pct;
    if (!env->ledger ||
        ledger_feed_outcomes(env->ledger, account ? env->cfg.accounts[account].name : "", from, to,
                             c) != WB_OK)
        return;
    long ended = c[LFD_DONE] + c[LFD_FATAL] + c[LFD_CANCELLED] + c[LFD_INVALID];
    if (!ended) {
        snprintf(f->detail, sizeof f->detail, "no feed ended in %s",
                 health_window(from, to, w, sizeof w));
        return;
    }
    f->have = 1;
    f->value = 100.0 * (double)c[LFD_DONE] / (double)ended;
    snprintf(f->detail, sizeof f->detail, "%ld of %ld feeds done in %s", c[LFD_DONE], ended,
             health_window(from, to, w, sizeof w));
}

/* backlog_add - one reject file of owner, age seconds */
static void backlog_add(struct health *h, const char *owner, long age)
{
    int i = 0;
    while (i < h->nbacklog && strcmp(h->backlog[i].owner, owner) != 0)
        i++;
    if (i == h->nbacklog) {
        if (h->nbacklog == HEALTH_OWNERS)
            return;
        snprintf(h->backlog[i].owner, sizeof h->backlog[i].owner, "%s", owner);
        h->nbacklog++;
    }
    h->backlog[i].count++;
    if (age > h->backlog[i].oldest_seconds)
        h->backlog[i].oldest_seconds = age;
}

/* exception_backlog - files waiting in reject/ of the account's lanes, by owner of their code,
 * as of to: only now is known (reject/ keeps no history) */
static void exception_backlog(struct wb_env *env, int account, time_t to, struct health *h)
{
    struct health_figure *f = &h->f[H_EXCEPTION_BACKLOG];
    f->configured = 1;
    f->target = (double)env->cfg.target_exception_backlog;
    if (!health_is_now(to))
        return;
    time_t now = clock_now();
    f->have = 1;
    size_t nfl;
    const struct flow_def *fl = flows(&nfl);
    long total = 0, oldest = 0;
    for (size_t i = 0; i < nfl; i++) {
        char ln[FLOW_LANE_MAX];
        struct spool_entry *e;
        size_t n;
        if (flow_lane(fl[i].name, &env->cfg.accounts[account], ln, sizeof ln) != WB_OK ||
            spool_list(&env->spool, SP_REJECT, ln, &e, &n) != WB_OK)
            continue;
        for (size_t k = 0; k < n; k++) {
            char code[40];
            spool_read_reason(&env->spool, SP_REJECT, ln, e[k].name, code, sizeof code, NULL, 0);
            const struct rejectcode *rc = rejectcodes_find(code);
            long age = now > e[k].mtime ? (long)(now - e[k].mtime) : 0;
            backlog_add(h, rc ? rc->owner : "unknown", age);
            total++;
            if (age > oldest)
                oldest = age;
        }
        free(e);
    }
    f->value = (double)total;
    snprintf(f->detail, sizeof f->detail, "%ld file(s), oldest %ld min", total, oldest / 60);
}

/* health_compute - the figures of one account over [from, to) */
int health_compute(struct wb_env *env, int account, time_t from, time_t to, struct health *out)
{
    memset(out, 0, sizeof *out);
    out->account = account;
    if (account < 0 || account >= env->cfg.naccounts)
        return WB_BADARG;
    feed_success(env, account, from, to, &out->f[H_FEED_SUCCESS]);
    exception_backlog(env, account, to, out);
    size_t nfl;
    const struct flow_def *fl = flows(&nfl);
    for (size_t i = 0; i < nfl; i++)
        if (fl[i].health)
            fl[i].health(env, &env->cfg.accounts[account], from, to, out);
    for (int k = 0; k < H_N; k++)
        if (!out->f[k].configured)
            snprintf(out->f[k].detail, sizeof out->f[k].detail, "not configured");
    return WB_OK;
}

/* health_now - the current figures: the last HEALTH_WINDOW */
int health_now(struct wb_env *env, int account, struct health *out)
{
    time_t now = clock_now();
    return health_compute(env, account, now - HEALTH_WINDOW, now + 1, out);
}
