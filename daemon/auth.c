/* Authentication and the per-thread read connections. Each MHD worker thread
 * opens its own connection to the home's database on first use (lookups
 * only; the writer thread owns the one write connection) and keeps its own
 * copy of the issuer keyset, refreshed every few seconds and on an unknown
 * key id (a key rotated by the CLI while passnumd runs). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "clock.h"
#include "daemon.h"
#include "db.h"
#include "keyset.h"

#define AUTH_DBS_MAX 512
#define AUTH_KEYSET_MAX_AGE_MS 5000
#define AUTH_KEYSET_MIN_AGE_MS 1000

static pthread_mutex_t auth_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db *auth_dbs[AUTH_DBS_MAX];
static size_t auth_db_count;
static _Thread_local struct db *auth_thread_db;
static _Thread_local struct keyset auth_thread_keys;
static _Thread_local int64_t auth_thread_keys_at;

struct db *
auth_db(void)
{
	char path[4200];
	struct error e;

	if (auth_thread_db != NULL)
		return auth_thread_db;
	snprintf(path, sizeof(path), "%s/passnum.db", daemon_state.config.home);
	if (db_open(&auth_thread_db, path, DB_OPEN_READONLY, &e) != 0) {
		daemon_log(LOG_ERROR, "cannot open %s for reading: %s", path, e.message);
		metrics_db_error();
		return NULL;
	}
	pthread_mutex_lock(&auth_lock);
	if (auth_db_count < AUTH_DBS_MAX)
		auth_dbs[auth_db_count++] = auth_thread_db;
	pthread_mutex_unlock(&auth_lock);
	return auth_thread_db;
}

void
auth_close_all(void)
{
	pthread_mutex_lock(&auth_lock);
	for (size_t i = 0; i < auth_db_count; i++)
		db_close(auth_dbs[i]);
	auth_db_count = 0;
	pthread_mutex_unlock(&auth_lock);
}

const struct keyset *
auth_keyset(bool refresh)
{
	int64_t now = clock_monotonic_ms(), age = now - auth_thread_keys_at;
	struct keyset fresh;
	struct error e;
	struct db *db;

	if (auth_thread_keys_at != 0 && age < AUTH_KEYSET_MAX_AGE_MS &&
	    (!refresh || age < AUTH_KEYSET_MIN_AGE_MS))
		return &auth_thread_keys;
	if ((db = auth_db()) == NULL || keys_load_issuers(db, &fresh, &e) != 0) {
		daemon_log(LOG_WARN, "cannot reload the issuer keys; keeping the previous ones");
		return &auth_thread_keys;
	}
	keyset_free(&auth_thread_keys);
	auth_thread_keys = fresh;
	auth_thread_keys_at = now;
	return &auth_thread_keys;
}

/* Reads "Bearer ID.SECRET" from the Authorization header into out. */
static int
auth_bearer_text(struct request *req, char *out, size_t size)
{
	const char *h = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);

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
	unsigned roles = req->route->roles;
	char text[REGISTRY_TOKEN_TEXT_MAX + 8];
	struct error e;
	struct db *db;
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
	if ((db = auth_db()) == NULL) {
		reply_error(req, 503, "STORE_UNAVAILABLE", "the database is unavailable");
		return -1;
	}
	error_clear(&e);
	if (registry_token_authenticate(db, text, &req->bearer, &e) != 0) {
		sodium_memzero(text, sizeof(text));
		if (e.status != 401)
			metrics_db_error();
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
