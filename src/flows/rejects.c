/*
 * rejects.c - writer of reject files in the input's layout plus
 * reject_code/reject_reason. Never exits; never writes outside the given
 * directory; neutralises formula cells.
 */
#include <stdlib.h>
#include <string.h>

#include "core/wb.h"
#include "flows/rejects.h"
#include "layout/layout.h"

/* put - write cells padded to ncols, then code and reason */
static int put(struct rejectw *r, const char *const *cells, size_t n, const char *a, const char *b)
{
    size_t total = (n > r->ncols ? n : r->ncols) + 2;
    if (total > r->tmpcap) {
        const char **nv = realloc(r->tmp, total * sizeof *nv);
        if (!nv)
            return WB_NOMEM;
        r->tmp = nv;
        r->tmpcap = total;
    }
    size_t k = 0;
    for (; k < n; k++)
        r->tmp[k] = cells[k] ? cells[k] : "";
    for (; k < total - 2; k++)
        r->tmp[k] = "";
    r->tmp[k++] = a;
    r->tmp[k++] = b;
    return csvw_row(r->w, r->tmp, k);
}

/* start - common part of both opens */
static int start(struct rejectw *r, const struct layout *l, FILE *fp, const char *const *header,
                 size_t n)
{
    r->ncols = n;
    int rc = csvw_open(&r->w, l, fp, 1);
    if (rc == WB_OK)
        rc = put(r, header, n, "reject_code", "reject_reason");
    return rc;
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

/* rejectw_row - one rejected row with its code and reason */
int rejectw_row(struct rejectw *r, const char *const *cells, size_t n, const char *code,
                const char *reason)
{
    r->rows++;
    return put(r, cells, n, code, reason);
}

/* rejectw_close - finish (and commit a spool file) */
int rejectw_close(struct rejectw *r)
{
    int rc = r->w ? csvw_close(r->w) : WB_OK;
    r->w = NULL;
    free(r->tmp);
    r->tmp = NULL;
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
    free(r->tmp);
    r->tmp = NULL;
    if (r->spool)
        afile_abort(&r->af);
    r->spool = 0;
}
