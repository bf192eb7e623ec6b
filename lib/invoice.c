/* Invoices and credit notes: numbering, billing, ledger entries (lib/invoice.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "invoice.h"
#include "invoice_private.h"
#include "ledger.h"
#include "money.h"
#include "period.h"
#include "redemption.h"
#include "utf8.h"

const char *const invoice_statuses[INVOICE_STATUS_COUNT] = {
	"Déposée", "Rejetée", "Suspendue", "Mise en paiement", "Payée",
};

void
invoice_free(struct invoice *inv)
{
	if (inv == NULL)
		return;
	free(inv->lines);
	free(inv->xml);
	inv->lines = NULL;
	inv->xml = NULL;
	inv->line_count = 0;
}

/* Appends a zeroed line to inv and returns it. */
struct invoice_line *
invoice_add_line(struct invoice *inv)
{
	struct invoice_line *l;

	inv->lines = realloc(inv->lines, (inv->line_count + 1) * sizeof(*inv->lines));
	if (inv->lines == NULL)
		abort();
	l = &inv->lines[inv->line_count++];
	memset(l, 0, sizeof(*l));
	return l;
}

int
invoice_engagement_check(const char *text, struct error *e)
{
	size_t len = strlen(text);

	if (len == 0 || len > INVOICE_ENGAGEMENT_MAX)
		return error_set(e, 400, "BAD_ENGAGEMENT", "an engagement number has 1 to %d characters",
		    INVOICE_ENGAGEMENT_MAX);
	for (size_t i = 0; i < len; i++)
		if (text[i] < 0x21 || text[i] > 0x7e)
			return error_set(e, 400, "BAD_ENGAGEMENT", "an engagement number is printable ASCII"
			    " without spaces");
	return 0;
}

int
invoice_number_check(const char *text, struct error *e)
{
	bool ok = strlen(text) == 14 && (strncmp(text, "FA-", 3) == 0 ||
	    strncmp(text, "AV-", 3) == 0) && text[7] == '-';

	for (int i = 3; ok && i < 14; i++)
		if (i != 7 && (text[i] < '0' || text[i] > '9'))
			ok = false;
	if (!ok)
		return error_set(e, 400, "BAD_NUMBER", "an invoice number is FA-YYYY-NNNNNN, a credit"
		    " note's AV-YYYY-NNNNNN");
	return 0;
}

int
invoice_status_parse(const char *text, int *status, struct error *e)
{
	for (int i = 0; i < INVOICE_STATUS_COUNT; i++)
		if (strcmp(text, invoice_statuses[i]) == 0) {
			*status = i;
			return 0;
		}
	return error_set(e, 400, "BAD_STATUS", "a status is one of Déposée, Rejetée, Suspendue,"
	    " Mise en paiement, Payée");
}

int
invoice_fee_parse(const char *text, int64_t *bp, struct error *e)
{
	if (money_parse(text, bp, e) != 0 || *bp > 10000)
		return error_set(e, 400, "BAD_FEE", "a fee is a percentage from 0 to 100 with at most"
		    " two decimals (\"5\", \"2.5\")");
	return 0;
}

int
invoice_reason_parse(const char *text, enum invoice_reason *reason, struct error *e)
{
	if (strcmp(text, "error") == 0)
		*reason = INVOICE_REASON_ERROR;
	else if (strcmp(text, "rejection") == 0)
		*reason = INVOICE_REASON_REJECTION;
	else if (strcmp(text, "unused") == 0)
		*reason = INVOICE_REASON_UNUSED;
	else
		return error_set(e, 400, "BAD_REASON", "a credit note's reason is error, rejection or"
		    " unused");
	return 0;
}

/* Rounds a * b / d half up, for non-negative a, b and positive d, without
 * overflow. */
int64_t
invoice_share(int64_t a, int64_t b, int64_t d)
{
	__int128 n = (__int128)a * b;

	return (int64_t)((n + d / 2) / d);
}

/* Campaign terms. */

int
invoice_terms_set(struct db *db, int64_t campaign_id, int64_t fee_bp, const char *vat_class,
    const char *who, int64_t now, struct error *e)
{
	struct campaign c;

	if (DB_IN_WRITE(db, e) != 0 || registry_campaign_get(db, campaign_id, &c, e) != 0)
		return -1;
	if (fee_bp < 0 || fee_bp > 10000)
		return error_set(e, 400, "BAD_FEE", "a fee is 0 to 100 %%");
	if (strcmp(vat_class, "multi") != 0 && strcmp(vat_class, "single") != 0)
		return error_set(e, 400, "BAD_VAT_CLASS", "a VAT class is multi or single");
	return db_run(db, "INSERT INTO campaign_terms (campaign_id, fee_bp, vat_class, set_by, set_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", DB_ARGS(DB_INT(campaign_id), DB_INT(fee_bp),
	    DB_TEXT(vat_class), DB_TEXT(who), DB_INT(now)), e);
}

struct invoice_terms_row {
	int64_t fee_bp;
	char *vat_class;
};

static int
invoice_terms_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct invoice_terms_row *t = ctx;

	(void)e;
	t->fee_bp = db_row_int64(row, 0);
	db_row_text(row, 1, t->vat_class, 8);
	return 0;
}

int
invoice_terms_get(struct db *db, int64_t campaign_id, int64_t *fee_bp, char vat_class[8],
    struct error *e)
{
	struct invoice_terms_row t = { 0, vat_class };

	snprintf(vat_class, 8, "multi");
	if (db_one(db, "SELECT fee_bp, vat_class FROM campaign_terms WHERE campaign_id = ?1"
	    " ORDER BY id DESC LIMIT 1", DB_ARGS(DB_INT(campaign_id)), invoice_terms_read, &t, e) < 0)
		return -1;
	*fee_bp = t.fee_bp;
	return 0;
}

/* The seller, the buyer and the mentions of a document for funder_id,
 * with the VAT of part: category, rate and note. */
int
invoice_parties(struct db *db, struct invoice *inv, struct error *e)
{
	char text[201];

	if (home_operator(db, &inv->seller, e) != 0 ||
	    registry_funder_get(db, inv->funder_id, &inv->buyer, e) != 0 ||
	    registry_setting_int(db, INVOICE_SETTING_ECB_RATE, INVOICE_DEFAULT_ECB_RATE_BP,
	    &inv->mentions.ecb_rate_bp, e) != 0 ||
	    registry_setting_int(db, INVOICE_SETTING_LATE_MARGIN, INVOICE_DEFAULT_LATE_MARGIN_BP,
	    &inv->mentions.late_margin_bp, e) != 0)
		return -1;
	inv->mentions.vat_note[0] = '\0';
	inv->mentions.vat_reason_code[0] = '\0';
	if (strcmp(inv->vat_category, "O") == 0 && strcmp(inv->part, "face") == 0) {
		if (registry_setting_text(db, INVOICE_SETTING_MENTION_FACE, INVOICE_DEFAULT_MENTION_FACE,
		    text, sizeof(text), e) != 0)
			return -1;
		snprintf(inv->mentions.vat_reason_code, sizeof(inv->mentions.vat_reason_code),
		    "VATEX-EU-O");
	} else if (strcmp(inv->vat_category, "O") == 0) {
		if (registry_setting_text(db, INVOICE_SETTING_MENTION_OUTSIDE,
		    INVOICE_DEFAULT_MENTION_OUTSIDE, text, sizeof(text), e) != 0)
			return -1;
		snprintf(inv->mentions.vat_reason_code, sizeof(inv->mentions.vat_reason_code),
		    "VATEX-EU-O");
	} else if (strcmp(inv->vat_category, "E") == 0) {
		if (registry_setting_text(db, INVOICE_SETTING_MENTION_FRANCHISE,
		    INVOICE_DEFAULT_MENTION_FRANCHISE, text, sizeof(text), e) != 0)
			return -1;
		snprintf(inv->mentions.vat_reason_code, sizeof(inv->mentions.vat_reason_code),
		    "VATEX-FR-FRANCHISE");
	} else {
		text[0] = '\0';
	}
	snprintf(inv->mentions.vat_note, sizeof(inv->mentions.vat_note), "%s", text);
	return 0;
}

/* The VAT of the operator's fees for a funder in territory: category and
 * rate in basis points. */
int
invoice_fee_vat(struct db *db, const char *territory, char category[2], int64_t *rate_bp,
    struct error *e)
{
	char franchise[8];

	if (registry_setting_text(db, INVOICE_SETTING_FRANCHISE, "no", franchise, sizeof(franchise),
	    e) != 0)
		return -1;
	*rate_bp = 0;
	if (strcmp(franchise, "yes") == 0) {
		snprintf(category, 2, "E");
	} else if (strcmp(territory, "guyane") == 0 || strcmp(territory, "mayotte") == 0) {
		snprintf(category, 2, "O");
	} else {
		snprintf(category, 2, "S");
		*rate_bp = strcmp(territory, "metropole") == 0 ? 2000 : 850;
	}
	return 0;
}

/* Allocates the next number of kind ("FA" or "AV") in the year of day. */
int
invoice_next_number(struct db *db, bool credit_note, int32_t day, struct invoice *inv,
    int64_t *year_out, int64_t *seq_out, struct error *e)
{
	int year, month, mday;
	int64_t last = 0;
	char text[64];

	date_to_ymd(day, &year, &month, &mday);
	if (db_int64(db, "SELECT COALESCE(MAX(seq), 0) FROM invoices WHERE kind = ?1 AND year = ?2",
	    DB_ARGS(DB_TEXT(credit_note ? "credit_note" : "invoice"), DB_INT(year)), &last, e) < 0)
		return -1;
	if (last >= 999999)
		return error_set(e, 409, "NUMBERS_EXHAUSTED", "the year %d has no invoice number left",
		    year);

	snprintf(text, sizeof(text), "%s-%04d-%06lld", credit_note ? "AV" : "FA", year,
	    (long long)(last + 1));
	snprintf(inv->number, sizeof(inv->number), "%.14s", text);
	*year_out = year;
	*seq_out = last + 1;
	return 0;
}

/* Appends entry, records day as its accounting date, returns its seq in
 * *seq. */
int
invoice_post(struct db *db, struct ledger_entry *entry, int32_t day, int64_t *seq,
    struct error *e)
{
	if (ledger_append(db, entry, NULL, e) != 0 ||
	    period_entry_date(db, entry->seq, day, e) != 0)
		return -1;
	*seq = (int64_t)entry->seq;
	return 0;
}

/* Stores inv (its number, amounts, lines and XML, made by ubl_write). */
int
invoice_store(struct db *db, struct invoice *inv, int64_t year, int64_t seq, struct error *e)
{
	if (ubl_write(inv, &inv->xml, e) != 0)
		return -1;
	if (db_run(db, "INSERT INTO invoices (number, kind, year, seq, part, funder_id, frame, basis,"
	    " period, campaign_id, order_ref, invoice_id, reason, issue_day, first_day, last_day,"
	    " net_cents, vat_cents, total_cents, receivable_cents, vat_category, vat_rate_bp,"
	    " billing_frame, service_code, engagement, xml, entry_seq, created_at, created_by)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	    " ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)",
	    DB_ARGS(DB_TEXT(inv->number), DB_TEXT(inv->credit_note ? "credit_note" : "invoice"),
	    DB_INT(year), DB_INT(seq), DB_TEXT(inv->part), DB_INT(inv->funder_id),
	    DB_TEXT(inv->frame), DB_TEXT(inv->basis), DB_TEXT(inv->period),
	    inv->campaign_id != 0 ? DB_INT(inv->campaign_id) : DB_NULL, DB_TEXT(inv->order_ref),
	    inv->invoice_id != 0 ? DB_INT(inv->invoice_id) : DB_NULL, DB_TEXT(inv->reason),
	    DB_INT(inv->issue_day), DB_INT(inv->first_day), DB_INT(inv->last_day),
	    DB_INT(inv->net_cents), DB_INT(inv->vat_cents), DB_INT(inv->total_cents),
	    DB_INT(inv->receivable_cents), DB_TEXT(inv->vat_category), DB_INT(inv->vat_rate_bp),
	    DB_TEXT(inv->billing_frame), DB_TEXT(inv->service_code), DB_TEXT(inv->engagement),
	    DB_TEXT(inv->xml), inv->entry_seq >= 0 ? DB_INT(inv->entry_seq) : DB_NULL,
	    DB_INT(inv->created_at), DB_TEXT(inv->created_by)), e) != 0)
		return -1;
	inv->id = db_last_rowid(db);
	for (size_t i = 0; i < inv->line_count; i++) {
		const struct invoice_line *l = &inv->lines[i];
		if (db_run(db, "INSERT INTO invoice_lines (invoice_id, line, campaign_id, description,"
		    " quantity, unit_cents, net_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		    DB_ARGS(DB_INT(inv->id), DB_INT(i + 1),
		    l->campaign_id != 0 ? DB_INT(l->campaign_id) : DB_NULL, DB_TEXT(l->description),
		    DB_INT(l->quantity), DB_INT(l->unit_cents), DB_INT(l->net_cents)), e) != 0)
			return -1;
	}
	return 0;
}

/* Adds the lines' nets into inv's net, its VAT at its rate and its total,
 * with checked arithmetic. */
int
invoice_sum(struct invoice *inv, struct error *e)
{
	inv->net_cents = 0;
	for (size_t i = 0; i < inv->line_count; i++)
		if (money_add(inv->net_cents, inv->lines[i].net_cents, &inv->net_cents) != 0)
			return error_set(e, 409, "AMOUNT_TOO_LARGE", "the invoice's amount is too large");
	if (inv->net_cents > LEDGER_AMOUNT_MAX / 2)
		return error_set(e, 409, "AMOUNT_TOO_LARGE", "the invoice's amount is too large");
	inv->vat_cents = invoice_share(inv->net_cents, inv->vat_rate_bp, 10000);
	inv->total_cents = inv->net_cents + inv->vat_cents;
	return 0;
}
