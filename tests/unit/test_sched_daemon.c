/*
 * test_sched_daemon.c - unit tests for the scheduler loop and job runner:
 * overlap prevention, catch-up after downtime, timeouts, SIGTERM during a
 * job, SIGHUP reload, spool watch (inotify and rescan) and poll triggers.
 *
 * Owns a temporary directory with the fake clock file (WB_FAKE_NOW) and the
 * files fake jobs write (jobs run in forked children, so they report through
 * files). The test drives the loop from the poll hook, which the loop calls
 * once per job per iteration. Real waits stay short (tick 10 ms).
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/conf.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/wb.h"
#include "sched/cron.h"
#include "core/tz.h"
#include "sched/daemon.h"
#include "sched/jobs.h"
#include "sched/memstore.h"

#define T0 ((time_t)1795944450) /* 2026-11-23T09:27:30Z */

static char tmpdir[256];
static char clockfile[300];
static struct buf logs;
static struct wb_config cfg;
static struct sched_memstore mem;
static struct sched_store store;
static time_t fake_now;
static int ticks;
static int (*driver)(void); /* called once per loop iteration */

/* sink - collect log lines */
static void sink(int level, const char *line, void *arg)
{
    (void)level;
    (void)arg;
    buf_appends(&logs, line);
    buf_appendc(&logs, '\n');
}

/* count_in - occurrences of needle in hay */
static int count_in(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* set_now - move the fake clock */
static void set_now(time_t t)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%lld\n", (long long)t);
    struct afile af; /* the clock file is replaced in one rename: this writer owns its name */
    assert_int_equal(afile_open_redo(&af, tmpdir, "now", 0), WB_OK);
    afile_write(&af, text, (size_t)n);
    assert_int_equal(afile_commit(&af), WB_OK);
    fake_now = t;
}

/* path_of - tmpdir/name */
static const char *path_of(const char *name)
{
    static char p[4][400];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

/* note - append a line to tmpdir/<job>.log (called in the job process) */
static void note(const char *job, const char *what)
{
    char name[128];
    snprintf(name, sizeof name, "%s.log", job);
    FILE *f = fopen(path_of(name), "a");
    if (f) {
        fprintf(f, "%s\n", what);
        fclose(f);
    }
}

/* job_log - contents of tmpdir/<job>.log ("" if none), in a static buffer */
static const char *job_log(const char *job)
{
    static char text[4096];
    char name[128];
    snprintf(name, sizeof name, "%s.log", job);
    text[0] = '\0';
    FILE *f = fopen(path_of(name), "r");
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    return text;
}

/* exists - 1 if tmpdir/name exists */
static int exists(const char *name)
{
    struct stat st;
    return stat(path_of(name), &st) == 0;
}

/* quick_job - notes its start and end */
static int quick_job(struct job_ctx *ctx, void *arg)
{
    (void)arg;
    char line[128];
    snprintf(line, sizeof line, "start slot=%lld opts=[%s]", (long long)job_ctx_slot(ctx),
             job_ctx_options(ctx));
    note(job_ctx_name(ctx), line);
    note(job_ctx_name(ctx), "end");
    return WB_OK;
}

/* slow_job - runs until the test creates "release" (or it is told to stop) */
static int slow_job(struct job_ctx *ctx, void *arg)
{
    (void)arg;
    note("slow", "start");
    while (!exists("release") && !job_ctx_should_stop(ctx))
        usleep(2000);
    note("slow", "end");
    return WB_OK;
}

/* coop_job - works in steps until should_stop, then finishes its step */
static int coop_job(struct job_ctx *ctx, void *arg)
{
    (void)arg;
    note("coop", "start");
    while (!job_ctx_should_stop(ctx))
        usleep(2000);
    note("coop", "stopped cleanly");
    return WB_OK;
}

/* hang_job - ignores SIGTERM and never returns (must be killed) */
static int hang_job(struct job_ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    signal(SIGTERM, SIG_IGN);
    note("hang", "start");
    for (;;)
        usleep(10000);
    return WB_OK;
}

/* late_job - cooperative, but slower than its 1 s timeout */
static int late_job(struct job_ctx *ctx, void *arg)
{
    (void)arg;
    note("late", "start");
    while (!job_ctx_should_stop(ctx))
        usleep(2000);
    note("late", "stopped at deadline");
    return WB_OK;
}

/* crash_job - dies of a signal */
static int crash_job(struct job_ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
    abort();
}

/* fail_job - returns a content error */
static int fail_job(struct job_ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    return WB_PERMFAIL;
}

/* gslow_job - like slow_job, in group "g", notes under its own name */
static int gslow_job(struct job_ctx *ctx, void *arg)
{
    (void)arg;
    note(job_ctx_name(ctx), "start");
    while (!exists("release") && !job_ctx_should_stop(ctx))
        usleep(2000);
    note(job_ctx_name(ctx), "end");
    return WB_OK;
}

static const struct job_def defs[] = {
    {"quick", "notes start", quick_job, NULL, 0, NULL},
    {"slow", "waits", slow_job, NULL, 0, NULL},
    {"coop", "until stop", coop_job, NULL, 0, NULL},
    {"hang", "hangs", hang_job, NULL, 1, NULL},
    {"late", "slow", late_job, NULL, 1, NULL},
    {"crash", "aborts", crash_job, NULL, 0, NULL},
    {"fail", "permfail", fail_job, NULL, 0, NULL},
    {"poller", "polled", quick_job, NULL, 0, NULL},
    {"filejob", "files", quick_job, NULL, 0, NULL},
    {"gslow", "group g, waits", gslow_job, NULL, 0, "g"},
    {"gquick", "group g, quick", quick_job, NULL, 0, "g"},
};

static time_t poll_when; /* what the poll hook answers for "poller" */
static int reloads;
static int reload_rc = WB_OK;
static const struct sched_entry *reload_entries;
static size_t reload_n;
static char watchdir[400];   /* the watched directory of the watch tests */
static int reload_moves_dir; /* the reload hook points watchdir at tmpdir/in2 */

/* test_poll - the loop's poll hook; also drives the test once per iteration */
static int test_poll(void *arg, const char *job, time_t now, time_t *when)
{
    (void)arg;
    (void)now;
    if (strcmp(job, defs[0].name) == 0) {
        ticks++;
        if (driver && driver() != 0)
            kill(getpid(), SIGTERM);
        if (ticks > 3000) /* 30 s safety net */
            kill(getpid(), SIGTERM);
    }
    *when = strcmp(job, "poller") == 0 ? poll_when : 0;
    return WB_OK;
}

/* test_reload - SIGHUP hook */
static int test_reload(void *arg, const struct wb_config **c, const struct sched_entry **e,
                       size_t *n)
{
    (void)arg;
    (void)c;
    reloads++;
    if (reload_rc == WB_OK && reload_moves_dir)
        snprintf(watchdir, sizeof watchdir, "%s", path_of("in2"));
    if (reload_rc == WB_OK && reload_entries) {
        *e = reload_entries;
        *n = reload_n;
    }
    return reload_rc;
}

static struct sched_hooks hooks;

/* setup - fresh temp dir, fake clock, store, log capture, hooks */
static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/wbsched.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(clockfile, sizeof clockfile, "%s/now", tmpdir);
    setenv("WB_FAKE_NOW", clockfile, 1);
    set_now(T0);
    buf_init(&logs, 1 << 20);
    log_set_sink(sink, NULL);
    log_set_min(LOG_DEBUG_L);
    memset(&cfg, 0, sizeof cfg);
    cfg.time_zone = "UTC";
    cfg.job_timeout = 60;
    cfg.rescan_seconds = 1;
    sched_memstore_init(&mem, &store);
    memset(&hooks, 0, sizeof hooks);
    hooks.poll = test_poll;
    hooks.reload = test_reload;
    hooks.tick_ms = 5;
    hooks.grace_ms = 200;
    ticks = 0;
    driver = NULL;
    poll_when = 0;
    reloads = 0;
    reload_rc = WB_OK;
    reload_entries = NULL;
    reload_moves_dir = 0;
    return 0;
}

/* teardown - remove the temp dir */
static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    const char *files[] = {"now",         "quick.log", "slow.log",   "coop.log",  "hang.log",
                           "late.log",    "release",   "poller.log", "gslow.log", "gquick.log",
                           "filejob.log", "in/a.csv",  "in",         "in2/a.csv", "in2"};
    for (size_t i = 0; i < WB_ARRAY_LEN(files); i++) {
        snprintf(cmd, sizeof cmd, "%s/%s", tmpdir, files[i]);
        if (unlink(cmd) != 0)
            rmdir(cmd);
    }
    rmdir(tmpdir);
    unsetenv("WB_FAKE_NOW");
    log_set_sink(NULL, NULL);
    buf_free(&logs);
    return 0;
}

/* parse - schedule text into entries or fail */
static struct sched_entry *parse(const char *text, size_t *n)
{
    struct sched_entry *v;
    struct buf err;
    buf_init(&err, 4096);
    if (cron_parse_text("t", text, strlen(text), &v, n, &err) != WB_OK)
        fail_msg("%s", buf_str(&err));
    buf_free(&err);
    return v;
}

/* get_state - store state of job or fail */
static struct sched_job_state get_state(const char *job)
{
    struct sched_job_state st;
    assert_int_equal(store.get(store.arg, job, &st), WB_OK);
    return st;
}

/* drive_overlap - ten one-minute slots while the slow job runs, then release it */
static int drive_overlap(void)
{
    if (ticks <= 10) {
        set_now(fake_now + 60);
        return 0;
    }
    if (ticks == 12) {
        FILE *f = fopen(path_of("release"), "w");
        if (f)
            fclose(f);
    }
    return strstr(job_log("slow"), "end") && ticks > 40;
}

/* test_overlap - a slow job over several slots starts once; the slots are skipped */
static void test_overlap(void **state)
{
    (void)state;
    size_t n;
    struct sched_entry *v = parse("@every 1m slow\n", &n);
    driver = drive_overlap;
    assert_int_equal(sched_run(&cfg, v, n, &store, &hooks), WB_OK);
    assert_int_equal(count_in(job_log("slow"), "start"), 1);
    assert_true(count_in(buf_str(&logs), "job=slow event=skip reason=still_running") >= 5);
    struct sched_job_state st = get_state("slow");
    assert_int_equal(st.runs, 1);
    assert_int_equal(st.last_outcome, WB_OK);
    assert_int_equal(st.last_slot, (T0 / 60 + 1) * 60);
    assert_true(st.last_end >= st.last_start);
    cron_entries_free(v, n);
}

/* drive_until_quick_done - stop a few ticks after quick has ended */
static int drive_until_quick_done(void)
{
    static int seen;
    if (ticks == 1)
        seen = 0;
    if (strstr(job_log("quick"), "end") && !seen)
        seen = ticks;
    return seen && ticks > seen + 20;
}

/* test_catch_up - after downtime the missed slot runs once, not once per missed slot */
static void test_catch_up(void **state)
{
    (void)state;
    size_t n;
    struct sched_entry *v = parse("*/5 * * * * quick --catch\n", &n);
    struct sched_job_state st = {0};
    st.last_slot = T0 - 2 * 3600; /* down for two hours: 24 slots missed */
    st.last_outcome = WB_OK;
    st.runs = 7;
    store.put(store.arg, "quick", &st);
    driver = drive_until_quick_done;
    assert_int_equal(sched_run(&cfg, v, n, &store, &hooks), WB_OK);
    const char *jl = job_log("quick");
    assert_int_equal(count_in(jl, "start"), 1);
    assert_non_null(strstr(jl, "opts=[--catch]"));
    st = get_state("quick");
    assert_int_equal(st.runs, 8);
    assert_int_equal(st.last_slot, T0 - 150); /* 09:25:00, the latest missed slot */
    assert_int_equal(st.next_run, T0 + 150);  /* 09:30:00 */
    assert_non_null(strstr(buf_str(&logs), "job=quick event=catch_up"));
    assert_non_null(strstr(buf_str(&logs), "trigger=catch-up"));
    cron_entries_free(v, n);
}

/* test_no_catch_up_first_start - a job that never ran waits for its first slot; lost runs */
static void test_no_catch_up_first_start(void **state)
{
    (void)state;
    size_t n;
    struct sched_entry *v = parse("*/5 * * * * quick\n", &n);
    struct sched_job_state st = {0};
    st.last_start = T0 - 7200;
    st.last_outcome = SCHED_OUT_RUNNING; /* the previous daemon died during a run */
    store.put(store.arg, "slow", &st);
    driver = NULL;
    ticks = 2950; /* the safety net in test_poll stops the loop after 50 ticks */
    assert_int_equal(sched_run(&cfg, v, n, &store, &hooks), WB_OK);
    assert_string_equal(job_log("quick"), "");
    st = get_state("quick"); /* the next slot is published for status */
    assert_int_equal(st.runs, 0);
    assert_int_equal(st.last_slot, 0);
    assert_int_equal(st.next_run, T0 + 150);
    st = get_state("slow");
    assert_int_equal(st.last_outcome, SCHED_OUT_LOST);
    assert_non_null(strstr(buf_str(&logs), "job=slow event=lost_run"));
    cron_entries_free(v, n);
}

/* drive_timeout - one slot, then wait for the hang job to be reaped */
static int drive_timeout(void)
{
    if (ticks == 1)
        set_now(fake_now + 60);
    struct sched_job_state st, st2;
    return store.get(store.arg, "hang", &st) == WB_OK && st.runs > 0 &&
           st.last_outcome != SCHED_OUT_RUNNING && store.get(store.arg, "late", &st2) == WB_OK &&
           st2.runs > 0 && st2.last_outcome != SCHED_OUT_RUNNING;
}

/* test_timeout_daemon - a hung job is SIGTERMed at its deadline, SIGKILLed after grace */
static void test_timeout_daemon(void **state)
{
    (void)state;
    size_t n;
    struct sched_entry *v = parse("@every 1m hang\n@every 1m late\n", &n);
    driver = drive_timeout;
    long long t = clock_mono_ms();
    assert_int_equal(sched_run(&cfg, v, n, &store, &hooks), WB_OK);
    t = clock_mono_ms() - t;
    assert_true(t >= 1000 && t < 5000);
    struct sched_job_state st = get_state("hang");
    assert_int_equal(st.last_outcome, SCHED_OUT_TIMEOUT);
    assert_non_null(strstr(buf_str(&logs), "job=hang event=timeout"));
    assert_non_null(strstr(buf_str(&logs), "job=hang event=kill"));
    /* the cooperative one saw should_stop at its deadline and finished its step */
    assert_int_equal(get_state("late").last_outcome, SCHED_OUT_TIMEOUT);
    assert_non_null(strstr(job_log("late"), "stopped at deadline"));
    assert_null(strstr(buf_str(&logs), "job=late event=kill"));
    cron_entries_free(v, n);
}

/* test_run_once - forked and in-process runs, timeouts, crashes, recorded outcomes */
static void test_run_once(void **state)
{
    (void)state;
    int out = -5;
    assert_int_equal(sched_run_once(&cfg, "quick", "a=b", &store, &hooks, 0, &out), WB_OK);
    assert_int_equal(out, WB_OK);
    assert_non_null(strstr(job_log("quick"), "opts=[a=b]"));
    struct sched_job_state st = get_state("quick");
    assert_int_equal(st.runs, 1);
    assert_int_equal(st.last_slot, 0);
    assert_int_equal(st.last_outcome, WB_OK);

    assert_int_equal(sched_run_once(&cfg, "fail", NULL, &store, &hooks, 0, &out), WB_PERMFAIL);
    assert_int_equal(get_state("fail").last_outcome, WB_PERMFAIL);
    assert_int_equal(sched_run_once(&cfg, "fail", NULL, &store, NULL, 1, &out), WB_PERMFAIL);
    assert_int_equal(get_state("fail").runs, 2);

    assert_int_equal(sched_run_once(&cfg, "crash", NULL, &store, &hooks, 0, &out), WB_INTERNAL);
    assert_int_equal(out, SCHED_OUT_CRASHED);
    assert_int_equal(get_state("crash").last_outcome, SCHED_OUT_CRASHED);

    long long t = clock_mono_ms();
    /* a cooperative job sees should_stop at its deadline and finishes its step */
    assert_int_equal(sched_run_once(&cfg, "late", NULL, &store, &hooks, 0, &out), WB_TEMPFAIL);
    assert_int_equal(out, SCHED_OUT_TIMEOUT);
    assert_non_null(strstr(job_log("late"), "stopped at deadline"));
    t = clock_mono_ms() - t;
    assert_true(t >= 1000 && t < 4000);

    assert_int_equal(sched_run_once(&cfg, "nosuch", NULL, &store, &hooks, 0, &out), WB_NOTFOUND);
    assert_int_equal(sched_run_once(&cfg, "quick", NULL, NULL, NULL, 0, NULL), WB_OK);
}

/* drive_sigterm - one slot; SIGTERM once the job has started */
static int drive_sigterm(void)
{
    if (ticks == 1)
        set_now(fake_now + 60);
    return strstr(job_log("coop"), "start") != NULL;
}

/* test_sigterm - SIGTERM during a job: the child finishes its step, the loop returns WB_OK */
static void test_sigterm(void **state)
{
    (void)state;
    size_t n;
    struct sched_entry *v = parse("@every 1m coop\n@every 1m quick\n", &n);
    driver = drive_sigterm;
    /* under valgrind (make valgrind) a child needs far longer than 200 ms to see the stop */
    long grace = hooks.grace_ms;
    if (getenv("WB_VALGRIND"))
        hooks.grace_ms = 5000;
    int rc = sched_run(&cfg, v, n, &store, &hooks);
    hooks.grace_ms = grace;
    assert_int_equal(rc, WB_OK);
    assert_non_null(strstr(job_log("coop"), "stopped cleanly"));
    struct sched_job_state st = get_state("coop");
    assert_int_equal(st.last_outcome, WB_OK);
    assert_true(st.last_end > 0);
    assert_non_null(strstr(buf_str(&logs), "event=stop signal=15 running="));
    assert_non_null(strstr(buf_str(&logs), "event=sched_stop"));
    cron_entries_free(v, n);
}

/* drive_hup - SIGHUP twice (first reload fails, second succeeds), then stop */
static int drive_hup(void)
{
    if (ticks == 2 || ticks == 6)
        kill(getpid(), SIGHUP);
    if (ticks == 12) {
        set_now(fake_now + 60);
    }
    if (ticks == 4)
        reload_rc = WB_OK;
    return ticks >= 10 && reloads >= 2 && strstr(job_log("quick"), "end") != NULL;
}

/* test_sighup - SIGHUP calls the reload hook; a failed reload keeps the old schedule */
static void test_sighup(void **state)
{
    (void)state;
    size_t n, n2;
    struct sched_entry *v = parse("@every 1m coop\n", &n);
    struct sched_entry *v2 = parse("@every 1m quick\n", &n2);
    reload_rc = WB_CONFIG;
    reload_entries = v2;
    reload_n = n2;
    driver = drive_hup;
    assert_int_equal(sched_run(&cfg, v, n, &store, &hooks), WB_OK);
    assert_int_equal(reloads, 2);
    const char *l = buf_str(&logs);
    assert_non_null(strstr(l, "event=reload result=failed status="));
    assert_non_null(strstr(l, "event=reload result=ok entries=1"));
    /* after the good reload the new schedule (quick) runs, the old one (coop) does not */
    assert_int_equal(count_in(job_log("quick"), "start"), 1);
    assert_string_equal(job_log("coop"), "");
    cron_entries_free(v, n);
    cron_entries_free(v2, n2);
}

/* drive_files - drop a file by temp name + rename; poll trigger later */
static int drive_files(void)
{
    if (ticks == 5) {
        assert_int_equal(fs_write_file(path_of("in"), "a.csv", "x\n", 2), WB_OK);
    }
    if (ticks == 30)
        poll_when = fake_now; /* "poller" is due now */
    if (ticks == 31)
        poll_when = 0;
    return ticks > 60 && strstr(job_log("poller"), "end") != NULL;
}

/* test_watch_and_poll - a dropped file triggers its job within a tick; polls trigger too */
static void test_watch_and_poll(void **state)
{
    (void)state;
    assert_int_equal(mkdir(path_of("in"), 0700), 0);
    char indir[400];
    snprintf(indir, sizeof indir, "%s", path_of("in"));
    struct watch_dir wd[] = {{indir, "filejob"}};
    hooks.watch_dirs = wd;
    hooks.nwatch_dirs = 1;
    cfg.rescan_seconds = 3600; /* prove inotify, not the rescan, saw it */
    driver = drive_files;
    assert_int_equal(sched_run(&cfg, NULL, 0, &store, &hooks), WB_OK);
    assert_int_equal(count_in(job_log("filejob"), "start"), 1);
    assert_int_equal(count_in(job_log("poller"), "start"), 1);
    assert_non_null(strstr(buf_str(&logs), "job=filejob event=start pid="));
    assert_non_null(strstr(buf_str(&logs), "trigger=file"));
    assert_non_null(strstr(buf_str(&logs), "trigger=poll"));

    /* a file already waiting at start is found by the first scan */
    unlink(path_of("filejob.log"));
    ticks = 2950;
    driver = NULL;
    buf_reset(&logs);
    assert_int_equal(sched_run(&cfg, NULL, 0, &store, &hooks), WB_OK);
    if (count_in(job_log("filejob"), "start") != 1)
        fail_msg("%s", buf_str(&logs));
}

/* drive_late_dir - create the watched directory and a file after start */
static int drive_late_dir(void)
{
    if (ticks == 5) {
        assert_int_equal(mkdir(path_of("in"), 0700), 0);
        assert_int_equal(fs_write_file(path_of("in"), "a.csv", "x\n", 2), WB_OK);
    }
    return strstr(job_log("filejob"), "end") != NULL;
}

/* test_watch_late_dir - a directory missing at start is picked up by the rescan */
static void test_watch_late_dir(void **state)
{
    (void)state;
    char indir[400];
    snprintf(indir, sizeof indir, "%s", path_of("in"));
    struct watch_dir wd[] = {{indir, "filejob"}};
    hooks.watch_dirs = wd;
    hooks.nwatch_dirs = 1;
    cfg.rescan_seconds = 1;
    driver = drive_late_dir;
    long long t = clock_mono_ms();
    assert_int_equal(sched_run(&cfg, NULL, 0, &store, &hooks), WB_OK);
    t = clock_mono_ms() - t;
    assert_true(t < 3000);
    assert_int_equal(count_in(job_log("filejob"), "start"), 1);
    assert_non_null(strstr(buf_str(&logs), "event=watch_failed job=filejob"));
}

static time_t dst_end;

/* drive_dst - fifteen fake minutes per tick until dst_end */
static int drive_dst(void)
{
    if (fake_now >= dst_end)
        return 1;
    set_now(fake_now + 900);
    return 0;
}

/* test_dst_daemon - a 01:30 London daily job runs exactly once on both 2026 DST days */
static void test_dst_daemon(void **state)
{
    (void)state;
    size_t n;
    struct sched_entry *v = parse("30 1 * * * quick\n", &n);
    cfg.time_zone = "Europe/London";
    driver = drive_dst;
    set_now(1774738800);  /* 2026-03-28T23:00Z */
    dst_end = 1774756800; /* 2026-03-29T04:00Z */
    assert_int_equal(sched_run(&cfg, v, n, &store, &hooks), WB_OK);
    assert_int_equal(count_in(job_log("quick"), "start"), 1);
    assert_non_null(strstr(job_log("quick"), "slot=1774746000")); /* 01:00Z = 02:00 BST */
    unlink(path_of("quick.log"));
    sched_memstore_init(&mem, &store);
    ticks = 0;
    set_now(1792882800);  /* 2026-10-24T23:00Z */
    dst_end = 1792900800; /* 2026-10-25T04:00Z */
    assert_int_equal(sched_run(&cfg, v, n, &store, &hooks), WB_OK);
    assert_int_equal(count_in(job_log("quick"), "start"), 1);
    assert_non_null(strstr(job_log("quick"), "slot=1792888200")); /* 00:30Z = 01:30 BST */
    cron_entries_free(v, n);
}

static int quick_seen_at_release; /* gquick had started when gslow was released */

/* drive_group - both slots due at once; release the slow one after a while */
static int drive_group(void)
{
    if (ticks == 1)
        set_now(fake_now + 60);
    if (ticks == 30) {
        quick_seen_at_release = strstr(job_log("gquick"), "start") != NULL;
        FILE *f = fopen(path_of("release"), "w");
        if (f)
            fclose(f);
    }
    return ticks > 30 && strstr(job_log("gquick"), "end") != NULL;
}

/* test_group_exclusive - jobs of one group never overlap; the deferred slot runs once, after */
static void test_group_exclusive(void **state)
{
    (void)state;
    size_t n;
    struct sched_entry *v = parse("@every 1m gslow\n@every 1m gquick\n", &n);
    driver = drive_group;
    assert_int_equal(sched_run(&cfg, v, n, &store, &hooks), WB_OK);
    assert_false(quick_seen_at_release);
    assert_int_equal(count_in(job_log("gslow"), "start"), 1);
    assert_int_equal(count_in(job_log("gquick"), "start"), 1);
    time_t slot = (T0 / 60 + 1) * 60;
    char want[64];
    snprintf(want, sizeof want, "slot=%lld", (long long)slot);
    assert_non_null(strstr(job_log("gquick"), want)); /* the deferred run keeps its slot */
    assert_int_equal(get_state("gquick").last_slot, slot);
    assert_non_null(strstr(buf_str(&logs), "job=gquick event=deferred reason=group_busy group=g "
                                           "running=gslow"));
    /* deferred once, started once */
    assert_int_equal(count_in(buf_str(&logs), "job=gquick event=start"), 1);
    cron_entries_free(v, n);
}

/* test_catch_up_dst_days - down over a DST change: a 01:30 London job runs once, for the last
 * missed day, in both directions */
static void test_catch_up_dst_days(void **state)
{
    (void)state;
    size_t n;
    struct sched_entry *v = parse("30 1 * * * quick\n", &n);
    cfg.time_zone = "Europe/London";
    struct sched_job_state st = {0};
    st.last_slot = 1774575000; /* 2026-03-27T01:30Z = 01:30 GMT, then down over the spring jump */
    st.last_outcome = WB_OK;
    store.put(store.arg, "quick", &st);
    set_now(1774872000); /* 2026-03-30T12:00Z */
    driver = drive_until_quick_done;
    assert_int_equal(sched_run(&cfg, v, n, &store, &hooks), WB_OK);
    assert_int_equal(count_in(job_log("quick"), "start"), 1);
    st = get_state("quick");
    assert_int_equal(st.last_slot, 1774830600); /* 2026-03-30T00:30Z = 01:30 BST */
    assert_int_equal(st.next_run, 1774917000);  /* 2026-03-31T00:30Z */

    unlink(path_of("quick.log"));
    sched_memstore_init(&mem, &store);
    ticks = 0;
    st = (struct sched_job_state){0};
    st.last_slot = 1792801800; /* 2026-10-24T00:30Z = 01:30 BST, then down over the fall back */
    st.last_outcome = WB_OK;
    store.put(store.arg, "quick", &st);
    set_now(1793102400); /* 2026-10-27T12:00Z */
    assert_int_equal(sched_run(&cfg, v, n, &store, &hooks), WB_OK);
    assert_int_equal(count_in(job_log("quick"), "start"), 1);
    st = get_state("quick");
    assert_int_equal(st.last_slot, 1793064600); /* 2026-10-27T01:30Z = 01:30 GMT */
    assert_int_equal(st.next_run, 1793151000);  /* 2026-10-28T01:30Z */
    cron_entries_free(v, n);
}

/* drive_watch_reload - SIGHUP moves the watch to in2/, then a file is dropped there */
static int drive_watch_reload(void)
{
    if (ticks == 3)
        kill(getpid(), SIGHUP);
    if (ticks == 15)
        assert_int_equal(fs_write_file(path_of("in2"), "a.csv", "x\n", 2), WB_OK);
    return strstr(job_log("filejob"), "end") != NULL || ticks > 400;
}

/* test_watch_reload - after a reload the watcher follows the directories the hook names */
static void test_watch_reload(void **state)
{
    (void)state;
    assert_int_equal(mkdir(path_of("in"), 0700), 0);
    assert_int_equal(mkdir(path_of("in2"), 0700), 0);
    snprintf(watchdir, sizeof watchdir, "%s", path_of("in"));
    struct watch_dir wd[] = {{watchdir, "filejob"}};
    hooks.watch_dirs = wd;
    hooks.nwatch_dirs = 1;
    cfg.rescan_seconds = 3600; /* inotify on the new directory, not a rescan */
    reload_moves_dir = 1;
    driver = drive_watch_reload;
    assert_int_equal(sched_run(&cfg, NULL, 0, &store, &hooks), WB_OK);
    assert_int_equal(reloads, 1);
    assert_int_equal(count_in(job_log("filejob"), "start"), 1);
    assert_true(ticks <= 400);
    char want[512];
    snprintf(want, sizeof want, "dir=%s event=watch job=filejob", path_of("in2"));
    assert_non_null(strstr(buf_str(&logs), want));
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catch_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_catch_up_first_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_daemon, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigterm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sighup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_and_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_late_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dst_daemon, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_exclusive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catch_up_dst_days, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_reload, setup, teardown),
    };
    for (size_t i = 0; i < WB_ARRAY_LEN(defs); i++)
        if (jobs_register(&defs[i]) != WB_OK)
            return 1;
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    jobs_clear();
    tz_cache_clear();
    return rc;
}
