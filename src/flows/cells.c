/*
 * cells.c - escape/unescape a row's cells into one TAB-joined line.
 * Pure; returns WB_* codes, never exits.
 */
#include <stdlib.h>
#include <string.h>

#include "core/wb.h"
#include "flows/cells.h"

/* cells_encode - append the cells as one escaped line to out */
int cells_encode(const char *const *cells, size_t n, struct buf *out)
{
    int rc = WB_OK;
    for (size_t i = 0; i < n && rc == WB_OK; i++) {
        if (i)
            rc = buf_appendc(out, '\t');
        for (const char *p = cells[i] ? cells[i] : ""; *p && rc == WB_OK; p++) {
            switch (*p) {
            case '\\':
                rc = buf_append(out, "\\\\", 2);
                break;
            case '\t':
                rc = buf_append(out, "\\t", 2);
                break;
            case '\n':
                rc = buf_append(out, "\\n", 2);
                break;
            case '\r':
                rc = buf_append(out, "\\r", 2);
                break;
            default:
                rc = buf_appendc(out, *p);
            }
        }
    }
    return rc;
}

/* cells_decode - split an encoded line into c (reusing its storage) */
int cells_decode(const char *line, struct cells *c)
{
    size_t len = strlen(line);
    char *s = realloc(c->store, len + 1);
    if (!s)
        return WB_NOMEM;
    c->store = s;
    c->n = 0;
    char *w = s;
    const char *start = w;
    for (const char *p = line;; p++) {
        if (*p == '\t' || *p == '\0') {
            *w++ = '\0';
            if (c->n == c->cap) {
                size_t nc = c->cap ? c->cap * 2 : 16;
                char **nv = realloc(c->v, nc * sizeof *nv);
                if (!nv)
                    return WB_NOMEM;
                c->v = nv;
                c->cap = nc;
            }
            c->v[c->n++] = (char *)start;
            start = w;
            if (*p == '\0')
                break;
            continue;
        }
        if (*p == '\\' && p[1]) {
            p++;
            *w++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
        } else {
            *w++ = *p;
        }
    }
    return WB_OK;
}

/* cells_free - release */
void cells_free(struct cells *c)
{
    free(c->store);
    free(c->v);
    memset(c, 0, sizeof *c);
}
