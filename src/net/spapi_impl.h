/*
 * spapi_impl.h - internals shared by spapi.c (session, call loop, feeds and
 * reports operations) and spapi_doc.c (document upload and download).
 *
 * Owns nothing; declares the session struct and the call loop. Not for use
 * outside src/net/spapi*.c. Same error contract as spapi.h; never exits.
 */
#ifndef WB_NET_SPAPI_IMPL_H
#define WB_NET_SPAPI_IMPL_H

#include "core/buf.h"
#include "core/wb.h"
#include "net/http.h"
#include "net/lwa.h"
#include "net/ratelimit.h"
#include "net/retry.h"
#include "net/spapi.h"

#define SPAPI_RESP_MAX (4L * 1024 * 1024)
#define SPAPI_ERRBODY_MAX (64 * 1024)
#define SPAPI_MARKETPLACES_MAX 25
#define SPAPI_FEEDS_MAX 2000

struct spapi {
    char *endpoint;     /* no trailing '/' */
    char *lwa_endpoint; /* token URL */
    char *marketplaces[SPAPI_MARKETPLACES_MAX];
    int nmarketplaces;
    struct lwa_creds creds;
    struct lwa_cache tok;
    struct ratelimit *rl;
    struct http *http;
    long transfer_timeout_s; /* uploads and downloads: 10 x http_timeout */
    long long doc_max;       /* decoded document size cap */
    struct retry_policy pol;
    int prio;
    long max_wait_ms;
    long last_wait_ms;
    int unknown;
    time_t amazon_date;         /* Date of the last SP-API answer (Amazon's clock), 0 if none */
    long long amazon_date_mono; /* clock_mono_ms() when that answer arrived */
    struct spapi_stats st;
    struct spapi_op_count ops[SPAPI_OPS_MAX]; /* per operation, the first SPAPI_OPS_MAX seen */
    size_t nops;
};

struct spapi_req {
    const char *op;     /* usage plan name, e.g. "getFeed" */
    const char *method; /* GET, POST, DELETE */
    const char *path;   /* path and query, starting with '/' */
    const char *body;   /* JSON body or NULL */
    int idempotent;
    const char *item; /* "feed_id=..." for the log line, or "" */
    struct buf *resp; /* response body */
    long status;
};

/* spapi_url_allowed - the transport's rule (http_url_allowed), checked before a request */
int spapi_url_allowed(const char *url);
/* spapi_content_type_ok - printable, no separators that could split a header */
int spapi_content_type_ok(const char *ct);
/* spapi_backoff - sleep before retry number *attempt, or WB_TEMPFAIL when retries are spent */
enum wb_status spapi_backoff(struct spapi *s, int *attempt, long retry_after_ms, const char *op,
                             const char *why, struct buf *err);
/* spapi_call - one SP-API operation with bucket, token, refresh-once and backoff */
enum wb_status spapi_call(struct spapi *s, struct spapi_req *c, struct buf *err);
/* spapi_call_id - an idempotent method on base/id after checking the id; item "what_id=ID";
 * the answer in resp */
enum wb_status spapi_call_id(struct spapi *s, const char *op, const char *method, const char *base,
                             const char *what, const char *id, struct buf *resp, struct buf *err);

#endif
