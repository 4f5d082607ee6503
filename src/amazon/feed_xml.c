/*
 * feed_xml.c - streaming writer of Amazon XML feed documents.
 *
 * Owns one AmazonEnvelope (Header, MessageType, Messages) written through
 * libxml2's xmlTextWriter to a caller's FILE*; its output buffer is flushed
 * in small chunks, so memory does not grow with the number of messages.
 * OrderFulfillment messages (the bulk of a dispatch feed) are composed as
 * text in the writer's own layout (indent of two spaces a level) into one
 * reused buffer and written to the FILE* in blocks of about 64 KiB, after
 * whatever the writer holds; the writer then ends the envelope. A value
 * holding a character XML must escape goes through libxml2's
 * xmlEncodeSpecialChars, so libxml2 still does all escaping. Every field of
 * a message is checked before any of it is composed, so a refused message
 * leaves the document well formed.
 * Error contract: WB_PERMFAIL for content (bad UTF-8, control characters,
 * "Other" without CarrierName, bad dates or quantities), WB_BADARG for caller
 * errors, WB_NOSPACE / WB_IOERR for write errors, which are sticky.
 * feedw_error() gives the reason of the last refusal. Never exits.
 * Must never: close or fsync the caller's FILE*, or hold the whole document.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlIO.h>
#include <libxml/xmlwriter.h>

#include "amazon/amazon_xml.h"
#include "amazon/feed_xml.h"
#include "core/strutil.h"
#include "core/wb.h"

enum feed_kind { KIND_FULFILLMENT, KIND_ACK };

struct feedw {
    FILE *out;
    xmlTextWriterPtr tw;
    enum feed_kind kind;
    int rc; /* sticky write error */
    long last_id;
    size_t count;
    char why[256]; /* reason of the last refusal */
    char *m;       /* composed messages not yet written; the last may be in progress */
    size_t mlen, mcap;
    long long day;    /* days since the epoch of daytext */
    char daytext[12]; /* "YYYY-MM-DD" of day, "" before the first date */
};

/* largest text of one message; its values are bounded by the caller's rows */
#define MSG_MAX ((size_t)16 << 20)
/* composed messages are written in blocks of about this size */
#define BATCH ((size_t)64 << 10)

/* refuse - remember why a call failed and return rc */
static int refuse(struct feedw *w, int rc, const char *why, const char *field)
{
    if (w)
        snprintf(w->why, sizeof(w->why), "%s%s%s", field ? field : "", field ? ": " : "", why);
    return rc;
}

/* eight bytes at a time: ONES * c repeats byte c; a test is exact for "some byte is" */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* equal - nonzero if some byte of w is c */
static uint64_t equal(uint64_t w, unsigned c)
{
    uint64_t x = w ^ (ONES * c);
    return (x - ONES) & ~x & HIGHS;
}

/* text_ok - 1 if the n bytes of s are well-formed UTF-8 that XML 1.0 accepts, without controls */
static int text_ok(const char *s, size_t n)
{
    size_t i;
    if (str_ascii_range(s, n, 0x20))
        return 1; /* printable ASCII, the usual case */
    if (!str_utf8_valid(s, n))
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20)
            return 0;
        /* U+FFFE and U+FFFF are not XML characters */
        if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
            ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF))
            return 0;
    }
    return 1;
}

/* scan_text - 2 if the n bytes are printable ASCII (DEL included) without a character XML
 * escapes (copied as they are: the usual case), 1 if they are other text XML 1.0 accepts, 0 if
 * they are not well-formed UTF-8 or hold control characters */
static inline __attribute__((always_inline)) int scan_text(const char *s, size_t n)
{
    uint64_t odd = 0, special = 0, v;
    if (n < 8) {
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            odd |= c < 0x20 || c >= 0x80;
            special |= c == '&' || c == '<' || c == '>' || c == '"';
        }
    } else {
        for (size_t i = 0;; i += 8) { /* whole words, the last one overlapping */
            if (i + 8 > n)
                i = n - 8;
            memcpy(&v, s + i, 8);
            odd |= (v | ((v - ONES * 0x20) & ~v)) & HIGHS;
            /* & and " differ in one bit, as do < and > */
            special |= equal(v | (ONES * 0x04), '&') | equal(v | (ONES * 0x02), '>');
            if (i + 8 == n)
                break;
        }
    }
    if (!odd)
        return special ? 1 : 2;
    return text_ok(s, n);
}

/* check_required - a required text field: present, not empty, acceptable text; its length;
 * clears *plain when the value needs escaping */
static inline __attribute__((always_inline)) int
check_required(struct feedw *w, const char *s, const char *field, size_t *len, int *plain)
{
    if (!s || !*s)
        return refuse(w, WB_PERMFAIL, "missing", field);
    *len = strlen(s);
    int k = scan_text(s, *len);
    if (!k)
        return refuse(w, WB_PERMFAIL, "not well-formed UTF-8 text or has control characters",
                      field);
    if (k != 2)
        *plain = 0;
    return WB_OK;
}

/* check_optional - an optional text field: NULL or "" means absent (length 0) */
static int check_optional(struct feedw *w, const char *s, const char *field, size_t *len,
                          int *plain)
{
    *len = 0;
    if (!s || !*s)
        return WB_OK;
    return check_required(w, s, field, len, plain);
}

/* present - 1 if an optional field has a value */
static int present(const char *s)
{
    return s && *s;
}

/* out_write - xmlOutputBuffer write callback: to the caller's FILE* */
static int out_write(void *ctx, const char *p, int len)
{
    struct feedw *w = ctx;
    if (w->rc != WB_OK)
        return -1;
    if (len <= 0)
        return 0;
    errno = 0;
    if (fwrite(p, 1, (size_t)len, w->out) != (size_t)len) {
        int e = errno;
        w->rc = (e == ENOSPC || e == EFBIG || e == EDQUOT) ? WB_NOSPACE : WB_IOERR;
        return -1;
    }
    return len;
}

/* out_close - xmlOutputBuffer close callback: flush, keep the FILE* open */
static int out_close(void *ctx)
{
    struct feedw *w = ctx;
    errno = 0;
    if (fflush(w->out) != 0 && w->rc == WB_OK) {
        int e = errno;
        w->rc = (e == ENOSPC || e == EFBIG || e == EDQUOT) ? WB_NOSPACE : WB_IOERR;
    }
    return w->rc == WB_OK ? 0 : -1;
}

/* wcheck - turn a writer return value into a sticky status */
static int wcheck(struct feedw *w, int r)
{
    if (r >= 0)
        return WB_OK;
    if (w->rc == WB_OK)
        w->rc = WB_IOERR;
    return refuse(w, w->rc, "write failed", NULL);
}

/* start - open an element */
static int start(struct feedw *w, const char *name)
{
    return wcheck(w, xmlTextWriterStartElement(w->tw, BAD_CAST name));
}

/* end - close the innermost element */
static int end(struct feedw *w)
{
    return wcheck(w, xmlTextWriterEndElement(w->tw));
}

/* elem - one element with escaped text content */
static int elem(struct feedw *w, const char *name, const char *text)
{
    return wcheck(w, xmlTextWriterWriteElement(w->tw, BAD_CAST name, BAD_CAST text));
}

/* elem_long - one element holding a decimal number */
static int elem_long(struct feedw *w, const char *name, long v)
{
    char num[32];
    snprintf(num, sizeof(num), "%ld", v);
    return elem(w, name, num);
}

/* room - make space for n more bytes of message text */
static int room(struct feedw *w, size_t n)
{
    if (n > MSG_MAX + BATCH - w->mlen)
        return WB_TOOBIG;
    if (w->mlen + n <= w->mcap)
        return WB_OK;
    size_t cap = w->mcap ? w->mcap : 4096;
    while (cap < w->mlen + n)
        cap *= 2;
    char *p = realloc(w->m, cap);
    if (!p)
        return WB_NOMEM;
    w->m = p;
    w->mcap = cap;
    return WB_OK;
}

/* put - append n bytes to the message being composed */
static int put(struct feedw *w, const char *p, size_t n)
{
    int rc = room(w, n);
    if (rc != WB_OK)
        return rc;
    memcpy(w->m + w->mlen, p, n);
    w->mlen += n;
    return WB_OK;
}

#define PUT_LIT(w, lit) put((w), (lit), sizeof(lit) - 1)

/* put_elem - append open, the tlen bytes of text escaped for content (text_ok), close */
static inline __attribute__((always_inline)) int put_elem(struct feedw *w, const char *open,
                                                          size_t olen, const char *close,
                                                          size_t clen, const char *text,
                                                          size_t tlen)
{
    uint64_t special = 0, v;
    if (tlen >= 8) { /* whole words, the last one overlapping */
        for (size_t i = 0; i + 8 <= tlen; i += 8) {
            memcpy(&v, text + i, 8);
            special |= equal(v, '&') | equal(v, '<') | equal(v, '>') | equal(v, '"');
        }
        memcpy(&v, text + tlen - 8, 8);
        special |= equal(v, '&') | equal(v, '<') | equal(v, '>') | equal(v, '"');
    } else {
        for (size_t i = 0; i < tlen; i++)
            special |= text[i] == '&' || text[i] == '<' || text[i] == '>' || text[i] == '"';
    }
    xmlChar *e = NULL;
    if (special) {
        if (!(e = xmlEncodeSpecialChars(NULL, BAD_CAST text)))
            return WB_NOMEM;
        text = (const char *)e;
        tlen = strlen(text);
    }
    int rc = WB_TOOBIG;
    if (tlen < MSG_MAX && (rc = room(w, olen + tlen + clen)) == WB_OK) {
        char *d = w->m + w->mlen;
        memcpy(d, open, olen);
        memcpy(d + olen, text, tlen);
        memcpy(d + olen + tlen, close, clen);
        w->mlen += olen + tlen + clen;
    }
    xmlFree(e);
    return rc;
}

/* ELEM - one element on its own line: indent, tag name and text */
#define ELEM(w, indent, name, text, tlen)                                                          \
    put_elem((w), indent "<" name ">", sizeof(indent "<" name ">") - 1, "</" name ">\n",           \
             sizeof("</" name ">\n") - 1, (text), (tlen))

/* decimal - v >= 0 in decimal at the end of buf[32], returns its start */
static const char *decimal(long v, char *buf)
{
    char *p = buf + 31;
    unsigned long u = v < 0 ? 0 : (unsigned long)v;
    *p = '\0';
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    return p;
}

/* format_date - t as "YYYY-MM-DDThh:mm:ssZ"; the calendar day is computed once per day */
static int format_date(struct feedw *w, time_t t, char *date, size_t date_len)
{
    long long day = (long long)t / 86400, sec = (long long)t % 86400;
    if (sec < 0)
        day--, sec += 86400;
    if (!w->daytext[0] || day != w->day) {
        struct tm tm;
        if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999 ||
            strftime(w->daytext, sizeof(w->daytext), "%Y-%m-%d", &tm) == 0) {
            w->daytext[0] = '\0';
            return WB_PERMFAIL;
        }
        w->day = day;
    }
    if (date_len < 21)
        return WB_PERMFAIL;
    memcpy(date, w->daytext, 10);
    int h = (int)(sec / 3600), m = (int)(sec / 60 % 60), s = (int)(sec % 60);
    char *p = date + 10;
    *p++ = 'T';
    *p++ = (char)('0' + h / 10), *p++ = (char)('0' + h % 10), *p++ = ':';
    *p++ = (char)('0' + m / 10), *p++ = (char)('0' + m % 10), *p++ = ':';
    *p++ = (char)('0' + s / 10), *p++ = (char)('0' + s % 10), *p++ = 'Z';
    *p = '\0';
    return WB_OK;
}

/* flush_batch - hand the composed messages to the FILE*, after what the writer holds */
static int flush_batch(struct feedw *w)
{
    if (!w->mlen)
        return w->rc;
    int rc = wcheck(w, xmlTextWriterFlush(w->tw));
    if (rc == WB_OK && out_write(w, w->m, (int)w->mlen) < 0)
        rc = refuse(w, w->rc, "write failed", NULL);
    w->mlen = 0;
    return rc;
}

/* drop_message - a message that could not be composed leaves nothing behind */
static int drop_message(struct feedw *w, size_t start, int rc)
{
    w->mlen = start;
    return refuse(w, rc, rc == WB_NOMEM ? "out of memory" : "message too large", NULL);
}

/* feedw_open - start an envelope of message_type */
int feedw_open(struct feedw **wp, FILE *out, const char *message_type, const char *merchant_id)
{
    int rc;
    if (!wp)
        return WB_BADARG;
    *wp = NULL;
    if (!out || !message_type || !merchant_id || !*merchant_id ||
        !text_ok(merchant_id, strlen(merchant_id)))
        return WB_BADARG;
    enum feed_kind kind;
    if (strcmp(message_type, "OrderFulfillment") == 0)
        kind = KIND_FULFILLMENT;
    else if (strcmp(message_type, "OrderAcknowledgement") == 0)
        kind = KIND_ACK;
    else
        return WB_BADARG;

    amazon_xml_init();
    struct feedw *w = calloc(1, sizeof(*w));
    if (!w)
        return WB_NOMEM;
    w->out = out;
    w->kind = kind;
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(out_write, out_close, w, NULL);
    if (!ob) {
        free(w);
        return WB_NOMEM;
    }
    w->tw = xmlNewTextWriter(ob);
    if (!w->tw) {
        xmlOutputBufferClose(ob);
        free(w);
        return WB_NOMEM;
    }
    xmlTextWriterSetIndent(w->tw, 1);
    xmlTextWriterSetIndentString(w->tw, BAD_CAST "  ");
    if ((rc = wcheck(w, xmlTextWriterStartDocument(w->tw, "1.0", "UTF-8", NULL))) != WB_OK ||
        (rc = start(w, "AmazonEnvelope")) != WB_OK ||
        (rc = wcheck(w, xmlTextWriterWriteAttribute(
                            w->tw, BAD_CAST "xmlns:xsi",
                            BAD_CAST "http://www.w3.org/2001/XMLSchema-instance"))) != WB_OK ||
        (rc = wcheck(w, xmlTextWriterWriteAttribute(w->tw, BAD_CAST "xsi:noNamespaceSchemaLocation",
                                                    BAD_CAST "amzn-envelope.xsd"))) != WB_OK ||
        (rc = start(w, "Header")) != WB_OK || (rc = elem(w, "DocumentVersion", "1.01")) != WB_OK ||
        (rc = elem(w, "MerchantIdentifier", merchant_id)) != WB_OK || (rc = end(w)) != WB_OK ||
        (rc = elem(w, "MessageType", message_type)) != WB_OK) {
        xmlFreeTextWriter(w->tw);
        free(w);
        return rc;
    }
    *wp = w;
    return WB_OK;
}

/* begin_check - checks common to every message */
static int begin_check(struct feedw *w, enum feed_kind kind, long message_id)
{
    if (!w)
        return WB_BADARG;
    if (w->rc != WB_OK)
        return refuse(w, w->rc, "an earlier write failed", NULL);
    if (w->kind != kind)
        return refuse(w, WB_BADARG, "message does not match the envelope's MessageType", NULL);
    if (message_id < 1 || message_id <= w->last_id)
        return refuse(w, WB_BADARG, "must be positive and increasing", "MessageID");
    return WB_OK;
}

/* lengths of a message's text fields, found while checking them */
struct msg_lens {
    size_t order, code, name, method, tracking;
    size_t items; /* all item codes together */
    int plain;    /* no value needs escaping (scan_text) */
};

/* fulfillment_check - every field of an OrderFulfillment message, before writing */
static int fulfillment_check(struct feedw *w, const struct fulfillment_msg *m, char *date,
                             size_t date_len, struct msg_lens *n)
{
    int rc;
    size_t item_len;
    int *p = &n->plain;
    *p = 1;
    if ((rc = check_required(w, m->amazon_order_id, "AmazonOrderID", &n->order, p)) != WB_OK ||
        (rc = check_required(w, m->carrier_code, "CarrierCode", &n->code, p)) != WB_OK ||
        (rc = check_optional(w, m->carrier_name, "CarrierName", &n->name, p)) != WB_OK ||
        (rc = check_optional(w, m->shipping_method, "ShippingMethod", &n->method, p)) != WB_OK ||
        (rc = check_optional(w, m->tracking, "ShipperTrackingNumber", &n->tracking, p)) != WB_OK)
        return rc;
    n->items = 0;
    int other = strcmp(m->carrier_code, "Other") == 0;
    if (other && !present(m->carrier_name))
        return refuse(w, WB_PERMFAIL, "required when CarrierCode is Other", "CarrierName");
    if (!other && present(m->carrier_name))
        return refuse(w, WB_BADARG, "only allowed when CarrierCode is Other", "CarrierName");
    if (m->nitems && !m->items)
        return refuse(w, WB_BADARG, "items missing", "Item");
    for (size_t i = 0; i < m->nitems; i++) {
        if ((rc = check_required(w, m->items[i].order_item_code, "AmazonOrderItemCode", &item_len,
                                 p)) != WB_OK)
            return rc;
        n->items += item_len;
        if (m->items[i].quantity < 1)
            return refuse(w, WB_PERMFAIL, "must be at least 1", "Quantity");
    }
    if (format_date(w, m->fulfillment_date, date, date_len) != WB_OK)
        return refuse(w, WB_PERMFAIL, "out of range", "FulfillmentDate");
    return WB_OK;
}

/* copy - n bytes from s to d, returns the end; short values without a library call */
static inline char *copy(char *d, const char *s, size_t n)
{
    uint64_t a, b;
    if (n >= 8 && n <= 16) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else {
        memcpy(d, s, n);
    }
    return d + n;
}

/* LIT - copy a string literal to d, giving the end */
#define LIT(d, lit) (memcpy((d), (lit), sizeof(lit) - 1), (d) + sizeof(lit) - 1)

/* literal text of a message around its values, and of one item */
#define MSG_FIXED 600
#define ITEM_FIXED 160

/* compose_plain - the message when no value needs escaping: one bound, straight copies; the
 * same text as the element-by-element path */
static int compose_plain(struct feedw *w, const struct fulfillment_msg *m, const char *date,
                         const struct msg_lens *n)
{
    char num[32];
    const char *id = decimal(m->message_id, num);
    size_t idl = (size_t)(num + 31 - id), dl = strlen(date);
    if (m->nitems > MSG_MAX / ITEM_FIXED)
        return WB_TOOBIG;
    size_t bound = MSG_FIXED + idl + dl + n->order + n->code + n->name + n->method + n->tracking +
                   n->items + m->nitems * ITEM_FIXED;
    int rc = room(w, bound);
    if (rc != WB_OK)
        return rc;
    char *d = w->m + w->mlen;
/* PUT - an element on its own line: indent, tags and the value's n bytes */
#define PUT(indent, name, v, n)                                                                    \
    (d = LIT(d, indent "<" name ">"), d = copy(d, (v), (n)), d = LIT(d, "</" name ">\n"))
    d = LIT(d, "  <Message>\n");
    PUT("    ", "MessageID", id, idl);
    d = LIT(d, "    <OrderFulfillment>\n");
    PUT("      ", "AmazonOrderID", m->amazon_order_id, n->order);
    PUT("      ", "FulfillmentDate", date, dl);
    d = LIT(d, "      <FulfillmentData>\n");
    PUT("        ", "CarrierCode", m->carrier_code, n->code);
    if (n->name)
        PUT("        ", "CarrierName", m->carrier_name, n->name);
    if (n->method)
        PUT("        ", "ShippingMethod", m->shipping_method, n->method);
    if (n->tracking)
        PUT("        ", "ShipperTrackingNumber", m->tracking, n->tracking);
    d = LIT(d, "      </FulfillmentData>\n");
    for (size_t i = 0; i < m->nitems; i++) {
        const char *code = m->items[i].order_item_code, *qty = decimal(m->items[i].quantity, num);
        d = LIT(d, "      <Item>\n");
        PUT("        ", "AmazonOrderItemCode", code, strlen(code));
        PUT("        ", "Quantity", qty, (size_t)(num + 31 - qty));
        d = LIT(d, "      </Item>\n");
    }
#undef PUT
    d = LIT(d, "    </OrderFulfillment>\n  </Message>\n");
    w->mlen = (size_t)(d - w->m);
    return WB_OK;
}

/* feedw_fulfillment - append one OrderFulfillment message */
int feedw_fulfillment(struct feedw *w, const struct fulfillment_msg *m)
{
    int rc;
    char date[40];
    struct msg_lens n;
    if (!m)
        return WB_BADARG;
    if ((rc = begin_check(w, KIND_FULFILLMENT, m->message_id)) != WB_OK ||
        (rc = fulfillment_check(w, m, date, sizeof(date), &n)) != WB_OK)
        return rc;

    size_t start = w->mlen;
    if (n.plain) {
        if ((rc = compose_plain(w, m, date, &n)) != WB_OK)
            return drop_message(w, start, rc);
        goto composed;
    }
    /* the same text the writer makes with indentation on, two spaces a level */
    char num[32];
    const char *id = decimal(m->message_id, num);
    if ((rc = ELEM(w, "  <Message>\n    ", "MessageID", id, strlen(id))) != WB_OK ||
        (rc = ELEM(w, "    <OrderFulfillment>\n      ", "AmazonOrderID", m->amazon_order_id,
                   n.order)) != WB_OK ||
        (rc = ELEM(w, "      ", "FulfillmentDate", date, strlen(date))) != WB_OK ||
        (rc = ELEM(w, "      <FulfillmentData>\n        ", "CarrierCode", m->carrier_code,
                   n.code)) != WB_OK ||
        (n.name && (rc = ELEM(w, "        ", "CarrierName", m->carrier_name, n.name)) != WB_OK) ||
        (n.method &&
         (rc = ELEM(w, "        ", "ShippingMethod", m->shipping_method, n.method)) != WB_OK) ||
        (n.tracking &&
         (rc = ELEM(w, "        ", "ShipperTrackingNumber", m->tracking, n.tracking)) != WB_OK) ||
        (rc = PUT_LIT(w, "      </FulfillmentData>\n")) != WB_OK)
        return drop_message(w, start, rc);
    for (size_t i = 0; i < m->nitems; i++) {
        const char *code = m->items[i].order_item_code, *qty = decimal(m->items[i].quantity, num);
        if ((rc = ELEM(w, "      <Item>\n        ", "AmazonOrderItemCode", code, strlen(code))) !=
                WB_OK ||
            (rc = ELEM(w, "        ", "Quantity", qty, strlen(qty))) != WB_OK ||
            (rc = PUT_LIT(w, "      </Item>\n")) != WB_OK)
            return drop_message(w, start, rc);
    }
    if ((rc = PUT_LIT(w, "    </OrderFulfillment>\n  </Message>\n")) != WB_OK)
        return drop_message(w, start, rc);
composed:
    w->last_id = m->message_id;
    w->count++;
    if (w->mlen >= BATCH && (rc = flush_batch(w)) != WB_OK)
        return rc;
    return WB_OK;
}

/* feedw_ack - append one OrderAcknowledgement message */
int feedw_ack(struct feedw *w, const struct ack_msg *m)
{
    int rc, plain = 1; /* the writer escapes: not needed here */
    size_t len;
    if (!m)
        return WB_BADARG;
    if ((rc = begin_check(w, KIND_ACK, m->message_id)) != WB_OK ||
        (rc = check_required(w, m->amazon_order_id, "AmazonOrderID", &len, &plain)) != WB_OK ||
        (rc = check_optional(w, m->merchant_order_id, "MerchantOrderID", &len, &plain)) != WB_OK)
        return rc;
    if (!m->status || (strcmp(m->status, "Success") != 0 && strcmp(m->status, "Failure") != 0))
        return refuse(w, WB_BADARG, "must be Success or Failure", "StatusCode");

    if ((rc = start(w, "Message")) != WB_OK ||
        (rc = elem_long(w, "MessageID", m->message_id)) != WB_OK ||
        (rc = start(w, "OrderAcknowledgement")) != WB_OK ||
        (rc = elem(w, "AmazonOrderID", m->amazon_order_id)) != WB_OK)
        return rc;
    if (present(m->merchant_order_id) &&
        (rc = elem(w, "MerchantOrderID", m->merchant_order_id)) != WB_OK)
        return rc;
    if ((rc = elem(w, "StatusCode", m->status)) != WB_OK || (rc = end(w)) != WB_OK ||
        (rc = end(w)) != WB_OK)
        return rc;
    w->last_id = m->message_id;
    w->count++;
    return WB_OK;
}

/* feedw_messages - number of messages written so far */
size_t feedw_messages(const struct feedw *w)
{
    return w ? w->count : 0;
}

/* feedw_error - the reason of the last refused call ("" if none) */
const char *feedw_error(const struct feedw *w)
{
    return w ? w->why : "";
}

/* feedw_close - end the envelope, flush, free w */
int feedw_close(struct feedw *w)
{
    if (!w)
        return WB_BADARG;
    if (w->rc == WB_OK)
        flush_batch(w);
    if (w->rc == WB_OK) {
        wcheck(w, xmlTextWriterEndDocument(w->tw));
        if (w->rc == WB_OK)
            wcheck(w, xmlTextWriterFlush(w->tw));
    }
    xmlFreeTextWriter(w->tw); /* closes the output buffer: out_close flushes the FILE* */
    int rc = w->rc;
    free(w->m);
    free(w);
    return rc;
}
