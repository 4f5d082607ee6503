/*
 * cmd_args.c - the one argument parser of the sub-commands: known options
 * (flags, or options with a value as "--name VALUE" or "--name=VALUE"), and
 * positional arguments up to a count. Anything else is refused with its name,
 * a near miss and the command's usage, exit 64. Never exits itself.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "core/strutil.h"
#include "core/wb.h"

/* refuse - the usage error of one argument, with a near miss among the options */
static int refuse(const char *cmd, const char *what, const char *arg, const struct cmd_opt *opts,
                  size_t nopts)
{
    const char *near = arg[0] == '-' ? str_nearest(arg, opts, nopts, sizeof opts[0]) : NULL;
    fprintf(stderr, "wmsbridge %s: %s '%s'%s%s%s\nusage: wmsbridge %s\n", cmd, what, arg,
            near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "", cmd_usage(cmd));
    return WB_EX_USAGE;
}

/* cmd_args - see cmd.h */
int cmd_args(int argc, char **argv, const struct cmd_opt *opts, size_t nopts, const char **pos,
             size_t maxpos, size_t *npos)
{
    const char *cmd = argv[0];
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (*npos >= maxpos)
                return refuse(cmd, "unexpected argument", a, opts, nopts);
            pos[(*npos)++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const struct cmd_opt *o = NULL;
        for (size_t k = 0; k < nopts && !o; k++)
            if (strlen(opts[k].name) == len && strncmp(opts[k].name, a, len) == 0)
                o = &opts[k];
        if (!o)
            return refuse(cmd, "unknown option", a, opts, nopts);
        if (!o->value) {
            if (eq)
                return refuse(cmd, "option takes no value", a, opts, nopts);
            if (*o->flag)
                return refuse(cmd, "option given twice", a, opts, nopts);
            *o->flag = 1;
            continue;
        }
        if (*o->value)
            return refuse(cmd, "option given twice", o->name, opts, nopts);
        if (eq)
            *o->value = eq + 1;
        else if (i + 1 < argc)
            *o->value = argv[++i];
        else
            return refuse(cmd, "option needs a value", a, opts, nopts);
    }
    return WB_EX_OK;
}
