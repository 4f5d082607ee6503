/*
 * procreport_check.c - whether a parsed processing report may settle the
 * feed it claims to answer, and what it says about each message sent.
 *
 * Owns the one rule by which a report settles anything (written above
 * procreport_check). Pure: no I/O, no ledger, no clock; it only orders the
 * report's results by MessageID (document order within a message).
 * Error contract: a verdict, with one sentence in why when the report does
 * not settle; never exits.
 * Must never: count a message without a Result as applied unless the
 * report's own summary vouches for it.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "amazon/procreport.h"
#include "core/wb.h"

/* result_cmp - results by MessageID, then in document order */
static int result_cmp(const void *a, const void *b)
{
    const struct proc_result *x = a, *y = b;
    if (x->message_id != y->message_id)
        return x->message_id < y->message_id ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* sent_cmp - a MessageID against a sent message */
static int sent_cmp(const void *key, const void *elem)
{
    long id = *(const long *)key, m = ((const struct proc_sent *)elem)->message_id;
    return (id > m) - (id < m);
}

/* unproven - one sentence in why; the verdict UNPROVEN */
__attribute__((format(printf, 2, 3))) static int unproven(struct buf *why, const char *fmt, ...)
{
    if (why) {
        va_list ap;
        va_start(ap, fmt);
        buf_reset(why);
        buf_appends(why, "the processing report does not add up: ");
        buf_vappendf(why, fmt, ap);
        va_end(ap);
    }
    return PROCREPORT_UNPROVEN;
}

static const char *const format_names[] = {"unknown", "XML", "JSON", "flat-file"};

/* format_name - a report format for sentences */
static const char *format_name(int f)
{
    return f >= PROCREPORT_XML && f <= PROCREPORT_FLAT ? format_names[f] : format_names[0];
}

/*
 * procreport_check - the rule. A report settles nothing unless it adds up
 * against the feed that was sent:
 *  1. It is the answer to this feed: in the feed's format (an XML report for
 *     an XML feed, JSON for JSON), and its transaction id (XML
 *     DocumentTransactionID, JSON header.feedId) is our Amazon feed id.
 *  2. If Amazon says it processed none of the document (a feed-level Error,
 *     one without MessageID, while no message counts as successful; or a
 *     summary of nothing processed) the verdict is FEED_FAILED: nothing is
 *     confirmed and the feed is handled as FATAL.
 *  3. It has a summary; MessagesProcessed equals the messages sent, and
 *     MessagesSuccessful + MessagesWithError equals MessagesProcessed.
 *  4. Every Result names a MessageID that was sent; a Result without one
 *     beside successful messages may only be a Warning.
 *  5. The messages with an Error Result are exactly MessagesWithError.
 * Then it SETTLES: a message without a Result was applied (the summary counts
 * it among the successful), one with an Error is rejected, one with Warnings
 * only is applied with the warnings kept, and one whose Result names another
 * AmazonOrderID than the order sent under its MessageID is rejected naming
 * both (procreport_message). Otherwise it is UNPROVEN: it settles nothing.
 */
int procreport_check(struct proc_report *rep, int format, const char *feed_id,
                     const struct proc_sent *sent, size_t nsent, struct buf *why)
{
    if (rep->nresults)
        qsort(rep->results, rep->nresults, sizeof *rep->results, result_cmp);
    if (rep->format != format)
        return unproven(why, "a %s report for a feed whose reports are %s",
                        format_name(rep->format), format_name(format));
    if (format != PROCREPORT_FLAT && !*rep->transaction_id)
        return unproven(why, "it names no feed (no transaction id)");
    if (format != PROCREPORT_FLAT && strcmp(rep->transaction_id, feed_id ? feed_id : "") != 0)
        return unproven(why, "it answers feed %.40s, not feed %.40s", rep->transaction_id,
                        feed_id ? feed_id : "");
    const struct proc_result *whole = NULL;
    for (size_t i = 0; i < rep->nresults && !whole; i++)
        if (rep->results[i].message_id == 0 && rep->results[i].is_error)
            whole = &rep->results[i];
    if ((whole && (!rep->has_summary || rep->successful == 0)) ||
        (rep->has_summary && rep->processed == 0 && nsent > 0)) {
        if (why) {
            buf_reset(why);
            if (whole)
                buf_appendf(why, "feed-level Error %s: %.600s", whole->code, whole->description);
            else
                buf_appendf(why, "the processing report says no message was processed (%zu sent)",
                            nsent);
        }
        return PROCREPORT_FEED_FAILED;
    }
    if (!rep->has_summary)
        return unproven(why, "it has no summary, so messages without a result prove nothing");
    if (rep->processed != (long)nsent)
        return unproven(why, "%ld messages processed, %zu sent", rep->processed, nsent);
    if (rep->successful > rep->processed || rep->with_error > rep->processed ||
        rep->successful + rep->with_error != rep->processed)
        return unproven(why, "%ld successful + %ld with error is not the %ld processed",
                        rep->successful, rep->with_error, rep->processed);
    if (whole)
        return unproven(why, "an Error without MessageID (%s) beside %ld successful messages",
                        whole->code, rep->successful);
    long errors = 0;
    for (size_t i = 0, j; i < rep->nresults; i = j) {
        long id = rep->results[i].message_id;
        int has_error = 0;
        for (j = i; j < rep->nresults && rep->results[j].message_id == id; j++)
            has_error |= rep->results[j].is_error;
        if (id == 0)
            continue; /* feed-level Warnings */
        if (!bsearch(&id, sent, nsent, sizeof *sent, sent_cmp))
            return unproven(why, "a Result for MessageID %ld, which was not sent", id);
        errors += has_error;
    }
    if (errors != rep->with_error)
        return unproven(why, "%ld messages with error in the summary, %ld with an Error result",
                        rep->with_error, errors);
    return PROCREPORT_SETTLES;
}

/* procreport_message - the verdict of one sent message from a checked (sorted) report */
int procreport_message(const struct proc_report *rep, const struct proc_sent *m,
                       const struct proc_result **first, size_t *n,
                       const struct proc_result **cause)
{
    *first = NULL;
    *n = 0;
    *cause = NULL;
    size_t lo = 0, hi = rep->nresults;
    while (lo < hi) { /* the first result with this MessageID */
        size_t mid = lo + (hi - lo) / 2;
        if (rep->results[mid].message_id < m->message_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < rep->nresults && rep->results[end].message_id == m->message_id)
        end++;
    if (end == lo)
        return PROCREPORT_MSG_OK;
    *first = &rep->results[lo];
    *n = end - lo;
    const struct proc_result *err = NULL;
    for (size_t i = lo; i < end; i++) {
        const struct proc_result *p = &rep->results[i];
        if (*p->order_id && *m->order_id && strcmp(p->order_id, m->order_id) != 0) {
            *cause = p;
            return PROCREPORT_MSG_OTHER_ORDER;
        }
        if (p->is_error && !err)
            err = p;
    }
    if (err) {
        *cause = err;
        return PROCREPORT_MSG_ERROR;
    }
    return PROCREPORT_MSG_WARNING;
}
