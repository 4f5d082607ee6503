/*
 * fuzz_conf.c - libFuzzer target for the wmsbridge.conf reader.
 *
 * Writes the input as a config file in a private temporary directory and
 * loads it with conf_load. Checks the loader's contract: WB_OK, WB_CONFIG
 * with at least one "file:line" sentence, or WB_NOMEM; a config that loads
 * holds only values the table allows (integers in range, booleans 0/1, text
 * without control characters, http(s) URLs), and its `show` output loads
 * again. Owns its temporary directory; must never write outside it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/wb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

/* cleanup - remove the temporary directory at exit */
static void cleanup(void)
{
    static const char *const names[] = {"wmsbridge.conf", "shown.conf"};
    char p[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

/* write_file - the bytes as dir/name; 0 on success */
static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return -1;
    int ok = fwrite(p, 1, n, f) == n;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* check_values - abort unless every value of a table keeps the table's promise */
static void check_values(const void *base, const struct conf_param *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *slot = (const char *)base + t[i].off;
        if (t[i].type == CONF_INT) {
            long v = *(const long *)(const void *)slot;
            if (v < t[i].min || v > t[i].max)
                abort();
            continue;
        }
        if (t[i].type == CONF_BOOL) {
            int v = *(const int *)(const void *)slot;
            if (v != 0 && v != 1)
                abort();
            continue;
        }
        const char *s = *(char *const *)(const void *)slot;
        if (!s && t[i].def)
            abort();
        if (!s)
            continue;
        if (t[i].type == CONF_STR)
            for (const char *q = s; *q; q++)
                if ((unsigned char)*q < 0x20)
                    abort();
        if (t[i].type == CONF_URL && strncmp(s, "https://", 8) != 0 &&
            strncmp(s, "http://", 7) != 0)
            abort();
    }
}

/* LLVMFuzzerTestOneInput - one input as a config file */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz_conf.XXXXXX");
        if (!mkdtemp(dir))
            abort();
        atexit(cleanup);
    }
    char path[128], path2[128];
    snprintf(path, sizeof path, "%s/wmsbridge.conf", dir);
    snprintf(path2, sizeof path2, "%s/shown.conf", dir);
    if (write_file(path, data, size) != 0)
        abort();
    struct buf errs;
    buf_init(&errs, 1 << 20);
    struct wb_config c;
    int rc = conf_load(&c, path, &errs);
    if (rc == WB_CONFIG && errs.len == 0)
        abort();
    if (rc != WB_OK && rc != WB_CONFIG && rc != WB_NOMEM)
        abort();
    if (rc == WB_OK) {
        size_t n;
        const struct conf_param *t = conf_params(&n);
        check_values(&c, t, n);
        t = conf_remote_params(&n);
        for (int i = 0; i < c.nremotes; i++)
            check_values(&c.remotes[i], t, n);
        struct buf out;
        buf_init(&out, 1 << 22);
        if (conf_show(&c, 0, &out) != WB_OK || write_file(path2, out.data, out.len) != 0)
            abort();
        struct wb_config again;
        buf_reset(&errs);
        if (conf_load(&again, path2, &errs) != WB_OK)
            abort();
        conf_free(&again);
        buf_free(&out);
    }
    conf_free(&c);
    buf_free(&errs);
    return 0;
}
