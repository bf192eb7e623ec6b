#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "embedded.h"

#define DB_CACHE_SLOTS 256
#define DB_BUSY_TIMEOUT_MS 5000
#define DB_BUSY_RETRIES 5

struct db_cached {
	const char *sql;
	sqlite3_stmt *stmt;
};

struct db {
	sqlite3 *sqlite;
	struct db_cached cache[DB_CACHE_SLOTS];
};

int
db_error(struct db *db, int rc, struct error *e)
{
	const char *msg = db != NULL && db->sqlite != NULL ?
	    sqlite3_errmsg(db->sqlite) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return error_set(e, 503, "STORE_BUSY", "the database is busy: %s", msg);
	case SQLITE_CONSTRAINT:
		return error_set(e, 409, "CONSTRAINT", "refused by the database: %s", msg);
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
		return error_set(e, 503, "STORE_UNAVAILABLE", "the database is unavailable: %s", msg);
	default:
		return error_set(e, 500, "STORE_ERROR", "database error: %s", msg);
	}
}

int
db_schema_version(void)
{
	return (int)schema_file_count;
}

sqlite3 *
db_handle(struct db *db)
{
	return db->sqlite;
}

int
db_exec(struct db *db, const char *sql, struct error *e)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->sqlite, sql, NULL, NULL, &msg);

	sqlite3_free(msg);
	if (rc != SQLITE_OK)
		return db_error(db, rc, e);
	return 0;
}

static int
db_user_version(struct db *db, int *version, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db, "PRAGMA user_version");
	int rc = db_step(db, stmt, e);

	if (rc != SQLITE_ROW)
		return rc < 0 ? -1 : error_set(e, 500, "STORE_ERROR", "cannot read the schema version");
	*version = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	return 0;
}

/* Applies schema file number `version` (1-based) in one transaction that
 * also records the version. */
static int
db_apply(struct db *db, int version, struct error *e)
{
	const struct embedded_file *file = &schema_files[version - 1];
	char pragma[64];

	if (atoi(file->name) != version)
		return error_set(e, 500, "SCHEMA_ERROR", "schema file %s is out of sequence", file->name);
	if (db_exec(db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version);
	if (db_exec(db, (const char *)file->data, e) != 0 || db_exec(db, pragma, e) != 0) {
		sqlite3_exec(db->sqlite, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return db_exec(db, "COMMIT", e);
}

static int
db_migrate(struct db *db, enum db_open_mode mode, struct error *e)
{
	int version = 0, latest = db_schema_version();

	if (db_user_version(db, &version, e) != 0)
		return -1;
	if (version > latest)
		return error_set(e, 503, "SCHEMA_TOO_NEW",
		    "this home uses schema version %d but this passnum knows only up to %d: upgrade passnum",
		    version, latest);
	if (version < latest && mode == DB_OPEN_READONLY)
		return error_set(e, 503, "SCHEMA_TOO_OLD",
		    "this home uses schema version %d; open it once with passnum to upgrade it to %d",
		    version, latest);
	for (int v = version + 1; v <= latest; v++)
		if (db_apply(db, v, e) != 0)
			return -1;
	return 0;
}

static int
db_configure(struct db *db, enum db_open_mode mode, struct error *e)
{
	sqlite3_busy_timeout(db->sqlite, DB_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db->sqlite, 1);
	if (mode != DB_OPEN_READONLY && db_exec(db, "PRAGMA journal_mode = WAL", e) != 0)
		return -1;
	/* temp_store = MEMORY: statement journals (which only serve rolling
	 * back one statement or savepoint inside an open transaction, never
	 * crash recovery) stay in memory instead of temporary files. */
	return db_exec(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
	    " PRAGMA trusted_schema = OFF; PRAGMA temp_store = MEMORY;", e);
}

/* SQLite allocates and frees a 64 KiB bitmap for every statement journal
 * (each write statement of a transaction); with glibc's default trim
 * threshold the heap then shrinks and grows through brk() on every
 * statement, a third of the ledger's append time. Keep freed memory instead
 * (process-wide, once). */
static void
db_malloc_tuning(void)
{
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_TOP_PAD, 1024 * 1024);
}

int
db_open(struct db **out, const char *path, enum db_open_mode mode, struct error *e)
{
	static pthread_once_t tuned = PTHREAD_ONCE_INIT;
	struct db *db;
	struct stat st;
	int flags, rc;

	*out = NULL;
	pthread_once(&tuned, db_malloc_tuning);
	if (mode == DB_OPEN_CREATE && stat(path, &st) == 0)
		return error_set(e, 409, "HOME_EXISTS", "%s already exists: refusing to touch it", path);
	if (mode != DB_OPEN_CREATE && stat(path, &st) != 0)
		return error_set(e, 503, "NO_DATABASE", "no database at %s (run passnum init first): %s",
		    path, strerror(errno));
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		abort();
	flags = SQLITE_OPEN_NOMUTEX | (mode == DB_OPEN_READONLY ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | (mode == DB_OPEN_CREATE ? SQLITE_OPEN_CREATE : 0));
	rc = sqlite3_open_v2(path, &db->sqlite, flags, NULL);
	if (rc != SQLITE_OK) {
		error_set(e, 503, "STORE_UNAVAILABLE", "cannot open %s: %s", path,
		    db->sqlite != NULL ? sqlite3_errmsg(db->sqlite) : sqlite3_errstr(rc));
		goto fail;
	}
	if (db_configure(db, mode, e) != 0 || db_migrate(db, mode, e) != 0)
		goto fail;
	*out = db;
	return 0;
fail:
	db_close(db);
	return -1;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < DB_CACHE_SLOTS; i++)
		sqlite3_finalize(db->cache[i].stmt);
	sqlite3_close_v2(db->sqlite);
	free(db);
}

sqlite3_stmt *
db_prepare(struct db *db, const char *sql)
{
	size_t slot = ((uintptr_t)sql >> 3) % DB_CACHE_SLOTS;
	sqlite3_stmt *stmt;

	for (size_t probe = 0; probe < DB_CACHE_SLOTS; probe++) {
		struct db_cached *c = &db->cache[(slot + probe) % DB_CACHE_SLOTS];
		if (c->sql == sql) {
			sqlite3_reset(c->stmt);
			sqlite3_clear_bindings(c->stmt);
			return c->stmt;
		}
		if (c->sql != NULL)
			continue;
		if (sqlite3_prepare_v3(db->sqlite, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &stmt, NULL) != SQLITE_OK) {
			fprintf(stderr, "passnum: bug: cannot prepare \"%s\": %s\n", sql,
			    sqlite3_errmsg(db->sqlite));
			abort();
		}
		c->sql = sql;
		c->stmt = stmt;
		return stmt;
	}
	fprintf(stderr, "passnum: bug: statement cache full\n");
	abort();
}

int
db_step(struct db *db, sqlite3_stmt *stmt, struct error *e)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	sqlite3_reset(stmt);
	return db_error(db, rc, e);
}

int
db_exec_stmt(struct db *db, sqlite3_stmt *stmt, struct error *e)
{
	int rc;

	while ((rc = db_step(db, stmt, e)) == SQLITE_ROW)
		;
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
db_is_busy(const struct error *e)
{
	return e->code != NULL && strcmp(e->code, "STORE_BUSY") == 0;
}

int
db_transaction(struct db *db, db_work_fn work, void *ctx, struct error *e)
{
	for (int attempt = 0;; attempt++) {
		struct error local;

		error_clear(&local);
		if (db_exec(db, "BEGIN IMMEDIATE", &local) != 0)
			goto failed;
		if (work(db, ctx, &local) != 0) {
			sqlite3_exec(db->sqlite, "ROLLBACK", NULL, NULL, NULL);
			goto failed;
		}
		if (db_exec(db, "COMMIT", &local) == 0)
			return 0;
		sqlite3_exec(db->sqlite, "ROLLBACK", NULL, NULL, NULL);
failed:
		if (!db_is_busy(&local) || attempt + 1 >= DB_BUSY_RETRIES) {
			if (e != NULL)
				*e = local;
			return -1;
		}
		struct timespec pause = { 0, 20000000L * (attempt + 1) };
		nanosleep(&pause, NULL);
	}
}

int
db_each_int64_pair(struct db *db, const char *sql,
    int (*fn)(int64_t a, int64_t b, void *ctx), void *ctx, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db, sql);
	int rc;

	while ((rc = db_step(db, stmt, e)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1), ctx) != 0) {
			sqlite3_reset(stmt);
			return -1;
		}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
db_column_text(sqlite3_stmt *stmt, int col, char *buf, size_t size)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);
	size_t len = text != NULL ? (size_t)sqlite3_column_bytes(stmt, col) : 0;

	if (len >= size)
		len = size - 1;
	if (len > 0)
		memcpy(buf, text, len);
	buf[len] = '\0';
}

int
db_column_blob(sqlite3_stmt *stmt, int col, void *out, size_t size)
{
	const void *blob = sqlite3_column_blob(stmt, col);

	if (blob == NULL || (size_t)sqlite3_column_bytes(stmt, col) != size)
		return -1;
	memcpy(out, blob, size);
	return 0;
}
