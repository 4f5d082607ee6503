/*
 * buffers.h - safety buffers: units of stock kept back from Amazon per seller
 * SKU or per class of SKUs (etc/buffers.map), for the inventory flow.
 *
 * Format: one rule a line, UNITS (0..BUFFERS_UNITS_MAX) the last word:
 *   sku SELLER-SKU UNITS      this SKU (the SKU may hold spaces)
 *   prefix TEXT UNITS         every seller SKU starting with TEXT (a class)
 *   default UNITS             every other SKU (0 when absent)
 * An exact SKU wins over a prefix, the longest prefix over shorter ones. Each
 * SKU and prefix once. '#' comments, blank lines ignored. Errors: WB_CONFIG
 * with "file:line: text" lines in errs, WB_NOMEM. Never network, ledger or
 * spool; never exits.
 */
#ifndef WB_MAPS_BUFFERS_H
#define WB_MAPS_BUFFERS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/wb.h"

#define BUFFERS_UNITS_MAX 1000000L

struct buffers;

/* buffers_load - read the map at path into *out */
enum wb_status buffers_load(const char *path, struct buffers **out, struct buf *errs);
/* buffers_parse_text - same for len bytes of text named name */
enum wb_status buffers_parse_text(const char *name, const char *text, size_t len,
                                  struct buffers **out, struct buf *errs);
/* buffers_units - the buffer of a seller SKU (0 with no map) */
long buffers_units(const struct buffers *m, const char *seller_sku);
/* buffers_free - release (NULL is fine) */
void buffers_free(struct buffers *m);

#endif
