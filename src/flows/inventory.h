/*
 * inventory.h - the inventory flow's rules: WMS stock snapshot rows -> the
 * quantity each seller SKU is offered at on Amazon.
 *
 * A row (SKU, state, location, quantity) is checked: the SKU maps to a seller
 * SKU through skus.map (or is a bundle component, or is taken as it is when no
 * map is given) and is one Amazon can take; the state is listed in
 * stock-states.map (an unknown state is never guessed); the quantity is a
 * whole number from 0 to INVENTORY_ROW_QTY_MAX; no earlier row had the same
 * SKU, location and state. Rows are summed per SKU over sellable states.
 * A SKU one of whose rows is rejected is held: its total is not known, so it
 * is not published. Then
 *   available = max(0, sellable - buffer(seller SKU))          (buffers.map)
 *   bundle    = max(0, min over components floor(available / qty) - buffer)
 * Memory: a record per SKU (with its first INVENTORY_ROWS_INLINE row keys)
 * plus 8-16 bytes for each further row, for the duplicate check, whatever
 * the row order. Owns the table; never touches the spool,
 * the ledger or the network; returns WB_* codes; never exits.
 */
#ifndef WB_INVENTORY_H
#define WB_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct layout;
struct csvr_row;
struct skus;
struct stockstates;
struct buffers;

#define INVENTORY_ROW_QTY_MAX 1000000L /* units in one row; more is a broken export */

extern const char *const inventory_required[]; /* the flow's field vocabulary */
extern const char *const inventory_optional[];

struct inventory_rules {
    const struct layout *layout;
    const struct stockstates *states;
    const struct skus *skus;       /* NULL: the WMS SKU is the seller SKU */
    const struct buffers *buffers; /* NULL: no buffers */
    int f_sku, f_state, f_location, f_quantity;
};

/* row keys of a SKU kept in its record: most SKUs have no more rows than this, so the
 * duplicate check reads only the record its row already needs */
#define INVENTORY_ROWS_INLINE 4

/* a SKU's record, in the table's arena in first-seen order (8-byte aligned) */
struct inventory_sku {
    long long sellable;                   /* units in sellable states */
    const char *seller;                   /* seller SKU from the map; NULL: the WMS SKU itself */
    uint64_t rows[INVENTORY_ROWS_INLINE]; /* its first row keys (hashed); more in seen */
    uint32_t nrows;                       /* row keys seen */
    uint32_t len;                         /* length of the WMS SKU */
    unsigned char listed;                 /* 1: has a seller SKU (else only a bundle component) */
    unsigned char held;                   /* 1: a row of it was rejected */
    char key[];                           /* the WMS SKU, NUL terminated */
};

struct inventory_stock {
    char *arena; /* the records */
    size_t alen, acap;
    size_t n;       /* records */
    uint64_t *slot; /* index: hash tag << 32 | (record offset / 8 + 1); 0: empty */
    size_t nslot;
    uint64_t *seen; /* row keys (SKU, location, state) hashed past a record's own; 0: empty */
    size_t nseen, capseen;
};

/* inventory_rules_init - bind the rules to a layout and maps; WB_CONFIG with a sentence */
int inventory_rules_init(struct inventory_rules *r, const struct layout *l,
                         const struct stockstates *states, const struct skus *skus,
                         const struct buffers *buffers, struct buf *err);
/* inventory_required_fields - the fields a snapshot must have */
const char *const *inventory_required_fields(size_t *n);
/* inventory_stock_init - an empty table */
int inventory_stock_init(struct inventory_stock *t);
/* inventory_stock_free - release */
void inventory_stock_free(struct inventory_stock *t);
/* inventory_row - check one good row and count it: WB_OK, WB_PERMFAIL with code and reason
 * (its SKU held), WB_NOMEM */
int inventory_row(const struct inventory_rules *r, struct inventory_stock *t,
                  const struct csvr_row *row, char *code, size_t coden, char *reason,
                  size_t reasonn);
/* inventory_hold_row - a row the reader rejected: hold its SKU when the cell can be read */
int inventory_hold_row(const struct inventory_rules *r, struct inventory_stock *t,
                       const struct csvr_row *row);
/* inventory_available - sellable less buffer, never below 0 */
long long inventory_available(long long sellable, long buffer);
/* inventory_bundle - bundles the components' availability makes: min of avail[i] / qty[i] */
long long inventory_bundle(const long long *avail, const long *qty, size_t n);
/* inventory_publish_fn - one seller SKU and the quantity to offer */
typedef int (*inventory_publish_fn)(void *arg, const char *seller, long long quantity);
/* inventory_publish - every listed SKU not held, then every bundle none of whose components is
 * held, in first-seen and then file order, to fn; *held gets the SKUs and bundles left out */
int inventory_publish(const struct inventory_rules *r, const struct inventory_stock *t,
                      inventory_publish_fn fn, void *arg, long *held);
/* inventory_publish_all - the same order, the held SKUs and bundles too, with quantity
 * INVENTORY_HELD (in the snapshot, total not known) */
#define INVENTORY_HELD (-1LL)
int inventory_publish_all(const struct inventory_rules *r, const struct inventory_stock *t,
                          inventory_publish_fn fn, void *arg);

/* The delta rule: a seller SKU is sent only when the quantity to publish differs from the one
 * last published for it (the newest quantity of the lane's ledger rows not rejected: accepted
 * by Amazon, or sent and waiting), or when none was ever published. */
struct inventory_base {
    struct inventory_base_ent {
        char *sku;
        long long qty;
        long long tag;
        int taken; /* in the snapshot */
    } * v;         /* sorted by sku (strcmp) */
    size_t n, cap;
};
/* inventory_base_put - sku's last published quantity and the caller's tag of it (e.g. a
 * ledger row not yet sent; 0: none); skus come in ascending order, and a repeat of the last
 * sku replaces both (the newer row); WB_BADARG out of order */
int inventory_base_put(struct inventory_base *b, const char *sku, long long qty, long long tag);
/* inventory_base_qty - the last published quantity of sku, -1 if none */
long long inventory_base_qty(const struct inventory_base *b, const char *sku);
/* inventory_base_tag - the tag of sku's last published quantity, 0 if none or no such sku */
long long inventory_base_tag(const struct inventory_base *b, const char *sku);
/* inventory_base_take - 1 if qty for sku must be sent, else 0; sku is marked as in the
 * snapshot (qty INVENTORY_HELD: in it, not sent) */
int inventory_base_take(struct inventory_base *b, const char *sku, long long qty);
/* inventory_base_gone - each sku never taken whose last published quantity is not 0, to fn:
 * a complete snapshot publishes 0 for them */
int inventory_base_gone(const struct inventory_base *b, inventory_publish_fn fn, void *arg);
/* inventory_less_open - qty less the units of open orders (open <= 0: none), never below 0;
 * INVENTORY_HELD stays held. Open orders: taken in for the WMS at or after the snapshot's time
 * and not cancelled, so still on hand in the snapshot though sold */
long long inventory_less_open(long long qty, long long open);
/* inventory_plus_returned - qty plus the sellable units of returns received (returned <= 0:
 * none); INVENTORY_HELD stays held. Returns: received at or after the snapshot's time, so the
 * snapshot does not hold them yet */
long long inventory_plus_returned(long long qty, long long returned);
/* inventory_base_free - release */
void inventory_base_free(struct inventory_base *b);

#endif
