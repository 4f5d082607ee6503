/*
 * log.c - key=value event lines to stderr (with journald's "<N>" priority
 * prefix under systemd) or syslog.
 * Owns the log destination. Never exits; a line longer than 4 KiB is cut
 * and marked with "...". Must never be handed secrets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

static const char *const level_names[] = {"debug", "info", "warn", "error"};
/* syslog priorities of the levels, for syslog(3) and journald's "<N>" prefixes */
static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};
static int min_level = LOG_INFO_L;
static int floor_level = LOG_ERROR_L; /* set from the command line: configs cannot raise it */
static int to_syslog;
static int journal; /* stderr is the journal stream: "<N>" prefixes, no time stamp */
static void (*sink_fn)(int, const char *, void *);
static void *sink_arg;

/* log_setup - program name, minimum level, syslog (1) or stderr (0) */
void log_setup(const char *prog, int min, int use_syslog)
{
    min_level = min < floor_level ? min : floor_level;
    to_syslog = use_syslog;
    journal = log_journal_stream();
    if (use_syslog)
        openlog(prog, LOG_PID, LOG_DAEMON);
}

/* log_set_min - change the minimum level */
void log_set_min(int min)
{
    min_level = min < floor_level ? min : floor_level;
}

/* log_set_floor - a level later log_setup/log_set_min calls never go above (-v) */
void log_set_floor(int level)
{
    floor_level = level;
    if (min_level > level)
        min_level = level;
}

/* log_level_parse - "debug|info|warn|error" to a level, -1 if unknown */
int log_level_parse(const char *s)
{
    for (int i = 0; i <= LOG_ERROR_L; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

/* log_journal_stream - stderr is the stream JOURNAL_STREAM ("DEVICE:INODE") names */
int log_journal_stream(void)
{
    const char *v = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char end;
    struct stat sb;
    if (!v || sscanf(v, "%llu:%llu%c", &dev, &ino, &end) != 2 || fstat(2, &sb) != 0)
        return 0;
    return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

/* log_set_sink - tests: send formatted lines to a callback instead */
void log_set_sink(void (*sink)(int, const char *, void *), void *arg)
{
    sink_fn = sink;
    sink_arg = arg;
}

/* log_msg - log one event line */
void log_msg(int level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof line)
        memcpy(line + sizeof line - 4, "...", 4);
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (level < 0 || level > LOG_ERROR_L)
        level = LOG_ERROR_L;
    if (sink_fn) {
        sink_fn(level, line, sink_arg);
        return;
    }
    if (to_syslog) {
        syslog(prio[level], "level=%s %s", level_names[level], line);
        return;
    }
    if (journal) { /* journald stamps the time itself */
        fprintf(stderr, "<%d>level=%s %s\n", prio[level], level_names[level], line);
        return;
    }
    char ts[32];
    clock_format_iso(clock_now(), ts, sizeof ts);
    fprintf(stderr, "%s level=%s %s\n", ts, level_names[level], line);
}
