/*
 * test_layout_csvr.c - unit tests for the streaming CSV reader.
 *
 * Every bad input an outside file can bring: empty file, header only,
 * missing or renamed columns, wrong delimiter, invalid UTF-8, windows-1252
 * bytes in a UTF-8 layout, NUL bytes, a 1 MB cell, CRLF and mixed line
 * ends, BOM rules, quoted newlines, truncation, stray quotes, wrong cell
 * counts; plus windows-1252 conversion and line numbers after each problem.
 */
#include "layout_testutil.h"

#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

/* reader state for one test */
struct rd {
    struct layout *l;
    FILE *f;
    struct csvr *r;
    struct buf err;
};

/* need_of - every field of l but ship_method into need (at most max); their number */
static size_t need_of(const struct layout *l, const char **need, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < layout_nfields(l) && k < max; i++)
        if (strcmp(layout_field_name(l, i), "ship_method") != 0)
            need[k++] = layout_field_name(l, i);
    return k;
}

/* rd_open - open a reader over bytes with a layout, insisting on every field but ship_method (as
 * the dispatch flow's vocabulary, which the engine does not know, makes it optional); returns
 * csvr_open's status */
static int rd_open(struct rd *t, const char *layout_text, const void *data, size_t n)
{
    t->l = tl_layout(layout_text);
    t->f = tl_file(data, n);
    t->r = NULL;
    buf_init(&t->err, 8192);
    const char *need[64];
    size_t k = need_of(t->l, need, 64);
    return csvr_open(&t->r, t->l, t->f, need, k, &t->err);
}

/* rd_close - release everything */
static void rd_close(struct rd *t)
{
    csvr_close(t->r);
    fclose(t->f);
    layout_free(t->l);
    buf_free(&t->err);
}

/* expect_in - assert that hay contains needle */
static void expect_in(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("expected '%s' in '%s'", needle, hay);
}

/* open_fails - csvr_open must give WB_PERMFAIL with a message containing needle */
static void open_fails(const char *layout_text, const void *data, size_t n, const char *needle)
{
    struct rd t;
    assert_int_equal(rd_open(&t, layout_text, data, n), WB_PERMFAIL);
    assert_null(t.r);
    expect_in(buf_str(&t.err), needle);
    rd_close(&t);
}

/* next_ok - read a good row */
static const struct csvr_row *next_ok(struct rd *t)
{
    const struct csvr_row *row;
    int rc = csvr_next(t->r, &row);
    if (rc != WB_OK)
        fail_msg("expected a good row, got %d (%s)", rc, row ? row->error_text : "");
    return row;
}

/* next_bad - read a row with a row-level error code */
static const struct csvr_row *next_bad(struct rd *t, int code)
{
    const struct csvr_row *row;
    assert_int_equal(csvr_next(t->r, &row), WB_PERMFAIL);
    assert_non_null(row);
    if (row->error != code)
        fail_msg("expected %s, got %s: %s", csvr_error_code(code),
                 row->error_code ? row->error_code : "none", row->error_text);
    assert_string_equal(row->error_code, csvr_error_code(code));
    return row;
}

/* at_end - no more rows */
static void at_end(struct rd *t)
{
    const struct csvr_row *row;
    assert_int_equal(csvr_next(t->r, &row), WB_NOTFOUND);
    assert_int_equal(csvr_next(t->r, &row), WB_NOTFOUND);
}

#define F(row, name) csvr_field((row), layout_field_index(t.l, (name)))

/* test_good_utf8 - a plain file: fields, trimming, extra columns, line numbers */
static void test_good_utf8(void **state)
{
    (void)state;
    const char *in =
        "amazon_order_id, Order_Item_ID ,sku,quantity,carrier_service,"
        "tracking_number,ship_time,note\n"
        "111-2222222-3333333,12345,SKU-1,2,Royal Mail 24,\"  TRK1 \",2026-11-20T14:03:00Z,"
        "hello\n"
        "\n"
        "111-2222222-4444444,12346,SKU-2,1,DPD Next Day,TRK2,2026-11-20T15:00:00Z,\n";
    struct rd t;
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, in, strlen(in)), WB_OK);
    size_t n;
    const char *const *h = csvr_header(t.r, &n);
    assert_int_equal(n, 8);
    assert_string_equal(h[7], "note");
    assert_int_equal(csvr_column(t.r, layout_field_index(t.l, "order_item_id")), 1);
    assert_int_equal(csvr_column(t.r, layout_field_index(t.l, "ship_method")), -1);
    const struct csvr_row *row = next_ok(&t);
    assert_int_equal(row->lineno, 2);
    assert_int_equal(row->ncells, 8);
    assert_string_equal(F(row, "order_id"), "111-2222222-3333333");
    assert_string_equal(F(row, "tracking"), "TRK1");
    assert_string_equal(row->cells[5], "  TRK1 ");
    assert_string_equal(F(row, "ship_method"), "");
    assert_string_equal(csvr_field(row, -1), "");
    assert_string_equal(csvr_field(row, 99), "");
    assert_string_equal(row->cells[7], "hello");
    assert_null(row->error_code);
    assert_string_equal(row->error_text, "");
    row = next_ok(&t);
    assert_int_equal(row->lineno, 4);
    assert_string_equal(F(row, "carrier"), "DPD Next Day");
    assert_string_equal(row->cells[7], "");
    at_end(&t);
    rd_close(&t);
}

/* test_empty_and_header_only - no header is an error, no rows is not */
static void test_empty_and_header_only(void **state)
{
    (void)state;
    open_fails(UTF8_LAYOUT, "", 0, "the file is empty");
    open_fails(UTF8_LAYOUT, "\xEF\xBB\xBF", 3, "the file is empty");
    open_fails(UTF8_LAYOUT, "\n\r\n  \n", 6, "the file is empty");
    struct rd t;
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, UTF8_HEADER, strlen(UTF8_HEADER)), WB_OK);
    at_end(&t);
    rd_close(&t);
    /* header without a final line end */
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, UTF8_HEADER, strlen(UTF8_HEADER) - 1), WB_OK);
    at_end(&t);
    rd_close(&t);
}

/* test_missing_columns - missing and renamed columns are named, with the header seen */
static void test_missing_columns(void **state)
{
    (void)state;
    const char *in = "Order Ref;Line Ref;Item Code;Qty Shipd;Carrier Service;Consignment No\r\n"
                     "1;2;3;4;5;6\r\n";
    struct rd t;
    assert_int_equal(rd_open(&t, LEGACY_LAYOUT, in, strlen(in)), WB_PERMFAIL);
    const char *e = buf_str(&t.err);
    expect_in(e, "missing column(s): 'Qty Shipped' (field quantity), 'Despatch Date' (field "
                 "ship_time)");
    expect_in(e, "'Qty Shipd'");
    assert_null(strstr(e, "wrong delimiter"));
    rd_close(&t);
    /* the caller may ask for fewer fields */
    static const char *const need[] = {"order_id", "sku"};
    t.l = tl_layout(LEGACY_LAYOUT);
    t.f = tl_fstr(in);
    buf_init(&t.err, 1024);
    assert_int_equal(csvr_open(&t.r, t.l, t.f, need, 2, &t.err), WB_OK);
    const struct csvr_row *row = next_ok(&t);
    assert_string_equal(F(row, "sku"), "3");
    assert_string_equal(F(row, "quantity"), "");
    rd_close(&t);
    /* asking for a field the layout lacks is a configuration error */
    static const char *const odd[] = {"colour"};
    t.l = tl_layout(LEGACY_LAYOUT);
    t.f = tl_fstr(in);
    buf_init(&t.err, 1024);
    assert_int_equal(csvr_open(&t.r, t.l, t.f, odd, 1, &t.err), WB_CONFIG);
    expect_in(buf_str(&t.err), "has no field 'colour'");
    t.r = NULL;
    rd_close(&t);
    /* the same column twice is ambiguous */
    const char *twice = "amazon_order_id,order_item_id,sku,SKU,quantity,carrier_service,"
                        "tracking_number,ship_time\n";
    open_fails(UTF8_LAYOUT, twice, strlen(twice), "column 'sku' appears twice");
}

/* test_wrong_delimiter - a one-cell header holding another delimiter gets a hint */
static void test_wrong_delimiter(void **state)
{
    (void)state;
    const char *in = "Order Ref,Line Ref,Item Code,Qty Shipped,Carrier Service,Consignment No,"
                     "Despatch Date\r\n";
    open_fails(LEGACY_LAYOUT, in, strlen(in), "wrong delimiter? (layout legacy expects ';')");
    const char *tabs = "amazon_order_id\torder_item_id\tsku\tquantity\n";
    open_fails(UTF8_LAYOUT, tabs, strlen(tabs), "one cell containing 'tab': wrong delimiter?");
}

/* test_bad_utf8 - invalid UTF-8 and windows-1252 bytes in a UTF-8 layout */
static void test_bad_utf8(void **state)
{
    (void)state;
    const char in[] = UTF8_HEADER "1,2,caf\xE9,1,c,t,s\n"      /* windows-1252 e-acute */
                                  "1,2,\xC3\x28,1,c,t,s\n"     /* bad continuation */
                                  "1,2,\xED\xA0\x80,1,c,t,s\n" /* surrogate */
                                  "1,2,\xF0\x9F\x93\xA6 box,1,c,t,s\n";
    struct rd t;
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, in, sizeof in - 1), WB_OK);
    const struct csvr_row *row = next_bad(&t, CSVR_E_ENCODING);
    assert_int_equal(row->lineno, 2);
    expect_in(row->error_text, "line 2: byte 0xE9 at offset 3 in column 'sku' is not valid UTF-8");
    assert_string_equal(row->cells[2], "caf\xEF\xBF\xBD");
    assert_int_equal(row->raw_len[2], 4);
    assert_memory_equal(row->raw[2], "caf\xE9", 4);
    row = next_bad(&t, CSVR_E_ENCODING);
    assert_int_equal(row->lineno, 3);
    row = next_bad(&t, CSVR_E_ENCODING);
    assert_int_equal(row->lineno, 4);
    row = next_ok(&t);
    assert_string_equal(F(row, "sku"), "\xF0\x9F\x93\xA6 box");
    at_end(&t);
    rd_close(&t);
    /* a bad byte on the first line of a quoted cell that ends on a clean line, and a NUL
     * two lines up from the end of one: each is still found */
    const char span[] = UTF8_HEADER "1,2,\"caf\xE9\nok\",1,c,t,s\n"
                                    "1,2,\"a\0\n\nb\",1,c,t,s\n"
                                    "1,2,\"clean\nagain\",1,c,t,s\n";
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, span, sizeof span - 1), WB_OK);
    row = next_bad(&t, CSVR_E_ENCODING);
    assert_int_equal(row->lineno, 2);
    assert_string_equal(row->cells[2], "caf\xEF\xBF\xBD\nok");
    row = next_bad(&t, CSVR_E_NUL);
    assert_int_equal(row->lineno, 4);
    row = next_ok(&t);
    assert_int_equal(row->lineno, 7);
    assert_string_equal(F(row, "sku"), "clean\nagain");
    at_end(&t);
    rd_close(&t);
    /* in the header it is fatal for the file */
    const char hdr[] = "amazon_order_id,order_item_id,sk\xFC,quantity\n";
    open_fails(UTF8_LAYOUT, hdr, sizeof hdr - 1,
               "header row: line 1: byte 0xFC at offset 2 in column 3 is not valid UTF-8");
    /* long column names are shortened in messages */
    struct buf b;
    buf_init(&b, 8192);
    buf_appends(&b, "amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,"
                    "ship_time,");
    for (int i = 0; i < 2000; i++)
        buf_appendc(&b, 'N');
    buf_appends(&b, "\n1,2,3,4,5,6,7,\xFF\n");
    struct rd t2;
    assert_int_equal(rd_open(&t2, UTF8_LAYOUT, b.data, b.len), WB_OK);
    row = next_bad(&t2, CSVR_E_ENCODING);
    expect_in(row->error_text, "line 2: byte 0xFF at offset 0 in column 'NNNNN");
    expect_in(row->error_text, "NNN...' is not valid UTF-8");
    rd_close(&t2);
    buf_free(&b);
}

/* test_nul_bytes - a NUL byte is reported, the row still returned */
static void test_nul_bytes(void **state)
{
    (void)state;
    const char in[] = UTF8_HEADER "1,2,A\0B,1,c,t,s\n3,4,C,1,c,t,s\n";
    struct rd t;
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, in, sizeof in - 1), WB_OK);
    const struct csvr_row *row = next_bad(&t, CSVR_E_NUL);
    expect_in(row->error_text, "NUL byte in column 'sku'");
    assert_int_equal(row->raw_len[2], 3);
    assert_string_equal(row->cells[2], "A\xEF\xBF\xBD"
                                       "B");
    row = next_ok(&t);
    assert_int_equal(row->lineno, 3);
    at_end(&t);
    rd_close(&t);
    /* windows-1252 too */
    const char leg[] = LEGACY_HEADER "1;2;X\0;4;5;6;7\r\n";
    assert_int_equal(rd_open(&t, LEGACY_LAYOUT, leg, sizeof leg - 1), WB_OK);
    row = next_bad(&t, CSVR_E_NUL);
    assert_string_equal(row->cells[2], "X\xEF\xBF\xBD");
    at_end(&t);
    rd_close(&t);
}

/* big_input - header + a row with a huge cell (quoted or not) + a good row */
static char *big_input(size_t big, int quoted, size_t *n)
{
    struct buf b;
    buf_init(&b, big + 4096);
    buf_appends(&b, UTF8_HEADER "1,2,");
    if (quoted)
        buf_appendc(&b, '"');
    for (size_t i = 0; i < big; i++) {
        if (quoted && i % 1000 == 999)
            buf_appendc(&b, '\n');
        else if (quoted && i % 777 == 0)
            buf_appends(&b, "\"\"");
        else
            buf_appendc(&b, 'x');
    }
    if (quoted)
        buf_appendc(&b, '"');
    buf_appends(&b, ",1,c,t,s\n5,6,SKU,1,c,t,s\n");
    *n = b.len;
    return buf_detach(&b);
}

/* test_field_too_long - a 1 MB cell is refused and the next row still reads */
static void test_field_too_long(void **state)
{
    (void)state;
    for (int quoted = 0; quoted < 2; quoted++) {
        size_t n;
        char *in = big_input(1000000 + (quoted ? 1 : 0), quoted, &n);
        struct rd t;
        assert_int_equal(rd_open(&t, UTF8_LAYOUT, in, n), WB_OK);
        const struct csvr_row *row = next_bad(&t, CSVR_E_FIELD_TOO_LONG);
        assert_int_equal(row->lineno, 2);
        expect_in(row->error_text, "cell in column 'sku' is longer than 65536 bytes");
        row = next_ok(&t);
        assert_string_equal(F(row, "sku"), "SKU");
        assert_int_equal(row->lineno, quoted ? 3 + 1000 : 3);
        at_end(&t);
        rd_close(&t);
        free(in);
    }
    /* exactly at the limit is fine, one more is not */
    const char *lay = "name = x\nflow = other\nmax_field = 5\nfield a = a\nfield b = b\n";
    struct rd t;
    const char *in = "a,b\n12345,\"12345\"\n123456,1\n1,\"123456\"\n'-1234,'=2345\n";
    assert_int_equal(rd_open(&t, lay, in, strlen(in)), WB_OK);
    next_ok(&t);
    next_bad(&t, CSVR_E_FIELD_TOO_LONG);
    next_bad(&t, CSVR_E_FIELD_TOO_LONG);
    /* a neutralising apostrophe does not count */
    const struct csvr_row *row = next_ok(&t);
    assert_string_equal(row->cells[0], "-1234");
    at_end(&t);
    rd_close(&t);
    in = "a,b\n1,'=23456\n";
    assert_int_equal(rd_open(&t, lay, in, strlen(in)), WB_OK);
    next_bad(&t, CSVR_E_FIELD_TOO_LONG);
    at_end(&t);
    rd_close(&t);
}

/* test_line_ends - CRLF, LF, lone CR and mixtures, with line numbers */
static void test_line_ends(void **state)
{
    (void)state;
    const char *in = "amazon_order_id,order_item_id,sku,quantity,carrier_service,"
                     "tracking_number,ship_time\r\n"
                     "1,2,A,1,c,t,s\r\n"
                     "3,4,B,1,c,t,s\n"
                     "\r\n"
                     "5,6,C,1,c,t,s\r"
                     "7,8,D,1,c,t,s";
    struct rd t;
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, in, strlen(in)), WB_OK);
    const struct csvr_row *row = next_ok(&t);
    assert_string_equal(F(row, "sku"), "A");
    assert_string_equal(F(row, "ship_time"), "s");
    assert_int_equal(row->lineno, 2);
    row = next_ok(&t);
    assert_string_equal(F(row, "sku"), "B");
    assert_int_equal(row->lineno, 3);
    row = next_ok(&t);
    assert_string_equal(F(row, "sku"), "C");
    assert_int_equal(row->lineno, 5);
    row = next_ok(&t);
    assert_string_equal(F(row, "sku"), "D");
    assert_string_equal(F(row, "ship_time"), "s");
    at_end(&t);
    rd_close(&t);
}

/* test_bom - stripped when optional, enforced when required or forbidden */
static void test_bom(void **state)
{
    (void)state;
    const char in[] = "\xEF\xBB\xBF" UTF8_HEADER "1,2,A,1,c,t,s\n";
    struct rd t;
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, in, sizeof in - 1), WB_OK);
    size_t n;
    assert_string_equal(csvr_header(t.r, &n)[0], "amazon_order_id");
    assert_string_equal(F(next_ok(&t), "order_id"), "1");
    rd_close(&t);
    open_fails(UTF8_LAYOUT "bom = forbidden\n", in, sizeof in - 1, "byte order mark");
    open_fails(UTF8_LAYOUT "bom = required\n", in + 3, sizeof in - 4, "no UTF-8 byte order mark");
    assert_int_equal(rd_open(&t, UTF8_LAYOUT "bom = required\n", in, sizeof in - 1), WB_OK);
    rd_close(&t);
}

/* test_quoted_newlines - cells with CR/LF inside quotes, line numbers after them */
static void test_quoted_newlines(void **state)
{
    (void)state;
    const char *in = UTF8_HEADER "1,2,\"multi\nline\r\nsku\",1,c,\"t\"\"q\",s\n"
                                 "3,4,B,1,c,t,s\n";
    struct rd t;
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, in, strlen(in)), WB_OK);
    const struct csvr_row *row = next_ok(&t);
    assert_int_equal(row->lineno, 2);
    assert_string_equal(F(row, "sku"), "multi\nline\r\nsku");
    assert_string_equal(F(row, "tracking"), "t\"q");
    row = next_ok(&t);
    assert_int_equal(row->lineno, 5);
    at_end(&t);
    rd_close(&t);
}

/* test_truncated - end of input inside a quoted cell or part way through a row */
static void test_truncated(void **state)
{
    (void)state;
    const char *in = UTF8_HEADER "1,2,A,1,c,t,s\n3,4,\"B,1,c,t,s\n";
    struct rd t;
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, in, strlen(in)), WB_OK);
    next_ok(&t);
    const struct csvr_row *row = next_bad(&t, CSVR_E_TRUNCATED);
    assert_int_equal(row->lineno, 3);
    expect_in(row->error_text, "inside a quoted cell");
    assert_int_equal(row->ncells, 3);
    assert_string_equal(row->cells[2], "B,1,c,t,s\n");
    at_end(&t);
    rd_close(&t);
    in = UTF8_HEADER "1,2,A,1,c,t,s\n3,4,B,1";
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, in, strlen(in)), WB_OK);
    next_ok(&t);
    row = next_bad(&t, CSVR_E_TRUNCATED);
    expect_in(row->error_text, "line 3: file ends mid-row without a line end (4 cells");
    assert_int_equal(row->ncells, 4);
    at_end(&t);
    rd_close(&t);
}

/* test_columns_and_quotes - wrong cell counts and stray quotes, reading carries on */
static void test_columns_and_quotes(void **state)
{
    (void)state;
    const char *in = UTF8_HEADER "1,2,A,1,c,t\n"
                                 "1,2,A,1,c,t,s,extra\n"
                                 "1,2,A\"B,1,c,t,s\n"
                                 "1,2,\"A\"B,1,c,t,s\n"
                                 "1,2,OK,1,c,t,s\n";
    struct rd t;
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, in, strlen(in)), WB_OK);
    const struct csvr_row *row = next_bad(&t, CSVR_E_COLUMNS);
    expect_in(row->error_text, "line 2: 6 cells, the header has 7");
    row = next_bad(&t, CSVR_E_COLUMNS);
    assert_int_equal(row->ncells, 8);
    assert_string_equal(row->cells[7], "extra");
    row = next_bad(&t, CSVR_E_QUOTE);
    assert_int_equal(row->lineno, 4);
    expect_in(row->error_text, "line 4: \" inside a cell that does not start with \", in column "
                               "'sku'");
    row = next_bad(&t, CSVR_E_QUOTE);
    assert_int_equal(row->lineno, 5);
    expect_in(row->error_text, "line 5: text after the closing \" of a cell in column 'sku'");
    row = next_ok(&t);
    assert_int_equal(row->lineno, 6);
    assert_string_equal(F(row, "sku"), "OK");
    at_end(&t);
    rd_close(&t);
}

/* test_legacy_1252 - windows-1252 converts to UTF-8, raw bytes stay, times parse */
static void test_legacy_1252(void **state)
{
    (void)state;
    const char in[] = LEGACY_HEADER "A1;1;CAF\xC9-\x80;2;Royal Mail;TRK;25/10/2026 02:30\r\n"
                                    "A2;1;X\x81;2;Royal Mail;TRK;29/03/2026 01:30\r\n";
    struct rd t;
    assert_int_equal(rd_open(&t, LEGACY_LAYOUT, in, sizeof in - 1), WB_OK);
    const struct csvr_row *row = next_ok(&t);
    assert_string_equal(F(row, "sku"), "CAF\xC3\x89-\xE2\x82\xAC");
    assert_int_equal(row->raw_len[2], 6);
    assert_memory_equal(row->raw[2], "CAF\xC9-\x80", 6);
    time_t when;
    assert_int_equal(layout_parse_time(t.l, F(row, "ship_time"), &when), WB_OK);
    assert_int_equal(when, 1792895400);
    row = next_bad(&t, CSVR_E_ENCODING);
    expect_in(row->error_text, "byte 0x81 at offset 1 in column 'Item Code' is not valid "
                               "windows-1252");
    assert_int_equal(layout_parse_time(t.l, F(row, "ship_time"), &when), WB_NOTFOUND);
    at_end(&t);
    rd_close(&t);
}

/* test_fd_pipe - reading from a pipe through a file descriptor */
static void test_fd_pipe(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *in = UTF8_HEADER "1,2,PIPE,1,c,t,s\n";
    assert_int_equal(write(fds[1], in, strlen(in)), (ssize_t)strlen(in));
    close(fds[1]);
    struct layout *l = tl_layout(UTF8_LAYOUT);
    struct csvr *r;
    const char *need[64];
    size_t k = need_of(l, need, 64);
    assert_int_equal(csvr_open_fd(&r, l, fds[0], need, k, NULL), WB_OK);
    close(fds[0]); /* the reader holds its own copy */
    const struct csvr_row *row;
    assert_int_equal(csvr_next(r, &row), WB_OK);
    assert_string_equal(row->cells[2], "PIPE");
    assert_int_equal(csvr_next(r, &row), WB_NOTFOUND);
    csvr_close(r);
    assert_int_equal(csvr_open_fd(&r, l, -1, NULL, 0, NULL), WB_IOERR);
    layout_free(l);
}

/* test_multibyte_encoding - a multi-byte ASCII-compatible encoding goes through iconv */
static void test_multibyte_encoding(void **state)
{
    (void)state;
    const char *lay = "name = x\nflow = other\nencoding = EUC-JP\nfield a = A\nfield b = B\n";
    const char in[] = "A,B\n\xC6\xFC\xCB\xDC,ok\nbad\xFF,x\ncut\xC6,y\n";
    struct rd t;
    assert_int_equal(rd_open(&t, lay, in, sizeof in - 1), WB_OK);
    const struct csvr_row *row = next_ok(&t);
    assert_string_equal(row->cells[0], "\xE6\x97\xA5\xE6\x9C\xAC");
    row = next_bad(&t, CSVR_E_ENCODING);
    expect_in(row->error_text, "byte 0xFF at offset 3 in column 'A' is not valid EUC-JP");
    assert_string_equal(row->cells[0], "bad\xEF\xBF\xBD");
    row = next_bad(&t, CSVR_E_ENCODING);
    assert_string_equal(row->cells[1], "y");
    at_end(&t);
    rd_close(&t);
}

/* test_formula_strip - one apostrophe before = + - @ TAB CR is removed, others kept */
static void test_formula_strip(void **state)
{
    (void)state;
    const char *lay = "name = x\nflow = other\nfield a = a\nfield b = b\nfield c = c\n";
    const char *in = "a,b,c\n'=SUM(A1),'+1,'-2\n'@x,\"'\tt\",'plain\n''=x,',\"'\r\"\n";
    struct rd t;
    assert_int_equal(rd_open(&t, lay, in, strlen(in)), WB_OK);
    const struct csvr_row *row = next_ok(&t);
    assert_string_equal(row->cells[0], "=SUM(A1)");
    assert_string_equal(row->cells[1], "+1");
    assert_string_equal(row->cells[2], "-2");
    assert_memory_equal(row->raw[0], "'=SUM(A1)", 9);
    row = next_ok(&t);
    assert_string_equal(row->cells[0], "@x");
    assert_string_equal(row->cells[1], "\tt");
    assert_string_equal(row->cells[2], "'plain");
    row = next_ok(&t);
    assert_string_equal(row->cells[0], "''=x");
    assert_string_equal(row->cells[1], "'");
    assert_string_equal(row->cells[2], "\r");
    at_end(&t);
    rd_close(&t);
}

/* test_tab_delimiter - TAB separated cells keep their inner spaces */
static void test_tab_delimiter(void **state)
{
    (void)state;
    const char *lay = "name = x\nflow = other\ndelimiter = tab\nfield a = A\nfield b = B\n";
    const char *in = "A\tB\n a b \t\tx\n\t\n";
    struct rd t;
    assert_int_equal(rd_open(&t, lay, in, strlen(in)), WB_OK);
    open_fails(lay, "A,B\n", 4, "wrong delimiter? (layout x expects 'tab')");
    const struct csvr_row *row = next_bad(&t, CSVR_E_COLUMNS);
    assert_string_equal(row->cells[0], "a b");
    assert_string_equal(row->cells[1], "");
    row = next_ok(&t);
    assert_string_equal(row->cells[0], "");
    assert_string_equal(row->cells[1], "");
    at_end(&t);
    rd_close(&t);
}

/* test_many_rows - a long file streams with steady results and steady memory */
static void test_many_rows(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 16u << 20);
    buf_appends(&b, LEGACY_HEADER);
    for (int i = 0; i < 100000; i++)
        buf_appendf(&b, "ORD%d;%d;SKU\xE9%d;%d;DPD;T%d;01/07/2026 %02d:%02d\r\n", i, i % 3, i % 50,
                    1 + i % 4, i, i % 24, i % 60);
    struct rd t;
    assert_int_equal(rd_open(&t, LEGACY_LAYOUT, b.data, b.len), WB_OK);
    const struct csvr_row *row;
    long n = 0;
    int rc;
    size_t heap_early = 0;
    while ((rc = csvr_next(t.r, &row)) == WB_OK) {
        time_t when;
        if (n == 1000)
            heap_early = mallinfo2().uordblks;
        assert_int_equal(row->lineno, n + 2);
        assert_int_equal(layout_parse_time(t.l, F(row, "ship_time"), &when), WB_OK);
        n++;
    }
    assert_int_equal(rc, WB_NOTFOUND);
    assert_int_equal(n, 100000);
    /* memory does not grow with the number of rows (skipped where mallinfo2 reads 0) */
    size_t heap_late = mallinfo2().uordblks;
    if (heap_early)
        assert_true(heap_late < heap_early + 65536);
    rd_close(&t);
    buf_free(&b);
}

/* test_chunk_boundaries - rows cut by the reader's 64 KiB input chunks keep every cell: cells
 * of varied lengths (plain, quoted, blank-padded, formula-protected) so that the cut falls at
 * many different places in a row */
static void test_chunk_boundaries(void **state)
{
    (void)state;
    struct buf b, want;
    buf_init(&b, 16u << 20);
    buf_init(&want, 256);
    buf_appends(&b, UTF8_HEADER);
    const int rows = 6000;
    for (int i = 0; i < rows; i++) {
        const char *pad = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
        int k = i % 37;
        switch (i % 4) {
        case 0:
            buf_appendf(&b, "O%d,I%.*s,S%d,%d,C,T%d,W%d\n", i, k, pad, i, 1 + i % 9, i, i);
            break;
        case 1:
            buf_appendf(&b, "\"O%d\",I%.*s,\"S,%d\",%d,C,T%d,W%d\n", i, k, pad, i, 1 + i % 9, i, i);
            break;
        case 2:
            buf_appendf(&b, "  O%d ,I%.*s,S%d,%d,C,T%d,W%d\r\n", i, k, pad, i, 1 + i % 9, i, i);
            break;
        default:
            buf_appendf(&b, "O%d,I%.*s,'=S%d,%d,C,T%d,W%d\n", i, k, pad, i, 1 + i % 9, i, i);
        }
    }
    struct rd t;
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, b.data, b.len), WB_OK);
    for (int i = 0; i < rows; i++) {
        const struct csvr_row *row = next_ok(&t);
        int k = i % 37;
        char o[32], item[64], sku[32];
        snprintf(o, sizeof o, "O%d", i);
        snprintf(item, sizeof item, "I%.*s", k, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        snprintf(sku, sizeof sku, i % 4 == 1 ? "S,%d" : i % 4 == 3 ? "=S%d" : "S%d", i);
        assert_string_equal(F(row, "order_id"), o);
        assert_string_equal(F(row, "order_item_id"), item);
        assert_string_equal(F(row, "sku"), sku);
        assert_string_equal(row->cells[1], item);
        assert_int_equal(row->raw_len[1], strlen(item));
        assert_memory_equal(row->raw[1], item, strlen(item));
        buf_reset(&want);
        buf_appendf(&want, "T%d", i);
        assert_string_equal(F(row, "tracking"), buf_str(&want));
        buf_reset(&want);
        buf_appendf(&want, "W%d", i);
        assert_string_equal(row->cells[6], buf_str(&want));
        if (i % 4 == 3) {
            buf_reset(&want);
            buf_appendf(&want, "'=S%d", i);
            assert_string_equal(row->raw[2], buf_str(&want));
            assert_string_equal(row->cells[2], sku);
        }
    }
    at_end(&t);
    rd_close(&t);
    buf_free(&b);
    buf_free(&want);
}

/* test_arena_growth - cells already read stay right when a later, longer cell of the same row
 * makes the reader's storage grow (plain, re-encoded and blank-trimmed cells alike) */
static void test_arena_growth(void **state)
{
    (void)state;
    struct buf b, big;
    buf_init(&b, 4u << 20);
    buf_init(&big, 1u << 20);
    buf_appends(&b, UTF8_HEADER);
    const size_t sizes[] = {40, 100, 1000, 10000, 60000};
    for (size_t j = 0; j < WB_ARRAY_LEN(sizes); j++) {
        buf_reset(&big);
        for (size_t i = 0; i < sizes[j]; i++)
            buf_appendc(&big, (char)('a' + i % 26));
        buf_appendf(&b, "O%zu,  I%zu  ,caf\xC3\xA9%zu,\"%s\",C,T%zu,\xE9%zu\n", j, j, j,
                    buf_str(&big), j, j);
    }
    struct rd t;
    assert_int_equal(rd_open(&t, UTF8_LAYOUT, b.data, b.len), WB_OK);
    for (size_t j = 0; j < WB_ARRAY_LEN(sizes); j++) {
        const struct csvr_row *row;
        assert_int_equal(csvr_next(t.r, &row), WB_PERMFAIL); /* the last cell is not UTF-8 */
        char want[64];
        snprintf(want, sizeof want, "O%zu", j);
        assert_string_equal(row->cells[0], want);
        assert_string_equal(F(row, "order_id"), want);
        snprintf(want, sizeof want, "I%zu", j);
        assert_string_equal(F(row, "order_item_id"), want);
        snprintf(want, sizeof want, "caf\xC3\xA9%zu", j);
        assert_string_equal(F(row, "sku"), want);
        assert_int_equal(strlen(row->cells[3]), sizes[j]);
        assert_int_equal(row->cells[3][sizes[j] - 1], 'a' + (int)((sizes[j] - 1) % 26));
        snprintf(want, sizeof want, "T%zu", j);
        assert_string_equal(F(row, "tracking"), want);
        snprintf(want, sizeof want, "\xEF\xBF\xBD%zu", j);
        assert_string_equal(row->cells[6], want);
        assert_int_equal(row->raw_len[6], strlen(want) - 2);
    }
    at_end(&t);
    rd_close(&t);
    buf_free(&b);
    buf_free(&big);
}

/* main - run this file's cmocka tests */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_utf8),
        cmocka_unit_test(test_empty_and_header_only),
        cmocka_unit_test(test_missing_columns),
        cmocka_unit_test(test_wrong_delimiter),
        cmocka_unit_test(test_bad_utf8),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_field_too_long),
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_quoted_newlines),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_columns_and_quotes),
        cmocka_unit_test(test_legacy_1252),
        cmocka_unit_test(test_formula_strip),
        cmocka_unit_test(test_tab_delimiter),
        cmocka_unit_test(test_multibyte_encoding),
        cmocka_unit_test(test_fd_pipe),
        cmocka_unit_test(test_many_rows),
        cmocka_unit_test(test_chunk_boundaries),
        cmocka_unit_test(test_arena_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
