/* The funder's statement of account and the mandate's yearly rendering
 * (lib/report_account.h). Figures come from the ledger's postings on the
 * funder's own accounts (balance, orders, invoiced, credit notes, its
 * campaigns' outstanding), so that they add up as the ledger does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "invoice.h"
#include "ledger.h"
#include "registry.h"
#include "report_account.h"
#include "report_private.h"

/* The accounts of funder f in SQL: its own and its campaigns'
 * outstanding. ?1 is the funder's id. */
#define ACCOUNT_FUNDS "(a.code IN (printf('funder:%d:balance', ?1), printf('funder:%d:credit-notes', ?1))" \
	" OR (a.kind = 'outstanding' AND a.owner_id IN (SELECT id FROM campaigns WHERE funder_id = ?1)))"

/* The funds held for funder id (what the operator owes it: spendable
 * balance, passes in circulation, credit notes owed) before instant t. */
static int
account_held(struct db *db, int64_t id, int64_t t, int64_t *held, struct error *e)
{
	int64_t sum = 0;

	if (db_int64(db, "SELECT COALESCE(SUM(p.amount), 0) FROM postings p JOIN accounts a"
	    " ON a.id = p.account_id JOIN entries n ON n.seq = p.entry_seq WHERE n.time < ?2 AND "
	    ACCOUNT_FUNDS, DB_ARGS(DB_INT(id), DB_INT(t)), &sum, e) < 0)
		return -1;
	*held = -sum;
	return 0;
}

/* The movement of entries of kind on the funder's funds in [start, end),
 * as an amount that raises them (positive) or lowers them. */
static int
account_moved(struct db *db, int64_t id, const char *kind, int64_t start, int64_t end,
    int64_t *moved, struct error *e)
{
	int64_t sum = 0;

	if (db_int64(db, "SELECT COALESCE(SUM(p.amount), 0) FROM postings p JOIN accounts a"
	    " ON a.id = p.account_id JOIN entries n ON n.seq = p.entry_seq WHERE n.time >= ?2"
	    " AND n.time < ?3 AND n.kind = ?4 AND " ACCOUNT_FUNDS,
	    DB_ARGS(DB_INT(id), DB_INT(start), DB_INT(end), DB_TEXT(kind)), &sum, e) < 0)
		return -1;
	*moved = -sum;
	return 0;
}

static int
account_balance(struct db *db, enum ledger_account_kind kind, int64_t owner, int64_t *out,
    struct error *e)
{
	char code[LEDGER_ACCOUNT_MAX + 1];

	ledger_account_code(kind, owner, code);
	return ledger_balance(db, code, out, e);
}

/* Adds a row "label, amount" to t. */
static int
account_row(struct report_table *t, const char *label, int64_t cents)
{
	int row = report_table_row(t);

	if (row < 0 || report_set_text(t, row, 0, label) != 0)
		return -1;
	report_set_money(t, row, 1, cents);
	return 0;
}

static const struct report_column account_columns[] = {
	{ "item", "Poste", REPORT_COLUMN_TEXT, -1 },
	{ "amount_cents", "Montant", REPORT_COLUMN_MONEY, -1 },
	{ NULL, NULL, 0, 0 },
};

/* One document of the period (number, day, part, total, status). */
static int
account_document(const struct db_row *row, void *ctx, struct error *e)
{
	struct report_table *t = ctx;
	char day[DATE_FORMAT_SIZE];
	int r = report_table_row(t);

	(void)e;
	if (r < 0)
		return -1;
	date_format((int32_t)db_row_int64(row, 1), day);
	report_set_text(t, r, 0, db_row_text_ptr(row, 0, NULL));
	report_set_text(t, r, 1, day);
	report_set_text(t, r, 2, strcmp(db_row_text_ptr(row, 2, NULL), "face") == 0 ?
	    "valeur faciale" : "frais");
	report_set_text(t, r, 3, db_row_text_ptr(row, 4, NULL));
	report_set_money(t, r, 4, db_row_int64(row, 3));
	return 0;
}

/* One payment (day, invoice, reference — the mandat's —, amount). */
static int
account_payment(const struct db_row *row, void *ctx, struct error *e)
{
	struct report_table *t = ctx;
	char day[DATE_FORMAT_SIZE];
	int r = report_table_row(t);

	(void)e;
	if (r < 0)
		return -1;
	date_format((int32_t)db_row_int64(row, 0), day);
	report_set_text(t, r, 0, day);
	report_set_text(t, r, 1, db_row_text_ptr(row, 1, NULL));
	report_set_text(t, r, 2, db_row_text_ptr(row, 2, NULL));
	report_set_money(t, r, 3, db_row_int64(row, 3));
	return 0;
}

static int
account_lists(struct db *db, int64_t id, const struct report_range *r, struct report_doc *doc,
    struct error *e)
{
	static const struct report_column doc_columns[] = {
		{ "number", "Numéro", REPORT_COLUMN_TEXT, -1 },
		{ "day", "Date", REPORT_COLUMN_TEXT, -1 },
		{ "part", "Objet", REPORT_COLUMN_TEXT, -1 },
		{ "status", "Statut", REPORT_COLUMN_TEXT, -1 },
		{ "total_cents", "Montant TTC", REPORT_COLUMN_MONEY, -1 },
		{ NULL, NULL, 0, 0 },
	};
	static const struct report_column pay_columns[] = {
		{ "day", "Date", REPORT_COLUMN_TEXT, -1 },
		{ "invoice", "Facture", REPORT_COLUMN_TEXT, -1 },
		{ "reference", "Référence du paiement (mandat)", REPORT_COLUMN_TEXT, -1 },
		{ "amount_cents", "Montant", REPORT_COLUMN_MONEY, -1 },
		{ NULL, NULL, 0, 0 },
	};
	struct report_table *docs = report_doc_table(doc, "documents", "Factures et avoirs",
	    doc_columns);
	struct report_table *pays = report_doc_table(doc, "payments", "Paiements reçus", pay_columns);

	if (docs == NULL || pays == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	return db_each(db, "SELECT i.number, i.issue_day, i.part, i.total_cents, COALESCE((SELECT"
	    " s.status FROM invoice_statuses s WHERE s.invoice_id = i.id ORDER BY s.id DESC LIMIT 1),"
	    " 'Émise') FROM invoices i WHERE i.funder_id = ?1 AND i.issue_day BETWEEN ?2 AND ?3"
	    " ORDER BY i.kind DESC, i.year, i.seq", DB_ARGS(DB_INT(id), DB_INT(r->first),
	    DB_INT(r->last)), account_document, docs, e) != 0 ||
	    db_each(db, "SELECT p.day, i.number, p.bank_ref, p.amount_cents FROM invoice_payments p"
	    " JOIN invoices i ON i.id = p.invoice_id WHERE i.funder_id = ?1 AND p.day BETWEEN ?2"
	    " AND ?3 ORDER BY p.day, p.id", DB_ARGS(DB_INT(id), DB_INT(r->first), DB_INT(r->last)),
	    account_payment, pays, e) != 0 ? -1 : 0;
}

/* --account: what the funder ordered, paid ahead, was invoiced and
 * credited, paid, used; what remains in circulation, owed on invoices and
 * owed back to it. */
static int
account_statement(struct db *db, const struct funder *f, const struct report_range *r,
    struct report_doc *doc, struct error *e)
{
	int64_t start = clock_local_day_start(r->first, CLOCK_TZ_PARIS), ordered = 0, received = 0,
	    used = 0, cancelled = 0, outstanding = 0, owed = 0, back = 0, spendable = 0;
	struct invoice_totals t;
	struct report_table *tab = report_doc_table(doc, "account", "Compte du financeur",
	    account_columns);

	if (tab == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	if (account_moved(db, f->id, "order", start, r->end, &ordered, e) != 0 ||
	    account_moved(db, f->id, "credit", start, r->end, &received, e) != 0 ||
	    account_moved(db, f->id, "redeem", start, r->end, &used, e) != 0 ||
	    account_moved(db, f->id, "cancel", start, r->end, &cancelled, e) != 0 ||
	    invoice_totals(db, f->id, r->first, r->last, &t, e) != 0 ||
	    db_int64(db, "SELECT COALESCE(-SUM(balance), 0) FROM accounts WHERE kind = 'outstanding'"
	    " AND owner_id IN (SELECT id FROM campaigns WHERE funder_id = ?1)",
	    DB_ARGS(DB_INT(f->id)), &outstanding, e) < 0 ||
	    account_balance(db, ACCOUNT_FUNDER_INVOICED, f->id, &owed, e) != 0 ||
	    account_balance(db, ACCOUNT_FUNDER_CREDIT, f->id, &back, e) != 0 ||
	    account_balance(db, ACCOUNT_FUNDER_BALANCE, f->id, &spendable, e) != 0)
		return -1;
	if (account_row(tab, "Commandé (bons de commande)", ordered) != 0 ||
	    account_row(tab, "Reçu d'avance (paiements)", received) != 0 ||
	    account_row(tab, "Facturé", t.invoiced_cents) != 0 ||
	    account_row(tab, "Avoirs émis", t.credited_cents) != 0 ||
	    account_row(tab, "Payé sur factures", t.paid_cents) != 0 ||
	    account_row(tab, "Utilisé (pass remboursés aux lieux)", -(used + cancelled)) != 0 ||
	    account_row(tab, "Remboursé au financeur", t.refunded_cents) != 0 ||
	    account_row(tab, "Encore en circulation (à ce jour)", outstanding) != 0 ||
	    account_row(tab, "Disponible (à ce jour)", -spendable) != 0 ||
	    account_row(tab, "Reste dû sur factures (à ce jour)", owed) != 0 ||
	    account_row(tab, "À rembourser au financeur (à ce jour)", -back) != 0)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	return account_lists(db, f->id, r, doc, e);
}

/* --rendering: the funds held for the funder on 1 January, each kind of
 * movement of the year, and on 31 December (or now). */
static int
account_rendering(struct db *db, const struct funder *f, const struct report_range *r,
    struct report_doc *doc, struct error *e)
{
	static const struct { const char *kind, *label; } moves[] = {
		{ "order", "Commandes (engagements)" }, { "credit", "Fonds reçus" },
		{ "redeem", "Pass utilisés, dus aux lieux" }, { "cancel", "Utilisations annulées" },
		{ "refund", "Remboursements au financeur" },
	};
	int64_t start = clock_local_day_start(r->first, CLOCK_TZ_PARIS), opening = 0, closing = 0,
	    moved, sum = 0;
	struct report_table *tab = report_doc_table(doc, "rendering", "Compte rendu annuel du"
	    " mandat (CGCT L.1611-7)", account_columns);

	if (tab == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	if (account_held(db, f->id, start, &opening, e) != 0 ||
	    account_held(db, f->id, r->end, &closing, e) != 0)
		return -1;
	if (account_row(tab, "Fonds détenus pour le mandant au début de l'exercice", opening) != 0)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		if (account_moved(db, f->id, moves[i].kind, start, r->end, &moved, e) != 0)
			return -1;
		sum += moved;
		if (account_row(tab, moves[i].label, moved) != 0)
			return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	}
	if (opening + sum != closing)
		return error_set(e, 500, "STORE_BUG", "funder %lld: the year's movements do not add up"
		    " (%lld + %lld != %lld)", (long long)f->id, (long long)opening, (long long)sum,
		    (long long)closing);
	if (account_row(tab, "Fonds détenus pour le mandant à la fin de l'exercice", closing) != 0)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	report_doc_note(doc, "Les fonds détenus sont le solde disponible du mandant, la valeur des"
	    " pass en circulation et les avoirs à lui rembourser : ils restent à lui.");
	return account_lists(db, f->id, r, doc, e);
}

int
report_account_build(struct db *db, enum report_account_kind kind, int64_t funder_id,
    const struct report_period *p, int64_t now, struct report_doc **out, struct error *e)
{
	struct report_doc *doc;
	struct report_range r = { 0 };
	int64_t end = clock_local_day_start(p->last + 1, CLOCK_TZ_PARIS);
	struct funder f;
	int rc;

	*out = NULL;
	if (registry_funder_get(db, funder_id, &f, e) != 0)
		return -1;
	if (kind == REPORT_RENDERING && strcmp(f.frame, "mandate") != 0)
		return error_set(e, 409, "NOT_MANDATE", "funder %lld is not on mandate (its frame is"
		    " %s): its statement is --account", (long long)funder_id, f.frame);
	if (kind == REPORT_RENDERING && strlen(p->text) != 4)
		return error_set(e, 400, "BAD_PERIOD", "an account rendered covers a year (YYYY)");
	if ((doc = calloc(1, sizeof(*doc))) == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	r.first = p->first;
	r.last = p->last;
	r.now = now;
	r.end = now < end ? now : end;
	doc->provisional = now < end;
	doc->kind = "funder";
	snprintf(doc->period, sizeof(doc->period), "%s", p->text);
	doc->first_day = p->first;
	doc->last_day = p->last;
	snprintf(doc->title, sizeof(doc->title), "%s", kind == REPORT_ACCOUNT ?
	    "Relevé de compte du financeur" : "Compte rendu annuel du mandat");
	snprintf(doc->subject, sizeof(doc->subject), "%s", f.public_name);
	rc = kind == REPORT_ACCOUNT ? account_statement(db, &f, &r, doc, e) :
	    account_rendering(db, &f, &r, doc, e);
	if (rc != 0) {
		report_doc_free(doc);
		return -1;
	}
	*out = doc;
	return 0;
}
