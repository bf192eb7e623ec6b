/* GET /v1/funders/{id}/report (funder: its own; admin: any): the funder's
 * aggregates (lib/report.c) — balance, and per campaign the passes issued,
 * in circulation, redeemed, revoked and expired, and redeemed per
 * département, with small cells shown as "< 11".
 * With ?period=YYYY-MM|YYYY-Qn|YYYY[&format=json|html|csv|pdf]: the same
 * report as `passnum report funder ID` (docs/reports.md), 400 BAD_PERIOD
 * or BAD_FORMAT otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include "clock.h"
#include "handlers.h"
#include "report.h"
#include "request.h"

/* The report of period (text) in format, as the reply of req. */
static void
h_funder_report_period(struct request *req, int64_t id, const char *period, const char *format)
{
	static const char *const types[] = { "text/csv; charset=utf-8", "application/json",
		"text/html; charset=utf-8", "application/pdf" };
	struct report_doc *doc = NULL;
	struct report_period p;
	enum report_format f = REPORT_JSON;
	struct error e;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	error_clear(&e);
	if (report_period_parse(period, &p, &e) != 0 ||
	    (format != NULL && report_format_parse(format, &f, &e) != 0) ||
	    report_build(req->db, REPORT_FUNDER, id, &p, clock_now(), &doc, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	/* JSON too through report_write: the CLI's file byte for byte */
	if ((out = open_memstream(&text, &len)) == NULL) {
		reply_error(req, 500, "WRITE_FAILED", "cannot write the report");
	} else if ((report_write(doc, f, out, &e) != 0) + (fclose(out) != 0) != 0) {
		/* both run: the stream is closed whatever report_write said */
		reply_error(req, 500, "WRITE_FAILED", "cannot write the report");
	} else {
		reply_raw(req, 200, types[f], text, len);
	}
	free(text);
	report_doc_free(doc);
}

void
h_funder_report(struct request *req)
{
	json_t *body;
	struct error e;
	char *end;
	long long id = strtoll(req->params[0], &end, 10);
	const char *period = request_query(req, "period");

	error_clear(&e);
	if (*req->params[0] == '\0' || *end != '\0' || id <= 0) {
		reply_error(req, 404, "NO_FUNDER", "no funder %s", req->params[0]);
		return;
	}
	if (req->bearer.role == ROLE_FUNDER && req->bearer.subject_id != id) {
		reply_error(req, 403, "NOT_YOURS", "a funder sees only its own report");
		return;
	}
	if (period != NULL) {
		h_funder_report_period(req, id, period, request_query(req, "format"));
		return;
	}
	if (report_funder_json(req->db, id, &body, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	reply_json(req, 200, body);
}
