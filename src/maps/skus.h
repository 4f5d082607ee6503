/*
 * skus.h - WMS SKU -> seller SKU (etc/skus.map), and back for the orders flow.
 *
 * Owns the map read from the operator's file (format in that file's header):
 * one "WMS-SKU SELLER-SKU" pair a line, separated by blanks, or by tabs when
 * the line holds a tab (then a SKU may contain spaces); '#' comment lines;
 * the directive "* = identity" makes every unmapped SKU map to itself.
 * Seller SKUs are 1..40 characters (Amazon's limit), WMS SKUs 1..100, valid
 * UTF-8 without control characters. Each WMS SKU and each seller SKU appears
 * in at most one pair. Lookups are exact (no trimming, no case folding).
 * Bundle lines (inventory flow) name a seller SKU sold as a kit of WMS SKUs:
 *   bundle SELLER-SKU WMS-SKU:QTY [WMS-SKU:QTY ...]
 * (tab separated when a SKU holds a space; QTY 1..SKUS_BUNDLE_QTY_MAX, at most
 * SKUS_BUNDLE_MAX components, each once). A bundle's seller SKU is no pair's
 * seller SKU and identity never lands on it; pairs and identity lookups (the
 * dispatch flow's) never return a bundle.
 * For the orders flow (seller SKU -> what the warehouse picks): "renamed OLD NEW"
 * lines (orders placed under an old seller SKU resolve as the new one, a pair's
 * or a bundle's), and skus_explode.
 * Errors: WB_CONFIG with "file:line: text" lines in errs, WB_NOMEM. Never
 * network, ledger or spool; never exits.
 */
#ifndef WB_MAPS_SKUS_H
#define WB_MAPS_SKUS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/wb.h"

#define SKUS_SELLER_MAX 40 /* characters, Amazon's SKU limit */
#define SKUS_WMS_MAX 100   /* characters */
#define SKUS_BUNDLE_MAX 16 /* components of one bundle */
#define SKUS_BUNDLE_QTY_MAX 999

struct skus_bundle {
    const char *seller; /* the bundle's seller SKU */
    size_t n;           /* components */
    struct skus_component {
        const char *wms; /* a WMS SKU */
        long qty;        /* units of it in one bundle */
    } comp[SKUS_BUNDLE_MAX];
};

struct skus;

/* skus_load - read the SKU map at path into *out (errs may be NULL) */
enum wb_status skus_load(const char *path, struct skus **out, struct buf *errs);
/* skus_parse_text - same as skus_load for len bytes of text named name */
enum wb_status skus_parse_text(const char *name, const char *text, size_t len, struct skus **out,
                               struct buf *errs);
/* skus_lookup - seller SKU for a WMS SKU; NULL when unknown and not identity, or not a valid SKU */
const char *skus_lookup(const struct skus *m, const char *wms_sku);
/* skus_lookup_n - skus_lookup for a WMS SKU of n bytes (NUL terminated: the caller knows n) */
const char *skus_lookup_n(const struct skus *m, const char *wms_sku, size_t n);
/* skus_reverse - WMS SKU for a seller SKU (orders flow); NULL when unknown and not identity */
const char *skus_reverse(const struct skus *m, const char *seller_sku);
/* skus_identity - 1 if unmapped SKUs map to themselves */
int skus_identity(const struct skus *m);
/* skus_count - number of explicit pairs */
size_t skus_count(const struct skus *m);
/* skus_valid_seller - 1 if s is acceptable as a seller SKU (1..40 chars, no control chars) */
int skus_valid_seller(const char *s);
/* skus_nbundles - number of bundle lines */
size_t skus_nbundles(const struct skus *m);
/* skus_bundle_at - bundle i (0..skus_nbundles-1) in file order */
const struct skus_bundle *skus_bundle_at(const struct skus *m, size_t i);
/* skus_is_component - 1 if the n bytes at wms_sku (NUL terminated) are a component of a bundle */
int skus_is_component(const struct skus *m, const char *wms_sku, size_t n);
/* one WMS SKU to pick and how many of it per unit ordered */
struct skus_part {
    const char *wms;
    unsigned qty;
};
/* skus_explode - what to pick for one unit of a seller SKU (through a renamed SKU): a pair's WMS
 * SKU, or a bundle's components, in parts[SKUS_BUNDLE_MAX] and *n. WB_NOTFOUND when the seller
 * SKU is unknown; WB_PERMFAIL with *missing set when a bundle's component is no WMS SKU of a
 * pair (and identity is off): the warehouse could not be told what to pick */
enum wb_status skus_explode(const struct skus *m, const char *seller_sku, struct skus_part *parts,
                            size_t *n, const char **missing);
/* skus_free - release the map (NULL is fine) */
void skus_free(struct skus *m);

#endif
