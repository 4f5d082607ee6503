/*
 * http.c - libcurl easy wrapper: one request, bounded response, TLS always on.
 * A request goes only to an https:// URL; plain http only to a loopback test
 * peer under WB_TEST_INSECURE=1, the one switch (with tls_verify = no) that
 * lowers transport security, for tests only (http_url_allowed).
 *
 * Owns the curl easy handle and the mapping of libcurl errors to WB_* codes
 * (the one place where CURLcode is translated). Response bodies go to a
 * bounded buf or to a caller's sink; selected headers are captured. Never
 * logs or returns secrets or URL query strings; never exits. Only this file
 * calls libcurl.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "net/http.h"

struct http {
    CURL *curl;
    char *ca_file;
    int insecure;
    long timeout_s;
};

struct xfer {
    const struct http_req *rq;
    struct http_resp *rs;
    CURL *curl;
    int sink_rc; /* status that made a callback abort the transfer */
};

/* global_init - curl_global_init once; the reason in why on failure */
static int global_init(char *why, size_t n)
{
    static int done;
    if (done)
        return WB_OK;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(why, n, "libcurl could not be initialised");
        return WB_INTERNAL;
    }
    done = 1;
    return WB_OK;
}

/* http_global_init - curl_global_init once (also done by http_open) */
enum wb_status http_global_init(void)
{
    char why[256];
    return global_init(why, sizeof why);
}

/* http_escape - append v percent-encoded for a URL query or a form body; the temporary copy is
 * wiped (values may be secrets) */
enum wb_status http_escape(struct buf *out, const char *v)
{
    char why[256];
    if (global_init(why, sizeof why) != WB_OK)
        return WB_INTERNAL;
    char *e = curl_easy_escape(NULL, v, 0);
    if (!e)
        return WB_NOMEM;
    int rc = buf_appends(out, e);
    explicit_bzero(e, strlen(e));
    curl_free(e);
    return rc;
}

/* http_url_is_https - 1 if url starts with https:// */
int http_url_is_https(const char *url)
{
    return url && strncasecmp(url, "https://", 8) == 0;
}

/* http_test_insecure - 1 under WB_TEST_INSECURE=1 (tests only: see the file comment) */
int http_test_insecure(void)
{
    const char *t = getenv("WB_TEST_INSECURE");
    return t && strcmp(t, "1") == 0;
}

/* loopback_url - 1 if the URL's host is 127.0.0.0/8, [::1] or localhost (no user info: in
 * "http://127.0.0.1@host/" the host is "host") */
static int loopback_url(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return 0;
    p += 3;
    size_t n = strcspn(p, "/?#"); /* the authority */
    if (memchr(p, '@', n))
        return 0;
    if (n >= 5 && strncmp(p, "[::1]", 5) == 0)
        return n == 5 || p[5] == ':';
    size_t h = strcspn(p, ":/?#"); /* the host */
    if (h == 9 && strncasecmp(p, "localhost", 9) == 0)
        return 1;
    if (h < 4 || strncmp(p, "127.", 4) != 0)
        return 0;
    for (size_t i = 4; i < h; i++)
        if (!isdigit((unsigned char)p[i]) && p[i] != '.')
            return 0;
    return 1;
}

/* http_url_allowed - https:// anywhere; plain http:// only to a loopback test peer under
 * WB_TEST_INSECURE=1: no secret, token or document goes out in clear text */
int http_url_allowed(const char *url)
{
    if (http_url_is_https(url))
        return 1;
    return url && strncasecmp(url, "http://", 7) == 0 && loopback_url(url) && http_test_insecure();
}

/* http_redact_url - scheme://host/path with any query string replaced by "?..." */
void http_redact_url(const char *url, char *out, size_t n)
{
    if (!n)
        return;
    if (!url) {
        snprintf(out, n, "-");
        return;
    }
    size_t len = strcspn(url, "?#");
    /* userinfo ("user:pass@host") is never shown either */
    const char *scheme_end = strstr(url, "://");
    if (scheme_end && (size_t)(scheme_end - url) < len) {
        size_t host_at = (size_t)(scheme_end - url) + 3;
        size_t host_end = host_at + strcspn(url + host_at, "/?#");
        const char *at = memchr(url + host_at, '@', host_end - host_at);
        if (at) {
            snprintf(out, n, "%.*s%.*s%s", (int)host_at, url, (int)(len - (size_t)(at + 1 - url)),
                     at + 1, url[len] == '?' ? "?..." : "");
            return;
        }
    }
    snprintf(out, n, "%.*s%s", (int)len, url, url[len] == '?' ? "?..." : "");
}

/* http_open - a client for the config's TLS policy and timeouts */
enum wb_status http_open(struct http **out, const struct wb_config *cfg, struct buf *err)
{
    *out = NULL;
    char why[256];
    int grc = global_init(why, sizeof why);
    if (grc != WB_OK) {
        buf_appendf(err, "%s", why);
        return grc;
    }
    int insecure = 0;
    if (!cfg->tls_verify) {
        if (!http_test_insecure()) {
            buf_appendf(err, "tls_verify = no is refused: TLS verification can only be turned off "
                             "for tests (WB_TEST_INSECURE=1); use ca_file to trust a private CA");
            return WB_CONFIG;
        }
        insecure = 1;
        log_warn("event=tls_insecure reason=WB_TEST_INSECURE=1 tls_verify=no");
    }
    if (cfg->ca_file && *cfg->ca_file && access(cfg->ca_file, R_OK) != 0) {
        buf_appendf(err, "ca_file %s cannot be read: %s", cfg->ca_file, strerror(errno));
        return WB_CONFIG;
    }
    struct http *h = calloc(1, sizeof *h);
    if (!h)
        return WB_NOMEM;
    h->curl = curl_easy_init();
    if (!h->curl) {
        free(h);
        buf_appendf(err, "libcurl could not create a handle");
        return WB_NOMEM;
    }
    if (cfg->ca_file && *cfg->ca_file && !(h->ca_file = str_dup(cfg->ca_file))) {
        curl_easy_cleanup(h->curl);
        free(h);
        return WB_NOMEM;
    }
    h->insecure = insecure;
    h->timeout_s = cfg->http_timeout > 0 ? cfg->http_timeout : 60;
    *out = h;
    return WB_OK;
}

/* http_close - release the handle and its connections */
void http_close(struct http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    free(h->ca_file);
    free(h);
}

/* header_value - the trimmed value if line is "name: value", else NULL */
static const char *header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return NULL;
    const char *v = line + nl + 1;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *vlen = (size_t)(end - v);
    return v;
}

/* copy_value - bounded copy of a header value, printable ASCII only */
static void copy_value(char *dst, size_t n, const char *v, size_t vlen)
{
    size_t j = 0;
    for (size_t i = 0; i < vlen && j + 1 < n; i++)
        if (isprint((unsigned char)v[i]))
            dst[j++] = v[i];
    dst[j] = '\0';
}

/* parse_retry_after - Retry-After seconds or HTTP-date into ms, -1 if unusable */
static long parse_retry_after(const char *v, size_t vlen)
{
    char tmp[64];
    copy_value(tmp, sizeof tmp, v, vlen);
    long secs;
    if (str_to_long(tmp, 0, 86400, &secs) == WB_OK)
        return secs * 1000;
    time_t t = curl_getdate(tmp, NULL);
    if (t == (time_t)-1)
        return -1;
    time_t now = time(NULL);
    if (t <= now)
        return 0;
    return t - now > 86400 ? 86400000L : (long)(t - now) * 1000;
}

/* on_header - capture the response headers we care about */
static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * nmemb;
    const char *v;
    size_t vlen;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new response (after 100) */
        x->rs->request_id[0] = '\0';
        x->rs->rate_limit[0] = '\0';
        x->rs->retry_after_ms = -1;
        x->rs->date = 0;
    } else if ((v = header_value(p, len, "x-amzn-RequestId", &vlen))) {
        copy_value(x->rs->request_id, sizeof x->rs->request_id, v, vlen);
    } else if ((v = header_value(p, len, "x-amzn-RateLimit-Limit", &vlen))) {
        copy_value(x->rs->rate_limit, sizeof x->rs->rate_limit, v, vlen);
    } else if ((v = header_value(p, len, "Retry-After", &vlen))) {
        x->rs->retry_after_ms = parse_retry_after(v, vlen);
    } else if ((v = header_value(p, len, "Date", &vlen))) {
        char tmp[64];
        copy_value(tmp, sizeof tmp, v, vlen);
        time_t t = curl_getdate(tmp, NULL);
        x->rs->date = t > 0 ? t : 0;
    }
    return len;
}

/* on_body - body bytes to the sink (2xx) or the bounded buffer */
static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * nmemb;
    long status = 0;
    curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
    int rc = WB_OK;
    if (x->rq->sink && status >= 200 && status < 300)
        rc = x->rq->sink(x->rq->sink_arg, p, len);
    else if (x->rq->resp)
        rc = buf_append(x->rq->resp, p, len);
    if (rc != WB_OK) {
        x->sink_rc = rc;
        return 0; /* abort: CURLE_WRITE_ERROR */
    }
    x->rs->bytes += (long long)len;
    return len;
}

/* on_read - stream the upload file */
static size_t on_read(char *p, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    size_t n = fread(p, size, nmemb, x->rq->upload);
    if (n == 0 && ferror(x->rq->upload)) {
        x->sink_rc = WB_IOERR;
        return CURL_READFUNC_ABORT;
    }
    return n;
}

/* on_seek - rewind the upload file when libcurl must resend it */
static int on_seek(void *arg, curl_off_t off, int origin)
{
    struct xfer *x = arg;
    if (fseeko(x->rq->upload, (off_t)off, origin) != 0)
        return CURL_SEEKFUNC_CANTSEEK;
    return CURL_SEEKFUNC_OK;
}

/* map_curl - translate a libcurl error into a WB_* code and one sentence */
static int map_curl(CURLcode cc, const struct xfer *x, const char *detail, const char *where,
                    struct buf *err)
{
    char clean[CURL_ERROR_SIZE];
    snprintf(clean, sizeof clean, "%s", detail && *detail ? detail : curl_easy_strerror(cc));
    clean[strcspn(clean, "?\r\n")] = '\0'; /* never echo a query string */
    switch (cc) {
    case CURLE_WRITE_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_READ_ERROR:
        if (x->sink_rc != WB_OK) {
            if (x->sink_rc == WB_TOOBIG)
                buf_appendf(err, "%s: response body is larger than allowed", where);
            else if (x->sink_rc == WB_IOERR && cc == CURLE_READ_ERROR)
                buf_appendf(err, "%s: reading the upload file failed", where);
            else
                buf_appendf(err, "%s: the receiver stopped the transfer: %s", where,
                            wb_status_str(x->sink_rc));
            return x->sink_rc;
        }
        buf_appendf(err, "%s: transfer aborted: %s", where, clean);
        return WB_IOERR;
    case CURLE_OPERATION_TIMEDOUT:
        buf_appendf(err, "%s: timed out: %s", where, clean);
        return WB_TEMPFAIL;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_WEIRD_SERVER_REPLY:
        buf_appendf(err, "%s: connection failed: %s", where, clean);
        return WB_TEMPFAIL;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CRL_BADFILE:
        buf_appendf(err, "%s: TLS verification failed: %s (check ca_file)", where, clean);
        return WB_CONFIG;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        buf_appendf(err, "%s: URL refused: %s", where, clean);
        return WB_BADARG;
    case CURLE_OUT_OF_MEMORY:
        buf_appendf(err, "%s: out of memory", where);
        return WB_NOMEM;
    default:
        buf_appendf(err, "%s: transfer failed: %s", where, clean);
        return WB_TEMPFAIL;
    }
}

/* free_headers - wipe (they may carry an access token) and free a header list */
static void free_headers(struct curl_slist *hdrs)
{
    for (struct curl_slist *p = hdrs; p; p = p->next)
        if (p->data)
            explicit_bzero(p->data, strlen(p->data));
    curl_slist_free_all(hdrs);
}

/* setup - apply the fixed policy and this request's options to the handle */
static int setup(struct http *h, const struct http_req *rq, struct xfer *x, struct curl_slist *hdrs,
                 char *errbuf)
{
    CURL *c = h->curl;
    long timeout = rq->timeout_s > 0 ? rq->timeout_s : h->timeout_s;
    long connect = h->timeout_s < 15 ? h->timeout_s : 15;
    int ok = 1;
#define SET(opt, val) ok &= curl_easy_setopt(c, opt, val) == CURLE_OK
    SET(CURLOPT_URL, rq->url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT, connect);
    SET(CURLOPT_TIMEOUT, timeout);
    SET(CURLOPT_LOW_SPEED_LIMIT, 1L); /* a stalled transfer ends after http_timeout */
    SET(CURLOPT_LOW_SPEED_TIME, h->timeout_s);
    SET(CURLOPT_SSL_VERIFYPEER, h->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, h->insecure ? 0L : 2L);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (h->ca_file)
        SET(CURLOPT_CAINFO, h->ca_file);
    SET(CURLOPT_USERAGENT, "wmsbridge/0.1 (Language=C)");
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, x);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_HTTPHEADER, hdrs);
    SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    const char *m = rq->method ? rq->method : "GET";
    if (rq->upload) {
        SET(CURLOPT_UPLOAD, 1L);
        SET(CURLOPT_READFUNCTION, on_read);
        SET(CURLOPT_READDATA, x);
        SET(CURLOPT_SEEKFUNCTION, on_seek);
        SET(CURLOPT_SEEKDATA, x);
        SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->upload_len);
        if (strcmp(m, "PUT") != 0)
            SET(CURLOPT_CUSTOMREQUEST, m);
    } else if (strcmp(m, "GET") == 0) {
        SET(CURLOPT_HTTPGET, 1L);
    } else if (rq->body || strcmp(m, "POST") == 0) {
        SET(CURLOPT_POSTFIELDS, rq->body ? (const char *)rq->body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0));
        if (strcmp(m, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, m);
    } else {
        SET(CURLOPT_CUSTOMREQUEST, m);
        if (strcmp(m, "HEAD") == 0)
            SET(CURLOPT_NOBODY, 1L);
    }
#undef SET
    return ok ? WB_OK : WB_INTERNAL;
}

/* http_request - perform one request; see the error contract in http.h */
enum wb_status http_request(struct http *h, const struct http_req *rq, struct http_resp *rs,
                            struct buf *err)
{
    memset(rs, 0, sizeof *rs);
    rs->retry_after_ms = -1;
    char safe[256];
    http_redact_url(rq->url, safe, sizeof safe);
    if (!http_url_allowed(rq->url)) {
        buf_appendf(err, "%s: " HTTP_URL_RULE, safe);
        return WB_BADARG;
    }
    if (rq->upload && fseeko(rq->upload, 0, SEEK_SET) != 0) {
        buf_appendf(err, "%s: cannot rewind the upload file: %s", safe, strerror(errno));
        return WB_IOERR;
    }
    struct curl_slist *hdrs = NULL;
    for (const char *const *hp = rq->headers; hp && *hp; hp++) {
        struct curl_slist *n = curl_slist_append(hdrs, *hp);
        if (!n) {
            free_headers(hdrs);
            return WB_NOMEM;
        }
        hdrs = n;
    }
    if (rq->upload || rq->body) { /* no "Expect: 100-continue" round trip */
        struct curl_slist *n = curl_slist_append(hdrs, "Expect:");
        if (!n) {
            free_headers(hdrs);
            return WB_NOMEM;
        }
        hdrs = n;
    }
    struct xfer x = {.rq = rq, .rs = rs, .curl = h->curl, .sink_rc = WB_OK};
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    curl_easy_reset(h->curl); /* keeps the connection cache: keep-alive */
    int rc = setup(h, rq, &x, hdrs, errbuf);
    if (rc != WB_OK) {
        free_headers(hdrs);
        buf_appendf(err, "%s: libcurl refused an option", safe);
        return rc;
    }
    long long t0 = clock_mono_ms();
    CURLcode cc = curl_easy_perform(h->curl);
    rs->ms = (long)(clock_mono_ms() - t0);
    long sent = 0; /* CURLINFO_REQUEST_SIZE is a long */
    long status = 0;
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h->curl, CURLINFO_REQUEST_SIZE, &sent);
    rs->maybe_sent = sent > 0 || status > 0;
    free_headers(hdrs);
    curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, NULL);
    if (cc != CURLE_OK) {
        char where[300];
        snprintf(where, sizeof where, "%s %s", rq->method ? rq->method : "GET", safe);
        rc = map_curl(cc, &x, errbuf, where, err);
        log_debug("event=http method=%s url=%s result=%s curl=%d ms=%ld",
                  rq->method ? rq->method : "GET", safe, wb_status_str(rc), (int)cc, rs->ms);
        if (rc == WB_OK)
            rc = WB_INTERNAL;
        return rc;
    }
    rs->status = status;
    long fresh = 0;
    curl_easy_getinfo(h->curl, CURLINFO_NUM_CONNECTS, &fresh);
    log_debug("event=http method=%s url=%s status=%ld bytes=%lld ms=%ld conn=%s request_id=%s",
              rq->method ? rq->method : "GET", safe, status, rs->bytes, rs->ms,
              fresh ? "new" : "reused", rs->request_id[0] ? rs->request_id : "-");
    return WB_OK;
}
