/*
 * retry.c - retry classification and full-jitter exponential backoff.
 *
 * Owns a small private random source (xorshift, seeded from time and pid)
 * used only for jitter. Never sleeps, never exits.
 */
#include <math.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/wb.h"
#include "net/retry.h"

static uint64_t rng_state;

/* retry_seed - seed the internal random source (tests) */
void retry_seed(unsigned long long seed)
{
    rng_state = seed ? (uint64_t)seed : 0x9e3779b97f4a7c15ULL;
}

/* rnd01 - next pseudo-random number in [0,1) */
static double rnd01(void)
{
    if (!rng_state)
        retry_seed((unsigned long long)clock_mono_ms() * 6364136223846793005ULL ^
                   (unsigned long long)getpid() ^ (unsigned long long)time(NULL));
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return (double)(x >> 11) / 9007199254740992.0; /* 2^53 */
}

/* retry_policy_from_config - the one retry policy of every transport, from the config */
void retry_policy_from_config(struct retry_policy *p, const struct wb_config *cfg)
{
    p->max_retries = cfg && cfg->retry_max >= 0 ? cfg->retry_max : 0;
    p->base_ms = cfg && cfg->retry_base_ms > 0 ? cfg->retry_base_ms : 500;
    p->cap_ms = cfg && cfg->retry_cap_ms > 0 ? cfg->retry_cap_ms : 60000;
}

/* retry_classify - verdict for an HTTP status (0 = transport rc says why) */
int retry_classify(long status, int transport_rc, int token_error)
{
    if (status == 0)
        return transport_rc == WB_TEMPFAIL ? RETRY_AGAIN : RETRY_FATAL;
    if (status >= 200 && status < 300)
        return RETRY_DONE;
    if (status == 429 || status == 408 || status >= 500)
        return RETRY_AGAIN;
    if (status == 401 || (status == 403 && token_error))
        return RETRY_AUTH;
    return RETRY_FATAL;
}

/* retry_backoff_ms - full-jitter delay before retry number attempt (0-based), rnd in [0,1) */
long retry_backoff_ms(const struct retry_policy *p, int attempt, double rnd)
{
    double base = p->base_ms > 0 ? (double)p->base_ms : 1.0;
    double cap = p->cap_ms > 0 ? (double)p->cap_ms : base;
    if (attempt < 0)
        attempt = 0;
    if (attempt > 40)
        attempt = 40;
    double ceiling = fmin(cap, base * ldexp(1.0, attempt));
    if (!(rnd >= 0 && rnd < 1))
        rnd = 0.5;
    return (long)floor(ceiling * rnd);
}

/* retry_delay_ms - delay honouring Retry-After (ms, -1 if absent) */
long retry_delay_ms(const struct retry_policy *p, int attempt, long retry_after_ms)
{
    long d = retry_backoff_ms(p, attempt, rnd01());
    if (retry_after_ms > d)
        d = retry_after_ms;
    return d;
}
