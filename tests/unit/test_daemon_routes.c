/* Unit tests of passnumd's route matcher (daemon/routes.c) and request
 * target decoding (daemon/request.c): exact patterns, {x} captures, the
 * embedded web files, percent-decoding as libmicrohttpd does it, 404 vs 405
 * and the Allow list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "request.h"
#include "routes.h"

static void
test_exact_patterns(void **state)
{
	struct routes_match m;

	(void)state;
	assert_non_null(routes_find("GET", "/v1/health", &m));
	assert_string_equal(m.route->pattern, "/v1/health");
	assert_ptr_equal(routes_get(m.index), m.route);
	assert_null(routes_find("GET", "/v1/health/", &m));
	assert_null(routes_find("GET", "/v1/healthz", &m));
	assert_null(routes_find("GET", "/v1", &m));
	assert_null(routes_find("GET", "", &m));
	assert_string_equal(m.allow, "");
	assert_non_null(routes_find("GET", "/", &m));
	assert_string_equal(m.route->pattern, "/");
}

static void
test_captures(void **state)
{
	struct routes_match m;
	char long_segment[ROUTES_PARAM_MAX + 32];

	(void)state;
	assert_non_null(routes_find("POST", "/v1/redemptions/42/cancel", &m));
	assert_string_equal(m.route->pattern, "/v1/redemptions/{id}/cancel");
	assert_string_equal(m.params[0], "42");
	assert_string_equal(m.params[1], "");
	assert_non_null(routes_find("GET", "/v1/funders/7/report", &m));
	assert_string_equal(m.params[0], "7");
	assert_non_null(routes_find("GET", "/v1/vouchers/ABCDE-12345", &m));
	assert_string_equal(m.params[0], "ABCDE-12345");
	/* A capture is one non-empty segment, shorter than ROUTES_PARAM_MAX. */
	assert_null(routes_find("GET", "/v1/vouchers/", &m));
	assert_null(routes_find("GET", "/v1/vouchers/a/b", &m));
	assert_null(routes_find("POST", "/v1/redemptions//cancel", &m));
	memset(long_segment, 'a', sizeof(long_segment) - 1);
	long_segment[sizeof(long_segment) - 1] = '\0';
	memcpy(long_segment, "/v1/vouchers/", 13);
	assert_null(routes_find("GET", long_segment, &m));
}

static void
test_web_files(void **state)
{
	struct routes_match m;

	(void)state;
	assert_non_null(routes_find("GET", "/index.html", &m));
	assert_string_equal(m.route->pattern, "/{webfile}");
	assert_string_equal(m.params[0], "index.html");
	assert_null(routes_find("GET", "/no-such-file.html", &m));
	assert_string_equal(m.allow, "");
	assert_null(routes_find("GET", "/index.html/x", &m));
}

static void
test_method_not_allowed(void **state)
{
	struct routes_match m;

	(void)state;
	assert_null(routes_find("POST", "/v1/health", &m));
	assert_string_equal(m.allow, "GET");
	/* A capture matches "lookup" too: GET there is a code lookup. */
	assert_non_null(routes_find("GET", "/v1/vouchers/lookup", &m));
	assert_string_equal(m.route->pattern, "/v1/vouchers/{code}");
	assert_null(routes_find("POST", "/v1/vouchers/ABCDE", &m));
	assert_string_equal(m.allow, "GET");
	assert_null(routes_find("G\xff" "T", "/v1/health", &m));
	assert_string_equal(m.allow, "GET");
	/* Every method of the path, once each, in table order. */
	assert_null(routes_find("DELETE", "/v1/redemptions", &m));
	assert_string_equal(m.allow, "POST, GET");
	assert_null(routes_find("PUT", "/", &m));
	assert_string_equal(m.allow, "GET");
	/* Unknown path: 404, no Allow. */
	assert_null(routes_find("DELETE", "/v1/nothing", &m));
	assert_string_equal(m.allow, "");
}

static void
test_target_decoding(void **state)
{
	char path[64];
	const char *query;

	(void)state;
	assert_int_equal(request_target_decode("/v1/ledger/consistency?from=1&to=2", path,
	    sizeof(path), &query), 0);
	assert_string_equal(path, "/v1/ledger/consistency");
	assert_string_equal(query, "from=1&to=2");
	assert_int_equal(request_target_decode("/v1/h%65alth", path, sizeof(path), &query), 0);
	assert_string_equal(path, "/v1/health");
	assert_string_equal(query, "");
	assert_int_equal(request_target_decode("/%ff", path, sizeof(path), &query), 0);
	assert_string_equal(path, "/\xff");
	assert_int_equal(request_target_decode("/x%C3%A9%2Fy", path, sizeof(path), &query), 0);
	assert_string_equal(path, "/x\xc3\xa9/y");
	/* Only the path is decoded, before the query is split off. */
	assert_int_equal(request_target_decode("/a%3Fb?c%3Dd", path, sizeof(path), &query), 0);
	assert_string_equal(path, "/a?b");
	assert_string_equal(query, "c%3Dd");
	/* A malformed escape is kept as it is. */
	assert_int_equal(request_target_decode("/%zz%4", path, sizeof(path), &query), 0);
	assert_string_equal(path, "/%zz%4");
	assert_int_equal(request_target_decode("/0123456789012345678901234567890123456789"
	    "01234567890123456789012345", path, sizeof(path), &query), -1);
}

static void
test_decoded_paths_route(void **state)
{
	struct routes_match m;
	char path[64];
	const char *query;

	(void)state;
	request_target_decode("/v1/vouchers/ABC%2D1?x=1", path, sizeof(path), &query);
	assert_non_null(routes_find("GET", path, &m));
	assert_string_equal(m.params[0], "ABC-1");
	/* An encoded slash is a slash once decoded: two segments, no route. */
	request_target_decode("/v1/vouchers/a%2Fb", path, sizeof(path), &query);
	assert_null(routes_find("GET", path, &m));
	request_target_decode("/v1/funders/%ff/report", path, sizeof(path), &query);
	assert_non_null(routes_find("GET", path, &m));
	assert_string_equal(m.params[0], "\xff");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_patterns),
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_web_files),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_target_decoding),
		cmocka_unit_test(test_decoded_paths_route),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
