#include <string.h>
#include <sodium.h>
#include "b64.h"
#include "receipt.h"

void
receipt_sign(struct receipt *r, const struct ledger_entry *entry,
    const uint8_t secret[NOTE_SECRET_KEY_SIZE], const uint8_t key_id[NOTE_KEY_ID_SIZE])
{
	r->entry = *entry;
	memcpy(r->key_id, key_id, NOTE_KEY_ID_SIZE);
	note_receipt_sign(entry->seq, entry->leaf_hash, secret, r->signature);
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
	static const char *const members[] = { "entry", "key_id", "signature", NULL };
	const char *kid = json_string_value(json_object_get(json, "key_id"));
	const char *sig = json_string_value(json_object_get(json, "signature"));

	memset(r, 0, sizeof(*r));
	if (ledger_json_only(json, members) != 0)
		return error_set(e, 422, "BAD_RECEIPT",
		    "the receipt has a member that it does not sign: it was altered");
	if (kid == NULL || keys_id_parse(kid, r->key_id) != 0 || sig == NULL ||
	    b64_decode_exact(sig, strlen(sig), B64_STANDARD, r->signature, sizeof(r->signature)) != 0)
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

/* The time r was signed as far as the home knows: its entry's time when
 * db's ledger records that entry (same sequence number and hash), else
 * KEYS_TIME_UNKNOWN. Returns 0, or -1 on a database error. */
static int
receipt_signed_at(struct db *db, const struct receipt *r, int64_t *signed_at, struct error *e)
{
	struct ledger_entry stored;
	struct error local;

	*signed_at = KEYS_TIME_UNKNOWN;
	if (db == NULL)
		return 0;
	if (ledger_read(db, r->entry.seq, &stored, &local) != 0) {
		if (local.status == 404)
			return 0;
		if (e != NULL)
			*e = local;
		return -1;
	}
	if (sodium_memcmp(stored.leaf_hash, r->entry.leaf_hash, MERKLE_HASH_SIZE) == 0)
		*signed_at = stored.time;
	return 0;
}

int
receipt_verify_keys(struct db *db, const struct receipt *r, const struct keys_ledger *keys,
    const struct key_info **used, int64_t *signed_at, struct error *e)
{
	const struct key_info *revoked = NULL;

	*used = NULL;
	*signed_at = KEYS_TIME_UNKNOWN;
	for (size_t i = 0; i < keys->count; i++) {
		const struct key_info *k = &keys->keys[i];
		if (memcmp(k->key_id, r->key_id, NOTE_KEY_ID_SIZE) != 0 ||
		    receipt_verify(r, k->public_key, NULL) != 0)
			continue;
		if (k->status == KEY_REVOKED && revoked == NULL &&
		    receipt_signed_at(db, r, signed_at, e) != 0)
			return -1;
		if (keys_vouches(k, *signed_at)) {
			*used = k;
			return 0;
		}
		revoked = k;
	}
	if (revoked == NULL)
		return error_set(e, 422, "BAD_SIGNATURE", "the receipt's signature is not valid");
	return keys_revoked_error(revoked, "the receipt", *signed_at == KEYS_TIME_UNKNOWN ?
	    "this home's ledger does not hold its entry, so when it was signed is unknown" :
	    "its entry was recorded after that", e);
}
