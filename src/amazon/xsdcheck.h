/*
 * xsdcheck.h - XSD validation of feed documents before they are accepted.
 *
 * Owns one compiled schema: xsd_dir/order-envelope.xsd when present, else a
 * small AmazonEnvelope schema built in memory around the Amazon files found in
 * xsd_dir or xsd_dir/xsd (never amzn-envelope.xsd, which libxml2 cannot
 * compile). Documents are parsed without network, entities or DTDs, and a
 * document carrying a DOCTYPE is refused.
 * Error contract: xsdcheck_open returns WB_CONFIG when the schema cannot be
 * found or compiled; xsdcheck_file returns WB_OK when valid, WB_PERMFAIL when
 * not (the first few errors with line numbers in err), WB_NOINPUT when the
 * file cannot be opened. Never exits, never prints.
 * Must never: load anything from the network or from outside xsd_dir.
 */
#ifndef WB_AMAZON_XSDCHECK_H
#define WB_AMAZON_XSDCHECK_H

#include "amazon/amazon_xml.h"
#include "core/buf.h"

struct xsdcheck;

/* xsdcheck_open - compile the envelope schema for the Amazon XSDs in xsd_dir */
int xsdcheck_open(struct xsdcheck **x, const char *xsd_dir, struct buf *err);
/* xsdcheck_file - validate one document: WB_OK valid, WB_PERMFAIL invalid (reasons in err) */
int xsdcheck_file(struct xsdcheck *x, const char *path, struct buf *err);
/* xsdcheck_messages - same as xsdcheck_file, and on WB_PERMFAIL the Messages (by MessageID,
 * with their first error) the schema refuses, up to max in out, *n of them; *whole is 1 when
 * some error lies outside every Message (or past max): then the document as a whole is bad */
int xsdcheck_messages(struct xsdcheck *x, const char *path, struct amazon_xml_msg_err *out,
                      size_t max, size_t *n, int *whole, struct buf *err);
/* xsdcheck_close - free the compiled schema */
void xsdcheck_close(struct xsdcheck *x);

#endif
