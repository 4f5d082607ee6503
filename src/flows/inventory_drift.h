/*
 * inventory_drift.h - the inventory drift report: per seller account, each
 * seller SKU's quantity in the WMS (from the last snapshot taken in), as last
 * published (confirmed by Amazon), and as Amazon shows it in its merchant
 * listings report, worst drift first. Returns WB_* codes; never exits.
 */
#ifndef WB_INVENTORY_DRIFT_H
#define WB_INVENTORY_DRIFT_H

#include <stddef.h>

#include "core/buf.h"

struct wb_env;
struct wb_account;
struct feeds_client;
struct outflow_stats;

#define DRIFT_NONE (-1LL) /* a quantity the source does not have */
#define DRIFT_REPORT_TYPE "GET_MERCHANT_LISTINGS_ALL_DATA"

struct drift_row {
    char *sku;
    long long wms, published, amazon; /* DRIFT_NONE: not known there */
    long long drift;                  /* amazon - wms, an absent one counting as 0 */
};

struct drift_table {
    struct drift_row *v;
    size_t n, cap;
};

/* drift_set - sku's quantity in column col (0 wms, 1 published, 2 amazon) */
int drift_set(struct drift_table *t, const char *sku, int col, long long qty);
/* drift_sort - compute each row's drift and sort worst (largest absolute drift) first, then
 * by seller SKU; returns how many rows drift (drift != 0) */
size_t drift_sort(struct drift_table *t);
/* drift_csv - the report as CSV (header and rows) into out */
int drift_csv(const struct drift_table *t, struct buf *out);
/* drift_read_listings - the seller-sku and quantity of a merchant listings report (tab
 * separated, libcsv) into column 2 of t; WB_PERMFAIL with err when it lacks those columns */
int drift_read_listings(const char *text, size_t len, struct drift_table *t, struct buf *err);
/* drift_free - release */
void drift_free(struct drift_table *t);

/* inventory_drift_fetch - flow table hook (the inventory job's `drift` option): for account a,
 * request the merchant listings report, wait for it, write out/LANE/inventory-drift-DATE.csv */
int inventory_drift_fetch(struct wb_env *env, const struct wb_account *a, struct feeds_client *fc,
                          int force, struct outflow_stats *st);
/* inventory_drift_status - flow table hook: each account's drift count from its newest report */
void inventory_drift_status(struct wb_env *env, struct buf *out);
/* inventory_drift_status_json - the same as a JSON object {"drift": {ACCOUNT: count}} */
void inventory_drift_status_json(struct wb_env *env, struct buf *out);

#endif
