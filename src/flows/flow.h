/*
 * flow.h - the flow table: one row per flow, iterated by the commands, the
 * scheduler wiring, the environment loader and the layout check. Nothing
 * outside src/flows/ names a flow; adding one is a file src/flows/NAME_flow.c
 * (its rules, classifier and renderer) plus a row in flow.c.
 *
 * What is a flow and what is shared machinery in src/flows/:
 *   a flow:      dispatch.c (rules), dispatch_flow.c (row classifier, feed renderer, job),
 *                dispatch_convert.c (`convert dispatch`); inventory.c (rules, stock table),
 *                inventory_convert.c (`convert inventory`); orders.c (rules), orders_flow.c
 *                (job), orders_convert.c (`convert orders`)
 *   machinery every flow shares: flow.c (this table), env.c (loaded environment), flow_jobs.c
 *                (jobs), outflow.c (WMS -> Amazon pipeline), sink.c (feed or Orders API, per
 *                batch), sink_feed.c + feeds.c (feed submit/poll/settle), sink_api.c (calls),
 *                rejects.c, cells.c, keyset.c, alert.c, sftp_xfer.c
 *
 * A flow's name is its spool directory (in/NAME/, work/NAME/, reject/NAME/...), its ledger
 * `flow` column, its job's name and its layout setting (`NAME_layout`).
 * Returns WB_* codes; never exits.
 */
#ifndef WB_FLOW_H
#define WB_FLOW_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "core/buf.h"

struct wb_env;
struct wb_account;
struct layout;
struct outflow;
struct outflow_stats;
struct feeds_client;
struct wb_config;
struct health;
struct wb_account;
struct stockstates;
struct buffers;
struct wb_account;

enum flow_direction {
    FLOW_TO_AMAZON,   /* WMS files in in/NAME/ become feeds */
    FLOW_FROM_AMAZON, /* Amazon documents become WMS files in out/NAME/ */
    FLOW_FROM_WMS,    /* WMS files in in/NAME/ are kept in the ledger; nothing goes to Amazon */
};

/* what `convert FLOW` is given on its command line */
struct flow_convert_args {
    const struct layout *layout;
    const struct carriers *carriers;
    const struct skus *skus; /* NULL: not checked */
    const char *merchant;
    const struct stockstates *states; /* NULL: not given */
    const struct buffers *buffers;    /* NULL: not given */
    int xsd;                          /* 1: the feed is to be checked against Amazon's XSDs */
};

struct flow_convert_stats {
    long rows, good, rejected, messages;
};

/* what `convert FLOW` gives a flow that turns an Amazon document into a WMS or finance file */
struct flow_doc_args {
    const struct layout *layout; /* the output layout */
    const char *map;             /* the file named by the row's convert_map_option */
    const char *currency;        /* the account's currency; NULL: not checked */
};

struct flow_def {
    const char *name;
    enum flow_direction direction;
    const char *layout_default;  /* layout when the config has no `NAME_layout` line */
    const char *const *required; /* field vocabulary of its layouts, NULL terminated */
    const char *const *optional;
    const char *job_help; /* its job (named after the flow) in `run --once` and the schedule */
    const char *job_options;
    /* open - bind the flow to the loaded environment: *inst for run/close, *of its pipeline.
     * open, run and close are NULL for a flow that only converts (no spool path yet: neither
     * open nor fetch): it has no job, and feeds are never polled or settled for it; and for an
     * Amazon -> WMS flow, whose spool path is its fetch hook */
    int (*open)(const struct wb_env *env, void **inst, struct outflow **of, struct buf *err);
    /* run - intake, batch, submit (fc NULL: offline), poll, settle */
    int (*run)(void *inst, struct wb_env *env, struct feeds_client *fc, int force,
               struct outflow_stats *st);
    void (*close)(void *inst);
    /* on - NULL, or whether the configuration turns the flow's spool path on (a flow that
     * needs maps of its own is off until they are set): off, it has no lanes (no status
     * block, no watch, no poll, its layout loaded only when named) and its job does nothing */
    int (*on)(const struct wb_config *cfg);
    /* convert - stdin rows to a feed on out, rejects to rej (NULL: none); lines (optional)
     * gets each message's first input line as a long; NULL: the flow does not convert */
    int (*convert)(const struct flow_convert_args *a, FILE *in, FILE *out, FILE *rej,
                   struct flow_convert_stats *st, struct buf *lines, struct buf *err);
    /* convert_check - WB_CONFIG with the reason in err when a's layout and maps do not fit */
    int (*convert_check)(const struct flow_convert_args *a, struct buf *err);

    /* Amazon -> WMS flows leave open, run and close NULL and set fetch instead (NULL for the
     * other rows): */
    /* fetch - the flow's job for one seller account a (the job calls it for each, with a's
     * client; fc NULL: offline, nothing is fetched): fetch what changed at Amazon and write WMS
     * files in a's out/ lane; st counts documents (files), records (rows), written (good) and
     * held (rejected) */
    int (*fetch)(struct wb_env *env, const struct wb_account *a, struct feeds_client *fc, int force,
                 struct outflow_stats *st);
    /* status - lines for `status` (optional): how the flow's sync stands, no personal data */
    void (*status)(struct wb_env *env, struct buf *out);
    /* status_json - NULL, or the same for `status --json`: one JSON object (under "flow_status",
     * keyed by the flow's name) */
    void (*status_json)(struct wb_env *env, struct buf *out);
    /* health - NULL, or the health figures the flow gives for account a (flows/health.h): it
     * sets configured (and have, value, target from its config, detail) of each figure it
     * owns (orders: order sync latency and acknowledgements on time, inventory: inventory
     * freshness, settlements: settlement drift and refund latency); the others say "not
     * configured". Rates and latencies are taken over the events of [from, to); a figure that
     * is a state (freshness) is taken as of `to`, and leaves `have` 0 when it cannot be known
     * for a past moment. Reads only. */
    void (*health)(struct wb_env *env, const struct wb_account *a, time_t from, time_t to,
                   struct health *h);
    /* report_option, report - NULL, or a word of job_options that makes the flow's job run
     * report instead of its spool path: for each seller account a (with a's client, like
     * fetch), read Amazon's side and write a report file in a's out/ lane (inventory: drift) */
    const char *report_option;
    int (*report)(struct wb_env *env, const struct wb_account *a, struct feeds_client *fc,
                  int force, struct outflow_stats *st);

    /* Amazon -> WMS/finance flows: optional members, NULL for the other rows */
    const char *out_name;           /* its out/ directory when not its name ("journals") */
    const char *convert_as;         /* the name `convert` knows the flow by (NULL: its name) */
    const char *convert_map_option; /* the option naming the map convert_doc reads ("--gl") */
    /* convert_doc - an Amazon document on in becomes the flow's file on out, written whole or not
     * at all: WB_OK written; WB_PERMFAIL the map lacks entries (listed in err); WB_NOINPUT the
     * document is refused (the reason in err); other codes for I/O */
    int (*convert_doc)(const struct flow_doc_args *a, FILE *in, FILE *out, struct buf *err);

    /* in_name - NULL, or the directory the flow's lane is named by when not its name: the WMS
     * drops its files in in/IN_NAME/ (work/, reject/, done/ and the ledger follow), e.g. the
     * returns receipts in in/returns/ beside the expected returns of out/returns/. flow_lane
     * gives it for the flow's name, so every lane of the program follows one rule */
    const char *in_name;
    /* rewrite - NULL, or write the file `name` of account a's out/ lane again from what the
     * ledger keeps of it (a file the WMS lost): WB_OK written; WB_NOTFOUND the flow wrote no file
     * of that name; WB_NOINPUT its content is kept no longer (the reason in err) */
    int (*rewrite)(struct wb_env *env, const struct wb_account *a, const char *name,
                   struct buf *err);
};

/* flow_on - 1 if fd has a spool path (open or fetch) and cfg turns it on (see `on`), else 0 */
int flow_on(const struct flow_def *fd, const struct wb_config *cfg);
/* flows - the table, n rows */
const struct flow_def *flows(size_t *n);
/* flow_find_convert - a flow by the name `convert` knows it by, NULL if none */
const struct flow_def *flow_find_convert(const char *name);
/* flow_find - a flow by name, NULL if none */
const struct flow_def *flow_find(const char *name);
/* flow_index - the row number of fd in the table */
size_t flow_index(const struct flow_def *fd);
/* flow_layout_name - the layout a config names for fd (its `NAME_layout` or the default) */
struct wb_config;
const char *flow_layout_name(const struct flow_def *fd, const struct wb_config *cfg);
/* flow_layout_check - WB_CONFIG with "origin: text" lines in errs when l lacks a field of the
 * vocabulary of the flow it names or has one outside it; layouts of no known flow pass */
int flow_layout_check(const struct layout *l, struct buf *errs);
/* flow_env_layout - the loaded layout of fd in env (NULL if not loaded) */
const struct layout *flow_env_layout(const struct wb_env *env, const struct flow_def *fd);

/* Lanes: the spool and the ledger keep each seller account's files apart by lane, the string
 * spool and ledger functions take where they take a flow: "FLOW" for the default account (so a
 * single-seller spool is unchanged), "ACCOUNT/FLOW" for a named one (in/ACCOUNT/FLOW/ ...). */
struct wb_account;
#define FLOW_LANE_MAX 64 /* CONF_ACCOUNT_NAME + CONF_FLOW_NAME: an account name, '/', a flow */
/* flow_lane - the lane of flow for account a (NULL: the default account) into out; WB_TOOBIG
 * when it does not fit n bytes */
int flow_lane(const char *flow, const struct wb_account *a, char *out, size_t n);
/* flow_lane_named - the same for an account given by name ("", "default" or NULL: the default
 * account), e.g. the account column of a ledger record. A row with an in_name has that as its
 * lane's flow part */
int flow_lane_named(const char *flow, const char *account, char *out, size_t n);
/* flow_account_name_ok - 1 if name can be a named account's lane segment: it is no flow name
 * (in/FLOW/ of the default account would be its directory) and no spool state name; else 0
 * with the reason in why */
int flow_account_name_ok(const char *name, char *why, size_t n);
/* flow_lane_is - 1 if a ledger record of flow and account ('' or "default": the default
 * account) belongs to lane */
int flow_lane_is(const char *lane, const char *flow, const char *account);

#endif
