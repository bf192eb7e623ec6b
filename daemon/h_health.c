/* GET /v1/health (no auth): the database answers, the ledger's size and the
 * age of the latest checkpoint. 503 when the database does not answer. */
#include "checkpoint.h"
#include "clock.h"
#include "daemon.h"
#include "handlers.h"
#include "ledger.h"
#include "metrics.h"
#include "request.h"

void
h_health(struct request *req)
{
	struct db *db = req->db;
	struct checkpoint cp;
	struct error e;
	uint64_t size;
	json_t *body;

	if (ledger_size(db, &size, &e) != 0) {
		metrics_db_error(req->daemon->metrics);
		reply_error(req, 503, "STORE_UNAVAILABLE", "the database does not answer");
		return;
	}
	body = json_pack("{s:s, s:I}", "status", "ok", "ledger_size", (json_int_t)size);
	if (checkpoint_latest(db, &cp, NULL) == 0)
		json_object_set_new(body, "checkpoint", json_pack("{s:I, s:I}",
		    "size", (json_int_t)cp.size, "age_seconds", (json_int_t)(clock_now() - cp.created_at)));
	else
		json_object_set_new(body, "checkpoint", json_null());
	reply_json(req, 200, body);
}
