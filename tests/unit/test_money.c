/* Unit tests of lib/money: parsing, both formats, checked arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "money.h"

static void
parse_ok(const char *text, int64_t expected)
{
	struct error e;
	int64_t cents = -1;

	error_clear(&e);
	if (money_parse(text, &cents, &e) != 0)
		fail_msg("money_parse(\"%s\") refused: %s", text, e.message);
	assert_int_equal(cents, expected);
}

static void
parse_refused(const char *text)
{
	struct error e;
	int64_t cents = 42;

	error_clear(&e);
	if (money_parse(text, &cents, &e) == 0)
		fail_msg("money_parse(\"%s\") accepted", text);
	assert_int_equal(cents, 0);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "BAD_AMOUNT");
	assert_null(strchr(e.message, '\n'));
	assert_true(strlen(e.message) > 0);
}

static void
test_parse_valid(void **state)
{
	(void)state;
	parse_ok("10", 1000);
	parse_ok("10.5", 1050);
	parse_ok("10.50", 1050);
	parse_ok("10.05", 1005);
	parse_ok("0", 0);
	parse_ok("0.00", 0);
	parse_ok("0.01", 1);
	parse_ok("0.1", 10);
	parse_ok("007", 700);
	parse_ok("1234567.89", 123456789);
	parse_ok("92233720368547758.07", INT64_MAX);
	parse_ok("92233720368547758", INT64_C(9223372036854775800));
	parse_ok("000000000000000000000000000001.00", 100);
}

static void
test_parse_refused(void **state)
{
	static const char *bad[] = {
		"", "-1", "+1", "-0", " 1", "1 ", "1 000", "1,5", "10,50", ".5",
		"5.", ".", "1.234", "1.001", "1e3", "1E3", "0x10", "1.5e2", "1..5",
		"1.5.0", "abc", "10€", "€10", "10 €", "nan", "inf", "1\n", "\t1",
		"١٠", "1.-5", "1.+5",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_refused(bad[i]);
	parse_refused(NULL);
}

static void
test_parse_overflow(void **state)
{
	(void)state;
	parse_refused("92233720368547758.08");
	parse_refused("92233720368547759");
	parse_refused("9223372036854775807");
	parse_refused("9223372036854775808");
	parse_refused("99999999999999999999999999999999");
}

static void
format_is(int64_t cents, const char *expected, const char *expected_fr)
{
	char buf[MONEY_FORMAT_SIZE], fr[MONEY_FORMAT_FR_SIZE];

	assert_int_equal(money_format(cents, buf, sizeof(buf)), 0);
	assert_string_equal(buf, expected);
	assert_int_equal(money_format_fr(cents, fr, sizeof(fr)), 0);
	assert_string_equal(fr, expected_fr);
}

#define NN "\xe2\x80\xaf"        /* U+202F */
#define EURO "\xc2\xa0\xe2\x82\xac" /* U+00A0 € */

static void
test_format(void **state)
{
	(void)state;
	format_is(0, "0.00", "0,00" EURO);
	format_is(1, "0.01", "0,01" EURO);
	format_is(1000, "10.00", "10,00" EURO);
	format_is(1050, "10.50", "10,50" EURO);
	format_is(99999, "999.99", "999,99" EURO);
	format_is(100000, "1000.00", "1" NN "000,00" EURO);
	format_is(123450, "1234.50", "1" NN "234,50" EURO);
	format_is(12345678901, "123456789.01", "123" NN "456" NN "789,01" EURO);
	format_is(-5, "-0.05", "-0,05" EURO);
	format_is(-123450, "-1234.50", "-1" NN "234,50" EURO);
	format_is(INT64_MAX, "92233720368547758.07",
	    "92" NN "233" NN "720" NN "368" NN "547" NN "758,07" EURO);
	format_is(INT64_MIN, "-92233720368547758.08",
	    "-92" NN "233" NN "720" NN "368" NN "547" NN "758,08" EURO);
}

static void
test_format_small_buffer(void **state)
{
	char buf[5];
	(void)state;
	assert_int_equal(money_format(1000, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(money_format(100, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1.00");
	assert_int_equal(money_format_fr(100, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(money_format(1, buf, 0), -1);
}

static void
test_round_trip(void **state)
{
	static const int64_t values[] = { 0, 1, 9, 10, 99, 100, 1050, 123456789,
		INT64_MAX, INT64_MAX - 1, INT64_MAX / 100 * 100 };
	char buf[MONEY_FORMAT_SIZE];
	int64_t back;
	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		assert_int_equal(money_format(values[i], buf, sizeof(buf)), 0);
		assert_int_equal(money_parse(buf, &back, NULL), 0);
		assert_int_equal(back, values[i]);
	}
}

static void
test_arithmetic(void **state)
{
	int64_t r = 7;
	(void)state;
	assert_int_equal(money_add(1000, 50, &r), 0);
	assert_int_equal(r, 1050);
	assert_int_equal(money_add(INT64_MAX - 1, 1, &r), 0);
	assert_int_equal(r, INT64_MAX);
	r = 7;
	assert_int_equal(money_add(INT64_MAX, 1, &r), -1);
	assert_int_equal(r, 7);
	assert_int_equal(money_add(INT64_MIN, -1, &r), -1);
	assert_int_equal(money_add(INT64_MIN, INT64_MAX, &r), 0);
	assert_int_equal(r, -1);

	assert_int_equal(money_sub(1000, 1050, &r), 0);
	assert_int_equal(r, -50);
	assert_int_equal(money_sub(INT64_MIN + 1, 1, &r), 0);
	assert_int_equal(r, INT64_MIN);
	assert_int_equal(money_sub(INT64_MIN, 1, &r), -1);
	assert_int_equal(money_sub(0, INT64_MIN, &r), -1);
	assert_int_equal(money_sub(INT64_MAX, -1, &r), -1);

	assert_int_equal(money_mul(1000, 10, &r), 0);
	assert_int_equal(r, 10000);
	assert_int_equal(money_mul(INT64_MAX, 1, &r), 0);
	assert_int_equal(r, INT64_MAX);
	assert_int_equal(money_mul(INT64_MAX, 2, &r), -1);
	assert_int_equal(money_mul(INT64_MIN, -1, &r), -1);
	assert_int_equal(money_mul(INT64_C(4611686018427387904), 2, &r), -1);
	assert_int_equal(money_mul(INT64_C(4611686018427387903), 2, &r), 0);
	assert_int_equal(r, INT64_MAX - 1);
	assert_int_equal(money_mul(-1000, 0, &r), 0);
	assert_int_equal(r, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_overflow),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_small_buffer),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_arithmetic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
