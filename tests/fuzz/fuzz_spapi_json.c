/*
 * fuzz_spapi_json.c - libFuzzer target for the SP-API response parsers.
 *
 * Feeds the same bytes to every parser the client applies to Amazon's
 * answers: Feed, GetFeedsResponse (two pages appended), documents, created
 * ids, Report, ErrorList and the LWA token response. Checks the invariants
 * the callers rely on: identifiers that come back are safe for URL paths and
 * statuses are one of the documented five. Seeds: corpus/spapi_json/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/wb.h"
#include "net/lwa.h"
#include "net/spapi_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_feed - a parsed feed must hold only safe values */
static void check_feed(const struct spapi_feed *f)
{
    if (!spapi_id_ok(f->feed_id) || !spapi_status_ok(f->status) ||
        (f->result_doc_id[0] && !spapi_id_ok(f->result_doc_id)))
        abort();
}

/* LLVMFuzzerTestOneInput - run every parser over one input */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *j = (const char *)data;
    struct buf err, url;
    buf_init(&err, 1 << 16);
    buf_init(&url, 1 << 16);
    struct spapi_feed f;
    if (spapi_parse_feed(j, size, &f, &err) == WB_OK)
        check_feed(&f);
    struct spapi_feed *arr = NULL;
    size_t n = 0;
    char next[1024];
    if (spapi_parse_feeds(j, size, &arr, &n, 100, next, sizeof next, &err) == WB_OK)
        spapi_parse_feeds(j, size, &arr, &n, 100, next, sizeof next, &err);
    for (size_t i = 0; i < n; i++)
        check_feed(&arr[i]);
    free(arr);
    char id[SPAPI_ID_MAX + 1];
    int gz;
    if (spapi_parse_document(j, size, "feedDocumentId", id, sizeof id, &url, &gz, &err) == WB_OK &&
        (!spapi_id_ok(id) || strncasecmp(buf_str(&url), "http", 4) != 0))
        abort();
    if (spapi_parse_id(j, size, "feedId", id, sizeof id, &err) == WB_OK && !spapi_id_ok(id))
        abort();
    struct spapi_report r;
    if (spapi_parse_report(j, size, &r, &err) == WB_OK &&
        (!spapi_id_ok(r.report_id) || !spapi_status_ok(r.status)))
        abort();
    int te;
    buf_reset(&err);
    spapi_parse_errors(j, size, &err, &te);
    char code[64], text[512];
    if (spapi_parse_refusal(j, size, code, sizeof code, text, sizeof text) == WB_OK &&
        (strlen(code) >= sizeof code || strlen(code) != strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                     "abcdefghijklmnopqrstuvwxyz"
                                                                     "0123456789_-")))
        abort();
    char tok[LWA_TOKEN_MAX];
    long ex;
    if (lwa_parse_token(j, size, tok, sizeof tok, &ex, &err) == WB_OK && (ex <= 0 || !tok[0]))
        abort();
    spapi_parse_time(buf_str(&err));
    buf_free(&err);
    buf_free(&url);
    return 0;
}
