/* Rate limits on failures (ratelimit.c): token buckets per client address
 * ("addr:IP") and per place ("place:ID"). */
#ifndef PASSNUMD_RATELIMIT_H
#define PASSNUMD_RATELIMIT_H
#include <stdbool.h>
#include <stdint.h>

struct ratelimit;

/* Buckets of burst failures refilled at per_minute; NULL on out-of-memory.
 * Free with ratelimit_free (NULL is fine). */
struct ratelimit *ratelimit_create(unsigned burst, unsigned per_minute);
void ratelimit_free(struct ratelimit *l);
/* Charges one failure to key; returns true when the bucket was already empty. */
bool ratelimit_charge(struct ratelimit *l, const char *key, int64_t now_ms);
/* Whether key's bucket is empty now (without charging it). */
bool ratelimit_exhausted(struct ratelimit *l, const char *key, int64_t now_ms);

#endif
