/* Unit tests of passnumd's configuration (daemon/config.c): the INI text
 * (a good file, bad lines named by their number, unknown settings, values
 * out of range), single settings, addresses, and the whole-config check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "config.h"

/* Loads text into a default config; returns config_load_text's result. */
static int
load(struct config *c, const char *text, struct error *e)
{
	config_defaults(c);
	error_clear(e);
	return config_load_text(c, text, strlen(text), "passnumd.conf", e);
}

static void
test_good_file(void **state)
{
	static const char text[] =
	    "# passnumd settings\n"
	    "; another comment\n"
	    "[server]\n"
	    "listen = 127.0.0.1:0\r\n"
	    "  threads=3  \n"
	    "\n"
	    "failure_burst = 40\n"
	    "failures-per-minute = 1\n"
	    "log-level = debug\n"
	    "trusted-proxy = 10.0.0.1\n"
	    "trusted_proxy = ::1\n"
	    "max-batch = 4096\n"
	    "checkpoint-seconds = 86400\n"
	    "checkpoint_entries = 1"; /* no final newline */
	struct config c;
	struct error e;

	(void)state;
	assert_int_equal(load(&c, text, &e), 0);
	assert_string_equal(c.listen, "127.0.0.1:0");
	assert_int_equal(c.threads, 3);
	assert_int_equal(c.failure_burst, 40);
	assert_int_equal(c.failures_per_minute, 1);
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_int_equal(c.proxy_count, 2);
	assert_string_equal(c.proxies[1], "::1");
	assert_true(config_is_trusted_proxy(&c, "10.0.0.1"));
	assert_false(config_is_trusted_proxy(&c, "10.0.0.2"));
	assert_int_equal(c.max_batch, 4096);
	assert_int_equal(c.checkpoint_seconds, 86400);
	assert_int_equal(c.checkpoint_entries, 1);
}

static void
test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_int_equal(c.threads, 2);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_int_equal(c.checkpoint_entries, 10000);
	assert_int_equal(c.checkpoint_seconds, 60);
	assert_int_equal(c.max_batch, 256);
}

static void
test_bad_lines_by_number(void **state)
{
	struct config c;
	struct error e;

	(void)state;
	assert_int_equal(load(&c, "listen = 127.0.0.1:0\nthreads = x\n", &e), -1);
	assert_string_equal(e.code, "BAD_CONFIG");
	assert_non_null(strstr(e.message, "passnumd.conf line 2"));
	assert_int_equal(load(&c, "# one\n\njust words\n", &e), -1);
	assert_non_null(strstr(e.message, "line 3: expected name = value"));
	assert_int_equal(load(&c, "home = /elsewhere\n", &e), -1);
	assert_non_null(strstr(e.message, "line 1: home cannot be set here"));
	assert_int_equal(load(&c, "threads =\n", &e), -1);
	assert_non_null(strstr(e.message, "line 1"));
	/* A NUL byte is not text. */
	config_defaults(&c);
	assert_int_equal(config_load_text(&c, "threads = 2\nx\0y = 1\n", 20, "f", &e), -1);
	assert_non_null(strstr(e.message, "f line 2"));
}

static void
test_unknown_settings(void **state)
{
	struct config c;
	struct error e;

	(void)state;
	assert_int_equal(load(&c, "listen = 127.0.0.1:1\nthreadz = 2\n", &e), -1);
	assert_non_null(strstr(e.message, "line 2"));
	assert_non_null(strstr(e.message, "unknown setting \"threadz\""));
	config_defaults(&c);
	assert_int_equal(config_set(&c, "Listen", "127.0.0.1:1", &e), -1);
	assert_string_equal(e.code, "BAD_CONFIG");
}

static void
test_ranges(void **state)
{
	struct config c;
	struct error e;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "threads", "0", &e), -1);
	assert_non_null(strstr(e.message, "threads must be a number from 1 to 256"));
	assert_int_equal(config_set(&c, "threads", "257", &e), -1);
	assert_int_equal(config_set(&c, "threads", "256", &e), 0);
	assert_int_equal(config_set(&c, "threads", "1", &e), 0);
	assert_int_equal(config_set(&c, "threads", "-1", &e), -1);
	assert_int_equal(config_set(&c, "threads", "+2", &e), -1);
	assert_int_equal(config_set(&c, "threads", "2x", &e), -1);
	assert_int_equal(config_set(&c, "threads", "99999999999999999999", &e), -1);
	assert_int_equal(config_set(&c, "max-batch", "4097", &e), -1);
	assert_int_equal(config_set(&c, "checkpoint-seconds", "86401", &e), -1);
	assert_int_equal(config_set(&c, "checkpoint-entries", "0", &e), -1);
	assert_int_equal(config_set(&c, "failure-burst", "1000001", &e), -1);
	assert_int_equal(config_set(&c, "log-level", "verbose", &e), -1);
	assert_non_null(strstr(e.message, "error, warn, info or debug"));
	assert_int_equal(c.threads, 1); /* refused values change nothing */
}

static void
test_proxies(void **state)
{
	struct config c;
	struct error e;
	char name[32];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "trusted-proxy", "not-an-ip", &e), -1);
	assert_int_equal(config_set(&c, "trusted-proxy", "10.0.0.1:80", &e), -1);
	assert_int_equal(c.proxy_count, 0);
	for (int i = 0; i < DAEMON_PROXIES_MAX; i++) {
		snprintf(name, sizeof(name), "10.0.0.%d", i + 1);
		assert_int_equal(config_set(&c, "trusted-proxy", name, &e), 0);
	}
	assert_int_equal(config_set(&c, "trusted-proxy", "10.0.1.1", &e), -1);
	assert_non_null(strstr(e.message, "at most 16"));
}

/* witness = URL VKEY (a cosignature/v1 key, the vectors' first). */
static void
test_witnesses(void **state)
{
	static const char vkey[] = "witness.example/w1+eb762cc2+BNdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";
	static const char log_vkey[] = "witness.example/w1+00000000+AdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";
	static const char text[] = "witness = https://w.example/sub/ witness.example/w1+eb762cc2+"
	    "BNdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea\n";
	char line[512];
	struct config c;
	struct error e;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load_text(&c, text, strlen(text), "passnumd.conf", &e), 0);
	assert_int_equal(c.witness_count, 1);
	assert_string_equal(c.witnesses[0].url, "https://w.example/sub");
	assert_string_equal(c.witnesses[0].vkey, vkey);
	assert_string_equal(c.witnesses[0].key.name, "witness.example/w1");
	snprintf(line, sizeof(line), "ftp://w.example %s", vkey);
	assert_int_equal(config_set(&c, "witness", line, &e), -1);
	assert_int_equal(config_set(&c, "witness", "http://w.example", &e), -1);
	snprintf(line, sizeof(line), "http://w.example %s", log_vkey);
	assert_int_equal(config_set(&c, "witness", line, &e), -1); /* a log key, type 0x01 */
	assert_int_equal(config_set(&c, "witness", "http://w.example nonsense", &e), -1);
	assert_int_equal(c.witness_count, 1);
	snprintf(line, sizeof(line), "http://127.0.0.1:8380  %s", vkey);
	for (int i = 1; i < DAEMON_WITNESSES_MAX; i++)
		assert_int_equal(config_set(&c, "witness", line, &e), 0);
	assert_int_equal(config_set(&c, "witness", line, &e), -1);
	assert_non_null(strstr(e.message, "at most 16"));
}

static void
test_addresses_and_check(void **state)
{
	struct sockaddr_storage addr;
	struct config c;
	socklen_t len;
	struct error e;

	(void)state;
	assert_int_equal(config_parse_address("127.0.0.1:8080", &addr, &len, &e), 0);
	assert_true(config_is_loopback((struct sockaddr *)&addr));
	assert_int_equal(config_parse_address("[::1]:0", &addr, &len, &e), 0);
	assert_true(config_is_loopback((struct sockaddr *)&addr));
	assert_int_equal(config_parse_address("localhost:1", &addr, &len, &e), 0);
	assert_int_equal(config_parse_address("192.0.2.1:1", &addr, &len, &e), 0);
	assert_false(config_is_loopback((struct sockaddr *)&addr));
	assert_int_equal(config_parse_address("192.0.2.1", &addr, &len, &e), -1);
	assert_int_equal(config_parse_address("192.0.2.1:65536", &addr, &len, &e), -1);
	assert_int_equal(config_parse_address("[::1:80", &addr, &len, &e), -1);
	assert_int_equal(config_parse_address("example.org:80", &addr, &len, NULL), -1);
	config_defaults(&c);
	assert_int_equal(config_check(&c, &e), -1);
	assert_string_equal(e.code, "NO_HOME");
	snprintf(c.home, sizeof(c.home), "/tmp/h");
	assert_int_equal(config_check(&c, &e), 0);
	snprintf(c.listen, sizeof(c.listen), "0.0.0.0:0");
	assert_int_equal(config_check(&c, &e), -1);
	assert_string_equal(e.code, "INSECURE_LISTEN");
	assert_int_equal(config_set(&c, "trusted-proxy", "10.0.0.1", &e), 0);
	assert_int_equal(config_check(&c, &e), 0);
	snprintf(c.tls_cert, sizeof(c.tls_cert), "cert.pem");
	assert_int_equal(config_check(&c, &e), -1);
	assert_non_null(strstr(e.message, "go together"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_lines_by_number),
		cmocka_unit_test(test_unknown_settings),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_proxies),
		cmocka_unit_test(test_witnesses),
		cmocka_unit_test(test_addresses_and_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
