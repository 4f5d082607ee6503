/*
 * test_maps_resultcodes.c - unit tests for resultcodes (maps/): the shipped
 * etc/result-codes.map, exact codes over ranges, a missing file, errors.
 * Owns nothing beyond its test data.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/wb.h"
#include "maps/resultcodes.h"
#include "maps_testutil.h"

/* test_shipped - the shipped file loads cleanly and has the codes seen in real reports */
static void test_shipped(void **state)
{
    (void)state;
    char path[4096];
    struct resultcodes *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    assert_int_equal(
        resultcodes_load(maps_test_etc(path, sizeof path, "result-codes.map"), &m, &errs), WB_OK);
    assert_string_equal(buf_str(&errs), "");
    assert_true(resultcodes_found(m));
    assert_non_null(strstr(resultcodes_hint(m, "18028"), "cancelled"));
    assert_non_null(resultcodes_hint(m, " 79517 "));
    assert_non_null(strstr(resultcodes_hint(m, "5001"), "Warning"));
    assert_non_null(resultcodes_hint(m, "5999"));
    assert_null(resultcodes_hint(m, "6000"));
    assert_null(resultcodes_hint(m, "4999"));
    assert_null(resultcodes_hint(m, "99999"));
    assert_null(resultcodes_hint(m, ""));
    assert_null(resultcodes_hint(m, NULL));
    resultcodes_free(m);
    buf_free(&errs);
}

/* test_exact_over_range - an exact code wins; the first matching range wins */
static void test_exact_over_range(void **state)
{
    (void)state;
    struct resultcodes *m = NULL;
    const char *text = "100-199 | first range\n"
                       "150-160 | second range\n"
                       "155 | exact\n"
                       "E_X.1 | named code\n";
    assert_int_equal(resultcodes_parse_text("r", text, strlen(text), &m, NULL), WB_OK);
    assert_int_equal(resultcodes_count(m), 4);
    assert_string_equal(resultcodes_hint(m, "155"), "exact");
    assert_string_equal(resultcodes_hint(m, "156"), "first range");
    assert_string_equal(resultcodes_hint(m, "E_X.1"), "named code");
    assert_null(resultcodes_hint(m, "e_x.1"));
    assert_null(resultcodes_hint(m, "-150"));
    resultcodes_free(m);
}

/* test_missing_file - WB_OK with an empty map, and resultcodes_found says so */
static void test_missing_file(void **state)
{
    (void)state;
    struct resultcodes *m = NULL;
    assert_int_equal(resultcodes_load("/nonexistent/result-codes.map", &m, NULL), WB_OK);
    assert_non_null(m);
    assert_false(resultcodes_found(m));
    assert_int_equal(resultcodes_count(m), 0);
    assert_null(resultcodes_hint(m, "18028"));
    resultcodes_free(m);
}

/* test_errors - bad lines are reported with their line numbers */
static void test_errors(void **state)
{
    (void)state;
    struct resultcodes *m = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    const char *text = "18028 | ok\n"
                       "18028 | again\n"
                       "no bar here\n"
                       "9-1 | backwards\n"
                       "12 | \n"
                       "a b | spaced\n"
                       "5000- | open\n";
    assert_int_equal(resultcodes_parse_text("r.map", text, strlen(text), &m, &errs), WB_CONFIG);
    assert_null(m);
    assert_string_equal(buf_str(&errs),
                        "r.map:2: result code '18028' already has a hint at line 1\n"
                        "r.map:3: expected 'code | hint' or 'low-high | hint'\n"
                        "r.map:4: range must read 'low-high' with 0 <= low <= high <= 999999999\n"
                        "r.map:5: hint for '12' is empty\n"
                        "r.map:6: result code 'a b' must be 1..32 letters, digits, '_' or '.'\n"
                        "r.map:7: range must read 'low-high' with 0 <= low <= high <= 999999999\n");
    buf_free(&errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_exact_over_range),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
