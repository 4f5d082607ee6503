/*
 * layout_int.h - layout engine internals shared by layout.c, layout_time.c, csvr.c, csvw.c.
 *
 * Owns the definition of struct layout. Not for use outside src/layout/.
 * Nothing here exits or touches anything but memory.
 */
#ifndef WB_LAYOUT_INT_H
#define WB_LAYOUT_INT_H

#include <stddef.h>
#include <time.h>

#include "layout/layout.h"

enum layout_bom { LAYOUT_BOM_OPTIONAL = 0, LAYOUT_BOM_REQUIRED, LAYOUT_BOM_FORBIDDEN };

struct layout_field {
    char *name;   /* logical name */
    char *header; /* header text in the file */
};

struct layout_tzcache; /* per-local-hour UTC offsets, see layout_time.c */

struct layout {
    char *origin; /* file the layout came from, for messages */
    char *name;
    char *flow;
    char delim;
    char quote;
    char *encoding;
    int is_utf8;
    int bom;  /* enum layout_bom */
    int crlf; /* writer line end */
    char *dt_format;
    int dt_iso;
    int dt_fast; /* numeric format parsed without strptime */
    char *tz;
    int tz_utc;
    size_t max_field;
    int complete; /* a file is the whole of what it lists (a row left out means none) */
    struct layout_field *fields;
    size_t nfields;
    struct layout_tzcache *tzc; /* mutable cache behind a const layout */
};

/* layout_time_format_check - NULL if fmt is a strptime format that reads a whole date and time
 * (year, month and day or day of year; with an hour, a minute) with known conversions only;
 * else why not */
const char *layout_time_format_check(const char *fmt);
/* layout_time_fast_ok - 1 if fmt uses only %d %e %m %Y %y %H %M %S %% (parsed without strptime) */
int layout_time_fast_ok(const char *fmt);
/* layout_tzcache_new - cache for a layout's zone (NULL on allocation failure) */
struct layout_tzcache *layout_tzcache_new(void);
/* layout_tzcache_free - release the cache */
void layout_tzcache_free(struct layout_tzcache *c);

#endif
