/*
 * resultcodes.c - operator notes for Amazon processing-report result codes.
 *
 * Owns every hint string, an exact-code index and a list of numeric ranges.
 * Returns WB_CONFIG with "file:line: text" in errs for any bad line,
 * WB_NOMEM on allocation failure; a missing file is an empty map (WB_OK).
 * Must never invent a meaning for a code that is not in the file, never
 * touch the network, the ledger or the spool, and never exit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/strutil.h"
#include "core/wb.h"
#include "maps/mapfile.h"
#include "maps/resultcodes.h"
#include "maps/strmap.h"

#define MAX_RANGES 1024

struct hint {
    size_t line;
    char text[];
};

struct range {
    long lo, hi;
    struct hint *hint;
};

struct resultcodes {
    struct strmap *exact; /* code -> struct hint */
    struct range *ranges;
    size_t nranges, capranges;
    int missing; /* the file did not exist */
};

/* resultcodes_free - release the map (NULL is fine) */
void resultcodes_free(struct resultcodes *m)
{
    if (!m)
        return;
    size_t pos = 0;
    void *val;
    while (strmap_next(m->exact, &pos, NULL, &val))
        free(val);
    strmap_free(m->exact);
    for (size_t i = 0; i < m->nranges; i++)
        free(m->ranges[i].hint);
    free(m->ranges);
    free(m);
}

/* new_map - an empty map */
static struct resultcodes *new_map(void)
{
    struct resultcodes *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->exact = strmap_new(64);
    if (!m->exact) {
        free(m);
        return NULL;
    }
    return m;
}

/* code_ok - 1 if s is 1..RESULTCODES_CODE_MAX letters, digits, '_' or '.' */
static int code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > RESULTCODES_CODE_MAX)
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* new_hint - copy of text tagged with its line */
static struct hint *new_hint(const char *text, size_t line)
{
    size_t n = strlen(text) + 1;
    struct hint *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    memcpy(h->text, text, n);
    h->line = line;
    return h;
}

/* add_range - store "lo-hi | hint" */
static int add_range(struct resultcodes *m, struct mapfile *mf, char *key, const char *text)
{
    char *dash = strchr(key, '-');
    *dash = '\0';
    long lo, hi;
    if (str_to_long(str_trim(key), 0, 999999999, &lo) != WB_OK ||
        str_to_long(str_trim(dash + 1), 0, 999999999, &hi) != WB_OK || lo > hi) {
        mapfile_error(mf, "range must read 'low-high' with 0 <= low <= high <= 999999999");
        return WB_OK;
    }
    if (m->nranges >= MAX_RANGES) {
        mapfile_error(mf, "more than %d ranges", MAX_RANGES);
        return WB_OK;
    }
    if (m->nranges == m->capranges) {
        size_t ncap = m->capranges ? m->capranges * 2 : 8;
        struct range *r = realloc(m->ranges, ncap * sizeof *r);
        if (!r)
            return WB_NOMEM;
        m->ranges = r;
        m->capranges = ncap;
    }
    struct hint *h = new_hint(text, mf->lineno);
    if (!h)
        return WB_NOMEM;
    m->ranges[m->nranges].lo = lo;
    m->ranges[m->nranges].hi = hi;
    m->ranges[m->nranges].hint = h;
    m->nranges++;
    return WB_OK;
}

/* parse_line - one "code | hint" or "low-high | hint" line */
static int parse_line(void *ctx, struct mapfile *mf, char *line)
{
    struct resultcodes *m = ctx;
    char *bar = strchr(line, '|');
    if (!bar) {
        mapfile_error(mf, "expected 'code | hint' or 'low-high | hint'");
        return WB_OK;
    }
    *bar = '\0';
    char *key = str_trim(line);
    const char *text = str_trim(bar + 1);
    if (!*text) {
        mapfile_error(mf, "hint for '%s' is empty", key);
        return WB_OK;
    }
    if (mapfile_chars(text) > RESULTCODES_HINT_MAX) {
        mapfile_error(mf, "hint longer than %d characters", RESULTCODES_HINT_MAX);
        return WB_OK;
    }
    if (strchr(key, '-'))
        return add_range(m, mf, key, text);
    if (!code_ok(key)) {
        mapfile_error(mf, "result code '%s' must be 1..%d letters, digits, '_' or '.'", key,
                      RESULTCODES_CODE_MAX);
        return WB_OK;
    }
    const struct hint *prev = strmap_get(m->exact, key);
    if (prev) {
        mapfile_error(mf, "result code '%s' already has a hint at line %zu", key, prev->line);
        return WB_OK;
    }
    struct hint *h = new_hint(text, mf->lineno);
    if (!h)
        return WB_NOMEM;
    int rc = strmap_put(m->exact, key, h, NULL);
    if (rc != WB_OK)
        free(h);
    return rc;
}

/* resultcodes_parse_text - same as resultcodes_load for len bytes of text named name */
enum wb_status resultcodes_parse_text(const char *name, const char *text, size_t len,
                                      struct resultcodes **out, struct buf *errs)
{
    *out = NULL;
    struct resultcodes *m = new_map();
    if (!m)
        return WB_NOMEM;
    struct mapfile mf;
    mapfile_init(&mf, name, text, len, errs);
    int rc = mapfile_each(&mf, parse_line, m, "too many result codes");
    if (rc != WB_OK) {
        resultcodes_free(m);
        return rc;
    }
    *out = m;
    return WB_OK;
}

/* parse_text - resultcodes_parse_text with an untyped result pointer, for mapfile_load */
static int parse_text(const char *name, const char *text, size_t len, void *out, struct buf *errs)
{
    return resultcodes_parse_text(name, text, len, out, errs);
}

/* resultcodes_load - read hints at path; a missing file gives WB_OK and an empty map */
enum wb_status resultcodes_load(const char *path, struct resultcodes **out, struct buf *errs)
{
    struct stat st;
    *out = NULL;
    if (lstat(path, &st) != 0 && errno == ENOENT) {
        *out = new_map();
        if (!*out)
            return WB_NOMEM;
        (*out)->missing = 1;
        return WB_OK;
    }
    return mapfile_load(path, parse_text, out, errs);
}

/* resultcodes_hint - operator hint for a result code (blanks trimmed), NULL if none */
const char *resultcodes_hint(const struct resultcodes *m, const char *code)
{
    if (!m || !code)
        return NULL;
    while (*code == ' ' || *code == '\t')
        code++;
    size_t n = strlen(code);
    while (n && (code[n - 1] == ' ' || code[n - 1] == '\t' || code[n - 1] == '\r' ||
                 code[n - 1] == '\n'))
        n--;
    if (n == 0 || n > RESULTCODES_CODE_MAX)
        return NULL;
    const struct hint *h = strmap_getn(m->exact, code, n);
    if (h)
        return h->text;
    char tmp[RESULTCODES_CODE_MAX + 1];
    memcpy(tmp, code, n);
    tmp[n] = '\0';
    long v;
    if (str_to_long(tmp, 0, 999999999, &v) != WB_OK)
        return NULL;
    for (size_t i = 0; i < m->nranges; i++)
        if (v >= m->ranges[i].lo && v <= m->ranges[i].hi)
            return m->ranges[i].hint->text;
    return NULL;
}

/* resultcodes_found - 0 if the map is empty because its file did not exist, else 1 */
int resultcodes_found(const struct resultcodes *m)
{
    return m && !m->missing;
}

/* resultcodes_count - number of exact codes plus ranges */
size_t resultcodes_count(const struct resultcodes *m)
{
    return m ? strmap_count(m->exact) + m->nranges : 0;
}
