/*
 * keyset.h - bounded memory set of recently seen keys (64-bit hashes) with
 * the line each was first seen on. Two generations of a fixed index: it
 * remembers at least the last `window` keys (at most 65,536) whatever the
 * input size, so a streaming conversion finds duplicate rows without memory
 * growing with the file.
 *
 * Most keys are new, and an index of this size does not stay in cache, so a
 * lookup first asks a small filter (three bits of one word per key and
 * generation, both generations in one cache line): when it says "never
 * seen", the key is new for sure. New keys are put into the index a batch at
 * a time, their slots fetched together. Only keys the filter may have seen
 * (repeats, and about one new key in a hundred) are looked up in the index:
 * a 16-bit fingerprint and the key's place in its generation's log per slot,
 * the log (full hash and line, in arrival order) read where a fingerprint
 * matches. Each generation has its own index, so the one that starts over
 * is cleared in one run. Never exits; allocation happens once at init, in
 * one block.
 */
#ifndef WB_KEYSET_H
#define WB_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#define KEYSET_WINDOW_MAX 65536

struct keyset_entry {
    uint64_t hash; /* the key's hash */
    long line;     /* the line of that key */
};

#define KEYSET_BATCH 64 /* new keys put into the index together */

struct keyset {
    void *block;           /* the memory of all below */
    uint32_t *slot[2];     /* per generation and slot: fingerprint << 16 | log place; 0 empty */
    uint64_t (*filter)[2]; /* per filter word and generation: the keys' bits */
    struct keyset_entry *log[2]; /* per generation: its keys in arrival order */
    size_t cap;                  /* slots (power of two) */
    size_t nfilter;              /* filter words (power of two) */
    size_t gen_max;              /* keys a generation takes */
    size_t count;                /* keys in the current generation (the last npending not yet
                                    in the index) */
    size_t npending;
    int cur;
};

/* keyset_init - a set remembering at least window keys (1..KEYSET_WINDOW_MAX) */
int keyset_init(struct keyset *k, size_t window);
/* keyset_check_add - line of an earlier equal key (>0), or 0 after adding this one */
long keyset_check_add(struct keyset *k, const char *key, long lineno);
/* keyset_hash_parts - 64-bit hash of a key given as k parts with their lengths, never 0 */
uint64_t keyset_hash_parts(const char *const *part, const size_t *len, size_t k);
/* keyset_filter_word - the filter word that stands for hash h (bits of h apart from those of
 * the index slot and the fingerprint) */
static inline size_t keyset_filter_word(const struct keyset *k, uint64_t h)
{
    return (size_t)(h >> 18) & (k->nfilter - 1);
}
/* keyset_prefetch - start loading what a lookup of hash h reads first (a hint) */
static inline void keyset_prefetch(const struct keyset *k, uint64_t h)
{
    __builtin_prefetch(&k->filter[keyset_filter_word(k, h)], 1);
}
/* keyset_check_hash - keyset_check_add for a key hashed with keyset_hash_parts */
long keyset_check_hash(struct keyset *k, uint64_t h, long lineno);
/* keyset_free - release */
void keyset_free(struct keyset *k);

#endif
