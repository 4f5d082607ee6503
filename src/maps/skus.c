/*
 * skus.c - WMS SKU <-> seller SKU map.
 *
 * Owns every pair (one allocation each) and two indexes: WMS SKU -> pair and
 * seller SKU -> pair. Returns WB_CONFIG with "file:line: text" in errs for
 * any bad line, WB_NOMEM on allocation failure. Must never map a SKU it was
 * not given (identity only when the file says so, and never onto a seller
 * SKU that another WMS SKU already owns), never touch the network, the
 * ledger or the spool, and never exit.
 */
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "core/wb.h"
#include "maps/mapfile.h"
#include "maps/skus.h"
#include "maps/strmap.h"

struct pair {
    size_t line;
    const char *wms;
    const char *seller;
    char data[];
};

struct bundle {
    size_t line;
    size_t n;
    struct skus_part part[SKUS_BUNDLE_MAX];
    char data[]; /* the component names, NUL separated */
};

struct renamed {
    size_t line;
    char to[]; /* the new seller SKU */
};

struct skus {
    struct strmap *fwd;     /* WMS SKU -> struct pair */
    struct strmap *rev;     /* seller SKU -> struct pair */
    struct strmap *bundles; /* seller SKU -> struct bundle */
    struct strmap *renamed; /* old seller SKU -> struct renamed */
    size_t identity_line;
};

/* skus_free - release the map (NULL is fine) */
void skus_free(struct skus *m)
{
    if (!m)
        return;
    size_t pos = 0;
    void *val;
    while (strmap_next(m->fwd, &pos, NULL, &val))
        free(val);
    pos = 0;
    while (strmap_next(m->bundles, &pos, NULL, &val))
        free(val);
    pos = 0;
    while (strmap_next(m->renamed, &pos, NULL, &val))
        free(val);
    strmap_free(m->fwd);
    strmap_free(m->rev);
    strmap_free(m->bundles);
    strmap_free(m->renamed);
    free(m);
}

/* sku_ok - 1 if s (n bytes, NUL terminated) is 1..max characters of valid UTF-8 without control
 * characters */
static int sku_ok(const char *s, size_t n, size_t max)
{
    if (str_bytes_in(s, n, 0x20, 0x7E)) /* printable ASCII: the usual case */
        return n > 0 && n <= max;
    if (n == 0 || !mapfile_text_ok(s, n) || memchr(s, '\t', n))
        return 0;
    return mapfile_chars(s) <= max;
}

/* skus_valid_seller - 1 if s is acceptable as a seller SKU */
int skus_valid_seller(const char *s)
{
    return s && sku_ok(s, strlen(s), SKUS_SELLER_MAX);
}

/* split_fields - tab-separated when the line has a tab, else blank-separated; runs collapse */
static size_t split_fields(char *line, char **f, size_t max)
{
    const char *seps = strchr(line, '\t') ? "\t" : " ";
    size_t n = 0;
    char *p = line;
    for (;;) {
        p += strspn(p, seps);
        if (!*p)
            break;
        char *e = p + strcspn(p, seps);
        char end = *e;
        *e = '\0';
        /* trim spaces left around a tab-separated field */
        while (*p == ' ')
            p++;
        char *t = e;
        while (t > p && t[-1] == ' ')
            *--t = '\0';
        if (*p) {
            if (n < max)
                f[n] = p;
            n++;
        }
        if (!end)
            break;
        p = e + 1;
    }
    return n;
}

/* seller_taken - 1 (with an error reported) when seller is already a pair, bundle or old name */
static int seller_taken(struct skus *m, struct mapfile *mf, const char *seller)
{
    const struct pair *p = strmap_get(m->rev, seller);
    const struct bundle *b = strmap_get(m->bundles, seller);
    if (p)
        mapfile_error(mf, "seller SKU '%s' already mapped from WMS SKU '%s' at line %zu", seller,
                      p->wms, p->line);
    else if (b)
        mapfile_error(mf, "seller SKU '%s' already a bundle at line %zu", seller, b->line);
    else if (strmap_get(m->renamed, seller))
        mapfile_error(mf, "seller SKU '%s' already renamed", seller);
    return p || b || strmap_get(m->renamed, seller);
}

/* add_pair - validate and store one WMS SKU -> seller SKU pair */
static int add_pair(struct skus *m, struct mapfile *mf, const char *wms, const char *seller)
{
    if (!sku_ok(wms, strlen(wms), SKUS_WMS_MAX)) {
        mapfile_error(mf, "WMS SKU '%s' longer than %d characters", wms, SKUS_WMS_MAX);
        return WB_OK;
    }
    if (!sku_ok(seller, strlen(seller), SKUS_SELLER_MAX)) {
        mapfile_error(mf, "seller SKU '%s' longer than %d characters (Amazon's limit)", seller,
                      SKUS_SELLER_MAX);
        return WB_OK;
    }
    const struct pair *prev = strmap_get(m->fwd, wms);
    if (prev) {
        mapfile_error(mf, "WMS SKU '%s' already mapped at line %zu", wms, prev->line);
        return WB_OK;
    }
    if (seller_taken(m, mf, seller))
        return WB_OK;
    size_t lw = strlen(wms) + 1, ls = strlen(seller) + 1;
    struct pair *p = malloc(sizeof *p + lw + ls);
    if (!p)
        return WB_NOMEM;
    memcpy(p->data, wms, lw);
    memcpy(p->data + lw, seller, ls);
    p->wms = p->data;
    p->seller = p->data + lw;
    p->line = mf->lineno;
    int rc = strmap_put(m->fwd, p->wms, p, NULL);
    if (rc != WB_OK) {
        free(p);
        return rc;
    }
    return strmap_put(m->rev, p->seller, p, NULL);
}

/* add_bundle - "bundle SELLER-SKU WMS-SKU[*N] ...": the components of one unit */
static int add_bundle(struct skus *m, struct mapfile *mf, char **f, size_t n)
{
    if (n < 3 || n > 2 + SKUS_BUNDLE_MAX) {
        mapfile_error(mf, "expected 'bundle SELLER-SKU WMS-SKU[*N] ...' with 1 to %d components",
                      SKUS_BUNDLE_MAX);
        return WB_OK;
    }
    if (!sku_ok(f[1], strlen(f[1]), SKUS_SELLER_MAX)) {
        mapfile_error(mf, "seller SKU '%s' longer than %d characters (Amazon's limit)", f[1],
                      SKUS_SELLER_MAX);
        return WB_OK;
    }
    if (seller_taken(m, mf, f[1]))
        return WB_OK;
    size_t room = 0;
    for (size_t i = 2; i < n; i++)
        room += strlen(f[i]) + 1;
    struct bundle *b = calloc(1, sizeof *b + room);
    if (!b)
        return WB_NOMEM;
    b->line = mf->lineno;
    char *d = b->data;
    for (size_t i = 2; i < n; i++) {
        char *star = strrchr(f[i], '*');
        long q = 1;
        if (star && star[1]) {
            char *end;
            q = strtol(star + 1, &end, 10);
            if (*end || q < 1 || q > SKUS_PART_QTY_MAX) {
                mapfile_error(mf, "component '%s': the quantity after '*' must be 1 to %d", f[i],
                              SKUS_PART_QTY_MAX);
                free(b);
                return WB_OK;
            }
            *star = '\0';
        }
        size_t l = strlen(f[i]);
        if (!sku_ok(f[i], l, SKUS_WMS_MAX)) {
            mapfile_error(mf, "component '%s' is not a WMS SKU of 1 to %d characters", f[i],
                          SKUS_WMS_MAX);
            free(b);
            return WB_OK;
        }
        memcpy(d, f[i], l + 1);
        b->part[b->n].wms = d;
        b->part[b->n].qty = (unsigned)q;
        b->n++;
        d += l + 1;
    }
    int rc = strmap_put(m->bundles, f[1], b, NULL);
    if (rc != WB_OK)
        free(b);
    return rc;
}

/* add_renamed - "renamed OLD-SELLER-SKU NEW-SELLER-SKU" */
static int add_renamed(struct skus *m, struct mapfile *mf, char **f, size_t n)
{
    if (n != 3 || !skus_valid_seller(f[1]) || !skus_valid_seller(f[2]) || !strcmp(f[1], f[2])) {
        mapfile_error(mf, "expected 'renamed OLD-SELLER-SKU NEW-SELLER-SKU' (two different "
                          "seller SKUs of 1 to 40 characters)");
        return WB_OK;
    }
    if (seller_taken(m, mf, f[1]))
        return WB_OK;
    size_t l = strlen(f[2]) + 1;
    struct renamed *to = malloc(sizeof *to + l);
    if (!to)
        return WB_NOMEM;
    to->line = mf->lineno;
    memcpy(to->to, f[2], l);
    int rc = strmap_put(m->renamed, f[1], to, NULL);
    if (rc != WB_OK)
        free(to);
    return rc;
}

/* parse_line - one meaningful line: a pair, a bundle, a renamed SKU or the identity directive */
static int parse_line(void *ctx, struct mapfile *mf, char *line)
{
    struct skus *m = ctx;
    char *f[3 + SKUS_BUNDLE_MAX];
    size_t n = split_fields(line, f, WB_ARRAY_LEN(f));
    if (n >= 1 && strcmp(f[0], "bundle") == 0)
        return add_bundle(m, mf, f, n);
    if (n >= 1 && strcmp(f[0], "renamed") == 0)
        return add_renamed(m, mf, f, n);
    if (n >= 1 && strcmp(f[0], "*") == 0) {
        if (n != 3 || strcmp(f[1], "=") != 0 || strcmp(f[2], "identity") != 0) {
            mapfile_error(mf, "'*' lines must read '* = identity'");
            return WB_OK;
        }
        if (m->identity_line)
            mapfile_warn(mf, "'* = identity' already given at line %zu", m->identity_line);
        else
            m->identity_line = mf->lineno;
        return WB_OK;
    }
    if (n != 2) {
        mapfile_error(mf,
                      "expected 'WMS-SKU SELLER-SKU', found %zu fields (separate with a tab "
                      "when a SKU contains spaces)",
                      n);
        return WB_OK;
    }
    return add_pair(m, mf, f[0], f[1]);
}

/* check_orders_lines - a renamed SKU must lead to a pair or a bundle; a bundle's component that
 * is no WMS SKU of the map is only warned about (its orders are held by the orders gate) */
static void check_orders_lines(struct skus *m, struct mapfile *mf)
{
    size_t pos = 0;
    const char *key;
    void *val;
    while (strmap_next(m->renamed, &pos, &key, &val)) {
        const struct renamed *r = val;
        if (!strmap_get(m->rev, r->to) && !strmap_get(m->bundles, r->to))
            mapfile_error_at(mf, r->line,
                             "renamed '%s' leads to '%s', which is neither the seller SKU of a "
                             "pair nor a bundle",
                             key, r->to);
    }
    pos = 0;
    while (strmap_next(m->bundles, &pos, &key, &val)) {
        const struct bundle *b = val;
        for (size_t i = 0; i < b->n; i++)
            if (!m->identity_line && !strmap_get(m->fwd, b->part[i].wms)) {
                mf->lineno = b->line; /* the warning names the bundle's line */
                mapfile_warn(mf,
                             "bundle '%s': component '%s' is no WMS SKU of this map; its "
                             "orders are held",
                             key, b->part[i].wms);
            }
    }
}

/* skus_parse_text - same as skus_load for len bytes of text named name */
enum wb_status skus_parse_text(const char *name, const char *text, size_t len, struct skus **out,
                               struct buf *errs)
{
    *out = NULL;
    struct skus *m = calloc(1, sizeof *m);
    if (!m)
        return WB_NOMEM;
    m->fwd = strmap_new(256);
    m->rev = strmap_new(256);
    m->bundles = strmap_new(16);
    m->renamed = strmap_new(16);
    if (!m->fwd || !m->rev || !m->bundles || !m->renamed) {
        skus_free(m);
        return WB_NOMEM;
    }
    struct mapfile mf;
    mapfile_init(&mf, name, text, len, errs);
    int rc = mapfile_each(&mf, parse_line, m, "too many SKUs");
    if (rc == WB_OK || rc == WB_CONFIG) {
        check_orders_lines(m, &mf);
        rc = mapfile_errors(&mf) ? WB_CONFIG : WB_OK;
    }
    if (rc != WB_OK) {
        skus_free(m);
        return rc;
    }
    *out = m;
    return WB_OK;
}

/* parse_text - skus_parse_text with an untyped result pointer, for mapfile_load */
static int parse_text(const char *name, const char *text, size_t len, void *out, struct buf *errs)
{
    return skus_parse_text(name, text, len, out, errs);
}

/* skus_load - read the SKU map at path into *out */
enum wb_status skus_load(const char *path, struct skus **out, struct buf *errs)
{
    *out = NULL;
    return mapfile_load(path, parse_text, out, errs);
}

/* skus_lookup - seller SKU for a WMS SKU; NULL when unknown and not identity */
const char *skus_lookup(const struct skus *m, const char *wms_sku)
{
    return wms_sku ? skus_lookup_n(m, wms_sku, strlen(wms_sku)) : NULL;
}

/* skus_lookup_n - skus_lookup for a WMS SKU of n bytes (NUL terminated) */
const char *skus_lookup_n(const struct skus *m, const char *wms_sku, size_t n)
{
    if (!m || !wms_sku)
        return NULL;
    if (m->identity_line && strmap_count(m->fwd) == 0) /* a plain identity map: no lookups */
        return sku_ok(wms_sku, n, SKUS_SELLER_MAX) ? wms_sku : NULL;
    const struct pair *p = strmap_get(m->fwd, wms_sku);
    if (p)
        return p->seller;
    if (!m->identity_line || !sku_ok(wms_sku, n, SKUS_SELLER_MAX))
        return NULL;
    /* identity must not land on a seller SKU that belongs to another WMS SKU */
    if (strmap_get(m->rev, wms_sku))
        return NULL;
    return wms_sku;
}

/* skus_reverse - WMS SKU for a seller SKU; NULL when unknown and not identity */
const char *skus_reverse(const struct skus *m, const char *seller_sku)
{
    if (!m || !seller_sku)
        return NULL;
    const struct pair *p = strmap_get(m->rev, seller_sku);
    if (p)
        return p->wms;
    if (!m->identity_line || !skus_valid_seller(seller_sku))
        return NULL;
    /* identity must not land on a WMS SKU that is mapped to another seller SKU */
    if (strmap_get(m->fwd, seller_sku))
        return NULL;
    return seller_sku;
}

/* skus_identity - 1 if unmapped SKUs map to themselves */
int skus_identity(const struct skus *m)
{
    return m && m->identity_line != 0;
}

/* skus_count - number of explicit pairs */
size_t skus_count(const struct skus *m)
{
    return m ? strmap_count(m->fwd) : 0;
}

/* skus_explode - what to pick for one unit of a seller SKU */
enum wb_status skus_explode(const struct skus *m, const char *seller_sku, struct skus_part *parts,
                            size_t *n, const char **missing)
{
    *n = 0;
    *missing = NULL;
    if (!m || !seller_sku)
        return WB_NOTFOUND;
    const struct renamed *to = strmap_get(m->renamed, seller_sku);
    if (to)
        seller_sku = to->to;
    const struct bundle *b = strmap_get(m->bundles, seller_sku);
    if (!b) {
        const char *wms = skus_reverse(m, seller_sku);
        if (!wms)
            return WB_NOTFOUND;
        parts[0].wms = wms;
        parts[0].qty = 1;
        *n = 1;
        return WB_OK;
    }
    for (size_t i = 0; i < b->n; i++)
        if (!m->identity_line && !strmap_get(m->fwd, b->part[i].wms)) {
            *missing = b->part[i].wms;
            return WB_PERMFAIL;
        }
    memcpy(parts, b->part, b->n * sizeof *parts);
    *n = b->n;
    return WB_OK;
}
