/*
 * rejectcodes.h - the one table of reject codes: code, meaning, what to do,
 * and who owns the fix. Every E_* code the program writes is a row here;
 * `wmsbridge rejects --codes` prints the table and the documentation is
 * checked against it. Read-only data; never exits.
 */
#ifndef WB_REJECTCODES_H
#define WB_REJECTCODES_H

#include <stddef.h>

struct rejectcode {
    const char *code;    /* E_... as written to reject_code and .reason files */
    const char *owner;   /* who fixes it: wms, maps, operator, amazon, program */
    const char *meaning; /* one sentence: what was wrong */
    const char *action;  /* one sentence: what to do */
};

/* rejectcodes_table - the table and its length */
const struct rejectcode *rejectcodes_table(size_t *n);
/* rejectcodes_find - the row of code, NULL if it is not a reject code */
const struct rejectcode *rejectcodes_find(const char *code);

#endif
