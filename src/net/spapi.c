/*
 * spapi.c - SP-API session and operations over http, lwa, ratelimit and retry.
 *
 * Owns the session (endpoints, marketplace ids, credentials copy, token
 * cache, buckets, HTTP handle) and the one call loop every operation goes
 * through: bucket, token, request, classify, refresh once / back off / give
 * up. Feeds and reports operations live here; documents (upload, download,
 * gunzip) in spapi_doc.c. Returns WB_* with one sentence in err; never logs
 * or returns tokens, secrets or presigned URLs; never exits.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "net/http.h"
#include "net/ratelimit.h"
#include "net/retry.h"
#include "net/spapi.h"
#include "net/spapi_impl.h"

/* spapi_url_allowed - the transport's rule (http_url_allowed), checked before a request */
int spapi_url_allowed(const char *url)
{
    return http_url_allowed(url);
}

/* dup_creds - copy the three secrets */
static int dup_creds(struct lwa_creds *dst, const struct lwa_creds *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src || !src->client_id || !src->client_secret || !src->refresh_token)
        return WB_BADARG;
    dst->client_id = str_dup(src->client_id);
    dst->client_secret = str_dup(src->client_secret);
    dst->refresh_token = str_dup(src->refresh_token);
    if (!dst->client_id || !dst->client_secret || !dst->refresh_token) {
        lwa_creds_free(dst);
        return WB_NOMEM;
    }
    return WB_OK;
}

/* parse_marketplaces - split the comma separated list into s->marketplaces */
static int parse_marketplaces(struct spapi *s, const char *list, struct buf *err)
{
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (!n)
            break;
        int ok = n <= 32;
        for (size_t i = 0; ok && i < n; i++)
            ok = (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9');
        if (!ok || s->nmarketplaces >= SPAPI_MARKETPLACES_MAX) {
            buf_appendf(err, "marketplace_ids: '%.*s' is not a marketplace id (or more than %d)",
                        (int)(n > 40 ? 40 : n), p, SPAPI_MARKETPLACES_MAX);
            return WB_CONFIG;
        }
        char *m = strndup(p, n);
        if (!m)
            return WB_NOMEM;
        s->marketplaces[s->nmarketplaces++] = m;
        p += n;
    }
    if (!s->nmarketplaces) {
        buf_appendf(err, "marketplace_ids is empty");
        return WB_CONFIG;
    }
    return WB_OK;
}

/* quota_owner - whose quotas a client spends: Amazon counts them per seller account and
 * application, so a digest of client id and refresh token (never the secrets themselves);
 * "" (the default owner) when no digest can be made */
static const char *quota_owner(const struct lwa_creds *c, char owner[RATELIMIT_OWNER_MAX])
{
    struct buf b;
    buf_init(&b, 16 * 1024);
    buf_appendf(&b, "%s\n%s", c->client_id ? c->client_id : "",
                c->refresh_token ? c->refresh_token : "");
    if (fs_sha256_buf(b.data ? b.data : "", b.len, owner) != WB_OK)
        owner[0] = '\0';
    if (b.data)
        explicit_bzero(b.data, b.len);
    buf_free(&b);
    return owner;
}

/* spapi_open - a session for cfg's endpoints with a copy of creds */
enum wb_status spapi_open(struct spapi **out, const struct wb_config *cfg,
                          const struct lwa_creds *creds, struct buf *err)
{
    *out = NULL;
    const char *ep = cfg->sp_api_endpoint, *lwa = cfg->lwa_endpoint;
    if (!ep || !spapi_url_allowed(ep) || !lwa || !spapi_url_allowed(lwa)) {
        buf_appendf(err, "sp_api_endpoint and lwa_endpoint: " HTTP_URL_RULE);
        return WB_CONFIG;
    }
    struct spapi *s = calloc(1, sizeof *s);
    if (!s)
        return WB_NOMEM;
    int rc = WB_NOMEM;
    s->endpoint = str_dup(ep);
    s->lwa_endpoint = str_dup(lwa);
    if (!s->endpoint || !s->lwa_endpoint)
        goto fail;
    size_t n = strlen(s->endpoint);
    while (n > 8 && s->endpoint[n - 1] == '/')
        s->endpoint[--n] = '\0';
    if ((rc = parse_marketplaces(s, cfg->marketplace_ids, err)) != WB_OK)
        goto fail;
    if ((rc = dup_creds(&s->creds, creds)) != WB_OK) {
        buf_appendf(err, "LWA credentials are incomplete");
        rc = rc == WB_BADARG ? WB_CONFIG : rc;
        goto fail;
    }
    char owner[RATELIMIT_OWNER_MAX];
    if ((rc = ratelimit_new_for(&s->rl, ratelimit_scale_env(), quota_owner(creds, owner))) != WB_OK)
        goto fail;
    if ((rc = http_open(&s->http, cfg, err)) != WB_OK)
        goto fail;
    s->doc_max = SPAPI_DOC_MAX;
    s->transfer_timeout_s = (cfg->http_timeout > 0 ? cfg->http_timeout : 60) * 10;
    retry_policy_from_config(&s->pol, cfg);
    s->prio = RATELIMIT_HIGH;
    s->max_wait_ms = s->pol.cap_ms;
    *out = s;
    return WB_OK;
fail:
    spapi_close(s);
    return rc;
}

/* spapi_close - release the session and wipe its secrets */
void spapi_close(struct spapi *s)
{
    if (!s)
        return;
    http_close(s->http);
    ratelimit_free(s->rl);
    lwa_cache_clear(&s->tok);
    lwa_creds_free(&s->creds);
    for (int i = 0; i < s->nmarketplaces; i++)
        free(s->marketplaces[i]);
    free(s->endpoint);
    free(s->lwa_endpoint);
    free(s);
}

/* spapi_set_priority - RATELIMIT_HIGH (tracking) or RATELIMIT_LOW (inventory) */
void spapi_set_priority(struct spapi *s, int prio)
{
    s->prio = prio == RATELIMIT_LOW ? RATELIMIT_LOW : RATELIMIT_HIGH;
}

/* spapi_set_max_wait - longest a call may block for a rate-limit token (ms) */
void spapi_set_max_wait(struct spapi *s, long ms)
{
    s->max_wait_ms = ms < 0 ? 0 : ms;
}

/* spapi_set_doc_max - cap on a downloaded document's decoded size (bytes) */
void spapi_set_doc_max(struct spapi *s, long long bytes)
{
    s->doc_max = bytes > 0 ? bytes : SPAPI_DOC_MAX;
}

/* spapi_last_wait_ms - after WB_AGAIN: how long until the bucket has a token */
long spapi_last_wait_ms(const struct spapi *s)
{
    return s->last_wait_ms;
}

/* spapi_outcome_unknown - 1 if the last create call may have succeeded despite failing */
int spapi_outcome_unknown(const struct spapi *s)
{
    return s->unknown;
}

/* spapi_amazon_now - Amazon's clock now: the Date of the last answer plus the time since
 * (by the monotonic clock), so never ahead of Amazon by more than the Date's second; 0 when no
 * answer with a Date has arrived in this session */
time_t spapi_amazon_now(const struct spapi *s)
{
    if (!s->amazon_date)
        return 0;
    return s->amazon_date + (time_t)((clock_mono_ms() - s->amazon_date_mono) / 1000);
}

/* spapi_stats - counters since spapi_open */
void spapi_stats(const struct spapi *s, struct spapi_stats *out)
{
    *out = s->st;
    out->refreshes = s->tok.refreshes;
    out->requests += s->tok.refreshes; /* successful token requests; failed ones are counted */
}

/* spapi_ratelimit - the session's buckets */
struct ratelimit *spapi_ratelimit(struct spapi *s)
{
    return s->rl;
}

/* spapi_backoff - sleep before retry number *attempt, or WB_TEMPFAIL when retries are spent */
enum wb_status spapi_backoff(struct spapi *s, int *attempt, long retry_after_ms, const char *op,
                             const char *why, struct buf *err)
{
    if (*attempt >= s->pol.max_retries) {
        buf_appendf(err, "%s: gave up after %d attempts: %s", op, *attempt + 1, why);
        return WB_TEMPFAIL;
    }
    if (retry_after_ms > s->pol.cap_ms) {
        buf_appendf(err, "%s: server asked to retry after %ld s: %s", op, retry_after_ms / 1000,
                    why);
        return WB_TEMPFAIL;
    }
    long d = retry_delay_ms(&s->pol, *attempt, retry_after_ms);
    log_debug("op=%s event=backoff attempt=%d delay_ms=%ld", op, *attempt + 1, d);
    clock_sleep_ms(d);
    s->st.waited_ms += d;
    s->st.retries++;
    (*attempt)++;
    return WB_OK;
}

/* take_token - wait for the operation's bucket within the session's max wait */
static int take_token(struct spapi *s, const char *op, struct buf *err)
{
    long w = 0;
    int rc = ratelimit_wait(s->rl, op, s->prio, s->max_wait_ms, &w);
    if (rc == WB_AGAIN) {
        s->last_wait_ms = w;
        buf_appendf(err, "%s: rate limit: next request allowed in %ld ms", op, w);
        log_info("op=%s event=throttled_local wait_ms=%ld prio=%s", op, w,
                 s->prio == RATELIMIT_LOW ? "low" : "high");
        return WB_AGAIN;
    }
    if (rc == WB_OK)
        s->st.waited_ms += w;
    return rc;
}

/* spapi_call - one SP-API operation with bucket, token, refresh-once and backoff */
/* op_count - the counts of op (NULL when SPAPI_OPS_MAX others came first) */
static struct spapi_op_count *op_count(struct spapi *s, const char *op)
{
    for (size_t i = 0; i < s->nops; i++)
        if (strcmp(s->ops[i].op, op) == 0)
            return &s->ops[i];
    if (s->nops == SPAPI_OPS_MAX)
        return NULL;
    struct spapi_op_count *c = &s->ops[s->nops++];
    snprintf(c->op, sizeof c->op, "%s", op);
    return c;
}

/* spapi_op_counts - the counts per operation */
size_t spapi_op_counts(const struct spapi *s, const struct spapi_op_count **out)
{
    *out = s->ops;
    return s->nops;
}

enum wb_status spapi_call(struct spapi *s, struct spapi_req *c, struct buf *err)
{
    char url[4096], hdr_token[LWA_TOKEN_MAX + 32];
    int attempt = 0, refreshed = 0, force = 0, rc;
    long long t0 = clock_mono_ms();
    struct http_resp rs;
    struct buf why, herr;
    buf_init(&why, 8192); /* room for herr or "HTTP n" + amz + request id */
    buf_init(&herr, 2048);
    memset(&rs, 0, sizeof rs);
    s->st.calls++;
    struct spapi_op_count *oc = op_count(s, c->op);
    if (oc)
        oc->calls++;
    s->unknown = 0;
    s->last_wait_ms = 0;
    c->status = 0;
    if (snprintf(url, sizeof url, "%s%s", s->endpoint, c->path) >= (int)sizeof url) {
        buf_appendf(err, "%s: request URL is too long", c->op);
        rc = WB_BADARG;
        goto done;
    }
    for (;;) {
        buf_reset(&why);
        buf_reset(&herr);
        if ((rc = take_token(s, c->op, err)) != WB_OK)
            goto done;
        const char *tok = NULL;
        rc = lwa_token(&s->tok, s->http, s->lwa_endpoint, &s->creds, force, &tok, &herr);
        force = 0;
        if (rc == WB_TEMPFAIL) {
            s->st.requests++;
            buf_appends(&why, buf_str(&herr));
            if ((rc = spapi_backoff(s, &attempt, -1, c->op, buf_str(&why), err)) != WB_OK)
                goto done;
            continue;
        }
        if (rc != WB_OK) {
            buf_appendf(err, "%s: %s", c->op, buf_str(&herr));
            goto done;
        }
        snprintf(hdr_token, sizeof hdr_token, "x-amz-access-token: %s", tok);
        const char *hdrs[] = {hdr_token, "Accept: application/json",
                              c->body ? "Content-Type: application/json" : NULL, NULL};
        buf_reset(c->resp);
        struct http_req rq = {.method = c->method,
                              .url = url,
                              .headers = hdrs,
                              .body = c->body,
                              .body_len = c->body ? strlen(c->body) : 0,
                              .resp = c->resp};
        rc = http_request(s->http, &rq, &rs, &herr);
        explicit_bzero(hdr_token, sizeof hdr_token);
        s->st.requests++;
        if (rc == WB_TEMPFAIL) {
            if (!c->idempotent && rs.maybe_sent) {
                s->unknown = 1;
                buf_appendf(err, "%s: outcome unknown (%s); check before resending", c->op,
                            buf_str(&herr));
                goto done;
            }
            buf_appends(&why, buf_str(&herr));
            if ((rc = spapi_backoff(s, &attempt, -1, c->op, buf_str(&why), err)) != WB_OK)
                goto done;
            continue;
        }
        if (rc != WB_OK) {
            buf_appendf(err, "%s: %s", c->op, buf_str(&herr));
            goto done;
        }
        c->status = rs.status;
        if (rs.date > 0) {
            s->amazon_date = rs.date;
            s->amazon_date_mono = clock_mono_ms();
        }
        if (rs.rate_limit[0])
            ratelimit_header(s->rl, c->op, rs.rate_limit);
        int token_error = 0;
        struct buf amz;
        buf_init(&amz, 4096);
        if (rs.status < 200 || rs.status >= 300)
            spapi_parse_errors(buf_str(c->resp), c->resp->len, &amz, &token_error);
        int v = retry_classify(rs.status, WB_OK, token_error);
        if (v == RETRY_DONE) {
            buf_free(&amz);
            rc = WB_OK;
            goto done;
        }
        buf_appendf(&why, "HTTP %ld %s (request_id=%s)", rs.status, buf_str(&amz),
                    rs.request_id[0] ? rs.request_id : "-");
        buf_free(&amz);
        if (v == RETRY_AUTH && !refreshed) {
            refreshed = 1;
            force = 1;
            log_info("op=%s event=token_refresh status=%ld", c->op, rs.status);
            continue;
        }
        if (v == RETRY_AUTH) { /* not the content's fault: an operator must look */
            buf_appendf(err,
                        "%s: access token refused after a refresh (check the application's "
                        "authorization and the credentials file): %s",
                        c->op, buf_str(&why));
            rc = WB_CONFIG;
            goto done;
        }
        if (v == RETRY_FATAL) {
            buf_appendf(err, "%s: %s", c->op, buf_str(&why));
            rc = WB_PERMFAIL;
            goto done;
        }
        if (rs.status == 429) {
            s->st.throttled++;
            if (oc)
                oc->throttled++;
            ratelimit_drain(s->rl, c->op);
        } else if (!c->idempotent && rs.status != 503) {
            s->unknown = 1;
            buf_appendf(err, "%s: outcome unknown: %s; check before resending", c->op,
                        buf_str(&why));
            rc = WB_TEMPFAIL;
            goto done;
        }
        if ((rc = spapi_backoff(s, &attempt, rs.retry_after_ms, c->op, buf_str(&why), err)) !=
            WB_OK)
            goto done;
    }
done:
    log_msg(rc == WB_OK ? LOG_INFO_L : LOG_WARN_L,
            "op=%s%s%s status=%ld attempts=%d ms=%lld request_id=%s result=%s", c->op,
            c->item && *c->item ? " " : "", c->item ? c->item : "", c->status, attempt + 1,
            clock_mono_ms() - t0, rs.request_id[0] ? rs.request_id : "-", wb_status_str(rc));
    buf_free(&why);
    buf_free(&herr);
    return rc;
}

/* marketplaces_json - a JSON array of the session's marketplace ids */
static json_t *marketplaces_json(const struct spapi *s)
{
    json_t *a = json_array();
    for (int i = 0; a && i < s->nmarketplaces; i++)
        if (json_array_append_new(a, json_string(s->marketplaces[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* dump - serialise and release a JSON body */
static char *dump(json_t *o)
{
    char *p = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return p;
}

/* spapi_content_type_ok - printable, no separators that could split a header */
int spapi_content_type_ok(const char *ct)
{
    size_t n = ct ? strlen(ct) : 0;
    if (n == 0 || n > 200)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)ct[i] < 0x20 || (unsigned char)ct[i] >= 0x7f)
            return 0;
    return 1;
}

/* spapi_create_feed_document - createFeedDocument: document id and presigned upload URL */
enum wb_status spapi_create_feed_document(struct spapi *s, const char *content_type, char *doc_id,
                                          size_t idn, struct buf *url, struct buf *err)
{
    if (!spapi_content_type_ok(content_type)) {
        buf_appendf(err, "createFeedDocument: content type is empty or has control characters");
        return WB_BADARG;
    }
    char *body = dump(json_pack("{s:s}", "contentType", content_type));
    if (!body)
        return WB_NOMEM;
    struct buf resp;
    buf_init(&resp, SPAPI_RESP_MAX);
    struct spapi_req c = {.op = "createFeedDocument",
                          .method = "POST",
                          .path = "/feeds/2021-06-30/documents",
                          .body = body,
                          .idempotent = 1,
                          .item = "",
                          .resp = &resp};
    int rc = spapi_call(s, &c, err);
    int gz;
    if (rc == WB_OK) {
        rc = spapi_parse_document(buf_str(&resp), resp.len, "feedDocumentId", doc_id, idn, url, &gz,
                                  err);
        if (rc == WB_OK && !spapi_url_allowed(buf_str(url))) {
            buf_appendf(err, "createFeedDocument: upload URL is not https");
            rc = WB_PERMFAIL;
        }
        if (rc == WB_OK)
            log_info("op=createFeedDocument doc_id=%s event=created", doc_id);
    }
    free(body);
    buf_free(&resp);
    return rc;
}

/* spapi_create_feed - createFeed for cfg marketplace_ids; the new feed id */
enum wb_status spapi_create_feed(struct spapi *s, const char *feed_type, const char *doc_id,
                                 char *feed_id, size_t idn, struct buf *err)
{
    if (!spapi_type_ok(feed_type, 64) || !spapi_id_ok(doc_id)) {
        buf_appendf(err, "createFeed: invalid feed type or document id");
        return WB_BADARG;
    }
    json_t *mk = marketplaces_json(s);
    char *body = mk ? dump(json_pack("{s:s,s:o,s:s}", "feedType", feed_type, "marketplaceIds", mk,
                                     "inputFeedDocumentId", doc_id))
                    : NULL;
    if (!body)
        return WB_NOMEM;
    struct buf resp;
    buf_init(&resp, SPAPI_RESP_MAX);
    char item[200];
    snprintf(item, sizeof item, "doc_id=%s feed_type=%s", doc_id, feed_type);
    struct spapi_req c = {.op = "createFeed",
                          .method = "POST",
                          .path = "/feeds/2021-06-30/feeds",
                          .body = body,
                          .idempotent = 0,
                          .item = item,
                          .resp = &resp};
    int rc = spapi_call(s, &c, err);
    if (rc == WB_OK) {
        rc = spapi_parse_id(buf_str(&resp), resp.len, "feedId", feed_id, idn, err);
        if (rc == WB_OK)
            log_info("feed_id=%s op=createFeed status=%ld doc_id=%s event=created", feed_id,
                     c.status, doc_id);
        else { /* accepted, but we cannot say under which id: never a reject */
            s->unknown = 1;
            rc = WB_TEMPFAIL;
        }
    }
    free(body);
    buf_free(&resp);
    return rc;
}

/* spapi_call_id - see spapi_impl.h */
enum wb_status spapi_call_id(struct spapi *s, const char *op, const char *method, const char *base,
                             const char *what, const char *id, struct buf *resp, struct buf *err)
{
    if (!spapi_id_ok(id)) {
        buf_appendf(err, "%s: invalid %s id", op, what);
        return WB_BADARG;
    }
    char path[256], item[160];
    snprintf(path, sizeof path, "%s/%s", base, id);
    snprintf(item, sizeof item, "%s_id=%s", what, id);
    struct spapi_req c = {
        .op = op, .method = method, .path = path, .idempotent = 1, .item = item, .resp = resp};
    return spapi_call(s, &c, err);
}

/* spapi_get_feed - getFeed */
enum wb_status spapi_get_feed(struct spapi *s, const char *feed_id, struct spapi_feed *out,
                              struct buf *err)
{
    memset(out, 0, sizeof *out);
    struct buf resp;
    buf_init(&resp, SPAPI_RESP_MAX);
    int rc =
        spapi_call_id(s, "getFeed", "GET", "/feeds/2021-06-30/feeds", "feed", feed_id, &resp, err);
    if (rc == WB_OK)
        rc = spapi_parse_feed(buf_str(&resp), resp.len, out, err);
    if (rc == WB_OK && strcmp(out->feed_id, feed_id) != 0) {
        buf_appendf(err, "getFeed: answer is about another feed");
        rc = WB_PERMFAIL;
    }
    if (rc == WB_OK)
        log_debug("feed_id=%s op=getFeed processing_status=%s result_doc_id=%s", feed_id,
                  out->status, out->result_doc_id[0] ? out->result_doc_id : "-");
    buf_free(&resp);
    return rc;
}

/* escape - append a query-escaped value */
static int escape(struct buf *b, const char *v)
{
    return http_escape(b, v);
}

/* spapi_list_feeds - getFeeds of a type since a time, all pages up to SPAPI_LIST_PAGES */
enum wb_status spapi_list_feeds(struct spapi *s, const char *feed_type, time_t created_since,
                                struct spapi_feed **out, size_t *n, struct buf *err)
{
    *out = NULL;
    *n = 0;
    if (!spapi_type_ok(feed_type, 64)) { /* Amazon requires feedTypes on the first page */
        buf_appendf(err, "getFeeds: a valid feed type is required");
        return WB_BADARG;
    }
    struct buf path, resp;
    buf_init(&path, 8192);
    buf_init(&resp, SPAPI_RESP_MAX);
    char next[4096] = "";
    int rc = WB_OK;
    for (int page = 0; page < SPAPI_LIST_PAGES; page++) {
        buf_reset(&path);
        buf_appends(&path, "/feeds/2021-06-30/feeds?");
        if (next[0]) {
            buf_appends(&path, "nextToken=");
            rc = escape(&path, next);
        } else {
            buf_appends(&path, "pageSize=100&marketplaceIds=");
            for (int i = 0; i < s->nmarketplaces; i++)
                buf_appendf(&path, "%s%s", i ? "," : "", s->marketplaces[i]);
            buf_appendf(&path, "&feedTypes=%s", feed_type);
            time_t now = spapi_amazon_now(s);
            time_t oldest = (now ? now : clock_now()) - 89L * 86400; /* kept 90 days */
            if (created_since > 0 && created_since < oldest)
                created_since = oldest;
            if (created_since > 0) {
                char iso[32];
                clock_format_iso(created_since, iso, sizeof iso);
                buf_appends(&path, "&createdSince=");
                rc = escape(&path, iso);
            }
        }
        if (rc != WB_OK)
            break;
        struct spapi_req c = {.op = "getFeeds",
                              .method = "GET",
                              .path = buf_str(&path),
                              .idempotent = 1,
                              .item = "",
                              .resp = &resp};
        if ((rc = spapi_call(s, &c, err)) != WB_OK)
            break;
        rc = spapi_parse_feeds(buf_str(&resp), resp.len, out, n, SPAPI_FEEDS_MAX, next, sizeof next,
                               err);
        if (rc != WB_OK || !next[0])
            break;
    }
    if (rc == WB_OK && next[0])
        log_warn("op=getFeeds event=truncated pages=%d feeds=%zu", SPAPI_LIST_PAGES, *n);
    if (rc != WB_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    buf_free(&path);
    buf_free(&resp);
    return rc;
}

/* spapi_get_reports - getReports of one type, DONE, one page */
enum wb_status spapi_get_reports(struct spapi *s, const char *report_type,
                                 struct spapi_report **out, size_t *n, struct buf *err)
{
    *out = NULL;
    *n = 0;
    if (!spapi_type_ok(report_type, 64)) {
        buf_appendf(err, "getReports: a valid report type is required");
        return WB_BADARG;
    }
    struct buf path, resp;
    buf_init(&path, 8192);
    buf_init(&resp, SPAPI_RESP_MAX);
    buf_appendf(&path,
                "/reports/2021-06-30/reports?pageSize=100&processingStatuses=DONE&"
                "reportTypes=%s",
                report_type);
    struct spapi_req c = {.op = "getReports",
                          .method = "GET",
                          .path = buf_str(&path),
                          .idempotent = 1,
                          .item = "",
                          .resp = &resp};
    int rc = spapi_call(s, &c, err);
    if (rc == WB_OK)
        rc = spapi_parse_reports(buf_str(&resp), resp.len, out, n, 100, err);
    buf_free(&path);
    buf_free(&resp);
    return rc;
}

/* spapi_search_orders - one page of searchOrders */
enum wb_status spapi_search_orders(struct spapi *s, time_t after, const char *token,
                                   struct buf *resp, struct buf *err)
{
    struct buf path;
    buf_init(&path, 8192);
    int rc = buf_appends(&path, "/orders/2026-01-01/orders?");
    if (token && *token) {
        buf_appends(&path, "paginationToken=");
        rc = escape(&path, token);
    } else {
        char iso[32];
        clock_format_iso(after, iso, sizeof iso);
        buf_appends(&path, "fulfilledBy=MERCHANT&fulfillmentStatuses=UNSHIPPED,PARTIALLY_SHIPPED,"
                           "CANCELLED&includedData=RECIPIENT,FULFILLMENT&maxResultsPerPage=100"
                           "&marketplaceIds=");
        for (int i = 0; i < s->nmarketplaces; i++)
            buf_appendf(&path, "%s%s", i ? "," : "", s->marketplaces[i]);
        buf_appends(&path, "&lastUpdatedAfter=");
        rc = escape(&path, iso);
    }
    if (rc == WB_OK) {
        struct spapi_req c = {.op = "searchOrders",
                              .method = "GET",
                              .path = buf_str(&path),
                              .idempotent = 1,
                              .item = "",
                              .resp = resp};
        rc = spapi_call(s, &c, err);
    }
    buf_free(&path);
    return rc;
}

/* spapi_cancel_feed - cancelFeed */
enum wb_status spapi_cancel_feed(struct spapi *s, const char *feed_id, struct buf *err)
{
    struct buf resp;
    buf_init(&resp, SPAPI_RESP_MAX);
    int rc = spapi_call_id(s, "cancelFeed", "DELETE", "/feeds/2021-06-30/feeds", "feed", feed_id,
                           &resp, err);
    buf_free(&resp);
    return rc;
}

/* spapi_confirm_shipment - confirmShipment of one package: 204 -> WB_OK, a refusal ->
 * WB_PERMFAIL with Amazon's first error in *refusal */
enum wb_status spapi_confirm_shipment(struct spapi *s, const char *order_id, const char *body_pkg,
                                      struct spapi_refusal *refusal, struct buf *err)
{
    memset(refusal, 0, sizeof *refusal);
    if (!spapi_id_ok(order_id)) {
        buf_appendf(err, "confirmShipment: invalid order id");
        return WB_BADARG;
    }
    json_error_t je;
    json_t *pkg = json_loads(body_pkg, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(pkg)) {
        json_decref(pkg);
        buf_appendf(err, "confirmShipment: the package is not a JSON object");
        return WB_BADARG;
    }
    char *body =
        dump(json_pack("{s:s,s:o}", "marketplaceId", s->marketplaces[0], "packageDetail", pkg));
    if (!body)
        return WB_NOMEM;
    char path[160], item[80];
    snprintf(path, sizeof path, "/orders/v0/orders/%s/shipmentConfirmation", order_id);
    snprintf(item, sizeof item, "order=%s", order_id);
    struct buf resp;
    buf_init(&resp, SPAPI_ERRBODY_MAX);
    struct spapi_req c = {.op = "confirmShipment",
                          .method = "POST",
                          .path = path,
                          .body = body,
                          .idempotent = 1,
                          .item = item,
                          .resp = &resp};
    int rc = spapi_call(s, &c, err);
    if (rc == WB_PERMFAIL && c.status >= 400) {
        refusal->status = c.status;
        if (spapi_parse_refusal(buf_str(&resp), resp.len, refusal->code, sizeof refusal->code,
                                refusal->message, sizeof refusal->message) != WB_OK ||
            !refusal->code[0])
            snprintf(refusal->message, sizeof refusal->message, "HTTP %ld without an error list",
                     c.status);
    }
    free(body);
    buf_free(&resp);
    return rc;
}

/* spapi_create_report - createReport for cfg marketplace_ids; times 0 = not sent */
enum wb_status spapi_create_report(struct spapi *s, const char *report_type, time_t start,
                                   time_t end, char *report_id, size_t idn, struct buf *err)
{
    if (!spapi_type_ok(report_type, 96)) {
        buf_appendf(err, "createReport: invalid report type");
        return WB_BADARG;
    }
    json_t *mk = marketplaces_json(s);
    json_t *o = mk ? json_pack("{s:s,s:o}", "reportType", report_type, "marketplaceIds", mk) : NULL;
    char iso[32];
    if (o && start > 0) {
        clock_format_iso(start, iso, sizeof iso);
        json_object_set_new(o, "dataStartTime", json_string(iso));
    }
    if (o && end > 0) {
        clock_format_iso(end, iso, sizeof iso);
        json_object_set_new(o, "dataEndTime", json_string(iso));
    }
    char *body = dump(o);
    if (!body)
        return WB_NOMEM;
    struct buf resp;
    buf_init(&resp, SPAPI_RESP_MAX);
    char item[160];
    snprintf(item, sizeof item, "report_type=%s", report_type);
    struct spapi_req c = {.op = "createReport",
                          .method = "POST",
                          .path = "/reports/2021-06-30/reports",
                          .body = body,
                          .idempotent = 0,
                          .item = item,
                          .resp = &resp};
    int rc = spapi_call(s, &c, err);
    if (rc == WB_OK) {
        rc = spapi_parse_id(buf_str(&resp), resp.len, "reportId", report_id, idn, err);
        if (rc == WB_OK)
            log_info("report_id=%s op=createReport status=%ld event=created", report_id, c.status);
        else {
            s->unknown = 1;
            rc = WB_TEMPFAIL;
        }
    }
    free(body);
    buf_free(&resp);
    return rc;
}

/* spapi_get_report - getReport */
enum wb_status spapi_get_report(struct spapi *s, const char *report_id, struct spapi_report *out,
                                struct buf *err)
{
    memset(out, 0, sizeof *out);
    struct buf resp;
    buf_init(&resp, SPAPI_RESP_MAX);
    int rc = spapi_call_id(s, "getReport", "GET", "/reports/2021-06-30/reports", "report",
                           report_id, &resp, err);
    if (rc == WB_OK)
        rc = spapi_parse_report(buf_str(&resp), resp.len, out, err);
    if (rc == WB_OK && strcmp(out->report_id, report_id) != 0) {
        buf_appendf(err, "getReport: answer is about another report");
        rc = WB_PERMFAIL;
    }
    buf_free(&resp);
    return rc;
}
