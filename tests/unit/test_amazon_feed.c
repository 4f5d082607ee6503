/*
 * test_amazon_feed.c - unit tests of the streaming feed writer (feed_xml).
 *
 * Covers: OrderFulfillment with "Other" + CarrierName, escaping of & < > " and
 * non-ASCII text, multi-item messages, acknowledgements (and their whole
 * text, envelope included), refusal of bad content before anything is
 * written, messages composed in parts (begin, items, end: the same text as
 * whole ones, and a refused part drops the whole message), and write errors
 * (/dev/full).
 * Schema checks run xmllint with the shared order-envelope.xsd and skip when
 * the shared directory is absent. Must never write outside the temp dir.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <time.h>

#include "amazon/feed_xml.h"
#include "core/wb.h"
#include "amazon_testutil.h"

static char tmpdir[1024];

/* setup - fresh temporary directory */
static int setup(void **state)
{
    (void)state;
    return tu_tmpdir(tmpdir, sizeof(tmpdir));
}

/* teardown - remove the temporary directory */
static int teardown(void **state)
{
    (void)state;
    tu_rmrf(tmpdir);
    return 0;
}

/* when - 2026-11-20T14:03:00Z as time_t */
static time_t when(void)
{
    struct tm tm = {0};
    tm.tm_year = 2026 - 1900;
    tm.tm_mon = 10;
    tm.tm_mday = 20;
    tm.tm_hour = 14;
    tm.tm_min = 3;
    return timegm(&tm);
}

/* open_feed - a writer on a fresh file under tmpdir */
static struct feedw *open_feed(const char *name, const char *type, FILE **fp, char *path)
{
    snprintf(path, PATH_MAX, "%s/%s", tmpdir, name);
    *fp = fopen(path, "wb");
    assert_non_null(*fp);
    struct feedw *w = NULL;
    assert_int_equal(feedw_open(&w, *fp, type, "A1B2C3D4E5"), WB_OK);
    assert_non_null(w);
    return w;
}

/* check_schema - xmllint the file when the shared schema is available */
static void check_schema(const char *path, int want_valid)
{
    char shared[PATH_MAX];
    if (!tu_shared_dir(shared, sizeof(shared)))
        return;
    int r = tu_xmllint(shared, path);
    if (r < 0)
        return;
    assert_int_equal(r, want_valid ? 0 : 1);
}

/* text_of - text of the first element called name in a parsed file (malloc'd) */
static char *text_of(const char *path, const char *name)
{
    /* the amazon group's entity loader refuses files: parse from memory */
    size_t len = 0;
    char *data = tu_read(path, &len);
    assert_non_null(data);
    xmlDocPtr doc = xmlReadMemory(data, (int)len, "feed.xml", NULL, XML_PARSE_NONET);
    free(data);
    assert_non_null(doc);
    char *out = NULL;
    xmlNodePtr n = xmlDocGetRootElement(doc);
    while (n) {
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0) {
            xmlChar *c = xmlNodeGetContent(n);
            out = strdup((const char *)c);
            xmlFree(c);
            break;
        }
        if (n->children) {
            n = n->children;
            continue;
        }
        while (n && !n->next)
            n = n->parent;
        if (n)
            n = n->next;
    }
    xmlFreeDoc(doc);
    return out;
}

/* test_other_carrier_escaping - Other + CarrierName, escaping and non-ASCII survive */
static void test_other_carrier_escaping(void **state)
{
    (void)state;
    char path[PATH_MAX];
    FILE *fp;
    struct feedw *w = open_feed("f1.xml", "OrderFulfillment", &fp, path);
    const char *name = "A&B <Fr\xc3\xa4kt> \"Z\xc3\xbcrich\"";
    struct fulfillment_item items[] = {{"12345678901234", 2}, {"12345678901235", 1}};
    struct fulfillment_msg m = {.message_id = 1,
                                .amazon_order_id = "026-1234567-1234567",
                                .fulfillment_date = when(),
                                .carrier_code = "Other",
                                .carrier_name = name,
                                .shipping_method = "Next & Day",
                                .tracking = "TRK<1>",
                                .items = items,
                                .nitems = 2};
    assert_int_equal(feedw_fulfillment(w, &m), WB_OK);
    assert_int_equal(feedw_messages(w), 1);
    assert_int_equal(feedw_close(w), WB_OK);
    assert_int_equal(fclose(fp), 0);

    char *doc = tu_read(path, NULL);
    assert_non_null(doc);
    assert_non_null(strstr(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_non_null(strstr(doc, "xsi:noNamespaceSchemaLocation=\"amzn-envelope.xsd\""));
    assert_non_null(strstr(doc, "<DocumentVersion>1.01</DocumentVersion>"));
    assert_non_null(strstr(doc, "<MerchantIdentifier>A1B2C3D4E5</MerchantIdentifier>"));
    assert_non_null(strstr(doc, "<MessageType>OrderFulfillment</MessageType>"));
    assert_non_null(strstr(doc, "<FulfillmentDate>2026-11-20T14:03:00Z</FulfillmentDate>"));
    assert_non_null(strstr(doc, "<CarrierCode>Other</CarrierCode>"));
    assert_non_null(strstr(doc, "A&amp;B &lt;Fr\xc3\xa4kt&gt; &quot;Z\xc3\xbcrich&quot;"));
    assert_non_null(strstr(doc, "<ShipperTrackingNumber>TRK&lt;1&gt;</ShipperTrackingNumber>"));
    assert_non_null(strstr(doc, "<AmazonOrderItemCode>12345678901235</AmazonOrderItemCode>"));
    assert_non_null(strstr(doc, "<Quantity>2</Quantity>"));
    /* CarrierName comes before ShippingMethod, inside FulfillmentData */
    assert_true(strstr(doc, "<CarrierName>") < strstr(doc, "<ShippingMethod>"));
    free(doc);

    char *back = text_of(path, "CarrierName");
    assert_non_null(back);
    assert_string_equal(back, name);
    free(back);
    check_schema(path, 1);
}

/* test_each_element_escapes - a value holding every character XML escapes is escaped in
 * whichever text element it stands (each element's own escaping decision) */
static void test_each_element_escapes(void **state)
{
    (void)state;
    static const char *const tags[] = {
        "AmazonOrderID",         "CarrierCode",         "CarrierName",    "ShippingMethod",
        "ShipperTrackingNumber", "AmazonOrderItemCode", "MerchantOrderID"};
    const char *bad = "a&<b>\"c", *esc = "a&amp;&lt;b&gt;&quot;c";
    for (size_t k = 0; k < sizeof tags / sizeof *tags; k++) {
        char path[PATH_MAX], want[160];
        FILE *fp;
        int ack = k == 6;
        struct feedw *w =
            open_feed("e.xml", ack ? "OrderAcknowledgement" : "OrderFulfillment", &fp, path);
        if (ack) {
            struct ack_msg a = {1, "026-1234567-1234567", bad, "Success", NULL, 0};
            struct ack_msg b = {2, bad, "M-2", "Failure", NULL, 0};
            assert_int_equal(feedw_ack(w, &a), WB_OK);
            assert_int_equal(feedw_ack(w, &b), WB_OK);
        } else {
            struct fulfillment_item items[] = {{k == 5 ? bad : "12345678901234", 1}};
            struct fulfillment_msg m = {.message_id = 1,
                                        .amazon_order_id = k == 0 ? bad : "026-1234567-1234567",
                                        .fulfillment_date = when(),
                                        .carrier_code = k == 1 ? bad : "Other",
                                        .carrier_name = k == 1   ? NULL
                                                        : k == 2 ? bad
                                                                 : "Own",
                                        .shipping_method = k == 3 ? bad : "Std",
                                        .tracking = k == 4 ? bad : "TRK1",
                                        .items = items,
                                        .nitems = 1};
            assert_int_equal(feedw_fulfillment(w, &m), WB_OK);
        }
        assert_int_equal(feedw_close(w), WB_OK);
        assert_int_equal(fclose(fp), 0);
        char *doc = tu_read(path, NULL);
        assert_non_null(doc);
        snprintf(want, sizeof want, "<%s>%s</%s>", tags[k], esc, tags[k]);
        assert_non_null(strstr(doc, want));
        if (ack) /* the second acknowledgement has it as its AmazonOrderID */
            assert_non_null(strstr(doc, "<AmazonOrderID>a&amp;&lt;b&gt;&quot;c</AmazonOrderID>"));
        assert_null(strstr(doc, bad));
        free(doc);
    }
}

/* test_many_messages - several messages, known carriers, streaming a larger feed */
static void test_many_messages(void **state)
{
    (void)state;
    char path[PATH_MAX];
    FILE *fp;
    struct feedw *w = open_feed("f2.xml", "OrderFulfillment", &fp, path);
    struct fulfillment_item item = {"12345678901234", 1};
    for (long i = 1; i <= 5000; i++) {
        char order[48];
        snprintf(order, sizeof(order), "026-%07ld-1234567", i);
        struct fulfillment_msg m = {.message_id = i * 2,
                                    .amazon_order_id = order,
                                    .fulfillment_date = when(),
                                    .carrier_code = (i % 2) ? "UPS" : "DHL",
                                    .shipping_method = (i % 3) ? NULL : "",
                                    .tracking = "1Z999AA10123456784",
                                    .items = &item,
                                    .nitems = (i % 5) ? 1 : 0};
        assert_int_equal(feedw_fulfillment(w, &m), WB_OK);
    }
    assert_int_equal(feedw_messages(w), 5000);
    assert_int_equal(feedw_close(w), WB_OK);
    assert_int_equal(fclose(fp), 0);
    size_t len;
    char *doc = tu_read(path, &len);
    assert_non_null(doc);
    assert_true(len > 5000 * 200);
    assert_non_null(strstr(doc, "<MessageID>10000</MessageID>"));
    assert_null(strstr(doc, "<ShippingMethod>"));
    assert_non_null(strstr(doc, "</AmazonEnvelope>"));
    free(doc);
    check_schema(path, 1);
}

/* test_ack - acknowledgement feed with and without MerchantOrderID */
static void test_ack(void **state)
{
    (void)state;
    char path[PATH_MAX];
    FILE *fp;
    struct feedw *w = open_feed("a1.xml", "OrderAcknowledgement", &fp, path);
    struct ack_msg a = {1, "026-1234567-1234567", "WMS-77", "Success", NULL, 0};
    struct ack_msg b = {2, "026-1234567-7654321", NULL, "Failure", NULL, 0};
    assert_int_equal(feedw_ack(w, &a), WB_OK);
    assert_int_equal(feedw_ack(w, &b), WB_OK);
    /* a fulfillment message does not belong in an acknowledgement envelope */
    struct fulfillment_msg f = {
        .message_id = 3, .amazon_order_id = "026-1234567-1234567", .carrier_code = "UPS"};
    assert_int_equal(feedw_fulfillment(w, &f), WB_BADARG);
    struct ack_msg c = {3, "026-1234567-7654321", NULL, "Maybe", NULL, 0};
    assert_int_equal(feedw_ack(w, &c), WB_BADARG);
    assert_int_equal(feedw_close(w), WB_OK);
    assert_int_equal(fclose(fp), 0);
    char *doc = tu_read(path, NULL);
    assert_non_null(strstr(doc, "<MessageType>OrderAcknowledgement</MessageType>"));
    assert_non_null(strstr(doc, "<MerchantOrderID>WMS-77</MerchantOrderID>"));
    assert_non_null(strstr(doc, "<StatusCode>Failure</StatusCode>"));
    free(doc);
    check_schema(path, 1);
}

/* test_ack_items - a Failure acknowledgement with cancelled items and their CancelReason is
 * valid against Amazon's schema; a reason outside the schema's list is refused, the message left
 * out */
static void test_ack_items(void **state)
{
    (void)state;
    char path[PATH_MAX];
    FILE *fp;
    struct feedw *w = open_feed("a2.xml", "OrderAcknowledgement", &fp, path);
    struct ack_item items[] = {{"12345678901234", "NoInventory"}, {"12345678901235", NULL}};
    struct ack_msg a = {.message_id = 1,
                        .amazon_order_id = "026-1234567-1234567",
                        .status = "Failure",
                        .items = items,
                        .nitems = 2};
    struct ack_item bad[] = {{"12345678901236", "OutOfStock"}};
    struct ack_msg b = {.message_id = 2,
                        .amazon_order_id = "026-1234567-7654321",
                        .status = "Failure",
                        .items = bad,
                        .nitems = 1};
    struct ack_msg c = {.message_id = 3,
                        .amazon_order_id = "026-1234567-7654321",
                        .status = "Failure",
                        .nitems = 1};
    assert_int_equal(feedw_ack(w, &a), WB_OK);
    assert_int_equal(feedw_ack(w, &b), WB_BADARG);
    assert_non_null(strstr(feedw_error(w), "CancelReason"));
    assert_int_equal(feedw_ack(w, &c), WB_BADARG);
    assert_int_equal(feedw_messages(w), 1);
    assert_int_equal(feedw_close(w), WB_OK);
    assert_int_equal(fclose(fp), 0);
    char *doc = tu_read(path, NULL);
    assert_non_null(strstr(doc, "<StatusCode>Failure</StatusCode>\n      <Item>\n        "
                                "<AmazonOrderItemCode>12345678901234</AmazonOrderItemCode>\n"
                                "        <CancelReason>NoInventory</CancelReason>\n      </Item>"));
    assert_null(strstr(doc, "OutOfStock"));
    free(doc);
    check_schema(path, 1);
    assert_int_equal(feed_cancel_reason_ok("WeatherDelay"), 1);
    assert_int_equal(feed_cancel_reason_ok("noinventory"), 0);
}

/* test_ack_text - the whole text of an acknowledgement feed, envelope included: the layout
 * libxml2's xmlTextWriter gave it (indent of two spaces a level), escaping by libxml2 */
static void test_ack_text(void **state)
{
    (void)state;
    char path[PATH_MAX];
    FILE *fp;
    snprintf(path, sizeof(path), "%s/a2.xml", tmpdir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    struct feedw *w = NULL;
    assert_int_equal(feedw_open(&w, fp, "OrderAcknowledgement", "M&1"), WB_OK);
    struct ack_msg a = {7, "026-1234567-1234567", "WMS <77> \"a&b\"", "Success", NULL, 0};
    struct ack_msg b = {12, "026-1234567-7654321", "", "Failure", NULL, 0};
    assert_int_equal(feedw_ack(w, &a), WB_OK);
    assert_int_equal(feedw_ack(w, &b), WB_OK);
    assert_int_equal(feedw_close(w), WB_OK);
    assert_int_equal(fclose(fp), 0);
    char *doc = tu_read(path, NULL);
    assert_string_equal(
        doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<AmazonEnvelope xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
             " xsi:noNamespaceSchemaLocation=\"amzn-envelope.xsd\">\n"
             "  <Header>\n"
             "    <DocumentVersion>1.01</DocumentVersion>\n"
             "    <MerchantIdentifier>M&amp;1</MerchantIdentifier>\n"
             "  </Header>\n"
             "  <MessageType>OrderAcknowledgement</MessageType>\n"
             "  <Message>\n"
             "    <MessageID>7</MessageID>\n"
             "    <OrderAcknowledgement>\n"
             "      <AmazonOrderID>026-1234567-1234567</AmazonOrderID>\n"
             "      <MerchantOrderID>WMS &lt;77&gt; &quot;a&amp;b&quot;</MerchantOrderID>\n"
             "      <StatusCode>Success</StatusCode>\n"
             "    </OrderAcknowledgement>\n"
             "  </Message>\n"
             "  <Message>\n"
             "    <MessageID>12</MessageID>\n"
             "    <OrderAcknowledgement>\n"
             "      <AmazonOrderID>026-1234567-7654321</AmazonOrderID>\n"
             "      <StatusCode>Failure</StatusCode>\n"
             "    </OrderAcknowledgement>\n"
             "  </Message>\n"
             "</AmazonEnvelope>\n");
    free(doc);
    check_schema(path, 1);

    /* an envelope without messages ends right after its MessageType */
    snprintf(path, sizeof(path), "%s/e0.xml", tmpdir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(feedw_open(&w, fp, "OrderFulfillment", "A1"), WB_OK);
    assert_int_equal(feedw_close(w), WB_OK);
    assert_int_equal(fclose(fp), 0);
    doc = tu_read(path, NULL);
    assert_non_null(strstr(doc, "  <MessageType>OrderFulfillment</MessageType>\n"
                                "</AmazonEnvelope>\n"));
    free(doc);
}

/* test_refusals - bad content is refused before a byte of the message is written */
static void test_refusals(void **state)
{
    (void)state;
    char path[PATH_MAX];
    FILE *fp;
    struct feedw *w = open_feed("f3.xml", "OrderFulfillment", &fp, path);
    struct fulfillment_item good = {"12345678901234", 1};
    struct fulfillment_item zero = {"12345678901234", 0};
    struct fulfillment_msg m = {.message_id = 5,
                                .amazon_order_id = "026-1234567-1234567",
                                .fulfillment_date = when(),
                                .carrier_code = "Other",
                                .carrier_name = NULL,
                                .tracking = "T1",
                                .items = &good,
                                .nitems = 1};
    assert_int_equal(feedw_fulfillment(w, &m), WB_PERMFAIL);
    assert_non_null(strstr(feedw_error(w), "CarrierName"));
    m.carrier_name = "";
    assert_int_equal(feedw_fulfillment(w, &m), WB_PERMFAIL);
    m.carrier_name = "Bad \xff\xfe UTF-8";
    assert_int_equal(feedw_fulfillment(w, &m), WB_PERMFAIL);
    m.carrier_name = "Over\xc0\xaflong";
    assert_int_equal(feedw_fulfillment(w, &m), WB_PERMFAIL);
    m.carrier_name = "Ctl\x01";
    assert_int_equal(feedw_fulfillment(w, &m), WB_PERMFAIL);
    m.carrier_name = "Non\xef\xbf\xbe"
                     "char";
    assert_int_equal(feedw_fulfillment(w, &m), WB_PERMFAIL);
    m.carrier_name = "Local Courier";
    m.items = &zero;
    assert_int_equal(feedw_fulfillment(w, &m), WB_PERMFAIL);
    m.items = &good;
    m.amazon_order_id = "";
    assert_int_equal(feedw_fulfillment(w, &m), WB_PERMFAIL);
    m.amazon_order_id = "026-1234567-1234567";
    m.carrier_code = "UPS"; /* a name without Other is a caller error */
    assert_int_equal(feedw_fulfillment(w, &m), WB_BADARG);
    m.carrier_code = "Other";
    m.message_id = 0;
    assert_int_equal(feedw_fulfillment(w, &m), WB_BADARG);
    m.message_id = 5;
    assert_int_equal(feedw_fulfillment(w, &m), WB_OK);
    assert_int_equal(feedw_fulfillment(w, &m), WB_BADARG); /* same MessageID again */
    struct ack_msg a = {6, "026-1234567-1234567", NULL, "Success", NULL, 0};
    assert_int_equal(feedw_ack(w, &a), WB_BADARG);
    assert_int_equal(feedw_messages(w), 1);
    assert_int_equal(feedw_close(w), WB_OK);
    assert_int_equal(fclose(fp), 0);
    check_schema(path, 1);

    struct feedw *w2 = NULL;
    FILE *f2 = fopen("/dev/null", "wb");
    assert_non_null(f2);
    assert_int_equal(feedw_open(&w2, f2, "Inventory", "A1"), WB_BADARG);
    assert_null(w2);
    assert_int_equal(feedw_open(&w2, f2, "OrderFulfillment", ""), WB_BADARG);
    assert_int_equal(feedw_open(&w2, NULL, "OrderFulfillment", "A1"), WB_BADARG);
    fclose(f2);
}

/* T - a feed_text of a literal */
#define T(lit) ((struct feed_text){(lit), sizeof(lit) - 1})

/* test_parts - a message composed item by item is the same text as one given whole; a refused
 * part (an item, a missing end) leaves nothing of its message */
static void test_parts(void **state)
{
    (void)state;
    char p1[PATH_MAX], p2[PATH_MAX];
    FILE *f1, *f2;
    struct feedw *whole = open_feed("whole.xml", "OrderFulfillment", &f1, p1);
    struct feedw *parts = open_feed("parts.xml", "OrderFulfillment", &f2, p2);
    struct fulfillment_item items[] = {{"12345678901234", 2}, {"12345678901235", 1}};
    struct fulfillment_msg m = {.message_id = 1,
                                .amazon_order_id = "026-1234567-1234567",
                                .fulfillment_date = when(),
                                .carrier_code = "Other",
                                .carrier_name = "A&B Courier",
                                .shipping_method = "Next Day",
                                .tracking = "TRK0001",
                                .items = items,
                                .nitems = 2};
    assert_int_equal(feedw_fulfillment(whole, &m), WB_OK);
    m.message_id = 2;
    m.carrier_code = "Royal Mail";
    m.carrier_name = NULL;
    assert_int_equal(feedw_fulfillment(whole, &m), WB_OK);

    /* values given by length need no NUL after them */
    const char order[] = "026-1234567-1234567XXXX", code[] = "12345678901234X";
    struct fulfillment_head h = {.message_id = 1,
                                 .fulfillment_date = when(),
                                 .amazon_order_id = {order, 19},
                                 .carrier_code = T("Other"),
                                 .carrier_name = T("A&B Courier"),
                                 .shipping_method = T("Next Day"),
                                 .tracking = T("TRK0001")};
    assert_int_equal(feedw_fulfillment_item(parts, code, 14, 1), WB_BADARG); /* none begun */
    assert_int_equal(feedw_fulfillment_end(parts), WB_BADARG);
    assert_int_equal(feedw_fulfillment_begin(parts, &h), WB_OK);
    assert_int_equal(feedw_fulfillment_begin(parts, &h), WB_BADARG); /* one at a time */
    assert_int_equal(feedw_fulfillment_item(parts, code, 14, 2), WB_OK);
    assert_int_equal(feedw_fulfillment_item(parts, "12345678901235", 14, 1), WB_OK);
    assert_int_equal(feedw_fulfillment_end(parts), WB_OK);
    /* a refused item drops its message, head and earlier items included */
    h.message_id = 2;
    h.carrier_code = T("Royal Mail");
    h.carrier_name = (struct feed_text){NULL, 0};
    h.tracking = T("TRK-DROPPED");
    assert_int_equal(feedw_fulfillment_begin(parts, &h), WB_OK);
    assert_int_equal(feedw_fulfillment_item(parts, code, 14, 2), WB_OK);
    assert_int_equal(feedw_fulfillment_item(parts, code, 14, 0), WB_PERMFAIL);
    assert_non_null(strstr(feedw_error(parts), "Quantity"));
    assert_int_equal(feedw_fulfillment_end(parts), WB_BADARG); /* nothing open any more */
    assert_int_equal(feedw_fulfillment_begin(parts, &h), WB_OK);
    assert_int_equal(feedw_fulfillment_item(parts, "1234\x01", 5, 1), WB_PERMFAIL);
    h.tracking = T("TRK0001");
    assert_int_equal(feedw_fulfillment_begin(parts, &h), WB_OK);
    assert_int_equal(feedw_fulfillment_item(parts, code, 14, 2), WB_OK);
    assert_int_equal(feedw_fulfillment_item(parts, "12345678901235", 14, 1), WB_OK);
    assert_int_equal(feedw_fulfillment_end(parts), WB_OK);
    /* a message never ended is not written, and close says so */
    h.message_id = 3;
    assert_int_equal(feedw_fulfillment_begin(parts, &h), WB_OK);
    assert_int_equal(feedw_fulfillment_item(parts, code, 14, 7), WB_OK);
    assert_int_equal(feedw_messages(parts), 2);
    assert_int_equal(feedw_close(whole), WB_OK);
    assert_int_equal(feedw_close(parts), WB_BADARG);
    assert_int_equal(fclose(f1), 0);
    assert_int_equal(fclose(f2), 0);

    char *a = tu_read(p1, NULL), *b = tu_read(p2, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    assert_null(strstr(b, "TRK-DROPPED"));
    assert_null(strstr(b, "<MessageID>3</MessageID>"));
    assert_non_null(strstr(b, "<CarrierName>A&amp;B Courier</CarrierName>"));
    free(a);
    free(b);
    check_schema(p2, 1);
}

/* test_message_ids - MessageIDs counted up one by one across 9 -> 10 -> ... -> 1000, and after
 * a jump, come out as their numbers */
static void test_message_ids(void **state)
{
    (void)state;
    char path[PATH_MAX];
    FILE *fp;
    struct feedw *w = open_feed("ids.xml", "OrderFulfillment", &fp, path);
    struct fulfillment_msg m = {.amazon_order_id = "026-1234567-1234567",
                                .fulfillment_date = when(),
                                .carrier_code = "UPS",
                                .tracking = "1Z999AA10123456784"};
    long ids[1100], n = 0;
    for (long i = 1; i <= 1001; i++)
        ids[n++] = i;
    ids[n++] = 1999; /* a jump, then on by one again */
    ids[n++] = 2000;
    ids[n++] = 2001;
    for (long i = 0; i < n; i++) {
        m.message_id = ids[i];
        assert_int_equal(feedw_fulfillment(w, &m), WB_OK);
    }
    assert_int_equal(feedw_close(w), WB_OK);
    assert_int_equal(fclose(fp), 0);
    char *doc = tu_read(path, NULL), *p = doc;
    assert_non_null(doc);
    for (long i = 0; i < n; i++) {
        char want[64];
        snprintf(want, sizeof want, "<MessageID>%ld</MessageID>", ids[i]);
        p = strstr(p, want);
        if (!p)
            fail_msg("%s missing or out of order", want);
    }
    assert_null(strstr(doc, "<MessageID>0"));
    free(doc);
}

/* test_dev_full - a full disk becomes WB_NOSPACE, sticky, and close reports it */
static void test_dev_full(void **state)
{
    (void)state;
    FILE *fp = fopen("/dev/full", "wb");
    if (!fp)
        skip();
    struct feedw *w = NULL;
    int rc = feedw_open(&w, fp, "OrderFulfillment", "A1B2C3D4E5");
    struct fulfillment_msg m = {.amazon_order_id = "026-1234567-1234567",
                                .fulfillment_date = when(),
                                .carrier_code = "UPS",
                                .tracking = "1Z999AA10123456784"};
    long i;
    for (i = 1; rc == WB_OK && i < 100000; i++) {
        m.message_id = i;
        rc = feedw_fulfillment(w, &m);
    }
    assert_int_equal(rc, WB_NOSPACE);
    assert_int_equal(feedw_fulfillment(w, &m), WB_NOSPACE);
    assert_int_equal(feedw_close(w), WB_NOSPACE);
    fclose(fp);
}

/* main - run the feed writer tests */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_other_carrier_escaping),
        cmocka_unit_test(test_each_element_escapes),
        cmocka_unit_test(test_many_messages),
        cmocka_unit_test(test_ack),
        cmocka_unit_test(test_ack_items),
        cmocka_unit_test(test_ack_text),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_message_ids),
        cmocka_unit_test(test_dev_full),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
