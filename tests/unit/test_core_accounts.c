/*
 * test_core_accounts.c - seller accounts in the configuration (core/conf.c): the top-level
 * settings are the default account, `account.NAME.KEY` lines add others that take the
 * top-level value for what they leave empty, and a name or a seller given twice is refused.
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

#include "conf_testutil.h"

/* expect_in - assert that hay contains needle */
static void expect_in(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("expected '%s' in '%s'", needle, hay);
}

/* test_single_seller - a config without account lines is one account, the default */
static void test_single_seller(void **state)
{
    (void)state;
    struct wb_config c;
    struct buf errs;
    buf_init(&errs, 65536);
    assert_int_equal(
        conf_test_load("merchant_id = M1\nmarketplace_ids = A1F83G8C2ARO7P\n", &c, &errs), WB_OK);
    assert_int_equal(c.naccounts, 1);
    assert_string_equal(c.accounts[0].name, CONF_DEFAULT_ACCOUNT);
    assert_string_equal(c.accounts[0].merchant_id, "M1");
    assert_string_equal(c.accounts[0].sp_api_endpoint, c.sp_api_endpoint);
    assert_string_equal(c.accounts[0].credentials, c.credentials);
    assert_ptr_equal(conf_find_account(&c, "default"), &c.accounts[0]);
    assert_null(conf_find_account(&c, "acme"));
    conf_free(&c);
    buf_free(&errs);
}

/* test_two_sellers - named accounts inherit what they leave empty */
static void test_two_sellers(void **state)
{
    (void)state;
    struct wb_config c;
    struct buf errs;
    buf_init(&errs, 65536);
    assert_int_equal(
        conf_test_load("merchant_id = M1\n"
                       "account.acme.merchant_id = M2\n"
                       "account.acme.credentials = acme.cred\n"
                       "account.beta.merchant_id = M3\n"
                       "account.beta.sp_api_endpoint = https://sellingpartnerapi-na.amazon.com\n"
                       "account.beta.marketplace_ids = ATVPDKIKX0DER\n",
                       &c, &errs),
        WB_OK);
    assert_int_equal(c.naccounts, 3);
    const struct wb_account *a = conf_find_account(&c, "acme"), *b = conf_find_account(&c, "beta");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a->merchant_id, "M2");
    char p[256];
    snprintf(p, sizeof p, "%s/acme.cred", conf_test_dir);
    assert_string_equal(a->credentials, p);
    assert_string_equal(a->sp_api_endpoint, c.sp_api_endpoint);
    assert_string_equal(a->marketplace_ids, c.marketplace_ids);
    assert_string_equal(b->sp_api_endpoint, "https://sellingpartnerapi-na.amazon.com");
    assert_string_equal(b->marketplace_ids, "ATVPDKIKX0DER");
    assert_string_equal(b->credentials, c.credentials);
    struct buf out;
    buf_init(&out, 65536);
    assert_int_equal(conf_show(&c, 1, &out), WB_OK);
    expect_in(buf_str(&out), "account.acme.merchant_id = M2\n");
    expect_in(buf_str(&out), "account.beta.marketplace_ids = ATVPDKIKX0DER\n");
    buf_free(&out);
    conf_free(&c);
    buf_free(&errs);
}

/* test_refused - one seller twice, the reserved name, a missing seller id, a bad key */
static void test_refused(void **state)
{
    (void)state;
    struct wb_config c;
    struct buf errs;
    buf_init(&errs, 65536);
    assert_int_equal(conf_test_load("merchant_id = M1\naccount.acme.merchant_id = M1\n", &c, &errs),
                     WB_CONFIG);
    expect_in(buf_str(&errs), "account.acme.merchant_id: seller M1 is already account default");
    conf_free(&c);
    assert_int_equal(
        conf_test_load("merchant_id = M1\naccount.default.merchant_id = M2\n", &c, &errs),
        WB_CONFIG);
    expect_in(buf_str(&errs), "c.conf:2: expected account.NAME.KEY");
    conf_free(&c);
    assert_int_equal(conf_test_load("merchant_id = M1\naccount.acme.credentials = x\n", &c, &errs),
                     WB_CONFIG);
    expect_in(buf_str(&errs), "account.acme.merchant_id is required");
    conf_free(&c);
    assert_int_equal(conf_test_load("merchant_id = M1\naccount.acme.merchnt_id = M2\n", &c, &errs),
                     WB_CONFIG);
    expect_in(buf_str(&errs), "did you mean 'merchant_id'?");
    conf_free(&c);
    assert_int_equal(
        conf_test_load(
            "merchant_id = M1\naccount.acme.merchant_id = M2\naccount.acme.lwa_endpoint = x\n", &c,
            &errs),
        WB_CONFIG);
    expect_in(buf_str(&errs), "account.acme.lwa_endpoint: 'x' is not an http(s) URL");
    conf_free(&c);
    assert_int_equal(
        conf_test_load("merchant_id = M1\naccount.ac/me.merchant_id = M2\n", &c, &errs), WB_CONFIG);
    expect_in(buf_str(&errs), "c.conf:2: expected account.NAME.KEY");
    conf_free(&c);
    assert_int_equal(conf_test_load("merchant_id = M1\naccount.a.b.merchant_id = M2\n", &c, &errs),
                     WB_CONFIG);
    expect_in(buf_str(&errs), "c.conf:2: expected account.NAME.KEY");
    conf_free(&c);
    static const char remote[] = "merchant_id = M1\naccount.acme.merchant_id = M2\n"
                                 "remote.w.host = h\nremote.w.user = u\nremote.w.flow = f\n"
                                 "remote.w.fingerprint = SHA256:x\n";
    char text[512];
    snprintf(text, sizeof text, "%sremote.w.account = acme\n", remote);
    assert_int_equal(conf_test_load(text, &c, &errs), WB_OK);
    assert_string_equal(c.remotes[0].account, "acme");
    conf_free(&c);
    assert_int_equal(conf_test_load(remote, &c, &errs), WB_OK);
    assert_string_equal(c.remotes[0].account, CONF_DEFAULT_ACCOUNT);
    conf_free(&c);
    snprintf(text, sizeof text, "%sremote.w.account = acne\n", remote);
    assert_int_equal(conf_test_load(text, &c, &errs), WB_CONFIG);
    expect_in(buf_str(&errs), "remote.w.account: there is no account 'acne'");
    conf_free(&c);
    buf_free(&errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_seller),
        cmocka_unit_test(test_two_sellers),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, conf_test_setup, conf_test_teardown);
}
