/*
 * cron.h - the schedule file (etc/schedule) and next-slot arithmetic.
 *
 * A line is `MIN HOUR DOM MON DOW  JOB [options...]` (the five standard cron
 * fields with `*`, `,`, `-`, `/`, month and day names, DOW 7 = Sunday), or
 * `@every 30s|5m|2h|1d|1h30m  JOB [options]`, or `@hourly|@daily|@midnight|
 * @weekly|@monthly|@yearly|@annually  JOB [options]`; `#` starts a comment.
 * JOB must be registered in the job table (jobs.h) when the file is parsed.
 *
 * Times are wall times in the configured IANA zone and DST-safe:
 *  - a fixed-time entry (HOUR field not starting with `*`) whose wall time
 *    does not exist (spring forward) runs once, at the first valid instant
 *    after the gap; whose wall time happens twice (fall back) runs once, at
 *    the first occurrence;
 *  - an hour-wildcard entry (`*` or `*\/N` hours) behaves like an interval:
 *    wall times in a gap are skipped, repeated wall times run each time.
 * `@every` intervals are counted in UTC from the epoch (slots at multiples of
 * the interval), so they are unaffected by DST.
 *
 * Error contract: parse errors are appended to errs as "file:line: text"
 * lines and the parse returns WB_CONFIG (all errors of a file are reported);
 * WB_NOMEM, WB_NOINPUT for a missing file; cron_next returns WB_NOTFOUND if
 * no slot exists within 8 years and WB_CONFIG for an unknown zone. Never exits.
 */
#ifndef WB_SCHED_CRON_H
#define WB_SCHED_CRON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "core/wb.h"
#include "sched/jobs.h"

enum cron_kind { CRON_FIELDS = 1, CRON_EVERY = 2 };

struct cron_entry {
    int kind;
    uint64_t minutes; /* bit m for minute 0..59 */
    uint32_t hours;   /* bit h for hour 0..23 */
    uint32_t mdays;   /* bit d for day 1..31 */
    uint32_t months;  /* bit m for month 1..12 */
    uint32_t wdays;   /* bit d for weekday 0..6, 0 = Sunday */
    int dom_star;     /* DOM field was `*` (day matching uses DOW only) */
    int dow_star;     /* DOW field was `*` (day matching uses DOM only) */
    int hour_star;    /* HOUR field starts with `*`: interval-like DST handling */
    long every;       /* CRON_EVERY: seconds */
};

/* one line of the schedule file */
struct sched_entry {
    struct cron_entry when;
    char *job;                 /* job name, registered when parsed */
    char *options;             /* rest of the line after JOB, trimmed ("" if none) */
    const struct job_def *def; /* jobs_find(job) at parse time */
    int line;                  /* line number in the schedule file */
};

/* cron_parse_spec - parse just a time spec ("*\/5 * * * *", "@every 5m") into e */
enum wb_status cron_parse_spec(const char *spec, struct cron_entry *e, struct buf *err);
/* cron_parse_text - parse schedule text (name is used in messages) into a new array */
enum wb_status cron_parse_text(const char *name, const char *text, size_t len,
                               struct sched_entry **out, size_t *n, struct buf *errs);
/* cron_load - read and parse a schedule file into a new array */
enum wb_status cron_load(const char *path, struct sched_entry **out, size_t *n, struct buf *errs);
/* cron_entries_free - release an array from cron_parse_text/cron_load */
void cron_entries_free(struct sched_entry *v, size_t n);
/* cron_next - first slot strictly after `after` of e in zone tz (IANA name) */
enum wb_status cron_next(const struct cron_entry *e, const char *tz, time_t after, time_t *next);
/* cron_prev - latest slot at or before `at` and after `floor` (WB_NOTFOUND if none) */
enum wb_status cron_prev(const struct cron_entry *e, const char *tz, time_t floor, time_t at,
                         time_t *prev);

#endif
