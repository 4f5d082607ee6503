/*
 * carriers.c - WMS carrier/service code -> Amazon carrier fields, and the reverse
 * ship-service section for the orders flow.
 *
 * Owns every entry and string of the map, an exact index, a folded index (for
 * hints only) and the ship-service index. Returns WB_CONFIG with
 * "file:line: text" in errs for any bad line, WB_NOMEM on allocation
 * failure. Must never map a code it was not given exactly, never touch the
 * network, the ledger or the spool, and never exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strutil.h"
#include "core/wb.h"
#include "maps/carriers.h"
#include "maps/mapfile.h"
#include "maps/strmap.h"

#define SHIP_LEVEL_MAX 100 /* characters */

struct centry {
    struct carrier_entry pub;
    size_t line;
    char data[]; /* the four strings, NUL separated */
};

struct sslevel {
    size_t line;
    const char *wms_code; /* into data */
    char data[];
};

struct carriers {
    struct strmap *byname;  /* wms_code -> struct centry */
    struct strmap *folded;  /* folded wms_code -> struct centry (hints only) */
    struct strmap *service; /* ship-service level -> struct sslevel */
};

enum section { SEC_DISPATCH, SEC_SHIP_SERVICE };

/* carriers_free - release the map (NULL is fine) */
void carriers_free(struct carriers *m)
{
    if (!m)
        return;
    size_t pos = 0;
    void *val;
    while (strmap_next(m->byname, &pos, NULL, &val))
        free(val);
    pos = 0;
    while (strmap_next(m->service, &pos, NULL, &val))
        free(val);
    strmap_free(m->byname);
    strmap_free(m->folded);
    strmap_free(m->service);
    free(m);
}

/* field_ok - the value is text a feed can carry (str_text_check, the rule the feed writer
 * applies) of at most max characters; reports errors */
static int field_ok(struct mapfile *mf, const char *what, const char *v, size_t max)
{
    char why[128];
    if (!str_text_check(v, strlen(v), max, why, sizeof why)) {
        mapfile_error(mf, "%s '%s' %s", what, v, why);
        return 0;
    }
    return 1;
}

/* new_entry - one allocation holding the entry and its four strings */
static struct centry *new_entry(char **f, size_t line)
{
    size_t l0 = strlen(f[0]) + 1, l1 = strlen(f[1]) + 1, l2 = strlen(f[2]) + 1;
    size_t l3 = strlen(f[3]) + 1;
    struct centry *e = malloc(sizeof *e + l0 + l1 + l2 + l3);
    if (!e)
        return NULL;
    char *p = e->data;
    memcpy(p, f[0], l0);
    e->pub.wms_code = p;
    p += l0;
    memcpy(p, f[1], l1);
    e->pub.carrier_code = p;
    p += l1;
    memcpy(p, f[2], l2);
    e->pub.carrier_name = p;
    p += l2;
    memcpy(p, f[3], l3);
    e->pub.shipping_method = p;
    e->line = line;
    return e;
}

/* check_carrier - carrier_code / carrier_name rules for one dispatch line */
static int check_carrier(struct mapfile *mf, const struct carriercodes *codes, char **f)
{
    const char *code = f[1], *name = f[2];
    if (!*code) {
        mapfile_error(mf, "WMS code '%s': carrier_code is empty (use an Amazon code or Other)",
                      f[0]);
        return 0;
    }
    if (!field_ok(mf, "carrier_code", code, CARRIERS_AMAZON_STRING_MAX))
        return 0;
    if (strcmp(code, CARRIERS_OTHER) == 0) {
        if (!*name) {
            mapfile_error(mf, "WMS code '%s': carrier_name is required with carrier_code Other",
                          f[0]);
            return 0;
        }
        if (!field_ok(mf, "carrier_name", name, CARRIERS_AMAZON_STRING_MAX))
            return 0;
        if (carriercodes_has(codes, name))
            mapfile_warn(mf, "carrier_name '%s' is an Amazon carrier code; use it as carrier_code",
                         name);
        return 1;
    }
    if (!carriercodes_has(codes, code)) {
        char hint[MAPFILE_LINE_MAX + 32];
        if (carriercodes_suggest(codes, code, hint, sizeof hint) == WB_OK)
            mapfile_error(mf, "carrier_code '%s' is not on the Amazon carrier code list (%s)", code,
                          hint);
        else
            mapfile_error(mf,
                          "carrier_code '%s' is not on the Amazon carrier code list "
                          "(codes are case-sensitive; use Other with a carrier_name)",
                          code);
        return 0;
    }
    if (*name) {
        mapfile_error(mf, "carrier_name must be empty unless carrier_code is Other");
        return 0;
    }
    return 1;
}

/* add_dispatch - parse and store one "wms | code | name | method" line */
static int add_dispatch(struct carriers *m, struct mapfile *mf, const struct carriercodes *codes,
                        char *line)
{
    char *f[4];
    size_t n = mapfile_split(line, '|', f, 4);
    if (n != 4) {
        mapfile_error(mf,
                      "expected 4 fields 'wms_code | carrier_code | carrier_name | "
                      "shipping_method', found %zu",
                      n);
        return WB_OK;
    }
    if (!*f[0]) {
        mapfile_error(mf, "wms_code is empty");
        return WB_OK;
    }
    if (!field_ok(mf, "wms_code", f[0], CARRIERS_WMS_CODE_MAX) || !check_carrier(mf, codes, f) ||
        !field_ok(mf, "shipping_method", f[3], CARRIERS_AMAZON_STRING_MAX))
        return WB_OK;
    struct centry *prev = strmap_get(m->byname, f[0]);
    if (prev) {
        mapfile_error(mf, "WMS code '%s' already mapped at line %zu", f[0], prev->line);
        return WB_OK;
    }
    struct centry *e = new_entry(f, mf->lineno);
    if (!e)
        return WB_NOMEM;
    int rc = strmap_put(m->byname, e->pub.wms_code, e, NULL);
    if (rc != WB_OK) {
        free(e);
        return rc;
    }
    char fold[MAPFILE_LINE_MAX + 1];
    if (mapfile_fold(e->pub.wms_code, fold, sizeof fold) == WB_OK) {
        rc = strmap_put(m->folded, fold, e, NULL);
        if (rc != WB_OK && rc != WB_EXISTS)
            return rc;
    }
    return WB_OK;
}

/* add_ship_service - parse and store one "level | wms_code" line */
static int add_ship_service(struct carriers *m, struct mapfile *mf, char *line)
{
    char *f[2];
    size_t n = mapfile_split(line, '|', f, 2);
    if (n != 2) {
        mapfile_error(mf, "expected 2 fields 'ship_service_level | wms_code', found %zu", n);
        return WB_OK;
    }
    if (!*f[0] || !*f[1]) {
        mapfile_error(mf, "ship_service_level and wms_code are both required");
        return WB_OK;
    }
    if (!field_ok(mf, "ship_service_level", f[0], SHIP_LEVEL_MAX) ||
        !field_ok(mf, "wms_code", f[1], CARRIERS_WMS_CODE_MAX))
        return WB_OK;
    struct sslevel *prev = strmap_get(m->service, f[0]);
    if (prev) {
        mapfile_error(mf, "ship-service level '%s' already mapped at line %zu", f[0], prev->line);
        return WB_OK;
    }
    size_t l1 = strlen(f[1]) + 1;
    struct sslevel *s = malloc(sizeof *s + l1);
    if (!s)
        return WB_NOMEM;
    memcpy(s->data, f[1], l1);
    s->wms_code = s->data;
    s->line = mf->lineno;
    int rc = strmap_put(m->service, f[0], s, NULL);
    if (rc != WB_OK)
        free(s);
    return rc;
}

/* section_of - switch section for a "[name]" line; reports unknown names */
static void section_of(struct mapfile *mf, const char *line, enum section *sec)
{
    if (strcmp(line, "[dispatch]") == 0)
        *sec = SEC_DISPATCH;
    else if (strcmp(line, "[ship-service]") == 0)
        *sec = SEC_SHIP_SERVICE;
    else
        mapfile_error(mf, "unknown section %s (expected [dispatch] or [ship-service])", line);
}

/* check_services - every ship-service target must be a mapped WMS code */
static void check_services(struct carriers *m, struct mapfile *mf)
{
    size_t pos = 0;
    const char *level;
    void *val;
    while (strmap_next(m->service, &pos, &level, &val)) {
        const struct sslevel *s = val;
        if (!strmap_get(m->byname, s->wms_code))
            mapfile_error_at(mf, s->line,
                             "ship-service level '%s' maps to WMS code '%s', which has no "
                             "[dispatch] line",
                             level, s->wms_code);
    }
}

/* reading - what parse_line needs while a carrier map is read */
struct reading {
    struct carriers *m;
    const struct carriercodes *codes;
    enum section sec;
};

/* parse_line - one line of a carrier map: a section header or an entry of the current section */
static int parse_line(void *ctx, struct mapfile *mf, char *line)
{
    struct reading *rd = ctx;
    if (line[0] == '[') {
        section_of(mf, line, &rd->sec);
        return WB_OK;
    }
    if (rd->sec == SEC_DISPATCH)
        return add_dispatch(rd->m, mf, rd->codes, line);
    return add_ship_service(rd->m, mf, line);
}

/* carriers_parse_text - same as carriers_load for len bytes of text named name */
enum wb_status carriers_parse_text(const char *name, const char *text, size_t len,
                                   const struct carriercodes *codes, struct carriers **out,
                                   struct buf *errs)
{
    *out = NULL;
    if (!codes)
        return WB_BADARG;
    struct carriers *m = calloc(1, sizeof *m);
    if (!m)
        return WB_NOMEM;
    m->byname = strmap_new(64);
    m->folded = strmap_new(64);
    m->service = strmap_new(16);
    if (!m->byname || !m->folded || !m->service) {
        carriers_free(m);
        return WB_NOMEM;
    }
    struct mapfile mf;
    mapfile_init(&mf, name, text, len, errs);
    struct reading rd = {m, codes, SEC_DISPATCH};
    int rc = mapfile_each(&mf, parse_line, &rd, "too many entries");
    if (rc == WB_OK || rc == WB_CONFIG) {
        check_services(m, &mf);
        rc = mapfile_errors(&mf) ? WB_CONFIG : WB_OK;
    }
    if (rc != WB_OK) {
        carriers_free(m);
        return rc;
    }
    *out = m;
    return WB_OK;
}

/* carriers_load - read the carrier map at path, checking codes against the Amazon list */
enum wb_status carriers_load(const char *path, const struct carriercodes *codes,
                             struct carriers **out, struct buf *errs)
{
    struct buf b;
    *out = NULL;
    if (!codes)
        return WB_BADARG;
    int rc = mapfile_read(path, &b, errs);
    if (rc != WB_OK)
        return rc;
    rc = carriers_parse_text(path, b.data, b.len, codes, out, errs);
    buf_free(&b);
    return rc;
}

/* is_blank - blank characters trimmed around looked-up keys */
static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* trimmed - start and length of s without surrounding blanks */
static const char *trimmed(const char *s, size_t *len)
{
    while (is_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n && is_blank(s[n - 1]))
        n--;
    *len = n;
    return s;
}

/* carriers_lookup - the entry for a WMS code (exact after trimming blanks), NULL if unmapped */
const struct carrier_entry *carriers_lookup(const struct carriers *m, const char *wms_code)
{
    if (!m || !wms_code)
        return NULL;
    size_t n;
    const char *k = trimmed(wms_code, &n);
    const struct centry *e = strmap_getn(m->byname, k, n);
    return e ? &e->pub : NULL;
}

/* carriers_suggest - "did you mean 'X'?" for a near miss in case, blanks or punctuation;
 * WB_NOTFOUND otherwise */
enum wb_status carriers_suggest(const struct carriers *m, const char *wms_code, char *out, size_t n)
{
    char fold[MAPFILE_LINE_MAX + 1];
    if (n)
        out[0] = '\0';
    if (!m || !wms_code || carriers_lookup(m, wms_code))
        return WB_NOTFOUND;
    if (mapfile_fold(wms_code, fold, sizeof fold) != WB_OK || !fold[0])
        return WB_NOTFOUND;
    const struct centry *e = strmap_get(m->folded, fold);
    if (!e)
        return WB_NOTFOUND;
    int k = snprintf(out, n, "did you mean '%s'?", e->pub.wms_code);
    return k < 0 || (size_t)k >= n ? WB_TOOBIG : WB_OK;
}

/* carriers_count - number of mapped WMS codes */
size_t carriers_count(const struct carriers *m)
{
    return m ? strmap_count(m->byname) : 0;
}

/* carriers_ship_service - WMS service code for an Amazon ship-service level, NULL if unmapped */
const char *carriers_ship_service(const struct carriers *m, const char *level)
{
    if (!m || !level)
        return NULL;
    size_t n;
    const char *k = trimmed(level, &n);
    const struct sslevel *s = strmap_getn(m->service, k, n);
    return s ? s->wms_code : NULL;
}

/* by_name - qsort order of level names */
static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* carriers_ship_service_suggest - a hint naming the mapped levels nearest to level: one that
 * differs only in case, else those that differ only in case, blanks or punctuation (sorted),
 * else the one nearest by spelling */
enum wb_status carriers_ship_service_suggest(const struct carriers *m, const char *level, char *out,
                                             size_t n)
{
    char fold[MAPFILE_LINE_MAX + 1], other[MAPFILE_LINE_MAX + 1];
    if (n)
        out[0] = '\0';
    size_t count = carriers_ship_service_count(m);
    if (!count || !level || carriers_ship_service(m, level) ||
        mapfile_fold(level, fold, sizeof fold) != WB_OK)
        return WB_NOTFOUND;
    const char **names = calloc(2 * count, sizeof *names), **folded = names + count;
    if (!names)
        return WB_NOMEM;
    const char *same_case = NULL, *key;
    size_t pos = 0, k = 0, nf = 0;
    while (k < count && strmap_next(m->service, &pos, &key, NULL)) {
        names[k++] = key;
        if (fold[0] && mapfile_fold(key, other, sizeof other) == WB_OK && !strcmp(fold, other)) {
            folded[nf++] = key;
            if (strcasecmp(key, level) == 0)
                same_case = key;
        }
    }
    int w = 0;
    if (same_case || nf == 1) {
        w = snprintf(out, n, "did you mean '%s'?", same_case ? same_case : folded[0]);
    } else if (nf > 1) {
        qsort(folded, nf, sizeof *folded, by_name);
        w = snprintf(out, n, "did you mean one of");
        for (size_t i = 0; i < nf && w >= 0 && (size_t)w < n; i++)
            w += snprintf(out + w, n - (size_t)w, "%s '%s'", i ? "," : "", folded[i]);
        if (w >= 0 && (size_t)w < n)
            w += snprintf(out + w, n - (size_t)w, "?");
    } else {
        const char *near = str_nearest(level, names, k, sizeof *names);
        if (near)
            w = snprintf(out, n, "did you mean '%s'?", near);
        else
            nf = (size_t)-1;
    }
    free(names);
    if (nf == (size_t)-1)
        return WB_NOTFOUND;
    return w < 0 || (size_t)w >= n ? WB_TOOBIG : WB_OK;
}

/* carriers_ship_service_count - number of mapped ship-service levels */
size_t carriers_ship_service_count(const struct carriers *m)
{
    return m ? strmap_count(m->service) : 0;
}
