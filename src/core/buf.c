/*
 * buf.c - growable byte buffer with a hard cap.
 * Returns WB_TOOBIG past the cap, WB_NOMEM on allocation failure; never exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"

/* buf_init - empty buffer that may hold at most max bytes */
void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

/* buf_free - release storage, buffer becomes empty */
void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

/* buf_reset - length 0, storage kept */
void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* grow - make room for n more bytes plus the terminator */
static int grow(struct buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return WB_TOOBIG;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return WB_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return WB_NOMEM;
    b->data = p;
    b->cap = cap;
    return WB_OK;
}

/* buf_append - append n bytes */
enum wb_status buf_append(struct buf *b, const void *p, size_t n)
{
    int rc = grow(b, n);
    if (rc != WB_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return WB_OK;
}

/* buf_appends - append a C string */
enum wb_status buf_appends(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

/* buf_appendc - append one byte */
enum wb_status buf_appendc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

/* buf_vappendf - va_list form of buf_appendf */
enum wb_status buf_vappendf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return WB_INTERNAL;
    int rc = grow(b, (size_t)n);
    if (rc != WB_OK)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return WB_OK;
}

/* buf_appendf - append printf-formatted text */
enum wb_status buf_appendf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* buf_str - the contents as a C string ("" when empty) */
const char *buf_str(const struct buf *b)
{
    return b->data ? b->data : "";
}

/* buf_detach - hand the storage to the caller (malloc'd, NUL terminated) */
char *buf_detach(struct buf *b)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
