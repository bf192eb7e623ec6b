/* Signed checkpoints of the ledger: C2SP tlog-checkpoint notes signed by
 * the ledger key, stored append-only in the table checkpoints, made every
 * N entries or T seconds (one cadence for the CLI and the daemon). */
#ifndef PASSNUM_CHECKPOINT_H
#define PASSNUM_CHECKPOINT_H
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "keys.h"
#include "ledger.h"
#include "note.h"

struct db;

struct checkpoint {
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	int64_t created_at;
	char note[NOTE_CHECKPOINT_MAX]; /* the whole signed note */
};

/* The cadence's defaults (settings checkpoint_every_entries and
 * checkpoint_every_seconds override them). */
#define CHECKPOINT_EVERY_ENTRIES 10000
#define CHECKPOINT_EVERY_SECONDS 60

/* Signs and stores a checkpoint of the current tree with the active ledger
 * key (read from HOME/keys/ and wiped after use). When the latest checkpoint
 * already covers the current size, returns that one and writes nothing.
 * Runs inside the caller's write transaction (DB_IN_WRITE). */
int checkpoint_make(struct db *db, const char *home, int64_t now, struct checkpoint *cp,
    struct error *e);

/* The home's checkpoint cadence: a checkpoint is due every *entries entries
 * or *seconds seconds (settings checkpoint_every_entries and
 * checkpoint_every_seconds, default CHECKPOINT_EVERY_ENTRIES and
 * CHECKPOINT_EVERY_SECONDS). Returns 0, or -1 with e set. */
int checkpoint_cadence(struct db *db, int64_t *entries, int64_t *seconds, struct error *e);

/* Makes a checkpoint when at least every_entries entries or every_seconds
 * seconds (and at least one entry) have passed since the latest one.
 * Must be called outside any transaction (between the daemon writer's
 * batches, after a CLI verb has committed): it reads whether one is due, and
 * makes it in a write transaction of its own (db_write, default wait). A
 * call inside a write transaction is refused (500 STORE_BUG). *made (when
 * not NULL) says whether one was made. */
int checkpoint_if_due(struct db *db, const char *home, int64_t now, int64_t every_entries,
    int64_t every_seconds, int *made, struct error *e);

/* The latest checkpoint; 404 NO_CHECKPOINT when there is none. */
int checkpoint_latest(struct db *db, struct checkpoint *cp, struct error *e);

/* The oldest checkpoint whose size is at least size (one that covers entry
 * size - 1); 404 NO_CHECKPOINT when none does yet. */
int checkpoint_covering(struct db *db, uint64_t size, struct checkpoint *cp, struct error *e);

/* Calls fn for every stored checkpoint in size order; stops with -1 (e not
 * set) when fn returns non-zero. */
int checkpoint_each(struct db *db, int (*fn)(const struct checkpoint *cp, void *ctx), void *ctx,
    struct error *e);

/* A checkpoint note that verified (checkpoint_verify_note). */
struct checkpoint_verified {
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	const struct key_info *key; /* the ledger key that vouches for it (in keys) */
	int64_t signed_at;          /* per the home's record, or KEYS_TIME_UNKNOWN */
};

/* Verifies a checkpoint note of log origin with the ledger keys: some
 * key's signature must verify, and that key must keys_vouch for the time
 * the note was signed. That time is known only from the home's own record:
 * with db (may be NULL) holding a checkpoint of the same size and root, it
 * is when that one was made. Returns 0 with out set, or -1 with e set: the
 * last key's refusal when no signature verifies, 422 BAD_CHECKPOINT when
 * there is no key, 422 KEY_REVOKED when only a revoked key's signature
 * verifies and it cannot vouch for the note (the message names the key). */
int checkpoint_verify_note(struct db *db, const char *note, size_t len, const char *origin,
    const struct keys_ledger *keys, struct checkpoint_verified *out, struct error *e)
    __attribute__((warn_unused_result));

#endif
