#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "checkpoint.h"
#include "clock.h"
#include "db.h"
#include "home.h"
#include "keys.h"

static void
checkpoint_row(sqlite3_stmt *stmt, struct checkpoint *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->size = (uint64_t)sqlite3_column_int64(stmt, 0);
	db_column_blob(stmt, 1, cp->root, MERKLE_HASH_SIZE);
	db_column_text(stmt, 2, cp->note, sizeof(cp->note));
	cp->created_at = sqlite3_column_int64(stmt, 3);
}

/* Runs a one-row checkpoint query with an optional size parameter. */
static int
checkpoint_query(struct db *db, const char *sql, int64_t size, struct checkpoint *cp,
    struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db, sql);
	int rc;

	if (size >= 0)
		sqlite3_bind_int64(stmt, 1, size);
	rc = db_step(db, stmt, e);
	if (rc == SQLITE_ROW)
		checkpoint_row(stmt, cp);
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return error_set(e, 404, "NO_CHECKPOINT", "no checkpoint covers this yet");
	return rc == SQLITE_ROW ? 0 : -1;
}

int
checkpoint_latest(struct db *db, struct checkpoint *cp, struct error *e)
{
	return checkpoint_query(db, "SELECT size, root, note, created_at FROM checkpoints"
	    " ORDER BY size DESC LIMIT 1", -1, cp, e);
}

int
checkpoint_covering(struct db *db, uint64_t size, struct checkpoint *cp, struct error *e)
{
	return checkpoint_query(db, "SELECT size, root, note, created_at FROM checkpoints"
	    " WHERE size >= ?1 ORDER BY size LIMIT 1", (int64_t)size, cp, e);
}

int
checkpoint_each(struct db *db, int (*fn)(const struct checkpoint *cp, void *ctx), void *ctx,
    struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT size, root, note, created_at FROM checkpoints ORDER BY size");
	struct checkpoint cp;
	int rc;

	while ((rc = db_step(db, stmt, e)) == SQLITE_ROW) {
		checkpoint_row(stmt, &cp);
		if (fn(&cp, ctx) != 0) {
			sqlite3_reset(stmt);
			return -1;
		}
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct checkpoint_work {
	const char *home;
	int64_t now;
	struct checkpoint *cp;
};

static int
checkpoint_make_work(struct db *db, void *ctx, struct error *e)
{
	struct checkpoint_work *w = ctx;
	struct operator_info op;
	struct secret_key secret;
	struct key_info key;
	struct checkpoint *cp = w->cp;
	sqlite3_stmt *stmt;
	size_t len;
	int64_t key_row;
	uint64_t size;
	int rc;

	if (ledger_size(db, &size, e) != 0)
		return -1;
	if (checkpoint_latest(db, cp, NULL) == 0 && cp->size == size)
		return 0;
	memset(cp, 0, sizeof(*cp));
	cp->size = size;
	if (ledger_root(db, cp->size, cp->root, e) != 0 || home_operator(db, &op, e) != 0 ||
	    keys_load_active(db, w->home, KEY_LEDGER, &secret, &key, e) != 0)
		return -1;
	rc = note_checkpoint_sign(op.origin, cp->size, cp->root, secret.bytes, cp->note,
	    sizeof(cp->note), &len, e);
	secret_key_wipe(&secret);
	if (rc != 0)
		return -1;
	cp->created_at = w->now;
	stmt = db_prepare(db, "SELECT id FROM ledger_keys WHERE public_key = ?1");
	sqlite3_bind_blob(stmt, 1, key.public_key, 32, SQLITE_STATIC);
	rc = db_step(db, stmt, e);
	key_row = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return rc < 0 ? -1 : error_set(e, 500, "NO_ACTIVE_KEY", "the ledger key vanished");
	stmt = db_prepare(db, "INSERT INTO checkpoints (size, root, note, ledger_key, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)");
	sqlite3_bind_int64(stmt, 1, (int64_t)cp->size);
	sqlite3_bind_blob(stmt, 2, cp->root, MERKLE_HASH_SIZE, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, cp->note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, key_row);
	sqlite3_bind_int64(stmt, 5, w->now);
	return db_exec_stmt(db, stmt, e);
}

int
checkpoint_make(struct db *db, const char *home, int64_t now, struct checkpoint *cp,
    struct error *e)
{
	struct checkpoint_work w = { home, now, cp };

	return db_transaction(db, checkpoint_make_work, &w, e);
}

int
checkpoint_if_due(struct db *db, const char *home, int64_t now, int64_t every_entries,
    int64_t every_seconds, int *made, struct error *e)
{
	struct checkpoint latest, cp;
	uint64_t size;
	int have;

	if (made != NULL)
		*made = 0;
	if (ledger_size(db, &size, e) != 0)
		return -1;
	have = checkpoint_latest(db, &latest, NULL) == 0;
	if (size == 0 || (have && latest.size == size))
		return 0;
	if (have && size - latest.size < (uint64_t)every_entries &&
	    now - latest.created_at < every_seconds)
		return 0;
	if (checkpoint_make(db, home, now, &cp, e) != 0)
		return -1;
	if (made != NULL)
		*made = 1;
	return 0;
}

void
receipt_sign(struct receipt *r, const struct ledger_entry *entry,
    const uint8_t secret[NOTE_SECRET_KEY_SIZE], const uint8_t key_id[NOTE_KEY_ID_SIZE])
{
	r->entry = *entry;
	memcpy(r->key_id, key_id, NOTE_KEY_ID_SIZE);
	note_receipt_sign(entry->seq, entry->leaf_hash, secret, r->signature);
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
json_copy_string(const json_t *obj, const char *name, char *out, size_t size)
{
	const char *s = json_string_value(json_object_get(obj, name));

	if (s == NULL || strlen(s) >= size)
		return -1;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* Decodes a hex JSON string member of exactly size bytes. */
static int
json_hex(const json_t *obj, const char *name, uint8_t *out, size_t size)
{
	const char *s = json_string_value(json_object_get(obj, name));
	size_t len;

	if (s == NULL || strlen(s) != 2 * size ||
	    sodium_hex2bin(out, size, s, strlen(s), NULL, &len, NULL) != 0 || len != size)
		return -1;
	return 0;
}

int
ledger_entry_from_json(const json_t *json, struct ledger_entry *entry, struct error *e)
{
	const json_t *postings = json_object_get(json, "postings"), *p;
	const char *shown = json_string_value(json_object_get(json, "time"));
	uint8_t buf[8192], hash[MERKLE_HASH_SIZE];
	char time[CLOCK_INSTANT_SIZE];
	json_int_t seq;
	size_t i, len;

	memset(entry, 0, sizeof(*entry));
	seq = json_integer_value(json_object_get(json, "seq"));
	if (!json_is_integer(json_object_get(json, "seq")) || seq < 0 ||
	    !json_is_integer(json_object_get(json, "time_unix")) ||
	    json_copy_string(json, "kind", entry->kind, sizeof(entry->kind)) != 0 ||
	    json_copy_string(json, "reference", entry->reference, sizeof(entry->reference)) != 0 ||
	    json_copy_string(json, "memo", entry->memo, sizeof(entry->memo)) != 0 ||
	    json_hex(json, "entry_hash", entry->leaf_hash, MERKLE_HASH_SIZE) != 0 ||
	    !json_is_array(postings) || json_array_size(postings) > LEDGER_MAX_POSTINGS)
		return error_set(e, 422, "BAD_RECEIPT", "the entry is malformed");
	entry->seq = (uint64_t)seq;
	entry->time = json_integer_value(json_object_get(json, "time_unix"));
	clock_instant_format(entry->time, time);
	if (shown == NULL || strcmp(shown, time) != 0)
		return error_set(e, 422, "BAD_RECEIPT",
		    "the entry's time does not match its time_unix: it was altered");
	json_array_foreach(postings, i, p) {
		if (json_copy_string(p, "account", entry->postings[i].account,
		    sizeof(entry->postings[i].account)) != 0 ||
		    !json_is_integer(json_object_get(p, "amount")))
			return error_set(e, 422, "BAD_RECEIPT", "posting %zu is malformed", i);
		entry->postings[i].amount = json_integer_value(json_object_get(p, "amount"));
		entry->count++;
	}
	len = ledger_encode(entry, buf, sizeof(buf));
	merkle_leaf_hash(buf, len, hash);
	if (len == 0 || sodium_memcmp(hash, entry->leaf_hash, MERKLE_HASH_SIZE) != 0)
		return error_set(e, 422, "BAD_RECEIPT",
		    "the entry's hash does not match its fields: it was altered");
	return 0;
}

json_t *
receipt_to_json(const struct receipt *r)
{
	char kid[9], sig[sodium_base64_ENCODED_LEN(NOTE_SIGNATURE_SIZE,
	    sodium_base64_VARIANT_ORIGINAL)];
	json_t *obj = json_object();

	keys_id_hex(r->key_id, kid);
	sodium_bin2base64(sig, sizeof(sig), r->signature, NOTE_SIGNATURE_SIZE,
	    sodium_base64_VARIANT_ORIGINAL);
	json_object_set_new(obj, "entry", ledger_entry_to_json(&r->entry));
	json_object_set_new(obj, "key_id", json_string(kid));
	json_object_set_new(obj, "signature", json_string(sig));
	return obj;
}

int
receipt_from_json(const json_t *json, struct receipt *r, struct error *e)
{
	const char *kid = json_string_value(json_object_get(json, "key_id"));
	const char *sig = json_string_value(json_object_get(json, "signature"));
	size_t len;

	memset(r, 0, sizeof(*r));
	if (kid == NULL || keys_id_parse(kid, r->key_id) != 0 || sig == NULL ||
	    sodium_base642bin(r->signature, sizeof(r->signature), sig, strlen(sig), NULL, &len,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || len != NOTE_SIGNATURE_SIZE)
		return error_set(e, 422, "BAD_RECEIPT", "the receipt's key id or signature is malformed");
	return ledger_entry_from_json(json_object_get(json, "entry"), &r->entry, e);
}

int
receipt_verify(const struct receipt *r, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE], struct error *e)
{
	if (note_receipt_verify(r->entry.seq, r->entry.leaf_hash, pub, r->signature) != 0)
		return error_set(e, 422, "BAD_SIGNATURE", "the receipt's signature is not valid");
	return 0;
}
