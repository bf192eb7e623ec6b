/* The one JSON reply and the one error reply. They only record the reply in
 * the request; the dispatcher sends it (after rate limits, with the log line). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daemon.h"
#include "request.h"
#include "utf8.h"

void
reply_raw(struct request *req, int status, const char *content_type, const char *body,
    size_t len)
{
	free(req->reply);
	req->reply = malloc(len + 1);
	if (req->reply == NULL)
		abort();
	memcpy(req->reply, body, len);
	req->reply[len] = '\0';
	req->reply_len = len;
	req->status = status;
	req->content_type = content_type;
	req->replied = true;
}

/* The reply when a body cannot be made (a member jansson refused, such as
 * text that is not UTF-8): a logged 500, never a crash. */
static void
reply_internal(struct request *req)
{
	static const char body[] = "{\"error\":{\"code\":\"INTERNAL\","
	    "\"message\":\"the reply could not be made\"}}";

	char fields[64];

	snprintf(fields, sizeof(fields), "id=%s", req->id);
	daemon_log(req->daemon, LOG_ERROR, "reply_failed", fields, "the reply to %s could not be encoded",
	    req->route != NULL ? req->route->pattern : "an unrouted request");
	reply_raw(req, 500, "application/json", body, sizeof(body) - 1);
	req->error_code = "INTERNAL";
	req->counted_failure = false;
}

void
reply_json(struct request *req, int status, json_t *body)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	if (text == NULL) {
		reply_internal(req);
		return;
	}
	reply_raw(req, status, "application/json", text, strlen(text));
	req->disposition[0] = '\0'; /* a JSON reply (an error after a file) is never saved */
	free(text);
}

/* Failures that the rate limits count: a bad or missing token, a pass that
 * is not one (bad token, signature, unknown serial or code). */
static bool
reply_counts_as_failure(int status, const char *code)
{
	if (status == 401 || status == 422)
		return true;
	return code != NULL && (strcmp(code, "UNKNOWN_VOUCHER") == 0);
}

/* Sets an error reply; extra (owned, may be NULL) adds its members beside
 * "error" (a 409's date or receipt). */
static void
reply_error_v(struct request *req, int status, const char *code, json_t *extra,
    const char *fmt, va_list ap)
{
	char text[1024], message[256];
	json_t *body;

	/* Messages quote the path, the method or stored names: valid UTF-8,
	 * cut on a character boundary, whatever was sent. */
	vsnprintf(text, sizeof(text), fmt, ap);
	utf8_copy(message, sizeof(message), text, strlen(text));
	body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
	if (extra != NULL) {
		json_object_update(body, extra);
		json_decref(extra);
	}
	reply_json(req, status, body);
	if (req->status == status) {
		req->error_code = code;
		req->counted_failure = reply_counts_as_failure(status, code);
	}
}

void
reply_error(struct request *req, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_error_v(req, status, code, NULL, fmt, ap);
	va_end(ap);
}

void
reply_error_with(struct request *req, int status, const char *code, json_t *extra,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_error_v(req, status, code, extra, fmt, ap);
	va_end(ap);
}

void
reply_from_error(struct request *req, const struct error *e)
{
	int status = e->status >= 400 && e->status <= 599 ? e->status : 500;

	reply_error(req, status, e->code != NULL ? e->code : "INTERNAL", "%s",
	    e->message[0] != '\0' ? e->message : "internal error");
}
