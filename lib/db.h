/* The SQLite wrapper: open a home's database (WAL, synchronous=FULL, foreign
 * keys on), migrate it with the embedded schema/ files, prepare hot
 * statements once, and run every write through one transaction runner.
 * A struct db is used by one thread at a time. */
#ifndef PASSNUM_DB_H
#define PASSNUM_DB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* Checks the database file at path, which comes from outside the home (a
 * restored backup, whose checksum anyone can recompute), before db_open
 * trusts it; name is how refusals call it ("the backup's database"):
 * SQLite finds it intact (quick_check), its schema version is one this
 * passnum knows, and its tables, indexes, triggers and views are exactly
 * those the schema files up to that version make, with the same SQL. The
 * file is not changed. Returns 0, or -1 with e set (422 BAD_DATABASE naming
 * the first difference; 503 SCHEMA_TOO_NEW). */
int db_check_foreign(const char *path, const char *name, struct error *e);

/* Finalises cached statements and closes the connection; NULL is fine. */
void db_close(struct db *db);

/* Takes the WAL checkpoints out of this connection's commits (SQLite
 * otherwise copies the WAL back into the database, with an fsync of the
 * database file, inside the commit that crosses 1,000 pages): after a
 * commit that leaves the WAL at `pages` pages or more, notify(ctx) runs on
 * the committing thread (it must be quick: wake someone) and the notified
 * party calls db_wal_checkpoint on its own connection. Durability is the
 * same: a commit is durable once its WAL frames are synced. */
void db_wal_checkpoint_elsewhere(struct db *db, int pages, void (*notify)(void *ctx), void *ctx);

/* A passive WAL checkpoint on db: copies into the database what the WAL
 * holds and no reader still needs, without blocking writers or readers;
 * *pages and *copied (may be NULL) get the WAL's frames and those copied.
 * Busy is not an error (the next one copies more). */
int db_wal_checkpoint(struct db *db, int *pages, int *copied, struct error *e);

/* Runs SQL text without results (DDL, PRAGMA); returns 0 or -1 with e set. */
int db_exec(struct db *db, const char *sql, struct error *e);

/* Transactions. Only this module writes BEGIN, SAVEPOINT, RELEASE,
 * ROLLBACK and COMMIT. A write transaction is BEGIN IMMEDIATE (the write
 * lock is taken first, so nothing inside it waits on another writer);
 * callers own the boundaries and lib functions that write check
 * db_in_write. */

/* A unit of work run inside a transaction or savepoint: returns 0 to
 * commit, -1 (with e set) to roll back. */
typedef int (*db_work_fn)(struct db *db, void *ctx, struct error *e);

/* How long a writer waits for the write lock held by another process (the
 * CLI while passnumd writes, or the reverse). */
struct db_busy {
	int wait_ms;
};
#define DB_BUSY_DEFAULT ((const struct db_busy *)NULL) /* 10 s */

/* Opens a write transaction (BEGIN IMMEDIATE), waiting up to busy->wait_ms
 * for the lock. Nested write transactions are refused (a bug). Returns 0, or
 * -1 with e set (503 STORE_BUSY when the lock did not come). */
int db_write_begin(struct db *db, const struct db_busy *busy, struct error *e);

/* Ends the write transaction opened by db_write_begin: COMMIT when rc is 0,
 * ROLLBACK otherwise. Returns 0 when committed; -1 when rolled back (e is
 * left as the caller set it when rc was -1, or set to the COMMIT's
 * failure). */
int db_write_end(struct db *db, int rc, struct error *e);

/* Runs work inside one write transaction (db_write_begin, work,
 * db_write_end). On failure everything is rolled back and e holds exactly
 * one error. */
int db_write(struct db *db, const struct db_busy *busy, db_work_fn work, void *ctx,
    struct error *e);

/* Runs work inside a SAVEPOINT of the current write transaction: on 0 the
 * savepoint is released, on -1 its changes are rolled back (the rest of the
 * transaction stays). Returns work's result, or -2 with *fatal set when the
 * savepoint itself could not be made or undone (the transaction is then
 * broken: end it with a rollback). */
int db_savepoint(struct db *db, db_work_fn work, void *ctx, struct error *e,
    struct error *fatal);

/* Runs work inside one read transaction: every read in it sees the same
 * snapshot (WAL). Inside a transaction already open, work just runs. */
int db_read(struct db *db, db_work_fn work, void *ctx, struct error *e);

/* Write transactions committed on this connection since it was opened. */
int64_t db_commits(const struct db *db);

/* Whether a write transaction (db_write_begin) is open on db. */
bool db_writing(const struct db *db);

/* 0 outside a write transaction; inside one, a value that stays the same
 * until the transaction ends, a savepoint is rolled back or someone renews
 * it, and is never reused on this connection. A module that caches what it
 * read in a transaction keeps the token with it and renews the token when it
 * changes what it caches (lib/ledger: the head of the log): the cache is
 * current while the token is unchanged (one writer at a time). */
uint64_t db_write_token(const struct db *db);
/* Renews the token (0 outside a write transaction) and returns the new one. */
uint64_t db_write_token_renew(struct db *db);

/* For lib functions that write: returns 0 inside a write transaction, else
 * -1 with e set (500 NO_TRANSACTION naming the function: a bug). */
int db_in_write(const struct db *db, const char *function, struct error *e);
#define DB_IN_WRITE(db, e) db_in_write((db), __func__, (e))

/* Statements. Every statement is prepared once per connection (cached by
 * its SQL text), bound from a typed argument list, stepped and reset here.
 * Arguments are positional (?1, ?2, ... in the order given) and their count
 * must equal the statement's parameters (else 500 STORE_BUG). */
enum db_type { DB_TYPE_END, DB_TYPE_INT, DB_TYPE_TEXT, DB_TYPE_BLOB, DB_TYPE_NULL };
struct db_value {
	enum db_type type;
	int64_t i;
	const void *p; /* text (NUL-ended) or blob */
	size_t len;    /* blob length */
};
#define DB_INT(x) ((struct db_value){ .type = DB_TYPE_INT, .i = (int64_t)(x) })
/* Text; a NULL pointer binds SQL NULL. */
#define DB_TEXT(s) ((struct db_value){ .type = DB_TYPE_TEXT, .p = (s) })
/* Text, or SQL NULL when it is NULL or empty. */
#define DB_TEXT_OR_NULL(s) ((struct db_value){ .type = DB_TYPE_TEXT, .p = (s), .len = 1 })
#define DB_BLOB(ptr, size) ((struct db_value){ .type = DB_TYPE_BLOB, .p = (ptr), .len = (size) })
#define DB_NULL ((struct db_value){ .type = DB_TYPE_NULL })
#define DB_ARGS(...) ((const struct db_value[]){ __VA_ARGS__, { .type = DB_TYPE_END } })
#define DB_NO_ARGS ((const struct db_value *)NULL)

/* One result row, valid only inside the callback it is given to. */
struct db_row;
/* Called for each row: returns 0 to go on, 1 to stop (success), -1 to stop
 * with e set. */
typedef int (*db_row_fn)(const struct db_row *row, void *ctx, struct error *e);

/* Runs a statement that returns no rows (INSERT, UPDATE, DELETE, ...).
 * Returns 0, or -1 with e set (409 CONSTRAINT for a constraint). */
int db_run(struct db *db, const char *sql, const struct db_value *args, struct error *e);

/* Runs a query and calls fn on its first row, if any. Returns 1 when there
 * was a row (and fn returned 0 or 1), 0 when there was none, -1 on error
 * (fn's or the database's). fn may be NULL (an existence check). */
int db_one(struct db *db, const char *sql, const struct db_value *args, db_row_fn fn,
    void *ctx, struct error *e);

/* Runs a query and calls fn on each row. Returns 0 (all rows, or fn
 * returned 1), or -1 with e set. fn may run other statements, this one
 * included (a fresh statement is prepared when the cached one is busy). */
int db_each(struct db *db, const char *sql, const struct db_value *args, db_row_fn fn,
    void *ctx, struct error *e);

/* Runs a query whose first column of its first row is an integer: 1 with
 * *out set, 0 when there is no row (*out untouched), -1 with e set. */
int db_int64(struct db *db, const char *sql, const struct db_value *args, int64_t *out,
    struct error *e);

/* The rowid of the last INSERT and the rows changed by the last statement
 * on this connection. */
int64_t db_last_rowid(const struct db *db);
int64_t db_changes(const struct db *db);

/* Column accessors (col from 0). Text and blob pointers live until the
 * callback returns. */
int64_t db_row_int64(const struct db_row *row, int col);
bool db_row_is_null(const struct db_row *row, int col);
/* The text of col ("" for NULL) and its length in bytes. */
const char *db_row_text_ptr(const struct db_row *row, int col, size_t *len);
/* Copies col as text into buf (size > 0), "" for NULL. Returns 0, or -1 when
 * it did not fit (buf then holds a cut copy). */
int db_row_text(const struct db_row *row, int col, char *buf, size_t size);
/* Copies a BLOB of exactly size bytes into out; -1 when NULL or another
 * length. */
int db_row_blob(const struct db_row *row, int col, void *out, size_t size);
/* The blob of col and its length (NULL, 0 for NULL). */
const void *db_row_blob_ptr(const struct db_row *row, int col, size_t *len);

/* Copies db's whole database into a new file at path (which must not
 * exist or be empty) with SQLite's online backup API, pages_per_step pages
 * per step, all inside one read transaction of db: the copy is one
 * consistent snapshot, and in WAL mode other connections (passnumd's
 * writer) keep committing meanwhile, never waiting on it. The copy is left
 * in rollback-journal mode (one self-contained file) and synced. progress,
 * when not NULL, gets (pages copied, total) after each step. Returns 0, or
 * -1 with e set (path may then hold a partial copy: the caller removes it). */
int db_backup_to(struct db *db, const char *path, int pages_per_step,
    void (*progress)(int done, int total, void *ctx), void *ctx, struct error *e);

/* The schema version this binary knows (the highest schema/NNNN-*.sql). */
int db_schema_version(void);

/* Runs sql (a literal selecting two integer columns, no parameters) and
 * calls fn for each row; stops at fn's first non-zero. Returns 0 or -1. */
int db_each_int64_pair(struct db *db, const char *sql,
    int (*fn)(int64_t a, int64_t b, void *ctx), void *ctx, struct error *e);

#endif
