/*
 * procreport.h - reader of Amazon feed processing reports.
 *
 * Owns the parsed form of one report: status, summary counts and one result
 * per error or warning, keyed by MessageID (never by text). Three formats:
 * the XML ProcessingReport envelope, the JSON_LISTINGS_FEED JSON report and
 * the tab-separated flat-file report. Input is untrusted: no DOCTYPE, no
 * entities, no network; fields are bounded (descriptions cut at 1023 bytes on
 * a UTF-8 boundary) and at most PROCREPORT_MAX_RESULTS results are kept.
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
};

struct proc_report {
    char status[32]; /* XML StatusCode; "Complete" for JSON and flat reports */
    long processed, successful, with_error, with_warning;
    struct proc_result *results;
    size_t nresults;
    int has_summary;
};

/* procreport_parse_xml - XML ProcessingReport (AmazonEnvelope or bare ProcessingReport) */
int procreport_parse_xml(const char *data, size_t len, struct proc_report *out, struct buf *err);
/* procreport_parse_json - JSON_LISTINGS_FEED report: ERROR -> error, WARNING -> warning */
int procreport_parse_json(const char *data, size_t len, struct proc_report *out, struct buf *err);
/* procreport_parse_flat - tab-separated flat-file report with its summary preamble */
int procreport_parse_flat(const char *data, size_t len, struct proc_report *out, struct buf *err);
/* procreport_parse - sniff the format ('<' XML, '{' JSON, else flat) and parse */
int procreport_parse(const char *data, size_t len, struct proc_report *out, struct buf *err);
/* procreport_free - release the results; the report becomes empty */
void procreport_free(struct proc_report *r);

#endif
