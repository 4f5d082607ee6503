/*
 * carriercodes.c - Amazon's accepted CarrierCode values, read from an operator file.
 *
 * Owns two tables: the exact codes (value: line number of first sight) and a
 * folded index (lower case, no blanks -> first exact code) used only to
 * suggest a correction. Returns WB_CONFIG with "file:line: text" in errs on
 * any bad line, WB_NOMEM on allocation failure. Must never guess a code,
 * touch the network, the ledger or the spool, or exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/wb.h"
#include "maps/carriercodes.h"
#include "maps/mapfile.h"
#include "maps/strmap.h"

struct carriercodes {
    struct strmap *codes;  /* code -> (uintptr_t)line */
    struct strmap *folded; /* folded code -> const char * exact code (owned by codes) */
};

/* carriercodes_free - release the list (NULL is fine) */
void carriercodes_free(struct carriercodes *c)
{
    if (!c)
        return;
    strmap_free(c->codes);
    strmap_free(c->folded);
    free(c);
}

/* add_code - put one value into both tables; warns about duplicates */
static int add_code(void *ctx, struct mapfile *mf, char *code)
{
    struct carriercodes *c = ctx;
    void *prev = strmap_get(c->codes, code);
    if (prev) {
        mapfile_warn(mf, "carrier code '%s' already listed at line %zu", code,
                     (size_t)(uintptr_t)prev);
        return WB_OK;
    }
    const char *owned;
    int rc = strmap_put(c->codes, code, (void *)(uintptr_t)mf->lineno, &owned);
    if (rc != WB_OK)
        return rc;
    char fold[MAPFILE_LINE_MAX + 1];
    if (mapfile_fold(code, fold, sizeof fold) != WB_OK)
        return WB_OK;
    rc = strmap_put(c->folded, fold, (void *)owned, NULL);
    return rc == WB_EXISTS ? WB_OK : rc;
}

/* carriercodes_parse_text - same as carriercodes_load for len bytes of text named name */
enum wb_status carriercodes_parse_text(const char *name, const char *text, size_t len,
                                       struct carriercodes **out, struct buf *errs)
{
    *out = NULL;
    struct carriercodes *c = calloc(1, sizeof *c);
    if (!c)
        return WB_NOMEM;
    c->codes = strmap_new(512);
    c->folded = strmap_new(512);
    if (!c->codes || !c->folded) {
        carriercodes_free(c);
        return WB_NOMEM;
    }
    struct mapfile mf;
    mapfile_init(&mf, name, text, len, errs);
    int rc = mapfile_each(&mf, add_code, c, "too many carrier codes");
    if (rc != WB_OK) {
        carriercodes_free(c);
        return rc;
    }
    *out = c;
    return WB_OK;
}

/* parse_text - carriercodes_parse_text with an untyped result pointer, for mapfile_load */
static int parse_text(const char *name, const char *text, size_t len, void *out, struct buf *errs)
{
    return carriercodes_parse_text(name, text, len, out, errs);
}

/* carriercodes_load - read the code list at path into *out */
enum wb_status carriercodes_load(const char *path, struct carriercodes **out, struct buf *errs)
{
    *out = NULL;
    return mapfile_load(path, parse_text, out, errs);
}

/* carriercodes_has - 1 if code is on the list exactly (case-sensitive), else 0 */
int carriercodes_has(const struct carriercodes *c, const char *code)
{
    return c && code && strmap_get(c->codes, code) != NULL;
}

/* carriercodes_suggest - "did you mean 'X'?" for a near miss in case, blanks or punctuation */
enum wb_status carriercodes_suggest(const struct carriercodes *c, const char *code, char *out,
                                    size_t n)
{
    char fold[MAPFILE_LINE_MAX + 1];
    if (n)
        out[0] = '\0';
    if (!c || !code || carriercodes_has(c, code))
        return WB_NOTFOUND;
    if (mapfile_fold(code, fold, sizeof fold) != WB_OK || !fold[0])
        return WB_NOTFOUND;
    const char *hit = strmap_get(c->folded, fold);
    if (!hit)
        return WB_NOTFOUND;
    int k = snprintf(out, n, "did you mean '%s'?", hit);
    return k < 0 || (size_t)k >= n ? WB_TOOBIG : WB_OK;
}

/* carriercodes_count - number of distinct codes */
size_t carriercodes_count(const struct carriercodes *c)
{
    return c ? strmap_count(c->codes) : 0;
}
