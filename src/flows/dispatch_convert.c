/*
 * dispatch_convert.c - `wmsbridge convert dispatch`: a WMS dispatch CSV on a
 * stream becomes an OrderFulfillment feed on another stream, rejected rows go
 * to a reject file. Pure: no spool, no ledger, no network.
 *
 * Streaming with bounded memory: consecutive rows with the same order and
 * tracking form one message; duplicates are found among the last
 * DISPATCH_DUP_WINDOW keys (the spool path finds every duplicate through the
 * ledger). Returns WB_OK when every row converted, WB_PERMFAIL when some rows
 * (or the whole file) were rejected, other codes for I/O; never exits.
 */
#include <stdlib.h>
#include <string.h>

#include "amazon/feed_xml.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/dispatch.h"
#include "flows/dispatch_convert.h"
#include "flows/keyset.h"
#include "flows/rejects.h"
#include "layout/layout.h"

#define GROUP_MAX DISPATCH_MESSAGE_MAX_ITEMS

struct conv {
    const struct dispatch_rules *rules;
    FILE *out;
    const char *merchant;
    struct feedw *w;
    long next_id;
    struct dispatch_convert_stats *st;
    struct buf *lines; /* NULL, or each message's first input line (a long per MessageID) */
    /* the message being composed: what a row must share to join it (its own copies) */
    int open;
    size_t nitems;
    char order[sizeof((struct dispatch_rec *)0)->order_id];
    char tracking[sizeof((struct dispatch_rec *)0)->tracking];
    char code[sizeof((struct dispatch_rec *)0)->carrier_code];
    size_t order_len, tracking_len, code_len;
};

/* end_message - complete the message being composed */
static int end_message(struct conv *c)
{
    if (!c->open)
        return WB_OK;
    c->open = 0;
    return feedw_fulfillment_end(c->w);
}

/* same_text - the n bytes at a equal the m bytes at b */
static int same_text(const char *a, size_t n, const char *b, size_t m)
{
    return n == m && str_same(a, b, n);
}

/* same_group - the row continues the message being composed: same order, tracking and carrier
 * code, and room for another item */
static int same_group(const struct conv *c, const struct dispatch_view *v)
{
    return c->open && c->nitems < GROUP_MAX &&
           same_text(c->order, c->order_len, v->order_id, v->order_len) &&
           same_text(c->tracking, c->tracking_len, v->tracking, v->tracking_len) &&
           same_text(c->code, c->code_len, v->carrier_code, v->code_len);
}

/* keep - a copy of the n bytes at s into dst[size] (n < size: a view's values fit a record) */
static size_t keep(char *dst, size_t size, const char *s, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    return n;
}

/* begin_message - start the message the row heads, as dispatch_write_message would write it */
static int begin_message(struct conv *c, const struct dispatch_view *v, long lineno)
{
    int rc = WB_OK;
    if (!c->w && (rc = feedw_open(&c->w, c->out, "OrderFulfillment", c->merchant)) != WB_OK)
        return rc;
    int other = same_text(v->carrier_code, v->code_len, "Other", 5);
    struct fulfillment_head h = {
        .message_id = c->next_id,
        .fulfillment_date = v->ship_time,
        .amazon_order_id = {v->order_id, v->order_len},
        .carrier_code = {v->carrier_code, v->code_len},
        .carrier_name = {v->carrier_name, other ? v->name_len : 0},
        .shipping_method = {v->ship_method, v->method_len},
        .tracking = {v->tracking, v->tracking_len},
    };
    if ((rc = feedw_fulfillment_begin(c->w, &h)) != WB_OK)
        return rc;
    if (c->lines && buf_append(c->lines, (const char *)&lineno, sizeof lineno) != WB_OK)
        c->lines = NULL; /* past its cap: messages are no longer named by line */
    c->next_id++;
    c->st->messages++;
    c->open = 1;
    c->nitems = 0;
    c->order_len = keep(c->order, sizeof c->order, v->order_id, v->order_len);
    c->tracking_len = keep(c->tracking, sizeof c->tracking, v->tracking, v->tracking_len);
    c->code_len = keep(c->code, sizeof c->code, v->carrier_code, v->code_len);
    return WB_OK;
}

/* add_row - a good row into the feed: it joins the message being composed or starts one.
 * WB_PERMFAIL when the feed writer refuses the message the row starts (nothing of it is
 * written; feedw_error says why): the row alone is rejected. An item refused in a message
 * that holds earlier rows would take them with it: WB_INTERNAL (the row checks let through
 * what the writer refuses, which they must never do) */
static int add_row(struct conv *c, const struct dispatch_view *v, long lineno)
{
    int rc;
    if (!same_group(c, v) &&
        ((rc = end_message(c)) != WB_OK || (rc = begin_message(c, v, lineno)) != WB_OK))
        return rc;
    if ((rc = feedw_fulfillment_item(c->w, v->item_code, v->item_len, v->quantity)) == WB_OK) {
        c->nitems++;
        return WB_OK;
    }
    c->open = 0; /* the writer dropped the message */
    if (rc == WB_PERMFAIL && c->nitems == 0) {
        c->next_id--;
        c->st->messages--;
        if (c->lines)
            c->lines->len -= sizeof lineno;
        return WB_PERMFAIL;
    }
    return rc == WB_PERMFAIL ? WB_INTERNAL : rc;
}

/* key_hash - hash of the row's business key (order, item, tracking) as read */
static uint64_t key_hash(const struct dispatch_rules *r, const struct csvr_row *row)
{
    const char *part[3];
    size_t len[3];
    part[0] = csvr_field_n(row, r->f_order, &len[0]);
    part[1] = csvr_field_n(row, r->f_item, &len[1]);
    part[2] = csvr_field_n(row, r->f_tracking, &len[2]);
    return keyset_hash_parts(part, len, 3);
}

/* dispatch_classify - a row's verdict: WB_OK with v, or WB_PERMFAIL with code/reason */
int dispatch_classify(const struct dispatch_rules *r, int read_rc, const struct csvr_row *row,
                      struct dispatch_view *v, char *code, size_t coden, char *reason,
                      size_t reasonn)
{
    if (read_rc == WB_PERMFAIL) {
        snprintf(code, coden, "%s", row->error_code ? row->error_code : "E_ROW");
        snprintf(reason, reasonn, "%s", row->error_text ? row->error_text : "unreadable row");
        return WB_PERMFAIL;
    }
    return dispatch_check_row(r, row, v, code, coden, reason, reasonn);
}

/* dispatch_convert - convert a whole stream */
int dispatch_convert(const struct dispatch_rules *shared, FILE *in, FILE *out, FILE *rejects,
                     const char *merchant, struct dispatch_convert_stats *st, struct buf *msg_lines,
                     struct buf *err)
{
    memset(st, 0, sizeof *st);
    struct dispatch_memo memo = {0};
    struct dispatch_rules own = *shared; /* with this run's memo */
    own.memo = &memo;
    const struct dispatch_rules *rules = &own;
    size_t nreq;
    const char *const *req = dispatch_required_fields(&nreq);
    struct csvr *rd = NULL;
    int rc = csvr_open(&rd, rules->layout, in, req, nreq, err);
    if (rc != WB_OK) {
        st->file_rejected = 1;
        return rc;
    }
    struct conv c = {.rules = rules,
                     .out = out,
                     .merchant = merchant,
                     .next_id = 1,
                     .st = st,
                     .lines = msg_lines};
    struct keyset seen;
    struct rejectw rw;
    int have_rw = 0;
    if ((rc = keyset_init(&seen, DISPATCH_DUP_WINDOW)) != WB_OK) {
        csvr_close(rd);
        return rc;
    }
    size_t nh;
    const char *const *hdr = csvr_header(rd, &nh);
    if (rejects) {
        if ((rc = rejectw_open(&rw, rules->layout, rejects, hdr, nh)) != WB_OK)
            goto out;
        have_rw = 1;
    }
    const struct csvr_row *row;
    for (;;) {
        int r = csvr_next(rd, &row);
        if (r == WB_NOTFOUND)
            break;
        if (r != WB_OK && r != WB_PERMFAIL) {
            rc = r;
            buf_appendf(err, "read error: %s\n", wb_status_str(r));
            goto out;
        }
        st->rows++;
        struct dispatch_view view;
        char code[32], reason[512];
        /* the duplicate check's key, hashed from the fields as read (a good row keeps them
         * unchanged): its filter word loads while the row is checked */
        uint64_t h = 0;
        if (r == WB_OK) {
            h = key_hash(rules, row);
            keyset_prefetch(&seen, h);
        }
        int v = dispatch_classify(rules, r, row, &view, code, sizeof code, reason, sizeof reason);
        if (v == WB_OK) {
            long first = keyset_check_hash(&seen, h, row->lineno);
            if (first) {
                snprintf(code, sizeof code, "E_DUPLICATE_ROW");
                snprintf(reason, sizeof reason,
                         "same order, item and tracking as line %ld of this file", first);
                v = WB_PERMFAIL;
            }
        }
        if (v == WB_OK && (v = add_row(&c, &view, row->lineno)) == WB_PERMFAIL) {
            snprintf(code, sizeof code, "E_FEED_VALUE");
            snprintf(reason, sizeof reason, "the feed writer refuses this row's message: %s",
                     feedw_error(c.w));
        } else if (v != WB_OK && v != WB_PERMFAIL) {
            rc = v;
            if (rc == WB_INTERNAL)
                buf_appendf(err,
                            "line %ld: the feed writer refuses an item of a message the "
                            "row checks passed: %s\n",
                            row->lineno, feedw_error(c.w));
            goto out;
        }
        if (v != WB_OK) {
            st->rejected++;
            if (have_rw &&
                (rc = rejectw_row(&rw, row->cells, row->ncells, code, reason, NULL)) != WB_OK)
                goto out;
            continue;
        }
        st->good++;
    }
    rc = end_message(&c);
out:
    if (c.w) {
        int crc = feedw_close(c.w);
        if (rc == WB_OK)
            rc = crc;
    }
    if (have_rw) {
        int crc = rejectw_close(&rw);
        if (rc == WB_OK)
            rc = crc;
    }
    keyset_free(&seen);
    csvr_close(rd);
    if (rc == WB_OK && st->rejected)
        rc = WB_PERMFAIL;
    return rc;
}
