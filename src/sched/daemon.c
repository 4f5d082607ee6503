/*
 * daemon.c - the scheduler loop and the job runner.
 *
 * Owns the running children, the per-entry next slots, the signalfd and the
 * spool watcher of one sched_run (or sched_run_once) call. The loop sleeps in
 * poll(2) until the earliest of: a schedule slot, a poll-hook time, a job
 * deadline, the next rescan, a signal (signalfd) or an inotify event; it never
 * sleeps inside a job. Signal handlers do no work: the parent reads signals
 * from a signalfd, the child's handler only sets a flag that
 * job_ctx_should_stop() reads.
 *
 * Job-run states (one per job name; the name never runs twice at once):
 *
 *               slot due / file seen / poll time reached
 *     IDLE ---------------------------------------------> RUNNING
 *      ^         start_run(): fork, store.put(outcome RUNNING)  |
 *      |                                                        |
 *      |  reap(): store.put(last_end, outcome = exit status)    |
 *      +--------------------------------------------------------+ child exits
 *      |                                                        |
 *      |                 deadline passed, or daemon SIGTERM:    |
 *      |                 enforce_deadlines()/stop_all() send    v
 *      |  reap(): outcome TIMEOUT                          STOPPING (SIGTERM sent;
 *      +<------------------------------------------------- should_stop() is 1)
 *      |                                                        |
 *      |                 grace_ms over: enforce_deadlines()     v
 *      |  reap(): outcome TIMEOUT or KILLED                KILLED (SIGKILL sent)
 *      +<-------------------------------------------------------+
 *
 *   slot due while RUNNING/STOPPING: skip_slot() logs and drops it (not queued);
 *   file or poll trigger while busy: remembered once, started after the run ends;
 *   anything due while another job of the same group runs: remembered once (with
 *   its slot), started once no job of the group runs (group_busy());
 *   after downtime: the latest missed slot runs once (init_slots, from last_slot).
 *
 * Error contract: WB_OK after an orderly stop; WB_IOERR when signalfd/poll
 * cannot be set up; store and fork failures are logged, never fatal. Never
 * exits; a forked child leaves only through wb_exit_now(job status).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/wb.h"
#include "sched/daemon.h"
#include "sched/sched_int.h"

#define DEFAULT_TICK_MS 1000
#define DEFAULT_GRACE_MS 10000
#define POLL_MIN_GAP_MS 1000 /* a poll trigger waits this long after the job's last run */

enum trigger { TRIG_SCHEDULE, TRIG_CATCHUP, TRIG_FILE, TRIG_POLL, TRIG_MANUAL };
static const char *const trigger_names[] = {"schedule", "catch-up", "file", "poll", "manual"};

static volatile sig_atomic_t child_stop; /* set by the SIGTERM handler of a job process */

struct runner {
    const struct job_def *def;
    pid_t pid;
    long long start_ms, deadline_ms, kill_ms, end_ms;
    time_t slot;
    int timed_out, term_sent, kill_sent, stopping;
    int pending; /* trigger waiting for the current run (or its group) to end */
    int pending_trig;
    time_t pending_slot; /* schedule slot of a deferred scheduled run, 0 = none */
};

struct loop {
    const struct wb_config *cfg;
    const struct sched_entry *entries;
    size_t n;
    time_t *next; /* per entry, 0 = none */
    const struct sched_store *store;
    const struct sched_hooks *hooks;
    struct runner *run;
    size_t nrun;
    int sigfd;
    sigset_t oldmask;
    struct watch *watch;
    long long next_scan_ms; /* next listing of the watched directories */
    long grace_ms;
    int stopping;
    int daemon; /* 1 in sched_run: next_run is known and published */
};

/* sched_outcome_str - short name of an outcome for logs and status */
const char *sched_outcome_str(int outcome)
{
    switch (outcome) {
    case SCHED_OUT_RUNNING:
        return "running";
    case SCHED_OUT_TIMEOUT:
        return "timeout";
    case SCHED_OUT_CRASHED:
        return "crashed";
    case SCHED_OUT_KILLED:
        return "killed";
    case SCHED_OUT_NOSTART:
        return "nostart";
    case SCHED_OUT_LOST:
        return "lost";
    default:
        return wb_status_str(outcome);
    }
}

/* iso - format an epoch for a log line into out ("-" for none) */
static const char *iso(time_t t, char *out, size_t n)
{
    if (t <= 0) {
        snprintf(out, n, "-");
        return out;
    }
    clock_format_iso(t, out, n);
    return out;
}

/* state_get - store get, zeroed state when missing or no store */
static int state_get(const struct sched_store *s, const char *job, struct sched_job_state *st)
{
    memset(st, 0, sizeof *st);
    if (!s || !s->get)
        return WB_NOTFOUND;
    int rc = s->get(s->arg, job, st);
    if (rc != WB_OK) {
        if (rc != WB_NOTFOUND)
            log_warn("job=%s event=state_get_failed status=%s", job, wb_status_str(rc));
        memset(st, 0, sizeof *st);
    }
    return rc;
}

/* state_put - store put, failures logged */
static void state_put(const struct sched_store *s, const char *job,
                      const struct sched_job_state *st)
{
    if (!s || !s->put)
        return;
    int rc = s->put(s->arg, job, st);
    if (rc != WB_OK)
        log_warn("job=%s event=state_put_failed status=%s", job, wb_status_str(rc));
}

/* child_handler - SIGTERM/SIGINT in a job process: ask the job to stop */
static void child_handler(int sig)
{
    (void)sig;
    child_stop = 1;
}

/* run_job - call the job's entry point with a fresh context; returns its status */
static int run_job(const struct wb_config *cfg, const struct job_def *def, const char *options,
                   time_t slot, long long deadline_ms)
{
    struct job_ctx ctx = {cfg, def->name, options ? options : "", slot, deadline_ms, &child_stop};
    return def->run(&ctx, def->arg);
}

/* child_main - in the forked child: reset signals, run the job, _exit with its status */
static void child_main(struct loop *L, const struct job_def *def, const char *options, time_t slot,
                       long long deadline_ms)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = child_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &sa, NULL);
    child_stop = 0;
    if (L->sigfd >= 0)
        close(L->sigfd);
    if (L->watch && watch_fd(L->watch) >= 0)
        close(watch_fd(L->watch));
    sigprocmask(SIG_SETMASK, &L->oldmask, NULL);
    if (L->hooks && L->hooks->child_init)
        L->hooks->child_init(L->hooks->arg, def->name);
    int rc = run_job(L->cfg, def, options, slot, deadline_ms);
    wb_exit_now(rc >= 0 && rc < WB_STATUS_MAX ? rc : WB_INTERNAL);
}

/* job_next - earliest next slot of the entries of job (0 = none) */
static time_t job_next(const struct loop *L, const char *job)
{
    time_t best = 0;
    for (size_t i = 0; i < L->n; i++)
        if (L->next[i] && strcmp(L->entries[i].job, job) == 0 && (!best || L->next[i] < best))
            best = L->next[i];
    return best;
}

/* job_options - options of the first schedule line of job ("" if none) */
static const char *job_options(const struct loop *L, const char *job)
{
    for (size_t i = 0; i < L->n; i++)
        if (strcmp(L->entries[i].job, job) == 0)
            return L->entries[i].options;
    return "";
}

/* find_runner - the runner of job name, or NULL */
static struct runner *find_runner(struct loop *L, const char *job)
{
    for (size_t i = 0; i < L->nrun; i++)
        if (strcmp(L->run[i].def->name, job) == 0)
            return &L->run[i];
    return NULL;
}

/* start_run - IDLE -> RUNNING: record the start, fork the child */
static void start_run(struct loop *L, struct runner *r, time_t slot, const char *options,
                      enum trigger trig)
{
    char b1[32], b2[32];
    time_t now = clock_now();
    struct sched_job_state st;
    state_get(L->store, r->def->name, &st);
    if (slot)
        st.last_slot = slot;
    st.last_start = now;
    st.last_outcome = SCHED_OUT_RUNNING;
    if (L->daemon)
        st.next_run = job_next(L, r->def->name);
    st.runs++;
    state_put(L->store, r->def->name, &st);

    long timeout = jobs_timeout(r->def, L->cfg);
    long long start_ms = clock_mono_ms();
    long long deadline = start_ms + (long long)timeout * 1000;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child_main(L, r->def, options, slot, deadline);
    if (pid < 0) {
        log_error("job=%s event=start_failed error=\"%s\"", r->def->name, strerror(errno));
        st.last_end = now;
        st.last_outcome = SCHED_OUT_NOSTART;
        state_put(L->store, r->def->name, &st);
        return;
    }
    r->pid = pid;
    r->start_ms = start_ms;
    r->deadline_ms = deadline;
    r->kill_ms = 0;
    r->slot = slot;
    r->timed_out = r->term_sent = r->kill_sent = 0;
    log_info("job=%s event=start pid=%ld trigger=%s slot=%s timeout=%ld next=%s", r->def->name,
             (long)pid, trigger_names[trig], iso(slot, b1, sizeof b1), timeout,
             iso(st.next_run, b2, sizeof b2));
}

/* finish_run - RUNNING/STOPPING/KILLED -> IDLE: record and return the outcome */
static int finish_run(struct loop *L, struct runner *r, int status)
{
    int outcome;
    /* a job that saw should_stop at its deadline and returned also timed out */
    if (r->timed_out || clock_mono_ms() >= r->deadline_ms)
        outcome = SCHED_OUT_TIMEOUT;
    else if (WIFEXITED(status))
        outcome = WEXITSTATUS(status);
    else if (WIFSIGNALED(status) && r->kill_sent)
        outcome = SCHED_OUT_KILLED;
    else
        outcome = SCHED_OUT_CRASHED;
    struct sched_job_state st;
    state_get(L->store, r->def->name, &st);
    st.last_end = clock_now();
    st.last_outcome = outcome;
    if (L->daemon)
        st.next_run = job_next(L, r->def->name);
    state_put(L->store, r->def->name, &st);
    r->end_ms = clock_mono_ms();
    long long ms = r->end_ms - r->start_ms;
    int lvl = outcome == WB_OK ? LOG_INFO_L : LOG_WARN_L;
    if (WIFSIGNALED(status))
        log_msg(lvl, "job=%s event=end pid=%ld outcome=%s signal=%d ms=%lld", r->def->name,
                (long)r->pid, sched_outcome_str(outcome), WTERMSIG(status), ms);
    else
        log_msg(lvl, "job=%s event=end pid=%ld outcome=%s ms=%lld", r->def->name, (long)r->pid,
                sched_outcome_str(outcome), ms);
    r->pid = 0;
    return outcome;
}

/* reap - collect our finished children (only our pids: hooks may have their own) */
static void reap(struct loop *L)
{
    for (size_t i = 0; i < L->nrun; i++) {
        struct runner *r = &L->run[i];
        int status;
        if (r->pid > 0 && waitpid(r->pid, &status, WNOHANG) == r->pid)
            finish_run(L, r, status);
    }
}

/* running_count - children still running */
static size_t running_count(const struct loop *L)
{
    size_t k = 0;
    for (size_t i = 0; i < L->nrun; i++)
        if (L->run[i].pid > 0)
            k++;
    return k;
}

/* send_term - RUNNING -> STOPPING */
static void send_term(struct loop *L, struct runner *r, long long now_ms)
{
    if (r->term_sent)
        return;
    kill(r->pid, SIGTERM);
    r->term_sent = 1;
    r->kill_ms = now_ms + L->grace_ms;
}

/* enforce_deadlines - SIGTERM at the deadline, SIGKILL after the grace period */
static void enforce_deadlines(struct loop *L, long long now_ms)
{
    for (size_t i = 0; i < L->nrun; i++) {
        struct runner *r = &L->run[i];
        if (r->pid <= 0)
            continue;
        if (!r->term_sent && now_ms >= r->deadline_ms) {
            log_warn("job=%s event=timeout pid=%ld timeout=%ld", r->def->name, (long)r->pid,
                     jobs_timeout(r->def, L->cfg));
            r->timed_out = 1;
            send_term(L, r, now_ms);
        }
        if (r->term_sent && !r->kill_sent && now_ms >= r->kill_ms) {
            log_warn("job=%s event=kill pid=%ld grace_ms=%ld", r->def->name, (long)r->pid,
                     L->grace_ms);
            kill(r->pid, SIGKILL);
            r->kill_sent = 1;
        }
    }
}

/* stop_all - daemon stop: forward SIGTERM to every child */
static void stop_all(struct loop *L)
{
    long long now_ms = clock_mono_ms();
    for (size_t i = 0; i < L->nrun; i++)
        if (L->run[i].pid > 0)
            send_term(L, &L->run[i], now_ms);
}

/* signals_open - block the daemon's signals and read them from a signalfd */
static int signals_open(struct loop *L)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, &L->oldmask) != 0)
        return WB_IOERR;
    L->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (L->sigfd < 0) {
        log_error("event=signalfd_failed error=\"%s\"", strerror(errno));
        sigprocmask(SIG_SETMASK, &L->oldmask, NULL);
        return WB_IOERR;
    }
    return WB_OK;
}

/* signals_close - drain, close the signalfd and restore the mask */
static void signals_close(struct loop *L)
{
    if (L->sigfd < 0)
        return;
    struct signalfd_siginfo si;
    while (read(L->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
    }
    close(L->sigfd);
    L->sigfd = -1;
    sigprocmask(SIG_SETMASK, &L->oldmask, NULL);
}

/* runners_open - one runner per registered job */
static int runners_open(struct loop *L)
{
    L->nrun = jobs_count();
    L->run = calloc(L->nrun ? L->nrun : 1, sizeof *L->run);
    if (!L->run)
        return WB_NOMEM;
    for (size_t i = 0; i < L->nrun; i++)
        L->run[i].def = jobs_at(i);
    return WB_OK;
}

/* init_slots - next slot of each entry; a slot missed while down is due now, once */
static int init_slots(struct loop *L, int catch_up)
{
    time_t *nx = calloc(L->n ? L->n : 1, sizeof *nx);
    if (!nx)
        return WB_NOMEM;
    free(L->next);
    L->next = nx;
    time_t now = clock_now();
    char b1[32], b2[32];
    for (size_t i = 0; i < L->n; i++) {
        const struct sched_entry *e = &L->entries[i];
        struct sched_job_state st;
        int have = state_get(L->store, e->job, &st) == WB_OK && st.last_slot > 0;
        time_t prev;
        if (catch_up && have &&
            cron_prev(&e->when, L->cfg->time_zone, st.last_slot, now, &prev) == WB_OK) {
            log_info("job=%s event=catch_up line=%d missed_slot=%s last_slot=%s", e->job, e->line,
                     iso(prev, b1, sizeof b1), iso(st.last_slot, b2, sizeof b2));
            L->next[i] = prev;
            continue;
        }
        int rc = cron_next(&e->when, L->cfg->time_zone, now, &L->next[i]);
        if (rc != WB_OK) {
            log_error("job=%s event=no_next_slot line=%d status=%s", e->job, e->line,
                      wb_status_str(rc));
            L->next[i] = 0;
        }
    }
    return WB_OK;
}

/* publish_next - store each scheduled job's next slot (for status), where it changed */
static void publish_next(struct loop *L)
{
    for (size_t i = 0; i < L->nrun; i++) {
        const char *job = L->run[i].def->name;
        time_t nx = job_next(L, job);
        struct sched_job_state st;
        int have = state_get(L->store, job, &st) == WB_OK;
        if ((have || nx) && st.next_run != nx) {
            st.next_run = nx;
            state_put(L->store, job, &st);
        }
    }
}

/* record_lost - runs left RUNNING by a daemon that died are marked LOST */
static void record_lost(struct loop *L)
{
    for (size_t i = 0; i < L->nrun; i++) {
        struct sched_job_state st;
        const char *job = L->run[i].def->name;
        if (state_get(L->store, job, &st) == WB_OK && st.last_outcome == SCHED_OUT_RUNNING) {
            log_warn("job=%s event=lost_run last_start=%ld", job, (long)st.last_start);
            st.last_outcome = SCHED_OUT_LOST;
            st.last_end = clock_now();
            state_put(L->store, job, &st);
        }
    }
}

/* group_busy - the running job of r's group other than r, or NULL */
static const struct runner *group_busy(const struct loop *L, const struct runner *r)
{
    const char *g = r->def->group;
    if (!g || !*g)
        return NULL;
    for (size_t i = 0; i < L->nrun; i++) {
        const struct runner *o = &L->run[i];
        if (o != r && o->pid > 0 && o->def->group && strcmp(o->def->group, g) == 0)
            return o;
    }
    return NULL;
}

/* defer - remember a run of r until it (or its group) is free */
static void defer(struct runner *r, enum trigger trig, time_t slot)
{
    if (!r->pending || slot)
        r->pending_slot = slot;
    r->pending = 1;
    r->pending_trig = trig;
}

/* trigger - a file or poll asks for job: start it, or remember it while busy */
static void trigger(struct loop *L, const char *job, enum trigger trig)
{
    struct runner *r = find_runner(L, job);
    if (!r) {
        log_warn("job=%s event=trigger_unknown_job trigger=%s", job, trigger_names[trig]);
        return;
    }
    if (L->stopping)
        return;
    if (r->pid > 0 || group_busy(L, r)) {
        if (!r->pending)
            log_debug("job=%s event=trigger_pending trigger=%s", job, trigger_names[trig]);
        defer(r, trig, 0);
        return;
    }
    start_run(L, r, 0, job_options(L, job), trig);
}

/* file_hit - watcher callback */
static void file_hit(void *arg, const char *job)
{
    trigger(arg, job, TRIG_FILE);
}

/* skip_slot - a slot came while the job was still running: log and drop it */
static void skip_slot(const struct sched_entry *e, const struct runner *r, time_t slot)
{
    char b[32];
    log_warn("job=%s event=skip reason=still_running pid=%ld slot=%s line=%d", e->job, (long)r->pid,
             iso(slot, b, sizeof b), e->line);
}

/* run_due - start entries whose slot has come, then pending triggers */
static void run_due(struct loop *L, time_t now)
{
    for (size_t i = 0; i < L->n && !L->stopping; i++) {
        const struct sched_entry *e = &L->entries[i];
        if (!L->next[i] || L->next[i] > now)
            continue;
        time_t slot = L->next[i];
        int late = now - slot > 60;
        if (cron_next(&e->when, L->cfg->time_zone, now, &L->next[i]) != WB_OK)
            L->next[i] = 0;
        struct runner *r = find_runner(L, e->job);
        if (!r)
            continue;
        if (r->pid > 0) {
            skip_slot(e, r, slot);
            continue;
        }
        const struct runner *o = group_busy(L, r);
        if (o) {
            char b[32];
            log_info("job=%s event=deferred reason=group_busy group=%s running=%s slot=%s", e->job,
                     r->def->group, o->def->name, iso(slot, b, sizeof b));
            defer(r, late ? TRIG_CATCHUP : TRIG_SCHEDULE, slot);
            continue;
        }
        start_run(L, r, slot, e->options, late ? TRIG_CATCHUP : TRIG_SCHEDULE);
    }
    for (size_t i = 0; i < L->nrun && !L->stopping; i++) {
        struct runner *r = &L->run[i];
        if (r->pending && r->pid <= 0 && !group_busy(L, r)) {
            r->pending = 0;
            start_run(L, r, r->pending_slot, job_options(L, r->def->name),
                      (enum trigger)r->pending_trig);
            r->pending_slot = 0;
        }
    }
}

/* ask_polls - the poll hook for each job: trigger due ones, return the earliest future time */
static time_t ask_polls(struct loop *L, time_t now)
{
    time_t earliest = 0;
    if (!L->hooks || !L->hooks->poll || L->stopping)
        return 0;
    for (size_t i = 0; i < L->nrun; i++) {
        time_t when = 0;
        const char *job = L->run[i].def->name;
        if (L->hooks->poll(L->hooks->arg, job, now, &when) != WB_OK || when <= 0)
            continue;
        if (when <= now) {
            const struct runner *r = &L->run[i];
            if (r->pid <= 0 && (!r->end_ms || clock_mono_ms() - r->end_ms >= POLL_MIN_GAP_MS))
                trigger(L, job, TRIG_POLL);
        } else if (!earliest || when < earliest) {
            earliest = when;
        }
    }
    return earliest;
}

/* reopen_watch - after a reload: watch what hooks->watch_dirs name now, list them at once */
static void reopen_watch(struct loop *L)
{
    watch_close(L->watch);
    L->watch = NULL;
    if (L->hooks->nwatch_dirs &&
        watch_open(&L->watch, L->hooks->watch_dirs, L->hooks->nwatch_dirs) != WB_OK)
        log_error("event=reload result=partial reason=watch_nomem fallback=none");
    for (size_t i = 0; i < L->hooks->nwatch_dirs; i++)
        log_info("dir=%s event=watch job=%s", L->hooks->watch_dirs[i].dir,
                 L->hooks->watch_dirs[i].job);
    L->next_scan_ms = clock_mono_ms();
}

/* do_reload - SIGHUP: let the caller reload; adopt what it hands back */
static void do_reload(struct loop *L)
{
    if (!L->hooks || !L->hooks->reload) {
        log_info("event=reload result=ignored reason=no_reload_hook");
        return;
    }
    const struct wb_config *cfg = L->cfg;
    const struct sched_entry *entries = L->entries;
    size_t n = L->n;
    int rc = L->hooks->reload(L->hooks->arg, &cfg, &entries, &n);
    if (rc != WB_OK) {
        log_warn("event=reload result=failed status=%s kept=previous", wb_status_str(rc));
        return;
    }
    int sched_changed = entries != L->entries || n != L->n || cfg != L->cfg;
    if (cfg)
        L->cfg = cfg;
    L->entries = entries;
    L->n = n;
    if (sched_changed && init_slots(L, 0) != WB_OK)
        log_error("event=reload result=partial reason=nomem");
    if (sched_changed)
        publish_next(L);
    reopen_watch(L);
    log_info("event=reload result=ok entries=%zu", L->n);
}

/* read_signals - act on every signal waiting in the signalfd */
static void read_signals(struct loop *L)
{
    struct signalfd_siginfo si;
    while (read(L->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        switch (si.ssi_signo) {
        case SIGTERM:
        case SIGINT:
            if (!L->stopping)
                log_info("event=stop signal=%u running=%zu", si.ssi_signo, running_count(L));
            L->stopping = 1;
            stop_all(L);
            break;
        case SIGHUP:
            do_reload(L);
            break;
        default: /* SIGCHLD: reaped at the top of the loop */
            break;
        }
    }
}

/* wait_ms - how long to sleep before something is due */
static long wait_ms(const struct loop *L, time_t now, time_t poll_at, long long next_scan_ms,
                    long tick)
{
    long long mono = clock_mono_ms();
    long long w = tick;
    for (size_t i = 0; i < L->n && !L->stopping; i++)
        if (L->next[i] && (L->next[i] - now) * 1000LL < w)
            w = (L->next[i] - now) * 1000LL;
    if (poll_at && (poll_at - now) * 1000LL < w)
        w = (poll_at - now) * 1000LL;
    if (L->watch && !L->stopping && next_scan_ms - mono < w)
        w = next_scan_ms - mono;
    for (size_t i = 0; i < L->nrun; i++) {
        const struct runner *r = &L->run[i];
        if (r->pid <= 0)
            continue;
        long long d = r->term_sent ? r->kill_ms : r->deadline_ms;
        if (!r->kill_sent && d - mono < w)
            w = d - mono;
    }
    return w < 0 ? 0 : (long)w;
}

/* loop_close - release everything a loop holds */
static void loop_close(struct loop *L)
{
    watch_close(L->watch);
    L->watch = NULL;
    signals_close(L);
    free(L->run);
    free(L->next);
    L->run = NULL;
    L->next = NULL;
}

/* sched_run - the daemon loop until SIGTERM/SIGINT */
enum wb_status sched_run(const struct wb_config *cfg, const struct sched_entry *entries, size_t n,
                         const struct sched_store *store, struct sched_hooks *hooks)
{
    if (!cfg || (n && !entries))
        return WB_BADARG;
    struct loop L;
    memset(&L, 0, sizeof L);
    L.cfg = cfg;
    L.entries = entries;
    L.n = n;
    L.store = store;
    L.hooks = hooks;
    L.sigfd = -1;
    L.grace_ms = hooks && hooks->grace_ms > 0 ? hooks->grace_ms : DEFAULT_GRACE_MS;
    long tick = hooks && hooks->tick_ms > 0 ? hooks->tick_ms : DEFAULT_TICK_MS;
    int rc;
    if ((rc = runners_open(&L)) != WB_OK || (rc = signals_open(&L)) != WB_OK) {
        loop_close(&L);
        return rc;
    }
    if (hooks && hooks->nwatch_dirs &&
        (rc = watch_open(&L.watch, hooks->watch_dirs, hooks->nwatch_dirs)) != WB_OK) {
        loop_close(&L);
        return rc;
    }
    L.daemon = 1;
    record_lost(&L);
    if ((rc = init_slots(&L, 1)) != WB_OK) {
        loop_close(&L);
        return rc;
    }
    publish_next(&L);
    log_info("event=sched_start entries=%zu jobs=%zu watch_dirs=%zu tz=%s", L.n, L.nrun,
             hooks ? hooks->nwatch_dirs : 0, cfg->time_zone ? cfg->time_zone : "UTC");
    L.next_scan_ms = clock_mono_ms(); /* files that came while we were down */
    for (;;) {
        reap(&L);
        long long mono = clock_mono_ms();
        enforce_deadlines(&L, mono);
        if (L.stopping && running_count(&L) == 0)
            break;
        time_t now = clock_now();
        if (L.watch && !L.stopping && mono >= L.next_scan_ms) {
            watch_scan(L.watch, file_hit, &L);
            L.next_scan_ms =
                mono + (L.cfg->rescan_seconds > 0 ? L.cfg->rescan_seconds : 30) * 1000LL;
        }
        time_t poll_at = ask_polls(&L, now);
        run_due(&L, now);
        struct pollfd pfd[2];
        nfds_t np = 0;
        pfd[np].fd = L.sigfd;
        pfd[np++].events = POLLIN;
        if (watch_fd(L.watch) >= 0) {
            pfd[np].fd = watch_fd(L.watch);
            pfd[np++].events = POLLIN;
        }
        long w = wait_ms(&L, now, poll_at, L.next_scan_ms, tick);
        int pr = poll(pfd, np, (int)(w > 86400000L ? 86400000L : w));
        if (pr < 0 && errno != EINTR) {
            log_error("event=poll_failed error=\"%s\"", strerror(errno));
            L.stopping = 1;
            stop_all(&L);
            continue;
        }
        if (pr > 0 && (pfd[0].revents & POLLIN))
            read_signals(&L);
        if (pr > 0 && np > 1 && (pfd[1].revents & POLLIN))
            watch_read(L.watch, file_hit, &L);
    }
    log_info("event=sched_stop");
    loop_close(&L);
    return WB_OK;
}

/* status_of_outcome - the WB_* status sched_run_once returns for an outcome */
static int status_of_outcome(int outcome)
{
    if (outcome >= 0 && outcome < WB_STATUS_MAX)
        return outcome;
    if (outcome == SCHED_OUT_TIMEOUT || outcome == SCHED_OUT_KILLED || outcome == SCHED_OUT_NOSTART)
        return WB_TEMPFAIL;
    return WB_INTERNAL;
}

/* run_in_process - run a job in this process with a SIGTERM flag handler */
static int run_in_process(const struct wb_config *cfg, const struct job_def *def,
                          const char *options)
{
    struct sigaction sa, old_term, old_int;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = child_handler;
    sigemptyset(&sa.sa_mask);
    child_stop = 0;
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGINT, &sa, &old_int);
    long long deadline = clock_mono_ms() + (long long)jobs_timeout(def, cfg) * 1000;
    int rc = run_job(cfg, def, options, 0, deadline);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGINT, &old_int, NULL);
    child_stop = 0;
    return rc;
}

/* sched_run_once - run one job now and record its state */
enum wb_status sched_run_once(const struct wb_config *cfg, const char *job, const char *options,
                              const struct sched_store *store, const struct sched_hooks *hooks,
                              int in_process, int *outcome)
{
    if (!cfg || !job)
        return WB_BADARG;
    const struct job_def *def = jobs_find(job);
    if (!def) {
        log_error("job=%s event=unknown_job", job);
        return WB_NOTFOUND;
    }
    if (in_process) {
        struct sched_job_state st;
        state_get(store, job, &st);
        st.last_start = clock_now();
        st.last_outcome = SCHED_OUT_RUNNING;
        st.runs++;
        state_put(store, job, &st);
        log_info("job=%s event=start trigger=manual mode=in_process", job);
        int rc = run_in_process(cfg, def, options);
        state_get(store, job, &st);
        st.last_end = clock_now();
        st.last_outcome = rc;
        state_put(store, job, &st);
        log_msg(rc == WB_OK ? LOG_INFO_L : LOG_WARN_L, "job=%s event=end outcome=%s", job,
                sched_outcome_str(rc));
        if (outcome)
            *outcome = rc;
        return status_of_outcome(rc);
    }
    struct loop L;
    memset(&L, 0, sizeof L);
    L.cfg = cfg;
    L.store = store;
    L.hooks = hooks;
    L.sigfd = -1;
    L.grace_ms = hooks && hooks->grace_ms > 0 ? hooks->grace_ms : DEFAULT_GRACE_MS;
    L.run = calloc(1, sizeof *L.run);
    if (!L.run)
        return WB_NOMEM;
    L.nrun = 1;
    L.run[0].def = def;
    int rc = signals_open(&L);
    if (rc != WB_OK) {
        loop_close(&L);
        return rc;
    }
    struct runner *r = &L.run[0];
    start_run(&L, r, 0, options, TRIG_MANUAL);
    if (r->pid <= 0) {
        loop_close(&L);
        if (outcome)
            *outcome = SCHED_OUT_NOSTART;
        return WB_TEMPFAIL;
    }
    int status = 0;
    for (;;) {
        pid_t p = waitpid(r->pid, &status, WNOHANG);
        if (p == r->pid)
            break;
        long long mono = clock_mono_ms();
        enforce_deadlines(&L, mono);
        struct pollfd pfd = {L.sigfd, POLLIN, 0};
        long w = wait_ms(&L, clock_now(), 0, 0, DEFAULT_TICK_MS);
        if (poll(&pfd, 1, (int)w) > 0) {
            struct signalfd_siginfo si;
            while (read(L.sigfd, &si, sizeof si) == (ssize_t)sizeof si)
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                    stop_all(&L);
        }
    }
    int out = finish_run(&L, r, status);
    loop_close(&L);
    if (outcome)
        *outcome = out;
    return status_of_outcome(out);
}
