/* Audit packs of one funder (audit_pack.h; the format: docs/ledger.md,
 * "Audit packs"). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "audit_pack.h"
#include "checkpoint.h"
#include "clock.h"
#include "date.h"
#include "db.h"
#include "ledger.h"
#include "registry.h"

/* A growable array of uint64_t (sequence numbers, checkpoint sizes). */
struct u64s {
	uint64_t *v;
	size_t n, cap;
};

static void
u64s_push(struct u64s *a, uint64_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 64 : 2 * a->cap;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
		if (a->v == NULL)
			abort();
	}
	a->v[a->n++] = x;
}

/* One redemption or cancellation as seen from one campaign of the funder. */
struct pack_leaf {
	int month;        /* year * 100 + month, Europe/Paris */
	int64_t campaign;
	uint64_t seq;
	bool cancel;
	int64_t amount;   /* the campaign's posting, made positive */
	uint64_t size;    /* the checkpoint its inclusion proof is in */
	uint8_t hash[MERKLE_HASH_SIZE];
};

static int
pack_leaf_compare(const void *a, const void *b)
{
	const struct pack_leaf *x = a, *y = b;

	if (x->month != y->month)
		return x->month < y->month ? -1 : 1;
	if (x->campaign != y->campaign)
		return x->campaign < y->campaign ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct pack {
	struct db *db;
	int64_t funder;
	FILE *out;
	int failed;
	struct checkpoint latest;
	struct u64s campaigns, seqs, sizes; /* sizes: the pack's checkpoints */
	struct pack_leaf *leaves;
	size_t nleaves, capleaves;
};

static void
pack_line(struct pack *p, json_t *value)
{
	char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(value);
	if (text == NULL || fputs(text, p->out) < 0 || fputc('\n', p->out) < 0)
		p->failed = 1;
	free(text);
}

static int
pack_int_row(const struct db_row *row, void *ctx, struct error *e)
{
	(void)e;
	u64s_push(ctx, (uint64_t)db_row_int64(row, 0));
	return 0;
}

/* Whether account (a code) is the funder's, or one of its campaigns'. */
static bool
pack_own_account(const struct pack *p, const char *account, int64_t *campaign)
{
	long long id;
	int end = 0;

	*campaign = 0;
	if (sscanf(account, "funder:%lld:%*[a-z-]%n", &id, &end) == 1 && end > 0 &&
	    account[end] == '\0')
		return id == p->funder;
	if (sscanf(account, "campaign:%lld:outstanding%n", &id, &end) == 1 && end > 0 &&
	    account[end] == '\0') {
		for (size_t i = 0; i < p->campaigns.n; i++)
			if (p->campaigns.v[i] == (uint64_t)id) {
				*campaign = id;
				return true;
			}
	}
	return false;
}

/* The operator's own accounts (no owner): an entry of the funder may post
 * to them (the bank receives its money). */
static bool
pack_operator_account(const char *account)
{
	static const char *const names[] = { "bank", "payouts", "suspense", "fees", "vat",
		"payouts-in-transit" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(account, names[i]) == 0)
			return true;
	return false;
}

static bool
pack_is_redemption(const struct ledger_entry *entry)
{
	return strcmp(entry->kind, "redeem") == 0 || strcmp(entry->kind, "cancel") == 0;
}

static json_t *
pack_hex(const uint8_t *bytes, size_t len)
{
	char hex[2 * MERKLE_HASH_SIZE + 1];

	sodium_bin2hex(hex, sizeof(hex), bytes, len);
	return json_string(hex);
}

/* {"size": S, "proof": [...]}: the inclusion proof of seq in the pack's
 * checkpoint of size S, the first that covers it. */
static json_t *
pack_inclusion(struct pack *p, uint64_t seq, uint64_t *size, struct error *e)
{
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE];
	struct checkpoint cp;
	size_t count;

	if (checkpoint_covering(p->db, seq + 1, &cp, e) != 0 ||
	    ledger_inclusion_proof(p->db, seq, cp.size, proof, &count, e) != 0)
		return NULL;
	*size = cp.size;
	return json_pack("{s:I, s:o}", "size", (json_int_t)cp.size, "proof",
	    ledger_proof_json(proof, count));
}

/* Pass 1: the funder's campaigns and entries below the pack's size, and the
 * checkpoints their proofs are in (with the latest). */
static int
pack_collect(struct pack *p, struct error *e)
{
	struct u64s all = { 0 };
	int rc;

	if (db_each(p->db, "SELECT id FROM campaigns WHERE funder_id = ?1 ORDER BY id",
	    DB_ARGS(DB_INT(p->funder)), pack_int_row, &p->campaigns, e) < 0 ||
	    db_each(p->db, "SELECT DISTINCT p.entry_seq FROM postings p JOIN accounts a ON"
	    " a.id = p.account_id WHERE p.entry_seq < ?2 AND ((a.kind IN ('funder-balance',"
	    " 'funder-orders', 'funder-credit-notes') AND a.owner_id = ?1) OR (a.kind ="
	    " 'outstanding' AND a.owner_id IN (SELECT id FROM campaigns WHERE funder_id = ?1)))"
	    " ORDER BY p.entry_seq", DB_ARGS(DB_INT(p->funder), DB_INT(p->latest.size)),
	    pack_int_row, &p->seqs, e) < 0)
		return -1;
	/* Every checkpoint size, to find each entry's first covering one. */
	if (db_each(p->db, "SELECT size FROM checkpoints WHERE size <= ?1 ORDER BY size",
	    DB_ARGS(DB_INT(p->latest.size)), pack_int_row, &all, e) < 0) {
		free(all.v);
		return -1;
	}
	rc = 0;
	for (size_t i = 0, j = 0; i < p->seqs.n; i++) {
		while (j < all.n && all.v[j] <= p->seqs.v[i])
			j++;
		if (j == all.n) { /* cannot be: the latest covers every seq below it */
			rc = error_set(e, 500, "LEDGER_ERROR", "no checkpoint covers entry %llu",
			    (unsigned long long)p->seqs.v[i]);
			break;
		}
		if (p->sizes.n == 0 || p->sizes.v[p->sizes.n - 1] != all.v[j])
			u64s_push(&p->sizes, all.v[j]);
	}
	if (p->sizes.n == 0 || p->sizes.v[p->sizes.n - 1] != p->latest.size)
		u64s_push(&p->sizes, p->latest.size);
	free(all.v);
	return rc;
}

/* The checkpoint lines, then the consistency proof between each two
 * consecutive ones. */
static int
pack_checkpoints(struct pack *p, struct error *e)
{
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE];
	struct checkpoint cp;
	size_t count;

	for (size_t i = 0; i < p->sizes.n; i++) {
		if (checkpoint_covering(p->db, p->sizes.v[i], &cp, e) != 0)
			return -1;
		pack_line(p, json_pack("{s:s, s:I, s:o, s:s}", "type", "checkpoint", "size",
		    (json_int_t)cp.size, "root", pack_hex(cp.root, MERKLE_HASH_SIZE), "note", cp.note));
	}
	for (size_t i = 0; i + 1 < p->sizes.n; i++) {
		if (p->sizes.v[i] == 0)
			continue; /* nothing to prove from the empty tree */
		if (ledger_consistency_proof(p->db, p->sizes.v[i], p->sizes.v[i + 1], proof, &count,
		    e) != 0)
			return -1;
		pack_line(p, json_pack("{s:s, s:I, s:I, s:o}", "type", "consistency", "from",
		    (json_int_t)p->sizes.v[i], "to", (json_int_t)p->sizes.v[i + 1], "proof",
		    ledger_proof_json(proof, count)));
	}
	return 0;
}

static int
pack_account_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct pack *p = ctx;
	char code[LEDGER_ACCOUNT_MAX + 1], kind[32], pcg[8];

	(void)e;
	db_row_text(row, 0, code, sizeof(code));
	db_row_text(row, 1, kind, sizeof(kind));
	db_row_text(row, 2, pcg, sizeof(pcg));
	pack_line(p, json_pack("{s:s, s:s, s:s, s:s, s:I}", "type", "account", "code", code,
	    "kind", kind, "pcg", pcg, "balance", (json_int_t)db_row_int64(row, 3)));
	return 0;
}

/* The funder's accounts, with their balances at the pack's size (summed
 * from the postings below it, not the cached balance of today). */
static int
pack_accounts(struct pack *p, struct error *e)
{
	return db_each(p->db, "SELECT a.code, a.kind, a.pcg, (SELECT COALESCE(SUM(amount), 0) FROM"
	    " postings WHERE account_id = a.id AND entry_seq < ?2) FROM accounts a WHERE"
	    " (a.kind IN ('funder-balance', 'funder-orders', 'funder-credit-notes') AND"
	    " a.owner_id = ?1) OR (a.kind = 'outstanding' AND a.owner_id IN (SELECT id FROM"
	    " campaigns WHERE funder_id = ?1)) ORDER BY a.code",
	    DB_ARGS(DB_INT(p->funder), DB_INT(p->latest.size)), pack_account_row, p, e) < 0 ? -1 : 0;
}

static void
pack_leaf_add(struct pack *p, const struct pack_leaf *leaf)
{
	if (p->nleaves == p->capleaves) {
		p->capleaves = p->capleaves == 0 ? 64 : 2 * p->capleaves;
		p->leaves = realloc(p->leaves, p->capleaves * sizeof(*p->leaves));
		if (p->leaves == NULL)
			abort();
	}
	p->leaves[p->nleaves++] = *leaf;
}

/* A redemption or cancellation: one leaf per campaign of the funder it
 * moves (never its contents). */
static int
pack_redemption(struct pack *p, const struct ledger_entry *entry, uint64_t size)
{
	int32_t day = clock_local_day(entry->time, CLOCK_TZ_PARIS);
	struct pack_leaf leaf = { .seq = entry->seq, .size = size,
		.cancel = strcmp(entry->kind, "cancel") == 0 };
	int y, m, d;

	date_to_ymd(day, &y, &m, &d);
	leaf.month = y * 100 + m;
	memcpy(leaf.hash, entry->leaf_hash, MERKLE_HASH_SIZE);
	for (size_t i = 0; i < entry->count; i++) {
		const struct ledger_posting *q = &entry->postings[i];
		if (!pack_own_account(p, q->account, &leaf.campaign) || leaf.campaign == 0)
			continue;
		leaf.amount = q->amount < 0 ? -q->amount : q->amount;
		pack_leaf_add(p, &leaf);
	}
	return 0;
}

/* An entry of the funder in full, with its inclusion proof; redemptions
 * and cancellations are kept for the aggregated lines. */
static int
pack_entry(struct pack *p, uint64_t seq, struct error *e)
{
	struct ledger_entry entry;
	uint64_t size;
	int64_t campaign;
	json_t *line, *inclusion;

	if (ledger_read(p->db, seq, &entry, e) != 0 ||
	    (inclusion = pack_inclusion(p, seq, &size, e)) == NULL)
		return -1;
	if (pack_is_redemption(&entry)) {
		json_decref(inclusion);
		return pack_redemption(p, &entry, size);
	}
	for (size_t i = 0; i < entry.count; i++)
		if (!pack_own_account(p, entry.postings[i].account, &campaign) &&
		    !pack_operator_account(entry.postings[i].account)) {
			json_decref(inclusion);
			return error_set(e, 500, "AUDIT_PACK_MIXED", "entry %llu (%s) posts to %s, which"
			    " is not funder %lld's: the pack would show another's money",
			    (unsigned long long)seq, entry.kind, entry.postings[i].account,
			    (long long)p->funder);
		}
	line = ledger_entry_to_json(&entry);
	json_object_set_new(line, "inclusion", inclusion);
	json_object_set_new(line, "type", json_string("entry"));
	pack_line(p, line);
	return 0;
}

/* One "redemptions" line per month and campaign, from leaves[from, to). */
static void
pack_redemption_line(struct pack *p, size_t from, size_t to)
{
	const struct pack_leaf *first = &p->leaves[from];
	int64_t redeemed = 0, cancelled = 0, nr = 0, nc = 0;
	json_t *list = json_array();
	char month[24];

	for (size_t i = from; i < to; i++) {
		const struct pack_leaf *l = &p->leaves[i];
		uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE];
		size_t count = 0;
		if (l->cancel) {
			cancelled += l->amount;
			nc++;
		} else {
			redeemed += l->amount;
			nr++;
		}
		if (ledger_inclusion_proof(p->db, l->seq, l->size, proof, &count, NULL) != 0)
			p->failed = 1;
		json_array_append_new(list, json_pack("{s:I, s:s, s:o, s:{s:I, s:o}}", "seq",
		    (json_int_t)l->seq, "kind", l->cancel ? "cancel" : "redeem", "leaf_hash",
		    pack_hex(l->hash, MERKLE_HASH_SIZE), "inclusion", "size", (json_int_t)l->size,
		    "proof", ledger_proof_json(proof, count)));
	}
	snprintf(month, sizeof(month), "%04d-%02d", first->month / 100, first->month % 100);
	pack_line(p, json_pack("{s:s, s:s, s:I, s:{s:I, s:I}, s:{s:I, s:I}, s:o}", "type",
	    "redemptions", "month", month, "campaign", (json_int_t)first->campaign,
	    "redeemed", "count", (json_int_t)nr, "amount", (json_int_t)redeemed,
	    "cancelled", "count", (json_int_t)nc, "amount", (json_int_t)cancelled, "leaves", list));
}

static int
pack_work(struct db *db, void *ctx, struct error *e)
{
	struct pack *p = ctx;
	struct funder f;
	json_t *campaigns = json_array();

	if (registry_funder_get(db, p->funder, &f, e) != 0 ||
	    checkpoint_latest(db, &p->latest, e) != 0 || pack_collect(p, e) != 0) {
		json_decref(campaigns);
		return -1;
	}
	for (size_t i = 0; i < p->campaigns.n; i++)
		json_array_append_new(campaigns, json_integer((json_int_t)p->campaigns.v[i]));
	{
		char origin[NOTE_NAME_MAX + 1];
		const char *nl = strchr(p->latest.note, '\n');
		size_t len = nl == NULL ? 0 : (size_t)(nl - p->latest.note);
		snprintf(origin, sizeof(origin), "%.*s", (int)len, p->latest.note);
		pack_line(p, json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:I}", "type", "header",
		    "format", AUDIT_PACK_FORMAT, "encoding", LEDGER_DOMAIN, "origin", origin,
		    "funder", (json_int_t)p->funder, "campaigns", campaigns,
		    "size", (json_int_t)p->latest.size));
	}
	if (pack_checkpoints(p, e) != 0 || pack_accounts(p, e) != 0)
		return -1;
	for (size_t i = 0; i < p->seqs.n && !p->failed; i++)
		if (pack_entry(p, p->seqs.v[i], e) != 0)
			return -1;
	qsort(p->leaves, p->nleaves, sizeof(*p->leaves), pack_leaf_compare);
	for (size_t i = 0, j; i < p->nleaves; i = j) {
		for (j = i + 1; j < p->nleaves && p->leaves[j].month == p->leaves[i].month &&
		    p->leaves[j].campaign == p->leaves[i].campaign; j++)
			;
		pack_redemption_line(p, i, j);
	}
	return 0;
}

int
audit_pack_write(struct db *db, int64_t funder, FILE *out, uint64_t *size, struct error *e)
{
	struct pack p = { .db = db, .funder = funder, .out = out };
	int rc = db_read(db, pack_work, &p, e);

	if (rc == 0 && (p.failed || fflush(out) != 0))
		rc = error_set(e, 500, "EXPORT_ERROR", "cannot write the audit pack");
	if (rc == 0 && size != NULL)
		*size = p.latest.size;
	free(p.campaigns.v);
	free(p.seqs.v);
	free(p.sizes.v);
	free(p.leaves);
	return rc;
}
