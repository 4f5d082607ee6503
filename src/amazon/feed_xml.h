/*
 * feed_xml.h - streaming writer of Amazon XML feed documents.
 *
 * Owns one AmazonEnvelope being written to a caller's FILE* (OrderFulfillment
 * or OrderAcknowledgement messages). Memory stays constant whatever the number
 * of messages. A message is held until it is complete: one refused in any
 * part (its head, an item) leaves nothing of itself, and the document intact.
 * Error contract: WB_PERMFAIL for content Amazon cannot take (text that
 * fails str_text_check: bad UTF-8, control characters, U+FFFE, more than
 * FEED_STRING_MAX characters; missing carrier name for "Other", bad dates or
 * quantities), WB_BADARG for caller errors, WB_NOSPACE / WB_IOERR for write
 * errors (sticky: every later call returns the same). Never exits.
 * Must never: close or fsync the caller's FILE*, or buffer the whole document.
 */
#ifndef WB_AMAZON_FEED_XML_H
#define WB_AMAZON_FEED_XML_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct feedw;

/* Amazon's String type (amzn-base.xsd), which every text value of a feed has or fits: at most
 * this many characters */
#define FEED_STRING_MAX 50

struct fulfillment_item {
    const char *order_item_code; /* AmazonOrderItemCode */
    long quantity;               /* >= 1 */
};

struct fulfillment_msg {
    long message_id; /* >= 1, strictly increasing within one document */
    const char *amazon_order_id;
    time_t fulfillment_date;     /* written as UTC xsd:dateTime */
    const char *carrier_code;    /* exact Amazon code, or "Other" */
    const char *carrier_name;    /* required when carrier_code is "Other", else NULL */
    const char *shipping_method; /* may be NULL */
    const char *tracking;        /* may be NULL */
    const struct fulfillment_item *items;
    size_t nitems; /* 0: the whole order */
};

/* a text value given by its length (s may be NULL when n is 0; n 0 means absent) */
struct feed_text {
    const char *s;
    size_t n;
};

/* the head of an OrderFulfillment message composed item by item (feedw_fulfillment_begin) */
struct fulfillment_head {
    long message_id; /* as in struct fulfillment_msg */
    time_t fulfillment_date;
    struct feed_text amazon_order_id, carrier_code, carrier_name, shipping_method, tracking;
};

/* one Item of an OrderAcknowledgement: the line it is about and why it is cancelled */
struct ack_item {
    const char *order_item_code; /* AmazonOrderItemCode */
    const char *cancel_reason;   /* one of Amazon's CancelReason values, or NULL */
};

struct ack_msg {
    long message_id; /* >= 1, strictly increasing within one document */
    const char *amazon_order_id;
    const char *merchant_order_id; /* may be NULL */
    const char *status;            /* "Success" or "Failure" */
    const struct ack_item *items;  /* NULL when nitems is 0: the whole order */
    size_t nitems;
};

/* feed_cancel_reason_ok - 1 if s is one of the CancelReason values of OrderAcknowledgement.xsd */
int feed_cancel_reason_ok(const char *s);
/* feed_cancel_reason_at - the i-th of those values, NULL past the last */
const char *feed_cancel_reason_at(size_t i);

/* feedw_open - start an envelope of message_type ("OrderFulfillment" | "OrderAcknowledgement") */
int feedw_open(struct feedw **w, FILE *out, const char *message_type, const char *merchant_id);
/* feedw_fulfillment - append one OrderFulfillment message */
int feedw_fulfillment(struct feedw *w, const struct fulfillment_msg *m);
/* feedw_fulfillment_begin - start one OrderFulfillment message; its items follow with
 * feedw_fulfillment_item, feedw_fulfillment_end completes it (feedw_fulfillment in parts, for a
 * caller whose items arrive one at a time). A refused part drops the whole message. */
int feedw_fulfillment_begin(struct feedw *w, const struct fulfillment_head *h);
/* feedw_fulfillment_item - one Item of the begun message: the code's n bytes and a quantity */
int feedw_fulfillment_item(struct feedw *w, const char *code, size_t n, long quantity);
/* feedw_fulfillment_end - complete the begun message */
int feedw_fulfillment_end(struct feedw *w);
/* feedw_ack - append one OrderAcknowledgement message */
int feedw_ack(struct feedw *w, const struct ack_msg *m);
/* feedw_messages - number of messages written so far (an envelope needs at least one) */
size_t feedw_messages(const struct feedw *w);
/* feedw_error - the reason of the last refused call, for the reject reason ("" if none) */
const char *feedw_error(const struct feedw *w);
/* feedw_close - end the envelope, flush, free w; write errors -> WB_IOERR / WB_NOSPACE; a
 * message begun and not ended is dropped (WB_BADARG) */
int feedw_close(struct feedw *w);

#endif
