/*
 * mapfile.h - line reader shared by the maps/ file parsers.
 *
 * Reads an operator file (whole, bounded by MAPFILE_MAX_BYTES) and hands out
 * its meaningful lines one at a time: UTF-8 checked, no control characters
 * (tab allowed; a CR just before LF is dropped), at most MAPFILE_LINE_MAX
 * bytes, leading and trailing blanks trimmed, blank lines and lines whose
 * first non-blank character is '#' skipped, a UTF-8 byte order mark at the
 * start ignored. Bad lines are reported as "file:line: text" in errs and
 * skipped; the parser decides the status (WB_CONFIG when mapfile_errors() is
 * not 0). Owns only its line copy. Pure apart from mapfile_read; never exits.
 */
#ifndef WB_MAPS_MAPFILE_H
#define WB_MAPS_MAPFILE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/wb.h"

#define MAPFILE_LINE_MAX 4096
#define MAPFILE_MAX_BYTES ((size_t)64 << 20)
#define MAPFILE_MAX_ERRORS 50

struct mapfile {
    const char *name; /* file name used in messages */
    const char *p, *end;
    size_t lineno;
    size_t nerr;
    size_t nwarn;
    struct buf *errs; /* may be NULL */
    char line[MAPFILE_LINE_MAX + 1];
};

/* mapfile_read - read path into b (bounded); WB_CONFIG with a message in errs on failure */
enum wb_status mapfile_read(const char *path, struct buf *b, struct buf *errs);
/* mapfile_init - start reading len bytes of text named name */
void mapfile_init(struct mapfile *mf, const char *name, const char *text, size_t len,
                  struct buf *errs);
/* mapfile_next - next meaningful line (trimmed, writable) in *line; 0 at the end */
int mapfile_next(struct mapfile *mf, char **line);
/* mapfile_error - report "file:line: text" for the current line and count an error */
void mapfile_error(struct mapfile *mf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* mapfile_error_at - same as mapfile_error for another line number */
void mapfile_error_at(struct mapfile *mf, size_t lineno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* mapfile_warn - report "file:line: warning: text" (not counted as an error) */
void mapfile_warn(struct mapfile *mf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* mapfile_line_fn - a parser's handler for one meaningful line; WB_TOOBIG means a limit was hit */
typedef int (*mapfile_line_fn)(void *ctx, struct mapfile *mf, char *line);
/* mapfile_each - hand every remaining line to fn until it fails; WB_TOOBIG is reported on that
 * line as too_many and ends the reading; then WB_CONFIG when any line was reported bad */
enum wb_status mapfile_each(struct mapfile *mf, mapfile_line_fn fn, void *ctx,
                            const char *too_many);
/* mapfile_text_fn - a parser's parse_text, its typed result pointer passed as out */
typedef int (*mapfile_text_fn)(const char *name, const char *text, size_t len, void *out,
                               struct buf *errs);
/* mapfile_load - read path (bounded) and hand its text, named path, to fn */
enum wb_status mapfile_load(const char *path, mapfile_text_fn fn, void *out, struct buf *errs);
/* mapfile_errors - number of errors reported so far */
size_t mapfile_errors(const struct mapfile *mf);
/* mapfile_split - split line at sep into at most max trimmed fields; returns the count */
size_t mapfile_split(char *line, char sep, char **fields, size_t max);
/* mapfile_chars - number of UTF-8 code points in a valid UTF-8 string */
size_t mapfile_chars(const char *s);
/* mapfile_text_ok - 1 if the len bytes are valid UTF-8 without control characters */
int mapfile_text_ok(const char *s, size_t len);
/* mapfile_fold - s with ASCII letters lowered and ASCII blanks and punctuation dropped, for
 * near-miss hints */
enum wb_status mapfile_fold(const char *s, char *out, size_t n);

#endif
