/* Counters for /metrics (metrics.c), lock-free. */
#ifndef PASSNUMD_METRICS_H
#define PASSNUMD_METRICS_H
#include <stdbool.h>
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
/* A writer batch whose COMMIT failed (its requests got 503). */
void metrics_commit_failure(struct metrics *m);
/* A checkpoint that was due and could not be made. */
void metrics_checkpoint_failure(struct metrics *m);
/* A SIGHUP reload of the TLS certificate: ok or failed. */
void metrics_reload(struct metrics *m, bool ok);

/* What /metrics reads at each scrape besides the counters: the ledger and
 * its latest checkpoint (from the thread's read connection), the disk
 * holding the home. A field that could not be read is left out (its
 * *_known false). */
struct metrics_state {
	bool ledger_known;
	uint64_t ledger_size;
	bool checkpoint_known;
	uint64_t checkpoint_size;
	int64_t checkpoint_time;   /* Unix seconds */
	bool disk_known;
	uint64_t disk_free, disk_size; /* bytes (free: available to passnum) */
	int64_t started;           /* Unix seconds */
};

/* Fills st for daemon d (metrics_state.c's reads). */
struct daemon;
void metrics_gather(struct daemon *d, struct metrics_state *st);
/* Prometheus text exposition (malloc'd, NUL-ended); st may be NULL. */
char *metrics_render(struct metrics *m, const struct metrics_state *st, size_t *len);

#endif
