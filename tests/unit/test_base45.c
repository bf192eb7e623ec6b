/* Base45 (RFC 9285): the RFC's examples both ways, its invalid inputs,
 * buffer limits, and random round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include "base45.h"

static const struct {
	const char *bytes;
	const char *text;
} rfc_vectors[] = {
	{ "AB", "BB8" },
	{ "Hello!!", "%69 VD92EX0" },
	{ "base-45", "UJCLQE7W581" },
	{ "ietf!", "QED8WEX0" },
	{ "", "" },
};

static void
test_rfc_encode(void **state)
{
	char out[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(rfc_vectors) / sizeof(rfc_vectors[0]); i++) {
		const char *b = rfc_vectors[i].bytes;
		assert_int_equal(base45_encode((const uint8_t *)b, strlen(b),
		    out, sizeof(out), &n), 0);
		assert_string_equal(out, rfc_vectors[i].text);
		assert_int_equal(n, strlen(rfc_vectors[i].text));
		assert_int_equal(base45_encoded_len(strlen(b)), n);
	}
}

static void
test_rfc_decode(void **state)
{
	uint8_t out[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(rfc_vectors) / sizeof(rfc_vectors[0]); i++) {
		const char *t = rfc_vectors[i].text;
		assert_int_equal(base45_decode(t, strlen(t), out, sizeof(out),
		    &n), 0);
		assert_int_equal(n, strlen(rfc_vectors[i].bytes));
		assert_memory_equal(out, rfc_vectors[i].bytes, n);
		assert_int_equal(base45_check(t, strlen(t)), 0);
	}
}

static void
test_invalid(void **state)
{
	static const char *bad[] = {
		"GGW",		/* 65536 + ... > 65535 */
		":::",		/* 44 + 44*45 + 44*2025 = 91124 */
		"A",		/* one leftover character */
		"BB8A",		/* one leftover after a triplet */
		"bb8",		/* lower case is not Base45 */
		"BB#",		/* outside the alphabet */
		"B\0008",	/* B, NUL, 8 */
		"::",		/* pair 2024 > 255 */
		"V5",		/* pair 31 + 5*45 = 256 > 255 */
	};
	static const size_t len[] = { 3, 3, 1, 4, 3, 3, 3, 2, 2 };
	uint8_t out[8];
	size_t i, n = 99;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(base45_decode(bad[i], len[i], out,
		    sizeof(out), &n), -1);
		assert_int_equal(n, 0);
		for (size_t j = 0; j < sizeof(out); j++)
			assert_int_equal(out[j], 0);
		assert_int_equal(base45_check(bad[i], len[i]), -1);
	}
	/* The largest valid groups. */
	assert_int_equal(base45_decode("FGW", 3, out, sizeof(out), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 0xff);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(base45_decode("U5", 2, out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 0xff);
}

static void
test_lengths_and_buffers(void **state)
{
	char text[8];
	uint8_t out[2];
	size_t n;

	(void)state;
	assert_int_equal(base45_encoded_len(0), 0);
	assert_int_equal(base45_encoded_len(1), 2);
	assert_int_equal(base45_encoded_len(2), 3);
	assert_int_equal(base45_encoded_len(93), 140);
	assert_int_equal(base45_encoded_len(SIZE_MAX), SIZE_MAX);
	assert_int_equal(base45_decoded_len(140, &n), 0);
	assert_int_equal(n, 93);
	assert_int_equal(base45_decoded_len(139, &n), -1);
	assert_int_equal(base45_decoded_len(0, &n), 0);
	assert_int_equal(n, 0);
	/* "AB" needs 3 characters plus the NUL. */
	assert_int_equal(base45_encode((const uint8_t *)"AB", 2, text, 3, &n), -1);
	assert_string_equal(text, "");
	assert_int_equal(base45_encode((const uint8_t *)"AB", 2, text, 4, &n), 0);
	assert_string_equal(text, "BB8");
	/* "Hello!!" is 7 bytes: a 2-byte buffer is too small. */
	assert_int_equal(base45_decode("%69 VD92EX0", 11, out, sizeof(out), &n), -1);
	assert_int_equal(n, 0);
	assert_int_equal(base45_decode("BB8", 3, out, 2, &n), 0);
	assert_memory_equal(out, "AB", 2);
}

static void
test_random_round_trips(void **state)
{
	uint8_t in[64], back[64];
	char text[100];
	size_t len, n, m;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		len = randombytes_uniform(sizeof(in) + 1);
		randombytes_buf(in, len);
		assert_int_equal(base45_encode(in, len, text, sizeof(text), &n), 0);
		assert_int_equal(n, base45_encoded_len(len));
		assert_int_equal(strlen(text), n);
		assert_int_equal(base45_decode(text, n, back, sizeof(back), &m), 0);
		assert_int_equal(m, len);
		assert_memory_equal(back, in, len);
	}
}

/* Every 2- and 3-character string over the alphabet and a few outsiders:
 * decoding succeeds exactly for values that fit, and re-encodes to itself. */
static void
test_exhaustive_groups(void **state)
{
	static const char chars[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:a#";
	const size_t nc = sizeof(chars) - 1;
	char t[3], again[4];
	uint8_t out[2];
	size_t a, b, c, n, k;
	unsigned v;

	(void)state;
	for (a = 0; a < nc; a++)
		for (b = 0; b < nc; b++)
			for (c = 0; c <= nc; c++) {
				size_t len = c == nc ? 2 : 3;
				int ok = a < 45 && b < 45 && (len == 2 || c < 45);
				t[0] = chars[a];
				t[1] = chars[b];
				t[2] = c == nc ? 0 : chars[c];
				v = (unsigned)(a + b * 45 + (len == 3 ? c * 2025 : 0));
				ok = ok && v <= (len == 3 ? 65535u : 255u);
				assert_int_equal(base45_decode(t, len, out, 2, &n),
				    ok ? 0 : -1);
				if (!ok)
					continue;
				assert_int_equal(base45_encode(out, n, again,
				    sizeof(again), &k), 0);
				assert_int_equal(k, len);
				assert_memory_equal(again, t, len);
			}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_encode),
		cmocka_unit_test(test_rfc_decode),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_lengths_and_buffers),
		cmocka_unit_test(test_random_round_trips),
		cmocka_unit_test(test_exhaustive_groups),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
