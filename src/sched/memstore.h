/*
 * memstore.h - an in-memory struct sched_store (tests, `run --once` without a ledger).
 *
 * Owns a fixed table of job states inside the caller's struct; nothing is
 * kept across processes. Error contract: get returns WB_NOTFOUND for a job
 * never put, put returns WB_TOOBIG when JOBS_MAX jobs are stored; never exits.
 * Must never be shared between processes (a forked job's writes stay in it).
 */
#ifndef WB_SCHED_MEMSTORE_H
#define WB_SCHED_MEMSTORE_H

#include "sched/daemon.h"
#include "sched/jobs.h"

struct sched_memstore {
    size_t n;
    long puts; /* number of put calls (tests) */
    struct {
        char job[JOBS_NAME_MAX + 1];
        struct sched_job_state st;
    } v[JOBS_MAX];
};

/* sched_memstore_init - empty m and point store at it */
void sched_memstore_init(struct sched_memstore *m, struct sched_store *store);

#endif
