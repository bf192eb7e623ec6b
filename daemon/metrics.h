/* Counters for /metrics (metrics.c), lock-free. */
#ifndef PASSNUMD_METRICS_H
#define PASSNUMD_METRICS_H
#include <stddef.h>
#include <stdint.h>

struct metrics;

/* Zeroed counters; NULL on out-of-memory. Free with metrics_free. */
struct metrics *metrics_create(void);
void metrics_free(struct metrics *m);
/* route_index (size_t)-1 when no route matched. */
void metrics_request(struct metrics *m, size_t route_index, int status, int64_t duration_us);
void metrics_redemption(struct metrics *m);
void metrics_db_error(struct metrics *m);
void metrics_batch(struct metrics *m, size_t size);
/* Prometheus text exposition (malloc'd, NUL-ended). */
char *metrics_render(struct metrics *m, size_t *len);

#endif
