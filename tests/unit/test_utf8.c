/* Unit tests of lib/utf8: validation (RFC 3629 edges) and the safe copy
 * used for messages that quote outside input; error_set keeps messages
 * valid UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "error.h"
#include "utf8.h"

static bool
valid(const char *s)
{
	return utf8_valid(s, strlen(s));
}

static void
test_valid(void **state)
{
	(void)state;
	assert_true(valid(""));
	assert_true(valid("Région Île-de-France"));
	assert_true(valid("\xe2\x82\xac"));         /* € */
	assert_true(valid("\xf0\x9f\x98\x80"));     /* U+1F600 */
	assert_true(valid("\xed\x9f\xbf"));         /* U+D7FF, below the surrogates */
	assert_true(valid("\xf4\x8f\xbf\xbf"));     /* U+10FFFF */
}

static void
test_invalid(void **state)
{
	(void)state;
	assert_false(valid("\xff"));
	assert_false(valid("D\xe9partement"));      /* Latin-1 */
	assert_false(valid("\xc3"));                /* cut after the lead byte */
	assert_false(valid("\xe2\x82"));            /* cut inside */
	assert_false(valid("\xc0\xaf"));            /* overlong '/' */
	assert_false(valid("\xe0\x80\xaf"));        /* overlong */
	assert_false(valid("\xf0\x80\x80\xaf"));    /* overlong */
	assert_false(valid("\xed\xa0\x80"));        /* surrogate U+D800 */
	assert_false(valid("\xf4\x90\x80\x80"));    /* above U+10FFFF */
	assert_false(valid("\xf5\x80\x80\x80"));
	assert_false(valid("\x80"));                /* lone continuation */
}

static void
test_copy_replaces_and_cuts(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(utf8_copy(out, sizeof(out), "a\xff" "b", 3), 5);
	assert_string_equal(out, "a\xef\xbf\xbd" "b");
	/* "é" is 2 bytes: 7 of them do not fit in 15; the copy stops at 14. */
	assert_int_equal(utf8_copy(out, sizeof(out), "éééééééé", 16), 14);
	assert_true(utf8_valid(out, strlen(out)));
	/* A replacement that does not fit is left out whole. */
	assert_int_equal(utf8_copy(out, 3, "a\xff", 2), 1);
	assert_string_equal(out, "a");
	assert_int_equal(utf8_copy(out, 1, "abc", 3), 0);
	assert_string_equal(out, "");
}

static void
test_error_message_is_utf8(void **state)
{
	struct error e;
	char path[600];

	(void)state;
	/* The request that once stopped passnumd: a path of "é" cut by the
	 * message buffer in the middle of a character. */
	strcpy(path, "/x");
	for (int i = 0; i < 130; i++)
		strcat(path, "é");
	error_set(&e, 404, "NO_ROUTE", "there is no GET %s", path);
	assert_true(utf8_valid(e.message, strlen(e.message)));
	assert_true(strlen(e.message) > 200);
	error_set(&e, 404, "NO_ROUTE", "there is no GET /%s", "\xff");
	assert_string_equal(e.message, "there is no GET /\xef\xbf\xbd");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_copy_replaces_and_cuts),
		cmocka_unit_test(test_error_message_is_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
