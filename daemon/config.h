/* passnumd's settings (config.c): defaults, HOME/passnumd.conf (INI), then
 * flags; the address parser shared by the listener and the proxy list. */
#ifndef PASSNUMD_CONFIG_H
#define PASSNUMD_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "cosignature.h"
#include "error.h"

#define DAEMON_PROXIES_MAX 16
#define DAEMON_ADDRESS_MAX 64
#define DAEMON_WITNESSES_MAX COSIGNATURE_WITNESSES_MAX
#define DAEMON_WITNESS_URL_MAX 1024

/* A witness passnumd asks to cosign its checkpoints: "witness = URL VKEY". */
struct config_witness {
	char url[DAEMON_WITNESS_URL_MAX]; /* the submission prefix (no final '/') */
	char vkey[NOTE_VKEY_MAX];
	struct cosignature_witness key;   /* parsed from vkey */
};

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct config {
	char home[4096];
	char listen[DAEMON_ADDRESS_MAX + 8]; /* ADDR:PORT or [ADDR6]:PORT */
	char tls_cert[4096];
	char tls_key[4096];
	char proxies[DAEMON_PROXIES_MAX][DAEMON_ADDRESS_MAX];
	size_t proxy_count;
	unsigned threads;
	enum log_level log_level;
	unsigned failure_burst;      /* failures allowed at once per address or place */
	unsigned failures_per_minute; /* refill rate of those buckets */
	unsigned checkpoint_seconds;  /* make a checkpoint at least this often (if entries) */
	unsigned checkpoint_entries;  /* or after this many entries */
	unsigned max_batch;           /* most requests per group commit */
	unsigned connections_per_address; /* open connections per peer address (proxies exempt) */
	unsigned header_timeout;      /* seconds to receive a request's headers (guard.c) */
	struct config_witness witnesses[DAEMON_WITNESSES_MAX]; /* witness = URL VKEY, repeatable */
	size_t witness_count;
};

void config_defaults(struct config *c);
/* Reads the INI text (len bytes; name for messages) into c: "name = value"
 * lines, [sections] and comments (# or ;) skipped, names with _ or -.
 * Returns 0, or -1 with e set naming the line by its number. */
int config_load_text(struct config *c, const char *text, size_t len, const char *name,
    struct error *e);
/* Reads the INI file at path into c when it exists (config_load_text).
 * Returns 0, or -1 with e set. */
int config_load_file(struct config *c, const char *path, struct error *e);
/* Applies one setting by name ("listen", "threads", ...). Returns 0, or -1
 * with e set (400 BAD_CONFIG: unknown name or a value out of range). */
int config_set(struct config *c, const char *name, const char *value, struct error *e);
/* Checks the whole configuration (TLS pair, non-loopback without TLS...). */
int config_check(const struct config *c, struct error *e);
/* Parses "ADDR:PORT" or "[ADDR6]:PORT" (localhost = 127.0.0.1). Returns 0, or
 * -1 with e set (e may be NULL). */
int config_parse_address(const char *text, struct sockaddr_storage *addr, socklen_t *len,
    struct error *e);
bool config_is_loopback(const struct sockaddr *addr);
/* Whether address (text, as configured) is one of the trusted proxies. */
bool config_is_trusted_proxy(const struct config *c, const char *address);

#endif
