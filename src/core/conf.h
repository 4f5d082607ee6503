/*
 * conf.h - wmsbridge.conf: one parameter table drives parsing, validation,
 * `wmsbridge check`, the man page and "show non-default settings".
 *
 * Format: `key = value` lines, `#` comments, blank lines ignored. Remote SFTP
 * peers are sections: `remote.NAME.KEY = value`. Relative paths are taken
 * relative to the config file's directory. Loading validates the whole file:
 * every unknown key, bad value or missing file is reported as "file:line: text"
 * and the load returns WB_CONFIG. Never exits.
 */
#ifndef WB_CONF_H
#define WB_CONF_H

#include <stddef.h>

#include "core/buf.h"
#include "core/wb.h"

#define CONF_MAX_REMOTES 16
#define CONF_MAX_FLOWS 16
#define CONF_MAX_ACCOUNTS 64 /* the default account and 63 named ones */
#define CONF_ACCOUNT_NAME 32
#define CONF_DEFAULT_ACCOUNT "default"

/* a seller account: accounts[0] is the default one, made of the top-level settings
 * (merchant_id, marketplace_ids, sp_api_endpoint, lwa_endpoint, credentials); `account.NAME.KEY`
 * lines add others, each taking the top-level value for a key it leaves empty */
struct wb_account {
    char *name;
    char *merchant_id;
    char *marketplace_ids;
    char *sp_api_endpoint;
    char *lwa_endpoint;
    char *credentials;
    char *currency;     /* ISO 4217, "" = not checked */
    char *dispatch_via; /* feed | api | auto: how its shipment confirmations go out */
};
#define CONF_FLOW_NAME 32

/* `FLOW_layout = NAME`: the layout of one flow's files (flows/flow.c says which flows exist) */
struct conf_flow_layout {
    char flow[CONF_FLOW_NAME];
    char *layout;
    int line;
};

enum conf_type {
    CONF_STR,  /* any non-empty text */
    CONF_INT,  /* integer in [min,max] */
    CONF_BOOL, /* yes/no/true/false/1/0 */
    CONF_FILE, /* path to an existing readable file */
    CONF_DIR,  /* path to a directory (created by the spool if missing) */
    CONF_PATH, /* path, existence not required */
    CONF_URL,  /* http:// or https:// URL */
};

struct wb_remote {
    char *name;
    char *host;
    long port;
    char *user;
    char *identity;      /* private key file, must not be readable by others */
    char *password_file; /* only when auth = password */
    char *auth;          /* publickey | password */
    char *known_hosts;
    char *fingerprint; /* pinned SHA256:base64 host key fingerprint */
    char *remote_dir;
    char *pattern; /* fnmatch pattern for pull */
    char *flow;
    char *account;     /* seller account of its lane (`default`: in/FLOW/, else in/ACCOUNT/FLOW/) */
    char *direction;   /* pull | push */
    char *archive_dir; /* remote dir to move pulled files to; empty = delete */
    char *done_suffix; /* optional done-marker suffix, e.g. .done */
    long min_age;      /* seconds a remote file must be unchanged */
    long timeout;      /* seconds per operation */
};

struct wb_config {
    char *path; /* the file it came from */
    char *base_dir;
    char *spool_dir;
    char *ledger;
    char *layout_dir;
    char *xsd_dir;
    char *carriers_map;
    char *skus_map;
    char *stock_states_map; /* stock snapshots: state -> sellable or not */
    char *buffers_map;      /* stock snapshots: safety buffers; empty = none */
    char *gl_map;
    char *carrier_codes;
    char *result_codes;
    char *credentials;
    char *merchant_id;
    char *marketplace_ids;
    char *currency;
    char *sp_api_endpoint;
    char *lwa_endpoint;
    char *ca_file;
    char *time_zone;
    char *schedule;
    char *log_level;
    char *alert_command;
    char *alert_owners;
    char *metrics_file;
    int log_syslog;
    int allow_root;
    int tls_verify;
    long settle_seconds;
    long max_ship_age_days;
    long max_future_minutes;
    long batch_window_seconds;
    long batch_max_messages;
    long feed_stuck_minutes;
    long feed_poll_seconds;
    long feed_list_delay_seconds;
    long orders_overlap_seconds;
    long orders_lag_seconds;
    long ship_by_alert_minutes;
    long dispatch_confirm_minutes;
    long orders_pii_days;           /* buyers' personal data kept in the ledger (0: none) */
    long ack_within_minutes;        /* an acknowledgement accepted this soon is on time */
    long target_order_sync_minutes; /* health target of the order sync latency */
    long target_ack_on_time_pct;    /* health target of the acknowledgements on time */
    long http_timeout;
    long retry_max;
    long retry_base_ms;
    long retry_cap_ms;
    long retention_days;
    long job_timeout;
    long job_grace_seconds;
    long rescan_seconds;
    long alert_renotify_minutes;
    long alert_job_failures;
    long backlog_sla_minutes;
    long target_feed_success_pct;
    long target_exception_backlog;
    long target_settlement_drift;     /* findings of settlement reports ended in the window */
    long target_refund_latency_hours; /* median hours from receipt to refund */
    long settlement_unpaid_days;      /* dispatched this long before a settlement's end: due */
    char *dispatch_via;    /* feed | api | auto (accounts take it unless they set their own) */
    long dispatch_api_max; /* auto: a batch of at most this many confirmations goes by the API */
    long inventory_hold_percent;    /* a snapshot under this share of the last published is held */
    long returns_window_days;       /* how far back a returns report request reaches */
    char *returns_dispositions_map; /* a return's disposition -> sellable; "" = built in */
    long inventory_slow_minutes; /* a slow SKU's rise waits this long after its last publication */
    char *inventory_fast_skus;   /* seller SKUs always fast; empty = none */
    long inventory_fast_units_per_day; /* units sold a day that make a SKU fast (0: off) */
    long inventory_velocity_days;      /* over this many days */
    long target_inventory_freshness_minutes;
    int nremotes;
    struct wb_remote remotes[CONF_MAX_REMOTES];
    int nflow_layouts;
    struct conf_flow_layout flow_layouts[CONF_MAX_FLOWS];
    int naccounts; /* at least 1 after conf_load */
    struct wb_account accounts[CONF_MAX_ACCOUNTS];
};

struct conf_param {
    const char *name;
    enum conf_type type;
    const char *def; /* default as text; NULL = required */
    size_t off;      /* offset into the struct */
    long min, max;
    const char *help;
};

/* conf_init - fill defaults (no file); paths relative to base_dir */
enum wb_status conf_init(struct wb_config *c, const char *base_dir);
/* conf_load - read and validate a whole config file; errors appended to errs */
enum wb_status conf_load(struct wb_config *c, const char *path, struct buf *errs);
/* conf_account_params - the account.NAME.* table */
const struct conf_param *conf_account_params(size_t *n);
/* conf_sink_ok - 1 if v is one of the dispatch_via values: feed, api, auto */
int conf_sink_ok(const char *v);
/* conf_find_account - an account by name ("default": the top-level one), NULL if none */
const struct wb_account *conf_find_account(const struct wb_config *c, const char *name);
/* conf_flow_layout - the layout a `FLOW_layout` line set for flow, or dflt */
const char *conf_flow_layout(const struct wb_config *c, const char *flow, const char *dflt);
/* conf_free - release everything */
void conf_free(struct wb_config *c);
/* conf_params - the top-level table (for check, docs, show) */
const struct conf_param *conf_params(size_t *n);
/* conf_remote_params - the remote.NAME.* table */
const struct conf_param *conf_remote_params(size_t *n);
/* conf_show - append "key = value" lines (all, or only non-default) */
enum wb_status conf_show(const struct wb_config *c, int non_default_only, struct buf *out);
/* conf_find_remote - remote by name or NULL */
const struct wb_remote *conf_find_remote(const struct wb_config *c, const char *name);

#endif
