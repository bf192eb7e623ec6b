/* GET /v1/distributors/me (distributor): who the bearer is — the
 * distributor's id and name. The sign-in at / asks it to tell a
 * distributor's token from the other roles' (a 403 FORBIDDEN_ROLE for them). */
#include "handlers.h"
#include "request.h"

void
h_distributor_me(struct request *req)
{
	struct distributor d;
	struct error e;

	error_clear(&e);
	if (registry_distributor_get(req->db, req->bearer.subject_id, &d, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	reply_json(req, 200, json_pack("{s:I, s:s}", "id", (json_int_t)d.id, "name", d.name));
}
