/* Unit tests of lib/db: the write runner and savepoints, read snapshots,
 * the typed statement API (bind, one, each, nested use of one statement,
 * argument count), the statement cache past any fixed size, and the
 * authorizer that refuses UPDATE and DELETE on the append-only tables, and
 * WAL checkpoints taken out of a connection's commits. */
#include <setjmp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "db.h"
#include "home.h"
#include "temp_home.h"

static char dir[TEMP_HOME_DIR_SIZE];
static struct home home;

static int
setup(void **state)
{
	struct error e;

	(void)state;
	temp_home_create(dir, "db", &home, 1800000000);
	if (db_exec(home.db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB)", &e) != 0)
		fail_msg("create: %s", e.message);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	temp_home_remove(dir, &home);
	return 0;
}

static int64_t
count_rows(void)
{
	int64_t n = -1;
	struct error e;

	assert_int_equal(db_int64(home.db, "SELECT count(*) FROM t", DB_NO_ARGS, &n, &e), 1);
	return n;
}

static int
insert_one(struct db *db, void *ctx, struct error *e)
{
	const char *name = ctx;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	return db_run(db, "INSERT INTO t (name) VALUES (?1)", DB_ARGS(DB_TEXT(name)), e);
}

static int
insert_then_fail(struct db *db, void *ctx, struct error *e)
{
	if (insert_one(db, ctx, e) != 0)
		return -1;
	return error_set(e, 409, "REFUSED", "refused after the insert");
}

static void
test_write_commits_or_rolls_back(void **state)
{
	struct error e;
	int64_t before = count_rows(), commits = db_commits(home.db);

	(void)state;
	assert_int_equal(db_write(home.db, DB_BUSY_DEFAULT, insert_one, "a", &e), 0);
	assert_int_equal(count_rows(), before + 1);
	assert_int_equal(db_commits(home.db), commits + 1);
	assert_int_equal(db_write(home.db, DB_BUSY_DEFAULT, insert_then_fail, "b", &e), -1);
	assert_string_equal(e.code, "REFUSED");
	assert_int_equal(count_rows(), before + 1);
	assert_false(db_writing(home.db));
	/* A lib function that writes refuses to run outside a transaction. */
	assert_int_equal(insert_one(home.db, "c", &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_non_null(strstr(e.message, "insert_one"));
	/* No nested write transactions. */
	assert_int_equal(db_write_begin(home.db, DB_BUSY_DEFAULT, &e), 0);
	assert_int_equal(db_write_begin(home.db, DB_BUSY_DEFAULT, &e), -1);
	assert_string_equal(e.code, "STORE_BUG");
	assert_int_equal(db_write_end(home.db, -1, &e), -1);
}

static void
test_savepoints(void **state)
{
	struct error e, fatal;
	int64_t before = count_rows();

	(void)state;
	assert_int_equal(db_savepoint(home.db, insert_one, "x", &e, &fatal), -2);
	assert_int_equal(db_write_begin(home.db, DB_BUSY_DEFAULT, &e), 0);
	assert_int_equal(db_savepoint(home.db, insert_one, "kept", &e, &fatal), 0);
	assert_int_equal(db_savepoint(home.db, insert_then_fail, "undone", &e, &fatal), -1);
	assert_string_equal(e.code, "REFUSED");
	assert_int_equal(db_savepoint(home.db, insert_one, "kept too", &e, &fatal), 0);
	assert_int_equal(db_write_end(home.db, 0, &e), 0);
	assert_int_equal(count_rows(), before + 2);
	assert_int_equal(db_one(home.db, "SELECT 1 FROM t WHERE name = ?1", DB_ARGS(DB_TEXT("undone")),
	    NULL, NULL, &e), 0);
}

struct collect {
	int64_t sum;
	int rows;
	char names[64];
};

static int
collect_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct collect *c = ctx;
	char name[8];

	(void)e;
	c->sum += db_row_int64(row, 0);
	c->rows++;
	assert_int_equal(db_row_text(row, 1, name, sizeof(name)), 0);
	strncat(c->names, name, sizeof(c->names) - strlen(c->names) - 1);
	return 0;
}

static int
stop_at_two(const struct db_row *row, void *ctx, struct error *e)
{
	(void)row;
	(void)e;
	return ++*(int *)ctx == 2 ? 1 : 0;
}

/* For each row of the outer query, runs the very same statement inside. */
static int
nested_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct collect inner = { 0 };
	int *outer_rows = ctx;

	(void)row;
	(*outer_rows)++;
	if (db_each(home.db, "SELECT id, name FROM t2 ORDER BY id", DB_NO_ARGS, collect_row, &inner,
	    e) != 0)
		return -1;
	assert_int_equal(inner.rows, 3);
	return 0;
}

static int
blob_row(const struct db_row *row, void *ctx, struct error *e)
{
	uint8_t small[3];

	(void)e;
	assert_int_equal(db_row_blob(row, 0, small, sizeof(small)), -1);
	return db_row_blob(row, 0, ctx, 4);
}

static void
test_typed_statements(void **state)
{
	static const uint8_t blob[4] = { 1, 2, 0, 4 };
	struct collect c = { 0 };
	struct error e;
	uint8_t out[4];
	int rows = 0;

	(void)state;
	assert_int_equal(db_exec(home.db, "CREATE TABLE t2 (id INTEGER PRIMARY KEY, name TEXT, b BLOB)", &e), 0);
	assert_int_equal(db_run(home.db, "INSERT INTO t2 VALUES (?1, ?2, ?3)",
	    DB_ARGS(DB_INT(INT64_C(5000000000)), DB_TEXT("é"), DB_BLOB(blob, sizeof(blob))), &e), 0);
	assert_int_equal(db_last_rowid(home.db), INT64_C(5000000000));
	assert_int_equal(db_run(home.db, "INSERT INTO t2 VALUES (?1, ?2, NULL)",
	    DB_ARGS(DB_INT(7), DB_TEXT_OR_NULL("")), &e), 0);
	assert_int_equal(db_run(home.db, "INSERT INTO t2 VALUES (?1, ?2, ?3)",
	    DB_ARGS(DB_INT(8), DB_TEXT("z"), DB_NULL), &e), 0);
	assert_int_equal(db_one(home.db, "SELECT 1 FROM t2 WHERE id = 7 AND name IS NULL", DB_NO_ARGS,
	    NULL, NULL, &e), 1);
	assert_int_equal(db_each(home.db, "SELECT id, coalesce(name, '-') FROM t2 ORDER BY id",
	    DB_NO_ARGS, collect_row, &c, &e), 0);
	assert_int_equal(c.rows, 3);
	assert_int_equal(c.sum, INT64_C(5000000015));
	assert_string_equal(c.names, "-zé");
	assert_int_equal(db_each(home.db, "SELECT id FROM t2", DB_NO_ARGS, stop_at_two, &rows, &e), 0);
	assert_int_equal(rows, 2);
	/* One statement used inside its own iteration: the outer loop is not
	 * restarted (it sees each of its 3 rows once). */
	rows = 0;
	assert_int_equal(db_each(home.db, "SELECT id, name FROM t2 ORDER BY id", DB_NO_ARGS, nested_row,
	    &rows, &e), 0);
	assert_int_equal(rows, 3);
	/* Wrong argument counts are refused, not silently bound. */
	assert_int_equal(db_run(home.db, "UPDATE t2 SET name = ?1 WHERE id = ?2",
	    DB_ARGS(DB_TEXT("x")), &e), -1);
	assert_string_equal(e.code, "STORE_BUG");
	assert_int_equal(db_run(home.db, "UPDATE t2 SET name = ?1", DB_ARGS(DB_TEXT("x"), DB_INT(1)),
	    &e), -1);
	/* Blobs of the exact size only. */
	assert_int_equal(db_run(home.db, "INSERT INTO t2 VALUES (9, 'b', ?1)",
	    DB_ARGS(DB_BLOB(blob, sizeof(blob))), &e), 0);
	assert_int_equal(db_one(home.db, "SELECT b FROM t2 WHERE id = 9", DB_NO_ARGS, blob_row, out, &e), 1);
	assert_memory_equal(out, blob, sizeof(blob));
	/* Constraints come back as 409 CONSTRAINT. */
	assert_int_equal(db_run(home.db, "INSERT INTO t2 VALUES (9, 'again', NULL)", DB_NO_ARGS, &e), -1);
	assert_string_equal(e.code, "CONSTRAINT");
	assert_int_equal(e.status, 409);
}

static void
test_cache_has_no_fixed_limit(void **state)
{
	char sql[64];
	struct error e;
	int64_t v;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		assert_int_equal(db_int64(home.db, sql, DB_NO_ARGS, &v, &e), 1);
		assert_int_equal(v, i);
	}
	/* and the first ones still answer (from the grown cache). */
	assert_int_equal(db_int64(home.db, "SELECT 3", DB_NO_ARGS, &v, &e), 1);
	assert_int_equal(v, 3);
}

static void
test_authorizer_guards_append_only_tables(void **state)
{
	static const char *const refused[] = {
		"UPDATE entries SET kind = 'x'",
		"DELETE FROM entries",
		"UPDATE postings SET amount = 0",
		"DELETE FROM postings",
		"DELETE FROM merkle_nodes",
		"UPDATE checkpoints SET size = 0",
		"DELETE FROM funder_funds",
	};
	struct error e;

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (db_exec(home.db, refused[i], &e) == 0)
			fail_msg("the authorizer let \"%s\" through", refused[i]);
		if (strstr(e.message, "not authorized") == NULL)
			fail_msg("\"%s\" refused for another reason: %s", refused[i], e.message);
	}
	/* Other tables stay writable. */
	assert_int_equal(db_exec(home.db, "UPDATE t SET name = name", &e), 0);
}

static void
test_read_snapshot(void **state)
{
	struct error e;

	(void)state;
	assert_int_equal(db_read(home.db, insert_then_fail, "r", &e), -1);
	/* insert_then_fail refuses outside a write transaction: a read
	 * transaction is not one. */
	assert_string_equal(e.code, "NO_TRANSACTION");
}

static void
count_notify(void *ctx)
{
	(*(int *)ctx)++;
}

static off_t
wal_size(void)
{
	char path[sizeof(home.dir) + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/passnum.db-wal", home.dir);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* With db_wal_checkpoint_elsewhere, commits past the threshold notify and
 * never checkpoint themselves (the WAL only grows, far past SQLite's own
 * 1,000-page threshold); db_wal_checkpoint on another connection then copies
 * every frame, and the rows are in the database. */
static void
test_wal_checkpoint_elsewhere(void **state)
{
	static char blob[4096];
	struct db *other;
	char path[sizeof(home.dir) + 32];
	struct error e;
	int notified = 0, pages = -1, copied = -1;
	off_t before;
	int64_t rows = count_rows();

	(void)state;
	db_wal_checkpoint_elsewhere(home.db, 100, count_notify, &notified);
	for (int i = 0; i < 1500; i++)
		assert_int_equal(db_run(home.db, "INSERT INTO t (data) VALUES (?1)",
		    DB_ARGS(DB_BLOB(blob, sizeof(blob))), &e), 0);
	assert_true(notified > 1300); /* every commit from the 100th page on */
	before = wal_size();
	assert_true(before > 1500 * 4096); /* nothing was copied back and reset */
	snprintf(path, sizeof(path), "%s/passnum.db", home.dir);
	assert_int_equal(db_open(&other, path, DB_OPEN_EXISTING, &e), 0);
	assert_int_equal(db_wal_checkpoint(other, &pages, &copied, &e), 0);
	assert_true(pages > 1500);
	assert_int_equal(copied, pages);
	db_close(other);
	assert_int_equal(count_rows(), rows + 1500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_commits_or_rolls_back),
		cmocka_unit_test(test_savepoints),
		cmocka_unit_test(test_typed_statements),
		cmocka_unit_test(test_cache_has_no_fixed_limit),
		cmocka_unit_test(test_authorizer_guards_append_only_tables),
		cmocka_unit_test(test_read_snapshot),
		cmocka_unit_test(test_wal_checkpoint_elsewhere),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
