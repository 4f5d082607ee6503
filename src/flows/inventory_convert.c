/*
 * inventory_convert.c - `wmsbridge convert inventory`: a WMS stock snapshot on
 * a stream becomes JSON_LISTINGS_FEED documents on another stream (the
 * quantity of every SKU of the snapshot, no ledger and no open-order
 * deduction), rejected rows go to a reject file. Pure: no spool, no ledger,
 * no network.
 *
 * Rows are read once; memory is the stock table (per SKU, plus the duplicate
 * check's row keys), never the rows. Messages are written once the whole
 * snapshot is read (a SKU's total is known only then). Returns WB_OK when
 * every row was used, WB_PERMFAIL when some rows (or the whole file) were
 * rejected, other codes for I/O; never exits.
 */
#include <stdlib.h>
#include <string.h>

#include "amazon/listings_json.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "flows/inventory.h"
#include "flows/inventory_flow.h"
#include "flows/rejects.h"
#include "layout/layout.h"

struct emit {
    FILE *out;
    const char *seller_id;
    struct lfeedw *w;
    long messages, refused;
    struct buf *err;
};

/* emit_one - one quantity message (the writer opened with the first one) */
static int emit_one(void *arg, const char *sku, long long quantity)
{
    struct emit *e = arg;
    int rc;
    if (!e->w &&
        (rc = lfeedw_open(&e->w, e->out, e->seller_id, LISTINGS_JSON_MAX_MESSAGES)) != WB_OK) {
        buf_appendf(e->err, "cannot start the feed for seller '%s': %s\n", e->seller_id,
                    wb_status_str(rc));
        return rc;
    }
    rc = lfeedw_quantity(e->w, sku, quantity, NULL);
    if (rc == WB_PERMFAIL) { /* the row checks let through what the writer refuses */
        buf_appendf(e->err, "SKU '%s': the feed writer refuses quantity %lld\n", sku, quantity);
        e->refused++;
        return WB_OK;
    }
    if (rc == WB_OK)
        e->messages++;
    return rc;
}

/* inventory_flow_convert_check - flow table hook: the layout and maps fit the inventory rules */
int inventory_flow_convert_check(const struct flow_convert_args *a, struct buf *err)
{
    struct inventory_rules r;
    if (a->xsd) {
        buf_appendf(err, "wmsbridge convert inventory: --xsd-dir checks XML feeds; this flow "
                         "writes JSON (check it against Amazon's JSON schemas)\n");
        return WB_CONFIG;
    }
    char why[128];
    if (!a->merchant || !*a->merchant ||
        !str_text_check(a->merchant, strlen(a->merchant), 0, why, sizeof why)) {
        buf_appendf(err, "wmsbridge convert inventory: the seller id is empty or %s\n",
                    a->merchant && *a->merchant ? why : "missing");
        return WB_CONFIG;
    }
    return inventory_rules_init(&r, a->layout, a->states, a->skus, a->buffers, err);
}

/* inventory_flow_convert - flow table hook: `convert inventory` */
int inventory_flow_convert(const struct flow_convert_args *a, FILE *in, FILE *out, FILE *rej,
                           struct flow_convert_stats *st, struct buf *lines, struct buf *err)
{
    (void)lines; /* JSON documents are not checked message by message here */
    *st = (struct flow_convert_stats){0};
    struct inventory_rules rules;
    int rc = inventory_rules_init(&rules, a->layout, a->states, a->skus, a->buffers, err);
    if (rc != WB_OK)
        return rc;
    size_t nreq;
    const char *const *req = inventory_required_fields(&nreq);
    struct csvr *rd = NULL;
    if ((rc = csvr_open(&rd, rules.layout, in, req, nreq, err)) != WB_OK)
        return rc;
    struct inventory_stock t;
    if ((rc = inventory_stock_init(&t)) != WB_OK) {
        csvr_close(rd);
        return rc;
    }
    struct rejectw rw;
    int have_rw = 0;
    size_t nh;
    const char *const *hdr = csvr_header(rd, &nh);
    if (rej) {
        if ((rc = rejectw_open(&rw, rules.layout, rej, hdr, nh)) != WB_OK)
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
        char code[32], reason[512];
        int v;
        if (r == WB_PERMFAIL) {
            snprintf(code, sizeof code, "%s", row->error_code ? row->error_code : "E_ROW");
            snprintf(reason, sizeof reason, "%s",
                     row->error_text ? row->error_text : "unreadable row");
            v = inventory_hold_row(&rules, &t, row);
            if (v == WB_OK)
                v = WB_PERMFAIL;
        } else {
            v = inventory_row(&rules, &t, row, code, sizeof code, reason, sizeof reason);
        }
        if (v == WB_OK) {
            st->good++;
            continue;
        }
        if (v != WB_PERMFAIL) {
            rc = v;
            goto out;
        }
        st->rejected++;
        if (have_rw &&
            (rc = rejectw_row(&rw, row->cells, row->ncells, code, reason, NULL)) != WB_OK)
            goto out;
    }
    struct emit e = {.out = out, .seller_id = a->merchant, .err = err};
    long held = 0;
    rc = inventory_publish(&rules, &t, emit_one, &e, &held);
    if (e.w) {
        int crc = lfeedw_close(e.w);
        if (rc == WB_OK)
            rc = crc;
    }
    st->messages = e.messages;
    if (held)
        buf_appendf(err, "%ld SKU(s) not published: a row of theirs was rejected\n", held);
    if (rc == WB_OK && e.refused)
        rc = WB_PERMFAIL;
out:
    if (have_rw) {
        int crc = rejectw_close(&rw);
        if (rc == WB_OK)
            rc = crc;
    }
    inventory_stock_free(&t);
    csvr_close(rd);
    if (rc == WB_OK && st->rejected)
        rc = WB_PERMFAIL;
    return rc;
}
