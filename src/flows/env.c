/*
 * env.c - loads the configuration and everything it names, validating all
 * of it and collecting every error. Never exits; never touches the network.
 */
#include <string.h>

#include "amazon/xsdcheck.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/flow.h"
#include "layout/layout.h"
#include "maps/carriercodes.h"
#include "maps/carriers.h"
#include "maps/resultcodes.h"
#include "maps/skus.h"
#include "net/http.h"
#include "spool/ledger.h"

/* named_layout - 1 if the configuration has a `NAME_layout` line for flow name */
static int named_layout(const struct wb_config *cfg, const char *name)
{
    for (int i = 0; i < cfg->nflow_layouts; i++)
        if (strcmp(cfg->flow_layouts[i].flow, name) == 0)
            return 1;
    return 0;
}

/* load_layouts - each flow's layout (its `NAME_layout` or its default), checked against the
 * flow's vocabulary; a `NAME_layout` line naming no flow is an error. A flow without a spool
 * path (no job) loads its layout only when the configuration names one, so a layout_dir made
 * before that flow existed still loads */
static int load_layouts(struct wb_env *e, struct buf *errs)
{
    int bad = 0;
    size_t n;
    const struct flow_def *t = flows(&n);
    for (int i = 0; i < e->cfg.nflow_layouts; i++)
        if (!flow_find(e->cfg.flow_layouts[i].flow)) {
            buf_appendf(errs, "%s:%d: %s_layout: there is no flow '%s' (flows:", e->cfg.path,
                        e->cfg.flow_layouts[i].line, e->cfg.flow_layouts[i].flow,
                        e->cfg.flow_layouts[i].flow);
            for (size_t k = 0; k < n; k++)
                buf_appendf(errs, " %s", t[k].name);
            buf_appends(errs, ")\n");
            bad = 1;
        }
    for (size_t k = 0; k < n; k++) {
        struct layout **l = &e->layouts[k];
        if (!flow_on(&t[k], &e->cfg) && !named_layout(&e->cfg, t[k].name))
            continue;
        if (layout_load_named(e->cfg.layout_dir, flow_layout_name(&t[k], &e->cfg), l, errs) !=
            WB_OK) {
            bad = 1;
        } else if (strcmp(layout_flow(*l), t[k].name) != 0) {
            buf_appendf(errs, "%s: the layout is for flow '%s', set as %s_layout\n",
                        layout_origin(*l), layout_flow(*l), t[k].name);
            bad = 1;
        } else if (flow_layout_check(*l, errs) != WB_OK) {
            bad = 1;
        }
    }
    return bad ? WB_CONFIG : WB_OK;
}

/* remote_flows_check - every remote.NAME.flow names a lane the flows use: a flow's name (its
 * in/ or out/ directory) or the out/ directory of one (out_name); a typo would move files into a
 * directory nothing reads */
static int remote_flows_check(const struct wb_config *cfg, struct buf *errs)
{
    size_t n;
    const struct flow_def *fl = flows(&n);
    int bad = 0;
    for (int r = 0; r < cfg->nremotes; r++) {
        const char *f = cfg->remotes[r].flow;
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
            found =
                strcmp(fl[i].name, f) == 0 || (fl[i].out_name && strcmp(fl[i].out_name, f) == 0);
        if (found)
            continue;
        buf_appendf(errs, "%s: remote.%s.flow: '%s' is no flow's directory (", cfg->path,
                    cfg->remotes[r].name, f);
        for (size_t i = 0; i < n; i++)
            buf_appendf(errs, "%s%s%s%s", i ? ", " : "", fl[i].name, fl[i].out_name ? ", " : "",
                        fl[i].out_name ? fl[i].out_name : "");
        buf_appends(errs, ")\n");
        bad = 1;
    }
    return bad ? WB_CONFIG : WB_OK;
}

/* env_load - config, maps, layouts and schemas */
int env_load(struct wb_env *e, const char *conf_path, struct buf *errs)
{
    memset(e, 0, sizeof *e);
    int rc = conf_load(&e->cfg, conf_path, errs);
    e->have_cfg = 1;
    if (rc != WB_OK)
        return rc;
    int bad = 0;
    for (int a = 1; a < e->cfg.naccounts; a++) { /* named accounts: their lane segment */
        char why[200];
        if (!flow_account_name_ok(e->cfg.accounts[a].name, why, sizeof why)) {
            buf_appendf(errs, "%s: account.%s: %s; choose another account name\n", e->cfg.path,
                        e->cfg.accounts[a].name, why);
            bad = 1;
        }
    }
    for (int a = 0; a < e->cfg.naccounts; a++) { /* accounts[0]: the top-level endpoints */
        const struct wb_account *acc = &e->cfg.accounts[a];
        const char *url[2] = {acc->sp_api_endpoint, acc->lwa_endpoint};
        static const char *const url_name[2] = {"sp_api_endpoint", "lwa_endpoint"};
        for (int i = 0; i < 2; i++)
            if (!http_url_allowed(url[i])) { /* the credentials would go there in clear text */
                char safe[256];
                http_redact_url(url[i], safe, sizeof safe);
                buf_appendf(errs, "%s: %s%s%s%s: '%s' refused: " HTTP_URL_RULE "\n", e->cfg.path,
                            a ? "account." : "", a ? acc->name : "", a ? "." : "", url_name[i],
                            safe);
                bad = 1;
            }
    }
    if (remote_flows_check(&e->cfg, errs) != WB_OK)
        bad = 1;
    if (alert_owners_check(&e->cfg, errs) != WB_OK)
        bad = 1;
    if (carriercodes_load(e->cfg.carrier_codes, &e->codes, errs) != WB_OK)
        bad = 1;
    if (!bad && carriers_load(e->cfg.carriers_map, e->codes, &e->carriers, errs) != WB_OK)
        bad = 1;
    if (skus_load(e->cfg.skus_map, &e->skus, errs) != WB_OK)
        bad = 1;
    if (resultcodes_load(e->cfg.result_codes, &e->results, errs) != WB_OK)
        bad = 1;
    if (load_layouts(e, errs) != WB_OK)
        bad = 1;
    if (e->cfg.xsd_dir && *e->cfg.xsd_dir) {
        struct buf why; /* xsdcheck_open replaces its buffer's text: keep the others' */
        buf_init(&why, 4096);
        if (xsdcheck_open(&e->xsd, e->cfg.xsd_dir, &why) != WB_OK) {
            buf_appendf(errs, "%s: xsd_dir: cannot compile the feed schemas in %s\n%s\n",
                        e->cfg.path, e->cfg.xsd_dir, why.len ? buf_str(&why) : "(no reason given)");
            bad = 1;
        }
        buf_free(&why);
    }
    return bad ? WB_CONFIG : WB_OK;
}

/* env_open_spool - create/open the spool directories and the ledger */
int env_open_spool(struct wb_env *e, struct buf *errs)
{
    int rc = spool_open(&e->spool, e->cfg.spool_dir);
    if (rc != WB_OK) {
        buf_appendf(errs, "spool %s: cannot create: %s\n", e->cfg.spool_dir, wb_status_str(rc));
        return rc;
    }
    e->have_spool = 1;
    rc = ledger_open(&e->ledger, e->cfg.ledger);
    if (rc != WB_OK)
        buf_appendf(errs, "ledger %s: cannot open: %s\n", e->cfg.ledger, wb_status_str(rc));
    return rc;
}

/* env_attach_spool - the spool (and the ledger, read only, when with_ledger) for an operator's
 * command: creates nothing, so whoever runs it (an operator, root before the service's first
 * run) leaves no file or directory behind that the service would not own */
int env_attach_spool(struct wb_env *e, int with_ledger, struct buf *errs)
{
    int rc = spool_attach(&e->spool, e->cfg.spool_dir);
    if (rc != WB_OK)
        return rc;
    e->have_spool = 1;
    if (!with_ledger)
        return WB_OK;
    rc = ledger_open_readonly(&e->ledger, e->cfg.ledger);
    if (rc != WB_OK)
        buf_appendf(errs, "ledger %s: cannot open: %s\n", e->cfg.ledger, wb_status_str(rc));
    return rc;
}

/* env_free - release everything */
void env_free(struct wb_env *e)
{
    if (e->ledger)
        ledger_close(e->ledger);
    if (e->have_spool)
        spool_close(&e->spool);
    if (e->xsd)
        xsdcheck_close(e->xsd);
    for (size_t k = 0; k < WB_ARRAY_LEN(e->layouts); k++)
        layout_free(e->layouts[k]);
    resultcodes_free(e->results);
    skus_free(e->skus);
    carriers_free(e->carriers);
    carriercodes_free(e->codes);
    if (e->have_cfg)
        conf_free(&e->cfg);
    memset(e, 0, sizeof *e);
}
