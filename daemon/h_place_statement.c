/* GET /v1/places/me/statements/{period}?format=html|pdf (place): the
 * statement of the place's payee for the settled month period (YYYY-MM):
 * the document `passnum report payee ID --period P` makes and `settle`
 * writes beside the transfer file (HTML self-contained, the default; PDF
 * through cairo), as a file named after its number (RLV-YYYYMM-NNNNNN).
 * 400 BAD_PERIOD (not a month), BAD_FORMAT; 404 NO_STATEMENT when the
 * payee was not paid for that month (unknown or unsettled period). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "handlers.h"
#include "report.h"
#include "request.h"

/* The document of statement s (period p) in format f as req's reply. */
static void
h_place_statement_write(struct request *req, int64_t payee_id, const struct report_period *p,
    const struct report_statement_entry *s, enum report_format f)
{
	struct report_doc *doc = NULL;
	struct error e;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	error_clear(&e);
	if (report_build(req->db, REPORT_PAYEE, payee_id, p, clock_now(), &doc, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	if ((out = open_memstream(&text, &len)) == NULL) {
		reply_error(req, 500, "WRITE_FAILED", "cannot write the statement");
	} else if ((report_write(doc, f, out, &e) != 0) + (fclose(out) != 0) != 0) {
		reply_error(req, 500, "WRITE_FAILED", "cannot write the statement");
	} else {
		reply_raw(req, 200, f == REPORT_PDF ? "application/pdf" : "text/html; charset=utf-8",
		    text, len);
		snprintf(req->disposition, sizeof(req->disposition), "attachment; filename=\"%s.%s\"",
		    s->statement, f == REPORT_PDF ? "pdf" : "html");
	}
	free(text);
	report_doc_free(doc);
}

void
h_place_statement(struct request *req)
{
	const char *period = req->params[0], *format = request_query(req, "format");
	struct report_statement_entry s;
	struct report_period p;
	enum report_format f = REPORT_HTML;
	struct place pl;
	struct error e;

	error_clear(&e);
	if (format != NULL && (report_format_parse(format, &f, &e) != 0 ||
	    (f != REPORT_HTML && f != REPORT_PDF))) {
		reply_error(req, 400, "BAD_FORMAT", "a statement's format is html or pdf");
		return;
	}
	/* a month only: a quarter or a year has no statement (settle pays months) */
	if (report_period_parse(period, &p, &e) != 0 || strlen(period) != 7 || period[5] == 'Q') {
		reply_error(req, 400, "BAD_PERIOD", "a statement's period is a month, YYYY-MM");
		return;
	}
	if (registry_place_get(req->db, req->bearer.subject_id, &pl, &e) != 0 ||
	    report_statement_find(req->db, pl.payee_id, p.text, &s, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	h_place_statement_write(req, pl.payee_id, &p, &s, f);
}
