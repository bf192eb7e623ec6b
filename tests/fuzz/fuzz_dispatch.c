/* libFuzzer target: any method, target, headers and body driven through
 * passnumd's dispatcher (daemon/dispatch.c) and handlers without a socket.
 * Every request must end with one reply, a status from 100 to 599, and a
 * JSON body that parses (an error with its code) whenever the reply says
 * application/json — never a crash, whatever the bytes.
 *
 * Input: "METHOD TARGET\n" (or "METHOD TARGET HTTP/1.1\n": Host is then
 * required), then "Name: value\n" header lines, an empty
 * line, and the body. In a header value "@admin" stands for a real admin
 * token ("Authorization: Bearer @admin"), "@distributor" for a
 * distributor's, so that the corpus reaches the authenticated routes.
 *
 * The home: made once, on the first input, in a temporary directory
 * (removed at exit): an operator, its keys, one admin token, a distributor
 * and its token; the peer
 * (127.0.0.1) is a trusted proxy. No writer
 * thread runs, so requests for the writer (redemptions, cancellations) get
 * 503 STOPPING at once; every read route runs against the real database.
 * FUZZ_DISPATCH_VERBOSE=1 prints each input's status and error code. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <microhttpd.h>
#include <sodium.h>
#include "daemon.h"
#include "db.h"
#include "dispatch.h"
#include "home.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_HEADERS_MAX 16
#define FUZZ_VALUES_MAX 8

static struct daemon *fuzz_daemon;
static char fuzz_dir[64], fuzz_admin[REGISTRY_TOKEN_TEXT_MAX];
static char fuzz_distributor[REGISTRY_TOKEN_TEXT_MAX]; /* "@distributor": distributor 1's token */

/* One parsed input. */
struct fuzz_input {
	char method[64];
	char target[8192];
	bool http11;                             /* the first line ended with " HTTP/1.1" */
	char *names[FUZZ_HEADERS_MAX], *values[FUZZ_HEADERS_MAX];
	size_t header_count;
	const char *query;                       /* into target */
	char decoded[FUZZ_VALUES_MAX][1024];     /* query values handed out */
	size_t decoded_count;
	char *copy;                              /* owns the header strings */
};

static int
fuzz_token(struct db *db, void *ctx, struct error *e)
{
	struct bearer b;

	struct distributor d = { 0 };
	int64_t id = 0;

	(void)ctx;
	snprintf(d.name, sizeof(d.name), "CCAS de test");
	if (registry_token_create(db, ROLE_ADMIN, 0, 1800000000, &b, fuzz_admin, e) != 0 ||
	    registry_distributor_add(db, &d, 1700000000, &id, e) != 0)
		return -1;
	return registry_token_create(db, ROLE_DISTRIBUTOR, id, 1800000000, &b, fuzz_distributor, e);
}

static void
fuzz_remove_home(void)
{
	char cmd[96];

	daemon_free(fuzz_daemon);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fuzz_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_dispatch: cannot remove %s\n", fuzz_dir);
}

/* Makes the temporary home and the daemon over it (aborts on failure). */
static void
fuzz_init(void)
{
	struct operator_info op = { .name = "Fuzz", .origin = "fuzz.example/ledger" };
	struct config c;
	struct home home;
	struct error e;

	if (sodium_init() < 0)
		abort();
	snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/passnum-fuzz-dispatch.XXXXXX");
	if (mkdtemp(fuzz_dir) == NULL || home_create(&home, fuzz_dir, &op, 1800000000, &e) != 0 ||
	    db_write(home.db, DB_BUSY_DEFAULT, fuzz_token, NULL, &e) != 0) {
		fprintf(stderr, "fuzz_dispatch: cannot make a home in %s: %s\n", fuzz_dir, e.message);
		abort();
	}
	home_close(&home);
	config_defaults(&c);
	snprintf(c.home, sizeof(c.home), "%s", fuzz_dir);
	c.log_level = LOG_ERROR;
	if (config_set(&c, "trusted-proxy", "127.0.0.1", &e) != 0) /* the peer: X-Forwarded-For is walked */
		abort();
	if ((fuzz_daemon = daemon_create(&c)) == NULL)
		abort();
	atexit(fuzz_remove_home);
}

/* Finds query argument name in q (decoded as libmicrohttpd does: '+' is a
 * space, then %HH) into the input's next value buffer. */
static const char *
fuzz_query(struct fuzz_input *in, const char *name)
{
	const char *q = in->query;

	while (*q != '\0' && in->decoded_count < FUZZ_VALUES_MAX) {
		size_t len = strcspn(q, "&");
		char pair[1024], *eq, *value;
		snprintf(pair, sizeof(pair), "%.*s", (int)(len < sizeof(pair) ? len : sizeof(pair) - 1), q);
		q += len + (q[len] == '&');
		for (char *p = pair; *p != '\0'; p++)
			if (*p == '+')
				*p = ' ';
		value = (eq = strchr(pair, '=')) != NULL ? eq + 1 : pair + strlen(pair);
		if (eq != NULL)
			*eq = '\0';
		MHD_http_unescape(pair);
		if (strcmp(pair, name) != 0)
			continue;
		MHD_http_unescape(value);
		char *out = in->decoded[in->decoded_count++];
		snprintf(out, sizeof(in->decoded[0]), "%s", value);
		return out;
	}
	return NULL;
}

static const char *
fuzz_value(const struct request *req, enum request_value kind, const char *name)
{
	struct fuzz_input *in = req->io_ctx;

	if (kind == REQUEST_QUERY)
		return fuzz_query(in, name);
	for (size_t i = 0; i < in->header_count; i++)
		if (strcasecmp(in->names[i], name) == 0)
			return in->values[i];
	return NULL;
}

static int
fuzz_values(const struct request *req, const char *name, char *joined, size_t size)
{
	struct fuzz_input *in = req->io_ctx;
	size_t len = 0;
	int lines = 0;

	joined[0] = '\0';
	for (size_t i = 0; i < in->header_count; i++) {
		if (strcasecmp(in->names[i], name) != 0)
			continue;
		int n = snprintf(joined + len, size - len, "%s%s", lines > 0 ? ", " : "", in->values[i]);
		if (n < 0 || (size_t)n >= size - len)
			return -1;
		len += (size_t)n;
		lines++;
	}
	return lines;
}

static void
fuzz_suspend(struct request *req)
{
	(void)req;
	abort(); /* no writer runs: nothing may wait for it */
}

static const struct request_io fuzz_io = { fuzz_value, fuzz_values, fuzz_suspend, fuzz_suspend };

/* Splits data into in; returns the body (into data) and its length. */
static const uint8_t *
fuzz_parse(const uint8_t *data, size_t size, struct fuzz_input *in, size_t *body_len)
{
	const uint8_t *end = memchr(data, '\n', size);
	size_t first = end != NULL ? (size_t)(end - data) : size, at;
	char line[8192 + 64], *space, *p, *nl;

	snprintf(line, sizeof(line), "%.*s", (int)(first < sizeof(line) ? first : sizeof(line) - 1),
	    (const char *)data);
	space = strchr(line, ' ');
	snprintf(in->method, sizeof(in->method), "%.*s", space != NULL ? (int)(space - line) : 63, line);
	snprintf(in->target, sizeof(in->target), "%s", space != NULL ? space + 1 : "/");
	if ((space = strstr(in->target, " HTTP/1.1")) != NULL && space[9] == '\0') {
		*space = '\0';
		in->http11 = true;
	}
	at = end != NULL ? first + 1 : size;
	/* Headers up to the empty line (NUL-ended copy). */
	if ((in->copy = malloc(size - at + 1)) == NULL)
		abort();
	memcpy(in->copy, data + at, size - at);
	in->copy[size - at] = '\0';
	for (p = in->copy; (nl = strchr(p, '\n')) != NULL && nl != p; p = nl + 1) {
		char *colon;
		*nl = '\0';
		if ((colon = strchr(p, ':')) == NULL || in->header_count >= FUZZ_HEADERS_MAX)
			continue;
		*colon = '\0';
		in->names[in->header_count] = p;
		colon++;
		while (*colon == ' ')
			colon++;
		in->values[in->header_count++] = colon;
	}
	if (nl == NULL) {
		*body_len = 0;
		return data;
	}
	at += (size_t)(nl - in->copy) + 1;
	*body_len = size - at;
	return data + at;
}

/* Replaces "@admin" (or "@distributor") in the Authorization value by the
 * real token. */
static void
fuzz_tokens(struct fuzz_input *in, char *buffer, size_t size)
{
	for (size_t i = 0; i < in->header_count; i++) {
		char *at = strstr(in->values[i], "@admin");
		const char *token = fuzz_admin;
		size_t skip = 6;
		if (at == NULL && (at = strstr(in->values[i], "@distributor")) != NULL) {
			token = fuzz_distributor;
			skip = 12;
		}
		if (at == NULL)
			continue;
		snprintf(buffer, size, "%.*s%s%s", (int)(at - in->values[i]), in->values[i], token,
		    at + skip);
		in->values[i] = buffer;
		return;
	}
}

/* The reply's invariants; aborts on a broken one. */
static void
fuzz_check(const struct request *req)
{
	json_t *body;

	if (!req->replied || req->status < 100 || req->status > 599 || req->reply == NULL ||
	    req->content_type == NULL)
		abort();
	if (strcmp(req->content_type, "application/json") != 0)
		return;
	if ((body = json_loadb(req->reply, req->reply_len, 0, NULL)) == NULL)
		abort();
	if (req->status >= 400 && !json_is_string(json_object_get(json_object_get(body, "error"), "code")))
		abort();
	json_decref(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(40000) };
	struct fuzz_input *in = calloc(1, sizeof(*in));
	char path[8192], token_header[8192];
	const uint8_t *body;
	size_t body_len;
	struct request *req;
	enum dispatch_step step;

	if (fuzz_daemon == NULL)
		fuzz_init();
	if (in == NULL)
		abort();
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	body = fuzz_parse(data, size, in, &body_len);
	fuzz_tokens(in, token_header, sizeof(token_header));
	if (request_target_decode(in->target, path, sizeof(path), &in->query) != 0)
		abort();
	req = dispatch_new(fuzz_daemon, &fuzz_io, in, in->method, path, (struct sockaddr *)&peer);
	req->http11 = in->http11;
	req->target_nul = request_target_has_nul(in->target);
	req->target_too_long = strlen(in->target) > REQUEST_TARGET_MAX || strlen(path) >= sizeof(req->path);
	step = dispatch_begin(req);
	for (size_t at = 0; step == DISPATCH_READ && at < body_len; at += 1000)
		step = dispatch_body(req, (const char *)body + at, body_len - at < 1000 ? body_len - at : 1000);
	if (step == DISPATCH_READ)
		step = dispatch_run(req);
	if (step == DISPATCH_CLOSE && body_len > DISPATCH_DRAIN_MAX) { /* closed unanswered */
		dispatch_free(req);
		free(in->copy);
		free(in);
		return 0;
	}
	if (step != DISPATCH_SEND)
		abort();
	dispatch_finish(req);
	fuzz_check(req);
	if (getenv("FUZZ_DISPATCH_VERBOSE") != NULL) /* to see what a corpus reaches */
		fprintf(stderr, "%d %s %.60s\n", req->status, req->error_code != NULL ? req->error_code : "-",
		    in->target);
	dispatch_free(req);
	free(in->copy);
	free(in);
	return 0;
}
