/*
 * amazon_ids.h - the shapes of Amazon's order identifiers, one rule for every
 * flow that reads or writes them (WMS files, feeds, Orders API answers).
 * Pure inline checks of bounded byte ranges; no allocation, never exits.
 */
#ifndef WB_AMAZON_IDS_H
#define WB_AMAZON_IDS_H

#include <stddef.h>

#include "core/strutil.h"

/* amazon_order_id_ok - Amazon's 3-7-7 digit order id (026-1234567-1234567) */
static inline int amazon_order_id_ok(const char *s, size_t n)
{
    return n == 19 && s[3] == '-' && s[11] == '-' && str_bytes_in(s, 3, '0', '9') &&
           str_bytes_in(s + 4, 7, '0', '9') && str_bytes_in(s + 12, 7, '0', '9');
}

/* amazon_item_code_ok - AmazonOrderItemCode is \d{14} in amzn-base.xsd */
static inline int amazon_item_code_ok(const char *s, size_t n)
{
    return n == 14 && str_bytes_in(s, n, '0', '9');
}

#endif
