/*
 * orders_flow.h - the orders flow (Amazon -> WMS) as a row of the flow table:
 * `convert orders` over a stream, and the hooks of its row.
 * Returns WB_* codes; never exits.
 */
#ifndef WB_ORDERS_FLOW_H
#define WB_ORDERS_FLOW_H

#include <stdio.h>
#include <time.h>

#include "core/buf.h"
#include "flows/flow.h"

struct orders_rules;

/* orders_convert - searchOrders answers on in to the WMS order file on out, held and left-out
 * orders as JSON lines on rejects (NULL: none); WB_PERMFAIL when some were held, WB_NOINPUT
 * when the input is not JSON */
int orders_convert(const struct orders_rules *r, FILE *in, FILE *out, FILE *rejects,
                   struct flow_convert_stats *st, struct buf *err);

/* the flow table's hooks (flows/flow.h) */
int orders_flow_convert_check(const struct flow_convert_args *a, struct buf *err);
int orders_flow_convert(const struct flow_convert_args *a, FILE *in, FILE *out, FILE *rej,
                        struct flow_convert_stats *st, struct buf *lines, struct buf *err);
struct wb_env;
struct feeds_client;
struct outflow_stats;
struct wb_account;
int orders_flow_fetch(struct wb_env *env, const struct wb_account *a, struct feeds_client *fc,
                      int force, struct outflow_stats *st);
void orders_flow_status(struct wb_env *env, struct buf *out);
int orders_flow_rewrite(struct wb_env *env, const struct wb_account *a, const char *name,
                        struct buf *err);
struct health;
void orders_flow_health(struct wb_env *env, const struct wb_account *a, time_t from, time_t to,
                        struct health *h);

#endif
