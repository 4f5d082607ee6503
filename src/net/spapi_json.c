/*
 * spapi_json.c - SP-API response parsers (jansson), bounded and total.
 *
 * Owns no state. Every string taken from a response is checked for shape and
 * length before it is copied into a fixed field; identifiers must be safe for
 * URL paths. Returns WB_OK / WB_TEMPFAIL (not JSON) / WB_PERMFAIL (wrong
 * shape) / WB_TOOBIG / WB_NOMEM with a sentence; never exits.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/wb.h"
#include "net/spapi_json.h"

#define FIELD_TEXT_MAX 300
#define ERRORS_SHOWN 3

/* spapi_id_ok - 1 if s is an identifier safe for a URL path: [A-Za-z0-9._-]{1,128} */
int spapi_id_ok(const char *s)
{
    if (!s)
        return 0;
    size_t i = 0;
    for (; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i >= SPAPI_ID_MAX || !(isalnum(c) || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return i > 0 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* spapi_type_ok - 1 if s looks like a feed or report type: [A-Z0-9_]{1,n-1} */
int spapi_type_ok(const char *s, size_t n)
{
    if (!s || !*s)
        return 0;
    size_t i = 0;
    for (; s[i]; i++)
        if (i + 1 >= n ||
            !(isupper((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

/* spapi_status_ok - 1 for one of the five documented processing statuses */
int spapi_status_ok(const char *s)
{
    static const char *const st[] = {"IN_QUEUE", "IN_PROGRESS", "DONE", "CANCELLED", "FATAL"};
    for (size_t i = 0; s && i < WB_ARRAY_LEN(st); i++)
        if (strcmp(s, st[i]) == 0)
            return 1;
    return 0;
}

/* digits - parse exactly n decimal digits at *p, advancing it; -1 if not digits */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return v;
}

/* spapi_parse_time - ISO 8601 date-time (Z or +hh:mm offset) to epoch seconds, -1 if bad */
time_t spapi_parse_time(const char *s)
{
    if (!s)
        return -1;
    const char *p = s;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y = digits(&p, 4);
    if (y < 1970 || *p++ != '-')
        return -1;
    int mo = digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-')
        return -1;
    int d = digits(&p, 2);
    if (d < 1 || d > 31 || (*p != 'T' && *p != 't' && *p != ' '))
        return -1;
    p++;
    int h = digits(&p, 2);
    if (h < 0 || h > 23 || *p++ != ':')
        return -1;
    int mi = digits(&p, 2);
    if (mi < 0 || mi > 59 || *p++ != ':')
        return -1;
    int se = digits(&p, 2);
    if (se < 0 || se > 60)
        return -1;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (int i = 0; isdigit((unsigned char)*p); i++, p++)
            if (i > 9)
                return -1;
    }
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int oh = digits(&p, 2);
        if (*p == ':')
            p++;
        int om = digits(&p, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        off = sign * (oh * 3600L + om * 60L);
    } else {
        return -1;
    }
    if (*p)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    return t - off;
}

/* load - parse a bounded body into a JSON object */
static int load(const char *json, size_t len, const char *what, json_t **root, struct buf *err)
{
    *root = NULL;
    if (len > SPAPI_JSON_MAX) {
        buf_appendf(err, "%s response is larger than %d bytes", what, SPAPI_JSON_MAX);
        return WB_TOOBIG;
    }
    json_error_t je;
    json_t *r = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!r) {
        buf_appendf(err, "%s response is not JSON (line %d: %.80s)", what, je.line, je.text);
        return WB_TEMPFAIL;
    }
    if (!json_is_object(r)) {
        json_decref(r);
        buf_appendf(err, "%s response is not a JSON object", what);
        return WB_PERMFAIL;
    }
    *root = r;
    return WB_OK;
}

/* append_clean - printable ASCII of s (bounded), others as '?' */
static void append_clean(struct buf *out, const char *s)
{
    size_t i = 0;
    for (; s[i] && i < FIELD_TEXT_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        buf_appendc(out, (c >= 0x20 && c < 0x7f) ? (char)c : '?');
    }
    if (s[i])
        buf_appends(out, "...");
}

/* contains_ci - 1 if needle occurs in hay, ignoring ASCII case */
static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; hay && *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

/* about_token - 1 if a text says the access token expired or is invalid */
static int about_token(const char *s)
{
    return s && contains_ci(s, "token") &&
           (contains_ci(s, "expired") || contains_ci(s, "invalid") || contains_ci(s, "revoked") ||
            contains_ci(s, "malformed"));
}

/* spapi_parse_errors - "code: message (details)" of an ErrorList */
enum wb_status spapi_parse_errors(const char *json, size_t len, struct buf *out, int *token_error)
{
    if (token_error)
        *token_error = 0;
    struct buf dummy;
    buf_init(&dummy, 256);
    json_t *root;
    int rc = load(json, len, "error", &root, &dummy);
    buf_free(&dummy);
    if (rc != WB_OK) {
        buf_appends(out, "no error list in the response");
        return rc;
    }
    json_t *errs = json_object_get(root, "errors");
    if (!json_is_array(errs) || json_array_size(errs) == 0) {
        json_decref(root);
        buf_appends(out, "no error list in the response");
        return WB_PERMFAIL;
    }
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e)
    {
        if (!json_is_object(e))
            continue;
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        const char *det = json_string_value(json_object_get(e, "details"));
        if (token_error && code && strcmp(code, "Unauthorized") == 0 &&
            (about_token(msg) || about_token(det)))
            *token_error = 1;
        if (i >= ERRORS_SHOWN)
            continue;
        if (i)
            buf_appends(out, "; ");
        append_clean(out, code ? code : "?");
        buf_appends(out, ": ");
        append_clean(out, msg ? msg : "");
        if (det && *det) {
            buf_appends(out, " (");
            append_clean(out, det);
            buf_appends(out, ")");
        }
    }
    if (json_array_size(errs) > ERRORS_SHOWN)
        buf_appendf(out, "; and %zu more", json_array_size(errs) - ERRORS_SHOWN);
    json_decref(root);
    return WB_OK;
}

/* spapi_parse_refusal - the first error of an ErrorList: its code (letters, digits, '_' and
 * '-', at most 63; "" when missing or anything else) and "message (details)" cleaned */
enum wb_status spapi_parse_refusal(const char *json, size_t len, char *code, size_t coden,
                                   char *text, size_t textn)
{
    if (coden)
        code[0] = '\0';
    if (textn)
        text[0] = '\0';
    struct buf dummy, t;
    buf_init(&dummy, 256);
    json_t *root;
    int rc = load(json, len, "error", &root, &dummy);
    buf_free(&dummy);
    if (rc != WB_OK)
        return rc;
    json_t *e = json_array_get(json_object_get(root, "errors"), 0);
    if (!json_is_object(e)) {
        json_decref(root);
        return WB_PERMFAIL;
    }
    const char *c = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    const char *det = json_string_value(json_object_get(e, "details"));
    size_t cl =
        c ? strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") : 0;
    if (c && cl && !c[cl] && cl < coden && cl < 64)
        memcpy(code, c, cl + 1);
    buf_init(&t, 2048);
    append_clean(&t, msg ? msg : "");
    if (det && *det) {
        buf_appends(&t, " (");
        append_clean(&t, det);
        buf_appends(&t, ")");
    }
    if (textn)
        snprintf(text, textn, "%s", buf_str(&t));
    buf_free(&t);
    json_decref(root);
    return WB_OK;
}

/* get_str - string member key of obj copied into out[n]; required or optional */
static int get_str(json_t *obj, const char *key, int required, int is_id, char *out, size_t n,
                   const char *what, struct buf *err)
{
    out[0] = '\0';
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (!required)
            return WB_OK;
        buf_appendf(err, "%s has no %s", what, key);
        return WB_PERMFAIL;
    }
    const char *s = json_string_value(v);
    if (!s) {
        buf_appendf(err, "%s: %s is not a string", what, key);
        return WB_PERMFAIL;
    }
    if (strlen(s) >= n || (is_id && !spapi_id_ok(s))) {
        buf_appendf(err, "%s: %s is not a valid identifier", what, key);
        return WB_PERMFAIL;
    }
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) {
            buf_appendf(err, "%s: %s has unexpected characters", what, key);
            return WB_PERMFAIL;
        }
    memcpy(out, s, strlen(s) + 1);
    return WB_OK;
}

/* get_time - required ISO 8601 member */
static int get_time(json_t *obj, const char *key, time_t *out, const char *what, struct buf *err)
{
    const char *s = json_string_value(json_object_get(obj, key));
    time_t t = spapi_parse_time(s);
    if (t == (time_t)-1) {
        buf_appendf(err, "%s: %s is missing or not an ISO 8601 time", what, key);
        return WB_PERMFAIL;
    }
    *out = t;
    return WB_OK;
}

/* feed_from - fill a feed from a Feed object */
static int feed_from(json_t *o, struct spapi_feed *f, struct buf *err)
{
    int rc;
    memset(f, 0, sizeof *f);
    if (!json_is_object(o)) {
        buf_appends(err, "feed is not a JSON object");
        return WB_PERMFAIL;
    }
    if ((rc = get_str(o, "feedId", 1, 1, f->feed_id, sizeof f->feed_id, "feed", err)) ||
        (rc = get_str(o, "feedType", 1, 0, f->feed_type, sizeof f->feed_type, "feed", err)) ||
        (rc = get_str(o, "processingStatus", 1, 0, f->status, sizeof f->status, "feed", err)) ||
        (rc = get_str(o, "resultFeedDocumentId", 0, 1, f->result_doc_id, sizeof f->result_doc_id,
                      "feed", err)) ||
        (rc = get_time(o, "createdTime", &f->created, "feed", err)))
        return rc;
    if (!spapi_type_ok(f->feed_type, sizeof f->feed_type)) {
        buf_appendf(err, "feed %s: feedType is not a feed type", f->feed_id);
        return WB_PERMFAIL;
    }
    if (!spapi_status_ok(f->status)) {
        buf_appendf(err, "feed %s: unknown processingStatus", f->feed_id);
        return WB_PERMFAIL;
    }
    return WB_OK;
}

/* spapi_parse_id - the string member key (an identifier) of a response object */
enum wb_status spapi_parse_id(const char *json, size_t len, const char *key, char *out, size_t n,
                              struct buf *err)
{
    json_t *root;
    if (n)
        out[0] = '\0';
    int rc = load(json, len, key, &root, err);
    if (rc != WB_OK)
        return rc;
    rc = get_str(root, key, 1, 1, out, n, "response", err);
    json_decref(root);
    return rc;
}

/* spapi_parse_feed - a Feed object (getFeed) */
enum wb_status spapi_parse_feed(const char *json, size_t len, struct spapi_feed *out,
                                struct buf *err)
{
    json_t *root;
    memset(out, 0, sizeof *out);
    int rc = load(json, len, "getFeed", &root, err);
    if (rc != WB_OK)
        return rc;
    rc = feed_from(root, out, err);
    json_decref(root);
    return rc;
}

/* spapi_parse_feeds - a GetFeedsResponse page, appended to *arr (at most max in all) */
enum wb_status spapi_parse_feeds(const char *json, size_t len, struct spapi_feed **arr, size_t *n,
                                 size_t max, char *next_token, size_t ntn, struct buf *err)
{
    json_t *root;
    if (ntn)
        next_token[0] = '\0';
    int rc = load(json, len, "getFeeds", &root, err);
    if (rc != WB_OK)
        return rc;
    json_t *feeds = json_object_get(root, "feeds");
    json_t *next = json_object_get(root, "nextToken");
    if (!json_is_array(feeds)) {
        buf_appends(err, "getFeeds response has no feeds array");
        rc = WB_PERMFAIL;
        goto out;
    }
    size_t add = json_array_size(feeds);
    if (add > max || *n > max - add) {
        buf_appendf(err, "getFeeds returned more than %zu feeds", max);
        rc = WB_TOOBIG;
        goto out;
    }
    if (next && !json_is_null(next)) {
        const char *t = json_string_value(next);
        if (!t || !*t || strlen(t) >= ntn) {
            buf_appends(err, "getFeeds nextToken is not a usable string");
            rc = WB_PERMFAIL;
            goto out;
        }
        for (const char *c = t; *c; c++)
            if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
                buf_appends(err, "getFeeds nextToken has unexpected characters");
                rc = WB_PERMFAIL;
                goto out;
            }
    }
    if (add) {
        struct spapi_feed *p = realloc(*arr, (*n + add) * sizeof *p);
        if (!p) {
            rc = WB_NOMEM;
            goto out;
        }
        *arr = p;
    }
    size_t i;
    json_t *o;
    json_array_foreach(feeds, i, o)
    {
        if ((rc = feed_from(o, &(*arr)[*n], err)) != WB_OK)
            goto out;
        (*n)++;
    }
    if (next && json_is_string(next))
        snprintf(next_token, ntn, "%s", json_string_value(next));
out:
    json_decref(root);
    return rc;
}

/* report_marketplaces - a Report object's marketplaceIds into r->marketplaces: each an id of
 * 1..32 capital letters and digits; WB_PERMFAIL for anything else */
static int report_marketplaces(json_t *root, struct spapi_report *r, struct buf *err)
{
    json_t *a = json_object_get(root, "marketplaceIds"), *m;
    size_t i, len = 0;
    if (!a || json_is_null(a))
        return WB_OK;
    if (!json_is_array(a)) {
        buf_appendf(err, "report %s: marketplaceIds is not an array", r->report_id);
        return WB_PERMFAIL;
    }
    json_array_foreach(a, i, m)
    {
        const char *s = json_string_value(m);
        size_t n = s ? strlen(s) : 0;
        int ok = n >= 1 && n <= 32 && len + n + 2 <= sizeof r->marketplaces;
        for (size_t k = 0; ok && k < n; k++)
            ok = (s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9');
        if (!ok) {
            buf_appendf(err, "report %s: marketplaceIds holds no marketplace id (or too many)",
                        r->report_id);
            return WB_PERMFAIL;
        }
        len += (size_t)snprintf(r->marketplaces + len, sizeof r->marketplaces - len, "%s%s",
                                len ? "," : "", s);
    }
    return WB_OK;
}

/* report_from - one Report object */
static int report_from(json_t *root, struct spapi_report *r, struct buf *err)
{
    int rc;
    memset(r, 0, sizeof *r);
    if ((rc = get_str(root, "reportId", 1, 1, r->report_id, sizeof r->report_id, "report", err)) ||
        (rc = get_str(root, "reportType", 1, 0, r->report_type, sizeof r->report_type, "report",
                      err)) ||
        (rc =
             get_str(root, "processingStatus", 1, 0, r->status, sizeof r->status, "report", err)) ||
        (rc =
             get_str(root, "reportDocumentId", 0, 1, r->doc_id, sizeof r->doc_id, "report", err)) ||
        (rc = get_time(root, "createdTime", &r->created, "report", err)))
        return rc;
    if (!spapi_type_ok(r->report_type, sizeof r->report_type)) {
        buf_appendf(err, "report %s: reportType is not a report type", r->report_id);
        return WB_PERMFAIL;
    }
    if (!spapi_status_ok(r->status)) {
        buf_appendf(err, "report %s: unknown processingStatus", r->report_id);
        return WB_PERMFAIL;
    }
    return report_marketplaces(root, r, err);
}

/* spapi_parse_report - a Report object (getReport) */
enum wb_status spapi_parse_report(const char *json, size_t len, struct spapi_report *out,
                                  struct buf *err)
{
    json_t *root;
    memset(out, 0, sizeof *out);
    int rc = load(json, len, "getReport", &root, err);
    if (rc != WB_OK)
        return rc;
    rc = report_from(root, out, err);
    json_decref(root);
    return rc;
}

/* spapi_parse_reports - a GetReportsResponse page: its reports (at most max) */
enum wb_status spapi_parse_reports(const char *json, size_t len, struct spapi_report **arr,
                                   size_t *n, size_t max, struct buf *err)
{
    json_t *root;
    *arr = NULL;
    *n = 0;
    int rc = load(json, len, "getReports", &root, err);
    if (rc != WB_OK)
        return rc;
    json_t *reports = json_object_get(root, "reports");
    size_t i, k = json_array_size(reports);
    json_t *o;
    if (!json_is_array(reports)) {
        buf_appends(err, "getReports response has no reports array");
        rc = WB_PERMFAIL;
    } else if (k > max) {
        buf_appendf(err, "getReports returned more than %zu reports", max);
        rc = WB_TOOBIG;
    } else if (k && !(*arr = calloc(k, sizeof **arr))) {
        rc = WB_NOMEM;
    } else {
        json_array_foreach(reports, i, o)
        {
            if ((rc = report_from(o, &(*arr)[i], err)) != WB_OK)
                break;
            (*n)++;
        }
    }
    if (rc != WB_OK) {
        free(*arr);
        *arr = NULL;
        *n = 0;
    }
    json_decref(root);
    return rc;
}

/* spapi_parse_document - id member idkey, url, and whether compressionAlgorithm is GZIP */
enum wb_status spapi_parse_document(const char *json, size_t len, const char *idkey, char *id,
                                    size_t idn, struct buf *url, int *gzip, struct buf *err)
{
    json_t *root;
    *gzip = 0;
    if (idn)
        id[0] = '\0';
    int rc = load(json, len, "document", &root, err);
    if (rc != WB_OK)
        return rc;
    if ((rc = get_str(root, idkey, 1, 1, id, idn, "document", err)) != WB_OK)
        goto out;
    const char *u = json_string_value(json_object_get(root, "url"));
    if (!u || (strncasecmp(u, "https://", 8) != 0 && strncasecmp(u, "http://", 7) != 0)) {
        buf_appends(err, "document has no http(s) url");
        rc = WB_PERMFAIL;
        goto out;
    }
    for (const char *c = u; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
            buf_appends(err, "document url has unexpected characters");
            rc = WB_PERMFAIL;
            goto out;
        }
    json_t *ca = json_object_get(root, "compressionAlgorithm");
    if (ca && !json_is_null(ca)) {
        const char *c = json_string_value(ca);
        if (!c || strcmp(c, "GZIP") != 0) {
            buf_appends(err, "document has an unknown compressionAlgorithm");
            rc = WB_PERMFAIL;
            goto out;
        }
        *gzip = 1;
    }
    buf_reset(url);
    if ((rc = buf_appends(url, u)) != WB_OK)
        buf_appends(err, "document url is too long");
out:
    json_decref(root);
    return rc;
}
