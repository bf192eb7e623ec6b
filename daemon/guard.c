/* The connection guard: per-address connection cap and header deadline
 * (guard.h). One mutex over a list of the open connections; the watchdog
 * scans it every 200 ms. MHD notifies a connection's end before it closes
 * the socket, so a socket shut down here is always still the connection's. */
#include <stdio.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "daemon.h"
#include "guard.h"

struct guard_conn {
	struct guard_conn *prev, *next;
	int fd;
	char address[DAEMON_ADDRESS_MAX];
	int64_t deadline_ms; /* 0: no deadline (a request is being served) */
	bool cut;
};

struct guard {
	struct daemon *daemon;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool stopping;
	struct guard_conn *head;
};

static int64_t
guard_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The text of addr's IP address into out ("" when neither IPv4 nor IPv6). */
static void
guard_address(const struct sockaddr *addr, char out[DAEMON_ADDRESS_MAX])
{
	out[0] = '\0';
	if (addr != NULL && addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, out, DAEMON_ADDRESS_MAX);
	else if (addr != NULL && addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, out, DAEMON_ADDRESS_MAX);
}

/* Shuts down every connection past its deadline (lock held). */
static void
guard_cut_expired(struct guard *g, int64_t now)
{
	for (struct guard_conn *c = g->head; c != NULL; c = c->next) {
		if (c->cut || c->deadline_ms == 0 || now < c->deadline_ms)
			continue;
		shutdown(c->fd, SHUT_RDWR); /* MHD sees the end and closes the connection */
		c->cut = true;
		char fields[DAEMON_ADDRESS_MAX + 16];
		snprintf(fields, sizeof(fields), "client=%s", c->address);
		daemon_log(g->daemon, LOG_WARN, "header_timeout", fields,
		    "no complete request headers within %u s, connection closed",
		    g->daemon->config.header_timeout);
	}
}

static void *
guard_main(void *arg)
{
	struct guard *g = arg;
	struct timespec until;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
		guard_cut_expired(g, guard_now_ms());
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct guard *
guard_start(struct daemon *d)
{
	struct guard *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->daemon = d;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	if (pthread_create(&g->thread, NULL, guard_main, g) != 0) {
		pthread_mutex_destroy(&g->lock);
		pthread_cond_destroy(&g->wake);
		free(g);
		return NULL;
	}
	return g;
}

void
guard_stop(struct guard *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	while (g->head != NULL) { /* none left once MHD stopped; kept safe anyway */
		struct guard_conn *next = g->head->next;
		free(g->head);
		g->head = next;
	}
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->wake);
	free(g);
}

enum MHD_Result
guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct guard *g = cls;
	char address[DAEMON_ADDRESS_MAX];
	unsigned open = 0;

	(void)addrlen;
	guard_address(addr, address);
	if (config_is_trusted_proxy(&g->daemon->config, address))
		return MHD_YES;
	pthread_mutex_lock(&g->lock);
	for (struct guard_conn *c = g->head; c != NULL; c = c->next)
		open += strcmp(c->address, address) == 0;
	pthread_mutex_unlock(&g->lock);
	if (open < g->daemon->config.connections_per_address)
		return MHD_YES;
	char fields[DAEMON_ADDRESS_MAX + 16];
	snprintf(fields, sizeof(fields), "client=%s", address);
	daemon_log(g->daemon, LOG_WARN, "connection_refused", fields,
	    "%u connections open already from this address", open);
	return MHD_NO;
}

/* A new connection's entry, its deadline armed (aborts on out-of-memory:
 * MHD gives no way to refuse from here). */
static struct guard_conn *
guard_conn_new(struct guard *g, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *peer = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct guard_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		abort();
	c->fd = fd != NULL ? fd->connect_fd : -1;
	guard_address(peer != NULL ? peer->client_addr : NULL, c->address);
	c->deadline_ms = guard_now_ms() + 1000 * (int64_t)g->daemon->config.header_timeout;
	return c;
}

void
guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct guard *g = cls;
	struct guard_conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		c = guard_conn_new(g, conn);
		pthread_mutex_lock(&g->lock);
		if ((c->next = g->head) != NULL)
			c->next->prev = c;
		g->head = c;
		pthread_mutex_unlock(&g->lock);
		*socket_context = c;
		return;
	}
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&g->lock);
	free(c);
	*socket_context = NULL;
}

/* Sets conn's deadline (0: none). */
static void
guard_set_deadline(struct guard *g, struct MHD_Connection *conn, int64_t deadline_ms)
{
	const union MHD_ConnectionInfo *info;
	struct guard_conn *c;

	if (g == NULL ||
	    (info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT)) == NULL ||
	    (c = info->socket_context) == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	c->deadline_ms = deadline_ms;
	pthread_mutex_unlock(&g->lock);
}

void
guard_request_begun(struct guard *g, struct MHD_Connection *conn)
{
	guard_set_deadline(g, conn, 0);
}

void
guard_request_ended(struct guard *g, struct MHD_Connection *conn)
{
	if (g != NULL)
		guard_set_deadline(g, conn,
		    guard_now_ms() + 1000 * (int64_t)g->daemon->config.header_timeout);
}
