/* What a handler sees: one HTTP request from its headers to its reply
 * (request.c), and the replies (reply.c). The transport (http.c for
 * libmicrohttpd, or a test driving requests from buffers) fills it through
 * the dispatcher (dispatch.h) and supplies struct request_io. */
#ifndef PASSNUMD_REQUEST_H
#define PASSNUMD_REQUEST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "config.h"
#include "error.h"
#include "merkle.h"
#include "registry.h"
#include "routes.h"

struct daemon;
struct db;
struct request;

enum request_value { REQUEST_HEADER, REQUEST_QUERY };

/* The largest request target (path and query, before decoding) and the
 * largest header block passnumd answers (414, 431 beyond: docs/api.md). */
#define REQUEST_TARGET_MAX 2048
#define REQUEST_TARGET_MAX_TEXT "2048"
#define REQUEST_HEADERS_MAX 8192
#define REQUEST_HEADERS_MAX_TEXT "8192"

/* The transport under a request. */
struct request_io {
	/* The header (case-insensitive) or query argument name, or NULL. */
	const char *(*value)(const struct request *req, enum request_value kind, const char *name);
	/* Every line of header name (case-insensitive), joined with ", " into
	 * joined (size bytes; RFC 9110 §5.3). Returns the number of lines, or
	 * -1 when they do not fit. */
	int (*values)(const struct request *req, const char *name, char *joined, size_t size);
	/* Pauses the connection while the writer works; resume sends the reply. */
	void (*suspend)(struct request *req);
	void (*resume)(struct request *req);
};

struct request {
	struct daemon *daemon;
	const struct request_io *io;
	void *io_ctx;                    /* the transport's (MHD's connection) */
	const struct route *route;
	size_t route_index;
	char method[8];
	char path[512];                  /* decoded, without the query */
	char params[ROUTES_PARAMS_MAX][ROUTES_PARAM_MAX]; /* captured {x} segments, decoded */
	char allow[ROUTES_ALLOW_MAX];    /* a 405's Allow header */
	char client[DAEMON_ADDRESS_MAX]; /* the peer, or the X-Forwarded-For of a trusted proxy */
	bool loopback;
	bool bad_forwarded;              /* a trusted proxy's X-Forwarded-For could not be read */
	bool http11;                     /* HTTP/1.1 (Host required); set by the transport */
	bool target_nul;                 /* the target decodes to a NUL; set by the transport */
	bool target_too_long;            /* the target does not fit in path; set by the transport */
	size_t header_bytes;             /* the headers' size as the transport saw them (0: unknown) */
	bool close;                      /* close the connection after the reply (framing refused) */
	char id[17];                     /* request id, 16 hex digits (X-Request-Id) */
	int64_t started_us;
	struct db *db;                   /* the thread's read connection (ROUTE_DB routes) */
	/* Body */
	char *body;
	size_t body_len, body_cap;
	bool body_too_large;
	size_t body_dropped; /* body bytes dropped behind a refusal (dispatch_body) */
	json_t *json;                    /* the parsed body (owned) */
	/* Authentication */
	bool authenticated;
	struct bearer bearer;
	/* Reply */
	int status;
	char *reply;                     /* owned body */
	size_t reply_len;
	const char *content_type;
	char disposition[96];            /* Content-Disposition when not "" (a file to save) */
	const char *error_code;          /* the error's code, for logs; NULL on success */
	bool counted_failure;            /* charges the rate limits (bad token, unknown code...) */
	bool replied;                    /* reply fields set */
	bool queued;                     /* reply handed to the transport */
	bool suspended;                  /* waiting for the writer */
};

/* request.c */
/* The query parameter name, or NULL. */
const char *request_query(const struct request *req, const char *name);
/* Parses text as a decimal number 0 .. 2^64 - 1 (digits only, no sign, no
 * saturation). Returns 0, or -1. */
int request_parse_u64(const char *text, uint64_t *out);

/* Reads the query parameter name as an unsigned integer into *out (*present
 * says whether it was given); on a malformed value sets a 400 reply and
 * returns -1. */
int request_query_u64(struct request *req, const char *name, uint64_t *out, bool *present);
/* The header name, or NULL (its first line when there are several). */
const char *request_header(const struct request *req, const char *name);
/* Every line of header name joined (request_io.values). */
int request_header_lines(const struct request *req, const char *name, char *joined, size_t size);
/* Sets req->db to the thread's read connection (once); when the database
 * cannot be opened sets the 503 STORE_UNAVAILABLE reply and returns -1. */
int request_db_or_reply(struct request *req);
/* Appends size bytes of body to req->body (NUL-ended), up to
 * req->route->body_limit; past it sets body_too_large and keeps nothing
 * more. */
void request_body_append(struct request *req, const char *data, size_t size);
/* Whether a Content-Type value is JSON ("application/json", with or without
 * parameters). */
bool request_is_json_type(const char *type);
/* Parses the body (when there is one) into req->json: a JSON object, no
 * duplicate keys. Returns 0, or -1 with the 400 BAD_JSON reply set. */
int request_body_parse(struct request *req);
/* Splits a request target "PATH?QUERY" and percent-decodes the path into
 * path (size bytes) as libmicrohttpd does; *query points into target after
 * the '?' (or at ""). Returns 0, or -1 when the path does not fit. */
int request_target_decode(const char *target, char *path, size_t size, const char **query);
/* Whether the raw target "PATH?QUERY" holds a percent-encoded NUL (%00),
 * which would cut its decoded path or a parameter. */
bool request_target_has_nul(const char *target);
/* Suspends and resumes req's connection (the writer, around a batch). */
void request_suspend(struct request *req);
void request_resume(struct request *req);

/* reply.c: set the reply of req (sent by the dispatcher). reply_json takes
 * ownership of body. */
void reply_json(struct request *req, int status, json_t *body);
void reply_raw(struct request *req, int status, const char *content_type, const char *body,
    size_t len);
void reply_error(struct request *req, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void reply_error_with(struct request *req, int status, const char *code, json_t *extra,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void reply_from_error(struct request *req, const struct error *e);

#endif
