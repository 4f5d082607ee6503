/*
 * settlement.h - Amazon's V2 settlement flat file (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2)
 * read into a summarised settlement, mapped to ledger accounts and written as one journal.
 *
 * Money is int64_t minor units of the settlement's currency from the file's text to the
 * journal's; no floating point. Reading streams: memory is the reader's chunk and row plus
 * one entry per distinct (transaction-type, amount-type, amount-description), whatever the
 * number of rows. A file is refused whole (WB_PERMFAIL from settlement_read, the reason in
 * err) when it is not the V2 file (the V1 flat file has another, 36-column header), ends
 * mid-row, holds a row that does not read (an amount, a posted-date or posted-date-time that
 * is not one), or its rows do not add up to its total.
 * Returns WB_* codes; never exits; never touches the spool, the ledger or the network.
 */
#ifndef WB_SETTLEMENT_H
#define WB_SETTLEMENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/buf.h"

#define SETTLEMENT_ID_MAX 40           /* bytes of a settlement id */
#define SETTLEMENT_TEXT_MAX 200        /* bytes of a transaction-type, amount-type or description */
#define SETTLEMENT_COMBOS_MAX 20000    /* distinct combinations of the three in one settlement */
#define SETTLEMENT_UNMAPPED_LISTED 200 /* unmapped combinations listed one by one */

struct glmap;
struct layout;
struct strmap;

/* one transaction row as read, for an audit copy; valid during the callback */
struct settlement_row {
    long lineno;
    const char *type, *order_id, *merchant_order_id, *adjustment_id, *shipment_id;
    const char *marketplace, *amount_type, *description, *fulfillment, *posted, *sku, *quantity;
    time_t posted_at; /* posted-date-time, else posted-date; 0 when the row has neither */
    int64_t amount;   /* minor units */
    const char *amount_text;
};

/* settlement_row_fn - called for each transaction row; a status other than WB_OK stops reading */
typedef int (*settlement_row_fn)(void *ctx, const struct settlement_row *r);

/* one distinct (transaction-type, amount-type, amount-description) and its sum */
struct settlement_combo {
    const char *type, *amount_type, *description;
    int64_t sum;
    long rows, first_line;
    const char *account; /* after settlement_map: the gl.map account, NULL if unmapped */
    char text[];         /* the three values */
};

struct settlement {
    char id[SETTLEMENT_ID_MAX + 1];
    char currency[4];
    int exp; /* decimals of the currency */
    time_t start, end, deposit;
    int64_t total; /* the summary row's total-amount */
    int64_t sum;   /* the transaction rows' amounts */
    long rows;     /* transaction rows */
    char mark;     /* decimal mark of the file's amounts, 0 until one is seen */
    struct strmap *index;
    struct settlement_combo **combos;
    size_t ncombos;
};

/* settlement_read - read a V2 file from in into s (settlement_free it after, whatever the
 * status); currency: the account's currency, NULL when not checked; fn (may be NULL) sees each
 * transaction row. WB_PERMFAIL: refused, the reason in err */
int settlement_read(struct settlement *s, FILE *in, const char *currency, settlement_row_fn fn,
                    void *ctx, struct buf *err);
/* settlement_map - each combination's account; WB_PERMFAIL when some have none, listed one a
 * line in unmapped ("transaction-type | amount-type | amount-description: N rows, amount") */
int settlement_map(struct settlement *s, const struct glmap *gl, struct buf *unmapped,
                   size_t *nunmapped);
/* settlement_journal - the mapped settlement as one journal in layout l on out: a line per
 * account, in account order, summing to the total (WB_INTERNAL if they would not) */
int settlement_journal(const struct settlement *s, const struct layout *l, FILE *out);
/* settlement_free - release what settlement_read kept */
void settlement_free(struct settlement *s);

/* settlement_amount - the n bytes at t ("95,00", "1.234,56", "-12.50", "1,234") as minor
 * units of a currency with exp decimals. *mark is the file's decimal mark (0 until one is
 * seen; set by the first amount that shows one): an amount with another one is refused, so
 * a file cannot mix 1.234,56 and 1,234.56. WB_PERMFAIL when the text is not such an amount */
int settlement_amount(const char *t, size_t n, int exp, char *mark, int64_t *out);
/* settlement_amount_format - v minor units with exp decimals as "-1234.56" into out */
void settlement_amount_format(int64_t v, int exp, char *out, size_t n);
/* settlement_time - a date of a settlement file in one of Amazon's formats ("2026-11-14
 * 06:00:00 UTC", "2026-11-14T06:00:00+00:00", "14.11.2026 06:00:00 UTC", "11/14/26",
 * "14.11.2026", "2026-11-14") as UTC; WB_PERMFAIL if none matches */
int settlement_time(const char *t, time_t *out);
/* settlement_currency_exp - decimals of an ISO 4217 code (2 unless listed); -1 if not a code */
int settlement_currency_exp(const char *code);

/* the flow table's vocabulary of journal layouts */
extern const char *const settlement_journal_required[];
extern const char *const settlement_journal_optional[];

#endif
