/* Reading documents, their statuses and payment-delay clock, payments
 * received, totals and the checks of `ledger verify` (lib/invoice.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "invoice_private.h"
#include "money.h"
#include "period.h"
#include "settlement.h"

#define INVOICE_COLUMNS "i.id, i.number, i.kind, i.part, i.funder_id, i.frame, i.basis," \
	" i.period, COALESCE(i.campaign_id, 0), i.order_ref, COALESCE(i.invoice_id, 0)," \
	" COALESCE(o.number, ''), i.reason, i.issue_day, i.first_day, i.last_day, i.net_cents," \
	" i.vat_cents, i.total_cents, i.receivable_cents, i.vat_category, i.vat_rate_bp," \
	" i.billing_frame, i.service_code, i.engagement, COALESCE(i.entry_seq, -1), i.created_at," \
	" i.created_by, i.xml FROM invoices i LEFT JOIN invoices o ON o.id = i.invoice_id"

static int
invoice_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct invoice *inv = ctx;
	const char *xml;
	size_t len = 0;
	char kind[12];

	(void)e;
	memset(inv, 0, sizeof(*inv));
	inv->id = db_row_int64(row, 0);
	db_row_text(row, 1, inv->number, sizeof(inv->number));
	db_row_text(row, 2, kind, sizeof(kind));
	inv->credit_note = strcmp(kind, "credit_note") == 0;
	db_row_text(row, 3, inv->part, sizeof(inv->part));
	inv->funder_id = db_row_int64(row, 4);
	db_row_text(row, 5, inv->frame, sizeof(inv->frame));
	db_row_text(row, 6, inv->basis, sizeof(inv->basis));
	db_row_text(row, 7, inv->period, sizeof(inv->period));
	inv->campaign_id = db_row_int64(row, 8);
	db_row_text(row, 9, inv->order_ref, sizeof(inv->order_ref));
	inv->invoice_id = db_row_int64(row, 10);
	db_row_text(row, 11, inv->invoice_number, sizeof(inv->invoice_number));
	db_row_text(row, 12, inv->reason, sizeof(inv->reason));
	inv->issue_day = (int32_t)db_row_int64(row, 13);
	inv->first_day = (int32_t)db_row_int64(row, 14);
	inv->last_day = (int32_t)db_row_int64(row, 15);
	inv->net_cents = db_row_int64(row, 16);
	inv->vat_cents = db_row_int64(row, 17);
	inv->total_cents = db_row_int64(row, 18);
	inv->receivable_cents = db_row_int64(row, 19);
	db_row_text(row, 20, inv->vat_category, sizeof(inv->vat_category));
	inv->vat_rate_bp = db_row_int64(row, 21);
	db_row_text(row, 22, inv->billing_frame, sizeof(inv->billing_frame));
	db_row_text(row, 23, inv->service_code, sizeof(inv->service_code));
	db_row_text(row, 24, inv->engagement, sizeof(inv->engagement));
	inv->entry_seq = db_row_int64(row, 25);
	inv->created_at = db_row_int64(row, 26);
	db_row_text(row, 27, inv->created_by, sizeof(inv->created_by));
	xml = db_row_text_ptr(row, 28, &len);
	inv->xml = malloc(len + 1);
	if (inv->xml == NULL)
		abort();
	memcpy(inv->xml, xml != NULL ? xml : "", xml != NULL ? len : 0);
	inv->xml[xml != NULL ? len : 0] = '\0';
	return 0;
}

static int
invoice_line_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct invoice_line *l = invoice_add_line(ctx);

	(void)e;
	l->campaign_id = db_row_int64(row, 0);
	db_row_text(row, 1, l->description, sizeof(l->description));
	l->quantity = db_row_int64(row, 2);
	l->unit_cents = db_row_int64(row, 3);
	l->net_cents = db_row_int64(row, 4);
	return 0;
}

/* Reads the lines and parties of inv, just read by invoice_row. */
static int
invoice_complete(struct db *db, struct invoice *inv, struct error *e)
{
	if (db_each(db, "SELECT COALESCE(campaign_id, 0), description, quantity, unit_cents,"
	    " net_cents FROM invoice_lines WHERE invoice_id = ?1 ORDER BY line",
	    DB_ARGS(DB_INT(inv->id)), invoice_line_row, inv, e) != 0 ||
	    invoice_parties(db, inv, e) != 0) {
		invoice_free(inv);
		return -1;
	}
	return 0;
}

int
invoice_load(struct db *db, int64_t id, struct invoice *out, struct error *e)
{
	int rc = db_one(db, "SELECT " INVOICE_COLUMNS " WHERE i.id = ?1", DB_ARGS(DB_INT(id)),
	    invoice_row, out, e);

	if (rc <= 0) {
		memset(out, 0, sizeof(*out));
		return rc < 0 ? -1 : error_set(e, 404, "NO_INVOICE", "no invoice with id %lld",
		    (long long)id);
	}
	return invoice_complete(db, out, e);
}

int
invoice_get(struct db *db, const char *number, struct invoice *out, struct error *e)
{
	int rc = db_one(db, "SELECT " INVOICE_COLUMNS " WHERE i.number = ?1",
	    DB_ARGS(DB_TEXT(number)), invoice_row, out, e);

	if (rc <= 0) {
		memset(out, 0, sizeof(*out));
		return rc < 0 ? -1 : error_set(e, 404, "NO_INVOICE", "no invoice or credit note %s",
		    number);
	}
	return invoice_complete(db, out, e);
}

int
invoice_owed(struct db *db, int64_t id, int64_t *owed, int64_t *credited, struct error *e)
{
	int64_t receivable = 0, off = 0, paid = 0;

	*credited = 0;
	if (db_int64(db, "SELECT receivable_cents FROM invoices WHERE id = ?1", DB_ARGS(DB_INT(id)),
	    &receivable, e) < 0 ||
	    db_int64(db, "SELECT COALESCE(SUM(receivable_cents), 0) FROM invoices"
	    " WHERE invoice_id = ?1", DB_ARGS(DB_INT(id)), &off, e) < 0 ||
	    db_int64(db, "SELECT COALESCE(SUM(total_cents), 0) FROM invoices WHERE invoice_id = ?1",
	    DB_ARGS(DB_INT(id)), credited, e) < 0 ||
	    db_int64(db, "SELECT COALESCE(SUM(amount_cents), 0) FROM invoice_payments"
	    " WHERE invoice_id = ?1", DB_ARGS(DB_INT(id)), &paid, e) < 0)
		return -1;
	*owed = receivable - off - paid;
	return 0;
}

/* Statuses. */

int
invoice_status_add(struct db *db, int64_t id, int status, int32_t day, const char *who,
    int64_t now, struct error *e)
{
	return db_run(db, "INSERT INTO invoice_statuses (invoice_id, status, day, recorded_by,"
	    " recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)", DB_ARGS(DB_INT(id),
	    DB_TEXT(invoice_statuses[status]), DB_INT(day), DB_TEXT(who), DB_INT(now)), e);
}

struct invoice_last_status {
	int status;  /* -1 none */
	int32_t day;
};

static int
invoice_last_status_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct invoice_last_status *s = ctx;
	char text[32];

	db_row_text(row, 0, text, sizeof(text));
	s->day = (int32_t)db_row_int64(row, 1);
	return invoice_status_parse(text, &s->status, e);
}

/* Whether status may follow last (-1: none): Déposée first (or Payée for a
 * funder that pays outside Chorus Pro); nothing after Rejetée or Payée;
 * only Payée after Mise en paiement. */
static bool
invoice_transition_ok(int last, int status)
{
	enum { DEPOSEE, REJETEE, SUSPENDUE, MISE, PAYEE };

	switch (last) {
	case -1: return status == DEPOSEE || status == PAYEE;
	case DEPOSEE: return status != DEPOSEE;
	case SUSPENDUE: return status != SUSPENDUE;
	case MISE: return status == PAYEE;
	default: return false;
	}
}

int
invoice_status_set(struct db *db, const char *number, int status, int32_t day, int32_t today,
    const char *who, int64_t now, struct error *e)
{
	struct invoice_last_status last = { -1, 0 };
	struct invoice inv;

	if (DB_IN_WRITE(db, e) != 0 || invoice_get(db, number, &inv, e) != 0)
		return -1;
	invoice_free(&inv);
	if (day > today)
		return error_set(e, 400, "DAY_IN_FUTURE", "a status is recorded on a day that has come");
	if (day < inv.issue_day)
		return error_set(e, 409, "DAY_BEFORE_ISSUE", "%s was issued after that day", number);
	if (db_one(db, "SELECT status, day FROM invoice_statuses WHERE invoice_id = ?1"
	    " ORDER BY id DESC LIMIT 1", DB_ARGS(DB_INT(inv.id)), invoice_last_status_row, &last,
	    e) < 0)
		return -1;
	if (!invoice_transition_ok(last.status, status))
		return error_set(e, 409, "BAD_TRANSITION", "%s is %s: it cannot become %s", number,
		    last.status < 0 ? "not deposited yet" : invoice_statuses[last.status],
		    invoice_statuses[status]);
	if (last.status >= 0 && day < last.day)
		return error_set(e, 409, "DAY_BEFORE_LAST", "%s's last status is of a later day",
		    number);
	return invoice_status_add(db, inv.id, status, day, who, now, e);
}

/* The payment-delay clock of a document at today. */
struct invoice_clock {
	int32_t receipt_day, due_day, end_day;
	int64_t suspended_days, days_late, interest_cents, indemnity_cents;
	int last_status;
	int32_t suspended_since; /* -1 when not suspended */
	json_t *history;
};

static int
invoice_clock_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct invoice_clock *c = ctx;
	char status[32], day_text[DATE_FORMAT_SIZE], at[CLOCK_INSTANT_SIZE];
	int32_t day = (int32_t)db_row_int64(row, 1);
	int s;

	db_row_text(row, 0, status, sizeof(status));
	if (invoice_status_parse(status, &s, e) != 0)
		return -1;
	date_format(day, day_text);
	clock_instant_format(db_row_int64(row, 3), at);
	json_array_append_new(c->history, json_pack("{s:s, s:s, s:s?, s:s}", "status", status,
	    "day", day_text, "recorded_by", db_row_text_ptr(row, 2, NULL), "recorded_at", at));
	if (c->suspended_since >= 0) {
		c->suspended_days += day - c->suspended_since;
		c->suspended_since = -1;
	}
	if (s == 0 && c->receipt_day < 0)
		c->receipt_day = day;
	if (s == 2)
		c->suspended_since = day;
	if ((s == 1 || s == 3 || s == 4) && c->end_day < 0)
		c->end_day = day;
	c->last_status = s;
	return 0;
}

/* Computes inv's clock at today: received on its first Déposée (else on
 * its issue day), due 30 days later; it stops at Rejetée, Mise en paiement
 * or Payée and does not run while Suspendue. Late interest at the ECB rate
 * plus the margin on the total, per day late over 365, and the fixed
 * indemnity once late. */
static int
invoice_clock(struct db *db, const struct invoice *inv, int32_t today, struct invoice_clock *c,
    struct error *e)
{
	int64_t late;

	memset(c, 0, sizeof(*c));
	c->receipt_day = -1;
	c->end_day = -1;
	c->last_status = -1;
	c->suspended_since = -1;
	c->history = json_array();
	if (db_each(db, "SELECT status, day, recorded_by, recorded_at FROM invoice_statuses"
	    " WHERE invoice_id = ?1 ORDER BY id", DB_ARGS(DB_INT(inv->id)), invoice_clock_row, c,
	    e) != 0) {
		json_decref(c->history);
		return -1;
	}
	if (c->receipt_day < 0)
		c->receipt_day = inv->issue_day;
	if (c->end_day < 0)
		c->end_day = today;
	if (c->suspended_since >= 0)
		c->suspended_days += c->end_day - c->suspended_since;
	c->due_day = c->receipt_day + INVOICE_DUE_DAYS;
	late = (int64_t)c->end_day - c->due_day - c->suspended_days;
	c->days_late = inv->credit_note || c->last_status == 1 || late < 0 ? 0 : late;
	if (c->days_late > 0) {
		c->interest_cents = invoice_share(inv->total_cents, (inv->mentions.ecb_rate_bp +
		    inv->mentions.late_margin_bp) * c->days_late, 10000 * 365);
		c->indemnity_cents = INVOICE_INDEMNITY_CENTS;
	}
	return 0;
}

static void
invoice_money_set(json_t *obj, const char *name, int64_t cents)
{
	char text[MONEY_FORMAT_SIZE], key[64];

	money_format(cents, text, sizeof(text));
	snprintf(key, sizeof(key), "%s_cents", name);
	json_object_set_new(obj, key, json_integer(cents));
	json_object_set_new(obj, name, json_string(text));
}

static void
invoice_day_set(json_t *obj, const char *name, int32_t day)
{
	char text[DATE_FORMAT_SIZE];

	date_format(day, text);
	json_object_set_new(obj, name, json_string(text));
}

json_t *
invoice_json(struct db *db, const struct invoice *inv, int32_t today, struct error *e)
{
	struct invoice_clock c;
	int64_t owed = 0, credited = 0;
	json_t *obj, *lines = json_array(), *clock;

	if (invoice_clock(db, inv, today, &c, e) != 0 ||
	    (!inv->credit_note && invoice_owed(db, inv->id, &owed, &credited, e) != 0)) {
		json_decref(lines);
		return NULL;
	}
	for (size_t i = 0; i < inv->line_count; i++) {
		json_t *l = json_pack("{s:s, s:I}", "description", inv->lines[i].description,
		    "quantity", (json_int_t)inv->lines[i].quantity);
		invoice_money_set(l, "unit", inv->lines[i].unit_cents);
		invoice_money_set(l, "net", inv->lines[i].net_cents);
		json_array_append_new(lines, l);
	}
	obj = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o}",
	    "id", (json_int_t)inv->id, "number", inv->number, "kind", inv->credit_note ?
	    "credit_note" : "invoice", "part", inv->part, "funder_id", (json_int_t)inv->funder_id,
	    "frame", inv->frame, "basis", inv->basis, "vat_category", inv->vat_category,
	    "billing_frame", inv->billing_frame, "engagement", inv->engagement, "service_code",
	    inv->service_code, "vat_rate_bp", (json_int_t)inv->vat_rate_bp, "lines", lines);
	if (inv->period[0] != '\0')
		json_object_set_new(obj, "period", json_string(inv->period));
	if (inv->campaign_id != 0)
		json_object_set_new(obj, "campaign_id", json_integer(inv->campaign_id));
	if (inv->order_ref[0] != '\0')
		json_object_set_new(obj, "order_ref", json_string(inv->order_ref));
	if (inv->credit_note) {
		json_object_set_new(obj, "invoice", json_string(inv->invoice_number));
		json_object_set_new(obj, "reason", json_string(inv->reason));
	}
	invoice_day_set(obj, "issue_day", inv->issue_day);
	invoice_day_set(obj, "first_day", inv->first_day);
	invoice_day_set(obj, "last_day", inv->last_day);
	invoice_money_set(obj, "net", inv->net_cents);
	invoice_money_set(obj, "vat", inv->vat_cents);
	invoice_money_set(obj, "total", inv->total_cents);
	if (!inv->credit_note) {
		invoice_money_set(obj, "owed", owed);
		invoice_money_set(obj, "credited", credited);
	}
	json_object_set_new(obj, "entry_seq", inv->entry_seq >= 0 ?
	    json_integer(inv->entry_seq) : json_null());
	json_object_set_new(obj, "status", c.last_status >= 0 ?
	    json_string(invoice_statuses[c.last_status]) : json_string("Émise"));
	json_object_set_new(obj, "statuses", c.history);
	clock = json_object();
	invoice_day_set(clock, "receipt_day", c.receipt_day);
	invoice_day_set(clock, "due_day", c.due_day);
	json_object_set_new(clock, "days_late", json_integer(c.days_late));
	json_object_set_new(clock, "suspended_days", json_integer(c.suspended_days));
	json_object_set_new(clock, "rate_bp", json_integer(inv->mentions.ecb_rate_bp +
	    inv->mentions.late_margin_bp));
	invoice_money_set(clock, "interest", c.interest_cents);
	invoice_money_set(clock, "indemnity", c.indemnity_cents);
	json_object_set_new(obj, "clock", clock);
	return obj;
}

struct invoice_list {
	struct db *db;
	json_t *all;
	int32_t today;
};

static int
invoice_list_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct invoice_list *l = ctx;
	struct invoice inv;
	json_t *obj;

	if (invoice_load(l->db, db_row_int64(row, 0), &inv, e) != 0)
		return -1;
	obj = invoice_json(l->db, &inv, l->today, e);
	invoice_free(&inv);
	if (obj == NULL)
		return -1;
	json_array_append_new(l->all, obj);
	return 0;
}

json_t *
invoice_list_json(struct db *db, int64_t funder_id, struct error *e)
{
	struct invoice_list l = { db, json_array(), clock_today(CLOCK_TZ_PARIS) };

	if (db_each(db, "SELECT id FROM invoices WHERE ?1 = 0 OR funder_id = ?1"
	    " ORDER BY kind DESC, year, seq", DB_ARGS(DB_INT(funder_id)), invoice_list_row, &l,
	    e) != 0) {
		json_decref(l.all);
		return NULL;
	}
	return l.all;
}

/* Payments. */

int
invoice_record_payment(struct db *db, const char *number, int64_t amount_cents, int64_t day,
    const char *bank_ref, struct error *e)
{
	struct ledger_entry entry = { .time = clock_now() };
	char owed_text[MONEY_FORMAT_SIZE];
	int64_t owed = 0, credited = 0, seq = 0, vat_share;
	struct invoice inv;
	int rc;

	if (DB_IN_WRITE(db, e) != 0 || invoice_get(db, number, &inv, e) != 0)
		return -1;
	invoice_free(&inv);
	if (inv.credit_note)
		return error_set(e, 409, "NOT_AN_INVOICE", "%s is a credit note, not an invoice", number);
	if (amount_cents <= 0 || bank_ref == NULL || bank_ref[0] == '\0' || strlen(bank_ref) > 200)
		return error_set(e, 400, "BAD_PAYMENT", "a payment has a positive amount and a bank"
		    " reference of 1 to 200 bytes");
	if (invoice_owed(db, inv.id, &owed, &credited, e) != 0)
		return -1;
	if (amount_cents > owed) {
		money_format(owed, owed_text, sizeof(owed_text));
		return error_set(e, 409, "OVERPAID", "%s: %s EUR is owed on it, less than the payment",
		    number, owed_text);
	}
	/* The VAT share of this payment becomes due (TVA sur les encaissements). */
	vat_share = inv.vat_cents > 0 ? invoice_share(amount_cents, inv.vat_cents,
	    inv.total_cents) : 0;
	snprintf(entry.kind, sizeof(entry.kind), "invoice-payment");
	snprintf(entry.reference, sizeof(entry.reference), "%s", number);
	snprintf(entry.memo, sizeof(entry.memo), "Paiement de la facture %s", number);
	if (ledger_post(&entry, ACCOUNT_BANK, 0, amount_cents, e) != 0 ||
	    ledger_post(&entry, ACCOUNT_FUNDER_INVOICED, inv.funder_id, -amount_cents, e) != 0 ||
	    (vat_share > 0 && (ledger_post(&entry, ACCOUNT_VAT_PENDING, 0, vat_share, e) != 0 ||
	    ledger_post(&entry, ACCOUNT_VAT, 0, -vat_share, e) != 0)) ||
	    invoice_post(db, &entry, (int32_t)day, &seq, e) != 0)
		return -1;
	if (db_run(db, "INSERT INTO invoice_payments (invoice_id, amount_cents, day, bank_ref,"
	    " entry_seq, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", DB_ARGS(DB_INT(inv.id),
	    DB_INT(amount_cents), DB_INT(day), DB_TEXT(bank_ref), DB_INT(seq), DB_INT(entry.time)),
	    e) != 0)
		return -1;
	if (amount_cents < owed)
		return 0;
	/* Paid in full: what the operator advanced for its passes is repaid. */
	if (settlement_float_clear(db, inv.id, number, (int32_t)day, entry.time, e) != 0)
		return -1;
	rc = db_one(db, "SELECT 1 FROM invoice_statuses WHERE invoice_id = ?1 AND status = 'Payée'",
	    DB_ARGS(DB_INT(inv.id)), NULL, NULL, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return invoice_status_add(db, inv.id, INVOICE_STATUS_COUNT - 1, (int32_t)day, "bank",
	    entry.time, e);
}

/* Totals. */

int
invoice_totals(struct db *db, int64_t funder_id, int32_t first_day, int32_t last_day,
    struct invoice_totals *t, struct error *e)
{
	int64_t first = clock_local_day_start(first_day, CLOCK_TZ_PARIS);
	int64_t end = clock_local_day_start(last_day + 1, CLOCK_TZ_PARIS);

	memset(t, 0, sizeof(*t));
	if (db_int64(db, "SELECT COALESCE(SUM(total_cents), 0) FROM invoices WHERE funder_id = ?1"
	    " AND kind = 'invoice' AND issue_day BETWEEN ?2 AND ?3", DB_ARGS(DB_INT(funder_id),
	    DB_INT(first_day), DB_INT(last_day)), &t->invoiced_cents, e) < 0 ||
	    db_int64(db, "SELECT COUNT(*) FROM invoices WHERE funder_id = ?1 AND kind = 'invoice'"
	    " AND issue_day BETWEEN ?2 AND ?3", DB_ARGS(DB_INT(funder_id), DB_INT(first_day),
	    DB_INT(last_day)), &t->invoices, e) < 0 ||
	    db_int64(db, "SELECT COALESCE(SUM(total_cents), 0) FROM invoices WHERE funder_id = ?1"
	    " AND kind = 'credit_note' AND issue_day BETWEEN ?2 AND ?3", DB_ARGS(DB_INT(funder_id),
	    DB_INT(first_day), DB_INT(last_day)), &t->credited_cents, e) < 0 ||
	    db_int64(db, "SELECT COUNT(*) FROM invoices WHERE funder_id = ?1 AND kind = 'credit_note'"
	    " AND issue_day BETWEEN ?2 AND ?3", DB_ARGS(DB_INT(funder_id), DB_INT(first_day),
	    DB_INT(last_day)), &t->credit_notes, e) < 0 ||
	    db_int64(db, "SELECT COALESCE(SUM(p.amount_cents), 0) FROM invoice_payments p JOIN"
	    " invoices i ON i.id = p.invoice_id WHERE i.funder_id = ?1 AND p.day BETWEEN ?2 AND ?3",
	    DB_ARGS(DB_INT(funder_id), DB_INT(first_day), DB_INT(last_day)), &t->paid_cents,
	    e) < 0 ||
	    db_int64(db, "SELECT COALESCE(SUM(amount_cents), 0) FROM refunds WHERE funder_id = ?1"
	    " AND created_at >= ?2 AND created_at < ?3", DB_ARGS(DB_INT(funder_id), DB_INT(first),
	    DB_INT(end)), &t->refunded_cents, e) < 0)
		return -1;
	return 0;
}

/* The audit. */

struct invoice_audit {
	struct db *db;
	char *what;
	int bad;
};

/* The sum of entry seq's postings on account code, and whether the entry
 * has kind. */
static int
invoice_audit_entry(struct db *db, int64_t seq, const char *kind, const char *code,
    int64_t *sum, bool *kind_ok, struct error *e)
{
	int rc = db_one(db, "SELECT 1 FROM entries WHERE seq = ?1 AND kind = ?2",
	    DB_ARGS(DB_INT(seq), DB_TEXT(kind)), NULL, NULL, e);

	if (rc < 0)
		return -1;
	*kind_ok = rc == 1;
	return db_int64(db, "SELECT COALESCE(SUM(p.amount), 0) FROM postings p JOIN accounts a"
	    " ON a.id = p.account_id WHERE p.entry_seq = ?1 AND a.code = ?2",
	    DB_ARGS(DB_INT(seq), DB_TEXT(code)), sum, e) < 0 ? -1 : 0;
}

static int
invoice_audit_doc(const struct db_row *row, void *ctx, struct error *e)
{
	struct invoice_audit *a = ctx;
	char code[LEDGER_ACCOUNT_MAX + 1], number[INVOICE_NUMBER_SIZE];
	bool credit_note = db_row_int64(row, 2) != 0, kind_ok;
	int64_t receivable = db_row_int64(row, 4), sum = 0;

	db_row_text(row, 0, number, sizeof(number));
	if (db_row_is_null(row, 3)) {
		if (receivable != 0 && !credit_note) {
			snprintf(a->what, 256, "%s: a receivable without a ledger entry", number);
			a->bad = 1;
			return 1;
		}
		return 0;
	}
	ledger_account_code(ACCOUNT_FUNDER_INVOICED, db_row_int64(row, 1), code);
	if (invoice_audit_entry(a->db, db_row_int64(row, 3), credit_note ? "credit-note" :
	    "invoice", code, &sum, &kind_ok, e) != 0)
		return -1;
	if (!kind_ok || sum != (credit_note ? -receivable : receivable)) {
		snprintf(a->what, 256, "%s: its entry %lld %s", number, (long long)db_row_int64(row, 3),
		    !kind_ok ? "is of another kind" : "does not move the funder's invoiced receivable"
		    " by its amount");
		a->bad = 1;
		return 1;
	}
	return 0;
}

static int
invoice_audit_payment(const struct db_row *row, void *ctx, struct error *e)
{
	struct invoice_audit *a = ctx;
	char code[LEDGER_ACCOUNT_MAX + 1];
	int64_t sum = 0;
	bool kind_ok;

	ledger_account_code(ACCOUNT_FUNDER_INVOICED, db_row_int64(row, 1), code);
	if (invoice_audit_entry(a->db, db_row_int64(row, 2), "invoice-payment", code, &sum,
	    &kind_ok, e) != 0)
		return -1;
	if (!kind_ok || sum != -db_row_int64(row, 3)) {
		snprintf(a->what, 256, "payment %lld: its entry %lld does not credit the funder's"
		    " invoiced receivable by its amount", (long long)db_row_int64(row, 0),
		    (long long)db_row_int64(row, 2));
		a->bad = 1;
		return 1;
	}
	return 0;
}

static int
invoice_audit_funder(const struct db_row *row, void *ctx, struct error *e)
{
	struct invoice_audit *a = ctx;
	int64_t expected = 0, balance = db_row_int64(row, 1), funder = db_row_int64(row, 0);

	if (db_int64(a->db, "SELECT (SELECT COALESCE(SUM(CASE kind WHEN 'invoice' THEN"
	    " receivable_cents ELSE -receivable_cents END), 0) FROM invoices WHERE funder_id = ?1)"
	    " - (SELECT COALESCE(SUM(p.amount_cents), 0) FROM invoice_payments p JOIN invoices i"
	    " ON i.id = p.invoice_id WHERE i.funder_id = ?1)", DB_ARGS(DB_INT(funder)), &expected,
	    e) < 0)
		return -1;
	if (expected != balance) {
		snprintf(a->what, 256, "funder %lld: its invoiced receivable is %lld cents but its"
		    " invoices less credit notes and payments are %lld", (long long)funder,
		    (long long)balance, (long long)expected);
		a->bad = 1;
		return 1;
	}
	return 0;
}

int
invoice_audit(struct db *db, char what[256], struct error *e)
{
	struct invoice_audit a = { db, what, 0 };
	int64_t refunds = 0, credited = 0;

	what[0] = '\0';
	if (db_each(db, "SELECT number, funder_id, kind = 'credit_note', entry_seq,"
	    " receivable_cents FROM invoices ORDER BY id", DB_NO_ARGS, invoice_audit_doc, &a,
	    e) != 0)
		return -1;
	if (!a.bad && db_each(db, "SELECT p.id, i.funder_id, p.entry_seq, p.amount_cents FROM"
	    " invoice_payments p JOIN invoices i ON i.id = p.invoice_id ORDER BY p.id", DB_NO_ARGS,
	    invoice_audit_payment, &a, e) != 0)
		return -1;
	if (!a.bad && db_each(db, "SELECT owner_id, balance FROM accounts WHERE kind ="
	    " 'funder-invoiced' ORDER BY owner_id", DB_NO_ARGS, invoice_audit_funder, &a, e) != 0)
		return -1;
	if (a.bad)
		return 1;
	if (db_int64(db, "SELECT COALESCE(SUM(amount_cents), 0) FROM refunds", DB_NO_ARGS,
	    &refunds, e) < 0 ||
	    db_int64(db, "SELECT COALESCE(-SUM(p.amount), 0) FROM postings p JOIN accounts a"
	    " ON a.id = p.account_id JOIN entries n ON n.seq = p.entry_seq"
	    " WHERE a.code = 'refunds-in-transit' AND n.kind = 'refund'", DB_NO_ARGS, &credited,
	    e) < 0)
		return -1;
	if (refunds != credited) {
		snprintf(what, 256, "refunds in transit: %lld cents credited by refund entries but the"
		    " refunds made are worth %lld", (long long)credited, (long long)refunds);
		return 1;
	}
	return 0;
}
