/* Ledger benchmark: append rate (one entry per transaction, and batches)
 * beside raw SQLite inserts at the same durability (WAL, synchronous=FULL)
 * measured in the same run; `ledger verify` over N entries beside raw
 * SHA-256 over the same bytes; peak memory of verify and export in fresh
 * processes, for two ledger sizes.
 *
 *   bench_ledger [N]      N entries for the verify part (default 1000000)
 *   bench_ledger verify HOME | export HOME   (internal: one phase, prints its RSS)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>
#include "audit.h"
#include "db.h"
#include "export.h"
#include "home.h"
#include "ledger.h"

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void
die(const char *what, const struct error *e)
{
	fprintf(stderr, "bench_ledger: %s: %s\n", what, e != NULL ? e->message : "failed");
	exit(1);
}

static void
make_entry(struct ledger_entry *entry, int64_t i)
{
	memset(entry, 0, sizeof(*entry));
	entry->time = 1800000000 + i;
	strcpy(entry->kind, "bank-line");
	snprintf(entry->reference, sizeof(entry->reference), "VIR-%lld", (long long)i);
	ledger_post(entry, ACCOUNT_BANK, 0, 1000 + i % 100, NULL);
	ledger_post(entry, ACCOUNT_SUSPENSE, 0, -(1000 + i % 100), NULL);
}

struct batch {
	int64_t first, count;
	struct merkle_state *cache;
};

static int
append_batch(struct db *db, void *ctx, struct error *e)
{
	struct batch *b = ctx;

	for (int64_t i = 0; i < b->count; i++) {
		struct ledger_entry entry;
		make_entry(&entry, b->first + i);
		if (ledger_append(db, &entry, b->cache, e) != 0)
			return -1;
	}
	return 0;
}

static int
open_accounts(struct db *db, void *ctx, struct error *e)
{
	(void)ctx;
	return ledger_account_open(db, ACCOUNT_BANK, 0, NULL, e) ||
	    ledger_account_open(db, ACCOUNT_SUSPENSE, 0, NULL, e);
}

static void
make_home(struct home *home, const char *dir)
{
	struct operator_info op = { .name = "Bench", .siren = "123456789",
	    .origin = "bench.example/ledger" };
	struct error e;

	if (home_create(home, dir, &op, 1800000000, &e) != 0 ||
	    db_write(home->db, DB_BUSY_DEFAULT, open_accounts, NULL, &e) != 0)
		die("home", &e);
}

/* Appends count entries in transactions of per entries; returns seconds. */
static double
append_many(struct home *home, int64_t first, int64_t count, int64_t per)
{
	struct merkle_state cache;
	struct error e;
	double t0 = now_seconds();

	merkle_state_init(&cache);
	cache.size = UINT64_MAX;
	for (int64_t i = 0; i < count; i += per) {
		struct batch b = { first + i, per < count - i ? per : count - i, &cache };
		if (db_write(home->db, DB_BUSY_DEFAULT, append_batch, &b, &e) != 0)
			die("append", &e);
	}
	return now_seconds() - t0;
}

/* Raw SQLite: the same durability, one row of ~150 bytes per "entry". */
static double
raw_inserts(const char *path, int64_t count, int64_t per)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	uint8_t blob[150];
	double t0;

	memset(blob, 7, sizeof(blob));
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("raw open", NULL);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    " CREATE TABLE IF NOT EXISTS t (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)",
	    NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO t (data) VALUES (?1)", -1, &stmt, NULL);
	t0 = now_seconds();
	for (int64_t i = 0; i < count; i += per) {
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		for (int64_t j = 0; j < per && i + j < count; j++) {
			sqlite3_bind_blob(stmt, 1, blob, sizeof(blob), SQLITE_STATIC);
			sqlite3_step(stmt);
			sqlite3_reset(stmt);
		}
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	t0 = now_seconds() - t0;
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return t0;
}

/* Raw SQLite writing the same rows an append writes (one entry, two
 * postings, two balance updates, two Merkle nodes on average) with plain
 * statements: no checks, hashing or tree logic. */
static double
raw_ledger_rows(const char *path, int64_t count, int64_t per)
{
	static const char *const sql[] = {
		"INSERT INTO e (seq, time, kind, ref, memo, hash) VALUES (?1, 1800000000, 'bank-line',"
		" 'VIR-1', '', ?2)",
		"INSERT INTO p (seq, idx, account, amount) VALUES (?1, 0, 1, 1000)",
		"INSERT INTO p (seq, idx, account, amount) VALUES (?1, 1, 2, -1000)",
		"UPDATE a SET balance = balance + 1000 WHERE code = 'bank'",
		"UPDATE a SET balance = balance - 1000 WHERE code = 'suspense'",
		"INSERT INTO n (level, idx, hash) VALUES (0, ?1, ?2)",
		"INSERT INTO n (level, idx, hash) VALUES (1, ?1, ?2)",
	};
	sqlite3_stmt *stmt[7];
	uint8_t hash[32];
	sqlite3 *db;
	double t0;

	memset(hash, 9, sizeof(hash));
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("raw open", NULL);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    " CREATE TABLE e (seq INTEGER PRIMARY KEY, time INTEGER, kind TEXT, ref TEXT, memo TEXT,"
	    " hash BLOB);"
	    " CREATE TABLE p (seq INTEGER, idx INTEGER, account INTEGER, amount INTEGER,"
	    " PRIMARY KEY (seq, idx)) WITHOUT ROWID;"
	    " CREATE TABLE a (id INTEGER PRIMARY KEY, code TEXT UNIQUE, balance INTEGER);"
	    " INSERT INTO a (code, balance) VALUES ('bank', 0), ('suspense', 0);"
	    " CREATE TABLE n (level INTEGER, idx INTEGER, hash BLOB, PRIMARY KEY (level, idx))"
	    " WITHOUT ROWID;", NULL, NULL, NULL);
	for (int i = 0; i < 7; i++)
		sqlite3_prepare_v2(db, sql[i], -1, &stmt[i], NULL);
	t0 = now_seconds();
	for (int64_t i = 0; i < count; i += per) {
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		for (int64_t j = i; j < i + per && j < count; j++)
			for (int k = 0; k < 7; k++) {
				sqlite3_bind_int64(stmt[k], 1, k == 6 ? j / 2 : j);
				sqlite3_bind_blob(stmt[k], 2, hash, sizeof(hash), SQLITE_STATIC);
				if (k == 6 && (j & 1) == 0)
					continue;
				sqlite3_step(stmt[k]);
				sqlite3_reset(stmt[k]);
			}
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	t0 = now_seconds() - t0;
	for (int i = 0; i < 7; i++)
		sqlite3_finalize(stmt[i]);
	sqlite3_close(db);
	return t0;
}

/* Raw SHA-256 over the entries' encodings (what verify must at least hash);
 * with tree, also over the tree's interior nodes (0x01 ‖ left ‖ right, one
 * per entry on average), which verify must recompute too. */
static double
raw_hashing(int64_t count, uint64_t *bytes, int tree)
{
	uint8_t buf[4096], hash[32], node[65] = { 1 }, stack[64][32];
	double t0 = now_seconds();

	*bytes = 0;
	for (int64_t i = 0; i < count; i++) {
		struct ledger_entry entry;
		size_t len;
		make_entry(&entry, i);
		entry.seq = (uint64_t)i;
		ledger_canonicalise(&entry);
		len = ledger_encode(&entry, buf, sizeof(buf));
		crypto_hash_sha256(hash, buf, len);
		*bytes += len;
		/* Fold completed subtrees like a Merkle tree's right edge. */
		for (int64_t n = i, level = 0; tree && (n & 1); n >>= 1, level++) {
			memcpy(node + 1, stack[level], 32);
			memcpy(node + 33, hash, 32);
			crypto_hash_sha256(hash, node, sizeof(node));
			*bytes += sizeof(node);
		}
		if (tree)
			memcpy(stack[__builtin_ctzll((uint64_t)i + 1)], hash, 32);
	}
	return now_seconds() - t0;
}

/* Runs this program as `bench_ledger MODE HOME` and returns its peak RSS. */
static long
child_phase(const char *self, const char *mode, const char *home, double *seconds)
{
	char cmd[4096], line[256];
	long rss = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s %s %s", self, mode, home);
	p = popen(cmd, "r");
	if (p == NULL || fgets(line, sizeof(line), p) == NULL ||
	    sscanf(line, "%ld %lf", &rss, seconds) != 2)
		die(mode, NULL);
	pclose(p);
	return rss;
}

static int
phase(const char *mode, const char *dir)
{
	struct home home;
	struct audit_result r;
	struct error e;
	double t0 = now_seconds();

	if (home_open(&home, dir, &e) != 0)
		die("open", &e);
	if (strcmp(mode, "verify") == 0) {
		int rc = audit_verify(home.db, &r, NULL, NULL, &e);
		if (rc != 0) {
			fprintf(stderr, "bench_ledger: verify: %s\n", rc > 0 ? r.failure : e.message);
			return 1;
		}
	} else {
		struct export_options o = { EXPORT_JSONL, 0, 1 };
		int fd = open("/dev/null", O_WRONLY);
		if (export_write(home.db, &o, fd, &e) != 0)
			die("export", &e);
		close(fd);
	}
	printf("%ld %.3f\n", peak_rss_kib(), now_seconds() - t0);
	home_close(&home);
	return 0;
}

int
main(int argc, char **argv)
{
	char base[] = "/tmp/passnum-bench-ledger.XXXXXX", dir[4200], raw[4200], rows[4200], cmd[4300];
	int64_t n = argc > 1 ? atoll(argv[1]) : 1000000, small = n / 10;
	double t_single, t_raw_single, t_batch, t_raw_batch, t_rows, t_hash, t_tree, t_verify, t_export;
	struct home home;
	uint64_t bytes, tree_bytes;
	long rss_small, rss_big, rss_export;

	if (sodium_init() < 0)
		return 1;
	if (argc == 3)
		return phase(argv[1], argv[2]);
	if (n < 1000)
		n = 1000, small = 100;
	if (mkdtemp(base) == NULL)
		return 1;
	snprintf(raw, sizeof(raw), "%s/raw.db", base);
	snprintf(rows, sizeof(rows), "%s/rows.db", base);
	snprintf(dir, sizeof(dir), "%s/home", base);
	make_home(&home, dir);

	printf("passnum ledger benchmark (%lld entries for verify)\n", (long long)n);
	t_raw_single = raw_inserts(raw, 500, 1);
	t_single = append_many(&home, 0, 500, 1);
	printf("append, 1 entry per transaction:   %8.0f entries/s   raw SQLite insert %8.0f rows/s   ratio %3.0f%%\n",
	    500 / t_single, 500 / t_raw_single, 100 * t_raw_single / t_single);
	t_raw_batch = raw_inserts(raw, 100000, 1000);
	t_batch = append_many(&home, 500, 100000, 1000);
	printf("append, 1000 entries per transaction: %8.0f entries/s   raw SQLite insert %8.0f rows/s   ratio %3.0f%%\n",
	    100000 / t_batch, 100000 / t_raw_batch, 100 * t_raw_batch / t_batch);
	t_rows = raw_ledger_rows(rows, 100000, 1000);
	printf("  beside raw SQLite writing the same rows per entry (1 entry, 2 postings, 2 balance"
	    " updates, ~2 nodes): %8.0f entries/s   ratio %3.0f%%\n", 100000 / t_rows,
	    100 * t_rows / t_batch);

	append_many(&home, 100500, small - 100500 > 0 ? small - 100500 : 0, 10000);
	home_close(&home);
	rss_small = child_phase(argv[0], "verify", dir, &t_verify);
	if (home_open(&home, dir, &(struct error){ 0 }) != 0)
		return 1;
	append_many(&home, small > 100500 ? small : 100500, n - (small > 100500 ? small : 100500), 10000);
	home_close(&home);
	t_hash = raw_hashing(n, &bytes, 0);
	t_tree = raw_hashing(n, &tree_bytes, 1);
	rss_big = child_phase(argv[0], "verify", dir, &t_verify);
	rss_export = child_phase(argv[0], "export", dir, &t_export);
	printf("verify %lld entries: %.2f s = %.0f entries/s; raw SHA-256 of the same %llu bytes: %.2f s = %.0f entries/s; ratio %.0f%%\n",
	    (long long)n, t_verify, n / t_verify, (unsigned long long)bytes, t_hash, n / t_hash,
	    100 * t_hash / t_verify);
	printf("  beside raw SHA-256 of the leaves and the tree's nodes (%llu bytes): %.2f s = %.0f"
	    " entries/s; ratio %.0f%%\n", (unsigned long long)tree_bytes, t_tree, n / t_tree,
	    100 * t_tree / t_verify);
	printf("peak RSS of verify: %ld KiB at %lld entries, %ld KiB at %lld entries\n",
	    rss_small, (long long)(small > 100500 ? small : 100500), rss_big, (long long)n);
	printf("export jsonl.gz of %lld entries: %.2f s, peak RSS %ld KiB\n", (long long)n, t_export,
	    rss_export);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	return system(cmd) == 0 ? 0 : 1;
}
