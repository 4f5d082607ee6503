/*
 * tz.c - TZif reader and POSIX TZ rule evaluator: the one zone engine.
 *
 * Owns the zone cache (at most CACHE_MAX zones, oldest dropped first). A zone
 * is the list of transitions of its TZif file (64-bit data when the file has
 * it) and, for instants past the last transition, the footer rule
 * ("GMT0BST,M3.5.0/1,M10.5.0"). Error contract: WB_CONFIG with a sentence in
 * err for bad names or files, WB_NOMEM; never exits. Must never call
 * setenv("TZ"), tzset() or localtime(): the offset is computed here, purely.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/wb.h"
#include "core/tz.h"

#define CACHE_MAX 8
#define TZ_NAME_MAX 128
#define TZ_FILE_MAX (512 * 1024)
#define TZ_TRANS_MAX 20000
#define TZ_TYPES_MAX 256

struct tz_date {
    char kind; /* 'J' (1..365, no Feb 29), 'N' (0..365), 'M' (month.week.day) */
    int n, m, w, d;
    long time; /* seconds after local midnight, may be negative or > 24h */
};

struct tz_zone {
    char name[TZ_NAME_MAX];
    size_t ntrans;
    int64_t *trans;
    unsigned char *idx;
    size_t ntypes;
    long utoff[TZ_TYPES_MAX];
    int has_rule;
    long std_off, dst_off; /* seconds east of UTC */
    int has_dst;
    struct tz_date start, end;
};

static struct tz_zone *cache[CACHE_MAX];

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date */
static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* is_leap - 1 for a Gregorian leap year */
static int is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* month_days - days in month m of year y */
static int month_days(long y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

/* year_of - Gregorian year containing the civil seconds value s */
static long year_of(int64_t s)
{
    int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    long y = (long)(1970 + days / 366);
    while (days_from_civil(y + 1, 1, 1) <= days)
        y++;
    while (days_from_civil(y, 1, 1) > days)
        y--;
    return y;
}

/* be32 - big-endian signed 32-bit value */
static int64_t be32(const unsigned char *p)
{
    uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (int32_t)v;
}

/* be64 - big-endian signed 64-bit value */
static int64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

/* parse_num - digits at *s into v within [0,max]; 0 on success */
static int parse_num(const char **s, long max, long *v)
{
    const char *p = *s;
    long n = 0;
    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9') {
        n = n * 10 + (*p - '0');
        if (n > max)
            return -1;
        p++;
    }
    *s = p;
    *v = n;
    return 0;
}

/* parse_hms - "[+-]hh[:mm[:ss]]" into seconds; 0 on success */
static int parse_hms(const char **s, long maxh, long *out)
{
    const char *p = *s;
    int neg = 0;
    long h, m = 0, sec = 0;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (parse_num(&p, maxh, &h))
        return -1;
    if (*p == ':') {
        p++;
        if (parse_num(&p, 59, &m))
            return -1;
        if (*p == ':') {
            p++;
            if (parse_num(&p, 59, &sec))
                return -1;
        }
    }
    *out = (neg ? -1 : 1) * (h * 3600 + m * 60 + sec);
    *s = p;
    return 0;
}

/* parse_abbr - skip a zone abbreviation ("GMT" or "<+03>"); 0 on success */
static int parse_abbr(const char **s)
{
    const char *p = *s;
    if (*p == '<') {
        while (*p && *p != '>')
            p++;
        if (*p != '>')
            return -1;
        *s = p + 1;
        return 0;
    }
    const char *b = p;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    if (p - b < 3)
        return -1;
    *s = p;
    return 0;
}

/* parse_date - ",Jn", ",n" or ",Mm.w.d" with optional "/time"; 0 on success */
static int parse_date(const char **s, struct tz_date *d)
{
    const char *p = *s;
    long v;
    memset(d, 0, sizeof *d);
    if (*p == 'J') {
        p++;
        d->kind = 'J';
        if (parse_num(&p, 365, &v) || v < 1)
            return -1;
        d->n = (int)v;
    } else if (*p == 'M') {
        long m, w, wd;
        p++;
        d->kind = 'M';
        if (parse_num(&p, 12, &m) || m < 1 || *p++ != '.' || parse_num(&p, 5, &w) || w < 1 ||
            *p++ != '.' || parse_num(&p, 6, &wd))
            return -1;
        d->m = (int)m;
        d->w = (int)w;
        d->d = (int)wd;
    } else {
        d->kind = 'N';
        if (parse_num(&p, 365, &v))
            return -1;
        d->n = (int)v;
    }
    d->time = 7200;
    if (*p == '/') {
        p++;
        if (parse_hms(&p, 167, &d->time))
            return -1;
    }
    *s = p;
    return 0;
}

/* parse_rule - a POSIX TZ string into z's rule fields; 0 on success */
static int parse_rule(struct tz_zone *z, const char *s)
{
    long off;
    if (parse_abbr(&s) || parse_hms(&s, 24, &off))
        return -1;
    z->std_off = -off;
    z->has_rule = 1;
    if (!*s)
        return 0;
    if (parse_abbr(&s))
        return -1;
    z->has_dst = 1;
    z->dst_off = z->std_off + 3600;
    if (*s && *s != ',') {
        if (parse_hms(&s, 24, &off))
            return -1;
        z->dst_off = -off;
    }
    if (!*s) { /* no rule given: the POSIX default (US rules) */
        const char *def = "M3.2.0,M11.1.0";
        if (parse_date(&def, &z->start) || *def++ != ',' || parse_date(&def, &z->end))
            return -1;
        return 0;
    }
    if (*s++ != ',' || parse_date(&s, &z->start) || *s++ != ',' || parse_date(&s, &z->end))
        return -1;
    return *s ? -1 : 0;
}

/* rule_day - days since the epoch of date d in year y (local midnight) */
static long rule_day(const struct tz_date *d, long y)
{
    long jan1 = days_from_civil(y, 1, 1);
    if (d->kind == 'J') {
        long n = d->n - 1;
        if (is_leap(y) && d->n >= 60)
            n++;
        return jan1 + n;
    }
    if (d->kind == 'N')
        return jan1 + d->n;
    long first = days_from_civil(y, d->m, 1);
    int wd = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    long day = 1 + (d->d - wd + 7) % 7 + (long)(d->w - 1) * 7;
    if (day > month_days(y, d->m))
        day -= 7;
    return first + day - 1;
}

/* rule_offset - offset at t from the footer rule */
static long rule_offset(const struct tz_zone *z, time_t t)
{
    if (!z->has_dst)
        return z->std_off;
    long y = year_of((int64_t)t + z->std_off);
    int64_t start = (int64_t)rule_day(&z->start, y) * 86400 + z->start.time - z->std_off;
    int64_t end = (int64_t)rule_day(&z->end, y) * 86400 + z->end.time - z->dst_off;
    int in_dst;
    if (start < end)
        in_dst = (int64_t)t >= start && (int64_t)t < end;
    else
        in_dst = !((int64_t)t >= end && (int64_t)t < start);
    return in_dst ? z->dst_off : z->std_off;
}

/* tz_offset - seconds east of UTC in force at instant t */
long tz_offset(const struct tz_zone *z, time_t t)
{
    if (!z)
        return 0;
    if (z->ntrans == 0 || (int64_t)t < z->trans[0]) {
        if (z->ntrans == 0 && z->has_rule)
            return rule_offset(z, t);
        return z->ntypes ? z->utoff[0] : (z->has_rule ? z->std_off : 0);
    }
    if ((int64_t)t >= z->trans[z->ntrans - 1] && z->has_rule)
        return rule_offset(z, t);
    size_t lo = 0, hi = z->ntrans; /* last transition <= t */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= (int64_t)t)
            lo = mid;
        else
            hi = mid;
    }
    return z->utoff[z->idx[lo]];
}

/* tz_local - instants at which z shows civil time c: the offsets a day before and a day after
 * are the candidates (zones change at most once in two days) */
int tz_local(const struct tz_zone *z, long long c, long long u[2])
{
    long oe = tz_offset(z, (time_t)(c - 86400)), ol = tz_offset(z, (time_t)(c + 86400));
    long long u1 = c - oe, u2 = c - ol;
    int n = 0;
    if (u1 + tz_offset(z, (time_t)u1) == c)
        u[n++] = u1;
    if (oe != ol && u2 + tz_offset(z, (time_t)u2) == c)
        u[n++] = u2;
    if (n == 2 && u[0] > u[1]) {
        long long x = u[0];
        u[0] = u[1];
        u[1] = x;
    }
    return n;
}

/* zone_free - release one zone */
static void zone_free(struct tz_zone *z)
{
    if (!z)
        return;
    free(z->trans);
    free(z->idx);
    free(z);
}

/* parse_tzif - fill z from the bytes of a TZif file; 0 on success */
static int parse_tzif(struct tz_zone *z, const unsigned char *p, size_t len)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    int version = p[4];
    size_t tsize = 4;
    if (version >= '2') { /* skip the v1 block, use the 64-bit one */
        size_t isut = (size_t)be32(p + 20), isstd = (size_t)be32(p + 24),
               leap = (size_t)be32(p + 28);
        size_t tc = (size_t)be32(p + 32), ty = (size_t)be32(p + 36), ch = (size_t)be32(p + 40);
        if (tc > TZ_TRANS_MAX || ty > TZ_TYPES_MAX || ch > 65536 || leap > 65536 ||
            isut > TZ_TYPES_MAX || isstd > TZ_TYPES_MAX)
            return -1;
        size_t skip = 44 + tc * 5 + ty * 6 + ch + leap * 8 + isstd + isut;
        if (skip + 44 > len || memcmp(p + skip, "TZif", 4) != 0)
            return -1;
        p += skip;
        len -= skip;
        tsize = 8;
    }
    size_t isut = (size_t)be32(p + 20), isstd = (size_t)be32(p + 24), leap = (size_t)be32(p + 28);
    size_t tc = (size_t)be32(p + 32), ty = (size_t)be32(p + 36), ch = (size_t)be32(p + 40);
    if (tc > TZ_TRANS_MAX || ty == 0 || ty > TZ_TYPES_MAX || ch > 65536 || leap > 65536 ||
        isut > TZ_TYPES_MAX || isstd > TZ_TYPES_MAX)
        return -1;
    size_t need = 44 + tc * tsize + tc + ty * 6 + ch + leap * (tsize + 4) + isstd + isut;
    if (need > len)
        return -1;
    const unsigned char *tp = p + 44, *ip = tp + tc * tsize, *typ = ip + tc;
    z->trans = malloc((tc ? tc : 1) * sizeof *z->trans);
    z->idx = malloc(tc ? tc : 1);
    if (!z->trans || !z->idx)
        return -2;
    for (size_t i = 0; i < tc; i++) {
        z->trans[i] = tsize == 8 ? be64(tp + i * 8) : be32(tp + i * 4);
        if (ip[i] >= ty || (i && z->trans[i] <= z->trans[i - 1]))
            return -1;
        z->idx[i] = ip[i];
    }
    z->ntrans = tc;
    z->ntypes = ty;
    for (size_t i = 0; i < ty; i++) {
        int64_t off = be32(typ + i * 6);
        if (off < -26 * 3600 || off > 26 * 3600)
            return -1;
        z->utoff[i] = (long)off;
    }
    if (tsize == 8 && need < len && p[need] == '\n') { /* footer rule */
        const unsigned char *f = p + need + 1;
        const unsigned char *nl = memchr(f, '\n', len - need - 1);
        if (nl && nl > f) {
            char rule[128];
            size_t n = (size_t)(nl - f);
            if (n >= sizeof rule)
                return -1;
            memcpy(rule, f, n);
            rule[n] = '\0';
            if (parse_rule(z, rule) != 0)
                return -1;
        }
    }
    return 0;
}

/* name_ok - 1 if name is a plausible IANA zone name (no escape from TZDIR) */
static int name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= TZ_NAME_MAX || name[0] == '/' || name[0] == '.' || strstr(name, ".."))
        return 0;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+' || c == '.'))
            return 0;
    }
    return 1;
}

/* read_zone_file - whole zone file into b; follows symlinks (tzdata links zones, e.g. UTC) */
static int read_zone_file(const char *path, struct buf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return WB_NOINPUT;
    struct stat st;
    int rc = WB_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return WB_NOINPUT;
    }
    char chunk[8192];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = WB_IOERR;
            break;
        }
        if (n == 0)
            break;
        if ((rc = buf_append(b, chunk, (size_t)n)) != WB_OK)
            break;
    }
    close(fd);
    return rc;
}

/* load_zone - read and parse the zone file for name */
static int load_zone(const char *name, struct tz_zone **out, struct buf *err)
{
    struct tz_zone *z = calloc(1, sizeof *z);
    if (!z)
        return WB_NOMEM;
    memcpy(z->name, name, strlen(name) + 1);
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    char path[1024];
    int rc = fs_join(path, sizeof path, dir, name);
    struct buf b;
    buf_init(&b, TZ_FILE_MAX);
    if (rc == WB_OK)
        rc = read_zone_file(path, &b);
    if (rc != WB_OK) {
        buf_free(&b);
        if (strcmp(name, "UTC") == 0 || strcmp(name, "GMT") == 0 || strcmp(name, "Etc/UTC") == 0) {
            z->has_rule = 1; /* no tzdata installed: UTC needs none */
            *out = z;
            return WB_OK;
        }
        zone_free(z);
        if (err)
            buf_appendf(err, "unknown time zone \"%s\" (no file %s)", name, path);
        return WB_CONFIG;
    }
    int prc = b.data ? parse_tzif(z, (const unsigned char *)b.data, b.len) : -1;
    buf_free(&b);
    if (prc != 0) {
        zone_free(z);
        if (prc == -2)
            return WB_NOMEM;
        if (err)
            buf_appendf(err, "time zone \"%s\": %s is not a valid TZif file", name, path);
        return WB_CONFIG;
    }
    *out = z;
    return WB_OK;
}

/* tz_get - the zone called name (cached) */
enum wb_status tz_get(const char *name, const struct tz_zone **out, struct buf *err)
{
    if (!name || !*name)
        name = "UTC";
    for (size_t i = 0; i < CACHE_MAX; i++) {
        if (cache[i] && strcmp(cache[i]->name, name) == 0) {
            *out = cache[i];
            return WB_OK;
        }
    }
    if (!name_ok(name)) {
        if (err)
            buf_appendf(err, "bad time zone name \"%s\"", name);
        return WB_CONFIG;
    }
    struct tz_zone *z;
    int rc = load_zone(name, &z, err);
    if (rc != WB_OK)
        return rc;
    zone_free(cache[CACHE_MAX - 1]);
    memmove(cache + 1, cache, (CACHE_MAX - 1) * sizeof cache[0]);
    cache[0] = z;
    *out = z;
    return WB_OK;
}

/* tz_cache_clear - forget every loaded zone */
void tz_cache_clear(void)
{
    for (size_t i = 0; i < CACHE_MAX; i++) {
        zone_free(cache[i]);
        cache[i] = NULL;
    }
}
