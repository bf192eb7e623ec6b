/* The dispatcher (dispatch.c): every check a route's flags ask for, run
 * once, in this order: the framing (400 Host, Content-Length, 501
 * Transfer-Encoding: the connection then closes), the target and headers
 * (414, 400 %00, 431, 400 X-Forwarded-For), unknown route (404), method (405), body size (413),
 * bearer token and role (401/403), content type (415), JSON syntax (400),
 * the database (503), a place out of guesses (429); then the route's
 * handler. No socket: a transport
 * (http.c, or a test from buffers) calls dispatch_begin with the headers,
 * dispatch_body with each piece of body, dispatch_run when the body is in,
 * and sends the reply after dispatch_finish. */
#ifndef PASSNUMD_DISPATCH_H
#define PASSNUMD_DISPATCH_H
#include <stdbool.h>
#include "config.h"
#include "request.h"

struct daemon;

/* What the transport does next. */
enum dispatch_step {
	DISPATCH_READ, /* read the body (a refusal may be set already: send it after) */
	DISPATCH_SEND, /* the reply is set: dispatch_finish, then send it now */
	DISPATCH_WAIT, /* suspended: the writer resumes the request with its reply */
	DISPATCH_CLOSE, /* close the connection unanswered (nothing can be queued in the
	                 * middle of a body: a body past its limit and DISPATCH_DRAIN_MAX) */
};

/* A new request (free with dispatch_free) for method and the decoded path
 * from peer (NULL: unknown), over io with its io_ctx. Counts it in flight. */
struct request *dispatch_new(struct daemon *d, const struct request_io *io, void *io_ctx,
    const char *method, const char *path, const struct sockaddr *peer);
/* The headers are in: route, method, size, token checks. */
enum dispatch_step dispatch_begin(struct request *req);
/* The most body bytes read and dropped behind a refusal (or past a route's
 * limit) before the reply is sent: the client, still sending, then reads
 * the reply instead of a reset connection (RFC 9112 §9.6). Past it the
 * reply is sent at once and the connection closes. */
#define DISPATCH_DRAIN_MAX ((size_t)4 << 20)

/* One piece of body (kept up to the route's limit, dropped after a
 * refusal): DISPATCH_READ, or DISPATCH_CLOSE once more than
 * DISPATCH_DRAIN_MAX bytes were dropped (only a chunked body gets there:
 * a Content-Length is refused before the body). */
enum dispatch_step dispatch_body(struct request *req, const char *data, size_t size);
/* The body is in: body checks, then the handler. */
enum dispatch_step dispatch_run(struct request *req);
/* Before sending: replaces a counted failure by 429 once the rate limits
 * are exhausted (charging them otherwise), writes the log line, counts the
 * metrics; marks req queued. */
void dispatch_finish(struct request *req);
/* Frees req and everything it owns; no longer in flight. */
void dispatch_free(struct request *req);

/* auth.c: authenticates req's bearer token against its route's roles; on
 * refusal sets the reply (401/403, or 503) and returns -1. */
int auth_check_or_reply(struct request *req);

/* forwarded.c: the client's address. client is peer (its loopback flag
 * peer_loopback); when peer is a trusted proxy of c, the right-most address
 * of xff (every X-Forwarded-For line joined with ", ", may be NULL) that is
 * not itself a trusted proxy, walking leftwards over trusted ones (only
 * trusted ones: the left-most); empty elements are skipped. Returns 0, or
 * -1 (client is peer) when an element reached by the walk is not a bare IP
 * address or the list is longer than 4 KiB: the request is refused, never
 * given a bucket shared by all such clients. */
int forwarded_client(const struct config *c, const char *peer, bool peer_loopback, const char *xff,
    char client[DAEMON_ADDRESS_MAX], bool *loopback);

#endif
