/*
 * test_maps_skus.c - unit tests for skus (maps/): the shipped etc/skus.map,
 * identity mode, Amazon's 40-character limit, separators and errors.
 * Owns only its temporary files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/wb.h"
#include "maps/skus.h"
#include "maps_testutil.h"

#define SKU40 "1234567890123456789012345678901234567890"
#define SKU41 SKU40 "1"

/* parse - parse text as skus.map */
static int parse(const char *text, struct skus **m, struct buf *errs)
{
    return skus_parse_text("skus.map", text, strlen(text), m, errs);
}

/* test_shipped - the shipped skus.map loads cleanly; identity is off there */
static void test_shipped(void **state)
{
    (void)state;
    char path[4096];
    struct skus *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(skus_load(maps_test_etc(path, sizeof path, "skus.map"), &m, &errs), WB_OK);
    assert_string_equal(buf_str(&errs), "");
    assert_false(skus_identity(m));
    assert_int_equal(skus_count(m), 5);
    assert_string_equal(skus_lookup(m, "WH-000123"), "MUG-BLUE-330");
    assert_string_equal(skus_lookup(m, "WH-000300"), "SET 4 COASTERS");
    assert_string_equal(skus_reverse(m, "SET 4 COASTERS"), "WH-000300");
    assert_null(skus_lookup(m, "wh-000123"));
    assert_null(skus_lookup(m, "WH-000123 "));
    assert_null(skus_lookup(m, "MUG-BLUE-330"));
    assert_null(skus_reverse(m, "WH-000123"));
    skus_free(m);
    buf_free(&errs);
}

/* test_identity - unmapped SKUs map to themselves, but never onto another pair's seller SKU */
static void test_identity(void **state)
{
    (void)state;
    struct skus *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(parse("# x\nOLD-1 NEW-1\n*  =  identity\n", &m, &errs), WB_OK);
    assert_string_equal(buf_str(&errs), "");
    assert_true(skus_identity(m));
    assert_int_equal(skus_count(m), 1);
    assert_string_equal(skus_lookup(m, "OLD-1"), "NEW-1");
    const char *in = "ANY-SKU";
    assert_ptr_equal(skus_lookup(m, in), in);
    assert_string_equal(skus_lookup(m, SKU40), SKU40);
    assert_null(skus_lookup(m, SKU41));
    assert_null(skus_lookup(m, ""));
    assert_null(skus_lookup(m, "A\x01"));
    assert_null(skus_lookup(m, "Bad\xC3"));
    /* every length the check reads differently (1..3, 4..7, 8 and more), every kind of byte it
     * must refuse, at the start, the middle and the end */
    const char *good[] = {"A", "AB ", "ABCD", "A~C-E_G", "ABCDEFGH", "SKU 12345-X", SKU40};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_ptr_equal(skus_lookup_n(m, good[i], strlen(good[i])), good[i]);
    const char *odd[] = {"\x7F",
                         "A\x1F",
                         "AB\t",
                         "\x7F"
                         "BCD",
                         "ABC\x7F",
                         "AB\x01"
                         "DEFG",
                         "ABCDEFG\x7F",
                         "\x1F"
                         "BCDEFGHIJ",
                         "ABCDE\x7F"
                         "GHIJKLM",
                         "ABCDEFGHIJKL\x7F"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++)
        assert_null(skus_lookup_n(m, odd[i], strlen(odd[i])));
    /* non-ASCII: valid UTF-8 passes, broken does not, whatever the length */
    assert_non_null(skus_lookup(m, "Caf\xC3\xA9"));
    assert_non_null(skus_lookup(m, "Caf\xC3\xA9-Blue-Mug"));
    assert_null(skus_lookup(m, "Caf\xC3-Blue-Mug"));
    /* NEW-1 belongs to OLD-1: identity must not send a second item's stock to it */
    assert_null(skus_lookup(m, "NEW-1"));
    assert_string_equal(skus_reverse(m, "NEW-1"), "OLD-1");
    assert_null(skus_reverse(m, "OLD-1"));
    assert_string_equal(skus_reverse(m, "ANY-SKU"), "ANY-SKU");
    skus_free(m);

    assert_int_equal(parse("* = identity\n* = identity\n", &m, &errs), WB_OK);
    assert_string_equal(buf_str(&errs),
                        "skus.map:2: warning: '* = identity' already given at line 1\n");
    skus_free(m);
    buf_free(&errs);
}

/* test_lengths - 40 characters pass, 41 are refused; characters, not bytes */
static void test_lengths(void **state)
{
    (void)state;
    struct skus *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(parse("W1 " SKU40 "\n", &m, &errs), WB_OK);
    assert_string_equal(skus_lookup(m, "W1"), SKU40);
    skus_free(m);
    assert_int_equal(parse("W1 " SKU41 "\n", &m, &errs), WB_CONFIG);
    assert_null(m);
    assert_string_equal(buf_str(&errs), "skus.map:1: seller SKU '" SKU41
                                        "' longer than 40 characters (Amazon's limit)\n");
    /* 40 two-byte characters are 40 characters */
    char text[256] = "W2 ";
    for (int i = 0; i < 40; i++)
        memcpy(text + 3 + 2 * i, "\xC3\xA9", 2);
    memcpy(text + 83, "\n", 2);
    assert_int_equal(parse(text, &m, NULL), WB_OK);
    assert_true(skus_valid_seller(skus_lookup(m, "W2")));
    skus_free(m);
    assert_false(skus_valid_seller(SKU41));
    assert_true(skus_valid_seller("A"));
    assert_false(skus_valid_seller(""));
    assert_false(skus_valid_seller(NULL));
    buf_free(&errs);
}

/* test_errors - field counts, duplicates both ways, bad directive, with line numbers */
static void test_errors(void **state)
{
    (void)state;
    struct skus *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    const char *text = "A 1\n"
                       "B\n"
                       "C 3 extra\n"
                       "A 4\n"
                       "D 1\n"
                       "* = everything\n"
                       "E\t5 five\n"
                       "F\t\t6 six \n";
    assert_int_equal(parse(text, &m, &errs), WB_CONFIG);
    assert_null(m);
    assert_string_equal(
        buf_str(&errs),
        "skus.map:2: expected 'WMS-SKU SELLER-SKU', found 1 fields (separate with a "
        "tab when a SKU contains spaces)\n"
        "skus.map:3: expected 'WMS-SKU SELLER-SKU', found 3 fields (separate with a "
        "tab when a SKU contains spaces)\n"
        "skus.map:4: WMS SKU 'A' already mapped at line 1\n"
        "skus.map:5: seller SKU '1' already mapped from WMS SKU 'A' at line 1\n"
        "skus.map:6: '*' lines must read '* = identity'\n");
    buf_reset(&errs);
    assert_int_equal(parse("E\t5 five\nF\t\t6 six \n", &m, &errs), WB_OK);
    assert_string_equal(skus_lookup(m, "E"), "5 five");
    assert_string_equal(skus_lookup(m, "F"), "6 six");
    skus_free(m);
    buf_reset(&errs);
    assert_int_equal(skus_load("/nonexistent/skus.map", &m, &errs), WB_CONFIG);
    assert_null(m);
    assert_string_equal(buf_str(&errs),
                        "/nonexistent/skus.map: cannot read: No such file or directory\n");
    buf_free(&errs);
}

/* test_load_file - a big generated map loads from disk and looks up fast */
static void test_load_file(void **state)
{
    (void)state;
    struct buf text;
    buf_init(&text, 1 << 24);
    for (int i = 0; i < 50000; i++)
        assert_int_equal(buf_appendf(&text, "WMS%06d SELL-%06d\n", i, i), WB_OK);
    char path[1024];
    assert_int_equal(maps_test_tmpfile(path, sizeof path, text.data, text.len), 0);
    struct skus *m = NULL;
    assert_int_equal(skus_load(path, &m, NULL), WB_OK);
    unlink(path);
    assert_int_equal(skus_count(m), 50000);
    assert_string_equal(skus_lookup(m, "WMS049999"), "SELL-049999");
    assert_string_equal(skus_reverse(m, "SELL-000000"), "WMS000000");
    assert_null(skus_lookup(m, "WMS050000"));
    skus_free(m);
    buf_free(&text);
}

/* test_bundles - bundle lines: components, quantities, and never a pair's or identity's SKU */
static void test_bundles(void **state)
{
    (void)state;
    struct skus *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(parse("A SA\n* = identity\nbundle KIT-1 A:2 B:1\n"
                           "bundle\tKIT 2\tC D:3\n",
                           &m, &errs),
                     WB_OK);
    assert_string_equal(buf_str(&errs), "");
    assert_int_equal(skus_count(m), 1);
    assert_int_equal(skus_nbundles(m), 2);
    const struct skus_bundle *b = skus_bundle_at(m, 0);
    assert_string_equal(b->seller, "KIT-1");
    assert_int_equal(b->n, 2);
    assert_string_equal(b->comp[0].wms, "A");
    assert_int_equal(b->comp[0].qty, 2);
    assert_string_equal(b->comp[1].wms, "B");
    b = skus_bundle_at(m, 1);
    assert_string_equal(b->seller, "KIT 2");
    assert_string_equal(b->comp[0].wms, "C D");
    assert_int_equal(b->comp[0].qty, 3);
    assert_null(skus_bundle_at(m, 2));
    assert_true(skus_is_component(m, "A", 1));
    assert_true(skus_is_component(m, "C D", 3));
    assert_false(skus_is_component(m, "SA", 2));
    /* the dispatch and orders lookups never land on a bundle */
    assert_null(skus_lookup(m, "KIT-1"));
    assert_null(skus_reverse(m, "KIT-1"));
    assert_string_equal(skus_lookup(m, "A"), "SA");
    skus_free(m);
    static const char *const bad[] = {
        "A SA\nbundle SA A:1\n",        /* a pair's seller SKU */
        "bundle K A:1\nX K\n",          /* a pair onto a bundle's SKU */
        "bundle K A:1\nbundle K B:1\n", /* twice */
        "bundle K\n",                   /* no component */
        "bundle K A\n",                 /* no quantity */
        "bundle K A:0\n",               /* quantity 0 */
        "bundle K A:1000\n",            /* too many */
        "bundle K A:1x\n",              /* not a number */
        "bundle K :1\n",                /* no SKU */
        "bundle K A:1 A:2\n",           /* a component twice */
        "bundle " SKU41 " A:1\n",       /* seller SKU too long */
        "bundle K A:1 B:1 C:1 D:1 E:1 F:1 G:1 H:1 I:1 J:1 K:1 L:1 M:1 N:1 O:1 P:1 Q:1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_reset(&errs);
        m = NULL;
        if (parse(bad[i], &m, &errs) != WB_CONFIG)
            fail_msg("accepted: %s", bad[i]);
        assert_null(m);
        assert_non_null(strstr(buf_str(&errs), "skus.map:"));
    }
    buf_free(&errs);
}

/* test_explode - what the orders flow picks: a pair's WMS SKU, a bundle's components, through a
 * renamed seller SKU; a component that is no pair's WMS SKU is missing */
static void test_explode(void **state)
{
    (void)state;
    struct skus *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(parse("W1 S1\nW2 S2\nbundle SET W1:2 W2:1\nbundle ODD W1:1 W9:1\n"
                           "renamed OLD S1\nrenamed OLDSET SET\n",
                           &m, &errs),
                     WB_OK);
    struct skus_part p[SKUS_BUNDLE_MAX];
    size_t n;
    const char *missing;
    assert_int_equal(skus_explode(m, "SET", p, &n, &missing), WB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(p[0].wms, "W1");
    assert_int_equal(p[0].qty, 2);
    assert_int_equal(skus_explode(m, "OLDSET", p, &n, &missing), WB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(skus_explode(m, "OLD", p, &n, &missing), WB_OK);
    assert_string_equal(p[0].wms, "W1");
    assert_int_equal(skus_explode(m, "ODD", p, &n, &missing), WB_PERMFAIL);
    assert_string_equal(missing, "W9");
    assert_int_equal(skus_explode(m, "NOPE", p, &n, &missing), WB_NOTFOUND);
    skus_free(m);
    buf_reset(&errs);
    assert_int_equal(parse("W1 S1\nrenamed X Y\nrenamed S1 W1\n", &m, &errs), WB_CONFIG);
    assert_string_equal(buf_str(&errs),
                        "skus.map:3: seller SKU 'S1' is already a pair, a bundle or renamed\n"
                        "skus.map:2: renamed 'X' leads to 'Y', which is neither the seller SKU "
                        "of a pair nor a bundle\n");
    buf_free(&errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explode),  cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_identity), cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_errors),   cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_bundles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
