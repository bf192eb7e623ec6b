/* Unit tests of passnumd's body readers (daemon/request.c): the route's
 * size limit across pieces, the JSON content type, and the JSON parse (an
 * object, no duplicate keys, the 400 reply otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "daemon.h"
#include "request.h"

static const struct route route = { "POST", "/test", NULL, 0, 16 };

/* A request on route with a daemon (for the error replies' log). */
static struct request *
new_request(void)
{
	static struct daemon daemon;
	struct request *req = calloc(1, sizeof(*req));

	assert_non_null(req);
	config_defaults(&daemon.config);
	req->daemon = &daemon;
	req->route = &route;
	return req;
}

static void
free_request(struct request *req)
{
	json_decref(req->json);
	free(req->body);
	free(req->reply);
	free(req);
}

static void
test_size_limit(void **state)
{
	struct request *req = new_request();

	(void)state;
	request_body_append(req, "0123456789", 10);
	request_body_append(req, "abcdef", 6);
	assert_false(req->body_too_large);
	assert_int_equal(req->body_len, 16);
	assert_string_equal(req->body, "0123456789abcdef");
	request_body_append(req, "x", 1);
	assert_true(req->body_too_large);
	assert_int_equal(req->body_len, 16);
	request_body_append(req, "", 0); /* once too large, stays so */
	assert_true(req->body_too_large);
	free_request(req);
	req = new_request();
	request_body_append(req, "0123456789abcdefg", 17); /* one piece over the limit */
	assert_true(req->body_too_large);
	assert_int_equal(req->body_len, 0);
	free_request(req);
}

static void
test_json_type(void **state)
{
	(void)state;
	assert_true(request_is_json_type("application/json"));
	assert_true(request_is_json_type("Application/JSON; charset=utf-8"));
	assert_true(request_is_json_type("application/json ;charset=utf-8"));
	assert_false(request_is_json_type("application/jsonx"));
	assert_false(request_is_json_type("text/plain"));
	assert_false(request_is_json_type(""));
	assert_false(request_is_json_type(NULL));
}

/* Parses text as a body; returns request_body_parse's result, req kept in
 * *out (free_request). */
static int
parse(const char *text, struct request **out)
{
	*out = new_request();
	request_body_append(*out, text, strlen(text));
	return request_body_parse(*out);
}

static void
test_json_parse(void **state)
{
	struct request *req;
	json_t *reply;

	(void)state;
	assert_int_equal(parse("{\"a\": 1}", &req), 0);
	assert_true(json_is_object(req->json));
	assert_false(req->replied);
	free_request(req);
	assert_int_equal(parse("", &req), 0); /* no body, no JSON */
	assert_null(req->json);
	free_request(req);
	assert_int_equal(parse("{\"a\": ", &req), -1);
	assert_int_equal(req->status, 400);
	assert_string_equal(req->error_code, "BAD_JSON");
	assert_null(req->json);
	free_request(req);
	assert_int_equal(parse("[1, 2]", &req), -1);
	assert_non_null(strstr(req->reply, "another JSON value"));
	free_request(req);
	assert_int_equal(parse("{\"a\":1,\"a\":2}", &req), -1);
	assert_string_equal(req->error_code, "BAD_JSON");
	free_request(req);
	assert_int_equal(parse("{\"v\":\"\xe9\"}", &req), -1); /* not UTF-8 */
	assert_int_equal(req->status, 400);
	assert_non_null(reply = json_loads(req->reply, 0, NULL)); /* the reply itself is JSON */
	json_decref(reply);
	free_request(req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_json_type),
		cmocka_unit_test(test_json_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
