/*
 * settlement_flow.c - the settlements job: Amazon's V2 settlement reports
 * become one balanced journal per settlement, each settlement id once.
 *
 * For every seller account, in its lanes (flow_lane: settlements/ and journals/ for the
 * default account, ACCOUNT/settlements/ and ACCOUNT/journals/ for a named one):
 *   getReports (DONE) --download (gunzip), ledger remote mark--> in/settlements/NAME
 *   in/settlements/NAME --spool_claim--> work/settlements/NAME
 *   work: read (refused: E_SETTLEMENT_REFUSED) -> a settlement id already journalled
 *         (ledger digest "settlement:ID" done: a duplicate) -> map (unmapped:
 *         E_SETTLEMENT_UNMAPPED, every combination in the reason, and the
 *         settlement-unmapped alert) -> journal
 *   journal: out/journals/journal-ID.csv (temp + fsync + rename + dir fsync)
 *   then the reconciliation (settlement_recon.c): what the settlement paid and refunded per
 *   order and its findings into the ledger, out/journals/reconcile-ID.csv
 *   then ledger done, work -> done/<date>/settlements/NAME (the original, every
 *   transaction row with its order id, kept for audit)
 *   reject/settlements/NAME --requeue--> in/settlements/NAME (after gl.map is fixed)
 * A crash between the journal and the ledger redoes the settlement: the journal's name
 * derives from the settlement id and only this step writes it (afile_open_redo).
 * Owns its job's run; returns WB_* codes; never exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/strutil.h"
#include "core/log.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/flow.h"
#include "flows/outflow.h"
#include "flows/settlement.h"
#include "flows/settlement_flow.h"
#include "flows/settlement_recon.h"
#include "layout/layout.h"
#include "maps/glmap.h"
#include "net/spapi.h"
#include "spool/ledger.h"

#define REPORT_TYPE "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
#define FLOW "settlements"
#define REMOTE "amazon-reports"

/* fetch_new - download each settlement report the account's lane has not taken into in_dir;
 * WB_TEMPFAIL when one did not download (not marked taken: the next run fetches it again) */
static int fetch_new(struct wb_env *env, struct spapi *api, const char *lane, const char *in_dir)
{
    struct spapi_report *r = NULL;
    size_t n = 0;
    struct buf err;
    buf_init(&err, 4096);
    int rc = spapi_get_reports(api, REPORT_TYPE, &r, &n, &err), failed = 0;
    if (rc != WB_OK)
        log_warn("flow=" FLOW " op=getReports status=%s error=\"%s\"", wb_status_str(rc),
                 buf_str(&err));
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        if (!r[i].doc_id[0] || strcmp(r[i].report_type, REPORT_TYPE) != 0)
            continue;
        int seen = 0;
        char key[FLOW_LANE_MAX + 80];
        snprintf(key, sizeof key, "%s/%s", lane, r[i].report_id);
        if ((rc = ledger_remote_seen(env->ledger, REMOTE, key, 0, 0, &seen)) != WB_OK)
            break;
        if (seen)
            continue;
        char name[128];
        snprintf(name, sizeof name, "settlement-report-%s.tsv", r[i].report_id);
        buf_reset(&err);
        int drc = spapi_get_report_document(api, r[i].doc_id, in_dir, name, &err);
        if (drc != WB_OK) { /* a truncated gzip or a refused URL: fetched again next run */
            log_warn("report_id=%s flow=" FLOW " event=download-failed status=%s error=\"%s\"",
                     r[i].report_id, wb_status_str(drc), buf_str(&err));
            if (drc != WB_PERMFAIL && drc != WB_TEMPFAIL)
                rc = drc;
            failed = 1;
            continue;
        }
        rc = ledger_remote_mark(env->ledger, REMOTE, key, 0, 0, "");
        log_info("report_id=%s lane=%s event=downloaded file=%s", r[i].report_id, lane, name);
    }
    free(r);
    buf_free(&err);
    /* the others were taken; the run still fails, so a report that never downloads is seen
     * (job-failing after alert_job_failures runs) */
    return rc == WB_OK && failed ? WB_TEMPFAIL : rc;
}

/* write_journal - out/journals/journal-ID.csv, whole or not at all */
static int write_journal(const struct layout *l, const struct settlement *s, const char *dir)
{
    char name[96];
    snprintf(name, sizeof name, "journal-%s.csv", s->id);
    struct afile af;
    int rc = afile_open_redo(&af, dir, name, 0);
    if (rc != WB_OK)
        return rc;
    rc = settlement_journal(s, l, af.fp);
    if (rc != WB_OK) {
        afile_abort(&af);
        return rc;
    }
    return afile_commit(&af);
}

/* reject - work/NAME to reject/ with the reason, the ledger record rejected */
static int reject(struct wb_env *env, const char *lane, const char *name, long long fid,
                  const char *code, const char *why)
{
    log_warn("file=%s lane=%s event=rejected code=%s reason=\"%.400s\"", name, lane, code, why);
    int rc = spool_reject_file(&env->spool, lane, name, code, why);
    if (rc == WB_OK && fid)
        rc = ledger_file_set_state(env->ledger, fid, LF_REJECTED);
    return rc;
}

/* unmapped_alert - settlement-unmapped about reject/LANE/NAME, the combinations in its text (one
 * a line in why, joined with "; "); it holds while the file waits there */
static void unmapped_alert(struct wb_env *env, const struct wb_account *acc, const char *lane,
                           const char *name, const struct buf *why)
{
    char item[320], text[1000];
    if (snprintf(item, sizeof item, "reject/%s/%s", lane, name) >= (int)sizeof item)
        return; /* no name of ours is that long */
    size_t n = 0;
    for (const char *p = buf_str(why); *p && n + 3 < sizeof text; p++) {
        if (*p != '\n') {
            text[n++] = *p;
        } else if (p[1]) {
            text[n++] = ';';
            text[n++] = ' ';
        }
    }
    text[n] = '\0';
    alert_raise_in(env, "settlement-unmapped", acc == &env->cfg.accounts[0] ? "" : acc->name, FLOW,
                   item, text);
}

/* process - one claimed file of work/settlements/ */
static int process(struct wb_env *env, const struct glmap *gl, const struct layout *l,
                   const struct wb_account *acc, const char *currency, const char *lane,
                   const char *work_dir, const char *out_dir, const char *name)
{
    char path[4096];
    if (fs_join(path, sizeof path, work_dir, name) != WB_OK)
        return WB_BADARG;
    FILE *f = fopen(path, "re");
    if (!f)
        return WB_IOERR;
    struct buf err;
    buf_init(&err, 64 * 1024);
    struct settlement s;
    struct settlement_recon *recon = settlement_recon_new(&err);
    int rc = recon ? settlement_read(&s, f, currency, settlement_recon_row, recon, &err) : WB_NOMEM;
    fclose(f);
    if (!recon)
        goto out_free;
    char digest[65];
    struct ledger_file prev;
    long long fid = 0;
    if (rc == WB_PERMFAIL) {
        if ((rc = fs_sha256_file(path, digest)) == WB_OK &&
            (rc = ledger_file_add(env->ledger, lane, name, digest, &fid)) == WB_OK)
            rc = reject(env, lane, name, fid, "E_SETTLEMENT_REFUSED", buf_str(&err));
        goto out;
    }
    if (rc != WB_OK)
        goto out;
    snprintf(digest, sizeof digest, "settlement:%s", s.id);
    int dup =
        ledger_file_by_digest(env->ledger, lane, digest, &prev) == WB_OK && prev.state == LF_DONE;
    if ((rc = ledger_file_add(env->ledger, lane, name, digest, &fid)) != WB_OK)
        goto out;
    if (dup) { /* Amazon's settlement delivered twice: journalled once */
        log_info("file=%s lane=%s settlement_id=%s event=duplicate first=%s", name, lane, s.id,
                 prev.name);
        if ((rc = ledger_file_set_state(env->ledger, fid, LF_DUPLICATE)) == WB_OK)
            rc = spool_finish(&env->spool, lane, name);
        goto out;
    }
    size_t nun = 0;
    buf_reset(&err);
    if ((rc = settlement_map(&s, gl, &err, &nun)) == WB_PERMFAIL) {
        buf_appendf(&err,
                    "settlement %s: %zu unmapped combination(s); add them to %s, then "
                    "requeue",
                    s.id, nun, env->cfg.gl_map);
        rc = reject(env, lane, name, fid, "E_SETTLEMENT_UNMAPPED", buf_str(&err));
        if (rc == WB_OK)
            unmapped_alert(env, acc, lane, name, &err);
        goto out;
    }
    if (rc == WB_OK && (rc = write_journal(l, &s, out_dir)) == WB_OK &&
        (rc = settlement_recon_write(env, &s, recon, acc, out_dir)) == WB_OK &&
        (rc = ledger_file_set_state(env->ledger, fid, LF_DONE)) == WB_OK)
        rc = spool_finish(&env->spool, lane, name);
    if (rc == WB_OK)
        log_info("file=%s lane=%s settlement_id=%s event=journal rows=%ld combinations=%zu", name,
                 lane, s.id, s.rows, s.ncombos);
out:
    if (rc != WB_OK && rc != WB_PERMFAIL)
        log_warn("file=%s lane=%s event=failed status=%s %s", name, lane, wb_status_str(rc),
                 buf_str(&err));
    settlement_free(&s);
out_free:
    settlement_recon_free(recon);
    buf_free(&err);
    return rc;
}

/* run_lane - one account: recovery, new reports (api NULL: none), then in/ */
static int run_lane(struct wb_env *env, const struct glmap *gl, const struct layout *l,
                    const struct wb_account *acc, const char *currency, struct spapi *api,
                    struct outflow_stats *st)
{
    char lane[FLOW_LANE_MAX], jlane[FLOW_LANE_MAX];
    char in_dir[4096], work_dir[4096], out_dir[4096];
    int rc;
    if ((rc = flow_lane(FLOW, acc, lane, sizeof lane)) != WB_OK ||
        (rc = flow_lane(SETTLEMENT_OUT, acc, jlane, sizeof jlane)) != WB_OK ||
        (rc = spool_ensure_flow(&env->spool, lane)) != WB_OK ||
        (rc = spool_dir(&env->spool, SP_IN, lane, in_dir, sizeof in_dir)) != WB_OK ||
        (rc = spool_dir(&env->spool, SP_WORK, lane, work_dir, sizeof work_dir)) != WB_OK ||
        (rc = spool_dir(&env->spool, SP_OUT, jlane, out_dir, sizeof out_dir)) != WB_OK ||
        (rc = fs_mkdirs(out_dir, FS_DIR_MODE)) != WB_OK)
        return rc;
    /* recovery first: what a crash left in work/ goes back to in/ */
    struct spool_entry *e = NULL;
    size_t n = 0;
    if ((rc = spool_list(&env->spool, SP_WORK, lane, &e, &n)) != WB_OK)
        return rc;
    for (size_t i = 0; rc == WB_OK && i < n; i++)
        rc = spool_unclaim(&env->spool, lane, e[i].name);
    free(e);
    int frc = api && rc == WB_OK ? fetch_new(env, api, lane, in_dir) : WB_OK;
    e = NULL;
    n = 0;
    if (rc == WB_OK)
        rc = spool_list(&env->spool, SP_IN, lane, &e, &n);
    time_t now = clock_now();
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        if (!spool_ready(&e[i], env->cfg.settle_seconds, now))
            continue;
        char claimed[256];
        if ((rc = spool_claim(&env->spool, lane, e[i].name, claimed, sizeof claimed)) != WB_OK)
            break;
        int prc = process(env, gl, l, acc, currency, lane, work_dir, out_dir, claimed);
        st->files++; /* documents; written ones count as good, refused or unmapped as rejected */
        if (prc == WB_OK)
            st->good++;
        else if (prc == WB_PERMFAIL)
            st->rejected++;
        else
            rc = prc;
    }
    free(e);
    return rc == WB_OK ? frc : rc;
}

/* settlement_flow_fetch - the settlements job for seller account a (see the file comment): the
 * journal layout is the environment's when the configuration names it, else loaded here, so a
 * layout_dir without it fails this job alone */
int settlement_flow_fetch(struct wb_env *env, const struct wb_account *a, struct feeds_client *fc,
                          int force, struct outflow_stats *st)
{
    (void)force; /* every new report is fetched each run */
    const struct flow_def *fd = flow_find(FLOW);
    const struct layout *l = flow_env_layout(env, fd);
    struct layout *own = NULL;
    struct glmap *gl = NULL;
    struct buf err;
    buf_init(&err, 64 * 1024);
    int rc = WB_OK;
    if (!l &&
        (rc = layout_load_named(env->cfg.layout_dir, flow_layout_name(fd, &env->cfg), &own,
                                &err)) == WB_OK &&
        (rc = strcmp(layout_flow(own), FLOW) ? WB_CONFIG : flow_layout_check(own, &err)) == WB_OK)
        l = own;
    else if (rc == WB_CONFIG && own && strcmp(layout_flow(own), FLOW) != 0)
        buf_appendf(&err, "%s: the layout is for flow '%s', not " FLOW, layout_origin(own),
                    layout_flow(own));
    if (rc == WB_OK)
        rc = glmap_load(env->cfg.gl_map, &gl, &err);
    if (rc != WB_OK)
        log_error("flow=" FLOW " event=config-failed error=\"%s\"", buf_str(&err));
    buf_free(&err);
    const char *cur = a->currency && *a->currency ? a->currency : NULL;
    if (rc == WB_OK)
        rc = run_lane(env, gl, l, a, cur, fc ? fc->api : NULL, st);
    glmap_free(gl);
    layout_free(own);
    return rc;
}
