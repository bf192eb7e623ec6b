/* Issuer and ledger keys: key files under HOME/keys/, the key set with its
 * statuses (kept in the database, see schema/0001-init.sql), signing.
 * Secret keys live only in files of mode 0600 and in `struct secret_key`,
 * which callers wipe with secret_key_wipe() right after use. */
#ifndef PASSNUM_KEYS_H
#define PASSNUM_KEYS_H
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

/* A set of issuer public keys. Several keys may share a key id. */
struct keyset {
	struct issuer_key *keys; /* owned; freed by keyset_free */
	size_t count;
};

struct secret_key {
	uint8_t bytes[64]; /* libsodium Ed25519 secret key (seed ‖ public key) */
};

/* Computes the 4-byte issuer key id of an Ed25519 public key (TOKEN.md). */
void keys_issuer_key_id(const uint8_t public_key[32], uint8_t key_id[4]);

/* Appends a copy of key to set (aborts on out-of-memory). */
void keyset_add(struct keyset *set, const struct issuer_key *key);

/* Frees the keys of set and empties it. */
void keyset_free(struct keyset *set);

/* Wipes a secret key (sodium_memzero). */
void secret_key_wipe(struct secret_key *key);

struct db;

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
 * active one, in one transaction. origin names ledger keys (signed-note key
 * name). On success the new public key is copied to info when not NULL. */
int keys_rotate(struct db *db, const char *home, enum key_kind kind, const char *origin,
    int64_t now, struct key_info *info, struct error *e);

/* Revokes every key whose key id is key_id (4 bytes): compromised from
 * compromised_at on. Refuses an unknown id and a time in the future. */
int keys_revoke(struct db *db, const uint8_t key_id[4], int64_t compromised_at, int64_t now,
    struct error *e);

/* Calls fn for every key, issuer keys first, oldest first. */
int keys_list(struct db *db, int (*fn)(const struct key_info *key, void *ctx), void *ctx,
    struct error *e);

/* Loads every issuer public key with its status into set (keyset_free). */
int keys_load_issuers(struct db *db, struct keyset *set, struct error *e);

/* Loads the active key of kind: its secret (wipe after use) and its info. */
int keys_load_active(struct db *db, const char *home, enum key_kind kind,
    struct secret_key *secret, struct key_info *info, struct error *e);

/* Writes "aabbccdd" for a key id into out (9 bytes). */
void keys_id_hex(const uint8_t key_id[4], char out[9]);

/* Parses 8 hex digits into a key id; returns 0 or -1. */
int keys_id_parse(const char *text, uint8_t key_id[4]);

#endif
