/*
 * amazon_xml.c - libxml2 set-up shared by the Amazon document modules.
 *
 * Owns: the one-time libxml2 initialisation, the external entity loader
 * (refuses every URL and every path outside the directory a schema is being
 * compiled from), the SAX hooks that stop a parse at a DOCTYPE or any
 * declaration, and the capture of libxml2 errors into struct buf sentences.
 * Error contract: returns WB_* codes; never exits; never prints to stderr.
 * Must never: call xmlCleanupParser, reach the network, or expand entities.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parserInternals.h>
#include <libxml/uri.h>

#include "amazon/amazon_xml.h"
#include "core/strutil.h"
#include "core/wb.h"

#define ERRS_SHOWN_MAX 5
#define ERR_TEXT_MAX 300

static pthread_once_t init_once_ctl = PTHREAD_ONCE_INIT;
static _Thread_local char allowed_dir[PATH_MAX];
static _Thread_local char refused_url[256];

/* silent_structured - swallow libxml2 errors nobody asked to capture */
static void silent_structured(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

/* silent_generic - swallow libxml2's printf-style error output */
static void silent_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* note_refused - remember a refused URL for the caller's error sentence */
static void note_refused(const char *url)
{
    size_t n = 0;
    if (url) {
        n = strlen(url);
        if (n >= sizeof(refused_url))
            n = sizeof(refused_url) - 1;
        memcpy(refused_url, url, n);
    }
    refused_url[n] = '\0';
}

/* loader - external entity loader: local files under allowed_dir only */
static xmlParserInputPtr loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)id;
    char *unesc = NULL;
    char real[PATH_MAX];
    const char *p = url;

    if (!url || !allowed_dir[0])
        goto refuse;
    if (strncmp(p, "file://", 7) == 0)
        p += 7;
    else if (strncmp(p, "file:", 5) == 0)
        p += 5;
    if (p[0] != '/')
        goto refuse;
    if (strchr(p, '%')) {
        unesc = xmlURIUnescapeString(p, 0, NULL);
        if (!unesc)
            goto refuse;
        p = unesc;
    }
    if (!realpath(p, real))
        goto refuse;
    size_t n = strlen(allowed_dir);
    if (strncmp(real, allowed_dir, n) != 0 || real[n] != '/')
        goto refuse;
    xmlFree(unesc);
    return xmlNewInputFromFile(ctxt, real);
refuse:
    note_refused(url);
    xmlFree(unesc);
    return NULL;
}

/* init_once - process-wide libxml2 initialisation */
static void init_once(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(loader);
}

/* amazon_xml_init - initialise libxml2 once, silence its errors on this thread */
void amazon_xml_init(void)
{
    pthread_once(&init_once_ctl, init_once);
    if (xmlStructuredError == NULL) {
        xmlSetStructuredErrorFunc(NULL, silent_structured);
        xmlSetGenericErrorFunc(NULL, silent_generic);
    }
}

/* amazon_xml_allow_dir - let the entity loader read files under dir on this thread */
int amazon_xml_allow_dir(const char *dir)
{
    refused_url[0] = '\0';
    if (!dir) {
        allowed_dir[0] = '\0';
        return WB_OK;
    }
    char real[PATH_MAX];
    if (!realpath(dir, real))
        return WB_NOTFOUND;
    if (strcmp(real, "/") == 0)
        return WB_BADARG;
    return str_copy(allowed_dir, sizeof(allowed_dir), real);
}

/* amazon_xml_refused - the last URL the entity loader refused on this thread */
const char *amazon_xml_refused(void)
{
    return refused_url;
}

/* clean_append - append text to b with control characters as spaces, at most max bytes */
static void clean_append(struct buf *b, const char *s, size_t max)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        n--;
    if (n > max) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if ((unsigned char)c < 0x20 || c == 0x7f)
            c = ' ';
        if (buf_appendc(b, c) != WB_OK)
            return;
    }
}

/* amazon_xml_errs_note - add one sentence of our own to the capture */
void amazon_xml_errs_note(struct amazon_xml_errs *ae, long line, const char *msg)
{
    if (!ae)
        return;
    ae->count++;
    if (!ae->err || ae->shown >= ERRS_SHOWN_MAX)
        return;
    ae->shown++;
    if (ae->err->len)
        buf_appends(ae->err, "; ");
    if (line > 0)
        buf_appendf(ae->err, "line %ld: ", line);
    clean_append(ae->err, msg, ERR_TEXT_MAX);
}

/* message_of - MessageID of the envelope <Message> holding node, or 0 when it is in none */
static long message_of(xmlNodePtr node)
{
    for (xmlNodePtr n = node; n; n = n->parent) {
        if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, BAD_CAST "Message") ||
            !n->parent || n->parent->type != XML_ELEMENT_NODE ||
            !xmlStrEqual(n->parent->name, BAD_CAST "AmazonEnvelope"))
            continue;
        for (xmlNodePtr c = n->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "MessageID"))
                continue;
            xmlChar *t = xmlNodeGetContent(c);
            long id = 0;
            if (t && str_to_long((const char *)t, 1, LONG_MAX, &id) != WB_OK)
                id = 0;
            xmlFree(t);
            return id;
        }
        return 0;
    }
    return 0;
}

/* place - record which Message an error with a node lies in */
static void place(struct amazon_xml_errs *ae, const xmlError *e)
{
    long id = e->node ? message_of((xmlNodePtr)e->node) : 0;
    if (id <= 0) {
        ae->unplaced++;
        return;
    }
    for (size_t i = 0; i < ae->nmsgs; i++)
        if (ae->msgs[i].message_id == id)
            return;
    if (ae->nmsgs == ae->maxmsgs) {
        ae->unplaced++;
        return;
    }
    struct amazon_xml_msg_err *m = &ae->msgs[ae->nmsgs++];
    m->message_id = id;
    struct buf b;
    buf_init(&b, sizeof m->why - 1);
    clean_append(&b, e->message ? e->message : "XML error", sizeof m->why - 1);
    str_copy(m->why, sizeof m->why, buf_str(&b));
    buf_free(&b);
    size_t len = strlen(m->why);
    while (len && m->why[len - 1] == ' ')
        m->why[--len] = '\0';
}

/* amazon_xml_errs_add - structured error handler; ctx is a struct amazon_xml_errs */
void amazon_xml_errs_add(void *ctx, xmlErrorPtr e)
{
    struct amazon_xml_errs *ae = ctx;
    if (!ae || !e || e->level < XML_ERR_ERROR)
        return;
    if (ae->msgs)
        place(ae, e);
    amazon_xml_errs_note(ae, e->line, e->message ? e->message : "XML error");
}

/* amazon_xml_errs_finish - append "(N more errors)" when errors were left out */
void amazon_xml_errs_finish(struct amazon_xml_errs *ae)
{
    if (ae && ae->err && ae->count > ae->shown)
        buf_appendf(ae->err, " (%d more errors)", ae->count - ae->shown);
}

/* ctxt_errs - the capture of a parser context set up for amazon_xml_safe_sax */
static struct amazon_xml_errs *ctxt_errs(void *ctx)
{
    xmlParserCtxtPtr c = ctx;
    return c ? c->_private : NULL;
}

/* refuse - record a refused declaration and stop the parser at once */
static void refuse(void *ctx, const char *what)
{
    xmlParserCtxtPtr c = ctx;
    struct amazon_xml_errs *ae = ctxt_errs(ctx);
    if (ae && !ae->doctype) {
        ae->doctype = 1;
        amazon_xml_errs_note(ae, c ? xmlSAX2GetLineNumber(c) : 0, what);
    }
    if (c)
        xmlStopParser(c);
}

/* on_internal_subset - SAX hook: a DOCTYPE appeared */
static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                               const xmlChar *sys_id)
{
    (void)name;
    (void)ext_id;
    (void)sys_id;
    refuse(ctx, "document type declarations (DOCTYPE) are not accepted");
}

/* on_entity_decl - SAX hook: an entity declaration appeared */
static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content)
{
    (void)name;
    (void)type;
    (void)public_id;
    (void)system_id;
    (void)content;
    refuse(ctx, "entity declarations are not accepted");
}

/* on_get_entity - SAX hook: only the predefined entities exist */
static xmlEntityPtr on_get_entity(void *ctx, const xmlChar *name)
{
    (void)ctx;
    return xmlGetPredefinedEntity(name);
}

/* on_parser_error - SAX hook: a parser error for the capture */
static void on_parser_error(void *ctx, xmlErrorPtr e)
{
    amazon_xml_errs_add(ctxt_errs(ctx), e);
}

/* amazon_xml_safe_sax - hooks that stop the parser at a DOCTYPE or any declaration */
void amazon_xml_safe_sax(xmlSAXHandler *sax)
{
    sax->internalSubset = on_internal_subset;
    sax->externalSubset = on_internal_subset;
    sax->entityDecl = on_entity_decl;
    sax->getEntity = on_get_entity;
    sax->getParameterEntity = NULL;
    sax->resolveEntity = NULL;
    sax->serror = on_parser_error;
    sax->initialized = XML_SAX2_MAGIC;
}

/* amazon_xml_capture_begin - send this thread's stray libxml2 errors to ae until _end */
void amazon_xml_capture_begin(struct amazon_xml_errs *ae, void **saved_ctx,
                              xmlStructuredErrorFunc *saved_fn)
{
    *saved_ctx = xmlStructuredErrorContext;
    *saved_fn = xmlStructuredError;
    xmlSetStructuredErrorFunc(ae, amazon_xml_errs_add);
}

/* amazon_xml_capture_end - restore the handler saved by amazon_xml_capture_begin */
void amazon_xml_capture_end(void *saved_ctx, xmlStructuredErrorFunc saved_fn)
{
    xmlSetStructuredErrorFunc(saved_ctx, saved_fn);
}
