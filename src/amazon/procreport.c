/*
 * procreport.c - reader of Amazon feed processing reports: shared helpers,
 * format sniffing, JSON listings feed reports and flat-file reports.
 *
 * Owns the conversion of a JSON_LISTINGS_FEED report (jansson) or a
 * tab-separated flat-file report (read line by line in place) into a struct
 * proc_report, and the helpers every format shares: text fields are trimmed,
 * control characters become spaces, and each is cut to its buffer on a UTF-8
 * boundary; flat-file bytes that are not UTF-8 are read as Latin-1. At most
 * PROCREPORT_MAX_RESULTS results are accepted. XML is in procreport_xml.c.
 * Error contract: WB_OK; WB_PERMFAIL with one sentence in err for garbage or
 * reports we cannot map; WB_NOMEM. Never exits.
 * Must never: crash or grow without bound on any input.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "amazon/procreport.h"
#include "amazon/procreport_int.h"
#include "core/strutil.h"
#include "core/wb.h"

/* procreport_fail - put one sentence in err (may be NULL) and return WB_PERMFAIL */
int procreport_fail(struct buf *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        buf_reset(err);
        buf_appends(err, "processing report: ");
        buf_vappendf(err, fmt, ap);
        va_end(ap);
    }
    return WB_PERMFAIL;
}

/* procreport_is_space - ASCII white space */
int procreport_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* procreport_put_text - trimmed, bounded copy of len bytes into dst[n]; Latin-1 when not UTF-8 */
void procreport_put_text(char *dst, size_t n, const char *src, size_t len)
{
    while (len && procreport_is_space(*src)) {
        src++;
        len--;
    }
    while (len && procreport_is_space(src[len - 1]))
        len--;
    size_t k = 0;
    if (str_utf8_valid(src, len)) {
        k = len < n - 1 ? len : n - 1;
        if (k < len)
            while (k && ((unsigned char)src[k] & 0xC0) == 0x80)
                k--;
        memcpy(dst, src, k);
    } else {
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)src[i];
            if (c < 0x80) {
                if (k + 1 > n - 1)
                    break;
                dst[k++] = (char)c;
            } else {
                if (k + 2 > n - 1)
                    break;
                dst[k++] = (char)(0xC0 | (c >> 6));
                dst[k++] = (char)(0x80 | (c & 0x3F));
            }
        }
    }
    dst[k] = '\0';
    for (size_t i = 0; i < k; i++)
        if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
            dst[i] = ' ';
}

/* procreport_new_result - room for one more result, zeroed; NULL with rc set when refused */
struct proc_result *procreport_new_result(struct proc_report *r, size_t *cap, int *rc)
{
    if (r->nresults >= PROCREPORT_MAX_RESULTS) {
        *rc = WB_PERMFAIL;
        return NULL;
    }
    if (r->nresults == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        if (ncap > PROCREPORT_MAX_RESULTS)
            ncap = PROCREPORT_MAX_RESULTS;
        struct proc_result *p = realloc(r->results, ncap * sizeof(*p));
        if (!p) {
            *rc = WB_NOMEM;
            return NULL;
        }
        r->results = p;
        *cap = ncap;
    }
    struct proc_result *res = &r->results[r->nresults];
    memset(res, 0, sizeof(*res));
    res->seq = r->nresults++;
    return res;
}

/* cmp_long - qsort order of longs */
static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* procreport_distinct_ids - number of distinct message ids among errors (want 1) or warnings (0) */
long procreport_distinct_ids(const struct proc_report *r, int want_error)
{
    size_t n = 0;
    long *ids = malloc((r->nresults ? r->nresults : 1) * sizeof(*ids));
    if (!ids)
        return 0;
    for (size_t i = 0; i < r->nresults; i++)
        if (r->results[i].is_error == want_error)
            ids[n++] = r->results[i].message_id;
    qsort(ids, n, sizeof(*ids), cmp_long);
    long d = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || ids[i] != ids[i - 1])
            d++;
    free(ids);
    return d;
}

/* procreport_free - release the results; the report becomes empty */
void procreport_free(struct proc_report *r)
{
    if (!r)
        return;
    free(r->results);
    memset(r, 0, sizeof(*r));
}

/* ---- JSON ---- */

/* jlong - an optional non-negative integer member; -1 when present but not one */
static int jlong(json_t *obj, const char *key, long *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > LONG_MAX)
        return -1;
    *out = (long)json_integer_value(v);
    return 1;
}

/* jtext - copy an optional string (or integer) member into dst */
static void jtext(json_t *obj, const char *key, char *dst, size_t n)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v)) {
        procreport_put_text(dst, n, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        snprintf(dst, n, "%lld", (long long)json_integer_value(v));
    }
}

/* json_issues - the issues[] array into results */
static int json_issues(json_t *issues, struct proc_report *out, struct buf *err)
{
    size_t cap = 0, i;
    json_t *it;
    json_array_foreach(issues, i, it)
    {
        if (!json_is_object(it))
            return procreport_fail(err, "issue %zu is not an object", i + 1);
        const char *sev = json_string_value(json_object_get(it, "severity"));
        if (!sev)
            return procreport_fail(err, "issue %zu has no severity", i + 1);
        int is_error;
        if (strcmp(sev, "ERROR") == 0)
            is_error = 1;
        else if (strcmp(sev, "WARNING") == 0)
            is_error = 0;
        else if (strcmp(sev, "INFO") == 0)
            continue;
        else
            return procreport_fail(err, "issue %zu has an unknown severity", i + 1);
        long id = 0;
        if (jlong(it, "messageId", &id) < 0)
            return procreport_fail(err, "issue %zu: messageId is not a non-negative integer",
                                   i + 1);
        int rc = WB_OK;
        struct proc_result *res = procreport_new_result(out, &cap, &rc);
        if (!res)
            return rc == WB_NOMEM
                       ? WB_NOMEM
                       : procreport_fail(err, "more than %d results", PROCREPORT_MAX_RESULTS);
        res->message_id = id;
        res->is_error = is_error;
        jtext(it, "code", res->code, sizeof(res->code));
        jtext(it, "message", res->description, sizeof(res->description));
        jtext(it, "sku", res->sku, sizeof(res->sku));
    }
    return WB_OK;
}

/* procreport_parse_json - JSON_LISTINGS_FEED report: ERROR -> error, WARNING -> warning */
int procreport_parse_json(const char *data, size_t len, struct proc_report *out, struct buf *err)
{
    if (!out)
        return WB_BADARG;
    memset(out, 0, sizeof(*out));
    if (!data || !len)
        return procreport_fail(err, "empty document");
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return procreport_fail(err, "not valid JSON: line %d: %.80s", je.line, je.text);
    int rc = WB_OK;
    json_t *issues = json_object_get(root, "issues");
    json_t *summary = json_object_get(root, "summary");
    if (!json_is_object(root)) {
        rc = procreport_fail(err, "not a JSON object");
    } else if (!issues && !summary) {
        rc = procreport_fail(err, "no issues or summary: not a listings feed processing report");
    } else if (issues && !json_is_array(issues)) {
        rc = procreport_fail(err, "issues is not an array");
    } else if (summary && !json_is_object(summary)) {
        rc = procreport_fail(err, "summary is not an object");
    } else if (issues && (rc = json_issues(issues, out, err)) != WB_OK) {
        /* rc set */
    } else if (summary) {
        if (jlong(summary, "messagesProcessed", &out->processed) < 0 ||
            jlong(summary, "messagesAccepted", &out->successful) < 0 ||
            jlong(summary, "messagesInvalid", &out->with_error) < 0)
            rc = procreport_fail(err, "summary counts must be non-negative integers");
        out->has_summary = 1;
    }
    if (rc == WB_OK)
        jtext(json_object_get(root, "header"), "feedId", out->transaction_id,
              sizeof(out->transaction_id));
    json_decref(root);
    if (rc != WB_OK) {
        procreport_free(out);
        return rc;
    }
    str_copy(out->status, sizeof(out->status), "Complete");
    out->format = PROCREPORT_JSON;
    out->with_warning = procreport_distinct_ids(out, 0);
    if (!out->has_summary)
        out->with_error = procreport_distinct_ids(out, 1);
    return WB_OK;
}

/* ---- flat file ---- */

enum { COL_RECORD, COL_SKU, COL_CODE, COL_TYPE, COL_MESSAGE, COL_ORDER, NCOLS };

static const char *const col_names[NCOLS][2] = {
    {"original-record-number", NULL},
    {"sku", NULL},
    {"error-code", NULL},
    {"error-type", NULL},
    {"error-message", NULL},
    {"order-id", "amazon-order-id"},
};

/* cell - the i-th tab-separated cell of line [p, e) */
static void cell(const char *p, const char *e, int i, const char **cs, size_t *cl)
{
    for (; i > 0 && p < e; i--) {
        const char *t = memchr(p, '\t', (size_t)(e - p));
        p = t ? t + 1 : e;
    }
    const char *t = memchr(p, '\t', (size_t)(e - p));
    *cs = p;
    *cl = (size_t)((t ? t : e) - p);
}

/* blank - 1 if [p, e) is only white space */
static int blank(const char *p, const char *e)
{
    for (; p < e; p++)
        if (!procreport_is_space(*p))
            return 0;
    return 1;
}

/* header_cols - column positions from the header line; 0 when it is not one */
static int header_cols(const char *p, const char *e, int *cols)
{
    for (int c = 0; c < NCOLS; c++)
        cols[c] = -1;
    for (int i = 0; i < 64; i++) {
        const char *cs;
        size_t cl;
        char name[40];
        cell(p, e, i, &cs, &cl);
        if (cs >= e && i)
            break;
        procreport_put_text(name, sizeof(name), cs, cl);
        for (int c = 0; c < NCOLS; c++)
            for (int a = 0; a < 2; a++)
                if (col_names[c][a] && strcasecmp(name, col_names[c][a]) == 0 && cols[c] < 0)
                    cols[c] = i;
    }
    return cols[COL_RECORD] >= 0 && cols[COL_CODE] >= 0 && cols[COL_TYPE] >= 0 &&
           cols[COL_MESSAGE] >= 0;
}

/* preamble_line - one "label <tabs> number" line of the summary */
static void preamble_line(const char *p, const char *e, struct proc_report *r, int *seen)
{
    while (e > p && procreport_is_space(e[-1]))
        e--;
    const char *d = e;
    while (d > p && isdigit((unsigned char)d[-1]))
        d--;
    if (d == e || e - d > 18)
        return;
    long v = 0;
    for (const char *q = d; q < e; q++)
        v = v * 10 + (*q - '0');
    char label[128];
    procreport_put_text(label, sizeof(label), p, (size_t)(d - p));
    for (char *q = label; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    if (strstr(label, "processed")) {
        r->processed = v;
        r->has_summary = 1;
    } else if (strstr(label, "successful")) {
        r->successful = v;
    } else if (strstr(label, "warning")) {
        r->with_warning = v;
        seen[1] = 1;
    } else if (strstr(label, "error")) {
        r->with_error = v;
        seen[0] = 1;
    }
}

/* flat_row - one data line into a result */
static int flat_row(const char *p, const char *e, const int *cols, long lineno,
                    struct proc_report *out, size_t *cap, struct buf *err)
{
    const char *cs;
    size_t cl;
    char tmp[64];
    long id;
    cell(p, e, cols[COL_RECORD], &cs, &cl);
    procreport_put_text(tmp, sizeof(tmp), cs, cl);
    if (!tmp[0])
        id = 0;
    else if (str_to_long(tmp, 0, LONG_MAX, &id) != WB_OK)
        return procreport_fail(err, "line %ld: original-record-number is not a number", lineno);
    cell(p, e, cols[COL_TYPE], &cs, &cl);
    procreport_put_text(tmp, sizeof(tmp), cs, cl);
    int is_error;
    if (strcasecmp(tmp, "Error") == 0)
        is_error = 1;
    else if (strcasecmp(tmp, "Warning") == 0)
        is_error = 0;
    else
        return procreport_fail(err, "line %ld: error-type is neither Error nor Warning", lineno);
    int rc = WB_OK;
    struct proc_result *res = procreport_new_result(out, cap, &rc);
    if (!res)
        return rc == WB_NOMEM
                   ? WB_NOMEM
                   : procreport_fail(err, "more than %d results", PROCREPORT_MAX_RESULTS);
    res->message_id = id;
    res->is_error = is_error;
    cell(p, e, cols[COL_CODE], &cs, &cl);
    procreport_put_text(res->code, sizeof(res->code), cs, cl);
    cell(p, e, cols[COL_MESSAGE], &cs, &cl);
    procreport_put_text(res->description, sizeof(res->description), cs, cl);
    if (cols[COL_SKU] >= 0) {
        cell(p, e, cols[COL_SKU], &cs, &cl);
        procreport_put_text(res->sku, sizeof(res->sku), cs, cl);
    }
    if (cols[COL_ORDER] >= 0) {
        cell(p, e, cols[COL_ORDER], &cs, &cl);
        procreport_put_text(res->order_id, sizeof(res->order_id), cs, cl);
    }
    return WB_OK;
}

/* procreport_parse_flat - tab-separated flat-file report with its summary preamble */
int procreport_parse_flat(const char *data, size_t len, struct proc_report *out, struct buf *err)
{
    if (!out)
        return WB_BADARG;
    memset(out, 0, sizeof(*out));
    if (!data || !len)
        return procreport_fail(err, "empty document");
    if (memchr(data, '\0', len))
        return procreport_fail(err, "binary data (NUL bytes), not a flat-file report");
    enum { START, PREAMBLE, HEADER, ROWS } state = START;
    int cols[NCOLS], seen[2] = {0, 0};
    size_t cap = 0;
    long lineno = 0;
    int rc = WB_OK;
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end && rc == WB_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        lineno++;
        if (state == START && !blank(p, e)) {
            const char *q = p;
            while (q < e && procreport_is_space(*q))
                q++;
            if ((size_t)(e - q) >= 23 && strncasecmp(q, "Feed Processing Summary", 23) == 0)
                state = PREAMBLE;
            else
                state = HEADER;
        }
        if (state == PREAMBLE && blank(p, e)) {
            state = HEADER;
        } else if (state == PREAMBLE && header_cols(p, e, cols)) {
            state = ROWS; /* no blank line before the column header */
        } else if (state == PREAMBLE) {
            preamble_line(p, e, out, seen);
        } else if (state == HEADER && !blank(p, e)) {
            if (!header_cols(p, e, cols)) {
                rc = procreport_fail(
                    err,
                    "line %ld: not a flat-file processing report (no column header "
                    "original-record-number, error-code, error-type, error-message)",
                    lineno);
                break;
            }
            state = ROWS;
        } else if (state == ROWS && !blank(p, e)) {
            rc = flat_row(p, e, cols, lineno, out, &cap, err);
        }
        p = nl ? nl + 1 : end;
    }
    if (rc == WB_OK && state != ROWS)
        rc = procreport_fail(err, "no column header line: not a flat-file processing report");
    if (rc != WB_OK) {
        procreport_free(out);
        return rc;
    }
    str_copy(out->status, sizeof(out->status), "Complete");
    out->format = PROCREPORT_FLAT;
    if (!seen[0])
        out->with_error = procreport_distinct_ids(out, 1);
    if (!seen[1])
        out->with_warning = procreport_distinct_ids(out, 0);
    return WB_OK;
}

/* procreport_parse - sniff the format ('<' XML, '{' JSON, else flat) and parse */
int procreport_parse(const char *data, size_t len, struct proc_report *out, struct buf *err)
{
    if (!out)
        return WB_BADARG;
    memset(out, 0, sizeof(*out));
    if (!data || !len)
        return procreport_fail(err, "empty document");
    size_t i = 0;
    if (len >= 2 && ((unsigned char)data[0] == 0xFF || (unsigned char)data[0] == 0xFE) &&
        ((unsigned char)data[1] == 0xFF || (unsigned char)data[1] == 0xFE))
        return procreport_parse_xml(data, len, out, err); /* UTF-16: only XML declares it */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && procreport_is_space(data[i]))
        i++;
    if (i < len && data[i] == '<')
        return procreport_parse_xml(data, len, out, err);
    if (i < len && data[i] == '{')
        return procreport_parse_json(data + i, len - i, out, err);
    return procreport_parse_flat(data, len, out, err);
}
