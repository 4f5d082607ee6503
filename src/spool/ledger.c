/*
 * ledger.c - the SQLite ledger (schema and every SQL statement of wmsbridge).
 * Owns the database handle and a small cache of prepared statements.
 * SQLite errors are translated here, once: BUSY/LOCKED -> WB_TEMPFAIL,
 * FULL -> WB_NOSPACE, others -> WB_IOERR. Never exits; never logs row data.
 * Only this file calls SQLite.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "spool/ledger.h"

#define STMT_CACHE 64

struct ledger {
    sqlite3 *db;
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } cache[STMT_CACHE];
    int ncache;
};

#define BUSY_TIMEOUT_MS 10000

/* the connection's settings; journal_mode is set on its own (see wal_mode). The WAL is kept
 * when the last connection closes (see ledger_open); the size limit empties it then, as
 * deleting it did, and trims it after a checkpoint. secure_delete: what is deleted is zeroed in
 * the file, not left in free space (buyers' personal data, see ledger_order_pii_purge) */
static const char pragmas[] = "PRAGMA synchronous=FULL;"
                              "PRAGMA foreign_keys=ON;"
                              "PRAGMA journal_size_limit=16777216;"
                              "PRAGMA secure_delete=ON;";

/* the tables, created in one immediate transaction (see create_schema) */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS files(id INTEGER PRIMARY KEY, flow TEXT NOT NULL,"
    " name TEXT NOT NULL, digest TEXT NOT NULL, state INTEGER NOT NULL, layout TEXT,"
    " header TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS files_digest ON files(flow, digest);"
    "CREATE INDEX IF NOT EXISTS files_name ON files(flow, name);"
    "CREATE TABLE IF NOT EXISTS rows(id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL"
    " REFERENCES files(id), flow TEXT NOT NULL, key TEXT NOT NULL, lineno INTEGER,"
    " state INTEGER NOT NULL, payload TEXT, group_key TEXT, raw TEXT, feed_id INTEGER,"
    " message_id INTEGER, reject_code TEXT, reject_reason TEXT, warning TEXT,"
    " attempts INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS rows_pending ON rows(flow, state, group_key, id);"
    "CREATE INDEX IF NOT EXISTS rows_feed ON rows(feed_id, message_id);"
    "CREATE INDEX IF NOT EXISTS rows_file ON rows(file_id, state, lineno);"
    "CREATE TABLE IF NOT EXISTS feeds(id INTEGER PRIMARY KEY, flow TEXT NOT NULL,"
    " feed_type TEXT NOT NULL, state INTEGER NOT NULL, priority INTEGER NOT NULL,"
    " doc_name TEXT, amazon_doc_id TEXT, amazon_feed_id TEXT UNIQUE, result_doc_id TEXT,"
    " report_name TEXT, last_error TEXT, created INTEGER, intent_at INTEGER,"
    " submitted INTEGER, next_poll INTEGER, polls INTEGER DEFAULT 0,"
    " attempts INTEGER DEFAULT 0, messages INTEGER DEFAULT 0, alerted INTEGER DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS feeds_state ON feeds(state, priority, id);"
    "CREATE TABLE IF NOT EXISTS jobs(name TEXT PRIMARY KEY, last_slot INTEGER,"
    " last_start INTEGER, last_end INTEGER, last_outcome INTEGER, next_run INTEGER,"
    " runs INTEGER);"
    "CREATE TABLE IF NOT EXISTS orders(account TEXT NOT NULL, order_id TEXT NOT NULL,"
    " updated INTEGER NOT NULL, digest INTEGER NOT NULL, state INTEGER NOT NULL,"
    " written INTEGER NOT NULL, batch INTEGER, code TEXT, reason TEXT, changed INTEGER,"
    " ship_by INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(account, order_id));"
    "CREATE TABLE IF NOT EXISTS order_batches(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
    " name TEXT NOT NULL, state INTEGER NOT NULL, rows TEXT, created INTEGER);"
    "CREATE TABLE IF NOT EXISTS order_sync(account TEXT PRIMARY KEY, after INTEGER,"
    " token TEXT, window_start INTEGER, rewind INTEGER, last_ok INTEGER, last_try INTEGER);"
    "CREATE TABLE IF NOT EXISTS remote_seen(remote TEXT NOT NULL, path TEXT NOT NULL,"
    " size INTEGER, mtime INTEGER, digest TEXT, taken INTEGER,"
    " PRIMARY KEY(remote, path, size, mtime));"
    "CREATE TABLE IF NOT EXISTS alerts(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
    " item TEXT NOT NULL, text TEXT, created INTEGER, closed INTEGER);"
    "CREATE INDEX IF NOT EXISTS alerts_open ON alerts(kind, item) WHERE closed IS NULL;"
    "CREATE TABLE IF NOT EXISTS actions(id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
    " user TEXT NOT NULL, action TEXT NOT NULL, account TEXT, flow TEXT NOT NULL,"
    " name TEXT NOT NULL, reason TEXT);"
    "CREATE INDEX IF NOT EXISTS actions_name ON actions(name, id);"
    "CREATE TABLE IF NOT EXISTS api_calls(op TEXT PRIMARY KEY, calls INTEGER NOT NULL,"
    " throttled INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS order_units(account TEXT NOT NULL, order_id TEXT NOT NULL,"
    " sku TEXT NOT NULL, qty INTEGER NOT NULL, taken INTEGER NOT NULL,"
    " PRIMARY KEY(account, order_id, sku));"
    "CREATE INDEX IF NOT EXISTS order_units_taken ON order_units(account, taken);"
    "CREATE TABLE IF NOT EXISTS return_receipts(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
    " file_id INTEGER NOT NULL, lineno INTEGER NOT NULL, rma TEXT NOT NULL,"
    " order_id TEXT NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL,"
    " disposition TEXT NOT NULL, sellable INTEGER NOT NULL, received INTEGER NOT NULL,"
    " UNIQUE(account, file_id, lineno));"
    "CREATE INDEX IF NOT EXISTS return_receipts_order ON return_receipts(account, order_id);"
    "CREATE INDEX IF NOT EXISTS return_receipts_received ON return_receipts(account, received);"
    "CREATE TABLE IF NOT EXISTS expected_returns(account TEXT NOT NULL, rma TEXT NOT NULL,"
    " seller_sku TEXT NOT NULL, wms_sku TEXT NOT NULL, order_id TEXT NOT NULL,"
    " qty INTEGER NOT NULL, PRIMARY KEY(account, rma, seller_sku, wms_sku));"
    /* settlement reconciliation: each settlement taken, what it paid or refunded per order,
     * and the findings of its reconciliation */
    "CREATE TABLE IF NOT EXISTS settlements(account TEXT NOT NULL, settlement_id TEXT NOT NULL,"
    " period_start INTEGER NOT NULL, period_end INTEGER NOT NULL, currency TEXT NOT NULL,"
    " PRIMARY KEY(account, settlement_id));"
    "CREATE TABLE IF NOT EXISTS settlement_paid(account TEXT NOT NULL,"
    " settlement_id TEXT NOT NULL, order_id TEXT NOT NULL, kind INTEGER NOT NULL,"
    " amount INTEGER NOT NULL, posted INTEGER NOT NULL,"
    " PRIMARY KEY(account, settlement_id, order_id, kind));"
    "CREATE INDEX IF NOT EXISTS settlement_paid_order ON settlement_paid(account, order_id, kind);"
    "CREATE INDEX IF NOT EXISTS settlement_paid_posted ON settlement_paid(account, kind, posted);"
    "CREATE TABLE IF NOT EXISTS settlement_findings(account TEXT NOT NULL,"
    " settlement_id TEXT NOT NULL, kind INTEGER NOT NULL, order_id TEXT NOT NULL,"
    " amount INTEGER, PRIMARY KEY(account, settlement_id, kind, order_id));";

/* columns added to a table after its first release: added to a ledger that lacks them when it
 * is opened (CREATE TABLE IF NOT EXISTS leaves an existing table as it is) */
static const struct {
    const char *table, *column, *decl;
} added_columns[] = {
    {"feeds", "create_at", "INTEGER NOT NULL DEFAULT -1"},
    {"files", "account", "TEXT NOT NULL DEFAULT ''"}, /* '' = the default seller account */
    {"rows", "account", "TEXT NOT NULL DEFAULT ''"},
    {"feeds", "account", "TEXT NOT NULL DEFAULT ''"},
    {"alerts", "account", "TEXT NOT NULL DEFAULT ''"},
    {"alerts", "flow", "TEXT NOT NULL DEFAULT ''"},
    {"alerts", "notified", "INTEGER NOT NULL DEFAULT 0"},
    {"jobs", "fails", "INTEGER NOT NULL DEFAULT 0"},
    {"jobs", "last_ok", "INTEGER NOT NULL DEFAULT 0"},
    {"files", "snapshot_time", "INTEGER NOT NULL DEFAULT 0"}, /* 0 = none (not a snapshot) */
    /* the WMS SKU a receipt line received */
    {"return_receipts", "wms_sku", "TEXT NOT NULL DEFAULT ''"},
    /* orders: Amazon's createdTime, when its first file was in place; a batch: when in place */
    {"orders", "placed", "INTEGER NOT NULL DEFAULT 0"},
    {"orders", "in_wms", "INTEGER NOT NULL DEFAULT 0"},
    {"order_batches", "written", "INTEGER NOT NULL DEFAULT 0"},
    {"rows", "due", "INTEGER NOT NULL DEFAULT 0"}, /* a pending row waits until then (0: none) */
};

/* what needs the added columns, made after them in one immediate transaction: a business key
 * is live once per flow AND seller account (the index of older ledgers, per flow, goes) */
static const char late_schema[] =
    "DROP INDEX IF EXISTS rows_live;"
    "CREATE UNIQUE INDEX IF NOT EXISTS rows_live_account ON rows(flow, account, key)"
    " WHERE state != 4;"
    "CREATE INDEX IF NOT EXISTS orders_in_wms ON orders(account, in_wms);";

/* has_column - 1 if table has column */
static int has_column(struct ledger *l, const char *table, const char *column)
{
    char sql[200];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s LIMIT 0", column, table);
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_finalize(st);
    return 1;
}

/* add_columns - each added column a ledger lacks (another process may add it at the same time) */
static int add_columns(struct ledger *l)
{
    for (size_t i = 0; i < WB_ARRAY_LEN(added_columns); i++) {
        const char *t = added_columns[i].table, *c = added_columns[i].column;
        if (has_column(l, t, c))
            continue;
        char sql[300];
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", t, c, added_columns[i].decl);
        int rc = sqlite3_exec(l->db, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK && !has_column(l, t, c))
            return rc;
    }
    return SQLITE_OK;
}

/* late_indexes - late_schema in one immediate transaction */
static int late_indexes(struct ledger *l)
{
    int rc = sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_exec(l->db, late_schema, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(l->db))
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* no_space - log a full disk under the ledger and return WB_NOSPACE */
static int no_space(struct ledger *l)
{
    log_error("ledger event=write-failed status=nospace error=\"no space left on the device"
              " (%s); the transaction was not committed\"",
              l && l->db ? sqlite3_errmsg(l->db) : "cannot open");
    return WB_NOSPACE;
}

/* map_rc - SQLite result code to a WB status (an I/O error from ENOSPC is WB_NOSPACE) */
static int map_rc(struct ledger *l, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return WB_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return WB_TEMPFAIL;
    case SQLITE_FULL:
        return no_space(l);
    case SQLITE_NOMEM:
        return WB_NOMEM;
    case SQLITE_CONSTRAINT:
        return WB_EXISTS;
    case SQLITE_NOTFOUND:
        return WB_NOTFOUND;
    case SQLITE_READONLY: /* a ledger this user may read but not write */
    case SQLITE_PERM:
        return WB_DENIED;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: {
        /* a full disk while the WAL or shared-memory file grows comes back as an I/O error */
        int e = l && l->db ? sqlite3_system_errno(l->db) : 0;
        if (e == ENOSPC || e == EDQUOT || e == EFBIG)
            return no_space(l);
        return wb_errno_status(e) == WB_DENIED ? WB_DENIED : WB_IOERR;
    }
    default:
        return WB_IOERR;
    }
}

/* state_name - names[state] when 1 <= state < n, else "?" */
static const char *state_name(const char *const *names, size_t n, int state)
{
    return state >= 1 && (size_t)state < n ? names[state] : "?";
}

/* ledger_file_state_name - the operator's word for a file state */
const char *ledger_file_state_name(int state)
{
    static const char *const names[] = {
        [LF_CLAIMED] = "claimed",   [LF_PARSED] = "parsed",       [LF_DONE] = "done",
        [LF_REJECTED] = "rejected", [LF_DUPLICATE] = "duplicate", [LF_GREW] = "grew"};
    return state_name(names, WB_ARRAY_LEN(names), state);
}

/* ledger_row_state_name - the operator's word for a row state */
const char *ledger_row_state_name(int state)
{
    static const char *const names[] = {[LR_PENDING] = "pending",
                                        [LR_QUEUED] = "queued",
                                        [LR_CONFIRMED] = "confirmed",
                                        [LR_REJECTED] = "rejected"};
    return state_name(names, WB_ARRAY_LEN(names), state);
}

/* ledger_feed_state_name - the operator's word for a feed state */
const char *ledger_feed_state_name(int state)
{
    static const char *const names[] = {
        [LFD_BUILDING] = "building",   [LFD_READY] = "ready",     [LFD_SUBMITTING] = "submitting",
        [LFD_SUBMITTED] = "submitted", [LFD_DONE] = "done",       [LFD_FATAL] = "fatal",
        [LFD_CANCELLED] = "cancelled", [LFD_INVALID] = "invalid", [LFD_AMBIGUOUS] = "ambiguous",
        [LFD_CALLING] = "calling"};
    return state_name(names, WB_ARRAY_LEN(names), state);
}

/* ledger_errmsg - last SQLite error text */
const char *ledger_errmsg(struct ledger *l)
{
    return l && l->db ? sqlite3_errmsg(l->db) : "no ledger";
}

/* prep - a cached prepared statement for a static SQL string, reset and unbound */
static sqlite3_stmt *prep(struct ledger *l, const char *sql)
{
    for (int i = 0; i < l->ncache; i++)
        if (l->cache[i].sql == sql) {
            sqlite3_reset(l->cache[i].st);
            sqlite3_clear_bindings(l->cache[i].st);
            return l->cache[i].st;
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    if (l->ncache < STMT_CACHE) {
        l->cache[l->ncache].sql = sql;
        l->cache[l->ncache].st = st;
        l->ncache++;
    }
    return st;
}

/* done - finish a statement that is not cached */
static void done(struct ledger *l, sqlite3_stmt *st)
{
    for (int i = 0; i < l->ncache; i++)
        if (l->cache[i].st == st) {
            sqlite3_reset(st);
            return;
        }
    sqlite3_finalize(st);
}

/* bind_text - bind a possibly NULL string */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* bind_lane - bind a lane ("FLOW" or "ACCOUNT/FLOW") as its flow at i_flow and its account at
 * i_acct ('' for the default account, whose lane is the flow alone) */
static void bind_lane(sqlite3_stmt *st, int i_flow, int i_acct, const char *lane)
{
    const char *slash = lane ? strchr(lane, '/') : NULL;
    if (!slash) {
        bind_text(st, i_flow, lane);
        sqlite3_bind_text(st, i_acct, "", 0, SQLITE_STATIC);
        return;
    }
    sqlite3_bind_text(st, i_flow, slash + 1, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, i_acct, lane, (int)(slash - lane), SQLITE_TRANSIENT);
}

/* col_copy - copy a text column into a fixed field */
static void col_copy(sqlite3_stmt *st, int i, char *dst, size_t n)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    str_copy(dst, n, t ? (const char *)t : "");
}

/* col_text - a text column or "" */
static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* exec_step - step a statement to completion (no rows expected) */
static int exec_step(struct ledger *l, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int out = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? WB_OK : map_rc(l, rc);
    done(l, st);
    return out;
}

/* wal_mode - switch to WAL; another process creating the same fresh ledger makes the switch
 * answer BUSY without waiting on the busy handler, so wait here, as long as the handler would */
static int wal_mode(struct ledger *l)
{
    long long deadline = clock_mono_ms() + BUSY_TIMEOUT_MS;
    long pause = 1;
    for (;;) {
        int rc = sqlite3_exec(l->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) ||
            clock_mono_ms() >= deadline)
            return rc;
        clock_sleep_ms(pause);
        pause = pause < 64 ? pause * 2 : 64;
    }
}

/* create_schema - WAL mode, settings, then every table in one immediate transaction: BEGIN
 * IMMEDIATE waits on the busy handler, where statements in autocommit mode would each start as
 * readers and fail BUSY at once when a concurrent creator wrote first */
static int create_schema(struct ledger *l)
{
    int rc = wal_mode(l);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(l->db, pragmas, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_exec(l->db, schema, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(l->db))
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* ledger_open - open or create the ledger (WAL, foreign keys, busy timeout). The WAL and
 * shared-memory files are kept when the last writer closes (PERSIST_WAL), with the ledger's own
 * mode, so a reader without write access to the directory finds them (ledger_open_readonly) */
enum wb_status ledger_open(struct ledger **out, const char *path)
{
    struct ledger *l = calloc(1, sizeof *l);
    if (!l)
        return WB_NOMEM;
    int rc = sqlite3_open_v2(
        path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc == SQLITE_OK) {
        int persist = 1;
        sqlite3_busy_timeout(l->db, BUSY_TIMEOUT_MS);
        sqlite3_extended_result_codes(l->db, 0);
        sqlite3_file_control(l->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
        rc = sqlite3_db_readonly(l->db, "main") == 1 ? SQLITE_READONLY : create_schema(l);
    }
    if (rc == SQLITE_OK)
        rc = add_columns(l);
    if (rc == SQLITE_OK)
        rc = late_indexes(l);
    if (rc != SQLITE_OK) {
        int st = map_rc(l, rc);
        if (st == WB_OK)
            st = WB_IOERR;
        sqlite3_close(l->db);
        free(l);
        return st == WB_NOTFOUND ? WB_IOERR : st;
    }
    *out = l;
    return WB_OK;
}

/* ledger_open_readonly - open the ledger for reading only: creates no file, writes no row; a
 * ledger the service has not created yet reads as an empty one (in memory); WB_DENIED when
 * this user may not read it */
enum wb_status ledger_open_readonly(struct ledger **out, const char *path)
{
    if (access(path, F_OK) != 0)
        return errno == ENOENT ? ledger_open(out, ":memory:") : wb_errno_status(errno);
    struct ledger *l = calloc(1, sizeof *l);
    if (!l)
        return WB_NOMEM;
    int rc = sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(l->db, BUSY_TIMEOUT_MS);
        sqlite3_extended_result_codes(l->db, 0);
        /* the first read opens the WAL: a permission problem shows here, not at the first query */
        rc = sqlite3_exec(l->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        int st = map_rc(l, rc);
        sqlite3_close(l->db);
        free(l);
        return st == WB_OK || st == WB_NOTFOUND ? WB_IOERR : st;
    }
    *out = l;
    return WB_OK;
}

/* ledger_close - close */
void ledger_close(struct ledger *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->ncache; i++)
        sqlite3_finalize(l->cache[i].st);
    sqlite3_close(l->db);
    free(l);
}

/* ledger_begin - start an immediate transaction */
enum wb_status ledger_begin(struct ledger *l)
{
    return map_rc(l, sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL));
}

/* ledger_commit - commit */
enum wb_status ledger_commit(struct ledger *l)
{
    int rc = map_rc(l, sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL));
    if (rc != WB_OK)
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* ledger_rollback - roll back (no-op outside a transaction) */
void ledger_rollback(struct ledger *l)
{
    if (!sqlite3_get_autocommit(l->db))
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- files ---- */

/* read_file_row - fill a ledger_file from columns id,flow,name,digest,state,created,layout,
 * account */
static void read_file_row(sqlite3_stmt *st, struct ledger_file *f)
{
    memset(f, 0, sizeof *f);
    f->id = sqlite3_column_int64(st, 0);
    col_copy(st, 1, f->flow, sizeof f->flow);
    col_copy(st, 2, f->name, sizeof f->name);
    col_copy(st, 3, f->digest, sizeof f->digest);
    f->state = sqlite3_column_int(st, 4);
    f->created = (time_t)sqlite3_column_int64(st, 5);
    col_copy(st, 6, f->layout, sizeof f->layout);
    col_copy(st, 7, f->account, sizeof f->account);
}

/* file_step - the one file a bound query finds (WB_NOTFOUND if none); finishes st */
static int file_step(struct ledger *l, sqlite3_stmt *st, struct ledger_file *out)
{
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW) {
        read_file_row(st, out);
        res = WB_OK;
    } else if (rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* file_query - one file by a query with two text params (or id) */
static int file_query(struct ledger *l, const char *sql, const char *a, const char *b, long long id,
                      struct ledger_file *out)
{
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    if (a) {
        bind_lane(st, 1, 3, a);
        bind_text(st, 2, b);
    } else {
        sqlite3_bind_int64(st, 1, id);
    }
    return file_step(l, st, out);
}

static const char sql_file_digest[] = "SELECT id,flow,name,digest,state,created,layout,account "
                                      "FROM files WHERE flow=?1 AND account=?3"
                                      " AND digest=?2"
                                      " AND state IN (2,3) ORDER BY id DESC LIMIT 1";
static const char sql_file_name[] =
    "SELECT id,flow,name,digest,state,created,layout,account FROM files"
    " WHERE flow=?1 AND account=?3 AND name=?2 ORDER BY id DESC LIMIT 1";
static const char sql_file_id[] =
    "SELECT id,flow,name,digest,state,created,layout,account FROM files WHERE id=?1";

/* ledger_file_by_digest - a file already parsed or done with this content */
enum wb_status ledger_file_by_digest(struct ledger *l, const char *flow, const char *digest,
                                     struct ledger_file *out)
{
    return file_query(l, sql_file_digest, flow, digest, 0, out);
}

/* ledger_file_by_name - the newest ledger record for flow/name */
enum wb_status ledger_file_by_name(struct ledger *l, const char *flow, const char *name,
                                   struct ledger_file *out)
{
    return file_query(l, sql_file_name, flow, name, 0, out);
}

/* ledger_file_get - a file record by id */
enum wb_status ledger_file_get(struct ledger *l, long long id, struct ledger_file *out)
{
    return file_query(l, sql_file_id, NULL, NULL, id, out);
}

/* ledger_file_by_identity - the newest record of flow/name with this content digest */
enum wb_status ledger_file_by_identity(struct ledger *l, const char *flow, const char *name,
                                       const char *digest, struct ledger_file *out)
{
    static const char sql[] = "SELECT id,flow,name,digest,state,created,layout,account FROM files"
                              " WHERE flow=?1 AND account=?4 AND name=?2 AND digest=?3"
                              " ORDER BY id DESC LIMIT 1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 4, flow);
    bind_text(st, 2, name);
    bind_text(st, 3, digest);
    return file_step(l, st, out);
}

/* ledger_file_before - the newest record of flow/name older than record before_id */
enum wb_status ledger_file_before(struct ledger *l, const char *flow, const char *name,
                                  long long before_id, struct ledger_file *out)
{
    static const char sql[] = "SELECT id,flow,name,digest,state,created,layout,account FROM files"
                              " WHERE flow=?1 AND account=?4 AND name=?2 AND id<?3"
                              " ORDER BY id DESC LIMIT 1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 4, flow);
    bind_text(st, 2, name);
    sqlite3_bind_int64(st, 3, before_id);
    return file_step(l, st, out);
}

/* ledger_file_has_line - WB_OK if file_id has a row at lineno with these raw cells */
enum wb_status ledger_file_has_line(struct ledger *l, long long file_id, long lineno,
                                    const char *raw)
{
    static const char sql[] = "SELECT 1 FROM rows WHERE file_id=?1 AND state IN (1,2,3,4)"
                              " AND lineno=?2 AND raw=?3 LIMIT 1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, file_id);
    sqlite3_bind_int64(st, 2, lineno);
    bind_text(st, 3, raw);
    int rc = sqlite3_step(st);
    int res = rc == SQLITE_ROW ? WB_OK : rc == SQLITE_DONE ? WB_NOTFOUND : map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_file_add - record a claimed file */
enum wb_status ledger_file_add(struct ledger *l, const char *flow, const char *name,
                               const char *digest, long long *id)
{
    static const char sql[] = "INSERT INTO files(flow,name,digest,state,created,updated,account)"
                              " VALUES(?1,?2,?3,1,?4,?4,?5)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 5, flow);
    bind_text(st, 2, name);
    bind_text(st, 3, digest);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
    int rc = exec_step(l, st);
    if (rc == WB_OK)
        *id = sqlite3_last_insert_rowid(l->db);
    return rc;
}

/* ledger_file_set_state - move a file record to a state */
enum wb_status ledger_file_set_state(struct ledger *l, long long id, int state)
{
    static const char sql[] = "UPDATE files SET state=?2, updated=?3 WHERE id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, state);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)clock_now());
    return exec_step(l, st);
}

/* ledger_file_set_snapshot - the time a file's content describes (a stock snapshot) */
enum wb_status ledger_file_set_snapshot(struct ledger *l, long long id, time_t t)
{
    static const char sql[] = "UPDATE files SET snapshot_time=?2 WHERE id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)t);
    return exec_step(l, st);
}

/* ledger_snapshot_latest - the newest snapshot time of a lane's files taken in */
enum wb_status ledger_snapshot_latest(struct ledger *l, const char *flow, time_t *t, char *name,
                                      size_t n)
{
    static const char sql[] = "SELECT snapshot_time, name FROM files WHERE flow=?1 AND account=?2"
                              " AND state IN (2,3) ORDER BY snapshot_time DESC, id DESC LIMIT 1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 2, flow);
    *t = 0;
    if (n)
        name[0] = '\0';
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *t = (time_t)sqlite3_column_int64(st, 0);
        const unsigned char *s = sqlite3_column_text(st, 1);
        if (n)
            snprintf(name, n, "%s", s ? (const char *)s : "");
    }
    done(l, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WB_OK : map_rc(l, rc);
}

/* ledger_file_set_layout - remember the layout and original header of a file */
enum wb_status ledger_file_set_layout(struct ledger *l, long long id, const char *layout,
                                      const char *header)
{
    static const char sql[] = "UPDATE files SET layout=?2, header=?3 WHERE id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, layout);
    bind_text(st, 3, header);
    return exec_step(l, st);
}

/* ledger_file_header - the stored header text of a file */
enum wb_status ledger_file_header(struct ledger *l, long long id, char **out)
{
    static const char sql[] = "SELECT header FROM files WHERE id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW) {
        *out = strdup(col_text(st, 0));
        res = *out ? WB_OK : WB_NOMEM;
    } else if (rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* each_row - call fn for every result row of st until it fails; fn's failure or the step's
 * error is returned; st is finalised */
static int each_row(struct ledger *l, sqlite3_stmt *st, int (*fn)(void *ctx, sqlite3_stmt *st),
                    void *ctx)
{
    int rc, res = WB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((res = fn(ctx, st)) != WB_OK)
            break;
    if (res == WB_OK && rc != SQLITE_DONE)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

struct grow {
    char *v;
    size_t n, cap, elem;
    void (*read)(sqlite3_stmt *st, void *dst);
};

/* grow_one - append the current row to a growing array */
static int grow_one(void *ctx, sqlite3_stmt *st)
{
    struct grow *g = ctx;
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 16;
        char *nv = realloc(g->v, nc * g->elem);
        if (!nv)
            return WB_NOMEM;
        g->v = nv;
        g->cap = nc;
    }
    g->read(st, g->v + g->n++ * g->elem);
    return WB_OK;
}

/* collect - every result row of st, read by read, into a malloc'd array of elem-sized items;
 * on failure nothing is returned */
static int collect(struct ledger *l, sqlite3_stmt *st, size_t elem,
                   void (*read)(sqlite3_stmt *st, void *dst), void **out, size_t *n)
{
    struct grow g = {.elem = elem, .read = read};
    int rc = each_row(l, st, grow_one, &g);
    if (rc != WB_OK) {
        free(g.v);
        g.v = NULL;
        g.n = 0;
    }
    *out = g.v;
    *n = g.n;
    return rc;
}

/* read_id - column 0 as a long long */
static void read_id(sqlite3_stmt *st, void *dst)
{
    *(long long *)dst = sqlite3_column_int64(st, 0);
}

/* ledger_files_in_state - ids of a flow's files in a state */
enum wb_status ledger_files_in_state(struct ledger *l, const char *flow, int state, long long **ids,
                                     size_t *n)
{
    static const char sql[] = "SELECT id FROM files WHERE flow=?1 AND account=?3 AND state=?2"
                              " ORDER BY id";
    sqlite3_stmt *st = prep(l, sql);
    *ids = NULL;
    *n = 0;
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 3, flow);
    sqlite3_bind_int(st, 2, state);
    void *v;
    int rc = collect(l, st, sizeof **ids, read_id, &v, n);
    *ids = v;
    return rc;
}

/* ---- rows ---- */

/* ledger_rows_prefix_state - the highest state among the rows of flow whose key starts with
 * prefix (rejected rows count only when nothing else does); WB_NOTFOUND when there are none */
enum wb_status ledger_rows_prefix_state(struct ledger *l, const char *flow, const char *prefix,
                                        int *state)
{
    static const char sql[] = "SELECT max(CASE WHEN state=4 THEN 0 ELSE state END), count(*)"
                              " FROM rows WHERE flow=?1 AND account=?3"
                              " AND substr(key,1,length(?2))=?2";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 3, flow);
    bind_text(st, 2, prefix);
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW && sqlite3_column_int64(st, 1) > 0) {
        *state = sqlite3_column_int(st, 0);
        if (*state == 0)
            *state = LR_REJECTED;
        res = WB_OK;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ledger_row_find - the live row for flow + business key */
enum wb_status ledger_row_find(struct ledger *l, const char *flow, const char *key,
                               struct ledger_row *out)
{
    static const char sql[] =
        "SELECT id,file_id,lineno,state,key,feed_id,message_id,reject_code,reject_reason,warning"
        " FROM rows WHERE flow=?1 AND account=?3 AND key=?2 AND state!=4 LIMIT 1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 3, flow);
    bind_text(st, 2, key);
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(st, 0);
        out->file_id = sqlite3_column_int64(st, 1);
        out->lineno = (long)sqlite3_column_int64(st, 2);
        out->state = sqlite3_column_int(st, 3);
        col_copy(st, 4, out->key, sizeof out->key);
        out->feed_id = sqlite3_column_int64(st, 5);
        out->message_id = (long)sqlite3_column_int64(st, 6);
        col_copy(st, 7, out->reject_code, sizeof out->reject_code);
        col_copy(st, 8, out->reject_reason, sizeof out->reject_reason);
        col_copy(st, 9, out->warning, sizeof out->warning);
        res = WB_OK;
    } else if (rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ledger_row_add - a row of a file */
enum wb_status ledger_row_add(struct ledger *l, long long file_id, const char *flow,
                              const char *key, long lineno, int state, const char *payload,
                              const char *group_key, const char *raw, long long *id)
{
    static const char sql[] =
        "INSERT INTO rows(file_id,flow,key,lineno,state,payload,group_key,raw,created,updated,"
        "account) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?9,?10)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, file_id);
    bind_lane(st, 2, 10, flow);
    bind_text(st, 3, key);
    sqlite3_bind_int64(st, 4, lineno);
    sqlite3_bind_int(st, 5, state);
    bind_text(st, 6, payload);
    bind_text(st, 7, group_key);
    bind_text(st, 8, raw);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)clock_now());
    int rc = exec_step(l, st);
    if (rc == WB_OK && id)
        *id = sqlite3_last_insert_rowid(l->db);
    return rc;
}

/* ledger_row_reject - mark rejected with code and reason */
enum wb_status ledger_row_reject(struct ledger *l, long long row_id, const char *code,
                                 const char *reason)
{
    static const char sql[] =
        "UPDATE rows SET state=4, reject_code=?2, reject_reason=?3, updated=?4 WHERE id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, row_id);
    bind_text(st, 2, code);
    bind_text(st, 3, reason);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
    return exec_step(l, st);
}

/* ledger_row_confirm - mark confirmed (warning may be NULL) */
enum wb_status ledger_row_confirm(struct ledger *l, long long row_id, const char *warning)
{
    static const char sql[] = "UPDATE rows SET state=3, warning=?2, updated=?3 WHERE id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, row_id);
    bind_text(st, 2, warning);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)clock_now());
    return exec_step(l, st);
}

/* ledger_row_assign - pending -> queued in a feed under a message id */
enum wb_status ledger_row_assign(struct ledger *l, long long row_id, long long feed_id,
                                 long message_id)
{
    static const char sql[] =
        "UPDATE rows SET state=2, feed_id=?2, message_id=?3, updated=?4 WHERE id=?1 AND state=1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, row_id);
    sqlite3_bind_int64(st, 2, feed_id);
    sqlite3_bind_int64(st, 3, message_id);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
    int rc = exec_step(l, st);
    if (rc == WB_OK && sqlite3_changes(l->db) != 1)
        rc = WB_INTERNAL;
    return rc;
}

/* ledger_file_open_rows - rows of a file neither confirmed nor rejected */
enum wb_status ledger_file_open_rows(struct ledger *l, long long file_id, long *n)
{
    static const char sql[] = "SELECT count(*) FROM rows WHERE file_id=?1 AND state IN (1,2)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, file_id);
    int rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
    done(l, st);
    return rc == SQLITE_ROW ? WB_OK : map_rc(l, rc);
}

struct row_visit {
    ledger_row_cb cb;
    void *arg;
};

/* visit_row - hand the current row (standard column order) to the caller's callback */
static int visit_row(void *ctx, sqlite3_stmt *st)
{
    const struct row_visit *rv = ctx;
    struct ledger_row_view v = {
        .id = sqlite3_column_int64(st, 0),
        .file_id = sqlite3_column_int64(st, 1),
        .lineno = (long)sqlite3_column_int64(st, 2),
        .state = sqlite3_column_int(st, 3),
        .message_id = (long)sqlite3_column_int64(st, 4),
        .key = col_text(st, 5),
        .payload = col_text(st, 6),
        .group_key = col_text(st, 7),
        .raw = col_text(st, 8),
        .reject_code = col_text(st, 9),
        .reject_reason = col_text(st, 10),
        .warning = col_text(st, 11),
    };
    return rv->cb(rv->arg, &v);
}

/* iterate_rows - run cb over the rows of a prepared statement (standard column order); the
 * callback's failure stops the walk and is returned */
static int iterate_rows(struct ledger *l, sqlite3_stmt *st, ledger_row_cb cb, void *arg)
{
    struct row_visit rv = {cb, arg};
    return each_row(l, st, visit_row, &rv);
}

#define ROW_COLS                                                                                   \
    "SELECT id,file_id,lineno,state,message_id,key,payload,group_key,raw,reject_code,"             \
    "reject_reason,warning FROM rows "

/* ledger_rows_pending - pending rows of a flow ordered by group key then id */
enum wb_status ledger_rows_pending(struct ledger *l, const char *flow, long max, ledger_row_cb cb,
                                   void *arg)
{
    static const char sql[] = ROW_COLS "WHERE flow=?1 AND account=?3 AND state=1 AND due<=?4"
                                       " ORDER BY group_key, id LIMIT ?2";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 3, flow);
    sqlite3_bind_int64(st, 2, max);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
    return iterate_rows(l, st, cb, arg);
}

/* ledger_rows_live - rows of a flow not rejected, by group key then id */
enum wb_status ledger_rows_live(struct ledger *l, const char *flow, ledger_row_cb cb, void *arg)
{
    static const char sql[] = ROW_COLS "WHERE flow=?1 AND account=?2 AND state IN (1,2,3)"
                                       " ORDER BY group_key, id";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 2, flow);
    return iterate_rows(l, st, cb, arg);
}

/* ledger_rows_of_feed - rows assigned to a local feed, ordered by message id */
enum wb_status ledger_rows_of_feed(struct ledger *l, long long feed_id, ledger_row_cb cb, void *arg)
{
    static const char sql[] = ROW_COLS "WHERE feed_id=?1 AND state=2 ORDER BY message_id, id";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, feed_id);
    return iterate_rows(l, st, cb, arg);
}

/* ledger_rows_of_file - rows of a file in a state (0 = any), ordered by line */
enum wb_status ledger_rows_of_file(struct ledger *l, long long file_id, int state, ledger_row_cb cb,
                                   void *arg)
{
    static const char sql[] =
        ROW_COLS "WHERE file_id=?1 AND (?2=0 OR state=?2) ORDER BY lineno, id";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, file_id);
    sqlite3_bind_int(st, 2, state);
    return iterate_rows(l, st, cb, arg);
}

/* ledger_pending_stats - count and oldest creation time of a flow's pending rows */
enum wb_status ledger_pending_stats(struct ledger *l, const char *flow, long *count, time_t *oldest)
{
    static const char sql[] = "SELECT sum(due<=?3), min(max(created,due)) FROM rows WHERE"
                              " flow=?1 AND account=?2 AND state=1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 2, flow);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)clock_now());
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *count = (long)sqlite3_column_int64(st, 0);
        *oldest = (time_t)sqlite3_column_int64(st, 1);
    }
    done(l, st);
    return rc == SQLITE_ROW ? WB_OK : map_rc(l, rc);
}

/* ledger_row_counts - rows of a flow by state */
enum wb_status ledger_row_counts(struct ledger *l, const char *flow, long counts[5])
{
    static const char sql[] = "SELECT state, count(*) FROM rows WHERE flow=?1 AND account=?2"
                              " GROUP BY state";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    memset(counts, 0, 5 * sizeof counts[0]);
    bind_lane(st, 1, 2, flow);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int s = sqlite3_column_int(st, 0);
        if (s >= 0 && s < 5)
            counts[s] = (long)sqlite3_column_int64(st, 1);
    }
    done(l, st);
    return rc == SQLITE_DONE ? WB_OK : map_rc(l, rc);
}

/* ---- feeds ---- */

#define FEED_COLS                                                                                  \
    "SELECT id,flow,feed_type,state,priority,doc_name,amazon_doc_id,amazon_feed_id,"               \
    "result_doc_id,report_name,last_error,created,intent_at,submitted,next_poll,polls,attempts,"   \
    "messages,alerted,create_at,account FROM feeds "

/* read_feed - fill a ledger_feed from FEED_COLS */
static void read_feed(sqlite3_stmt *st, void *dst)
{
    struct ledger_feed *f = dst;
    memset(f, 0, sizeof *f);
    f->id = sqlite3_column_int64(st, 0);
    col_copy(st, 1, f->flow, sizeof f->flow);
    col_copy(st, 2, f->feed_type, sizeof f->feed_type);
    f->state = sqlite3_column_int(st, 3);
    f->priority = sqlite3_column_int(st, 4);
    col_copy(st, 5, f->doc_name, sizeof f->doc_name);
    col_copy(st, 6, f->amazon_doc_id, sizeof f->amazon_doc_id);
    col_copy(st, 7, f->amazon_feed_id, sizeof f->amazon_feed_id);
    col_copy(st, 8, f->result_doc_id, sizeof f->result_doc_id);
    col_copy(st, 9, f->report_name, sizeof f->report_name);
    col_copy(st, 10, f->last_error, sizeof f->last_error);
    f->created = (time_t)sqlite3_column_int64(st, 11);
    f->intent_at = (time_t)sqlite3_column_int64(st, 12);
    f->submitted = (time_t)sqlite3_column_int64(st, 13);
    f->next_poll = (time_t)sqlite3_column_int64(st, 14);
    f->polls = (long)sqlite3_column_int64(st, 15);
    f->attempts = (long)sqlite3_column_int64(st, 16);
    f->messages = (long)sqlite3_column_int64(st, 17);
    f->alerted = sqlite3_column_int(st, 18);
    f->create_at = (time_t)sqlite3_column_int64(st, 19);
    col_copy(st, 20, f->account, sizeof f->account);
}

/* ledger_feed_create - a new feed record in state BUILDING */
enum wb_status ledger_feed_create(struct ledger *l, const char *flow, const char *feed_type,
                                  int priority, long long *id)
{
    static const char sql[] = "INSERT INTO feeds(flow,feed_type,state,priority,created,account)"
                              " VALUES(?1,?2,1,?3,?4,?5)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 5, flow);
    bind_text(st, 2, feed_type);
    sqlite3_bind_int(st, 3, priority);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
    int rc = exec_step(l, st);
    if (rc == WB_OK)
        *id = sqlite3_last_insert_rowid(l->db);
    return rc;
}

/* feed_one - one feed by a statement with one bound parameter */
static int feed_one(struct ledger *l, sqlite3_stmt *st, struct ledger_feed *out)
{
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW) {
        read_feed(st, out);
        res = WB_OK;
    } else if (rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ledger_feed_get - a feed by local id */
enum wb_status ledger_feed_get(struct ledger *l, long long id, struct ledger_feed *out)
{
    static const char sql[] = FEED_COLS "WHERE id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, id);
    return feed_one(l, st, out);
}

/* ledger_feed_by_amazon_id - a feed by Amazon's feed id */
enum wb_status ledger_feed_by_amazon_id(struct ledger *l, const char *amazon_id,
                                        struct ledger_feed *out)
{
    static const char sql[] = FEED_COLS "WHERE amazon_feed_id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, amazon_id);
    return feed_one(l, st, out);
}

/* nz - NULL for empty strings (keeps UNIQUE on amazon_feed_id usable) */
static const char *nz(const char *s)
{
    return s && *s ? s : NULL;
}

/* ledger_feed_put - write every mutable field of a feed */
enum wb_status ledger_feed_put(struct ledger *l, const struct ledger_feed *f)
{
    static const char sql[] =
        "UPDATE feeds SET state=?2, priority=?3, doc_name=?4, amazon_doc_id=?5,"
        " amazon_feed_id=?6, result_doc_id=?7, report_name=?8, last_error=?9, intent_at=?10,"
        " submitted=?11, next_poll=?12, polls=?13, attempts=?14, messages=?15, alerted=?16,"
        " create_at=?17 WHERE id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, f->id);
    sqlite3_bind_int(st, 2, f->state);
    sqlite3_bind_int(st, 3, f->priority);
    bind_text(st, 4, nz(f->doc_name));
    bind_text(st, 5, nz(f->amazon_doc_id));
    bind_text(st, 6, nz(f->amazon_feed_id));
    bind_text(st, 7, nz(f->result_doc_id));
    bind_text(st, 8, nz(f->report_name));
    bind_text(st, 9, nz(f->last_error));
    sqlite3_bind_int64(st, 10, (sqlite3_int64)f->intent_at);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)f->submitted);
    sqlite3_bind_int64(st, 12, (sqlite3_int64)f->next_poll);
    sqlite3_bind_int64(st, 13, f->polls);
    sqlite3_bind_int64(st, 14, f->attempts);
    sqlite3_bind_int64(st, 15, f->messages);
    sqlite3_bind_int(st, 16, f->alerted);
    sqlite3_bind_int64(st, 17, (sqlite3_int64)f->create_at);
    return exec_step(l, st);
}

/* ledger_feeds_in_state - feeds in a state, by priority then id */
enum wb_status ledger_feeds_in_state(struct ledger *l, int state, struct ledger_feed **out,
                                     size_t *n)
{
    static const char sql[] = FEED_COLS "WHERE state=?1 ORDER BY priority, id";
    sqlite3_stmt *st = prep(l, sql);
    *out = NULL;
    *n = 0;
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int(st, 1, state);
    void *v;
    int rc = collect(l, st, sizeof **out, read_feed, &v, n);
    *out = v;
    return rc;
}

/* ledger_feed_release - queued rows of a feed go back to pending */
enum wb_status ledger_feed_release(struct ledger *l, long long feed_id)
{
    static const char sql[] = "UPDATE rows SET state=1, feed_id=NULL, message_id=NULL,"
                              " attempts=attempts+1, updated=?2 WHERE feed_id=?1 AND state=2";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, feed_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)clock_now());
    return exec_step(l, st);
}

/* ledger_row_attempts - how many FATAL/CANCELLED feeds a row has been through */
enum wb_status ledger_row_attempts(struct ledger *l, long long row_id, long *n)
{
    static const char sql[] = "SELECT attempts FROM rows WHERE id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, row_id);
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW) {
        *n = (long)sqlite3_column_int64(st, 0);
        res = WB_OK;
    } else if (rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ---- remote files seen by SFTP pull ---- */

/* ledger_remote_seen - 1 in *seen if remote:path with this size/mtime was taken before */
enum wb_status ledger_remote_seen(struct ledger *l, const char *remote, const char *path,
                                  long long size, long long mtime, int *seen)
{
    static const char sql[] =
        "SELECT 1 FROM remote_seen WHERE remote=?1 AND path=?2 AND size=?3 AND mtime=?4";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, remote);
    bind_text(st, 2, path);
    sqlite3_bind_int64(st, 3, size);
    sqlite3_bind_int64(st, 4, mtime);
    int rc = sqlite3_step(st);
    *seen = rc == SQLITE_ROW;
    done(l, st);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? WB_OK : map_rc(l, rc);
}

/* ledger_remote_mark - record remote:path (size, mtime, digest) as taken */
enum wb_status ledger_remote_mark(struct ledger *l, const char *remote, const char *path,
                                  long long size, long long mtime, const char *digest)
{
    static const char sql[] = "INSERT OR REPLACE INTO remote_seen(remote,path,size,mtime,digest,"
                              "taken) VALUES(?1,?2,?3,?4,?5,?6)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, remote);
    bind_text(st, 2, path);
    sqlite3_bind_int64(st, 3, size);
    sqlite3_bind_int64(st, 4, mtime);
    bind_text(st, 5, digest);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)clock_now());
    return exec_step(l, st);
}

/* ---- scheduler job state ---- */

/* read_job - fill a ledger_job from name,last_slot,last_start,last_end,last_outcome,next_run,runs
 */
static void read_job(sqlite3_stmt *st, void *dst)
{
    struct ledger_job *j = dst;
    memset(j, 0, sizeof *j);
    col_copy(st, 0, j->name, sizeof j->name);
    j->last_slot = (time_t)sqlite3_column_int64(st, 1);
    j->last_start = (time_t)sqlite3_column_int64(st, 2);
    j->last_end = (time_t)sqlite3_column_int64(st, 3);
    j->last_outcome = sqlite3_column_int(st, 4);
    j->next_run = (time_t)sqlite3_column_int64(st, 5);
    j->runs = (long)sqlite3_column_int64(st, 6);
}

/* ledger_job_get - state of a job */
enum wb_status ledger_job_get(struct ledger *l, const char *name, struct ledger_job *out)
{
    static const char sql[] = "SELECT name,last_slot,last_start,last_end,last_outcome,next_run,"
                              "runs FROM jobs WHERE name=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW) {
        read_job(st, out);
        res = WB_OK;
    } else if (rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ledger_job_put - insert or replace a job's state (its streak of failures stays) */
enum wb_status ledger_job_put(struct ledger *l, const struct ledger_job *j)
{
    static const char sql[] = "INSERT INTO jobs(name,last_slot,last_start,last_end,"
                              "last_outcome,next_run,runs) VALUES(?1,?2,?3,?4,?5,?6,?7)"
                              " ON CONFLICT(name) DO UPDATE SET last_slot=?2, last_start=?3,"
                              " last_end=?4, last_outcome=?5, next_run=?6, runs=?7";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, j->name);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)j->last_slot);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)j->last_start);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)j->last_end);
    sqlite3_bind_int(st, 5, j->last_outcome);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)j->next_run);
    sqlite3_bind_int64(st, 7, j->runs);
    return exec_step(l, st);
}

/* ledger_job_list - all jobs */
enum wb_status ledger_job_list(struct ledger *l, struct ledger_job **out, size_t *n)
{
    static const char sql[] = "SELECT name,last_slot,last_start,last_end,last_outcome,next_run,"
                              "runs FROM jobs ORDER BY name";
    sqlite3_stmt *st = prep(l, sql);
    *out = NULL;
    *n = 0;
    if (!st)
        return WB_IOERR;
    void *v;
    int rc = collect(l, st, sizeof **out, read_job, &v, n);
    *out = v;
    return rc;
}

/* ---- alerts ---- */

/* ledger_alert - record an alert unless the same open alert exists */
enum wb_status ledger_alert(struct ledger *l, const char *kind, const char *item, const char *text,
                            int *is_new)
{
    static const char q[] = "SELECT 1 FROM alerts WHERE kind=?1 AND item=?2 AND closed IS NULL";
    static const char ins[] = "INSERT INTO alerts(kind,item,text,created) VALUES(?1,?2,?3,?4)";
    sqlite3_stmt *st = prep(l, q);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, kind);
    bind_text(st, 2, item);
    int rc = sqlite3_step(st);
    done(l, st);
    if (rc == SQLITE_ROW) {
        if (is_new)
            *is_new = 0;
        return WB_OK;
    }
    if (rc != SQLITE_DONE)
        return map_rc(l, rc);
    if (!(st = prep(l, ins)))
        return WB_IOERR;
    bind_text(st, 1, kind);
    bind_text(st, 2, item);
    bind_text(st, 3, text);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
    if (is_new)
        *is_new = 1;
    return exec_step(l, st);
}

/* ledger_alert_close - close the open alert of kind and item */
enum wb_status ledger_alert_close(struct ledger *l, const char *kind, const char *item, int *closed)
{
    static const char sql[] =
        "UPDATE alerts SET closed=?3 WHERE kind=?1 AND item=?2 AND closed IS NULL";
    *closed = 0;
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, kind);
    bind_text(st, 2, item);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)clock_now());
    int rc = exec_step(l, st);
    if (rc == WB_OK)
        *closed = sqlite3_changes(l->db) > 0;
    return rc;
}

/* ledger_alerts_open - iterate open alerts */
enum wb_status ledger_alerts_open(struct ledger *l, ledger_alert_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT id,kind,item,text,created FROM alerts WHERE closed IS NULL ORDER BY id";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    int rc, res = WB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_alert_view a = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
                                      col_text(st, 3), (time_t)sqlite3_column_int64(st, 4)};
        if ((res = cb(arg, &a)) != WB_OK)
            break;
    }
    if (res == WB_OK && rc != SQLITE_DONE)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

/* ---- retention ---- */

/* ledger_purge - delete settled rows/files/feeds older than cutoff */
enum wb_status ledger_purge(struct ledger *l, time_t cutoff, long *n)
{
    static const char del_rows[] =
        "DELETE FROM rows WHERE file_id IN (SELECT id FROM files WHERE state IN (3,4,5)"
        " AND updated < ?1)";
    static const char del_files[] = "DELETE FROM files WHERE state IN (3,4,5) AND updated < ?1"
                                    " AND NOT EXISTS (SELECT 1 FROM rows WHERE file_id=files.id)";
    static const char del_feeds[] =
        "DELETE FROM feeds WHERE state IN (5,6,7,8) AND created < ?1"
        " AND NOT EXISTS (SELECT 1 FROM rows WHERE feed_id=feeds.id AND state IN (1,2))";
    static const char del_seen[] = "DELETE FROM remote_seen WHERE taken < ?1";
    /* orders from Amazon: settled ones (held orders wait for an operator) and written batches */
    static const char del_orders[] = "DELETE FROM orders WHERE state IN (1,2,5) AND changed < ?1";
    static const char del_batches[] = "DELETE FROM order_batches WHERE state=2 AND created < ?1";

    const char *const sqls[] = {del_rows, del_files, del_feeds, del_seen, del_orders, del_batches};
    *n = 0;
    int rc = ledger_begin(l);
    for (size_t i = 0; rc == WB_OK && i < WB_ARRAY_LEN(sqls); i++) {
        sqlite3_stmt *st = prep(l, sqls[i]);
        if (!st) {
            rc = WB_IOERR;
            break;
        }
        sqlite3_bind_int64(st, 1, (sqlite3_int64)cutoff);
        rc = exec_step(l, st);
        if (i == 0)
            *n = (long)sqlite3_changes(l->db);
    }
    if (rc == WB_OK)
        return ledger_commit(l);
    ledger_rollback(l);
    return rc;
}

/* ---- the operators' side: alerts with owners, job failure streaks, actions, figures ---- */

/* read_alert - id,kind,item,account,flow,text,created,notified into a ledger_alert_rec */
static void read_alert(sqlite3_stmt *st, void *dst)
{
    struct ledger_alert_rec *a = dst;
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(st, 0);
    col_copy(st, 1, a->kind, sizeof a->kind);
    col_copy(st, 2, a->item, sizeof a->item);
    col_copy(st, 3, a->account, sizeof a->account);
    col_copy(st, 4, a->flow, sizeof a->flow);
    col_copy(st, 5, a->text, sizeof a->text);
    a->created = (time_t)sqlite3_column_int64(st, 6);
    a->notified = (time_t)sqlite3_column_int64(st, 7);
}

/* ledger_alert_find - the open alert of kind and item */
enum wb_status ledger_alert_find(struct ledger *l, const char *kind, const char *item,
                                 struct ledger_alert_rec *out)
{
    static const char sql[] = "SELECT id,kind,item,account,flow,text,created,notified FROM alerts"
                              " WHERE kind=?1 AND item=?2 AND closed IS NULL ORDER BY id LIMIT 1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, kind);
    bind_text(st, 2, item);
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW) {
        read_alert(st, out);
        res = WB_OK;
    } else if (rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ledger_alert_add - a new open alert, notified at created */
enum wb_status ledger_alert_add(struct ledger *l, const struct ledger_alert_rec *a)
{
    static const char sql[] = "INSERT INTO alerts(kind,item,account,flow,text,created,notified)"
                              " VALUES(?1,?2,?3,?4,?5,?6,?6)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, a->kind);
    bind_text(st, 2, a->item);
    bind_text(st, 3, a->account);
    bind_text(st, 4, a->flow);
    bind_text(st, 5, a->text);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)a->created);
    return exec_step(l, st);
}

/* ledger_alert_notified - an open alert was sent again at when, with text */
enum wb_status ledger_alert_notified(struct ledger *l, long long id, time_t when, const char *text)
{
    static const char sql[] = "UPDATE alerts SET notified=?2, text=?3 WHERE id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)when);
    bind_text(st, 3, text);
    return exec_step(l, st);
}

/* ledger_alerts_list - the open alerts, oldest first (caller frees *out) */
enum wb_status ledger_alerts_list(struct ledger *l, struct ledger_alert_rec **out, size_t *n)
{
    static const char sql[] = "SELECT id,kind,item,account,flow,text,created,notified FROM alerts"
                              " WHERE closed IS NULL ORDER BY id";
    sqlite3_stmt *st = prep(l, sql);
    *out = NULL;
    *n = 0;
    if (!st)
        return WB_IOERR;
    void *v;
    int rc = collect(l, st, sizeof **out, read_alert, &v, n);
    *out = v;
    return rc;
}

/* ledger_job_streak - count a run of job that ended at when: failed (1) adds one to its streak
 * of failed runs, a success (0) ends it and is its last success */
enum wb_status ledger_job_streak(struct ledger *l, const char *job, int failed, time_t when)
{
    static const char upd[] = "UPDATE jobs SET fails = CASE WHEN ?2 THEN fails + 1 ELSE 0 END,"
                              " last_ok = CASE WHEN ?2 THEN last_ok ELSE ?3 END WHERE name=?1";
    sqlite3_stmt *st = prep(l, upd);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, job);
    sqlite3_bind_int(st, 2, failed != 0);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)when);
    return exec_step(l, st);
}

/* ledger_job_fails - the streak of failed runs of job and its last success (0 if none) */
enum wb_status ledger_job_fails(struct ledger *l, const char *job, long *fails, time_t *last_ok)
{
    static const char sql[] = "SELECT fails, last_ok FROM jobs WHERE name=?1";
    *fails = 0;
    if (last_ok)
        *last_ok = 0;
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, job);
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW) {
        *fails = (long)sqlite3_column_int64(st, 0);
        if (last_ok)
            *last_ok = (time_t)sqlite3_column_int64(st, 1);
        res = WB_OK;
    } else if (rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ledger_action_add - record an operator's action on a spool file */
enum wb_status ledger_action_add(struct ledger *l, const struct ledger_action *a)
{
    static const char sql[] = "INSERT INTO actions(at,user,action,account,flow,name,reason)"
                              " VALUES(?1,?2,?3,?4,?5,?6,?7)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)a->at);
    bind_text(st, 2, a->user);
    bind_text(st, 3, a->action);
    bind_text(st, 4, a->account);
    bind_text(st, 5, a->flow);
    bind_text(st, 6, a->name);
    bind_text(st, 7, a->reason);
    return exec_step(l, st);
}

/* ledger_actions_of - the actions recorded on flow/name, oldest first */
enum wb_status ledger_actions_of(struct ledger *l, const char *flow, const char *name,
                                 ledger_action_cb cb, void *arg)
{
    static const char sql[] = "SELECT at,user,action,account,flow,name,reason FROM actions"
                              " WHERE name=?2 AND (?1 IS NULL OR flow=?1) ORDER BY id";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, flow);
    bind_text(st, 2, name);
    int rc, res = WB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_action a = {(time_t)sqlite3_column_int64(st, 0),
                                  col_text(st, 1),
                                  col_text(st, 2),
                                  col_text(st, 3),
                                  col_text(st, 4),
                                  col_text(st, 5),
                                  col_text(st, 6)};
        if ((res = cb(arg, &a)) != WB_OK)
            break;
    }
    if (res == WB_OK && rc != SQLITE_DONE)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_feed_outcomes - feeds of seller account (NULL: every account, "": the default one)
 * created in [since, until), by state (index = state, 1..9) */
enum wb_status ledger_feed_outcomes(struct ledger *l, const char *account, time_t since,
                                    time_t until, long counts[LFD_LAST + 1])
{
    static const char sql[] = "SELECT state, count(*) FROM feeds WHERE created >= ?2"
                              " AND created < ?3 AND (?1 IS NULL OR account=?1) GROUP BY state";
    memset(counts, 0, (LFD_LAST + 1) * sizeof counts[0]);
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)until);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int s = sqlite3_column_int(st, 0);
        if (s >= 0 && s <= LFD_LAST)
            counts[s] = (long)sqlite3_column_int64(st, 1);
    }
    int res = rc == SQLITE_DONE ? WB_OK : map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_feed_done_after - WB_OK if a feed of the flow and seller account of feed id, later
 * than it, ended done, else WB_NOTFOUND */
enum wb_status ledger_feed_done_after(struct ledger *l, long long id)
{
    static const char sql[] = "SELECT 1 FROM feeds f, feeds g WHERE g.id=?1 AND f.flow=g.flow"
                              " AND f.account=g.account AND f.id>g.id AND f.state=5 LIMIT 1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    int res = rc == SQLITE_ROW ? WB_OK : rc == SQLITE_DONE ? WB_NOTFOUND : map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_api_add - add one SP-API client's calls and 429 answers of op to its totals */
enum wb_status ledger_api_add(struct ledger *l, const char *op, long calls, long throttled)
{
    static const char sql[] =
        "INSERT INTO api_calls(op,calls,throttled) VALUES(?1,?2,?3)"
        " ON CONFLICT(op) DO UPDATE SET calls=calls+?2, throttled=throttled+?3";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, op);
    sqlite3_bind_int64(st, 2, calls);
    sqlite3_bind_int64(st, 3, throttled);
    return exec_step(l, st);
}

/* ledger_api_list - the totals per operation, by name */
enum wb_status ledger_api_list(struct ledger *l, ledger_api_cb cb, void *arg)
{
    static const char sql[] = "SELECT op,calls,throttled FROM api_calls ORDER BY op";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    int rc, res = WB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((res = cb(arg, col_text(st, 0), (long)sqlite3_column_int64(st, 1),
                      (long)sqlite3_column_int64(st, 2))) != WB_OK)
            break;
    if (res == WB_OK && rc != SQLITE_DONE)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_rows_rejected_between - rows rejected (last changed) in [since, until) */
enum wb_status ledger_rows_rejected_between(struct ledger *l, time_t since, time_t until, long *n)
{
    static const char sql[] =
        "SELECT count(*) FROM rows WHERE state=4 AND updated >= ?1 AND updated < ?2";
    *n = 0;
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = (long)sqlite3_column_int64(st, 0);
    int res = rc == SQLITE_ROW || rc == SQLITE_DONE ? WB_OK : map_rc(l, rc);
    done(l, st);
    return res;
}

/* ---- orders from Amazon ---- */

/* ledger_order_get - what the ledger holds of an account's order */
enum wb_status ledger_order_get(struct ledger *l, const char *account, const char *order_id,
                                struct ledger_order *out)
{
    static const char sql[] = "SELECT updated,digest,state,written,batch,code,reason,ship_by,"
                              "placed,in_wms FROM orders WHERE account=?1 AND order_id=?2";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    bind_text(st, 2, order_id);
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        str_copy(out->account, sizeof out->account, account);
        str_copy(out->order_id, sizeof out->order_id, order_id);
        out->updated = (time_t)sqlite3_column_int64(st, 0);
        out->digest = (unsigned long long)sqlite3_column_int64(st, 1);
        out->state = sqlite3_column_int(st, 2);
        out->written = sqlite3_column_int(st, 3);
        out->batch = sqlite3_column_int64(st, 4);
        col_copy(st, 5, out->code, sizeof out->code);
        col_copy(st, 6, out->reason, sizeof out->reason);
        out->ship_by = (time_t)sqlite3_column_int64(st, 7);
        out->placed = (time_t)sqlite3_column_int64(st, 8);
        out->in_wms = (time_t)sqlite3_column_int64(st, 9);
        res = WB_OK;
    } else if (rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ledger_order_put - insert or replace an account's order */
enum wb_status ledger_order_put(struct ledger *l, const struct ledger_order *o)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO orders(account,order_id,updated,digest,state,written,batch,code,"
        "reason,changed,ship_by,placed,in_wms) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, o->account);
    bind_text(st, 2, o->order_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)o->updated);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)o->digest);
    sqlite3_bind_int(st, 5, o->state);
    sqlite3_bind_int(st, 6, o->written);
    sqlite3_bind_int64(st, 7, o->batch);
    bind_text(st, 8, o->code[0] ? o->code : NULL);
    bind_text(st, 9, o->reason[0] ? o->reason : NULL);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)clock_now());
    sqlite3_bind_int64(st, 11, (sqlite3_int64)o->ship_by);
    sqlite3_bind_int64(st, 12, (sqlite3_int64)o->placed);
    sqlite3_bind_int64(st, 13, (sqlite3_int64)o->in_wms);
    return exec_step(l, st);
}

/* ledger_order_counts - an account's orders by state (index = state) */
enum wb_status ledger_order_counts(struct ledger *l, const char *account, long counts[LO_NSTATES])
{
    static const char sql[] = "SELECT state,count(*) FROM orders WHERE account=?1 GROUP BY state";
    memset(counts, 0, sizeof(long) * LO_NSTATES);
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int s = sqlite3_column_int(st, 0);
        if (s >= 0 && s < LO_NSTATES)
            counts[s] = (long)sqlite3_column_int64(st, 1);
    }
    int res = rc == SQLITE_DONE ? WB_OK : map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_order_units_put - the units of one line of an order taken in for the WMS: a new line
 * is taken now, a line seen before keeps its first time and gets the new quantity */
enum wb_status ledger_order_units_put(struct ledger *l, const char *account, const char *order_id,
                                      const char *sku, long qty)
{
    static const char sql[] =
        "INSERT INTO order_units(account,order_id,sku,qty,taken) VALUES(?1,?2,?3,?4,?5)"
        " ON CONFLICT(account,order_id,sku) DO UPDATE SET qty=excluded.qty";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    bind_text(st, 2, order_id);
    bind_text(st, 3, sku);
    sqlite3_bind_int64(st, 4, qty);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)clock_now());
    return exec_step(l, st);
}

/* units_rows - hand each (SKU, units) row of st to cb; st is done after */
static int units_rows(struct ledger *l, sqlite3_stmt *st, ledger_units_cb cb, void *arg)
{
    int rc = SQLITE_DONE, res = WB_OK;
    while (res == WB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        res = cb(arg, col_text(st, 0), (long long)sqlite3_column_int64(st, 1));
    if (res == WB_OK && rc != SQLITE_DONE)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_order_units_since - per seller SKU (ascending), the units of an account's orders still
 * in the WMS (state LO_WRITTEN) whose lines were taken at or after since */
enum wb_status ledger_order_units_since(struct ledger *l, const char *account, time_t since,
                                        ledger_units_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT u.sku, sum(u.qty) FROM order_units u JOIN orders o"
        " ON o.account=u.account AND o.order_id=u.order_id"
        " WHERE u.account=?1 AND u.taken>=?2 AND o.state=?3 GROUP BY u.sku ORDER BY u.sku";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
    sqlite3_bind_int(st, 3, LO_WRITTEN);
    return units_rows(l, st, cb, arg);
}

/* ledger_receipt_put - one line of a WMS returns receipt matched to an expected return; the
 * same file line (file_id, lineno) read again changes nothing */
enum wb_status ledger_receipt_put(struct ledger *l, const struct ledger_receipt *r)
{
    static const char sql[] =
        "INSERT INTO return_receipts(account,file_id,lineno,rma,order_id,sku,qty,disposition,"
        "sellable,received,wms_sku) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"
        " ON CONFLICT(account,file_id,lineno) DO NOTHING";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, r->account);
    sqlite3_bind_int64(st, 2, r->file_id);
    sqlite3_bind_int64(st, 3, r->lineno);
    bind_text(st, 4, r->rma);
    bind_text(st, 5, r->order_id);
    bind_text(st, 6, r->sku);
    sqlite3_bind_int64(st, 7, r->qty);
    bind_text(st, 8, r->disposition);
    sqlite3_bind_int(st, 9, r->sellable ? 1 : 0);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)r->received);
    bind_text(st, 11, r->wms_sku ? r->wms_sku : "");
    return exec_step(l, st);
}

/* ledger_return_units_since - per seller SKU (ascending), the sellable units of an account's
 * return receipts received at or after since */
enum wb_status ledger_return_units_since(struct ledger *l, const char *account, time_t since,
                                         ledger_units_cb cb, void *arg)
{
    static const char sql[] = "SELECT sku, sum(qty) FROM return_receipts"
                              " WHERE account=?1 AND received>=?2 AND sellable=1"
                              " GROUP BY sku ORDER BY sku";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
    return units_rows(l, st, cb, arg);
}

/* ledger_order_batch_add - a staged batch of WMS rows (encoded lines) to be written as name */
enum wb_status ledger_order_batch_add(struct ledger *l, const char *account, const char *name,
                                      const char *rows, long long *id)
{
    static const char sql[] = "INSERT INTO order_batches(account,name,state,rows,created)"
                              " VALUES(?1,?2,1,?3,?4)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    bind_text(st, 2, name);
    bind_text(st, 3, rows);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
    int rc = exec_step(l, st);
    if (rc == WB_OK)
        *id = (long long)sqlite3_last_insert_rowid(l->db);
    return rc;
}

/* ledger_order_batch_name - give batch id its file name */
enum wb_status ledger_order_batch_name(struct ledger *l, long long id, const char *name)
{
    static const char sql[] = "UPDATE order_batches SET name=?2 WHERE id=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, name);
    return exec_step(l, st);
}

/* ledger_order_batches_staged - an account's staged batches, oldest first */
enum wb_status ledger_order_batches_staged(struct ledger *l, const char *account,
                                           ledger_batch_cb cb, void *arg)
{
    static const char sql[] = "SELECT id,name,rows FROM order_batches WHERE account=?1 AND"
                              " state=1 ORDER BY id";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    int rc, res = WB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && res == WB_OK)
        res = cb(arg, sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2));
    if (res == WB_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_order_batch_written - the batch's file is in place (now): its rows (personal data)
 * stay until ledger_order_pii_purge; its orders written for the first time are in the WMS now */
enum wb_status ledger_order_batch_written(struct ledger *l, long long id)
{
    static const char *const sqls[] = {
        "UPDATE order_batches SET state=2, written=?2 WHERE id=?1",
        "UPDATE orders SET in_wms=?2 WHERE batch=?1 AND state=1 AND in_wms=0",
    };
    int rc = ledger_begin(l);
    for (size_t i = 0; rc == WB_OK && i < WB_ARRAY_LEN(sqls); i++) {
        sqlite3_stmt *st = prep(l, sqls[i]);
        if (!st) {
            rc = WB_IOERR;
            break;
        }
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)clock_now());
        rc = exec_step(l, st);
    }
    if (rc == WB_OK)
        return ledger_commit(l);
    ledger_rollback(l);
    return rc;
}

/* ledger_order_sync_get - an account's sync state (zeroes when it never ran) */
enum wb_status ledger_order_sync_get(struct ledger *l, const char *account,
                                     struct ledger_order_sync *out)
{
    static const char sql[] = "SELECT after,token,window_start,rewind,last_ok,last_try FROM"
                              " order_sync WHERE account=?1";
    memset(out, 0, sizeof *out);
    str_copy(out->account, sizeof out->account, account);
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    int rc = sqlite3_step(st), res = WB_OK;
    if (rc == SQLITE_ROW) {
        out->after = (time_t)sqlite3_column_int64(st, 0);
        col_copy(st, 1, out->token, sizeof out->token);
        out->window_start = (time_t)sqlite3_column_int64(st, 2);
        out->rewind = (time_t)sqlite3_column_int64(st, 3);
        out->last_ok = (time_t)sqlite3_column_int64(st, 4);
        out->last_try = (time_t)sqlite3_column_int64(st, 5);
    } else if (rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ledger_order_sync_put - write an account's sync state */
enum wb_status ledger_order_sync_put(struct ledger *l, const struct ledger_order_sync *s)
{
    static const char sql[] = "INSERT OR REPLACE INTO order_sync(account,after,token,"
                              "window_start,rewind,last_ok,last_try) VALUES(?1,?2,?3,?4,?5,?6,?7)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, s->account);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)s->after);
    bind_text(st, 3, s->token[0] ? s->token : NULL);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)s->window_start);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)s->rewind);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)s->last_ok);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)s->last_try);
    return exec_step(l, st);
}

/* ledger_orders_due - an account's orders in the WMS whose ship-by is at or before due, each with
 * the dispatch rows of the confirming lane: none, or the least advanced one's state and time */
enum wb_status ledger_orders_due(struct ledger *l, const char *account, const char *confirm_lane,
                                 time_t due, ledger_due_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT o.order_id, o.ship_by, (SELECT min(r.state) FROM rows r WHERE r.flow=?2 AND"
        " r.account=?4 AND r.key >= o.order_id || '|' AND r.key < o.order_id || '}' AND"
        " r.state != 4), (SELECT min(r.created) FROM rows r WHERE r.flow=?2 AND r.account=?4 AND"
        " r.key >= o.order_id || '|' AND r.key < o.order_id || '}' AND r.state IN (1,2))"
        " FROM orders o WHERE o.account=?1 AND o.state=1 AND o.ship_by > 0 AND o.ship_by <= ?3"
        " ORDER BY o.ship_by";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    bind_lane(st, 2, 4, confirm_lane);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)due);
    int rc = SQLITE_DONE, res = WB_OK;
    while (res == WB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        res = cb(arg, col_text(st, 0), (time_t)sqlite3_column_int64(st, 1),
                 sqlite3_column_type(st, 2) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 2),
                 (time_t)sqlite3_column_int64(st, 3));
    if (res == WB_OK && rc != SQLITE_DONE)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

/* ---- returns: expected returns (the returns reports' lines) and receipts matched to them ---- */

/* ledger_expected_return_put - an RMA line written to the WMS as expected units of a WMS SKU */
enum wb_status ledger_expected_return_put(struct ledger *l, const char *account, const char *rma,
                                          const char *order_id, const char *seller_sku,
                                          const char *wms_sku, long long qty)
{
    static const char sql[] =
        "INSERT INTO expected_returns(account,rma,seller_sku,wms_sku,order_id,qty)"
        " VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(account,rma,seller_sku,wms_sku) DO NOTHING";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    bind_text(st, 2, rma);
    bind_text(st, 3, seller_sku);
    bind_text(st, 4, wms_sku);
    bind_text(st, 5, order_id);
    sqlite3_bind_int64(st, 6, qty);
    return exec_step(l, st);
}

/* ledger_expected_return - what an account's RMA expects of a WMS SKU and what receipts took */
enum wb_status ledger_expected_return(struct ledger *l, const char *account, const char *rma,
                                      const char *wms_sku, struct ledger_expected *out)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM expected_returns WHERE account=?1 AND rma=?2),"
        " (SELECT sum(qty) FROM expected_returns WHERE account=?1 AND rma=?2 AND wms_sku=?3),"
        " (SELECT min(order_id) FROM expected_returns WHERE account=?1 AND rma=?2),"
        " (SELECT coalesce(sum(qty),0) FROM return_receipts WHERE account=?1 AND rma=?2"
        " AND wms_sku=?3)";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    bind_text(st, 2, rma);
    bind_text(st, 3, wms_sku);
    int rc = sqlite3_step(st), res = WB_OK;
    if (rc == SQLITE_ROW) {
        out->rma_known = sqlite3_column_int64(st, 0) > 0;
        out->sku_known = sqlite3_column_type(st, 1) != SQLITE_NULL;
        out->expected = sqlite3_column_int64(st, 1);
        col_copy(st, 2, out->order_id, sizeof out->order_id);
        out->received = sqlite3_column_int64(st, 3);
    } else {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ---- orders: buyers' personal data kept for a while, and the orders' health figures ---- */

/* ledger_order_pii_purge - an account's batch rows in place since cutoff, out of the files */
enum wb_status ledger_order_pii_purge(struct ledger *l, const char *account, time_t cutoff, long *n)
{
    static const char sql[] = "UPDATE order_batches SET rows=NULL WHERE account=?1 AND state=2"
                              " AND rows IS NOT NULL AND written <= ?2";
    *n = 0;
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)cutoff);
    int rc = exec_step(l, st);
    if (rc != WB_OK)
        return rc;
    *n = (long)sqlite3_changes(l->db);
    /* secure_delete zeroed the old values in the pages now in the WAL; the checkpoint puts
     * those pages into the database and TRUNCATE empties the WAL, which still holds the frames
     * the rows were written in */
    int src = sqlite3_wal_checkpoint_v2(l->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    return src == SQLITE_OK ? WB_OK : map_rc(l, src);
}

/* ledger_order_batch_rows - the kept rows of an account's written batch */
enum wb_status ledger_order_batch_rows(struct ledger *l, const char *account, const char *name,
                                       char **rows)
{
    static const char sql[] = "SELECT rows FROM order_batches WHERE account=?1 AND name=?2 AND"
                              " state=2 ORDER BY id DESC LIMIT 1";
    *rows = NULL;
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    bind_text(st, 2, name);
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL)
        res = WB_NOINPUT;
    else if (rc == SQLITE_ROW)
        res = (*rows = strdup(col_text(st, 0))) ? WB_OK : WB_NOMEM;
    else if (rc != SQLITE_DONE)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_order_latency - placed -> first file in place of an account's orders in [from, to) */
enum wb_status ledger_order_latency(struct ledger *l, const char *account, time_t from, time_t to,
                                    int percentile, struct ledger_latency *out)
{
    static const char count[] = "SELECT count(*), max(max(in_wms - placed, 0)) FROM orders WHERE"
                                " account=?1 AND in_wms >= ?2 AND in_wms < ?3 AND placed > 0";
    static const char rank[] = "SELECT max(in_wms - placed, 0) FROM orders WHERE account=?1 AND"
                               " in_wms >= ?2 AND in_wms < ?3 AND placed > 0 ORDER BY 1"
                               " LIMIT 1 OFFSET ?4";
    memset(out, 0, sizeof *out);
    int res = WB_OK;
    for (int q = 0; q < 2 && res == WB_OK && (q == 0 || out->n > 0); q++) {
        sqlite3_stmt *st = prep(l, q ? rank : count);
        if (!st)
            return WB_IOERR;
        bind_text(st, 1, account);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)to);
        if (q) /* nearest rank: the ceil(p% of n)-th smallest */
            sqlite3_bind_int64(st, 4, ((sqlite3_int64)out->n * percentile + 99) / 100 - 1);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && !q) {
            out->n = (long)sqlite3_column_int64(st, 0);
            out->max = (long long)sqlite3_column_int64(st, 1);
        } else if (rc == SQLITE_ROW) {
            out->pct = (long long)sqlite3_column_int64(st, 0);
        } else {
            res = rc == SQLITE_DONE ? WB_INTERNAL : map_rc(l, rc);
        }
        done(l, st);
    }
    return res;
}

/* ledger_order_acks - an account's orders in place in [from, to) whose ack is due or done */
enum wb_status ledger_order_acks(struct ledger *l, const char *account, const char *ack_lane,
                                 time_t from, time_t to, long within, time_t now, long *due,
                                 long *on_time)
{
    static const char sql[] =
        "SELECT count(*), coalesce(sum(a.updated <= o.in_wms + ?4), 0) FROM orders o"
        " LEFT JOIN rows a ON a.flow=?6 AND a.account=?7 AND a.key = o.order_id || '|' AND"
        " a.state != 4 AND a.state=3"
        " WHERE o.account=?1 AND o.in_wms >= ?2 AND o.in_wms < ?3 AND o.in_wms > 0 AND"
        " (a.id IS NOT NULL OR o.in_wms + ?4 <= ?5)";
    *due = *on_time = 0;
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)to);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)within);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
    bind_lane(st, 6, 7, ack_lane);
    int rc = sqlite3_step(st), res = WB_OK;
    if (rc == SQLITE_ROW) {
        *due = (long)sqlite3_column_int64(st, 0);
        *on_time = (long)sqlite3_column_int64(st, 1);
    } else {
        res = rc == SQLITE_DONE ? WB_INTERNAL : map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ---- settlement reconciliation ---- */

/* ledger_settlement_put - a settlement taken in (the same one again changes nothing) */
enum wb_status ledger_settlement_put(struct ledger *l, const char *account, const char *id,
                                     time_t start, time_t end, const char *currency)
{
    static const char sql[] =
        "INSERT INTO settlements(account,settlement_id,period_start,period_end,currency)"
        " VALUES(?1,?2,?3,?4,?5) ON CONFLICT DO NOTHING";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    bind_text(st, 2, id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)start);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)end);
    bind_text(st, 5, currency);
    return exec_step(l, st);
}

/* ledger_settlement_first_start - the earliest start of an account's settlements taken in */
enum wb_status ledger_settlement_first_start(struct ledger *l, const char *account, time_t *start)
{
    static const char sql[] = "SELECT min(period_start) FROM settlements WHERE account=?1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *start = (time_t)sqlite3_column_int64(st, 0);
        res = WB_OK;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ledger_paid_put - what a settlement paid or refunded for an order (the same again replaces) */
enum wb_status ledger_paid_put(struct ledger *l, const struct ledger_paid *p)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO settlement_paid(account,settlement_id,order_id,kind,amount,"
        "posted) VALUES(?1,?2,?3,?4,?5,?6)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, p->account);
    bind_text(st, 2, p->settlement_id);
    bind_text(st, 3, p->order_id);
    sqlite3_bind_int(st, 4, p->kind);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)p->amount);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)p->posted);
    return exec_step(l, st);
}

/* ledger_dispatched_unpaid - orders of the dispatch lane first confirmed in [since, before) that
 * no settlement of the account paid, by order id */
enum wb_status ledger_dispatched_unpaid(struct ledger *l, const char *account,
                                        const char *dispatch_lane, time_t since, time_t before,
                                        ledger_unpaid_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT o, min(u) FROM (SELECT substr(key,1,instr(key,'|')-1) AS o, updated AS u"
        " FROM rows WHERE flow=?1 AND account=?2 AND state=3 AND instr(key,'|')>1)"
        " GROUP BY o HAVING min(u)>=?3 AND min(u)<?4 AND NOT EXISTS (SELECT 1 FROM"
        " settlement_paid p WHERE p.account=?5 AND p.order_id=o AND p.kind=1) ORDER BY o";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 2, dispatch_lane);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)since);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)before);
    bind_text(st, 5, account);
    int rc = SQLITE_DONE, res = WB_OK;
    while (res == WB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        res = cb(arg, col_text(st, 0), (time_t)sqlite3_column_int64(st, 1));
    if (res == WB_OK && rc != SQLITE_DONE)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_receipt_first - when the first return receipt of an account's order was received */
enum wb_status ledger_receipt_first(struct ledger *l, const char *account, const char *order_id,
                                    time_t *received)
{
    static const char sql[] =
        "SELECT min(received) FROM return_receipts WHERE account=?1 AND order_id=?2";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    bind_text(st, 2, order_id);
    int rc = sqlite3_step(st), res = WB_NOTFOUND;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *received = (time_t)sqlite3_column_int64(st, 0);
        res = WB_OK;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        res = map_rc(l, rc);
    }
    done(l, st);
    return res;
}

/* ledger_finding_put - one finding of a settlement's reconciliation (the same again replaces) */
enum wb_status ledger_finding_put(struct ledger *l, const char *account, const char *settlement_id,
                                  int kind, const char *order_id, long long amount)
{
    static const char sql[] = "INSERT OR REPLACE INTO settlement_findings(account,settlement_id,"
                              "kind,order_id,amount) VALUES(?1,?2,?3,?4,?5)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    bind_text(st, 2, settlement_id);
    sqlite3_bind_int(st, 3, kind);
    bind_text(st, 4, order_id);
    sqlite3_bind_int64(st, 5, amount);
    return exec_step(l, st);
}

/* ledger_settlement_drift - the account's settlements ending in [from, to) and their distinct
 * findings (kind, order) by kind */
enum wb_status ledger_settlement_drift(struct ledger *l, const char *account, time_t from,
                                       time_t to, long *settlements, long by_kind[LP_FINDINGS])
{
    static const char count[] =
        "SELECT count(*) FROM settlements WHERE account=?1 AND period_end>=?2 AND period_end<?3";
    static const char kinds[] =
        "SELECT f.kind, count(DISTINCT f.order_id) FROM settlement_findings f JOIN settlements s"
        " ON s.account=f.account AND s.settlement_id=f.settlement_id WHERE f.account=?1 AND"
        " s.period_end>=?2 AND s.period_end<?3 GROUP BY f.kind";
    for (int k = 0; k < LP_FINDINGS; k++)
        by_kind[k] = 0;
    *settlements = 0;
    const char *q[2] = {count, kinds};
    int res = WB_OK;
    for (int i = 0; res == WB_OK && i < 2; i++) {
        sqlite3_stmt *st = prep(l, q[i]);
        if (!st)
            return WB_IOERR;
        bind_text(st, 1, account);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)to);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int k = sqlite3_column_int(st, 0);
            if (i == 0)
                *settlements = (long)sqlite3_column_int64(st, 0);
            else if (k > 0 && k < LP_FINDINGS)
                by_kind[k] = (long)sqlite3_column_int64(st, 1);
        }
        if (rc != SQLITE_DONE)
            res = map_rc(l, rc);
        done(l, st);
    }
    return res;
}

/* ledger_refund_latencies - for each refund of the account posted in [from, to): seconds from
 * the order's first return receipt to the refund, ascending; without a receipt: -1, first */
enum wb_status ledger_refund_latencies(struct ledger *l, const char *account, time_t from,
                                       time_t to, ledger_latency_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT CASE WHEN r IS NULL THEN -1 WHEN posted<r THEN 0 ELSE posted-r END AS s FROM"
        " (SELECT p.posted AS posted, (SELECT min(x.received) FROM return_receipts x WHERE"
        " x.account=p.account AND x.order_id=p.order_id) AS r FROM settlement_paid p"
        " WHERE p.account=?1 AND p.kind=2 AND p.posted>=?2 AND p.posted<?3) ORDER BY s";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_text(st, 1, account);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)to);
    int rc = SQLITE_DONE, res = WB_OK;
    while (res == WB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        res = cb(arg, (long long)sqlite3_column_int64(st, 0));
    if (res == WB_OK && rc != SQLITE_DONE)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

/* ---- inventory cadence: deferred changes, last publications, what Amazon has not accepted ---- */

/* ledger_row_defer - a pending row waits until due */
enum wb_status ledger_row_defer(struct ledger *l, long long row_id, time_t due)
{
    static const char sql[] = "UPDATE rows SET due=?2 WHERE id=?1 AND state=1";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    sqlite3_bind_int64(st, 1, row_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)due);
    return exec_step(l, st);
}

/* ledger_inventory_published - per seller SKU (ascending), the newest row put in a feed */
enum wb_status ledger_inventory_published(struct ledger *l, const char *lane,
                                          ledger_published_cb cb, void *arg)
{
    static const char sql[] =
        "SELECT r.group_key, r.payload, f.created, max(r.id) FROM rows r JOIN feeds f"
        " ON f.id=r.feed_id WHERE r.flow=?1 AND r.account=?2 AND r.state IN (2,3)"
        " AND r.group_key IS NOT NULL GROUP BY r.group_key ORDER BY r.group_key";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 2, lane);
    int rc = SQLITE_DONE, res = WB_OK;
    while (res == WB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        res = cb(arg, col_text(st, 0), col_text(st, 1), (time_t)sqlite3_column_int64(st, 2));
    if (res == WB_OK && rc != SQLITE_DONE)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_inventory_open - per seller SKU (ascending) with a change Amazon has not accepted: the
 * snapshot time (else arrival) of the file of its first change after the last one accepted */
enum wb_status ledger_inventory_open(struct ledger *l, const char *lane, ledger_open_cb cb,
                                     void *arg)
{
    static const char sql[] =
        "SELECT r.group_key, min(CASE WHEN fl.snapshot_time > 0 THEN fl.snapshot_time"
        " ELSE fl.created END), max(r.state=1), max(CASE WHEN r.state=1 THEN r.due ELSE 0 END)"
        " FROM rows r JOIN files fl ON fl.id=r.file_id WHERE r.flow=?1 AND r.account=?2"
        " AND r.state IN (1,2,3) AND r.group_key IN (SELECT group_key FROM rows WHERE"
        " flow=?1 AND account=?2 AND state IN (1,2)) AND r.id > coalesce((SELECT max(a.id)"
        " FROM rows a WHERE a.flow=?1 AND a.account=?2 AND a.group_key=r.group_key AND"
        " a.state=3 AND a.feed_id IS NOT NULL), 0) GROUP BY r.group_key ORDER BY r.group_key";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 2, lane);
    int rc = SQLITE_DONE, res = WB_OK;
    while (res == WB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        res = cb(arg, col_text(st, 0), (time_t)sqlite3_column_int64(st, 1),
                 sqlite3_column_int(st, 2), (time_t)sqlite3_column_int64(st, 3));
    if (res == WB_OK && rc != SQLITE_DONE)
        res = map_rc(l, rc);
    done(l, st);
    return res;
}

/* ledger_inventory_newest - the newest snapshot time (else arrival) of a lane's files taken in */
enum wb_status ledger_inventory_newest(struct ledger *l, const char *lane, time_t *t)
{
    static const char sql[] = "SELECT max(CASE WHEN snapshot_time > 0 THEN snapshot_time ELSE"
                              " created END) FROM files WHERE flow=?1 AND account=?2"
                              " AND state IN (2,3)";
    sqlite3_stmt *st = prep(l, sql);
    if (!st)
        return WB_IOERR;
    bind_lane(st, 1, 2, lane);
    *t = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *t = (time_t)sqlite3_column_int64(st, 0);
    done(l, st);
    return rc == SQLITE_ROW ? WB_OK : map_rc(l, rc);
}
