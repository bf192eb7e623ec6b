/* invoice_create: what a funder is billed for, and the two documents
 * (face value, fees) that bill it (lib/invoice.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "invoice_private.h"
#include "money.h"
#include "period.h"
#include "redemption.h"
#include "utf8.h"

/* Passes of one campaign in one redemption not billed yet for a part. */
struct bill_item {
	int64_t redemption_id, campaign_id, passes, cents;
	int32_t day;
};

struct bill {
	struct bill_item *items;
	size_t count;
	int32_t first_day, last_day;
};

static void
bill_free(struct bill *b)
{
	free(b->items);
	b->items = NULL;
	b->count = 0;
}

static int
bill_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct bill *b = ctx;
	struct bill_item *it;

	if (db_row_int64(row, 4) != db_row_int64(row, 5))
		return error_set(e, 500, "STORE_BUG", "redemption %lld holds passes of campaign %lld of"
		    " different values", (long long)db_row_int64(row, 0),
		    (long long)db_row_int64(row, 1));
	b->items = realloc(b->items, (b->count + 1) * sizeof(*b->items));
	if (b->items == NULL)
		abort();
	it = &b->items[b->count++];
	it->redemption_id = db_row_int64(row, 0);
	it->campaign_id = db_row_int64(row, 1);
	it->passes = db_row_int64(row, 2);
	it->cents = db_row_int64(row, 3);
	it->day = clock_local_day(db_row_int64(row, 6), CLOCK_TZ_PARIS);
	if (b->count == 1 || it->day < b->first_day)
		b->first_day = it->day;
	if (b->count == 1 || it->day > b->last_day)
		b->last_day = it->day;
	return 0;
}

/* The passes of funder's campaigns (or of campaign_id only) redeemed in
 * [start, end), not cancelled, and not billed yet for part by an invoice
 * that a credit note has not cancelled in full. */
static int
bill_gather(struct db *db, int64_t funder_id, int64_t campaign_id, int64_t start, int64_t end,
    const char *part, struct bill *b, struct error *e)
{
	return db_each(db, "SELECT r.id, v.campaign_id, COUNT(*), SUM(v.value_cents),"
	    " MIN(v.value_cents), MAX(v.value_cents), r.created_at"
	    " FROM redemptions r JOIN redemption_vouchers rv ON rv.redemption_id = r.id"
	    " JOIN vouchers v ON v.serial = rv.serial JOIN campaigns c ON c.id = v.campaign_id"
	    " WHERE c.funder_id = ?1 AND (?2 = 0 OR c.id = ?2) AND r.cancelled_at IS NULL"
	    " AND r.created_at >= ?3 AND r.created_at < ?4"
	    " AND NOT EXISTS (SELECT 1 FROM invoice_redemptions ir JOIN invoices i"
	    "  ON i.id = ir.invoice_id WHERE ir.redemption_id = r.id AND ir.campaign_id = v.campaign_id"
	    "  AND i.part = ?5 AND i.total_cents > (SELECT COALESCE(SUM(cn.total_cents), 0)"
	    "  FROM invoices cn WHERE cn.invoice_id = i.id AND cn.reason IN ('error', 'rejection')))"
	    " GROUP BY r.id, v.campaign_id ORDER BY v.campaign_id, r.id",
	    DB_ARGS(DB_INT(funder_id), DB_INT(campaign_id), DB_INT(start), DB_INT(end),
	    DB_TEXT(part)), bill_row, b, e);
}

/* Adds a line per campaign of b to inv: the face value of its passes, or
 * (fees) the fee on each at the campaign's terms. Campaigns without a fee
 * add no fee line; a single-purpose campaign is refused (docs/accounting.md,
 * open question). */
static int
bill_lines(struct db *db, const struct bill *b, bool fees, struct invoice *inv,
    struct error *e)
{
	char value[MONEY_FORMAT_FR_SIZE], percent[MONEY_FORMAT_SIZE], vat_class[8], text[600];
	size_t i = 0;

	while (i < b->count) {
		int64_t id = b->items[i].campaign_id, passes = 0, cents = 0, fee_bp;
		struct invoice_line *l;
		struct campaign c;

		for (; i < b->count && b->items[i].campaign_id == id; i++) {
			passes += b->items[i].passes;
			cents += b->items[i].cents;
		}
		if (registry_campaign_get(db, id, &c, e) != 0 ||
		    invoice_terms_get(db, id, &fee_bp, vat_class, e) != 0)
			return -1;
		if (!fees && strcmp(vat_class, "single") == 0)
			return error_set(e, 409, "SINGLE_PURPOSE", "campaign %lld has single-purpose passes"
			    " (VAT class single), whose invoicing is not settled yet (docs/accounting.md)",
			    (long long)id);
		money_format_fr(c.value_cents, value, sizeof(value));
		if (fees && (fee_bp == 0 || invoice_share(c.value_cents, fee_bp, 10000) == 0))
			continue;
		l = invoice_add_line(inv);
		l->campaign_id = id;
		l->quantity = passes;
		if (!fees) {
			l->unit_cents = c.value_cents;
			snprintf(text, sizeof(text), "Pass numériques utilisés, campagne %lld « %s »,"
			    " valeur faciale %s", (long long)id, c.name, value);
		} else {
			money_format(fee_bp, percent, sizeof(percent));
			l->unit_cents = invoice_share(c.value_cents, fee_bp, 10000);
			snprintf(text, sizeof(text), "Frais de gestion, campagne %lld : %s %% de la"
			    " valeur faciale (%s) de chaque pass utilisé", (long long)id, percent, value);
		}
		utf8_copy(l->description, sizeof(l->description), text, strlen(text));
		l->net_cents = l->quantity * l->unit_cents;
		(void)cents;
	}
	return 0;
}

/* Records what inv bills (the items of b). */
static int
bill_record(struct db *db, const struct invoice *inv, const struct bill *b, struct error *e)
{
	for (size_t i = 0; i < b->count; i++)
		if (db_run(db, "INSERT INTO invoice_redemptions (invoice_id, redemption_id, campaign_id,"
		    " passes, cents) VALUES (?1, ?2, ?3, ?4, ?5)", DB_ARGS(DB_INT(inv->id),
		    DB_INT(b->items[i].redemption_id), DB_INT(b->items[i].campaign_id),
		    DB_INT(b->items[i].passes), DB_INT(b->items[i].cents)), e) != 0)
			return -1;
	return 0;
}

/* The ledger entry "invoice" of inv: the funder's invoiced receivable
 * debited by the total; credited: its orders (face value: the commitment
 * becomes a receivable) or fees and « TVA en attente » (fees). */
static int
invoice_entry(struct db *db, struct invoice *inv, int64_t now, struct error *e)
{
	struct ledger_entry entry = { .time = now };
	bool face = strcmp(inv->part, "face") == 0;

	snprintf(entry.kind, sizeof(entry.kind), "invoice");
	snprintf(entry.reference, sizeof(entry.reference), "%s", inv->number);
	snprintf(entry.memo, sizeof(entry.memo), "%s %s", face ? "Facture de pass" :
	    "Facture de frais", inv->number);
	if (ledger_account_open(db, ACCOUNT_FUNDER_INVOICED, inv->funder_id, inv->buyer.name,
	    e) != 0 || ledger_account_open(db, ACCOUNT_VAT_PENDING, 0, NULL, e) != 0 ||
	    ledger_post(&entry, ACCOUNT_FUNDER_INVOICED, inv->funder_id, inv->total_cents, e) != 0)
		return -1;
	if (face && ledger_post(&entry, ACCOUNT_FUNDER_ORDERS, inv->funder_id, -inv->total_cents,
	    e) != 0)
		return -1;
	if (!face && (ledger_post(&entry, ACCOUNT_FEES, 0, -inv->net_cents, e) != 0 ||
	    (inv->vat_cents > 0 && ledger_post(&entry, ACCOUNT_VAT_PENDING, 0, -inv->vat_cents,
	    e) != 0)))
		return -1;
	return invoice_post(db, &entry, inv->issue_day, &inv->entry_seq, e);
}

/* Refuses a face-value invoice larger than what the funder owes on its
 * orders. */
static int
invoice_orders_cover(struct db *db, const struct invoice *inv, struct error *e)
{
	char code[LEDGER_ACCOUNT_MAX + 1], owed[MONEY_FORMAT_SIZE], total[MONEY_FORMAT_SIZE];
	int64_t balance = 0;

	ledger_account_code(ACCOUNT_FUNDER_ORDERS, inv->funder_id, code);
	if (ledger_balance(db, code, &balance, e) != 0)
		return -1;
	if (balance >= inv->total_cents)
		return 0;
	money_format(balance, owed, sizeof(owed));
	money_format(inv->total_cents, total, sizeof(total));
	return error_set(e, 409, "ORDERS_SHORT", "funder %lld owes %s EUR on its orders, less than"
	    " this invoice's %s EUR: record its order first (passnum funder order)",
	    (long long)inv->funder_id, owed, total);
}

/* Sets up doc for req: funder, frame, basis, dates, VAT of its part. */
static int
invoice_prepare(struct db *db, const struct invoice_request *req, const struct funder *f,
    const char *part, int64_t now, const char *who, struct invoice *doc, struct error *e)
{
	static const char *const basis[] = { "period", "campaign", "order" };

	memset(doc, 0, sizeof(*doc));
	doc->entry_seq = -1;
	doc->funder_id = f->id;
	snprintf(doc->part, sizeof(doc->part), "%s", part);
	snprintf(doc->frame, sizeof(doc->frame), "%s", f->frame);
	snprintf(doc->basis, sizeof(doc->basis), "%s", basis[req->basis]);
	snprintf(doc->period, sizeof(doc->period), "%s", req->basis == INVOICE_BY_PERIOD ?
	    req->period : "");
	doc->campaign_id = req->basis == INVOICE_BY_CAMPAIGN ? req->campaign_id : 0;
	snprintf(doc->order_ref, sizeof(doc->order_ref), "%s", req->basis == INVOICE_BY_ORDER ?
	    req->order_ref : "");
	snprintf(doc->engagement, sizeof(doc->engagement), "%s", req->engagement);
	snprintf(doc->service_code, sizeof(doc->service_code), "%s", f->service_code);
	snprintf(doc->billing_frame, sizeof(doc->billing_frame), "A1");
	snprintf(doc->created_by, sizeof(doc->created_by), "%s", who);
	doc->created_at = now;
	doc->issue_day = clock_local_day(now, CLOCK_TZ_PARIS);
	if (strcmp(part, "face") == 0) {
		snprintf(doc->vat_category, sizeof(doc->vat_category), "O");
		doc->vat_rate_bp = 0;
	} else if (invoice_fee_vat(db, f->vat_territory, doc->vat_category, &doc->vat_rate_bp,
	    e) != 0) {
		return -1;
	}
	return invoice_parties(db, doc, e);
}

/* Numbers, posts and stores doc with what it bills (b may be NULL). */
static int
invoice_issue(struct db *db, struct invoice *doc, const struct bill *b, bool post, int64_t now,
    struct error *e)
{
	int64_t year, seq;

	if (invoice_sum(doc, e) != 0 || period_check_open(db, doc->issue_day, e) != 0 ||
	    invoice_next_number(db, false, doc->issue_day, doc, &year, &seq, e) != 0)
		return -1;
	if (doc->total_cents == 0)
		return error_set(e, 409, "NOTHING_TO_INVOICE", "nothing to invoice");
	doc->receivable_cents = post ? doc->total_cents : 0;
	if (post && strcmp(doc->part, "face") == 0 && invoice_orders_cover(db, doc, e) != 0)
		return -1;
	if ((post && invoice_entry(db, doc, now, e) != 0) ||
	    invoice_store(db, doc, year, seq, e) != 0 || (b != NULL && bill_record(db, doc, b, e) != 0))
		return -1;
	return 0;
}

/* Refuses mixing the bases of face-value invoices of one funder: by order
 * (on delivery) or by redemptions (period, campaign). */
static int
invoice_basis_consistent(struct db *db, int64_t funder_id, bool by_order, struct error *e)
{
	int rc = db_one(db, "SELECT 1 FROM invoices i WHERE i.funder_id = ?1 AND i.kind = 'invoice'"
	    " AND i.part = 'face' AND (i.basis = 'order') <> ?2 AND i.total_cents >"
	    " (SELECT COALESCE(SUM(cn.total_cents), 0) FROM invoices cn WHERE cn.invoice_id = i.id"
	    " AND cn.reason IN ('error', 'rejection'))", DB_ARGS(DB_INT(funder_id),
	    DB_INT(by_order)), NULL, NULL, e);

	if (rc < 0)
		return -1;
	if (rc == 1)
		return error_set(e, 409, "BASIS_MIXED", by_order ? "funder %lld is invoiced for the"
		    " passes redeemed (--period, --campaign), not on delivery of its orders" :
		    "funder %lld is invoiced on delivery of its orders (--order), not for the passes"
		    " redeemed", (long long)funder_id);
	return 0;
}

struct invoice_fund_search {
	const char *ref;
	struct funder_fund *found;
};

static int
invoice_fund_match(const struct funder_fund *f, void *ctx)
{
	struct invoice_fund_search *s = ctx;

	if (strcmp(f->ref, s->ref) != 0)
		return 0;
	*s->found = *f;
	return 1;
}

/* Finds funder_id's order with reference ref, else its credit (*order
 * false): 404 NO_ORDER when neither exists. */
static int
invoice_fund_find(struct db *db, int64_t funder_id, const char *ref, struct funder_fund *found,
    bool *order, struct error *e)
{
	struct invoice_fund_search s = { ref, found };
	int rc = registry_fund_list(db, funder_id, FUND_ORDER, invoice_fund_match, &s, e);

	if (rc < 0)
		return -1;
	*order = rc == 1;
	if (rc == 0 && (rc = registry_fund_list(db, funder_id, FUND_CREDIT, invoice_fund_match, &s,
	    e)) < 0)
		return -1;
	if (rc == 0)
		return error_set(e, 404, "NO_ORDER", "funder %lld has no order nor payment with"
		    " reference \"%s\"", (long long)funder_id, ref);
	return 0;
}

/* --order REF: the face value of a funder's order (a purchase on delivery,
 * A1) or of money it already paid (a credit, A2: nothing is owed). */
static int
invoice_by_order(struct db *db, const struct invoice_request *req, const struct funder *f,
    int64_t now, const char *who, struct invoice *doc, struct error *e)
{
	struct funder_fund found = { 0 };
	struct invoice_line *l;
	bool order = true;
	int rc;

	rc = db_one(db, "SELECT 1 FROM invoices i WHERE i.funder_id = ?1 AND i.basis = 'order'"
	    " AND i.order_ref = ?2 AND i.total_cents > (SELECT COALESCE(SUM(cn.total_cents), 0)"
	    " FROM invoices cn WHERE cn.invoice_id = i.id AND cn.reason IN ('error', 'rejection'))",
	    DB_ARGS(DB_INT(f->id), DB_TEXT(req->order_ref)), NULL, NULL, e);
	if (rc != 0)
		return rc < 0 ? -1 : error_set(e, 409, "ALREADY_INVOICED", "order %s of funder %lld"
		    " is already invoiced", req->order_ref, (long long)f->id);
	if (invoice_basis_consistent(db, f->id, true, e) != 0)
		return -1;
	if (invoice_fund_find(db, f->id, req->order_ref, &found, &order, e) != 0)
		return -1;
	if (invoice_prepare(db, req, f, "face", now, who, doc, e) != 0)
		return -1;
	doc->first_day = doc->last_day = clock_local_day(found.created_at, CLOCK_TZ_PARIS);
	if (!order)
		snprintf(doc->billing_frame, sizeof(doc->billing_frame), "A2");
	l = invoice_add_line(doc);
	l->quantity = 1;
	l->unit_cents = l->net_cents = found.amount_cents;
	snprintf(l->description, sizeof(l->description), "Pass numériques, %s %s",
	    order ? "commande" : "paiement reçu, réf.", req->order_ref);
	return invoice_issue(db, doc, NULL, order, now, e);
}

/* --period or --campaign: the face value of the passes redeemed (funders on
 * purchase only) and the fees on them (campaigns with a fee). */
static int
invoice_by_redemptions(struct db *db, const struct invoice_request *req, const struct funder *f,
    int64_t now, const char *who, struct invoice out[2], size_t *count, struct error *e)
{
	int64_t start = 0, end, month_start;
	int32_t first = 0, last = 0, today = clock_local_day(now, CLOCK_TZ_PARIS);
	bool purchase = strcmp(f->frame, "purchase") == 0;
	int y, m, d;

	if (req->basis == INVOICE_BY_PERIOD) {
		if (period_bounds(req->period, &start, &end, &first, &last, e) != 0 ||
		    period_check_closed(db, req->period, now, e) != 0)
			return -1;
	} else {
		struct campaign c;
		/* Every closed period: up to the start of the month of now less
		 * the cancellation window. */
		if (registry_campaign_get(db, req->campaign_id, &c, e) != 0)
			return -1;
		if (c.funder_id != f->id)
			return error_set(e, 409, "NOT_FUNDERS_CAMPAIGN", "campaign %lld is not funder"
			    " %lld's", (long long)c.id, (long long)f->id);
		date_to_ymd(clock_local_day(now - REDEMPTION_CANCEL_SECONDS, CLOCK_TZ_PARIS), &y, &m,
		    &d);
		(void)date_from_ymd(y, m, 1, &first);
		month_start = clock_local_day_start(first, CLOCK_TZ_PARIS);
		end = month_start;
	}
	(void)today;
	for (int pass = 0; pass < 2; pass++) {
		bool fees = pass == 1;
		struct bill b = { 0 };
		struct invoice *doc = &out[*count];
		int rc;

		if (!fees && !purchase)
			continue;
		if (!fees && invoice_basis_consistent(db, f->id, false, e) != 0)
			return -1;
		if (bill_gather(db, f->id, req->basis == INVOICE_BY_CAMPAIGN ? req->campaign_id : 0,
		    start, end, fees ? "fees" : "face", &b, e) != 0) {
			bill_free(&b);
			return -1;
		}
		if (invoice_prepare(db, req, f, fees ? "fees" : "face", now, who, doc, e) != 0) {
			bill_free(&b);
			invoice_free(doc);
			return -1;
		}
		rc = bill_lines(db, &b, fees, doc, e);
		doc->first_day = req->basis == INVOICE_BY_PERIOD ? first : b.first_day;
		doc->last_day = req->basis == INVOICE_BY_PERIOD ? last : b.last_day;
		if (rc == 0 && doc->line_count == 0) {
			invoice_free(doc);
			bill_free(&b);
			continue;
		}
		if (rc == 0)
			rc = invoice_issue(db, doc, &b, true, now, e);
		bill_free(&b);
		if (rc != 0) {
			invoice_free(doc);
			return -1;
		}
		(*count)++;
	}
	if (*count == 0)
		return error_set(e, 409, "NOTHING_TO_INVOICE", "nothing to invoice for funder %lld%s%s:"
		    " no pass redeemed and not yet invoiced%s", (long long)f->id,
		    req->basis == INVOICE_BY_PERIOD ? " in " : "", req->basis == INVOICE_BY_PERIOD ?
		    req->period : "", purchase ? "" : " with a fee (a funder not on purchase is"
		    " invoiced only for fees)");
	return 0;
}

int
invoice_create(struct db *db, const struct invoice_request *req, int64_t now, const char *who,
    struct invoice out[2], size_t *count, struct error *e)
{
	struct funder f;

	*count = 0;
	memset(out, 0, 2 * sizeof(*out));
	if (DB_IN_WRITE(db, e) != 0 || registry_funder_get(db, req->funder_id, &f, e) != 0)
		return -1;
	if (req->basis == INVOICE_BY_ORDER) {
		if (invoice_by_order(db, req, &f, now, who, &out[0], e) != 0) {
			invoice_free(&out[0]);
			return -1;
		}
		*count = 1;
		return 0;
	}
	if (invoice_by_redemptions(db, req, &f, now, who, out, count, e) != 0) {
		for (size_t i = 0; i < *count; i++)
			invoice_free(&out[i]);
		*count = 0;
		return -1;
	}
	return 0;
}
