/* Ledger benchmark: append rate (one entry per transaction, and batches)
 * beside raw SQLite inserts at the same durability (WAL, synchronous=FULL)
 * measured in the same run; `ledger verify` over N entries beside SHA-256
 * (lib/hash.c, the machine's fastest) over the same leaves and tree nodes;
 * peak memory of verify and export in fresh processes, for two ledger sizes.
 * Lines starting with RESULT are for tests/bench/run-all.sh's table.
 *
 *   bench_ledger [N [A]]  N entries for verify (default 1000000), A batched
 *                         appends (default 100000)
 *   bench_ledger verify HOME | export HOME   (internal: one phase, prints its RSS)
 *   bench_ledger prepare HOME N              (a home with N entries)
 *   bench_ledger ir-append HOME | ir-verify HOME | ir-rows DIR | ir-hash N
 *       one measured step, run under callgrind by run-all.sh with
 *       --toggle-collect=bench_measured: 1000 entries in one transaction,
 *       verify of HOME, raw SQLite writing 1000 entries' rows in one
 *       transaction, hashing N entries' leaves and nodes.
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
#include "hash.h"
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
struct raw_rows {
	sqlite3 *db;
	sqlite3_stmt *stmt[7];
	int64_t next;
};

static void
raw_rows_open(struct raw_rows *r, const char *path)
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

	r->next = 0;
	if (sqlite3_open(path, &r->db) != SQLITE_OK)
		die("raw open", NULL);
	sqlite3_exec(r->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    " CREATE TABLE e (seq INTEGER PRIMARY KEY, time INTEGER, kind TEXT, ref TEXT, memo TEXT,"
	    " hash BLOB);"
	    " CREATE TABLE p (seq INTEGER, idx INTEGER, account INTEGER, amount INTEGER,"
	    " PRIMARY KEY (seq, idx)) WITHOUT ROWID;"
	    " CREATE TABLE a (id INTEGER PRIMARY KEY, code TEXT UNIQUE, balance INTEGER);"
	    " INSERT INTO a (code, balance) VALUES ('bank', 0), ('suspense', 0);"
	    " CREATE TABLE n (level INTEGER, idx INTEGER, hash BLOB, PRIMARY KEY (level, idx))"
	    " WITHOUT ROWID;", NULL, NULL, NULL);
	for (int i = 0; i < 7; i++)
		sqlite3_prepare_v2(r->db, sql[i], -1, &r->stmt[i], NULL);
}

/* Writes count entries' rows in transactions of per entries. */
static void
raw_rows_write(struct raw_rows *r, int64_t count, int64_t per)
{
	uint8_t hash[32];

	memset(hash, 9, sizeof(hash));
	for (int64_t i = 0; i < count; i += per) {
		sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		for (int64_t j = r->next + i; j < r->next + i + per && j < r->next + count; j++)
			for (int k = 0; k < 7; k++) {
				if (k == 6 && (j & 1) == 0)
					continue;
				sqlite3_bind_int64(r->stmt[k], 1, k == 6 ? j / 2 : j);
				sqlite3_bind_blob(r->stmt[k], 2, hash, sizeof(hash), SQLITE_STATIC);
				sqlite3_step(r->stmt[k]);
				sqlite3_reset(r->stmt[k]);
			}
		sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	}
	r->next += count;
}

static void
raw_rows_close(struct raw_rows *r)
{
	for (int i = 0; i < 7; i++)
		sqlite3_finalize(r->stmt[i]);
	sqlite3_close(r->db);
}

static double
raw_ledger_rows(const char *path, int64_t count, int64_t per)
{
	struct raw_rows r;
	double t0;

	raw_rows_open(&r, path);
	t0 = now_seconds();
	raw_rows_write(&r, count, per);
	t0 = now_seconds() - t0;
	raw_rows_close(&r);
	return t0;
}

/* Leaves encoded ahead of hashing, so that the baseline times SHA-256
 * alone: each is 0x00 ‖ the entry's canonical encoding, as merkle_leaf_hash
 * hashes it. */
#define LEAF_CHUNK 4096
#define LEAF_MAX 1024
struct leaves {
	uint8_t buf[LEAF_CHUNK * LEAF_MAX];
	size_t len[LEAF_CHUNK];
	int64_t count;
};

static void
leaves_encode(struct leaves *l, int64_t first, int64_t count)
{
	l->count = count;
	for (int64_t i = 0; i < count; i++) {
		struct ledger_entry entry;
		uint8_t *leaf = l->buf + i * LEAF_MAX;
		make_entry(&entry, first + i);
		entry.seq = (uint64_t)(first + i);
		ledger_canonicalise(&entry);
		leaf[0] = 0;
		l->len[i] = 1 + ledger_encode(&entry, leaf + 1, LEAF_MAX - 1);
	}
}

/* The right edge of a Merkle tree being folded (first = index of leaf 0 of
 * the next chunk). */
struct edge {
	uint8_t stack[64][32];
	int64_t next;
	uint64_t bytes;
};

/* SHA-256 of the chunk's leaves and, with tree, of the interior nodes
 * (0x01 ‖ left ‖ right, one per entry on average) verify recomputes. */
static void
leaves_hash(const struct leaves *l, struct edge *t, int tree)
{
	uint8_t hash[32], node[65] = { 1 };

	for (int64_t k = 0; k < l->count; k++, t->next++) {
		hash_sha256(hash, l->buf + k * LEAF_MAX, l->len[k]);
		t->bytes += l->len[k];
		for (int64_t n = t->next, level = 0; tree && (n & 1); n >>= 1, level++) {
			memcpy(node + 1, t->stack[level], 32);
			memcpy(node + 33, hash, 32);
			hash_sha256(hash, node, sizeof(node));
			t->bytes += sizeof(node);
		}
		if (tree)
			memcpy(t->stack[__builtin_ctzll((uint64_t)t->next + 1)], hash, 32);
	}
}

/* Times leaves_hash over count entries, encoded chunk by chunk untimed. */
static double
raw_hashing(int64_t count, uint64_t *bytes, int tree)
{
	static struct leaves l;
	struct edge t = { .next = 0 };
	double total = 0;

	for (int64_t i = 0; i < count; i += LEAF_CHUNK) {
		double t0;
		leaves_encode(&l, i, count - i < LEAF_CHUNK ? count - i : LEAF_CHUNK);
		t0 = now_seconds();
		leaves_hash(&l, &t, tree);
		total += now_seconds() - t0;
	}
	*bytes = t.bytes;
	return total;
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
		struct export_options o = { .format = EXPORT_JSONL, .gzip = 1 };
		int fd = open("/dev/null", O_WRONLY);
		if (export_write(home.db, &o, fd, &e) != 0)
			die("export", &e);
		close(fd);
	}
	printf("%ld %.3f\n", peak_rss_kib(), now_seconds() - t0);
	home_close(&home);
	return 0;
}

/* The one function callgrind counts (run-all.sh: --toggle-collect). */
__attribute__((noinline)) static void
bench_measured(void (*step)(void *), void *ctx)
{
	step(ctx);
	__asm__ volatile("" ::: "memory");
}

struct ir_ctx {
	struct home *home;
	struct raw_rows rows;
	struct leaves *leaves;
	struct edge edge;
	int64_t first;
};

static void
ir_append(void *ctx)
{
	struct ir_ctx *c = ctx;
	struct merkle_state cache;
	struct batch b = { c->first, 1000, &cache };
	struct error e;

	merkle_state_init(&cache);
	cache.size = UINT64_MAX;
	if (db_write(c->home->db, DB_BUSY_DEFAULT, append_batch, &b, &e) != 0)
		die("append", &e);
}

static void
ir_verify(void *ctx)
{
	struct ir_ctx *c = ctx;
	struct audit_result r;
	struct error e;

	if (audit_verify(c->home->db, &r, NULL, NULL, &e) != 0)
		die("verify", &e);
}

static void
ir_rows(void *ctx)
{
	raw_rows_write(&((struct ir_ctx *)ctx)->rows, 1000, 1000);
}

static void
ir_hash(void *ctx)
{
	struct ir_ctx *c = ctx;

	leaves_hash(c->leaves, &c->edge, 1);
}

/* The internal modes: prepare HOME N, ir-append HOME, ir-verify HOME,
 * ir-rows DIR, ir-hash N (see the head of this file). */
static int
ir_mode(const char *mode, const char *arg, const char *n)
{
	static struct leaves l;
	struct ir_ctx c = { .leaves = &l };
	struct home home;
	struct error e;
	uint64_t size;
	char path[4200];

	if (strcmp(mode, "prepare") == 0) {
		make_home(&home, arg);
		append_many(&home, 0, atoll(n), 10000);
		home_close(&home);
		return 0;
	}
	if (strcmp(mode, "ir-hash") == 0) {
		leaves_encode(&l, 0, atoll(arg) < LEAF_CHUNK ? atoll(arg) : LEAF_CHUNK);
		bench_measured(ir_hash, &c);
		return 0;
	}
	if (strcmp(mode, "ir-rows") == 0) {
		snprintf(path, sizeof(path), "%s/rows.db", arg);
		raw_rows_open(&c.rows, path);
		raw_rows_write(&c.rows, 1000, 1000);	/* warm, as the ledger's home is */
		bench_measured(ir_rows, &c);
		raw_rows_close(&c.rows);
		return 0;
	}
	if (home_open(&home, arg, &e) != 0)
		die("open", &e);
	c.home = &home;
	if (ledger_size(home.db, &size, &e) != 0)
		die("size", &e);
	c.first = (int64_t)size;
	bench_measured(strcmp(mode, "ir-append") == 0 ? ir_append : ir_verify, &c);
	home_close(&home);
	return 0;
}

/* Appends beside raw SQLite: single entries per transaction, then appends
 * entries in transactions of 1000. Leaves 500 + appends entries in home. */
static void
bench_appends(struct home *home, const char *raw, const char *rows, int64_t appends)
{
	int64_t single = appends / 200 < 50 ? 50 : appends / 200 > 500 ? 500 : appends / 200;
	double t_single, t_raw_single, t_batch, t_raw_batch, t_rows;

	t_raw_single = raw_inserts(raw, single, 1);
	t_single = append_many(home, 0, single, 1);
	append_many(home, single, 500 - single, 500);
	printf("append, 1 entry per transaction:   %8.0f entries/s   raw SQLite insert %8.0f rows/s   ratio %3.0f%%\n",
	    single / t_single, single / t_raw_single, 100 * t_raw_single / t_single);
	t_raw_batch = raw_inserts(raw, appends, 1000);
	t_batch = append_many(home, 500, appends, 1000);
	printf("append, 1000 entries per transaction: %8.0f entries/s   raw SQLite insert %8.0f rows/s   ratio %3.0f%%\n",
	    appends / t_batch, appends / t_raw_batch, 100 * t_raw_batch / t_batch);
	t_rows = raw_ledger_rows(rows, appends, 1000);
	printf("  beside raw SQLite writing the same rows per entry (1 entry, 2 postings, 2 balance"
	    " updates, ~2 nodes): %8.0f entries/s   ratio %3.0f%%\n", appends / t_rows,
	    100 * t_rows / t_batch);
	printf("RESULT\tappend-1\tledger append, 1 entry per transaction\t%.0f /s\traw one-row insert, same durability, %.0f /s (%.0f %%)\t≥ 50 %%\t%s\n",
	    single / t_single, single / t_raw_single, 100 * t_raw_single / t_single,
	    t_raw_single / t_single >= 0.5 ? "yes" : "**no**");
	printf("RESULT\tappend-batch\tledger append, 1,000 entries per transaction\t%.0f /s\traw SQLite writing the same 7 rows per entry %.0f /s (%.0f %%)\t≥ 50 %%\t%s\n",
	    appends / t_batch, appends / t_rows, 100 * t_rows / t_batch,
	    t_rows / t_batch >= 0.5 ? "yes" : "**no**");
}

/* Verify of n entries (and of a smaller ledger first, for memory) beside
 * SHA-256 of the same leaves and nodes; export. home holds have entries. */
static void
bench_verify(const char *self, const char *dir, int64_t have, int64_t n)
{
	int64_t small = n / 10 > have ? n / 10 : have;
	double t_hash, t_tree, t_verify, t_export;
	uint64_t bytes, tree_bytes;
	long rss_small, rss_big, rss_export;
	struct home home;
	struct error e;

	if (home_open(&home, dir, &e) != 0)
		die("open", &e);
	append_many(&home, have, small - have, 10000);
	home_close(&home);
	rss_small = child_phase(self, "verify", dir, &t_verify);
	if (home_open(&home, dir, &e) != 0)
		die("open", &e);
	append_many(&home, small, n - small, 10000);
	home_close(&home);
	t_hash = raw_hashing(n, &bytes, 0);
	t_tree = raw_hashing(n, &tree_bytes, 1);
	rss_big = child_phase(self, "verify", dir, &t_verify);
	rss_export = child_phase(self, "export", dir, &t_export);
	printf("verify %lld entries: %.2f s = %.0f entries/s; SHA-256 of the same leaves (%llu bytes): %.3f s = %.0f entries/s; ratio %.0f%%\n",
	    (long long)n, t_verify, n / t_verify, (unsigned long long)bytes, t_hash, n / t_hash,
	    100 * t_hash / t_verify);
	printf("  beside SHA-256 of the leaves and the tree's nodes (%llu bytes): %.3f s = %.0f"
	    " entries/s; ratio %.0f%%\n", (unsigned long long)tree_bytes, t_tree, n / t_tree,
	    100 * t_tree / t_verify);
	printf("peak RSS of verify: %ld KiB at %lld entries, %ld KiB at %lld entries\n",
	    rss_small, (long long)small, rss_big, (long long)n);
	printf("export jsonl.gz of %lld entries: %.2f s, peak RSS %ld KiB\n", (long long)n, t_export,
	    rss_export);
	printf("RESULT\tverify\t`ledger verify`, %lld entries\t%.2f s = %.0f entries/s\tSHA-256 (nettle) of the same leaves and nodes %.0f /s (%.0f %%)\t≥ 50 %%\t%s\n",
	    (long long)n, t_verify, n / t_verify, n / t_tree, 100 * t_tree / t_verify,
	    t_tree / t_verify >= 0.5 ? "yes" : "**no**");
	printf("RESULT\tverify-memory\tverify and export memory\t%.1f MiB at %lld and %.1f MiB at %lld entries (export %.1f MiB)\t—\tindependent of size\t%s\n",
	    rss_small / 1024.0, (long long)small, rss_big / 1024.0, (long long)n, rss_export / 1024.0,
	    rss_big < rss_small + 2048 ? "yes" : "**no**");
}

int
main(int argc, char **argv)
{
	char base[] = "/tmp/passnum-bench-ledger.XXXXXX", dir[4200], raw[4200], rows[4200], cmd[4300];
	int64_t n = argc > 1 ? atoll(argv[1]) : 1000000;
	int64_t appends = argc > 2 ? atoll(argv[2]) : 100000;
	struct home home;

	if (sodium_init() < 0)
		return 1;
	if (argc >= 3 && (strncmp(argv[1], "ir-", 3) == 0 || strcmp(argv[1], "prepare") == 0))
		return ir_mode(argv[1], argv[2], argc > 3 ? argv[3] : "0");
	if (argc == 3 && (strcmp(argv[1], "verify") == 0 || strcmp(argv[1], "export") == 0))
		return phase(argv[1], argv[2]);
	if (appends < 1000)
		appends = 1000;
	if (n < 500 + appends)
		n = 500 + appends;
	if (mkdtemp(base) == NULL)
		return 1;
	snprintf(raw, sizeof(raw), "%s/raw.db", base);
	snprintf(rows, sizeof(rows), "%s/rows.db", base);
	snprintf(dir, sizeof(dir), "%s/home", base);
	make_home(&home, dir);
	printf("passnum ledger benchmark (%lld entries for verify, %lld batched appends)\n",
	    (long long)n, (long long)appends);
	bench_appends(&home, raw, rows, appends);
	home_close(&home);
	bench_verify(argv[0], dir, 500 + appends, n);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	return system(cmd) == 0 ? 0 : 1;
}
