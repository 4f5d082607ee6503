/*
 * fuzz_creds.c - libFuzzer target for the LWA credentials file reader.
 *
 * Writes the input as a mode 0600 credentials file in a private temporary
 * directory and loads it with lwa_creds_load. Checks the contract: on WB_OK
 * all three values are set, 1-2048 printable characters without spaces; on
 * failure nothing is left allocated and the error sentence is not empty and
 * never repeats a long value from the file (no secret in a message). Owns its
 * temporary directory; must never write outside it.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/wb.h"
#include "net/lwa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

/* cleanup - remove the temporary directory at exit */
static void cleanup(void)
{
    static const char *const names[] = {"credentials"};
    char p[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

/* value_ok - the promise on a loaded value */
static void value_ok(const char *v)
{
    size_t n = v ? strlen(v) : 0;
    if (n == 0 || n > 2048)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)v[i]))
            abort();
}

/* no_secret_in - abort if err repeats a value of 20+ characters found after '=' */
static void no_secret_in(const uint8_t *data, size_t size, const char *err, const char *path)
{
    char *copy = strndup((const char *)data, size);
    if (!copy)
        return;
    for (char *line = copy; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *eq = strchr(line, '=');
        if (eq) {
            char *v = eq + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            char *e = v + strlen(v);
            while (e > v && isspace((unsigned char)e[-1]))
                *--e = '\0';
            if (strlen(v) >= 20 && strstr(err, v) && !strstr(path, v))
                abort();
        }
        line = nl ? nl + 1 : NULL;
    }
    free(copy);
}

/* LLVMFuzzerTestOneInput - one input as a credentials file */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz_creds.XXXXXX");
        if (!mkdtemp(dir))
            abort();
        atexit(cleanup);
    }
    char path[128];
    snprintf(path, sizeof path, "%s/credentials", dir);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) != 0)
        abort();
    struct buf err;
    buf_init(&err, 1 << 16);
    struct lwa_creds c;
    int rc = lwa_creds_load(path, &c, &err);
    if (rc == WB_OK) {
        value_ok(c.client_id);
        value_ok(c.client_secret);
        value_ok(c.refresh_token);
        struct buf form;
        buf_init(&form, 1 << 16);
        if (lwa_form_body(&c, &form) != WB_OK || !form.len)
            abort();
        buf_free(&form);
    } else {
        if (rc != WB_CONFIG && rc != WB_NOMEM)
            abort();
        if (c.client_id || c.client_secret || c.refresh_token || err.len == 0)
            abort();
        no_secret_in(data, size, buf_str(&err), path);
    }
    lwa_creds_free(&c);
    buf_free(&err);
    return 0;
}
