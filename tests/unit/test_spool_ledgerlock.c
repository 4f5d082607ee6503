/*
 * test_spool_ledgerlock.c - unit tests of opening the ledger: many
 * processes creating a fresh ledger at the same moment all succeed (a busy
 * database while another creates the schema is waited out, never an error).
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/wb.h"
#include "spool/ledger.h"

static char root[256];

/* setup - a fresh temp dir */
static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/wbledgerlock.XXXXXX");
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

#define OPENERS 24
#define ROUNDS 16

/* opener - child: wait for the start signal, open (creating) the ledger, write one job row */
static void opener(const char *path, int go)
{
    char c;
    if (read(go, &c, 1) != 0)
        _exit(90);
    struct ledger *l = NULL;
    int rc = ledger_open(&l, path);
    if (rc != WB_OK)
        _exit(10 + rc);
    struct ledger_job j;
    memset(&j, 0, sizeof j);
    snprintf(j.name, sizeof j.name, "job-%ld", (long)getpid());
    j.runs = 1;
    rc = ledger_job_put(l, &j);
    ledger_close(l);
    _exit(rc == WB_OK ? 0 : 40 + rc);
}

/* test_concurrent_first_open - OPENERS processes create one fresh ledger at once, ROUNDS times */
static void test_concurrent_first_open(void **state)
{
    (void)state;
    /* under valgrind (make valgrind) fewer: the point there is memory, not the race */
    int rounds = getenv("WB_VALGRIND") ? 1 : ROUNDS, openers = getenv("WB_VALGRIND") ? 8 : OPENERS;
    for (int round = 0; round < rounds; round++) {
        char path[512];
        snprintf(path, sizeof path, "%s/ledger-%d.db", root, round);
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t kids[OPENERS];
        for (int i = 0; i < openers; i++) {
            kids[i] = fork();
            assert_true(kids[i] >= 0);
            if (kids[i] == 0) {
                close(p[1]);
                opener(path, p[0]);
            }
        }
        close(p[0]);
        close(p[1]); /* every child's read returns 0 now: all start together */
        int failed = 0;
        for (int i = 0; i < openers; i++) {
            int st;
            assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "round %d: opener %d ended with status %d\n", round, i,
                        WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
                failed++;
            }
        }
        assert_int_equal(failed, 0);
        struct ledger *l;
        assert_int_equal(ledger_open(&l, path), WB_OK);
        struct ledger_job *jobs = NULL;
        size_t n = 0;
        assert_int_equal(ledger_job_list(l, &jobs, &n), WB_OK);
        assert_int_equal(n, (size_t)openers);
        free(jobs);
        ledger_close(l);
    }
}

/* main - run the group */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_concurrent_first_open, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
