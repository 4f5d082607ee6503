/*
 * rejects.h - reject files: the input's own layout plus reject_code and
 * reject_reason columns, so an operator can fix a file and drop it back.
 *
 * Cells that a spreadsheet would run as a formula (= + - @ ...) are
 * neutralised by the layout writer; the reader undoes it on requeue.
 * A spool reject file is written through afile (temp + fsync + rename); its
 * name (outflow_reject_name) carries the ledger ids of the one step that writes
 * it, so a redo of that step after a crash replaces only its own first attempt.
 * Returns WB_* codes (WB_NOSPACE on a full disk); never exits.
 */
#ifndef WB_REJECTS_H
#define WB_REJECTS_H

#include <stdio.h>

#include "core/fsutil.h"

struct layout;
struct csvw;

struct rejectw {
    struct afile af;
    int spool; /* written through af */
    struct csvw *w;
    size_t ncols;
    long rows;
    const char **tmp;
    size_t tmpcap;
};

/* rejectw_open - start a reject file on fp with the input header plus the two columns */
int rejectw_open(struct rejectw *r, const struct layout *l, FILE *fp, const char *const *header,
                 size_t n);
/* rejectw_open_spool - the same, written atomically as dir/name */
int rejectw_open_spool(struct rejectw *r, const struct layout *l, const char *dir, const char *name,
                       const char *const *header, size_t n);
/* rejectw_row - one rejected row with its code and reason */
int rejectw_row(struct rejectw *r, const char *const *cells, size_t n, const char *code,
                const char *reason);
/* rejectw_close - finish (and commit a spool file) */
int rejectw_close(struct rejectw *r);
/* rejectw_abort - drop a spool file being written */
void rejectw_abort(struct rejectw *r);

#endif
