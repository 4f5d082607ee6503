/*
 * queue.h - the operators' view of the spool queues (in/, work/, hold/,
 * reject/ of every seller account's lane of every flow) and the record of
 * their actions on it. Who may do what follows the permission model: an
 * operator renames and removes spool files but cannot write the ledger, so an
 * action (requeue, hold, drop: who, when, why) is written as a note into the
 * spool's actions/ directory, which the service moves into the ledger after
 * its next job (queue_notes_ingest); `explain` shows both.
 * Returns WB_* codes; never exits.
 */
#ifndef WB_QUEUE_H
#define WB_QUEUE_H

#include <time.h>

#include "spool/spool.h"

struct wb_env;

/* which files: every field NULL/0 matches all */
struct queue_filter {
    const char *name;    /* one file name */
    const char *flow;    /* a flow of the table */
    const char *account; /* an account name ("default" for the top-level one) */
    const char *code;    /* a reject code (files of reject/ and hold/ with that code) */
    long older_than;     /* seconds: files at least this old */
};

struct queue_item {
    enum spool_state state;
    const char *account;
    const char *flow;
    const char *lane;
    const struct spool_entry *e;
    const char *code; /* the reject code of a reject/hold file, "" if none */
};

typedef int (*queue_cb)(void *arg, const struct queue_item *it);

/* queue_scan - each file of the states (n of them) that passes f, by account, flow, state, age */
int queue_scan(struct wb_env *env, const enum spool_state *states, size_t n,
               const struct queue_filter *f, queue_cb cb, void *arg);
/* queue_note - record an operator's action on a file: a note in actions/ (who: the Unix user,
 * and the sudo user behind root; when: now) */
int queue_note(struct wb_env *env, const char *action, const struct queue_item *it,
               const char *reason);
/* queue_notes_ingest - the service: every note of actions/ into the ledger, then removed */
int queue_notes_ingest(struct wb_env *env);
/* queue_actions_print - the actions on a file name under a heading "actions on NAME:" (none:
 * nothing printed): the ledger's, then notes not yet taken in; *n gets how many */
int queue_actions_print(struct wb_env *env, const char *name, long *n);

#endif
