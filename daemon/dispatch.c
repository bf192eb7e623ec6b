/* The dispatcher: the shared checks of dispatch.h, the handler, and what
 * follows every reply (rate limits on failures, the log line, metrics). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sodium.h>
#include "clock.h"
#include "daemon.h"
#include "dispatch.h"
#include "ratelimit.h"
#include "metrics.h"

static int64_t
dispatch_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sets req->client and req->loopback from peer and every line of
 * X-Forwarded-For (bad_forwarded when a trusted proxy's cannot be read). */
static void
dispatch_client(struct request *req, const struct sockaddr *peer)
{
	char address[DAEMON_ADDRESS_MAX] = "unknown", xff[4096];
	int lines;

	if (peer == NULL) {
		snprintf(req->client, sizeof(req->client), "unknown");
		return;
	}
	if (peer->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr, address,
		    sizeof(address));
	else if (peer->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)peer)->sin6_addr, address,
		    sizeof(address));
	lines = request_header_lines(req, "X-Forwarded-For", xff, sizeof(xff));
	if (lines < 0 && config_is_trusted_proxy(&req->daemon->config, address)) {
		snprintf(req->client, sizeof(req->client), "%s", address);
		req->bad_forwarded = true;
		return;
	}
	req->bad_forwarded = forwarded_client(&req->daemon->config, address, config_is_loopback(peer),
	    lines > 0 ? xff : NULL, req->client, &req->loopback) != 0;
}

struct request *
dispatch_new(struct daemon *d, const struct request_io *io, void *io_ctx, const char *method,
    const char *path, const struct sockaddr *peer)
{
	struct request *req = calloc(1, sizeof(*req));
	uint8_t id[8];

	if (req == NULL)
		abort();
	atomic_fetch_add(&d->in_flight, 1);
	req->daemon = d;
	req->io = io;
	req->io_ctx = io_ctx;
	req->started_us = dispatch_now_us();
	randombytes_buf(id, sizeof(id));
	sodium_bin2hex(req->id, sizeof(req->id), id, sizeof(id));
	snprintf(req->method, sizeof(req->method), "%s", method);
	snprintf(req->path, sizeof(req->path), "%s", path);
	dispatch_client(req, peer);
	return req;
}

void
dispatch_free(struct request *req)
{
	if (req == NULL)
		return;
	atomic_fetch_sub(&req->daemon->in_flight, 1);
	json_decref(req->json);
	free(req->body);
	free(req->reply);
	free(req);
}

/* Whether a body follows the headers. */
static bool
dispatch_has_body(const struct request *req)
{
	const char *length = request_header(req, "Content-Length");

	return (length != NULL && strtoull(length, NULL, 10) > 0) ||
	    request_header(req, "Transfer-Encoding") != NULL;
}

/* A refusal found before the body: sent after the body when one of at
 * most DISPATCH_DRAIN_MAX bytes follows (read and dropped, so that the
 * client reads the reply rather than a reset, and the connection stays
 * alive); at once for a larger or chunked one (the connection then closes);
 * a 405 without body at once. */
static enum dispatch_step
dispatch_refuse_early(struct request *req)
{
	const char *length = request_header(req, "Content-Length");

	if (!dispatch_has_body(req))
		return req->allow[0] != '\0' ? DISPATCH_SEND : DISPATCH_READ;
	if (request_header(req, "Transfer-Encoding") == NULL && length != NULL &&
	    strtoull(length, NULL, 10) <= DISPATCH_DRAIN_MAX)
		return DISPATCH_READ;
	req->close = true;
	return DISPATCH_SEND;
}

/* A refusal of the request's framing or target: the body (if any) is not
 * read, the connection is closed after the reply. Returns DISPATCH_SEND. */
static enum dispatch_step
dispatch_refuse_framing(struct request *req, int status, const char *code, const char *message)
{
	reply_error(req, status, code, "%s", message);
	req->close = true;
	return DISPATCH_SEND;
}

/* The message framing (RFC 9112 §3.2, §6.1, §6.3): one Host in HTTP/1.1,
 * at most one Content-Length, Transfer-Encoding only "chunked" and never
 * with a Content-Length. Returns 0, or -1 with the refusal set. */
static int
dispatch_framing_or_reply(struct request *req)
{
	char te[256], cl[256];
	int hosts = request_header_lines(req, "Host", cl, sizeof(cl));
	int lengths = request_header_lines(req, "Content-Length", cl, sizeof(cl));
	int encodings = request_header_lines(req, "Transfer-Encoding", te, sizeof(te));

	if (req->http11 && hosts != 1) {
		dispatch_refuse_framing(req, 400, "BAD_HOST", "an HTTP/1.1 request needs one Host header");
		return -1;
	}
	if (lengths > 1 || lengths < 0 || (encodings != 0 && lengths != 0)) {
		dispatch_refuse_framing(req, 400, "BAD_FRAMING",
		    "send one Content-Length, or Transfer-Encoding: chunked alone");
		return -1;
	}
	if (encodings != 0 && (encodings != 1 || strcasecmp(te, "chunked") != 0)) {
		dispatch_refuse_framing(req, 501, "UNSUPPORTED_TRANSFER_ENCODING",
		    "the only Transfer-Encoding understood is chunked");
		return -1;
	}
	return 0;
}

/* What the transport found in the target and the headers, and a trusted
 * proxy's X-Forwarded-For. Returns 0, or -1 with the refusal set. */
static int
dispatch_target_or_reply(struct request *req)
{
	if (req->target_too_long)
		dispatch_refuse_framing(req, 414, "URI_TOO_LONG",
		    "the request target may not exceed " REQUEST_TARGET_MAX_TEXT " bytes");
	else if (req->target_nul)
		dispatch_refuse_framing(req, 400, "BAD_PATH", "the path or a parameter holds a NUL (%00)");
	else if (req->header_bytes > REQUEST_HEADERS_MAX)
		dispatch_refuse_framing(req, 431, "HEADERS_TOO_LARGE",
		    "the headers may not exceed " REQUEST_HEADERS_MAX_TEXT " bytes");
	else if (req->bad_forwarded)
		dispatch_refuse_framing(req, 400, "BAD_FORWARDED",
		    "X-Forwarded-For must be a list of IP addresses");
	else
		return 0;
	return -1;
}

enum dispatch_step
dispatch_begin(struct request *req)
{
	struct routes_match m;
	const char *length;

	if (dispatch_framing_or_reply(req) != 0 || dispatch_target_or_reply(req) != 0)
		return DISPATCH_SEND;
	req->route = routes_find(req->method, req->path, &m);
	if (req->route == NULL && m.allow[0] != '\0') {
		snprintf(req->allow, sizeof(req->allow), "%s", m.allow);
		reply_error(req, 405, "METHOD_NOT_ALLOWED", "%s is not allowed here (use %s)", req->method,
		    req->allow);
		return DISPATCH_SEND;
	}
	if (req->route == NULL) {
		reply_error(req, 404, "NO_ROUTE", "there is no %s %s", req->method, req->path);
		return dispatch_refuse_early(req);
	}
	req->route_index = m.index;
	memcpy(req->params, m.params, sizeof(req->params));
	length = request_header(req, "Content-Length");
	if (length != NULL && strtoull(length, NULL, 10) > req->route->body_limit) {
		reply_error(req, 413, "TOO_LARGE", "the body may not exceed %zu bytes", req->route->body_limit);
		return dispatch_refuse_early(req);
	}
	if (auth_check_or_reply(req) != 0)
		return dispatch_refuse_early(req);
	return DISPATCH_READ;
}

enum dispatch_step
dispatch_body(struct request *req, const char *data, size_t size)
{
	if (req->route != NULL && !req->replied) {
		request_body_append(req, data, size);
		if (!req->body_too_large)
			return DISPATCH_READ;
	}
	req->body_dropped = size > DISPATCH_DRAIN_MAX - req->body_dropped ? DISPATCH_DRAIN_MAX + 1 :
	    req->body_dropped + size;
	return req->body_dropped <= DISPATCH_DRAIN_MAX ? DISPATCH_READ : DISPATCH_CLOSE;
}

/* The rate limits' key of req's place ("place:ID"), or false when the
 * bearer is not a place. */
static bool
dispatch_place_key(const struct request *req, char *key, size_t size)
{
	if (!req->authenticated || req->bearer.role != ROLE_PLACE)
		return false;
	snprintf(key, size, "place:%lld", (long long)req->bearer.subject_id);
	return true;
}

/* On a route whose failures are guesses: 429 before the handler when the
 * place's failure bucket is empty (a valid request never empties it, and a
 * redemption is never refused this way). Returns -1 when it replied. */
static int
dispatch_exhausted_or_reply(struct request *req)
{
	char key[DAEMON_ADDRESS_MAX + 16];

	if (!(req->route->flags & ROUTE_GUESSES) || !dispatch_place_key(req, key, sizeof(key)) ||
	    !ratelimit_exhausted(req->daemon->limits, key, clock_monotonic_ms()))
		return 0;
	reply_error(req, 429, "RATE_LIMITED", "too many failed attempts: wait a minute before trying again");
	return -1;
}

enum dispatch_step
dispatch_run(struct request *req)
{
	if (req->replied)
		return DISPATCH_SEND;
	if (req->body_too_large) {
		reply_error(req, 413, "TOO_LARGE", "the body may not exceed %zu bytes", req->route->body_limit);
		return DISPATCH_SEND;
	}
	if (req->body_len > 0 && !request_is_json_type(request_header(req, "Content-Type"))) {
		reply_error(req, 415, "NOT_JSON", "send the body as Content-Type: application/json");
		return DISPATCH_SEND;
	}
	if (request_body_parse(req) != 0)
		return DISPATCH_SEND;
	if ((req->route->flags & ROUTE_DB) && request_db_or_reply(req) != 0)
		return DISPATCH_SEND;
	if (dispatch_exhausted_or_reply(req) != 0)
		return DISPATCH_SEND;
	req->route->handler(req);
	if (req->suspended)
		return DISPATCH_WAIT;
	if (!req->replied)
		reply_error(req, 500, "INTERNAL", "the handler gave no reply");
	return DISPATCH_SEND;
}

/* Replaces a counted failure by 429 once the client's or the place's
 * bucket is empty; charges them otherwise. */
static void
dispatch_rate_limit(struct request *req)
{
	int64_t now = clock_monotonic_ms();
	char key[DAEMON_ADDRESS_MAX + 16];
	bool limited;

	if (!req->counted_failure)
		return;
	snprintf(key, sizeof(key), "addr:%s", req->client);
	limited = ratelimit_charge(req->daemon->limits, key, now);
	if (dispatch_place_key(req, key, sizeof(key)))
		limited = ratelimit_charge(req->daemon->limits, key, now) || limited;
	if (limited)
		reply_error(req, 429, "RATE_LIMITED",
		    "too many failed attempts: wait a minute before trying again");
}

/* The request's log line: its id, method, route pattern (never the path,
 * which may carry a pass), status, duration, error code; the client's
 * address only for a counted failure or a 429 (what rate limits and abuse
 * reports need). */
static void
dispatch_log(const struct request *req, int64_t duration)
{
	char method[64], fields[512];
	int n;

	daemon_log_value(method, sizeof(method), req->method);
	n = snprintf(fields, sizeof(fields), "id=%s method=%s route=%s status=%d ms=%lld.%03lld", req->id,
	    method, req->route != NULL ? req->route->pattern : "none", req->status,
	    (long long)(duration / 1000), (long long)(duration % 1000));
	if (req->error_code != NULL && n > 0 && (size_t)n < sizeof(fields))
		n += snprintf(fields + n, sizeof(fields) - (size_t)n, " error=%s", req->error_code);
	if ((req->counted_failure || req->status == 429) && n > 0 && (size_t)n < sizeof(fields))
		snprintf(fields + n, sizeof(fields) - (size_t)n, " client=%s", req->client);
	daemon_log(req->daemon, LOG_INFO, "request", fields, NULL);
}

void
dispatch_finish(struct request *req)
{
	int64_t duration;

	dispatch_rate_limit(req);
	req->queued = true;
	duration = dispatch_now_us() - req->started_us;
	dispatch_log(req, duration);
	metrics_request(req->daemon->metrics, req->route != NULL ? req->route_index : (size_t)-1,
	    req->status, duration);
}
