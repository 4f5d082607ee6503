/*
 * tz.h - IANA time zones, read straight from TZif files: the one zone engine of the
 * program, for the schedule (sched/cron.c) and the layouts' local dates (layout_time.c).
 *
 * Owns a small cache of loaded zones (TZif v1/v2/v3 from $TZDIR or
 * /usr/share/zoneinfo, plus the POSIX TZ footer rule for instants after the
 * last listed transition). Answers two questions: the UTC offset in force at an
 * instant, and the instants at which a local wall time happens (none in the hour
 * skipped when clocks go forward, two in the hour repeated when they go back).
 * Never touches the TZ environment variable or tzset(), so zone arithmetic has no
 * process-wide side effects. Error contract: WB_CONFIG for
 * an unknown or malformed zone name or file, WB_NOMEM on allocation failure;
 * never exits. Not thread-safe (the cache is process-local; the daemon is
 * single-threaded).
 */
#ifndef WB_CORE_TZ_H
#define WB_CORE_TZ_H

#include <time.h>

#include "core/buf.h"
#include "core/wb.h"

struct tz_zone;

/* tz_get - the zone called name (cached; the pointer lives until the next tz_get); "UTC"/"GMT" work
 * without tzdata */
enum wb_status tz_get(const char *name, const struct tz_zone **out, struct buf *err);
/* tz_offset - seconds east of UTC in force at instant t */
long tz_offset(const struct tz_zone *z, time_t t);
/* tz_local - the instants (UTC) at which zone z shows the civil time c (local seconds counted
 * as if UTC), earliest first in u: 0 when a clock change skips c, 1, or 2 when c is repeated */
int tz_local(const struct tz_zone *z, long long c, long long u[2]);
/* tz_cache_clear - forget every loaded zone (tests, SIGHUP) */
void tz_cache_clear(void);

#endif
