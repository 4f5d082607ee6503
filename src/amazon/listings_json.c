/*
 * listings_json.c - JSON_LISTINGS_FEED quantity documents (see listings_json.h).
 *
 * Owns the message template (a jansson object whose sku, messageId and
 * quantity are set per message), the header text and one output block.
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
    json_t *msg;  /* the message template */
    json_t *id;   /* its messageId, sku and quantity values */
    json_t *sku;
    json_t *qty;
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

/* make_template - the message object every quantity message is a copy of */
static int make_template(struct lfeedw *w)
{
    w->id = json_integer(1);
    w->sku = json_string("X");
    w->qty = json_integer(0);
    json_t *avail = json_object();
    json_t *value = json_array();
    json_t *patch = json_object();
    json_t *patches = json_array();
    w->msg = json_object();
    int bad = !w->id || !w->sku || !w->qty || !avail || !value || !patch || !patches || !w->msg;
    if (!bad) {
        bad |= json_object_set_new(avail, "fulfillment_channel_code", json_string("DEFAULT"));
        bad |= json_object_set(avail, "quantity", w->qty);
        bad |= json_array_append(value, avail);
        bad |= json_object_set_new(patch, "op", json_string("merge"));
        bad |=
            json_object_set_new(patch, "path", json_string("/attributes/fulfillment_availability"));
        bad |= json_object_set(patch, "value", value);
        bad |= json_array_append(patches, patch);
        bad |= json_object_set(w->msg, "messageId", w->id);
        bad |= json_object_set(w->msg, "sku", w->sku);
        bad |= json_object_set_new(w->msg, "operationType", json_string("PATCH"));
        bad |= json_object_set_new(w->msg, "productType", json_string("PRODUCT"));
        bad |= json_object_set(w->msg, "patches", patches);
    }
    json_decref(avail);
    json_decref(value);
    json_decref(patch);
    json_decref(patches);
    return bad ? WB_NOMEM : WB_OK;
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
    int rc = make_template(w);
    if (rc == WB_OK)
        rc = make_header(w, seller_id);
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
    if (json_integer_set(w->id, id) || json_string_setn(w->sku, sku, n) ||
        json_integer_set(w->qty, quantity))
        return WB_NOMEM;
    char tmp[512];
    size_t k = json_dumpb(w->msg, tmp, sizeof tmp, JSON_COMPACT);
    if (k == 0)
        return WB_NOMEM;
    if (k > sizeof tmp) { /* a long SKU full of escapes: a heap copy */
        char *big = json_dumps(w->msg, JSON_COMPACT);
        if (!big)
            return WB_NOMEM;
        rc = put(w, big, strlen(big));
        free(big);
    } else {
        rc = put(w, tmp, k);
    }
    if (rc != WB_OK)
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
    json_decref(w->msg);
    json_decref(w->id);
    json_decref(w->sku);
    json_decref(w->qty);
    free(w->header);
    buf_free(&w->block);
    free(w);
    return rc;
}
