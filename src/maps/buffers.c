/*
 * buffers.c - safety buffer rules per seller SKU or prefix (see buffers.h).
 *
 * Owns the rules: an exact index of SKUs and a list of prefixes, longest
 * first. Returns WB_CONFIG with "file:line: text" in errs for any bad line,
 * WB_NOMEM on allocation failure. Must never touch the network, the ledger
 * or the spool, and never exit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "core/wb.h"
#include "maps/buffers.h"
#include "maps/mapfile.h"
#include "maps/skus.h"
#include "maps/strmap.h"

#define MAX_PREFIXES 1024

struct rule {
    char *text;
    size_t len;
    long units;
    size_t line;
};

struct buffers {
    struct strmap *exact; /* seller SKU -> struct rule */
    struct rule *prefix;  /* longest first once loaded */
    size_t nprefix, capprefix;
    long dflt;
    size_t dflt_line;
};

/* buffers_free - release */
void buffers_free(struct buffers *m)
{
    if (!m)
        return;
    size_t pos = 0;
    void *val;
    while (strmap_next(m->exact, &pos, NULL, &val))
        free(val);
    strmap_free(m->exact);
    for (size_t i = 0; i < m->nprefix; i++)
        free(m->prefix[i].text);
    free(m->prefix);
    free(m);
}

/* split_rule - "KIND TEXT UNITS": *kind, *text (may be empty) and the units word */
static const char *split_rule(char *line, char **kind, char **text)
{
    char *e = line + strlen(line);
    char *w = e;
    while (w > line && w[-1] != ' ' && w[-1] != '\t')
        w--;
    char *t = w;
    while (t > line && (t[-1] == ' ' || t[-1] == '\t'))
        *--t = '\0';
    *kind = line;
    size_t k = strcspn(line, " \t");
    char *rest = line + k;
    if (*rest) {
        *rest++ = '\0';
        rest += strspn(rest, " \t");
    }
    *text = rest;
    return w;
}

/* add_prefix - store one prefix rule */
static int add_prefix(struct buffers *m, struct mapfile *mf, const char *text, long units)
{
    for (size_t i = 0; i < m->nprefix; i++)
        if (strcmp(m->prefix[i].text, text) == 0) {
            mapfile_error(mf, "prefix '%s' already given at line %zu", text, m->prefix[i].line);
            return WB_OK;
        }
    if (m->nprefix >= MAX_PREFIXES)
        return WB_TOOBIG;
    if (m->nprefix == m->capprefix) {
        size_t ncap = m->capprefix ? m->capprefix * 2 : 8;
        struct rule *v = realloc(m->prefix, ncap * sizeof *v);
        if (!v)
            return WB_NOMEM;
        m->prefix = v;
        m->capprefix = ncap;
    }
    char *copy = str_dup(text);
    if (!copy)
        return WB_NOMEM;
    m->prefix[m->nprefix++] = (struct rule){copy, strlen(copy), units, mf->lineno};
    return WB_OK;
}

/* add_sku - store one SKU rule */
static int add_sku(struct buffers *m, struct mapfile *mf, const char *sku, long units)
{
    const struct rule *prev = strmap_get(m->exact, sku);
    if (prev) {
        mapfile_error(mf, "SKU '%s' already given at line %zu", sku, prev->line);
        return WB_OK;
    }
    struct rule *r = malloc(sizeof *r);
    if (!r)
        return WB_NOMEM;
    *r = (struct rule){NULL, 0, units, mf->lineno};
    int rc = strmap_put(m->exact, sku, r, NULL);
    if (rc != WB_OK)
        free(r);
    return rc;
}

/* parse_line - one rule */
static int parse_line(void *ctx, struct mapfile *mf, char *line)
{
    struct buffers *m = ctx;
    char *kind, *text;
    const char *word = split_rule(line, &kind, &text);
    long units;
    if (word == kind || strspn(word, "0123456789") != strlen(word) || strlen(word) > 7 ||
        str_to_long(word, 0, BUFFERS_UNITS_MAX, &units) != WB_OK) {
        mapfile_error(mf, "a rule ends with its units, a whole number from 0 to %ld",
                      BUFFERS_UNITS_MAX);
        return WB_OK;
    }
    if (strcmp(kind, "default") == 0 && !*text) {
        if (m->dflt_line) {
            mapfile_error(mf, "default already given at line %zu", m->dflt_line);
            return WB_OK;
        }
        m->dflt = units;
        m->dflt_line = mf->lineno;
        return WB_OK;
    }
    if ((strcmp(kind, "sku") == 0 || strcmp(kind, "prefix") == 0) && *text) {
        if (!skus_valid_seller(text)) {
            mapfile_error(mf,
                          "'%s' is not a seller SKU (1..%d characters, no control "
                          "characters)",
                          text, SKUS_SELLER_MAX);
            return WB_OK;
        }
        return kind[0] == 's' ? add_sku(m, mf, text, units) : add_prefix(m, mf, text, units);
    }
    mapfile_error(mf, "expected 'sku SELLER-SKU UNITS', 'prefix TEXT UNITS' or 'default UNITS'");
    return WB_OK;
}

/* longer_first - qsort order of prefix rules: longest first */
static int longer_first(const void *a, const void *b)
{
    const struct rule *x = a, *y = b;
    return (x->len < y->len) - (x->len > y->len);
}

/* buffers_parse_text - parse len bytes of text named name */
enum wb_status buffers_parse_text(const char *name, const char *text, size_t len,
                                  struct buffers **out, struct buf *errs)
{
    *out = NULL;
    struct buffers *m = calloc(1, sizeof *m);
    if (!m || !(m->exact = strmap_new(64))) {
        free(m);
        return WB_NOMEM;
    }
    struct mapfile mf;
    mapfile_init(&mf, name, text, len, errs);
    int rc = mapfile_each(&mf, parse_line, m, "too many rules");
    if (rc != WB_OK) {
        buffers_free(m);
        return rc;
    }
    if (m->nprefix > 1)
        qsort(m->prefix, m->nprefix, sizeof *m->prefix, longer_first);
    *out = m;
    return WB_OK;
}

/* parse_text - buffers_parse_text with an untyped result pointer, for mapfile_load */
static int parse_text(const char *name, const char *text, size_t len, void *out, struct buf *errs)
{
    return buffers_parse_text(name, text, len, out, errs);
}

/* buffers_load - read the map at path */
enum wb_status buffers_load(const char *path, struct buffers **out, struct buf *errs)
{
    *out = NULL;
    return mapfile_load(path, parse_text, out, errs);
}

/* buffers_units - the buffer of a seller SKU */
long buffers_units(const struct buffers *m, const char *seller_sku)
{
    if (!m)
        return 0;
    const struct rule *r = strmap_get(m->exact, seller_sku);
    if (r)
        return r->units;
    for (size_t i = 0; i < m->nprefix; i++)
        if (strncmp(seller_sku, m->prefix[i].text, m->prefix[i].len) == 0)
            return m->prefix[i].units;
    return m->dflt;
}
