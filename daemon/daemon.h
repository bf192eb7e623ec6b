/* passnumd: the one running daemon (daemon.c), made in main.c and passed to
 * everything that needs it — no globals. A request flows one way: http.c
 * (libmicrohttpd) → dispatch.c (every shared check once, with routes.c's
 * table) → h_<endpoint>.c (one handler each, a straight line) → reply.c →
 * back in dispatch.c (rate limits on failures, the log line, metrics).
 * Redemptions and cancellations pass through writer.c (the one writer
 * thread, group commit). */
#ifndef PASSNUMD_DAEMON_H
#define PASSNUMD_DAEMON_H
#include <stdatomic.h>
#include "config.h"

struct store;
struct writer;
struct ratelimit;
struct metrics;
struct guard;
struct witness_client;

struct daemon {
	struct config config;
	struct store *store;     /* per-thread read connections, issuer keysets */
	struct writer *writer;   /* NULL until started (then jobs get 503) */
	struct ratelimit *limits;   /* rate limits on failures */
	struct metrics *metrics; /* counters for /metrics */
	struct guard *guard;     /* connection cap and header deadline (main.c; NULL in tests) */
	struct witness_client *witnesses; /* asks witnesses to cosign (NULL: none configured) */
	atomic_long in_flight;   /* requests received and not yet completed */
};

/* Makes a daemon for config c (copied): the store, the limits and the
 * metrics; no thread and no connection yet. Returns NULL on out-of-memory.
 * Free it with daemon_free (after stopping its writer). */
struct daemon *daemon_create(const struct config *c);
/* Closes the store's connections and frees d; NULL is fine. */
void daemon_free(struct daemon *d);

/* One log line on stderr when level is within the configured level. */
void daemon_log(const struct daemon *d, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
