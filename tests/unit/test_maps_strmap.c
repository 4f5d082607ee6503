/*
 * test_maps_strmap.c - unit tests for strmap (maps/): growth, exact keys,
 * length-bounded lookups, iteration. Owns nothing beyond its tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/wb.h"
#include "maps/strmap.h"

/* test_basic - put, get, duplicates, owned keys */
static void test_basic(void **state)
{
    (void)state;
    struct strmap *m = strmap_new(0);
    assert_non_null(m);
    int a = 1, b = 2;
    const char *owned = NULL;
    char key[8] = "DPD";
    assert_int_equal(strmap_put(m, key, &a, &owned), WB_OK);
    assert_ptr_not_equal(owned, key);
    key[0] = 'X'; /* the table keeps its own copy */
    assert_ptr_equal(strmap_get(m, "DPD"), &a);
    assert_null(strmap_get(m, "XPD"));
    assert_int_equal(strmap_put(m, "DPD", &b, NULL), WB_EXISTS);
    assert_ptr_equal(strmap_get(m, "DPD"), &a);
    assert_null(strmap_get(m, "dpd"));
    assert_null(strmap_get(m, "DPD "));
    assert_ptr_equal(strmap_getn(m, "DPD Local", 3), &a);
    assert_true(strmap_has(m, "DPDX", 3));
    assert_false(strmap_has(m, "DP", 2));
    assert_int_equal(strmap_put(m, "", &b, NULL), WB_OK);
    assert_ptr_equal(strmap_get(m, ""), &b);
    assert_int_equal(strmap_count(m), 2);
    assert_null(strmap_get(NULL, "x"));
    assert_null(strmap_get(m, NULL));
    strmap_free(m);
    strmap_free(NULL);
}

/* test_grow - many keys survive growth; iteration sees each once */
static void test_grow(void **state)
{
    (void)state;
    struct strmap *m = strmap_new(4);
    char key[32];
    static int vals[20000];
    for (int i = 0; i < 20000; i++) {
        vals[i] = i;
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(strmap_put(m, key, &vals[i], NULL), WB_OK);
    }
    assert_int_equal(strmap_count(m), 20000);
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_ptr_equal(strmap_get(m, key), &vals[i]);
    }
    size_t pos = 0, seen = 0;
    const char *k;
    void *v;
    long sum = 0;
    while (strmap_next(m, &pos, &k, &v)) {
        seen++;
        sum += *(int *)v;
    }
    assert_int_equal(seen, 20000);
    assert_int_equal(sum, 20000L * 19999 / 2);
    strmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
