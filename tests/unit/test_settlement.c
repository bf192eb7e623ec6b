/* Unit tests of lib/settlement's pure helpers: the SEPA character set
 * (transliteration, length), the EPC rules for identifiers, and the ids
 * and remittance texts a settlement writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "settlement.h"

/* Whether every byte of text is in the SEPA character set. */
static int
sepa_only(const char *text)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789/-?:().,'+ ";

	for (const char *p = text; *p != '\0'; p++)
		if (strchr(allowed, *p) == NULL)
			return 0;
	return 1;
}

static void
text_is(const char *in, size_t max, const char *want)
{
	char out[256];
	size_t n = settlement_sepa_text(in, out, max);

	if (strcmp(out, want) != 0)
		fail_msg("settlement_sepa_text(\"%s\", %zu) = \"%s\", wanted \"%s\"", in, max, out, want);
	assert_int_equal(n, strlen(want));
	assert_true(sepa_only(out));
}

static void
test_transliteration(void **state)
{
	(void)state;
	text_is("Médiathèque de l'Île", 70, "Mediatheque de l'Ile");
	text_is("Œuvre & Cie", 70, "OEuvre + Cie");
	text_is("Straße Ærø", 70, "Strasse AEro");
	text_is("« Bobigny »", 70, "Bobigny");
	text_is("l’atelier — “numérique”", 70, "l'atelier - 'numerique'");
	text_is("Łódź Škoda Ĳssel ſ", 70, "Lodz Skoda IJssel s");
	text_is("10 €", 70, "10 EUR");
	text_is("a_b@c#d;e", 70, "a-b c d e");
	text_is("  spaces \t\n here  ", 70, "spaces here");
	text_is("ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿ", 200,
	    "AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyy");
	text_is("", 70, "");
	text_is("漢字", 70, "");
}

static void
test_invalid_utf8(void **state)
{
	(void)state;
	text_is("a\xff" "b\xc3", 70, "a b");
	text_is("\xe2\x82", 70, "");
	text_is("x\xf0\x9f\x98\x80y", 70, "x y"); /* an emoji */
}

static void
test_length(void **state)
{
	char out[200], long_text[400];

	(void)state;
	/* Cut at a space near the end, never inside a word when one is near. */
	text_is("Association des amis de la médiathèque", 30, "Association des amis de la");
	/* One long word: cut at the limit. */
	memset(long_text, 'a', 300);
	long_text[300] = '\0';
	assert_int_equal(settlement_sepa_text(long_text, out, 140), 140);
	/* A transliteration that expands is counted after expansion. */
	text_is("ŒŒŒŒ", 5, "OEOEO");
	text_is("abc", 0, "");
}

static void
test_id_rules(void **state)
{
	(void)state;
	assert_true(settlement_id_valid("PN-1A2B3C4D-202704-000001"));
	assert_true(settlement_id_valid("a/b"));
	assert_true(settlement_id_valid("12345678901234567890123456789012345"));
	assert_false(settlement_id_valid("123456789012345678901234567890123456"));
	assert_false(settlement_id_valid(""));
	assert_false(settlement_id_valid("/abc"));
	assert_false(settlement_id_valid("abc/"));
	assert_false(settlement_id_valid("a//b"));
	assert_false(settlement_id_valid("a b"));
	assert_false(settlement_id_valid("a_b"));
	assert_false(settlement_id_valid("é"));
}

static void
test_ids(void **state)
{
	char tag[9], id[SETTLEMENT_ID_MAX + 1], text[SETTLEMENT_REMITTANCE_MAX + 1];

	(void)state;
	settlement_origin_tag("settle.example/ledger", tag);
	assert_int_equal(strlen(tag), 8);
	settlement_msg_id(tag, "2027-04", 1, id);
	assert_true(settlement_id_valid(id));
	assert_int_equal(strncmp(id, "PN-", 3), 0);
	assert_string_equal(id + 11, "-202704-000001");
	settlement_pmt_inf_id(tag, "2027-04", 1, id);
	assert_true(settlement_id_valid(id));
	assert_string_equal(id + 11, "-202704-000001");
	/* The largest ids still fit in 35 characters. */
	settlement_msg_id(tag, "9999-12", INT64_C(999999999999), id);
	assert_true(settlement_id_valid(id));
	settlement_end_to_end_id(tag, INT64_C(9999999999), id);
	assert_true(settlement_id_valid(id));
	assert_int_equal(strlen(id), 23);
	settlement_statement("2027-04", 12, id);
	assert_string_equal(id, "RLV-202704-000012");
	/* Two origins, two tags: a successor never reuses its predecessor's ids. */
	settlement_origin_tag("successor.example/ledger", id);
	assert_string_not_equal(id, tag);
	settlement_remittance("2027-04", 12, "RLV-202704-000012", text);
	assert_string_equal(text, "Pass numeriques 2027-04, 12 pass, releve RLV-202704-000012");
	assert_true(sepa_only(text));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transliteration),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_id_rules),
		cmocka_unit_test(test_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
