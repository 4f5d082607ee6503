/*
 * test_flows_inventory_cadence.c - the inventory cadence rule (flows/inventory_cadence.c): a
 * SKU is fast by the list or by its units sold per day over the velocity days (per account);
 * a slow SKU's rise waits until its last publication is inventory_slow_minutes old; a fall, a
 * SKU never published and a fast SKU's change never wait; a deferred row is not taken into a
 * feed before it is due and is taken after (ledger_rows_pending, ledger_pending_stats), and the
 * daemon's wake-up for the job is its due time (flow_job_when). Owns a temp dir with a ledger.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/wb.h"
#include "flows/env.h"
#include "flows/flow_jobs.h"
#include "flows/inventory_cadence.h"
#include "maps/strmap.h"
#include "spool/ledger.h"

static char root[256];
static struct ledger *lg;
static struct wb_config cfg;

#define T0 1900000000L

/* setup - a ledger in a temp dir, the cadence settings on (slow: an hour) */
static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/wbcadence.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    char path[512];
    snprintf(path, sizeof path, "%s/ledger.db", root);
    if (ledger_open(&lg, path) != WB_OK)
        return -1;
    memset(&cfg, 0, sizeof cfg);
    cfg.inventory_slow_minutes = 60;
    cfg.inventory_fast_units_per_day = 2;
    cfg.inventory_velocity_days = 7;
    return 0;
}

/* teardown - close and remove */
static int teardown(void **state)
{
    (void)state;
    ledger_close(lg);
    unsetenv("WB_FAKE_NOW");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    FILE *f = popen(cmd, "r");
    return f && pclose(f) == 0 ? 0 : -1;
}

/* list - a fast list from text */
static struct strmap *list(const char *text)
{
    struct strmap *m = NULL;
    struct buf err;
    buf_init(&err, 4096);
    assert_int_equal(inventory_cadence_list_parse("fast.list", text, strlen(text), &m, &err),
                     WB_OK);
    buf_free(&err);
    return m;
}

/* test_fast_by_list - a listed SKU's rise goes at once, an unlisted one's waits */
static void test_fast_by_list(void **state)
{
    (void)state;
    struct strmap *m = list("# fast movers\nSKU-F\n  SKU-G  \n");
    struct inventory_cadence c;
    cfg.inventory_fast_units_per_day = 0;
    assert_int_equal(inventory_cadence_init(&c, &cfg, m, lg, "", T0), WB_OK);
    assert_int_equal(inventory_cadence_class(&c, "SKU-F"), INV_FAST);
    assert_int_equal(inventory_cadence_class(&c, "SKU-G"), INV_FAST);
    assert_int_equal(inventory_cadence_class(&c, "SKU-S"), INV_SLOW);
    assert_int_equal(inventory_cadence_due(&c, "SKU-F", 5, T0 - 60, 9), 0);
    assert_int_equal(inventory_cadence_due(&c, "SKU-S", 5, T0 - 60, 9), T0 - 60 + 3600);
    inventory_cadence_free(&c);
    strmap_free(m);
    /* a SKU with a blank inside is no seller SKU: the list is refused */
    struct strmap *bad = NULL;
    struct buf err;
    buf_init(&err, 4096);
    const char *t = "SKU A\n";
    assert_int_equal(inventory_cadence_list_parse("fast.list", t, strlen(t), &bad, &err),
                     WB_CONFIG);
    assert_null(bad);
    assert_non_null(strstr(buf_str(&err), "fast.list:1:"));
    buf_free(&err);
}

/* order - an order of account written to the WMS at when with units of sku */
static void order(const char *account, const char *id, const char *sku, long units, long when)
{
    char t[32];
    snprintf(t, sizeof t, "%ld", when);
    setenv("WB_FAKE_NOW", t, 1);
    struct ledger_order o = {.state = LO_WRITTEN, .updated = 1};
    snprintf(o.order_id, sizeof o.order_id, "%s", id);
    snprintf(o.account, sizeof o.account, "%s", account);
    assert_int_equal(ledger_order_put(lg, &o), WB_OK);
    assert_int_equal(ledger_order_units_put(lg, account, id, sku, units), WB_OK);
}

/* test_fast_by_rate - a SKU selling 2 units a day over the last 7 days (14) is fast; fewer, or
 * sold before the window, or by another account, is slow */
static void test_fast_by_rate(void **state)
{
    (void)state;
    order("", "O-1", "SKU-R", 10, T0 - 86400);
    order("", "O-2", "SKU-R", 4, T0 - 6 * 86400);
    order("", "O-3", "SKU-L", 13, T0 - 3600);
    order("", "O-4", "SKU-OLD", 50, T0 - 8 * 86400);
    order("acme", "O-5", "SKU-A", 30, T0 - 3600);
    struct inventory_cadence c;
    assert_int_equal(inventory_cadence_init(&c, &cfg, NULL, lg, "", T0), WB_OK);
    assert_int_equal(inventory_cadence_class(&c, "SKU-R"), INV_FAST);
    assert_int_equal(inventory_cadence_class(&c, "SKU-L"), INV_SLOW);
    assert_int_equal(inventory_cadence_class(&c, "SKU-OLD"), INV_SLOW);
    assert_int_equal(inventory_cadence_class(&c, "SKU-A"), INV_SLOW);
    assert_int_equal(inventory_cadence_due(&c, "SKU-R", 1, T0 - 60, 20), 0);
    assert_int_equal(inventory_cadence_due(&c, "SKU-L", 1, T0 - 60, 20), T0 - 60 + 3600);
    inventory_cadence_free(&c);
    assert_int_equal(inventory_cadence_init(&c, &cfg, NULL, lg, "acme", T0), WB_OK);
    assert_int_equal(inventory_cadence_class(&c, "SKU-A"), INV_FAST);
    assert_int_equal(inventory_cadence_class(&c, "SKU-R"), INV_SLOW);
    inventory_cadence_free(&c);
}

/* test_slow_deferred - a slow SKU's rise waits until its last publication is an hour old, and
 * not once it is; with inventory_slow_minutes 0 nothing waits */
static void test_slow_deferred(void **state)
{
    (void)state;
    struct inventory_cadence c;
    assert_int_equal(inventory_cadence_init(&c, &cfg, NULL, lg, "", T0), WB_OK);
    assert_int_equal(inventory_cadence_due(&c, "SKU-S", 3, T0 - 600, 4), T0 + 3000);
    assert_int_equal(inventory_cadence_due(&c, "SKU-S", 3, T0 - 3600, 4), 0);
    assert_int_equal(inventory_cadence_due(&c, "SKU-S", 3, T0 - 7200, 4), 0);
    inventory_cadence_free(&c);
    cfg.inventory_slow_minutes = 0;
    assert_int_equal(inventory_cadence_init(&c, &cfg, NULL, lg, "", T0), WB_OK);
    assert_int_equal(inventory_cadence_due(&c, "SKU-S", 3, T0 - 600, 4), 0);
    inventory_cadence_free(&c);
}

/* test_decrease_never_deferred - a fall (to 0 or not), the quantity Amazon has already, and a
 * SKU never published go at once, however recent the last publication */
static void test_decrease_never_deferred(void **state)
{
    (void)state;
    struct inventory_cadence c;
    assert_int_equal(inventory_cadence_init(&c, &cfg, NULL, lg, "", T0), WB_OK);
    assert_int_equal(inventory_cadence_due(&c, "SKU-S", 8, T0 - 60, 7), 0);
    assert_int_equal(inventory_cadence_due(&c, "SKU-S", 8, T0 - 60, 0), 0);
    assert_int_equal(inventory_cadence_due(&c, "SKU-S", 8, T0 - 60, 8), 0);
    assert_int_equal(inventory_cadence_due(&c, "SKU-NEW", -1, 0, 8), 0);
    inventory_cadence_free(&c);
}

static long npending;

/* pending_cb - count the rows a feed would take */
static int pending_cb(void *arg, const struct ledger_row_view *r)
{
    (void)arg;
    (void)r;
    npending++;
    return WB_OK;
}

/* test_deferred_published_later - a deferred row is no feed's before it is due, and is one's
 * after; the job's wake-up time is its due time plus the batch window */
static void test_deferred_published_later(void **state)
{
    (void)state;
    char t[32];
    snprintf(t, sizeof t, "%ld", T0);
    setenv("WB_FAKE_NOW", t, 1);
    long long file_id, fast_id, slow_id;
    assert_int_equal(ledger_file_add(lg, "inventory", "s1.csv", "d1", &file_id), WB_OK);
    assert_int_equal(ledger_row_add(lg, file_id, "inventory", "1:SKU-F", 0, LR_PENDING, "5",
                                    "SKU-F", "", &fast_id),
                     WB_OK);
    assert_int_equal(ledger_row_add(lg, file_id, "inventory", "1:SKU-S", 0, LR_PENDING, "9",
                                    "SKU-S", "", &slow_id),
                     WB_OK);
    assert_int_equal(ledger_row_defer(lg, slow_id, T0 + 3000), WB_OK);
    long count;
    time_t oldest;
    npending = 0;
    assert_int_equal(ledger_rows_pending(lg, "inventory", 100, pending_cb, NULL), WB_OK);
    assert_int_equal(npending, 1);
    assert_int_equal(ledger_pending_stats(lg, "inventory", &count, &oldest), WB_OK);
    assert_int_equal(count, 1);
    assert_int_equal(oldest, T0);
    /* the fast one goes: only the deferred one is pending; nothing is due, the job wakes then */
    assert_int_equal(ledger_row_confirm(lg, fast_id, NULL), WB_OK);
    assert_int_equal(ledger_pending_stats(lg, "inventory", &count, &oldest), WB_OK);
    assert_int_equal(count, 0);
    assert_int_equal(oldest, T0 + 3000);
    npending = 0;
    assert_int_equal(ledger_rows_pending(lg, "inventory", 100, pending_cb, NULL), WB_OK);
    assert_int_equal(npending, 0);
    /* the daemon runs the job when it falls due (and its batch window has passed) */
    static struct wb_env env;
    env.cfg.naccounts = 1;
    env.cfg.accounts[0].name = "default";
    env.cfg.batch_window_seconds = 120;
    env.ledger = lg;
    const struct flow_job *j = flow_job_find("inventory");
    assert_non_null(j);
    time_t when;
    assert_int_equal(flow_job_when(&env, j, T0, &when), WB_OK);
    assert_int_equal(when, T0 + 3000 + 120);
    /* at its due time it is taken */
    snprintf(t, sizeof t, "%ld", T0 + 3000);
    setenv("WB_FAKE_NOW", t, 1);
    assert_int_equal(ledger_pending_stats(lg, "inventory", &count, &oldest), WB_OK);
    assert_int_equal(count, 1);
    npending = 0;
    assert_int_equal(ledger_rows_pending(lg, "inventory", 100, pending_cb, NULL), WB_OK);
    assert_int_equal(npending, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fast_by_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fast_by_rate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decrease_never_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deferred_published_later, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
