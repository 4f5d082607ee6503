/*
 * stockstates.c - WMS stock state -> sellable or not (see stockstates.h).
 *
 * Owns the state names (one allocation each, in a table in file order for
 * the near-miss hint) and an exact index. Returns WB_CONFIG with
 * "file:line: text" in errs for any bad line, WB_NOMEM on allocation
 * failure. Must never classify a state the file does not list, never touch
 * the network, the ledger or the spool, and never exit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strutil.h"
#include "core/wb.h"
#include "maps/mapfile.h"
#include "maps/stockstates.h"
#include "maps/strmap.h"

#define MAX_STATES 4096

struct state {
    const char *name; /* first member: str_nearest reads it */
    enum stockstate cls;
    size_t line;
};

struct stockstates {
    struct strmap *idx; /* name -> struct state (1-based index cast) */
    struct state *v;
    size_t n, cap;
};

/* stockstates_free - release */
void stockstates_free(struct stockstates *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free((char *)m->v[i].name);
    free(m->v);
    strmap_free(m->idx);
    free(m);
}

/* last_word - split line at its last run of blanks: *rest gets the start, returns the word */
static char *last_word(char *line, char **rest)
{
    char *e = line + strlen(line);
    char *w = e;
    while (w > line && w[-1] != ' ' && w[-1] != '\t')
        w--;
    char *t = w;
    while (t > line && (t[-1] == ' ' || t[-1] == '\t'))
        *--t = '\0';
    *rest = line;
    return w;
}

/* parse_line - "STATE CLASS" */
static int parse_line(void *ctx, struct mapfile *mf, char *line)
{
    struct stockstates *m = ctx;
    char *name;
    char *word = last_word(line, &name);
    enum stockstate cls;
    if (word == name) /* one word: no state */
        cls = STOCK_UNKNOWN;
    else if (strcmp(word, "sellable") == 0)
        cls = STOCK_SELLABLE;
    else if (strcmp(word, "unsellable") == 0)
        cls = STOCK_UNSELLABLE;
    else
        cls = STOCK_UNKNOWN;
    if (cls == STOCK_UNKNOWN) {
        mapfile_error(mf, "expected 'STATE sellable' or 'STATE unsellable'");
        return WB_OK;
    }
    size_t len = strlen(name);
    char why[128];
    if (len == 0 || !str_text_check(name, len, STOCKSTATES_NAME_MAX, why, sizeof why)) {
        mapfile_error(mf, "the state is empty, or %s", len ? why : "missing");
        return WB_OK;
    }
    void *prev = strmap_get(m->idx, name);
    if (prev) {
        mapfile_error(mf, "state '%s' already given at line %zu", name,
                      m->v[(size_t)(uintptr_t)prev - 1].line);
        return WB_OK;
    }
    if (m->n >= MAX_STATES)
        return WB_TOOBIG;
    if (m->n == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 16;
        struct state *v = realloc(m->v, ncap * sizeof *v);
        if (!v)
            return WB_NOMEM;
        m->v = v;
        m->cap = ncap;
    }
    char *copy = str_dup(name);
    if (!copy)
        return WB_NOMEM;
    int rc = strmap_put(m->idx, copy, (void *)(uintptr_t)(m->n + 1), NULL);
    if (rc != WB_OK) {
        free(copy);
        return rc;
    }
    m->v[m->n++] = (struct state){copy, cls, mf->lineno};
    return WB_OK;
}

/* stockstates_parse_text - parse len bytes of text named name */
enum wb_status stockstates_parse_text(const char *name, const char *text, size_t len,
                                      struct stockstates **out, struct buf *errs)
{
    *out = NULL;
    struct stockstates *m = calloc(1, sizeof *m);
    if (!m || !(m->idx = strmap_new(64))) {
        free(m);
        return WB_NOMEM;
    }
    struct mapfile mf;
    mapfile_init(&mf, name, text, len, errs);
    int rc = mapfile_each(&mf, parse_line, m, "too many states");
    if (rc == WB_OK && m->n == 0) {
        if (errs)
            buf_appendf(errs, "%s: no state is listed\n", name);
        rc = WB_CONFIG;
    }
    if (rc != WB_OK) {
        stockstates_free(m);
        return rc;
    }
    *out = m;
    return WB_OK;
}

/* parse_text - stockstates_parse_text with an untyped result pointer, for mapfile_load */
static int parse_text(const char *name, const char *text, size_t len, void *out, struct buf *errs)
{
    return stockstates_parse_text(name, text, len, out, errs);
}

/* stockstates_load - read the map at path */
enum wb_status stockstates_load(const char *path, struct stockstates **out, struct buf *errs)
{
    *out = NULL;
    return mapfile_load(path, parse_text, out, errs);
}

/* stockstates_lookup - the class of the n bytes at state */
enum stockstate stockstates_lookup(const struct stockstates *m, const char *state, size_t n)
{
    void *v = m ? strmap_getn(m->idx, state, n) : NULL;
    return v ? m->v[(size_t)(uintptr_t)v - 1].cls : STOCK_UNKNOWN;
}

/* stockstates_nearest - the listed state equal to state but for ASCII case, else one or two
 * edits from it */
const char *stockstates_nearest(const struct stockstates *m, const char *state)
{
    if (!m)
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (strcasecmp(m->v[i].name, state) == 0)
            return m->v[i].name;
    return str_nearest(state, m->v, m->n, sizeof *m->v);
}

/* stockstates_count - number of states listed */
size_t stockstates_count(const struct stockstates *m)
{
    return m ? m->n : 0;
}
