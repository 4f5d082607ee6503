/*
 * cmd_env.c - cmd_load_env: the loaded environment every command starts
 * from, with its problems printed. Only the commands call it; it calls
 * nothing of theirs. Never exits.
 */
#include <stdio.h>

#include "cmd.h"
#include "core/buf.h"
#include "core/wb.h"
#include "flows/env.h"

/* cmd_load_env - load config+maps and, as with_spool says, the spool (CMD_SPOOL_WRITE creates it
 * and opens the ledger for writing, CMD_SPOOL_READ creates nothing and only reads the ledger,
 * CMD_SPOOL_MOVE only the spool, for the renames); prints errors and leaves nothing to free when
 * it fails */
int cmd_load_env(struct wb_env *env, const char *conf_path, int with_spool)
{
    struct buf errs;
    buf_init(&errs, 256 * 1024);
    int rc = env_load(env, conf_path, &errs);
    if (rc == WB_OK && with_spool == CMD_SPOOL_WRITE)
        rc = env_open_spool(env, &errs);
    else if (rc == WB_OK && (with_spool == CMD_SPOOL_READ || with_spool == CMD_SPOOL_MOVE))
        rc = env_attach_spool(env, with_spool == CMD_SPOOL_READ, &errs);
    if (rc != WB_OK) {
        fprintf(stderr, "%s", buf_str(&errs));
        env_free(env);
    }
    buf_free(&errs);
    if (rc == WB_OK)
        return WB_EX_OK;
    return rc == WB_CONFIG ? WB_EX_CONFIG : wb_status_exit(rc);
}
