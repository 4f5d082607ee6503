/*
 * cmd_feeds.c - `wmsbridge feeds` (the feeds the ledger knows, newest
 * problems first) and `wmsbridge resolve` (an operator's answer for a feed
 * that crash recovery could not place: Amazon has it under a given feed id,
 * or Amazon never received it; or for a held feed Amazon finished but whose
 * report could not settle it: its rows confirmed, or rejected with a reason).
 * Changes one feed, through feeds.c for its rows; never talks to Amazon,
 * never touches rows directly.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/flow.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/outflow.h"
#include "spool/ledger.h"

/* print_feed - one line of the listing; its seller account first when there are several */
static void print_feed(const struct ledger_feed *f, int accounts)
{
    char when[32] = "-";
    if (f->created)
        clock_format_iso(f->created, when, sizeof when);
    if (accounts)
        printf("%-12s ", *f->account ? f->account : CONF_DEFAULT_ACCOUNT);
    printf("%-6lld %-10s %-20s %8ld  %-20s %.120s\n", f->id, ledger_feed_state_name(f->state),
           *f->amazon_feed_id ? f->amazon_feed_id : "-", f->messages, when,
           *f->last_error ? f->last_error : "");
}

/* cmd_feeds - list feeds: the ones needing attention and in flight, or all with --all */
int cmd_feeds(int argc, char **argv, const char *conf_path)
{
    int all = 0;
    const struct cmd_opt opts[] = {{"--all", NULL, &all}};
    size_t np;
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), NULL, 0, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    struct wb_env env;
    int ex = cmd_load_env(&env, conf_path, CMD_SPOOL_READ);
    if (ex != WB_EX_OK)
        return ex;
    /* what needs a person first, then what is in flight, then (--all) the settled */
    static const int order[] = {LFD_AMBIGUOUS,  LFD_INVALID,   LFD_FATAL,   LFD_CANCELLED,
                                LFD_SUBMITTING, LFD_SUBMITTED, LFD_CALLING, LFD_READY,
                                LFD_BUILDING,   LFD_DONE};
    int accounts = env.cfg.naccounts > 1;
    if (accounts)
        printf("%-12s ", "ACCOUNT");
    printf("%-6s %-10s %-20s %8s  %-20s %s\n", "FEED", "STATE", "AMAZON FEED", "MESSAGES",
           "CREATED", "LAST ERROR");
    long shown = 0;
    for (size_t i = 0; i < WB_ARRAY_LEN(order) && ex == WB_EX_OK; i++) {
        if (!all && order[i] == LFD_DONE)
            continue;
        struct ledger_feed *fv;
        size_t n;
        if (ledger_feeds_in_state(env.ledger, order[i], &fv, &n) != WB_OK) {
            fprintf(stderr, "wmsbridge feeds: cannot read the ledger\n");
            ex = WB_EX_IOERR;
            break;
        }
        for (size_t k = 0; k < n; k++, shown++)
            print_feed(&fv[k], accounts);
        free(fv);
    }
    printf("%ld feed(s)%s\n", shown, all ? "" : " not settled (--all lists every feed)");
    env_free(&env);
    return ex;
}

/* amazon_id_ok - Amazon feed ids are digits */
static int amazon_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* reason_ok - an operator's reason: 1-400 bytes of UTF-8 text without control characters */
static int reason_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 400 || !str_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* settle_held - --confirmed / --rejected REASON for a held feed, through its flow, in the lane
 * of its seller account */
static int settle_held(struct wb_env *env, struct ledger_feed *f, const char *reason)
{
    const struct flow_def *fd = flow_find(f->flow);
    void *inst = NULL;
    struct outflow *of = NULL;
    char lane[FLOW_LANE_MAX];
    struct buf err;
    buf_init(&err, 4096);
    int rc = fd && fd->open ? flow_lane_named(f->flow, f->account, lane, sizeof lane) : WB_BADARG;
    if (rc == WB_OK)
        rc = fd->open(env, &inst, &of, &err);
    if (rc == WB_OK && !of)
        rc = WB_BADARG;
    if (rc == WB_OK) {
        of->flow = lane;
        of->account = conf_find_account(&env->cfg, *f->account ? f->account : CONF_DEFAULT_ACCOUNT);
        rc = feeds_settle_by_hand(of, env, f, reason);
    }
    if (inst)
        fd->close(inst);
    if (rc != WB_OK)
        fprintf(stderr, "wmsbridge resolve: feed %lld: cannot settle it: %s %s\n", f->id,
                wb_status_str(rc), buf_str(&err));
    buf_free(&err);
    return rc;
}

/* cmd_resolve - FEED# --sent AMAZON_FEED_ID | --not-sent for an ambiguous feed,
 * --confirmed | --rejected REASON for a held one */
int cmd_resolve(int argc, char **argv, const char *conf_path)
{
    long id = 0;
    const char *amazon = NULL, *reason = NULL;
    int not_sent = 0, confirmed = 0;
    const char *feed = NULL;
    const struct cmd_opt opts[] = {{"--sent", &amazon, NULL},
                                   {"--not-sent", NULL, &not_sent},
                                   {"--confirmed", NULL, &confirmed},
                                   {"--rejected", &reason, NULL}};
    size_t np;
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), &feed, 1, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    if (!np || str_to_long(feed, 1, 1L << 50, &id) != WB_OK ||
        (amazon != NULL) + not_sent + confirmed + (reason != NULL) != 1) {
        fprintf(stderr,
                "wmsbridge resolve: one FEED number and exactly one of --sent, "
                "--not-sent, --confirmed, --rejected\nusage: wmsbridge %s\n",
                cmd_usage("resolve"));
        return WB_EX_USAGE;
    }
    if (amazon && !amazon_id_ok(amazon)) {
        fprintf(stderr, "wmsbridge resolve: '%s' is not an Amazon feed id (digits)\n", amazon);
        return WB_EX_USAGE;
    }
    if (reason && !reason_ok(reason)) {
        fprintf(stderr, "wmsbridge resolve: the reason must be 1 to 400 bytes of text\n");
        return WB_EX_USAGE;
    }
    struct wb_env env;
    int ex = cmd_load_env(&env, conf_path, CMD_SPOOL_WRITE);
    if (ex != WB_EX_OK)
        return ex;
    struct ledger_feed f, other;
    memset(&f, 0, sizeof f);
    int by_report = confirmed || reason;
    int rc = ledger_feed_get(env.ledger, id, &f);
    const char *sname = ledger_feed_state_name(f.state);
    if (rc != WB_OK) {
        fprintf(stderr, "wmsbridge resolve: no feed %ld in the ledger\n", id);
        ex = WB_EX_NOINPUT;
    } else if (by_report && (f.state != LFD_SUBMITTED || !f.alerted)) {
        fprintf(stderr,
                "wmsbridge resolve: feed %ld is %s and not held; only a feed Amazon finished "
                "whose report could not settle it is confirmed or rejected by hand\n",
                id, sname);
        ex = WB_EX_DATAERR;
    } else if (by_report) {
        rc = settle_held(&env, &f, reason);
        if (rc != WB_OK) {
            ex = WB_EX_IOERR;
        } else {
            printf("feed %lld: every waiting row %s\n", f.id,
                   reason ? "rejected into reject/" : "confirmed");
        }
    } else if (f.state != LFD_AMBIGUOUS) {
        fprintf(stderr,
                "wmsbridge resolve: feed %ld is %s, not ambiguous; only a feed crash recovery "
                "could not place is resolved by hand\n",
                id, sname);
        ex = WB_EX_DATAERR;
    } else if (amazon && ledger_feed_by_amazon_id(env.ledger, amazon, &other) == WB_OK) {
        fprintf(stderr, "wmsbridge resolve: Amazon feed %s already belongs to feed %lld\n", amazon,
                other.id);
        ex = WB_EX_DATAERR;
    } else {
        if (amazon) {
            /* Amazon has it: poll it like any submitted feed; its report settles the rows */
            str_copy(f.amazon_feed_id, sizeof f.amazon_feed_id, amazon);
            f.state = LFD_SUBMITTED;
            f.submitted = f.intent_at ? f.intent_at : clock_now();
            f.next_poll = clock_now();
            f.polls = 0;
        } else {
            /* Amazon never got it: the document goes out again as it is */
            f.state = LFD_READY;
            f.amazon_doc_id[0] = '\0';
            f.amazon_feed_id[0] = '\0';
        }
        snprintf(f.last_error, sizeof f.last_error, "resolved by hand: %s",
                 amazon ? "sent" : "not sent");
        rc = ledger_feed_put(env.ledger, &f);
        if (rc != WB_OK) {
            fprintf(stderr, "wmsbridge resolve: cannot write the ledger: %s\n", wb_status_str(rc));
            ex = WB_EX_IOERR;
        } else {
            log_info("feed=%lld event=resolved outcome=%s amazon_feed=%s", f.id,
                     amazon ? "sent" : "not-sent", amazon ? amazon : "-");
            printf("feed %lld: %s\n", f.id,
                   amazon ? "will be polled as Amazon feed; its report settles the rows"
                          : "will be submitted again by the next run of its flow");
        }
    }
    env_free(&env);
    return ex;
}
