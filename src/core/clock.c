/*
 * clock.c - wall clock with a test override, monotonic time, formatting.
 * Reads WB_FAKE_NOW only; never exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"

/* fake_now - the WB_FAKE_NOW override, or -1 */
static time_t fake_now(void)
{
    const char *v = getenv("WB_FAKE_NOW");
    if (!v || !*v)
        return -1;
    char tmp[64];
    if (v[0] == '/') {
        FILE *f = fopen(v, "r");
        if (!f)
            return -1;
        size_t n = fread(tmp, 1, sizeof tmp - 1, f);
        fclose(f);
        tmp[n] = '\0';
        v = tmp;
    }
    char *end;
    errno = 0;
    long long t = strtoll(v, &end, 10);
    if (errno || end == v || t < 0)
        return -1;
    return (time_t)t;
}

/* clock_now - current epoch seconds (honours WB_FAKE_NOW) */
time_t clock_now(void)
{
    time_t f = fake_now();
    return f >= 0 ? f : time(NULL);
}

/* how far tests moved this process's monotonic clock (0 in the program) */
static long long mono_advance_ms;

/* clock_mono_ms - monotonic milliseconds */
long long clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + mono_advance_ms;
}

/* clock_mono_advance_ms - move this process's monotonic clock forward (tests only) */
void clock_mono_advance_ms(long long ms)
{
    if (ms > 0)
        mono_advance_ms += ms;
}

/* clock_format_iso - UTC "YYYY-MM-DDThh:mm:ssZ" */
void clock_format_iso(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* clock_format_date - UTC "YYYY-MM-DD" */
void clock_format_date(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%d", &tm);
}

/* clock_sleep_ms - sleep, returning early if interrupted by a signal */
void clock_sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
