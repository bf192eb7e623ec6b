/* The per-thread read connections and issuer keysets. A thread's slot is
 * found by a pthread key of the pool (no global); every slot is also on the
 * pool's list so that store_free closes them all. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "clock.h"
#include "daemon.h"
#include "db.h"
#include "metrics.h"
#include "keyset.h"
#include "store.h"

#define STORE_KEYSET_MAX_AGE_MS 5000
#define STORE_KEYSET_MIN_AGE_MS 1000

struct store_slot {
	struct db *db;
	struct keyset keys;
	int64_t keys_at; /* monotonic ms of the last load; 0: never */
	struct store_slot *next;
};

struct store {
	struct daemon *daemon;
	pthread_key_t key;
	pthread_mutex_t lock;
	struct store_slot *slots;
};

struct store *
store_create(struct daemon *d)
{
	struct store *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (pthread_key_create(&s->key, NULL) != 0) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->daemon = d;
	return s;
}

void
store_free(struct store *s)
{
	if (s == NULL)
		return;
	for (struct store_slot *slot = s->slots, *next; slot != NULL; slot = next) {
		next = slot->next;
		db_close(slot->db);
		keyset_free(&slot->keys);
		free(slot);
	}
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* The calling thread's slot, made on first use. */
static struct store_slot *
store_slot(struct store *s)
{
	struct store_slot *slot = pthread_getspecific(s->key);

	if (slot != NULL)
		return slot;
	if ((slot = calloc(1, sizeof(*slot))) == NULL)
		abort();
	pthread_setspecific(s->key, slot);
	pthread_mutex_lock(&s->lock);
	slot->next = s->slots;
	s->slots = slot;
	pthread_mutex_unlock(&s->lock);
	return slot;
}

struct db *
store_db(struct store *s)
{
	struct store_slot *slot = store_slot(s);
	char path[4200];
	struct error e;

	if (slot->db != NULL)
		return slot->db;
	snprintf(path, sizeof(path), "%s/passnum.db", s->daemon->config.home);
	if (db_open(&slot->db, path, DB_OPEN_READONLY, &e) != 0) {
		slot->db = NULL;
		daemon_log(s->daemon, LOG_ERROR, "database_error", "what=open_read", "cannot open %s for reading: %s",
		    path, e.message);
		metrics_db_error(s->daemon->metrics);
		return NULL;
	}
	return slot->db;
}

const struct keyset *
store_keyset(struct store *s, bool refresh)
{
	struct store_slot *slot = store_slot(s);
	int64_t now = clock_monotonic_ms(), age = now - slot->keys_at;
	struct keyset fresh;
	struct error e;
	struct db *db;

	if (slot->keys_at != 0 && age < STORE_KEYSET_MAX_AGE_MS &&
	    (!refresh || age < STORE_KEYSET_MIN_AGE_MS))
		return &slot->keys;
	if ((db = store_db(s)) == NULL || keys_load_issuers(db, &fresh, &e) != 0) {
		daemon_log(s->daemon, LOG_WARN, "keys_reload_failed", NULL,
		    "cannot reload the issuer keys; keeping the previous ones");
		return &slot->keys;
	}
	keyset_free(&slot->keys);
	slot->keys = fresh;
	slot->keys_at = now;
	return &slot->keys;
}
