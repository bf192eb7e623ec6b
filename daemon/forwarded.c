/* The client's address behind trusted proxies (X-Forwarded-For). */
#include <stdio.h>
#include <string.h>
#include "dispatch.h"

void
forwarded_client(const struct config *c, const char *peer, bool peer_loopback, const char *xff,
    char client[DAEMON_ADDRESS_MAX], bool *loopback)
{
	struct sockaddr_storage ss;
	char list[1024], probe[DAEMON_ADDRESS_MAX + 8], *tok, *addr;
	socklen_t len;

	snprintf(client, DAEMON_ADDRESS_MAX, "%s", peer);
	*loopback = peer_loopback;
	if (!config_is_trusted_proxy(c, peer) || xff == NULL ||
	    snprintf(list, sizeof(list), "%s", xff) >= (int)sizeof(list))
		return;
	for (;;) {
		tok = strrchr(list, ',');
		addr = tok != NULL ? tok + 1 : list;
		while (*addr == ' ')
			addr++;
		snprintf(probe, sizeof(probe), strchr(addr, ':') ? "[%s]:1" : "%s:1", addr);
		if (*addr == '\0' || config_parse_address(probe, &ss, &len, NULL) != 0 ||
		    strlen(addr) >= DAEMON_ADDRESS_MAX)
			return;
		memcpy(client, addr, strlen(addr) + 1);
		*loopback = config_is_loopback((struct sockaddr *)&ss);
		if (tok == NULL || !config_is_trusted_proxy(c, addr))
			return;
		*tok = '\0';
	}
}
