/*
 * sched_int.h - definitions shared inside the sched group only.
 *
 * Owns the layout of struct job_ctx, which jobs see as opaque. Nothing outside
 * src/sched/ may include this header. No error contract (declarations only).
 */
#ifndef WB_SCHED_INT_H
#define WB_SCHED_INT_H

#include <signal.h>
#include <time.h>

#include "core/conf.h"

struct job_ctx {
    const struct wb_config *cfg;
    const char *name;
    const char *options;
    time_t slot;
    long long deadline_ms;       /* clock_mono_ms() deadline, 0 = none */
    volatile sig_atomic_t *stop; /* set by the SIGTERM handler of the running process */
};

#endif
