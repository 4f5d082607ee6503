/*
 * procreport.c - reader of Amazon feed processing reports.
 *
 * Owns the conversion of one report (XML ProcessingReport, JSON listings
 * feed report, or tab-separated flat file) into a struct proc_report: status,
 * summary counts and one proc_result per error or warning. XML is read by a
 * libxml2 SAX push parser (streaming, no tree) that stops at any DOCTYPE or
 * entity declaration, never loads anything and knows only the predefined
 * entities; JSON by jansson; flat files line by line in place. Every text
 * field is trimmed, control characters become spaces, and it is cut to its
 * buffer on a UTF-8 boundary; flat-file bytes that are not UTF-8 are read as
 * Latin-1. At most PROCREPORT_MAX_RESULTS results are accepted.
 * Error contract: WB_OK; WB_PERMFAIL with one sentence in err for garbage,
 * refused constructs or reports we cannot map; WB_NOMEM. Never exits.
 * Must never: expand entities, reach the network, crash on any input.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>

#include "amazon/amazon_xml.h"
#include "amazon/procreport.h"
#include "core/strutil.h"
#include "core/wb.h"

#define XML_CHUNK 65536

/* fail - put one sentence in err (may be NULL) and return WB_PERMFAIL */
__attribute__((format(printf, 2, 3))) static int fail(struct buf *err, const char *fmt, ...)
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

/* is_space - ASCII white space */
static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* put_text - trimmed, bounded copy of len bytes into dst[n]; Latin-1 when not UTF-8 */
static void put_text(char *dst, size_t n, const char *src, size_t len)
{
    while (len && is_space(*src)) {
        src++;
        len--;
    }
    while (len && is_space(src[len - 1]))
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

/* new_result - room for one more result, zeroed; NULL with rc set when refused */
static struct proc_result *new_result(struct proc_report *r, size_t *cap, int *rc)
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
    struct proc_result *res = &r->results[r->nresults++];
    memset(res, 0, sizeof(*res));
    return res;
}

/* cmp_long - qsort order of longs */
static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* distinct_ids - number of distinct message ids among errors (want 1) or warnings (0) */
static long distinct_ids(const struct proc_report *r, int want_error)
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

/* ---- XML ---- */

enum xfield {
    XF_NONE,
    XF_STATUS,
    XF_PROCESSED,
    XF_SUCCESSFUL,
    XF_WITH_ERROR,
    XF_WITH_WARNING,
    XF_MSGID,
    XF_RESULTCODE,
    XF_MSGCODE,
    XF_DESC,
    XF_SKU,
    XF_ORDERID,
};

struct xstate {
    struct amazon_xml_errs ae; /* first: ctxt->_private points here */
    xmlParserCtxtPtr ctxt;
    struct proc_report *r;
    size_t cap;
    int depth, report, summary, result, addinfo; /* depth of each open element, 0 if closed */
    int reports;
    enum xfield field;
    int field_depth;
    char text[sizeof(((struct proc_result *)0)->description)];
    size_t tlen;
    int full;
    struct proc_result cur;
    int cur_code;
    int rc;
    char why[160];
};

/* xfail - stop the parse with our own reason */
__attribute__((format(printf, 2, 3))) static void xfail(struct xstate *st, const char *fmt, ...)
{
    if (st->rc == WB_OK) {
        va_list ap;
        va_start(ap, fmt);
        int n = snprintf(st->why, sizeof(st->why), "line %d: ", xmlSAX2GetLineNumber(st->ctxt));
        if (n > 0 && (size_t)n < sizeof(st->why))
            vsnprintf(st->why + n, sizeof(st->why) - (size_t)n, fmt, ap);
        va_end(ap);
        st->rc = WB_PERMFAIL;
    }
    xmlStopParser(st->ctxt);
}

/* xnumber - the collected text as a non-negative long */
static int xnumber(struct xstate *st, const char *name, long *out)
{
    char tmp[64];
    put_text(tmp, sizeof(tmp), st->text, st->tlen);
    if (str_to_long(tmp, 0, LONG_MAX, out) != WB_OK) {
        xfail(st, "%s is not a non-negative number", name);
        return -1;
    }
    return 0;
}

/* named - 1 if localname equals s */
static int named(const xmlChar *localname, const char *s)
{
    return strcmp((const char *)localname, s) == 0;
}

/* field_of - which field an element is, from where it sits */
static enum xfield field_of(const struct xstate *st, const xmlChar *n)
{
    if (st->addinfo && st->depth == st->addinfo + 1) {
        if (named(n, "SKU"))
            return XF_SKU;
        if (named(n, "AmazonOrderID"))
            return XF_ORDERID;
    } else if (st->result && st->depth == st->result + 1) {
        if (named(n, "MessageID"))
            return XF_MSGID;
        if (named(n, "ResultCode"))
            return XF_RESULTCODE;
        if (named(n, "ResultMessageCode"))
            return XF_MSGCODE;
        if (named(n, "ResultDescription"))
            return XF_DESC;
    } else if (st->summary && st->depth == st->summary + 1) {
        if (named(n, "MessagesProcessed"))
            return XF_PROCESSED;
        if (named(n, "MessagesSuccessful"))
            return XF_SUCCESSFUL;
        if (named(n, "MessagesWithError"))
            return XF_WITH_ERROR;
        if (named(n, "MessagesWithWarning"))
            return XF_WITH_WARNING;
    } else if (st->report && st->depth == st->report + 1) {
        if (named(n, "StatusCode"))
            return XF_STATUS;
    }
    return XF_NONE;
}

/* on_start - SAX: an element opens */
static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **ns, int nb_attr, int nb_defaulted,
                     const xmlChar **attrs)
{
    (void)prefix, (void)uri, (void)nb_ns, (void)ns, (void)nb_attr, (void)nb_defaulted;
    (void)attrs;
    struct xstate *st = ((xmlParserCtxtPtr)ctx)->_private;
    if (st->rc != WB_OK)
        return;
    st->depth++;
    if (st->depth == 1 && !named(localname, "AmazonEnvelope") &&
        !named(localname, "ProcessingReport")) {
        xfail(st, "the root element is not AmazonEnvelope or ProcessingReport");
        return;
    }
    if (st->field != XF_NONE)
        return; /* markup inside a field: its text still counts */
    if (named(localname, "ProcessingReport") && !st->report) {
        if (++st->reports > 1) {
            xfail(st, "more than one ProcessingReport");
            return;
        }
        st->report = st->depth;
        return;
    }
    if (st->report && st->depth == st->report + 1) {
        if (named(localname, "ProcessingSummary")) {
            st->summary = st->depth;
            st->r->has_summary = 1;
            return;
        }
        if (named(localname, "Result")) {
            st->result = st->depth;
            memset(&st->cur, 0, sizeof(st->cur));
            st->cur_code = 0;
            return;
        }
    }
    if (st->result && st->depth == st->result + 1 && named(localname, "AdditionalInfo")) {
        st->addinfo = st->depth;
        return;
    }
    st->field = field_of(st, localname);
    if (st->field != XF_NONE) {
        st->field_depth = st->depth;
        st->tlen = 0;
        st->full = 0;
    }
}

/* on_chars - SAX: text (or CDATA) inside the current field */
static void on_chars(void *ctx, const xmlChar *ch, int len)
{
    struct xstate *st = ((xmlParserCtxtPtr)ctx)->_private;
    if (st->rc != WB_OK || st->field == XF_NONE || st->full || len <= 0)
        return;
    const char *p = (const char *)ch;
    size_t n = (size_t)len;
    if (st->tlen == 0)
        while (n && is_space(*p)) {
            p++;
            n--;
        }
    size_t room = sizeof(st->text) - 1 - st->tlen;
    if (n > room) {
        n = room;
        while (n && ((unsigned char)p[n] & 0xC0) == 0x80)
            n--;
        st->full = 1;
    }
    memcpy(st->text + st->tlen, p, n);
    st->tlen += n;
}

/* end_field - store the text of the field that just closed */
static void end_field(struct xstate *st)
{
    struct proc_report *r = st->r;
    long v;
    switch (st->field) {
    case XF_STATUS:
        put_text(r->status, sizeof(r->status), st->text, st->tlen);
        break;
    case XF_PROCESSED:
        if (xnumber(st, "MessagesProcessed", &v) == 0)
            r->processed = v;
        break;
    case XF_SUCCESSFUL:
        if (xnumber(st, "MessagesSuccessful", &v) == 0)
            r->successful = v;
        break;
    case XF_WITH_ERROR:
        if (xnumber(st, "MessagesWithError", &v) == 0)
            r->with_error = v;
        break;
    case XF_WITH_WARNING:
        if (xnumber(st, "MessagesWithWarning", &v) == 0)
            r->with_warning = v;
        break;
    case XF_MSGID:
        if (xnumber(st, "MessageID", &v) == 0)
            st->cur.message_id = v;
        break;
    case XF_RESULTCODE: {
        char code[16];
        put_text(code, sizeof(code), st->text, st->tlen);
        if (strcasecmp(code, "Error") == 0)
            st->cur.is_error = 1;
        else if (strcasecmp(code, "Warning") == 0)
            st->cur.is_error = 0;
        else
            xfail(st, "ResultCode is neither Error nor Warning");
        st->cur_code = 1;
        break;
    }
    case XF_MSGCODE:
        put_text(st->cur.code, sizeof(st->cur.code), st->text, st->tlen);
        break;
    case XF_DESC:
        put_text(st->cur.description, sizeof(st->cur.description), st->text, st->tlen);
        break;
    case XF_SKU:
        put_text(st->cur.sku, sizeof(st->cur.sku), st->text, st->tlen);
        break;
    case XF_ORDERID:
        put_text(st->cur.order_id, sizeof(st->cur.order_id), st->text, st->tlen);
        break;
    case XF_NONE:
        break;
    }
    st->field = XF_NONE;
}

/* on_end - SAX: an element closes */
static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)localname, (void)prefix, (void)uri;
    struct xstate *st = ((xmlParserCtxtPtr)ctx)->_private;
    if (st->rc != WB_OK)
        return;
    if (st->field != XF_NONE && st->depth == st->field_depth)
        end_field(st);
    else if (st->depth == st->addinfo)
        st->addinfo = 0;
    else if (st->depth == st->result) {
        st->result = 0;
        if (!st->cur_code) {
            xfail(st, "a Result has no ResultCode");
        } else {
            int rc = WB_OK;
            struct proc_result *res = new_result(st->r, &st->cap, &rc);
            if (!res) {
                if (rc == WB_NOMEM) {
                    st->rc = WB_NOMEM;
                    xmlStopParser(st->ctxt);
                } else {
                    xfail(st, "more than %d results", PROCREPORT_MAX_RESULTS);
                }
            } else {
                *res = st->cur;
            }
        }
    } else if (st->depth == st->summary)
        st->summary = 0;
    else if (st->depth == st->report)
        st->report = 0;
    st->depth--;
}

/* procreport_parse_xml - XML ProcessingReport (AmazonEnvelope or bare ProcessingReport) */
int procreport_parse_xml(const char *data, size_t len, struct proc_report *out, struct buf *err)
{
    if (!out)
        return WB_BADARG;
    memset(out, 0, sizeof(*out));
    if (!data || !len)
        return fail(err, "empty document");
    amazon_xml_init();

    struct xstate *st = calloc(1, sizeof(*st));
    if (!st)
        return WB_NOMEM;
    struct buf why;
    buf_init(&why, 2048);
    st->ae.err = &why;
    st->r = out;

    xmlSAXHandler sax;
    memset(&sax, 0, sizeof(sax));
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_chars;
    sax.cdataBlock = on_chars;
    amazon_xml_safe_sax(&sax);

    void *saved_ctx;
    xmlStructuredErrorFunc saved_fn;
    amazon_xml_capture_begin(&st->ae, &saved_ctx, &saved_fn);
    int rc = WB_OK;
    st->ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
    if (!st->ctxt) {
        rc = WB_NOMEM;
        goto done;
    }
    st->ctxt->_private = st;
    xmlCtxtUseOptions(st->ctxt, AMAZON_XML_PARSE_OPTS);
    size_t off = 0;
    do {
        size_t n = len - off > XML_CHUNK ? XML_CHUNK : len - off;
        int last = off + n == len;
        int r = xmlParseChunk(st->ctxt, data + off, (int)n, last);
        off += n;
        if (r != 0 || st->rc != WB_OK || st->ae.count || st->ctxt->disableSAX)
            break;
    } while (off < len);

    if (st->rc == WB_NOMEM) {
        rc = WB_NOMEM;
    } else if (st->ae.doctype || st->ae.count || !st->ctxt->wellFormed) {
        amazon_xml_errs_finish(&st->ae);
        rc = fail(err, "%s: %s", st->ae.doctype ? "refused" : "not well-formed XML",
                  why.len ? buf_str(&why) : "parse error");
    } else if (st->rc != WB_OK) {
        rc = fail(err, "%s", st->why);
    } else if (!st->reports) {
        rc = fail(err, "no ProcessingReport element");
    }
done:
    amazon_xml_capture_end(saved_ctx, saved_fn);
    if (st->ctxt)
        xmlFreeParserCtxt(st->ctxt);
    buf_free(&why);
    free(st);
    if (rc != WB_OK)
        procreport_free(out);
    return rc;
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
        put_text(dst, n, json_string_value(v), json_string_length(v));
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
            return fail(err, "issue %zu is not an object", i + 1);
        const char *sev = json_string_value(json_object_get(it, "severity"));
        if (!sev)
            return fail(err, "issue %zu has no severity", i + 1);
        int is_error;
        if (strcmp(sev, "ERROR") == 0)
            is_error = 1;
        else if (strcmp(sev, "WARNING") == 0)
            is_error = 0;
        else if (strcmp(sev, "INFO") == 0)
            continue;
        else
            return fail(err, "issue %zu has an unknown severity", i + 1);
        long id = 0;
        if (jlong(it, "messageId", &id) < 0)
            return fail(err, "issue %zu: messageId is not a non-negative integer", i + 1);
        int rc = WB_OK;
        struct proc_result *res = new_result(out, &cap, &rc);
        if (!res)
            return rc == WB_NOMEM ? WB_NOMEM
                                  : fail(err, "more than %d results", PROCREPORT_MAX_RESULTS);
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
        return fail(err, "empty document");
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return fail(err, "not valid JSON: line %d: %.80s", je.line, je.text);
    int rc = WB_OK;
    json_t *issues = json_object_get(root, "issues");
    json_t *summary = json_object_get(root, "summary");
    if (!json_is_object(root)) {
        rc = fail(err, "not a JSON object");
    } else if (!issues && !summary) {
        rc = fail(err, "no issues or summary: not a listings feed processing report");
    } else if (issues && !json_is_array(issues)) {
        rc = fail(err, "issues is not an array");
    } else if (summary && !json_is_object(summary)) {
        rc = fail(err, "summary is not an object");
    } else if (issues && (rc = json_issues(issues, out, err)) != WB_OK) {
        /* rc set */
    } else if (summary) {
        if (jlong(summary, "messagesProcessed", &out->processed) < 0 ||
            jlong(summary, "messagesAccepted", &out->successful) < 0 ||
            jlong(summary, "messagesInvalid", &out->with_error) < 0)
            rc = fail(err, "summary counts must be non-negative integers");
        out->has_summary = 1;
    }
    json_decref(root);
    if (rc != WB_OK) {
        procreport_free(out);
        return rc;
    }
    str_copy(out->status, sizeof(out->status), "Complete");
    out->with_warning = distinct_ids(out, 0);
    if (!out->has_summary)
        out->with_error = distinct_ids(out, 1);
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
        if (!is_space(*p))
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
        put_text(name, sizeof(name), cs, cl);
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
    while (e > p && is_space(e[-1]))
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
    put_text(label, sizeof(label), p, (size_t)(d - p));
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
    put_text(tmp, sizeof(tmp), cs, cl);
    if (!tmp[0])
        id = 0;
    else if (str_to_long(tmp, 0, LONG_MAX, &id) != WB_OK)
        return fail(err, "line %ld: original-record-number is not a number", lineno);
    cell(p, e, cols[COL_TYPE], &cs, &cl);
    put_text(tmp, sizeof(tmp), cs, cl);
    int is_error;
    if (strcasecmp(tmp, "Error") == 0)
        is_error = 1;
    else if (strcasecmp(tmp, "Warning") == 0)
        is_error = 0;
    else
        return fail(err, "line %ld: error-type is neither Error nor Warning", lineno);
    int rc = WB_OK;
    struct proc_result *res = new_result(out, cap, &rc);
    if (!res)
        return rc == WB_NOMEM ? WB_NOMEM
                              : fail(err, "more than %d results", PROCREPORT_MAX_RESULTS);
    res->message_id = id;
    res->is_error = is_error;
    cell(p, e, cols[COL_CODE], &cs, &cl);
    put_text(res->code, sizeof(res->code), cs, cl);
    cell(p, e, cols[COL_MESSAGE], &cs, &cl);
    put_text(res->description, sizeof(res->description), cs, cl);
    if (cols[COL_SKU] >= 0) {
        cell(p, e, cols[COL_SKU], &cs, &cl);
        put_text(res->sku, sizeof(res->sku), cs, cl);
    }
    if (cols[COL_ORDER] >= 0) {
        cell(p, e, cols[COL_ORDER], &cs, &cl);
        put_text(res->order_id, sizeof(res->order_id), cs, cl);
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
        return fail(err, "empty document");
    if (memchr(data, '\0', len))
        return fail(err, "binary data (NUL bytes), not a flat-file report");
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
            while (q < e && is_space(*q))
                q++;
            if ((size_t)(e - q) >= 23 && strncasecmp(q, "Feed Processing Summary", 23) == 0)
                state = PREAMBLE;
            else
                state = HEADER;
        }
        if (state == PREAMBLE && lineno > 1 && blank(p, e)) {
            state = HEADER;
        } else if (state == PREAMBLE) {
            preamble_line(p, e, out, seen);
        } else if (state == HEADER && !blank(p, e)) {
            if (!header_cols(p, e, cols)) {
                rc = fail(err,
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
        rc = fail(err, "no column header line: not a flat-file processing report");
    if (rc != WB_OK) {
        procreport_free(out);
        return rc;
    }
    str_copy(out->status, sizeof(out->status), "Complete");
    if (!seen[0])
        out->with_error = distinct_ids(out, 1);
    if (!seen[1])
        out->with_warning = distinct_ids(out, 0);
    return WB_OK;
}

/* procreport_parse - sniff the format ('<' XML, '{' JSON, else flat) and parse */
int procreport_parse(const char *data, size_t len, struct proc_report *out, struct buf *err)
{
    if (!out)
        return WB_BADARG;
    memset(out, 0, sizeof(*out));
    if (!data || !len)
        return fail(err, "empty document");
    size_t i = 0;
    if (len >= 2 && ((unsigned char)data[0] == 0xFF || (unsigned char)data[0] == 0xFE) &&
        ((unsigned char)data[1] == 0xFF || (unsigned char)data[1] == 0xFE))
        return procreport_parse_xml(data, len, out, err); /* UTF-16: only XML declares it */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && is_space(data[i]))
        i++;
    if (i < len && data[i] == '<')
        return procreport_parse_xml(data, len, out, err);
    if (i < len && data[i] == '{')
        return procreport_parse_json(data + i, len - i, out, err);
    return procreport_parse_flat(data, len, out, err);
}
