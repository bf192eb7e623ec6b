/* Report benchmark (issue 12): `passnum report funder 1 --period 2026` over
 * a home with N vouchers of which half are redeemed (goal: ≤ 2 s at
 * 1,000,000 vouchers and 500,000 redemptions, HTML and JSON, memory
 * independent of the number of vouchers: the same run at a tenth of the
 * size beside it), and `passnum report all --period 2026-10` over a home
 * of N vouchers whose redemptions are spread over 3,000 payees (goal:
 * ≤ 30 s); each run as the real CLI in a child process, its wall time, CPU
 * and peak RSS measured (tests/bench/child_run.c).
 *
 * A home is made with the real CLI (init, a funder and its order, a
 * service, three places in two départements, two distributors, a
 * campaign), more places (each its own payee, a copy of one of the three)
 * through lib/db for `report all`, then filled through lib/ as issuance,
 * hand-outs and redemptions would leave it: one active batch of N vouchers
 * in booklets of 10, each booklet delivered to one of the distributors and
 * handed out on a day of 2026, the even vouchers redeemed (one pass a
 * redemption) at one of the places within 30 days of the hand-out. As
 * passnumd leaves them, redemptions are numbered in the order of their
 * days (not of the vouchers), each stores a 201 answer of a real one's
 * size (about 560 bytes), and a redeemed voucher points to its redemption.
 * The ledger is not filled (the reports do not read it).
 *
 *   bench_report --passnum PATH [N [PAYEES]]   defaults 1000000 3000
 * Lines starting with RESULT are for tests/bench/run-all.sh's table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "child_run.h"
#include "db.h"

/* The year reported: 2026 (a Release build has no test clock), filled up to
 * 25 November so that the whole of it is in the past. */
#define YEAR "2026"
#define MONTH "2026-10"       /* report all: a whole month, every payee with redemptions */
#define DAY_0 20454             /* 2026-01-01, days since 1970-01-01 */
#define AT_0 1767225600LL       /* 2026-01-01T00:00:00Z */

static const char *passnum;
static double last_cpu;

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
	struct child_run r;

	child_run("bench_report", passnum, NULL, args, &r);
	if (rss_kib != NULL)
		*rss_kib = r.rss_kib;
	last_cpu = r.cpu;
	return r.wall;
}

struct fill {
	int64_t vouchers, places, next, redeemed;
	uint8_t (*serial)[12];   /* per voucher */
	int64_t *redemption_of;  /* per voucher: its redemption (0: none) */
	int64_t *voucher_of;     /* per redemption (from 1): its voucher */
	char response[600];
};

/* Booklet, hand-out day, and (even vouchers) redemption day of voucher i. */
#define BOOKLET(i) ((i) / 10 + 1)
#define HANDOUT_DAY(i) (DAY_0 + BOOKLET(i) % 300)
#define REDEEM_DAY(i) (HANDOUT_DAY(i) + (i) % 30)

/* Numbers the redemptions in the order of their days (then of vouchers). */
static int
fill_plan(struct fill *f)
{
	int64_t start[400] = { 0 }, n = f->vouchers;

	f->serial = malloc((size_t)n * sizeof(*f->serial));
	f->redemption_of = calloc((size_t)n, sizeof(int64_t));
	f->voucher_of = calloc((size_t)n / 2 + 2, sizeof(int64_t));
	if (f->serial == NULL || f->redemption_of == NULL || f->voucher_of == NULL)
		return -1;
	randombytes_buf(f->serial, (size_t)n * sizeof(*f->serial));
	for (int64_t i = 0; i < n; i += 2)
		start[REDEEM_DAY(i) - DAY_0 + 1]++;
	for (int d = 1; d < 400; d++)
		start[d] += start[d - 1];
	for (int64_t i = 0; i < n; i += 2) {
		int64_t id = ++start[REDEEM_DAY(i) - DAY_0];

		f->redemption_of[i] = id;
		f->voucher_of[id] = i;
	}
	/* a stored answer the size of a real one: ids, service, day, value, the
	 * serial, the request hash, the receipt (sequence, hash, signature) */
	memset(f->response, 'x', 560);
	f->response[560] = '\0';
	return 0;
}

/* Redemptions f->next + 1 .. in id order (day order), 100,000 a call. */
static int
fill_redemptions(struct db *db, void *ctx, struct error *e)
{
	struct fill *f = ctx;
	int64_t count = f->vouchers / 2 + f->vouchers % 2;
	int64_t end = f->next + 100000 < count ? f->next + 100000 : count;

	for (int64_t id = f->next + 1; id <= end; id++) {
		int64_t i = f->voucher_of[id], day = REDEEM_DAY(i);

		if (db_run(db, "INSERT INTO redemptions (id, place_id, service_id, created_at, day,"
		    " value_cents, entry_seq, idempotency_key, request_hash, response) VALUES (?1, ?2,"
		    " 1, ?3, ?4, 10, (SELECT min(seq) FROM entries), ?5, zeroblob(32), ?6)",
		    DB_ARGS(DB_INT(id), DB_INT(1 + i / 2 % f->places), DB_INT(day * 86400 + 36000),
		    DB_INT(day), DB_INT(i), DB_TEXT(f->response)), e) != 0)
			return -1;
	}
	f->next = end;
	return 0;
}

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
		int64_t booklet = BOOKLET(i), hday = HANDOUT_DAY(i), rid = f->redemption_of[i];
		uint8_t token[93];

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
		    " position, value_cents, last_day, status, issued_at, redemption_id, changed_at)"
		    " VALUES (?1, ?2, 1, 1, ?3, ?4, 10, 47481, ?5, ?6, ?7, ?8)",
		    DB_ARGS(DB_BLOB(f->serial[i], 12), DB_BLOB(token, 93), DB_INT(booklet),
		    DB_INT(i % 10 + 1), DB_TEXT(rid != 0 ? "redeemed" : "issued"), DB_INT(AT_0),
		    rid != 0 ? DB_INT(rid) : DB_NULL,
		    rid != 0 ? DB_INT(REDEEM_DAY(i) * 86400 + 36000) : DB_NULL), e) != 0)
			return -1;
		if (rid != 0 && db_run(db, "INSERT INTO redemption_vouchers (redemption_id, serial)"
		    " VALUES (?1, ?2)", DB_ARGS(DB_INT(rid), DB_BLOB(f->serial[i], 12)), e) != 0)
			return -1;
	}
	f->next = end;
	return 0;
}

/* Places 4 .. f->places, each with its own payee (SIRET), copies of 1-3. */
static int
fill_places(struct db *db, void *ctx, struct error *e)
{
	struct fill *f = ctx;

	for (int64_t k = 4; k <= f->places; k++) {
		char siret[24];

		snprintf(siret, sizeof(siret), "9%013lld", (long long)k);
		if (db_run(db, "INSERT INTO payees (siret, name, iban, created_at) VALUES (?1, ?2,"
		    " 'FR7630006000011234567890189', ?3)", DB_ARGS(DB_TEXT(siret), DB_TEXT(siret),
		    DB_INT(AT_0)), e) != 0 ||
		    db_run(db, "INSERT INTO places (id, name, payee_id, commune, department, region,"
		    " epci, time_zone, type, label, created_at) SELECT ?1, 'Lieu ' || ?1, ?2, commune,"
		    " department, region, epci, time_zone, type, label, created_at FROM places"
		    " WHERE id = ?3", DB_ARGS(DB_INT(k), DB_INT(db_last_rowid(db)),
		    DB_INT(1 + k % 3)), e) != 0)
			return -1;
	}
	return 0;
}

static void
prepare(const char *home, int64_t n, int64_t places)
{
	char db_path[4300], order[32];
	struct fill f = { .vouchers = n, .places = places };
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
	if (fill_plan(&f) != 0)
		die("plan", NULL);
	if (places > 3 && db_write(db, DB_BUSY_DEFAULT, fill_places, &f, &e) != 0)
		die("places", &e);
	while (f.next < n / 2 + n % 2)
		if (db_write(db, DB_BUSY_DEFAULT, fill_redemptions, &f, &e) != 0)
			die("redemptions", &e);
	f.next = 0;
	while (f.next < n)
		if (db_write(db, DB_BUSY_DEFAULT, fill_vouchers, &f, &e) != 0)
			die("vouchers", &e);
	db_close(db);
	free(f.serial);
	free(f.redemption_of);
	free(f.voucher_of);
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
	prepare(home, n, 3);
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

/* `report all` over a home of n vouchers whose redemptions are spread over
 * payees payees (one place each). */
static void
measure_all(const char *work, int64_t n, int64_t payees, struct child_run *r)
{
	char home[4200], out[4300];

	snprintf(home, sizeof(home), "%s/all", work);
	snprintf(out, sizeof(out), "%s/all-reports", work);
	fprintf(stderr, "bench_report: preparing %lld vouchers, %lld redemptions, %lld payees\n",
	    (long long)n, (long long)(n + 1) / 2, (long long)payees);
	prepare(home, n, payees + 1); /* places 1 and 2 share a payee */
	r->wall = run(&r->rss_kib, (const char *[]){ "--home", home, "report", "all", "--period",
	    MONTH, "--out", out, NULL });
	r->cpu = last_cpu;
	printf("%lld vouchers, %lld redemptions, %lld payees: report all --period " MONTH " %.2f s"
	    " (CPU %.2f s, peak RSS %.1f MiB)\n", (long long)n, (long long)(n + 1) / 2,
	    (long long)payees, r->wall, r->cpu, r->rss_kib / 1024.0);
}

int
main(int argc, char **argv)
{
	int64_t n = 1000000, payees = 3000;
	char work[] = "/tmp/passnum-bench-report.XXXXXX", cmd[200];
	struct measure small, big;
	struct child_run all;
	int i = 1;

	if (argc >= 3 && strcmp(argv[1], "--passnum") == 0) {
		passnum = argv[2];
		i = 3;
	}
	if (passnum == NULL) {
		fprintf(stderr, "usage: bench_report --passnum PATH [VOUCHERS [PAYEES]]\n");
		return 2;
	}
	if (argc > i)
		n = atoll(argv[i]);
	if (argc > i + 1)
		payees = atoll(argv[i + 1]);
	if (n < 100 || payees < 2 || sodium_init() < 0 || mkdtemp(work) == NULL)
		return 2;
	printf("passnum report benchmark (%lld vouchers, half redeemed; and a tenth; report all"
	    " over %lld payees)\n", (long long)n, (long long)payees);
	measure(work, "small", n / 10, &small);
	measure(work, "big", n, &big);
	measure_all(work, n, payees, &all);
	printf("RESULT\treport-funder\t`report funder --period " YEAR "`, %lld vouchers, %lld"
	    " redemptions\tJSON %.2f s (CPU %.2f s), HTML %.2f s (CPU %.2f s), peak RSS %.1f MiB"
	    " (%.1f MiB at a tenth)\t—\t≤ 2 s, memory independent of size\t%s\n", (long long)n,
	    (long long)(n + 1) / 2, big.json_s, big.json_cpu, big.html_s, big.html_cpu,
	    big.html_kib / 1024.0, small.html_kib / 1024.0, big.json_s <= 2 && big.html_s <= 2 &&
	    big.html_kib < small.html_kib * 2 + 8192 ? "yes" : "**no**");
	printf("RESULT\treport-all\t`report all --period " MONTH "`, %lld payees, %lld vouchers"
	    "\t%.2f s (CPU %.2f s), peak RSS %.1f MiB\t—\t≤ 30 s\t%s\n", (long long)payees,
	    (long long)n, all.wall, all.cpu, all.rss_kib / 1024.0, all.wall <= 30 ? "yes" : "**no**");
	if (getenv("BENCH_KEEP") != NULL) {
		fprintf(stderr, "bench_report: left %s\n", work);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
	return system(cmd) == 0 ? 0 : 1;
}
