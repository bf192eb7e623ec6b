#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "clock.h"
#include "db.h"
#include "ledger.h"

/* The chart of accounts (docs/ledger.md). sign: +1 for debit-normal accounts
 * (assets), -1 for credit-normal ones (what is owed to others). A guarded
 * account may never cross zero against its normal side. */
static const struct {
	const char *code;     /* printf format with the owner id, or a fixed code */
	const char *pcg;      /* French PCG account for the FEC export */
	const char *label;    /* CompteLib */
	int owned;            /* 1: one account per owner */
	int sign;
	int guarded;
} chart[ACCOUNT_KIND_COUNT] = {
	[ACCOUNT_BANK] = { "bank", "512", "Banque, fonds des financeurs", 0, 1, 0 },
	[ACCOUNT_PAYOUTS] = { "payouts", "580", "Virements aux lieux en cours", 0, 1, 0 },
	[ACCOUNT_SUSPENSE] = { "suspense", "471", "Compte d'attente, lignes bancaires", 0, 1, 0 },
	[ACCOUNT_FUNDER_BALANCE] = { "funder:%lld:balance", "4671", "Financeurs, soldes disponibles", 1, -1, 1 },
	[ACCOUNT_FUNDER_ORDERS] = { "funder:%lld:orders", "411", "Financeurs, commandes à payer", 1, 1, 1 },
	[ACCOUNT_FUNDER_CREDIT] = { "funder:%lld:credit-notes", "4198", "Financeurs, avoirs à rembourser", 1, -1, 1 },
	[ACCOUNT_OUTSTANDING] = { "campaign:%lld:outstanding", "4672", "Pass en circulation", 1, -1, 1 },
	[ACCOUNT_PAYEE] = { "payee:%lld", "401", "Lieux, remboursements dus", 1, -1, 1 },
	[ACCOUNT_FEES] = { "fees", "706", "Prestations de l'opérateur", 0, -1, 0 },
	[ACCOUNT_VAT] = { "vat", "44571", "TVA collectée", 0, -1, 0 },
	[ACCOUNT_PAYOUTS_TRANSIT] = { "payouts-in-transit", "4678", "Virements aux lieux ordonnés, non débités", 0, -1, 1 },
	[ACCOUNT_TAKEOVER_CLAIM] = { "takeover-claim", "467", "Créance sur l'ancien opérateur", 0, 1, 1 },
	[ACCOUNT_FUNDER_INVOICED] = { "funder:%lld:invoiced", "411", "Financeurs, factures à encaisser", 1, 1, 1 },
	[ACCOUNT_VAT_PENDING] = { "vat-pending", "4458", "TVA en attente (exigible à l'encaissement)", 0, -1, 1 },
	[ACCOUNT_REFUNDS_TRANSIT] = { "refunds-in-transit", "4678", "Remboursements aux financeurs ordonnés, non débités", 0, -1, 1 },
	[ACCOUNT_BANK_OPERATING] = { "bank-operating", "5122", "Banque, compte de fonctionnement", 0, 1, 0 },
	[ACCOUNT_BANK_CHARGES] = { "bank-charges", "627", "Services bancaires", 0, 1, 0 },
	[ACCOUNT_OPERATOR_FLOAT] = { "operator:float:%lld", "8018", "Avances de l'opérateur, factures de pass non payées", 1, 1, 1 },
	[ACCOUNT_FLOAT_COUNTERPART] = { "float-counterpart", "8091", "Contrepartie des avances de l'opérateur", 0, -1, 1 },
};

static const char *const kind_names[ACCOUNT_KIND_COUNT] = {
	"bank", "payouts", "suspense", "funder-balance", "funder-orders", "funder-credit-notes",
	"outstanding", "payee", "fees", "vat", "payouts-in-transit", "takeover-claim",
	"funder-invoiced", "vat-pending", "refunds-in-transit", "bank-operating", "bank-charges",
	"operator-float", "float-counterpart",
};

int
ledger_account_lookup(const char *code, const char **kind, const char **pcg, int *rule)
{
	for (int k = 0; k < ACCOUNT_KIND_COUNT; k++) {
		char again[LEDGER_ACCOUNT_MAX + 1];
		const char *digits = strchr(chart[k].code, '%');
		long long owner = 0;

		if (!chart[k].owned) {
			if (strcmp(code, chart[k].code) != 0)
				continue;
		} else if (strncmp(code, chart[k].code, (size_t)(digits - chart[k].code)) != 0 ||
		    sscanf(code + (digits - chart[k].code), "%lld", &owner) != 1 || owner <= 0)
			continue;
		else {
			snprintf(again, sizeof(again), chart[k].code, owner);
			if (strcmp(again, code) != 0)
				continue;
		}
		*kind = kind_names[k];
		*pcg = chart[k].pcg;
		*rule = chart[k].guarded ? chart[k].sign : 0;
		return 0;
	}
	return -1;
}

void
ledger_account_code(enum ledger_account_kind kind, int64_t owner, char *out)
{
	if (chart[kind].owned)
		snprintf(out, LEDGER_ACCOUNT_MAX + 1, chart[kind].code, (long long)owner);
	else
		snprintf(out, LEDGER_ACCOUNT_MAX + 1, "%s", chart[kind].code);
}

int
ledger_account_open(struct db *db, enum ledger_account_kind kind, int64_t owner,
    const char *name, struct error *e)
{
	char code[LEDGER_ACCOUNT_MAX + 1], label[256];

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	ledger_account_code(kind, owner, code);
	if (name != NULL && *name != '\0')
		snprintf(label, sizeof(label), "%s - %s", chart[kind].label, name);
	else
		snprintf(label, sizeof(label), "%s", chart[kind].label);
	return db_run(db, "INSERT INTO accounts (code, kind, owner_id, pcg, name, min_zero, max_zero)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (code) DO NOTHING",
	    DB_ARGS(DB_TEXT(code), DB_TEXT(kind_names[kind]),
	    chart[kind].owned ? DB_INT(owner) : DB_NULL, DB_TEXT(chart[kind].pcg), DB_TEXT(label),
	    DB_INT(chart[kind].guarded && chart[kind].sign > 0),
	    DB_INT(chart[kind].guarded && chart[kind].sign < 0)), e);
}

struct ledger_accounts {
	int (*fn)(const struct ledger_account *a, void *ctx);
	void *ctx;
};

static int
ledger_account_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct ledger_accounts *each = ctx;
	struct ledger_account a;

	(void)e;
	a.id = db_row_int64(row, 0);
	db_row_text(row, 1, a.code, sizeof(a.code));
	db_row_text(row, 2, a.kind, sizeof(a.kind));
	a.owner = db_row_int64(row, 3);
	db_row_text(row, 4, a.pcg, sizeof(a.pcg));
	db_row_text(row, 5, a.name, sizeof(a.name));
	a.balance = db_row_int64(row, 6);
	return each->fn(&a, each->ctx) != 0 ? -1 : 0;
}

int
ledger_accounts_each(struct db *db, int (*fn)(const struct ledger_account *a, void *ctx),
    void *ctx, struct error *e)
{
	struct ledger_accounts each = { fn, ctx };

	return db_each(db, "SELECT id, code, kind, COALESCE(owner_id, 0), pcg, name, balance"
	    " FROM accounts ORDER BY code", DB_NO_ARGS, ledger_account_row, &each, e);
}

int
ledger_balance(struct db *db, const char *account, int64_t *balance, struct error *e)
{
	*balance = 0;
	return db_int64(db, "SELECT balance FROM accounts WHERE code = ?1",
	    DB_ARGS(DB_TEXT(account)), balance, e) < 0 ? -1 : 0;
}

int
ledger_post(struct ledger_entry *entry, enum ledger_account_kind kind, int64_t owner,
    int64_t amount, struct error *e)
{
	if (entry->count >= LEDGER_MAX_POSTINGS)
		return error_set(e, 500, "LEDGER_ERROR", "too many postings in one entry");
	if (amount == 0)
		return error_set(e, 500, "LEDGER_ERROR", "a posting of zero");
	ledger_account_code(kind, owner, entry->postings[entry->count].account);
	entry->postings[entry->count++].amount = amount;
	return 0;
}

static int
posting_compare(const void *a, const void *b)
{
	const struct ledger_posting *x = a, *y = b;
	int c = strcmp(x->account, y->account);

	if (c != 0)
		return c;
	return (x->amount > y->amount) - (x->amount < y->amount);
}

void
ledger_canonicalise(struct ledger_entry *entry)
{
	qsort(entry->postings, entry->count, sizeof(entry->postings[0]), posting_compare);
}

static size_t
put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
	return 8;
}

static size_t
put_string(uint8_t *p, const char *s)
{
	uint32_t len = (uint32_t)strlen(s);

	p[0] = (uint8_t)(len >> 24);
	p[1] = (uint8_t)(len >> 16);
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	memcpy(p + 4, s, len);
	return 4 + len;
}

size_t
ledger_encode(const struct ledger_entry *entry, uint8_t *out, size_t cap)
{
	size_t need = strlen(LEDGER_DOMAIN) + 8 + 8 + 4 + strlen(entry->kind) + 4 +
	    strlen(entry->reference) + 4 + strlen(entry->memo) + 4, n = 0;

	for (size_t i = 0; i < entry->count; i++)
		need += 4 + strlen(entry->postings[i].account) + 8;
	if (need > cap)
		return 0;
	memcpy(out, LEDGER_DOMAIN, strlen(LEDGER_DOMAIN));
	n += strlen(LEDGER_DOMAIN);
	n += put_u64(out + n, entry->seq);
	n += put_u64(out + n, (uint64_t)entry->time);
	n += put_string(out + n, entry->kind);
	n += put_string(out + n, entry->reference);
	n += put_string(out + n, entry->memo);
	out[n++] = (uint8_t)(entry->count >> 24);
	out[n++] = (uint8_t)(entry->count >> 16);
	out[n++] = (uint8_t)(entry->count >> 8);
	out[n++] = (uint8_t)entry->count;
	for (size_t i = 0; i < entry->count; i++) {
		n += put_string(out + n, entry->postings[i].account);
		n += put_u64(out + n, (uint64_t)entry->postings[i].amount);
	}
	return n;
}

static int
ledger_node_row(const struct db_row *row, void *ctx, struct error *e)
{
	(void)e;
	return db_row_blob(row, 0, ctx, MERKLE_HASH_SIZE);
}

int
ledger_node_get(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
	return db_one(ctx, "SELECT hash FROM merkle_nodes WHERE level = ?1 AND idx = ?2",
	    DB_ARGS(DB_INT(level), DB_INT(index)), ledger_node_row, out, NULL) == 1 ? 0 : -1;
}

static int
ledger_node_put(void *ctx, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_SIZE])
{
	return db_run(ctx, "INSERT INTO merkle_nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
	    DB_ARGS(DB_INT(level), DB_INT(index), DB_BLOB(hash, MERKLE_HASH_SIZE)), NULL);
}

int
ledger_size(struct db *db, uint64_t *size, struct error *e)
{
	int64_t n = 0;

	if (db_int64(db, "SELECT COALESCE(MAX(seq) + 1, 0) FROM entries", DB_NO_ARGS, &n, e) != 1)
		return -1;
	*size = (uint64_t)n;
	return 0;
}

bool
ledger_postings_allowed(const char *kind, size_t count)
{
	if (strcmp(kind, LEDGER_KIND_ROLLBACK) == 0)
		return count == 0;
	return count >= 2 && count <= LEDGER_MAX_POSTINGS;
}

/* Checks what can be checked without the database: texts, postings, sum. */
static int
ledger_check_entry(const struct ledger_entry *entry, struct error *e)
{
	int64_t sum = 0;

	if (entry->kind[0] == '\0' || strlen(entry->kind) > LEDGER_KIND_MAX ||
	    strlen(entry->reference) > LEDGER_TEXT_MAX || strlen(entry->memo) > LEDGER_TEXT_MAX)
		return error_set(e, 500, "LEDGER_ERROR", "an entry's kind, reference or memo is malformed");
	if (!ledger_postings_allowed(entry->kind, entry->count))
		return error_set(e, 500, "LEDGER_ERROR", "an entry needs 2 to %d postings (a rollback none)",
		    LEDGER_MAX_POSTINGS);
	for (size_t i = 0; i < entry->count; i++) {
		int64_t amount = entry->postings[i].amount;
		if (amount == 0 || amount > LEDGER_AMOUNT_MAX || amount < -LEDGER_AMOUNT_MAX ||
		    __builtin_add_overflow(sum, amount, &sum))
			return error_set(e, 500, "LEDGER_ERROR", "an entry's amounts are zero or overflow");
	}
	if (sum != 0)
		return error_set(e, 500, "LEDGER_ERROR", "an entry's postings do not balance (%lld)",
		    (long long)sum);
	return 0;
}

/* Applies one posting to its account's balance in one statement; the
 * schema's CHECKs enforce the balance rules and bounds. Writes the account
 * id to *id. */
static int
ledger_apply(struct db *db, const struct ledger_posting *p, int64_t *id, struct error *e)
{
	struct error local;
	int rc = db_int64(db, "UPDATE accounts SET balance = balance + ?2 WHERE code = ?1 RETURNING id",
	    DB_ARGS(DB_TEXT(p->account), DB_INT(p->amount)), id, &local);

	if (rc == 1)
		return 0;
	if (rc == 0)
		return error_set(e, 500, "LEDGER_ERROR", "no account %s", p->account);
	if (local.status == 409)
		return error_set(e, 409, "INSUFFICIENT_BALANCE", "refused: the balance of %s would go"
		    " below zero", p->account);
	if (e != NULL)
		*e = local;
	return -1;
}

/* Brings cache to the current head, reloading it from the stored nodes
 * unless it has the head's size and its smallest right-edge subtree (the
 * one holding the last leaf) matches the stored node. */
static int
ledger_state(struct db *db, uint64_t size, struct merkle_state *cache, struct error *e)
{
	uint8_t stored[MERKLE_HASH_SIZE];

	if (cache->size == size) {
		if (size == 0)
			return 0;
		unsigned level = (unsigned)__builtin_ctzll(size);
		int last = __builtin_popcountll(size) - 1;
		if (ledger_node_get(db, level, (size >> level) - 1, stored) == 0 &&
		    memcmp(stored, cache->roots[last], MERKLE_HASH_SIZE) == 0)
			return 0;
	}
	return merkle_state_load(cache, size, ledger_node_get, db, e);
}

/* Stores entry (seq and leaf hash set) and its postings, applying each to
 * its account's balance. */
static int
ledger_store(struct db *db, const struct ledger_entry *entry, struct error *e)
{
	if (db_run(db, "INSERT INTO entries (seq, time, kind, reference, memo, leaf_hash)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", DB_ARGS(DB_INT(entry->seq), DB_INT(entry->time),
	    DB_TEXT(entry->kind), DB_TEXT(entry->reference), DB_TEXT(entry->memo),
	    DB_BLOB(entry->leaf_hash, MERKLE_HASH_SIZE)), e) != 0)
		return -1;
	for (size_t i = 0; i < entry->count; i++) {
		int64_t account = 0;
		if (ledger_apply(db, &entry->postings[i], &account, e) != 0 ||
		    db_run(db, "INSERT INTO postings (entry_seq, idx, account_id, amount)"
		    " VALUES (?1, ?2, ?3, ?4)", DB_ARGS(DB_INT(entry->seq), DB_INT(i), DB_INT(account),
		    DB_INT(entry->postings[i].amount)), e) != 0)
			return -1;
	}
	return 0;
}

int
ledger_append(struct db *db, struct ledger_entry *entry, struct merkle_state *cache,
    struct error *e)
{
	struct merkle_state local, next;
	uint8_t encoded[LEDGER_MAX_POSTINGS * (LEDGER_ACCOUNT_MAX + 12) + 3 * LEDGER_TEXT_MAX + 64];
	size_t len;
	uint64_t size;

	if (DB_IN_WRITE(db, e) != 0 || ledger_check_entry(entry, e) != 0)
		return -1;
	if (cache == NULL) {
		merkle_state_init(&local);
		local.size = UINT64_MAX;
		cache = &local;
	}
	/* The head is re-read in each transaction (the CLI and passnumd may
	 * take turns), but not after this transaction's own last append. */
	if (cache->size != UINT64_MAX && cache->write_token != 0 &&
	    cache->write_token == db_write_token(db))
		size = cache->size;
	else if (ledger_size(db, &size, e) != 0 || ledger_state(db, size, cache, e) != 0)
		return -1;
	ledger_canonicalise(entry);
	entry->seq = size;
	len = ledger_encode(entry, encoded, sizeof(encoded));
	merkle_leaf_hash(encoded, len, entry->leaf_hash);
	if (ledger_store(db, entry, e) != 0) {
		db_write_token_renew(db);
		return -1;
	}
	next = *cache;
	if (merkle_state_append(&next, entry->leaf_hash, ledger_node_put, db) != 0) {
		cache->size = UINT64_MAX;
		return error_set(e, 503, "STORE_ERROR", "cannot store the Merkle nodes of entry %llu",
		    (unsigned long long)entry->seq);
	}
	*cache = next;
	/* Any other cache of this transaction is now behind: renew the token. */
	cache->write_token = db_write_token_renew(db);
	return 0;
}

static int
ledger_entry_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct ledger_entry *entry = ctx;

	(void)e;
	entry->time = db_row_int64(row, 0);
	db_row_text(row, 1, entry->kind, sizeof(entry->kind));
	db_row_text(row, 2, entry->reference, sizeof(entry->reference));
	db_row_text(row, 3, entry->memo, sizeof(entry->memo));
	db_row_blob(row, 4, entry->leaf_hash, MERKLE_HASH_SIZE);
	return 0;
}

static int
ledger_posting_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct ledger_entry *entry = ctx;

	if (entry->count >= LEDGER_MAX_POSTINGS)
		return error_set(e, 500, "LEDGER_ERROR", "entry %llu holds more than %d postings,"
		    " more than passnum writes: refused rather than read cut short", (unsigned long long)entry->seq,
		    LEDGER_MAX_POSTINGS);
	db_row_text(row, 0, entry->postings[entry->count].account, LEDGER_ACCOUNT_MAX + 1);
	entry->postings[entry->count++].amount = db_row_int64(row, 1);
	return 0;
}

int
ledger_read(struct db *db, uint64_t seq, struct ledger_entry *entry, struct error *e)
{
	int rc;

	memset(entry, 0, sizeof(*entry));
	entry->seq = seq;
	rc = db_one(db, "SELECT time, kind, reference, memo, leaf_hash FROM entries WHERE seq = ?1",
	    DB_ARGS(DB_INT(seq)), ledger_entry_row, entry, e);
	if (rc != 1)
		return rc < 0 ? -1 : error_set(e, 404, "NO_ENTRY", "there is no entry %llu",
		    (unsigned long long)seq);
	return db_each(db, "SELECT a.code, p.amount FROM postings p"
	    " JOIN accounts a ON a.id = p.account_id WHERE p.entry_seq = ?1 ORDER BY p.idx",
	    DB_ARGS(DB_INT(seq)), ledger_posting_row, entry, e);
}

/* Refuses a tree size beyond the ledger (404 BEYOND_LEDGER) in a clear
 * sentence, before the tree is read. */
static int
ledger_size_within(struct db *db, uint64_t size, struct error *e)
{
	uint64_t entries;

	if (ledger_size(db, &entries, e) != 0)
		return -1;
	if (size > entries)
		return error_set(e, 404, "BEYOND_LEDGER", "size %llu is beyond the ledger's %llu"
		    " entr%s", (unsigned long long)size, (unsigned long long)entries,
		    entries == 1 ? "y" : "ies");
	return 0;
}

int
ledger_root(struct db *db, uint64_t size, uint8_t root[MERKLE_HASH_SIZE], struct error *e)
{
	if (ledger_size_within(db, size, e) != 0)
		return -1;
	return merkle_root(ledger_node_get, db, size, root, e);
}

int
ledger_inclusion_proof(struct db *db, uint64_t seq, uint64_t size,
    uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE], size_t *count, struct error *e)
{
	if (ledger_size_within(db, size, e) != 0)
		return -1;
	if (seq >= size)
		return error_set(e, 404, "NOT_IN_TREE", "entry %llu is not in the tree of size %llu"
		    " (entries 0 to %llu)", (unsigned long long)seq, (unsigned long long)size,
		    (unsigned long long)(size > 0 ? size - 1 : 0));
	return merkle_inclusion_proof(ledger_node_get, db, seq, size, proof, count, e);
}

int
ledger_consistency_proof(struct db *db, uint64_t size1, uint64_t size2,
    uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE], size_t *count, struct error *e)
{
	if (ledger_size_within(db, size2, e) != 0)
		return -1;
	return merkle_consistency_proof(ledger_node_get, db, size1, size2, proof, count, e);
}

json_t *
ledger_proof_json(const uint8_t proof[][MERKLE_HASH_SIZE], size_t count)
{
	char hex[2 * MERKLE_HASH_SIZE + 1];
	json_t *list = json_array();

	for (size_t i = 0; i < count; i++) {
		sodium_bin2hex(hex, sizeof(hex), proof[i], MERKLE_HASH_SIZE);
		json_array_append_new(list, json_string(hex));
	}
	return list;
}

json_t *
ledger_entry_to_json(const struct ledger_entry *entry)
{
	char time[CLOCK_INSTANT_SIZE], hash[2 * MERKLE_HASH_SIZE + 1];
	json_t *postings = json_array();

	clock_instant_format(entry->time, time);
	sodium_bin2hex(hash, sizeof(hash), entry->leaf_hash, MERKLE_HASH_SIZE);
	for (size_t i = 0; i < entry->count; i++)
		json_array_append_new(postings, json_pack("{s:s, s:I}", "account",
		    entry->postings[i].account, "amount", (json_int_t)entry->postings[i].amount));
	return json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:o, s:s}",
	    "seq", (json_int_t)entry->seq, "time", time, "time_unix", (json_int_t)entry->time,
	    "kind", entry->kind, "reference", entry->reference, "memo", entry->memo,
	    "postings", postings, "entry_hash", hash);
}

/* Copies a JSON string member into out (size bytes); -1 when absent or too long. */
static int
ledger_json_string(const json_t *obj, const char *name, char *out, size_t size)
{
	const char *s = json_string_value(json_object_get(obj, name));

	if (s == NULL || strlen(s) >= size)
		return -1;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* Decodes a hex JSON string member of exactly size bytes. */
static int
ledger_json_hex(const json_t *obj, const char *name, uint8_t *out, size_t size)
{
	const char *s = json_string_value(json_object_get(obj, name));
	size_t len;

	if (s == NULL || strlen(s) != 2 * size ||
	    sodium_hex2bin(out, size, s, strlen(s), NULL, &len, NULL) != 0 || len != size)
		return -1;
	return 0;
}

int
ledger_json_only(const json_t *json, const char *const allowed[])
{
	const char *key;
	json_t *value;

	if (!json_is_object(json))
		return -1;
	json_object_foreach((json_t *)json, key, value) {
		size_t i;
		for (i = 0; allowed[i] != NULL && strcmp(allowed[i], key) != 0; i++)
			;
		if (allowed[i] == NULL)
			return -1;
	}
	return 0;
}

int
ledger_entry_from_json(const json_t *json, struct ledger_entry *entry, struct error *e)
{
	static const char *const members[] = {
		"seq", "time", "time_unix", "kind", "reference", "memo", "postings", "entry_hash", NULL,
	};
	static const char *const posting_members[] = { "account", "amount", NULL };
	const json_t *postings = json_object_get(json, "postings"), *p;
	const char *shown = json_string_value(json_object_get(json, "time"));
	uint8_t buf[8192], hash[MERKLE_HASH_SIZE];
	char time[CLOCK_INSTANT_SIZE];
	json_int_t seq;
	size_t i, len;

	memset(entry, 0, sizeof(*entry));
	if (ledger_json_only(json, members) != 0)
		return error_set(e, 422, "BAD_RECEIPT",
		    "the entry has a member that its hash does not cover: it was altered");
	seq = json_integer_value(json_object_get(json, "seq"));
	if (!json_is_integer(json_object_get(json, "seq")) || seq < 0 ||
	    !json_is_integer(json_object_get(json, "time_unix")) ||
	    ledger_json_string(json, "kind", entry->kind, sizeof(entry->kind)) != 0 ||
	    ledger_json_string(json, "reference", entry->reference, sizeof(entry->reference)) != 0 ||
	    ledger_json_string(json, "memo", entry->memo, sizeof(entry->memo)) != 0 ||
	    ledger_json_hex(json, "entry_hash", entry->leaf_hash, MERKLE_HASH_SIZE) != 0 ||
	    !json_is_array(postings) || json_array_size(postings) > LEDGER_MAX_POSTINGS)
		return error_set(e, 422, "BAD_RECEIPT", "the entry is malformed");
	entry->seq = (uint64_t)seq;
	entry->time = json_integer_value(json_object_get(json, "time_unix"));
	clock_instant_format(entry->time, time);
	if (shown == NULL || strcmp(shown, time) != 0)
		return error_set(e, 422, "BAD_RECEIPT",
		    "the entry's time does not match its time_unix: it was altered");
	json_array_foreach(postings, i, p) {
		if (ledger_json_only(p, posting_members) != 0)
			return error_set(e, 422, "BAD_RECEIPT",
			    "posting %zu has a member that the hash does not cover: it was altered", i);
		if (ledger_json_string(p, "account", entry->postings[i].account,
		    sizeof(entry->postings[i].account)) != 0 ||
		    !json_is_integer(json_object_get(p, "amount")))
			return error_set(e, 422, "BAD_RECEIPT", "posting %zu is malformed", i);
		entry->postings[i].amount = json_integer_value(json_object_get(p, "amount"));
		entry->count++;
	}
	/* The hash covers the postings in their canonical order (docs/ledger.md),
	 * whatever their order in the JSON. */
	ledger_canonicalise(entry);
	len = ledger_encode(entry, buf, sizeof(buf));
	merkle_leaf_hash(buf, len, hash);
	if (len == 0 || sodium_memcmp(hash, entry->leaf_hash, MERKLE_HASH_SIZE) != 0)
		return error_set(e, 422, "BAD_RECEIPT",
		    "the entry's hash does not match its fields: it was altered");
	return 0;
}
