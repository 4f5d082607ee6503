/*
 * test_net_ratelimit.c - unit tests of the token buckets across a refill, on
 * the bucket's own clock (ratelimit_acquire_at): after the burst is spent a
 * token comes back exactly after 1/rate seconds, never earlier, the wait it
 * announces is the time to that token, a long pause refills to the burst and
 * no further, and the low-priority reserve is kept across a refill.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/wb.h"
#include "net/ratelimit.h"

/* spend - take every token of op at t, return how many were taken */
static int spend(struct ratelimit *rl, const char *op, int prio, long long t)
{
    long w;
    int n = 0;
    while (ratelimit_acquire_at(rl, op, prio, t, &w) == WB_OK)
        n++;
    return n;
}

/* test_refill_after_burst - getFeed (2/s, burst 15): one token per 500 ms once the burst is spent
 */
static void test_refill_after_burst(void **state)
{
    (void)state;
    struct ratelimit *rl;
    long w = -1;
    assert_int_equal(ratelimit_new(&rl, 1.0), WB_OK);
    assert_int_equal(spend(rl, "getFeed", RATELIMIT_HIGH, 10000), 15);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 10000, &w), WB_AGAIN);
    assert_int_equal(w, 500);
    /* a tenth of the interval earns a fifth of a token at most: no token for 250 or 375 ms */
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 10050, &w), WB_AGAIN);
    assert_in_range(w, 450, 451);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 10250, &w), WB_AGAIN);
    assert_in_range(w, 250, 251);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 10375, &w), WB_AGAIN);
    assert_in_range(w, 125, 126);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 10500, &w), WB_OK);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 10500, &w), WB_AGAIN);
    assert_int_equal(w, 500);
    /* four seconds later: eight tokens, not more */
    assert_int_equal(spend(rl, "getFeed", RATELIMIT_HIGH, 14500), 8);
    ratelimit_free(rl);
}

/* test_slow_operation_refill - createFeed (0.0083/s): the next feed after the burst is allowed
 * after 120.48 s, not before */
static void test_slow_operation_refill(void **state)
{
    (void)state;
    struct ratelimit *rl;
    long w = -1;
    assert_int_equal(ratelimit_new(&rl, 1.0), WB_OK);
    assert_int_equal(spend(rl, "createFeed", RATELIMIT_HIGH, 0), 15);
    assert_int_equal(ratelimit_acquire_at(rl, "createFeed", RATELIMIT_HIGH, 0, &w), WB_AGAIN);
    assert_in_range(w, 120481, 120482);
    assert_int_equal(ratelimit_acquire_at(rl, "createFeed", RATELIMIT_HIGH, 12048, &w), WB_AGAIN);
    assert_int_equal(ratelimit_acquire_at(rl, "createFeed", RATELIMIT_HIGH, 120000, &w), WB_AGAIN);
    assert_int_equal(ratelimit_acquire_at(rl, "createFeed", RATELIMIT_HIGH, 120482, &w), WB_OK);
    ratelimit_free(rl);
}

/* test_refill_caps_at_burst - an hour idle refills to the burst and no further */
static void test_refill_caps_at_burst(void **state)
{
    (void)state;
    struct ratelimit *rl;
    double tokens = 0;
    assert_int_equal(ratelimit_new(&rl, 1.0), WB_OK);
    assert_int_equal(spend(rl, "confirmShipment", RATELIMIT_HIGH, 0), 10);
    assert_int_equal(spend(rl, "confirmShipment", RATELIMIT_HIGH, 3600000), 10);
    assert_int_equal(ratelimit_info(rl, "confirmShipment", NULL, NULL, &tokens), WB_OK);
    assert_true(tokens < 1.0);
    ratelimit_free(rl);
}

/* test_scale_and_header_refill - WB_RATE_SCALE multiplies the refill rate; a header rate is
 * taken as is */
static void test_scale_and_header_refill(void **state)
{
    (void)state;
    struct ratelimit *rl;
    long w = -1;
    assert_int_equal(ratelimit_new(&rl, 4.0), WB_OK);
    /* getFeed at 8/s: one token per 125 ms */
    assert_int_equal(spend(rl, "getFeed", RATELIMIT_HIGH, 0), 15);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 0, &w), WB_AGAIN);
    assert_int_equal(w, 125);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 62, &w), WB_AGAIN);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 250, &w), WB_OK);
    /* the server's 0.5/s from a header: one token per 2 s from an empty bucket */
    assert_int_equal(ratelimit_header(rl, "getFeed", "0.5"), WB_OK);
    assert_int_equal(ratelimit_drain(rl, "getFeed"), WB_OK);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 5000, &w), WB_AGAIN);
    assert_int_equal(w, 2000);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 6000, &w), WB_AGAIN);
    assert_int_equal(w, 1000);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 7000, &w), WB_OK);
    ratelimit_free(rl);
}

/* test_low_reserve_across_refill - inventory (low) leaves ceil(burst/5) tokens: after the refill
 * of one token, tracking (high) may take it and inventory may not */
static void test_low_reserve_across_refill(void **state)
{
    (void)state;
    struct ratelimit *rl;
    long w = -1;
    assert_int_equal(ratelimit_new(&rl, 1.0), WB_OK);
    /* getFeed: burst 15, reserve 3 */
    assert_int_equal(spend(rl, "getFeed", RATELIMIT_LOW, 0), 12);
    assert_int_equal(spend(rl, "getFeed", RATELIMIT_HIGH, 0), 3);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_LOW, 500, &w), WB_AGAIN);
    assert_int_equal(w, 1500); /* four tokens needed, one there */
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 500, &w), WB_OK);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_LOW, 2000, &w), WB_AGAIN);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_LOW, 2500, &w), WB_OK);
    ratelimit_free(rl);
}

/* test_buckets_per_owner - shared tables: one owner's calls spend that owner's quota only,
 * and a later process of the same owner finds its spent buckets */
static void test_buckets_per_owner(void **state)
{
    (void)state;
    assert_int_equal(ratelimit_share_open(1.0), WB_OK);
    struct ratelimit *a, *b, *a2, *dflt;
    assert_int_equal(ratelimit_new_for(&a, 1.0, "seller-a"), WB_OK);
    assert_int_equal(ratelimit_new_for(&b, 1.0, "seller-b"), WB_OK);
    assert_int_equal(ratelimit_new(&dflt, 1.0), WB_OK);
    assert_ptr_not_equal(a, b);
    assert_ptr_not_equal(a, dflt);
    assert_int_equal(ratelimit_drain(a, "createFeed"), WB_OK);
    double rate, burst, tokens;
    assert_int_equal(ratelimit_info(b, "createFeed", &rate, &burst, &tokens), WB_OK);
    assert_true(tokens == burst); /* seller b's quota untouched */
    assert_int_equal(ratelimit_info(dflt, "createFeed", &rate, &burst, &tokens), WB_OK);
    assert_true(tokens == burst);
    assert_int_equal(ratelimit_new_for(&a2, 1.0, "seller-a"), WB_OK);
    assert_ptr_equal(a2, a);
    assert_int_equal(ratelimit_info(a2, "createFeed", &rate, &burst, &tokens), WB_OK);
    assert_true(tokens < 1);
    char longname[RATELIMIT_OWNER_MAX + 1];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    struct ratelimit *bad;
    assert_int_equal(ratelimit_new_for(&bad, 1.0, longname), WB_BADARG);
    ratelimit_free(a);
    ratelimit_free(a2);
    ratelimit_free(b);
    ratelimit_free(dflt);
    ratelimit_share_close();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refill_after_burst),
        cmocka_unit_test(test_slow_operation_refill),
        cmocka_unit_test(test_refill_caps_at_burst),
        cmocka_unit_test(test_scale_and_header_refill),
        cmocka_unit_test(test_low_reserve_across_refill),
        cmocka_unit_test(test_buckets_per_owner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
