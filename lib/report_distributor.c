/* The distributor report: booklets received, handed out and returned by
 * month, the booklets in stock with their numbers, and their campaigns'
 * last days (alert 30 days before). Campaigns are named by number and the funder's
 * public name, never by their internal name. */
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "registry.h"
#include "report_private.h"

#define DISTRIBUTOR_MONTHS 12
#define DISTRIBUTOR_NUMBERS 4096

struct distributor_stock {
	int64_t campaign_id, count, first, last; /* the range being extended */
	int32_t last_day;
	char funder[REGISTRY_NAME_MAX + 1];
	char *numbers;                            /* "1-5, 8", owned */
};

struct distributor_data {
	int64_t id;
	const struct report_range *range;
	int64_t received[DISTRIBUTOR_MONTHS], handed[DISTRIBUTOR_MONTHS];
	int64_t returned[DISTRIBUTOR_MONTHS];
	size_t stocks;
	struct distributor_stock *stock;
	int32_t today;
};

static void
distributor_flush(struct distributor_stock *s)
{
	size_t len = strlen(s->numbers);

	if (s->first == 0 || len + 48 > DISTRIBUTOR_NUMBERS)
		return;
	if (s->first == s->last)
		snprintf(s->numbers + len, DISTRIBUTOR_NUMBERS - len, "%s%lld", len ? ", " : "",
		    (long long)s->first);
	else
		snprintf(s->numbers + len, DISTRIBUTOR_NUMBERS - len, "%s%lld-%lld", len ? ", " : "",
		    (long long)s->first, (long long)s->last);
	s->first = s->last = 0;
}

/* Rows (campaign, funder public name, last day, booklet) in campaign and
 * booklet order. */
static int
distributor_stock_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct distributor_data *d = ctx;
	struct distributor_stock *s = d->stocks ? &d->stock[d->stocks - 1] : NULL;
	int64_t booklet = db_row_int64(row, 3);

	if (s == NULL || s->campaign_id != db_row_int64(row, 0)) {
		struct distributor_stock *grown;

		if (s != NULL) /* before the realloc that may move it */
			distributor_flush(s);
		grown = realloc(d->stock, (d->stocks + 1) * sizeof(*grown));
		if (grown == NULL)
			return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
		d->stock = grown;
		s = &grown[d->stocks++];
		memset(s, 0, sizeof(*s));
		if ((s->numbers = calloc(1, DISTRIBUTOR_NUMBERS)) == NULL)
			return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
		s->campaign_id = db_row_int64(row, 0);
		db_row_text(row, 1, s->funder, sizeof(s->funder));
		s->last_day = (int32_t)db_row_int64(row, 2);
	}
	if (s->first != 0 && booklet == s->last + 1) {
		s->last = booklet;
	} else {
		distributor_flush(s);
		s->first = s->last = booklet;
	}
	s->count++;
	return 0;
}

/* Rows (YYYY-MM, count) into the array at ctx's month slots. */
struct distributor_months {
	const struct report_range *range;
	int64_t *slot;
};

static int
distributor_month_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct distributor_months *m = ctx;
	char month[8];
	int i;

	(void)e;
	db_row_text(row, 0, month, sizeof(month));
	if ((i = report_month_index(m->range, month)) >= 0 && i < DISTRIBUTOR_MONTHS)
		m->slot[i] += db_row_int64(row, 1);
	return 0;
}

static int
distributor_read(struct db *db, void *ctx, struct error *e)
{
	struct distributor_data *d = ctx;
	const struct report_range *r = d->range;
	struct distributor_months received = { r, d->received }, handed = { r, d->handed };
	struct distributor_months returned = { r, d->returned };
	int64_t start = clock_local_day_start(r->first, CLOCK_TZ_PARIS);

	/* Received: the booklets it holds or handed out, and those it gave
	 * back (their delivery instant kept by the return). */
	if (db_each(db, "SELECT strftime('%Y-%m', b.delivered_at, 'unixepoch', 'localtime'), count(*)"
	    " FROM booklets b WHERE b.distributor_id = ?1 AND b.delivered_at >= ?2"
	    " AND b.delivered_at < ?3 GROUP BY 1 UNION ALL"
	    " SELECT strftime('%Y-%m', delivered_at, 'unixepoch', 'localtime'), count(*)"
	    " FROM booklet_returns WHERE distributor_id = ?1 AND delivered_at >= ?2"
	    " AND delivered_at < ?3 GROUP BY 1", DB_ARGS(DB_INT(d->id), DB_INT(start),
	    DB_INT(r->end)), distributor_month_row, &received, e) != 0 ||
	    db_each(db, "SELECT substr(date(day * 86400, 'unixepoch'), 1, 7), count(*)"
	    " FROM booklet_returns WHERE distributor_id = ?1 AND day BETWEEN ?2 AND ?3"
	    " AND created_at < ?4 GROUP BY 1", DB_ARGS(DB_INT(d->id), DB_INT(r->first),
	    DB_INT(r->last), DB_INT(r->end)), distributor_month_row, &returned, e) != 0 ||
	    db_each(db, "SELECT substr(date(day * 86400, 'unixepoch'), 1, 7) AS m, count(*)"
	    " FROM handouts WHERE distributor_id = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY m"
	    " UNION ALL SELECT period, sum(booklets) FROM handout_totals WHERE distributor_id = ?1"
	    " AND period BETWEEN ?4 AND ?5 GROUP BY period", DB_ARGS(DB_INT(d->id),
	    DB_INT(r->first), DB_INT(r->last), DB_TEXT(r->first_month), DB_TEXT(r->last_month)),
	    distributor_month_row, &handed, e) != 0 ||
	    db_each(db, "SELECT t.campaign_id, f.public_name, c.last_day, b.id FROM booklets b"
	    " JOIN batches t ON t.id = b.batch_id JOIN campaigns c ON c.id = t.campaign_id"
	    " JOIN funders f ON f.id = c.funder_id WHERE b.distributor_id = ?1"
	    " AND b.status = 'delivered' ORDER BY t.campaign_id, b.id", DB_ARGS(DB_INT(d->id)),
	    distributor_stock_row, d, e) != 0)
		return -1;
	if (d->stocks > 0)
		distributor_flush(&d->stock[d->stocks - 1]);
	return 0;
}

static const struct report_column distributor_month_columns[] = {
	{ "month", "Mois", REPORT_COLUMN_TEXT, -1 },
	{ "booklets_received", "Carnets reçus", REPORT_COLUMN_COUNT, -1 },
	{ "booklets_handed_out", "Carnets remis", REPORT_COLUMN_COUNT, -1 },
	{ "booklets_returned", "Carnets rendus", REPORT_COLUMN_COUNT, -1 },
	{ NULL, NULL, 0, 0 },
};

static const struct report_column distributor_stock_columns[] = {
	{ "campaign", "Campagne", REPORT_COLUMN_TEXT, -1 },
	{ "booklets_in_stock", "Carnets en stock", REPORT_COLUMN_COUNT, -1 },
	{ "booklet_numbers", "Numéros des carnets", REPORT_COLUMN_TEXT, -1 },
	{ "last_day", "Dernier jour de la campagne", REPORT_COLUMN_TEXT, -1 },
	{ "alert", "Alerte", REPORT_COLUMN_TEXT, -1 },
	{ NULL, NULL, 0, 0 },
};

static int
distributor_tables(struct report_doc *doc, struct distributor_data *d)
{
	struct report_table *months = report_doc_table(doc, "months", "Carnets reçus, remis et"
	    " rendus, par mois", distributor_month_columns);
	struct report_table *stock = report_doc_table(doc, "stock", "Carnets en stock (à la date du"
	    " rapport)", distributor_stock_columns);
	int64_t received = 0, handed = 0, returned = 0;
	char text[REGISTRY_NAME_MAX + 64], day[DATE_FORMAT_SIZE];
	int row;

	if (months == NULL || stock == NULL)
		return -1;
	months->total_row = true;
	months->chart_column = 2;
	snprintf(months->chart_title, sizeof(months->chart_title), "Carnets remis, par mois");
	for (int m = 0; m <= d->range->months; m++) {
		if ((row = report_table_row(months)) < 0)
			return -1;
		if (m == d->range->months) {
			report_set_text(months, row, 0, "Total");
			report_set_count(months, row, 1, received, -1, "%s", "");
			report_set_count(months, row, 2, handed, -1, "%s", "");
			report_set_count(months, row, 3, returned, -1, "%s", "");
			break;
		}
		report_month_name(d->range, m, text);
		report_set_text(months, row, 0, text);
		report_set_count(months, row, 1, d->received[m], -1, "%s", "");
		report_set_count(months, row, 2, d->handed[m], -1, "%s", "");
		report_set_count(months, row, 3, d->returned[m], -1, "%s", "");
		received += d->received[m];
		handed += d->handed[m];
		returned += d->returned[m];
	}
	for (size_t i = 0; i < d->stocks; i++) {
		const struct distributor_stock *s = &d->stock[i];

		if ((row = report_table_row(stock)) < 0)
			return -1;
		snprintf(text, sizeof(text), "n° %lld — %s", (long long)s->campaign_id, s->funder);
		date_format(s->last_day, day);
		report_set_text(stock, row, 0, text);
		report_set_count(stock, row, 1, s->count, -1, "%s", "");
		report_set_text(stock, row, 2, s->numbers);
		report_set_text(stock, row, 3, day);
		if (s->last_day < d->today)
			snprintf(text, sizeof(text), "campagne terminée : rendre les carnets");
		else if (s->last_day - d->today <= 30)
			snprintf(text, sizeof(text), "se termine dans %d jours", s->last_day - d->today);
		else
			text[0] = '\0';
		report_set_text(stock, row, 4, text);
	}
	return 0;
}

int
report_distributor_build(struct db *db, int64_t id, const struct report_range *r,
    struct report_doc *doc, struct error *e)
{
	struct distributor_data d = { .id = id, .range = r };
	struct distributor dist;
	int rc = -1;

	if (registry_distributor_get(db, id, &dist, e) != 0)
		return -1;
	d.today = clock_local_day(r->now, CLOCK_TZ_PARIS);
	doc->kind = "distributor";
	snprintf(doc->title, sizeof(doc->title), "Carnets du distributeur — %s", dist.name);
	snprintf(doc->subject, sizeof(doc->subject), "Distributeur : %s", dist.name);
	if (db_read(db, distributor_read, &d, e) != 0)
		goto done;
	if (distributor_tables(doc, &d) != 0) {
		error_set(e, 500, "NO_MEMORY", "out of memory building the report");
		goto done;
	}
	report_doc_term(doc, "Carnets reçus", "carnets livrés au distributeur pendant le mois.");
	report_doc_term(doc, "Carnets remis", "carnets remis à une personne pendant le mois.");
	report_doc_term(doc, "Carnets rendus", "carnets rendus à l'opérateur pendant le mois"
	    " (inutilisés, perdus, ou repris par l'opérateur).");
	report_doc_term(doc, "Carnets en stock", "carnets reçus, ni remis ni rendus.");
	report_doc_term(doc, "Alerte", "la campagne se termine dans 30 jours ou moins : remettre"
	    " ou rendre les carnets.");
	rc = 0;
done:
	for (size_t i = 0; i < d.stocks; i++)
		free(d.stock[i].numbers);
	free(d.stock);
	return rc;
}
