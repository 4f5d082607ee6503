/*
 * dispatch.c - dispatch row rules, ledger payload and message rendering.
 * Pure: reads a parsed row and the maps, writes through a feed writer.
 * Reject codes are stable (documented in docs/wmsbridge.1); reasons are
 * sentences for an operator. Returns WB_PERMFAIL for rejects; never exits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amazon/amazon_ids.h"
#include "amazon/feed_xml.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/cells.h"
#include "flows/dispatch.h"
#include "layout/layout.h"
#include "maps/carriers.h"
#include "maps/skus.h"

/* the field vocabulary of dispatch layouts */
const char *const dispatch_required[] = {"order_id", "order_item_id", "sku",       "quantity",
                                         "carrier",  "tracking",      "ship_time", NULL};
const char *const dispatch_optional[] = {"ship_method", NULL};

/* dispatch_required_fields - logical fields a dispatch layout must have */
const char *const *dispatch_required_fields(size_t *n)
{
    *n = WB_ARRAY_LEN(dispatch_required) - 1;
    return dispatch_required;
}

/* dispatch_rules_init - resolve field indexes of a layout */
int dispatch_rules_init(struct dispatch_rules *r, const struct layout *l,
                        const struct carriers *carriers, const struct skus *skus,
                        const struct wb_config *cfg, struct buf *err)
{
    memset(r, 0, sizeof *r);
    r->layout = l;
    r->carriers = carriers;
    r->skus = skus;
    r->max_age_days = cfg ? cfg->max_ship_age_days : 30;
    r->max_future_minutes = cfg ? cfg->max_future_minutes : 10;
    r->now = clock_now();
    int *slots[] = {&r->f_order,   &r->f_item,     &r->f_sku, &r->f_qty,
                    &r->f_carrier, &r->f_tracking, &r->f_time};
    _Static_assert(WB_ARRAY_LEN(slots) == WB_ARRAY_LEN(dispatch_required) - 1, "a slot a field");
    for (size_t i = 0; i < WB_ARRAY_LEN(slots); i++) {
        *slots[i] = layout_field_index(l, dispatch_required[i]);
        if (*slots[i] < 0) {
            buf_appendf(err, "layout %s has no field '%s' (needed by the dispatch flow)\n",
                        layout_name(l), dispatch_required[i]);
            return WB_CONFIG;
        }
    }
    r->f_method = layout_field_index(l, "ship_method");
    return WB_OK;
}

/* reject - fill code/reason and return WB_PERMFAIL */
static int reject(char *code, size_t coden, const char *c, char *reason, size_t reasonn,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int reject(char *code, size_t coden, const char *c, char *reason, size_t reasonn,
                  const char *fmt, ...)
{
    snprintf(code, coden, "%s", c);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, reasonn, fmt, ap);
    va_end(ap);
    return WB_PERMFAIL;
}

/* shown - a cell value made safe to quote in a reason (bounded, no controls, cut between
 * characters) */
static const char *shown(const char *s, char *tmp, size_t n)
{
    size_t k = 0;
    for (; *s && k + 4 < n; s++)
        tmp[k++] = (unsigned char)*s < 0x20 ? '?' : *s;
    if (*s && n > 4) {
        while (k > 0 && ((unsigned char)*s & 0xC0) == 0x80) /* not inside a character */
            k--, s--;
        memcpy(tmp + k, "...", 3);
        k += 3;
    }
    tmp[k] = '\0';
    return tmp;
}

/* quantity_ok - a whole number from 1 to 9999 as str_to_long reads it; plain digits fast */
static int quantity_ok(const char *s, long *out)
{
    long v = 0;
    size_t i = 0;
    for (; i < 4 && s[i] >= '0' && s[i] <= '9'; i++)
        v = v * 10 + (s[i] - '0');
    if (i > 0 && s[i] == '\0') {
        *out = v;
        return v >= 1;
    }
    return str_to_long(s, 1, 9999, out) == WB_OK;
}

/* tracking_ok - plausible carrier tracking number */
static int tracking_ok(const char *s, size_t n, const char **why)
{
    if (n < 6 || n > FEED_STRING_MAX) {
        *why = "must be 6 to 50 characters";
        return 0;
    }
    int chars_ok = str_bytes_alnum(s, n, '-', ' ');
    int differ = memcmp(s, s + 1, n - 1) != 0; /* each byte equals the next: all the same */
    if (!chars_ok) {
        *why = "may hold only letters, digits, spaces and '-'";
        return 0;
    }
    if (!differ) {
        *why = "is a placeholder (one repeated character)";
        return 0;
    }
    return 1;
}

/* copy_field - a value of known length n into dst (cut to fit, as str_copy does) */
static void copy_field(char *dst, size_t size, const char *src, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* cut - n, or the length a record field of size bytes keeps of it */
static size_t cut(size_t n, size_t size)
{
    return n < size ? n : size - 1;
}

/* ship_time - layout_parse_time through the memo: the rows of an order share their time */
static int ship_time(const struct dispatch_rules *r, const char *when, size_t n, time_t *t)
{
    struct dispatch_memo *m = r->memo;
    if (m && m->when_len == n && str_same(m->when, when, n)) {
        *t = m->when_t;
        return WB_OK;
    }
    int rc = layout_parse_time(r->layout, when, t);
    if (m && rc == WB_OK && n < sizeof m->when) {
        memcpy(m->when, when, n);
        m->when_len = n;
        m->when_t = *t;
    }
    return rc;
}

/* set_carrier - the carrier values of v from a map entry, through the memo (by text) */
static int set_carrier(const struct dispatch_rules *r, const char *carrier, size_t n,
                       struct dispatch_view *v)
{
    const struct dispatch_rec *rec = NULL; /* for the sizes its fields cut values to */
    struct dispatch_memo *m = r->memo;
    uint32_t fnv = 2166136261u; /* FNV-1a of the text picks two slots to look in */
    for (size_t i = 0; i < n; i++)
        fnv = (fnv ^ (unsigned char)carrier[i]) * 16777619u;
    size_t two[2] = {fnv % DISPATCH_MEMO_CARRIERS, (fnv >> 16) % DISPATCH_MEMO_CARRIERS};
    for (int j = 0; m && n && j < 2; j++) {
        size_t slot = two[j];
        if (m->carrier[slot].len == n && str_same(m->carrier[slot].text, carrier, n)) {
            v->carrier_code = m->carrier[slot].code;
            v->code_len = m->carrier[slot].code_len;
            v->carrier_name = m->carrier[slot].name;
            v->name_len = m->carrier[slot].name_len;
            v->ship_method = m->carrier[slot].method;
            v->method_len = m->carrier[slot].method_len;
            return WB_OK;
        }
    }
    const struct carrier_entry *ce = carriers_lookup(r->carriers, carrier);
    if (!ce)
        return WB_NOTFOUND;
    v->carrier_code = ce->carrier_code;
    v->carrier_name = ce->carrier_name ? ce->carrier_name : "";
    v->ship_method = ce->shipping_method ? ce->shipping_method : "";
    v->code_len = cut(strlen(v->carrier_code), sizeof rec->carrier_code);
    v->name_len = cut(strlen(v->carrier_name), sizeof rec->carrier_name);
    v->method_len = cut(strlen(v->ship_method), sizeof rec->ship_method);
    if (m && n > 0 && n < sizeof m->carrier[0].text && v->code_len < DISPATCH_MEMO_VALUE &&
        v->name_len < DISPATCH_MEMO_VALUE && v->method_len < DISPATCH_MEMO_VALUE) {
        /* the first free of the two slots, else the second (a carrier seen again soon stays) */
        size_t slot = m->carrier[two[0]].len == 0 ? two[0] : two[1];
        memset(&m->carrier[slot], 0, sizeof m->carrier[slot]);
        memcpy(m->carrier[slot].text, carrier, n);
        m->carrier[slot].len = n;
        memcpy(m->carrier[slot].code, v->carrier_code, v->code_len);
        memcpy(m->carrier[slot].name, v->carrier_name, v->name_len);
        memcpy(m->carrier[slot].method, v->ship_method, v->method_len);
        m->carrier[slot].code_len = v->code_len;
        m->carrier[slot].name_len = v->name_len;
        m->carrier[slot].method_len = v->method_len;
    }
    return WB_OK;
}

/* dispatch_check_row - validate one row into v */
int dispatch_check_row(const struct dispatch_rules *r, const struct csvr_row *row,
                       struct dispatch_view *v, char *code, size_t coden, char *reason,
                       size_t reasonn)
{
    const struct dispatch_rec *rec = NULL; /* for the sizes its fields cut values to */
    char t[96];
    size_t lorder, litem, lsku, lqty, lcarrier, ltracking, lwhen;
    const char *order = csvr_field_n(row, r->f_order, &lorder);
    const char *item = csvr_field_n(row, r->f_item, &litem);
    const char *sku = csvr_field_n(row, r->f_sku, &lsku);
    const char *qty = csvr_field_n(row, r->f_qty, &lqty);
    const char *carrier = csvr_field_n(row, r->f_carrier, &lcarrier);
    const char *tracking = csvr_field_n(row, r->f_tracking, &ltracking);
    const char *when = csvr_field_n(row, r->f_time, &lwhen);

    if (!lorder)
        return reject(code, coden, "E_ORDER_ID", reason, reasonn, "the Amazon order id is empty");
    if (!amazon_order_id_ok(order, lorder))
        return reject(code, coden, "E_ORDER_ID", reason, reasonn,
                      "order id '%s' is not an Amazon order id (3-7-7 digits, e.g. "
                      "026-1234567-1234567)",
                      shown(order, t, sizeof t));
    v->order_id = order;
    v->order_len = lorder;
    if (!amazon_item_code_ok(item, litem))
        return reject(code, coden, "E_ITEM_ID", reason, reasonn,
                      "order item code '%s' is not Amazon's 14-digit order item code",
                      shown(item, t, sizeof t));
    v->item_code = item;
    v->item_len = litem;
    if (!quantity_ok(qty, &v->quantity))
        return reject(code, coden, "E_QUANTITY", reason, reasonn,
                      "quantity '%s' is not a whole number from 1 to 9999",
                      shown(qty, t, sizeof t));
    (void)lqty;
    if (!ltracking)
        return reject(code, coden, "E_TRACKING_MISSING", reason, reasonn,
                      "the tracking number is empty; Amazon needs it to confirm the shipment");
    const char *why = NULL;
    if (!tracking_ok(tracking, ltracking, &why))
        return reject(code, coden, "E_TRACKING_INVALID", reason, reasonn, "tracking number '%s' %s",
                      shown(tracking, t, sizeof t), why);
    v->tracking = tracking;
    v->tracking_len = ltracking;
    if (!lwhen)
        return reject(code, coden, "E_SHIP_TIME", reason, reasonn, "the ship time is empty");
    int trc = ship_time(r, when, lwhen, &v->ship_time);
    if (trc == WB_NOTFOUND)
        return reject(code, coden, "E_SHIP_TIME", reason, reasonn,
                      "ship time '%s' does not exist in time zone %s (the clocks went forward "
                      "over it)",
                      shown(when, t, sizeof t), layout_time_zone(r->layout));
    if (trc != WB_OK)
        return reject(code, coden, "E_SHIP_TIME", reason, reasonn,
                      "ship time '%s' does not match the layout's date format",
                      shown(when, t, sizeof t));
    if (v->ship_time > r->now + r->max_future_minutes * 60)
        return reject(code, coden, "E_SHIP_TIME_FUTURE", reason, reasonn,
                      "ship time '%s' is in the future", shown(when, t, sizeof t));
    if (v->ship_time < r->now - r->max_age_days * 86400L)
        return reject(code, coden, "E_SHIP_TIME_OLD", reason, reasonn,
                      "ship time '%s' is more than %ld days ago (max_ship_age_days)",
                      shown(when, t, sizeof t), r->max_age_days);
    if (set_carrier(r, carrier, lcarrier, v) != WB_OK) {
        char hint[160] = "";
        if (carriers_suggest(r->carriers, carrier, hint, sizeof hint) != WB_OK)
            hint[0] = '\0';
        return reject(code, coden, "E_CARRIER_UNMAPPED", reason, reasonn,
                      "carrier service '%s' is not in carriers.map; add a line mapping it to an "
                      "Amazon CarrierCode (or Other with a CarrierName)%s%s",
                      shown(carrier, t, sizeof t), *hint ? "; " : "", hint);
    }
    size_t lmethod;
    const char *method = csvr_field_n(row, r->f_method, &lmethod);
    if (lmethod) {
        char bad[128];
        if (!str_text_check(method, lmethod, FEED_STRING_MAX, bad, sizeof bad))
            return reject(code, coden, "E_SHIP_METHOD", reason, reasonn,
                          "ship method '%s' %s; Amazon's ShippingMethod cannot hold it",
                          shown(method, t, sizeof t), bad);
        v->ship_method = method;
        v->method_len = cut(lmethod, sizeof rec->ship_method);
    }
    v->sku = sku;
    v->sku_len = lsku;
    if (r->skus) {
        const char *seller = skus_lookup_n(r->skus, sku, lsku);
        if (!seller)
            return reject(code, coden, "E_SKU_UNKNOWN", reason, reasonn,
                          "SKU '%s' is not in skus.map", shown(sku, t, sizeof t));
        if (seller != sku) { /* not identity */
            v->sku = seller;
            v->sku_len = strlen(seller);
        }
    }
    v->sku_len = cut(v->sku_len, sizeof rec->sku);
    return WB_OK;
}

/* dispatch_rec_from_view - a checked row's own copy */
void dispatch_rec_from_view(const struct dispatch_view *v, struct dispatch_rec *rec)
{
    copy_field(rec->order_id, sizeof rec->order_id, v->order_id, v->order_len);
    copy_field(rec->item_code, sizeof rec->item_code, v->item_code, v->item_len);
    rec->quantity = v->quantity;
    copy_field(rec->sku, sizeof rec->sku, v->sku, v->sku_len);
    copy_field(rec->carrier_code, sizeof rec->carrier_code, v->carrier_code, v->code_len);
    copy_field(rec->carrier_name, sizeof rec->carrier_name, v->carrier_name, v->name_len);
    copy_field(rec->ship_method, sizeof rec->ship_method, v->ship_method, v->method_len);
    copy_field(rec->tracking, sizeof rec->tracking, v->tracking, v->tracking_len);
    rec->ship_time = v->ship_time;
}

/* dispatch_key - business key "order|item|tracking" */
void dispatch_key(const struct dispatch_rec *rec, char *out, size_t n)
{
    dispatch_join_key(rec->order_id, rec->item_code, rec->tracking, out, n);
}

/* dispatch_join_key - see dispatch.h (snprintf "%s|%s|%s" without its cost) */
int dispatch_join_key(const char *order, const char *item, const char *tracking, char *out,
                      size_t n)
{
    const char *parts[] = {order, item, tracking};
    size_t k = 0;
    int whole = 1;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < WB_ARRAY_LEN(parts); i++) {
        if (i) {
            if (k + 1 < n)
                out[k++] = '|';
            else
                whole = 0;
        }
        size_t len = strlen(parts[i]);
        if (len > n - 1 - k) {
            len = n - 1 - k;
            whole = 0;
        }
        memcpy(out + k, parts[i], len);
        k += len;
    }
    out[k] = '\0';
    return whole;
}

/* dispatch_group_key - message grouping key "order|tracking" */
void dispatch_group_key(const struct dispatch_rec *rec, char *out, size_t n)
{
    snprintf(out, n, "%s|%s", rec->order_id, rec->tracking);
}

/* dispatch_payload - rec as ledger payload text */
int dispatch_payload(const struct dispatch_rec *rec, struct buf *out)
{
    char qty[24], when[24];
    snprintf(qty, sizeof qty, "%ld", rec->quantity);
    snprintf(when, sizeof when, "%lld", (long long)rec->ship_time);
    const char *cells[] = {rec->order_id,    rec->item_code,    qty,
                           rec->sku,         rec->carrier_code, rec->carrier_name,
                           rec->ship_method, rec->tracking,     when};
    return cells_encode(cells, WB_ARRAY_LEN(cells), out);
}

/* dispatch_from_payload - rec back from ledger payload text */
int dispatch_from_payload(const char *payload, struct dispatch_rec *rec)
{
    struct cells c = {0};
    int rc = cells_decode(payload, &c);
    if (rc == WB_OK && c.n != 9)
        rc = WB_INTERNAL;
    long long when = 0;
    if (rc == WB_OK) {
        memset(rec, 0, sizeof *rec);
        str_copy(rec->order_id, sizeof rec->order_id, c.v[0]);
        str_copy(rec->item_code, sizeof rec->item_code, c.v[1]);
        if (str_to_long(c.v[2], 1, 9999, &rec->quantity) != WB_OK)
            rc = WB_INTERNAL;
        str_copy(rec->sku, sizeof rec->sku, c.v[3]);
        str_copy(rec->carrier_code, sizeof rec->carrier_code, c.v[4]);
        str_copy(rec->carrier_name, sizeof rec->carrier_name, c.v[5]);
        str_copy(rec->ship_method, sizeof rec->ship_method, c.v[6]);
        str_copy(rec->tracking, sizeof rec->tracking, c.v[7]);
        char *end;
        when = strtoll(c.v[8], &end, 10);
        if (*end)
            rc = WB_INTERNAL;
        rec->ship_time = (time_t)when;
    }
    cells_free(&c);
    return rc;
}

/* dispatch_write_message - one OrderFulfillment message for recs sharing order+tracking */
int dispatch_write_message(struct feedw *w, long message_id, const struct dispatch_rec *recs,
                           size_t n)
{
    struct fulfillment_item items[64];
    if (n == 0 || n > WB_ARRAY_LEN(items))
        return WB_BADARG;
    for (size_t i = 0; i < n; i++) {
        items[i].order_item_code = recs[i].item_code;
        items[i].quantity = recs[i].quantity;
    }
    struct fulfillment_msg m = {
        .message_id = message_id,
        .amazon_order_id = recs[0].order_id,
        .fulfillment_date = recs[0].ship_time,
        .carrier_code = recs[0].carrier_code,
        .carrier_name = strcmp(recs[0].carrier_code, "Other") == 0 ? recs[0].carrier_name : NULL,
        .shipping_method = *recs[0].ship_method ? recs[0].ship_method : NULL,
        .tracking = recs[0].tracking,
        .items = items,
        .nitems = n,
    };
    return feedw_fulfillment(w, &m);
}
