/*
 * strmap.h - string -> pointer hash table shared by the maps/ modules.
 *
 * Owns private copies of its keys (freed by strmap_free); never owns or frees
 * the values. Open addressing with linear probing, power-of-two capacity, at
 * most half full. Keys are byte strings compared exactly (case-sensitive).
 * Errors: WB_NOMEM when an allocation fails, WB_EXISTS for a key already
 * present, WB_TOOBIG past STRMAP_MAX_ENTRIES. Pure: no I/O; never exits.
 */
#ifndef WB_MAPS_STRMAP_H
#define WB_MAPS_STRMAP_H

#include <stddef.h>

#include "core/wb.h"

#define STRMAP_MAX_ENTRIES ((size_t)1 << 26)

struct strmap;

/* strmap_new - empty table sized for about hint entries; NULL when out of memory */
struct strmap *strmap_new(size_t hint);
/* strmap_free - release the table and its key copies (values are the caller's) */
void strmap_free(struct strmap *m);
/* strmap_put - add key -> val; *owned (if not NULL) gets the table's copy of the key */
enum wb_status strmap_put(struct strmap *m, const char *key, void *val, const char **owned);
/* strmap_get - value stored for key, NULL when absent */
void *strmap_get(const struct strmap *m, const char *key);
/* strmap_getn - value stored for the len bytes at key (need not be NUL terminated) */
void *strmap_getn(const struct strmap *m, const char *key, size_t len);
/* strmap_has - 1 if the len bytes at key are a key of the table */
int strmap_has(const struct strmap *m, const char *key, size_t len);
/* strmap_count - number of entries */
size_t strmap_count(const struct strmap *m);
/* strmap_next - iterate: start with *pos = 0; 1 with key/val filled, 0 at the end */
int strmap_next(const struct strmap *m, size_t *pos, const char **key, void **val);

#endif
