/*
 * test_maps_carriers.c - unit tests for carriercodes and carriers (maps/).
 *
 * Covers the shipped etc/amazon-carrier-codes.txt and etc/carriers.map,
 * exact and case-sensitive matching, near misses that must not map to each
 * other, hints, and "file:line: text" errors. Owns only its temporary files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/wb.h"
#include "maps/carriercodes.h"
#include "maps/carriers.h"
#include "maps/mapfile.h"
#include "maps_testutil.h"

static const char small_codes[] = "# test list\n"
                                  "Royal Mail\n"
                                  "DPD\n"
                                  "DPD Local\n"
                                  "PUROLATOR\n"
                                  "Hermes UK\n"
                                  "Other\n";

/* load_small - the small code list used by most tests */
static struct carriercodes *load_small(void)
{
    struct carriercodes *c = NULL;
    assert_int_equal(
        carriercodes_parse_text("codes", small_codes, sizeof small_codes - 1, &c, NULL), WB_OK);
    return c;
}

/* parse_map - parse text as carriers.map against codes; errors into errs */
static int parse_map(const char *text, const struct carriercodes *codes, struct carriers **m,
                     struct buf *errs)
{
    return carriers_parse_text("carriers.map", text, strlen(text), codes, m, errs);
}

/* test_shipped_codes - the shipped code list loads cleanly with the expected values */
static void test_shipped_codes(void **state)
{
    (void)state;
    char path[4096];
    struct carriercodes *c = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(
        carriercodes_load(maps_test_etc(path, sizeof path, "amazon-carrier-codes.txt"), &c, &errs),
        WB_OK);
    assert_string_equal(buf_str(&errs), "");
    assert_int_equal(carriercodes_count(c), 381);
    assert_true(carriercodes_has(c, "DPD Local"));
    assert_true(carriercodes_has(c, "DPD"));
    assert_true(carriercodes_has(c, "Hermes UK"));
    assert_true(carriercodes_has(c, "PUROLATOR"));
    assert_false(carriercodes_has(c, "Purolator"));
    assert_false(carriercodes_has(c, "Evri"));
    assert_false(carriercodes_has(c, "dpd"));
    assert_false(carriercodes_has(c, "DPD "));
    assert_true(carriercodes_has(c, "Transaragon\xC3\xA9s"));
    assert_false(carriercodes_has(c, "Transaragon\xC3\x83\xC2\xA9s"));
    assert_true(carriercodes_has(c, "AustraliaPost-Consignment")); /* from the 2021 list */
    assert_true(carriercodes_has(c, "YANWEN"));
    assert_true(carriercodes_has(c, "Yanwen"));
    char hint[128];
    assert_int_equal(carriercodes_suggest(c, "Purolator", hint, sizeof hint), WB_OK);
    assert_string_equal(hint, "did you mean 'PUROLATOR'?");
    assert_int_equal(carriercodes_suggest(c, "PUROLATOR", hint, sizeof hint), WB_NOTFOUND);
    carriercodes_free(c);
    buf_free(&errs);
}

/* test_shipped_carriers - the shipped carriers.map loads cleanly against the shipped list */
static void test_shipped_carriers(void **state)
{
    (void)state;
    char path[4096];
    struct carriercodes *c = NULL;
    struct carriers *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(
        carriercodes_load(maps_test_etc(path, sizeof path, "amazon-carrier-codes.txt"), &c, NULL),
        WB_OK);
    assert_int_equal(carriers_load(maps_test_etc(path, sizeof path, "carriers.map"), c, &m, &errs),
                     WB_OK);
    assert_string_equal(buf_str(&errs), "");
    assert_true(carriers_count(m) >= 20);

    const struct carrier_entry *e = carriers_lookup(m, "DPDLOCAL");
    assert_non_null(e);
    assert_string_equal(e->carrier_code, "DPD Local");
    assert_string_equal(e->carrier_name, "");
    e = carriers_lookup(m, "DPD-NEXTDAY");
    assert_non_null(e);
    assert_string_equal(e->carrier_code, "DPD");
    e = carriers_lookup(m, "  RM24\t");
    assert_non_null(e);
    assert_string_equal(e->carrier_code, "Royal Mail");
    assert_string_equal(e->shipping_method, "Tracked 24");
    e = carriers_lookup(m, "EVRI48");
    assert_non_null(e);
    assert_string_equal(e->carrier_code, "Other");
    assert_string_equal(e->carrier_name, "Evri");
    e = carriers_lookup(m, "HERMES48");
    assert_non_null(e);
    assert_string_equal(e->carrier_code, "Hermes UK");

    /* near misses are never mapped */
    assert_null(carriers_lookup(m, "rm24"));
    assert_null(carriers_lookup(m, "RM2"));
    assert_null(carriers_lookup(m, "DPD"));
    assert_null(carriers_lookup(m, "DPDLOCAL-"));
    assert_null(carriers_lookup(m, "DPD LOCAL"));
    assert_null(carriers_lookup(m, ""));
    char hint[128];
    assert_int_equal(carriers_suggest(m, "dpdlocal", hint, sizeof hint), WB_OK);
    assert_string_equal(hint, "did you mean 'DPDLOCAL'?");
    assert_int_equal(carriers_suggest(m, "DPD LOCAL", hint, sizeof hint), WB_OK);
    assert_string_equal(hint, "did you mean 'DPDLOCAL'?");
    assert_int_equal(carriers_suggest(m, "DPD", hint, sizeof hint), WB_NOTFOUND);
    assert_string_equal(hint, "");
    assert_int_equal(carriers_suggest(m, "DPDLOCAL", hint, sizeof hint), WB_NOTFOUND);
    assert_int_equal(carriers_suggest(m, "XYZ", hint, sizeof hint), WB_NOTFOUND);
    assert_int_equal(carriers_suggest(m, "dpdlocal", hint, 8), WB_TOOBIG);

    assert_true(carriers_ship_service_count(m) >= 1);
    assert_string_equal(carriers_ship_service(m, "Std UK Dom_1"), "RM48");
    assert_null(carriers_ship_service(m, "std uk dom_1"));
    carriers_free(m);
    carriercodes_free(c);
    buf_free(&errs);
}

/* test_shipped_map_appended - a carrier line appended to the shipped map, with a trailing
 * comment, is a [dispatch] carrier whose shipping method leaves the comment out */
static void test_shipped_map_appended(void **state)
{
    (void)state;
    char path[4096];
    struct carriercodes *c = NULL;
    struct carriers *m = NULL;
    struct buf errs, text;
    buf_init(&errs, 1 << 16);
    buf_init(&text, 1 << 20);
    assert_int_equal(
        carriercodes_load(maps_test_etc(path, sizeof path, "amazon-carrier-codes.txt"), &c, NULL),
        WB_OK);
    FILE *f = fopen(maps_test_etc(path, sizeof path, "carriers.map"), "r");
    assert_non_null(f);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(buf_append(&text, chunk, got), WB_OK);
    fclose(f);
    const char *extra = "PFX-9 | Parcelforce | | Express 9  # added by ops\n"
                        "C#1   | Other | Carrier #1 | Same day\n";
    assert_int_equal(buf_append(&text, extra, strlen(extra)), WB_OK);
    assert_int_equal(carriers_parse_text("carriers.map", buf_str(&text), text.len, c, &m, &errs),
                     WB_OK);
    assert_string_equal(buf_str(&errs), "");
    const struct carrier_entry *e = carriers_lookup(m, "PFX-9");
    assert_non_null(e);
    assert_string_equal(e->carrier_code, "Parcelforce");
    assert_string_equal(e->shipping_method, "Express 9");
    e = carriers_lookup(m, "C#1");
    assert_non_null(e);
    assert_string_equal(e->carrier_name, "Carrier #1");
    char hint[128];
    assert_int_equal(carriers_suggest(m, "DPD-LOCAL", hint, sizeof hint), WB_OK);
    assert_string_equal(hint, "did you mean 'DPDLOCAL'?");
    assert_int_equal(carriers_suggest(m, "pfx_9", hint, sizeof hint), WB_OK);
    assert_string_equal(hint, "did you mean 'PFX-9'?");
    assert_null(carriers_lookup(m, "DPD-LOCAL"));
    carriers_free(m);
    carriercodes_free(c);
    buf_free(&errs);
    buf_free(&text);
}

/* test_case_sensitive_codes - "Purolator" is refused where only "PUROLATOR" exists */
static void test_case_sensitive_codes(void **state)
{
    (void)state;
    struct carriercodes *c = load_small();
    struct carriers *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(parse_map("PURO | Purolator | | Ground\n", c, &m, &errs), WB_CONFIG);
    assert_null(m);
    assert_string_equal(buf_str(&errs), "carriers.map:1: carrier_code 'Purolator' is not on the "
                                        "Amazon carrier code list (did you mean 'PUROLATOR'?)\n");
    buf_reset(&errs);
    assert_int_equal(parse_map("PURO | PUROLATOR | | Ground\n", c, &m, &errs), WB_OK);
    assert_string_equal(carriers_lookup(m, "PURO")->carrier_code, "PUROLATOR");
    assert_null(carriers_lookup(m, "puro"));
    carriers_free(m);
    carriercodes_free(c);
    buf_free(&errs);
}

/* test_dpd_not_dpd_local - DPD and DPD Local stay distinct both ways */
static void test_dpd_not_dpd_local(void **state)
{
    (void)state;
    struct carriercodes *c = load_small();
    assert_true(carriercodes_has(c, "DPD"));
    assert_true(carriercodes_has(c, "DPD Local"));
    assert_false(carriercodes_has(c, "DPD local"));
    assert_false(carriercodes_has(c, "DPDLocal"));
    struct carriers *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(parse_map("A | DPD Local | | x\nB | DPD | | y\n", c, &m, &errs), WB_OK);
    assert_string_equal(carriers_lookup(m, "A")->carrier_code, "DPD Local");
    assert_string_equal(carriers_lookup(m, "B")->carrier_code, "DPD");
    carriers_free(m);
    assert_int_equal(parse_map("A | DPD local | | x\n", c, &m, &errs), WB_CONFIG);
    assert_non_null(strstr(buf_str(&errs), "did you mean 'DPD Local'?"));
    carriercodes_free(c);
    buf_free(&errs);
}

/* test_rules - Other needs a name, others must not have one, duplicates are errors */
static void test_rules(void **state)
{
    (void)state;
    struct carriercodes *c = load_small();
    struct carriers *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    const char *text = "# header\n"
                       "OK1 | Royal Mail | | 24\n"
                       "BAD1 | Other | | 48\n"
                       "BAD2 | Royal Mail | Royal Mail Group | 48\n"
                       "OK1 | DPD | | again\n"
                       "BAD3 | Royal Mail | 24\n"
                       " | Royal Mail | | x\n"
                       "BAD4 | | | x\n"
                       "[nonsense]\n"
                       "EVRI | Other | Evri | 48\n";
    assert_int_equal(parse_map(text, c, &m, &errs), WB_CONFIG);
    assert_null(m);
    const char *want =
        "carriers.map:3: WMS code 'BAD1': carrier_name is required with carrier_code Other\n"
        "carriers.map:4: carrier_name must be empty unless carrier_code is Other\n"
        "carriers.map:5: WMS code 'OK1' already mapped at line 2\n"
        "carriers.map:6: expected 4 fields 'wms_code | carrier_code | carrier_name | "
        "shipping_method', found 3\n"
        "carriers.map:7: wms_code is empty\n"
        "carriers.map:8: WMS code 'BAD4': carrier_code is empty (use an Amazon code or Other)\n"
        "carriers.map:9: unknown section [nonsense] (expected [dispatch] or [ship-service])\n";
    assert_string_equal(buf_str(&errs), want);

    /* Other with a name that is itself a code: loads, with a warning */
    buf_reset(&errs);
    assert_int_equal(parse_map("H | Other | Hermes UK | 48\n", c, &m, &errs), WB_OK);
    assert_string_equal(
        buf_str(&errs),
        "carriers.map:1: warning: carrier_name 'Hermes UK' is an Amazon carrier code; use it as "
        "carrier_code\n");
    carriers_free(m);

    /* Amazon's 50-character limit on CarrierName and ShippingMethod */
    buf_reset(&errs);
    assert_int_equal(parse_map("X | Other | 123456789012345678901234567890123456789012345678901 | "
                               "m\n",
                               c, &m, &errs),
                     WB_CONFIG);
    assert_non_null(strstr(buf_str(&errs), "carriers.map:1: carrier_name"));
    assert_int_equal(carriers_parse_text("x", "A | Royal Mail | | m\n", 21, NULL, &m, NULL),
                     WB_BADARG);
    carriercodes_free(c);
    buf_free(&errs);
}

/* test_feed_text - a value the feed writer would refuse never loads: the map applies the
 * writer's rule (str_text_check) to carrier_name and shipping_method */
static void test_feed_text(void **state)
{
    (void)state;
    struct carriercodes *c = load_small();
    const char *bad[] = {"A | Royal Mail | | Next\xEF\xBF\xBE Day\n",
                         "A | Other | Evri\xEF\xBF\xBF | 48\n", "A | Royal Mail | | Next\tDay\n"};
    const char *why[] = {"shipping_method 'Next\xEF\xBF\xBE Day' holds U+FFFE",
                         "carrier_name 'Evri\xEF\xBF\xBF' holds U+FFFF", "holds a tab"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct carriers *m = NULL;
        struct buf errs;
        buf_init(&errs, 4096);
        assert_int_equal(parse_map(bad[i], c, &m, &errs), WB_CONFIG);
        assert_null(m);
        if (!strstr(buf_str(&errs), why[i]))
            print_error("%s", buf_str(&errs));
        assert_non_null(strstr(buf_str(&errs), why[i]));
        buf_free(&errs);
    }
    carriercodes_free(c);
}

/* test_ship_service - reverse section, and its target must be a dispatch code */
static void test_ship_service(void **state)
{
    (void)state;
    struct carriercodes *c = load_small();
    struct carriers *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    const char *good = "[ship-service]\n"
                       "Std UK Dom_1 | RM48\n"
                       "[dispatch]\n"
                       "RM48 | Royal Mail | | Tracked 48\n";
    assert_int_equal(parse_map(good, c, &m, &errs), WB_OK);
    assert_string_equal(carriers_ship_service(m, "Std UK Dom_1"), "RM48");
    assert_null(carriers_ship_service(m, "Std UK Dom_2"));
    assert_int_equal(carriers_ship_service_count(m), 1);
    carriers_free(m);
    const char *bad = "RM48 | Royal Mail | | Tracked 48\n"
                      "[ship-service]\n"
                      "Std UK Dom_1 | RM48\n"
                      "Std UK Dom_1 | RM48\n"
                      "Exp UK Dom_1 | DPDNEXT\n"
                      "Exp UK Dom_2\n";
    assert_int_equal(parse_map(bad, c, &m, &errs), WB_CONFIG);
    assert_string_equal(
        buf_str(&errs),
        "carriers.map:4: ship-service level 'Std UK Dom_1' already mapped at line 3\n"
        "carriers.map:6: expected 2 fields 'ship_service_level | wms_code', found "
        "1\n"
        "carriers.map:5: ship-service level 'Exp UK Dom_1' maps to WMS code "
        "'DPDNEXT', which has no [dispatch] line\n");
    carriercodes_free(c);
    buf_free(&errs);
}

/* test_code_list_errors - bad bytes, control characters, long lines; duplicates only warn */
static void test_code_list_errors(void **state)
{
    (void)state;
    struct carriercodes *c = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    const char dup[] = "\xEF\xBB\xBFUPS\r\nDHL\n\n  UPS  \n# c\nFedEx";
    assert_int_equal(carriercodes_parse_text("codes.txt", dup, sizeof dup - 1, &c, &errs), WB_OK);
    assert_string_equal(buf_str(&errs), "codes.txt:4: warning: carrier code 'UPS' already listed "
                                        "at line 1\n");
    assert_int_equal(carriercodes_count(c), 3);
    assert_true(carriercodes_has(c, "UPS"));
    assert_true(carriercodes_has(c, "FedEx"));
    carriercodes_free(c);

    buf_reset(&errs);
    static const char head[] = "UPS\nTransaragon\xC3\x83\xC2\xA9s\nBad\xC3s\nCtl\x01x\nNul\0x\n";
    char big[6000];
    memset(big, 'A', sizeof big);
    memcpy(big, head, sizeof head - 1);
    big[sizeof big - 1] = '\n';
    assert_int_equal(carriercodes_parse_text("codes.txt", big, sizeof big, &c, &errs), WB_CONFIG);
    assert_null(c);
    assert_string_equal(buf_str(&errs), "codes.txt:3: invalid UTF-8\n"
                                        "codes.txt:4: control character 0x01 at column 4\n"
                                        "codes.txt:5: control character 0x00 at column 4\n"
                                        "codes.txt:6: line longer than 4096 bytes\n");

    buf_reset(&errs);
    assert_int_equal(carriercodes_load("/nonexistent/codes.txt", &c, &errs), WB_CONFIG);
    assert_string_equal(buf_str(&errs),
                        "/nonexistent/codes.txt: cannot read: No such file or directory\n");
    buf_free(&errs);
}

/* test_load_file - carriers_load reads from disk and names the file in errors */
static void test_load_file(void **state)
{
    (void)state;
    struct carriercodes *c = load_small();
    struct carriers *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    char path[1024], want[4200];
    const char text[] = "RM | Royal Mail | | 24\nX | Nope | | 1\n";
    assert_int_equal(maps_test_tmpfile(path, sizeof path, text, sizeof text - 1), 0);
    assert_int_equal(carriers_load(path, c, &m, &errs), WB_CONFIG);
    snprintf(want, sizeof want,
             "%s:2: carrier_code 'Nope' is not on the Amazon carrier code list (codes are "
             "case-sensitive; use Other with a carrier_name)\n",
             path);
    assert_string_equal(buf_str(&errs), want);
    unlink(path);
    buf_reset(&errs);
    assert_int_equal(carriers_load("/", c, &m, &errs), WB_CONFIG);
    assert_string_equal(buf_str(&errs), "/: cannot read: Is a directory\n");
    carriercodes_free(c);
    buf_free(&errs);
}

/* test_many_errors - error reporting stops at the limit */
static void test_many_errors(void **state)
{
    (void)state;
    struct carriercodes *c = load_small();
    struct carriers *m = NULL;
    struct buf errs, text;
    buf_init(&errs, 1 << 20);
    buf_init(&text, 1 << 20);
    for (int i = 0; i < 500; i++)
        buf_appendf(&text, "W%d | Nope | | x\n", i);
    assert_int_equal(carriers_parse_text("m", text.data, text.len, c, &m, &errs), WB_CONFIG);
    size_t lines = 0;
    for (const char *p = buf_str(&errs); *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, MAPFILE_MAX_ERRORS + 1);
    assert_non_null(strstr(buf_str(&errs), "too many errors"));
    carriercodes_free(c);
    buf_free(&errs);
    buf_free(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_codes),
        cmocka_unit_test(test_shipped_carriers),
        cmocka_unit_test(test_shipped_map_appended),
        cmocka_unit_test(test_case_sensitive_codes),
        cmocka_unit_test(test_dpd_not_dpd_local),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_feed_text),
        cmocka_unit_test(test_ship_service),
        cmocka_unit_test(test_code_list_errors),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_many_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
