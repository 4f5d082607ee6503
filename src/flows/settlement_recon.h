/*
 * settlement_recon.h - a settlement reconciled against the ledger, and the
 * settlements row's two health figures.
 *
 * While a settlement is read, what it pays (Order rows) and refunds (Refund
 * rows) per merchant-fulfilled order is summed; once its journal is written,
 * that is recorded in the ledger (so an order paid by any settlement is paid
 * for every later one) together with the findings, and the findings go to
 * out/journals/reconcile-ID.csv, one kind a row:
 *   paid-not-dispatched    paid, but no dispatch Amazon confirmed in the ledger
 *   dispatched-not-paid    Amazon confirmed its dispatch settlement_unpaid_days or more
 *                          before the settlement's end (and not before the first
 *                          settlement taken in began) and no settlement paid it
 *   refund-without-return  refunded, but the WMS received no return for it
 * Figures: settlement drift (distinct findings of the settlements ended in the
 * window) and refund latency (median hours from an order's first return
 * receipt to its refund's posting, over refunds posted in the window).
 * Returns WB_* codes; never exits; the figures only read.
 */
#ifndef WB_SETTLEMENT_RECON_H
#define WB_SETTLEMENT_RECON_H

#include <time.h>

#include "core/buf.h"
#include "flows/settlement.h"

struct wb_env;
struct wb_account;
struct health;
struct settlement_recon;

/* settlement_recon_new - an empty reconciliation; a row that cannot be summed writes its reason
 * to err. NULL when out of memory */
struct settlement_recon *settlement_recon_new(struct buf *err);
/* settlement_recon_row - settlement_read's row callback (ctx: the reconciliation) */
int settlement_recon_row(void *ctx, const struct settlement_row *r);
/* settlement_recon_write - record settlement s of account a and its payments in the ledger,
 * find and record the findings, then write dir/reconcile-ID.csv (whole or not at all; a redo
 * after a crash writes the same) */
int settlement_recon_write(struct wb_env *env, const struct settlement *s,
                           struct settlement_recon *p, const struct wb_account *a, const char *dir);
/* settlement_recon_free - release (NULL is fine) */
void settlement_recon_free(struct settlement_recon *p);
/* settlement_recon_health - the flow row's health member: settlement drift and refund latency
 * of account a over [from, to) */
void settlement_recon_health(struct wb_env *env, const struct wb_account *a, time_t from, time_t to,
                             struct health *h);

#endif
