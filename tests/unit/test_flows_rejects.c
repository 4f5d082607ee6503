/*
 * test_flows_rejects.c - unit tests of the reject file round trip: the
 * writer never stacks a reject file's own columns when it is read back and
 * rejected again, a row kept as raw_line reads back whole (even when longer
 * than max_field) and is known as not fixed until an operator fills its
 * cells, and reject names come from the original stem. Memory streams only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "flows/outflow.h"
#include "flows/rejects.h"
#include "layout/layout.h"
#include "layout_testutil.h"

#define SMALL_LAYOUT                                                                               \
    "name = small\nflow = test\nmax_field = 32\n"                                                  \
    "field a = a\nfield b = b\n"

/* write_rejects - a reject file of one row for header h as text (caller frees) */
static char *write_rejects(const struct layout *l, const char *const *h, size_t nh,
                           const char *const *cells, size_t n, const char *raw)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    struct rejectw rw;
    assert_int_equal(rejectw_open(&rw, l, out, h, nh), WB_OK);
    assert_int_equal(rejectw_row(&rw, cells, n, "E_QUOTE", "bad \"quote\"", raw), WB_OK);
    assert_int_equal(rejectw_close(&rw), WB_OK);
    fclose(out);
    return text;
}

/* test_columns_not_stacked - a reject file written from a reject file has each own column once */
static void test_columns_not_stacked(void **state)
{
    (void)state;
    struct layout *l = tl_layout(SMALL_LAYOUT);
    const char *h[] = {"a", " Reject_Code ", "b", "reject_reason", "RAW_LINE"};
    const char *c[] = {"1", "E_OLD", "2", "old reason", ""};
    char *text = write_rejects(l, h, 5, c, 5, NULL);
    assert_string_equal(text, "a,b,reject_code,reject_reason,raw_line\n"
                              "1,2,E_QUOTE,\"bad \"\"quote\"\"\",\n");
    free(text);
    long cols[REJ_NCOLS];
    assert_int_equal(rejects_cols(h, 5, cols), 3);
    assert_int_equal(cols[REJ_COL_CODE], 1);
    assert_int_equal(cols[REJ_COL_REASON], 3);
    assert_int_equal(cols[REJ_COL_RAW], 4);
    layout_free(l);
}

/* test_raw_line_round_trip - a row kept as raw_line (longer than max_field) reads back whole,
 * its data cells empty, and counts as not fixed until a cell is filled */
static void test_raw_line_round_trip(void **state)
{
    (void)state;
    struct layout *l = tl_layout(SMALL_LAYOUT);
    const char *h[] = {"a", "b"};
    const char *c[] = {"x", "y"};
    const char *raw = "1,\"2\"x,=SUM(A1) and a cell longer than thirty-two bytes";
    char *text = write_rejects(l, h, 2, c, 2, raw);
    FILE *in = tl_fstr(text);
    struct buf err;
    buf_init(&err, 4096);
    struct csvr *r;
    assert_int_equal(csvr_open(&r, l, in, NULL, 0, &err), WB_OK);
    size_t nh;
    const char *const *hdr = csvr_header(r, &nh);
    long cols[REJ_NCOLS];
    assert_int_equal(rejects_cols(hdr, nh, cols), 3);
    const struct csvr_row *row;
    assert_int_equal(csvr_next(r, &row), WB_OK);
    assert_int_equal(row->ncells, 5);
    assert_string_equal(row->cells[0], "");
    assert_string_equal(row->cells[1], "");
    assert_string_equal(row->cells[4], raw);
    const char *code, *reason, *got;
    assert_int_equal(rejects_unfixed(cols, row->cells, row->ncells, &code, &reason, &got), 1);
    assert_string_equal(code, "E_QUOTE");
    assert_string_equal(reason, "bad \"quote\"");
    assert_string_equal(got, raw);
    /* the operator filled the cells: fixed, whatever raw_line still says */
    const char *fixed[] = {"1", "2", "E_QUOTE", "bad", raw};
    assert_int_equal(rejects_unfixed(cols, fixed, 5, &code, &reason, &got), 0);
    /* no raw_line: an ordinary row */
    const char *plain[] = {"", "", "E_X", "r", ""};
    assert_int_equal(rejects_unfixed(cols, plain, 5, &code, &reason, &got), 0);
    csvr_close(r);
    fclose(in);
    buf_free(&err);
    free(text);
    layout_free(l);
}

/* test_names_from_original_stem - a requeued reject file is named from the original stem */
static void test_names_from_original_stem(void **state)
{
    (void)state;
    static const struct {
        const char *in, *tag;
        long long feed;
        const char *want;
    } t[] = {
        {"x.csv", "rejects", 0, "x-rejects-9.csv"},
        {"x-rejects-3.csv", "rejects", 0, "x-rejects-9.csv"},
        {"x-rejects-3-rejects-5.csv", "rejects", 0, "x-rejects-9.csv"},
        {"x-refused-7-3.csv", "rejects", 0, "x-rejects-9.csv"},
        {"x-rejects-3.csv", "amazon", 4, "x-amazon-4-9.csv"},
        {"rejects-3.csv", "rejects", 0, "rejects-3-rejects-9.csv"},
        {"order-12.csv", "rejects", 0, "order-12-rejects-9.csv"},
        {"a-b-rejects-x3.csv", "rejects", 0, "a-b-rejects-x3-rejects-9.csv"},
        {"day.2026-rejects-3", "rejects", 0, "day-rejects-9.csv"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char out[256];
        assert_int_equal(outflow_reject_name(t[i].in, 9, t[i].tag, t[i].feed, out, sizeof out),
                         WB_OK);
        if (strcmp(out, t[i].want) != 0)
            fail_msg("%s: got %s, want %s", t[i].in, out, t[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_not_stacked),
        cmocka_unit_test(test_raw_line_round_trip),
        cmocka_unit_test(test_names_from_original_stem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
