/*
 * csvr_int.h - the CSV reader's private parts, shared by csvr.c (rows), csvr_open.c (opening and
 * header), csvr_cell.c (cells) and csvr_decode.c (encodings).
 *
 * Owns the definition of struct csvr and the one place that reads libcsv's parser state (see
 * csvr_ps_* below, pinned by tests/unit/test_layout_csvlib.c). Not for use outside src/layout/.
 * Nothing here exits or touches anything but memory.
 */
#ifndef WB_CSVR_INT_H
#define WB_CSVR_INT_H

#include <iconv.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <csv.h>

#include "core/buf.h"
#include "layout/layout.h"
#include "layout/layout_int.h"

#define CHUNK 65536
#define ERRTEXT_MAX 600
/* cells up to this long are copied as whole words (csvr_cb_field) */
#define SHORT_CELL 32

/* libcsv parser states (struct csv_parser.pstate; values from libcsv.c, not csv.h) */
#define PS_ROW_NOT_BEGUN 0
#define PS_FIELD_BEGUN 2
#define PS_FIELD_MIGHT_HAVE_ENDED 3

/*
 * The reader reads libcsv's parser state only through these. csv.h declares the fields but
 * their meaning is libcsv.c's: test_layout_csvlib.c pins every assumption below against the
 * libcsv the program is linked with, so a libcsv that differs fails the unit tests.
 */
/* csvr_ps_row_begun - some byte of a record has been parsed and the record is not complete */
static inline int csvr_ps_row_begun(const struct csv_parser *p)
{
    return p->pstate != PS_ROW_NOT_BEGUN;
}
/* csvr_ps_in_cell - a cell has begun and is not complete (it carries over to the next bytes) */
static inline int csvr_ps_in_cell(const struct csv_parser *p)
{
    return p->pstate == PS_FIELD_BEGUN || p->pstate == PS_FIELD_MIGHT_HAVE_ENDED;
}
/* csvr_ps_quoted - the current cell started with the quote character */
static inline int csvr_ps_quoted(const struct csv_parser *p)
{
    return p->quoted;
}
/* csvr_ps_quote_open - inside a quoted cell whose closing quote has not been seen */
static inline int csvr_ps_quote_open(const struct csv_parser *p)
{
    return p->pstate == PS_FIELD_BEGUN && p->quoted;
}
/* csvr_ps_cell - the bytes of the incomplete cell (what libcsv passes to the field callback) */
static inline const unsigned char *csvr_ps_cell(const struct csv_parser *p)
{
    return p->entry_buf;
}
/* csvr_ps_cell_len - how many bytes the incomplete cell holds */
static inline size_t csvr_ps_cell_len(const struct csv_parser *p)
{
    return p->entry_pos;
}
/* csvr_ps_cell_room - bytes that can be read at csvr_ps_cell (0 before the first cell) */
static inline size_t csvr_ps_cell_room(const struct csv_parser *p)
{
    return p->entry_buf ? p->entry_size : 0;
}

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

/* begin_row - note the start line of a record on its first event */
static inline void begin_row(struct csvr *r)
{
    if (!r->started) {
        r->started = 1;
        r->row.lineno = r->cand;
    }
}

/* is_ws - ASCII white space (one comparison for the usual printable byte) */
static inline int is_ws(char c)
{
    unsigned char u = (unsigned char)c;
    return u <= ' ' && (u == ' ' || (unsigned)(u - '\t') <= '\r' - '\t');
}

/* trim_span - bounds of the len bytes at s without surrounding ASCII white space */
static inline const char *trim_span(const char *s, size_t len, size_t *n)
{
    while (len && is_ws(*s))
        s++, len--;
    while (len && is_ws(s[len - 1]))
        len--;
    *n = len;
    return s;
}

/* csvr.c: rows */
/* csvr_next_record - parse up to the end of the next record (WB_OK), or WB_NOTFOUND */
int csvr_next_record(struct csvr *r);
/* csvr_finish_row - check the cell count and publish the record in r->row */
void csvr_finish_row(struct csvr *r);
/* csvr_parser_reset - drop whatever libcsv holds of the current record */
void csvr_parser_reset(struct csvr *r);

/* csvr_cell.c: cells and the row arena */
/* csvr_cb_field - libcsv: one cell complete. The usual cell (every byte checked with its line,
 * within the columns) is published here; anything else goes to cb_field_any. */
void csvr_cb_field(void *data, size_t len, void *arg);
/* csvr_set_error - remember the first problem of the current record */
void csvr_set_error(struct csvr *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* csvr_col_name - "'Name'" of column i for messages (its number before the header is known) */
const char *csvr_col_name(const struct csvr *r, size_t i, char *tmp, size_t n);
/* csvr_too_long - mark the record for a cell over the limit and store it empty */
void csvr_too_long(struct csvr *r, size_t col, size_t len);
/* csvr_arena_put - arena_add that keeps the record's pointers right if the arena moves */
int csvr_arena_put(struct csvr *r, const void *p, size_t n, size_t *off);
/* csvr_arena_moved - after an arena append that started with the arena at base holding used bytes:
 * rebase the record if the arena moved */
void csvr_arena_moved(struct csvr *r, uintptr_t base, size_t used);
/* csvr_rebase - storage that held used bytes at old (kept as a number: the old block is gone) now
 * lives at now: point the record's cells (with cells) and fields that were into it at the same
 * places in the new block */
void csvr_rebase(struct csvr *r, uintptr_t old, size_t used, const char *now, int cells);

/* csvr_decode.c: encodings */
/* csvr_read_bom - handle a UTF-8 byte order mark per the layout; name a UTF-16/32 file as such */
int csvr_read_bom(struct csvr *r, struct buf *err);
/* csvr_build_sb - for single-byte encodings, the UTF-8 of each byte 0x80..0xFF (once per reader) */
void csvr_build_sb(struct csvr *r);
/* csvr_fix_utf8 - copy s into the arena with invalid bytes and NULs as U+FFFD; counts them */
int csvr_fix_utf8(struct csvr *r, const unsigned char *s, size_t n, size_t *off, size_t *bad,
                  size_t *nul, size_t *first_bad);
/* csvr_sb_cell - convert s with the single-byte table; bad bytes become U+FFFD and are counted */
int csvr_sb_cell(struct csvr *r, const unsigned char *s, size_t n, size_t *off, size_t *bad,
                 size_t *first_bad);
/* csvr_conv_cell - iconv s into the arena as UTF-8; bad bytes become U+FFFD and are counted */
int csvr_conv_cell(struct csvr *r, const unsigned char *s, size_t n, size_t *off, size_t *bad,
                   size_t *first_bad);

#endif
