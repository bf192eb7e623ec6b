#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "checkpoint.h"
#include "published.h"
#include "db.h"
#include "home.h"
#include "keys.h"
#include "registry.h"

/* Reads a row (size, root, note, created_at) into the checkpoint ctx. */
static int
checkpoint_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct checkpoint *cp = ctx;

	(void)e;
	memset(cp, 0, sizeof(*cp));
	cp->size = (uint64_t)db_row_int64(row, 0);
	db_row_blob(row, 1, cp->root, MERKLE_HASH_SIZE);
	db_row_text(row, 2, cp->note, sizeof(cp->note));
	cp->created_at = db_row_int64(row, 3);
	return 0;
}

/* Runs a one-row checkpoint query; 404 NO_CHECKPOINT when there is none. */
static int
checkpoint_query(struct db *db, const char *sql, const struct db_value *args,
    struct checkpoint *cp, struct error *e)
{
	int rc = db_one(db, sql, args, checkpoint_row, cp, e);

	if (rc == 0)
		return error_set(e, 404, "NO_CHECKPOINT", "no checkpoint covers this yet");
	return rc == 1 ? 0 : -1;
}

int
checkpoint_latest(struct db *db, struct checkpoint *cp, struct error *e)
{
	return checkpoint_query(db, "SELECT size, root, note, created_at FROM checkpoints"
	    " ORDER BY size DESC LIMIT 1", DB_NO_ARGS, cp, e);
}

int
checkpoint_covering(struct db *db, uint64_t size, struct checkpoint *cp, struct error *e)
{
	return checkpoint_query(db, "SELECT size, root, note, created_at FROM checkpoints"
	    " WHERE size >= ?1 ORDER BY size LIMIT 1", DB_ARGS(DB_INT(size)), cp, e);
}

struct checkpoint_each {
	int (*fn)(const struct checkpoint *cp, void *ctx);
	void *ctx;
	struct checkpoint cp;
};

static int
checkpoint_each_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct checkpoint_each *each = ctx;

	checkpoint_row(row, &each->cp, e);
	return each->fn(&each->cp, each->ctx) != 0 ? -1 : 0;
}

int
checkpoint_each(struct db *db, int (*fn)(const struct checkpoint *cp, void *ctx), void *ctx,
    struct error *e)
{
	struct checkpoint_each each = { .fn = fn, .ctx = ctx };

	return db_each(db, "SELECT size, root, note, created_at FROM checkpoints ORDER BY size",
	    DB_NO_ARGS, checkpoint_each_row, &each, e);
}

/* Signs a note for the tree of cp->size (root set) with the active ledger
 * key into cp->note; *key_row gets that key's row id. */
static int
checkpoint_sign(struct db *db, const char *home, struct checkpoint *cp, int64_t *key_row,
    struct error *e)
{
	struct operator_info op;
	struct secret_key secret;
	struct key_info key;
	size_t len;
	int rc;

	if (home_operator(db, &op, e) != 0 ||
	    keys_load_active(db, home, KEY_LEDGER, &secret, &key, e) != 0)
		return -1;
	rc = note_checkpoint_sign(op.origin, cp->size, cp->root, secret.bytes, cp->note,
	    sizeof(cp->note), &len, e);
	secret_key_wipe(&secret);
	if (rc != 0)
		return -1;
	rc = db_int64(db, "SELECT id FROM ledger_keys WHERE public_key = ?1",
	    DB_ARGS(DB_BLOB(key.public_key, 32)), key_row, e);
	if (rc != 1)
		return rc < 0 ? -1 : error_set(e, 500, "NO_ACTIVE_KEY", "the ledger key vanished");
	return 0;
}

int
checkpoint_make(struct db *db, const char *home, int64_t now, struct checkpoint *cp,
    struct error *e)
{
	int64_t key_row;
	uint64_t size;

	if (DB_IN_WRITE(db, e) != 0 || ledger_size(db, &size, e) != 0)
		return -1;
	if (checkpoint_latest(db, cp, NULL) == 0 && cp->size == size)
		return 0;
	memset(cp, 0, sizeof(*cp));
	cp->size = size;
	cp->created_at = now;
	if (ledger_root(db, cp->size, cp->root, e) != 0 ||
	    checkpoint_sign(db, home, cp, &key_row, e) != 0)
		return -1;
	return db_run(db, "INSERT INTO checkpoints (size, root, note, ledger_key, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", DB_ARGS(DB_INT(cp->size),
	    DB_BLOB(cp->root, MERKLE_HASH_SIZE), DB_TEXT(cp->note), DB_INT(key_row), DB_INT(now)), e);
}

int
checkpoint_cadence(struct db *db, int64_t *entries, int64_t *seconds, struct error *e)
{
	if (registry_setting_int(db, "checkpoint_every_entries", CHECKPOINT_EVERY_ENTRIES, entries,
	    e) != 0 ||
	    registry_setting_int(db, "checkpoint_every_seconds", CHECKPOINT_EVERY_SECONDS, seconds,
	    e) != 0)
		return -1;
	return 0;
}

struct checkpoint_due {
	const char *home;
	int64_t now;
	struct checkpoint cp;
};

static int
checkpoint_make_work(struct db *db, void *ctx, struct error *e)
{
	struct checkpoint_due *due = ctx;

	return checkpoint_make(db, due->home, due->now, &due->cp, e);
}

int
checkpoint_if_due(struct db *db, const char *home, int64_t now, int64_t every_entries,
    int64_t every_seconds, int *made, struct error *e)
{
	struct checkpoint_due due = { .home = home, .now = now };
	struct checkpoint latest;
	uint64_t size;
	int have;

	if (made != NULL)
		*made = 0;
	if (db_writing(db))
		return error_set(e, 500, "STORE_BUG",
		    "bug: checkpoint_if_due inside a write transaction");
	if (ledger_size(db, &size, e) != 0)
		return -1;
	have = checkpoint_latest(db, &latest, NULL) == 0;
	if (size == 0 || (have && latest.size == size))
		return 0;
	if (have && size - latest.size < (uint64_t)every_entries &&
	    now - latest.created_at < every_seconds)
		return 0;
	if (db_write(db, DB_BUSY_DEFAULT, checkpoint_make_work, &due, e) != 0)
		return -1;
	if (made != NULL)
		*made = 1;
	return published_sync(db, home, e); /* the rollback guard's record (published.h) */
}

/* When the home made a checkpoint of size and root: 0 with *made_at set
 * (KEYS_TIME_UNKNOWN when it holds none), or -1 on a database error. */
static int
checkpoint_made_at(struct db *db, uint64_t size, const uint8_t root[MERKLE_HASH_SIZE],
    int64_t *made_at, struct error *e)
{
	*made_at = KEYS_TIME_UNKNOWN;
	if (db == NULL)
		return 0;
	return db_int64(db, "SELECT created_at FROM checkpoints WHERE size = ?1 AND root = ?2",
	    DB_ARGS(DB_INT(size), DB_BLOB(root, MERKLE_HASH_SIZE)), made_at, e) < 0 ? -1 : 0;
}

int
checkpoint_verify_note(struct db *db, const char *note, size_t len, const char *origin,
    const struct keys_ledger *keys, struct checkpoint_verified *out, struct error *e)
{
	const struct key_info *revoked = NULL;

	memset(out, 0, sizeof(*out));
	out->signed_at = KEYS_TIME_UNKNOWN;
	if (keys->count == 0)
		return error_set(e, 422, "BAD_CHECKPOINT", "no ledger key to check the checkpoint with");
	for (size_t i = 0; i < keys->count; i++) {
		const struct key_info *k = &keys->keys[i];
		if (note_checkpoint_verify(note, len, origin, origin, k->public_key, &out->size,
		    out->root, i + 1 == keys->count && revoked == NULL ? e : NULL) != 0)
			continue;
		if (k->status == KEY_REVOKED && revoked == NULL &&
		    checkpoint_made_at(db, out->size, out->root, &out->signed_at, e) != 0)
			return -1;
		if (keys_vouches(k, out->signed_at)) {
			out->key = k;
			return 0;
		}
		revoked = k;
	}
	if (revoked == NULL)
		return -1;
	return keys_revoked_error(revoked, "the checkpoint", out->signed_at == KEYS_TIME_UNKNOWN ?
	    "this home holds no such checkpoint, so when it was signed is unknown" :
	    "this home made it after that", e);
}
