/*
 * xsdcheck.c - XSD validation of feed documents before they are accepted.
 *
 * Owns one compiled xmlSchema. Source: xsd_dir/order-envelope.xsd when it
 * exists; otherwise an AmazonEnvelope schema written in memory (Header,
 * MessageType enumeration, Message choice) that xsd:includes, by absolute
 * path, the Amazon files found in xsd_dir or xsd_dir/xsd. Amazon's full
 * amzn-envelope.xsd is never used: libxml2 cannot compile it. While the
 * schema compiles, the entity loader admits files under xsd_dir only.
 * Documents are parsed with XML_PARSE_NONET, no entity expansion, no DTD
 * loading, and refused if they carry a DOCTYPE.
 * Error contract: WB_CONFIG (schema missing or not compilable), WB_PERMFAIL
 * (document invalid, reasons with line numbers in err), WB_NOINPUT (file
 * unreadable), WB_NOMEM. Never exits, never prints.
 * Must never: reach the network, read outside xsd_dir, expand entities.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "amazon/amazon_xml.h"
#include "amazon/xsdcheck.h"
#include "core/wb.h"

#define ENVELOPE_MAX (64 * 1024)

struct xsdcheck {
    xmlSchemaPtr schema;
};

/* one schema file the in-memory envelope may include */
struct part {
    const char *message_type; /* the MessageType it brings, or NULL */
    const char *names[2];     /* file names, preferred first */
    int required;
};

static const struct part parts[] = {
    {NULL, {"amzn-base.xsd", NULL}, 1},
    {NULL, {"amzn-header.xsd", NULL}, 1},
    {"OrderAcknowledgement", {"OrderAcknowledgement.xsd", NULL}, 0},
    {"OrderAdjustment", {"OrderAdjustment.xsd", NULL}, 0},
    {"OrderFulfillment", {"order-fulfillment-2021.xsd", "OrderFulfillment.xsd"}, 0},
    {"ProcessingReport", {"ProcessingReport.xsd", NULL}, 0},
};

/* set_err - replace err's contents with a sentence (err may be NULL) */
__attribute__((format(printf, 2, 3))) static void set_err(struct buf *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    buf_reset(err);
    buf_vappendf(err, fmt, ap);
    va_end(ap);
}

/* is_file - 1 if path names a regular file */
static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* uri_safe - 1 if an absolute path can go into schemaLocation unescaped */
static int uri_safe(const char *p)
{
    for (; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '.' || c == '_' || c == '-' || c == '+' || c == '@' || c == ','))
            return 0;
    }
    return 1;
}

/* find_part - absolute path of the first of part's files in dir or dir/xsd; 0 if none */
static int find_part(const char *dir, const struct part *pt, char *out, size_t n)
{
    static const char *const subs[] = {"", "/xsd"};
    for (size_t i = 0; i < WB_ARRAY_LEN(pt->names) && pt->names[i]; i++) {
        for (size_t s = 0; s < WB_ARRAY_LEN(subs); s++) {
            int k = snprintf(out, n, "%s%s/%s", dir, subs[s], pt->names[i]);
            if (k > 0 && (size_t)k < n && is_file(out))
                return 1;
        }
    }
    return 0;
}

/* build_envelope - the in-memory envelope schema for the files found in dir */
static int build_envelope(const char *dir, struct buf *env, struct buf *err)
{
    char path[PATH_MAX];
    int have[WB_ARRAY_LEN(parts)];
    int types = 0;

    buf_appends(env, "<?xml version=\"1.0\"?>\n"
                     "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
                     " elementFormDefault=\"qualified\">\n");
    for (size_t i = 0; i < WB_ARRAY_LEN(parts); i++) {
        have[i] = find_part(dir, &parts[i], path, sizeof(path));
        if (!have[i] && parts[i].required) {
            set_err(err, "%s: %s not found (nor in xsd/)", dir, parts[i].names[0]);
            return WB_CONFIG;
        }
        if (!have[i])
            continue;
        if (!uri_safe(path)) {
            set_err(err, "%s: path has characters a schemaLocation cannot take: %s", dir, path);
            return WB_CONFIG;
        }
        buf_appendf(env, "<xsd:include schemaLocation=\"%s\"/>\n", path);
        if (parts[i].message_type)
            types++;
    }
    if (!types) {
        set_err(err,
                "%s: no message schema (OrderFulfillment.xsd, OrderAcknowledgement.xsd, ...)"
                " found",
                dir);
        return WB_CONFIG;
    }
    buf_appends(env, "<xsd:element name=\"AmazonEnvelope\"><xsd:complexType><xsd:sequence>\n"
                     "<xsd:element ref=\"Header\"/>\n"
                     "<xsd:element name=\"MessageType\"><xsd:simpleType>"
                     "<xsd:restriction base=\"xsd:string\">\n");
    for (size_t i = 0; i < WB_ARRAY_LEN(parts); i++)
        if (have[i] && parts[i].message_type)
            buf_appendf(env, "<xsd:enumeration value=\"%s\"/>\n", parts[i].message_type);
    buf_appends(env,
                "</xsd:restriction></xsd:simpleType></xsd:element>\n"
                "<xsd:element name=\"PurgeAndReplace\" type=\"xsd:boolean\" minOccurs=\"0\"/>\n"
                "<xsd:element name=\"EffectiveDate\" type=\"xsd:dateTime\" minOccurs=\"0\"/>\n"
                "<xsd:element name=\"Message\" maxOccurs=\"unbounded\"><xsd:complexType>"
                "<xsd:sequence>\n"
                "<xsd:element name=\"MessageID\" type=\"IDNumber\"/>\n"
                "<xsd:element name=\"OperationType\" minOccurs=\"0\"><xsd:simpleType>"
                "<xsd:restriction base=\"xsd:string\">"
                "<xsd:enumeration value=\"Update\"/><xsd:enumeration value=\"Delete\"/>"
                "<xsd:enumeration value=\"PartialUpdate\"/>"
                "</xsd:restriction></xsd:simpleType></xsd:element>\n"
                "<xsd:choice>\n");
    for (size_t i = 0; i < WB_ARRAY_LEN(parts); i++)
        if (have[i] && parts[i].message_type)
            buf_appendf(env, "<xsd:element ref=\"%s\"/>\n", parts[i].message_type);
    int rc = buf_appends(env, "</xsd:choice>\n</xsd:sequence></xsd:complexType></xsd:element>\n"
                              "</xsd:sequence></xsd:complexType></xsd:element>\n"
                              "</xsd:schema>\n");
    if (rc != WB_OK) {
        set_err(err, "%s: envelope schema does not fit in memory", dir);
        return WB_CONFIG;
    }
    return WB_OK;
}

/* compile - parse the schema from a file or from memory, errors to ae */
static xmlSchemaPtr compile(const char *file, const struct buf *env, struct amazon_xml_errs *ae)
{
    xmlSchemaParserCtxtPtr pc =
        file ? xmlSchemaNewParserCtxt(file) : xmlSchemaNewMemParserCtxt(env->data, (int)env->len);
    if (!pc)
        return NULL;
    xmlSchemaSetParserStructuredErrors(pc, amazon_xml_errs_add, ae);
    xmlSchemaPtr s = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    return s;
}

/* xsdcheck_open - compile the envelope schema for the Amazon XSDs in xsd_dir */
int xsdcheck_open(struct xsdcheck **xp, const char *xsd_dir, struct buf *err)
{
    char dir[PATH_MAX], file[PATH_MAX + 32];
    struct buf env;
    int rc;

    if (!xp || !xsd_dir)
        return WB_BADARG;
    *xp = NULL;
    amazon_xml_init();
    if (!realpath(xsd_dir, dir)) {
        set_err(err, "xsd_dir %s: %s", xsd_dir, strerror(errno));
        return WB_CONFIG;
    }
    if (access(dir, R_OK | X_OK) != 0) {
        set_err(err, "xsd_dir %s: cannot read the directory: %s", dir, strerror(errno));
        return WB_CONFIG;
    }
    buf_init(&env, ENVELOPE_MAX);
    snprintf(file, sizeof(file), "%s/order-envelope.xsd", dir);
    int have_envelope = is_file(file);
    if (!have_envelope && (rc = build_envelope(dir, &env, err)) != WB_OK) {
        buf_free(&env);
        return rc;
    }

    struct xsdcheck *x = calloc(1, sizeof(*x));
    if (!x) {
        buf_free(&env);
        return WB_NOMEM;
    }
    if ((rc = amazon_xml_allow_dir(dir)) != WB_OK) {
        set_err(err, "xsd_dir %s cannot be used for schemas", dir);
        buf_free(&env);
        free(x);
        return WB_CONFIG;
    }
    struct buf why;
    buf_init(&why, 4096);
    struct amazon_xml_errs ae = {.err = &why};
    void *saved_ctx;
    xmlStructuredErrorFunc saved_fn;
    amazon_xml_capture_begin(&ae, &saved_ctx, &saved_fn);
    x->schema = compile(have_envelope ? file : NULL, &env, &ae);
    amazon_xml_capture_end(saved_ctx, saved_fn);
    if (!x->schema && err) {
        amazon_xml_errs_finish(&ae);
        buf_reset(err);
        buf_appendf(err, "cannot compile the feed schema from %s: %s", dir,
                    why.len ? buf_str(&why) : "unknown error");
        if (amazon_xml_refused()[0])
            buf_appendf(err, " (refused to load %s)", amazon_xml_refused());
    }
    amazon_xml_allow_dir(NULL);
    buf_free(&why);
    buf_free(&env);
    if (!x->schema) {
        free(x);
        return WB_CONFIG;
    }
    *xp = x;
    return WB_OK;
}

/* validate - validate one document, errors into ae (ae->err gets the sentences) */
static int validate(struct xsdcheck *x, const char *path, struct amazon_xml_errs *ae,
                    struct buf *err)
{
    if (!x || !path)
        return WB_BADARG;
    amazon_xml_init();
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        set_err(err, "%s: %s", path, strerror(errno));
        return WB_NOINPUT;
    }
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc) {
        close(fd);
        return WB_NOMEM;
    }
    struct buf why;
    buf_init(&why, 4096);
    ae->err = &why;
    void *saved_ctx;
    xmlStructuredErrorFunc saved_fn;
    amazon_xml_capture_begin(ae, &saved_ctx, &saved_fn);
    amazon_xml_safe_sax(pc->sax);
    pc->_private = ae;
    xmlDocPtr doc = xmlCtxtReadFd(pc, fd, NULL, NULL, AMAZON_XML_PARSE_OPTS);
    int rc = WB_OK;
    const char *what = NULL;
    if (ae->doctype) {
        rc = WB_PERMFAIL;
        what = "refused";
    } else if (!doc || !pc->wellFormed) {
        rc = WB_PERMFAIL;
        what = "not well-formed XML";
    } else {
        xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(x->schema);
        if (!vc) {
            rc = WB_NOMEM;
        } else {
            xmlSchemaSetValidStructuredErrors(vc, amazon_xml_errs_add, ae);
            int r = xmlSchemaValidateDoc(vc, doc);
            if (r > 0 || (r == 0 && ae->count)) {
                rc = WB_PERMFAIL;
                what = "not valid against the feed schema";
            } else if (r < 0) {
                rc = WB_INTERNAL;
                what = "schema validation could not run";
            }
            xmlSchemaFreeValidCtxt(vc);
        }
    }
    amazon_xml_capture_end(saved_ctx, saved_fn);
    if (what && err) {
        amazon_xml_errs_finish(ae);
        buf_reset(err);
        buf_appendf(err, "%s: %s: %s", path, what, why.len ? buf_str(&why) : "no details");
    }
    if (what && (ae->doctype || !doc || !pc->wellFormed))
        ae->unplaced++; /* the document as a whole is wrong */
    ae->err = NULL;
    buf_free(&why);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(pc);
    close(fd);
    return rc;
}

/* xsdcheck_file - validate one document against the compiled schema */
int xsdcheck_file(struct xsdcheck *x, const char *path, struct buf *err)
{
    struct amazon_xml_errs ae = {0};
    return validate(x, path, &ae, err);
}

/* xsdcheck_messages - validate and name the Messages the schema refuses; see xsdcheck.h */
int xsdcheck_messages(struct xsdcheck *x, const char *path, struct amazon_xml_msg_err *out,
                      size_t max, size_t *n, int *whole, struct buf *err)
{
    struct amazon_xml_errs ae = {.msgs = out, .maxmsgs = max};
    int rc = validate(x, path, &ae, err);
    *n = ae.nmsgs;
    *whole = ae.unplaced > 0;
    return rc;
}

/* xsdcheck_close - free the compiled schema */
void xsdcheck_close(struct xsdcheck *x)
{
    if (!x)
        return;
    xmlSchemaFree(x->schema);
    free(x);
}
