/*
 * test_flows_outflow.c - unit tests of the outbound intake (outflow_intake):
 * crash recovery - a file left in work/ by a crash is put back on its path
 * before new work is taken: claimed but not parsed (ledger state claimed, or
 * no record at all) is parsed exactly once, a parsed one is not parsed again,
 * a rejected or duplicate one goes to reject/ - and the exactly-once guard: a
 * row whose business key is already live (sent in another file, or earlier in
 * the same file) is rejected, never queued a second time. Runs over a spool
 * and a ledger of its own with a minimal flow (key = order id).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/fsutil.h"
#include "core/wb.h"
#include "flows/outflow.h"
#include "layout/layout.h"
#include "spool/ledger.h"
#include "spool/spool.h"

#define LAYOUT_TEXT                                                                                \
    "name = recover\nflow = dispatch\n"                                                            \
    "field order_id = amazon_order_id\nfield order_item_id = order_item_id\nfield sku = sku\n"     \
    "field quantity = quantity\nfield carrier = carrier_service\n"                                 \
    "field tracking = tracking_number\nfield ship_time = ship_time\n"
#define CSV_TEXT                                                                                   \
    "amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time\n"       \
    "111-0000001-0000001,11,SKU1,1,Royal Mail,T1,2026-01-01T10:00:00Z\n"                           \
    "111-0000001-0000002,12,SKU2,2,Royal Mail,T2,2026-01-01T10:00:00Z\n"
#define CSV_AGAIN_TEXT                                                                             \
    "amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time\n"       \
    "111-0000001-0000003,13,SKU3,1,Royal Mail,T3,2026-01-01T10:00:00Z\n"                           \
    "111-0000001-0000002,12,SKU2,2,Royal Mail,T2,2026-01-01T10:00:00Z\n"                           \
    "111-0000001-0000004,14,SKU4,1,Royal Mail,T4,2026-01-01T10:00:00Z\n"                           \
    "111-0000001-0000004,14,SKU4,1,Royal Mail,T4,2026-01-01T10:00:00Z\n"

static char root[256];
static struct spool sp;
static struct ledger *lg;
static struct layout *lay;
static struct outflow of;
static struct wb_config cfg;

/* classify - key and group: the order id; payload: the line */
static int classify(void *arg, int read_rc, const struct csvr_row *row, struct outflow_verdict *v)
{
    (void)arg;
    if (read_rc != WB_OK) {
        snprintf(v->code, sizeof v->code, "E_ROW");
        snprintf(v->reason, sizeof v->reason, "unreadable");
        return WB_PERMFAIL;
    }
    snprintf(v->key, sizeof v->key, "%s", csvr_field(row, 0));
    snprintf(v->group, sizeof v->group, "%s", csvr_field(row, 0));
    return buf_appends(&v->payload, "p");
}

/* setup - a spool, a ledger and the flow in a temp dir */
static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/wbrecover.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    struct buf errs;
    buf_init(&errs, 4096);
    int rc = layout_parse_text(LAYOUT_TEXT, strlen(LAYOUT_TEXT), "recover.layout", &lay, &errs);
    buf_free(&errs);
    if (rc != WB_OK || spool_open(&sp, root) != WB_OK || spool_ensure_flow(&sp, "dispatch"))
        return -1;
    char path[512];
    snprintf(path, sizeof path, "%s/ledger.db", root);
    if (ledger_open(&lg, path) != WB_OK)
        return -1;
    memset(&of, 0, sizeof of);
    of.flow = "dispatch";
    of.feed_type = "POST_ORDER_FULFILLMENT_DATA";
    of.layout = lay;
    of.classify = classify;
    memset(&cfg, 0, sizeof cfg);
    cfg.settle_seconds = 0;
    return 0;
}

/* teardown - close everything, remove the temp dir */
static int teardown(void **state)
{
    (void)state;
    ledger_close(lg);
    spool_close(&sp);
    layout_free(lay);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    FILE *f = popen(cmd, "r");
    return f && pclose(f) == 0 ? 0 : -1;
}

/* put - write a file into a state dir of dispatch */
static void put(enum spool_state st, const char *name, const char *text)
{
    char dir[1024];
    assert_int_equal(spool_dir(&sp, st, "dispatch", dir, sizeof dir), WB_OK);
    assert_int_equal(fs_write_file(dir, name, text, strlen(text)), WB_OK);
}

/* put_work - write a file straight into work/dispatch (as a crash after the claim leaves it) */
static void put_work(const char *name)
{
    put(SP_WORK, name, CSV_TEXT);
}

/* in_state - 1 if state dir of dispatch holds name */
static int in_state(enum spool_state st, const char *name)
{
    char dir[1024], p[1400];
    assert_int_equal(spool_dir(&sp, st, "dispatch", dir, sizeof dir), WB_OK);
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat sb;
    return lstat(p, &sb) == 0;
}

/* pending - pending rows of dispatch */
static long pending(void)
{
    long n = -1;
    time_t oldest;
    assert_int_equal(ledger_pending_stats(lg, "dispatch", &n, &oldest), WB_OK);
    return n;
}

/* add_record - a ledger record of a claimed file in a state */
static long long add_record(const char *name, int state)
{
    long long id;
    char digest[65]; /* a record knows its file by name and content, as intake records it */
    assert_int_equal(fs_sha256_buf(CSV_TEXT, strlen(CSV_TEXT), digest), WB_OK);
    assert_int_equal(ledger_file_add(lg, "dispatch", name, digest, &id), WB_OK);
    if (state != LF_CLAIMED)
        assert_int_equal(ledger_file_set_state(lg, id, state), WB_OK);
    return id;
}

/* test_claimed_file_parsed_on_restart - claimed and recorded, not parsed: parsed once */
static void test_claimed_file_parsed_on_restart(void **state)
{
    (void)state;
    put_work("a.csv");
    long long id = add_record("a.csv", LF_CLAIMED);
    struct outflow_stats st;
    memset(&st, 0, sizeof st);
    assert_int_equal(outflow_intake(&of, &cfg, &sp, lg, &st), WB_OK);
    struct ledger_file f;
    assert_int_equal(ledger_file_get(lg, id, &f), WB_OK);
    assert_int_equal(f.state, LF_PARSED);
    assert_int_equal(pending(), 2);
    assert_int_equal(st.good, 2);
    assert_true(in_state(SP_WORK, "a.csv")); /* parsed files wait in work/ until settled */
    /* a second start finds it parsed: nothing is read twice */
    memset(&st, 0, sizeof st);
    assert_int_equal(outflow_intake(&of, &cfg, &sp, lg, &st), WB_OK);
    assert_int_equal(st.files, 0);
    assert_int_equal(pending(), 2);
}

/* test_unrecorded_file_parsed_on_restart - claimed before its record was made: parsed once */
static void test_unrecorded_file_parsed_on_restart(void **state)
{
    (void)state;
    put_work("b.csv");
    struct outflow_stats st;
    memset(&st, 0, sizeof st);
    assert_int_equal(outflow_intake(&of, &cfg, &sp, lg, &st), WB_OK);
    struct ledger_file f;
    assert_int_equal(ledger_file_by_name(lg, "dispatch", "b.csv", &f), WB_OK);
    assert_int_equal(f.state, LF_PARSED);
    assert_int_equal(pending(), 2);
}

/* test_rejected_file_moved_on_restart - recorded as rejected: it goes to reject/ */
static void test_rejected_file_moved_on_restart(void **state)
{
    (void)state;
    put_work("c.csv");
    add_record("c.csv", LF_REJECTED);
    put_work("d.csv");
    add_record("d.csv", LF_DUPLICATE);
    struct outflow_stats st;
    memset(&st, 0, sizeof st);
    assert_int_equal(outflow_intake(&of, &cfg, &sp, lg, &st), WB_OK);
    assert_false(in_state(SP_WORK, "c.csv"));
    assert_true(in_state(SP_REJECT, "c.csv"));
    assert_false(in_state(SP_WORK, "d.csv"));
    assert_true(in_state(SP_REJECT, "d.csv"));
    assert_int_equal(pending(), 0);
}

/* reject_has - 1 if reject/dispatch/name holds text */
static int reject_has(const char *name, const char *text)
{
    char dir[1024], p[1400];
    assert_int_equal(spool_dir(&sp, SP_REJECT, "dispatch", dir, sizeof dir), WB_OK);
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct buf b;
    buf_init(&b, 1 << 20);
    int ok = fs_read_file(p, &b) == WB_OK && strstr(buf_str(&b), text) != NULL;
    buf_free(&b);
    return ok;
}

/* test_key_already_live_rejected - a row already received (in another file or earlier in the
 * same file) is rejected and never queued again; the other rows of the file go on */
static void test_key_already_live_rejected(void **state)
{
    (void)state;
    put(SP_IN, "a.csv", CSV_TEXT);
    struct outflow_stats st;
    memset(&st, 0, sizeof st);
    assert_int_equal(outflow_intake(&of, &cfg, &sp, lg, &st), WB_OK);
    assert_int_equal(pending(), 2);
    put(SP_IN, "b.csv", CSV_AGAIN_TEXT);
    memset(&st, 0, sizeof st);
    assert_int_equal(outflow_intake(&of, &cfg, &sp, lg, &st), WB_OK);
    assert_int_equal(st.good, 2);
    assert_int_equal(st.rejected, 2);
    assert_int_equal(pending(), 4);
    struct ledger_file f;
    assert_int_equal(ledger_file_by_name(lg, "dispatch", "b.csv", &f), WB_OK);
    assert_int_equal(f.state, LF_PARSED);
    struct ledger_row r;
    assert_int_equal(ledger_row_find(lg, "dispatch", "111-0000001-0000002", &r), WB_OK);
    assert_int_not_equal(r.file_id, f.id); /* the live row is still the first file's */
    char rname[64];
    snprintf(rname, sizeof rname, "b-rejects-%lld.csv", f.id);
    assert_true(reject_has(rname, "E_ALREADY_SENT"));
    assert_true(reject_has(rname, "E_DUPLICATE_ROW"));
    long counts[5];
    assert_int_equal(ledger_row_counts(lg, "dispatch", counts), WB_OK);
    assert_int_equal(counts[LR_PENDING], 4);
    assert_int_equal(counts[LR_REJECTED], 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_claimed_file_parsed_on_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unrecorded_file_parsed_on_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_file_moved_on_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_already_live_rejected, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
