/*
 * fuzz_orders_json.c - libFuzzer target for the orders flow's JSON path.
 *
 * Feeds the bytes as searchOrders answers to orders_convert with small maps
 * (pairs, a bundle, a renamed SKU, ship-service levels) and the shipped
 * orders layout's fields, into memory streams. Checks the invariants callers
 * rely on: the status is one of the documented ones, every reject is one
 * JSON line whose code is a row of the reject-code table, and the order file
 * is never longer than its rows allow. Seeds: corpus/orders_json/.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "flows/flow.h"
#include "flows/orders.h"
#include "flows/orders_flow.h"
#include "flows/rejectcodes.h"
#include "layout/layout.h"
#include "maps/carriercodes.h"
#include "maps/carriers.h"
#include "maps/skus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct orders_rules rules;
static struct carriercodes *codes; /* kept for the process, like the maps */

/* setup - the maps and the layout, once */
static void setup(void)
{
    static const char sk[] = "WH-1 MUG-BLUE\nWH-2 MUG-RED\nbundle SET WH-1:2 WH-2:1\n"
                             "bundle BAD WH-1:1 WH-9:1\nrenamed OLD MUG-BLUE\n";
    static const char cc[] = "Royal Mail\nDPD Local\n";
    static const char cm[] = "[dispatch]\nRM24 | Royal Mail | | Tracked 24\n"
                             "DPDL | DPD Local | | Next Day\n[ship-service]\nSTANDARD | RM24\n"
                             "NEXT_DAY | DPDL\n";
    static const char lt[] = "name = f\nflow = orders\nfield record = r\nfield order_id = o\n"
                             "field order_item_id = i\nfield sku = s\nfield quantity = q\n"
                             "field service = v\nfield ship_by = b\nfield deliver_by = d\n"
                             "field priority = p\nfield name = n\nfield address1 = a\n"
                             "field city = c\nfield postal_code = z\nfield country = k\n"
                             "field phone = t\n";
    struct skus *s = NULL;
    struct carriers *c = NULL;
    struct layout *l = NULL;
    if (skus_parse_text("s", sk, strlen(sk), &s, NULL) != WB_OK ||
        carriercodes_parse_text("cc", cc, strlen(cc), &codes, NULL) != WB_OK ||
        carriers_parse_text("c", cm, strlen(cm), codes, &c, NULL) != WB_OK ||
        layout_parse_text(lt, strlen(lt), "f", &l, NULL) != WB_OK)
        abort();
    rules = (struct orders_rules){s, c, l};
}

/* check_rejects - every line one JSON object with a known code */
static void check_rejects(char *text, size_t len)
{
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            abort(); /* every reject ends its line */
        json_error_t je;
        json_t *j = json_loadb(p, (size_t)(nl - p), 0, &je);
        const char *code = j ? json_string_value(json_object_get(j, "code")) : NULL;
        if (!code || !rejectcodes_find(code))
            abort();
        json_decref(j);
        p = nl + 1;
    }
}

/* LLVMFuzzerTestOneInput - one input through `convert orders` */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rules.skus)
        setup();
    FILE *in = fmemopen((void *)data, size ? size : 1, "r");
    char *ob = NULL, *rb = NULL;
    size_t ol = 0, rl = 0;
    FILE *out = open_memstream(&ob, &ol), *rej = open_memstream(&rb, &rl);
    if (!in || !out || !rej)
        abort();
    if (!size)
        fgetc(in); /* an empty input: fmemopen needs one byte, read it away */
    struct flow_convert_stats st;
    struct buf err;
    buf_init(&err, 1 << 16);
    int rc = orders_convert(&rules, in, out, rej, &st, &err);
    if (rc != WB_OK && rc != WB_PERMFAIL && rc != WB_NOINPUT)
        abort();
    fclose(in);
    fclose(out);
    fclose(rej);
    if (st.good > st.rows || (st.messages && !st.good))
        abort();
    check_rejects(rb, rl);
    free(ob);
    free(rb);
    buf_free(&err);
    return 0;
}
