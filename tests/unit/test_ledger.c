/* The ledger module on a real SQLite file: appends, balance rules, the
 * append-only triggers, the canonical encoding and the Merkle tree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>
#include "db.h"
#include "export.h"
#include "home.h"
#include "temp_home.h"
#include "ledger.h"
#include "merkle.h"

struct fixture {
	char dir[TEMP_HOME_DIR_SIZE];
	struct home home;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	temp_home_create(f->dir, "ledger", &f->home, 1800000000);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	temp_home_remove(f->dir, &f->home);
	free(f);
	return 0;
}

/* An entry moving amount from a funder's balance to campaign 1's outstanding. */
static void
make_issue(struct ledger_entry *entry, int64_t amount)
{
	memset(entry, 0, sizeof(*entry));
	entry->time = 1800000000;
	strcpy(entry->kind, "issue");
	strcpy(entry->reference, "batch:1");
	assert_int_equal(ledger_post(entry, ACCOUNT_FUNDER_BALANCE, 1, amount, NULL), 0);
	assert_int_equal(ledger_post(entry, ACCOUNT_OUTSTANDING, 1, -amount, NULL), 0);
}

static void
make_order(struct ledger_entry *entry, int64_t amount)
{
	memset(entry, 0, sizeof(*entry));
	entry->time = 1800000000;
	strcpy(entry->kind, "order");
	strcpy(entry->reference, "BC-2027-001");
	assert_int_equal(ledger_post(entry, ACCOUNT_FUNDER_ORDERS, 1, amount, NULL), 0);
	assert_int_equal(ledger_post(entry, ACCOUNT_FUNDER_BALANCE, 1, -amount, NULL), 0);
}

static int
open_accounts(struct db *db, void *ctx, struct error *e)
{
	(void)ctx;
	return ledger_account_open(db, ACCOUNT_FUNDER_BALANCE, 1, "F", e) ||
	    ledger_account_open(db, ACCOUNT_FUNDER_ORDERS, 1, "F", e) ||
	    ledger_account_open(db, ACCOUNT_OUTSTANDING, 1, "C", e);
}

static int
append_one(struct db *db, void *ctx, struct error *e)
{
	return ledger_append(db, ctx, NULL, e);
}

static void
test_append_and_rules(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->home.db;
	struct ledger_entry entry, back;
	struct error e;
	int64_t balance;
	uint64_t size;

	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, open_accounts, NULL, &e), 0);
	/* Issuing without a balance is refused, and nothing is written. */
	make_issue(&entry, 1000);
	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, append_one, &entry, &e), -1);
	assert_string_equal(e.code, "INSUFFICIENT_BALANCE");
	assert_int_equal(ledger_size(db, &size, &e), 0);
	assert_int_equal(size, 0);

	make_order(&entry, 5000);
	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, append_one, &entry, &e), 0);
	assert_int_equal(entry.seq, 0);
	make_issue(&entry, 1000);
	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, append_one, &entry, &e), 0);
	assert_int_equal(entry.seq, 1);
	assert_int_equal(ledger_balance(db, "funder:1:balance", &balance, &e), 0);
	assert_int_equal(balance, -4000);
	assert_int_equal(ledger_balance(db, "campaign:1:outstanding", &balance, &e), 0);
	assert_int_equal(balance, -1000);

	/* Unbalanced, single-posting and unknown-account entries are refused. */
	make_issue(&entry, 100);
	entry.postings[1].amount = -99;
	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, append_one, &entry, &e), -1);
	make_issue(&entry, 100);
	entry.count = 1;
	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, append_one, &entry, &e), -1);
	make_issue(&entry, 100);
	strcpy(entry.postings[0].account, "funder:99:balance");
	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, append_one, &entry, &e), -1);
	/* Overflowing amounts are refused. */
	make_issue(&entry, INT64_MAX);
	entry.postings[entry.count].amount = INT64_MAX;
	strcpy(entry.postings[entry.count++].account, "campaign:1:outstanding");
	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, append_one, &entry, &e), -1);
	assert_int_equal(ledger_size(db, &size, &e), 0);
	assert_int_equal(size, 2);

	/* Read back: canonical order, same leaf hash as a fresh encoding. */
	assert_int_equal(ledger_read(db, 1, &back, &e), 0);
	assert_string_equal(back.kind, "issue");
	assert_int_equal(back.count, 2);
	assert_string_equal(back.postings[0].account, "campaign:1:outstanding");
	assert_int_equal(back.postings[0].amount, -1000);
	{
		uint8_t buf[4096], hash[32];
		size_t len = ledger_encode(&back, buf, sizeof(buf));
		assert_true(len > 0);
		merkle_leaf_hash(buf, len, hash);
		assert_memory_equal(hash, back.leaf_hash, 32);
	}
	assert_int_equal(ledger_read(db, 2, &back, &e), -1);
	assert_int_equal(e.status, 404);
}

static void
test_append_only(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->home.db;
	struct ledger_entry entry;
	struct error e;
	static const char *const tampering[] = {
		"UPDATE entries SET memo = 'x' WHERE seq = 0",
		"DELETE FROM entries WHERE seq = 0",
		"UPDATE postings SET amount = 1 WHERE entry_seq = 0",
		"DELETE FROM postings",
		"UPDATE merkle_nodes SET hash = zeroblob(32)",
		"DELETE FROM merkle_nodes",
		"INSERT INTO entries (seq, time, kind, reference, memo, leaf_hash)"
		" VALUES (5, 0, 'x', '', '', zeroblob(32))",
	};

	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, open_accounts, NULL, &e), 0);
	make_order(&entry, 100);
	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, append_one, &entry, &e), 0);
	for (size_t i = 0; i < sizeof(tampering) / sizeof(tampering[0]); i++) {
		assert_int_equal(db_exec(db, tampering[i], &e), -1);
	}
}

struct many {
	int n;
};

static int
append_many(struct db *db, void *ctx, struct error *e)
{
	struct merkle_state cache;
	struct many *m = ctx;

	merkle_state_init(&cache);
	for (int i = 0; i < m->n; i++) {
		struct ledger_entry entry;
		make_order(&entry, 100 + i);
		/* Alternate between a kept cache and none: both must agree. */
		if (ledger_append(db, &entry, (i % 3) ? &cache : NULL, e) != 0)
			return -1;
	}
	return 0;
}

/* The root of every size equals the RFC 9162 root recomputed from the
 * entries' encodings, and every inclusion proof verifies. */
static void
test_tree(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->home.db;
	struct many m = { 70 };
	uint8_t leaves[70][32];
	struct error e;

	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, open_accounts, NULL, &e), 0);
	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, append_many, &m, &e), 0);
	for (int i = 0; i < m.n; i++) {
		struct ledger_entry entry;
		uint8_t buf[4096];
		assert_int_equal(ledger_read(db, (uint64_t)i, &entry, &e), 0);
		merkle_leaf_hash(buf, ledger_encode(&entry, buf, sizeof(buf)), leaves[i]);
		assert_memory_equal(leaves[i], entry.leaf_hash, 32);
	}
	for (uint64_t size = 1; size <= (uint64_t)m.n; size++) {
		uint8_t root[32], proof[MERKLE_PROOF_MAX][32];
		size_t count;
		assert_int_equal(ledger_root(db, size, root, &e), 0);
		for (uint64_t i = 0; i < size; i += 7) {
			assert_int_equal(ledger_inclusion_proof(db, i, size, proof, &count, &e), 0);
			assert_int_equal(merkle_verify_inclusion(leaves[i], i, size,
			    (const uint8_t (*)[32])proof, count, root), 0);
			leaves[i][0] ^= 1;
			assert_int_not_equal(merkle_verify_inclusion(leaves[i], i, size,
			    (const uint8_t (*)[32])proof, count, root), 0);
			leaves[i][0] ^= 1;
		}
	}
}

/* Known answers of the canonical encoding (docs/ledger.md, "Vectors"). */
static void
test_encoding_vectors(void **state)
{
	static const struct {
		uint64_t seq;
		int64_t time;
		const char *kind, *reference, *memo;
		enum ledger_account_kind a1, a2;
		int64_t o1, o2, amount;
		const char *encoding, *leaf;
	} vectors[] = {
		{ 0, 1800000000, "order", "BC-2027-001", "", ACCOUNT_FUNDER_ORDERS, ACCOUNT_FUNDER_BALANCE,
		  1, 1, 500000,
		  "706173736e756d2d656e7472792d76310000000000000000000000006b49d200000000056f72646572"
		  "0000000b42432d323032372d30303100000000000000020000001066756e6465723a313a62616c616e"
		  "6365fffffffffff85ee00000000f66756e6465723a313a6f7264657273000000000007a120",
		  "3309642151fb01d6869cf3de7b0b0894aa3be452ec384e51868a85016ef47606" },
		{ 7, 1805000000, "redeem", "redemption:12", "Pass utilis\xc3\xa9s", ACCOUNT_OUTSTANDING,
		  ACCOUNT_PAYEE, 3, 4, 2000,
		  "706173736e756d2d656e7472792d76310000000000000007000000006b961d400000000672656465656d"
		  "0000000d726564656d7074696f6e3a31320000000e50617373207574696c6973c3a97300000002000000"
		  "1663616d706169676e3a333a6f75747374616e64696e6700000000000007d00000000770617965653a34"
		  "fffffffffffff830",
		  "eda07c07285b2e4b7238c9517413f5be04f0534fa538c175ef0e319da058ab18" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct ledger_entry entry = { .seq = vectors[i].seq, .time = vectors[i].time };
		uint8_t buf[1024], hash[32];
		char hex[2048];
		size_t len;

		strcpy(entry.kind, vectors[i].kind);
		strcpy(entry.reference, vectors[i].reference);
		strcpy(entry.memo, vectors[i].memo);
		/* Posted in the "wrong" order: canonicalisation must sort them. */
		assert_int_equal(ledger_post(&entry, vectors[i].a2, vectors[i].o2, -vectors[i].amount,
		    NULL), 0);
		assert_int_equal(ledger_post(&entry, vectors[i].a1, vectors[i].o1, vectors[i].amount,
		    NULL), 0);
		ledger_canonicalise(&entry);
		len = ledger_encode(&entry, buf, sizeof(buf));
		sodium_bin2hex(hex, sizeof(hex), buf, len);
		assert_string_equal(hex, vectors[i].encoding);
		merkle_leaf_hash(buf, len, hash);
		sodium_bin2hex(hex, sizeof(hex), hash, 32);
		assert_string_equal(hex, vectors[i].leaf);
		assert_int_equal(ledger_encode(&entry, buf, len - 1), 0);
	}
}

/* An entry stored with more postings than an entry may hold (written behind
 * the module's back) is refused by ledger_read, never read cut short. */
static void
test_read_refuses_too_many_postings(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->home.db;
	struct ledger_entry entry;
	struct error e;

	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, open_accounts, NULL, &e), 0);
	make_order(&entry, 100);
	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, append_one, &entry, &e), 0);
	assert_int_equal(ledger_read(db, 0, &entry, &e), 0);
	assert_int_equal(entry.count, 2);
	/* 31 more: 33 postings, one more than LEDGER_MAX_POSTINGS. */
	assert_int_equal(db_exec(db, "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n"
	    " WHERE i < 32) INSERT INTO postings (entry_seq, idx, account_id, amount)"
	    " SELECT 0, i, (SELECT id FROM accounts WHERE code = 'funder:1:orders'), 1 FROM n", &e), 0);
	assert_int_equal(ledger_read(db, 0, &entry, &e), -1);
	assert_int_equal(e.status, 500);
	assert_string_equal(e.code, "LEDGER_ERROR");
	assert_non_null(strstr(e.message, "entry 0 holds more than 32 postings"));
}

/* ledger_proof_json: one lowercase hex string per hash, in order. */
static void
test_proof_json(void **state)
{
	uint8_t proof[2][MERKLE_HASH_SIZE];
	json_t *list;

	(void)state;
	memset(proof[0], 0xab, MERKLE_HASH_SIZE);
	memset(proof[1], 0x01, MERKLE_HASH_SIZE);
	list = ledger_proof_json((const uint8_t (*)[MERKLE_HASH_SIZE])proof, 2);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_array_get(list, 0)),
	    "abababababababababababababababababababababababababababababababab");
	assert_string_equal(json_string_value(json_array_get(list, 1)),
	    "0101010101010101010101010101010101010101010101010101010101010101");
	json_decref(list);
	list = ledger_proof_json(NULL, 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

/* Writing outside a write transaction is a bug the module refuses. */
static void
test_append_needs_a_transaction(void **state)
{
	struct fixture *f = *state;
	struct ledger_entry entry;
	struct error e;

	make_order(&entry, 100);
	assert_int_equal(ledger_append(f->home.db, &entry, NULL, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_int_equal(ledger_account_open(f->home.db, ACCOUNT_BANK, 0, NULL, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
}

/* Sizes beyond the ledger are refused clearly, never as a tree error. */
static void
test_proof_beyond_ledger(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->home.db;
	struct many m = { 12 };
	uint8_t root[32], proof[MERKLE_PROOF_MAX][32];
	size_t count;
	struct error e;

	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, open_accounts, NULL, &e), 0);
	assert_int_equal(db_write(db, DB_BUSY_DEFAULT, append_many, &m, &e), 0);
	assert_int_equal(ledger_inclusion_proof(db, 3, 999, proof, &count, &e), -1);
	assert_string_equal(e.code, "BEYOND_LEDGER");
	assert_string_equal(e.message, "size 999 is beyond the ledger's 12 entries");
	assert_int_equal(ledger_root(db, 13, root, &e), -1);
	assert_string_equal(e.code, "BEYOND_LEDGER");
	assert_int_equal(ledger_consistency_proof(db, 2, 13, proof, &count, &e), -1);
	assert_string_equal(e.code, "BEYOND_LEDGER");
	assert_int_equal(ledger_inclusion_proof(db, 12, 12, proof, &count, &e), -1);
	assert_string_equal(e.code, "NOT_IN_TREE");
	assert_int_equal(ledger_inclusion_proof(db, 11, 12, proof, &count, &e), 0);
	assert_int_equal(ledger_root(db, 12, root, &e), 0);
}

/* export_fec_label of entry with kind, reference and memo. */
static void
fec_label_is(const char *kind, const char *reference, const char *memo, const char *want)
{
	struct ledger_entry entry;
	char label[440];

	make_order(&entry, 100);
	snprintf(entry.kind, sizeof(entry.kind), "%s", kind);
	snprintf(entry.reference, sizeof(entry.reference), "%s", reference);
	snprintf(entry.memo, sizeof(entry.memo), "%s", memo);
	export_fec_label(&entry, label, sizeof(label));
	assert_string_equal(label, want);
}

/* The FEC's French wording comes from kind, reference and the memo's
 * numbers; an unknown kind or wording keeps the memo (tabs made spaces). */
static void
test_fec_labels(void **state)
{
	(void)state;
	fec_label_is("issue", "batch:4", "issue of 100 passes, campaign 1",
	    "Émission de 100 pass, campagne 1");
	fec_label_is("redeem", "redemption:6", "place:1 service:atelier passes:1 request:6399eb",
	    "Remboursement lieu 1, service atelier, 1 pass");
	fec_label_is("cancel", "redemption:5", "cancels entry 12",
	    "Annulation de l'écriture 12 (remboursement 5)");
	fec_label_is("revoke", "campaign:2", "revocation (opposition) of lost or stolen passes",
	    "Opposition de pass perdus ou volés, campagne 2");
	fec_label_is("expire", "campaign:3", "expiry of unused passes as of 2027-03-12",
	    "Expiration des pass non utilisés au 12/03/2027, campagne 3");
	fec_label_is("order", "BC-2027-001", "Commande d'un financeur",
	    "Commande du financeur 1, réf. BC-2027-001");
	fec_label_is("credit", "VIR\t1", "Fonds recus d'un financeur",
	    "Fonds reçus du financeur 1, réf. VIR 1");
	fec_label_is("issue", "batch:4", "another wording", "another wording");
	fec_label_is("settle", "payout:1", "virement\tgroupé", "virement groupé");
}

/* The operator's identifiers are checked alone (pure) and against each
 * other. */
static void
test_operator_identifiers(void **state)
{
	struct operator_info op = { .name = "X" };
	struct error e;

	(void)state;
	assert_int_equal(home_operator_parse(&op, HOME_OP_VAT_NUMBER, "fr 11 123 456 782", &e), 0);
	assert_string_equal(op.vat_number, "FR11123456782");
	assert_int_equal(home_operator_parse(&op, HOME_OP_VAT_NUMBER, "FR12123456782", &e), -1);
	assert_string_equal(e.code, "BAD_VAT_NUMBER");
	assert_string_equal(op.vat_number, "");
	assert_int_equal(home_operator_parse(&op, HOME_OP_VAT_NUMBER, "FR11123456789", &e), -1);
	assert_int_equal(home_operator_parse(&op, HOME_OP_RCS, "rcs  Saint-Denis  123456782", &e), 0);
	assert_string_equal(op.rcs, "RCS Saint-Denis 123 456 782");
	assert_int_equal(home_operator_parse(&op, HOME_OP_RCS, "RCS 123456782", &e), -1);
	assert_int_equal(home_operator_parse(&op, HOME_OP_RCS, "RC Paris 123456782", &e), -1);
	assert_int_equal(home_operator_parse(&op, HOME_OP_CAPITAL, "37000.5", &e), 0);
	assert_true(op.capital_known);
	assert_int_equal(op.capital_cents, 3700050);
	assert_int_equal(home_operator_parse(&op, HOME_OP_CAPITAL, "", &e), 0);
	assert_false(op.capital_known);
	assert_int_equal(home_operator_parse(&op, HOME_OP_NAME, "", &e), -1);
	assert_string_equal(op.name, "X");
	assert_int_equal(home_operator_parse(&op, HOME_OP_SIREN, "123 456 782", &e), 0);
	assert_int_equal(home_operator_consistent(&op, &e), 0);
	assert_int_equal(home_operator_parse(&op, HOME_OP_SIRET, "73282932000074", &e), 0);
	assert_int_equal(home_operator_consistent(&op, &e), -1);
	assert_string_equal(e.code, "OPERATOR_MISMATCH");
	assert_int_equal(home_operator_parse(&op, HOME_OP_SIRET, "12345678200002", &e), 0);
	assert_int_equal(home_operator_consistent(&op, &e), 0);
	assert_int_equal(home_operator_parse(&op, HOME_OP_RCS, "RCS Paris 732 829 320", &e), 0);
	assert_int_equal(home_operator_consistent(&op, &e), -1);
}

/* The SIREN is fixed once a FEC export is recorded (by the lib and by the
 * schema's trigger); other fields still change, each change recorded. */
static int
operator_siren_work(struct db *db, void *ctx, struct error *e)
{
	const struct operator_info *values = ctx;
	int changed;

	return home_operator_update(db, values, 1u << HOME_OP_SIREN, "user:test", 1800000000,
	    &changed, e);
}

static int
operator_fec_work(struct db *db, void *ctx, struct error *e)
{
	return home_operator_fec_exported(db, *(int64_t *)ctx, e);
}

static void
test_operator_siren_fixed(void **state)
{
	struct fixture *f = *state;
	struct operator_info values = { .name = "X", .siren = "123456782" }, op;
	int64_t first = 1800000100, later = 1800000200;
	struct error e;
	json_t *changes;

	assert_int_equal(db_write(f->home.db, DB_BUSY_DEFAULT, operator_siren_work, &values, &e), 0);
	assert_int_equal(db_write(f->home.db, DB_BUSY_DEFAULT, operator_fec_work, &first, &e), 0);
	assert_int_equal(db_write(f->home.db, DB_BUSY_DEFAULT, operator_fec_work, &later, &e), 0);
	assert_int_equal(home_operator(f->home.db, &op, &e), 0);
	assert_int_equal(op.fec_exported_at, first);
	strcpy(values.siren, "732829320");
	assert_int_equal(db_write(f->home.db, DB_BUSY_DEFAULT, operator_siren_work, &values, &e), -1);
	assert_string_equal(e.code, "SIREN_FIXED");
	strcpy(values.siren, "123456782");
	assert_int_equal(db_write(f->home.db, DB_BUSY_DEFAULT, operator_siren_work, &values, &e), 0);
	assert_non_null(changes = home_operator_changes_json(f->home.db, &e));
	assert_int_equal(json_array_size(changes), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(changes, 0),
	    "changed_by")), "user:test");
	json_decref(changes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_and_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
		cmocka_unit_test(test_encoding_vectors),
		cmocka_unit_test_setup_teardown(test_read_refuses_too_many_postings, setup, teardown),
		cmocka_unit_test(test_proof_json),
		cmocka_unit_test_setup_teardown(test_append_needs_a_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proof_beyond_ledger, setup, teardown),
		cmocka_unit_test(test_fec_labels),
		cmocka_unit_test(test_operator_identifiers),
		cmocka_unit_test_setup_teardown(test_operator_siren_fixed, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
