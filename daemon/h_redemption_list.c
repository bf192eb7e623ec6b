/* GET /v1/redemptions?from=YYYY-MM-DD&to=YYYY-MM-DD (place): the place's own
 * redemptions between those local dates (inclusive; default: all). */
#include <stdint.h>
#include "clock.h"
#include "handlers.h"
#include "money.h"
#include "redemption.h"
#include "request.h"

static int
h_list_row(const struct redemption_row *row, void *ctx)
{
	char day[DATE_FORMAT_SIZE], at[CLOCK_INSTANT_SIZE], value[32];
	json_t *item;

	date_format(row->day, day);
	clock_instant_format(row->created_at, at);
	money_format(row->value_cents, value, sizeof(value));
	item = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:I}", "id", (json_int_t)row->id,
	    "created_at", at, "day", day, "service", row->service_code, "passes", (json_int_t)row->passes,
	    "value_cents", (json_int_t)row->value_cents, "value", value,
	    "entry_seq", (json_int_t)row->entry_seq);
	if (row->cancelled_at != 0) {
		clock_instant_format(row->cancelled_at, at);
		json_object_set_new(item, "cancelled_at", json_string(at));
		json_object_set_new(item, "cancel_seq", json_integer((json_int_t)row->cancel_seq));
	}
	json_array_append_new(ctx, item);
	return 0;
}

/* Reads the date parameter name into *day (unchanged when absent). */
static int
h_list_date_or_reply(struct request *req, const char *name, int32_t *day)
{
	const char *text = request_query(req, name);
	struct error e;

	if (text == NULL)
		return 0;
	if (date_parse(text, day, &e) != 0) {
		reply_error(req, 400, "BAD_PARAMETER", "%s must be a date YYYY-MM-DD", name);
		return -1;
	}
	return 0;
}

void
h_redemption_list(struct request *req)
{
	int32_t from = INT32_MIN, to = INT32_MAX;
	json_t *list;
	struct error e;

	if (h_list_date_or_reply(req, "from", &from) != 0 || h_list_date_or_reply(req, "to", &to) != 0)
		return;
	list = json_array();
	if (redemption_list(req->db, req->bearer.subject_id, from, to, h_list_row, list, &e) != 0) {
		json_decref(list);
		reply_from_error(req, &e);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "redemptions", list));
}
