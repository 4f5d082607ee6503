/*
 * test_flows_inventory_drift.c - the inventory drift report (flows/inventory_drift.c): drift is
 * Amazon's quantity less the WMS quantity (an absent one counting as 0), rows sort worst
 * absolute drift first then by seller SKU, the drift count is the rows that drift, the CSV
 * leaves unknown quantities empty and quotes a SKU only when it must, and the listings report
 * is read by its header names (tab separated, a '"' is text). Owns only its memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "flows/inventory_drift.h"

/* test_sort - worst absolute drift first, then by SKU; the count is the rows that drift */
static void test_sort(void **state)
{
    (void)state;
    struct drift_table t = {0};
    assert_int_equal(drift_set(&t, "A", 0, 5), WB_OK);
    assert_int_equal(drift_set(&t, "A", 2, 5), WB_OK);
    assert_int_equal(drift_set(&t, "B", 0, 3), WB_OK);
    assert_int_equal(drift_set(&t, "B", 2, 5), WB_OK); /* +2 */
    assert_int_equal(drift_set(&t, "C", 0, 8), WB_OK);
    assert_int_equal(drift_set(&t, "C", 2, 1), WB_OK); /* -7 */
    assert_int_equal(drift_set(&t, "D", 0, 2), WB_OK); /* Amazon has none: -2 */
    assert_int_equal(drift_set(&t, "E", 2, 9), WB_OK); /* WMS has none: +9 */
    assert_int_equal(drift_sort(&t), 4);
    const char *order[] = {"E", "C", "B", "D", "A"};
    long long drift[] = {9, -7, 2, -2, 0};
    assert_int_equal(t.n, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(t.v[i].sku, order[i]);
        assert_int_equal(t.v[i].drift, drift[i]);
    }
    drift_free(&t);
}

/* test_csv - unknown quantities empty, a SKU with a comma quoted */
static void test_csv(void **state)
{
    (void)state;
    struct drift_table t = {0};
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(drift_set(&t, "X,1", 0, 4), WB_OK);
    assert_int_equal(drift_set(&t, "X,1", 1, 4), WB_OK);
    assert_int_equal(drift_set(&t, "Y", 2, 1), WB_OK);
    drift_sort(&t);
    assert_int_equal(drift_csv(&t, &b), WB_OK);
    assert_string_equal(buf_str(&b), "seller_sku,wms_quantity,last_published,amazon_quantity,"
                                     "drift\n\"X,1\",4,4,,-4\nY,,,1,1\n");
    buf_free(&b);
    drift_free(&t);
}

/* test_listings - columns found by name, a quote is text, a row without quantity unknown */
static void test_listings(void **state)
{
    (void)state;
    const char *doc = "item-name\tseller-sku\tprice\tquantity\r\n"
                      "A \"big\" one\tS1\t9.99\t7\r\n"
                      "fba\tS2\t1.00\t\r\n";
    struct drift_table t = {0};
    struct buf err;
    buf_init(&err, 512);
    assert_int_equal(drift_read_listings(doc, strlen(doc), &t, &err), WB_OK);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.v[0].sku, "S1");
    assert_int_equal(t.v[0].amazon, 7);
    assert_string_equal(t.v[1].sku, "S2");
    assert_int_equal(t.v[1].amazon, DRIFT_NONE);
    drift_free(&t);
    const char *bad = "item-name\tsku\tqty\r\nx\ty\t1\r\n";
    assert_int_equal(drift_read_listings(bad, strlen(bad), &t, &err), WB_PERMFAIL);
    assert_non_null(strstr(buf_str(&err), "seller-sku"));
    drift_free(&t);
    buf_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_listings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
