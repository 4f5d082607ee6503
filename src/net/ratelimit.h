/*
 * ratelimit.h - per-operation token buckets for SP-API usage plans.
 *
 * Owns one bucket per operation, seeded from Amazon's documented rate and
 * burst (rate-limits.md); a response's x-amzn-RateLimit-Limit header adjusts
 * that operation's rate. Acquire answers "go" (WB_OK) or "wait N ms"
 * (WB_AGAIN) so a scheduler can decide instead of sleeping blindly; the
 * blocking helper sleeps only up to a caller's maximum.
 *
 * Priority rule: two classes share every bucket. RATELIMIT_HIGH (tracking
 * confirmations) may take any whole token. RATELIMIT_LOW (inventory) must
 * leave a reserve of ceil(burst / 5) tokens (0 when burst < 2) in the
 * bucket, so when quota is short the last tokens go to tracking first.
 *
 * WB_RATE_SCALE (environment, float > 0, default 1) multiplies every rate,
 * for fast tests against the simulator's --rate-scale.
 *
 * Errors: WB_BADARG for an unknown operation or bad value, WB_NOMEM.
 * Never sleeps in ratelimit_acquire, never exits, not thread-safe.
 */
#ifndef WB_NET_RATELIMIT_H
#define WB_NET_RATELIMIT_H

#include "core/wb.h"

enum ratelimit_prio {
    RATELIMIT_HIGH = 0, /* tracking confirmations */
    RATELIMIT_LOW = 1,  /* inventory pushes: leave a reserve */
};

struct ratelimit;

/* ratelimit_new - buckets for every known operation, full, rates times scale */
enum wb_status ratelimit_new(struct ratelimit **out, double scale);
/* an owner of buckets: a digest of a seller account's credentials, at most 64 characters */
#define RATELIMIT_OWNER_MAX 65
/* ratelimit_new_for - as ratelimit_new, the buckets of one owner: with sharing on, every
 * process of that owner gets the same table and other owners other tables (WB_BADARG for an
 * owner too long); when all shared tables are taken, a private one */
enum wb_status ratelimit_new_for(struct ratelimit **out, double scale, const char *owner);
/* ratelimit_share_open - from now on ratelimit_new (at this scale) hands out tables kept
 * in memory shared with the processes forked afterwards, one per owner; WB_NOMEM/WB_INTERNAL
 * if it cannot */
enum wb_status ratelimit_share_open(double scale);
/* ratelimit_share_close - unmap the shared table (in the process that opened it) */
void ratelimit_share_close(void);
/* ratelimit_free - release the buckets */
void ratelimit_free(struct ratelimit *rl);
/* ratelimit_scale_env - WB_RATE_SCALE as a positive factor (1 when unset or invalid) */
double ratelimit_scale_env(void);
/* ratelimit_acquire - take a token now (WB_OK) or say how long to wait (WB_AGAIN) */
enum wb_status ratelimit_acquire(struct ratelimit *rl, const char *op, int prio, long *wait_ms);
/* ratelimit_acquire_at - ratelimit_acquire at a given monotonic time (tests) */
enum wb_status ratelimit_acquire_at(struct ratelimit *rl, const char *op, int prio,
                                    long long now_ms, long *wait_ms);
/* ratelimit_wait - block until a token is taken, or WB_AGAIN if that needs more than max_ms */
enum wb_status ratelimit_wait(struct ratelimit *rl, const char *op, int prio, long max_ms,
                              long *wait_ms);
/* ratelimit_set_rate - adjust an operation's rate (requests/s before scale), e.g. from a header */
enum wb_status ratelimit_set_rate(struct ratelimit *rl, const char *op, double rate);
/* ratelimit_header - x-amzn-RateLimit-Limit: the server's current rate, taken as is
 * (not multiplied by the scale); WB_BADARG and no change for junk */
enum wb_status ratelimit_header(struct ratelimit *rl, const char *op, const char *value);
/* ratelimit_drain - empty an operation's bucket (after a 429) */
enum wb_status ratelimit_drain(struct ratelimit *rl, const char *op);
/* ratelimit_info - current rate (scaled), burst and tokens of an operation */
enum wb_status ratelimit_info(struct ratelimit *rl, const char *op, double *rate, double *burst,
                              double *tokens);

#endif
