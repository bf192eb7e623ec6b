/* Receipts: the ledger key's signature over an entry's sequence number and
 * leaf hash, with the entry itself (docs/ledger.md, "Receipts and proofs").
 * A redemption's 201 carries one; `passnum ledger check` verifies one. */
#ifndef PASSNUM_RECEIPT_H
#define PASSNUM_RECEIPT_H
#include <stdint.h>
#include <jansson.h>
#include "error.h"
#include "keys.h"
#include "ledger.h"
#include "note.h"

struct db;

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

/* Finds the ledger key of keys that vouches for r: one with r's key id
 * whose signature verifies and that keys_vouches for the time r was signed.
 * That time is known only from the home's own ledger: with db (may be NULL)
 * holding r's entry (same sequence number and hash), it is the entry's
 * time. On success returns 0 with *used (the key) and *signed_at (the time,
 * or KEYS_TIME_UNKNOWN) set. Returns -1 with e set: 422 BAD_SIGNATURE when
 * no key's signature verifies, 422 KEY_REVOKED when only a revoked key's
 * does and it cannot vouch for r (the message names the key). */
int receipt_verify_keys(struct db *db, const struct receipt *r, const struct keys_ledger *keys,
    const struct key_info **used, int64_t *signed_at, struct error *e)
    __attribute__((warn_unused_result));

#endif
