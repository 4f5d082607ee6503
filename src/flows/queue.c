/*
 * queue.c - the spool queues as operators see them and the notes of their
 * actions (see queue.h). Owns the actions/ directory of the spool and the
 * format of a note (one JSON object). Never changes a queue file itself;
 * never exits.
 */
#include <dirent.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "flows/queue.h"
#include "spool/ledger.h"

#define NOTES_DIR "actions"
#define NOTE_MAX 8192

/* queue_scan - the files of the states that pass f */
int queue_scan(struct wb_env *env, const enum spool_state *states, size_t ns,
               const struct queue_filter *f, queue_cb cb, void *arg)
{
    size_t nfl;
    const struct flow_def *fl = flows(&nfl);
    time_t now = clock_now();
    int rc = WB_OK;
    for (int a = 0; rc == WB_OK && a < env->cfg.naccounts; a++) {
        const struct wb_account *acc = &env->cfg.accounts[a];
        if (f->account && strcmp(f->account, acc->name) != 0)
            continue;
        for (size_t k = 0; rc == WB_OK && k < nfl; k++) {
            char ln[FLOW_LANE_MAX];
            if ((f->flow && strcmp(f->flow, fl[k].name) != 0) ||
                flow_lane(fl[k].name, acc, ln, sizeof ln) != WB_OK)
                continue;
            for (size_t s = 0; rc == WB_OK && s < ns; s++) {
                struct spool_entry *e;
                size_t n;
                if (spool_list(&env->spool, states[s], ln, &e, &n) != WB_OK)
                    continue;
                for (size_t i = 0; rc == WB_OK && i < n; i++) {
                    char code[40] = "";
                    if (states[s] == SP_REJECT || states[s] == SP_HOLD) /* a held reject keeps
                                                                           its .reason */
                        spool_read_reason(&env->spool, states[s], ln, e[i].name, code, sizeof code,
                                          NULL, 0);
                    if ((f->name && strcmp(f->name, e[i].name) != 0) ||
                        (f->code && strcmp(f->code, code) != 0) ||
                        (f->older_than && now - e[i].mtime < f->older_than))
                        continue;
                    struct queue_item it = {states[s], acc->name, fl[k].name, ln, &e[i], code};
                    rc = cb(arg, &it);
                }
                free(e);
            }
        }
    }
    return rc;
}

/* who - the Unix user running this, and the user behind sudo */
static void who(char *out, size_t n)
{
    struct passwd *pw = getpwuid(geteuid());
    char name[64], sudo[64];
    snprintf(name, sizeof name, "%s", pw && pw->pw_name ? pw->pw_name : "?");
    const char *su = getenv("SUDO_USER");
    if (su && *su && strcmp(su, name) != 0)
        snprintf(out, n, "%s (sudo by %s)", name, str_shown(su, sudo, sizeof sudo));
    else
        snprintf(out, n, "%s", name);
}

/* notes_dir - the actions/ directory of the spool */
static int notes_dir(const struct wb_env *env, char *out, size_t n)
{
    return fs_join(out, n, env->spool.root, NOTES_DIR);
}

/* queue_note - an action as a note in actions/ */
int queue_note(struct wb_env *env, const char *action, const struct queue_item *it,
               const char *reason)
{
    char dir[4200], user[160], name[96];
    int rc = notes_dir(env, dir, sizeof dir);
    if (rc == WB_OK)
        rc = fs_mkdirs(dir, FS_DIR_MODE);
    if (rc != WB_OK)
        return rc;
    who(user, sizeof user);
    time_t now = clock_now();
    json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "at", (json_int_t)now, "user", user,
                          "action", action, "account", it->account, "flow", it->flow, "name",
                          it->e->name, "reason", reason ? reason : "");
    char *d = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!d)
        return WB_NOMEM;
    /* TIME-N.action: the first N free (two operators in one second take two names) */
    rc = strlen(d) < NOTE_MAX ? WB_EXISTS : WB_TOOBIG;
    for (unsigned seq = 0; rc == WB_EXISTS && seq < 1000; seq++) {
        snprintf(name, sizeof name, "%lld-%u.action", (long long)now, seq);
        rc = fs_write_file(dir, name, d, strlen(d));
    }
    free(d);
    return rc;
}

/* note_read - one note as a ledger action (strings point into *o); WB_BADARG when malformed */
static int note_read(const char *path, json_t **o, struct ledger_action *a)
{
    struct buf b;
    buf_init(&b, NOTE_MAX);
    int rc = fs_read_file(path, &b);
    *o = rc == WB_OK ? json_loads(buf_str(&b), 0, NULL) : NULL;
    buf_free(&b);
    if (rc != WB_OK)
        return rc;
    json_int_t at = 0;
    if (!*o || json_unpack(*o, "{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "at", &at, "user", &a->user,
                           "action", &a->action, "account", &a->account, "flow", &a->flow, "name",
                           &a->name, "reason", &a->reason) != 0)
        return WB_BADARG;
    a->at = (time_t)at;
    return WB_OK;
}

/* note_names - the note files of actions/, sorted (oldest first: names start with the time) */
static int note_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}
static int note_names(const char *dir, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return WB_OK; /* no action yet */
    struct dirent *de;
    size_t cap = 0;
    int rc = WB_OK;
    while (rc == WB_OK && (de = readdir(d)) != NULL) {
        size_t k = strlen(de->d_name);
        if (k < 8 || strcmp(de->d_name + k - 7, ".action") != 0 || de->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nv = realloc(*out, cap * sizeof **out);
            if (!nv) {
                rc = WB_NOMEM;
                break;
            }
            *out = nv;
        }
        if (!((*out)[*n] = strdup(de->d_name)))
            rc = WB_NOMEM;
        else
            (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*out, *n, sizeof **out, note_cmp);
    return rc;
}

/* names_free - what note_names gave */
static void names_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* queue_notes_ingest - notes into the ledger, then removed */
int queue_notes_ingest(struct wb_env *env)
{
    char dir[4200], path[4400];
    char **v;
    size_t n;
    if (!env->ledger || notes_dir(env, dir, sizeof dir) != WB_OK)
        return WB_OK;
    int rc = note_names(dir, &v, &n);
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        if (fs_join(path, sizeof path, dir, v[i]) != WB_OK)
            continue;
        json_t *o = NULL;
        struct ledger_action a;
        int r = note_read(path, &o, &a);
        if (r == WB_OK)
            rc = ledger_action_add(env->ledger, &a);
        else
            log_warn("file=%s event=action-note-unreadable status=%s", v[i], wb_status_str(r));
        json_decref(o);
        if (rc == WB_OK && r == WB_OK)
            unlink(path);
    }
    names_free(v, n);
    if (rc == WB_OK && n)
        fs_fsync_dir(dir);
    return rc;
}

struct action_out {
    const char *name;
    long n;
};

/* action_line - one action for a person (the heading before the first) */
static int action_line(void *arg, const struct ledger_action *a)
{
    struct action_out *o = arg;
    if (!o->n)
        printf("actions on %s:\n", o->name);
    char when[32], reason[600], user[200];
    clock_format_iso(a->at, when, sizeof when);
    printf("  %s %s by %s (%s/%s)%s%s\n", when, a->action, str_shown(a->user, user, sizeof user),
           *a->account ? a->account : "default", a->flow, *a->reason ? ": " : "",
           str_shown(a->reason, reason, sizeof reason));
    o->n++;
    return WB_OK;
}

/* queue_actions_print - the recorded actions on name, then the notes not taken in yet */
int queue_actions_print(struct wb_env *env, const char *name, long *n)
{
    struct action_out o = {name, 0};
    int rc = env->ledger ? ledger_actions_of(env->ledger, NULL, name, action_line, &o) : WB_OK;
    char dir[4200], path[4400];
    char **v;
    size_t nn;
    if (notes_dir(env, dir, sizeof dir) != WB_OK || note_names(dir, &v, &nn) != WB_OK) {
        *n = o.n;
        return rc;
    }
    for (size_t i = 0; i < nn; i++) {
        json_t *js = NULL;
        struct ledger_action a;
        if (fs_join(path, sizeof path, dir, v[i]) == WB_OK && note_read(path, &js, &a) == WB_OK &&
            strcmp(a.name, name) == 0)
            action_line(&o, &a);
        json_decref(js);
    }
    names_free(v, nn);
    *n = o.n;
    return rc;
}
