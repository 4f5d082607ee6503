/*
 * strmap.c - string -> pointer hash table shared by the maps/ modules.
 *
 * Owns the slot array and a copy of every key; values belong to the caller.
 * Returns WB_NOMEM, WB_EXISTS or WB_TOOBIG as documented in strmap.h and
 * leaves the table unchanged on failure. Must never do I/O or exit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/wb.h"
#include "maps/strmap.h"

struct slot {
    char *key; /* NULL: empty slot */
    size_t len;
    uint64_t hash;
    void *val;
};

struct strmap {
    struct slot *slots;
    size_t cap; /* power of two */
    size_t count;
};

/* hash_bytes - 64-bit FNV-1a of n bytes */
static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

/* strmap_new - empty table sized for about hint entries */
struct strmap *strmap_new(size_t hint)
{
    if (hint > STRMAP_MAX_ENTRIES)
        hint = STRMAP_MAX_ENTRIES;
    size_t cap = 16;
    while (cap < hint * 2)
        cap *= 2;
    struct strmap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->cap = cap;
    return m;
}

/* strmap_free - release the table and its key copies */
void strmap_free(struct strmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    free(m);
}

/* find_slot - index of the slot holding key, or of the empty slot where it would go */
static size_t find_slot(const struct strmap *m, const char *key, size_t len, uint64_t h)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;
    for (;;) {
        const struct slot *s = &m->slots[i];
        if (!s->key)
            return i;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

/* grow - double the slot array and re-insert every entry */
static int grow(struct strmap *m)
{
    size_t ncap = m->cap * 2;
    struct slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return WB_NOMEM;
    struct slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = ns;
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].key)
            continue;
        size_t j = find_slot(m, old[i].key, old[i].len, old[i].hash);
        m->slots[j] = old[i];
    }
    free(old);
    return WB_OK;
}

/* strmap_put - add key -> val; *owned gets the table's copy of the key */
enum wb_status strmap_put(struct strmap *m, const char *key, void *val, const char **owned)
{
    size_t len = strlen(key);
    uint64_t h = hash_bytes(key, len);
    size_t i = find_slot(m, key, len, h);
    if (m->slots[i].key) {
        if (owned)
            *owned = m->slots[i].key;
        return WB_EXISTS;
    }
    if (m->count >= STRMAP_MAX_ENTRIES)
        return WB_TOOBIG;
    if ((m->count + 1) * 2 > m->cap) {
        int rc = grow(m);
        if (rc != WB_OK)
            return rc;
        i = find_slot(m, key, len, h);
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return WB_NOMEM;
    memcpy(copy, key, len + 1);
    m->slots[i].key = copy;
    m->slots[i].len = len;
    m->slots[i].hash = h;
    m->slots[i].val = val;
    m->count++;
    if (owned)
        *owned = copy;
    return WB_OK;
}

/* strmap_getn - value stored for the len bytes at key */
void *strmap_getn(const struct strmap *m, const char *key, size_t len)
{
    if (!m || !key)
        return NULL;
    size_t i = find_slot(m, key, len, hash_bytes(key, len));
    return m->slots[i].key ? m->slots[i].val : NULL;
}

/* strmap_get - value stored for key, NULL when absent */
void *strmap_get(const struct strmap *m, const char *key)
{
    return key ? strmap_getn(m, key, strlen(key)) : NULL;
}

/* strmap_has - 1 if the len bytes at key are a key of the table */
int strmap_has(const struct strmap *m, const char *key, size_t len)
{
    if (!m || !key)
        return 0;
    size_t i = find_slot(m, key, len, hash_bytes(key, len));
    return m->slots[i].key != NULL;
}

/* strmap_count - number of entries */
size_t strmap_count(const struct strmap *m)
{
    return m ? m->count : 0;
}

/* strmap_next - iterate: start with *pos = 0; 1 with key/val filled, 0 at the end */
int strmap_next(const struct strmap *m, size_t *pos, const char **key, void **val)
{
    if (!m)
        return 0;
    while (*pos < m->cap) {
        const struct slot *s = &m->slots[(*pos)++];
        if (s->key) {
            if (key)
                *key = s->key;
            if (val)
                *val = s->val;
            return 1;
        }
    }
    return 0;
}
