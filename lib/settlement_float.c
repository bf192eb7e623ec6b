/* The operator's float (docs/accounting.md "The float"): passes of funders
 * on purchase wait for the funder's payment of the invoice that bills
 * them, or are paid ahead of it from the operator's own money (settle
 * --advance-float). The only module that talks SQL to float_advances and
 * float_clearings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "ledger.h"
#include "money.h"
#include "period.h"
#include "settlement_private.h"

static struct settlement_waiting *
float_add_waiting(struct settlement *s)
{
	struct settlement_waiting *w;

	s->waiting = realloc(s->waiting, (s->waiting_count + 1) * sizeof(*s->waiting));
	if (s->waiting == NULL)
		abort();
	w = &s->waiting[s->waiting_count++];
	memset(w, 0, sizeof(*w));
	return w;
}

/* A row (funder, name, invoice, cents, passes, payees) of what waits. */
static int
float_waiting_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct settlement_waiting *w = float_add_waiting(ctx);

	(void)e;
	w->funder_id = db_row_int64(row, 0);
	db_row_text(row, 1, w->funder, sizeof(w->funder));
	db_row_text(row, 2, w->invoice, sizeof(w->invoice));
	w->cents = db_row_int64(row, 3);
	w->passes = db_row_int64(row, 4);
	w->payees = db_row_int64(row, 5);
	return 0;
}

static int
float_total_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct settlement *s = ctx;

	(void)e;
	s->waiting_cents = db_row_int64(row, 0);
	s->waiting_payees = db_row_int64(row, 1);
	return 0;
}

int
settlement_float_waiting(struct db *db, int64_t end, struct settlement *s, struct error *e)
{
	if (db_each(db, "SELECT f.id, f.name, " SETTLEMENT_INVOICE_OF("r.id", "v.campaign_id")
	    " AS invoice, SUM(v.value_cents), COUNT(*), COUNT(DISTINCT pl.payee_id)"
	    SETTLEMENT_UNPAID_FROM " JOIN redemption_vouchers rv ON rv.redemption_id = r.id"
	    " JOIN vouchers v ON v.serial = rv.serial JOIN campaigns c ON c.id = v.campaign_id"
	    " JOIN funders f ON f.id = c.funder_id" SETTLEMENT_UNPAID_WHERE SETTLEMENT_NOT_HELD
	    " AND" SETTLEMENT_PASS_UNPAID " GROUP BY f.id, invoice ORDER BY f.id, invoice",
	    DB_ARGS(DB_INT(end)), float_waiting_row, s, e) != 0)
		return -1;
	return db_one(db, "SELECT COALESCE(SUM(r.value_cents), 0), COUNT(DISTINCT pl.payee_id)"
	    SETTLEMENT_UNPAID_FROM SETTLEMENT_UNPAID_WHERE SETTLEMENT_NOT_HELD " AND"
	    SETTLEMENT_R_WAITS, DB_ARGS(DB_INT(end)), float_total_row, s, e) < 0 ? -1 : 0;
}

/* The passes s's payouts paid ahead of their funder's payment. */
#define FLOAT_PAID_AHEAD \
	" FROM payouts p JOIN payout_redemptions pr ON pr.payout_id = p.id JOIN redemptions r" \
	" ON r.id = pr.redemption_id JOIN redemption_vouchers rv ON rv.redemption_id = r.id" \
	" JOIN vouchers v ON v.serial = rv.serial JOIN campaigns c ON c.id = v.campaign_id" \
	" JOIN funders f ON f.id = c.funder_id WHERE p.settlement_id = ?1 AND" SETTLEMENT_PASS_UNPAID

struct float_funder {
	int64_t id, cents;
	char name[REGISTRY_NAME_MAX + 1];
};

struct float_funders {
	struct float_funder *list;
	size_t count;
};

static int
float_funder_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct float_funders *ff = ctx;
	struct float_funder *f;

	(void)e;
	ff->list = realloc(ff->list, (ff->count + 1) * sizeof(*ff->list));
	if (ff->list == NULL)
		abort();
	f = &ff->list[ff->count++];
	f->id = db_row_int64(row, 0);
	f->cents = db_row_int64(row, 1);
	db_row_text(row, 2, f->name, sizeof(f->name));
	return 0;
}

/* Appends entry kind (reference, memo) moving cents between funder's
 * float account and the counterpart: debit the float (advance) when
 * advance, else credit it (repaid). Sets *seq. */
static int
float_post(struct db *db, const char *kind, const char *reference, const char *memo,
    int64_t funder_id, const char *name, int64_t cents, bool advance, int64_t now,
    int64_t *seq, struct error *e)
{
	struct ledger_entry entry = { .time = now };

	snprintf(entry.kind, sizeof(entry.kind), "%s", kind);
	snprintf(entry.reference, sizeof(entry.reference), "%s", reference);
	snprintf(entry.memo, sizeof(entry.memo), "%s", memo);
	if (ledger_account_open(db, ACCOUNT_OPERATOR_FLOAT, funder_id, name, e) != 0 ||
	    ledger_account_open(db, ACCOUNT_FLOAT_COUNTERPART, 0, NULL, e) != 0 ||
	    ledger_post(&entry, ACCOUNT_OPERATOR_FLOAT, funder_id, advance ? cents : -cents, e) != 0 ||
	    ledger_post(&entry, ACCOUNT_FLOAT_COUNTERPART, 0, advance ? -cents : cents, e) != 0 ||
	    ledger_append(db, &entry, NULL, e) != 0)
		return -1;
	*seq = (int64_t)entry.seq;
	return 0;
}

/* Advances funder f's passes that s paid ahead: its entry, then its rows. */
static int
float_advance_funder(struct db *db, const struct settlement *s, const struct float_funder *f,
    struct error *e)
{
	char reference[64], memo[LEDGER_TEXT_MAX + 1];
	int64_t seq = 0, recorded = 0;

	snprintf(reference, sizeof(reference), "settlement:%lld", (long long)s->id);
	snprintf(memo, sizeof(memo), "Avance de l'opérateur : pass du financeur %lld payés avant sa"
	    " facture (virements %s)", (long long)f->id, s->period);
	if (float_post(db, "float-advance", reference, memo, f->id, f->name, f->cents, true,
	    s->created_at, &seq, e) != 0 ||
	    db_run(db, "INSERT INTO float_advances (settlement_id, payout_id, funder_id, redemption_id,"
	    " campaign_id, cents, passes, entry_seq) SELECT ?1, p.id, f.id, r.id, v.campaign_id,"
	    " SUM(v.value_cents), COUNT(*), ?3" FLOAT_PAID_AHEAD " AND f.id = ?2 GROUP BY p.id, r.id,"
	    " v.campaign_id", DB_ARGS(DB_INT(s->id), DB_INT(f->id), DB_INT(seq)), e) != 0 ||
	    db_int64(db, "SELECT COALESCE(SUM(cents), 0) FROM float_advances WHERE entry_seq = ?1",
	    DB_ARGS(DB_INT(seq)), &recorded, e) != 1)
		return -1;
	if (recorded != f->cents)
		return error_set(e, 500, "SETTLEMENT_ERROR", "the float of funder %lld records %lld"
		    " cents, not %lld", (long long)f->id, (long long)recorded, (long long)f->cents);
	return 0;
}

int
settlement_float_store(struct db *db, struct settlement *s, struct error *e)
{
	struct float_funders ff = { NULL, 0 };
	int rc = -1;

	if (db_each(db, "SELECT f.id, SUM(v.value_cents), f.name" FLOAT_PAID_AHEAD
	    " GROUP BY f.id ORDER BY f.id", DB_ARGS(DB_INT(s->id)), float_funder_row, &ff, e) != 0)
		goto done;
	for (size_t i = 0; i < ff.count; i++)
		if (float_advance_funder(db, s, &ff.list[i], e) != 0)
			goto done;
	if (db_each(db, "SELECT a.funder_id, f.name, " SETTLEMENT_INVOICE_OF("a.redemption_id",
	    "a.campaign_id") " AS invoice, SUM(a.cents), SUM(a.passes), COUNT(DISTINCT p.payee_id)"
	    " FROM float_advances a JOIN funders f ON f.id = a.funder_id JOIN payouts p ON p.id ="
	    " a.payout_id WHERE a.settlement_id = ?1 GROUP BY a.funder_id, invoice ORDER BY"
	    " a.funder_id, invoice", DB_ARGS(DB_INT(s->id)), float_waiting_row, s, e) != 0 ||
	    db_one(db, "SELECT COALESCE(SUM(r.value_cents), 0), COUNT(DISTINCT p.payee_id) FROM"
	    " payouts p JOIN payout_redemptions pr ON pr.payout_id = p.id JOIN redemptions r ON r.id ="
	    " pr.redemption_id WHERE p.settlement_id = ?1 AND EXISTS (SELECT 1 FROM float_advances a"
	    " WHERE a.redemption_id = r.id)", DB_ARGS(DB_INT(s->id)), float_total_row, s, e) < 0)
		goto done;
	rc = 0;
done:
	free(ff.list);
	return rc;
}

/* Advances whose passes invoice ?1 bills, not cleared yet. */
#define FLOAT_TO_CLEAR \
	" FROM float_advances a JOIN invoice_redemptions ir ON ir.redemption_id = a.redemption_id" \
	" AND ir.campaign_id = a.campaign_id WHERE ir.invoice_id = ?1 AND NOT EXISTS (SELECT 1" \
	" FROM float_clearings k WHERE k.advance_id = a.id)"

int
settlement_float_clear(struct db *db, int64_t invoice_id, const char *number, int32_t day,
    int64_t now, struct error *e)
{
	struct float_funders ff = { NULL, 0 };
	char memo[LEDGER_TEXT_MAX + 1];
	int rc = -1;

	if (DB_IN_WRITE(db, e) != 0 ||
	    db_each(db, "SELECT a.funder_id, SUM(a.cents), (SELECT f.name FROM funders f WHERE f.id ="
	    " a.funder_id)" FLOAT_TO_CLEAR " GROUP BY a.funder_id ORDER BY a.funder_id", DB_ARGS(DB_INT(invoice_id)),
	    float_funder_row, &ff, e) != 0)
		goto done;
	for (size_t i = 0; i < ff.count; i++) {
		int64_t seq = 0;
		snprintf(memo, sizeof(memo), "Avance de l'opérateur remboursée : facture %s payée", number);
		if (float_post(db, "float-repaid", number, memo, ff.list[i].id, ff.list[i].name,
		    ff.list[i].cents, false, now, &seq, e) != 0 ||
		    period_entry_date(db, (uint64_t)seq, day, e) != 0 ||
		    db_run(db, "INSERT INTO float_clearings (advance_id, invoice_id, entry_seq) SELECT"
		    " a.id, ?1, ?3" FLOAT_TO_CLEAR " AND a.funder_id = ?2", DB_ARGS(DB_INT(invoice_id),
		    DB_INT(ff.list[i].id), DB_INT(seq)), e) != 0)
			goto done;
	}
	rc = 0;
done:
	free(ff.list);
	return rc;
}

int
settlement_float_outstanding(struct db *db, int64_t funder_id, int64_t *cents, struct error *e)
{
	*cents = 0;
	return db_int64(db, "SELECT COALESCE(SUM(a.cents), 0) FROM float_advances a WHERE (?1 = 0"
	    " OR a.funder_id = ?1) AND NOT EXISTS (SELECT 1 FROM float_clearings k WHERE"
	    " k.advance_id = a.id)", DB_ARGS(DB_INT(funder_id)), cents, e) < 0 ? -1 : 0;
}

int
settlement_float_awaiting(struct db *db, int64_t funder_id, int64_t *cents, struct error *e)
{
	*cents = 0;
	return db_int64(db, "SELECT COALESCE(SUM(v.value_cents), 0) FROM redemptions r"
	    " JOIN redemption_vouchers rv ON rv.redemption_id = r.id JOIN vouchers v ON v.serial ="
	    " rv.serial JOIN campaigns c ON c.id = v.campaign_id JOIN funders f ON f.id = c.funder_id"
	    " WHERE r.cancelled_at IS NULL AND NOT EXISTS (SELECT 1 FROM payout_redemptions pr WHERE"
	    " pr.redemption_id = r.id) AND (?1 = 0 OR f.id = ?1) AND" SETTLEMENT_PASS_UNPAID,
	    DB_ARGS(DB_INT(funder_id)), cents, e) < 0 ? -1 : 0;
}

int
settlement_float_totals(struct db *db, int64_t funder_id, int64_t *advanced, int64_t *repaid,
    struct error *e)
{
	*advanced = *repaid = 0;
	return db_int64(db, "SELECT COALESCE(SUM(cents), 0) FROM float_advances WHERE funder_id = ?1",
	    DB_ARGS(DB_INT(funder_id)), advanced, e) < 0 ||
	    db_int64(db, "SELECT COALESCE(SUM(a.cents), 0) FROM float_advances a JOIN float_clearings k"
	    " ON k.advance_id = a.id WHERE a.funder_id = ?1", DB_ARGS(DB_INT(funder_id)), repaid,
	    e) < 0 ? -1 : 0;
}

/* The checks of settlement_float_audit: each query names the first thing
 * wrong (an id), with what it means. */
static const struct {
	const char *sql, *what;
} float_checks[] = {
	{ "SELECT a.id FROM float_advances a LEFT JOIN payout_redemptions pr ON pr.redemption_id ="
	  " a.redemption_id LEFT JOIN entries x ON x.seq = a.entry_seq WHERE pr.payout_id IS NOT"
	  " a.payout_id OR x.kind IS NOT 'float-advance' ORDER BY a.id LIMIT 1",
	  "float advance %lld is not paid by its payout or not posted by a float-advance entry" },
	{ "SELECT x.seq FROM entries x WHERE x.kind IN ('float-advance', 'float-repaid') AND"
	  " ((SELECT COUNT(*) FROM postings p WHERE p.entry_seq = x.seq) <> 2 OR EXISTS (SELECT 1"
	  " FROM postings p JOIN accounts ac ON ac.id = p.account_id WHERE p.entry_seq = x.seq AND"
	  " ac.kind NOT IN ('operator-float', 'float-counterpart'))) ORDER BY x.seq LIMIT 1",
	  "entry %lld: a float entry moves only a funder's float account and its counterpart" },
	{ "SELECT x.seq FROM entries x WHERE x.kind = 'float-advance' AND (SELECT COALESCE(SUM("
	  "p.amount), 0) FROM postings p JOIN accounts ac ON ac.id = p.account_id WHERE p.entry_seq ="
	  " x.seq AND ac.code = 'operator:float:' || (SELECT MIN(a.funder_id) FROM float_advances a"
	  " WHERE a.entry_seq = x.seq)) <> (SELECT COALESCE(SUM(a.cents), 0) FROM float_advances a"
	  " WHERE a.entry_seq = x.seq) ORDER BY x.seq LIMIT 1",
	  "float-advance entry %lld does not post the passes it records as advanced" },
	{ "SELECT x.seq FROM entries x WHERE x.kind = 'float-repaid' AND (SELECT COALESCE(-SUM("
	  "p.amount), 0) FROM postings p JOIN accounts ac ON ac.id = p.account_id WHERE p.entry_seq ="
	  " x.seq AND ac.code = 'operator:float:' || (SELECT MIN(a.funder_id) FROM float_clearings k"
	  " JOIN float_advances a ON a.id = k.advance_id WHERE k.entry_seq = x.seq)) <> (SELECT"
	  " COALESCE(SUM(a.cents), 0) FROM float_clearings k JOIN float_advances a ON a.id ="
	  " k.advance_id WHERE k.entry_seq = x.seq) ORDER BY x.seq LIMIT 1",
	  "float-repaid entry %lld does not post the advances it records as cleared" },
	{ "SELECT k.advance_id FROM float_clearings k JOIN float_advances a ON a.id = k.advance_id"
	  " JOIN invoices i ON i.id = k.invoice_id LEFT JOIN entries x ON x.seq = k.entry_seq WHERE"
	  " x.kind IS NOT 'float-repaid' OR i.funder_id <> a.funder_id OR NOT EXISTS (SELECT 1 FROM"
	  " invoice_redemptions ir WHERE ir.invoice_id = i.id AND ir.redemption_id = a.redemption_id"
	  " AND ir.campaign_id = a.campaign_id) OR NOT (" SETTLEMENT_NOTHING_OWED ")"
	  " ORDER BY k.advance_id LIMIT 1",
	  "float advance %lld is cleared by an invoice that does not bill it or is not paid" },
	{ "SELECT ac.owner_id FROM accounts ac WHERE ac.kind = 'operator-float' AND ac.balance <>"
	  " (SELECT COALESCE(SUM(a.cents), 0) FROM float_advances a WHERE a.funder_id = ac.owner_id"
	  " AND NOT EXISTS (SELECT 1 FROM float_clearings k WHERE k.advance_id = a.id))"
	  " ORDER BY ac.owner_id LIMIT 1",
	  "funder %lld's float account differs from its advances not cleared" },
	{ "SELECT 1 FROM accounts ac WHERE ac.code = 'float-counterpart' AND -ac.balance <>"
	  " (SELECT COALESCE(SUM(a.cents), 0) FROM float_advances a WHERE NOT EXISTS (SELECT 1 FROM"
	  " float_clearings k WHERE k.advance_id = a.id))",
	  "the float's counterpart (8091) differs from the advances not cleared (%lld)" },
};

int
settlement_float_audit(struct db *db, char what[256], struct error *e)
{
	for (size_t i = 0; i < sizeof(float_checks) / sizeof(float_checks[0]); i++) {
		int64_t id = 0;
		int rc = db_int64(db, float_checks[i].sql, DB_NO_ARGS, &id, e);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			snprintf(what, 256, float_checks[i].what, (long long)id);
			return 1;
		}
	}
	return 0;
}
