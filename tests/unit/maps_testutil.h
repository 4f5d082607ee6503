/*
 * maps_testutil.h - helpers shared by the maps unit tests.
 *
 * Owns nothing beyond the temporary files it creates (removed by the
 * caller). Paths of shipped files come from WB_ROOT (the repository root;
 * "." when unset). Never used outside tests/unit.
 */
#ifndef WB_TESTS_MAPS_TESTUTIL_H
#define WB_TESTS_MAPS_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* maps_test_etc - path of a shipped etc/ file into out */
static inline const char *maps_test_etc(char *out, size_t n, const char *name)
{
    const char *root = getenv("WB_ROOT");
    snprintf(out, n, "%s/etc/%s", root && *root ? root : ".", name);
    return out;
}

/* maps_test_tmpfile - write len bytes to a fresh temporary file; path into out */
static inline int maps_test_tmpfile(char *out, size_t n, const void *data, size_t len)
{
    const char *dir = getenv("WB_TMP");
    snprintf(out, n, "%s/wbmaps.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(out);
    if (fd < 0)
        return -1;
    if (write(fd, data, len) != (ssize_t)len) {
        close(fd);
        unlink(out);
        return -1;
    }
    return close(fd);
}

#endif
