/*
 * listings_json.h - streaming writer of JSON_LISTINGS_FEED documents that set
 * a SKU's quantity (Amazon's listings feed schema v2, ../shared/amazon/json/).
 *
 * Each message is a PATCH of productType PRODUCT whose one patch is
 *   {"op": "merge", "path": "/attributes/fulfillment_availability",
 *    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": N}]}
 * (merge changes the quantity alone, leaving restock date and lead time as they
 * are). messageId counts from 1 in each document. A document holds at most
 * LISTINGS_JSON_MAX_MESSAGES messages; with more, the writer ends it and
 * starts the next one on the same stream (a sequence of documents, each on its
 * own lines). Memory stays constant: the header is made by jansson, a
 * message is its fixed text around messageId, SKU (encoded by jansson when
 * it needs escaping) and quantity; output goes out in blocks. Error contract: WB_PERMFAIL for a SKU
 * Amazon cannot take (empty, over 40 characters, control characters, invalid UTF-8) or a quantity
 * out of range, nothing of that message written; WB_NOSPACE / WB_IOERR for write errors (sticky);
 * WB_NOMEM. Never exits; never closes or fsyncs the caller's FILE*.
 */
#ifndef WB_AMAZON_LISTINGS_JSON_H
#define WB_AMAZON_LISTINGS_JSON_H

#include <stdio.h>

#define LISTINGS_JSON_MAX_MESSAGES 25000 /* Amazon's limit per feed */
#define LISTINGS_JSON_QTY_MAX 2147483647LL
#define LISTINGS_JSON_LOCALE "en_US"

struct lfeedw;

/* lfeedw_open - a writer of documents for seller_id onto out, at most per_doc messages each
 * (1..LISTINGS_JSON_MAX_MESSAGES); nothing is written before the first message */
int lfeedw_open(struct lfeedw **w, FILE *out, const char *seller_id, long per_doc);
/* lfeedw_quantity - one message setting sku's quantity; *message_id (may be NULL) gets its id */
int lfeedw_quantity(struct lfeedw *w, const char *sku, long long quantity, long *message_id);
/* lfeedw_documents - documents begun so far */
long lfeedw_documents(const struct lfeedw *w);
/* lfeedw_close - end the open document, flush, release; the first error of the writer */
int lfeedw_close(struct lfeedw *w);

#endif
