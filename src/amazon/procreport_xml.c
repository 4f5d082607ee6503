/*
 * procreport_xml.c - reader of Amazon XML processing reports.
 *
 * Owns the conversion of an XML ProcessingReport (inside an AmazonEnvelope or
 * bare) into a struct proc_report. Reads with a libxml2 SAX push parser: no
 * tree, memory bounded by the results; the parse stops at any DOCTYPE or
 * entity declaration, loads nothing, and knows only the predefined entities
 * (&apos; and friends). Results are keyed by MessageID, never by text.
 * Error contract: WB_OK; WB_PERMFAIL with one sentence (with a line number)
 * in err for malformed, refused or unmappable documents; WB_NOMEM. Never exits.
 * Must never: expand entities, reach the network, or crash on any input.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>

#include "amazon/amazon_xml.h"
#include "amazon/procreport.h"
#include "amazon/procreport_int.h"
#include "core/strutil.h"
#include "core/wb.h"

#define XML_CHUNK 65536

enum xfield {
    XF_NONE,
    XF_STATUS,
    XF_TRANSACTION,
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
    procreport_put_text(tmp, sizeof(tmp), st->text, st->tlen);
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
        if (named(n, "DocumentTransactionID"))
            return XF_TRANSACTION;
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
        while (n && procreport_is_space(*p)) {
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
        procreport_put_text(r->status, sizeof(r->status), st->text, st->tlen);
        break;
    case XF_TRANSACTION:
        procreport_put_text(r->transaction_id, sizeof(r->transaction_id), st->text, st->tlen);
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
        procreport_put_text(code, sizeof(code), st->text, st->tlen);
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
        procreport_put_text(st->cur.code, sizeof(st->cur.code), st->text, st->tlen);
        break;
    case XF_DESC:
        procreport_put_text(st->cur.description, sizeof(st->cur.description), st->text, st->tlen);
        break;
    case XF_SKU:
        procreport_put_text(st->cur.sku, sizeof(st->cur.sku), st->text, st->tlen);
        break;
    case XF_ORDERID:
        procreport_put_text(st->cur.order_id, sizeof(st->cur.order_id), st->text, st->tlen);
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
            struct proc_result *res = procreport_new_result(st->r, &st->cap, &rc);
            if (!res) {
                if (rc == WB_NOMEM) {
                    st->rc = WB_NOMEM;
                    xmlStopParser(st->ctxt);
                } else {
                    xfail(st, "more than %d results", PROCREPORT_MAX_RESULTS);
                }
            } else {
                size_t seq = res->seq;
                *res = st->cur;
                res->seq = seq;
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
        return procreport_fail(err, "empty document");
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
        rc = procreport_fail(err, "%s: %s", st->ae.doctype ? "refused" : "not well-formed XML",
                             why.len ? buf_str(&why) : "parse error");
    } else if (st->rc != WB_OK) {
        rc = procreport_fail(err, "%s", st->why);
    } else if (!st->reports) {
        rc = procreport_fail(err, "no ProcessingReport element");
    }
done:
    amazon_xml_capture_end(saved_ctx, saved_fn);
    if (st->ctxt)
        xmlFreeParserCtxt(st->ctxt);
    buf_free(&why);
    free(st);
    if (rc != WB_OK)
        procreport_free(out);
    else
        out->format = PROCREPORT_XML;
    return rc;
}
