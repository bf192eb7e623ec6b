/* The pass token, version 1 (docs/token-format.md, TOKEN.md): 93 bytes
 * signed with an issuer's Ed25519 key, carried as "PN1:" + Base45 text in
 * the QR code. This module signs, encodes, decodes and verifies tokens; it
 * does not say whether a pass is redeemable (the database does: serial
 * issued, bytes equal) nor whether its last day has passed. */
#ifndef PASSNUM_TOKEN_H
#define PASSNUM_TOKEN_H
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include "keys.h"
#include "keyset.h"

#define TOKEN_VERSION		1
#define TOKEN_BYTES		93	/* the whole token */
#define TOKEN_SIGNED_BYTES	29	/* offsets 0..28, covered by the signature */
#define TOKEN_SERIAL_BYTES	12
#define TOKEN_SIGNATURE_BYTES	64
#define TOKEN_PREFIX		"PN1:"
#define TOKEN_PREFIX_LEN	4
#define TOKEN_TEXT_LEN		144	/* "PN1:" + 140 Base45 characters */
#define TOKEN_DOMAIN		"passnum-voucher-v1"	/* signed before the bytes */

/* issued_at value meaning "issue time unknown": a revoked key then fails. */
#define TOKEN_ISSUED_AT_UNKNOWN	INT64_MIN

struct token {
	uint8_t version;		/* TOKEN_VERSION */
	uint8_t key_id[4];		/* issuer key id, keys_issuer_key_id() */
	uint8_t serial[TOKEN_SERIAL_BYTES];
	uint32_t campaign;
	uint32_t value_cents;
	uint32_t last_day;		/* days since 1970-01-01 */
	uint8_t signature[TOKEN_SIGNATURE_BYTES];
};

/* Results of decoding and verifying, in the order the checks run. */
enum token_result {
	TOKEN_OK = 0,
	TOKEN_BAD_PREFIX,	/* text does not start with "PN1:" */
	TOKEN_BAD_BASE45,	/* the rest is not Base45 */
	TOKEN_BAD_LENGTH,	/* not 93 bytes */
	TOKEN_BAD_VERSION,	/* first byte is not 0x01 */
	TOKEN_UNKNOWN_KEY,	/* no issuer key has this key id */
	TOKEN_KEY_REVOKED,	/* key revoked and pass not known to predate it */
	TOKEN_BAD_SIGNATURE,	/* no key with this id signed these bytes */
};

/* What a scanned or typed input is. */
enum token_input {
	TOKEN_INPUT_TOKEN,	/* starts with "PN1:", any case */
	TOKEN_INPUT_CODE,	/* anything else: a human code */
};

/* Signs a pass: reads serial, campaign, value_cents and last_day from t,
 * sets t->version, t->key_id (from the public half of key) and
 * t->signature, and writes the 93 bytes to out. Returns 0, or -1 (t's
 * signature and out zeroed). key is read only; the caller wipes it. */
int token_sign(struct token *t, const struct secret_key *key,
    uint8_t out[TOKEN_BYTES]);

/* Writes the 93 bytes of t (no check of its contents). */
void token_encode(const struct token *t, uint8_t out[TOKEN_BYTES]);

/* Parses len bytes into *t. Returns TOKEN_OK, TOKEN_BAD_LENGTH or
 * TOKEN_BAD_VERSION (then *t is zeroed). Checks no signature. */
enum token_result token_decode(const uint8_t *bytes, size_t len,
    struct token *t);

/* Writes the token text "PN1:" + Base45(bytes), NUL-terminated. */
void token_to_text(const uint8_t bytes[TOKEN_BYTES],
    char out[TOKEN_TEXT_LEN + 1]);

/* Turns the len characters of text (no NUL needed) back into the 93 bytes:
 * trims surrounding whitespace, upper-cases, checks the prefix, Base45 and
 * length. Returns TOKEN_OK, TOKEN_BAD_PREFIX, TOKEN_BAD_BASE45 or
 * TOKEN_BAD_LENGTH (then out is zeroed). */
enum token_result token_from_text(const char *text, size_t len,
    uint8_t out[TOKEN_BYTES]);

/* Whether key's status lets it vouch for a pass issued at issued_at: an
 * active or retired key always, a revoked one only for issued_at < its
 * compromised_at (never for TOKEN_ISSUED_AT_UNKNOWN). */
bool token_key_allows(const struct issuer_key *key, int64_t issued_at);

/* Checks a decoded token against keys: key id known, key status (a revoked
 * key accepts only issued_at < its compromised_at; TOKEN_ISSUED_AT_UNKNOWN
 * never), signature. Keys sharing the id are each tried. Sets *key (when
 * not NULL) to the key that verified, else NULL. Reads only. */
enum token_result token_verify(const struct token *t,
    const struct keyset *keys, int64_t issued_at,
    const struct issuer_key **key) __attribute__((warn_unused_result));

/* Runs every check of TOKEN.md on a scanned text, in order: prefix,
 * Base45, length, version, key id, key status, signature. On TOKEN_OK
 * fills *t and bytes (each when not NULL); otherwise zeroes them. */
enum token_result token_verify_text(const char *text, size_t len,
    const struct keyset *keys, int64_t issued_at, struct token *t,
    uint8_t bytes[TOKEN_BYTES]) __attribute__((warn_unused_result));

/* Says whether an input is a token or a human code: after trimming
 * surrounding whitespace (space, tab, CR, LF), does it start with "PN1:"
 * in any case. */
enum token_input token_classify(const char *text, size_t len);

/* Stable UPPER_SNAKE code of r, e.g. "BAD_SIGNATURE"; "OK" for TOKEN_OK. */
const char *token_result_code(enum token_result r);

/* One-line English message for r. */
const char *token_result_message(enum token_result r);

#endif
