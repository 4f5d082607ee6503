/*
 * csvw.c - CSV writer driven by a layout: delimiter, quote, encoding, BOM, line end.
 *
 * Owns one writer: a row buffer (UTF-8), an output buffer of about 64 KiB and
 * an iconv descriptor for non-UTF-8 layouts. Cells are quoted when they hold
 * the delimiter, the quote, CR or LF, or start or end with white space (and
 * a row of one empty cell is written as "" so it is not a blank line);
 * characters the target encoding lacks become '?'. With neutralisation on,
 * a cell starting with = + - @ TAB or CR gets one leading apostrophe.
 *
 * Error contract: returns WB_NOSPACE for ENOSPC/EFBIG, WB_IOERR for other
 * write errors (the first error sticks and csvw_close reports it), WB_NOMEM
 * or WB_TOOBIG for memory. Never exits; never closes the FILE it was given.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "layout/layout.h"
#include "layout/layout_int.h"

#define OUT_FLUSH 65536
#define ROW_MAX (64u * 1024 * 1024)

struct csvw {
    const struct layout *l;
    FILE *out;
    int neutralise;
    iconv_t cd; /* UTF-8 -> layout encoding; (iconv_t)-1 for UTF-8 */
    int err;    /* first error, sticky */
    int alone;  /* the cell being added is the only one in its row */
    struct buf row;
    struct buf ob;
};

/* put - queue bytes for output, flushing about every 64 KiB */
static int put(struct csvw *w, const char *p, size_t n)
{
    if (w->err)
        return w->err;
    if (w->ob.len + n > OUT_FLUSH) {
        errno = 0;
        if (w->ob.len && fwrite(w->ob.data, 1, w->ob.len, w->out) != w->ob.len)
            return w->err = wb_errno_status(errno ? errno : EIO);
        buf_reset(&w->ob);
        if (n > OUT_FLUSH) {
            if (fwrite(p, 1, n, w->out) != n)
                return w->err = wb_errno_status(errno ? errno : EIO);
            return WB_OK;
        }
    }
    int rc = buf_append(&w->ob, p, n);
    return rc == WB_OK ? WB_OK : (w->err = rc);
}

/* utf8_len - length of the UTF-8 sequence led by c (1 for a stray byte) */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xF0 && c < 0xF8)
        return 4;
    if (c >= 0xE0)
        return c < 0xF0 ? 3 : 1;
    if (c >= 0xC0)
        return 2;
    return 1;
}

/* put_converted - convert UTF-8 text to the layout encoding and queue it */
static int put_converted(struct csvw *w, const char *s, size_t n)
{
    char out[8192];
    char *ip = (char *)s;
    size_t il = n;
    iconv(w->cd, NULL, NULL, NULL, NULL);
    while (il > 0) {
        char *op = out;
        size_t ol = sizeof out;
        size_t rc = iconv(w->cd, &ip, &il, &op, &ol);
        int e = errno;
        if (op > out && put(w, out, (size_t)(op - out)) != WB_OK)
            return w->err;
        if (rc != (size_t)-1 || e == E2BIG)
            continue;
        size_t k = utf8_len((unsigned char)*ip);
        if (k > il || e == EINVAL)
            k = il;
        if (put(w, "?", 1) != WB_OK)
            return w->err;
        ip += k;
        il -= k;
    }
    char *op = out;
    size_t ol = sizeof out;
    iconv(w->cd, NULL, NULL, &op, &ol);
    if (op > out)
        return put(w, out, (size_t)(op - out));
    return WB_OK;
}

/* is_ascii - 1 if no byte has the high bit set */
static int is_ascii(const char *s, size_t n)
{
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (unsigned char)s[i];
    return (acc & 0x80) == 0;
}

/* needs_quotes - 1 if a cell must be quoted to read back unchanged */
static int needs_quotes(const struct csvw *w, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
        return 1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == w->l->delim || c == w->l->quote || c == '\n' || c == '\r')
            return 1;
    }
    return 0;
}

/* add_cell - append one cell, quoted and neutralised as needed, to the row buffer */
static int add_cell(struct csvw *w, const char *s, size_t n)
{
    int rc = WB_OK;
    int neut =
        w->neutralise && n > 0 &&
        (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
    int apos_is_quote = w->l->quote == '\'';
    int q = needs_quotes(w, s, n) || (n == 0 && w->alone) || (neut && apos_is_quote);
    if (q)
        rc = buf_appendc(&w->row, w->l->quote);
    if (rc == WB_OK && neut)
        rc = buf_append(&w->row, "''", apos_is_quote ? 2 : 1);
    if (rc != WB_OK)
        return rc;
    if (!q)
        return buf_append(&w->row, s, n);
    const char *p = s, *e = s + n;
    while (p < e) {
        const char *qp = memchr(p, w->l->quote, (size_t)(e - p));
        size_t k = qp ? (size_t)(qp - p) + 1 : (size_t)(e - p);
        if ((rc = buf_append(&w->row, p, k)) != WB_OK)
            return rc;
        if (qp && (rc = buf_appendc(&w->row, w->l->quote)) != WB_OK)
            return rc;
        p += k;
    }
    return buf_appendc(&w->row, w->l->quote);
}

/* emit_row - build and queue one row; convert says whether to leave UTF-8 */
static int emit_row(struct csvw *w, const char *const *cells, const size_t *lens, size_t n,
                    int convert)
{
    if (w->err)
        return w->err;
    buf_reset(&w->row);
    int rc = WB_OK;
    w->alone = n == 1;
    for (size_t i = 0; i < n && rc == WB_OK; i++) {
        const char *c = cells[i] ? cells[i] : "";
        size_t len = lens ? lens[i] : strlen(c);
        if (i)
            rc = buf_appendc(&w->row, w->l->delim);
        if (rc == WB_OK)
            rc = add_cell(w, c, len);
    }
    if (rc == WB_OK)
        rc = buf_appends(&w->row, w->l->crlf ? "\r\n" : "\n");
    if (rc != WB_OK)
        return rc;
    if (convert && w->cd != (iconv_t)-1 && !is_ascii(w->row.data, w->row.len))
        return put_converted(w, w->row.data, w->row.len);
    return put(w, w->row.data, w->row.len);
}

/* csvw_open - writer in the layout's delimiter, quote, encoding, BOM and line end */
enum wb_status csvw_open(struct csvw **wp, const struct layout *l, FILE *out,
                         int neutralise_formulas)
{
    *wp = NULL;
    struct csvw *w = calloc(1, sizeof *w);
    if (!w)
        return WB_NOMEM;
    w->l = l;
    w->out = out;
    w->neutralise = neutralise_formulas != 0;
    w->cd = (iconv_t)-1;
    buf_init(&w->row, ROW_MAX);
    buf_init(&w->ob, OUT_FLUSH + 1);
    if (!l->is_utf8) {
        w->cd = iconv_open(l->encoding, "UTF-8");
        if (w->cd == (iconv_t)-1) {
            free(w);
            return WB_CONFIG;
        }
    }
    if (l->bom == LAYOUT_BOM_REQUIRED)
        put(w, "\xEF\xBB\xBF", 3);
    *wp = w;
    return WB_OK;
}

/* csvw_header - write the layout's header texts in field order */
enum wb_status csvw_header(struct csvw *w)
{
    const char *names[256];
    size_t n = w->l->nfields < 256 ? w->l->nfields : 256;
    for (size_t i = 0; i < n; i++)
        names[i] = w->l->fields[i].header;
    return emit_row(w, names, NULL, n, 1);
}

/* csvw_row - write one row of UTF-8 cells (converted; unconvertible characters become '?') */
enum wb_status csvw_row(struct csvw *w, const char *const *cells, size_t n)
{
    return emit_row(w, cells, NULL, n, 1);
}

/* csvw_row_raw - write one row of cells already in the layout's encoding (no conversion) */
enum wb_status csvw_row_raw(struct csvw *w, const char *const *cells, const size_t *lens, size_t n)
{
    return emit_row(w, cells, lens, n, 0);
}

/* csvw_close - flush and release; first write error (ENOSPC -> WB_NOSPACE); FILE stays open */
enum wb_status csvw_close(struct csvw *w)
{
    if (!w)
        return WB_OK;
    int rc = w->err;
    errno = 0;
    if (rc == WB_OK && w->ob.len && fwrite(w->ob.data, 1, w->ob.len, w->out) != w->ob.len)
        rc = wb_errno_status(errno ? errno : EIO);
    if (rc == WB_OK && fflush(w->out) != 0)
        rc = wb_errno_status(errno ? errno : EIO);
    if (rc == WB_OK && ferror(w->out))
        rc = WB_IOERR;
    if (w->cd != (iconv_t)-1)
        iconv_close(w->cd);
    buf_free(&w->row);
    buf_free(&w->ob);
    free(w);
    return rc;
}
