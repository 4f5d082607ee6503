/*
 * fuzz_cron.c - libFuzzer target for the schedule parser and slot arithmetic.
 *
 * Feeds the input bytes to cron_parse_text with a fixed job table, then checks
 * the parser's promises on every entry (known job, trimmed options, bit sets
 * within range) and the slot promises of cron_next/cron_prev for a few
 * instants in UTC and Europe/London (next > after, prev <= at, next of prev
 * is > prev). Owns only its copies; aborts on a broken promise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "sched/cron.h"
#include "sched/jobs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* noop - fake job */
static int noop(struct job_ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    return WB_OK;
}

/* register_jobs - the production job names, once */
static void register_jobs(void)
{
    static int done;
    static const char *const names[] = {"dispatch", "feeds-poll", "sftp-pull", "sftp-push",
                                        "purge"};
    if (done)
        return;
    for (size_t i = 0; i < WB_ARRAY_LEN(names); i++) {
        struct job_def d = {names[i], "fuzz", noop, NULL, 0, NULL};
        jobs_register(&d);
    }
    done = 1;
}

/* check_entry - abort unless e keeps the cron.h promises */
static void check_entry(const struct sched_entry *e)
{
    if (!e->def || !e->job || !e->options || strcmp(e->def->name, e->job) != 0)
        abort();
    size_t n = strlen(e->options);
    if (n && (e->options[0] == ' ' || e->options[0] == '\t' || e->options[n - 1] == ' ' ||
              e->options[n - 1] == '\t'))
        abort();
    const struct cron_entry *c = &e->when;
    if (c->kind == CRON_EVERY) {
        if (c->every < 1 || c->every > 366L * 86400)
            abort();
        return;
    }
    if (c->kind != CRON_FIELDS || !c->minutes || !c->hours || !c->mdays || !c->months || !c->wdays)
        abort();
    if ((c->minutes >> 60) || (c->hours >> 24) || (c->mdays & 1) || (c->months & 1) ||
        (c->months >> 13) || (c->wdays >> 7))
        abort();
}

/* check_slots - next/prev promises at a few instants */
static void check_slots(const struct cron_entry *c)
{
    static const time_t at[] = {1774744200 /* 2026-03-29T00:30Z */,
                                1792976400 /* 2026-10-25T01:00Z */, 1795944450};
    static const char *const zones[] = {"UTC", "Europe/London"};
    for (size_t z = 0; z < WB_ARRAY_LEN(zones); z++) {
        for (size_t i = 0; i < WB_ARRAY_LEN(at); i++) {
            time_t nx, pv, nx2;
            int rc = cron_next(c, zones[z], at[i], &nx);
            if (rc == WB_CONFIG)
                return; /* no tzdata on this machine */
            if (rc != WB_OK || nx <= at[i])
                abort();
            if (cron_next(c, zones[z], nx, &nx2) != WB_OK || nx2 <= nx)
                abort();
            rc = cron_prev(c, zones[z], at[i] - 40L * 86400, at[i], &pv);
            if (rc == WB_OK) {
                if (pv > at[i] || cron_next(c, zones[z], pv, &nx2) != WB_OK || nx2 <= pv)
                    abort();
            } else if (rc != WB_NOTFOUND) {
                abort();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    register_jobs();
    struct sched_entry *v = NULL;
    size_t n = 0;
    struct buf errs;
    buf_init(&errs, 1 << 16);
    int rc = cron_parse_text("fuzz", (const char *)data, size, &v, &n, &errs);
    if (rc == WB_OK) {
        for (size_t i = 0; i < n; i++) {
            check_entry(&v[i]);
            if (i < 4)
                check_slots(&v[i].when);
        }
    } else if (rc != WB_CONFIG || v || n || !errs.len) {
        abort();
    }
    cron_entries_free(v, n);
    buf_free(&errs);
    return 0;
}
