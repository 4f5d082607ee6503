/*
 * retry.h - retry policy for SP-API and SFTP: classification and backoff.
 *
 * Owns the decision "retry, refresh the token, or give up" for one HTTP
 * outcome, and the delay before the next attempt: exponential backoff with
 * full jitter, sleep = random(0, min(cap, base * 2^attempt)), or the server's
 * Retry-After when it is longer. After retry_max retries the caller gets
 * WB_TEMPFAIL ("escalate"). Pure apart from the random source; never exits.
 */
#ifndef WB_NET_RETRY_H
#define WB_NET_RETRY_H

enum retry_verdict {
    RETRY_DONE = 0, /* 2xx: success */
    RETRY_AGAIN,    /* 429, 5xx, 408, timeouts, connection errors: back off and retry */
    RETRY_AUTH,     /* 401 or 403 for an expired/invalid token: refresh once and retry */
    RETRY_FATAL,    /* 400, 403, 404, other 4xx: terminal, WB_PERMFAIL */
};

struct retry_policy {
    long max_retries; /* retries after the first attempt (cfg retry_max) */
    long base_ms;     /* cfg retry_base_ms */
    long cap_ms;      /* cfg retry_cap_ms */
};

struct wb_config;
/* retry_policy_from_config - the one policy of every retrying transport (SP-API, SFTP) from cfg
 * retry_max, retry_base_ms, retry_cap_ms; cfg may be NULL (defaults 0, 500 ms, 60 s) */
void retry_policy_from_config(struct retry_policy *p, const struct wb_config *cfg);
/* retry_classify - verdict for an HTTP status (0 = transport rc says why) */
int retry_classify(long status, int transport_rc, int token_error);
/* retry_backoff_ms - full-jitter delay before retry number attempt (0-based), rnd in [0,1) */
long retry_backoff_ms(const struct retry_policy *p, int attempt, double rnd);
/* retry_delay_ms - full-jitter delay, or Retry-After (ms, -1 = absent) when longer */
long retry_delay_ms(const struct retry_policy *p, int attempt, long retry_after_ms);
/* retry_seed - seed the internal random source (tests) */
void retry_seed(unsigned long long seed);

#endif
