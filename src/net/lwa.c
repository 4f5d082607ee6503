/*
 * lwa.c - Login with Amazon credentials file and refresh-token grant.
 *
 * Owns the credentials and access-token memory: everything secret is wiped
 * with explicit_bzero before it is freed. Returns WB_CONFIG / WB_TEMPFAIL /
 * WB_PERMFAIL with a sentence that never contains a secret; never exits.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/shm.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "net/http.h"
#include "net/lwa.h"

#define CREDS_FILE_MAX (64 * 1024)
#define TOKEN_RESP_MAX (64 * 1024)
#define CRED_VALUE_MAX 2048

/* wipe_free - zero and free a NUL-terminated secret */
static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/* lwa_creds_free - wipe and release the secrets */
void lwa_creds_free(struct lwa_creds *c)
{
    if (!c)
        return;
    wipe_free(c->client_id);
    wipe_free(c->client_secret);
    wipe_free(c->refresh_token);
    c->client_id = c->client_secret = c->refresh_token = NULL;
}

/* value_ok - credential values are printable ASCII without spaces */
static int value_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > CRED_VALUE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)v[i]))
            return 0;
    return 1;
}

/* read_secret_file - read a regular, user-owned, mode <= 0600 file into b */
static int read_secret_file(const char *path, struct buf *b, struct buf *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        buf_appendf(err, "credentials file %s cannot be opened: %s", path,
                    e == ELOOP ? "it is a symbolic link" : strerror(e));
        return WB_CONFIG;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        buf_appendf(err, "credentials file %s: %s", path, strerror(errno));
        close(fd);
        return WB_CONFIG;
    }
    if (!S_ISREG(st.st_mode)) {
        buf_appendf(err, "credentials file %s is not a regular file", path);
        close(fd);
        return WB_CONFIG;
    }
    if (fs_private_ok(&st, "credentials file", path, S_IRWXG | S_IRWXO, 0, err) != WB_OK) {
        close(fd);
        return WB_CONFIG;
    }
    char chunk[4096];
    int rc = WB_OK;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            buf_appendf(err, "credentials file %s: read failed: %s", path, strerror(errno));
            rc = WB_CONFIG;
            break;
        }
        if (n == 0)
            break;
        if (buf_append(b, chunk, (size_t)n) != WB_OK) {
            buf_appendf(err, "credentials file %s is larger than %d bytes", path, CREDS_FILE_MAX);
            rc = WB_CONFIG;
            break;
        }
    }
    explicit_bzero(chunk, sizeof chunk);
    close(fd);
    return rc;
}

/* parse_creds - "key = value" lines into out; unknown keys belong to other modules */
static int parse_creds(const char *path, char *text, struct lwa_creds *out, struct buf *err)
{
    int lineno = 0;
    char *save = text;
    while (save && *save) {
        char *line = save;
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        str_trim(str_strip_comment(line));
        if (!*line)
            continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            buf_appendf(err, "%s:%d: expected 'key = value'", path, lineno);
            return WB_CONFIG;
        }
        *eq = '\0';
        char *key = str_trim(line);
        char *val = str_trim(eq + 1);
        char **slot = NULL;
        if (strcmp(key, "client_id") == 0)
            slot = &out->client_id;
        else if (strcmp(key, "client_secret") == 0)
            slot = &out->client_secret;
        else if (strcmp(key, "refresh_token") == 0)
            slot = &out->refresh_token;
        if (!slot)
            continue;
        if (*slot) {
            buf_appendf(err, "%s:%d: %s is given twice", path, lineno, key);
            return WB_CONFIG;
        }
        if (!value_ok(val)) {
            buf_appendf(err, "%s:%d: %s must be 1-%d printable characters without spaces", path,
                        lineno, key, CRED_VALUE_MAX);
            return WB_CONFIG;
        }
        if (!(*slot = str_dup(val)))
            return WB_NOMEM;
    }
    const char *missing = !out->client_id       ? "client_id"
                          : !out->client_secret ? "client_secret"
                          : !out->refresh_token ? "refresh_token"
                                                : NULL;
    if (missing) {
        buf_appendf(err, "credentials file %s has no %s", path, missing);
        return WB_CONFIG;
    }
    return WB_OK;
}

/* lwa_creds_load - read client_id, client_secret, refresh_token from a 0600 file */
enum wb_status lwa_creds_load(const char *path, struct lwa_creds *out, struct buf *err)
{
    memset(out, 0, sizeof *out);
    if (!path || !*path) {
        buf_appendf(err, "no credentials file configured");
        return WB_CONFIG;
    }
    struct buf b;
    buf_init(&b, CREDS_FILE_MAX);
    int rc = read_secret_file(path, &b, err);
    if (rc == WB_OK && b.len != strlen(buf_str(&b))) {
        buf_appendf(err, "credentials file %s contains a NUL byte", path);
        rc = WB_CONFIG;
    }
    if (rc == WB_OK && b.data)
        rc = parse_creds(path, b.data, out, err);
    else if (rc == WB_OK)
        rc = parse_creds(path, (char[]){""}, out, err);
    if (b.data)
        explicit_bzero(b.data, b.cap);
    buf_free(&b);
    if (rc != WB_OK)
        lwa_creds_free(out);
    return rc;
}

/* lwa_parse_token - access_token and expires_in from a token response body */
enum wb_status lwa_parse_token(const char *json, size_t len, char *token, size_t n,
                               long *expires_in, struct buf *err)
{
    if (n)
        token[0] = '\0';
    *expires_in = 0;
    if (len > TOKEN_RESP_MAX) {
        buf_appendf(err, "LWA token response is larger than %d bytes", TOKEN_RESP_MAX);
        return WB_PERMFAIL;
    }
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        buf_appendf(err, "LWA token response is not a JSON object");
        return WB_PERMFAIL;
    }
    int rc = WB_OK;
    json_t *at = json_object_get(root, "access_token");
    json_t *ex = json_object_get(root, "expires_in");
    json_t *tt = json_object_get(root, "token_type");
    const char *tok = json_is_string(at) ? json_string_value(at) : NULL;
    if (!tok || !value_ok(tok) || strlen(tok) >= n) {
        buf_appendf(err, "LWA token response has no usable access_token");
        rc = WB_PERMFAIL;
    } else if (tt && (!json_is_string(tt) || strcasecmp(json_string_value(tt), "bearer") != 0)) {
        buf_appendf(err, "LWA token response has token_type other than bearer");
        rc = WB_PERMFAIL;
    } else if (ex && (!json_is_integer(ex) || json_integer_value(ex) <= 0 ||
                      json_integer_value(ex) > 86400 * 30)) {
        buf_appendf(err, "LWA token response has an invalid expires_in");
        rc = WB_PERMFAIL;
    } else {
        snprintf(token, n, "%s", tok);
        *expires_in = ex ? (long)json_integer_value(ex) : 3600;
    }
    if (tok)
        explicit_bzero((char *)tok, strlen(tok));
    json_decref(root);
    return rc;
}

/* append_field - "&name=" + form-escaped value */
static enum wb_status append_field(struct buf *out, const char *name, const char *value)
{
    enum wb_status rc = buf_appendf(out, "%s%s=", out->len ? "&" : "", name);
    return rc == WB_OK ? http_escape(out, value) : rc;
}

/* lwa_form_body - the form-encoded refresh-token grant (caller wipes and frees it) */
enum wb_status lwa_form_body(const struct lwa_creds *c, struct buf *out)
{
    int rc;
    if ((rc = append_field(out, "grant_type", "refresh_token")) != WB_OK ||
        (rc = append_field(out, "refresh_token", c->refresh_token)) != WB_OK ||
        (rc = append_field(out, "client_id", c->client_id)) != WB_OK ||
        (rc = append_field(out, "client_secret", c->client_secret)) != WB_OK)
        return rc;
    return WB_OK;
}

/* lwa_error_code - the "error" member of an LWA error body, sanitised */
static void lwa_error_code(const struct buf *b, char *out, size_t n)
{
    snprintf(out, n, "-");
    json_t *root = json_loadb(b->data ? b->data : "", b->len, 0, NULL);
    json_t *e = root ? json_object_get(root, "error") : NULL;
    if (json_is_string(e)) {
        const char *s = json_string_value(e);
        size_t j = 0;
        for (size_t i = 0; s[i] && j + 1 < n && i < 64; i++)
            if (isalnum((unsigned char)s[i]) || s[i] == '_')
                out[j++] = s[i];
        out[j] = '\0';
    }
    json_decref(root);
}

/* the pages shared with forked jobs: a token per owner (a seller account's endpoint, client
 * id and refresh token), until when; one account's token never pushes out another's while
 * there are slots */
#define LWA_SHARE_SLOTS 64
struct lwa_shared {
    pthread_mutex_t lock; /* first: the page's mutex (core/shm) */
    struct lwa_slot {
        char owner[65]; /* SHA-256 of endpoint, client id and refresh token */
        char token[LWA_TOKEN_MAX];
        long long expires_ms; /* CLOCK_MONOTONIC ms, the same clock in every process */
    } slot[LWA_SHARE_SLOTS];
};
static struct lwa_shared *shared;

/* lwa_share_open - see lwa.h */
enum wb_status lwa_share_open(void)
{
    if (!shared)
        shared = shm_open_page(sizeof *shared);
    return shared ? WB_OK : WB_NOMEM;
}

/* lwa_share_close - see lwa.h */
void lwa_share_close(void)
{
    shm_close_page(shared, sizeof *shared);
    shared = NULL;
}

/* share_lock - lock the shared page (0 = locked); a holder that died may have left a half
 * copied token, so every token is forgotten */
static int share_lock(void)
{
    int e = shm_lock(shared);
    if (e == 1)
        for (size_t i = 0; i < LWA_SHARE_SLOTS; i++)
            shared->slot[i].token[0] = '\0';
    return e < 0 ? -1 : 0;
}

/* owner_of - who a token belongs to: a digest of endpoint and credentials, never the secrets;
 * not WB_OK when no digest can be made (the token is then not shared) */
static int owner_of(const char *endpoint, const struct lwa_creds *c, char out[65])
{
    struct buf b;
    buf_init(&b, 16 * 1024);
    buf_appendf(&b, "%s\n%s\n%s", endpoint ? endpoint : "", c->client_id ? c->client_id : "",
                c->refresh_token ? c->refresh_token : "");
    int rc = fs_sha256_buf(b.data ? b.data : "", b.len, out);
    if (b.data)
        explicit_bzero(b.data, b.len);
    buf_free(&b);
    return rc;
}

/* share_slot - the slot of owner, NULL if none (shared locked) */
static struct lwa_slot *share_slot(const char *owner)
{
    for (size_t i = 0; i < LWA_SHARE_SLOTS; i++)
        if (shared->slot[i].token[0] && strcmp(shared->slot[i].owner, owner) == 0)
            return &shared->slot[i];
    return NULL;
}

/* share_get - copy a valid shared token of this owner into the cache; 1 if one was taken */
static int share_get(struct lwa_cache *cache, const char *owner, long long now)
{
    int got = 0;
    if (!shared || share_lock() != 0)
        return 0;
    const struct lwa_slot *sl = share_slot(owner);
    if (sl && now < sl->expires_ms) {
        memcpy(cache->token, sl->token, sizeof cache->token);
        cache->expires_ms = sl->expires_ms;
        got = 1;
    }
    shm_unlock(shared);
    return got;
}

/* share_put - offer a fresh token to the other processes: in its owner's slot, else an empty
 * one, else the one that expires first */
static void share_put(const struct lwa_cache *cache, const char *owner)
{
    if (!shared || share_lock() != 0)
        return;
    struct lwa_slot *sl = share_slot(owner);
    for (size_t i = 0; !sl && i < LWA_SHARE_SLOTS; i++)
        if (!shared->slot[i].token[0])
            sl = &shared->slot[i];
    if (!sl) {
        sl = &shared->slot[0];
        for (size_t i = 1; i < LWA_SHARE_SLOTS; i++)
            if (shared->slot[i].expires_ms < sl->expires_ms)
                sl = &shared->slot[i];
    }
    memcpy(sl->token, cache->token, sizeof sl->token);
    memcpy(sl->owner, owner, sizeof sl->owner);
    sl->expires_ms = cache->expires_ms;
    shm_unlock(shared);
}

/* lwa_token - a valid access token, fetched when missing, near expiry or forced */
enum wb_status lwa_token(struct lwa_cache *cache, struct http *h, const char *endpoint,
                         const struct lwa_creds *c, int force, const char **token, struct buf *err)
{
    long long now = clock_mono_ms();
    *token = NULL;
    if (!force && cache->token[0] && now < cache->expires_ms) {
        *token = cache->token;
        return WB_OK;
    }
    lwa_cache_clear(cache);
    char owner[65] = "";
    int sharing = shared && owner_of(endpoint, c, owner) == WB_OK;
    if (sharing) {
        if (!force && share_get(cache, owner, now)) {
            *token = cache->token;
            return WB_OK;
        }
    }
    struct buf form, resp;
    buf_init(&form, 16 * 1024);
    buf_init(&resp, TOKEN_RESP_MAX);
    int rc = lwa_form_body(c, &form);
    if (rc != WB_OK) {
        buf_appendf(err, "LWA request could not be built");
        goto out;
    }
    static const char *const hdrs[] = {
        "Content-Type: application/x-www-form-urlencoded;charset=UTF-8", "Accept: application/json",
        NULL};
    struct http_req rq = {.method = "POST",
                          .url = endpoint,
                          .headers = hdrs,
                          .body = form.data,
                          .body_len = form.len,
                          .resp = &resp};
    struct http_resp rs;
    struct buf herr;
    buf_init(&herr, 1024);
    rc = http_request(h, &rq, &rs, &herr);
    if (rc != WB_OK) {
        buf_appendf(err, "LWA token request failed: %s", buf_str(&herr));
        buf_free(&herr);
        goto out;
    }
    buf_free(&herr);
    if (rs.status == 200) {
        long expires_in;
        rc = lwa_parse_token(buf_str(&resp), resp.len, cache->token, sizeof cache->token,
                             &expires_in, err);
        if (rc == WB_OK) {
            long life_ms = expires_in > 2 * LWA_EXPIRY_MARGIN_S
                               ? (expires_in - LWA_EXPIRY_MARGIN_S) * 1000
                               : expires_in * 500;
            cache->expires_ms = now + life_ms;
            cache->refreshes++;
            *token = cache->token;
            if (sharing)
                share_put(cache, owner);
        }
        log_info("event=lwa_token status=200 expires_in=%ld ms=%ld result=%s", expires_in, rs.ms,
                 wb_status_str(rc));
        goto out;
    }
    char code[80];
    lwa_error_code(&resp, code, sizeof code);
    log_warn("event=lwa_token status=%ld error=%s ms=%ld", rs.status, code, rs.ms);
    if (rs.status == 429 || rs.status >= 500 || rs.status == 408) {
        buf_appendf(err, "LWA token endpoint answered HTTP %ld (%s); retry later", rs.status, code);
        rc = WB_TEMPFAIL;
    } else if (rs.status == 400 || rs.status == 401 || rs.status == 403) {
        buf_appendf(err,
                    "LWA refused the credentials: HTTP %ld %s (check client_id, "
                    "client_secret and refresh_token in the credentials file)",
                    rs.status, code);
        rc = WB_CONFIG;
    } else {
        buf_appendf(err, "LWA token endpoint answered HTTP %ld (%s)", rs.status, code);
        rc = WB_PERMFAIL;
    }
out:
    if (form.data)
        explicit_bzero(form.data, form.cap);
    if (resp.data)
        explicit_bzero(resp.data, resp.cap);
    buf_free(&form);
    buf_free(&resp);
    return rc;
}

/* lwa_cache_clear - forget and wipe the cached token */
void lwa_cache_clear(struct lwa_cache *cache)
{
    explicit_bzero(cache->token, sizeof cache->token);
    cache->expires_ms = 0;
}
