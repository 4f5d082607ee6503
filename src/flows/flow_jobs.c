/*
 * flow_jobs.c - the job table of the flows and the glue that runs one job:
 * open the ledger, run the flow, close. Never exits; never decides when
 * (that is the scheduler's).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/flow.h"
#include "flows/flow_jobs.h"
#include "flows/outflow.h"
#include "flows/sftp_xfer.h"
#include "flows/sink.h"
#include "net/spapi.h"
#include "spool/ledger.h"

/* with_ledger - open the ledger for the job if the environment has none */
static int with_ledger(struct wb_env *env, int *opened)
{
    *opened = 0;
    if (env->ledger)
        return WB_OK;
    struct buf err;
    buf_init(&err, 1024);
    int rc = env_open_spool(env, &err);
    if (rc != WB_OK)
        log_error("event=open-spool-failed error=\"%s\"", buf_str(&err));
    buf_free(&err);
    *opened = rc == WB_OK;
    return rc;
}

/* drop_ledger - close what with_ledger opened */
static void drop_ledger(struct wb_env *env, int opened)
{
    if (!opened)
        return;
    ledger_close(env->ledger);
    env->ledger = NULL;
    spool_close(&env->spool);
    env->have_spool = 0;
}

/* account_item - the alert item of account a's connection to Amazon: "sp-api" for the default
 * account, "sp-api/ACCOUNT" for a named one */
static void account_item(const struct wb_account *a, char *item, size_t n)
{
    if (!a || strcmp(a->name, CONF_DEFAULT_ACCOUNT) == 0)
        snprintf(item, n, "sp-api");
    else
        snprintf(item, n, "sp-api/%s", a->name);
}

/* online - open account a's SP-API client into fc. WB_OK; WB_AGAIN when the environment asks
 * for offline runs (WB_OFFLINE=1: tests, demos), which is no failure; else the reason the
 * client cannot be opened, which is never quiet: logged, an "offline" alert raised for that
 * account (cleared once its client works again), and returned so the job fails after its
 * local work */
static int online(struct wb_env *env, const struct wb_account *a, struct feeds_client *fc)
{
    const char *off = getenv("WB_OFFLINE");
    if (off && *off == '1')
        return WB_AGAIN;
    struct buf err;
    buf_init(&err, 2048);
    char item[64];
    account_item(a, item, sizeof item);
    int rc = feeds_client_open(fc, &env->cfg, a, &err);
    if (rc != WB_OK) {
        log_error("account=%s event=offline status=%s reason=\"%s\"", a ? a->name : "default",
                  wb_status_str(rc), buf_str(&err));
        alert_raise_in(env, "offline", a ? a->name : "", "", item, buf_str(&err));
    }
    buf_free(&err);
    return rc;
}

/* client_close - add the client's calls and throttles per operation to the ledger's totals
 * (for the metrics), then close it */
static void client_close(struct wb_env *env, struct feeds_client *fc)
{
    const struct spapi_op_count *c;
    size_t n = spapi_op_counts(fc->api, &c);
    for (size_t i = 0; env->ledger && i < n; i++)
        if (ledger_api_add(env->ledger, c[i].op, c[i].calls, c[i].throttled) != WB_OK)
            log_warn("op=%s event=api-count-failed", c[i].op);
    feeds_client_close(fc);
}

/* account_outcome - after account a's run with its client: Amazon refusing the account's
 * credentials or access (WB_CONFIG: invalid_grant, 401/403 after a refresh) raises the "offline"
 * alert of that account, a run that worked clears it; the other accounts go on either way */
static void account_outcome(struct wb_env *env, const struct wb_account *a, int rc)
{
    char item[64];
    account_item(a, item, sizeof item);
    if (rc == WB_CONFIG) {
        char text[300];
        snprintf(text, sizeof text,
                 "seller account %s: Amazon refused its credentials or access; its files wait "
                 "in the spool (nothing is lost): check its credentials file and authorization",
                 a ? a->name : CONF_DEFAULT_ACCOUNT);
        log_error("account=%s event=account-refused status=%s", a ? a->name : "default",
                  wb_status_str(rc));
        alert_raise_in(env, "offline", a ? a->name : "", "", item, text);
    } else if (rc == WB_OK) {
        alert_clear(env, "offline", item);
    }
}

/* run_account - one account's lane of a flow: its client, intake, batch, submit, poll, settle */
static int run_account(const struct flow_def *fd, void *inst, struct outflow *of,
                       const struct wb_account *a, struct wb_env *env, int force,
                       volatile sig_atomic_t *stop)
{
    char lane[FLOW_LANE_MAX];
    int rc = flow_lane(fd->name, a, lane, sizeof lane);
    if (rc != WB_OK)
        return rc;
    if (of) {
        of->stop = stop;
        of->flow = lane;
        of->account = a;
    }
    struct feeds_client fc;
    int orc = online(env, a, &fc);
    int on = orc == WB_OK;
    long long t0 = clock_mono_ms();
    struct outflow_stats st = {0};
    rc = fd->run(inst, env, on ? &fc : NULL, force, &st);
    log_info("job=%s lane=%s outcome=%s files=%ld rows=%ld good=%ld rejected=%ld dup_files=%ld "
             "feeds=%ld settled=%ld duration_ms=%lld",
             fd->name, lane, wb_status_str(rc), st.files, st.rows, st.good, st.rejected,
             st.dup_files, st.feeds_built, st.settled_files, clock_mono_ms() - t0);
    if (on) {
        client_close(env, &fc);
        account_outcome(env, a, rc);
    }
    if (of)
        of->flow = fd->name; /* lane is gone with this frame */
    return rc == WB_OK && orc != WB_AGAIN ? orc : rc;
}

/* job_fetch - the job of an Amazon -> WMS flow (fetch: its fetch hook), or a flow's report
 * (its report hook): fetch and write, one seller account after the other, each with its own
 * client (one failing never stops the others) */
static int job_fetch(const struct flow_def *fd, struct wb_env *env, const char *options,
                     volatile sig_atomic_t *stop,
                     int (*fetch)(struct wb_env *, const struct wb_account *, struct feeds_client *,
                                  int, struct outflow_stats *))
{
    if (!fetch)
        return WB_OK;
    int opened, rc = with_ledger(env, &opened);
    if (rc != WB_OK)
        return rc;
    int force = options && strstr(options, "now") != NULL;
    for (int i = 0; i < env->cfg.naccounts && !(stop && *stop); i++) {
        const struct wb_account *a = &env->cfg.accounts[i];
        struct feeds_client fc;
        int orc = online(env, a, &fc);
        int on = orc == WB_OK;
        long long t0 = clock_mono_ms();
        struct outflow_stats st = {0};
        int arc = fetch(env, a, on ? &fc : NULL, force, &st);
        log_info("job=%s account=%s outcome=%s documents=%ld records=%ld written=%ld held=%ld "
                 "duration_ms=%lld",
                 fd->name, a->name, wb_status_str(arc), st.files, st.rows, st.good, st.rejected,
                 clock_mono_ms() - t0);
        if (on) {
            feeds_client_close(&fc);
            account_outcome(env, a, arc);
        }
        if (arc == WB_OK && orc != WB_AGAIN)
            arc = orc;
        if (rc == WB_OK)
            rc = arc; /* the first failure is the job's outcome; the other accounts go on */
    }
    drop_ledger(env, opened);
    return rc;
}

/* job_flow - intake, batch, submit, poll, settle for the files of the job's flow, one seller
 * account after the other (each with its own client; one failing never stops the others). A
 * flow without a pipeline (no struct outflow) runs once, with the default account's client */
static int job_flow(const struct flow_job *j, struct wb_env *env, const char *options,
                    volatile sig_atomic_t *stop)
{
    const struct flow_def *fd = j->flow;
    if (!fd->open)
        return job_fetch(fd, env, options, stop, fd->fetch);
    if (fd->report && options && strstr(options, fd->report_option) && flow_on(fd, &env->cfg))
        return job_fetch(fd, env, options, stop, fd->report);
    int opened, rc = with_ledger(env, &opened);
    if (rc != WB_OK)
        return rc;
    void *inst = NULL;
    struct outflow *of = NULL;
    struct buf err;
    buf_init(&err, 4096);
    rc = fd->open(env, &inst, &of, &err);
    if (rc != WB_OK)
        log_error("flow=%s event=init-failed error=\"%s\"", fd->name, buf_str(&err));
    buf_free(&err);
    int force = options && strstr(options, "flush") != NULL;
    if (of)
        of->full = options && strstr(options, "full") != NULL;
    int n = rc != WB_OK ? 0 : of ? env->cfg.naccounts : 1;
    for (int a = 0; a < n && !(stop && *stop); a++) {
        int arc = run_account(fd, inst, of, &env->cfg.accounts[a], env, force, stop);
        if (rc == WB_OK)
            rc = arc; /* the first failure is the job's outcome; the other accounts go on */
    }
    if (inst)
        fd->close(inst);
    drop_ledger(env, opened);
    return rc;
}

/* poll_flow - submit ready feeds of one flow's lane, poll those in flight, settle */
static int poll_flow(const struct flow_def *fd, const struct wb_account *a, struct wb_env *env,
                     struct feeds_client *fc, int all, volatile sig_atomic_t *stop)
{
    void *inst = NULL;
    struct outflow *of = NULL;
    char lane[FLOW_LANE_MAX];
    struct buf err;
    buf_init(&err, 4096);
    int rc = flow_lane(fd->name, a, lane, sizeof lane);
    if (rc == WB_OK && (rc = fd->open(env, &inst, &of, &err)) != WB_OK)
        log_error("flow=%s event=init-failed error=\"%s\"", fd->name, buf_str(&err));
    buf_free(&err);
    if (rc != WB_OK)
        return rc;
    if (!of) {
        fd->close(inst);
        return WB_OK;
    }
    of->stop = stop;
    of->flow = lane;
    of->account = a;
    rc = sink_run(a, env, fc, of, all);
    struct outflow_stats st = {0};
    int src = outflow_settle(of, &env->spool, env->ledger, &st);
    if (rc == WB_OK)
        rc = src;
    fd->close(inst);
    return rc;
}

/* job_feeds_poll - submit ready feeds and poll those in flight, for every flow of every seller
 * account (each with its own client; one account failing never stops the others) */
static int job_feeds_poll(const struct flow_job *j, struct wb_env *env, const char *options,
                          volatile sig_atomic_t *stop)
{
    (void)j;
    int opened, rc = with_ledger(env, &opened);
    if (rc != WB_OK)
        return rc;
    int all = options && strstr(options, "now") != NULL;
    size_t n;
    const struct flow_def *t = flows(&n);
    for (int a = 0; a < env->cfg.naccounts && !(stop && *stop); a++) {
        const struct wb_account *acc = &env->cfg.accounts[a];
        struct feeds_client fc;
        int orc = online(env, acc, &fc);
        if (orc != WB_OK && orc != WB_AGAIN && rc == WB_OK)
            rc = orc;
        if (orc != WB_OK)
            continue;
        int arc = WB_OK;
        for (size_t i = 0; i < n; i++) {
            if (t[i].direction != FLOW_TO_AMAZON || !flow_on(&t[i], &env->cfg))
                continue;
            int frc = poll_flow(&t[i], acc, env, &fc, all, stop);
            if (arc == WB_OK)
                arc = frc;
        }
        client_close(env, &fc);
        account_outcome(env, acc, arc);
        if (rc == WB_OK)
            rc = arc;
    }
    drop_ledger(env, opened);
    return rc;
}

/* job_sftp - pull or push for every remote of that direction */
static int job_sftp(struct wb_env *env, const char *options, int push)
{
    int opened, rc = with_ledger(env, &opened);
    if (rc != WB_OK)
        return rc;
    int worst = WB_OK;
    for (int i = 0; i < env->cfg.nremotes; i++) {
        const struct wb_remote *r = &env->cfg.remotes[i];
        if (strcmp(r->direction, push ? "push" : "pull") != 0)
            continue;
        if (options && *options && strcmp(options, r->name) != 0)
            continue;
        struct buf err;
        buf_init(&err, 4096);
        int x;
        if (push) {
            struct sftp_push_stats st = {0};
            x = sftp_push(&env->cfg, r, &env->spool, &st, &err);
        } else {
            struct sftp_pull_stats st = {0};
            x = sftp_pull(&env->cfg, r, &env->spool, env->ledger, &st, &err);
        }
        char item[80];
        snprintf(item, sizeof item, "remote/%s", r->name);
        if (x != WB_OK) {
            log_warn("job=sftp-%s remote=%s outcome=%s error=\"%s\"", push ? "push" : "pull",
                     r->name, wb_status_str(x), buf_str(&err));
            alert_raise_in(env, "sftp-down", r->account, r->flow, item, buf_str(&err));
            worst = x;
        } else {
            alert_clear(env, "sftp-down", item);
        }
        buf_free(&err);
    }
    drop_ledger(env, opened);
    return worst;
}

/* job_sftp_pull - see job_sftp */
static int job_sftp_pull(const struct flow_job *j, struct wb_env *env, const char *options,
                         volatile sig_atomic_t *stop)
{
    (void)j;
    (void)stop;
    return job_sftp(env, options, 0);
}

/* job_sftp_push - see job_sftp */
static int job_sftp_push(const struct flow_job *j, struct wb_env *env, const char *options,
                         volatile sig_atomic_t *stop)
{
    (void)j;
    (void)stop;
    return job_sftp(env, options, 1);
}

/* purge_dir - remove regular files older than cutoff below dir (recursively, no symlinks) */
static long purge_dir(const char *dir, time_t cutoff, int depth)
{
    long n = 0;
    DIR *d = opendir(dir);
    if (!d || depth > 3) {
        if (d)
            closedir(d);
        return 0;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' &&
            (!de->d_name[1] || de->d_name[1] == '.' || !strcmp(de->d_name, ".keep")))
            continue;
        char p[4400];
        if (fs_join(p, sizeof p, dir, de->d_name) != WB_OK)
            continue;
        struct stat sb;
        if (lstat(p, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            n += purge_dir(p, cutoff, depth + 1);
            rmdir(p); /* only succeeds once empty */
        } else if (S_ISREG(sb.st_mode) && sb.st_mtime < cutoff && unlink(p) == 0) {
            n++;
        }
    }
    closedir(d);
    return n;
}

/* job_purge - retention of done/, sent/, reports/, feeds/ and settled ledger rows */
static int job_purge(const struct flow_job *j, struct wb_env *env, const char *options,
                     volatile sig_atomic_t *stop)
{
    (void)j;
    (void)options;
    (void)stop;
    int opened, rc = with_ledger(env, &opened);
    if (rc != WB_OK)
        return rc;
    time_t cutoff = clock_now() - env->cfg.retention_days * 86400L;
    static const enum spool_state states[] = {SP_DONE, SP_SENT, SP_REPORTS, SP_FEEDS};
    long files = 0, rows = 0;
    for (size_t i = 0; i < WB_ARRAY_LEN(states); i++) {
        char dir[4096];
        if (spool_dir(&env->spool, states[i], NULL, dir, sizeof dir) == WB_OK)
            files += purge_dir(dir, cutoff, 0);
    }
    rc = ledger_purge(env->ledger, cutoff, &rows);
    log_info("job=purge outcome=%s files=%ld ledger_rows=%ld retention_days=%ld", wb_status_str(rc),
             files, rows, env->cfg.retention_days);
    drop_ledger(env, opened);
    return rc;
}

/* the jobs shared by every flow; each flow's own job (named after it) comes first. The flows'
 * jobs, feeds-poll and purge all submit, settle or remove feeds: one at a time */
static const struct flow_job shared[] = {
    {"feeds-poll", "submit ready feeds, poll feeds in flight, settle results", job_feeds_poll, 0,
     "feeds", "now", NULL},
    {"sftp-pull", "fetch complete files from the WMS SFTP server into in/", job_sftp_pull, 0, NULL,
     "REMOTE", NULL},
    {"sftp-push", "upload files of out/ to the WMS SFTP server", job_sftp_push, 0, NULL, "REMOTE",
     NULL},
    {"purge", "retention: old done/ sent/ reports/ feeds/ files and ledger rows", job_purge, 0,
     "feeds", "", NULL},
};

static struct flow_job table[CONF_MAX_FLOWS + WB_ARRAY_LEN(shared)];
static size_t ntable;

/* flow_jobs - the table: a job per flow of the flow table, then the shared ones */
const struct flow_job *flow_jobs(size_t *n)
{
    if (!ntable) {
        size_t nf;
        const struct flow_def *t = flows(&nf);
        for (size_t i = 0; i < nf; i++)
            if (t[i].open || t[i].fetch) /* a flow without a spool path has no job */
                table[ntable++] = (struct flow_job){t[i].name, t[i].job_help,    job_flow, 0,
                                                    "feeds",   t[i].job_options, &t[i]};
        for (size_t i = 0; i < WB_ARRAY_LEN(shared); i++)
            table[ntable++] = shared[i];
    }
    *n = ntable;
    return table;
}

/* flow_job_find - a job by name */
const struct flow_job *flow_job_find(const char *name)
{
    size_t n;
    const struct flow_job *t = flow_jobs(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

/* flow_job_when - when a job must run besides its schedule: feeds in flight for feeds-poll,
 * a flow's batch window once rows wait (a deferred row's from its due time); *when 0 if not */
int flow_job_when(struct wb_env *env, const struct flow_job *j, time_t now, time_t *when)
{
    *when = 0;
    if (strcmp(j->name, "feeds-poll") == 0) {
        long n, next;
        int rc = feeds_in_flight(env, NULL, &n, &next);
        if (rc == WB_OK && n)
            *when = next > now ? (time_t)next : now;
        return rc;
    }
    if (j->flow && j->flow->direction == FLOW_TO_AMAZON) {
        for (int a = 0; a < env->cfg.naccounts; a++) { /* the earliest of its lanes */
            long count;
            time_t oldest;
            char lane[FLOW_LANE_MAX];
            int rc = flow_lane(j->flow->name, &env->cfg.accounts[a], lane, sizeof lane);
            if (rc == WB_OK)
                rc = ledger_pending_stats(env->ledger, lane, &count, &oldest);
            if (rc != WB_OK)
                return rc;
            time_t t = oldest + env->cfg.batch_window_seconds; /* a deferred row: from its due */
            if (oldest && (!*when || t < *when))
                *when = t;
        }
        return WB_OK;
    }
    return WB_OK;
}

/* word_at - the blank-separated word at *p into w (cut to n - 1 bytes), *p moved past it; 0 at
 * the end */
static int word_at(const char **p, char *w, size_t n)
{
    *p += strspn(*p, " \t");
    size_t k = strcspn(*p, " \t");
    if (!k)
        return 0;
    snprintf(w, n, "%.*s", (int)(k < n ? k : n - 1), *p);
    *p += k;
    return 1;
}

/* flow_job_options_check - every option word one the job takes */
int flow_job_options_check(const struct flow_job *j, const struct wb_config *cfg,
                           const char *options, char *why, size_t n)
{
    int remote = strcmp(j->options, "REMOTE") == 0;
    const char *p = options ? options : "";
    char w[64], cand[64], near[64] = "";
    while (word_at(&p, w, sizeof w)) {
        int known = 0;
        if (remote) {
            for (int i = 0; cfg && i < cfg->nremotes && !known; i++) {
                known = strcmp(cfg->remotes[i].name, w) == 0;
                if (!near[0] && str_edit_distance(w, cfg->remotes[i].name) <= 2)
                    snprintf(near, sizeof near, "%s", cfg->remotes[i].name);
            }
        } else {
            for (const char *q = j->options; !known && word_at(&q, cand, sizeof cand);) {
                known = strcmp(cand, w) == 0;
                if (!near[0] && str_edit_distance(w, cand) <= 2)
                    snprintf(near, sizeof near, "%s", cand);
            }
        }
        if (!known) {
            snprintf(why, n, "job %s does not take the option '%s'%s%s%s; it takes %s", j->name, w,
                     near[0] ? " (did you mean '" : "", near, near[0] ? "'?)" : "",
                     remote        ? "the name of one of its remotes"
                     : *j->options ? j->options
                                   : "none");
            return WB_BADARG;
        }
    }
    return WB_OK;
}
