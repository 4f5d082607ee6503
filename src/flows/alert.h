/*
 * alert.h - operator alerts with owners: the one table of alert types (type,
 * default owner, severity, meaning, what to do), raising, re-notifying and
 * resolving. An alert is kept once in the ledger while it is open (kind +
 * item); it is sent to the configured alert_command (execve, never a shell)
 * as one JSON object on standard input (type, key, account, flow, severity,
 * owner, text, first_seen, what_to_do, state) with kind, item and text also
 * as arguments; sent again after alert_renotify_minutes while it holds, and
 * once more with state "resolved" when its condition has passed. Owners come
 * from the table unless `alert_owners` in the config names another.
 * docs/operations.md's runbook is checked against the table.
 * Returns WB_* codes; never exits; never waits on the command.
 */
#ifndef WB_ALERT_H
#define WB_ALERT_H

#include <stddef.h>

#include "core/buf.h"

struct wb_env;
struct wb_config;
struct ledger_alert_rec;

struct alert_type {
    const char *type;     /* the kind written to the ledger and sent */
    const char *owner;    /* who acts by default: ops, warehouse, finance or it */
    const char *severity; /* critical (act now) or warning (act today) */
    const char *meaning;  /* one sentence: what happened */
    const char *action;   /* one sentence: what to do */
    /* scan - raise (alert_raise_in) every instance of the condition that holds now; open alerts
     * of the type it did not raise in a sweep are resolved. NULL: raised where it happens */
    int (*scan)(struct wb_env *env);
    /* holds - 1 while the condition of an open alert raised elsewhere still holds, 0 when it
     * has passed (resolved by the sweep). NULL (and no scan): resolved where it is raised */
    int (*holds)(struct wb_env *env, const struct ledger_alert_rec *a);
};

/* alert_types - the table, n rows */
const struct alert_type *alert_types(size_t *n);
/* alert_type_find - a row by type, NULL if none */
const struct alert_type *alert_type_find(const char *type);
/* alert_owner - the owner of type under cfg (alert_owners, else the table's) */
const char *alert_owner(const struct wb_config *cfg, const char *type);
/* alert_owners_check - WB_CONFIG with "file: alert_owners: ..." lines in errs when the setting
 * names a type that does not exist or an owner outside ops, warehouse, finance, it */
int alert_owners_check(const struct wb_config *cfg, struct buf *errs);

/* alert_raise - alert_raise_in for no account or flow in particular */
int alert_raise(struct wb_env *env, const char *kind, const char *item, const char *text);
/* alert_raise_in - record, log and send one alert about account ("" default) and flow ("" none);
 * an open alert of the same kind and item is sent again only after the re-notify interval */
int alert_raise_in(struct wb_env *env, const char *kind, const char *account, const char *flow,
                   const char *item, const char *text);
/* alert_clear - close the open alert of that kind and item, if any, and send its resolution
 * (the condition has passed: it is raised again when it comes back) */
int alert_clear(struct wb_env *env, const char *kind, const char *item);
/* alert_sweep - the conditions of the table now: scan the level conditions (rows rejected,
 * files refused, backlog over its SLA, jobs failing), resolve open alerts whose condition has
 * passed, send again those due to be re-notified */
int alert_sweep(struct wb_env *env);
/* alert_job_end - a job finished with outcome (0 ok): counts its streak of failed runs;
 * job-failing is raised at alert_job_failures failed runs in a row and resolved by a success */
int alert_job_end(struct wb_env *env, const char *job, int outcome);

#endif
