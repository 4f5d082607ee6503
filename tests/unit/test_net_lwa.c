/*
 * test_net_lwa.c - unit tests of the access token's life on the controllable
 * monotonic clock (clock_mono_advance_ms): a token of expires_in seconds is
 * used until LWA_EXPIRY_MARGIN_S before its expiry and never after it; a
 * short-lived token is used for half its life; a forced refresh fetches a new
 * one. A forked loopback HTTP server plays the LWA token endpoint and numbers
 * the tokens it hands out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/conf.h"
#include "core/wb.h"
#include "net/http.h"
#include "net/lwa.h"

static pid_t server_pid = -1;
static char endpoint[96];

/* serve - the token endpoint: each request gets "tok-N" valid for expires_in seconds */
static void serve(int lfd, long expires_in)
{
    int n = 0;
    for (;;) {
        struct pollfd p = {lfd, POLLIN, 0};
        if (poll(&p, 1, 30000) <= 0)
            _exit(0); /* the test is gone */
        int c = accept(lfd, NULL, NULL);
        if (c < 0)
            continue;
        char req[8192];
        size_t got = 0;
        long body = -1;
        char *hend = NULL;
        while (got < sizeof req - 1) {
            ssize_t r = read(c, req + got, sizeof req - 1 - got);
            if (r <= 0)
                break;
            got += (size_t)r;
            req[got] = '\0';
            if (!hend && (hend = strstr(req, "\r\n\r\n")) != NULL) {
                const char *cl = strcasestr(req, "Content-Length:");
                body = cl ? strtol(cl + 15, NULL, 10) : 0;
            }
            if (hend && (long)(got - (size_t)(hend + 4 - req)) >= body)
                break;
        }
        char json[128], resp[512];
        int jl = snprintf(json, sizeof json,
                          "{\"access_token\":\"tok-%d\",\"token_type\":\"bearer\","
                          "\"expires_in\":%ld}",
                          ++n, expires_in);
        int rl = snprintf(resp, sizeof resp,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                          jl, json);
        if (write(c, resp, (size_t)rl) != rl)
            _exit(1);
        close(c);
    }
}

/* server_start - fork the token endpoint on a loopback port */
static void server_start(long expires_in)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 8), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d/auth/o2/token", ntohs(a.sin_port));
    server_pid = fork();
    assert_true(server_pid >= 0);
    if (server_pid == 0)
        serve(lfd, expires_in);
    close(lfd);
}

/* server_stop - end the endpoint */
static int server_stop(void **state)
{
    (void)state;
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    server_pid = -1;
    return 0;
}

/* client - an http client for the endpoint */
static struct http *client(void)
{
    struct wb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.lwa_endpoint = endpoint;
    cfg.ca_file = "";
    cfg.tls_verify = 1;
    cfg.http_timeout = 10;
    struct http *h = NULL;
    struct buf err;
    buf_init(&err, 1024);
    assert_int_equal(http_open(&h, &cfg, &err), WB_OK);
    buf_free(&err);
    return h;
}

/* token_is - lwa_token (not forced) answers WB_OK with the expected token */
static void token_is(struct lwa_cache *cache, struct http *h, const char *want)
{
    struct lwa_creds c = {"id", "secret", "refresh"};
    struct buf err;
    buf_init(&err, 1024);
    const char *tok = NULL;
    int rc = lwa_token(cache, h, endpoint, &c, 0, &tok, &err);
    if (rc != WB_OK)
        print_error("lwa_token: %s\n", buf_str(&err));
    assert_int_equal(rc, WB_OK);
    assert_non_null(tok);
    assert_string_equal(tok, want);
    buf_free(&err);
}

/* test_token_refreshed_before_expiry - an hour's token serves for 3540 s, then a new one */
static void test_token_refreshed_before_expiry(void **state)
{
    (void)state;
    server_start(3600);
    struct http *h = client();
    struct lwa_cache cache;
    memset(&cache, 0, sizeof cache);
    token_is(&cache, h, "tok-1");
    clock_mono_advance_ms((3600 - LWA_EXPIRY_MARGIN_S - 1) * 1000LL);
    token_is(&cache, h, "tok-1"); /* 3539 s old: still good */
    assert_int_equal(cache.refreshes, 1);
    clock_mono_advance_ms(1000);
    token_is(&cache, h, "tok-2"); /* 60 s before expiry: replaced */
    assert_int_equal(cache.refreshes, 2);
    /* the new token's life starts at its own fetch: at its expiry it is long replaced */
    clock_mono_advance_ms(3600 * 1000LL);
    token_is(&cache, h, "tok-3");
    assert_int_equal(cache.refreshes, 3);
    lwa_cache_clear(&cache);
    http_close(h);
}

/* test_token_never_used_at_expiry - at the moment Amazon's expiry comes, a new token is used */
static void test_token_never_used_at_expiry(void **state)
{
    (void)state;
    server_start(3600);
    struct http *h = client();
    struct lwa_cache cache;
    memset(&cache, 0, sizeof cache);
    token_is(&cache, h, "tok-1");
    clock_mono_advance_ms(3600 * 1000LL);
    token_is(&cache, h, "tok-2");
    lwa_cache_clear(&cache);
    http_close(h);
}

/* test_short_token_half_life - a token of 100 s (no room for the margin) serves for 50 s */
static void test_short_token_half_life(void **state)
{
    (void)state;
    server_start(100);
    struct http *h = client();
    struct lwa_cache cache;
    memset(&cache, 0, sizeof cache);
    token_is(&cache, h, "tok-1");
    clock_mono_advance_ms(49 * 1000LL);
    token_is(&cache, h, "tok-1");
    clock_mono_advance_ms(1000);
    token_is(&cache, h, "tok-2");
    /* forced: a new token at once */
    struct lwa_creds c = {"id", "secret", "refresh"};
    struct buf err;
    buf_init(&err, 1024);
    const char *tok = NULL;
    assert_int_equal(lwa_token(&cache, h, endpoint, &c, 1, &tok, &err), WB_OK);
    assert_string_equal(tok, "tok-3");
    buf_free(&err);
    lwa_cache_clear(&cache);
    http_close(h);
}

/* test_share_per_account - two sellers' tokens live side by side in the shared pages: a job
 * of either account takes its own account's token and fetches none */
static void test_share_per_account(void **state)
{
    (void)state;
    server_start(3600);
    assert_int_equal(lwa_share_open(), WB_OK);
    struct http *h = client();
    struct lwa_creds a = {"id", "secret", "refresh-seller-a"}, b = {"id", "secret", "refresh-b"};
    struct buf err;
    buf_init(&err, 1024);
    struct lwa_cache ca, cb, ca2, cb2;
    memset(&ca, 0, sizeof ca);
    memset(&cb, 0, sizeof cb);
    memset(&ca2, 0, sizeof ca2);
    memset(&cb2, 0, sizeof cb2);
    const char *tok = NULL;
    assert_int_equal(lwa_token(&ca, h, endpoint, &a, 0, &tok, &err), WB_OK);
    assert_string_equal(tok, "tok-1");
    assert_int_equal(lwa_token(&cb, h, endpoint, &b, 0, &tok, &err), WB_OK);
    assert_string_equal(tok, "tok-2");
    /* later jobs (fresh caches): each account's own token, none fetched */
    assert_int_equal(lwa_token(&ca2, h, endpoint, &a, 0, &tok, &err), WB_OK);
    assert_string_equal(tok, "tok-1");
    assert_int_equal(ca2.refreshes, 0);
    assert_int_equal(lwa_token(&cb2, h, endpoint, &b, 0, &tok, &err), WB_OK);
    assert_string_equal(tok, "tok-2");
    assert_int_equal(cb2.refreshes, 0);
    lwa_cache_clear(&ca);
    lwa_cache_clear(&cb);
    lwa_cache_clear(&ca2);
    lwa_cache_clear(&cb2);
    buf_free(&err);
    http_close(h);
    lwa_share_close();
}

int main(void)
{
    setenv("WB_TEST_INSECURE", "1", 1); /* the token endpoint here is plain http on loopback */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_token_refreshed_before_expiry, server_stop),
        cmocka_unit_test_teardown(test_token_never_used_at_expiry, server_stop),
        cmocka_unit_test_teardown(test_short_token_half_life, server_stop),
        cmocka_unit_test_teardown(test_share_per_account, server_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
