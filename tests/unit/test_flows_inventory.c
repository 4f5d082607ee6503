/*
 * test_flows_inventory.c - the inventory flow's availability rules
 * (flows/inventory.c) through `convert inventory`'s hook on memory streams:
 * sums per SKU over sellable states only, buffers never driving a quantity
 * below 0, bundles from their components, every hostile row rejected with its
 * code and its SKU held (never published from a partial total), duplicates
 * found however far apart, and documents of at most 25,000 messages. The
 * documents are read back with jansson. Owns only its memory streams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/wb.h"
#include "flows/flow.h"
#include "flows/inventory.h"
#include "flows/inventory_flow.h"
#include "layout/layout.h"
#include "maps/buffers.h"
#include "maps/skus.h"
#include "maps/stockstates.h"

#define HEADER "sku,stock_state,location,quantity\n"

static const char layout_text[] = "name = inv\nflow = inventory\nfield sku = sku\n"
                                  "field state = stock_state\nfield location = location\n"
                                  "field quantity = quantity\n";
static const char states_text[] = "AVAILABLE sellable\nPICKFACE sellable\nDAMAGED unsellable\n"
                                  "QUARANTINE unsellable\n";

struct fx {
    struct layout *layout;
    struct stockstates *states;
    struct skus *skus;       /* NULL: SKUs as they are */
    struct buffers *buffers; /* NULL: none */
    struct flow_convert_stats st;
    int rc;
    char *out;     /* the documents written */
    char *rejects; /* the reject file */
    char *err;
    json_t *docs; /* array of the documents */
};

/* setup - layout and states; no SKU map, no buffers */
static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct buf err;
    buf_init(&err, 1 << 16);
    if (layout_parse_text(layout_text, strlen(layout_text), "inv.layout", &f->layout, &err) !=
            WB_OK ||
        stockstates_parse_text("states", states_text, strlen(states_text), &f->states, &err) !=
            WB_OK) {
        fprintf(stderr, "%s", buf_str(&err));
        return -1;
    }
    buf_free(&err);
    *state = f;
    return 0;
}

/* reset - forget the last run */
static void reset(struct fx *f)
{
    free(f->out);
    free(f->rejects);
    free(f->err);
    json_decref(f->docs);
    f->out = f->rejects = f->err = NULL;
    f->docs = NULL;
}

/* teardown - release everything */
static int teardown(void **state)
{
    struct fx *f = *state;
    reset(f);
    layout_free(f->layout);
    stockstates_free(f->states);
    skus_free(f->skus);
    buffers_free(f->buffers);
    free(f);
    return 0;
}

/* use_skus - the SKU map for the next runs */
static void use_skus(struct fx *f, const char *text)
{
    skus_free(f->skus);
    assert_int_equal(skus_parse_text("skus", text, strlen(text), &f->skus, NULL), WB_OK);
}

/* use_buffers - the buffer rules for the next runs */
static void use_buffers(struct fx *f, const char *text)
{
    buffers_free(f->buffers);
    assert_int_equal(buffers_parse_text("buffers", text, strlen(text), &f->buffers, NULL), WB_OK);
}

/* run - convert len bytes of snapshot; the documents are parsed into f->docs */
static void run_n(struct fx *f, const char *csv, size_t len)
{
    reset(f);
    FILE *in = fmemopen((void *)csv, len, "r");
    size_t on = 0, rn = 0;
    FILE *out = open_memstream(&f->out, &on);
    FILE *rej = open_memstream(&f->rejects, &rn);
    assert_non_null(in);
    struct buf err;
    buf_init(&err, 1 << 20);
    struct flow_convert_args a = {.layout = f->layout,
                                  .skus = f->skus,
                                  .merchant = "A1SELLER",
                                  .states = f->states,
                                  .buffers = f->buffers};
    f->rc = inventory_flow_convert(&a, in, out, rej, &f->st, NULL, &err);
    fclose(in);
    fclose(out);
    fclose(rej);
    f->err = strdup(buf_str(&err));
    buf_free(&err);
    /* the output is a sequence of documents */
    f->docs = json_array();
    size_t pos = 0;
    while (pos < on) {
        json_error_t je;
        json_t *d = json_loadb(f->out + pos, on - pos, JSON_DISABLE_EOF_CHECK, &je);
        if (!d)
            fail_msg("output not JSON at %zu: %s", pos, je.text);
        json_array_append_new(f->docs, d);
        pos += je.position;
        while (pos < on && (f->out[pos] == '\n' || f->out[pos] == ' '))
            pos++;
    }
}

/* run - convert a snapshot given as text */
static void run(struct fx *f, const char *csv)
{
    run_n(f, csv, strlen(csv));
}

/* qty - the quantity published for seller SKU sku (first document that has it), -1 if none */
static long long qty(const struct fx *f, const char *sku)
{
    size_t i, k;
    json_t *d, *m;
    json_array_foreach(f->docs, i, d)
    {
        json_array_foreach(json_object_get(d, "messages"), k, m)
        {
            if (strcmp(json_string_value(json_object_get(m, "sku")), sku) != 0)
                continue;
            json_t *p = json_array_get(json_object_get(m, "patches"), 0);
            json_t *v = json_array_get(json_object_get(p, "value"), 0);
            return json_integer_value(json_object_get(v, "quantity"));
        }
    }
    return -1;
}

/* expect_reject - the reject file holds a row with code */
static void expect_reject(const struct fx *f, const char *code)
{
    if (!f->rejects || !strstr(f->rejects, code))
        fail_msg("no %s in rejects:\n%s", code, f->rejects ? f->rejects : "");
}

/* test_rules - the arithmetic on its own */
static void test_rules(void **state)
{
    (void)state;
    assert_int_equal(inventory_available(10, 3), 7);
    assert_int_equal(inventory_available(3, 3), 0);
    assert_int_equal(inventory_available(2, 5), 0);
    assert_int_equal(inventory_available(0, 0), 0);
    long long avail[3] = {10, 7, 100};
    long q[3] = {2, 3, 1};
    assert_int_equal(inventory_bundle(avail, q, 3), 2);
    avail[1] = 0;
    assert_int_equal(inventory_bundle(avail, q, 3), 0);
    avail[1] = -4;
    assert_int_equal(inventory_bundle(avail, q, 3), 0);
    assert_int_equal(inventory_bundle(avail, q, 0), 0);
}

/* test_sum_sellable - rows summed per SKU over sellable states; the document's shape */
static void test_sum_sellable(void **state)
{
    struct fx *f = *state;
    run(f, HEADER "A,AVAILABLE,L1,5\nB,AVAILABLE,L1,1\nA,PICKFACE,P1,3\nA,DAMAGED,L1,100\n"
                  "A,QUARANTINE,Q1,7\nC,DAMAGED,L9,4\n");
    assert_int_equal(f->rc, WB_OK);
    assert_int_equal(f->st.rows, 6);
    assert_int_equal(f->st.good, 6);
    assert_int_equal(f->st.messages, 3);
    assert_int_equal(qty(f, "A"), 8);
    assert_int_equal(qty(f, "B"), 1);
    assert_int_equal(qty(f, "C"), 0); /* only unsellable stock: 0, said so */
    assert_int_equal(json_array_size(f->docs), 1);
    json_t *d = json_array_get(f->docs, 0);
    json_t *h = json_object_get(d, "header");
    assert_string_equal(json_string_value(json_object_get(h, "sellerId")), "A1SELLER");
    assert_string_equal(json_string_value(json_object_get(h, "version")), "2.0");
    json_t *m = json_array_get(json_object_get(d, "messages"), 0);
    assert_int_equal(json_integer_value(json_object_get(m, "messageId")), 1);
    assert_string_equal(json_string_value(json_object_get(m, "sku")), "A"); /* first seen */
    assert_string_equal(json_string_value(json_object_get(m, "operationType")), "PATCH");
    assert_string_equal(json_string_value(json_object_get(m, "productType")), "PRODUCT");
    json_t *p = json_array_get(json_object_get(m, "patches"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "op")), "merge");
    assert_string_equal(json_string_value(json_object_get(p, "path")),
                        "/attributes/fulfillment_availability");
    json_t *v = json_array_get(json_object_get(p, "value"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "fulfillment_channel_code")),
                        "DEFAULT");
}

/* test_buffers - the SKU's buffer, by SKU or class, never below 0 */
static void test_buffers(void **state)
{
    struct fx *f = *state;
    use_buffers(f, "default 1\nprefix MUG- 3\nsku MUG-BIG 0\n");
    run(f, HEADER "MUG-1,AVAILABLE,L,10\nMUG-2,AVAILABLE,L,2\nMUG-BIG,AVAILABLE,L,4\n"
                  "PLATE,AVAILABLE,L,1\nBOWL,AVAILABLE,L,6\n");
    assert_int_equal(f->rc, WB_OK);
    assert_int_equal(qty(f, "MUG-1"), 7);
    assert_int_equal(qty(f, "MUG-2"), 0);
    assert_int_equal(qty(f, "MUG-BIG"), 4);
    assert_int_equal(qty(f, "PLATE"), 0);
    assert_int_equal(qty(f, "BOWL"), 5);
    buffers_free(f->buffers);
    f->buffers = NULL;
}

/* test_bundles - bundles from components' availability; a held component holds the bundle */
static void test_bundles(void **state)
{
    struct fx *f = *state;
    use_skus(f, "W-CUP S-CUP\nbundle S-SET W-CUP:2 W-SAUCER:2 W-BOX:1\nbundle S-DUO W-CUP:1 "
                "W-GONE:1\nbundle S-HELD W-BAD:1 W-CUP:1\n");
    use_buffers(f, "sku S-CUP 1\nsku S-SET 1\n");
    run(f, HEADER "W-CUP,AVAILABLE,L,9\nW-SAUCER,AVAILABLE,L,20\nW-BOX,AVAILABLE,L,3\n"
                  "W-SAUCER,DAMAGED,L,50\nW-BAD,AVAILABLE,L,x\n");
    assert_int_equal(f->rc, WB_PERMFAIL);
    assert_int_equal(f->st.rejected, 1);
    expect_reject(f, "E_STOCK_QUANTITY");
    assert_int_equal(qty(f, "S-CUP"), 8);
    /* cups 8 (after their buffer) / 2 = 4, saucers 20 / 2 = 10, boxes 3: 3, less 1 */
    assert_int_equal(qty(f, "S-SET"), 2);
    assert_int_equal(qty(f, "S-DUO"), 0); /* a component not in the snapshot: none */
    assert_int_equal(qty(f, "S-HELD"), -1);
    assert_int_equal(qty(f, "W-SAUCER"), -1); /* components are not listings themselves */
    assert_non_null(strstr(f->err, "1 SKU(s) not published"));
    skus_free(f->skus);
    buffers_free(f->buffers);
    f->skus = NULL;
    f->buffers = NULL;
}

/* test_hostile - each bad row rejected with its code; its SKU is not published at all */
static void test_hostile(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *row, *code;
    } cases[] = {
        {"S,BROKEN,L,1\n", "E_STOCK_STATE"},
        {"S,available,L,1\n", "E_STOCK_STATE"},
        {"S,AVAILABLE,L,-1\n", "E_STOCK_QUANTITY"},
        {"S,AVAILABLE,L,1.5\n", "E_STOCK_QUANTITY"},
        {"S,AVAILABLE,L,1.0\n", "E_STOCK_QUANTITY"},
        {"S,AVAILABLE,L,+1\n", "E_STOCK_QUANTITY"},
        {"S,AVAILABLE,L,1e3\n", "E_STOCK_QUANTITY"},
        {"S,AVAILABLE,L,ten\n", "E_STOCK_QUANTITY"},
        {"S,AVAILABLE,L,\n", "E_STOCK_QUANTITY"},
        {"S,AVAILABLE,L,1000001\n", "E_STOCK_QUANTITY"},
        {"S,AVAILABLE,L,99999999999999999999\n", "E_STOCK_QUANTITY"},
        {"S,AVAILABLE,A,4\n", "E_STOCK_DUPLICATE"},
        {"S,AVAILABLE,L,1,extra\n", "E_COLUMNS"},
        {"S,AVAILABLE,L,\"1\n", "E_TRUNCATED"},
    };
    char csv[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(csv, sizeof csv, HEADER "S,AVAILABLE,A,4\nT,AVAILABLE,A,2\n%s", cases[i].row);
        run(f, csv);
        if (f->rc != WB_PERMFAIL || f->st.rejected != 1)
            fail_msg("%s: rc %d, %ld rejected", cases[i].row, f->rc, f->st.rejected);
        expect_reject(f, cases[i].code);
        if (qty(f, "S") != -1)
            fail_msg("%s: S published from a partial total", cases[i].row);
        assert_int_equal(qty(f, "T"), 2);
    }
    run(f, HEADER "S,AVAILABLE,L,1000000\nS,AVAILABLE,M,0000000\nS,AVAILABLE,N,000000000002\n");
    assert_int_equal(f->rc, WB_OK);
    assert_int_equal(qty(f, "S"), 1000002);
}

/* test_skus - unknown SKUs and SKUs Amazon refuses are rejected, mapped ones renamed */
static void test_skus(void **state)
{
    struct fx *f = *state;
    const char *long41 = "A1234567890123456789012345678901234567890";
    char csv[512];
    snprintf(csv, sizeof csv, HEADER "%s,AVAILABLE,L,1\nOK,AVAILABLE,L,1\n", long41);
    run(f, csv);
    assert_int_equal(f->rc, WB_PERMFAIL);
    expect_reject(f, "E_SKU_INVALID");
    assert_int_equal(qty(f, "OK"), 1);
    run(f, HEADER "\"A\tB\",AVAILABLE,L,1\n");
    expect_reject(f, "E_SKU_INVALID");
    assert_int_equal(f->st.messages, 0);
    assert_string_equal(f->out, ""); /* nothing to publish: no document */
    use_skus(f, "W1 S1\n");
    run(f, HEADER "W1,AVAILABLE,L,3\nW2,AVAILABLE,L,1\nS1,AVAILABLE,L,1\n");
    assert_int_equal(f->st.rejected, 2);
    expect_reject(f, "E_SKU_UNKNOWN");
    assert_int_equal(qty(f, "S1"), 3);
    use_skus(f, "W1 S1\n* = identity\n");
    snprintf(csv, sizeof csv, HEADER "W1,AVAILABLE,L,3\nW2,AVAILABLE,L,1\n%s,AVAILABLE,L,1\n",
             long41);
    run(f, csv);
    assert_int_equal(f->st.rejected, 1);
    expect_reject(f, "E_SKU_INVALID");
    assert_int_equal(qty(f, "S1"), 3);
    assert_int_equal(qty(f, "W2"), 1);
    skus_free(f->skus);
    f->skus = NULL;
}

/* test_far_duplicate - a repeated SKU, location and state is found however far apart */
static void test_far_duplicate(void **state)
{
    struct fx *f = *state;
    struct buf csv;
    buf_init(&csv, 16 << 20);
    assert_int_equal(buf_appends(&csv, HEADER "DUP,AVAILABLE,BIN-1,5\n"), WB_OK);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(buf_appendf(&csv, "SKU%d,AVAILABLE,BIN-%d,1\n", i % 30000, i), WB_OK);
    assert_int_equal(buf_appends(&csv, "DUP,AVAILABLE,BIN-1,5\nDUP,AVAILABLE,BIN-2,1\n"), WB_OK);
    run_n(f, csv.data, csv.len);
    buf_free(&csv);
    assert_int_equal(f->rc, WB_PERMFAIL);
    assert_int_equal(f->st.rejected, 1);
    expect_reject(f, "E_STOCK_DUPLICATE");
    assert_int_equal(qty(f, "DUP"), -1);
    assert_int_equal(qty(f, "SKU29999"), 3); /* rows 29999, 59999, 89999 */
    assert_int_equal(qty(f, "SKU0"), 4);
    assert_int_equal(f->st.messages, 30000);
    /* more than 25,000 messages: a second document, messageId from 1 again */
    assert_int_equal(json_array_size(f->docs), 2);
    json_t *m2 = json_object_get(json_array_get(f->docs, 1), "messages");
    assert_int_equal(json_array_size(json_object_get(json_array_get(f->docs, 0), "messages")),
                     25000);
    assert_int_equal(json_array_size(m2), 5000);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(m2, 0), "messageId")), 1);
}

/* test_wrong_layout - a snapshot in another layout is refused whole */
static void test_wrong_layout(void **state)
{
    struct fx *f = *state;
    run(f, "amazon_order_id,order_item_id,sku,quantity\n1,2,3,4\n");
    assert_int_not_equal(f->rc, WB_OK);
    assert_int_equal(f->st.messages, 0);
    assert_string_equal(f->out, "");
    struct flow_convert_args a = {.layout = f->layout};
    struct buf err;
    buf_init(&err, 4096);
    assert_int_equal(inventory_flow_convert_check(&a, &err), WB_CONFIG); /* no states map */
    buf_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),         cmocka_unit_test(test_sum_sellable),
        cmocka_unit_test(test_buffers),       cmocka_unit_test(test_bundles),
        cmocka_unit_test(test_hostile),       cmocka_unit_test(test_skus),
        cmocka_unit_test(test_far_duplicate), cmocka_unit_test(test_wrong_layout),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
