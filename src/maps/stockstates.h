/*
 * stockstates.h - which WMS stock states (or location types) count as
 * sellable (etc/stock-states.map), for the inventory flow.
 *
 * Format: one "STATE CLASS" a line, CLASS the last word: `sellable` or
 * `unsellable`; STATE is the rest of the line (it may hold spaces), matched
 * exactly (case-sensitive, no guessing: a state not listed is unknown and its
 * rows are rejected). '#' comments, blank lines ignored. Each state once.
 * Errors: WB_CONFIG with "file:line: text" lines in errs, WB_NOMEM. Never
 * network, ledger or spool; never exits.
 */
#ifndef WB_MAPS_STOCKSTATES_H
#define WB_MAPS_STOCKSTATES_H

#include <stddef.h>

#include "core/buf.h"
#include "core/wb.h"

#define STOCKSTATES_NAME_MAX 64 /* characters of a state */

enum stockstate {
    STOCK_UNKNOWN = -1,
    STOCK_UNSELLABLE = 0,
    STOCK_SELLABLE = 1,
};

struct stockstates;

/* stockstates_load - read the map at path into *out */
enum wb_status stockstates_load(const char *path, struct stockstates **out, struct buf *errs);
/* stockstates_parse_text - same for len bytes of text named name */
enum wb_status stockstates_parse_text(const char *name, const char *text, size_t len,
                                      struct stockstates **out, struct buf *errs);
/* stockstates_lookup - the class of the n bytes at state; STOCK_UNKNOWN when not listed */
enum stockstate stockstates_lookup(const struct stockstates *m, const char *state, size_t n);
/* stockstates_nearest - for a hint only: the listed state equal to state but for ASCII case,
 * else the one one or two edits from it; NULL when none or a tie */
const char *stockstates_nearest(const struct stockstates *m, const char *state);
/* stockstates_count - number of states listed */
size_t stockstates_count(const struct stockstates *m);
/* stockstates_free - release (NULL is fine) */
void stockstates_free(struct stockstates *m);

#endif
