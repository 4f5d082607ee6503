/*
 * test_layout_csvlib.c - pins what the CSV reader assumes about libcsv's parser state.
 *
 * The reader reads struct csv_parser only through the csvr_ps_* helpers of csvr_int.h; the
 * meaning of those fields (state numbers, when a cell counts as carried over, where the field
 * callback's bytes live and how many can be read there) is libcsv.c's, not csv.h's. Each test
 * drives the linked libcsv with the reader's own options and checks one assumption, so a libcsv
 * that differs fails here rather than misreading files. Test code only; never exits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "layout/csvr_int.h"

/* what the callbacks saw */
struct seen {
    struct csv_parser *p;
    size_t fields, rows;
    size_t len;
    int data_is_cell; /* every field callback got csvr_ps_cell's bytes */
    int room_ok;      /* ... with at least SHORT_CELL readable there */
    char last[64];
};

/* on_field - record one cell */
static void on_field(void *data, size_t len, void *arg)
{
    struct seen *s = arg;
    s->fields++;
    s->len = len;
    if (data != (void *)csvr_ps_cell(s->p))
        s->data_is_cell = 0;
    if (csvr_ps_cell_room(s->p) < SHORT_CELL)
        s->room_ok = 0;
    size_t n = len < sizeof s->last - 1 ? len : sizeof s->last - 1;
    memcpy(s->last, data ? data : "", n);
    s->last[n] = '\0';
}

/* on_row - record one record */
static void on_row(int c, void *arg)
{
    struct seen *s = arg;
    (void)c;
    s->rows++;
}

/* parser - a parser set up as csvr_open sets it up */
static void parser(struct csv_parser *p, struct seen *s)
{
    assert_int_equal(csv_init(p, CSV_STRICT | CSV_STRICT_FINI), 0);
    csv_set_blk_size(p, 4096);
    memset(s, 0, sizeof *s);
    s->p = p;
    s->data_is_cell = s->room_ok = 1;
}

/* feed - parse text whole; returns what csv_parse consumed */
static size_t feed(struct csv_parser *p, struct seen *s, const char *text)
{
    return csv_parse(p, text, strlen(text), on_field, on_row, s);
}

/* test_fresh - a new parser has begun no record, holds no cell and no bytes to read */
static void test_fresh(void **state)
{
    (void)state;
    struct csv_parser p;
    struct seen s;
    parser(&p, &s);
    assert_false(csvr_ps_row_begun(&p));
    assert_false(csvr_ps_in_cell(&p));
    assert_int_equal(csvr_ps_cell_room(&p), 0);
    csv_free(&p);
}

/* test_unquoted_carry - an unterminated plain cell is carried with its bytes and length */
static void test_unquoted_carry(void **state)
{
    (void)state;
    struct csv_parser p;
    struct seen s;
    parser(&p, &s);
    assert_int_equal(feed(&p, &s, "abc"), 3);
    assert_true(csvr_ps_row_begun(&p));
    assert_true(csvr_ps_in_cell(&p));
    assert_false(csvr_ps_quoted(&p));
    assert_false(csvr_ps_quote_open(&p));
    assert_int_equal(csvr_ps_cell_len(&p), 3);
    assert_memory_equal(csvr_ps_cell(&p), "abc", 3);
    assert_true(csvr_ps_cell_room(&p) >= SHORT_CELL); /* whole-word reads of short cells */
    /* the carried cell continues on the next bytes */
    assert_int_equal(feed(&p, &s, "de\n"), 3);
    assert_int_equal(s.fields, 1);
    assert_string_equal(s.last, "abcde");
    assert_false(csvr_ps_row_begun(&p));
    assert_false(csvr_ps_in_cell(&p));
    csv_free(&p);
}

/* test_between_cells - after a delimiter the record has begun but no cell is carried */
static void test_between_cells(void **state)
{
    (void)state;
    struct csv_parser p;
    struct seen s;
    parser(&p, &s);
    assert_int_equal(feed(&p, &s, "a,"), 2);
    assert_int_equal(s.fields, 1);
    assert_true(csvr_ps_row_begun(&p));
    assert_false(csvr_ps_in_cell(&p));
    assert_int_equal(feed(&p, &s, "\r\n"), 2);
    assert_int_equal(s.rows, 1);
    assert_false(csvr_ps_row_begun(&p));
    csv_free(&p);
}

/* test_quoted - an open quote is carried as such; after the closing quote the cell is still
 * carried (more may follow) but the quote is no longer open */
static void test_quoted(void **state)
{
    (void)state;
    struct csv_parser p;
    struct seen s;
    parser(&p, &s);
    assert_int_equal(feed(&p, &s, "x,\"ab\n"), 6);
    assert_true(csvr_ps_in_cell(&p));
    assert_true(csvr_ps_quoted(&p));
    assert_true(csvr_ps_quote_open(&p));
    assert_int_equal(csvr_ps_cell_len(&p), 3); /* the quoted newline is part of the cell */
    assert_int_equal(feed(&p, &s, "c\""), 2);
    assert_true(csvr_ps_in_cell(&p));
    assert_true(csvr_ps_quoted(&p));
    assert_false(csvr_ps_quote_open(&p));
    /* the closing quote is held in the cell until the next byte tells it from a doubled quote:
     * the reader's limit on a carried cell allows one byte for it */
    assert_int_equal(csvr_ps_cell_len(&p), 5);
    assert_int_equal(feed(&p, &s, "\n"), 1);
    assert_int_equal(s.rows, 1);
    assert_string_equal(s.last, "ab\nc");
    assert_false(csvr_ps_row_begun(&p));
    csv_free(&p);
}

/* test_strict_errors - a strict parse error stops at the offending byte and tells by
 * csvr_ps_quoted which of the reader's two messages applies */
static void test_strict_errors(void **state)
{
    (void)state;
    struct csv_parser p;
    struct seen s;
    parser(&p, &s);
    assert_int_equal(feed(&p, &s, "a\"b\n"), 1); /* quote inside a plain cell */
    assert_int_equal(csv_error(&p), CSV_EPARSE);
    assert_false(csvr_ps_quoted(&p));
    csv_free(&p);
    parser(&p, &s);
    assert_int_equal(feed(&p, &s, "\"a\"b\n"), 3); /* text after the closing quote */
    assert_int_equal(csv_error(&p), CSV_EPARSE);
    assert_true(csvr_ps_quoted(&p));
    csv_free(&p);
}

/* test_field_bytes - the field callback gets csvr_ps_cell's bytes with SHORT_CELL readable,
 * which the reader's whole-word copy of short cells relies on; after a long cell too */
static void test_field_bytes(void **state)
{
    (void)state;
    struct csv_parser p;
    struct seen s;
    char big[6000];
    parser(&p, &s);
    assert_int_equal(feed(&p, &s, "a,bb,\"c\"\n"), 9);
    memset(big, 'x', sizeof big - 2);
    big[sizeof big - 2] = '\n';
    big[sizeof big - 1] = '\0';
    assert_int_equal(feed(&p, &s, big), sizeof big - 1);
    assert_int_equal(feed(&p, &s, "d\n"), 2);
    assert_int_equal(s.fields, 5);
    assert_true(s.data_is_cell);
    assert_true(s.room_ok);
    csv_free(&p);
}

/* test_fini_keeps_cell - csv_fini refusing an open quote leaves the cell's bytes readable
 * (the reader keeps what there is of a truncated cell) */
static void test_fini_keeps_cell(void **state)
{
    (void)state;
    struct csv_parser p;
    struct seen s;
    parser(&p, &s);
    assert_int_equal(feed(&p, &s, "\"abc"), 4);
    assert_int_not_equal(csv_fini(&p, on_field, on_row, &s), 0);
    assert_int_equal(csvr_ps_cell_len(&p), 3);
    assert_memory_equal(csvr_ps_cell(&p), "abc", 3);
    csv_free(&p);
}

/* main - run this file's cmocka tests */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh),           cmocka_unit_test(test_unquoted_carry),
        cmocka_unit_test(test_between_cells),   cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_strict_errors),   cmocka_unit_test(test_field_bytes),
        cmocka_unit_test(test_fini_keeps_cell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
