/*
 * cmd_convert.c - `wmsbridge convert FLOW`: stdin CSV -> stdout feed (XML or
 * JSON, the flow's) through the flow table's convert hook (a flow without one
 * does not convert), rejects to --rejects. The maps given are loaded here;
 * the flow's convert_check says which it needs. No spool, no ledger, no network. Exit 0 when every
 * row converted, 65 when rows were rejected (the feed holds the good ones),
 * 66 when the input is unreadable, 78 for bad layout/maps, 64 for usage.
 * A flow from Amazon converts through its convert_doc hook instead: stdin
 * Amazon document -> stdout file in the flow's output layout, written whole
 * or not at all (0 written, 65 the map lacks entries, 66 refused input).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "amazon/xsdcheck.h"
#include "cmd.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/fsutil.h"
#include "core/wb.h"
#include "flows/flow.h"
#include "layout/layout.h"
#include "maps/carriercodes.h"
#include "maps/buffers.h"
#include "maps/carriers.h"
#include "maps/skus.h"
#include "maps/stockstates.h"

struct conv_args {
    const char *layout, *carriers, *codes, *skus, *rejects, *merchant, *xsd_dir, *states, *buffers;
};

/* parse_args - the convert options */
static int parse_args(int argc, char **argv, struct conv_args *a)
{
    memset(a, 0, sizeof *a);
    const char *flow = NULL; /* a flow that converts, checked by cmd_convert */
    const struct cmd_opt opts[] = {
        {"--layout", &a->layout, NULL},       {"--carriers", &a->carriers, NULL},
        {"--carrier-codes", &a->codes, NULL}, {"--skus", &a->skus, NULL},
        {"--rejects", &a->rejects, NULL},     {"--merchant", &a->merchant, NULL},
        {"--xsd-dir", &a->xsd_dir, NULL},     {"--states", &a->states, NULL},
        {"--buffers", &a->buffers, NULL},     {"--seller", &a->merchant, NULL},
    };
    size_t np;
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), &flow, 1, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    if (!a->merchant)
        a->merchant = "MERCHANT";
    if (!a->layout) {
        fprintf(stderr, "wmsbridge convert: --layout is required\n");
        return WB_EX_USAGE;
    }
    return WB_EX_OK;
}

/* default_codes - amazon-carrier-codes.txt beside the carriers map */
static void default_codes(const char *carriers, char *out, size_t n)
{
    const char *slash = strrchr(carriers, '/');
    int dl = slash ? (int)(slash - carriers) : 1;
    snprintf(out, n, "%.*s/amazon-carrier-codes.txt", dl, slash ? carriers : ".");
}

/* messages named by input line when the feed fails the schema: 8 bytes each, 64 MiB at most */
#define XSD_LINES_MAX ((size_t)64 << 20)
/* messages the schema refuses that are named one by one */
#define XSD_NAMED_MAX 64

/* xsdcheck_failed - 1 if the feed at path fails the schema, with each refused message named by
 * its MessageID and the input line of its first row (lines: a long per message) */
static int xsdcheck_failed(struct xsdcheck *xc, const char *path, const struct buf *lines,
                           struct buf *err)
{
    struct amazon_xml_msg_err bad[XSD_NAMED_MAX];
    size_t nbad = 0;
    int whole = 0;
    int rc = xsdcheck_messages(xc, path, bad, XSD_NAMED_MAX, &nbad, &whole, err);
    if (rc == WB_OK)
        return 0;
    fprintf(stderr, "wmsbridge convert: the feed failed schema validation; nothing written\n");
    for (size_t i = 0; i < nbad; i++) {
        long line = 0, id = bad[i].message_id;
        if (id >= 1 && (size_t)id * sizeof line <= lines->len)
            memcpy(&line, lines->data + (size_t)(id - 1) * sizeof line, sizeof line);
        if (line > 0)
            fprintf(stderr, "line %ld (MessageID %ld): %s\n", line, id, bad[i].why);
        else
            fprintf(stderr, "MessageID %ld (input line not known): %s\n", id, bad[i].why);
    }
    if (whole || nbad == 0)
        fprintf(stderr, "%s\n", buf_str(err));
    buf_reset(err);
    return 1;
}

/* doc_layout - the --layout file, else the flow's layout of the configuration */
static int doc_layout(const struct flow_def *fd, const char *path, const char *conf_path,
                      struct layout **l, struct buf *err)
{
    if (path)
        return layout_load(path, l, err);
    struct wb_config c;
    int rc = conf_load(&c, conf_path, err);
    if (rc == WB_OK)
        rc = layout_load_named(c.layout_dir, flow_layout_name(fd, &c), l, err);
    else
        buf_appends(err, "(or name the output layout with --layout)\n");
    conf_free(&c);
    return rc;
}

/* convert_doc - `convert FLOW MAP-OPTION F [--layout F] [--currency C]` of a flow from Amazon */
static int convert_doc(const struct flow_def *fd, int argc, char **argv, const char *conf_path)
{
    const char *flow = NULL, *layout = NULL, *map = NULL, *currency = NULL;
    const struct cmd_opt opts[] = {
        {"--layout", &layout, NULL},
        {fd->convert_map_option, &map, NULL},
        {"--currency", &currency, NULL},
    };
    size_t np;
    if (cmd_args(argc, argv, opts, WB_ARRAY_LEN(opts), &flow, 1, &np) != WB_EX_OK)
        return WB_EX_USAGE;
    if (!map) {
        fprintf(stderr, "wmsbridge convert: %s is required\n", fd->convert_map_option);
        return WB_EX_USAGE;
    }
    struct buf err;
    buf_init(&err, 64 * 1024);
    struct layout *l = NULL;
    int ex = WB_EX_CONFIG;
    if (doc_layout(fd, layout, conf_path, &l, &err) != WB_OK) {
        fprintf(stderr, "%s", buf_str(&err));
        goto out;
    }
    if (strcmp(layout_flow(l), fd->name) != 0) {
        fprintf(stderr, "%s: the layout is for flow '%s', not %s\n", layout_origin(l),
                layout_flow(l), fd->name);
        goto out;
    }
    if (flow_layout_check(l, &err) != WB_OK) {
        fprintf(stderr, "%s", buf_str(&err));
        goto out;
    }
    const struct flow_doc_args a = {l, map, currency};
    int rc = fd->convert_doc(&a, stdin, stdout, &err);
    if (fflush(stdout) != 0 && rc == WB_OK)
        rc = WB_IOERR;
    if (err.len)
        fprintf(stderr, "%s%s", buf_str(&err), err.data[err.len - 1] == '\n' ? "" : "\n");
    ex = rc == WB_OK         ? WB_EX_OK
         : rc == WB_PERMFAIL ? WB_EX_DATAERR
         : rc == WB_NOINPUT  ? WB_EX_NOINPUT
                             : wb_status_exit(rc);
out:
    layout_free(l);
    buf_free(&err);
    return ex;
}

/* cmd_convert - see file comment */
int cmd_convert(int argc, char **argv, const char *conf_path)
{
    const struct flow_def *fd = argc >= 2 ? flow_find_convert(argv[1]) : NULL;
    if (fd && fd->convert_doc)
        return convert_doc(fd, argc, argv, conf_path);
    if (!fd || !fd->convert) {
        size_t n;
        const struct flow_def *t = flows(&n);
        fprintf(stderr, "wmsbridge convert: flows that convert:");
        for (size_t i = 0; i < n; i++)
            if (t[i].convert || t[i].convert_doc)
                fprintf(stderr, " %s", t[i].convert_as ? t[i].convert_as : t[i].name);
        fprintf(stderr, "\n");
        return WB_EX_USAGE;
    }
    struct conv_args a;
    int ex = parse_args(argc, argv, &a);
    if (ex != WB_EX_OK)
        return ex;
    char codes_path[4096];
    if (!a.codes && a.carriers) {
        default_codes(a.carriers, codes_path, sizeof codes_path);
        a.codes = codes_path;
    }
    struct buf err;
    buf_init(&err, 64 * 1024);
    struct layout *l = NULL;
    struct carriercodes *cc = NULL;
    struct carriers *cm = NULL;
    struct skus *sm = NULL;
    struct stockstates *ss = NULL;
    struct buffers *bm = NULL;
    struct xsdcheck *xc = NULL;
    FILE *rej = NULL;
    int bad = layout_load(a.layout, &l, &err) != WB_OK;
    if (a.carriers && (bad |= carriercodes_load(a.codes, &cc, &err) != WB_OK) == 0)
        bad |= carriers_load(a.carriers, cc, &cm, &err) != WB_OK;
    if (a.states)
        bad |= stockstates_load(a.states, &ss, &err) != WB_OK;
    if (a.buffers)
        bad |= buffers_load(a.buffers, &bm, &err) != WB_OK;
    if (a.skus)
        bad |= skus_load(a.skus, &sm, &err) != WB_OK;
    if (a.xsd_dir)
        bad |= xsdcheck_open(&xc, a.xsd_dir, &err) != WB_OK;
    const struct flow_convert_args ca = {.layout = l,
                                         .carriers = cm,
                                         .skus = sm,
                                         .merchant = a.merchant,
                                         .states = ss,
                                         .buffers = bm,
                                         .xsd = xc != NULL};
    if (!bad)
        bad = fd->convert_check(&ca, &err) != WB_OK;
    if (bad) {
        fprintf(stderr, "%s", buf_str(&err));
        ex = WB_EX_CONFIG;
        goto out;
    }
    if (a.rejects && !(rej = fopen(a.rejects, "we"))) {
        perror(a.rejects);
        ex = WB_EX_CANTCREAT;
        goto out;
    }
    struct stat sb;
    if (fstat(0, &sb) != 0) {
        fprintf(stderr, "wmsbridge convert: standard input is not readable\n");
        ex = WB_EX_NOINPUT;
        goto out;
    }
    /* the feed writer hands over blocks of about 256 KiB: unbuffered, stdio passes them to
     * write() as they are instead of copying each into its buffer first */
    setvbuf(stdout, NULL, _IONBF, 0);
    /* with --xsd-dir the feed is validated before it is let out */
    FILE *out = stdout, *tmp = NULL;
    if (xc && !(out = tmp = tmpfile())) {
        ex = WB_EX_CANTCREAT;
        goto out;
    }
    struct flow_convert_stats st;
    struct buf lines; /* with --xsd-dir: each message's first input line, to name refused rows */
    buf_init(&lines, XSD_LINES_MAX);
    int rc = fd->convert(&ca, stdin, out, rej, &st, xc ? &lines : NULL, &err);
    if (rej && fclose(rej) != 0 && rc == WB_OK)
        rc = WB_IOERR;
    rej = NULL;
    if (tmp && (rc == WB_OK || rc == WB_PERMFAIL) && st.good) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fileno(tmp));
        fflush(tmp);
        if (xsdcheck_failed(xc, path, &lines, &err)) {
            buf_free(&lines);
            fclose(tmp);
            ex = WB_EX_SOFTWARE;
            goto out;
        }
        rewind(tmp);
        char chunk[65536];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, tmp)) > 0)
            fwrite(chunk, 1, k, stdout);
    }
    buf_free(&lines);
    if (tmp)
        fclose(tmp);
    if (fflush(stdout) != 0 && rc == WB_OK)
        rc = WB_IOERR;
    fprintf(stderr, "rows=%ld converted=%ld rejected=%ld messages=%ld\n", st.rows, st.good,
            st.rejected, st.messages);
    if (err.len)
        fprintf(stderr, "%s%s", buf_str(&err), err.data[err.len - 1] == '\n' ? "" : "\n");
    if (rc == WB_OK)
        ex = WB_EX_OK;
    else if (rc == WB_PERMFAIL)
        ex = WB_EX_DATAERR;
    else if (rc == WB_NOINPUT || (rc == WB_IOERR && st.rows == 0))
        ex = WB_EX_NOINPUT;
    else
        ex = wb_status_exit(rc);
out:
    if (rej)
        fclose(rej);
    if (xc)
        xsdcheck_close(xc);
    skus_free(sm);
    stockstates_free(ss);
    buffers_free(bm);
    carriers_free(cm);
    carriercodes_free(cc);
    layout_free(l);
    buf_free(&err);
    return ex;
}
