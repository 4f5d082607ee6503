/*
 * flow_jobs.h - the jobs the flows offer to the scheduler and to `run --once`:
 * one per row of the flow table (flows/flow.h), named after its flow, then
 * feeds-poll, sftp-pull, sftp-push, purge shared by every flow. Each job opens what it needs from
 * the loaded environment (a forked job opens its own ledger connection).
 * Returns WB_* codes; never exits.
 */
#ifndef WB_FLOW_JOBS_H
#define WB_FLOW_JOBS_H

#include <signal.h>
#include <stddef.h>

#include <time.h>

struct wb_env;
struct flow_def;

struct flow_job {
    const char *name;
    const char *help;
    /* run - stop is NULL or set once the job must stop (SIGTERM, timeout): the job finishes
     * the file it is on, starts no other and returns */
    int (*run)(const struct flow_job *j, struct wb_env *env, const char *options,
               volatile sig_atomic_t *stop);
    int timeout;       /* default seconds; 0 = job_timeout from the config */
    const char *group; /* jobs of one group never run at once (they share feed state) */
    /* the option words the job takes, blank-separated ("" none; "REMOTE" one remote's name) */
    const char *options;
    const struct flow_def *flow; /* the flow whose job it is; NULL for the shared jobs */
};

/* flow_jobs - the table */
const struct flow_job *flow_jobs(size_t *n);
/* flow_job_find - a job by name, NULL if there is none */
const struct flow_job *flow_job_find(const char *name);
/* flow_job_when - when j must run besides its schedule (feeds in flight, a batch window that
 * ends); *when 0 if not */
int flow_job_when(struct wb_env *env, const struct flow_job *j, time_t now, time_t *when);
struct wb_config;
/* flow_job_options_check - WB_OK if every blank-separated word of options is one the job takes
 * (a remote of cfg for "REMOTE"); else WB_BADARG with the word, a near miss and the words it
 * takes in why */
int flow_job_options_check(const struct flow_job *j, const struct wb_config *cfg,
                           const char *options, char *why, size_t n);

#endif
