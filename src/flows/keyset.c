/*
 * keyset.c - two-generation set of 64-bit key hashes: a filter in front of
 * an open-addressing index. Each generation takes `window` keys (rounded up
 * to a power of two) at half load before it becomes the old one, so the last
 * `window` keys are always found. See keyset.h for the layout.
 * Fixed memory after keyset_init; never exits.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/wb.h"
#include "flows/keyset.h"

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

/* mum - fold the 128-bit product of a and b to 64 bits (the wyhash mixing step) */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* word - eight bytes at s */
static inline uint64_t word(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

#define K1 0xa0761d6478bd642fULL
#define K2 0xe7037ed1a0b428dbULL
#define K3 0x8ebc6af09c88c6e3ULL
#define K4 0x589965cc75374cc3ULL

/* part_hash - hash of one part of length n: the first and last 16 bytes, overlapping, and
 * every 16 bytes between, each tied to its place; parts of different lengths differ */
static inline uint64_t part_hash(const char *s, size_t n)
{
    uint64_t a, b;
    if (n >= 8) {
        a = word(s);
        b = word(s + n - 8);
    } else {
        a = b = 0;
        for (size_t i = 0; i < n; i++)
            a = a << 8 | (unsigned char)s[i];
    }
    uint64_t h = mum(a ^ K1, b ^ K2 ^ n);
    if (n > 16) {
        for (size_t i = 8; i + 16 < n; i += 16) /* the middle, 16 bytes at a time */
            h ^= mum(word(s + i) ^ K3 ^ i, word(s + i + 8) ^ K4);
        h ^= mum(word(s + n - 16) ^ K3, word(s + n - 8) ^ K1 ^ n);
    }
    return h;
}

/* keyset_hash_parts - 64-bit hash of a key made of k parts (lengths included, so no two
 * different part lists hash alike by construction); never 0. The parts are hashed
 * independently, then folded in order. */
uint64_t keyset_hash_parts(const char *const *part, const size_t *len, size_t k)
{
    uint64_t h = K4 ^ k;
    for (size_t j = 0; j < k; j++)
        h = mum(h ^ part_hash(part[j], len[j]), K2 ^ (j + 1));
    h = mix(h);
    return h ? h : 1;
}

/* blocks this large are aligned to (and asked for in) pages of this size */
#define KEYSET_HUGE ((size_t)2 << 20)

/* keyset_init - a set remembering at least window keys (1..KEYSET_WINDOW_MAX) */
int keyset_init(struct keyset *k, size_t window)
{
    memset(k, 0, sizeof *k);
    if (window < 1 || window > KEYSET_WINDOW_MAX)
        return WB_BADARG;
    size_t gen = 512;
    while (gen < window)
        gen <<= 1;
    /* one block for all of it (3.25 MiB at the largest window), in huge pages where the
     * system gives them: a process touching some 800 fresh small pages paid a fault for each,
     * which on a virtual machine costs about 10 us (8 ms a conversion) */
    size_t nslot = gen * 2, nfilter = gen / 4; /* half load; 16 filter bits a key */
    size_t sz_filter = nfilter * sizeof *k->filter, sz_slot = nslot * sizeof *k->slot[0],
           sz_log = gen * sizeof *k->log[0];
    size_t total = sz_filter + 2 * sz_slot + 2 * sz_log, align = 64;
    if (total >= KEYSET_HUGE) {
        align = KEYSET_HUGE;
        total = (total + KEYSET_HUGE - 1) / KEYSET_HUGE * KEYSET_HUGE;
    }
    char *block = aligned_alloc(align, total);
    if (!block)
        return WB_NOMEM;
#ifdef MADV_HUGEPAGE
    if (align == KEYSET_HUGE)
        (void)madvise(block, total, MADV_HUGEPAGE); /* a hint; small pages work the same */
#endif
    k->block = block;
    k->filter = (uint64_t(*)[2])block;
    k->slot[0] = (uint32_t *)(block + sz_filter);
    k->slot[1] = (uint32_t *)(block + sz_filter + sz_slot);
    k->log[0] = (struct keyset_entry *)(block + sz_filter + 2 * sz_slot);
    k->log[1] = (struct keyset_entry *)(block + sz_filter + 2 * sz_slot + sz_log);
    memset(block, 0, sz_filter + 2 * sz_slot);
    k->cap = nslot;
    k->nfilter = nfilter;
    k->gen_max = gen;
    return WB_OK;
}

/* fingerprint - the 16 bits of h the index keeps, shifted in place (never 0) */
static uint32_t fingerprint(uint64_t h)
{
    uint32_t f = (uint32_t)(h >> 48);
    return (f ? f : 1) << 16;
}

/* filter_bits - which three bits of a filter word stand for h */
static uint64_t filter_bits(uint64_t h)
{
    return (1ULL << ((h >> 32) & 63)) | (1ULL << ((h >> 38) & 63)) | (1ULL << ((h >> 44) & 63));
}

/* find - slot of h in generation g (the match or the empty slot) */
static size_t find(const struct keyset *k, int g, uint64_t h)
{
    size_t mask = k->cap - 1, i = (size_t)h & mask;
    uint32_t f = fingerprint(h);
    const struct keyset_entry *log = k->log[g];
    for (;; i = (i + 1) & mask) {
        uint32_t s = k->slot[g][i];
        if (!s || ((s & 0xFFFF0000u) == f && log[s & 0xFFFFu].hash == h))
            return i;
    }
}

/* flush - put the pending keys of the current generation into the index, their slots fetched
 * together first (a new key is in neither generation, so its place is the first empty slot) */
static void flush(struct keyset *k)
{
    int cur = k->cur;
    size_t mask = k->cap - 1, first = k->count - k->npending;
    const struct keyset_entry *log = k->log[cur];
    for (size_t p = first; p < k->count; p++)
        __builtin_prefetch(&k->slot[cur][(size_t)log[p].hash & mask], 1);
    for (size_t p = first; p < k->count; p++) {
        uint64_t h = log[p].hash;
        size_t i = (size_t)h & mask;
        while (k->slot[cur][i])
            i = (i + 1) & mask;
        k->slot[cur][i] = fingerprint(h) | (uint32_t)p;
    }
    k->npending = 0;
}

/* keyset_check_hash - keyset_check_add for a key hashed with keyset_hash_parts */
long keyset_check_hash(struct keyset *k, uint64_t h, long lineno)
{
    int cur = k->cur;
    size_t fw = keyset_filter_word(k, h);
    uint64_t bits = filter_bits(h);
    if ((k->filter[fw][0] & bits) == bits || (k->filter[fw][1] & bits) == bits) {
        /* perhaps seen: look it up for real */
        flush(k);
        size_t s = find(k, cur, h);
        uint32_t v = k->slot[cur][s];
        if (v)
            return k->log[cur][v & 0xFFFFu].line;
        size_t o = find(k, !cur, h);
        v = k->slot[!cur][o];
        if (v)
            return k->log[!cur][v & 0xFFFFu].line;
    }
    if (k->count >= k->gen_max) {
        /* the current generation is full: it becomes the old one */
        flush(k);
        cur = k->cur = !cur;
        memset(k->slot[cur], 0, k->cap * sizeof *k->slot[cur]); /* one run, not strided */
        for (size_t i = 0; i < k->nfilter; i++)
            k->filter[i][cur] = 0;
        k->count = 0;
    }
    k->filter[fw][cur] |= bits;
    k->log[cur][k->count].hash = h;
    k->log[cur][k->count].line = lineno;
    k->count++;
    if (++k->npending == KEYSET_BATCH)
        flush(k);
    return 0;
}

/* keyset_check_add - line of an earlier equal key (>0), or 0 after adding this one */
long keyset_check_add(struct keyset *k, const char *key, long lineno)
{
    size_t n = strlen(key);
    return keyset_check_hash(k, keyset_hash_parts(&key, &n, 1), lineno);
}

/* keyset_free - release */
void keyset_free(struct keyset *k)
{
    free(k->block);
    memset(k, 0, sizeof *k);
}
