/*
 * env.h - everything a command needs, loaded once from the configuration:
 * config, spool, ledger, maps, layouts, schema checker. `wmsbridge check`
 * loads it all and reports every problem; the daemon reloads it on SIGHUP
 * and keeps the old one when the new one is broken.
 * Returns WB_CONFIG with "file:line: text" lines in errs; never exits.
 */
#ifndef WB_ENV_H
#define WB_ENV_H

#include "core/buf.h"
#include "core/conf.h"
#include "spool/spool.h"

struct ledger;
struct carriercodes;
struct carriers;
struct skus;
struct resultcodes;
struct xsdcheck;
struct layout;

struct wb_env {
    struct wb_config cfg;
    int have_cfg;
    struct spool spool;
    int have_spool;
    struct ledger *ledger;
    struct carriercodes *codes;
    struct carriers *carriers;
    struct skus *skus;
    struct resultcodes *results;
    struct xsdcheck *xsd;
    struct layout *layouts[CONF_MAX_FLOWS]; /* by row of the flow table (flows/flow.h) */
};

/* env_load - config, maps, layouts and schemas (no spool, no ledger) */
int env_load(struct wb_env *e, const char *conf_path, struct buf *errs);
/* env_open_spool - create/open the spool directories and the ledger */
int env_open_spool(struct wb_env *e, struct buf *errs);
/* env_attach_spool - the spool (and the ledger read only when with_ledger), creating nothing:
 * for operators' commands */
int env_attach_spool(struct wb_env *e, int with_ledger, struct buf *errs);
/* env_free - release everything */
void env_free(struct wb_env *e);

#endif
