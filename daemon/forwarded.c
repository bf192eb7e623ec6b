/* The client's address behind trusted proxies (X-Forwarded-For). */
#include <stdio.h>
#include <string.h>
#include "dispatch.h"

#define FORWARDED_LIST_MAX 4096

/* Reads the list element ending at end (exclusive) that starts after the
 * last ',' before it: trims optional white space (RFC 9110 §5.6.3) and
 * NUL-ends it in place. *comma is that ',' or NULL. Returns the element. */
static char *
forwarded_element(char *list, char *end, char **comma)
{
	char *start = end;

	while (start > list && start[-1] != ',')
		start--;
	*comma = start > list ? start - 1 : NULL;
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	return start;
}

int
forwarded_client(const struct config *c, const char *peer, bool peer_loopback, const char *xff,
    char client[DAEMON_ADDRESS_MAX], bool *loopback)
{
	struct sockaddr_storage ss;
	char list[FORWARDED_LIST_MAX], probe[DAEMON_ADDRESS_MAX + 8], *end, *addr, *comma;
	socklen_t len;

	snprintf(client, DAEMON_ADDRESS_MAX, "%s", peer);
	*loopback = peer_loopback;
	if (!config_is_trusted_proxy(c, peer) || xff == NULL)
		return 0;
	if ((size_t)snprintf(list, sizeof(list), "%s", xff) >= sizeof(list))
		goto fail;
	for (end = list + strlen(list); end != NULL; end = comma) {
		addr = forwarded_element(list, end, &comma);
		if (*addr == '\0') /* an empty element is ignored (RFC 9110 §5.6.1) */
			continue;
		if (strlen(addr) >= DAEMON_ADDRESS_MAX)
			goto fail;
		snprintf(probe, sizeof(probe), strchr(addr, ':') ? "[%s]:1" : "%s:1", addr);
		if (config_parse_address(probe, &ss, &len, NULL) != 0)
			goto fail;
		memcpy(client, addr, strlen(addr) + 1);
		*loopback = config_is_loopback((struct sockaddr *)&ss);
		if (!config_is_trusted_proxy(c, addr))
			return 0;
	}
	return 0;
fail:
	snprintf(client, DAEMON_ADDRESS_MAX, "%s", peer);
	*loopback = peer_loopback;
	return -1;
}
