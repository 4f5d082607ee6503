/*
 * fuzz_settlement.c - libFuzzer target: any bytes as a V2 settlement file
 * through the settlement reader, a small gl.map and the journal writer, and
 * the first bytes as one amount through the amount parser.
 *
 * Invariants checked: a file read whole has rows that add up to its total; a
 * journal that is written sums (re-read) to that total; an amount that
 * parses formats back to text that parses to the same value. Owns nothing
 * between runs except the parsed map and layout; aborts only on a broken
 * invariant.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "flows/settlement.h"
#include "layout/layout.h"
#include "maps/glmap.h"

static const char gl_text[] = "Order | ItemPrice | * = 4000\n* | ItemFees | FBA* = 6120\n"
                              "* | ItemFees | * = 6100\nRefund | * | * = 4100\n"
                              "other-transaction | * | *Reserve* = 1310\n";
static const char lay_text[] = "name = j\nflow = settlements\nfield settlement_id = id\n"
                               "field account = account\nfield amount = amount\n";
static struct glmap *gl;
static struct layout *lay;

/* journal_sum - the amounts of a written journal (one "id,account,amount" line each) */
static int64_t journal_sum(const struct settlement *s, char *text)
{
    int64_t sum = 0;
    char *line = strchr(text, '\n'); /* past the header */
    while (line && line[1]) {
        char *next = strchr(line + 1, '\n');
        if (next)
            *next = '\0';
        char *amt = strrchr(line + 1, ',');
        char mark = '.';
        int64_t v;
        if (!amt || settlement_amount(amt + 1, strlen(amt + 1), s->exp, &mark, &v) != WB_OK)
            abort();
        if (__builtin_add_overflow(sum, v, &sum))
            return s->total; /* partial sums past int64_t: nothing to compare */
        line = next;
    }
    return sum;
}

/* amount_round_trip - a parsed amount formats to text that parses to the same value */
static void amount_round_trip(const uint8_t *d, size_t n)
{
    char t[32];
    if (n > sizeof t - 1)
        n = sizeof t - 1;
    memcpy(t, d, n);
    t[n] = '\0';
    for (int exp = 0; exp <= 2; exp += 2) {
        char mark = 0, back = 0, f[40];
        int64_t v, w;
        if (settlement_amount(t, strlen(t), exp, &mark, &v) != WB_OK)
            continue;
        settlement_amount_format(v, exp, f, sizeof f);
        if (settlement_amount(f, strlen(f), exp, &back, &w) != WB_OK || v != w)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (!gl) {
        struct buf e;
        buf_init(&e, 4096);
        if (glmap_parse_text("gl", gl_text, strlen(gl_text), &gl, &e) != WB_OK ||
            layout_parse_text(lay_text, strlen(lay_text), "j", &lay, &e) != WB_OK)
            abort();
        buf_free(&e);
    }
    amount_round_trip(d, n);
    FILE *in = n ? fmemopen((void *)d, n, "r") : tmpfile();
    if (!in)
        return 0;
    struct buf err;
    buf_init(&err, 1 << 16);
    struct settlement s;
    int rc = settlement_read(&s, in, NULL, NULL, NULL, &err);
    fclose(in);
    if (rc == WB_OK && s.sum != s.total)
        abort();
    size_t nun;
    if (rc == WB_OK && settlement_map(&s, gl, &err, &nun) == WB_OK) {
        char *out = NULL;
        size_t olen = 0;
        FILE *f = open_memstream(&out, &olen);
        if (f) {
            int jrc = settlement_journal(&s, lay, f);
            fclose(f);
            if (jrc == WB_INTERNAL || (jrc == WB_OK && journal_sum(&s, out) != s.total))
                abort();
        }
        free(out);
    }
    settlement_free(&s);
    buf_free(&err);
    return 0;
}
