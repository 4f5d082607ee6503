/*
 * clock.h - wall clock with a test override.
 *
 * clock_now() is time(NULL) unless the environment variable WB_FAKE_NOW
 * (tests only) holds epoch seconds or a file path whose content does; a test
 * moves time by rewriting that file. clock_mono_ms() is CLOCK_MONOTONIC, moved
 * forward only by clock_mono_advance_ms (tests, in their own process). Never exits.
 */
#ifndef WB_CLOCK_H
#define WB_CLOCK_H

#include <stddef.h>
#include <time.h>

/* clock_now - current epoch seconds (honours WB_FAKE_NOW) */
time_t clock_now(void);
/* clock_mono_ms - monotonic milliseconds (real, for timeouts and rate limits) */
long long clock_mono_ms(void);
/* clock_mono_advance_ms - move this process's monotonic clock forward (tests only) */
void clock_mono_advance_ms(long long ms);
/* clock_format_iso - UTC "YYYY-MM-DDThh:mm:ssZ" */
void clock_format_iso(time_t t, char *out, size_t n);
/* clock_format_date - UTC "YYYY-MM-DD" */
void clock_format_date(time_t t, char *out, size_t n);
/* clock_sleep_ms - sleep, returning early if interrupted by a signal */
void clock_sleep_ms(long ms);

#endif
