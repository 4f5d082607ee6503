/*
 * test_layout_file.c - unit tests for layout files and date-time parsing.
 *
 * Covers the shipped layouts in formats/, every validation error with its line
 * number, comment rules, safe layout names, and layout_parse_time in UTC and
 * across both 2026 DST changes in Europe/London. Runs from the repository root.
 */
#include "layout_testutil.h"
#include "core/tz.h"
#include "layout/layout_int.h"

#include <stdlib.h>
#include <time.h>

/* load_errs - parse text expecting WB_CONFIG; returns the error text (caller frees) */
static char *load_errs(const char *text)
{
    struct layout *l = (struct layout *)1;
    struct buf errs;
    buf_init(&errs, 8192);
    int rc = layout_parse_text(text, strlen(text), "t.layout", &l, &errs);
    assert_int_equal(rc, WB_CONFIG);
    assert_null(l);
    return buf_detach(&errs);
}

/* expect_err - assert that errs contains needle */
static void expect_err(const char *errs, const char *needle)
{
    if (!strstr(errs, needle))
        fail_msg("expected '%s' in:\n%s", needle, errs);
}

/* test_shipped_layouts - both formats/ layouts load and describe themselves */
static void test_shipped_layouts(void **state)
{
    (void)state;
    struct layout *l;
    struct buf errs;
    buf_init(&errs, 4096);
    assert_int_equal(layout_load_named("formats", "dispatch-legacy", &l, &errs), WB_OK);
    assert_string_equal(layout_name(l), "dispatch-legacy");
    assert_string_equal(layout_flow(l), "dispatch");
    assert_string_equal(layout_encoding(l), "windows-1252");
    assert_int_equal(layout_nfields(l), 7);
    assert_int_equal(layout_field_index(l, "order_id"), 0);
    assert_int_equal(layout_field_index(l, "ship_time"), 6);
    assert_int_equal(layout_field_index(l, "ship_method"), -1);
    assert_int_equal(layout_field_index(l, "nope"), -1);
    assert_string_equal(layout_field_header(l, 3), "Qty Shipped");
    assert_string_equal(layout_field_name(l, 4), "carrier");
    assert_null(layout_field_name(l, 7));
    layout_free(l);

    assert_int_equal(layout_load("formats/dispatch-utf8.layout", &l, &errs), WB_OK);
    assert_string_equal(layout_name(l), "dispatch-utf8");
    assert_int_equal(layout_field_index(l, "ship_method"), 7);
    layout_free(l);
    assert_int_equal(errs.len, 0);

    /* a layout that cannot be read says why */
    assert_int_equal(layout_load("formats/missing.layout", &l, &errs), WB_CONFIG);
    assert_null(l);
    assert_string_equal(buf_str(&errs), "formats/missing.layout: cannot read layout file: No such "
                                        "file or directory\n");
    buf_reset(&errs);
    assert_int_equal(layout_load("formats", &l, &errs), WB_CONFIG);
    assert_string_equal(buf_str(&errs), "formats: cannot read layout file: Is a directory\n");
    buf_free(&errs);
}

/* test_bad_names - layout_load_named refuses names that could escape the directory */
static void test_bad_names(void **state)
{
    (void)state;
    const char *bad[] = {"../etc/passwd", ".hidden", "a/b", "", "-x", "x y"};
    for (size_t i = 0; i < WB_ARRAY_LEN(bad); i++) {
        struct layout *l = (struct layout *)1;
        struct buf errs;
        buf_init(&errs, 1024);
        assert_int_equal(layout_load_named("formats", bad[i], &l, &errs), WB_CONFIG);
        assert_null(l);
        assert_true(errs.len > 0);
        buf_free(&errs);
    }
    struct layout *l;
    struct buf errs;
    buf_init(&errs, 1024);
    assert_int_equal(layout_load_named("formats", "no-such-layout", &l, &errs), WB_CONFIG);
    expect_err(buf_str(&errs), "cannot read");
    buf_free(&errs);
}

/* test_errors_with_lines - every error is reported with file and line */
static void test_errors_with_lines(void **state)
{
    (void)state;
    char *e = load_errs("# comment\n"                   /* 1 */
                        "name = bad name\n"             /* 2 */
                        "colour = blue\n"               /* 3 */
                        "delimiter = ;;\n"              /* 4 */
                        "field order_id = A\n"          /* 5 */
                        "field order_id = B\n"          /* 6 */
                        "field sku = a\n"               /* 7 */
                        "just some words\n"             /* 8 */
                        "bom = sometimes\n"             /* 9 */
                        "header = no\n"                 /* 10 */
                        "time_zone = Mars/Olympus\n"    /* 11 */
                        "encoding = NO-SUCH-CHARSET\n"  /* 12 */
                        "datetime_format = yesterday\n" /* 13 */
                        "line_end = cr\n"               /* 14 */
                        "max_field = 0\n"               /* 15 */
                        "field Bad-Name = x\n"          /* 16 */
                        "quote =\n"                     /* 17 */
                        "name = again\n"                /* 18 */
                        "= value\n"                     /* 19 */
                        "field carrier =\n");           /* 20 */
    expect_err(e, "t.layout:2: bad name 'bad name'");
    expect_err(e, "t.layout:3: unknown key 'colour'");
    expect_err(e, "t.layout:4: delimiter must be one printable character");
    expect_err(e, "t.layout:6: field order_id declared twice");
    expect_err(e, "t.layout:7: header 'a' is already used by field order_id");
    expect_err(e, "t.layout:8: expected 'key = value'");
    expect_err(e, "t.layout:9: bom must be");
    expect_err(e, "t.layout:10: only 'header = yes'");
    expect_err(e, "t.layout:11: unknown time zone 'Mars/Olympus'");
    expect_err(e, "t.layout:12: encoding 'NO-SUCH-CHARSET'");
    expect_err(e, "t.layout:13: datetime_format reads no year (%Y or %y): 'yesterday'");
    expect_err(e, "t.layout:14: line_end must be lf or crlf");
    expect_err(e, "t.layout:15: max_field must be");
    expect_err(e, "t.layout:16: bad field name 'Bad-Name'");
    expect_err(e, "t.layout:17: 'quote' has no value");
    expect_err(e, "t.layout:18: 'name' given twice (first on line 2)");
    expect_err(e, "t.layout:19: missing key");
    expect_err(e, "t.layout:20: field carrier has no header text");
    expect_err(e, "t.layout: missing 'flow'");
    free(e);
}

/* test_flow_fields - the file's own rules (a flow's vocabulary is test_flows_dispatch's) */
static void test_flow_fields(void **state)
{
    (void)state;
    struct layout *l;
    char *e = load_errs("name = x\nflow = other\n");
    expect_err(e, "no 'field' lines");
    free(e);
    e = load_errs("name = x\nflow = other\ndelimiter = \"\nfield a = A\n");
    expect_err(e, "delimiter and quote are the same character");
    free(e);
    e = load_errs("name = x\nflow = other\nencoding = UTF-16\nfield a = A\n");
    expect_err(e, "t.layout:3: encoding 'UTF-16' is unknown to iconv or not ASCII compatible");
    free(e);
    e = load_errs("name = x\nflow = other\nencoding = SHIFT_JIS\nfield a = A\n");
    expect_err(e, "t.layout:3: encoding 'SHIFT_JIS' is unknown to iconv or not ASCII compatible");
    free(e);
    l = tl_layout("name = x\nflow = other\nencoding = EUC-JP\nfield a = A\n");
    layout_free(l);
    e = load_errs("name = x\nflow = other\nencoding = latin1\nbom = required\nfield a = A\n");
    expect_err(e, "t.layout:4: bom = required needs encoding UTF-8");
    free(e);
    e = load_errs("name = x\nflow = other\ntime_zone = zone.tab\nfield a = A\n");
    expect_err(e, "t.layout:3: unknown time zone 'zone.tab'");
    free(e);
    e = load_errs("name = x\nflow = other\ntime_zone = ../../etc/passwd\nfield a = A\n");
    expect_err(e, "t.layout:3: unknown time zone");
    free(e);
    e = load_errs("name = x\nflow = other\nfield a = \xff\xfe\n");
    expect_err(e, "t.layout:3: header text of field a is not valid UTF-8");
    free(e);
    l = NULL;
    struct buf errs;
    buf_init(&errs, 1024);
    assert_int_equal(layout_parse_text("name = x\0", 9, "nul.layout", &l, &errs), WB_CONFIG);
    expect_err(buf_str(&errs), "NUL byte");
    buf_free(&errs);
}

/* test_comments - comment rules keep '#' inside header names */
static void test_comments(void **state)
{
    (void)state;
    struct layout *l = tl_layout("  # indented comment\n#tight comment\n"
                                 "name = x   # trailing comment\r\n"
                                 "flow = other\n"
                                 "delimiter = tab\n"
                                 "field a = Order #\n"
                                 "field b = Item#Code # the item\n"
                                 "field c = Total = Net\n");
    assert_string_equal(layout_name(l), "x");
    assert_string_equal(layout_field_header(l, 0), "Order #");
    assert_string_equal(layout_field_header(l, 1), "Item#Code");
    assert_string_equal(layout_field_header(l, 2), "Total = Net");
    layout_free(l);
}

/* parse_ok - parse text with layout l, expecting success */
static time_t parse_ok(const struct layout *l, const char *text)
{
    time_t t = 0;
    int rc = layout_parse_time(l, text, &t);
    if (rc != WB_OK)
        fail_msg("'%s' did not parse", text);
    return t;
}

/* test_time_iso - iso8601 with Z, offsets, fractions and the layout zone */
static void test_time_iso(void **state)
{
    (void)state;
    struct layout *l = tl_layout(UTF8_LAYOUT);
    time_t t;
    assert_int_equal(parse_ok(l, "2026-11-20T14:03:00Z"), 1795183380);
    assert_int_equal(parse_ok(l, "2026-11-20T14:03:00"), 1795183380);
    assert_int_equal(parse_ok(l, "2026-11-20T15:03:00+01:00"), 1795183380);
    assert_int_equal(parse_ok(l, "2026-11-20T09:03:00-0500"), 1795183380);
    assert_int_equal(parse_ok(l, "2026-11-20T16:03:00+02"), 1795183380);
    assert_int_equal(parse_ok(l, "2026-11-20T14:03:00.123Z"), 1795183380);
    assert_int_equal(parse_ok(l, "2028-02-29T00:00:00Z"), 1835395200);
    /* the day of the usual form is remembered: days in turn, and bad times on a known day */
    assert_int_equal(parse_ok(l, "2026-11-21T14:03:00Z"), 1795183380 + 86400);
    assert_int_equal(parse_ok(l, "2026-11-20T14:03:01Z"), 1795183381);
    assert_int_equal(parse_ok(l, "2026-11-21T00:00:00Z"), 1795183380 - 14 * 3600 - 3 * 60 + 86400);
    assert_int_equal(parse_ok(l, "2026-11-21T14:03:60Z"), 1795183380 + 86400 + 60);
    assert_int_equal(layout_parse_time(l, "2026-11-21T24:00:00Z", &t), WB_PERMFAIL);
    assert_int_equal(layout_parse_time(l, "2026-11-21T14:03:61Z", &t), WB_PERMFAIL);
    assert_int_equal(layout_parse_time(l, "2026-11-21T14:0a:00Z", &t), WB_PERMFAIL);
    assert_int_equal(layout_parse_time(l, "2026-11-21X14:03:00Z", &t), WB_PERMFAIL);
    assert_int_equal(parse_ok(l, "2026-11-21T14:03:00Z"), 1795183380 + 86400);
    const char *bad[] = {"",
                         "2026-11-20",
                         "2026-11-20 14:03:00Z",
                         "2026-11-20T14:03:00Zx",
                         "2026-11-20T14:03Z",
                         "2026-02-29T00:00:00Z",
                         "2026-13-01T00:00:00Z",
                         "2026-11-31T00:00:00Z",
                         "2026-11-20T24:00:00Z",
                         "2026-11-20T14:60:00Z",
                         "2026-11-20T14:03:00+1:00",
                         "2026-11-20T14:03:00+01:00 ",
                         " 2026-11-20T14:03:00Z",
                         "2026-11-20T14:03:00.Z",
                         "2O26-11-20T14:03:00Z",
                         "1899-12-31T23:59:59Z",
                         "2026-00-10T00:00:00Z",
                         "2026-11-00T00:00:00Z"};
    for (size_t i = 0; i < WB_ARRAY_LEN(bad); i++)
        if (layout_parse_time(l, bad[i], &t) != WB_PERMFAIL)
            fail_msg("'%s' should not parse", bad[i]);
    /* calendar arithmetic agrees with timegm over three centuries */
    for (int y = 1900; y < 2200; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 29; d += 27) {
                char text[40];
                struct tm tm = {.tm_year = y - 1900,
                                .tm_mon = m - 1,
                                .tm_mday = d,
                                .tm_hour = 23,
                                .tm_min = 59,
                                .tm_sec = 58};
                if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
                    continue;
                snprintf(text, sizeof text, "%04d-%02d-%02dT23:59:58Z", y, m, d);
                assert_int_equal(parse_ok(l, text), timegm(&tm));
            }
    layout_free(l);
}

/* test_time_london_dst - local times across both 2026 changes in Europe/London */
static void test_time_london_dst(void **state)
{
    (void)state;
    setenv("TZ", "Asia/Tokyo", 1);
    struct layout *l = tl_layout(LEGACY_LAYOUT);
    time_t t;
    /* spring forward, Sunday 29 March 2026: 01:00-01:59 does not exist */
    assert_int_equal(parse_ok(l, "29/03/2026 00:30"), 1774744200);
    assert_int_equal(layout_parse_time(l, "29/03/2026 01:30", &t), WB_NOTFOUND);
    assert_int_equal(parse_ok(l, "29/03/2026 02:30"), 1774747800);
    /* fall back, Sunday 25 October 2026: 01:00-01:59 happens twice, the first wins */
    assert_int_equal(parse_ok(l, "25/10/2026 00:30"), 1792884600);
    assert_int_equal(parse_ok(l, "25/10/2026 01:30"), 1792888200);
    assert_int_equal(parse_ok(l, "25/10/2026 02:30"), 1792895400);
    /* cached hours give the same answers, in any order */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(parse_ok(l, "01/07/2026 12:00"), 1782903600);
        assert_int_equal(parse_ok(l, "25/10/2026 02:30"), 1792895400);
        assert_int_equal(parse_ok(l, "29/03/2026 00:30"), 1774744200);
        assert_int_equal(layout_parse_time(l, "29/03/2026 01:59", &t), WB_NOTFOUND);
    }
    /* the caller's TZ is left alone */
    assert_string_equal(getenv("TZ"), "Asia/Tokyo");
    const char *bad[] = {"31/02/2026 10:00", "1/2/2026 10:00 x",     "01/02/2026",
                         "01/02/2026 25:00", "2026-02-01T10:00:00Z", ""};
    for (size_t i = 0; i < WB_ARRAY_LEN(bad); i++)
        if (layout_parse_time(l, bad[i], &t) != WB_PERMFAIL)
            fail_msg("'%s' should not parse", bad[i]);
    layout_free(l);
    /* iso8601 without an offset is local time in the layout zone */
    l = tl_layout("name = x\nflow = other\ntime_zone = Europe/London\nfield a = A\n");
    assert_int_equal(parse_ok(l, "2026-07-01T12:00:00"), 1782903600);
    assert_int_equal(parse_ok(l, "2026-07-01T12:00:00Z"), 1782907200);
    layout_free(l);
    unsetenv("TZ");
}

/* test_time_other_zones - New York and Sydney (summer in the other half of the year), both
 * changes each, through the zone engine the schedule uses; zones the engine dropped from its
 * cache in between load again */
static void test_time_other_zones(void **state)
{
    (void)state;
    struct layout *ny = tl_layout("name = x\nflow = other\ntime_zone = America/New_York\n"
                                  "datetime_format = %d/%m/%Y %H:%M\nfield a = A\n");
    struct layout *syd = tl_layout("name = y\nflow = other\ntime_zone = Australia/Sydney\n"
                                   "datetime_format = %d/%m/%Y %H:%M\nfield a = A\n");
    time_t t;
    assert_int_equal(layout_parse_time(ny, "08/03/2026 02:30", &t), WB_NOTFOUND);
    assert_int_equal(parse_ok(ny, "08/03/2026 03:00"), 1772953200);
    assert_int_equal(parse_ok(ny, "01/11/2026 01:30"), 1793511000); /* repeated: the first */
    assert_int_equal(parse_ok(ny, "01/11/2026 02:00"), 1793516400);
    assert_int_equal(layout_parse_time(syd, "04/10/2026 02:30", &t), WB_NOTFOUND);
    assert_int_equal(parse_ok(syd, "04/10/2026 03:00"), 1791043200);
    assert_int_equal(parse_ok(syd, "05/04/2026 02:30"), 1775316600); /* repeated: the first */
    /* other users of the engine fill its cache; a new hour still reads right */
    static const char *const others[] = {"Europe/Paris",   "Europe/Berlin", "America/Chicago",
                                         "America/Denver", "Asia/Tokyo",    "Asia/Kolkata",
                                         "Europe/Lisbon",  "Europe/Madrid", "Europe/Rome"};
    for (size_t i = 0; i < WB_ARRAY_LEN(others); i++) {
        const struct tz_zone *z;
        assert_int_equal(tz_get(others[i], &z, NULL), WB_OK);
    }
    assert_int_equal(parse_ok(ny, "01/07/2026 12:00"), 1782921600);
    assert_int_equal(parse_ok(syd, "05/04/2026 03:00"), 1775322000);
    layout_free(ny);
    layout_free(syd);
}

/* parse_fmt - parse text with a one-off UTC layout using datetime_format fmt */
static int parse_fmt(const char *fmt, const char *text, time_t *t)
{
    char lay[256];
    snprintf(lay, sizeof lay, "name = x\nflow = other\ndatetime_format = %s\nfield a = A\n", fmt);
    struct layout *l = tl_layout(lay);
    int rc = layout_parse_time(l, text, t);
    layout_free(l);
    return rc;
}

/* test_format_check - a datetime_format that cannot read a whole date is refused with the reason */
static void test_format_check(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%SZ",   "%d.%m.%y %H%M",        "%F %T",    "%d %b %Y",
        "%Y%j %H:%M",     "%e/%m/%Y %H:%M 100%%", "%Y-%m-%d %H:%M:%S %z", "%Ey-%m-%d"};
    for (size_t i = 0; i < WB_ARRAY_LEN(ok); i++)
        if (layout_time_format_check(ok[i]))
            fail_msg("'%s' refused: %s", ok[i], layout_time_format_check(ok[i]));
    static const char *const bad[][2] = {
        {"%d/%m/%Y %H:%Q", "strptime does not know"}, {"%d/%m %H:%M", "no year"},
        {"%Y-%m %H:%M", "no month and day"},          {"%Y-%m-%d %H", "an hour but no minute"},
        {"%d/%m/%Y %", "ends inside a conversion"},   {"iso", "no year"},
    };
    for (size_t i = 0; i < WB_ARRAY_LEN(bad); i++) {
        const char *why = layout_time_format_check(bad[i][0]);
        if (!why || !strstr(why, bad[i][1]))
            fail_msg("'%s': expected '%s', got '%s'", bad[i][0], bad[i][1], why ? why : "(ok)");
    }
}

/* test_time_formats - numeric formats (own parser) and others (strptime) */
static void test_time_formats(void **state)
{
    (void)state;
    time_t t;
    assert_int_equal(parse_fmt("%Y-%m-%d %H:%M:%S", "2026-11-20 14:03:00", &t), WB_OK);
    assert_int_equal(t, 1795183380);
    assert_int_equal(parse_fmt("%d.%m.%y %H%M", "20.11.26 1403", &t), WB_OK);
    assert_int_equal(t, 1795183380);
    assert_int_equal(parse_fmt("%e/%m/%Y %H:%M 100%%", " 20/11/2026 14:03 100%", &t), WB_OK);
    assert_int_equal(t, 1795183380);
    assert_int_equal(parse_fmt("%d/%m/%Y  %H:%M", "20/11/2026 14:03", &t), WB_OK);
    assert_int_equal(parse_fmt("%d %b %Y %H:%M", "20 Nov 2026 14:03", &t), WB_OK);
    assert_int_equal(t, 1795183380);
    assert_int_equal(parse_fmt("%Y-%m-%d %H:%M:%S %z", "2026-11-20 15:03:00 +0100", &t), WB_OK);
    assert_int_equal(t, 1795183380);
    const char *bad[][2] = {{"%Y-%m-%d", "26-11-20"},
                            {"%Y-%m-%d", "2026-11-20x"},
                            {"%Y-%m-%d", "2026-1120"},
                            {"%d/%m/%Y", "20/13/2026"},
                            {"%d/%m/%Y", "/11/2026"},
                            {"%d/%m/%Y %H:%M", "20/11/2026 14:"},
                            {"%d %b %Y", "20 Nox 2026"},
                            {"%y%m%d", "2611"},
                            {"%d/%m/%Y %H:%M", "20/11/2026 24:00"}};
    for (size_t i = 0; i < WB_ARRAY_LEN(bad); i++)
        if (parse_fmt(bad[i][0], bad[i][1], &t) != WB_PERMFAIL)
            fail_msg("'%s' should not parse with '%s'", bad[i][1], bad[i][0]);
}

/* test_time_speed - a million cached local-time parses stay fast (no zone look-up per row) */
static void test_time_speed(void **state)
{
    (void)state;
    struct layout *l = tl_layout(LEGACY_LAYOUT);
    clock_t c0 = clock();
    char text[32];
    for (int i = 0; i < 200000; i++) {
        time_t t;
        snprintf(text, sizeof text, "2%d/11/2026 1%d:%02d", i % 8, i % 10, i % 60);
        assert_int_equal(layout_parse_time(l, text, &t), WB_OK);
    }
    double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    print_message("200000 local-time parses: %.3f s\n", secs);
    assert_true(secs < 5.0);
    layout_free(l);
}

/* main - run this file's cmocka tests */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_layouts),   cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_errors_with_lines), cmocka_unit_test(test_flow_fields),
        cmocka_unit_test(test_comments),          cmocka_unit_test(test_time_iso),
        cmocka_unit_test(test_time_london_dst),   cmocka_unit_test(test_time_other_zones),
        cmocka_unit_test(test_time_speed),        cmocka_unit_test(test_format_check),
        cmocka_unit_test(test_time_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
