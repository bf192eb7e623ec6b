/* The streaming XML walk shared by the camt and pain.002 readers: one
 * xmlTextReader (memory independent of the file's size), no network, no
 * entity substitution, no DTD loading, a depth limit. */
#include <stdarg.h>
#include <string.h>
#include <libxml/xmlreader.h>
#include "bank_private.h"

static void
bank_xml_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

bool
bank_xml_at(const struct bank_xml *x, int n, ...)
{
	va_list ap;
	bool ok = x->depth >= n;

	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *name = va_arg(ap, const char *);
		if (ok && strcmp(x->names[x->depth - n + i], name) != 0)
			ok = false;
	}
	va_end(ap);
	return ok;
}

bool
bank_xml_in(const struct bank_xml *x, const char *name)
{
	for (int i = 0; i < x->depth; i++)
		if (strcmp(x->names[i], name) == 0)
			return true;
	return false;
}

void
bank_xml_version(const struct bank_xml *x, char *out, size_t size)
{
	const char *p = strrchr(x->ns, ':');

	snprintf(out, size, "%s", p != NULL && p[1] != '\0' ? p + 1 : "unknown");
}

int
bank_xml_walk(const struct bank_source *src, const struct bank_xml_calls *calls, void *ctx,
    struct error *e)
{
	int opts = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	xmlTextReaderPtr r;
	struct bank_xml x = { .depth = 0 };
	int rc, status = 0;

	xmlSetGenericErrorFunc(NULL, bank_xml_quiet);
	r = src->path != NULL ? xmlReaderForFile(src->path, NULL, opts) :
	    xmlReaderForMemory((const char *)src->data, (int)(src->size > INT32_MAX ? INT32_MAX :
	    src->size), NULL, NULL, opts);
	if (r == NULL)
		return error_set(e, 400, "BAD_BANK_FILE", "cannot read the XML file");
	while (status == 0 && (rc = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE) {
			status = error_set(e, 400, "BAD_BANK_FILE", "line %d: a DTD or an entity in a bank"
			    " file is refused", xmlTextReaderGetParserLineNumber(r));
		} else if (type == XML_READER_TYPE_ELEMENT) {
			const xmlChar *name = xmlTextReaderConstLocalName(r);
			bool empty = xmlTextReaderIsEmptyElement(r);
			if (x.depth >= BANK_XML_DEPTH) {
				status = error_set(e, 400, "BAD_BANK_FILE", "line %d: elements nested too deep",
				    xmlTextReaderGetParserLineNumber(r));
				break;
			}
			snprintf(x.names[x.depth], BANK_XML_NAME, "%s", name != NULL ? (const char *)name : "");
			if (x.depth == 0) {
				const xmlChar *ns = xmlTextReaderConstNamespaceUri(r);
				snprintf(x.ns, sizeof(x.ns), "%s", ns != NULL ? (const char *)ns : "");
			}
			xmlChar *ccy = xmlTextReaderGetAttribute(r, BAD_CAST "Ccy");
			snprintf(x.attr_ccy, sizeof(x.attr_ccy), "%s", ccy != NULL ? (const char *)ccy : "");
			xmlFree(ccy);
			x.depth++;
			if (calls->open != NULL)
				status = calls->open(&x, ctx, e);
			if (status == 0 && empty) {
				if (calls->close != NULL)
					status = calls->close(&x, ctx, e);
				x.depth--;
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (x.depth > 0) {
				if (calls->close != NULL)
					status = calls->close(&x, ctx, e);
				x.depth--;
			}
		} else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
			const xmlChar *v = xmlTextReaderConstValue(r);
			if (x.depth > 0 && v != NULL && calls->text != NULL)
				status = calls->text(&x, (const char *)v, ctx, e);
		}
	}
	if (status == 0 && rc != 0) {
		const xmlError *err = xmlGetLastError();
		status = error_set(e, 400, "BAD_BANK_FILE", "malformed XML at line %d: %.80s",
		    err != NULL ? err->line : xmlTextReaderGetParserLineNumber(r),
		    err != NULL && err->message != NULL ? err->message : "parse error");
		/* libxml2's message ends with a newline: keep the error one line. */
		for (char *p = e->message; *p != '\0'; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	xmlFreeTextReader(r);
	return status;
}
