/*
 * test_core_fsutil.c - unit tests of the durable moves: a move never replaces
 * a file already at its target name (within one directory and across two),
 * leaves both files as they were and says WB_EXISTS; a move to a free name
 * takes the file there and nowhere else; the modes of what the program creates
 * (directories exactly as asked whatever the umask) and "permission denied".
 * The order of the system calls of every atomic write and move (fsync of the
 * file, rename, fsync of the directory) is held by tests/integration/durability.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/wb.h"

static char root[256], dir_a[300], dir_b[300];

/* setup - two fresh directories */
static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/wbfsutil.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(dir_a, sizeof dir_a, "%s/a", root);
    snprintf(dir_b, sizeof dir_b, "%s/b", root);
    return mkdir(dir_a, 0700) == 0 && mkdir(dir_b, 0700) == 0 ? 0 : -1;
}

/* teardown - remove the temp tree */
static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    FILE *f = popen(cmd, "r");
    return f && pclose(f) == 0 ? 0 : -1;
}

/* content_is - 1 if dir/name holds exactly text */
static int content_is(const char *dir, const char *name, const char *text)
{
    char p[700];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct buf b;
    buf_init(&b, 4096);
    int ok = fs_read_file(p, &b) == WB_OK && b.len == strlen(text) &&
             memcmp(b.data ? b.data : "", text, b.len) == 0;
    buf_free(&b);
    return ok;
}

/* present - 1 if dir/name exists */
static int present(const char *dir, const char *name)
{
    char p[700];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat sb;
    return lstat(p, &sb) == 0;
}

/* test_move_onto_existing_across_dirs - the target of another directory is kept, the source too */
static void test_move_onto_existing_across_dirs(void **state)
{
    (void)state;
    assert_int_equal(fs_write_file(dir_a, "f.csv", "new\n", 4), WB_OK);
    assert_int_equal(fs_write_file(dir_b, "f.csv", "old\n", 4), WB_OK);
    assert_int_equal(fs_move(dir_a, "f.csv", dir_b, "f.csv"), WB_EXISTS);
    assert_true(content_is(dir_b, "f.csv", "old\n"));
    assert_true(content_is(dir_a, "f.csv", "new\n"));
}

/* test_move_onto_existing_same_dir - a rename within one directory never replaces either */
static void test_move_onto_existing_same_dir(void **state)
{
    (void)state;
    assert_int_equal(fs_write_file(dir_a, "x.csv", "x\n", 2), WB_OK);
    assert_int_equal(fs_write_file(dir_a, "y.csv", "y\n", 2), WB_OK);
    assert_int_equal(fs_move(dir_a, "x.csv", dir_a, "y.csv"), WB_EXISTS);
    assert_true(content_is(dir_a, "x.csv", "x\n"));
    assert_true(content_is(dir_a, "y.csv", "y\n"));
}

/* test_move_to_free_name - the file arrives under its new name and leaves the old one */
static void test_move_to_free_name(void **state)
{
    (void)state;
    assert_int_equal(fs_write_file(dir_a, "g.csv", "g\n", 2), WB_OK);
    assert_int_equal(fs_move(dir_a, "g.csv", dir_b, "h.csv"), WB_OK);
    assert_false(present(dir_a, "g.csv"));
    assert_true(content_is(dir_b, "h.csv", "g\n"));
    /* moving it again from where it no longer is: nothing there, nothing made */
    assert_int_equal(fs_move(dir_a, "g.csv", dir_b, "i.csv"), WB_NOTFOUND);
    assert_false(present(dir_b, "i.csv"));
}

/* test_atomic_write_replaces_whole - an atomic write never replaces an existing name (WB_EXISTS,
 * the old content whole); a redo of its own step (afile_open_redo) replaces it whole; no temp
 * file is left behind either way */
static void test_atomic_write_replaces_whole(void **state)
{
    (void)state;
    assert_int_equal(fs_write_file(dir_a, "s.txt", "one\n", 4), WB_OK);
    assert_int_equal(fs_write_file(dir_a, "s.txt", "two\n", 4), WB_EXISTS);
    assert_true(content_is(dir_a, "s.txt", "one\n"));
    struct afile af;
    assert_int_equal(afile_open_redo(&af, dir_a, "s.txt", 0644), WB_OK);
    assert_int_equal(afile_write(&af, "two\n", 4), WB_OK);
    assert_int_equal(afile_commit(&af), WB_OK);
    assert_true(content_is(dir_a, "s.txt", "two\n"));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -c tmp", dir_a);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char out[32] = "";
    assert_non_null(fgets(out, sizeof out, p));
    pclose(p);
    assert_string_equal(out, "0\n");
}

/* mode_of - permission bits (with setgid) of dir/name, -1 when missing */
static int mode_of(const char *dir, const char *name)
{
    char p[700];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat sb;
    return lstat(p, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

/* test_modes - directories get exactly the mode asked for whatever the umask, an existing one
 * keeps its own; files default to FS_FILE_MODE; EACCES reads "permission denied", exit 77 */
static void test_modes(void **state)
{
    (void)state;
    char deep[700];
    snprintf(deep, sizeof deep, "%s/x/y", dir_a);
    mode_t old = umask(0077);
    assert_int_equal(fs_mkdirs(deep, FS_DIR_MODE), WB_OK);
    assert_int_equal(fs_mkdirs(dir_a, FS_DIR_MODE), WB_OK);
    umask(0);
    struct afile af;
    assert_int_equal(afile_open(&af, dir_b, "f.csv", 0), WB_OK);
    assert_int_equal(afile_commit(&af), WB_OK);
    umask(old);
    assert_int_equal(mode_of(dir_a, "x"), 02770);
    assert_int_equal(mode_of(dir_a, "x/y"), 02770);
    assert_int_equal(mode_of(root, "a"), 0700);
    assert_int_equal(mode_of(dir_b, "f.csv"), FS_FILE_MODE);
    assert_int_equal(wb_errno_status(EACCES), WB_DENIED);
    assert_int_equal(wb_errno_status(EPERM), WB_DENIED);
    assert_string_equal(wb_status_str(WB_DENIED), "permission denied");
    assert_int_equal(wb_status_exit(WB_DENIED), 77);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_move_onto_existing_across_dirs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_onto_existing_same_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_to_free_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_write_replaces_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
