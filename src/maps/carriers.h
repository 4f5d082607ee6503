/*
 * carriers.h - WMS carrier/service code -> Amazon CarrierCode, CarrierName, ShippingMethod.
 *
 * Owns the map read from etc/carriers.map (format in that file's header):
 *
 *   [dispatch]            (optional header; the section a file starts in)
 *   wms_code | carrier_code | carrier_name | shipping_method
 *   [ship-service]
 *   amazon_ship_service_level | wms_code
 *
 * Fields are separated by '|' and trimmed; '#' starts a comment line.
 * carrier_code must be on the Amazon code list exactly, or "Other" with a
 * carrier_name; carrier_name must be empty otherwise. A WMS code maps once.
 * Lookups are exact after trimming blanks: never case-folded, never
 * prefix-matched, never guessed; carriers_suggest only words a hint for the
 * caller's reject reason. Empty fields are "" (never NULL).
 * Errors: WB_CONFIG with "file:line: text" lines in errs, WB_NOMEM,
 * WB_BADARG without a code list. Never network, ledger or spool; never exits.
 */
#ifndef WB_MAPS_CARRIERS_H
#define WB_MAPS_CARRIERS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/wb.h"
#include "maps/carriercodes.h"

#define CARRIERS_OTHER "Other"
#define CARRIERS_WMS_CODE_MAX 64      /* characters */
#define CARRIERS_AMAZON_STRING_MAX 50 /* Amazon's String type: CarrierName, ShippingMethod */

struct carrier_entry {
    const char *wms_code;
    const char *carrier_code;    /* exact Amazon CarrierCode, or "Other" */
    const char *carrier_name;    /* set only when carrier_code is "Other" */
    const char *shipping_method; /* may be "" */
};

struct carriers;

/* carriers_load - read the carrier map at path, checking codes against the Amazon list */
enum wb_status carriers_load(const char *path, const struct carriercodes *codes,
                             struct carriers **out, struct buf *errs);
/* carriers_parse_text - same as carriers_load for len bytes of text named name */
enum wb_status carriers_parse_text(const char *name, const char *text, size_t len,
                                   const struct carriercodes *codes, struct carriers **out,
                                   struct buf *errs);
/* carriers_lookup - the entry for a WMS code (exact after trimming blanks), NULL if unmapped */
const struct carrier_entry *carriers_lookup(const struct carriers *m, const char *wms_code);
/* carriers_suggest - "did you mean 'X'?" for a near miss in case, blanks or punctuation;
 * WB_NOTFOUND otherwise */
enum wb_status carriers_suggest(const struct carriers *m, const char *wms_code, char *out,
                                size_t n);
/* carriers_count - number of mapped WMS codes */
size_t carriers_count(const struct carriers *m);
/* carriers_ship_service - WMS service code for an Amazon ship-service level, NULL if unmapped */
const char *carriers_ship_service(const struct carriers *m, const char *level);
/* carriers_ship_service_suggest - "did you mean 'X'?" naming the mapped ship-service level that
 * differs from level only in case, blanks or punctuation, else the one nearest by spelling;
 * WB_NOTFOUND when none is near (a hint for a reject reason, never a match) */
enum wb_status carriers_ship_service_suggest(const struct carriers *m, const char *level, char *out,
                                             size_t n);
/* carriers_ship_service_count - number of mapped ship-service levels */
size_t carriers_ship_service_count(const struct carriers *m);
/* carriers_free - release the map (NULL is fine) */
void carriers_free(struct carriers *m);

#endif
