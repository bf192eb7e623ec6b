/* Bearer tokens "ID.SECRET": ID is 16 lowercase hex digits (8 random bytes),
 * SECRET is 32 random bytes in base64url without padding (43 characters).
 * Only SHA-256 of the 32 secret bytes is stored; the secret is shown once. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "b64.h"
#include "db.h"
#include "hash.h"
#include "registry.h"
#include "registry_private.h"

#define TOKEN_ID_HEX 16
#define TOKEN_SECRET_BYTES 32
#define TOKEN_SECRET_TEXT 43 /* base64url, no padding */

static const char *const role_names[] = { "admin", "funder", "distributor", "place" };

const char *
registry_role_name(enum token_role role)
{
	return (unsigned)role < sizeof(role_names) / sizeof(role_names[0]) ? role_names[role] : "";
}

int
registry_role_parse(const char *name, enum token_role *role)
{
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (name != NULL && strcmp(name, role_names[i]) == 0) {
			*role = (enum token_role)i;
			return 0;
		}
	return -1;
}

/* Whether id is 16 lowercase hexadecimal digits. */
static bool
registry_token_id_valid(const char *id)
{
	size_t i;

	for (i = 0; id[i] != '\0' && i < TOKEN_ID_HEX; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return i == TOKEN_ID_HEX && id[i] == '\0';
}

int
registry_token_id_check(const char *id, struct error *e)
{
	if (id == NULL || !registry_token_id_valid(id))
		return error_set(e, 400, "BAD_TOKEN_ID", "a token id is 16 hexadecimal digits");
	return 0;
}

/* Checks that the subject of a token of role exists (none for admin). */
static int
registry_token_subject_check(struct db *db, enum token_role role, int64_t subject_id,
    struct error *e)
{
	struct funder f;
	struct distributor d;
	struct place p;

	switch (role) {
	case ROLE_ADMIN:
		if (subject_id != 0)
			return error_set(e, 400, "BAD_SUBJECT", "an admin token acts for no one: give no id");
		return 0;
	case ROLE_FUNDER:
		return registry_funder_get(db, subject_id, &f, e);
	case ROLE_DISTRIBUTOR:
		return registry_distributor_get(db, subject_id, &d, e);
	case ROLE_PLACE:
		return registry_place_get(db, subject_id, &p, e);
	}
	return error_set(e, 400, "BAD_ROLE", "unknown role");
}

int
registry_token_create(struct db *db, enum token_role role, int64_t subject_id, int64_t now,
    struct bearer *b, char out[REGISTRY_TOKEN_TEXT_MAX], struct error *e)
{
	uint8_t raw_id[TOKEN_ID_HEX / 2], secret[TOKEN_SECRET_BYTES];
	uint8_t hash[HASH_SHA256_SIZE];
	char text[TOKEN_SECRET_TEXT + 1];
	int rc = -1;

	memset(b, 0, sizeof(*b));
	out[0] = '\0';
	if (DB_IN_WRITE(db, e) != 0 || registry_token_subject_check(db, role, subject_id, e) != 0)
		return -1;
	randombytes_buf(raw_id, sizeof(raw_id));
	randombytes_buf(secret, sizeof(secret));
	sodium_bin2hex(b->id, sizeof(b->id), raw_id, sizeof(raw_id));
	hash_sha256(hash, secret, sizeof(secret));
	sodium_bin2base64(text, sizeof(text), secret, sizeof(secret),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (db_run(db, "INSERT INTO tokens (id, role, subject_id, secret_hash, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", DB_ARGS(DB_TEXT(b->id), DB_TEXT(registry_role_name(role)),
	    role != ROLE_ADMIN ? DB_INT(subject_id) : DB_NULL, DB_BLOB(hash, sizeof(hash)),
	    DB_INT(now)), e) != 0)
		goto done;
	b->role = role;
	b->subject_id = role == ROLE_ADMIN ? 0 : subject_id;
	b->created_at = now;
	snprintf(out, REGISTRY_TOKEN_TEXT_MAX, "%s.%s", b->id, text);
	rc = 0;
done:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(text, sizeof(text));
	if (rc != 0)
		memset(b, 0, sizeof(*b));
	return rc;
}

/* Splits "ID.SECRET" into id and the 32 secret bytes; 0, or -1. */
static int
registry_token_parse(const char *text, char id[TOKEN_ID_HEX + 1],
    uint8_t secret[TOKEN_SECRET_BYTES])
{
	if (text == NULL || strlen(text) != TOKEN_ID_HEX + 1 + TOKEN_SECRET_TEXT ||
	    text[TOKEN_ID_HEX] != '.')
		return -1;
	memcpy(id, text, TOKEN_ID_HEX);
	id[TOKEN_ID_HEX] = '\0';
	if (!registry_token_id_valid(id))
		return -1;
	if (b64_decode_exact(text + TOKEN_ID_HEX + 1, TOKEN_SECRET_TEXT, B64_URLSAFE_RAW, secret,
	    TOKEN_SECRET_BYTES) != 0)
		return -1;
	return 0;
}

/* Where registry_token_lookup puts a token row, and whether it was usable. */
struct registry_token_found {
	const char *id;
	struct bearer *b;
	uint8_t *stored; /* HASH_SHA256_SIZE */
	bool usable;
};

/* Reads a token row (role, subject_id, secret_hash, created_at, revoked_at)
 * into ctx; a row with an unknown role or a bad hash is not usable. */
static int
registry_token_found_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_token_found *t = ctx;
	char role[16];

	(void)e;
	registry_copy(t->b->id, sizeof(t->b->id), t->id);
	(void)db_row_text(row, 0, role, sizeof(role));
	t->usable = registry_role_parse(role, &t->b->role) == 0 &&
	    db_row_blob(row, 2, t->stored, HASH_SHA256_SIZE) == 0;
	t->b->subject_id = db_row_int64(row, 1);
	t->b->created_at = db_row_int64(row, 3);
	t->b->revoked_at = db_row_int64(row, 4);
	return 0;
}

/* Looks up token id: 1 with b and stored set, 0 when unknown (or its row is
 * unusable), -1. */
static int
registry_token_lookup(struct db *db, const char *id, struct bearer *b,
    uint8_t stored[HASH_SHA256_SIZE], struct error *e)
{
	struct registry_token_found t = { id, b, stored, false };
	int found = db_one(db, "SELECT role, subject_id, secret_hash, created_at, revoked_at"
	    " FROM tokens WHERE id = ?1", DB_ARGS(DB_TEXT(id)), registry_token_found_read, &t, e);

	return found < 0 ? -1 : found == 1 && t.usable;
}

int
registry_token_authenticate(struct db *db, const char *text, struct bearer *b,
    struct error *e)
{
	uint8_t secret[TOKEN_SECRET_BYTES], hash[HASH_SHA256_SIZE];
	uint8_t stored[HASH_SHA256_SIZE];
	char id[TOKEN_ID_HEX + 1];
	int found = 0, match;

	memset(b, 0, sizeof(*b));
	memset(stored, 0, sizeof(stored));
	if (registry_token_parse(text, id, secret) != 0) {
		sodium_memzero(secret, sizeof(secret));
		goto refuse;
	}
	hash_sha256(hash, secret, sizeof(secret));
	sodium_memzero(secret, sizeof(secret));
	found = registry_token_lookup(db, id, b, stored, e);
	if (found < 0) {
		memset(b, 0, sizeof(*b));
		return -1;
	}
	/* Compared whether or not the id exists, in constant time. */
	match = sodium_memcmp(hash, stored, sizeof(hash)) == 0;
	sodium_memzero(hash, sizeof(hash));
	if (found && match && b->revoked_at == 0)
		return 0;
refuse:
	memset(b, 0, sizeof(*b));
	return error_set(e, 401, "BAD_TOKEN", "the token is not valid (unknown, wrong or revoked)");
}

int
registry_token_revoke(struct db *db, const char *id, int64_t now, struct error *e)
{
	uint8_t stored[HASH_SHA256_SIZE];
	struct bearer b;
	int found;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_token_id_check(id, e) != 0)
		return -1;
	memset(&b, 0, sizeof(b));
	found = registry_token_lookup(db, id, &b, stored, e);
	if (found < 0)
		return -1;
	if (!found)
		return error_set(e, 404, "NO_TOKEN", "no token with id %s", id);
	if (b.revoked_at != 0)
		return error_set(e, 409, "ALREADY_REVOKED", "token %s is already revoked", id);
	return db_run(db, "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1",
	    DB_ARGS(DB_TEXT(id), DB_INT(now)), e);
}

/* The caller's callback of registry_token_list and what it last returned. */
struct registry_token_each {
	int (*fn)(const struct bearer *b, void *ctx);
	void *ctx;
	int stop;
};

/* Calls the callback with a token row (id, role, subject_id, created_at,
 * revoked_at); a row with an unknown role is skipped. */
static int
registry_token_each_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_token_each *each = ctx;
	struct bearer b;
	char role[16];

	(void)e;
	memset(&b, 0, sizeof(b));
	(void)db_row_text(row, 0, b.id, sizeof(b.id));
	(void)db_row_text(row, 1, role, sizeof(role));
	if (registry_role_parse(role, &b.role) != 0)
		return 0;
	b.subject_id = db_row_int64(row, 2);
	b.created_at = db_row_int64(row, 3);
	b.revoked_at = db_row_int64(row, 4);
	each->stop = each->fn(&b, each->ctx);
	return each->stop != 0;
}

int
registry_token_list(struct db *db, int (*fn)(const struct bearer *b, void *ctx), void *ctx,
    struct error *e)
{
	struct registry_token_each each = { fn, ctx, 0 };

	if (db_each(db, "SELECT id, role, subject_id, created_at, revoked_at FROM tokens"
	    " ORDER BY created_at, id", DB_NO_ARGS, registry_token_each_row, &each, e) != 0)
		return -1;
	return each.stop;
}
