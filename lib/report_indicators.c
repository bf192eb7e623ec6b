/* The funder report's evaluation and data-quality indicators (issue 12
 * item 3, docs/reports.md): over the booklets handed out in the period,
 * per campaign and hand-out month, the share never started, the cohorts
 * started within 30 and 90 days, passes used per started booklet and the
 * median days to first and last use; hand-outs recorded late or in bulk.
 * Every ratio carries the booklets it is computed over, so a group of 1 to
 * 10 reads « < 11 »; nothing is computed over an empty group (« — »).
 * Memory: per group, one count per distinct number of days (a histogram
 * for the medians), whatever the number of booklets; the funder report's
 * bulk slots are counted as the hand-outs are read in order of distributor
 * and instant (schema/0014's index), only the slots in bulk kept. The
 * funder report feeds the booklets from its one scan
 * (report_indicators_begin ... _end); a campaign's close summary reads
 * them here (ind_read). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "invoice.h"
#include "money.h"
#include "registry.h"
#include "report_private.h"

#define IND_MONTHS 36     /* hand-out months a campaign's summary covers */
#define IND_LATE_DAYS 7     /* recorded more than this many days after the hand-out */
#define IND_BULK_SECONDS 600 /* recorded in one 10-minute slot ... */
#define IND_BULK_COUNT 20   /* ... by one distributor, at least this many */

/* How many booklets have each number of days (sorted by days). */
struct ind_histogram {
	size_t count, capacity;
	struct ind_bin {
		int32_t days;
		int64_t booklets;
	} *bin;
};

struct ind_group {
	int64_t handed, started, uses, eligible30, started30, eligible90, started90;
	int64_t cost_cents;            /* the started booklets' uses: face value + fees (net) */
	int64_t late, bulk, before;    /* data quality */
	struct ind_histogram first, last; /* days from hand-out to first / last use, per started */
};

/* A (distributor, 10-minute slot) in which hand-outs were recorded in bulk. */
struct ind_slot {
	int64_t distributor_id, slot;
};

struct ind_campaign {
	int64_t id;
	char name[REGISTRY_NAME_MAX + 1];
	int64_t value_cents, pass_cost_cents; /* a pass's face value; + the fee on it (net) */
	struct ind_group month[IND_MONTHS], total;
};

struct ind_data {
	const struct report_range *range;
	int64_t funder_id, campaign_id; /* campaign_id 0: every campaign of the funder */
	int32_t observed;              /* last day uses are observed to */
	size_t count;
	struct ind_campaign *campaign; /* the last one: all campaigns (id 0) */
	size_t slots;
	struct ind_slot *slot;         /* bulk slots (funder report), sorted */
	struct ind_slot run;           /* the (distributor, slot) being read ... */
	int64_t run_count;             /* ... and its hand-outs so far */
	int failed;
};

static int
ind_campaign_add(const struct campaign *c, void *ctx)
{
	struct ind_data *d = ctx;
	struct ind_campaign *grown = realloc(d->campaign, (d->count + 1) * sizeof(*grown));

	if (grown == NULL)
		return d->failed = -1;
	d->campaign = grown;
	memset(&grown[d->count], 0, sizeof(*grown));
	grown[d->count].id = c->id;
	snprintf(grown[d->count].name, sizeof(grown->name), "%s", c->name);
	grown[d->count].value_cents = c->value_cents;
	d->count++;
	return 0;
}

/* The cost of one pass used of campaign c to its funder: its face value and
 * the operator's fee on it, rounded half up per pass as the fee invoice does
 * (the campaign's current terms; VAT on fees left out). */
static int
ind_pass_cost(struct db *db, struct ind_campaign *c, struct error *e)
{
	int64_t fee_bp, fee;
	char vat_class[8];

	if (invoice_terms_get(db, c->id, &fee_bp, vat_class, e) != 0)
		return -1;
	if (money_mul(c->value_cents, fee_bp, &fee) != 0 || money_add(fee, 5000, &fee) != 0 ||
	    money_add(c->value_cents, fee / 10000, &c->pass_cost_cents) != 0)
		return error_set(e, 500, "OVERFLOW", "campaign %lld: a pass's cost overflows",
		    (long long)c->id);
	return 0;
}

/* Counts one more booklet at days in h. Returns 0 or -1 (no memory). */
static int
ind_histogram_add(struct ind_histogram *h, int32_t days)
{
	size_t lo = 0, hi = h->count;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h->bin[mid].days < days)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->count && h->bin[lo].days == days) {
		h->bin[lo].booklets++;
		return 0;
	}
	if (h->count == h->capacity) {
		size_t cap = h->capacity ? 2 * h->capacity : 16;
		struct ind_bin *grown = realloc(h->bin, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		h->bin = grown;
		h->capacity = cap;
	}
	memmove(&h->bin[lo + 1], &h->bin[lo], (h->count - lo) * sizeof(*h->bin));
	h->bin[lo] = (struct ind_bin){ days, 1 };
	h->count++;
	return 0;
}

/* The k-th smallest value counted in h (k from 0, below the total). */
static int32_t
ind_histogram_at(const struct ind_histogram *h, int64_t k)
{
	for (size_t i = 0; i < h->count; i++) {
		if (k < h->bin[i].booklets)
			return h->bin[i].days;
		k -= h->bin[i].booklets;
	}
	return 0;
}

/* Adds one handed-out booklet to g. first < 0: never used. */
static int
ind_group_add(struct ind_group *g, int32_t observed, int32_t day, int32_t first, int32_t last,
    int64_t uses)
{
	g->handed++;
	g->eligible30 += day + 30 <= observed;
	g->eligible90 += day + 90 <= observed;
	if (first < 0)
		return 0;
	g->started30 += day + 30 <= observed && first - day <= 30;
	g->started90 += day + 90 <= observed && first - day <= 90;
	g->before += first < day;
	if (ind_histogram_add(&g->first, first - day) != 0 ||
	    ind_histogram_add(&g->last, last - day) != 0)
		return -1;
	g->started++;
	g->uses += uses;
	return 0;
}

/* Adds one booklet handed out on day, of campaign_id, to its groups:
 * first use day (< 0: none), last, uses; recorded late / in bulk. A
 * booklet of another campaign or hand-out month is left out. */
static int
ind_booklet(struct ind_data *d, int64_t campaign_id, int32_t day, int32_t first, int32_t last,
    int64_t uses, bool late, bool bulk, struct error *e)
{
	struct ind_campaign *all = &d->campaign[d->count - 1], *c = NULL;
	struct ind_group *g[4];
	char month[8];
	int m;

	for (size_t i = 0; i + 1 < d->count; i++)
		if (d->campaign[i].id == campaign_id)
			c = &d->campaign[i];
	date_period_format(day, month);
	if (c == NULL || (m = report_month_index(d->range, month)) < 0 || m >= IND_MONTHS)
		return 0;
	g[0] = &c->month[m], g[1] = &c->total, g[2] = &all->month[m], g[3] = &all->total;
	for (int i = 0; i < 4; i++) {
		int64_t cost;

		if (ind_group_add(g[i], d->observed, day, first, last, uses) != 0)
			return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
		if (money_mul(uses, c->pass_cost_cents, &cost) != 0 ||
		    money_add(g[i]->cost_cents, cost, &g[i]->cost_cents) != 0)
			return error_set(e, 500, "OVERFLOW", "the cost of the passes used overflows");
		g[i]->late += late;
		g[i]->bulk += bulk;
	}
	return 0;
}

/* Whether a hand-out recorded at created_at is late for its day. */
static bool
ind_late(int64_t created_at, int32_t day)
{
	return clock_local_day(created_at, CLOCK_TZ_PARIS) - day > IND_LATE_DAYS;
}

/* Rows (campaign, hand-out day, first use day|NULL, last use day, uses,
 * recorded at|NULL, in bulk) in any order. */
static int
ind_row(const struct db_row *row, void *ctx, struct error *e)
{
	int32_t day = (int32_t)db_row_int64(row, 1);

	return ind_booklet(ctx, db_row_int64(row, 0), day,
	    db_row_is_null(row, 2) ? -1 : (int32_t)db_row_int64(row, 2),
	    (int32_t)db_row_int64(row, 3), db_row_int64(row, 4),
	    !db_row_is_null(row, 5) && ind_late(db_row_int64(row, 5), day),
	    db_row_int64(row, 6) != 0, e);
}

/* The campaigns of d (one, or the funder's; then all campaigns, id 0)
 * with their pass costs. */
static int
ind_campaigns(struct db *db, struct ind_data *d, struct error *e)
{
	struct campaign one;

	if (d->campaign_id != 0) {
		if (registry_campaign_get(db, d->campaign_id, &one, e) != 0)
			return -1;
		if (ind_campaign_add(&one, d) != 0)
			return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	} else if (registry_campaign_list(db, d->funder_id, ind_campaign_add, d, e) != 0 ||
	    d->failed) {
		return -1;
	}
	if (ind_campaign_add(&(struct campaign){ .id = 0 }, d) != 0)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	for (size_t i = 0; i + 1 < d->count; i++)
		if (ind_pass_cost(db, &d->campaign[i], e) != 0)
			return -1;
	return 0;
}

/* One row per booklet of campaign d->campaign_id handed out in the period
 * (detail kept: hand-outs purged into handout_totals are not there), with
 * its uses up to the observed day that were not cancelled by the end. */
static int
ind_read(struct db *db, void *ctx, struct error *e)
{
	struct ind_data *d = ctx;
	const struct report_range *r = d->range;

	if (ind_campaigns(db, d, e) != 0)
		return -1;
	return db_each(db, "SELECT t.campaign_id, h.day, u.first, u.last, coalesce(u.n, 0),"
	    " h.created_at, coalesce(s.n >= ?5, 0) FROM handouts h JOIN booklets b ON b.id = h.booklet_id"
	    " JOIN batches t ON t.id = b.batch_id"
	    " LEFT JOIN (SELECT v.booklet_id AS booklet, min(x.day) AS first, max(x.day) AS last,"
	    " count(*) AS n FROM redemptions x JOIN redemption_vouchers rv ON rv.redemption_id = x.id"
	    " JOIN vouchers v ON v.serial = rv.serial WHERE v.booklet_id IN (SELECT booklet_id"
	    " FROM handouts WHERE day BETWEEN ?2 AND ?3) AND x.day <= ?6 AND x.created_at < ?7"
	    " AND (x.cancelled_at IS NULL OR x.cancelled_at >= ?7) GROUP BY v.booklet_id) u"
	    " ON u.booklet = b.id"
	    " LEFT JOIN (SELECT distributor_id, created_at / ?4 AS slot, count(*) AS n FROM handouts"
	    " WHERE created_at IS NOT NULL GROUP BY 1, 2) s ON s.distributor_id = h.distributor_id"
	    " AND s.slot = h.created_at / ?4"
	    " WHERE t.campaign_id = ?1 AND h.day BETWEEN ?2 AND ?3",
	    DB_ARGS(DB_INT(d->campaign_id), DB_INT(r->first), DB_INT(r->last),
	    DB_INT(IND_BULK_SECONDS), DB_INT(IND_BULK_COUNT), DB_INT(d->observed), DB_INT(r->end)),
	    ind_row, d, e) < 0 ? -1 : 0;
}

/* The median of the values counted in h (n of them, n > 0) in tenths of a
 * day. */
static int64_t
ind_median_tenths(const struct ind_histogram *h, int64_t n)
{
	return n % 2 ? (int64_t)ind_histogram_at(h, n / 2) * 10 :
	    ((int64_t)ind_histogram_at(h, n / 2 - 1) + ind_histogram_at(h, n / 2)) * 5;
}

/* A ratio cell num / den in tenths (scale 1000: a percentage; 10: a
 * plain ratio), computed over booklets; absent when den is 0. */
static void
ind_ratio(struct report_table *t, int row, int col, int64_t num, int64_t den, int64_t scale,
    int64_t booklets)
{
	struct report_cell *c = report_table_cell(t, (size_t)row, (size_t)col);

	if (den == 0) {
		c->absent = true;
		return;
	}
	report_cell_count(c, (num * scale + den / 2) / den, booklets, NULL);
}

const struct report_column report_indicator_columns[] = {
	{ "campaign", "Campagne", REPORT_COLUMN_TEXT, -1 },
	{ "handout_month", "Mois de remise", REPORT_COLUMN_TEXT, -1 },
	{ "booklets_handed_out", "Carnets remis (détail)", REPORT_COLUMN_COUNT, -1 },
	{ "never_started_pct", "Jamais commencés (%)", REPORT_COLUMN_TENTHS, -1 },
	{ "started_30d_pct", "Commencés sous 30 jours (%)", REPORT_COLUMN_TENTHS, -1 },
	{ "started_90d_pct", "Commencés sous 90 jours (%)", REPORT_COLUMN_TENTHS, -1 },
	{ "passes_per_started", "Pass utilisés par carnet commencé", REPORT_COLUMN_TENTHS, -1 },
	{ "median_days_first_use", "Jours jusqu'à la 1re utilisation (médiane)",
	  REPORT_COLUMN_TENTHS, -1 },
	{ "median_days_last_use", "Jours jusqu'à la dernière utilisation (médiane)",
	  REPORT_COLUMN_TENTHS, -1 },
	{ "cost_per_started_cents", "Coût par carnet commencé (€)", REPORT_COLUMN_MONEY, -1 },
	{ NULL, NULL, 0, 0 },
};

const struct report_column report_quality_columns[] = {
	{ "campaign", "Campagne", REPORT_COLUMN_TEXT, -1 },
	{ "booklets_handed_out", "Carnets remis (détail)", REPORT_COLUMN_COUNT, -1 },
	{ "recorded_late", "Remises saisies en retard", REPORT_COLUMN_COUNT, -1 },
	{ "recorded_in_bulk", "Remises saisies en lot", REPORT_COLUMN_COUNT, -1 },
	{ "used_before_handout", "Utilisés avant leur date de remise", REPORT_COLUMN_COUNT, -1 },
	{ NULL, NULL, 0, 0 },
};

/* The campaign label ("n° 1 — name", "Toutes campagnes") into buf. */
static void
ind_label(const struct ind_campaign *c, char *buf, size_t size)
{
	if (c->id == 0)
		snprintf(buf, size, "Toutes campagnes");
	else
		snprintf(buf, size, "n° %lld — %s", (long long)c->id, c->name);
}

/* One indicator row for g; month NULL: the whole period. key: the
 * hand-out count's key in the funder tables ("c1.m0.bh"). */
static int
ind_table_row(struct report_table *t, const char *label, const char *month,
    struct ind_group *g, const char *key)
{
	int row = report_table_row(t);

	if (row < 0)
		return -1;
	report_set_text(t, row, 0, label);
	report_set_text(t, row, 1, month != NULL ? month : "Toute la période");
	report_set_count(t, row, 2, g->handed, g->handed, "%s", key);
	ind_ratio(t, row, 3, g->handed - g->started, g->handed, 1000, g->handed);
	ind_ratio(t, row, 4, g->started30, g->eligible30, 1000, g->eligible30);
	ind_ratio(t, row, 5, g->started90, g->eligible90, 1000, g->eligible90);
	ind_ratio(t, row, 6, g->uses, g->started, 10, g->started);
	if (g->started == 0) {
		report_table_cell(t, (size_t)row, 7)->absent = true;
		report_table_cell(t, (size_t)row, 8)->absent = true;
	} else {
		report_cell_count(report_table_cell(t, (size_t)row, 7),
		    ind_median_tenths(&g->first, g->started), g->started, NULL);
		report_cell_count(report_table_cell(t, (size_t)row, 8),
		    ind_median_tenths(&g->last, g->started), g->started, NULL);
	}
	ind_ratio(t, row, 9, g->cost_cents, g->started, 1, g->started);
	return 0;
}

static int
ind_tables(struct report_doc *doc, struct ind_data *d, bool with_all)
{
	struct report_table *t = report_doc_table(doc, "indicators", "Indicateurs d'évaluation,"
	    " par mois de remise", report_indicator_columns);
	struct report_table *q = report_doc_table(doc, "data_quality", "Qualité des données de"
	    " remise", report_quality_columns);
	char label[REGISTRY_NAME_MAX + 32], month[8], key[48], prefix[24];
	int row;

	if (t == NULL || q == NULL)
		return -1;
	for (size_t i = d->count; i-- > 0;) { /* all campaigns first */
		struct ind_campaign *c = &d->campaign[i];

		if (c->id == 0 && !with_all)
			continue;
		ind_label(c, label, sizeof(label));
		if (c->id == 0)
			snprintf(prefix, sizeof(prefix), "all");
		else
			snprintf(prefix, sizeof(prefix), "c%lld", (long long)c->id);
		for (int m = 0; m < d->range->months && m < IND_MONTHS; m++) {
			report_month_name(d->range, m, month);
			snprintf(key, sizeof(key), "%s.m%d.bh", prefix, m);
			if (c->month[m].handed > 0 &&
			    ind_table_row(t, label, month, &c->month[m], key) != 0)
				return -1;
		}
		snprintf(key, sizeof(key), "%s.bh", prefix);
		if (ind_table_row(t, label, NULL, &c->total, key) != 0 ||
		    (row = report_table_row(q)) < 0)
			return -1;
		report_set_text(q, row, 0, label);
		report_set_count(q, row, 1, c->total.handed, c->total.handed, "%s", key);
		report_set_count(q, row, 2, c->total.late, c->total.late, "%s", "");
		report_set_count(q, row, 3, c->total.bulk, c->total.bulk, "%s", "");
		report_set_count(q, row, 4, c->total.before, c->total.before, "%s", "");
	}
	return 0;
}

static void
ind_glossary(struct report_doc *doc)
{
	report_doc_term(doc, "Jamais commencés", "part des carnets remis dans la période dont"
	    " aucun pass n'a été utilisé à la fin de la période.");
	report_doc_term(doc, "Commencés sous 30 / 90 jours", "parmi les carnets remis depuis au"
	    " moins 30 (90) jours à la fin de la période, part dont un pass a été utilisé dans les"
	    " 30 (90) jours suivant la remise ; « — » : aucun carnet n'a encore ce recul.");
	report_doc_term(doc, "Pass utilisés par carnet commencé", "nombre moyen de pass utilisés"
	    " par carnet dont au moins un pass a été utilisé.");
	report_doc_term(doc, "Jours jusqu'à la 1re / dernière utilisation", "médiane, sur les"
	    " carnets commencés, du nombre de jours entre la remise et la première (la dernière)"
	    " utilisation.");
	report_doc_term(doc, "Coût par carnet commencé", "ce que le financeur paie pour les pass"
	    " utilisés des carnets commencés (valeur faciale et frais de gestion de l'opérateur,"
	    " hors TVA sur les frais), divisé par le nombre de carnets commencés.");
	report_doc_term(doc, "Remises saisies en retard / en lot", "remises enregistrées plus de"
	    " 7 jours après leur date / dans un lot d'au moins 20 remises saisies par un même"
	    " distributeur en 10 minutes : la date de remise peut être approximative.");
	report_doc_term(doc, "Utilisés avant leur date de remise", "carnets dont un pass a été"
	    " utilisé avant la date de remise enregistrée : date de remise erronée.");
}

/* Frees what d holds (not d). */
static void
ind_clear(struct ind_data *d)
{
	for (size_t i = 0; i < d->count; i++) {
		for (int m = 0; m < IND_MONTHS; m++)
			free(d->campaign[i].month[m].first.bin), free(d->campaign[i].month[m].last.bin);
		free(d->campaign[i].total.first.bin), free(d->campaign[i].total.last.bin);
	}
	free(d->campaign);
	free(d->slot);
}

/* The last day uses are observed to: the period's, or today's. */
static int32_t
ind_observed(const struct report_range *r)
{
	int32_t today = clock_local_day(r->end - 1, CLOCK_TZ_PARIS);

	return today < r->last ? today : r->last;
}

/* Row (distributor, recorded at) of a hand-out, in that order (the index
 * handouts_by_distributor_created, schema/0014): the hand-outs of one
 * (distributor, slot) come together, and the slot is a bulk slot once
 * IND_BULK_COUNT of them have been read; the slots come sorted. C's
 * division truncates as SQLite's does (the campaign query's slots). */
static int
ind_handout_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct ind_data *d = ctx;
	struct ind_slot s = { db_row_int64(row, 0), db_row_int64(row, 1) / IND_BULK_SECONDS };
	struct ind_slot *grown;

	if (d->run_count == 0 || s.distributor_id != d->run.distributor_id || s.slot != d->run.slot)
		d->run = s, d->run_count = 0;
	if (++d->run_count != IND_BULK_COUNT)
		return 0;
	if ((grown = realloc(d->slot, (d->slots + 1) * sizeof(*grown))) == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	d->slot = grown;
	d->slot[d->slots++] = s;
	return 0;
}

int
report_indicators_begin(struct db *db, int64_t funder_id, const struct report_range *r,
    struct report_indicators **out, struct error *e)
{
	struct ind_data *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (d == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	d->range = r;
	d->funder_id = funder_id;
	d->observed = ind_observed(r);
	if (ind_campaigns(db, d, e) != 0 ||
	    db_each(db, "SELECT distributor_id, created_at FROM handouts"
	    " INDEXED BY handouts_by_distributor_created WHERE created_at IS NOT NULL"
	    " ORDER BY distributor_id, created_at", DB_NO_ARGS, ind_handout_row, d, e) != 0) {
		ind_clear(d);
		free(d);
		return -1;
	}
	*out = (struct report_indicators *)d;
	return 0;
}

int32_t
report_indicators_observed(const struct report_indicators *ind)
{
	return ((const struct ind_data *)ind)->observed;
}

/* Whether (distributor_id, slot) is one of d's bulk slots. */
static bool
ind_bulk(const struct ind_data *d, int64_t distributor_id, int64_t slot)
{
	size_t lo = 0, hi = d->slots;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct ind_slot *s = &d->slot[mid];

		if (s->distributor_id == distributor_id && s->slot == slot)
			return true;
		if (s->distributor_id < distributor_id ||
		    (s->distributor_id == distributor_id && s->slot < slot))
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int
report_indicators_booklet(struct report_indicators *ind, const struct report_handout *h,
    struct error *e)
{
	struct ind_data *d = (struct ind_data *)ind;
	bool recorded = h->recorded_at >= 0;

	return ind_booklet(d, h->campaign_id, h->day, h->first, h->last, h->uses,
	    recorded && ind_late(h->recorded_at, h->day),
	    recorded && ind_bulk(d, h->distributor_id, h->recorded_at / IND_BULK_SECONDS), e);
}

int
report_indicators_end(struct report_indicators *ind, struct report_doc *doc, struct error *e)
{
	struct ind_data *d = (struct ind_data *)ind;
	int rc = 0;

	if (d == NULL)
		return 0;
	if (doc != NULL) {
		if (ind_tables(doc, d, true) != 0)
			rc = error_set(e, 500, "NO_MEMORY", "out of memory building the report");
		else {
			report_doc_note(doc, "Indicateurs d'évaluation : calculés sur les carnets remis"
			    " dans la période (remises encore détaillées), avec leurs utilisations jusqu'à"
			    " la fin de la période ; un indicateur portant sur 1 à 10 carnets est masqué"
			    " (« < 11 »).");
			ind_glossary(doc);
		}
	}
	ind_clear(d);
	free(d);
	return rc;
}

int
report_indicators_campaign(struct db *db, int64_t campaign_id, const struct report_range *r,
    struct report_doc *doc, struct error *e)
{
	struct ind_data d = { .range = r, .campaign_id = campaign_id };
	int rc = -1;

	d.observed = ind_observed(r);
	if (ind_read(db, &d, e) != 0)
		goto done;
	if (ind_tables(doc, &d, false) != 0) {
		error_set(e, 500, "NO_MEMORY", "out of memory building the report");
		goto done;
	}
	rc = 0;
done:
	ind_clear(&d);
	return rc;
}
