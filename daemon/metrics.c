/* Counters for /metrics (Prometheus text format 0.0.4): requests by route and
 * status, redemptions, request latency, database errors, group-commit batch
 * sizes. Lock-free: relaxed atomic adds. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "routes.h"

#define METRICS_ROUTES 32
static const int metrics_statuses[] = { 200, 201, 400, 401, 403, 404, 405, 409, 410, 413, 415,
	422, 429, 500, 503 };
#define METRICS_STATUSES (sizeof(metrics_statuses) / sizeof(metrics_statuses[0]))
/* Latency buckets (seconds): upper bounds in microseconds. */
static const int64_t metrics_latency_us[] = { 500, 1000, 2500, 5000, 10000, 25000, 50000,
	100000, 250000, 500000, 1000000, 2500000 };
#define METRICS_LATENCY (sizeof(metrics_latency_us) / sizeof(metrics_latency_us[0]))
static const size_t metrics_batch_bounds[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024 };
#define METRICS_BATCH (sizeof(metrics_batch_bounds) / sizeof(metrics_batch_bounds[0]))

struct metrics {
	atomic_ulong requests[METRICS_ROUTES + 1][METRICS_STATUSES + 1]; /* last: other */
	atomic_ulong latency[METRICS_LATENCY + 1];
	atomic_ulong latency_sum_us, latency_count;
	atomic_ulong redemptions, db_errors;
	atomic_ulong batch[METRICS_BATCH + 1];
	atomic_ulong batch_sum, batch_count;
};

struct metrics *
metrics_create(void)
{
	return calloc(1, sizeof(struct metrics)); /* zeroed atomics are valid zeros */
}

void
metrics_free(struct metrics *m)
{
	free(m);
}

static size_t
metrics_status_index(int status)
{
	for (size_t i = 0; i < METRICS_STATUSES; i++)
		if (metrics_statuses[i] == status)
			return i;
	return METRICS_STATUSES;
}

void
metrics_request(struct metrics *m, size_t route_index, int status, int64_t duration_us)
{
	size_t r = route_index < METRICS_ROUTES ? route_index : METRICS_ROUTES, b = 0;

	atomic_fetch_add_explicit(&m->requests[r][metrics_status_index(status)], 1,
	    memory_order_relaxed);
	while (b < METRICS_LATENCY && duration_us > metrics_latency_us[b])
		b++;
	atomic_fetch_add_explicit(&m->latency[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_sum_us, (unsigned long)duration_us,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_count, 1, memory_order_relaxed);
}

void
metrics_redemption(struct metrics *m)
{
	atomic_fetch_add_explicit(&m->redemptions, 1, memory_order_relaxed);
}

void
metrics_db_error(struct metrics *m)
{
	atomic_fetch_add_explicit(&m->db_errors, 1, memory_order_relaxed);
}

void
metrics_batch(struct metrics *m, size_t size)
{
	size_t b = 0;

	while (b < METRICS_BATCH && size > metrics_batch_bounds[b])
		b++;
	atomic_fetch_add_explicit(&m->batch[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->batch_sum, size, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->batch_count, 1, memory_order_relaxed);
}

/* A growing text buffer; aborts on out-of-memory. */
struct text {
	char *data;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3)))
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->data == NULL && (t->data = malloc(t->cap = 4096)) == NULL)
		abort(); /* never NULL + 0 below (undefined behaviour) */
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + (size_t)n + 64;
		if ((t->data = realloc(t->data, t->cap)) == NULL)
			abort();
	}
	t->len += (size_t)n;
}

static void
metrics_render_requests(struct metrics *m, struct text *t)
{
	text_add(t, "# HELP passnumd_requests_total HTTP requests by route and status.\n"
	    "# TYPE passnumd_requests_total counter\n");
	for (size_t r = 0; r <= METRICS_ROUTES; r++) {
		const struct route *route = r < routes_count() ? routes_get(r) : NULL;
		if (route == NULL && r != METRICS_ROUTES)
			continue;
		for (size_t s = 0; s <= METRICS_STATUSES; s++) {
			unsigned long n = atomic_load(&m->requests[r][s]);
			char status[8];
			if (n == 0)
				continue;
			snprintf(status, sizeof(status), "%d", s < METRICS_STATUSES ? metrics_statuses[s] : 0);
			text_add(t, "passnumd_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %lu\n",
			    route != NULL ? route->method : "", route != NULL ? route->pattern : "unknown",
			    s < METRICS_STATUSES ? status : "other", n);
		}
	}
}

static void
metrics_render_latency(struct metrics *m, struct text *t)
{
	unsigned long cumulative = 0;

	text_add(t, "# HELP passnumd_request_duration_seconds Time from request headers to reply.\n"
	    "# TYPE passnumd_request_duration_seconds histogram\n");
	for (size_t b = 0; b < METRICS_LATENCY; b++) {
		cumulative += atomic_load(&m->latency[b]);
		text_add(t, "passnumd_request_duration_seconds_bucket{le=\"%lld.%06lld\"} %lu\n",
		    (long long)(metrics_latency_us[b] / 1000000),
		    (long long)(metrics_latency_us[b] % 1000000), cumulative);
	}
	text_add(t, "passnumd_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n",
	    atomic_load(&m->latency_count));
	text_add(t, "passnumd_request_duration_seconds_sum %lu.%06lu\n",
	    atomic_load(&m->latency_sum_us) / 1000000, atomic_load(&m->latency_sum_us) % 1000000);
	text_add(t, "passnumd_request_duration_seconds_count %lu\n", atomic_load(&m->latency_count));
}

static void
metrics_render_batches(struct metrics *m, struct text *t)
{
	unsigned long cumulative = 0;

	text_add(t, "# HELP passnumd_commit_batch_size Requests committed together by the writer.\n"
	    "# TYPE passnumd_commit_batch_size histogram\n");
	for (size_t b = 0; b < METRICS_BATCH; b++) {
		cumulative += atomic_load(&m->batch[b]);
		text_add(t, "passnumd_commit_batch_size_bucket{le=\"%zu\"} %lu\n",
		    metrics_batch_bounds[b], cumulative);
	}
	text_add(t, "passnumd_commit_batch_size_bucket{le=\"+Inf\"} %lu\n",
	    atomic_load(&m->batch_count));
	text_add(t, "passnumd_commit_batch_size_sum %lu\n", atomic_load(&m->batch_sum));
	text_add(t, "passnumd_commit_batch_size_count %lu\n", atomic_load(&m->batch_count));
}

char *
metrics_render(struct metrics *m, size_t *len)
{
	struct text t = { NULL, 0, 0 };

	text_add(&t, "%s", "");
	metrics_render_requests(m, &t);
	text_add(&t, "# HELP passnumd_redemptions_total Redemptions committed.\n"
	    "# TYPE passnumd_redemptions_total counter\npassnumd_redemptions_total %lu\n",
	    atomic_load(&m->redemptions));
	text_add(&t, "# HELP passnumd_database_errors_total Database failures (busy, I/O, commit).\n"
	    "# TYPE passnumd_database_errors_total counter\npassnumd_database_errors_total %lu\n",
	    atomic_load(&m->db_errors));
	metrics_render_latency(m, &t);
	metrics_render_batches(m, &t);
	*len = t.len;
	return t.data;
}
