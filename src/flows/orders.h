/*
 * orders.h - the orders flow's rules: one Amazon order (an Order object of an
 * Orders API v2026-01-01 searchOrders answer) read, put through the gate and
 * rendered as rows of the WMS order file.
 *
 * The gate: every line's seller SKU resolves through skus.map (a pair, a
 * bundle exploded to its components, a renamed SKU), the order's
 * fulfillmentServiceLevel maps exactly through [ship-service] of carriers.map,
 * and every value the WMS file takes is present and plain text. An order that
 * fails is held whole (its reason names the order id and the field, never a
 * buyer's name, address or phone); the other orders go on.
 *
 * Which update wins: orders_decide compares an order's lastUpdatedTime and the
 * digest of its WMS rows with what was seen of it before (the run's memo in
 * `convert orders`, the ledger on the spool path): new, amendment,
 * cancellation, the same again, or stale (older: never undoes a newer state).
 *
 * Pure: no spool, ledger, network or log line. Returns WB_* codes; never exits.
 */
#ifndef WB_ORDERS_H
#define WB_ORDERS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maps/skus.h"

#define ORDERS_MAX_LINES 200 /* order items of one order */
#define ORDERS_TEXT_MAX 200  /* characters of one value written to the WMS file */
#define ORDERS_QTY_MAX 9999  /* units of one line */
#define ORDERS_CODE_MAX 32
#define ORDERS_REASON_MAX 512

struct carriers;
struct layout;
struct csvw;

/* the field vocabulary of orders layouts (flow.c checks layouts against it) */
extern const char *const orders_required[];
extern const char *const orders_optional[];

/* what kind of WMS record a row is */
enum orders_record { ORDERS_NEW, ORDERS_AMEND, ORDERS_CANCEL };

struct orders_line {
    const char *item_id;
    const char *seller_sku;
    long quantity;
    int cancelled;        /* Amazon cancelled the line (cancellationExecution) */
    int cancel_requested; /* the buyer asked to cancel it; not decided yet */
};

/* an order as read; strings point into the JSON value it came from ("" when absent) */
struct orders_order {
    const char *order_id;
    const char *updated_text;
    time_t updated, created;
    const char *status;       /* fulfillmentStatus */
    const char *fulfilled_by; /* MERCHANT or AMAZON */
    const char *service_level;
    const char *ship_by_text, *deliver_by_text;
    time_t ship_by; /* 0 when absent */
    int prime;      /* programs hold PRIME or PREMIUM */
    const char *marketplace;
    const char *name, *company, *line1, *line2, *line3, *city, *county, *state, *postal, *country,
        *phone;
    size_t nlines;
    struct orders_line line[ORDERS_MAX_LINES];
};

/* what an order is for the WMS, after orders_read */
enum orders_state {
    ORDERS_SHIPPABLE, /* UNSHIPPED or PARTIALLY_SHIPPED, fulfilled by the merchant */
    ORDERS_CANCELLED, /* CANCELLED, or every line cancelled */
    ORDERS_NOT_OURS,  /* pending, shipped, unfulfillable or fulfilled by Amazon */
};

/* a verdict: WB_OK, or WB_PERMFAIL with a reject-code row and a reason (no personal data) */
struct orders_verdict {
    char code[ORDERS_CODE_MAX];
    char reason[ORDERS_REASON_MAX];
    const char *item_id; /* the line the verdict is about, NULL for the whole order */
};

/* the maps the gate reads and the layout the rows go to */
struct orders_rules {
    const struct skus *skus;
    const struct carriers *carriers;
    const struct layout *layout;
};

/* orders_read - one Order object into o; WB_PERMFAIL (E_ORDER_DATA, ...) when a member the WMS
 * file needs is missing, of the wrong type or not plain text */
int orders_read(const json_t *j, struct orders_order *o, struct orders_verdict *v);
/* orders_state - shippable, cancelled or not for the WMS */
enum orders_state orders_state(const struct orders_order *o);
/* orders_gate - every line through skus.map and the service through [ship-service]: WB_OK, or
 * WB_PERMFAIL with the first failure (the order is held) */
int orders_gate(const struct orders_rules *r, const struct orders_order *o,
                struct orders_verdict *v);
/* orders_priority - 1 Prime (Seller Fulfilled Prime), 2 fast service or a ship-by within a
 * day of the order, 3 otherwise */
int orders_priority(const struct orders_order *o);

/* one row of the WMS file is handed to this callback as cells in the layout's field order */
typedef int (*orders_row_fn)(void *arg, const char *const *cells, size_t n);
/* orders_rows - the order's rows (one per line and bundle component, cancelled lines left out;
 * for ORDERS_CANCEL every line) to fn; *digest gets a hash of the rows' content without the
 * record kind (NULL fn: only the digest). WB_PERMFAIL if a rendered value is refused */
int orders_rows(const struct orders_rules *r, const struct orders_order *o, enum orders_record rec,
                orders_row_fn fn, void *arg, uint64_t *digest, struct orders_verdict *v);

/* what was seen of an order before */
struct orders_seen {
    time_t updated;
    uint64_t digest;
    int written; /* its rows reached the WMS (new or amended, not cancelled) */
    int cancelled;
};

/* the decision for an update of an order */
enum orders_action {
    ORDERS_WRITE_NEW,    /* first rows for the WMS */
    ORDERS_WRITE_AMEND,  /* the WMS holds an older version: rows again as amendments */
    ORDERS_WRITE_CANCEL, /* the WMS holds it and Amazon cancelled it */
    ORDERS_SAME,         /* nothing the WMS file shows changed */
    ORDERS_STALE,        /* older than what was seen: never undoes the newer state */
    ORDERS_SKIP,         /* not for the WMS (not ours, or cancelled before it was written) */
};

/* orders_decide - prev (NULL: never seen) against this update */
enum orders_action orders_decide(const struct orders_seen *prev, time_t updated,
                                 enum orders_state state, uint64_t digest);

#endif
