/*
 * jobs.h - the job table: the plug-in point where flows register their jobs.
 *
 * Owns the process-wide table of job definitions (name, help, entry point,
 * argument, default timeout) and the job context handed to a running job.
 * Flows call jobs_register() at start; the schedule parser and the daemon look
 * jobs up by name. Error contract: WB_CONFIG for a duplicate or malformed
 * name, WB_TOOBIG when the table is full, WB_BADARG for NULL input; never
 * exits. A job must never sleep waiting for time to pass or install its own
 * SIGTERM handler: it checks job_ctx_should_stop() between steps and returns.
 */
#ifndef WB_SCHED_JOBS_H
#define WB_SCHED_JOBS_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "core/conf.h"
#include "core/wb.h"

#define JOBS_MAX 64
#define JOBS_NAME_MAX 48

struct job_ctx; /* opaque to jobs: config, options, deadline, stop flag */

struct job_def {
    const char *name; /* [a-z0-9_-]+, at most JOBS_NAME_MAX bytes; must outlive the table */
    const char *help; /* one line for --help and status */
    int (*run)(struct job_ctx *ctx, void *arg); /* returns a WB_* status */
    void *arg;
    int default_timeout; /* seconds; 0 = the config's job_timeout */
    const char *group;   /* jobs of one group never run at the same time (NULL: no group) */
};

/* jobs_register - add a job (copied; strings are not); duplicate name -> WB_CONFIG */
enum wb_status jobs_register(const struct job_def *d);
/* jobs_find - the job called name, or NULL */
const struct job_def *jobs_find(const char *name);
/* jobs_count - number of registered jobs */
size_t jobs_count(void);
/* jobs_at - the i-th registered job (registration order), or NULL */
const struct job_def *jobs_at(size_t i);
/* jobs_clear - empty the table (tests; a re-exec'ing daemon) */
void jobs_clear(void);
/* jobs_timeout - effective timeout in seconds of d under cfg */
long jobs_timeout(const struct job_def *d, const struct wb_config *cfg);

/* job_ctx_should_stop - 1 once SIGTERM arrived or the deadline passed: finish the step, return */
int job_ctx_should_stop(const struct job_ctx *c);
/* job_ctx_options - the options text from the schedule line or command line ("" if none) */
const char *job_ctx_options(const struct job_ctx *c);
/* job_ctx_config - the configuration in force */
const struct wb_config *job_ctx_config(const struct job_ctx *c);
/* job_ctx_name - the name of the running job */
const char *job_ctx_name(const struct job_ctx *c);
/* job_ctx_slot - the schedule slot this run is for (0 for a file, poll or manual trigger) */
time_t job_ctx_slot(const struct job_ctx *c);
/* job_ctx_deadline_ms - monotonic deadline (clock_mono_ms), 0 if none */
long long job_ctx_deadline_ms(const struct job_ctx *c);
/* job_ctx_stop_flag - the flag a SIGTERM sets (a forked job also gets SIGTERM at its deadline),
 * for code below the job that cannot see the context; NULL if none */
volatile sig_atomic_t *job_ctx_stop_flag(const struct job_ctx *c);

#endif
