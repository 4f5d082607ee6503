/*
 * sink.c - the sink choice and the one step that hands ready batches to the sinks (rules in
 * sink.h). Owns the READY -> CALLING transition (the api sink's claim, durable before any
 * call). Returns WB_* codes; never exits; never calls Amazon itself.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "flows/outflow.h"
#include "flows/sink.h"
#include "net/spapi.h"
#include "spool/ledger.h"

/* sink_via_parse - "feed", "api" or "auto" */
int sink_via_parse(const char *v, enum sink_via *out)
{
    static const char *const names[] = {
        [SINK_FEED] = "feed", [SINK_API] = "api", [SINK_AUTO] = "auto"};
    for (size_t i = 0; v && i < WB_ARRAY_LEN(names); i++)
        if (strcmp(v, names[i]) == 0) {
            *out = (enum sink_via)i;
            return WB_OK;
        }
    return WB_BADARG;
}

/* sink_via_of - the account's own setting, else the top-level one, else feed */
enum sink_via sink_via_of(const struct wb_config *cfg, const struct wb_account *a)
{
    enum sink_via v = SINK_FEED;
    if (a && a->dispatch_via && sink_via_parse(a->dispatch_via, &v) == WB_OK)
        return v;
    if (cfg && sink_via_parse(cfg->dispatch_via, &v) == WB_OK)
        return v;
    return SINK_FEED;
}

/* sink_choose - the sink of a batch of norders orders */
const struct sink_ops *sink_choose(enum sink_via via, long api_max, long norders)
{
    if (via == SINK_API)
        return &sink_api_ops;
    if (via == SINK_AUTO && norders >= 1 && norders <= api_max)
        return &sink_api_ops;
    return &sink_feed_ops;
}

/* sink_open - bind ops to an account, its client, the environment and a flow */
void sink_open(struct sink *s, const struct sink_ops *ops, const struct wb_account *a,
               struct wb_env *env, struct feeds_client *fc, const struct outflow *of)
{
    *s = (struct sink){.ops = ops, .account = a, .env = env, .fc = fc, .of = of};
}

/* sink_repeat_answer - 1 for Amazon's answer to a repeated confirmation */
int sink_repeat_answer(const struct spapi_refusal *r)
{
    if (r->status != 400)
        return 0;
    for (const char *p = r->message; *p; p++)
        if (strncasecmp(p, "already", 7) == 0)
            return 1;
    return 0;
}

struct orders {
    const struct outflow *of;
    char (*v)[32];
    size_t n, cap;
};

/* orders_cb - collect the order id of each queued row of a batch */
static int orders_cb(void *arg, const struct ledger_row_view *r)
{
    struct orders *o = arg;
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 64;
        char(*nv)[32] = realloc(o->v, nc * sizeof *nv);
        if (!nv)
            return WB_NOMEM;
        o->v = nv;
        o->cap = nc;
    }
    o->of->order_of(r->payload ? r->payload : "", o->v[o->n], sizeof o->v[o->n]);
    o->n++;
    return WB_OK;
}

/* order_cmp - order ids in byte order */
static int order_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* batch_orders - how many distinct orders the queued rows of batch feed_id are for */
static int batch_orders(const struct outflow *of, struct ledger *lg, long long feed_id, long *n)
{
    struct orders o = {.of = of};
    int rc = ledger_rows_of_feed(lg, feed_id, orders_cb, &o);
    *n = 0;
    if (rc == WB_OK && o.n) {
        qsort(o.v, o.n, sizeof *o.v, order_cmp);
        *n = 1;
        for (size_t i = 1; i < o.n; i++)
            *n += strcmp(o.v[i], o.v[i - 1]) != 0;
    }
    free(o.v);
    return rc;
}

/* claim_for_api - every ready batch of the flow the account's setting sends by the Orders API
 * becomes CALLING (one durable write each) before either sink sends anything */
static int claim_for_api(const struct wb_account *a, struct wb_env *env, const struct outflow *of)
{
    enum sink_via via = sink_via_of(&env->cfg, a);
    if (via == SINK_FEED || !of->package || !of->order_of)
        return WB_OK;
    struct ledger_feed *fv;
    size_t n;
    int rc = ledger_feeds_in_state(env->ledger, LFD_READY, &fv, &n);
    for (size_t i = 0; i < n && rc == WB_OK; i++) {
        if (!flow_lane_is(of->flow, fv[i].flow, fv[i].account))
            continue;
        long orders = 0;
        if ((rc = batch_orders(of, env->ledger, fv[i].id, &orders)) != WB_OK)
            break;
        if (sink_choose(via, env->cfg.dispatch_api_max, orders) != &sink_api_ops)
            continue;
        fv[i].state = LFD_CALLING;
        fv[i].intent_at = fv[i].next_poll = clock_now();
        fv[i].attempts++;
        rc = ledger_feed_put(env->ledger, &fv[i]);
        if (rc == WB_OK)
            log_info("feed=%lld flow=%s account=%s event=sink-chosen sink=api orders=%ld "
                     "messages=%ld",
                     fv[i].id, of->flow, a && a->name ? a->name : CONF_DEFAULT_ACCOUNT, orders,
                     fv[i].messages);
    }
    free(fv);
    return rc;
}

/* sink_run - claim for the api sink, then each sink submits and polls */
int sink_run(const struct wb_account *a, struct wb_env *env, struct feeds_client *fc,
             const struct outflow *of, int all_now)
{
    int rc = claim_for_api(a, env, of);
    if (rc != WB_OK || !fc)
        return rc;
    const struct sink_ops *const order[] = {&sink_api_ops, &sink_feed_ops};
    for (size_t i = 0; i < WB_ARRAY_LEN(order) && !outflow_stopping(of); i++) {
        struct sink s;
        sink_open(&s, order[i], a, env, fc, of);
        int r = s.ops->submit(&s);
        int p = outflow_stopping(of) ? WB_OK : s.ops->poll(&s, all_now);
        if (rc == WB_OK)
            rc = r != WB_OK ? r : p;
    }
    return rc;
}
