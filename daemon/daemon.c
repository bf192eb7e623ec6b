/* The daemon object: what used to be globals (configuration, connection
 * pool, rate limits, metrics), made once by main.c or a test. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "clock.h"
#include "daemon.h"
#include "ratelimit.h"
#include "metrics.h"
#include "store.h"

struct daemon *
daemon_create(const struct config *c)
{
	struct daemon *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->config = *c;
	atomic_init(&d->in_flight, 0);
	d->store = store_create(d);
	d->limits = ratelimit_create(c->failure_burst, c->failures_per_minute);
	d->metrics = metrics_create();
	if (d->store == NULL || d->limits == NULL || d->metrics == NULL) {
		daemon_free(d);
		return NULL;
	}
	return d;
}

void
daemon_free(struct daemon *d)
{
	if (d == NULL)
		return;
	store_free(d->store);
	ratelimit_free(d->limits);
	metrics_free(d->metrics);
	free(d);
}

void
daemon_log(const struct daemon *d, enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char when[CLOCK_INSTANT_SIZE], line[1024];
	va_list ap;

	if (level > d->config.log_level)
		return;
	clock_instant_format(clock_now(), when);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s passnumd %s: %s\n", when, names[level], line);
}
