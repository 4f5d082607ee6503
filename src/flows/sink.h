/*
 * sink.h - where the ready batches of an outbound flow go to Amazon: one interface, two back
 * ends, opened for one seller account.
 *
 *   feed sink (sink_feed.c): the batch's document becomes one feed (feeds.c: createFeed,
 *             getFeed, the processing report settles the rows)
 *   api sink  (sink_api.c):  one confirmShipment call (Orders API v0) per message of the
 *             batch; each answer settles the rows of its message
 *
 * Choice, per account (`dispatch_via`, or `account.NAME.dispatch_via`): feed, api, or auto:
 * api when a batch holds at most `dispatch_api_max` orders, else feed (sink_choose). A flow
 * whose outflow has no package hook goes by feed. The choice is made once per batch, when
 * it leaves READY, and is durable in its state: READY -> CALLING is the api sink's, READY ->
 * SUBMITTING the feed sink's; changing the setting never moves a batch already taken.
 *
 * Exactly once on the api path (docs/design.md, "Sinks"): before its first call the batch is
 * CALLING in the ledger and its rows queued under their message ids. A 204 confirms the rows
 * of its message in one transaction. Amazon refuses a repeat of a confirmation it applied
 * (400, "already ..."), so a message whose answer was lost (a crash between the 204 and the
 * ledger write, a timeout) is simply sent again: the repeat answer confirms its rows, with
 * Amazon's words kept as their warning, as a feed's Warning 5001 for a repeat does. Any
 * other refusal rejects the message's rows with Amazon's code and message, written with the
 * batch's other refusals (rows and reject files in one transaction) once every message has
 * an answer; until then a refused message is asked again (a refusal changes nothing at
 * Amazon). 429 and 5xx are retried with backoff and never reject: the batch stays CALLING.
 *
 * Returns WB_* codes; never exits; a sink never touches a batch the other one holds.
 */
#ifndef WB_SINK_H
#define WB_SINK_H

#include "core/conf.h"

struct wb_env;
struct outflow;
struct feeds_client;
struct spapi_refusal;

enum sink_via { SINK_FEED, SINK_API, SINK_AUTO };

struct sink;

struct sink_ops {
    const char *name; /* "feed" or "api" */
    /* submit - send the batches this sink holds or was chosen for (none when offline) */
    int (*submit)(struct sink *s);
    /* poll - learn what Amazon did with what was sent (all of it now if all_now) and settle
     * the rows it answered for */
    int (*poll)(struct sink *s, int all_now);
};

/* a sink opened for one account: its client, environment and flow */
struct sink {
    const struct sink_ops *ops;
    const struct wb_account *account;
    struct wb_env *env;
    struct feeds_client *fc; /* the account's SP-API client */
    const struct outflow *of;
};

extern const struct sink_ops sink_feed_ops;
extern const struct sink_ops sink_api_ops;

/* sink_via_parse - "feed", "api" or "auto"; WB_BADARG for anything else */
int sink_via_parse(const char *v, enum sink_via *out);
/* sink_via_of - the setting of account a (its own, else the top-level one, else feed) */
enum sink_via sink_via_of(const struct wb_config *cfg, const struct wb_account *a);
/* sink_choose - the sink of a batch of norders orders: feed, api, or by api_max for auto */
const struct sink_ops *sink_choose(enum sink_via via, long api_max, long norders);
/* sink_open - bind ops to an account, its client (fc), the environment and a flow */
void sink_open(struct sink *s, const struct sink_ops *ops, const struct wb_account *a,
               struct wb_env *env, struct feeds_client *fc, const struct outflow *of);
/* sink_run - the ready batches of flow of for account a go to the sink chosen for each (the
 * api sink's are taken first), then each sink submits and polls; fc NULL: nothing is sent.
 * fc must be a's client; of is a's flow (its lane): the batches of that flow are a's */
int sink_run(const struct wb_account *a, struct wb_env *env, struct feeds_client *fc,
             const struct outflow *of, int all_now);
/* sink_repeat_answer - 1 if a refusal is Amazon's answer to a repeat of a confirmation it
 * applied before (HTTP 400 whose text says "already") */
int sink_repeat_answer(const struct spapi_refusal *r);

#endif
