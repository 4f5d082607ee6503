/*
 * strutil.h - checked number parsing and small string helpers.
 *
 * Replaces atoi/strtok: every parse checks the end pointer and the range.
 * Pure; never exits.
 */
#ifndef WB_STRUTIL_H
#define WB_STRUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/wb.h"

/* str_to_long - whole string as a base-10 long within [min,max]; WB_BADARG otherwise */
enum wb_status str_to_long(const char *s, long min, long max, long *out);
/* str_trim - strip leading/trailing ASCII white space in place, returns s */
char *str_trim(char *s);
/* str_dup - strdup that returns NULL for NULL */
char *str_dup(const char *s);
/* str_copy - bounded copy; WB_TOOBIG if truncated */
enum wb_status str_copy(char *dst, size_t n, const char *src);
/* str_shown - s made safe to quote in a log line or message: control characters, DEL, '"'
 * and backslash as \xNN, cut to fit n bytes with its NUL; returns out */
const char *str_shown(const char *s, char *out, size_t n);
/* str_ascii_range - 1 if each of the n bytes is at least lo (1..128) and below 0x80:
 * str_bytes_in(s, n, lo, 0x7F) out of line */
int str_ascii_range(const char *s, size_t n, unsigned lo);
/* str_utf8_valid - 1 if the n bytes are valid UTF-8 without NUL */
int str_utf8_valid(const char *s, size_t n);
/* str_has_prefix - 1 if s starts with prefix */
int str_has_prefix(const char *s, const char *prefix);
/* str_strip_comment - the one comment rule of every file wmsbridge reads (config, credentials,
 * maps, layouts, schedule): a '#' that is the first non-blank character of the line, or that
 * has a blank (space or tab) on both sides, starts a comment running to the end of the line;
 * any other '#' is data ("C#1", "Order #", "#2"). Cuts s there; returns s. */
char *str_strip_comment(char *s);
/* str_edit_distance - edits (insert, delete, change, swap of neighbours) from a to b, counted
 * up to 9 (words longer than 63 bytes count 9); for "did you mean" hints */
int str_edit_distance(const char *a, const char *b);
/* str_nearest - the one name within 2 edits of w and closer than any other, or NULL; the names
 * are the first member (a const char *) of n table entries of stride bytes from table */
const char *str_nearest(const char *w, const void *table, size_t n, size_t stride);
/* str_text_check - 1 if the n bytes are text an XML element takes and a schema string type of
 * at most max_chars characters (0: any length) holds: well-formed UTF-8, no control character
 * (TAB, CR and LF included), no U+FFFE or U+FFFF; else 0 with what is wrong in why, a phrase
 * ("holds a tab") to follow the value's name. The one rule for every value that goes into a
 * feed: the row checks, the map loaders and the feed writer all call it */
int str_text_check(const char *s, size_t n, size_t max_chars, char *why, size_t whyn);

/* Word-at-a-time scans: eight bytes a step, the last word overlapping the one before; four to
 * seven bytes as two overlapping words of four in one; below four, byte by byte. In a word w,
 * ONES * c repeats byte c; (w - ONES * c) & ~w & HIGHS is nonzero exactly when some byte of w is
 * below c (c <= 0x80); w & HIGHS when some byte is 0x80 or above. Inline: they are the fast
 * paths of the reader, the row checks and the feed writer. */
#define STR_ONES 0x0101010101010101ULL
#define STR_HIGHS 0x8080808080808080ULL

/* str_word_at - the word of a scan of n bytes (n >= 4) beginning at i (i + 8 <= n when n >= 8) */
static inline uint64_t str_word_at(const char *s, size_t n, size_t i)
{
    uint64_t w;
    uint32_t a, b;
    if (n >= 8) {
        memcpy(&w, s + i, 8);
        return w;
    }
    memcpy(&a, s, 4);
    memcpy(&b, s + n - 4, 4);
    return (uint64_t)a << 32 | b;
}

/* str_bytes_in - 1 if each of the n bytes is in [lo, hi] (lo <= hi <= 0x7F): "0".."9" for
 * digits, 0x20..0x7E for printable ASCII, 1..0x7F for ASCII without NUL */
static inline int str_bytes_in(const char *s, size_t n, unsigned lo, unsigned hi)
{
    uint64_t bad = 0, w;
    if (n < 4) {
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] < lo || (unsigned char)s[i] > hi)
                return 0;
        return 1;
    }
    for (size_t i = 0;; i += 8) {
        if (n >= 8 && i + 8 > n)
            i = n - 8;
        w = str_word_at(s, n, i);
        /* below lo borrows; above hi (and below 0x80) carries into the high bit */
        bad |= w | ((w - STR_ONES * lo) & ~w) | (w + STR_ONES * (0x7F - hi));
        if (n < 8 || i + 8 == n)
            break;
    }
    return !(bad & STR_HIGHS);
}

/* str_word_in - per byte of w (each below 0x80): 0x80 where lo <= byte <= hi (1 <= lo) */
static inline uint64_t str_word_in(uint64_t w, unsigned lo, unsigned hi)
{
    return (w + STR_ONES * (0x80 - lo)) & ~(w + STR_ONES * (0x7F - hi)) & STR_HIGHS;
}

/* str_bytes_alnum - 1 if each of the n bytes is an ASCII letter or digit, or byte a or b
 * (1..0x7F; tracking numbers take '-' and ' ') */
static inline int str_bytes_alnum(const char *s, size_t n, unsigned a, unsigned b)
{
    uint64_t w, ok;
    if (n < 4) {
        for (size_t i = 0; i < n; i++) {
            unsigned c = (unsigned char)s[i];
            if (!(c - '0' <= 9 || (c | 0x20) - 'a' <= 25 || c == a || c == b))
                return 0;
        }
        return 1;
    }
    for (size_t i = 0;; i += 8) {
        if (n >= 8 && i + 8 > n)
            i = n - 8;
        w = str_word_at(s, n, i);
        if (w & STR_HIGHS)
            return 0;
        ok = str_word_in(w, '0', '9') | str_word_in(w | STR_ONES * 0x20, 'a', 'z') |
             str_word_in(w, a, a) | str_word_in(w, b, b);
        if (ok != STR_HIGHS)
            return 0;
        if (n < 8 || i + 8 == n)
            break;
    }
    return 1;
}

/* str_xml_special - 1 if some of the n bytes is a character XML text escapes: & < > or " */
static inline int str_xml_special(const char *s, size_t n)
{
    uint64_t hit = 0, w, x, y;
    if (n < 4) {
        for (size_t i = 0; i < n; i++)
            if (s[i] == '&' || s[i] == '<' || s[i] == '>' || s[i] == '"')
                return 1;
        return 0;
    }
    for (size_t i = 0;; i += 8) {
        if (n >= 8 && i + 8 > n)
            i = n - 8;
        w = str_word_at(s, n, i);
        /* & and " differ in one bit (0x04), < and > likewise (0x02): a zero byte of x or y */
        x = (w | (STR_ONES * 0x04)) ^ (STR_ONES * '&');
        y = (w | (STR_ONES * 0x02)) ^ (STR_ONES * '>');
        hit |= ((x - STR_ONES) & ~x) | ((y - STR_ONES) & ~y);
        if (n < 8 || i + 8 == n)
            break;
    }
    return (hit & STR_HIGHS) != 0;
}

/* str_same - 1 if the n bytes at a and at b are equal; spans of 8 to 32 bytes (order ids,
 * tracking numbers, timestamps) by overlapping words without a call */
static inline int str_same(const char *a, const char *b, size_t n)
{
    uint64_t x[4], y[4];
    if (n >= 8 && n <= 16) {
        memcpy(&x[0], a, 8), memcpy(&x[1], a + n - 8, 8);
        memcpy(&y[0], b, 8), memcpy(&y[1], b + n - 8, 8);
        return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
    }
    if (n > 16 && n <= 32) {
        memcpy(&x[0], a, 8), memcpy(&x[1], a + 8, 8);
        memcpy(&x[2], a + n - 16, 8), memcpy(&x[3], a + n - 8, 8);
        memcpy(&y[0], b, 8), memcpy(&y[1], b + 8, 8);
        memcpy(&y[2], b + n - 16, 8), memcpy(&y[3], b + n - 8, 8);
        return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
    }
    return memcmp(a, b, n) == 0;
}

#endif
