/* Rate limits on failures only: one token bucket per client address and per
 * place ("place:ID"), in a fixed table (a full bucket carries no state, so an
 * evicted one loses nothing but a partial count). A valid request never
 * takes from a bucket; dispatch.c answers 429 instead of a failure once the
 * bucket is empty, and before the work on routes whose failures are
 * guesses. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "ratelimit.h"

#define LIMITS_SLOTS 4096
#define LIMITS_PROBES 8
#define LIMITS_KEY_MAX 80

struct bucket {
	char key[LIMITS_KEY_MAX];
	int64_t tokens_milli; /* thousandths of a failure allowed */
	int64_t updated_ms;
};

struct ratelimit {
	pthread_mutex_t lock;
	struct bucket slots[LIMITS_SLOTS];
	int64_t burst_milli;
	int64_t refill_milli_per_minute;
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
};

struct ratelimit *
ratelimit_create(unsigned burst, unsigned per_minute)
{
	struct ratelimit *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	l->burst_milli = (int64_t)burst * 1000;
	l->refill_milli_per_minute = (int64_t)per_minute * 1000;
	randombytes_buf(l->hash_key, sizeof(l->hash_key));
	return l;
}

void
ratelimit_free(struct ratelimit *l)
{
	if (l == NULL)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* Brings b's tokens up to now. */
static void
ratelimit_refill(const struct ratelimit *l, struct bucket *b, int64_t now_ms)
{
	int64_t elapsed = now_ms - b->updated_ms;

	if (elapsed <= 0)
		return;
	b->tokens_milli += elapsed * l->refill_milli_per_minute / 60000;
	if (b->tokens_milli > l->burst_milli)
		b->tokens_milli = l->burst_milli;
	b->updated_ms = now_ms;
}

/* Finds key's bucket, or makes one (evicting the fullest of its probes).
 * Called with the lock held. */
static struct bucket *
ratelimit_find(struct ratelimit *l, const char *key, int64_t now_ms)
{
	uint8_t hash[crypto_shorthash_BYTES];
	struct bucket *victim = NULL;
	uint64_t h;

	crypto_shorthash(hash, (const uint8_t *)key, strlen(key), l->hash_key);
	memcpy(&h, hash, sizeof(h));
	for (size_t i = 0; i < LIMITS_PROBES; i++) {
		struct bucket *b = &l->slots[(h + i) % LIMITS_SLOTS];
		if (strcmp(b->key, key) == 0) {
			ratelimit_refill(l, b, now_ms);
			return b;
		}
		if (b->key[0] != '\0')
			ratelimit_refill(l, b, now_ms);
		if (victim == NULL || b->key[0] == '\0' ||
		    (victim->key[0] != '\0' && b->tokens_milli > victim->tokens_milli))
			victim = b;
	}
	snprintf(victim->key, sizeof(victim->key), "%s", key);
	victim->tokens_milli = l->burst_milli;
	victim->updated_ms = now_ms;
	return victim;
}

bool
ratelimit_charge(struct ratelimit *l, const char *key, int64_t now_ms)
{
	struct bucket *b;
	bool empty;

	pthread_mutex_lock(&l->lock);
	b = ratelimit_find(l, key, now_ms);
	empty = b->tokens_milli < 1000;
	if (!empty)
		b->tokens_milli -= 1000;
	pthread_mutex_unlock(&l->lock);
	return empty;
}

bool
ratelimit_exhausted(struct ratelimit *l, const char *key, int64_t now_ms)
{
	bool empty;

	pthread_mutex_lock(&l->lock);
	empty = ratelimit_find(l, key, now_ms)->tokens_milli < 1000;
	pthread_mutex_unlock(&l->lock);
	return empty;
}
