#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"
#include "issuance.h"
#include "redemption.h"
#include "registry.h"
#include "report.h"
#include "report_private.h"

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

/* Reports people read: the range of a period, cell helpers, report_build. */

int
report_month_index(const struct report_range *r, const char *month)
{
	int y0, m0, y, m;

	if (date_digits(r->first_month, 4, &y0) != 0 || date_digits(r->first_month + 5, 2, &m0) != 0 ||
	    strlen(month) != 7 || date_digits(month, 4, &y) != 0 ||
	    date_digits(month + 5, 2, &m) != 0)
		return -1;
	m = (y * 12 + m - 1) - (y0 * 12 + m0 - 1);
	return m >= 0 && m < r->months ? m : -1;
}

void
report_month_name(const struct report_range *r, int i, char buf[8])
{
	int y = 0, m = 0;
	unsigned year, month;

	date_digits(r->first_month, 4, &y);
	date_digits(r->first_month + 5, 2, &m);
	m += i - 1;
	year = (unsigned)(y + m / 12) % 10000u;
	month = (unsigned)(m % 12 + 1) % 13u;
	snprintf(buf, 8, "%04u-%02u", year, month);
}

void
report_set_count(struct report_table *t, int row, int col, int64_t value, int64_t booklets,
    const char *key_fmt, ...)
{
	char key[48];
	va_list ap;

	va_start(ap, key_fmt);
	vsnprintf(key, sizeof(key), key_fmt, ap);
	va_end(ap);
	report_cell_count(report_table_cell(t, (size_t)row, (size_t)col), value, booklets, key);
}

int
report_set_text(struct report_table *t, int row, int col, const char *text)
{
	return report_cell_text(report_table_cell(t, (size_t)row, (size_t)col), text);
}

void
report_set_money(struct report_table *t, int row, int col, int64_t cents)
{
	struct report_cell *c = report_table_cell(t, (size_t)row, (size_t)col);
	int follows = t->column[col].follows;

	c->value = cents;
	if (follows >= 0 && report_table_cell(t, (size_t)row, (size_t)follows)->key[0] != '\0')
		snprintf(c->key, sizeof(c->key), "%.40s.cents",
		    report_table_cell(t, (size_t)row, (size_t)follows)->key);
}

/* The range of p as of now: counted up to the period's end or now. */
static void
report_range_of(const struct report_period *p, int64_t now, struct report_range *r,
    bool *provisional)
{
	int64_t end = clock_local_day_start(p->last + 1, CLOCK_TZ_PARIS);
	int y0, m0, y1, m1;

	r->first = p->first;
	r->last = p->last;
	/* end is exclusive and instants are whole seconds: what was recorded
	 * at now itself (a batch issued the same second, or under a fixed
	 * test clock) is counted. */
	*provisional = now < end;
	r->end = *provisional ? now + 1 : end;
	r->now = now;
	date_period_format(p->first, r->first_month);
	date_period_format(p->last, r->last_month);
	date_digits(r->first_month, 4, &y0), date_digits(r->first_month + 5, 2, &m0);
	date_digits(r->last_month, 4, &y1), date_digits(r->last_month + 5, 2, &m1);
	r->months = (y1 * 12 + m1) - (y0 * 12 + m0) + 1;
}

/* report_build, or (certificate) the payee's yearly certificate. */
static int
report_build_doc(struct db *db, enum report_kind kind, bool certificate, int64_t id,
    const struct report_period *p, int64_t now, struct report_doc **out, struct error *e)
{
	struct report_doc *doc = calloc(1, sizeof(*doc));
	struct report_range r;
	int rc;

	*out = NULL;
	if (doc == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	report_range_of(p, now, &r, &doc->provisional);
	snprintf(doc->period, sizeof(doc->period), "%s", p->text);
	doc->first_day = p->first;
	doc->last_day = p->last;
	if (registry_setting_int(db, "report_small_cell", 11, &doc->threshold, e) != 0) {
		report_doc_free(doc);
		return -1;
	}
	if (kind == REPORT_FUNDER)
		rc = report_funder_build(db, id, &r, doc, e);
	else if (kind == REPORT_DISTRIBUTOR)
		rc = report_distributor_build(db, id, &r, doc, e);
	else if (certificate)
		rc = report_certificate_fill(db, id, &r, doc, e);
	else
		rc = report_statement_build(db, kind == REPORT_PAYEE, id, &r, doc, e);
	if (rc != 0) {
		report_doc_free(doc);
		return -1;
	}
	report_suppress(doc);
	*out = doc;
	return 0;
}

int
report_build(struct db *db, enum report_kind kind, int64_t id, const struct report_period *p,
    int64_t now, struct report_doc **out, struct error *e)
{
	return report_build_doc(db, kind, false, id, p, now, out, e);
}

int
report_certificate_build(struct db *db, int64_t payee_id, const struct report_period *p,
    int64_t now, struct report_doc **out, struct error *e)
{
	*out = NULL;
	if (strlen(p->text) != 4)
		return error_set(e, 400, "BAD_PERIOD", "a certificate covers a year (YYYY)");
	return report_build_doc(db, REPORT_PAYEE, true, payee_id, p, now, out, e);
}

struct report_target_list {
	struct report_target *target;
	size_t count, cap;
	int failed;
};

/* Appends (kind, id); report_targets sorts and deduplicates (payees come
 * from their places). */
static int
report_target_add(struct report_target_list *l, enum report_kind kind, int64_t id)
{
	struct report_target *grown;

	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		if ((grown = realloc(l->target, cap * sizeof(*grown))) == NULL)
			return l->failed = -1;
		l->target = grown;
		l->cap = cap;
	}
	l->target[l->count++] = (struct report_target){ kind, id };
	return 0;
}

static int
report_target_funder(const struct funder *f, void *ctx)
{
	return report_target_add(ctx, REPORT_FUNDER, f->id);
}

static int
report_target_payee(const struct place *p, void *ctx)
{
	return report_target_add(ctx, REPORT_PAYEE, p->payee_id);
}

static int
report_target_distributor(const struct distributor *d, void *ctx)
{
	return report_target_add(ctx, REPORT_DISTRIBUTOR, d->id);
}

static int
report_target_compare(const void *a, const void *b)
{
	const struct report_target *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
report_targets(struct db *db, struct report_target **out, size_t *count, struct error *e)
{
	struct report_target_list l = { 0 };
	size_t n = 0;

	*out = NULL;
	*count = 0;
	if (registry_funder_list(db, report_target_funder, &l, e) != 0 ||
	    registry_place_list(db, report_target_payee, &l, e) != 0 ||
	    registry_distributor_list(db, report_target_distributor, &l, e) != 0 || l.failed) {
		free(l.target);
		return l.failed ? error_set(e, 500, "NO_MEMORY", "out of memory listing reports") : -1;
	}
	qsort(l.target, l.count, sizeof(*l.target), report_target_compare);
	for (size_t i = 0; i < l.count; i++)
		if (n == 0 || report_target_compare(&l.target[n - 1], &l.target[i]) != 0)
			l.target[n++] = l.target[i];
	*out = l.target;
	*count = n;
	return 0;
}

void
report_target_file(const struct report_target *t, enum report_format format, char buf[64])
{
	static const char *const kinds[] = { "financeur", "beneficiaire", "lieu", "distributeur" };
	static const char *const formats[] = { "csv", "json", "html", "pdf" };

	snprintf(buf, 64, "%s-%lld.%s", kinds[t->kind], (long long)t->id, formats[format]);
}
