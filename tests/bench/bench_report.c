/* Report benchmark (issue 12): `passnum report funder 1 --period 2026` over
 * a home with N vouchers of which half are redeemed (goal: ≤ 2 s at
 * 1,000,000 vouchers and 500,000 redemptions, HTML and JSON, memory
 * independent of the number of vouchers: the same run at a tenth of the
 * size beside it), each run as the real CLI in a child process, its wall
 * time, CPU and peak RSS measured.
 *
 * The home is made with the real CLI (init, a funder and its order, a
 * service, three places in two départements, two distributors, a
 * campaign), then filled through lib/ as issuance, hand-outs and
 * redemptions would leave it: one active batch of N vouchers in booklets
 * of 10, each booklet delivered to one of the distributors and handed out
 * on a day of 2026, the even vouchers redeemed (one pass a redemption) at
 * one of the places within 30 days of the hand-out. The ledger is not
 * filled (the funder report does not read it). `report all` over 3,000
 * payees is not measured here yet.
 *
 *   bench_report --passnum PATH [N]   default 1000000
 * Lines starting with RESULT are for tests/bench/run-all.sh's table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "db.h"

/* The year reported: 2026 (a Release build has no test clock), filled up to
 * 25 November so that the whole of it is in the past. */
#define YEAR "2026"
#define DAY_0 20454             /* 2026-01-01, days since 1970-01-01 */
#define AT_0 1767225600LL       /* 2026-01-01T00:00:00Z */

static const char *passnum;
static double last_cpu;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, const struct error *e)
{
	fprintf(stderr, "bench_report: %s: %s\n", what, e != NULL ? e->message : "failed");
	exit(1);
}

/* Runs passnum with args (NULL-ended), its output to /dev/null; returns its
 * wall time, its peak RSS in *rss_kib, its CPU in last_cpu. */
static double
run(long *rss_kib, const char *const args[])
{
	struct rusage ru;
	double t0;
	int status;
	pid_t pid;

	fflush(stdout);
	t0 = now_seconds();
	if ((pid = fork()) < 0)
		die("fork", NULL);
	if (pid == 0) {
		const char *argv[32] = { passnum };
		size_t n = 1;

		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		for (; args[n - 1] != NULL && n < 31; n++)
			argv[n] = args[n - 1];
		argv[n] = NULL;
		execv(passnum, (char *const *)argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_report: passnum %s %s failed\n", args[2], args[3]);
		exit(1);
	}
	if (rss_kib != NULL)
		*rss_kib = ru.ru_maxrss;
	last_cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return now_seconds() - t0;
}

struct fill {
	int64_t vouchers, next, redeemed;
};

static int
fill_vouchers(struct db *db, void *ctx, struct error *e)
{
	struct fill *f = ctx;
	int64_t end = f->next + 100000 < f->vouchers ? f->next + 100000 : f->vouchers;

	if (f->next == 0 && db_run(db, "INSERT INTO batches (id, campaign_id, count, booklet_size,"
	    " issuer_key, status, created_at, activated_at) VALUES (1, 1, ?1, 10, 1, 'active', ?2,"
	    " ?2)", DB_ARGS(DB_INT(f->vouchers), DB_INT(AT_0)), e) != 0)
		return -1;
	for (int64_t i = f->next; i < end; i++) {
		int64_t booklet = i / 10 + 1, hday = DAY_0 + booklet % 300;
		uint8_t serial[12], token[93];

		randombytes_buf(serial, sizeof(serial));
		randombytes_buf(token, sizeof(token));
		token[0] = 1;
		if (i % 10 == 0 && (db_run(db, "INSERT INTO booklets (id, batch_id, size, distributor_id,"
		    " status, delivered_at) VALUES (?1, 1, 10, ?2, 'handed-out', ?3)",
		    DB_ARGS(DB_INT(booklet), DB_INT(1 + booklet % 2), DB_INT(AT_0)), e) != 0 ||
		    db_run(db, "INSERT INTO handouts (booklet_id, distributor_id, day, created_at)"
		    " VALUES (?1, ?2, ?3, ?4)", DB_ARGS(DB_INT(booklet), DB_INT(1 + booklet % 2),
		    DB_INT(hday), DB_INT(hday * 86400 + 3600)), e) != 0))
			return -1;
		if (db_run(db, "INSERT INTO vouchers (serial, token, campaign_id, batch_id, booklet_id,"
		    " position, value_cents, last_day, status, issued_at, changed_at) VALUES (?1, ?2, 1,"
		    " 1, ?3, ?4, 10, 47481, ?5, ?6, ?7)", DB_ARGS(DB_BLOB(serial, 12),
		    DB_BLOB(token, 93), DB_INT(booklet), DB_INT(i % 10 + 1),
		    DB_TEXT(i % 2 == 0 ? "redeemed" : "issued"), DB_INT(AT_0),
		    i % 2 == 0 ? DB_INT((hday + i % 30) * 86400 + 36000) : DB_NULL), e) != 0)
			return -1;
		if (i % 2 != 0)
			continue;
		f->redeemed++;
		if (db_run(db, "INSERT INTO redemptions (id, place_id, service_id, created_at, day,"
		    " value_cents, entry_seq, idempotency_key, request_hash, response) VALUES (?1, ?2,"
		    " 1, ?3, ?4, 10, (SELECT min(seq) FROM entries), ?5, zeroblob(32), '{}')",
		    DB_ARGS(DB_INT(f->redeemed), DB_INT(1 + i % 3), DB_INT((hday + i % 30) * 86400 + 36000),
		    DB_INT(hday + i % 30), DB_INT(i)), e) != 0 ||
		    db_run(db, "INSERT INTO redemption_vouchers (redemption_id, serial) VALUES (?1, ?2)",
		    DB_ARGS(DB_INT(f->redeemed), DB_BLOB(serial, 12)), e) != 0)
			return -1;
	}
	f->next = end;
	return 0;
}

static void
prepare(const char *home, int64_t n)
{
	char db_path[4300], order[32];
	struct fill f = { .vouchers = n };
	struct db *db;
	struct error e;

	snprintf(order, sizeof(order), "%lld", (long long)(n / 10 + 1000));
	run(NULL, (const char *[]){ "--home", home, "init", "--origin", "report.example/ledger",
	    NULL });
	run(NULL, (const char *[]){ "--home", home, "funder", "add", "Département", NULL });
	run(NULL, (const char *[]){ "--home", home, "funder", "order", "1", order, "--ref", "BC-1",
	    NULL });
	run(NULL, (const char *[]){ "--home", home, "service", "add", "atelier", "Atelier", NULL });
	run(NULL, (const char *[]){ "--home", home, "place", "add", "EPN Montreuil", "--siret",
	    "12345678200002", "--commune", "93048", "--iban", "FR7630006000011234567890189",
	    "--type", "epn", "--services", "atelier", NULL });
	run(NULL, (const char *[]){ "--home", home, "place", "add", "EPN Saint-Denis", "--siret",
	    "12345678200002", "--commune", "93066", "--type", "epn", "--services", "atelier",
	    NULL });
	run(NULL, (const char *[]){ "--home", home, "place", "add", "Médiathèque Lyon", "--siret",
	    "12345678200028", "--commune", "69123", "--iban", "FR1420041010050500013M02606",
	    "--type", "mediatheque", "--services", "atelier", NULL });
	run(NULL, (const char *[]){ "--home", home, "distributor", "add", "CCAS", NULL });
	run(NULL, (const char *[]){ "--home", home, "distributor", "add", "Mission locale", NULL });
	run(NULL, (const char *[]){ "--home", home, "campaign", "create", "--funder", "1",
	    "--name", "C", "--value", "0.10", "--last-day", "2099-12-31", NULL });
	snprintf(db_path, sizeof(db_path), "%s/passnum.db", home);
	if (db_open(&db, db_path, DB_OPEN_EXISTING, &e) != 0)
		die("open", &e);
	while (f.next < n)
		if (db_write(db, DB_BUSY_DEFAULT, fill_vouchers, &f, &e) != 0)
			die("vouchers", &e);
	db_close(db);
}

struct measure {
	double json_s, html_s, json_cpu, html_cpu;
	long json_kib, html_kib;
};

static void
measure(const char *work, const char *tag, int64_t n, struct measure *r)
{
	char home[4200], out[4300];

	snprintf(home, sizeof(home), "%s/%s", work, tag);
	fprintf(stderr, "bench_report: preparing %lld vouchers, %lld redemptions\n", (long long)n,
	    (long long)(n + 1) / 2);
	prepare(home, n);
	snprintf(out, sizeof(out), "%s/%s.json", work, tag);
	r->json_s = run(&r->json_kib, (const char *[]){ "--home", home, "report", "funder", "1",
	    "--period", YEAR, "--format", "json", "--out", out, NULL });
	r->json_cpu = last_cpu;
	snprintf(out, sizeof(out), "%s/%s.html", work, tag);
	r->html_s = run(&r->html_kib, (const char *[]){ "--home", home, "report", "funder", "1",
	    "--period", YEAR, "--format", "html", "--out", out, NULL });
	r->html_cpu = last_cpu;
	printf("%lld vouchers, %lld redemptions: funder report JSON %.2f s (CPU %.2f s, peak RSS"
	    " %.1f MiB), HTML %.2f s (CPU %.2f s, peak RSS %.1f MiB)\n", (long long)n,
	    (long long)(n + 1) / 2, r->json_s, r->json_cpu, r->json_kib / 1024.0, r->html_s,
	    r->html_cpu, r->html_kib / 1024.0);
}

int
main(int argc, char **argv)
{
	int64_t n = 1000000;
	char work[] = "/tmp/passnum-bench-report.XXXXXX", cmd[200];
	struct measure small, big;
	int i = 1;

	if (argc >= 3 && strcmp(argv[1], "--passnum") == 0) {
		passnum = argv[2];
		i = 3;
	}
	if (passnum == NULL) {
		fprintf(stderr, "usage: bench_report --passnum PATH [VOUCHERS]\n");
		return 2;
	}
	if (argc > i)
		n = atoll(argv[i]);
	if (n < 100 || sodium_init() < 0 || mkdtemp(work) == NULL)
		return 2;
	printf("passnum funder report benchmark (%lld vouchers, half redeemed; and a tenth)\n",
	    (long long)n);
	measure(work, "small", n / 10, &small);
	measure(work, "big", n, &big);
	printf("RESULT\treport-funder\t`report funder --period " YEAR "`, %lld vouchers, %lld"
	    " redemptions\tJSON %.2f s (CPU %.2f s), HTML %.2f s (CPU %.2f s), peak RSS %.1f MiB"
	    " (%.1f MiB at a tenth)\t—\t≤ 2 s, memory independent of size\t%s\n", (long long)n,
	    (long long)(n + 1) / 2, big.json_s, big.json_cpu, big.html_s, big.html_cpu,
	    big.html_kib / 1024.0, small.html_kib / 1024.0, big.json_s <= 2 && big.html_s <= 2 &&
	    big.html_kib < small.html_kib * 2 + 8192 ? "yes" : "**no**");
	if (getenv("BENCH_KEEP") != NULL) {
		fprintf(stderr, "bench_report: left %s\n", work);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
	return system(cmd) == 0 ? 0 : 1;
}
