/*
 * resultcodes.h - operator notes for Amazon processing-report result codes.
 *
 * Owns the hints read from etc/result-codes.map (format in that file's
 * header): "code | what to do" or "low-high | what to do" for a numeric
 * range; '#' comment lines. An exact code wins over a range; among ranges the
 * first in the file wins. Amazon's own code and text are always shown to the
 * operator; a hint only adds what to do about it.
 * Errors: WB_CONFIG with "file:line: text" lines in errs, WB_NOMEM. A missing
 * file is not an error: resultcodes_load gives WB_OK and an empty map, and
 * resultcodes_found() tells the caller, who decides whether to warn. Never
 * network, ledger or spool; never exits.
 */
#ifndef WB_MAPS_RESULTCODES_H
#define WB_MAPS_RESULTCODES_H

#include <stddef.h>

#include "core/buf.h"
#include "core/wb.h"

#define RESULTCODES_CODE_MAX 32   /* bytes */
#define RESULTCODES_HINT_MAX 1000 /* characters */

struct resultcodes;

/* resultcodes_load - read hints at path; a missing file gives WB_OK and an empty map */
enum wb_status resultcodes_load(const char *path, struct resultcodes **out, struct buf *errs);
/* resultcodes_parse_text - same as resultcodes_load for len bytes of text named name */
enum wb_status resultcodes_parse_text(const char *name, const char *text, size_t len,
                                      struct resultcodes **out, struct buf *errs);
/* resultcodes_hint - operator hint for a result code (blanks trimmed), NULL if none */
const char *resultcodes_hint(const struct resultcodes *m, const char *code);
/* resultcodes_found - 0 if the map is empty because its file did not exist, else 1 */
int resultcodes_found(const struct resultcodes *m);
/* resultcodes_count - number of exact codes plus ranges */
size_t resultcodes_count(const struct resultcodes *m);
/* resultcodes_free - release the map (NULL is fine) */
void resultcodes_free(struct resultcodes *m);

#endif
