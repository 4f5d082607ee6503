/*
 * rejectcodes.c - the table of reject codes (code, owner, meaning, action).
 *
 * Owns the list itself, in the order the rules are checked. A code written
 * anywhere in src/ must be a row here (tests/integration/docs.sh greps), and
 * the manual's REJECT CODES and docs/operations.md are checked against it.
 * Pure data and lookups; never allocates, never exits.
 */
#include <string.h>

#include "core/wb.h"
#include "flows/rejectcodes.h"

static const struct rejectcode table[] = {
    /* reading the file */
    {"E_FILE", "wms",
     "the whole file cannot be read: empty, a required column missing or twice, a forbidden or "
     "missing byte order mark, an unknown encoding; or found in work/ after a restart with a "
     "rejected record",
     "fix the export or the layout, then requeue"},
    {"E_FILE_NAME", "wms",
     "a file in in/ had a name that cannot be handled safely (leading -, control characters); "
     "it was renamed to unsafe-name-<inode>.csv and not read",
     "if it is a real export, requeue it under that name, and fix the WMS's file naming"},
    {"E_DUPLICATE_FILE", "wms", "same content as a file received before; nothing sent",
     "usually a re-export or a double pull: delete it"},
    {"E_ENCODING", "wms", "a byte not valid in the layout's encoding",
     "fix the layout's encoding, or the cell"},
    {"E_NUL", "wms", "a NUL byte in a cell", "remove it; the export is damaged"},
    {"E_COLUMNS", "wms", "the row has more or fewer cells than the header",
     "usually an unquoted delimiter inside a cell: quote it"},
    {"E_FIELD_TOO_LONG", "wms", "a cell over the layout's max_field bytes, or a record too large",
     "fix the cell (or raise max_field in the layout)"},
    {"E_TRUNCATED", "wms", "the file ends inside a quoted cell or in the middle of a row",
     "the export was cut off: export again"},
    {"E_QUOTE", "wms", "malformed quoting (text after a closing quote, a bare quote in a cell)",
     "double the quotes inside a quoted cell"},
    {"E_ROW", "program", "an unreadable row the reader could not classify further",
     "should not occur: keep the file and report it"},
    {"E_UNKNOWN", "program", "a reader error without a more precise code",
     "should not occur: keep the file and report it"},
    /* dispatch rules */
    {"E_ORDER_ID", "wms", "the Amazon order id is empty or not 3-7-7 digits",
     "correct the Amazon order id (e.g. 026-1234567-1234567)"},
    {"E_ITEM_ID", "wms", "the order item code is not Amazon's order item code",
     "use Amazon's OrderItemId from the order, not the SKU or a line number"},
    /* cancel rules */
    {"E_CANCEL_REASON", "wms", "the cancel reason is none Amazon accepts and no WMS word mapped",
     "use one of Amazon's CancelReason values (NoInventory, BuyerCanceled ...) or a mapped word"},
    {"E_QUANTITY", "wms", "the quantity is not a whole number from 1 to 9999",
     "correct the quantity shipped"},
    {"E_TRACKING_MISSING", "wms", "no tracking number", "add it from the carrier label"},
    {"E_TRACKING_INVALID", "wms",
     "not 6-50 letters, digits, spaces or -, or a placeholder like 000000",
     "correct the tracking number from the carrier label"},
    {"E_SHIP_TIME", "wms",
     "empty, not in the layout's date format, or in the hour skipped by a DST change",
     "correct the time, or the layout's datetime_format / time_zone"},
    {"E_SHIP_TIME_FUTURE", "wms", "more than max_future_minutes ahead",
     "check the WMS clock and the layout's time_zone"},
    {"E_SHIP_TIME_OLD", "operator", "more than max_ship_age_days ago",
     "confirm in Seller Central by hand if still open, or raise the setting for a backfill"},
    {"E_CARRIER_UNMAPPED", "maps", "the carrier service is not in carriers.map",
     "add a line mapping it to an Amazon CarrierCode, check, reload, requeue"},
    {"E_SHIP_METHOD", "wms",
     "the ship_method cell holds a tab, a line break, a control character, U+FFFE/U+FFFF, or "
     "more than 50 characters",
     "correct the cell (one line of at most 50 characters) and requeue"},
    {"E_SKU_UNKNOWN", "maps", "the SKU is not in skus.map",
     "add the pair (or * = identity), check, reload, requeue"},
    /* inventory rules */
    {"E_SKU_INVALID", "wms",
     "the SKU is not one Amazon takes (empty, over 40 characters, control characters) and no "
     "skus.map line maps it",
     "map it in skus.map to the seller SKU Amazon knows, or correct it in the WMS"},
    {"E_STOCK_STATE", "maps", "the stock state (or location type) is not in stock-states.map",
     "add it as sellable or unsellable, check, reload; the next snapshot publishes the SKU"},
    {"E_STOCK_QUANTITY", "wms",
     "the quantity is negative, fractional, not a number, or over 1000000 units in one row",
     "correct the export; the next snapshot publishes the SKU"},
    {"E_STOCK_DUPLICATE", "wms",
     "the same SKU, location and state as an earlier line of the snapshot",
     "fix the export (a row exported twice would be counted twice)"},
    {"E_SNAPSHOT_TIME", "wms", "the snapshot time is not a date and time in the layout's format",
     "correct the export; the next snapshot publishes the SKU"},
    {"E_SNAPSHOT_OLDER", "wms",
     "the whole snapshot is older than one already taken in for the account; nothing sent",
     "nothing: a newer stock is published; if that one was wrong, drop a fresh snapshot"},
    /* orders (Amazon -> WMS): held orders go to reject/orders/; the others are notes */
    {"E_ORDER_JSON", "amazon",
     "an answer of the Orders API was malformed, truncated, too large or not a searchOrders "
     "answer; "
     "nothing after it was read",
     "fetch again (the sync does by itself); for `convert orders`, check the input"},
    {"E_ORDER_DATA", "amazon",
     "an order lacks a value the WMS file needs (order id, times, fulfillment, delivery "
     "address, a line's item id) or has one of the wrong type or with control characters",
     "check the order in Seller Central; requeue once Amazon's answer is complete"},
    {"E_ORDER_NO_ITEMS", "amazon", "the order has no items",
     "check the order in Seller Central; requeue when it has its items"},
    {"E_ORDER_QUANTITY", "amazon",
     "a line's quantity is 0 without a cancellation, or more than 9999",
     "check the order in Seller Central; requeue"},
    {"E_BUNDLE_COMPONENT", "maps",
     "the seller SKU is a bundle with a component that is no WMS SKU of skus.map",
     "add the component to skus.map (or fix the bundle line), check, reload, requeue"},
    {"E_SERVICE_UNMAPPED", "maps",
     "the order's fulfillmentServiceLevel is not in [ship-service] of carriers.map (matched "
     "exactly: case and spaces count)",
     "add the level (as the hint shows it, if any) with a WMS service, check, reload, requeue"},
    {"E_CANCEL_REQUESTED", "operator",
     "the buyer asked to cancel a line of the order; it is held so it is not picked",
     "cancel the order in Seller Central, or decline the request and requeue"},
    {"E_LINE_CANCELLED", "amazon",
     "a line cancelled by Amazon or the buyer, or with nothing left to ship; the order's other "
     "lines went to the WMS without it",
     "nothing"},
    {"E_ORDER_CANCELLED", "amazon", "the order was cancelled before it reached the WMS", "nothing"},
    {"E_ORDER_NOT_OURS", "amazon",
     "the order is not an unshipped merchant-fulfilled order (pending, shipped or fulfilled by "
     "Amazon); nothing for the WMS",
     "nothing"},
    {"E_ORDER_STALE", "amazon",
     "an update of an order older than one already taken; it never undoes the newer state",
     "nothing"},
    /* duplicates */
    {"E_DUPLICATE_ROW", "wms", "same order, item and tracking as another line of the file",
     "nothing: the first line is sent; delete the repeat"},
    {"E_ALREADY_SENT", "wms", "same order, item and tracking as a row of an earlier file",
     "nothing to do; it is not sent twice"},
    /* feeds and Amazon */
    {"E_SCHEMA", "program",
     "the row's message failed Amazon's XSD although it passed wmsbridge's checks",
     "fix the value and requeue; if a whole feed fails, keep it from feeds/ and report it"},
    {"E_FEED_VALUE", "program", "the feed writer refused the row's message",
     "fix the value, requeue, and report it"},
    {"E_FEED_FATAL", "amazon", "Amazon ended three feeds holding the row as FATAL or CANCELLED",
     "read the feed-fatal alerts and the stored reports, fix the cause, requeue"},
    {"E_REPORT_ORDER", "amazon",
     "Amazon's report names another AmazonOrderID under the row's MessageID than the order sent",
     "check both orders in Seller Central; requeue if the shipment is not confirmed there"},
    {"E_OPERATOR", "operator", "an operator rejected the rows of a held feed",
     "as the reason says"},
    /* settlement reports (the settlements flow) */
    {"E_SETTLEMENT_REFUSED", "amazon",
     "a settlement report refused whole: not the V2 flat file, truncated, a row that does not "
     "read, rows that do not add up to its total, a currency other than the account's; no "
     "journal written",
     "download the report again from Seller Central, put it in in/settlements/; for a "
     "currency, check the account's currency setting"},
    {"E_SETTLEMENT_UNMAPPED", "operator",
     "combinations of a settlement (transaction-type, amount-type, amount-description) that no "
     "gl.map rule matches, all listed in the reason; no journal written",
     "add rules to gl.map, then requeue"},
    /* returns reports (the returns flow) */
    {"E_RETURNS_REFUSED", "amazon",
     "a returns report refused whole: not Amazon's English flat file (another language or "
     "shape), a line that does not read, or a report of a marketplace the seller account does "
     "not sell in; no expected returns written from it",
     "request the report for an English-language marketplace of the account; fix the cause"},
    {"E_RETURNS_SKU", "operator",
     "returned lines whose Merchant SKU skus.map does not know, listed in the file and the "
     "reason; the other lines of the report were written",
     "add the SKUs to skus.map; tell the WMS to expect the listed returns"},
    /* returns receipts */
    {"E_RETURNS_RECEIPT", "wms",
     "a returns receipt line whose RMA id, order id, WMS SKU or received time is empty or "
     "malformed",
     "correct the line from the warehouse's receipt, then requeue"},
    {"E_RETURNS_DISPOSITION", "wms",
     "a returns receipt's disposition the dispositions map does not list (never guessed)",
     "use a listed disposition, or add it to returns_dispositions_map, then requeue"},
    {"E_RETURNS_RMA", "wms",
     "a returns receipt of an RMA no returns report gave this seller account, of a WMS SKU the "
     "RMA does not expect, or naming another order than the RMA's",
     "check the RMA id and SKU on the parcel; a return Amazon did not announce is handled by "
     "hand; fix the line and requeue"},
    {"E_RETURNS_OVER", "wms",
     "a returns receipt whose units, with the ones received before for the RMA and SKU, exceed "
     "what the RMA expects (both in the reason); none of the line's units were counted",
     "recount; receive the surplus by hand (not a return of this RMA); fix the line and requeue"},
};

/* rejectcodes_table - the table and its length */
const struct rejectcode *rejectcodes_table(size_t *n)
{
    *n = WB_ARRAY_LEN(table);
    return table;
}

/* rejectcodes_find - the row of code, NULL if it is not a reject code */
const struct rejectcode *rejectcodes_find(const char *code)
{
    for (size_t i = 0; code && i < WB_ARRAY_LEN(table); i++)
        if (strcmp(table[i].code, code) == 0)
            return &table[i];
    return NULL;
}
