/*
 * inventory_flow.h - the inventory flow's hooks in the flow table: WMS stock
 * snapshots -> JSON_LISTINGS_FEED quantity messages. Today the flow converts
 * (`wmsbridge convert inventory`); it has no spool path yet, so no job.
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

#endif
