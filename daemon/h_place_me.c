/* GET /v1/places/me (place): who the bearer is, for the place page — the
 * place's name and commune, its label ("labelled", "suspended", "none"),
 * the label's last day, whether it is qualified today, its services with
 * the passes each costs, and the place's today and the server's now (the
 * page dates its lists and its cancel countdown by them, not by the
 * browser's clock). */
#include <string.h>
#include "clock.h"
#include "handlers.h"
#include "request.h"

static const char *
h_place_me_label(enum place_label label)
{
	if (label == PLACE_LABEL_LABELLED)
		return "labelled";
	if (label == PLACE_LABEL_SUSPENDED)
		return "suspended";
	return "none";
}

static int
h_place_me_service(const struct service *s, void *ctx)
{
	json_array_append_new(ctx, json_pack("{s:s, s:s, s:i}", "code", s->code, "name", s->name,
	    "passes", s->passes));
	return 0;
}

/* The body for place p on local day today (new reference). */
static json_t *
h_place_me_json(const struct place *p, int32_t today, json_t *services)
{
	char day[DATE_FORMAT_SIZE], until[DATE_FORMAT_SIZE], now[CLOCK_INSTANT_SIZE];
	bool qualified = p->label == PLACE_LABEL_LABELLED && p->label_until >= today;
	json_t *body;

	date_format(today, day);
	clock_instant_format(clock_now(), now);
	body = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:o}", "id",
	    (json_int_t)p->id, "name", p->name, "commune", p->commune, "commune_name", p->commune_name,
	    "type", p->type, "label", h_place_me_label(p->label), "qualified", qualified, "today", day,
	    "now", now, "time_zone", p->time_zone, "services", services);
	if (p->label_until >= 0 && date_format(p->label_until, until) == 0)
		json_object_set_new(body, "label_until", json_string(until));
	else
		json_object_set_new(body, "label_until", json_null());
	return body;
}

void
h_place_me(struct request *req)
{
	struct db *db = req->db;
	struct place p;
	enum clock_tz tz;
	json_t *services;
	struct error e;

	error_clear(&e);
	if (registry_place_get(db, req->bearer.subject_id, &p, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	if (clock_tz_from_name(p.time_zone, &tz, &e) != 0)
		tz = CLOCK_TZ_PARIS;
	services = json_array();
	if (registry_place_services(db, p.id, h_place_me_service, services, &e) != 0) {
		json_decref(services);
		reply_from_error(req, &e);
		return;
	}
	reply_json(req, 200, h_place_me_json(&p, clock_today(tz), services));
}
