/*
 * main.c - the wmsbridge command line: global options, the sub-command
 * table, --help generated from it. The only place (with the cmd_*
 * handlers) that decides exit codes (sysexits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "cmd.h"
#include "core/log.h"
#include "core/wb.h"

#ifndef WB_VERSION
#define WB_VERSION "unknown"
#endif

static const struct cmd commands[] = {
    {"run", cmd_run, "run [--once JOB [--options TEXT]] [--foreground]",
     "daemon: watch spools, run the schedule, poll feeds; or run one job and exit"},
    {"convert", cmd_convert,
     "convert FLOW --layout F [--carriers F] [--carrier-codes F] [--states F] [--skus F] "
     "[--buffers F] [--rejects F] [--merchant|--seller ID] [--xsd-dir D] < in.csv > feed | "
     "convert settlement --gl F [--layout F] [--currency C] < settlement.tsv > journal.csv",
     "pure conversion, no spool, no network (exit 0 all rows, 65 some rejected, 66 no input)"},
    {"check", cmd_check, "check [--online]",
     "validate config, maps, layouts, schemas, credentials, remotes (--online: and get a token)"},
    {"show", cmd_show, "show [-n]", "print the configuration (-n: only non-default settings)"},
    {"status", cmd_status, "status [--json] [--all]",
     "queues, feeds in flight, rows by state, jobs, health (--all: idle lanes and every account)"},
    {"rejects", cmd_rejects, "rejects [FLOW] [--json] | --codes",
     "list what waits in reject/ with age and reason (--codes: the table of reject codes)"},
    {"queue", cmd_queue,
     "queue [NAME] [--flow FLOW] [--account NAME] [--code CODE] [--older-than AGE] [--json]",
     "what waits in in/ work/ hold/ reject/ per account and flow, with age, size and code"},
    {"requeue", cmd_requeue,
     "requeue NAME|ALL [--flow FLOW] [--account NAME] [--code CODE] [--older-than AGE]",
     "move fixed files from reject/ (or hold/) back to in/"},
    {"hold", cmd_hold,
     "hold NAME|ALL [--flow FLOW] [--account NAME] [--code CODE] [--older-than AGE]",
     "park files of in/ or reject/ in hold/"},
    {"drop", cmd_drop,
     "drop NAME|ALL [--flow FLOW] [--account NAME] [--code CODE] [--older-than AGE] "
     "--reason TEXT",
     "remove files of reject/ or hold/ for good; who, when and why are kept in the ledger"},
    {"explain", cmd_explain, "explain FILE", "what the ledger knows about one file"},
    {"rewrite", cmd_rewrite, "rewrite NAME [--account NAME]",
     "write a file of out/ the WMS lost again, from what the ledger keeps of it"},
    {"feeds", cmd_feeds, "feeds [--all]",
     "feeds needing attention or in flight (--all: every feed)"},
    {"resolve", cmd_resolve,
     "resolve FEED --sent AMAZON_FEED_ID | --not-sent | --confirmed | --rejected REASON",
     "settle by hand a feed crash recovery could not place, or a held feed whose report could "
     "not settle it (after checking Seller Central)"},
    {"alerts", cmd_alerts, "alerts [--json] | --types",
     "open alerts with owner, severity and what to do (--types: the table of alert types)"},
    {"metrics", cmd_metrics, "metrics",
     "the Prometheus text exposition (the daemon also writes it to metrics_file)"},
    {"report", cmd_report, "report [--out FILE]",
     "the daily report page: one self-contained HTML file (figures, exceptions, feeds, checks)"},
};

/* cmd_usage - the usage line of a sub-command */
const char *cmd_usage(const char *name)
{
    for (size_t i = 0; i < WB_ARRAY_LEN(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].usage;
    return "";
}

/* usage - print the generated help */
static void usage(FILE *f)
{
    fprintf(f, "usage: wmsbridge [-c CONFIG | --config=CONFIG] [-v] COMMAND [ARGS]\n"
               "       wmsbridge --version | --help\n\ncommands:\n");
    for (size_t i = 0; i < WB_ARRAY_LEN(commands); i++)
        fprintf(f, "  %-9s %s\n            %s\n", commands[i].name, commands[i].help,
                commands[i].usage);
    fprintf(f, "\nCONFIG defaults to $WB_CONFIG, else /etc/wmsbridge/wmsbridge.conf.\n"
               "Exit codes: 0 ok, 64 usage, 65 data rejected, 66 no input, 75 try again, "
               "78 configuration.\n");
}

int main(int argc, char **argv)
{
    const char *conf = getenv("WB_CONFIG");
    if (!conf || !*conf)
        conf = "/etc/wmsbridge/wmsbridge.conf";
    int level = LOG_INFO_L;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
            conf = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0 && argv[i][9])
            conf = argv[i] + 9;
        else if (strcmp(argv[i], "--version") == 0) {
            printf("wmsbridge %s\n", WB_VERSION);
            return WB_EX_OK;
        } else if (strcmp(argv[i], "-v") == 0)
            level = LOG_DEBUG_L; /* wins over log_level in the config */
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return WB_EX_OK;
        } else {
            fprintf(stderr, "wmsbridge: unknown option %s\n", argv[i]);
            usage(stderr);
            return WB_EX_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return WB_EX_USAGE;
    }
    log_setup("wmsbridge", level, 0);
    if (level == LOG_DEBUG_L)
        log_set_floor(LOG_DEBUG_L);
    for (size_t k = 0; k < WB_ARRAY_LEN(commands); k++)
        if (strcmp(argv[i], commands[k].name) == 0) {
            int rc = commands[k].run(argc - i, argv + i, conf);
            xmlCleanupParser(); /* frees libxml2's globals if a command used it */
            return rc;
        }
    fprintf(stderr, "wmsbridge: unknown command '%s'\n", argv[i]);
    usage(stderr);
    return WB_EX_USAGE;
}
