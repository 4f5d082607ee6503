/*
 * test_net_spapi_live.c - the SP-API client against the simulator over HTTPS.
 *
 * Run by tests/integration/spapi_client.sh, which starts tests/sim/spapi_sim.py
 * with TLS and a throw-away CA and sets WB_SIM_URL (https://127.0.0.1:PORT),
 * WB_SIM_CA (the CA file) and WB_SIM_WORK (scratch dir); every test skips when
 * they are unset. Proves: token fetch and caching, a 10-feed lifecycle
 * (createFeedDocument, upload, createFeed, getFeed until DONE, getFeedDocument,
 * download) with measured calls and time, getFeeds, 429 storm recovery,
 * 500/503 retries and escalation, createFeed not resent after an ambiguous
 * 500, expired-token refresh on 401 and 403, a GZIP result document, terminal
 * 400/404 with Amazon's error code, a hung server timing out, a report
 * lifecycle, no secret in any debug log line, and TLS failure when the CA is
 * not given. Touches nothing
 * outside WB_SIM_WORK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/wb.h"
#include "net/http.h"
#include "net/lwa.h"
#include "net/spapi.h"

#define FEED_TYPE "POST_ORDER_FULFILLMENT_DATA"
#define XML_CT "text/xml; charset=UTF-8"

static const char *sim_url, *sim_ca, *work;
static char lwa_url[512];

/* live - 1 when the simulator environment is set */
static int live(void)
{
    sim_url = getenv("WB_SIM_URL");
    sim_ca = getenv("WB_SIM_CA");
    work = getenv("WB_SIM_WORK");
    if (!sim_url || !*sim_url || !sim_ca || !*sim_ca || !work || !*work)
        return 0;
    snprintf(lwa_url, sizeof lwa_url, "%s/auth/o2/token", sim_url);
    return 1;
}

/* config - a config for the simulator; ca NULL = no ca_file */
static void config(struct wb_config *cfg, const char *ca, long retry_max, long timeout)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->sp_api_endpoint = (char *)sim_url;
    cfg->lwa_endpoint = lwa_url;
    cfg->marketplace_ids = "A1F83G8C2ARO7P";
    cfg->ca_file = (char *)(ca ? ca : "");
    cfg->tls_verify = 1;
    cfg->http_timeout = timeout;
    cfg->retry_max = retry_max;
    cfg->retry_base_ms = 20;
    cfg->retry_cap_ms = 2000;
}

/* sim_post - POST a JSON body to a control endpoint of the simulator */
static void sim_post(const char *path, const char *json)
{
    struct wb_config cfg;
    config(&cfg, sim_ca, 0, 10);
    struct http *h;
    struct buf err, resp;
    buf_init(&err, 1024);
    buf_init(&resp, 1 << 20);
    assert_int_equal(http_open(&h, &cfg, &err), WB_OK);
    char url[512];
    snprintf(url, sizeof url, "%s%s", sim_url, path);
    const char *hdrs[] = {"Content-Type: application/json", NULL};
    struct http_req rq = {.method = "POST",
                          .url = url,
                          .headers = hdrs,
                          .body = json,
                          .body_len = strlen(json),
                          .resp = &resp};
    struct http_resp rs;
    assert_int_equal(http_request(h, &rq, &rs, &err), WB_OK);
    assert_int_equal(rs.status, 200);
    http_close(h);
    buf_free(&err);
    buf_free(&resp);
}

/* faults - set simulator faults (after resetting them) */
static void faults(const char *json)
{
    sim_post("/_sim/reset", "{\"state\":false,\"buckets\":true}");
    sim_post("/_sim/faults", json);
}

/* load_creds - write the simulator's credentials to a 0600 file and load it */
static void load_creds(struct lwa_creds *c)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/credentials", work);
    unlink(path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("client_id = amzn1.application-oa2-client.wmsbridgesim\n"
          "client_secret = wmsbridge-sim-secret\n"
          "refresh_token = Atzr|wmsbridge-sim-refresh-token\n",
          f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
    struct buf err;
    buf_init(&err, 1024);
    assert_int_equal(lwa_creds_load(path, c, &err), WB_OK);
    buf_free(&err);
}

/* open_session - a session on the simulator */
static struct spapi *open_session(long retry_max, long timeout)
{
    struct wb_config cfg;
    config(&cfg, sim_ca, retry_max, timeout);
    struct lwa_creds c;
    load_creds(&c);
    struct spapi *s = NULL;
    struct buf err;
    buf_init(&err, 1024);
    int rc = spapi_open(&s, &cfg, &c, &err);
    if (rc != WB_OK)
        print_error("spapi_open: %s\n", buf_str(&err));
    assert_int_equal(rc, WB_OK);
    lwa_creds_free(&c);
    buf_free(&err);
    return s;
}

/* write_feed - an OrderFulfillment feed with one message per order */
static void write_feed(const char *path, int n, int seq)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AmazonEnvelope "
               "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
               "xsi:noNamespaceSchemaLocation=\"amzn-envelope.xsd\"><Header><DocumentVersion>"
               "1.01</DocumentVersion><MerchantIdentifier>M_TEST</MerchantIdentifier></Header>"
               "<MessageType>OrderFulfillment</MessageType>\n");
    for (int i = 1; i <= n; i++)
        fprintf(f,
                "<Message><MessageID>%d</MessageID><OrderFulfillment><AmazonOrderID>"
                "026-%07d-%07d</AmazonOrderID><FulfillmentDate>2026-11-23T09:00:00Z"
                "</FulfillmentDate><FulfillmentData><CarrierCode>UPS</CarrierCode>"
                "<ShipperTrackingNumber>1Z%04d%06d</ShipperTrackingNumber></FulfillmentData>"
                "<Item><AmazonOrderItemCode>%014d</AmazonOrderItemCode><Quantity>1</Quantity>"
                "</Item></OrderFulfillment></Message>\n",
                i, 1000000 + seq, 1000000 + i, seq, i, 10000 + i);
    fprintf(f, "</AmazonEnvelope>\n");
    fclose(f);
}

/* submit - createFeedDocument, upload, createFeed; the feed id */
static int submit(struct spapi *s, int seq, char *feed_id, size_t n, struct buf *err)
{
    char path[1024], doc[SPAPI_ID_MAX + 1];
    snprintf(path, sizeof path, "%s/feed-%d.xml", work, seq);
    write_feed(path, 3, seq);
    struct buf url;
    buf_init(&url, 16384);
    int rc = spapi_create_feed_document(s, XML_CT, doc, sizeof doc, &url, err);
    if (rc == WB_OK)
        rc = spapi_upload(s, buf_str(&url), XML_CT, path, err);
    if (rc == WB_OK)
        rc = spapi_create_feed(s, FEED_TYPE, doc, feed_id, n, err);
    buf_free(&url);
    return rc;
}

/* wait_done - poll getFeed until a final status (bounded) */
static int wait_done(struct spapi *s, const char *feed_id, struct spapi_feed *f, struct buf *err)
{
    for (int i = 0; i < 200; i++) {
        int rc = spapi_get_feed(s, feed_id, f, err);
        if (rc != WB_OK)
            return rc;
        if (strcmp(f->status, "DONE") == 0 || strcmp(f->status, "FATAL") == 0 ||
            strcmp(f->status, "CANCELLED") == 0)
            return WB_OK;
        clock_sleep_ms(100);
    }
    return WB_TEMPFAIL;
}

/* file_has - 1 if the file at dir/name contains text */
static int file_has(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct buf b;
    buf_init(&b, 64 << 20);
    int ok = fs_read_file(path, &b) == WB_OK && strstr(buf_str(&b), text) != NULL;
    buf_free(&b);
    return ok;
}

/* test_token - one token fetched and cached across calls */
static void test_token(void **state)
{
    (void)state;
    if (!live())
        skip();
    faults("{}");
    struct spapi *s = open_session(3, 10);
    struct spapi_feed *arr = NULL;
    size_t n = 0;
    struct buf err;
    buf_init(&err, 4096);
    assert_int_equal(spapi_list_feeds(s, FEED_TYPE, 0, &arr, &n, &err), WB_OK);
    free(arr);
    assert_int_equal(spapi_list_feeds(s, "JSON_LISTINGS_FEED", clock_now() - 3600, &arr, &n, &err),
                     WB_OK);
    free(arr);
    assert_int_equal(spapi_list_feeds(s, NULL, 0, &arr, &n, &err), WB_BADARG);
    struct spapi_stats st;
    spapi_stats(s, &st);
    assert_int_equal(st.refreshes, 1);
    spapi_close(s);
    buf_free(&err);
}

/* test_lifecycle_10 - ten feeds submitted, processed and their reports fetched */
static void test_lifecycle_10(void **state)
{
    (void)state;
    if (!live())
        skip();
    faults("{}");
    struct spapi *s = open_session(3, 10);
    struct buf err;
    buf_init(&err, 4096);
    char ids[10][64];
    long long t0 = clock_mono_ms();
    for (int i = 0; i < 10; i++) {
        int rc = submit(s, i + 1, ids[i], sizeof ids[i], &err);
        if (rc != WB_OK)
            print_error("submit: %s\n", buf_str(&err));
        assert_int_equal(rc, WB_OK);
    }
    for (int i = 0; i < 10; i++) {
        struct spapi_feed f;
        assert_int_equal(wait_done(s, ids[i], &f, &err), WB_OK);
        assert_string_equal(f.status, "DONE");
        assert_true(f.result_doc_id[0] != '\0');
        char name[96];
        int nl = snprintf(name, sizeof name, "report-%.80s.xml", ids[i]);
        assert_true(nl > 0 && (size_t)nl < sizeof name);
        int rc = spapi_get_feed_document(s, f.result_doc_id, work, name, &err);
        if (rc != WB_OK)
            print_error("document: %s\n", buf_str(&err));
        assert_int_equal(rc, WB_OK);
        assert_true(file_has(work, name, "ProcessingReport"));
    }
    long long ms = clock_mono_ms() - t0;
    struct spapi_stats st;
    spapi_stats(s, &st);
    struct spapi_feed *arr = NULL;
    size_t n = 0;
    assert_int_equal(spapi_list_feeds(s, FEED_TYPE, clock_now() - 3600, &arr, &n, &err), WB_OK);
    assert_true(n >= 10);
    free(arr);
    fprintf(stderr,
            "lifecycle: 10 feeds, %ld calls, %ld HTTP requests, %ld retries, %ld tokens, "
            "%lld ms\n",
            st.calls, st.requests, st.retries, st.refreshes, ms);
    spapi_close(s);
    buf_free(&err);
}

/* test_429_storm - half the calls throttled: every call still succeeds */
static void test_429_storm(void **state)
{
    (void)state;
    if (!live())
        skip();
    faults("{}");
    struct spapi *s = open_session(8, 10);
    struct buf err;
    buf_init(&err, 4096);
    char id[64];
    assert_int_equal(submit(s, 100, id, sizeof id, &err), WB_OK);
    faults("{\"rate429\":0.5,\"seed\":7}");
    long long t0 = clock_mono_ms();
    for (int i = 0; i < 30; i++) {
        struct spapi_feed f;
        int rc = spapi_get_feed(s, id, &f, &err);
        if (rc != WB_OK)
            print_error("getFeed: %s\n", buf_str(&err));
        assert_int_equal(rc, WB_OK);
    }
    struct spapi_stats st;
    spapi_stats(s, &st);
    assert_true(st.throttled > 5);
    fprintf(stderr, "429 storm: 30 getFeed, %ld throttled, %ld retries, %lld ms\n", st.throttled,
            st.retries, clock_mono_ms() - t0);
    faults("{}");
    spapi_close(s);
    buf_free(&err);
}

/* test_5xx - 500/503 retried; escalation after retry_max; createFeed not resent */
static void test_5xx(void **state)
{
    (void)state;
    if (!live())
        skip();
    faults("{}");
    struct spapi *s = open_session(8, 10);
    struct buf err, url;
    buf_init(&err, 4096);
    buf_init(&url, 16384);
    char id[64], doc[SPAPI_ID_MAX + 1];
    assert_int_equal(submit(s, 200, id, sizeof id, &err), WB_OK);
    faults("{\"rate500\":0.25,\"rate503\":0.25,\"seed\":11}");
    for (int i = 0; i < 20; i++) {
        struct spapi_feed f;
        assert_int_equal(spapi_get_feed(s, id, &f, &err), WB_OK);
        assert_int_equal(spapi_create_feed_document(s, XML_CT, doc, sizeof doc, &url, &err), WB_OK);
    }
    struct spapi_stats st;
    spapi_stats(s, &st);
    assert_true(st.retries > 5);
    spapi_close(s);
    /* every answer a 500: escalate after retry_max */
    s = open_session(2, 10);
    faults("{}");
    assert_int_equal(spapi_create_feed_document(s, XML_CT, doc, sizeof doc, &url, &err), WB_OK);
    faults("{\"rate500\":1.0}");
    struct spapi_feed f;
    buf_reset(&err);
    assert_int_equal(spapi_get_feed(s, id, &f, &err), WB_TEMPFAIL);
    assert_non_null(strstr(buf_str(&err), "gave up after 3 attempts"));
    assert_non_null(strstr(buf_str(&err), "InternalFailure"));
    /* createFeed after a 500: outcome unknown, not resent */
    spapi_stats(s, &st);
    long before = st.requests;
    buf_reset(&err);
    assert_int_equal(spapi_create_feed(s, FEED_TYPE, doc, id, sizeof id, &err), WB_TEMPFAIL);
    assert_int_equal(spapi_outcome_unknown(s), 1);
    spapi_stats(s, &st);
    assert_int_equal(st.requests - before, 1);
    faults("{}");
    spapi_close(s);
    buf_free(&url);
    buf_free(&err);
}

/* expired - a token that expires mid-session is refreshed once */
static void expired(int status)
{
    faults("{}");
    struct spapi *s = open_session(3, 10);
    struct buf err;
    buf_init(&err, 4096);
    char id[64];
    assert_int_equal(submit(s, 300 + status, id, sizeof id, &err), WB_OK);
    char json[128];
    snprintf(json, sizeof json, "{\"expire_tokens\":true,\"expired_status\":%d}", status);
    faults(json);
    struct spapi_feed f;
    int rc = spapi_get_feed(s, id, &f, &err);
    if (rc != WB_OK)
        print_error("getFeed: %s\n", buf_str(&err));
    assert_int_equal(rc, WB_OK);
    struct spapi_stats st;
    spapi_stats(s, &st);
    assert_int_equal(st.refreshes, 2);
    faults("{}");
    spapi_close(s);
    buf_free(&err);
}

/* test_expired_401 - refresh on 401 */
static void test_expired_401(void **state)
{
    (void)state;
    if (!live())
        skip();
    expired(401);
}

/* test_expired_403 - refresh on 403 Unauthorized "token ... expired" */
static void test_expired_403(void **state)
{
    (void)state;
    if (!live())
        skip();
    expired(403);
}

/* test_gzip_result - a GZIP result document is stored decompressed */
static void test_gzip_result(void **state)
{
    (void)state;
    if (!live())
        skip();
    faults("{\"gzip\":true}");
    struct spapi *s = open_session(3, 10);
    struct buf err;
    buf_init(&err, 4096);
    char id[64];
    assert_int_equal(submit(s, 400, id, sizeof id, &err), WB_OK);
    struct spapi_feed f;
    assert_int_equal(wait_done(s, id, &f, &err), WB_OK);
    int rc = spapi_get_feed_document(s, f.result_doc_id, work, "gz-report.xml", &err);
    if (rc != WB_OK)
        print_error("document: %s\n", buf_str(&err));
    assert_int_equal(rc, WB_OK);
    assert_true(file_has(work, "gz-report.xml", "<?xml"));
    assert_true(file_has(work, "gz-report.xml", "ProcessingReport"));
    faults("{}");
    spapi_close(s);
    buf_free(&err);
}

/* test_terminal - 400 and 404 are WB_PERMFAIL with Amazon's code, no retries */
static void test_terminal(void **state)
{
    (void)state;
    if (!live())
        skip();
    faults("{}");
    struct spapi *s = open_session(5, 10);
    struct buf err, url;
    buf_init(&err, 4096);
    buf_init(&url, 16384);
    char doc[SPAPI_ID_MAX + 1], id[64];
    assert_int_equal(spapi_create_feed_document(s, XML_CT, doc, sizeof doc, &url, &err), WB_OK);
    assert_int_equal(
        spapi_create_feed(s, "POST_INVENTORY_AVAILABILITY_DATA", doc, id, sizeof id, &err),
        WB_PERMFAIL);
    assert_non_null(strstr(buf_str(&err), "InvalidInput"));
    assert_null(strstr(buf_str(&err), "Atza|"));
    buf_reset(&err);
    struct spapi_feed f;
    assert_int_equal(spapi_get_feed(s, "424242424242", &f, &err), WB_PERMFAIL);
    assert_non_null(strstr(buf_str(&err), "HTTP 404"));
    struct spapi_stats st;
    spapi_stats(s, &st);
    assert_int_equal(st.retries, 0);
    spapi_close(s);
    buf_free(&url);
    buf_free(&err);
}

/* test_timeout - a server that never answers: WB_TEMPFAIL after the timeout and retries */
static void test_timeout(void **state)
{
    (void)state;
    if (!live())
        skip();
    faults("{}");
    struct spapi *s = open_session(1, 1);
    struct buf err, url;
    buf_init(&err, 4096);
    buf_init(&url, 16384);
    char doc[SPAPI_ID_MAX + 1];
    assert_int_equal(spapi_create_feed_document(s, XML_CT, doc, sizeof doc, &url, &err), WB_OK);
    faults("{\"timeout_prob\":1.0,\"hang_ms\":5000}");
    long long t0 = clock_mono_ms();
    buf_reset(&err);
    assert_int_equal(spapi_create_feed_document(s, XML_CT, doc, sizeof doc, &url, &err),
                     WB_TEMPFAIL);
    long long ms = clock_mono_ms() - t0;
    assert_non_null(strstr(buf_str(&err), "timed out"));
    assert_in_range(ms, 1500, 4900);
    faults("{}");
    spapi_close(s);
    buf_free(&url);
    buf_free(&err);
}

/* test_report - createReport, getReport until DONE, getReportDocument */
static void test_report(void **state)
{
    (void)state;
    if (!live())
        skip();
    faults("{\"gzip\":true}");
    struct spapi *s = open_session(3, 10);
    struct buf err;
    buf_init(&err, 4096);
    char rid[64];
    assert_int_equal(spapi_create_report(s, "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
                                         clock_now() - 14 * 86400, clock_now() - 86400, rid,
                                         sizeof rid, &err),
                     WB_OK);
    struct spapi_report r;
    int i;
    for (i = 0; i < 200; i++) {
        assert_int_equal(spapi_get_report(s, rid, &r, &err), WB_OK);
        if (strcmp(r.status, "DONE") == 0 || strcmp(r.status, "FATAL") == 0 ||
            strcmp(r.status, "CANCELLED") == 0)
            break;
        clock_sleep_ms(100);
    }
    assert_string_equal(r.status, "DONE");
    int rc = spapi_get_report_document(s, r.doc_id, work, "settlement.tsv", &err);
    if (rc != WB_OK)
        print_error("report document: %s\n", buf_str(&err));
    assert_int_equal(rc, WB_OK);
    assert_true(file_has(work, "settlement.tsv", "settlement-id"));
    faults("{}");
    spapi_close(s);
    buf_free(&err);
}

static struct buf logged;

/* capture - log sink that keeps every line */
static void capture(int level, const char *line, void *arg)
{
    (void)level;
    (void)arg;
    buf_appends(&logged, line);
    buf_appendc(&logged, '\n');
}

/* test_no_secrets_in_logs - debug logs of a whole lifecycle hold no token, secret or signature */
static void test_no_secrets_in_logs(void **state)
{
    (void)state;
    if (!live())
        skip();
    faults("{\"gzip\":true}");
    buf_init(&logged, 16 << 20);
    log_set_min(LOG_DEBUG_L);
    log_set_sink(capture, NULL);
    struct spapi *s = open_session(3, 10);
    struct buf err;
    buf_init(&err, 4096);
    char id[64];
    assert_int_equal(submit(s, 500, id, sizeof id, &err), WB_OK);
    faults("{\"expire_tokens\":true,\"gzip\":true}");
    struct spapi_feed f;
    assert_int_equal(wait_done(s, id, &f, &err), WB_OK);
    assert_int_equal(spapi_get_feed_document(s, f.result_doc_id, work, "secret-check.xml", &err),
                     WB_OK);
    spapi_close(s);
    log_set_sink(NULL, NULL);
    log_set_min(LOG_WARN_L);
    const char *l = buf_str(&logged);
    assert_non_null(strstr(l, "op=createFeed"));
    assert_non_null(strstr(l, "event=token_refresh"));
    assert_null(strstr(l, "Atza|"));
    assert_null(strstr(l, "Atzr|"));
    assert_null(strstr(l, "wmsbridge-sim-secret"));
    assert_null(strstr(l, "sig="));
    assert_null(strstr(l, "expires="));
    assert_null(strstr(buf_str(&err), "sig="));
    faults("{}");
    buf_free(&logged);
    buf_free(&err);
}

/* test_tls_needs_ca - without the test CA the handshake must fail (verification is on) */
static void test_tls_needs_ca(void **state)
{
    (void)state;
    if (!live())
        skip();
    faults("{}");
    struct wb_config cfg;
    config(&cfg, NULL, 3, 10);
    struct lwa_creds c;
    load_creds(&c);
    struct spapi *s = NULL;
    struct buf err;
    buf_init(&err, 4096);
    assert_int_equal(spapi_open(&s, &cfg, &c, &err), WB_OK);
    struct spapi_feed f;
    assert_int_equal(spapi_get_feed(s, "1", &f, &err), WB_CONFIG);
    assert_non_null(strstr(buf_str(&err), "TLS verification failed"));
    struct spapi_stats st;
    spapi_stats(s, &st);
    assert_int_equal(st.retries, 0);
    spapi_close(s);
    lwa_creds_free(&c);
    buf_free(&err);
}

/* main - run the live group */
int main(void)
{
    const char *lv = getenv("WB_LOG_LEVEL");
    log_setup("test_net_spapi_live", lv ? log_level_parse(lv) : LOG_WARN_L, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_lifecycle_10),
        cmocka_unit_test(test_429_storm),
        cmocka_unit_test(test_5xx),
        cmocka_unit_test(test_expired_401),
        cmocka_unit_test(test_expired_403),
        cmocka_unit_test(test_gzip_result),
        cmocka_unit_test(test_terminal),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_no_secrets_in_logs),
        cmocka_unit_test(test_tls_needs_ca),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
