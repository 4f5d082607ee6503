/*
 * keyset.h - bounded memory set of recently seen keys (64-bit hashes) with
 * the line each was first seen on. Two generations of a fixed table: it
 * remembers at least the last `window` keys whatever the input size, so a
 * streaming conversion finds duplicate rows without memory growing with the
 * file. Never exits; allocation happens once at init.
 */
#ifndef WB_KEYSET_H
#define WB_KEYSET_H

#include <stddef.h>
#include <stdint.h>

struct keyset_slot {
    uint64_t hash;
    long lineno;
};

struct keyset {
    struct keyset_slot *gen[2];
    size_t cap;   /* slots per generation (power of two) */
    size_t count; /* keys in the current generation */
    int cur;
};

/* keyset_init - a set remembering at least window keys */
int keyset_init(struct keyset *k, size_t window);
/* keyset_check_add - line of an earlier equal key (>0), or 0 after adding this one */
long keyset_check_add(struct keyset *k, const char *key, long lineno);
/* keyset_free - release */
void keyset_free(struct keyset *k);

#endif
