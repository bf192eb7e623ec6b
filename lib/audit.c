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
#include "settlement.h"
#include "money.h"
#include "takeover.h"
#include "invoice.h"
#include "bank.h"

/* Entry kinds that move a campaign's outstanding, tracked to tie the
 * ledger to the vouchers' statuses. */
enum { KIND_ISSUE, KIND_REVOKE, KIND_EXPIRE, KIND_REDEEM, KIND_FUND, KIND_SETTLE, KIND_OTHER,
	KIND_TAKEOVER, AUDIT_KINDS };

static int
audit_kind(const char *kind)
{
	static const char *const names[] = { "issue", "revoke", "expire", "redeem", "order",
		"settle" };
	_Static_assert(sizeof(names) / sizeof(names[0]) == KIND_OTHER, "one name per kind");

	for (int i = 0; i < KIND_OTHER; i++)
		if (strcmp(kind, names[i]) == 0)
			return i;
	if (strcmp(kind, "cancel") == 0)
		return KIND_REDEEM;
	if (strcmp(kind, "takeover") == 0)
		return KIND_TAKEOVER;
	return strcmp(kind, "credit") == 0 ? KIND_FUND : KIND_OTHER;
}

/* Accounts whose movements are tied to other tables. */
enum { ROLE_NONE, ROLE_OUTSTANDING, ROLE_FUNDER_BALANCE, ROLE_PAYEE, ROLE_TRANSIT };

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
	int64_t taken_over[5];        /* outstanding: what a takeover found (issued, redeemed,
	                               * revoked, expired, present); payee: what it took on */
	int64_t paid;                 /* payee, payouts in transit: paid out by settlements */
	int64_t returned;             /* payee: payouts the bank returned (bank import) */
	int64_t by_kind[AUDIT_KINDS]; /* movements by entry kind */
};

/* The stored Merkle nodes of one level, read ahead in index order (the
 * order the recomputation completes them) AUDIT_WINDOW at a time. */
#define AUDIT_WINDOW 256
struct audit_node_row {
	uint64_t idx;
	uint8_t hash[MERKLE_HASH_SIZE];
	int ok; /* the stored hash has the right length */
};
struct audit_level {
	struct audit_node_row *rows; /* AUDIT_WINDOW of them, allocated on first use */
	size_t count, pos;
};

/* State of one verification pass. */
struct audit {
	struct db *db;
	struct audit_result *r;
	struct audit_account *accounts; /* indexed by account id */
	size_t account_cap;
	struct audit_level levels[64];
	struct merkle_state state;
	uint64_t seq;                   /* the entry being checked */
	struct operator_info op;
	struct keys_ledger ledger_keys;
	/* The entry being read from the stream of entries joined with postings. */
	int open;
	struct ledger_entry entry;
	uint8_t stored_hash[MERKLE_HASH_SIZE];
	int stored_hash_ok;
	int64_t sum;
	/* The next stored checkpoint in size order. */
	int have_checkpoint;
	struct checkpoint checkpoint;
	/* A database error met where none can be returned (audit_node). */
	int failed_io;
	struct error io;
	void (*progress)(uint64_t done, void *ctx);
	void *progress_ctx;
	int64_t debited;                /* payouts the bank debited (bank import) */
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
	else if (strcmp(acc->code, "payouts-in-transit") == 0)
		acc->role = ROLE_TRANSIT;
	acc->owner = acc->role != ROLE_NONE ? owner : 0;
}

/* Makes room for account id in a->accounts. */
static void
audit_grow(struct audit *a, size_t id)
{
	size_t cap = id * 2 + 16;

	if (id < a->account_cap)
		return;
	a->accounts = realloc(a->accounts, cap * sizeof(*a->accounts));
	if (a->accounts == NULL)
		abort();
	memset(a->accounts + a->account_cap, 0, (cap - a->account_cap) * sizeof(*a->accounts));
	a->account_cap = cap;
}

static int
audit_account_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct audit *a = ctx;
	int64_t id = db_row_int64(row, 0);
	struct audit_account *acc;

	if (id < 0 || id > 100000000)
		return error_set(e, 500, "LEDGER_ERROR", "account id %lld out of range", (long long)id);
	audit_grow(a, (size_t)id);
	acc = &a->accounts[id];
	db_row_text(row, 1, acc->code, sizeof(acc->code));
	acc->cached = db_row_int64(row, 2);
	acc->min_zero = (int)db_row_int64(row, 3);
	acc->max_zero = (int)db_row_int64(row, 4);
	acc->exists = 1;
	audit_role(acc);
	a->r->accounts++;
	return 0;
}

static int
audit_load_accounts(struct audit *a, struct error *e)
{
	return db_each(a->db, "SELECT id, code, balance, min_zero, max_zero FROM accounts ORDER BY id",
	    DB_NO_ARGS, audit_account_row, a, e);
}

static int
audit_level_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct audit_level *l = ctx;
	struct audit_node_row *n = &l->rows[l->count++];

	(void)e;
	n->idx = (uint64_t)db_row_int64(row, 0);
	n->ok = db_row_blob(row, 1, n->hash, MERKLE_HASH_SIZE) == 0;
	return 0;
}

/* Reads the next window of level's stored nodes, from index on; a
 * database error is kept in a->io. */
static int
audit_level_fill(struct audit *a, unsigned level, uint64_t index)
{
	struct audit_level *l = &a->levels[level];

	if (l->rows == NULL && (l->rows = calloc(AUDIT_WINDOW, sizeof(*l->rows))) == NULL)
		abort();
	l->count = l->pos = 0;
	if (db_each(a->db, "SELECT idx, hash FROM merkle_nodes WHERE level = ?1 AND idx >= ?2"
	    " ORDER BY idx LIMIT ?3", DB_ARGS(DB_INT(level), DB_INT(index), DB_INT(AUDIT_WINDOW)),
	    audit_level_row, l, &a->io) != 0) {
		a->failed_io = 1;
		return -1;
	}
	return 0;
}

/* Compares a node the recomputation completed with the stored one, reading
 * the stored nodes of each level in index order. */
static int
audit_node(void *ctx, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_SIZE])
{
	struct audit *a = ctx;
	struct audit_level *l = &a->levels[level];
	const struct audit_node_row *n;

	if (l->pos == l->count && audit_level_fill(a, level, index) != 0)
		return -1;
	n = l->pos < l->count ? &l->rows[l->pos++] : NULL;
	if (n == NULL || n->idx != index || !n->ok || memcmp(n->hash, hash, MERKLE_HASH_SIZE) != 0) {
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
audit_checkpoint(struct audit *a, const struct checkpoint *cp)
{
	uint8_t root[MERKLE_HASH_SIZE], note_root[MERKLE_HASH_SIZE];
	int64_t seq = cp->size > 0 ? (int64_t)cp->size - 1 : -1;
	uint64_t note_size;

	merkle_state_root(&a->state, root);
	if (memcmp(cp->root, root, MERKLE_HASH_SIZE) != 0)
		return audit_fail(a, seq, "checkpoint at size %llu: its root does not match entries 0-%lld",
		    (unsigned long long)cp->size, (long long)seq);
	for (size_t k = 0; k < a->ledger_keys.count; k++) {
		if (note_checkpoint_verify(cp->note, strlen(cp->note), a->op.origin, a->op.origin,
		    a->ledger_keys.keys[k].public_key, &note_size, note_root, NULL) != 0)
			continue;
		if (note_size != cp->size || memcmp(note_root, root, MERKLE_HASH_SIZE) != 0)
			break;
		a->r->checkpoints++;
		return 0;
	}
	return audit_fail(a, seq, "checkpoint at size %llu: its signed note is not valid",
	    (unsigned long long)cp->size);
}

/* Reads the first stored checkpoint of size >= size into a->checkpoint
 * (a->have_checkpoint says whether there is one). */
static int
audit_next_checkpoint(struct audit *a, uint64_t size, struct error *e)
{
	struct error local;

	a->have_checkpoint = checkpoint_covering(a->db, size, &a->checkpoint, &local) == 0;
	if (a->have_checkpoint || local.status == 404)
		return 0;
	if (e != NULL)
		*e = local;
	return -1;
}

/* Checks the stored checkpoint of the current tree size, if any, and reads
 * the next one. Returns 0, 1 (not sound) or -1. */
static int
audit_checkpoint_due(struct audit *a, struct error *e)
{
	if (!a->have_checkpoint || a->checkpoint.size != a->r->entries)
		return 0;
	if (audit_checkpoint(a, &a->checkpoint) != 0)
		return 1;
	return audit_next_checkpoint(a, a->r->entries + 1, e);
}

/* Starts entry seq from its first row in the stream (its fields, no
 * posting yet). Returns 0, or 1 when it is not the entry expected next. */
static int
audit_entry_open(struct audit *a, const struct db_row *row, uint64_t seq)
{
	struct ledger_entry *entry = &a->entry;

	a->seq = seq;
	if (seq != a->r->entries)
		return audit_fail(a, (int64_t)a->r->entries, "entry %llu is missing",
		    (unsigned long long)a->r->entries);
	memset(entry, 0, sizeof(*entry));
	entry->seq = seq;
	entry->time = db_row_int64(row, 1);
	db_row_text(row, 2, entry->kind, sizeof(entry->kind));
	db_row_text(row, 3, entry->reference, sizeof(entry->reference));
	db_row_text(row, 4, entry->memo, sizeof(entry->memo));
	a->stored_hash_ok = db_row_blob(row, 5, a->stored_hash, MERKLE_HASH_SIZE) == 0;
	a->sum = 0;
	a->open = 1;
	return 0;
}

/* Adds a posting to the open entry and applies it to the recomputed
 * balances. Returns 0, or 1 when it breaks a rule. */
static int
audit_posting(struct audit *a, int64_t id, int64_t amount)
{
	struct ledger_entry *entry = &a->entry;
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
	if (amount == 0 || __builtin_add_overflow(a->sum, amount, &a->sum) ||
	    __builtin_add_overflow(acc->sum, amount, &acc->sum))
		return audit_fail(a, (int64_t)entry->seq, "entry %llu: an amount is zero or overflows",
		    (unsigned long long)entry->seq);
	acc->by_kind[audit_kind(entry->kind)] += amount;
	if ((acc->min_zero && acc->sum < 0) || (acc->max_zero && acc->sum > 0))
		return audit_fail(a, (int64_t)entry->seq,
		    "entry %llu: account %s goes below zero", (unsigned long long)entry->seq,
		    acc->code);
	a->r->postings++;
	return 0;
}

/* Finishes the open entry: balance, encoding, hash, tree, then the
 * checkpoint of the new size. Returns 0, 1 (not sound) or -1. */
static int
audit_entry_close(struct audit *a, struct error *e)
{
	struct ledger_entry *entry = &a->entry;
	uint8_t encoded[8192], hash[MERKLE_HASH_SIZE];
	size_t len;

	a->open = 0;
	if (!ledger_postings_allowed(entry->kind, entry->count) || a->sum != 0)
		return audit_fail(a, (int64_t)entry->seq,
		    "entry %llu: its postings do not balance (%zu postings, sum %lld)",
		    (unsigned long long)entry->seq, entry->count, (long long)a->sum);
	len = ledger_encode(entry, encoded, sizeof(encoded));
	merkle_leaf_hash(encoded, len, hash);
	if (len == 0 || !a->stored_hash_ok || memcmp(hash, a->stored_hash, MERKLE_HASH_SIZE) != 0)
		return audit_fail(a, (int64_t)entry->seq, "entry %llu: its hash does not match its"
		    " contents (it was altered)", (unsigned long long)entry->seq);
	if (merkle_state_append(&a->state, hash, audit_node, a) != 0) {
		if (!a->failed_io)
			return audit_fail(a, (int64_t)entry->seq, "entry %llu: the Merkle tree cannot"
			    " be recomputed", (unsigned long long)entry->seq);
		if (e != NULL)
			*e = a->io;
		return -1;
	}
	a->r->entries++;
	if (a->progress != NULL && (a->r->entries & 0xffff) == 0)
		a->progress(a->r->entries, a->progress_ctx);
	return audit_checkpoint_due(a, e);
}

/* One row of the stream of entries joined with their postings (seq, time,
 * kind, reference, memo, leaf_hash, account_id, amount; the posting NULL
 * for an entry without any). Stops (1) at the first failure. */
static int
audit_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct audit *a = ctx;
	uint64_t seq = (uint64_t)db_row_int64(row, 0);
	int rc;

	if (!a->open || seq != a->entry.seq) {
		if (a->open && (rc = audit_entry_close(a, e)) != 0)
			return rc;
		if (audit_entry_open(a, row, seq) != 0)
			return 1;
	}
	if (!db_row_is_null(row, 6) &&
	    audit_posting(a, db_row_int64(row, 6), db_row_int64(row, 7)) != 0)
		return 1;
	return 0;
}

/* Postings of a missing entry: with entry_seq below 0 (before the pass) or
 * from a->r->entries on (after it). Returns 0, 1 (not sound) or -1. */
static int
audit_orphans(struct audit *a, int after, struct error *e)
{
	int64_t seq;
	int rc = after ? db_int64(a->db, "SELECT entry_seq FROM postings WHERE entry_seq >= ?1"
	    " ORDER BY entry_seq LIMIT 1", DB_ARGS(DB_INT(a->r->entries)), &seq, e) :
	    db_int64(a->db, "SELECT entry_seq FROM postings WHERE entry_seq < 0"
	    " ORDER BY entry_seq LIMIT 1", DB_NO_ARGS, &seq, e);

	if (rc <= 0)
		return rc;
	return audit_fail(a, seq, "postings of a missing entry %lld", (long long)seq);
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

/* What a takeover found per campaign: the passes in circulation its opening
 * entry credited, and those already closed under the old operator, which
 * never moved this ledger. */
static int
audit_takeover_campaign(int64_t campaign_id, int64_t issued, int64_t redeemed, int64_t revoked,
    int64_t expired, void *ctx)
{
	struct audit *a = ctx;

	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		if (acc->exists && acc->role == ROLE_OUTSTANDING && acc->owner == campaign_id) {
			acc->taken_over[0] = issued;
			acc->taken_over[1] = redeemed;
			acc->taken_over[2] = revoked;
			acc->taken_over[3] = expired;
			acc->taken_over[4] = 1;
			return 0;
		}
	}
	audit_fail(a, -1, "campaign %lld was taken over but has no outstanding account",
	    (long long)campaign_id);
	return 0;
}

static int
audit_takeover_payee(int64_t payee_id, int64_t cents, void *ctx)
{
	struct audit *a = ctx;

	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		if (acc->exists && acc->role == ROLE_PAYEE && acc->owner == payee_id) {
			acc->taken_over[0] += cents;
			acc->taken_over[4] = 1;
			return 0;
		}
	}
	audit_fail(a, -1, "payee %lld was taken over but has no account", (long long)payee_id);
	return 0;
}

/* The campaign's outstanding movements must equal its vouchers' values:
 * issued in total, revoked, expired, redeemed (net of cancellations), and
 * the balance equals the value still in circulation. */
static int
audit_campaigns(struct audit *a, struct error *e)
{
	static const char *const what[] = { "issued", "revoked", "expired", "redeemed" };

	if (issuance_voucher_totals(a->db, audit_voucher_total, a, e) != 0 ||
	    takeover_campaign_totals(a->db, audit_takeover_campaign, a, e) != 0)
		return -1;
	if (a->r->failure[0] != '\0')
		return 1;
	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		int64_t total_issued;
		if (!acc->exists || acc->role != ROLE_OUTSTANDING)
			continue;
		total_issued = acc->vouchers[0] + acc->vouchers[1] + acc->vouchers[2] + acc->vouchers[3];
		/* Passes taken over: those in circulation were credited by the
		 * "takeover" entry (which must be exactly their value); those
		 * already closed never moved this ledger. */
		if (-acc->by_kind[KIND_TAKEOVER] != acc->taken_over[0])
			return audit_fail(a, -1, "campaign %lld: the takeover entry credited %lld cents"
			    " but %lld were taken over in circulation", (long long)acc->owner,
			    (long long)-acc->by_kind[KIND_TAKEOVER], (long long)acc->taken_over[0]);
		int64_t ledger[4] = { -acc->by_kind[KIND_ISSUE] - acc->by_kind[KIND_TAKEOVER],
		    acc->by_kind[KIND_REVOKE], acc->by_kind[KIND_EXPIRE], acc->by_kind[KIND_REDEEM] };
		int64_t vouchers[4] = { total_issued - acc->taken_over[1] - acc->taken_over[2] -
		    acc->taken_over[3], acc->vouchers[1] - acc->taken_over[2],
		    acc->vouchers[2] - acc->taken_over[3], acc->vouchers[3] - acc->taken_over[1] };
		for (int i = 0; i < 4; i++)
			if (ledger[i] != vouchers[i])
				return audit_fail(a, -1, "campaign %lld: the ledger says %lld cents %s but its"
				    " vouchers say %lld", (long long)acc->owner, (long long)ledger[i],
				    what[i], (long long)vouchers[i]);
		if (-acc->sum != acc->vouchers[0])
			return audit_fail(a, -1, "campaign %lld: outstanding %lld cents but its issued"
			    " vouchers are worth %lld", (long long)acc->owner, (long long)-acc->sum,
			    (long long)acc->vouchers[0]);
		if (acc->by_kind[KIND_OTHER] != 0 || acc->by_kind[KIND_SETTLE] != 0)
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

/* Records what settlements paid payee_id, on its account and on payouts
 * in transit. */
static int
audit_paid_total(int64_t payee_id, int64_t cents, void *ctx)
{
	struct audit *a = ctx;
	int found = 0;

	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		if (acc->exists && ((acc->role == ROLE_PAYEE && acc->owner == payee_id) ||
		    acc->role == ROLE_TRANSIT)) {
			acc->paid += cents;
			found |= acc->role == ROLE_PAYEE ? 1 : 2;
		}
	}
	if (found != 3)
		audit_fail(a, -1, "payee %lld was paid out but has no account, or payouts in transit"
		    " has none", (long long)payee_id);
	return 0;
}

/* Settlements: each payout pays exactly its redemptions, none cancelled;
 * each payee's account was debited by "settle" entries by exactly what its
 * payouts paid, and payouts in transit credited by their total (what the
 * bank has not debited yet: no bank entry exists yet). */
/* Records what the bank returned of payee_id's payouts. */
static int
audit_returned_total(int64_t payee_id, int64_t cents, void *ctx)
{
	struct audit *a = ctx;

	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		if (acc->exists && acc->role == ROLE_PAYEE && acc->owner == payee_id)
			acc->returned += cents;
	}
	return 0;
}

static int
audit_settlements(struct audit *a, struct error *e)
{
	int64_t bad = 0;

	if (settlement_check_payouts(a->db, &bad, e) != 0 ||
	    settlement_paid_totals(a->db, audit_paid_total, a, e) != 0 ||
	    bank_payout_totals(a->db, &a->debited, audit_returned_total, a, e) != 0)
		return -1;
	if (bad != 0)
		return audit_fail(a, -1, "payout %lld: its redemptions do not add up to its amount,"
		    " or one was cancelled", (long long)bad);
	if (a->r->failure[0] != '\0')
		return 1;
	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		if (acc->exists && acc->role == ROLE_PAYEE && acc->by_kind[KIND_SETTLE] != acc->paid)
			return audit_fail(a, -1, "payee %lld: settlements debited %lld cents but its"
			    " payouts are worth %lld", (long long)acc->owner,
			    (long long)acc->by_kind[KIND_SETTLE], (long long)acc->paid);
		if (acc->exists && acc->role == ROLE_TRANSIT && (-acc->by_kind[KIND_SETTLE] != acc->paid ||
		    -acc->sum != acc->paid - a->debited))
			return audit_fail(a, -1, "payouts in transit: %lld cents credited by settlements"
			    " and %lld left, but the payouts are worth %lld of which the bank debited %lld",
			    (long long)-acc->by_kind[KIND_SETTLE], (long long)-acc->sum,
			    (long long)acc->paid, (long long)a->debited);
		if (acc->exists && acc->role != ROLE_PAYEE && acc->role != ROLE_TRANSIT &&
		    acc->by_kind[KIND_SETTLE] != 0)
			return audit_fail(a, -1, "account %s was moved by a settlement", acc->code);
	}
	return 0;
}

/* The claim on the old operator (takeover-claim) is debited only by the
 * takeover and credited only by takeover-funds and by the revocations and
 * expiries of passes taken over, those no more than the passes taken over
 * that ended here (docs/takeover.md, "The opening entries"). */
static int
audit_claim(struct audit *a, struct error *e)
{
	int64_t ended = 0, credited;

	for (size_t id = 0; id < a->account_cap; id++) {
		struct audit_account *acc = &a->accounts[id];
		if (!acc->exists || strcmp(acc->code, "takeover-claim") != 0)
			continue;
		if (acc->by_kind[KIND_ISSUE] != 0 || acc->by_kind[KIND_REDEEM] != 0 ||
		    acc->by_kind[KIND_FUND] != 0 || acc->by_kind[KIND_SETTLE] != 0)
			return audit_fail(a, -1, "takeover-claim was moved by an entry of an unexpected"
			    " kind");
		if (takeover_ended_here(a->db, &ended, e) != 0)
			return -1;
		if (acc->by_kind[KIND_REVOKE] > 0 || acc->by_kind[KIND_EXPIRE] > 0 ||
		    money_add(acc->by_kind[KIND_REVOKE], acc->by_kind[KIND_EXPIRE], &credited) != 0)
			return audit_fail(a, -1, "takeover-claim: revocations or expiries debited it");
		if (-credited > ended)
			return audit_fail(a, -1, "takeover-claim: revocations and expiries credited %lld"
			    " cents but passes taken over worth %lld ended here", (long long)-credited,
			    (long long)ended);
	}
	return 0;
}

/* Each funder's balance was credited exactly by the orders and credits
 * recorded for it, and moved otherwise only by issuing, revocations and
 * expiries; each payee is owed exactly its redemptions not cancelled less
 * what settlements paid it (audit_settlements ran first). */
static int
audit_funders_payees(struct audit *a, struct error *e)
{
	if (registry_fund_totals(a->db, audit_fund_total, a, e) != 0 ||
	    redemption_payee_totals(a->db, audit_payee_total, a, e) != 0 ||
	    takeover_payable_totals(a->db, audit_takeover_payee, a, e) != 0)
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
		    acc->by_kind[KIND_OTHER] != 0 || acc->by_kind[KIND_TAKEOVER] != 0))
			return audit_fail(a, -1, "funder %lld: its balance was moved by an entry of an"
			    " unexpected kind", (long long)acc->owner);
		if (acc->role == ROLE_PAYEE && -acc->by_kind[KIND_TAKEOVER] != acc->taken_over[0])
			return audit_fail(a, -1, "payee %lld: the takeover entry credited %lld cents but"
			    " %lld were taken on", (long long)acc->owner,
			    (long long)-acc->by_kind[KIND_TAKEOVER], (long long)acc->taken_over[0]);
		if (acc->role == ROLE_PAYEE &&
		    -acc->sum != acc->recorded - acc->paid + acc->returned + acc->taken_over[0])
			return audit_fail(a, -1, "payee %lld: owed %lld cents by the ledger but its"
			    " redemptions not paid out (returned transfers included) are worth %lld",
			    (long long)acc->owner, (long long)-acc->sum,
			    (long long)(acc->recorded - acc->paid + acc->returned + acc->taken_over[0]));
	}
	return 0;
}

/* Invoices, credit notes, their payments and refunds (lib/invoice.c):
 * each entry moved the funder's invoiced receivable by what is recorded,
 * each funder's receivable equals its documents less its payments. */
static int
audit_invoices(struct audit *a, struct error *e)
{
	char what[256];
	int rc = invoice_audit(a->db, what, e);

	return rc == 1 ? audit_fail(a, -1, "%s", what) : rc;
}

/* The operator's float (lib/settlement_float.c): each advance paid and
 * posted, each clearing by an invoice paid in full, the float accounts
 * equal to the advances not cleared. */
static int
audit_float(struct audit *a, struct error *e)
{
	char what[256];
	int rc = settlement_float_audit(a->db, what, e);

	return rc == 1 ? audit_fail(a, -1, "%s", what) : rc;
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
	return 0;
}

/* Stored Merkle nodes beyond the ledger's tree (level L holds entries >> L
 * perfect subtrees). Returns 0, 1 (not sound) or -1. */
static int
audit_nodes_beyond(struct audit *a, struct error *e)
{
	for (unsigned level = 0; level < 64; level++) {
		int rc = db_one(a->db, "SELECT 1 FROM merkle_nodes WHERE level = ?1 AND idx >= ?2 LIMIT 1",
		    DB_ARGS(DB_INT(level), DB_INT(a->r->entries >> level)), NULL, NULL, e);
		if (rc != 0)
			return rc < 0 ? -1 : audit_fail(a, -1, "the Merkle nodes hold level-%u nodes beyond"
			    " the ledger", level);
	}
	return 0;
}

/* The streaming pass: entries joined with their postings in seq order,
 * the checkpoints read one ahead. Returns 0, 1 (not sound) or -1. */
static int
audit_stream(struct audit *a, struct error *e)
{
	int rc;

	if ((rc = audit_next_checkpoint(a, 0, e)) != 0 || (rc = audit_checkpoint_due(a, e)) != 0 ||
	    (rc = audit_orphans(a, 0, e)) != 0)
		return rc;
	if (db_each(a->db, "SELECT e.seq, e.time, e.kind, e.reference, e.memo, e.leaf_hash,"
	    " p.account_id, p.amount FROM entries e LEFT JOIN postings p ON p.entry_seq = e.seq"
	    " ORDER BY e.seq, p.idx", DB_NO_ARGS, audit_row, a, e) != 0)
		return -1;
	if (a->r->failure[0] != '\0')
		return 1;
	if (a->open && (rc = audit_entry_close(a, e)) != 0)
		return rc;
	if ((rc = audit_orphans(a, 1, e)) != 0)
		return rc;
	if (a->have_checkpoint)
		return audit_fail(a, -1, "a checkpoint at size %lld is beyond the ledger (%llu entries)",
		    (long long)a->checkpoint.size, (unsigned long long)a->r->entries);
	return 0;
}

/* The whole verification, inside one read transaction (db_read). */
static int
audit_verify_work(struct db *db, void *ctx, struct error *e)
{
	struct audit *a = ctx;
	int bad;

	if (home_operator(db, &a->op, e) != 0 || keys_ledger_load(db, &a->ledger_keys, e) != 0 ||
	    audit_load_accounts(a, e) != 0)
		return -1;
	if ((bad = audit_stream(a, e)) < 0)
		return -1;
	if (!bad)
		bad = audit_accounts(a);
	if (!bad && (bad = audit_nodes_beyond(a, e)) < 0)
		return -1;
	if (!bad && (bad = audit_campaigns(a, e)) < 0)
		return -1;
	if (!bad && (bad = audit_settlements(a, e)) < 0)
		return -1;
	if (!bad && (bad = audit_funders_payees(a, e)) < 0)
		return -1;
	if (!bad && (bad = audit_invoices(a, e)) < 0)
		return -1;
	if (!bad && (bad = audit_float(a, e)) < 0)
		return -1;
	if (!bad && (bad = audit_claim(a, e)) < 0)
		return -1;
	merkle_state_root(&a->state, a->r->root);
	return bad;
}

int
audit_verify(struct db *db, struct audit_result *r,
    void (*progress)(uint64_t done, void *ctx), void *ctx, struct error *e)
{
	struct audit a = { .db = db, .r = r, .progress = progress, .progress_ctx = ctx };
	int rc;

	memset(r, 0, sizeof(*r));
	r->failed_seq = -1;
	merkle_state_init(&a.state);
	/* One read transaction: a consistent snapshot while others append. */
	rc = db_read(db, audit_verify_work, &a, e);
	for (unsigned level = 0; level < 64; level++)
		free(a.levels[level].rows);
	free(a.accounts);
	keys_ledger_free(&a.ledger_keys);
	return rc;
}
