/*
 * mapfile.c - line reader shared by the maps/ file parsers.
 *
 * Owns the copy of the current line only. Reports bad lines as
 * "file:line: text" in errs and counts them; stops reporting (and reading)
 * after MAPFILE_MAX_ERRORS. Never touches the network, the ledger or the
 * spool; never exits.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "maps/mapfile.h"

/* mapfile_read - read path into b (bounded); WB_CONFIG with a message in errs on failure */
enum wb_status mapfile_read(const char *path, struct buf *b, struct buf *errs)
{
    buf_init(b, MAPFILE_MAX_BYTES);
    errno = 0;
    int rc = fs_read_file(path, b);
    if (rc == WB_OK)
        return WB_OK;
    int err = errno;
    buf_free(b);
    if (rc == WB_NOMEM)
        return WB_NOMEM;
    if (errs) {
        if (rc == WB_TOOBIG)
            buf_appendf(errs, "%s: file larger than %zu bytes\n", path, (size_t)MAPFILE_MAX_BYTES);
        else if (err == ELOOP)
            buf_appendf(errs, "%s: cannot read: symbolic links are not followed\n", path);
        else if (err)
            buf_appendf(errs, "%s: cannot read: %s\n", path, strerror(err));
        else
            buf_appendf(errs, "%s: cannot read: not a regular file\n", path);
    }
    return WB_CONFIG;
}

/* mapfile_each - hand every remaining line to fn; see mapfile.h */
enum wb_status mapfile_each(struct mapfile *mf, mapfile_line_fn fn, void *ctx, const char *too_many)
{
    char *line;
    int rc = WB_OK;
    while (rc == WB_OK && mapfile_next(mf, &line))
        rc = fn(ctx, mf, line);
    if (rc == WB_TOOBIG) {
        mapfile_error(mf, "%s", too_many);
        rc = WB_OK;
    }
    if (rc == WB_OK && mapfile_errors(mf))
        rc = WB_CONFIG;
    return rc;
}

/* mapfile_load - read path and hand its text to fn */
enum wb_status mapfile_load(const char *path, mapfile_text_fn fn, void *out, struct buf *errs)
{
    struct buf b;
    int rc = mapfile_read(path, &b, errs);
    if (rc != WB_OK)
        return rc;
    rc = fn(path, b.data, b.len, out, errs);
    buf_free(&b);
    return rc;
}

/* mapfile_init - start reading len bytes of text named name */
void mapfile_init(struct mapfile *mf, const char *name, const char *text, size_t len,
                  struct buf *errs)
{
    mf->name = name ? name : "-";
    mf->p = text;
    mf->end = text + len;
    mf->lineno = 0;
    mf->nerr = 0;
    mf->nwarn = 0;
    mf->errs = errs;
    mf->line[0] = '\0';
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        mf->p += 3;
}

/* report - append one "file:line: [warning: ]text" line to errs */
static void report(struct mapfile *mf, size_t lineno, const char *kind, const char *fmt, va_list ap)
{
    if (!mf->errs)
        return;
    buf_appendf(mf->errs, "%s:%zu: %s", mf->name, lineno, kind);
    buf_vappendf(mf->errs, fmt, ap);
    buf_appendc(mf->errs, '\n');
}

/* count_error - count one error; 1 if it should still be reported */
static int count_error(struct mapfile *mf)
{
    mf->nerr++;
    return mf->nerr <= MAPFILE_MAX_ERRORS;
}

/* note_limit - say once that reading stops because of too many errors */
static void note_limit(struct mapfile *mf)
{
    if (mf->nerr == MAPFILE_MAX_ERRORS && mf->errs)
        buf_appendf(mf->errs, "%s:%zu: too many errors, stopping here\n", mf->name, mf->lineno);
}

/* mapfile_error - report "file:line: text" for the current line and count an error */
void mapfile_error(struct mapfile *mf, const char *fmt, ...)
{
    if (!count_error(mf))
        return;
    va_list ap;
    va_start(ap, fmt);
    report(mf, mf->lineno, "", fmt, ap);
    va_end(ap);
    note_limit(mf);
}

/* mapfile_error_at - same as mapfile_error for another line number */
void mapfile_error_at(struct mapfile *mf, size_t lineno, const char *fmt, ...)
{
    if (!count_error(mf))
        return;
    va_list ap;
    va_start(ap, fmt);
    report(mf, lineno, "", fmt, ap);
    va_end(ap);
    note_limit(mf);
}

/* mapfile_warn - report "file:line: warning: text" (not counted as an error) */
void mapfile_warn(struct mapfile *mf, const char *fmt, ...)
{
    if (++mf->nwarn > MAPFILE_MAX_ERRORS)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(mf, mf->lineno, "warning: ", fmt, ap);
    va_end(ap);
}

/* mapfile_errors - number of errors reported so far */
size_t mapfile_errors(const struct mapfile *mf)
{
    return mf->nerr;
}

/* mapfile_text_ok - 1 if the len bytes are valid UTF-8 without control characters */
int mapfile_text_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return 0;
    }
    return str_utf8_valid(s, len);
}

/* mapfile_next - next meaningful line (trimmed, writable) in *line; 0 at the end */
int mapfile_next(struct mapfile *mf, char **line)
{
    while (mf->p < mf->end && mf->nerr < MAPFILE_MAX_ERRORS) {
        const char *s = mf->p;
        const char *nl = memchr(s, '\n', (size_t)(mf->end - s));
        const char *e = nl ? nl : mf->end;
        mf->p = nl ? nl + 1 : mf->end;
        mf->lineno++;
        if (e > s && e[-1] == '\r')
            e--;
        size_t len = (size_t)(e - s);
        if (len > MAPFILE_LINE_MAX) {
            mapfile_error(mf, "line longer than %d bytes", MAPFILE_LINE_MAX);
            continue;
        }
        size_t bad = len;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                bad = i;
                break;
            }
        }
        if (bad < len) {
            mapfile_error(mf, "control character 0x%02x at column %zu", (unsigned char)s[bad],
                          bad + 1);
            continue;
        }
        if (!str_utf8_valid(s, len)) {
            mapfile_error(mf, "invalid UTF-8");
            continue;
        }
        memcpy(mf->line, s, len);
        mf->line[len] = '\0';
        str_trim(str_strip_comment(mf->line));
        if (mf->line[0] == '\0')
            continue;
        *line = mf->line;
        return 1;
    }
    return 0;
}

/* mapfile_split - split line at sep into at most max trimmed fields; returns the count */
size_t mapfile_split(char *line, char sep, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *q = strchr(p, sep);
        if (q)
            *q = '\0';
        if (n < max)
            fields[n] = str_trim(p);
        n++;
        if (!q)
            break;
        p = q + 1;
    }
    return n;
}

/* mapfile_chars - number of UTF-8 code points in a valid UTF-8 string */
size_t mapfile_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* mapfile_fold - s with ASCII letters lowered and ASCII blanks and punctuation dropped, for
 * near-miss hints ("DPD LOCAL", "dpd_local" and "DPD-Local" all fold to "dpdlocal") */
enum wb_status mapfile_fold(const char *s, char *out, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return WB_TOOBIG;
    for (; *s; s++) {
        char c = *s;
        if ((unsigned char)c < 0x80 &&
            !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (k + 1 >= n) {
            out[0] = '\0';
            return WB_TOOBIG;
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return WB_OK;
}
