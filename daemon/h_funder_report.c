/* GET /v1/funders/{id}/report (funder: its own; admin: any): the funder's
 * aggregates (lib/report.c) — balance, and per campaign the passes issued,
 * in circulation, redeemed, revoked and expired, and redeemed per
 * département, with small cells shown as "< 11". */
#include <stdlib.h>
#include "handlers.h"
#include "report.h"
#include "request.h"

void
h_funder_report(struct request *req)
{
	json_t *body;
	struct error e;
	char *end;
	long long id = strtoll(req->params[0], &end, 10);

	error_clear(&e);
	if (*req->params[0] == '\0' || *end != '\0' || id <= 0) {
		reply_error(req, 404, "NO_FUNDER", "no funder %s", req->params[0]);
		return;
	}
	if (req->bearer.role == ROLE_FUNDER && req->bearer.subject_id != id) {
		reply_error(req, 403, "NOT_YOURS", "a funder sees only its own report");
		return;
	}
	if (report_funder_json(req->db, id, &body, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	reply_json(req, 200, body);
}
