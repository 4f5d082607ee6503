/*
 * procreport.h - reader of Amazon feed processing reports.
 *
 * Owns the parsed form of one report: status, summary counts and one result
 * per error or warning, keyed by MessageID (never by text). Three formats:
 * the XML ProcessingReport envelope, the JSON_LISTINGS_FEED JSON report and
 * the tab-separated flat-file report. Input is untrusted: no DOCTYPE, no
 * entities, no network; fields are bounded (descriptions cut at 1023 bytes on
 * a UTF-8 boundary) and at most PROCREPORT_MAX_RESULTS results are kept.
 * procreport_check (procreport_check.c) decides whether a parsed report may
 * settle the feed it claims to answer; its rule is written above it.
 * Error contract: WB_OK, WB_PERMFAIL with a sentence in err for anything that
 * is not a report we can read, WB_NOMEM. Never exits, never crashes on input.
 * Must never: expand entities, load external resources, or grow unbounded.
 */
#ifndef WB_AMAZON_PROCREPORT_H
#define WB_AMAZON_PROCREPORT_H

#include <stddef.h>

#include "core/buf.h"

#define PROCREPORT_MAX_RESULTS 1000000

struct proc_result {
    long message_id; /* 0: not tied to one message (the whole feed) */
    int is_error;    /* 1 Error, 0 Warning */
    char code[32];
    char description[1024];
    char sku[128];
    char order_id[32];
    size_t seq; /* position in the document: keeps a message's results in order */
};

enum procreport_format { PROCREPORT_XML = 1, PROCREPORT_JSON, PROCREPORT_FLAT };

struct proc_report {
    char status[32]; /* XML StatusCode; "Complete" for JSON and flat reports */
    long processed, successful, with_error, with_warning;
    struct proc_result *results;
    size_t nresults;
    int has_summary;
    int format;              /* enum procreport_format */
    char transaction_id[64]; /* XML DocumentTransactionID, JSON header.feedId; "" if none */
};

/* one message of the feed as sent: its MessageID and the Amazon order id it carried */
struct proc_sent {
    long message_id;
    char order_id[32]; /* "" when the message is not about one order */
};

/* what a report may do to the feed it answers (procreport_check) */
enum procreport_verdict {
    PROCREPORT_SETTLES = 1, /* it adds up: each message by its own results */
    PROCREPORT_FEED_FAILED, /* Amazon processed none of the document: nothing confirmed */
    PROCREPORT_UNPROVEN     /* it does not add up: it settles nothing */
};

/* what the results of one message say (procreport_message) */
enum procreport_msg {
    PROCREPORT_MSG_OK = 1,     /* no result: applied */
    PROCREPORT_MSG_WARNING,    /* only warnings: applied, warnings kept */
    PROCREPORT_MSG_ERROR,      /* at least one Error: not applied */
    PROCREPORT_MSG_OTHER_ORDER /* a result names another order than the one sent */
};

/* procreport_parse_xml - XML ProcessingReport (AmazonEnvelope or bare ProcessingReport) */
int procreport_parse_xml(const char *data, size_t len, struct proc_report *out, struct buf *err);
/* procreport_parse_json - JSON_LISTINGS_FEED report: ERROR -> error, WARNING -> warning */
int procreport_parse_json(const char *data, size_t len, struct proc_report *out, struct buf *err);
/* procreport_parse_flat - tab-separated flat-file report with its summary preamble */
int procreport_parse_flat(const char *data, size_t len, struct proc_report *out, struct buf *err);
/* procreport_parse - sniff the format ('<' XML, '{' JSON, else flat) and parse */
int procreport_parse(const char *data, size_t len, struct proc_report *out, struct buf *err);
/* procreport_check - may this report settle the feed sent (format, Amazon feed id, messages
 * sorted by MessageID)? Sorts the results by MessageID; why gets one sentence unless SETTLES */
int procreport_check(struct proc_report *rep, int format, const char *feed_id,
                     const struct proc_sent *sent, size_t nsent, struct buf *why);
/* procreport_message - the verdict of one sent message from a checked report; *first and *n
 * its results in document order, *cause the result that decided an ERROR or OTHER_ORDER */
int procreport_message(const struct proc_report *rep, const struct proc_sent *m,
                       const struct proc_result **first, size_t *n,
                       const struct proc_result **cause);
/* procreport_free - release the results; the report becomes empty */
void procreport_free(struct proc_report *r);

#endif
