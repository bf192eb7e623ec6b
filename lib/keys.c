#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "clock.h"
#include "db.h"
#include "keys.h"
#include "keyset.h"
#include "note.h"

void
keys_issuer_key_id(const uint8_t public_key[32], uint8_t key_id[4])
{
	uint8_t hash[32];

	crypto_generichash(hash, sizeof(hash), public_key, 32, NULL, 0);
	memcpy(key_id, hash, 4);
}

void
secret_key_wipe(struct secret_key *key)
{
	sodium_memzero(key->bytes, sizeof(key->bytes));
}

static const char *const key_status_names[] = { "active", "retired", "revoked" };

void
keys_id_hex(const uint8_t key_id[4], char out[9])
{
	sodium_bin2hex(out, 9, key_id, 4);
}

int
keys_id_parse(const char *text, uint8_t key_id[4])
{
	size_t len;

	if (strlen(text) != 8 || sodium_hex2bin(key_id, 4, text, 8, NULL, &len, NULL) != 0 || len != 4)
		return -1;
	return 0;
}

static enum key_status
keys_status_parse(const char *text)
{
	for (int s = KEY_ACTIVE; s <= KEY_REVOKED; s++)
		if (strcmp(text, key_status_names[s]) == 0)
			return (enum key_status)s;
	return KEY_REVOKED;
}

/* Writes secret to HOME/keys/name, created with O_EXCL|O_NOFOLLOW, mode 0600,
 * and synced. Returns 0 or -1 with e set (nothing left behind). */
static int
keys_write_secret(const char *home, const char *name, const struct secret_key *secret,
    struct error *e)
{
	char dir[4096], path[4200];
	int fd, dirfd;

	snprintf(dir, sizeof(dir), "%s/keys", home);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return error_set(e, 500, "KEY_FILE", "cannot create %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(e, 500, "KEY_FILE", "cannot create %s: %s", path, strerror(errno));
	if (write(fd, secret->bytes, sizeof(secret->bytes)) != (ssize_t)sizeof(secret->bytes) ||
	    fsync(fd) != 0) {
		error_set(e, 500, "KEY_FILE", "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0) {
		fsync(dirfd);
		close(dirfd);
	}
	return 0;
}

/* Reads HOME/keys/name into secret and checks it matches public_key. */
static int
keys_read_secret(const char *home, const char *name, const uint8_t public_key[32],
    struct secret_key *secret, struct error *e)
{
	char path[4200];
	struct stat st;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "%s/keys/%s", home, name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(e, 500, "KEY_FILE", "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
		close(fd);
		return error_set(e, 500, "KEY_FILE", "%s must be readable by its owner only (mode 0600)",
		    path);
	}
	got = read(fd, secret->bytes, sizeof(secret->bytes));
	close(fd);
	if (got != (ssize_t)sizeof(secret->bytes) ||
	    sodium_memcmp(secret->bytes + 32, public_key, 32) != 0) {
		secret_key_wipe(secret);
		return error_set(e, 500, "KEY_FILE", "%s does not hold the expected key", path);
	}
	return 0;
}

/* Records info (a new key of kind, stored in file) as the active key,
 * retiring the previous active one. */
static int
keys_record(struct db *db, const struct key_info *info, const char *file, struct error *e)
{
	static const char *const retire[] = {
		"UPDATE issuer_keys SET status = 'retired', retired_at = ?1 WHERE status = 'active'",
		"UPDATE ledger_keys SET status = 'retired', retired_at = ?1 WHERE status = 'active'",
	};
	static const char *const insert[] = {
		"INSERT INTO issuer_keys (key_id, public_key, status, file, created_at)"
		" VALUES (?1, ?2, 'active', ?3, ?4)",
		"INSERT INTO ledger_keys (key_id, public_key, status, file, created_at)"
		" VALUES (?1, ?2, 'active', ?3, ?4)",
	};

	if (db_run(db, retire[info->kind], DB_ARGS(DB_INT(info->created_at)), e) != 0)
		return -1;
	return db_run(db, insert[info->kind], DB_ARGS(DB_BLOB(info->key_id, 4),
	    DB_BLOB(info->public_key, 32), DB_TEXT(file), DB_INT(info->created_at)), e);
}

int
keys_rotate(struct db *db, const char *home, enum key_kind kind, const char *origin,
    int64_t now, struct key_info *info, struct error *e)
{
	struct secret_key secret;
	struct key_info local = { .kind = kind, .status = KEY_ACTIVE, .created_at = now };
	char file[96], kid[9], path[4200];
	int rc;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	crypto_sign_keypair(local.public_key, secret.bytes);
	if (kind == KEY_ISSUER)
		keys_issuer_key_id(local.public_key, local.key_id);
	else
		note_key_id(origin, local.public_key, local.key_id);
	keys_id_hex(local.key_id, kid);
	snprintf(file, sizeof(file), "%s-%s-%lld.key", kind == KEY_ISSUER ? "issuer" : "ledger",
	    kid, (long long)now);
	rc = keys_write_secret(home, file, &secret, e);
	secret_key_wipe(&secret);
	if (rc != 0)
		return -1;
	if (keys_record(db, &local, file, e) != 0) {
		snprintf(path, sizeof(path), "%s/keys/%s", home, file);
		unlink(path);
		return -1;
	}
	if (info != NULL)
		*info = local;
	return 0;
}

int
keys_revoke(struct db *db, const uint8_t key_id[4], int64_t compromised_at, int64_t now,
    struct error *e)
{
	static const char *const revoke[] = {
		"UPDATE issuer_keys SET status = 'revoked', compromised_at = ?2,"
		" retired_at = COALESCE(retired_at, ?2) WHERE key_id = ?1 AND status <> 'revoked'",
		"UPDATE ledger_keys SET status = 'revoked', compromised_at = ?2,"
		" retired_at = COALESCE(retired_at, ?2) WHERE key_id = ?1 AND status <> 'revoked'",
	};
	int64_t changed = 0;
	char kid[9];

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (compromised_at > now)
		return error_set(e, 400, "BAD_TIME", "the compromise time is in the future");
	for (int kind = KEY_ISSUER; kind <= KEY_LEDGER; kind++) {
		if (db_run(db, revoke[kind], DB_ARGS(DB_BLOB(key_id, 4), DB_INT(compromised_at)), e) != 0)
			return -1;
		changed += db_changes(db);
	}
	if (changed > 0)
		return 0;
	keys_id_hex(key_id, kid);
	return error_set(e, 404, "UNKNOWN_KEY", "no key with id %s that is not already revoked", kid);
}

/* Reads the two integers of one row into the int64_t array ctx. */
static int
keys_counts_row(const struct db_row *row, void *ctx, struct error *e)
{
	int64_t *v = ctx;

	(void)e;
	for (int i = 0; i < 2; i++)
		v[i] = db_row_int64(row, i);
	return 0;
}

int
keys_revoke_impact(struct db *db, const uint8_t key_id[4], int64_t compromised_at,
    struct keys_revoke_impact *out, struct error *e)
{
	static const char *const sql[] = {
		"SELECT COUNT(*), COALESCE(SUM(status = 'active'), 0) FROM issuer_keys"
		" WHERE key_id = ?1 AND status <> 'revoked' AND ?2 IS NOT NULL",
		"SELECT COUNT(*), COALESCE(SUM(status = 'active'), 0) FROM ledger_keys"
		" WHERE key_id = ?1 AND status <> 'revoked' AND ?2 IS NOT NULL",
		"SELECT COALESCE(SUM(v.issued_at < ?2), 0), COALESCE(SUM(v.issued_at >= ?2), 0)"
		" FROM issuer_keys k JOIN batches b ON b.issuer_key = k.id"
		" JOIN vouchers v ON v.batch_id = b.id"
		" WHERE k.key_id = ?1 AND k.status <> 'revoked' AND v.status = 'issued'",
		"SELECT COALESCE(SUM(c.created_at < ?2), 0), COALESCE(SUM(c.created_at >= ?2), 0)"
		" FROM ledger_keys k JOIN checkpoints c ON c.ledger_key = k.id"
		" WHERE k.key_id = ?1 AND k.status <> 'revoked'",
	};
	int64_t v[4][2] = { { 0 } };

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 4; i++)
		if (db_one(db, sql[i], DB_ARGS(DB_BLOB(key_id, 4), DB_INT(compromised_at)),
		    keys_counts_row, v[i], e) < 0)
			return -1;
	out->issuer_keys = v[0][0];
	out->issuer_active = v[0][1] > 0;
	out->ledger_keys = v[1][0];
	out->ledger_active = v[1][1] > 0;
	out->passes_kept = v[2][0];
	out->passes_refused = v[2][1];
	out->checkpoints_kept = v[3][0];
	out->checkpoints_refused = v[3][1];
	return 0;
}

bool
keys_vouches(const struct key_info *key, int64_t signed_at)
{
	if (key->status != KEY_REVOKED)
		return true;
	return signed_at != KEYS_TIME_UNKNOWN && signed_at < key->compromised_at;
}

int
keys_revoked_error(const struct key_info *key, const char *what, const char *why,
    struct error *e)
{
	char kid[9], since[CLOCK_INSTANT_SIZE];

	keys_id_hex(key->key_id, kid);
	clock_instant_format(key->compromised_at, since);
	return error_set(e, 422, "KEY_REVOKED", "%s is signed by %s key %s, revoked (compromised"
	    " since %s), and %s", what, key->kind == KEY_ISSUER ? "issuer" : "ledger", kid, since, why);
}

/* Reads a key row (key_id, public_key, status, created_at, retired_at,
 * compromised_at, ...) into info. */
static void
keys_row(const struct db_row *row, enum key_kind kind, struct key_info *info)
{
	memset(info, 0, sizeof(*info));
	info->kind = kind;
	db_row_blob(row, 0, info->key_id, 4);
	db_row_blob(row, 1, info->public_key, 32);
	info->status = keys_status_parse(db_row_text_ptr(row, 2, NULL));
	info->created_at = db_row_int64(row, 3);
	info->retired_at = db_row_int64(row, 4);
	info->compromised_at = db_row_int64(row, 5);
}

struct keys_each {
	enum key_kind kind;
	int (*fn)(const struct key_info *key, void *ctx);
	void *ctx;
};

static int
keys_list_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct keys_each *each = ctx;
	struct key_info info;

	(void)e;
	keys_row(row, each->kind, &info);
	return each->fn(&info, each->ctx) != 0 ? -1 : 0;
}

int
keys_list(struct db *db, int (*fn)(const struct key_info *key, void *ctx), void *ctx,
    struct error *e)
{
	static const char *const select[] = {
		"SELECT key_id, public_key, status, created_at, retired_at, compromised_at, file"
		" FROM issuer_keys ORDER BY id",
		"SELECT key_id, public_key, status, created_at, retired_at, compromised_at, file"
		" FROM ledger_keys ORDER BY id",
	};
	struct keys_each each = { KEY_ISSUER, fn, ctx };

	for (int kind = KEY_ISSUER; kind <= KEY_LEDGER; kind++) {
		each.kind = (enum key_kind)kind;
		if (db_each(db, select[kind], DB_NO_ARGS, keys_list_row, &each, e) != 0)
			return -1;
	}
	return 0;
}

void
keys_ledger_add(struct keys_ledger *set, const struct key_info *key)
{
	struct key_info *keys = realloc(set->keys, (set->count + 1) * sizeof(*keys));

	if (keys == NULL)
		abort();
	keys[set->count++] = *key;
	set->keys = keys;
}

void
keys_ledger_free(struct keys_ledger *set)
{
	free(set->keys);
	set->keys = NULL;
	set->count = 0;
}

static int
keys_ledger_collect(const struct key_info *key, void *ctx)
{
	if (key->kind == KEY_LEDGER)
		keys_ledger_add(ctx, key);
	return 0;
}

int
keys_ledger_load(struct db *db, struct keys_ledger *set, struct error *e)
{
	set->keys = NULL;
	set->count = 0;
	if (keys_list(db, keys_ledger_collect, set, e) != 0) {
		keys_ledger_free(set);
		return -1;
	}
	return 0;
}

static int
keys_add_issuer(const struct key_info *info, void *ctx)
{
	struct issuer_key key;

	if (info->kind != KEY_ISSUER)
		return 0;
	memcpy(key.public_key, info->public_key, 32);
	memcpy(key.key_id, info->key_id, 4);
	key.status = info->status;
	key.created_at = info->created_at;
	key.compromised_at = info->compromised_at;
	keyset_add(ctx, &key);
	return 0;
}

int
keys_load_issuers(struct db *db, struct keyset *set, struct error *e)
{
	set->keys = NULL;
	set->count = 0;
	if (keys_list(db, keys_add_issuer, set, e) != 0) {
		keyset_free(set);
		return -1;
	}
	return 0;
}

struct keys_active {
	enum key_kind kind;
	struct key_info *info;
	char file[256];
};

static int
keys_active_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct keys_active *a = ctx;

	(void)e;
	keys_row(row, a->kind, a->info);
	db_row_text(row, 6, a->file, sizeof(a->file));
	return 0;
}

int
keys_load_active(struct db *db, const char *home, enum key_kind kind,
    struct secret_key *secret, struct key_info *info, struct error *e)
{
	static const char *const select[] = {
		"SELECT key_id, public_key, status, created_at, retired_at, compromised_at, file"
		" FROM issuer_keys WHERE status = 'active'",
		"SELECT key_id, public_key, status, created_at, retired_at, compromised_at, file"
		" FROM ledger_keys WHERE status = 'active'",
	};
	struct keys_active a = { .kind = kind, .info = info };
	int rc = db_one(db, select[kind], DB_NO_ARGS, keys_active_row, &a, e);

	if (rc <= 0)
		return rc < 0 ? -1 : error_set(e, 503, "NO_ACTIVE_KEY", "there is no active %s key",
		    kind == KEY_ISSUER ? "issuer" : "ledger");
	if (strncmp(a.file, KEYS_TAKEOVER_PREFIX, strlen(KEYS_TAKEOVER_PREFIX)) == 0)
		return error_set(e, 500, "KEY_VERIFY_ONLY", "the active %s key is an imported key,"
		    " which has no secret here", kind == KEY_ISSUER ? "issuer" : "ledger");
	return keys_read_secret(home, a.file, info->public_key, secret, e);
}

int
keys_import_verify_only(struct db *db, const struct key_info *key, struct error *e)
{
	char file[sizeof(KEYS_TAKEOVER_PREFIX) + 64];
	static const char *const status[] = { "active", "retired", "revoked" };
	uint8_t key_id[4];

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (key->kind != KEY_ISSUER || key->status == KEY_ACTIVE)
		return error_set(e, 500, "KEY_VERIFY_ONLY", "only retired or revoked issuer keys are"
		    " imported");
	keys_issuer_key_id(key->public_key, key_id);
	memcpy(file, KEYS_TAKEOVER_PREFIX, strlen(KEYS_TAKEOVER_PREFIX));
	sodium_bin2hex(file + strlen(KEYS_TAKEOVER_PREFIX), 65, key->public_key, 32);
	return db_run(db, "INSERT INTO issuer_keys (key_id, public_key, status, file, created_at,"
	    " retired_at, compromised_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    DB_ARGS(DB_BLOB(key_id, 4), DB_BLOB(key->public_key, 32), DB_TEXT(status[key->status]),
	    DB_TEXT(file), DB_INT(key->created_at), key->retired_at != 0 ? DB_INT(key->retired_at) : DB_NULL,
	    key->status == KEY_REVOKED ? DB_INT(key->compromised_at) : DB_NULL), e);
}
