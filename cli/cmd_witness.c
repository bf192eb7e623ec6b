/* passnum witness init --dir DIR --name NAME
 *                | add-log --dir DIR --origin ORIGIN --vkey VKEY
 *                | show --dir DIR
 *                | serve --dir DIR [--listen ADDR:PORT]
 *
 * A C2SP tlog-witness (lib/witness.c holds the rules and the state) that a
 * funder, a place network or an auditor runs with its own key. serve is a
 * small libmicrohttpd server: POST /add-checkpoint, GET /<origin hash>/
 * checkpoint (the monitoring endpoint), nothing else. It needs no home. */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include <sodium.h>
#include "cli.h"
#include "clock.h"
#include "witness.h"

static const char witness_init_help[] =
    "usage: passnum witness init --dir DIR --name NAME\n"
    "\n"
    "Makes a witness in DIR (created mode 0700): a new Ed25519 key in\n"
    "DIR/witness.key (mode 0600) and its name, a schema-less URL that names\n"
    "the witness (e.g. witness.example.org/funder-1). Prints the witness's\n"
    "verifier key (cosignature/v1, type 0x04): give it to the log's operator\n"
    "(passnumd.conf `witness = URL VKEY`) and to verifiers (--witness VKEY).\n"
    "\n"
    "example:\n"
    "  passnum witness init --dir /var/lib/witness --name witness.example.org/w1\n";

static const char witness_add_log_help[] =
    "usage: passnum witness add-log --dir DIR --origin ORIGIN --vkey VKEY\n"
    "\n"
    "Follows the log ORIGIN (the first line of its checkpoints) whose\n"
    "checkpoints are signed by VKEY (the ledger's key as GET /v1/keys gives it,\n"
    "obtained from the operator through a channel you trust). The witness\n"
    "then cosigns the first checkpoint it is given and, after it, only\n"
    "checkpoints that extend the last one it cosigned. Refused while the\n"
    "witness is serving DIR (stop it, add the log, start it again).\n"
    "\n"
    "example:\n"
    "  passnum witness add-log --dir /var/lib/witness --origin pass.example.org/ledger \\\n"
    "      --vkey \"$(curl -s https://pass.example.org/v1/keys | jq -r .ledger_keys[0].vkey)\"\n";

static const char witness_show_help[] =
    "usage: passnum witness show --dir DIR\n"
    "\n"
    "The witness's name and verifier key, and each log it follows with the\n"
    "size and root of the last checkpoint it cosigned.\n"
    "\n"
    "example:\n"
    "  passnum witness show --dir /var/lib/witness --json | jq -r .vkey\n";

static const char witness_serve_help[] =
    "usage: passnum witness serve --dir DIR [--listen ADDR:PORT]\n"
    "\n"
    "Serves the C2SP tlog-witness protocol on ADDR:PORT (default\n"
    "127.0.0.1:8380; port 0 picks a free one, printed as \"listening on\n"
    "http://ADDR:PORT\"): POST /add-checkpoint and GET /<hex SHA-256 of the\n"
    "origin>/checkpoint. One line on standard error per checkpoint cosigned or\n"
    "refused. Stops on SIGTERM or SIGINT. Everything it answers is signed, so\n"
    "plain HTTP is enough; put it behind a TLS proxy to hide who asks.\n"
    "\n"
    "example:\n"
    "  passnum witness serve --dir /var/lib/witness --listen 0.0.0.0:8380\n";

const char cmd_witness_help[] =
    "usage: passnum witness init --dir DIR --name NAME\n"
    "       passnum witness add-log --dir DIR --origin ORIGIN --vkey VKEY\n"
    "       passnum witness show --dir DIR\n"
    "       passnum witness serve --dir DIR [--listen ADDR:PORT]\n"
    "\n"
    "init      makes the witness's key (mode 0600) and prints its verifier key\n"
    "add-log   follows a log: its origin and its ledger's verifier key\n"
    "show      the witness's key and the last checkpoint cosigned for each log\n"
    "serve     answers add-checkpoint (C2SP tlog-witness) until stopped\n"
    "\n"
    "`passnum witness SUB --help` shows one sub-command.\n"
    "\n"
    "example:\n"
    "  passnum witness init --dir w1 --name witness.example.org/w1\n";

struct witness_options {
	const char *verb;
	const char *dir, *name, *origin, *vkey, *listen;
};

static int
witness_option(int opt, const char *arg, void *ctx)
{
	struct witness_options *o = ctx;

	switch (opt) {
	case 'd': o->dir = arg; break;
	case 'n': o->name = arg; break;
	case 'o': o->origin = arg; break;
	case 'k': o->vkey = arg; break;
	default: o->listen = arg; break;
	}
	return 0;
}

/* Parses a sub-verb's options (no operand); --dir is always needed.
 * Returns 0, -1 when --help was shown, or EXIT_USAGE (printed). */
static int
witness_parse(struct cli *cli, int argc, char **argv, const char *help, struct witness_options *o)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "origin", required_argument, NULL, 'o' },
		{ "vkey", required_argument, NULL, 'k' },
		{ "listen", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	int first = cli_options(cli, argc, argv, o->verb, help, opts, witness_option, o);

	if (first < 0)
		return first == -1 ? -1 : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error(o->verb, "unexpected argument \"%s\"", argv[first]);
	if (o->dir == NULL || *o->dir == '\0')
		return cli_usage_error(o->verb, "give --dir DIR");
	return 0;
}

/* Refuses the options a sub-verb does not take. */
static int
witness_only(const struct witness_options *o, int name, int log, int listen)
{
	if ((o->name != NULL && !name) || ((o->origin != NULL || o->vkey != NULL) && !log) ||
	    (o->listen != NULL && !listen))
		return cli_usage_error(o->verb, "%s does not apply here", o->name != NULL && !name ?
		    "--name" : o->listen != NULL && !listen ? "--listen" : "--origin/--vkey");
	return 0;
}

static int
witness_init_run(struct cli *cli, int argc, char **argv)
{
	struct witness_options o = { .verb = "witness init" };
	char vkey[NOTE_VKEY_MAX];
	struct error e;
	int rc = witness_parse(cli, argc, argv, witness_init_help, &o);

	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = witness_only(&o, 1, 0, 0)) != 0)
		return rc;
	if (o.name == NULL)
		return cli_usage_error(o.verb, "give --name NAME (e.g. witness.example.org/w1)");
	if (cosignature_key_id(o.name, (uint8_t[32]){ 0 }, (uint8_t[4]){ 0 }) != 0)
		return cli_usage_error(o.verb, "--name is 1 to 255 printable ASCII characters without"
		    " space or '+', not \"%s\"", o.name);
	if (witness_init(o.dir, o.name, vkey, &e) != 0)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:s, s:s}", "id", o.name, "name", o.name,
		    "vkey", vkey));
	printf("%s\n", vkey);
	return EXIT_OK;
}

static int
witness_add_log_run(struct cli *cli, int argc, char **argv)
{
	struct witness_options o = { .verb = "witness add-log" };
	char name[NOTE_NAME_MAX + 1];
	uint8_t pub[32];
	struct error e;
	int rc = witness_parse(cli, argc, argv, witness_add_log_help, &o);

	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = witness_only(&o, 0, 1, 0)) != 0)
		return rc;
	if (o.origin == NULL || o.vkey == NULL)
		return cli_usage_error(o.verb, "give --origin ORIGIN and --vkey VKEY");
	if (!witness_origin_ok(o.origin))
		return cli_usage_error(o.verb, "--origin is 1 to 255 printable ASCII characters (the"
		    " first line of the log's checkpoints)");
	if (note_vkey_parse(o.vkey, name, pub) != 0)
		return cli_usage_error(o.verb, "--vkey is not a C2SP verifier key (name+id+base64)");
	if (witness_add_log(o.dir, o.origin, o.vkey, &e) != 0)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:s}", "id", o.origin, "origin", o.origin));
	printf("following %s\n", o.origin);
	return EXIT_OK;
}

static int
witness_show_run(struct cli *cli, int argc, char **argv)
{
	struct witness_options o = { .verb = "witness show" };
	struct witness w;
	char vkey[NOTE_VKEY_MAX], root[64], hex[65];
	struct error e;
	json_t *logs;
	int rc = witness_parse(cli, argc, argv, witness_show_help, &o);

	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = witness_only(&o, 0, 0, 0)) != 0)
		return rc;
	if (witness_open(&w, o.dir, false, &e) != 0)
		return cli_fail(&e);
	witness_vkey(&w, vkey);
	logs = json_array();
	if (!cli->json)
		printf("witness %s\nvkey %s\n", w.name, vkey);
	for (size_t i = 0; i < w.count; i++) {
		const struct witness_log *log = &w.logs[i];
		sodium_bin2base64(root, sizeof(root), log->root, 32, sodium_base64_VARIANT_ORIGINAL);
		sodium_bin2hex(hex, sizeof(hex), log->origin_hash, 32);
		json_array_append_new(logs, json_pack("{s:s, s:s, s:I, s:s, s:s}", "origin",
		    log->origin, "vkey", log->vkey, "size", (json_int_t)log->size, "root", root,
		    "origin_hash", hex));
		if (!cli->json)
			printf("log %s: cosigned size %llu, root %s\n", log->origin,
			    (unsigned long long)log->size, root);
	}
	if (cli->json)
		cli_print_json(json_pack("{s:s, s:s, s:o}", "name", w.name, "vkey", vkey, "logs", logs));
	else
		json_decref(logs);
	witness_close(&w);
	return EXIT_OK;
}

/* The serving witness: one lock around each add-checkpoint, so that the
 * check of the old size and the stored new state are one step. */
struct witness_server {
	struct witness w;
	pthread_mutex_t lock;
};

/* One request's body, gathered by libmicrohttpd's calls. */
struct witness_body {
	char *data;
	size_t len;
	bool too_large;
};

static void
witness_log(const char *fmt, ...)
{
	char when[CLOCK_INSTANT_SIZE], line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	clock_instant_format(clock_now(), when);
	fprintf(stderr, "%s passnum witness: %s\n", when, line);
}

static enum MHD_Result
witness_send(struct MHD_Connection *conn, int status, const char *type, const char *body,
    size_t len, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (allow != NULL)
		MHD_add_response_header(r, "Allow", allow);
	rc = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
witness_text(struct MHD_Connection *conn, int status, const char *text, const char *allow)
{
	return witness_send(conn, status, "text/plain; charset=utf-8", text, strlen(text), allow);
}

/* POST /add-checkpoint with the whole body. */
static enum MHD_Result
witness_add(struct witness_server *s, struct MHD_Connection *conn, struct witness_body *b)
{
	struct witness_reply *reply = malloc(sizeof(*reply));
	enum MHD_Result rc;

	if (reply == NULL)
		abort();
	pthread_mutex_lock(&s->lock);
	witness_add_checkpoint(&s->w, b->data != NULL ? b->data : "", b->len, clock_now(), reply);
	pthread_mutex_unlock(&s->lock);
	if (reply->log[0] != '\0')
		witness_log("%s", reply->log);
	else if (reply->status != 200)
		witness_log("add-checkpoint answered %d: %.*s", reply->status,
		    (int)strcspn(reply->body, "\n"), reply->body);
	rc = witness_send(conn, reply->status, reply->content_type, reply->body, reply->len, NULL);
	free(reply);
	return rc;
}

/* GET /<origin hash>/checkpoint: the latest cosigned note of that log. */
static enum MHD_Result
witness_get(struct witness_server *s, struct MHD_Connection *conn, const char *url)
{
	char hex[65], *note = NULL;
	const struct witness_log *log;
	enum MHD_Result rc;

	if (strlen(url) != 1 + 64 + strlen("/checkpoint") || strcmp(url + 65, "/checkpoint") != 0)
		return witness_text(conn, 404, "not found\n", NULL);
	memcpy(hex, url + 1, 64);
	hex[64] = '\0';
	pthread_mutex_lock(&s->lock);
	log = witness_find_hash(&s->w, hex);
	if (log != NULL && log->note[0] != '\0')
		note = strdup(log->note);
	pthread_mutex_unlock(&s->lock);
	if (note == NULL)
		return witness_text(conn, 404, "no checkpoint cosigned for this log\n", NULL);
	rc = witness_send(conn, 200, "text/plain; charset=utf-8", note, strlen(note), NULL);
	free(note);
	return rc;
}

static enum MHD_Result
witness_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct witness_server *s = cls;
	struct witness_body *b = *con_cls;
	bool add = strcmp(url, "/add-checkpoint") == 0;

	(void)version;
	if (b == NULL) {
		if ((b = calloc(1, sizeof(*b))) == NULL)
			abort();
		*con_cls = b;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (b->len + *upload_size > WITNESS_BODY_MAX)
			b->too_large = true;
		else {
			if ((b->data = realloc(b->data, b->len + *upload_size + 1)) == NULL)
				abort();
			memcpy(b->data + b->len, upload, *upload_size);
			b->len += *upload_size;
			b->data[b->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (add && strcmp(method, "POST") != 0)
		return witness_text(conn, 405, "use POST\n", "POST");
	if (add && b->too_large)
		return witness_text(conn, 413, "the request body is too large\n", NULL);
	if (add)
		return witness_add(s, conn, b);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return witness_text(conn, 405, "use GET\n", "GET, HEAD");
	return witness_get(s, conn, url);
}

static void
witness_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct witness_body *b = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (b != NULL) {
		free(b->data);
		free(b);
	}
	*con_cls = NULL;
}

static void
witness_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	witness_log("libmicrohttpd: %s", line);
}

/* Binds ADDR:PORT ("[v6]:port" too) and prints the address it got. */
static int
witness_listen(const char *listen_on, struct error *e)
{
	char host[256], shown[300], name[INET6_ADDRSTRLEN];
	const char *colon = strrchr(listen_on, ':');
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	    .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct sockaddr_storage got;
	socklen_t len = sizeof(got);
	int fd, one = 1;
	size_t hlen;

	if (colon == NULL || (hlen = (size_t)(colon - listen_on)) == 0 || hlen >= sizeof(host))
		return error_set(e, 400, "BAD_ADDRESS", "--listen is ADDR:PORT, not \"%s\"", listen_on);
	memcpy(host, listen_on, hlen);
	host[hlen] = '\0';
	if (host[0] == '[' && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return error_set(e, 400, "BAD_ADDRESS", "--listen is ADDR:PORT, not \"%s\"", listen_on);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &len) != 0) {
		error_set(e, 503, "LISTEN", "cannot listen on %s: %m", listen_on);
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	if (got.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&got)->sin6_addr, name, sizeof(name));
		snprintf(shown, sizeof(shown), "[%s]:%u", name,
		    ntohs(((struct sockaddr_in6 *)&got)->sin6_port));
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&got)->sin_addr, name, sizeof(name));
		snprintf(shown, sizeof(shown), "%s:%u", name, ntohs(((struct sockaddr_in *)&got)->sin_port));
	}
	printf("listening on http://%s\n", shown);
	fflush(stdout);
	return fd;
}

static int
witness_serve_run(struct cli *cli, int argc, char **argv)
{
	struct witness_options o = { .verb = "witness serve", .listen = "127.0.0.1:8380" };
	struct witness_server *s = calloc(1, sizeof(*s));
	struct MHD_Daemon *d = NULL;
	sigset_t set;
	struct error e;
	char vkey[NOTE_VKEY_MAX];
	int fd, sig = 0, rc;

	if (s == NULL)
		abort();
	if ((rc = witness_parse(cli, argc, argv, witness_serve_help, &o)) != 0 ||
	    (rc = witness_only(&o, 0, 0, 1)) != 0) {
		free(s);
		return rc < 0 ? EXIT_OK : rc;
	}
	if (witness_open(&s->w, o.dir, true, &e) != 0) {
		free(s);
		return cli_fail(&e);
	}
	pthread_mutex_init(&s->lock, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((fd = witness_listen(o.listen, &e)) < 0)
		goto fail;
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    witness_access, s,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_EXTERNAL_LOGGER, witness_mhd_log, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, witness_completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, 15u,
	    MHD_OPTION_CONNECTION_LIMIT, 256u,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, 32u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
	    MHD_OPTION_END);
	if (d == NULL) {
		close(fd);
		error_set(&e, 503, "HTTP_START", "libmicrohttpd could not start");
		goto fail;
	}
	witness_vkey(&s->w, vkey);
	witness_log("serving %s as %s for %zu log(s)", o.dir, vkey, s->w.count);
	sigdelset(&set, SIGPIPE);
	sigwait(&set, &sig);
	witness_log("signal %d: stopping", sig);
	MHD_stop_daemon(d);
	close(fd);
	witness_close(&s->w);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return EXIT_OK;
fail:
	witness_close(&s->w);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return cli_fail(&e);
}

static const struct cli_verb witness_verbs[] = {
	{ "init", witness_init_run, "make a witness key", witness_init_help },
	{ "add-log", witness_add_log_run, "follow a log", witness_add_log_help },
	{ "show", witness_show_run, "the key and the logs' cosigned sizes", witness_show_help },
	{ "serve", witness_serve_run, "serve add-checkpoint", witness_serve_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_witness(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, witness_verbs, "witness", cmd_witness_help, argc, argv);
}
