/*
 * glmap.c - settlement (transaction-type, amount-type, amount-description) ->
 * ledger account rules, first match wins (see glmap.h).
 *
 * Owns the rule array and one copy of each rule's text. Returns WB_CONFIG
 * with "file:line: text" in errs for any bad line, WB_NOMEM on allocation
 * failure. Must never map a combination no rule matches, never touch the
 * network, the ledger or the spool, and never exit.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "core/wb.h"
#include "maps/glmap.h"
#include "maps/mapfile.h"

struct rule {
    size_t line;
    char *pat[3]; /* type, amount type, description: into text */
    char *account;
    int glob[3]; /* the pattern holds a wildcard character */
    char *text;
};

struct glmap {
    struct rule *rules;
    size_t n, cap;
};

/* glmap_free - release the map (NULL is fine) */
void glmap_free(struct glmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->rules[i].text);
    free(m->rules);
    free(m);
}

/* glmap_count - number of rules */
size_t glmap_count(const struct glmap *m)
{
    return m ? m->n : 0;
}

/* is_glob - 1 if s holds a wildcard character of fnmatch */
static int is_glob(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/* same_rule - the earlier rule with the same three patterns, NULL if none */
static const struct rule *same_rule(const struct glmap *m, char *const *f)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->rules[i].pat[0], f[0]) && !strcmp(m->rules[i].pat[1], f[1]) &&
            !strcmp(m->rules[i].pat[2], f[2]))
            return &m->rules[i];
    return NULL;
}

/* add_rule - store a checked rule */
static int add_rule(struct glmap *m, struct mapfile *mf, char *const *f, const char *account)
{
    if (m->n == GLMAP_MAX_RULES)
        return WB_TOOBIG;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        struct rule *r = realloc(m->rules, cap * sizeof *r);
        if (!r)
            return WB_NOMEM;
        m->rules = r;
        m->cap = cap;
    }
    size_t len[4] = {strlen(f[0]) + 1, strlen(f[1]) + 1, strlen(f[2]) + 1, strlen(account) + 1};
    char *t = malloc(len[0] + len[1] + len[2] + len[3]);
    if (!t)
        return WB_NOMEM;
    struct rule *r = &m->rules[m->n++];
    r->text = t;
    r->line = mf->lineno;
    for (int i = 0; i < 3; i++) {
        memcpy(t, f[i], len[i]);
        r->pat[i] = t;
        r->glob[i] = is_glob(t);
        t += len[i];
    }
    memcpy(t, account, len[3]);
    r->account = t;
    return WB_OK;
}

/* parse_line - "TYPE | AMOUNT-TYPE | DESCRIPTION = ACCOUNT" */
static int parse_line(void *ctx, struct mapfile *mf, char *line)
{
    struct glmap *m = ctx;
    char *eq = strrchr(line, '=');
    if (!eq) {
        mapfile_error(mf, "expected 'TRANSACTION-TYPE | AMOUNT-TYPE | AMOUNT-DESCRIPTION = "
                          "ACCOUNT'");
        return WB_OK;
    }
    *eq = '\0';
    char *account = str_trim(eq + 1);
    char *f[3];
    size_t n = mapfile_split(line, '|', f, 3);
    if (n != 3) {
        mapfile_error(mf, "expected three patterns separated by '|' before '=', found %zu", n);
        return WB_OK;
    }
    for (int i = 0; i < 3; i++)
        if (!*f[i] || mapfile_chars(f[i]) > GLMAP_PATTERN_MAX) {
            mapfile_error(mf, "pattern %d is empty or longer than %d characters (use * for any)",
                          i + 1, GLMAP_PATTERN_MAX);
            return WB_OK;
        }
    size_t al = strlen(account);
    if (al == 0 || mapfile_chars(account) > GLMAP_ACCOUNT_MAX || strchr(account, '|') ||
        strchr(account, '\t')) {
        mapfile_error(mf, "account '%s' is empty, longer than %d characters or holds '|' or a tab",
                      account, GLMAP_ACCOUNT_MAX);
        return WB_OK;
    }
    const struct rule *prev = same_rule(m, f);
    if (prev) {
        mapfile_error(mf, "the same three patterns as line %zu (account %s)", prev->line,
                      prev->account);
        return WB_OK;
    }
    return add_rule(m, mf, f, account);
}

/* glmap_parse_text - same as glmap_load for len bytes of text named name */
enum wb_status glmap_parse_text(const char *name, const char *text, size_t len, struct glmap **out,
                                struct buf *errs)
{
    *out = NULL;
    struct glmap *m = calloc(1, sizeof *m);
    if (!m)
        return WB_NOMEM;
    struct mapfile mf;
    mapfile_init(&mf, name, text, len, errs);
    int rc = mapfile_each(&mf, parse_line, m, "too many rules");
    if (rc == WB_OK && m->n == 0) {
        if (errs)
            buf_appendf(errs, "%s: no rules\n", name);
        rc = WB_CONFIG;
    }
    if (rc != WB_OK) {
        glmap_free(m);
        return rc;
    }
    *out = m;
    return WB_OK;
}

/* parse_text - glmap_parse_text with an untyped result pointer, for mapfile_load */
static int parse_text(const char *name, const char *text, size_t len, void *out, struct buf *errs)
{
    return glmap_parse_text(name, text, len, out, errs);
}

/* glmap_load - read the map at path into *out */
enum wb_status glmap_load(const char *path, struct glmap **out, struct buf *errs)
{
    *out = NULL;
    return mapfile_load(path, parse_text, out, errs);
}

/* match - one pattern against one value */
static int match(const struct rule *r, int i, const char *v)
{
    return r->glob[i] ? fnmatch(r->pat[i], v, FNM_NOESCAPE) == 0 : strcmp(r->pat[i], v) == 0;
}

/* glmap_lookup - the account of the first matching rule */
const char *glmap_lookup(const struct glmap *m, const char *type, const char *amount_type,
                         const char *description)
{
    for (size_t i = 0; m && i < m->n; i++) {
        const struct rule *r = &m->rules[i];
        if (match(r, 0, type) && match(r, 1, amount_type) && match(r, 2, description))
            return r->account;
    }
    return NULL;
}
