/*
 * test_flows_ack.c - unit tests of the ack and cancel flows' rules and renderer: the WMS reason
 * -> CancelReason map, the ledger payload round trip, and the OrderAcknowledgement messages
 * ack_write_message renders (Success for an order, Failure with its cancelled items or the
 * whole order). Writes only to memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amazon/feed_xml.h"
#include "core/buf.h"
#include "core/wb.h"
#include "flows/ack_flow.h"

/* test_reasons - Amazon's values in any case and spacing, the WMS words, nothing else */
static void test_reasons(void **state)
{
    (void)state;
    assert_string_equal(ack_cancel_reason("NoInventory", 11), "NoInventory");
    assert_string_equal(ack_cancel_reason("buyer_canceled", 14), "BuyerCanceled");
    assert_string_equal(ack_cancel_reason("Out of stock", 12), "NoInventory");
    assert_string_equal(ack_cancel_reason("BAD-ADDRESS", 11), "ShippingAddressUndeliverable");
    assert_null(ack_cancel_reason("lost in space", 13));
    assert_null(ack_cancel_reason("", 0));
    assert_null(ack_cancel_reason("No<Inventory>", 13));
    assert_null(ack_cancel_reason("NoInventoryNoInventoryNoInventoryNoInventoryNoInventory", 55));
}

/* test_payload - a row's payload reads back as it was written; foreign text is refused */
static void test_payload(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1024);
    struct ack_rec r = {'F', "026-1234567-1234567", "12345678901234", "NoInventory"}, back;
    assert_int_equal(ack_payload(&r, &b), WB_OK);
    assert_int_equal(ack_from_payload(buf_str(&b), &back), WB_OK);
    assert_memory_equal(&r, &back, sizeof r);
    assert_int_equal(ack_from_payload("S|026-1234567-1234567||", &back), WB_OK);
    assert_int_equal(back.status, 'S');
    assert_string_equal(back.item_code, "");
    assert_int_equal(ack_from_payload("X|026-1234567-1234567||", &back), WB_BADARG);
    assert_int_equal(ack_from_payload("S|||", &back), WB_BADARG);
    assert_int_equal(ack_from_payload("S|026-1234567-1234567|||extra", &back), WB_BADARG);
    buf_free(&b);
}

/* render - messages of recs groups into a document in memory */
static char *render(const struct ack_rec *recs, const size_t *groups, size_t ngroups)
{
    char *doc = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&doc, &len);
    struct feedw *w = NULL;
    assert_non_null(fp);
    assert_int_equal(feedw_open(&w, fp, "OrderAcknowledgement", "M1"), WB_OK);
    for (size_t g = 0, at = 0; g < ngroups; at += groups[g], g++)
        assert_int_equal(ack_write_message(w, (long)g + 1, recs + at, groups[g]), WB_OK);
    assert_int_equal(feedw_close(w), WB_OK);
    fclose(fp);
    return doc;
}

/* test_render - Success for the order (no Item); Failure with an Item and CancelReason per
 * cancelled line; a whole-order cancellation without Item */
static void test_render(void **state)
{
    (void)state;
    const struct ack_rec recs[] = {
        {'S', "026-1234567-1234567", "", ""},
        {'F', "026-1234567-7654321", "12345678901234", "NoInventory"},
        {'F', "026-1234567-7654321", "12345678901235", "PricingError"},
        {'F', "026-1234567-0000001", "", "BuyerCanceled"},
    };
    const size_t groups[] = {1, 2, 1};
    char *doc = render(recs, groups, 3);
    assert_non_null(strstr(doc, "<MerchantIdentifier>M1</MerchantIdentifier>"));
    assert_non_null(strstr(doc, "<MessageID>1</MessageID>\n    <OrderAcknowledgement>\n      "
                                "<AmazonOrderID>026-1234567-1234567</AmazonOrderID>\n      "
                                "<StatusCode>Success</StatusCode>\n    </OrderAcknowledgement>"));
    assert_non_null(strstr(doc, "<AmazonOrderItemCode>12345678901234</AmazonOrderItemCode>\n"
                                "        <CancelReason>NoInventory</CancelReason>"));
    assert_non_null(strstr(doc, "<AmazonOrderItemCode>12345678901235</AmazonOrderItemCode>\n"
                                "        <CancelReason>PricingError</CancelReason>"));
    assert_non_null(strstr(doc, "<AmazonOrderID>026-1234567-0000001</AmazonOrderID>\n      "
                                "<StatusCode>Failure</StatusCode>\n    </OrderAcknowledgement>"));
    free(doc);
}

/* test_render_bounds - no message of no rows or of more rows than a message holds */
static void test_render_bounds(void **state)
{
    (void)state;
    struct ack_rec recs[ACK_MESSAGE_MAX_ITEMS + 1];
    for (size_t i = 0; i < WB_ARRAY_LEN(recs); i++)
        recs[i] = (struct ack_rec){'F', "026-1234567-7654321", "12345678901234", "NoInventory"};
    char *doc = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&doc, &len);
    struct feedw *w = NULL;
    assert_int_equal(feedw_open(&w, fp, "OrderAcknowledgement", "M1"), WB_OK);
    assert_int_equal(ack_write_message(w, 1, recs, 0), WB_BADARG);
    assert_int_equal(ack_write_message(w, 1, recs, WB_ARRAY_LEN(recs)), WB_BADARG);
    assert_int_equal(ack_write_message(w, 1, recs, ACK_MESSAGE_MAX_ITEMS), WB_OK);
    feedw_close(w);
    fclose(fp);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_payload),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_render_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
