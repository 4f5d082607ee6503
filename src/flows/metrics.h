/*
 * metrics.h - the Prometheus text exposition of the operators' figures (see
 * metrics.c): printed by `wmsbridge metrics`, written to metrics_file after
 * each job. Returns WB_* codes; never exits.
 */
#ifndef WB_METRICS_H
#define WB_METRICS_H

struct wb_env;
struct buf;

/* metrics_render - the exposition of env's spool and ledger into out (WB_TOOBIG: over out's cap) */
int metrics_render(struct wb_env *env, struct buf *out);
/* metrics_write - rewrite cfg.metrics_file atomically (temp + fsync + rename + dir fsync); WB_OK
 * and nothing written when it is not set */
int metrics_write(struct wb_env *env);

#endif
