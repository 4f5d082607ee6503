/*
 * test_spool_orders_pii.c - unit tests of the ledger's side of buyers' personal data and of
 * the orders' health figures: a written batch keeps its rows until the purge, which takes
 * their bytes out of the database file and its WAL while another connection is open; a purged
 * batch answers WB_NOINPUT, an unknown one WB_NOTFOUND; an order is in the WMS from its first
 * file on; the latency percentile (nearest rank), the longest and the count over a window; the
 * acknowledgements due, on time and late.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/wb.h"
#include "spool/ledger.h"

static char root[256], path[512];

/* setup - a fresh directory for the ledger */
static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/wbpii.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(path, sizeof path, "%s/ledger.db", root);
    return 0;
}

/* teardown - remove it */
static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    unsetenv("WB_FAKE_NOW");
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    FILE *f = popen(cmd, "r");
    return f && pclose(f) == 0 ? 0 : -1;
}

/* in_file - 1 if the bytes of file (path + suffix) hold text */
static int in_file(const char *suffix, const char *text)
{
    char p[600];
    snprintf(p, sizeof p, "%s%s", path, suffix);
    FILE *f = fopen(p, "rb");
    if (!f)
        return 0;
    static char data[4 << 20];
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    size_t k = strlen(text);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(data + i, text, k) == 0)
            return 1;
    return 0;
}

/* order - an order of the default account in batch, placed at placed */
static void order(struct ledger *l, const char *id, long long batch, time_t placed)
{
    struct ledger_order o = {
        .state = LO_WRITTEN, .written = 1, .updated = 1, .batch = batch, .placed = placed};
    snprintf(o.order_id, sizeof o.order_id, "%s", id);
    assert_int_equal(ledger_order_put(l, &o), WB_OK);
}

/* test_pii_purge - kept until the purge, then out of the files' bytes, a reader open */
static void test_pii_purge(void **state)
{
    (void)state;
    struct ledger *l;
    assert_int_equal(ledger_open(&l, path), WB_OK);
    sqlite3 *reader; /* another process's connection: no last close empties the WAL */
    assert_int_equal(sqlite3_open(path, &reader), SQLITE_OK);
    assert_int_equal(sqlite3_exec(reader, "SELECT count(*) FROM orders", NULL, NULL, NULL),
                     SQLITE_OK);
    const char *rows = "new\t111-1111111-1111111\tZebedee Quartermaine\t17 Xylophone Mews\n";
    long long id;
    char *got = NULL;
    long n;
    setenv("WB_FAKE_NOW", "1000", 1);
    assert_int_equal(ledger_order_batch_add(l, "", "orders-1.csv", rows, &id), WB_OK);
    order(l, "111-1111111-1111111", id, 400);
    assert_int_equal(ledger_order_batch_written(l, id), WB_OK);
    struct ledger_order o;
    assert_int_equal(ledger_order_get(l, "", "111-1111111-1111111", &o), WB_OK);
    assert_int_equal(o.in_wms, 1000);
    assert_int_equal(o.placed, 400);
    assert_int_equal(ledger_order_pii_purge(l, "", 999, &n), WB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(ledger_order_batch_rows(l, "", "orders-1.csv", &got), WB_OK);
    assert_string_equal(got, rows);
    free(got);
    assert_int_equal(ledger_order_pii_purge(l, "acme", 1000, &n), WB_OK);
    assert_int_equal(n, 0); /* another account's batches are its own */
    assert_true(in_file("", "Zebedee") || in_file("-wal", "Zebedee"));
    assert_int_equal(ledger_order_pii_purge(l, "", 1000, &n), WB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ledger_order_batch_rows(l, "", "orders-1.csv", &got), WB_NOINPUT);
    assert_null(got);
    assert_int_equal(ledger_order_batch_rows(l, "", "orders-2.csv", &got), WB_NOTFOUND);
    assert_false(in_file("", "Zebedee"));
    assert_false(in_file("-wal", "Zebedee"));
    assert_false(in_file("", "Xylophone"));
    assert_false(in_file("-wal", "Xylophone"));
    /* an amendment later keeps the time the order first reached the WMS */
    setenv("WB_FAKE_NOW", "5000", 1);
    assert_int_equal(ledger_order_batch_add(l, "", "orders-2.csv", "amend\n", &id), WB_OK);
    o.batch = id;
    assert_int_equal(ledger_order_put(l, &o), WB_OK);
    assert_int_equal(ledger_order_batch_written(l, id), WB_OK);
    assert_int_equal(ledger_order_get(l, "", "111-1111111-1111111", &o), WB_OK);
    assert_int_equal(o.in_wms, 1000);
    sqlite3_close(reader);
    ledger_close(l);
}

/* test_latency - 95th percentile (nearest rank), longest and count over [from, to) */
static void test_latency(void **state)
{
    (void)state;
    struct ledger *l;
    assert_int_equal(ledger_open(&l, path), WB_OK);
    struct ledger_latency lat;
    assert_int_equal(ledger_order_latency(l, "", 0, 1 << 30, 95, &lat), WB_OK);
    assert_int_equal(lat.n, 0);
    long long id;
    setenv("WB_FAKE_NOW", "10000", 1);
    assert_int_equal(ledger_order_batch_add(l, "", "orders-1.csv", "x\n", &id), WB_OK);
    for (int i = 0; i < 19; i++) {
        char oid[32];
        snprintf(oid, sizeof oid, "100-0000000-00000%02d", i);
        order(l, oid, id, 10000 - 600);
    }
    order(l, "100-0000000-0000099", id, 10000 - 7200);
    order(l, "100-0000000-0000098", id, 0); /* placed unknown (an older ledger): left out */
    assert_int_equal(ledger_order_batch_written(l, id), WB_OK);
    assert_int_equal(ledger_order_latency(l, "", 9000, 10001, 95, &lat), WB_OK);
    assert_int_equal(lat.n, 20);
    assert_int_equal(lat.pct, 600);
    assert_int_equal(lat.max, 7200);
    assert_int_equal(ledger_order_latency(l, "", 9000, 10001, 100, &lat), WB_OK);
    assert_int_equal(lat.pct, 7200);
    assert_int_equal(ledger_order_latency(l, "", 10001, 20000, 95, &lat), WB_OK);
    assert_int_equal(lat.n, 0);
    assert_int_equal(ledger_order_latency(l, "acme", 9000, 10001, 95, &lat), WB_OK);
    assert_int_equal(lat.n, 0);
    ledger_close(l);
}

/* test_acks - due (past the deadline or confirmed), on time (confirmed by the deadline) */
static void test_acks(void **state)
{
    (void)state;
    struct ledger *l;
    assert_int_equal(ledger_open(&l, path), WB_OK);
    long long id;
    setenv("WB_FAKE_NOW", "10000", 1);
    assert_int_equal(ledger_order_batch_add(l, "", "orders-1.csv", "x\n", &id), WB_OK);
    const char *ids[] = {"200-0000000-0000001", "200-0000000-0000002", "200-0000000-0000003",
                         "200-0000000-0000004"};
    for (int i = 0; i < 4; i++)
        order(l, ids[i], id, 9000);
    assert_int_equal(ledger_order_batch_written(l, id), WB_OK);
    /* 1 confirmed in time, 2 confirmed late, 3 pending, 4 nothing; another lane's row for 4 */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO files(id,flow,name,digest,state,created,updated) VALUES"
                     " (1,'ack','a.csv','d',3,0,0);"
                     "INSERT INTO rows(file_id,flow,key,state,created,updated) VALUES"
                     " (1,'ack','200-0000000-0000001|',3,10000,13000),"
                     " (1,'ack','200-0000000-0000002|',3,10000,14000),"
                     " (1,'ack','200-0000000-0000003|',2,10000,10000),"
                     " (1,'cancel','200-0000000-0000004|',3,10000,10100);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    long due, ok;
    /* before the deadline (10000 + 3600): only the confirmed ones count */
    assert_int_equal(ledger_order_acks(l, "", "ack", 0, 20000, 3600, 13500, &due, &ok), WB_OK);
    assert_int_equal(due, 2);
    assert_int_equal(ok, 1);
    /* after it: every order, on time only the first */
    assert_int_equal(ledger_order_acks(l, "", "ack", 0, 20000, 3600, 14000, &due, &ok), WB_OK);
    assert_int_equal(due, 4);
    assert_int_equal(ok, 1);
    assert_int_equal(ledger_order_acks(l, "", "ack", 0, 20000, 4000, 20000, &due, &ok), WB_OK);
    assert_int_equal(ok, 2);
    assert_int_equal(ledger_order_acks(l, "", "ack", 10001, 20000, 3600, 20000, &due, &ok), WB_OK);
    assert_int_equal(due, 0);
    ledger_close(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pii_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
