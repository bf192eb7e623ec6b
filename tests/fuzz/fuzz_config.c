/* libFuzzer target: passnumd's configuration (daemon/config.c, linked from
 * passnumd_core): the INI reader config_load_text, config_check after it,
 * and config_parse_address on the raw input. Properties: nothing crashes;
 * a refusal is a 400 BAD_CONFIG whose one-line, valid UTF-8 message names
 * the file and line; what is accepted keeps every number within its
 * documented range and every trusted proxy an IP address; an accepted
 * address is IPv4 or IPv6 with the matching length. Aborts on any
 * violation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "config.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_config_refusal(const struct error *e, const char *prefix)
{
	if (e->code == NULL || strchr(e->message, '\n') != NULL ||
	    !utf8_valid(e->message, strlen(e->message)) ||
	    (prefix != NULL && strncmp(e->message, prefix, strlen(prefix)) != 0))
		abort();
}

static void
fuzz_config_accepted(const struct config *c)
{
	struct sockaddr_storage addr;
	socklen_t len;
	char probe[DAEMON_ADDRESS_MAX + 8];

	if (c->threads < 1 || c->threads > 256 || c->max_batch < 1 || c->max_batch > 4096 ||
	    c->checkpoint_seconds < 1 || c->checkpoint_seconds > 86400 ||
	    c->failure_burst < 1 || c->proxy_count > DAEMON_PROXIES_MAX || c->home[0] != '\0')
		abort();
	for (size_t i = 0; i < c->proxy_count; i++) {
		snprintf(probe, sizeof(probe), strchr(c->proxies[i], ':') ? "[%s]:1" : "%s:1",
		    c->proxies[i]);
		if (config_parse_address(probe, &addr, &len, NULL) != 0)
			abort();
	}
}

static void
fuzz_config_address(const char *text)
{
	struct sockaddr_storage addr;
	socklen_t len;
	struct error e;

	error_clear(&e);
	if (config_parse_address(text, &addr, &len, &e) != 0) {
		fuzz_config_refusal(&e, NULL);
		return;
	}
	if (!((addr.ss_family == AF_INET && len == sizeof(struct sockaddr_in)) ||
	    (addr.ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6))))
		abort();
	(void)config_is_loopback((const struct sockaddr *)&addr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	char *text = malloc(size + 1);
	struct error e;

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(&c);
	error_clear(&e);
	if (config_load_text(&c, text, size, "fuzz.conf", &e) != 0) {
		if (e.status != 400 || strcmp(e.code, "BAD_CONFIG") != 0)
			abort();
		fuzz_config_refusal(&e, "fuzz.conf line ");
	} else {
		fuzz_config_accepted(&c);
		snprintf(c.home, sizeof(c.home), "/nonexistent");
		error_clear(&e);
		if (config_check(&c, &e) != 0)
			fuzz_config_refusal(&e, NULL);
	}
	fuzz_config_address(text);
	free(text);
	return 0;
}
