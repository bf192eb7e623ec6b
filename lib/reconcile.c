/* passnum reconcile (reconcile.h, docs/accounting.md "Reconciliation").
 * Everything is read in one snapshot (db_read); nothing is written but the
 * report file and its signature. Amounts are cents, signs explained where
 * printed: accounts are stored debit-positive, so what is owed to others
 * (credit-normal) is the negated balance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "hash.h"
#include "home.h"
#include "keys.h"
#include "ledger.h"
#include "money.h"
#include "note.h"
#include "reconcile.h"
#include "invoice.h"
#include "registry.h"
#include "settlement.h"

#define RECONCILE_NOTE_FORMAT "passnum-reconcile-v1"

struct rec {
	struct db *db;
	int64_t now;
	int32_t first_day, last_day; /* the period, or everything */
	int64_t end;                 /* the period's end (Unix seconds), or INT64_MAX */
	json_t *report, *differences;
	int64_t count;
};

/* Records a difference: what, its amount in cents, what to do. */
static void
rec_diff(struct rec *r, const char *what, int64_t cents, const char *todo)
{
	r->count++;
	json_array_append_new(r->differences, json_pack("{s:s, s:I, s:s}", "what", what,
	    "amount_cents", (json_int_t)cents, "todo", todo));
}

static int64_t
rec_balance(struct rec *r, const char *code, struct error *e)
{
	int64_t v = 0;

	if (db_int64(r->db, "SELECT balance FROM accounts WHERE code = ?1", DB_ARGS(DB_TEXT(code)), &v,
	    e) < 0)
		return INT64_MIN;
	return v;
}

/* Sum of the balances of accounts of kind (optionally of one owner). */
static int64_t
rec_kind_sum(struct rec *r, const char *kind, struct error *e)
{
	int64_t v = 0;

	if (db_int64(r->db, "SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE kind = ?1",
	    DB_ARGS(DB_TEXT(kind)), &v, e) < 0)
		return INT64_MIN;
	return v;
}

/* Statements: each one's arithmetic, and the chain per account. */
struct rec_stmt_walk {
	struct rec *r;
	json_t *list;
	char account[12];
	int64_t last_closing;
	bool have_last;
	int64_t latest_closing[2];
	bool have_latest[2];
	int32_t latest_day[2];
	int failed;
	struct error *e;
};

static int
rec_stmt_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct rec_stmt_walk *w = ctx;
	int64_t id = db_row_int64(row, 0);
	char account[12], ident[121], what[300], day[DATE_FORMAT_SIZE];
	int64_t opening = db_row_int64(row, 3), closing = db_row_int64(row, 4);
	int64_t lines_sum = db_row_int64(row, 5);
	int32_t closing_day = (int32_t)db_row_int64(row, 6);
	int which;

	db_row_text(row, 1, account, sizeof(account));
	db_row_text(row, 2, ident, sizeof(ident));
	which = strcmp(account, "operating") == 0;
	date_format(closing_day, day);
	int64_t diff;
	if (money_add(opening, lines_sum, &diff) != 0 || money_sub(diff, closing, &diff) != 0)
		return error_set(e, 413, "AMOUNT_TOO_LARGE", "statement %lld: amounts too large to add",
		    (long long)id);
	json_array_append_new(w->list, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id",
	    (json_int_t)id, "account", account, "ident", ident, "closing_date", day,
	    "opening_cents", (json_int_t)opening, "lines_cents", (json_int_t)lines_sum,
	    "closing_cents", (json_int_t)closing, "difference_cents", (json_int_t)diff));
	if (diff != 0) {
		snprintf(what, sizeof(what), "statement %lld (%s): opening + lines - closing is not zero",
		    (long long)id, ident);
		rec_diff(w->r, what, diff, "ask the bank for a corrected statement; a line is missing or"
		    " wrong in the one imported");
	}
	if (strcmp(account, w->account) != 0) {
		snprintf(w->account, sizeof(w->account), "%s", account);
		w->have_last = false;
	}
	if (w->have_last && opening != w->last_closing) {
		int64_t gap;
		if (money_sub(opening, w->last_closing, &gap) != 0)
			return error_set(e, 413, "AMOUNT_TOO_LARGE", "amounts too large to compare");
		snprintf(what, sizeof(what), "statement %lld (%s) opens at another balance than the"
		    " statement before it closed", (long long)id, ident);
		rec_diff(w->r, what, gap, "import the statement that is missing between them");
	}
	w->have_last = true;
	w->last_closing = closing;
	w->latest_closing[which] = closing;
	w->latest_day[which] = closing_day;
	w->have_latest[which] = true;
	return 0;
}

/* The état de rapprochement of one account, as of the end of the period
 * (or now): the ledger's balance then — the entries that lines of the
 * statements closing by then posted, and the entries made by then that no
 * such line shows — against the last statement's closing balance. */
#define REC_ON_STATEMENT " EXISTS (SELECT 1 FROM bank_lines l JOIN bank_statements s ON" \
	" s.id = l.statement_id WHERE l.entry_seq = p.entry_seq AND s.closing_day <= ?2)"
static int
rec_account(struct rec *r, struct rec_stmt_walk *w, int which, json_t *out, struct error *e)
{
	const char *code = which ? "bank-operating" : "bank";
	const char *account = which ? "operating" : "funds";
	int64_t ledger = 0, unseen = 0, first_opening = 0;
	char what[300];

	if (r->end == INT64_MAX) {
		/* Everything: the account's balance, and the entries no line shows. */
		if ((ledger = rec_balance(r, code, e)) == INT64_MIN ||
		    db_int64(r->db, "SELECT COALESCE(SUM(p.amount), 0) FROM postings p JOIN accounts a ON"
		    " a.id = p.account_id WHERE a.code = ?1 AND NOT EXISTS (SELECT 1 FROM bank_lines l"
		    " WHERE l.entry_seq = p.entry_seq)", DB_ARGS(DB_TEXT(code)), &unseen, e) < 0)
			return -1;
	} else if (db_int64(r->db, "SELECT COALESCE(SUM(p.amount), 0) FROM postings p JOIN accounts a ON"
	    " a.id = p.account_id JOIN entries n ON n.seq = p.entry_seq WHERE a.code = ?1 AND"
	    " (" REC_ON_STATEMENT " OR n.time < ?3)", DB_ARGS(DB_TEXT(code), DB_INT(r->last_day),
	    DB_INT(r->end)), &ledger, e) < 0 ||
	    db_int64(r->db, "SELECT COALESCE(SUM(p.amount), 0) FROM postings p JOIN accounts a ON"
	    " a.id = p.account_id JOIN entries n ON n.seq = p.entry_seq WHERE a.code = ?1 AND"
	    " n.time < ?3 AND NOT" REC_ON_STATEMENT, DB_ARGS(DB_TEXT(code), DB_INT(r->last_day),
	    DB_INT(r->end)), &unseen, e) < 0)
		return -1;
	if (db_int64(r->db, "SELECT COALESCE((SELECT opening_cents FROM bank_statements WHERE"
	    " account = ?1 AND opening_cents IS NOT NULL ORDER BY closing_day, id LIMIT 1), 0)",
	    DB_ARGS(DB_TEXT(account)), &first_opening, e) < 0)
		return -1;
	/* The last statement closing by the period's end (whether or not it
	 * closes inside the period). */
	int64_t statement = 0;
	int have = db_int64(r->db, "SELECT closing_cents FROM bank_statements WHERE account = ?1 AND"
	    " closing_cents IS NOT NULL AND closing_day <= ?2 ORDER BY closing_day DESC, id DESC LIMIT 1",
	    DB_ARGS(DB_TEXT(account), DB_INT(r->last_day)), &statement, e);
	if (have < 0)
		return -1;
	w->have_latest[which] = have == 1;
	w->latest_closing[which] = statement;
	/* statement = first opening + lines (each statement checked above);
	 * ledger = lines + unseen. What these do not explain is unexplained. */
	int64_t diff, unexplained;
	if (money_sub(statement, ledger, &diff) != 0 || money_sub(diff, first_opening, &unexplained) != 0 ||
	    money_add(unexplained, unseen, &unexplained) != 0)
		return error_set(e, 413, "AMOUNT_TOO_LARGE", "amounts too large to compare");
	json_object_set_new(out, account, json_pack("{s:s, s:I, s:b, s:I, s:I, s:I, s:I, s:I}",
	    "ledger_account", code, "ledger_cents", (json_int_t)ledger, "has_statement",
	    w->have_latest[which], "statement_closing_cents", (json_int_t)statement, "difference_cents",
	    (json_int_t)diff, "first_opening_cents", (json_int_t)first_opening,
	    "in_ledger_not_on_statements_cents", (json_int_t)unseen, "unexplained_cents",
	    (json_int_t)unexplained));
	if (!w->have_latest[which])
		return 0;
	if (first_opening != 0) {
		snprintf(what, sizeof(what), "%s account: the first statement opens with money the"
		    " ledger never recorded", account);
		rec_diff(r, what, first_opening, "record where it came from (passnum funder credit),"
		    " or import the statements before it");
	}
	if (unseen != 0) {
		snprintf(what, sizeof(what), "%s account: entries in the ledger that no statement shows"
		    " yet", account);
		rec_diff(r, what, unseen, "import the statement that shows them; if none does, the"
		    " entry was recorded in error: correct it by a new entry");
	}
	if (unexplained != 0) {
		snprintf(what, sizeof(what), "%s account: ledger and statements differ beyond the"
		    " differences above", account);
		rec_diff(r, what, unexplained, "run passnum ledger verify; report to the maintainers");
	}
	return 0;
}

static int
rec_unmatched_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct rec *r = ctx;
	char what[300];

	(void)e;
	snprintf(what, sizeof(what), "bank line %lld in suspense: %.200s", (long long)db_row_int64(row,
	    0), db_row_text_ptr(row, 2, NULL));
	rec_diff(r, what, db_row_int64(row, 1), "passnum bank match LINE --funder ID | --payout ID |"
	    " --invoice N | --charges | --sweep");
	return 0;
}

struct rec_payouts {
	struct rec *r;
	json_t *list;
};

static int
rec_payout_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct rec_payouts *p = ctx;
	int64_t id = db_row_int64(row, 0), amount = db_row_int64(row, 1);
	int64_t age = (p->r->now - db_row_int64(row, 4)) / 86400;
	char status[10], what[200];

	(void)e;
	db_row_text(row, 2, status, sizeof(status));
	json_array_append_new(p->list, json_pack("{s:I, s:I, s:s, s:s, s:I}", "payout", (json_int_t)id,
	    "amount_cents", (json_int_t)amount, "status", status, "end_to_end_id",
	    db_row_text_ptr(row, 3, NULL), "age_days", (json_int_t)age));
	if (strcmp(status, "rejected") == 0) {
		snprintf(what, sizeof(what), "payout %lld was rejected by the bank", (long long)id);
		rec_diff(p->r, what, amount, "fix its cause (IBAN, name), write it again with passnum"
		    " settle --period P --reissue --out FILE (the same ids), then import the statement"
		    " that debits it");
	} else if (age > 10) {
		snprintf(what, sizeof(what), "payout %lld not seen at the bank after %lld days",
		    (long long)id, (long long)age);
		rec_diff(p->r, what, amount, "check the file reached the bank; import its statement");
	}
	return 0;
}

int
reconcile_unpaid_invoices(struct db *db, int64_t now, json_t *out, int64_t *differences,
    struct error *e)
{
	json_t *all = invoice_list_json(db, 0, e), *late = json_array(), *inv;
	size_t i;

	(void)now;       /* each invoice's clock is at today already (invoice_json) */
	(void)differences; /* a late payment is the funder's debt, not a gap in the books */
	if (all == NULL) {
		json_decref(late);
		return -1;
	}
	json_array_foreach(all, i, inv) {
		json_t *clock = json_object_get(inv, "clock");
		json_int_t owed = json_integer_value(json_object_get(inv, "owed_cents"));
		json_int_t days = json_integer_value(json_object_get(clock, "days_late"));
		if (strcmp(json_string_value(json_object_get(inv, "kind")), "invoice") != 0 || owed <= 0 ||
		    days <= 0)
			continue;
		json_array_append_new(late, json_pack("{s:O, s:O, s:I, s:O, s:I, s:O}",
		    "number", json_object_get(inv, "number"), "funder_id", json_object_get(inv, "funder_id"),
		    "owed_cents", owed, "owed", json_object_get(inv, "owed"), "days_late", days,
		    "interest", json_object_get(clock, "interest")));
	}
	json_decref(all);
	json_object_set_new(out, "available", json_true());
	json_object_set_new(out, "late", late);
	json_object_set_new(out, "note", json_string("invoices unpaid past their due date (30 days from"
	    " receipt): ask the funder's accountant; late interest and the 40 EUR indemnity run"
	    " (passnum invoice show NUMBER)"));
	return 0;
}

/* Coverage per funder. */
struct rec_funders {
	struct rec *r;
	json_t *list;
	int64_t cash_owed, commitments;
	int64_t float_cents; /* advanced by the operator, not repaid yet */
	int64_t awaiting;    /* payables waiting for purchase funders' invoices */
	int failed;
	struct error *e;
};

static int
rec_funder(const struct funder *f, void *ctx)
{
	struct rec_funders *c = ctx;
	struct rec *r = c->r;
	char code[LEDGER_ACCOUNT_MAX + 1], what[300];
	int64_t balance, orders, notes, outstanding = 0, received = 0, advanced = 0, awaiting = 0;
	const char *frame = f->frame[0] != '\0' ? f->frame : registry_frame_default(f->siret);

	ledger_account_code(ACCOUNT_FUNDER_BALANCE, f->id, code);
	balance = -rec_balance(r, code, c->e);
	ledger_account_code(ACCOUNT_FUNDER_ORDERS, f->id, code);
	orders = rec_balance(r, code, c->e);
	ledger_account_code(ACCOUNT_FUNDER_CREDIT, f->id, code);
	notes = -rec_balance(r, code, c->e);
	if (db_int64(r->db, "SELECT -COALESCE(SUM(a.balance), 0) FROM accounts a JOIN campaigns c ON"
	    " c.id = a.owner_id WHERE a.kind = 'outstanding' AND c.funder_id = ?1",
	    DB_ARGS(DB_INT(f->id)), &outstanding, c->e) < 0 ||
	    db_int64(r->db, "SELECT (SELECT COALESCE(SUM(amount), 0) FROM funder_funds WHERE"
	    " funder_id = ?1 AND kind = 'order') - ?2 + (SELECT COALESCE(SUM(amount), 0) FROM"
	    " funder_funds WHERE funder_id = ?1 AND kind = 'credit')", DB_ARGS(DB_INT(f->id),
	    DB_INT(orders)), &received, c->e) < 0 ||
	    settlement_float_outstanding(r->db, f->id, &advanced, c->e) != 0 ||
	    (strcmp(frame, "purchase") == 0 && /* only their passes wait */
	    settlement_float_awaiting(r->db, f->id, &awaiting, c->e) != 0)) {
		c->failed = 1;
		return 1;
	}
	bool cash = strcmp(frame, "purchase") != 0;
	int64_t sum;
	/* What the funder made spendable and has not paid is its orders'
	 * balance: for a funder paying ahead, value its places may redeem
	 * with no cash of its own behind it. */
	json_array_append_new(c->list, json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "funder", (json_int_t)f->id, "name", f->name, "frame", frame, "received_cents",
	    (json_int_t)received, "spendable_cents", (json_int_t)balance, "outstanding_cents",
	    (json_int_t)outstanding, "credit_notes_cents", (json_int_t)notes, "unpaid_orders_cents",
	    (json_int_t)orders, "uncovered_cents", (json_int_t)(cash ? orders : 0),
	    "float_cents", (json_int_t)advanced, "payables_awaiting_invoice_cents", (json_int_t)awaiting));
	if (money_add(c->float_cents, advanced, &c->float_cents) != 0 ||
	    money_add(c->awaiting, awaiting, &c->awaiting) != 0) {
		error_set(c->e, 413, "AMOUNT_TOO_LARGE", "amounts too large to add");
		c->failed = 1;
		return 1;
	}
	if (money_add(balance, outstanding, &sum) != 0 ||
	    money_add(cash ? c->cash_owed : c->commitments, sum, cash ? &c->cash_owed :
	    &c->commitments) != 0 || money_add(c->cash_owed, notes, &c->cash_owed) != 0) {
		error_set(c->e, 413, "AMOUNT_TOO_LARGE", "amounts too large to add");
		c->failed = 1;
		return 1;
	}
	if (cash) {
		if (orders > 0) {
			snprintf(what, sizeof(what), "funder %lld (%.60s, %s): value spendable that it has not"
			    " paid — its places would be paid with other funders' cash", (long long)f->id,
			    f->name, frame);
			rec_diff(r, what, orders, "have the funder pay its order (then passnum bank import),"
			    " or stop issuing for it");
		}
	}
	return 0;
}

/* The invariants of the postings, in one pass. */
struct rec_scan {
	int64_t *sums;       /* by account id */
	int64_t *balances;   /* recorded, by account id */
	size_t cap;
	int64_t seq, entry_sum, entry_count;
	bool open, overflow;
	int64_t bad_entries, bad_accounts;
};

static int
rec_scan_account(const struct db_row *row, void *ctx, struct error *e)
{
	struct rec_scan *sc = ctx;
	int64_t id = db_row_int64(row, 0);

	(void)e;
	if (id < 0 || id > 100000000)
		return error_set(e, 500, "STORE_ERROR", "account id %lld out of range", (long long)id);
	if ((size_t)id >= sc->cap) {
		size_t cap = (size_t)id * 2 + 16;
		sc->sums = realloc(sc->sums, cap * sizeof(*sc->sums));
		sc->balances = realloc(sc->balances, cap * sizeof(*sc->balances));
		if (sc->sums == NULL || sc->balances == NULL)
			abort();
		memset(sc->sums + sc->cap, 0, (cap - sc->cap) * sizeof(*sc->sums));
		memset(sc->balances + sc->cap, 0, (cap - sc->cap) * sizeof(*sc->balances));
		sc->cap = cap;
	}
	sc->balances[id] = db_row_int64(row, 1);
	return 0;
}

static void
rec_scan_close(struct rec_scan *sc)
{
	if (sc->open && (sc->entry_sum != 0 || sc->entry_count < 2))
		sc->bad_entries++;
	sc->open = false;
}

static int
rec_scan_posting(const struct db_row *row, void *ctx, struct error *e)
{
	struct rec_scan *sc = ctx;
	int64_t seq = db_row_int64(row, 0), account = db_row_int64(row, 1);
	int64_t amount = db_row_int64(row, 2);

	(void)e;
	if (!sc->open || seq != sc->seq) {
		rec_scan_close(sc);
		sc->open = true;
		sc->seq = seq;
		sc->entry_sum = sc->entry_count = 0;
	}
	sc->entry_count++;
	if (money_add(sc->entry_sum, amount, &sc->entry_sum) != 0)
		sc->overflow = true;
	if (account < 0 || (size_t)account >= sc->cap) {
		sc->bad_accounts++; /* a posting to no account */
		return 0;
	}
	if (money_add(sc->sums[account], amount, &sc->sums[account]) != 0)
		sc->overflow = true;
	return 0;
}

static int
rec_scan(struct db *db, struct rec_scan *sc, struct error *e)
{
	int rc = -1;

	if (db_each(db, "SELECT id, balance FROM accounts", DB_NO_ARGS, rec_scan_account, sc, e) != 0 ||
	    db_each(db, "SELECT entry_seq, account_id, amount FROM postings ORDER BY entry_seq, idx",
	    DB_NO_ARGS, rec_scan_posting, sc, e) != 0)
		goto done;
	rec_scan_close(sc);
	if (sc->overflow) {
		error_set(e, 413, "AMOUNT_TOO_LARGE", "postings too large to add");
		goto done;
	}
	for (size_t id = 0; id < sc->cap; id++)
		if (sc->sums[id] != sc->balances[id])
			sc->bad_accounts++;
	rc = 0;
done:
	free(sc->sums);
	free(sc->balances);
	return rc;
}

static int
rec_work(struct db *db, void *ctx, struct error *e)
{
	struct rec *r = ctx;
	struct rec_stmt_walk w = { .r = r, .list = json_array(), .e = e };
	json_t *accounts = json_object(), *invoices = json_object();
	struct rec_payouts po = { r, json_array() };
	struct rec_funders fu = { .r = r, .list = json_array(), .e = e };
	int64_t v, sum = 0;
	char what[300];

	json_object_set_new(r->report, "statements", w.list);
	json_object_set_new(r->report, "bank", accounts);
	json_object_set_new(r->report, "payouts_not_seen", po.list);
	json_object_set_new(r->report, "invoices_unpaid", invoices);
	json_object_set_new(r->report, "funders", fu.list);
	if (db_each(db, "SELECT s.id, s.account, s.ident, s.opening_cents, s.closing_cents,"
	    " (SELECT COALESCE(SUM(l.amount_cents), 0) FROM bank_lines l WHERE l.statement_id = s.id),"
	    " s.closing_day FROM bank_statements s WHERE s.opening_cents IS NOT NULL AND"
	    " s.closing_day BETWEEN ?1 AND ?2 ORDER BY s.account, s.closing_day, s.id",
	    DB_ARGS(DB_INT(r->first_day), DB_INT(r->last_day)), rec_stmt_row, &w, e) != 0 ||
	    rec_account(r, &w, 0, accounts, e) != 0 || rec_account(r, &w, 1, accounts, e) != 0)
		return -1;
	/* Lines in suspense. */
	if (db_each(db, "SELECT l.id, l.amount_cents, l.remittance FROM bank_lines l WHERE l.kind ="
	    " 'suspense' AND NOT EXISTS (SELECT 1 FROM bank_matches m WHERE m.line_id = l.id) ORDER BY"
	    " l.id", DB_NO_ARGS, rec_unmatched_row, r, e) != 0)
		return -1;
	/* Payouts the bank has not debited yet. */
	if (db_each(db, "SELECT p.id, p.amount_cents, p.status, p.end_to_end_id, s.created_at"
	    " FROM payouts p JOIN settlements s ON s.id = p.settlement_id WHERE NOT EXISTS (SELECT 1"
	    " FROM payout_debits d WHERE d.payout_id = p.id) ORDER BY p.id", DB_NO_ARGS,
	    rec_payout_row, &po, e) != 0)
		return -1;
	if (reconcile_unpaid_invoices(db, r->now, invoices, &r->count, e) != 0)
		return -1;
	/* Invariants that need no hash. */
	json_t *inv = json_array();
	json_object_set_new(r->report, "invariants", inv);
	/* One sequential pass over the postings (their primary key order):
	 * each entry's sum and count, each account's sum. */
	struct rec_scan sc = { 0 };
	if (rec_scan(db, &sc, e) != 0)
		return -1;
	json_array_append_new(inv, json_pack("{s:s, s:b}", "check", "every entry balances",
	    "ok", sc.bad_entries == 0));
	if (sc.bad_entries != 0)
		rec_diff(r, "entries whose postings do not sum to zero", sc.bad_entries, "passnum ledger"
		    " verify names the first; restore from a backup");
	json_array_append_new(inv, json_pack("{s:s, s:b}", "check", "each account's balance is the sum"
	    " of its postings", "ok", sc.bad_accounts == 0));
	if (sc.bad_accounts != 0)
		rec_diff(r, "accounts whose recorded balance differs from their postings",
		    sc.bad_accounts, "passnum ledger verify names the first; restore from a backup");
	int64_t transit = rec_balance(r, "payouts-in-transit", e), undebited = 0;
	if (transit == INT64_MIN || db_int64(db, "SELECT COALESCE(SUM(amount_cents), 0) FROM payouts p"
	    " WHERE NOT EXISTS (SELECT 1 FROM payout_debits d WHERE d.payout_id = p.id)", DB_NO_ARGS,
	    &undebited, e) < 0)
		return -1;
	json_array_append_new(inv, json_pack("{s:s, s:b}", "check", "payouts in transit are the payouts"
	    " not debited yet", "ok", -transit == undebited));
	if (-transit != undebited)
		rec_diff(r, "payouts in transit differ from the payouts not debited yet",
		    money_add(transit, undebited, &v) == 0 ? -v : INT64_MIN, "passnum ledger verify");
	int64_t suspense = rec_balance(r, "suspense", e), open = 0;
	if (suspense == INT64_MIN || db_int64(db, "SELECT COALESCE(SUM(-l.amount_cents), 0) FROM"
	    " bank_lines l WHERE l.kind = 'suspense' AND NOT EXISTS (SELECT 1 FROM bank_matches m WHERE"
	    " m.line_id = l.id)", DB_NO_ARGS, &open, e) < 0)
		return -1;
	json_array_append_new(inv, json_pack("{s:s, s:b}", "check", "suspense holds exactly the lines"
	    " not matched", "ok", suspense == open));
	if (suspense != open)
		rec_diff(r, "suspense differs from the lines not matched",
		    money_sub(suspense, open, &v) == 0 ? v : INT64_MAX,
		    "passnum ledger verify");
	int64_t internal = rec_balance(r, "payouts", e);
	if (internal == INT64_MIN)
		return -1;
	json_array_append_new(inv, json_pack("{s:s, s:b}", "check", "fee sweeps seen on both accounts"
	    " (580 at zero)", "ok", internal == 0));
	if (internal != 0)
		rec_diff(r, "a fee sweep seen on one account only (580 not at zero)", internal,
		    "import the other account's statement and match its line with --sweep");
	/* Coverage. */
	if (registry_funder_list(db, rec_funder, &fu, e) != 0 || fu.failed)
		return -1;
	int64_t payees = rec_kind_sum(r, "payee", e), fees = rec_balance(r, "fees", e);
	int64_t vat = rec_balance(r, "vat", e), swept = 0;
	if (payees == INT64_MIN || fees == INT64_MIN || vat == INT64_MIN ||
	    db_int64(db, "SELECT COALESCE(SUM(p.amount), 0) FROM postings p JOIN accounts a ON a.id ="
	    " p.account_id JOIN entries x ON x.seq = p.entry_seq WHERE a.code = 'payouts' AND"
	    " x.kind = 'fee-sweep' AND p.amount > 0", DB_NO_ARGS, &swept, e) < 0)
		return -1;
	int64_t bank = w.have_latest[0] ? w.latest_closing[0] : rec_balance(r, "bank", e);
	int64_t fees_unswept;
	if (money_add(fees, vat, &fees_unswept) != 0 || money_add(fees_unswept, swept, &fees_unswept) != 0 ||
	    money_add(transit, payees, &sum) != 0 || money_add(sum, fees_unswept, &sum) != 0 ||
	    money_sub(fu.cash_owed, sum, &sum) != 0 || money_sub(sum, fu.awaiting, &sum) != 0)
		return error_set(e, 413, "AMOUNT_TOO_LARGE", "amounts too large to add");
	fees_unswept = -fees_unswept; /* balances bounded by 2^62: negation is safe */
	json_object_set_new(r->report, "coverage", json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I,"
	    " s:I, s:I, s:I, s:b}", "bank_cents", (json_int_t)bank, "bank_source", w.have_latest[0] ?
	    "latest statement's closing balance" : "ledger (no statement imported)",
	    "payouts_in_transit_cents", (json_int_t)-transit, "payees_cents", (json_int_t)-payees,
	    "payables_awaiting_invoices_cents", (json_int_t)fu.awaiting,
	    "funders_paid_ahead_and_credit_notes_cents", (json_int_t)fu.cash_owed,
	    "fees_and_vat_not_swept_cents", (json_int_t)fees_unswept, "owed_in_cash_cents",
	    (json_int_t)sum, "margin_cents", (json_int_t)(bank - sum),
	    "purchase_commitments_cents", (json_int_t)fu.commitments, "operator_float_cents",
	    (json_int_t)fu.float_cents, "covered", bank >= sum));
	if (bank < sum) {
		char advanced[MONEY_FORMAT_SIZE];
		money_format(fu.float_cents, advanced, sizeof(advanced));
		snprintf(what, sizeof(what), "coverage: the third-party funds account holds less than"
		    " what is owed in cash%s%s%s", fu.float_cents > 0 ? " (the operator advanced " : "",
		    fu.float_cents > 0 ? advanced : "", fu.float_cents > 0 ? " EUR of float for purchase"
		    " funders' places: its own money must be on the account until they pay)" : "");
		rec_diff(r, what, money_sub(sum, bank, &v) == 0 ? v : INT64_MAX, "find the missing money before paying anyone; the"
		    " differences above say where to look");
	}
	json_object_set_new(r->report, "cannot_prove", json_pack("[s, s, s]",
	    "the statements were imported by the operator: only a bank balance certificate or the"
	    " statutory auditor shows the cash",
	    "the Merkle hashes and signatures are not checked here: that is passnum ledger verify",
	    "a dedicated account in the operator's name does not protect the funds in a liquidation"));
	return 0;
}

int
reconcile_run(struct db *db, const char *period, int64_t now, json_t **report,
    int64_t *differences, struct error *e)
{
	struct rec r = { .db = db, .now = now, .report = json_object(),
		.differences = json_array() };
	char today[DATE_FORMAT_SIZE];

	*report = NULL;
	*differences = 0;
	/* Without a period: every statement imported (up to now). */
	r.first_day = INT32_MIN;
	r.last_day = INT32_MAX;
	r.end = INT64_MAX;
	if (period != NULL && date_period_parse(period, &r.first_day, &r.last_day, e) != 0)
		goto fail;
	if (period != NULL)
		r.end = clock_local_day_start(r.last_day + 1, CLOCK_TZ_PARIS);
	date_format(clock_today(CLOCK_TZ_PARIS), today);
	json_object_set_new(r.report, "format", json_string(RECONCILE_NOTE_FORMAT));
	json_object_set_new(r.report, "as_of", json_string(today));
	json_object_set_new(r.report, "period", period != NULL ? json_string(period) : json_null());
	json_object_set_new(r.report, "differences", r.differences);
	if (db_read(db, rec_work, &r, e) != 0)
		goto fail;
	json_object_set_new(r.report, "clean", json_boolean(r.count == 0));
	*report = r.report;
	*differences = r.count;
	return 0;
fail:
	json_decref(r.report);
	return -1;
}

int
reconcile_write_signed(struct db *db, const char *home, const json_t *report, const char *path,
    struct error *e)
{
	struct operator_info op;
	struct secret_key sk;
	struct key_info info;
	char *text = json_dumps(report, JSON_COMPACT | JSON_SORT_KEYS);
	char note[NOTE_MAX_BYTES], body[NOTE_NAME_MAX + 200], hex[65], tmp[4200], sig[4200];
	uint8_t digest[HASH_SHA256_SIZE];
	size_t len;
	FILE *f;
	int rc;

	if (text == NULL)
		return error_set(e, 500, "REPORT_ERROR", "cannot write the report");
	struct hash_sha256_state h;
	hash_sha256_init(&h);
	hash_sha256_update(&h, text, strlen(text));
	hash_sha256_update(&h, "\n", 1); /* the file as written */
	hash_sha256_final(&h, digest);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	if (home_operator(db, &op, e) != 0 || keys_load_active(db, home, KEY_LEDGER, &sk, &info, e) != 0) {
		free(text);
		return -1;
	}
	snprintf(body, sizeof(body), "%s\n%s\n%s\n", RECONCILE_NOTE_FORMAT, op.origin, hex);
	rc = note_sign(body, strlen(body), op.origin, sk.bytes, note, sizeof(note), &len, e);
	secret_key_wipe(&sk);
	if (rc != 0) {
		free(text);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(sig, sizeof(sig), "%s.note", path);
	if ((f = fopen(tmp, "wx")) == NULL) {
		free(text);
		return error_set(e, 409, "OUT_EXISTS", "cannot write %s", tmp);
	}
	rc = fprintf(f, "%s\n", text) < 0;
	free(text);
	if (fclose(f) != 0 || rc != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return error_set(e, 500, "REPORT_ERROR", "cannot write %s", path);
	}
	snprintf(tmp, sizeof(tmp), "%s.note.tmp", path);
	if ((f = fopen(tmp, "wx")) == NULL)
		return error_set(e, 409, "OUT_EXISTS", "cannot write %s", tmp);
	rc = fputs(note, f) < 0;
	if (fclose(f) != 0 || rc != 0 || rename(tmp, sig) != 0) {
		unlink(tmp);
		return error_set(e, 500, "REPORT_ERROR", "cannot write %s", sig);
	}
	return 0;
}
