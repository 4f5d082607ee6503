/*
 * health.h - the seven health figures the business watches, per seller
 * account, each with its target from the config: order sync latency,
 * acknowledgement on-time rate, inventory freshness, feed success rate,
 * settlement drift, refund latency, exception backlog (count and oldest age
 * per owner). The shared machinery computes what it owns (feed success rate,
 * exception backlog); a flow fills its own figures through the `health`
 * member of its row (flows/flow.h); a figure no flow fills is "not
 * configured", never zero. Read only; returns WB_* codes; never exits.
 */
#ifndef WB_HEALTH_H
#define WB_HEALTH_H

#include <stddef.h>
#include <time.h>

struct wb_env;

enum health_id {
    H_ORDER_SYNC_LATENCY,  /* minutes from order placed to WMS file delivered */
    H_ACK_ON_TIME,         /* percent of acknowledgements sent in time */
    H_INVENTORY_FRESHNESS, /* minutes since the oldest SKU class was updated */
    H_FEED_SUCCESS,        /* percent of feeds ended done over 14 days */
    H_SETTLEMENT_DRIFT,    /* orders the settlements' reconciliations found */
    H_REFUND_LATENCY,      /* median hours from return received to refund */
    H_EXCEPTION_BACKLOG,   /* files waiting in reject/ */
    H_N
};

struct health_def {
    const char *name;  /* metric and JSON name */
    const char *title; /* for a person */
    const char *unit;  /* percent, minutes, hours, files, units */
    int higher_better; /* 1: at or above target is good; 0: at or below */
};

#define HEALTH_OWNERS 8

struct health_figure {
    int configured; /* 0: the flow that gives it is not configured (or not built) */
    int have;       /* 0: configured, but nothing measured yet (no feeds ended...) */
    double value;
    double target;
    char detail[240];
};

struct health {
    int account; /* index into cfg.accounts */
    struct health_figure f[H_N];
    struct {
        char owner[16];
        long count;
        long oldest_seconds;
    } backlog[HEALTH_OWNERS]; /* the exception backlog by owner of the reject code */
    int nbacklog;
};

/* health_defs - the figures' names, titles and units (H_N rows) */
const struct health_def *health_defs(void);
/* the window the current figures are taken over: 14 days */
#define HEALTH_WINDOW (14 * 86400)

/* health_compute - the figures of account number account (index of cfg.accounts) over the
 * events of [from, to) (rates, latencies) and as of `to` (states: the exception backlog is
 * only known for now, so a window ending in the past leaves it `have` 0) */
int health_compute(struct wb_env *env, int account, time_t from, time_t to, struct health *out);
/* health_now - health_compute over the last HEALTH_WINDOW */
int health_now(struct wb_env *env, int account, struct health *out);
/* health_window - "14 days", "1 day": the whole days of [from, to) (at least 1), for a
 * figure's detail; returns out */
const char *health_window(time_t from, time_t to, char *out, size_t n);
/* health_is_now - 1 when a window ending at to ends now (a state such as the exception backlog
 * or inventory freshness is known only for now, not for a past day) */
int health_is_now(time_t to);
/* health_ok - 1 when a measured figure meets its target */
int health_ok(const struct health_figure *f, const struct health_def *d);

#endif
