/*
 * test_flows_orders.c - the orders gate (flows/orders.c): reading an Order of
 * the Orders API v2026-01-01, the SKU and service checks with bundles and
 * renamed SKUs, the exact service match with its hint, cancelled lines,
 * priority, no personal data in reasons, and which update wins.
 * Owns only its in-memory maps; never touches a spool or the network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "flows/orders.h"
#include "layout/layout.h"
#include "maps/carriercodes.h"
#include "maps/carriers.h"
#include "maps/skus.h"

struct fix {
    struct skus *skus;
    struct carriercodes *codes;
    struct carriers *carriers;
    struct layout *layout;
    struct orders_rules r;
    struct orders_order o;
    json_t *j;
};

static const char skus_text[] = "WH-1 MUG-BLUE\n"
                                "WH-2 MUG-RED\n"
                                "bundle GIFT-SET WH-1:2 WH-2:1\n"
                                "bundle BROKEN-SET WH-1:1 WH-404:1\n"
                                "renamed OLD-MUG MUG-BLUE\n";
static const char carriers_text[] = "[dispatch]\n"
                                    "RM24 | Royal Mail | | Tracked 24\n"
                                    "DPDLOCAL | DPD Local | | Next Day\n"
                                    "[ship-service]\n"
                                    "STANDARD | RM24\n"
                                    "DPD Local | DPDLOCAL\n";
static const char layout_text[] = "name = t\nflow = orders\n"
                                  "field record = record\nfield order_id = order\n"
                                  "field order_item_id = item\nfield sku = sku\n"
                                  "field quantity = qty\nfield service = service\n"
                                  "field ship_by = ship_by\nfield deliver_by = deliver_by\n"
                                  "field priority = priority\nfield name = name\n"
                                  "field address1 = a1\nfield city = city\n"
                                  "field postal_code = pc\nfield country = cc\n";

/* setup - maps and layout of every test */
static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    struct buf errs;
    buf_init(&errs, 1 << 16);
    const char codes[] = "Royal Mail\nDPD Local\nDPD\n";
    if (!f || skus_parse_text("skus.map", skus_text, strlen(skus_text), &f->skus, &errs) != WB_OK ||
        carriercodes_parse_text("codes", codes, strlen(codes), &f->codes, &errs) != WB_OK ||
        carriers_parse_text("carriers.map", carriers_text, strlen(carriers_text), f->codes,
                            &f->carriers, &errs) != WB_OK ||
        layout_parse_text(layout_text, strlen(layout_text), "t.layout", &f->layout, &errs) !=
            WB_OK) {
        fprintf(stderr, "%s", buf_str(&errs));
        return -1;
    }
    buf_free(&errs);
    f->r = (struct orders_rules){f->skus, f->carriers, f->layout};
    *state = f;
    return 0;
}

/* teardown - release the fixture */
static int teardown(void **state)
{
    struct fix *f = *state;
    json_decref(f->j);
    layout_free(f->layout);
    carriers_free(f->carriers);
    carriercodes_free(f->codes);
    skus_free(f->skus);
    free(f);
    return 0;
}

/* order - an order as JSON: level, status, items ("ID SKU QTY[ c|r]" joined by ';'), updated */
static json_t *order(const char *level, const char *status, const char *items, const char *upd)
{
    json_t *its = json_array();
    char buf[512];
    snprintf(buf, sizeof buf, "%s", items);
    for (char *t = buf, *next; t; t = next) {
        if ((next = strchr(t, ';')))
            *next++ = '\0';
        char id[32], sku[64], flag = 0;
        long q;
        int n = sscanf(t, "%31s %63s %ld %c", id, sku, &q, &flag);
        assert_true(n >= 3);
        json_t *it = json_pack("{s:s,s:I,s:{s:s}}", "orderItemId", id, "quantityOrdered",
                               (json_int_t)q, "product", "sellerSku", sku);
        if (flag == 'c')
            json_object_set_new(
                it, "cancellation",
                json_pack("{s:{s:s}}", "cancellationExecution", "cancelledBy", "BUYER"));
        if (flag == 'r')
            json_object_set_new(
                it, "cancellation",
                json_pack("{s:{s:s}}", "cancellationRequest", "requester", "BUYER"));
        json_array_append_new(its, it);
    }
    return json_pack("{s:s,s:s,s:s,s:{s:s},s:[s],s:{s:s,s:s,s:s,s:{s:s},s:{s:s}},"
                     "s:{s:{s:s,s:s,s:s,s:s,s:s,s:s}},s:o}",
                     "orderId", "026-1111111-2222222", "createdTime", "2026-12-01T09:00:00Z",
                     "lastUpdatedTime", upd, "salesChannel", "channelName", "AMAZON", "programs",
                     "AMAZON_BUSINESS", "fulfillment", "fulfillmentStatus", status, "fulfilledBy",
                     "MERCHANT", "fulfillmentServiceLevel", level, "shipByWindow", "latestDateTime",
                     "2026-12-03T23:59:59Z", "deliverByWindow", "latestDateTime",
                     "2026-12-06T23:59:59Z", "recipient", "deliveryAddress", "name", "Jane Secret",
                     "addressLine1", "1 Hidden Lane", "city", "Leeds", "postalCode", "LS1 1AA",
                     "countryCode", "GB", "phone", "+44 999", "orderItems", its);
}

/* gate - read and gate an order; the verdict's code ("" when it passed) */
static const char *gate(struct fix *f, json_t *j, struct orders_verdict *v)
{
    json_decref(f->j);
    f->j = j;
    assert_non_null(j);
    if (orders_read(j, &f->o, v) != WB_OK)
        return v->code;
    if (orders_gate(&f->r, &f->o, v) != WB_OK)
        return v->code;
    return "";
}

/* no_pii - a reason never holds the buyer's name, street or phone */
static void no_pii(const struct orders_verdict *v)
{
    assert_null(strstr(v->reason, "Jane"));
    assert_null(strstr(v->reason, "Hidden"));
    assert_null(strstr(v->reason, "999"));
}

/* test_pass - a plain order passes and is shippable */
static void test_pass(void **state)
{
    struct fix *f = *state;
    struct orders_verdict v;
    assert_string_equal(
        gate(f, order("STANDARD", "UNSHIPPED", "11111111111111 MUG-BLUE 2", "2026-12-01T10:00:00Z"),
             &v),
        "");
    assert_int_equal(orders_state(&f->o), ORDERS_SHIPPABLE);
    assert_string_equal(f->o.order_id, "026-1111111-2222222");
    assert_int_equal(f->o.nlines, 1);
    assert_int_equal(orders_priority(&f->o), 3);
}

/* test_sku - unknown SKU, renamed SKU, bundle and bundle with a missing component */
static void test_sku(void **state)
{
    struct fix *f = *state;
    struct orders_verdict v;
    const char *t = "2026-12-01T10:00:00Z";
    assert_string_equal(gate(f, order("STANDARD", "UNSHIPPED", "11111111111111 NOPE 1", t), &v),
                        "E_SKU_UNKNOWN");
    assert_non_null(strstr(v.reason, "'NOPE'"));
    assert_string_equal(v.item_id, "11111111111111");
    no_pii(&v);
    assert_string_equal(gate(f, order("STANDARD", "UNSHIPPED", "11111111111111 OLD-MUG 1", t), &v),
                        "");
    assert_string_equal(
        gate(f, order("STANDARD", "UNSHIPPED", "11111111111111 BROKEN-SET 1", t), &v),
        "E_BUNDLE_COMPONENT");
    assert_non_null(strstr(v.reason, "'WH-404'"));
    /* a held line holds the whole order even when another line is fine */
    assert_string_equal(
        gate(f,
             order("STANDARD", "UNSHIPPED", "11111111111111 MUG-BLUE 1;22222222222222 NOPE 1", t),
             &v),
        "E_SKU_UNKNOWN");
}

/* test_service - exact match only; a near miss gets a hint, "DPD" is not "DPD Local" */
static void test_service(void **state)
{
    struct fix *f = *state;
    struct orders_verdict v;
    const char *t = "2026-12-01T10:00:00Z", *it = "11111111111111 MUG-BLUE 1";
    assert_string_equal(gate(f, order("DPD Local", "UNSHIPPED", it, t), &v), "");
    assert_string_equal(gate(f, order("DPD", "UNSHIPPED", it, t), &v), "E_SERVICE_UNMAPPED");
    assert_null(strstr(v.reason, "did you mean"));
    assert_string_equal(gate(f, order("dpd local", "UNSHIPPED", it, t), &v), "E_SERVICE_UNMAPPED");
    assert_non_null(strstr(v.reason, "did you mean 'DPD Local'?"));
    assert_string_equal(gate(f, order("DPDLocal", "UNSHIPPED", it, t), &v), "E_SERVICE_UNMAPPED");
    assert_non_null(strstr(v.reason, "did you mean 'DPD Local'?"));
    assert_string_equal(gate(f, order("STANDARD ", "UNSHIPPED", it, t), &v), "");
    assert_string_equal(gate(f, order("STANDRD", "UNSHIPPED", it, t), &v), "E_SERVICE_UNMAPPED");
    assert_non_null(strstr(v.reason, "did you mean 'STANDARD'?"));
    no_pii(&v);
}

/* test_lines - no items, quantity 0, a cancelled line, a cancellation request */
static void test_lines(void **state)
{
    struct fix *f = *state;
    struct orders_verdict v;
    const char *t = "2026-12-01T10:00:00Z";
    json_t *j = order("STANDARD", "UNSHIPPED", "11111111111111 MUG-BLUE 1", t);
    json_array_clear(json_object_get(j, "orderItems"));
    assert_string_equal(gate(f, j, &v), "E_ORDER_NO_ITEMS");
    assert_string_equal(gate(f, order("STANDARD", "UNSHIPPED", "11111111111111 MUG-BLUE 0", t), &v),
                        "E_ORDER_QUANTITY");
    assert_string_equal(
        gate(f,
             order("STANDARD", "UNSHIPPED", "11111111111111 MUG-BLUE 1;22222222222222 NOPE 0 c", t),
             &v),
        "");
    assert_int_equal(orders_state(&f->o), ORDERS_SHIPPABLE);
    assert_string_equal(
        gate(f, order("STANDARD", "UNSHIPPED", "11111111111111 MUG-BLUE 1 c", t), &v), "");
    assert_int_equal(orders_state(&f->o), ORDERS_CANCELLED);
    assert_string_equal(
        gate(f, order("STANDARD", "UNSHIPPED", "11111111111111 MUG-BLUE 1 r", t), &v),
        "E_CANCEL_REQUESTED");
    gate(f, order("STANDARD", "CANCELLED", "11111111111111 MUG-BLUE 1", t), &v);
    assert_int_equal(orders_state(&f->o), ORDERS_CANCELLED);
    gate(f, order("STANDARD", "PENDING", "11111111111111 MUG-BLUE 1", t), &v);
    assert_int_equal(orders_state(&f->o), ORDERS_NOT_OURS);
}

/* test_data - malformed members are E_ORDER_DATA naming the member, never its value */
static void test_data(void **state)
{
    struct fix *f = *state;
    struct orders_verdict v;
    const char *t = "2026-12-01T10:00:00Z", *it = "11111111111111 MUG-BLUE 1";
    json_t *j = order("STANDARD", "UNSHIPPED", it, t);
    json_object_set_new(j, "orderId", json_string("26-1"));
    assert_string_equal(gate(f, j, &v), "E_ORDER_DATA");
    j = order("STANDARD", "UNSHIPPED", it, "yesterday");
    assert_string_equal(gate(f, j, &v), "E_ORDER_DATA");
    assert_non_null(strstr(v.reason, "lastUpdatedTime"));
    j = order("STANDARD", "UNSHIPPED", it, t);
    json_object_set_new(json_object_get(json_object_get(j, "recipient"), "deliveryAddress"),
                        "addressLine1", json_string("1 Hidden\nLane"));
    assert_string_equal(gate(f, j, &v), "E_ORDER_DATA");
    assert_non_null(strstr(v.reason, "addressLine1"));
    no_pii(&v);
    j = order("STANDARD", "UNSHIPPED", it, t);
    json_object_del(j, "recipient");
    assert_string_equal(gate(f, j, &v), "E_ORDER_DATA");
    assert_non_null(strstr(v.reason, "RECIPIENT"));
    j = order("STANDARD", "UNSHIPPED", it, t);
    json_object_set_new(json_array_get(json_object_get(j, "orderItems"), 0), "quantityOrdered",
                        json_string("2"));
    assert_string_equal(gate(f, j, &v), "E_ORDER_QUANTITY");
    j = order("STANDARD", "UNSHIPPED", it, t);
    json_object_set_new(j, "fulfillment", json_string("x"));
    assert_string_equal(gate(f, j, &v), "E_ORDER_DATA");
}

struct rows {
    char text[4096];
    size_t n;
};

/* collect - orders_rows callback: rows as "cell|cell|...\n" */
static int collect(void *arg, const char *const *cells, size_t n)
{
    struct rows *r = arg;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(r->text);
        snprintf(r->text + k, sizeof r->text - k, "%s%s", cells[i], i + 1 < n ? "|" : "\n");
    }
    r->n++;
    return WB_OK;
}

/* test_rows - a bundle explodes to its components, quantities multiplied; the digest follows
 * what the WMS file shows, not the record kind */
static void test_rows(void **state)
{
    struct fix *f = *state;
    struct orders_verdict v;
    struct rows r = {0};
    uint64_t d1, d2, d3;
    assert_string_equal(
        gate(f,
             order("STANDARD", "UNSHIPPED", "11111111111111 GIFT-SET 3;22222222222222 MUG-RED 1 c",
                   "2026-12-01T10:00:00Z"),
             &v),
        "");
    assert_int_equal(orders_rows(&f->r, &f->o, ORDERS_NEW, collect, &r, &d1, &v), WB_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.text,
                        "new|026-1111111-2222222|11111111111111|WH-1|6|RM24|2026-12-03T23:59:59Z|"
                        "2026-12-06T23:59:59Z|3|Jane Secret|1 Hidden Lane|Leeds|LS1 1AA|GB\n"
                        "new|026-1111111-2222222|11111111111111|WH-2|3|RM24|2026-12-03T23:59:59Z|"
                        "2026-12-06T23:59:59Z|3|Jane Secret|1 Hidden Lane|Leeds|LS1 1AA|GB\n");
    assert_int_equal(orders_rows(&f->r, &f->o, ORDERS_AMEND, NULL, NULL, &d2, &v), WB_OK);
    assert_true(d1 == d2);
    gate(f,
         order("STANDARD", "UNSHIPPED", "11111111111111 GIFT-SET 2;22222222222222 MUG-RED 1 c",
               "2026-12-01T11:00:00Z"),
         &v);
    assert_int_equal(orders_rows(&f->r, &f->o, ORDERS_NEW, NULL, NULL, &d3, &v), WB_OK);
    assert_true(d3 != d1);
}

/* test_decide - new, amendment, cancellation, the same again, and an older update is stale */
static void test_decide(void **state)
{
    (void)state;
    struct orders_seen s = {.updated = 100, .digest = 7, .written = 1};
    assert_int_equal(orders_decide(NULL, 100, ORDERS_SHIPPABLE, 7), ORDERS_WRITE_NEW);
    assert_int_equal(orders_decide(NULL, 100, ORDERS_CANCELLED, 0), ORDERS_SKIP);
    assert_int_equal(orders_decide(NULL, 100, ORDERS_NOT_OURS, 0), ORDERS_SKIP);
    assert_int_equal(orders_decide(&s, 100, ORDERS_SHIPPABLE, 8), ORDERS_SAME);
    assert_int_equal(orders_decide(&s, 101, ORDERS_SHIPPABLE, 7), ORDERS_SAME);
    assert_int_equal(orders_decide(&s, 101, ORDERS_SHIPPABLE, 8), ORDERS_WRITE_AMEND);
    assert_int_equal(orders_decide(&s, 101, ORDERS_CANCELLED, 0), ORDERS_WRITE_CANCEL);
    /* an update older than the one taken never undoes it, whatever it says */
    assert_int_equal(orders_decide(&s, 99, ORDERS_CANCELLED, 0), ORDERS_STALE);
    assert_int_equal(orders_decide(&s, 99, ORDERS_SHIPPABLE, 9), ORDERS_STALE);
    struct orders_seen held = {.updated = 100};
    assert_int_equal(orders_decide(&held, 101, ORDERS_SHIPPABLE, 7), ORDERS_WRITE_NEW);
    assert_int_equal(orders_decide(&held, 101, ORDERS_CANCELLED, 0), ORDERS_SKIP);
    struct orders_seen gone = {.updated = 100, .cancelled = 1};
    assert_int_equal(orders_decide(&gone, 101, ORDERS_SHIPPABLE, 7), ORDERS_SKIP);
}

/* test_priority - Prime first, then a fast service or a ship-by within a day */
static void test_priority(void **state)
{
    struct fix *f = *state;
    struct orders_verdict v;
    gate(f, order("STANDARD", "UNSHIPPED", "11111111111111 MUG-BLUE 1", "2026-12-01T10:00:00Z"),
         &v);
    assert_int_equal(orders_priority(&f->o), 3);
    f->o.ship_by = f->o.created + 20 * 3600;
    assert_int_equal(orders_priority(&f->o), 2);
    f->o.prime = 1;
    assert_int_equal(orders_priority(&f->o), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sku, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows, setup, teardown),
        cmocka_unit_test(test_decide),
        cmocka_unit_test_setup_teardown(test_priority, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
