/* Benchmark (not a test): `batch issue` of N vouchers (default 1,000,000)
 * with CSV output into a temporary home, beside raw single-core
 * crypto_sign_detached of the same 47-byte message size measured in the
 * same run. Prints vouchers/s, seconds, the ratio to raw signing (goal: at
 * least 50%), the time of the activation transaction and the peak RSS.
 *
 * Usage: bench_issue [COUNT] [FORMATS]   e.g. bench_issue 100000
 *                                        bench_issue 10000 pdf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "db.h"
#include "home.h"
#include "issuance.h"
#include "keys.h"
#include "registry.h"

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench_die(const char *what, const struct error *e)
{
	fprintf(stderr, "bench_issue: %s: %s\n", what, e != NULL ? e->message : "failed");
	exit(1);
}

/* Raw Ed25519 signatures per second on one core, over about secs seconds. */
static double
bench_raw_sign(double secs)
{
	unsigned char pk[32], sk[64], msg[47], sig[64];
	double start = bench_now(), t;
	long n = 0;

	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	do {
		for (int i = 0; i < 1000; i++, n++) {
			msg[0] = (unsigned char)n;
			crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
		}
		t = bench_now() - start;
	} while (t < secs);
	sodium_memzero(sk, sizeof(sk));
	return (double)n / t;
}

struct bench_setup {
	struct funder funder;
	struct campaign campaign;
	int64_t funder_id, campaign_id, count, now;
};

static int
bench_setup_work(struct db *db, void *ctx, struct error *e)
{
	struct bench_setup *s = ctx;
	int64_t value = 100;

	if (registry_funder_add(db, &s->funder, s->now, &s->funder_id, e) != 0 ||
	    registry_funder_fund(db, s->funder_id, FUND_ORDER, s->count * value, "BENCH-1", s->now,
	    NULL, e) != 0)
		return -1;
	s->campaign.funder_id = s->funder_id;
	s->campaign.value_cents = value;
	return registry_campaign_create(db, &s->campaign, s->now, &s->campaign_id, e);
}

int
main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000000;
	const char *formats = argc > 2 ? argv[2] : "csv";
	char dir[] = "/tmp/bench-issue.XXXXXX", home_dir[64], out[64], cmd[128];
	struct operator_info op = { .name = "Bench", .siren = "", .iban = "", .bic = "",
	    .origin = "bench.example/ledger" };
	struct bench_setup s = { .count = count, .now = time(NULL) };
	struct issuance_request r = { .booklet_size = 10 };
	struct issuance_result res;
	struct home home = { 0 };
	struct rusage ru;
	struct error e;
	double raw_before, raw_after, raw, t0, secs;

	if (sodium_init() < 0 || count < 1 || count > ISSUANCE_MAX_COUNT)
		bench_die("usage: bench_issue [COUNT 1..10000000] [FORMATS]", NULL);
	if (mkdtemp(dir) == NULL)
		bench_die("mkdtemp", NULL);
	snprintf(home_dir, sizeof(home_dir), "%s/home", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	mkdir(out, 0700);
	if (home_create(&home, home_dir, &op, s.now, &e) != 0)
		bench_die("home_create", &e);
	snprintf(s.funder.name, sizeof(s.funder.name), "Bench funder");
	snprintf(s.funder.public_name, sizeof(s.funder.public_name), "Bench funder");
	snprintf(s.campaign.name, sizeof(s.campaign.name), "Bench campaign");
	s.campaign.last_day = (int32_t)(s.now / 86400) + 365;
	s.campaign.tolerance_days = 30;
	if (db_write(home.db, DB_BUSY_DEFAULT, bench_setup_work, &s, &e) != 0)
		bench_die("setup", &e);
	r.campaign_id = s.campaign_id;
	r.count = count;
	r.out_dir = out;
	if (issuance_formats_parse(formats, &r.formats, &e) != 0)
		bench_die("formats", &e);

	raw_before = bench_raw_sign(2.0);
	t0 = bench_now();
	if (issuance_batch_issue(home.db, home.dir, &r, s.now, &res, &e) != 0)
		bench_die("batch issue", &e);
	secs = bench_now() - t0;
	raw_after = bench_raw_sign(2.0);
	raw = (raw_before + raw_after) / 2;
	getrusage(RUSAGE_SELF, &ru);

	printf("batch issue (%s): %ld vouchers in %.2f s = %.0f vouchers/s\n", formats, count, secs,
	    (double)count / secs);
	printf("raw crypto_sign_detached (47 B, one core): %.0f /s (before %.0f, after %.0f)\n", raw,
	    raw_before, raw_after);
	printf("ratio to raw signing: %.0f%% (goal >= 50%%)\n", 100.0 * (double)count / secs / raw);
	printf("peak RSS: %ld KiB\n", ru.ru_maxrss);
	home_close(&home);
	snprintf(cmd, sizeof(cmd), "du -sh %s/out %s/home | tr '\\n' ' '; echo; rm -rf %s", dir, dir,
	    dir);
	return system(cmd) == 0 ? 0 : 1;
}
