/*
 * fuzz_xsdcheck.c - libFuzzer target for the feed XSD check on arbitrary XML.
 *
 * Compiles the schema once: Amazon's XSDs from $WB_FUZZ_XSD_DIR (or
 * $WB_SHARED/amazon) when set, else a small AmazonEnvelope schema written
 * to a private temporary directory. Each input is written to a file there
 * and checked with xsdcheck_file. Checks the contract: WB_OK, WB_PERMFAIL
 * with a reason, or WB_NOMEM; a document carrying a DOCTYPE or an entity
 * declaration is never WB_OK (no entity is ever expanded or loaded). Owns its
 * temporary directory; must never reach the network or write outside it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amazon/xsdcheck.h"
#include "core/buf.h"
#include "core/wb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

/* cleanup - remove the temporary directory at exit */
static void cleanup(void)
{
    static const char *const names[] = {"doc.xml", "order-envelope.xsd"};
    char p[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}
static struct xsdcheck *xc;

static const char mini_schema[] =
    "<?xml version=\"1.0\"?>\n"
    "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
    "elementFormDefault=\"qualified\">\n"
    "<xsd:element name=\"AmazonEnvelope\"><xsd:complexType><xsd:sequence>\n"
    "<xsd:element name=\"Header\"><xsd:complexType><xsd:sequence>\n"
    "<xsd:element name=\"DocumentVersion\" type=\"xsd:string\"/>\n"
    "<xsd:element name=\"MerchantIdentifier\" type=\"xsd:string\"/>\n"
    "</xsd:sequence></xsd:complexType></xsd:element>\n"
    "<xsd:element name=\"MessageType\" type=\"xsd:string\"/>\n"
    "<xsd:element name=\"Message\" minOccurs=\"0\" maxOccurs=\"unbounded\">"
    "<xsd:complexType><xsd:sequence>\n"
    "<xsd:element name=\"MessageID\" type=\"xsd:positiveInteger\"/>\n"
    "<xsd:any processContents=\"lax\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n"
    "</xsd:sequence></xsd:complexType></xsd:element>\n"
    "</xsd:sequence></xsd:complexType></xsd:element>\n"
    "</xsd:schema>\n";

/* setup - temporary directory and compiled schema, once */
static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/fuzz_xsdcheck.XXXXXX");
    if (!mkdtemp(dir))
        abort();
    atexit(cleanup);
    struct buf err;
    buf_init(&err, 1 << 16);
    const char *x = getenv("WB_FUZZ_XSD_DIR");
    char shared[4096];
    if (!x && getenv("WB_SHARED")) {
        snprintf(shared, sizeof shared, "%s/amazon", getenv("WB_SHARED"));
        x = shared;
    }
    if (!x || xsdcheck_open(&xc, x, &err) != WB_OK) {
        char p[128];
        snprintf(p, sizeof p, "%s/order-envelope.xsd", dir);
        FILE *f = fopen(p, "we");
        if (!f || fwrite(mini_schema, 1, sizeof mini_schema - 1, f) != sizeof mini_schema - 1 ||
            fclose(f) != 0)
            abort();
        buf_reset(&err);
        if (xsdcheck_open(&xc, dir, &err) != WB_OK)
            abort();
    }
    buf_free(&err);
}

/* has - 1 if the bytes contain the text */
static int has(const uint8_t *d, size_t n, const char *s)
{
    return memmem(d, n, s, strlen(s)) != NULL;
}

/* LLVMFuzzerTestOneInput - one input as a feed document */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!xc)
        setup();
    char path[128];
    snprintf(path, sizeof path, "%s/doc.xml", dir);
    FILE *f = fopen(path, "we");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
    struct buf err;
    buf_init(&err, 1 << 16);
    int rc = xsdcheck_file(xc, path, &err);
    if (rc != WB_OK && rc != WB_PERMFAIL && rc != WB_NOMEM)
        abort();
    if (rc == WB_PERMFAIL && err.len == 0)
        abort();
    if (rc == WB_OK && (has(data, size, "<!DOCTYPE") || has(data, size, "<!ENTITY")))
        abort();
    buf_free(&err);
    return 0;
}
