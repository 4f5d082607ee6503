/*
 * cells.h - a row's cells as one line of text, for keeping in the ledger.
 *
 * Cells are joined by TAB; backslash, TAB, CR and LF inside a cell are
 * escaped (\\ \t \r \n). Decoding gives back the same cells. Bounded by the
 * caller's buffers; returns WB_TOOBIG/WB_NOMEM, never exits.
 */
#ifndef WB_CELLS_H
#define WB_CELLS_H

#include <stddef.h>

#include "core/buf.h"

struct cells {
    char *store; /* decoded text, cells point into it */
    char **v;
    size_t n;
    size_t cap;
};

/* cells_encode - append the cells as one escaped line to out */
int cells_encode(const char *const *cells, size_t n, struct buf *out);
/* cells_decode - split an encoded line into c (reusing its storage) */
int cells_decode(const char *line, struct cells *c);
/* cells_free - release */
void cells_free(struct cells *c);

#endif
