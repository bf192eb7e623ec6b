/* Backups of a home (docs/operations.md): one file holding an online copy of
 * the database and, optionally, the secret key files encrypted with a
 * passphrase (Argon2id + XChaCha20-Poly1305 secretstream), sealed by a
 * BLAKE2b checksum. Written atomically (temporary file, fsync, link), mode
 * 0600, and verified (audit_verify) before it is kept. */
#ifndef PASSNUM_BACKUP_H
#define PASSNUM_BACKUP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

struct db;

struct backup_result {
	uint64_t db_bytes;   /* size of the database copy */
	uint64_t entries;    /* ledger entries verified in the copy */
	int keys;            /* secret key files included (0 without keys) */
	bool published_known;    /* a published checkpoint is recorded (in the backup, or the home) */
	uint64_t published_size; /* its tree size */
	int64_t purged;          /* restore: hand-out records purged to totals */
	bool rolled_back;        /* restore: a rollback statement was appended */
	uint64_t rolled_back_from; /* the published size it rolled back from */
};

/* What a restore checks the restored ledger against (published.h). */
struct backup_guard {
	const char *published_file; /* a published checkpoint note known elsewhere (NULL: none) */
	const char *accept_reason;  /* NULL: refuse a rollback; else accept it with this reason */
};

/* Backs up the home at home_dir (its open database db) into file, which
 * must not exist. With passphrase (len bytes, not NUL-ended necessarily)
 * the files of home_dir/keys/ are included, encrypted; NULL leaves them
 * out. Returns 0 with r filled, or -1 with e set and nothing left behind. */
int backup_create(struct db *db, const char *home_dir, const char *file, const char *passphrase,
    size_t len, struct backup_result *r, struct error *e);

/* Reads file's header: *has_keys tells whether a passphrase is needed to
 * restore its keys. Returns 0, or -1 with e set (not a passnum backup). */
int backup_probe(const char *file, bool *has_keys, struct error *e);

/* Restores file into home_dir, which must be missing (created 0700) or an
 * empty folder (published-checkpoint alone allowed). The checksum and, when
 * the backup has keys, the passphrase are checked before anything is
 * written; passphrase may be NULL only for a backup without keys. The
 * restored home is opened and verified, then checked against the largest
 * published checkpoint known (the backup's, home_dir's, guard's file): a
 * smaller or forked ledger is refused (409 ROLLBACK, FORKED) unless
 * guard->accept_reason, which appends a signed rollback statement (needs the
 * keys). Hand-outs older than the retention are purged again. Returns 0
 * with r filled, or -1 with e set (home_dir then as it was). guard may be
 * NULL. */
int backup_restore(const char *file, const char *home_dir, const char *passphrase, size_t len,
    const struct backup_guard *guard, struct backup_result *r, struct error *e);

#endif
