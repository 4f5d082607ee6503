/*
 * test_core_scan.c - unit tests of the word-at-a-time scans of strutil.h
 * (str_bytes_in, str_bytes_alnum, str_xml_special, str_ascii_range): for every length from 0
 * to 40 and every position in it, each of the 256 byte values is put there
 * in a run of good bytes, at unaligned starts, and the answer is compared
 * with a byte-by-byte reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/strutil.h"
#include "core/wb.h"

#define MAXLEN 40

/* ref_in - byte by byte: each of the n bytes in [lo, hi] */
static int ref_in(const char *s, size_t n, unsigned lo, unsigned hi)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < lo || (unsigned char)s[i] > hi)
            return 0;
    return 1;
}

/* ref_special - byte by byte: some byte is & < > or " */
static int ref_special(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '&' || s[i] == '<' || s[i] == '>' || s[i] == '"')
            return 1;
    return 0;
}

/* test_bytes_in_every_place - one odd byte at every position of every length */
static void test_bytes_in_every_place(void **state)
{
    (void)state;
    static const unsigned ranges[][2] = {{'0', '9'},   {0x20, 0x7E}, {0x20, 0x7F}, {0x01, 0x7F},
                                         {0x0E, 0x7F}, {'a', 'a'},   {0x00, 0x7F}};
    char mem[MAXLEN + 16];
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        unsigned lo = ranges[r][0], hi = ranges[r][1];
        char good = (char)(lo > 0 ? lo : 'x');
        for (size_t off = 0; off < 8; off += 3) { /* unaligned starts too */
            char *s = mem + off;
            for (size_t n = 0; n <= MAXLEN; n++) {
                memset(mem, 0x80, sizeof mem); /* bytes outside the span are bad */
                memset(s, good, n);
                assert_int_equal(str_bytes_in(s, n, lo, hi), 1);
                for (size_t p = 0; p < n; p++) {
                    for (unsigned c = 0; c < 256; c++) {
                        s[p] = (char)c;
                        int want = ref_in(s, n, lo, hi);
                        if (str_bytes_in(s, n, lo, hi) != want)
                            fail_msg("str_bytes_in [%#x,%#x] n=%zu pos=%zu byte=%#x: not %d", lo,
                                     hi, n, p, c, want);
                        if (hi == 0x7F && lo >= 1)
                            assert_int_equal(str_ascii_range(s, n, lo), want);
                    }
                    s[p] = good;
                }
            }
        }
    }
}

/* test_bytes_in_two_bad - two bad bytes (low and high) anywhere still read as bad */
static void test_bytes_in_two_bad(void **state)
{
    (void)state;
    char s[MAXLEN];
    for (size_t n = 2; n <= 24; n++)
        for (size_t p = 0; p < n; p++)
            for (size_t q = 0; q < n; q++) {
                if (p == q)
                    continue;
                memset(s, '5', n);
                s[p] = (char)0xFF;
                s[q] = '/';
                assert_int_equal(str_bytes_in(s, n, '0', '9'), 0);
                s[p] = ':';
                s[q] = '\0';
                assert_int_equal(str_bytes_in(s, n, '0', '9'), 0);
            }
}

/* ref_alnum - byte by byte: each byte a letter, a digit, a or b */
static int ref_alnum(const char *s, size_t n, unsigned a, unsigned b)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == a || c == b))
            return 0;
    }
    return 1;
}

/* test_alnum_every_place - each byte value at every position of every length, two extras */
static void test_alnum_every_place(void **state)
{
    (void)state;
    static const unsigned extra[][2] = {{'-', ' '}, {'_', '.'}, {'Z', 'z'}};
    static const char fill[] = "aZ09-";
    char mem[MAXLEN + 16];
    for (size_t e = 0; e < WB_ARRAY_LEN(extra); e++)
        for (size_t off = 0; off < 8; off += 3) {
            char *s = mem + off;
            for (size_t n = 0; n <= MAXLEN; n++) {
                memset(mem, 0x80, sizeof mem);
                for (size_t i = 0; i < n; i++)
                    s[i] = fill[(i + off) % (sizeof fill - 2)]; /* letters and digits */
                assert_int_equal(str_bytes_alnum(s, n, extra[e][0], extra[e][1]), 1);
                for (size_t p = 0; p < n; p++) {
                    char keep = s[p];
                    for (unsigned c = 0; c < 256; c++) {
                        s[p] = (char)c;
                        int want = ref_alnum(s, n, extra[e][0], extra[e][1]);
                        if (str_bytes_alnum(s, n, extra[e][0], extra[e][1]) != want)
                            fail_msg("str_bytes_alnum '%c%c' n=%zu pos=%zu byte=%#x: not %d",
                                     extra[e][0], extra[e][1], n, p, c, want);
                    }
                    s[p] = keep;
                }
            }
        }
}

/* test_xml_special_every_place - each byte value at every position of every length */
static void test_xml_special_every_place(void **state)
{
    (void)state;
    char mem[MAXLEN + 16];
    for (size_t off = 0; off < 8; off += 5) {
        char *s = mem + off;
        for (size_t n = 0; n <= MAXLEN; n++) {
            memset(mem, '&', sizeof mem); /* specials just outside the span do not count */
            memset(s, 'a', n);
            assert_int_equal(str_xml_special(s, n), 0);
            for (size_t p = 0; p < n; p++) {
                for (unsigned c = 0; c < 256; c++) {
                    s[p] = (char)c;
                    int want = ref_special(s, n);
                    if (str_xml_special(s, n) != want)
                        fail_msg("str_xml_special n=%zu pos=%zu byte=%#x: not %d", n, p, c, want);
                }
                s[p] = 'a';
            }
        }
    }
}

/* test_xml_special_near_misses - bytes one bit away from the specials are not special */
static void test_xml_special_near_misses(void **state)
{
    (void)state;
    assert_int_equal(str_xml_special("\"'%$!#;=?:.,*+-/", 16), 1);
    assert_int_equal(str_xml_special("'%$!#;=?:.,*+-/{", 16), 0);
    assert_int_equal(str_xml_special("\xa6\xa2\xbc\xbe\xa6\xa2\xbc\xbe\xa6", 9), 0);
    assert_int_equal(str_xml_special("\xa6\xa2\xbc\xbe\xa6\xa2\xbc\xbe>", 9), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_in_every_place),
        cmocka_unit_test(test_bytes_in_two_bad),
        cmocka_unit_test(test_alnum_every_place),
        cmocka_unit_test(test_xml_special_every_place),
        cmocka_unit_test(test_xml_special_near_misses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
