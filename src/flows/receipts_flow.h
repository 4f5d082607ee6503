/*
 * receipts_flow.h - the returns receipts: the WMS's file of returned units it received
 * (in/returns/, in/ACCOUNT/returns/), each line matched to an expected return of the returns
 * reports and recorded once with its disposition. Returns WB_* codes; never exits.
 */
#ifndef WB_RECEIPTS_FLOW_H
#define WB_RECEIPTS_FLOW_H

#include "core/buf.h"

struct wb_env;
struct wb_config;
struct outflow;
struct outflow_stats;
struct feeds_client;

/* the field vocabulary of a receipts layout */
extern const char *const receipts_required[];
extern const char *const receipts_optional[];

/* receipts_flow_open - flow table hook: bind to the environment, load the dispositions */
int receipts_flow_open(const struct wb_env *env, void **inst, struct outflow **of, struct buf *err);
/* receipts_flow_run - flow table hook: intake (match, record, reject), settle */
int receipts_flow_run(void *inst, struct wb_env *env, struct feeds_client *fc, int force,
                      struct outflow_stats *st);
/* receipts_flow_close - flow table hook: release */
void receipts_flow_close(void *inst);

#endif
