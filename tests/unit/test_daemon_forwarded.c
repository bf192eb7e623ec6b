/* Unit tests of the X-Forwarded-For walk (daemon/forwarded.c): believed
 * only from a trusted proxy, the right-most address that is not a trusted
 * proxy wins, a malformed entry reached by the walk refuses the request. */
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

/* The client seen from peer (not loopback) with header xff; "REFUSED"
 * when the walk refuses it (client then the peer). */
static const char *
client_of(const char *peer, const char *xff, bool *loopback)
{
	static char client[DAEMON_ADDRESS_MAX];

	if (forwarded_client(&config, peer, false, xff, client, loopback) != 0) {
		assert_string_equal(client, peer);
		return "REFUSED";
	}
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
	assert_int_equal(forwarded_client(&config, "127.0.0.1", true, "198.51.100.9", client, &loopback), 0);
	assert_string_equal(client, "127.0.0.1");
	assert_true(loopback);
	/* Not from a trusted proxy, the header is not read at all. */
	assert_string_equal(client_of("192.0.2.7", "garbage", &loopback), "192.0.2.7");
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
test_lines_joined(void **state)
{
	bool loopback;

	(void)state;
	/* Two lines joined by the transport (a proxy that appends its own
	 * line): the proxy's line, on the right, wins over the client's. */
	assert_string_equal(client_of("10.0.0.1", "127.0.0.2, 198.51.100.9", &loopback), "198.51.100.9");
	assert_false(loopback);
	/* Optional white space and empty elements (RFC 9110 §5.6). */
	assert_string_equal(client_of("10.0.0.1", "203.0.113.5,\t198.51.100.9 ", &loopback), "198.51.100.9");
	assert_string_equal(client_of("10.0.0.1", "198.51.100.9, ", &loopback), "198.51.100.9");
	assert_string_equal(client_of("10.0.0.1", "198.51.100.9, , 10.0.0.2", &loopback), "198.51.100.9");
	assert_string_equal(client_of("10.0.0.1", "", &loopback), "10.0.0.1");
	/* Garbage left of the right-most untrusted address is never reached. */
	assert_string_equal(client_of("10.0.0.1", "garbage, 198.51.100.9", &loopback), "198.51.100.9");
}

static void
test_malformed(void **state)
{
	char big[5000];
	bool loopback;

	(void)state;
	assert_string_equal(client_of("10.0.0.1", "garbage", &loopback), "REFUSED");
	assert_string_equal(client_of("10.0.0.1", "198.51.100.9, garbage", &loopback), "REFUSED");
	assert_string_equal(client_of("10.0.0.1", "198.51.100.9:443", &loopback), "REFUSED");
	assert_string_equal(client_of("10.0.0.1", "[2001:db8::1]", &loopback), "REFUSED");
	assert_string_equal(client_of("10.0.0.1", "unknown", &loopback), "REFUSED");
	/* A malformed entry left of a trusted one is reached: refused. */
	assert_string_equal(client_of("10.0.0.1", "garbage, 10.0.0.2", &loopback), "REFUSED");
	/* A header too long to walk is refused, not ignored. */
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_string_equal(client_of("10.0.0.1", big, &loopback), "REFUSED");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untrusted_peer),
		cmocka_unit_test(test_trusted_peer),
		cmocka_unit_test(test_lines_joined),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
