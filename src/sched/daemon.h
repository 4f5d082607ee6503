/*
 * daemon.h - the scheduler loop: schedule slots, spool triggers, polls, signals.
 *
 * Owns running jobs: each run is a forked child (so a hung job can be stopped
 * with SIGTERM, then SIGKILL after a grace period, and a crashing job cannot
 * take the daemon down). Jobs of one name never overlap, nor do jobs of one
 * group (job_def.group): a job whose group is busy waits until it is free. Job state (last
 * slot, start, end, outcome, next run, run count) lives behind struct
 * sched_store so the ledger can keep it; the daemon itself keeps none across
 * restarts. Error contract: sched_run returns WB_OK after an orderly stop
 * (SIGTERM/SIGINT), WB_IOERR if signals or polling cannot be set up,
 * WB_BADARG for bad arguments; job failures are outcomes, not errors. Never
 * exits (only a forked child calls _exit with its job's status).
 */
#ifndef WB_SCHED_DAEMON_H
#define WB_SCHED_DAEMON_H

#include <stddef.h>
#include <time.h>

#include "core/conf.h"
#include "core/wb.h"
#include "sched/cron.h"
#include "sched/jobs.h"
#include "sched/watch.h"

/* outcomes besides the job's own WB_* status (0 .. WB_STATUS_MAX-1) */
#define SCHED_OUT_RUNNING (-1) /* started and not finished yet */
#define SCHED_OUT_TIMEOUT 100  /* stopped because its deadline passed */
#define SCHED_OUT_CRASHED 101  /* died of a signal nobody sent it */
#define SCHED_OUT_KILLED 102   /* SIGKILLed after the grace period of a daemon stop */
#define SCHED_OUT_NOSTART 103  /* could not be started (fork failed) */
#define SCHED_OUT_LOST 104     /* was running when the previous daemon died */

struct sched_job_state {
    time_t last_slot;  /* schedule slot of the last scheduled run (0 = never) */
    time_t last_start; /* wall clock (clock_now) */
    time_t last_end;
    int last_outcome; /* WB_* of the job or SCHED_OUT_* */
    time_t next_run;  /* next schedule slot (0 = none) */
    long runs;        /* runs started, ever */
};

struct sched_store {
    /* get - state of job; WB_NOTFOUND if it never ran */
    int (*get)(void *arg, const char *job, struct sched_job_state *out);
    /* put - replace the state of job */
    int (*put)(void *arg, const char *job, const struct sched_job_state *st);
    void *arg;
};

struct sched_hooks {
    const struct watch_dir *watch_dirs; /* in/<flow>/ directories and the job each one starts */
    size_t nwatch_dirs;
    /* poll - when does job next need to run (feeds in flight, backoff)? *when = 0: no need;
     * a time <= now starts the job if it is idle and ended at least 1 s ago, so after a run
     * the answer must move into the future (the loop asks every tick, keep it cheap) */
    int (*poll)(void *arg, const char *job, time_t now, time_t *when);
    /* reload - SIGHUP: reread config/maps/schedule; may replace *cfg and *entries (the
     * caller owns both and keeps the old ones alive until it replaces them again) and
     * change what watch_dirs names: after WB_OK the watcher is reopened from watch_dirs
     * and listed at once; a non-WB_OK return means "kept the old configuration" */
    int (*reload)(void *arg, const struct wb_config **cfg, const struct sched_entry **entries,
                  size_t *n);
    /* child_init - in each forked child before the job runs (e.g. reopen the ledger) */
    void (*child_init)(void *arg, const char *job);
    void *arg;
    long tick_ms;  /* longest sleep between clock checks; 0 = 1000 */
    long grace_ms; /* SIGTERM -> SIGKILL grace period; 0 = 10000 */
};

/* sched_run - the daemon loop until SIGTERM/SIGINT; hooks and store may be NULL */
enum wb_status sched_run(const struct wb_config *cfg, const struct sched_entry *entries, size_t n,
                         const struct sched_store *store, struct sched_hooks *hooks);
/* sched_run_once - run one job now (forked with timeout, or in_process), record its state;
 * hooks (may be NULL) give child_init and grace_ms; returns the job's WB_* status (WB_TEMPFAIL for
 * a timeout, WB_INTERNAL for a crash), WB_NOTFOUND for an unknown job; *outcome (may be NULL) gets
 * the exact outcome */
enum wb_status sched_run_once(const struct wb_config *cfg, const char *job, const char *options,
                              const struct sched_store *store, const struct sched_hooks *hooks,
                              int in_process, int *outcome);
/* sched_outcome_str - short name of an outcome for logs and status */
const char *sched_outcome_str(int outcome);

#endif
