/* daemon_log_value (daemon/daemon.c): the quoting of outside text in the
 * key=value log. Known cases, then random bytes: the result always fits,
 * is either bare (only the allowed characters) or one quoted value with no
 * control character, space-free outside quotes, and never breaks the line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "daemon.h"

static void
test_known(void **state)
{
	char out[64];

	(void)state;
	daemon_log_value(out, sizeof(out), "POST");
	assert_string_equal(out, "POST");
	daemon_log_value(out, sizeof(out), "/v1/vouchers/{code}");
	assert_string_equal(out, "/v1/vouchers/{code}");
	daemon_log_value(out, sizeof(out), "");
	assert_string_equal(out, "\"\"");
	daemon_log_value(out, sizeof(out), "two words");
	assert_string_equal(out, "\"two words\"");
	daemon_log_value(out, sizeof(out), "BAD\"ME\\T");
	assert_string_equal(out, "\"BAD\\\"ME\\\\T\"");
	daemon_log_value(out, sizeof(out), "a\nb=c\x01");
	assert_string_equal(out, "\"a\\x0ab=c\\x01\"");
	daemon_log_value(out, 8, "abcdefghijkl"); /* too long to stay bare: cut, still quoted */
	assert_int_equal(out[0], '"');
	assert_int_equal(out[strlen(out) - 1], '"');
	assert_true(strlen(out) < 8);
	daemon_log_value(out, 2, "x y");
	assert_string_equal(out, "");
}

static void
check_value(const char *out, size_t size)
{
	size_t len = strlen(out);

	assert_true(len < size);
	if (out[0] != '"') {
		assert_true(len > 0);
		assert_int_equal(strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-/:{}[]@+,"), len);
		return;
	}
	assert_true(len >= 2);
	assert_int_equal(out[len - 1], '"');
	for (size_t i = 1; i + 1 < len; i++) {
		assert_true((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
		if (out[i] == '\\') {
			assert_true(i + 2 < len);
			assert_true(out[i + 1] == '"' || out[i + 1] == '\\' || out[i + 1] == 'x');
			i++;
		} else {
			assert_true(out[i] != '"');
		}
	}
}

static void
test_random(void **state)
{
	char in[80], out[96];

	(void)state;
	srand(16);
	for (int round = 0; round < 200000; round++) {
		size_t n = (size_t)rand() % (sizeof(in) - 1), size = 3 + (size_t)rand() % (sizeof(out) - 3);
		for (size_t i = 0; i < n; i++)
			in[i] = (char)(1 + rand() % 255);
		in[n] = '\0';
		memset(out, 'Z', sizeof(out));
		daemon_log_value(out, size, in);
		check_value(out, size);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
