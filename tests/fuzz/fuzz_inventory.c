/*
 * fuzz_inventory.c - libFuzzer target: any bytes through the inventory
 * snapshot path (`convert inventory`: layout reader, row rules, stock table,
 * JSON listings feed writer) and through the inventory flow's maps.
 *
 * The first input byte picks the case: bit 2 set, the rest is parsed as a
 * stock-states map, a buffers map and a SKU map (with bundle lines); else the
 * rest is a snapshot read through the UTF-8 (bit 0 clear) or the legacy
 * windows-1252 layout, with no SKU map or one with identity and bundles
 * (bit 1), and buffers. Invariants: every row is used or rejected; the output
 * is a sequence of JSON documents of 1..25,000 messages, messageId 1..n, each
 * quantity a whole number >= 0, no SKU twice. Owns nothing between runs
 * except the parsed layouts and maps; aborts only on a broken invariant.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "flows/flow.h"
#include "flows/inventory_flow.h"
#include "layout/layout.h"
#include "maps/buffers.h"
#include "maps/skus.h"
#include "maps/stockstates.h"

static const char utf8_text[] = "name = u\nflow = inventory\nfield sku = sku\n"
                                "field state = stock_state\nfield location = location\n"
                                "field quantity = quantity\nfield snapshot_time = snapshot_time\n";
static const char legacy_text[] =
    "name = l\nflow = inventory\ndelimiter = ;\nencoding = windows-1252\nline_end = crlf\n"
    "field sku = Item Code\nfield state = Loc Type\nfield location = Location\n"
    "field quantity = Qty On Hand\n";
static const char states_text[] = "AVAILABLE sellable\nPICK FACE sellable\nDAMAGED unsellable\n";
static const char skus_text[] = "A SA\n* = identity\nbundle KIT A:2 B:1\nbundle K2 C:3\n";
static const char buffers_text[] = "default 1\nprefix S 2\nsku SA 0\n";

static struct layout *layouts[2];
static struct stockstates *states;
static struct skus *skus;
static struct buffers *buffers;

/* init - the fixed layouts and maps, once */
static void init(void)
{
    if (states)
        return;
    struct buf err;
    buf_init(&err, 4096);
    if (layout_parse_text(utf8_text, strlen(utf8_text), "u", &layouts[0], &err) != WB_OK ||
        layout_parse_text(legacy_text, strlen(legacy_text), "l", &layouts[1], &err) != WB_OK ||
        stockstates_parse_text("s", states_text, strlen(states_text), &states, &err) != WB_OK ||
        skus_parse_text("k", skus_text, strlen(skus_text), &skus, &err) != WB_OK ||
        buffers_parse_text("b", buffers_text, strlen(buffers_text), &buffers, &err) != WB_OK) {
        fprintf(stderr, "%s", buf_str(&err));
        abort();
    }
    buf_free(&err);
}

/* maps - the bytes as each of the inventory flow's maps */
static void maps(const char *d, size_t n)
{
    struct stockstates *s = NULL;
    struct buffers *b = NULL;
    struct skus *k = NULL;
    if (stockstates_parse_text("f", d, n, &s, NULL) == WB_OK) {
        if (stockstates_count(s) == 0)
            abort();
        stockstates_nearest(s, "AVAILABLE");
        stockstates_free(s);
    }
    if (buffers_parse_text("f", d, n, &b, NULL) == WB_OK) {
        if (buffers_units(b, "SKU") < 0)
            abort();
        buffers_free(b);
    }
    if (skus_parse_text("f", d, n, &k, NULL) == WB_OK) {
        for (size_t i = 0; i < skus_nbundles(k); i++) {
            const struct skus_bundle *bd = skus_bundle_at(k, i);
            if (!bd || bd->n < 1 || bd->n > SKUS_BUNDLE_MAX || !skus_valid_seller(bd->seller) ||
                skus_lookup(k, bd->seller))
                abort();
        }
        skus_free(k);
    }
}

/* check_output - the documents' invariants */
static void check_output(const char *out, size_t n, long messages)
{
    size_t pos = 0;
    long total = 0;
    json_t *seen = json_object();
    while (pos < n) {
        json_error_t je;
        json_t *d = json_loadb(out + pos, n - pos, JSON_DISABLE_EOF_CHECK, &je);
        json_t *m = d ? json_object_get(d, "messages") : NULL;
        size_t nm = json_array_size(m);
        if (!d || nm < 1 || nm > 25000)
            abort();
        for (size_t i = 0; i < nm; i++) {
            json_t *msg = json_array_get(m, i);
            json_t *p = json_array_get(json_object_get(msg, "patches"), 0);
            json_t *v = json_array_get(json_object_get(p, "value"), 0);
            json_t *q = json_object_get(v, "quantity");
            const char *sku = json_string_value(json_object_get(msg, "sku"));
            if (json_integer_value(json_object_get(msg, "messageId")) != (json_int_t)i + 1 ||
                !json_is_integer(q) || json_integer_value(q) < 0 || !sku || !*sku ||
                json_object_get(seen, sku))
                abort();
            json_object_set_new(seen, sku, json_true());
        }
        total += (long)nm;
        json_decref(d);
        pos += je.position;
        while (pos < n && out[pos] == '\n')
            pos++;
    }
    json_decref(seen);
    if (total != messages)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one input */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    const char *d = (const char *)data + 1;
    size_t n = size - 1;
    if (mode & 4) {
        maps(d, n);
        return 0;
    }
    FILE *in = n ? fmemopen((void *)d, n, "r") : tmpfile();
    char *out = NULL, *rej = NULL;
    size_t on = 0, rn = 0;
    FILE *o = open_memstream(&out, &on);
    FILE *r = open_memstream(&rej, &rn);
    if (!in || !o || !r)
        abort();
    struct buf err;
    buf_init(&err, 1 << 20);
    struct flow_convert_args a = {.layout = layouts[mode & 1],
                                  .skus = (mode & 2) ? skus : NULL,
                                  .merchant = "SELLER",
                                  .states = states,
                                  .buffers = buffers};
    struct flow_convert_stats st;
    int rc = inventory_flow_convert(&a, in, o, r, &st, NULL, &err);
    fclose(in);
    fclose(o);
    fclose(r);
    if (rc != WB_OK && rc != WB_PERMFAIL && rc != WB_NOINPUT && rc != WB_IOERR)
        abort();
    if (st.rows != st.good + st.rejected || (rc == WB_OK && st.rejected))
        abort();
    check_output(out, on, st.messages);
    free(out);
    free(rej);
    buf_free(&err);
    return 0;
}
