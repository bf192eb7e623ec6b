/* The funder report: per campaign and in total, booklets issued, delivered
 * and handed out, passes redeemed (count, value), and the passes' state at
 * the end of the period; by month, by département and EPCI of the place, by
 * place type, by service and by the booklet's distributor. Cells
 * count passes but are hidden by the booklets (people) behind them.
 *
 * Every figure comes from one scan of the funder's booklets, each with its
 * hand-out, its vouchers and each voucher's current redemption (SQLite
 * walks booklets_by_batch, vouchers_by_booklet, then one redemption by id
 * per pass in the covering index redemptions_current, schema/0014, not in
 * the table's large rows), aggregated here; the redemptions cancelled
 * after the period's end, which still count in it but are no voucher's
 * current one, are read first (a few rows) and merged into their booklet.
 * A booklet's rows come together, so a cell counts the distinct booklets
 * behind it by remembering the last booklet it counted. It relies on what
 * every writer keeps: a voucher's campaign is its batch's, and the passes
 * of a redemption not cancelled point to it (vouchers.redemption_id, set
 * with the redemption_vouchers row by lib/redemption.c and
 * lib/takeover.c, cleared by a cancellation); test_report_cancel checks
 * the merge. Memory: the cells, per campaign and group key (months,
 * départements, EPCIs, place types, services, distributors), and the
 * places, services and distributors of the registry, never per voucher.
 * docs/benchmarks.md "Reports". */
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "db.h"
#include "money.h"
#include "registry.h"
#include "report.h"
#include "report_private.h"
#include "territory.h"

#define FUNDER_MONTHS 12
#define FUNDER_DEPARTMENTS 128
enum { ST_REDEEMED, ST_REVOKED, ST_EXPIRED, ST_OUTSTANDING, ST_COUNT };

struct funder_cell {
	int64_t count, cents, booklets;
	int64_t last; /* the last booklet counted in booklets (0: none) */
};

struct funder_department {
	char code[4];
	struct funder_cell redeemed;
};

struct funder_campaign {
	int64_t id;
	char name[REGISTRY_NAME_MAX + 1];
	struct funder_cell issued, delivered, handed, redeemed, state[ST_COUNT];
	struct funder_cell month_handed[FUNDER_MONTHS], month_redeemed[FUNDER_MONTHS];
	size_t departments;
	struct funder_department department[FUNDER_DEPARTMENTS];
};

/* A row of a breakdown (place type, service, EPCI, distributor) for one
 * campaign; the all-campaigns rows are their sums (a booklet is of one
 * campaign, so its booklets add up too). */
struct funder_part {
	int64_t campaign;
	char label[REGISTRY_NAME_MAX + 1];
	int64_t id; /* the service's or distributor's id; 0 for a place type or EPCI */
	struct funder_cell redeemed;
};

struct funder_parts {
	size_t count, capacity;
	struct funder_part *part;
};

/* What the scan needs of a place, a service or a distributor, and the
 * index of its part per campaign (-1: not met yet). */
struct funder_place {
	int64_t id;
	char department[4], type[24], epci[16];
	int32_t *type_part, *epci_part, *department_part; /* [campaign index] */
};

struct funder_named {
	int64_t id;
	char name[REGISTRY_NAME_MAX + 1];
	int32_t *part; /* [campaign index] */
};

struct funder_names {
	size_t count;
	struct funder_named *item;
};

/* A pass redeemed: of a voucher of campaign_id worth value_cents, on day
 * at place_id for service_id, recorded at created_at. */
struct funder_use {
	int64_t campaign_id, value_cents, place_id, service_id, created_at;
	int32_t day;
};

/* The booklet being scanned. */
struct funder_booklet {
	int64_t id, campaign_id, distributor_id; /* distributor 0: none */
	bool handed;                             /* handed out in the period */
	struct report_handout handout;
};

/* A redemption cancelled after the period's end, for one voucher. */
struct funder_late_cancel {
	int64_t booklet_id;
	struct funder_use use;
};

struct funder_data {
	struct report_range range;
	int64_t funder_id;
	int month_base;                /* year * 12 + month - 1 of the period's first month */
	size_t count;
	struct funder_campaign *campaign;
	struct funder_parts types, services, epcis, distributors, departments;
	size_t places;
	struct funder_place *place;
	struct funder_names service_names, distributor_names;
	int32_t *no_distributor_part;  /* [campaign index] */
	size_t late_cancels;
	struct funder_late_cancel *late_cancel; /* sorted by booklet */
	struct funder_booklet booklet;
	struct report_indicators *ind;
	size_t last_campaign;          /* the index funder_index found last */
	int failed;
};

static int
funder_campaign_add(const struct campaign *c, void *ctx)
{
	struct funder_data *d = ctx;
	struct funder_campaign *grown = realloc(d->campaign, (d->count + 1) * sizeof(*grown));

	if (grown == NULL)
		return d->failed = -1;
	d->campaign = grown;
	memset(&grown[d->count], 0, sizeof(*grown));
	grown[d->count].id = c->id;
	snprintf(grown[d->count].name, sizeof(grown->name), "%s", c->name);
	d->count++;
	return 0;
}

/* The index of campaign id in d, or -1 when it is not the funder's. */
static int
funder_index(struct funder_data *d, int64_t id)
{
	if (d->last_campaign < d->count && d->campaign[d->last_campaign].id == id)
		return (int)d->last_campaign;
	for (size_t i = 0; i < d->count; i++)
		if (d->campaign[i].id == id)
			return (int)(d->last_campaign = i);
	return -1;
}

static struct funder_campaign *
funder_find(struct funder_data *d, int64_t id)
{
	int i = funder_index(d, id);

	return i < 0 ? NULL : &d->campaign[i];
}

/* Counts one pass (or booklet) of booklet worth cents in c. */
static int
funder_count(struct funder_cell *c, int64_t cents, int64_t booklet)
{
	c->count++;
	if (c->last != booklet) {
		c->booklets++;
		c->last = booklet;
	}
	return money_add(c->cents, cents, &c->cents);
}

/* The month index of day in the period, or -1. */
static int
funder_month(const struct funder_data *d, int32_t day)
{
	int y, m, mday;

	date_to_ymd(day, &y, &m, &mday);
	m = y * 12 + m - 1 - d->month_base;
	return m >= 0 && m < d->range.months && m < FUNDER_MONTHS ? m : -1;
}

/* Rows (campaign, YYYY-MM, booklets) of hand-outs purged into totals. */
static int
funder_row_handed(const struct db_row *row, void *ctx, struct error *e)
{
	struct funder_data *d = ctx;
	struct funder_campaign *c = funder_find(d, db_row_int64(row, 0));
	char month[8];
	int index;

	(void)e;
	db_row_text(row, 1, month, sizeof(month));
	index = report_month_index(&d->range, month);
	if (c != NULL && index >= 0 && index < FUNDER_MONTHS) {
		c->month_handed[index].count += db_row_int64(row, 2);
		c->month_handed[index].booklets += db_row_int64(row, 2);
	}
	return 0;
}

/* The part of parts for (campaign, label, id), added when missing; its
 * index, or -1 when out of memory. */
static int32_t
funder_part_get(struct funder_parts *parts, int64_t campaign, const char *label, int64_t id)
{
	struct funder_part *p;

	for (size_t i = 0; i < parts->count; i++)
		if (parts->part[i].campaign == campaign && parts->part[i].id == id &&
		    strcmp(parts->part[i].label, label) == 0)
			return (int32_t)i;
	if (parts->count == parts->capacity) {
		size_t cap = parts->capacity ? 2 * parts->capacity : 16;
		struct funder_part *grown = realloc(parts->part, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		parts->part = grown;
		parts->capacity = cap;
	}
	p = &parts->part[parts->count];
	memset(p, 0, sizeof(*p));
	p->campaign = campaign;
	p->id = id;
	snprintf(p->label, sizeof(p->label), "%s", label);
	return (int32_t)parts->count++;
}

/* The cell of the part (campaign index k, label, id) through its memo slot
 * (memo NULL: none). NULL when out of memory. */
static struct funder_cell *
funder_part_cell(struct funder_data *d, struct funder_parts *parts, int32_t *memo, int k,
    const char *label, int64_t id)
{
	int32_t i = memo != NULL ? memo[k] : -1;

	if (i < 0 && (i = funder_part_get(parts, d->campaign[k].id, label, id)) < 0)
		return NULL;
	if (memo != NULL)
		memo[k] = i;
	return &parts->part[i].redeemed;
}

/* A new memo of d->count slots, all -1; NULL when out of memory. */
static int32_t *
funder_memo(const struct funder_data *d)
{
	int32_t *m = malloc((d->count + 1) * sizeof(*m));

	for (size_t i = 0; m != NULL && i <= d->count; i++)
		m[i] = -1;
	return m;
}

static int
funder_row_place(const struct db_row *row, void *ctx, struct error *e)
{
	struct funder_data *d = ctx;
	struct funder_place *grown = realloc(d->place, (d->places + 1) * sizeof(*grown)), *p;

	if (grown == NULL)
		goto nomem;
	d->place = grown;
	p = &grown[d->places];
	memset(p, 0, sizeof(*p));
	d->places++;
	p->id = db_row_int64(row, 0);
	db_row_text(row, 1, p->department, sizeof(p->department));
	db_row_text(row, 2, p->type, sizeof(p->type));
	db_row_text(row, 3, p->epci, sizeof(p->epci));
	if ((p->type_part = funder_memo(d)) == NULL || (p->epci_part = funder_memo(d)) == NULL ||
	    (p->department_part = funder_memo(d)) == NULL)
		goto nomem;
	return 0;
nomem:
	return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
}

static int
funder_row_named(const struct db_row *row, void *ctx, struct error *e)
{
	struct funder_data *d = ((void **)ctx)[0];
	struct funder_names *n = ((void **)ctx)[1];
	struct funder_named *grown = realloc(n->item, (n->count + 1) * sizeof(*grown)), *x;

	if (grown == NULL)
		goto nomem;
	n->item = grown;
	x = &grown[n->count++];
	x->id = db_row_int64(row, 0);
	db_row_text(row, 1, x->name, sizeof(x->name));
	if ((x->part = funder_memo(d)) == NULL)
		goto nomem;
	return 0;
nomem:
	return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
}

/* The item of id in a list sorted by id (places, services, distributors),
 * or NULL. */
static void *
funder_by_id(void *items, size_t count, size_t size, int64_t id)
{
	size_t lo = 0, hi = count;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int64_t at = *(const int64_t *)((char *)items + mid * size);

		if (at == id)
			return (char *)items + mid * size;
		if (at < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Counts use, a pass of the booklet being scanned, in the redeemed cells
 * (redeemed in the period) and in the booklet's uses for the indicators. */
static int
funder_use_add(struct funder_data *d, const struct funder_use *u, struct error *e)
{
	struct funder_booklet *b = &d->booklet;
	const struct funder_place *place;
	const struct funder_named *service, *distributor;
	struct funder_cell *cell[7];
	int k, m;

	if (b->handed && u->day <= report_indicators_observed(d->ind) &&
	    u->created_at < d->range.end) {
		if (b->handout.first < 0 || u->day < b->handout.first)
			b->handout.first = u->day;
		if (u->day > b->handout.last)
			b->handout.last = u->day;
		b->handout.uses++;
	}
	if (u->day < d->range.first || u->day > d->range.last || (k = funder_index(d,
	    u->campaign_id)) < 0)
		return 0;
	place = funder_by_id(d->place, d->places, sizeof(*d->place), u->place_id);
	service = funder_by_id(d->service_names.item, d->service_names.count,
	    sizeof(struct funder_named), u->service_id);
	distributor = b->distributor_id == 0 ? NULL : funder_by_id(d->distributor_names.item,
	    d->distributor_names.count, sizeof(struct funder_named), b->distributor_id);
	if (place == NULL)
		return 0; /* a place always exists (the old queries joined it) */
	m = funder_month(d, u->day);
	cell[0] = &d->campaign[k].redeemed;
	cell[1] = m < 0 ? NULL : &d->campaign[k].month_redeemed[m];
	cell[2] = funder_part_cell(d, &d->departments, place->department_part, k,
	    place->department, 0);
	cell[3] = funder_part_cell(d, &d->types, place->type_part, k, place->type, 0);
	cell[4] = funder_part_cell(d, &d->epcis, place->epci_part, k, place->epci, 0);
	cell[5] = funder_part_cell(d, &d->services, service != NULL ? service->part : NULL, k,
	    service != NULL ? service->name : "", u->service_id);
	cell[6] = funder_part_cell(d, &d->distributors, distributor != NULL ? distributor->part :
	    b->distributor_id == 0 ? d->no_distributor_part : NULL, k,
	    distributor != NULL ? distributor->name : "", b->distributor_id);
	for (int i = 0; i < 7; i++) {
		if (i != 1 && cell[i] == NULL)
			return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
		if (cell[i] != NULL && funder_count(cell[i], u->value_cents, b->id) != 0)
			return error_set(e, 500, "OVERFLOW", "the value of the passes used overflows");
	}
	return 0;
}

/* Ends the booklet being scanned: its hand-out goes to the indicators. */
static int
funder_booklet_end(struct funder_data *d, struct error *e)
{
	struct funder_booklet *b = &d->booklet;

	if (b->id == 0 || !b->handed)
		return 0;
	return report_indicators_booklet(d->ind, &b->handout, e);
}

/* Starts booklet row's: its delivery, its hand-out, and the redemptions of
 * its passes cancelled after the period's end. Columns: see funder_row. */
static int
funder_booklet_start(struct funder_data *d, const struct db_row *row, struct error *e)
{
	struct funder_booklet *b = &d->booklet;
	struct funder_campaign *c;
	size_t lo = 0, hi = d->late_cancels;
	int m;

	memset(b, 0, sizeof(*b));
	b->id = db_row_int64(row, 1);
	b->campaign_id = db_row_int64(row, 0);
	b->distributor_id = db_row_int64(row, 2);
	c = funder_find(d, b->campaign_id);
	if (c != NULL && !db_row_is_null(row, 3) && db_row_int64(row, 3) < d->range.end) {
		c->delivered.count++;
		c->delivered.booklets++;
	}
	if (!db_row_is_null(row, 4) && db_row_int64(row, 4) >= d->range.first &&
	    db_row_int64(row, 4) <= d->range.last) {
		b->handed = true;
		b->handout = (struct report_handout){ .campaign_id = b->campaign_id,
		    .day = (int32_t)db_row_int64(row, 4), .distributor_id = db_row_int64(row, 5),
		    .recorded_at = db_row_is_null(row, 6) ? -1 : db_row_int64(row, 6), .first = -1 };
		if (c != NULL && (m = funder_month(d, b->handout.day)) >= 0) {
			c->month_handed[m].count++;
			c->month_handed[m].booklets++;
		}
	}
	while (lo < hi) { /* the first late cancellation of this booklet */
		size_t mid = (lo + hi) / 2;

		if (d->late_cancel[mid].booklet_id < b->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < d->late_cancels && d->late_cancel[lo].booklet_id == b->id; lo++)
		if (funder_use_add(d, &d->late_cancel[lo].use, e) != 0)
			return -1;
	return 0;
}

/* Counts a voucher (row's columns 7-11) of the booklet being scanned as
 * issued before the end and its state then. */
static int
funder_voucher_add(struct funder_data *d, const struct db_row *row, struct error *e)
{
	static const char *const names[ST_COUNT] = { "redeemed", "revoked", "expired", "issued" };
	struct funder_campaign *c = funder_find(d, db_row_int64(row, 7));
	const char *status = db_row_text_ptr(row, 8, NULL);
	int64_t cents = db_row_int64(row, 11);
	int state = ST_OUTSTANDING;

	if (c == NULL || strcmp(status, "pending") == 0 || db_row_int64(row, 9) >= d->range.end)
		return 0;
	if (strcmp(status, "issued") != 0 && !db_row_is_null(row, 10) &&
	    db_row_int64(row, 10) < d->range.end)
		for (state = 0; state < ST_COUNT && strcmp(status, names[state]) != 0; state++)
			;
	if (funder_count(&c->issued, cents, d->booklet.id) != 0 ||
	    (state < ST_COUNT && funder_count(&c->state[state], cents, d->booklet.id) != 0))
		return error_set(e, 500, "OVERFLOW", "the value of the passes overflows");
	return 0;
}

/* Rows of the scan, a booklet's together: (0 its batch's campaign, 1 id,
 * 2 distributor, 3 delivered at, 4 hand-out day, 5 its distributor, 6
 * recorded at; 7 a voucher's campaign, 8 status, 9 issued at, 10 changed
 * at, 11 value; 12 its current redemption's day, 13 place, 14 service, 15
 * recorded at). */
static int
funder_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct funder_data *d = ctx;

	if (db_row_int64(row, 1) != d->booklet.id &&
	    (funder_booklet_end(d, e) != 0 || funder_booklet_start(d, row, e) != 0))
		return -1;
	if (db_row_is_null(row, 8) || funder_voucher_add(d, row, e) != 0)
		return db_row_is_null(row, 8) ? 0 : -1;
	if (db_row_is_null(row, 12))
		return 0;
	return funder_use_add(d, &(struct funder_use){ .campaign_id = db_row_int64(row, 7),
	    .value_cents = db_row_int64(row, 11), .day = (int32_t)db_row_int64(row, 12),
	    .place_id = db_row_int64(row, 13), .service_id = db_row_int64(row, 14),
	    .created_at = db_row_int64(row, 15) }, e);
}

/* Rows (booklet, campaign, value, day, place, service, recorded at) of the
 * passes of redemptions cancelled after the period's end, by booklet. */
static int
funder_row_late_cancel(const struct db_row *row, void *ctx, struct error *e)
{
	struct funder_data *d = ctx;
	struct funder_late_cancel *grown = realloc(d->late_cancel,
	    (d->late_cancels + 1) * sizeof(*grown));

	if (grown == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	d->late_cancel = grown;
	grown[d->late_cancels++] = (struct funder_late_cancel){ db_row_int64(row, 0), {
	    .campaign_id = db_row_int64(row, 1), .value_cents = db_row_int64(row, 2),
	    .day = (int32_t)db_row_int64(row, 3), .place_id = db_row_int64(row, 4),
	    .service_id = db_row_int64(row, 5), .created_at = db_row_int64(row, 6) } };
	return 0;
}

/* Parts in the order the report shows them: by label, or by id (services,
 * distributors), then campaign. */
static int
funder_part_by_label(const void *a, const void *b)
{
	const struct funder_part *x = a, *y = b;
	int c = strcmp(x->label, y->label);

	return c != 0 ? c : (x->campaign > y->campaign) - (x->campaign < y->campaign);
}

static int
funder_part_by_id(const void *a, const void *b)
{
	const struct funder_part *x = a, *y = b;

	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->campaign > y->campaign) - (x->campaign < y->campaign);
}

/* Sorts parts with cmp (none yet: part is NULL, which qsort may not be
 * given, even with a count of 0). */
static void
funder_parts_sort(struct funder_parts *parts, int (*cmp)(const void *, const void *))
{
	if (parts->count > 1)
		qsort(parts->part, parts->count, sizeof(struct funder_part), cmp);
}

/* Sorts the parts and gives each campaign its départements in code order. */
static void
funder_parts_order(struct funder_data *d)
{
	funder_parts_sort(&d->types, funder_part_by_label);
	funder_parts_sort(&d->epcis, funder_part_by_label);
	funder_parts_sort(&d->services, funder_part_by_id);
	funder_parts_sort(&d->distributors, funder_part_by_id);
	funder_parts_sort(&d->departments, funder_part_by_label);
	for (size_t i = 0; i < d->departments.count; i++) {
		const struct funder_part *p = &d->departments.part[i];
		struct funder_campaign *c = funder_find(d, p->campaign);
		struct funder_department *dep;

		if (c == NULL || c->departments == FUNDER_DEPARTMENTS)
			continue;
		dep = &c->department[c->departments++];
		memcpy(dep->code, p->label, strnlen(p->label, sizeof(dep->code) - 1));
		dep->redeemed = p->redeemed;
	}
}

/* Reads every figure of the report into d (one read transaction): the
 * registry's places, services and distributors, the late cancellations,
 * then the one scan; the hand-outs purged into totals. */
static int
funder_read(struct db *db, void *ctx, struct error *e)
{
	struct funder_data *d = ctx;
	const struct report_range *r = &d->range;
	void *services[2] = { d, &d->service_names }, *distributors[2] = { d, &d->distributor_names };
	int y = 0, m = 0;

	date_digits(r->first_month, 4, &y);
	date_digits(r->first_month + 5, 2, &m);
	d->month_base = y * 12 + m - 1;
	if (registry_campaign_list(db, d->funder_id, funder_campaign_add, d, e) != 0 || d->failed)
		return -1;
	if ((d->no_distributor_part = funder_memo(d)) == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	if (report_indicators_begin(db, d->funder_id, r, &d->ind, e) != 0 ||
	    db_each(db, "SELECT id, department, type, epci FROM places ORDER BY id", DB_NO_ARGS,
	    funder_row_place, d, e) != 0 ||
	    db_each(db, "SELECT id, name FROM services ORDER BY id", DB_NO_ARGS,
	    funder_row_named, services, e) != 0 ||
	    db_each(db, "SELECT id, name FROM distributors ORDER BY id", DB_NO_ARGS,
	    funder_row_named, distributors, e) != 0)
		return -1;
	if (db_each(db, "SELECT v.booklet_id, v.campaign_id, v.value_cents, r.day, r.place_id,"
	    " r.service_id, r.created_at FROM redemptions r"
	    " JOIN redemption_vouchers rv ON rv.redemption_id = r.id"
	    " JOIN vouchers v ON v.serial = rv.serial JOIN campaigns c ON c.id = v.campaign_id"
	    " WHERE c.funder_id = ?1 AND r.cancelled_at >= ?2 AND r.day <= ?3"
	    " ORDER BY v.booklet_id", DB_ARGS(DB_INT(d->funder_id), DB_INT(r->end),
	    DB_INT(r->last)), funder_row_late_cancel, d, e) != 0)
		return -1;
	if (db_each(db, "SELECT t.campaign_id, b.id, coalesce(b.distributor_id, 0), b.delivered_at,"
	    " h.day, h.distributor_id, h.created_at, v.campaign_id, v.status, v.issued_at,"
	    " v.changed_at, v.value_cents, r.day, r.place_id, r.service_id, r.created_at"
	    " FROM campaigns c CROSS JOIN batches t ON t.campaign_id = c.id"
	    " CROSS JOIN booklets b ON b.batch_id = t.id"
	    " LEFT JOIN handouts h ON h.booklet_id = b.id"
	    " LEFT JOIN vouchers v ON v.booklet_id = b.id"
	    " LEFT JOIN redemptions r INDEXED BY redemptions_current"
	    " ON r.id = v.redemption_id AND r.cancelled_at IS NULL"
	    " WHERE c.funder_id = ?1", DB_ARGS(DB_INT(d->funder_id)), funder_row, d, e) != 0 ||
	    funder_booklet_end(d, e) != 0)
		return -1;
	if (db_each(db, "SELECT o.campaign_id, o.period, sum(o.booklets) FROM handout_totals o"
	    " JOIN campaigns c ON c.id = o.campaign_id WHERE c.funder_id = ?1"
	    " AND o.period BETWEEN ?2 AND ?3 GROUP BY o.campaign_id, o.period",
	    DB_ARGS(DB_INT(d->funder_id), DB_TEXT(r->first_month), DB_TEXT(r->last_month)),
	    funder_row_handed, d, e) != 0)
		return -1;
	funder_parts_order(d);
	for (size_t i = 0; i < d->count; i++)
		for (int k = 0; k < FUNDER_MONTHS; k++)
			d->campaign[i].handed.count += d->campaign[i].month_handed[k].count,
			d->campaign[i].handed.booklets += d->campaign[i].month_handed[k].booklets;
	return 0;
}

static const struct report_column funder_campaign_columns[] = {
	{ "campaign", "Campagne", REPORT_COLUMN_TEXT, -1 },
	{ "booklets_issued", "Carnets émis", REPORT_COLUMN_COUNT, -1 },
	{ "booklets_delivered", "Carnets livrés aux distributeurs", REPORT_COLUMN_COUNT, -1 },
	{ "booklets_handed_out", "Carnets remis dans la période", REPORT_COLUMN_COUNT, -1 },
	{ "passes_redeemed", "Pass utilisés dans la période", REPORT_COLUMN_COUNT, -1 },
	{ "redeemed_cents", "Valeur utilisée (€)", REPORT_COLUMN_MONEY, 4 },
	{ NULL, NULL, 0, 0 },
};

static const struct report_column funder_state_columns[] = {
	{ "campaign", "Campagne", REPORT_COLUMN_TEXT, -1 },
	{ "passes_issued", "Pass émis", REPORT_COLUMN_COUNT, -1 },
	{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
	{ "passes_revoked", "Pass révoqués", REPORT_COLUMN_COUNT, -1 },
	{ "passes_expired", "Pass expirés", REPORT_COLUMN_COUNT, -1 },
	{ "passes_outstanding", "Pass en circulation", REPORT_COLUMN_COUNT, -1 },
	{ NULL, NULL, 0, 0 },
};

static const struct report_column funder_month_columns[] = {
	{ "month", "Mois", REPORT_COLUMN_TEXT, -1 },
	{ "booklets_handed_out", "Carnets remis", REPORT_COLUMN_COUNT, -1 },
	{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
	{ "redeemed_cents", "Valeur utilisée (€)", REPORT_COLUMN_MONEY, 2 },
	{ NULL, NULL, 0, 0 },
};

static const struct report_column funder_type_columns[] = {
	{ "place_type", "Type de lieu", REPORT_COLUMN_TEXT, -1 },
	{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
	{ "redeemed_cents", "Valeur utilisée (€)", REPORT_COLUMN_MONEY, 1 },
	{ NULL, NULL, 0, 0 },
};

static const struct report_column funder_service_columns[] = {
	{ "service", "Service", REPORT_COLUMN_TEXT, -1 },
	{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
	{ "redeemed_cents", "Valeur utilisée (€)", REPORT_COLUMN_MONEY, 1 },
	{ NULL, NULL, 0, 0 },
};

/* The breakdowns by territory end with its population (public, never
 * hidden) and the people reached per 1,000 inhabitants, hidden with the
 * count (funder_rate_set). */
static const struct report_column funder_epci_columns[] = {
	{ "epci", "EPCI du lieu (SIREN)", REPORT_COLUMN_TEXT, -1 },
	{ "epci_name", "Nom de l'EPCI", REPORT_COLUMN_TEXT, -1 },
	{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
	{ "redeemed_cents", "Valeur utilisée (€)", REPORT_COLUMN_MONEY, 2 },
	{ "population", "Population", REPORT_COLUMN_COUNT, -1 },
	{ "people_per_1000", "Personnes touchées pour 1 000 habitants", REPORT_COLUMN_TENTHS, 2 },
	{ NULL, NULL, 0, 0 },
};

static const struct report_column funder_distributor_columns[] = {
	{ "distributor", "Distributeur du carnet", REPORT_COLUMN_TEXT, -1 },
	{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
	{ "redeemed_cents", "Valeur utilisée (€)", REPORT_COLUMN_MONEY, 1 },
	{ NULL, NULL, 0, 0 },
};

static const struct report_column funder_department_columns[] = {
	{ "department", "Département du lieu", REPORT_COLUMN_TEXT, -1 },
	{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
	{ "redeemed_cents", "Valeur utilisée (€)", REPORT_COLUMN_MONEY, 1 },
	{ "population", "Population", REPORT_COLUMN_COUNT, -1 },
	{ "people_per_1000", "Personnes touchées pour 1 000 habitants", REPORT_COLUMN_TENTHS, 1 },
	{ NULL, NULL, 0, 0 },
};

/* "c12" for campaign 12, "all" for the total (c NULL). */
static void
funder_prefix(const struct funder_campaign *c, char buf[24])
{
	if (c == NULL)
		snprintf(buf, 24, "all");
	else
		snprintf(buf, 24, "c%lld", (long long)c->id);
}

/* Adds to sum the cells of c (for the total row). */
static void
funder_sum(struct funder_cell *sum, const struct funder_cell *c)
{
	sum->count += c->count;
	sum->cents += c->cents;
	sum->booklets += c->booklets;
}

/* Sets cells col (the population) and col + 1 (the rate) of row: booklets,
 * the people reached in the territory, per 1,000 of its population, in
 * tenths rounded half up with integers only; the rate is hidden with its
 * count (column follows) and, like the count, by its booklets. Both absent
 * when the population is unknown (0: the total row, « sans EPCI »). */
static void
funder_rate_set(struct report_table *t, int row, int col, int64_t population,
    int64_t booklets)
{
	struct report_cell *p = report_table_cell(t, (size_t)row, (size_t)col);
	struct report_cell *rate = report_table_cell(t, (size_t)row, (size_t)col + 1);

	if (population <= 0 || booklets < 0 || booklets > (INT64_MAX - population) / 10000) {
		p->absent = rate->absent = true;
		return;
	}
	report_cell_count(p, population, -1, NULL);
	report_cell_count(rate, (booklets * 10000 + population / 2) / population, booklets, NULL);
}

/* One row of the campaigns table (c NULL: the total, from total). */
static int
funder_campaign_row(struct report_table *t, const struct funder_campaign *c)
{
	char prefix[24], label[REGISTRY_NAME_MAX + 32];
	int row = report_table_row(t);

	if (row < 0)
		return -1;
	funder_prefix(c->id == 0 ? NULL : c, prefix);
	if (c->id == 0)
		snprintf(label, sizeof(label), "Total");
	else
		snprintf(label, sizeof(label), "n° %lld — %s", (long long)c->id, c->name);
	report_set_text(t, row, 0, label);
	report_set_count(t, row, 1, c->issued.booklets, c->issued.booklets, "%s.bi", prefix);
	report_set_count(t, row, 2, c->delivered.count, c->delivered.booklets, "%s.bd", prefix);
	report_set_count(t, row, 3, c->handed.count, c->handed.booklets, "%s.bh", prefix);
	report_set_count(t, row, 4, c->redeemed.count, c->redeemed.booklets, "%s.pr", prefix);
	report_set_money(t, row, 5, c->redeemed.cents);
	return 0;
}

static int
funder_state_row(struct report_table *t, const struct funder_campaign *c, const char *label)
{
	char prefix[24];
	int row = report_table_row(t);

	if (row < 0)
		return -1;
	funder_prefix(c->id == 0 ? NULL : c, prefix);
	report_set_text(t, row, 0, label);
	report_set_count(t, row, 1, c->issued.count, c->issued.booklets, "%s.si", prefix);
	for (int i = 0; i < ST_COUNT; i++)
		report_set_count(t, row, 2 + i, c->state[i].count, c->state[i].booklets, "%s.s%d",
		    prefix, i);
	return 0;
}

/* The month table of c (the total when c->id is 0). */
static int
funder_month_table(struct report_doc *doc, const struct report_range *r,
    const struct funder_campaign *c)
{
	char prefix[24], key[40], title[80], month[8];
	struct report_table *t;
	int row;

	funder_prefix(c->id == 0 ? NULL : c, prefix);
	snprintf(key, sizeof(key), "months_%s", prefix);
	if (c->id == 0)
		snprintf(title, sizeof(title), "Par mois, toutes campagnes");
	else
		snprintf(title, sizeof(title), "Par mois, campagne n° %lld", (long long)c->id);
	if ((t = report_doc_table(doc, key, title, funder_month_columns)) == NULL)
		return -1;
	t->total_row = true;
	if (c->id == 0) {
		t->chart_column = 2;
		snprintf(t->chart_title, sizeof(t->chart_title), "Pass utilisés par mois, toutes"
		    " campagnes");
	}
	for (int m = 0; m < r->months; m++) {
		if ((row = report_table_row(t)) < 0)
			return -1;
		report_month_name(r, m, month);
		report_set_text(t, row, 0, month);
		report_set_count(t, row, 1, c->month_handed[m].count, c->month_handed[m].booklets,
		    "%s.m%d.bh", prefix, m);
		report_set_count(t, row, 2, c->month_redeemed[m].count,
		    c->month_redeemed[m].booklets, "%s.m%d.pr", prefix, m);
		report_set_money(t, row, 3, c->month_redeemed[m].cents);
	}
	if ((row = report_table_row(t)) < 0)
		return -1;
	report_set_text(t, row, 0, "Total");
	report_set_count(t, row, 1, c->handed.count, c->handed.booklets, "%s.bh", prefix);
	report_set_count(t, row, 2, c->redeemed.count, c->redeemed.booklets, "%s.pr", prefix);
	report_set_money(t, row, 3, c->redeemed.cents);
	return 0;
}

static int
funder_department_table(struct report_doc *doc, const struct funder_campaign *c)
{
	char prefix[24], key[40], title[80];
	struct report_table *t;
	int64_t population;
	int row;

	funder_prefix(c->id == 0 ? NULL : c, prefix);
	snprintf(key, sizeof(key), "departments_%s", prefix);
	if (c->id == 0)
		snprintf(title, sizeof(title), "Par département du lieu, toutes campagnes");
	else
		snprintf(title, sizeof(title), "Par département du lieu, campagne n° %lld",
		    (long long)c->id);
	if ((t = report_doc_table(doc, key, title, funder_department_columns)) == NULL)
		return -1;
	t->total_row = true;
	for (size_t i = 0; i < c->departments; i++) {
		const struct funder_department *d = &c->department[i];

		if ((row = report_table_row(t)) < 0)
			return -1;
		if (territory_department_population(d->code, &population, NULL) != 0)
			population = 0;
		report_set_text(t, row, 0, d->code);
		report_set_count(t, row, 1, d->redeemed.count, d->redeemed.booklets, "%s.d%s.pr",
		    prefix, d->code);
		report_set_money(t, row, 2, d->redeemed.cents);
		funder_rate_set(t, row, 3, population, d->redeemed.booklets);
	}
	if ((row = report_table_row(t)) < 0)
		return -1;
	report_set_text(t, row, 0, "Total");
	report_set_count(t, row, 1, c->redeemed.count, c->redeemed.booklets, "%s.pr", prefix);
	report_set_money(t, row, 2, c->redeemed.cents);
	funder_rate_set(t, row, 3, 0, 0);
	return 0;
}

/* The total over d's campaigns, as a campaign of id 0 (departments merged). */
static void
funder_total(const struct funder_data *d, struct funder_campaign *all)
{
	memset(all, 0, sizeof(*all));
	for (size_t i = 0; i < d->count; i++) {
		const struct funder_campaign *c = &d->campaign[i];

		funder_sum(&all->issued, &c->issued);
		funder_sum(&all->delivered, &c->delivered);
		funder_sum(&all->handed, &c->handed);
		funder_sum(&all->redeemed, &c->redeemed);
		for (int s = 0; s < ST_COUNT; s++)
			funder_sum(&all->state[s], &c->state[s]);
		for (int m = 0; m < FUNDER_MONTHS; m++) {
			funder_sum(&all->month_handed[m], &c->month_handed[m]);
			funder_sum(&all->month_redeemed[m], &c->month_redeemed[m]);
		}
		for (size_t k = 0; k < c->departments; k++) {
			size_t j = 0;

			while (j < all->departments &&
			    strcmp(all->department[j].code, c->department[k].code) != 0)
				j++;
			if (j == FUNDER_DEPARTMENTS)
				continue;
			if (j == all->departments)
				all->department[all->departments++] = (struct funder_department){ 0 },
				memcpy(all->department[j].code, c->department[k].code, 4);
			funder_sum(&all->department[j].redeemed, &c->department[k].redeemed);
		}
	}
}

/* The kinds of breakdown: which column set, key letter, titles. */
struct funder_breakdown {
	const char *key;    /* table key prefix: "place_types" -> place_types_all, _c12 */
	const char *title;  /* "Par type de lieu" */
	char what;          /* key letter: t, s, e, g */
	const struct report_column *columns;
	size_t offset;      /* offsetof the parts in struct funder_data */
};

static int
funder_part_same(const struct funder_part *a, const struct funder_part *b)
{
	return a->id == b->id && strcmp(a->label, b->label) == 0;
}

/* The key of a breakdown row: "c12.tEPN.pr", "all.s3.pr", "all.e200054781.pr". */
static void
funder_part_key(const struct funder_breakdown *k, const char *prefix,
    const struct funder_part *part, char key[48])
{
	if (k->what == 's' || k->what == 'g')
		snprintf(key, 48, "%s.%c%lld.pr", prefix, k->what, (long long)part->id);
	else { /* the label cut so that ".pr" always fits (labels are short codes) */
		int room = 48 - (int)strlen(prefix) - 6;

		snprintf(key, 48, "%s.%c%.*s.pr", prefix, k->what, room > 0 ? room : 0, part->label);
	}
}

/* The label shown for a row: an EPCI without one, a booklet without a
 * distributor (never delivered) get words. */
static const char *
funder_part_label(const struct funder_breakdown *k, const struct funder_part *part)
{
	if (k->what == 'e' && part->label[0] == '\0')
		return "sans EPCI";
	if (k->what == 'g' && part->id == 0)
		return "distributeur inconnu";
	return part->label;
}

/* The cells of an EPCI's row beside its SIREN (code, "" for none or the
 * total row): its name, its population and its rate for booklets, the
 * people reached (an EPCI no longer in the table: no name, no rate).
 * Returns 0 or -1. */
static int
funder_epci_cells(struct report_table *t, int row, const char *code, int64_t booklets)
{
	const struct territory_epci *epci = NULL;

	if (code[0] != '\0' && territory_epci_find(code, &epci, NULL) != 0)
		epci = NULL;
	funder_rate_set(t, row, 4, epci != NULL ? epci->population : 0, booklets);
	return report_set_text(t, row, 1, epci != NULL ? epci->name : "");
}

/* A breakdown for campaign c, or over all campaigns (c->id 0): its rows, then
 * the total, the same quantity as the campaign's (all campaigns') redeemed
 * passes, key "c12.pr" ("all.pr"). */
static int
funder_part_table(struct report_doc *doc, const struct funder_data *d,
    const struct funder_breakdown *k, const struct funder_campaign *c)
{
	const struct funder_parts *p = (const struct funder_parts *)((const char *)d + k->offset);
	char prefix[24], key[48], title[96], cell_key[48];
	struct report_table *t;
	int row, col = k->what == 'e' ? 2 : 1; /* the count's column: an EPCI's name first */

	funder_prefix(c->id == 0 ? NULL : c, prefix);
	snprintf(key, sizeof(key), "%s_%s", k->key, prefix);
	if (c->id == 0)
		snprintf(title, sizeof(title), "%s, toutes campagnes", k->title);
	else
		snprintf(title, sizeof(title), "%s, campagne n° %lld", k->title, (long long)c->id);
	if ((t = report_doc_table(doc, key, title, k->columns)) == NULL)
		return -1;
	t->total_row = true;
	for (size_t i = 0; i < p->count; i++) {
		const struct funder_part *part = &p->part[i];
		struct funder_cell cell = { 0 };
		size_t j = 0;

		if (c->id != 0 && part->campaign != c->id)
			continue;
		if (c->id == 0) {
			/* one row per distinct part, at its first occurrence */
			while (j < i && !funder_part_same(&p->part[j], part))
				j++;
			if (j < i)
				continue;
			for (j = i; j < p->count; j++)
				if (funder_part_same(&p->part[j], part))
					funder_sum(&cell, &p->part[j].redeemed);
		} else
			cell = part->redeemed;
		if ((row = report_table_row(t)) < 0 ||
		    report_set_text(t, row, 0, funder_part_label(k, part)) != 0 ||
		    (k->what == 'e' && funder_epci_cells(t, row, part->label, cell.booklets) != 0))
			return -1;
		funder_part_key(k, prefix, part, cell_key);
		report_set_count(t, row, col, cell.count, cell.booklets, "%s", cell_key);
		report_set_money(t, row, col + 1, cell.cents);
	}
	if ((row = report_table_row(t)) < 0 || report_set_text(t, row, 0, "Total") != 0 ||
	    (k->what == 'e' && funder_epci_cells(t, row, "", 0) != 0))
		return -1;
	report_set_count(t, row, col, c->redeemed.count, c->redeemed.booklets, "%s.pr", prefix);
	report_set_money(t, row, col + 1, c->redeemed.cents);
	return 0;
}

/* Each row of a breakdown over all campaigns is the sum of the campaigns'
 * rows of the same part. */
static int
funder_part_groups(struct report_doc *doc, const struct funder_data *d,
    const struct funder_breakdown *k)
{
	const struct funder_parts *p = (const struct funder_parts *)((const char *)d + k->offset);
	struct report_key_group *g;
	char prefix[24], key[48];

	for (size_t i = 0; i < p->count; i++) {
		const struct funder_part *part = &p->part[i];
		size_t j = 0;
		int rc;

		while (j < i && !funder_part_same(&p->part[j], part))
			j++;
		if (j < i)
			continue;
		if ((g = report_doc_key_group(doc)) == NULL)
			return -1;
		funder_part_key(k, "all", part, key);
		rc = report_key_group_add(g, "%s", key);
		for (j = i; rc == 0 && j < p->count; j++) {
			if (!funder_part_same(&p->part[j], part))
				continue;
			snprintf(prefix, sizeof(prefix), "c%lld", (long long)p->part[j].campaign);
			funder_part_key(k, prefix, part, key);
			rc = report_key_group_add(g, "%s", key);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* The cross-table sums: each month's and département's total across
 * campaigns is the sum of the campaigns' cells. */
static int
funder_key_groups(struct report_doc *doc, const struct funder_data *d,
    const struct funder_campaign *all, const struct report_range *r)
{
	static const char *const what[] = { "bh", "pr" };
	struct report_key_group *g;

	for (int m = 0; m < r->months; m++)
		for (int w = 0; w < 2; w++) {
			if ((g = report_doc_key_group(doc)) == NULL ||
			    report_key_group_add(g, "all.m%d.%s", m, what[w]) != 0)
				return -1;
			for (size_t i = 0; i < d->count; i++)
				if (report_key_group_add(g, "c%lld.m%d.%s", (long long)d->campaign[i].id,
				    m, what[w]) != 0)
					return -1;
		}
	for (size_t k = 0; k < all->departments; k++) {
		if ((g = report_doc_key_group(doc)) == NULL ||
		    report_key_group_add(g, "all.d%s.pr", all->department[k].code) != 0)
			return -1;
		for (size_t i = 0; i < d->count; i++)
			if (report_key_group_add(g, "c%lld.d%s.pr", (long long)d->campaign[i].id,
			    all->department[k].code) != 0)
				return -1;
	}
	return 0;
}

static void
funder_glossary(struct report_doc *doc)
{
	report_doc_term(doc, "Carnet", "un carnet de pass remis à une personne ; un carnet"
	    " compte pour une personne.");
	report_doc_term(doc, "Carnets émis", "carnets dont les pass ont été signés et activés.");
	report_doc_term(doc, "Carnets remis", "carnets remis à une personne par un distributeur"
	    " pendant la période.");
	report_doc_term(doc, "Pass utilisés", "pass échangés contre un service dans un lieu"
	    " (annulations déduites).");
	report_doc_term(doc, "Pass en circulation", "pass émis encore utilisables à la fin de"
	    " la période.");
	report_doc_term(doc, "Pass révoqués / expirés", "pass rendus inutilisables (perte, vol)"
	    " / dont la date limite est passée.");
	report_doc_term(doc, "« < 11 »", "case masquée : elle concerne de 1 à 10 carnets (donc"
	    " de personnes), ou permettrait de retrouver une autre case masquée.");
	report_doc_term(doc, "EPCI du lieu", "intercommunalité (SIREN et nom) de la commune où se"
	    " trouve le lieu, d'après la table officielle des communes ; « sans EPCI » pour une"
	    " commune qui n'en a pas.");
	report_doc_term(doc, "Personnes touchées pour 1 000 habitants", "carnets (personnes) dont"
	    " au moins un pass a été utilisé dans un lieu du département ou de l'EPCI pendant la"
	    " période, pour 1 000 habitants de ce territoire (population municipale) ; masqué avec"
	    " le nombre de pass dont il découle.");
	report_doc_term(doc, "Distributeur du carnet", "structure qui a reçu le carnet et l'a"
	    " remis à la personne.");
	report_doc_term(doc, "Provisoire", "la période n'est pas terminée : les chiffres"
	    " changeront.");
}

/* Names the populations' vintage once: a note, and JSON population_source. */
static void
funder_population_note(struct report_doc *doc)
{
	char note[300];

	doc->population_source = territory_population_source();
	snprintf(note, sizeof(note), "Taux pour 1 000 habitants (par département et par EPCI du"
	    " lieu) : %s.", doc->population_source);
	report_doc_note(doc, note);
}

static const struct funder_breakdown funder_breakdowns[] = {
	{ "place_types", "Par type de lieu", 't', funder_type_columns,
	    offsetof(struct funder_data, types) },
	{ "services", "Par service", 's', funder_service_columns,
	    offsetof(struct funder_data, services) },
	{ "epcis", "Par EPCI du lieu", 'e', funder_epci_columns,
	    offsetof(struct funder_data, epcis) },
	{ "distributors", "Par distributeur du carnet", 'g', funder_distributor_columns,
	    offsetof(struct funder_data, distributors) },
};
#define FUNDER_BREAKDOWNS (sizeof(funder_breakdowns) / sizeof(funder_breakdowns[0]))

static int
funder_tables(struct report_doc *doc, struct funder_data *d, const struct report_range *r)
{
	struct funder_campaign *all = malloc(sizeof(*all));
	struct report_table *campaigns = report_doc_table(doc, "campaigns",
	    "Par campagne, pour la période", funder_campaign_columns);
	struct report_table *state = report_doc_table(doc, "passes_state",
	    "Situation des pass à la fin de la période", funder_state_columns);
	char label[REGISTRY_NAME_MAX + 32];
	int rc = -1;

	if (all == NULL || campaigns == NULL || state == NULL)
		goto done;
	funder_total(d, all);
	campaigns->total_row = state->total_row = true;
	state->groups = 1;
	state->group[0] = (struct report_group){ 5, { 1, 2, 3, 4, 5 } };
	for (size_t i = 0; i < d->count; i++) {
		snprintf(label, sizeof(label), "n° %lld — %s", (long long)d->campaign[i].id,
		    d->campaign[i].name);
		if (funder_campaign_row(campaigns, &d->campaign[i]) != 0 ||
		    funder_state_row(state, &d->campaign[i], label) != 0)
			goto done;
	}
	if (funder_campaign_row(campaigns, all) != 0 || funder_state_row(state, all, "Total") != 0 ||
	    funder_month_table(doc, r, all) != 0 || funder_department_table(doc, all) != 0)
		goto done;
	for (size_t k = 0; k < FUNDER_BREAKDOWNS; k++)
		if (funder_part_table(doc, d, &funder_breakdowns[k], all) != 0)
			goto done;
	for (size_t i = 0; i < d->count; i++) {
		if (funder_month_table(doc, r, &d->campaign[i]) != 0 ||
		    funder_department_table(doc, &d->campaign[i]) != 0)
			goto done;
		for (size_t k = 0; k < FUNDER_BREAKDOWNS; k++)
			if (funder_part_table(doc, d, &funder_breakdowns[k], &d->campaign[i]) != 0)
				goto done;
	}
	if (funder_key_groups(doc, d, all, r) != 0)
		goto done;
	for (size_t k = 0; k < FUNDER_BREAKDOWNS; k++)
		if (funder_part_groups(doc, d, &funder_breakdowns[k]) != 0)
			goto done;
	rc = 0;
done:
	free(all);
	return rc;
}

/* Frees what d holds (not d) but its indicators. */
static void
funder_data_clear(struct funder_data *d)
{
	for (size_t i = 0; i < d->places; i++)
		free(d->place[i].type_part), free(d->place[i].epci_part),
		    free(d->place[i].department_part);
	for (size_t i = 0; i < d->service_names.count; i++)
		free(d->service_names.item[i].part);
	for (size_t i = 0; i < d->distributor_names.count; i++)
		free(d->distributor_names.item[i].part);
	free(d->place);
	free(d->service_names.item);
	free(d->distributor_names.item);
	free(d->no_distributor_part);
	free(d->late_cancel);
	free(d->campaign);
	free(d->types.part);
	free(d->services.part);
	free(d->epcis.part);
	free(d->distributors.part);
	free(d->departments.part);
}

int
report_funder_build(struct db *db, int64_t id, const struct report_range *r,
    struct report_doc *doc, struct error *e)
{
	struct funder_data *d = calloc(1, sizeof(*d));
	struct funder f;
	int rc = -1;

	if (d == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	d->range = *r;
	d->funder_id = id;
	if (registry_funder_get(db, id, &f, e) != 0)
		goto done;
	doc->kind = "funder";
	doc->suppress = true;
	snprintf(doc->title, sizeof(doc->title), "Rapport au financeur — %s", f.public_name);
	snprintf(doc->subject, sizeof(doc->subject), "Financeur : %s", f.public_name);
	if (db_read(db, funder_read, d, e) != 0)
		goto done;
	if (funder_tables(doc, d, &d->range) != 0) {
		error_set(e, 500, "NO_MEMORY", "out of memory building the report");
		goto done;
	}
	report_doc_note(doc, "Agrégats seulement : aucune donnée sur une personne. Une case"
	    " portant sur 1 à 10 carnets est masquée (« < 11 »), ainsi que ce qui permettrait"
	    " de la recalculer.");
	funder_population_note(doc);
	funder_glossary(doc);
	rc = report_indicators_end(d->ind, doc, e);
	d->ind = NULL;
	if (rc != 0 || report_close_add(db, id, doc, e) != 0 || report_float_add(db, id, doc, e) != 0) {
		rc = -1;
		goto done;
	}
	rc = 0;
done:
	report_indicators_end(d->ind, NULL, e);
	funder_data_clear(d);
	free(d);
	return rc;
}
