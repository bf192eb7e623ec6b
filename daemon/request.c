/* A request's accessors and body readers: query and header values through
 * the transport, the thread's read connection, the body up to the route's
 * limit and its JSON. No socket here: tests drive requests from buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <microhttpd.h>
#include "daemon.h"
#include "request.h"
#include "store.h"

const char *
request_query(const struct request *req, const char *name)
{
	return req->io->value(req, REQUEST_QUERY, name);
}

const char *
request_header(const struct request *req, const char *name)
{
	return req->io->value(req, REQUEST_HEADER, name);
}

int
request_header_lines(const struct request *req, const char *name, char *joined, size_t size)
{
	return req->io->values(req, name, joined, size);
}

int
request_parse_u64(const char *text, uint64_t *out)
{
	uint64_t v = 0;

	if (text == NULL || *text == '\0')
		return -1;
	for (const char *p = text; *p != '\0'; p++)
		if (*p < '0' || *p > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return -1;
	*out = v;
	return 0;
}

int
request_query_u64(struct request *req, const char *name, uint64_t *out, bool *present)
{
	const char *v = request_query(req, name);

	*present = v != NULL;
	if (v == NULL)
		return 0;
	if (request_parse_u64(v, out) != 0) {
		reply_error(req, 400, "BAD_PARAMETER", "%s must be a non-negative integer below 2^64", name);
		return -1;
	}
	return 0;
}

int
request_db_or_reply(struct request *req)
{
	if (req->db != NULL)
		return 0;
	if ((req->db = store_db(req->daemon->store)) != NULL)
		return 0;
	reply_error(req, 503, "STORE_UNAVAILABLE", "the database does not answer");
	return -1;
}

void
request_body_append(struct request *req, const char *data, size_t size)
{
	if (req->body_too_large || req->body_len + size > req->route->body_limit) {
		req->body_too_large = true;
		return;
	}
	if (req->body_len + size + 1 > req->body_cap) {
		req->body_cap = req->body_len + size + 1024;
		if ((req->body = realloc(req->body, req->body_cap)) == NULL)
			abort();
	}
	memcpy(req->body + req->body_len, data, size);
	req->body_len += size;
	req->body[req->body_len] = '\0';
}

bool
request_is_json_type(const char *type)
{
	size_t n = strlen("application/json");

	return type != NULL && strncasecmp(type, "application/json", n) == 0 &&
	    (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

int
request_body_parse(struct request *req)
{
	json_error_t jerr;

	if (req->body_len == 0)
		return 0;
	req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (req->json != NULL && json_is_object(req->json))
		return 0;
	reply_error(req, 400, "BAD_JSON", "the body is not a JSON object: %s",
	    req->json == NULL ? jerr.text : "another JSON value");
	return -1;
}

int
request_target_decode(const char *target, char *path, size_t size, const char **query)
{
	const char *mark = strchr(target, '?');
	size_t len = mark != NULL ? (size_t)(mark - target) : strlen(target);

	*query = mark != NULL ? mark + 1 : "";
	if (len >= size)
		return -1;
	memcpy(path, target, len);
	path[len] = '\0';
	MHD_http_unescape(path);
	return 0;
}

bool
request_target_has_nul(const char *target)
{
	for (const char *p = strchr(target, '%'); p != NULL; p = strchr(p + 1, '%'))
		if (p[1] == '0' && p[2] == '0')
			return true;
	return false;
}

void
request_suspend(struct request *req)
{
	req->suspended = true;
	req->io->suspend(req);
}

void
request_resume(struct request *req)
{
	req->io->resume(req);
}
