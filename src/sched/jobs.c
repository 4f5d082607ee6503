/*
 * jobs.c - the job table and the job context accessors.
 *
 * Owns a fixed table of JOBS_MAX job definitions, filled by flows at start.
 * Error contract: WB_CONFIG for duplicate or malformed names, WB_TOOBIG when
 * full, WB_BADARG for NULL input; never exits. Must never run a job itself:
 * running (fork, timeout, signals) belongs to daemon.c.
 */
#include <string.h>

#include "core/clock.h"
#include "core/wb.h"
#include "sched/jobs.h"
#include "sched/sched_int.h"

static struct job_def table[JOBS_MAX];
static size_t ntable;

/* name_ok - 1 if name is [a-z0-9_-]+ of sane length */
static int name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > JOBS_NAME_MAX)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

/* jobs_register - add a job (copied; strings are not) */
enum wb_status jobs_register(const struct job_def *d)
{
    if (!d || !d->name || !d->run)
        return WB_BADARG;
    if (!name_ok(d->name) || d->default_timeout < 0)
        return WB_CONFIG;
    if (jobs_find(d->name))
        return WB_CONFIG;
    if (ntable >= JOBS_MAX)
        return WB_TOOBIG;
    table[ntable++] = *d;
    return WB_OK;
}

/* jobs_find - the job called name, or NULL */
const struct job_def *jobs_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < ntable; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

/* jobs_count - number of registered jobs */
size_t jobs_count(void)
{
    return ntable;
}

/* jobs_at - the i-th registered job, or NULL */
const struct job_def *jobs_at(size_t i)
{
    return i < ntable ? &table[i] : NULL;
}

/* jobs_clear - empty the table */
void jobs_clear(void)
{
    memset(table, 0, sizeof table);
    ntable = 0;
}

/* jobs_timeout - effective timeout in seconds of d under cfg */
long jobs_timeout(const struct job_def *d, const struct wb_config *cfg)
{
    if (d && d->default_timeout > 0)
        return d->default_timeout;
    if (cfg && cfg->job_timeout > 0)
        return cfg->job_timeout;
    return 900;
}

/* job_ctx_should_stop - 1 once SIGTERM arrived or the deadline passed */
int job_ctx_should_stop(const struct job_ctx *c)
{
    if (!c)
        return 1;
    if (c->stop && *c->stop)
        return 1;
    return c->deadline_ms > 0 && clock_mono_ms() >= c->deadline_ms;
}

/* job_ctx_options - the options text ("" if none) */
const char *job_ctx_options(const struct job_ctx *c)
{
    return c && c->options ? c->options : "";
}

/* job_ctx_config - the configuration in force */
const struct wb_config *job_ctx_config(const struct job_ctx *c)
{
    return c ? c->cfg : NULL;
}

/* job_ctx_name - the name of the running job */
const char *job_ctx_name(const struct job_ctx *c)
{
    return c && c->name ? c->name : "";
}

/* job_ctx_slot - the schedule slot this run is for */
time_t job_ctx_slot(const struct job_ctx *c)
{
    return c ? c->slot : 0;
}

/* job_ctx_deadline_ms - monotonic deadline, 0 if none */
long long job_ctx_deadline_ms(const struct job_ctx *c)
{
    return c ? c->deadline_ms : 0;
}

/* job_ctx_stop_flag - the flag a SIGTERM sets, NULL if none */
volatile sig_atomic_t *job_ctx_stop_flag(const struct job_ctx *c)
{
    return c ? c->stop : NULL;
}
