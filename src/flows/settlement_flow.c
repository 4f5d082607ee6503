/*
 * settlement_flow.c - the settlements job: Amazon's V2 settlement reports
 * become one balanced journal per settlement, each settlement id once.
 *
 *   getReports (DONE) --download (gunzip), ledger remote mark--> in/settlements/NAME
 *   in/settlements/NAME --spool_claim--> work/settlements/NAME
 *   work: read (refused: E_SETTLEMENT_REFUSED) -> a settlement id already journalled
 *         (ledger digest "settlement:ID" done: a duplicate) -> map (unmapped:
 *         E_SETTLEMENT_UNMAPPED, every combination in the reason) -> journal
 *   journal: out/journals/journal-ID.csv (temp + fsync + rename + dir fsync)
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
#include "core/log.h"
#include "core/wb.h"
#include "flows/env.h"
#include "flows/feeds.h"
#include "flows/flow.h"
#include "flows/settlement.h"
#include "flows/settlement_flow.h"
#include "maps/glmap.h"
#include "net/spapi.h"
#include "spool/ledger.h"

#define REPORT_TYPE "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
#define FLOW "settlements"
#define JOURNALS "journals"
#define REMOTE "amazon-reports"

/* fetch_new - download each settlement report not taken before into in/settlements/ */
static int fetch_new(struct wb_env *env, struct feeds_client *fc, const char *in_dir)
{
    struct spapi_report *r = NULL;
    size_t n = 0;
    struct buf err;
    buf_init(&err, 4096);
    int rc = spapi_get_reports(fc->api, REPORT_TYPE, &r, &n, &err);
    if (rc != WB_OK)
        log_warn("flow=" FLOW " op=getReports status=%s error=\"%s\"", wb_status_str(rc),
                 buf_str(&err));
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        if (!r[i].doc_id[0] || strcmp(r[i].report_type, REPORT_TYPE) != 0)
            continue;
        int seen = 0;
        if ((rc = ledger_remote_seen(env->ledger, REMOTE, r[i].report_id, 0, 0, &seen)) != WB_OK)
            break;
        if (seen)
            continue;
        char name[128];
        snprintf(name, sizeof name, "settlement-report-%s.tsv", r[i].report_id);
        buf_reset(&err);
        int drc = spapi_get_report_document(fc->api, r[i].doc_id, in_dir, name, &err);
        if (drc != WB_OK) { /* a truncated gzip or a refused URL: fetched again next run */
            log_warn("report_id=%s flow=" FLOW " event=download-failed status=%s error=\"%s\"",
                     r[i].report_id, wb_status_str(drc), buf_str(&err));
            if (drc != WB_PERMFAIL && drc != WB_TEMPFAIL)
                rc = drc;
            continue;
        }
        rc = ledger_remote_mark(env->ledger, REMOTE, r[i].report_id, 0, 0, "");
        log_info("report_id=%s flow=" FLOW " event=downloaded file=%s", r[i].report_id, name);
    }
    free(r);
    buf_free(&err);
    return rc;
}

/* write_journal - out/journals/journal-ID.csv, whole or not at all */
static int write_journal(struct wb_env *env, const struct settlement *s, const char *dir)
{
    char name[96];
    snprintf(name, sizeof name, "journal-%s.csv", s->id);
    struct afile af;
    int rc = afile_open_redo(&af, dir, name, 0);
    if (rc != WB_OK)
        return rc;
    rc = settlement_journal(s, flow_env_layout(env, flow_find(FLOW)), af.fp);
    if (rc != WB_OK) {
        afile_abort(&af);
        return rc;
    }
    return afile_commit(&af);
}

/* reject - work/NAME to reject/ with the reason, the ledger record rejected */
static int reject(struct wb_env *env, const char *name, long long fid, const char *code,
                  const char *why)
{
    log_warn("file=%s flow=" FLOW " event=rejected code=%s reason=\"%.400s\"", name, code, why);
    int rc = spool_reject_file(&env->spool, FLOW, name, code, why);
    if (rc == WB_OK && fid)
        rc = ledger_file_set_state(env->ledger, fid, LF_REJECTED);
    return rc;
}

/* process - one claimed file of work/settlements/ */
static int process(struct wb_env *env, const struct glmap *gl, const char *work_dir,
                   const char *out_dir, const char *name)
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
    int rc = settlement_read(&s, f, NULL, NULL, NULL, &err);
    fclose(f);
    char digest[65];
    struct ledger_file prev;
    long long fid = 0;
    if (rc == WB_PERMFAIL) {
        if ((rc = fs_sha256_file(path, digest)) == WB_OK &&
            (rc = ledger_file_add(env->ledger, FLOW, name, digest, &fid)) == WB_OK)
            rc = reject(env, name, fid, "E_SETTLEMENT_REFUSED", buf_str(&err));
        goto out;
    }
    if (rc != WB_OK)
        goto out;
    snprintf(digest, sizeof digest, "settlement:%s", s.id);
    int dup =
        ledger_file_by_digest(env->ledger, FLOW, digest, &prev) == WB_OK && prev.state == LF_DONE;
    if ((rc = ledger_file_add(env->ledger, FLOW, name, digest, &fid)) != WB_OK)
        goto out;
    if (dup) { /* Amazon's settlement delivered twice: journalled once */
        log_info("file=%s flow=" FLOW " settlement_id=%s event=duplicate first=%s", name, s.id,
                 prev.name);
        if ((rc = ledger_file_set_state(env->ledger, fid, LF_DUPLICATE)) == WB_OK)
            rc = spool_finish(&env->spool, FLOW, name);
        goto out;
    }
    size_t nun = 0;
    buf_reset(&err);
    if ((rc = settlement_map(&s, gl, &err, &nun)) == WB_PERMFAIL) {
        buf_appendf(&err,
                    "settlement %s: %zu unmapped combination(s); add them to %s, then "
                    "requeue",
                    s.id, nun, env->cfg.gl_map);
        rc = reject(env, name, fid, "E_SETTLEMENT_UNMAPPED", buf_str(&err));
        goto out;
    }
    if (rc == WB_OK && (rc = write_journal(env, &s, out_dir)) == WB_OK &&
        (rc = ledger_file_set_state(env->ledger, fid, LF_DONE)) == WB_OK)
        rc = spool_finish(&env->spool, FLOW, name);
    if (rc == WB_OK)
        log_info("file=%s flow=" FLOW " settlement_id=%s event=journal rows=%ld accounts=%zu", name,
                 s.id, s.rows, s.ncombos);
out:
    if (rc != WB_OK && rc != WB_PERMFAIL)
        log_warn("file=%s flow=" FLOW " event=failed status=%s %s", name, wb_status_str(rc),
                 buf_str(&err));
    settlement_free(&s);
    buf_free(&err);
    return rc;
}

/* settlement_flow_fetch - the settlements job (see the file comment) */
int settlement_flow_fetch(struct wb_env *env, struct feeds_client *fc)
{
    char in_dir[4096], work_dir[4096], out_dir[4096];
    int rc;
    if ((rc = spool_ensure_flow(&env->spool, FLOW)) != WB_OK ||
        (rc = spool_dir(&env->spool, SP_IN, FLOW, in_dir, sizeof in_dir)) != WB_OK ||
        (rc = spool_dir(&env->spool, SP_WORK, FLOW, work_dir, sizeof work_dir)) != WB_OK ||
        (rc = spool_dir(&env->spool, SP_OUT, JOURNALS, out_dir, sizeof out_dir)) != WB_OK ||
        (rc = fs_mkdirs(out_dir, FS_DIR_MODE)) != WB_OK)
        return rc;
    /* recovery first: what a crash left in work/ goes back to in/ */
    struct spool_entry *e = NULL;
    size_t n = 0;
    if ((rc = spool_list(&env->spool, SP_WORK, FLOW, &e, &n)) != WB_OK)
        return rc;
    for (size_t i = 0; rc == WB_OK && i < n; i++)
        rc = spool_unclaim(&env->spool, FLOW, e[i].name);
    free(e);
    int frc = fc && rc == WB_OK ? fetch_new(env, fc, in_dir) : WB_OK;
    struct glmap *gl = NULL;
    struct buf err;
    buf_init(&err, 64 * 1024);
    if (rc == WB_OK && (rc = glmap_load(env->cfg.gl_map, &gl, &err)) != WB_OK)
        log_error("flow=" FLOW " event=gl-map-failed error=\"%s\"", buf_str(&err));
    buf_free(&err);
    e = NULL;
    n = 0;
    if (rc == WB_OK)
        rc = spool_list(&env->spool, SP_IN, FLOW, &e, &n);
    time_t now = clock_now();
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        if (!spool_ready(&e[i], env->cfg.settle_seconds, now))
            continue;
        char claimed[256];
        if ((rc = spool_claim(&env->spool, FLOW, e[i].name, claimed, sizeof claimed)) != WB_OK)
            break;
        int prc = process(env, gl, work_dir, out_dir, claimed);
        if (prc != WB_OK && prc != WB_PERMFAIL)
            rc = prc;
    }
    free(e);
    glmap_free(gl);
    return rc == WB_OK ? frc : rc;
}
