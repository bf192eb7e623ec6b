#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "audit.h"
#include "checkpoint.h"
#include "db.h"
#include "home.h"
#include "issuance.h"
#include "redemption.h"
#include "registry.h"
#include "keys.h"
#include "ledger.h"

/* Entry kinds that move a campaign's outstanding, tracked to tie the
 * ledger to the vouchers' statuses. */
enum { KIND_ISSUE, KIND_REVOKE, KIND_EXPIRE, KIND_REDEEM, KIND_FUND, KIND_OTHER, AUDIT_KINDS };

static int
audit_kind(const char *kind)
{
	static const char *const names[] = { "issue", "revoke", "expire", "redeem", "order" };

	for (int i = 0; i < KIND_OTHER; i++)
		if (strcmp(kind, names[i]) == 0)
			return i;
	if (strcmp(kind, "cancel") == 0)
		return KIND_REDEEM;
	return strcmp(kind, "credit") == 0 ? KIND_FUND : KIND_OTHER;
}

/* Accounts whose movements are tied to other tables. */
enum { ROLE_NONE, ROLE_OUTSTANDING, ROLE_FUNDER_BALANCE, ROLE_PAYEE };

struct audit_account {
	char code[LEDGER_ACCOUNT_MAX + 1];
	int64_t cached;  /* accounts.balance */
	int64_t sum;     /* recomputed from postings */
	int min_zero, max_zero;
	int exists;
	int role;                     /* ROLE_*: what other table this account is tied to */
	int64_t owner;                /* its campaign, funder or payee id */
	int64_t vouchers[4];          /* outstanding: value of its vouchers issued, revoked,
	                               * expired, redeemed */
	int64_t recorded;             /* funder balance: funds recorded; payee: redemptions */
	int64_t by_kind[AUDIT_KINDS]; /* movements by entry kind */
};

/* State of one verification pass. */
struct audit {
	struct db *db;
	struct audit_result *r;
	struct audit_account *accounts; /* indexed by account id */
	size_t account_cap;
	sqlite3_stmt *levels[64];       /* cursors over merkle_nodes, one per level */
	struct merkle_state state;
	uint64_t seq;                   /* the entry being checked */
	struct operator_info op;
	struct key_info ledger_keys[16];
	size_t ledger_key_count;
};

/* Records the first failure; returns 1 (the "not sound" result). */
static int
audit_fail(struct audit *a, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
audit_fail(struct audit *a, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	if (a->r->failure[0] != '\0')
		return 1;
	a->r->failed_seq = seq;
	va_start(ap, fmt);
	vsnprintf(a->r->failure, sizeof(a->r->failure), fmt, ap);
	va_end(ap);
	return 1;
}

/* Sets acc->role and acc->owner from its code. */
static void
audit_role(struct audit_account *acc)
{
	long long owner;
	char tail[16];

	acc->role = ROLE_NONE;
	if (sscanf(acc->code, "campaign:%lld:%15s", &owner, tail) == 2 &&
	    strcmp(tail, "outstanding") == 0)
		acc->role = ROLE_OUTSTANDING;
	else if (sscanf(acc->code, "funder:%lld:%15s", &owner, tail) == 2 &&
	    strcmp(tail, "balance") == 0)
		acc->role = ROLE_FUNDER_BALANCE;
	else if (sscanf(acc->code, "payee:%lld", &owner) == 1)
		acc->role = ROLE_PAYEE;
	acc->owner = acc->role != ROLE_NONE ? owner : 0;
}

static int
audit_load_accounts(struct audit *a, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(a->db,
	    "SELECT id, code, balance, min_zero, max_zero FROM accounts ORDER BY id");
	int rc;

	while ((rc = db_step(a->db, stmt, e)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(stmt, 0);
		if (id < 0 || id > 100000000) {
			sqlite3_reset(stmt);
			return error_set(e, 500, "LEDGER_ERROR", "account id %lld out of range",
			    (long long)id);
		}
		if ((size_t)id >= a->account_cap) {
			size_t cap = (size_t)id * 2 + 16;
			a->accounts = realloc(a->accounts, cap * sizeof(*a->accounts));
			if (a->accounts == NULL)
				abort();
			memset(a->accounts + a->account_cap, 0,
			    (cap - a->account_cap) * sizeof(*a->accounts));
			a->account_cap = cap;
		}
		struct audit_account *acc = &a->accounts[id];
		db_column_text(stmt, 1, acc->code, sizeof(acc->code));
		acc->cached = sqlite3_column_int64(stmt, 2);
		acc->min_zero = sqlite3_column_int(stmt, 3);
		acc->max_zero = sqlite3_column_int(stmt, 4);
		acc->exists = 1;
		audit_role(acc);
		a->r->accounts++;
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
audit_collect_ledger_key(const struct key_info *key, void *ctx)
{
	struct audit *a = ctx;

	if (key->kind == KEY_LEDGER && a->ledger_key_count < 16)
		a->ledger_keys[a->ledger_key_count++] = *key;
	return 0;
}

/* Compares a node the recomputation completed with the stored one, reading
 * the stored nodes of each level in index order. */
static int
audit_node(void *ctx, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_SIZE])
{
	struct audit *a = ctx;
	sqlite3_stmt *stmt = a->levels[level];

	if (stmt == NULL) {
		if (sqlite3_prepare_v2(db_handle(a->db),
		    "SELECT idx, hash FROM merkle_nodes WHERE level = ?1 ORDER BY idx", -1,
		    &a->levels[level], NULL) != SQLITE_OK)
			return -1;
		stmt = a->levels[level];
		sqlite3_bind_int(stmt, 1, (int)level);
	}
	if (sqlite3_step(stmt) != SQLITE_ROW ||
	    (uint64_t)sqlite3_column_int64(stmt, 0) != index ||
	    sqlite3_column_bytes(stmt, 1) != MERKLE_HASH_SIZE ||
	    memcmp(sqlite3_column_blob(stmt, 1), hash, MERKLE_HASH_SIZE) != 0) {
		audit_fail(a, (int64_t)a->seq, "entry %llu: the stored Merkle node (level %u, index %llu)"
		    " is missing or altered", (unsigned long long)a->seq, level,
		    (unsigned long long)index);
		return -1;
	}
	a->r->nodes++;
	return 0;
}

/* Checks one checkpoint against the recomputed tree state of its size. */
static int
audit_checkpoint(struct audit *a, sqlite3_stmt *stmt)
{
	uint64_t size = (uint64_t)sqlite3_column_int64(stmt, 0), note_size;
	const char *note = (const char *)sqlite3_column_text(stmt, 2);
	uint8_t root[MERKLE_HASH_SIZE], stored[MERKLE_HASH_SIZE], note_root[MERKLE_HASH_SIZE];
	int64_t seq = size > 0 ? (int64_t)size - 1 : -1;

	merkle_state_root(&a->state, root);
	if (db_column_blob(stmt, 1, stored, sizeof(stored)) != 0 ||
	    memcmp(stored, root, MERKLE_HASH_SIZE) != 0)
		return audit_fail(a, seq, "checkpoint at size %llu: its root does not match entries 0-%lld",
		    (unsigned long long)size, (long long)seq);
	for (size_t k = 0; note != NULL && k < a->ledger_key_count; k++) {
		if (note_checkpoint_verify(note, strlen(note), a->op.origin, a->op.origin,
		    a->ledger_keys[k].public_key, &note_size, note_root, NULL) != 0)
			continue;
		if (note_size != size || memcmp(note_root, root, MERKLE_HASH_SIZE) != 0)
			break;
		a->r->checkpoints++;
		return 0;
	}
	return audit_fail(a, seq, "checkpoint at size %llu: its signed note is not valid",
	    (unsigned long long)size);
}

/* Reads the postings of entry seq from the cursor (ordered by entry, idx)
 * into entry, and applies them to the recomputed balances. */
static int
audit_postings(struct audit *a, sqlite3_stmt *postings, int *pending,
    struct ledger_entry *entry)
{
	int64_t sum = 0;

	entry->count = 0;
	while (*pending == SQLITE_ROW &&
	    (uint64_t)sqlite3_column_int64(postings, 0) == entry->seq) {
		int64_t id = sqlite3_column_int64(postings, 1), amount = sqlite3_column_int64(postings, 2);
		struct audit_account *acc;
		if (id < 0 || (size_t)id >= a->account_cap || !a->accounts[id].exists)
			return audit_fail(a, (int64_t)entry->seq, "entry %llu: a posting names no account",
			    (unsigned long long)entry->seq);
		if (entry->count >= LEDGER_MAX_POSTINGS)
			return audit_fail(a, (int64_t)entry->seq, "entry %llu: too many postings",
			    (unsigned long long)entry->seq);
		acc = &a->accounts[id];
		memcpy(entry->postings[entry->count].account, acc->code, sizeof(acc->code));
		entry->postings[entry->count++].amount = amount;
		if (amount == 0 || __builtin_add_overflow(sum, amount, &sum) ||
		    __builtin_add_overflow(acc->sum, amount, &acc->sum))
			return audit_fail(a, (int64_t)entry->seq, "entry %llu: an amount is zero or overflows",
			    (unsigned long long)entry->seq);
		acc->by_kind[audit_kind(entry->kind)] += amount;
		if ((acc->min_zero && acc->sum < 0) || (acc->max_zero && acc->sum > 0))
			return audit_fail(a, (int64_t)entry->seq,
			    "entry %llu: account %s goes below zero", (unsigned long long)entry->seq,
			    acc->code);
		a->r->postings++;
		*pending = sqlite3_step(postings);
	}
	if (entry->count < 2 || sum != 0)
		return audit_fail(a, (int64_t)entry->seq,
		    "entry %llu: its postings do not balance (%zu postings, sum %lld)",
		    (unsigned long long)entry->seq, entry->count, (long long)sum);
	return 0;
}

/* Checks one entry row: sequence, postings, encoding, hash, tree. */
static int
audit_entry(struct audit *a, sqlite3_stmt *stmt, sqlite3_stmt *postings, int *pending)
{
	struct ledger_entry entry;
	uint8_t encoded[8192], hash[MERKLE_HASH_SIZE];
	uint64_t seq = (uint64_t)sqlite3_column_int64(stmt, 0);
	size_t len;

	a->seq = seq;
	if (seq != a->r->entries)
		return audit_fail(a, (int64_t)a->r->entries, "entry %llu is missing",
		    (unsigned long long)a->r->entries);
	memset(&entry, 0, sizeof(entry));
	entry.seq = seq;
	entry.time = sqlite3_column_int64(stmt, 1);
	db_column_text(stmt, 2, entry.kind, sizeof(entry.kind));
	db_column_text(stmt, 3, entry.reference, sizeof(entry.reference));
	db_column_text(stmt, 4, entry.memo, sizeof(entry.memo));
	if (*pending == SQLITE_ROW && (uint64_t)sqlite3_column_int64(postings, 0) < seq)
		return audit_fail(a, (int64_t)sqlite3_column_int64(postings, 0),
		    "postings of a missing entry %lld", (long long)sqlite3_column_int64(postings, 0));
	if (audit_postings(a, postings, pending, &entry) != 0)
		return 1;
	len = ledger_encode(&entry, encoded, sizeof(encoded));
	merkle_leaf_hash(encoded, len, hash);
	if (len == 0 || db_column_blob(stmt, 5, entry.leaf_hash, MERKLE_HASH_SIZE) != 0 ||
	    memcmp(hash, entry.leaf_hash, MERKLE_HASH_SIZE) != 0)
		return audit_fail(a, (int64_t)seq, "entry %llu: its hash does not match its contents"
		    " (it was altered)", (unsigned long long)seq);
	if (merkle_state_append(&a->state, hash, audit_node, a) != 0)
		return 1;
	a->r->entries++;
	return 0;
}

/* Per campaign and voucher status, from the vouchers table. */
static int
audit_voucher_total(int64_t campaign_id, const char *status, int64_t count, int64_t cents,
    void *ctx)
{
	struct audit *a = ctx;
	static const char *const statuses[] = { "issued", "revoked", "expired", "redeemed" };
	(void)count;
	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		if (!acc->exists || acc->role != ROLE_OUTSTANDING || acc->owner != campaign_id)
			continue;
		for (int i = 0; i < 4; i++)
			if (strcmp(status, statuses[i]) == 0)
				acc->vouchers[i] += cents;
		return 0;
	}
	if (strcmp(status, "pending") != 0)
		audit_fail(a, -1, "campaign %lld has %s vouchers but no outstanding account",
		    (long long)campaign_id, status);
	return 0;
}

/* The campaign's outstanding movements must equal its vouchers' values:
 * issued in total, revoked, expired, redeemed (net of cancellations), and
 * the balance equals the value still in circulation. */
static int
audit_campaigns(struct audit *a, struct error *e)
{
	static const char *const what[] = { "issued", "revoked", "expired", "redeemed" };

	if (issuance_voucher_totals(a->db, audit_voucher_total, a, e) != 0)
		return -1;
	if (a->r->failure[0] != '\0')
		return 1;
	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		int64_t total_issued;
		if (!acc->exists || acc->role != ROLE_OUTSTANDING)
			continue;
		total_issued = acc->vouchers[0] + acc->vouchers[1] + acc->vouchers[2] + acc->vouchers[3];
		int64_t ledger[4] = { -acc->by_kind[KIND_ISSUE], acc->by_kind[KIND_REVOKE],
		    acc->by_kind[KIND_EXPIRE], acc->by_kind[KIND_REDEEM] };
		int64_t vouchers[4] = { total_issued, acc->vouchers[1], acc->vouchers[2],
		    acc->vouchers[3] };
		for (int i = 0; i < 4; i++)
			if (ledger[i] != vouchers[i])
				return audit_fail(a, -1, "campaign %lld: the ledger says %lld cents %s but its"
				    " vouchers say %lld", (long long)acc->owner, (long long)ledger[i],
				    what[i], (long long)vouchers[i]);
		if (-acc->sum != acc->vouchers[0])
			return audit_fail(a, -1, "campaign %lld: outstanding %lld cents but its issued"
			    " vouchers are worth %lld", (long long)acc->owner, (long long)-acc->sum,
			    (long long)acc->vouchers[0]);
		if (acc->by_kind[KIND_OTHER] != 0)
			return audit_fail(a, -1, "campaign %lld: its outstanding was moved by an entry of"
			    " an unexpected kind", (long long)acc->owner);
	}
	return 0;
}

/* Records a total from another table on the account of role and owner. */
static int
audit_record(struct audit *a, int role, int64_t owner, int64_t cents, const char *what)
{
	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		if (acc->exists && acc->role == role && acc->owner == owner) {
			acc->recorded += cents;
			return 0;
		}
	}
	audit_fail(a, -1, "%s %lld has no account in the ledger", what, (long long)owner);
	return 0;
}

static int
audit_fund_total(int64_t funder_id, int64_t cents, void *ctx)
{
	return audit_record(ctx, ROLE_FUNDER_BALANCE, funder_id, cents, "funder");
}

static int
audit_payee_total(int64_t payee_id, int64_t cents, void *ctx)
{
	return audit_record(ctx, ROLE_PAYEE, payee_id, cents, "payee");
}

/* Each funder's balance was credited exactly by the orders and credits
 * recorded for it, and moved otherwise only by issuing, revocations and
 * expiries; each payee is owed exactly its redemptions not cancelled (no
 * settlement exists yet). */
static int
audit_funders_payees(struct audit *a, struct error *e)
{
	if (registry_fund_totals(a->db, audit_fund_total, a, e) != 0 ||
	    redemption_payee_totals(a->db, audit_payee_total, a, e) != 0)
		return -1;
	if (a->r->failure[0] != '\0')
		return 1;
	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		if (!acc->exists)
			continue;
		if (acc->role == ROLE_FUNDER_BALANCE && -acc->by_kind[KIND_FUND] != acc->recorded)
			return audit_fail(a, -1, "funder %lld: the ledger credited %lld cents of orders and"
			    " credits but %lld are recorded", (long long)acc->owner,
			    (long long)-acc->by_kind[KIND_FUND], (long long)acc->recorded);
		if (acc->role == ROLE_FUNDER_BALANCE && (acc->by_kind[KIND_REDEEM] != 0 ||
		    acc->by_kind[KIND_OTHER] != 0))
			return audit_fail(a, -1, "funder %lld: its balance was moved by an entry of an"
			    " unexpected kind", (long long)acc->owner);
		if (acc->role == ROLE_PAYEE && -acc->sum != acc->recorded)
			return audit_fail(a, -1, "payee %lld: owed %lld cents by the ledger but its"
			    " redemptions are worth %lld", (long long)acc->owner, (long long)-acc->sum,
			    (long long)acc->recorded);
	}
	return 0;
}

static int
audit_accounts(struct audit *a)
{
	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		if (acc->exists && acc->sum != acc->cached)
			return audit_fail(a, -1, "account %s: its recorded balance %lld differs from its"
			    " postings %lld", acc->code, (long long)acc->cached, (long long)acc->sum);
	}
	for (unsigned level = 0; level < 64; level++)
		if (a->levels[level] != NULL && sqlite3_step(a->levels[level]) == SQLITE_ROW)
			return audit_fail(a, -1, "the Merkle nodes hold level-%u nodes beyond the ledger",
			    level);
	return 0;
}

/* The streaming pass over entries, postings and checkpoints, merged by seq. */
static int
audit_pass(struct audit *a, void (*progress)(uint64_t, void *), void *ctx, struct error *e)
{
	sqlite3_stmt *entries = db_prepare(a->db,
	    "SELECT seq, time, kind, reference, memo, leaf_hash FROM entries ORDER BY seq");
	sqlite3_stmt *postings = db_prepare(a->db,
	    "SELECT entry_seq, account_id, amount FROM postings ORDER BY entry_seq, idx");
	sqlite3_stmt *checkpoints = db_prepare(a->db,
	    "SELECT size, root, note FROM checkpoints ORDER BY size");
	int rc, pending = sqlite3_step(postings), cp = sqlite3_step(checkpoints), bad = 0;

	while (!bad && cp == SQLITE_ROW && sqlite3_column_int64(checkpoints, 0) == 0) {
		bad = audit_checkpoint(a, checkpoints);
		cp = sqlite3_step(checkpoints);
	}
	while (!bad && (rc = sqlite3_step(entries)) == SQLITE_ROW) {
		bad = audit_entry(a, entries, postings, &pending);
		while (!bad && cp == SQLITE_ROW &&
		    (uint64_t)sqlite3_column_int64(checkpoints, 0) == a->r->entries) {
			bad = audit_checkpoint(a, checkpoints);
			cp = sqlite3_step(checkpoints);
		}
		if (progress != NULL && (a->r->entries & 0xffff) == 0)
			progress(a->r->entries, ctx);
	}
	if (!bad && rc != SQLITE_DONE)
		rc = db_error(a->db, rc, e);
	else
		rc = 0;
	if (!bad && rc == 0 && pending == SQLITE_ROW)
		bad = audit_fail(a, sqlite3_column_int64(postings, 0),
		    "postings of a missing entry %lld", (long long)sqlite3_column_int64(postings, 0));
	if (!bad && rc == 0 && cp == SQLITE_ROW)
		bad = audit_fail(a, -1, "a checkpoint at size %lld is beyond the ledger (%llu entries)",
		    (long long)sqlite3_column_int64(checkpoints, 0), (unsigned long long)a->r->entries);
	sqlite3_reset(entries);
	sqlite3_reset(postings);
	sqlite3_reset(checkpoints);
	if (rc != 0)
		return -1;
	if (!bad)
		bad = audit_accounts(a);
	if (!bad && (bad = audit_campaigns(a, e)) < 0)
		return -1;
	if (!bad && (bad = audit_funders_payees(a, e)) < 0)
		return -1;
	merkle_state_root(&a->state, a->r->root);
	return bad;
}

int
audit_verify(struct db *db, struct audit_result *r,
    void (*progress)(uint64_t done, void *ctx), void *ctx, struct error *e)
{
	struct audit a = { .db = db, .r = r };
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->failed_seq = -1;
	merkle_state_init(&a.state);
	/* One read transaction: a consistent snapshot while others append. */
	if (db_exec(db, "BEGIN", e) != 0)
		return -1;
	if (home_operator(db, &a.op, e) != 0 || keys_list(db, audit_collect_ledger_key, &a, e) != 0 ||
	    audit_load_accounts(&a, e) != 0)
		goto done;
	rc = audit_pass(&a, progress, ctx, e);
done:
	for (unsigned level = 0; level < 64; level++)
		sqlite3_finalize(a.levels[level]);
	free(a.accounts);
	db_exec(db, "COMMIT", NULL);
	return rc;
}
