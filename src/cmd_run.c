/*
 * cmd_run.c - `wmsbridge run`: the daemon (schedule, spool watcher, feed
 * polling, SIGTERM/SIGHUP) or `run --once JOB`. Wires the flows' job table
 * into the scheduler and the scheduler's state into the ledger. Refuses to
 * run the daemon as root unless allow_root = yes; one instance per spool.
 * Every job runs in a child process, `run --once` too: at job_timeout it
 * gets SIGTERM (the flow finishes its file and starts no other), and
 * SIGKILL job_grace_seconds later. SIGHUP rereads config, maps and schedule
 * and moves the spool watch (and the spool lock and ledger, when spool_dir
 * or ledger changed); a broken new config is logged and the old one kept.
 * One writer per spool and per ledger: the daemon and `run --once` hold the
 * spool's lock and the ledger's (LEDGER_LOCK_SUFFIX beside the ledger file)
 * while they run, so a second config naming the same ledger is refused; the
 * read-only commands take neither.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "flows/flow_jobs.h"
#include "flows/metrics.h"
#include "flows/queue.h"
#include "net/lwa.h"
#include "net/ratelimit.h"
#include "sched/cron.h"
#include "core/tz.h"
#include "sched/daemon.h"
#include "sched/jobs.h"
#include "sched/lock.h"
#include "spool/ledger.h"

struct runner {
    const char *conf_path;
    struct wb_env env;
    struct wb_env old; /* kept alive one reload longer (the scheduler may still point into it) */
    int have_old;
    struct sched_entry *entries;
    size_t nentries;
    struct sched_entry *old_entries;
    size_t old_n;
    char watch_path[CONF_MAX_FLOWS * CONF_MAX_ACCOUNTS][4096]; /* in/ of each lane */
    struct watch_dir watch[CONF_MAX_FLOWS * CONF_MAX_ACCOUNTS];
    size_t nwatch;
    int lockfd[2];          /* the spool's and the ledger's writer locks */
    char lockpath[2][4200]; /* the files they lock */
};

/* adapter - a scheduler job running a flow job */
static int adapter(struct job_ctx *ctx, void *arg)
{
    struct runner *r = *(struct runner **)arg;
    const struct flow_job *fj = flow_job_find(job_ctx_name(ctx));
    if (!fj)
        return WB_INTERNAL;
    return fj->run(fj, &r->env, job_ctx_options(ctx), job_ctx_stop_flag(ctx));
}

static struct runner *the_runner;

/* register_jobs - every flow job into the scheduler's table */
static int register_jobs(void)
{
    size_t n;
    const struct flow_job *t = flow_jobs(&n);
    jobs_clear();
    for (size_t i = 0; i < n; i++) {
        struct job_def d = {t[i].name, t[i].help, adapter, &the_runner, t[i].timeout, t[i].group};
        int rc = jobs_register(&d);
        if (rc != WB_OK)
            return rc;
    }
    return WB_OK;
}

/* store_get - scheduler state from the ledger */
static int store_get(void *arg, const char *job, struct sched_job_state *out)
{
    struct runner *r = arg;
    struct ledger_job j;
    int rc = ledger_job_get(r->env.ledger, job, &j);
    if (rc != WB_OK)
        return rc;
    *out = (struct sched_job_state){j.last_slot,    j.last_start, j.last_end,
                                    j.last_outcome, j.next_run,   j.runs};
    return WB_OK;
}

/* after_job - in the daemon (or `run --once`) once a job ended: its streak of failures, the
 * alert conditions, the metrics file; their failures are logged, never the job's */
static void after_job(struct wb_env *env, const char *job, int outcome)
{
    int rc = queue_notes_ingest(env);
    if (rc != WB_OK)
        log_warn("job=%s event=action-notes-failed status=%s", job, wb_status_str(rc));
    rc = alert_job_end(env, job, outcome);
    if (rc == WB_OK)
        rc = alert_sweep(env);
    if (rc != WB_OK)
        log_warn("job=%s event=alert-sweep-failed status=%s", job, wb_status_str(rc));
    if ((rc = metrics_write(env)) != WB_OK)
        log_warn("job=%s event=metrics-write-failed file=%s status=%s", job, env->cfg.metrics_file,
                 wb_status_str(rc));
}

/* store_put - scheduler state into the ledger */
static int store_put(void *arg, const char *job, const struct sched_job_state *st)
{
    struct runner *r = arg;
    struct ledger_job j = {.last_slot = st->last_slot,
                           .last_start = st->last_start,
                           .last_end = st->last_end,
                           .last_outcome = st->last_outcome,
                           .next_run = st->next_run,
                           .runs = st->runs};
    snprintf(j.name, sizeof j.name, "%s", job);
    int rc = ledger_job_put(r->env.ledger, &j);
    if (rc == WB_OK && st->last_outcome != SCHED_OUT_RUNNING)
        after_job(&r->env, job, st->last_outcome);
    return rc;
}

/* hook_poll - when a job needs to run besides its schedule (feeds in flight, a batch window) */
static int hook_poll(void *arg, const char *job, time_t now, time_t *when)
{
    struct runner *r = arg;
    const struct flow_job *j = flow_job_find(job);
    *when = 0;
    return j ? flow_job_when(&r->env, j, now, when) : WB_OK;
}

/* the parent's ledger handle and spool as a forked job found them: kept referenced, never used
 * or closed in the child (closing would disturb the parent's SQLite connection) */
static struct ledger *inherited_ledger;
static struct spool inherited_spool;

/* hook_child - in a forked job: use a connection of its own */
static void hook_child(void *arg, const char *job)
{
    (void)job;
    struct runner *r = arg;
    inherited_ledger = r->env.ledger;
    inherited_spool = r->env.spool;
    r->env.ledger = NULL;
    r->env.have_spool = 0;
}

/* parse_schedule - the schedule file and the time zone it is read in; problems into errs */
static int parse_schedule(const struct wb_config *cfg, struct sched_entry **e, size_t *n,
                          struct buf *errs)
{
    int rc = cron_load(cfg->schedule, e, n, errs);
    for (size_t i = 0; rc == WB_OK && i < *n; i++) {
        const struct flow_job *j = flow_job_find((*e)[i].job);
        char why[512];
        if (j && flow_job_options_check(j, cfg, (*e)[i].options, why, sizeof why) != WB_OK) {
            buf_appendf(errs, "%s:%d: %s\n", cfg->schedule, (*e)[i].line, why);
            rc = WB_CONFIG;
        }
    }
    if (rc != WB_OK && *e) {
        cron_entries_free(*e, *n);
        *e = NULL;
        *n = 0;
    }
    const struct tz_zone *z;
    if (rc == WB_OK && (rc = tz_get(cfg->time_zone, &z, errs)) != WB_OK) {
        buf_appends(errs, " (setting time_zone)\n");
        cron_entries_free(*e, *n);
        *e = NULL;
        *n = 0;
    }
    return rc;
}

/* load_schedule - the schedule file (jobs registered first) */
static int load_schedule(const struct wb_config *cfg, struct sched_entry **e, size_t *n)
{
    struct buf errs;
    buf_init(&errs, 64 * 1024);
    int rc = parse_schedule(cfg, e, n, &errs);
    if (rc != WB_OK)
        log_error("event=schedule-invalid errors=\"%s\"", buf_str(&errs));
    buf_free(&errs);
    return rc;
}

/* set_watch - the in/ directory of each lane (flow, seller account) of a flow that takes WMS
 * files, in the spool of r->env */
static int set_watch(struct runner *r)
{
    size_t n;
    const struct flow_def *t = flows(&n);
    int worst = WB_OK;
    r->nwatch = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].direction == FLOW_FROM_AMAZON || !flow_on(&t[i], &r->env.cfg))
            continue;
        for (int a = 0; a < r->env.cfg.naccounts; a++) {
            char *path = r->watch_path[r->nwatch], lane[FLOW_LANE_MAX];
            int rc = flow_lane(t[i].name, &r->env.cfg.accounts[a], lane, sizeof lane);
            if (rc == WB_OK)
                rc = spool_ensure_flow(&r->env.spool, lane);
            if (rc == WB_OK)
                rc = spool_dir(&r->env.spool, SP_IN, lane, path, sizeof r->watch_path[0]);
            if (rc != WB_OK) {
                log_warn("flow=%s account=%s event=watch-dir-failed status=%s", t[i].name,
                         r->env.cfg.accounts[a].name, wb_status_str(rc));
                worst = rc;
                continue;
            }
            r->watch[r->nwatch++] = (struct watch_dir){path, t[i].name};
        }
    }
    return worst;
}

/* same_str - both NULL or equal */
static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* take_locks - the writer locks of cfg's spool and ledger into fd[] (one r already holds on the
 * same file is reused), or none of them: WB_EXISTS with the holder named in errs when another
 * process writes there */
static int take_locks(struct runner *r, const struct wb_config *cfg, int fd[2], char path[2][4200],
                      struct buf *errs)
{
    static const char *const what[2] = {"spool", "ledger"};
    const char *const name[2] = {cfg->spool_dir, cfg->ledger};
    int rc = fs_join(path[0], sizeof path[0], cfg->spool_dir, LOCK_NAME);
    if (rc == WB_OK && snprintf(path[1], sizeof path[1], "%s%s", cfg->ledger, LEDGER_LOCK_SUFFIX) >=
                           (int)sizeof path[1])
        rc = WB_TOOBIG;
    fd[0] = fd[1] = -1;
    for (int i = 0; i < 2 && rc == WB_OK; i++) {
        if (r->lockfd[i] >= 0 && strcmp(r->lockpath[i], path[i]) == 0) {
            fd[i] = r->lockfd[i];
            continue;
        }
        struct buf who;
        buf_init(&who, 1024);
        rc = lock_acquire(path[i], &fd[i], &who);
        if (rc == WB_EXISTS)
            buf_appendf(errs, "%s %s is in use: %s (one writer per %s)\n", what[i], name[i],
                        buf_str(&who), what[i]);
        else if (rc != WB_OK)
            buf_appendf(errs, "%s lock %s: %s\n", what[i], path[i], wb_status_str(rc));
        buf_free(&who);
    }
    if (rc != WB_OK)
        for (int i = 0; i < 2; i++)
            if (fd[i] != r->lockfd[i])
                lock_release(&fd[i]);
    return rc;
}

/* keep_locks - hold the locks take_locks returned, dropping the ones they replace */
static void keep_locks(struct runner *r, int fd[2], char path[2][4200])
{
    for (int i = 0; i < 2; i++) {
        if (r->lockfd[i] != fd[i])
            lock_release(&r->lockfd[i]);
        r->lockfd[i] = fd[i];
        memcpy(r->lockpath[i], path[i], sizeof r->lockpath[i]);
    }
}

/* move_spool - fresh names another spool or ledger: open it and take its locks first */
static int move_spool(struct runner *r, struct wb_env *fresh, int fd[2], char path[2][4200],
                      struct buf *errs)
{
    int rc = env_open_spool(fresh, errs);
    return rc == WB_OK ? take_locks(r, &fresh->cfg, fd, path, errs) : rc;
}

/* hook_reload - SIGHUP: new config, maps and schedule, or keep the old ones */
static int hook_reload(void *arg, const struct wb_config **cfg, const struct sched_entry **entries,
                       size_t *n)
{
    struct runner *r = arg;
    struct wb_env fresh;
    struct buf errs;
    buf_init(&errs, 256 * 1024);
    int rc = env_load(&fresh, r->conf_path, &errs);
    struct sched_entry *ne = NULL;
    size_t nn = 0;
    if (rc == WB_OK)
        rc = load_schedule(&fresh.cfg, &ne, &nn);
    int moved = rc == WB_OK && (!same_str(fresh.cfg.spool_dir, r->env.cfg.spool_dir) ||
                                !same_str(fresh.cfg.ledger, r->env.cfg.ledger));
    int newlock[2] = {-1, -1};
    char newpath[2][4200];
    if (moved)
        rc = move_spool(r, &fresh, newlock, newpath, &errs);
    if (rc != WB_OK) {
        log_error("event=reload-failed kept=old-config errors=\"%s\"", buf_str(&errs));
        cron_entries_free(ne, nn);
        env_free(&fresh);
        buf_free(&errs);
        return WB_CONFIG;
    }
    buf_free(&errs);
    if (r->have_old) {
        env_free(&r->old);
        cron_entries_free(r->old_entries, r->old_n);
    }
    r->old = r->env;
    r->have_old = 1;
    r->old_entries = r->entries;
    r->old_n = r->nentries;
    if (moved) { /* the old ledger and spool close with r->old on the next reload or at exit */
        keep_locks(r, newlock, newpath);
        log_info("event=spool-moved spool=%s ledger=%s", fresh.cfg.spool_dir, fresh.cfg.ledger);
    } else { /* the connection and spool stay */
        fresh.ledger = r->old.ledger;
        fresh.spool = r->old.spool;
        fresh.have_spool = r->old.have_spool;
        r->old.ledger = NULL;
        r->old.have_spool = 0;
    }
    r->env = fresh;
    r->entries = ne;
    r->nentries = nn;
    set_watch(r);
    *cfg = &r->env.cfg;
    *entries = ne;
    *n = nn;
    log_info("event=reloaded config=%s", r->conf_path);
    return WB_OK;
}

/* cmd_schedule_check - parse the schedule of cfg against the job table; problems into errs */
int cmd_schedule_check(const struct wb_config *cfg, size_t *entries, struct buf *errs)
{
    struct sched_entry *e = NULL;
    size_t n = 0;
    int rc = register_jobs();
    if (rc == WB_OK)
        rc = parse_schedule(cfg, &e, &n, errs);
    cron_entries_free(e, n);
    *entries = n;
    return rc;
}

/* cmd_run - see file comment */
int cmd_run(int argc, char **argv, const char *conf_path)
{
    const char *once = NULL, *options = NULL;
    int foreground = 0;
    const struct cmd_opt opts[] = {{"--once", &once, NULL},
                                   {"--options", &options, NULL},
                                   {"--foreground", NULL, &foreground}};
    size_t np;
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), NULL, 0, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    if (options && !once) {
        fprintf(stderr, "wmsbridge run: --options goes with --once JOB\nusage: wmsbridge %s\n",
                cmd_usage("run"));
        return WB_EX_USAGE;
    }
    if (!options)
        options = "";
    (void)foreground; /* the daemon never forks away: accepted for service files that pass it */
    static struct runner r;
    memset(&r, 0, sizeof r);
    r.conf_path = conf_path;
    r.lockfd[0] = r.lockfd[1] = -1;
    the_runner = &r;
    int ex = cmd_load_env(&r.env, conf_path, CMD_SPOOL_NONE);
    if (ex != WB_EX_OK)
        return ex;
    int lvl = log_level_parse(r.env.cfg.log_level);
    log_setup("wmsbridge", lvl < 0 ? LOG_INFO_L : lvl, r.env.cfg.log_syslog);
    struct buf msg;
    buf_init(&msg, 1024);
    if (!once && privs_check_root(r.env.cfg.allow_root, &msg) != WB_OK) {
        fprintf(stderr, "wmsbridge run: %s\n", buf_str(&msg));
        buf_free(&msg);
        env_free(&r.env);
        return WB_EX_CONFIG;
    }
    if (once && !flow_job_find(once)) {
        fprintf(stderr, "wmsbridge run: unknown job '%s' (jobs:", once);
        size_t n;
        const struct flow_job *t = flow_jobs(&n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %s", t[i].name);
        fprintf(stderr, ")\n");
        buf_free(&msg);
        env_free(&r.env);
        return WB_EX_USAGE;
    }
    char why[512];
    if (once && flow_job_options_check(flow_job_find(once), &r.env.cfg, options, why, sizeof why) !=
                    WB_OK) {
        fprintf(stderr, "wmsbridge run: %s\n", why);
        buf_free(&msg);
        env_free(&r.env);
        return WB_EX_USAGE;
    }
    buf_free(&msg);
    struct buf serr;
    buf_init(&serr, 4096);
    int fd[2];
    char path[2][4200];
    int orc = env_open_spool(&r.env, &serr);
    if (orc == WB_OK && (orc = take_locks(&r, &r.env.cfg, fd, path, &serr)) == WB_OK)
        keep_locks(&r, fd, path);
    if (orc != WB_OK) { /* a lock held elsewhere or a busy ledger: retry later */
        fprintf(stderr, "wmsbridge run: %s", buf_str(&serr));
        ex = orc == WB_EXISTS || orc == WB_TEMPFAIL ? WB_EX_TEMPFAIL
             : orc == WB_DENIED                     ? WB_EX_NOPERM
                                                    : WB_EX_CANTCREAT;
    }
    buf_free(&serr);
    long swept = 0;
    if (ex == WB_EX_OK && spool_sweep_temps(&r.env.spool, &swept) == WB_OK && swept)
        log_info("event=recover-temps removed=%ld why=\"left by a killed writer\"", swept);
    if (ex == WB_EX_OK && register_jobs() != WB_OK)
        ex = WB_EX_SOFTWARE;
    struct sched_store store = {store_get, store_put, &r};
    struct sched_hooks hooks = {0};
    hooks.poll = hook_poll;
    hooks.reload = hook_reload;
    hooks.child_init = hook_child;
    hooks.arg = &r;
    hooks.grace_ms = r.env.cfg.job_grace_seconds * 1000L;
    if (ex == WB_EX_OK && once) {
        int outcome = WB_OK;
        int rc = sched_run_once(&r.env.cfg, once, options, &store, &hooks, 0, &outcome);
        ex = rc != WB_OK ? wb_status_exit(rc) : wb_status_exit(outcome);
    } else if (ex == WB_EX_OK) {
        if (load_schedule(&r.env.cfg, &r.entries, &r.nentries) != WB_OK) {
            ex = WB_EX_CONFIG;
        } else {
            set_watch(&r);
            hooks.watch_dirs = r.watch;
            hooks.nwatch_dirs = r.nwatch;
            log_info("event=start config=%s spool=%s jobs=%zu", conf_path, r.env.cfg.spool_dir,
                     r.nentries);
            /* one access token and one set of rate-limit buckets serve every job process */
            if (lwa_share_open() != WB_OK || ratelimit_share_open(ratelimit_scale_env()) != WB_OK)
                log_warn("event=sharing-off reason=\"no shared memory: each job fetches its own "
                         "token and starts with full rate-limit buckets\"");
            int rc = sched_run(&r.env.cfg, r.entries, r.nentries, &store, &hooks);
            ratelimit_share_close();
            lwa_share_close();
            log_info("event=stop outcome=%s", wb_status_str(rc));
            ex = wb_status_exit(rc);
        }
    }
    lock_release(&r.lockfd[0]);
    lock_release(&r.lockfd[1]);
    cron_entries_free(r.entries, r.nentries);
    if (r.have_old) {
        env_free(&r.old);
        cron_entries_free(r.old_entries, r.old_n);
    }
    env_free(&r.env);
    return ex;
}
