/*
 * test_core_tz.c - unit tests of the one zone engine (core/tz.c) that the
 * schedule and the layouts' local dates share: offsets at instants, and the
 * instants of a local wall time across both clock changes of the year in
 * Europe/London, America/New_York and Australia/Sydney (whose summer is the
 * other half of the year), past the last listed transition (the footer rule),
 * and the TZ variable left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/tz.h"
#include "core/wb.h"

/* zone - the zone called name, which must load */
static const struct tz_zone *zone(const char *name)
{
    const struct tz_zone *z = NULL;
    struct buf err;
    buf_init(&err, 1024);
    if (tz_get(name, &z, &err) != WB_OK)
        fail_msg("%s: %s", name, buf_str(&err));
    buf_free(&err);
    return z;
}

/* civil - local wall time as seconds counted as if UTC */
static long long civil(int y, int mo, int d, int h, int mi)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (long long)timegm(&tm);
}

struct local_case {
    const char *zone;
    int y, mo, d, h, mi;
    int n;            /* instants */
    long long u0, u1; /* earliest first */
};

/* test_local_both_changes - gaps and repeats, spring and autumn, both hemispheres */
static void test_local_both_changes(void **state)
{
    (void)state;
    static const struct local_case cases[] = {
        {"Europe/London", 2026, 3, 29, 0, 30, 1, 1774744200, 0},
        {"Europe/London", 2026, 3, 29, 1, 30, 0, 0, 0}, /* skipped */
        {"Europe/London", 2026, 3, 29, 2, 30, 1, 1774747800, 0},
        {"Europe/London", 2026, 10, 25, 0, 30, 1, 1792884600, 0},
        {"Europe/London", 2026, 10, 25, 1, 30, 2, 1792888200, 1792891800}, /* repeated */
        {"Europe/London", 2026, 10, 25, 2, 30, 1, 1792895400, 0},
        {"Europe/London", 2080, 3, 31, 1, 30, 0, 0, 0}, /* footer rule */
        {"Europe/London", 2080, 10, 27, 1, 30, 2, 3497214600, 3497218200},
        {"America/New_York", 2026, 3, 8, 2, 30, 0, 0, 0},
        {"America/New_York", 2026, 3, 8, 3, 0, 1, 1772953200, 0},
        {"America/New_York", 2026, 11, 1, 1, 30, 2, 1793511000, 1793514600},
        {"America/New_York", 2026, 11, 1, 2, 0, 1, 1793516400, 0},
        {"Australia/Sydney", 2026, 10, 4, 2, 30, 0, 0, 0},
        {"Australia/Sydney", 2026, 10, 4, 3, 0, 1, 1791043200, 0},
        {"Australia/Sydney", 2026, 4, 5, 2, 30, 2, 1775316600, 1775320200},
        {"Australia/Sydney", 2026, 4, 5, 3, 0, 1, 1775322000, 0},
        {"UTC", 2026, 3, 29, 1, 30, 1, 1774747800, 0},
    };
    for (size_t i = 0; i < WB_ARRAY_LEN(cases); i++) {
        const struct local_case *k = &cases[i];
        long long c = civil(k->y, k->mo, k->d, k->h, k->mi), u[2] = {-1, -1};
        int n = tz_local(zone(k->zone), c, u);
        if (n != k->n || (n > 0 && u[0] != k->u0) || (n > 1 && u[1] != k->u1))
            fail_msg("%s %04d-%02d-%02d %02d:%02d: %d instant(s) %lld %lld, not %d %lld %lld",
                     k->zone, k->y, k->mo, k->d, k->h, k->mi, n, u[0], u[1], k->n, k->u0, k->u1);
        for (int j = 0; j < n; j++) /* each instant shows the wall time */
            assert_int_equal(u[j] + tz_offset(zone(k->zone), (time_t)u[j]), c);
    }
}

/* test_offsets - offsets on each side of a change, and zones that are not there */
static void test_offsets(void **state)
{
    (void)state;
    const struct tz_zone *z = zone("Europe/London");
    assert_int_equal(tz_offset(z, 1774744200 + 1799), 0);    /* 00:59:59 GMT */
    assert_int_equal(tz_offset(z, 1774744200 + 1800), 3600); /* 02:00 BST */
    z = zone("Australia/Sydney");
    assert_int_equal(tz_offset(z, 1782907200), 10 * 3600); /* July: winter */
    assert_int_equal(tz_offset(z, 1767268800), 11 * 3600); /* January: summer */
    const struct tz_zone *bad;
    struct buf err;
    buf_init(&err, 1024);
    assert_int_equal(tz_get("Europe/Nowhere", &bad, &err), WB_CONFIG);
    assert_non_null(strstr(buf_str(&err), "Europe/Nowhere"));
    assert_int_equal(tz_get("../etc/passwd", &bad, &err), WB_CONFIG);
    buf_free(&err);
}

/* test_many_zones - more zones than the cache holds load again on demand, TZ untouched */
static void test_many_zones(void **state)
{
    (void)state;
    setenv("TZ", "Asia/Tokyo", 1);
    static const char *const names[] = {
        "Europe/London", "Europe/Paris", "Europe/Berlin",    "America/Chicago",  "America/Denver",
        "Asia/Tokyo",    "Asia/Kolkata", "Australia/Sydney", "America/New_York", "Europe/Lisbon"};
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < WB_ARRAY_LEN(names); i++) {
            long long u[2];
            assert_true(tz_local(zone(names[i]), civil(2026, 7, 1, 12, 0), u) == 1);
        }
    assert_string_equal(getenv("TZ"), "Asia/Tokyo");
    unsetenv("TZ");
    tz_cache_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_both_changes),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_many_zones),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tz_cache_clear();
    return rc;
}
