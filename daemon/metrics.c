/* Counters for /metrics (Prometheus text format 0.0.4): requests by route and
 * status, redemptions, request latency, database errors, group-commit batch
 * sizes. Lock-free: relaxed atomic adds. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include "checkpoint.h"
#include "daemon.h"
#include "ledger.h"
#include "metrics.h"
#include "store.h"
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
	atomic_ulong commit_failures, checkpoint_failures, reloads_ok, reloads_failed;
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

void
metrics_commit_failure(struct metrics *m)
{
	atomic_fetch_add_explicit(&m->commit_failures, 1, memory_order_relaxed);
}

void
metrics_checkpoint_failure(struct metrics *m)
{
	atomic_fetch_add_explicit(&m->checkpoint_failures, 1, memory_order_relaxed);
}

void
metrics_reload(struct metrics *m, bool ok)
{
	atomic_fetch_add_explicit(ok ? &m->reloads_ok : &m->reloads_failed, 1, memory_order_relaxed);
}

void
metrics_gather(struct daemon *d, struct metrics_state *st)
{
	struct db *db = store_db(d->store);
	struct checkpoint cp;
	struct statvfs vfs;
	struct error e;

	memset(st, 0, sizeof(*st));
	st->started = d->started;
	st->ledger_known = db != NULL && ledger_size(db, &st->ledger_size, &e) == 0;
	if (db != NULL && checkpoint_latest(db, &cp, &e) == 0) {
		st->checkpoint_known = true;
		st->checkpoint_size = cp.size;
		st->checkpoint_time = cp.created_at;
	}
	if (statvfs(d->config.home, &vfs) == 0) {
		st->disk_known = true;
		st->disk_free = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		st->disk_size = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	}
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

static void
metrics_counter(struct text *t, const char *name, const char *help, unsigned long value)
{
	text_add(t, "# HELP %s %s\n# TYPE %s counter\n%s %lu\n", name, help, name, name, value);
}

static void
metrics_gauge(struct text *t, const char *name, const char *help, bool known, long long value)
{
	if (known)
		text_add(t, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name, value);
}

static void
metrics_render_state(struct metrics *m, const struct metrics_state *st, struct text *t)
{
	metrics_counter(t, "passnumd_commit_failures_total",
	    "Writer batches whose commit failed (their requests got 503).",
	    atomic_load(&m->commit_failures));
	metrics_counter(t, "passnumd_checkpoint_failures_total", "Due checkpoints that could not be made.",
	    atomic_load(&m->checkpoint_failures));
	text_add(t, "# HELP passnumd_tls_reloads_total SIGHUP reloads of the TLS certificate.\n"
	    "# TYPE passnumd_tls_reloads_total counter\n"
	    "passnumd_tls_reloads_total{result=\"ok\"} %lu\npassnumd_tls_reloads_total{result=\"failed\"} %lu\n",
	    atomic_load(&m->reloads_ok), atomic_load(&m->reloads_failed));
	if (st == NULL)
		return;
	metrics_gauge(t, "passnumd_start_time_seconds", "When passnumd started (Unix time).", true,
	    (long long)st->started);
	metrics_gauge(t, "passnumd_ledger_entries", "Entries in the ledger.", st->ledger_known,
	    (long long)st->ledger_size);
	metrics_gauge(t, "passnumd_checkpoint_size", "Tree size of the latest checkpoint.",
	    st->checkpoint_known, (long long)st->checkpoint_size);
	metrics_gauge(t, "passnumd_checkpoint_timestamp_seconds",
	    "When the latest checkpoint was signed (Unix time).", st->checkpoint_known,
	    (long long)st->checkpoint_time);
	metrics_gauge(t, "passnumd_home_disk_free_bytes",
	    "Bytes available to passnumd on the file system of the home.", st->disk_known,
	    (long long)st->disk_free);
	metrics_gauge(t, "passnumd_home_disk_size_bytes", "Size of the file system of the home.",
	    st->disk_known, (long long)st->disk_size);
}

char *
metrics_render(struct metrics *m, const struct metrics_state *st, size_t *len)
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
	metrics_render_state(m, st, &t);
	*len = t.len;
	return t.data;
}
