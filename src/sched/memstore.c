/*
 * memstore.c - in-memory job state store behind struct sched_store.
 *
 * Owns nothing outside the caller's struct sched_memstore. Error contract:
 * WB_NOTFOUND from get for unknown jobs, WB_TOOBIG or WB_BADARG from put;
 * never exits. Must never allocate (it is used in signal-free, simple paths).
 */
#include <string.h>

#include "core/strutil.h"
#include "core/wb.h"
#include "sched/memstore.h"

/* mem_get - state of job, WB_NOTFOUND if never put */
static int mem_get(void *arg, const char *job, struct sched_job_state *out)
{
    struct sched_memstore *m = arg;
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->v[i].job, job) == 0) {
            *out = m->v[i].st;
            return WB_OK;
        }
    }
    return WB_NOTFOUND;
}

/* mem_put - replace (or add) the state of job */
static int mem_put(void *arg, const char *job, const struct sched_job_state *st)
{
    struct sched_memstore *m = arg;
    m->puts++;
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->v[i].job, job) == 0) {
            m->v[i].st = *st;
            return WB_OK;
        }
    }
    if (m->n >= JOBS_MAX)
        return WB_TOOBIG;
    if (str_copy(m->v[m->n].job, sizeof m->v[m->n].job, job) != WB_OK)
        return WB_BADARG;
    m->v[m->n].st = *st;
    m->n++;
    return WB_OK;
}

/* sched_memstore_init - empty m and point store at it */
void sched_memstore_init(struct sched_memstore *m, struct sched_store *store)
{
    memset(m, 0, sizeof *m);
    store->get = mem_get;
    store->put = mem_put;
    store->arg = m;
}
