/* The v1 token: TOKEN.md's vectors and docs/token-format.md's own, both
 * ways; every single-byte change rejected at the right stage; truncation,
 * extension, case, whitespace; key statuses and shared key ids. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include "base45.h"
#include "code.h"
#include "keys.h"
#include "token.h"

struct vector {
	const char *seed;
	const char *public_key;
	const char *key_id;
	const char *serial;
	uint32_t campaign, value_cents, last_day;
	const char *message;
	const char *bytes;
	const char *text;
	const char *code;
};

/* 1-3: TOKEN.md. 4-5: docs/token-format.md (made by this code). */
static const struct vector vectors[] = {
	{ "0101010101010101010101010101010101010101010101010101010101010101",
	  "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c",
	  "c5e21ab1", "00112233445566778899aabb", 1, 1000, 21183,
	  "706173736e756d2d766f75636865722d763101c5e21ab100112233445566778899aabb00000001000003e8000052bf",
	  "01c5e21ab100112233445566778899aabb00000001000003e8000052bf5c55c9bec85a3ef7e8c5cf7be3619cb104946d256ff29e98f38edd7faa638e89f5e70bcdad989a897f17919953cfbe56b4675fc6a67b8aedfc615d7e800e5100",
	  "PN1:3A0CQS.GML72TL6$ZA05F8JJ$SN000V50300$ET$10S8O1%AF5OHIBEFVE0PZTFDFC1HMHYI/W4AUU5FJX2IC6GGQC$JHH9T30Q6DJ9HH3:2BHJ$BQB/A33D45P RF*3U+DCT:FK 100",
	  "000H4-8SM8N-B6EY4-9KANV-C" },
	{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	  "7849ac30", "ffffffffffffffffffffffff", 4294967295u, 500, 20454,
	  "706173736e756d2d766f75636865722d7631017849ac30ffffffffffffffffffffffffffffffff000001f400004fe6",
	  "017849ac30ffffffffffffffffffffffffffffffff000001f400004fe6d6b247b91051a18ce232bb959ad44c4bced46a77893e4adea29e5039048f75f2e138b5c0384c59f89c2e2b6daf3e7da9212ab966cb5c17dadd94594b2feb1a00",
	  "PN1:G805E9X86FGWFGWFGWFGWFGWFGWFGWUAW1004%UY1098T9OM HNHEAL HRI63-IX$QBQ9I%Q15FG*7O6SS0KG9756IWVUR77NDOFT9EJVT$5:%DM+77HL2I5Z:C+SB4UR.XIWM9LWT00",
	  "1ZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-9" },
	{ "4242424242424242424242424242424242424242424242424242424242424242",
	  "2152f8d19b791d24453242e15f2eab6cb7cffa7b6a5ed30097960e069881db12",
	  "26e88ab5", "000000000000000000000000", 93, 2000, 21549,
	  "706173736e756d2d766f75636865722d76310126e88ab50000000000000000000000000000005d000007d00000542d",
	  "0126e88ab50000000000000000000000000000005d000007d00000542d3d4e6a5e5a0cd420af41b10f21b02a5d40283932864d1f93ecd1f5afeb5bf8a342eeb4ce503e7b250003d4fb4e9b79452822279db3a379b6614555d31af8f001",
	  "PN1:O60+HTV*M0000000000000000000003YB700DDQ*10GW54-9Y-B:R1.54WD83-18CMMZB$35JH6XX9NVIJOQZAM9SBYSK/7UV3QK+7MU4ZL0TYVLTJJX8DE46.J:TKO2NJY8.UQ8LV10",
	  "00000-00000-00000-00000-0" },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	  "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8",
	  "9d24e2ee", "0123456789abcdeffedcba98", 42, 1050, 20818,
	  "706173736e756d2d766f75636865722d7631019d24e2ee0123456789abcdeffedcba980000002a0000041a00005152",
	  "019d24e2ee0123456789abcdeffedcba980000002a0000041a0000515239fe308d9b5dc737e6a1613166e7fbdfea313eab463a87e441ecf88908a15cc938d1f52ef1e69b3d5708c215d212de16f7b72e346419b86a45544cc686b9f101",
	  "PN1:890$T4:3UTK404DGWLDFUV+RW9J000.D5400-C3 10YHA26WQ+HM%B0373IK1B6WET$DS6A6GTL/H7N%S4/TPEH/HKWJPJOQ2.5+6T/X7$416Y2FH2T+247N2S6EB3PJDPTAH4P MN10",
	  "00938-NKRKA-YDXZZ-DSEMR-3" },
	{ "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	  "76a1592044a6e4f511265bca73a604d90b0529d1df602be30a19a9257660d1f5",
	  "64955411", "800000000000000000000001", 0, 1, 0,
	  "706173736e756d2d766f75636865722d76310164955411800000000000000000000001000000000000000100000000",
	  "016495541180000000000000000000000100000000000000010000000015729917d290bcb45cb7ca070e0be64e0e1176f8fcca86ea52f8746eba58adf1d1e35f345bf01d5a54ad74d296bf7f66831742772b0d209da4738de024b74c0b",
	  "PN1:-70N*IP92000000000000000V50000000000V50000L00.LEN03HDI2 MPAN6+0VM12*9F92KLV6RP1STJIV-:DL9BUPUMXS%R6:FU*IBY-L0SQI9O8/CE.2.2FUT1 -JGRE5FSY7NB0",
	  "10000-00000-00000-00001-6" },
};
#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static void
hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(hex), 2 * n);
	assert_int_equal(sodium_hex2bin(out, n, hex, 2 * n, NULL, NULL, NULL), 0);
}

/* Makes the issuer key of a seed, with the given status. */
static void
make_key(const uint8_t seed[32], enum key_status status, int64_t compromised_at,
    struct issuer_key *key, struct secret_key *sk)
{
	uint8_t pk[32];
	struct secret_key tmp;

	if (sk == NULL)
		sk = &tmp;
	memset(key, 0, sizeof(*key));
	assert_int_equal(crypto_sign_seed_keypair(pk, sk->bytes, seed), 0);
	memcpy(key->public_key, pk, 32);
	keys_issuer_key_id(pk, key->key_id);
	key->status = status;
	key->created_at = 1700000000;
	key->compromised_at = compromised_at;
	if (sk == &tmp)
		secret_key_wipe(&tmp);
}

/* A one-key keyset for vector v. */
static void
vector_keyset(const struct vector *v, struct keyset *set)
{
	uint8_t seed[32];
	struct issuer_key key;

	memset(set, 0, sizeof(*set));
	hex_to_bytes(v->seed, seed, 32);
	make_key(seed, KEY_ACTIVE, 0, &key, NULL);
	keyset_add(set, &key);
}

static void
test_vectors_sign(void **state)
{
	uint8_t seed[32], pk[32], kid[4], bytes[TOKEN_BYTES], want[TOKEN_BYTES];
	uint8_t msg[47], want_msg[47];
	char text[TOKEN_TEXT_LEN + 1], code[CODE_TEXT_LEN + 1];
	struct secret_key sk;
	struct token t;
	size_t i;

	(void)state;
	for (i = 0; i < NVECTORS; i++) {
		const struct vector *v = &vectors[i];
		hex_to_bytes(v->seed, seed, 32);
		assert_int_equal(crypto_sign_seed_keypair(pk, sk.bytes, seed), 0);
		hex_to_bytes(v->public_key, want, 32);
		assert_memory_equal(pk, want, 32);
		keys_issuer_key_id(pk, kid);
		hex_to_bytes(v->key_id, want, 4);
		assert_memory_equal(kid, want, 4);

		memset(&t, 0xee, sizeof(t));
		hex_to_bytes(v->serial, t.serial, 12);
		t.campaign = v->campaign;
		t.value_cents = v->value_cents;
		t.last_day = v->last_day;
		assert_int_equal(token_sign(&t, &sk, bytes), 0);
		secret_key_wipe(&sk);
		hex_to_bytes(v->bytes, want, TOKEN_BYTES);
		assert_memory_equal(bytes, want, TOKEN_BYTES);
		assert_int_equal(t.version, 1);
		assert_memory_equal(t.key_id, kid, 4);

		memcpy(msg, TOKEN_DOMAIN, 18);
		memcpy(msg + 18, bytes, TOKEN_SIGNED_BYTES);
		hex_to_bytes(v->message, want_msg, sizeof(want_msg));
		assert_memory_equal(msg, want_msg, sizeof(msg));
		assert_int_equal(crypto_sign_verify_detached(bytes + 29, msg,
		    sizeof(msg), pk), 0);

		token_to_text(bytes, text);
		assert_int_equal(strlen(text), TOKEN_TEXT_LEN);
		assert_string_equal(text, v->text);
		code_format(t.serial, code);
		assert_string_equal(code, v->code);
	}
}

static void
test_vectors_verify(void **state)
{
	uint8_t bytes[TOKEN_BYTES], want[TOKEN_BYTES], serial[12];
	struct keyset set;
	struct token t, d;
	const struct issuer_key *key;
	size_t i;

	(void)state;
	for (i = 0; i < NVECTORS; i++) {
		const struct vector *v = &vectors[i];
		vector_keyset(v, &set);
		assert_int_equal(token_from_text(v->text, strlen(v->text), bytes),
		    TOKEN_OK);
		hex_to_bytes(v->bytes, want, TOKEN_BYTES);
		assert_memory_equal(bytes, want, TOKEN_BYTES);
		assert_int_equal(token_decode(bytes, TOKEN_BYTES, &t), TOKEN_OK);
		assert_int_equal(t.version, 1);
		hex_to_bytes(v->key_id, want, 4);
		assert_memory_equal(t.key_id, want, 4);
		hex_to_bytes(v->serial, serial, 12);
		assert_memory_equal(t.serial, serial, 12);
		assert_int_equal(t.campaign, v->campaign);
		assert_int_equal(t.value_cents, v->value_cents);
		assert_int_equal(t.last_day, v->last_day);
		assert_int_equal(token_verify(&t, &set, TOKEN_ISSUED_AT_UNKNOWN,
		    &key), TOKEN_OK);
		assert_ptr_equal(key, &set.keys[0]);

		memset(bytes, 0, sizeof(bytes));
		assert_int_equal(token_verify_text(v->text, strlen(v->text), &set,
		    TOKEN_ISSUED_AT_UNKNOWN, &d, bytes), TOKEN_OK);
		assert_memory_equal(&d, &t, sizeof(t));
		hex_to_bytes(v->bytes, want, TOKEN_BYTES);
		assert_memory_equal(bytes, want, TOKEN_BYTES);
		keyset_free(&set);
	}
}

/* Scanners with Caps Lock on send lower case; scanners end with CR/LF. */
static void
test_lower_case_and_whitespace(void **state)
{
	char text[TOKEN_TEXT_LEN + 8];
	struct keyset set;
	size_t i, j;

	(void)state;
	for (i = 0; i < NVECTORS; i++) {
		vector_keyset(&vectors[i], &set);
		snprintf(text, sizeof(text), " \t%s\r\n", vectors[i].text);
		for (j = 0; text[j] != '\0'; j++)
			if (text[j] >= 'A' && text[j] <= 'Z')
				text[j] = (char)(text[j] - 'A' + 'a');
		assert_int_equal(token_classify(text, strlen(text)), TOKEN_INPUT_TOKEN);
		assert_int_equal(token_verify_text(text, strlen(text), &set,
		    TOKEN_ISSUED_AT_UNKNOWN, NULL, NULL), TOKEN_OK);
		keyset_free(&set);
	}
}

/* Expected result when bytes differ from a valid token at position pos. */
static enum token_result
expected_for_position(size_t pos)
{
	if (pos == 0)
		return TOKEN_BAD_VERSION;
	if (pos >= 1 && pos <= 4)
		return TOKEN_UNKNOWN_KEY;
	return TOKEN_BAD_SIGNATURE;
}

/* Every single-byte change (all 93 x 255) of the first vector, and the
 * changes by 0x01, 0x80 and 0xff of the others, through the bytes and
 * through the text (the whole pipeline). */
static void
test_every_single_byte_change(void **state)
{
	uint8_t good[TOKEN_BYTES], bad[TOKEN_BYTES];
	char text[TOKEN_TEXT_LEN + 1];
	struct keyset set;
	struct token t;
	enum token_result want, r;
	size_t i, pos;
	unsigned delta;

	(void)state;
	for (i = 0; i < NVECTORS; i++) {
		vector_keyset(&vectors[i], &set);
		hex_to_bytes(vectors[i].bytes, good, TOKEN_BYTES);
		for (pos = 0; pos < TOKEN_BYTES; pos++) {
			want = expected_for_position(pos);
			for (delta = 1; delta < 256; delta++) {
				if (i > 0 && delta != 0x01 && delta != 0x80 &&
				    delta != 0xff)
					continue;
				memcpy(bad, good, TOKEN_BYTES);
				bad[pos] ^= (uint8_t)delta;
				r = token_decode(bad, TOKEN_BYTES, &t);
				if (r == TOKEN_OK)
					r = token_verify(&t, &set, 0, NULL);
				assert_int_equal(r, want);
				token_to_text(bad, text);
				assert_int_equal(token_verify_text(text,
				    TOKEN_TEXT_LEN, &set, 0, NULL, NULL), want);
			}
		}
		keyset_free(&set);
	}
}

static void
test_truncated_and_extended(void **state)
{
	static const char alphabet[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$%*+-./:";
	char text[TOKEN_TEXT_LEN + 8];
	uint8_t bytes[TOKEN_BYTES];
	struct keyset set;
	enum token_result want;
	size_t i, len, a;
	uint8_t zero[TOKEN_BYTES] = { 0 };

	(void)state;
	vector_keyset(&vectors[0], &set);
	for (len = 0; len < TOKEN_TEXT_LEN; len++) {
		memcpy(text, vectors[0].text, len);
		/* A cut just after a space leaves it trailing: trimmed. */
		size_t kept = len;
		while (kept > 0 && text[kept - 1] == ' ')
			kept--;
		if (kept < TOKEN_PREFIX_LEN)
			want = TOKEN_BAD_PREFIX;
		else if (base45_check(text + 4, kept - 4) != 0)
			want = TOKEN_BAD_BASE45;
		else
			want = TOKEN_BAD_LENGTH;
		if (kept >= 4 && (kept - 4) % 3 == 1)
			assert_int_equal(want, TOKEN_BAD_BASE45);
		memset(bytes, 0xaa, sizeof(bytes));
		assert_int_equal(token_from_text(text, len, bytes), want);
		assert_memory_equal(bytes, zero, TOKEN_BYTES);
		assert_int_equal(token_verify_text(text, len, &set,
		    TOKEN_ISSUED_AT_UNKNOWN, NULL, NULL), want);
	}
	/* One to three more characters: 141 is Base45 of nothing (BAD_BASE45),
	 * 142 and 143 decode (or not) to the wrong length. */
	for (a = 0; a < sizeof(alphabet) - 1; a++) {
		for (i = 1; i <= 3; i++) {
			memcpy(text, vectors[0].text, TOKEN_TEXT_LEN);
			memset(text + TOKEN_TEXT_LEN, alphabet[a], i);
			len = TOKEN_TEXT_LEN + i;
			want = base45_check(text + 4, len - 4) != 0 ?
			    TOKEN_BAD_BASE45 : TOKEN_BAD_LENGTH;
			assert_int_equal(token_verify_text(text, len, &set,
			    TOKEN_ISSUED_AT_UNKNOWN, NULL, NULL), want);
		}
	}
	/* Valid Base45 of 92 and 94 bytes. */
	memcpy(text, vectors[0].text, TOKEN_TEXT_LEN);
	assert_int_equal(token_from_text(text, TOKEN_TEXT_LEN - 2, bytes),
	    TOKEN_BAD_LENGTH);
	memcpy(text + TOKEN_TEXT_LEN, "000", 3);
	assert_int_equal(token_from_text(text, TOKEN_TEXT_LEN + 3, bytes),
	    TOKEN_BAD_LENGTH);
	/* Raw bytes of the wrong length. */
	struct token t;
	hex_to_bytes(vectors[0].bytes, bytes, TOKEN_BYTES);
	assert_int_equal(token_decode(bytes, TOKEN_BYTES - 1, &t), TOKEN_BAD_LENGTH);
	assert_int_equal(token_decode(bytes, 0, &t), TOKEN_BAD_LENGTH);
	keyset_free(&set);
}

static void
test_prefix_and_base45(void **state)
{
	char text[TOKEN_TEXT_LEN + 1];
	uint8_t bytes[TOKEN_BYTES];

	(void)state;
	memcpy(text, vectors[0].text, sizeof(text));
	assert_int_equal(token_from_text("", 0, bytes), TOKEN_BAD_PREFIX);
	assert_int_equal(token_from_text("\r\n", 2, bytes), TOKEN_BAD_PREFIX);
	text[2] = '2';	/* PN2: */
	assert_int_equal(token_from_text(text, TOKEN_TEXT_LEN, bytes), TOKEN_BAD_PREFIX);
	text[2] = '1';
	text[3] = ';';
	assert_int_equal(token_from_text(text, TOKEN_TEXT_LEN, bytes), TOKEN_BAD_PREFIX);
	text[3] = ':';
	assert_int_equal(token_from_text(text + 1, TOKEN_TEXT_LEN - 1, bytes),
	    TOKEN_BAD_PREFIX);
	text[50] = '#';
	assert_int_equal(token_from_text(text, TOKEN_TEXT_LEN, bytes), TOKEN_BAD_BASE45);
	text[50] = '\0';
	assert_int_equal(token_from_text(text, TOKEN_TEXT_LEN, bytes), TOKEN_BAD_BASE45);
	/* A triplet above 65535 in place of the first one. */
	memcpy(text, vectors[0].text, sizeof(text));
	memcpy(text + 4, "GGW", 3);
	assert_int_equal(token_from_text(text, TOKEN_TEXT_LEN, bytes), TOKEN_BAD_BASE45);
	/* Base45 is checked before the length, even on long inputs. */
	char *big = malloc(10000);
	assert_non_null(big);
	memcpy(big, "PN1:", 4);
	memset(big + 4, 'A', 9997 - 4);
	assert_int_equal(token_from_text(big, 9997, bytes), TOKEN_BAD_LENGTH);
	assert_int_equal(token_from_text(big, 9996, bytes), TOKEN_BAD_BASE45);
	big[9000] = '#';
	assert_int_equal(token_from_text(big, 9997, bytes), TOKEN_BAD_BASE45);
	free(big);
}

static void
test_classify(void **state)
{
	(void)state;
	assert_int_equal(token_classify("PN1:", 4), TOKEN_INPUT_TOKEN);
	assert_int_equal(token_classify("pn1:XYZ", 7), TOKEN_INPUT_TOKEN);
	assert_int_equal(token_classify("  Pn1:XYZ\r\n", 11), TOKEN_INPUT_TOKEN);
	assert_int_equal(token_classify("\r\n\tpN1:", 7), TOKEN_INPUT_TOKEN);
	assert_int_equal(token_classify("000H4-8SM8N-B6EY4-9KANV-C", 25), TOKEN_INPUT_CODE);
	assert_int_equal(token_classify("PN1", 3), TOKEN_INPUT_CODE);
	assert_int_equal(token_classify("PN2:AAA", 7), TOKEN_INPUT_CODE);
	assert_int_equal(token_classify("", 0), TOKEN_INPUT_CODE);
	assert_int_equal(token_classify(" P N1:", 6), TOKEN_INPUT_CODE);
}

static void
test_random_round_trips(void **state)
{
	uint8_t seed[32], bytes[TOKEN_BYTES], back[TOKEN_BYTES];
	char text[TOKEN_TEXT_LEN + 1];
	struct secret_key sk;
	struct issuer_key key;
	struct keyset set = { NULL, 0 };
	struct token t, d;
	int i;

	(void)state;
	for (i = 0; i < 300; i++) {
		randombytes_buf(seed, sizeof(seed));
		make_key(seed, KEY_ACTIVE, 0, &key, &sk);
		keyset_free(&set);
		keyset_add(&set, &key);
		memset(&t, 0, sizeof(t));
		randombytes_buf(t.serial, sizeof(t.serial));
		t.campaign = randombytes_random();
		t.value_cents = randombytes_random();
		t.last_day = randombytes_random();
		assert_int_equal(token_sign(&t, &sk, bytes), 0);
		secret_key_wipe(&sk);
		token_to_text(bytes, text);
		assert_int_equal(strlen(text), TOKEN_TEXT_LEN);
		assert_int_equal(token_verify_text(text, TOKEN_TEXT_LEN, &set,
		    TOKEN_ISSUED_AT_UNKNOWN, &d, back), TOKEN_OK);
		assert_memory_equal(&d, &t, sizeof(t));
		assert_memory_equal(back, bytes, TOKEN_BYTES);
		token_encode(&d, back);
		assert_memory_equal(back, bytes, TOKEN_BYTES);
	}
	keyset_free(&set);
}

static void
test_key_statuses(void **state)
{
	uint8_t seed[32], other_seed[32];
	char *text;
	struct issuer_key key;
	struct keyset set = { NULL, 0 };
	const int64_t t0 = 1767225600;	/* compromise time */

	(void)state;
	text = (char *)vectors[0].text;
	hex_to_bytes(vectors[0].seed, seed, 32);
	hex_to_bytes(vectors[1].seed, other_seed, 32);

	/* Empty key set and a wrong key: unknown. */
	assert_int_equal(token_verify_text(text, strlen(text), &set, 0, NULL,
	    NULL), TOKEN_UNKNOWN_KEY);
	assert_int_equal(token_verify_text(text, strlen(text), NULL, 0, NULL,
	    NULL), TOKEN_UNKNOWN_KEY);
	make_key(other_seed, KEY_ACTIVE, 0, &key, NULL);
	keyset_add(&set, &key);
	assert_int_equal(token_verify_text(text, strlen(text), &set, 0, NULL,
	    NULL), TOKEN_UNKNOWN_KEY);
	keyset_free(&set);

	/* Retired: still verifies. */
	make_key(seed, KEY_RETIRED, 0, &key, NULL);
	keyset_add(&set, &key);
	assert_int_equal(token_verify_text(text, strlen(text), &set,
	    TOKEN_ISSUED_AT_UNKNOWN, NULL, NULL), TOKEN_OK);
	keyset_free(&set);

	/* Revoked: only passes issued before the compromise. */
	make_key(seed, KEY_REVOKED, t0, &key, NULL);
	keyset_add(&set, &key);
	assert_int_equal(token_verify_text(text, strlen(text), &set, t0 - 1,
	    NULL, NULL), TOKEN_OK);
	assert_int_equal(token_verify_text(text, strlen(text), &set, 0, NULL,
	    NULL), TOKEN_OK);
	assert_int_equal(token_verify_text(text, strlen(text), &set, t0, NULL,
	    NULL), TOKEN_KEY_REVOKED);
	assert_int_equal(token_verify_text(text, strlen(text), &set, t0 + 86400,
	    NULL, NULL), TOKEN_KEY_REVOKED);
	assert_int_equal(token_verify_text(text, strlen(text), &set,
	    TOKEN_ISSUED_AT_UNKNOWN, NULL, NULL), TOKEN_KEY_REVOKED);
	assert_int_equal(token_verify_text(text, strlen(text), &set, INT64_MAX,
	    NULL, NULL), TOKEN_KEY_REVOKED);
	/* Status is checked before the signature (TOKEN.md's order). */
	char forged[TOKEN_TEXT_LEN + 1];
	uint8_t bytes[TOKEN_BYTES];
	hex_to_bytes(vectors[0].bytes, bytes, TOKEN_BYTES);
	bytes[60] ^= 1;
	token_to_text(bytes, forged);
	assert_int_equal(token_verify_text(forged, TOKEN_TEXT_LEN, &set, t0,
	    NULL, NULL), TOKEN_KEY_REVOKED);
	assert_int_equal(token_verify_text(forged, TOKEN_TEXT_LEN, &set, t0 - 1,
	    NULL, NULL), TOKEN_BAD_SIGNATURE);
	/* Unknown status values are refused like a revoked key. */
	set.keys[0].status = (enum key_status)7;
	assert_int_equal(token_verify_text(text, strlen(text), &set, 0, NULL,
	    NULL), TOKEN_KEY_REVOKED);
	keyset_free(&set);
}

/* Two keys share a key id: each is tried, in any order and any status mix. */
static void
test_shared_key_id(void **state)
{
	uint8_t seed[32], fake_seed[32];
	struct issuer_key real, fake;
	struct keyset set = { NULL, 0 };
	const struct issuer_key *used;
	struct token t;
	uint8_t bytes[TOKEN_BYTES];
	const char *text = vectors[0].text;
	const int64_t t0 = 1767225600;

	(void)state;
	hex_to_bytes(vectors[0].seed, seed, 32);
	hex_to_bytes(vectors[2].seed, fake_seed, 32);
	make_key(seed, KEY_ACTIVE, 0, &real, NULL);
	make_key(fake_seed, KEY_ACTIVE, 0, &fake, NULL);
	memcpy(fake.key_id, real.key_id, 4);
	assert_memory_not_equal(fake.public_key, real.public_key, 32);

	keyset_add(&set, &fake);
	keyset_add(&set, &real);
	assert_int_equal(token_from_text(text, strlen(text), bytes), TOKEN_OK);
	assert_int_equal(token_decode(bytes, TOKEN_BYTES, &t), TOKEN_OK);
	assert_int_equal(token_verify(&t, &set, 0, &used), TOKEN_OK);
	assert_ptr_equal(used, &set.keys[1]);
	keyset_free(&set);

	keyset_add(&set, &real);
	keyset_add(&set, &fake);
	assert_int_equal(token_verify(&t, &set, 0, &used), TOKEN_OK);
	assert_ptr_equal(used, &set.keys[0]);
	keyset_free(&set);

	/* Fake revoked, real active: still fine, even with unknown issue time. */
	fake.status = KEY_REVOKED;
	fake.compromised_at = t0;
	keyset_add(&set, &fake);
	keyset_add(&set, &real);
	assert_int_equal(token_verify(&t, &set, TOKEN_ISSUED_AT_UNKNOWN, &used),
	    TOKEN_OK);
	assert_ptr_equal(used, &set.keys[1]);
	keyset_free(&set);

	/* Real revoked, fake active: the real key signed it, so KEY_REVOKED
	 * (not BAD_SIGNATURE) after the compromise, OK before. */
	fake.status = KEY_ACTIVE;
	real.status = KEY_REVOKED;
	real.compromised_at = t0;
	keyset_add(&set, &fake);
	keyset_add(&set, &real);
	assert_int_equal(token_verify(&t, &set, t0, &used), TOKEN_KEY_REVOKED);
	assert_null(used);
	assert_int_equal(token_verify(&t, &set, t0 - 1, &used), TOKEN_OK);
	assert_ptr_equal(used, &set.keys[1]);
	/* A forgery under both: bad signature. */
	t.signature[0] ^= 1;
	assert_int_equal(token_verify(&t, &set, t0, &used), TOKEN_BAD_SIGNATURE);
	keyset_free(&set);
}

static void
test_result_strings(void **state)
{
	static const struct {
		enum token_result r;
		const char *code;
	} want[] = {
		{ TOKEN_OK, "OK" },
		{ TOKEN_BAD_PREFIX, "BAD_PREFIX" },
		{ TOKEN_BAD_BASE45, "BAD_BASE45" },
		{ TOKEN_BAD_LENGTH, "BAD_LENGTH" },
		{ TOKEN_BAD_VERSION, "BAD_VERSION" },
		{ TOKEN_UNKNOWN_KEY, "UNKNOWN_KEY" },
		{ TOKEN_KEY_REVOKED, "KEY_REVOKED" },
		{ TOKEN_BAD_SIGNATURE, "BAD_SIGNATURE" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(token_result_code(want[i].r), want[i].code);
		assert_non_null(token_result_message(want[i].r));
		assert_null(strchr(token_result_message(want[i].r), '\n'));
	}
	assert_string_equal(token_result_code((enum token_result)99), "INTERNAL");
	assert_non_null(token_result_message((enum token_result)-1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_sign),
		cmocka_unit_test(test_vectors_verify),
		cmocka_unit_test(test_lower_case_and_whitespace),
		cmocka_unit_test(test_every_single_byte_change),
		cmocka_unit_test(test_truncated_and_extended),
		cmocka_unit_test(test_prefix_and_base45),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_random_round_trips),
		cmocka_unit_test(test_key_statuses),
		cmocka_unit_test(test_shared_key_id),
		cmocka_unit_test(test_result_strings),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
