/* passnumd: the redemption service. Flags and HOME/passnumd.conf, the home
 * check, the listening socket, libmicrohttpd, the writer thread, signals
 * and a clean shutdown (stop accepting, finish in-flight requests, drain the
 * writer, close the database). */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "clock.h"
#include "daemon.h"
#include "db.h"
#include "guard.h"
#include "home.h"
#include "http.h"
#include "keys.h"
#include "witness_client.h"
#include "writer.h"

#define MAIN_FILE_MAX (1024 * 1024)

static const char main_help[] =
    "usage: passnumd [--home DIR] [options]\n"
    "\n"
    "Serves the passnum HTTP API (docs/api.md) and the place page.\n"
    "Settings come from HOME/passnumd.conf (INI, same names) then from these flags:\n"
    "  --home DIR             the data directory (default: $PASSNUM_HOME)\n"
    "  --listen ADDR:PORT     default 127.0.0.1:8080; port 0 picks a free port\n"
    "  --tls-cert FILE        PEM certificate chain (HTTPS)\n"
    "  --tls-key FILE         PEM private key (HTTPS)\n"
    "  --trusted-proxy ADDR   a proxy whose X-Forwarded-For is believed (repeatable);\n"
    "                         allows a non-loopback address without TLS\n"
    "  --threads N            worker threads (default 2)\n"
    "  --log-level LEVEL      error, warn, info (default: one line per request), debug\n"
    "  --failure-burst N, --failures-per-minute N   rate limits on failures\n"
    "  --connections-per-address N   open connections per client address (default 64;\n"
    "                         trusted proxies are exempt)\n"
    "  --header-timeout S     seconds to send a request's headers (default 10)\n"
    "  --witness \"URL VKEY\"   a witness asked to cosign each checkpoint (repeatable;\n"
    "                         C2SP tlog-witness, docs/ledger.md \"Witnesses\")\n"
    "  --help                 this help\n"
    "  --version              print \"passnumd VERSION\"\n";

static const struct option main_options[] = {
	{ "home", required_argument, NULL, 0 },
	{ "listen", required_argument, NULL, 0 },
	{ "tls-cert", required_argument, NULL, 0 },
	{ "tls-key", required_argument, NULL, 0 },
	{ "trusted-proxy", required_argument, NULL, 0 },
	{ "threads", required_argument, NULL, 0 },
	{ "log-level", required_argument, NULL, 0 },
	{ "failure-burst", required_argument, NULL, 0 },
	{ "failures-per-minute", required_argument, NULL, 0 },
	{ "max-batch", required_argument, NULL, 0 },
	{ "checkpoint-seconds", required_argument, NULL, 0 },
	{ "checkpoint-entries", required_argument, NULL, 0 },
	{ "connections-per-address", required_argument, NULL, 0 },
	{ "header-timeout", required_argument, NULL, 0 },
	{ "witness", required_argument, NULL, 0 },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Parses argv: with apply false only --home (and --help, --version, usage
 * errors); with apply true every other flag onto c. Returns 0, 1 for --help
 * or --version (printed), or -1 after printing a usage error. */
static int
main_flags(int argc, char **argv, struct config *c, bool apply)
{
	struct error e;
	int opt, index;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", main_options, &index)) != -1) {
		if (opt == 'h') {
			fputs(main_help, stdout);
			return 1;
		}
		if (opt == 'V') {
			printf("passnumd %s\n", PASSNUM_VERSION);
			return 1;
		}
		if (opt == '?' || opt == ':') {
			fprintf(stderr, "passnumd: %s option %s (see passnumd --help)\n",
			    opt == '?' ? "unknown" : "missing value for", argv[optind - 1]);
			return -1;
		}
		const char *name = main_options[index].name;
		if (apply != (strcmp(name, "home") != 0))
			continue;
		if (config_set(c, name, optarg, &e) != 0) {
			fprintf(stderr, "passnumd: %s\n", e.message);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "passnumd: unexpected argument \"%s\" (see passnumd --help)\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* Builds the configuration: defaults, --home or PASSNUM_HOME, the home's
 * passnumd.conf, then the other flags. Returns 0, 1 (help), -1 (usage),
 * -2 (refused: message printed). */
static int
main_configure(int argc, char **argv, struct config *c)
{
	char path[4200];
	struct error e;
	int rc;

	config_defaults(c);
	if ((rc = main_flags(argc, argv, c, false)) != 0)
		return rc;
	if (c->home[0] == '\0' && getenv("PASSNUM_HOME") != NULL)
		snprintf(c->home, sizeof(c->home), "%s", getenv("PASSNUM_HOME"));
	snprintf(path, sizeof(path), "%s/passnumd.conf", c->home);
	if (c->home[0] != '\0' && config_load_file(c, path, &e) != 0) {
		fprintf(stderr, "passnumd: %s\n", e.message);
		return -2;
	}
	if ((rc = main_flags(argc, argv, c, true)) != 0)
		return rc;
	if (config_check(c, &e) != 0) {
		fprintf(stderr, "passnumd: %s\n", e.message);
		return -2;
	}
	return 0;
}

/* Checks that the home can be used: the database opens (and is upgraded),
 * the operator row and the active ledger key (file readable) exist. */
static int
main_check_home(const char *dir, struct error *e)
{
	struct home home;
	struct operator_info op;
	struct secret_key secret;
	struct key_info info;
	int rc;

	if (home_open(&home, dir, e) != 0)
		return -1;
	rc = home_operator(home.db, &op, e) == 0 &&
	    keys_load_active(home.db, dir, KEY_LEDGER, &secret, &info, e) == 0 ? 0 : -1;
	secret_key_wipe(&secret);
	home_close(&home);
	return rc;
}

/* Reads a whole file into one NUL-ended buffer sized once from the file's
 * size (never reallocated, so a secret leaves no copy behind); *len its
 * length. The caller frees it (sodium_memzero first for a key). Returns
 * NULL with e set. */
static char *
main_read_file(const char *path, size_t *len, struct error *e)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	struct stat st;

	if (f == NULL || fstat(fileno(f), &st) != 0) {
		error_set(e, 400, "BAD_TLS", "cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAIN_FILE_MAX) {
		error_set(e, 400, "BAD_TLS", "cannot read %s: not a file of at most 1 MiB", path);
		goto fail;
	}
	if ((data = malloc((size_t)st.st_size + 1)) == NULL)
		abort();
	*len = fread(data, 1, (size_t)st.st_size, f);
	data[*len] = '\0';
	fclose(f);
	return data;
fail:
	if (f != NULL)
		fclose(f);
	return NULL;
}

/* Opens, binds and listens on the configured address; prints the chosen
 * address. Returns the socket or -1. */
static int
main_listen(const struct config *c, struct error *e)
{
	struct sockaddr_storage addr;
	socklen_t len;
	char shown[DAEMON_ADDRESS_MAX + 16], host[DAEMON_ADDRESS_MAX];
	int fd, one = 1;

	if (config_parse_address(c->listen, &addr, &len, e) != 0)
		return -1;
	fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error_set(e, 503, "LISTEN", "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, 1024) != 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
		close(fd);
		return error_set(e, 503, "LISTEN", "cannot listen on %s: %s", c->listen, strerror(errno));
	}
	if (addr.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&addr)->sin6_addr, host, sizeof(host));
		snprintf(shown, sizeof(shown), "[%s]:%u", host,
		    ntohs(((struct sockaddr_in6 *)&addr)->sin6_port));
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&addr)->sin_addr, host, sizeof(host));
		snprintf(shown, sizeof(shown), "%s:%u", host, ntohs(((struct sockaddr_in *)&addr)->sin_port));
	}
	printf("listening on %s://%s\n", c->tls_cert[0] != '\0' ? "https" : "http", shown);
	fflush(stdout);
	return fd;
}

static void
main_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	daemon_log(cls, LOG_WARN, "libmicrohttpd: %s", line);
}

static struct MHD_Daemon *
main_start_http(struct daemon *daemon, int fd, struct error *e)
{
	const struct config *c = &daemon->config;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG;
	char *cert = NULL, *key = NULL;
	size_t cert_len, key_len = 0;
	struct MHD_Daemon *d;

	if (c->tls_cert[0] != '\0') {
		flags |= MHD_USE_TLS;
		if ((cert = main_read_file(c->tls_cert, &cert_len, e)) == NULL ||
		    (key = main_read_file(c->tls_key, &key_len, e)) == NULL) {
			free(cert);
			return NULL;
		}
	}
	/* The limits and what MHD cannot do are in docs/api.md "Limits". */
	d = MHD_start_daemon(flags, 0, guard_accept, daemon->guard, http_access, daemon,
	    MHD_OPTION_EXTERNAL_LOGGER, main_mhd_log, daemon,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(c->threads > 1 ? c->threads : 0),
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, daemon,
	    MHD_OPTION_NOTIFY_CONNECTION, guard_notify, daemon->guard,
	    MHD_OPTION_URI_LOG_CALLBACK, http_uri_log, daemon,
	    MHD_OPTION_CONNECTION_TIMEOUT, 60u,
	    MHD_OPTION_CONNECTION_LIMIT, 4096u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
	    MHD_OPTION_HTTPS_MEM_KEY, key,
	    MHD_OPTION_END);
	if (key != NULL)
		sodium_memzero(key, key_len);
	free(cert);
	free(key);
	if (d == NULL)
		error_set(e, 503, "HTTP_START", "libmicrohttpd could not start (see the log above)");
	return d;
}

/* Waits for SIGTERM or SIGINT (blocked in every thread). */
static int
main_wait_signal(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigwait(&set, &sig);
	return sig;
}

/* Stops accepting, lets in-flight requests finish (up to 30 s), drains the
 * writer, then stops libmicrohttpd and closes the database. */
static void
main_shutdown(struct daemon *daemon, struct MHD_Daemon *d, int fd, int sig)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	daemon_log(daemon, LOG_INFO, "signal %d: finishing %ld request(s) in flight, then stopping",
	    sig, atomic_load(&daemon->in_flight));
	MHD_quiesce_daemon(d);
	close(fd);
	for (int i = 0; i < 3000 && atomic_load(&daemon->in_flight) > 0; i++)
		nanosleep(&pause, NULL);
	writer_stop(daemon->writer);
	daemon->writer = NULL;
	MHD_stop_daemon(d);
	witness_client_stop(daemon->witnesses);
	daemon->witnesses = NULL;
	guard_stop(daemon->guard);
	daemon->guard = NULL;
	daemon_log(daemon, LOG_INFO, "stopped");
	daemon_free(daemon);
}

/* Starts the writer, the connection guard, the listening socket and
 * libmicrohttpd for daemon. Returns the MHD daemon (its socket in *fd), or
 * NULL with e set (the writer and the guard then stopped). */
static struct MHD_Daemon *
main_start(struct daemon *daemon, int *fd, struct error *e)
{
	struct MHD_Daemon *d;

	if (witness_client_start(daemon, &daemon->witnesses, e) != 0)
		return NULL;
	if ((daemon->writer = writer_start(daemon, e)) == NULL)
		goto fail;
	if ((daemon->guard = guard_start(daemon)) == NULL) {
		error_set(e, 503, "GUARD", "cannot start the connection guard thread");
		goto fail;
	}
	if ((*fd = main_listen(&daemon->config, e)) < 0 ||
	    (d = main_start_http(daemon, *fd, e)) == NULL)
		goto fail;
	return d;
fail:
	guard_stop(daemon->guard);
	daemon->guard = NULL;
	writer_stop(daemon->writer);
	daemon->writer = NULL;
	witness_client_stop(daemon->witnesses);
	daemon->witnesses = NULL;
	return NULL;
}

int
main(int argc, char **argv)
{
	struct daemon *daemon;
	struct MHD_Daemon *d;
	struct config c;
	struct error e;
	sigset_t set;
	int rc, fd;

	umask(077);
	if (sodium_init() < 0) {
		fprintf(stderr, "passnumd: cannot initialise libsodium\n");
		return 1;
	}
	if ((rc = main_configure(argc, argv, &c)) != 0)
		return rc == 1 ? 0 : rc == -1 ? 2 : 1;
	if (main_check_home(c.home, &e) != 0) {
		fprintf(stderr, "passnumd: cannot use the home %s: %s\n", c.home, e.message);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((daemon = daemon_create(&c)) == NULL) {
		fprintf(stderr, "passnumd: out of memory\n");
		return 1;
	}
	if ((d = main_start(daemon, &fd, &e)) == NULL) {
		fprintf(stderr, "passnumd: %s\n", e.message);
		daemon_free(daemon);
		return 1;
	}
	daemon_log(daemon, LOG_INFO, "serving %s with %u thread(s), %zu witness(es)", c.home, c.threads,
	    c.witness_count);
	main_shutdown(daemon, d, fd, main_wait_signal());
	return 0;
}
