/*
 * feed_xml.c - streaming writer of Amazon XML feed documents.
 *
 * Owns one AmazonEnvelope (Header, MessageType, Messages) written to a
 * caller's FILE*. The whole document is composed as text in the layout
 * libxml2's xmlTextWriter gave it with an indent of two spaces a level
 * (the writer that produced it before, byte for byte): the XML declaration
 * and envelope head, then each message (OrderFulfillment, the bulk of a
 * dispatch feed, or OrderAcknowledgement), then the closing tag, into one
 * reused buffer written to the FILE* in blocks of about 256 KiB, so memory
 * does not grow with the number of messages. A value holding a character
 * XML must escape goes through libxml2's xmlEncodeSpecialChars, so libxml2
 * still does all escaping. A message may be composed in parts as its items
 * arrive (begin, items, end); it is held in the buffer until its end, and a
 * refused part drops all of it, so a refused message leaves the document
 * well formed. Every text value is checked with str_text_check, the rule
 * the row checks apply too: Amazon's String type (at most FEED_STRING_MAX
 * characters) of XML text without control characters.
 * Error contract: WB_PERMFAIL for content (bad UTF-8, control characters,
 * U+FFFE, too long, "Other" without CarrierName, bad dates or quantities),
 * WB_BADARG for caller errors, WB_NOSPACE / WB_IOERR for write errors,
 * which are sticky. feedw_error() gives the reason of the last refusal.
 * Never exits.
 * Must never: close or fsync the caller's FILE*, or hold the whole document.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/entities.h>
#include <libxml/globals.h>
#include <libxml/xmlstring.h>

#include "amazon/amazon_xml.h"
#include "amazon/feed_xml.h"
#include "core/strutil.h"
#include "core/wb.h"

enum feed_kind { KIND_FULFILLMENT, KIND_ACK };

struct feedw {
    FILE *out;
    enum feed_kind kind;
    int rc; /* sticky write error */
    long last_id;
    size_t count;
    char why[256]; /* reason of the last refusal */
    char *m;       /* composed text not yet written; the last message may be in progress */
    size_t mlen, mcap;
    long long day;    /* days since the epoch of daytext */
    char daytext[12]; /* "YYYY-MM-DD" of day, "" before the first date */
    char idtext[32];  /* the last MessageID in decimal, right-aligned before a NUL at [31] */
    size_t idstart;   /* where its digits start (0: none yet) */
    long idval;
    int open;          /* a message is begun and not ended */
    size_t open_start; /* where its text starts in m */
    long open_id;      /* its MessageID */
};

/* largest text of one message; its values are bounded by the caller's rows */
#define MSG_MAX ((size_t)16 << 20)
/* composed messages are written in blocks of about this size */
#define BATCH ((size_t)256 << 10)

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

/* scan_text - 2 if the n bytes are printable ASCII (DEL included) without a character XML
 * escapes (copied as they are: the usual case), 1 if they are printable ASCII with such a
 * character, 0 if they hold other bytes (str_text_check decides) */
static inline __attribute__((always_inline)) int scan_text(const char *s, size_t n)
{
    if (!str_bytes_in(s, n, 0x20, 0x7F))
        return 0;
    return str_xml_special(s, n) ? 1 : 2;
}

/* check_text - a text field: present when required (length 0 is absent), and text Amazon's
 * String type holds (str_text_check, at most FEED_STRING_MAX characters); *esc says whether
 * put_elem must escape it (0 for plain printable ASCII without a character XML escapes) */
static inline __attribute__((always_inline)) int
check_text(struct feedw *w, const struct feed_text *t, int required, const char *field, int *esc)
{
    *esc = 0;
    if (!t->n)
        return required ? refuse(w, WB_PERMFAIL, "missing", field) : WB_OK;
    int k = scan_text(t->s, t->n);
    *esc = k != 2;
    if (k == 2 && t->n <= FEED_STRING_MAX)
        return WB_OK;
    char why[128];
    if (!str_text_check(t->s, t->n, FEED_STRING_MAX, why, sizeof why))
        return refuse(w, WB_PERMFAIL, why, field);
    return WB_OK;
}

/* check_string - check_text for a C string (NULL or "" is absent) */
static int check_string(struct feedw *w, const char *s, int required, const char *field, int *esc)
{
    struct feed_text t = {s, s ? strlen(s) : 0};
    return check_text(w, &t, required, field, esc);
}

/* present - 1 if an optional field has a value */
static int present(const char *s)
{
    return s && *s;
}

/* write_status - the sticky status of a failed write or flush, from errno */
static int write_status(int e)
{
    return (e == ENOSPC || e == EFBIG || e == EDQUOT) ? WB_NOSPACE : WB_IOERR;
}

/* out_write - n bytes to the caller's FILE*; a failure becomes the sticky status */
static int out_write(struct feedw *w, const char *p, size_t n)
{
    if (w->rc != WB_OK)
        return w->rc;
    errno = 0;
    if (n && fwrite(p, 1, n, w->out) != n)
        w->rc = write_status(errno);
    return w->rc;
}

/* out_flush - flush the caller's FILE* (kept open); a failure becomes the sticky status */
static void out_flush(struct feedw *w)
{
    errno = 0;
    if (fflush(w->out) != 0 && w->rc == WB_OK)
        w->rc = write_status(errno);
}

/* grow - room's slow path: a larger buffer for n more bytes */
static int grow(struct feedw *w, size_t n)
{
    if (n > MSG_MAX + BATCH - w->mlen)
        return WB_TOOBIG;
    size_t cap = w->mcap ? w->mcap : BATCH + BATCH / 4; /* where it settles: no regrowth */
    while (cap < w->mlen + n)
        cap *= 2;
    char *p = realloc(w->m, cap);
    if (!p)
        return WB_NOMEM;
    w->m = p;
    w->mcap = cap;
    return WB_OK;
}

/* room - make space for n more bytes of message text (the usual case inline) */
static inline int room(struct feedw *w, size_t n)
{
    return n <= w->mcap - w->mlen && n <= MSG_MAX + BATCH - w->mlen ? WB_OK : grow(w, n);
}

/* put - append n bytes to the message being composed */
static inline __attribute__((always_inline)) int put(struct feedw *w, const char *p, size_t n)
{
    int rc = room(w, n);
    if (rc != WB_OK)
        return rc;
    memcpy(w->m + w->mlen, p, n);
    w->mlen += n;
    return WB_OK;
}

#define PUT_LIT(w, lit) put((w), (lit), sizeof(lit) - 1)

/* put_elem - append open, the tlen bytes of text, close: every element of the document is
 * written here (through ELEM). With esc the text (checked by check_text) goes through libxml2's
 * xmlEncodeSpecialChars; without, it holds no character XML escapes and is copied as it is. */
static inline __attribute__((always_inline)) int put_elem(struct feedw *w, const char *open,
                                                          size_t olen, const char *close,
                                                          size_t clen, const char *text,
                                                          size_t tlen, int esc)
{
    xmlChar *e = NULL;
    if (esc) { /* str_text_check has made sure it holds no NUL */
        xmlChar *z = xmlStrndup(BAD_CAST text, (int)(tlen < MSG_MAX ? tlen : MSG_MAX));
        e = z ? xmlEncodeSpecialChars(NULL, z) : NULL;
        xmlFree(z);
        if (!e)
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

/* ELEM - one element on its own line: indent (or the lines before it), tag name and text, which
 * put_elem escapes when esc is set */
#define ELEM(w, indent, name, text, tlen, esc)                                                     \
    put_elem((w), indent "<" name ">", sizeof(indent "<" name ">") - 1, "</" name ">\n",           \
             sizeof("</" name ">\n") - 1, (text), (tlen), (esc))

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

/* message_id_text - v in decimal: the text of the one before counted up by one, the usual case,
 * else written out */
static const char *message_id_text(struct feedw *w, long v)
{
    char *t = w->idtext;
    if (w->idstart && v == w->idval + 1 && v > 0) {
        size_t i = 30;
        while (i >= w->idstart && t[i] == '9')
            t[i--] = '0';
        if (i < w->idstart)
            t[--w->idstart] = '1';
        else
            t[i]++;
    } else {
        w->idstart = (size_t)(decimal(v, t) - t);
    }
    w->idval = v;
    return t + w->idstart;
}

/* length of a FulfillmentDate, "YYYY-MM-DDThh:mm:ssZ" */
#define DATE_LEN 20

/* format_date - t as "YYYY-MM-DDThh:mm:ssZ" into date[DATE_LEN + 1]; the calendar day is
 * computed once per day */
static int format_date(struct feedw *w, time_t t, char *date)
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

/* flush_batch - hand the composed text to the FILE* */
static int flush_batch(struct feedw *w)
{
    if (!w->mlen)
        return w->rc;
    int rc = out_write(w, w->m, w->mlen);
    if (rc != WB_OK)
        rc = refuse(w, rc, "write failed", NULL);
    w->mlen = 0;
    return rc;
}

/* drop_message - a message that could not be composed leaves nothing behind (its text from
 * start on); returns rc, its reason given where the refusal did not give one */
static int drop_message(struct feedw *w, size_t start, int rc)
{
    w->mlen = start;
    if (rc == WB_NOMEM || rc == WB_TOOBIG)
        return refuse(w, rc, rc == WB_NOMEM ? "out of memory" : "message too large", NULL);
    return rc;
}

/* message_done - a message whole in the buffer: counted, and a full block written out */
static int message_done(struct feedw *w, long message_id)
{
    w->last_id = message_id;
    w->count++;
    return w->mlen >= BATCH ? flush_batch(w) : WB_OK;
}

/* feedw_open - start an envelope of message_type */
int feedw_open(struct feedw **wp, FILE *out, const char *message_type, const char *merchant_id)
{
    int rc;
    if (!wp)
        return WB_BADARG;
    *wp = NULL;
    char why[128];
    if (!out || !message_type || !merchant_id || !*merchant_id ||
        !str_text_check(merchant_id, strlen(merchant_id), FEED_STRING_MAX, why, sizeof why))
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
    /* the head waits in the buffer and goes out with the first block of messages */
    if ((rc = PUT_LIT(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<AmazonEnvelope xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                         " xsi:noNamespaceSchemaLocation=\"amzn-envelope.xsd\">\n")) != WB_OK ||
        (rc = ELEM(w, "  <Header>\n    ", "DocumentVersion", "1.01", 4, 0)) != WB_OK ||
        (rc = ELEM(w, "    ", "MerchantIdentifier", merchant_id, strlen(merchant_id), 1)) !=
            WB_OK ||
        (rc = ELEM(w, "  </Header>\n  ", "MessageType", message_type, strlen(message_type), 0)) !=
            WB_OK) {
        free(w->m);
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
    if (w->open)
        return refuse(w, WB_BADARG, "the message begun before is not ended", NULL);
    if (w->kind != kind)
        return refuse(w, WB_BADARG, "message does not match the envelope's MessageType", NULL);
    if (message_id < 1 || message_id <= w->last_id)
        return refuse(w, WB_BADARG, "must be positive and increasing", "MessageID");
    return WB_OK;
}

/* head - a message's text up to its items */
static int head(struct feedw *w, const struct fulfillment_head *h, const char *id, size_t idl,
                const char *date, const int *esc)
{
    const struct feed_text *o = &h->amazon_order_id, *c = &h->carrier_code, *nm = &h->carrier_name,
                           *me = &h->shipping_method, *t = &h->tracking;
    int rc;
    if ((rc = ELEM(w, "  <Message>\n    ", "MessageID", id, idl, 0)) != WB_OK ||
        (rc = ELEM(w, "    <OrderFulfillment>\n      ", "AmazonOrderID", o->s, o->n, esc[0])) !=
            WB_OK ||
        (rc = ELEM(w, "      ", "FulfillmentDate", date, DATE_LEN, 0)) != WB_OK ||
        (rc = ELEM(w, "      <FulfillmentData>\n        ", "CarrierCode", c->s, c->n, esc[1])) !=
            WB_OK ||
        (nm->n && (rc = ELEM(w, "        ", "CarrierName", nm->s, nm->n, esc[2])) != WB_OK) ||
        (me->n && (rc = ELEM(w, "        ", "ShippingMethod", me->s, me->n, esc[3])) != WB_OK) ||
        (t->n && (rc = ELEM(w, "        ", "ShipperTrackingNumber", t->s, t->n, esc[4])) != WB_OK))
        return rc;
    return PUT_LIT(w, "      </FulfillmentData>\n");
}

/* abandon - the begun message is dropped, nothing of it stays; returns rc */
static int abandon(struct feedw *w, int rc)
{
    w->open = 0;
    return drop_message(w, w->open_start, rc);
}

/* feedw_fulfillment_begin - start one OrderFulfillment message */
int feedw_fulfillment_begin(struct feedw *w, const struct fulfillment_head *h)
{
    int rc;
    char date[DATE_LEN + 1];
    if (!h)
        return WB_BADARG;
    if ((rc = begin_check(w, KIND_FULFILLMENT, h->message_id)) != WB_OK)
        return rc;
    const struct feed_text *c = &h->carrier_code, *nm = &h->carrier_name;
    int esc[5];
    if ((rc = check_text(w, &h->amazon_order_id, 1, "AmazonOrderID", &esc[0])) != WB_OK ||
        (rc = check_text(w, c, 1, "CarrierCode", &esc[1])) != WB_OK ||
        (rc = check_text(w, nm, 0, "CarrierName", &esc[2])) != WB_OK ||
        (rc = check_text(w, &h->shipping_method, 0, "ShippingMethod", &esc[3])) != WB_OK ||
        (rc = check_text(w, &h->tracking, 0, "ShipperTrackingNumber", &esc[4])) != WB_OK)
        return rc;
    int other = c->n == 5 && memcmp(c->s, "Other", 5) == 0;
    if (other && !nm->n)
        return refuse(w, WB_PERMFAIL, "required when CarrierCode is Other", "CarrierName");
    if (!other && nm->n)
        return refuse(w, WB_BADARG, "only allowed when CarrierCode is Other", "CarrierName");
    if (format_date(w, h->fulfillment_date, date) != WB_OK)
        return refuse(w, WB_PERMFAIL, "out of range", "FulfillmentDate");
    const char *id = message_id_text(w, h->message_id);
    size_t idl = (size_t)(w->idtext + 31 - id);
    w->open_start = w->mlen;
    w->open_id = h->message_id;
    w->open = 1;
    rc = head(w, h, id, idl, date, esc);
    return rc == WB_OK ? WB_OK : abandon(w, rc);
}

/* feedw_fulfillment_item - one Item of the begun message */
int feedw_fulfillment_item(struct feedw *w, const char *code, size_t n, long quantity)
{
    int rc;
    if (!w)
        return WB_BADARG;
    if (!w->open)
        return refuse(w, WB_BADARG, "no message begun", "Item");
    struct feed_text t = {code, n};
    int esc;
    if ((rc = check_text(w, &t, 1, "AmazonOrderItemCode", &esc)) != WB_OK)
        return abandon(w, rc);
    if (quantity < 1)
        return abandon(w, refuse(w, WB_PERMFAIL, "must be at least 1", "Quantity"));
    char num[32];
    const char *qty = decimal(quantity, num);
    size_t ql = (size_t)(num + 31 - qty);
    if ((rc = ELEM(w, "      <Item>\n        ", "AmazonOrderItemCode", code, n, esc)) != WB_OK ||
        (rc = ELEM(w, "        ", "Quantity", qty, ql, 0)) != WB_OK ||
        (rc = PUT_LIT(w, "      </Item>\n")) != WB_OK)
        return abandon(w, rc);
    return WB_OK;
}

/* feedw_fulfillment_end - complete the begun message */
int feedw_fulfillment_end(struct feedw *w)
{
    if (!w)
        return WB_BADARG;
    if (!w->open)
        return refuse(w, WB_BADARG, "no message begun", NULL);
    int rc = PUT_LIT(w, "    </OrderFulfillment>\n  </Message>\n");
    if (rc != WB_OK)
        return abandon(w, rc);
    w->open = 0;
    return message_done(w, w->open_id);
}

/* text - a C string (NULL: absent) as a feed_text */
static struct feed_text text(const char *s)
{
    struct feed_text t = {s, s ? strlen(s) : 0};
    return t;
}

/* feedw_fulfillment - append one OrderFulfillment message: begin, items, end */
int feedw_fulfillment(struct feedw *w, const struct fulfillment_msg *m)
{
    if (!m)
        return WB_BADARG;
    if (m->nitems && !m->items)
        return refuse(w, WB_BADARG, "items missing", "Item");
    struct fulfillment_head h = {.message_id = m->message_id,
                                 .fulfillment_date = m->fulfillment_date,
                                 .amazon_order_id = text(m->amazon_order_id),
                                 .carrier_code = text(m->carrier_code),
                                 .carrier_name = text(m->carrier_name),
                                 .shipping_method = text(m->shipping_method),
                                 .tracking = text(m->tracking)};
    int rc = feedw_fulfillment_begin(w, &h);
    for (size_t i = 0; rc == WB_OK && i < m->nitems; i++) {
        const char *code = m->items[i].order_item_code;
        rc = feedw_fulfillment_item(w, code, code ? strlen(code) : 0, m->items[i].quantity);
    }
    return rc == WB_OK ? feedw_fulfillment_end(w) : rc;
}

/* the CancelReason values OrderAcknowledgement.xsd allows */
static const char *const cancel_reasons[] = {
    "NoInventory",
    "ShippingAddressUndeliverable",
    "CustomerExchange",
    "BuyerCanceled",
    "GeneralAdjustment",
    "CarrierCreditDecision",
    "CarrierCoverageFailure",
    "RiskAssessmentInformationNotValid",
    "CustomerReturn",
    "MerchandiseNotReceived",
    "CannotVerifyInformation",
    "PricingError",
    "RejectOrder",
    "WeatherDelay",
};

/* feed_cancel_reason_ok - s is an allowed CancelReason */
int feed_cancel_reason_ok(const char *s)
{
    for (size_t i = 0; s && i < sizeof cancel_reasons / sizeof cancel_reasons[0]; i++)
        if (strcmp(s, cancel_reasons[i]) == 0)
            return 1;
    return 0;
}

/* feed_cancel_reason_at - the i-th allowed CancelReason */
const char *feed_cancel_reason_at(size_t i)
{
    return i < sizeof cancel_reasons / sizeof cancel_reasons[0] ? cancel_reasons[i] : NULL;
}

/* ack_items - the Item elements of an OrderAcknowledgement message */
static int ack_items(struct feedw *w, const struct ack_msg *m)
{
    int rc = WB_OK, esc;
    for (size_t i = 0; rc == WB_OK && i < m->nitems; i++) {
        const struct ack_item *it = &m->items[i];
        const char *cr = it->cancel_reason;
        if ((rc = check_string(w, it->order_item_code, 1, "AmazonOrderItemCode", &esc)) != WB_OK)
            break;
        if (present(cr) && !feed_cancel_reason_ok(cr)) {
            rc = refuse(w, WB_BADARG, "is not a CancelReason Amazon accepts", "CancelReason");
            break;
        }
        if ((rc = ELEM(w, "      <Item>\n        ", "AmazonOrderItemCode", it->order_item_code,
                       strlen(it->order_item_code), esc)) != WB_OK ||
            (present(cr) && (rc = ELEM(w, "        ", "CancelReason", cr, strlen(cr), 0)) != WB_OK))
            break;
        rc = PUT_LIT(w, "      </Item>\n");
    }
    return rc;
}

/* feedw_ack - append one OrderAcknowledgement message */
int feedw_ack(struct feedw *w, const struct ack_msg *m)
{
    int rc, esc_o, esc_m;
    if (!m)
        return WB_BADARG;
    if ((rc = begin_check(w, KIND_ACK, m->message_id)) != WB_OK ||
        (rc = check_string(w, m->amazon_order_id, 1, "AmazonOrderID", &esc_o)) != WB_OK ||
        (rc = check_string(w, m->merchant_order_id, 0, "MerchantOrderID", &esc_m)) != WB_OK)
        return rc;
    if (!m->status || (strcmp(m->status, "Success") != 0 && strcmp(m->status, "Failure") != 0))
        return refuse(w, WB_BADARG, "must be Success or Failure", "StatusCode");
    if (m->nitems && !m->items)
        return refuse(w, WB_BADARG, "items missing", "Item");

    char num[32];
    const char *id = decimal(m->message_id, num);
    const char *mo = m->merchant_order_id;
    size_t start = w->mlen;
    if ((rc = ELEM(w, "  <Message>\n    ", "MessageID", id, (size_t)(num + 31 - id), 0)) != WB_OK ||
        (rc = ELEM(w, "    <OrderAcknowledgement>\n      ", "AmazonOrderID", m->amazon_order_id,
                   strlen(m->amazon_order_id), esc_o)) != WB_OK ||
        (present(mo) &&
         (rc = ELEM(w, "      ", "MerchantOrderID", mo, strlen(mo), esc_m)) != WB_OK) ||
        (rc = ELEM(w, "      ", "StatusCode", m->status, strlen(m->status), 0)) != WB_OK ||
        (m->nitems && (rc = ack_items(w, m)) != WB_OK) ||
        (rc = PUT_LIT(w, "    </OrderAcknowledgement>\n  </Message>\n")) != WB_OK)
        return drop_message(w, start, rc);
    return message_done(w, m->message_id);
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
    int dropped = w->open;
    if (dropped) /* never half a message in the document */
        abandon(w, WB_BADARG);
    if (w->rc == WB_OK) {
        int r = PUT_LIT(w, "</AmazonEnvelope>\n");
        if (r != WB_OK)
            w->rc = r;
        else
            flush_batch(w);
    }
    out_flush(w);
    int rc = w->rc == WB_OK && dropped ? WB_BADARG : w->rc;
    free(w->m);
    free(w);
    return rc;
}
