/*
 * test_sched_lock.c - unit tests for the spool instance lock and the root check.
 *
 * Owns a temporary directory holding the lock file; a forked child holds the
 * lock while the test tries to take it. Must never leave the child running.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/wb.h"
#include "sched/lock.h"

/* test_lock_held - a second instance fails with WB_EXISTS naming the holder's pid */
static void test_lock_held(void **state)
{
    (void)state;
    char dir[] = "/tmp/wblock.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/%s", dir, LOCK_NAME);
    int ready[2], done[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(done), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd;
        char c = lock_acquire(path, &fd, NULL) == WB_OK ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1)
            _exit(2);
        if (read(done[0], &c, 1) < 0)
            _exit(3);
        _exit(0);
    }
    char c = 0;
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(c, 'y');

    int fd = -1;
    struct buf who;
    buf_init(&who, 512);
    assert_int_equal(lock_acquire(path, &fd, &who), WB_EXISTS);
    assert_int_equal(fd, -1);
    char want[64];
    snprintf(want, sizeof want, "held by pid %ld since 20", (long)pid);
    if (!strstr(buf_str(&who), want))
        fail_msg("who = \"%s\"", buf_str(&who));
    buf_reset(&who);
    assert_int_equal(lock_holder(path, &who), WB_EXISTS);
    assert_non_null(strstr(buf_str(&who), want));

    /* the holder goes away: the kernel drops its lock, the stale file is harmless */
    assert_int_equal(write(done[1], "x", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    buf_reset(&who);
    assert_int_equal(lock_acquire(path, &fd, &who), WB_OK);
    assert_true(fd >= 0);
    buf_reset(&who);
    assert_int_equal(lock_holder(path, &who), WB_EXISTS);
    snprintf(want, sizeof want, "held by pid %ld since", (long)getpid());
    assert_non_null(strstr(buf_str(&who), want));
    lock_release(&fd);
    assert_int_equal(fd, -1);
    /* nobody holds it: the file's stale text names no holder */
    buf_reset(&who);
    assert_int_equal(lock_holder(path, &who), WB_NOTFOUND);
    lock_release(&fd);

    close(ready[0]);
    close(ready[1]);
    close(done[0]);
    close(done[1]);
    unlink(path);
    rmdir(dir);
    buf_free(&who);
}

/* test_lock_errors - a missing directory is an I/O error, not a crash */
static void test_lock_errors(void **state)
{
    (void)state;
    int fd = 5;
    assert_int_not_equal(lock_acquire("/nonexistent/dir/.lock", &fd, NULL), WB_OK);
    assert_int_equal(fd, -1);
    struct buf who;
    buf_init(&who, 128);
    assert_int_equal(lock_holder("/nonexistent/dir/.lock", &who), WB_NOTFOUND);
    buf_free(&who);
}

/* test_privs_root - euid 0 is refused unless allowed */
static void test_privs_root(void **state)
{
    (void)state;
    struct buf err;
    buf_init(&err, 512);
    assert_int_equal(privs_check_root(1, &err), WB_OK);
    if (geteuid() == 0) {
        assert_int_equal(privs_check_root(0, &err), WB_CONFIG);
        assert_non_null(strstr(buf_str(&err), "refusing to run as root"));
    } else {
        assert_int_equal(privs_check_root(0, &err), WB_OK);
        assert_string_equal(buf_str(&err), "");
    }
    buf_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_held),
        cmocka_unit_test(test_lock_errors),
        cmocka_unit_test(test_privs_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
