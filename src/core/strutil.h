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

/* str_to_long - whole string as a base-10 long within [min,max]; WB_BADARG otherwise */
int str_to_long(const char *s, long min, long max, long *out);
/* str_trim - strip leading/trailing ASCII white space in place, returns s */
char *str_trim(char *s);
/* str_dup - strdup that returns NULL for NULL */
char *str_dup(const char *s);
/* str_copy - bounded copy; WB_TOOBIG if truncated */
int str_copy(char *dst, size_t n, const char *src);
/* str_shown - s made safe to quote in a log line or message: control characters, DEL, '"'
 * and backslash as \xNN, cut to fit n bytes with its NUL; returns out */
const char *str_shown(const char *s, char *out, size_t n);
/* str_ascii_range - 1 if each of the n bytes is at least lo (1..128) and below 0x80; eight
 * bytes a step (the fast path of the text checks) */
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
