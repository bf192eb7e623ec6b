/* GET /v1/funders/me (funder): who the bearer is — the funder's id, legal
 * and public names, and today (Europe/Paris). The sign-in at / asks it to
 * open the funder's page (its report: GET /v1/funders/{id}/report); a 403
 * FORBIDDEN_ROLE for the other roles. */
#include "clock.h"
#include "handlers.h"
#include "request.h"

void
h_funder_me(struct request *req)
{
	char today[DATE_FORMAT_SIZE];
	struct funder f;
	struct error e;

	error_clear(&e);
	if (registry_funder_get(req->db, req->bearer.subject_id, &f, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	date_format(clock_today(CLOCK_TZ_PARIS), today);
	reply_json(req, 200, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)f.id, "name", f.name,
	    "public_name", f.public_name, "today", today));
}
