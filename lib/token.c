#include <stdint.h>
#include <string.h>
#include <sodium.h>
#include "base45.h"
#include "keys.h"
#include "token.h"

#define TOKEN_DOMAIN_LEN	(sizeof(TOKEN_DOMAIN) - 1)
#define TOKEN_MESSAGE_LEN	(TOKEN_DOMAIN_LEN + TOKEN_SIGNED_BYTES)
#define TOKEN_BASE45_LEN	(TOKEN_TEXT_LEN - TOKEN_PREFIX_LEN)

static const struct {
	const char *code;
	const char *message;
} token_results[] = {
	[TOKEN_OK] = { "OK", "valid signed pass" },
	[TOKEN_BAD_PREFIX] = { "BAD_PREFIX", "not a pass token: it does not start with PN1:" },
	[TOKEN_BAD_BASE45] = { "BAD_BASE45", "damaged pass token: invalid characters after PN1:" },
	[TOKEN_BAD_LENGTH] = { "BAD_LENGTH", "damaged pass token: wrong length" },
	[TOKEN_BAD_VERSION] = { "BAD_VERSION", "unsupported pass token version" },
	[TOKEN_UNKNOWN_KEY] = { "UNKNOWN_KEY", "pass signed by an unknown issuer key" },
	[TOKEN_KEY_REVOKED] = { "KEY_REVOKED", "pass signed by a revoked issuer key" },
	[TOKEN_BAD_SIGNATURE] = { "BAD_SIGNATURE", "pass signature does not verify" },
};

static void
token_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
token_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Writes the signed message: the domain string, then bytes 0..28 of t. */
static void
token_message(const struct token *t, uint8_t msg[TOKEN_MESSAGE_LEN])
{
	uint8_t *p = msg + TOKEN_DOMAIN_LEN;

	memcpy(msg, TOKEN_DOMAIN, TOKEN_DOMAIN_LEN);
	p[0] = t->version;
	memcpy(p + 1, t->key_id, 4);
	memcpy(p + 5, t->serial, TOKEN_SERIAL_BYTES);
	token_put32(p + 17, t->campaign);
	token_put32(p + 21, t->value_cents);
	token_put32(p + 25, t->last_day);
}

void
token_encode(const struct token *t, uint8_t out[TOKEN_BYTES])
{
	uint8_t msg[TOKEN_MESSAGE_LEN];

	token_message(t, msg);
	memcpy(out, msg + TOKEN_DOMAIN_LEN, TOKEN_SIGNED_BYTES);
	memcpy(out + TOKEN_SIGNED_BYTES, t->signature, TOKEN_SIGNATURE_BYTES);
}

int
token_sign(struct token *t, const struct secret_key *key,
    uint8_t out[TOKEN_BYTES])
{
	uint8_t msg[TOKEN_MESSAGE_LEN];

	t->version = TOKEN_VERSION;
	keys_issuer_key_id(key->bytes + 32, t->key_id);
	token_message(t, msg);
	if (crypto_sign_detached(t->signature, NULL, msg, sizeof(msg),
	    key->bytes) != 0)
		goto fail;
	token_encode(t, out);
	return 0;
fail:
	memset(t->signature, 0, sizeof(t->signature));
	memset(out, 0, TOKEN_BYTES);
	return -1;
}

enum token_result
token_decode(const uint8_t *bytes, size_t len, struct token *t)
{
	memset(t, 0, sizeof(*t));
	if (len != TOKEN_BYTES)
		return TOKEN_BAD_LENGTH;
	if (bytes[0] != TOKEN_VERSION)
		return TOKEN_BAD_VERSION;
	t->version = bytes[0];
	memcpy(t->key_id, bytes + 1, 4);
	memcpy(t->serial, bytes + 5, TOKEN_SERIAL_BYTES);
	t->campaign = token_get32(bytes + 17);
	t->value_cents = token_get32(bytes + 21);
	t->last_day = token_get32(bytes + 25);
	memcpy(t->signature, bytes + TOKEN_SIGNED_BYTES, TOKEN_SIGNATURE_BYTES);
	return TOKEN_OK;
}

void
token_to_text(const uint8_t bytes[TOKEN_BYTES], char out[TOKEN_TEXT_LEN + 1])
{
	memcpy(out, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
	/* Cannot fail: the buffer is exactly 140 + 1 characters. */
	(void)base45_encode(bytes, TOKEN_BYTES, out + TOKEN_PREFIX_LEN,
	    TOKEN_BASE45_LEN + 1, NULL);
}

static int
token_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

static char
token_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Narrows text[0..*len) to exclude surrounding whitespace. */
static void
token_trim(const char **text, size_t *len)
{
	while (*len > 0 && token_is_space((*text)[0])) {
		(*text)++;
		(*len)--;
	}
	while (*len > 0 && token_is_space((*text)[*len - 1]))
		(*len)--;
}

/* Returns 1 when text starts with "PN1:" in any case, else 0. */
static int
token_has_prefix(const char *text, size_t len)
{
	size_t i;

	if (len < TOKEN_PREFIX_LEN)
		return 0;
	for (i = 0; i < TOKEN_PREFIX_LEN; i++)
		if (token_upper(text[i]) != TOKEN_PREFIX[i])
			return 0;
	return 1;
}

/* Base45 check of text once upper-cased, for text of any length; 0 / -1. */
static int
token_check_base45(const char *text, size_t len)
{
	char buf[3 * 64];
	size_t i, n;

	for (; len > 0; text += n, len -= n) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = token_upper(text[i]);
		if (base45_check(buf, n) != 0)
			return -1;
	}
	return 0;
}

enum token_input
token_classify(const char *text, size_t len)
{
	token_trim(&text, &len);
	return token_has_prefix(text, len) ? TOKEN_INPUT_TOKEN :
	    TOKEN_INPUT_CODE;
}

enum token_result
token_from_text(const char *text, size_t len, uint8_t out[TOKEN_BYTES])
{
	char buf[TOKEN_BASE45_LEN];
	size_t i;

	memset(out, 0, TOKEN_BYTES);
	token_trim(&text, &len);
	if (!token_has_prefix(text, len))
		return TOKEN_BAD_PREFIX;
	text += TOKEN_PREFIX_LEN;
	len -= TOKEN_PREFIX_LEN;
	if (len != TOKEN_BASE45_LEN)
		return token_check_base45(text, len) != 0 ? TOKEN_BAD_BASE45 :
		    TOKEN_BAD_LENGTH;
	for (i = 0; i < len; i++)
		buf[i] = token_upper(text[i]);
	if (base45_decode(buf, len, out, TOKEN_BYTES, NULL) != 0)
		return TOKEN_BAD_BASE45;
	return TOKEN_OK;
}

bool
token_key_allows(const struct issuer_key *key, int64_t issued_at)
{
	switch (key->status) {
	case KEY_ACTIVE:
	case KEY_RETIRED:
		return 1;
	case KEY_REVOKED:
		return issued_at != TOKEN_ISSUED_AT_UNKNOWN &&
		    issued_at < key->compromised_at;
	default:
		return 0;
	}
}

enum token_result
token_verify(const struct token *t, const struct keyset *keys,
    int64_t issued_at, const struct issuer_key **key)
{
	uint8_t msg[TOKEN_MESSAGE_LEN];
	enum token_result r = TOKEN_BAD_SIGNATURE;
	size_t i, known = 0, usable = 0;
	const struct issuer_key *k;

	if (key != NULL)
		*key = NULL;
	if (t->version != TOKEN_VERSION)
		return TOKEN_BAD_VERSION;
	for (i = 0; keys != NULL && i < keys->count; i++) {
		k = &keys->keys[i];
		if (memcmp(k->key_id, t->key_id, 4) != 0)
			continue;
		known++;
		usable += token_key_allows(k, issued_at);
	}
	if (known == 0)
		return TOKEN_UNKNOWN_KEY;
	if (usable == 0)
		return TOKEN_KEY_REVOKED;
	token_message(t, msg);
	for (i = 0; i < keys->count; i++) {
		k = &keys->keys[i];
		if (memcmp(k->key_id, t->key_id, 4) != 0 ||
		    crypto_sign_verify_detached(t->signature, msg, sizeof(msg),
		    k->public_key) != 0)
			continue;
		if (!token_key_allows(k, issued_at)) {
			r = TOKEN_KEY_REVOKED;	/* signed by the revoked one */
			continue;
		}
		if (key != NULL)
			*key = k;
		return TOKEN_OK;
	}
	return r;
}

enum token_result
token_verify_text(const char *text, size_t len, const struct keyset *keys,
    int64_t issued_at, struct token *t, uint8_t bytes[TOKEN_BYTES])
{
	uint8_t raw[TOKEN_BYTES];
	struct token tok;
	enum token_result r;

	if ((r = token_from_text(text, len, raw)) != TOKEN_OK)
		goto fail;
	if ((r = token_decode(raw, sizeof(raw), &tok)) != TOKEN_OK)
		goto fail;
	if ((r = token_verify(&tok, keys, issued_at, NULL)) != TOKEN_OK)
		goto fail;
	if (t != NULL)
		*t = tok;
	if (bytes != NULL)
		memcpy(bytes, raw, TOKEN_BYTES);
	return TOKEN_OK;
fail:
	if (t != NULL)
		memset(t, 0, sizeof(*t));
	if (bytes != NULL)
		memset(bytes, 0, TOKEN_BYTES);
	return r;
}

const char *
token_result_code(enum token_result r)
{
	if ((unsigned)r >= sizeof(token_results) / sizeof(token_results[0]))
		return "INTERNAL";
	return token_results[r].code;
}

const char *
token_result_message(enum token_result r)
{
	if ((unsigned)r >= sizeof(token_results) / sizeof(token_results[0]))
		return "internal error";
	return token_results[r].message;
}
