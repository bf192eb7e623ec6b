/* The SQLite wrapper: open a home's database (WAL, synchronous=FULL, foreign
 * keys on), migrate it with the embedded schema/ files, prepare hot
 * statements once, and run every write through one transaction runner.
 * A struct db is used by one thread at a time. */
#ifndef PASSNUM_DB_H
#define PASSNUM_DB_H
#include <stdint.h>
#include <sqlite3.h>
#include "error.h"

struct db;

enum db_open_mode {
	DB_OPEN_EXISTING = 0, /* the file must exist; upgrade it if older */
	DB_OPEN_CREATE = 1,   /* the file must not exist; create and migrate */
	DB_OPEN_READONLY = 2, /* the file must exist and be current; no writes */
};

/* Opens (or creates) the database at path and brings its schema up to date.
 * A database newer than this binary is refused. On success *out owns the
 * connection (db_close). Returns 0, or -1 with e set. */
int db_open(struct db **out, const char *path, enum db_open_mode mode, struct error *e);

/* Finalises cached statements and closes the connection; NULL is fine. */
void db_close(struct db *db);

/* The raw handle, for modules of lib/ that talk SQL. */
sqlite3 *db_handle(struct db *db);

/* Returns a prepared statement for sql, prepared once per connection and
 * cached by the address of sql (pass string literals). The statement is reset
 * and its bindings cleared. Aborts on a syntax error: that is a bug. */
sqlite3_stmt *db_prepare(struct db *db, const char *sql);

/* Steps stmt once; returns SQLITE_ROW or SQLITE_DONE, or -1 with e set
 * (503 STORE_BUSY / 500 STORE_ERROR, or 409 CONSTRAINT for a constraint). */
int db_step(struct db *db, sqlite3_stmt *stmt, struct error *e);

/* Steps stmt to completion (a write); returns 0 or -1 with e set. */
int db_exec_stmt(struct db *db, sqlite3_stmt *stmt, struct error *e);

/* Runs SQL text without results (DDL, PRAGMA); returns 0 or -1 with e set. */
int db_exec(struct db *db, const char *sql, struct error *e);

/* A unit of work run inside a transaction: returns 0 to commit, -1 (with e
 * set) to roll back. */
typedef int (*db_work_fn)(struct db *db, void *ctx, struct error *e);

/* Runs work inside BEGIN IMMEDIATE ... COMMIT, retrying a bounded number of
 * times while the database is busy. On failure everything is rolled back
 * and e holds exactly one error. */
int db_transaction(struct db *db, db_work_fn work, void *ctx, struct error *e);

/* The schema version this binary knows (the highest schema/NNNN-*.sql). */
int db_schema_version(void);

/* Runs sql (a literal selecting two integer columns, no parameters) and
 * calls fn for each row; stops at fn's first non-zero. Returns 0 or -1. */
int db_each_int64_pair(struct db *db, const char *sql,
    int (*fn)(int64_t a, int64_t b, void *ctx), void *ctx, struct error *e);

/* Column helpers: copies column col as text into buf (truncated, NUL-ended),
 * "" for NULL. */
void db_column_text(sqlite3_stmt *stmt, int col, char *buf, size_t size);

/* Copies a BLOB column of exactly size bytes into out; returns 0, or -1 when
 * the column is NULL or of another length. */
int db_column_blob(sqlite3_stmt *stmt, int col, void *out, size_t size);

/* Maps a SQLite failure to the error type; returns -1. */
int db_error(struct db *db, int rc, struct error *e);

#endif
