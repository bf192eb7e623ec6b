/* Unit tests of the X-Forwarded-For walk (daemon/forwarded.c): believed
 * only from a trusted proxy, the right-most address that is not a trusted
 * proxy wins, a malformed entry stops the walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "dispatch.h"

static struct config config;

static int
setup(void **state)
{
	struct error e;

	(void)state;
	config_defaults(&config);
	if (config_set(&config, "trusted-proxy", "10.0.0.1", &e) != 0 ||
	    config_set(&config, "trusted-proxy", "10.0.0.2", &e) != 0 ||
	    config_set(&config, "trusted-proxy", "::1", &e) != 0)
		return -1;
	return 0;
}

/* The client seen from peer (not loopback) with header xff. */
static const char *
client_of(const char *peer, const char *xff, bool *loopback)
{
	static char client[DAEMON_ADDRESS_MAX];

	forwarded_client(&config, peer, false, xff, client, loopback);
	return client;
}

static void
test_untrusted_peer(void **state)
{
	bool loopback;

	(void)state;
	assert_string_equal(client_of("192.0.2.7", "198.51.100.9", &loopback), "192.0.2.7");
	assert_false(loopback);
	assert_string_equal(client_of("192.0.2.7", NULL, &loopback), "192.0.2.7");
	/* The peer's own loopback flag is kept. */
	char client[DAEMON_ADDRESS_MAX];
	forwarded_client(&config, "127.0.0.1", true, "198.51.100.9", client, &loopback);
	assert_string_equal(client, "127.0.0.1");
	assert_true(loopback);
}

static void
test_trusted_peer(void **state)
{
	bool loopback = true;

	(void)state;
	assert_string_equal(client_of("10.0.0.1", "198.51.100.9", &loopback), "198.51.100.9");
	assert_false(loopback);
	/* Right-most untrusted: what the client put on the left is not believed. */
	assert_string_equal(client_of("10.0.0.1", "203.0.113.5, 198.51.100.9", &loopback),
	    "198.51.100.9");
	/* Trusted proxies on the right are walked over. */
	assert_string_equal(client_of("10.0.0.1", "198.51.100.9, 10.0.0.2", &loopback),
	    "198.51.100.9");
	assert_string_equal(client_of("10.0.0.1", "198.51.100.9,10.0.0.2,10.0.0.1", &loopback),
	    "198.51.100.9");
	/* Only trusted addresses: the left-most of them. */
	assert_string_equal(client_of("10.0.0.1", "10.0.0.2", &loopback), "10.0.0.2");
	assert_string_equal(client_of("10.0.0.1", NULL, &loopback), "10.0.0.1");
	assert_string_equal(client_of("10.0.0.1", "2001:db8::1", &loopback), "2001:db8::1");
	assert_false(loopback);
	assert_string_equal(client_of("10.0.0.1", "127.0.0.1", &loopback), "127.0.0.1");
	assert_true(loopback);
}

static void
test_malformed(void **state)
{
	char big[2048];
	bool loopback;

	(void)state;
	assert_string_equal(client_of("10.0.0.1", "garbage", &loopback), "10.0.0.1");
	assert_string_equal(client_of("10.0.0.1", "", &loopback), "10.0.0.1");
	assert_string_equal(client_of("10.0.0.1", "198.51.100.9, ", &loopback), "10.0.0.1");
	assert_string_equal(client_of("10.0.0.1", "198.51.100.9, garbage", &loopback), "10.0.0.1");
	assert_string_equal(client_of("10.0.0.1", "198.51.100.9:443", &loopback), "10.0.0.1");
	assert_string_equal(client_of("10.0.0.1", "[2001:db8::1]", &loopback), "10.0.0.1");
	assert_string_equal(client_of("10.0.0.1", "198.51.100.9 ", &loopback), "10.0.0.1");
	/* A malformed entry left of a trusted one: the walk stops at the trusted one. */
	assert_string_equal(client_of("10.0.0.1", "garbage, 10.0.0.2", &loopback), "10.0.0.2");
	/* A header too long to walk is ignored. */
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_string_equal(client_of("10.0.0.1", big, &loopback), "10.0.0.1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untrusted_peer),
		cmocka_unit_test(test_trusted_peer),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
