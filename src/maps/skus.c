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
    struct skus_bundle b;
    char data[];
};

struct skus {
    struct strmap *fwd; /* WMS SKU -> struct pair */
    struct strmap *rev; /* seller SKU -> struct pair */
    size_t identity_line;
    struct strmap *kits;  /* bundle seller SKU -> struct bundle */
    struct strmap *comps; /* WMS SKU of a component -> its first struct bundle */
    struct bundle **bundles;
    size_t nbundles, capbundles;
    struct strmap *renamed; /* old seller SKU -> struct renamed */
};

struct renamed {
    size_t line;
    char to[]; /* the new seller SKU */
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
    strmap_free(m->fwd);
    strmap_free(m->rev);
    for (size_t i = 0; i < m->nbundles; i++)
        free(m->bundles[i]);
    free(m->bundles);
    strmap_free(m->kits);
    strmap_free(m->comps);
    pos = 0;
    while (strmap_next(m->renamed, &pos, NULL, &val))
        free(val);
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
    prev = strmap_get(m->rev, seller);
    if (prev) {
        mapfile_error(mf, "seller SKU '%s' already mapped from WMS SKU '%s' at line %zu", seller,
                      prev->wms, prev->line);
        return WB_OK;
    }
    const struct bundle *kit = strmap_get(m->kits, seller);
    if (kit) {
        mapfile_error(mf, "seller SKU '%s' is the bundle of line %zu", seller, kit->line);
        return WB_OK;
    }
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

/* parse_component - "WMS-SKU:QTY" (QTY after the last ':') into *wms and *qty; 0 if malformed */
static int parse_component(char *f, char **wms, long *qty)
{
    char *colon = strrchr(f, ':');
    if (!colon || colon == f)
        return 0;
    *colon = '\0';
    *wms = f;
    const char *q = colon + 1;
    if (!*q || strspn(q, "0123456789") != strlen(q) || strlen(q) > 3)
        return 0;
    return str_to_long(q, 1, SKUS_BUNDLE_QTY_MAX, qty) == WB_OK;
}

/* add_bundle - validate and store "bundle SELLER-SKU WMS-SKU:QTY..." (f[0] is "bundle") */
static int add_bundle(struct skus *m, struct mapfile *mf, char **f, size_t n)
{
    const char *seller = f[1];
    if (n < 3 || n - 2 > SKUS_BUNDLE_MAX) {
        mapfile_error(mf,
                      "bundle lines read 'bundle SELLER-SKU WMS-SKU:QTY ...' with 1 to %d "
                      "components",
                      SKUS_BUNDLE_MAX);
        return WB_OK;
    }
    if (!sku_ok(seller, strlen(seller), SKUS_SELLER_MAX)) {
        mapfile_error(mf, "bundle seller SKU '%s' longer than %d characters (Amazon's limit)",
                      seller, SKUS_SELLER_MAX);
        return WB_OK;
    }
    const struct pair *p = strmap_get(m->rev, seller);
    const struct bundle *kit = strmap_get(m->kits, seller);
    if (p || kit) {
        mapfile_error(mf, "seller SKU '%s' already given at line %zu", seller,
                      p ? p->line : kit->line);
        return WB_OK;
    }
    size_t need = strlen(seller) + 1;
    char *wms[SKUS_BUNDLE_MAX];
    long qty[SKUS_BUNDLE_MAX];
    size_t nc = n - 2;
    for (size_t i = 0; i < nc; i++) {
        if (!parse_component(f[i + 2], &wms[i], &qty[i])) {
            mapfile_error(mf, "component '%s' must read WMS-SKU:QTY with QTY 1..%d", f[i + 2],
                          SKUS_BUNDLE_QTY_MAX);
            return WB_OK;
        }
        if (!sku_ok(wms[i], strlen(wms[i]), SKUS_WMS_MAX)) {
            mapfile_error(mf, "component WMS SKU '%s' longer than %d characters", wms[i],
                          SKUS_WMS_MAX);
            return WB_OK;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(wms[k], wms[i]) == 0) {
                mapfile_error(mf, "component '%s' listed twice", wms[i]);
                return WB_OK;
            }
        need += strlen(wms[i]) + 1;
    }
    struct bundle *b = calloc(1, sizeof *b + need);
    if (!b)
        return WB_NOMEM;
    if (m->nbundles == m->capbundles) {
        size_t ncap = m->capbundles ? m->capbundles * 2 : 16;
        struct bundle **v = realloc(m->bundles, ncap * sizeof *v);
        if (!v) {
            free(b);
            return WB_NOMEM;
        }
        m->bundles = v;
        m->capbundles = ncap;
    }
    char *d = b->data;
    size_t len = strlen(seller) + 1;
    memcpy(d, seller, len);
    b->b.seller = d;
    d += len;
    for (size_t i = 0; i < nc; i++) {
        len = strlen(wms[i]) + 1;
        memcpy(d, wms[i], len);
        b->b.comp[i] = (struct skus_component){d, qty[i]};
        d += len;
    }
    b->b.n = nc;
    b->line = mf->lineno;
    m->bundles[m->nbundles++] = b;
    int rc = strmap_put(m->kits, b->b.seller, b, NULL);
    for (size_t i = 0; rc == WB_OK && i < nc; i++)
        if (!strmap_get(m->comps, b->b.comp[i].wms))
            rc = strmap_put(m->comps, b->b.comp[i].wms, b, NULL);
    return rc;
}

/* add_renamed - "renamed OLD-SELLER-SKU NEW-SELLER-SKU" (orders flow) */
static int add_renamed(struct skus *m, struct mapfile *mf, char **f, size_t n)
{
    if (n != 3 || !skus_valid_seller(f[1]) || !skus_valid_seller(f[2]) || !strcmp(f[1], f[2])) {
        mapfile_error(mf, "expected 'renamed OLD-SELLER-SKU NEW-SELLER-SKU' (two different "
                          "seller SKUs of 1 to 40 characters)");
        return WB_OK;
    }
    if (strmap_get(m->rev, f[1]) || strmap_get(m->kits, f[1]) || strmap_get(m->renamed, f[1])) {
        mapfile_error(mf, "seller SKU '%s' is already a pair, a bundle or renamed", f[1]);
        return WB_OK;
    }
    size_t l = strlen(f[2]) + 1;
    struct renamed *r = malloc(sizeof *r + l);
    if (!r)
        return WB_NOMEM;
    r->line = mf->lineno;
    memcpy(r->to, f[2], l);
    int rc = strmap_put(m->renamed, f[1], r, NULL);
    if (rc != WB_OK)
        free(r);
    return rc;
}

/* check_renamed - a renamed SKU must lead to a pair's or a bundle's seller SKU */
static void check_renamed(struct skus *m, struct mapfile *mf)
{
    size_t pos = 0;
    const char *key;
    void *val;
    while (strmap_next(m->renamed, &pos, &key, &val)) {
        const struct renamed *r = val;
        if (!strmap_get(m->rev, r->to) && !strmap_get(m->kits, r->to))
            mapfile_error_at(mf, r->line,
                             "renamed '%s' leads to '%s', which is neither the seller SKU of a "
                             "pair nor a bundle",
                             key, r->to);
    }
}

/* parse_line - one meaningful line: a pair or the identity directive */
static int parse_line(void *ctx, struct mapfile *mf, char *line)
{
    struct skus *m = ctx;
    char *f[SKUS_BUNDLE_MAX + 3];
    size_t n = split_fields(line, f, WB_ARRAY_LEN(f));
    if (n >= 2 && strcmp(f[0], "bundle") == 0)
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
    m->kits = strmap_new(16);
    m->comps = strmap_new(16);
    m->renamed = strmap_new(16);
    if (!m->fwd || !m->rev || !m->kits || !m->comps || !m->renamed) {
        skus_free(m);
        return WB_NOMEM;
    }
    struct mapfile mf;
    mapfile_init(&mf, name, text, len, errs);
    int rc = mapfile_each(&mf, parse_line, m, "too many SKUs");
    if (rc == WB_OK || rc == WB_CONFIG) {
        check_renamed(m, &mf);
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
    if (m->identity_line && strmap_count(m->fwd) == 0 && m->nbundles == 0) /* plain identity */
        return sku_ok(wms_sku, n, SKUS_SELLER_MAX) ? wms_sku : NULL;
    const struct pair *p = strmap_get(m->fwd, wms_sku);
    if (p)
        return p->seller;
    if (!m->identity_line || !sku_ok(wms_sku, n, SKUS_SELLER_MAX))
        return NULL;
    /* identity must not land on a seller SKU that belongs to another WMS SKU or a bundle */
    if (strmap_get(m->rev, wms_sku) || strmap_get(m->kits, wms_sku))
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
    /* identity must not land on a WMS SKU that is mapped to another seller SKU, nor turn a
     * bundle into a WMS SKU */
    if (strmap_get(m->fwd, seller_sku) || strmap_get(m->kits, seller_sku))
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

/* skus_nbundles - number of bundle lines */
size_t skus_nbundles(const struct skus *m)
{
    return m ? m->nbundles : 0;
}

/* skus_bundle_at - bundle i in file order */
const struct skus_bundle *skus_bundle_at(const struct skus *m, size_t i)
{
    return m && i < m->nbundles ? &m->bundles[i]->b : NULL;
}

/* skus_is_component - 1 if the n bytes at wms_sku are a component of a bundle */
int skus_is_component(const struct skus *m, const char *wms_sku, size_t n)
{
    return m && m->nbundles && strmap_has(m->comps, wms_sku, n);
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
    const struct bundle *b = strmap_get(m->kits, seller_sku);
    if (!b) {
        const char *wms = skus_reverse(m, seller_sku);
        if (!wms)
            return WB_NOTFOUND;
        parts[0] = (struct skus_part){wms, 1};
        *n = 1;
        return WB_OK;
    }
    for (size_t i = 0; i < b->b.n; i++) {
        if (!m->identity_line && !strmap_get(m->fwd, b->b.comp[i].wms)) {
            *missing = b->b.comp[i].wms;
            *n = 0;
            return WB_PERMFAIL;
        }
        parts[i] = (struct skus_part){b->b.comp[i].wms, (unsigned)b->b.comp[i].qty};
    }
    *n = b->b.n;
    return WB_OK;
}
