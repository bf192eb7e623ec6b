/* Asking witnesses for cosignatures (see witness_client.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <sodium.h>
#include "checkpoint.h"
#include "clock.h"
#include "cosignature.h"
#include "daemon.h"
#include "db.h"
#include "ledger.h"
#include "witness_client.h"

#define WITNESS_CLIENT_REPLY_MAX 16384
#define WITNESS_CLIENT_TIMEOUT_S 10L
#define WITNESS_CLIENT_BACKOFF_MAX_MS 60000
#define WITNESS_CLIENT_LINES_MAX (4 * COSIGNATURE_LINE_MAX)

/* What we know of one witness. */
struct witness_state {
	const struct config_witness *config;
	uint64_t old;                 /* its latest cosigned size, as far as we know */
	int64_t next_try_ms;          /* monotonic: not before (after a failure) */
	uint64_t tried_size;          /* the checkpoint that next_try_ms is about */
	int64_t backoff_ms;
	bool have;                    /* lines hold its cosignatures of (size, root) */
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	char lines[WITNESS_CLIENT_LINES_MAX];
};

struct witness_client {
	struct daemon *daemon;
	pthread_mutex_t lock;         /* guards states[].have, size, root, lines */
	pthread_cond_t wake;
	atomic_bool stop;
	pthread_t thread;
	struct db *db;
	CURL *curl;
	size_t count;
	struct witness_state states[DAEMON_WITNESSES_MAX];
};

/* One HTTP reply, kept up to WITNESS_CLIENT_REPLY_MAX bytes. */
struct witness_http {
	char body[WITNESS_CLIENT_REPLY_MAX + 1];
	size_t len;
	long status;
};

static size_t
witness_client_write(char *data, size_t size, size_t n, void *ctx)
{
	struct witness_http *h = ctx;
	size_t len = size * n;

	if (len > WITNESS_CLIENT_REPLY_MAX - h->len)
		return 0; /* too long: the transfer fails */
	memcpy(h->body + h->len, data, len);
	h->len += len;
	h->body[h->len] = '\0';
	return len;
}

/* POSTs body to URL/add-checkpoint. Returns 0 with h filled, or -1 with
 * the transport's error in e. */
static int
witness_client_post(struct witness_client *c, const struct config_witness *w, const char *body,
    size_t len, struct witness_http *h, struct error *e)
{
	char url[DAEMON_WITNESS_URL_MAX + 32];
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: text/plain; charset=utf-8");
	CURLcode rc;

	snprintf(url, sizeof(url), "%s/add-checkpoint", w->url);
	h->len = 0;
	h->body[0] = '\0';
	h->status = 0;
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, WITNESS_CLIENT_TIMEOUT_S);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "passnumd/" PASSNUM_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, witness_client_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, h);
	rc = curl_easy_perform(c->curl);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK)
		return error_set(e, 503, "WITNESS_DOWN", "%s", curl_easy_strerror(rc));
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &h->status);
	return 0;
}

/* The add-checkpoint body for cp from size old: "old N", the proof lines,
 * a blank line, the note. Returns its length, 0 on failure (e set). */
static size_t
witness_client_body(struct witness_client *c, const struct checkpoint *cp, uint64_t old, char *out,
    size_t cap, struct error *e)
{
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE];
	size_t count = 0, len;

	if (old > 0 && old < cp->size &&
	    ledger_consistency_proof(c->db, old, cp->size, proof, &count, e) != 0)
		return 0;
	len = (size_t)snprintf(out, cap, "old %llu\n", (unsigned long long)old);
	for (size_t i = 0; i < count; i++) {
		sodium_bin2base64(out + len, cap - len, proof[i], MERKLE_HASH_SIZE,
		    sodium_base64_VARIANT_ORIGINAL);
		len += strlen(out + len);
		out[len++] = '\n';
	}
	out[len++] = '\n';
	if (len + strlen(cp->note) >= cap) {
		error_set(e, 500, "TOO_LONG", "the add-checkpoint body does not fit");
		return 0;
	}
	memcpy(out + len, cp->note, strlen(cp->note) + 1);
	return len + strlen(cp->note);
}

/* The first line of text, for a log line (at most 200 bytes, printable). */
static void
witness_client_first_line(const char *text, char *out, size_t cap)
{
	size_t n = 0;

	for (; text[n] != '\0' && text[n] != '\n' && n + 1 < cap && n < 200; n++)
		out[n] = text[n] >= ' ' && text[n] < 0x7f ? text[n] : '?';
	out[n] = '\0';
}

/* A failure: logged, asked again after the backoff. */
static void
witness_client_later(struct witness_client *c, struct witness_state *s)
{
	s->backoff_ms = s->backoff_ms == 0 ? 1000 : s->backoff_ms * 2;
	if (s->backoff_ms > WITNESS_CLIENT_BACKOFF_MAX_MS)
		s->backoff_ms = WITNESS_CLIENT_BACKOFF_MAX_MS;
	s->next_try_ms = clock_monotonic_ms() + s->backoff_ms;
	(void)c;
}

/* A 200: the lines that are valid cosignatures by the witness are kept. */
static int
witness_client_accept(struct witness_client *c, struct witness_state *s, const struct checkpoint *cp,
    const struct witness_http *h)
{
	char *note = malloc(NOTE_MAX_BYTES + WITNESS_CLIENT_REPLY_MAX + 1), lines[WITNESS_CLIENT_LINES_MAX];
	size_t note_len = strlen(cp->note), lines_len = 0;
	struct error e;
	int rc = -1;

	if (note == NULL)
		abort();
	memcpy(note, cp->note, note_len);
	memcpy(note + note_len, h->body, h->len + 1);
	if (cosignature_lines(note, note_len + h->len, &s->config->key, lines, sizeof(lines),
	    &lines_len, &e) != 0 || lines_len == 0) {
		daemon_log(c->daemon, LOG_WARN, "witness %s answered 200 without a valid cosignature"
		    " by %s for size %llu: %s", s->config->url, s->config->key.name,
		    (unsigned long long)cp->size, lines_len == 0 ? "none" : e.message);
		goto done;
	}
	pthread_mutex_lock(&c->lock);
	s->have = true;
	s->size = cp->size;
	memcpy(s->root, cp->root, MERKLE_HASH_SIZE);
	memcpy(s->lines, lines, lines_len + 1);
	pthread_mutex_unlock(&c->lock);
	s->old = cp->size;
	s->backoff_ms = 0;
	s->next_try_ms = 0;
	daemon_log(c->daemon, LOG_INFO, "witness %s cosigned the checkpoint of size %llu",
	    s->config->key.name, (unsigned long long)cp->size);
	rc = 0;
done:
	free(note);
	return rc;
}

/* Parses a 409's body "N\n" (text/x.tlog.size). */
static int
witness_client_size(const struct witness_http *h, uint64_t *size)
{
	char *end;

	if (h->len < 2 || h->body[0] < '0' || h->body[0] > '9')
		return -1;
	*size = strtoull(h->body, &end, 10);
	return *end == '\n' && end + 1 == h->body + h->len ? 0 : -1;
}

/* Asks one witness to cosign cp (following its 409s up to three times). */
static void
witness_client_ask(struct witness_client *c, struct witness_state *s, const struct checkpoint *cp)
{
	char *body = malloc(NOTE_MAX_BYTES + 64 * 48), line[256];
	struct witness_http *h = malloc(sizeof(*h));
	struct error e;
	size_t len;

	if (body == NULL || h == NULL)
		abort();
	for (int attempt = 0; attempt < 3; attempt++) {
		if (s->old > cp->size) {
			daemon_log(c->daemon, LOG_WARN, "witness %s has cosigned a tree of size %llu, larger"
			    " than this log's %llu: it refuses this log (a fork, or a home restored from an"
			    " older backup)", s->config->key.name, (unsigned long long)s->old,
			    (unsigned long long)cp->size);
			break;
		}
		if ((len = witness_client_body(c, cp, s->old, body, NOTE_MAX_BYTES + 64 * 48, &e)) == 0) {
			daemon_log(c->daemon, LOG_WARN, "cannot ask witness %s: %s", s->config->key.name,
			    e.message);
			break;
		}
		if (witness_client_post(c, s->config, body, len, h, &e) != 0) {
			daemon_log(c->daemon, LOG_WARN, "witness %s (%s) cannot be reached: %s; asking again"
			    " later", s->config->key.name, s->config->url, e.message);
			break;
		}
		if (h->status == 200 && witness_client_accept(c, s, cp, h) == 0)
			goto done;
		if (h->status == 200)
			break;
		if (h->status == 409 && witness_client_size(h, &s->old) == 0) {
			daemon_log(c->daemon, LOG_INFO, "witness %s last cosigned size %llu: asking again from"
			    " it", s->config->key.name, (unsigned long long)s->old);
			continue;
		}
		witness_client_first_line(h->body, line, sizeof(line));
		daemon_log(c->daemon, LOG_WARN, "witness %s refused the checkpoint of size %llu (old size"
		    " %llu): HTTP %ld: %s", s->config->key.name, (unsigned long long)cp->size,
		    (unsigned long long)s->old, h->status, line);
		break;
	}
	witness_client_later(c, s);
done:
	free(body);
	free(h);
}

/* Waits up to a second for stop. Returns whether to stop. */
static bool
witness_client_wait(struct witness_client *c)
{
	struct timespec until;
	bool stop;

	pthread_mutex_lock(&c->lock);
	if (!c->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&c->wake, &c->lock, &until);
	}
	stop = c->stop;
	pthread_mutex_unlock(&c->lock);
	return stop;
}

static void *
witness_client_main(void *arg)
{
	struct witness_client *c = arg;
	struct checkpoint *cp = malloc(sizeof(*cp));

	if (cp == NULL)
		abort();
	while (!witness_client_wait(c)) {
		if (checkpoint_latest(c->db, cp, NULL) != 0)
			continue;
		for (size_t i = 0; i < c->count && !c->stop; i++) {
			struct witness_state *s = &c->states[i];
			bool done;
			pthread_mutex_lock(&c->lock);
			done = s->have && s->size == cp->size &&
			    memcmp(s->root, cp->root, MERKLE_HASH_SIZE) == 0;
			pthread_mutex_unlock(&c->lock);
			/* A new checkpoint is asked for at once; the same one again
			 * after the backoff. */
			if (!done && (cp->size != s->tried_size || clock_monotonic_ms() >= s->next_try_ms)) {
				s->tried_size = cp->size;
				witness_client_ask(c, s, cp);
			}
		}
	}
	free(cp);
	return NULL;
}

int
witness_client_start(struct daemon *d, struct witness_client **out, struct error *e)
{
	struct witness_client *c;
	char path[4200];

	*out = NULL;
	if (d->config.witness_count == 0)
		return 0;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	c->daemon = d;
	c->count = d->config.witness_count;
	for (size_t i = 0; i < c->count; i++)
		c->states[i].config = &d->config.witnesses[i];
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	snprintf(path, sizeof(path), "%s/passnum.db", d->config.home);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (c->curl = curl_easy_init()) == NULL) {
		error_set(e, 503, "CURL", "cannot initialise libcurl");
		goto fail;
	}
	if (db_open(&c->db, path, DB_OPEN_READONLY, e) != 0)
		goto fail;
	if (pthread_create(&c->thread, NULL, witness_client_main, c) != 0) {
		error_set(e, 503, "THREAD", "cannot start the witness thread");
		goto fail;
	}
	*out = c;
	return 0;
fail:
	db_close(c->db);
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return -1;
}

void
witness_client_stop(struct witness_client *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	db_close(c->db);
	curl_easy_cleanup(c->curl);
	curl_global_cleanup();
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

size_t
witness_client_cosignatures(struct witness_client *c, uint64_t size,
    const uint8_t root[MERKLE_HASH_SIZE], char *out, size_t cap)
{
	size_t len = 0;

	if (cap > 0)
		out[0] = '\0';
	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->count; i++) {
		const struct witness_state *s = &c->states[i];
		size_t n = strlen(s->lines);
		if (!s->have || s->size != size || memcmp(s->root, root, MERKLE_HASH_SIZE) != 0)
			continue;
		if (len + n >= cap) {
			len = 0;
			break;
		}
		memcpy(out + len, s->lines, n + 1);
		len += n;
	}
	pthread_mutex_unlock(&c->lock);
	if (cap > 0)
		out[len] = '\0';
	return len;
}
