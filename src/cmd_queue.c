/*
 * cmd_queue.c - the queue view and bulk actions, in the manner of Postfix's
 * postqueue -p and postsuper: `queue` lists in/, work/, hold/ and reject/ per
 * account and flow with age and size; `requeue`, `hold` and `drop` take a
 * name, ALL, or a filter (--flow, --account, --code, --older-than); drop needs
 * --reason. Each action is a spool rename (or, for drop, a removal) and a note
 * the service moves into the ledger (flows/queue.h). Returns sysexits codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "flows/queue.h"
#include "spool/spool.h"

/* parse_age - "90", "90s", "30m", "2h", "3d" as seconds; -1 if not one */
static long parse_age(const char *s)
{
    long v, mult = 1;
    char num[32];
    size_t n = strlen(s);
    if (!n || n >= sizeof num)
        return -1;
    memcpy(num, s, n + 1);
    const char *units = "smhd";
    const long per[] = {1, 60, 3600, 86400};
    const char *u = strchr(units, num[n - 1]);
    if (u && n > 1) {
        mult = per[u - units];
        num[n - 1] = '\0';
    }
    if (str_to_long(num, 0, 100L * 365 * 86400 / mult, &v) != WB_OK)
        return -1;
    return v * mult;
}

/* the options every queue command takes */
struct qargs {
    struct queue_filter f;
    const char *older, *reason;
    int all, json;
};

/* qargs_parse - [NAME|ALL] and the filter options; usage printed on a problem */
static int qargs_parse(int argc, char **argv, struct qargs *q, int with_reason, int need_target)
{
    memset(q, 0, sizeof *q);
    const char *pos = NULL;
    struct cmd_opt opts[] = {{"--flow", &q->f.flow, NULL}, {"--account", &q->f.account, NULL},
                             {"--code", &q->f.code, NULL}, {"--older-than", &q->older, NULL},
                             {"--json", NULL, &q->json},   {"--reason", &q->reason, NULL}};
    size_t nopts = WB_ARRAY_LEN(opts) - (with_reason ? 0 : 1), np;
    if (cmd_args(argc, argv, opts, nopts, &pos, 1, &np) != WB_EX_OK)
        return -1;
    if (np && strcmp(pos, "ALL") == 0)
        q->all = 1;
    else if (np)
        q->f.name = pos;
    if (q->f.name && strchr(q->f.name, '/')) { /* FLOW/NAME or ACCOUNT/FLOW/NAME as listed */
        const char *slash = strrchr(q->f.name, '/');
        static char lane[FLOW_LANE_MAX];
        snprintf(lane, sizeof lane, "%.*s", (int)(slash - q->f.name), q->f.name);
        char *acc = strchr(lane, '/');
        if (acc) {
            *acc = '\0';
            q->f.account = lane;
            q->f.flow = acc + 1;
        } else {
            q->f.flow = lane;
        }
        q->f.name = slash + 1;
    }
    const char *bad = NULL;
    if (q->f.name && !fs_name_ok(q->f.name))
        bad = "NAME is not a plain file name";
    else if (q->f.flow && !flow_find(q->f.flow))
        bad = "--flow names no flow";
    else if (q->older && (q->f.older_than = parse_age(q->older)) < 0)
        bad = "--older-than takes seconds, or a number with s, m, h or d";
    else if (need_target && !q->all && !q->f.name && !q->f.flow && !q->f.account && !q->f.code &&
             !q->older)
        bad = "NAME is missing: give NAME, ALL or a filter (--flow, --account, --code, "
              "--older-than)";
    else if (with_reason && (!q->reason || !*q->reason))
        bad = "--reason TEXT is required: it is kept in the ledger with who dropped what";
    if (bad) {
        fprintf(stderr, "wmsbridge %s: %s\nusage: wmsbridge %s\n", argv[0], bad,
                cmd_usage(argv[0]));
        return -1;
    }
    return 0;
}

/* age_text - "3h12m" style age of t */
static void age_text(time_t t, char *out, size_t n)
{
    long s = (long)(clock_now() - t);
    s = s < 0 ? 0 : s;
    if (s < 3600)
        snprintf(out, n, "%ldm", s / 60);
    else if (s < 86400)
        snprintf(out, n, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
    else
        snprintf(out, n, "%ldd%02ldh", s / 86400, (s % 86400) / 3600);
}

struct listing {
    int json;
    long n;
    long long bytes;
    json_t *arr;
};

/* list_one - one file of the queue view */
static int list_one(void *arg, const struct queue_item *it)
{
    struct listing *l = arg;
    char age[32], shown[220];
    age_text(it->e->mtime, age, sizeof age);
    if (l->json) {
        json_array_append_new(l->arr, json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "state",
                                                spool_state_name(it->state), "account", it->account,
                                                "flow", it->flow, "name", it->e->name, "size",
                                                (json_int_t)it->e->size, "mtime",
                                                (json_int_t)it->e->mtime, "code", it->code));
    } else {
        printf("%-7s %-10s %-10s %10lld %8s  %-12s %s\n", spool_state_name(it->state), it->account,
               it->flow, it->e->size, age, *it->code ? it->code : "-",
               str_shown(it->e->name, shown, sizeof shown));
    }
    l->n++;
    l->bytes += it->e->size;
    return WB_OK;
}

/* cmd_queue - what waits in in/ work/ hold/ reject/ per account and flow */
int cmd_queue(int argc, char **argv, const char *conf_path)
{
    struct qargs q;
    if (qargs_parse(argc, argv, &q, 0, 0) != 0)
        return WB_EX_USAGE;
    struct wb_env env;
    int ex = cmd_load_env(&env, conf_path, CMD_SPOOL_MOVE);
    if (ex != WB_EX_OK)
        return ex;
    static const enum spool_state st[] = {SP_IN, SP_WORK, SP_HOLD, SP_REJECT};
    struct listing l = {q.json, 0, 0, q.json ? json_array() : NULL};
    if (!q.json)
        printf("%-7s %-10s %-10s %10s %8s  %-12s %s\n", "STATE", "ACCOUNT", "FLOW", "SIZE", "AGE",
               "CODE", "NAME");
    int rc = queue_scan(&env, st, WB_ARRAY_LEN(st), &q.f, list_one, &l);
    if (q.json) {
        char *d = json_dumps(l.arr, JSON_COMPACT);
        printf("%s\n", d ? d : "[]");
        free(d);
        json_decref(l.arr);
    } else {
        printf("-- %ld file(s), %lld byte(s)\n", l.n, l.bytes);
    }
    env_free(&env);
    return rc == WB_OK ? WB_EX_OK : wb_status_exit(rc);
}

enum qaction { QA_REQUEUE, QA_HOLD, QA_DROP };

struct acting {
    struct wb_env *env;
    enum qaction what;
    const char *reason;
    long done, failed;
};

/* act_one - requeue, hold or drop one file and note it */
static int act_one(void *arg, const struct queue_item *it)
{
    static const char *const verb[] = {"requeue", "hold", "drop"};
    struct acting *a = arg;
    struct spool *sp = &a->env->spool;
    const char *name = it->e->name;
    int rc = a->what == QA_REQUEUE ? spool_requeue(sp, it->lane, name)
             : a->what == QA_HOLD  ? spool_hold(sp, it->state, it->lane, name)
                                   : spool_drop(sp, it->state, it->lane, name);
    char shown[220];
    str_shown(name, shown, sizeof shown);
    if (rc != WB_OK) {
        fprintf(stderr, "wmsbridge %s: %s/%s/%s: %s\n", verb[a->what], spool_state_name(it->state),
                it->lane, shown, rc == WB_EXISTS ? "the name is taken there" : wb_status_str(rc));
        a->failed++;
        return WB_OK; /* the others go on */
    }
    int nrc = queue_note(a->env, verb[a->what], it, a->reason);
    if (nrc != WB_OK)
        fprintf(stderr,
                "wmsbridge %s: %s/%s: done, but the record of it could not be written: %s\n",
                verb[a->what], it->lane, shown, wb_status_str(nrc));
    if (a->what == QA_DROP)
        printf("%s/%s/%s dropped\n", spool_state_name(it->state), it->lane, shown);
    else
        printf("%s/%s %s %s/%s/\n", it->lane, shown,
               a->what == QA_REQUEUE ? "moved back to" : "parked in",
               a->what == QA_REQUEUE ? "in" : "hold", it->lane);
    a->done++;
    return WB_OK;
}

/* the lanes a single NAME was found in */
struct lanes_seen {
    const char *cmd;
    char first[FLOW_LANE_MAX];
    int n;
};

/* lane_seen - count the distinct lanes holding the name; print each one past the first */
static int lane_seen(void *arg, const struct queue_item *it)
{
    struct lanes_seen *l = arg;
    if (l->n && strcmp(l->first, it->lane) == 0)
        return WB_OK;
    if (l->n++ == 0)
        snprintf(l->first, sizeof l->first, "%s", it->lane);
    else
        fprintf(stderr, "wmsbridge %s: %s is in %s/ and %s/: name one as LANE/%s\n", l->cmd,
                it->e->name, l->first, it->lane, it->e->name);
    return WB_OK;
}

/* act - the shared body of requeue, hold and drop */
static int act(int argc, char **argv, const char *conf_path, enum qaction what)
{
    struct qargs q;
    if (qargs_parse(argc, argv, &q, what == QA_DROP, 1) != 0)
        return WB_EX_USAGE;
    static const enum spool_state from[3][2] = {
        {SP_REJECT, SP_HOLD}, {SP_IN, SP_REJECT}, {SP_REJECT, SP_HOLD}};
    struct wb_env env;
    int ex = cmd_load_env(&env, conf_path, CMD_SPOOL_MOVE);
    if (ex != WB_EX_OK)
        return ex;
    /* one NAME found in two lanes (accounts or flows) is not guessed: the operator names one */
    struct lanes_seen ls = {argv[0], "", 0};
    if (q.f.name && !q.all)
        queue_scan(&env, from[what], 2, &q.f, lane_seen, &ls);
    if (ls.n > 1) {
        env_free(&env);
        return WB_EX_USAGE;
    }
    struct acting a = {&env, what, q.reason, 0, 0};
    int rc = queue_scan(&env, from[what], 2, &q.f, act_one, &a);
    if (rc == WB_OK && !a.done && !a.failed) {
        fprintf(stderr, "wmsbridge %s: no such file: not in %s/ or %s/\n", argv[0],
                spool_state_name(from[what][0]), spool_state_name(from[what][1]));
        ex = WB_EX_NOINPUT;
    } else if (rc != WB_OK) {
        ex = wb_status_exit(rc);
    } else if (a.failed) {
        ex = WB_EX_IOERR;
    }
    env_free(&env);
    return ex;
}

/* cmd_requeue - files of reject/ (or hold/) back to in/ */
int cmd_requeue(int argc, char **argv, const char *conf_path)
{
    return act(argc, argv, conf_path, QA_REQUEUE);
}

/* cmd_hold - files of in/ or reject/ parked in hold/ */
int cmd_hold(int argc, char **argv, const char *conf_path)
{
    return act(argc, argv, conf_path, QA_HOLD);
}

/* cmd_drop - files of reject/ or hold/ removed for good, with a reason */
int cmd_drop(int argc, char **argv, const char *conf_path)
{
    return act(argc, argv, conf_path, QA_DROP);
}
