/*
 * csvr.c - streaming CSV reader driven by a layout: the rows.
 *
 * Owns the loop that feeds libcsv one physical line at a time (cut at CR or LF), which gives
 * exact line numbers and bounds a cell to max_field plus one chunk before it is refused; the
 * 64 KiB input chunk and its refills; skipping to the end of a record after a row-level problem
 * (bad quoting, a cell too long); and the record published to the caller (cell count check,
 * layout fields). Cells are made in csvr_cell.c, encodings in csvr_decode.c, the reader is
 * opened in csvr_open.c.
 *
 * Error contract: csvr_next returns WB_OK, WB_NOTFOUND at the end, WB_PERMFAIL with the row and
 * its error set, or WB_IOERR/WB_NOMEM. Never exits; never reads past the FILE it is given;
 * never closes it; never reads libcsv's state except through csvr_int.h.
 */
#include <stdint.h>
#include <string.h>

#include <csv.h>

#include "core/buf.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "layout/csvr_int.h"

/* row_reset - empty the record being built */
static void row_reset(struct csvr *r)
{
    r->started = r->done = 0;
    r->term = 0;
    r->nseen = r->ncells = 0;
    r->err = CSVR_OK;
    r->fields_later = 0;
    buf_reset(&r->errtext);
    buf_reset(&r->arena);
}

/* in_chunk - 1 if p points into the input chunk */
static int in_chunk(const struct csvr *r, const char *p)
{
    uintptr_t a = (uintptr_t)p, c = (uintptr_t)r->chunk;
    return a >= c && a < c + CHUNK;
}

/* move_out - copy the cells of the record being built that still lie in the chunk into the
 * arena, before the chunk is refilled */
static void move_out(struct csvr *r)
{
    for (size_t i = 0; i < r->ncells; i++) {
        if (!in_chunk(r, r->raw_p[i]))
            continue;
        size_t off, skip = (size_t)(r->cell_p[i] - r->raw_p[i]);
        if (csvr_arena_put(r, r->raw_p[i], r->raw_len[i], &off) != WB_OK) {
            csvr_set_error(r, CSVR_E_FIELD_TOO_LONG, "record is larger than %zu bytes", r->row_max);
            r->raw_p[i] = r->cell_p[i] = "";
            r->raw_len[i] = r->cell_len[i] = 0;
        } else {
            r->raw_p[i] = r->arena.data + off;
            r->cell_p[i] = r->raw_p[i] + skip;
        }
        r->fields_later = 1; /* fields are mapped again from the moved cells */
    }
}

/* cb_row - libcsv: one record complete (c is its terminator, -1 at end of input) */
static void cb_row(int c, void *arg)
{
    struct csvr *r = arg;
    begin_row(r);
    r->done = 1;
    r->term = c;
}

/* csvr_parser_reset - drop whatever libcsv holds of the current record */
void csvr_parser_reset(struct csvr *r)
{
    r->trusted = r->fast = r->line_cells = 0;
    csv_set_opts(&r->p, (unsigned char)(r->opts & ~CSV_STRICT_FINI));
    csv_fini(&r->p, NULL, NULL, NULL);
    csv_set_opts(&r->p, r->opts);
}

/* fill - read the next chunk; clen 0 at end of input */
static int fill(struct csvr *r)
{
    move_out(r);
    r->cpos = 0;
    r->clen = fread(r->chunk, 1, CHUNK, r->in);
    if (r->clen == 0 && ferror(r->in))
        return WB_IOERR;
    return WB_OK;
}

/* at_end - input exhausted: finish libcsv and the last record */
static int at_end(struct csvr *r)
{
    r->eof = 1;
    if (r->skipping) {
        r->skipping = 0;
        r->done = 1;
        return WB_OK;
    }
    if (csvr_ps_row_begun(&r->p) && csv_fini(&r->p, csvr_cb_field, cb_row, r) != 0) {
        begin_row(r);
        csvr_set_error(r, CSVR_E_TRUNCATED, "file ends inside a quoted cell");
        csvr_cb_field((void *)csvr_ps_cell(&r->p), csvr_ps_cell_len(&r->p),
                      r); /* keep what there is of it */
        csvr_parser_reset(r);
        r->done = 1;
    }
    if (r->fatal)
        return r->fatal;
    return r->done ? WB_OK : WB_NOTFOUND;
}

/* skip - consume the rest of a bad record; 1 when its end was found */
static int skip(struct csvr *r)
{
    const unsigned char *s = r->chunk + r->cpos;
    size_t n = r->clen - r->cpos, i;
    unsigned char q = (unsigned char)r->l->quote;
    for (i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == q && r->skip_toggle)
            r->skip_inq = !r->skip_inq;
        else if ((c == '\n' || c == '\r') && !r->skip_inq)
            break;
        else if (c == '\n')
            r->lineno++;
    }
    r->cpos += i;
    if (i == n)
        return 0;
    r->skipping = 0;
    r->done = 1;
    return 1;
}

/* scan_flags - whether the n bytes at s hold a byte outside 0x01..0x7F (*odd) or a CR (the
 * return value). The usual line has neither: a first scan only asks whether all bytes are
 * 0x0E..0x7F (the LF ending a segment is left out of it), a second whether they are ASCII
 * without NUL, and only a line with NUL, CR or high bytes is looked at byte by byte. */
static int scan_flags(const unsigned char *s, size_t n, int *odd)
{
    size_t m = n && s[n - 1] == '\n' ? n - 1 : n; /* the LF itself is plain */
    if (str_bytes_in((const char *)s, m, 0x0E, 0x7F) ||
        (str_bytes_in((const char *)s, m, 0x01, 0x7F) && !memchr(s, '\r', m))) {
        *odd = 0;
        return 0;
    }
    int o = 0, cr = 0;
    for (size_t i = 0; i < n; i++) {
        o |= s[i] == 0 || s[i] >= 0x80;
        cr |= s[i] == '\r';
    }
    *odd = o;
    return cr;
}

/* scan_line - length of the segment at s: up to and including the first CR or LF, else n;
 * *clean when all its bytes are 0x01..0x7F */
static size_t scan_line(const unsigned char *s, size_t n, int *clean)
{
    const unsigned char *nl = memchr(s, '\n', n);
    size_t seg = nl ? (size_t)(nl - s) + 1 : n;
    int odd;
    if (scan_flags(s, seg, &odd)) { /* a CR ends it earlier (rare) */
        seg = (size_t)((const unsigned char *)memchr(s, '\r', seg) - s) + 1;
        scan_flags(s, seg, &odd);
    }
    *clean = !odd;
    return seg;
}

/* csvr_next_record - parse up to the end of the next record (WB_OK), or WB_NOTFOUND */
int csvr_next_record(struct csvr *r)
{
    row_reset(r);
    if (r->eof)
        return WB_NOTFOUND;
    for (;;) {
        if (r->cpos == r->clen) {
            int rc = fill(r);
            if (rc != WB_OK)
                return rc;
            if (r->clen == 0)
                return at_end(r);
        }
        if (r->skipping) {
            if (skip(r))
                return WB_OK;
            continue;
        }
        const unsigned char *s = r->chunk + r->cpos;
        size_t n = r->clen - r->cpos;
        int clean;
        size_t seg = scan_line(s, n, &clean);
        int ends_lf = s[seg - 1] == '\n'; /* csvr_cb_field may put a NUL there */
        if (!csvr_ps_row_begun(&r->p))
            r->cand = r->lineno;
        /* one check of the line spares one per cell; a cell carried over from earlier lines is
         * trusted only if they were */
        int carried = csvr_ps_in_cell(&r->p);
        r->trusted = (!carried || r->trusted) && clean;
        r->fast = r->trusted && csvr_ps_cell_room(&r->p) >= SHORT_CELL;
        /* with no cell carried over, each cell is the bytes of the line between delimiters,
         * unless libcsv trimmed blanks or removed quotes (csvr_cb_field checks) */
        r->line_cells = r->trusted && !carried;
        r->cur = r->chunk + r->cpos;
        r->line_end = r->cur + seg;
        size_t got = csv_parse(&r->p, s, seg, csvr_cb_field, cb_row, r);
        r->line_cells = 0;
        if (got < seg) {
            if (csv_error(&r->p) != CSV_EPARSE)
                return WB_NOMEM;
            char tmp[80];
            r->cpos += got;
            begin_row(r);
            if (csvr_ps_quoted(&r->p))
                csvr_set_error(r, CSVR_E_QUOTE, "text after the closing %c of a cell in column %s",
                               r->l->quote, csvr_col_name(r, r->nseen, tmp, sizeof tmp));
            else
                csvr_set_error(r, CSVR_E_QUOTE,
                               "%c inside a cell that does not start with %c, in "
                               "column %s (double it and quote the cell)",
                               r->l->quote, r->l->quote,
                               csvr_col_name(r, r->nseen, tmp, sizeof tmp));
            csvr_parser_reset(r);
            r->skipping = 1;
            r->skip_toggle = 0;
            r->skip_inq = 0;
            continue;
        }
        r->cpos += seg;
        if (ends_lf)
            r->lineno++;
        if (r->fatal)
            return r->fatal;
        if (r->done)
            return WB_OK;
        if (csvr_ps_in_cell(&r->p) &&
            csvr_ps_cell_len(&r->p) >
                ((long)r->nseen == r->rawcol ? r->row_max : r->l->max_field) + 1) {
            begin_row(r);
            r->skipping = 1;
            csvr_too_long(r, r->nseen, csvr_ps_cell_len(&r->p));
            r->skip_toggle = 1;
            r->skip_inq = csvr_ps_quote_open(&r->p);
            csvr_parser_reset(r);
        }
    }
}

/* map_fields - the trimmed cell of every layout field, for records csvr_cb_field could not map */
static void map_fields(struct csvr *r)
{
    size_t nf = r->l->nfields;
    buf_reset(&r->fieldbuf);
    for (size_t k = 0; k < nf; k++) {
        int col = r->colmap[k];
        r->field_p[k] = "";
        r->field_len[k] = 0;
        if (col < 0 || (size_t)col >= r->ncells)
            continue;
        const char *c = r->cell_p[col];
        size_t len = r->cell_len[col], tn;
        if (len == 0 || (!is_ws(c[0]) && !is_ws(c[len - 1]))) {
            r->field_p[k] = c;
            r->field_len[k] = len;
            continue;
        }
        const char *t = trim_span(c, len, &tn);
        size_t at = r->fieldbuf.len;
        uintptr_t base = (uintptr_t)r->fieldbuf.data;
        int ok =
            buf_append(&r->fieldbuf, t, tn) == WB_OK && buf_appendc(&r->fieldbuf, '\0') == WB_OK;
        if ((uintptr_t)r->fieldbuf.data != base && base) /* earlier fields move with it */
            csvr_rebase(r, base, at, r->fieldbuf.data, 0);
        if (ok) {
            r->field_p[k] = r->fieldbuf.data + at;
            r->field_len[k] = tn;
        }
    }
}

/* csvr_finish_row - check the cell count and publish the record in r->row */
void csvr_finish_row(struct csvr *r)
{
    if (!r->in_header && r->nseen != r->ncols) {
        if (r->term == -1)
            csvr_set_error(r, CSVR_E_TRUNCATED,
                           "file ends mid-row without a line end (%zu cells, the header has %zu)",
                           r->nseen, r->ncols);
        else
            csvr_set_error(r, CSVR_E_COLUMNS, "%zu cells, the header has %zu", r->nseen, r->ncols);
    }
    size_t nf = r->l->nfields;
    if (!r->in_header && (r->fields_later || r->shared_column || r->ncells != r->ncols))
        map_fields(r);
    r->row.ncells = r->ncells;
    r->row.cells = r->cell_p;
    r->row.raw = r->raw_p;
    r->row.raw_len = r->raw_len;
    r->row.error = r->err;
    r->row.error_code = csvr_error_code(r->err);
    r->row.error_text = r->err ? buf_str(&r->errtext) : "";
    r->row.fields_ = r->field_p;
    r->row.flen_ = r->field_len;
    r->row.nfields_ = r->in_header ? 0 : nf;
}

/* csvr_next - next record: WB_OK, WB_NOTFOUND at end, WB_PERMFAIL with row->error set */
int csvr_next(struct csvr *r, const struct csvr_row **row)
{
    *row = NULL;
    int rc = csvr_next_record(r);
    if (rc != WB_OK)
        return rc;
    csvr_finish_row(r);
    *row = &r->row;
    return r->err ? WB_PERMFAIL : WB_OK;
}

/* csvr_field - trimmed UTF-8 value of a layout field in a row; "" if absent */
const char *csvr_field(const struct csvr_row *row, int field_index)
{
    if (!row || field_index < 0 || (size_t)field_index >= row->nfields_)
        return "";
    return row->fields_[field_index];
}

/* csvr_line - the physical line the reader goes on from (after the last record read) */
long csvr_line(const struct csvr *r)
{
    /* a record cut short by an error ends at a line end not consumed yet (a blank line after a
     * record counts the same way: one more empty line) */
    int pending =
        r->chunk && r->cpos < r->clen && (r->chunk[r->cpos] == '\n' || r->chunk[r->cpos] == '\r');
    return r->lineno + pending;
}
