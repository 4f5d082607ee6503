/*
 * test_spool_ledger.c - unit tests of the spool renames and the ledger:
 * claim/finish/reject/requeue, refusal of unsafe names and symlinks,
 * digest dedupe, business-key uniqueness, feed assignment and release, the
 * pending-row query (pending rows only, never rows already in a feed), the
 * read-only ledger of the operators' commands, seller accounts in the ledger.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/fsutil.h"
#include "core/wb.h"
#include "spool/ledger.h"
#include "spool/spool.h"

static char root[256];

/* setup - fresh spool in a temp dir */
static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/wbspool.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    return 0;
}

/* teardown - remove the temp dir */
static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    FILE *f = popen(cmd, "r");
    return f && pclose(f) == 0 ? 0 : -1;
}

/* exists - 1 if path exists */
static int exists(const char *fmt, const char *a)
{
    char p[1024];
    snprintf(p, sizeof p, fmt, root, a);
    struct stat sb;
    return lstat(p, &sb) == 0;
}

static void test_claim_finish_reject_requeue(void **state)
{
    (void)state;
    struct spool s;
    char cl[256];
    assert_int_equal(spool_open(&s, root), WB_OK);
    assert_int_equal(spool_ensure_flow(&s, "dispatch"), WB_OK);
    char in[1024];
    spool_dir(&s, SP_IN, "dispatch", in, sizeof in);
    assert_int_equal(fs_write_file(in, "a.csv", "x\n", 2), WB_OK);
    assert_int_equal(fs_write_file(in, "b.csv", "y\n", 2), WB_OK);
    struct spool_entry *e;
    size_t n;
    assert_int_equal(spool_list(&s, SP_IN, "dispatch", &e, &n), WB_OK);
    assert_int_equal(n, 2);
    free(e);
    assert_int_equal(spool_claim(&s, "dispatch", "a.csv", cl, sizeof cl), WB_OK);
    assert_true(exists("%s/work/dispatch/%s", "a.csv"));
    assert_false(exists("%s/in/dispatch/%s", "a.csv"));
    /* claiming twice fails: the file is gone from in/ */
    assert_int_not_equal(spool_claim(&s, "dispatch", "a.csv", cl, sizeof cl), WB_OK);
    assert_int_equal(spool_finish(&s, "dispatch", "a.csv"), WB_OK);
    assert_false(exists("%s/work/dispatch/%s", "a.csv"));
    assert_int_equal(spool_claim(&s, "dispatch", "b.csv", cl, sizeof cl), WB_OK);
    assert_int_equal(spool_reject_file(&s, "dispatch", "b.csv", "E_X", "bad"), WB_OK);
    assert_true(exists("%s/reject/dispatch/%s", "b.csv"));
    assert_true(exists("%s/reject/dispatch/%s", "b.csv.reason"));
    assert_int_equal(spool_requeue(&s, "dispatch", "b.csv"), WB_OK);
    assert_true(exists("%s/in/dispatch/%s", "b.csv"));
    assert_false(exists("%s/reject/dispatch/%s", "b.csv.reason"));
    spool_close(&s);
}

/* set_mtime - mtime of root/in/dispatch/name to sec.nsec */
static void set_mtime(const char *name, time_t sec, long nsec)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/in/dispatch/%s", root, name);
    struct timespec ts[2] = {{sec, nsec}, {sec, nsec}};
    assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

/* test_arrival_order - in/ is listed oldest first, to the nanosecond, then by name */
static void test_arrival_order(void **state)
{
    (void)state;
    struct spool s;
    assert_int_equal(spool_open(&s, root), WB_OK);
    assert_int_equal(spool_ensure_flow(&s, "dispatch"), WB_OK);
    char in[1024];
    spool_dir(&s, SP_IN, "dispatch", in, sizeof in);
    const char *names[] = {"c.csv", "a-resent.csv", "a.csv", "b.csv"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(fs_write_file(in, names[i], "x\n", 2), WB_OK);
    set_mtime("a.csv", 1795000000, 100);        /* first */
    set_mtime("a-resent.csv", 1795000000, 900); /* same second, later */
    set_mtime("b.csv", 1795000001, 0);          /* next second */
    set_mtime("c.csv", 1795000001, 0);          /* same instant: by name */
    struct spool_entry *e;
    size_t n;
    assert_int_equal(spool_list(&s, SP_IN, "dispatch", &e, &n), WB_OK);
    assert_int_equal(n, 4);
    assert_string_equal(e[0].name, "a.csv");
    assert_string_equal(e[1].name, "a-resent.csv");
    assert_string_equal(e[2].name, "b.csv");
    assert_string_equal(e[3].name, "c.csv");
    free(e);
    spool_close(&s);
}

static void test_unsafe_names_and_symlinks(void **state)
{
    (void)state;
    struct spool s;
    char cl[256];
    assert_int_equal(spool_open(&s, root), WB_OK);
    assert_int_equal(spool_ensure_flow(&s, "dispatch"), WB_OK);
    assert_int_equal(spool_claim(&s, "dispatch", "../x", cl, sizeof cl), WB_BADARG);
    assert_int_equal(spool_claim(&s, "dispatch", "-rf", cl, sizeof cl), WB_BADARG);
    assert_int_equal(spool_claim(&s, "../etc", "x", cl, sizeof cl), WB_BADARG);
    char in[1024], link[1100];
    spool_dir(&s, SP_IN, "dispatch", in, sizeof in);
    snprintf(link, sizeof link, "%s/evil.csv", in);
    assert_int_equal(symlink("/etc/passwd", link), 0);
    struct spool_entry *e;
    size_t n;
    assert_int_equal(spool_list(&s, SP_IN, "dispatch", &e, &n), WB_OK);
    assert_int_equal(n, 0); /* symlink not listed */
    free(e);
    assert_int_not_equal(spool_claim(&s, "dispatch", "evil.csv", cl, sizeof cl), WB_OK);
    assert_false(fs_name_ok("a/b"));
    assert_false(fs_name_ok(".hidden"));
    assert_true(fs_is_temp_name("x.csv.part"));
    assert_true(fs_is_temp_name("x.tmp"));
    spool_close(&s);
}

/* count_cb - count rows */
static int count_cb(void *arg, const struct ledger_row_view *r)
{
    (void)r;
    (*(long *)arg)++;
    return WB_OK;
}

static void test_ledger_rows_and_feeds(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/ledger.db", root);
    struct ledger *l;
    assert_int_equal(ledger_open(&l, path), WB_OK);
    long long fid, r1, r2, feed;
    assert_int_equal(ledger_begin(l), WB_OK);
    assert_int_equal(ledger_file_add(l, "dispatch", "a.csv", "d1", &fid), WB_OK);
    assert_int_equal(ledger_row_add(l, fid, "dispatch", "k1", 2, LR_PENDING, "p", "g1", "raw", &r1),
                     WB_OK);
    assert_int_equal(ledger_row_add(l, fid, "dispatch", "k2", 3, LR_PENDING, "p", "g1", "raw", &r2),
                     WB_OK);
    /* the same business key cannot be live twice */
    assert_int_equal(ledger_row_add(l, fid, "dispatch", "k1", 4, LR_PENDING, "p", "g", "r", NULL),
                     WB_EXISTS);
    assert_int_equal(ledger_file_set_state(l, fid, LF_PARSED), WB_OK);
    assert_int_equal(ledger_commit(l), WB_OK);
    struct ledger_file f;
    assert_int_equal(ledger_file_by_digest(l, "dispatch", "d1", &f), WB_OK);
    assert_int_equal(f.id, fid);
    long cnt = 0;
    assert_int_equal(ledger_rows_pending(l, "dispatch", 100, count_cb, &cnt), WB_OK);
    assert_int_equal(cnt, 2);
    assert_int_equal(ledger_feed_create(l, "dispatch", "POST_ORDER_FULFILLMENT_DATA", 0, &feed),
                     WB_OK);
    assert_int_equal(ledger_row_assign(l, r1, feed, 1), WB_OK);
    assert_int_equal(ledger_row_assign(l, r2, feed, 1), WB_OK);
    assert_int_equal(ledger_row_assign(l, r2, feed, 1), WB_INTERNAL); /* not pending any more */
    cnt = 0;
    assert_int_equal(ledger_rows_of_feed(l, feed, count_cb, &cnt), WB_OK);
    assert_int_equal(cnt, 2);
    assert_int_equal(ledger_feed_release(l, feed), WB_OK);
    cnt = 0;
    assert_int_equal(ledger_rows_pending(l, "dispatch", 100, count_cb, &cnt), WB_OK);
    assert_int_equal(cnt, 2);
    long att = 0;
    assert_int_equal(ledger_row_attempts(l, r1, &att), WB_OK);
    assert_int_equal(att, 1);
    assert_int_equal(ledger_row_confirm(l, r1, NULL), WB_OK);
    assert_int_equal(ledger_row_reject(l, r2, "E", "why"), WB_OK);
    long open = -1;
    assert_int_equal(ledger_file_open_rows(l, fid, &open), WB_OK);
    assert_int_equal(open, 0);
    /* a rejected key may come back (fixed and requeued) */
    assert_int_equal(ledger_row_add(l, fid, "dispatch", "k2", 9, LR_PENDING, "p", "g", "r", NULL),
                     WB_OK);
    struct ledger_feed fd;
    assert_int_equal(ledger_feed_get(l, feed, &fd), WB_OK);
    snprintf(fd.amazon_feed_id, sizeof fd.amazon_feed_id, "F1");
    fd.state = LFD_SUBMITTED;
    assert_int_equal(ledger_feed_put(l, &fd), WB_OK);
    assert_int_equal(ledger_feed_by_amazon_id(l, "F1", &fd), WB_OK);
    assert_int_equal(fd.id, feed);
    int seen = 1, is_new = 0;
    assert_int_equal(ledger_remote_seen(l, "wms", "/x", 10, 20, &seen), WB_OK);
    assert_int_equal(seen, 0);
    assert_int_equal(ledger_remote_mark(l, "wms", "/x", 10, 20, "d"), WB_OK);
    assert_int_equal(ledger_remote_seen(l, "wms", "/x", 10, 20, &seen), WB_OK);
    assert_int_equal(seen, 1);
    assert_int_equal(ledger_alert(l, "stuck", "F1", "t", &is_new), WB_OK);
    assert_int_equal(is_new, 1);
    assert_int_equal(ledger_alert(l, "stuck", "F1", "t", &is_new), WB_OK);
    assert_int_equal(is_new, 0);
    struct ledger_job j = {.name = "dispatch", .last_slot = 100, .runs = 3};
    assert_int_equal(ledger_job_put(l, &j), WB_OK);
    struct ledger_job g;
    assert_int_equal(ledger_job_get(l, "dispatch", &g), WB_OK);
    assert_int_equal(g.runs, 3);
    assert_int_equal(ledger_job_get(l, "nope", &g), WB_NOTFOUND);
    ledger_close(l);
}

/* keys_cb - append each row's key and a space */
static int keys_cb(void *arg, const struct ledger_row_view *r)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s ", r->key);
    return WB_OK;
}

/* test_pending_excludes_feed_rows - the pending-row query returns pending rows only: never a row
 * already in a feed (queued), confirmed or rejected, nor another flow's */
static void test_pending_excludes_feed_rows(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/ledger.db", root);
    struct ledger *l;
    assert_int_equal(ledger_open(&l, path), WB_OK);
    long long fid, r[5], feed;
    assert_int_equal(ledger_begin(l), WB_OK);
    assert_int_equal(ledger_file_add(l, "dispatch", "a.csv", "d1", &fid), WB_OK);
    const char *keys[] = {"k1", "k2", "k3", "k4", "k5"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(
            ledger_row_add(l, fid, "dispatch", keys[i], i + 2, LR_PENDING, "p", "g", "raw", &r[i]),
            WB_OK);
    assert_int_equal(
        ledger_row_add(l, fid, "inventory", "k9", 9, LR_PENDING, "p", "g", "raw", NULL), WB_OK);
    assert_int_equal(ledger_commit(l), WB_OK);
    assert_int_equal(ledger_feed_create(l, "dispatch", "POST_ORDER_FULFILLMENT_DATA", 0, &feed),
                     WB_OK);
    assert_int_equal(ledger_row_assign(l, r[0], feed, 1), WB_OK);
    assert_int_equal(ledger_row_assign(l, r[1], feed, 2), WB_OK);
    assert_int_equal(ledger_row_assign(l, r[2], feed, 3), WB_OK);
    assert_int_equal(ledger_row_confirm(l, r[2], NULL), WB_OK);
    assert_int_equal(ledger_row_reject(l, r[3], "E", "why"), WB_OK);
    char seen[256] = "";
    assert_int_equal(ledger_rows_pending(l, "dispatch", 100, keys_cb, seen), WB_OK);
    assert_string_equal(seen, "k5 ");
    long count = -1;
    time_t oldest = 0;
    assert_int_equal(ledger_pending_stats(l, "dispatch", &count, &oldest), WB_OK);
    assert_int_equal(count, 1);
    /* released from the feed, its rows are pending again (and only they) */
    assert_int_equal(ledger_feed_release(l, feed), WB_OK);
    seen[0] = '\0';
    assert_int_equal(ledger_rows_pending(l, "dispatch", 100, keys_cb, seen), WB_OK);
    assert_string_equal(seen, "k1 k2 k5 ");
    seen[0] = '\0';
    assert_int_equal(ledger_rows_pending(l, "dispatch", 2, keys_cb, seen), WB_OK);
    assert_string_equal(seen, "k1 k2 ");
    ledger_close(l);
}

/* test_prefix_state - the best state of the rows whose key starts with a prefix: confirmed
 * beats pending beats rejected; another flow's rows and a longer order id do not count */
static void test_prefix_state(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/ledger.db", root);
    struct ledger *l;
    assert_int_equal(ledger_open(&l, path), WB_OK);
    long long fid, r1, r2, r3;
    assert_int_equal(ledger_file_add(l, "dispatch", "a.csv", "d1", &fid), WB_OK);
    assert_int_equal(
        ledger_row_add(l, fid, "dispatch", "026-1|i1|t", 2, LR_PENDING, "p", "g", "raw", &r1),
        WB_OK);
    assert_int_equal(
        ledger_row_add(l, fid, "dispatch", "026-1|i2|t", 3, LR_PENDING, "p", "g", "raw", &r2),
        WB_OK);
    assert_int_equal(
        ledger_row_add(l, fid, "dispatch", "026-2|i1|t", 4, LR_PENDING, "p", "g", "raw", &r3),
        WB_OK);
    assert_int_equal(
        ledger_row_add(l, fid, "acme/dispatch", "026-3|i|t", 5, LR_PENDING, "p", "g", "r", NULL),
        WB_OK);
    int st = 0;
    assert_int_equal(ledger_rows_prefix_state(l, "dispatch", "026-1|", &st), WB_OK);
    assert_int_equal(st, LR_PENDING);
    assert_int_equal(ledger_row_reject(l, r1, "E", "why"), WB_OK);
    assert_int_equal(ledger_rows_prefix_state(l, "dispatch", "026-1|", &st), WB_OK);
    assert_int_equal(st, LR_PENDING);
    assert_int_equal(ledger_row_confirm(l, r2, NULL), WB_OK);
    assert_int_equal(ledger_rows_prefix_state(l, "dispatch", "026-1|", &st), WB_OK);
    assert_int_equal(st, LR_CONFIRMED);
    assert_int_equal(ledger_row_reject(l, r3, "E", "why"), WB_OK);
    assert_int_equal(ledger_rows_prefix_state(l, "dispatch", "026-2|", &st), WB_OK);
    assert_int_equal(st, LR_REJECTED);
    assert_int_equal(ledger_rows_prefix_state(l, "dispatch", "026-3|", &st), WB_NOTFOUND);
    assert_int_equal(ledger_rows_prefix_state(l, "dispatch", "026-|", &st), WB_NOTFOUND);
    assert_int_equal(ledger_rows_prefix_state(l, "acme/dispatch", "026-3|", &st), WB_OK);
    ledger_close(l);
}

/* test_readonly_open - the read-only ledger creates nothing (an empty ledger before the first
 * run), reads what the writer committed once the writer is gone (its WAL files are kept) and
 * refuses a write as permission denied */
static void test_readonly_open(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/ledger.db", root);
    struct ledger *l;
    struct ledger_file f;
    assert_int_equal(ledger_open_readonly(&l, path), WB_OK);
    assert_int_equal(ledger_file_by_name(l, "dispatch", "a.csv", &f), WB_NOTFOUND);
    ledger_close(l);
    assert_false(exists("%s/%s", "ledger.db"));
    assert_false(exists("%s/%s", "ledger.db-wal"));

    long long fid;
    assert_int_equal(ledger_open(&l, path), WB_OK);
    assert_int_equal(ledger_file_add(l, "dispatch", "a.csv", "d1", &fid), WB_OK);
    ledger_close(l);
    assert_true(exists("%s/%s", "ledger.db-wal"));
    assert_true(exists("%s/%s", "ledger.db-shm"));
    struct stat wal; /* kept, but emptied into the ledger: it takes no room */
    snprintf(path, sizeof path, "%s/ledger.db-wal", root);
    assert_int_equal(stat(path, &wal), 0);
    assert_int_equal(wal.st_size, 0);
    snprintf(path, sizeof path, "%s/ledger.db", root);

    assert_int_equal(ledger_open_readonly(&l, path), WB_OK);
    assert_int_equal(ledger_file_by_name(l, "dispatch", "a.csv", &f), WB_OK);
    assert_int_equal(f.id, fid);
    assert_int_equal(ledger_file_add(l, "dispatch", "b.csv", "d2", &fid), WB_DENIED);
    ledger_close(l);
}

/* test_accounts - files, rows and feeds carry their seller account; a business key is live once
 * per flow AND account; a ledger made before accounts (its key index per flow only) gets the
 * column and the per-account index when opened, its rows the default account's */
static void test_accounts(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/old.db", root);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "CREATE TABLE files(id INTEGER PRIMARY KEY, flow TEXT NOT NULL, name TEXT NOT"
                     " NULL, digest TEXT NOT NULL, state INTEGER NOT NULL, layout TEXT, header"
                     " TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
                     "CREATE TABLE rows(id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL"
                     " REFERENCES files(id), flow TEXT NOT NULL, key TEXT NOT NULL, lineno"
                     " INTEGER, state INTEGER NOT NULL, payload TEXT, group_key TEXT, raw TEXT,"
                     " feed_id INTEGER, message_id INTEGER, reject_code TEXT, reject_reason TEXT,"
                     " warning TEXT, attempts INTEGER NOT NULL DEFAULT 0, created INTEGER NOT"
                     " NULL, updated INTEGER NOT NULL);"
                     "CREATE UNIQUE INDEX rows_live ON rows(flow, key) WHERE state != 4;"
                     "INSERT INTO files VALUES(1,'dispatch','a.csv','d1',2,NULL,NULL,1,1);"
                     "INSERT INTO rows(file_id,flow,key,state,created,updated)"
                     " VALUES(1,'dispatch','k1',1,1,1);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    struct ledger *l;
    assert_int_equal(ledger_open(&l, path), WB_OK);
    struct ledger_row r;
    struct ledger_file f;
    assert_int_equal(ledger_row_find(l, "dispatch", "k1", &r), WB_OK); /* the default account's */
    assert_int_equal(ledger_row_find(l, "acme/dispatch", "k1", &r), WB_NOTFOUND);
    long long fid, rid, feed;
    assert_int_equal(ledger_begin(l), WB_OK);
    assert_int_equal(ledger_file_add(l, "acme/dispatch", "a.csv", "d1", &fid), WB_OK);
    assert_int_equal(
        ledger_row_add(l, fid, "acme/dispatch", "k1", 2, LR_PENDING, "p", "g", "r", &rid),
        WB_OK); /* another seller's same key */
    assert_int_equal(
        ledger_row_add(l, fid, "acme/dispatch", "k1", 3, LR_PENDING, "p", "g", "r", NULL),
        WB_EXISTS); /* but once per account */
    assert_int_equal(ledger_row_add(l, 1, "dispatch", "k1", 3, LR_PENDING, "p", "g", "r", NULL),
                     WB_EXISTS);
    assert_int_equal(ledger_file_set_state(l, fid, LF_PARSED), WB_OK);
    assert_int_equal(ledger_commit(l), WB_OK);
    assert_int_equal(ledger_row_find(l, "acme/dispatch", "k1", &r), WB_OK);
    assert_int_equal(r.id, rid);
    assert_int_equal(ledger_file_by_digest(l, "acme/dispatch", "d1", &f), WB_OK);
    assert_int_equal(f.id, fid);
    assert_string_equal(f.account, "acme");
    assert_string_equal(f.flow, "dispatch");
    assert_int_equal(ledger_file_by_digest(l, "dispatch", "d1", &f), WB_OK);
    assert_int_equal(f.id, 1);
    assert_string_equal(f.account, "");
    assert_int_equal(ledger_file_by_name(l, "beta/dispatch", "a.csv", &f), WB_NOTFOUND);
    long counts[5];
    assert_int_equal(ledger_row_counts(l, "acme/dispatch", counts), WB_OK);
    assert_int_equal(counts[LR_PENDING], 1);
    long cnt = 0;
    assert_int_equal(ledger_rows_pending(l, "beta/dispatch", 100, count_cb, &cnt), WB_OK);
    assert_int_equal(cnt, 0);
    assert_int_equal(
        ledger_feed_create(l, "acme/dispatch", "POST_ORDER_FULFILLMENT_DATA", 0, &feed), WB_OK);
    struct ledger_feed fd;
    assert_int_equal(ledger_feed_get(l, feed, &fd), WB_OK);
    assert_string_equal(fd.account, "acme");
    assert_string_equal(fd.flow, "dispatch");
    ledger_close(l);
}

static int units_cb(void *arg, const char *sku, long long units)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s=%lld;", sku, units);
    return WB_OK;
}

/* test_order_units - open units per SKU: lines taken at or after the time, of orders still in
 * the WMS, per account; a line seen again keeps its first time */
static void test_order_units(void **state)
{
    (void)state;
    char path[512], got[256];
    snprintf(path, sizeof path, "%s/ledger.db", root);
    struct ledger *l;
    assert_int_equal(ledger_open(&l, path), WB_OK);
    struct ledger_order o = {.state = LO_WRITTEN, .updated = 1};
    const char *ids[] = {"A-1", "A-2", "A-3"};
    const char *acct[] = {"", "", "acme"};
    const char *fake[] = {"1000", "2000", "2000"};
    for (int i = 0; i < 3; i++) {
        setenv("WB_FAKE_NOW", fake[i], 1);
        snprintf(o.order_id, sizeof o.order_id, "%s", ids[i]);
        snprintf(o.account, sizeof o.account, "%s", acct[i]);
        assert_int_equal(ledger_order_put(l, &o), WB_OK);
        assert_int_equal(ledger_order_units_put(l, acct[i], ids[i], "SKU-B", 2), WB_OK);
        assert_int_equal(ledger_order_units_put(l, acct[i], ids[i], "SKU-A", 1), WB_OK);
    }
    setenv("WB_FAKE_NOW", "3000", 1); /* amended later: keeps its time, takes the quantity */
    assert_int_equal(ledger_order_units_put(l, "", "A-2", "SKU-B", 5), WB_OK);
    got[0] = '\0';
    assert_int_equal(ledger_order_units_since(l, "", 0, units_cb, got), WB_OK);
    assert_string_equal(got, "SKU-A=2;SKU-B=7;");
    got[0] = '\0';
    assert_int_equal(ledger_order_units_since(l, "", 1500, units_cb, got), WB_OK);
    assert_string_equal(got, "SKU-A=1;SKU-B=5;");
    got[0] = '\0';
    assert_int_equal(ledger_order_units_since(l, "", 2500, units_cb, got), WB_OK);
    assert_string_equal(got, "");
    o.state = LO_CANCELLED; /* cancelled: no longer open */
    snprintf(o.order_id, sizeof o.order_id, "A-1");
    o.account[0] = '\0';
    assert_int_equal(ledger_order_put(l, &o), WB_OK);
    got[0] = '\0';
    assert_int_equal(ledger_order_units_since(l, "", 0, units_cb, got), WB_OK);
    assert_string_equal(got, "SKU-A=1;SKU-B=5;");
    got[0] = '\0';
    assert_int_equal(ledger_order_units_since(l, "acme", 0, units_cb, got), WB_OK);
    assert_string_equal(got, "SKU-A=1;SKU-B=2;");
    unsetenv("WB_FAKE_NOW");
    ledger_close(l);
}

/* test_returns - expected returns per RMA and WMS SKU (a line put again counts once, another
 * seller SKU of the same WMS SKU adds), receipts taken against them per account, and the
 * sellable units received at or after a time per seller SKU */
static void test_returns(void **state)
{
    (void)state;
    char path[512], got[256];
    snprintf(path, sizeof path, "%s/ledger.db", root);
    struct ledger *l;
    assert_int_equal(ledger_open(&l, path), WB_OK);
    struct ledger_expected e;
    assert_int_equal(ledger_expected_return(l, "", "R1", "WH-1", &e), WB_OK);
    assert_false(e.rma_known);
    for (int i = 0; i < 2; i++) /* the same line twice (a redone report): once */
        assert_int_equal(ledger_expected_return_put(l, "", "R1", "O-1", "MUG", "WH-1", 2), WB_OK);
    assert_int_equal(ledger_expected_return_put(l, "", "R1", "O-1", "PAIR", "WH-1", 1), WB_OK);
    assert_int_equal(ledger_expected_return_put(l, "", "R1", "O-1", "PAIR", "WH-2", 1), WB_OK);
    assert_int_equal(ledger_expected_return(l, "", "R1", "WH-1", &e), WB_OK);
    assert_true(e.rma_known && e.sku_known);
    assert_int_equal(e.expected, 3);
    assert_int_equal(e.received, 0);
    assert_string_equal(e.order_id, "O-1");
    assert_int_equal(ledger_expected_return(l, "", "R1", "WH-9", &e), WB_OK);
    assert_true(e.rma_known && !e.sku_known);
    assert_int_equal(ledger_expected_return(l, "acme", "R1", "WH-1", &e), WB_OK);
    assert_false(e.rma_known); /* another account's RMA */
    struct ledger_receipt r = {.account = "",
                               .file_id = 7,
                               .lineno = 2,
                               .rma = "R1",
                               .order_id = "O-1",
                               .sku = "MUG",
                               .qty = 2,
                               .disposition = "sellable",
                               .sellable = 1,
                               .received = 1000,
                               .wms_sku = "WH-1"};
    for (int i = 0; i < 2; i++) /* the same file line again: recorded once */
        assert_int_equal(ledger_receipt_put(l, &r), WB_OK);
    r.lineno = 3, r.qty = 1, r.disposition = "damaged", r.sellable = 0, r.received = 2000;
    assert_int_equal(ledger_receipt_put(l, &r), WB_OK);
    assert_int_equal(ledger_expected_return(l, "", "R1", "WH-1", &e), WB_OK);
    assert_int_equal(e.received, 3);
    got[0] = '\0';
    assert_int_equal(ledger_return_units_since(l, "", 0, units_cb, got), WB_OK);
    assert_string_equal(got, "MUG=2;");
    got[0] = '\0';
    assert_int_equal(ledger_return_units_since(l, "", 1001, units_cb, got), WB_OK);
    assert_string_equal(got, "");
    ledger_close(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_claim_finish_reject_requeue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arrival_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsafe_names_and_symlinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ledger_rows_and_feeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_excludes_feed_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_units, setup, teardown),
        cmocka_unit_test_setup_teardown(test_returns, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
