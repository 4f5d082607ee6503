/*
 * glmap.h - settlement amounts -> ledger accounts (etc/gl.map).
 *
 * Owns the rules read from the operator's file (format in that file's
 * header): one rule a line, "TRANSACTION-TYPE | AMOUNT-TYPE |
 * AMOUNT-DESCRIPTION = ACCOUNT"; each of the three patterns is exact text or
 * a shell wildcard pattern (fnmatch(3): '*', '?', '[...]', no escapes). The
 * first rule that matches all three wins, so families of fees are listed
 * after their exceptions. Matching is case-sensitive, as Amazon writes the
 * values. Errors: WB_CONFIG with "file:line: text" lines in errs, WB_NOMEM.
 * Pure apart from reading the file; never network, ledger or spool; never exits.
 */
#ifndef WB_MAPS_GLMAP_H
#define WB_MAPS_GLMAP_H

#include <stddef.h>

#include "core/buf.h"
#include "core/wb.h"

#define GLMAP_ACCOUNT_MAX 64 /* characters of a ledger account */
#define GLMAP_PATTERN_MAX 200
#define GLMAP_MAX_RULES 10000

struct glmap;

/* glmap_load - read the map at path into *out (errs may be NULL) */
enum wb_status glmap_load(const char *path, struct glmap **out, struct buf *errs);
/* glmap_parse_text - same as glmap_load for len bytes of text named name */
enum wb_status glmap_parse_text(const char *name, const char *text, size_t len, struct glmap **out,
                                struct buf *errs);
/* glmap_lookup - the account of the first rule matching the three values; NULL if none */
const char *glmap_lookup(const struct glmap *m, const char *type, const char *amount_type,
                         const char *description);
/* glmap_count - number of rules */
size_t glmap_count(const struct glmap *m);
/* glmap_free - release the map (NULL is fine) */
void glmap_free(struct glmap *m);

#endif
