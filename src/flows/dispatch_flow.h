/*
 * dispatch_flow.h - the dispatch flow as a job: WMS dispatch files in
 * in/dispatch/ become POST_ORDER_FULFILLMENT_DATA feeds; rows settle as
 * confirmed or rejected. Returns WB_* codes; never exits.
 */
#ifndef WB_DISPATCH_FLOW_H
#define WB_DISPATCH_FLOW_H

#include <stdio.h>

#include "flows/dispatch.h"
#include "flows/env.h"
#include "flows/outflow.h"

struct feeds_client;

struct dispatch_flow {
    struct dispatch_rules rules;
    struct dispatch_memo memo; /* the rules' cache of repeated ship times and carriers */
    struct outflow of;
    const char *merchant_id;
    void *render_arg;
};

/* dispatch_flow_init - bind the dispatch flow to loaded maps and layout */
int dispatch_flow_init(struct dispatch_flow *df, const struct wb_env *env, struct buf *err);
/* dispatch_flow_run - the dispatch job: intake, batch, submit (fc may be NULL: offline), settle */
int dispatch_flow_run(struct dispatch_flow *df, struct wb_env *env, struct feeds_client *fc,
                      int force, struct outflow_stats *st);

/* the flow table's hooks (flows/flow.h) over the functions above */
struct outflow;
struct flow_convert_args;
struct flow_convert_stats;
int dispatch_flow_open(const struct wb_env *env, void **inst, struct outflow **of, struct buf *err);
int dispatch_flow_run_inst(void *inst, struct wb_env *env, struct feeds_client *fc, int force,
                           struct outflow_stats *st);
void dispatch_flow_close(void *inst);
int dispatch_flow_convert_check(const struct flow_convert_args *a, struct buf *err);
int dispatch_flow_convert(const struct flow_convert_args *a, FILE *in, FILE *out, FILE *rej,
                          struct flow_convert_stats *st, struct buf *lines, struct buf *err);

#endif
