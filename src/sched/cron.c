/*
 * cron.c - schedule file parser and DST-safe next-slot computation.
 *
 * Owns the parsing of etc/schedule into struct sched_entry arrays and the
 * slot arithmetic. Slots are searched in civil (wall-clock) time, one
 * candidate minute at a time, and each candidate is mapped back to UTC with
 * the zone's offsets (core/tz.c): 0 instants = DST gap, 2 instants = DST
 * overlap; see cron.h for what each kind of entry does then. Because an
 * overlap makes civil order differ from UTC order, the search keeps the
 * earliest UTC instant and stops MARGIN seconds of civil time after it.
 * Error contract: "file:line: text" lines into errs + WB_CONFIG; WB_NOMEM;
 * never exits. Must never consult TZ/tzset/localtime or open spool files.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/fsutil.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "sched/cron.h"
#include "core/tz.h"

#define LINE_MAX_LEN 1024
#define FILE_MAX (1024 * 1024)
#define MARGIN (3 * 3600)         /* largest DST step back the search allows for */
#define SEARCH_DAYS (366 * 8 + 2) /* horizon: Feb 29 on a given weekday fits */
#define EVERY_MAX (366L * 86400)  /* longest @every interval */
#define ENTRIES_MAX 4096

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct field_def {
    const char *what;
    int lo, hi;
    const char *const *names; /* names[0] is value lo (months: 1, days: 0) */
    int nnames;
};

static const struct field_def fields[5] = {
    {"minute", 0, 59, NULL, 0},          {"hour", 0, 23, NULL, 0},
    {"day of month", 1, 31, NULL, 0},    {"month", 1, 12, month_names, 12},
    {"day of week", 0, 7, day_names, 7},
};

/* parse_value - number or name at *s within the field's range; 0 on success */
static int parse_value(const char **s, const struct field_def *f, int *v)
{
    const char *p = *s;
    if (isdigit((unsigned char)*p)) {
        long n = 0;
        while (isdigit((unsigned char)*p)) {
            n = n * 10 + (*p - '0');
            if (n > 1000)
                return -1;
            p++;
        }
        if (n < f->lo || n > f->hi)
            return -1;
        *v = (int)n;
        *s = p;
        return 0;
    }
    for (int i = 0; i < f->nnames; i++) {
        if (strncasecmp(p, f->names[i], 3) == 0 && !isalpha((unsigned char)p[3])) {
            *v = f->lo + i;
            *s = p + 3;
            return 0;
        }
    }
    return -1;
}

/* parse_field - one cron field into a bit set; 0 on success, else err text */
static int parse_field(const char *s, const struct field_def *f, uint64_t *bits, struct buf *err)
{
    uint64_t set = 0;
    const char *p = s;
    for (;;) {
        int a, b, step = 1;
        if (*p == '*') {
            a = f->lo;
            b = f->hi;
            p++;
        } else {
            if (parse_value(&p, f, &a)) {
                buf_appendf(err, "bad %s \"%s\"", f->what, s);
                return -1;
            }
            b = a;
            if (*p == '-') {
                p++;
                if (parse_value(&p, f, &b)) {
                    buf_appendf(err, "bad %s range \"%s\"", f->what, s);
                    return -1;
                }
                if (b < a) {
                    buf_appendf(err, "%s range \"%s\" runs backwards", f->what, s);
                    return -1;
                }
            } else if (*p == '/') {
                b = f->hi; /* "N/step" means N to the end */
            }
        }
        if (*p == '/') {
            p++;
            long n = 0;
            if (!isdigit((unsigned char)*p)) {
                buf_appendf(err, "bad %s step \"%s\"", f->what, s);
                return -1;
            }
            while (isdigit((unsigned char)*p)) {
                n = n * 10 + (*p - '0');
                if (n > 1000)
                    break;
                p++;
            }
            if (n < 1 || n > f->hi - f->lo + 1) {
                buf_appendf(err, "bad %s step \"%s\"", f->what, s);
                return -1;
            }
            step = (int)n;
        }
        for (int v = a; v <= b; v += step)
            set |= (uint64_t)1 << (f == &fields[4] && v == 7 ? 0 : v);
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p) {
            buf_appendf(err, "bad %s \"%s\"", f->what, s);
            return -1;
        }
        break;
    }
    *bits = set;
    return 0;
}

/* parse_every - "30s", "5m", "1h30m", "2d" into seconds; 0 on success */
static int parse_every(const char *s, long *out)
{
    long total = 0;
    if (!*s)
        return -1;
    while (*s) {
        long n = 0;
        if (!isdigit((unsigned char)*s))
            return -1;
        while (isdigit((unsigned char)*s)) {
            n = n * 10 + (*s - '0');
            if (n > EVERY_MAX)
                return -1;
            s++;
        }
        long unit;
        switch (*s) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            return -1;
        }
        s++;
        if (n > EVERY_MAX / unit)
            return -1;
        total += n * unit;
        if (total > EVERY_MAX)
            return -1;
    }
    if (total < 1)
        return -1;
    *out = total;
    return 0;
}

/* can_match - 1 if some month in the set has some day of the DOM set */
static int can_match(const struct cron_entry *e)
{
    if (!e->dow_star && !e->dom_star)
        return 1; /* either-or: weekdays always come round */
    if (e->dom_star)
        return 1;
    static const int maxd[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++) {
        if (!(e->months >> m & 1))
            continue;
        for (int d = 1; d <= maxd[m - 1]; d++)
            if (e->mdays >> d & 1)
                return 1;
    }
    return 0;
}

/* split_words - split s in place at blanks into at most max words; returns count */
static int split_words(char *s, char **w, int max, char **rest_after)
{
    int n = 0;
    char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || n == max)
            break;
        w[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (rest_after)
            rest_after[n - 1] = p;
        if (!*p)
            break;
        *p++ = '\0';
    }
    return n;
}

/* parse_spec_words - the time spec in words w[0..] into e; returns words used, -1 on error */
static int parse_spec_words(char **w, int nw, struct cron_entry *e, struct buf *err)
{
    static const struct {
        const char *name;
        const char *spec[5];
    } macros[] = {
        {"@hourly", {"0", "*", "*", "*", "*"}},   {"@daily", {"0", "0", "*", "*", "*"}},
        {"@midnight", {"0", "0", "*", "*", "*"}}, {"@weekly", {"0", "0", "*", "*", "0"}},
        {"@monthly", {"0", "0", "1", "*", "*"}},  {"@yearly", {"0", "0", "1", "1", "*"}},
        {"@annually", {"0", "0", "1", "1", "*"}},
    };
    memset(e, 0, sizeof *e);
    if (nw < 1) {
        buf_appends(err, "empty time spec");
        return -1;
    }
    const char *const *spec = NULL;
    int used = 5;
    if (w[0][0] == '@') {
        if (strcmp(w[0], "@every") == 0) {
            if (nw < 2 || parse_every(w[1], &e->every) != 0) {
                buf_appendf(err, "bad @every interval \"%s\" (use e.g. 30s, 5m, 1h30m, 1d)",
                            nw < 2 ? "" : w[1]);
                return -1;
            }
            e->kind = CRON_EVERY;
            return 2;
        }
        for (size_t i = 0; i < WB_ARRAY_LEN(macros); i++)
            if (strcmp(w[0], macros[i].name) == 0)
                spec = macros[i].spec;
        if (!spec) {
            buf_appendf(err, "unknown schedule \"%s\"", w[0]);
            return -1;
        }
        used = 1;
    } else if (nw < 5) {
        buf_appends(err, "expected 5 time fields (MIN HOUR DOM MON DOW)");
        return -1;
    }
    const char *f[5];
    for (int i = 0; i < 5; i++)
        f[i] = spec ? spec[i] : w[i];
    uint64_t bits[5];
    for (int i = 0; i < 5; i++)
        if (parse_field(f[i], &fields[i], &bits[i], err) != 0)
            return -1;
    e->kind = CRON_FIELDS;
    e->minutes = bits[0];
    e->hours = (uint32_t)bits[1];
    e->mdays = (uint32_t)bits[2];
    e->months = (uint32_t)bits[3];
    e->wdays = (uint32_t)bits[4];
    e->dom_star = f[2][0] == '*';
    e->dow_star = f[4][0] == '*';
    e->hour_star = f[1][0] == '*';
    if (!can_match(e)) {
        buf_appends(err, "day of month never occurs in the given months");
        return -1;
    }
    return used;
}

/* cron_parse_spec - parse just a time spec into e */
enum wb_status cron_parse_spec(const char *spec, struct cron_entry *e, struct buf *err)
{
    char tmp[LINE_MAX_LEN];
    char *w[7];
    struct buf scratch;
    buf_init(&scratch, 512);
    if (!err)
        err = &scratch;
    if (str_copy(tmp, sizeof tmp, spec) != WB_OK) {
        buf_appends(err, "time spec too long");
        buf_free(&scratch);
        return WB_CONFIG;
    }
    int nw = split_words(tmp, w, 7, NULL);
    int used = parse_spec_words(w, nw, e, err);
    if (used >= 0 && used != nw) {
        buf_appends(err, "unexpected text after the time spec");
        used = -1;
    }
    buf_free(&scratch);
    return used < 0 ? WB_CONFIG : WB_OK;
}

/* parse_line - one non-comment line into ent; 0 ok, -1 error (text in msg), -2 no memory */
static int parse_line(const char *line, struct sched_entry *ent, struct buf *msg)
{
    char copy[LINE_MAX_LEN], *w[7], *ends[7];
    if (str_copy(copy, sizeof copy, line) != WB_OK) {
        buf_appends(msg, "line too long");
        return -1;
    }
    int nw = split_words(copy, w, 7, ends);
    int used = parse_spec_words(w, nw, &ent->when, msg);
    if (used < 0)
        return -1;
    if (used >= nw) {
        buf_appends(msg, "missing job name");
        return -1;
    }
    const char *job = w[used];
    ent->def = jobs_find(job);
    if (!ent->def) {
        buf_appendf(msg, "unknown job \"%.*s\"", JOBS_NAME_MAX, job);
        if (jobs_count()) {
            buf_appends(msg, " (known:");
            for (size_t i = 0; i < jobs_count(); i++)
                buf_appendf(msg, " %s", jobs_at(i)->name);
            buf_appends(msg, ")");
        }
        return -1;
    }
    /* options: everything after the job word, taken from the uncut line */
    const char *rest = line + (ends[used] - copy);
    ent->job = str_dup(job);
    ent->options = str_dup(rest);
    if (!ent->job || !ent->options) {
        free(ent->job);
        free(ent->options);
        ent->job = ent->options = NULL;
        return -2;
    }
    str_trim(ent->options);
    return 0;
}

/* cron_parse_text - parse schedule text into a new array */
enum wb_status cron_parse_text(const char *name, const char *text, size_t len,
                               struct sched_entry **out, size_t *n, struct buf *errs)
{
    struct sched_entry *v = NULL;
    size_t nv = 0, cap = 0;
    int failed = 0, lineno = 0;
    struct buf msg;
    buf_init(&msg, 2048);
    *out = NULL;
    *n = 0;
    if (!name)
        name = "schedule";
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
        const char *lp = text + pos;
        pos += ll + (nl ? 1 : 0);
        lineno++;
        if (ll && lp[ll - 1] == '\r')
            ll--;
        if (ll >= LINE_MAX_LEN) {
            buf_appendf(errs, "%s:%d: line longer than %d bytes\n", name, lineno, LINE_MAX_LEN - 1);
            failed = 1;
            continue;
        }
        char line[LINE_MAX_LEN];
        memcpy(line, lp, ll);
        line[ll] = '\0';
        if (memchr(line, '\0', ll)) {
            buf_appendf(errs, "%s:%d: NUL byte in line\n", name, lineno);
            failed = 1;
            continue;
        }
        str_trim(str_strip_comment(line));
        if (!line[0])
            continue;
        if (nv == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            if (ncap > ENTRIES_MAX) {
                buf_appendf(errs, "%s:%d: more than %d entries\n", name, lineno, ENTRIES_MAX);
                failed = 1;
                break;
            }
            struct sched_entry *nvv = realloc(v, ncap * sizeof *v);
            if (!nvv) {
                cron_entries_free(v, nv);
                buf_free(&msg);
                return WB_NOMEM;
            }
            v = nvv;
            cap = ncap;
        }
        struct sched_entry *ent = &v[nv];
        memset(ent, 0, sizeof *ent);
        buf_reset(&msg);
        int rc = parse_line(line, ent, &msg);
        if (rc == -2) {
            cron_entries_free(v, nv);
            buf_free(&msg);
            return WB_NOMEM;
        }
        if (rc != 0) {
            buf_appendf(errs, "%s:%d: %s\n", name, lineno, buf_str(&msg));
            failed = 1;
            continue;
        }
        ent->line = lineno;
        nv++;
    }
    buf_free(&msg);
    if (failed) {
        cron_entries_free(v, nv);
        return WB_CONFIG;
    }
    *out = v;
    *n = nv;
    return WB_OK;
}

/* cron_load - read and parse a schedule file into a new array */
enum wb_status cron_load(const char *path, struct sched_entry **out, size_t *n, struct buf *errs)
{
    struct buf b;
    buf_init(&b, FILE_MAX);
    int rc = fs_read_file(path, &b);
    if (rc != WB_OK) {
        buf_appendf(errs, "%s: cannot read schedule (%s)\n", path, wb_status_str(rc));
        buf_free(&b);
        *out = NULL;
        *n = 0;
        return rc == WB_TOOBIG ? WB_CONFIG : rc;
    }
    rc = cron_parse_text(path, b.data ? b.data : "", b.len, out, n, errs);
    buf_free(&b);
    return rc;
}

/* cron_entries_free - release an array from cron_parse_text/cron_load */
void cron_entries_free(struct sched_entry *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].job);
        free(v[i].options);
    }
    free(v);
}

/* day_matches - 1 if the civil day (month m, day d, weekday wd) is in the entry */
static int day_matches(const struct cron_entry *e, int m, int d, int wd)
{
    if (!(e->months >> m & 1))
        return 0;
    int dom = (int)(e->mdays >> d & 1), dow = (int)(e->wdays >> wd & 1);
    if (e->dom_star && e->dow_star)
        return 1;
    if (e->dom_star)
        return dow;
    if (e->dow_star)
        return dom;
    return dom || dow;
}

/* resolve - earliest instant > after that civil minute c means for e; 1 if found */
static int resolve(const struct tz_zone *z, const struct cron_entry *e, long long c,
                   long long after, long long *u)
{
    long long at[2];
    int n = tz_local(z, c, at);
    if (n == 2) { /* overlap: the wall time happens twice */
        if (at[0] > after) {
            *u = at[0];
            return 1;
        }
        if (e->hour_star && at[1] > after) {
            *u = at[1];
            return 1;
        }
        return 0;
    }
    if (n == 1) {
        if (at[0] > after) {
            *u = at[0];
            return 1;
        }
        return 0;
    }
    long oe = tz_offset(z, (time_t)(c - 86400)), ol = tz_offset(z, (time_t)(c + 86400));
    if (e->hour_star || oe == ol)
        return 0; /* gap: interval-like entries skip it */
    /* gap: the first instant whose civil time is past c, i.e. the transition */
    long long lo = c - (ol > oe ? ol : oe), hi = c - (ol > oe ? oe : ol);
    long off_lo = tz_offset(z, (time_t)lo);
    if (tz_offset(z, (time_t)hi) == off_lo)
        return 0;
    while (hi - lo > 1) { /* offset(lo) = before, offset(hi) = after */
        long long mid = lo + (hi - lo) / 2;
        if (tz_offset(z, (time_t)mid) == off_lo)
            lo = mid;
        else
            hi = mid;
    }
    if (hi > after) {
        *u = hi;
        return 1;
    }
    return 0;
}

/* floor_div - floor(a / b) for b > 0 */
static long long floor_div(long long a, long long b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* cron_next - first slot strictly after `after` of e in zone tz */
enum wb_status cron_next(const struct cron_entry *e, const char *tz, time_t after, time_t *next)
{
    if (!e || !next)
        return WB_BADARG;
    if (e->kind == CRON_EVERY) {
        if (e->every < 1)
            return WB_BADARG;
        *next = (time_t)((floor_div((long long)after, e->every) + 1) * e->every);
        return WB_OK;
    }
    if (e->kind != CRON_FIELDS)
        return WB_BADARG;
    const struct tz_zone *z;
    int rc = tz_get(tz, &z, NULL);
    if (rc != WB_OK)
        return rc;
    long long a = (long long)after;
    long long cstart = a + tz_offset(z, after) - MARGIN;
    long long day0 = floor_div(cstart, 86400);
    long long best = 0, best_civil = 0;
    int found = 0;
    for (long long day = day0; day < day0 + SEARCH_DAYS; day++) {
        if (found && day * 86400 > best_civil + MARGIN)
            break;
        time_t dt = (time_t)(day * 86400);
        struct tm tm;
        if (!gmtime_r(&dt, &tm))
            return WB_NOTFOUND;
        if (!day_matches(e, tm.tm_mon + 1, tm.tm_mday, tm.tm_wday))
            continue;
        for (int h = 0; h < 24; h++) {
            if (!(e->hours >> h & 1))
                continue;
            for (int mi = 0; mi < 60; mi++) {
                if (!(e->minutes >> mi & 1))
                    continue;
                long long c = day * 86400 + h * 3600 + mi * 60;
                if (c < cstart)
                    continue;
                if (found && c > best_civil + MARGIN)
                    break;
                long long u;
                if (resolve(z, e, c, a, &u) && (!found || u < best)) {
                    best = u;
                    best_civil = c;
                    found = 1;
                }
            }
        }
    }
    if (!found)
        return WB_NOTFOUND;
    *next = (time_t)best;
    return WB_OK;
}

/* cron_prev - latest slot at or before `at` and after `floor` */
enum wb_status cron_prev(const struct cron_entry *e, const char *tz, time_t floor, time_t at,
                         time_t *prev)
{
    static const long windows[] = {600,        3 * 3600,    2 * 86400,
                                   35 * 86400, 370 * 86400, SEARCH_DAYS * 86400L};
    if (!e || !prev)
        return WB_BADARG;
    if (at <= floor)
        return WB_NOTFOUND;
    if (e->kind == CRON_EVERY) {
        if (e->every < 1)
            return WB_BADARG;
        long long s = floor_div((long long)at, e->every) * e->every;
        if (s <= (long long)floor)
            return WB_NOTFOUND;
        *prev = (time_t)s;
        return WB_OK;
    }
    for (size_t i = 0; i < WB_ARRAY_LEN(windows); i++) {
        time_t start = at - windows[i];
        if (start < floor)
            start = floor;
        time_t s, nx;
        int rc = cron_next(e, tz, start, &s);
        if (rc == WB_NOTFOUND || (rc == WB_OK && s > at)) {
            if (start == floor)
                return WB_NOTFOUND;
            continue;
        }
        if (rc != WB_OK)
            return rc;
        while ((rc = cron_next(e, tz, s, &nx)) == WB_OK && nx <= at)
            s = nx;
        if (rc != WB_OK && rc != WB_NOTFOUND)
            return rc;
        *prev = s;
        return WB_OK;
    }
    return WB_NOTFOUND;
}
