/*
 * keyset.c - two-generation open-addressing set of 64-bit key hashes.
 * Fixed memory after keyset_init; never exits.
 */
#include <stdlib.h>
#include <string.h>

#include "core/wb.h"
#include "flows/keyset.h"

/* hash64 - FNV-1a, never 0 (0 marks an empty slot) */
static uint64_t hash64(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;
    return h ? h : 1;
}

/* keyset_init - a set remembering at least window keys */
int keyset_init(struct keyset *k, size_t window)
{
    memset(k, 0, sizeof *k);
    size_t cap = 1024;
    while (cap < window * 4)
        cap <<= 1;
    k->cap = cap;
    for (int g = 0; g < 2; g++)
        if (!(k->gen[g] = calloc(cap, sizeof *k->gen[g]))) {
            keyset_free(k);
            return WB_NOMEM;
        }
    return WB_OK;
}

/* find - slot for h in a generation (the match or the empty slot) */
static struct keyset_slot *find(struct keyset_slot *t, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (t[i].hash && t[i].hash != h)
        i = (i + 1) & (cap - 1);
    return &t[i];
}

/* keyset_check_add - line of an earlier equal key (>0), or 0 after adding this one */
long keyset_check_add(struct keyset *k, const char *key, long lineno)
{
    uint64_t h = hash64(key);
    struct keyset_slot *s = find(k->gen[k->cur], k->cap, h);
    if (s->hash)
        return s->lineno;
    struct keyset_slot *o = find(k->gen[!k->cur], k->cap, h);
    if (o->hash)
        return o->lineno;
    if (k->count >= k->cap / 2) {
        /* current generation is half full: it becomes the old one */
        k->cur = !k->cur;
        memset(k->gen[k->cur], 0, k->cap * sizeof *k->gen[k->cur]);
        k->count = 0;
        s = find(k->gen[k->cur], k->cap, h);
    }
    s->hash = h;
    s->lineno = lineno;
    k->count++;
    return 0;
}

/* keyset_free - release */
void keyset_free(struct keyset *k)
{
    free(k->gen[0]);
    free(k->gen[1]);
    memset(k, 0, sizeof *k);
}
