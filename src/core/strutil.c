/*
 * strutil.c - checked number parsing and small string helpers. Pure; never exits.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/strutil.h"
#include "core/wb.h"

/* str_to_long - whole string as a base-10 long within [min,max] */
enum wb_status str_to_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return WB_BADARG;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end != '\0' || v < min || v > max)
        return WB_BADARG;
    *out = v;
    return WB_OK;
}

/* str_trim - strip leading/trailing ASCII white space in place */
char *str_trim(char *s)
{
    char *p = s;
    while (*p && isspace((unsigned char)*p))
        p++;
    size_t n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    memmove(s, p, n);
    s[n] = '\0';
    return s;
}

/* str_dup - strdup that returns NULL for NULL */
char *str_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* str_copy - bounded copy; WB_TOOBIG if truncated */
enum wb_status str_copy(char *dst, size_t n, const char *src)
{
    size_t k = strlen(src);
    if (n == 0)
        return WB_TOOBIG;
    if (k >= n) {
        memcpy(dst, src, n - 1);
        dst[n - 1] = '\0';
        return WB_TOOBIG;
    }
    memcpy(dst, src, k + 1);
    return WB_OK;
}

/* str_shown - see strutil.h */
const char *str_shown(const char *s, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int esc = *p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\';
        if (k + (esc ? 4 : 1) >= n)
            break; /* what fits, and the NUL */
        if (esc) {
            out[k++] = '\\';
            out[k++] = 'x';
            out[k++] = hex[*p >> 4];
            out[k++] = hex[*p & 15];
        } else {
            out[k++] = (char)*p;
        }
    }
    out[k] = '\0';
    return out;
}

/* str_ascii_range - each byte in [lo, 0x7F] */
int str_ascii_range(const char *s, size_t n, unsigned lo)
{
    return str_bytes_in(s, n, lo, 0x7F);
}

/* str_utf8_valid - 1 if the n bytes are valid UTF-8 without NUL */
int str_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        unsigned c = *p;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            p++;
            continue;
        }
        int k;
        unsigned min;
        if ((c & 0xE0) == 0xC0) {
            k = 1;
            c &= 0x1F;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
            c &= 0x0F;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3;
            c &= 0x07;
            min = 0x10000;
        } else {
            return 0;
        }
        if (e - p <= k)
            return 0;
        for (int i = 1; i <= k; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (p[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        p += k + 1;
    }
    return 1;
}

/* str_has_prefix - 1 if s starts with prefix */
int str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* str_strip_comment - cut a comment by the one rule (see strutil.h) */
char *str_strip_comment(char *s)
{
    char *first = s;
    while (*first == ' ' || *first == '\t')
        first++;
    for (char *p = first; *p; p++) {
        if (*p != '#')
            continue;
        if (p == first || ((p[-1] == ' ' || p[-1] == '\t') && (p[1] == ' ' || p[1] == '\t'))) {
            *p = '\0';
            break;
        }
    }
    return s;
}

/* str_edit_distance - optimal string alignment distance, capped at 9 */
int str_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 9;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb] > 9 ? 9 : d[la][lb];
}

/* str_nearest - the single closest word within 2 edits, NULL when none or a tie */
const char *str_nearest(const char *w, const void *table, size_t n, size_t stride)
{
    const char *best = NULL;
    int bestd = 3, ties = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name;
        memcpy(&name, (const char *)table + i * stride, sizeof name);
        if (!name)
            continue;
        int dd = str_edit_distance(w, name);
        if (dd == 0)
            return NULL;
        if (dd < bestd)
            best = name, bestd = dd, ties = 0;
        else if (dd == bestd)
            ties++;
    }
    return ties ? NULL : best;
}

/* str_text_check - see strutil.h */
int str_text_check(const char *s, size_t n, size_t max_chars, char *why, size_t whyn)
{
    size_t chars = n;
    if (!str_ascii_range(s, n, 0x20)) { /* printable ASCII (the usual case) needs no more */
        chars = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c >= 0x20)
                continue;
            if (c == '\t')
                snprintf(why, whyn, "holds a tab");
            else if (c == '\r' || c == '\n')
                snprintf(why, whyn, "holds a line break");
            else
                snprintf(why, whyn, "holds the control character 0x%02X", c);
            return 0;
        }
        if (!str_utf8_valid(s, n)) {
            snprintf(why, whyn,
                     "is not well-formed UTF-8 (a character cut short or a byte "
                     "that cannot start one)");
            return 0;
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            /* U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters */
            if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
                ((unsigned char)s[i + 2] & 0xFE) == 0xBE) {
                snprintf(why, whyn, "holds U+%s, which XML does not allow",
                         (unsigned char)s[i + 2] == 0xBE ? "FFFE" : "FFFF");
                return 0;
            }
            chars += (c & 0xC0) != 0x80;
        }
    }
    if (max_chars && chars > max_chars) {
        snprintf(why, whyn, "is longer than %zu characters (%zu)", max_chars, chars);
        return 0;
    }
    return 1;
}
