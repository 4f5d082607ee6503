/*
 * alert.c - operator alerts: the table of alert types, the ledger record,
 * the log line, the alert_command (one JSON object on its standard input),
 * re-notification and resolution (see alert.h). The command runs in a
 * double-forked child so the caller never blocks on it; its input is written
 * to a pipe before the fork (bounded below the pipe's size), arguments are
 * passed as argv (no shell). Owns the table; never exits the caller.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "spool/ledger.h"
#include "spool/spool.h"

static int scan_rows_rejected(struct wb_env *env);
static int scan_file_refused(struct wb_env *env);
static int scan_backlog(struct wb_env *env);
static int scan_jobs(struct wb_env *env);
static int holds_later_done(struct wb_env *env, const struct ledger_alert_rec *a);
static int holds_submitted(struct wb_env *env, const struct ledger_alert_rec *a);
static int holds_ambiguous(struct wb_env *env, const struct ledger_alert_rec *a);
static int holds_path(struct wb_env *env, const struct ledger_alert_rec *a);
static int holds_unreadable(struct wb_env *env, const struct ledger_alert_rec *a);
static int holds_future(struct wb_env *env, const struct ledger_alert_rec *a);
static int holds_remote(struct wb_env *env, const struct ledger_alert_rec *a);

static const struct alert_type table[] = {
    /* the WMS's files and rows */
    {"rows-rejected", "warehouse", "warning",
     "rows of a flow were rejected and wait in reject/ (item: the flow's lane)",
     "wmsbridge rejects; fix each row by its reject code, then wmsbridge requeue",
     scan_rows_rejected, NULL},
    {"file-refused", "warehouse", "warning",
     "a whole WMS file was refused (unreadable, a column missing, a duplicate, an unsafe name) and "
     "waits in reject/",
     "wmsbridge explain the file; fix the export or the layout and requeue, or drop it with a "
     "reason",
     scan_file_refused, NULL},
    {"backlog-sla", "ops", "critical",
     "a file of a lane has waited in in/ or reject/ longer than backlog_sla_minutes",
     "wmsbridge queue --older-than; a stuck in/ means the daemon is not taking files (status), a "
     "stuck reject/ means nobody fixed the rows",
     scan_backlog, NULL},
    {"file-unreadable", "it", "warning", "a spool file cannot be read (owner or mode)",
     "fix its owner or mode (the service's group must read it); it is read on the next run", NULL,
     holds_unreadable},
    {"file-name-unsafe", "warehouse", "warning",
     "a file in in/ had a name that cannot be handled safely and was renamed into reject/",
     "fix the WMS's file naming; requeue the renamed file if it is a real export", NULL,
     holds_path},
    {"not-a-file", "it", "warning",
     "something in in/ is not a regular file (link, fifo, device, directory)", "remove it", NULL,
     holds_path},
    {"file-stuck", "it", "warning", "a file with an unsafe name could not be set aside in reject/",
     "see the text for the reason (permissions, space); it is tried again on every run", NULL,
     holds_path},
    {"stale-temp", "warehouse", "warning",
     "a temporary name in in/ has been unchanged for over an hour (a writer that died)",
     "rename it if it is a finished export, else remove it", NULL, holds_path},
    {"snapshot-held", "warehouse", "warning",
     "a stock snapshot much smaller than what was last published waits in hold/ (item: its "
     "path); nothing of it was sent",
     "if the stock really fell, wmsbridge requeue it (that content is then taken and the alert "
     "closed); if the export was cut short, delete it and export again",
     NULL, NULL},
    {"inventory-stale", "ops", "warning",
     "the stock Amazon has for a SKU class (fast, slow) is older than its target "
     "(target_inventory_freshness_minutes, slow: plus inventory_slow_minutes; item: the lane): no "
     "newer snapshot came from the WMS, or its changes are not accepted yet",
     "the text says which: a missing snapshot is the WMS's export (ask the warehouse, see in/ "
     "and hold/); changes not accepted are feeds (wmsbridge feeds, status: quota, feed-* alerts)",
     NULL, NULL},
    {"file-mtime-future", "it", "warning",
     "a file's modification time lies in the future (a wrong clock on the writer's side)",
     "fix the writer's clock (NTP); the file is taken once its change time settles", NULL,
     holds_future},
    /* jobs and connections */
    {"job-failing", "ops", "critical", "a job failed alert_job_failures runs in a row",
     "wmsbridge status shows the outcome; the log has event=end lines with the reason", scan_jobs,
     NULL},
    {"offline", "it", "critical",
     "the connection to Amazon cannot be set up (credentials, token refresh, 401/403); files are "
     "taken in and feeds built, nothing is sent",
     "wmsbridge check --online; fix the credentials file or the app's authorisation in Seller "
     "Central",
     NULL, NULL},
    {"sftp-down", "it", "critical", "an SFTP remote cannot be reached or refuses a transfer",
     "wmsbridge check; test the remote with sftp(1); files wait on the remote or in out/", NULL,
     holds_remote},
    /* feeds */
    {"feed-stuck", "ops", "warning",
     "a feed has been in progress at Amazon over feed_stuck_minutes",
     "check Amazon's status page; the feed is polled on; wmsbridge feeds", NULL, holds_submitted},
    {"feed-fatal", "ops", "critical",
     "Amazon ended a feed FATAL or CANCELLED; its rows are sent again or, after three, rejected",
     "read the stored processing report; if feeds keep failing, upload the feed file by hand in "
     "Seller Central and open a case",
     NULL, holds_later_done},
    {"feed-invalid", "it", "critical", "a feed the program built failed Amazon's XSD",
     "keep the file of feeds/ and report it; its rows are in reject/ (E_SCHEMA)", NULL,
     holds_later_done},
    {"feed-refused", "it", "critical", "Amazon refused a feed document as a whole",
     "read the text; fix and requeue the rows", NULL, holds_later_done},
    {"feed-ambiguous", "ops", "critical",
     "after a crash it cannot be told whether Amazon has a feed: held, never resent",
     "look the feed up in Seller Central, then wmsbridge resolve FEED", NULL, holds_ambiguous},
    {"feed-report-unreadable", "ops", "critical",
     "a feed's processing report cannot be read; its rows are held",
     "read the report in Seller Central, then wmsbridge resolve FEED", NULL, holds_submitted},
    {"feed-report-unproven", "ops", "critical",
     "a feed's processing report does not prove which rows were taken; its rows are held",
     "check the orders in Seller Central, then wmsbridge resolve FEED", NULL, holds_submitted},
    {"feed-no-report", "ops", "critical", "Amazon finished a feed without a processing report",
     "check the orders in Seller Central, then wmsbridge resolve FEED", NULL, holds_submitted},
    /* orders from Amazon (item: the order id, or the account for the sync) */
    {"order-held", "ops", "warning",
     "the orders gate held an order (unknown SKU, bundle component, unmapped service level, "
     "missing data, a buyer's cancellation request); the other orders went on",
     "fix the map or the order, then wmsbridge requeue ORDER.json --flow orders", NULL, NULL},
    {"orders-lag", "ops", "critical",
     "no window of an account's order sync completed for orders_lag_seconds",
     "read the orders job's log lines and Amazon's quota; status shows the last complete window",
     NULL, NULL},
    {"ship-by", "warehouse", "critical",
     "an order in the WMS has no dispatch ship_by_alert_minutes before its ship-by deadline",
     "pick, pack and dispatch it, or cancel it in Seller Central", NULL, NULL},
    {"dispatch-unconfirmed", "ops", "warning",
     "the WMS dispatched an order that Amazon has not confirmed after dispatch_confirm_minutes",
     "wmsbridge status (feeds in flight, alerts) and rejects; then Amazon's side", NULL, NULL},
    /* settlements (item: the settlement report's path in reject/) */
    {"settlement-unmapped", "finance", "warning",
     "a settlement has combinations (transaction type | amount type | description) no gl.map "
     "rule matches, listed in the text; it waits whole in reject/, no journal written",
     "add the rules to gl.map, then wmsbridge requeue NAME --flow settlements", NULL, holds_path},
};

/* alert_types - the table */
const struct alert_type *alert_types(size_t *n)
{
    *n = WB_ARRAY_LEN(table);
    return table;
}

/* alert_type_find - a row by type */
const struct alert_type *alert_type_find(const char *type)
{
    for (size_t i = 0; type && i < WB_ARRAY_LEN(table); i++)
        if (strcmp(table[i].type, type) == 0)
            return &table[i];
    return NULL;
}

static const char *const owners[] = {"ops", "warehouse", "finance", "it"};

/* owner_word - the owner word of a list entry "TYPE=OWNER" (len bytes), NULL if malformed */
static const char *owner_word(const char *e, size_t len, size_t *tl)
{
    const char *eq = memchr(e, '=', len);
    if (!eq)
        return NULL;
    *tl = (size_t)(eq - e);
    for (size_t i = 0; i < WB_ARRAY_LEN(owners); i++)
        if (strlen(owners[i]) == len - *tl - 1 && memcmp(eq + 1, owners[i], len - *tl - 1) == 0)
            return owners[i];
    return NULL;
}

/* alert_owner - the owner of type under cfg */
const char *alert_owner(const struct wb_config *cfg, const char *type)
{
    const char *s = cfg && cfg->alert_owners ? cfg->alert_owners : "";
    while (*s) {
        size_t len = strcspn(s, ","), tl;
        const char *o = owner_word(s, len, &tl);
        if (o && tl == strlen(type) && memcmp(s, type, tl) == 0)
            return o;
        s += len + (s[len] == ',');
    }
    const struct alert_type *t = alert_type_find(type);
    return t ? t->owner : "ops";
}

/* alert_owners_check - every entry of alert_owners names a type and an owner */
int alert_owners_check(const struct wb_config *cfg, struct buf *errs)
{
    int bad = 0;
    const char *s = cfg->alert_owners ? cfg->alert_owners : "";
    while (*s) {
        size_t len = strcspn(s, ","), tl = 0;
        char type[64];
        const char *o = owner_word(s, len, &tl);
        snprintf(type, sizeof type, "%.*s", (int)(o ? tl : len), s);
        if (!o) {
            buf_appendf(errs,
                        "%s: alert_owners: '%.*s' is not TYPE=OWNER with OWNER one of ops, "
                        "warehouse, finance, it\n",
                        cfg->path, (int)(len > 80 ? 80 : len), s);
            bad = 1;
        } else if (!alert_type_find(type)) {
            const char *near = str_nearest(type, table, WB_ARRAY_LEN(table), sizeof table[0]);
            buf_appendf(errs, "%s: alert_owners: no alert type '%s'%s%s%s\n", cfg->path, type,
                        near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            bad = 1;
        }
        s += len + (s[len] == ',');
    }
    return bad ? WB_CONFIG : WB_OK;
}

/* run_command - start the alert command detached, json on its standard input */
static void run_command(const char *cmd, const char *json, const char *kind, const char *item,
                        const char *text)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return;
    /* written before the fork: the text is bounded below the smallest pipe (one page) and the
     * write end does not block, so neither side ever waits for the other */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    size_t len = strlen(json);
    ssize_t w = write(p[1], json, len);
    (void)w;
    close(p[1]);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        return;
    }
    if (pid == 0) {
        if (fork() == 0) {
            if (dup2(p[0], 0) < 0)
                wb_exit_now(127);
            char *const argv[] = {(char *)cmd, (char *)kind, (char *)item, (char *)text, NULL};
            char *const envp[] = {"PATH=/usr/bin:/bin", NULL};
            execve(cmd, argv, envp);
            wb_exit_now(127);
        }
        wb_exit_now(0);
    }
    close(p[0]);
    waitpid(pid, NULL, 0);
}

/* the most bytes of JSON an alert sends: below PIPE_BUF, the smallest pipe there is */
#define ALERT_JSON_MAX 4000

/* send - one alert (state "firing" or "resolved") as one JSON line to the alert command; a text
 * too long for ALERT_JSON_MAX is cut */
static void send(struct wb_env *env, const struct ledger_alert_rec *a, const char *state)
{
    if (!env->cfg.alert_command || !*env->cfg.alert_command)
        return;
    const struct alert_type *t = alert_type_find(a->kind);
    char first[32], text[sizeof a->text];
    clock_format_iso(a->created ? a->created : clock_now(), first, sizeof first);
    snprintf(text, sizeof text, "%s", a->text);
    for (size_t cut = strlen(text);; cut /= 2) {
        text[cut] = '\0';
        json_t *o =
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type", a->kind, "key", a->item,
                      "account", *a->account ? a->account : "default", "flow", a->flow, "severity",
                      t ? t->severity : "warning", "owner", alert_owner(&env->cfg, a->kind), "text",
                      text, "first_seen", first, "what_to_do", t ? t->action : "", "state", state);
        char *d = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (!d)
            return;
        char line[ALERT_JSON_MAX];
        if (snprintf(line, sizeof line, "%s\n", d) < (int)sizeof line) {
            free(d);
            run_command(env->cfg.alert_command, line, a->kind, a->item, a->text);
            return;
        }
        free(d);
        if (cut == 0)
            return;
    }
}

/* the (kind, item) pairs the scans of a running sweep raised */
struct seen {
    char (*v)[2][320];
    size_t n, cap;
};
static struct seen *sweeping;

/* seen_add - remember kind/item raised during a sweep */
static void seen_add(const char *kind, const char *item)
{
    struct seen *s = sweeping;
    if (!s)
        return;
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 32;
        void *nv = realloc(s->v, nc * sizeof s->v[0]);
        if (!nv)
            return;
        s->v = nv;
        s->cap = nc;
    }
    snprintf(s->v[s->n][0], sizeof s->v[0][0], "%s", kind);
    snprintf(s->v[s->n][1], sizeof s->v[0][1], "%s", item);
    s->n++;
}

/* seen_has - 1 if kind/item was raised during the sweep */
static int seen_has(const struct seen *s, const char *kind, const char *item)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i][0], kind) == 0 && strcmp(s->v[i][1], item) == 0)
            return 1;
    return 0;
}

/* alert_raise - no account or flow in particular */
int alert_raise(struct wb_env *env, const char *kind, const char *item, const char *text)
{
    return alert_raise_in(env, kind, "", "", item, text);
}

/* alert_raise_in - record, log and send one alert */
int alert_raise_in(struct wb_env *env, const char *kind, const char *account, const char *flow,
                   const char *item, const char *text)
{
    struct ledger_alert_rec a;
    memset(&a, 0, sizeof a);
    seen_add(kind, item);
    time_t now = clock_now();
    int rc = WB_OK;
    if (env->ledger && (rc = ledger_alert_find(env->ledger, kind, item, &a)) == WB_OK) {
        if (now - a.notified < env->cfg.alert_renotify_minutes * 60)
            return WB_OK; /* open and sent lately: not repeated */
        snprintf(a.text, sizeof a.text, "%s", text);
        rc = ledger_alert_notified(env->ledger, a.id, now, text);
        log_warn("alert=%s item=%s event=renotify text=\"%s\"", kind, item, text);
        send(env, &a, "firing");
        return rc;
    }
    if (rc != WB_OK && rc != WB_NOTFOUND)
        return rc;
    snprintf(a.kind, sizeof a.kind, "%s", kind);
    snprintf(a.item, sizeof a.item, "%s", item);
    snprintf(a.account, sizeof a.account, "%s", account ? account : "");
    snprintf(a.flow, sizeof a.flow, "%s", flow ? flow : "");
    snprintf(a.text, sizeof a.text, "%s", text);
    a.created = a.notified = now;
    rc = env->ledger ? ledger_alert_add(env->ledger, &a) : WB_OK;
    log_warn("alert=%s item=%s owner=%s text=\"%s\"", kind, item, alert_owner(&env->cfg, kind),
             text);
    send(env, &a, "firing");
    return rc;
}

/* alert_clear - close the open alert of that kind and item and send its resolution */
int alert_clear(struct wb_env *env, const char *kind, const char *item)
{
    struct ledger_alert_rec a;
    if (!env->ledger)
        return WB_OK;
    int rc = ledger_alert_find(env->ledger, kind, item, &a);
    if (rc == WB_NOTFOUND)
        return WB_OK;
    int closed = 0;
    if (rc == WB_OK)
        rc = ledger_alert_close(env->ledger, kind, item, &closed);
    if (closed) {
        log_info("alert=%s item=%s event=cleared", kind, item);
        send(env, &a, "resolved");
    }
    return rc;
}

/* ---- the scans of level conditions ---- */

/* lane - the spool lane of flow for account number i */
static void lane(const struct wb_env *env, int i, const char *flow, char *out, size_t n)
{
    if (flow_lane(flow, &env->cfg.accounts[i], out, n) != WB_OK)
        snprintf(out, n, "%s", flow);
}

/* file_level - 1 for a reject code that refuses a whole file */
static int file_level(const char *code)
{
    return strcmp(code, "E_FILE") == 0 || strcmp(code, "E_FILE_NAME") == 0 ||
           strcmp(code, "E_DUPLICATE_FILE") == 0;
}

/* scan_rejects - the reject/ of every lane: whole files refused (files 1) or rows rejected */
static int scan_rejects(struct wb_env *env, int files)
{
    size_t nfl;
    const struct flow_def *fl = flows(&nfl);
    for (int a = 0; a < env->cfg.naccounts; a++)
        for (size_t f = 0; f < nfl; f++) {
            char ln[160];
            lane(env, a, fl[f].name, ln, sizeof ln);
            struct spool_entry *e;
            size_t n;
            if (spool_list(&env->spool, SP_REJECT, ln, &e, &n) != WB_OK)
                continue;
            long rows = 0;
            char codes[200] = "";
            for (size_t i = 0; i < n; i++) {
                char code[40], why[400], item[480], text[1000];
                spool_read_reason(&env->spool, SP_REJECT, ln, e[i].name, code, sizeof code, why,
                                  sizeof why);
                if (file_level(code) != files)
                    continue;
                if (files) {
                    snprintf(item, sizeof item, "reject/%s/%s", ln, e[i].name);
                    snprintf(text, sizeof text, "%s refused whole: [%s] %s", item, code, why);
                    alert_raise_in(env, "file-refused", a ? env->cfg.accounts[a].name : "",
                                   fl[f].name, item, text);
                } else {
                    rows++;
                    if (*code && !strstr(codes, code) &&
                        strlen(codes) + strlen(code) + 2 < sizeof codes)
                        snprintf(codes + strlen(codes), sizeof codes - strlen(codes), "%s%s",
                                 *codes ? " " : "", code);
                }
            }
            if (rows) {
                char text[600];
                snprintf(text, sizeof text,
                         "%ld file(s) with rejected rows wait in reject/%s/ (codes: %s)", rows, ln,
                         *codes ? codes : "see the files");
                alert_raise_in(env, "rows-rejected", a ? env->cfg.accounts[a].name : "", fl[f].name,
                               ln, text);
            }
            free(e);
        }
    return WB_OK;
}

/* scan_rows_rejected - see scan_rejects */
static int scan_rows_rejected(struct wb_env *env)
{
    return scan_rejects(env, 0);
}

/* scan_file_refused - see scan_rejects */
static int scan_file_refused(struct wb_env *env)
{
    return scan_rejects(env, 1);
}

/* oldest - the mtime of the oldest file of a state dir of a lane (0: none) */
static time_t oldest(struct wb_env *env, enum spool_state st, const char *ln)
{
    struct spool_entry *e;
    size_t n;
    time_t t = 0;
    if (spool_list(&env->spool, st, ln, &e, &n) != WB_OK)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!t || e[i].mtime < t)
            t = e[i].mtime;
    free(e);
    return t;
}

/* scan_backlog - lanes whose oldest file of in/ or reject/ is older than the SLA */
static int scan_backlog(struct wb_env *env)
{
    size_t nfl;
    const struct flow_def *fl = flows(&nfl);
    time_t now = clock_now();
    long sla = env->cfg.backlog_sla_minutes * 60;
    for (int a = 0; a < env->cfg.naccounts; a++)
        for (size_t f = 0; f < nfl; f++) {
            char ln[160], text[600];
            lane(env, a, fl[f].name, ln, sizeof ln);
            time_t tin = oldest(env, SP_IN, ln), trej = oldest(env, SP_REJECT, ln);
            long ain = tin ? (long)(now - tin) : 0, arej = trej ? (long)(now - trej) : 0;
            if (ain <= sla && arej <= sla)
                continue;
            snprintf(text, sizeof text,
                     "oldest file waits %ld min in in/%s/ and %ld min in reject/%s/ (SLA %ld "
                     "min)",
                     ain / 60, ln, arej / 60, ln, sla / 60);
            alert_raise_in(env, "backlog-sla", a ? env->cfg.accounts[a].name : "", fl[f].name, ln,
                           text);
        }
    return WB_OK;
}

/* scan_jobs - jobs whose streak of failed runs reached alert_job_failures */
static int scan_jobs(struct wb_env *env)
{
    struct ledger_job *j;
    size_t n;
    if (!env->ledger || ledger_job_list(env->ledger, &j, &n) != WB_OK)
        return WB_OK;
    for (size_t i = 0; i < n; i++) {
        long fails = 0;
        if (ledger_job_fails(env->ledger, j[i].name, &fails, NULL) != WB_OK ||
            fails < env->cfg.alert_job_failures)
            continue;
        char text[300];
        snprintf(text, sizeof text, "job %s failed %ld run(s) in a row, the last with outcome %d",
                 j[i].name, fails, j[i].last_outcome);
        alert_raise_in(env, "job-failing", "", "", j[i].name, text);
    }
    free(j);
    return WB_OK;
}

/* ---- whether an alert raised elsewhere still holds ---- */

/* feed_of - the feed an item "feed-ID" (or "ACCOUNT/feed-ID") names; 0 if it is gone (the
 * condition passed) */
static int feed_of(struct wb_env *env, const char *item, struct ledger_feed *f)
{
    long id;
    const char *slash = strrchr(item, '/');
    if (slash)
        item = slash + 1;
    if (strncmp(item, "feed-", 5) != 0 || str_to_long(item + 5, 1, LONG_MAX, &id) != WB_OK)
        return 0;
    return ledger_feed_get(env->ledger, id, f) == WB_OK;
}

/* holds_later_done - a failed feed's alert holds until a later feed of its flow is done */
static int holds_later_done(struct wb_env *env, const struct ledger_alert_rec *a)
{
    struct ledger_feed f;
    if (!feed_of(env, a->item, &f))
        return 0;
    return ledger_feed_done_after(env->ledger, f.id) != WB_OK;
}

/* holds_submitted - a held or stuck feed's alert holds while it is at Amazon unsettled */
static int holds_submitted(struct wb_env *env, const struct ledger_alert_rec *a)
{
    struct ledger_feed f;
    return feed_of(env, a->item, &f) && f.state == LFD_SUBMITTED;
}

/* holds_ambiguous - an ambiguous feed's alert holds until an operator resolved it */
static int holds_ambiguous(struct wb_env *env, const struct ledger_alert_rec *a)
{
    struct ledger_feed f;
    return feed_of(env, a->item, &f) && f.state == LFD_AMBIGUOUS;
}

/* item_stat - lstat of the spool path an item "STATE/LANE/NAME" names; -1 if it is gone */
static int item_stat(struct wb_env *env, const char *item, char *path, size_t n, struct stat *sb)
{
    if (strstr(item, "..") || snprintf(path, n, "%s/%s", env->spool.root, item) >= (int)n)
        return 0; /* never one of ours: kept open for an operator */
    return lstat(path, sb);
}

/* holds_path - a file alert holds while the file is there */
static int holds_path(struct wb_env *env, const struct ledger_alert_rec *a)
{
    char p[4400];
    struct stat sb;
    return item_stat(env, a->item, p, sizeof p, &sb) == 0;
}

/* holds_unreadable - while the file is there and cannot be opened */
static int holds_unreadable(struct wb_env *env, const struct ledger_alert_rec *a)
{
    char p[4400];
    struct stat sb;
    if (item_stat(env, a->item, p, sizeof p, &sb) != 0)
        return 0;
    int fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    return fd < 0 && errno != ENOENT;
}

/* holds_future - while the file is there with a modification time ahead of the clock */
static int holds_future(struct wb_env *env, const struct ledger_alert_rec *a)
{
    char p[4400];
    struct stat sb;
    return item_stat(env, a->item, p, sizeof p, &sb) == 0 && sb.st_mtime > clock_now();
}

/* holds_remote - an SFTP alert holds while its remote is configured (a transfer that works
 * again clears it where it runs) */
static int holds_remote(struct wb_env *env, const struct ledger_alert_rec *a)
{
    return strncmp(a->item, "remote/", 7) == 0 && conf_find_remote(&env->cfg, a->item + 7);
}

/* alert_sweep - scan, resolve, re-notify */
int alert_sweep(struct wb_env *env)
{
    if (!env->ledger || !env->have_spool)
        return WB_OK;
    struct seen s = {0};
    sweeping = &s;
    for (size_t i = 0; i < WB_ARRAY_LEN(table); i++)
        if (table[i].scan)
            table[i].scan(env);
    sweeping = NULL;
    struct ledger_alert_rec *v;
    size_t n;
    int rc = ledger_alerts_list(env->ledger, &v, &n);
    time_t now = clock_now();
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        const struct alert_type *t = alert_type_find(v[i].kind);
        if (!t || (!t->scan && !t->holds))
            continue; /* resolved where it is raised */
        int holds = t->scan ? seen_has(&s, v[i].kind, v[i].item) : t->holds(env, &v[i]);
        if (!holds)
            rc = alert_clear(env, v[i].kind, v[i].item);
        else if (!t->scan && now - v[i].notified >= env->cfg.alert_renotify_minutes * 60)
            rc = alert_raise_in(env, v[i].kind, v[i].account, v[i].flow, v[i].item, v[i].text);
    }
    free(v);
    free(s.v);
    return rc;
}

/* alert_job_end - count the job's streak of failed runs (the sweep raises job-failing) */
int alert_job_end(struct wb_env *env, const char *job, int outcome)
{
    return env->ledger ? ledger_job_streak(env->ledger, job, outcome != 0, clock_now()) : WB_OK;
}
