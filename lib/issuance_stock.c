/* Issuance after the batch: booklet stock and hand-outs, voucher lookup,
 * revocation, expiry, the purge of hand-outs, totals (lib/issuance.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "db.h"
#include "issuance.h"
#include "ledger.h"
#include "registry.h"

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
issuance_status_parse(const unsigned char *text)
{
	for (int s = VOUCHER_PENDING; s <= VOUCHER_EXPIRED; s++)
		if (text != NULL && strcmp((const char *)text, status_names[s]) == 0)
			return (enum voucher_status)s;
	return VOUCHER_PENDING; /* never redeemable */
}

int
issuance_voucher_lookup(struct db *db, const uint8_t serial[TOKEN_SERIAL_BYTES],
    struct voucher_state *out, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT v.status, v.token, v.campaign_id, v.value_cents, v.last_day, v.issued_at,"
	    " v.batch_id, v.booklet_id, v.position, h.day, v.redemption_id, v.changed_at"
	    " FROM vouchers v LEFT JOIN handouts h ON h.booklet_id = v.booklet_id"
	    " WHERE v.serial = ?1");
	int rc;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_blob(stmt, 1, serial, TOKEN_SERIAL_BYTES, SQLITE_STATIC);
	rc = db_step(db, stmt, e);
	if (rc == SQLITE_ROW) {
		memcpy(out->serial, serial, TOKEN_SERIAL_BYTES);
		out->status = issuance_status_parse(sqlite3_column_text(stmt, 0));
		db_column_blob(stmt, 1, out->token, TOKEN_BYTES);
		out->campaign_id = sqlite3_column_int64(stmt, 2);
		out->value_cents = sqlite3_column_int64(stmt, 3);
		out->last_day = sqlite3_column_int(stmt, 4);
		out->issued_at = sqlite3_column_int64(stmt, 5);
		out->batch_id = sqlite3_column_int64(stmt, 6);
		out->booklet_id = sqlite3_column_int64(stmt, 7);
		out->position = sqlite3_column_int(stmt, 8);
		out->handout_day = sqlite3_column_type(stmt, 9) == SQLITE_NULL ? -1
		    : sqlite3_column_int(stmt, 9);
		out->redemption_id = sqlite3_column_int64(stmt, 10);
		out->changed_at = sqlite3_column_int64(stmt, 11);
	}
	sqlite3_reset(stmt);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return error_set(e, 404, "UNKNOWN_VOUCHER", "no pass with this serial was issued");
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

int
issuance_voucher_redemption(struct db *db, int64_t redemption_id,
    struct voucher_redemption *out, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT id, place_id, service_id, created_at, day, cancelled_at FROM redemptions"
	    " WHERE id = ?1");
	int rc;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_int64(stmt, 1, redemption_id);
	rc = db_step(db, stmt, e);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(stmt, 0);
		out->place_id = sqlite3_column_int64(stmt, 1);
		out->service_id = sqlite3_column_int64(stmt, 2);
		out->created_at = sqlite3_column_int64(stmt, 3);
		out->day = sqlite3_column_int(stmt, 4);
		out->cancelled_at = sqlite3_column_int64(stmt, 5);
	}
	sqlite3_reset(stmt);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return error_set(e, 404, "UNKNOWN_REDEMPTION", "no redemption %lld",
		    (long long)redemption_id);
	return 0;
}

int
issuance_booklet_get(struct db *db, int64_t id, struct booklet_info *b, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT b.id, b.batch_id, t.campaign_id, b.distributor_id, b.size, b.status,"
	    " b.delivered_at, h.day, t.status FROM booklets b JOIN batches t ON t.id = b.batch_id"
	    " LEFT JOIN handouts h ON h.booklet_id = b.id WHERE b.id = ?1");
	char batch_status[16] = "";
	int rc;

	memset(b, 0, sizeof(*b));
	sqlite3_bind_int64(stmt, 1, id);
	rc = db_step(db, stmt, e);
	if (rc == SQLITE_ROW) {
		b->id = sqlite3_column_int64(stmt, 0);
		b->batch_id = sqlite3_column_int64(stmt, 1);
		b->campaign_id = sqlite3_column_int64(stmt, 2);
		b->distributor_id = sqlite3_column_int64(stmt, 3);
		b->size = sqlite3_column_int(stmt, 4);
		db_column_text(stmt, 5, b->status, sizeof(b->status));
		b->delivered_at = sqlite3_column_int64(stmt, 6);
		b->handout_day = sqlite3_column_type(stmt, 7) == SQLITE_NULL ? -1
		    : sqlite3_column_int(stmt, 7);
		db_column_text(stmt, 8, batch_status, sizeof(batch_status));
	}
	sqlite3_reset(stmt);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW || strcmp(batch_status, "active") != 0)
		return error_set(e, 404, "UNKNOWN_BOOKLET", "no booklet %lld", (long long)id);
	return 0;
}

/* Refuses a booklet range holding a voucher that is not 'issued' (revoked,
 * expired or redeemed passes must not go to a person). */
static int
stock_all_issued(struct db *db, int64_t first, int64_t last, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT booklet_id, status FROM vouchers WHERE booklet_id BETWEEN ?1 AND ?2"
	    " AND status <> 'issued' LIMIT 1");
	char status[16] = "";
	int64_t id = 0;
	int rc;

	sqlite3_bind_int64(stmt, 1, first);
	sqlite3_bind_int64(stmt, 2, last);
	rc = db_step(db, stmt, e);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		db_column_text(stmt, 1, status, sizeof(status));
	}
	sqlite3_reset(stmt);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_ROW)
		return error_set(e, 409, "BOOKLET_NOT_USABLE",
		    "booklet %lld holds a %s pass: it cannot go to a person", (long long)id, status);
	return 0;
}

struct stock_move {
	int64_t first, last, distributor_id, now;
	int32_t day;
};

static int
stock_deliver_work(struct db *db, void *ctx, struct error *e)
{
	struct stock_move *m = ctx;
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT b.id, b.status, t.status FROM booklets b JOIN batches t ON t.id = b.batch_id"
	    " WHERE b.id BETWEEN ?1 AND ?2 AND (t.status <> 'active'"
	    " OR b.status NOT IN ('stock', 'returned')) ORDER BY b.id LIMIT 1");
	char status[16] = "";
	int64_t id = 0;
	int rc;

	sqlite3_bind_int64(stmt, 1, m->first);
	sqlite3_bind_int64(stmt, 2, m->last);
	rc = db_step(db, stmt, e);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		db_column_text(stmt, 2, status, sizeof(status));
		if (strcmp(status, "active") == 0)
			db_column_text(stmt, 1, status, sizeof(status));
	}
	sqlite3_reset(stmt);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_ROW)
		return strcmp(status, "active") == 0 || strcmp(status, "pending") == 0 ||
		    strcmp(status, "abandoned") == 0
		    ? error_set(e, 404, "UNKNOWN_BOOKLET", "no booklet %lld", (long long)id)
		    : error_set(e, 409, "BOOKLET_NOT_IN_STOCK", "booklet %lld is %s, not in stock",
		    (long long)id, status);
	if (stock_all_issued(db, m->first, m->last, e) != 0)
		return -1;
	stmt = db_prepare(db, "UPDATE booklets SET status = 'delivered', distributor_id = ?3,"
	    " delivered_at = ?4 WHERE id BETWEEN ?1 AND ?2");
	sqlite3_bind_int64(stmt, 1, m->first);
	sqlite3_bind_int64(stmt, 2, m->last);
	sqlite3_bind_int64(stmt, 3, m->distributor_id);
	sqlite3_bind_int64(stmt, 4, m->now);
	if (db_exec_stmt(db, stmt, e) != 0)
		return -1;
	if (sqlite3_changes(db_handle(db)) != m->last - m->first + 1)
		return error_set(e, 404, "UNKNOWN_BOOKLET", "booklets %lld to %lld do not all exist",
		    (long long)m->first, (long long)m->last);
	return 0;
}

int
issuance_booklet_deliver(struct db *db, int64_t first, int64_t last, int64_t distributor_id,
    int64_t now, struct error *e)
{
	struct stock_move m = { first, last, distributor_id, now, 0 };
	struct distributor d;

	if (first < 1 || last < first)
		return error_set(e, 400, "BAD_RANGE", "give booklets as FIRST or FIRST-LAST");
	if (last - first >= 1000000)
		return error_set(e, 400, "BAD_RANGE", "at most 1000000 booklets at once");
	if (registry_distributor_get(db, distributor_id, &d, e) != 0)
		return -1;
	return db_transaction(db, stock_deliver_work, &m, e);
}

static int
stock_handout_work(struct db *db, void *ctx, struct error *e)
{
	struct stock_move *m = ctx;
	struct booklet_info b;
	sqlite3_stmt *stmt;

	if (issuance_booklet_get(db, m->first, &b, e) != 0)
		return -1;
	if (strcmp(b.status, "delivered") != 0 || b.distributor_id != m->distributor_id)
		return error_set(e, 409, "BOOKLET_NOT_IN_STOCK",
		    "booklet %lld is not in distributor %lld's stock (it is %s)",
		    (long long)b.id, (long long)m->distributor_id, b.status);
	if (m->day < clock_local_day(b.delivered_at, CLOCK_TZ_PARIS))
		return error_set(e, 400, "BAD_DATE", "booklet %lld was delivered after that date",
		    (long long)b.id);
	if (stock_all_issued(db, b.id, b.id, e) != 0)
		return -1;
	stmt = db_prepare(db, "INSERT INTO handouts (booklet_id, distributor_id, day)"
	    " VALUES (?1, ?2, ?3)");
	sqlite3_bind_int64(stmt, 1, b.id);
	sqlite3_bind_int64(stmt, 2, m->distributor_id);
	sqlite3_bind_int64(stmt, 3, m->day);
	if (db_exec_stmt(db, stmt, e) != 0)
		return -1;
	stmt = db_prepare(db, "UPDATE booklets SET status = 'handed-out' WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, b.id);
	return db_exec_stmt(db, stmt, e);
}

int
issuance_booklet_handout(struct db *db, int64_t booklet_id, int64_t distributor_id,
    int32_t day, int64_t now, struct error *e)
{
	struct stock_move m = { booklet_id, booklet_id, distributor_id, now, day };

	if (day > clock_local_day(now, CLOCK_TZ_PARIS))
		return error_set(e, 400, "BAD_DATE", "the hand-out date is in the future");
	return db_transaction(db, stock_handout_work, &m, e);
}

static int
stock_return_work(struct db *db, void *ctx, struct error *e)
{
	struct stock_move *m = ctx;
	struct booklet_info b;
	sqlite3_stmt *stmt;

	if (issuance_booklet_get(db, m->first, &b, e) != 0)
		return -1;
	if (strcmp(b.status, "handed-out") == 0)
		return error_set(e, 409, "BOOKLET_HANDED_OUT", "booklet %lld was handed out to a"
		    " person and cannot come back; if it is lost, revoke it", (long long)b.id);
	if (strcmp(b.status, "delivered") != 0)
		return error_set(e, 409, "BOOKLET_NOT_DELIVERED", "booklet %lld is not delivered"
		    " (it is %s)", (long long)b.id, b.status);
	stmt = db_prepare(db, "UPDATE booklets SET status = 'returned', distributor_id = NULL,"
	    " delivered_at = NULL WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, b.id);
	return db_exec_stmt(db, stmt, e);
}

int
issuance_booklet_return(struct db *db, int64_t booklet_id, int64_t now, struct error *e)
{
	struct stock_move m = { booklet_id, booklet_id, 0, now, 0 };

	return db_transaction(db, stock_return_work, &m, e);
}

/* Revocation. Statements per target kind: serial, booklet, batch. */
enum revoke_target { REVOKE_SERIAL, REVOKE_BOOKLET, REVOKE_BATCH };

struct revoke {
	enum revoke_target target;
	const uint8_t *serial;
	int64_t id, now, count, cents;
};

static void
revoke_bind(sqlite3_stmt *stmt, const struct revoke *r)
{
	if (r->target == REVOKE_SERIAL)
		sqlite3_bind_blob(stmt, 1, r->serial, TOKEN_SERIAL_BYTES, SQLITE_STATIC);
	else
		sqlite3_bind_int64(stmt, 1, r->id);
}

/* Posts one "revoke" or "expire" entry: outstanding of the campaign back
 * to the funder's balance (or credit notes when refund). */
static int
issuance_post_return(struct db *db, const char *kind, int64_t campaign_id, int64_t cents,
    bool refund, int64_t now, const char *memo, struct error *e)
{
	struct ledger_entry entry = { .time = now };
	struct campaign c;
	struct funder f;

	if (registry_campaign_get(db, campaign_id, &c, e) != 0 ||
	    registry_funder_get(db, c.funder_id, &f, e) != 0 ||
	    (refund && ledger_account_open(db, ACCOUNT_FUNDER_CREDIT, f.id, f.name, e) != 0))
		return -1;
	snprintf(entry.kind, sizeof(entry.kind), "%s", kind);
	snprintf(entry.reference, sizeof(entry.reference), "campaign:%lld", (long long)campaign_id);
	snprintf(entry.memo, sizeof(entry.memo), "%s", memo);
	if (ledger_post(&entry, ACCOUNT_OUTSTANDING, campaign_id, cents, e) != 0 ||
	    ledger_post(&entry, refund ? ACCOUNT_FUNDER_CREDIT : ACCOUNT_FUNDER_BALANCE, f.id,
	    -cents, e) != 0)
		return -1;
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
	sqlite3_stmt *stmt = db_prepare(db, sql[r->target]);
	char status[16] = "";
	int64_t n = 0;
	int rc;

	revoke_bind(stmt, r);
	rc = db_step(db, stmt, e);
	if (rc == SQLITE_ROW) {
		n = sqlite3_column_int64(stmt, 0);
		db_column_text(stmt, 1, status, sizeof(status));
	}
	sqlite3_reset(stmt);
	if (rc < 0)
		return -1;
	if (n == 0 || strcmp(status, "pending") == 0)
		return r->target == REVOKE_SERIAL
		    ? error_set(e, 404, "UNKNOWN_VOUCHER", "no pass with this code was issued")
		    : error_set(e, 404, "NOT_FOUND", "no %s %lld", what[r->target], (long long)r->id);
	if (r->target == REVOKE_SERIAL)
		return error_set(e, 409, "NOTHING_TO_REVOKE", "this pass is %s: nothing to revoke",
		    status);
	return error_set(e, 409, "NOTHING_TO_REVOKE", "%s %lld has no issued pass left to revoke",
	    what[r->target], (long long)r->id);
}

/* Refuses a booklet or batch whose passes are still being issued (pending),
 * so that a revocation never misses passes that become issued after it. */
static int
revoke_activating(struct db *db, const struct revoke *r, struct error *e)
{
	static const char *const sql[] = {
		"SELECT 0 WHERE 0",
		"SELECT 1 FROM vouchers WHERE booklet_id = ?1 AND status = 'pending' LIMIT 1",
		"SELECT 1 FROM vouchers WHERE batch_id = ?1 AND status = 'pending' LIMIT 1",
	};
	sqlite3_stmt *stmt = db_prepare(db, sql[r->target]);
	int rc;

	if (r->target != REVOKE_SERIAL)
		revoke_bind(stmt, r);
	rc = db_step(db, stmt, e);
	sqlite3_reset(stmt);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_ROW)
		return error_set(e, 409, "BATCH_NOT_ACTIVE", "the passes of %s %lld are not issued"
		    " yet (their batch is being issued or was interrupted)",
		    r->target == REVOKE_BOOKLET ? "booklet" : "batch", (long long)r->id);
	return 0;
}

static int
revoke_work(struct db *db, void *ctx, struct error *e)
{
	static const char *const sums[] = {
		"SELECT campaign_id, COUNT(*), SUM(value_cents) FROM vouchers WHERE serial = ?1"
		" AND status = 'issued' GROUP BY campaign_id",
		"SELECT campaign_id, COUNT(*), SUM(value_cents) FROM vouchers WHERE booklet_id = ?1"
		" AND status = 'issued' GROUP BY campaign_id",
		"SELECT campaign_id, COUNT(*), SUM(value_cents) FROM vouchers WHERE batch_id = ?1"
		" AND status = 'issued' GROUP BY campaign_id",
	};
	static const char *const updates[] = {
		"UPDATE vouchers SET status = 'revoked', changed_at = ?2 WHERE serial = ?1"
		" AND status = 'issued'",
		"UPDATE vouchers SET status = 'revoked', changed_at = ?2 WHERE booklet_id = ?1"
		" AND status = 'issued'",
		"UPDATE vouchers SET status = 'revoked', changed_at = ?2 WHERE batch_id = ?1"
		" AND status = 'issued'",
	};
	struct revoke *r = ctx;
	sqlite3_stmt *stmt;
	int64_t campaign = 0, count = 0, cents = 0;
	int rc;

	if (revoke_activating(db, r, e) != 0)
		return -1;
	/* A booklet and a batch belong to one campaign: at most one group. */
	stmt = db_prepare(db, sums[r->target]);
	revoke_bind(stmt, r);
	rc = db_step(db, stmt, e);
	if (rc == SQLITE_ROW) {
		campaign = sqlite3_column_int64(stmt, 0);
		count = sqlite3_column_int64(stmt, 1);
		cents = sqlite3_column_int64(stmt, 2);
	}
	sqlite3_reset(stmt);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return revoke_nothing(db, r, e);
	if (issuance_post_return(db, "revoke", campaign, cents, false, r->now,
	    "revocation (opposition) of lost or stolen passes", e) != 0)
		return -1;
	stmt = db_prepare(db, updates[r->target]);
	revoke_bind(stmt, r);
	sqlite3_bind_int64(stmt, 2, r->now);
	if (db_exec_stmt(db, stmt, e) != 0)
		return -1;
	if (sqlite3_changes(db_handle(db)) != count)
		return error_set(e, 500, "REVOKE_MISMATCH", "revocation count changed");
	r->count = count;
	r->cents = cents;
	return 0;
}

int
issuance_revoke(struct db *db, const uint8_t *serial, int64_t booklet_id, int64_t batch_id,
    int64_t now, int64_t *count, int64_t *cents, struct error *e)
{
	struct revoke r = { .serial = serial, .now = now };

	if ((serial != NULL) + (booklet_id != 0) + (batch_id != 0) != 1)
		return error_set(e, 400, "BAD_TARGET", "give one pass, one booklet or one batch");
	r.target = serial != NULL ? REVOKE_SERIAL : booklet_id != 0 ? REVOKE_BOOKLET : REVOKE_BATCH;
	r.id = booklet_id != 0 ? booklet_id : batch_id;
	if (db_transaction(db, revoke_work, &r, e) != 0)
		return -1;
	*count = r.count;
	*cents = r.cents;
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

static void
expire_bind(sqlite3_stmt *stmt, const struct expire *x)
{
	sqlite3_bind_int64(stmt, 1, x->c->id);
	sqlite3_bind_int(stmt, 2, x->c->tolerance_days);
	sqlite3_bind_int(stmt, 3, x->as_of);
	sqlite3_bind_int(stmt, 4, x->c->valid_days);
}

#define EXPIRE_WHERE \
	" WHERE campaign_id = ?1 AND status = 'issued' AND (last_day + ?2 < ?3 OR (?4 > 0" \
	" AND booklet_id IN (SELECT booklet_id FROM handouts WHERE day + ?4 - 1 + ?2 < ?3)))"

static int
expire_work(struct db *db, void *ctx, struct error *e)
{
	struct expire *x = ctx;
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT COUNT(*), COALESCE(SUM(value_cents), 0) FROM vouchers" EXPIRE_WHERE);
	char memo[64], day[DATE_FORMAT_SIZE];
	int rc;

	expire_bind(stmt, x);
	rc = db_step(db, stmt, e);
	x->count = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	x->cents = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 1) : 0;
	sqlite3_reset(stmt);
	if (rc < 0)
		return -1;
	if (x->count == 0)
		return 0;
	date_format(x->as_of, day);
	snprintf(memo, sizeof(memo), "expiry of unused passes as of %s", day);
	if (issuance_post_return(db, "expire", x->c->id, x->cents, x->c->refund, x->now, memo,
	    e) != 0)
		return -1;
	stmt = db_prepare(db, "UPDATE vouchers SET status = 'expired', changed_at = ?5"
	    EXPIRE_WHERE);
	expire_bind(stmt, x);
	sqlite3_bind_int64(stmt, 5, x->now);
	if (db_exec_stmt(db, stmt, e) != 0)
		return -1;
	if (sqlite3_changes(db_handle(db)) != x->count)
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

	if (as_of > clock_local_day(now, CLOCK_TZ_PARIS)) {
		error_set(e, 400, "BAD_DATE", "the expiry date is after today");
		goto done;
	}
	if (registry_campaign_list(db, 0, rules_collect, &l, e) != 0)
		goto done;
	for (size_t i = 0; i < l.n; i++) {
		x.c = &l.v[i];
		if (db_transaction(db, expire_work, &x, e) != 0)
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

struct purge {
	const struct rules_list *l;
	int32_t today;
	int64_t purged;
};

static int
purge_work(struct db *db, void *ctx, struct error *e)
{
	struct purge *p = ctx;
	sqlite3_stmt *stmt;

	p->purged = 0;
	for (size_t i = 0; i < p->l->n; i++) {
		if (p->today < purge_day(p->l->v[i].last_day))
			continue;
		stmt = db_prepare(db,
		    "INSERT INTO handout_totals (campaign_id, distributor_id, period, booklets)"
		    " SELECT t.campaign_id, h.distributor_id, strftime('%Y-%m', h.day * 86400,"
		    " 'unixepoch'), COUNT(*) FROM handouts h JOIN booklets b ON b.id = h.booklet_id"
		    " JOIN batches t ON t.id = b.batch_id WHERE t.campaign_id = ?1"
		    " GROUP BY 1, 2, 3 ON CONFLICT (campaign_id, distributor_id, period)"
		    " DO UPDATE SET booklets = booklets + excluded.booklets");
		sqlite3_bind_int64(stmt, 1, p->l->v[i].id);
		if (db_exec_stmt(db, stmt, e) != 0)
			return -1;
		stmt = db_prepare(db, "DELETE FROM handouts WHERE booklet_id IN (SELECT b.id"
		    " FROM booklets b JOIN batches t ON t.id = b.batch_id WHERE t.campaign_id = ?1)");
		sqlite3_bind_int64(stmt, 1, p->l->v[i].id);
		if (db_exec_stmt(db, stmt, e) != 0)
			return -1;
		p->purged += sqlite3_changes(db_handle(db));
	}
	return 0;
}

int
issuance_purge_handouts(struct db *db, int32_t today, int64_t *purged, struct error *e)
{
	struct rules_list l = { NULL, 0, 0 };
	struct purge p = { &l, today, 0 };
	int rc = -1;

	*purged = 0;
	if (registry_campaign_list(db, 0, rules_collect, &l, e) == 0 &&
	    db_transaction(db, purge_work, &p, e) == 0) {
		*purged = p.purged;
		rc = 0;
	}
	free(l.v);
	return rc;
}

int
issuance_voucher_totals(struct db *db,
    int (*fn)(int64_t campaign_id, const char *status, int64_t count, int64_t cents, void *ctx),
    void *ctx, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT v.campaign_id, CASE WHEN v.status = 'pending' AND b.status = 'active'"
	    " THEN 'issued' ELSE v.status END AS s, COUNT(*), SUM(v.value_cents)"
	    " FROM vouchers v JOIN batches b ON b.id = v.batch_id"
	    " GROUP BY v.campaign_id, s ORDER BY v.campaign_id, s");
	char status[16];
	int rc;

	while ((rc = db_step(db, stmt, e)) == SQLITE_ROW) {
		db_column_text(stmt, 1, status, sizeof(status));
		if (fn(sqlite3_column_int64(stmt, 0), status, sqlite3_column_int64(stmt, 2),
		    sqlite3_column_int64(stmt, 3), ctx) != 0) {
			sqlite3_reset(stmt);
			return -1;
		}
	}
	sqlite3_reset(stmt);
	return rc < 0 ? -1 : 0;
}
