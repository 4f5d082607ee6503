/*
 * fuzz_rejects.c - libFuzzer target for the reject-file and requeue path.
 *
 * The input is taken as one ledger line of cells (cells_decode); the cells
 * must survive cells_encode/cells_decode unchanged. They are then written
 * as a rejected row with rejectw (formula neutralisation on) in the
 * dispatch-utf8 layout, and the reject file is read back with the layout
 * reader, as `wmsbridge requeue` does. Checks: no written cell starts with
 * = + - @ TAB or CR without its apostrophe, and every cell the reader
 * accepts reads back exactly as it was written (every value the reader can
 * produce, which excludes "'" followed by a formula character). Owns nothing
 * between runs; must never touch files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/cells.h"
#include "flows/rejects.h"
#include "layout/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char layout_text[] = "name = dispatch-utf8\n"
                                  "flow = dispatch\n"
                                  "delimiter = ,\n"
                                  "quote = \"\n"
                                  "encoding = UTF-8\n"
                                  "bom = optional\n"
                                  "header = yes\n"
                                  "datetime_format = iso8601\n"
                                  "time_zone = UTC\n"
                                  "line_end = lf\n"
                                  "field order_id = amazon_order_id\n"
                                  "field order_item_id = order_item_id\n"
                                  "field sku = sku\n"
                                  "field quantity = quantity\n"
                                  "field carrier = carrier_service\n"
                                  "field tracking = tracking_number\n"
                                  "field ship_time = ship_time\n"
                                  "field ship_method = ship_method\n";

static struct layout *lay;

/* formula - a cell a spreadsheet would evaluate */
static int formula(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
}

/* roundtrip - write the cells as a reject row and read them back */
static void roundtrip(struct cells *c)
{
    static const char *const hdr[] = {"amazon_order_id", "order_item_id",   "sku",
                                      "quantity",        "carrier_service", "tracking_number",
                                      "ship_time",       "ship_method"};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return;
    size_t n = c->n > 8 ? 8 : c->n;
    struct rejectw rw;
    int rc = rejectw_open(&rw, lay, out, hdr, 8);
    if (rc == WB_OK)
        rc = rejectw_row(&rw, (const char *const *)c->v, n, "E_TEST", "fuzz", NULL);
    if (rejectw_close(&rw) != WB_OK)
        rc = WB_IOERR;
    fclose(out);
    if (rc != WB_OK) {
        free(text);
        return;
    }
    FILE *in = fmemopen(text, len, "r");
    struct buf err;
    buf_init(&err, 1 << 16);
    struct csvr *r;
    if (in && csvr_open(&r, lay, in, NULL, 0, &err) == WB_OK) {
        const struct csvr_row *row;
        if (csvr_next(r, &row) == WB_OK && row->error == 0) {
            for (size_t i = 0; i < n && i < row->ncells; i++) {
                const char *want = c->v[i];
                if (formula(want) && !memmem(text, len, "'", 1))
                    abort();
                /* the reader never yields "'" + formula character (it strips that
                   apostrophe), so such a cell is not a value to round-trip */
                int reader_value = !(want[0] == '\'' && formula(want + 1));
                if (reader_value && str_utf8_valid(want, strlen(want)) &&
                    strcmp(row->cells[i], want) != 0) {
                    fprintf(stderr, "cell %zu: wrote [%s] read [%s]\n", i, want, row->cells[i]);
                    abort();
                }
            }
        }
        csvr_close(r);
    }
    if (in)
        fclose(in);
    buf_free(&err);
    free(text);
}

/* LLVMFuzzerTestOneInput - one input as a ledger line of cells */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!lay) {
        struct buf e;
        buf_init(&e, 4096);
        if (layout_parse_text(layout_text, sizeof layout_text - 1, "fuzz", &lay, &e) != WB_OK)
            abort();
        buf_free(&e);
    }
    char *line = strndup((const char *)data, size);
    if (!line)
        return 0;
    struct cells a = {0}, b = {0};
    struct buf enc;
    buf_init(&enc, 1 << 22);
    if (cells_decode(line, &a) == WB_OK &&
        cells_encode((const char *const *)a.v, a.n, &enc) == WB_OK &&
        cells_decode(buf_str(&enc), &b) == WB_OK) {
        if (a.n != b.n)
            abort();
        for (size_t i = 0; i < a.n; i++)
            if (strcmp(a.v[i], b.v[i]) != 0)
                abort();
        roundtrip(&a);
    }
    cells_free(&a);
    cells_free(&b);
    buf_free(&enc);
    free(line);
    return 0;
}
