/*
 * dl.c - shared libraries loaded on first use (see dl.h).
 *
 * Owns the dlopen/dlsym calls of the project: libcurl (net/http.c), libssh2
 * (net/sftp.c), libsqlite3 (spool/ledger.c) and libcrypto (core/fsutil.c)
 * are loaded through here, so commands that never use them start without
 * them. Never exits, never logs, never closes a library that loaded (the
 * pointers handed out stay valid for the life of the process).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "core/dl.h"
#include "core/wb.h"

/* dl_load - see dl.h */
int dl_load(const struct dl_lib *lib, const struct dl_sym *syms, size_t nsyms, char *why, size_t n)
{
    void *dl = NULL;
    char first[256] = ""; /* why the preferred soname did not load */
    for (size_t i = 0; !dl && lib->sonames[i]; i++) {
        dl = dlopen(lib->sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (!dl && i == 0) {
            const char *e = dlerror();
            snprintf(first, sizeof first, "%s", e ? e : lib->sonames[0]);
        }
    }
    if (!dl) {
        snprintf(why, n, "%s cannot be loaded (%s): install %s", lib->name,
                 first[0] ? first : "no soname to try", lib->package);
        return WB_CONFIG;
    }
    for (size_t i = 0; i < nsyms; i++) {
        void *f = dlsym(dl, syms[i].name);
        if (!f) {
            snprintf(why, n, "%s has no %s", lib->name, syms[i].name);
            void *none = NULL;
            for (size_t j = 0; j < nsyms; j++)
                memcpy(syms[j].slot, &none, sizeof none);
            dlclose(dl);
            return WB_CONFIG;
        }
        memcpy(syms[i].slot, &f, sizeof f); /* object to function pointer, as dlsym intends */
    }
    return WB_OK;
}
