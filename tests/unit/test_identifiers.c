/* Unit tests of lib/identifiers: SIREN, SIRET (La Poste rule), IBAN, BIC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "identifiers.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void
expect_refused(int rc, const struct error *e, const char *code, const char *what)
{
	if (rc == 0)
		fail_msg("accepted: \"%s\"", what);
	assert_int_equal(e->status, 400);
	assert_string_equal(e->code, code);
	assert_null(strchr(e->message, '\n'));
}

static void
test_siren(void **state)
{
	static const char *good[] = { "356000000", "732829320", "552100554", "542107651" };
	static const char *bad[] = { "", "123456789", "732829321", "73282932", "7328293200",
		"73282932a", " 732829320", "732 829 320", "-73282932",
		"000000000" /* passes Luhn, is no SIREN */ };
	char out[IDENTIFIERS_SIREN_SIZE];
	struct error e;
	(void)state;
	for (size_t i = 0; i < COUNT(good); i++)
		assert_int_equal(identifiers_siren_check(good[i], NULL), 0);
	for (size_t i = 0; i < COUNT(bad); i++) {
		error_clear(&e);
		expect_refused(identifiers_siren_check(bad[i], &e), &e, "BAD_SIREN", bad[i]);
	}
	assert_int_equal(identifiers_siren_normalize("732 829 320", out, NULL), 0);
	assert_string_equal(out, "732829320");
	error_clear(&e);
	expect_refused(identifiers_siren_normalize("732 829 321", out, &e), &e,
	    "BAD_SIREN", "732 829 321");
	assert_string_equal(out, "");
	expect_refused(identifiers_siren_normalize("7328293201234", out, &e), &e,
	    "BAD_SIREN", "7328293201234");
}

static void
test_siret(void **state)
{
	static const char *good[] = {
		"73282932000074",
		"35600000000048", /* La Poste head office: Luhn */
		"35600000049837", /* La Poste: digit sum 45, not Luhn */
	};
	static const char *bad[] = {
		"", "73282932000075", "7328293200007", "732829320000744",
		"73282932000O74", "12345678900006", /* SIREN part fails Luhn */
		"35600000049838", /* La Poste: digit sum 46 */
		"35600000010013", /* La Poste: Luhn valid but digit sum 19 */
		"00000000000000", "00000000000018", /* pass Luhn, SIREN 000000000 */
	};
	char out[IDENTIFIERS_SIRET_SIZE];
	struct error e;
	(void)state;
	for (size_t i = 0; i < COUNT(good); i++)
		if (identifiers_siret_check(good[i], &e) != 0)
			fail_msg("refused %s: %s", good[i], e.message);
	for (size_t i = 0; i < COUNT(bad); i++) {
		error_clear(&e);
		expect_refused(identifiers_siret_check(bad[i], &e), &e, "BAD_SIRET", bad[i]);
	}
	assert_int_equal(identifiers_siret_normalize("356 000 000 00048", out, NULL), 0);
	assert_string_equal(out, "35600000000048");
	error_clear(&e);
	expect_refused(identifiers_siret_normalize("356 000 000 000 481", out, &e), &e,
	    "BAD_SIRET", "too long");
	assert_string_equal(out, "");
}

static void
test_iban(void **state)
{
	static const char *good[] = {
		"FR7630006000011234567890189", "FR1420041010050500013M02606",
		"MC5811222000010123456789030", "DE89370400440532013000",
		"GB82WEST12345698765432", "BE68539007547034", "NL91ABNA0417164300",
		"CH9300762011623852957", "NO9386011117947",
		"MT84MALT011000012345MTLCAST001S", /* 31, longest SEPA */
		"BR1800360305000010009795493C1",    /* outside SEPA: generic 15-34 */
		"SA0380000000608010167519",
	};
	static const char *bad[] = {
		"", "FR7630006000011234567890188", /* check digits */
		"FR7630006000011234567890819",     /* transposition */
		"FR763000600001123456789018",      /* FR needs 27 */
		"FR76300060000112345678901890",
		"DE8937040044053201300",           /* DE needs 22 */
		"fr7630006000011234567890189",     /* not canonical */
		"FR76 3000 6000 0112 3456 7890 189",
		"FR76300060000112345678901-9", "7630006000011234567890189FR",
		"XX12", "XX0012345678901234567890123456789012", /* > 34 */
		"F17630006000011234567890189",
	};
	char out[IDENTIFIERS_IBAN_SIZE], print[IDENTIFIERS_IBAN_PRINT_SIZE];
	struct error e;
	(void)state;
	for (size_t i = 0; i < COUNT(good); i++)
		if (identifiers_iban_check(good[i], &e) != 0)
			fail_msg("refused %s: %s", good[i], e.message);
	for (size_t i = 0; i < COUNT(bad); i++) {
		error_clear(&e);
		expect_refused(identifiers_iban_check(bad[i], &e), &e, "BAD_IBAN", bad[i]);
	}
	assert_int_equal(identifiers_iban_normalize("fr76 3000 6000 0112 3456 7890 189",
	    out, NULL), 0);
	assert_string_equal(out, "FR7630006000011234567890189");
	assert_int_equal(identifiers_iban_format(out, print), 0);
	assert_string_equal(print, "FR76 3000 6000 0112 3456 7890 189");
	assert_int_equal(identifiers_iban_format("MT84MALT011000012345MTLCAST001S", print), 0);
	assert_string_equal(print, "MT84 MALT 0110 0001 2345 MTLC AST0 01S");
	assert_int_equal(identifiers_iban_format("XX0012345678901234567890123456789012", print), -1);
	error_clear(&e);
	expect_refused(identifiers_iban_normalize("FR76 3000 6000 0112 3456 7890 188",
	    out, &e), &e, "BAD_IBAN", "FR...188");
	assert_string_equal(out, "");
	expect_refused(identifiers_iban_normalize(
	    "FR76 3000 6000 0112 3456 7890 1890 0000 0000 000", out, &e), &e,
	    "BAD_IBAN", "too long");
}

static void
test_bic(void **state)
{
	static const char *good[] = { "BNPAFRPP", "BNPAFRPPXXX", "PSSTFRPPPAR",
		"CEPAFRPP751", "DEUTDEFF", "AGRIFRPP882" };
	static const char *bad[] = { "", "BNPAFRP", "BNPAFRPPX", "BNPAFRPPXX",
		"BNPAFRPPXXXX", "bnpafrpp", "BNP1FRPP", "BNPAF1PP", "BNPA FRPP",
		"BNPAFRP-", "BNPAFRPPXX-" };
	char out[IDENTIFIERS_BIC_SIZE];
	struct error e;
	(void)state;
	for (size_t i = 0; i < COUNT(good); i++)
		assert_int_equal(identifiers_bic_check(good[i], NULL), 0);
	for (size_t i = 0; i < COUNT(bad); i++) {
		error_clear(&e);
		expect_refused(identifiers_bic_check(bad[i], &e), &e, "BAD_BIC", bad[i]);
	}
	assert_int_equal(identifiers_bic_normalize("bnpa fr pp xxx", out, NULL), 0);
	assert_string_equal(out, "BNPAFRPPXXX");
	error_clear(&e);
	expect_refused(identifiers_bic_normalize("BNPAFRPPXXXXX", out, &e), &e,
	    "BAD_BIC", "too long");
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siren),
		cmocka_unit_test(test_siret),
		cmocka_unit_test(test_iban),
		cmocka_unit_test(test_bic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
