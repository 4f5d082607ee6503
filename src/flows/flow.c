/*
 * flow.c - the flow table (see flow.h) and the checks every flow's layouts
 * pass. Owns the rows; a new flow adds its row here and its code in its own
 * file. Never exits; never touches the spool, the ledger or the network.
 */
#include <stdio.h>
#include <string.h>

#include "core/conf.h"
#include "core/wb.h"
#include "flows/ack_flow.h"
#include "flows/dispatch_flow.h"
#include "flows/env.h"
#include "flows/inventory.h"
#include "flows/inventory_cadence.h"
#include "flows/inventory_drift.h"
#include "flows/inventory_flow.h"
#include "flows/flow.h"
#include "flows/orders.h"
#include "flows/orders_flow.h"
#include "flows/receipts_flow.h"
#include "flows/returns_flow.h"
#include "flows/settlement_flow.h"
#include "flows/settlement_recon.h"
#include "layout/layout.h"
#include "spool/spool.h"

static const struct flow_def table[] = {
    {
        .name = "dispatch",
        .direction = FLOW_TO_AMAZON,
        .layout_default = "dispatch-utf8",
        .required = dispatch_required,
        .optional = dispatch_optional,
        .job_help = "take WMS dispatch files, build and submit fulfillment feeds",
        .job_options = "flush",
        .open = dispatch_flow_open,
        .run = dispatch_flow_run_inst,
        .close = dispatch_flow_close,
        .convert = dispatch_flow_convert,
        .convert_check = dispatch_flow_convert_check,
    },
    {
        .name = "inventory",
        .direction = FLOW_TO_AMAZON,
        .layout_default = "inventory-utf8",
        .required = inventory_required,
        .optional = inventory_optional,
        .job_help = "take WMS stock snapshots, publish the quantities that changed (drift: "
                    "write each account's drift report against Amazon's listings instead)",
        .job_options = "flush full drift",
        .open = inventory_flow_open,
        .run = inventory_flow_run,
        .close = inventory_flow_close,
        .on = inventory_flow_on,
        .convert = inventory_flow_convert,
        .convert_check = inventory_flow_convert_check,
        .status = inventory_flow_status,
        .status_json = inventory_drift_status_json,
        .health = inventory_cadence_health,
        .report_option = "drift",
        .report = inventory_drift_fetch,
    },
    {
        .name = "orders",
        .direction = FLOW_FROM_AMAZON,
        .layout_default = "orders-utf8",
        .required = orders_required,
        .optional = orders_optional,
        .job_help = "fetch new and changed orders from Amazon, write WMS order files in out/",
        .job_options = "",
        .convert = orders_flow_convert,
        .convert_check = orders_flow_convert_check,
        .fetch = orders_flow_fetch,
        .status = orders_flow_status,
        .health = orders_flow_health,
        .rewrite = orders_flow_rewrite,
    },
    {
        .name = "settlements",
        .direction = FLOW_FROM_AMAZON,
        .out_name = SETTLEMENT_OUT,
        .layout_default = "journal-csv",
        .required = settlement_journal_required,
        .optional = settlement_journal_optional,
        .job_help = "find new settlement reports, write balanced journals to out/journals/",
        .job_options = "",
        .convert_as = "settlement",
        .convert_map_option = "--gl",
        .convert_doc = settlement_flow_convert,
        .fetch = settlement_flow_fetch,
        .health = settlement_recon_health,
    },
    {
        .name = "ack",
        .direction = FLOW_TO_AMAZON,
        .layout_default = "ack-utf8",
        .required = ack_required,
        .optional = ack_optional,
        .job_help = "acknowledge orders written to the WMS (Success acknowledgement feeds)",
        .job_options = "flush",
        .open = ack_flow_open_ack,
        .run = ack_flow_run,
        .close = ack_flow_close,
    },
    {
        .name = "cancel",
        .direction = FLOW_TO_AMAZON,
        .layout_default = "cancel-utf8",
        .required = cancel_required,
        .optional = cancel_optional,
        .job_help = "take WMS cancellation files, send Failure acknowledgements with a reason",
        .job_options = "flush",
        .open = ack_flow_open_cancel,
        .run = ack_flow_run,
        .close = ack_flow_close,
    },
    {
        .name = "rma",
        .direction = FLOW_FROM_AMAZON,
        .out_name = RETURNS_OUT,
        .layout_default = "returns-csv",
        .required = returns_required,
        .optional = returns_optional,
        .job_help = "request the returns report, write expected returns to out/returns/",
        .job_options = "",
        .fetch = returns_flow_fetch,
    },
    {
        .name = "receipts",
        .direction = FLOW_FROM_WMS,
        .in_name = RETURNS_OUT,
        .layout_default = "receipts-csv",
        .required = receipts_required,
        .optional = receipts_optional,
        .job_help = "take WMS returns receipts from in/returns/, match them to expected returns",
        .job_options = "",
        .open = receipts_flow_open,
        .run = receipts_flow_run,
        .close = receipts_flow_close,
    },
};

_Static_assert(WB_ARRAY_LEN(table) <= CONF_MAX_FLOWS, "one layout setting per flow");

/* flow_on - fd has a spool path and cfg turns it on */
int flow_on(const struct flow_def *fd, const struct wb_config *cfg)
{
    return (fd->open || fd->fetch) && (!fd->on || fd->on(cfg));
}

/* flows - the table */
const struct flow_def *flows(size_t *n)
{
    *n = WB_ARRAY_LEN(table);
    return table;
}

/* flow_find - a flow by name */
const struct flow_def *flow_find(const char *name)
{
    for (size_t i = 0; name && i < WB_ARRAY_LEN(table); i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

/* flow_find_convert - a flow by the name `convert` knows it by */
const struct flow_def *flow_find_convert(const char *name)
{
    for (size_t i = 0; name && i < WB_ARRAY_LEN(table); i++) {
        const char *as = table[i].convert_as ? table[i].convert_as : table[i].name;
        if (strcmp(as, name) == 0)
            return &table[i];
    }
    return NULL;
}

/* flow_index - the row number of fd */
size_t flow_index(const struct flow_def *fd)
{
    return (size_t)(fd - table);
}

/* flow_layout_name - the layout cfg names for fd */
const char *flow_layout_name(const struct flow_def *fd, const struct wb_config *cfg)
{
    return conf_flow_layout(cfg, fd->name, fd->layout_default);
}

/* in_list - 1 if name is one of the NULL terminated list */
static int in_list(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

/* flow_layout_check - l against the vocabulary of the flow it names */
int flow_layout_check(const struct layout *l, struct buf *errs)
{
    const struct flow_def *fd = flow_find(layout_flow(l));
    if (!fd)
        return WB_OK;
    int bad = 0;
    for (const char *const *r = fd->required; r && *r; r++)
        if (layout_field_index(l, *r) < 0) {
            buf_appendf(errs, "%s: flow %s needs 'field %s = <header>'\n", layout_origin(l),
                        fd->name, *r);
            bad = 1;
        }
    for (size_t i = 0; i < layout_nfields(l); i++) {
        const char *f = layout_field_name(l, i);
        if (!in_list(fd->required, f) && !in_list(fd->optional, f)) {
            buf_appendf(errs, "%s: flow %s has no field '%s'\n", layout_origin(l), fd->name, f);
            bad = 1;
        }
    }
    return bad ? WB_CONFIG : WB_OK;
}

/* flow_env_layout - the loaded layout of fd */
const struct layout *flow_env_layout(const struct wb_env *env, const struct flow_def *fd)
{
    return env->layouts[flow_index(fd)];
}

/* lane_name - the flow part of flow's lanes: its row's in_name if it has one, else flow */
static const char *lane_name(const char *flow)
{
    const struct flow_def *fd = flow_find(flow);
    return fd && fd->in_name ? fd->in_name : flow;
}

/* flow_lane_named - "FLOW" for the default account ("", "default", NULL), else "ACCOUNT/FLOW" */
int flow_lane_named(const char *flow, const char *account, char *out, size_t n)
{
    flow = lane_name(flow);
    int k = !account || !*account || strcmp(account, CONF_DEFAULT_ACCOUNT) == 0
                ? snprintf(out, n, "%s", flow)
                : snprintf(out, n, "%s/%s", account, flow);
    return k < 0 || (size_t)k >= n ? WB_TOOBIG : WB_OK;
}

/* flow_lane - the lane of flow for account a */
int flow_lane(const char *flow, const struct wb_account *a, char *out, size_t n)
{
    return flow_lane_named(flow, a ? a->name : NULL, out, n);
}

/* flow_lane_is - a record of flow and account is of lane */
int flow_lane_is(const char *lane, const char *flow, const char *account)
{
    if (account && *account && strcmp(account, CONF_DEFAULT_ACCOUNT) != 0) {
        size_t n = strlen(account);
        if (strncmp(lane, account, n) != 0 || lane[n] != '/')
            return 0;
        lane += n + 1;
    }
    return strcmp(lane, lane_name(flow)) == 0;
}

/* flow_account_name_ok - a named account's name clashes with no flow and no spool state */
int flow_account_name_ok(const char *name, char *why, size_t n)
{
    for (size_t i = 0; i < WB_ARRAY_LEN(table); i++) {
        const struct flow_def *fd = &table[i];
        if (strcmp(fd->name, name) && (!fd->in_name || strcmp(fd->in_name, name)) &&
            (!fd->out_name || strcmp(fd->out_name, name)))
            continue;
        snprintf(why, n, "'%s' is the name of a flow or of its directory (in/%s/ or out/%s/)", name,
                 name, name);
        return 0;
    }
    for (int st = 0; st < SP_NSTATES; st++)
        if (strcmp(name, spool_state_name((enum spool_state)st)) == 0) {
            snprintf(why, n, "'%s' is the name of a spool state directory", name);
            return 0;
        }
    return 1;
}
