/*
 * test_sched_cron.c - unit tests for the schedule parser, the TZif reader and
 * next-slot arithmetic (midnight, month ends, Europe/London DST 2026, @every).
 * Owns nothing beyond its fake jobs. Must never depend on the TZ variable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/wb.h"
#include "sched/cron.h"
#include "core/tz.h"
#include "sched/jobs.h"

/* noop_job - a fake job */
static int noop_job(struct job_ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    return WB_OK;
}

/* utc - epoch seconds of a UTC date and time */
static time_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return timegm(&tm);
}

/* spec - parse a spec, failing the test on error */
static struct cron_entry spec(const char *s)
{
    struct cron_entry e;
    struct buf err;
    buf_init(&err, 1024);
    int rc = cron_parse_spec(s, &e, &err);
    if (rc != WB_OK)
        fail_msg("spec \"%s\": %s", s, buf_str(&err));
    buf_free(&err);
    return e;
}

/* next - cron_next or fail */
static time_t next(const char *s, const char *tz, time_t after)
{
    struct cron_entry e = spec(s);
    time_t t = 0;
    assert_int_equal(cron_next(&e, tz, after, &t), WB_OK);
    return t;
}

/* setup_jobs - register the fake jobs once */
static int setup_jobs(void **state)
{
    (void)state;
    jobs_clear();
    static const char *const names[] = {"dispatch", "feeds-poll", "sftp-pull", "sftp-push",
                                        "purge"};
    for (size_t i = 0; i < WB_ARRAY_LEN(names); i++) {
        struct job_def d = {names[i], "fake", noop_job, NULL, 0, NULL};
        if (jobs_register(&d) != WB_OK)
            return -1;
    }
    return 0;
}

/* teardown_jobs - empty the table and zone cache */
static int teardown_jobs(void **state)
{
    (void)state;
    jobs_clear();
    tz_cache_clear();
    return 0;
}

/* test_jobs_table - register, find, duplicates, bad names */
static void test_jobs_table(void **state)
{
    (void)state;
    assert_non_null(jobs_find("dispatch"));
    assert_null(jobs_find("nope"));
    assert_int_equal(jobs_count(), 5);
    assert_string_equal(jobs_at(4)->name, "purge");
    assert_null(jobs_at(5));
    struct job_def dup = {"dispatch", "again", noop_job, NULL, 0, NULL};
    assert_int_equal(jobs_register(&dup), WB_CONFIG);
    struct job_def bad = {"Bad Name", "x", noop_job, NULL, 0, NULL};
    assert_int_equal(jobs_register(&bad), WB_CONFIG);
    struct job_def norun = {"x", "x", NULL, NULL, 0, NULL};
    assert_int_equal(jobs_register(&norun), WB_BADARG);
    assert_int_equal(jobs_count(), 5);
}

/* test_parse_file - a full schedule with comments, macros, names, options */
static void test_parse_file(void **state)
{
    (void)state;
    const char *text = "# schedule\n"
                       "\n"
                       "*/5 7-19 * * mon-fri  dispatch   --batch  big  # intraday\n"
                       "@every 1m feeds-poll\n"
                       "@every 2m sftp-pull remote=wms\n"
                       "0,30 * * JAN-Dec * sftp-push\r\n"
                       "30 2 * * *  purge\n"
                       "@daily purge --deep\n";
    struct sched_entry *v;
    size_t n;
    struct buf errs;
    buf_init(&errs, 4096);
    assert_int_equal(cron_parse_text("sched", text, strlen(text), &v, &n, &errs), WB_OK);
    assert_string_equal(buf_str(&errs), "");
    assert_int_equal(n, 6);
    assert_string_equal(v[0].job, "dispatch");
    assert_string_equal(v[0].options, "--batch  big");
    assert_int_equal(v[0].line, 3);
    assert_ptr_equal(v[0].def, jobs_find("dispatch"));
    assert_int_equal(v[0].when.kind, CRON_FIELDS);
    assert_true(v[0].when.minutes == 0x084210842108421ULL);
    assert_int_equal(v[0].when.hours, 0xFFF80);
    assert_int_equal(v[0].when.wdays, 0x3E);
    assert_int_equal(v[1].when.kind, CRON_EVERY);
    assert_int_equal(v[1].when.every, 60);
    assert_string_equal(v[1].options, "");
    assert_string_equal(v[2].options, "remote=wms");
    assert_int_equal(v[3].when.months, 0x1FFE);
    assert_string_equal(v[3].options, "");
    assert_int_equal(v[5].when.hours, 1);
    assert_string_equal(v[5].options, "--deep");
    cron_entries_free(v, n);
    buf_free(&errs);
}

/* test_parse_errors - every bad line reported with its number */
static void test_parse_errors(void **state)
{
    (void)state;
    const char *text = "*/5 * * * * dispatch\n" /* 1 ok */
                       "61 * * * * dispatch\n"  /* 2 minute */
                       "* * * * * nosuchjob\n"  /* 3 unknown job */
                       "# fine\n"               /* 4 */
                       "* * * *\n"              /* 5 too few */
                       "@every 0s purge\n"      /* 6 interval */
                       "@sometimes purge\n"     /* 7 macro */
                       "5-1 * * * * purge\n"    /* 8 backwards */
                       "0 0 30 feb * purge\n"   /* 9 never */
                       "*/0 * * * * purge\n"    /* 10 step */
                       "0 0 * * * \n"           /* 11 no job */
                       "0 0 * * foo purge\n";   /* 12 bad dow */
    struct sched_entry *v = (struct sched_entry *)1;
    size_t n = 99;
    struct buf errs;
    buf_init(&errs, 8192);
    assert_int_equal(cron_parse_text("etc/schedule", text, strlen(text), &v, &n, &errs), WB_CONFIG);
    assert_null(v);
    assert_int_equal(n, 0);
    const char *e = buf_str(&errs);
    static const char *const want[] = {
        "etc/schedule:2: bad minute \"61\"",
        "etc/schedule:3: unknown job \"nosuchjob\" (known: dispatch feeds-poll",
        "etc/schedule:5: expected 5 time fields",
        "etc/schedule:6: bad @every interval \"0s\"",
        "etc/schedule:7: unknown schedule \"@sometimes\"",
        "etc/schedule:8: minute range \"5-1\" runs backwards",
        "etc/schedule:9: day of month never occurs",
        "etc/schedule:10: bad minute step",
        "etc/schedule:11: missing job name",
        "etc/schedule:12: bad day of week \"foo\"",
    };
    for (size_t i = 0; i < WB_ARRAY_LEN(want); i++)
        if (!strstr(e, want[i]))
            fail_msg("missing \"%s\" in:\n%s", want[i], e);
    assert_null(strstr(e, "schedule:1:"));
    assert_null(strstr(e, "schedule:4:"));
    buf_free(&errs);
}

/* test_load_missing - a missing file is WB_NOINPUT with the path */
static void test_load_missing(void **state)
{
    (void)state;
    struct sched_entry *v;
    size_t n;
    struct buf errs;
    buf_init(&errs, 1024);
    assert_int_equal(cron_load("/nonexistent/schedule", &v, &n, &errs), WB_NOINPUT);
    assert_non_null(strstr(buf_str(&errs), "/nonexistent/schedule"));
    buf_free(&errs);
}

/* test_next_basic - midnight crossing, month ends, leap day, dow names */
static void test_next_basic(void **state)
{
    (void)state;
    assert_int_equal(next("30 0 * * *", "UTC", utc(2026, 12, 31, 23, 50)), utc(2027, 1, 1, 0, 30));
    assert_int_equal(next("*/15 * * * *", "UTC", utc(2026, 5, 1, 23, 59)), utc(2026, 5, 2, 0, 0));
    assert_int_equal(next("0 0 31 * *", "UTC", utc(2026, 1, 31, 0, 0)), utc(2026, 3, 31, 0, 0));
    assert_int_equal(next("0 12 29 2 *", "UTC", utc(2026, 3, 1, 0, 0)), utc(2028, 2, 29, 12, 0));
    assert_int_equal(next("0 9 * * mon", "UTC", utc(2026, 11, 23, 9, 0)), utc(2026, 11, 30, 9, 0));
    /* DOM and DOW both restricted: either matches (1st of month or a Sunday) */
    assert_int_equal(next("0 0 1 * sun", "UTC", utc(2026, 11, 23, 0, 0)), utc(2026, 11, 29, 0, 0));
    assert_int_equal(next("0 0 1 * 7", "UTC", utc(2026, 11, 29, 0, 0)), utc(2026, 12, 1, 0, 0));
    assert_int_equal(next("@hourly", "UTC", utc(2026, 6, 30, 23, 0)), utc(2026, 7, 1, 0, 0));
    /* zone offset: 02:30 London in winter is 02:30 UTC, in summer 01:30 UTC */
    assert_int_equal(next("30 2 * * *", "Europe/London", utc(2026, 1, 10, 12, 0)),
                     utc(2026, 1, 11, 2, 30));
    assert_int_equal(next("30 2 * * *", "Europe/London", utc(2026, 7, 10, 12, 0)),
                     utc(2026, 7, 11, 1, 30));
    assert_int_equal(next("0 9 * * *", "America/New_York", utc(2026, 1, 10, 12, 0)),
                     utc(2026, 1, 10, 14, 0));
    /* past the last listed transition the TZif footer rule applies */
    assert_int_equal(next("30 2 * * *", "Europe/London", utc(2045, 7, 10, 12, 0)),
                     utc(2045, 7, 11, 1, 30));
    assert_int_equal(next("30 2 * * *", "Europe/London", utc(2045, 12, 10, 12, 0)),
                     utc(2045, 12, 11, 2, 30));
    assert_int_equal(next("0 12 * * *", "Australia/Sydney", utc(2045, 1, 10, 12, 0)),
                     utc(2045, 1, 11, 1, 0));
    /* linked zone names (tzdata symlinks) load like their targets */
    assert_int_equal(next("0 9 * * *", "US/Eastern", utc(2026, 1, 10, 12, 0)),
                     utc(2026, 1, 10, 14, 0));
    assert_int_equal(next("30 2 * * *", "GB", utc(2026, 7, 10, 12, 0)), utc(2026, 7, 11, 1, 30));
    struct cron_entry e = spec("* * * * *");
    time_t t;
    assert_int_equal(cron_next(&e, "No/Such_Zone", 0, &t), WB_CONFIG);
    assert_int_equal(cron_next(&e, "../etc/passwd", 0, &t), WB_CONFIG);
}

/* runs_between - slots of spec in [from, to), stored in out */
static int runs_between(const char *s, const char *tz, time_t from, time_t to, time_t *out, int max)
{
    struct cron_entry e = spec(s);
    int n = 0;
    time_t t = from - 1;
    while (cron_next(&e, tz, t, &t) == WB_OK && t < to) {
        if (n < max)
            out[n] = t;
        n++;
    }
    return n;
}

/* test_dst_spring - 29 March 2026: 01:30 London does not exist, runs once at 02:00 BST */
static void test_dst_spring(void **state)
{
    (void)state;
    time_t r[8];
    int n = runs_between("30 1 * * *", "Europe/London", utc(2026, 3, 29, 0, 0) - 3600,
                         utc(2026, 3, 29, 23, 0), r, 8);
    assert_int_equal(n, 1);
    assert_int_equal(r[0], utc(2026, 3, 29, 1, 0)); /* 02:00 BST */
    /* days either side run at their 01:30 */
    assert_int_equal(next("30 1 * * *", "Europe/London", utc(2026, 3, 27, 12, 0)),
                     utc(2026, 3, 28, 1, 30));
    assert_int_equal(next("30 1 * * *", "Europe/London", utc(2026, 3, 29, 1, 0)),
                     utc(2026, 3, 30, 0, 30));
    /* hourly-style entries skip the missing hour and keep their rhythm */
    n = runs_between("30 * * * *", "Europe/London", utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 3, 0),
                     r, 8);
    assert_int_equal(n, 4);
    assert_int_equal(r[0], utc(2026, 3, 28, 23, 30));
    assert_int_equal(r[1], utc(2026, 3, 29, 0, 30));
    assert_int_equal(r[2], utc(2026, 3, 29, 1, 30));
    assert_int_equal(r[3], utc(2026, 3, 29, 2, 30));
    /* every five minutes has no hole and no double run around the jump */
    n = runs_between("*/5 * * * *", "Europe/London", utc(2026, 3, 29, 0, 50),
                     utc(2026, 3, 29, 1, 10), r, 8);
    assert_int_equal(n, 4);
    assert_int_equal(r[2], utc(2026, 3, 29, 1, 0));
}

/* test_dst_autumn - 25 October 2026: 01:30 London happens twice, runs once (the first) */
static void test_dst_autumn(void **state)
{
    (void)state;
    time_t r[32];
    int n = runs_between("30 1 * * *", "Europe/London", utc(2026, 10, 24, 12, 0),
                         utc(2026, 10, 25, 23, 0), r, 8);
    assert_int_equal(n, 1);
    assert_int_equal(r[0], utc(2026, 10, 25, 0, 30)); /* 01:30 BST */
    /* asked from inside the repeated hour, the daily job waits for the next day */
    assert_int_equal(next("30 1 * * *", "Europe/London", utc(2026, 10, 25, 0, 45)),
                     utc(2026, 10, 26, 1, 30));
    assert_int_equal(next("30 1 * * *", "Europe/London", utc(2026, 10, 25, 1, 10)),
                     utc(2026, 10, 26, 1, 30));
    /* an interval-like entry runs in both passes, in UTC order, no slot lost */
    n = runs_between("*/15 * * * *", "Europe/London", utc(2026, 10, 25, 0, 0),
                     utc(2026, 10, 25, 2, 0), r, 32);
    assert_int_equal(n, 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(r[i], utc(2026, 10, 25, 0, 0) + i * 900);
    /* a whole year of a 01:30 daily job: exactly one run per London day */
    n = runs_between("30 1 * * *", "Europe/London", utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0),
                     NULL, 0);
    assert_int_equal(n, 365);
}

/* test_every - @every slots are multiples of the interval since the epoch */
static void test_every(void **state)
{
    (void)state;
    struct cron_entry e = spec("@every 5m");
    assert_int_equal(e.every, 300);
    assert_int_equal(next("@every 5m", "Europe/London", utc(2026, 3, 29, 0, 58)),
                     utc(2026, 3, 29, 1, 0));
    assert_int_equal(next("@every 30s", "UTC", 1000), 1020);
    assert_int_equal(next("@every 30s", "UTC", 1020), 1050);
    assert_int_equal(spec("@every 1h30m").every, 5400);
    assert_int_equal(spec("@every 1d").every, 86400);
    struct buf err;
    buf_init(&err, 256);
    assert_int_equal(cron_parse_spec("@every 5x", &e, &err), WB_CONFIG);
    assert_int_equal(cron_parse_spec("@every 400d", &e, &err), WB_CONFIG);
    assert_int_equal(cron_parse_spec("@every", &e, &err), WB_CONFIG);
    assert_int_equal(cron_parse_spec("* * * * * extra", &e, &err), WB_CONFIG);
    buf_free(&err);
}

/* test_prev - latest slot at or before a time, for catch-up */
static void test_prev(void **state)
{
    (void)state;
    struct cron_entry e = spec("30 2 * * *");
    time_t p;
    assert_int_equal(cron_prev(&e, "UTC", utc(2026, 11, 1, 0, 0), utc(2026, 11, 23, 9, 25), &p),
                     WB_OK);
    assert_int_equal(p, utc(2026, 11, 23, 2, 30));
    assert_int_equal(cron_prev(&e, "UTC", utc(2026, 11, 23, 2, 30), utc(2026, 11, 23, 9, 25), &p),
                     WB_NOTFOUND);
    e = spec("0 0 1 1 *");
    assert_int_equal(cron_prev(&e, "UTC", 0, utc(2026, 11, 23, 9, 25), &p), WB_OK);
    assert_int_equal(p, utc(2026, 1, 1, 0, 0));
    e = spec("@every 2m");
    assert_int_equal(cron_prev(&e, "UTC", 0, utc(2026, 11, 23, 9, 25) + 59, &p), WB_OK);
    assert_int_equal(p, utc(2026, 11, 23, 9, 24));
}

/* test_example_schedule - etc/schedule as shipped parses against the production job names */
static void test_example_schedule(void **state)
{
    (void)state;
    const char *root = getenv("WB_ROOT");
    char path[1024];
    snprintf(path, sizeof path, "%s/etc/schedule", root && *root ? root : ".");
    struct sched_entry *v;
    size_t n;
    struct buf errs;
    buf_init(&errs, 4096);
    /* the shipped schedule also runs the flows' jobs beyond the fake table's */
    static struct job_def flow_jobs[] = {
        {"orders", "fake", noop_job, NULL, 0, NULL},
        {"ack", "fake", noop_job, NULL, 0, NULL},
        {"cancel", "fake", noop_job, NULL, 0, NULL},
        {"inventory", "fake", noop_job, NULL, 0, NULL},
        {"settlements", "fake", noop_job, NULL, 0, NULL},
        {"returns", "fake", noop_job, NULL, 0, NULL},
    };
    for (size_t i = 0; i < sizeof flow_jobs / sizeof flow_jobs[0]; i++)
        if (!jobs_find(flow_jobs[i].name))
            assert_int_equal(jobs_register(&flow_jobs[i]), WB_OK);
    int rc = cron_load(path, &v, &n, &errs);
    if (rc == WB_NOINPUT) {
        buf_free(&errs);
        skip();
    }
    if (rc != WB_OK)
        fail_msg("%s", buf_str(&errs));
    assert_true(n >= 6);
    assert_string_equal(v[0].job, "dispatch");
    assert_string_equal(v[1].job, "orders");
    size_t purge = n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].job, "purge") == 0)
            purge = i;
    assert_true(purge < n);
    /* purge at 02:30 London: 02:30Z in winter */
    time_t t;
    assert_int_equal(cron_next(&v[purge].when, "Europe/London", utc(2026, 11, 23, 9, 25), &t),
                     WB_OK);
    assert_int_equal(t, utc(2026, 11, 24, 2, 30));
    cron_entries_free(v, n);
    buf_free(&errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_table),   cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_load_missing),
        cmocka_unit_test(test_next_basic),   cmocka_unit_test(test_dst_spring),
        cmocka_unit_test(test_dst_autumn),   cmocka_unit_test(test_every),
        cmocka_unit_test(test_prev),         cmocka_unit_test(test_example_schedule),
    };
    return cmocka_run_group_tests(tests, setup_jobs, teardown_jobs);
}
