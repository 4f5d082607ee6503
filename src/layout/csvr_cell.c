/*
 * csvr_cell.c - the CSV reader's cells: libcsv's field callback and the row arena.
 *
 * Owns turning one cell libcsv completed into the record's raw and UTF-8 text (in place in the
 * line when it can, else in the row arena), the field that cell's column holds, the record's
 * first error, and keeping the record's pointers right when the arena moves. Never reads input,
 * never grows the arena past its cap, never exits.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/strutil.h"
#include "core/buf.h"
#include "core/wb.h"
#include "layout/csvr_int.h"

/* csvr_set_error - remember the first problem of the current record */
void csvr_set_error(struct csvr *r, int code, const char *fmt, ...)
{
    if (r->err)
        return;
    r->err = code;
    buf_reset(&r->errtext);
    va_list ap;
    va_start(ap, fmt);
    if (buf_appendf(&r->errtext, "line %ld: ", r->row.lineno) == WB_OK)
        buf_vappendf(&r->errtext, fmt, ap);
    va_end(ap);
}

/* csvr_col_name - "'Name'" of column i for messages (its number before the header is known) */
const char *csvr_col_name(const struct csvr *r, size_t i, char *tmp, size_t n)
{
    if (r->in_header || i >= r->ncols) {
        snprintf(tmp, n, "%zu", i + 1);
        return tmp;
    }
    const char *name = r->hdr[i];
    size_t len = strlen(name), max = n - 6;
    if (len <= max) {
        snprintf(tmp, n, "'%s'", name);
        return tmp;
    }
    while (max > 0 && ((unsigned char)name[max] & 0xC0) == 0x80)
        max--; /* do not cut a UTF-8 character */
    snprintf(tmp, n, "'%.*s...'", (int)max, name);
    return tmp;
}

/* arena_add - append bytes plus a NUL to the row arena, giving their offset (the arena may
 * move: callers go through csvr_arena_put, or csvr_rebase themselves) */
static int arena_add(struct csvr *r, const void *p, size_t n, size_t *off)
{
    size_t at = r->arena.len;
    if (r->arena.cap - at > n + 1) { /* fast path: room there */
        memcpy(r->arena.data + at, p, n);
        r->arena.data[at + n] = '\0';
        r->arena.len = at + n + 1;
        *off = at;
        return WB_OK;
    }
    int rc = buf_append(&r->arena, p, n);
    if (rc == WB_OK)
        rc = buf_appendc(&r->arena, '\0');
    if (rc != WB_OK) {
        r->arena.len = at;
        if (r->arena.data)
            r->arena.data[at] = '\0';
        if (rc == WB_NOMEM)
            r->fatal = WB_NOMEM;
        return rc;
    }
    *off = at;
    return WB_OK;
}

/* csvr_rebase - storage that held used bytes at old (kept as a number: the old block is gone) now
 * lives at now: point the record's cells (with cells) and fields that were into it at the same
 * places in the new block */
void csvr_rebase(struct csvr *r, uintptr_t old, size_t used, const char *now, int cells)
{
    for (size_t i = 0; cells && i < r->ncells; i++) {
        uintptr_t a = (uintptr_t)r->raw_p[i], b = (uintptr_t)r->cell_p[i];
        if (a >= old && a < old + used)
            r->raw_p[i] = now + (a - old);
        if (b >= old && b < old + used)
            r->cell_p[i] = now + (b - old);
    }
    for (size_t k = 0; k < r->l->nfields; k++) {
        uintptr_t f = (uintptr_t)r->field_p[k];
        if (f >= old && f < old + used)
            r->field_p[k] = now + (f - old);
    }
}

/* csvr_arena_moved - after an arena append that started with the arena at base holding used bytes:
 * csvr_rebase the record if the arena moved */
void csvr_arena_moved(struct csvr *r, uintptr_t base, size_t used)
{
    if ((uintptr_t)r->arena.data != base && base)
        csvr_rebase(r, base, used, r->arena.data, 1);
}

/* csvr_arena_put - arena_add that keeps the record's pointers right if the arena moves */
int csvr_arena_put(struct csvr *r, const void *p, size_t n, size_t *off)
{
    uintptr_t base = (uintptr_t)r->arena.data;
    size_t used = r->arena.len;
    int rc = arena_add(r, p, n, off);
    csvr_arena_moved(r, base, used);
    return rc;
}

/* is_formula_start - the characters formula neutralisation protects */
static int is_formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* csvr_too_long - mark the record for a cell over the limit and store it empty */
void csvr_too_long(struct csvr *r, size_t col, size_t len)
{
    char tmp[80];
    csvr_set_error(r, CSVR_E_FIELD_TOO_LONG, "cell in column %s is longer than %zu bytes (%zu%s)",
                   csvr_col_name(r, col, tmp, sizeof tmp), r->l->max_field, len,
                   r->skipping ? "+" : "");
}

/* publish_cell - cell i's UTF-8 text at c (len bytes, NUL terminated) without a neutralising
 * apostrophe, and the field its column holds unless that needs trimming (map_fields does it) */
static inline __attribute__((always_inline)) void publish_cell(struct csvr *r, size_t i,
                                                               const char *c, size_t len)
{
    if (c[0] == '\'' && is_formula_start(c[1]))
        c++, len--;
    r->cell_p[i] = c;
    r->cell_len[i] = len;
    int k = r->colfield ? r->colfield[i] : -1;
    if (k < 0)
        return;
    if (len && (is_ws(c[0]) || is_ws(c[len - 1]))) {
        r->fields_later = 1;
        return;
    }
    r->field_p[k] = c;
    r->field_len[k] = len;
}

/* cb_field_any - one cell, whatever it holds (csvr_cb_field's general path; kept out of line so
 * the usual cell costs csvr_cb_field no register saves) */
static __attribute__((noinline)) void cb_field_any(void *data, size_t len, void *arg)
{
    struct csvr *r = arg;
    const unsigned char *s = data ? data : (const unsigned char *)"";
    size_t col = r->nseen++;
    begin_row(r);
    if (col >= CSVR_MAX_COLUMNS)
        return;
    size_t i = r->ncells++; /* == col */
    r->cell_p[i] = r->raw_p[i] = "";
    r->raw_len[i] = r->cell_len[i] = 0;
    /* one neutralising apostrophe does not count against the limit */
    size_t limit = (long)col == r->rawcol ? r->row_max : r->l->max_field;
    limit += len > 1 && s[0] == '\'' && is_formula_start((char)s[1]);
    if (len > limit) {
        csvr_too_long(r, col, len);
        r->fields_later = 1;
        return;
    }
    size_t off;
    if (csvr_arena_put(r, s, len, &off) != WB_OK) {
        csvr_set_error(r, CSVR_E_FIELD_TOO_LONG, "record is larger than %zu bytes", r->row_max);
        r->fields_later = 1;
        return;
    }
    r->raw_p[i] = r->arena.data + off;
    r->raw_len[i] = len;
    size_t clen = len;
    if (!r->trusted && !str_ascii_range((const char *)s, len, 1)) {
        char tmp[80];
        size_t bad = 0, nul = 0, first = 0;
        int rc;
        uintptr_t base = (uintptr_t)r->arena.data;
        size_t used = r->arena.len;
        if (r->cd == (iconv_t)-1) {
            rc = csvr_fix_utf8(r, s, len, &off, &bad, &nul, &first);
        } else {
            nul = memchr(s, '\0', len) != NULL;
            rc = r->have_sb ? csvr_sb_cell(r, s, len, &off, &bad, &first)
                            : csvr_conv_cell(r, s, len, &off, &bad, &first);
        }
        csvr_arena_moved(r, base, used);
        clen = r->arena.len - 1 - off;
        if (rc != WB_OK) {
            csvr_set_error(r, CSVR_E_FIELD_TOO_LONG, "record is larger than %zu bytes", r->row_max);
            r->fields_later = 1;
            return;
        }
        if (nul)
            csvr_set_error(r, CSVR_E_NUL, "NUL byte in column %s",
                           csvr_col_name(r, col, tmp, sizeof tmp));
        if (bad)
            csvr_set_error(r, CSVR_E_ENCODING,
                           "byte 0x%02X at offset %zu in column %s is not valid %s", s[first],
                           first, csvr_col_name(r, col, tmp, sizeof tmp), r->l->encoding);
    }
    publish_cell(r, i, r->arena.data + off, clen);
}

/* publish - cell i at c, raw and UTF-8 alike (NUL terminated, len bytes) */
static inline __attribute__((always_inline)) void publish(struct csvr *r, size_t i, char *c,
                                                          size_t len)
{
    r->raw_p[i] = c;
    r->raw_len[i] = len;
    publish_cell(r, i, c, len);
}

/* csvr_cb_field - libcsv: one cell complete. The usual cell (every byte checked with its line,
 * within the columns) is published here; anything else goes to cb_field_any. */
void csvr_cb_field(void *data, size_t len, void *arg)
{
    struct csvr *r = arg;
    size_t i = r->nseen;
    if (!r->trusted || len > r->l->max_field || i >= CSVR_MAX_COLUMNS) {
        r->line_cells = 0; /* the next cell's start in the line is no longer known */
        goto any;
    }
    if (r->line_cells) {
        /* where the line has a delimiter or line end right after len bytes from the cell's
         * start, libcsv trimmed nothing and unquoted nothing: the cell is those bytes, and it
         * stays where it is, ended by a NUL over the delimiter libcsv has consumed (rows are
         * moved out of the chunk before it is refilled) */
        unsigned char *c = r->cur;
        if ((size_t)(r->line_end - c) > len && c[0] != (unsigned char)r->l->quote &&
            (c[len] == (unsigned char)r->l->delim || c[len] == '\n' || c[len] == '\r')) {
            begin_row(r);
            r->nseen = r->ncells = i + 1;
            r->cur = c + len + 1;
            c[len] = '\0';
            publish(r, i, (char *)c, len);
            return;
        }
        r->line_cells = 0; /* lost track of where cells start: copy the rest */
    }
    /* libcsv's cell buffer is at least SHORT_CELL long (r->fast), so its first words can be
     * read whatever the cell's length; the arena has room (it does not move) */
    if (!r->fast || len > SHORT_CELL || r->arena.cap - r->arena.len <= SHORT_CELL + 1)
        goto any;
    begin_row(r);
    r->nseen = r->ncells = i + 1;
    char *d = r->arena.data + r->arena.len;
    uint64_t w[SHORT_CELL / 8];
    memcpy(w, data, sizeof w);
    memcpy(d, w, sizeof w);
    d[len] = '\0';
    r->arena.len += len + 1;
    publish(r, i, d, len);
    return;
any:
    cb_field_any(data, len, arg);
}
