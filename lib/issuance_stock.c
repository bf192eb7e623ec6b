/* Issuance after the batch: booklet stock and hand-outs, voucher lookup,
 * revocation, expiry, the purge of hand-outs, totals (lib/issuance.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "issuance.h"
#include "issuance_private.h"
#include "ledger.h"
#include "money.h"
#include "registry.h"
#include "takeover.h"

static const char *const status_names[] = {
	[VOUCHER_PENDING] = "pending", [VOUCHER_ISSUED] = "issued",
	[VOUCHER_REDEEMED] = "redeemed", [VOUCHER_REVOKED] = "revoked",
	[VOUCHER_EXPIRED] = "expired",
};

const char *
issuance_status_name(enum voucher_status s)
{
	return (unsigned)s <= VOUCHER_EXPIRED ? status_names[s] : "unknown";
}

static enum voucher_status
issuance_status_parse(const char *text)
{
	for (int s = VOUCHER_PENDING; s <= VOUCHER_EXPIRED; s++)
		if (strcmp(text, status_names[s]) == 0)
			return (enum voucher_status)s;
	return VOUCHER_PENDING; /* never redeemable */
}

/* A local day column that may be NULL (-1 then). */
static int32_t
issuance_row_day(const struct db_row *row, int col)
{
	return db_row_is_null(row, col) ? -1 : (int32_t)db_row_int64(row, col);
}

static int
issuance_voucher_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct voucher_state *out = ctx;

	(void)e;
	out->status = issuance_status_parse(db_row_text_ptr(row, 0, NULL));
	db_row_blob(row, 1, out->token, TOKEN_BYTES);
	out->campaign_id = db_row_int64(row, 2);
	out->value_cents = db_row_int64(row, 3);
	out->last_day = (int32_t)db_row_int64(row, 4);
	out->issued_at = db_row_int64(row, 5);
	out->batch_id = db_row_int64(row, 6);
	out->booklet_id = db_row_int64(row, 7);
	out->position = (int)db_row_int64(row, 8);
	out->handout_day = issuance_row_day(row, 9);
	out->redemption_id = db_row_int64(row, 10);
	out->changed_at = db_row_int64(row, 11);
	return 0;
}

int
issuance_voucher_lookup(struct db *db, const uint8_t serial[TOKEN_SERIAL_BYTES],
    struct voucher_state *out, struct error *e)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_one(db, "SELECT v.status, v.token, v.campaign_id, v.value_cents, v.last_day,"
	    " v.issued_at, v.batch_id, v.booklet_id, v.position, h.day, v.redemption_id,"
	    " v.changed_at FROM vouchers v LEFT JOIN handouts h ON h.booklet_id = v.booklet_id"
	    " WHERE v.serial = ?1", DB_ARGS(DB_BLOB(serial, TOKEN_SERIAL_BYTES)),
	    issuance_voucher_read, out, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return error_set(e, 404, "UNKNOWN_VOUCHER", "no pass with this serial was issued");
	memcpy(out->serial, serial, TOKEN_SERIAL_BYTES);
	return 0;
}

int32_t
issuance_last_usable_day(const struct voucher_state *v, int tolerance_days,
    int valid_days_after_handout)
{
	int32_t last = v->last_day;

	if (valid_days_after_handout > 0 && v->handout_day >= 0 &&
	    v->handout_day + valid_days_after_handout - 1 < last)
		last = v->handout_day + valid_days_after_handout - 1;
	return last + tolerance_days;
}

static int
issuance_redemption_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct voucher_redemption *out = ctx;

	(void)e;
	out->id = db_row_int64(row, 0);
	out->place_id = db_row_int64(row, 1);
	out->service_id = db_row_int64(row, 2);
	out->created_at = db_row_int64(row, 3);
	out->day = (int32_t)db_row_int64(row, 4);
	out->cancelled_at = db_row_int64(row, 5);
	return 0;
}

int
issuance_voucher_redemption(struct db *db, int64_t redemption_id,
    struct voucher_redemption *out, struct error *e)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_one(db, "SELECT id, place_id, service_id, created_at, day, cancelled_at"
	    " FROM redemptions WHERE id = ?1", DB_ARGS(DB_INT(redemption_id)),
	    issuance_redemption_read, out, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return error_set(e, 404, "UNKNOWN_REDEMPTION", "no redemption %lld",
		    (long long)redemption_id);
	return 0;
}

/* A booklet row and its batch's status. */
struct stock_booklet_row {
	struct booklet_info *b;
	char batch_status[16];
};

/* The columns stock_booklet_read reads, over booklets b, batches t and
 * handouts h. */
#define STOCK_BOOKLET_COLUMNS \
	"SELECT b.id, b.batch_id, t.campaign_id, b.distributor_id, b.size, b.status," \
	" b.delivered_at, h.day, t.status," \
	" (SELECT COUNT(*) FROM vouchers v WHERE v.booklet_id = b.id AND v.status = 'issued')," \
	" (SELECT COUNT(*) FROM vouchers v WHERE v.booklet_id = b.id AND v.status = 'redeemed')," \
	" (SELECT COUNT(*) FROM vouchers v WHERE v.booklet_id = b.id AND v.status = 'revoked')," \
	" (SELECT COUNT(*) FROM vouchers v WHERE v.booklet_id = b.id AND v.status = 'expired')" \
	" FROM booklets b JOIN batches t ON t.id = b.batch_id" \
	" LEFT JOIN handouts h ON h.booklet_id = b.id"

static int
stock_booklet_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct stock_booklet_row *r = ctx;
	struct booklet_info *b = r->b;

	(void)e;
	b->id = db_row_int64(row, 0);
	b->batch_id = db_row_int64(row, 1);
	b->campaign_id = db_row_int64(row, 2);
	b->distributor_id = db_row_int64(row, 3);
	b->size = (int)db_row_int64(row, 4);
	db_row_text(row, 5, b->status, sizeof(b->status));
	b->delivered_at = db_row_int64(row, 6);
	b->handout_day = issuance_row_day(row, 7);
	db_row_text(row, 8, r->batch_status, sizeof(r->batch_status));
	b->issued = db_row_int64(row, 9);
	b->redeemed = db_row_int64(row, 10);
	b->revoked = db_row_int64(row, 11);
	b->expired = db_row_int64(row, 12);
	return 0;
}

int
issuance_booklet_get(struct db *db, int64_t id, struct booklet_info *b, struct error *e)
{
	struct stock_booklet_row r = { b, "" };
	int rc;

	memset(b, 0, sizeof(*b));
	rc = db_one(db, STOCK_BOOKLET_COLUMNS " WHERE b.id = ?1", DB_ARGS(DB_INT(id)),
	    stock_booklet_read, &r, e);
	if (rc < 0)
		return -1;
	if (rc == 0 || strcmp(r.batch_status, "active") != 0)
		return error_set(e, 404, "UNKNOWN_BOOKLET", "no booklet %lld", (long long)id);
	return 0;
}

const char *
issuance_booklet_state(const struct booklet_info *b)
{
	if (b->revoked > 0 && b->revoked == b->issued + b->redeemed + b->revoked + b->expired)
		return "revoked";
	return b->status;
}

bool
issuance_booklet_state_valid(const char *text)
{
	static const char *const states[] = {
		"stock", "delivered", "handed-out", "returned", "revoked",
	};

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(text, states[i]) == 0)
			return true;
	return false;
}

/* The caller's filter and callback of issuance_booklet_list. */
struct stock_list {
	const char *state;
	int (*fn)(const struct booklet_info *b, void *ctx);
	void *ctx;
};

static int
stock_list_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct stock_list *l = ctx;
	struct booklet_info b;
	struct stock_booklet_row r = { &b, "" };

	memset(&b, 0, sizeof(b));
	stock_booklet_read(row, &r, e);
	if (l->state != NULL && strcmp(issuance_booklet_state(&b), l->state) != 0)
		return 0;
	return l->fn(&b, l->ctx) != 0 ? 1 : 0;
}

int
issuance_booklet_list(struct db *db, int64_t distributor_id, const char *state,
    int (*fn)(const struct booklet_info *b, void *ctx), void *ctx, struct error *e)
{
	struct stock_list l = { state, fn, ctx };
	int rc = db_each(db, STOCK_BOOKLET_COLUMNS " WHERE t.status = 'active'"
	    " AND (?1 = 0 OR b.distributor_id = ?1) ORDER BY b.id",
	    DB_ARGS(DB_INT(distributor_id)), stock_list_row, &l, e);

	return rc < 0 ? -1 : 0;
}

/* An integer (an id or a count) and a status text: columns 0 and 1. */
struct stock_int_status {
	int64_t n;
	char status[16];
};

static int
stock_int_status_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct stock_int_status *r = ctx;

	(void)e;
	r->n = db_row_int64(row, 0);
	db_row_text(row, 1, r->status, sizeof(r->status));
	return 0;
}

/* Refuses a booklet range holding a voucher that is not 'issued' (revoked,
 * expired or redeemed passes must not go to a person). */
static int
stock_all_issued(struct db *db, int64_t first, int64_t last, struct error *e)
{
	struct stock_int_status r = { 0, "" };
	int rc = db_one(db, "SELECT booklet_id, status FROM vouchers"
	    " WHERE booklet_id BETWEEN ?1 AND ?2 AND status <> 'issued' LIMIT 1",
	    DB_ARGS(DB_INT(first), DB_INT(last)), stock_int_status_read, &r, e);

	if (rc < 0)
		return -1;
	if (rc == 1)
		return error_set(e, 409, "BOOKLET_NOT_USABLE",
		    "booklet %lld holds a %s pass: it cannot go to a person", (long long)r.n,
		    r.status);
	return 0;
}

/* Refuses the range first..last unless every booklet of it is in stock (or
 * returned) in an active batch and holds only issued passes: 404 for one
 * that does not exist (or whose batch is not active), else 409. */
static int
stock_deliverable(struct db *db, int64_t first, int64_t last, struct error *e)
{
	struct stock_int_status r = { 0, "" };
	int rc = db_one(db, "SELECT b.id, CASE WHEN t.status = 'active' THEN b.status"
	    " ELSE t.status END FROM booklets b JOIN batches t ON t.id = b.batch_id"
	    " WHERE b.id BETWEEN ?1 AND ?2 AND (t.status <> 'active'"
	    " OR b.status NOT IN ('stock', 'returned')) ORDER BY b.id LIMIT 1",
	    DB_ARGS(DB_INT(first), DB_INT(last)), stock_int_status_read, &r, e);

	if (rc < 0)
		return -1;
	if (rc == 1)
		return strcmp(r.status, "active") == 0 || strcmp(r.status, "pending") == 0 ||
		    strcmp(r.status, "abandoned") == 0
		    ? error_set(e, 404, "UNKNOWN_BOOKLET", "no booklet %lld", (long long)r.n)
		    : error_set(e, 409, "BOOKLET_NOT_IN_STOCK", "booklet %lld is %s, not in stock",
		    (long long)r.n, r.status);
	return stock_all_issued(db, first, last, e);
}

int
issuance_booklet_deliver(struct db *db, int64_t first, int64_t last, int64_t distributor_id,
    int64_t now, struct error *e)
{
	struct distributor d;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (first < 1 || last < first)
		return error_set(e, 400, "BAD_RANGE", "give booklets as FIRST or FIRST-LAST");
	if (last - first >= 1000000)
		return error_set(e, 400, "BAD_RANGE", "at most 1000000 booklets at once");
	if (registry_distributor_get(db, distributor_id, &d, e) != 0 ||
	    stock_deliverable(db, first, last, e) != 0)
		return -1;
	if (db_run(db, "UPDATE booklets SET status = 'delivered', distributor_id = ?3,"
	    " delivered_at = ?4 WHERE id BETWEEN ?1 AND ?2", DB_ARGS(DB_INT(first), DB_INT(last),
	    DB_INT(distributor_id), DB_INT(now)), e) != 0)
		return -1;
	if (db_changes(db) != last - first + 1)
		return error_set(e, 404, "UNKNOWN_BOOKLET", "booklets %lld to %lld do not all exist",
		    (long long)first, (long long)last);
	return 0;
}

int
issuance_booklet_handout(struct db *db, int64_t booklet_id, int64_t distributor_id,
    int32_t day, int64_t now, struct error *e)
{
	struct booklet_info b;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (day > clock_local_day(now, CLOCK_TZ_PARIS))
		return error_set(e, 400, "BAD_DATE", "the hand-out date is in the future");
	if (issuance_booklet_get(db, booklet_id, &b, e) != 0)
		return -1;
	if (strcmp(b.status, "delivered") != 0 || b.distributor_id != distributor_id)
		return error_set(e, 409, "BOOKLET_NOT_IN_STOCK",
		    "booklet %lld is not in distributor %lld's stock (it is %s)",
		    (long long)b.id, (long long)distributor_id, b.status);
	if (day < clock_local_day(b.delivered_at, CLOCK_TZ_PARIS))
		return error_set(e, 400, "BAD_DATE", "booklet %lld was delivered after that date",
		    (long long)b.id);
	if (stock_all_issued(db, b.id, b.id, e) != 0 ||
	    db_run(db, "INSERT INTO handouts (booklet_id, distributor_id, day, created_at)"
	    " VALUES (?1, ?2, ?3, ?4)", DB_ARGS(DB_INT(b.id), DB_INT(distributor_id), DB_INT(day),
	    DB_INT(now)), e) != 0)
		return -1;
	return db_run(db, "UPDATE booklets SET status = 'handed-out' WHERE id = ?1",
	    DB_ARGS(DB_INT(b.id)), e);
}

/* Booklet b (delivered) goes back to the operator's stock; who gave it
 * back (its distributor), when and why (reason, NULL for the operator's
 * own `booklet return`) go into booklet_returns. */
static int
stock_return(struct db *db, const struct booklet_info *b, const char *reason, int64_t now,
    struct error *e)
{
	if (db_run(db, "INSERT INTO booklet_returns (booklet_id, distributor_id, day, reason,"
	    " created_at, delivered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", DB_ARGS(DB_INT(b->id),
	    DB_INT(b->distributor_id), DB_INT(clock_local_day(now, CLOCK_TZ_PARIS)),
	    DB_TEXT_OR_NULL(reason), DB_INT(now), DB_INT(b->delivered_at)), e) != 0)
		return -1;
	return db_run(db, "UPDATE booklets SET status = 'returned', distributor_id = NULL,"
	    " delivered_at = NULL WHERE id = ?1", DB_ARGS(DB_INT(b->id)), e);
}

int
issuance_booklet_return(struct db *db, int64_t booklet_id, int64_t now, struct error *e)
{
	struct booklet_info b;

	if (DB_IN_WRITE(db, e) != 0 || issuance_booklet_get(db, booklet_id, &b, e) != 0)
		return -1;
	if (strcmp(b.status, "handed-out") == 0)
		return error_set(e, 409, "BOOKLET_HANDED_OUT", "booklet %lld was handed out to a"
		    " person and cannot come back; if it is lost, revoke it", (long long)b.id);
	if (strcmp(b.status, "delivered") != 0)
		return error_set(e, 409, "BOOKLET_NOT_DELIVERED", "booklet %lld is not delivered"
		    " (it is %s)", (long long)b.id, b.status);
	return stock_return(db, &b, NULL, now, e);
}

/* Revocation. Statements per target kind: serial, booklet, batch. */
enum revoke_target { REVOKE_SERIAL, REVOKE_BOOKLET, REVOKE_BATCH };

struct revoke {
	enum revoke_target target;
	struct db_value key; /* ?1: the serial (blob), or the booklet or batch id */
	int64_t id, now;
};

/* Integer columns 0 .. n-1 of a row. */
struct stock_ints {
	int n;
	int64_t v[3];
};

static int
stock_ints_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct stock_ints *r = ctx;

	(void)e;
	for (int i = 0; i < r->n; i++)
		r->v[i] = db_row_int64(row, i);
	return 0;
}

/* Posts one "revoke" or "expire" entry: outstanding of the campaign back
 * to the funder's balance (or credit notes when refund). Of cents,
 * imported are passes a takeover brought in (docs/takeover.md, "The
 * opening entries"): the funder's money for them is in the claim on the
 * old operator, so they credit takeover-claim instead, as far as the claim
 * left goes (the liquidator's money received, takeover-funds, already
 * reduced it: the rest is back in the funder's own money, as any pass). */
/* Of imported cents (passes a takeover brought in), what goes to
 * takeover-claim: as far as the claim left goes. */
static int
issuance_claim_share(struct db *db, int64_t imported, int64_t *claim, struct error *e)
{
	char code[LEDGER_ACCOUNT_MAX + 1];

	*claim = 0;
	if (imported <= 0)
		return 0;
	ledger_account_code(ACCOUNT_TAKEOVER_CLAIM, 0, code);
	if (ledger_balance(db, code, claim, e) != 0)
		return -1;
	if (*claim < 0)
		*claim = 0;
	if (*claim > imported)
		*claim = imported;
	return 0;
}

static int
issuance_post_return(struct db *db, const char *kind, int64_t campaign_id, int64_t cents,
    int64_t imported, bool refund, int64_t now, const char *memo, int64_t *to_claim,
    struct error *e)
{
	struct ledger_entry entry = { .time = now };
	struct campaign c;
	struct funder f;
	int64_t claim = 0, to_funder;

	if (registry_campaign_get(db, campaign_id, &c, e) != 0 ||
	    registry_funder_get(db, c.funder_id, &f, e) != 0 ||
	    issuance_claim_share(db, imported, &claim, e) != 0)
		return -1;
	if (money_sub(cents, claim, &to_funder) != 0 || to_funder < 0)
		return error_set(e, 500, "LEDGER_ERROR", "passes taken over worth more than the total");
	if (refund && to_funder > 0 &&
	    ledger_account_open(db, ACCOUNT_FUNDER_CREDIT, f.id, f.name, e) != 0)
		return -1;
	snprintf(entry.kind, sizeof(entry.kind), "%s", kind);
	snprintf(entry.reference, sizeof(entry.reference), "campaign:%lld", (long long)campaign_id);
	snprintf(entry.memo, sizeof(entry.memo), "%s", memo);
	if (ledger_post(&entry, ACCOUNT_OUTSTANDING, campaign_id, cents, e) != 0 ||
	    (to_funder > 0 && ledger_post(&entry, refund ? ACCOUNT_FUNDER_CREDIT :
	    ACCOUNT_FUNDER_BALANCE, f.id, -to_funder, e) != 0) ||
	    (claim > 0 && ledger_post(&entry, ACCOUNT_TAKEOVER_CLAIM, 0, -claim, e) != 0))
		return -1;
	if (to_claim != NULL)
		*to_claim = claim;
	return ledger_append(db, &entry, NULL, e);
}

/* Explains why nothing is revocable: 404 for an unknown target, else 409. */
static int
revoke_nothing(struct db *db, const struct revoke *r, struct error *e)
{
	static const char *const sql[] = {
		"SELECT COUNT(*), MIN(status) FROM vouchers WHERE serial = ?1",
		"SELECT COUNT(*), MIN(status) FROM vouchers WHERE booklet_id = ?1",
		"SELECT COUNT(*), MIN(status) FROM vouchers WHERE batch_id = ?1",
	};
	static const char *const what[] = { "pass", "booklet", "batch" };
	struct stock_int_status found = { 0, "" };

	if (db_one(db, sql[r->target], DB_ARGS(r->key), stock_int_status_read, &found, e) < 0)
		return -1;
	if (found.n == 0 || strcmp(found.status, "pending") == 0)
		return r->target == REVOKE_SERIAL
		    ? error_set(e, 404, "UNKNOWN_VOUCHER", "no pass with this code was issued")
		    : error_set(e, 404, "NOT_FOUND", "no %s %lld", what[r->target], (long long)r->id);
	if (r->target == REVOKE_SERIAL)
		return error_set(e, 409, "NOTHING_TO_REVOKE", "this pass is %s: nothing to revoke",
		    found.status);
	return error_set(e, 409, "NOTHING_TO_REVOKE", "%s %lld has no issued pass left to revoke",
	    what[r->target], (long long)r->id);
}

/* Refuses a booklet or batch whose passes are still being issued (pending),
 * so that a revocation never misses passes that become issued after it. */
static int
revoke_activating(struct db *db, const struct revoke *r, struct error *e)
{
	static const char *const sql[] = {
		[REVOKE_BOOKLET] = "SELECT 1 FROM vouchers WHERE booklet_id = ?1"
		" AND status = 'pending' LIMIT 1",
		[REVOKE_BATCH] = "SELECT 1 FROM vouchers WHERE batch_id = ?1"
		" AND status = 'pending' LIMIT 1",
	};
	int rc;

	if (r->target == REVOKE_SERIAL)
		return 0;
	if ((rc = db_one(db, sql[r->target], DB_ARGS(r->key), NULL, NULL, e)) < 0)
		return -1;
	if (rc == 1)
		return error_set(e, 409, "BATCH_NOT_ACTIVE", "the passes of %s %lld are not issued"
		    " yet (their batch is being issued or was interrupted)",
		    r->target == REVOKE_BOOKLET ? "booklet" : "batch", (long long)r->id);
	return 0;
}

static const char *const revoke_sums[] = {
	"SELECT campaign_id, COUNT(*), SUM(value_cents), COUNT(DISTINCT booklet_id),"
	" MIN(booklet_id), MAX(booklet_id), COALESCE(SUM(CASE WHEN " TAKEOVER_IMPORTED_SQL
	" THEN value_cents END), 0) FROM vouchers WHERE serial = ?1"
	" AND status = 'issued' GROUP BY campaign_id",
	"SELECT campaign_id, COUNT(*), SUM(value_cents), COUNT(DISTINCT booklet_id),"
	" MIN(booklet_id), MAX(booklet_id), COALESCE(SUM(CASE WHEN " TAKEOVER_IMPORTED_SQL
	" THEN value_cents END), 0) FROM vouchers WHERE booklet_id = ?1"
	" AND status = 'issued' GROUP BY campaign_id",
	"SELECT campaign_id, COUNT(*), SUM(value_cents), COUNT(DISTINCT booklet_id),"
	" MIN(booklet_id), MAX(booklet_id), COALESCE(SUM(CASE WHEN " TAKEOVER_IMPORTED_SQL
	" THEN value_cents END), 0) FROM vouchers WHERE batch_id = ?1"
	" AND status = 'issued' GROUP BY campaign_id",
};

static const char *const revoke_updates[] = {
	"UPDATE vouchers SET status = 'revoked', changed_at = ?2 WHERE serial = ?1"
	" AND status = 'issued'",
	"UPDATE vouchers SET status = 'revoked', changed_at = ?2 WHERE booklet_id = ?1"
	" AND status = 'issued'",
	"UPDATE vouchers SET status = 'revoked', changed_at = ?2 WHERE batch_id = ?1"
	" AND status = 'issued'",
};

static int
revoke_plan_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct issuance_revoke_plan *p = ctx;

	(void)e;
	p->campaign_id = db_row_int64(row, 0);
	p->count = db_row_int64(row, 1);
	p->cents = db_row_int64(row, 2);
	p->booklets = db_row_int64(row, 3);
	p->first_booklet = db_row_int64(row, 4);
	p->last_booklet = db_row_int64(row, 5);
	p->imported_cents = db_row_int64(row, 6);
	return 0;
}

/* Sets r from the target (exactly one of serial, booklet_id, batch_id) and
 * reads what revoking it would do into *p, with the refusals of
 * issuance_revoke. */
static int
revoke_plan(struct db *db, struct revoke *r, const uint8_t *serial, int64_t booklet_id,
    int64_t batch_id, struct issuance_revoke_plan *p, struct error *e)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if ((serial != NULL) + (booklet_id != 0) + (batch_id != 0) != 1)
		return error_set(e, 400, "BAD_TARGET", "give one pass, one booklet or one batch");
	r->target = serial != NULL ? REVOKE_SERIAL : booklet_id != 0 ? REVOKE_BOOKLET : REVOKE_BATCH;
	r->id = booklet_id != 0 ? booklet_id : batch_id;
	r->key = serial != NULL ? DB_BLOB(serial, TOKEN_SERIAL_BYTES) : DB_INT(r->id);
	if (revoke_activating(db, r, e) != 0)
		return -1;
	/* A booklet and a batch belong to one campaign: at most one group. */
	if ((rc = db_one(db, revoke_sums[r->target], DB_ARGS(r->key), revoke_plan_row, p, e)) < 0)
		return -1;
	return rc == 0 ? revoke_nothing(db, r, e) : 0;
}

int
issuance_revoke_plan(struct db *db, const uint8_t *serial, int64_t booklet_id, int64_t batch_id,
    struct issuance_revoke_plan *p, struct error *e)
{
	struct revoke r = { .now = 0 };

	if (revoke_plan(db, &r, serial, booklet_id, batch_id, p, e) != 0)
		return -1;
	return issuance_claim_share(db, p->imported_cents, &p->to_claim_cents, e);
}

int
issuance_revoke(struct db *db, const uint8_t *serial, int64_t booklet_id, int64_t batch_id,
    int64_t now, int64_t *count, int64_t *cents, int64_t *to_claim, struct error *e)
{
	struct revoke r = { .now = now };
	struct issuance_revoke_plan p;

	if (DB_IN_WRITE(db, e) != 0 || revoke_plan(db, &r, serial, booklet_id, batch_id, &p, e) != 0)
		return -1;
	if (issuance_post_return(db, "revoke", p.campaign_id, p.cents, p.imported_cents, false, now,
	    "revocation (opposition) of lost or stolen passes", to_claim, e) != 0 ||
	    db_run(db, revoke_updates[r.target], DB_ARGS(r.key, DB_INT(now)), e) != 0)
		return -1;
	if (db_changes(db) != p.count)
		return error_set(e, 500, "REVOKE_MISMATCH", "revocation count changed");
	*count = p.count;
	*cents = p.cents;
	return 0;
}

/* Campaign rules collected before the per-campaign transactions. */
struct campaign_rules {
	int64_t id;
	int32_t last_day;
	int tolerance_days, valid_days;
	bool refund;
};

struct rules_list {
	struct campaign_rules *v;
	size_t n, cap;
};

static int
rules_collect(const struct campaign *c, void *ctx)
{
	struct rules_list *l = ctx;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		if ((l->v = realloc(l->v, l->cap * sizeof(*l->v))) == NULL)
			abort();
	}
	l->v[l->n++] = (struct campaign_rules){ c->id, c->last_day, c->tolerance_days,
	    c->valid_days_after_handout, c->unused_refund };
	return 0;
}

struct expire {
	const struct campaign_rules *c;
	int32_t as_of;
	int64_t now, count, cents;
};

/* ?1 .. ?4 of EXPIRE_WHERE. */
#define EXPIRE_ARGS(x) DB_INT((x)->c->id), DB_INT((x)->c->tolerance_days), \
	DB_INT((x)->as_of), DB_INT((x)->c->valid_days)

#define EXPIRE_WHERE \
	" WHERE campaign_id = ?1 AND status = 'issued' AND (last_day + ?2 < ?3 OR (?4 > 0" \
	" AND booklet_id IN (SELECT booklet_id FROM handouts WHERE day + ?4 - 1 + ?2 < ?3)))"

/* Expires campaign x->c's passes, one write transaction (db_work_fn). */
static int
expire_work(struct db *db, void *ctx, struct error *e)
{
	struct expire *x = ctx;
	struct stock_ints sum = { 3, { 0, 0, 0 } }; /* count, cents, imported cents */
	char memo[64], day[DATE_FORMAT_SIZE];

	if (db_one(db, "SELECT COUNT(*), COALESCE(SUM(value_cents), 0), COALESCE(SUM(CASE WHEN "
	    TAKEOVER_IMPORTED_SQL " THEN value_cents END), 0) FROM vouchers" EXPIRE_WHERE,
	    DB_ARGS(EXPIRE_ARGS(x)), stock_ints_read, &sum, e) < 0)
		return -1;
	x->count = sum.v[0];
	x->cents = sum.v[1];
	if (x->count == 0)
		return 0;
	date_format(x->as_of, day);
	snprintf(memo, sizeof(memo), "expiry of unused passes as of %s", day);
	if (issuance_post_return(db, "expire", x->c->id, x->cents, sum.v[2], x->c->refund, x->now, memo,
	    NULL, e) != 0 ||
	    db_run(db, "UPDATE vouchers SET status = 'expired', changed_at = ?5" EXPIRE_WHERE,
	    DB_ARGS(EXPIRE_ARGS(x), DB_INT(x->now)), e) != 0)
		return -1;
	if (db_changes(db) != x->count)
		return error_set(e, 500, "EXPIRE_MISMATCH", "expiry count changed");
	return 0;
}

int
issuance_expire(struct db *db, int32_t as_of, int64_t now,
    int (*fn)(int64_t campaign_id, int64_t count, int64_t cents, bool refund, void *ctx),
    void *ctx, struct error *e)
{
	struct rules_list l = { NULL, 0, 0 };
	struct expire x = { .as_of = as_of, .now = now };
	int rc = -1;

	if (ISSUANCE_OUTSIDE_WRITE(db, e) != 0)
		goto done;
	if (as_of > clock_local_day(now, CLOCK_TZ_PARIS)) {
		error_set(e, 400, "BAD_DATE", "the expiry date is after today");
		goto done;
	}
	if (registry_campaign_list(db, 0, rules_collect, &l, e) != 0)
		goto done;
	for (size_t i = 0; i < l.n; i++) {
		x.c = &l.v[i];
		if (db_write(db, DB_BUSY_DEFAULT, expire_work, &x, e) != 0)
			goto done;
		if (x.count > 0 && fn != NULL && fn(x.c->id, x.count, x.cents, x.c->refund, ctx) != 0)
			goto done;
	}
	rc = 0;
done:
	free(l.v);
	return rc;
}

/* The day hand-outs of a campaign ending on last_day are purged: the same
 * date a year later (29 February: 1 March). */
static int32_t
purge_day(int32_t last_day)
{
	int y, m, d;
	int32_t day;

	date_to_ymd(last_day, &y, &m, &d);
	if (date_from_ymd(y + 1, m, d, &day) == 0)
		return day;
	date_from_ymd(y + 1, 3, 1, &day);
	return day;
}

/* Moves campaign_id's hand-out records into handout_totals and deletes
 * them; adds the records deleted to *purged. */
static int
purge_campaign(struct db *db, int64_t campaign_id, int64_t *purged, struct error *e)
{
	if (db_run(db, "INSERT INTO handout_totals (campaign_id, distributor_id, period, booklets)"
	    " SELECT t.campaign_id, h.distributor_id, strftime('%Y-%m', h.day * 86400,"
	    " 'unixepoch'), COUNT(*) FROM handouts h JOIN booklets b ON b.id = h.booklet_id"
	    " JOIN batches t ON t.id = b.batch_id WHERE t.campaign_id = ?1"
	    " GROUP BY 1, 2, 3 ON CONFLICT (campaign_id, distributor_id, period)"
	    " DO UPDATE SET booklets = booklets + excluded.booklets",
	    DB_ARGS(DB_INT(campaign_id)), e) != 0 ||
	    db_run(db, "DELETE FROM handouts WHERE booklet_id IN (SELECT b.id"
	    " FROM booklets b JOIN batches t ON t.id = b.batch_id WHERE t.campaign_id = ?1)",
	    DB_ARGS(DB_INT(campaign_id)), e) != 0)
		return -1;
	*purged += db_changes(db);
	return 0;
}

int
issuance_purge_handouts(struct db *db, int32_t today, int64_t *purged, struct error *e)
{
	struct rules_list l = { NULL, 0, 0 };
	int64_t moved = 0;
	int rc = -1;

	*purged = 0;
	if (DB_IN_WRITE(db, e) != 0 || registry_campaign_list(db, 0, rules_collect, &l, e) != 0)
		goto done;
	for (size_t i = 0; i < l.n; i++)
		if (today >= purge_day(l.v[i].last_day) &&
		    purge_campaign(db, l.v[i].id, &moved, e) != 0)
			goto done;
	*purged = moved;
	rc = 0;
done:
	free(l.v);
	return rc;
}

/* The caller's callback of issuance_voucher_totals. */
struct totals {
	int (*fn)(int64_t campaign_id, const char *status, int64_t count, int64_t cents, void *ctx);
	void *ctx;
};

static int
totals_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct totals *t = ctx;
	char status[16];

	(void)e;
	db_row_text(row, 1, status, sizeof(status));
	return t->fn(db_row_int64(row, 0), status, db_row_int64(row, 2), db_row_int64(row, 3),
	    t->ctx) != 0 ? -1 : 0;
}

int
issuance_voucher_totals(struct db *db,
    int (*fn)(int64_t campaign_id, const char *status, int64_t count, int64_t cents, void *ctx),
    void *ctx, struct error *e)
{
	struct totals t = { fn, ctx };

	return db_each(db, "SELECT v.campaign_id, CASE WHEN v.status = 'pending'"
	    " AND b.status = 'active' THEN 'issued' ELSE v.status END AS s, COUNT(*),"
	    " SUM(v.value_cents) FROM vouchers v JOIN batches b ON b.id = v.batch_id"
	    " GROUP BY v.campaign_id, s ORDER BY v.campaign_id, s", DB_NO_ARGS, totals_row, &t, e);
}

/* The distributor's side (its page). */

struct stock_campaigns {
	int (*fn)(const struct distributor_campaign_stock *s, void *ctx);
	void *ctx;
};

static int
stock_campaign_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct stock_campaigns *c = ctx;
	struct distributor_campaign_stock s;

	(void)e;
	memset(&s, 0, sizeof(s));
	s.campaign_id = db_row_int64(row, 0);
	s.last_day = (int32_t)db_row_int64(row, 1);
	s.value_cents = db_row_int64(row, 2);
	db_row_text(row, 3, s.funder, sizeof(s.funder));
	s.in_stock = db_row_int64(row, 4);
	s.handed_out = db_row_int64(row, 5);
	s.returned = db_row_int64(row, 6);
	s.received = s.in_stock + s.handed_out + s.returned;
	return c->fn(&s, c->ctx) != 0 ? 1 : 0;
}

int
issuance_distributor_stock(struct db *db, int64_t distributor_id,
    int (*fn)(const struct distributor_campaign_stock *s, void *ctx), void *ctx, struct error *e)
{
	struct stock_campaigns c = { fn, ctx };
	/* x: one row per booklet it holds (d: in stock, h: handed out) and
	 * per return it made (r). */
	int rc = db_each(db, "SELECT c.id, c.last_day, c.value_cents, f.public_name,"
	    " SUM(x.kind = 'd'), SUM(x.kind = 'h'), SUM(x.kind = 'r')"
	    " FROM (SELECT t.campaign_id AS cid, CASE b.status WHEN 'delivered' THEN 'd' ELSE 'h' END"
	    " AS kind FROM booklets b JOIN batches t ON t.id = b.batch_id"
	    " WHERE t.status = 'active' AND b.distributor_id = ?1"
	    " AND b.status IN ('delivered', 'handed-out')"
	    " UNION ALL SELECT t.campaign_id, 'r' FROM booklet_returns r"
	    " JOIN booklets b ON b.id = r.booklet_id JOIN batches t ON t.id = b.batch_id"
	    " WHERE r.distributor_id = ?1) x"
	    " JOIN campaigns c ON c.id = x.cid JOIN funders f ON f.id = c.funder_id"
	    " GROUP BY c.id ORDER BY c.last_day, c.id", DB_ARGS(DB_INT(distributor_id)),
	    stock_campaign_row, &c, e);

	return rc < 0 ? -1 : 0;
}

static int
stock_int_read(const struct db_row *row, void *ctx, struct error *e)
{
	(void)e;
	*(int64_t *)ctx = db_row_int64(row, 0);
	return 0;
}

int
issuance_booklet_of_serial(struct db *db, const uint8_t serial[TOKEN_SERIAL_BYTES],
    int64_t *booklet_id, struct error *e)
{
	int rc = db_one(db, "SELECT booklet_id FROM vouchers WHERE serial = ?1",
	    DB_ARGS(DB_BLOB(serial, TOKEN_SERIAL_BYTES)), stock_int_read, booklet_id, e);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return error_set(e, 404, "UNKNOWN_VOUCHER", "no pass with this serial was issued");
	return 0;
}

/* Refuses booklet b unless it is in distributor_id's stock: 403 NOT_YOURS,
 * or 409 ALREADY_HANDED_OUT when it handed it out itself. */
static int
stock_mine(const struct booklet_info *b, int64_t distributor_id, struct error *e)
{
	char day[DATE_FORMAT_SIZE] = "?";

	if (b->distributor_id != distributor_id)
		return error_set(e, 403, "NOT_YOURS", "booklet %lld is not in your stock",
		    (long long)b->id);
	if (strcmp(b->status, "handed-out") == 0) {
		if (b->handout_day >= 0)
			date_format(b->handout_day, day);
		return error_set(e, 409, "ALREADY_HANDED_OUT", "booklet %lld was handed out on %s",
		    (long long)b->id, day);
	}
	return 0;
}

int
issuance_distributor_handout(struct db *db, int64_t distributor_id, int64_t booklet_id,
    int32_t day, int64_t now, struct booklet_info *b, struct error *e)
{
	struct campaign c;
	char last[DATE_FORMAT_SIZE];

	if (DB_IN_WRITE(db, e) != 0 || issuance_booklet_get(db, booklet_id, b, e) != 0 ||
	    stock_mine(b, distributor_id, e) != 0 ||
	    registry_campaign_get(db, b->campaign_id, &c, e) != 0)
		return -1;
	if (day > c.last_day) {
		date_format(c.last_day, last);
		return error_set(e, 409, "CAMPAIGN_ENDED", "the campaign of booklet %lld ended on %s",
		    (long long)b->id, last);
	}
	if (issuance_booklet_handout(db, booklet_id, distributor_id, day, now, e) != 0)
		return -1;
	return issuance_booklet_get(db, booklet_id, b, e);
}

int
issuance_distributor_return(struct db *db, int64_t distributor_id, int64_t booklet_id,
    const char *reason, int64_t now, struct error *e)
{
	struct booklet_info b;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (reason == NULL || (strcmp(reason, "unused") != 0 && strcmp(reason, "lost") != 0))
		return error_set(e, 400, "BAD_REASON", "reason is \"unused\" or \"lost\"");
	if (issuance_booklet_get(db, booklet_id, &b, e) != 0)
		return -1;
	if (b.distributor_id == distributor_id && strcmp(b.status, "handed-out") == 0)
		return error_set(e, 409, "BOOKLET_HANDED_OUT", "booklet %lld was handed out to a"
		    " person and cannot come back; if it is lost, the operator revokes it",
		    (long long)b.id);
	if (stock_mine(&b, distributor_id, e) != 0)
		return -1;
	if (strcmp(b.status, "delivered") != 0)
		return error_set(e, 409, "BOOKLET_NOT_DELIVERED", "booklet %lld is not delivered"
		    " (it is %s)", (long long)b.id, b.status);
	return stock_return(db, &b, reason, now, e);
}

struct stock_handouts {
	int (*fn)(int64_t booklet_id, int64_t campaign_id, int32_t day, void *ctx);
	void *ctx;
};

static int
stock_handout_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct stock_handouts *h = ctx;

	(void)e;
	return h->fn(db_row_int64(row, 0), db_row_int64(row, 1), (int32_t)db_row_int64(row, 2),
	    h->ctx) != 0 ? 1 : 0;
}

int
issuance_distributor_handouts(struct db *db, int64_t distributor_id, int32_t from, int32_t to,
    int (*fn)(int64_t booklet_id, int64_t campaign_id, int32_t day, void *ctx), void *ctx,
    struct error *e)
{
	struct stock_handouts h = { fn, ctx };
	int rc = db_each(db, "SELECT h.booklet_id, t.campaign_id, h.day FROM handouts h"
	    " JOIN booklets b ON b.id = h.booklet_id JOIN batches t ON t.id = b.batch_id"
	    " WHERE h.distributor_id = ?1 AND h.day BETWEEN ?2 AND ?3"
	    " ORDER BY h.day DESC, h.booklet_id DESC", DB_ARGS(DB_INT(distributor_id),
	    DB_INT(from), DB_INT(to)), stock_handout_row, &h, e);

	return rc < 0 ? -1 : 0;
}
