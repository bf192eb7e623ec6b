/* What the XML readers share (lib/bank_xml.c): an xmlTextReader walk that
 * keeps the path of local element names, so that a reader dispatches each
 * text on the names around it. Not part of bank.h's API. */
#ifndef PASSNUM_BANK_PRIVATE_H
#define PASSNUM_BANK_PRIVATE_H
#include <stdbool.h>
#include "bank.h"

#define BANK_XML_DEPTH 24
#define BANK_XML_NAME 40

struct bank_xml {
	char names[BANK_XML_DEPTH][BANK_XML_NAME];
	int depth;                /* elements open */
	char attr_ccy[8];         /* the Ccy attribute of the element just opened */
	char ns[80];              /* the root's namespace URI */
};

/* Callbacks: open (an element just opened, x->names[depth-1] its name),
 * text (its text, depth as when opened), close (about to close). Each
 * returns 0 or -1 (e set). */
struct bank_xml_calls {
	int (*open)(struct bank_xml *x, void *ctx, struct error *e);
	int (*text)(struct bank_xml *x, const char *text, void *ctx, struct error *e);
	int (*close)(struct bank_xml *x, void *ctx, struct error *e);
};

int bank_xml_walk(const struct bank_source *src, const struct bank_xml_calls *calls, void *ctx,
    struct error *e);
/* Whether the innermost names are those given (from outer to inner), e.g.
 * bank_xml_at(x, 2, "Bal", "Amt"). */
bool bank_xml_at(const struct bank_xml *x, int n, ...);
/* Whether name is open anywhere on the path. */
bool bank_xml_in(const struct bank_xml *x, const char *name);
/* The version from the namespace "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08". */
void bank_xml_version(const struct bank_xml *x, char *out, size_t size);



#include <stdio.h>
/* Opens src for reading (a file, or the bytes in memory): NULL with e set. */
FILE *bank_open(const struct bank_source *src, struct error *e);
#endif
