/*
 * test_flows_table.c - the flow table (flows/flow.c): every row complete, a job per flow in
 * the job table, a layout checked against the vocabulary of the flow it names (the layout
 * engine knows no flow), and `FLOW_layout` settings of the config read generically.
 * Owns only its temporary directory; never touches a spool.
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
#include "flows/flow.h"
#include "flows/flow_jobs.h"
#include "layout/layout.h"

/* check_text - flow_layout_check of a layout text; its findings (malloc'd) */
static char *check_text(const char *text, int *rc)
{
    struct layout *l = NULL;
    struct buf errs;
    buf_init(&errs, 4096);
    assert_int_equal(layout_parse_text(text, strlen(text), "t.layout", &l, &errs), WB_OK);
    *rc = flow_layout_check(l, &errs);
    char *e = strdup(buf_str(&errs));
    layout_free(l);
    buf_free(&errs);
    return e;
}

/* expect_in - assert that hay contains needle */
static void expect_in(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("expected '%s' in '%s'", needle, hay);
}

/* test_rows - every row names itself, its layout, its vocabulary and its hooks; a row with a
 * spool path (open, run, close: all or none) has its job, a row without one has none */
static void test_rows(void **state)
{
    (void)state;
    size_t n;
    const struct flow_def *t = flows(&n);
    assert_true(n >= 1 && n <= CONF_MAX_FLOWS);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].name);
        assert_non_null(t[i].layout_default);
        assert_non_null(t[i].required);
        assert_int_equal(!t[i].open, !t[i].run);
        assert_int_equal(!t[i].open, !t[i].close);
        assert_true(t[i].open || t[i].convert || t[i].fetch);
        if (t[i].direction == FLOW_TO_AMAZON) {
            assert_null(t[i].fetch);
        } else if (t[i].direction == FLOW_FROM_WMS) { /* WMS files in, nothing to Amazon */
            assert_null(t[i].fetch);
            assert_non_null(t[i].open);
        } else { /* an Amazon -> WMS flow's job is its fetch hook */
            assert_null(t[i].open);
            assert_non_null(t[i].fetch);
        }
        assert_ptr_equal(flow_find_convert(t[i].convert_as ? t[i].convert_as : t[i].name), &t[i]);
        assert_ptr_equal(flow_find(t[i].name), &t[i]);
        assert_int_equal(flow_index(&t[i]), i);
        const struct flow_job *j = flow_job_find(t[i].name);
        if (!t[i].open && !t[i].fetch) { /* no spool path: no job */
            assert_null(j);
            continue;
        }
        assert_non_null(j);
        assert_ptr_equal(j->flow, &t[i]);
    }
    assert_null(flow_find("no-such-flow"));
    assert_null(flow_find(NULL));
    const struct flow_job *fp = flow_job_find("feeds-poll");
    assert_non_null(fp);
    assert_null(fp->flow);
}

/* test_vocabulary - a dispatch layout must name exactly the dispatch fields; others pass */
static void test_vocabulary(void **state)
{
    (void)state;
    int rc;
    char *e =
        check_text("name = x\nflow = dispatch\nfield order_id = A\nfield odrer_item = B\n", &rc);
    assert_int_equal(rc, WB_CONFIG);
    expect_in(e, "t.layout: flow dispatch needs 'field sku = <header>'");
    expect_in(e, "flow dispatch needs 'field order_item_id = <header>'");
    expect_in(e, "flow dispatch has no field 'odrer_item'");
    free(e);
    e = check_text("name = x\nflow = dispatch\nfield order_id = A\nfield order_item_id = B\n"
                   "field sku = C\nfield quantity = D\nfield carrier = E\nfield tracking = F\n"
                   "field ship_time = G\nfield ship_method = H\n",
                   &rc);
    assert_int_equal(rc, WB_OK);
    assert_string_equal(e, "");
    free(e);
    e = check_text("name = x\nflow = other\nfield a = A\n", &rc);
    assert_int_equal(rc, WB_OK);
    free(e);
}

/* test_layout_setting - `FLOW_layout` lines are kept by flow name, the default otherwise */
static void test_layout_setting(void **state)
{
    (void)state;
    char dir[] = "/tmp/wbflows.XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const char *const files[] = {"carriers.map", "skus.map", "amazon-carrier-codes.txt"};
    char p[256];
    for (size_t i = 0; i < WB_ARRAY_LEN(files); i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fclose(f);
    }
    snprintf(p, sizeof p, "%s/w.conf", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("merchant_id = M1\ndispatch_layout = dispatch-legacy\nreturns_layout = r1\n", f);
    fclose(f);
    struct wb_config c;
    struct buf errs;
    buf_init(&errs, 4096);
    assert_int_equal(conf_load(&c, p, &errs), WB_OK);
    assert_string_equal(conf_flow_layout(&c, "dispatch", "d"), "dispatch-legacy");
    assert_string_equal(conf_flow_layout(&c, "returns", "d"), "r1");
    assert_string_equal(conf_flow_layout(&c, "orders", "d"), "d");
    assert_string_equal(flow_layout_name(flow_find("dispatch"), &c), "dispatch-legacy");
    struct buf out;
    buf_init(&out, 65536);
    assert_int_equal(conf_show(&c, 1, &out), WB_OK);
    expect_in(buf_str(&out), "dispatch_layout = dispatch-legacy\n");
    buf_free(&out);
    conf_free(&c);
    buf_free(&errs);
    for (size_t i = 0; i < WB_ARRAY_LEN(files); i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/w.conf", dir);
    unlink(p);
    rmdir(dir);
}

/* test_lanes - the default account keeps FLOW, a named one ACCOUNT/FLOW; an account may not
 * take the name of a flow or of a spool state (its lane would be another's directory) */
static void test_lanes(void **state)
{
    (void)state;
    char lane[FLOW_LANE_MAX], why[200];
    struct wb_account dflt = {.name = CONF_DEFAULT_ACCOUNT}, acme = {.name = "acme"};
    assert_int_equal(flow_lane("dispatch", NULL, lane, sizeof lane), WB_OK);
    assert_string_equal(lane, "dispatch");
    assert_int_equal(flow_lane("dispatch", &dflt, lane, sizeof lane), WB_OK);
    assert_string_equal(lane, "dispatch");
    assert_int_equal(flow_lane("dispatch", &acme, lane, sizeof lane), WB_OK);
    assert_string_equal(lane, "acme/dispatch");
    assert_int_equal(flow_lane("dispatch", &acme, lane, 13), WB_TOOBIG);
    char longest[CONF_ACCOUNT_NAME], flow[CONF_FLOW_NAME];
    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    memset(flow, 'f', sizeof flow - 1);
    flow[sizeof flow - 1] = '\0';
    struct wb_account big = {.name = longest};
    assert_int_equal(flow_lane(flow, &big, lane, sizeof lane), WB_OK);
    assert_true(flow_account_name_ok("acme", why, sizeof why));
    assert_true(flow_account_name_ok("Seller-2_eu", why, sizeof why));
    size_t n;
    const struct flow_def *t = flows(&n);
    for (size_t i = 0; i < n; i++) {
        assert_false(flow_account_name_ok(t[i].name, why, sizeof why));
        expect_in(why, "is the name of a flow");
        if (!t[i].in_name)
            continue;
        /* a row with an in_name: its lane is named by it, and no account takes that name */
        assert_false(flow_account_name_ok(t[i].in_name, why, sizeof why));
        assert_int_equal(flow_lane(t[i].name, &acme, lane, sizeof lane), WB_OK);
        assert_true(strncmp(lane, "acme/", 5) == 0 && !strcmp(lane + 5, t[i].in_name));
        assert_true(flow_lane_is(lane, t[i].name, "acme"));
        assert_true(flow_lane_is(t[i].in_name, t[i].name, ""));
    }
    static const char *const states[] = {"in",   "work", "feeds",  "reports", "out",
                                         "sent", "done", "reject", "hold",    "corrupt"};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        assert_false(flow_account_name_ok(states[i], why, sizeof why));
        expect_in(why, "spool state");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_vocabulary),
        cmocka_unit_test(test_layout_setting),
        cmocka_unit_test(test_lanes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
