/*
 * dispatch.h - the dispatch flow: WMS dispatch rows -> Amazon OrderFulfillment.
 *
 * A row is validated (order id shape, item code, quantity, tracking, ship
 * time window, carrier mapped to an exact Amazon CarrierCode or Other +
 * CarrierName, ship method, SKU known; every value that goes into the feed
 * passes the feed writer's own text rule, str_text_check) into a struct dispatch_view (its values
 * where they lie) and from there a struct dispatch_rec (its own copies), or rejected with a stable
 * code and a sentence an operator can act on. Rows with the same order and tracking become one
 * message with several items.
 *
 * Owns the dispatch rules and the payload text kept in the ledger. Never
 * touches the network; returns WB_* codes; never exits.
 */
#ifndef WB_DISPATCH_H
#define WB_DISPATCH_H

#include <stdio.h>
#include <time.h>

#include "amazon/feed_xml.h"
#include "core/buf.h"
#include "core/conf.h"

struct layout;
struct csvr_row;
struct carriers;
struct carriercodes;
struct skus;
struct feedw;

/* a text value sent to Amazon: FEED_STRING_MAX characters of up to four bytes, and a NUL */
#define DISPATCH_FIELD_MAX (FEED_STRING_MAX * 4 + 1)
/* items of one order and tracking number in one message; more start another message */
#define DISPATCH_MESSAGE_MAX_ITEMS 64

struct dispatch_rec {
    char order_id[24];
    char item_code[32];
    long quantity;
    char sku[48];
    char carrier_code[DISPATCH_FIELD_MAX];
    char carrier_name[DISPATCH_FIELD_MAX];
    char ship_method[DISPATCH_FIELD_MAX];
    char tracking[72];
    time_t ship_time;
};

/* a checked row's values where they lie, in the row and the maps: valid until the next row
 * is read or checked. Each value is cut as the record's field would cut it. */
struct dispatch_view {
    const char *order_id, *item_code, *sku, *carrier_code, *carrier_name, *ship_method, *tracking;
    size_t order_len, item_len, sku_len, code_len, name_len, method_len, tracking_len;
    long quantity;
    time_t ship_time;
};

/* what recent ship times and carriers gave: the rows of one order repeat their ship time, and a
 * file uses a handful of carriers, so a run works each distinct text out once in a while.
 * Zero it before use; a view may point into it. */
#define DISPATCH_MEMO_CARRIERS 32
#define DISPATCH_MEMO_VALUE 64
struct dispatch_memo {
    char when[48];
    size_t when_len; /* 0: nothing remembered */
    time_t when_t;
    struct {
        char text[48];
        size_t len; /* 0: empty slot; the three values below fit, NUL terminated */
        char code[DISPATCH_MEMO_VALUE], name[DISPATCH_MEMO_VALUE], method[DISPATCH_MEMO_VALUE];
        size_t code_len, name_len, method_len;
    } carrier[DISPATCH_MEMO_CARRIERS];
};

struct dispatch_rules {
    const struct layout *layout;
    const struct carriers *carriers;
    const struct skus *skus; /* NULL: SKU not checked */
    long max_age_days;
    long max_future_minutes;
    time_t now;
    int f_order, f_item, f_sku, f_qty, f_carrier, f_tracking, f_time, f_method;
    struct dispatch_memo *memo; /* optional, owned by the caller; NULL after dispatch_rules_init */
};

/* the field vocabulary of dispatch layouts: required and optional names, NULL terminated */
extern const char *const dispatch_required[];
extern const char *const dispatch_optional[];
/* dispatch_required_fields - logical fields a dispatch layout must have */
const char *const *dispatch_required_fields(size_t *n);
/* dispatch_rules_init - resolve field indexes of a layout; WB_CONFIG if one is missing */
int dispatch_rules_init(struct dispatch_rules *r, const struct layout *l,
                        const struct carriers *carriers, const struct skus *skus,
                        const struct wb_config *cfg, struct buf *err);
/* dispatch_check_row - validate one row into v; WB_PERMFAIL with code/reason when rejected */
int dispatch_check_row(const struct dispatch_rules *r, const struct csvr_row *row,
                       struct dispatch_view *v, char *code, size_t coden, char *reason,
                       size_t reasonn);
/* dispatch_rec_from_view - a checked row's own copy */
void dispatch_rec_from_view(const struct dispatch_view *v, struct dispatch_rec *rec);
/* dispatch_key - business key "order|item|tracking" */
void dispatch_key(const struct dispatch_rec *rec, char *out, size_t n);
/* dispatch_join_key - "order|item|tracking" into out (cut to fit n); 1 if it fitted whole */
int dispatch_join_key(const char *order, const char *item, const char *tracking, char *out,
                      size_t n);
/* dispatch_group_key - message grouping key "order|tracking" */
void dispatch_group_key(const struct dispatch_rec *rec, char *out, size_t n);
/* dispatch_payload - rec as ledger payload text */
int dispatch_payload(const struct dispatch_rec *rec, struct buf *out);
/* dispatch_from_payload - rec back from ledger payload text */
int dispatch_from_payload(const char *payload, struct dispatch_rec *rec);
/* dispatch_write_message - one OrderFulfillment message for recs sharing order+tracking */
int dispatch_write_message(struct feedw *w, long message_id, const struct dispatch_rec *recs,
                           size_t n);

#endif
