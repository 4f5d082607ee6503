/*
 * keyset.h - bounded memory set of recently seen keys (64-bit hashes) with
 * the line each was first seen on. Two generations of a fixed table: it
 * remembers at least the last `window` keys whatever the input size, so a
 * streaming conversion finds duplicate rows without memory growing with the
 * file. The generations share their slots (a key has the same probe sequence
 * in both), so one lookup usually reads one cache line.
 * Never exits; allocation happens once at init.
 */
#ifndef WB_KEYSET_H
#define WB_KEYSET_H

#include <stddef.h>
#include <stdint.h>

struct keyset_slot {
    uint64_t hash[2]; /* per generation: key hash, 0 = empty */
    long line[2];     /* per generation: the line of that key */
};

struct keyset {
    struct keyset_slot *slot;
    size_t cap;   /* slots (power of two) */
    size_t count; /* keys in the current generation */
    int cur;
};

/* keyset_init - a set remembering at least window keys */
int keyset_init(struct keyset *k, size_t window);
/* keyset_check_add - line of an earlier equal key (>0), or 0 after adding this one */
long keyset_check_add(struct keyset *k, const char *key, long lineno);
/* keyset_hash - 64-bit hash of a key, never 0 */
uint64_t keyset_hash(const char *key);
/* keyset_prefetch - start loading the slots of hash h (a hint; the set is unchanged) */
void keyset_prefetch(const struct keyset *k, uint64_t h);
/* keyset_check_hash - keyset_check_add for a key hashed with keyset_hash */
long keyset_check_hash(struct keyset *k, uint64_t h, long lineno);
/* keyset_free - release */
void keyset_free(struct keyset *k);

#endif
