/* The route table and its matcher (routes.c). */
#ifndef PASSNUMD_ROUTES_H
#define PASSNUMD_ROUTES_H
#include <stdbool.h>
#include <stddef.h>
#include "registry.h"

struct request;

#define ROUTES_PARAMS_MAX 4
#define ROUTES_PARAM_MAX 160
#define ROUTES_ALLOW_MAX 64

/* Flags of a route (bitmask): the roles whose token it accepts (none:
 * public), and what the dispatcher does for it. */
#define ROUTE_ADMIN (1u << ROLE_ADMIN)
#define ROUTE_FUNDER (1u << ROLE_FUNDER)
#define ROUTE_DISTRIBUTOR (1u << ROLE_DISTRIBUTOR)
#define ROUTE_PLACE (1u << ROLE_PLACE)
#define ROUTE_ROLES (ROUTE_ADMIN | ROUTE_FUNDER | ROUTE_DISTRIBUTOR | ROUTE_PLACE)
#define ROUTE_LOOPBACK (1u << 8) /* no token needed from a loopback client */
#define ROUTE_DB (1u << 9)       /* needs the database: req->db set, else 503 before the handler */
/* Its failures are guesses (a code looked up): once the place's failure
 * bucket is empty, 429 before the handler's work, even for a good guess. */
#define ROUTE_GUESSES (1u << 10)

typedef void (*handler_fn)(struct request *req);

struct route {
	const char *method;  /* "GET" or "POST" */
	const char *pattern; /* "/v1/redemptions/{id}/cancel"; {x} matches one segment */
	handler_fn handler;
	unsigned flags;      /* ROUTE_* bits */
	size_t body_limit;   /* 0: no body accepted; else a JSON body up to this size */
};

/* The outcome of routes_find. */
struct routes_match {
	const struct route *route;     /* NULL: none for this method */
	size_t index;                  /* route's index in the table */
	char params[ROUTES_PARAMS_MAX][ROUTES_PARAM_MAX]; /* captured {x} segments */
	char allow[ROUTES_ALLOW_MAX];  /* route NULL: all the path's methods ("GET, POST"), or "" (404) */
};

/* Finds the route of method and the (decoded) path into *m. Returns m->route. */
const struct route *routes_find(const char *method, const char *path, struct routes_match *m);
size_t routes_count(void);
const struct route *routes_get(size_t index);

#endif
