/*
 * alert.h - raise an operator alert: recorded once in the ledger (an open
 * alert of the same kind and item is not repeated), logged, and handed to
 * the configured alert_command (execve, never a shell) with kind, item and
 * text as arguments. Returns WB_* codes; never exits; never waits long.
 */
#ifndef WB_ALERT_H
#define WB_ALERT_H

struct wb_env;

/* alert_raise - record, log and dispatch one alert */
int alert_raise(struct wb_env *env, const char *kind, const char *item, const char *text);
/* alert_clear - close the open alert of that kind and item, if any (the condition has passed:
 * it is raised again when it comes back) */
int alert_clear(struct wb_env *env, const char *kind, const char *item);

#endif
