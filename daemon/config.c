/* passnumd's settings: defaults, HOME/passnumd.conf (INI), then flags. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "config.h"

#define CONFIG_LINE_MAX 8192
#define CONFIG_FILE_MAX (1024 * 1024)

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1:8080");
	c->threads = 2;
	c->log_level = LOG_INFO;
	c->failure_burst = 20;
	c->failures_per_minute = 30;
	c->checkpoint_seconds = 60;
	c->checkpoint_entries = 10000;
	c->max_batch = 256;
	c->connections_per_address = 64;
	c->header_timeout = 10;
}

static int
config_uint(const char *name, const char *value, unsigned min, unsigned max, unsigned *out,
    struct error *e)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || !isdigit((unsigned char)*value) ||
	    v < min || v > max)
		return error_set(e, 400, "BAD_CONFIG", "%s must be a number from %u to %u, not \"%s\"",
		    name, min, max, value);
	*out = (unsigned)v;
	return 0;
}

static int
config_copy(const char *name, char *dst, size_t size, const char *value, struct error *e)
{
	if (*value == '\0' || (size_t)snprintf(dst, size, "%s", value) >= size)
		return error_set(e, 400, "BAD_CONFIG", "%s is empty or too long", name);
	return 0;
}

static int
config_log_level(const char *value, enum log_level *out, struct error *e)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(value, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return error_set(e, 400, "BAD_CONFIG", "log-level must be error, warn, info or debug, not \"%s\"",
	    value);
}

/* "witness = URL VKEY": an http:// or https:// submission prefix and the
 * witness's cosignature/v1 verifier key. */
static int
config_witness(struct config *c, const char *value, struct error *e)
{
	struct config_witness *w = &c->witnesses[c->witness_count];
	const char *space = strchr(value, ' ');
	size_t url_len;

	if (c->witness_count >= DAEMON_WITNESSES_MAX)
		return error_set(e, 400, "BAD_CONFIG", "at most %d witnesses", DAEMON_WITNESSES_MAX);
	if (space == NULL || (url_len = (size_t)(space - value)) >= sizeof(w->url) ||
	    (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0))
		return error_set(e, 400, "BAD_CONFIG", "witness is \"URL VKEY\" with an http:// or"
		    " https:// URL");
	while (*space == ' ')
		space++;
	if (strlen(space) >= sizeof(w->vkey) || cosignature_vkey_parse(space, &w->key, e) != 0)
		return error_set(e, 400, "BAD_CONFIG", "witness %.*s: the key is not a cosignature/v1"
		    " verifier key", (int)(url_len < 200 ? url_len : 200), value);
	memcpy(w->url, value, url_len);
	while (url_len > 0 && value[url_len - 1] == '/')
		url_len--;
	w->url[url_len] = '\0';
	snprintf(w->vkey, sizeof(w->vkey), "%s", space);
	c->witness_count++;
	return 0;
}

int
config_set(struct config *c, const char *name, const char *value, struct error *e)
{
	struct sockaddr_storage addr;
	socklen_t len;

	if (strcmp(name, "home") == 0)
		return config_copy(name, c->home, sizeof(c->home), value, e);
	if (strcmp(name, "listen") == 0)
		return config_copy(name, c->listen, sizeof(c->listen), value, e);
	if (strcmp(name, "tls-cert") == 0)
		return config_copy(name, c->tls_cert, sizeof(c->tls_cert), value, e);
	if (strcmp(name, "tls-key") == 0)
		return config_copy(name, c->tls_key, sizeof(c->tls_key), value, e);
	if (strcmp(name, "threads") == 0)
		return config_uint(name, value, 1, 256, &c->threads, e);
	if (strcmp(name, "log-level") == 0)
		return config_log_level(value, &c->log_level, e);
	if (strcmp(name, "failure-burst") == 0)
		return config_uint(name, value, 1, 1000000, &c->failure_burst, e);
	if (strcmp(name, "failures-per-minute") == 0)
		return config_uint(name, value, 1, 1000000, &c->failures_per_minute, e);
	if (strcmp(name, "checkpoint-seconds") == 0)
		return config_uint(name, value, 1, 86400, &c->checkpoint_seconds, e);
	if (strcmp(name, "checkpoint-entries") == 0)
		return config_uint(name, value, 1, 100000000, &c->checkpoint_entries, e);
	if (strcmp(name, "max-batch") == 0)
		return config_uint(name, value, 1, 4096, &c->max_batch, e);
	if (strcmp(name, "connections-per-address") == 0)
		return config_uint(name, value, 1, 4096, &c->connections_per_address, e);
	if (strcmp(name, "header-timeout") == 0)
		return config_uint(name, value, 1, 3600, &c->header_timeout, e);
	if (strcmp(name, "witness") == 0)
		return config_witness(c, value, e);
	if (strcmp(name, "trusted-proxy") == 0) {
		char probe[DAEMON_ADDRESS_MAX + 8];
		if (c->proxy_count >= DAEMON_PROXIES_MAX)
			return error_set(e, 400, "BAD_CONFIG", "at most %d trusted proxies", DAEMON_PROXIES_MAX);
		snprintf(probe, sizeof(probe), strchr(value, ':') ? "[%s]:1" : "%s:1", value);
		if (config_parse_address(probe, &addr, &len, e) != 0)
			return error_set(e, 400, "BAD_CONFIG", "trusted-proxy \"%s\" is not an IP address", value);
		return config_copy(name, c->proxies[c->proxy_count++], DAEMON_ADDRESS_MAX, value, e);
	}
	return error_set(e, 400, "BAD_CONFIG", "unknown setting \"%s\"", name);
}

/* Trims spaces at both ends of s in place; returns s. */
static char *
config_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Reads one "name = value" line of the INI text (see config_load_text). */
static int
config_line(struct config *c, char *line, int number, const char *name, struct error *e)
{
	char *eq, *key, *value;

	line = config_trim(line);
	if (*line == '\0' || *line == '#' || *line == ';' || *line == '[')
		return 0;
	if ((eq = strchr(line, '=')) == NULL)
		return error_set(e, 400, "BAD_CONFIG", "%s line %d: expected name = value", name, number);
	*eq = '\0';
	key = config_trim(line);
	value = config_trim(eq + 1);
	for (char *p = key; *p != '\0'; p++)
		if (*p == '_')
			*p = '-';
	if (strcmp(key, "home") == 0)
		return error_set(e, 400, "BAD_CONFIG", "%s line %d: home cannot be set here", name, number);
	if (config_set(c, key, value, e) != 0)
		return error_set(e, 400, "BAD_CONFIG", "%s line %d: %s", name, number, e->message);
	return 0;
}

int
config_load_text(struct config *c, const char *text, size_t len, const char *name,
    struct error *e)
{
	char line[CONFIG_LINE_MAX];
	int number = 0;

	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl != NULL ? (size_t)(nl - (text + at)) : len - at;
		number++;
		if (n >= sizeof(line) || memchr(text + at, '\0', n) != NULL)
			return error_set(e, 400, "BAD_CONFIG", "%s line %d: too long or not text", name,
			    number);
		memcpy(line, text + at, n);
		line[n] = '\0';
		if (config_line(c, line, number, name, e) != 0)
			return -1;
		at += n + 1;
	}
	return 0;
}

int
config_load_file(struct config *c, const char *path, struct error *e)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len;
	int rc = -1;

	if (f == NULL)
		return errno == ENOENT ? 0 :
		    error_set(e, 503, "BAD_CONFIG", "cannot read %s: %s", path, strerror(errno));
	if ((text = malloc(CONFIG_FILE_MAX + 1)) == NULL)
		abort();
	len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f))
		error_set(e, 503, "BAD_CONFIG", "cannot read %s: %s", path, strerror(errno));
	else if (len > CONFIG_FILE_MAX)
		error_set(e, 400, "BAD_CONFIG", "%s: larger than %d bytes", path, CONFIG_FILE_MAX);
	else
		rc = config_load_text(c, text, len, path, e);
	free(text);
	fclose(f);
	return rc;
}

bool
config_is_trusted_proxy(const struct config *c, const char *address)
{
	for (size_t i = 0; i < c->proxy_count; i++)
		if (strcmp(c->proxies[i], address) == 0)
			return true;
	return false;
}

int
config_parse_address(const char *text, struct sockaddr_storage *addr, socklen_t *len,
    struct error *e)
{
	char host[DAEMON_ADDRESS_MAX + 8];
	const char *colon, *port;
	char *end;
	unsigned long p;

	memset(addr, 0, sizeof(*addr));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host))
			return error_set(e, 400, "BAD_ADDRESS", "\"%s\" is not [IPv6]:PORT", text);
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		port = close + 2;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL || (size_t)(colon - text) >= sizeof(host))
			return error_set(e, 400, "BAD_ADDRESS", "\"%s\" is not ADDRESS:PORT", text);
		memcpy(host, text, (size_t)(colon - text));
		host[colon - text] = '\0';
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (*port == '\0' || *end != '\0' || errno != 0 || p > 65535)
		return error_set(e, 400, "BAD_ADDRESS", "\"%s\": bad port", text);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	struct sockaddr_in *in4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		*len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*in6);
	} else
		return error_set(e, 400, "BAD_ADDRESS", "\"%s\" is not an IP address", host);
	return 0;
}

bool
config_is_loopback(const struct sockaddr *addr)
{
	if (addr->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr) >> 24) == 127;
	if (addr->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
		if (IN6_IS_ADDR_LOOPBACK(a))
			return true;
		return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
	}
	return false;
}

int
config_check(const struct config *c, struct error *e)
{
	struct sockaddr_storage addr;
	socklen_t len;

	if (c->home[0] == '\0')
		return error_set(e, 400, "NO_HOME", "no home given: use --home DIR or set PASSNUM_HOME");
	if (config_parse_address(c->listen, &addr, &len, e) != 0)
		return -1;
	if ((c->tls_cert[0] == '\0') != (c->tls_key[0] == '\0'))
		return error_set(e, 400, "BAD_CONFIG", "--tls-cert and --tls-key go together");
	if (!config_is_loopback((struct sockaddr *)&addr) && c->tls_cert[0] == '\0' &&
	    c->proxy_count == 0)
		return error_set(e, 400, "INSECURE_LISTEN",
		    "refusing to listen on %s without TLS: give --tls-cert and --tls-key, or"
		    " --trusted-proxy ADDR when a TLS proxy sits in front", c->listen);
	return 0;
}
