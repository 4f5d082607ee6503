/*
 * ratelimit.c - per-operation token buckets (rate, burst from rate-limits.md).
 *
 * Owns the bucket table. A bucket refills continuously at rate tokens/s up to
 * burst; a low-priority acquire leaves ceil(burst/5) tokens for tracking.
 * Returns WB_OK / WB_AGAIN (with the wait) / WB_BADARG; never exits and never
 * sleeps except in ratelimit_wait. With ratelimit_share_open the table lives
 * in a page shared with the processes forked afterwards (the daemon's jobs),
 * behind a robust process-shared mutex, so one job's calls count against the
 * next job's quota as they do at Amazon.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/shm.h"
#include "core/wb.h"
#include "net/ratelimit.h"

struct plan {
    const char *op;
    double rate; /* requests per second; 0 = unlimited */
    double burst;
};

/* Documented usage plans (models in ../shared/amazon/models, rate-limits.md). */
static const struct plan plans[] = {
    {"createFeedDocument", 0.5, 15},
    {"createFeed", 0.0083, 15},
    {"getFeed", 2, 15},
    {"getFeeds", 0.0222, 10},
    {"getFeedDocument", 0.0222, 10},
    {"cancelFeed", 2, 15},
    {"createReport", 0.0167, 15},
    {"getReport", 2, 15},
    {"getReportDocument", 0.0167, 15},
    {"getReports", 0.0222, 10},
    {"getOrders", 0.0167, 20},
    {"searchOrders", 0.0056, 20},
    {"getOrderItems", 0.5, 30},
    {"confirmShipment", 2, 10},
    {"patchListingsItem", 5, 5},
    {"token", 0, 0},    /* LWA token endpoint: no usage plan */
    {"download", 0, 0}, /* presigned document URLs: no usage plan */
    {"upload", 0, 0},
};

struct bucket {
    double rate; /* scaled */
    double burst;
    double tokens;
    long long last_ms; /* -1 until first use */
};

struct ratelimit {
    double scale;
    struct bucket b[WB_ARRAY_LEN(plans)];
};

/* the tables shared with forked jobs: one per owner (Amazon's quotas are per seller account
 * and application), claimed by the first job of that owner; "" is the default owner */
#define RATELIMIT_SHARE_TABLES 64
struct shared_page {
    pthread_mutex_t mu; /* first: the page's mutex (core/shm) */
    struct shared_table {
        int used;
        char owner[RATELIMIT_OWNER_MAX];
        struct ratelimit rl;
    } t[RATELIMIT_SHARE_TABLES];
};
static struct shared_page *page;

/* shared - 1 if rl is one of the shared tables */
static int shared(const struct ratelimit *rl)
{
    for (size_t i = 0; page && i < RATELIMIT_SHARE_TABLES; i++)
        if (rl == &page->t[i].rl)
            return 1;
    return 0;
}

/* lock - take the shared tables' mutex when rl is a shared table */
static void lock(struct ratelimit *rl)
{
    if (shared(rl))
        shm_lock(page); /* a job that died holding it leaves whole numbers: nothing to repair */
}

/* unlock - release what lock took */
static void unlock(struct ratelimit *rl)
{
    if (shared(rl))
        shm_unlock(page);
}

/* fill - every bucket full at its documented rate times scale */
static void fill(struct ratelimit *rl, double scale);

/* ratelimit_share_open - see ratelimit.h */
enum wb_status ratelimit_share_open(double scale)
{
    if (page)
        return WB_OK;
    if (!isfinite(scale) || scale <= 0)
        return WB_BADARG;
    struct shared_page *sp = shm_open_page(sizeof *sp);
    if (!sp)
        return WB_NOMEM;
    for (size_t i = 0; i < RATELIMIT_SHARE_TABLES; i++)
        fill(&sp->t[i].rl, scale);
    sp->t[0].used = 1; /* the default owner's */
    page = sp;
    return WB_OK;
}

/* ratelimit_share_close - see ratelimit.h */
void ratelimit_share_close(void)
{
    shm_close_page(page, sizeof *page);
    page = NULL;
}

/* find - bucket index of an operation, -1 if unknown */
static int find(const char *op)
{
    if (!op)
        return -1;
    for (size_t i = 0; i < WB_ARRAY_LEN(plans); i++)
        if (strcmp(plans[i].op, op) == 0)
            return (int)i;
    return -1;
}

/* ratelimit_scale_env - WB_RATE_SCALE as a positive factor (1 when unset or invalid) */
double ratelimit_scale_env(void)
{
    const char *v = getenv("WB_RATE_SCALE");
    if (!v || !*v)
        return 1.0;
    char *end;
    double d = strtod(v, &end);
    if (*end != '\0' || !isfinite(d) || d <= 0 || d > 1e6)
        return 1.0;
    return d;
}

/* share_find - the shared table of owner, claimed if new; NULL when every table is taken */
static struct ratelimit *share_find(const char *owner)
{
    struct ratelimit *rl = NULL;
    shm_lock(page);
    for (size_t i = 0; !rl && i < RATELIMIT_SHARE_TABLES; i++)
        if (page->t[i].used && strcmp(page->t[i].owner, owner) == 0)
            rl = &page->t[i].rl;
    for (size_t i = 0; !rl && i < RATELIMIT_SHARE_TABLES; i++)
        if (!page->t[i].used) {
            page->t[i].used = 1;
            memcpy(page->t[i].owner, owner, strlen(owner) + 1);
            rl = &page->t[i].rl;
        }
    shm_unlock(page);
    return rl;
}

/* ratelimit_new - buckets for every known operation, full, rates times scale */
enum wb_status ratelimit_new(struct ratelimit **out, double scale)
{
    return ratelimit_new_for(out, scale, "");
}

/* ratelimit_new_for - the buckets of one owner (a seller account's credentials) */
enum wb_status ratelimit_new_for(struct ratelimit **out, double scale, const char *owner)
{
    *out = NULL;
    if (!isfinite(scale) || scale <= 0 || !owner || strlen(owner) >= RATELIMIT_OWNER_MAX)
        return WB_BADARG;
    if (page && page->t[0].rl.scale == scale && (*out = share_find(owner)) != NULL)
        return WB_OK; /* the daemon's shared table of that owner */
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return WB_NOMEM;
    fill(rl, scale);
    *out = rl;
    return WB_OK;
}

/* fill - every bucket full at its documented rate times scale */
static void fill(struct ratelimit *rl, double scale)
{
    rl->scale = scale;
    for (size_t i = 0; i < WB_ARRAY_LEN(plans); i++) {
        rl->b[i].rate = plans[i].rate * scale;
        rl->b[i].burst = plans[i].burst;
        rl->b[i].tokens = plans[i].burst;
        rl->b[i].last_ms = -1;
    }
}

/* ratelimit_free - release the buckets (the shared table stays) */
void ratelimit_free(struct ratelimit *rl)
{
    if (shared(rl))
        return;
    free(rl);
}

/* refill - add the tokens earned since the last look */
static void refill(struct bucket *b, long long now_ms)
{
    if (b->last_ms < 0 || now_ms < b->last_ms) {
        b->last_ms = now_ms;
        return;
    }
    b->tokens += (double)(now_ms - b->last_ms) * b->rate / 1000.0;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
    b->last_ms = now_ms;
}

/* reserve - whole tokens a low-priority acquire must leave behind */
static double reserve(const struct bucket *b)
{
    if (b->burst < 2)
        return 0;
    return ceil(b->burst / 5.0);
}

/* ratelimit_acquire_at - ratelimit_acquire at a given monotonic time (tests) */
enum wb_status ratelimit_acquire_at(struct ratelimit *rl, const char *op, int prio,
                                    long long now_ms, long *wait_ms)
{
    int i = find(op);
    if (wait_ms)
        *wait_ms = 0;
    if (!rl || i < 0 || (prio != RATELIMIT_HIGH && prio != RATELIMIT_LOW))
        return WB_BADARG;
    struct bucket *b = &rl->b[i];
    if (b->rate <= 0 && b->burst <= 0)
        return WB_OK; /* unlimited */
    lock(rl);
    refill(b, now_ms);
    double need = 1.0 + (prio == RATELIMIT_LOW ? reserve(b) : 0.0);
    if (b->tokens >= need) {
        b->tokens -= 1.0;
        unlock(rl);
        return WB_OK;
    }
    double have = b->tokens, rate = b->rate;
    unlock(rl);
    if (wait_ms) {
        double ms = rate > 0 ? (need - have) * 1000.0 / rate : 86400000.0;
        if (ms > 86400000.0)
            ms = 86400000.0;
        *wait_ms = (long)ceil(ms);
        if (*wait_ms < 1)
            *wait_ms = 1;
    }
    return WB_AGAIN;
}

/* ratelimit_acquire - take a token now (WB_OK) or say how long to wait (WB_AGAIN) */
enum wb_status ratelimit_acquire(struct ratelimit *rl, const char *op, int prio, long *wait_ms)
{
    return ratelimit_acquire_at(rl, op, prio, clock_mono_ms(), wait_ms);
}

/* ratelimit_wait - block until a token is taken, or WB_AGAIN if that needs more than max_ms */
enum wb_status ratelimit_wait(struct ratelimit *rl, const char *op, int prio, long max_ms,
                              long *wait_ms)
{
    long waited = 0, w = 0;
    for (;;) {
        int rc = ratelimit_acquire(rl, op, prio, &w);
        if (rc != WB_AGAIN) {
            if (wait_ms)
                *wait_ms = waited;
            return rc;
        }
        if (waited + w > max_ms) {
            if (wait_ms)
                *wait_ms = w;
            return WB_AGAIN;
        }
        clock_sleep_ms(w);
        waited += w;
    }
}

/* ratelimit_set_rate - adjust an operation's rate (requests/s before scale) */
enum wb_status ratelimit_set_rate(struct ratelimit *rl, const char *op, double rate)
{
    int i = find(op);
    if (!rl || i < 0 || !isfinite(rate) || rate <= 0 || rate > 10000)
        return WB_BADARG;
    if (plans[i].burst <= 0)
        return WB_OK; /* unlimited stays unlimited */
    lock(rl);
    rl->b[i].rate = rate * rl->scale;
    unlock(rl);
    return WB_OK;
}

/* ratelimit_header - apply an x-amzn-RateLimit-Limit header value; ignores junk */
enum wb_status ratelimit_header(struct ratelimit *rl, const char *op, const char *value)
{
    if (!value || !*value)
        return WB_BADARG;
    char *end;
    double d = strtod(value, &end);
    int i = find(op);
    if (!rl || i < 0 || end == value || *end != '\0' || !isfinite(d) || d <= 0 || d > 10000)
        return WB_BADARG;
    if (plans[i].burst > 0) {
        lock(rl);
        rl->b[i].rate = d; /* the rate the server enforces now: WB_RATE_SCALE does not apply */
        unlock(rl);
    }
    return WB_OK;
}

/* ratelimit_drain - empty an operation's bucket (after a 429) */
enum wb_status ratelimit_drain(struct ratelimit *rl, const char *op)
{
    int i = find(op);
    if (!rl || i < 0)
        return WB_BADARG;
    lock(rl);
    rl->b[i].tokens = 0;
    rl->b[i].last_ms = -1; /* refill restarts at the next look */
    unlock(rl);
    return WB_OK;
}

/* ratelimit_info - current rate (scaled), burst and tokens of an operation */
enum wb_status ratelimit_info(struct ratelimit *rl, const char *op, double *rate, double *burst,
                              double *tokens)
{
    int i = find(op);
    if (!rl || i < 0)
        return WB_BADARG;
    lock(rl);
    if (rate)
        *rate = rl->b[i].rate;
    if (burst)
        *burst = rl->b[i].burst;
    if (tokens)
        *tokens = rl->b[i].tokens;
    unlock(rl);
    return WB_OK;
}
