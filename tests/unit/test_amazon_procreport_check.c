/*
 * test_amazon_procreport_check.c - unit tests of the rule by which a
 * processing report settles a feed (procreport_check) and of the verdict of
 * each message (procreport_message).
 *
 * Covers: an honest report with multi-result messages (Error then Warning,
 * Warning then Error), warning-only messages and messages without results;
 * feed-level Errors with and without a summary; every way a report can fail
 * to add up (format, transaction id, summary counts, MessageIDs, empty
 * report, Errors the summary does not count, a feed-level Error beside
 * successes); a Result naming another order than the one sent.
 * Must never write a file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "amazon/procreport.h"
#include "core/buf.h"
#include "core/wb.h"

#define FEED "50012345678"

/* six messages as sent, each for its own order */
static const struct proc_sent sent6[] = {
    {1, "026-1000001-1000001"}, {2, "026-1000002-1000002"}, {3, "026-1000003-1000003"},
    {4, "026-1000004-1000004"}, {5, "026-1000005-1000005"}, {6, "026-1000006-1000006"},
};

/* result - one Result element */
static void result(struct buf *b, long id, const char *code, const char *mcode, const char *order)
{
    buf_appendf(b,
                "<Result><MessageID>%ld</MessageID><ResultCode>%s</ResultCode>"
                "<ResultMessageCode>%s</ResultMessageCode>"
                "<ResultDescription>%s %s</ResultDescription>",
                id, code, mcode, code, mcode);
    if (order)
        buf_appendf(b, "<AdditionalInfo><AmazonOrderID>%s</AmazonOrderID></AdditionalInfo>", order);
    buf_appends(b, "</Result>");
}

/* report - an XML report: transaction id (NULL: none), summary (processed < 0: none) and the
 * Result elements already in results */
static void report(struct buf *b, const char *txid, long processed, long ok, long err, long warn,
                   const char *results)
{
    buf_reset(b);
    buf_appends(b, "<?xml version=\"1.0\"?>\n<AmazonEnvelope><Header><DocumentVersion>1.02"
                   "</DocumentVersion><MerchantIdentifier>M1</MerchantIdentifier></Header>"
                   "<MessageType>ProcessingReport</MessageType><Message><MessageID>1</MessageID>"
                   "<ProcessingReport>");
    if (txid)
        buf_appendf(b, "<DocumentTransactionID>%s</DocumentTransactionID>", txid);
    buf_appends(b, "<StatusCode>Complete</StatusCode>");
    if (processed >= 0)
        buf_appendf(b,
                    "<ProcessingSummary><MessagesProcessed>%ld</MessagesProcessed>"
                    "<MessagesSuccessful>%ld</MessagesSuccessful>"
                    "<MessagesWithError>%ld</MessagesWithError>"
                    "<MessagesWithWarning>%ld</MessagesWithWarning></ProcessingSummary>",
                    processed, ok, err, warn);
    buf_appendf(b, "%s</ProcessingReport></Message></AmazonEnvelope>\n", results);
}

/* check - parse doc and return procreport_check's verdict against sent6 of an XML feed */
static int check(const char *doc, struct proc_report *r, struct buf *why)
{
    struct buf err;
    buf_init(&err, 4096);
    int rc = procreport_parse(doc, strlen(doc), r, &err);
    if (rc != WB_OK)
        print_error("parse: %s\n", buf_str(&err));
    assert_int_equal(rc, WB_OK);
    buf_free(&err);
    return procreport_check(r, PROCREPORT_XML, FEED, sent6, 6, why);
}

/* verdict - procreport_message of sent6[id - 1] */
static int verdict(const struct proc_report *r, long id, const struct proc_result **cause,
                   size_t *n)
{
    const struct proc_result *first;
    return procreport_message(r, &sent6[id - 1], &first, n, cause);
}

/* test_honest - multi-result messages, warning-only messages, messages without results */
static void test_honest(void **state)
{
    (void)state;
    struct buf res, doc, why;
    buf_init(&res, 1 << 16);
    buf_init(&doc, 1 << 16);
    buf_init(&why, 4096);
    /* 2: Error then Warning; 4: Warning then Error; 5: two Warnings; 1, 3, 6: nothing;
       results out of MessageID order, as real reports may be */
    result(&res, 5, "Warning", "5001", "026-1000005-1000005");
    result(&res, 4, "Warning", "5000", NULL);
    result(&res, 2, "Error", "18028", "026-1000002-1000002");
    result(&res, 4, "Error", "18028", NULL);
    result(&res, 2, "Warning", "5000", NULL);
    result(&res, 5, "Warning", "5002", NULL);
    report(&doc, FEED, 6, 4, 2, 1, buf_str(&res));
    struct proc_report r;
    int v = check(buf_str(&doc), &r, &why);
    if (v != PROCREPORT_SETTLES)
        print_error("why: %s\n", buf_str(&why));
    assert_int_equal(v, PROCREPORT_SETTLES);

    const struct proc_result *cause;
    size_t n;
    assert_int_equal(verdict(&r, 1, &cause, &n), PROCREPORT_MSG_OK);
    assert_int_equal(n, 0);
    assert_int_equal(verdict(&r, 2, &cause, &n), PROCREPORT_MSG_ERROR);
    assert_int_equal(n, 2);
    assert_string_equal(cause->code, "18028");
    /* a Warning before the Error does not hide it */
    assert_int_equal(verdict(&r, 4, &cause, &n), PROCREPORT_MSG_ERROR);
    assert_int_equal(n, 2);
    assert_string_equal(cause->code, "18028");
    /* Warnings alone: applied, never rejected */
    const struct proc_result *first;
    assert_int_equal(procreport_message(&r, &sent6[4], &first, &n, &cause), PROCREPORT_MSG_WARNING);
    assert_int_equal(n, 2);
    assert_string_equal(first[0].code, "5001"); /* document order within the message */
    assert_string_equal(first[1].code, "5002");
    assert_null(cause);
    assert_int_equal(verdict(&r, 6, &cause, &n), PROCREPORT_MSG_OK);
    procreport_free(&r);

    /* a feed-level Warning beside successes does not stop a report */
    buf_reset(&res);
    result(&res, 0, "Warning", "5005", NULL);
    report(&doc, FEED, 6, 6, 0, 0, buf_str(&res));
    assert_int_equal(check(buf_str(&doc), &r, &why), PROCREPORT_SETTLES);
    for (long id = 1; id <= 6; id++)
        assert_int_equal(verdict(&r, id, &cause, &n), PROCREPORT_MSG_OK);
    procreport_free(&r);
    buf_free(&res);
    buf_free(&doc);
    buf_free(&why);
}

/* test_feed_failed - Amazon processed none of the document: nothing confirmed */
static void test_feed_failed(void **state)
{
    (void)state;
    struct buf res, doc, why;
    buf_init(&res, 1 << 16);
    buf_init(&doc, 1 << 16);
    buf_init(&why, 4096);
    struct proc_report r;
    result(&res, 0, "Error", "10001", NULL);
    /* with a summary that counts every message with error */
    report(&doc, FEED, 6, 0, 6, 0, buf_str(&res));
    assert_int_equal(check(buf_str(&doc), &r, &why), PROCREPORT_FEED_FAILED);
    assert_non_null(strstr(buf_str(&why), "10001"));
    procreport_free(&r);
    /* with a summary of nothing processed (as Amazon writes a FATAL report) */
    report(&doc, FEED, 0, 0, 1, 0, buf_str(&res));
    assert_int_equal(check(buf_str(&doc), &r, &why), PROCREPORT_FEED_FAILED);
    procreport_free(&r);
    /* without a summary */
    report(&doc, FEED, -1, 0, 0, 0, buf_str(&res));
    assert_int_equal(check(buf_str(&doc), &r, &why), PROCREPORT_FEED_FAILED);
    procreport_free(&r);
    /* nothing processed, no Result at all */
    report(&doc, FEED, 0, 0, 0, 0, "");
    assert_int_equal(check(buf_str(&doc), &r, &why), PROCREPORT_FEED_FAILED);
    procreport_free(&r);
    /* but never from another feed's report */
    report(&doc, "777", 6, 0, 6, 0, buf_str(&res));
    assert_int_equal(check(buf_str(&doc), &r, &why), PROCREPORT_UNPROVEN);
    procreport_free(&r);
    buf_free(&res);
    buf_free(&doc);
    buf_free(&why);
}

/* unproven - the report in doc settles nothing, with want in the reason */
static void unproven(const char *doc, const char *want)
{
    struct buf why;
    buf_init(&why, 4096);
    struct proc_report r;
    int v = check(doc, &r, &why);
    if (v != PROCREPORT_UNPROVEN || !strstr(buf_str(&why), want)) {
        print_error("verdict %d, why: %s\nreport: %s\n", v, buf_str(&why), doc);
        fail();
    }
    procreport_free(&r);
    buf_free(&why);
}

/* test_lies - every report that does not add up settles nothing */
static void test_lies(void **state)
{
    (void)state;
    struct buf res, doc;
    buf_init(&res, 1 << 16);
    buf_init(&doc, 1 << 16);
    /* an empty ProcessingReport */
    unproven("<ProcessingReport/>", "no transaction id");
    report(&doc, FEED, -1, 0, 0, 0, "");
    unproven(buf_str(&doc), "no summary");
    /* "0 successful, 6 with error" and no Result to say which */
    report(&doc, FEED, 6, 0, 6, 0, "");
    unproven(buf_str(&doc), "6 messages with error in the summary, 0 with an Error");
    /* Results only for MessageIDs never sent */
    result(&res, 9, "Error", "18028", NULL);
    report(&doc, FEED, 6, 5, 1, 0, buf_str(&res));
    unproven(buf_str(&doc), "MessageID 9, which was not sent");
    /* "5000 processed" for a 6-message feed */
    report(&doc, FEED, 5000, 5000, 0, 0, "");
    unproven(buf_str(&doc), "5000 messages processed, 6 sent");
    /* counts that do not add up among themselves */
    report(&doc, FEED, 6, 6, 1, 0, "");
    unproven(buf_str(&doc), "6 successful + 1 with error");
    /* another feed's DocumentTransactionID; none at all */
    report(&doc, "50099999999", 6, 6, 0, 0, "");
    unproven(buf_str(&doc), "answers feed 50099999999");
    report(&doc, NULL, 6, 6, 0, 0, "");
    unproven(buf_str(&doc), "no transaction id");
    /* an Error without MessageID beside successes */
    buf_reset(&res);
    result(&res, 0, "Error", "25", NULL);
    report(&doc, FEED, 6, 6, 0, 0, buf_str(&res));
    unproven(buf_str(&doc), "Error without MessageID");
    buf_reset(&res);
    result(&res, 0, "Error", "25", NULL);
    result(&res, 3, "Error", "18028", NULL);
    report(&doc, FEED, 6, 5, 1, 0, buf_str(&res));
    unproven(buf_str(&doc), "Error without MessageID");
    /* an Error the summary does not count */
    buf_reset(&res);
    result(&res, 3, "Error", "18028", NULL);
    report(&doc, FEED, 6, 6, 0, 0, buf_str(&res));
    unproven(buf_str(&doc), "0 messages with error in the summary, 1 with an Error");

    /* a JSON or flat-file report for an XML feed */
    struct buf why;
    buf_init(&why, 4096);
    struct proc_report r;
    static const char json[] = "{\"header\":{\"sellerId\":\"A1\",\"version\":\"2.0\",\"feedId\":"
                               "\"" FEED "\"},\"issues\":[],\"summary\":{\"messagesProcessed\":6,"
                               "\"messagesAccepted\":6,\"messagesInvalid\":0}}";
    assert_int_equal(procreport_parse(json, strlen(json), &r, &why), WB_OK);
    assert_string_equal(r.transaction_id, FEED);
    assert_int_equal(procreport_check(&r, PROCREPORT_XML, FEED, sent6, 6, &why),
                     PROCREPORT_UNPROVEN);
    assert_non_null(strstr(buf_str(&why), "a JSON report for a feed whose reports are XML"));
    /* the same JSON report does settle a JSON feed */
    assert_int_equal(procreport_check(&r, PROCREPORT_JSON, FEED, sent6, 6, &why),
                     PROCREPORT_SETTLES);
    procreport_free(&r);
    static const char flat[] =
        "Feed Processing Summary:\n"
        "\tNumber of records processed\t\t6\n"
        "\tNumber of records successful\t\t6\n\n"
        "original-record-number\tsku\terror-code\terror-type\terror-message\n";
    assert_int_equal(procreport_parse(flat, strlen(flat), &r, &why), WB_OK);
    assert_int_equal(procreport_check(&r, PROCREPORT_XML, FEED, sent6, 6, &why),
                     PROCREPORT_UNPROVEN);
    assert_non_null(strstr(buf_str(&why), "a flat-file report"));
    procreport_free(&r);
    buf_free(&why);
    buf_free(&res);
    buf_free(&doc);
}

/* test_other_order - a Result naming another order rejects its message, naming both */
static void test_other_order(void **state)
{
    (void)state;
    struct buf res, doc, why;
    buf_init(&res, 1 << 16);
    buf_init(&doc, 1 << 16);
    buf_init(&why, 4096);
    result(&res, 3, "Warning", "5001", "171-9999999-9999999");
    result(&res, 4, "Warning", "5001", "026-1000004-1000004");
    report(&doc, FEED, 6, 6, 0, 2, buf_str(&res));
    struct proc_report r;
    assert_int_equal(check(buf_str(&doc), &r, &why), PROCREPORT_SETTLES);
    const struct proc_result *cause;
    size_t n;
    assert_int_equal(verdict(&r, 3, &cause, &n), PROCREPORT_MSG_OTHER_ORDER);
    assert_string_equal(cause->order_id, "171-9999999-9999999");
    assert_int_equal(verdict(&r, 4, &cause, &n), PROCREPORT_MSG_WARNING);
    /* a message sent without an order id is not judged by one */
    struct proc_sent bare = {3, ""};
    const struct proc_result *first;
    assert_int_equal(procreport_message(&r, &bare, &first, &n, &cause), PROCREPORT_MSG_WARNING);
    procreport_free(&r);
    buf_free(&res);
    buf_free(&doc);
    buf_free(&why);
}

/* main - run the settling rule tests */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_honest),
        cmocka_unit_test(test_feed_failed),
        cmocka_unit_test(test_lies),
        cmocka_unit_test(test_other_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
