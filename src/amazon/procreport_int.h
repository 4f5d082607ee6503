/*
 * procreport_int.h - helpers shared by the processing report readers.
 *
 * Internal to src/amazon (procreport.c, procreport_xml.c): bounded text
 * copies, result array growth, error sentences, summary counting.
 * Error contract: WB_* codes; never exits. Must never be used outside amazon/.
 */
#ifndef WB_AMAZON_PROCREPORT_INT_H
#define WB_AMAZON_PROCREPORT_INT_H

#include <stddef.h>

#include "amazon/procreport.h"
#include "core/buf.h"

/* procreport_fail - put one sentence in err (may be NULL) and return WB_PERMFAIL */
int procreport_fail(struct buf *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* procreport_is_space - ASCII white space */
int procreport_is_space(char c);
/* procreport_put_text - trimmed, bounded copy into dst[n]; Latin-1 when not UTF-8 */
void procreport_put_text(char *dst, size_t n, const char *src, size_t len);
/* procreport_new_result - room for one more zeroed result; NULL with rc set when refused */
struct proc_result *procreport_new_result(struct proc_report *r, size_t *cap, int *rc);
/* procreport_distinct_ids - distinct message ids among errors (want_error 1) or warnings (0) */
long procreport_distinct_ids(const struct proc_report *r, int want_error);

#endif
