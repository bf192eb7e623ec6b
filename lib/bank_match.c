/* Matching bank lines to what the ledger expects (docs/accounting.md,
 * "Matching rules"), posting each line with one entry, and pain.002
 * statuses. Debits: a settlement's batch by PmtInfId and total, else one
 * payout by EndToEndId and amount, else bank charges by their code, else
 * suspense. Credits: a returned payout by EndToEndId and amount, else the
 * money a `funder credit` already counted (same reference and amount: tied,
 * no new posting), else an invoice (the seam), else a funder's order by
 * its reference in the remittance text when the funder owes at least the
 * amount, else suspense. Never by IBAN alone. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bank_match.h"
#include "db.h"
#include "ledger.h"
#include "date.h"
#include "money.h"
#include "registry.h"
#include "settlement.h"
#include "invoice.h"
#include "clock.h"

int
bank_match_init(struct bank_match_ctx *m, struct db *db, const char *who, int64_t now,
    struct bank_import_result *r, struct error *e)
{
	static const enum ledger_account_kind opened[] = { ACCOUNT_BANK, ACCOUNT_BANK_OPERATING,
		ACCOUNT_SUSPENSE, ACCOUNT_BANK_CHARGES, ACCOUNT_PAYOUTS, ACCOUNT_PAYOUTS_TRANSIT };

	memset(m, 0, sizeof(*m));
	m->db = db;
	m->who = who;
	m->now = now;
	m->r = r;
	merkle_state_init(&m->tree);
	for (size_t i = 0; i < sizeof(opened) / sizeof(opened[0]); i++)
		if (ledger_account_open(db, opened[i], 0, NULL, e) != 0)
			return -1;
	return 0;
}

void
bank_match_free(struct bank_match_ctx *m)
{
	(void)m;
}

/* Appends an entry of two postings: debit a (owner ao), credit b. */
static int
bank_post(struct bank_match_ctx *m, const char *kind, const char *reference, const char *memo,
    enum ledger_account_kind a, int64_t ao, enum ledger_account_kind b, int64_t bo, int64_t cents,
    uint64_t *seq, struct error *e)
{
	struct ledger_entry entry = { .time = m->now };

	snprintf(entry.kind, sizeof(entry.kind), "%s", kind);
	snprintf(entry.reference, sizeof(entry.reference), "%s", reference);
	snprintf(entry.memo, sizeof(entry.memo), "%s", memo);
	if (ledger_post(&entry, a, ao, cents, e) != 0 || ledger_post(&entry, b, bo, -cents, e) != 0 ||
	    ledger_append(m->db, &entry, &m->tree, e) != 0)
		return -1;
	*seq = entry.seq;
	return 0;
}

/* The line row. */
static int
bank_line_row(struct bank_match_ctx *m, const struct bank_line *l, int64_t idx, const char *kind,
    int64_t settlement_id, int64_t payout_id, int64_t funder_id, const uint64_t *seq,
    int64_t *line_id, struct error *e)
{
	if (db_run(m->db, "INSERT INTO bank_lines (statement_id, idx, booking_day, value_day,"
	    " amount_cents, bank_ref, end_to_end_id, pmt_inf_id, remittance, counterparty, code, kind,"
	    " settlement_id, payout_id, funder_id, entry_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	    " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)", DB_ARGS(DB_INT(m->statement_id), DB_INT(idx),
	    DB_INT(l->booking_day), DB_INT(l->value_day), DB_INT(l->amount_cents), DB_TEXT(l->bank_ref),
	    DB_TEXT(l->end_to_end_id), DB_TEXT(l->pmt_inf_id), DB_TEXT(l->remittance),
	    DB_TEXT(l->counterparty), DB_TEXT(l->code), DB_TEXT(kind),
	    settlement_id != 0 ? DB_INT(settlement_id) : DB_NULL,
	    payout_id != 0 ? DB_INT(payout_id) : DB_NULL, funder_id != 0 ? DB_INT(funder_id) : DB_NULL,
	    seq != NULL ? DB_INT(*seq) : DB_NULL), e) != 0)
		return -1;
	*line_id = db_last_rowid(m->db);
	return 0;
}

/* A payout as matching sees it. */
struct bank_payout {
	int64_t id, settlement_id, payee_id, amount;
	char status[10];
	bool debited, returned;
};

static int
bank_payout_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct bank_payout *p = ctx;

	(void)e;
	p->id = db_row_int64(row, 0);
	p->settlement_id = db_row_int64(row, 1);
	p->payee_id = db_row_int64(row, 2);
	p->amount = db_row_int64(row, 3);
	db_row_text(row, 4, p->status, sizeof(p->status));
	p->debited = !db_row_is_null(row, 5);
	p->returned = !db_row_is_null(row, 6);
	return 0;
}

#define BANK_PAYOUT_SQL "SELECT p.id, p.settlement_id, p.payee_id, p.amount_cents, p.status," \
	" d.line_id, d.returned_line_id FROM payouts p LEFT JOIN payout_debits d ON d.payout_id = p.id"

static int
bank_payout_by_e2e(struct db *db, const char *e2e, struct bank_payout *p, struct error *e)
{
	memset(p, 0, sizeof(*p));
	if (e2e[0] == '\0')
		return 0;
	return db_one(db, BANK_PAYOUT_SQL " WHERE p.end_to_end_id = ?1", DB_ARGS(DB_TEXT(e2e)),
	    bank_payout_row, p, e);
}

static int
bank_payout_by_id(struct db *db, int64_t id, struct bank_payout *p, struct error *e)
{
	memset(p, 0, sizeof(*p));
	return db_one(db, BANK_PAYOUT_SQL " WHERE p.id = ?1", DB_ARGS(DB_INT(id)), bank_payout_row, p, e);
}

/* A payout debited by line_id (status accepted when it was issued). */
static int
bank_payout_debited(struct bank_match_ctx *m, int64_t payout_id, int64_t line_id, struct error *e)
{
	return db_run(m->db, "INSERT INTO payout_debits (payout_id, line_id) VALUES (?1, ?2)",
	    DB_ARGS(DB_INT(payout_id), DB_INT(line_id)), e) != 0 ||
	    db_run(m->db, "UPDATE payouts SET status = 'accepted' WHERE id = ?1 AND status IN"
	    " ('issued', 'rejected')", DB_ARGS(DB_INT(payout_id)), e) != 0 ? -1 : 0;
}

/* A returned payout: the payable is back (the entry), the payout returned
 * and its payee flagged by a hold (unless one is open). */
static int
bank_payout_returned(struct bank_match_ctx *m, const struct bank_payout *p, int64_t line_id,
    const char *reason, struct error *e)
{
	char why[200];
	int64_t hold;
	int rc;

	if (db_run(m->db, "UPDATE payout_debits SET returned_line_id = ?2 WHERE payout_id = ?1",
	    DB_ARGS(DB_INT(p->id), DB_INT(line_id)), e) != 0 ||
	    db_run(m->db, "UPDATE payouts SET status = 'returned' WHERE id = ?1",
	    DB_ARGS(DB_INT(p->id)), e) != 0)
		return -1;
	rc = db_one(m->db, "SELECT 1 FROM payee_holds WHERE payee_id = ?1 AND released_at IS NULL",
	    DB_ARGS(DB_INT(p->payee_id)), NULL, NULL, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	snprintf(why, sizeof(why), "virement retourné par la banque (payout %lld%s%s) : vérifier"
	    " l'IBAN", (long long)p->id, reason[0] != '\0' ? ", motif " : "", reason);
	return settlement_hold(m->db, p->payee_id, why, m->who, m->now, &hold, e);
}

/* The batch of a settlement by PmtInfId: its payouts not yet debited nor
 * rejected, and their total. */
static int
bank_batch(struct db *db, const char *pmt_inf_id, int64_t *settlement_id, int64_t *total,
    struct error *e)
{
	*settlement_id = 0;
	*total = 0;
	if (pmt_inf_id[0] == '\0')
		return 0;
	int rc = db_int64(db, "SELECT id FROM settlements WHERE pmt_inf_id = ?1",
	    DB_ARGS(DB_TEXT(pmt_inf_id)), settlement_id, e);
	if (rc <= 0)
		return rc;
	return db_int64(db, "SELECT COALESCE(SUM(p.amount_cents), 0) FROM payouts p WHERE"
	    " p.settlement_id = ?1 AND p.status IN ('issued', 'accepted') AND NOT EXISTS (SELECT 1"
	    " FROM payout_debits d WHERE d.payout_id = p.id)", DB_ARGS(DB_INT(*settlement_id)), total,
	    e) < 0 ? -1 : 1;
}

/* The set of a reissued file (settle --reissue): the payouts not debited
 * that were rejected or never confirmed. */
static int
bank_batch_reissued(struct db *db, int64_t settlement_id, int64_t *total, struct error *e)
{
	return db_int64(db, "SELECT COALESCE(SUM(p.amount_cents), 0) FROM payouts p WHERE"
	    " p.settlement_id = ?1 AND p.status IN ('issued', 'rejected') AND NOT EXISTS (SELECT 1"
	    " FROM payout_debits d WHERE d.payout_id = p.id)", DB_ARGS(DB_INT(settlement_id)), total,
	    e) < 0 ? -1 : 0;
}

struct bank_token_find {
	int64_t amount;
	struct funder_fund found;
	int matches;
	struct db *db;
	bool check_tied;
	struct error *e;
};

static int
bank_fund_found(const struct funder_fund *f, void *ctx)
{
	struct bank_token_find *t = ctx;

	if (t->check_tied) {
		if (f->amount_cents != t->amount)
			return 0;
		int rc = db_one(t->db, "SELECT 1 FROM bank_lines WHERE entry_seq = ?1 AND kind = 'tied'",
		    DB_ARGS(DB_INT(f->entry_seq)), NULL, NULL, t->e);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	t->found = *f;
	t->matches++;
	return 0;
}

/* Calls fn on each word of text (split at spaces and , ; : ( ) ", a final
 * "." dropped) until it returns non-zero. */
static int
bank_words(const char *text, int (*fn)(const char *word, void *ctx), void *ctx)
{
	char word[REGISTRY_NAME_MAX + 1];
	size_t n = 0;

	for (const char *p = text;; p++) {
		if (*p == '\0' || strchr(" ,;:()\"", *p) != NULL) {
			while (n > 0 && word[n - 1] == '.')
				n--;
			word[n] = '\0';
			if (n > 0) {
				int rc = fn(word, ctx);
				if (rc != 0)
					return rc;
			}
			n = 0;
			if (*p == '\0')
				return 0;
		} else if (n + 1 < sizeof(word))
			word[n++] = *p;
	}
}

struct bank_credit_words {
	struct bank_match_ctx *m;
	int64_t amount;
	enum registry_fund_kind kind;
	struct bank_token_find t;
	int failed;
	char invoice[REGISTRY_NAME_MAX + 1];
};

static int
bank_credit_word(const char *word, void *ctx)
{
	struct bank_credit_words *w = ctx;
	struct error *e = w->t.e;

	if (w->invoice[0] == '\0' && (strncmp(word, "FA-", 3) == 0 || strncmp(word, "AV-", 3) == 0))
		snprintf(w->invoice, sizeof(w->invoice), "%s", word);
	if (registry_fund_find(w->m->db, w->kind, word, bank_fund_found, &w->t, e) < 0) {
		w->failed = 1;
		return 1;
	}
	return w->t.matches > 0;
}

/* Looks for a fund of kind named by a word of the line's remittance text
 * or bank reference; for credits (tie), of the same amount and not tied
 * yet. 1 found (*out), 0 none, -1 error. */
static int
bank_find_fund(struct bank_match_ctx *m, const struct bank_line *l, enum registry_fund_kind kind,
    struct funder_fund *out, char *invoice, struct error *e)
{
	struct bank_credit_words w = { .m = m, .amount = l->amount_cents, .kind = kind,
		.t = { .amount = l->amount_cents, .db = m->db, .check_tied = kind == FUND_CREDIT, .e = e } };

	bank_words(l->remittance, bank_credit_word, &w);
	if (!w.failed && w.t.matches == 0)
		bank_words(l->bank_ref, bank_credit_word, &w);
	if (w.failed)
		return -1;
	if (invoice != NULL)
		snprintf(invoice, REGISTRY_NAME_MAX + 1, "%s", w.invoice);
	if (w.t.matches == 0)
		return 0;
	*out = w.t.found;
	return 1;
}

struct bank_invoice_payment {
	const char *number, *bank_ref;
	int64_t amount_cents;
	int32_t day;
};

static int
bank_invoice_payment_work(struct db *db, void *ctx, struct error *e)
{
	const struct bank_invoice_payment *p = ctx;

	return invoice_record_payment(db, p->number, p->amount_cents, p->day, p->bank_ref, e);
}

int
bank_match_invoice_hook(struct db *db, const char *number, int64_t amount_cents, int32_t day,
    const char *bank_ref, uint64_t *seq, struct error *e)
{
	struct bank_invoice_payment p = { number, bank_ref, amount_cents, day };
	struct error refused;
	uint64_t size;
	int rc;

	/* In its own savepoint: a refusal leaves nothing of it in the import. */
	rc = db_savepoint(db, bank_invoice_payment_work, &p, &refused, e);
	if (rc == -2)
		return -1;
	if (rc != 0) {
		if (refused.status >= 500) {
			*e = refused;
			return -1;
		}
		return 0; /* not a payment of this invoice (unknown, a credit note, too much): suspense */
	}
	if (ledger_size(db, &size, e) != 0)
		return -1;
	*seq = size - 1; /* the invoice-payment entry just appended */
	return 1;
}

/* What the funder owes on its orders (cents, >= 0). */
static int
bank_funder_owes(struct db *db, int64_t funder_id, int64_t *owed, struct error *e)
{
	int64_t spendable;

	return registry_funder_money(db, funder_id, &spendable, owed, e);
}

static int
bank_unmatched(struct bank_match_ctx *m, int64_t line_id, const struct bank_line *l)
{
	m->r->suspense++;
	/* The first ones only, so that memory does not grow with the file
	 * (`passnum bank lines --unmatched` lists them all). */
	if (json_array_size(m->r->unmatched) >= BANK_UNMATCHED_LISTED)
		return 0;
	json_array_append_new(m->r->unmatched, json_pack("{s:I, s:I, s:s, s:s, s:s}", "line",
	    (json_int_t)line_id, "amount_cents", (json_int_t)l->amount_cents, "remittance",
	    l->remittance, "end_to_end_id", l->end_to_end_id, "bank_ref", l->bank_ref));
	return 0;
}

/* What posting one line needs: the line, its index, the entry's
 * reference ("bank:STATEMENT:INDEX": the line's id is not known before its
 * row), its bank account and its absolute amount. */
struct bank_post_line {
	const struct bank_line *l;
	int64_t idx, cents;
	char ref[48];
	enum ledger_account_kind bank;
};

/* camt.054: a detail, never posted (the statement posts the movement).
 * A debit detail confirms its payout. A detail that says a return (RtrInf,
 * or the code RRTN) naming a payout: one not debited yet was rejected by
 * the bank before it paid (as a pain.002 RJCT: settle --reissue writes it
 * again); one already debited and not returned has its payee held now, so
 * that no settlement pays the same account before the statement brings
 * the return, which posts it. */
static int
bank_match_detail(struct bank_match_ctx *m, const struct bank_post_line *x, struct error *e)
{
	struct bank_payout p;
	int64_t line_id, hold;
	char why[200];
	int rc;

	m->r->details++;
	if (bank_line_row(m, x->l, x->idx, "detail", 0, 0, 0, NULL, &line_id, e) != 0)
		return -1;
	if ((!x->l->is_return && x->l->amount_cents > 0) ||
	    (rc = bank_payout_by_e2e(m->db, x->l->end_to_end_id, &p, e)) == 0)
		return 0;
	if (rc < 0)
		return -1;
	if (!x->l->is_return)
		return db_run(m->db, "UPDATE payouts SET status = 'accepted' WHERE id = ?1 AND"
		    " status = 'issued'", DB_ARGS(DB_INT(p.id)), e);
	if (!p.debited) {
		if (db_run(m->db, "UPDATE payouts SET status = 'rejected' WHERE id = ?1 AND status IN"
		    " ('issued', 'accepted')", DB_ARGS(DB_INT(p.id)), e) != 0)
			return -1;
		m->r->statuses_rejected += db_changes(m->db);
		return 0;
	}
	if (p.returned)
		return 0;
	m->r->returns_notified++;
	rc = db_one(m->db, "SELECT 1 FROM payee_holds WHERE payee_id = ?1 AND released_at IS NULL",
	    DB_ARGS(DB_INT(p.payee_id)), NULL, NULL, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	snprintf(why, sizeof(why), "virement retourné par la banque (avis camt.054, payout %lld%s%s) :"
	    " vérifier l'IBAN", (long long)p.id, x->l->return_reason[0] != '\0' ? ", motif " : "",
	    x->l->return_reason);
	return settlement_hold(m->db, p.payee_id, why, m->who, m->now, &hold, e);
}

/* A debit of the funds account that is a settlement's batch (by PmtInfId
 * and total) or one payout (by EndToEndId and amount): 1 posted, 0 not
 * a payout, -1 error. */
static int
bank_match_payout_debit(struct bank_match_ctx *m, const struct bank_post_line *x, struct error *e)
{
	int64_t settlement_id, total, line_id;
	bool reissue = false; /* the debit of a reissued file */
	struct bank_payout p;
	uint64_t seq;
	int rc;

	if ((rc = bank_batch(m->db, x->l->pmt_inf_id, &settlement_id, &total, e)) < 0)
		return -1;
	if (rc == 1 && total != x->cents) {
		int64_t reissued;
		if (bank_batch_reissued(m->db, settlement_id, &reissued, e) != 0)
			return -1;
		if (reissued == x->cents) {
			total = reissued;
			reissue = true;
		}
	}
	if (rc == 1 && total == x->cents) {
		if (bank_post(m, "bank-payout", x->ref, "Débit des virements aux lieux (lot)",
		    ACCOUNT_PAYOUTS_TRANSIT, 0, x->bank, 0, x->cents, &seq, e) != 0 ||
		    bank_line_row(m, x->l, x->idx, "payout-batch", settlement_id, 0, 0, &seq, &line_id,
		    e) != 0)
			return -1;
		if (db_run(m->db, reissue ? "INSERT INTO payout_debits (payout_id, line_id) SELECT"
		    " p.id, ?2 FROM payouts p WHERE p.settlement_id = ?1 AND p.status IN ('issued',"
		    " 'rejected') AND NOT EXISTS (SELECT 1 FROM payout_debits d WHERE d.payout_id = p.id)"
		    : "INSERT INTO payout_debits (payout_id, line_id) SELECT p.id, ?2 FROM payouts p"
		    " WHERE p.settlement_id = ?1 AND p.status IN ('issued', 'accepted') AND NOT EXISTS"
		    " (SELECT 1 FROM payout_debits d WHERE d.payout_id = p.id)",
		    DB_ARGS(DB_INT(settlement_id), DB_INT(line_id)), e) != 0)
			return -1;
		m->r->payouts_debited += db_changes(m->db);
		/* Debited: the bank paid it, whatever a status report said before. */
		return db_run(m->db, "UPDATE payouts SET status = 'accepted' WHERE status IN"
		    " ('issued', 'rejected') AND id IN (SELECT payout_id FROM payout_debits WHERE"
		    " line_id = ?1)", DB_ARGS(DB_INT(line_id)), e) == 0 ? 1 : -1;
	}
	if ((rc = bank_payout_by_e2e(m->db, x->l->end_to_end_id, &p, e)) < 0)
		return -1;
	if (rc == 0 || p.debited || p.amount != x->cents)
		return 0;
	if (bank_post(m, "bank-payout", x->ref, "Débit d'un virement à un lieu",
	    ACCOUNT_PAYOUTS_TRANSIT, 0, x->bank, 0, x->cents, &seq, e) != 0 ||
	    bank_line_row(m, x->l, x->idx, "payout", p.settlement_id, p.id, 0, &seq, &line_id, e) != 0 ||
	    bank_payout_debited(m, p.id, line_id, e) != 0)
		return -1;
	m->r->payouts_debited++;
	return 1;
}

/* A credit of the funds account: a payout's return, money `funder credit`
 * already counted (tied), an invoice (the seam) or a funder's order named
 * in the text: 1 posted or tied, 0 none of them, -1 error. A line the bank
 * marks as a return (RtrInf, RRTN, a CFONB reason code, CSV "return") that
 * is no payout's is never taken for a funder's money. */
static int
bank_match_credit(struct bank_match_ctx *m, const struct bank_post_line *x, struct error *e)
{
	char invoice[REGISTRY_NAME_MAX + 1] = "";
	struct funder_fund fund;
	struct bank_payout p;
	int64_t line_id, owed;
	uint64_t seq;
	int rc;

	if ((rc = bank_payout_by_e2e(m->db, x->l->end_to_end_id, &p, e)) < 0)
		return -1;
	if (rc == 1 && p.debited && !p.returned && p.amount == x->cents) {
		if (bank_post(m, "bank-return", x->ref, "Virement à un lieu retourné par la banque",
		    x->bank, 0, ACCOUNT_PAYEE, p.payee_id, x->cents, &seq, e) != 0 ||
		    bank_line_row(m, x->l, x->idx, "return", p.settlement_id, p.id, 0, &seq, &line_id,
		    e) != 0 || bank_payout_returned(m, &p, line_id, x->l->return_reason, e) != 0)
			return -1;
		m->r->returns++;
		return 1;
	}
	if (x->l->is_return)
		return 0; /* money of ours coming back, never a funder's payment: suspense */
	if ((rc = bank_find_fund(m, x->l, FUND_CREDIT, &fund, NULL, e)) != 0) {
		if (rc < 0)
			return -1;
		/* Counted already by `funder credit`: tied to its entry, no new posting. */
		if (money_sub(m->r->posted_cents, x->l->amount_cents, &m->r->posted_cents) != 0)
			return error_set(e, 413, "AMOUNT_TOO_LARGE", "amounts too large");
		m->r->tied++;
		return bank_line_row(m, x->l, x->idx, "tied", 0, 0, fund.funder_id, &fund.entry_seq,
		    &line_id, e) == 0 ? 1 : -1;
	}
	if ((rc = bank_find_fund(m, x->l, FUND_ORDER, &fund, invoice, e)) < 0)
		return -1;
	if (rc == 0 && invoice[0] != '\0') {
		if ((rc = bank_match_invoice_hook(m->db, invoice, x->cents, x->l->booking_day,
		    x->l->bank_ref, &seq, e)) <= 0)
			return rc;
		m->r->receipts++;
		return bank_line_row(m, x->l, x->idx, "receipt", 0, 0, 0, &seq, &line_id, e) == 0 ? 1 : -1;
	}
	if (rc == 0)
		return 0;
	if (bank_funder_owes(m->db, fund.funder_id, &owed, e) != 0)
		return -1;
	if (owed < x->cents)
		return 0; /* more than it owes: a person decides (bank match) */
	if (bank_post(m, "bank-receipt", x->ref, "Paiement d'un financeur (commande)", x->bank, 0,
	    ACCOUNT_FUNDER_ORDERS, fund.funder_id, x->cents, &seq, e) != 0 ||
	    bank_line_row(m, x->l, x->idx, "receipt", 0, 0, fund.funder_id, &seq, &line_id, e) != 0)
		return -1;
	m->r->receipts++;
	return 1;
}

int
bank_match_line(struct bank_match_ctx *m, const struct bank_line *l, int64_t idx, struct error *e)
{
	struct bank_post_line x = { .l = l, .idx = idx,
		.cents = l->amount_cents < 0 ? -l->amount_cents : l->amount_cents,
		.bank = m->operating ? ACCOUNT_BANK_OPERATING : ACCOUNT_BANK };
	int64_t line_id;
	uint64_t seq;
	int rc = 0;

	if (m->detail)
		return bank_match_detail(m, &x, e);
	snprintf(x.ref, sizeof(x.ref), "bank:%lld:%lld", (long long)m->statement_id, (long long)idx);
	if (money_add(m->r->posted_cents, l->amount_cents, &m->r->posted_cents) != 0)
		return error_set(e, 413, "AMOUNT_TOO_LARGE", "the statement's lines add up to more"
		    " than passnum can count");
	if (!m->operating)
		rc = l->amount_cents < 0 ? bank_match_payout_debit(m, &x, e) : bank_match_credit(m, &x, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (l->amount_cents < 0 && l->is_charges) {
		if (bank_post(m, "bank-charges", x.ref, "Frais bancaires", ACCOUNT_BANK_CHARGES, 0,
		    x.bank, 0, x.cents, &seq, e) != 0 ||
		    bank_line_row(m, l, idx, "charges", 0, 0, 0, &seq, &line_id, e) != 0)
			return -1;
		m->r->charges++;
		return 0;
	}
	/* Nothing matched: suspense (471), listed until matched by hand. */
	if (l->amount_cents > 0 ? bank_post(m, "bank-suspense", x.ref, "Ligne bancaire en attente",
	    x.bank, 0, ACCOUNT_SUSPENSE, 0, x.cents, &seq, e) : bank_post(m, "bank-suspense", x.ref,
	    "Ligne bancaire en attente", ACCOUNT_SUSPENSE, 0, x.bank, 0, x.cents, &seq, e))
		return -1;
	if (bank_line_row(m, l, idx, "suspense", 0, 0, 0, &seq, &line_id, e) != 0)
		return -1;
	return bank_unmatched(m, line_id, l);
}

/* pain.002 */

static bool
bank_status_accepted(const char *s)
{
	return strcmp(s, "ACCP") == 0 || strcmp(s, "ACSC") == 0 || strcmp(s, "ACSP") == 0 ||
	    strcmp(s, "ACTC") == 0 || strcmp(s, "ACWC") == 0;
}

int
bank_status_check(struct bank_match_ctx *m, const struct bank_status *s, struct error *e)
{
	char pmt_inf_id[BANK_ID_MAX + 1] = "";
	int64_t id = 0;
	int rc;

	if (m->settlement_id == 0) {
		rc = db_int64(m->db, "SELECT id FROM settlements WHERE msg_id = ?1",
		    DB_ARGS(DB_TEXT(s->orig_msg_id)), &id, e);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return error_set(e, 409, "UNKNOWN_MESSAGE", "the status report is about message %s,"
			    " which is no settlement of this home", s->orig_msg_id);
		m->settlement_id = id;
	}
	if (!bank_status_accepted(s->status) && strcmp(s->status, "RJCT") != 0 &&
	    strcmp(s->status, "PART") != 0 && strcmp(s->status, "PDNG") != 0 &&
	    strcmp(s->status, "RCVD") != 0)
		return error_set(e, 400, "BAD_BANK_FILE", "unknown payment status %s", s->status);
	if (s->level == BANK_STATUS_PMTINF) {
		rc = db_int64(m->db, "SELECT 1 FROM settlements WHERE id = ?1 AND pmt_inf_id = ?2",
		    DB_ARGS(DB_INT(m->settlement_id), DB_TEXT(s->id)), &id, e);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return error_set(e, 409, "UNKNOWN_PAYMENT", "the status report names PmtInfId %s,"
			    " which is not in message %s", s->id, s->orig_msg_id);
	}
	if (s->level == BANK_STATUS_TX) {
		rc = db_int64(m->db, "SELECT id FROM payouts WHERE settlement_id = ?1 AND"
		    " end_to_end_id = ?2", DB_ARGS(DB_INT(m->settlement_id), DB_TEXT(s->id)), &id, e);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return error_set(e, 409, "UNKNOWN_PAYMENT", "the status report names EndToEndId %s,"
			    " which is no payout of message %s", s->id, s->orig_msg_id);
	}
	(void)pmt_inf_id;
	return 0;
}

int
bank_status_apply(struct bank_match_ctx *m, const struct bank_status *s, struct error *e)
{
	static const char *const sql[2][2] = {
		{ "UPDATE payouts SET status = 'accepted' WHERE settlement_id = ?1 AND status = 'issued'"
		  " AND NOT EXISTS (SELECT 1 FROM payout_debits d WHERE d.payout_id = payouts.id)"
		  " AND ?2 = ?2",
		  "UPDATE payouts SET status = 'accepted' WHERE settlement_id = ?1 AND status = 'issued'"
		  " AND NOT EXISTS (SELECT 1 FROM payout_debits d WHERE d.payout_id = payouts.id)"
		  " AND end_to_end_id = ?2" },
		{ "UPDATE payouts SET status = 'rejected' WHERE settlement_id = ?1 AND status IN"
		  " ('issued', 'accepted') AND NOT EXISTS (SELECT 1 FROM payout_debits d WHERE"
		  " d.payout_id = payouts.id) AND ?2 = ?2",
		  "UPDATE payouts SET status = 'rejected' WHERE settlement_id = ?1 AND status IN"
		  " ('issued', 'accepted') AND NOT EXISTS (SELECT 1 FROM payout_debits d WHERE"
		  " d.payout_id = payouts.id) AND end_to_end_id = ?2" },
	};
	bool rejected = strcmp(s->status, "RJCT") == 0;

	if (!rejected && !bank_status_accepted(s->status))
		return 0; /* PART, PDNG, RCVD: the transactions' own statuses say more */
	/* Never a payout the bank already debited; an accepted one may still
	 * be rejected later (ACTC, then RJCT), a rejected one is not accepted
	 * again by the same report. */
	if (db_run(m->db, sql[rejected][s->level == BANK_STATUS_TX], DB_ARGS(DB_INT(m->settlement_id),
	    DB_TEXT(s->id)), e) != 0)
		return -1;
	if (rejected)
		m->r->statuses_rejected += db_changes(m->db);
	else
		m->r->statuses_accepted += db_changes(m->db);
	return 0;
}

/* Hand matching (passnum bank match). */

struct bank_line_info {
	int64_t id, amount;
	char kind[16], account[12];
	bool matched;
};

static int
bank_line_info_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct bank_line_info *l = ctx;

	(void)e;
	l->id = db_row_int64(row, 0);
	l->amount = db_row_int64(row, 1);
	db_row_text(row, 2, l->kind, sizeof(l->kind));
	db_row_text(row, 3, l->account, sizeof(l->account));
	l->matched = !db_row_is_null(row, 4);
	return 0;
}

int
bank_match(struct db *db, int64_t line_id, enum bank_target target, const char *target_id,
    const char *who, int64_t now, uint64_t *seq, struct error *e)
{
	static const char *const targets[] = { "funder", "payout", "invoice", "charges", "sweep" };
	struct bank_import_result r = { 0 };
	struct bank_match_ctx m;
	struct bank_line_info l = { 0 };
	struct bank_payout p;
	char ref[48];
	int64_t cents, id = 0;
	enum ledger_account_kind bank;
	int rc;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	rc = db_one(db, "SELECT l.id, l.amount_cents, l.kind, s.account, m.line_id FROM bank_lines l"
	    " JOIN bank_statements s ON s.id = l.statement_id LEFT JOIN bank_matches m ON"
	    " m.line_id = l.id WHERE l.id = ?1", DB_ARGS(DB_INT(line_id)), bank_line_info_row, &l, e);
	if (rc <= 0)
		return rc < 0 ? -1 : error_set(e, 404, "NO_LINE", "there is no bank line %lld",
		    (long long)line_id);
	if (strcmp(l.kind, "suspense") != 0)
		return error_set(e, 409, "NOT_IN_SUSPENSE", "bank line %lld was matched at import (%s):"
		    " only lines in suspense are matched by hand", (long long)line_id, l.kind);
	if (l.matched)
		return error_set(e, 409, "ALREADY_MATCHED", "bank line %lld is already matched",
		    (long long)line_id);
	if (bank_match_init(&m, db, who, now, &r, e) != 0)
		return -1;
	bank = strcmp(l.account, "operating") == 0 ? ACCOUNT_BANK_OPERATING : ACCOUNT_BANK;
	cents = l.amount < 0 ? -l.amount : l.amount;
	snprintf(ref, sizeof(ref), "bank-line:%lld", (long long)line_id);
	if (target != BANK_TARGET_CHARGES && target != BANK_TARGET_SWEEP) {
		char *end;
		if (target == BANK_TARGET_INVOICE) {
			struct funder_fund f;
			struct bank_token_find t = { .db = db, .e = e };
			if (registry_fund_find(db, FUND_ORDER, target_id, bank_fund_found, &t, e) < 0)
				return -1;
			if (t.matches == 0) {
				rc = bank_match_invoice_hook(db, target_id, cents, clock_local_day(now, CLOCK_TZ_PARIS), ref,
				    seq, e);
				if (rc < 0)
					return -1;
				if (rc == 0)
					return error_set(e, 404, "NO_INVOICE", "there is no order %s, nor an invoice"
					    " that this line pays (unknown, a credit note, or more than is owed):"
					    " use --funder ID", target_id);
				goto record;
			}
			f = t.found;
			id = f.funder_id;
			target = BANK_TARGET_FUNDER;
		} else {
			id = strtoll(target_id, &end, 10);
			if (*target_id == '\0' || *end != '\0' || id <= 0)
				return error_set(e, 400, "BAD_ID", "\"%s\" is not an id", target_id);
		}
	}
	switch (target) {
	case BANK_TARGET_PAYOUT:
		if ((rc = bank_payout_by_id(db, id, &p, e)) <= 0)
			return rc < 0 ? -1 : error_set(e, 404, "NO_PAYOUT", "there is no payout %lld",
			    (long long)id);
		if (strcmp(l.account, "funds") != 0)
			return error_set(e, 409, "WRONG_ACCOUNT", "payouts are paid from the third-party"
			    " funds account, not from the operating account");
		if (p.amount != cents)
			return error_set(e, 409, "AMOUNT_MISMATCH", "payout %lld is %lld cents, the line"
			    " %lld cents", (long long)id, (long long)p.amount, (long long)cents);
		if (l.amount < 0) {
			if (p.debited)
				return error_set(e, 409, "PAYOUT_MISMATCH", "payout %lld is already debited: a"
				    " debit cannot be it", (long long)id);
			if (bank_post(&m, "bank-match", ref, "Débit d'un virement à un lieu (rapproché)",
			    ACCOUNT_PAYOUTS_TRANSIT, 0, ACCOUNT_SUSPENSE, 0, cents, seq, e) != 0 ||
			    bank_payout_debited(&m, id, line_id, e) != 0)
				return -1;
		} else {
			if (!p.debited || p.returned)
				return error_set(e, 409, "PAYOUT_MISMATCH", "payout %lld was %s: a credit cannot"
				    " be its return", (long long)id, p.returned ? "returned already" :
				    "not debited yet");
			if (bank_post(&m, "bank-match", ref, "Virement à un lieu retourné (rapproché)",
			    ACCOUNT_SUSPENSE, 0, ACCOUNT_PAYEE, p.payee_id, cents, seq, e) != 0 ||
			    bank_payout_returned(&m, &p, line_id, "", e) != 0)
				return -1;
		}
		break;
	case BANK_TARGET_FUNDER: {
		struct funder f;
		int64_t owed;
		if (l.amount < 0)
			return error_set(e, 409, "NOT_A_CREDIT", "bank line %lld is a debit: a funder's"
			    " payment is a credit", (long long)line_id);
		if (registry_funder_get(db, id, &f, e) != 0 || bank_funder_owes(db, id, &owed, e) != 0)
			return -1;
		if (owed >= cents) {
			if (bank_post(&m, "bank-match", ref, "Paiement d'un financeur (commande, rapproché)",
			    ACCOUNT_SUSPENSE, 0, ACCOUNT_FUNDER_ORDERS, id, cents, seq, e) != 0)
				return -1;
		} else {
			/* Money received ahead: recorded as a credit (its own entry, bank
			 * to the funder's balance), and the suspense line cleared. */
			if (strcmp(l.account, "funds") != 0)
				return error_set(e, 409, "WRONG_ACCOUNT", "a funder's money belongs on the"
				    " third-party funds account, not on the operating account");
			if (registry_funder_fund(db, id, FUND_CREDIT, cents, ref, now, NULL, e) != 0 ||
			    bank_post(&m, "bank-match", ref, "Fonds reçus d'un financeur (rapproché)",
			    ACCOUNT_SUSPENSE, 0, bank, 0, cents, seq, e) != 0)
				return -1;
		}
		break;
	}
	case BANK_TARGET_CHARGES:
		if (l.amount > 0)
			return error_set(e, 409, "NOT_A_DEBIT", "bank line %lld is a credit: charges are"
			    " debits", (long long)line_id);
		if (bank_post(&m, "bank-match", ref, "Frais bancaires (rapprochés)", ACCOUNT_BANK_CHARGES,
		    0, ACCOUNT_SUSPENSE, 0, cents, seq, e) != 0)
			return -1;
		break;
	case BANK_TARGET_SWEEP:
		/* A fee sweep leaves the funds account (a debit there) and reaches
		 * the operating account (a credit there), through 580. */
		if (strcmp(l.account, "funds") == 0 && l.amount < 0)
			rc = bank_post(&m, "fee-sweep", ref, "Virement des frais vers le compte de"
			    " fonctionnement", ACCOUNT_PAYOUTS, 0, ACCOUNT_SUSPENSE, 0, cents, seq, e);
		else if (strcmp(l.account, "operating") == 0 && l.amount > 0)
			rc = bank_post(&m, "fee-sweep", ref, "Frais reçus du compte de fonds de tiers",
			    ACCOUNT_SUSPENSE, 0, ACCOUNT_PAYOUTS, 0, cents, seq, e);
		else
			return error_set(e, 409, "NOT_A_SWEEP", "a fee sweep is a debit of the third-party"
			    " funds account or a credit of the operating account");
		if (rc != 0)
			return -1;
		break;
	default:
		return error_set(e, 500, "BANK_BUG", "unknown target");
	}
record:
	return db_run(db, "INSERT INTO bank_matches (line_id, target, target_id, entry_seq,"
	    " matched_by, matched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", DB_ARGS(DB_INT(line_id),
	    DB_TEXT(targets[target]), DB_TEXT(target_id[0] != '\0' ? target_id : targets[target]),
	    DB_INT(*seq), DB_TEXT(who), DB_INT(now)), e);
}

static int
bank_line_json_row(const struct db_row *row, void *ctx, struct error *e)
{
	json_t *a = ctx;
	char day[16];

	(void)e;
	date_format((int32_t)db_row_int64(row, 3), day);
	json_array_append_new(a, json_pack("{s:I, s:I, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s,"
	    " s:o, s:b}", "line", (json_int_t)db_row_int64(row, 0), "statement",
	    (json_int_t)db_row_int64(row, 1), "idx", (json_int_t)db_row_int64(row, 2), "booking_date",
	    day, "account", db_row_text_ptr(row, 4, NULL), "amount_cents",
	    (json_int_t)db_row_int64(row, 5), "kind", db_row_text_ptr(row, 6, NULL), "bank_ref",
	    db_row_text_ptr(row, 7, NULL), "end_to_end_id", db_row_text_ptr(row, 8, NULL),
	    "remittance", db_row_text_ptr(row, 9, NULL), "counterparty", db_row_text_ptr(row, 10, NULL),
	    "entry_seq", db_row_is_null(row, 11) ? json_null() : json_integer(db_row_int64(row, 11)),
	    "matched", !db_row_is_null(row, 12)));
	return 0;
}

json_t *
bank_lines_json(struct db *db, bool unmatched_only, struct error *e)
{
	json_t *a = json_array();

	if (db_each(db, "SELECT l.id, l.statement_id, l.idx, l.booking_day, s.account,"
	    " l.amount_cents, l.kind, l.bank_ref, l.end_to_end_id, l.remittance, l.counterparty,"
	    " l.entry_seq, m.line_id FROM bank_lines l JOIN bank_statements s ON s.id = l.statement_id"
	    " LEFT JOIN bank_matches m ON m.line_id = l.id WHERE ?1 = 0 OR (l.kind = 'suspense' AND"
	    " m.line_id IS NULL) ORDER BY l.id", DB_ARGS(DB_INT(unmatched_only)), bank_line_json_row,
	    a, e) != 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

int
bank_payout_totals(struct db *db, int64_t *debited,
    int (*fn)(int64_t payee_id, int64_t returned, void *ctx), void *ctx, struct error *e)
{
	*debited = 0;
	if (db_int64(db, "SELECT COALESCE(SUM(p.amount_cents), 0) FROM payout_debits d JOIN payouts p"
	    " ON p.id = d.payout_id", DB_NO_ARGS, debited, e) < 0)
		return -1;
	return db_each_int64_pair(db, "SELECT p.payee_id, SUM(p.amount_cents) FROM payout_debits d"
	    " JOIN payouts p ON p.id = d.payout_id WHERE d.returned_line_id IS NOT NULL GROUP BY"
	    " p.payee_id", fn, ctx, e);
}
