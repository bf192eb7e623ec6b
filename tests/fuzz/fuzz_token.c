/* Fuzz target: token text parsing, decoding and verifying, and raw 93-byte
 * decoding. Properties: classification agrees with the prefix check; an
 * accepted text is the upper-cased, trimmed encoding of its bytes; the full
 * pipeline fails at the same stage as its parts; decoding then encoding
 * gives back the bytes. Any violation aborts. The key set holds TOKEN.md's
 * vector 1 key (active), a fake key sharing its id, and vector 2's key
 * (revoked), so the committed vectors reach every branch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "keys.h"
#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_token_add_key(struct keyset *set, uint8_t fill, enum key_status status,
    const uint8_t *key_id)
{
	uint8_t seed[32], sk[64];
	struct issuer_key key;

	memset(&key, 0, sizeof(key));
	memset(seed, fill, sizeof(seed));
	if (crypto_sign_seed_keypair(key.public_key, sk, seed) != 0)
		abort();
	keys_issuer_key_id(key.public_key, key.key_id);
	if (key_id != NULL)
		memcpy(key.key_id, key_id, 4);
	key.status = status;
	key.compromised_at = 1767225600;
	keyset_add(set, &key);
}

static const struct keyset *
fuzz_token_keyset(void)
{
	static struct keyset set;

	if (set.count > 0)
		return &set;
	if (sodium_init() < 0)
		abort();
	fuzz_token_add_key(&set, 0x01, KEY_ACTIVE, NULL);
	fuzz_token_add_key(&set, 0x07, KEY_ACTIVE, set.keys[0].key_id);
	fuzz_token_add_key(&set, 0x42, KEY_REVOKED, NULL);
	return &set;
}

static int
fuzz_token_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* Checks that text, trimmed and upper-cased, is the text of bytes. */
static void
fuzz_token_same_text(const char *text, size_t size,
    const uint8_t bytes[TOKEN_BYTES])
{
	char out[TOKEN_TEXT_LEN + 1], c;
	size_t i;

	while (size > 0 && fuzz_token_space(text[0])) {
		text++;
		size--;
	}
	while (size > 0 && fuzz_token_space(text[size - 1]))
		size--;
	token_to_text(bytes, out);
	if (size != TOKEN_TEXT_LEN)
		abort();
	for (i = 0; i < size; i++) {
		c = text[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != out[i])
			abort();
	}
}

/* Treats data as 93 raw bytes. */
static void
fuzz_token_bytes(const uint8_t *data, size_t size, const struct keyset *set)
{
	uint8_t again[TOKEN_BYTES];
	struct token t;

	if (token_decode(data, size, &t) != TOKEN_OK)
		return;
	token_encode(&t, again);
	if (size != TOKEN_BYTES || memcmp(again, data, TOKEN_BYTES) != 0)
		abort();
	if (token_verify(&t, set, 0, NULL) == TOKEN_OK &&
	    memcmp(t.key_id, set->keys[0].key_id, 4) != 0 &&
	    memcmp(t.key_id, set->keys[2].key_id, 4) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct keyset *set = fuzz_token_keyset();
	const char *text = (const char *)data;
	uint8_t bytes[TOKEN_BYTES], again[TOKEN_BYTES];
	int64_t issued_at = size % 2 ? TOKEN_ISSUED_AT_UNKNOWN : 0;
	enum token_input kind;
	enum token_result r, full;
	struct token t;

	kind = token_classify(text, size);
	r = token_from_text(text, size, bytes);
	if ((r == TOKEN_BAD_PREFIX) != (kind == TOKEN_INPUT_CODE))
		abort();
	if (r == TOKEN_OK)
		fuzz_token_same_text(text, size, bytes);
	full = token_verify_text(text, size, set, issued_at, &t, again);
	if (r != TOKEN_OK && full != r)
		abort();
	if (r == TOKEN_OK && token_decode(bytes, TOKEN_BYTES, &t) ==
	    TOKEN_BAD_VERSION && full != TOKEN_BAD_VERSION)
		abort();
	if (full == TOKEN_OK) {
		if (memcmp(again, bytes, TOKEN_BYTES) != 0)
			abort();
		token_encode(&t, again);
		if (memcmp(again, bytes, TOKEN_BYTES) != 0)
			abort();
	}
	fuzz_token_bytes(data, size, set);
	return 0;
}
