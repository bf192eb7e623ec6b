/* The human code: known answers, a 128-bit reference model, every single
 * substitution and adjacent transposition of 1,000 random codes caught,
 * leniency (case, dashes, spaces, I/L/O), and each refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include "code.h"

static const char symbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";

static const struct {
	const char *serial;
	const char *code;
} known[] = {
	{ "00112233445566778899aabb", "000H4-8SM8N-B6EY4-9KANV-C" },
	{ "ffffffffffffffffffffffff", "1ZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-9" },
	{ "000000000000000000000000", "00000-00000-00000-00000-0" },
	{ "0123456789abcdeffedcba98", "00938-NKRKA-YDXZZ-DSEMR-3" },
	{ "800000000000000000000001", "10000-00000-00000-00001-6" },
	{ "000000000000000000000001", "00000-00000-00000-00001-1" },
	{ "000000000000000000000024", "00000-00000-00000-00014-U" },
};

/* The reference model: the serial as one 128-bit integer. */
static void
reference_format(const uint8_t serial[12], char out[CODE_TEXT_LEN + 1])
{
	unsigned __int128 v = 0;
	char digits[20];
	size_t i, o = 0;

	for (i = 0; i < 12; i++)
		v = v << 8 | serial[i];
	for (i = 0; i < 20; i++)
		digits[19 - i] = symbols[(unsigned)((v >> (5 * i)) & 31)];
	for (i = 0; i < 20; i++) {
		if (i > 0 && i % 5 == 0)
			out[o++] = '-';
		out[o++] = digits[i];
	}
	out[o++] = '-';
	out[o++] = symbols[(unsigned)(v % 37)];
	out[o] = '\0';
}

static void
random_code(uint8_t serial[12], char code[CODE_TEXT_LEN + 1])
{
	randombytes_buf(serial, 12);
	code_format(serial, code);
}

/* The 21 symbols of a printed code, without dashes. */
static void
strip(const char *code, char out[CODE_SYMBOLS + 1])
{
	size_t o = 0;

	for (; *code != '\0'; code++)
		if (*code != '-')
			out[o++] = *code;
	out[o] = '\0';
	assert_int_equal(o, CODE_SYMBOLS);
}

static void
test_known_answers(void **state)
{
	uint8_t serial[12], back[12];
	char code[CODE_TEXT_LEN + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_int_equal(sodium_hex2bin(serial, 12, known[i].serial, 24,
		    NULL, NULL, NULL), 0);
		code_format(serial, code);
		assert_string_equal(code, known[i].code);
		assert_int_equal(strlen(code), CODE_TEXT_LEN);
		assert_int_equal(code_check_symbol(serial), code[24]);
		reference_format(serial, code);
		assert_string_equal(code, known[i].code);
		assert_int_equal(code_parse(known[i].code, strlen(known[i].code),
		    back, NULL), CODE_OK);
		assert_memory_equal(back, serial, 12);
	}
}

static void
test_reference_model(void **state)
{
	uint8_t serial[12], back[12];
	char code[CODE_TEXT_LEN + 1], ref[CODE_TEXT_LEN + 1];
	struct code_detail d;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		random_code(serial, code);
		if (i % 4 == 1) {	/* small values too */
			memset(serial, 0, 8);
			code_format(serial, code);
		}
		reference_format(serial, ref);
		assert_string_equal(code, ref);
		assert_true(code[0] == '0' || code[0] == '1');
		assert_int_equal(code_parse(code, CODE_TEXT_LEN, back, &d), CODE_OK);
		assert_memory_equal(back, serial, 12);
		assert_int_equal(d.symbols, CODE_SYMBOLS);
	}
}

/* Each of the 37 check symbols appears, and parses, including U. */
static void
test_every_check_symbol(void **state)
{
	uint8_t serial[12] = { 0 }, back[12];
	char code[CODE_TEXT_LEN + 1];
	unsigned r;

	(void)state;
	for (r = 0; r < 37; r++) {
		serial[11] = (uint8_t)r;
		code_format(serial, code);
		assert_int_equal(code[24], symbols[r]);
		assert_int_equal(code_parse(code, CODE_TEXT_LEN, back, NULL), CODE_OK);
		assert_memory_equal(back, serial, 12);
		if (code[24] >= 'A' && code[24] <= 'Z')
			code[24] = (char)(code[24] - 'A' + 'a');
		assert_int_equal(code_parse(code, CODE_TEXT_LEN, back, NULL), CODE_OK);
	}
}

/* Every single substitution of every symbol of 1,000 random codes is
 * caught (a bad check, or a check-only symbol among the digits, or a first
 * digit above 1). */
static void
test_substitutions_caught(void **state)
{
	uint8_t serial[12], back[12];
	char code[CODE_TEXT_LEN + 1], s[CODE_SYMBOLS + 1], t[CODE_SYMBOLS + 1];
	size_t pos, sym;
	long caught = 0;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		random_code(serial, code);
		strip(code, s);
		for (pos = 0; pos < CODE_SYMBOLS; pos++)
			for (sym = 0; sym < 37; sym++) {
				if (symbols[sym] == s[pos])
					continue;
				memcpy(t, s, sizeof(t));
				t[pos] = symbols[sym];
				assert_int_not_equal(code_parse(t, CODE_SYMBOLS,
				    back, NULL), CODE_OK);
				caught++;
			}
	}
	assert_int_equal(caught, 1000L * 21 * 36);
}

static void
test_transpositions_caught(void **state)
{
	uint8_t serial[12], back[12];
	char code[CODE_TEXT_LEN + 1], s[CODE_SYMBOLS + 1], t[CODE_SYMBOLS + 1];
	size_t pos;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		random_code(serial, code);
		strip(code, s);
		for (pos = 0; pos + 1 < CODE_SYMBOLS; pos++) {
			if (s[pos] == s[pos + 1])
				continue;	/* not an error */
			memcpy(t, s, sizeof(t));
			t[pos] = s[pos + 1];
			t[pos + 1] = s[pos];
			assert_int_not_equal(code_parse(t, CODE_SYMBOLS, back,
			    NULL), CODE_OK);
		}
	}
}

static void
test_leniency(void **state)
{
	static const char *same[] = {
		"000H4-8SM8N-B6EY4-9KANV-C",
		"000h4-8sm8n-b6ey4-9kanv-c",
		"000H48SM8NB6EY49KANVC",
		"000H4 8SM8N B6EY4 9KANV C",
		"  000H4-8SM8N-B6EY4-9KANV-C\r\n",
		"\t000H4--8SM8N - B6EY4-9KANV-C\n",
		"OOOH4-8SM8N-B6EY4-9KANV-C",
		"oOoh4-8sm8n-b6ey4-9kanv-c",
		"-000H4-8SM8N-B6EY4-9KANV-C-",
	};
	static const char *ones[] = {
		"00000-00000-00000-00001-1",
		"00000-00000-00000-0000I-1",
		"00000-00000-00000-0000l-1",
		"00000-00000-00000-0000L-I",
		"00000-00000-00000-0000i-l",
		"ooooo-ooooo-ooooo-ooooI-L",
	};
	uint8_t serial[12], want[12];
	size_t i;

	(void)state;
	assert_int_equal(sodium_hex2bin(want, 12, "00112233445566778899aabb", 24,
	    NULL, NULL, NULL), 0);
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(code_parse(same[i], strlen(same[i]), serial, NULL),
		    CODE_OK);
		assert_memory_equal(serial, want, 12);
	}
	memset(want, 0, 12);
	want[11] = 1;
	for (i = 0; i < sizeof(ones) / sizeof(ones[0]); i++) {
		assert_int_equal(code_parse(ones[i], strlen(ones[i]), serial, NULL),
		    CODE_OK);
		assert_memory_equal(serial, want, 12);
	}
}

/* 2^96 and above are refused whatever the check symbol, never reduced. */
static void
test_out_of_range(void **state)
{
	static const char firsts[] = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint8_t serial[12], zero[12] = { 0 };
	char code[CODE_TEXT_LEN + 1];
	size_t f, c;

	(void)state;
	for (f = 0; f < sizeof(firsts) - 1; f++)
		for (c = 0; c < 37; c++) {
			snprintf(code, sizeof(code), "%c0000-00000-00000-00000-%c",
			    firsts[f], symbols[c]);
			memset(serial, 0xaa, 12);
			assert_int_equal(code_parse(code, CODE_TEXT_LEN, serial,
			    NULL), CODE_OUT_OF_RANGE);
			assert_memory_equal(serial, zero, 12);
		}
	/* "20000-…-0" is 2^96; reduced mod 2^96 it would be 0, check '0'. */
	assert_int_equal(code_parse("20000-00000-00000-00000-0", 25, serial, NULL),
	    CODE_OUT_OF_RANGE);
	assert_int_equal(code_parse("ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-Z", 25, serial, NULL),
	    CODE_OUT_OF_RANGE);
	assert_int_equal(code_parse("1ZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-9", 25, serial, NULL),
	    CODE_OK);
}

static void
test_lengths(void **state)
{
	uint8_t serial[12];
	struct code_detail d;

	(void)state;
	assert_int_equal(code_parse("", 0, serial, &d), CODE_TOO_SHORT);
	assert_int_equal(d.missing, 21);
	assert_int_equal(code_parse(" \r\n", 3, serial, &d), CODE_TOO_SHORT);
	assert_int_equal(d.missing, 21);
	assert_int_equal(code_parse("000H4-8SM8N-B6EY4-9KA", 21, serial, &d),
	    CODE_TOO_SHORT);
	assert_int_equal(d.missing, 3);
	assert_int_equal(d.symbols, 18);
	assert_int_equal(code_parse("000H4-8SM8N-B6EY4-9KANV", 23, serial, &d),
	    CODE_TOO_SHORT);
	assert_int_equal(d.missing, 1);
	assert_int_equal(code_parse("000H4-8SM8N-B6EY4-9KANV-C0", 26, serial, &d),
	    CODE_TOO_LONG);
	assert_int_equal(d.extra, 1);
	assert_int_equal(d.missing, 0);
	assert_int_equal(code_parse("000H4-8SM8N-B6EY4-9KANV-CABC", 28, serial, &d),
	    CODE_TOO_LONG);
	assert_int_equal(d.extra, 3);
	/* A check symbol typed at the end of a short code: still short. */
	assert_int_equal(code_parse("0000U", 5, serial, &d), CODE_TOO_SHORT);
	assert_int_equal(d.missing, 16);
}

static void
test_bad_characters(void **state)
{
	static const struct {
		const char *text;
		size_t offset;
	} bad[] = {
		{ "000H4-8SM8N-B6EY4-9KAN#-C", 22 },
		{ "000H4_8SM8N-B6EY4-9KANV-C", 5 },
		{ "000U4-8SM8N-B6EY4-9KANV-C", 3 },	/* U only as a check */
		{ "000*4-8SM8N-B6EY4-9KANV-C", 3 },
		{ "000H4-8SM8N-B6EY4-9KAN$-C", 22 },
		{ "000H4-8SM8N-B6EY4-9KANV-=C", 24 },	/* check-only, then more */
		{ "000H4-8SM8N\t-B6EY4-9KANV-C", 11 },
		{ "  000H4-8SM8N-B6EY4-9KANV-\xc3\xa9", 26 },
		{ "000H4.8SM8N.B6EY4.9KANV.C", 5 },
		{ "000H4-8SM8N-B6EY4-9KANV-?", 24 },
		{ "000H4-8SM8N-B6EY4-9KANV-U-", 999 },	/* ok: a trailing dash */
	};
	uint8_t serial[12];
	struct code_detail d;
	enum code_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = code_parse(bad[i].text, strlen(bad[i].text), serial, &d);
		if (bad[i].offset == 999) {
			assert_int_equal(r, CODE_BAD_CHECK);
			continue;
		}
		assert_int_equal(r, CODE_BAD_CHARACTER);
		assert_int_equal(d.offset, bad[i].offset);
	}
	/* A NUL is a bad character, not an end. */
	assert_int_equal(code_parse("000H4\0-8SM8N-B6EY4-9KANV-C", 26, serial, &d),
	    CODE_BAD_CHARACTER);
	assert_int_equal(d.offset, 5);
}

static void
test_bad_check(void **state)
{
	uint8_t serial[12], zero[12] = { 0 };

	(void)state;
	memset(serial, 0xaa, 12);
	assert_int_equal(code_parse("000H4-8SM8N-B6EY4-9KANV-D", 25, serial, NULL),
	    CODE_BAD_CHECK);
	assert_memory_equal(serial, zero, 12);
}

static void
test_result_strings(void **state)
{
	(void)state;
	assert_string_equal(code_result_code(CODE_OK), "OK");
	assert_string_equal(code_result_code(CODE_BAD_CHARACTER), "CODE_BAD_CHARACTER");
	assert_string_equal(code_result_code(CODE_TOO_SHORT), "CODE_TOO_SHORT");
	assert_string_equal(code_result_code(CODE_TOO_LONG), "CODE_TOO_LONG");
	assert_string_equal(code_result_code(CODE_OUT_OF_RANGE), "CODE_OUT_OF_RANGE");
	assert_string_equal(code_result_code(CODE_BAD_CHECK), "CODE_BAD_CHECK");
	assert_string_equal(code_result_code((enum code_result)42), "INTERNAL");
	assert_non_null(code_result_message(CODE_TOO_SHORT));
	assert_non_null(code_result_message((enum code_result)42));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_reference_model),
		cmocka_unit_test(test_every_check_symbol),
		cmocka_unit_test(test_substitutions_caught),
		cmocka_unit_test(test_transpositions_caught),
		cmocka_unit_test(test_leniency),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_bad_characters),
		cmocka_unit_test(test_bad_check),
		cmocka_unit_test(test_result_strings),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
