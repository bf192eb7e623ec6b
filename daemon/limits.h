/* Rate limits on failures (limits.c): token buckets per client address
 * ("addr:IP") and per place ("place:ID"). */
#ifndef PASSNUMD_LIMITS_H
#define PASSNUMD_LIMITS_H
#include <stdbool.h>
#include <stdint.h>

struct limits;

/* Buckets of burst failures refilled at per_minute; NULL on out-of-memory.
 * Free with limits_free (NULL is fine). */
struct limits *limits_create(unsigned burst, unsigned per_minute);
void limits_free(struct limits *l);
/* Charges one failure to key; returns true when the bucket was already empty. */
bool limits_charge(struct limits *l, const char *key, int64_t now_ms);
/* Whether key's bucket is empty now (without charging it). */
bool limits_exhausted(struct limits *l, const char *key, int64_t now_ms);

#endif
