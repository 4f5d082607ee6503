/*
 * dl.h - shared libraries loaded on first use (dlopen) instead of linked.
 *
 * Owns only the loading: the first loadable soname of a list is opened
 * (RTLD_NOW | RTLD_LOCAL) and a table of function pointers is filled from
 * it. A library that loads stays loaded for the life of the process; each
 * caller keeps its own table and remembers that it is filled. Never exits,
 * never logs: a failure is one sentence in the caller's buffer.
 */
#ifndef WB_CORE_DL_H
#define WB_CORE_DL_H

#include <stddef.h>

/* a shared library: its name in messages, the package that installs it, sonames in turn */
struct dl_lib {
    const char *name;           /* "libcurl" */
    const char *package;        /* the Debian package to install when none loads: "libcurl4" */
    const char *const *sonames; /* tried in turn, NULL-terminated */
};

/* one function to resolve: its exported name and the address of the pointer it fills */
struct dl_sym {
    const char *name;
    void *slot; /* e.g. &table.easy_init, a function pointer of the right type */
};

/* dl_load - open lib and fill every slot of syms; WB_OK, or WB_CONFIG with the reason in why
 * (no soname loads: names the package to install; a function missing: names it) and every slot
 * left NULL */
int dl_load(const struct dl_lib *lib, const struct dl_sym *syms, size_t nsyms, char *why, size_t n);

#endif
