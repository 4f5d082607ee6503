/*
 * fuzz_layout_csv.c - libFuzzer target: any bytes through the layout CSV reader.
 *
 * The first input byte picks one of four in-memory layouts (windows-1252 with
 * ';' like dispatch-legacy, UTF-8 with ',', TAB with a tiny max_field, UTF-8
 * with a required BOM); the rest is read through csvr to the end. The first
 * good rows are written back with csvw (formula neutralisation on or off)
 * and read again: every cell must come back unchanged. Owns nothing between
 * runs except the parsed layouts; aborts only on a broken invariant.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "layout/layout.h"

static const char legacy_text[] =
    "name = dispatch-legacy\nflow = dispatch\ndelimiter = ;\nquote = \"\n"
    "encoding = windows-1252\nbom = optional\nheader = yes\n"
    "datetime_format = %d/%m/%Y %H:%M\ntime_zone = Europe/London\nline_end = crlf\n"
    "field order_id = Order Ref\nfield order_item_id = Line Ref\nfield sku = Item Code\n"
    "field quantity = Qty Shipped\nfield carrier = Carrier Service\n"
    "field tracking = Consignment No\nfield ship_time = Despatch Date\n";
static const char utf8_text[] =
    "name = u\nflow = dispatch\nfield order_id = amazon_order_id\n"
    "field order_item_id = order_item_id\nfield sku = sku\nfield quantity = quantity\n"
    "field carrier = carrier_service\nfield tracking = tracking_number\n"
    "field ship_time = ship_time\nfield ship_method = ship_method\n";
static const char tab_text[] = "name = t\nflow = other\ndelimiter = tab\nquote = '\n"
                               "max_field = 16\nfield a = a\nfield b = b\n";
static const char bom_text[] = "name = b\nflow = other\nbom = required\ndelimiter = |\n"
                               "field a = a\n";
static const char *const layout_texts[] = {legacy_text, utf8_text, tab_text, bom_text};

static struct layout *layouts[4];

/* mem_in - a read stream over the bytes (tmpfile when there are none) */
static FILE *mem_in(const uint8_t *d, size_t n)
{
    if (n == 0)
        return tmpfile();
    return fmemopen((void *)d, n, "r");
}

/* round_trip - write header + row with csvw, read it back, compare every cell */
static void round_trip(const struct layout *l, const char *const *hdr, size_t nh,
                       const struct csvr_row *row, int neut)
{
    char *out = NULL;
    size_t olen = 0;
    FILE *f = open_memstream(&out, &olen);
    if (!f)
        return;
    struct csvw *w;
    if (csvw_open(&w, l, f, neut) != WB_OK) {
        fclose(f);
        free(out);
        return;
    }
    csvw_row(w, hdr, nh);
    csvw_row(w, row->cells, row->ncells);
    if (csvw_close(w) != WB_OK)
        abort();
    fclose(f);
    FILE *in = mem_in((const uint8_t *)out, olen);
    struct buf err;
    buf_init(&err, 4096);
    struct csvr *r;
    if (csvr_open(&r, l, in, NULL, 0, &err) != WB_OK) {
        fprintf(stderr, "re-open failed: %s\n", buf_str(&err));
        abort();
    }
    const struct csvr_row *back;
    if (csvr_next(r, &back) != WB_OK || back->ncells != row->ncells) {
        fprintf(stderr, "row did not come back\n");
        abort();
    }
    for (size_t i = 0; i < row->ncells; i++)
        if (strcmp(back->cells[i], row->cells[i]) != 0) {
            fprintf(stderr, "cell %zu: '%s' came back as '%s'\n", i, row->cells[i], back->cells[i]);
            abort();
        }
    if (csvr_next(r, &back) != WB_NOTFOUND)
        abort();
    csvr_close(r);
    fclose(in);
    buf_free(&err);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* LLVMFuzzerTestOneInput - one input through csvr (and good rows through csvw and back) */
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n == 0)
        return 0;
    size_t which = d[0] % 4;
    int neut = (d[0] >> 2) & 1;
    if (!layouts[which]) {
        const char *t = layout_texts[which];
        if (layout_parse_text(t, strlen(t), "fuzz.layout", &layouts[which], NULL) != WB_OK)
            abort();
    }
    const struct layout *l = layouts[which];
    FILE *in = mem_in(d + 1, n - 1);
    if (!in)
        return 0;
    struct buf err;
    buf_init(&err, 4096);
    struct csvr *r;
    if (csvr_open(&r, l, in, NULL, 0, &err) == WB_OK) {
        size_t nh;
        const char *const *hdr = csvr_header(r, &nh);
        const struct csvr_row *row;
        int rc, checked = 0;
        while ((rc = csvr_next(r, &row)) == WB_OK || rc == WB_PERMFAIL) {
            if (rc == WB_PERMFAIL && (!row || !row->error_code || !*row->error_text))
                abort();
            for (size_t k = 0; k < layout_nfields(l); k++) {
                const char *v = csvr_field(row, (int)k);
                time_t t;
                if (strcmp(layout_field_name(l, k), "ship_time") == 0)
                    layout_parse_time(l, v, &t);
            }
            if (rc == WB_OK && checked++ < 8)
                round_trip(l, hdr, nh, row, neut);
        }
        if (rc != WB_NOTFOUND)
            abort();
        csvr_close(r);
    } else if (err.len == 0) {
        abort();
    }
    buf_free(&err);
    fclose(in);
    return 0;
}
