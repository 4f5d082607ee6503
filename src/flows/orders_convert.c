/*
 * orders_convert.c - `wmsbridge convert orders`: searchOrders answers on a
 * stream (concatenated JSON values, or one JSON array of them) become the WMS
 * order file on another stream; orders the gate holds, and orders or lines
 * that are not for the WMS, go to a rejects stream as JSON lines (order id,
 * item id, code, reason, held). Pure: no spool, no ledger, no network.
 *
 * Streaming: the input is read in chunks and each answer (page) parsed where
 * it lies, one at a time in memory, each at most ORDERS_PAGE_MAX bytes; the run remembers each
 * order's last update (up to ORDERS_MEMO_MAX orders) so an order that changes between pages becomes
 * an amendment or a cancellation and an older copy never undoes a newer one. Returns WB_OK when
 * every order passed, WB_PERMFAIL when some were held, WB_NOINPUT when the input is not JSON
 * (orders before the break are written), other codes for I/O; never exits.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/wb.h"
#include "flows/orders.h"
#include "flows/orders_flow.h"
#include "layout/layout.h"
#include "maps/strmap.h"

#define ORDERS_PAGE_MAX ((size_t)256 << 20)
#define ORDERS_MEMO_MAX ((size_t)1 << 22)
#define ORDERS_CHUNK ((size_t)1 << 20) /* bytes read at a time */

struct oconv {
    const struct orders_rules *r;
    struct csvw *w;
    FILE *rej;
    struct strmap *memo; /* order id -> struct orders_seen */
    struct orders_order *o;
    struct flow_convert_stats *st;
    struct buf *err;
};

/* note - one JSON line to the rejects stream */
static int note(struct oconv *c, const char *order_id, const struct orders_verdict *v, int held)
{
    if (held)
        c->st->rejected++;
    if (!c->rej)
        return WB_OK;
    json_t *j = json_object();
    if (!j)
        return WB_NOMEM;
    int bad = json_object_set_new(j, "order_id", json_string(order_id ? order_id : ""));
    if (v->item_id)
        bad |= json_object_set_new(j, "order_item_id", json_string(v->item_id));
    bad |= json_object_set_new(j, "code", json_string(v->code));
    bad |= json_object_set_new(j, "reason", json_string(v->reason));
    bad |= json_object_set_new(j, "held", json_boolean(held));
    int rc = bad ? WB_NOMEM : WB_OK;
    if (rc == WB_OK && (json_dumpf(j, c->rej, JSON_COMPACT) != 0 || fputc('\n', c->rej) == EOF))
        rc = WB_IOERR;
    json_decref(j);
    return rc;
}

/* put_row - orders_rows callback: one row of the WMS file */
static int put_row(void *arg, const char *const *cells, size_t n)
{
    struct oconv *c = arg;
    c->st->messages++;
    return csvw_row(c->w, cells, n);
}

/* remember - the memo's entry for the order (created when there is room) */
static struct orders_seen *remember(struct oconv *c, const char *order_id)
{
    struct orders_seen *s = strmap_get(c->memo, order_id);
    if (s || strmap_count(c->memo) >= ORDERS_MEMO_MAX)
        return s;
    if (!(s = calloc(1, sizeof *s)))
        return NULL;
    if (strmap_put(c->memo, order_id, s, NULL) != WB_OK) {
        free(s);
        return NULL;
    }
    return s;
}

/* cancelled_lines - a note for each line left out because Amazon cancelled it */
static int cancelled_lines(struct oconv *c, const struct orders_order *o)
{
    for (size_t i = 0; i < o->nlines; i++) {
        if (!o->line[i].cancelled)
            continue;
        struct orders_verdict v = {.item_id = o->line[i].item_id};
        snprintf(v.code, sizeof v.code, "E_LINE_CANCELLED");
        snprintf(v.reason, sizeof v.reason,
                 "order %s line %s: cancelled (or nothing left to ship); left out of the file",
                 o->order_id, o->line[i].item_id);
        int rc = note(c, o->order_id, &v, 0);
        if (rc != WB_OK)
            return rc;
    }
    return WB_OK;
}

/* one_order - an Order object through the gate and the memo to the file or the rejects */
static int one_order(struct oconv *c, const json_t *j)
{
    struct orders_order *o = c->o;
    struct orders_verdict v;
    c->st->rows++;
    if (orders_read(j, o, &v) != WB_OK)
        return note(c, o->order_id, &v, 1);
    struct orders_seen *prev = strmap_get(c->memo, o->order_id);
    if (prev && o->updated < prev->updated) {
        snprintf(v.code, sizeof v.code, "E_ORDER_STALE");
        snprintf(v.reason, sizeof v.reason,
                 "order %s: an update older than one already taken; it changes nothing",
                 o->order_id);
        return note(c, o->order_id, &v, 0);
    }
    enum orders_state state = orders_state(o);
    uint64_t digest = 0;
    if (state == ORDERS_SHIPPABLE && (!prev || o->updated > prev->updated)) {
        int rc = orders_gate(c->r, o, &v);
        if (rc == WB_OK)
            rc = orders_rows(c->r, o, ORDERS_NEW, NULL, NULL, &digest, &v);
        if (rc != WB_OK) {
            struct orders_seen *s = remember(c, o->order_id);
            if (s)
                s->updated = o->updated; /* its older copies stay stale; a newer one is seen */
            return rc == WB_PERMFAIL ? note(c, o->order_id, &v, 1) : rc;
        }
    }
    enum orders_action act = orders_decide(prev, o->updated, state, digest);
    struct orders_seen *s = remember(c, o->order_id);
    if (s) {
        s->updated = o->updated;
        if (act == ORDERS_WRITE_NEW || act == ORDERS_WRITE_AMEND)
            *s = (struct orders_seen){o->updated, digest, 1, 0};
        else if (act == ORDERS_WRITE_CANCEL || (act == ORDERS_SKIP && state == ORDERS_CANCELLED))
            s->written = 0, s->cancelled = 1;
    }
    if (act == ORDERS_SAME || act == ORDERS_STALE)
        return WB_OK;
    if (act == ORDERS_SKIP) {
        v = (struct orders_verdict){0};
        int cancelled = state == ORDERS_CANCELLED;
        snprintf(v.code, sizeof v.code, cancelled ? "E_ORDER_CANCELLED" : "E_ORDER_NOT_OURS");
        snprintf(v.reason, sizeof v.reason, "order %s: %s; not for the WMS", o->order_id,
                 cancelled ? "cancelled before it reached the WMS"
                           : "not an unshipped merchant-fulfilled order");
        return note(c, o->order_id, &v, 0);
    }
    enum orders_record rec = act == ORDERS_WRITE_NEW     ? ORDERS_NEW
                             : act == ORDERS_WRITE_AMEND ? ORDERS_AMEND
                                                         : ORDERS_CANCEL;
    c->st->good++;
    int rc = orders_rows(c->r, o, rec, put_row, c, NULL, &v);
    if (rc == WB_OK && rec != ORDERS_CANCEL)
        rc = cancelled_lines(c, o);
    return rc;
}

/* one_page - a searchOrders answer: its orders in turn */
static int one_page(struct oconv *c, const json_t *page, long long at)
{
    const json_t *orders = json_is_object(page) ? json_object_get(page, "orders") : NULL;
    if (!json_is_array(orders)) {
        buf_appendf(c->err,
                    "input byte %lld: a value that is not a searchOrders answer (an "
                    "object with an 'orders' array)\n",
                    at);
        struct orders_verdict v = {.code = "E_ORDER_JSON"};
        snprintf(v.reason, sizeof v.reason,
                 "input byte %lld: not a searchOrders answer; its orders, if any, are not read",
                 at);
        c->st->rejected++;
        return note(c, NULL, &v, 0);
    }
    size_t i;
    const json_t *j;
    json_array_foreach(orders, i, j)
    {
        int rc = one_order(c, j);
        if (rc != WB_OK)
            return rc;
    }
    return WB_OK;
}

/* json_error - a value that cannot be read: the reason to stderr and the rejects */
static int json_error(struct oconv *c, long long at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int json_error(struct oconv *c, long long at, const char *fmt, ...)
{
    struct orders_verdict v = {.code = "E_ORDER_JSON"};
    int k = snprintf(v.reason, sizeof v.reason, "input byte %lld: ", at);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v.reason + k, sizeof v.reason - (size_t)k, fmt, ap);
    va_end(ap);
    buf_appendf(c->err, "%s\n", v.reason);
    int rc = note(c, NULL, &v, 0);
    return rc != WB_OK ? rc : WB_NOINPUT;
}

/* fill - read at least want more bytes (or to the end) onto b; *eof at the end of the input */
static int fill(struct buf *b, FILE *in, size_t want, int *eof)
{
    char chunk[65536];
    size_t got = 0;
    while (got < want) {
        size_t k = fread(chunk, 1, sizeof chunk, in);
        if (k == 0) {
            if (ferror(in))
                return WB_IOERR;
            *eof = 1;
            break;
        }
        int rc = buf_append(b, chunk, k);
        if (rc != WB_OK)
            return rc;
        got += k;
    }
    return WB_OK;
}

/* read_values - every JSON value of the input in turn: read in chunks, each value parsed where
 * it lies (JSON_DISABLE_EOF_CHECK says how many bytes it took); a value cut by the end of what
 * was read is parsed again once more has come */
static int read_values(struct oconv *c, FILE *in)
{
    struct buf b;
    buf_init(&b, ORDERS_PAGE_MAX + ORDERS_CHUNK);
    size_t pos = 0;
    long long base = 0; /* input offset of b.data[0] */
    int eof = 0, rc = WB_OK;
    while (rc == WB_OK) {
        while (pos < b.len && (b.data[pos] == ' ' || b.data[pos] == '\n' || b.data[pos] == '\r' ||
                               b.data[pos] == '\t'))
            pos++;
        size_t left = b.len - pos;
        if (left == 0 && eof)
            break;
        json_error_t je;
        json_t *v = left ? json_loadb(b.data + pos, left, JSON_DISABLE_EOF_CHECK, &je) : NULL;
        if (!v) {
            /* an error within the last bytes read may be a value not read whole yet */
            int cut = !left || (size_t)je.position + 64 >= left;
            if (cut && !eof) {
                if (left >= ORDERS_PAGE_MAX) {
                    rc = json_error(c, base + (long long)pos, "a JSON value larger than %zu MiB",
                                    ORDERS_PAGE_MAX >> 20);
                    break;
                }
                if (left)
                    memmove(b.data, b.data + pos, left);
                b.len = left;
                base += (long long)pos;
                pos = 0;
                rc = fill(&b, in, left > ORDERS_CHUNK ? left : ORDERS_CHUNK, &eof);
                continue;
            }
            rc = json_error(c, base + (long long)pos,
                            "malformed or truncated JSON (line %d, column %d of that value: %s); "
                            "nothing after it was read",
                            je.line, je.column, je.text);
            break;
        }
        long long at = base + (long long)pos;
        pos += (size_t)je.position;
        if (json_is_array(v)) {
            size_t i;
            const json_t *page;
            json_array_foreach(v, i, page)
            {
                if ((rc = one_page(c, page, at)) != WB_OK)
                    break;
            }
        } else {
            rc = one_page(c, v, at);
        }
        json_decref(v);
    }
    buf_free(&b);
    return rc;
}

/* orders_convert - see orders_flow.h */
int orders_convert(const struct orders_rules *r, FILE *in, FILE *out, FILE *rejects,
                   struct flow_convert_stats *st, struct buf *err)
{
    memset(st, 0, sizeof *st);
    struct oconv c = {.r = r, .rej = rejects, .st = st, .err = err};
    int rc = csvw_open(&c.w, r->layout, out, 0);
    if (rc != WB_OK)
        return rc;
    c.memo = strmap_new(1024);
    c.o = malloc(sizeof *c.o);
    if (!c.memo || !c.o)
        rc = WB_NOMEM;
    if (rc == WB_OK)
        rc = csvw_header(c.w);
    if (rc == WB_OK)
        rc = read_values(&c, in);
    int crc = csvw_close(c.w);
    if (rc == WB_OK)
        rc = crc;
    size_t pos = 0;
    void *val;
    while (strmap_next(c.memo, &pos, NULL, &val))
        free(val);
    strmap_free(c.memo);
    free(c.o);
    if (rc == WB_OK && st->rejected)
        rc = WB_PERMFAIL;
    return rc;
}
