/* ledger verify (audit_verify), checkpoints and receipts on a real SQLite
 * file, including tampering behind the program's back: each change must be
 * found and the broken entry named. */
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
#include <sqlite3.h>
#include "audit.h"
#include "checkpoint.h"
#include "db.h"
#include "home.h"
#include "temp_home.h"
#include "keys.h"
#include "ledger.h"
#include "receipt.h"

#define ENTRIES 40

struct fixture {
	char dir[TEMP_HOME_DIR_SIZE];
	struct home home;
};

static int
open_accounts(struct db *db, void *ctx, struct error *e)
{
	(void)ctx;
	return ledger_account_open(db, ACCOUNT_FUNDER_BALANCE, 1, "F", e) ||
	    ledger_account_open(db, ACCOUNT_FUNDER_ORDERS, 1, "F", e) ||
	    ledger_account_open(db, ACCOUNT_BANK, 0, NULL, e);
}

static int
append_entry(struct db *db, void *ctx, struct error *e)
{
	struct ledger_entry *entry = ctx;

	return ledger_append(db, entry, NULL, e);
}

struct checkpoint_work {
	const char *home;
	int64_t now;
	struct checkpoint cp;
};

static int
make_checkpoint(struct db *db, void *ctx, struct error *e)
{
	struct checkpoint_work *w = ctx;

	return checkpoint_make(db, w->home, w->now, &w->cp, e);
}

/* A home with ENTRIES entries (orders and credits) and checkpoints at 10,
 * 20, 30 and 40. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct error e;

	temp_home_create(f->dir, "audit", &f->home, 1800000000);
	assert_int_equal(db_write(f->home.db, DB_BUSY_DEFAULT, open_accounts, NULL, &e), 0);
	for (int i = 0; i < ENTRIES; i++) {
		struct ledger_entry entry = { .time = 1800000000 + i };
		int credit = i % 2;
		int64_t amount = credit ? 50 : 100 + i;
		snprintf(entry.kind, sizeof(entry.kind), "%s", credit ? "credit" : "order");
		snprintf(entry.reference, sizeof(entry.reference), "ref-%d", i);
		assert_int_equal(ledger_post(&entry, ACCOUNT_FUNDER_BALANCE, 1, -amount, &e), 0);
		assert_int_equal(ledger_post(&entry, credit ? ACCOUNT_BANK : ACCOUNT_FUNDER_ORDERS,
		    1, amount, &e), 0);
		assert_int_equal(db_write(f->home.db, DB_BUSY_DEFAULT, append_entry, &entry, &e), 0);
		if ((i + 1) % 10 == 0) {
			struct checkpoint_work w = { .home = f->dir, .now = 1800000000 + i };
			assert_int_equal(db_write(f->home.db, DB_BUSY_DEFAULT, make_checkpoint, &w, &e), 0);
			assert_int_equal(w.cp.size, (uint64_t)i + 1);
		}
	}
	/* The registry's record of those funds (ledger verify ties them). */
	assert_int_equal(db_exec(f->home.db,
	    "INSERT INTO funders (id, name, public_name, created_at) VALUES (1, 'F', 'F', 0);"
	    "INSERT INTO funder_funds (funder_id, kind, ref, amount, entry_seq, created_at)"
	    " SELECT 1, e.kind, e.reference, -p.amount, e.seq, 0 FROM entries e"
	    " JOIN postings p ON p.entry_seq = e.seq"
	    " JOIN accounts a ON a.id = p.account_id AND a.code = 'funder:1:balance'", &e), 0);
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

static void
test_sound(void **state)
{
	struct fixture *f = *state;
	struct audit_result r;
	struct error e;

	assert_int_equal(audit_verify(f->home.db, &r, NULL, NULL, &e), 0);
	assert_int_equal(r.entries, ENTRIES);
	assert_int_equal(r.postings, 2 * ENTRIES);
	assert_int_equal(r.checkpoints, 4);
	assert_int_equal(r.failed_seq, -1);
	assert_string_equal(r.failure, "");
}

/* Runs sql as an attacker with the file would: on a connection of its own
 * (the home's refuses such statements: lib/db's authorizer). */
static void
raw_exec(struct fixture *f, const char *sql)
{
	char path[TEMP_HOME_DIR_SIZE + 16];
	sqlite3 *raw;

	snprintf(path, sizeof(path), "%s/passnum.db", f->dir);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	if (sqlite3_exec(raw, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("\"%s\": %s", sql, sqlite3_errmsg(raw));
	sqlite3_close(raw);
}

/* Drops the append-only triggers, runs sql (raw_exec), and expects verify
 * to fail naming entry seq (or -1) with a message containing what. */
static void
tamper(struct fixture *f, const char *sql, int64_t seq, const char *what)
{
	static const char *const drops = "PRAGMA foreign_keys = OFF;"
	    "DROP TRIGGER entries_append_only_update; DROP TRIGGER entries_append_only_delete;"
	    "DROP TRIGGER postings_append_only_update; DROP TRIGGER postings_append_only_delete;"
	    "DROP TRIGGER checkpoints_append_only_update; DROP TRIGGER checkpoints_append_only_delete;"
	    "DROP TRIGGER merkle_nodes_append_only_update; DROP TRIGGER merkle_nodes_append_only_delete;";
	struct audit_result r;
	struct error e;

	raw_exec(f, drops);
	raw_exec(f, sql);
	assert_int_equal(audit_verify(f->home.db, &r, NULL, NULL, &e), 1);
	if (strstr(r.failure, what) == NULL || r.failed_seq != seq)
		fail_msg("after \"%s\": got seq %lld \"%s\"; wanted seq %lld \"%s\"", sql,
		    (long long)r.failed_seq, r.failure, (long long)seq, what);
}

static void
test_changed_amount(void **state)
{
	tamper(*state, "UPDATE postings SET amount = amount + 1 WHERE entry_seq = 7 AND amount > 0;"
	    "UPDATE postings SET amount = amount - 1 WHERE entry_seq = 7 AND amount < 0;",
	    7, "entry 7: its hash does not match");
}

static void
test_unbalanced(void **state)
{
	tamper(*state, "UPDATE postings SET amount = amount + 1 WHERE entry_seq = 12 AND idx = 0",
	    12, "entry 12: its postings do not balance");
}

static void
test_deleted_entry(void **state)
{
	tamper(*state, "DELETE FROM postings WHERE entry_seq = 25; DELETE FROM entries WHERE seq = 25",
	    25, "entry 25 is missing");
}

static void
test_deleted_posting(void **state)
{
	tamper(*state, "DELETE FROM postings WHERE entry_seq = 3 AND idx = 1", 3, "entry 3");
}

static void
test_swapped_rows(void **state)
{
	/* Swap the contents of entries 4 and 6 (leaf hashes travel with them). */
	tamper(*state,
	    "CREATE TEMP TABLE s AS SELECT * FROM entries WHERE seq IN (4, 6);"
	    "UPDATE entries SET (time, kind, reference, memo, leaf_hash) = (SELECT time, kind,"
	    " reference, memo, leaf_hash FROM s WHERE s.seq = 10 - entries.seq) WHERE seq IN (4, 6);",
	    4, "entry 4: its hash does not match");
}

static void
test_edited_checkpoint(void **state)
{
	tamper(*state, "UPDATE checkpoints SET note = replace(note, char(10) || '20' || char(10),"
	    " char(10) || '21' || char(10)) WHERE size = 20", 19, "checkpoint at size 20");
}

static void
test_changed_node(void **state)
{
	tamper(*state, "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 3",
	    15, "Merkle node (level 2, index 3)");
}

static void
test_cached_balance(void **state)
{
	tamper(*state, "UPDATE accounts SET balance = balance + 5 WHERE code = 'funder:1:balance'",
	    -1, "account funder:1:balance");
}

/* Receipts: signed, serialised, parsed back and verified; any change fails. */
/* The ledger and the registry's record of funds must agree. */
static void
test_fund_record(void **state)
{
	struct fixture *f = *state;
	struct audit_result r;
	struct error e;

	raw_exec(f, "DROP TRIGGER funder_funds_no_update;"
	    "UPDATE funder_funds SET amount = amount + 1 WHERE entry_seq = 4");
	assert_int_equal(audit_verify(f->home.db, &r, NULL, NULL, &e), 1);
	assert_non_null(strstr(r.failure, "funder 1: the ledger credited"));
}

static void
test_receipt(void **state)
{
	struct fixture *f = *state;
	struct secret_key secret;
	struct key_info key;
	struct ledger_entry entry;
	struct receipt r, back;
	struct error e;
	json_t *json;
	char *text;

	assert_int_equal(ledger_read(f->home.db, 9, &entry, &e), 0);
	assert_int_equal(keys_load_active(f->home.db, f->dir, KEY_LEDGER, &secret, &key, &e), 0);
	receipt_sign(&r, &entry, secret.bytes, key.key_id);
	secret_key_wipe(&secret);
	json = receipt_to_json(&r);
	text = json_dumps(json, 0);
	json_decref(json);
	json = json_loads(text, 0, NULL);
	assert_int_equal(receipt_from_json(json, &back, &e), 0);
	assert_int_equal(receipt_verify(&back, key.public_key, &e), 0);
	/* A changed amount breaks the hash. */
	json_object_set_new(json_array_get(json_object_get(json_object_get(json, "entry"), "postings"), 0),
	    "amount", json_integer(-1));
	assert_int_equal(receipt_from_json(json, &back, &e), -1);
	json_decref(json);
	/* A changed sequence number breaks the signature. */
	back = r;
	back.entry.seq = 8;
	assert_int_not_equal(receipt_verify(&back, key.public_key, &e), 0);
	free(text);
}

/* The postings' order in the JSON does not matter (the hash covers them
 * sorted, docs/ledger.md); a hash made over unsorted postings is refused;
 * so is any member that the hash or the signature does not cover. */
static void
test_receipt_members_and_order(void **state)
{
	struct fixture *f = *state;
	struct secret_key secret;
	struct key_info key;
	struct ledger_entry entry, unsorted;
	struct receipt r, back;
	struct error e;
	uint8_t buf[8192];
	char hex[2 * MERKLE_HASH_SIZE + 1];
	json_t *json, *postings, *reversed;
	size_t n, len;

	assert_int_equal(ledger_read(f->home.db, 9, &entry, &e), 0);
	assert_true(entry.count >= 2);
	assert_int_equal(keys_load_active(f->home.db, f->dir, KEY_LEDGER, &secret, &key, &e), 0);
	receipt_sign(&r, &entry, secret.bytes, key.key_id);
	/* Reversed postings: still the same receipt. */
	json = receipt_to_json(&r);
	postings = json_object_get(json_object_get(json, "entry"), "postings");
	reversed = json_array();
	for (n = json_array_size(postings); n > 0; n--)
		json_array_append(reversed, json_array_get(postings, n - 1));
	json_object_set_new(json_object_get(json, "entry"), "postings", reversed);
	assert_int_equal(receipt_from_json(json, &back, &e), 0);
	assert_int_equal(receipt_verify(&back, key.public_key, &e), 0);
	json_decref(json);
	/* A receipt whose hash was made over the postings unsorted. */
	unsorted = entry;
	for (size_t i = 0; i < entry.count; i++)
		unsorted.postings[i] = entry.postings[entry.count - 1 - i];
	len = ledger_encode(&unsorted, buf, sizeof(buf));
	merkle_leaf_hash(buf, len, unsorted.leaf_hash);
	receipt_sign(&r, &unsorted, secret.bytes, key.key_id);
	json = receipt_to_json(&r);
	sodium_bin2hex(hex, sizeof(hex), unsorted.leaf_hash, MERKLE_HASH_SIZE);
	json_object_set_new(json_object_get(json, "entry"), "entry_hash", json_string(hex));
	assert_int_equal(receipt_from_json(json, &back, &e), -1);
	assert_string_equal(e.code, "BAD_RECEIPT");
	json_decref(json);
	/* Members nobody verifies: in the entry, a posting, the receipt. */
	receipt_sign(&r, &entry, secret.bytes, key.key_id);
	secret_key_wipe(&secret);
	json = receipt_to_json(&r);
	json_object_set_new(json_object_get(json, "entry"), "extra", json_string("x"));
	assert_int_equal(receipt_from_json(json, &back, &e), -1);
	assert_non_null(strstr(e.message, "does not cover"));
	json_decref(json);
	json = receipt_to_json(&r);
	json_object_set_new(json_array_get(json_object_get(json_object_get(json, "entry"), "postings"), 0),
	    "note", json_string("x"));
	assert_int_equal(receipt_from_json(json, &back, &e), -1);
	json_decref(json);
	json = receipt_to_json(&r);
	json_object_set_new(json, "place", json_string("EPN"));
	assert_int_equal(receipt_from_json(json, &back, &e), -1);
	assert_non_null(strstr(e.message, "does not sign"));
	json_decref(json);
}

static int
revoke_ledger_key(struct db *db, void *ctx, struct error *e)
{
	const int64_t *at = ctx;
	struct keys_ledger keys;
	int rc;

	if (keys_ledger_load(db, &keys, e) != 0)
		return -1;
	rc = keys_revoke(db, keys.keys[0].key_id, *at, *at + 100, e);
	keys_ledger_free(&keys);
	return rc;
}

/* A receipt for entry seq signed with the active ledger key (which must
 * exist), r->entry read from the ledger. */
static void
sign_receipt(struct fixture *f, uint64_t seq, struct receipt *r)
{
	struct secret_key secret;
	struct key_info key;
	struct ledger_entry entry;
	struct error e;

	assert_int_equal(ledger_read(f->home.db, seq, &entry, &e), 0);
	assert_int_equal(keys_load_active(f->home.db, f->dir, KEY_LEDGER, &secret, &key, &e), 0);
	receipt_sign(r, &entry, secret.bytes, key.key_id);
	secret_key_wipe(&secret);
}

/* A revoked ledger key vouches only for receipts and checkpoints the home
 * recorded before its compromise time (entries are at 1800000000 + seq,
 * the checkpoint of size 10n made at 1800000000 + 10n - 1). */
static void
test_revoked_ledger_key(void **state)
{
	struct fixture *f = *state;
	int64_t compromised = 1800000015;
	const struct key_info *used;
	struct checkpoint_verified v;
	struct checkpoint cp;
	struct keys_ledger keys;
	struct receipt early, late, forged;
	struct error e;
	int64_t signed_at;

	sign_receipt(f, 9, &early);
	sign_receipt(f, 19, &late);
	forged = early;
	forged.entry.time = 1700000000; /* an entry the ledger does not hold */
	forged.entry.leaf_hash[0] ^= 1;
	{
		struct secret_key secret;
		struct key_info key;
		assert_int_equal(keys_load_active(f->home.db, f->dir, KEY_LEDGER, &secret, &key, &e), 0);
		receipt_sign(&forged, &forged.entry, secret.bytes, key.key_id);
		secret_key_wipe(&secret);
	}
	assert_int_equal(keys_ledger_load(f->home.db, &keys, &e), 0);
	assert_int_equal(receipt_verify_keys(f->home.db, &late, &keys, &used, &signed_at, &e), 0);
	assert_int_equal(used->status, KEY_ACTIVE);
	keys_ledger_free(&keys);

	assert_int_equal(db_write(f->home.db, DB_BUSY_DEFAULT, revoke_ledger_key, &compromised, &e), 0);
	assert_int_equal(keys_ledger_load(f->home.db, &keys, &e), 0);
	/* Recorded before the compromise: accepted, and said so. */
	assert_int_equal(receipt_verify_keys(f->home.db, &early, &keys, &used, &signed_at, &e), 0);
	assert_int_equal(used->status, KEY_REVOKED);
	assert_int_equal(signed_at, 1800000009);
	/* After it, not recorded, or no home to say when: refused. */
	assert_int_equal(receipt_verify_keys(f->home.db, &late, &keys, &used, &signed_at, &e), -1);
	assert_string_equal(e.code, "KEY_REVOKED");
	assert_non_null(strstr(e.message, "compromised since 2027-01-15T08:00:15Z"));
	assert_int_equal(receipt_verify_keys(f->home.db, &forged, &keys, &used, &signed_at, &e), -1);
	assert_string_equal(e.code, "KEY_REVOKED");
	assert_int_equal(receipt_verify_keys(NULL, &early, &keys, &used, &signed_at, &e), -1);
	assert_string_equal(e.code, "KEY_REVOKED");
	/* The same for checkpoints. */
	assert_int_equal(checkpoint_covering(f->home.db, 10, &cp, &e), 0);
	assert_int_equal(checkpoint_verify_note(f->home.db, cp.note, strlen(cp.note),
	    "test.example/ledger", &keys, &v, &e), 0);
	assert_int_equal(v.size, 10);
	assert_int_equal(v.key->status, KEY_REVOKED);
	assert_int_equal(v.signed_at, 1800000009);
	assert_int_equal(checkpoint_verify_note(NULL, cp.note, strlen(cp.note),
	    "test.example/ledger", &keys, &v, &e), -1);
	assert_string_equal(e.code, "KEY_REVOKED");
	assert_int_equal(checkpoint_covering(f->home.db, 20, &cp, &e), 0);
	assert_int_equal(checkpoint_verify_note(f->home.db, cp.note, strlen(cp.note),
	    "test.example/ledger", &keys, &v, &e), -1);
	assert_string_equal(e.code, "KEY_REVOKED");
	assert_non_null(strstr(e.message, "the checkpoint is signed by ledger key"));
	keys_ledger_free(&keys);
}

/* One cadence for the CLI and the daemon: 10,000 entries or 60 s unless
 * the home's settings say otherwise. */
static void
test_cadence(void **state)
{
	struct fixture *f = *state;
	int64_t entries, seconds;
	struct error e;
	int made;

	assert_int_equal(checkpoint_cadence(f->home.db, &entries, &seconds, &e), 0);
	assert_int_equal(entries, 10000);
	assert_int_equal(seconds, 60);
	assert_int_equal(db_exec(f->home.db, "INSERT INTO settings (name, value) VALUES"
	    " ('checkpoint_every_entries', '100'), ('checkpoint_every_seconds', '300')", &e), 0);
	assert_int_equal(checkpoint_cadence(f->home.db, &entries, &seconds, &e), 0);
	assert_int_equal(entries, 100);
	assert_int_equal(seconds, 300);
	/* checkpoint_if_due runs its own transaction and refuses inside one. */
	assert_int_equal(db_write_begin(f->home.db, DB_BUSY_DEFAULT, &e), 0);
	assert_int_equal(checkpoint_if_due(f->home.db, f->dir, 1900000000, 1, 1, &made, &e), -1);
	assert_string_equal(e.code, "STORE_BUG");
	assert_int_equal(db_write_end(f->home.db, -1, &e), -1);
	assert_int_equal(checkpoint_if_due(f->home.db, f->dir, 1900000000, 1, 1, &made, &e), 0);
	assert_int_equal(made, 0); /* the checkpoint of size 40 covers the ledger */
}

static int
rotate_ledger_key(struct db *db, void *ctx, struct error *e)
{
	struct checkpoint_work *w = ctx;

	return keys_rotate(db, w->home, KEY_LEDGER, "test.example/ledger", w->now, NULL, e);
}

static int
append_and_checkpoint(struct db *db, void *ctx, struct error *e)
{
	struct checkpoint_work *w = ctx;
	struct ledger_entry entry = { .time = w->now };

	snprintf(entry.kind, sizeof(entry.kind), "order");
	snprintf(entry.reference, sizeof(entry.reference), "ref-last");
	if (ledger_post(&entry, ACCOUNT_FUNDER_BALANCE, 1, -1, e) != 0 ||
	    ledger_post(&entry, ACCOUNT_FUNDER_ORDERS, 1, 1, e) != 0 ||
	    ledger_append(db, &entry, NULL, e) != 0 ||
	    db_run(db, "INSERT INTO funder_funds (funder_id, kind, ref, amount, entry_seq, created_at)"
	    " VALUES (1, 'order', 'ref-last', 1, ?1, 0)", DB_ARGS(DB_INT(entry.seq)), e) != 0)
		return -1;
	return checkpoint_make(db, w->home, w->now, &w->cp, e);
}

/* Every ledger key counts, however many rotations: a checkpoint signed by
 * the 19th ledger key verifies. */
static void
test_many_ledger_keys(void **state)
{
	struct fixture *f = *state;
	struct checkpoint_work w = { .home = f->dir, .now = 1800001000 };
	struct audit_result r;
	struct error e;

	for (int64_t i = 0; i < 18; i++) {
		struct checkpoint_work rotation = { .home = f->dir, .now = 1800000100 + i };
		assert_int_equal(db_write(f->home.db, DB_BUSY_DEFAULT, rotate_ledger_key, &rotation, &e),
		    0);
	}
	if (db_write(f->home.db, DB_BUSY_DEFAULT, append_and_checkpoint, &w, &e) != 0)
		fail_msg("append and checkpoint: %s", e.message);
	assert_int_equal(w.cp.size, ENTRIES + 1);
	assert_int_equal(audit_verify(f->home.db, &r, NULL, NULL, &e), 0);
	assert_int_equal(r.checkpoints, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_amount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbalanced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_posting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapped_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cached_balance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fund_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_members_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_ledger_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cadence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_ledger_keys, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
