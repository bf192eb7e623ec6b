/* The libmicrohttpd transport: turns MHD's callbacks into the dispatcher's
 * steps (dispatch.h) and sends the reply with the headers every answer
 * carries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "daemon.h"
#include "dispatch.h"
#include "guard.h"
#include "http.h"

/* What the URI log callback saw in the raw target, before MHD decodes it:
 * a connection's first context until http_access makes its request. */
enum { HTTP_TARGET_NUL = 1, HTTP_TARGET_LONG = 2 };
static const char http_targets[4];

static const char *
http_value(const struct request *req, enum request_value kind, const char *name)
{
	return MHD_lookup_connection_value(req->io_ctx,
	    kind == REQUEST_HEADER ? MHD_HEADER_KIND : MHD_GET_ARGUMENT_KIND, name);
}

/* Joins header lines for http_values. */
struct http_join {
	const char *name;
	char *joined;
	size_t size, len;
	int lines;
	bool overflow;
};

static enum MHD_Result
http_join_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct http_join *j = cls;
	size_t n = value != NULL ? strlen(value) : 0;

	(void)kind;
	if (key == NULL || strcasecmp(key, j->name) != 0)
		return MHD_YES;
	if (j->len + n + 3 > j->size) {
		j->overflow = true;
		return MHD_YES;
	}
	if (j->lines++ > 0) {
		memcpy(j->joined + j->len, ", ", 2);
		j->len += 2;
	}
	memcpy(j->joined + j->len, value != NULL ? value : "", n);
	j->len += n;
	j->joined[j->len] = '\0';
	return MHD_YES;
}

static int
http_values(const struct request *req, const char *name, char *joined, size_t size)
{
	struct http_join j = { name, joined, size, 0, 0, false };

	joined[0] = '\0';
	MHD_get_connection_values(req->io_ctx, MHD_HEADER_KIND, http_join_one, &j);
	return j.overflow ? -1 : j.lines;
}

static void
http_suspend(struct request *req)
{
	MHD_suspend_connection(req->io_ctx);
}

static void
http_resume(struct request *req)
{
	MHD_resume_connection(req->io_ctx);
}

static const struct request_io http_io = { http_value, http_values, http_suspend, http_resume };

void *
http_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	int flags = 0;

	(void)cls;
	(void)conn;
	if (request_target_has_nul(uri))
		flags |= HTTP_TARGET_NUL;
	if (strlen(uri) > REQUEST_TARGET_MAX)
		flags |= HTTP_TARGET_LONG;
	return (void *)&http_targets[flags];
}

/* The flags of a first context set by http_uri_log, or -1 when ctx is a
 * request. */
static int
http_target_flags(const void *ctx)
{
	for (int i = 0; i < 4; i++)
		if (ctx == (const void *)&http_targets[i])
			return i;
	return -1;
}

/* Sends req's reply (after dispatch_finish). */
static enum MHD_Result
http_send(struct request *req)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	dispatch_finish(req);
	resp = MHD_create_response_from_buffer(req->reply_len, req->reply, MHD_RESPMEM_MUST_FREE);
	req->reply = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
	if (req->disposition[0] != '\0')
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, req->disposition);
	MHD_add_response_header(resp, "X-Request-Id", req->id);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; script-src 'self'; "
	    "style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
	    "frame-ancestors 'none'"); /* the place page (web/): no inline script or style */
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (req->status == 405 && req->allow[0] != '\0')
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, req->allow);
	if (req->status == 429)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "60");
	if (req->close) /* framing refused: what follows on the connection is never read */
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	rc = MHD_queue_response(req->io_ctx, (unsigned)req->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result
http_step(struct request *req, enum dispatch_step step)
{
	if (step == DISPATCH_CLOSE)
		return MHD_NO; /* libmicrohttpd closes the connection; http_completed logs it */
	return step == DISPATCH_SEND ? http_send(req) : MHD_YES;
}

/* The first call for a request (headers in): makes it with what the URI
 * log callback saw (flags), and runs dispatch_begin. */
static enum MHD_Result
http_begin(struct daemon *d, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, int flags, void **con_cls)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const union MHD_ConnectionInfo *size = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	struct request *req;

	guard_request_begun(d->guard, conn);
	req = dispatch_new(d, &http_io, conn, method, url, info != NULL ? info->client_addr : NULL);
	*con_cls = req;
	req->http11 = version != NULL && strcmp(version, MHD_HTTP_VERSION_1_1) == 0;
	req->target_nul = (flags & HTTP_TARGET_NUL) != 0;
	req->target_too_long = (flags & HTTP_TARGET_LONG) != 0 || strlen(url) >= sizeof(req->path);
	req->header_bytes = size != NULL ? size->header_size : 0;
	return http_step(req, dispatch_begin(req));
}

enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct request *req = *con_cls;
	int flags = http_target_flags(req);

	if (req == NULL || flags >= 0)
		return http_begin(cls, conn, url, method, version, flags > 0 ? flags : 0, con_cls);
	if (req->queued) {
		*upload_data_size = 0; /* a refusal was sent before the body: drop it */
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		enum dispatch_step step = dispatch_body(req, upload_data, *upload_data_size);

		*upload_data_size = 0;
		return http_step(req, step);
	}
	if (req->suspended) { /* resumed by the writer, its reply set */
		req->suspended = false;
		return http_send(req);
	}
	return http_step(req, dispatch_run(req));
}

void
http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;
	struct daemon *d = cls;

	guard_request_ended(d->guard, conn);
	if (req == NULL || http_target_flags(req) >= 0) { /* ended before its headers were in */
		*con_cls = NULL;
		return;
	}
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !req->queued) {
		char fields[128];
		snprintf(fields, sizeof(fields), "id=%s route=%s code=%d", req->id,
		    req->route != NULL ? req->route->pattern : "none", (int)toe);
		daemon_log(req->daemon, LOG_WARN, "request_aborted", fields,
		    req->body_dropped > DISPATCH_DRAIN_MAX ? "closed unanswered: a chunked body passed"
		    " its route's limit by more than 4 MiB" : "ended before its reply");
	}
	dispatch_free(req);
	*con_cls = NULL;
}
