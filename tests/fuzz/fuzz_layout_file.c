/*
 * fuzz_layout_file.c - libFuzzer target: any bytes as a layout file.
 *
 * Parses the input with layout_parse_text; a layout that loads is used for
 * a few date-time parses and to read and write a small fixed CSV file. A
 * refused layout must say why. Owns nothing between runs; aborts only on a
 * broken invariant.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "layout/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* exercise - use a layout that loaded: times, a small read and a write */
static void exercise(const struct layout *l)
{
    static const char *const times[] = {"2026-11-20T14:03:00Z", "2026-11-20T14:03:00",
                                        "25/10/2026 01:30", "29/03/2026 01:30", "x"};
    time_t t;
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
        layout_parse_time(l, times[i], &t);
    if (layout_field_index(l, layout_field_name(l, 0)) != 0)
        abort();
    static char csv[] = "a,b;c\td|e\n1,2;3\t4|5\n";
    FILE *in = fmemopen(csv, sizeof csv - 1, "r");
    if (!in)
        return;
    struct buf err;
    buf_init(&err, 4096);
    struct csvr *r;
    if (csvr_open(&r, l, in, NULL, 0, &err) == WB_OK) {
        const struct csvr_row *row;
        while (csvr_next(r, &row) != WB_NOTFOUND)
            ;
        csvr_close(r);
    }
    buf_free(&err);
    fclose(in);
    FILE *out = fopen("/dev/null", "w");
    struct csvw *w;
    if (out && csvw_open(&w, l, out, 1) == WB_OK) {
        const char *cells[] = {"=1", "caf\xC3\xA9", "\xE6\xBC\xA2", "a\"b"};
        csvw_header(w);
        csvw_row(w, cells, 4);
        csvw_close(w);
    }
    if (out)
        fclose(out);
}

/* LLVMFuzzerTestOneInput - one input as a layout file */
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    struct layout *l = NULL;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    int rc = layout_parse_text((const char *)d, n, "fuzz.layout", &l, &errs);
    if (rc == WB_OK) {
        exercise(l);
        layout_free(l);
    } else if (rc != WB_CONFIG || errs.len == 0 || l != NULL) {
        abort();
    }
    buf_free(&errs);
    return 0;
}
