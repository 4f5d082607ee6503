/*
 * settlement_convert.c - `wmsbridge convert settlement`: a V2 settlement file
 * on a stream becomes its journal on another stream. Pure: no spool, no
 * ledger, no network. The journal is written whole or not at all: WB_NOINPUT
 * for a refused file, WB_PERMFAIL with every unmapped combination listed,
 * WB_CONFIG for an unreadable map. Never exits.
 */
#include "core/wb.h"
#include "flows/flow.h"
#include "flows/settlement.h"
#include "flows/settlement_flow.h"
#include "maps/glmap.h"

/* settlement_flow_convert - read, check, map, write */
int settlement_flow_convert(const struct flow_doc_args *a, FILE *in, FILE *out, struct buf *err)
{
    struct glmap *gl = NULL;
    int rc = glmap_load(a->map, &gl, err);
    if (rc != WB_OK)
        return rc;
    struct settlement s;
    rc = settlement_read(&s, in, a->currency, NULL, NULL, err);
    if (rc == WB_PERMFAIL) {
        rc = WB_NOINPUT;
    } else if (rc == WB_OK) {
        size_t nun = 0;
        if ((rc = settlement_map(&s, gl, err, &nun)) == WB_PERMFAIL)
            buf_appendf(err, "settlement %s: %zu unmapped combination(s) above; add them to %s\n",
                        s.id, nun, a->map);
        else if (rc == WB_OK)
            rc = settlement_journal(&s, a->layout, out);
    }
    settlement_free(&s);
    glmap_free(gl);
    return rc;
}
