/*
 * layout_testutil.h - helpers shared by the layout engine's unit tests.
 *
 * Owns nothing beyond what each helper returns: layouts parsed from strings
 * and FILE streams over byte strings (which may contain NUL bytes). Test
 * code only; a failed helper fails the running cmocka test, never exits.
 */
#ifndef LAYOUT_TESTUTIL_H
#define LAYOUT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/wb.h"
#include "layout/layout.h"

#define LEGACY_LAYOUT                                                                              \
    "name = legacy\nflow = dispatch\ndelimiter = ;\nencoding = windows-1252\n"                     \
    "datetime_format = %d/%m/%Y %H:%M\ntime_zone = Europe/London\nline_end = crlf\n"               \
    "field order_id = Order Ref\nfield order_item_id = Line Ref\nfield sku = Item Code\n"          \
    "field quantity = Qty Shipped\nfield carrier = Carrier Service\n"                              \
    "field tracking = Consignment No\nfield ship_time = Despatch Date\n"

#define UTF8_LAYOUT                                                                                \
    "name = utf8\nflow = dispatch\n"                                                               \
    "field order_id = amazon_order_id\nfield order_item_id = order_item_id\nfield sku = sku\n"     \
    "field quantity = quantity\nfield carrier = carrier_service\n"                                 \
    "field tracking = tracking_number\nfield ship_time = ship_time\n"                              \
    "field ship_method = ship_method\n"

#define UTF8_HEADER                                                                                \
    "amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time\n"
#define LEGACY_HEADER                                                                              \
    "Order Ref;Line Ref;Item Code;Qty Shipped;Carrier Service;Consignment No;Despatch Date\r\n"

/* tl_layout - parse layout text or fail the test */
static inline struct layout *tl_layout(const char *text)
{
    struct layout *l = NULL;
    struct buf errs;
    buf_init(&errs, 4096);
    int rc = layout_parse_text(text, strlen(text), "test.layout", &l, &errs);
    if (rc != WB_OK)
        print_error("layout errors:\n%s", buf_str(&errs));
    buf_free(&errs);
    assert_int_equal(rc, WB_OK);
    return l;
}

/* tl_file - a read stream over n bytes (a temporary file, so NUL bytes and n == 0 work) */
static inline FILE *tl_file(const void *data, size_t n)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(data, 1, n, f), n);
    rewind(f);
    return f;
}

/* tl_fstr - tl_file over a C string */
static inline FILE *tl_fstr(const char *s)
{
    return tl_file(s, strlen(s));
}

#endif
