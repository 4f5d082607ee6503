/*
 * ack_flow.h - order acknowledgements (WMS -> Amazon): POST_ORDER_ACKNOWLEDGEMENT_DATA feeds
 * through the shared outbound pipeline, in two rows of the flow table:
 *   ack     in/LANE/ack/ files the orders flow writes once an order's WMS file is written:
 *           one row per new order, acknowledged with StatusCode Success
 *   cancel  WMS cancellation files in in/LANE/cancel/ (order id, item id optional, reason):
 *           StatusCode Failure with the reason mapped to one of Amazon's CancelReason values
 * Business key: the order (ack), the order and item (cancel); one message per order.
 * Owns the rules of both files and their rendering. Returns WB_* codes; never exits.
 */
#ifndef WB_ACK_FLOW_H
#define WB_ACK_FLOW_H

#include <stddef.h>

#include "core/buf.h"

struct wb_env;
struct outflow;
struct outflow_stats;
struct feeds_client;
struct feedw;

/* items of one order in one message at most; more continue in the next message */
#define ACK_MESSAGE_MAX_ITEMS 64

/* the field vocabularies of ack and cancel layouts, NULL terminated */
extern const char *const ack_required[];
extern const char *const ack_optional[];
extern const char *const cancel_required[];
extern const char *const cancel_optional[];

/* one queued row: S (Success) or F (Failure), the order, the item ("" for the whole order) and
 * Amazon's CancelReason ("" with Success) */
struct ack_rec {
    char status;
    char order_id[24];
    char item_code[24];
    char reason[40];
};

/* ack_cancel_reason - Amazon's CancelReason for a WMS reason (one of Amazon's values in any case
 * and spacing, or one of the WMS words of the small map in ack_flow.c), NULL if none */
const char *ack_cancel_reason(const char *wms, size_t n);
/* ack_payload - rec as ledger payload text */
int ack_payload(const struct ack_rec *rec, struct buf *out);
/* ack_from_payload - rec back from ledger payload text; WB_BADARG if it is not one */
int ack_from_payload(const char *payload, struct ack_rec *rec);
/* ack_write_message - one OrderAcknowledgement message for recs of one order (n >= 1) */
int ack_write_message(struct feedw *w, long message_id, const struct ack_rec *recs, size_t n);

/* the flow table's hooks (flows/flow.h) */
int ack_flow_open_ack(const struct wb_env *env, void **inst, struct outflow **of, struct buf *err);
int ack_flow_open_cancel(const struct wb_env *env, void **inst, struct outflow **of,
                         struct buf *err);
int ack_flow_run(void *inst, struct wb_env *env, struct feeds_client *fc, int force,
                 struct outflow_stats *st);
void ack_flow_close(void *inst);

#endif
