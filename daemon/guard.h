/* The connection guard (guard.c): what libmicrohttpd 0.9.75 does not
 * enforce by itself. A cap on open connections per peer address (trusted
 * proxies exempt), checked when a connection is accepted, and a deadline
 * for a request's headers: MHD's connection timeout restarts at every byte
 * received, so a client sending one byte every few seconds would hold a
 * connection for ever. A watchdog thread shuts down the socket of a
 * connection whose headers are not complete header-timeout seconds after
 * it opened or after its previous reply. */
#ifndef PASSNUMD_GUARD_H
#define PASSNUMD_GUARD_H
#include <microhttpd.h>

struct daemon;
struct guard;

/* Starts the watchdog for d (its config's connections_per_address and
 * header_timeout). Returns NULL when the thread cannot start. Stop it with
 * guard_stop after MHD_stop_daemon. */
struct guard *guard_start(struct daemon *d);
void guard_stop(struct guard *g);

/* MHD_OPTION_ACCEPT_POLICY (cls: the guard): refuses a connection past the
 * per-address cap (MHD then closes it without an answer). */
enum MHD_Result guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
/* MHD_OPTION_NOTIFY_CONNECTION (cls: the guard): tracks each connection,
 * its header deadline armed. */
void guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code);
/* The headers of a request on conn are in: no deadline while it runs. */
void guard_request_begun(struct guard *g, struct MHD_Connection *conn);
/* Its reply went out: the next request's headers have header-timeout. */
void guard_request_ended(struct guard *g, struct MHD_Connection *conn);

#endif
