/* The route table and its matcher. The dispatcher (dispatch.c) runs the
 * checks a route's flags ask for; a handler only does its own work. */
#include <stdio.h>
#include <string.h>
#include "embedded.h"
#include "handlers.h"
#include "routes.h"

#define KIB 1024

static const struct route routes[] = {
	{ "GET", "/v1/health", h_health, ROUTE_DB, 0 },
	{ "GET", "/v1/keys", h_keys, ROUTE_DB, 0 },
	{ "GET", "/v1/ledger/checkpoint", h_checkpoint, ROUTE_DB, 0 },
	{ "GET", "/v1/ledger/proof/{seq}", h_proof, ROUTE_DB, 0 },
	{ "GET", "/v1/ledger/consistency", h_consistency, ROUTE_DB, 0 },
	{ "POST", "/v1/vouchers/lookup", h_voucher_lookup,
	    ROUTE_PLACE | ROUTE_ADMIN | ROUTE_DB | ROUTE_GUESSES, 4 * KIB },
	{ "GET", "/v1/vouchers/{code}", h_voucher_get,
	    ROUTE_PLACE | ROUTE_ADMIN | ROUTE_DB | ROUTE_GUESSES, 0 },
	{ "POST", "/v1/redemptions", h_redemption_post, ROUTE_PLACE | ROUTE_DB, 64 * KIB },
	{ "GET", "/v1/redemptions", h_redemption_list, ROUTE_PLACE | ROUTE_DB, 0 },
	{ "POST", "/v1/redemptions/{id}/cancel", h_redemption_cancel, ROUTE_PLACE, 1 * KIB },
	{ "GET", "/v1/places/me", h_place_me, ROUTE_PLACE | ROUTE_DB, 0 },
	{ "GET", "/v1/places/me/statements", h_place_statements, ROUTE_PLACE | ROUTE_DB, 0 },
	{ "GET", "/v1/places/me/statements/{period}", h_place_statement, ROUTE_PLACE | ROUTE_DB, 0 },
	{ "GET", "/v1/distributors/me", h_distributor_me, ROUTE_DISTRIBUTOR | ROUTE_DB, 0 },
	{ "GET", "/v1/distributors/me/stock", h_distributor_stock, ROUTE_DISTRIBUTOR | ROUTE_DB, 0 },
	{ "GET", "/v1/distributors/me/handouts", h_distributor_handouts, ROUTE_DISTRIBUTOR | ROUTE_DB, 0 },
	{ "POST", "/v1/distributors/me/handouts", h_distributor_handout, ROUTE_DISTRIBUTOR, 4 * KIB },
	{ "POST", "/v1/distributors/me/returns", h_distributor_return, ROUTE_DISTRIBUTOR, 1 * KIB },
	{ "GET", "/v1/funders/me", h_funder_me, ROUTE_FUNDER | ROUTE_DB, 0 },
	{ "GET", "/v1/funders/{id}/report", h_funder_report, ROUTE_FUNDER | ROUTE_ADMIN | ROUTE_DB, 0 },
	{ "GET", "/v1/funders/{id}/audit", h_funder_audit, ROUTE_FUNDER | ROUTE_ADMIN | ROUTE_DB, 0 },
	{ "GET", "/metrics", h_metrics, ROUTE_ADMIN | ROUTE_LOOPBACK, 0 },
	{ "GET", "/", h_web, 0, 0 },
	{ "GET", "/{webfile}", h_web, 0, 0 }, /* only names of embedded web/ files match */
};
#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

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

/* Matches path against pattern, capturing {x} segments into params.
 * Returns true on a match. */
static bool
routes_match(const char *pattern, const char *path, char params[][ROUTES_PARAM_MAX])
{
	size_t n = 0;

	while (*pattern != '\0' && *path != '\0') {
		if (*pattern == '{') {
			const char *close = strchr(pattern, '}'), *end = strchr(path, '/');
			size_t len = end != NULL ? (size_t)(end - path) : strlen(path);
			if (len == 0 || len >= ROUTES_PARAM_MAX || n >= ROUTES_PARAMS_MAX)
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

/* Adds method to the comma-separated list allow unless it is there. */
static void
routes_allow_add(char allow[ROUTES_ALLOW_MAX], const char *method)
{
	size_t len = strlen(allow), n = strlen(method);

	for (const char *p = allow; (p = strstr(p, method)) != NULL; p += n)
		if ((p == allow || p[-1] == ' ') && (p[n] == '\0' || p[n] == ','))
			return;
	snprintf(allow + len, ROUTES_ALLOW_MAX - len, "%s%s", len > 0 ? ", " : "", method);
}

const struct route *
routes_find(const char *method, const char *path, struct routes_match *m)
{
	char params[ROUTES_PARAMS_MAX][ROUTES_PARAM_MAX];

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < ROUTE_COUNT; i++) {
		memset(params, 0, sizeof(params));
		if (!routes_match(routes[i].pattern, path, params))
			continue;
		if (strcmp(routes[i].method, method) != 0) {
			routes_allow_add(m->allow, routes[i].method);
			continue;
		}
		memcpy(m->params, params, sizeof(params));
		m->index = i;
		m->route = &routes[i];
		m->allow[0] = '\0';
		return m->route;
	}
	return NULL;
}
