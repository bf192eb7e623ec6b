/* The route table and the dispatcher. Every shared check runs here once, in
 * this order: unknown route (404), method (405), body size (413), bearer
 * token and role (401/403), content type (415), JSON syntax (400); then the
 * route's handler. Replies are sent here too: a counted failure charges the
 * rate limits (and becomes 429 once they are exhausted), then the one log
 * line and the metrics. */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sodium.h>
#include "clock.h"
#include "daemon.h"
#include "embedded.h"

#define KIB 1024

static const struct route routes[] = {
	{ "GET", "/v1/health", h_health, 0, 0 },
	{ "GET", "/v1/keys", h_keys, 0, 0 },
	{ "GET", "/v1/ledger/checkpoint", h_checkpoint, 0, 0 },
	{ "GET", "/v1/ledger/proof/{seq}", h_proof, 0, 0 },
	{ "GET", "/v1/ledger/consistency", h_consistency, 0, 0 },
	{ "POST", "/v1/vouchers/lookup", h_voucher_lookup, ROUTE_PLACE | ROUTE_ADMIN, 4 * KIB },
	{ "GET", "/v1/vouchers/{code}", h_voucher_get, ROUTE_PLACE | ROUTE_ADMIN, 0 },
	{ "POST", "/v1/redemptions", h_redemption_post, ROUTE_PLACE, 64 * KIB },
	{ "GET", "/v1/redemptions", h_redemption_list, ROUTE_PLACE, 0 },
	{ "POST", "/v1/redemptions/{id}/cancel", h_redemption_cancel, ROUTE_PLACE, 1 * KIB },
	{ "GET", "/v1/places/me", h_place_me, ROUTE_PLACE, 0 },
	{ "GET", "/v1/funders/{id}/report", h_funder_report, ROUTE_FUNDER | ROUTE_ADMIN, 0 },
	{ "GET", "/metrics", h_metrics, ROUTE_ADMIN | ROUTE_LOOPBACK, 0 },
	{ "GET", "/", h_web, 0, 0 },
	{ "GET", "/{webfile}", h_web, 0, 0 }, /* only names of embedded web/ files match */
};
#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

static atomic_long routes_active;

size_t
routes_count(void)
{
	return ROUTE_COUNT;
}

const struct route *
routes_get(size_t index)
{
	return index < ROUTE_COUNT ? &routes[index] : NULL;
}

long
routes_in_flight(void)
{
	return atomic_load(&routes_active);
}

static int64_t
routes_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Matches path against pattern, capturing {x} segments into params.
 * Returns true on a match. */
static bool
routes_match(const char *pattern, const char *path, char params[][DAEMON_PARAM_MAX])
{
	size_t n = 0;

	while (*pattern != '\0' && *path != '\0') {
		if (*pattern == '{') {
			const char *close = strchr(pattern, '}'), *end = strchr(path, '/');
			size_t len = end != NULL ? (size_t)(end - path) : strlen(path);
			if (len == 0 || len >= DAEMON_PARAM_MAX || n >= DAEMON_PARAMS_MAX)
				return false;
			memcpy(params[n], path, len);
			params[n][len] = '\0';
			if (strncmp(pattern, "{webfile}", 9) == 0 &&
			    (embedded_find(web_files, params[n]) == NULL || end != NULL))
				return false;
			n++;
			pattern = close + 1;
			path += len;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *pattern == '\0' && *path == '\0';
}

/* Finds the route of method and path; sets *allow to the methods the path
 * has when only the method differs. */
static const struct route *
routes_find(struct request *req, const char **allow)
{
	char params[DAEMON_PARAMS_MAX][DAEMON_PARAM_MAX] = { { 0 } };

	*allow = NULL;
	for (size_t i = 0; i < ROUTE_COUNT; i++) {
		if (!routes_match(routes[i].pattern, req->path, params))
			continue;
		if (strcmp(routes[i].method, req->method) != 0) {
			*allow = routes[i].method;
			continue;
		}
		memcpy(req->params, params, sizeof(params));
		req->route_index = i;
		return &routes[i];
	}
	return NULL;
}

static bool
routes_is_trusted_proxy(const char *address)
{
	for (size_t i = 0; i < daemon_state.config.proxy_count; i++)
		if (strcmp(daemon_state.config.proxies[i], address) == 0)
			return true;
	return false;
}

/* Sets req->client: the peer's address, or, when the peer is a trusted
 * proxy, the right-most address of X-Forwarded-For that is not one. */
static void
routes_client(struct request *req)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(req->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info != NULL ? info->client_addr : NULL;
	const char *xff;
	char list[1024], *tok;

	snprintf(req->client, sizeof(req->client), "unknown");
	if (sa == NULL)
		return;
	req->loopback = config_is_loopback(sa);
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->client,
		    sizeof(req->client));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, req->client,
		    sizeof(req->client));
	if (!routes_is_trusted_proxy(req->client))
		return;
	xff = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Forwarded-For");
	if (xff == NULL || snprintf(list, sizeof(list), "%s", xff) >= (int)sizeof(list))
		return;
	for (;;) {
		tok = strrchr(list, ',');
		char *addr = tok != NULL ? tok + 1 : list;
		while (*addr == ' ')
			addr++;
		struct sockaddr_storage ss;
		socklen_t len;
		char probe[DAEMON_ADDRESS_MAX + 8];
		snprintf(probe, sizeof(probe), strchr(addr, ':') ? "[%s]:1" : "%s:1", addr);
		if (*addr == '\0' || config_parse_address(probe, &ss, &len, NULL) != 0)
			return;
		if (strlen(addr) >= sizeof(req->client))
			return;
		memcpy(req->client, addr, strlen(addr) + 1);
		req->loopback = config_is_loopback((struct sockaddr *)&ss);
		if (tok == NULL || !routes_is_trusted_proxy(addr))
			return;
		*tok = '\0';
	}
}

/* Replaces a counted failure by 429 once the client's or the place's
 * bucket is empty; charges them otherwise. */
static void
routes_rate_limit(struct request *req)
{
	int64_t now = clock_monotonic_ms();
	char key[DAEMON_ADDRESS_MAX + 16];
	bool limited;

	if (!req->counted_failure)
		return;
	snprintf(key, sizeof(key), "addr:%s", req->client);
	limited = limits_charge(key, now);
	if (req->authenticated && req->bearer.role == ROLE_PLACE) {
		snprintf(key, sizeof(key), "place:%lld", (long long)req->bearer.subject_id);
		limited = limits_charge(key, now) || limited;
	}
	if (limited)
		reply_error(req, 429, "RATE_LIMITED",
		    "too many failed attempts: wait a minute before trying again");
}

static void
routes_log(const struct request *req, int64_t duration_us)
{
	daemon_log(LOG_INFO, "req=%s %s %s %d %lld.%03lldms client=%s%s%s", req->id, req->method,
	    req->route != NULL ? req->route->pattern : "(none)", req->status,
	    (long long)(duration_us / 1000), (long long)(duration_us % 1000), req->client,
	    req->error_code != NULL ? " error=" : "", req->error_code != NULL ? req->error_code : "");
}

/* Sends req's reply (after the rate limits), logs it and counts it. */
static enum MHD_Result
routes_send(struct request *req, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;
	int64_t duration;

	routes_rate_limit(req);
	resp = MHD_create_response_from_buffer(req->reply_len, req->reply, MHD_RESPMEM_MUST_FREE);
	req->reply = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
	MHD_add_response_header(resp, "X-Request-Id", req->id);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; script-src 'self'; "
	    "style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
	    "frame-ancestors 'none'"); /* the place page (web/): no inline script or style */
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	if (req->status == 429)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "60");
	rc = MHD_queue_response(req->conn, (unsigned)req->status, resp);
	MHD_destroy_response(resp);
	req->queued = true;
	duration = routes_now_us() - req->started_us;
	routes_log(req, duration);
	metrics_request(req->route != NULL ? req->route_index : (size_t)-1, req->status, duration);
	return rc;
}

/* Whether a body follows the headers. */
static bool
routes_has_body(struct MHD_Connection *conn)
{
	const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (length != NULL && strtoull(length, NULL, 10) > 0) ||
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}

/* Sends a refusal found before the body: at once when a body follows (the
 * connection then closes), else after the (empty) body, keeping the
 * connection alive. */
static enum MHD_Result
routes_refuse_early(struct request *req, const char *allow)
{
	if (routes_has_body(req->conn) || allow != NULL)
		return routes_send(req, allow);
	return MHD_YES;
}

/* First call: a new request with its headers. Runs the checks that need no
 * body; a refusal is sent before or after the body (routes_refuse_early). */
static enum MHD_Result
routes_begin(struct MHD_Connection *conn, const char *url, const char *method, void **con_cls)
{
	struct request *req = calloc(1, sizeof(*req));
	const char *allow = NULL, *length;
	uint8_t id[8];

	if (req == NULL)
		abort();
	*con_cls = req;
	atomic_fetch_add(&routes_active, 1);
	req->conn = conn;
	req->started_us = routes_now_us();
	randombytes_buf(id, sizeof(id));
	sodium_bin2hex(req->id, sizeof(req->id), id, sizeof(id));
	snprintf(req->method, sizeof(req->method), "%s", method);
	snprintf(req->path, sizeof(req->path), "%s", url);
	routes_client(req);
	req->route = routes_find(req, &allow);
	if (req->route == NULL && allow != NULL) {
		reply_error(req, 405, "METHOD_NOT_ALLOWED", "%s is not allowed here (use %s)", method, allow);
		return routes_send(req, allow);
	}
	if (req->route == NULL) {
		reply_error(req, 404, "NO_ROUTE", "there is no %s %s", method, url);
		return routes_refuse_early(req, NULL);
	}
	length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length != NULL && strtoull(length, NULL, 10) > req->route->body_limit) {
		reply_error(req, 413, "TOO_LARGE", "the body may not exceed %zu bytes", req->route->body_limit);
		return routes_send(req, NULL);
	}
	if (auth_check_or_reply(req) != 0)
		return routes_refuse_early(req, NULL);
	return MHD_YES;
}

/* Appends upload data to the body, up to the route's limit. */
static void
routes_body(struct request *req, const char *data, size_t size)
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

static bool
routes_is_json(struct request *req)
{
	const char *type = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen("application/json");

	return type != NULL && strncasecmp(type, "application/json", n) == 0 &&
	    (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* The whole request is in: body checks, then the handler. */
static enum MHD_Result
routes_run(struct request *req)
{
	json_error_t jerr;

	if (req->body_too_large) {
		reply_error(req, 413, "TOO_LARGE", "the body may not exceed %zu bytes", req->route->body_limit);
		return routes_send(req, NULL);
	}
	if (req->body_len > 0 && !routes_is_json(req)) {
		reply_error(req, 415, "NOT_JSON", "send the body as Content-Type: application/json");
		return routes_send(req, NULL);
	}
	if (req->body_len > 0) {
		req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (req->json == NULL || !json_is_object(req->json)) {
			reply_error(req, 400, "BAD_JSON", "the body is not a JSON object: %s",
			    req->json == NULL ? jerr.text : "another JSON value");
			return routes_send(req, NULL);
		}
	}
	req->route->handler(req);
	if (req->suspended)
		return MHD_YES;
	if (!req->replied)
		reply_error(req, 500, "INTERNAL", "the handler gave no reply");
	return routes_send(req, NULL);
}

enum MHD_Result
routes_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct request *req = *con_cls;

	(void)cls;
	(void)version;
	if (req == NULL)
		return routes_begin(conn, url, method, con_cls);
	if (req->queued) {
		*upload_data_size = 0; /* a refusal was sent before the body: drop it */
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		routes_body(req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (req->suspended || req->replied) { /* resumed by the writer, or refused early */
		req->suspended = false;
		return routes_send(req, NULL);
	}
	return routes_run(req);
}

void
routes_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;

	(void)cls;
	(void)conn;
	if (req == NULL)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !req->queued)
		daemon_log(LOG_WARN, "req=%s %s %s ended before its reply (code %d)", req->id, req->method,
		    req->path, (int)toe);
	json_decref(req->json);
	free(req->body);
	free(req->reply);
	free(req);
	*con_cls = NULL;
	atomic_fetch_sub(&routes_active, 1);
}

int
request_query_u64(struct request *req, const char *name, uint64_t *out, bool *present)
{
	const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
	char *end;

	*present = v != NULL;
	if (v == NULL)
		return 0;
	if (*v < '0' || *v > '9' || strlen(v) > 19) {
		reply_error(req, 400, "BAD_PARAMETER", "%s must be a non-negative integer", name);
		return -1;
	}
	*out = strtoull(v, &end, 10);
	if (*end != '\0') {
		reply_error(req, 400, "BAD_PARAMETER", "%s must be a non-negative integer", name);
		return -1;
	}
	return 0;
}

const char *
request_query(struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}
