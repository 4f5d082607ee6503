/*
 * inventory_cadence.h - when an inventory change goes to Amazon, and how old
 * the stock Amazon has is. A seller SKU is fast when the inventory_fast_skus
 * file lists it or when its units sold per day over inventory_velocity_days
 * (the ledger's order units of the account) reach inventory_fast_units_per_day;
 * every other SKU is slow. The rule (inventory_cadence_due): a change goes at
 * the next run, except a slow SKU's rise above the quantity last put in a feed,
 * which waits until that publication is inventory_slow_minutes old. A fall
 * (to 0 or not) is never held back: Amazon offering more than the shelf holds
 * is overselling; offering less for a while only loses a sale. A held change
 * is a pending ledger row with a due time, so it is never lost: the run after
 * it is due puts it in a feed (the daemon wakes the job then), and a newer
 * snapshot replaces it like any unsent row; a full refresh sends all at once.
 *
 * Freshness of a class: the age of the newest stock snapshot for which every
 * change of the class is accepted by Amazon, i.e. the snapshot time of the
 * oldest change of the class Amazon has not accepted yet (sent, waiting or
 * held back), or when none, of the newest snapshot taken in. Known only for
 * now (the ledger keeps no history of row states).
 * Reads the ledger; raises and resolves inventory-stale; returns WB_* codes;
 * never exits.
 */
#ifndef WB_INVENTORY_CADENCE_H
#define WB_INVENTORY_CADENCE_H

#include <time.h>

#include "core/buf.h"

struct strmap;
struct ledger;
struct wb_config;
struct wb_env;
struct wb_account;
struct health;

enum inventory_class { INV_FAST, INV_SLOW, INV_NCLASS };

struct inventory_cadence {
    const struct strmap *listed; /* fast by the list (NULL: none); the caller's */
    struct strmap *selling;      /* fast by units sold (NULL: none) */
    long slow_seconds;           /* 0: no change is held back */
    time_t now;
};

/* inventory_cadence_list_load - the inventory_fast_skus file (path empty: *out NULL): one seller
 * SKU a line, '#' comments; WB_CONFIG with "file:line: text" in err */
int inventory_cadence_list_load(const char *path, struct strmap **out, struct buf *err);
/* inventory_cadence_list_parse - the same from text named name (for tests) */
int inventory_cadence_list_parse(const char *name, const char *text, size_t len,
                                 struct strmap **out, struct buf *err);
/* inventory_cadence_init - the rule of cfg at now for account ("" the default) of lg: listed
 * is borrowed; the SKUs fast by units sold are read from the ledger */
int inventory_cadence_init(struct inventory_cadence *c, const struct wb_config *cfg,
                           const struct strmap *listed, struct ledger *lg, const char *account,
                           time_t now);
/* inventory_cadence_free - release */
void inventory_cadence_free(struct inventory_cadence *c);
/* inventory_cadence_class - INV_FAST or INV_SLOW */
enum inventory_class inventory_cadence_class(const struct inventory_cadence *c, const char *sku);
/* inventory_cadence_due - when a change of sku to qty may go: 0 at the next run, else the time
 * it waits for. was is the quantity last put in a feed (-1: never), last when */
time_t inventory_cadence_due(const struct inventory_cadence *c, const char *sku, long long was,
                             time_t last, long long qty);

/* the freshness of one lane as of now */
struct inventory_freshness {
    time_t newest;             /* the newest snapshot taken in (0: none yet) */
    time_t since[INV_NCLASS];  /* the stock Amazon has is that of this snapshot time */
    long waiting[INV_NCLASS];  /* changes not sent yet */
    long deferred[INV_NCLASS]; /* of those, held back until due */
    long target[INV_NCLASS];   /* minutes */
    long age[INV_NCLASS];      /* minutes */
    int worst;                 /* the class furthest over (or nearest) its target */
};
/* inventory_freshness_get - a's inventory lane as of now */
int inventory_freshness_get(struct wb_env *env, const struct wb_account *a, time_t now,
                            struct inventory_freshness *out);
/* inventory_cadence_health - flow table hook: the inventory freshness figure */
void inventory_cadence_health(struct wb_env *env, const struct wb_account *a, time_t from,
                              time_t to, struct health *h);
/* inventory_cadence_alert - raise inventory-stale for a's lane while a class's stock on Amazon
 * is older than its target, resolve it when it is not */
int inventory_cadence_alert(struct wb_env *env, const struct wb_account *a);
/* inventory_cadence_status - `status` lines: per account where changes wait, how many per class
 * and how many of them are held back until due */
void inventory_cadence_status(struct wb_env *env, struct buf *out);

#endif
