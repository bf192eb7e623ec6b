/* Issuer and ledger keys: key files under HOME/keys/, the key set with its
 * statuses (kept in the database, see schema/0001-init.sql), signing.
 * Secret keys live only in files of mode 0600 and in `struct secret_key`,
 * which callers wipe with secret_key_wipe() right after use. */
#ifndef PASSNUM_KEYS_H
#define PASSNUM_KEYS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

enum key_status {
	KEY_ACTIVE = 0,  /* signs new passes */
	KEY_RETIRED = 1, /* no longer signs; its passes still verify */
	KEY_REVOKED = 2, /* compromised: verifies only passes issued before compromised_at */
};

struct issuer_key {
	uint8_t public_key[32];
	uint8_t key_id[4];      /* first 4 bytes of BLAKE2b-256(public_key) */
	enum key_status status;
	int64_t created_at;     /* Unix seconds, UTC */
	int64_t compromised_at; /* Unix seconds, UTC; meaningful when KEY_REVOKED */
};

struct secret_key {
	uint8_t bytes[64]; /* libsodium Ed25519 secret key (seed ‖ public key) */
};

/* Computes the 4-byte issuer key id of an Ed25519 public key (TOKEN.md). */
void keys_issuer_key_id(const uint8_t public_key[32], uint8_t key_id[4]);

/* Wipes a secret key (sodium_memzero). */
void secret_key_wipe(struct secret_key *key);

struct db;
struct keyset;

enum key_kind { KEY_ISSUER = 0, KEY_LEDGER = 1 };

/* One row of `passnum keys list`. */
struct key_info {
	enum key_kind kind;
	uint8_t public_key[32];
	uint8_t key_id[4];
	enum key_status status;
	int64_t created_at;
	int64_t retired_at;     /* 0 when never retired */
	int64_t compromised_at; /* 0 unless revoked */
};

/* Makes a new key of kind, writes its secret to HOME/keys/ (mode 0600,
 * O_EXCL|O_NOFOLLOW) and records it as the active key, retiring the previous
 * active one. Runs inside the caller's write transaction (DB_IN_WRITE). The
 * key file is written first and removed again when recording fails; if the
 * caller's transaction does not commit, the file stays behind unreferenced
 * (its key was never active). origin names ledger keys (signed-note key
 * name). On success the new key is copied to info when not NULL. */
int keys_rotate(struct db *db, const char *home, enum key_kind kind, const char *origin,
    int64_t now, struct key_info *info, struct error *e);

/* Revokes every key whose key id is key_id (4 bytes): compromised from
 * compromised_at on. Runs inside the caller's write transaction
 * (DB_IN_WRITE). Refuses an unknown id and a time in the future. */
int keys_revoke(struct db *db, const uint8_t key_id[4], int64_t compromised_at, int64_t now,
    struct error *e);

/* What keys_revoke(key_id, compromised_at) would do, for its dry run and
 * confirmation: how many keys of each kind it revokes (and whether one is
 * the active key, leaving none until the next rotate); the passes still
 * spendable that the issuer key signed before compromised_at (they stay
 * redeemable) and from then on (they become unredeemable); the checkpoints
 * the ledger key signed before (still vouched for) and from then on. */
struct keys_revoke_impact {
	int64_t issuer_keys, ledger_keys;
	bool issuer_active, ledger_active;
	int64_t passes_kept, passes_refused;
	int64_t checkpoints_kept, checkpoints_refused;
};
int keys_revoke_impact(struct db *db, const uint8_t key_id[4], int64_t compromised_at,
    struct keys_revoke_impact *out, struct error *e);

/* A signing time that is not known. */
#define KEYS_TIME_UNKNOWN INT64_MIN

/* Whether key may vouch for a signature made at signed_at (Unix seconds,
 * or KEYS_TIME_UNKNOWN): an active or retired key always; a revoked key
 * only for a time known and strictly before its compromise time (the rule
 * of docs/token-format.md, for ledger keys too). */
bool keys_vouches(const struct key_info *key, int64_t signed_at);

/* Writes a one-line refusal naming a revoked key into e (422 KEY_REVOKED):
 * "<what> is signed by <kind> key KID, revoked (compromised since TIME), and
 * <why>". Returns -1. */
int keys_revoked_error(const struct key_info *key, const char *what, const char *why,
    struct error *e);

/* The ledger keys of a home, every status, oldest first. */
struct keys_ledger {
	struct key_info *keys; /* owned; freed by keys_ledger_free */
	size_t count;
};

/* Loads every ledger key into set (keys_ledger_free). */
int keys_ledger_load(struct db *db, struct keys_ledger *set, struct error *e);

/* Appends a copy of key to set (aborts on out-of-memory). */
void keys_ledger_add(struct keys_ledger *set, const struct key_info *key);

/* Frees the keys of set and empties it. */
void keys_ledger_free(struct keys_ledger *set);

/* Calls fn for every key, issuer keys first, oldest first. */
int keys_list(struct db *db, int (*fn)(const struct key_info *key, void *ctx), void *ctx,
    struct error *e);

/* Loads every issuer public key with its status into set (keyset_free). */
int keys_load_issuers(struct db *db, struct keyset *set, struct error *e);

/* Loads the active key of kind: its secret (wipe after use) and its info. */
int keys_load_active(struct db *db, const char *home, enum key_kind kind,
    struct secret_key *secret, struct key_info *info, struct error *e);

/* The file name prefix of an issuer key imported by `passnum takeover`:
 * "takeover:<public key hex>" names no secret file. */
#define KEYS_TAKEOVER_PREFIX "takeover:"

/* Records another operator's issuer public key (key->kind KEY_ISSUER,
 * status retired or revoked, its times) as verify-only: it verifies the
 * passes it signed and can never sign one here (no secret; never active,
 * which schema/0012 enforces too; keys_load_active refuses such a key).
 * Runs inside the caller's write transaction. */
int keys_import_verify_only(struct db *db, const struct key_info *key, struct error *e);

/* Writes "aabbccdd" for a key id into out (9 bytes). */
void keys_id_hex(const uint8_t key_id[4], char out[9]);

/* Parses 8 hex digits into a key id; returns 0 or -1. */
int keys_id_parse(const char *text, uint8_t key_id[4]);

#endif
