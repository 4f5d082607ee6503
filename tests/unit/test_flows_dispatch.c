/*
 * test_flows_dispatch.c - the dispatch row checks (flows/dispatch.c) around every bound, on a
 * controlled clock (WB_FAKE_NOW, core/clock.h): ship ages in days and future times across
 * time zones, quantities by digits and value, carriers mapped exactly (Other with its
 * CarrierName, case-sensitive), and every byte of a ship method the feed writer would refuse.
 * Whatever the row checks pass the feed writer takes, and what they refuse for its text the
 * writer refuses too: one rule. Owns only its temporary streams; never touches the spool.
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
#include "core/clock.h"
#include "core/conf.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/dispatch.h"
#include "layout/layout.h"
#include "layout_testutil.h"
#include "maps/carriercodes.h"
#include "maps/carriers.h"

/* 2026-07-01T12:00:00Z: summer time in London (UTC+1) */
#define NOW ((time_t)1782907200)
#define NOW_TEXT "1782907200"
#define DAY 86400L

#define HEADER                                                                                     \
    "amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time,"        \
    "ship_method\n"

static const char codes_text[] = "Royal Mail\nDPD\nDPD Local\nOther\n";
static const char map_text[] = "RM24 | Royal Mail | | Tracked 24\n"
                               "DPDL | DPD Local | | Next Day\n"
                               "EVRI48 | Other | Evri | 48\n"
                               "BARE | DPD | | \n";

struct fx {
    struct layout *layout, *london;
    struct carriercodes *codes;
    struct carriers *map;
    struct dispatch_rules rules, rules_london;
    struct dispatch_rec rec;
    char code[32];
    char reason[512];
};

/* rules_for - dispatch rules over layout l with the given limits, on the fake clock */
static void rules_for(struct fx *f, struct dispatch_rules *r, const struct layout *l,
                      long max_age_days, long max_future_minutes)
{
    struct wb_config cfg;
    struct buf err;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_ship_age_days = max_age_days;
    cfg.max_future_minutes = max_future_minutes;
    buf_init(&err, 4096);
    assert_int_equal(dispatch_rules_init(r, l, f->map, NULL, &cfg, &err), WB_OK);
    buf_free(&err);
    assert_true(r->now == NOW); /* the rules read the controllable clock */
}

/* setup - layouts, maps and rules with max_ship_age_days 30 and max_future_minutes 10 */
static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    setenv("WB_FAKE_NOW", NOW_TEXT, 1);
    f->layout = tl_layout(UTF8_LAYOUT);
    f->london = tl_layout(LEGACY_LAYOUT);
    assert_int_equal(
        carriercodes_parse_text("codes", codes_text, strlen(codes_text), &f->codes, NULL), WB_OK);
    assert_int_equal(
        carriers_parse_text("carriers.map", map_text, strlen(map_text), f->codes, &f->map, NULL),
        WB_OK);
    rules_for(f, &f->rules, f->layout, 30, 10);
    rules_for(f, &f->rules_london, f->london, 30, 10);
    *state = f;
    return 0;
}

/* teardown - release the fixture */
static int teardown(void **state)
{
    struct fx *f = *state;
    carriers_free(f->map);
    carriercodes_free(f->codes);
    layout_free(f->layout);
    layout_free(f->london);
    free(f);
    unsetenv("WB_FAKE_NOW");
    return 0;
}

/* check_text - one CSV file (header and one row) through the reader and the row checks of r:
 * the verdict, with f->rec (a good row's copy) or f->code / f->reason */
static int check_text(struct fx *f, const struct dispatch_rules *r, const char *text, size_t n)
{
    size_t nreq;
    const char *const *req = dispatch_required_fields(&nreq);
    struct csvr *rd = NULL;
    struct buf err;
    buf_init(&err, 4096);
    FILE *in = tl_file(text, n);
    assert_int_equal(csvr_open(&rd, r->layout, in, req, nreq, &err), WB_OK);
    const struct csvr_row *row;
    assert_int_equal(csvr_next(rd, &row), WB_OK);
    struct dispatch_view v;
    f->code[0] = f->reason[0] = '\0';
    memset(&f->rec, 0, sizeof f->rec);
    int rc = dispatch_check_row(r, row, &v, f->code, sizeof f->code, f->reason, sizeof f->reason);
    if (rc == WB_OK)
        dispatch_rec_from_view(&v, &f->rec);
    else
        assert_int_equal(rc, WB_PERMFAIL);
    csvr_close(rd);
    fclose(in);
    buf_free(&err);
    return rc;
}

/* check - a row of the UTF-8 layout from its ship time text, quantity, carrier, tracking and
 * ship method cell (as it stands in the file, quotes included) */
static int check(struct fx *f, const char *when, const char *qty, const char *carrier,
                 const char *tracking, const char *method)
{
    char text[4096];
    int n = snprintf(text, sizeof text,
                     HEADER "026-1234567-1234567,12345678901234,SKU-1,%s,%s,%s,%s,%s\n", qty,
                     carrier, tracking, when, method);
    assert_true(n > 0 && (size_t)n < sizeof text);
    return check_text(f, &f->rules, text, (size_t)n);
}

/* at - UTC ISO 8601 text of NOW + delta seconds (a static buffer per call site's use) */
static const char *at(long delta, char *buf, size_t n)
{
    clock_format_iso(NOW + delta, buf, n);
    return buf;
}

/* good_when - a row shipped delta seconds from NOW, all else good */
static int good_when(struct fx *f, long delta)
{
    char t[32];
    return check(f, at(delta, t, sizeof t), "1", "RM24", "JD014600003828394", "");
}

/* expect_code - the row was rejected with code */
static void expect_code(struct fx *f, int rc, const char *code)
{
    if (rc != WB_PERMFAIL || strcmp(f->code, code) != 0)
        print_error("want %s, got rc=%d code=%s reason=%s\n", code, rc, f->code, f->reason);
    assert_int_equal(rc, WB_PERMFAIL);
    assert_string_equal(f->code, code);
}

/* test_age_days - max_ship_age_days counts days: 30 days ago is taken, a second more is not;
 * 31 hours (or 29 days) ago is well inside */
static void test_age_days(void **state)
{
    struct fx *f = *state;
    assert_int_equal(good_when(f, -3600), WB_OK);
    assert_int_equal(good_when(f, -31 * 3600L), WB_OK);
    assert_int_equal(good_when(f, -29 * DAY), WB_OK);
    assert_int_equal(good_when(f, -30 * DAY), WB_OK);
    assert_true(f->rec.ship_time == NOW - 30 * DAY);
    expect_code(f, good_when(f, -30 * DAY - 1), "E_SHIP_TIME_OLD");
    assert_non_null(strstr(f->reason, "more than 30 days ago"));
    expect_code(f, good_when(f, -400 * DAY), "E_SHIP_TIME_OLD");

    /* another limit: 2 days */
    struct dispatch_rules r2;
    rules_for(f, &r2, f->layout, 2, 10);
    char t[32], text[512];
    int n =
        snprintf(text, sizeof text,
                 HEADER "026-1234567-1234567,12345678901234,SKU-1,1,RM24,JD014600003828394,%s,\n",
                 at(-2 * DAY, t, sizeof t));
    assert_int_equal(check_text(f, &r2, text, (size_t)n), WB_OK);
    n = snprintf(text, sizeof text,
                 HEADER "026-1234567-1234567,12345678901234,SKU-1,1,RM24,JD014600003828394,%s,\n",
                 at(-2 * DAY - 1, t, sizeof t));
    expect_code(f, check_text(f, &r2, text, (size_t)n), "E_SHIP_TIME_OLD");
}

/* test_future - up to max_future_minutes ahead is taken (clock skew), a second more is not */
static void test_future(void **state)
{
    struct fx *f = *state;
    assert_int_equal(good_when(f, 0), WB_OK);
    assert_int_equal(good_when(f, 600), WB_OK);
    expect_code(f, good_when(f, 601), "E_SHIP_TIME_FUTURE");
    expect_code(f, good_when(f, 365 * DAY), "E_SHIP_TIME_FUTURE");
}

/* test_time_zones - offsets in the text and the layout's zone move the instant, not the rule */
static void test_time_zones(void **state)
{
    struct fx *f = *state;
    /* NOW + 600 s is 12:10Z = 14:10+02:00 = 07:10-05:00 */
    assert_int_equal(check(f, "2026-07-01T14:10:00+02:00", "1", "RM24", "JD014600003828394", ""),
                     WB_OK);
    assert_true(f->rec.ship_time == NOW + 600);
    expect_code(f, check(f, "2026-07-01T14:10:01+02:00", "1", "RM24", "JD014600003828394", ""),
                "E_SHIP_TIME_FUTURE");
    assert_int_equal(check(f, "2026-07-01T07:10:00-05:00", "1", "RM24", "JD014600003828394", ""),
                     WB_OK);
    expect_code(f, check(f, "2026-07-01T07:10:01-05:00", "1", "RM24", "JD014600003828394", ""),
                "E_SHIP_TIME_FUTURE");
    /* 30 days back in another zone: 2026-06-01T12:00Z = 2026-06-01T21:00+09:00 */
    assert_int_equal(check(f, "2026-06-01T21:00:00+09:00", "1", "RM24", "JD014600003828394", ""),
                     WB_OK);
    expect_code(f, check(f, "2026-06-01T20:59:59+09:00", "1", "RM24", "JD014600003828394", ""),
                "E_SHIP_TIME_OLD");

    /* a layout in London time (UTC+1 in July): 13:10 local is NOW + 600 s, 13:11 is not */
    const char *rows[] = {"01/07/2026 13:10", "01/07/2026 13:11", "01/06/2026 13:00",
                          "01/06/2026 12:59"};
    const int want[] = {WB_OK, WB_PERMFAIL, WB_OK, WB_PERMFAIL};
    const char *codes[] = {"", "E_SHIP_TIME_FUTURE", "", "E_SHIP_TIME_OLD"};
    for (size_t i = 0; i < 4; i++) {
        char text[512];
        int n = snprintf(text, sizeof text,
                         LEGACY_HEADER "026-1234567-1234567;12345678901234;SKU-1;1;RM24;"
                                       "JD014600003828394;%s\r\n",
                         rows[i]);
        int rc = check_text(f, &f->rules_london, text, (size_t)n);
        if (rc != want[i])
            print_error("%s: rc=%d code=%s reason=%s\n", rows[i], rc, f->code, f->reason);
        assert_int_equal(rc, want[i]);
        assert_string_equal(f->code, codes[i]);
    }
    /* a London time the clocks skipped (29 March 2026, 01:00-01:59) is named as such */
    char text[512];
    int n = snprintf(text, sizeof text,
                     LEGACY_HEADER "026-1234567-1234567;12345678901234;SKU-1;1;RM24;"
                                   "JD014600003828394;29/03/2026 01:30\r\n");
    expect_code(f, check_text(f, &f->rules_london, text, (size_t)n), "E_SHIP_TIME");
    assert_non_null(strstr(f->reason, "does not exist in time zone Europe/London (the clocks "
                                      "went forward over it)"));
}

/* test_quantity - whole numbers 1 to 9999 and nothing else, whatever the digits */
static void test_quantity(void **state)
{
    struct fx *f = *state;
    char t[32];
    const char *now = at(-3600, t, sizeof t);
    const char *good[] = {"1", "9", "10", "999", "1000", "9998", "9999", "01", "0009999"};
    const long value[] = {1, 9, 10, 999, 1000, 9998, 9999, 1, 9999};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        if (check(f, now, good[i], "RM24", "JD014600003828394", "") != WB_OK)
            print_error("quantity %s: %s\n", good[i], f->reason);
        assert_int_equal(f->code[0], '\0');
        assert_int_equal(f->rec.quantity, value[i]);
    }
    const char *bad[] = {"0",
                         "00",
                         "0000",
                         "10000",
                         "12345",
                         "99999",
                         "100000",
                         "-1",
                         "1.0",
                         "1e3",
                         "one",
                         "",
                         "99999999999999999999",
                         "9999x",
                         "10000 1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_code(f, check(f, now, bad[i], "RM24", "JD014600003828394", ""), "E_QUANTITY");
}

/* test_carriers - the WMS code maps exactly; Other carries its CarrierName; unknown and
 * case-different codes are refused */
static void test_carriers(void **state)
{
    struct fx *f = *state;
    char t[32];
    const char *now = at(-3600, t, sizeof t);
    assert_int_equal(check(f, now, "1", "RM24", "JD014600003828394", ""), WB_OK);
    assert_string_equal(f->rec.carrier_code, "Royal Mail");
    assert_string_equal(f->rec.carrier_name, "");
    assert_string_equal(f->rec.ship_method, "Tracked 24");
    assert_int_equal(check(f, now, "1", "EVRI48", "JD014600003828394", ""), WB_OK);
    assert_string_equal(f->rec.carrier_code, "Other");
    assert_string_equal(f->rec.carrier_name, "Evri");
    assert_string_equal(f->rec.ship_method, "48");
    assert_int_equal(check(f, now, "1", "BARE", "JD014600003828394", ""), WB_OK);
    assert_string_equal(f->rec.carrier_code, "DPD");
    assert_string_equal(f->rec.ship_method, "");
    /* the row's ship method replaces the map's */
    assert_int_equal(check(f, now, "1", "DPDL", "JD014600003828394", "Saturday"), WB_OK);
    assert_string_equal(f->rec.carrier_code, "DPD Local");
    assert_string_equal(f->rec.ship_method, "Saturday");
    expect_code(f, check(f, now, "1", "rm24", "JD014600003828394", ""), "E_CARRIER_UNMAPPED");
    assert_non_null(strstr(f->reason, "RM24")); /* the near miss is named */
    expect_code(f, check(f, now, "1", "evri48", "JD014600003828394", ""), "E_CARRIER_UNMAPPED");
    expect_code(f, check(f, now, "1", "UPS", "JD014600003828394", ""), "E_CARRIER_UNMAPPED");
    expect_code(f, check(f, now, "1", "", "JD014600003828394", ""), "E_CARRIER_UNMAPPED");
}

/* test_other_exact_case - "Other" is a carrier_code only in exactly that case: any other
 * spelling with a CarrierName fails the map (as `check` loads it), never every row at run time */
static void test_other_exact_case(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {"X | other | Evri | 48\n", "X | OTHER | Evri | 48\n",
                         "X | Other  | Evri | 48\n" /* blanks around fields are ignored */};
    const int want[] = {WB_CONFIG, WB_CONFIG, WB_OK};
    for (size_t i = 0; i < 3; i++) {
        struct carriers *m = NULL;
        struct buf errs;
        buf_init(&errs, 4096);
        int rc = carriers_parse_text("carriers.map", bad[i], strlen(bad[i]), f->codes, &m, &errs);
        if (rc != want[i])
            print_error("%s-> rc=%d %s\n", bad[i], rc, buf_str(&errs));
        assert_int_equal(rc, want[i]);
        if (m) {
            assert_string_equal(carriers_lookup(m, "X")->carrier_code, "Other");
            assert_string_equal(carriers_lookup(m, "X")->carrier_name, "Evri");
        }
        carriers_free(m);
        buf_free(&errs);
    }
}

/* writer_takes - 1 if the feed writer takes a message with this ship method */
static int writer_takes(const char *method, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    struct feedw *w = NULL;
    assert_int_equal(feedw_open(&w, out, "OrderFulfillment", "M1"), WB_OK);
    struct fulfillment_head h = {.message_id = 1,
                                 .fulfillment_date = NOW,
                                 .amazon_order_id = {"026-1234567-1234567", 19},
                                 .carrier_code = {"Royal Mail", 10},
                                 .shipping_method = {method, n},
                                 .tracking = {"JD014600003828394", 17}};
    int rc = feedw_fulfillment_begin(w, &h);
    if (rc == WB_OK)
        rc = feedw_fulfillment_item(w, "12345678901234", 14, 1);
    if (rc == WB_OK)
        rc = feedw_fulfillment_end(w);
    feedw_close(w);
    fclose(out);
    free(buf);
    assert_true(rc == WB_OK || rc == WB_PERMFAIL);
    return rc == WB_OK;
}

/* repeat - k copies of the character c into out (large enough), NUL terminated */
static void repeat(char *out, const char *c, int k)
{
    size_t n = strlen(c);
    for (int i = 0; i < k; i++)
        memcpy(out + (size_t)i * n, c, n);
    out[(size_t)k * n] = '\0';
}

/* test_ship_method_bytes - every ship method the feed writer would refuse is refused by the row
 * checks (E_SHIP_METHOD, the row alone); every one they pass is kept whole and the writer
 * takes it */
static void test_ship_method_bytes(void **state)
{
    struct fx *f = *state;
    char t[32], fifty[64], fifty1[64], euro43[256], emoji50[256], emoji51[256], cut[256];
    const char *now = at(-3600, t, sizeof t);
    memset(fifty, 'x', 50), fifty[50] = '\0';
    memset(fifty1, 'x', 51), fifty1[51] = '\0';
    repeat(euro43, "\xE2\x82\xAC", 43);      /* 129 bytes: was cut at 127, inside a character */
    repeat(emoji50, "\xF0\x9F\x98\x80", 50); /* 50 characters, 200 bytes */
    repeat(emoji51, "\xF0\x9F\x98\x80", 51);
    snprintf(cut, sizeof cut, "ab\xE2\x82"); /* a character cut short at the end */
    struct {
        const char *cell;  /* as in the file */
        const char *value; /* what the reader gives (NULL: as cell) */
        int ok;
        const char *why;
    } cases[] = {
        {"Tracked 24", NULL, 1, NULL},
        {"\"Next, Day\"", "Next, Day", 1, NULL},
        {"A&B <fast>", NULL, 1, NULL},
        {"Livraison \xC3\xA0 domicile", NULL, 1, NULL},
        {fifty, NULL, 1, NULL},
        {euro43, NULL, 1, NULL},
        {emoji50, NULL, 1, NULL},
        {"\"bad\tmethod\"", "bad\tmethod", 0, "holds a tab"},
        {"bad\tmethod", NULL, 0, "holds a tab"},
        {"\"two\r\nlines\"", "two\r\nlines", 0, "holds a line break"},
        {"\"two\nlines\"", "two\nlines", 0, "holds a line break"},
        {"\"cr\ronly\"", "cr\ronly", 0, "holds a line break"},
        {"bell\x07", NULL, 0, "control character 0x07"},
        {"esc\x1b[0m", NULL, 0, "control character 0x1B"},
        {"x\xEF\xBF\xBEy", NULL, 0, "U+FFFE"},
        {"x\xEF\xBF\xBFy", NULL, 0, "U+FFFF"},
        {fifty1, NULL, 0, "longer than 50 characters"},
        {emoji51, NULL, 0, "longer than 50 characters"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *value = cases[i].value ? cases[i].value : cases[i].cell;
        int rc = check(f, now, "1", "RM24", "JD014600003828394", cases[i].cell);
        if ((rc == WB_OK) != cases[i].ok)
            print_error("case %zu: rc=%d code=%s reason=%s\n", i, rc, f->code, f->reason);
        assert_int_equal(rc == WB_OK, cases[i].ok);
        /* one rule: the writer takes exactly what the row checks pass */
        assert_int_equal(writer_takes(value, strlen(value)), cases[i].ok);
        if (cases[i].ok) {
            assert_string_equal(f->rec.ship_method, value); /* whole, never cut */
            assert_true(str_utf8_valid(f->rec.ship_method, strlen(f->rec.ship_method)));
            continue;
        }
        assert_string_equal(f->code, "E_SHIP_METHOD");
        if (!strstr(f->reason, cases[i].why))
            print_error("case %zu: reason '%s' lacks '%s'\n", i, f->reason, cases[i].why);
        assert_non_null(strstr(f->reason, cases[i].why));
        assert_true(str_utf8_valid(f->reason, strlen(f->reason)));
    }
    /* a value cut inside a character never reaches the writer either */
    assert_int_equal(writer_takes(cut, strlen(cut)), 0);
    char why[128];
    assert_int_equal(str_text_check(cut, strlen(cut), FEED_STRING_MAX, why, sizeof why), 0);
    assert_non_null(strstr(why, "UTF-8"));
}

/* test_tracking_bounds - 6 to 50 characters (Amazon's String), letters, digits, '-', ' ' */
static void test_tracking_bounds(void **state)
{
    struct fx *f = *state;
    char t[32], tr50[64], tr51[64];
    const char *now = at(-3600, t, sizeof t);
    for (int i = 0; i < 51; i++)
        tr50[i] = tr51[i] = (char)('A' + i % 26);
    tr50[50] = '\0';
    tr51[51] = '\0';
    assert_int_equal(check(f, now, "1", "RM24", tr50, ""), WB_OK);
    assert_string_equal(f->rec.tracking, tr50);
    assert_int_equal(check(f, now, "1", "RM24", "AB1234", ""), WB_OK);
    expect_code(f, check(f, now, "1", "RM24", tr51, ""), "E_TRACKING_INVALID");
    expect_code(f, check(f, now, "1", "RM24", "AB123", ""), "E_TRACKING_INVALID");
    expect_code(f, check(f, now, "1", "RM24", "AAAAAAAA", ""), "E_TRACKING_INVALID");
    expect_code(f, check(f, now, "1", "RM24", "AB12/34", ""), "E_TRACKING_INVALID");
    expect_code(f, check(f, now, "1", "RM24", "", ""), "E_TRACKING_MISSING");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_age_days, setup, teardown),
        cmocka_unit_test_setup_teardown(test_future, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_zones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quantity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_carriers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_exact_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ship_method_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tracking_bounds, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
