/*
 * test_net_urlrule.c - unit tests of where a request may go: https://
 * anywhere, plain http:// only to a loopback test peer and only under
 * WB_TEST_INSECURE=1; refused before any connection is made.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/wb.h"
#include "net/http.h"
#include "net/lwa.h"
#include "net/spapi.h"

/* test_url_rule - which URLs the transport takes, with the tests' switch off and on */
static void test_url_rule(void **state)
{
    (void)state;
    static const char *const never[] = {
        "http://sellingpartnerapi-eu.amazon.com",
        "http://api.amazon.com/auth/o2/token",
        "http://127.0.0.1@evil.example/",
        "http://127.evil.example/",
        "http://localhost.evil.example/",
        "http://[::1].evil.example/",
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
        "",
    };
    static const char *const test_only[] = {
        "http://127.0.0.1:8080", "http://127.0.0.1/x?y", "http://localhost:9/auth/o2/token",
        "http://[::1]:8443/",    "http://127.1.2.3",
    };
    for (int on = 0; on < 2; on++) {
        if (on)
            setenv("WB_TEST_INSECURE", "1", 1);
        else
            unsetenv("WB_TEST_INSECURE");
        assert_int_equal(http_test_insecure(), on);
        assert_true(http_url_allowed("https://sellingpartnerapi-eu.amazon.com"));
        assert_true(http_url_allowed("HTTPS://127.0.0.1:9"));
        assert_false(http_url_allowed(NULL));
        for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
            if (http_url_allowed(never[i]))
                fail_msg("allowed %s (switch %d)", never[i], on);
        }
        for (size_t i = 0; i < sizeof test_only / sizeof test_only[0]; i++) {
            if (http_url_allowed(test_only[i]) != on)
                fail_msg("%s: allowed %d with the switch %d", test_only[i], !on, on);
        }
    }
    unsetenv("WB_TEST_INSECURE");
}

/* test_refused_before_sending - no request and no session on plain http without the switch */
static void test_refused_before_sending(void **state)
{
    (void)state;
    unsetenv("WB_TEST_INSECURE");
    struct wb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.sp_api_endpoint = "http://127.0.0.1:9";
    cfg.lwa_endpoint = "http://127.0.0.1:9/auth/o2/token";
    cfg.marketplace_ids = "A1F83G8C2ARO7P";
    cfg.ca_file = "";
    cfg.tls_verify = 1;
    cfg.http_timeout = 2;
    struct buf err, resp;
    buf_init(&err, 1024);
    buf_init(&resp, 1024);
    struct lwa_creds c = {"id", "secret", "refresh"};
    struct spapi *s = NULL;
    assert_int_equal(spapi_open(&s, &cfg, &c, &err), WB_CONFIG);
    assert_null(s);
    assert_non_null(strstr(buf_str(&err), "https://"));
    struct http *h;
    assert_int_equal(http_open(&h, &cfg, &err), WB_OK);
    struct http_req rq = {.method = "POST", .url = cfg.lwa_endpoint, .resp = &resp};
    struct http_resp rs;
    buf_reset(&err);
    assert_int_equal(http_request(h, &rq, &rs, &err), WB_BADARG); /* port 9: never connected */
    assert_int_equal(rs.status, 0);
    assert_non_null(strstr(buf_str(&err), "only https://"));
    rq.url = "http://sellingpartnerapi-eu.amazon.com/feeds/2021-06-30/feeds";
    assert_int_equal(http_request(h, &rq, &rs, &err), WB_BADARG);
    http_close(h);
    buf_free(&err);
    buf_free(&resp);
}

/* main - run the group */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_rule),
        cmocka_unit_test(test_refused_before_sending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
