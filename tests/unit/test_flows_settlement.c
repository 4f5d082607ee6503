/*
 * test_flows_settlement.c - unit tests for the settlement reader (flows/):
 * amounts in the marketplaces' number formats as integer minor units,
 * Amazon's date formats, the summary row, refused files (V1, truncated, rows
 * that do not add up, another currency), the mapping through gl.map rules
 * and the journal balancing to the deposit. Owns only its buffers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/wb.h"
#include "flows/settlement.h"
#include "layout/layout.h"
#include "maps/glmap.h"

/* amount - parse t with exp decimals and a fresh mark; WB_* */
static int amount(const char *t, int exp, int64_t *v)
{
    char mark = 0;
    return settlement_amount(t, strlen(t), exp, &mark, v);
}

/* test_amounts - EU and US formats, thousands, negative, JPY, refusals */
static void test_amounts(void **state)
{
    (void)state;
    static const struct {
        const char *t;
        int exp;
        int64_t v;
    } good[] = {
        {"95,00", 2, 9500},
        {"95.00", 2, 9500},
        {"1.234,56", 2, 123456},
        {"1,234.56", 2, 123456},
        {"-1.234,56", 2, -123456},
        {"-0,01", 2, -1},
        {"1.234.567,89", 2, 123456789},
        {"0", 2, 0},
        {"1234", 2, 123400},
        {"1,234", 2, 123400},
        {"1.234", 2, 123400},
        {"1234", 0, 1234},
        {"-1,234", 0, -1234},
        {"92233720368547758,07", 2, INT64_MAX},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t v = 42;
        assert_int_equal(amount(good[i].t, good[i].exp, &v), WB_OK);
        assert_true(v == good[i].v);
    }
    static const char *const bad[] = {"",
                                      "-",
                                      "95,0",
                                      "95,000,00",
                                      "1.23.456,00",
                                      "12,34.56",
                                      "1,2345",
                                      "9.5",
                                      "95.00-",
                                      "+95.00",
                                      "95 00",
                                      "1e5",
                                      "0x10",
                                      "12,3a",
                                      ",50",
                                      "92233720368547758,08",
                                      "1.234,5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 42;
        assert_int_equal(amount(bad[i], 2, &v), WB_PERMFAIL);
        assert_true(v == 42);
    }
    /* one file, one decimal mark: 1,234.56 after 95,00 is refused, and so is a thousands
     * separator that is the file's decimal mark */
    char mark = 0;
    int64_t v;
    assert_int_equal(settlement_amount("95,00", 5, 2, &mark, &v), WB_OK);
    assert_int_equal(mark, ',');
    assert_int_equal(settlement_amount("1,234.56", 8, 2, &mark, &v), WB_PERMFAIL);
    assert_int_equal(settlement_amount("1,234", 5, 2, &mark, &v), WB_PERMFAIL);
    assert_int_equal(settlement_amount("1.234", 5, 2, &mark, &v), WB_OK);
    assert_true(v == 123400);
}

/* test_format - minor units back to text */
static void test_format(void **state)
{
    (void)state;
    char b[32];
    settlement_amount_format(-123456, 2, b, sizeof b);
    assert_string_equal(b, "-1234.56");
    settlement_amount_format(5, 2, b, sizeof b);
    assert_string_equal(b, "0.05");
    settlement_amount_format(-5, 2, b, sizeof b);
    assert_string_equal(b, "-0.05");
    settlement_amount_format(1234, 0, b, sizeof b);
    assert_string_equal(b, "1234");
    settlement_amount_format(INT64_MIN, 2, b, sizeof b);
    assert_string_equal(b, "-92233720368547758.08");
}

/* test_dates - both of Amazon's formats and the EU ones, as UTC */
static void test_dates(void **state)
{
    (void)state;
    const time_t want = 1794636000; /* 2026-11-14T06:00:00Z */
    static const char *const same[] = {"2026-11-14 06:00:00 UTC", "2026-11-14T06:00:00+00:00",
                                       "2026-11-14T06:00:00Z", "14.11.2026 06:00:00 UTC"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        time_t t = 0;
        assert_int_equal(settlement_time(same[i], &t), WB_OK);
        assert_true(t == want);
    }
    time_t t = 0;
    assert_int_equal(settlement_time("11/14/26", &t), WB_OK);
    assert_true(t == want - 6 * 3600);
    assert_int_equal(settlement_time("14.11.2026", &t), WB_OK);
    assert_true(t == want - 6 * 3600);
    static const char *const bad[] = {
        "",         "31.02.2026",          "2026-13-01",
        "14/11/26", "2026-11-14 06:00:00", "2026-11-14T06:00:00+01:00",
        "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(settlement_time(bad[i], &t), WB_PERMFAIL);
}

#define HEADER                                                                                     \
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"      \
    "currency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\t"        \
    "marketplace-name\tamount-type\tamount-description\tamount\tfulfillment-id\tposted-date\t"     \
    "posted-date-time\torder-item-code\tmerchant-order-item-id\tmerchant-adjustment-item-id\t"     \
    "sku\tquantity-purchased\n"
#define SUMMARY(total, cur)                                                                        \
    "777\t01.11.2026 00:00:00 UTC\t15.11.2026 00:00:00 UTC\t17.11.2026 00:00:00 UTC\t" total       \
    "\t" cur "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n"
#define ROW(type, atype, desc, amt)                                                                \
    "777\t\t\t\t\t\t" type "\t302-1234567-1234567\t\t\t\tAmazon.de\t" atype "\t" desc "\t" amt     \
    "\tAFN\t11/05/26\t2026-11-05 10:00:00 UTC\t1\t\t\tSKU-1\t1\n"

/* read_text - settlement_read over text; the reason in err */
static int read_text(const char *text, struct settlement *s, const char *cur, struct buf *err)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(f);
    int rc = settlement_read(s, f, cur, NULL, NULL, err);
    fclose(f);
    return rc;
}

/* refused - text is refused with a reason holding why */
static void refused(const char *text, const char *cur, const char *why)
{
    struct settlement s;
    struct buf err;
    buf_init(&err, 1 << 16);
    assert_int_equal(read_text(text, &s, cur, &err), WB_PERMFAIL);
    if (!strstr(buf_str(&err), why))
        fail_msg("reason '%s' lacks '%s'", buf_str(&err), why);
    settlement_free(&s);
    buf_free(&err);
}

static const char *const good_file = HEADER SUMMARY("-1.156,91", "EUR")
    ROW("Order", "ItemPrice", "Principal", "95,00") ROW("Order", "ItemFees", "Commission", "-14,25")
        ROW("Order", "ItemFees", "FBAPerUnitFulfillmentFee", "-3,10")
            ROW("Refund", "ItemPrice", "Principal", "-1.234,56")
                ROW("Order", "ItemPrice", "Principal", "0,00");

/* test_read - the summary, the combinations and their sums */
static void test_read(void **state)
{
    (void)state;
    struct settlement s;
    struct buf err;
    buf_init(&err, 1 << 16);
    assert_int_equal(read_text(good_file, &s, "EUR", &err), WB_OK);
    assert_string_equal(s.id, "777");
    assert_string_equal(s.currency, "EUR");
    assert_true(s.total == -115691 && s.sum == -115691);
    assert_int_equal(s.rows, 5);
    assert_int_equal(s.ncombos, 4);
    assert_string_equal(s.combos[0]->type, "Order");
    assert_string_equal(s.combos[0]->amount_type, "ItemPrice");
    assert_string_equal(s.combos[0]->description, "Principal");
    assert_int_equal(s.combos[0]->rows, 2);
    assert_true(s.combos[0]->sum == 9500);
    assert_true(s.deposit == 1794873600); /* 2026-11-17 */
    settlement_free(&s);
    buf_free(&err);
}

/* test_refused - whole files refused, each with its reason */
static void test_refused(void **state)
{
    (void)state;
    refused("settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-"
            "amount\tcurrency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\t"
            "shipment-id\tmarketplace-name\tshipment-fee-type\tshipment-fee-amount\torder-fee-"
            "type\torder-fee-amount\tfulfillment-id\tposted-date\torder-item-code\tmerchant-"
            "order-item-id\tmerchant-adjustment-item-id\tsku\tquantity-purchased\tprice-type\t"
            "price-amount\titem-related-fee-type\titem-related-fee-amount\tmisc-fee-amount\t"
            "other-fee-amount\tother-fee-reason-description\tpromotion-id\tpromotion-type\t"
            "promotion-amount\tdirect-payment-type\tdirect-payment-amount\tother-amount\n",
            NULL, "V1 settlement flat file (36 columns");
    refused(HEADER, NULL, "no summary row");
    refused("", NULL, "empty");
    /* truncated: mid-row, and at a line end (the rows do not reach the total) */
    char cut[4096];
    snprintf(cut, sizeof cut, "%s", good_file);
    cut[strlen(cut) - 20] = '\0';
    refused(cut, NULL, "truncated");
    refused(HEADER SUMMARY("-1.156,91", "EUR") ROW("Order", "ItemPrice", "Principal", "95,00"),
            NULL, "add up to 95.00 EUR, its total is -1156.91");
    refused(good_file, "GBP", "in EUR, the account's currency is GBP");
    refused(HEADER SUMMARY("1,00", "EUR") ROW("Order", "ItemPrice", "Principal", "1.00"), NULL,
            "line 3: amount '1.00'");
    refused(
        HEADER SUMMARY("2,00", "EUR") ROW(
            "Order", "ItemPrice", "Principal",
            "1,00") "777\t\t\t\t\t\tOrder\t302-1234567-1234567\t\t\t\tAmazon.de\tItemPrice\t"
                    "Principal\t1,00\tAFN\t13/05/26\t2026-11-05 10:00:00 UTC\t1\t\t\tSKU-1\t1\n",
        NULL, "line 4: posted-date '13/05/26' is not a date");
    refused(HEADER SUMMARY("1,00", "EUR") ROW("Order", "ItemPrice", "", "1,00"), NULL,
            "line 3: amount-description is empty");
    /* the unit separator would make two combinations one key */
    refused(HEADER SUMMARY("1,00", "EUR") ROW("Order", "Item\x1fPrice", "Principal", "1,00"), NULL,
            "line 3: amount-type is empty, longer than 200 bytes or holds a control character");
    refused(HEADER SUMMARY("1,00", "EUR") SUMMARY("1,00", "EUR"), NULL,
            "line 3: a second summary row");
    refused(HEADER ROW("Order", "ItemPrice", "Principal", "1,00"), NULL,
            "not the settlement summary");
    refused(HEADER SUMMARY("1,00", "EURO"), NULL, "not a currency code");
    refused(HEADER "777\tyesterday\t15.11.2026 00:00:00 UTC\t17.11.2026 00:00:00 UTC\t1,00\tEUR"
                   "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n",
            NULL, "settlement-start-date 'yesterday' is not a date");
    refused(HEADER SUMMARY("1,00", "EUR") "778\t\t\t\t\t\tOrder\t\t\t\t\t\tItemPrice\tPrincipal\t"
                                          "1,00\t\t\t\t\t\t\t\t\n",
            NULL, "settlement-id '778'");
}

/* journal - map s through gl text and write it with the journal layout into out */
static int journal(struct settlement *s, const char *gl, char *out, size_t n, struct buf *err)
{
    static const char lay[] = "name = j\nflow = settlements\nfield account = account\n"
                              "field amount = amount\nfield settlement_id = id\n";
    struct layout *l = NULL;
    struct glmap *m = NULL;
    assert_int_equal(layout_parse_text(lay, strlen(lay), "j", &l, err), WB_OK);
    assert_int_equal(glmap_parse_text("gl.map", gl, strlen(gl), &m, err), WB_OK);
    size_t nun = 0;
    int rc = settlement_map(s, m, err, &nun);
    if (rc == WB_OK) {
        FILE *f = fmemopen(out, n, "w");
        rc = settlement_journal(s, l, f);
        fclose(f);
    }
    glmap_free(m);
    layout_free(l);
    return rc;
}

/* test_journal - a line per account in account order, summing to the deposit exactly */
static void test_journal(void **state)
{
    (void)state;
    struct settlement s;
    struct buf err;
    buf_init(&err, 1 << 16);
    assert_int_equal(read_text(good_file, &s, NULL, &err), WB_OK);
    char out[4096] = {0};
    assert_int_equal(journal(&s,
                             "Order | ItemPrice | * = 4000\n* | ItemFees | * = 6100\n"
                             "Refund | * | * = 4100\n",
                             out, sizeof out, &err),
                     WB_OK);
    assert_string_equal(out, "account,amount,id\n4000,95.00,777\n4100,-1234.56,777\n"
                             "6100,-17.35,777\n");
    /* the journal's lines sum to the deposit: -1156.91 */
    settlement_free(&s);
    /* unmapped: every combination listed, nothing written */
    assert_int_equal(read_text(good_file, &s, NULL, &err), WB_OK);
    buf_reset(&err);
    memset(out, 0, sizeof out);
    assert_int_equal(journal(&s, "Order | ItemPrice | * = 4000\n", out, sizeof out, &err),
                     WB_PERMFAIL);
    assert_string_equal(out, "");
    assert_string_equal(buf_str(&err),
                        "Order | ItemFees | Commission: 1 row(s) from line 4, -14.25 EUR\n"
                        "Order | ItemFees | FBAPerUnitFulfillmentFee: 1 row(s) from line 5, "
                        "-3.10 EUR\n"
                        "Refund | ItemPrice | Principal: 1 row(s) from line 6, -1234.56 EUR\n");
    settlement_free(&s);
    buf_free(&err);
}

/* test_reserves - a reserve held and released nets out; a negative total (fees larger than
 * sales) balances like any other */
static void test_reserves(void **state)
{
    (void)state;
    struct settlement s;
    struct buf err;
    buf_init(&err, 1 << 16);
    assert_int_equal(read_text(HEADER SUMMARY("-40.00", "USD")
                                   ROW("other-transaction", "other-transaction",
                                       "Current Reserve Amount", "-100.00")
                                       ROW("other-transaction", "other-transaction",
                                           "Previous Reserve Amount Balance", "100.00")
                                           ROW("Order", "ItemFees", "Commission", "-1,040.00")
                                               ROW("Order", "ItemPrice", "Principal", "1,000.00"),
                               &s, "USD", &err),
                     WB_OK);
    char out[4096] = {0};
    assert_int_equal(journal(&s,
                             "* | * | *Reserve* = 1310\n* | ItemFees | * = 6100\n"
                             "* | * | * = 4000\n",
                             out, sizeof out, &err),
                     WB_OK);
    assert_string_equal(out, "account,amount,id\n1310,0.00,777\n4000,1000.00,777\n"
                             "6100,-1040.00,777\n");
    settlement_free(&s);
    buf_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts),  cmocka_unit_test(test_format),
        cmocka_unit_test(test_dates),    cmocka_unit_test(test_read),
        cmocka_unit_test(test_refused),  cmocka_unit_test(test_journal),
        cmocka_unit_test(test_reserves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
