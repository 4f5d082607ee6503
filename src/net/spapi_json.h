/*
 * spapi_json.h - parsers for SP-API JSON responses (feeds, reports, errors).
 *
 * Owns nothing beyond the caller's output structs: pure functions over a
 * bounded byte range, safe on any input (fuzzed by tests/fuzz/fuzz_spapi_json.c).
 * Error contract: a body that is not JSON -> WB_TEMPFAIL (a truncated or
 * garbled answer may be transient); JSON of the wrong shape, an identifier
 * that is not [A-Za-z0-9._-]{1,128} or an unknown status -> WB_PERMFAIL;
 * over SPAPI_JSON_MAX -> WB_TOOBIG; one sentence in err. Never exits.
 */
#ifndef WB_NET_SPAPI_JSON_H
#define WB_NET_SPAPI_JSON_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "core/wb.h"

#define SPAPI_JSON_MAX (8 * 1024 * 1024)
#define SPAPI_ID_MAX 128

struct spapi_feed {
    char feed_id[64];
    char feed_type[64];
    char status[16]; /* IN_QUEUE, IN_PROGRESS, DONE, CANCELLED, FATAL */
    char result_doc_id[128];
    time_t created;
};

struct spapi_report {
    char report_id[64];
    char report_type[96];
    char status[16];
    char doc_id[128];
    time_t created;
    char marketplaces[128]; /* its marketplaceIds, comma separated ("" if it gave none) */
};

/* spapi_id_ok - 1 if s is an identifier safe for a URL path: [A-Za-z0-9._-]{1,128} */
int spapi_id_ok(const char *s);
/* spapi_type_ok - 1 if s looks like a feed or report type: [A-Z0-9_]{1,n-1} */
int spapi_type_ok(const char *s, size_t n);
/* spapi_status_ok - 1 for one of the five documented processing statuses */
int spapi_status_ok(const char *s);
/* spapi_parse_time - ISO 8601 date-time (Z or +hh:mm offset) to epoch seconds, -1 if bad */
time_t spapi_parse_time(const char *s);
/* spapi_parse_errors - "code: message (details)" of an ErrorList; *token_error set for an
 * Unauthorized error about an expired or invalid access token */
enum wb_status spapi_parse_errors(const char *json, size_t len, struct buf *out, int *token_error);
/* spapi_parse_refusal - the first error of an ErrorList: code ("" unless [A-Za-z0-9_-]{1,63})
 * and "message (details)" in printable ASCII, cut to fit */
enum wb_status spapi_parse_refusal(const char *json, size_t len, char *code, size_t coden,
                                   char *text, size_t textn);
/* spapi_parse_id - the string member key (an identifier) of a response object */
enum wb_status spapi_parse_id(const char *json, size_t len, const char *key, char *out, size_t n,
                              struct buf *err);
/* spapi_parse_feed - a Feed object (getFeed) */
enum wb_status spapi_parse_feed(const char *json, size_t len, struct spapi_feed *out,
                                struct buf *err);
/* spapi_parse_feeds - a GetFeedsResponse page, appended to *arr (at most max in all) */
enum wb_status spapi_parse_feeds(const char *json, size_t len, struct spapi_feed **arr, size_t *n,
                                 size_t max, char *next_token, size_t ntn, struct buf *err);
/* spapi_parse_report - a Report object (getReport) */
enum wb_status spapi_parse_report(const char *json, size_t len, struct spapi_report *out,
                                  struct buf *err);
/* spapi_parse_reports - a GetReportsResponse page: its reports (at most max; *arr malloc'd) */
enum wb_status spapi_parse_reports(const char *json, size_t len, struct spapi_report **arr,
                                   size_t *n, size_t max, struct buf *err);
/* spapi_parse_document - FeedDocument / ReportDocument / CreateFeedDocumentResponse:
 * id member idkey, url, and whether compressionAlgorithm is GZIP */
enum wb_status spapi_parse_document(const char *json, size_t len, const char *idkey, char *id,
                                    size_t idn, struct buf *url, int *gzip, struct buf *err);

#endif
