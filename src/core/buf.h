/*
 * buf.h - growable byte buffer with a hard cap chosen by the caller.
 *
 * Owns its storage (like curl's dynbuf with its toobig limit). Data is always
 * NUL terminated. Appends past the cap fail with WB_TOOBIG and leave the
 * buffer as it was; allocation failure gives WB_NOMEM. Never exits.
 */
#ifndef WB_BUF_H
#define WB_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/wb.h"

struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* hard cap on len */
};

/* buf_init - empty buffer that may hold at most max bytes */
void buf_init(struct buf *b, size_t max);
/* buf_free - release storage, buffer becomes empty */
void buf_free(struct buf *b);
/* buf_reset - length 0, storage kept */
void buf_reset(struct buf *b);
/* buf_append - append n bytes */
enum wb_status buf_append(struct buf *b, const void *p, size_t n);
/* buf_appends - append a C string */
enum wb_status buf_appends(struct buf *b, const char *s);
/* buf_appendc - append one byte */
enum wb_status buf_appendc(struct buf *b, char c);
/* buf_appendf - append printf-formatted text */
enum wb_status buf_appendf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* buf_vappendf - va_list form of buf_appendf */
enum wb_status buf_vappendf(struct buf *b, const char *fmt, va_list ap);
/* buf_str - the contents as a C string ("" when empty) */
const char *buf_str(const struct buf *b);
/* buf_detach - hand the storage to the caller (malloc'd, NUL terminated) */
char *buf_detach(struct buf *b);

#endif
