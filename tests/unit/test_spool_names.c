/*
 * test_spool_names.c - unit tests of the naming rule: no file the program
 * writes or moves replaces another (atomic writes, claims, done/ and reject/
 * names, hard-linked unsafe names), derived names always fit with their
 * ".reason", and the ledger knows a file by its name and content.
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

#include "core/fsutil.h"
#include "core/wb.h"
#include "spool/ledger.h"
#include "spool/spool.h"

static char root[256];

/* setup - fresh temp dir */
static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/wbnames.XXXXXX");
    return mkdtemp(root) ? 0 : -1;
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

/* content - the first bytes of dir/name ("" when missing) */
static const char *content(const char *dir, const char *name)
{
    static char text[64];
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    text[0] = '\0';
    FILE *f = fopen(p, "r");
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    return text;
}

/* count - entries of dir (without . and ..) */
static int count(const char *dir)
{
    char cmd[1024], out[32] = "";
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *f = popen(cmd, "r");
    if (!f || !fgets(out, sizeof out, f))
        out[0] = '\0';
    if (f)
        pclose(f);
    return (int)strtol(out, NULL, 10);
}

/* long_name - a name of len bytes ending in ext, made of c */
static void long_name(char *out, size_t len, char c, const char *ext)
{
    size_t el = strlen(ext);
    memset(out, c, len - el);
    memcpy(out + len - el, ext, el + 1);
}

/* test_commit_never_replaces - an atomic write onto a taken name fails and leaves both intact,
 * except a redo of the step that owns the name */
static void test_commit_never_replaces(void **state)
{
    (void)state;
    assert_int_equal(fs_write_file(root, "a.csv", "first", 5), WB_OK);
    assert_int_equal(fs_write_file(root, "a.csv", "second", 6), WB_EXISTS);
    assert_string_equal(content(root, "a.csv"), "first");
    assert_int_equal(count(root), 1); /* the temp is gone */
    struct afile af;
    assert_int_equal(afile_open_redo(&af, root, "a.csv", 0), WB_OK);
    afile_write(&af, "redo", 4);
    assert_int_equal(afile_commit(&af), WB_OK);
    assert_string_equal(content(root, "a.csv"), "redo");
    assert_int_equal(count(root), 1);
}

/* test_derived_names_fit - derived names keep the extension, fit with ".reason", never cut a
 * UTF-8 sequence */
static void test_derived_names_fit(void **state)
{
    (void)state;
    char name[FS_NAME_MAX + 1], out[256];
    long_name(name, FS_NAME_MAX, 'N', ".csv");
    assert_true(fs_name_ok(name));
    assert_int_equal(spool_derive_name(name, 0, ".12", out, sizeof out), WB_OK);
    assert_int_equal(strlen(out), SPOOL_NAME_MAX);
    assert_int_equal(strcmp(out + strlen(out) - 7, ".csv.12"), 0);
    assert_int_equal(spool_derive_name(name, 1, "-rejects-42.csv", out, sizeof out), WB_OK);
    assert_int_equal(strcmp(out + strlen(out) - 15, "-rejects-42.csv"), 0);
    assert_true(strlen(out) <= SPOOL_NAME_MAX);
    /* a 2-byte character across the cut: dropped whole */
    memset(name, 'x', sizeof name);
    memcpy(name + SPOOL_NAME_MAX - 7, "\xc3\xa9", 2);
    strcpy(name + FS_NAME_MAX - 4, ".csv");
    assert_int_equal(spool_derive_name(name, 0, ".1", out, sizeof out), WB_OK);
    assert_int_equal(strlen(out), SPOOL_NAME_MAX - 1);
    assert_string_equal(out + strlen(out) - 7, "x.csv.1");
    char reason[300];
    snprintf(reason, sizeof reason, "%s.reason", out);
    assert_true(fs_name_ok(reason));
}

/* test_claims_take_free_names - a second file of one name is claimed beside the first, a
 * 200-byte name twice reaches done/, a name whose .reason is taken is not given */
static void test_claims_take_free_names(void **state)
{
    (void)state;
    struct spool s;
    char in[1024], work[1024], rej[1024], cl[256], name[FS_NAME_MAX + 1];
    assert_int_equal(spool_open(&s, root), WB_OK);
    assert_int_equal(spool_ensure_flow(&s, "dispatch"), WB_OK);
    spool_dir(&s, SP_IN, "dispatch", in, sizeof in);
    spool_dir(&s, SP_WORK, "dispatch", work, sizeof work);
    spool_dir(&s, SP_REJECT, "dispatch", rej, sizeof rej);
    assert_int_equal(fs_write_file(in, "dispatch.csv", "one", 3), WB_OK);
    assert_int_equal(spool_claim(&s, "dispatch", "dispatch.csv", cl, sizeof cl), WB_OK);
    assert_string_equal(cl, "dispatch.csv");
    assert_int_equal(fs_write_file(in, "dispatch.csv", "two", 3), WB_OK);
    assert_int_equal(spool_claim(&s, "dispatch", "dispatch.csv", cl, sizeof cl), WB_OK);
    assert_string_equal(cl, "dispatch.csv.1");
    assert_string_equal(content(work, "dispatch.csv"), "one");
    assert_string_equal(content(work, "dispatch.csv.1"), "two");
    /* 200 bytes, twice, through work/ to done/ */
    long_name(name, FS_NAME_MAX, 'L', ".csv");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(fs_write_file(in, name, i ? "b" : "a", 1), WB_OK);
        assert_int_equal(spool_claim(&s, "dispatch", name, cl, sizeof cl), WB_OK);
        assert_true(strlen(cl) <= SPOOL_NAME_MAX);
        assert_int_equal(spool_finish(&s, "dispatch", cl), WB_OK);
    }
    /* reject/ gives no name whose .reason is taken (a reason left behind) */
    assert_int_equal(fs_write_file(rej, "x.csv.reason", "old", 3), WB_OK);
    assert_int_equal(fs_write_file(in, "x.csv", "x", 1), WB_OK);
    assert_int_equal(spool_claim(&s, "dispatch", "x.csv", cl, sizeof cl), WB_OK);
    assert_int_equal(spool_reject_file(&s, "dispatch", "x.csv", "E_FILE", "bad"), WB_OK);
    assert_string_equal(content(rej, "x.csv.1"), "x");
    assert_string_equal(content(rej, "x.csv.reason"), "old");
    spool_close(&s);
}

/* test_lanes - a named account's lane is its own subtree of every state: ACCOUNT/FLOW, the
 * default account's is FLOW; done/ dates the lane; anything else is refused */
static void test_lanes(void **state)
{
    (void)state;
    struct spool s;
    char in[1024], work[1024], done[1024], dflt[1024], cl[256];
    long swept = 0;
    assert_int_equal(spool_open(&s, root), WB_OK);
    assert_int_equal(spool_ensure_flow(&s, "acme/dispatch"), WB_OK);
    assert_int_equal(spool_ensure_flow(&s, "dispatch"), WB_OK);
    assert_int_equal(spool_dir(&s, SP_IN, "acme/dispatch", in, sizeof in), WB_OK);
    assert_int_equal(spool_dir(&s, SP_WORK, "acme/dispatch", work, sizeof work), WB_OK);
    assert_int_equal(spool_dir(&s, SP_IN, "dispatch", dflt, sizeof dflt), WB_OK);
    char want[1024];
    snprintf(want, sizeof want, "%s/in/acme/dispatch", root);
    assert_string_equal(in, want);
    assert_int_equal(fs_write_file(in, "a.csv", "acme", 4), WB_OK);
    assert_int_equal(fs_write_file(dflt, "a.csv", "dflt", 4), WB_OK);
    assert_int_equal(spool_claim(&s, "acme/dispatch", "a.csv", cl, sizeof cl), WB_OK);
    assert_string_equal(cl, "a.csv"); /* the default account's a.csv is no other lane's */
    assert_string_equal(content(work, "a.csv"), "acme");
    assert_string_equal(content(dflt, "a.csv"), "dflt");
    assert_int_equal(spool_finish(&s, "acme/dispatch", "a.csv"), WB_OK);
    assert_int_equal(spool_dir(&s, SP_DONE, "acme/dispatch", done, sizeof done), WB_OK);
    assert_non_null(strstr(done, "/done/"));
    assert_int_equal(strcmp(done + strlen(done) - 14, "/acme/dispatch"), 0);
    assert_string_equal(content(done, "a.csv"), "acme");
    /* a killed writer's temp in an account's out/ lane is swept like the default's */
    char out[1024];
    assert_int_equal(spool_dir(&s, SP_OUT, "acme/dispatch", out, sizeof out), WB_OK);
    assert_int_equal(fs_write_file(out, ".x.csv.99999999.1.tmp", "t", 1), WB_OK);
    assert_int_equal(spool_sweep_temps(&s, &swept), WB_OK);
    assert_int_equal(swept, 1);
    static const char *const bad[] = {"",
                                      "/dispatch",
                                      "acme/",
                                      "acme/dispatch/x",
                                      "../dispatch",
                                      "acme/../dispatch",
                                      "a b/dispatch",
                                      "acme/Dispatch",
                                      "Dispatch",
                                      "a/b/c"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(spool_dir(&s, SP_IN, bad[i], in, sizeof in), WB_BADARG);
    assert_int_equal(spool_dir(&s, SP_IN, "Acme-2_x/dispatch", in, sizeof in), WB_OK);
    spool_close(&s);
}

static int odd_moved;

/* odd_cb - count names set aside */
static void odd_cb(void *arg, const char *name, const char *moved_to, int status)
{
    (void)arg;
    (void)name;
    if (moved_to && status == WB_OK)
        odd_moved++;
}

/* test_hard_linked_unsafe_names - two unsafe names of one inode each get a name in reject/ */
static void test_hard_linked_unsafe_names(void **state)
{
    (void)state;
    struct spool s;
    char in[1024], rej[1024], a[1100], b[1100];
    assert_int_equal(spool_open(&s, root), WB_OK);
    assert_int_equal(spool_ensure_flow(&s, "dispatch"), WB_OK);
    spool_dir(&s, SP_IN, "dispatch", in, sizeof in);
    spool_dir(&s, SP_REJECT, "dispatch", rej, sizeof rej);
    snprintf(a, sizeof a, "%s/-a.csv", in);
    snprintf(b, sizeof b, "%s/-b.csv", in);
    FILE *f = fopen(a, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
    assert_int_equal(link(a, b), 0);
    odd_moved = 0;
    assert_int_equal(spool_sweep_odd(&s, "dispatch", 0, time(NULL), odd_cb, NULL), WB_OK);
    assert_int_equal(odd_moved, 2);
    assert_int_equal(count(in), 0);
    assert_int_equal(count(rej), 4); /* two files, two reasons */
    spool_close(&s);
}

/* test_ledger_identity - a file is found by name and content; the record before another */
static void test_ledger_identity(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/ledger.db", root);
    struct ledger *l;
    assert_int_equal(ledger_open(&l, path), WB_OK);
    long long a, b;
    assert_int_equal(ledger_file_add(l, "dispatch", "dispatch.csv", "d1", &a), WB_OK);
    assert_int_equal(ledger_file_set_state(l, a, LF_DONE), WB_OK);
    assert_int_equal(ledger_file_add(l, "dispatch", "dispatch.csv", "d2", &b), WB_OK);
    struct ledger_file f;
    assert_int_equal(ledger_file_by_identity(l, "dispatch", "dispatch.csv", "d1", &f), WB_OK);
    assert_int_equal(f.id, a);
    assert_int_equal(f.state, LF_DONE);
    assert_int_equal(ledger_file_by_identity(l, "dispatch", "dispatch.csv", "d3", &f), WB_NOTFOUND);
    assert_int_equal(ledger_file_before(l, "dispatch", "dispatch.csv", b, &f), WB_OK);
    assert_int_equal(f.id, a);
    assert_int_equal(ledger_file_before(l, "dispatch", "dispatch.csv", a, &f), WB_NOTFOUND);
    long long rid;
    assert_int_equal(ledger_row_add(l, a, "dispatch", "k1", 2, LR_PENDING, "", "", "raw2", &rid),
                     WB_OK);
    assert_int_equal(ledger_file_has_line(l, a, 2, "raw2"), WB_OK);
    assert_int_equal(ledger_file_has_line(l, a, 2, "raw2-longer"), WB_NOTFOUND);
    assert_int_equal(ledger_file_has_line(l, a, 3, "raw2"), WB_NOTFOUND);
    ledger_close(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_never_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_derived_names_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claims_take_free_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lanes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hard_linked_unsafe_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ledger_identity, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
