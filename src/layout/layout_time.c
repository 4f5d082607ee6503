/*
 * layout_time.c - strict date-time parsing in a layout's format and time zone.
 *
 * Owns the per-layout cache of UTC offsets by local hour. A cache miss asks
 * the program's zone engine (core/tz.c, never the TZ variable); a hit costs
 * a table look-up, so a file of a million rows in a few hours of local time
 * pays for a handful of zone look-ups. Ambiguous local times (the repeated
 * hour when clocks go back) resolve to the earlier instant (summer time);
 * local times that do not exist (the skipped hour) are rejected. Not
 * thread-safe (the caches).
 * Returns WB_PERMFAIL for any text that does not match completely; never exits.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/tz.h"
#include "core/wb.h"
#include "layout/layout.h"
#include "layout/layout_int.h"

#define TZC_SLOTS 256

enum { SLOT_EMPTY = 0, SLOT_OK, SLOT_GAP };

struct tzc_slot {
    long long hour; /* local time / 3600, as if it were UTC */
    int state;
    long offset; /* local - UTC, seconds */
};

struct layout_tzcache {
    struct tzc_slot slot[TZC_SLOTS];
    /* the last "YYYY-MM-DD" an ISO time was read on (as words) and its day number: the rows
     * of a file fall on a few days */
    int day_set;
    uint64_t day_a, day_b;
    long long day;
};

/* layout_tzcache_new - cache for a layout's zone (NULL on allocation failure) */
struct layout_tzcache *layout_tzcache_new(void)
{
    return calloc(1, sizeof(struct layout_tzcache));
}

/* layout_tzcache_free - release the cache */
void layout_tzcache_free(struct layout_tzcache *c)
{
    free(c);
}

/* zone_offset - UTC offset of the local wall time c (seconds as if UTC) in zone tz: the
 * earlier instant when c happens twice; SLOT_GAP when it never happens or tz cannot be read */
static int zone_offset(const char *tz, long long c, long *offset)
{
    const struct tz_zone *z;
    long long u[2];
    if (tz_get(tz, &z, NULL) != WB_OK || tz_local(z, c, u) == 0)
        return SLOT_GAP;
    *offset = (long)(c - u[0]);
    return SLOT_OK;
}

/* days_in_month - 28..31 for month 0..11 of year (tm_year) */
static int days_in_month(int mon, int tm_year)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long y = (long)tm_year + 1900;
    if (mon == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[mon];
}

/* wall_valid - 1 if the broken-down time names a real calendar minute */
static int wall_valid(const struct tm *t)
{
    return t->tm_mon >= 0 && t->tm_mon < 12 && t->tm_mday >= 1 &&
           t->tm_mday <= days_in_month(t->tm_mon, t->tm_year) && t->tm_hour >= 0 &&
           t->tm_hour < 24 && t->tm_min >= 0 && t->tm_min < 60 && t->tm_sec >= 0 &&
           t->tm_sec <= 60 && t->tm_year >= 0 && t->tm_year < 8100;
}

/* civil_days - days since 1970-01-01 of year y, month m (1..12), day d */
static long long civil_days(long long y, long long m, long long d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* civil_to_epoch - seconds since 1970 of a valid broken-down UTC time (no libc call) */
static time_t civil_to_epoch(const struct tm *t)
{
    long long days = civil_days((long long)t->tm_year + 1900, t->tm_mon + 1, t->tm_mday);
    return (time_t)(days * 86400 + t->tm_hour * 3600LL + t->tm_min * 60LL + t->tm_sec);
}

/* local_to_utc - convert a wall time in the layout zone to epoch seconds */
static int local_to_utc(const struct layout *l, struct tm *wall, time_t *out)
{
    time_t as_utc = civil_to_epoch(wall);
    if (l->tz_utc) {
        *out = as_utc;
        return WB_OK;
    }
    long long hour = (long long)as_utc / 3600 - ((long long)as_utc % 3600 < 0);
    struct tzc_slot *s = &l->tzc->slot[(unsigned long long)hour % TZC_SLOTS];
    if (s->state == SLOT_EMPTY || s->hour != hour) {
        long off = 0;
        s->state = zone_offset(l->tz, (long long)as_utc - wall->tm_sec, &off);
        s->hour = hour;
        s->offset = off;
    }
    if (s->state != SLOT_OK)
        return WB_NOTFOUND; /* the only other state: a wall time the clock change skipped */
    *out = as_utc - s->offset;
    return WB_OK;
}

/* digits - parse exactly n decimal digits at *p */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return 0;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 1;
}

/* word - the n (4 or 8) bytes at s as a little-endian word ('0' bytes above 4) */
static uint64_t word(const char *s, size_t n)
{
    uint64_t w;
    if (n == 4) {
        uint32_t x;
        memcpy(&x, s, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        x = __builtin_bswap32(x);
#endif
        return 0x3030303000000000ULL | x;
    }
    memcpy(&w, s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* digits_at - 1 if w's bytes under mask (0xFF each) equal sep's and all its other bytes are
 * ASCII digits */
static int digits_at(uint64_t w, uint64_t mask, uint64_t sep)
{
    const uint64_t hi = 0xF0F0F0F0F0F0F0F0ULL, lo = 0x0F0F0F0F0F0F0F0FULL,
                   zeros = 0x3030303030303030ULL;
    if ((w & mask) != sep)
        return 0;
    w = (w & ~mask) | (zeros & mask);
    return (w & hi) == zeros && (((w & lo) + 0x0606060606060606ULL) & hi) == 0;
}

/* at - decimal value of byte i of w (a digit) */
static int at(uint64_t w, int i)
{
    return (int)((w >> (8 * i)) & 0xFF) - '0';
}

/* iso_utc_fast - the usual "YYYY-MM-DDThh:mm:ssZ" (n bytes) read in three words, its day
 * through the cache; 1 with *out, 0 for any other shape or an invalid value (parse_iso then
 * judges the text as it would have) */
static int iso_utc_fast(const struct layout *l, const char *s, size_t n, time_t *out)
{
    if (n != 20)
        return 0;
    uint64_t a = word(s, 8), b = word(s + 8, 8), c = word(s + 16, 4);
    /* "YYYY-MM-" with '-' at bytes 4 and 7; "DDThh:mm" with 'T' at 2, ':' at 5; ":ssZ" */
    if (!digits_at(a, 0xFF0000FF00000000ULL, 0x2D00002D00000000ULL) ||
        !digits_at(b, 0x0000FF0000FF0000ULL, 0x00003A0000540000ULL) ||
        !digits_at(c, 0x00000000FF0000FFULL, 0x000000005A00003AULL))
        return 0;
    int h = at(b, 3) * 10 + at(b, 4), mi = at(b, 6) * 10 + at(b, 7), se = at(c, 1) * 10 + at(c, 2);
    if (h > 23 || mi > 59 || se > 60)
        return 0;
    struct layout_tzcache *tc = l->tzc;
    uint64_t bd = b & 0xFFFF; /* the day's two digits */
    if (!tc || !tc->day_set || tc->day_a != a || tc->day_b != bd) {
        int y = at(a, 0) * 1000 + at(a, 1) * 100 + at(a, 2) * 10 + at(a, 3);
        int mo = at(a, 5) * 10 + at(a, 6), d = at(b, 0) * 10 + at(b, 1);
        if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(mo - 1, y - 1900))
            return 0;
        if (!tc) {
            *out = (time_t)(civil_days(y, mo, d) * 86400 + h * 3600LL + mi * 60LL + se);
            return 1;
        }
        tc->day = civil_days(y, mo, d);
        tc->day_a = a;
        tc->day_b = bd;
        tc->day_set = 1;
    }
    *out = (time_t)(tc->day * 86400 + h * 3600LL + mi * 60LL + se);
    return 1;
}

/* parse_iso - YYYY-MM-DDThh:mm:ss[.frac][Z|+hh:mm|+hhmm|+hh] */
static int parse_iso(const struct layout *l, const char *s, time_t *out)
{
    struct tm tm;
    int y, mo, d, h, mi, se, oh = 0, om = 0;
    memset(&tm, 0, sizeof tm);
    if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
        !digits(&s, 2, &d) || *s++ != 'T' || !digits(&s, 2, &h) || *s++ != ':' ||
        !digits(&s, 2, &mi) || *s++ != ':' || !digits(&s, 2, &se))
        return WB_PERMFAIL;
    if (*s == '.' || *s == ',') {
        s++;
        if (!isdigit((unsigned char)*s))
            return WB_PERMFAIL;
        for (int i = 0; isdigit((unsigned char)*s); i++, s++)
            if (i >= 9)
                return WB_PERMFAIL;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    if (!wall_valid(&tm))
        return WB_PERMFAIL;
    if (*s == '\0')
        return local_to_utc(l, &tm, out);
    int sign = 0;
    if (*s == 'Z' && s[1] == '\0') {
        *out = civil_to_epoch(&tm);
        return WB_OK;
    }
    if (*s == '+')
        sign = 1;
    else if (*s == '-')
        sign = -1;
    else
        return WB_PERMFAIL;
    s++;
    if (!digits(&s, 2, &oh))
        return WB_PERMFAIL;
    if (*s == ':')
        s++;
    if (*s && !digits(&s, 2, &om))
        return WB_PERMFAIL;
    if (*s || oh > 23 || om > 59)
        return WB_PERMFAIL;
    *out = civil_to_epoch(&tm) - sign * (oh * 3600L + om * 60L);
    return WB_OK;
}

/* number - 1..maxd decimal digits at *p into out */
static int number(const char **p, int maxd, int *out)
{
    int v = 0, k = 0;
    while (k < maxd && (*p)[k] >= '0' && (*p)[k] <= '9')
        v = v * 10 + ((*p)[k++] - '0');
    *p += k;
    *out = v;
    return k > 0;
}

/* layout_time_format_check - known conversions only, and every part of a date and time */
const char *layout_time_format_check(const char *fmt)
{
    enum { Y = 1, MON = 2, DAY = 4, H = 8, MIN = 16, ALL = 31 };
    static const struct {
        char c;
        unsigned parts;
    } conv[] = {{'Y', Y},
                {'y', Y},
                {'G', Y},
                {'C', 0},
                {'m', MON},
                {'b', MON},
                {'B', MON},
                {'h', MON},
                {'d', DAY},
                {'e', DAY},
                {'j', MON | DAY},
                {'H', H},
                {'I', H},
                {'k', H},
                {'l', H},
                {'M', MIN},
                {'S', 0},
                {'p', 0},
                {'a', 0},
                {'A', 0},
                {'z', 0},
                {'Z', 0},
                {'n', 0},
                {'t', 0},
                {'%', 0},
                {'D', MON | DAY | Y},
                {'F', Y | MON | DAY},
                {'T', H | MIN},
                {'R', H | MIN},
                {'r', H | MIN},
                {'c', ALL},
                {'U', 0},
                {'W', 0},
                {'V', 0},
                {'u', 0},
                {'w', 0},
                {'g', Y},
                {'s', ALL}};
    unsigned have = 0;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%')
            continue;
        f++;
        if (*f == 'E' || *f == 'O')
            f++;
        if (!*f)
            return "datetime_format ends inside a conversion ('%' at the end)";
        size_t i = 0;
        while (i < sizeof conv / sizeof conv[0] && conv[i].c != *f)
            i++;
        if (i == sizeof conv / sizeof conv[0])
            return "datetime_format has a conversion strptime does not know";
        have |= conv[i].parts;
    }
    if (!(have & Y))
        return "datetime_format reads no year (%Y or %y)";
    if ((have & (MON | DAY)) != (MON | DAY))
        return "datetime_format reads no month and day (%m and %d, or %j)";
    if ((have & H) && !(have & MIN))
        return "datetime_format reads an hour but no minute (%M)";
    return NULL; /* a date alone is midnight of that day in the layout's zone */
}

/* layout_time_fast_ok - 1 if fmt uses only %d %e %m %Y %y %H %M %S %% (parsed without strptime) */
int layout_time_fast_ok(const char *fmt)
{
    for (const char *f = fmt; *f; f++) {
        if (*f != '%')
            continue;
        f++;
        if (!*f || !strchr("demYyHMS%", *f))
            return 0;
    }
    return 1;
}

/* fast_parse - strptime for numeric formats: same fields, exact digits for %Y and %y */
static int fast_parse(const char *fmt, const char *s, struct tm *tm)
{
    int v;
    for (const char *f = fmt; *f; f++) {
        if (isspace((unsigned char)*f)) {
            while (isspace((unsigned char)*s))
                s++;
            continue;
        }
        if (*f != '%' || f[1] == '%') {
            f += *f == '%';
            if (*s++ != *f)
                return 0;
            continue;
        }
        const char *start = s;
        switch (*++f) {
        case 'e':
            if (*s == ' ')
                s++;
            /* fall through */
        case 'd':
            if (!number(&s, 2, &tm->tm_mday))
                return 0;
            break;
        case 'm':
            if (!number(&s, 2, &v))
                return 0;
            tm->tm_mon = v - 1;
            break;
        case 'Y':
            if (!number(&s, 4, &v) || s - start != 4)
                return 0;
            tm->tm_year = v - 1900;
            break;
        case 'y':
            if (!number(&s, 2, &v) || s - start != 2)
                return 0;
            tm->tm_year = v < 69 ? v + 100 : v;
            break;
        case 'H':
            if (!number(&s, 2, &tm->tm_hour))
                return 0;
            break;
        case 'M':
            if (!number(&s, 2, &tm->tm_min))
                return 0;
            break;
        case 'S':
            if (!number(&s, 2, &tm->tm_sec))
                return 0;
            break;
        default:
            return 0;
        }
    }
    return *s == '\0';
}

/* layout_parse_time - strict date-time parse in the layout's format and zone; WB_PERMFAIL if bad */
enum wb_status layout_parse_time(const struct layout *l, const char *text, time_t *out)
{
    if (!text || !*text)
        return WB_PERMFAIL;
    if (l->dt_iso)
        return iso_utc_fast(l, text, strlen(text), out) ? WB_OK : parse_iso(l, text, out);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_mday = 1;
    tm.tm_year = 70;
    if (l->dt_fast) {
        if (!fast_parse(l->dt_format, text, &tm) || !wall_valid(&tm))
            return WB_PERMFAIL;
        return local_to_utc(l, &tm, out);
    }
    const char *e = strptime(text, l->dt_format, &tm);
    if (!e || *e || !wall_valid(&tm))
        return WB_PERMFAIL;
    if (strstr(l->dt_format, "%z")) {
        long off = tm.tm_gmtoff;
        *out = timegm(&tm) - off;
        return WB_OK;
    }
    return local_to_utc(l, &tm, out);
}
