/*
 * listings_json.c - JSON_LISTINGS_FEED quantity documents (see listings_json.h).
 *
 * Owns the header text (made by jansson), the fixed text of a message, a
 * jansson string for SKUs that need escaping, and one output block.
 * Must never write a message it refused, a document without messages, or
 * more than per_doc messages in one document; never exits.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "amazon/listings_json.h"
#include "core/buf.h"
#include "core/strutil.h"
#include "core/wb.h"

#define BLOCK ((size_t)256 << 10)
#define SKU_MAX_CHARS 40

struct lfeedw {
    FILE *out;
    long per_doc;
    long in_doc; /* messages in the open document; 0: none open */
    long docs;
    int err;      /* sticky write error */
    char *header; /* {"header":{...},"messages":[ */
    json_t *str;  /* a string encoded by jansson */
    struct buf block;
};

/* flush - hand the block to the stream */
static int flush(struct lfeedw *w)
{
    if (w->err)
        return w->err;
    if (w->block.len && fwrite(w->block.data, 1, w->block.len, w->out) != w->block.len)
        w->err = wb_errno_status(errno ? errno : EIO);
    buf_reset(&w->block);
    return w->err;
}

/* put - append n bytes to the block, flushing it when full */
static int put(struct lfeedw *w, const char *s, size_t n)
{
    if (w->block.len + n > BLOCK && flush(w) != WB_OK)
        return w->err;
    if (buf_append(&w->block, s, n) != WB_OK)
        return WB_NOMEM;
    return WB_OK;
}

/* the fixed text of a quantity message around its messageId, SKU and quantity */
static const char msg_head[] = "{\"messageId\":";
static const char msg_sku[] = ",\"sku\":";
static const char msg_patch[] =
    ",\"operationType\":\"PATCH\",\"productType\":\"PRODUCT\",\"patches\":[{\"op\":\"merge\","
    "\"path\":\"/attributes/fulfillment_availability\",\"value\":[{\"fulfillment_channel_"
    "code\":\"DEFAULT\",\"quantity\":";
static const char msg_tail[] = "}]}]}";

/* put_int - the decimal digits of v >= 0 */
static int put_int(struct lfeedw *w, long long v)
{
    char d[24];
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return put(w, d + i, sizeof d - i);
}

/* put_string - s (n bytes of valid UTF-8) as a JSON string: printable ASCII without '"' or
 * '\\' as it is, anything else encoded by jansson */
static int put_string(struct lfeedw *w, const char *s, size_t n)
{
    if (str_bytes_in(s, n, 0x20, 0x7E) && !memchr(s, '"', n) && !memchr(s, '\\', n)) {
        int rc = put(w, "\"", 1);
        if (rc == WB_OK)
            rc = put(w, s, n);
        return rc == WB_OK ? put(w, "\"", 1) : rc;
    }
    if (json_string_setn(w->str, s, n))
        return WB_NOMEM;
    char *text = json_dumps(w->str, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text)
        return WB_NOMEM;
    int rc = put(w, text, strlen(text));
    free(text);
    return rc;
}

/* make_header - the document's opening text */
static int make_header(struct lfeedw *w, const char *seller_id)
{
    json_t *h = json_pack("{s:s, s:s, s:s}", "sellerId", seller_id, "version", "2.0", "issueLocale",
                          LISTINGS_JSON_LOCALE);
    if (!h)
        return WB_BADARG; /* seller_id not UTF-8 */
    char *text = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    if (!text)
        return WB_NOMEM;
    struct buf b;
    buf_init(&b, 4096 + strlen(text));
    int rc = buf_appendf(&b, "{\"header\":%s,\"messages\":[\n", text);
    free(text);
    if (rc != WB_OK) {
        buf_free(&b);
        return rc;
    }
    w->header = buf_detach(&b);
    return w->header ? WB_OK : WB_NOMEM;
}

/* lfeedw_open - a writer onto out */
int lfeedw_open(struct lfeedw **wp, FILE *out, const char *seller_id, long per_doc)
{
    *wp = NULL;
    if (!out || !seller_id || !*seller_id || per_doc < 1 || per_doc > LISTINGS_JSON_MAX_MESSAGES)
        return WB_BADARG;
    struct lfeedw *w = calloc(1, sizeof *w);
    if (!w)
        return WB_NOMEM;
    w->out = out;
    w->per_doc = per_doc;
    buf_init(&w->block, BLOCK + 4096);
    w->str = json_string("");
    int rc = w->str ? make_header(w, seller_id) : WB_NOMEM;
    if (rc != WB_OK) {
        w->err = WB_OK;
        w->out = NULL;
        lfeedw_close(w);
        return rc;
    }
    *wp = w;
    return WB_OK;
}

/* end_doc - close the open document */
static int end_doc(struct lfeedw *w)
{
    if (!w->in_doc)
        return WB_OK;
    w->in_doc = 0;
    return put(w, "\n]}\n", 4);
}

/* lfeedw_quantity - one message setting sku's quantity */
int lfeedw_quantity(struct lfeedw *w, const char *sku, long long quantity, long *message_id)
{
    if (w->err)
        return w->err;
    char why[128];
    size_t n = sku ? strlen(sku) : 0;
    if (n == 0 || !str_text_check(sku, n, SKU_MAX_CHARS, why, sizeof why) || quantity < 0 ||
        quantity > LISTINGS_JSON_QTY_MAX)
        return WB_PERMFAIL;
    int rc;
    if (w->in_doc == w->per_doc && (rc = end_doc(w)) != WB_OK)
        return rc;
    if (!w->in_doc) {
        if ((rc = put(w, w->header, strlen(w->header))) != WB_OK)
            return rc;
        w->docs++;
    } else if ((rc = put(w, ",\n", 2)) != WB_OK) {
        return rc;
    }
    long id = w->in_doc + 1;
    if ((rc = put(w, msg_head, sizeof msg_head - 1)) != WB_OK || (rc = put_int(w, id)) != WB_OK ||
        (rc = put(w, msg_sku, sizeof msg_sku - 1)) != WB_OK ||
        (rc = put_string(w, sku, n)) != WB_OK ||
        (rc = put(w, msg_patch, sizeof msg_patch - 1)) != WB_OK ||
        (rc = put_int(w, quantity)) != WB_OK ||
        (rc = put(w, msg_tail, sizeof msg_tail - 1)) != WB_OK)
        return rc;
    w->in_doc = id;
    if (message_id)
        *message_id = id;
    return WB_OK;
}

/* lfeedw_documents - documents begun so far */
long lfeedw_documents(const struct lfeedw *w)
{
    return w->docs;
}

/* lfeedw_close - end, flush, release */
int lfeedw_close(struct lfeedw *w)
{
    if (!w)
        return WB_OK;
    int rc = WB_OK;
    if (w->out) {
        rc = end_doc(w);
        int frc = flush(w);
        if (rc == WB_OK)
            rc = frc;
    }
    json_decref(w->str);
    free(w->header);
    buf_free(&w->block);
    free(w);
    return rc;
}
