/*
 * carriercodes.h - Amazon's accepted CarrierCode values (etc/amazon-carrier-codes.txt).
 *
 * Owns the set of codes read from the operator's file: one value per line,
 * '#' comment lines and blank lines ignored, blanks around a value trimmed,
 * values exact and case-sensitive ("PUROLATOR" is not "Purolator").
 * Errors: WB_CONFIG with "file:line: text" lines appended to errs (invalid
 * UTF-8, control characters, lines over 4 KiB, unreadable file); a value
 * listed twice is a warning in errs, not an error. WB_NOMEM on allocation
 * failure. Never compiled-in data, never network, never exits.
 */
#ifndef WB_MAPS_CARRIERCODES_H
#define WB_MAPS_CARRIERCODES_H

#include <stddef.h>

#include "core/buf.h"
#include "core/wb.h"

struct carriercodes;

/* carriercodes_load - read the code list at path into *out (errs may be NULL) */
enum wb_status carriercodes_load(const char *path, struct carriercodes **out, struct buf *errs);
/* carriercodes_parse_text - same as carriercodes_load for len bytes of text named name */
enum wb_status carriercodes_parse_text(const char *name, const char *text, size_t len,
                                       struct carriercodes **out, struct buf *errs);
/* carriercodes_has - 1 if code is on the list exactly (case-sensitive), else 0 */
int carriercodes_has(const struct carriercodes *c, const char *code);
/* carriercodes_suggest - "did you mean 'X'?" for a near miss in case, blanks or punctuation;
 * WB_NOTFOUND if none
 */
enum wb_status carriercodes_suggest(const struct carriercodes *c, const char *code, char *out,
                                    size_t n);
/* carriercodes_count - number of distinct codes */
size_t carriercodes_count(const struct carriercodes *c);
/* carriercodes_free - release the list (NULL is fine) */
void carriercodes_free(struct carriercodes *c);

#endif
