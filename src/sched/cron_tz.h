/*
 * cron_tz.h - IANA time zones for the schedule, read straight from TZif files.
 *
 * Owns a small cache of loaded zones (TZif v1/v2/v3 from $TZDIR or
 * /usr/share/zoneinfo, plus the POSIX TZ footer rule for instants after the
 * last listed transition). Answers one question: the UTC offset in force at an
 * instant. Never touches the TZ environment variable or tzset(), so schedule
 * arithmetic has no process-wide side effects. Error contract: WB_CONFIG for
 * an unknown or malformed zone name or file, WB_NOMEM on allocation failure;
 * never exits. Not thread-safe (the cache is process-local; the daemon is
 * single-threaded).
 */
#ifndef WB_CRON_TZ_H
#define WB_CRON_TZ_H

#include <time.h>

#include "core/buf.h"

struct cron_tz;

/* cron_tz_get - the zone called name (cached); "UTC"/"GMT" work without tzdata */
int cron_tz_get(const char *name, const struct cron_tz **out, struct buf *err);
/* cron_tz_offset - seconds east of UTC in force at instant t */
long cron_tz_offset(const struct cron_tz *z, time_t t);
/* cron_tz_cache_clear - forget every loaded zone (tests, SIGHUP) */
void cron_tz_cache_clear(void);

#endif
