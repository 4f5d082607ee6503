/*
 * feeds.h - the Amazon side of every feed-based flow: submit, poll, fetch the
 * processing report, map it back message by message.
 *
 * Exactly once: the intent (state SUBMITTING) is durable before any call,
 * and so is the time createFeed is sent, on Amazon's clock (create_at); the
 * Amazon feed id is durable right after createFeed answers. A feed found in
 * SUBMITTING was interrupted: without create_at createFeed never happened
 * (submit again); with it, once Amazon's list has had feed_list_delay_seconds
 * (Amazon's clock) to show the feed, getFeeds (same type, created since
 * create_at) is asked for feeds the ledger does not know: exactly one is
 * adopted, none means createFeed never happened (submit again), several means
 * it cannot tell: the feed is held (AMBIGUOUS) and an alert raised, never
 * resubmitted until `wmsbridge resolve`. While a feed is in doubt no other
 * feed of its flow is submitted: two lost feeds could not be told apart.
 * Confirmed rows are never put in a feed again.
 *
 * Results: a report settles nothing unless it adds up against the feed sent
 * (procreport_check states the rule); one that does not, one that cannot be
 * read and a DONE feed without a report hold the feed: it stays submitted
 * with its last error and one alert, polled again with a growing delay,
 * until a report settles it or an operator does (feeds_settle_by_hand).
 * A message with an Error result rejects its rows (Amazon's code
 * and text, written to reject/<flow>/ in the input layout); Warning confirms
 * with the warning kept; no result confirms. FATAL/CANCELLED release the rows
 * for a new feed, up to FEEDS_MAX_ATTEMPTS, then reject them (E_FEED_FATAL).
 * Stuck: a feed not DONE after feed_stuck_minutes raises an alert; while
 * IN_QUEUE it is cancelled (its rows then go out in a new feed), while
 * IN_PROGRESS it is left to finish and polled on.
 * Returns WB_* codes; never exits.
 */
#ifndef WB_FEEDS_H
#define WB_FEEDS_H

#include "core/buf.h"
#include "core/conf.h"

#define FEEDS_MAX_ATTEMPTS 3

struct wb_env;
struct outflow;
struct spapi;
struct ledger_feed;

struct feeds_client {
    struct spapi *api;
};

/* feeds_client_open - load seller account a's credentials (mode 0600) and open an SP-API
 * client for its endpoints and marketplaces (a NULL: the top-level settings) */
int feeds_client_open(struct feeds_client *fc, const struct wb_config *cfg,
                      const struct wb_account *a, struct buf *err);
/* feeds_client_close - close the client */
void feeds_client_close(struct feeds_client *fc);
/* feeds_handle_invalid - rows of feeds whose document failed the schema go to reject/ */
int feeds_handle_invalid(const struct outflow *of, struct wb_env *env);
/* feeds_submit_ready - resolve interrupted submissions, then submit ready feeds; none while a
 * feed of the flow is still in doubt (its createFeed outcome unknown), so at most one is */
int feeds_submit_ready(struct feeds_client *fc, struct wb_env *env, const struct outflow *of);
/* feeds_poll - poll submitted feeds that are due (all of them if all_now) and settle results */
int feeds_poll(struct feeds_client *fc, struct wb_env *env, const struct outflow *of, int all_now);
/* feeds_settle_by_hand - an operator's word for a held feed of this flow (state submitted,
 * alerted): every queued row confirmed (reason NULL) or rejected with reason (E_OPERATOR);
 * WB_BADARG for any other feed */
int feeds_settle_by_hand(const struct outflow *of, struct wb_env *env, struct ledger_feed *f,
                         const char *reason);
/* feeds_reject_files - rows already marked rejected in the open transaction (ids, with the
 * ledger file each belongs to) written to reject/<flow>/, one file per input file, named for
 * batch feed_id and tag (outflow_reject_name) */
int feeds_reject_files(const struct outflow *of, struct wb_env *env, const long long *ids,
                       const long long *file_ids, size_t n, long long feed_id, const char *tag);
/* feeds_in_flight - batches of a flow still waiting on Amazon (a feed in flight, or CALLING:
 * calls of the api sink under way), and the earliest next poll */
int feeds_in_flight(struct wb_env *env, const char *flow, long *n, long *next_poll);

#endif
