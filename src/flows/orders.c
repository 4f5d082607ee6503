/*
 * orders.c - the orders flow's rules (see orders.h): read an Order object,
 * the gate, priority, the WMS rows and which update wins.
 *
 * Owns nothing beyond the caller's structs: strings of a read order point
 * into its JSON value. Never writes a buyer's name, address or phone into a
 * reason (only the order id, item ids, SKUs and field names); never touches
 * the spool, the ledger or the network; never exits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "amazon/amazon_ids.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/keyset.h"
#include "flows/orders.h"
#include "layout/layout.h"
#include "maps/carriers.h"
#include "net/spapi_json.h"

/* the vocabulary; the order of enum field below */
const char *const orders_required[] = {
    "record",   "order_id", "order_item_id", "sku",      "quantity",
    "service",  "ship_by",  "deliver_by",    "priority", "name",
    "address1", "city",     "postal_code",   "country",  NULL,
};
const char *const orders_optional[] = {
    "seller_sku", "updated", "company", "address2",    "address3",
    "county",     "state",   "phone",   "marketplace", NULL,
};

enum field {
    F_RECORD,
    F_ORDER,
    F_ITEM,
    F_SKU,
    F_QTY,
    F_SERVICE,
    F_SHIP_BY,
    F_DELIVER_BY,
    F_PRIORITY,
    F_NAME,
    F_LINE1,
    F_CITY,
    F_POSTAL,
    F_COUNTRY,
    F_SELLER_SKU,
    F_UPDATED,
    F_COMPANY,
    F_LINE2,
    F_LINE3,
    F_COUNTY,
    F_STATE,
    F_PHONE,
    F_MARKET,
    F_COUNT
};

/* verdict - fill v with code and reason and return WB_PERMFAIL */
static int verdict(struct orders_verdict *v, const char *item, const char *code, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
static int verdict(struct orders_verdict *v, const char *item, const char *code, const char *fmt,
                   ...)
{
    snprintf(v->code, sizeof v->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
    v->item_id = item;
    return WB_PERMFAIL;
}

/* text - member k of obj as plain text of at most ORDERS_TEXT_MAX characters into *out ("" when
 * absent or null); WB_PERMFAIL naming where.k (never its value) when it is another type or not
 * plain text */
static int text(const json_t *obj, const char *where, const char *k, const char **out,
                struct orders_verdict *v)
{
    *out = "";
    const json_t *m = json_is_object(obj) ? json_object_get(obj, k) : NULL;
    if (!m || json_is_null(m))
        return WB_OK;
    char why[128];
    if (!json_is_string(m))
        return verdict(v, NULL, "E_ORDER_DATA", "%s%s is not a string", where, k);
    const char *s = json_string_value(m);
    if (!str_text_check(s, json_string_length(m), ORDERS_TEXT_MAX, why, sizeof why))
        return verdict(v, NULL, "E_ORDER_DATA", "%s%s %s", where, k, why);
    *out = s;
    return WB_OK;
}

/* when - a date-time member (absent: 0 and WB_OK unless required) */
static int when(const json_t *obj, const char *where, const char *k, int required, const char **txt,
                time_t *t, struct orders_verdict *v)
{
    int rc = text(obj, where, k, txt, v);
    *t = 0;
    if (rc != WB_OK)
        return rc;
    if (!**txt)
        return required ? verdict(v, NULL, "E_ORDER_DATA", "%s%s is missing", where, k) : WB_OK;
    if ((*t = spapi_parse_time(*txt)) < 0)
        return verdict(v, NULL, "E_ORDER_DATA", "%s%s is not an ISO 8601 date-time", where, k);
    return WB_OK;
}

/* read_line - one OrderItem */
static int read_line(const json_t *it, size_t i, struct orders_line *l, struct orders_verdict *v)
{
    char where[48];
    snprintf(where, sizeof where, "orderItems[%zu].", i);
    if (!json_is_object(it))
        return verdict(v, NULL, "E_ORDER_DATA", "orderItems[%zu] is not an object", i);
    int rc = text(it, where, "orderItemId", &l->item_id, v);
    if (rc != WB_OK)
        return rc;
    if (!amazon_item_code_ok(l->item_id, strlen(l->item_id)))
        return verdict(v, NULL, "E_ORDER_DATA", "%sorderItemId is not a 14-digit order item id",
                       where);
    const json_t *q = json_object_get(it, "quantityOrdered");
    if (!json_is_integer(q) || json_integer_value(q) < 0 ||
        json_integer_value(q) > ORDERS_QTY_MAX * 100L)
        return verdict(v, l->item_id, "E_ORDER_QUANTITY",
                       "line %s: quantityOrdered is not a whole number from 0 to %d", l->item_id,
                       ORDERS_QTY_MAX);
    l->quantity = (long)json_integer_value(q);
    const json_t *f = json_object_get(it, "fulfillment");
    const json_t *left = json_is_object(f) ? json_object_get(f, "quantityUnfulfilled") : NULL;
    if (left && json_is_integer(left) && json_integer_value(left) >= 0 &&
        json_integer_value(left) < l->quantity)
        l->quantity = (long)json_integer_value(left);
    char pw[64];
    snprintf(pw, sizeof pw, "%sproduct.", where);
    if ((rc = text(json_object_get(it, "product"), pw, "sellerSku", &l->seller_sku, v)) != WB_OK)
        return rc;
    const json_t *c = json_object_get(it, "cancellation");
    l->cancelled = json_is_object(c) && json_is_object(json_object_get(c, "cancellationExecution"));
    l->cancel_requested = !l->cancelled && json_is_object(c) &&
                          json_is_object(json_object_get(c, "cancellationRequest"));
    /* a line with nothing left to ship after some was shipped is done, like a cancelled one */
    if (!l->cancelled && l->quantity == 0 && left && json_integer_value(q) > 0)
        l->cancelled = 1;
    return WB_OK;
}

/* read_address - recipient.deliveryAddress (texts checked; presence is the gate's) */
static int read_address(const json_t *j, struct orders_order *o, struct orders_verdict *v)
{
    const json_t *r = json_object_get(j, "recipient");
    const json_t *a = json_is_object(r) ? json_object_get(r, "deliveryAddress") : NULL;
    const char *w = "recipient.deliveryAddress.";
    struct {
        const char *k;
        const char **out;
    } m[] = {
        {"name", &o->name},
        {"companyName", &o->company},
        {"addressLine1", &o->line1},
        {"addressLine2", &o->line2},
        {"addressLine3", &o->line3},
        {"city", &o->city},
        {"districtOrCounty", &o->county},
        {"stateOrRegion", &o->state},
        {"postalCode", &o->postal},
        {"countryCode", &o->country},
        {"phone", &o->phone},
    };
    for (size_t i = 0; i < WB_ARRAY_LEN(m); i++) {
        int rc = text(a, w, m[i].k, m[i].out, v);
        if (rc != WB_OK)
            return rc;
    }
    return WB_OK;
}

/* orders_read - one Order object into o */
int orders_read(const json_t *j, struct orders_order *o, struct orders_verdict *v)
{
    memset(o, 0, sizeof *o);
    memset(v, 0, sizeof *v);
    o->order_id = "";
    if (!json_is_object(j))
        return verdict(v, NULL, "E_ORDER_DATA", "an element of orders is not an object");
    int rc = text(j, "", "orderId", &o->order_id, v);
    if (rc != WB_OK)
        return rc;
    if (!amazon_order_id_ok(o->order_id, strlen(o->order_id))) {
        rc = verdict(v, NULL, "E_ORDER_DATA",
                     "orderId is missing or not an Amazon order id (3-7-7 digits)");
        o->order_id = "";
        return rc;
    }
    const char *t;
    if ((rc = when(j, "", "lastUpdatedTime", 1, &o->updated_text, &o->updated, v)) != WB_OK ||
        (rc = when(j, "", "createdTime", 1, &t, &o->created, v)) != WB_OK)
        return rc;
    const json_t *f = json_object_get(j, "fulfillment");
    if (!json_is_object(f))
        return verdict(v, NULL, "E_ORDER_DATA",
                       "fulfillment is missing (the request must include FULFILLMENT)");
    const json_t *sb = json_object_get(f, "shipByWindow"),
                 *db = json_object_get(f, "deliverByWindow");
    time_t ignored;
    if ((rc = text(f, "fulfillment.", "fulfillmentStatus", &o->status, v)) != WB_OK ||
        (rc = text(f, "fulfillment.", "fulfilledBy", &o->fulfilled_by, v)) != WB_OK ||
        (rc = text(f, "fulfillment.", "fulfillmentServiceLevel", &o->service_level, v)) != WB_OK ||
        (rc = when(sb, "fulfillment.shipByWindow.", "latestDateTime", 0, &o->ship_by_text,
                   &o->ship_by, v)) != WB_OK ||
        (rc = when(db, "fulfillment.deliverByWindow.", "latestDateTime", 0, &o->deliver_by_text,
                   &ignored, v)) != WB_OK)
        return rc;
    if (!*o->status)
        return verdict(v, NULL, "E_ORDER_DATA", "fulfillment.fulfillmentStatus is missing");
    const json_t *sc = json_object_get(j, "salesChannel");
    if ((rc = text(sc, "salesChannel.", "marketplaceId", &o->marketplace, v)) != WB_OK)
        return rc;
    const json_t *pg = json_object_get(j, "programs"), *p;
    size_t i;
    json_array_foreach(pg, i, p)
    {
        const char *s = json_string_value(p);
        if (s && (strcmp(s, "PRIME") == 0 || strcmp(s, "PREMIUM") == 0))
            o->prime = 1;
    }
    if ((rc = read_address(j, o, v)) != WB_OK)
        return rc;
    const json_t *items = json_object_get(j, "orderItems"), *it;
    if (!json_is_array(items))
        return verdict(v, NULL, "E_ORDER_DATA", "orderItems is missing or not an array");
    if (json_array_size(items) > ORDERS_MAX_LINES)
        return verdict(v, NULL, "E_ORDER_DATA", "more than %d order items", ORDERS_MAX_LINES);
    json_array_foreach(items, i, it)
    {
        if ((rc = read_line(it, i, &o->line[i], v)) != WB_OK)
            return rc;
        o->nlines++;
    }
    return WB_OK;
}

/* orders_state - shippable, cancelled or not for the WMS */
enum orders_state orders_state(const struct orders_order *o)
{
    if (strcmp(o->fulfilled_by, "MERCHANT") != 0)
        return ORDERS_NOT_OURS;
    if (strcmp(o->status, "CANCELLED") == 0)
        return ORDERS_CANCELLED;
    if (strcmp(o->status, "UNSHIPPED") != 0 && strcmp(o->status, "PARTIALLY_SHIPPED") != 0)
        return ORDERS_NOT_OURS;
    size_t live = 0;
    for (size_t i = 0; i < o->nlines; i++)
        live += !o->line[i].cancelled;
    return o->nlines && !live ? ORDERS_CANCELLED : ORDERS_SHIPPABLE;
}

/* orders_gate - every line and the service through the maps */
int orders_gate(const struct orders_rules *r, const struct orders_order *o,
                struct orders_verdict *v)
{
    memset(v, 0, sizeof *v);
    if (o->nlines == 0)
        return verdict(v, NULL, "E_ORDER_NO_ITEMS", "order %s has no items", o->order_id);
    for (size_t i = 0; i < o->nlines; i++) {
        const struct orders_line *l = &o->line[i];
        if (l->cancelled)
            continue;
        if (l->cancel_requested)
            return verdict(v, l->item_id, "E_CANCEL_REQUESTED",
                           "order %s line %s: the buyer asked to cancel it", o->order_id,
                           l->item_id);
        if (l->quantity < 1 || l->quantity > ORDERS_QTY_MAX)
            return verdict(v, l->item_id, "E_ORDER_QUANTITY",
                           "order %s line %s: quantity %ld is not a whole number from 1 to %d",
                           o->order_id, l->item_id, l->quantity, ORDERS_QTY_MAX);
        struct skus_part part[SKUS_BUNDLE_MAX];
        size_t n;
        const char *missing;
        int rc = skus_explode(r->skus, l->seller_sku, part, &n, &missing);
        if (rc == WB_NOTFOUND)
            return verdict(v, l->item_id, "E_SKU_UNKNOWN",
                           "order %s line %s: seller SKU '%s' is not in skus.map", o->order_id,
                           l->item_id, l->seller_sku);
        if (rc != WB_OK)
            return verdict(v, l->item_id, "E_BUNDLE_COMPONENT",
                           "order %s line %s: bundle '%s' has the component '%s', which is no "
                           "WMS SKU of skus.map",
                           o->order_id, l->item_id, l->seller_sku, missing);
    }
    if (!*o->service_level)
        return verdict(v, NULL, "E_SERVICE_UNMAPPED", "order %s has no fulfillmentServiceLevel",
                       o->order_id);
    if (!carriers_ship_service(r->carriers, o->service_level)) {
        char hint[200];
        int h = carriers_ship_service_suggest(r->carriers, o->service_level, hint, sizeof hint);
        return verdict(v, NULL, "E_SERVICE_UNMAPPED",
                       "order %s: service level '%s' is not in [ship-service] of carriers.map%s%s",
                       o->order_id, o->service_level, h == WB_OK ? "; " : "",
                       h == WB_OK ? hint : "");
    }
    const char *lacks = !*o->name ? "name" : !*o->line1 ? "addressLine1" : NULL;
    if (!lacks && strlen(o->country) != 2)
        lacks = "countryCode";
    if (lacks)
        return verdict(v, NULL, "E_ORDER_DATA",
                       "order %s: the delivery address lacks %s (the request must include "
                       "RECIPIENT)",
                       o->order_id, lacks);
    return WB_OK;
}

/* fast - a fulfillmentServiceLevel the buyer paid to have quickly */
static int fast(const char *level)
{
    static const char *const quick[] = {"SAME_DAY", "NEXT_DAY", "PRIORITY", "EXPEDITED"};
    for (size_t i = 0; i < WB_ARRAY_LEN(quick); i++)
        if (strcmp(level, quick[i]) == 0)
            return 1;
    return 0;
}

/* orders_priority - 1 Prime, 2 fast or due within a day, 3 otherwise */
int orders_priority(const struct orders_order *o)
{
    if (o->prime)
        return 1;
    if (fast(o->service_level) || (o->ship_by && o->ship_by - o->created <= 24 * 3600))
        return 2;
    return 3;
}

struct emit {
    const struct orders_rules *r;
    const struct orders_order *o;
    orders_row_fn fn;
    void *arg;
    uint64_t digest;
    const char *cell[F_COUNT];
    int at[F_COUNT]; /* layout column of each field, -1 if the layout lacks it */
    size_t ncols;
};

/* emit_row - hash the row's cells (record left out) and hand them in layout order to fn */
static int emit_row(struct emit *e)
{
    const char *part[F_COUNT + 1];
    size_t len[F_COUNT + 1];
    part[0] = (const char *)&e->digest;
    len[0] = sizeof e->digest;
    for (size_t f = 1; f < F_COUNT; f++) {
        part[f] = e->cell[f];
        len[f] = strlen(e->cell[f]);
    }
    e->digest = keyset_hash_parts(part, len, F_COUNT);
    if (!e->fn)
        return WB_OK;
    const char *cols[F_COUNT];
    for (size_t c = 0; c < e->ncols; c++)
        cols[c] = "";
    for (size_t f = 0; f < F_COUNT; f++)
        if (e->at[f] >= 0 && (size_t)e->at[f] < e->ncols)
            cols[e->at[f]] = e->cell[f];
    return e->fn(e->arg, cols, e->ncols);
}

/* iso - Amazon's date-time text as UTC "YYYY-MM-DDThh:mm:ssZ" ("" when absent) */
static const char *iso(const char *txt, char *out, size_t n)
{
    time_t t = *txt ? spapi_parse_time(txt) : -1;
    struct tm tm;
    if (t < 0 || !gmtime_r(&t, &tm) || strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return "";
    return out;
}

/* orders_rows - the order's rows to fn, and their digest */
int orders_rows(const struct orders_rules *r, const struct orders_order *o, enum orders_record rec,
                orders_row_fn fn, void *arg, uint64_t *digest, struct orders_verdict *v)
{
    static const char *const names[F_COUNT] = {
        "record",      "order_id",   "order_item_id", "sku",     "quantity",    "service",
        "ship_by",     "deliver_by", "priority",      "name",    "address1",    "city",
        "postal_code", "country",    "seller_sku",    "updated", "company",     "address2",
        "address3",    "county",     "state",         "phone",   "marketplace",
    };
    static const char *const kinds[] = {"new", "amend", "cancel"};
    struct emit e = {.r = r, .o = o, .fn = fn, .arg = arg, .digest = 0};
    e.ncols = r->layout ? layout_nfields(r->layout) : 0;
    if (e.ncols > F_COUNT)
        return verdict(v, NULL, "E_ORDER_DATA", "the layout has more fields than orders write");
    for (size_t f = 0; f < F_COUNT; f++)
        e.at[f] = r->layout ? layout_field_index(r->layout, names[f]) : -1;
    char ship[32], deliver[32], updated[32], qty[24], prio[4];
    const char *service = carriers_ship_service(r->carriers, o->service_level);
    snprintf(prio, sizeof prio, "%d", orders_priority(o));
    const char *fixed[F_COUNT] = {
        [F_RECORD] = kinds[rec],
        [F_ORDER] = o->order_id,
        [F_SERVICE] = service ? service : "",
        [F_SHIP_BY] = iso(o->ship_by_text, ship, sizeof ship),
        [F_DELIVER_BY] = iso(o->deliver_by_text, deliver, sizeof deliver),
        [F_PRIORITY] = prio,
        [F_NAME] = o->name,
        [F_LINE1] = o->line1,
        [F_CITY] = o->city,
        [F_POSTAL] = o->postal,
        [F_COUNTRY] = o->country,
        [F_UPDATED] = iso(o->updated_text, updated, sizeof updated),
        [F_COMPANY] = o->company,
        [F_LINE2] = o->line2,
        [F_LINE3] = o->line3,
        [F_COUNTY] = o->county,
        [F_STATE] = o->state,
        [F_PHONE] = o->phone,
        [F_MARKET] = o->marketplace,
    };
    memcpy(e.cell, fixed, sizeof e.cell);
    int rc = WB_OK;
    for (size_t i = 0; i < o->nlines && rc == WB_OK; i++) {
        const struct orders_line *l = &o->line[i];
        if (l->cancelled && rec != ORDERS_CANCEL)
            continue;
        struct skus_part part[SKUS_BUNDLE_MAX];
        size_t n = 0;
        const char *missing;
        if (skus_explode(r->skus, l->seller_sku, part, &n, &missing) != WB_OK) {
            if (rec != ORDERS_CANCEL) /* the gate let through what it must hold */
                return verdict(v, l->item_id, "E_SKU_UNKNOWN",
                               "order %s line %s: seller SKU '%s' does not resolve", o->order_id,
                               l->item_id, l->seller_sku);
            part[0].wms = "";
            part[0].qty = 1;
            n = 1;
        }
        e.cell[F_ITEM] = l->item_id;
        e.cell[F_SELLER_SKU] = l->seller_sku;
        for (size_t k = 0; k < n && rc == WB_OK; k++) {
            snprintf(qty, sizeof qty, "%ld", l->quantity * (long)part[k].qty);
            e.cell[F_SKU] = part[k].wms;
            e.cell[F_QTY] = qty;
            rc = emit_row(&e);
        }
    }
    if (digest)
        *digest = e.digest;
    return rc;
}

/* orders_decide - which update wins, and what the WMS is told */
enum orders_action orders_decide(const struct orders_seen *prev, time_t updated,
                                 enum orders_state state, uint64_t digest)
{
    if (!prev)
        return state == ORDERS_SHIPPABLE ? ORDERS_WRITE_NEW : ORDERS_SKIP;
    if (updated < prev->updated)
        return ORDERS_STALE;
    if (updated == prev->updated)
        return ORDERS_SAME;
    if (state == ORDERS_CANCELLED)
        return prev->written ? ORDERS_WRITE_CANCEL : ORDERS_SKIP;
    if (state != ORDERS_SHIPPABLE)
        return ORDERS_SKIP;
    if (!prev->written)
        return prev->cancelled ? ORDERS_SKIP : ORDERS_WRITE_NEW;
    return digest == prev->digest ? ORDERS_SAME : ORDERS_WRITE_AMEND;
}
