/*
 * xmllib.h - libxml2, loaded on first use (core/dl) instead of linked.
 *
 * Owns the one table of the libxml2 functions wmsbridge calls and the
 * names that lead to it: a file that calls libxml2 includes this header
 * instead of <libxml/...> headers (it includes them first), and its calls
 * read as libxml2's own but go through the table. Nothing in the table may
 * be called before xmllib_load (amazon_xml_init calls it) has returned
 * WB_OK. A command that never reads or validates XML, or writes only feeds
 * whose values need no escaping, starts and ends without libxml2.
 * Error contract: xmllib_load returns WB_OK, or WB_CONFIG with one sentence
 * naming the package to install or the function missing. Never exits,
 * never logs, never closes the library.
 * Must never: be followed by a <libxml/...> header not included here (its
 * declarations would be rewritten by the names below).
 */
#ifndef WB_AMAZON_XMLLIB_H
#define WB_AMAZON_XMLLIB_H

#include <stddef.h>

#include <libxml/SAX2.h>
#include <libxml/entities.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlstring.h>

/*
 * The exported symbols resolved, each by its own name. Every one is a
 * function except xmlFree, a variable holding the free function (its slot
 * holds the variable's address). xmlStructuredError and
 * xmlStructuredErrorContext are macros of libxml2 reading this thread's
 * copy through __xmlStructuredError() and __xmlStructuredErrorContext().
 */
#define XMLLIB_SYMBOLS(X)                                                                          \
    X(xmlInitParser)                                                                               \
    X(xmlCleanupParser)                                                                            \
    X(xmlSetExternalEntityLoader)                                                                  \
    X(xmlSetGenericErrorFunc)                                                                      \
    X(xmlSetStructuredErrorFunc)                                                                   \
    X(__xmlStructuredError)                                                                        \
    X(__xmlStructuredErrorContext)                                                                 \
    X(xmlFree)                                                                                     \
    X(xmlStrndup)                                                                                  \
    X(xmlStrEqual)                                                                                 \
    X(xmlEncodeSpecialChars)                                                                       \
    X(xmlGetPredefinedEntity)                                                                      \
    X(xmlURIUnescapeString)                                                                        \
    X(xmlNewInputFromFile)                                                                         \
    X(xmlNodeGetContent)                                                                           \
    X(xmlFreeDoc)                                                                                  \
    X(xmlSAX2GetLineNumber)                                                                        \
    X(xmlStopParser)                                                                               \
    X(xmlNewParserCtxt)                                                                            \
    X(xmlFreeParserCtxt)                                                                           \
    X(xmlCtxtReadFd)                                                                               \
    X(xmlCtxtUseOptions)                                                                           \
    X(xmlCreatePushParserCtxt)                                                                     \
    X(xmlParseChunk)                                                                               \
    X(xmlSchemaNewParserCtxt)                                                                      \
    X(xmlSchemaNewMemParserCtxt)                                                                   \
    X(xmlSchemaSetParserStructuredErrors)                                                          \
    X(xmlSchemaParse)                                                                              \
    X(xmlSchemaFreeParserCtxt)                                                                     \
    X(xmlSchemaFree)                                                                               \
    X(xmlSchemaNewValidCtxt)                                                                       \
    X(xmlSchemaSetValidStructuredErrors)                                                           \
    X(xmlSchemaValidateDoc)                                                                        \
    X(xmlSchemaFreeValidCtxt)

/* the table: one pointer per symbol, of the type its declaration above gives */
#define XMLLIB_FIELD(name) __typeof__(name) *name;
struct xmllib {
    XMLLIB_SYMBOLS(XMLLIB_FIELD)
};
#undef XMLLIB_FIELD

extern struct xmllib xmllib;

/* xmllib_load - dlopen libxml2 and fill the table (once); WB_OK, or WB_CONFIG with the reason in
 * why (the package to install, or the function missing) */
int xmllib_load(char *why, size_t n);

/* xmllib_loaded - 1 once xmllib_load has succeeded in this process */
int xmllib_loaded(void);

/* the names callers use; xmllib.c itself fills the table by the symbols' names */
#ifndef XMLLIB_TABLE_ONLY
#undef xmlFree
#undef xmlStructuredError
#undef xmlStructuredErrorContext
#define xmlFree (*xmllib.xmlFree)
#define xmlStructuredError (*xmllib.__xmlStructuredError())
#define xmlStructuredErrorContext (*xmllib.__xmlStructuredErrorContext())
#define xmlInitParser xmllib.xmlInitParser
#define xmlCleanupParser xmllib.xmlCleanupParser
#define xmlSetExternalEntityLoader xmllib.xmlSetExternalEntityLoader
#define xmlSetGenericErrorFunc xmllib.xmlSetGenericErrorFunc
#define xmlSetStructuredErrorFunc xmllib.xmlSetStructuredErrorFunc
#define xmlStrndup xmllib.xmlStrndup
#define xmlStrEqual xmllib.xmlStrEqual
#define xmlEncodeSpecialChars xmllib.xmlEncodeSpecialChars
#define xmlGetPredefinedEntity xmllib.xmlGetPredefinedEntity
#define xmlURIUnescapeString xmllib.xmlURIUnescapeString
#define xmlNewInputFromFile xmllib.xmlNewInputFromFile
#define xmlNodeGetContent xmllib.xmlNodeGetContent
#define xmlFreeDoc xmllib.xmlFreeDoc
#define xmlSAX2GetLineNumber xmllib.xmlSAX2GetLineNumber
#define xmlStopParser xmllib.xmlStopParser
#define xmlNewParserCtxt xmllib.xmlNewParserCtxt
#define xmlFreeParserCtxt xmllib.xmlFreeParserCtxt
#define xmlCtxtReadFd xmllib.xmlCtxtReadFd
#define xmlCtxtUseOptions xmllib.xmlCtxtUseOptions
#define xmlCreatePushParserCtxt xmllib.xmlCreatePushParserCtxt
#define xmlParseChunk xmllib.xmlParseChunk
#define xmlSchemaNewParserCtxt xmllib.xmlSchemaNewParserCtxt
#define xmlSchemaNewMemParserCtxt xmllib.xmlSchemaNewMemParserCtxt
#define xmlSchemaSetParserStructuredErrors xmllib.xmlSchemaSetParserStructuredErrors
#define xmlSchemaParse xmllib.xmlSchemaParse
#define xmlSchemaFreeParserCtxt xmllib.xmlSchemaFreeParserCtxt
#define xmlSchemaFree xmllib.xmlSchemaFree
#define xmlSchemaNewValidCtxt xmllib.xmlSchemaNewValidCtxt
#define xmlSchemaSetValidStructuredErrors xmllib.xmlSchemaSetValidStructuredErrors
#define xmlSchemaValidateDoc xmllib.xmlSchemaValidateDoc
#define xmlSchemaFreeValidCtxt xmllib.xmlSchemaFreeValidCtxt
#endif

#endif
