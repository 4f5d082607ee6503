/*
 * test_flows_sftp.c - which remote entries the SFTP pull takes, without a
 * server: unsafe names, temp names, patterns, symlinks and other
 * non-regular files, done markers, min_age and the two-listing stability
 * check (sftp_xfer_select). Pure: no network, no files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/wb.h"
#include "flows/sftp_xfer.h"

#define NOW 1000000LL

/* remote - a pull remote with pattern, marker suffix and min_age */
static struct wb_remote remote(char *pattern, char *suffix, long min_age)
{
    struct wb_remote r;
    memset(&r, 0, sizeof r);
    r.name = "wms";
    r.pattern = pattern;
    r.done_suffix = suffix;
    r.min_age = min_age;
    return r;
}

/* entry - a regular file listed with size and age */
static struct sftp_entry entry(const char *name, long long size, long long age)
{
    struct sftp_entry e;
    memset(&e, 0, sizeof e);
    snprintf(e.name, sizeof e.name, "%s", name);
    e.size = size;
    e.mtime = NOW - age;
    e.is_regular = 1;
    return e;
}

/* verdict - select with the entry as its own previous listing */
static int verdict(const struct wb_remote *r, const struct sftp_entry *e, int marker)
{
    const char *why;
    return sftp_xfer_select(r, e, e, marker, NOW, &why);
}

/* test_unsafe_names - separators, traversal, leading '-', control chars are refused */
static void test_unsafe_names(void **state)
{
    (void)state;
    struct wb_remote r = remote("*", "", 0);
    const char *bad[] = {"../etc/passwd", "a/b.csv",    "-rf",         "-n.csv", "bad\nname.csv",
                         "tab\tname",     "esc\033[2J", "back\\slash", "..",     "...x"};
    for (size_t i = 0; i < WB_ARRAY_LEN(bad); i++) {
        struct sftp_entry e = entry(bad[i], 10, 100);
        int v = verdict(&r, &e, 0);
        if (strcmp(bad[i], "..") == 0)
            assert_int_equal(v, SFTP_SKIP);
        else
            assert_int_equal(v, SFTP_REFUSE);
    }
    struct sftp_entry ok = entry("dispatch_2026-11-23.csv", 10, 100);
    assert_int_equal(verdict(&r, &ok, 0), SFTP_TAKE);
}

/* test_temp_names - dot names and .tmp/.part are waited for, never taken */
static void test_temp_names(void **state)
{
    (void)state;
    struct wb_remote r = remote("*", "", 0);
    const char *tmp[] = {".x.csv", "x.csv.part", "x.csv.tmp", "x.csv.filepart", "x~"};
    for (size_t i = 0; i < WB_ARRAY_LEN(tmp); i++) {
        struct sftp_entry e = entry(tmp[i], 10, 100);
        assert_int_equal(verdict(&r, &e, 0), SFTP_WAIT);
    }
}

/* test_types_and_pattern - symlinks and devices refused, dirs and non-matching skipped */
static void test_types_and_pattern(void **state)
{
    (void)state;
    struct wb_remote r = remote("*.csv", "", 0);
    struct sftp_entry e = entry("x.txt", 10, 100);
    assert_int_equal(verdict(&r, &e, 0), SFTP_SKIP);
    e = entry("l.csv", 10, 100);
    e.is_regular = 0;
    e.is_symlink = 1;
    assert_int_equal(verdict(&r, &e, 0), SFTP_REFUSE);
    e = entry("fifo.csv", 0, 100);
    e.is_regular = 0;
    assert_int_equal(verdict(&r, &e, 0), SFTP_REFUSE);
    e = entry("sub.csv", 0, 100);
    e.is_regular = 0;
    e.is_dir = 1;
    assert_int_equal(verdict(&r, &e, 0), SFTP_SKIP);
    e = entry("nosize.csv", -1, 100);
    assert_int_equal(verdict(&r, &e, 0), SFTP_REFUSE);
}

/* test_markers_age_stability - done marker, min_age and unchanged size/mtime are required */
static void test_markers_age_stability(void **state)
{
    (void)state;
    struct wb_remote r = remote("*", ".done", 5);
    struct sftp_entry e = entry("a.csv", 10, 100);
    assert_int_equal(verdict(&r, &e, 0), SFTP_WAIT);
    assert_int_equal(verdict(&r, &e, 1), SFTP_TAKE);
    struct sftp_entry m = entry("a.csv.done", 0, 100);
    assert_int_equal(verdict(&r, &m, 0), SFTP_SKIP);
    struct sftp_entry young = entry("b.csv", 10, 2);
    assert_int_equal(verdict(&r, &young, 1), SFTP_WAIT);
    const char *why;
    struct sftp_entry before = entry("c.csv", 8, 100);
    struct sftp_entry after = entry("c.csv", 10, 100);
    assert_int_equal(sftp_xfer_select(&r, &after, &before, 1, NOW, &why), SFTP_WAIT);
    assert_string_equal(why, "still changing");
    assert_int_equal(sftp_xfer_select(&r, &after, NULL, 1, NOW, &why), SFTP_WAIT);
    before = entry("c.csv", 10, 100);
    assert_int_equal(sftp_xfer_select(&r, &after, &before, 1, NOW, &why), SFTP_TAKE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unsafe_names),
        cmocka_unit_test(test_temp_names),
        cmocka_unit_test(test_types_and_pattern),
        cmocka_unit_test(test_markers_age_stability),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
