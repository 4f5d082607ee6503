/*
 * alert.c - operator alerts: ledger record, log line, alert_command.
 * The command runs in a double-forked child so the caller never blocks on
 * it; arguments are passed as argv (no shell). Never exits the caller.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "core/wb.h"
#include "flows/alert.h"
#include "flows/env.h"
#include "spool/ledger.h"

/* run_command - start the alert command detached */
static void run_command(const char *cmd, const char *kind, const char *item, const char *text)
{
    pid_t pid = fork();
    if (pid < 0)
        return;
    if (pid == 0) {
        if (fork() == 0) {
            char *const argv[] = {(char *)cmd, (char *)kind, (char *)item, (char *)text, NULL};
            char *const envp[] = {"PATH=/usr/bin:/bin", NULL};
            execve(cmd, argv, envp);
            wb_exit_now(127);
        }
        wb_exit_now(0);
    }
    waitpid(pid, NULL, 0);
}

/* alert_raise - record, log and dispatch one alert */
int alert_raise(struct wb_env *env, const char *kind, const char *item, const char *text)
{
    int is_new = 1;
    int rc = env->ledger ? ledger_alert(env->ledger, kind, item, text, &is_new) : WB_OK;
    if (!is_new)
        return rc;
    log_warn("alert=%s item=%s text=\"%s\"", kind, item, text);
    if (env->cfg.alert_command && *env->cfg.alert_command)
        run_command(env->cfg.alert_command, kind, item, text);
    return rc;
}

/* alert_clear - close the open alert of that kind and item */
int alert_clear(struct wb_env *env, const char *kind, const char *item)
{
    int closed = 0;
    int rc = env->ledger ? ledger_alert_close(env->ledger, kind, item, &closed) : WB_OK;
    if (closed)
        log_info("alert=%s item=%s event=cleared", kind, item);
    return rc;
}
