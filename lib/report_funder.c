/* The funder report: per campaign and in total, booklets issued, delivered
 * and handed out, passes redeemed (count, value), and the passes' state at
 * the end of the period; by month, by département and EPCI of the place, by
 * place type, by service and by the booklet's distributor. Cells
 * count passes but are hidden by the booklets (people) behind them. */
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "registry.h"
#include "report.h"
#include "report_private.h"

#define FUNDER_MONTHS 12
#define FUNDER_DEPARTMENTS 128
enum { ST_REDEEMED, ST_REVOKED, ST_EXPIRED, ST_OUTSTANDING, ST_COUNT };

struct funder_cell {
	int64_t count, cents, booklets;
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
	size_t count;
	struct funder_part *part;
	int failed;
};

struct funder_data {
	struct report_range range;
	int64_t funder_id;
	size_t count;
	struct funder_campaign *campaign;
	struct funder_parts types, services, epcis, distributors;
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

static struct funder_campaign *
funder_find(struct funder_data *d, int64_t id)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->campaign[i].id == id)
			return &d->campaign[i];
	return NULL;
}

static void
funder_cell_add(struct funder_cell *c, const struct db_row *row, int first)
{
	c->count += db_row_int64(row, first);
	c->cents += db_row_int64(row, first + 1);
	c->booklets += db_row_int64(row, first + 2);
}

/* Rows (campaign, count, cents, booklets) into the campaign cell at offset. */
struct funder_pick {
	struct funder_data *d;
	size_t offset; /* offsetof the cell in struct funder_campaign */
};

static int
funder_row_cell(const struct db_row *row, void *ctx, struct error *e)
{
	struct funder_pick *p = ctx;
	struct funder_campaign *c = funder_find(p->d, db_row_int64(row, 0));

	(void)e;
	if (c != NULL)
		funder_cell_add((struct funder_cell *)((char *)c + p->offset), row, 1);
	return 0;
}

/* Rows (campaign, state, count, cents, booklets). */
static int
funder_row_state(const struct db_row *row, void *ctx, struct error *e)
{
	static const char *const names[ST_COUNT] = { "redeemed", "revoked", "expired", "issued" };
	struct funder_campaign *c = funder_find(ctx, db_row_int64(row, 0));
	char state[16];

	(void)e;
	db_row_text(row, 1, state, sizeof(state));
	for (int i = 0; c != NULL && i < ST_COUNT; i++)
		if (strcmp(state, names[i]) == 0)
			funder_cell_add(&c->state[i], row, 2);
	return 0;
}

/* Rows (campaign, YYYY-MM, count, cents, booklets) into month_handed or
 * month_redeemed (pick->offset). */
static int
funder_row_month(const struct db_row *row, void *ctx, struct error *e)
{
	struct funder_pick *p = ctx;
	struct funder_campaign *c = funder_find(p->d, db_row_int64(row, 0));
	char month[8];
	int index;

	(void)e;
	db_row_text(row, 1, month, sizeof(month));
	index = report_month_index(&p->d->range, month);
	if (c != NULL && index >= 0 && index < FUNDER_MONTHS)
		funder_cell_add((struct funder_cell *)((char *)c + p->offset) + index, row, 2);
	return 0;
}

/* Rows (campaign, département, count, cents, booklets). */
static int
funder_row_department(const struct db_row *row, void *ctx, struct error *e)
{
	struct funder_campaign *c = funder_find(ctx, db_row_int64(row, 0));
	struct funder_department *dep;

	(void)e;
	if (c == NULL || c->departments == FUNDER_DEPARTMENTS)
		return 0;
	dep = &c->department[c->departments++];
	db_row_text(row, 1, dep->code, sizeof(dep->code));
	funder_cell_add(&dep->redeemed, row, 2);
	return 0;
}

/* The passes redeemed in the period, not cancelled by its end; join: one
 * more table when a breakdown needs it. */
#define FUNDER_REDEEMED_JOIN(join) \
	" FROM redemptions r JOIN redemption_vouchers rv ON rv.redemption_id = r.id" \
	" JOIN vouchers v ON v.serial = rv.serial JOIN campaigns c ON c.id = v.campaign_id" \
	" JOIN places p ON p.id = r.place_id" join \
	" WHERE c.funder_id = ?1 AND r.day BETWEEN ?2 AND ?3" \
	" AND (r.cancelled_at IS NULL OR r.cancelled_at >= ?4)"
#define FUNDER_REDEEMED_FROM FUNDER_REDEEMED_JOIN("")
#define FUNDER_SUMS ", count(*), sum(v.value_cents), count(DISTINCT v.booklet_id)"

/* Rows (campaign, label, id, count, cents, booklets) of a breakdown. */
static int
funder_row_part(const struct db_row *row, void *ctx, struct error *e)
{
	struct funder_parts *p = ctx;
	struct funder_part *grown = realloc(p->part, (p->count + 1) * sizeof(*grown));

	(void)e;
	if (grown == NULL)
		return p->failed = -1;
	p->part = grown;
	memset(&grown[p->count], 0, sizeof(*grown));
	grown[p->count].campaign = db_row_int64(row, 0);
	db_row_text(row, 1, grown[p->count].label, sizeof(grown->label));
	grown[p->count].id = db_row_int64(row, 2);
	funder_cell_add(&grown[p->count].redeemed, row, 3);
	p->count++;
	return 0;
}

/* Reads every figure of the report into d (one read transaction). */
static int
funder_read(struct db *db, void *ctx, struct error *e)
{
	struct funder_data *d = ctx;
	const struct report_range *r = &d->range;
	struct funder_pick issued = { d, offsetof(struct funder_campaign, issued) };
	struct funder_pick delivered = { d, offsetof(struct funder_campaign, delivered) };
	struct funder_pick redeemed = { d, offsetof(struct funder_campaign, redeemed) };
	struct funder_pick handed = { d, offsetof(struct funder_campaign, month_handed) };
	struct funder_pick monthly = { d, offsetof(struct funder_campaign, month_redeemed) };
	const struct db_value *range = DB_ARGS(DB_INT(d->funder_id), DB_INT(r->first),
	    DB_INT(r->last), DB_INT(r->end));

	if (registry_campaign_list(db, d->funder_id, funder_campaign_add, d, e) != 0 || d->failed)
		return -1;
	if (db_each(db, "SELECT v.campaign_id, count(*), sum(v.value_cents),"
	    " count(DISTINCT v.booklet_id) FROM vouchers v JOIN campaigns c ON c.id = v.campaign_id"
	    " WHERE c.funder_id = ?1 AND v.status <> 'pending' AND v.issued_at < ?2"
	    " GROUP BY v.campaign_id", DB_ARGS(DB_INT(d->funder_id), DB_INT(r->end)),
	    funder_row_cell, &issued, e) != 0 ||
	    db_each(db, "SELECT v.campaign_id, CASE WHEN v.status <> 'issued' AND v.changed_at < ?2"
	    " THEN v.status ELSE 'issued' END AS state, count(*), sum(v.value_cents),"
	    " count(DISTINCT v.booklet_id) FROM vouchers v JOIN campaigns c ON c.id = v.campaign_id"
	    " WHERE c.funder_id = ?1 AND v.status <> 'pending' AND v.issued_at < ?2"
	    " GROUP BY v.campaign_id, state", DB_ARGS(DB_INT(d->funder_id), DB_INT(r->end)),
	    funder_row_state, d, e) != 0 ||
	    db_each(db, "SELECT t.campaign_id, count(*), 0, count(*) FROM booklets b"
	    " JOIN batches t ON t.id = b.batch_id JOIN campaigns c ON c.id = t.campaign_id"
	    " WHERE c.funder_id = ?1 AND b.delivered_at IS NOT NULL AND b.delivered_at < ?2"
	    " GROUP BY t.campaign_id", DB_ARGS(DB_INT(d->funder_id), DB_INT(r->end)),
	    funder_row_cell, &delivered, e) != 0)
		return -1;
	if (db_each(db, "SELECT t.campaign_id, substr(date(h.day * 86400, 'unixepoch'), 1, 7) AS m,"
	    " count(*), 0, count(*) FROM handouts h JOIN booklets b ON b.id = h.booklet_id"
	    " JOIN batches t ON t.id = b.batch_id JOIN campaigns c ON c.id = t.campaign_id"
	    " WHERE c.funder_id = ?1 AND h.day BETWEEN ?2 AND ?3 GROUP BY t.campaign_id, m"
	    " UNION ALL SELECT o.campaign_id, o.period, sum(o.booklets), 0, sum(o.booklets)"
	    " FROM handout_totals o JOIN campaigns c ON c.id = o.campaign_id WHERE c.funder_id = ?1"
	    " AND o.period BETWEEN ?4 AND ?5 GROUP BY o.campaign_id, o.period",
	    DB_ARGS(DB_INT(d->funder_id), DB_INT(r->first), DB_INT(r->last),
	    DB_TEXT(r->first_month), DB_TEXT(r->last_month)), funder_row_month, &handed, e) != 0 ||
	    db_each(db, "SELECT v.campaign_id" FUNDER_SUMS FUNDER_REDEEMED_FROM
	    " GROUP BY v.campaign_id", range, funder_row_cell, &redeemed, e) != 0 ||
	    db_each(db, "SELECT v.campaign_id, substr(date(r.day * 86400, 'unixepoch'), 1, 7) AS m"
	    FUNDER_SUMS FUNDER_REDEEMED_FROM " GROUP BY v.campaign_id, m", range,
	    funder_row_month, &monthly, e) != 0 ||
	    db_each(db, "SELECT v.campaign_id, p.department" FUNDER_SUMS FUNDER_REDEEMED_FROM
	    " GROUP BY v.campaign_id, p.department ORDER BY p.department", range,
	    funder_row_department, d, e) != 0 ||
	    db_each(db, "SELECT v.campaign_id, p.type, 0" FUNDER_SUMS FUNDER_REDEEMED_FROM
	    " GROUP BY p.type, v.campaign_id ORDER BY p.type", range, funder_row_part, &d->types,
	    e) != 0 ||
	    db_each(db, "SELECT v.campaign_id, (SELECT name FROM services WHERE id = r.service_id),"
	    " r.service_id" FUNDER_SUMS FUNDER_REDEEMED_FROM " GROUP BY r.service_id, v.campaign_id"
	    " ORDER BY r.service_id", range, funder_row_part, &d->services, e) != 0 ||
	    db_each(db, "SELECT v.campaign_id, p.epci, 0" FUNDER_SUMS FUNDER_REDEEMED_FROM
	    " GROUP BY p.epci, v.campaign_id ORDER BY p.epci", range, funder_row_part, &d->epcis,
	    e) != 0 ||
	    db_each(db, "SELECT v.campaign_id, coalesce((SELECT name FROM distributors"
	    " WHERE id = b.distributor_id), ''), coalesce(b.distributor_id, 0)" FUNDER_SUMS
	    FUNDER_REDEEMED_JOIN(" JOIN booklets b ON b.id = v.booklet_id") " GROUP BY b.distributor_id, v.campaign_id ORDER BY b.distributor_id", range,
	    funder_row_part, &d->distributors, e) != 0)
		return -1;
	if (d->types.failed || d->services.failed || d->epcis.failed || d->distributors.failed)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	for (size_t i = 0; i < d->count; i++)
		for (int m = 0; m < FUNDER_MONTHS; m++)
			d->campaign[i].handed.count += d->campaign[i].month_handed[m].count,
			d->campaign[i].handed.booklets += d->campaign[i].month_handed[m].booklets;
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

static const struct report_column funder_epci_columns[] = {
	{ "epci", "EPCI du lieu (SIREN)", REPORT_COLUMN_TEXT, -1 },
	{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
	{ "redeemed_cents", "Valeur utilisée (€)", REPORT_COLUMN_MONEY, 1 },
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
		report_set_text(t, row, 0, d->code);
		report_set_count(t, row, 1, d->redeemed.count, d->redeemed.booklets, "%s.d%s.pr",
		    prefix, d->code);
		report_set_money(t, row, 2, d->redeemed.cents);
	}
	if ((row = report_table_row(t)) < 0)
		return -1;
	report_set_text(t, row, 0, "Total");
	report_set_count(t, row, 1, c->redeemed.count, c->redeemed.booklets, "%s.pr", prefix);
	report_set_money(t, row, 2, c->redeemed.cents);
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
	int row;

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
		    report_set_text(t, row, 0, funder_part_label(k, part)) != 0)
			return -1;
		funder_part_key(k, prefix, part, cell_key);
		report_set_count(t, row, 1, cell.count, cell.booklets, "%s", cell_key);
		report_set_money(t, row, 2, cell.cents);
	}
	if ((row = report_table_row(t)) < 0 || report_set_text(t, row, 0, "Total") != 0)
		return -1;
	report_set_count(t, row, 1, c->redeemed.count, c->redeemed.booklets, "%s.pr", prefix);
	report_set_money(t, row, 2, c->redeemed.cents);
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
	report_doc_term(doc, "EPCI du lieu", "intercommunalité (SIREN) de la commune où se trouve"
	    " le lieu, d'après la table officielle des communes ; « sans EPCI » pour une commune"
	    " qui n'en a pas.");
	report_doc_term(doc, "Distributeur du carnet", "structure qui a reçu le carnet et l'a"
	    " remis à la personne.");
	report_doc_term(doc, "Provisoire", "la période n'est pas terminée : les chiffres"
	    " changeront.");
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

int
report_funder_build(struct db *db, int64_t id, const struct report_range *r,
    struct report_doc *doc, struct error *e)
{
	struct funder_data d = { .range = *r, .funder_id = id };
	struct funder f;
	int rc = -1;

	if (registry_funder_get(db, id, &f, e) != 0)
		return -1;
	doc->kind = "funder";
	doc->suppress = true;
	snprintf(doc->title, sizeof(doc->title), "Rapport au financeur — %s", f.public_name);
	snprintf(doc->subject, sizeof(doc->subject), "Financeur : %s", f.public_name);
	if (db_read(db, funder_read, &d, e) != 0)
		goto done;
	if (funder_tables(doc, &d, r) != 0) {
		error_set(e, 500, "NO_MEMORY", "out of memory building the report");
		goto done;
	}
	report_doc_note(doc, "Agrégats seulement : aucune donnée sur une personne. Une case"
	    " portant sur 1 à 10 carnets est masquée (« < 11 »), ainsi que ce qui permettrait"
	    " de la recalculer.");
	funder_glossary(doc);
	if (report_indicators_add(db, id, r, doc, e) != 0 || report_close_add(db, id, doc, e) != 0 ||
	    report_float_add(db, id, doc, e) != 0)
		goto done;
	rc = 0;
done:
	free(d.campaign);
	free(d.types.part);
	free(d.services.part);
	free(d.epcis.part);
	free(d.distributors.part);
	return rc;
}
