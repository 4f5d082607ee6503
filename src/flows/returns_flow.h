/*
 * returns_flow.h - the returns job: Amazon's merchant-fulfilled returns report becomes an
 * expected-returns file for the WMS, each RMA line once. Returns WB_* codes; never exits.
 */
#ifndef WB_RETURNS_FLOW_H
#define WB_RETURNS_FLOW_H

/* the out/ directory of the expected returns (out/returns/, out/ACCOUNT/returns/) */
#define RETURNS_OUT "returns"

struct wb_env;
struct wb_account;
struct feeds_client;
struct outflow_stats;

/* the field vocabulary of a returns layout */
extern const char *const returns_required[];
extern const char *const returns_optional[];

/* returns_flow_fetch - the returns job for seller account a (flow.h `fetch`) */
int returns_flow_fetch(struct wb_env *env, const struct wb_account *a, struct feeds_client *fc,
                       int force, struct outflow_stats *st);

#endif
