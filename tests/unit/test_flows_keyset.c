/*
 * test_flows_keyset.c - the bounded duplicate window of `convert`: keys are
 * found with the line they were first seen on for at least the window,
 * fingerprint collisions are never taken for duplicates, generations turn
 * over, and the part hash tells part boundaries apart. Pure: memory only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/wb.h"
#include "flows/keyset.h"

/* key_hash - the hash of "key-N" as one part */
static uint64_t key_hash(long n)
{
    char key[32];
    const char *p = key;
    size_t len = (size_t)snprintf(key, sizeof key, "key-%ld", n);
    return keyset_hash_parts(&p, &len, 1);
}

/* test_basic - a repeated key gives the line of its first sighting */
static void test_basic(void **state)
{
    (void)state;
    struct keyset k;
    assert_int_equal(keyset_init(&k, 100), WB_OK);
    assert_int_equal(keyset_check_add(&k, "026-1|1|T", 2), 0);
    assert_int_equal(keyset_check_add(&k, "026-1|2|T", 3), 0);
    assert_int_equal(keyset_check_add(&k, "026-1|1|T", 4), 2);
    assert_int_equal(keyset_check_add(&k, "026-1|2|T", 5), 3);
    assert_int_equal(keyset_check_add(&k, "026-1|1|T", 6), 2);
    keyset_free(&k);
}

/* test_bad_window - windows the index cannot address are refused */
static void test_bad_window(void **state)
{
    (void)state;
    struct keyset k;
    assert_int_equal(keyset_init(&k, 0), WB_BADARG);
    assert_int_equal(keyset_init(&k, KEYSET_WINDOW_MAX + 1), WB_BADARG);
    assert_int_equal(keyset_init(&k, KEYSET_WINDOW_MAX), WB_OK);
    keyset_free(&k);
}

/* test_window - after many more keys than the window, the last window keys are all found */
static void test_window(void **state)
{
    (void)state;
    const long window = 1000, total = 50000;
    struct keyset k;
    assert_int_equal(keyset_init(&k, (size_t)window), WB_OK);
    for (long i = 0; i < total; i++)
        assert_int_equal(keyset_check_hash(&k, key_hash(i), i + 1), 0);
    for (long i = total - window; i < total; i++)
        assert_int_equal(keyset_check_hash(&k, key_hash(i), total + 1), i + 1);
    keyset_free(&k);
}

/* test_full_window - the largest window keeps all of its keys across generations */
static void test_full_window(void **state)
{
    (void)state;
    const long window = KEYSET_WINDOW_MAX, total = 3 * KEYSET_WINDOW_MAX + 123;
    struct keyset k;
    assert_int_equal(keyset_init(&k, (size_t)window), WB_OK);
    for (long i = 0; i < total; i++)
        assert_int_equal(keyset_check_hash(&k, key_hash(i), i + 1), 0);
    long found = 0;
    for (long i = total - window; i < total; i++)
        found += keyset_check_hash(&k, key_hash(i), total + 1) == i + 1;
    assert_int_equal(found, window);
    keyset_free(&k);
}

/* test_recurring - keys that keep coming back keep their first line */
static void test_recurring(void **state)
{
    (void)state;
    struct keyset k;
    assert_int_equal(keyset_init(&k, 4096), WB_OK);
    for (long i = 0; i < 200000; i++) {
        long first = keyset_check_hash(&k, key_hash(i % 3000), i + 1);
        assert_int_equal(first, i < 3000 ? 0 : i % 3000 + 1);
    }
    keyset_free(&k);
}

/* test_fingerprint_collision - same slot and fingerprint, different hash: not a duplicate */
static void test_fingerprint_collision(void **state)
{
    (void)state;
    struct keyset k;
    assert_int_equal(keyset_init(&k, 1024), WB_OK);
    const uint64_t a = 0xABCD000000000005ULL, b = 0xABCD000100000005ULL, c = 0xABCD800000000005ULL;
    assert_int_equal(keyset_check_hash(&k, a, 10), 0);
    assert_int_equal(keyset_check_hash(&k, b, 11), 0);
    assert_int_equal(keyset_check_hash(&k, c, 12), 0);
    assert_int_equal(keyset_check_hash(&k, b, 13), 11);
    assert_int_equal(keyset_check_hash(&k, a, 14), 10);
    assert_int_equal(keyset_check_hash(&k, c, 15), 12);
    keyset_free(&k);
}

/* test_hash_parts - part boundaries count; equal parts hash alike; never 0 */
static void test_hash_parts(void **state)
{
    (void)state;
    const char *p1[] = {"ab", "c", ""}, *p2[] = {"a", "bc", ""}, *p3[] = {"ab", "c", ""};
    const size_t l1[] = {2, 1, 0}, l2[] = {1, 2, 0};
    assert_int_not_equal(keyset_hash_parts(p1, l1, 3), keyset_hash_parts(p2, l2, 3));
    assert_int_equal(keyset_hash_parts(p1, l1, 3), keyset_hash_parts(p3, l1, 3));
    assert_int_not_equal(keyset_hash_parts(p1, l1, 3), keyset_hash_parts(p1, l1, 2));
    const char *longp[] = {"026-1234567-1234567", "12345678901234", "TRK12345678901GB"};
    const char *longq[] = {"026-1234567-1234567", "12345678901234", "TRK12345678901GC"};
    const size_t ll[] = {19, 14, 16};
    assert_int_not_equal(keyset_hash_parts(longp, ll, 3), keyset_hash_parts(longq, ll, 3));
    /* no collisions among many similar keys */
    struct keyset k;
    assert_int_equal(keyset_init(&k, KEYSET_WINDOW_MAX), WB_OK);
    for (long i = 0; i < 60000; i++) {
        char order[48], item[32];
        snprintf(order, sizeof order, "026-%07ld-%07ld", i / 3, i % 7);
        snprintf(item, sizeof item, "%014ld", i);
        const char *parts[] = {order, item, "TRK1"};
        const size_t lens[] = {strlen(order), strlen(item), 4};
        uint64_t h = keyset_hash_parts(parts, lens, 3);
        assert_true(h != 0);
        assert_int_equal(keyset_check_hash(&k, h, i + 1), 0);
    }
    keyset_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),      cmocka_unit_test(test_bad_window),
        cmocka_unit_test(test_window),     cmocka_unit_test(test_full_window),
        cmocka_unit_test(test_recurring),  cmocka_unit_test(test_fingerprint_collision),
        cmocka_unit_test(test_hash_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
