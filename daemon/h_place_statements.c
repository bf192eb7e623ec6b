/* GET /v1/places/me/statements (place): the statements (relevés de
 * remboursement) of the place's payee — the legal entity (SIRET) that is
 * paid, whose statements cover all its places — one per settled month in
 * which it was paid, latest first: the number, month, transfer amount,
 * execution day, EndToEndId and the transfer's status. Each is served by
 * GET /v1/places/me/statements/{period} (h_place_statement.c). */
#include "date.h"
#include "handlers.h"
#include "report.h"
#include "request.h"

static int
h_place_statements_one(const struct report_statement_entry *s, void *ctx, struct error *e)
{
	char day[DATE_FORMAT_SIZE];

	(void)e;
	date_format(s->execution_day, day);
	json_array_append_new(ctx, json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "period", s->period,
	    "statement", s->statement, "amount_cents", (json_int_t)s->amount_cents,
	    "execution_day", day, "end_to_end_id", s->end_to_end_id, "status", s->status));
	return 0;
}

void
h_place_statements(struct request *req)
{
	struct place p;
	struct payee py;
	int64_t places;
	json_t *list;
	struct error e;

	error_clear(&e);
	if (registry_place_get(req->db, req->bearer.subject_id, &p, &e) != 0 ||
	    registry_payee_get(req->db, p.payee_id, &py, &e) != 0 ||
	    report_payee_place_count(req->db, py.id, &places, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	list = json_array();
	if (report_statements_each(req->db, py.id, h_place_statements_one, list, &e) != 0) {
		json_decref(list);
		reply_from_error(req, &e);
		return;
	}
	reply_json(req, 200, json_pack("{s:{s:I, s:s, s:s, s:I}, s:o}", "payee", "id",
	    (json_int_t)py.id, "name", py.name, "siret", py.siret, "places", (json_int_t)places,
	    "statements", list));
}
