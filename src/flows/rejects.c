/*
 * rejects.c - writer of reject files in the input's layout plus
 * reject_code/reject_reason/raw_line, and the rule that knows those columns
 * when a reject file comes back. Never exits; never writes outside the given
 * directory; neutralises formula cells.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/wb.h"
#include "flows/rejects.h"
#include "layout/layout.h"

static const char *const own[REJ_NCOLS] = {"reject_code", "reject_reason", "raw_line"};

/* own_col - REJ_COL_* for a header cell (blanks around it and ASCII case ignored), or -1 */
static int own_col(const char *h)
{
    while (*h == ' ' || *h == '\t')
        h++;
    size_t len = strlen(h);
    while (len && (h[len - 1] == ' ' || h[len - 1] == '\t'))
        len--;
    for (int k = 0; k < REJ_NCOLS; k++)
        if (strlen(own[k]) == len && strncasecmp(h, own[k], len) == 0)
            return k;
    return -1;
}

/* rejects_cols - see rejects.h */
size_t rejects_cols(const char *const *header, size_t n, long cols[REJ_NCOLS])
{
    size_t found = 0;
    for (int k = 0; k < REJ_NCOLS; k++)
        cols[k] = -1;
    for (size_t i = 0; i < n; i++) {
        int k = header[i] ? own_col(header[i]) : -1;
        if (k >= 0 && cols[k] < 0) {
            cols[k] = (long)i;
            found++;
        }
    }
    return found;
}

/* cell - cell c of a row, "" when the row has no such cell */
static const char *cell(const char *const *cells, size_t n, long c)
{
    return c >= 0 && (size_t)c < n && cells[c] ? cells[c] : "";
}

/* rejects_unfixed - see rejects.h */
int rejects_unfixed(const long cols[REJ_NCOLS], const char *const *cells, size_t n,
                    const char **code, const char **reason, const char **raw)
{
    *raw = cell(cells, n, cols[REJ_COL_RAW]);
    if (!**raw)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if ((long)i == cols[REJ_COL_CODE] || (long)i == cols[REJ_COL_REASON] ||
            (long)i == cols[REJ_COL_RAW])
            continue;
        if (cells[i] && cells[i][strspn(cells[i], " \t")])
            return 0;
    }
    *code = cell(cells, n, cols[REJ_COL_CODE]);
    *reason = cell(cells, n, cols[REJ_COL_REASON]);
    return 1;
}

/* put - the kept input columns of cells (all empty when raw is set), then code, reason, raw */
static int put(struct rejectw *r, const char *const *cells, size_t n, const char *a, const char *b,
               const char *raw)
{
    int blank = raw && *raw;
    size_t k = 0;
    for (; k < r->nkeep; k++) {
        size_t c = r->keep[k];
        r->tmp[k] = !blank && c < n && cells[c] ? cells[c] : "";
    }
    r->tmp[k++] = a;
    r->tmp[k++] = b;
    r->tmp[k++] = raw ? raw : "";
    return csvw_row(r->w, r->tmp, k);
}

/* start - common part of both opens: the columns kept and the header */
static int start(struct rejectw *r, const struct layout *l, FILE *fp, const char *const *header,
                 size_t n)
{
    r->ncols = n;
    r->keep = malloc((n ? n : 1) * sizeof *r->keep);
    r->tmp = malloc((n + REJ_NCOLS) * sizeof *r->tmp);
    if (!r->keep || !r->tmp)
        return WB_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (!header[i] || own_col(header[i]) < 0)
            r->keep[r->nkeep++] = i;
    int rc = csvw_open(&r->w, l, fp, 1);
    if (rc != WB_OK)
        return rc;
    size_t k = 0;
    for (; k < r->nkeep; k++)
        r->tmp[k] = header[r->keep[k]] ? header[r->keep[k]] : "";
    for (int c = 0; c < REJ_NCOLS; c++)
        r->tmp[k++] = own[c];
    return csvw_row(r->w, r->tmp, k);
}

/* release - free what start took */
static void release(struct rejectw *r)
{
    free(r->tmp);
    free(r->keep);
    r->tmp = NULL;
    r->keep = NULL;
}

/* rejectw_open - start a reject file on fp */
int rejectw_open(struct rejectw *r, const struct layout *l, FILE *fp, const char *const *header,
                 size_t n)
{
    memset(r, 0, sizeof *r);
    return start(r, l, fp, header, n);
}

/* rejectw_open_spool - the same, written atomically as dir/name */
int rejectw_open_spool(struct rejectw *r, const struct layout *l, const char *dir, const char *name,
                       const char *const *header, size_t n)
{
    memset(r, 0, sizeof *r);
    int rc = afile_open_redo(&r->af, dir, name, 0640);
    if (rc != WB_OK)
        return rc;
    r->spool = 1;
    rc = start(r, l, r->af.fp, header, n);
    if (rc != WB_OK)
        rejectw_abort(r);
    return rc;
}

/* rejectw_row - one rejected row with its code, reason and (when set) original text */
int rejectw_row(struct rejectw *r, const char *const *cells, size_t n, const char *code,
                const char *reason, const char *raw)
{
    r->rows++;
    return put(r, cells, n, code, reason, raw);
}

/* rejectw_close - finish (and commit a spool file) */
int rejectw_close(struct rejectw *r)
{
    int rc = r->w ? csvw_close(r->w) : WB_OK;
    r->w = NULL;
    release(r);
    if (r->spool) {
        if (rc == WB_OK)
            rc = afile_commit(&r->af);
        else
            afile_abort(&r->af);
        r->spool = 0;
    }
    return rc;
}

/* rejectw_abort - drop a spool file being written */
void rejectw_abort(struct rejectw *r)
{
    if (r->w)
        csvw_close(r->w);
    r->w = NULL;
    release(r);
    if (r->spool)
        afile_abort(&r->af);
    r->spool = 0;
}
