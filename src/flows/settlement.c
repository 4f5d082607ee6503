/*
 * settlement.c - money and dates of a settlement file, the mapping of its
 * combinations to ledger accounts and the journal written from them.
 *
 * Owns nothing beyond one call. Amounts are parsed into int64_t minor units
 * with overflow checks; no floating point. The journal is written only when
 * every combination has an account, and its lines sum to the settlement's
 * total or nothing is written (WB_INTERNAL; WB_PERMFAIL when an account's sum
 * leaves the int64_t range). Returns WB_* codes; never exits.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/wb.h"
#include "flows/settlement.h"
#include "layout/layout.h"
#include "maps/glmap.h"

const char *const settlement_journal_required[] = {"settlement_id", "account", "amount", NULL};
const char *const settlement_journal_optional[] = {"currency", "deposit_date", "start_date",
                                                   "end_date", "rows",         NULL};

/* settlement_currency_exp - decimals of a currency code */
int settlement_currency_exp(const char *code)
{
    static const char *const zero[] = {"JPY", "KRW", "CLP", "VND", "ISK", "HUF"};
    if (!code || strlen(code) != 3)
        return -1;
    for (int i = 0; i < 3; i++)
        if (code[i] < 'A' || code[i] > 'Z')
            return -1;
    for (size_t i = 0; i < WB_ARRAY_LEN(zero); i++)
        if (strcmp(code, zero[i]) == 0)
            return 0;
    return 2;
}

/* digits - add the n digits at t to *v (v*10+d each); 0 on overflow or a non-digit */
static int digits(const char *t, size_t n, int64_t *v)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9' || *v > (INT64_MAX - (t[i] - '0')) / 10)
            return 0;
        *v = *v * 10 + (t[i] - '0');
    }
    return 1;
}

/* whole_part - the integer digits at t (n bytes), grouped by sep in threes when sep appears */
static int whole_part(const char *t, size_t n, char sep, int64_t *v)
{
    const char *g = sep ? memchr(t, sep, n) : NULL;
    if (!g)
        return n > 0 && digits(t, n, v);
    size_t first = (size_t)(g - t);
    if (first < 1 || first > 3 || !digits(t, first, v))
        return 0;
    for (size_t i = first; i < n; i += 4)
        if (t[i] != sep || i + 4 > n || !digits(t + i + 1, 3, v))
            return 0;
    return 1;
}

/* settlement_amount - see settlement.h */
int settlement_amount(const char *t, size_t n, int exp, char *mark, int64_t *out)
{
    int neg = n > 0 && t[0] == '-';
    if (neg) {
        t++;
        n--;
    }
    if (n == 0 || n > 30 || exp < 0 || exp > 4)
        return WB_PERMFAIL;
    /* the decimal mark is the last '.' or ',' when exactly exp digits follow it */
    size_t p = n;
    while (p > 0 && t[p - 1] != '.' && t[p - 1] != ',')
        p--;
    char dec = 0;
    if (p > 0 && exp > 0 && n - p == (size_t)exp)
        dec = t[p - 1];
    size_t wn = dec ? p - 1 : n;
    char group = 0; /* the thousands separator: the other mark */
    if (dec)
        group = dec == '.' ? ',' : '.';
    else if (memchr(t, '.', wn))
        group = '.';
    else if (memchr(t, ',', wn))
        group = ',';
    if (dec && *mark && *mark != dec)
        return WB_PERMFAIL; /* 1.234,56 and 1,234.56 in one file */
    if (!dec && group && group == *mark)
        return WB_PERMFAIL; /* the file's decimal mark used as a thousands separator */
    int64_t v = 0;
    if (!whole_part(t, wn, group, &v))
        return WB_PERMFAIL;
    if (dec ? !digits(t + p, (size_t)exp, &v) : !digits("0000", (size_t)exp, &v))
        return WB_PERMFAIL;
    if (dec)
        *mark = dec;
    *out = neg ? -v : v;
    return WB_OK;
}

/* settlement_amount_format - v minor units as "-1234.56" */
void settlement_amount_format(int64_t v, int exp, char *out, size_t n)
{
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char frac[8] = "";
    if (exp > 4)
        exp = 4;
    for (int i = exp; i > 0; i--) {
        frac[i] = (char)('0' + a % 10);
        a /= 10;
    }
    if (exp > 0)
        frac[0] = '.';
    snprintf(out, n, "%s%llu%s", v < 0 ? "-" : "", (unsigned long long)a, frac);
}

/* settlement_time - a date in one of Amazon's formats, as UTC */
int settlement_time(const char *t, time_t *out)
{
    static const char *const fmt[] = {
        "%Y-%m-%d %H:%M:%S UTC",
        "%Y-%m-%dT%H:%M:%S+00:00",
        "%Y-%m-%dT%H:%M:%SZ",
        "%d.%m.%Y %H:%M:%S UTC",
        "%m/%d/%y",
        "%d.%m.%Y",
        "%Y-%m-%d",
    };
    for (size_t i = 0; t && i < WB_ARRAY_LEN(fmt); i++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *e = strptime(t, fmt[i], &tm);
        if (!e || *e)
            continue;
        if (tm.tm_year < 70 || tm.tm_year > 1100) /* 1970 .. 3000 */
            continue;
        struct tm back = tm;
        time_t v = timegm(&back);
        if (v == (time_t)-1 || back.tm_mday != tm.tm_mday || back.tm_mon != tm.tm_mon)
            continue; /* 31.02. */
        *out = v;
        return WB_OK;
    }
    return WB_PERMFAIL;
}

/* settlement_map - each combination's account, the unmapped ones listed */
int settlement_map(struct settlement *s, const struct glmap *gl, struct buf *unmapped,
                   size_t *nunmapped)
{
    size_t bad = 0;
    for (size_t i = 0; i < s->ncombos; i++) {
        struct settlement_combo *c = s->combos[i];
        c->account = glmap_lookup(gl, c->type, c->amount_type, c->description);
        if (c->account)
            continue;
        if (bad++ < SETTLEMENT_UNMAPPED_LISTED) {
            char amt[32];
            settlement_amount_format(c->sum, s->exp, amt, sizeof amt);
            buf_appendf(unmapped, "%s | %s | %s: %ld row(s) from line %ld, %s %s\n", c->type,
                        c->amount_type, c->description, c->rows, c->first_line, amt, s->currency);
        }
    }
    if (bad > SETTLEMENT_UNMAPPED_LISTED)
        buf_appendf(unmapped, "... and %zu more unmapped combination(s)\n",
                    bad - SETTLEMENT_UNMAPPED_LISTED);
    *nunmapped = bad;
    return bad ? WB_PERMFAIL : WB_OK;
}

struct line {
    const char *account;
    int64_t sum;
    long rows;
};

/* by_account - qsort order of journal lines */
static int by_account(const void *a, const void *b)
{
    return strcmp(((const struct line *)a)->account, ((const struct line *)b)->account);
}

/* settlement_journal - the journal: a line per account */
int settlement_journal(const struct settlement *s, const struct layout *l, FILE *out)
{
    struct line *lines = calloc(s->ncombos ? s->ncombos : 1, sizeof *lines);
    if (!lines)
        return WB_NOMEM;
    size_t n = 0;
    int64_t total = 0;
    for (size_t i = 0; i < s->ncombos; i++) {
        const struct settlement_combo *c = s->combos[i];
        if (!c->account) {
            free(lines);
            return WB_INTERNAL;
        }
        size_t k = 0;
        while (k < n && strcmp(lines[k].account, c->account) != 0)
            k++;
        if (k == n)
            lines[n++] = (struct line){c->account, 0, 0};
        lines[k].rows += c->rows;
        if (__builtin_add_overflow(lines[k].sum, c->sum, &lines[k].sum) ||
            __builtin_add_overflow(total, c->sum, &total)) {
            free(lines);
            return WB_PERMFAIL;
        }
    }
    if (total != s->total) {
        free(lines);
        return WB_INTERNAL;
    }
    qsort(lines, n, sizeof *lines, by_account);
    char amount[32], rows[24], dep[16], start[32], end[32];
    clock_format_date(s->deposit, dep, sizeof dep);
    clock_format_iso(s->start, start, sizeof start);
    clock_format_iso(s->end, end, sizeof end);
    size_t nf = layout_nfields(l);
    const char *cells[16];
    struct csvw *w = NULL;
    int rc = nf <= WB_ARRAY_LEN(cells) ? csvw_open(&w, l, out, 0) : WB_CONFIG;
    if (rc == WB_OK)
        rc = csvw_header(w);
    for (size_t k = 0; rc == WB_OK && k < n; k++) {
        settlement_amount_format(lines[k].sum, s->exp, amount, sizeof amount);
        snprintf(rows, sizeof rows, "%ld", lines[k].rows);
        for (size_t f = 0; f < nf; f++) {
            const char *name = layout_field_name(l, f);
            const char *v = "";
            if (!strcmp(name, "settlement_id"))
                v = s->id;
            else if (!strcmp(name, "account"))
                v = lines[k].account;
            else if (!strcmp(name, "amount"))
                v = amount;
            else if (!strcmp(name, "currency"))
                v = s->currency;
            else if (!strcmp(name, "deposit_date"))
                v = dep;
            else if (!strcmp(name, "start_date"))
                v = start;
            else if (!strcmp(name, "end_date"))
                v = end;
            else if (!strcmp(name, "rows"))
                v = rows;
            cells[f] = v;
        }
        rc = csvw_row(w, cells, nf);
    }
    if (w) {
        int crc = csvw_close(w);
        if (rc == WB_OK)
            rc = crc;
    }
    free(lines);
    return rc;
}
