/*
 * xmllib.c - libxml2, loaded on first use (see xmllib.h).
 *
 * Owns the table of libxml2 functions and its filling through core/dl. Its
 * users: amazon_xml.c (set-up, loaded from amazon_xml_init), xsdcheck.c
 * and procreport_xml.c (schema check, processing reports), feed_xml.c
 * (escaping a value) and main.c (libxml2's clean-up at exit, when loaded).
 * Linked, libxml2 brought libicuuc, libicudata, liblzma and libstdc++, and
 * their loading cost every command about 3 ms of CPU.
 * Never exits, never logs, never closes the library once loaded.
 */
#define XMLLIB_TABLE_ONLY
#include "amazon/xmllib.h"
#include "core/dl.h"
#include "core/wb.h"

struct xmllib xmllib;

static int loaded;

static const char *const xml_sonames[] = {"libxml2.so.2", NULL};

/* xmllib_load - dlopen libxml2 and fill the table (once); the reason in why on failure */
int xmllib_load(char *why, size_t n)
{
    if (loaded)
        return WB_OK;
    static const struct dl_lib xml_lib = {"libxml2", "libxml2", xml_sonames};
#define XMLLIB_SYM(name) {#name, &xmllib.name},
    const struct dl_sym syms[] = {XMLLIB_SYMBOLS(XMLLIB_SYM)};
#undef XMLLIB_SYM
    int rc = dl_load(&xml_lib, syms, WB_ARRAY_LEN(syms), why, n);
    if (rc == WB_OK)
        loaded = 1;
    return rc;
}

/* xmllib_loaded - 1 once xmllib_load has succeeded */
int xmllib_loaded(void)
{
    return loaded;
}
