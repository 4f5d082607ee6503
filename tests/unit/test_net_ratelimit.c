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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refill_after_burst),
        cmocka_unit_test(test_slow_operation_refill),
        cmocka_unit_test(test_refill_caps_at_burst),
        cmocka_unit_test(test_scale_and_header_refill),
        cmocka_unit_test(test_low_reserve_across_refill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
