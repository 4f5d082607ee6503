/*
 * test_amazon_procreport.c - unit tests of the processing report reader.
 *
 * Covers: XML reports with real-world quirks (no declaration, &apos;, tabs,
 * gaps in MessageIDs, several Results per message, no AdditionalInfo, Latin-1
 * encoding, CDATA), bounded descriptions cut on a UTF-8 boundary, refusal of
 * DOCTYPE, external entities and billion laughs, the shared JSON example and
 * own JSON reports, flat-file reports, format sniffing and random garbage.
 * Must never write outside its temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "amazon/procreport.h"
#include "amazon/xsdcheck.h"
#include "core/buf.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "amazon_testutil.h"

static const char quirky[] =
    "<AmazonEnvelope xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    "xsi:noNamespaceSchemaLocation=\"amzn-envelope.xsd\">\n"
    "\t<Header>\n\t\t<DocumentVersion>1.02</DocumentVersion>\n"
    "\t\t<MerchantIdentifier>M_EXAMPLE_123</MerchantIdentifier>\n\t</Header>\n"
    "  <MessageType>ProcessingReport</MessageType>\n"
    "  <Message>\n    <MessageID>1</MessageID>\n    <ProcessingReport>\n"
    "\t<DocumentTransactionID>50012345678</DocumentTransactionID>\n"
    "\t<StatusCode>Complete</StatusCode>\n"
    "\t<ProcessingSummary>\n"
    "\t\t<MessagesProcessed>9</MessagesProcessed>\n"
    "\t\t<MessagesSuccessful>7</MessagesSuccessful>\n"
    "\t\t<MessagesWithError>1</MessagesWithError>\n"
    "\t\t<MessagesWithWarning>2</MessagesWithWarning>\n"
    "\t</ProcessingSummary>\n"
    "\t<Result>\n\t\t<MessageID>2</MessageID>\n\t\t<ResultCode>Error</ResultCode>\n"
    "\t\t<ResultMessageCode>18028</ResultMessageCode>\n"
    "\t\t<ResultDescription>The data you submitted is incomplete or invalid. The order "
    "doesn&apos;t exist &amp; can&apos;t be &lt;shipped&gt;.</ResultDescription>\n"
    "\t\t<AdditionalInfo>\n\t\t\t<AmazonOrderID>026-1234567-1234567</AmazonOrderID>\n"
    "\t\t</AdditionalInfo>\n\t</Result>\n"
    "    <Result>\n      <MessageID>2</MessageID>\n      <ResultCode>Warning</ResultCode>\n"
    "      <ResultMessageCode>5001</ResultMessageCode>\n"
    "      <ResultDescription>   second result for the same message   </ResultDescription>\n"
    "    </Result>\n"
    "    <Result><MessageID>7</MessageID><ResultCode>Warning</ResultCode>"
    "<ResultMessageCode>5000</ResultMessageCode>"
    "<ResultDescription><![CDATA[Update skipped <repeat>]]></ResultDescription>"
    "<AdditionalInfo><SKU>SKU-7 Blue</SKU></AdditionalInfo></Result>\n"
    "    </ProcessingReport>\n  </Message>\n</AmazonEnvelope>\n";

/* parse_ok - parse with the sniffer, expecting success */
static void parse_ok(const char *data, size_t len, struct proc_report *r)
{
    struct buf err;
    buf_init(&err, 4096);
    int rc = procreport_parse(data, len, r, &err);
    if (rc != WB_OK)
        print_error("%s\n", buf_str(&err));
    assert_int_equal(rc, WB_OK);
    buf_free(&err);
}

/* parse_bad - expect WB_PERMFAIL with a sentence containing want (if not NULL) */
static void parse_bad(const char *data, size_t len, const char *want)
{
    struct buf err;
    buf_init(&err, 4096);
    struct proc_report r;
    assert_int_equal(procreport_parse(data, len, &r, &err), WB_PERMFAIL);
    assert_true(err.len > 0);
    if (want && !strstr(buf_str(&err), want)) {
        print_error("got: %s\n", buf_str(&err));
        fail();
    }
    assert_null(r.results);
    assert_int_equal(r.nresults, 0);
    buf_free(&err);
}

#define PARSE_BAD(s, want) parse_bad((s), strlen(s), (want))

/* test_xml_quirks - the quirks real reports have */
static void test_xml_quirks(void **state)
{
    (void)state;
    struct proc_report r;
    parse_ok(quirky, strlen(quirky), &r);
    assert_string_equal(r.status, "Complete");
    assert_int_equal(r.has_summary, 1);
    assert_int_equal(r.processed, 9);
    assert_int_equal(r.successful, 7);
    assert_int_equal(r.with_error, 1);
    assert_int_equal(r.with_warning, 2);
    assert_int_equal(r.nresults, 3);
    assert_int_equal(r.results[0].message_id, 2);
    assert_int_equal(r.results[0].is_error, 1);
    assert_string_equal(r.results[0].code, "18028");
    assert_non_null(strstr(r.results[0].description, "doesn't exist & can't be <shipped>."));
    assert_string_equal(r.results[0].order_id, "026-1234567-1234567");
    assert_string_equal(r.results[0].sku, "");
    assert_int_equal(r.results[1].message_id, 2);
    assert_int_equal(r.results[1].is_error, 0);
    assert_string_equal(r.results[1].description, "second result for the same message");
    assert_string_equal(r.results[1].order_id, "");
    assert_int_equal(r.results[2].message_id, 7);
    assert_string_equal(r.results[2].sku, "SKU-7 Blue");
    assert_string_equal(r.results[2].description, "Update skipped <repeat>");
    procreport_free(&r);
    assert_null(r.results);

    /* the sample is a valid report by Amazon's schema, when that is at hand */
    char shared[1024], dir[1100], tmp[1024], file[1100];
    if (tu_shared_dir(shared, sizeof(shared)) && tu_tmpdir(tmp, sizeof(tmp)) == 0) {
        snprintf(dir, sizeof(dir), "%s/amazon", shared);
        snprintf(file, sizeof(file), "%s/report.xml", tmp);
        assert_int_equal(tu_write(file, quirky), 0);
        struct xsdcheck *x;
        struct buf err;
        buf_init(&err, 4096);
        assert_int_equal(xsdcheck_open(&x, dir, &err), WB_OK);
        assert_int_equal(xsdcheck_file(x, file, &err), WB_OK);
        xsdcheck_close(x);
        buf_free(&err);
        tu_rmrf(tmp);
    }
}

/* test_xml_variants - bare root, declared Latin-1, no summary, empty report */
static void test_xml_variants(void **state)
{
    (void)state;
    struct proc_report r;
    const char *bare = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
                       "<ProcessingReport><DocumentTransactionID>1</DocumentTransactionID>"
                       "<StatusCode>Complete</StatusCode>"
                       "<Result><MessageID>0</MessageID><ResultCode>error</ResultCode>"
                       "<ResultMessageCode>90001</ResultMessageCode>"
                       "<ResultDescription>Caf\xe9 feed</ResultDescription></Result>"
                       "</ProcessingReport>";
    parse_ok(bare, strlen(bare), &r);
    assert_int_equal(r.has_summary, 0);
    assert_int_equal(r.nresults, 1);
    assert_int_equal(r.results[0].message_id, 0);
    assert_int_equal(r.results[0].is_error, 1);
    assert_string_equal(r.results[0].description, "Caf\xc3\xa9 feed");
    procreport_free(&r);

    const char *clean = "  \n<AmazonEnvelope><Message><ProcessingReport>"
                        "<StatusCode>Processing</StatusCode><ProcessingSummary>"
                        "<MessagesProcessed> 3 </MessagesProcessed>"
                        "<MessagesSuccessful>3</MessagesSuccessful>"
                        "<MessagesWithError>0</MessagesWithError>"
                        "<MessagesWithWarning>0</MessagesWithWarning>"
                        "</ProcessingSummary></ProcessingReport></Message></AmazonEnvelope>";
    parse_ok(clean, strlen(clean), &r);
    assert_string_equal(r.status, "Processing");
    assert_int_equal(r.processed, 3);
    assert_int_equal(r.nresults, 0);
    procreport_free(&r);
}

/* test_xml_truncation - long descriptions are cut at 1023 bytes on a UTF-8 boundary */
static void test_xml_truncation(void **state)
{
    (void)state;
    struct buf doc;
    buf_init(&doc, 16 << 20);
    buf_appends(&doc,
                "<ProcessingReport><StatusCode>Complete</StatusCode><Result>"
                "<MessageID>12</MessageID><ResultCode>Error</ResultCode>"
                "<ResultMessageCode>99999999999999999999999999999999999999</ResultMessageCode>"
                "<ResultDescription>x");
    for (int i = 0; i < 3000; i++)
        buf_appends(&doc, "\xc3\xa9"); /* 2 bytes each: 1 + 2k never ends at 1023 exactly */
    buf_appends(&doc, "</ResultDescription><AdditionalInfo><SKU>");
    for (int i = 0; i < 300; i++)
        buf_appends(&doc, "\xe2\x82\xac");
    buf_appends(&doc, "</SKU></AdditionalInfo></Result></ProcessingReport>");
    struct proc_report r;
    parse_ok(doc.data, doc.len, &r);
    assert_int_equal(r.nresults, 1);
    size_t n = strlen(r.results[0].description);
    assert_true(n <= 1023 && n >= 1020);
    assert_true(str_utf8_valid(r.results[0].description, n));
    assert_true(strlen(r.results[0].code) == 31);
    assert_true(str_utf8_valid(r.results[0].sku, strlen(r.results[0].sku)));
    assert_true(strlen(r.results[0].sku) <= 127);
    procreport_free(&r);

    /* many results, streamed */
    buf_reset(&doc);
    buf_appends(&doc, "<ProcessingReport><StatusCode>Complete</StatusCode>");
    for (int i = 1; i <= 20000; i++)
        buf_appendf(&doc,
                    "<Result><MessageID>%d</MessageID><ResultCode>Error</ResultCode>"
                    "<ResultMessageCode>18028</ResultMessageCode>"
                    "<ResultDescription>d</ResultDescription></Result>",
                    i * 3);
    buf_appends(&doc, "</ProcessingReport>");
    parse_ok(doc.data, doc.len, &r);
    assert_int_equal(r.nresults, 20000);
    assert_int_equal(r.results[19999].message_id, 60000);
    procreport_free(&r);
    buf_free(&doc);
}

/* test_xml_refusals - DOCTYPE, entities, billion laughs and malformed reports */
static void test_xml_refusals(void **state)
{
    (void)state;
    const char *doctype = "<?xml version=\"1.0\"?><!DOCTYPE ProcessingReport>"
                          "<ProcessingReport><StatusCode>Complete</StatusCode></ProcessingReport>";
    parse_bad(doctype, strlen(doctype), "DOCTYPE");
    const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
                      "\"file:///etc/passwd\">]><ProcessingReport><StatusCode>&x;</StatusCode>"
                      "</ProcessingReport>";
    parse_bad(xxe, strlen(xxe), "refused");
    const char *net = "<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/x.dtd\"><ProcessingReport/>";
    parse_bad(net, strlen(net), "DOCTYPE");

    char lol[4096] = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 \"lol\">\n";
    for (int i = 1; i < 10; i++) {
        char line[256];
        int k = snprintf(line, sizeof(line), "<!ENTITY lol%d \"", i);
        for (int j = 0; j < 10; j++)
            k += snprintf(line + k, sizeof(line) - (size_t)k, "&lol%d;", i - 1);
        snprintf(line + k, sizeof(line) - (size_t)k, "\">\n");
        strncat(lol, line, sizeof(lol) - strlen(lol) - 1);
    }
    strncat(lol, "]>\n<ProcessingReport><StatusCode>&lol9;</StatusCode></ProcessingReport>",
            sizeof(lol) - strlen(lol) - 1);
    clock_t t0 = clock();
    parse_bad(lol, strlen(lol), "refused");
    assert_true(clock() - t0 < CLOCKS_PER_SEC / 2);

    const char *undeclared = "<ProcessingReport><StatusCode>&nbsp;</StatusCode></ProcessingReport>";
    parse_bad(undeclared, strlen(undeclared), "not well-formed");
    const char *cut = "<ProcessingReport><StatusCode>Complete</StatusCode><Result><MessageID>1";
    parse_bad(cut, strlen(cut), "not well-formed");
    const char *root = "<html><body>Service Unavailable</body></html>";
    parse_bad(root, strlen(root), "root element");
    const char *nocode = "<ProcessingReport><Result><MessageID>1</MessageID></Result>"
                         "</ProcessingReport>";
    parse_bad(nocode, strlen(nocode), "ResultCode");
    const char *badid = "<ProcessingReport><Result><MessageID>one</MessageID>"
                        "<ResultCode>Error</ResultCode></Result></ProcessingReport>";
    parse_bad(badid, strlen(badid), "MessageID");
    const char *badcode = "<ProcessingReport><Result><MessageID>1</MessageID>"
                          "<ResultCode>Fatal</ResultCode></Result></ProcessingReport>";
    parse_bad(badcode, strlen(badcode), "neither");
    const char *none = "<AmazonEnvelope><MessageType>ProcessingReport</MessageType>"
                       "</AmazonEnvelope>";
    parse_bad(none, strlen(none), "no ProcessingReport");
    const char *two = "<AmazonEnvelope><Message><ProcessingReport/></Message>"
                      "<Message><ProcessingReport/></Message></AmazonEnvelope>";
    parse_bad(two, strlen(two), "more than one");
    PARSE_BAD("<", NULL);
    PARSE_BAD("", "empty");
}

/* test_json_shared_example - the listings feed report example from the shared directory */
static void test_json_shared_example(void **state)
{
    (void)state;
    char shared[1024], path[1200];
    if (!tu_shared_dir(shared, sizeof(shared)))
        skip();
    snprintf(path, sizeof(path),
             "%s/amazon/json/listings-feed-processing-report-schema-v2.example.json", shared);
    size_t len = 0;
    char *data = tu_read(path, &len);
    if (!data)
        skip();
    struct proc_report r;
    parse_ok(data, len, &r);
    free(data);
    assert_string_equal(r.status, "Complete");
    assert_int_equal(r.has_summary, 1);
    assert_int_equal(r.processed, 4);
    assert_int_equal(r.successful, 2);
    assert_int_equal(r.with_error, 2);
    assert_int_equal(r.with_warning, 0);
    assert_int_equal(r.nresults, 3);
    assert_int_equal(r.results[0].message_id, 4);
    assert_int_equal(r.results[1].message_id, 4);
    assert_int_equal(r.results[2].message_id, 5);
    assert_int_equal(r.results[2].is_error, 1);
    assert_string_equal(r.results[0].code, "90220");
    assert_string_equal(r.results[0].sku, "My-SKU-B");
    assert_non_null(strstr(r.results[1].description, "supplier_declared_dg_hz_regulation"));
    procreport_free(&r);
}

/* test_json_own - warnings, INFO, feed-level issues and malformed JSON */
static void test_json_own(void **state)
{
    (void)state;
    const char *j = "\xef\xbb\xbf {\"header\":{\"sellerId\":\"A1\",\"version\":\"2.0\","
                    "\"feedId\":\"9\"},\"issues\":["
                    "{\"messageId\":1,\"sku\":\"S1\",\"code\":\"4000003\",\"severity\":\"WARNING\","
                    "\"message\":\"w1\"},"
                    "{\"messageId\":1,\"sku\":\"S1\",\"code\":\"4000004\",\"severity\":\"WARNING\","
                    "\"message\":\"w2\"},"
                    "{\"messageId\":3,\"severity\":\"INFO\",\"message\":\"info\"},"
                    "{\"severity\":\"ERROR\",\"code\":100,\"message\":\"feed \\u00e9 level\"}],"
                    "\"summary\":{\"errors\":1,\"warnings\":2,\"messagesProcessed\":3,"
                    "\"messagesAccepted\":3,\"messagesInvalid\":0}}";
    struct proc_report r;
    parse_ok(j, strlen(j), &r);
    assert_int_equal(r.nresults, 3);
    assert_int_equal(r.with_warning, 1);
    assert_int_equal(r.results[0].is_error, 0);
    assert_int_equal(r.results[2].message_id, 0);
    assert_string_equal(r.results[2].code, "100");
    assert_string_equal(r.results[2].description, "feed \xc3\xa9 level");
    procreport_free(&r);

    const char *nosum = "{\"issues\":[{\"messageId\":2,\"severity\":\"ERROR\",\"message\":\"e\"}]}";
    parse_ok(nosum, strlen(nosum), &r);
    assert_int_equal(r.has_summary, 0);
    assert_int_equal(r.with_error, 1);
    procreport_free(&r);

    PARSE_BAD("{\"issues\":", "not valid JSON");
    PARSE_BAD("{\"foo\":1}", "no issues");
    PARSE_BAD("{\"issues\":{}}", "not an array");
    PARSE_BAD("{\"issues\":[1]}", "not an object");
    parse_bad("{\"issues\":[{\"severity\":\"BAD\",\"message\":\"m\"}]}",
              strlen("{\"issues\":[{\"severity\":\"BAD\",\"message\":\"m\"}]}"), "severity");
    parse_bad("{\"issues\":[{\"severity\":\"ERROR\",\"messageId\":-1}]}",
              strlen("{\"issues\":[{\"severity\":\"ERROR\",\"messageId\":-1}]}"), "messageId");
    parse_bad("{\"summary\":{\"messagesProcessed\":\"x\"}}",
              strlen("{\"summary\":{\"messagesProcessed\":\"x\"}}"), "summary");
    PARSE_BAD("{\"issues\":[],\"issues\":[]}", "JSON");
    static char deep[200001];
    memset(deep, '[', 100000);
    memset(deep + 100000, ']', 100000);
    deep[0] = '{';
    parse_bad(deep, 200000, NULL);
}

static const char flat[] =
    "Feed Processing Summary:\r\n"
    "\tNumber of records processed\t\t4\r\n"
    "\tNumber of records successful\t\t2\r\n"
    "\r\n"
    "original-record-number\tsku\terror-code\terror-type\terror-message\r\n"
    "2\t\t79517\tError\tThe order id 026-1234567-1234567 is invalid or not yet "
    "shipped.\r\n"
    "3\tSKU-\xe9t\xe9\t8560\tWarning\tSKU caf\xe9 \"quoted\"\r\n"
    "3\tSKU-3\t8561\tError\tsecond error for record 3\r\n";

/* test_flat - the tab-separated report with preamble, CRLF and Latin-1 bytes */
static void test_flat(void **state)
{
    (void)state;
    struct proc_report r;
    parse_ok(flat, strlen(flat), &r);
    assert_string_equal(r.status, "Complete");
    assert_int_equal(r.has_summary, 1);
    assert_int_equal(r.processed, 4);
    assert_int_equal(r.successful, 2);
    assert_int_equal(r.with_error, 2);
    assert_int_equal(r.with_warning, 1);
    assert_int_equal(r.nresults, 3);
    assert_int_equal(r.results[0].message_id, 2);
    assert_string_equal(r.results[0].code, "79517");
    assert_int_equal(r.results[0].is_error, 1);
    assert_string_equal(r.results[1].sku, "SKU-\xc3\xa9t\xc3\xa9");
    assert_string_equal(r.results[1].description, "SKU caf\xc3\xa9 \"quoted\"");
    assert_int_equal(r.results[1].is_error, 0);
    procreport_free(&r);

    const char *noheader =
        "original-record-number\torder-id\terror-code\terror-type\terror-message\n"
        "5\t026-1234567-1234567\t79517\tError\tnot shipped\n"
        "6\t026-1234567-7654321\t79517\tError";
    parse_ok(noheader, strlen(noheader), &r);
    assert_int_equal(r.has_summary, 0);
    assert_int_equal(r.nresults, 2);
    assert_string_equal(r.results[0].order_id, "026-1234567-1234567");
    assert_string_equal(r.results[1].description, "");
    procreport_free(&r);

    const char *summary_only =
        "Feed Processing Summary:\n\tNumber of records processed\t\t1\n"
        "\tNumber of records successful\t\t1\n\n"
        "original-record-number\tsku\terror-code\terror-type\terror-message\n";
    parse_ok(summary_only, strlen(summary_only), &r);
    assert_int_equal(r.nresults, 0);
    assert_int_equal(r.successful, 1);
    procreport_free(&r);

    const char *tight = "Feed Processing Summary:\n\tNumber of records processed\t\t2\n"
                        "original-record-number\tsku\terror-code\terror-type\terror-message\n"
                        "1\tS1\t8560\tError\tbad\n";
    parse_ok(tight, strlen(tight), &r);
    assert_int_equal(r.processed, 2);
    assert_int_equal(r.nresults, 1);
    assert_int_equal(r.with_error, 1);
    procreport_free(&r);

    PARSE_BAD("Service Unavailable", "not a flat-file");
    PARSE_BAD("Feed Processing Summary:\n\tNumber of records processed\t\t1\n\nhello\tworld\n",
              "not a flat-file");
    const char *badtype = "original-record-number\tsku\terror-code\terror-type\terror-message\n"
                          "1\tS\t1\tFatal\tm\n";
    parse_bad(badtype, strlen(badtype), "error-type");
    const char *badnum = "original-record-number\tsku\terror-code\terror-type\terror-message\n"
                         "x1\tS\t1\tError\tm\n";
    parse_bad(badnum, strlen(badnum), "not a number");
    parse_bad("a\0b", 3, "binary");
}

/* test_garbage - random bytes never crash the reader */
static void test_garbage(void **state)
{
    (void)state;
    unsigned long seed = 12345;
    static const char *const frags[] = {
        "<", ">",  "</", "Result", "MessageID", "&apos;", "{",    "}",    "\"issues\"",
        "[", "\t", "\n", "Error",  "<!DOCTYPE", "&#0;",   "\xff", "\xc3", "ProcessingReport",
        ":", "1"};
    char doc[600];
    struct buf err;
    buf_init(&err, 4096);
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        while (n < sizeof(doc) - 32) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            if ((seed >> 60) == 0)
                break;
            const char *f = frags[(seed >> 33) % WB_ARRAY_LEN(frags)];
            size_t k = strlen(f);
            memcpy(doc + n, f, k);
            n += k;
        }
        struct proc_report r;
        int rc = procreport_parse(doc, n, &r, &err);
        assert_true(rc == WB_OK || rc == WB_PERMFAIL);
        procreport_free(&r);
    }
    buf_free(&err);
}

/* main - run the report reader tests */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_quirks),
        cmocka_unit_test(test_xml_variants),
        cmocka_unit_test(test_xml_truncation),
        cmocka_unit_test(test_xml_refusals),
        cmocka_unit_test(test_json_shared_example),
        cmocka_unit_test(test_json_own),
        cmocka_unit_test(test_flat),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
