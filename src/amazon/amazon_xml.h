/*
 * amazon_xml.h - libxml2 set-up shared by the Amazon document modules.
 *
 * Owns the process-wide libxml2 state of the amazon group: parser
 * initialisation, the external entity loader (local files under one allowed
 * directory while a schema compiles, nothing else, never the network), the
 * SAX hooks that refuse DOCTYPEs and entity declarations, and the capture of
 * libxml2 error reports into a caller's struct buf. Every entry point of the
 * group that uses libxml2 calls amazon_xml_init first.
 * Error contract: returns WB_* codes, never exits, never prints to stderr.
 * Must never: call xmlCleanupParser, load a URL, or expand entities.
 */
#ifndef WB_AMAZON_XML_H
#define WB_AMAZON_XML_H

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "core/buf.h"

/* Options for every parse of a document: no network, no entity expansion, no DTD loading. */
#define AMAZON_XML_PARSE_OPTS (XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOWARNING)

/* error capture: the first few libxml2 errors as "line N: text" sentences */
/* one <Message> of an envelope that an error was reported inside */
struct amazon_xml_msg_err {
    long message_id;
    char why[256]; /* the first error inside it */
};

struct amazon_xml_errs {
    struct buf *err; /* may be NULL */
    int count;       /* errors and fatal errors seen */
    int shown;       /* how many were written to err */
    int doctype;     /* 1 if a DOCTYPE or entity declaration was refused */
    /* optional: errors placed in the envelope's Messages (validation errors carry a node) */
    struct amazon_xml_msg_err *msgs; /* NULL: not collected */
    size_t nmsgs, maxmsgs;
    int unplaced; /* errors outside every Message, or more Messages than maxmsgs */
};

/* amazon_xml_init - initialise libxml2 once, silence its errors on this thread (idempotent;
 * every entry point calls it) */
void amazon_xml_init(void);

/* amazon_xml_allow_dir - let the entity loader read files under dir on this thread; NULL closes */
int amazon_xml_allow_dir(const char *dir);

/* amazon_xml_refused - the last URL the entity loader refused on this thread ("" if none) */
const char *amazon_xml_refused(void);

/* amazon_xml_errs_add - structured error handler; ctx is a struct amazon_xml_errs */
void amazon_xml_errs_add(void *ctx, xmlErrorPtr e);

/* amazon_xml_errs_note - add one sentence of our own to the capture */
void amazon_xml_errs_note(struct amazon_xml_errs *ae, long line, const char *msg);

/* amazon_xml_errs_finish - append "(N more errors)" when errors were left out */
void amazon_xml_errs_finish(struct amazon_xml_errs *ae);

/*
 * amazon_xml_safe_sax - hooks on sax that stop the parser at a DOCTYPE or any
 * declaration and route its errors to the capture. The parser context using
 * sax must have ctxt->userData == ctxt and ctxt->_private pointing to a
 * struct amazon_xml_errs.
 */
void amazon_xml_safe_sax(xmlSAXHandler *sax);

/* amazon_xml_capture_begin - send this thread's stray libxml2 errors to ae until _end */
void amazon_xml_capture_begin(struct amazon_xml_errs *ae, void **saved_ctx,
                              xmlStructuredErrorFunc *saved_fn);

/* amazon_xml_capture_end - restore the handler saved by amazon_xml_capture_begin */
void amazon_xml_capture_end(void *saved_ctx, xmlStructuredErrorFunc saved_fn);

#endif
