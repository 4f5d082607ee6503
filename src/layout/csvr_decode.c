/*
 * csvr_decode.c - the CSV reader's encodings: byte order marks, UTF-16/32 detection, and
 * each cell's bytes as UTF-8.
 *
 * Owns checking the start of a file against the layout's BOM rule, naming a UTF-16/32 file, the
 * single-byte table built once per reader, and the conversions (UTF-8 repair, table, iconv) that
 * put a cell's text into the row arena with bad bytes as U+FFFD, counted for the caller. Returns
 * WB_TOOBIG when the arena is full, WB_PERMFAIL with a sentence for a file it cannot read; never
 * sets a row error itself and never exits.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "core/strutil.h"
#include "core/buf.h"
#include "core/wb.h"
#include "layout/csvr_int.h"

static const char utf8_repl[] = "\xEF\xBF\xBD"; /* U+FFFD */

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

/* csvr_fix_utf8 - copy s into the arena with invalid bytes and NULs as U+FFFD; counts them */
int csvr_fix_utf8(struct csvr *r, const unsigned char *s, size_t n, size_t *off, size_t *bad,
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

/* csvr_build_sb - for single-byte encodings, the UTF-8 of each byte 0x80..0xFF (once per reader) */
void csvr_build_sb(struct csvr *r)
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

/* csvr_sb_cell - convert s with the single-byte table; bad bytes become U+FFFD and are counted */
int csvr_sb_cell(struct csvr *r, const unsigned char *s, size_t n, size_t *off, size_t *bad,
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

/* csvr_conv_cell - iconv s into the arena as UTF-8; bad bytes become U+FFFD and are counted */
int csvr_conv_cell(struct csvr *r, const unsigned char *s, size_t n, size_t *off, size_t *bad,
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

/* csvr_read_bom - handle a UTF-8 byte order mark per the layout; name a UTF-16/32 file as such */
int csvr_read_bom(struct csvr *r, struct buf *err)
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
