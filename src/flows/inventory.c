/*
 * inventory.c - the inventory flow's rules and per-SKU stock table (see
 * inventory.h).
 *
 * Owns the table: SKU entries in first-seen order, an index of them, the SKU
 * texts, and the set of row keys seen (for duplicates). Must never count a
 * row it rejected, publish a SKU one of whose rows it rejected, or guess a
 * state; never touches the spool, the ledger or the network; never exits.
 */
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "core/wb.h"
#include "flows/inventory.h"
#include "flows/keyset.h"
#include "layout/layout.h"
#include "maps/buffers.h"
#include "maps/skus.h"
#include "maps/stockstates.h"

/* the field vocabulary of inventory layouts */
const char *const inventory_required[] = {"sku", "state", "location", "quantity", NULL};
const char *const inventory_optional[] = {"snapshot_time", NULL};

#define TABLE_MAX ((size_t)1 << 30) /* SKUs or row keys in one snapshot at most */

/* inventory_required_fields - the fields a snapshot must have */
const char *const *inventory_required_fields(size_t *n)
{
    *n = WB_ARRAY_LEN(inventory_required) - 1;
    return inventory_required;
}

/* inventory_rules_init - bind the rules to a layout and maps */
int inventory_rules_init(struct inventory_rules *r, const struct layout *l,
                         const struct stockstates *states, const struct skus *skus,
                         const struct buffers *buffers, struct buf *err)
{
    memset(r, 0, sizeof *r);
    r->layout = l;
    r->states = states;
    r->skus = skus;
    r->buffers = buffers;
    if (!states) {
        buf_appendf(err, "the inventory flow needs the stock states map\n");
        return WB_CONFIG;
    }
    int *slots[] = {&r->f_sku, &r->f_state, &r->f_location, &r->f_quantity};
    _Static_assert(WB_ARRAY_LEN(slots) == WB_ARRAY_LEN(inventory_required) - 1, "a slot a field");
    for (size_t i = 0; i < WB_ARRAY_LEN(slots); i++) {
        *slots[i] = layout_field_index(l, inventory_required[i]);
        if (*slots[i] < 0) {
            buf_appendf(err, "layout %s has no field '%s' (needed by the inventory flow)\n",
                        layout_name(l), inventory_required[i]);
            return WB_CONFIG;
        }
    }
    return WB_OK;
}

/* inventory_stock_init - an empty table */
int inventory_stock_init(struct inventory_stock *t)
{
    memset(t, 0, sizeof *t);
    t->nslot = 1024;
    t->capseen = 4096;
    t->slot = calloc(t->nslot, sizeof *t->slot);
    t->seen = calloc(t->capseen, sizeof *t->seen);
    if (!t->slot || !t->seen) {
        inventory_stock_free(t);
        return WB_NOMEM;
    }
    return WB_OK;
}

/* inventory_stock_free - release */
void inventory_stock_free(struct inventory_stock *t)
{
    free(t->arena);
    free(t->slot);
    free(t->seen);
    memset(t, 0, sizeof *t);
}

/* hash_sku - the index hash of n bytes */
static uint64_t hash_sku(const char *s, size_t n)
{
    const char *part[1] = {s};
    return keyset_hash_parts(part, &n, 1);
}

/* rec_at - the record a slot names */
static struct inventory_sku *rec_at(const struct inventory_stock *t, uint64_t slot)
{
    return (struct inventory_sku *)(void *)(t->arena + ((slot & 0xffffffffu) - 1) * 8);
}

/* find_slot - the slot of the n bytes at s (hash h): holding it, or the empty one it would
 * take; a record is read only where the slot's tag matches */
static size_t find_slot(const struct inventory_stock *t, const char *s, size_t n, uint64_t h)
{
    size_t mask = t->nslot - 1;
    uint64_t tag = h >> 32;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        uint64_t k = t->slot[i];
        if (!k)
            return i;
        if (k >> 32 != tag)
            continue;
        const struct inventory_sku *e = rec_at(t, k);
        if (e->len == n && memcmp(e->key, s, n) == 0)
            return i;
    }
}

/* grow_index - double the index */
static int grow_index(struct inventory_stock *t)
{
    size_t nslot = t->nslot * 2;
    uint64_t *slot = calloc(nslot, sizeof *slot);
    if (!slot)
        return WB_NOMEM;
    for (size_t k = 0; k < t->nslot; k++)
        if (t->slot[k]) {
            const struct inventory_sku *e = rec_at(t, t->slot[k]);
            uint64_t h = hash_sku(e->key, e->len);
            size_t i = (size_t)h & (nslot - 1);
            while (slot[i])
                i = (i + 1) & (nslot - 1);
            slot[i] = t->slot[k];
        }
    free(t->slot);
    t->slot = slot;
    t->nslot = nslot;
    return WB_OK;
}

/* rec_size - bytes of the record of a SKU of n bytes (8-byte aligned) */
static size_t rec_size(size_t n)
{
    return (offsetof(struct inventory_sku, key) + n + 1 + 7) & ~(size_t)7;
}

/* add - a record for the SKU of n bytes at s (hash h) in the empty slot i; NULL out of memory
 * or past TABLE_MAX */
static struct inventory_sku *add(struct inventory_stock *t, size_t i, const char *s, size_t n,
                                 uint64_t h, const char *seller, int listed)
{
    size_t size = rec_size(n);
    if (t->n >= TABLE_MAX || n > UINT32_MAX || (t->alen + size) / 8 >= UINT32_MAX)
        return NULL;
    if (t->alen + size > t->acap) {
        size_t ncap = t->acap ? t->acap * 2 : 65536;
        while (ncap < t->alen + size)
            ncap *= 2;
        char *a = realloc(t->arena, ncap);
        if (!a)
            return NULL;
        t->arena = a;
        t->acap = ncap;
    }
    size_t off = t->alen;
    struct inventory_sku *e = (struct inventory_sku *)(void *)(t->arena + off);
    e->sellable = 0;
    e->seller = seller;
    e->nrows = 0;
    e->len = (uint32_t)n;
    e->listed = (unsigned char)listed;
    e->held = 0;
    memcpy(e->key, s, n);
    e->key[n] = '\0';
    t->alen += size;
    t->slot[i] = (h >> 32) << 32 | (uint64_t)(off / 8 + 1);
    if (++t->n * 2 > t->nslot && grow_index(t) != WB_OK)
        return NULL;
    return (struct inventory_sku *)(void *)(t->arena + off);
}

/* next_rec - the record after e in the arena, NULL after the last */
static const struct inventory_sku *next_rec(const struct inventory_stock *t,
                                            const struct inventory_sku *e)
{
    if (!t->arena) /* an empty table: no arithmetic on a null pointer */
        return NULL;
    const char *p = e ? (const char *)e + rec_size(e->len) : t->arena;
    return p < t->arena + t->alen ? (const struct inventory_sku *)(const void *)p : NULL;
}

/* seen_add - 1 if h was seen before, else 0 after adding it; -1 out of memory */
static int seen_add(struct inventory_stock *t, uint64_t h)
{
    if ((t->nseen + 1) * 4 > t->capseen * 3) {
        if (t->capseen >= TABLE_MAX)
            return -1;
        size_t ncap = t->capseen * 2;
        uint64_t *v = calloc(ncap, sizeof *v);
        if (!v)
            return -1;
        for (size_t k = 0; k < t->capseen; k++)
            if (t->seen[k])
                for (size_t i = (size_t)t->seen[k] & (ncap - 1);; i = (i + 1) & (ncap - 1))
                    if (!v[i]) {
                        v[i] = t->seen[k];
                        break;
                    }
        free(t->seen);
        t->seen = v;
        t->capseen = ncap;
    }
    size_t mask = t->capseen - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (t->seen[i] == h)
            return 1;
        if (!t->seen[i]) {
            t->seen[i] = h;
            t->nseen++;
            return 0;
        }
    }
}

/* row_seen - 1 if the SKU had a row with key h before, else 0 after noting it; -1 out of
 * memory. Its first keys are in its record, the others in the table's set */
static int row_seen(struct inventory_stock *t, struct inventory_sku *e, uint64_t h)
{
    uint32_t k = e->nrows < INVENTORY_ROWS_INLINE ? e->nrows : INVENTORY_ROWS_INLINE;
    for (uint32_t i = 0; i < k; i++)
        if (e->rows[i] == h)
            return 1;
    int dup = 0;
    if (e->nrows < INVENTORY_ROWS_INLINE)
        e->rows[e->nrows] = h;
    else if ((dup = seen_add(t, h)) != 0)
        return dup;
    if (e->nrows < UINT32_MAX)
        e->nrows++;
    return 0;
}

/* parse_qty - a whole number of units 0..INVENTORY_ROW_QTY_MAX, digits only (leading zeros
 * allowed); -1 if not */
static long parse_qty(const char *s, size_t n)
{
    if (n == 0)
        return -1;
    while (n > 1 && *s == '0') {
        s++;
        n--;
    }
    if (n > 7)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= INVENTORY_ROW_QTY_MAX ? v : -1;
}

/* find_sku - the record of the row's SKU; a SKU not in the table yet is mapped and checked
 * (once) and its record made: WB_PERMFAIL with code/reason when it is unknown or one Amazon
 * cannot take */
static int find_sku(const struct inventory_rules *r, struct inventory_stock *t, const char *sku,
                    size_t n, uint64_t h, struct inventory_sku **e, char *code, size_t coden,
                    char *reason, size_t reasonn)
{
    size_t i = find_slot(t, sku, n, h);
    if (t->slot[i]) {
        *e = rec_at(t, t->slot[i]);
        return WB_OK;
    }
    char shown[128];
    const char *seller = NULL;
    int listed = 1;
    if (!r->skus) {
        if (!skus_valid_seller(sku)) {
            snprintf(code, coden, "E_SKU_INVALID");
            snprintf(reason, reasonn,
                     "SKU '%s' is not one Amazon takes: 1 to %d characters, no control "
                     "characters",
                     str_shown(sku, shown, sizeof shown), SKUS_SELLER_MAX);
            return WB_PERMFAIL;
        }
    } else if ((seller = skus_lookup_n(r->skus, sku, n)) != NULL) {
        if (seller == sku)
            seller = NULL; /* identity: the WMS SKU itself, kept in the table */
    } else if (skus_is_component(r->skus, sku, n)) {
        listed = 0;
    } else if (skus_identity(r->skus) && !skus_valid_seller(sku)) {
        snprintf(code, coden, "E_SKU_INVALID");
        snprintf(reason, reasonn,
                 "SKU '%s' is not one Amazon takes (1 to %d characters, no control characters) "
                 "and skus.map does not map it",
                 str_shown(sku, shown, sizeof shown), SKUS_SELLER_MAX);
        return WB_PERMFAIL;
    } else {
        snprintf(code, coden, "E_SKU_UNKNOWN");
        snprintf(reason, reasonn, "SKU '%s' is not in skus.map (nor a bundle component)",
                 str_shown(sku, shown, sizeof shown));
        return WB_PERMFAIL;
    }
    if (!(*e = add(t, i, sku, n, h, seller, listed)))
        return WB_NOMEM;
    return WB_OK;
}

/* inventory_row - check one good row and count it */
int inventory_row(const struct inventory_rules *r, struct inventory_stock *t,
                  const struct csvr_row *row, char *code, size_t coden, char *reason,
                  size_t reasonn)
{
    size_t n, sn, ln, qn;
    const char *sku = csvr_field_n(row, r->f_sku, &n);
    const char *state = csvr_field_n(row, r->f_state, &sn);
    const char *loc = csvr_field_n(row, r->f_location, &ln);
    const char *qty = csvr_field_n(row, r->f_quantity, &qn);
    /* the lookup misses the cache on a big snapshot: its slot loads while the row is read */
    uint64_t h = hash_sku(sku, n);
    const char *part[3] = {sku, loc, state};
    size_t len[3] = {n, ln, sn};
    uint64_t key = keyset_hash_parts(part, len, 3);
    __builtin_prefetch(&t->slot[(size_t)h & (t->nslot - 1)]);
    struct inventory_sku *e;
    int rc = find_sku(r, t, sku, n, h, &e, code, coden, reason, reasonn);
    if (rc != WB_OK)
        return rc;
    char shown[128];
    enum stockstate cls = stockstates_lookup(r->states, state, sn);
    long units = parse_qty(qty, qn);
    if (cls == STOCK_UNKNOWN) {
        const char *near = stockstates_nearest(r->states, state);
        snprintf(code, coden, "E_STOCK_STATE");
        snprintf(reason, reasonn, "state '%s' is not in stock-states.map%s%s%s",
                 str_shown(state, shown, sizeof shown), near ? " (did you mean '" : "",
                 near ? near : "", near ? "'?)" : "");
        rc = WB_PERMFAIL;
    } else if (units < 0) {
        snprintf(code, coden, "E_STOCK_QUANTITY");
        snprintf(reason, reasonn, "quantity '%s' is not a whole number from 0 to %ld",
                 str_shown(qty, shown, sizeof shown), INVENTORY_ROW_QTY_MAX);
        rc = WB_PERMFAIL;
    } else {
        int dup = row_seen(t, e, key);
        if (dup < 0)
            return WB_NOMEM;
        if (dup) {
            snprintf(code, coden, "E_STOCK_DUPLICATE");
            snprintf(reason, reasonn,
                     "SKU, location and state repeat an earlier line of this snapshot");
            rc = WB_PERMFAIL;
        }
    }
    if (rc != WB_OK) {
        e->held = 1;
        return rc;
    }
    if (cls == STOCK_SELLABLE)
        e->sellable += units;
    return WB_OK;
}

/* inventory_hold_row - a row the reader rejected: hold its SKU when its cell can be read */
int inventory_hold_row(const struct inventory_rules *r, struct inventory_stock *t,
                       const struct csvr_row *row)
{
    size_t n;
    const char *sku = csvr_field_n(row, r->f_sku, &n);
    if (!n || !str_utf8_valid(sku, n) || memchr(sku, '\0', n))
        return WB_OK;
    struct inventory_sku *e;
    char code[32], reason[256];
    int rc = find_sku(r, t, sku, n, hash_sku(sku, n), &e, code, sizeof code, reason, sizeof reason);
    if (rc == WB_OK)
        e->held = 1;
    return rc == WB_NOMEM ? rc : WB_OK;
}

/* inventory_available - sellable less buffer, never below 0 */
long long inventory_available(long long sellable, long buffer)
{
    long long a = sellable - buffer;
    return a > 0 ? a : 0;
}

/* inventory_less_open - quantity less open order units, never below 0; held stays held */
long long inventory_less_open(long long qty, long long open)
{
    if (qty == INVENTORY_HELD || open <= 0)
        return qty;
    return qty > open ? qty - open : 0;
}

/* inventory_plus_returned - quantity plus sellable returned units (returned <= 0: none); held
 * stays held */
long long inventory_plus_returned(long long qty, long long returned)
{
    if (qty == INVENTORY_HELD || returned <= 0)
        return qty;
    return qty > LLONG_MAX - returned ? LLONG_MAX : qty + returned;
}

/* inventory_bundle - bundles the components' availability makes */
long long inventory_bundle(const long long *avail, const long *qty, size_t n)
{
    long long best = -1;
    for (size_t i = 0; i < n; i++) {
        long long k = qty[i] > 0 && avail[i] > 0 ? avail[i] / qty[i] : 0;
        if (best < 0 || k < best)
            best = k;
    }
    return best > 0 ? best : 0;
}

/* seller_of - the seller SKU of an entry */
static const char *seller_of(const struct inventory_sku *e)
{
    return e->seller ? e->seller : e->key;
}

/* available_of - an entry's availability after its own buffer (components not listed: none) */
static long long available_of(const struct inventory_rules *r, const struct inventory_sku *e)
{
    long buffer = e->listed ? buffers_units(r->buffers, seller_of(e)) : 0;
    return inventory_available(e->sellable, buffer);
}

/* inventory_publish - every listed SKU not held, then every bundle whose components are known */
int inventory_publish_all(const struct inventory_rules *r, const struct inventory_stock *t,
                          inventory_publish_fn fn, void *arg)
{
    int rc;
    for (const struct inventory_sku *e = next_rec(t, NULL); e; e = next_rec(t, e)) {
        if (!e->listed)
            continue;
        if ((rc = fn(arg, seller_of(e), e->held ? INVENTORY_HELD : available_of(r, e))) != WB_OK)
            return rc;
    }
    for (size_t b = 0; b < skus_nbundles(r->skus); b++) {
        const struct skus_bundle *k = skus_bundle_at(r->skus, b);
        long long avail[SKUS_BUNDLE_MAX];
        long qty[SKUS_BUNDLE_MAX];
        int hold = 0;
        for (size_t c = 0; c < k->n; c++) {
            const char *w = k->comp[c].wms;
            size_t n = strlen(w);
            size_t i = find_slot(t, w, n, hash_sku(w, n));
            const struct inventory_sku *e = t->slot[i] ? rec_at(t, t->slot[i]) : NULL;
            hold |= e && e->held;
            avail[c] = e ? available_of(r, e) : 0; /* not in the snapshot: none */
            qty[c] = k->comp[c].qty;
        }
        long long q = hold ? INVENTORY_HELD
                           : inventory_available(inventory_bundle(avail, qty, k->n),
                                                 buffers_units(r->buffers, k->seller));
        if ((rc = fn(arg, k->seller, q)) != WB_OK)
            return rc;
    }
    return WB_OK;
}

struct not_held {
    inventory_publish_fn fn;
    void *arg;
    long *held;
};

/* not_held_cb - pass on a SKU with its quantity, count a held one */
static int not_held_cb(void *arg, const char *seller, long long quantity)
{
    struct not_held *n = arg;
    if (quantity == INVENTORY_HELD) {
        ++*n->held;
        return WB_OK;
    }
    return n->fn(n->arg, seller, quantity);
}

/* inventory_publish - the SKUs not held to fn, the held ones counted */
int inventory_publish(const struct inventory_rules *r, const struct inventory_stock *t,
                      inventory_publish_fn fn, void *arg, long *held)
{
    *held = 0;
    struct not_held n = {fn, arg, held};
    return inventory_publish_all(r, t, not_held_cb, &n);
}

/* inventory_base_put - sku's last published quantity, skus ascending */
int inventory_base_put(struct inventory_base *b, const char *sku, long long qty, long long tag)
{
    if (b->n) {
        int c = strcmp(b->v[b->n - 1].sku, sku);
        if (c == 0) {
            b->v[b->n - 1].qty = qty;
            b->v[b->n - 1].tag = tag;
            return WB_OK;
        }
        if (c > 0)
            return WB_BADARG;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        struct inventory_base_ent *v = realloc(b->v, cap * sizeof *v);
        if (!v)
            return WB_NOMEM;
        b->v = v;
        b->cap = cap;
    }
    char *k = strdup(sku);
    if (!k)
        return WB_NOMEM;
    b->v[b->n++] = (struct inventory_base_ent){k, qty, tag, 0};
    return WB_OK;
}

/* base_find - the entry of sku, NULL if none */
static struct inventory_base_ent *base_find(const struct inventory_base *b, const char *sku)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(b->v[mid].sku, sku);
        if (c == 0)
            return &b->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* inventory_base_take - 1 if qty differs from sku's last published quantity or has none */
int inventory_base_take(struct inventory_base *b, const char *sku, long long qty)
{
    struct inventory_base_ent *e = base_find(b, sku);
    if (!e)
        return qty != INVENTORY_HELD;
    e->taken = 1;
    return qty != INVENTORY_HELD && e->qty != qty;
}

/* inventory_base_tag - the tag of sku's entry */
long long inventory_base_tag(const struct inventory_base *b, const char *sku)
{
    const struct inventory_base_ent *e = base_find(b, sku);
    return e ? e->tag : 0;
}

/* inventory_base_qty - the last published quantity of sku, -1 if none */
long long inventory_base_qty(const struct inventory_base *b, const char *sku)
{
    const struct inventory_base_ent *e = base_find(b, sku);
    return e ? e->qty : -1;
}

/* inventory_base_gone - skus not taken whose last quantity is not 0 */
int inventory_base_gone(const struct inventory_base *b, inventory_publish_fn fn, void *arg)
{
    for (size_t i = 0; i < b->n; i++)
        if (!b->v[i].taken && b->v[i].qty != 0) {
            int rc = fn(arg, b->v[i].sku, 0);
            if (rc != WB_OK)
                return rc;
        }
    return WB_OK;
}

/* inventory_base_free - release */
void inventory_base_free(struct inventory_base *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->v[i].sku);
    free(b->v);
    *b = (struct inventory_base){0};
}
