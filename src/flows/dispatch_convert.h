/*
 * dispatch_convert.h - pure stream conversion of a WMS dispatch CSV into an
 * OrderFulfillment feed document plus a reject file. No spool, ledger or
 * network. Returns WB_OK (all rows converted), WB_PERMFAIL (some or all rows
 * rejected; the feed holds the good ones), other WB_* for I/O; never exits.
 */
#ifndef WB_DISPATCH_CONVERT_H
#define WB_DISPATCH_CONVERT_H

#include <stdio.h>

#include "core/buf.h"

#define DISPATCH_DUP_WINDOW 65536

struct dispatch_rules;
struct dispatch_view;
struct csvr_row;

struct dispatch_convert_stats {
    long rows;
    long good;
    long rejected;
    long messages;
    int file_rejected; /* header/empty/encoding problem: nothing converted */
};

/* dispatch_classify - a row's verdict: WB_OK with v, or WB_PERMFAIL with code/reason */
int dispatch_classify(const struct dispatch_rules *r, int read_rc, const struct csvr_row *row,
                      struct dispatch_view *v, char *code, size_t coden, char *reason,
                      size_t reasonn);
/* dispatch_convert - convert a whole stream; a row whose message the feed writer refuses is
 * rejected alone (E_FEED_VALUE, the writer's reason). msg_lines: NULL, or where the input line
 * of each message's first row goes, a long per message in MessageID order (until its cap) */
int dispatch_convert(const struct dispatch_rules *rules, FILE *in, FILE *out, FILE *rejects,
                     const char *merchant, struct dispatch_convert_stats *st, struct buf *msg_lines,
                     struct buf *err);

#endif
