#include <string.h>
#include "clock.h"
#include "issuance.h"
#include "redemption.h"
#include "registry.h"
#include "report.h"

#define REPORT_STATUSES 4

static const char *const report_statuses[REPORT_STATUSES] = {
	"issued", "redeemed", "revoked", "expired",
};

struct report {
	struct db *db;
	int64_t threshold;
	json_t *campaigns; /* array being filled */
	int failed;
};

/* A count cell: the number, or "< N" (with no amount) when 0 < count < N. */
static json_t *
report_cell(int64_t threshold, int64_t count, int64_t cents)
{
	char hidden[24];

	if (count > 0 && count < threshold) {
		snprintf(hidden, sizeof(hidden), "< %lld", (long long)threshold);
		return json_pack("{s:s, s:n}", "passes", hidden, "cents");
	}
	return json_pack("{s:I, s:I}", "passes", (json_int_t)count, "cents", (json_int_t)cents);
}

/* The per-status totals of one campaign, gathered from issuance's totals. */
struct report_totals {
	int64_t campaign_id;
	int64_t count[REPORT_STATUSES], cents[REPORT_STATUSES];
};

static int
report_total(int64_t campaign_id, const char *status, int64_t count, int64_t cents, void *ctx)
{
	struct report_totals *t = ctx;

	if (campaign_id != t->campaign_id)
		return 0;
	for (int i = 0; i < REPORT_STATUSES; i++)
		if (strcmp(status, report_statuses[i]) == 0) {
			t->count[i] += count;
			t->cents[i] += cents;
		}
	return 0;
}

static int
report_department(const char *department, int64_t passes, int64_t cents, void *ctx)
{
	struct report *r = ctx;
	json_t *campaign = json_array_get(r->campaigns, json_array_size(r->campaigns) - 1);
	json_t *cell = report_cell(r->threshold, passes, cents);

	json_object_set_new(cell, "department", json_string(department));
	json_array_append_new(json_object_get(campaign, "redeemed_by_department"), cell);
	return 0;
}

static int
report_campaign(const struct campaign *c, void *ctx)
{
	struct report *r = ctx;
	struct report_totals t = { .campaign_id = c->id };
	char last_day[16];
	struct error e;
	json_t *obj, *passes;

	if (issuance_voucher_totals(r->db, report_total, &t, &e) != 0)
		return r->failed = -1;
	date_format(c->last_day, last_day);
	passes = json_object();
	/* "issued" counts every pass ever issued; "in_circulation" the ones
	 * still usable. */
	int64_t all = 0, all_cents = 0;
	for (int i = 0; i < REPORT_STATUSES; i++) {
		all += t.count[i];
		all_cents += t.cents[i];
	}
	json_object_set_new(passes, "issued", report_cell(r->threshold, all, all_cents));
	json_object_set_new(passes, "in_circulation", report_cell(r->threshold, t.count[0], t.cents[0]));
	for (int i = 1; i < REPORT_STATUSES; i++)
		json_object_set_new(passes, report_statuses[i],
		    report_cell(r->threshold, t.count[i], t.cents[i]));
	obj = json_pack("{s:I, s:s, s:I, s:s, s:o, s:[]}", "id", (json_int_t)c->id, "name", c->name,
	    "value_cents", (json_int_t)c->value_cents, "last_day", last_day, "passes", passes,
	    "redeemed_by_department");
	json_array_append_new(r->campaigns, obj);
	if (redemption_campaign_departments(r->db, c->id, report_department, r, &e) != 0)
		return r->failed = -1;
	return 0;
}

int
report_funder_json(struct db *db, int64_t funder_id, json_t **out, struct error *e)
{
	struct report r = { .db = db, .campaigns = json_array() };
	struct funder f;
	int64_t spendable, owed;

	*out = NULL;
	if (registry_funder_get(db, funder_id, &f, e) != 0 ||
	    registry_funder_money(db, funder_id, &spendable, &owed, e) != 0 ||
	    registry_setting_int(db, "report_small_cell", 11, &r.threshold, e) != 0 ||
	    registry_campaign_list(db, funder_id, report_campaign, &r, e) != 0 || r.failed) {
		json_decref(r.campaigns);
		if (r.failed)
			error_set(e, 503, "STORE_ERROR", "cannot read the report's figures");
		return -1;
	}
	*out = json_pack("{s:{s:I, s:s}, s:I, s:I, s:I, s:o}",
	    "funder", "id", (json_int_t)f.id, "public_name", f.public_name,
	    "spendable_cents", (json_int_t)spendable, "owed_on_orders_cents", (json_int_t)owed,
	    "small_cell_threshold", (json_int_t)r.threshold, "campaigns", r.campaigns);
	return 0;
}
