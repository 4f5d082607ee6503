/*
 * test_flows_settlement_recon.c - unit tests of the settlement reconciliation
 * (flows/settlement_recon.c) over a ledger of its own with known data: two
 * settlements of consecutive periods and dispatches Amazon confirmed at
 * controlled times (WB_FAKE_NOW): an order paid in the second settlement is
 * never unpaid, an order no settlement paid is found dispatched-not-paid once
 * settlement_unpaid_days have passed, a dispatch before the first settlement
 * is never called unpaid, a paid order without a dispatch, a refund with and
 * without a return receipt; reconcile-ID.csv's rows; a redo writes the same;
 * and the settlement drift and refund latency figures over windows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/wb.h"
#include "flows/env.h"
#include "flows/health.h"
#include "flows/settlement.h"
#include "flows/settlement_recon.h"
#include "spool/ledger.h"

#define NOV(d) (1793491200 + ((d)-1) * 86400) /* 2026-11-DD 00:00:00 UTC */

#define HEADER                                                                                     \
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"      \
    "currency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\t"        \
    "marketplace-name\tamount-type\tamount-description\tamount\tfulfillment-id\tposted-date\t"     \
    "posted-date-time\torder-item-code\tmerchant-order-item-id\tmerchant-adjustment-item-id\t"     \
    "sku\tquantity-purchased\n"
#define SUMMARY(id, start, end, total)                                                             \
    id "\t2026-11-" start " 00:00:00 UTC\t2026-11-" end                                            \
       " 00:00:00 UTC\t2026-12-01 00:00:00 UTC\t" total                                            \
       "\tGBP\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n"
#define ROW(id, type, order, atype, desc, amt, ful, day, time)                                     \
    id "\t\t\t\t\t\t" type "\t" order "\t\t\t\tAmazon.co.uk\t" atype "\t" desc "\t" amt "\t" ful   \
       "\t11/" day "/26\t2026-11-" day " " time " UTC\t1\t\t\tSKU-1\t1\n"

#define A "026-0000001-0000001" /* dispatched 11-03, paid in S1, returned, refunded in S2 */
#define B "026-0000002-0000002" /* dispatched 11-12, paid in S2 */
#define C "026-0000003-0000003" /* dispatched 11-04, paid by none */
#define D "026-0000004-0000004" /* dispatched 10-20 (before S1), paid by none */
#define E "026-0000005-0000005" /* paid in S1, no dispatch */
#define F "026-0000006-0000006" /* refunded in S2, no return received */
#define G "026-0000007-0000007" /* fulfilled by Amazon: not reconciled */
/* and an "order id" a spreadsheet would read as a formula: not reconciled, never written */

/* S1: 11-01 .. 11-15 */
static const char s1[] = HEADER SUMMARY("1001", "01", "15", "40.00")
    ROW("1001", "Order", A, "ItemPrice", "Principal", "20.00", "MFN", "03", "10:00:00")
        ROW("1001", "Order", A, "ItemFees", "Commission", "-3.00", "MFN", "03", "10:00:00")
            ROW("1001", "Order", E, "ItemPrice", "Principal", "13.00", "MFN", "05", "10:00:00")
                ROW("1001", "Order", G, "ItemPrice", "Principal", "10.00", "AFN", "05", "10:00:00")
                    ROW("1001", "Order", "=1+2", "ItemPrice", "Principal", "0.00", "MFN", "06",
                        "10:00:00");

/* S2: 11-15 .. 11-29 */
static const char s2[] = HEADER SUMMARY("1002", "15", "29", "-22.50")
    ROW("1002", "Order", B, "ItemPrice", "Principal", "7.50", "MFN", "16", "09:00:00")
        ROW("1002", "Refund", A, "ItemPrice", "Principal", "-20.00", "MFN", "18", "10:00:00")
            ROW("1002", "Refund", A, "ItemFees", "Commission", "3.00", "MFN", "18", "12:00:00")
                ROW("1002", "Refund", F, "ItemPrice", "Principal", "-8.00", "MFN", "20", "10:00:00")
                    ROW("1002", "Refund", G, "ItemPrice", "Principal", "-5.00", "AFN", "20",
                        "10:00:00");

static char root[256];
static struct wb_env env;

/* setup - a ledger in a temp dir, the default account, unpaid after 5 days */
static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/wbrecon.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    char path[512];
    snprintf(path, sizeof path, "%s/ledger.db", root);
    memset(&env, 0, sizeof env);
    if (ledger_open(&env.ledger, path) != WB_OK)
        return -1;
    env.cfg.naccounts = 1;
    env.cfg.accounts[0].name = "default";
    env.cfg.settlement_unpaid_days = 5;
    env.cfg.target_settlement_drift = 0;
    env.cfg.target_refund_latency_hours = 48;
    return 0;
}

/* teardown - close, remove the temp dir */
static int teardown(void **state)
{
    (void)state;
    ledger_close(env.ledger);
    unsetenv("WB_FAKE_NOW");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    FILE *f = popen(cmd, "r");
    return f && pclose(f) == 0 ? 0 : -1;
}

/* confirmed - a dispatch row of order the ledger holds as confirmed by Amazon at t */
static void confirmed(const char *order, time_t t)
{
    static long line = 1;
    char now[32], key[64];
    snprintf(now, sizeof now, "%lld", (long long)t);
    setenv("WB_FAKE_NOW", now, 1);
    long long fid = 0;
    if (line == 1)
        assert_int_equal(ledger_file_add(env.ledger, "dispatch", "d.csv", "d1", &fid), WB_OK);
    else
        fid = 1;
    snprintf(key, sizeof key, "%s|1|T%ld", order, line);
    assert_int_equal(
        ledger_row_add(env.ledger, fid, "dispatch", key, ++line, LR_CONFIRMED, "", order, "", NULL),
        WB_OK);
    unsetenv("WB_FAKE_NOW");
}

/* reconcile - read text, reconcile it; reconcile-ID.csv into out (n bytes) */
static void reconcile(const char *text, const char *id, char *out, size_t n)
{
    struct buf err;
    buf_init(&err, 1 << 16);
    struct settlement s;
    struct settlement_recon *p = settlement_recon_new(&err);
    assert_non_null(p);
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(f);
    int rc = settlement_read(&s, f, "GBP", settlement_recon_row, p, &err);
    fclose(f);
    if (rc != WB_OK)
        fail_msg("read: %s", buf_str(&err));
    assert_int_equal(settlement_recon_write(&env, &s, p, &env.cfg.accounts[0], root), WB_OK);
    settlement_free(&s);
    settlement_recon_free(p);
    buf_free(&err);
    char path[512];
    snprintf(path, sizeof path, "%s/reconcile-%s.csv", root, id);
    f = fopen(path, "r");
    assert_non_null(f);
    size_t got = fread(out, 1, n - 1, f);
    out[got] = '\0';
    fclose(f);
}

/* test_reconcile - the findings of two settlements, across them */
static void test_reconcile(void **state)
{
    (void)state;
    static char csv[8192], again[8192];
    confirmed(D, NOV(1) - 12 * 86400);
    confirmed(A, NOV(3));
    confirmed(C, NOV(4));
    confirmed(B, NOV(12));
    reconcile(s1, "1001", csv, sizeof csv);
    assert_string_equal(csv, "settlement_id,order_id,kind,amount,finding\n"
                             "1001,026-0000003-0000003,dispatched-not-paid,,\"dispatch confirmed "
                             "by Amazon on 2026-11-04, paid by no settlement 5 day(s) on\"\n"
                             "1001,026-0000005-0000005,paid-not-dispatched,13.00,\"paid, no "
                             "dispatch received from the WMS\"\n");
    /* a redo (a crash before the file was marked done) writes the same */
    reconcile(s1, "1001", again, sizeof again);
    assert_string_equal(csv, again);

    /* A's return received 11-16 10:00, refunded 11-18 10:00; F's never received */
    struct ledger_receipt r = {.account = "",
                               .file_id = 99,
                               .lineno = 2,
                               .rma = "RMA1",
                               .order_id = A,
                               .sku = "SKU-1",
                               .qty = 1,
                               .disposition = "sellable",
                               .sellable = 1,
                               .received = NOV(16) + 36000};
    assert_int_equal(ledger_receipt_put(env.ledger, &r), WB_OK);
    reconcile(s2, "1002", csv, sizeof csv);
    /* B paid here, A paid in S1: neither unpaid; C still is */
    assert_string_equal(csv, "settlement_id,order_id,kind,amount,finding\n"
                             "1002,026-0000003-0000003,dispatched-not-paid,,\"dispatch confirmed "
                             "by Amazon on 2026-11-04, paid by no settlement 5 day(s) on\"\n"
                             "1002,026-0000006-0000006,refund-without-return,-8.00,\"refunded, "
                             "no return of it received from the WMS\"\n");
}

/* test_figures - drift and refund latency over windows (after test_reconcile) */
static void test_figures(void **state)
{
    (void)state;
    struct health h;
    memset(&h, 0, sizeof h);
    settlement_recon_health(&env, &env.cfg.accounts[0], NOV(1), NOV(30), &h);
    const struct health_figure *d = &h.f[H_SETTLEMENT_DRIFT], *l = &h.f[H_REFUND_LATENCY];
    /* S1 and S2: C (counted once), E, F */
    assert_true(d->configured && d->have);
    assert_true(d->value == 3.0 && d->target == 0.0);
    assert_non_null(strstr(d->detail, "3 finding(s) in 2 settlement(s)"));
    assert_non_null(strstr(d->detail, "1 paid not dispatched, 1 dispatched not paid, 1 refund"));
    /* A refunded 48 h after its return; F without a receipt */
    assert_true(l->configured && l->have);
    assert_true(l->value == 48.0 && l->target == 48.0);
    assert_non_null(strstr(l->detail, "median of 1 refund(s)"));
    assert_non_null(strstr(l->detail, "1 without a return receipt"));

    memset(&h, 0, sizeof h);
    settlement_recon_health(&env, &env.cfg.accounts[0], NOV(16), NOV(30), &h);
    assert_true(d->have && d->value == 2.0); /* S2 only: C, F */

    memset(&h, 0, sizeof h); /* no settlement ended, no refund posted: configured, no value */
    settlement_recon_health(&env, &env.cfg.accounts[0], NOV(1) - 30 * 86400, NOV(1), &h);
    assert_true(d->configured && !d->have && l->configured && !l->have);
    assert_non_null(strstr(d->detail, "no settlement ended"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reconcile),
        cmocka_unit_test(test_figures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
