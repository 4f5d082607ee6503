/*
 * amazon_testutil.h - helpers shared by the amazon unit tests.
 *
 * Owns nothing beyond temporary files the tests create and remove. Finds the
 * shared reference directory through WB_SHARED or ../shared beside the
 * repository root; tests that need it skip() when it is absent.
 * Must never: write into the shared directory or the repository tree.
 */
#ifndef WB_AMAZON_TESTUTIL_H
#define WB_AMAZON_TESTUTIL_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* tu_is_file - 1 if path is a readable regular file */
static inline int tu_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* tu_shared_dir - the shared reference directory into out; 0 if absent */
static inline int tu_shared_dir(char *out, size_t n)
{
    char probe[PATH_MAX + 64];
    const char *env = getenv("WB_SHARED");
    if (env && *env) {
        snprintf(probe, sizeof(probe), "%s/amazon/order-envelope.xsd", env);
        if (tu_is_file(probe) && realpath(env, out) && strlen(out) < n)
            return 1;
    }
    /* the repository root: build/<variant>/tests/<binary> sits three levels below it */
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    const char *roots[2] = {".", NULL};
    if (k > 0) {
        exe[k] = '\0';
        for (int i = 0; i < 4; i++) {
            char *s = strrchr(exe, '/');
            if (s)
                *s = '\0';
        }
        roots[1] = exe;
    }
    for (int i = 0; i < 2; i++) {
        if (!roots[i])
            continue;
        snprintf(probe, sizeof(probe), "%s/../shared/amazon/order-envelope.xsd", roots[i]);
        if (tu_is_file(probe)) {
            snprintf(probe, sizeof(probe), "%s/../shared", roots[i]);
            if (realpath(probe, out) && strlen(out) < n)
                return 1;
        }
    }
    return 0;
}

/* tu_read - whole file into a malloc'd NUL-terminated string (NULL on error) */
static inline char *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    size_t r;
    while (p && (r = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            char *q = realloc(p, cap * 2);
            if (!q) {
                free(p);
                p = NULL;
                break;
            }
            p = q;
            cap *= 2;
        }
    }
    fclose(f);
    if (p) {
        p[n] = '\0';
        if (len)
            *len = n;
    }
    return p;
}

/* tu_write - write a string to path; 0 on success */
static inline int tu_write(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = strlen(s);
    int ok = fwrite(s, 1, n, f) == n;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* tu_run - run argv with output discarded; exit status, 127 if it could not start */
static inline int tu_run(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return 127;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
        return 127;
    return WEXITSTATUS(st);
}

/* tu_xmllint - 0 valid, 1 invalid, -1 xmllint or the schema unavailable */
static inline int tu_xmllint(const char *shared, const char *file)
{
    char schema[PATH_MAX + 64];
    snprintf(schema, sizeof(schema), "%s/amazon/order-envelope.xsd", shared);
    char *argv[] = {"xmllint", "--noout", "--nonet", "--schema", schema, (char *)file, NULL};
    int rc = tu_run(argv);
    if (rc == 127)
        return -1;
    return rc == 0 ? 0 : 1;
}

/* tu_tmpdir - a fresh temporary directory into out */
static inline int tu_tmpdir(char *out, size_t n)
{
    const char *t = getenv("WB_TMP");
    snprintf(out, n, "%s/wbamz.XXXXXX", (t && *t) ? t : "/tmp");
    return mkdtemp(out) ? 0 : -1;
}

/* tu_rmrf - remove a directory tree the test created */
static inline void tu_rmrf(const char *dir)
{
    if (getenv("WB_KEEP_TMP"))
        return;
    char *argv[] = {"rm", "-rf", (char *)dir, NULL};
    tu_run(argv);
}

#endif
