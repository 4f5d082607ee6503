/*
 * inventory_flow.h - the inventory flow's hooks in the flow table: WMS stock
 * snapshots -> JSON_LISTINGS_FEED quantity messages: `wmsbridge convert
 * inventory` (inventory_convert.c) and the spool path, the `inventory` job
 * (inventory_flow.c).
 * Returns WB_* codes; never exits.
 */
#ifndef WB_INVENTORY_FLOW_H
#define WB_INVENTORY_FLOW_H

#include <stdio.h>

#include "core/buf.h"
#include "flows/flow.h"

/* inventory_flow_convert_check - flow table hook: the layout and maps fit the inventory rules */
int inventory_flow_convert_check(const struct flow_convert_args *a, struct buf *err);
/* inventory_flow_convert - flow table hook: `convert inventory` */
int inventory_flow_convert(const struct flow_convert_args *a, FILE *in, FILE *out, FILE *rej,
                           struct flow_convert_stats *st, struct buf *lines, struct buf *err);

struct wb_env;
struct outflow;
struct outflow_stats;
struct feeds_client;
/* inventory_flow_open - flow table hook: bind to the environment, load the stock maps */
int inventory_flow_open(const struct wb_env *env, void **inst, struct outflow **of,
                        struct buf *err);
/* inventory_flow_run - flow table hook: intake, deltas, batch, submit, poll, settle */
int inventory_flow_run(void *inst, struct wb_env *env, struct feeds_client *fc, int force,
                       struct outflow_stats *st);
/* inventory_flow_on - flow table hook: on once stock_states_map is set */
struct wb_config;
int inventory_flow_on(const struct wb_config *cfg);
/* inventory_flow_close - flow table hook: release */
void inventory_flow_close(void *inst);
/* inventory_flow_status - flow table hook: `status` lines (drift reports, changes waiting) */
void inventory_flow_status(struct wb_env *env, struct buf *out);

#endif
