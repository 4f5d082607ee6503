/*
 * log.h - one line per event, key=value fields, to stderr or syslog.
 *
 * Lines look like: "2026-11-23T06:00:01Z level=info event=claim flow=NAME file=x.csv".
 * Under systemd (standard error is the journal stream JOURNAL_STREAM names) a line starts
 * with its syslog priority instead of the time ("<6>level=info ..."), which journald reads,
 * so `journalctl -p warning` shows warnings and errors.
 * Callers start the fields with the item's id so one grep shows its history.
 * Never log a secret or a buyer's personal data. Never exits. Three tiers, as the program
 * uses them: warn (recoverable), error (an operation failed); the daemon has no fatal path.
 */
#ifndef WB_LOG_H
#define WB_LOG_H

enum log_level { LOG_DEBUG_L = 0, LOG_INFO_L, LOG_WARN_L, LOG_ERROR_L };

/* log_setup - program name, minimum level, syslog (1) or stderr (0) */
void log_setup(const char *prog, int min_level, int use_syslog);
/* log_set_floor - a level later log_setup/log_set_min calls never go above (-v) */
void log_set_floor(int level);
/* log_level_parse - "debug|info|warn|error" to a level, -1 if unknown */
int log_level_parse(const char *s);
/* log_set_min - change the minimum level */
void log_set_min(int min_level);
/* log_msg - log one event line (fields as printf format) */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* log_journal_stream - 1 if standard error is the journal stream JOURNAL_STREAM names (device
 * and inode of stderr), so lines carry journald's "<N>" priority prefix; decided at log_setup */
int log_journal_stream(void);
/* log_set_sink - tests: send formatted lines to a callback instead */
void log_set_sink(void (*sink)(int level, const char *line, void *arg), void *arg);

#define log_debug(...) log_msg(LOG_DEBUG_L, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO_L, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN_L, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR_L, __VA_ARGS__)

#endif
