/*
 * lwa.h - Login with Amazon: credentials file and refresh-token grant.
 *
 * Owns the LWA credentials (client id, client secret, refresh token) read
 * from the credentials file, and a cached access token valid until 60 s
 * before its expires_in, optionally shared through an anonymous shared
 * memory page with the job processes the daemon forks, so each job run does
 * not fetch a token of its own. The credentials file is refused unless it is a
 * regular file owned by the user with mode 0600 or stricter. Secrets are
 * wiped (explicit_bzero) when freed.
 *
 * Errors: WB_CONFIG for a bad credentials file or credentials LWA refuses,
 * WB_TEMPFAIL for transport failures and LWA 429/5xx, WB_PERMFAIL for an
 * unusable token response; one sentence in err. Never logs or returns a
 * secret or token in err; never exits.
 */
#ifndef WB_NET_LWA_H
#define WB_NET_LWA_H

#include <stddef.h>

#include "core/buf.h"
#include "core/wb.h"
#include "net/http.h"

#define LWA_TOKEN_MAX 4096
#define LWA_EXPIRY_MARGIN_S 60

struct lwa_creds {
    char *client_id;
    char *client_secret;
    char *refresh_token;
};

struct lwa_cache {
    char token[LWA_TOKEN_MAX]; /* "" when empty */
    long long expires_ms;      /* monotonic ms after which it is refreshed */
    long refreshes;            /* tokens fetched so far */
};

/* lwa_creds_load - read client_id, client_secret, refresh_token from a 0600 file */
enum wb_status lwa_creds_load(const char *path, struct lwa_creds *out, struct buf *err);
/* lwa_creds_free - wipe and release the secrets */
void lwa_creds_free(struct lwa_creds *c);
/* lwa_parse_token - access_token and expires_in from a token response body */
enum wb_status lwa_parse_token(const char *json, size_t len, char *token, size_t n,
                               long *expires_in, struct buf *err);
/* lwa_form_body - the form-encoded refresh-token grant (caller wipes and frees it) */
enum wb_status lwa_form_body(const struct lwa_creds *c, struct buf *out);
/* lwa_token - a valid access token, fetched when missing, near expiry or forced */
enum wb_status lwa_token(struct lwa_cache *cache, struct http *h, const char *endpoint,
                         const struct lwa_creds *c, int force, const char **token, struct buf *err);
/* lwa_cache_clear - forget and wipe the cached token */
void lwa_cache_clear(struct lwa_cache *cache);
/* lwa_share_open - a page of memory shared with the processes forked from now on (the daemon's
 * jobs): a token one job fetched serves the next ones until near its expiry, for the same
 * endpoint and credentials; each seller account (its own refresh token) keeps its own token
 * beside the others'. Never on disk; wiped by lwa_share_close. */
enum wb_status lwa_share_open(void);
/* lwa_share_close - wipe and unmap the shared page (in the process that opened it) */
void lwa_share_close(void);

#endif
