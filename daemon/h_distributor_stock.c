/* GET /v1/distributors/me/stock (distributor): its booklets by campaign —
 * received, handed out, returned, in stock (with their numbers), the
 * campaign's last day, the days left and the J-30 alert (stock of a
 * campaign ending within 30 days) — and today (Europe/Paris), by which the
 * page dates its hand-outs. Campaigns are named by number and the funder's
 * public name, never by their internal name. */
#include <string.h>
#include "clock.h"
#include "handlers.h"
#include "issuance.h"
#include "request.h"

struct h_stock {
	json_t *campaigns;
	int32_t today;
};

static int
h_stock_campaign(const struct distributor_campaign_stock *s, void *ctx)
{
	struct h_stock *h = ctx;
	char last[DATE_FORMAT_SIZE];
	int64_t left = (int64_t)s->last_day - h->today;

	date_format(s->last_day, last);
	json_array_append_new(h->campaigns, json_pack("{s:I, s:s, s:I, s:s, s:I, s:b, s:b,"
	    " s:I, s:I, s:I, s:I, s:[]}", "campaign_id", (json_int_t)s->campaign_id,
	    "funder", s->funder, "value_cents", (json_int_t)s->value_cents, "last_day", last,
	    "days_left", (json_int_t)left, "ended", left < 0,
	    "ending_soon", left >= 0 && left <= 30 && s->in_stock > 0,
	    "received", (json_int_t)s->received, "handed_out", (json_int_t)s->handed_out,
	    "returned", (json_int_t)s->returned, "in_stock", (json_int_t)s->in_stock,
	    "booklets_in_stock"));
	return 0;
}

/* Adds a booklet of the stock (delivered, whatever its passes became: as
 * in_stock counts it) to its campaign's booklets_in_stock. */
static int
h_stock_booklet(const struct booklet_info *b, void *ctx)
{
	struct h_stock *h = ctx;
	size_t i;
	json_t *c;

	if (strcmp(b->status, "delivered") != 0)
		return 0;
	json_array_foreach(h->campaigns, i, c)
		if (json_integer_value(json_object_get(c, "campaign_id")) == b->campaign_id)
			json_array_append_new(json_object_get(c, "booklets_in_stock"),
			    json_integer(b->id));
	return 0;
}

void
h_distributor_stock(struct request *req)
{
	struct h_stock h = { json_array(), clock_today(CLOCK_TZ_PARIS) };
	struct distributor d;
	char today[DATE_FORMAT_SIZE];
	struct error e;

	error_clear(&e);
	if (registry_distributor_get(req->db, req->bearer.subject_id, &d, &e) != 0 ||
	    issuance_distributor_stock(req->db, d.id, h_stock_campaign, &h, &e) != 0 ||
	    issuance_booklet_list(req->db, d.id, NULL, h_stock_booklet, &h, &e) != 0) {
		json_decref(h.campaigns);
		reply_from_error(req, &e);
		return;
	}
	date_format(h.today, today);
	reply_json(req, 200, json_pack("{s:{s:I, s:s}, s:s, s:o}", "distributor", "id",
	    (json_int_t)d.id, "name", d.name, "today", today, "campaigns", h.campaigns));
}
