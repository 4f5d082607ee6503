/*
 * test_amazon_xsdcheck.c - unit tests of feed validation (xsdcheck).
 *
 * Covers: the shared order-envelope.xsd and the in-memory envelope built from
 * a directory of Amazon files, detection of invalid feeds (missing
 * CarrierCode) with line numbers, refusal of DOCTYPEs, external entities and
 * billion laughs, the entity loader refusing URLs and files outside xsd_dir,
 * configuration errors, and naming the Messages a schema refuses. Schema tests skip() without the
 * shared directory. Must never write outside its temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "amazon/feed_xml.h"
#include "amazon/xsdcheck.h"
#include "core/buf.h"
#include "core/wb.h"
#include "amazon_testutil.h"

static char tmpdir[1024];
static char shared[1024];

static const char *const head =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<AmazonEnvelope xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
    "  xsi:noNamespaceSchemaLocation=\"amzn-envelope.xsd\">\n"
    "<Header><DocumentVersion>1.01</DocumentVersion>"
    "<MerchantIdentifier>M1</MerchantIdentifier></Header>\n"
    "<MessageType>OrderFulfillment</MessageType>\n";

/* setup - temporary directory; the shared directory if present */
static int setup(void **state)
{
    (void)state;
    if (!tu_shared_dir(shared, sizeof(shared)))
        shared[0] = '\0';
    return tu_tmpdir(tmpdir, sizeof(tmpdir));
}

/* teardown - remove the temporary directory */
static int teardown(void **state)
{
    (void)state;
    tu_rmrf(tmpdir);
    return 0;
}

/* need_shared - skip the calling test when the shared schemas are absent */
static void need_shared(void)
{
    if (!shared[0])
        skip();
}

/* path_in - tmpdir/name */
static const char *path_in(const char *name)
{
    static char p[2][2048];
    static int k;
    k ^= 1;
    snprintf(p[k], sizeof(p[k]), "%s/%s", tmpdir, name);
    return p[k];
}

/* write_doc - a file under tmpdir from several pieces */
static const char *write_doc(const char *name, const char *a, const char *b)
{
    const char *path = path_in(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(a, f);
    if (b)
        fputs(b, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* write_good_feed - a valid feed from the writer; with_other adds an "Other" carrier */
static const char *write_good_feed(const char *name, int with_other)
{
    const char *path = path_in(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    struct feedw *w;
    assert_int_equal(feedw_open(&w, f, "OrderFulfillment", "M1"), WB_OK);
    struct fulfillment_item it = {"12345678901234", 1};
    struct fulfillment_msg m = {
        1, "026-1234567-1234567", 1795615380, "Other", "Local & Co", NULL, "T-1", &it, 1};
    if (with_other)
        assert_int_equal(feedw_fulfillment(w, &m), WB_OK);
    m.message_id = 2;
    m.carrier_code = "UPS";
    m.carrier_name = NULL;
    assert_int_equal(feedw_fulfillment(w, &m), WB_OK);
    assert_int_equal(feedw_close(w), WB_OK);
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char *const missing_carrier =
    "<Message><MessageID>1</MessageID><OrderFulfillment>\n"
    "<AmazonOrderID>026-1234567-1234567</AmazonOrderID>\n"
    "<FulfillmentDate>2026-11-20T14:03:00Z</FulfillmentDate>\n"
    "<FulfillmentData>\n<CarrierName>Local</CarrierName>\n"
    "<ShipperTrackingNumber>T1</ShipperTrackingNumber></FulfillmentData>\n"
    "</OrderFulfillment></Message></AmazonEnvelope>\n";

/* check_dir - a good feed passes and a feed without CarrierCode fails, using dir */
static void check_dir(const char *dir)
{
    struct buf err;
    buf_init(&err, 8192);
    struct xsdcheck *x = NULL;
    int rc = xsdcheck_open(&x, dir, &err);
    if (rc != WB_OK)
        print_error("%s\n", buf_str(&err));
    assert_int_equal(rc, WB_OK);
    assert_int_equal(xsdcheck_file(x, write_good_feed("good.xml", 1), &err), WB_OK);
    buf_reset(&err);
    assert_int_equal(xsdcheck_file(x, write_doc("nocc.xml", head, missing_carrier), &err),
                     WB_PERMFAIL);
    assert_non_null(strstr(buf_str(&err), "line 10"));
    assert_non_null(strstr(buf_str(&err), "CarrierCode"));
    xsdcheck_close(x);
    buf_free(&err);
}

/* test_shared_envelope - the shared order-envelope.xsd */
static void test_shared_envelope(void **state)
{
    (void)state;
    need_shared();
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/amazon", shared);
    check_dir(dir);
}

/* message - one fulfilment Message with an item code (valid: 14 digits) */
static void message(FILE *f, long id, const char *item)
{
    fprintf(f,
            "<Message><MessageID>%ld</MessageID><OrderFulfillment>\n"
            "<AmazonOrderID>026-1234567-12345%02ld</AmazonOrderID>\n"
            "<FulfillmentDate>2026-11-20T14:03:00Z</FulfillmentDate>\n"
            "<FulfillmentData><CarrierCode>UPS</CarrierCode>\n"
            "<ShipperTrackingNumber>T%ld</ShipperTrackingNumber></FulfillmentData>\n"
            "<Item><AmazonOrderItemCode>%s</AmazonOrderItemCode><Quantity>1</Quantity></Item>\n"
            "</OrderFulfillment></Message>\n",
            id, id, id, item);
}

/* test_messages - the Messages the schema refuses are named; the rest are not */
static void test_messages(void **state)
{
    (void)state;
    need_shared();
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/amazon", shared);
    struct buf err;
    buf_init(&err, 8192);
    struct xsdcheck *x = NULL;
    assert_int_equal(xsdcheck_open(&x, dir, &err), WB_OK);

    const char *path = path_in("five.xml");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(head, f);
    message(f, 1, "12345678901234");
    message(f, 2, "123456789012345678"); /* 18 digits */
    message(f, 3, "12345678901234");
    message(f, 4, "1234");
    message(f, 5, "12345678901234");
    fputs("</AmazonEnvelope>\n", f);
    assert_int_equal(fclose(f), 0);

    struct amazon_xml_msg_err bad[8];
    size_t n = 0;
    int whole = -1;
    assert_int_equal(xsdcheck_messages(x, path, bad, 8, &n, &whole, &err), WB_PERMFAIL);
    assert_int_equal(whole, 0);
    assert_int_equal(n, 2);
    assert_int_equal(bad[0].message_id, 2);
    assert_int_equal(bad[1].message_id, 4);
    assert_non_null(strstr(bad[0].why, "AmazonOrderItemCode"));

    /* room for one: the second counts as outside, so the document is treated whole */
    assert_int_equal(xsdcheck_messages(x, path, bad, 1, &n, &whole, &err), WB_PERMFAIL);
    assert_int_equal(n, 1);
    assert_int_equal(whole, 1);

    /* an error in the header is not any one Message's */
    const char *hpath = write_doc("hdr.xml",
                                  "<?xml version=\"1.0\"?>\n<AmazonEnvelope><Header>"
                                  "<DocumentVersion>1.01</DocumentVersion></Header>\n"
                                  "<MessageType>OrderFulfillment</MessageType>\n",
                                  "</AmazonEnvelope>\n");
    assert_int_equal(xsdcheck_messages(x, hpath, bad, 8, &n, &whole, &err), WB_PERMFAIL);
    assert_int_equal(n, 0);
    assert_int_equal(whole, 1);

    /* a valid document names nothing */
    assert_int_equal(xsdcheck_messages(x, write_good_feed("ok.xml", 1), bad, 8, &n, &whole, &err),
                     WB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(whole, 0);
    xsdcheck_close(x);
    buf_free(&err);
}

/* copy_into - copy shared/amazon/<from> to tmpdir/<to> */
static void copy_into(const char *from, const char *to)
{
    char src[2048];
    snprintf(src, sizeof(src), "%s/amazon/%s", shared, from);
    char *argv[] = {"cp", src, (char *)path_in(to), NULL};
    assert_int_equal(tu_run(argv), 0);
}

/* test_built_envelope - no order-envelope.xsd: the envelope is built in memory */
static void test_built_envelope(void **state)
{
    (void)state;
    need_shared();
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/x1", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof(dir), "%s/x1/xsd", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    const char *files[] = {
        "amzn-base.xsd",       "amzn-header.xsd",      "OrderAcknowledgement.xsd",
        "OrderAdjustment.xsd", "OrderFulfillment.xsd", "ProcessingReport.xsd"};
    for (size_t i = 0; i < WB_ARRAY_LEN(files); i++) {
        char src[64], dst[64];
        snprintf(src, sizeof(src), "xsd/%s", files[i]);
        snprintf(dst, sizeof(dst), "x1/xsd/%s", files[i]);
        copy_into(src, dst);
    }
    copy_into("order-fulfillment-2021.xsd", "x1/order-fulfillment-2021.xsd");
    snprintf(dir, sizeof(dir), "%s/x1", tmpdir);
    check_dir(dir);

    /* an acknowledgement feed is accepted by the same schema */
    struct buf err;
    buf_init(&err, 8192);
    struct xsdcheck *x = NULL;
    assert_int_equal(xsdcheck_open(&x, dir, &err), WB_OK);
    const char *ack = write_doc("ack.xml",
                                "<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>"
                                "<MerchantIdentifier>M1</MerchantIdentifier></Header>"
                                "<MessageType>OrderAcknowledgement</MessageType>",
                                "<Message><MessageID>1</MessageID><OrderAcknowledgement>"
                                "<AmazonOrderID>026-1234567-1234567</AmazonOrderID>"
                                "<StatusCode>Success</StatusCode></OrderAcknowledgement>"
                                "</Message></AmazonEnvelope>");
    assert_int_equal(xsdcheck_file(x, ack, &err), WB_OK);
    xsdcheck_close(x);

    /* without the 2021 file the older OrderFulfillment.xsd (CarrierCode or CarrierName) is used */
    assert_int_equal(unlink(path_in("x1/order-fulfillment-2021.xsd")), 0);
    assert_int_equal(xsdcheck_open(&x, dir, &err), WB_OK);
    assert_int_equal(xsdcheck_file(x, write_good_feed("good2.xml", 0), &err), WB_OK);
    assert_int_equal(xsdcheck_file(x, write_good_feed("good3.xml", 1), &err), WB_PERMFAIL);
    xsdcheck_close(x);

    /* amzn-base.xsd is required */
    assert_int_equal(unlink(path_in("x1/xsd/amzn-base.xsd")), 0);
    buf_reset(&err);
    assert_int_equal(xsdcheck_open(&x, dir, &err), WB_CONFIG);
    assert_null(x);
    assert_non_null(strstr(buf_str(&err), "amzn-base.xsd"));
    buf_free(&err);
}

/* test_refusals - DOCTYPE, external entities, billion laughs, garbage (own small schema) */
static void test_refusals(void **state)
{
    (void)state;
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/own", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_doc("own/order-envelope.xsd",
              "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">"
              "<xsd:element name=\"AmazonEnvelope\"><xsd:complexType><xsd:sequence>"
              "<xsd:any processContents=\"skip\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>"
              "</xsd:sequence></xsd:complexType></xsd:element>",
              "<xsd:element name=\"r\" type=\"xsd:string\"/></xsd:schema>");
    struct buf err;
    buf_init(&err, 8192);
    struct xsdcheck *x = NULL;
    assert_int_equal(xsdcheck_open(&x, dir, &err), WB_OK);

    assert_int_equal(xsdcheck_file(x,
                                   write_doc("ok.xml", "<AmazonEnvelope><Any>&amp;&apos;</Any>",
                                             "</AmazonEnvelope>"),
                                   &err),
                     WB_OK);
    const char *doctype = write_doc(
        "dt.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE AmazonEnvelope>\n", "<AmazonEnvelope/>");
    buf_reset(&err);
    assert_int_equal(xsdcheck_file(x, doctype, &err), WB_PERMFAIL);
    assert_non_null(strstr(buf_str(&err), "DOCTYPE"));

    const char *xxe = write_doc("xxe.xml",
                                "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "
                                "\"file:///etc/passwd\">]>\n",
                                "<AmazonEnvelope>&e;</AmazonEnvelope>");
    buf_reset(&err);
    assert_int_equal(xsdcheck_file(x, xxe, &err), WB_PERMFAIL);
    assert_null(strstr(buf_str(&err), "root:"));

    char lol[4096] = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 \"lol\">\n";
    for (int i = 1; i < 10; i++) {
        char line[256];
        int k = snprintf(line, sizeof(line), "<!ENTITY lol%d \"", i);
        for (int j = 0; j < 10; j++)
            k += snprintf(line + k, sizeof(line) - (size_t)k, "&lol%d;", i - 1);
        snprintf(line + k, sizeof(line) - (size_t)k, "\">\n");
        strncat(lol, line, sizeof(lol) - strlen(lol) - 1);
    }
    strncat(lol, "]>\n", sizeof(lol) - strlen(lol) - 1);
    clock_t t0 = clock();
    buf_reset(&err);
    assert_int_equal(xsdcheck_file(x, write_doc("lol.xml", lol, "<r>&lol9;</r>"), &err),
                     WB_PERMFAIL);
    assert_true((clock() - t0) < CLOCKS_PER_SEC);

    const char *undeclared =
        write_doc("ent.xml", head, "<Message>&foo;</Message></AmazonEnvelope>");
    buf_reset(&err);
    assert_int_equal(xsdcheck_file(x, undeclared, &err), WB_PERMFAIL);
    assert_non_null(strstr(buf_str(&err), "not well-formed"));

    buf_reset(&err);
    assert_int_equal(xsdcheck_file(x, write_doc("junk.xml", "\x01\x02 not xml", NULL), &err),
                     WB_PERMFAIL);
    buf_reset(&err);
    assert_int_equal(xsdcheck_file(x, path_in("absent.xml"), &err), WB_NOINPUT);
    xsdcheck_close(x);
    buf_free(&err);
}

/* test_loader_walls - schemas may not pull files from the network or outside xsd_dir */
static void test_loader_walls(void **state)
{
    (void)state;
    struct buf err;
    buf_init(&err, 8192);
    struct xsdcheck *x = NULL;
    static const char *const pre = "<?xml version=\"1.0\"?>\n"
                                   "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n";
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/walls", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_doc("outside.xsd", pre, "<xsd:element name=\"A\" type=\"xsd:string\"/></xsd:schema>");

    write_doc("walls/order-envelope.xsd", pre,
              "<xsd:include schemaLocation=\"../outside.xsd\"/></xsd:schema>");
    assert_int_equal(xsdcheck_open(&x, dir, &err), WB_CONFIG);
    assert_non_null(strstr(buf_str(&err), "outside.xsd"));

    write_doc("walls/order-envelope.xsd", pre,
              "<xsd:include schemaLocation=\"http://127.0.0.1:9/x.xsd\"/></xsd:schema>");
    buf_reset(&err);
    assert_int_equal(xsdcheck_open(&x, dir, &err), WB_CONFIG);
    assert_non_null(strstr(buf_str(&err), "refused"));

    write_doc("walls/order-envelope.xsd", pre,
              "<xsd:include schemaLocation=\"inside.xsd\"/></xsd:schema>");
    write_doc("walls/inside.xsd", pre,
              "<xsd:element name=\"A\" type=\"xsd:string\"/></xsd:schema>");
    buf_reset(&err);
    assert_int_equal(xsdcheck_open(&x, dir, &err), WB_OK);
    assert_int_equal(xsdcheck_file(x, write_doc("a.xml", "<A>x</A>", NULL), &err), WB_OK);
    xsdcheck_close(x);

    buf_reset(&err);
    assert_int_equal(xsdcheck_open(&x, path_in("nope"), &err), WB_CONFIG);
    buf_reset(&err);
    assert_int_equal(xsdcheck_open(&x, tmpdir, &err), WB_CONFIG); /* nothing there */
    buf_free(&err);
}

/* main - run the validation tests */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_envelope), cmocka_unit_test(test_built_envelope),
        cmocka_unit_test(test_messages),        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_loader_walls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
