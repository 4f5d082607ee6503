/*
 * csvr.c - streaming CSV reader driven by a layout (libcsv + iconv).
 *
 * Owns one reader: a 64 KiB input chunk, a libcsv parser, an iconv
 * descriptor (non-UTF-8 layouts only), the header and one row arena that is
 * reused for every record, so memory does not grow with the number of rows.
 * Input is fed to libcsv one physical line at a time (cut at CR or LF), which
 * gives exact line numbers and bounds a cell to max_field plus one chunk
 * before it is refused. After a row-level problem (bad quoting, a cell too
 * long) the reader skips to the end of that record and carries on.
 *
 * Error contract: csvr_open returns WB_PERMFAIL with a sentence for an
 * operator (empty file, missing columns, bad header), WB_CONFIG when the
 * caller asks for fields the layout lacks; csvr_next returns WB_OK, WB_NOTFOUND
 * at the end, WB_PERMFAIL with the row and its error set, or WB_IOERR/WB_NOMEM.
 * Never exits; never reads past the FILE it is given; never closes it.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <csv.h>

#include "core/buf.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "layout/layout.h"
#include "layout/layout_int.h"

#define CHUNK 65536
#define ERRTEXT_MAX 600
/* cells up to this long are copied as whole words (cb_field) */
#define SHORT_CELL 32

/* libcsv parser states (struct csv_parser.pstate; values from libcsv.c) */
#define PS_ROW_NOT_BEGUN 0
#define PS_FIELD_BEGUN 2
#define PS_FIELD_MIGHT_HAVE_ENDED 3

static const char utf8_repl[] = "\xEF\xBF\xBD"; /* U+FFFD */

struct csvr {
    const struct layout *l;
    FILE *in;
    FILE *owned; /* the stream csvr_open_fd made, closed by csvr_close */
    struct csv_parser p;
    unsigned char opts;
    iconv_t cd;  /* (iconv_t)-1 for UTF-8 layouts */
    int have_sb; /* single-byte encoding: sb[] maps 0x80..0xFF, no iconv per cell */
    struct {
        unsigned char len; /* 0: not a character of the encoding */
        char utf8[4];
    } sb[128];
    unsigned char *chunk;
    size_t clen, cpos;
    int eof;         /* input exhausted and libcsv finished */
    long lineno;     /* physical line of the next byte fed */
    long cand;       /* line where a record starting now begins */
    int skipping;    /* skipping the rest of a bad record */
    int skip_toggle; /* 1: quotes toggle a quoted state; 0: skip to end of line */
    int skip_inq;
    int in_header;
    int fatal;
    int trusted;    /* every byte fed to libcsv for the cells now completing is 0x01..0x7F */
    int fast;       /* trusted, and libcsv's cell buffer can be read by whole words */
    int line_cells; /* cells can be taken from the line itself, from cur on */
    unsigned char *cur, *line_end; /* the next cell's start in the line being parsed */
    size_t row_max;                /* cap of the row arena */
    /* record being built */
    int started, done, term;
    size_t nseen, ncells;
    int err;
    struct buf errtext;
    struct buf arena;
    size_t raw_len[CSVR_MAX_COLUMNS], cell_len[CSVR_MAX_COLUMNS];
    const char *cell_p[CSVR_MAX_COLUMNS], *raw_p[CSVR_MAX_COLUMNS]; /* into the arena */
    struct buf fieldbuf; /* trimmed copies of cells with blanks around them */
    const char **field_p;
    size_t *field_len;
    int *colfield;     /* per column: the one layout field it holds, or -1 */
    int shared_column; /* some column holds two fields: fields are mapped in finish_row */
    int fields_later;  /* this record's fields are mapped in finish_row */
    struct csvr_row row;
    /* header */
    char **hdr;
    size_t ncols;
    int *colmap; /* per layout field: column or -1 */
    long rawcol; /* a reject file's raw_line column (up to row_max bytes), or -1 */
};

/* csvr_error_code - "E_ENCODING" etc. for an enum csvr_error, NULL for CSVR_OK */
const char *csvr_error_code(int error)
{
    static const char *const names[] = {
        NULL, "E_ENCODING", "E_NUL", "E_COLUMNS", "E_FIELD_TOO_LONG", "E_TRUNCATED", "E_QUOTE"};
    if (error < 0 || (size_t)error >= WB_ARRAY_LEN(names))
        return "E_UNKNOWN";
    return names[error];
}

/* set_error - remember the first problem of the current record */
static void set_error(struct csvr *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error(struct csvr *r, int code, const char *fmt, ...)
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

/* col_name - "'Name'" of column i for messages (its number before the header is known) */
static const char *col_name(const struct csvr *r, size_t i, char *tmp, size_t n)
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

/* begin_row - note the start line of a record on its first event */
static void begin_row(struct csvr *r)
{
    if (!r->started) {
        r->started = 1;
        r->row.lineno = r->cand;
    }
}

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

/* utf8_seq - length of the valid UTF-8 sequence at s (0 if invalid or NUL) */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    size_t k;
    unsigned v, min;
    if ((c & 0xE0) == 0xC0) {
        k = 1, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        k = 2, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        k = 3, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n <= k)
        return 0;
    for (size_t i = 1; i <= k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return k + 1;
}

/* arena_add - append bytes plus a NUL to the row arena, giving their offset (the arena may
 * move: callers go through arena_put, or rebase themselves) */
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

/* rebase - storage that held used bytes at old (kept as a number: the old block is gone) now
 * lives at now: point the record's cells (with cells) and fields that were into it at the same
 * places in the new block */
static void rebase(struct csvr *r, uintptr_t old, size_t used, const char *now, int cells)
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

/* arena_moved - after an arena append that started with the arena at base holding used bytes:
 * rebase the record if the arena moved */
static void arena_moved(struct csvr *r, uintptr_t base, size_t used)
{
    if ((uintptr_t)r->arena.data != base && base)
        rebase(r, base, used, r->arena.data, 1);
}

/* arena_put - arena_add that keeps the record's pointers right if the arena moves */
static int arena_put(struct csvr *r, const void *p, size_t n, size_t *off)
{
    uintptr_t base = (uintptr_t)r->arena.data;
    size_t used = r->arena.len;
    int rc = arena_add(r, p, n, off);
    arena_moved(r, base, used);
    return rc;
}

/* fix_utf8 - copy s into the arena with invalid bytes and NULs as U+FFFD; counts them */
static int fix_utf8(struct csvr *r, const unsigned char *s, size_t n, size_t *off, size_t *bad,
                    size_t *nul, size_t *first_bad)
{
    size_t at = r->arena.len, i = 0;
    *bad = *nul = 0;
    while (i < n) {
        size_t run = i;
        size_t k;
        while (run < n && (k = utf8_seq(s + run, n - run)) > 0)
            run += k;
        if (run > i && buf_append(&r->arena, s + i, run - i) != WB_OK)
            goto toobig;
        if (run >= n)
            break;
        if (s[run] == 0)
            (*nul)++;
        else if ((*bad)++ == 0)
            *first_bad = run;
        if (buf_append(&r->arena, utf8_repl, 3) != WB_OK)
            goto toobig;
        i = run + 1;
    }
    if (buf_appendc(&r->arena, '\0') != WB_OK)
        goto toobig;
    *off = at;
    return WB_OK;
toobig:
    r->arena.len = at;
    return WB_TOOBIG;
}

/* build_sb - for single-byte encodings, the UTF-8 of each byte 0x80..0xFF (once per reader) */
static void build_sb(struct csvr *r)
{
    for (int b = 0x80; b <= 0xFF; b++) {
        char in = (char)b, out[8];
        char *ip = &in, *op = out;
        size_t il = 1, ol = sizeof out;
        iconv(r->cd, NULL, NULL, NULL, NULL);
        size_t rc = iconv(r->cd, &ip, &il, &op, &ol);
        if (rc == (size_t)-1 && errno == EINVAL)
            return; /* a lead byte: multi-byte encoding, keep iconv */
        size_t k = (size_t)(op - out);
        if (rc == (size_t)-1 || k == 0 || k > 4 || !str_utf8_valid(out, k)) {
            r->sb[b - 0x80].len = 0;
            continue;
        }
        memcpy(r->sb[b - 0x80].utf8, out, k);
        r->sb[b - 0x80].len = (unsigned char)k;
    }
    r->have_sb = 1;
}

/* sb_cell - convert s with the single-byte table; bad bytes become U+FFFD and are counted */
static int sb_cell(struct csvr *r, const unsigned char *s, size_t n, size_t *off, size_t *bad,
                   size_t *first_bad)
{
    char out[4096];
    size_t at = r->arena.len, k = 0;
    *bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > sizeof out - 4) {
            if (buf_append(&r->arena, out, k) != WB_OK)
                goto toobig;
            k = 0;
        }
        unsigned char c = s[i];
        if (c < 0x80 && c != 0) {
            out[k++] = (char)c;
            continue;
        }
        if (c == 0) { /* reported as E_NUL by the caller */
            memcpy(out + k, utf8_repl, 3);
            k += 3;
            continue;
        }
        unsigned len = r->sb[c - 0x80].len;
        const char *u = r->sb[c - 0x80].utf8;
        if (len == 0) {
            if ((*bad)++ == 0)
                *first_bad = i;
            u = utf8_repl;
            len = 3;
        }
        memcpy(out + k, u, len);
        k += len;
    }
    if (buf_append(&r->arena, out, k) != WB_OK || buf_appendc(&r->arena, '\0') != WB_OK)
        goto toobig;
    *off = at;
    return WB_OK;
toobig:
    r->arena.len = at;
    return WB_TOOBIG;
}

/* conv_cell - iconv s into the arena as UTF-8; bad bytes become U+FFFD and are counted */
static int conv_cell(struct csvr *r, const unsigned char *s, size_t n, size_t *off, size_t *bad,
                     size_t *first_bad)
{
    char out[4096];
    size_t at = r->arena.len;
    char *ip = (char *)s;
    size_t il = n;
    *bad = 0;
    iconv(r->cd, NULL, NULL, NULL, NULL);
    while (il > 0) {
        char *op = out;
        size_t ol = sizeof out;
        size_t rc = iconv(r->cd, &ip, &il, &op, &ol);
        int e = errno;
        if (op > out && buf_append(&r->arena, out, (size_t)(op - out)) != WB_OK)
            goto toobig;
        if (rc != (size_t)-1 || e == E2BIG)
            continue;
        if ((*bad)++ == 0)
            *first_bad = (size_t)((unsigned char *)ip - s);
        if (buf_append(&r->arena, utf8_repl, 3) != WB_OK)
            goto toobig;
        ip++;
        il--;
    }
    {
        char *op = out;
        size_t ol = sizeof out;
        iconv(r->cd, NULL, NULL, &op, &ol);
        if (op > out && buf_append(&r->arena, out, (size_t)(op - out)) != WB_OK)
            goto toobig;
    }
    if (buf_appendc(&r->arena, '\0') != WB_OK)
        goto toobig;
    *off = at;
    return WB_OK;
toobig:
    r->arena.len = at;
    return WB_TOOBIG;
}

/* is_formula_start - the characters formula neutralisation protects */
static int is_formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* too_long - mark the record for a cell over the limit and store it empty */
static void too_long(struct csvr *r, size_t col, size_t len)
{
    char tmp[80];
    set_error(r, CSVR_E_FIELD_TOO_LONG, "cell in column %s is longer than %zu bytes (%zu%s)",
              col_name(r, col, tmp, sizeof tmp), r->l->max_field, len, r->skipping ? "+" : "");
}

/* is_ws - ASCII white space (one comparison for the usual printable byte) */
static int is_ws(char c)
{
    unsigned char u = (unsigned char)c;
    return u <= ' ' && (u == ' ' || (unsigned)(u - '\t') <= '\r' - '\t');
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

/* cb_field_any - one cell, whatever it holds (cb_field's general path; kept out of line so
 * the usual cell costs cb_field no register saves) */
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
        too_long(r, col, len);
        r->fields_later = 1;
        return;
    }
    size_t off;
    if (arena_put(r, s, len, &off) != WB_OK) {
        set_error(r, CSVR_E_FIELD_TOO_LONG, "record is larger than %zu bytes", r->row_max);
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
            rc = fix_utf8(r, s, len, &off, &bad, &nul, &first);
        } else {
            nul = memchr(s, '\0', len) != NULL;
            rc = r->have_sb ? sb_cell(r, s, len, &off, &bad, &first)
                            : conv_cell(r, s, len, &off, &bad, &first);
        }
        arena_moved(r, base, used);
        clen = r->arena.len - 1 - off;
        if (rc != WB_OK) {
            set_error(r, CSVR_E_FIELD_TOO_LONG, "record is larger than %zu bytes", r->row_max);
            r->fields_later = 1;
            return;
        }
        if (nul)
            set_error(r, CSVR_E_NUL, "NUL byte in column %s", col_name(r, col, tmp, sizeof tmp));
        if (bad)
            set_error(r, CSVR_E_ENCODING, "byte 0x%02X at offset %zu in column %s is not valid %s",
                      s[first], first, col_name(r, col, tmp, sizeof tmp), r->l->encoding);
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

/* cb_field - libcsv: one cell complete. The usual cell (every byte checked with its line,
 * within the columns) is published here; anything else goes to cb_field_any. */
static void cb_field(void *data, size_t len, void *arg)
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
        if (arena_put(r, r->raw_p[i], r->raw_len[i], &off) != WB_OK) {
            set_error(r, CSVR_E_FIELD_TOO_LONG, "record is larger than %zu bytes", r->row_max);
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

/* parser_reset - drop whatever libcsv holds of the current record */
static void parser_reset(struct csvr *r)
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
    if (r->p.pstate != PS_ROW_NOT_BEGUN && csv_fini(&r->p, cb_field, cb_row, r) != 0) {
        begin_row(r);
        set_error(r, CSVR_E_TRUNCATED, "file ends inside a quoted cell");
        cb_field(r->p.entry_buf, r->p.entry_pos, r); /* keep what there is of it */
        parser_reset(r);
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
 * return value). The usual line has neither: a first pass of eight bytes a step (the last word
 * overlapping) only asks whether some byte is below 0x0E or above 0x7F (NUL, TAB, CR and the
 * line's LF among them, so the LF ending a segment is left out of it); a second pass tells
 * those apart, and only a line with NUL, CR or high bytes is looked at byte by byte. */
static int scan_flags(const unsigned char *s, size_t n, int *odd)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t m = n && s[n - 1] == '\n' ? n - 1 : n; /* the LF itself is plain */
    uint64_t any = 0, w, wc;
    if (m >= 8) {
        for (size_t i = 0;; i += 8) {
            if (i + 8 > m)
                i = m - 8;
            memcpy(&w, s + i, 8);
            any |= w | ((w - ones * 0x0E) & ~w);
            if (i + 8 == m)
                break;
        }
        if (!(any & highs)) {
            *odd = 0;
            return 0;
        }
        /* (v - ones) & ~v has a high bit set where a byte of v is 0 (exactly, for "some"); w
         * itself where a byte is 0x80 or above */
        any = 0;
        for (size_t i = 0;; i += 8) {
            if (i + 8 > m)
                i = m - 8;
            memcpy(&w, s + i, 8);
            wc = w ^ (ones * '\r');
            any |= w | ((w - ones) & ~w) | ((wc - ones) & ~wc);
            if (i + 8 == m)
                break;
        }
        if (!(any & highs)) {
            *odd = 0;
            return 0;
        }
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

/* next_record - parse up to the end of the next record (WB_OK), or WB_NOTFOUND */
static int next_record(struct csvr *r)
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
        int ends_lf = s[seg - 1] == '\n'; /* cb_field may put a NUL there */
        int ps0 = r->p.pstate;
        if (ps0 == PS_ROW_NOT_BEGUN)
            r->cand = r->lineno;
        /* one check of the line spares one per cell; a cell carried over from earlier lines is
         * trusted only if they were */
        int carried = ps0 == PS_FIELD_BEGUN || ps0 == PS_FIELD_MIGHT_HAVE_ENDED;
        r->trusted = (!carried || r->trusted) && clean;
        r->fast = r->trusted && r->p.entry_size >= SHORT_CELL && r->p.entry_buf;
        /* with no cell carried over, each cell is the bytes of the line between delimiters,
         * unless libcsv trimmed blanks or removed quotes (cb_field checks) */
        r->line_cells = r->trusted && !carried;
        r->cur = r->chunk + r->cpos;
        r->line_end = r->cur + seg;
        size_t got = csv_parse(&r->p, s, seg, cb_field, cb_row, r);
        r->line_cells = 0;
        if (got < seg) {
            if (csv_error(&r->p) != CSV_EPARSE)
                return WB_NOMEM;
            char tmp[80];
            r->cpos += got;
            begin_row(r);
            if (r->p.quoted)
                set_error(r, CSVR_E_QUOTE, "text after the closing %c of a cell in column %s",
                          r->l->quote, col_name(r, r->nseen, tmp, sizeof tmp));
            else
                set_error(r, CSVR_E_QUOTE,
                          "%c inside a cell that does not start with %c, in "
                          "column %s (double it and quote the cell)",
                          r->l->quote, r->l->quote, col_name(r, r->nseen, tmp, sizeof tmp));
            parser_reset(r);
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
        int ps = r->p.pstate;
        if ((ps == PS_FIELD_BEGUN || ps == PS_FIELD_MIGHT_HAVE_ENDED) &&
            r->p.entry_pos > ((long)r->nseen == r->rawcol ? r->row_max : r->l->max_field) + 1) {
            begin_row(r);
            r->skipping = 1;
            too_long(r, r->nseen, r->p.entry_pos);
            r->skip_toggle = 1;
            r->skip_inq = ps == PS_FIELD_BEGUN && r->p.quoted;
            parser_reset(r);
        }
    }
}

/* trim_span - bounds of the len bytes at s without surrounding ASCII white space */
static const char *trim_span(const char *s, size_t len, size_t *n)
{
    while (len && is_ws(*s))
        s++, len--;
    while (len && is_ws(s[len - 1]))
        len--;
    *n = len;
    return s;
}

/* map_fields - the trimmed cell of every layout field, for records cb_field could not map */
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
            rebase(r, base, at, r->fieldbuf.data, 0);
        if (ok) {
            r->field_p[k] = r->fieldbuf.data + at;
            r->field_len[k] = tn;
        }
    }
}

/* finish_row - check the cell count and publish the record in r->row */
static void finish_row(struct csvr *r)
{
    if (!r->in_header && r->nseen != r->ncols) {
        if (r->term == -1)
            set_error(r, CSVR_E_TRUNCATED,
                      "file ends mid-row without a line end (%zu cells, the header has %zu)",
                      r->nseen, r->ncols);
        else
            set_error(r, CSVR_E_COLUMNS, "%zu cells, the header has %zu", r->nseen, r->ncols);
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
    int rc = next_record(r);
    if (rc != WB_OK)
        return rc;
    finish_row(r);
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

/* csvr_header - the header cells as read (UTF-8) */
const char *const *csvr_header(const struct csvr *r, size_t *n)
{
    *n = r->ncols;
    return (const char *const *)r->hdr;
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

/* utf16_name - "UTF-16LE" etc. when the file's first bytes are a UTF-16/32 byte order mark or
 * ASCII text with every other byte NUL; NULL otherwise */
static const char *utf16_name(const unsigned char *c, size_t n)
{
    if (n >= 4 && !memcmp(c, "\xFF\xFE\0\0", 4))
        return "UTF-32LE";
    if (n >= 4 && !memcmp(c, "\0\0\xFE\xFF", 4))
        return "UTF-32BE";
    if (n >= 2 && c[0] == 0xFF && c[1] == 0xFE)
        return "UTF-16LE";
    if (n >= 2 && c[0] == 0xFE && c[1] == 0xFF)
        return "UTF-16BE";
    if (n >= 4 && c[0] && !c[1] && c[2] && !c[3] && c[0] < 0x80 && c[2] < 0x80)
        return "UTF-16LE";
    if (n >= 4 && !c[0] && c[1] && !c[2] && c[3] && c[1] < 0x80 && c[3] < 0x80)
        return "UTF-16BE";
    return NULL;
}

/* read_bom - handle a UTF-8 byte order mark per the layout; name a UTF-16/32 file as such */
static int read_bom(struct csvr *r, struct buf *err)
{
    while (r->clen < 4) {
        size_t k = fread(r->chunk + r->clen, 1, CHUNK - r->clen, r->in);
        if (k == 0) {
            if (ferror(r->in))
                return WB_IOERR;
            break;
        }
        r->clen += k;
    }
    const char *wide = utf16_name(r->chunk, r->clen);
    if (wide) {
        buf_appendf(err,
                    "the file is %s text, which layout %s does not read (it expects %s): "
                    "export it as %s",
                    wide, r->l->name, r->l->encoding, r->l->encoding);
        return WB_PERMFAIL;
    }
    int has = r->clen >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0;
    if (has && r->l->bom == LAYOUT_BOM_FORBIDDEN) {
        buf_appendf(err, "the file starts with a UTF-8 byte order mark, which layout %s forbids",
                    r->l->name);
        return WB_PERMFAIL;
    }
    if (!has && r->clen > 0 && r->l->bom == LAYOUT_BOM_REQUIRED) {
        buf_appendf(err, "the file has no UTF-8 byte order mark, which layout %s requires",
                    r->l->name);
        return WB_PERMFAIL;
    }
    if (has)
        r->cpos = 3;
    return WB_OK;
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
    int rc = next_record(r);
    if (rc == WB_NOTFOUND) {
        buf_appendf(err, "the file is empty (no header row)");
        return WB_PERMFAIL;
    }
    if (rc != WB_OK)
        return rc;
    finish_row(r);
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
    /* which field each column holds, for cb_field */
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
    r->row_max = l->max_field * 16 > (1u << 20) ? l->max_field * 16 : (1u << 20);
    r->rawcol = -1;
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
        build_sb(r);
    }
    if ((rc = read_bom(r, err)) != WB_OK)
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
