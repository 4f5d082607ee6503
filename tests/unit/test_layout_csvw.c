/*
 * test_layout_csvw.c - unit tests for the CSV writer and reader/writer round trips.
 *
 * Covers quoting, formula neutralisation read back by csvr (a reject file can
 * be requeued), conversion to windows-1252 with '?' for missing characters,
 * CRLF, BOM, raw rows, and ENOSPC reported as WB_NOSPACE.
 */
#include "layout_testutil.h"

#include <stdlib.h>

/* write_rows - run cells through a writer into memory; returns the bytes (caller frees) */
static char *write_rows(const struct layout *l, int neut, const char *const *cells, size_t n,
                        size_t *len)
{
    char *out = NULL;
    size_t olen = 0;
    FILE *f = open_memstream(&out, &olen);
    assert_non_null(f);
    struct csvw *w;
    assert_int_equal(csvw_open(&w, l, f, neut), WB_OK);
    assert_int_equal(csvw_header(w), WB_OK);
    assert_int_equal(csvw_row(w, cells, n), WB_OK);
    assert_int_equal(csvw_close(w), WB_OK);
    assert_int_equal(fclose(f), 0);
    *len = olen;
    return out;
}

/* test_quoting - only cells that need it are quoted, quotes doubled */
static void test_quoting(void **state)
{
    (void)state;
    struct layout *l = tl_layout("name = x\nflow = other\nfield a = A\nfield b = B b\n"
                                 "field c = C\nfield d = D\nfield e = E\nfield f = F\n");
    const char *cells[] = {"plain", "has,comma", "say \"hi\"", "two\nlines", " lead", ""};
    size_t n;
    char *out = write_rows(l, 0, cells, 6, &n);
    assert_string_equal(out, "A,B b,C,D,E,F\n"
                             "plain,\"has,comma\",\"say \"\"hi\"\"\",\"two\nlines\",\" lead\",\n");
    free(out);
    layout_free(l);
}

/* test_formula_round_trip - neutralised cells read back as the original values */
static void test_formula_round_trip(void **state)
{
    (void)state;
    struct layout *l = tl_layout("name = x\nflow = other\nfield a = A\nfield b = B\nfield c = C\n"
                                 "field d = D\nfield e = E\nfield f = F\nfield g = G\n");
    const char *cells[] = {"=SUM(A1:A9)", "+44 20", "-5", "@cmd", "\tx", "\rcr", "'=kept"};
    size_t n;
    char *out = write_rows(l, 1, cells, 7, &n);
    assert_string_equal(out, "A,B,C,D,E,F,G\n"
                             "'=SUM(A1:A9),'+44 20,'-5,'@cmd,\"'\tx\",\"'\rcr\",'=kept\n");
    FILE *f = tl_file(out, n);
    struct csvr *r;
    struct buf err;
    buf_init(&err, 1024);
    assert_int_equal(csvr_open(&r, l, f, NULL, 0, &err), WB_OK);
    const struct csvr_row *row;
    assert_int_equal(csvr_next(r, &row), WB_OK);
    for (int i = 0; i < 6; i++)
        assert_string_equal(row->cells[i], cells[i]);
    /* "'=kept" was not neutralised, so reading strips its apostrophe */
    assert_string_equal(row->cells[6], "=kept");
    assert_int_equal(csvr_next(r, &row), WB_NOTFOUND);
    csvr_close(r);
    fclose(f);
    free(out);
    /* without neutralisation cells go out as they are */
    out = write_rows(l, 0, cells, 4, &n);
    assert_string_equal(out, "A,B,C,D,E,F,G\n=SUM(A1:A9),+44 20,-5,@cmd\n");
    free(out);
    buf_free(&err);
    layout_free(l);
}

/* test_apostrophe_quote - neutralising when the quote character is the apostrophe itself */
static void test_apostrophe_quote(void **state)
{
    (void)state;
    struct layout *l = tl_layout("name = x\nflow = other\nquote = '\ndelimiter = tab\n"
                                 "field a = A\nfield b = B\nfield c = C\n");
    const char *cells[] = {"\tQ", "=1", "it's"};
    size_t n;
    char *out = write_rows(l, 1, cells, 3, &n);
    assert_string_equal(out, "A\tB\tC\n'''\tQ'\t'''=1'\t'it''s'\n");
    FILE *f = tl_file(out, n);
    struct csvr *r;
    struct buf err;
    buf_init(&err, 1024);
    assert_int_equal(csvr_open(&r, l, f, NULL, 0, &err), WB_OK);
    const struct csvr_row *row;
    assert_int_equal(csvr_next(r, &row), WB_OK);
    for (int i = 0; i < 3; i++)
        assert_string_equal(row->cells[i], cells[i]);
    csvr_close(r);
    fclose(f);
    free(out);
    buf_free(&err);
    layout_free(l);
}

/* test_lone_empty_cell - a row of one empty cell is not written as a blank line */
static void test_lone_empty_cell(void **state)
{
    (void)state;
    struct layout *l = tl_layout("name = x\nflow = other\nfield a = A\n");
    const char *cells[] = {""};
    size_t n;
    char *out = write_rows(l, 0, cells, 1, &n);
    assert_string_equal(out, "A\n\"\"\n");
    free(out);
    layout_free(l);
}

/* test_legacy_out - windows-1252 output with CRLF; missing characters become '?' */
static void test_legacy_out(void **state)
{
    (void)state;
    struct layout *l = tl_layout(LEGACY_LAYOUT);
    const char *cells[] = {
        "A1", "1", "CAF\xC3\x89 \xE2\x82\xAC", "2", "\xE6\xBC\xA2 x", "a;b", "01/07/2026 10:00"};
    size_t n;
    char *out = write_rows(l, 0, cells, 7, &n);
    const char want[] = LEGACY_HEADER "A1;1;CAF\xC9 \x80;2;? x;\"a;b\";01/07/2026 10:00\r\n";
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(out, want, n);
    /* and it reads back */
    FILE *f = tl_file(out, n);
    struct csvr *r;
    struct buf err;
    buf_init(&err, 1024);
    assert_int_equal(csvr_open(&r, l, f, NULL, 0, &err), WB_OK);
    const struct csvr_row *row;
    assert_int_equal(csvr_next(r, &row), WB_OK);
    assert_string_equal(row->cells[2], "CAF\xC3\x89 \xE2\x82\xAC");
    assert_string_equal(row->cells[5], "a;b");
    /* raw cells go back out byte for byte */
    char *out2 = NULL;
    size_t n2 = 0;
    FILE *g = open_memstream(&out2, &n2);
    struct csvw *w;
    assert_int_equal(csvw_open(&w, l, g, 0), WB_OK);
    assert_int_equal(csvw_row_raw(w, row->raw, row->raw_len, row->ncells), WB_OK);
    assert_int_equal(csvw_close(w), WB_OK);
    fclose(g);
    assert_int_equal(n2, sizeof want - 1 - strlen(LEGACY_HEADER));
    assert_memory_equal(out2, want + strlen(LEGACY_HEADER), n2);
    free(out2);
    csvr_close(r);
    fclose(f);
    buf_free(&err);
    free(out);
    layout_free(l);
}

/* test_bom_out - a layout that requires a BOM gets one */
static void test_bom_out(void **state)
{
    (void)state;
    struct layout *l = tl_layout("name = x\nflow = other\nbom = required\nfield a = A\n");
    const char *cells[] = {"1"};
    size_t n;
    char *out = write_rows(l, 0, cells, 1, &n);
    assert_string_equal(out, "\xEF\xBB\xBF"
                             "A\n1\n");
    free(out);
    layout_free(l);
}

/* test_nospace - a full disk is WB_NOSPACE, reported by csvw_close */
static void test_nospace(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    struct layout *l = tl_layout(UTF8_LAYOUT);
    struct csvw *w;
    assert_int_equal(csvw_open(&w, l, f, 0), WB_OK);
    const char *cells[] = {"1", "2", "3", "4", "5", "6", "7"};
    int rc = WB_OK;
    for (int i = 0; i < 100000 && rc == WB_OK; i++)
        rc = csvw_row(w, cells, 7);
    assert_int_equal(rc, WB_NOSPACE);
    assert_int_equal(csvw_close(w), WB_NOSPACE);
    fclose(f);
    /* a small file fails only at close */
    f = fopen("/dev/full", "w");
    assert_int_equal(csvw_open(&w, l, f, 0), WB_OK);
    assert_int_equal(csvw_row(w, cells, 7), WB_OK);
    assert_int_equal(csvw_close(w), WB_NOSPACE);
    fclose(f);
    layout_free(l);
}

/* main - run this file's cmocka tests */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting),         cmocka_unit_test(test_formula_round_trip),
        cmocka_unit_test(test_legacy_out),      cmocka_unit_test(test_bom_out),
        cmocka_unit_test(test_nospace),         cmocka_unit_test(test_apostrophe_quote),
        cmocka_unit_test(test_lone_empty_cell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
