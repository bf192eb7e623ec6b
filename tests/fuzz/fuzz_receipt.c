/* libFuzzer target: receipts as `passnum ledger check` reads them (lib/
 * receipt, lib/ledger's entry parser): the input is JSON, a bare receipt or
 * a reply holding one under "redemption"/"receipt". receipt_from_json never
 * crashes; what it accepts prints (receipt_to_json) and parses back to the
 * same sequence number, leaf hash, key id and signature, the signature
 * printed as the very string read (canonical base64); and
 * receipt_verify_keys, against a fixed set (an active ledger key from seed
 * 0x11, a revoked one from seed 0x22, both named FUZZ_RECEIPT_ORIGIN),
 * accepts only a receipt whose signature verifies under the key it returns,
 * never a revoked key's when the time is unknown (no database). Every
 * refusal says why. Aborts on any violation. The committed corpus holds a
 * receipt signed with the active key so that the success path is reached. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>
#include "keys.h"
#include "receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RECEIPT_ORIGIN "test.example/ledger"

static void
fuzz_receipt_add_key(struct keys_ledger *set, uint8_t fill, enum key_status status)
{
	uint8_t seed[32], sk[64];
	struct key_info key;

	memset(&key, 0, sizeof(key));
	memset(seed, fill, sizeof(seed));
	if (crypto_sign_seed_keypair(key.public_key, sk, seed) != 0)
		abort();
	note_key_id(FUZZ_RECEIPT_ORIGIN, key.public_key, key.key_id);
	key.kind = KEY_LEDGER;
	key.status = status;
	key.created_at = 1767225600;
	key.compromised_at = status == KEY_REVOKED ? 1767225600 : 0;
	keys_ledger_add(set, &key);
}

static const struct keys_ledger *
fuzz_receipt_keys(void)
{
	static struct keys_ledger set;

	if (set.count > 0)
		return &set;
	if (sodium_init() < 0)
		abort();
	fuzz_receipt_add_key(&set, 0x11, KEY_ACTIVE);
	fuzz_receipt_add_key(&set, 0x22, KEY_REVOKED);
	return &set;
}

/* An accepted receipt prints and parses back to itself, and its signature
 * was read from the one canonical base64 string that prints it. */
static void
fuzz_receipt_round_trip(const struct receipt *r, const json_t *input)
{
	json_t *json = receipt_to_json(r);
	struct receipt again;
	const char *sig = json_string_value(json_object_get(input, "signature"));
	const char *printed = json_string_value(json_object_get(json, "signature"));

	if (json == NULL || sig == NULL || printed == NULL || strcmp(sig, printed) != 0 ||
	    receipt_from_json(json, &again, NULL) != 0 ||
	    again.entry.seq != r->entry.seq || again.entry.time != r->entry.time ||
	    again.entry.count != r->entry.count ||
	    memcmp(again.entry.leaf_hash, r->entry.leaf_hash, MERKLE_HASH_SIZE) != 0 ||
	    memcmp(again.key_id, r->key_id, NOTE_KEY_ID_SIZE) != 0 ||
	    memcmp(again.signature, r->signature, NOTE_SIGNATURE_SIZE) != 0)
		abort();
	json_decref(json);
}

static void
fuzz_receipt_verify(const struct receipt *r, const struct keys_ledger *keys)
{
	const struct key_info *used = NULL;
	int64_t signed_at = 0;
	struct error e;

	error_clear(&e);
	if (receipt_verify_keys(NULL, r, keys, &used, &signed_at, &e) != 0) {
		if (e.code == NULL || used != NULL)
			abort();
		return;
	}
	if (used == NULL || used->status == KEY_REVOKED || signed_at != KEYS_TIME_UNKNOWN ||
	    memcmp(used->key_id, r->key_id, NOTE_KEY_ID_SIZE) != 0 ||
	    receipt_verify(r, used->public_key, NULL) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct keys_ledger *keys = fuzz_receipt_keys();
	json_t *json = json_loadb((const char *)data, size, 0, NULL), *receipt = json;
	struct receipt r;
	struct error e;

	if (json == NULL)
		return 0;
	if (json_object_get(json, "redemption") != NULL)
		receipt = json_object_get(json, "redemption");
	if (json_object_get(receipt, "receipt") != NULL)
		receipt = json_object_get(receipt, "receipt");
	error_clear(&e);
	if (receipt_from_json(receipt, &r, &e) != 0) {
		if (e.code == NULL || strchr(e.message, '\n') != NULL)
			abort();
	} else {
		fuzz_receipt_round_trip(&r, receipt);
		fuzz_receipt_verify(&r, keys);
	}
	json_decref(json);
	return 0;
}
