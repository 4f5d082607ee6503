/*
 * inventory_cadence.c - the inventory cadence rule (fast and slow SKUs, which
 * change waits and until when), the inventory freshness figure per SKU class,
 * the inventory-stale alert and the `status` line of waiting changes (see
 * inventory_cadence.h). Owns the fast SKU list it loads; reads the ledger,
 * never writes it (the flow stores the due times); never exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "flows/health.h"
#include "flows/inventory_cadence.h"
#include "flows/inventory_flow.h"
#include "maps/mapfile.h"
#include "maps/strmap.h"
#include "spool/ledger.h"

static const char *const class_name[INV_NCLASS] = {"fast", "slow"};

/* list_line - one line of the fast SKU list: a seller SKU, no blanks inside */
static int list_line(void *ctx, struct mapfile *mf, char *line)
{
    struct strmap *m = ctx;
    if (strpbrk(line, " \t")) {
        mapfile_error(mf, "a seller SKU has no blanks: '%.80s'", line);
        return WB_OK;
    }
    int rc = strmap_put(m, line, m, NULL);
    if (rc == WB_EXISTS) {
        mapfile_warn(mf, "'%.80s' listed twice", line);
        return WB_OK;
    }
    return rc;
}

/* inventory_cadence_list_parse - the fast SKU list from text */
int inventory_cadence_list_parse(const char *name, const char *text, size_t len,
                                 struct strmap **out, struct buf *err)
{
    struct mapfile mf;
    *out = strmap_new(64);
    if (!*out)
        return WB_NOMEM;
    mapfile_init(&mf, name, text, len, err);
    int rc = mapfile_each(&mf, list_line, *out, "too many SKUs");
    if (rc != WB_OK) {
        strmap_free(*out);
        *out = NULL;
    }
    return rc;
}

/* list_text - mapfile_load adapter */
static int list_text(const char *name, const char *text, size_t len, void *out, struct buf *err)
{
    return inventory_cadence_list_parse(name, text, len, out, err);
}

/* inventory_cadence_list_load - the inventory_fast_skus file, NULL when none is named */
int inventory_cadence_list_load(const char *path, struct strmap **out, struct buf *err)
{
    *out = NULL;
    if (!path || !*path)
        return WB_OK;
    return mapfile_load(path, list_text, out, err);
}

struct selling {
    struct strmap *m;
    long long min_units; /* over the days */
};

/* selling_cb - ledger_order_units_since callback: a seller SKU sold fast enough is fast */
static int selling_cb(void *arg, const char *sku, long long units)
{
    struct selling *s = arg;
    if (units < s->min_units)
        return WB_OK;
    int rc = strmap_put(s->m, sku, s->m, NULL);
    return rc == WB_EXISTS ? WB_OK : rc;
}

/* inventory_cadence_init - the rule for one account at now */
int inventory_cadence_init(struct inventory_cadence *c, const struct wb_config *cfg,
                           const struct strmap *listed, struct ledger *lg, const char *account,
                           time_t now)
{
    memset(c, 0, sizeof *c);
    c->listed = listed;
    c->slow_seconds = cfg->inventory_slow_minutes * 60;
    c->now = now;
    if (cfg->inventory_fast_units_per_day <= 0 || !lg)
        return WB_OK;
    struct selling s = {.m = strmap_new(64),
                        .min_units = (long long)cfg->inventory_fast_units_per_day *
                                     cfg->inventory_velocity_days};
    if (!s.m)
        return WB_NOMEM;
    int rc = ledger_order_units_since(lg, account ? account : "",
                                      now - (time_t)cfg->inventory_velocity_days * 86400,
                                      selling_cb, &s);
    if (rc != WB_OK) {
        strmap_free(s.m);
        return rc;
    }
    c->selling = s.m;
    return WB_OK;
}

/* inventory_cadence_free - release */
void inventory_cadence_free(struct inventory_cadence *c)
{
    strmap_free(c->selling);
    c->selling = NULL;
}

/* inventory_cadence_class - fast by the list or by units sold, else slow */
enum inventory_class inventory_cadence_class(const struct inventory_cadence *c, const char *sku)
{
    if ((c->listed && strmap_get(c->listed, sku)) || (c->selling && strmap_get(c->selling, sku)))
        return INV_FAST;
    return INV_SLOW;
}

/* inventory_cadence_due - only a slow SKU's rise above what was last put in a feed waits, until
 * that publication is slow_seconds old */
time_t inventory_cadence_due(const struct inventory_cadence *c, const char *sku, long long was,
                             time_t last, long long qty)
{
    if (c->slow_seconds <= 0 || was < 0 || qty <= was ||
        inventory_cadence_class(c, sku) == INV_FAST)
        return 0;
    time_t due = last + (time_t)c->slow_seconds;
    return due > c->now ? due : 0;
}

struct fresh {
    const struct inventory_cadence *cad;
    struct inventory_freshness *out;
};

/* open_cb - ledger_inventory_open callback: a SKU with a change Amazon has not accepted */
static int open_cb(void *arg, const char *sku, time_t since, int pending, time_t due)
{
    struct fresh *x = arg;
    enum inventory_class k = inventory_cadence_class(x->cad, sku);
    if (!x->out->since[k] || since < x->out->since[k])
        x->out->since[k] = since;
    if (pending) {
        x->out->waiting[k]++;
        if (due > x->cad->now)
            x->out->deferred[k]++;
    }
    return WB_OK;
}

/* account_key - the ledger's account column of a: '' for the default one */
static const char *account_key(const struct wb_account *a)
{
    return strcmp(a->name, CONF_DEFAULT_ACCOUNT) == 0 ? "" : a->name;
}

/* inventory_freshness_get - a's lane as of now */
int inventory_freshness_get(struct wb_env *env, const struct wb_account *a, time_t now,
                            struct inventory_freshness *out)
{
    const struct wb_config *cfg = &env->cfg;
    memset(out, 0, sizeof *out);
    out->target[INV_FAST] = cfg->target_inventory_freshness_minutes;
    out->target[INV_SLOW] = cfg->target_inventory_freshness_minutes + cfg->inventory_slow_minutes;
    char lane[FLOW_LANE_MAX];
    int rc = flow_lane("inventory", a, lane, sizeof lane);
    if (rc != WB_OK || !env->ledger)
        return rc != WB_OK ? rc : WB_NOTFOUND;
    struct strmap *listed = NULL;
    struct inventory_cadence cad;
    if ((rc = inventory_cadence_list_load(cfg->inventory_fast_skus, &listed, NULL)) != WB_OK)
        return rc;
    rc = inventory_cadence_init(&cad, cfg, listed, env->ledger, account_key(a), now);
    struct fresh x = {.cad = &cad, .out = out};
    if (rc == WB_OK)
        rc = ledger_inventory_newest(env->ledger, lane, &out->newest);
    if (rc == WB_OK)
        rc = ledger_inventory_open(env->ledger, lane, open_cb, &x);
    inventory_cadence_free(&cad);
    strmap_free(listed);
    if (rc != WB_OK)
        return rc;
    long worst = 0;
    for (int k = 0; k < INV_NCLASS; k++) {
        if (!out->since[k])
            out->since[k] = out->newest;
        out->age[k] = out->since[k] && now > out->since[k] ? (long)((now - out->since[k]) / 60) : 0;
        long over = out->age[k] - out->target[k];
        if (k == 0 || over > worst) {
            worst = over;
            out->worst = k;
        }
    }
    return WB_OK;
}

/* inventory_cadence_health - flow table hook: minutes the class furthest over its target is
 * behind the WMS; known only as of now */
void inventory_cadence_health(struct wb_env *env, const struct wb_account *a, time_t from,
                              time_t to, struct health *h)
{
    (void)from;
    struct health_figure *f = &h->f[H_INVENTORY_FRESHNESS];
    if (!inventory_flow_on(&env->cfg))
        return;
    f->configured = 1;
    f->target = (double)env->cfg.target_inventory_freshness_minutes;
    if (!health_is_now(to)) {
        snprintf(f->detail, sizeof f->detail, "known only for now");
        return;
    }
    time_t now = clock_now();
    struct inventory_freshness r;
    if (inventory_freshness_get(env, a, now, &r) != WB_OK) {
        snprintf(f->detail, sizeof f->detail, "the ledger cannot be read");
        return;
    }
    if (!r.newest) {
        snprintf(f->detail, sizeof f->detail, "no stock snapshot taken in yet");
        return;
    }
    f->have = 1;
    f->value = (double)r.age[r.worst];
    f->target = (double)r.target[r.worst];
    snprintf(f->detail, sizeof f->detail,
             "fast %ld min (target %ld), %ld waiting; slow %ld min (target %ld), %ld waiting, "
             "%ld held back",
             r.age[INV_FAST], r.target[INV_FAST], r.waiting[INV_FAST], r.age[INV_SLOW],
             r.target[INV_SLOW], r.waiting[INV_SLOW], r.deferred[INV_SLOW] + r.deferred[INV_FAST]);
}

/* inventory_cadence_alert - inventory-stale for a's lane: raised while a class is over its
 * target, resolved once none is */
int inventory_cadence_alert(struct wb_env *env, const struct wb_account *a)
{
    char lane[FLOW_LANE_MAX], when[32], text[400];
    time_t now = clock_now();
    struct inventory_freshness r;
    int rc = flow_lane("inventory", a, lane, sizeof lane);
    if (rc == WB_OK)
        rc = inventory_freshness_get(env, a, now, &r);
    if (rc != WB_OK || !r.newest)
        return rc;
    int k = r.worst;
    if (r.age[k] <= r.target[k])
        return alert_clear(env, "inventory-stale", lane);
    long newest_age = now > r.newest ? (long)((now - r.newest) / 60) : 0;
    clock_format_iso(newest_age > r.target[k] ? r.newest : r.since[k], when, sizeof when);
    if (newest_age > r.target[k])
        snprintf(text, sizeof text,
                 "no stock snapshot newer than %s (%ld min old, target %ld) in %s: is the WMS "
                 "exporting?",
                 when, newest_age, r.target[k], lane);
    else
        snprintf(text, sizeof text,
                 "the %s SKUs' stock on Amazon is that of %s (%ld min old, target %ld): %ld "
                 "change(s) not sent yet, the others sent and not yet accepted",
                 class_name[k], when, r.age[k], r.target[k], r.waiting[k]);
    return alert_raise_in(env, "inventory-stale", account_key(a), "inventory", lane, text);
}

/* inventory_cadence_status - `status` lines: per account where changes wait, how many per class */
void inventory_cadence_status(struct wb_env *env, struct buf *out)
{
    if (!inventory_flow_on(&env->cfg) || !env->ledger)
        return;
    time_t now = clock_now();
    for (int i = 0; i < env->cfg.naccounts; i++) {
        struct inventory_freshness r;
        if (inventory_freshness_get(env, &env->cfg.accounts[i], now, &r) != WB_OK ||
            !(r.waiting[INV_FAST] + r.waiting[INV_SLOW]))
            continue;
        buf_appendf(out,
                    "inventory cadence (account %s): fast %ld change(s) waiting, slow %ld "
                    "waiting (%ld held back until due)\n",
                    env->cfg.accounts[i].name, r.waiting[INV_FAST], r.waiting[INV_SLOW],
                    r.deferred[INV_SLOW] + r.deferred[INV_FAST]);
    }
}
