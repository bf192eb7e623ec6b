/* Signed checkpoints of the ledger (C2SP tlog-checkpoint notes signed by the
 * ledger key, stored append-only in the table checkpoints) and receipts
 * (the ledger key's signature over an entry's sequence number and hash). */
#ifndef PASSNUM_CHECKPOINT_H
#define PASSNUM_CHECKPOINT_H
#include <stdint.h>
#include <jansson.h>
#include "error.h"
#include "ledger.h"
#include "note.h"

struct db;

struct checkpoint {
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	int64_t created_at;
	char note[NOTE_CHECKPOINT_MAX]; /* the whole signed note */
};

/* Signs and stores a checkpoint of the current tree with the active ledger
 * key (read from HOME/keys/ and wiped after use). When the latest checkpoint
 * already covers the current size, returns that one. Runs its own write
 * transaction. */
int checkpoint_make(struct db *db, const char *home, int64_t now, struct checkpoint *cp,
    struct error *e);

/* Makes a checkpoint when at least every_entries entries or every_seconds
 * seconds (and at least one entry) have passed since the latest one.
 * *made (when not NULL) says whether one was made. */
int checkpoint_if_due(struct db *db, const char *home, int64_t now, int64_t every_entries,
    int64_t every_seconds, int *made, struct error *e);

/* The latest checkpoint; 404 NO_CHECKPOINT when there is none. */
int checkpoint_latest(struct db *db, struct checkpoint *cp, struct error *e);

/* The oldest checkpoint whose size is at least size (one that covers entry
 * size - 1); 404 NO_CHECKPOINT when none does yet. */
int checkpoint_covering(struct db *db, uint64_t size, struct checkpoint *cp, struct error *e);

/* Calls fn for every stored checkpoint in size order. */
int checkpoint_each(struct db *db, int (*fn)(const struct checkpoint *cp, void *ctx), void *ctx,
    struct error *e);

/* A receipt: the entry's fields, its leaf hash, the ledger key's id and its
 * signature over "passnum-receipt-v1" ‖ seq ‖ leaf hash. */
struct receipt {
	struct ledger_entry entry;
	uint8_t key_id[NOTE_KEY_ID_SIZE];
	uint8_t signature[NOTE_SIGNATURE_SIZE];
};

/* Signs entry (already appended: seq and leaf hash set) with secret, a
 * ledger key whose signed-note key id is key_id. */
void receipt_sign(struct receipt *r, const struct ledger_entry *entry,
    const uint8_t secret[NOTE_SECRET_KEY_SIZE], const uint8_t key_id[NOTE_KEY_ID_SIZE]);

/* The receipt as a JSON object (new reference) — the documented format of
 * docs/ledger.md, also the body of a redemption's 201. */
json_t *receipt_to_json(const struct receipt *r);

/* Parses a receipt from JSON and checks that its leaf hash is the hash of
 * its fields. Returns 0, or -1 with e set (422 BAD_RECEIPT). */
int receipt_from_json(const json_t *json, struct receipt *r, struct error *e);

/* Checks the receipt's signature with the ledger public key pub. */
int receipt_verify(const struct receipt *r, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
    struct error *e) __attribute__((warn_unused_result));

/* An entry as JSON (seq, time, kind, reference, memo, postings, entry_hash). */
json_t *ledger_entry_to_json(const struct ledger_entry *entry);

/* Parses ledger_entry_to_json's output; recomputes and checks the leaf hash. */
int ledger_entry_from_json(const json_t *json, struct ledger_entry *entry, struct error *e);

#endif
