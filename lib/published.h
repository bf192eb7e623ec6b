/* The rollback guard (docs/operations.md "Rolling back a published log"):
 * the largest checkpoint this home ever made is kept beside it, in
 * HOME/published-checkpoint (the signed note, written atomically each time
 * a larger checkpoint is made), and in every backup. A ledger smaller than
 * it, or whose tree at its size has another root, is refused by passnumd
 * and `passnum restore` unless the operator accepts the rollback: a
 * `rollback` entry (no postings, docs/ledger.md) is appended, stating the
 * published size and root and the reason, then signed by a new checkpoint. */
#ifndef PASSNUM_PUBLISHED_H
#define PASSNUM_PUBLISHED_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "checkpoint.h"
#include "error.h"

struct db;

#define PUBLISHED_FILE "published-checkpoint"
#define PUBLISHED_REASON_MAX 80 /* bytes of the operator's reason in the entry's memo */

struct published {
	bool known;                  /* false: no published checkpoint (none made yet) */
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	char note[NOTE_CHECKPOINT_MAX];
	size_t len;
};

/* Parses a checkpoint note (len bytes) of log origin into p: origin line,
 * size, root; the signature lines are kept, not checked (the file is
 * trusted like the home beside it). Returns 0, or -1 with e set (422
 * BAD_PUBLISHED). */
int published_parse(const char *text, size_t len, const char *origin, struct published *p,
    struct error *e);

/* Reads the published checkpoint file at path into p; a missing file gives
 * p->known false. Returns 0, or -1 with e set. */
int published_read(const char *path, const char *origin, struct published *p, struct error *e);

/* Keeps in a the larger of a and b (b may be unknown). */
void published_max(struct published *a, const struct published *b);

/* Writes p's note to dir/published-checkpoint atomically (a temporary
 * file, fsync, rename, fsync of dir), mode 0600. Returns 0, or -1 with e
 * set. */
int published_write(const char *dir, const struct published *p, struct error *e);

/* Brings dir/published-checkpoint up to db's latest checkpoint when that is
 * larger (or the file is missing). Returns 0, or -1 with e set. */
int published_sync(struct db *db, const char *dir, struct error *e);

/* Checks db's ledger against p: refuses (409 ROLLBACK) a ledger smaller
 * than p's size, and (409 FORKED) one whose root at that size differs; the
 * message says how to accept it. Returns 0, or -1 with e set. */
int published_check(struct db *db, const struct published *p, struct error *e);

/* Checks that reason can be recorded: 1 to PUBLISHED_REASON_MAX bytes of
 * valid UTF-8 without control characters. Pure. Returns 0, or -1 with e set
 * (400 BAD_REASON). */
int published_reason_check(const char *reason, struct error *e);

/* Accepts the rollback from p to db's ledger: inside the caller's write
 * transaction appends the `rollback` entry (reference
 * "published:SIZE:ROOTHEX", memo in French with the sizes and reason) and
 * makes a checkpoint signed by the active ledger key (read from dir/keys),
 * returned in made. The caller then writes made as the published
 * checkpoint (published_write after COMMIT). Returns 0, or -1 with e set. */
int published_accept(struct db *db, const char *dir, const struct published *p, const char *reason,
    int64_t now, struct checkpoint *made, struct error *e);

/* The published record of checkpoint cp (its note parsed). */
int published_from_checkpoint(const struct checkpoint *cp, const char *origin, struct published *p,
    struct error *e);

#endif
