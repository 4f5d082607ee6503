/*
 * sink_feed.c - the feed sink: a batch's document goes out as one feed; submit, poll and the
 * settling of rows by the processing report are feeds.c's (rules in feeds.h). Owns nothing
 * beyond the binding. Returns WB_* codes; never exits; never touches a CALLING batch.
 */
#include "flows/feeds.h"
#include "flows/sink.h"

/* feed_submit - resolve interrupted createFeed calls, then submit the ready feeds */
static int feed_submit(struct sink *s)
{
    return feeds_submit_ready(s->fc, s->env, s->of);
}

/* feed_poll - poll the feeds in flight that are due and settle their reports */
static int feed_poll(struct sink *s, int all_now)
{
    return feeds_poll(s->fc, s->env, s->of, all_now);
}

const struct sink_ops sink_feed_ops = {
    .name = "feed",
    .submit = feed_submit,
    .poll = feed_poll,
};
