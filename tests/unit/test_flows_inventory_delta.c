/*
 * test_flows_inventory_delta.c - the inventory flow's delta rule (flows/inventory.c,
 * inventory_base_*): a seller SKU is sent only when its quantity differs from the one last
 * published, or none was; the newest of a SKU's rows is its last published quantity; a held
 * SKU is never sent but counts as in the snapshot; what a snapshot leaves out is listed
 * (for a complete snapshot's zeroes) unless already 0. Owns only its memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/wb.h"
#include "flows/inventory.h"

/* test_changed - only a new SKU or a changed quantity is sent */
static void test_changed(void **state)
{
    (void)state;
    struct inventory_base b = {0};
    assert_int_equal(inventory_base_put(&b, "A", 5, 0), WB_OK);
    assert_int_equal(inventory_base_put(&b, "B", 0, 0), WB_OK);
    assert_int_equal(inventory_base_put(&b, "C", 7, 0), WB_OK);
    assert_int_equal(inventory_base_take(&b, "A", 5), 0); /* same: not sent */
    assert_int_equal(inventory_base_take(&b, "A", 4), 1); /* changed */
    assert_int_equal(inventory_base_take(&b, "B", 0), 0); /* 0 stays 0 */
    assert_int_equal(inventory_base_take(&b, "B", 1), 1);
    assert_int_equal(inventory_base_take(&b, "D", 0), 1); /* never published: sent, even 0 */
    assert_int_equal(inventory_base_take(&b, "C", 6), 1);
    inventory_base_free(&b);
}

/* test_newest - the newest row of a SKU (the last put) is its last published quantity; keys
 * out of order are refused */
static void test_newest(void **state)
{
    (void)state;
    struct inventory_base b = {0};
    assert_int_equal(inventory_base_put(&b, "A", 5, 0), WB_OK);
    assert_int_equal(inventory_base_put(&b, "A", 3, 0), WB_OK);
    assert_int_equal(inventory_base_take(&b, "A", 3), 0);
    assert_int_equal(inventory_base_take(&b, "A", 5), 1);
    assert_int_equal(inventory_base_put(&b, "0", 1, 0), WB_BADARG);
    /* the tag (a row still unsent) goes with the newest row, and only with it */
    assert_int_equal(inventory_base_put(&b, "B", 2, 41), WB_OK);
    assert_int_equal(inventory_base_tag(&b, "B"), 41);
    assert_int_equal(inventory_base_put(&b, "B", 2, 0), WB_OK);
    assert_int_equal(inventory_base_tag(&b, "B"), 0);
    assert_int_equal(inventory_base_tag(&b, "A"), 0);
    assert_int_equal(inventory_base_tag(&b, "Q"), 0);
    assert_int_equal(inventory_base_qty(&b, "A"), 3);
    assert_int_equal(inventory_base_qty(&b, "Q"), -1);
    inventory_base_free(&b);
}

static char gone[256];

/* gone_cb - collect "SKU=QTY " */
static int gone_cb(void *arg, const char *sku, long long qty)
{
    (void)arg;
    size_t n = strlen(gone);
    snprintf(gone + n, sizeof gone - n, "%s=%lld ", sku, qty);
    return WB_OK;
}

/* test_held_and_gone - a held SKU is in the snapshot but not sent; the ones left out are
 * listed at 0 unless already 0 */
static void test_held_and_gone(void **state)
{
    (void)state;
    struct inventory_base b = {0};
    const char *skus[] = {"A", "B", "C", "D", "E"};
    long long q[] = {5, 0, 7, 2, 9};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(inventory_base_put(&b, skus[i], q[i], 0), WB_OK);
    assert_int_equal(inventory_base_take(&b, "A", INVENTORY_HELD), 0);
    assert_int_equal(inventory_base_take(&b, "Z", INVENTORY_HELD), 0);
    assert_int_equal(inventory_base_take(&b, "C", 7), 0);
    gone[0] = '\0';
    assert_int_equal(inventory_base_gone(&b, gone_cb, NULL), WB_OK);
    assert_string_equal(gone, "D=0 E=0 "); /* B was 0 already, A held, C present */
    inventory_base_free(&b);
}

/* test_many - a sorted base of many SKUs is searched right (binary search bounds) */
static void test_many(void **state)
{
    (void)state;
    struct inventory_base b = {0};
    char k[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "S%04d", i);
        assert_int_equal(inventory_base_put(&b, k, i, 0), WB_OK);
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "S%04d", i);
        assert_int_equal(inventory_base_take(&b, k, i), 0);
        assert_int_equal(inventory_base_take(&b, k, i + 1), 1);
    }
    assert_int_equal(inventory_base_take(&b, "S", 0), 1);
    assert_int_equal(inventory_base_take(&b, "T", 0), 1);
    inventory_base_free(&b);
}

/* test_less_open - open order units come off, never below 0; a held SKU stays held */
static void test_less_open(void **state)
{
    (void)state;
    assert_int_equal(inventory_less_open(10, 3), 7);
    assert_int_equal(inventory_less_open(10, -1), 10); /* no open orders */
    assert_int_equal(inventory_less_open(10, 0), 10);
    assert_int_equal(inventory_less_open(2, 5), 0);
    assert_int_equal(inventory_less_open(5, 5), 0);
    assert_true(inventory_less_open(INVENTORY_HELD, 3) == INVENTORY_HELD);
}

/* test_plus_returned - sellable returned units a snapshot does not hold yet are added (none:
 * unchanged); a held SKU stays held; then open orders come off the sum */
static void test_plus_returned(void **state)
{
    (void)state;
    assert_int_equal(inventory_plus_returned(10, 3), 13);
    assert_int_equal(inventory_plus_returned(0, 2), 2);
    assert_int_equal(inventory_plus_returned(10, -1), 10); /* no returns */
    assert_int_equal(inventory_plus_returned(10, 0), 10);
    assert_true(inventory_plus_returned(INVENTORY_HELD, 3) == INVENTORY_HELD);
    assert_int_equal(inventory_less_open(inventory_plus_returned(0, 2), 1), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changed),       cmocka_unit_test(test_newest),
        cmocka_unit_test(test_held_and_gone), cmocka_unit_test(test_many),
        cmocka_unit_test(test_less_open),     cmocka_unit_test(test_plus_returned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
