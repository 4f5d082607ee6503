/*
 * test_maps_stock.c - unit tests for the inventory flow's maps (maps/):
 * stock-states.map (sellable or not, exact, never guessed, near-miss hints)
 * and buffers.map (SKU over longest prefix over default), shipped and
 * hostile. Owns nothing beyond its memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/wb.h"
#include "maps/buffers.h"
#include "maps/stockstates.h"
#include "maps_testutil.h"

#define S16 "0123456789abcdef"
#define S65 S16 S16 S16 S16 "x"

/* states - parse text as stock-states.map */
static int states(const char *text, struct stockstates **m, struct buf *errs)
{
    return stockstates_parse_text("stock-states.map", text, strlen(text), m, errs);
}

/* buffers - parse text as buffers.map */
static int buffers(const char *text, struct buffers **m, struct buf *errs)
{
    return buffers_parse_text("buffers.map", text, strlen(text), m, errs);
}

/* test_shipped - the shipped maps load; quarantine and damaged stock are not sellable */
static void test_shipped(void **state)
{
    (void)state;
    char path[4096];
    struct buf errs;
    buf_init(&errs, 1 << 16);
    struct stockstates *s = NULL;
    assert_int_equal(
        stockstates_load(maps_test_etc(path, sizeof path, "stock-states.map"), &s, &errs), WB_OK);
    assert_string_equal(buf_str(&errs), "");
    assert_int_equal(stockstates_lookup(s, "AVAILABLE", 9), STOCK_SELLABLE);
    assert_int_equal(stockstates_lookup(s, "QUARANTINE", 10), STOCK_UNSELLABLE);
    assert_int_equal(stockstates_lookup(s, "DAMAGED", 7), STOCK_UNSELLABLE);
    assert_int_equal(stockstates_lookup(s, "RETURNS", 7), STOCK_UNSELLABLE);
    assert_int_equal(stockstates_lookup(s, "RECEIVED", 8), STOCK_UNSELLABLE);
    stockstates_free(s);
    struct buffers *b = NULL;
    assert_int_equal(buffers_load(maps_test_etc(path, sizeof path, "buffers.map"), &b, &errs),
                     WB_OK);
    assert_string_equal(buf_str(&errs), "");
    assert_int_equal(buffers_units(b, "MUG-BLUE-330"), 1);
    assert_int_equal(buffers_units(b, "TEAPOT-1L-WHITE"), 2);
    assert_int_equal(buffers_units(b, "OTHER"), 0);
    buffers_free(b);
    buf_free(&errs);
}

/* test_states - exact lookups, spaces inside a state, hints, and bad lines */
static void test_states(void **state)
{
    (void)state;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    struct stockstates *s = NULL;
    assert_int_equal(
        states("# c\nAVAILABLE sellable\nON HOLD  unsellable\nQC\tunsellable\n", &s, &errs), WB_OK);
    assert_int_equal(stockstates_count(s), 3);
    assert_int_equal(stockstates_lookup(s, "ON HOLD", 7), STOCK_UNSELLABLE);
    assert_int_equal(stockstates_lookup(s, "QC", 2), STOCK_UNSELLABLE);
    /* never guessed: case, blanks and prefixes are other states */
    assert_int_equal(stockstates_lookup(s, "available", 9), STOCK_UNKNOWN);
    assert_int_equal(stockstates_lookup(s, "AVAILABLE ", 10), STOCK_UNKNOWN);
    assert_int_equal(stockstates_lookup(s, "AVAIL", 5), STOCK_UNKNOWN);
    assert_int_equal(stockstates_lookup(s, "", 0), STOCK_UNKNOWN);
    assert_int_equal(stockstates_lookup(NULL, "AVAILABLE", 9), STOCK_UNKNOWN);
    assert_string_equal(stockstates_nearest(s, "AVAILABEL"), "AVAILABLE");
    assert_string_equal(stockstates_nearest(s, "Available"), "AVAILABLE");
    assert_null(stockstates_nearest(s, "SOMETHING ELSE"));
    stockstates_free(s);
    static const char *const bad[] = {
        "",                           /* nothing listed */
        "AVAILABLE\n",                /* no class */
        "AVAILABLE yes\n",            /* not a class */
        "A sellable\nA unsellable\n", /* twice */
        "sellable\n",                 /* no state */
        S65 " sellable\n",            /* over 64 characters */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_reset(&errs);
        s = NULL;
        if (states(bad[i], &s, &errs) != WB_CONFIG)
            fail_msg("accepted: '%s'", bad[i]);
        assert_null(s);
        assert_non_null(strstr(buf_str(&errs), "stock-states.map"));
    }
    /* without a place for the reasons, an empty map is refused all the same */
    s = NULL;
    assert_int_equal(states("# nothing\n", &s, NULL), WB_CONFIG);
    assert_null(s);
    buf_free(&errs);
}

/* test_buffers - SKU over longest prefix over default; bad lines */
static void test_buffers(void **state)
{
    (void)state;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    struct buffers *b = NULL;
    assert_int_equal(buffers("default 3\nprefix MUG- 2\nprefix MUG-BIG- 7\nsku MUG-BIG-1 0\n"
                             "sku SET 4 COASTERS 9\n",
                             &b, &errs),
                     WB_OK);
    assert_string_equal(buf_str(&errs), "");
    assert_int_equal(buffers_units(b, "MUG-BIG-1"), 0);
    assert_int_equal(buffers_units(b, "MUG-BIG-2"), 7);
    assert_int_equal(buffers_units(b, "MUG-1"), 2);
    assert_int_equal(buffers_units(b, "MU"), 3);
    assert_int_equal(buffers_units(b, "SET 4 COASTERS"), 9);
    assert_int_equal(buffers_units(NULL, "X"), 0);
    buffers_free(b);
    assert_int_equal(buffers("", &b, &errs), WB_OK);
    assert_int_equal(buffers_units(b, "X"), 0);
    buffers_free(b);
    static const char *const bad[] = {
        "default -1\n",
        "default 1.5\n",
        "default 1000001\n",
        "default\n",
        "sku A\n",
        "sku 5\n",
        "prefix 5\n",
        "sku A 1\nsku A 2\n",
        "prefix A 1\nprefix A 2\n",
        "default 1\ndefault 2\n",
        "bogus A 1\n",
        "sku A x\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_reset(&errs);
        b = NULL;
        if (buffers(bad[i], &b, &errs) != WB_CONFIG)
            fail_msg("accepted: '%s'", bad[i]);
        assert_null(b);
        assert_non_null(strstr(buf_str(&errs), "buffers.map:"));
    }
    buf_free(&errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_states),
        cmocka_unit_test(test_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
