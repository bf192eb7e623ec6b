/* The instructions of one redemption, for callgrind (tests/bench/run-all.sh):
 * the worker's part (read the passes, hash the request, redemption_prepare:
 * the decode, the Ed25519 verify and the read-only look-ups) and the
 * writer's part (redemption_commit in its own savepoint, batches of 64 in
 * one write transaction, as passnumd's writer runs them), without HTTP.
 *
 *   bench_redeem_ir PASSNUM DIR N [worker|writer|both]
 *
 * makes a home in DIR with the CLI at PASSNUM (one place, one campaign, N
 * passes), then redeems them, one pass each. The mode says which part runs
 * inside bench_measured_worker / bench_measured_writer, the functions that
 * callgrind's --toggle-collect counts; setup is never counted. Prints the
 * redemptions made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "clock.h"
#include "db.h"
#include "home.h"
#include "keys.h"
#include "keyset.h"
#include "redemption.h"

#define BATCH 64

static void
die(const char *what, const struct error *e)
{
	fprintf(stderr, "bench_redeem_ir: %s: %s\n", what, e != NULL ? e->message : "failed");
	exit(1);
}

static void
setup(const char *passnum, const char *dir, long n)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd),
	    "set -e; pn='%1$s --home %2$s/home'; rm -rf %2$s/home %2$s/out;"
	    " $pn init --operator Bench --origin bench.example/ledger >/dev/null;"
	    " $pn funder add Bench >/dev/null; $pn funder order 1 %3$ld --ref B1 >/dev/null;"
	    " $pn service add atelier Atelier >/dev/null;"
	    " $pn place add EPN --siret 12345678200002 --commune 93048 --iban FR7630006000011234567890189"
	    " --type epn --services atelier >/dev/null; $pn place label 1 >/dev/null;"
	    " $pn campaign create --funder 1 --name Bench --value 10 --last-day 2099-12-31 >/dev/null;"
	    " mkdir -p %2$s/out; $pn batch issue --campaign 1 --count %4$ld --out %2$s/out --format csv >/dev/null",
	    passnum, dir, (n + 10) * 10, n);
	if (system(cmd) != 0)
		die("setup", NULL);
}

/* The passes' token texts, from the batch's CSV (third column). */
static char **
load_tokens(const char *dir, long n)
{
	char cmd[4200], line[1024];
	char **tokens = calloc((size_t)n, sizeof(char *));
	long count = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cat %s/out/batch-*.csv", dir);
	if (tokens == NULL || (f = popen(cmd, "r")) == NULL)
		die("csv", NULL);
	while (count < n && fgets(line, sizeof(line), f) != NULL) {
		char *tok = strchr(line, ','), *end;
		if (tok == NULL || (tok = strchr(tok + 1, ',')) == NULL || strncmp(tok + 1, "PN1:", 4) != 0)
			continue;
		tok++;
		if ((end = strchr(tok, ',')) != NULL)
			*end = '\0';
		tokens[count++] = strdup(tok);
	}
	pclose(f);
	if (count != n)
		die("csv: too few passes", NULL);
	return tokens;
}

struct run {
	struct home home;
	struct keyset keys;
	char **tokens;
	long n;
	struct redemption_request *requests;
	struct merkle_state cache;
	struct redemption_signer signer;
	int64_t now;
	long first, count; /* the writer batch in progress */
};

static void
worker_part(struct run *r, long i)
{
	struct redemption_request *q = &r->requests[i];
	struct error e;

	memset(q, 0, sizeof(*q));
	q->place_id = 1;
	snprintf(q->service_code, sizeof(q->service_code), "atelier");
	snprintf(q->idempotency_key, sizeof(q->idempotency_key), "bench-%ld", i);
	if (redemption_pass_read(r->tokens[i], strlen(r->tokens[i]), &q->passes[0], &e) != 0)
		die("pass", &e);
	q->count = 1;
	redemption_request_hash(q);
	if (redemption_prepare(r->home.db, &r->keys, q, r->now, &e) != 0)
		die("prepare", &e);
}

static int
commit_one(struct db *db, void *ctx, struct error *e)
{
	struct run *r = ctx;
	struct redemption_outcome out;
	int rc = redemption_commit(db, &r->requests[r->first], &r->signer, &r->cache, r->now, &out, e);

	redemption_outcome_free(&out);
	return rc;
}

static int
commit_batch(struct db *db, void *ctx, struct error *e)
{
	struct run *r = ctx;
	struct error fatal;
	long end = r->first + r->count;

	for (; r->first < end; r->first++)
		if (db_savepoint(db, commit_one, r, e, &fatal) != 0)
			return -1;
	return 0;
}

static void
writer_part(struct run *r, long first, long count)
{
	struct error e;

	r->first = first;
	r->count = count;
	if (db_write(r->home.db, DB_BUSY_DEFAULT, commit_batch, r, &e) != 0)
		die("commit", &e);
}

/* What callgrind counts (--toggle-collect); noinline so that they exist. */
__attribute__((noinline)) static void
bench_measured_worker(struct run *r, long first, long count)
{
	for (long i = first; i < first + count; i++)
		worker_part(r, i);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void
bench_measured_writer(struct run *r, long first, long count)
{
	writer_part(r, first, count);
	__asm__ volatile("" ::: "memory");
}

int
main(int argc, char **argv)
{
	struct run r;
	struct secret_key secret;
	struct key_info info;
	struct error e;
	char home[4200];

	if (argc < 4 || sodium_init() < 0) {
		fprintf(stderr, "usage: bench_redeem_ir PASSNUM DIR N [worker|writer|both]\n");
		return 2;
	}
	memset(&r, 0, sizeof(r));
	r.n = atol(argv[3]);
	const char *mode = argc > 4 ? argv[4] : "both";
	if (r.n < 1)
		return 2;
	setup(argv[1], argv[2], r.n);
	r.tokens = load_tokens(argv[2], r.n);
	snprintf(home, sizeof(home), "%s/home", argv[2]);
	if (home_open(&r.home, home, &e) != 0 || keys_load_issuers(r.home.db, &r.keys, &e) != 0 ||
	    keys_load_active(r.home.db, home, KEY_LEDGER, &secret, &info, &e) != 0)
		die("open", &e);
	r.signer.secret = secret.bytes;
	memcpy(r.signer.key_id, info.key_id, sizeof(r.signer.key_id));
	r.requests = calloc((size_t)r.n, sizeof(*r.requests));
	merkle_state_init(&r.cache);
	r.cache.size = UINT64_MAX;
	r.now = clock_now();
	for (long first = 0; first < r.n; first += BATCH) {
		long count = r.n - first < BATCH ? r.n - first : BATCH;
		if (strcmp(mode, "writer") == 0)
			for (long i = first; i < first + count; i++)
				worker_part(&r, i);
		else
			bench_measured_worker(&r, first, count);
		if (strcmp(mode, "worker") == 0)
			writer_part(&r, first, count);
		else
			bench_measured_writer(&r, first, count);
	}
	printf("%ld redemptions\n", r.n);
	secret_key_wipe(&secret);
	keyset_free(&r.keys);
	home_close(&r.home);
	for (long i = 0; i < r.n; i++)
		free(r.tokens[i]);
	free(r.tokens);
	free(r.requests);
	return 0;
}
