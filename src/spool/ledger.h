/*
 * ledger.h - the ledger: what makes replay exact. All SQL of wmsbridge is in
 * ledger*.c; nothing above spool/ sees SQLite (a PostgreSQL back end is a
 * second file behind this header).
 *
 * Tables: files (by digest), rows (by flow + business key), feeds, feed
 * messages, jobs (scheduler state), remote_seen (SFTP pulls), alerts, runlog.
 *
 * Row states:  pending -> queued(feed_id, message_id) -> confirmed | rejected
 *              pending -> rejected (validation)       ; queued -> pending (feed FATAL, retry)
 * Feed states: intent -> submitted(feed id) -> done | fatal | cancelled ; -> settled
 *
 * Returns WB_TEMPFAIL when the database is busy/locked, WB_IOERR/WB_NOSPACE on
 * storage errors, WB_NOTFOUND for missing items. Never exits.
 */
#ifndef WB_LEDGER_H
#define WB_LEDGER_H

#include <stddef.h>
#include <time.h>

struct ledger;

/* ledger_open - open or create the ledger (WAL, foreign keys, busy timeout) */
int ledger_open(struct ledger **out, const char *path);
/* ledger_close - close */
void ledger_close(struct ledger *l);
/* ledger_begin/commit/rollback - one immediate transaction at a time */
int ledger_begin(struct ledger *l);
int ledger_commit(struct ledger *l);
void ledger_rollback(struct ledger *l);
/* ledger_errmsg - last SQLite error text (for logs) */
const char *ledger_errmsg(struct ledger *l);

/* ---- files ---- */
enum ledger_file_state { LF_CLAIMED = 1, LF_PARSED, LF_DONE, LF_REJECTED, LF_DUPLICATE };
struct ledger_file {
    long long id;
    char flow[32];
    char name[256];
    char digest[65];
    int state;
    time_t created;
};
/* ledger_file_by_digest - a file already seen with this content (latest) */
int ledger_file_by_digest(struct ledger *l, const char *flow, const char *digest,
                          struct ledger_file *out);
/* ledger_file_by_name - the newest ledger record for flow/name */
int ledger_file_by_name(struct ledger *l, const char *flow, const char *name,
                        struct ledger_file *out);
/* ledger_file_add - record a claimed file */
int ledger_file_add(struct ledger *l, const char *flow, const char *name, const char *digest,
                    long long *id);
/* ledger_file_set_state - move a file record to a state */
int ledger_file_set_state(struct ledger *l, long long id, int state);

/* ---- rows ---- */
enum ledger_row_state { LR_PENDING = 1, LR_QUEUED, LR_CONFIRMED, LR_REJECTED };
struct ledger_row {
    long long id;
    long long file_id;
    long lineno;
    int state;
    char key[256];
    long long feed_id;  /* local feed record id, 0 if none */
    long message_id;
    char reject_code[32];
    char reject_reason[512];
    char warning[512];
};
/* ledger_row_find - the live row for flow + business key (state != rejected), WB_NOTFOUND */
int ledger_row_find(struct ledger *l, const char *flow, const char *key, struct ledger_row *out);
/* ledger_row_add - a validated row waiting for a feed; payload is the rendered item (opaque text) */
int ledger_row_add(struct ledger *l, long long file_id, const char *flow, const char *key,
                   long lineno, int state, const char *payload, long long *id);
/* ledger_row_reject - mark rejected with code and reason */
int ledger_row_reject(struct ledger *l, long long row_id, const char *code, const char *reason);
/* ledger_row_confirm - mark confirmed (warning may be NULL) */
int ledger_row_confirm(struct ledger *l, long long row_id, const char *warning);
/* ledger_file_open_rows - how many rows of a file are neither confirmed nor rejected */
int ledger_file_open_rows(struct ledger *l, long long file_id, long *n);

/* ---- remote files seen by SFTP pull ---- */
/* ledger_remote_seen - 1 in *seen if remote:path with this size/mtime was taken before */
int ledger_remote_seen(struct ledger *l, const char *remote, const char *path, long long size,
                       long long mtime, int *seen);
/* ledger_remote_mark - record remote:path (size, mtime, digest) as taken */
int ledger_remote_mark(struct ledger *l, const char *remote, const char *path, long long size,
                       long long mtime, const char *digest);

/* ---- scheduler job state ---- */
struct ledger_job {
    char name[64];
    time_t last_slot;   /* schedule slot last run (for catch-up) */
    time_t last_start;
    time_t last_end;
    int last_outcome;   /* WB_* status */
    time_t next_run;
    long runs;
};
/* ledger_job_get - state of a job, WB_NOTFOUND if never run */
int ledger_job_get(struct ledger *l, const char *name, struct ledger_job *out);
/* ledger_job_put - insert or replace a job's state */
int ledger_job_put(struct ledger *l, const struct ledger_job *j);
/* ledger_job_list - all jobs (caller frees *out) */
int ledger_job_list(struct ledger *l, struct ledger_job **out, size_t *n);

/* ---- alerts ---- */
/* ledger_alert - record an alert (kind, item id, text) unless the same open alert exists */
int ledger_alert(struct ledger *l, const char *kind, const char *item, const char *text);

#endif
