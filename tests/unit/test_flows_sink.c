/*
 * test_flows_sink.c - the sink choice (flows/sink.c): dispatch_via per account (its own value,
 * else the top-level one), feed and api whatever the batch, auto by dispatch_api_max orders;
 * the config refuses other values; Amazon's repeat answer is told from other refusals.
 * Owns only its temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/wb.h"
#include "flows/sink.h"
#include "net/spapi.h"

#include "conf_testutil.h"

/* test_choose - feed and api whatever the size; auto: api for 1..max orders, else feed */
static void test_choose(void **state)
{
    (void)state;
    assert_ptr_equal(sink_choose(SINK_FEED, 30, 1), &sink_feed_ops);
    assert_ptr_equal(sink_choose(SINK_FEED, 30, 100000), &sink_feed_ops);
    assert_ptr_equal(sink_choose(SINK_API, 30, 1), &sink_api_ops);
    assert_ptr_equal(sink_choose(SINK_API, 30, 100000), &sink_api_ops);
    assert_ptr_equal(sink_choose(SINK_AUTO, 30, 1), &sink_api_ops);
    assert_ptr_equal(sink_choose(SINK_AUTO, 30, 30), &sink_api_ops);
    assert_ptr_equal(sink_choose(SINK_AUTO, 30, 31), &sink_feed_ops);
    assert_ptr_equal(sink_choose(SINK_AUTO, 30, 0), &sink_feed_ops);
    assert_ptr_equal(sink_choose(SINK_AUTO, 1, 2), &sink_feed_ops);
    assert_string_equal(sink_feed_ops.name, "feed");
    assert_string_equal(sink_api_ops.name, "api");
}

/* test_parse - the three words and nothing else */
static void test_parse(void **state)
{
    (void)state;
    enum sink_via v = SINK_AUTO;
    assert_int_equal(sink_via_parse("feed", &v), WB_OK);
    assert_int_equal(v, SINK_FEED);
    assert_int_equal(sink_via_parse("api", &v), WB_OK);
    assert_int_equal(v, SINK_API);
    assert_int_equal(sink_via_parse("auto", &v), WB_OK);
    assert_int_equal(v, SINK_AUTO);
    assert_int_equal(sink_via_parse("API", &v), WB_BADARG);
    assert_int_equal(sink_via_parse("", &v), WB_BADARG);
    assert_int_equal(sink_via_parse("feeds", &v), WB_BADARG);
    assert_int_equal(sink_via_parse(NULL, &v), WB_BADARG);
    assert_int_equal(v, SINK_AUTO);
    assert_int_equal(sink_via_of(NULL, NULL), SINK_FEED);
}

/* test_per_account - defaults, the top-level value inherited, an account's own value */
static void test_per_account(void **state)
{
    (void)state;
    struct wb_config c;
    struct buf errs;
    buf_init(&errs, 65536);
    assert_int_equal(conf_test_load("merchant_id = M1\naccount.acme.merchant_id = M2\n", &c, &errs),
                     WB_OK);
    assert_int_equal(sink_via_of(&c, &c.accounts[0]), SINK_FEED);
    assert_int_equal(sink_via_of(&c, conf_find_account(&c, "acme")), SINK_FEED);
    assert_int_equal(c.dispatch_api_max, 30);
    conf_free(&c);
    assert_int_equal(
        conf_test_load("merchant_id = M1\ndispatch_via = auto\ndispatch_api_max = 5\n"
                       "account.acme.merchant_id = M2\naccount.acme.dispatch_via = api\n"
                       "account.beta.merchant_id = M3\n",
                       &c, &errs),
        WB_OK);
    assert_int_equal(sink_via_of(&c, &c.accounts[0]), SINK_AUTO);
    assert_int_equal(sink_via_of(&c, conf_find_account(&c, "acme")), SINK_API);
    assert_int_equal(sink_via_of(&c, conf_find_account(&c, "beta")), SINK_AUTO);
    assert_int_equal(c.dispatch_api_max, 5);
    struct buf out;
    buf_init(&out, 65536);
    assert_int_equal(conf_show(&c, 1, &out), WB_OK);
    assert_non_null(strstr(buf_str(&out), "account.acme.dispatch_via = api\n"));
    buf_free(&out);
    conf_free(&c);
    assert_int_equal(conf_test_load("merchant_id = M1\ndispatch_via = API\n", &c, &errs),
                     WB_CONFIG);
    assert_non_null(strstr(buf_str(&errs), "dispatch_via: 'API' is not feed, api or auto"));
    conf_free(&c);
    assert_int_equal(conf_test_load("merchant_id = M1\naccount.acme.merchant_id = M2\n"
                                    "account.acme.dispatch_via = sometimes\n",
                                    &c, &errs),
                     WB_CONFIG);
    assert_non_null(
        strstr(buf_str(&errs), "account.acme.dispatch_via: 'sometimes' is not feed, api or auto"));
    conf_free(&c);
    assert_int_equal(conf_test_load("merchant_id = M1\ndispatch_api_max = 0\n", &c, &errs),
                     WB_CONFIG);
    conf_free(&c);
    buf_free(&errs);
}

/* test_repeat_answer - a 400 saying "already" is the repeat answer; nothing else is */
static void test_repeat_answer(void **state)
{
    (void)state;
    struct spapi_refusal r = {.status = 400, .code = "InvalidInput"};
    snprintf(r.message, sizeof r.message,
             "The shipment of order 026-1234567-1234567 with tracking number X has already been "
             "confirmed.");
    assert_int_equal(sink_repeat_answer(&r), 1);
    snprintf(r.message, sizeof r.message, "Order ALREADY shipped");
    assert_int_equal(sink_repeat_answer(&r), 1);
    snprintf(r.message, sizeof r.message, "quantity 60 is greater than the quantity ordered.");
    assert_int_equal(sink_repeat_answer(&r), 0);
    r.status = 404;
    snprintf(r.message, sizeof r.message, "already");
    assert_int_equal(sink_repeat_answer(&r), 0);
    r.status = 429;
    assert_int_equal(sink_repeat_answer(&r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choose),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_per_account),
        cmocka_unit_test(test_repeat_answer),
    };
    return cmocka_run_group_tests(tests, conf_test_setup, conf_test_teardown);
}
