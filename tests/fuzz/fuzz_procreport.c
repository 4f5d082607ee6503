/*
 * fuzz_procreport.c - libFuzzer target for the processing report reader.
 *
 * Feeds arbitrary bytes to procreport_parse (XML, JSON and flat-file paths by
 * sniffing) and checks the result contract: WB_OK or WB_PERMFAIL only, every
 * text field NUL-terminated, valid UTF-8 and within its buffer, no results
 * left behind on failure; a parsed report then goes through the settling
 * rule against a fixed four-message feed: a verdict, and for a report that
 * settles one verdict per message. Owns nothing between runs.
 * Must never: touch files or the network.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amazon/procreport.h"
#include "core/buf.h"
#include "core/strutil.h"
#include "core/wb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* field_ok - NUL within n bytes and valid UTF-8 */
static void field_ok(const char *s, size_t n)
{
    const char *z = memchr(s, '\0', n);
    if (!z || !str_utf8_valid(s, (size_t)(z - s)))
        abort();
}

/* LLVMFuzzerTestOneInput - one input through the sniffing parser */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf err;
    struct proc_report r;
    buf_init(&err, 4096);
    int rc = procreport_parse((const char *)data, size, &r, &err);
    if (rc == WB_OK) {
        field_ok(r.status, sizeof(r.status));
        for (size_t i = 0; i < r.nresults; i++) {
            const struct proc_result *p = &r.results[i];
            field_ok(p->code, sizeof(p->code));
            field_ok(p->description, sizeof(p->description));
            field_ok(p->sku, sizeof(p->sku));
            field_ok(p->order_id, sizeof(p->order_id));
            if (p->message_id < 0)
                abort();
        }
        field_ok(r.transaction_id, sizeof(r.transaction_id));
        static const struct proc_sent sent[] = {
            {1, "026-1234567-1234567"}, {2, ""}, {3, "026-1234567-1234568"}, {4, ""}};
        int v = procreport_check(&r, r.format, r.transaction_id, sent, 4, &err);
        if (v != PROCREPORT_SETTLES && v != PROCREPORT_FEED_FAILED && v != PROCREPORT_UNPROVEN)
            abort();
        for (size_t i = 0; v == PROCREPORT_SETTLES && i < 4; i++) {
            const struct proc_result *first, *cause;
            size_t n;
            int m = procreport_message(&r, &sent[i], &first, &n, &cause);
            if (m < PROCREPORT_MSG_OK || m > PROCREPORT_MSG_OTHER_ORDER ||
                (m == PROCREPORT_MSG_OK) != (n == 0) ||
                ((m == PROCREPORT_MSG_ERROR || m == PROCREPORT_MSG_OTHER_ORDER) && !cause))
                abort();
        }
    } else if (rc == WB_PERMFAIL) {
        if (r.results || r.nresults || err.len == 0)
            abort();
    } else if (rc != WB_NOMEM) {
        abort();
    }
    procreport_free(&r);
    buf_free(&err);
    return 0;
}
