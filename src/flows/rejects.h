/*
 * rejects.h - reject files: the input's own layout plus reject_code,
 * reject_reason and raw_line columns, so an operator can fix a file and drop
 * it back. A reject file read back is the input again: its own three columns
 * (known by header text, whatever the layout says) are never carried into the
 * next reject file, so requeuing never stacks them.
 *
 * raw_line holds a row's original text (UTF-8, line end removed) when its
 * cells cannot be written back faithfully (bad quoting, an over-long cell, a
 * wrong cell count) and is at most REJECTS_RAW_MAX bytes (a longer text is
 * not kept: the cells go as read); that row's data cells are then left empty. A row read
 * back with raw_line set and every data cell still empty is not fixed: intake
 * rejects it again with its own code and reason (rejects_unfixed).
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

#define REJECTS_RAW_MAX (256 * 1024) /* largest raw_line kept */

/* the columns of a reject file that are not the input's */
enum { REJ_COL_CODE, REJ_COL_REASON, REJ_COL_RAW, REJ_NCOLS };

/* rejects_cols - which header columns are a reject file's own: cols[REJ_COL_*] = the column or
 * -1; returns how many there are */
size_t rejects_cols(const char *const *header, size_t n, long cols[REJ_NCOLS]);
/* rejects_unfixed - a row of a read-back reject file that carries raw_line and no data (the
 * operator did not fix it): 1 with *code, *reason and *raw pointing into cells, else 0 */
int rejects_unfixed(const long cols[REJ_NCOLS], const char *const *cells, size_t n,
                    const char **code, const char **reason, const char **raw);

struct rejectw {
    struct afile af;
    int spool; /* written through af */
    struct csvw *w;
    size_t ncols; /* header cells of the input */
    size_t *keep; /* the input columns written (its own reject columns left out) */
    size_t nkeep;
    long rows;
    const char **tmp;
};

/* rejectw_open - start a reject file on fp with the input header plus the three columns */
int rejectw_open(struct rejectw *r, const struct layout *l, FILE *fp, const char *const *header,
                 size_t n);
/* rejectw_open_spool - the same, written atomically as dir/name */
int rejectw_open_spool(struct rejectw *r, const struct layout *l, const char *dir, const char *name,
                       const char *const *header, size_t n);
/* rejectw_row - one rejected row with its code and reason; raw (NULL or "": none) is the row's
 * original text when its cells cannot be written back faithfully: the data cells stay empty */
int rejectw_row(struct rejectw *r, const char *const *cells, size_t n, const char *code,
                const char *reason, const char *raw);
/* rejectw_close - finish (and commit a spool file) */
int rejectw_close(struct rejectw *r);
/* rejectw_abort - drop a spool file being written */
void rejectw_abort(struct rejectw *r);

#endif
