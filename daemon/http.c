/* The libmicrohttpd transport: turns MHD's callbacks into the dispatcher's
 * steps (dispatch.h) and sends the reply with the headers every answer
 * carries. */
#include <stdlib.h>
#include "daemon.h"
#include "dispatch.h"
#include "http.h"

static const char *
http_value(const struct request *req, enum request_value kind, const char *name)
{
	return MHD_lookup_connection_value(req->io_ctx,
	    kind == REQUEST_HEADER ? MHD_HEADER_KIND : MHD_GET_ARGUMENT_KIND, name);
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

static const struct request_io http_io = { http_value, http_suspend, http_resume };

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
	rc = MHD_queue_response(req->io_ctx, (unsigned)req->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result
http_step(struct request *req, enum dispatch_step step)
{
	return step == DISPATCH_SEND ? http_send(req) : MHD_YES;
}

enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct request *req = *con_cls;

	(void)version;
	if (req == NULL) {
		const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		req = dispatch_new(cls, &http_io, conn, method, url, info != NULL ? info->client_addr : NULL);
		*con_cls = req;
		return http_step(req, dispatch_begin(req));
	}
	if (req->queued) {
		*upload_data_size = 0; /* a refusal was sent before the body: drop it */
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		dispatch_body(req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
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

	(void)cls;
	(void)conn;
	if (req == NULL)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !req->queued)
		daemon_log(req->daemon, LOG_WARN, "req=%s %s %s ended before its reply (code %d)", req->id,
		    req->method, req->path, (int)toe);
	dispatch_free(req);
	*con_cls = NULL;
}
