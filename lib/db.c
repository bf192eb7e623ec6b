#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "clock.h"
#include "db.h"
#include "embedded.h"

#define DB_BUSY_TIMEOUT_MS 1000   /* SQLite's own wait inside one statement */
#define DB_BUSY_DEFAULT_WAIT_MS 10000
#define DB_CACHE_INITIAL 64

#define DB_RECENT_SLOTS 64

/* A prepared statement cached by its SQL text; busy while a caller steps it
 * (a nested use of the same SQL then gets a statement of its own). Entries
 * are allocated one by one, so a pointer to one stays valid while the
 * table grows. */
struct db_cached {
	char *sql;      /* owned copy */
	uint64_t hash;
	sqlite3_stmt *stmt;
	bool busy;
};

struct db {
	sqlite3 *sqlite;
	struct db_cached **cache; /* open addressing on hash, a power of two slots */
	size_t cache_size, cache_used;
	/* The entry last found for an SQL text at a given address (string
	 * literals keep theirs): a hit costs a comparison, not a hash. */
	struct {
		const char *address;
		struct db_cached *entry;
	} recent[DB_RECENT_SLOTS];
	bool writing;            /* inside db_write_begin ... db_write_end */
	int64_t commits;         /* write transactions committed */
	uint64_t write_token;    /* db_write_token: new at each begin and savepoint rollback */
	/* db_wal_checkpoint_elsewhere: who checkpoints the WAL instead. */
	int wal_pages;
	void (*wal_notify)(void *ctx);
	void *wal_ctx;
};

/* Tables that are append-only (beside their triggers, schema/0001-init.sql
 * and 0003-registry-extra.sql): the authorizer refuses to prepare an UPDATE
 * or DELETE on them. */
static const char *const db_append_only[] = {
	"entries", "postings", "merkle_nodes", "checkpoints", "funder_funds", "campaign_summaries",
	"invoices", "invoice_lines", "invoice_redemptions", "invoice_statuses", "invoice_payments",
	"refunds", "closed_years", "entry_dates", "campaign_terms",
	"bank_statements", "bank_lines", "bank_matches", "bank_status_reports", "payout_carries",
	"float_advances", "float_clearings",
	NULL,
};

static int
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
	int64_t v = 0;
	int rc = db_int64(db, "PRAGMA user_version", DB_NO_ARGS, &v, e);

	if (rc < 0)
		return -1; /* e says why (STORE_BUSY, STORE_UNAVAILABLE, ...) */
	if (rc != 1)
		return error_set(e, 500, "STORE_ERROR", "cannot read the schema version");
	*version = (int)v;
	return 0;
}

/* Applies schema files from+1 .. to, each recording its version, inside the
 * caller's transaction. */
static int
db_apply(struct db *db, int from, int to, struct error *e)
{
	char pragma[64];

	for (int version = from + 1; version <= to; version++) {
		const struct embedded_file *file = &schema_files[version - 1];
		if (atoi(file->name) != version)
			return error_set(e, 500, "SCHEMA_ERROR", "schema file %s is out of sequence", file->name);
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version);
		if (db_exec(db, (const char *)file->data, e) != 0 || db_exec(db, pragma, e) != 0)
			return -1;
	}
	return 0;
}

/* Before upgrading a home of schema version from (> 0), copies the
 * database with the online backup into DIR/backups/pre-upgrade-vFROM-TIME.db
 * beside it (a new file, mode 0600; -2, -3... when one of that second
 * exists), its name in copy. Refuses the upgrade when it cannot. */
static int
db_upgrade_backup(struct db *db, const char *path, int from, char copy[4300], struct error *e)
{
	char dir[4200], stamp[32];
	const char *slash = strrchr(path, '/');
	time_t now = (time_t)clock_now();
	struct tm tm;
	int fd = -1;

	snprintf(dir, sizeof(dir), "%.*s%sbackups", slash != NULL ? (int)(slash - path) : 0, path,
	    slash != NULL ? "/" : "");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return error_set(e, 503, "UPGRADE_BACKUP", "cannot create %s for the copy made before an"
		    " upgrade: %s", dir, strerror(errno));
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int n = 1; fd < 0 && n < 100; n++) {
		snprintf(copy, 4300, n == 1 ? "%s/pre-upgrade-v%d-%s.db" : "%s/pre-upgrade-v%d-%s-%d.db",
		    dir, from, stamp, n);
		if ((fd = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 &&
		    errno != EEXIST)
			break;
	}
	if (fd < 0)
		return error_set(e, 503, "UPGRADE_BACKUP", "cannot create the copy made before an upgrade in"
		    " %s: %s", dir, strerror(errno));
	close(fd);
	if (db_backup_to(db, copy, 1024, NULL, NULL, e) != 0) {
		unlink(copy);
		return -1;
	}
	return 0;
}

/* Brings the schema up to date: one transaction for every missing
 * migration, after a copy of an existing home (db_upgrade_backup), said on
 * stderr once committed. The version is read again inside the transaction,
 * so a second process that upgraded meanwhile leaves nothing to do. */
static int
db_migrate(struct db *db, const char *path, enum db_open_mode mode, struct error *e)
{
	int version = 0, from, latest = db_schema_version();
	char copy[4300];

	if (db_user_version(db, &version, e) != 0)
		return -1;
	if (version > latest)
		return error_set(e, 503, "SCHEMA_TOO_NEW",
		    "this home uses schema version %d but this passnum knows only up to %d: upgrade passnum",
		    version, latest);
	if (version == latest)
		return 0;
	if (mode == DB_OPEN_READONLY)
		return error_set(e, 503, "SCHEMA_TOO_OLD",
		    "this home uses schema version %d; open it once with passnum to upgrade it to %d",
		    version, latest);
	if ((from = version) > 0 && db_upgrade_backup(db, path, version, copy, e) != 0)
		return -1;
	if (db_exec(db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (db_user_version(db, &version, e) != 0 || db_apply(db, version, latest, e) != 0) {
		sqlite3_exec(db->sqlite, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (db_exec(db, "COMMIT", e) != 0)
		return -1;
	if (from > 0)
		fprintf(stderr, "passnum: upgraded %s from schema version %d to %d; the database as it was"
		    " is saved in %s\n", path, from, latest, copy);
	return 0;
}

static int
db_authorize(void *ctx, int action, const char *table, const char *column,
    const char *database, const char *trigger)
{
	(void)ctx;
	(void)column;
	(void)database;
	(void)trigger;
	if ((action != SQLITE_UPDATE && action != SQLITE_DELETE) || table == NULL)
		return SQLITE_OK;
	for (size_t i = 0; db_append_only[i] != NULL; i++)
		if (strcmp(table, db_append_only[i]) == 0)
			return SQLITE_DENY;
	return SQLITE_OK;
}

static int
db_configure(struct db *db, enum db_open_mode mode, struct error *e)
{
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

/* The WAL hook of db_wal_checkpoint_elsewhere: runs after each commit, on
 * the committing thread, with the WAL's size in pages. */
static int
db_wal_hook(void *ctx, sqlite3 *sqlite, const char *name, int pages)
{
	struct db *db = ctx;

	(void)sqlite;
	(void)name;
	if (pages >= db->wal_pages)
		db->wal_notify(db->wal_ctx);
	return SQLITE_OK;
}

void
db_wal_checkpoint_elsewhere(struct db *db, int pages, void (*notify)(void *ctx), void *ctx)
{
	db->wal_pages = pages;
	db->wal_notify = notify;
	db->wal_ctx = ctx;
	sqlite3_wal_hook(db->sqlite, db_wal_hook, db); /* replaces the automatic checkpoint */
}

int
db_wal_checkpoint(struct db *db, int *pages, int *copied, struct error *e)
{
	int rc = sqlite3_wal_checkpoint_v2(db->sqlite, NULL, SQLITE_CHECKPOINT_PASSIVE, pages, copied);

	if (rc == SQLITE_OK || rc == SQLITE_BUSY)
		return 0;
	return error_set(e, 503, "STORE_UNAVAILABLE", "WAL checkpoint failed: %s",
	    sqlite3_errmsg(db->sqlite));
}

/* The objects of a schema, SQLite's own left out, in one order. */
#define DB_SCHEMA_OBJECTS "SELECT COALESCE(type, ''), COALESCE(name, ''), COALESCE(tbl_name, '')," \
	" COALESCE(sql, '') FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'" \
	" ORDER BY 1, 2"

static int
db_foreign_error(sqlite3 *s, const char *name, const char *what, struct error *e)
{
	return error_set(e, 422, "BAD_DATABASE", "%s is not a passnum database (%s: %s)", name, what,
	    sqlite3_errmsg(s));
}

/* Column col of a and b compared as SQLite's BINARY collation does (bytes,
 * then length), NUL bytes included. */
static int
db_column_cmp(sqlite3_stmt *a, sqlite3_stmt *b, int col)
{
	const void *x = sqlite3_column_blob(a, col), *y = sqlite3_column_blob(b, col);
	int nx = sqlite3_column_bytes(a, col), ny = sqlite3_column_bytes(b, col);
	int c = nx > 0 && ny > 0 ? memcmp(x, y, (size_t)(nx < ny ? nx : ny)) : 0;

	return c != 0 ? c : (nx > ny) - (nx < ny);
}

/* Compares the schema objects of s (called name) with those of ref, one
 * row at a time in (type, name) order, and names the first difference. */
static int
db_foreign_compare(sqlite3 *s, sqlite3 *ref, const char *name, int version, struct error *e)
{
	sqlite3_stmt *a = NULL, *b = NULL;
	int ra, rb, order, rc = -1;

	if (sqlite3_prepare_v2(s, DB_SCHEMA_OBJECTS, -1, &a, NULL) != SQLITE_OK) {
		db_foreign_error(s, name, "its schema cannot be read", e);
		goto done;
	}
	if (sqlite3_prepare_v2(ref, DB_SCHEMA_OBJECTS, -1, &b, NULL) != SQLITE_OK) {
		error_set(e, 500, "SCHEMA_ERROR", "cannot read the reference schema: %s", sqlite3_errmsg(ref));
		goto done;
	}
	for (;;) {
		if ((ra = sqlite3_step(a)) != SQLITE_ROW && ra != SQLITE_DONE) {
			db_foreign_error(s, name, "its schema cannot be read", e);
			goto done;
		}
		if ((rb = sqlite3_step(b)) != SQLITE_ROW && rb != SQLITE_DONE) {
			error_set(e, 500, "SCHEMA_ERROR", "cannot read the reference schema: %s",
			    sqlite3_errmsg(ref));
			goto done;
		}
		if (ra == SQLITE_DONE && rb == SQLITE_DONE)
			break;
		order = ra == SQLITE_DONE ? 1 : rb == SQLITE_DONE ? -1 :
		    db_column_cmp(a, b, 0) != 0 ? db_column_cmp(a, b, 0) : db_column_cmp(a, b, 1);
		if (order > 0) {
			error_set(e, 422, "BAD_DATABASE", "%s is not a passnum database of schema version %d: "
			    "%s %s is missing", name, version, sqlite3_column_text(b, 0), sqlite3_column_text(b, 1));
			goto done;
		}
		if (order < 0 || db_column_cmp(a, b, 2) != 0 || db_column_cmp(a, b, 3) != 0) {
			error_set(e, 422, "BAD_DATABASE", "%s is not a passnum database of schema version %d: "
			    "%s %.100s is not %s", name, version, sqlite3_column_text(a, 0),
			    sqlite3_column_text(a, 1), order < 0 ? "one of its own" : "defined as its own");
			goto done;
		}
	}
	rc = 0;
done:
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	return rc;
}

/* The schema the schema files up to a version make, in a database in
 * memory kept for the process, one per version asked for (a restore asks
 * for one; the fuzz target, for the same few many times). Used with
 * db_reference_lock held; NULL with e set when a schema file fails. */
#define DB_REFERENCE_MAX 256
static pthread_mutex_t db_reference_lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3 *db_reference[DB_REFERENCE_MAX + 1];

static sqlite3 *
db_reference_schema(int version, struct error *e)
{
	char pragma[64];
	sqlite3 *ref = NULL;

	if (version > DB_REFERENCE_MAX) {
		error_set(e, 500, "SCHEMA_ERROR", "schema version %d is beyond %d", version, DB_REFERENCE_MAX);
		return NULL;
	}
	if (db_reference[version] != NULL)
		return db_reference[version];
	if (sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		error_set(e, 503, "OUT_OF_MEMORY", "cannot open a database in memory");
		sqlite3_close(ref);
		return NULL;
	}
	for (int v = 1; v <= version; v++) {
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v);
		if (sqlite3_exec(ref, (const char *)schema_files[v - 1].data, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(ref, pragma, NULL, NULL, NULL) != SQLITE_OK) {
			error_set(e, 500, "SCHEMA_ERROR", "schema file %s: %s", schema_files[v - 1].name,
			    sqlite3_errmsg(ref));
			sqlite3_close(ref);
			return NULL;
		}
	}
	return db_reference[version] = ref;
}

int
db_check_foreign(const char *path, const char *name, struct error *e)
{
	sqlite3 *s = NULL, *ref;
	sqlite3_stmt *q = NULL;
	const char *text;
	int version, rc = -1;

	if (sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		error_set(e, 422, "BAD_DATABASE", "cannot open %s: %s", name,
		    s != NULL ? sqlite3_errmsg(s) : "out of memory");
		goto done;
	}
	sqlite3_busy_timeout(s, DB_BUSY_TIMEOUT_MS);
	if (sqlite3_prepare_v2(s, "PRAGMA quick_check(1)", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW) {
		db_foreign_error(s, name, "SQLite cannot check it", e);
		goto done;
	}
	text = (const char *)sqlite3_column_text(q, 0);
	if (text == NULL || strcmp(text, "ok") != 0) {
		error_set(e, 422, "BAD_DATABASE", "%s is damaged: %.200s", name,
		    text != NULL ? text : "no answer");
		goto done;
	}
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(s, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW) {
		db_foreign_error(s, name, "its schema version cannot be read", e);
		goto done;
	}
	version = sqlite3_column_int(q, 0);
	if (version > db_schema_version()) {
		error_set(e, 503, "SCHEMA_TOO_NEW", "%s uses schema version %d but this passnum knows only up "
		    "to %d: upgrade passnum", name, version, db_schema_version());
		goto done;
	}
	if (version < 1) {
		error_set(e, 422, "BAD_DATABASE", "%s is not a passnum database (schema version %d)", name,
		    version);
		goto done;
	}
	pthread_mutex_lock(&db_reference_lock);
	if ((ref = db_reference_schema(version, e)) != NULL)
		rc = db_foreign_compare(s, ref, name, version, e);
	pthread_mutex_unlock(&db_reference_lock);
done:
	sqlite3_finalize(q);
	sqlite3_close(s);
	return rc;
}

int
db_open(struct db **out, const char *path, enum db_open_mode mode, struct error *e)
{
	static pthread_once_t tuned = PTHREAD_ONCE_INIT;
	struct db *db;
	struct stat st;
	int flags, rc, version = 0;

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
	/* The busy timeout comes first: even the schema version's read below
	 * can meet a lock (another process checkpointing and removing the WAL
	 * as it closes, or rebuilding the WAL index) and must wait for it. */
	sqlite3_busy_timeout(db->sqlite, DB_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db->sqlite, 1);
	/* A home newer than this binary is refused before anything (even the
	 * journal mode) is written to it. */
	if (db_user_version(db, &version, e) != 0 || (version > db_schema_version() &&
	    db_migrate(db, path, mode, e) != 0) ||
	    db_configure(db, mode, e) != 0 || db_migrate(db, path, mode, e) != 0)
		goto fail;
	sqlite3_set_authorizer(db->sqlite, db_authorize, NULL);
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
	for (size_t i = 0; i < db->cache_size; i++) {
		if (db->cache[i] == NULL)
			continue;
		sqlite3_finalize(db->cache[i]->stmt);
		free(db->cache[i]->sql);
		free(db->cache[i]);
	}
	free(db->cache);
	sqlite3_close_v2(db->sqlite);
	free(db);
}

static uint64_t
db_hash(const char *sql)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (const unsigned char *p = (const unsigned char *)sql; *p != '\0'; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	return h;
}

static void
db_cache_grow(struct db *db)
{
	size_t size = db->cache_size ? db->cache_size * 2 : DB_CACHE_INITIAL;
	struct db_cached **slots = calloc(size, sizeof(*slots));

	if (slots == NULL)
		abort();
	for (size_t i = 0; i < db->cache_size; i++) {
		size_t j;
		if (db->cache[i] == NULL)
			continue;
		for (j = db->cache[i]->hash & (size - 1); slots[j] != NULL; j = (j + 1) & (size - 1))
			;
		slots[j] = db->cache[i];
	}
	free(db->cache);
	db->cache = slots;
	db->cache_size = size;
}

/* Finds or prepares the entry of sql (by hash and text). Aborts on a
 * statement that does not prepare: SQL text is the program's, so that is a
 * bug. */
static struct db_cached *
db_cached_lookup(struct db *db, const char *sql)
{
	uint64_t hash = db_hash(sql);
	struct db_cached *c;
	size_t i;

	if (2 * (db->cache_used + 1) > db->cache_size)
		db_cache_grow(db);
	for (i = hash & (db->cache_size - 1); db->cache[i] != NULL; i = (i + 1) & (db->cache_size - 1))
		if (db->cache[i]->hash == hash && strcmp(db->cache[i]->sql, sql) == 0)
			return db->cache[i];
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->sql = strdup(sql)) == NULL)
		abort();
	if (sqlite3_prepare_v3(db->sqlite, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmt,
	    NULL) != SQLITE_OK) {
		fprintf(stderr, "passnum: bug: cannot prepare \"%s\": %s\n", sql,
		    sqlite3_errmsg(db->sqlite));
		abort();
	}
	c->hash = hash;
	db->cache[i] = c;
	db->cache_used++;
	return c;
}

/* The cache entry of sql: first by the text's address (verified by
 * comparing the text, since a buffer may be reused), else by hash. */
static struct db_cached *
db_cached(struct db *db, const char *sql)
{
	size_t slot = ((uintptr_t)sql >> 4) % DB_RECENT_SLOTS;
	struct db_cached *c;

	if (db->recent[slot].address == sql && strcmp(db->recent[slot].entry->sql, sql) == 0)
		return db->recent[slot].entry;
	c = db_cached_lookup(db, sql);
	db->recent[slot].address = sql;
	db->recent[slot].entry = c;
	return c;
}

static int
db_is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

int
db_write_begin(struct db *db, const struct db_busy *busy, struct error *e)
{
	int wait_ms = busy != NULL ? busy->wait_ms : DB_BUSY_DEFAULT_WAIT_MS;
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	struct timespec start, now;
	int rc;

	if (db->writing || !sqlite3_get_autocommit(db->sqlite))
		return error_set(e, 500, "STORE_BUG", "bug: a write transaction is already open");
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		rc = sqlite3_exec(db->sqlite, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK) {
			db->writing = true;
			db->write_token++;
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!db_is_busy(rc) || (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000 >= wait_ms)
			return db_error(db, rc, e);
		nanosleep(&pause, NULL);
	}
}

int
db_write_end(struct db *db, int rc, struct error *e)
{
	int sqlite_rc;

	if (!db->writing)
		return rc == 0 ? error_set(e, 500, "STORE_BUG", "bug: no write transaction to end") : -1;
	db->writing = false;
	if (rc == 0) {
		sqlite_rc = sqlite3_exec(db->sqlite, "COMMIT", NULL, NULL, NULL);
		if (sqlite_rc == SQLITE_OK) {
			db->commits++;
			return 0;
		}
		db_error(db, sqlite_rc, e);
	}
	if (!sqlite3_get_autocommit(db->sqlite))
		sqlite3_exec(db->sqlite, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
db_write(struct db *db, const struct db_busy *busy, db_work_fn work, void *ctx,
    struct error *e)
{
	struct error local;

	error_clear(&local);
	if (db_write_begin(db, busy, &local) != 0) {
		if (e != NULL)
			*e = local;
		return -1;
	}
	if (db_write_end(db, work(db, ctx, &local), &local) == 0)
		return 0;
	if (e != NULL)
		*e = local;
	return -1;
}

int
db_savepoint(struct db *db, db_work_fn work, void *ctx, struct error *e,
    struct error *fatal)
{
	int rc;

	if (!db->writing)
		return error_set(fatal, 500, "STORE_BUG", "bug: a savepoint outside a write transaction"),
		    -2;
	/* Prepared once like any statement: the writer makes one per request. */
	if (db_run(db, "SAVEPOINT work", DB_NO_ARGS, fatal) != 0)
		return -2;
	rc = work(db, ctx, e) == 0 ? 0 : -1;
	if (rc != 0)
		db->write_token++; /* what the work read or wrote is undone */
	if (rc != 0 && db_run(db, "ROLLBACK TO work", DB_NO_ARGS, fatal) != 0)
		return -2;
	if (db_run(db, "RELEASE work", DB_NO_ARGS, fatal) != 0)
		return -2;
	return rc;
}

int
db_read(struct db *db, db_work_fn work, void *ctx, struct error *e)
{
	int rc;

	if (!sqlite3_get_autocommit(db->sqlite))
		return work(db, ctx, e);
	if ((rc = sqlite3_exec(db->sqlite, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK)
		return db_error(db, rc, e);
	rc = work(db, ctx, e);
	sqlite3_exec(db->sqlite, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int64_t
db_commits(const struct db *db)
{
	return db->commits;
}

bool
db_writing(const struct db *db)
{
	return db->writing;
}

uint64_t
db_write_token(const struct db *db)
{
	return db->writing ? db->write_token : 0;
}

uint64_t
db_write_token_renew(struct db *db)
{
	return db->writing ? ++db->write_token : 0;
}

int
db_in_write(const struct db *db, const char *function, struct error *e)
{
	if (db->writing)
		return 0;
	return error_set(e, 500, "NO_TRANSACTION", "bug: %s writes outside a write transaction",
	    function);
}

/* Statements. */

/* A statement for sql with args bound, marked busy; *temporary says it must
 * be finalised (the cached one was busy). NULL with e set when the
 * arguments do not match. */
static sqlite3_stmt *
db_acquire(struct db *db, const char *sql, const struct db_value *args,
    struct db_cached **entry, bool *temporary, struct error *e)
{
	struct db_cached *c = *entry = db_cached(db, sql);
	sqlite3_stmt *stmt = c->stmt;
	int count = 0, rc = SQLITE_OK;

	*temporary = c->busy;
	if (c->busy && sqlite3_prepare_v3(db->sqlite, sql, -1, 0, &stmt, NULL) != SQLITE_OK) {
		db_error(db, sqlite3_errcode(db->sqlite), e);
		return NULL;
	}
	for (const struct db_value *a = args; a != NULL && a->type != DB_TYPE_END && rc == SQLITE_OK;
	    a++) {
		count++;
		switch (a->type) {
		case DB_TYPE_INT:
			rc = sqlite3_bind_int64(stmt, count, a->i);
			break;
		case DB_TYPE_TEXT:
			rc = a->p == NULL || (a->len == 1 && *(const char *)a->p == '\0') ?
			    sqlite3_bind_null(stmt, count) :
			    sqlite3_bind_text(stmt, count, a->p, -1, SQLITE_STATIC);
			break;
		case DB_TYPE_BLOB:
			rc = sqlite3_bind_blob(stmt, count, a->p, (int)a->len, SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(stmt, count);
			break;
		}
	}
	if (rc != SQLITE_OK || count != sqlite3_bind_parameter_count(stmt)) {
		if (rc != SQLITE_OK)
			db_error(db, rc, e);
		else
			error_set(e, 500, "STORE_BUG", "bug: %d argument(s) for %d parameter(s) in \"%.80s\"",
			    count, sqlite3_bind_parameter_count(stmt), sql);
		sqlite3_clear_bindings(stmt);
		if (*temporary)
			sqlite3_finalize(stmt);
		return NULL;
	}
	if (!*temporary)
		c->busy = true;
	return stmt;
}

static void
db_release(struct db_cached *entry, sqlite3_stmt *stmt, bool temporary)
{
	if (temporary) {
		sqlite3_finalize(stmt);
		return;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	entry->busy = false;
}

/* Steps stmt through its rows, calling fn (when not NULL) on each, up to
 * max rows. Returns the rows seen (>= 0) or -1 with e set. */
static int64_t
db_steps(struct db *db, sqlite3_stmt *stmt, db_row_fn fn, void *ctx, int64_t max,
    struct error *e)
{
	int64_t rows = 0;
	int rc = SQLITE_DONE;

	while (rows < max && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		rows++;
		if (fn == NULL)
			continue;
		int r = fn((const struct db_row *)stmt, ctx, e);
		if (r < 0)
			return -1;
		if (r > 0)
			return rows;
	}
	if (rows < max && rc != SQLITE_DONE)
		return db_error(db, rc, e);
	return rows;
}

static int64_t
db_query(struct db *db, const char *sql, const struct db_value *args, db_row_fn fn,
    void *ctx, int64_t max, struct error *e)
{
	struct db_cached *entry;
	bool temporary;
	sqlite3_stmt *stmt = db_acquire(db, sql, args, &entry, &temporary, e);
	int64_t rows;

	if (stmt == NULL)
		return -1;
	rows = db_steps(db, stmt, fn, ctx, max, e);
	db_release(entry, stmt, temporary);
	return rows;
}

int
db_run(struct db *db, const char *sql, const struct db_value *args, struct error *e)
{
	return db_query(db, sql, args, NULL, NULL, INT64_MAX, e) < 0 ? -1 : 0;
}

int
db_one(struct db *db, const char *sql, const struct db_value *args, db_row_fn fn,
    void *ctx, struct error *e)
{
	int64_t rows = db_query(db, sql, args, fn, ctx, 1, e);

	return rows < 0 ? -1 : rows > 0;
}

int
db_each(struct db *db, const char *sql, const struct db_value *args, db_row_fn fn,
    void *ctx, struct error *e)
{
	return db_query(db, sql, args, fn, ctx, INT64_MAX, e) < 0 ? -1 : 0;
}

static int
db_int64_row(const struct db_row *row, void *ctx, struct error *e)
{
	(void)e;
	*(int64_t *)ctx = db_row_int64(row, 0);
	return 0;
}

int
db_int64(struct db *db, const char *sql, const struct db_value *args, int64_t *out,
    struct error *e)
{
	return db_one(db, sql, args, db_int64_row, out, e);
}

int64_t
db_last_rowid(const struct db *db)
{
	return sqlite3_last_insert_rowid(db->sqlite);
}

int64_t
db_changes(const struct db *db)
{
	return sqlite3_changes64(db->sqlite);
}

int64_t
db_row_int64(const struct db_row *row, int col)
{
	return sqlite3_column_int64((sqlite3_stmt *)row, col);
}

bool
db_row_is_null(const struct db_row *row, int col)
{
	return sqlite3_column_type((sqlite3_stmt *)row, col) == SQLITE_NULL;
}

const char *
db_row_text_ptr(const struct db_row *row, int col, size_t *len)
{
	sqlite3_stmt *stmt = (sqlite3_stmt *)row;
	const char *text = (const char *)sqlite3_column_text(stmt, col);

	if (len != NULL)
		*len = text != NULL ? (size_t)sqlite3_column_bytes(stmt, col) : 0;
	return text != NULL ? text : "";
}

int
db_row_text(const struct db_row *row, int col, char *buf, size_t size)
{
	size_t len;
	const char *text = db_row_text_ptr(row, col, &len);
	int fits = len < size;

	if (!fits)
		len = size - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return fits ? 0 : -1;
}

int
db_row_blob(const struct db_row *row, int col, void *out, size_t size)
{
	size_t len;
	const void *blob = db_row_blob_ptr(row, col, &len);

	if (blob == NULL || len != size)
		return -1;
	memcpy(out, blob, size);
	return 0;
}

const void *
db_row_blob_ptr(const struct db_row *row, int col, size_t *len)
{
	sqlite3_stmt *stmt = (sqlite3_stmt *)row;
	const void *blob = sqlite3_column_blob(stmt, col);

	*len = blob != NULL ? (size_t)sqlite3_column_bytes(stmt, col) : 0;
	return blob;
}

/* The caller's callback of db_each_int64_pair. */
struct db_pair_ctx {
	int (*fn)(int64_t a, int64_t b, void *ctx);
	void *ctx;
};

static int
db_pair_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct db_pair_ctx *c = ctx;

	(void)e;
	return c->fn(db_row_int64(row, 0), db_row_int64(row, 1), c->ctx) != 0 ? -1 : 0;
}

int
db_each_int64_pair(struct db *db, const char *sql,
    int (*fn)(int64_t a, int64_t b, void *ctx), void *ctx, struct error *e)
{
	struct db_pair_ctx c = { fn, ctx };

	return db_each(db, sql, DB_NO_ARGS, db_pair_row, &c, e);
}


struct db_backup_job {
	const char *path;
	int pages_per_step;
	void (*progress)(int done, int total, void *ctx);
	void *ctx;
};

/* Steps the backup from db into dest until done; runs inside db_read. */
static int
db_backup_steps(struct db *db, sqlite3 *dest, const struct db_backup_job *job, struct error *e)
{
	sqlite3_backup *backup;
	int rc;

	/* A first read starts the snapshot that every step then copies from. */
	if ((rc = sqlite3_exec(db->sqlite, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL)) != SQLITE_OK)
		return db_error(db, rc, e);
	if ((backup = sqlite3_backup_init(dest, "main", db->sqlite, "main")) == NULL)
		return error_set(e, 500, "BACKUP_FAILED", "cannot start the backup into %s: %s", job->path,
		    sqlite3_errmsg(dest));
	do {
		rc = sqlite3_backup_step(backup, job->pages_per_step);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(5);
		if (job->progress != NULL)
			job->progress(sqlite3_backup_pagecount(backup) - sqlite3_backup_remaining(backup),
			    sqlite3_backup_pagecount(backup), job->ctx);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(backup);
	if (rc != SQLITE_DONE)
		return error_set(e, 500, "BACKUP_FAILED", "backup into %s failed: %s", job->path,
		    sqlite3_errstr(rc));
	return 0;
}

static int
db_backup_work(struct db *db, void *ctx, struct error *e)
{
	const struct db_backup_job *job = ctx;
	sqlite3 *dest = NULL;
	int rc = -1;

	if (sqlite3_open_v2(job->path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		error_set(e, 500, "BACKUP_FAILED", "cannot create %s: %s", job->path,
		    dest != NULL ? sqlite3_errmsg(dest) : "out of memory");
		goto done;
	}
	if (db_backup_steps(db, dest, job, e) != 0)
		goto done;
	if (sqlite3_exec(dest, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL;"
	    " PRAGMA user_version", NULL, NULL, NULL) != SQLITE_OK) {
		error_set(e, 500, "BACKUP_FAILED", "cannot finish %s: %s", job->path, sqlite3_errmsg(dest));
		goto done;
	}
	rc = 0;
done:
	if (dest != NULL && sqlite3_close(dest) != SQLITE_OK && rc == 0)
		rc = error_set(e, 500, "BACKUP_FAILED", "cannot close %s", job->path);
	return rc;
}

int
db_backup_to(struct db *db, const char *path, int pages_per_step,
    void (*progress)(int done, int total, void *ctx), void *ctx, struct error *e)
{
	struct db_backup_job job = { path, pages_per_step > 0 ? pages_per_step : 256, progress, ctx };

	if (db->writing)
		return error_set(e, 500, "STORE_BUG", "db_backup_to inside a write transaction");
	return db_read(db, db_backup_work, &job, e);
}
