/*
 * http.h - one HTTP(S) request over a reused libcurl easy handle.
 *
 * Owns the curl handle (kept between requests for keep-alive) and the TLS
 * policy. TLS peer and host verification are always on; ca_file adds a CA
 * bundle (CURLOPT_CAINFO; the system CA directory stays trusted). The only
 * way to turn verification off is tls_verify = no together with the
 * environment variable WB_TEST_INSECURE=1 (tests); tls_verify = no alone is
 * refused with WB_CONFIG, so there is no accidental way to turn it off.
 * Only http and https are spoken; redirects are never followed.
 *
 * Error contract: WB_OK means an HTTP response arrived (any status, see
 * resp->status). libcurl errors are mapped here, once: timeouts and
 * connection errors -> WB_TEMPFAIL, TLS verification failures -> WB_CONFIG,
 * a body over its cap -> WB_TOOBIG, a sink's own status is passed through;
 * each with one sentence in err. Never puts a token, secret or URL query
 * string into err or a log line; never exits.
 */
#ifndef WB_NET_HTTP_H
#define WB_NET_HTTP_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/wb.h"

struct http;

struct http_req {
    const char *method;         /* GET, POST, PUT, PATCH, DELETE */
    const char *url;            /* http:// or https:// only */
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    const void *body;           /* memory body (may be NULL) */
    size_t body_len;
    FILE *upload; /* or a file body, streamed from its start (PUT) */
    long long upload_len;
    struct buf *resp; /* body when no sink, or a non-2xx body when there is one */
    int (*sink)(void *arg, const void *p, size_t n); /* 2xx body; returns WB_* */
    void *sink_arg;
    long timeout_s; /* total timeout; 0 = config http_timeout */
};

struct http_resp {
    long status;          /* 0 when no response arrived */
    char request_id[128]; /* x-amzn-RequestId */
    char rate_limit[32];  /* x-amzn-RateLimit-Limit, "" if absent */
    long retry_after_ms;  /* Retry-After, -1 if absent */
    time_t date;          /* the server's clock (Date header), 0 if absent or unreadable */
    long long bytes;      /* body bytes received */
    long ms;              /* wall time of the request */
    int maybe_sent;       /* 1 if the server may have seen the request */
};

/* http_open - a client for the config's TLS policy and timeouts */
enum wb_status http_open(struct http **out, const struct wb_config *cfg, struct buf *err);
/* http_close - release the handle and its connections */
void http_close(struct http *h);
/* http_request - perform one request; see the error contract above */
enum wb_status http_request(struct http *h, const struct http_req *rq, struct http_resp *rs,
                            struct buf *err);
/* http_redact_url - scheme://host/path with any query string replaced by "?..." */
void http_redact_url(const char *url, char *out, size_t n);
/* http_url_is_https - 1 if url starts with https:// */
int http_url_is_https(const char *url);
/* http_url_allowed - 1 for https://, or plain http:// to a loopback test peer under
 * WB_TEST_INSECURE=1; every request is held to it (HTTP_URL_RULE says it to a person) */
int http_url_allowed(const char *url);
#define HTTP_URL_RULE                                                                              \
    "only https:// URLs are allowed (plain http:// only to a loopback test peer, with "            \
    "WB_TEST_INSECURE=1)"
/* http_test_insecure - 1 under WB_TEST_INSECURE=1, the tests' switch for tls_verify = no and
 * plain http to loopback */
int http_test_insecure(void);
/* http_escape - append v percent-encoded (URL query or form body) */
enum wb_status http_escape(struct buf *out, const char *v);
/* http_global_init - curl_global_init once (also done by http_open) */
enum wb_status http_global_init(void);

#endif
