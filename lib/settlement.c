#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "ledger.h"
#include "money.h"
#include "redemption.h"
#include "settlement_private.h"
#include "utf8.h"

void
settlement_free(struct settlement *s)
{
	if (s == NULL)
		return;
	free(s->payouts);
	free(s->waiting);
	s->payouts = NULL;
	s->waiting = NULL;
	s->payout_count = s->waiting_count = 0;
}

/* Appends a zeroed payout to s and returns it. */
static struct settlement_payout *
settlement_add_payout(struct settlement *s)
{
	struct settlement_payout *p;

	s->payouts = realloc(s->payouts, (s->payout_count + 1) * sizeof(*s->payouts));
	if (s->payouts == NULL)
		abort();
	p = &s->payouts[s->payout_count++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* The instants [start, end) of period in Europe/Paris. */
static int
settlement_period_bounds(const char *period, int64_t *start, int64_t *end, struct error *e)
{
	int32_t first, last;

	if (date_period_parse(period, &first, &last, e) != 0)
		return -1;
	*start = clock_local_day_start(first, CLOCK_TZ_PARIS);
	*end = clock_local_day_start(last + 1, CLOCK_TZ_PARIS);
	return 0;
}

/* Refuses a period that is not closed at now: its last day not ended, or
 * a redemption in it (not cancelled) still inside its cancellation
 * window. */
static int
settlement_closed(struct db *db, const char *period, int64_t start, int64_t end, int64_t now,
    struct error *e)
{
	int64_t last = 0;
	char when[CLOCK_INSTANT_SIZE];
	int rc;

	if (now < end) {
		clock_instant_format(end, when);
		return error_set(e, 409, "PERIOD_NOT_CLOSED", "period %s is not closed: its last day"
		    " ends at %s", period, when);
	}
	rc = db_int64(db, "SELECT MAX(created_at) FROM redemptions WHERE created_at >= ?1"
	    " AND created_at < ?2 AND cancelled_at IS NULL AND created_at + ?3 > ?4",
	    DB_ARGS(DB_INT(start), DB_INT(end), DB_INT(REDEMPTION_CANCEL_SECONDS), DB_INT(now)),
	    &last, e);
	if (rc < 0)
		return -1;
	if (last != 0) {
		clock_instant_format(last + REDEMPTION_CANCEL_SECONDS, when);
		return error_set(e, 409, "PERIOD_NOT_CLOSED", "period %s is not closed: a redemption"
		    " in it may be cancelled until %s", period, when);
	}
	return 0;
}

static int
settlement_text_row(const struct db_row *row, void *ctx, struct error *e)
{
	(void)e;
	db_row_text(row, 0, ctx, DATE_PERIOD_SIZE);
	return 0;
}

/* Refuses a period already settled, or before the last settled one. */
static int
settlement_not_settled(struct db *db, const char *period, struct error *e)
{
	char last[DATE_PERIOD_SIZE] = "";
	int64_t found = 0;
	int rc = db_int64(db, "SELECT id FROM settlements WHERE period = ?1",
	    DB_ARGS(DB_TEXT(period)), &found, e);

	if (rc < 0)
		return -1;
	if (rc == 1)
		return error_set(e, 409, "ALREADY_SETTLED", "period %s is already settled (settlement"
		    " %lld): a period is settled once; --reissue writes its file again", period,
		    (long long)found);
	if (db_one(db, "SELECT MAX(period) FROM settlements WHERE period > ?1",
	    DB_ARGS(DB_TEXT(period)), settlement_text_row, last, e) < 0)
		return -1;
	if (last[0] != '\0')
		return error_set(e, 409, "PERIOD_SUPERSEDED", "period %s is before the last settled"
		    " period %s, which paid what was owed before it", period, last);
	return 0;
}

/* Payouts the bank returned (bank import) and no payout carried yet. */
#define SETTLEMENT_RETURNED_FROM \
	" FROM payouts p JOIN payout_debits d ON d.payout_id = p.id"
#define SETTLEMENT_RETURNED_WHERE \
	" WHERE d.returned_line_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM payout_carries k" \
	" WHERE k.returned_payout_id = p.id)"

struct settlement_build {
	struct settlement *s;
	int64_t min_cents;
};

static int
settlement_candidate_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct settlement_build *b = ctx;
	struct settlement_payout *p;
	int64_t cents = db_row_int64(row, 1);

	if (cents < b->min_cents) {
		b->s->small_payees++;
		return money_add(b->s->small_cents, cents, &b->s->small_cents) == 0 ? 0 :
		    error_set(e, 500, "OVERFLOW", "amounts overflow");
	}
	p = settlement_add_payout(b->s);
	p->payee_id = db_row_int64(row, 0);
	p->amount_cents = cents;
	p->passes = db_row_int64(row, 2);
	db_row_text(row, 3, p->siret, sizeof(p->siret));
	db_row_text(row, 4, p->name, sizeof(p->name));
	db_row_text(row, 5, p->iban, sizeof(p->iban));
	settlement_sepa_text(p->name, p->creditor, SETTLEMENT_NAME_MAX);
	snprintf(p->status, sizeof(p->status), "issued");
	if (p->creditor[0] == '\0')
		return error_set(e, 409, "BAD_CREDITOR_NAME", "payee %lld's name has no letter of the"
		    " SEPA character set", (long long)p->payee_id);
	if (money_add(b->s->total_cents, cents, &b->s->total_cents) != 0)
		return error_set(e, 500, "OVERFLOW", "amounts overflow");
	b->s->count++;
	return 0;
}

static int
settlement_held_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct settlement *s = ctx;

	(void)e;
	s->held_payees = db_row_int64(row, 0);
	s->held_cents = db_row_int64(row, 1);
	return 0;
}

/* Fills s->payouts with what each payee not on hold is owed (payees by
 * id), and counts what holds keep back; without s->advance_float, the
 * redemptions that wait for a purchase funder's payment are left out (and
 * listed in s->waiting). */
static int
settlement_candidates(struct db *db, int64_t end, int64_t min_cents, struct settlement *s,
    struct error *e)
{
	struct settlement_build b = { s, min_cents };

	/* What each payee is owed: its redemptions not paid yet, and the
	 * payouts the bank returned that no payout carried yet. */
	if (db_each(db, "SELECT u.payee, SUM(u.cents), SUM(u.passes), y.siret, y.name, y.iban FROM"
	    " (SELECT pl.payee_id AS payee, r.value_cents AS cents, (SELECT COUNT(*) FROM"
	    " redemption_vouchers rv WHERE rv.redemption_id = r.id) AS passes"
	    SETTLEMENT_UNPAID_FROM SETTLEMENT_UNPAID_WHERE
	    SETTLEMENT_NOT_WAITING("?2") " UNION ALL SELECT p.payee_id, p.amount_cents,"
	    " p.passes" SETTLEMENT_RETURNED_FROM SETTLEMENT_RETURNED_WHERE ") u JOIN payees y ON"
	    " y.id = u.payee WHERE NOT EXISTS (SELECT 1 FROM payee_holds h WHERE h.payee_id = u.payee"
	    " AND h.released_at IS NULL) GROUP BY u.payee ORDER BY u.payee", DB_ARGS(DB_INT(end),
	    DB_INT(s->advance_float)), settlement_candidate_row, &b, e) != 0)
		return -1;
	if (!s->advance_float && settlement_float_waiting(db, end, s, e) != 0)
		return -1;
	return db_one(db, "SELECT COUNT(DISTINCT pl.payee_id), COALESCE(SUM(r.value_cents), 0)"
	    SETTLEMENT_UNPAID_FROM SETTLEMENT_UNPAID_WHERE " AND EXISTS (SELECT 1 FROM payee_holds h WHERE h.payee_id ="
	    " pl.payee_id AND h.released_at IS NULL)", DB_ARGS(DB_INT(end)), settlement_held_row, s,
	    e) < 0 ? -1 : 0;
}

/* Appends the "settle" entries of s: each debits up to
 * SETTLEMENT_PAYEES_PER_ENTRY payees' accounts and credits payouts in
 * transit with their total; sets each payout's entry in seqs. */
static int
settlement_entries(struct db *db, const struct settlement *s, int64_t now, uint64_t *seqs,
    struct error *e)
{
	size_t parts = (s->payout_count + SETTLEMENT_PAYEES_PER_ENTRY - 1) / SETTLEMENT_PAYEES_PER_ENTRY;

	for (size_t part = 0; part < parts; part++) {
		struct ledger_entry entry = { .time = now };
		size_t from = part * SETTLEMENT_PAYEES_PER_ENTRY, i;
		int64_t total = 0;
		snprintf(entry.kind, sizeof(entry.kind), "settle");
		snprintf(entry.reference, sizeof(entry.reference), "settlement:%lld", (long long)s->id);
		snprintf(entry.memo, sizeof(entry.memo), "Virements aux lieux %s (%zu/%zu)", s->period,
		    part + 1, parts);
		for (i = from; i < s->payout_count && i < from + SETTLEMENT_PAYEES_PER_ENTRY; i++) {
			total += s->payouts[i].amount_cents; /* bounded by the checked total */
			if (ledger_post(&entry, ACCOUNT_PAYEE, s->payouts[i].payee_id,
			    s->payouts[i].amount_cents, e) != 0)
				return -1;
		}
		if (ledger_post(&entry, ACCOUNT_PAYOUTS_TRANSIT, 0, -total, e) != 0 ||
		    ledger_append(db, &entry, NULL, e) != 0)
			return -1;
		for (i = from; i < s->payout_count && i < from + SETTLEMENT_PAYEES_PER_ENTRY; i++)
			seqs[i] = entry.seq;
	}
	return 0;
}

/* Stores payout p (id set) of s, entry seq, and the redemptions it pays;
 * checks that they add up to its amount. */
static int
settlement_store_payout(struct db *db, const struct settlement *s,
    const struct settlement_payout *p, uint64_t seq, int64_t end, struct error *e)
{
	int64_t paid = 0;

	if (db_run(db, "INSERT INTO payouts (id, settlement_id, payee_id, end_to_end_id, statement,"
	    " amount_cents, passes, creditor_name, iban, remittance, entry_seq) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", DB_ARGS(DB_INT(p->id), DB_INT(s->id),
	    DB_INT(p->payee_id), DB_TEXT(p->end_to_end_id), DB_TEXT(p->statement),
	    DB_INT(p->amount_cents), DB_INT(p->passes), DB_TEXT(p->name), DB_TEXT(p->iban),
	    DB_TEXT(p->remittance), DB_INT(seq)), e) != 0 ||
	    db_run(db, "INSERT INTO payout_redemptions (redemption_id, payout_id) SELECT r.id, ?2"
	    SETTLEMENT_UNPAID_FROM SETTLEMENT_UNPAID_WHERE " AND pl.payee_id = ?3"
	    SETTLEMENT_NOT_WAITING("?4"), DB_ARGS(DB_INT(end), DB_INT(p->id), DB_INT(p->payee_id),
	    DB_INT(s->advance_float)), e) != 0 ||
	    db_run(db, "INSERT INTO payout_carries (returned_payout_id, payout_id) SELECT p.id, ?1"
	    SETTLEMENT_RETURNED_FROM SETTLEMENT_RETURNED_WHERE " AND p.payee_id = ?2 AND p.id <> ?1",
	    DB_ARGS(DB_INT(p->id), DB_INT(p->payee_id)), e) != 0 ||
	    db_int64(db, "SELECT (SELECT COALESCE(SUM(r.value_cents), 0) FROM payout_redemptions pr"
	    " JOIN redemptions r ON r.id = pr.redemption_id WHERE pr.payout_id = ?1) + (SELECT"
	    " COALESCE(SUM(c.amount_cents), 0) FROM payout_carries k JOIN payouts c ON c.id ="
	    " k.returned_payout_id WHERE k.payout_id = ?1)", DB_ARGS(DB_INT(p->id)), &paid, e) != 1)
		return -1;
	if (paid != p->amount_cents)
		return error_set(e, 500, "SETTLEMENT_ERROR", "payout %lld pays %lld cents of"
		    " redemptions and returned payouts, not %lld", (long long)p->id, (long long)paid,
		    (long long)p->amount_cents);
	return 0;
}

/* Gives s and its payouts their ids, texts and execution day. */
static int
settlement_name(struct db *db, struct settlement *s, int64_t now, struct error *e)
{
	int64_t next_id = 0, next_payout = 0;
	char tag[9];

	if (db_int64(db, "SELECT COALESCE(MAX(id), 0) + 1 FROM settlements", DB_NO_ARGS, &next_id,
	    e) != 1 || db_int64(db, "SELECT COALESCE(MAX(id), 0) + 1 FROM payouts", DB_NO_ARGS,
	    &next_payout, e) != 1)
		return -1;
	settlement_origin_tag(s->debtor.origin, tag);
	s->id = next_id;
	s->created_at = now;
	s->execution_day = clock_local_day(now, CLOCK_TZ_PARIS);
	settlement_msg_id(tag, s->period, s->id, s->msg_id);
	settlement_pmt_inf_id(tag, s->period, s->id, s->pmt_inf_id);
	for (size_t i = 0; i < s->payout_count; i++) {
		struct settlement_payout *p = &s->payouts[i];
		p->id = next_payout + (int64_t)i;
		settlement_end_to_end_id(tag, p->id, p->end_to_end_id);
		settlement_statement(s->period, p->id, p->statement);
		settlement_remittance(s->period, p->passes, p->statement, p->remittance);
	}
	return 0;
}

/* Reads the operator as debtor; refuses one without an IBAN. */
static int
settlement_debtor(struct db *db, struct settlement *s, struct error *e)
{
	if (home_operator(db, &s->debtor, e) != 0)
		return -1;
	if (s->debtor.iban[0] == '\0')
		return error_set(e, 409, "NO_OPERATOR_IBAN", "the operator has no IBAN to pay from:"
		    " a home made without `passnum init --iban` cannot settle");
	settlement_sepa_text(s->debtor.name, s->debtor_name, SETTLEMENT_NAME_MAX);
	return 0;
}

/* Records s (named) and its payouts, and appends its entries. */
static int
settlement_store(struct db *db, struct settlement *s, int64_t end, struct error *e)
{
	uint64_t *seqs = calloc(s->payout_count, sizeof(*seqs));
	int rc = -1;

	if (seqs == NULL)
		abort();
	if (ledger_account_open(db, ACCOUNT_PAYOUTS_TRANSIT, 0, NULL, e) != 0 ||
	    db_run(db, "INSERT INTO settlements (id, period, msg_id, pmt_inf_id, count, total_cents,"
	    " execution_day, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	    DB_ARGS(DB_INT(s->id), DB_TEXT(s->period), DB_TEXT(s->msg_id), DB_TEXT(s->pmt_inf_id),
	    DB_INT(s->count), DB_INT(s->total_cents), DB_INT(s->execution_day),
	    DB_INT(s->created_at), DB_TEXT(s->created_by)), e) != 0 ||
	    settlement_entries(db, s, s->created_at, seqs, e) != 0)
		goto done;
	for (size_t i = 0; i < s->payout_count; i++)
		if (settlement_store_payout(db, s, &s->payouts[i], seqs[i], end, e) != 0)
			goto done;
	if (s->advance_float && settlement_float_store(db, s, e) != 0)
		goto done;
	rc = 0;
done:
	free(seqs);
	return rc;
}

int
settlement_create(struct db *db, const char *period, int64_t min_cents, bool advance_float,
    int64_t now, const char *who, struct settlement *out, struct error *e)
{
	int64_t start, end;

	memset(out, 0, sizeof(*out));
	out->advance_float = advance_float;
	if (DB_IN_WRITE(db, e) != 0 || settlement_period_bounds(period, &start, &end, e) != 0)
		return -1;
	snprintf(out->period, sizeof(out->period), "%s", period);
	snprintf(out->created_by, sizeof(out->created_by), "%s", who);
	if (settlement_closed(db, period, start, end, now, e) != 0 ||
	    settlement_not_settled(db, period, e) != 0 || settlement_debtor(db, out, e) != 0 ||
	    settlement_candidates(db, end, min_cents, out, e) != 0)
		goto fail;
	if (out->payout_count == 0) {
		char waiting[MONEY_FORMAT_SIZE];
		money_format(out->waiting_cents, waiting, sizeof(waiting));
		if (out->waiting_count > 0)
			error_set(e, 409, "NOTHING_TO_SETTLE", "nothing to settle for %s: %s EUR waits for"
			    " purchase funders' invoices to be paid (passnum settle --dry-run lists them;"
			    " --advance-float pays them from the operator's own money)", period,
			    waiting);
		else
			error_set(e, 409, "NOTHING_TO_SETTLE", "nothing to settle for %s: no payee off hold is"
			    " owed%s for redemptions made before its end", period,
			    min_cents > 1 ? " the minimum" : "");
		goto fail;
	}
	if (settlement_name(db, out, now, e) != 0 || settlement_store(db, out, end, e) != 0)
		goto fail;
	return 0;
fail:
	settlement_free(out);
	return -1;
}

static int
settlement_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct settlement *s = ctx;

	(void)e;
	s->id = db_row_int64(row, 0);
	db_row_text(row, 1, s->msg_id, sizeof(s->msg_id));
	db_row_text(row, 2, s->pmt_inf_id, sizeof(s->pmt_inf_id));
	s->execution_day = (int32_t)db_row_int64(row, 3);
	s->created_at = db_row_int64(row, 4);
	db_row_text(row, 5, s->created_by, sizeof(s->created_by));
	return 0;
}

static int
settlement_payout_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct settlement *s = ctx;
	struct settlement_payout *p = settlement_add_payout(s);

	p->id = db_row_int64(row, 0);
	p->payee_id = db_row_int64(row, 1);
	db_row_text(row, 2, p->end_to_end_id, sizeof(p->end_to_end_id));
	db_row_text(row, 3, p->statement, sizeof(p->statement));
	p->amount_cents = db_row_int64(row, 4);
	p->passes = db_row_int64(row, 5);
	db_row_text(row, 6, p->name, sizeof(p->name));
	db_row_text(row, 7, p->iban, sizeof(p->iban));
	db_row_text(row, 8, p->remittance, sizeof(p->remittance));
	db_row_text(row, 9, p->status, sizeof(p->status));
	db_row_text(row, 10, p->siret, sizeof(p->siret));
	settlement_sepa_text(p->name, p->creditor, SETTLEMENT_NAME_MAX);
	s->count++;
	return money_add(s->total_cents, p->amount_cents, &s->total_cents) == 0 ? 0 :
	    error_set(e, 500, "OVERFLOW", "amounts overflow");
}

int
settlement_load(struct db *db, const char *period, bool unconfirmed_only,
    struct settlement *out, struct error *e)
{
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->period, sizeof(out->period), "%s", period);
	rc = db_one(db, "SELECT id, msg_id, pmt_inf_id, execution_day, created_at, created_by"
	    " FROM settlements WHERE period = ?1", DB_ARGS(DB_TEXT(period)), settlement_row, out, e);
	if (rc <= 0)
		return rc < 0 ? -1 : error_set(e, 404, "NOT_SETTLED", "period %s is not settled",
		    period);
	if (settlement_debtor(db, out, e) != 0 ||
	    db_each(db, "SELECT p.id, p.payee_id, p.end_to_end_id, p.statement, p.amount_cents,"
	    " p.passes, p.creditor_name, p.iban, p.remittance, p.status, y.siret FROM payouts p"
	    " JOIN payees y ON y.id = p.payee_id WHERE p.settlement_id = ?1 AND (?2 = 0 OR"
	    " (p.status IN ('issued', 'rejected') AND NOT EXISTS (SELECT 1 FROM payout_debits d"
	    " WHERE d.payout_id = p.id))) ORDER BY p.id", DB_ARGS(DB_INT(out->id),
	    DB_INT(unconfirmed_only)), settlement_payout_row, out, e) != 0)
		goto fail;
	if (out->payout_count == 0) {
		error_set(e, 409, "NOTHING_TO_REISSUE", "every payout of %s is accepted or debited by"
		    " the bank: nothing to write again", period);
		goto fail;
	}
	return 0;
fail:
	settlement_free(out);
	return -1;
}

int
settlement_reason_check(const char *reason, struct error *e)
{
	size_t len = strlen(reason);

	if (len == 0 || len > SETTLEMENT_REASON_MAX || !utf8_valid(reason, len))
		return error_set(e, 400, "BAD_REASON", "a hold's reason must be 1 to %d bytes of"
		    " UTF-8 text", SETTLEMENT_REASON_MAX);
	for (const unsigned char *p = (const unsigned char *)reason; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return error_set(e, 400, "BAD_REASON", "a hold's reason is one line of text");
	return 0;
}

/* Refuses an unknown payee (404 NO_PAYEE). */
static int
settlement_payee_exists(struct db *db, int64_t id, struct error *e)
{
	int rc = db_one(db, "SELECT 1 FROM payees WHERE id = ?1", DB_ARGS(DB_INT(id)), NULL, NULL, e);

	if (rc < 0)
		return -1;
	return rc == 1 ? 0 : error_set(e, 404, "NO_PAYEE", "there is no payee %lld", (long long)id);
}

int
settlement_hold(struct db *db, int64_t payee_id, const char *reason, const char *who,
    int64_t now, int64_t *hold_id, struct error *e)
{
	int rc;

	if (DB_IN_WRITE(db, e) != 0 || settlement_reason_check(reason, e) != 0 ||
	    settlement_payee_exists(db, payee_id, e) != 0)
		return -1;
	rc = db_one(db, "SELECT 1 FROM payee_holds WHERE payee_id = ?1 AND released_at IS NULL",
	    DB_ARGS(DB_INT(payee_id)), NULL, NULL, e);
	if (rc != 0)
		return rc < 0 ? -1 : error_set(e, 409, "ALREADY_HELD", "payee %lld is already on hold",
		    (long long)payee_id);
	if (db_run(db, "INSERT INTO payee_holds (payee_id, reason, held_by, held_at) VALUES"
	    " (?1, ?2, ?3, ?4)", DB_ARGS(DB_INT(payee_id), DB_TEXT(reason), DB_TEXT(who),
	    DB_INT(now)), e) != 0)
		return -1;
	*hold_id = db_last_rowid(db);
	return 0;
}

int
settlement_release(struct db *db, int64_t payee_id, const char *who, int64_t now,
    struct error *e)
{
	if (DB_IN_WRITE(db, e) != 0 || settlement_payee_exists(db, payee_id, e) != 0 ||
	    db_run(db, "UPDATE payee_holds SET released_by = ?2, released_at = ?3 WHERE payee_id = ?1"
	    " AND released_at IS NULL", DB_ARGS(DB_INT(payee_id), DB_TEXT(who), DB_INT(now)), e) != 0)
		return -1;
	if (db_changes(db) != 1)
		return error_set(e, 409, "NOT_HELD", "payee %lld is not on hold", (long long)payee_id);
	return 0;
}

struct settlement_payees {
	int (*fn)(const struct settlement_payee *p, void *ctx);
	void *ctx;
	struct settlement_payee *one; /* settlement_payee_get's output */
};

static int
settlement_payee_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct settlement_payees *each = ctx;
	struct settlement_payee p = { 0 };

	(void)e;
	p.payee.id = db_row_int64(row, 0);
	db_row_text(row, 1, p.payee.siret, sizeof(p.payee.siret));
	db_row_text(row, 2, p.payee.name, sizeof(p.payee.name));
	db_row_text(row, 3, p.payee.iban, sizeof(p.payee.iban));
	p.owed_cents = -db_row_int64(row, 4);
	p.held = !db_row_is_null(row, 5);
	db_row_text(row, 5, p.hold_reason, sizeof(p.hold_reason));
	db_row_text(row, 6, p.held_by, sizeof(p.held_by));
	p.held_at = db_row_int64(row, 7);
	p.unpaid_passes = db_row_int64(row, 8);
	if (each->one != NULL) {
		*each->one = p;
		return 0;
	}
	return each->fn(&p, each->ctx) != 0 ? -1 : 0;
}

#define SETTLEMENT_PAYEE_SELECT \
	"SELECT y.id, y.siret, y.name, y.iban, COALESCE(a.balance, 0), h.reason, h.held_by," \
	" COALESCE(h.held_at, 0), (SELECT COUNT(*) FROM redemption_vouchers rv" \
	" JOIN redemptions r ON r.id = rv.redemption_id JOIN places pl ON pl.id = r.place_id" \
	" WHERE pl.payee_id = y.id AND r.cancelled_at IS NULL AND NOT EXISTS (SELECT 1 FROM" \
	" payout_redemptions pr WHERE pr.redemption_id = r.id)) FROM payees y" \
	" LEFT JOIN accounts a ON a.code = 'payee:' || y.id" \
	" LEFT JOIN payee_holds h ON h.payee_id = y.id AND h.released_at IS NULL"

int
settlement_payee_get(struct db *db, int64_t id, struct settlement_payee *p, struct error *e)
{
	struct settlement_payees each = { NULL, NULL, p };
	int rc = db_one(db, SETTLEMENT_PAYEE_SELECT " WHERE y.id = ?1", DB_ARGS(DB_INT(id)),
	    settlement_payee_row, &each, e);

	if (rc < 0)
		return -1;
	return rc == 1 ? 0 : error_set(e, 404, "NO_PAYEE", "there is no payee %lld", (long long)id);
}

int
settlement_payee_list(struct db *db, int (*fn)(const struct settlement_payee *p, void *ctx),
    void *ctx, struct error *e)
{
	struct settlement_payees each = { fn, ctx, NULL };

	return db_each(db, SETTLEMENT_PAYEE_SELECT " ORDER BY y.id", DB_NO_ARGS,
	    settlement_payee_row, &each, e);
}

static int
settlement_hold_json_row(const struct db_row *row, void *ctx, struct error *e)
{
	char held[CLOCK_INSTANT_SIZE], released[CLOCK_INSTANT_SIZE] = "";

	(void)e;
	clock_instant_format(db_row_int64(row, 3), held);
	if (!db_row_is_null(row, 5))
		clock_instant_format(db_row_int64(row, 5), released);
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?}",
	    "id", (json_int_t)db_row_int64(row, 0), "reason", db_row_text_ptr(row, 1, NULL),
	    "held_by", db_row_text_ptr(row, 2, NULL), "held_at", held,
	    "released_by", db_row_is_null(row, 4) ? NULL : db_row_text_ptr(row, 4, NULL),
	    "released_at", released[0] != '\0' ? released : NULL));
	return 0;
}

json_t *
settlement_holds_json(struct db *db, int64_t payee_id, struct error *e)
{
	json_t *list = json_array();

	if (db_each(db, "SELECT id, reason, held_by, held_at, released_by, released_at"
	    " FROM payee_holds WHERE payee_id = ?1 ORDER BY id", DB_ARGS(DB_INT(payee_id)),
	    settlement_hold_json_row, list, e) != 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

static int
settlement_payout_json_row(const struct db_row *row, void *ctx, struct error *e)
{
	char amount[MONEY_FORMAT_SIZE];

	(void)e;
	money_format(db_row_int64(row, 4), amount, sizeof(amount));
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:s}",
	    "id", (json_int_t)db_row_int64(row, 0), "period", db_row_text_ptr(row, 1, NULL),
	    "end_to_end_id", db_row_text_ptr(row, 2, NULL), "statement",
	    db_row_text_ptr(row, 3, NULL), "amount_cents", (json_int_t)db_row_int64(row, 4),
	    "amount", amount, "passes", (json_int_t)db_row_int64(row, 5), "status",
	    db_row_text_ptr(row, 6, NULL)));
	return 0;
}

json_t *
settlement_payouts_json(struct db *db, int64_t payee_id, struct error *e)
{
	json_t *list = json_array();

	if (db_each(db, "SELECT p.id, s.period, p.end_to_end_id, p.statement, p.amount_cents,"
	    " p.passes, p.status FROM payouts p JOIN settlements s ON s.id = p.settlement_id"
	    " WHERE p.payee_id = ?1 ORDER BY p.id", DB_ARGS(DB_INT(payee_id)),
	    settlement_payout_json_row, list, e) != 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

int
settlement_paid_totals(struct db *db,
    int (*fn)(int64_t payee_id, int64_t cents, void *ctx), void *ctx, struct error *e)
{
	return db_each_int64_pair(db, "SELECT payee_id, SUM(amount_cents) FROM payouts"
	    " GROUP BY payee_id ORDER BY payee_id", fn, ctx, e);
}

int
settlement_check_payouts(struct db *db, int64_t *bad_payout, struct error *e)
{
	*bad_payout = 0;
	return db_int64(db, "SELECT p.id FROM payouts p LEFT JOIN payout_redemptions pr ON"
	    " pr.payout_id = p.id LEFT JOIN redemptions r ON r.id = pr.redemption_id GROUP BY p.id"
	    " HAVING COALESCE(SUM(r.value_cents), 0) + (SELECT COALESCE(SUM(c.amount_cents), 0) FROM"
	    " payout_carries k JOIN payouts c ON c.id = k.returned_payout_id WHERE k.payout_id = p.id)"
	    " <> p.amount_cents OR COUNT(r.cancelled_at) > 0"
	    " ORDER BY p.id LIMIT 1", DB_NO_ARGS, bad_payout, e) < 0 ? -1 : 0;
}

