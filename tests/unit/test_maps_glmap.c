/*
 * test_maps_glmap.c - unit tests for glmap (maps/): the shipped etc/gl.map,
 * wildcards for families of fees, first match wins, and the errors of a
 * bad map. Owns only its buffers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/wb.h"
#include "maps/glmap.h"
#include "maps_testutil.h"

/* parse - parse text as gl.map */
static int parse(const char *text, struct glmap **m, struct buf *errs)
{
    return glmap_parse_text("gl.map", text, strlen(text), m, errs);
}

/* test_shipped - the shipped gl.map loads and maps the usual V2 combinations */
static void test_shipped(void **state)
{
    (void)state;
    char path[4096];
    struct glmap *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(glmap_load(maps_test_etc(path, sizeof path, "gl.map"), &m, &errs), WB_OK);
    assert_string_equal(buf_str(&errs), "");
    assert_string_equal(glmap_lookup(m, "Order", "ItemPrice", "Principal"), "4000-sales");
    assert_string_equal(glmap_lookup(m, "Order", "ItemFees", "FBAPerUnitFulfillmentFee"),
                        "6120-fulfilment-fees");
    assert_string_equal(glmap_lookup(m, "Order", "ItemFees", "Commission"),
                        "6100-amazon-selling-fees");
    assert_string_equal(glmap_lookup(m, "Refund", "ItemFees", "RefundCommission"),
                        "6110-refund-administration-fees");
    assert_string_equal(
        glmap_lookup(m, "other-transaction", "other-transaction", "Current Reserve Amount"),
        "1310-amazon-reserve");
    assert_null(glmap_lookup(m, "Order", "ItemPrice", "principal")); /* case counts */
    assert_null(glmap_lookup(m, "NewType", "X", "Y"));
    glmap_free(m);
    buf_free(&errs);
}

/* test_wildcards - '*', '?' and '[...]' in any of the three; the first matching rule wins */
static void test_wildcards(void **state)
{
    (void)state;
    struct glmap *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(parse("Order | ItemFees | FBAPerUnitFulfillmentFee = 6121\n"
                           "*     | ItemFees | FBA*    = 6120\n"
                           "*     | ItemFees | *       = 6100\n"
                           "Ref?nd | Item[PF]* | *Tax = 2200\n"
                           "* | * | * = 9999\n",
                           &m, &errs),
                     WB_OK);
    assert_int_equal(glmap_count(m), 5);
    assert_string_equal(glmap_lookup(m, "Order", "ItemFees", "FBAPerUnitFulfillmentFee"), "6121");
    assert_string_equal(glmap_lookup(m, "Refund", "ItemFees", "FBAWeightBasedFee"), "6120");
    assert_string_equal(glmap_lookup(m, "Order", "ItemFees", "Commission"), "6100");
    assert_string_equal(glmap_lookup(m, "Refund", "ItemPrice", "ShippingTax"), "2200");
    assert_string_equal(glmap_lookup(m, "Refund", "ItemFees", "ShippingTax"), "6100");
    assert_string_equal(glmap_lookup(m, "Refund", "Promotion", "ShippingTax"), "9999");
    assert_string_equal(glmap_lookup(m, "", "x", "y"), "9999"); /* '*' takes the empty text */
    glmap_free(m);
    buf_free(&errs);
}

/* test_errors - every bad line is named by number; nothing half loaded */
static void test_errors(void **state)
{
    (void)state;
    struct glmap *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(parse("Order | ItemPrice | Principal\n"            /* no account */
                           "Order | ItemPrice = 4000\n"                 /* two patterns */
                           "Order |  | Principal = 4000\n"              /* empty pattern */
                           "Order | ItemPrice | Principal = \n"         /* empty account */
                           "Order | ItemPrice | Principal = a|b\n"      /* '|' in account */
                           "Order | ItemPrice | Principal = 4000\n"     /* fine */
                           "Order | ItemPrice | Principal = 4001 # x\n" /* the same patterns */
                           ,
                           &m, &errs),
                     WB_CONFIG);
    assert_null(m);
    const char *e = buf_str(&errs);
    for (int line = 1; line <= 7; line++) {
        char want[32];
        snprintf(want, sizeof want, "gl.map:%d:", line);
        if (line == 6)
            assert_null(strstr(e, want));
        else
            assert_non_null(strstr(e, want));
    }
    assert_non_null(strstr(e, "line 6"));
    buf_reset(&errs);
    assert_int_equal(parse("# only comments\n\n", &m, &errs), WB_CONFIG);
    assert_non_null(strstr(buf_str(&errs), "no rules"));
    glmap_free(m);
    buf_free(&errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_wildcards),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
