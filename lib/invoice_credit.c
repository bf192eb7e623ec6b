/* Credit notes and refunds to funders (lib/invoice.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "identifiers.h"
#include "invoice_private.h"
#include "money.h"
#include "period.h"
#include "settlement.h"

/* What expiry put on funder_id's credit notes account and no "unused"
 * credit note documents yet. */
static int
invoice_unused_available(struct db *db, int64_t funder_id, int64_t *available, struct error *e)
{
	int64_t expired = 0, documented = 0;

	if (db_int64(db, "SELECT COALESCE(-SUM(p.amount), 0) FROM postings p JOIN accounts a"
	    " ON a.id = p.account_id JOIN entries n ON n.seq = p.entry_seq"
	    " WHERE a.code = printf('funder:%d:credit-notes', ?1) AND n.kind = 'expire'",
	    DB_ARGS(DB_INT(funder_id)), &expired, e) < 0 ||
	    db_int64(db, "SELECT COALESCE(SUM(total_cents), 0) FROM invoices WHERE funder_id = ?1"
	    " AND reason = 'unused'", DB_ARGS(DB_INT(funder_id)), &documented, e) < 0)
		return -1;
	*available = expired - documented;
	return 0;
}

/* The "credit-note" entry of cn on inv: what it takes off the funder's
 * invoiced receivable (cn->receivable_cents) and what it owes back (the
 * rest, 4198); debited: the funder's orders (face value: the commitment
 * again) or the fees and their VAT (still pending for the part not paid,
 * collected for the part paid). */
static int
invoice_credit_entry(struct db *db, const struct invoice *inv, struct invoice *cn, int64_t now,
    struct error *e)
{
	struct ledger_entry entry = { .time = now };
	int64_t back = cn->total_cents - cn->receivable_cents;
	int64_t vat_off = invoice_share(cn->receivable_cents, cn->vat_cents, cn->total_cents);

	snprintf(entry.kind, sizeof(entry.kind), "credit-note");
	snprintf(entry.reference, sizeof(entry.reference), "%s", cn->number);
	snprintf(entry.memo, sizeof(entry.memo), "Avoir %s sur la facture %s", cn->number,
	    inv->number);
	if (cn->receivable_cents > 0 && ledger_post(&entry, ACCOUNT_FUNDER_INVOICED, inv->funder_id,
	    -cn->receivable_cents, e) != 0)
		return -1;
	if (back > 0 && (ledger_account_open(db, ACCOUNT_FUNDER_CREDIT, inv->funder_id,
	    inv->buyer.name, e) != 0 || ledger_post(&entry, ACCOUNT_FUNDER_CREDIT, inv->funder_id,
	    -back, e) != 0))
		return -1;
	if (strcmp(inv->part, "face") == 0) {
		if (ledger_post(&entry, ACCOUNT_FUNDER_ORDERS, inv->funder_id, cn->total_cents, e) != 0)
			return -1;
	} else if (ledger_post(&entry, ACCOUNT_FEES, 0, cn->net_cents, e) != 0 ||
	    (vat_off > 0 && ledger_post(&entry, ACCOUNT_VAT_PENDING, 0, vat_off, e) != 0) ||
	    (cn->vat_cents - vat_off > 0 && ledger_post(&entry, ACCOUNT_VAT, 0,
	    cn->vat_cents - vat_off, e) != 0)) {
		return -1;
	}
	return invoice_post(db, &entry, cn->issue_day, &cn->entry_seq, e);
}

/* Fills cn from inv: parties, VAT, one line of amount. */
static int
invoice_credit_prepare(struct db *db, const struct invoice *inv, enum invoice_reason reason,
    int64_t amount, int64_t now, const char *who, struct invoice *cn, struct error *e)
{
	static const char *const reasons[] = { "error", "rejection", "unused" };
	static const char *const wording[] = { "erreur de facturation", "rejet sur Chorus Pro",
		"valeur des pass non utilisés (expiration)" };
	struct invoice_line *l;

	memset(cn, 0, sizeof(*cn));
	cn->credit_note = true;
	cn->entry_seq = -1;
	cn->funder_id = inv->funder_id;
	cn->invoice_id = inv->id;
	snprintf(cn->invoice_number, sizeof(cn->invoice_number), "%s", inv->number);
	snprintf(cn->reason, sizeof(cn->reason), "%s", reasons[reason]);
	snprintf(cn->part, sizeof(cn->part), "%s", inv->part);
	snprintf(cn->frame, sizeof(cn->frame), "%s", inv->frame);
	snprintf(cn->basis, sizeof(cn->basis), "credit");
	snprintf(cn->vat_category, sizeof(cn->vat_category), "%s", inv->vat_category);
	cn->vat_rate_bp = inv->vat_rate_bp;
	snprintf(cn->billing_frame, sizeof(cn->billing_frame), "%s", inv->billing_frame);
	snprintf(cn->service_code, sizeof(cn->service_code), "%s", inv->service_code);
	snprintf(cn->engagement, sizeof(cn->engagement), "%s", inv->engagement);
	snprintf(cn->created_by, sizeof(cn->created_by), "%s", who);
	cn->created_at = now;
	cn->issue_day = clock_local_day(now, CLOCK_TZ_PARIS);
	cn->first_day = inv->first_day;
	cn->last_day = inv->last_day;
	if (invoice_parties(db, cn, e) != 0)
		return -1;
	/* amount is the total (TTC); the line carries its net. */
	cn->total_cents = amount;
	cn->vat_cents = invoice_share(amount, inv->vat_cents, inv->total_cents);
	cn->net_cents = amount - cn->vat_cents;
	l = invoice_add_line(cn);
	l->quantity = 1;
	l->unit_cents = l->net_cents = cn->net_cents;
	snprintf(l->description, sizeof(l->description), "Avoir sur la facture %s : %s",
	    inv->number, wording[reason]);
	return 0;
}

/* Checks amount (0: the default) against inv for reason; sets *amount. */
static int
invoice_credit_amount(struct db *db, const struct invoice *inv, enum invoice_reason reason,
    int64_t *amount, int64_t credited, struct error *e)
{
	int64_t left = inv->total_cents - credited, available = 0;
	char text[MONEY_FORMAT_SIZE];

	if (left <= 0)
		return error_set(e, 409, "ALREADY_CREDITED", "%s is already credited in full",
		    inv->number);
	if (reason == INVOICE_REASON_UNUSED) {
		if (strcmp(inv->part, "face") != 0)
			return error_set(e, 409, "NOT_FACE_VALUE", "unused value is credited on an invoice"
			    " of passes, not of fees");
		if (invoice_unused_available(db, inv->funder_id, &available, e) != 0)
			return -1;
		if (*amount == 0)
			*amount = available < left ? available : left;
		if (*amount <= 0)
			return error_set(e, 409, "NOTHING_UNUSED", "funder %lld has no expired value left"
			    " to document (passnum expire, campaigns with --unused refund)",
			    (long long)inv->funder_id);
		if (*amount > available) {
			money_format(available, text, sizeof(text));
			return error_set(e, 409, "CREDIT_TOO_LARGE", "only %s EUR of expired value is"
			    " left to document for funder %lld", text, (long long)inv->funder_id);
		}
	}
	if (reason == INVOICE_REASON_REJECTION && *amount != 0 && *amount != left)
		return error_set(e, 409, "CREDIT_NOT_WHOLE", "a rejected invoice is credited in full");
	if (*amount == 0)
		*amount = left;
	if (*amount > left) {
		money_format(left, text, sizeof(text));
		return error_set(e, 409, "CREDIT_TOO_LARGE", "%s has %s EUR left to credit",
		    inv->number, text);
	}
	return 0;
}

int
invoice_credit_note(struct db *db, const char *number, enum invoice_reason reason,
    int64_t amount_cents, int64_t now, const char *who, struct invoice *out, struct error *e)
{
	int64_t owed = 0, credited = 0, year, seq;
	struct invoice inv;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (DB_IN_WRITE(db, e) != 0 || invoice_get(db, number, &inv, e) != 0)
		return -1;
	if (inv.credit_note) {
		error_set(e, 409, "NOT_AN_INVOICE", "%s is a credit note: a credit note refers to an"
		    " invoice", number);
		goto done;
	}
	if (invoice_owed(db, inv.id, &owed, &credited, e) != 0 ||
	    invoice_credit_amount(db, &inv, reason, &amount_cents, credited, e) != 0 ||
	    invoice_credit_prepare(db, &inv, reason, amount_cents, now, who, out, e) != 0 ||
	    period_check_open(db, out->issue_day, e) != 0 ||
	    invoice_next_number(db, true, out->issue_day, out, &year, &seq, e) != 0)
		goto done;
	/* Unused value is already owed back by the expire entry: no entry. */
	if (reason != INVOICE_REASON_UNUSED && inv.entry_seq >= 0) {
		out->receivable_cents = amount_cents < owed ? amount_cents : (owed > 0 ? owed : 0);
		if (invoice_credit_entry(db, &inv, out, now, e) != 0)
			goto done;
	}
	rc = invoice_store(db, out, year, seq, e);
done:
	invoice_free(&inv);
	if (rc != 0)
		invoice_free(out);
	return rc;
}

/* Refunds. */

/* Fills s as a one-transfer settlement: the refund's ids and text. */
static void
invoice_refund_fill(const struct operator_info *op, int64_t id, const char *creditor,
    const char *iban, const char *titre, int64_t amount, int64_t now, const char *who,
    struct settlement *s)
{
	struct settlement_payout *p;
	char tag[9], period[DATE_PERIOD_SIZE], compact[7], text[300];
	int32_t today = clock_local_day(now, CLOCK_TZ_PARIS);

	memset(s, 0, sizeof(*s));
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		abort();
	s->payouts = p;
	s->payout_count = 1;
	settlement_origin_tag(op->origin, tag);
	date_period_format(today, period);
	snprintf(compact, sizeof(compact), "%.4s%.2s", period, period + 5);
	s->id = id;
	snprintf(s->period, sizeof(s->period), "%s", period);
	snprintf(s->msg_id, sizeof(s->msg_id), "RF-%s-%s-%06lld", tag, compact, (long long)id);
	snprintf(s->pmt_inf_id, sizeof(s->pmt_inf_id), "RI-%s-%s-%06lld", tag, compact,
	    (long long)id);
	s->count = 1;
	s->total_cents = amount;
	s->execution_day = today;
	s->created_at = now;
	snprintf(s->created_by, sizeof(s->created_by), "%s", who);
	s->debtor = *op;
	settlement_sepa_text(op->name, s->debtor_name, SETTLEMENT_NAME_MAX);
	p->id = id;
	p->amount_cents = amount;
	snprintf(p->name, sizeof(p->name), "%s", creditor);
	settlement_sepa_text(creditor, p->creditor, SETTLEMENT_NAME_MAX);
	snprintf(p->iban, sizeof(p->iban), "%s", iban);
	snprintf(p->end_to_end_id, sizeof(p->end_to_end_id), "RF-%s-R%010lld", tag, (long long)id);
	snprintf(p->statement, sizeof(p->statement), "RMB-%s-%06lld", compact, (long long)id);
	snprintf(text, sizeof(text), "Remboursement d'avoirs, titre de recettes %s", titre);
	settlement_sepa_text(text, p->remittance, SETTLEMENT_REMITTANCE_MAX);
	snprintf(p->status, sizeof(p->status), "issued");
}

int
invoice_refund(struct db *db, int64_t funder_id, const char *titre, const char *iban,
    const char *creditor, int64_t amount_cents, int64_t now, const char *who,
    struct settlement *out, struct error *e)
{
	struct ledger_entry entry = { .time = now };
	char code[LEDGER_ACCOUNT_MAX + 1], text[MONEY_FORMAT_SIZE];
	struct operator_info op;
	int64_t owed = 0, id = 0, seq = 0;
	struct funder f;
	int rc;

	memset(out, 0, sizeof(*out));
	if (DB_IN_WRITE(db, e) != 0 || registry_funder_get(db, funder_id, &f, e) != 0 ||
	    home_operator(db, &op, e) != 0)
		return -1;
	if (op.iban[0] == '\0')
		return error_set(e, 409, "NO_OPERATOR_IBAN", "the operator has no IBAN (passnum"
		    " operator set --iban): a refund is paid from it");
	rc = db_one(db, "SELECT 1 FROM refunds WHERE funder_id = ?1 AND titre = ?2",
	    DB_ARGS(DB_INT(funder_id), DB_TEXT(titre)), NULL, NULL, e);
	if (rc != 0)
		return rc < 0 ? -1 : error_set(e, 409, "DUPLICATE_TITRE", "titre de recettes %s of"
		    " funder %lld is already refunded", titre, (long long)funder_id);
	ledger_account_code(ACCOUNT_FUNDER_CREDIT, funder_id, code);
	if (ledger_balance(db, code, &owed, e) != 0)
		return -1;
	owed = -owed;
	if (owed <= 0)
		return error_set(e, 409, "NOTHING_TO_REFUND", "nothing is owed back to funder %lld",
		    (long long)funder_id);
	if (amount_cents == 0)
		amount_cents = owed;
	if (amount_cents > owed) {
		money_format(owed, text, sizeof(text));
		return error_set(e, 409, "REFUND_TOO_LARGE", "only %s EUR is owed back to funder %lld",
		    text, (long long)funder_id);
	}
	if (period_check_open(db, clock_local_day(now, CLOCK_TZ_PARIS), e) != 0 ||
	    db_int64(db, "SELECT COALESCE(MAX(id), 0) + 1 FROM refunds", DB_NO_ARGS, &id, e) < 0)
		return -1;
	invoice_refund_fill(&op, id, creditor[0] != '\0' ? creditor : f.name, iban, titre,
	    amount_cents, now, who, out);
	snprintf(entry.kind, sizeof(entry.kind), "refund");
	snprintf(entry.reference, sizeof(entry.reference), "refund:%lld", (long long)id);
	snprintf(entry.memo, sizeof(entry.memo), "Remboursement d'avoirs a un financeur");
	if (ledger_account_open(db, ACCOUNT_REFUNDS_TRANSIT, 0, NULL, e) != 0 ||
	    ledger_post(&entry, ACCOUNT_FUNDER_CREDIT, funder_id, amount_cents, e) != 0 ||
	    ledger_post(&entry, ACCOUNT_REFUNDS_TRANSIT, 0, -amount_cents, e) != 0 ||
	    invoice_post(db, &entry, out->execution_day, &seq, e) != 0 ||
	    db_run(db, "INSERT INTO refunds (id, funder_id, titre, iban, creditor_name, amount_cents,"
	    " msg_id, pmt_inf_id, end_to_end_id, remittance, execution_day, entry_seq, created_at,"
	    " created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	    DB_ARGS(DB_INT(id), DB_INT(funder_id), DB_TEXT(titre), DB_TEXT(iban),
	    DB_TEXT(out->payouts[0].name), DB_INT(amount_cents), DB_TEXT(out->msg_id),
	    DB_TEXT(out->pmt_inf_id), DB_TEXT(out->payouts[0].end_to_end_id),
	    DB_TEXT(out->payouts[0].remittance), DB_INT(out->execution_day), DB_INT(seq),
	    DB_INT(now), DB_TEXT(who)), e) != 0) {
		settlement_free(out);
		return -1;
	}
	return 0;
}
