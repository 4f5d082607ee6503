/*
 * csvr_open.c - the CSV reader's opening and header.
 *
 * Owns making and freeing a reader (libcsv parser, iconv descriptor, buffers), reading the
 * header record and mapping layout fields to columns, and the operator's sentence when a file
 * cannot be read as the layout says.
 *
 * Error contract: csvr_open returns WB_PERMFAIL with a sentence for an operator (empty file,
 * missing columns, bad header), WB_CONFIG when the caller asks for fields the layout lacks or the
 * encoding cannot be converted, WB_NOMEM/WB_IOERR otherwise. Never exits; never closes a FILE it
 * did not open.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <csv.h>

#include "core/buf.h"
#include "core/wb.h"
#include "layout/csvr_int.h"

/* csvr_error_code - "E_ENCODING" etc. for an enum csvr_error, NULL for CSVR_OK */
const char *csvr_error_code(int error)
{
    static const char *const names[] = {
        NULL, "E_ENCODING", "E_NUL", "E_COLUMNS", "E_FIELD_TOO_LONG", "E_TRUNCATED", "E_QUOTE"};
    if (error < 0 || (size_t)error >= WB_ARRAY_LEN(names))
        return "E_UNKNOWN";
    return names[error];
}

/* csvr_header - the header cells as read (UTF-8) */
const char *const *csvr_header(const struct csvr *r, size_t *n)
{
    *n = r->ncols;
    return (const char *const *)r->hdr;
}

/* csvr_column - column of a layout field in the file, -1 when the file lacks it */
int csvr_column(const struct csvr *r, int field_index)
{
    if (field_index < 0 || (size_t)field_index >= r->l->nfields)
        return -1;
    return r->colmap[field_index];
}

/* csvr_close - release the reader (closes only a stream csvr_open_fd made) */
void csvr_close(struct csvr *r)
{
    if (!r)
        return;
    csv_free(&r->p);
    if (r->cd != (iconv_t)-1)
        iconv_close(r->cd);
    for (size_t i = 0; r->hdr && i < r->ncols; i++)
        free(r->hdr[i]);
    free(r->hdr);
    free(r->colmap);
    free(r->colfield);
    free(r->field_p);
    free(r->field_len);
    free(r->chunk);
    buf_free(&r->arena);
    buf_free(&r->errtext);
    buf_free(&r->fieldbuf);
    if (r->owned)
        fclose(r->owned);
    free(r);
}

/* space_only - libcsv space test when TAB is the delimiter */
static int space_only(unsigned char c)
{
    return c == ' ';
}

/* wrong_delim_hint - the delimiter a one-cell header seems to use, or 0 */
static char wrong_delim_hint(const struct csvr *r)
{
    static const char cands[] = ",;\t|";
    if (r->ncols != 1)
        return 0;
    for (const char *c = cands; *c; c++)
        if (*c != r->l->delim && strchr(r->hdr[0], *c))
            return *c;
    return 0;
}

/* delim_name - printable name of a delimiter for messages */
static const char *delim_name(char c, char *tmp)
{
    if (c == '\t')
        return "tab";
    tmp[0] = c;
    tmp[1] = '\0';
    return tmp;
}

/* read_header - read the header record and map layout fields to columns */
static int read_header(struct csvr *r, const char *const *required, size_t nreq, struct buf *err)
{
    const struct layout *l = r->l;
    r->in_header = 1;
    int rc = csvr_next_record(r);
    if (rc == WB_NOTFOUND) {
        buf_appendf(err, "the file is empty (no header row)");
        return WB_PERMFAIL;
    }
    if (rc != WB_OK)
        return rc;
    csvr_finish_row(r);
    if (r->err) {
        buf_appendf(err, "header row: %s", buf_str(&r->errtext));
        return WB_PERMFAIL;
    }
    if (r->nseen > CSVR_MAX_COLUMNS) {
        buf_appendf(err, "header row has %zu columns, more than %d", r->nseen, CSVR_MAX_COLUMNS);
        return WB_PERMFAIL;
    }
    r->hdr = calloc(r->ncells, sizeof *r->hdr);
    if (!r->hdr)
        return WB_NOMEM;
    r->ncols = r->ncells;
    for (size_t i = 0; i < r->ncols; i++)
        if (!(r->hdr[i] = strdup(r->cell_p[i])))
            return WB_NOMEM;
    r->in_header = 0;
    r->rawcol = -1;
    for (size_t i = 0; i < r->ncols && r->rawcol < 0; i++) {
        size_t tn;
        const char *t = trim_span(r->hdr[i], strlen(r->hdr[i]), &tn);
        if (tn == 8 && strncasecmp(t, "raw_line", 8) == 0)
            r->rawcol = (long)i;
    }
    /* map fields to columns */
    int missing = 0;
    for (size_t k = 0; k < l->nfields; k++) {
        r->colmap[k] = -1;
        for (size_t i = 0; i < r->ncols; i++) {
            size_t tn;
            const char *t = trim_span(r->hdr[i], strlen(r->hdr[i]), &tn);
            if (tn != strlen(l->fields[k].header) || strncasecmp(t, l->fields[k].header, tn))
                continue;
            if (r->colmap[k] >= 0) {
                buf_appendf(err, "column '%s' appears twice in the header (columns %d and %zu)",
                            l->fields[k].header, r->colmap[k] + 1, i + 1);
                return WB_PERMFAIL;
            }
            r->colmap[k] = (int)i;
        }
    }
    /* which field each column holds, for csvr_cb_field */
    if (!(r->colfield = malloc(CSVR_MAX_COLUMNS * sizeof *r->colfield)))
        return WB_NOMEM;
    for (size_t i = 0; i < CSVR_MAX_COLUMNS; i++)
        r->colfield[i] = -1;
    for (size_t k = 0; k < l->nfields; k++) {
        r->field_p[k] = "";
        r->field_len[k] = 0;
        int col = r->colmap[k];
        if (col < 0)
            continue;
        if (r->colfield[col] >= 0)
            r->shared_column = 1;
        r->colfield[col] = (int)k;
    }
    for (size_t q = 0; q < (required ? nreq : l->nfields); q++) {
        const char *name = required ? required[q] : l->fields[q].name;
        int k = layout_field_index(l, name);
        if (k < 0) {
            buf_appendf(err, "layout %s has no field '%s'", l->name, name);
            return WB_CONFIG;
        }
        if (r->colmap[k] >= 0)
            continue;
        buf_appends(err, missing++ ? ", " : "missing column(s): ");
        buf_appendf(err, "'%s' (field %s)", l->fields[k].header, name);
    }
    if (!missing)
        return WB_OK;
    buf_appendf(err, "; the header has %zu column(s):", r->ncols);
    for (size_t i = 0; i < r->ncols && i < 40; i++)
        buf_appendf(err, "%s '%.60s'", i ? "," : "", r->hdr[i]);
    char hint = wrong_delim_hint(r), t1[2], t2[2];
    if (hint)
        buf_appendf(err,
                    " - the header is one cell containing '%s': wrong delimiter? (layout %s "
                    "expects '%s')",
                    delim_name(hint, t1), l->name, delim_name(l->delim, t2));
    return WB_PERMFAIL;
}

/* open_reader - csvr_open with an error buffer that is never NULL */
static int open_reader(struct csvr **rp, const struct layout *l, FILE *in,
                       const char *const *required, size_t nrequired, struct buf *err)
{
    struct csvr *r = calloc(1, sizeof *r);
    if (!r)
        return WB_NOMEM;
    r->l = l;
    r->in = in;
    r->cd = (iconv_t)-1;
    r->lineno = 1;
    r->cand = 1;
    r->rawcol = -1;
    r->row_max = l->max_field * 16 > (1u << 20) ? l->max_field * 16 : (1u << 20);
    buf_init(&r->arena, r->row_max);
    buf_init(&r->errtext, ERRTEXT_MAX);
    buf_init(&r->fieldbuf, r->row_max);
    r->opts = CSV_STRICT | CSV_STRICT_FINI;
    int rc = WB_NOMEM;
    if (csv_init(&r->p, r->opts) != 0)
        goto fail_noparser;
    csv_set_delim(&r->p, (unsigned char)l->delim);
    csv_set_quote(&r->p, (unsigned char)l->quote);
    csv_set_blk_size(&r->p, 4096);
    if (l->delim == '\t')
        csv_set_space_func(&r->p, space_only);
    r->chunk = malloc(CHUNK);
    r->colmap = calloc(l->nfields + 1, sizeof *r->colmap);
    r->field_p = calloc(l->nfields + 1, sizeof *r->field_p);
    r->field_len = calloc(l->nfields + 1, sizeof *r->field_len);
    if (!r->chunk || !r->colmap || !r->field_p || !r->field_len)
        goto fail;
    if (!l->is_utf8) {
        r->cd = iconv_open("UTF-8", l->encoding);
        if (r->cd == (iconv_t)-1) {
            buf_appendf(err, "cannot convert from %s", l->encoding);
            rc = WB_CONFIG;
            goto fail;
        }
        csvr_build_sb(r);
    }
    if ((rc = csvr_read_bom(r, err)) != WB_OK)
        goto fail;
    if ((rc = read_header(r, required, nrequired, err)) != WB_OK)
        goto fail;
    *rp = r;
    return WB_OK;
fail:
    csvr_close(r);
    return rc;
fail_noparser:
    free(r);
    return rc;
}

/* csvr_open - read BOM and header; required: fields to insist on (NULL: every field of the layout)
 */
int csvr_open(struct csvr **rp, const struct layout *l, FILE *in, const char *const *required,
              size_t nrequired, struct buf *err)
{
    *rp = NULL;
    if (err)
        return open_reader(rp, l, in, required, nrequired, err);
    struct buf scratch;
    buf_init(&scratch, ERRTEXT_MAX);
    int rc = open_reader(rp, l, in, required, nrequired, &scratch);
    buf_free(&scratch);
    return rc;
}

/* csvr_open_fd - csvr_open over a file descriptor (duplicated; the caller keeps fd) */
int csvr_open_fd(struct csvr **rp, const struct layout *l, int fd, const char *const *required,
                 size_t nrequired, struct buf *err)
{
    *rp = NULL;
    int dfd = dup(fd);
    if (dfd < 0)
        return wb_errno_status(errno);
    FILE *f = fdopen(dfd, "rb");
    if (!f) {
        int e = errno;
        close(dfd);
        return wb_errno_status(e);
    }
    int rc = csvr_open(rp, l, f, required, nrequired, err);
    if (rc != WB_OK) {
        fclose(f);
        return rc;
    }
    (*rp)->owned = f;
    return WB_OK;
}
