/*
 * keyset.c - two-generation open-addressing set of 64-bit key hashes.
 * Each generation takes `window` keys at half load before it becomes the old
 * one, so the last `window` keys are always found. Both generations live in
 * the same slots, so the lookups in both and the insertion touch the same
 * cache lines. Fixed memory after keyset_init; never exits.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/wb.h"
#include "flows/keyset.h"

#define HUGE_ALIGN ((size_t)2 << 20)

/* mix - final avalanche of a 64-bit value (MurmurHash3 fmix64) */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* keyset_hash - 64-bit hash of a key, eight bytes a step; never 0 (0 marks an empty slot) */
uint64_t keyset_hash(const char *key)
{
    size_t n = strlen(key);
    uint64_t h = 0x9e3779b97f4a7c15ULL, w;
    if (n >= 8) { /* whole words, the last one overlapping */
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&w, key + i, 8);
            h = (h ^ w) * 0xff51afd7ed558ccdULL;
            h ^= h >> 32;
        }
        memcpy(&w, key + n - 8, 8);
        h ^= w;
    } else {
        for (size_t i = 0; i < n; i++)
            h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
    }
    h = mix(h ^ n);
    return h ? h : 1;
}

/* keyset_init - a set remembering at least window keys */
int keyset_init(struct keyset *k, size_t window)
{
    memset(k, 0, sizeof *k);
    size_t cap = 1024;
    while (cap < window * 2)
        cap <<= 1;
    size_t size = cap * sizeof *k->slot; /* a multiple of HUGE_ALIGN from 64 Ki slots up */
    size_t align = size % HUGE_ALIGN == 0 ? HUGE_ALIGN : 64;
    k->slot = aligned_alloc(align, size);
    if (!k->slot)
        return WB_NOMEM;
    if (align == HUGE_ALIGN) /* lookups land anywhere: large pages spare TLB misses (a hint) */
        madvise(k->slot, size, MADV_HUGEPAGE);
    memset(k->slot, 0, size);
    k->cap = cap;
    return WB_OK;
}

/* find - slot of h in generation g (the match or the empty slot) */
static size_t find(const struct keyset *k, int g, uint64_t h)
{
    size_t mask = k->cap - 1, i = (size_t)h & mask;
    while (k->slot[i].hash[g] && k->slot[i].hash[g] != h)
        i = (i + 1) & mask;
    return i;
}

/* keyset_prefetch - start loading the slots of hash h before keyset_check_hash needs them */
void keyset_prefetch(const struct keyset *k, uint64_t h)
{
    __builtin_prefetch(&k->slot[(size_t)h & (k->cap - 1)], 1);
}

/* keyset_check_hash - keyset_check_add for a key hashed with keyset_hash */
long keyset_check_hash(struct keyset *k, uint64_t h, long lineno)
{
    int cur = k->cur;
    size_t s = find(k, cur, h);
    if (k->slot[s].hash[cur])
        return k->slot[s].line[cur];
    size_t o = find(k, !cur, h);
    if (k->slot[o].hash[!cur])
        return k->slot[o].line[!cur];
    if (k->count >= k->cap / 2) {
        /* current generation is half full: it becomes the old one */
        cur = k->cur = !cur;
        for (size_t i = 0; i < k->cap; i++)
            k->slot[i].hash[cur] = 0;
        k->count = 0;
        s = find(k, cur, h);
    }
    k->slot[s].hash[cur] = h;
    k->slot[s].line[cur] = lineno;
    k->count++;
    return 0;
}

/* keyset_check_add - line of an earlier equal key (>0), or 0 after adding this one */
long keyset_check_add(struct keyset *k, const char *key, long lineno)
{
    return keyset_check_hash(k, keyset_hash(key), lineno);
}

/* keyset_free - release */
void keyset_free(struct keyset *k)
{
    free(k->slot);
    memset(k, 0, sizeof *k);
}
