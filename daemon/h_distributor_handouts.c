/* GET /v1/distributors/me/handouts[?month=YYYY-MM] (distributor): its
 * hand-outs of that month (default: this month, Europe/Paris), the most
 * recent first — booklet, campaign, day; never who received it. 400
 * BAD_PARAMETER for a month that is not YYYY-MM. */
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "handlers.h"
#include "issuance.h"
#include "request.h"

static int
h_handouts_row(int64_t booklet_id, int64_t campaign_id, int32_t day, void *ctx)
{
	char text[DATE_FORMAT_SIZE];

	date_format(day, text);
	json_array_append_new(ctx, json_pack("{s:I, s:I, s:s}", "booklet", (json_int_t)booklet_id,
	    "campaign_id", (json_int_t)campaign_id, "day", text));
	return 0;
}

/* Parses "YYYY-MM" into its first and last local days. */
static int
h_handouts_month(const char *text, int32_t *from, int32_t *to, struct error *e)
{
	char first[32], next[32];
	int year, month;

	if (strlen(text) != 7 || text[4] != '-' || sscanf(text, "%4d-%2d", &year, &month) != 2 ||
	    year < 2000 || year > 2999 || month < 1 || month > 12 ||
	    strspn(text, "0123456789-") != 7)
		return error_set(e, 400, "BAD_PARAMETER", "month is YYYY-MM");
	snprintf(first, sizeof(first), "%04d-%02d-01", year, month);
	snprintf(next, sizeof(next), "%04d-%02d-01", month == 12 ? year + 1 : year,
	    month == 12 ? 1 : month + 1);
	if (date_parse(first, from, e) != 0 || date_parse(next, to, e) != 0)
		return error_set(e, 400, "BAD_PARAMETER", "month is YYYY-MM");
	(*to)--;
	return 0;
}

void
h_distributor_handouts(struct request *req)
{
	const char *month = request_query(req, "month");
	char today[DATE_FORMAT_SIZE], name[8];
	int32_t from, to;
	json_t *list;
	struct error e;

	error_clear(&e);
	date_format(clock_today(CLOCK_TZ_PARIS), today);
	snprintf(name, sizeof(name), "%.7s", month != NULL ? month : today);
	if (h_handouts_month(month != NULL ? month : name, &from, &to, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	list = json_array();
	if (issuance_distributor_handouts(req->db, req->bearer.subject_id, from, to, h_handouts_row,
	    list, &e) != 0) {
		json_decref(list);
		reply_from_error(req, &e);
		return;
	}
	reply_json(req, 200, json_pack("{s:s, s:s, s:I, s:o}", "month", name, "today", today,
	    "count", (json_int_t)json_array_size(list), "handouts", list));
}
