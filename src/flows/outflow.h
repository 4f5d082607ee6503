/*
 * outflow.h - the generic WMS -> Amazon pipeline shared by every outbound flow
 * (dispatch today; inventory and acks plug in the same way).
 *
 *   in/<flow>/F --claim--> work/<flow>/F --parse+validate--> ledger rows (pending)
 *                                        \--> reject/<flow>/F-rejects-<id>.csv (+ .reason)
 *   pending rows --outflow_build--> feeds/<id>-<type>.xml (validated) --submit--> Amazon
 *   every row of F confirmed or rejected --outflow_settle--> done/<date>/<flow>/F
 *                        (F changed since it was read: read again, lines taken skipped)
 *
 * A flow supplies its layout, the fields it needs, a row classifier (business
 * key, group key, payload or a reject) and a document renderer. Crash safety:
 * the file record is committed before parsing, reject files have
 * deterministic names and are replaced on a re-run, rows and the file state
 * commit in one transaction, so a restart re-parses a half-done file exactly
 * once; a file of work/ is known by its name and content, never its name alone.
 * One file that cannot be read waits with an alert and never stops the others.
 * Returns WB_* codes; never exits.
 */
#ifndef WB_OUTFLOW_H
#define WB_OUTFLOW_H

#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "core/buf.h"
#include "core/conf.h"

struct spool;
struct ledger;
struct layout;
struct csvr_row;
struct xsdcheck;

struct outflow_verdict {
    char key[256];
    char group[256];
    struct buf payload;
    char code[32];
    char reason[512];
};

/* messages the feed writer refused while a feed was rendered: left out of its document, their
 * rows rejected with the writer's reason (E_FEED_VALUE), the other rows sent */
struct outflow_refusals {
    struct outflow_refused {
        long message_id;
        char reason[256];
    } * v;
    size_t n, cap;
};

struct outflow {
    /* flow - the lane the pipeline works on (flows/flow.h flow_lane): the flow's name for the
     * default seller account, ACCOUNT/FLOW for a named one; spool and ledger take it as it is */
    const char *flow;
    /* account - the seller account of the lane (NULL: the default one): its merchant_id renders
     * the feeds, its credentials submit them */
    const struct wb_account *account;
    /* full - the job's `full` option (set by the job, 0 otherwise): a flow that sends only
     * changes sends everything once (inventory: the next snapshot publishes every SKU) */
    int full;
    const char *feed_type;
    const char *content_type;
    int priority; /* 0 = tracking (first when quota is short) */
    const struct layout *layout;
    const char *const *required;
    size_t nrequired;
    /* classify - WB_OK filling key/group/payload, or WB_PERMFAIL filling code/reason */
    int (*classify)(void *arg, int read_rc, const struct csvr_row *row, struct outflow_verdict *v);
    /* render - write the document of a feed from its rows; *messages set; a message the feed
     * writer refuses is left out and noted in refused (outflow_refuse) */
    int (*render)(void *arg, struct ledger *lg, long long feed_id, FILE *out, long *messages,
                  struct outflow_refusals *refused, struct buf *err);
    void *arg;
    /* order_of - NULL, or the Amazon order id a queued row was sent under ("" if none): a
     * processing report naming another order for its message is not believed */
    void (*order_of)(const char *payload, char *out, size_t n);
    /* package - NULL, or the Orders API form of one message (flows/sink.h, the api sink):
     * from the payloads of its rows (n, in message order) the order id and the packageDetail
     * JSON object of one confirmShipment call, ref its packageReferenceId; WB_PERMFAIL with
     * the reason in err when the rows cannot make one. A flow without it goes by feed only */
    int (*package)(const char *const *payloads, size_t n, long long ref, char *order_id, size_t on,
                   struct buf *json, struct buf *err);
    /* finish - NULL, or a flow whose messages are made from a whole file (a stock snapshot):
     * a good row is then counted by classify only, not kept as a ledger row; after the rows,
     * in the same transaction, finish adds the file's message rows (ledger_row_add, pending)
     * and resets what classify counted (ok 0: the read failed, reset only). Nothing of the
     * file is committed when it answers WB_PERMFAIL (the whole file goes to reject/ with code
     * and reason) or WB_AGAIN (it goes to hold/, alert `code` with the reason as its text,
     * until an operator requeues it) */
    int (*finish)(void *arg, struct ledger *lg, long long file_id, const char *name, int ok,
                  char *code, size_t coden, char *reason, size_t reasonn);
    /* max_group_rows - rows of one group in one message at most (0: no limit); a longer
     * group continues in the next message */
    size_t max_group_rows;
    /* alert - NULL, or how the flow raises an operator alert (raised once per kind and item) */
    int (*alert)(void *alert_arg, const char *kind, const char *item, const char *text);
    void *alert_arg;
    /* stop - NULL, or a flag set once the job must stop (SIGTERM, timeout): intake finishes
     * the file it is on and claims no other */
    volatile sig_atomic_t *stop;
};

/* outflow_stopping - 1 once of->stop is set */
#define outflow_stopping(of) ((of)->stop && *(of)->stop)

struct outflow_stats {
    long files;
    long dup_files;
    long bad_files;
    long rows;
    long good;
    long rejected;
    long feeds_built;
    long settled_files;
};

/* outflow_reject_name - the one name of the reject file for rows of input file `name` (ledger
 * record file_id): NAME-rejects-FILEID.csv for rows refused at intake (feed_id 0), else
 * NAME-TAG-FEEDID-FILEID.csv; NAME loses its extension and any such tail of its own (a requeued
 * reject file's rows are named from the original stem), and is cut to fit SPOOL_NAME_MAX. Two
 * inputs never share one (both ids are in it); only the step of those ids writes it. */
int outflow_reject_name(const char *name, long long file_id, const char *tag, long long feed_id,
                        char *out, size_t n);
/* outflow_reject_source - the ledger ids a name made by outflow_reject_name carries: file_id,
 * feed_id (0 for rows refused at intake) and tag; WB_NOTFOUND when it is not such a name. The
 * caller checks that outflow_reject_name of that file gives the name back. */
int outflow_reject_source(const char *rname, long long *file_id, long long *feed_id, char *tag,
                          size_t tagn);
/* outflow_intake - recover work/, claim ready files of in/, parse them into the ledger */
int outflow_intake(const struct outflow *of, const struct wb_config *cfg, struct spool *sp,
                   struct ledger *lg, struct outflow_stats *st);
/* outflow_refuse - note in r that the feed writer refused message_id, and why */
int outflow_refuse(struct outflow_refusals *r, long message_id, const char *reason);
/* outflow_build - turn pending rows into feed documents (all now if force, else by window) */
int outflow_build(const struct outflow *of, const struct wb_config *cfg, struct spool *sp,
                  struct ledger *lg, struct xsdcheck *xc, int force, struct outflow_stats *st);
/* outflow_settle - files whose every row is settled move to done/ */
int outflow_settle(const struct outflow *of, struct spool *sp, struct ledger *lg,
                   struct outflow_stats *st);
/* outflow_reject_rows - write the given rows of a file (already marked rejected in the open
 * transaction) to reject/<flow>/NAME in the input layout, with a .reason file */
int outflow_reject_rows(const struct outflow *of, struct spool *sp, struct ledger *lg,
                        long long file_id, const long long *row_ids, size_t nrows,
                        const char *name);

#endif
