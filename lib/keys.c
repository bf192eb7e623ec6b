#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "db.h"
#include "keys.h"
#include "note.h"

void
keys_issuer_key_id(const uint8_t public_key[32], uint8_t key_id[4])
{
	uint8_t hash[32];

	crypto_generichash(hash, sizeof(hash), public_key, 32, NULL, 0);
	memcpy(key_id, hash, 4);
}

void
keyset_add(struct keyset *set, const struct issuer_key *key)
{
	struct issuer_key *keys;

	keys = realloc(set->keys, (set->count + 1) * sizeof(*keys));
	if (keys == NULL)
		abort();
	keys[set->count++] = *key;
	set->keys = keys;
}

void
keyset_free(struct keyset *set)
{
	free(set->keys);
	set->keys = NULL;
	set->count = 0;
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
keys_status_parse(const unsigned char *text)
{
	for (int s = KEY_ACTIVE; s <= KEY_REVOKED; s++)
		if (text != NULL && strcmp((const char *)text, key_status_names[s]) == 0)
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

struct keys_rotation {
	enum key_kind kind;
	const char *file;
	struct key_info *info;
};

static int
keys_rotate_work(struct db *db, void *ctx, struct error *e)
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
	struct keys_rotation *r = ctx;
	sqlite3_stmt *stmt;

	stmt = db_prepare(db, retire[r->kind]);
	sqlite3_bind_int64(stmt, 1, r->info->created_at);
	if (db_exec_stmt(db, stmt, e) != 0)
		return -1;
	stmt = db_prepare(db, insert[r->kind]);
	sqlite3_bind_blob(stmt, 1, r->info->key_id, 4, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, r->info->public_key, 32, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, r->file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, r->info->created_at);
	return db_exec_stmt(db, stmt, e);
}

int
keys_rotate(struct db *db, const char *home, enum key_kind kind, const char *origin,
    int64_t now, struct key_info *info, struct error *e)
{
	struct secret_key secret;
	struct key_info local = { .kind = kind, .status = KEY_ACTIVE, .created_at = now };
	struct keys_rotation r = { .kind = kind, .info = &local };
	char file[96], kid[9], path[4200];
	int rc;

	crypto_sign_keypair(local.public_key, secret.bytes);
	if (kind == KEY_ISSUER)
		keys_issuer_key_id(local.public_key, local.key_id);
	else
		note_key_id(origin, local.public_key, local.key_id);
	keys_id_hex(local.key_id, kid);
	snprintf(file, sizeof(file), "%s-%s-%lld.key", kind == KEY_ISSUER ? "issuer" : "ledger",
	    kid, (long long)now);
	r.file = file;
	rc = keys_write_secret(home, file, &secret, e);
	secret_key_wipe(&secret);
	if (rc != 0)
		return -1;
	if (db_transaction(db, keys_rotate_work, &r, e) != 0) {
		snprintf(path, sizeof(path), "%s/keys/%s", home, file);
		unlink(path);
		return -1;
	}
	if (info != NULL)
		*info = local;
	return 0;
}

struct keys_revocation {
	const uint8_t *key_id;
	int64_t compromised_at;
};

static int
keys_revoke_work(struct db *db, void *ctx, struct error *e)
{
	static const char *const revoke[] = {
		"UPDATE issuer_keys SET status = 'revoked', compromised_at = ?2,"
		" retired_at = COALESCE(retired_at, ?2) WHERE key_id = ?1 AND status <> 'revoked'",
		"UPDATE ledger_keys SET status = 'revoked', compromised_at = ?2,"
		" retired_at = COALESCE(retired_at, ?2) WHERE key_id = ?1 AND status <> 'revoked'",
	};
	struct keys_revocation *r = ctx;
	int changed = 0;

	for (int kind = KEY_ISSUER; kind <= KEY_LEDGER; kind++) {
		sqlite3_stmt *stmt = db_prepare(db, revoke[kind]);
		sqlite3_bind_blob(stmt, 1, r->key_id, 4, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, r->compromised_at);
		if (db_exec_stmt(db, stmt, e) != 0)
			return -1;
		changed += sqlite3_changes(db_handle(db));
	}
	if (changed == 0) {
		char kid[9];
		keys_id_hex(r->key_id, kid);
		return error_set(e, 404, "UNKNOWN_KEY", "no key with id %s that is not already revoked",
		    kid);
	}
	return 0;
}

int
keys_revoke(struct db *db, const uint8_t key_id[4], int64_t compromised_at, int64_t now,
    struct error *e)
{
	struct keys_revocation r = { key_id, compromised_at };

	if (compromised_at > now)
		return error_set(e, 400, "BAD_TIME", "the compromise time is in the future");
	return db_transaction(db, keys_revoke_work, &r, e);
}

static void
keys_row(sqlite3_stmt *stmt, enum key_kind kind, struct key_info *info)
{
	memset(info, 0, sizeof(*info));
	info->kind = kind;
	db_column_blob(stmt, 0, info->key_id, 4);
	db_column_blob(stmt, 1, info->public_key, 32);
	info->status = keys_status_parse(sqlite3_column_text(stmt, 2));
	info->created_at = sqlite3_column_int64(stmt, 3);
	info->retired_at = sqlite3_column_int64(stmt, 4);
	info->compromised_at = sqlite3_column_int64(stmt, 5);
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

	for (int kind = KEY_ISSUER; kind <= KEY_LEDGER; kind++) {
		sqlite3_stmt *stmt = db_prepare(db, select[kind]);
		int rc;
		while ((rc = db_step(db, stmt, e)) == SQLITE_ROW) {
			struct key_info info;
			keys_row(stmt, (enum key_kind)kind, &info);
			if (fn(&info, ctx) != 0) {
				sqlite3_reset(stmt);
				return -1;
			}
		}
		sqlite3_reset(stmt);
		if (rc < 0)
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
	sqlite3_stmt *stmt = db_prepare(db, select[kind]);
	char file[256];
	int rc = db_step(db, stmt, e);

	if (rc != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return rc < 0 ? -1 : error_set(e, 503, "NO_ACTIVE_KEY", "there is no active %s key",
		    kind == KEY_ISSUER ? "issuer" : "ledger");
	}
	keys_row(stmt, kind, info);
	db_column_text(stmt, 6, file, sizeof(file));
	sqlite3_reset(stmt);
	return keys_read_secret(home, file, info->public_key, secret, e);
}
