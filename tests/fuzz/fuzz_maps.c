/*
 * fuzz_maps.c - libFuzzer target for the maps/ file parsers.
 *
 * Feeds the input bytes, unchanged, to the carrier map, SKU map, carrier code
 * list and result-code parsers (through their *_parse_text entry points),
 * then looks up every line's first field and checks the maps' promises: a
 * carrier entry carries a listed code with no name, or Other with a name; a
 * seller SKU is a valid one. Owns only its copies; aborts on a broken promise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "maps/carriercodes.h"
#include "maps/carriers.h"
#include "maps/resultcodes.h"
#include "maps/skus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char codes_text[] = "Royal Mail\nDPD\nDPD Local\nPUROLATOR\nHermes UK\nOther\nUPS\n";

/* check_carrier - abort unless e keeps the carriers.h promises */
static void check_carrier(const struct carriercodes *codes, const struct carrier_entry *e)
{
    if (!e->wms_code || !e->carrier_code || !e->carrier_name || !e->shipping_method)
        abort();
    if (strcmp(e->carrier_code, CARRIERS_OTHER) == 0) {
        if (!*e->carrier_name)
            abort();
    } else if (!carriercodes_has(codes, e->carrier_code) || *e->carrier_name) {
        abort();
    }
}

/* probe - look up the first field of every line in each map */
static void probe(const char *text, size_t size, const struct carriercodes *codes,
                  const struct carriers *cm, const struct skus *sm, const struct resultcodes *rm)
{
    char key[512], hint[128];
    const char *p = text, *end = text + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        size_t n = 0;
        while (p + n < e && p[n] != '|' && p[n] != '\t' && n < sizeof key - 1)
            n++;
        memcpy(key, p, n);
        key[n] = '\0';
        if (cm) {
            const struct carrier_entry *ce = carriers_lookup(cm, key);
            if (ce)
                check_carrier(codes, ce);
            else
                carriers_suggest(cm, key, hint, sizeof hint);
            carriers_ship_service(cm, key);
        }
        if (sm) {
            const char *s = skus_lookup(sm, key);
            if (s && !skus_valid_seller(s))
                abort();
            skus_reverse(sm, key);
        }
        if (rm)
            resultcodes_hint(rm, key);
        p = nl ? nl + 1 : end;
    }
}

/* LLVMFuzzerTestOneInput - parse one input with every maps/ parser */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct carriercodes *codes;
    if (!codes &&
        carriercodes_parse_text("codes", codes_text, sizeof codes_text - 1, &codes, NULL) != WB_OK)
        abort();
    const char *text = (const char *)data;
    struct buf errs;
    buf_init(&errs, 1 << 16);

    struct carriers *cm = NULL;
    int rc = carriers_parse_text("carriers.map", text, size, codes, &cm, &errs);
    if ((rc == WB_OK) != (cm != NULL))
        abort();
    struct skus *sm = NULL;
    rc = skus_parse_text("skus.map", text, size, &sm, &errs);
    if ((rc == WB_OK) != (sm != NULL))
        abort();
    struct resultcodes *rm = NULL;
    rc = resultcodes_parse_text("result-codes.map", text, size, &rm, &errs);
    if ((rc == WB_OK) != (rm != NULL))
        abort();
    struct carriercodes *cc = NULL;
    rc = carriercodes_parse_text("codes.txt", text, size, &cc, &errs);
    if ((rc == WB_OK) != (cc != NULL))
        abort();

    probe(text, size, codes, cm, sm, rm);
    if (cc && carriercodes_count(cc) > size)
        abort();

    carriercodes_free(cc);
    resultcodes_free(rm);
    skus_free(sm);
    carriers_free(cm);
    buf_free(&errs);
    return 0;
}
