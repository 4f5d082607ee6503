/*
 * cmd.h - the sub-command table: name, handler, usage line, one line of help.
 * `wmsbridge --help` is generated from it. Handlers return a sysexits code;
 * only main and these handlers decide exit codes.
 */
#ifndef WB_CMD_H
#define WB_CMD_H

#include <stddef.h>

struct cmd {
    const char *name;
    int (*run)(int argc, char **argv, const char *conf_path);
    const char *usage;
    const char *help;
};

/* an option of a sub-command: a flag ("--json": flag set to 1) or an option with a value
 * ("--once JOB" or "--once=JOB": value set); name comes first (str_nearest reads it) */
struct cmd_opt {
    const char *name;
    const char **value; /* NULL: a flag */
    int *flag;
};

/* cmd_args - parse argv[1..] (argv[0] is the command's name) against opts, at most maxpos
 * positional arguments into pos (*npos of them); an unknown, repeated or incomplete option or
 * one positional too many is printed with a near miss and usage: WB_EX_USAGE, else WB_EX_OK.
 * Values and flags must start NULL and 0. */
int cmd_args(int argc, char **argv, const struct cmd_opt *opts, size_t nopts, const char **pos,
             size_t maxpos, size_t *npos);
/* cmd_usage - the usage line of a sub-command (main.c's table), "" if unknown */
const char *cmd_usage(const char *name);

/* the handlers (cmd_*.c) */
int cmd_convert(int argc, char **argv, const char *conf_path);
int cmd_run(int argc, char **argv, const char *conf_path);
int cmd_check(int argc, char **argv, const char *conf_path);
int cmd_show(int argc, char **argv, const char *conf_path);
int cmd_rejects(int argc, char **argv, const char *conf_path);
int cmd_requeue(int argc, char **argv, const char *conf_path);
int cmd_hold(int argc, char **argv, const char *conf_path);
int cmd_drop(int argc, char **argv, const char *conf_path);
int cmd_queue(int argc, char **argv, const char *conf_path);
int cmd_status(int argc, char **argv, const char *conf_path);
int cmd_explain(int argc, char **argv, const char *conf_path);
int cmd_rewrite(int argc, char **argv, const char *conf_path);
int cmd_feeds(int argc, char **argv, const char *conf_path);
int cmd_resolve(int argc, char **argv, const char *conf_path);
int cmd_alerts(int argc, char **argv, const char *conf_path);
int cmd_metrics(int argc, char **argv, const char *conf_path);
int cmd_report(int argc, char **argv, const char *conf_path);
struct wb_env;
/* cmd_health_print - (cmd_monitor.c) the health figures of every account with their targets, as
 * lines for `status` or (json) one JSON object by account name */
void cmd_health_print(struct wb_env *env, int json, int all);

/* cmd_schedule_check - parse cfg's schedule against the job table (cmd_run.c); WB_* status,
 * "file:line: text" problems in errs, the number of entries in *entries */
struct wb_config;
struct buf;
int cmd_schedule_check(const struct wb_config *cfg, size_t *entries, struct buf *errs);

/* cmd_load_env - (cmd_env.c) load config+maps (and the spool when with_spool: CMD_SPOOL_WRITE
 * creates the spool and opens the ledger to write, CMD_SPOOL_READ creates nothing and opens the
 * ledger read only, CMD_SPOOL_MOVE creates nothing and opens no ledger: requeue and hold only
 * rename); prints errors; sysexits code; on failure nothing is left to free */
#define CMD_SPOOL_NONE 0
#define CMD_SPOOL_WRITE 1
#define CMD_SPOOL_READ 2
#define CMD_SPOOL_MOVE 3
struct wb_env;
int cmd_load_env(struct wb_env *env, const char *conf_path, int with_spool);

#endif
