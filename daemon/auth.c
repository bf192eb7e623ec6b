/* Authentication: the bearer token of a request against its route's roles. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "daemon.h"
#include "dispatch.h"
#include "metrics.h"

/* Reads "Bearer ID.SECRET" from the Authorization header into out. Returns
 * 0, -1 when there is no header, -2 when it is malformed. */
static int
auth_bearer_text(const struct request *req, char *out, size_t size)
{
	const char *h = request_header(req, "Authorization");

	if (h == NULL)
		return -1;
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return -2;
	h += 7;
	while (*h == ' ')
		h++;
	if (*h == '\0' || (size_t)snprintf(out, size, "%s", h) >= size)
		return -2;
	return 0;
}

int
auth_check_or_reply(struct request *req)
{
	unsigned roles = req->route->flags & (ROUTE_ROLES | ROUTE_LOOPBACK);
	char text[REGISTRY_TOKEN_TEXT_MAX + 8];
	struct error e;
	int got;

	if (roles == 0)
		return 0;
	got = auth_bearer_text(req, text, sizeof(text));
	if (got == -1 && (roles & ROUTE_LOOPBACK) && req->loopback)
		return 0;
	if (got == -1) {
		reply_error(req, 401, "NO_TOKEN", "this route needs a bearer token (Authorization: Bearer ID.SECRET)");
		return -1;
	}
	if (got == -2) {
		reply_error(req, 401, "BAD_TOKEN", "the Authorization header must be \"Bearer ID.SECRET\"");
		return -1;
	}
	if (request_db_or_reply(req) != 0) {
		sodium_memzero(text, sizeof(text));
		return -1;
	}
	error_clear(&e);
	if (registry_token_authenticate(req->db, text, &req->bearer, &e) != 0) {
		sodium_memzero(text, sizeof(text));
		if (e.status != 401)
			metrics_db_error(req->daemon->metrics);
		reply_from_error(req, &e);
		return -1;
	}
	sodium_memzero(text, sizeof(text));
	req->authenticated = true;
	if ((roles & (1u << req->bearer.role)) == 0) {
		reply_error(req, 403, "FORBIDDEN_ROLE", "a %s token may not use this route",
		    registry_role_name(req->bearer.role));
		return -1;
	}
	return 0;
}
