/*
 * report.h - the daily report page (see report.c): one self-contained HTML
 * file. Returns WB_* codes; never exits.
 */
#ifndef WB_REPORT_H
#define WB_REPORT_H

struct wb_env;
struct buf;

/* report_render - the page of env's spool and ledger into out (WB_TOOBIG: over out's cap) */
int report_render(struct wb_env *env, struct buf *out);

#endif
