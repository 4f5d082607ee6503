/*
 * spapi.h - Selling Partner API client: feeds and reports operations, confirmShipment.
 *
 * Owns one session (struct spapi): a copy of the endpoints, marketplace ids
 * and LWA credentials, the access-token cache, the per-operation token
 * buckets, the retry policy and one reused HTTP handle (keep-alive).
 *
 * Every call: wait for the operation's bucket (up to the session's max wait,
 * else WB_AGAIN with the wait in spapi_last_wait_ms), attach a valid access
 * token, send, and then:
 *   2xx                         -> WB_OK
 *   401, or 403 Unauthorized about an expired/invalid token
 *                               -> refresh the token once and resend
 *   429, 5xx, 408, timeouts, connection errors
 *                               -> back off (full jitter, Retry-After honoured)
 *                                  up to retry_max retries, then WB_TEMPFAIL
 *   400, 403, 404, other 4xx    -> WB_PERMFAIL with Amazon's errors[] code and message
 *   401/403 token error again after the refresh -> WB_CONFIG (authorization problem)
 * confirmShipment is resent like a read (Amazon refuses a repeat of a confirmation it applied).
 * createFeed and createReport are not idempotent: after a 500/502/504 or a
 * timeout once the request may have been sent they are not resent; they
 * return WB_TEMPFAIL and spapi_outcome_unknown() is 1 (check getFeeds first);
 * so does a 2xx answer whose new id cannot be read.
 * TLS failures are WB_CONFIG. Every external identifier used in a URL path
 * is checked ([A-Za-z0-9._-]{1,128}) before use.
 *
 * Logs one key=value line per call (op=... status=... ms=...) with no token,
 * secret or presigned URL. Never exits; one session is not thread-safe.
 */
#ifndef WB_NET_SPAPI_H
#define WB_NET_SPAPI_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/wb.h"
#include "net/lwa.h"
#include "net/ratelimit.h"
#include "net/spapi_json.h"

#define SPAPI_DOC_MAX (256L * 1024 * 1024) /* decompressed document size cap */
#define SPAPI_LIST_PAGES 20                /* getFeeds pages followed at most */

struct spapi;

struct spapi_stats {
    long calls;     /* operations started */
    long requests;  /* HTTP requests sent (SP-API, documents, token) */
    long retries;   /* backoff retries */
    long throttled; /* 429 answers */
    long refreshes; /* access tokens fetched */
    long waited_ms; /* time spent waiting for buckets and backoff */
};

/* spapi_open - a session for cfg's endpoints with a copy of creds */
enum wb_status spapi_open(struct spapi **out, const struct wb_config *cfg,
                          const struct lwa_creds *creds, struct buf *err);
/* spapi_close - release the session and wipe its secrets */
void spapi_close(struct spapi *s);

/* spapi_set_priority - RATELIMIT_HIGH (tracking) or RATELIMIT_LOW (inventory) for next calls */
void spapi_set_priority(struct spapi *s, int prio);
/* spapi_set_max_wait - longest a call may block for a rate-limit token (ms) */
void spapi_set_max_wait(struct spapi *s, long ms);
/* spapi_set_doc_max - cap on a downloaded document's decoded size (default SPAPI_DOC_MAX) */
void spapi_set_doc_max(struct spapi *s, long long bytes);
/* spapi_last_wait_ms - after WB_AGAIN: how long until the bucket has a token */
long spapi_last_wait_ms(const struct spapi *s);
/* spapi_outcome_unknown - 1 if the last create call may have succeeded despite failing */
int spapi_outcome_unknown(const struct spapi *s);
/* spapi_amazon_now - Amazon's clock now (the Date header of the session's last answer plus
 * the time elapsed since), 0 if no answer carried a Date yet; the local clock may be wrong */
time_t spapi_amazon_now(const struct spapi *s);
/* spapi_stats - counters since spapi_open */
void spapi_stats(const struct spapi *s, struct spapi_stats *out);
/* calls and 429 answers of one operation (its usage plan name) */
#define SPAPI_OPS_MAX 32
struct spapi_op_count {
    char op[48];
    long calls;
    long throttled;
};
/* spapi_op_counts - the counts per operation since spapi_open (*out: n of them) */
size_t spapi_op_counts(const struct spapi *s, const struct spapi_op_count **out);
/* spapi_ratelimit - the session's buckets (for a scheduler's own questions) */
struct ratelimit *spapi_ratelimit(struct spapi *s);

/* spapi_create_feed_document - createFeedDocument: document id and presigned upload URL */
enum wb_status spapi_create_feed_document(struct spapi *s, const char *content_type, char *doc_id,
                                          size_t idn, struct buf *url, struct buf *err);
/* spapi_upload - PUT a file to a presigned URL (no access token) */
enum wb_status spapi_upload(struct spapi *s, const char *url, const char *content_type,
                            const char *path, struct buf *err);
/* spapi_create_feed - createFeed for cfg marketplace_ids; the new feed id */
enum wb_status spapi_create_feed(struct spapi *s, const char *feed_type, const char *doc_id,
                                 char *feed_id, size_t idn, struct buf *err);
/* spapi_get_feed - getFeed */
enum wb_status spapi_get_feed(struct spapi *s, const char *feed_id, struct spapi_feed *out,
                              struct buf *err);
/* spapi_list_feeds - getFeeds of a type (required) since a time (0 = any), all pages
 * up to SPAPI_LIST_PAGES; *out is malloc'd (free it) */
enum wb_status spapi_list_feeds(struct spapi *s, const char *feed_type, time_t created_since,
                                struct spapi_feed **out, size_t *n, struct buf *err);
/* spapi_get_feed_document - getFeedDocument, download, gunzip if GZIP, write
 * dest_dir/dest_name atomically (temp + fsync + rename) */
enum wb_status spapi_get_feed_document(struct spapi *s, const char *doc_id, const char *dest_dir,
                                       const char *dest_name, struct buf *err);
/* spapi_cancel_feed - cancelFeed */
enum wb_status spapi_cancel_feed(struct spapi *s, const char *feed_id, struct buf *err);

/* a refusal of one request: Amazon's first error (status 400, 403 or 404 for confirmShipment) */
struct spapi_refusal {
    long status;       /* HTTP status */
    char code[64];     /* Amazon's code, e.g. InvalidInput or NotFound; "" if it gave none */
    char message[512]; /* its "message (details)", printable ASCII */
};
/* spapi_confirm_shipment - confirmShipment (Orders API v0) of one package of order_id for the
 * client's first marketplace; body_pkg is the packageDetail JSON object text. WB_PERMFAIL with
 * *refusal filled when Amazon refuses it. Sent as idempotent: Amazon refuses a repeat of an
 * applied confirmation (sink.h), so 429, 5xx and timeouts are retried like a read */
enum wb_status spapi_confirm_shipment(struct spapi *s, const char *order_id, const char *body_pkg,
                                      struct spapi_refusal *refusal, struct buf *err);
/* spapi_search_orders - one page of searchOrders (Orders API v2026-01-01) into resp: with no
 * token the first page of a window (lastUpdatedAfter after, fulfilledBy MERCHANT, the statuses
 * the WMS needs, includedData RECIPIENT and FULFILLMENT, the client's marketplaces, 100 a
 * page), else the page token names. An answer 4xx (an expired token) is WB_PERMFAIL */
enum wb_status spapi_search_orders(struct spapi *s, time_t after, const char *token,
                                   struct buf *resp, struct buf *err);

/* spapi_create_report - createReport for cfg marketplace_ids; times 0 = not sent */
enum wb_status spapi_create_report(struct spapi *s, const char *report_type, time_t start,
                                   time_t end, char *report_id, size_t idn, struct buf *err);
/* spapi_get_report - getReport */
enum wb_status spapi_get_report(struct spapi *s, const char *report_id, struct spapi_report *out,
                                struct buf *err);
/* spapi_get_reports - getReports: the DONE reports of a type of the last 90 days, newest first,
 * one page of at most 100 (*out malloc'd: free it) */
enum wb_status spapi_get_reports(struct spapi *s, const char *report_type,
                                 struct spapi_report **out, size_t *n, struct buf *err);
/* spapi_get_report_document - getReportDocument, download, gunzip, write atomically */
enum wb_status spapi_get_report_document(struct spapi *s, const char *doc_id, const char *dest_dir,
                                         const char *dest_name, struct buf *err);

#endif
