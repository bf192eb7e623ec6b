/* The daemon object: what used to be globals (configuration, connection
 * pool, rate limits, metrics), made once by main.c or a test. */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
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
	d->started = clock_now();
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
daemon_log_value(char *out, size_t size, const char *value)
{
	size_t n = 0, len = strlen(value);
	bool bare = len > 0;

	if (size < 3) { /* no room for a quoted value */
		if (size > 0)
			out[0] = '\0';
		return;
	}

	for (size_t i = 0; i < len && bare; i++)
		bare = isalnum((unsigned char)value[i]) || strchr("._-/:{}[]@+,", value[i]) != NULL;
	if (bare && len < size) {
		memcpy(out, value, len + 1);
		return;
	}
	out[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0' && n + 6 < size; p++) {
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f) {
			n += (size_t)snprintf(out + n, size - n, "\\x%02x", *p);
		} else {
			out[n++] = (char)*p;
		}
	}
	out[n++] = '"';
	out[n] = '\0';
}

void
daemon_log(const struct daemon *d, enum log_level level, const char *event, const char *fields,
    const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char when[CLOCK_INSTANT_SIZE], msg[1024], quoted[2200];
	va_list ap;

	if (d != NULL && level > d->config.log_level)
		return;
	clock_instant_format(clock_now(), when);
	quoted[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		memcpy(quoted, " msg=", 5);
		daemon_log_value(quoted + 5, sizeof(quoted) - 5, msg);
	}
	/* One write per line (stderr is unbuffered): lines of two threads never mix. */
	fprintf(stderr, "ts=%s level=%s event=%s%s%s%s\n", when, names[level], event,
	    fields != NULL && fields[0] != '\0' ? " " : "", fields != NULL ? fields : "", quoted);
}
