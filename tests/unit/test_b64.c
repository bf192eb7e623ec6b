/* Unit tests of lib/b64: the one canonical base64 decoder. It is compared
 * with a strict decoder written here from RFC 4648 alone (an alphabet
 * table, padding bits checked) over a million strings made from a fixed
 * seed: mutations of real encodings, which is where a lax decoder differs
 * (bytes above 0x7f, non-zero padding bits, misplaced '=', the other
 * alphabet's letters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include "b64.h"

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The reference: RFC 4648 decoding of s[0..len) that accepts only the
 * canonical form. Returns the decoded length, or -1. */
static long
reference(const char *s, size_t len, enum b64_variant v, uint8_t *out, size_t cap)
{
	const char *alphabet = v == B64_STANDARD ? std_alphabet : url_alphabet;
	size_t pad = 0, data, n = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (len == 0)
		return -1;
	if (v == B64_STANDARD) {
		if (len % 4 != 0)
			return -1;
		while (pad < 2 && s[len - 1 - pad] == '=')
			pad++;
	} else if (len % 4 == 1) {
		return -1;
	}
	data = len - pad;
	if (pad > 0 && (data % 4) + pad != 4)
		return -1;
	for (size_t i = 0; i < data; i++) {
		const char *at = memchr(alphabet, s[i], 64);
		if (s[i] == '\0' || at == NULL)
			return -1;
		acc = acc << 6 | (uint32_t)(at - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0) /* unused bits of the last character */
		return -1;
	return (long)n;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
check(const char *s, size_t len, enum b64_variant v, size_t cap)
{
	uint8_t got[B64_MAX_BYTES], want[B64_MAX_BYTES];
	size_t got_len = 99;
	long want_len = reference(s, len, v, want, cap);
	int rc = b64_decode(s, len, v, got, cap, &got_len);

	if (want_len < 0) {
		if (rc != -1 || got_len != 0)
			fail_msg("accepted %.*s (variant %d), the reference refuses it", (int)len, s, v);
		return;
	}
	if (rc != 0)
		fail_msg("refused %.*s (variant %d), the reference accepts it", (int)len, s, v);
	assert_int_equal(got_len, (size_t)want_len);
	assert_memory_equal(got, want, got_len);
}

static void
test_cases(void **state)
{
	uint8_t out[B64_MAX_BYTES];
	size_t n;

	(void)state;
	assert_int_equal(b64_decode("AQID", 4, B64_STANDARD, out, sizeof(out), &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "\x01\x02\x03", 3);
	assert_int_equal(b64_decode("AQ==", 4, B64_STANDARD, out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);
	/* What libsodium 1.0.18 alone accepts. */
	assert_int_equal(b64_decode("AQ\xf7=", 4, B64_STANDARD, out, sizeof(out), &n), -1);
	assert_int_equal(b64_decode("AR==", 4, B64_STANDARD, out, sizeof(out), &n), -1); /* padding bits */
	assert_int_equal(b64_decode("AQ", 2, B64_STANDARD, out, sizeof(out), &n), -1);   /* no padding */
	assert_int_equal(b64_decode("AQ=", 3, B64_STANDARD, out, sizeof(out), &n), -1);
	assert_int_equal(b64_decode("AQ===", 5, B64_STANDARD, out, sizeof(out), &n), -1);
	assert_int_equal(b64_decode("AQID ", 5, B64_STANDARD, out, sizeof(out), &n), -1);
	assert_int_equal(b64_decode("AQ-_", 4, B64_STANDARD, out, sizeof(out), &n), -1);
	assert_int_equal(b64_decode("AQ+/", 4, B64_URLSAFE_RAW, out, sizeof(out), &n), -1);
	assert_int_equal(b64_decode("AQ==", 4, B64_URLSAFE_RAW, out, sizeof(out), &n), -1);
	assert_int_equal(b64_decode("AQ", 2, B64_URLSAFE_RAW, out, sizeof(out), &n), 0);
	assert_int_equal(b64_decode("", 0, B64_STANDARD, out, sizeof(out), &n), -1);
	assert_int_equal(b64_decode("AQID", 4, B64_STANDARD, out, 2, &n), -1);             /* too long */
	assert_int_equal(b64_decode_exact("AQID", 4, B64_STANDARD, out, 3), 0);
	assert_int_equal(b64_decode_exact("AQID", 4, B64_STANDARD, out, 2), -1);
	assert_int_equal(b64_decode_exact("AQ==", 4, B64_STANDARD, out, 3), -1);            /* too short */
}

/* Every length, random bytes: what sodium_bin2base64 writes decodes back. */
static void
test_round_trip(void **state)
{
	uint8_t in[B64_MAX_BYTES], out[B64_MAX_BYTES];
	char text[sodium_base64_ENCODED_LEN(B64_MAX_BYTES, sodium_base64_VARIANT_ORIGINAL)];

	(void)state;
	for (size_t len = 1; len <= B64_MAX_BYTES; len++)
		for (int v = 0; v < 2; v++) {
			for (size_t i = 0; i < len; i++)
				in[i] = (uint8_t)next();
			sodium_bin2base64(text, sizeof(text), in, len, v == 0 ?
			    sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			assert_int_equal(b64_decode_exact(text, strlen(text), (enum b64_variant)v, out, len), 0);
			assert_memory_equal(in, out, len);
			check(text, strlen(text), (enum b64_variant)v, B64_MAX_BYTES);
		}
}

/* A million mutations of real encodings, compared with the reference. */
static void
test_against_reference(void **state)
{
	static const char specials[] = "=+/-_ \n\0\x7f\x80\xf7\xff";
	uint8_t in[48];
	char text[sodium_base64_ENCODED_LEN(sizeof(in), sodium_base64_VARIANT_ORIGINAL)];

	(void)state;
	for (int round = 0; round < 1000000; round++) {
		enum b64_variant v = (enum b64_variant)(next() & 1);
		size_t len = 1 + next() % sizeof(in), tlen;
		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)next();
		sodium_bin2base64(text, sizeof(text), in, len, v == B64_STANDARD ?
		    sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		tlen = strlen(text);
		for (uint32_t k = next() % 3; k > 0; k--) {
			size_t at = next() % tlen;
			switch (next() % 4) {
			case 0: /* any byte */
				text[at] = (char)next();
				break;
			case 1: /* a special one */
				text[at] = specials[next() % (sizeof(specials) - 1)];
				break;
			case 2: /* one more or one fewer character at the end */
				if (tlen + 1 < sizeof(text) && (next() & 1))
					text[tlen++] = std_alphabet[next() % 64];
				else if (tlen > 1)
					tlen--;
				break;
			default: { /* flip a low bit of the last letter (the padding bits) */
				size_t last = tlen - 1;
				while (last > 0 && text[last] == '=')
					last--;
				text[last] ^= (char)(1 << (next() % 3));
				break;
			}
			}
		}
		check(text, tlen, v, len + (next() % 3 == 0 ? 1 : 0));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_against_reference),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
