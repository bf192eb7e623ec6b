/* Takeover benchmark (issue 17): `passnum export scheme` and `passnum
 * takeover` of a home with N vouchers and a ledger of M entries, each run as
 * the real CLI in a child process, its wall time and peak RSS measured (goal:
 * ≤ 60 s each at 1,000,000 vouchers and 1,000,000 entries, memory
 * independent of size: the same run at a tenth of the size beside it).
 *
 * The old home is made with the real CLI (init, a funder and its order, a
 * place, a campaign), then filled through lib/ as issuance would leave it:
 * one active batch of N issued vouchers (random serials and token bytes:
 * the export hashes them, nothing verifies their signature), its "issue"
 * entry, a tenth of them revoked with their "revoke" entry, and bank lines
 * up to M entries; then a signed checkpoint. `passnum ledger verify` passes
 * on it, so the export is one a real home would write.
 *
 *   bench_takeover --passnum PATH [N [M]]   defaults 1000000 1000000
 * Lines starting with RESULT are for tests/bench/run-all.sh's table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>
#include "child_run.h"
#include "db.h"
#include "ledger.h"

static const char *passnum;

static void
die(const char *what, const struct error *e)
{
	fprintf(stderr, "bench_takeover: %s: %s\n", what, e != NULL ? e->message : "failed");
	exit(1);
}

/* CPU seconds (user + system) of the last run: on a shared, loaded machine
 * the wall time mostly measures the others. */
static double last_cpu;

/* Runs passnum with args (NULL-ended), output to /dev/null unless out;
 * returns its wall time, its peak RSS in *rss_kib. */
static double
run(long *rss_kib, const char *out, const char *const args[])
{
	struct child_run r;

	child_run("bench_takeover", passnum, out, args, &r);
	if (rss_kib != NULL)
		*rss_kib = r.rss_kib;
	last_cpu = r.cpu;
	return r.wall;
}

struct fill {
	int64_t vouchers, entries, next, revoked;
	struct merkle_state cache;
};

static int
fill_vouchers(struct db *db, void *ctx, struct error *e)
{
	struct fill *f = ctx;
	int64_t end = f->next + 100000 < f->vouchers ? f->next + 100000 : f->vouchers;

	if (f->next == 0 && (db_run(db, "INSERT INTO batches (id, campaign_id, count, booklet_size,"
	    " issuer_key, status, created_at, activated_at) VALUES (1, 1, ?1, 10, 1, 'active',"
	    " 1800000000, 1800000000)", DB_ARGS(DB_INT(f->vouchers)), e) != 0))
		return -1;
	for (int64_t i = f->next; i < end; i++) {
		uint8_t serial[12], token[93];
		randombytes_buf(serial, sizeof(serial));
		randombytes_buf(token, sizeof(token));
		token[0] = 1;
		if (i % 10 == 0 && db_run(db, "INSERT INTO booklets (id, batch_id, size, status)"
		    " VALUES (?1, 1, 10, 'stock')", DB_ARGS(DB_INT(i / 10 + 1)), e) != 0)
			return -1;
		if (db_run(db, "INSERT INTO vouchers (serial, token, campaign_id, batch_id, booklet_id,"
		    " position, value_cents, last_day, status, issued_at) VALUES (?1, ?2, 1, 1, ?3, ?4,"
		    " 10, 47481, ?5, 1800000000)", DB_ARGS(DB_BLOB(serial, 12), DB_BLOB(token, 93),
		    DB_INT(i / 10 + 1), DB_INT(i % 10 + 1), DB_TEXT(i % 10 == 9 ? "revoked" : "issued")),
		    e) != 0)
			return -1;
		if (i % 10 == 9)
			f->revoked++;
	}
	f->next = end;
	return 0;
}

static int
fill_entries(struct db *db, void *ctx, struct error *e)
{
	struct fill *f = ctx;
	struct ledger_entry entry;
	uint64_t size;

	if (ledger_size(db, &size, e) != 0)
		return -1;
	if (size == 1) { /* after the funder's order: the issue and the revocation */
		memset(&entry, 0, sizeof(entry));
		entry.time = 1800000000;
		strcpy(entry.kind, "issue");
		strcpy(entry.reference, "batch:1");
		if (ledger_post(&entry, ACCOUNT_FUNDER_BALANCE, 1, 10 * f->vouchers, e) != 0 ||
		    ledger_post(&entry, ACCOUNT_OUTSTANDING, 1, -10 * f->vouchers, e) != 0 ||
		    ledger_append(db, &entry, &f->cache, e) != 0)
			return -1;
		memset(&entry, 0, sizeof(entry));
		entry.time = 1800000001;
		strcpy(entry.kind, "revoke");
		strcpy(entry.reference, "booklets");
		if (ledger_post(&entry, ACCOUNT_OUTSTANDING, 1, 10 * f->revoked, e) != 0 ||
		    ledger_post(&entry, ACCOUNT_FUNDER_BALANCE, 1, -10 * f->revoked, e) != 0 ||
		    ledger_append(db, &entry, &f->cache, e) != 0)
			return -1;
		size += 2;
	}
	for (int i = 0; i < 10000 && (int64_t)size < f->entries; i++, size++) {
		memset(&entry, 0, sizeof(entry));
		entry.time = 1800000002 + (int64_t)size;
		strcpy(entry.kind, "bank-line");
		snprintf(entry.reference, sizeof(entry.reference), "VIR-%llu", (unsigned long long)size);
		if (ledger_post(&entry, ACCOUNT_BANK, 0, 1000 + (int64_t)size % 100, e) != 0 ||
		    ledger_post(&entry, ACCOUNT_SUSPENSE, 0, -(1000 + (int64_t)size % 100), e) != 0 ||
		    ledger_append(db, &entry, &f->cache, e) != 0)
			return -1;
	}
	return 0;
}

/* Makes the old home HOME with n vouchers and m entries. */
static void
prepare(const char *home, int64_t n, int64_t m)
{
	char db_path[4300], order[32];
	struct fill f = { .vouchers = n, .entries = m };
	struct db *db;
	struct error e;
	uint64_t size = 0;

	snprintf(order, sizeof(order), "%lld", (long long)(n * 10 / 100 + 1000));
	run(NULL, NULL, (const char *[]){ "--home", home, "init", "--origin",
	    "old.example/ledger", NULL });
	run(NULL, NULL, (const char *[]){ "--home", home, "funder", "add", "Département", NULL });
	run(NULL, NULL, (const char *[]){ "--home", home, "funder", "order", "1", order, "--ref",
	    "BC-1", NULL });
	run(NULL, NULL, (const char *[]){ "--home", home, "service", "add", "atelier", "Atelier",
	    NULL });
	run(NULL, NULL, (const char *[]){ "--home", home, "place", "add", "EPN", "--siret",
	    "12345678200002", "--commune", "93048", "--iban", "FR7630006000011234567890189",
	    "--type", "epn", "--services", "atelier", NULL });
	run(NULL, NULL, (const char *[]){ "--home", home, "campaign", "create", "--funder", "1",
	    "--name", "C", "--value", "0.10", "--last-day", "2099-12-31", NULL });
	snprintf(db_path, sizeof(db_path), "%s/passnum.db", home);
	if (db_open(&db, db_path, DB_OPEN_EXISTING, &e) != 0)
		die("open", &e);
	merkle_state_init(&f.cache);
	while (f.next < n)
		if (db_write(db, DB_BUSY_DEFAULT, fill_vouchers, &f, &e) != 0)
			die("vouchers", &e);
	do {
		if (db_write(db, DB_BUSY_DEFAULT, fill_entries, &f, &e) != 0)
			die("entries", &e);
		if (ledger_size(db, &size, &e) != 0)
			die("size", &e);
	} while ((int64_t)size < m);
	db_close(db);
	run(NULL, NULL, (const char *[]){ "--home", home, "ledger", "checkpoint", NULL });
}

struct measure {
	double export_s, takeover_s, verify_s, export_cpu, takeover_cpu;
	long export_kib, takeover_kib;
};

static void
measure(const char *work, const char *tag, int64_t n, int64_t m, struct measure *r)
{
	char old[4200], exp[4200], new_home[4200];
	json_error_t je;
	json_t *keys;
	const char *vkey;
	char path[4300];

	snprintf(old, sizeof(old), "%s/%s-old", work, tag);
	snprintf(exp, sizeof(exp), "%s/%s-export", work, tag);
	snprintf(new_home, sizeof(new_home), "%s/%s-new", work, tag);
	fprintf(stderr, "bench_takeover: preparing %lld vouchers, %lld entries\n", (long long)n,
	    (long long)m);
	prepare(old, n, m);
	r->export_s = run(&r->export_kib, NULL, (const char *[]){ "--home", old, "export", "scheme",
	    "--out", exp, NULL });
	r->export_cpu = last_cpu;
	snprintf(path, sizeof(path), "%s/keys.json", exp);
	if ((keys = json_load_file(path, 0, &je)) == NULL ||
	    (vkey = json_string_value(json_object_get(json_array_get(json_object_get(keys,
	    "ledger_keys"), 0), "vkey"))) == NULL)
		die("keys.json", NULL);
	run(NULL, NULL, (const char *[]){ "--home", new_home, "init", "--origin",
	    "new.example/ledger", NULL });
	r->takeover_s = run(&r->takeover_kib, NULL, (const char *[]){ "--home", new_home,
	    "takeover", exp, "--old-ledger-key", vkey, NULL });
	r->takeover_cpu = last_cpu;
	r->verify_s = run(NULL, NULL, (const char *[]){ "--home", new_home, "ledger", "verify",
	    NULL });
	json_decref(keys);
	printf("%lld vouchers, %lld entries: export scheme %.1f s (CPU %.1f s, peak RSS %.1f MiB),"
	    " takeover %.1f s (CPU %.1f s, peak RSS %.1f MiB), then ledger verify of the new home"
	    " %.1f s\n", (long long)n, (long long)m, r->export_s, r->export_cpu,
	    r->export_kib / 1024.0, r->takeover_s, r->takeover_cpu, r->takeover_kib / 1024.0,
	    r->verify_s);
}

int
main(int argc, char **argv)
{
	int64_t n = 1000000, m = 1000000;
	char work[] = "/tmp/passnum-bench-takeover.XXXXXX", cmd[200];
	struct measure small, big;
	int i = 1;

	if (argc >= 3 && strcmp(argv[1], "--passnum") == 0) {
		passnum = argv[2];
		i = 3;
	}
	if (passnum == NULL) {
		fprintf(stderr, "usage: bench_takeover --passnum PATH [VOUCHERS [ENTRIES]]\n");
		return 2;
	}
	if (argc > i)
		n = atoll(argv[i]);
	if (argc > i + 1)
		m = atoll(argv[i + 1]);
	if (n < 10 || m < 10 || sodium_init() < 0 || mkdtemp(work) == NULL)
		return 2;
	printf("passnum takeover benchmark (%lld vouchers, %lld entries; and a tenth)\n",
	    (long long)n, (long long)m);
	measure(work, "small", n / 10, m / 10, &small);
	measure(work, "big", n, m, &big);
	printf("RESULT\texport-scheme\t`export scheme`, %lld vouchers, %lld entries\t%.1f s (CPU %.1f s),"
	    " peak RSS %.1f MiB (%.1f MiB at a tenth)\t—\t≤ 60 s, memory independent of size\t%s\n",
	    (long long)n, (long long)m, big.export_s, big.export_cpu, big.export_kib / 1024.0,
	    small.export_kib / 1024.0, big.export_s <= 60 &&
	    big.export_kib < small.export_kib * 2 + 8192 ? "yes" : "**no**");
	printf("RESULT\ttakeover\t`takeover`, %lld vouchers, %lld entries\t%.1f s (CPU %.1f s), peak"
	    " RSS %.1f MiB (%.1f MiB at a tenth)\t—\t≤ 60 s, memory independent of size\t%s\n",
	    (long long)n, (long long)m, big.takeover_s, big.takeover_cpu, big.takeover_kib / 1024.0,
	    small.takeover_kib / 1024.0, big.takeover_s <= 60 &&
	    big.takeover_kib < small.takeover_kib * 2 + 8192 ? "yes" : "**no**");
	if (getenv("BENCH_KEEP") != NULL) {
		fprintf(stderr, "bench_takeover: left %s\n", work);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
	return system(cmd) == 0 ? 0 : 1;
}
