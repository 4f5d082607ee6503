/*
 * settlement_flow.h - the settlements flow: Amazon's V2 settlement reports
 * become balanced journals (one per settlement) through etc/gl.map and a
 * journal layout. Returns WB_* codes; never exits.
 */
#ifndef WB_SETTLEMENT_FLOW_H
#define WB_SETTLEMENT_FLOW_H

/* the out/ directory of the journals (out/journals/, out/ACCOUNT/journals/) */
#define SETTLEMENT_OUT "journals"

#include <stdio.h>

#include "core/buf.h"
#include "flows/settlement.h"

struct flow_doc_args;
struct wb_env;
struct wb_account;
struct feeds_client;
struct outflow_stats;

/* settlement_flow_convert - the flow table's convert_doc: a V2 file on in, its journal on out */
int settlement_flow_convert(const struct flow_doc_args *a, FILE *in, FILE *out, struct buf *err);

/* settlement_flow_fetch - the flow table's fetch: the settlements job for seller account a
 * (fc NULL: offline, only the files already in its in/ lane) */
int settlement_flow_fetch(struct wb_env *env, const struct wb_account *a, struct feeds_client *fc,
                          int force, struct outflow_stats *st);

#endif
