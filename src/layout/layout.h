/*
 * layout.h - the layout engine: declarative CSV layouts, streaming reader and writer.
 *
 * Owns the parsed form of formats/<name>.layout files (struct layout), the
 * streaming CSV reader (struct csvr) and writer (struct csvw). Pure: it reads
 * and writes only the FILE streams it is handed, never the network, the
 * ledger or the spool, and never exits.
 *
 * Layout files: `key = value` lines; `#` starts a comment at the start of a
 * line, or anywhere as " # " (white space on both sides), so a header such
 * as "Order #" or "Order#Ref" stays intact. Keys:
 *   name = wms-legacy             safe name [A-Za-z0-9._-] (required)
 *   flow = NAME                   the flow this layout feeds (required)
 *   delimiter = ;                 one character, or the word 'tab' (default ,)
 *   quote = "                     one character (default ")
 *   encoding = windows-1252       any ASCII-compatible iconv name (default UTF-8)
 *   bom = optional                optional | required | forbidden (UTF-8 BOM)
 *   header = yes                  only 'yes' is supported
 *   datetime_format = iso8601     'iso8601' or a strptime format (default iso8601)
 *   time_zone = Europe/London     zoneinfo name (default UTC)
 *   line_end = lf                 lf | crlf, used by the writer (default lf)
 *   max_field = 65536             largest cell in bytes (default 64 KiB)
 *   complete = no                 yes: a file is the whole of what it lists, so what it
 *                                 leaves out is none (a full stock snapshot); default no
 *   field <logical> = <header>    logical field name = header text in the file
 * Which logical names a flow takes is the flow's own vocabulary (src/flows/flow.c
 * checks a loaded layout against it); the engine knows no flow.
 *
 * Dates: iso8601 is YYYY-MM-DDThh:mm:ss[.frac] then Z, +hh:mm, +hhmm, +hh or
 * nothing (= layout zone). Formats using only %d %e %m %Y %y %H %M %S %% are
 * parsed directly (%Y exactly 4 digits); others go through strptime(3). The
 * whole text must match. Local times convert with a per-hour offset cache;
 * the repeated hour in autumn takes the earlier (summer time) instant, the
 * skipped hour in spring is refused. A cache miss sets TZ briefly and puts
 * it back, so date parsing is not thread-safe.
 *
 * Reading: header names match layout headers after trimming, ignoring ASCII
 * case; extra columns are kept. Memory is one 64 KiB chunk plus one row,
 * whatever the number of rows. Unquoted cells lose surrounding spaces (and
 * tabs unless TAB is the delimiter); csvr_field also trims quoted cells.
 *
 * Error contract: layout_* loaders return WB_CONFIG and append one
 * "file:line: text" line per problem to errs; the reader returns
 * WB_PERMFAIL for bad content (with a sentence for an operator), WB_IOERR /
 * WB_NOMEM for the environment; the writer maps ENOSPC/EFBIG to WB_NOSPACE.
 *
 * Formula neutralisation: files meant for people (reject files) are written
 * with csvw_open(..., neutralise_formulas = 1): a cell that starts with
 * '=', '+', '-', '@', TAB or CR is written with one leading apostrophe (')
 * so a spreadsheet shows it as text. The reader always strips exactly one
 * leading apostrophe when it is followed by one of those characters, so a
 * fixed reject file can be requeued unchanged (the raw bytes keep it).
 * A reject file's raw_line column (the original text of a row) may be as
 * long as a whole record, not only max_field.
 */
#ifndef WB_LAYOUT_H
#define WB_LAYOUT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "core/buf.h"
#include "core/wb.h"

#define LAYOUT_MAX_FIELD_DEFAULT 65536
#define LAYOUT_FILE_MAX 65536 /* largest layout file accepted */
#define CSVR_MAX_COLUMNS 1024 /* header cells accepted; cells stored per row */

struct layout;

/* layout_load - parse and validate a layout file; WB_CONFIG with "file:line: text" lines in errs */
enum wb_status layout_load(const char *path, struct layout **out, struct buf *errs);
/* layout_load_named - load dir/name.layout; name must be a safe name */
enum wb_status layout_load_named(const char *dir, const char *name, struct layout **out,
                                 struct buf *errs);
/* layout_parse_text - parse layout text held in memory; origin names it in errors */
enum wb_status layout_parse_text(const char *text, size_t len, const char *origin,
                                 struct layout **out, struct buf *errs);
/* layout_free - release a layout (NULL is fine) */
void layout_free(struct layout *l);
/* layout_name - the layout's name */
const char *layout_name(const struct layout *l);
/* layout_flow - the flow the layout belongs to */
const char *layout_flow(const struct layout *l);
/* layout_origin - the file (or text) the layout came from, as errors name it */
const char *layout_origin(const struct layout *l);
/* layout_complete - 1 if the layout says a file is the whole of what it lists */
int layout_complete(const struct layout *l);
/* layout_encoding - the declared encoding name */
const char *layout_encoding(const struct layout *l);
/* layout_time_zone - the zone local times are read in ("UTC" by default) */
const char *layout_time_zone(const struct layout *l);
/* layout_nfields - number of logical fields declared */
size_t layout_nfields(const struct layout *l);
/* layout_field_name - logical name of field i (NULL when out of range) */
const char *layout_field_name(const struct layout *l, size_t i);
/* layout_field_header - header text of field i (NULL when out of range) */
const char *layout_field_header(const struct layout *l, size_t i);
/* layout_field_index - index of a logical field, -1 if the layout has no such field */
int layout_field_index(const struct layout *l, const char *field);
/* layout_parse_time - strict date-time parse in the layout's format and zone; WB_PERMFAIL if the
 * text does not match, WB_NOTFOUND if it names a local time that does not exist (skipped when
 * the clocks went forward) */
enum wb_status layout_parse_time(const struct layout *l, const char *text, time_t *out);

/* Row-level problems reported by csvr_next with WB_PERMFAIL. */
enum csvr_error {
    CSVR_OK = 0,
    CSVR_E_ENCODING,       /* bytes invalid for the declared encoding */
    CSVR_E_NUL,            /* NUL byte in a cell */
    CSVR_E_COLUMNS,        /* wrong number of cells */
    CSVR_E_FIELD_TOO_LONG, /* a cell larger than max_field */
    CSVR_E_TRUNCATED,      /* file ends inside a quoted cell or mid-row */
    CSVR_E_QUOTE           /* malformed quoting */
};

/* One record; valid until the next csvr_next or csvr_close. */
struct csvr_row {
    long lineno;                /* physical line (1-based) where the record starts */
    size_t ncells;              /* cells stored (at most CSVR_MAX_COLUMNS) */
    const char *const *cells;   /* UTF-8 (invalid bytes become U+FFFD), NUL terminated */
    const char *const *raw;     /* original bytes of each cell, NUL terminated */
    const size_t *raw_len;      /* length of each raw cell (may hold NUL bytes) */
    int error;                  /* enum csvr_error; CSVR_OK for a good row */
    const char *error_code;     /* "E_ENCODING", ...; NULL for a good row */
    const char *error_text;     /* one sentence for an operator; "" for a good row */
    const char *const *fields_; /* private: trimmed cell per layout field */
    const size_t *flen_;        /* private: its length */
    size_t nfields_;            /* private */
};

struct csvr;

/* csvr_open - read BOM and header; required: fields to insist on (NULL: every field of the layout)
 */
int csvr_open(struct csvr **r, const struct layout *l, FILE *in, const char *const *required,
              size_t nrequired, struct buf *err);
/* csvr_open_fd - csvr_open over a file descriptor (duplicated; the caller keeps fd) */
int csvr_open_fd(struct csvr **r, const struct layout *l, int fd, const char *const *required,
                 size_t nrequired, struct buf *err);
/* csvr_next - next record: WB_OK, WB_NOTFOUND at end, WB_PERMFAIL with row->error set */
int csvr_next(struct csvr *r, const struct csvr_row **row);
/* csvr_field - trimmed UTF-8 value of a layout field in a row; "" if absent */
const char *csvr_field(const struct csvr_row *row, int field_index);
/* csvr_field_n - csvr_field with its length in *len (for the hot paths: inline) */
static inline const char *csvr_field_n(const struct csvr_row *row, int field_index, size_t *len)
{
    if (field_index < 0 || (size_t)field_index >= row->nfields_) {
        *len = 0;
        return "";
    }
    *len = row->flen_[field_index];
    return row->fields_[field_index];
}
/* csvr_header - the header cells as read (UTF-8) */
const char *const *csvr_header(const struct csvr *r, size_t *n);
/* csvr_line - the physical line after the last record read: it spans the lines from its lineno
 * to csvr_line - 1 (a blank line right after it may be counted in) */
long csvr_line(const struct csvr *r);
/* csvr_column - column of a layout field in the file, -1 when the file lacks it */
int csvr_column(const struct csvr *r, int field_index);
/* csvr_close - release the reader (closes only a stream csvr_open_fd made) */
void csvr_close(struct csvr *r);
/* csvr_error_code - "E_ENCODING" etc. for an enum csvr_error, NULL for CSVR_OK */
const char *csvr_error_code(int error);

struct csvw;

/* csvw_open - writer in the layout's delimiter, quote, encoding, BOM and line end */
enum wb_status csvw_open(struct csvw **w, const struct layout *l, FILE *out,
                         int neutralise_formulas);
/* csvw_header - write the layout's header texts in field order */
enum wb_status csvw_header(struct csvw *w);
/* csvw_row - write one row of UTF-8 cells (converted; unconvertible characters become '?') */
enum wb_status csvw_row(struct csvw *w, const char *const *cells, size_t n);
/* csvw_row_raw - write one row of cells already in the layout's encoding (no conversion) */
enum wb_status csvw_row_raw(struct csvw *w, const char *const *cells, const size_t *lens, size_t n);
/* csvw_close - flush and release; first write error (ENOSPC -> WB_NOSPACE); FILE stays open */
enum wb_status csvw_close(struct csvw *w);

#endif
