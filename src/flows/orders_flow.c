/*
 * orders_flow.c - the orders flow wired into the flow table: the checks of
 * `convert orders` and the conversion itself. Never exits; never reaches
 * into another flow.
 */
#include <string.h>

#include "core/wb.h"
#include "flows/flow.h"
#include "flows/orders.h"
#include "flows/orders_flow.h"
#include "layout/layout.h"
#include "maps/carriers.h"

/* orders_flow_convert_check - flow table hook: the layout and maps fit the orders flow */
int orders_flow_convert_check(const struct flow_convert_args *a, struct buf *err)
{
    int rc = WB_OK;
    if (strcmp(layout_flow(a->layout), "orders") != 0) {
        buf_appendf(err, "%s: the layout is for flow '%s', not orders\n", layout_origin(a->layout),
                    layout_flow(a->layout));
        rc = WB_CONFIG;
    } else if (flow_layout_check(a->layout, err) != WB_OK) {
        rc = WB_CONFIG;
    }
    if (!a->skus) {
        buf_appendf(err, "convert orders: --skus is required (the gate maps every seller SKU)\n");
        rc = WB_CONFIG;
    }
    if (!carriers_ship_service_count(a->carriers)) {
        buf_appendf(err, "convert orders: the carrier map has no [ship-service] lines\n");
        rc = WB_CONFIG;
    }
    return rc;
}

/* orders_flow_convert - flow table hook: `convert orders` */
int orders_flow_convert(const struct flow_convert_args *a, FILE *in, FILE *out, FILE *rej,
                        struct flow_convert_stats *st, struct buf *lines, struct buf *err)
{
    (void)lines; /* the output is no feed: nothing to name by input line */
    struct orders_rules r = {a->skus, a->carriers, a->layout};
    int rc = orders_flow_convert_check(a, err);
    if (rc != WB_OK) {
        *st = (struct flow_convert_stats){0};
        return rc;
    }
    return orders_convert(&r, in, out, rej, st, err);
}
