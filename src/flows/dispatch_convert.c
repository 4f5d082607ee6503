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
    struct dispatch_rec group[GROUP_MAX + 1]; /* the last slot stages a row ending a full one */
    size_t ngroup;
    long next_id;
    struct dispatch_convert_stats *st;
};

/* flush_group - write the collected message */
static int flush_group(struct conv *c)
{
    if (!c->ngroup)
        return WB_OK;
    int rc = WB_OK;
    if (!c->w)
        rc = feedw_open(&c->w, c->out, "OrderFulfillment", c->merchant);
    if (rc == WB_OK)
        rc = dispatch_write_message(c->w, c->next_id++, c->group, c->ngroup);
    c->st->messages++;
    c->ngroup = 0;
    return rc;
}

/* same_group - rec continues the current message */
static int same_group(const struct conv *c, const struct dispatch_rec *r)
{
    if (!c->ngroup || c->ngroup >= GROUP_MAX)
        return 0;
    const struct dispatch_rec *g = &c->group[0];
    return strcmp(g->order_id, r->order_id) == 0 && strcmp(g->tracking, r->tracking) == 0 &&
           strcmp(g->carrier_code, r->carrier_code) == 0;
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

/* dispatch_classify - a row's verdict: WB_OK with rec, or WB_PERMFAIL with code/reason */
int dispatch_classify(const struct dispatch_rules *r, int read_rc, const struct csvr_row *row,
                      struct dispatch_rec *rec, char *code, size_t coden, char *reason,
                      size_t reasonn)
{
    if (read_rc == WB_PERMFAIL) {
        snprintf(code, coden, "%s", row->error_code ? row->error_code : "E_ROW");
        snprintf(reason, reasonn, "%s", row->error_text ? row->error_text : "unreadable row");
        return WB_PERMFAIL;
    }
    return dispatch_check_row(r, row, rec, code, coden, reason, reasonn);
}

/* dispatch_convert - convert a whole stream */
int dispatch_convert(const struct dispatch_rules *shared, FILE *in, FILE *out, FILE *rejects,
                     const char *merchant, struct dispatch_convert_stats *st, struct buf *err)
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
    struct conv c = {.rules = rules, .out = out, .merchant = merchant, .next_id = 1, .st = st};
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
        struct dispatch_rec *rec = &c.group[c.ngroup]; /* checked in place: no copy */
        char code[32], reason[512];
        /* the duplicate check's key, hashed from the fields as read (a good row keeps them
         * unchanged): its slot loads while the row is checked */
        uint64_t h = 0;
        if (r == WB_OK) {
            h = key_hash(rules, row);
            keyset_prefetch(&seen, h);
        }
        int v = dispatch_classify(rules, r, row, rec, code, sizeof code, reason, sizeof reason);
        if (v == WB_OK) {
            long first = keyset_check_hash(&seen, h, row->lineno);
            if (first) {
                snprintf(code, sizeof code, "E_DUPLICATE_ROW");
                snprintf(reason, sizeof reason,
                         "same order, item and tracking as line %ld of this file", first);
                v = WB_PERMFAIL;
            }
        }
        if (v != WB_OK) {
            st->rejected++;
            if (have_rw && (rc = rejectw_row(&rw, row->cells, row->ncells, code, reason)) != WB_OK)
                goto out;
            continue;
        }
        st->good++;
        if (!same_group(&c, rec)) {
            size_t at = c.ngroup;
            if ((rc = flush_group(&c)) != WB_OK)
                goto out;
            if (at)
                c.group[0] = c.group[at];
        }
        c.ngroup++;
    }
    rc = flush_group(&c);
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
