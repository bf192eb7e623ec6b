/* POST /v1/vouchers/lookup (place | admin): {"voucher": token-or-code} ->
 * its status (valid, redeemed, expired, revoked, unknown), value, last day,
 * and for a place the services it may pay for there, or why not here. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "clock.h"
#include "code.h"
#include "daemon.h"
#include "handlers.h"
#include "money.h"
#include "redemption.h"
#include "request.h"
#include "store.h"

static json_t *
h_voucher_json(const struct redemption_lookup *l, const struct place *place)
{
	char code[CODE_TEXT_LEN + 1], serial[2 * TOKEN_SERIAL_BYTES + 1], value[32];
	char last[DATE_FORMAT_SIZE], until[DATE_FORMAT_SIZE];
	json_t *body, *services;

	code_format(l->state.serial, code);
	sodium_bin2hex(serial, sizeof(serial), l->state.serial, TOKEN_SERIAL_BYTES);
	money_format(l->state.value_cents, value, sizeof(value));
	date_format(l->state.last_day, last);
	date_format(l->last_usable_day, until);
	body = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "status", l->status, "code", code,
	    "serial", serial, "value_cents", (json_int_t)l->state.value_cents, "value", value,
	    "last_day", last, "usable_until", until, "funder", l->funder);
	if (strcmp(l->status, "redeemed") == 0) {
		date_format(clock_local_day(l->state.changed_at, CLOCK_TZ_PARIS), last);
		json_object_set_new(body, "redeemed_on", json_string(last));
	}
	if (place == NULL || strcmp(l->status, "valid") != 0)
		return body;
	json_object_set_new(body, "usable_here", json_boolean(l->refusal == NULL));
	if (l->refusal != NULL) {
		json_object_set_new(body, "refusal", json_string(l->refusal));
		json_object_set_new(body, "reason", json_string(l->reason));
	}
	services = json_array();
	for (size_t i = 0; i < l->service_count; i++)
		json_array_append_new(services, json_pack("{s:s, s:s, s:i}", "code", l->services[i].code,
		    "name", l->services[i].name, "passes", l->services[i].passes));
	json_object_set_new(body, "services", services);
	return body;
}

void
h_voucher_answer(struct request *req, const char *text, size_t len)
{
	static _Thread_local struct redemption_lookup lookup;
	struct redemption_pass pass;
	struct place place;
	struct db *db = req->db;
	bool is_place = req->bearer.role == ROLE_PLACE;
	json_t *body, *extra;
	struct error e;

	error_clear(&e);
	if (redemption_pass_read(text, len, &pass, &e) != 0 ||
	    (is_place && registry_place_get(db, req->bearer.subject_id, &place, &e) != 0) ||
	    redemption_lookup(db, store_keyset(req->daemon->store, false), &pass,
	    is_place ? &place : NULL, clock_now(), &lookup, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	if (strcmp(lookup.status, "unknown") == 0) {
		reply_json(req, 200, json_pack("{s:s}", "status", "unknown"));
		req->counted_failure = true;
		return;
	}
	body = h_voucher_json(&lookup, is_place ? &place : NULL);
	/* To the place that redeemed it: its receipt, as in a 409 (the date is
	 * then the place's local day of the redemption). */
	if (is_place && strcmp(lookup.status, "redeemed") == 0 &&
	    (extra = redemption_conflict(db, lookup.state.serial, place.id, &e)) != NULL) {
		json_object_update(body, extra);
		json_decref(extra);
	}
	reply_json(req, 200, body);
}

void
h_voucher_lookup(struct request *req)
{
	const json_t *v = json_object_get(req->json, "voucher");

	if (!json_is_string(v) || json_string_length(v) > 512) {
		reply_error(req, 400, "BAD_REQUEST", "expected {\"voucher\": token or code}");
		return;
	}
	h_voucher_answer(req, json_string_value(v), json_string_length(v));
}
