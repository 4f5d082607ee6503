/*
 * ledger.h - the ledger: what makes replay exact. All SQL of wmsbridge is in
 * ledger*.c; nothing above spool/ sees SQLite (a PostgreSQL back end is a
 * second file behind this header).
 *
 * Tables: files (by digest), rows (by flow + seller account + business key), feeds, feed
 * messages, jobs (scheduler state), remote_seen (SFTP pulls), alerts, and for orders from
 * Amazon: orders, order_batches, order_sync (by seller account).
 *
 * Seller accounts: files, rows and feeds carry an `account` column ('' = the default account).
 * Functions take a lane where they take a flow ("FLOW" for the default account, "ACCOUNT/FLOW"
 * for a named one: flows/flow.h flow_lane) and find only that account's records: a business
 * key of one seller never blocks another's.
 *
 * Row states:  pending -> queued(feed_id, message_id) -> confirmed | rejected
 *              pending -> rejected (validation)       ; queued -> pending (feed FATAL, retry)
 * Feed states: intent -> submitted(feed id) -> done | fatal | cancelled ; -> settled
 *              intent -> ambiguous (held) -> submitted | ready (by an operator)
 *              ready -> calling (api sink: one call per message) -> done
 *
 * Returns WB_TEMPFAIL when the database is busy/locked, WB_IOERR/WB_NOSPACE on
 * storage errors, WB_NOTFOUND for missing items. Never exits.
 */
#ifndef WB_LEDGER_H
#define WB_LEDGER_H

#include <stddef.h>
#include <time.h>

#include "core/wb.h"

struct ledger;

/* ledger_open - open or create the ledger (WAL, foreign keys, busy timeout) */
enum wb_status ledger_open(struct ledger **out, const char *path);
/* ledger_open_readonly - the ledger, read only: creates and writes nothing; before the service's
 * first run made it, an empty one in memory; WB_DENIED when this user may not read it */
enum wb_status ledger_open_readonly(struct ledger **out, const char *path);
/* ledger_close - close */
void ledger_close(struct ledger *l);
/* ledger_begin/commit/rollback - one immediate transaction at a time */
enum wb_status ledger_begin(struct ledger *l);
enum wb_status ledger_commit(struct ledger *l);
void ledger_rollback(struct ledger *l);
/* ledger_errmsg - last SQLite error text (for logs) */
const char *ledger_errmsg(struct ledger *l);

/* ---- files ---- */
/* LF_GREW: the file changed after it was read (a writer still appending); its rows are settled
 * and the file is read again under the next record of its name, which skips the lines this one
 * took unchanged */
enum ledger_file_state { LF_CLAIMED = 1, LF_PARSED, LF_DONE, LF_REJECTED, LF_DUPLICATE, LF_GREW };
/* ledger_file_state_name - the operator's word for a file state, "?" if out of range */
const char *ledger_file_state_name(int state);
struct ledger_file {
    long long id;
    char flow[32];
    char account[32]; /* '' = the default account */
    char name[256];
    char digest[65];
    char layout[64];
    int state;
    time_t created;
};
/* ledger_file_by_digest - a file already seen with this content (latest) */
enum wb_status ledger_file_by_digest(struct ledger *l, const char *flow, const char *digest,
                                     struct ledger_file *out);
/* ledger_file_by_name - the newest ledger record for flow/name */
enum wb_status ledger_file_by_name(struct ledger *l, const char *flow, const char *name,
                                   struct ledger_file *out);
/* ledger_file_by_identity - the newest record of flow/name with this content digest */
enum wb_status ledger_file_by_identity(struct ledger *l, const char *flow, const char *name,
                                       const char *digest, struct ledger_file *out);
/* ledger_file_before - the newest record of flow/name older than record before_id */
enum wb_status ledger_file_before(struct ledger *l, const char *flow, const char *name,
                                  long long before_id, struct ledger_file *out);
/* ledger_file_has_line - WB_OK if file_id has a row at lineno whose raw cells are raw, else
 * WB_NOTFOUND */
enum wb_status ledger_file_has_line(struct ledger *l, long long file_id, long lineno,
                                    const char *raw);
/* ledger_file_add - record a claimed file */
enum wb_status ledger_file_add(struct ledger *l, const char *flow, const char *name,
                               const char *digest, long long *id);
/* ledger_file_set_state - move a file record to a state */
enum wb_status ledger_file_set_state(struct ledger *l, long long id, int state);
/* ledger_file_set_snapshot - the time a file's content describes (a stock snapshot; 0: none) */
enum wb_status ledger_file_set_snapshot(struct ledger *l, long long id, time_t t);
/* ledger_snapshot_latest - the newest snapshot time among a flow's (lane's) files taken in
 * (parsed or done) and that file's name; *t 0 when there is none */
enum wb_status ledger_snapshot_latest(struct ledger *l, const char *flow, time_t *t, char *name,
                                      size_t n);
/* ledger_file_set_layout - remember the layout and original header (CSV text) of a file */
enum wb_status ledger_file_set_layout(struct ledger *l, long long id, const char *layout,
                                      const char *header);
/* ledger_file_header - the stored header text of a file (malloc'd into *out) */
enum wb_status ledger_file_header(struct ledger *l, long long id, char **out);
/* ledger_file_get - a file record by id */
enum wb_status ledger_file_get(struct ledger *l, long long id, struct ledger_file *out);
/* ledger_files_in_state - ids of a flow's files in a state (caller frees) */
enum wb_status ledger_files_in_state(struct ledger *l, const char *flow, int state, long long **ids,
                                     size_t *n);

/* ---- rows ---- */
enum ledger_row_state { LR_PENDING = 1, LR_QUEUED, LR_CONFIRMED, LR_REJECTED };
/* ledger_row_state_name - the operator's word for a row state, "?" if out of range */
const char *ledger_row_state_name(int state);
struct ledger_row {
    long long id;
    long long file_id;
    long lineno;
    int state;
    char key[256];
    long long feed_id; /* local feed record id, 0 if none */
    long message_id;
    char reject_code[32];
    char reject_reason[512];
    char warning[512];
};
/* ledger_row_find - the live row for flow + business key (state != rejected), WB_NOTFOUND */
enum wb_status ledger_row_find(struct ledger *l, const char *flow, const char *key,
                               struct ledger_row *out);
/* ledger_row_add - a row of a file: payload (flow-defined text), group key, the original cells
 * (raw, CSV text in UTF-8, for writing rejects back in the input layout) */
enum wb_status ledger_row_add(struct ledger *l, long long file_id, const char *flow,
                              const char *key, long lineno, int state, const char *payload,
                              const char *group_key, const char *raw, long long *id);
/* ledger_row_cb - callback for row iteration; a non-WB_OK return stops it */
struct ledger_row_view {
    long long id;
    long long file_id;
    long lineno;
    int state;
    long message_id;
    const char *key;
    const char *payload;
    const char *group_key;
    const char *raw;
    const char *reject_code;
    const char *reject_reason;
    const char *warning;
};
typedef int (*ledger_row_cb)(void *arg, const struct ledger_row_view *r);
/* ledger_rows_pending - pending rows of a flow due by now (a row deferred with ledger_row_defer
 * waits until its time) ordered by group key then id (at most max) */
enum wb_status ledger_rows_pending(struct ledger *l, const char *flow, long max, ledger_row_cb cb,
                                   void *arg);
/* ledger_rows_live - rows of a flow not rejected (pending, queued or confirmed) ordered by group
 * key then id: the newest row of a group comes last */
enum wb_status ledger_rows_live(struct ledger *l, const char *flow, ledger_row_cb cb, void *arg);
/* ledger_rows_of_feed - rows assigned to a local feed, ordered by message id */
enum wb_status ledger_rows_of_feed(struct ledger *l, long long feed_id, ledger_row_cb cb,
                                   void *arg);
/* ledger_rows_of_file - rows of a file in a state (0 = any), ordered by line */
enum wb_status ledger_rows_of_file(struct ledger *l, long long file_id, int state, ledger_row_cb cb,
                                   void *arg);
/* ledger_row_assign - pending -> queued in a feed under a message id */
enum wb_status ledger_row_assign(struct ledger *l, long long row_id, long long feed_id,
                                 long message_id);
/* ledger_pending_stats - how many of a flow's pending rows are due by now, and the earliest
 * time one of its pending rows was or will be ready (created, or its deferral's end; 0: none
 * pending) */
enum wb_status ledger_pending_stats(struct ledger *l, const char *flow, long *count,
                                    time_t *oldest);
/* ledger_rows_prefix_state - the highest state of the rows of flow whose key starts with prefix
 * (rejected only when no other); WB_NOTFOUND when none */
enum wb_status ledger_rows_prefix_state(struct ledger *l, const char *flow, const char *prefix,
                                        int *state);
/* ledger_row_counts - rows of a flow by state (index = state, 1..4) */
enum wb_status ledger_row_counts(struct ledger *l, const char *flow, long counts[5]);
/* ledger_row_reject - mark rejected with code and reason */
enum wb_status ledger_row_reject(struct ledger *l, long long row_id, const char *code,
                                 const char *reason);
/* ledger_row_confirm - mark confirmed (warning may be NULL) */
enum wb_status ledger_row_confirm(struct ledger *l, long long row_id, const char *warning);
/* ledger_file_open_rows - how many rows of a file are neither confirmed nor rejected */
enum wb_status ledger_file_open_rows(struct ledger *l, long long file_id, long *n);

/* ---- feeds ---- */
enum ledger_feed_state {
    LFD_BUILDING = 1, /* rows assigned, document being written */
    LFD_READY,        /* document written and validated */
    LFD_SUBMITTING,   /* intent recorded: document may be uploaded, feed may exist */
    LFD_SUBMITTED,    /* Amazon feed id recorded; polling */
    LFD_DONE,         /* report stored and mapped back; rows settled */
    LFD_FATAL,        /* Amazon said FATAL; rows released or rejected by rule */
    LFD_CANCELLED,    /* cancelled; rows released */
    LFD_INVALID,      /* our document failed schema validation; rows rejected */
    LFD_AMBIGUOUS,    /* crash recovery could not tell whether Amazon has it: held, alerted */
    LFD_CALLING       /* taken by the api sink (flows/sink.h): one call per message, under way */
};
#define LFD_LAST LFD_CALLING
/* ledger_feed_state_name - the operator's word for a feed state, "?" if out of range */
const char *ledger_feed_state_name(int state);
struct ledger_feed {
    long long id;
    char flow[32];
    char account[32]; /* '' = the default account: its rows are that account's */
    char feed_type[64];
    int state;
    int priority; /* lower goes first: 0 tracking, 1 acks, 2 inventory */
    char doc_name[128];
    char amazon_doc_id[160];
    char amazon_feed_id[64];
    char result_doc_id[160];
    char report_name[128];
    char last_error[512];
    time_t created;
    time_t intent_at;
    time_t submitted;
    time_t next_poll;
    long polls;
    long attempts;
    long messages;
    int alerted;
    time_t create_at; /* SUBMITTING: Amazon's clock when createFeed was sent; 0 not sent
                         yet, -1 sent at a time Amazon's clock does not tell */
};
/* ledger_feed_create - a new feed record in state BUILDING */
enum wb_status ledger_feed_create(struct ledger *l, const char *flow, const char *feed_type,
                                  int priority, long long *id);
/* ledger_feed_get - a feed by local id */
enum wb_status ledger_feed_get(struct ledger *l, long long id, struct ledger_feed *out);
/* ledger_feed_by_amazon_id - a feed by Amazon's feed id */
enum wb_status ledger_feed_by_amazon_id(struct ledger *l, const char *amazon_id,
                                        struct ledger_feed *out);
/* ledger_feed_put - write every mutable field of a feed */
enum wb_status ledger_feed_put(struct ledger *l, const struct ledger_feed *f);
/* ledger_feeds_in_state - feeds in a state, by priority then id (caller frees) */
enum wb_status ledger_feeds_in_state(struct ledger *l, int state, struct ledger_feed **out,
                                     size_t *n);
/* ledger_feed_release - queued rows of a feed go back to pending */
enum wb_status ledger_feed_release(struct ledger *l, long long feed_id);
/* ledger_feed_count_fatal - how many FATAL/CANCELLED feeds a row has been through */
enum wb_status ledger_row_attempts(struct ledger *l, long long row_id, long *n);

/* ---- remote files seen by SFTP pull ---- */
/* ledger_remote_seen - 1 in *seen if remote:path with this size/mtime was taken before */
enum wb_status ledger_remote_seen(struct ledger *l, const char *remote, const char *path,
                                  long long size, long long mtime, int *seen);
/* ledger_remote_mark - record remote:path (size, mtime, digest) as taken */
enum wb_status ledger_remote_mark(struct ledger *l, const char *remote, const char *path,
                                  long long size, long long mtime, const char *digest);

/* ---- scheduler job state ---- */
struct ledger_job {
    char name[64];
    time_t last_slot; /* schedule slot last run (for catch-up) */
    time_t last_start;
    time_t last_end;
    int last_outcome; /* WB_* status */
    time_t next_run;
    long runs;
};
/* ledger_job_get - state of a job, WB_NOTFOUND if never run */
enum wb_status ledger_job_get(struct ledger *l, const char *name, struct ledger_job *out);
/* ledger_job_put - insert or replace a job's state */
enum wb_status ledger_job_put(struct ledger *l, const struct ledger_job *j);
/* ledger_job_list - all jobs (caller frees *out) */
enum wb_status ledger_job_list(struct ledger *l, struct ledger_job **out, size_t *n);

/* ---- alerts ---- */
/* ledger_alert - record an alert (kind, item id, text) unless the same open alert exists;
 * *is_new tells whether it was new (may be NULL) */
enum wb_status ledger_alert(struct ledger *l, const char *kind, const char *item, const char *text,
                            int *is_new);
struct ledger_alert_view {
    long long id;
    const char *kind;
    const char *item;
    const char *text;
    time_t created;
};
typedef int (*ledger_alert_cb)(void *arg, const struct ledger_alert_view *a);
/* ledger_alert_close - close the open alert of kind and item; *closed = 1 if there was one */
enum wb_status ledger_alert_close(struct ledger *l, const char *kind, const char *item,
                                  int *closed);
/* ledger_alerts_open - iterate open alerts */
enum wb_status ledger_alerts_open(struct ledger *l, ledger_alert_cb cb, void *arg);

/* ---- orders from Amazon (Amazon -> WMS) ----
 * An order is kept once per account by order id with the lastUpdatedTime taken and the digest
 * of the rows the WMS holds. Its rows go out through a batch: staged (rows kept) in the same
 * transaction as the orders' new states, then the file is written, then the batch is marked
 * written; its rows (personal data) stay for the retention of personal data, then
 * ledger_order_pii_purge removes them from the file. Recovery writes staged batches again. */
enum ledger_order_state {
    LO_WRITTEN = 1, /* its rows (new or amended) are in a batch */
    LO_CANCELLED,   /* cancelled: a cancel record went out, or it never reached the WMS */
    LO_HELD,        /* the gate held it: reject/orders/ has its record */
    LO_REQUEUED,    /* released by requeue: the gate runs again when it is seen */
    LO_SKIPPED,     /* not for the WMS (pending, shipped, fulfilled by Amazon) */
    LO_NSTATES
};
#define LEDGER_ACCOUNT_MAX 64
#define LEDGER_TOKEN_MAX 2048
struct ledger_order {
    char account[LEDGER_ACCOUNT_MAX]; /* "" the default account */
    char order_id[32];
    time_t updated; /* Amazon's lastUpdatedTime last taken */
    unsigned long long digest;
    int state;
    int written; /* the WMS holds a version of it */
    long long batch;
    char code[32];
    char reason[512];
    time_t ship_by; /* shipByWindow.latestDateTime, 0 when Amazon gave none */
    time_t placed;  /* Amazon's createdTime: when the buyer placed it */
    time_t in_wms;  /* when its first file was in place (ledger_order_batch_written), 0 not yet */
};
struct ledger_order_sync {
    char account[LEDGER_ACCOUNT_MAX];
    time_t after;                 /* lastUpdatedAfter of the next window (before the overlap) */
    char token[LEDGER_TOKEN_MAX]; /* nextToken of the window in progress, "" none */
    time_t window_start;          /* when the window in progress was asked for */
    time_t rewind;                /* a requeued order's time: the next window starts no later */
    time_t last_ok;               /* when a window last completed */
    time_t last_try;
};
/* ledger_order_get - an account's order, WB_NOTFOUND if never seen */
enum wb_status ledger_order_get(struct ledger *l, const char *account, const char *order_id,
                                struct ledger_order *out);
/* ledger_order_put - insert or replace an account's order */
enum wb_status ledger_order_put(struct ledger *l, const struct ledger_order *o);
/* ledger_order_counts - an account's orders by state (index = state) */
enum wb_status ledger_order_counts(struct ledger *l, const char *account, long counts[LO_NSTATES]);
/* ledger_order_batch_add - stage a batch of encoded WMS rows to be written as name */
enum wb_status ledger_order_batch_add(struct ledger *l, const char *account, const char *name,
                                      const char *rows, long long *id);
/* ledger_order_batch_name - set the file name of a batch */
enum wb_status ledger_order_batch_name(struct ledger *l, long long id, const char *name);
typedef int (*ledger_batch_cb)(void *arg, long long id, const char *name, const char *rows);
/* ledger_order_batches_staged - an account's staged batches, oldest first */
enum wb_status ledger_order_batches_staged(struct ledger *l, const char *account,
                                           ledger_batch_cb cb, void *arg);
/* ledger_order_batch_written - the batch's file is in place (now): the first one of each of its
 * written orders sets their in_wms; its rows stay until ledger_order_pii_purge */
enum wb_status ledger_order_batch_written(struct ledger *l, long long id);
/* ledger_order_units_put - the units of one line (seller SKU) of an order written for the WMS;
 * the line keeps the time it was first taken in, its quantity is the newest */
enum wb_status ledger_order_units_put(struct ledger *l, const char *account, const char *order_id,
                                      const char *sku, long qty);
typedef int (*ledger_units_cb)(void *arg, const char *sku, long long units);
/* ledger_order_units_since - per seller SKU in ascending byte order, the units of an account's
 * orders in the WMS and not cancelled (LO_WRITTEN) whose lines were taken in at or after since:
 * the ones a stock snapshot of that time does not reflect yet */
enum wb_status ledger_order_units_since(struct ledger *l, const char *account, time_t since,
                                        ledger_units_cb cb, void *arg);
/* one line of a WMS returns receipt matched to an expected return */
struct ledger_receipt {
    const char *account; /* "" = the default seller account */
    long long file_id;   /* the receipt file's ledger id, and its line: the line's identity */
    long lineno;
    const char *rma, *order_id, *sku; /* the expected return it matched; seller SKU */
    long qty;
    const char *disposition; /* as the WMS wrote it: sellable, refurbish, damaged, scrap */
    int sellable;            /* 1: the units count again as sellable stock */
    time_t received;         /* when the WMS received the units */
    const char *wms_sku;     /* the WMS SKU received (NULL: "") */
};
/* ledger_receipt_put - record a receipt line (the same file line again changes nothing) */
enum wb_status ledger_receipt_put(struct ledger *l, const struct ledger_receipt *r);
/* ledger_return_units_since - per seller SKU in ascending byte order, the sellable units of an
 * account's return receipts received at or after since: the ones a stock snapshot of that time
 * does not reflect yet */
enum wb_status ledger_return_units_since(struct ledger *l, const char *account, time_t since,
                                         ledger_units_cb cb, void *arg);
/* ledger_order_sync_get - an account's sync state (zeroes when it never ran) */
enum wb_status ledger_order_sync_get(struct ledger *l, const char *account,
                                     struct ledger_order_sync *out);
/* ledger_order_sync_put - write an account's sync state */
enum wb_status ledger_order_sync_put(struct ledger *l, const struct ledger_order_sync *s);

/* ledger_due_cb - an order due to ship: its dispatch rows' least advanced state (0 none, else
 * LR_*) and, while one is pending or queued, when the first of those was recorded */
typedef int (*ledger_due_cb)(void *arg, const char *order_id, time_t ship_by, int dispatch_state,
                             time_t dispatch_since);
/* ledger_orders_due - an account's orders in the WMS with a ship-by at or before due, with the
 * rows of confirm_lane (the lane whose rows confirm dispatches: key "ORDER|...") */
enum wb_status ledger_orders_due(struct ledger *l, const char *account, const char *confirm_lane,
                                 time_t due, ledger_due_cb cb, void *arg);

/* ---- the operators' side ---- */
/* an alert as kept: who it concerns, when it was first seen and last sent */
struct ledger_alert_rec {
    long long id;
    char kind[64];
    char item[320];
    char account[64];
    char flow[64];
    char text[1024];
    time_t created;
    time_t notified;
};
/* ledger_alert_find - the open alert of kind and item, WB_NOTFOUND if none */
enum wb_status ledger_alert_find(struct ledger *l, const char *kind, const char *item,
                                 struct ledger_alert_rec *out);
/* ledger_alert_add - a new open alert (kind, item, account, flow, text, created = notified) */
enum wb_status ledger_alert_add(struct ledger *l, const struct ledger_alert_rec *a);
/* ledger_alert_notified - an open alert was sent again at when, with text */
enum wb_status ledger_alert_notified(struct ledger *l, long long id, time_t when, const char *text);
/* ledger_alerts_list - the open alerts, oldest first (caller frees *out) */
enum wb_status ledger_alerts_list(struct ledger *l, struct ledger_alert_rec **out, size_t *n);
/* ledger_job_streak - count a run of job that ended at when: failed (1) adds one to its streak
 * of failed runs, a success (0) ends it and is its last success */
enum wb_status ledger_job_streak(struct ledger *l, const char *job, int failed, time_t when);
/* ledger_job_fails - the streak of failed runs of job and (last_ok may be NULL) the end of its
 * last success, 0 if none; WB_NOTFOUND (0) if it never ran */
enum wb_status ledger_job_fails(struct ledger *l, const char *job, long *fails, time_t *last_ok);
/* an operator's action on a spool file (requeue, hold, drop): who, when, why */
struct ledger_action {
    time_t at;
    const char *user;
    const char *action;
    const char *account; /* "" = the default account */
    const char *flow;
    const char *name;
    const char *reason;
};
typedef int (*ledger_action_cb)(void *arg, const struct ledger_action *a);
/* ledger_action_add - record an operator's action */
enum wb_status ledger_action_add(struct ledger *l, const struct ledger_action *a);
/* ledger_actions_of - the actions on name (of flow; NULL: any flow), oldest first */
enum wb_status ledger_actions_of(struct ledger *l, const char *flow, const char *name,
                                 ledger_action_cb cb, void *arg);
/* ledger_feed_outcomes - feeds of seller account (NULL: every account, "": the default one)
 * created in [since, until), by state (index = state) */
enum wb_status ledger_feed_outcomes(struct ledger *l, const char *account, time_t since,
                                    time_t until, long counts[LFD_LAST + 1]);
/* ledger_rows_rejected_between - rows rejected (last changed) in [since, until) */
enum wb_status ledger_rows_rejected_between(struct ledger *l, time_t since, time_t until, long *n);
/* ledger_feed_done_after - WB_OK if a feed of the flow and seller account of feed id, later
 * than it, ended done, else WB_NOTFOUND */
enum wb_status ledger_feed_done_after(struct ledger *l, long long id);

/* ledger_api_add - add one SP-API client's calls and 429 answers of op (SP-API operation) to
 * its totals */
enum wb_status ledger_api_add(struct ledger *l, const char *op, long calls, long throttled);
typedef int (*ledger_api_cb)(void *arg, const char *op, long calls, long throttled);
/* ledger_api_list - the totals per operation, by name */
enum wb_status ledger_api_list(struct ledger *l, ledger_api_cb cb, void *arg);

/* ---- retention ---- */
/* ledger_purge - delete settled rows/files/feeds, settled orders and written order batches older
 * than cutoff; *n = rows deleted */
enum wb_status ledger_purge(struct ledger *l, time_t cutoff, long *n);

/* ---- returns: expected returns and the receipts matched to them ---- */
/* ledger_expected_return_put - an RMA line of a returns report written to the WMS: qty units of
 * wms_sku expected back (seller_sku as Amazon reported it); the same again changes nothing */
enum wb_status ledger_expected_return_put(struct ledger *l, const char *account, const char *rma,
                                          const char *order_id, const char *seller_sku,
                                          const char *wms_sku, long long qty);
/* what an RMA expects of one WMS SKU, and what receipts of it were recorded */
struct ledger_expected {
    int rma_known;      /* the account has expected returns of the RMA */
    int sku_known;      /* ... of this WMS SKU */
    long long expected; /* units of the WMS SKU the RMA expects */
    long long received; /* units of it the recorded receipts took */
    char order_id[64];  /* the RMA's order */
};
/* ledger_expected_return - out for an account's RMA and WMS SKU (zeroes when unknown) */
enum wb_status ledger_expected_return(struct ledger *l, const char *account, const char *rma,
                                      const char *wms_sku, struct ledger_expected *out);

/* ---- orders: buyers' personal data kept for a while, and the orders' health figures ---- */
/* ledger_order_pii_purge - the rows (buyers' names, addresses, phones) of an account's batches
 * whose file was in place at or before cutoff go from the ledger's files: zeroed in the database
 * (secure_delete) and the WAL truncated; *n = batches purged. WB_TEMPFAIL when a reader kept
 * the WAL from being truncated (the next call truncates it) */
enum wb_status ledger_order_pii_purge(struct ledger *l, const char *account, time_t cutoff,
                                      long *n);
/* ledger_order_batch_rows - the rows of an account's written batch name, still kept (caller
 * frees *rows); WB_NOTFOUND when no written batch has that name, WB_NOINPUT when its rows
 * were purged */
enum wb_status ledger_order_batch_rows(struct ledger *l, const char *account, const char *name,
                                       char **rows);
/* minutes from order placed to its first file in place, over a window */
struct ledger_latency {
    long n;        /* orders */
    long long pct; /* the percentile asked for (nearest rank), seconds */
    long long max; /* the longest, seconds */
};
/* ledger_order_latency - an account's orders whose first file was in place in [from, to) */
enum wb_status ledger_order_latency(struct ledger *l, const char *account, time_t from, time_t to,
                                    int percentile, struct ledger_latency *out);
/* ledger_order_acks - an account's orders whose first file was in place in [from, to) and whose
 * acknowledgement deadline (in place + within seconds) is at or before now or whose row of
 * ack_lane (key "ORDER|") Amazon confirmed: *due of them, *on_time confirmed by the deadline */
enum wb_status ledger_order_acks(struct ledger *l, const char *account, const char *ack_lane,
                                 time_t from, time_t to, long within, time_t now, long *due,
                                 long *on_time);

/* ---- settlement reconciliation ----
 * Each settlement taken in (its period), what it paid (kind LP_ORDER: its Order rows summed per
 * order) or refunded (LP_REFUND: its Refund rows) for each merchant-fulfilled order, and the
 * findings of its reconciliation (LP_PAID_NOT_DISPATCHED, LP_DISPATCHED_NOT_PAID,
 * LP_REFUND_NO_RETURN), so an order paid by any settlement is paid for every later one */
enum ledger_paid_kind { LP_ORDER = 1, LP_REFUND };
enum ledger_finding_kind {
    LP_PAID_NOT_DISPATCHED = 1,
    LP_DISPATCHED_NOT_PAID,
    LP_REFUND_NO_RETURN,
    LP_FINDINGS /* kinds + 1 */
};
struct ledger_paid {
    const char *account; /* "" = the default seller account */
    const char *settlement_id, *order_id;
    int kind;         /* LP_ORDER or LP_REFUND */
    long long amount; /* minor units of the settlement's currency */
    time_t posted;    /* the first posted-date(-time) of those rows */
};
/* ledger_settlement_put - a settlement taken in (the same one again changes nothing) */
enum wb_status ledger_settlement_put(struct ledger *l, const char *account, const char *id,
                                     time_t start, time_t end, const char *currency);
/* ledger_settlement_first_start - the earliest start of an account's settlements taken in;
 * WB_NOTFOUND when none */
enum wb_status ledger_settlement_first_start(struct ledger *l, const char *account, time_t *start);
/* ledger_paid_put - what a settlement paid or refunded for an order (the same again replaces) */
enum wb_status ledger_paid_put(struct ledger *l, const struct ledger_paid *p);
typedef int (*ledger_unpaid_cb)(void *arg, const char *order_id, time_t confirmed);
/* ledger_dispatched_unpaid - by order id, the orders whose dispatch rows of dispatch_lane (keys
 * "ORDER|...") Amazon first confirmed in [since, before) and no settlement of account paid
 * (LP_ORDER) */
enum wb_status ledger_dispatched_unpaid(struct ledger *l, const char *account,
                                        const char *dispatch_lane, time_t since, time_t before,
                                        ledger_unpaid_cb cb, void *arg);
/* ledger_receipt_first - when the first return receipt of an account's order was received;
 * WB_NOTFOUND when none */
enum wb_status ledger_receipt_first(struct ledger *l, const char *account, const char *order_id,
                                    time_t *received);
/* ledger_finding_put - one finding of a settlement's reconciliation (the same again replaces);
 * amount in minor units (0 when the settlement holds none) */
enum wb_status ledger_finding_put(struct ledger *l, const char *account, const char *settlement_id,
                                  int kind, const char *order_id, long long amount);
/* ledger_settlement_drift - how many of an account's settlements end in [from, to) and, by
 * finding kind (index), their distinct orders found */
enum wb_status ledger_settlement_drift(struct ledger *l, const char *account, time_t from,
                                       time_t to, long *settlements, long by_kind[LP_FINDINGS]);
typedef int (*ledger_latency_cb)(void *arg, long long seconds);
/* ledger_refund_latencies - each refund of an account posted in [from, to) in ascending order of
 * the seconds from its order's first return receipt to the refund (0 when refunded before the
 * receipt); -1 (first) for a refund of an order without a receipt */
enum wb_status ledger_refund_latencies(struct ledger *l, const char *account, time_t from,
                                       time_t to, ledger_latency_cb cb, void *arg);

/* ---- inventory cadence: deferred changes, last publications, what Amazon has not accepted ----
 * A slow SKU's change waits as a pending row with a due time (rows.due, 0: none): it is taken
 * into a feed only once due (ledger_rows_pending, ledger_pending_stats). */
/* ledger_row_defer - a pending row (just added) waits until due */
enum wb_status ledger_row_defer(struct ledger *l, long long row_id, time_t due);
/* ledger_published_cb - a seller SKU, the payload of its newest row put in a feed (queued or
 * confirmed) and when that feed was made */
typedef int (*ledger_published_cb)(void *arg, const char *sku, const char *payload, time_t when);
/* ledger_inventory_published - per seller SKU of lane (ascending), its newest row put in a feed */
enum wb_status ledger_inventory_published(struct ledger *l, const char *lane,
                                          ledger_published_cb cb, void *arg);
/* ledger_open_cb - a seller SKU with a change Amazon has not accepted yet: since, the snapshot
 * time (else arrival) of the file of its first change after the last one Amazon accepted (a
 * change replaced before sending counts); pending 1 while its newest change waits unsent, and
 * due that row's deferral (0: none) */
typedef int (*ledger_open_cb)(void *arg, const char *sku, time_t since, int pending, time_t due);
/* ledger_inventory_open - each seller SKU of lane (ascending) with a change not accepted */
enum wb_status ledger_inventory_open(struct ledger *l, const char *lane, ledger_open_cb cb,
                                     void *arg);
/* ledger_inventory_newest - the newest snapshot time (else arrival) of lane's files taken in
 * (parsed or done); 0 when none */
enum wb_status ledger_inventory_newest(struct ledger *l, const char *lane, time_t *t);

#endif
