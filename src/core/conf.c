/*
 * conf.c - the parameter table and the wmsbridge.conf reader/validator.
 * Owns struct wb_config storage. Reports every problem as "file:line: text"
 * and returns WB_CONFIG; never exits, never prints.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"

#define OFF(f) offsetof(struct wb_config, f)
#define ROFF(f) offsetof(struct wb_remote, f)
#define AOFF(f) offsetof(struct wb_account, f)

static const struct conf_param params[] = {
    {"spool_dir", CONF_DIR, "../spool", OFF(spool_dir), 0, 0,
     "spool root with one directory per state"},
    {"ledger", CONF_PATH, "../spool/ledger.db", OFF(ledger), 0, 0, "SQLite ledger file (WAL mode)"},
    {"layout_dir", CONF_DIR, "../formats", OFF(layout_dir), 0, 0, "directory of *.layout files"},
    {"xsd_dir", CONF_DIR, "", OFF(xsd_dir), 0, 0,
     "Amazon XSD directory (amzn-base.xsd, OrderFulfillment.xsd, ...); empty = structural checks "
     "only"},
    {"carriers_map", CONF_FILE, "carriers.map", OFF(carriers_map), 0, 0,
     "WMS carrier/service -> Amazon CarrierCode map"},
    {"skus_map", CONF_FILE, "skus.map", OFF(skus_map), 0, 0, "WMS SKU -> seller SKU map"},
    {"stock_states_map", CONF_PATH, "", OFF(stock_states_map), 0, 0,
     "WMS stock state -> sellable or not; empty = stock snapshots are not taken in"},
    {"buffers_map", CONF_PATH, "", OFF(buffers_map), 0, 0,
     "stock snapshots: safety buffers per seller SKU; empty = none"},
    {"gl_map", CONF_PATH, "gl.map", OFF(gl_map), 0, 0,
     "settlement amounts -> ledger accounts (read anew by each run of its job)"},
    {"carrier_codes", CONF_FILE, "amazon-carrier-codes.txt", OFF(carrier_codes), 0, 0,
     "Amazon's accepted CarrierCode values, one a line"},
    {"result_codes", CONF_PATH, "result-codes.map", OFF(result_codes), 0, 0,
     "operator notes for Amazon result codes"},
    {"credentials", CONF_PATH, "credentials", OFF(credentials), 0, 0,
     "LWA client id/secret/refresh token (mode 0600)"},
    {"merchant_id", CONF_STR, NULL, OFF(merchant_id), 0, 0,
     "seller id (MerchantIdentifier in feeds)"},
    {"marketplace_ids", CONF_STR, "A1F83G8C2ARO7P", OFF(marketplace_ids), 0, 0,
     "comma separated marketplace ids"},
    {"currency", CONF_STR, "", OFF(currency), 0, 0,
     "the seller's currency (ISO 4217, e.g. GBP); Amazon documents in another are refused; "
     "empty = not checked"},
    {"sp_api_endpoint", CONF_URL, "https://sellingpartnerapi-eu.amazon.com", OFF(sp_api_endpoint),
     0, 0, "SP-API regional base URL"},
    {"lwa_endpoint", CONF_URL, "https://api.amazon.com/auth/o2/token", OFF(lwa_endpoint), 0, 0,
     "Login with Amazon token endpoint"},
    {"ca_file", CONF_PATH, "", OFF(ca_file), 0, 0, "extra CA bundle for TLS verification"},
    {"tls_verify", CONF_BOOL, "yes", OFF(tls_verify), 0, 0,
     "verify TLS peers; 'no' is refused outside WB_TEST_INSECURE"},
    {"time_zone", CONF_STR, "UTC", OFF(time_zone), 0, 0, "time zone of the schedule"},
    {"schedule", CONF_PATH, "schedule", OFF(schedule), 0, 0, "schedule file"},
    {"log_level", CONF_STR, "info", OFF(log_level), 0, 0, "debug, info, warn or error"},
    {"log_syslog", CONF_BOOL, "no", OFF(log_syslog), 0, 0, "log to syslog instead of stderr"},
    {"allow_root", CONF_BOOL, "no", OFF(allow_root), 0, 0, "let the daemon run as root"},
    {"alert_command", CONF_PATH, "", OFF(alert_command), 0, 0,
     "program run (execve) with an alert's fields"},
    {"settle_seconds", CONF_INT, "5", OFF(settle_seconds), 0, 86400,
     "a file in in/ must be unchanged this long"},
    {"max_ship_age_days", CONF_INT, "30", OFF(max_ship_age_days), 1, 3650,
     "ship times older than this are rejected"},
    {"max_future_minutes", CONF_INT, "10", OFF(max_future_minutes), 0, 1440,
     "ship times this far ahead are rejected"},
    {"batch_window_seconds", CONF_INT, "120", OFF(batch_window_seconds), 0, 86400,
     "collect a flow's rows this long into one feed"},
    {"batch_max_messages", CONF_INT, "5000", OFF(batch_max_messages), 1, 100000,
     "most messages in one feed"},
    {"feed_stuck_minutes", CONF_INT, "120", OFF(feed_stuck_minutes), 1, 10080,
     "feed still in progress after this raises an alert"},
    {"feed_poll_seconds", CONF_INT, "60", OFF(feed_poll_seconds), 1, 3600,
     "first poll delay for a submitted feed"},
    {"feed_list_delay_seconds", CONF_INT, "900", OFF(feed_list_delay_seconds), 1, 86400,
     "longest Amazon's feed list may lag behind createFeed"},
    {"orders_overlap_seconds", CONF_INT, "300", OFF(orders_overlap_seconds), 0, 86400,
     "each order sync window reaches back this far into the last one"},
    {"orders_lag_seconds", CONF_INT, "1800", OFF(orders_lag_seconds), 60, 604800,
     "no complete order sync for this long raises an alert"},
    {"ship_by_alert_minutes", CONF_INT, "240", OFF(ship_by_alert_minutes), 0, 10080,
     "an order the WMS has not shipped this close to its ship-by raises an alert"},
    {"dispatch_confirm_minutes", CONF_INT, "120", OFF(dispatch_confirm_minutes), 1, 10080,
     "a shipment of the WMS that Amazon has not confirmed after this raises an alert"},
    {"orders_pii_days", CONF_INT, "7", OFF(orders_pii_days), 0, 30,
     "days the ledger keeps buyers' names, addresses and phones after their WMS file is in "
     "place (0: none), to write a lost file again; then they are purged"},
    {"ack_within_minutes", CONF_INT, "60", OFF(ack_within_minutes), 1, 10080,
     "an order's acknowledgement is on time when Amazon accepted it this soon after the order "
     "reached the WMS"},
    {"target_order_sync_minutes", CONF_INT, "15", OFF(target_order_sync_minutes), 1, 10080,
     "health target: 95th percentile of minutes from order placed to its WMS file in place"},
    {"target_ack_on_time_pct", CONF_INT, "95", OFF(target_ack_on_time_pct), 0, 100,
     "health target: acknowledgements Amazon accepted within ack_within_minutes, in percent"},
    {"http_timeout", CONF_INT, "60", OFF(http_timeout), 1, 3600, "seconds for one HTTP request"},
    {"retry_max", CONF_INT, "8", OFF(retry_max), 0, 100,
     "attempts for a transport failure before escalating"},
    {"retry_base_ms", CONF_INT, "500", OFF(retry_base_ms), 1, 600000, "first backoff delay"},
    {"retry_cap_ms", CONF_INT, "60000", OFF(retry_cap_ms), 1, 3600000, "longest backoff delay"},
    {"retention_days", CONF_INT, "90", OFF(retention_days), 1, 36500,
     "purge keeps done/ sent/ reports/ this long"},
    {"job_timeout", CONF_INT, "900", OFF(job_timeout), 1, 86400, "seconds before a job is stopped"},
    {"job_grace_seconds", CONF_INT, "10", OFF(job_grace_seconds), 1, 3600,
     "a job told to stop (timeout, SIGTERM) is killed after this"},
    {"rescan_seconds", CONF_INT, "30", OFF(rescan_seconds), 1, 3600,
     "periodic spool rescan besides inotify"},
    {"alert_owners", CONF_STR, "", OFF(alert_owners), 0, 0,
     "TYPE=OWNER,... owners of alert types other than the defaults (ops, warehouse, finance, it)"},
    {"alert_renotify_minutes", CONF_INT, "240", OFF(alert_renotify_minutes), 1, 10080,
     "an open alert is sent again after this"},
    {"alert_job_failures", CONF_INT, "3", OFF(alert_job_failures), 1, 1000,
     "failed runs of a job in a row that raise job-failing"},
    {"backlog_sla_minutes", CONF_INT, "240", OFF(backlog_sla_minutes), 1, 525600,
     "a file waiting in in/ or reject/ longer than this raises backlog-sla"},
    {"metrics_file", CONF_PATH, "", OFF(metrics_file), 0, 0,
     "Prometheus textfile the daemon rewrites after each job; empty = none"},
    {"target_feed_success_pct", CONF_INT, "98", OFF(target_feed_success_pct), 0, 100,
     "health target: feeds done of feeds ended over the last 14 days"},
    {"target_exception_backlog", CONF_INT, "10", OFF(target_exception_backlog), 0, 1000000,
     "health target: most files waiting in reject/ per owner"},
    {"target_settlement_drift", CONF_INT, "0", OFF(target_settlement_drift), 0, 1000000,
     "health target: most reconciliation findings of the settlement reports that ended over the "
     "last 14 days"},
    {"target_refund_latency_hours", CONF_INT, "48", OFF(target_refund_latency_hours), 0, 8760,
     "health target: longest median hours from a return's receipt to its refund in a "
     "settlement"},
    {"settlement_unpaid_days", CONF_INT, "14", OFF(settlement_unpaid_days), 1, 365,
     "an order Amazon confirmed dispatched this long before a settlement's end and no "
     "settlement paid is a reconciliation finding"},
    {"dispatch_via", CONF_STR, "feed", OFF(dispatch_via), 0, 0,
     "shipment confirmations go by feed, by confirmShipment calls (api) or by batch size (auto)"},
    {"dispatch_api_max", CONF_INT, "30", OFF(dispatch_api_max), 1, 10000,
     "auto: a batch of at most this many confirmations goes by confirmShipment, a larger one by "
     "feed"},
    {"inventory_hold_percent", CONF_INT, "50", OFF(inventory_hold_percent), 0, 100,
     "a stock snapshot whose SKUs in stock or units fall under this share of the last "
     "published ones is held (0: never)"},
    {"inventory_slow_minutes", CONF_INT, "0", OFF(inventory_slow_minutes), 0, 10080,
     "a slow SKU's rise waits until its last publication is this old (0: every change goes at "
     "the next run); falls are never held back"},
    {"inventory_fast_skus", CONF_PATH, "", OFF(inventory_fast_skus), 0, 0,
     "file of seller SKUs (one a line) whose changes always go at the next run; empty = none"},
    {"inventory_fast_units_per_day", CONF_INT, "0", OFF(inventory_fast_units_per_day), 0, 1000000,
     "a seller SKU selling this many units a day is fast (0: no SKU is fast by sales)"},
    {"inventory_velocity_days", CONF_INT, "7", OFF(inventory_velocity_days), 1, 365,
     "the days of sales the units sold per day are counted over"},
    {"target_inventory_freshness_minutes", CONF_INT, "60", OFF(target_inventory_freshness_minutes),
     1, 525600,
     "health target: age of the stock Amazon has for fast SKUs (slow ones: plus "
     "inventory_slow_minutes)"},
    {"returns_window_days", CONF_INT, "30", OFF(returns_window_days), 1, 60,
     "each returns report request reaches back this many days"},
    {"returns_dispositions_map", CONF_PATH, "", OFF(returns_dispositions_map), 0, 0,
     "a received return's disposition -> sellable or not; empty = only 'sellable' sells of "
     "sellable, refurbish, damaged, scrap"},
};

static const struct conf_param remote_params[] = {
    {"host", CONF_STR, NULL, ROFF(host), 0, 0, "SFTP server host name or address"},
    {"port", CONF_INT, "22", ROFF(port), 1, 65535, "SFTP port"},
    {"user", CONF_STR, NULL, ROFF(user), 0, 0, "login name"},
    {"identity", CONF_FILE, "", ROFF(identity), 0, 0, "private key file (mode 0600 or stricter)"},
    {"password_file", CONF_FILE, "", ROFF(password_file), 0, 0,
     "password file, only with auth = password"},
    {"auth", CONF_STR, "publickey", ROFF(auth), 0, 0, "publickey or password"},
    {"known_hosts", CONF_FILE, "", ROFF(known_hosts), 0, 0,
     "OpenSSH known_hosts file holding the server key"},
    {"fingerprint", CONF_STR, "", ROFF(fingerprint), 0, 0,
     "pinned host key fingerprint SHA256:..."},
    {"remote_dir", CONF_STR, ".", ROFF(remote_dir), 0, 0, "remote directory"},
    {"pattern", CONF_STR, "*", ROFF(pattern), 0, 0, "file name pattern (pull)"},
    {"flow", CONF_STR, NULL, ROFF(flow), 0, 0, "spool flow the files belong to"},
    {"account", CONF_STR, "default", ROFF(account), 0, 0,
     "seller account the files belong to (its spool lane)"},
    {"direction", CONF_STR, "pull", ROFF(direction), 0, 0,
     "pull (WMS -> spool in/) or push (spool out/ -> WMS)"},
    {"archive_dir", CONF_STR, "", ROFF(archive_dir), 0, 0,
     "remote dir pulled files move to; empty deletes them"},
    {"done_suffix", CONF_STR, "", ROFF(done_suffix), 0, 0,
     "take a file only when NAME+suffix exists"},
    {"min_age", CONF_INT, "2", ROFF(min_age), 0, 86400, "seconds a remote file must be unchanged"},
    {"timeout", CONF_INT, "30", ROFF(timeout), 1, 3600, "seconds for connect and each operation"},
};

/* account.NAME.*: a seller account beside the default one (the top-level settings); an empty
 * value takes the top-level one */
static const struct conf_param account_params[] = {
    {"merchant_id", CONF_STR, NULL, AOFF(merchant_id), 0, 0,
     "the account's seller id (MerchantIdentifier in its feeds)"},
    {"marketplace_ids", CONF_STR, "", AOFF(marketplace_ids), 0, 0,
     "comma separated marketplace ids; empty = marketplace_ids"},
    {"sp_api_endpoint", CONF_STR, "", AOFF(sp_api_endpoint), 0, 0,
     "SP-API regional base URL; empty = sp_api_endpoint"},
    {"lwa_endpoint", CONF_STR, "", AOFF(lwa_endpoint), 0, 0,
     "Login with Amazon token endpoint; empty = lwa_endpoint"},
    {"credentials", CONF_PATH, "", AOFF(credentials), 0, 0,
     "the account's LWA credentials file (its refresh token); empty = credentials"},
    {"currency", CONF_STR, "", AOFF(currency), 0, 0,
     "the account's currency (ISO 4217); empty = currency"},
    {"dispatch_via", CONF_STR, "", AOFF(dispatch_via), 0, 0,
     "feed, api or auto for this account; empty = dispatch_via"},
};

/* conf_params - the top-level table */
const struct conf_param *conf_params(size_t *n)
{
    *n = WB_ARRAY_LEN(params);
    return params;
}

/* conf_remote_params - the remote.NAME.* table */
const struct conf_param *conf_remote_params(size_t *n)
{
    *n = WB_ARRAY_LEN(remote_params);
    return remote_params;
}

/* conf_account_params - the account.NAME.* table */
const struct conf_param *conf_account_params(size_t *n)
{
    *n = WB_ARRAY_LEN(account_params);
    return account_params;
}

/* resolve - absolute path of v relative to base (malloc'd) */
static char *resolve(const char *base, const char *v)
{
    if (!*v || v[0] == '/' || !base)
        return strdup(v);
    size_t n = strlen(base) + strlen(v) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", base, v);
    return p;
}

/* parse_bool - yes/no words to 1/0, -1 if not a boolean */
static int parse_bool(const char *v)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* set_value - validate v for p and store it at base+p->off; error text into err */
static int set_value(void *base, const struct conf_param *p, const char *v, const char *dir,
                     char *err, size_t errn)
{
    char *slot_base = (char *)base + p->off;
    switch (p->type) {
    case CONF_INT: {
        long x;
        if (str_to_long(v, p->min, p->max, &x) != WB_OK) {
            snprintf(err, errn, "%s: '%s' is not a whole number from %ld to %ld", p->name, v,
                     p->min, p->max);
            return WB_CONFIG;
        }
        *(long *)(void *)slot_base = x;
        return WB_OK;
    }
    case CONF_BOOL: {
        int b = parse_bool(v);
        if (b < 0) {
            snprintf(err, errn, "%s: '%s' is not yes or no", p->name, v);
            return WB_CONFIG;
        }
        *(int *)(void *)slot_base = b;
        return WB_OK;
    }
    case CONF_URL:
        if (!str_has_prefix(v, "https://") && !str_has_prefix(v, "http://")) {
            snprintf(err, errn, "%s: '%s' is not an http(s) URL", p->name, v);
            return WB_CONFIG;
        }
        break;
    case CONF_STR:
        for (const char *q = v; *q; q++)
            if ((unsigned char)*q < 0x20) {
                snprintf(err, errn, "%s: control character in value", p->name);
                return WB_CONFIG;
            }
        break;
    default:
        break;
    }
    char **slot = (char **)(void *)slot_base;
    char *nv = (p->type == CONF_FILE || p->type == CONF_DIR || p->type == CONF_PATH)
                   ? resolve(dir, v)
                   : strdup(v);
    if (!nv)
        return WB_NOMEM;
    free(*slot);
    *slot = nv;
    return WB_OK;
}

/* fill_defaults - set every parameter of a table to its default */
static int fill_defaults(void *base, const struct conf_param *t, size_t n, const char *dir)
{
    char err[256];
    for (size_t i = 0; i < n; i++) {
        if (!t[i].def)
            continue;
        if (t[i].type == CONF_INT || t[i].type == CONF_BOOL || *t[i].def) {
            int rc = set_value(base, &t[i], t[i].def, dir, err, sizeof err);
            if (rc != WB_OK)
                return rc;
        } else {
            char **slot = (char **)(void *)((char *)base + t[i].off);
            free(*slot);
            if (!(*slot = strdup("")))
                return WB_NOMEM;
        }
    }
    return WB_OK;
}

/* conf_init - fill defaults (no file) */
enum wb_status conf_init(struct wb_config *c, const char *base_dir)
{
    memset(c, 0, sizeof *c);
    c->base_dir = strdup(base_dir ? base_dir : ".");
    if (!c->base_dir)
        return WB_NOMEM;
    return fill_defaults(c, params, WB_ARRAY_LEN(params), c->base_dir);
}

/* find_param - table entry by name */
static const struct conf_param *find_param(const struct conf_param *t, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, k) == 0)
            return &t[i];
    return NULL;
}

/* get_remote - remote by name, created (with defaults) if new */
static struct wb_remote *get_remote(struct wb_config *c, const char *name, int *rc)
{
    for (int i = 0; i < c->nremotes; i++)
        if (strcmp(c->remotes[i].name, name) == 0)
            return &c->remotes[i];
    if (c->nremotes >= CONF_MAX_REMOTES) {
        *rc = WB_CONFIG;
        return NULL;
    }
    struct wb_remote *r = &c->remotes[c->nremotes];
    memset(r, 0, sizeof *r);
    if (!(r->name = strdup(name)) ||
        fill_defaults(r, remote_params, WB_ARRAY_LEN(remote_params), c->base_dir) != WB_OK) {
        *rc = WB_NOMEM;
        return NULL;
    }
    c->nremotes++;
    return r;
}

/* get_account - named account, created (with defaults) if new; accounts[0] is the default */
static struct wb_account *get_account(struct wb_config *c, const char *name, int *rc)
{
    for (int i = 1; i < c->naccounts; i++)
        if (strcmp(c->accounts[i].name, name) == 0)
            return &c->accounts[i];
    if (c->naccounts < 1)
        c->naccounts = 1; /* the slot of the default account, filled at the end of the load */
    if (c->naccounts >= CONF_MAX_ACCOUNTS) {
        *rc = WB_CONFIG;
        return NULL;
    }
    struct wb_account *a = &c->accounts[c->naccounts];
    memset(a, 0, sizeof *a);
    if (!(a->name = strdup(name)) ||
        fill_defaults(a, account_params, WB_ARRAY_LEN(account_params), c->base_dir) != WB_OK) {
        *rc = WB_NOMEM;
        return NULL;
    }
    c->naccounts++;
    return a;
}

/* inherit - *slot (empty) takes a copy of top */
static int inherit(char **slot, const char *top)
{
    if (*slot && **slot)
        return WB_OK;
    char *v = strdup(top ? top : "");
    if (!v)
        return WB_NOMEM;
    free(*slot);
    *slot = v;
    return WB_OK;
}

/* settle_accounts - accounts[0] is the default account (the top-level settings); named ones
 * take the top-level value for what they leave empty; names and seller ids are unique */
static int settle_accounts(struct wb_config *c, const char *path, struct buf *errs)
{
    int bad = 0;
    if (c->naccounts < 1)
        c->naccounts = 1;
    struct wb_account *d = &c->accounts[0];
    if (!d->name && !(d->name = strdup(CONF_DEFAULT_ACCOUNT)))
        return WB_NOMEM;
    for (int i = 0; i < c->naccounts; i++) {
        struct wb_account *a = &c->accounts[i];
        if (inherit(&a->merchant_id, c->merchant_id) != WB_OK ||
            inherit(&a->marketplace_ids, c->marketplace_ids) != WB_OK ||
            inherit(&a->sp_api_endpoint, c->sp_api_endpoint) != WB_OK ||
            inherit(&a->lwa_endpoint, c->lwa_endpoint) != WB_OK ||
            inherit(&a->credentials, c->credentials) != WB_OK ||
            inherit(&a->currency, c->currency) != WB_OK ||
            inherit(&a->dispatch_via, c->dispatch_via) != WB_OK)
            return WB_NOMEM;
        const char *cur = a->currency;
        if (*cur && (strlen(cur) != 3 || !str_bytes_in(cur, 3, 'A', 'Z'))) {
            buf_appendf(errs, "%s: %s%s%scurrency: '%s' is not a currency code (three capitals)\n",
                        path, i ? "account." : "", i ? a->name : "", i ? "." : "", cur);
            bad = 1;
        }
        if (!conf_sink_ok(a->dispatch_via)) {
            buf_appendf(errs, "%s: %s%s%sdispatch_via: '%s' is not feed, api or auto\n", path,
                        i ? "account." : "", i ? a->name : "", i ? "." : "", a->dispatch_via);
            bad = 1;
        }
        static const char *const url_key[2] = {"sp_api_endpoint", "lwa_endpoint"};
        const char *url[2] = {a->sp_api_endpoint, a->lwa_endpoint};
        for (int k = 0; i && k < 2; k++)
            if (!str_has_prefix(url[k], "https://") && !str_has_prefix(url[k], "http://")) {
                buf_appendf(errs, "%s: account.%s.%s: '%s' is not an http(s) URL\n", path, a->name,
                            url_key[k], url[k]);
                bad = 1;
            }
        for (int j = 0; j < i; j++)
            if (a->merchant_id && c->accounts[j].merchant_id &&
                strcmp(a->merchant_id, c->accounts[j].merchant_id) == 0) {
                buf_appendf(errs,
                            "%s: account.%s.merchant_id: seller %s is already account %s (one "
                            "account per seller, or its rows could go out twice)\n",
                            path, a->name, a->merchant_id, c->accounts[j].name);
                bad = 1;
            }
    }
    return bad ? WB_CONFIG : WB_OK;
}

/* conf_sink_ok - 1 if v is one of the dispatch_via values */
int conf_sink_ok(const char *v)
{
    return v && (strcmp(v, "feed") == 0 || strcmp(v, "api") == 0 || strcmp(v, "auto") == 0);
}

/* conf_find_account - an account by name ("default" is the top-level one), NULL if none */
const struct wb_account *conf_find_account(const struct wb_config *c, const char *name)
{
    for (int i = 0; i < c->naccounts; i++)
        if (strcmp(c->accounts[i].name, name) == 0)
            return &c->accounts[i];
    return NULL;
}

/* valid_ident - 1 for [A-Za-z0-9_-]+ */
static int valid_ident(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return 0;
    return 1;
}

/* set_flow_layout - `FLOW_layout = NAME` (FLOW the first fl bytes of key); which flows exist is
 * the flow table's business, checked by whoever loads the layouts */
static int set_flow_layout(struct wb_config *c, const char *key, size_t fl, const char *val,
                           int line)
{
    struct conf_flow_layout *e = NULL;
    char flow[CONF_FLOW_NAME];
    if (fl >= sizeof flow || !*val)
        return WB_BADARG;
    memcpy(flow, key, fl);
    flow[fl] = '\0';
    if (!valid_ident(flow))
        return WB_BADARG;
    for (int i = 0; i < c->nflow_layouts && !e; i++)
        if (strcmp(c->flow_layouts[i].flow, flow) == 0)
            e = &c->flow_layouts[i];
    if (!e && c->nflow_layouts >= CONF_MAX_FLOWS)
        return WB_TOOBIG;
    char *v = strdup(val);
    if (!v)
        return WB_NOMEM;
    if (!e) {
        e = &c->flow_layouts[c->nflow_layouts++];
        memcpy(e->flow, flow, fl + 1);
    }
    free(e->layout);
    e->layout = v;
    e->line = line;
    return WB_OK;
}

/* conf_flow_layout - the layout set for a flow, or dflt */
const char *conf_flow_layout(const struct wb_config *c, const char *flow, const char *dflt)
{
    for (int i = 0; i < c->nflow_layouts; i++)
        if (strcmp(c->flow_layouts[i].flow, flow) == 0)
            return c->flow_layouts[i].layout;
    return dflt;
}

/* check_paths - existence checks for file-typed params that are set */
static void check_paths(void *base, const struct conf_param *t, size_t n, const char *path,
                        const char *prefix, struct buf *errs, int *bad)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].type != CONF_FILE)
            continue;
        const char *v = *(char **)(void *)((char *)base + t[i].off);
        if (!v || !*v)
            continue;
        struct stat st;
        if (stat(v, &st) != 0 || !S_ISREG(st.st_mode) || access(v, R_OK) != 0) {
            buf_appendf(errs, "%s: %s%s: cannot read file '%s': %s\n", path, prefix, t[i].name, v,
                        errno ? strerror(errno) : "not a regular file");
            *bad = 1;
        }
    }
}

/* dirname_of - directory part of a path (malloc'd) */
static char *dirname_of(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return strdup(".");
    if (s == path)
        return strdup("/");
    return strndup(path, (size_t)(s - path));
}

/* others_can_change - 1, with a line in errs, when others could change a file that decides where
 * the credentials go (the config, its directory, ca_file); else 0 */
static int others_can_change(const struct stat *st, const char *what, const char *path,
                             struct buf *errs)
{
    if (fs_private_ok(st, what, path, S_IWGRP | S_IWOTH, 1, errs) == WB_OK)
        return 0;
    buf_appends(errs, "\n");
    return 1;
}

/* conf_load - read and validate a whole config file */
enum wb_status conf_load(struct wb_config *c, const char *path, struct buf *errs)
{
    char *dir = dirname_of(path);
    if (!dir)
        return WB_NOMEM;
    int rc = conf_init(c, dir);
    free(dir);
    if (rc != WB_OK)
        return rc;
    if (!(c->path = strdup(path)))
        return WB_NOMEM;
    FILE *f = fopen(path, "re");
    if (!f) {
        buf_appendf(errs, "%s: cannot open: %s\n", path, strerror(errno));
        return WB_CONFIG;
    }
    char line[4096];
    unsigned char seen[WB_ARRAY_LEN(params)] = {0};
    int lineno = 0, bad = 0;
    struct stat st;
    if (fstat(fileno(f), &st) == 0)
        bad |= others_can_change(&st, "config file", path, errs);
    if (stat(c->base_dir, &st) == 0)
        bad |= others_can_change(&st, "config directory", c->base_dir, errs);
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t ln = strlen(line);
        if (ln == sizeof line - 1 && line[ln - 1] != '\n') {
            buf_appendf(errs, "%s:%d: line too long\n", path, lineno);
            bad = 1;
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
            continue;
        }
        str_strip_comment(line);
        str_trim(line);
        if (!*line)
            continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            buf_appendf(errs, "%s:%d: expected 'key = value'\n", path, lineno);
            bad = 1;
            continue;
        }
        *eq = '\0';
        char *key = str_trim(line), *val = str_trim(eq + 1);
        char err[512];
        if (str_has_prefix(key, "remote.")) {
            char *name = key + 7, *dot = strchr(name, '.');
            if (!dot) {
                buf_appendf(errs, "%s:%d: expected remote.NAME.KEY\n", path, lineno);
                bad = 1;
                continue;
            }
            *dot = '\0';
            const struct conf_param *p =
                find_param(remote_params, WB_ARRAY_LEN(remote_params), dot + 1);
            if (!valid_ident(name) || !p) {
                const char *near = str_nearest(dot + 1, remote_params, WB_ARRAY_LEN(remote_params),
                                               sizeof remote_params[0]);
                char hint[160] = "";
                if (near)
                    snprintf(hint, sizeof hint, " (did you mean 'remote.%.64s.%s'?)", name, near);
                buf_appendf(errs, "%s:%d: unknown parameter 'remote.%s.%s'%s\n", path, lineno, name,
                            dot + 1, hint);
                bad = 1;
                continue;
            }
            int grc = WB_OK;
            struct wb_remote *r = get_remote(c, name, &grc);
            if (!r) {
                buf_appendf(errs, "%s:%d: too many remotes (at most %d)\n", path, lineno,
                            CONF_MAX_REMOTES);
                bad = 1;
                continue;
            }
            if (set_value(r, p, val, c->base_dir, err, sizeof err) != WB_OK) {
                buf_appendf(errs, "%s:%d: remote.%s.%s\n", path, lineno, name, err);
                bad = 1;
            }
            continue;
        }
        if (str_has_prefix(key, "account.")) {
            char *name = key + 8, *dot = strchr(name, '.');
            const struct conf_param *p =
                dot ? find_param(account_params, WB_ARRAY_LEN(account_params), dot + 1) : NULL;
            if (dot)
                *dot = '\0';
            if (!dot || !p || !valid_ident(name) || strlen(name) >= CONF_ACCOUNT_NAME ||
                strcmp(name, CONF_DEFAULT_ACCOUNT) == 0) {
                const char *near =
                    dot ? str_nearest(dot + 1, account_params, WB_ARRAY_LEN(account_params),
                                      sizeof account_params[0])
                        : NULL;
                buf_appendf(errs,
                            "%s:%d: expected account.NAME.KEY (NAME of letters, digits, _ and -, "
                            "not '%s'; KEY one of merchant_id, marketplace_ids, sp_api_endpoint, "
                            "lwa_endpoint, credentials, dispatch_via)%s%s%s\n",
                            path, lineno, CONF_DEFAULT_ACCOUNT, near ? " (did you mean '" : "",
                            near ? near : "", near ? "'?)" : "");
                bad = 1;
                continue;
            }
            int grc = WB_OK;
            struct wb_account *a = get_account(c, name, &grc);
            if (!a) {
                buf_appendf(errs, "%s:%d: too many accounts (at most %d)\n", path, lineno,
                            CONF_MAX_ACCOUNTS - 1);
                bad = 1;
                continue;
            }
            if (set_value(a, p, val, c->base_dir, err, sizeof err) != WB_OK) {
                buf_appendf(errs, "%s:%d: account.%s.%s\n", path, lineno, name, err);
                bad = 1;
            }
            continue;
        }
        const struct conf_param *p = find_param(params, WB_ARRAY_LEN(params), key);
        size_t kl = strlen(key);
        if (!p && kl > 7 && strcmp(key + kl - 7, "_layout") == 0) { /* FLOW_layout */
            int frc = set_flow_layout(c, key, kl - 7, val, lineno);
            if (frc != WB_OK) {
                buf_appendf(errs, "%s:%d: %s: %s\n", path, lineno, key,
                            frc == WB_TOOBIG ? "too many flow layouts" : "bad flow name or value");
                bad = 1;
            }
            continue;
        }
        if (!p) {
            const char *near = str_nearest(key, params, WB_ARRAY_LEN(params), sizeof params[0]);
            buf_appendf(errs, "%s:%d: unknown parameter '%s'%s%s%s\n", path, lineno, key,
                        near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            bad = 1;
            continue;
        }
        seen[p - params] = 1;
        if (!*val && p->type != CONF_PATH && p->type != CONF_DIR && p->type != CONF_FILE) {
            buf_appendf(errs, "%s:%d: %s: empty value\n", path, lineno, key);
            bad = 1;
            continue;
        }
        if (set_value(c, p, val, c->base_dir, err, sizeof err) != WB_OK) {
            buf_appendf(errs, "%s:%d: %s\n", path, lineno, err);
            bad = 1;
        }
    }
    fclose(f);
    for (size_t i = 0; i < WB_ARRAY_LEN(params); i++)
        if (!params[i].def && !seen[i]) {
            buf_appendf(errs, "%s: required parameter '%s' is missing\n", path, params[i].name);
            bad = 1;
        }
    check_paths(c, params, WB_ARRAY_LEN(params), path, "", errs, &bad);
    if (c->ca_file && *c->ca_file && stat(c->ca_file, &st) == 0) /* unreadable: http_open says */
        bad |= others_can_change(&st, "ca_file", c->ca_file, errs);
    for (int i = 0; i < c->nremotes; i++) {
        struct wb_remote *r = &c->remotes[i];
        char prefix[128];
        snprintf(prefix, sizeof prefix, "remote.%s.", r->name);
        if (!r->host || !r->user || !r->flow) {
            buf_appendf(errs, "%s: %s: host, user and flow are required\n", path, prefix);
            bad = 1;
        }
        if (strcmp(r->direction, "pull") != 0 && strcmp(r->direction, "push") != 0) {
            buf_appendf(errs, "%s: %sdirection: '%s' is not pull or push\n", path, prefix,
                        r->direction);
            bad = 1;
        }
        if (strcmp(r->auth, "publickey") != 0 && strcmp(r->auth, "password") != 0) {
            buf_appendf(errs, "%s: %sauth: '%s' is not publickey or password\n", path, prefix,
                        r->auth);
            bad = 1;
        }
        if (!*r->known_hosts && !*r->fingerprint) {
            buf_appendf(errs,
                        "%s: %s: set known_hosts or fingerprint (host keys are always checked)\n",
                        path, prefix);
            bad = 1;
        }
        check_paths(r, remote_params, WB_ARRAY_LEN(remote_params), path, prefix, errs, &bad);
    }
    if (c->retention_days <= c->max_ship_age_days) {
        /* a row forgotten by purge while its ship time still passes would be sent again */
        buf_appendf(errs,
                    "%s: retention_days (%ld) must be more than max_ship_age_days (%ld), or a "
                    "file sent again after the purge would not be recognised\n",
                    path, c->retention_days, c->max_ship_age_days);
        bad = 1;
    }
    for (int i = 1; i < c->naccounts; i++)
        if (!c->accounts[i].merchant_id || !*c->accounts[i].merchant_id) {
            buf_appendf(errs, "%s: account.%s.merchant_id is required\n", path,
                        c->accounts[i].name);
            bad = 1;
        }
    int arc = settle_accounts(c, path, errs);
    if (arc == WB_NOMEM) {
        buf_appendf(errs, "%s: out of memory\n", path);
        return WB_NOMEM;
    }
    bad |= arc != WB_OK;
    for (int i = 0; i < c->nremotes; i++)
        if (!conf_find_account(c, c->remotes[i].account)) {
            buf_appendf(errs, "%s: remote.%s.account: there is no account '%s'\n", path,
                        c->remotes[i].name, c->remotes[i].account);
            bad = 1;
        }
    if (log_level_parse(c->log_level) < 0) {
        buf_appendf(errs, "%s: log_level: '%s' is not debug, info, warn or error\n", path,
                    c->log_level);
        bad = 1;
    }
    return bad ? WB_CONFIG : WB_OK;
}

/* free_table - free the string slots of a table */
static void free_table(void *base, const struct conf_param *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].type == CONF_INT || t[i].type == CONF_BOOL)
            continue;
        char **slot = (char **)(void *)((char *)base + t[i].off);
        free(*slot);
        *slot = NULL;
    }
}

/* conf_free - release everything */
void conf_free(struct wb_config *c)
{
    free_table(c, params, WB_ARRAY_LEN(params));
    for (int i = 0; i < c->nremotes; i++) {
        free_table(&c->remotes[i], remote_params, WB_ARRAY_LEN(remote_params));
        free(c->remotes[i].name);
    }
    for (int i = 0; i < c->nflow_layouts; i++)
        free(c->flow_layouts[i].layout);
    for (int i = 0; i < c->naccounts; i++) {
        free_table(&c->accounts[i], account_params, WB_ARRAY_LEN(account_params));
        free(c->accounts[i].name);
    }
    free(c->path);
    free(c->base_dir);
    memset(c, 0, sizeof *c);
}

/* value_text - a parameter's value as text into out */
static void value_text(const void *base, const struct conf_param *p, char *out, size_t n)
{
    const char *slot = (const char *)base + p->off;
    if (p->type == CONF_INT)
        snprintf(out, n, "%ld", *(const long *)(const void *)slot);
    else if (p->type == CONF_BOOL)
        snprintf(out, n, "%s", *(const int *)(const void *)slot ? "yes" : "no");
    else {
        const char *s = *(char *const *)(const void *)slot;
        snprintf(out, n, "%s", s ? s : "");
    }
}

/* conf_show - append "key = value" lines (all, or only non-default) */
enum wb_status conf_show(const struct wb_config *c, int non_default_only, struct buf *out)
{
    struct wb_config d;
    int rc = conf_init(&d, c->base_dir);
    if (rc != WB_OK) {
        conf_free(&d);
        return rc;
    }
    for (size_t i = 0; i < WB_ARRAY_LEN(params); i++) {
        char v[1024], dv[1024];
        value_text(c, &params[i], v, sizeof v);
        value_text(&d, &params[i], dv, sizeof dv);
        if (non_default_only && params[i].def && strcmp(v, dv) == 0)
            continue;
        buf_appendf(out, "%s = %s\n", params[i].name, v);
    }
    for (int r = 0; r < c->nremotes; r++)
        for (size_t i = 0; i < WB_ARRAY_LEN(remote_params); i++) {
            char v[1024];
            value_text(&c->remotes[r], &remote_params[i], v, sizeof v);
            buf_appendf(out, "remote.%s.%s = %s\n", c->remotes[r].name, remote_params[i].name, v);
        }
    for (int i = 0; i < c->nflow_layouts; i++)
        buf_appendf(out, "%s_layout = %s\n", c->flow_layouts[i].flow, c->flow_layouts[i].layout);
    for (int a = 1; a < c->naccounts; a++)
        for (size_t i = 0; i < WB_ARRAY_LEN(account_params); i++) {
            char v[1024];
            value_text(&c->accounts[a], &account_params[i], v, sizeof v);
            buf_appendf(out, "account.%s.%s = %s\n", c->accounts[a].name, account_params[i].name,
                        v);
        }
    conf_free(&d);
    return WB_OK;
}

/* conf_find_remote - remote by name or NULL */
const struct wb_remote *conf_find_remote(const struct wb_config *c, const char *name)
{
    for (int i = 0; i < c->nremotes; i++)
        if (strcmp(c->remotes[i].name, name) == 0)
            return &c->remotes[i];
    return NULL;
}
