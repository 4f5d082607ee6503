/*
 * cmd_ops.c - operator commands: check, show, rejects, requeue, hold,
 * status, explain, rewrite. Each loads what it needs, prints for a person (or
 * JSON), and returns a sysexits code. Never changes a file except by the
 * spool's renames and the file `rewrite` has the flow that wrote it write
 * again to out/.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <jansson.h>
#include <unistd.h>

#include "cmd.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/flow.h"
#include "flows/flow_jobs.h"
#include "flows/outflow.h"
#include "flows/queue.h"
#include "flows/rejectcodes.h"
#include "flows/sftp_xfer.h"
#include "layout/layout.h"
#include "maps/carriercodes.h"
#include "maps/carriers.h"
#include "maps/skus.h"
#include "net/http.h"
#include "net/lwa.h"
#include "sched/daemon.h"
#include "sched/lock.h"
#include "spool/ledger.h"
#include "spool/spool.h"

/* json_text - s as a JSON string (quoted and escaped) on stdout */
static void json_text(const char *s)
{
    json_t *v = json_string(s ? s : "");
    char *d = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    fputs(d ? d : "\"\"", stdout);
    free(d);
    json_decref(v);
}

/* check_token - obtain a real access token from LWA (check --online); prints the finding */
static int check_token(const struct wb_config *cfg, struct http *h, const struct lwa_creds *cr)
{
    struct lwa_cache cache;
    memset(&cache, 0, sizeof cache);
    struct buf e;
    buf_init(&e, 4096);
    const char *tok = NULL;
    int rc = lwa_token(&cache, h, cfg->lwa_endpoint, cr, 1, &tok, &e);
    if (rc == WB_OK)
        printf("amazon     access token obtained from %s\n", cfg->lwa_endpoint);
    else
        printf("amazon     no access token from %s: %s\n", cfg->lwa_endpoint, buf_str(&e));
    lwa_cache_clear(&cache);
    buf_free(&e);
    return rc;
}

/* cmd_check - validate everything the configuration names, one line per finding; with
 * --online also obtain a real access token, so a wrong secret shows before the night run */
int cmd_check(int argc, char **argv, const char *conf_path)
{
    int online = 0;
    const struct cmd_opt opts[] = {{"--online", NULL, &online}};
    size_t np;
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), NULL, 0, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    struct wb_env env;
    struct buf errs;
    buf_init(&errs, 256 * 1024);
    int rc = env_load(&env, conf_path, &errs);
    int bad = rc != WB_OK;
    printf("config     %s: %s\n", conf_path, bad ? "PROBLEMS" : "ok");
    if (bad)
        fputs(buf_str(&errs), stdout);
    if (env.codes)
        printf("carriers   %zu Amazon carrier codes, %zu WMS services mapped\n",
               carriercodes_count(env.codes), env.carriers ? carriers_count(env.carriers) : 0);
    if (env.skus)
        printf("skus       %zu mapped%s\n", skus_count(env.skus),
               skus_identity(env.skus) ? ", others map to themselves" : "");
    size_t nfl;
    const struct flow_def *fl = flows(&nfl);
    for (size_t i = 0; i < nfl; i++) {
        const struct layout *l = env.layouts[i];
        if (l)
            printf("layout     %s (%s, %zu fields) for flow %s\n", layout_name(l),
                   layout_encoding(l), layout_nfields(l), fl[i].name);
    }
    /* a flow that is on binds its own maps as its job will (a broken one shows now) */
    for (size_t i = 0; !bad && i < nfl; i++) {
        void *inst = NULL;
        struct outflow *of = NULL;
        struct buf fe;
        if (!fl[i].open || !flow_on(&fl[i], &env.cfg))
            continue;
        buf_init(&fe, 64 * 1024);
        if (fl[i].open(&env, &inst, &of, &fe) != WB_OK) {
            const char *t = buf_str(&fe);
            size_t tl = strlen(t);
            printf("flow       %s: PROBLEMS\n%s%s", fl[i].name, t,
                   tl && t[tl - 1] != '\n' ? "\n" : "");
            bad = 1;
        }
        if (inst)
            fl[i].close(inst);
        buf_free(&fe);
    }
    if (env.have_cfg) {
        struct buf se;
        buf_init(&se, 64 * 1024);
        size_t ne = 0;
        if (cmd_schedule_check(&env.cfg, &ne, &se) == WB_OK) {
            printf("schedule   %s: %zu entries\n", env.cfg.schedule, ne);
        } else {
            const char *t = buf_str(&se);
            size_t tl = strlen(t);
            printf("schedule   %s: PROBLEMS\n%s%s", env.cfg.schedule, t,
                   tl && t[tl - 1] != '\n' ? "\n" : "");
            bad = 1;
        }
        buf_free(&se);
    }
    if (env.have_cfg && !bad) {
        printf("schemas    %s\n", env.xsd ? env.cfg.xsd_dir
                                          : "xsd_dir not set: structural "
                                            "checks only");
        struct buf e2;
        buf_init(&e2, 4096);
        struct lwa_creds cr;
        int have_creds = lwa_creds_load(env.cfg.credentials, &cr, &e2) == WB_OK;
        if (have_creds) {
            printf("credentials %s: ok (mode 0600)\n", env.cfg.credentials);
        } else {
            printf("credentials %s: %s\n", env.cfg.credentials, buf_str(&e2));
            bad = 1;
        }
        for (int i = 1; i < env.cfg.naccounts; i++) { /* [0] is the top-level one above */
            const struct wb_account *a = &env.cfg.accounts[i];
            struct lwa_creds ac;
            buf_reset(&e2);
            int ok = lwa_creds_load(a->credentials, &ac, &e2) == WB_OK;
            printf("account    %s (seller %s, %s): credentials %s: %s\n", a->name, a->merchant_id,
                   a->sp_api_endpoint, a->credentials, ok ? "ok (mode 0600)" : buf_str(&e2));
            if (ok)
                lwa_creds_free(&ac);
            bad |= !ok;
        }
        buf_reset(&e2);
        struct http *h;
        int plain =
            !http_url_is_https(env.cfg.sp_api_endpoint) || !http_url_is_https(env.cfg.lwa_endpoint);
        if (http_open(&h, &env.cfg, &e2) == WB_OK) {
            /* the tests' switch is said out loud: never "verified" when it is on */
            if (plain)
                printf("tls        INSECURE: plain http to a loopback peer (WB_TEST_INSECURE=1): "
                       "the credentials go in clear text; for tests only\n");
            else if (!env.cfg.tls_verify)
                printf("tls        INSECURE: peers not verified (tls_verify = no, "
                       "WB_TEST_INSECURE=1); for tests only\n");
            else
                printf("tls        peers verified (%s)\n",
                       *env.cfg.ca_file ? env.cfg.ca_file : "system CAs");
            if (online && have_creds)
                bad |= check_token(&env.cfg, h, &cr) != WB_OK;
            http_close(h);
        } else {
            printf("tls        %s\n", buf_str(&e2));
            bad = 1;
        }
        buf_free(&e2);
        if (have_creds)
            lwa_creds_free(&cr);
        for (int i = 0; i < env.cfg.nremotes; i++) {
            struct buf m;
            buf_init(&m, 4096);
            int r = sftp_check(&env.cfg.remotes[i], &m);
            printf("remote     %s: %s\n", env.cfg.remotes[i].name, r == WB_OK ? "ok" : buf_str(&m));
            bad |= r != WB_OK;
            buf_free(&m);
        }
    }
    env_free(&env);
    buf_free(&errs);
    return rc == WB_CONFIG || (bad && rc != WB_OK) ? WB_EX_CONFIG : bad ? WB_EX_CONFIG : WB_EX_OK;
}

/* cmd_show - print the configuration (-n: only non-default settings) */
int cmd_show(int argc, char **argv, const char *conf_path)
{
    int nondefault = 0;
    const struct cmd_opt opts[] = {{"-n", NULL, &nondefault}};
    size_t np;
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), NULL, 0, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    struct wb_config c;
    struct buf errs, out;
    buf_init(&errs, 64 * 1024);
    buf_init(&out, 256 * 1024);
    int rc = conf_load(&c, conf_path, &errs);
    if (rc != WB_OK) {
        fputs(buf_str(&errs), stderr);
        conf_free(&c);
        buf_free(&errs);
        buf_free(&out);
        return WB_EX_CONFIG;
    }
    conf_show(&c, nondefault, &out);
    size_t nfl; /* the layout of each flow the config leaves at its default */
    const struct flow_def *fl = flows(&nfl);
    for (size_t i = 0; i < nfl && !nondefault; i++)
        if (!conf_flow_layout(&c, fl[i].name, NULL))
            buf_appendf(&out, "%s_layout = %s\n", fl[i].name, fl[i].layout_default);
    fputs(buf_str(&out), stdout);
    conf_free(&c);
    buf_free(&errs);
    buf_free(&out);
    return WB_EX_OK;
}

/* age_text - "3h12m" style age */
static void age_text(time_t t, char *out, size_t n)
{
    long s = (long)(clock_now() - t);
    if (s < 0)
        s = 0;
    if (s < 3600)
        snprintf(out, n, "%ldm", s / 60);
    else if (s < 86400)
        snprintf(out, n, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
    else
        snprintf(out, n, "%ldd%02ldh", s / 86400, (s % 86400) / 3600);
}

/* reason_line - the reason: line of a .reason file */
static void reason_line(const char *dir, const char *name, char *out, size_t n)
{
    char p[4400];
    out[0] = '\0';
    if (snprintf(p, sizeof p, "%s/%s.reason", dir, name) >= (int)sizeof p)
        return;
    struct buf b;
    buf_init(&b, 64 * 1024);
    if (fs_read_file(p, &b) == WB_OK) {
        const char *r = strstr(buf_str(&b), "\nreason: ");
        const char *c = strstr(buf_str(&b), "\ncode: ");
        char code[40] = "";
        if (c)
            sscanf(c + 7, "%39s", code);
        if (r) {
            r += 9;
            size_t k = strcspn(r, "\n");
            snprintf(out, n, "[%s] %.*s", code, (int)k, r);
        }
    }
    buf_free(&b);
}

/* a lane of the spool: a flow of the table for one seller account */
struct lane_ref {
    char lane[FLOW_LANE_MAX];
    const char *account; /* its name ("default" for the default account) */
    const char *flow;
};

/* lanes_of - every lane of the flows with a spool path, account by account (the default one
 * first), flows in table order;
 * with only set, the lanes whose lane or flow name is only; caller frees *out */
static size_t lanes_of(const struct wb_env *env, const char *only, struct lane_ref **out)
{
    size_t nfl;
    const struct flow_def *fl = flows(&nfl);
    struct lane_ref *v = calloc(nfl * (size_t)env->cfg.naccounts + 1, sizeof *v);
    size_t n = 0;
    for (int a = 0; v && a < env->cfg.naccounts; a++)
        for (size_t i = 0; i < nfl; i++) {
            if (!flow_on(&fl[i], &env->cfg)) /* no spool path, or off: no lane */
                continue;
            struct lane_ref *r = &v[n];
            r->account = env->cfg.accounts[a].name;
            r->flow = fl[i].name;
            if (flow_lane(fl[i].name, &env->cfg.accounts[a], r->lane, sizeof r->lane) == WB_OK &&
                (!only || strcmp(only, r->lane) == 0 || strcmp(only, r->flow) == 0))
                n++;
        }
    *out = v;
    return n;
}

/* list_rejects - one lane's reject directory (the account shown when there are several) */
static int list_rejects(struct wb_env *env, const struct lane_ref *ln, int json, int *count)
{
    const char *flow = ln->lane;
    int accounts = env->cfg.naccounts > 1;
    struct spool_entry *e;
    size_t n;
    char dir[4096];
    int rc = spool_list(&env->spool, SP_REJECT, flow, &e, &n);
    if (rc != WB_OK)
        return rc;
    spool_dir(&env->spool, SP_REJECT, flow, dir, sizeof dir);
    for (size_t i = 0; i < n; i++) {
        char age[32], why[600];
        age_text(e[i].mtime, age, sizeof age);
        reason_line(dir, e[i].name, why, sizeof why);
        if (json) {
            printf("%s{", *count ? "," : "");
            if (accounts) {
                printf("\"account\":");
                json_text(ln->account);
                printf(",");
            }
            printf("\"flow\":");
            json_text(ln->flow);
            printf(",\"file\":");
            json_text(e[i].name);
            printf(",\"mtime\":%lld,\"reason\":", (long long)e[i].mtime);
            json_text(why);
            printf("}");
        } else {
            if (accounts)
                printf("%-12s ", ln->account);
            printf("%-9s %-40s %7s  %s\n", ln->flow, e[i].name, age,
                   *why ? why : "(no .reason file)");
        }
        (*count)++;
    }
    free(e);
    return WB_OK;
}

/* cmd_rejects - list what waits in reject/ with age and reason (--json: as one array) */
int cmd_rejects(int argc, char **argv, const char *conf_path)
{
    int json = 0, codes = 0;
    const char *flow = NULL;
    const struct cmd_opt opts[] = {{"--json", NULL, &json}, {"--codes", NULL, &codes}};
    size_t np;
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), &flow, 1, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    if (codes) {
        size_t n;
        const struct rejectcode *t = rejectcodes_table(&n);
        for (size_t i = 0; i < n; i++)
            printf("%s\t%s\t%s\t%s\n", t[i].code, t[i].owner, t[i].meaning, t[i].action);
        return WB_EX_OK;
    }
    struct wb_env env;
    int ex = cmd_load_env(&env, conf_path, CMD_SPOOL_READ);
    if (ex != WB_EX_OK)
        return ex;
    struct lane_ref *lanes;
    size_t nl = lanes_of(&env, flow, &lanes);
    int count = 0;
    if (json) {
        printf("[");
    } else {
        if (env.cfg.naccounts > 1)
            printf("%-12s ", "ACCOUNT");
        printf("%-9s %-40s %7s  %s\n", "FLOW", "FILE", "AGE", "REASON");
    }
    for (size_t i = 0; i < nl; i++)
        list_rejects(&env, &lanes[i], json, &count);
    free(lanes);
    if (json)
        printf("]\n");
    else
        printf("%d file(s) waiting in reject/\n", count);
    env_free(&env);
    return WB_EX_OK;
}

/* count_dir - files waiting in a state dir of a flow */
static long count_dir(struct wb_env *env, enum spool_state st, const char *flow)
{
    struct spool_entry *e;
    size_t n = 0;
    if (spool_list(&env->spool, st, flow, &e, &n) == WB_OK)
        free(e);
    return (long)n;
}

/* job_seconds - duration of a job's last finished run, -1 while running or never run */
static long long job_seconds(const struct ledger_job *j)
{
    if (!j->runs || !j->last_start || j->last_outcome == SCHED_OUT_RUNNING ||
        j->last_end < j->last_start)
        return -1;
    return (long long)(j->last_end - j->last_start);
}

struct alert_print {
    int json, n;
    const struct wb_config *cfg;
};

/* alert_cb - one open alert, as a line or a JSON object */
static int alert_cb(void *arg, const struct ledger_alert_view *a)
{
    struct alert_print *p = arg;
    char when[32] = "-";
    clock_format_iso(a->created, when, sizeof when);
    if (p->json) {
        printf("%s{\"kind\":", p->n ? "," : "");
        json_text(a->kind);
        printf(",\"item\":");
        json_text(a->item);
        printf(",\"since\":%lld,\"text\":", (long long)a->created);
        json_text(a->text);
        const struct alert_type *t = alert_type_find(a->kind);
        printf(",\"owner\":");
        json_text(alert_owner(p->cfg, a->kind));
        printf(",\"severity\":");
        json_text(t ? t->severity : "warning");
        printf("}");
    } else {
        if (!p->n)
            printf("open alerts:\n");
        printf("  %-20s %-22s %s  %s\n", a->kind, a->item, when, a->text);
    }
    p->n++;
    return WB_OK;
}

/* cmd_status - queues, feeds in flight, rows by state, jobs */
int cmd_status(int argc, char **argv, const char *conf_path)
{
    int json = 0, all = 0;
    const struct cmd_opt opts[] = {{"--json", NULL, &json}, {"--all", NULL, &all}};
    size_t np;
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), NULL, 0, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    struct wb_env env;
    int ex = cmd_load_env(&env, conf_path, CMD_SPOOL_READ);
    if (ex != WB_EX_OK)
        return ex;
    struct lane_ref *fl; /* a block per lane: each flow of each seller account */
    size_t nfl = lanes_of(&env, NULL, &fl);
    int accounts = env.cfg.naccounts > 1;
    struct flow_counts {
        long in, work, rej, hold, rows[5];
    } *fc = calloc(nfl + 1, sizeof *fc);
    for (size_t i = 0; fc && i < nfl; i++) {
        const char *flow = fl[i].lane;
        fc[i] = (struct flow_counts){count_dir(&env, SP_IN, flow),
                                     count_dir(&env, SP_WORK, flow),
                                     count_dir(&env, SP_REJECT, flow),
                                     count_dir(&env, SP_HOLD, flow),
                                     {0}};
        ledger_row_counts(env.ledger, flow, fc[i].rows);
    }
    if (!fc)
        nfl = 0;
    long fcount[LFD_LAST + 1] = {0};
    for (int s = LFD_BUILDING; s <= LFD_LAST; s++) {
        struct ledger_feed *fv;
        size_t n;
        if (ledger_feeds_in_state(env.ledger, s, &fv, &n) == WB_OK) {
            fcount[s] = (long)n;
            free(fv);
        }
    }
    long inflight, next;
    feeds_in_flight(&env, NULL, &inflight, &next);
    struct ledger_job *jobs = NULL;
    size_t nj = 0;
    ledger_job_list(env.ledger, &jobs, &nj);
    char lockp[4200];
    struct buf who;
    buf_init(&who, 512);
    snprintf(lockp, sizeof lockp, "%s/%s", env.cfg.spool_dir, LOCK_NAME);
    int running = lock_holder(lockp, &who);
    if (json) {
        printf("{\"writer\":{\"running\":%s,\"holder\":", running == WB_EXISTS     ? "true"
                                                          : running == WB_NOTFOUND ? "false"
                                                                                   : "null");
        json_text(running == WB_EXISTS ? buf_str(&who) : "");
        printf("},\"flows\":{");
        for (size_t i = 0; i < nfl; i++) {
            const struct flow_counts *c = &fc[i];
            const struct flow_def *fd = flow_find(fl[i].flow);
            printf("%s\"%s\":{", i ? "," : "", fl[i].lane); /* keyed by lane */
            if (accounts)
                printf("\"account\":\"%s\",\"flow\":\"%s\",", fl[i].account, fl[i].flow);
            printf("\"in\":%ld,\"work\":%ld,\"reject\":%ld,\"hold\":%ld", c->in, c->work, c->rej,
                   c->hold);
            if (fd && fd->direction == FLOW_TO_AMAZON) { /* rows are what goes to Amazon */
                printf(",\"rows\":{");
                for (int s = LR_PENDING; s <= LR_REJECTED; s++)
                    printf("%s\"%s\":%ld", s > LR_PENDING ? "," : "", ledger_row_state_name(s),
                           c->rows[s]);
                printf("}");
            }
            printf("}");
        }
        printf("},\"feeds\":{");
        for (int s = LFD_BUILDING; s <= LFD_LAST; s++)
            printf("%s\"%s\":%ld", s > LFD_BUILDING ? "," : "", ledger_feed_state_name(s),
                   fcount[s]);
        printf("},\"jobs\":[");
        for (size_t i = 0; i < nj; i++)
            printf("%s{\"name\":\"%s\",\"last_start\":%lld,\"last_end\":%lld,\"outcome\":\"%s\","
                   "\"duration\":%lld,\"next_run\":%lld,\"runs\":%ld}",
                   i ? "," : "", jobs[i].name, (long long)jobs[i].last_start,
                   (long long)jobs[i].last_end, sched_outcome_str(jobs[i].last_outcome),
                   (long long)job_seconds(&jobs[i]), (long long)jobs[i].next_run, jobs[i].runs);
        printf("],\"alerts\":[");
        struct alert_print ap = {1, 0, &env.cfg};
        ledger_alerts_open(env.ledger, alert_cb, &ap);
        printf("],\"flow_status\":{");
        size_t nflows;
        const struct flow_def *ft = flows(&nflows);
        for (size_t i = 0, k = 0; i < nflows; i++) { /* each flow's own figures */
            if (!ft[i].status_json)
                continue;
            struct buf sb;
            buf_init(&sb, 64 * 1024);
            ft[i].status_json(&env, &sb);
            printf("%s\"%s\":%s", k++ ? "," : "", ft[i].name, sb.len ? buf_str(&sb) : "null");
            buf_free(&sb);
        }
        printf("},\"health\":");
        cmd_health_print(&env, 1, 1);
        printf("}\n");
    } else {
        printf("writer: %s\n", running == WB_EXISTS     ? buf_str(&who)
                               : running == WB_NOTFOUND ? "none running (no daemon, no job)"
                                                        : "unknown (the lock file cannot be read)");
        /* a line per lane with something in it; with dozens of sellers most lanes are idle,
         * and they are counted, not listed, unless --all */
        size_t idle = 0, shown = 0;
        long rejects = 0;
        for (size_t i = 0; i < nfl; i++) {
            const struct flow_counts *c = &fc[i];
            const struct flow_def *fd = flow_find(fl[i].flow);
            int to_amazon = fd && fd->direction == FLOW_TO_AMAZON;
            long rows = 0;
            for (int s = LR_PENDING; s <= LR_REJECTED; s++)
                rows += c->rows[s];
            rejects += c->rej;
            if (!all && !c->in && !c->work && !c->rej && !c->hold && !(to_amazon && rows)) {
                idle++;
                continue;
            }
            if (!shown++)
                printf("%-12s %-12s %5s %5s %5s %6s   %s\n", "ACCOUNT", "FLOW", "IN", "WORK",
                       "HOLD", "REJECT", "ROWS TO AMAZON (all time)");
            printf("%-12s %-12s %5ld %5ld %5ld %6ld  ", accounts ? fl[i].account : "-", fl[i].flow,
                   c->in, c->work, c->hold, c->rej);
            for (int s = LR_PENDING; to_amazon && s <= LR_REJECTED; s++)
                printf(" %s=%ld", ledger_row_state_name(s), c->rows[s]);
            printf("%s\n", to_amazon ? "" : " -");
        }
        if (idle)
            printf("%zu idle lane(s) not shown: nothing waits, no rows (status --all lists "
                   "them)\n",
                   idle);
        for (size_t i = 0; i < nfl; i++)
            if (fc[i].rej)
                printf("open rejects: %ld file(s) in reject/%s/ wait for an operator "
                       "(wmsbridge rejects)\n",
                       fc[i].rej, fl[i].lane);
        if (!rejects)
            printf("open rejects: none\n");
        size_t nflows;
        const struct flow_def *ft = flows(&nflows);
        for (size_t i = 0; i < nflows; i++) { /* each flow's own lines, every account in them */
            if (!ft[i].status)
                continue;
            struct buf sb;
            buf_init(&sb, 64 * 1024);
            ft[i].status(&env, &sb);
            fputs(buf_str(&sb), stdout);
            buf_free(&sb);
        }
        printf("feeds:");
        for (int s = LFD_BUILDING; s <= LFD_LAST; s++)
            if (fcount[s])
                printf(" %s=%ld", ledger_feed_state_name(s), fcount[s]);
        printf("%s\n", inflight ? "" : " (none in flight)");
        if (nj)
            printf("%-12s %-20s %-9s %8s %-20s %s\n", "JOB", "LAST RUN", "OUTCOME", "SECONDS",
                   "NEXT RUN", "RUNS");
        for (size_t i = 0; i < nj; i++) {
            char a[32] = "-", b[32] = "-";
            if (jobs[i].last_start)
                clock_format_iso(jobs[i].last_start, a, sizeof a);
            if (jobs[i].next_run)
                clock_format_iso(jobs[i].next_run, b, sizeof b);
            char d[24] = "-";
            if (job_seconds(&jobs[i]) >= 0)
                snprintf(d, sizeof d, "%lld", (long long)job_seconds(&jobs[i]));
            printf("%-12s %-20s %-9s %8s %-20s %ld\n", jobs[i].name, a,
                   jobs[i].runs ? sched_outcome_str(jobs[i].last_outcome) : "-", d, b,
                   jobs[i].runs);
        }
        struct alert_print ap = {0, 0, &env.cfg};
        ledger_alerts_open(env.ledger, alert_cb, &ap);
        if (!ap.n)
            printf("open alerts: none\n");
        cmd_health_print(&env, 0, all);
    }
    free(jobs);
    free(fc);
    free(fl);
    buf_free(&who);
    env_free(&env);
    return WB_EX_OK;
}

/* explain_rows - print one rejected row of a file (at most EXPLAIN_ROWS of them) */
#define EXPLAIN_ROWS 50
struct explain_rows {
    long n;
};
static int explain_row(void *arg, const struct ledger_row_view *r)
{
    struct explain_rows *e = arg;
    if (e->n++ < EXPLAIN_ROWS) {
        char code[64], reason[600];
        printf("  line %ld: %s: %s\n", r->lineno, str_shown(r->reject_code, code, sizeof code),
               str_shown(r->reject_reason, reason, sizeof reason));
    }
    return WB_OK;
}

/* explain_reject_name - the input file a reject file name (outflow_reject_name) was made for,
 * WB_NOTFOUND when the name is not one the ledger's files give */
static int explain_reject_name(struct ledger *lg, const char *name, struct ledger_file *f)
{
    long long file_id, feed_id;
    char tag[16], again[256];
    if (outflow_reject_source(name, &file_id, &feed_id, tag, sizeof tag) != WB_OK)
        return WB_NOTFOUND;
    int rc = ledger_file_get(lg, file_id, f);
    if (rc != WB_OK)
        return rc;
    if (!flow_find(f->flow) ||
        outflow_reject_name(f->name, f->id, tag, feed_id, again, sizeof again) != WB_OK ||
        strcmp(again, name) != 0)
        return WB_NOTFOUND;
    printf("reject file %s holds rows of the input below", name);
    if (feed_id)
        printf(" refused with feed #%lld (%s)", feed_id, tag);
    printf("\n");
    return WB_OK;
}

/* explain_actions - the operators' actions on a file name (requeue, hold, drop: who, when,
 * why); how many */
static long explain_actions(struct wb_env *env, const char *name)
{
    long n = 0;
    queue_actions_print(env, name, &n);
    return n;
}

/* cmd_explain - what the ledger knows about one file of a flow, named as received or as the
 * reject file `rejects` prints for it (flow/ prefix allowed); 66 when it knows none */
int cmd_explain(int argc, char **argv, const char *conf_path)
{
    const char *file = NULL;
    size_t np;
    if (cmd_args(argc, argv, NULL, 0, &file, 1, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    if (!np) {
        fprintf(stderr, "wmsbridge explain: FILE is missing\nusage: wmsbridge %s\n",
                cmd_usage("explain"));
        return WB_EX_USAGE;
    }
    const char *slash = strrchr(file, '/');
    char only[FLOW_LANE_MAX] = "";
    if (slash) { /* LANE/NAME (FLOW/NAME, ACCOUNT/FLOW/NAME) as written by `rejects` */
        snprintf(only, sizeof only, "%.*s", (int)(slash - file), file);
        file = slash + 1;
    }
    struct wb_env env;
    int ex = cmd_load_env(&env, conf_path, CMD_SPOOL_READ);
    if (ex == WB_EX_OK) {
        struct ledger_file f;
        struct lane_ref *fl; /* every lane of every seller account */
        size_t nfl = lanes_of(&env, *only ? only : NULL, &fl);
        int found = 0;
        for (size_t i = 0; i < nfl && !found; i++)
            found = ledger_file_by_name(env.ledger, fl[i].lane, file, &f) == WB_OK;
        free(fl);
        if (found || explain_reject_name(env.ledger, file, &f) == WB_OK) {
            long open = 0;
            ledger_file_open_rows(env.ledger, f.id, &open);
            char when[32];
            clock_format_iso(f.created, when, sizeof when);
            printf("file %s (ledger #%lld) received %s, layout %s, state %s%s, %ld row(s) not "
                   "settled\n",
                   f.name, f.id, when, f.layout, ledger_file_state_name(f.state),
                   f.state == LF_GREW ? " (read again under a later record)" : "", open);
            if (env.cfg.naccounts > 1)
                printf("seller account %s\n", *f.account ? f.account : CONF_DEFAULT_ACCOUNT);
            struct explain_rows e = {0};
            if (ledger_rows_of_file(env.ledger, f.id, LR_REJECTED, explain_row, &e) == WB_OK &&
                e.n > EXPLAIN_ROWS)
                printf("  ... and %ld more rejected row(s)\n", e.n - EXPLAIN_ROWS);
            if (e.n)
                printf("%ld row(s) rejected in all\n", e.n);
            explain_actions(&env, file);
        } else if (explain_actions(&env, file) == 0) {
            printf("no file named %s in the ledger\n", file);
            ex = WB_EX_NOINPUT;
        }
    }
    env_free(&env);
    return ex;
}

/* cmd_rewrite - a file of out/ written again by the flow that wrote it, from what the ledger
 * keeps of it (the WMS lost it); 66 when no flow wrote it or its content is kept no longer */
int cmd_rewrite(int argc, char **argv, const char *conf_path)
{
    const char *file = NULL, *account = NULL;
    size_t np;
    struct cmd_opt opts[] = {{"--account", &account, NULL}};
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), &file, 1, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    if (!np || !fs_name_ok(file)) {
        fprintf(stderr,
                "wmsbridge rewrite: NAME (a file name of out/) is missing\nusage: "
                "wmsbridge %s\n",
                cmd_usage("rewrite"));
        return WB_EX_USAGE;
    }
    struct wb_env env;
    int ex = cmd_load_env(&env, conf_path, CMD_SPOOL_READ);
    if (ex != WB_EX_OK)
        return ex;
    const char *acc = account ? account : CONF_DEFAULT_ACCOUNT;
    const struct wb_account *a = conf_find_account(&env.cfg, acc);
    struct buf err;
    buf_init(&err, 4096);
    int rc = a ? WB_NOTFOUND : WB_BADARG;
    size_t n;
    const struct flow_def *fl = flows(&n);
    for (size_t i = 0; a && i < n && rc == WB_NOTFOUND; i++)
        if (fl[i].rewrite && flow_on(&fl[i], &env.cfg))
            rc = fl[i].rewrite(&env, a, file, &err);
    if (rc == WB_OK)
        printf("%s written again to out/ (account %s)\n", file, acc);
    else if (rc == WB_BADARG)
        fprintf(stderr, "wmsbridge rewrite: no seller account '%s'\n", acc);
    else if (rc == WB_NOTFOUND)
        fprintf(stderr, "wmsbridge rewrite: no flow wrote a file named %s for account %s\n", file,
                acc);
    else
        fprintf(stderr, "wmsbridge rewrite: %s\n", err.len ? buf_str(&err) : wb_status_str(rc));
    buf_free(&err);
    env_free(&env);
    return rc == WB_OK                             ? WB_EX_OK
           : rc == WB_BADARG                       ? WB_EX_USAGE
           : rc == WB_NOTFOUND || rc == WB_NOINPUT ? WB_EX_NOINPUT
                                                   : wb_status_exit(rc);
}
