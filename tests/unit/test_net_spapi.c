/*
 * test_net_spapi.c - unit tests of the SP-API client's pure parts: token
 * buckets and priority reserve, backoff math and classification, JSON
 * response parsers, identifier checks, URL redaction, credentials file
 * checks and the LWA form body. No network; never exits on its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/wb.h"
#include "net/http.h"
#include "net/lwa.h"
#include "net/ratelimit.h"
#include "net/retry.h"
#include "net/spapi.h"
#include "net/spapi_json.h"

/* test_bucket_burst_then_wait - a full bucket gives burst tokens, then says how long */
static void test_bucket_burst_then_wait(void **state)
{
    (void)state;
    struct ratelimit *rl;
    assert_int_equal(ratelimit_new(&rl, 1.0), WB_OK);
    long w = -1;
    for (int i = 0; i < 15; i++)
        assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 1000, &w), WB_OK);
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 1000, &w), WB_AGAIN);
    assert_int_equal(w, 500); /* 2 per second */
    assert_int_equal(ratelimit_acquire_at(rl, "getFeed", RATELIMIT_HIGH, 1500, &w), WB_OK);
    /* createFeed: 0.0083/s -> about 120 s per token */
    for (int i = 0; i < 15; i++)
        assert_int_equal(ratelimit_acquire_at(rl, "createFeed", RATELIMIT_HIGH, 0, &w), WB_OK);
    assert_int_equal(ratelimit_acquire_at(rl, "createFeed", RATELIMIT_HIGH, 0, &w), WB_AGAIN);
    assert_in_range(w, 120400, 120500);
    /* unknown operations are a caller error; token endpoint is unlimited */
    assert_int_equal(ratelimit_acquire_at(rl, "nope", RATELIMIT_HIGH, 0, &w), WB_BADARG);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ratelimit_acquire_at(rl, "token", RATELIMIT_LOW, 0, &w), WB_OK);
    ratelimit_free(rl);
}

/* test_bucket_shared_across_fork - with a shared table, a forked job's calls count for the
 * next job: the child spends createFeed's burst, the parent then has to wait */
static void test_bucket_shared_across_fork(void **state)
{
    (void)state;
    assert_int_equal(ratelimit_share_open(1.0), WB_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct ratelimit *c;
        long w;
        int ok = ratelimit_new(&c, 1.0) == WB_OK;
        for (int i = 0; ok && i < 15; i++)
            ok = ratelimit_acquire(c, "createFeed", RATELIMIT_HIGH, &w) == WB_OK;
        ratelimit_free(c);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct ratelimit *rl;
    long w = 0;
    assert_int_equal(ratelimit_new(&rl, 1.0), WB_OK);
    assert_int_equal(ratelimit_acquire(rl, "createFeed", RATELIMIT_HIGH, &w), WB_AGAIN);
    assert_true(w > 100000); /* about two minutes for the next token */
    ratelimit_free(rl);
    /* another scale is a table of its own */
    assert_int_equal(ratelimit_new(&rl, 2.0), WB_OK);
    assert_int_equal(ratelimit_acquire(rl, "createFeed", RATELIMIT_HIGH, &w), WB_OK);
    ratelimit_free(rl);
    ratelimit_share_close();
    /* closed: private tables again */
    assert_int_equal(ratelimit_new(&rl, 1.0), WB_OK);
    assert_int_equal(ratelimit_acquire(rl, "createFeed", RATELIMIT_HIGH, &w), WB_OK);
    ratelimit_free(rl);
}

/* test_bucket_priority_reserve - low priority leaves ceil(burst/5) tokens for tracking */
static void test_bucket_priority_reserve(void **state)
{
    (void)state;
    struct ratelimit *rl;
    assert_int_equal(ratelimit_new(&rl, 1.0), WB_OK);
    long w;
    int low = 0;
    while (ratelimit_acquire_at(rl, "createFeed", RATELIMIT_LOW, 0, &w) == WB_OK)
        low++;
    assert_int_equal(low, 12); /* burst 15, reserve 3 */
    assert_true(w > 0);
    int high = 0;
    while (ratelimit_acquire_at(rl, "createFeed", RATELIMIT_HIGH, 0, &w) == WB_OK)
        high++;
    assert_int_equal(high, 3);
    /* patchListingsItem burst 5 -> reserve 1 */
    low = 0;
    while (ratelimit_acquire_at(rl, "patchListingsItem", RATELIMIT_LOW, 0, &w) == WB_OK)
        low++;
    assert_int_equal(low, 4);
    /* low must wait for reserve + 1 tokens: 4 tokens at 5/s after emptying */
    assert_int_equal(ratelimit_acquire_at(rl, "patchListingsItem", RATELIMIT_HIGH, 0, &w), WB_OK);
    assert_int_equal(ratelimit_acquire_at(rl, "patchListingsItem", RATELIMIT_LOW, 0, &w), WB_AGAIN);
    assert_int_equal(w, 400);
    assert_int_equal(ratelimit_acquire_at(rl, "patchListingsItem", RATELIMIT_HIGH, 0, &w),
                     WB_AGAIN);
    assert_int_equal(w, 200);
    ratelimit_free(rl);
}

/* test_bucket_scale_header_drain - scale, x-amzn-RateLimit-Limit and drain after 429 */
static void test_bucket_scale_header_drain(void **state)
{
    (void)state;
    struct ratelimit *rl;
    double rate, burst, tokens;
    assert_int_equal(ratelimit_new(&rl, 100.0), WB_OK);
    assert_int_equal(ratelimit_info(rl, "createFeed", &rate, &burst, &tokens), WB_OK);
    assert_true(rate > 0.82 && rate < 0.84);
    assert_true(burst == 15 && tokens == 15);
    assert_int_equal(ratelimit_header(rl, "createFeed", "0.5"), WB_OK);
    ratelimit_info(rl, "createFeed", &rate, NULL, NULL);
    assert_true(rate == 0.5);
    assert_int_equal(ratelimit_header(rl, "createFeed", "abc"), WB_BADARG);
    assert_int_equal(ratelimit_header(rl, "createFeed", "-1"), WB_BADARG);
    assert_int_equal(ratelimit_header(rl, "createFeed", "nan"), WB_BADARG);
    ratelimit_info(rl, "createFeed", &rate, NULL, NULL);
    assert_true(rate == 0.5);
    assert_int_equal(ratelimit_drain(rl, "createFeed"), WB_OK);
    long w;
    assert_int_equal(ratelimit_acquire_at(rl, "createFeed", RATELIMIT_HIGH, 5000, &w), WB_AGAIN);
    assert_int_equal(w, 2000);
    ratelimit_free(rl);
    assert_int_equal(ratelimit_new(&rl, 0), WB_BADARG);
    setenv("WB_RATE_SCALE", "50", 1);
    assert_true(ratelimit_scale_env() == 50.0);
    setenv("WB_RATE_SCALE", "x", 1);
    assert_true(ratelimit_scale_env() == 1.0);
    setenv("WB_RATE_SCALE", "-3", 1);
    assert_true(ratelimit_scale_env() == 1.0);
    unsetenv("WB_RATE_SCALE");
    assert_true(ratelimit_scale_env() == 1.0);
}

/* test_bucket_wait_blocking - the blocking helper sleeps up to its max, then says WB_AGAIN */
static void test_bucket_wait_blocking(void **state)
{
    (void)state;
    struct ratelimit *rl;
    assert_int_equal(ratelimit_new(&rl, 1.0), WB_OK);
    long w;
    for (int i = 0; i < 5; i++)
        assert_int_equal(ratelimit_wait(rl, "patchListingsItem", RATELIMIT_HIGH, 0, &w), WB_OK);
    assert_int_equal(ratelimit_wait(rl, "patchListingsItem", RATELIMIT_HIGH, 50, &w), WB_AGAIN);
    assert_true(w > 50 && w <= 200);
    assert_int_equal(ratelimit_wait(rl, "patchListingsItem", RATELIMIT_HIGH, 1000, &w), WB_OK);
    assert_true(w <= 250);
    ratelimit_free(rl);
}

/* test_backoff_math - full jitter within min(cap, base*2^n); Retry-After honoured */
static void test_backoff_math(void **state)
{
    (void)state;
    struct retry_policy p = {.max_retries = 8, .base_ms = 500, .cap_ms = 60000};
    assert_int_equal(retry_backoff_ms(&p, 0, 0.0), 0);
    assert_int_equal(retry_backoff_ms(&p, 0, 0.999999), 499);
    assert_int_equal(retry_backoff_ms(&p, 3, 0.5), 2000);
    assert_int_equal(retry_backoff_ms(&p, 10, 0.5), 30000); /* capped at 60 s */
    assert_int_equal(retry_backoff_ms(&p, 1000, 0.5), 30000);
    assert_int_equal(retry_backoff_ms(&p, -5, 0.5), 250);
    retry_seed(42);
    for (int a = 0; a < 12; a++) {
        long d = retry_delay_ms(&p, a, -1);
        long ceiling = a < 7 ? 500L << a : 60000;
        assert_in_range(d, 0, ceiling - 1);
    }
    assert_true(retry_delay_ms(&p, 0, 7000) >= 7000);
}

/* test_policy_from_config - SP-API and SFTP take one policy from the config, with defaults */
static void test_policy_from_config(void **state)
{
    (void)state;
    struct retry_policy p;
    retry_policy_from_config(&p, NULL);
    assert_int_equal(p.max_retries, 0);
    assert_int_equal(p.base_ms, 500);
    assert_int_equal(p.cap_ms, 60000);
    struct wb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.retry_max = 3;
    cfg.retry_base_ms = 20;
    cfg.retry_cap_ms = 70;
    retry_policy_from_config(&p, &cfg);
    assert_int_equal(p.max_retries, 3);
    assert_int_equal(p.base_ms, 20);
    assert_int_equal(p.cap_ms, 70);
    for (int a = 0; a < 8; a++)
        assert_in_range(retry_delay_ms(&p, a, -1), 0, 69);
}

/* test_classify - which statuses retry, refresh or are terminal */
static void test_classify(void **state)
{
    (void)state;
    assert_int_equal(retry_classify(200, WB_OK, 0), RETRY_DONE);
    assert_int_equal(retry_classify(202, WB_OK, 0), RETRY_DONE);
    assert_int_equal(retry_classify(429, WB_OK, 0), RETRY_AGAIN);
    assert_int_equal(retry_classify(500, WB_OK, 0), RETRY_AGAIN);
    assert_int_equal(retry_classify(503, WB_OK, 0), RETRY_AGAIN);
    assert_int_equal(retry_classify(401, WB_OK, 0), RETRY_AUTH);
    assert_int_equal(retry_classify(403, WB_OK, 1), RETRY_AUTH);
    assert_int_equal(retry_classify(403, WB_OK, 0), RETRY_FATAL);
    assert_int_equal(retry_classify(400, WB_OK, 0), RETRY_FATAL);
    assert_int_equal(retry_classify(404, WB_OK, 0), RETRY_FATAL);
    assert_int_equal(retry_classify(0, WB_TEMPFAIL, 0), RETRY_AGAIN);
    assert_int_equal(retry_classify(0, WB_CONFIG, 0), RETRY_FATAL);
}

/* test_ids - identifiers safe for URL paths, types, statuses, times */
static void test_ids(void **state)
{
    (void)state;
    assert_true(spapi_id_ok("50012345"));
    assert_true(spapi_id_ok("amzn1.tortuga.4.eu.0a1b-2c_3d"));
    assert_false(spapi_id_ok(""));
    assert_false(spapi_id_ok(NULL));
    assert_false(spapi_id_ok(".."));
    assert_false(spapi_id_ok("a/b"));
    assert_false(spapi_id_ok("a?b"));
    assert_false(spapi_id_ok("a%2Fb"));
    assert_false(spapi_id_ok("a b"));
    char longid[200];
    memset(longid, 'a', sizeof longid);
    longid[128] = '\0';
    assert_true(spapi_id_ok(longid));
    longid[128] = 'a';
    longid[129] = '\0';
    assert_false(spapi_id_ok(longid));
    assert_true(spapi_type_ok("POST_ORDER_FULFILLMENT_DATA", 64));
    assert_false(spapi_type_ok("post_order", 64));
    assert_false(spapi_type_ok("A&B", 64));
    assert_true(spapi_status_ok("DONE"));
    assert_false(spapi_status_ok("done"));
    assert_int_equal(spapi_parse_time("2020-12-04T18:42:46Z"), 1607107366);
    assert_int_equal(spapi_parse_time("2020-12-04T18:42:46.749Z"), 1607107366);
    assert_int_equal(spapi_parse_time("2020-12-04T19:42:46+01:00"), 1607107366);
    assert_int_equal(spapi_parse_time("2020-12-04T18:42:46"), -1);
    assert_int_equal(spapi_parse_time("2020-13-04T18:42:46Z"), -1);
    assert_int_equal(spapi_parse_time("garbage"), -1);
}

/* test_parse_feed - a Feed object and its failure shapes */
static void test_parse_feed(void **state)
{
    (void)state;
    struct spapi_feed f;
    struct buf err;
    buf_init(&err, 4096);
    const char *ok = "{\"feedId\":\"50012\",\"feedType\":\"POST_ORDER_FULFILLMENT_DATA\","
                     "\"marketplaceIds\":[\"A1F83G8C2ARO7P\"],\"createdTime\":"
                     "\"2026-11-23T09:00:00Z\",\"processingStatus\":\"DONE\","
                     "\"resultFeedDocumentId\":\"amzn1.tortuga.3.abc\"}";
    assert_int_equal(spapi_parse_feed(ok, strlen(ok), &f, &err), WB_OK);
    assert_string_equal(f.feed_id, "50012");
    assert_string_equal(f.status, "DONE");
    assert_string_equal(f.result_doc_id, "amzn1.tortuga.3.abc");
    assert_int_equal(f.created, 1795424400);
    const char *bad[] = {
        "{\"feedId\":\"5/0\",\"feedType\":\"X\",\"createdTime\":\"2026-11-23T09:00:00Z\","
        "\"processingStatus\":\"DONE\"}",
        "{\"feedId\":\"5\",\"feedType\":\"X\",\"createdTime\":\"2026-11-23T09:00:00Z\","
        "\"processingStatus\":\"WEIRD\"}",
        "{\"feedId\":5,\"feedType\":\"X\",\"createdTime\":\"2026-11-23T09:00:00Z\","
        "\"processingStatus\":\"DONE\"}",
        "{\"feedId\":\"5\",\"feedType\":\"X\",\"processingStatus\":\"DONE\"}",
        "[1,2]",
    };
    for (size_t i = 0; i < WB_ARRAY_LEN(bad); i++) {
        buf_reset(&err);
        assert_int_equal(spapi_parse_feed(bad[i], strlen(bad[i]), &f, &err), WB_PERMFAIL);
        assert_true(err.len > 0);
    }
    assert_int_equal(spapi_parse_feed("{\"feedId\":", 10, &f, &err), WB_TEMPFAIL);
    assert_int_equal(spapi_parse_feed("", 0, &f, &err), WB_TEMPFAIL);
    const char *dup = "{\"feedId\":\"5\",\"feedId\":\"6\"}";
    assert_int_equal(spapi_parse_feed(dup, strlen(dup), &f, &err), WB_TEMPFAIL);
    buf_free(&err);
}

/* test_parse_feeds - pages append, nextToken comes back, limits hold */
static void test_parse_feeds(void **state)
{
    (void)state;
    struct spapi_feed *arr = NULL;
    size_t n = 0;
    char next[64];
    struct buf err;
    buf_init(&err, 4096);
    const char *p1 = "{\"feeds\":[{\"feedId\":\"1\",\"feedType\":\"JSON_LISTINGS_FEED\","
                     "\"createdTime\":\"2026-11-23T09:00:00Z\",\"processingStatus\":"
                     "\"IN_QUEUE\"},{\"feedId\":\"2\",\"feedType\":\"JSON_LISTINGS_FEED\","
                     "\"createdTime\":\"2026-11-23T09:00:01Z\",\"processingStatus\":"
                     "\"IN_PROGRESS\"}],\"nextToken\":\"tok+/=1\"}";
    const char *p2 = "{\"feeds\":[{\"feedId\":\"3\",\"feedType\":\"JSON_LISTINGS_FEED\","
                     "\"createdTime\":\"2026-11-23T09:00:02Z\",\"processingStatus\":"
                     "\"FATAL\"}]}";
    assert_int_equal(spapi_parse_feeds(p1, strlen(p1), &arr, &n, 10, next, sizeof next, &err),
                     WB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(next, "tok+/=1");
    assert_int_equal(spapi_parse_feeds(p2, strlen(p2), &arr, &n, 10, next, sizeof next, &err),
                     WB_OK);
    assert_int_equal(n, 3);
    assert_string_equal(next, "");
    assert_string_equal(arr[2].status, "FATAL");
    assert_int_equal(spapi_parse_feeds(p1, strlen(p1), &arr, &n, 4, next, sizeof next, &err),
                     WB_TOOBIG);
    assert_int_equal(n, 3);
    const char *p3 = "{\"feeds\":{}}";
    assert_int_equal(spapi_parse_feeds(p3, strlen(p3), &arr, &n, 10, next, sizeof next, &err),
                     WB_PERMFAIL);
    free(arr);
    buf_free(&err);
}

/* test_parse_document_and_errors - documents, created ids, error lists, token errors */
static void test_parse_document_and_errors(void **state)
{
    (void)state;
    struct buf err, url, out;
    buf_init(&err, 4096);
    buf_init(&url, 4096);
    buf_init(&out, 4096);
    char id[129];
    int gz = -1;
    const char *d = "{\"feedDocumentId\":\"amzn1.tortuga.3.x\",\"url\":"
                    "\"https://s3.example/doc?X-Amz-Signature=abc\",\"compressionAlgorithm\":"
                    "\"GZIP\"}";
    assert_int_equal(
        spapi_parse_document(d, strlen(d), "feedDocumentId", id, sizeof id, &url, &gz, &err),
        WB_OK);
    assert_string_equal(id, "amzn1.tortuga.3.x");
    assert_int_equal(gz, 1);
    assert_string_equal(buf_str(&url), "https://s3.example/doc?X-Amz-Signature=abc");
    const char *d2 = "{\"feedDocumentId\":\"x\",\"url\":\"ftp://h/doc\"}";
    assert_int_equal(
        spapi_parse_document(d2, strlen(d2), "feedDocumentId", id, sizeof id, &url, &gz, &err),
        WB_PERMFAIL);
    const char *d3 = "{\"feedDocumentId\":\"x\",\"url\":\"https://h/d\","
                     "\"compressionAlgorithm\":\"ZSTD\"}";
    assert_int_equal(
        spapi_parse_document(d3, strlen(d3), "feedDocumentId", id, sizeof id, &url, &gz, &err),
        WB_PERMFAIL);
    const char *c = "{\"feedId\":\"123456\"}";
    assert_int_equal(spapi_parse_id(c, strlen(c), "feedId", id, sizeof id, &err), WB_OK);
    assert_string_equal(id, "123456");
    assert_int_equal(spapi_parse_id(c, strlen(c), "reportId", id, sizeof id, &err), WB_PERMFAIL);
    int te = -1;
    const char *e1 = "{\"errors\":[{\"code\":\"InvalidInput\",\"message\":\"Invalid input\","
                     "\"details\":\"feedType is required\"}]}";
    assert_int_equal(spapi_parse_errors(e1, strlen(e1), &out, &te), WB_OK);
    assert_string_equal(buf_str(&out), "InvalidInput: Invalid input (feedType is required)");
    assert_int_equal(te, 0);
    buf_reset(&out);
    const char *e2 = "{\"errors\":[{\"code\":\"Unauthorized\",\"message\":\"Access to requested "
                     "resource is denied.\",\"details\":\"The access token you provided has "
                     "expired.\"}]}";
    assert_int_equal(spapi_parse_errors(e2, strlen(e2), &out, &te), WB_OK);
    assert_int_equal(te, 1);
    buf_reset(&out);
    const char *e3 = "{\"errors\":[{\"code\":\"Unauthorized\",\"message\":\"Access to requested "
                     "resource is denied.\",\"details\":\"\"}]}";
    assert_int_equal(spapi_parse_errors(e3, strlen(e3), &out, &te), WB_OK);
    assert_int_equal(te, 0); /* a role problem, not a token problem */
    buf_reset(&out);
    assert_int_equal(spapi_parse_errors("<html>", 6, &out, &te), WB_TEMPFAIL);
    assert_true(out.len > 0);
    buf_free(&err);
    buf_free(&url);
    buf_free(&out);
}

/* test_parse_refusal - the first error of confirmShipment's ErrorList: its code when it is a
 * plain word, its message and details in printable ASCII, cut to fit */
static void test_parse_refusal(void **state)
{
    (void)state;
    char code[64], text[80];
    const char *ok = "{\"errors\":[{\"code\":\"InvalidInput\",\"message\":\"PackageReferenceId: "
                     "is invalid\",\"details\":\"\"},{\"code\":\"Other\",\"message\":\"x\"}]}";
    assert_int_equal(spapi_parse_refusal(ok, strlen(ok), code, sizeof code, text, sizeof text),
                     WB_OK);
    assert_string_equal(code, "InvalidInput");
    assert_string_equal(text, "PackageReferenceId: is invalid");
    const char *det = "{\"errors\":[{\"code\":\"NotFound\",\"message\":\"gone\","
                      "\"details\":\"Order\\u0007 x\"}]}";
    assert_int_equal(spapi_parse_refusal(det, strlen(det), code, sizeof code, text, sizeof text),
                     WB_OK);
    assert_string_equal(code, "NotFound");
    assert_string_equal(text, "gone (Order? x)");
    const char *odd =
        "{\"errors\":[{\"code\":\"Bad Code\",\"message\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}";
    assert_int_equal(spapi_parse_refusal(odd, strlen(odd), code, sizeof code, text, sizeof text),
                     WB_OK);
    assert_string_equal(code, "");
    assert_int_equal(strlen(text), sizeof text - 1);
    const char *none = "{\"errors\":[]}";
    assert_int_equal(spapi_parse_refusal(none, strlen(none), code, sizeof code, text, sizeof text),
                     WB_PERMFAIL);
    assert_int_equal(spapi_parse_refusal("<html>", 6, code, sizeof code, text, sizeof text),
                     WB_TEMPFAIL);
    assert_string_equal(code, "");
}
/* test_report_parse - a Report object */
static void test_report_parse(void **state)
{
    (void)state;
    struct spapi_report r;
    struct buf err;
    buf_init(&err, 1024);
    const char *j = "{\"reportId\":\"987\",\"reportType\":"
                    "\"GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2\",\"createdTime\":"
                    "\"2026-11-23T09:00:00+00:00\",\"processingStatus\":\"DONE\","
                    "\"reportDocumentId\":\"amzn1.spdoc.1.4.eu.x\"}";
    assert_int_equal(spapi_parse_report(j, strlen(j), &r, &err), WB_OK);
    assert_string_equal(r.doc_id, "amzn1.spdoc.1.4.eu.x");
    assert_string_equal(r.status, "DONE");
    buf_free(&err);
}

/* test_reports_parse - a GetReportsResponse page: every report, or none when one is bad */
static void test_reports_parse(void **state)
{
    (void)state;
    struct spapi_report *r = NULL;
    size_t n = 9;
    struct buf err;
    buf_init(&err, 1024);
    const char *j = "{\"reports\":[{\"reportId\":\"1\",\"reportType\":\"GET_V2_SETTLEMENT_"
                    "REPORT_DATA_FLAT_FILE_V2\",\"createdTime\":\"2026-11-23T09:00:00+00:00\","
                    "\"processingStatus\":\"DONE\",\"reportDocumentId\":\"d1\"},"
                    "{\"reportId\":\"2\",\"reportType\":\"GET_V2_SETTLEMENT_REPORT_DATA_FLAT_"
                    "FILE_V2\",\"createdTime\":\"2026-11-24T09:00:00Z\",\"processingStatus\":"
                    "\"DONE\",\"reportDocumentId\":\"d2\"}],\"nextToken\":\"x\"}";
    assert_int_equal(spapi_parse_reports(j, strlen(j), &r, &n, 100, &err), WB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(r[1].report_id, "2");
    assert_string_equal(r[1].doc_id, "d2");
    free(r);
    assert_int_equal(spapi_parse_reports(j, strlen(j), &r, &n, 1, &err), WB_TOOBIG);
    assert_null(r);
    assert_int_equal(n, 0);
    const char *bad = "{\"reports\":[{\"reportId\":\"1/..\",\"reportType\":\"X\","
                      "\"createdTime\":\"2026-11-24T09:00:00Z\",\"processingStatus\":\"DONE\"}]}";
    assert_int_not_equal(spapi_parse_reports(bad, strlen(bad), &r, &n, 100, &err), WB_OK);
    assert_null(r);
    const char *none = "{\"reports\":[]}";
    assert_int_equal(spapi_parse_reports(none, strlen(none), &r, &n, 100, &err), WB_OK);
    assert_int_equal(n, 0);
    const char *noarr = "{\"payload\":[]}";
    assert_int_equal(spapi_parse_reports(noarr, strlen(noarr), &r, &n, 100, &err), WB_PERMFAIL);
    buf_free(&err);
}

/* test_redact_url - query strings and userinfo never reach a log line */
static void test_redact_url(void **state)
{
    (void)state;
    char out[256];
    http_redact_url("https://s3.example/bucket/doc?X-Amz-Signature=secret&a=b", out, sizeof out);
    assert_string_equal(out, "https://s3.example/bucket/doc?...");
    http_redact_url("https://user:pw@host/path", out, sizeof out);
    assert_string_equal(out, "https://host/path");
    http_redact_url("https://user:pw@host/p?q=1", out, sizeof out);
    assert_string_equal(out, "https://host/p?...");
    http_redact_url("https://host/p", out, sizeof out);
    assert_string_equal(out, "https://host/p");
    http_redact_url(NULL, out, sizeof out);
    assert_string_equal(out, "-");
}

/* write_creds - a credentials file with the given mode */
static void write_creds(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* test_creds_file - mode, ownership, keys and duplicates */
static void test_creds_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/wbnetXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/credentials", dir);
    const char *good = "# LWA\nclient_id = amzn1.application-oa2-client.x\n"
                       "client_secret=sec+ret/1\n  refresh_token = Atzr|abc  \n"
                       "sftp.wms.identity = /etc/key\n";
    struct lwa_creds c;
    struct buf err;
    buf_init(&err, 4096);
    write_creds(path, good, 0600);
    assert_int_equal(lwa_creds_load(path, &c, &err), WB_OK);
    assert_string_equal(c.client_id, "amzn1.application-oa2-client.x");
    assert_string_equal(c.client_secret, "sec+ret/1");
    assert_string_equal(c.refresh_token, "Atzr|abc");
    /* form body: escaped, every field present */
    struct buf form;
    buf_init(&form, 4096);
    assert_int_equal(lwa_form_body(&c, &form), WB_OK);
    assert_string_equal(buf_str(&form), "grant_type=refresh_token&refresh_token=Atzr%7Cabc&"
                                        "client_id=amzn1.application-oa2-client.x&"
                                        "client_secret=sec%2Bret%2F1");
    buf_free(&form);
    lwa_creds_free(&c);
    assert_null(c.client_secret);
    write_creds(path, good, 0400);
    assert_int_equal(lwa_creds_load(path, &c, &err), WB_OK);
    lwa_creds_free(&c);
    write_creds(path, good, 0640);
    buf_reset(&err);
    assert_int_equal(lwa_creds_load(path, &c, &err), WB_CONFIG);
    assert_non_null(strstr(buf_str(&err), "0640"));
    assert_non_null(strstr(buf_str(&err), path));
    assert_null(strstr(buf_str(&err), "sec+ret")); /* never the secret */
    write_creds(path, good, 0604);
    assert_int_equal(lwa_creds_load(path, &c, &err), WB_CONFIG);
    write_creds(path, "client_id = a\nclient_secret = b\n", 0600);
    buf_reset(&err);
    assert_int_equal(lwa_creds_load(path, &c, &err), WB_CONFIG);
    assert_non_null(strstr(buf_str(&err), "refresh_token"));
    write_creds(path, "client_id = a\nclient_id = b\nclient_secret=c\nrefresh_token=d\n", 0600);
    assert_int_equal(lwa_creds_load(path, &c, &err), WB_CONFIG);
    write_creds(path, "client_id = a b\nclient_secret=c\nrefresh_token=d\n", 0600);
    assert_int_equal(lwa_creds_load(path, &c, &err), WB_CONFIG);
    write_creds(path, "client_id\n", 0600);
    assert_int_equal(lwa_creds_load(path, &c, &err), WB_CONFIG);
    /* a symbolic link is refused */
    char link[160];
    snprintf(link, sizeof link, "%s/link", dir);
    write_creds(path, good, 0600);
    assert_int_equal(symlink(path, link), 0);
    buf_reset(&err);
    assert_int_equal(lwa_creds_load(link, &c, &err), WB_CONFIG);
    assert_non_null(strstr(buf_str(&err), "symbolic link"));
    unlink(link);
    assert_int_equal(lwa_creds_load("/nonexistent/creds", &c, &err), WB_CONFIG);
    unlink(path);
    rmdir(dir);
    buf_free(&err);
}

/* test_token_parse - LWA token responses */
static void test_token_parse(void **state)
{
    (void)state;
    char tok[LWA_TOKEN_MAX];
    long ex;
    struct buf err;
    buf_init(&err, 1024);
    const char *ok = "{\"access_token\":\"Atza|IQEBLjAsAh\",\"refresh_token\":\"Atzr|x\","
                     "\"token_type\":\"bearer\",\"expires_in\":3600}";
    assert_int_equal(lwa_parse_token(ok, strlen(ok), tok, sizeof tok, &ex, &err), WB_OK);
    assert_string_equal(tok, "Atza|IQEBLjAsAh");
    assert_int_equal(ex, 3600);
    const char *bad[] = {"{\"access_token\":\"\"}",
                         "{\"access_token\":\"a b\"}",
                         "{\"access_token\":\"x\",\"expires_in\":-1}",
                         "{\"access_token\":\"x\",\"token_type\":\"mac\"}",
                         "{\"error\":\"invalid_grant\"}",
                         "[]",
                         "nope"};
    for (size_t i = 0; i < WB_ARRAY_LEN(bad); i++) {
        buf_reset(&err);
        assert_int_equal(lwa_parse_token(bad[i], strlen(bad[i]), tok, sizeof tok, &ex, &err),
                         WB_PERMFAIL);
        assert_null(strstr(buf_str(&err), "x\""));
    }
    buf_free(&err);
}

/* test_open_refuses_insecure - tls_verify = no without WB_TEST_INSECURE, plain http remote */
static void test_open_refuses_insecure(void **state)
{
    (void)state;
    struct wb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.sp_api_endpoint = "https://sellingpartnerapi-eu.amazon.com";
    cfg.lwa_endpoint = "https://api.amazon.com/auth/o2/token";
    cfg.marketplace_ids = "A1F83G8C2ARO7P";
    cfg.ca_file = "";
    cfg.tls_verify = 0;
    cfg.http_timeout = 5;
    cfg.retry_max = 1;
    cfg.retry_base_ms = 1;
    cfg.retry_cap_ms = 10;
    struct lwa_creds c = {"id", "secret", "refresh"};
    struct spapi *s = NULL;
    struct buf err;
    buf_init(&err, 1024);
    unsetenv("WB_TEST_INSECURE");
    assert_int_equal(spapi_open(&s, &cfg, &c, &err), WB_CONFIG);
    assert_null(s);
    assert_non_null(strstr(buf_str(&err), "tls_verify"));
    cfg.tls_verify = 1;
    cfg.sp_api_endpoint = "http://sellingpartnerapi-eu.amazon.com";
    assert_int_equal(spapi_open(&s, &cfg, &c, &err), WB_CONFIG);
    cfg.sp_api_endpoint = "https://sellingpartnerapi-eu.amazon.com";
    cfg.marketplace_ids = "A1F83G8C2ARO7P,bad id";
    assert_int_equal(spapi_open(&s, &cfg, &c, &err), WB_CONFIG);
    cfg.marketplace_ids = "A1F83G8C2ARO7P, A13V1IB3VIYZZH";
    assert_int_equal(spapi_open(&s, &cfg, &c, &err), WB_OK);
    /* identifiers are checked before any request */
    struct spapi_feed f;
    buf_reset(&err);
    assert_int_equal(spapi_get_feed(s, "../x", &f, &err), WB_BADARG);
    assert_int_equal(spapi_get_feed_document(s, "a?b", "/tmp", "x", &err), WB_BADARG);
    assert_int_equal(spapi_get_feed_document(s, "ab", "/tmp", "../x", &err), WB_BADARG);
    char id[64];
    assert_int_equal(spapi_create_feed(s, "bad type", "d", id, sizeof id, &err), WB_BADARG);
    spapi_close(s);
    cfg.tls_verify = 0;
    setenv("WB_TEST_INSECURE", "1", 1);
    assert_int_equal(spapi_open(&s, &cfg, &c, &err), WB_OK);
    spapi_close(s);
    unsetenv("WB_TEST_INSECURE");
    buf_free(&err);
}

static char closed_ep[64], closed_lwa[96];

/* closed_port - a loopback port nobody listens on (bound, then released) */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* loopback_cfg - a config whose endpoints are a closed loopback port (plain http: the tests'
 * switch is on) */
static void loopback_cfg(struct wb_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    setenv("WB_TEST_INSECURE", "1", 1);
    int port = closed_port();
    snprintf(closed_ep, sizeof closed_ep, "http://127.0.0.1:%d", port);
    snprintf(closed_lwa, sizeof closed_lwa, "http://127.0.0.1:%d/auth/o2/token", port);
    cfg->sp_api_endpoint = closed_ep;
    cfg->lwa_endpoint = closed_lwa;
    cfg->marketplace_ids = "A1F83G8C2ARO7P";
    cfg->ca_file = "";
    cfg->tls_verify = 1;
    cfg->http_timeout = 2;
    cfg->retry_max = 2;
    cfg->retry_base_ms = 1;
    cfg->retry_cap_ms = 5;
}

/* test_local_throttle - an empty bucket answers WB_AGAIN with the wait, before any request */
static void test_local_throttle(void **state)
{
    (void)state;
    struct wb_config cfg;
    loopback_cfg(&cfg);
    struct lwa_creds c = {"id", "secret", "refresh"};
    struct spapi *s;
    struct buf err;
    buf_init(&err, 1024);
    assert_int_equal(spapi_open(&s, &cfg, &c, &err), WB_OK);
    spapi_set_max_wait(s, 0);
    assert_int_equal(ratelimit_drain(spapi_ratelimit(s), "getFeed"), WB_OK);
    struct spapi_feed f;
    assert_int_equal(spapi_get_feed(s, "123", &f, &err), WB_AGAIN);
    assert_true(spapi_last_wait_ms(s) > 0);
    assert_non_null(strstr(buf_str(&err), "rate limit"));
    struct spapi_stats st;
    spapi_stats(s, &st);
    assert_int_equal(st.requests, 0);
    spapi_close(s);
    buf_free(&err);
}

/* test_connection_refused - transport errors retry retry_max times, then WB_TEMPFAIL */
static void test_connection_refused(void **state)
{
    (void)state;
    struct wb_config cfg;
    loopback_cfg(&cfg);
    struct lwa_creds c = {"id", "secret", "refresh"};
    struct spapi *s;
    struct buf err;
    buf_init(&err, 2048);
    assert_int_equal(spapi_open(&s, &cfg, &c, &err), WB_OK);
    struct spapi_feed f;
    assert_int_equal(spapi_get_feed(s, "123", &f, &err), WB_TEMPFAIL);
    assert_non_null(strstr(buf_str(&err), "gave up after 3 attempts"));
    assert_non_null(strstr(buf_str(&err), "connection failed"));
    assert_null(strstr(buf_str(&err), "secret"));
    struct spapi_stats st;
    spapi_stats(s, &st);
    assert_int_equal(st.retries, 2);
    /* presigned URLs: https, or plain http to loopback only */
    buf_reset(&err);
    assert_int_equal(spapi_upload(s, "http://example.com/u?sig=1", "text/xml", "/dev/null", &err),
                     WB_BADARG);
    assert_null(strstr(buf_str(&err), "sig=1"));
    assert_int_equal(spapi_upload(s, "https://h/u", "text/xml", "/nonexistent", &err), WB_NOINPUT);
    spapi_close(s);
    buf_free(&err);
}

/* test_http_refusals - schemes other than http(s) and an unreadable ca_file */
static void test_http_refusals(void **state)
{
    (void)state;
    struct wb_config cfg;
    loopback_cfg(&cfg);
    struct http *h;
    struct buf err, resp;
    buf_init(&err, 1024);
    buf_init(&resp, 1024);
    assert_int_equal(http_open(&h, &cfg, &err), WB_OK);
    struct http_req rq = {.method = "GET", .url = "file:///etc/passwd", .resp = &resp};
    struct http_resp rs;
    assert_int_equal(http_request(h, &rq, &rs, &err), WB_BADARG);
    rq.url = "gopher://127.0.0.1/x";
    assert_int_equal(http_request(h, &rq, &rs, &err), WB_BADARG);
    char url[128];
    snprintf(url, sizeof url, "%s/x?token=abc", closed_ep);
    rq.url = url;
    buf_reset(&err);
    assert_int_equal(http_request(h, &rq, &rs, &err), WB_TEMPFAIL);
    assert_null(strstr(buf_str(&err), "token=abc"));
    assert_int_equal(rs.status, 0);
    http_close(h);
    cfg.ca_file = "/nonexistent/ca.pem";
    buf_reset(&err);
    assert_int_equal(http_open(&h, &cfg, &err), WB_CONFIG);
    assert_non_null(strstr(buf_str(&err), "/nonexistent/ca.pem"));
    buf_free(&err);
    buf_free(&resp);
}

/* main - run the group */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_burst_then_wait),
        cmocka_unit_test(test_bucket_priority_reserve),
        cmocka_unit_test(test_bucket_shared_across_fork),
        cmocka_unit_test(test_bucket_scale_header_drain),
        cmocka_unit_test(test_bucket_wait_blocking),
        cmocka_unit_test(test_backoff_math),
        cmocka_unit_test(test_policy_from_config),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_parse_feed),
        cmocka_unit_test(test_parse_feeds),
        cmocka_unit_test(test_parse_document_and_errors),
        cmocka_unit_test(test_parse_refusal),
        cmocka_unit_test(test_report_parse),
        cmocka_unit_test(test_reports_parse),
        cmocka_unit_test(test_redact_url),
        cmocka_unit_test(test_creds_file),
        cmocka_unit_test(test_token_parse),
        cmocka_unit_test(test_open_refuses_insecure),
        cmocka_unit_test(test_local_throttle),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_http_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
