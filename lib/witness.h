/* A C2SP tlog-witness (https://c2sp.org/tlog-witness): the state and rules
 * behind `passnum witness`, without HTTP (cli/cmd_witness.c serves it).
 *
 * A witness has a name and an Ed25519 key, and follows logs, each named by
 * its origin and checked with the log's verifier key (a C2SP vkey, type
 * 0x01). For each log it remembers the latest checkpoint it cosigned (size,
 * root, the cosigned note). It cosigns a new checkpoint only when the
 * client's "old" size is that size and the consistency proof from it
 * verifies, so it never cosigns two different trees of the same size, and
 * never a tree that does not extend the one it cosigned before.
 *
 * A witness directory DIR holds witness.conf ("name NAME"), witness.key
 * (the 64-byte secret key, mode 0600), witness.lock (held while a witness
 * serves it, so that two processes never answer for one key) and
 * logs/<hex SHA-256 of the origin>.log, one per log:
 *
 *   passnum-witness-log 1
 *   origin <origin>
 *   vkey <the log's vkey>
 *   size <latest cosigned size, 0 before the first>
 *   root <base64 root of that tree>
 *   (a blank line, then the latest cosigned note, when there is one)
 *
 * replaced atomically (a synced temporary file renamed, the folder synced)
 * before a cosignature is returned. Functions return 0 or -1 with e set. */
#ifndef PASSNUM_WITNESS_H
#define PASSNUM_WITNESS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cosignature.h"
#include "error.h"
#include "merkle.h"
#include "note.h"

/* The most consistency proof lines a client may send (the spec's 63). */
#define WITNESS_PROOF_MAX 63
/* The largest add-checkpoint body: the old line, 63 proof lines, a blank
 * line and a note. */
#define WITNESS_BODY_MAX (32 + WITNESS_PROOF_MAX * 46 + 1 + NOTE_MAX_BYTES)
/* A cosigned note: the log's note and our cosignature line. */
#define WITNESS_NOTE_MAX (NOTE_MAX_BYTES + COSIGNATURE_LINE_MAX)

struct witness_log {
	char origin[NOTE_NAME_MAX + 1];
	char vkey[NOTE_VKEY_MAX];
	char key_name[NOTE_NAME_MAX + 1];     /* the log key's name (from vkey) */
	uint8_t pub[NOTE_PUBLIC_KEY_SIZE];
	uint8_t origin_hash[32];              /* SHA-256 of origin: its file's name */
	uint64_t size;                        /* latest cosigned size, 0 before */
	uint8_t root[MERKLE_HASH_SIZE];       /* its root (the empty root before) */
	char note[WITNESS_NOTE_MAX];          /* latest cosigned note, or "" */
};

struct witness {
	char dir[4096];           /* "" for a witness kept in memory only (tests, fuzzing) */
	char name[NOTE_NAME_MAX + 1];
	uint8_t sk[NOTE_SECRET_KEY_SIZE];
	struct witness_log *logs; /* owned */
	size_t count;
	int lock_fd;              /* witness.lock, held; -1 when none */
};

/* A parsed add-checkpoint body; note points into the body. */
struct witness_request {
	uint64_t old;
	uint8_t proof[WITNESS_PROOF_MAX][MERKLE_HASH_SIZE];
	size_t count;
	const char *note;
	size_t note_len;
};

/* An answer to add-checkpoint: the HTTP status, its content type, the
 * body, and a line for the witness's log (what was cosigned or refused,
 * never a secret). */
struct witness_reply {
	int status;
	const char *content_type;
	char body[COSIGNATURE_LINE_MAX + 256];
	size_t len;
	char log[768];
};

/* Whether origin can name a log: 1 to NOTE_NAME_MAX printable ASCII bytes. */
int witness_origin_ok(const char *origin);
/* Makes a witness in dir (made mode 0700 when missing; refused when it
 * already holds one): a new key (witness.key, mode 0600, O_EXCL), the
 * name, logs/. vkey gets the witness's verifier key. */
int witness_init(const char *dir, const char *name, char vkey[NOTE_VKEY_MAX], struct error *e);
/* Adds a log to follow (origin, its ledger's vkey), with no checkpoint yet.
 * Refused (409 WITNESS_BUSY) while a witness serves dir, 409 LOG_EXISTS
 * when the origin is followed already. */
int witness_add_log(const char *dir, const char *origin, const char *vkey, struct error *e);
/* Opens the witness in dir: key, name and logs. With serve, holds
 * witness.lock (409 WITNESS_BUSY when another process does); without, only
 * reads (a state being replaced is read whole, old or new). Free with
 * witness_close. */
int witness_open(struct witness *w, const char *dir, bool serve, struct error *e);
/* Makes a witness in memory only (nothing written): name, secret key. */
void witness_memory(struct witness *w, const char *name, const uint8_t sk[NOTE_SECRET_KEY_SIZE]);
/* Adds a log to a witness in memory (witness_memory). */
int witness_memory_add_log(struct witness *w, const char *origin, const char *vkey,
    struct error *e);
/* Wipes the key, frees the logs, releases the lock. */
void witness_close(struct witness *w);
/* The witness's verifier key (type 0x04). */
int witness_vkey(const struct witness *w, char vkey[NOTE_VKEY_MAX]);

/* Parses an add-checkpoint body: "old N\n", up to 63 base64 hash lines, a
 * blank line, the note (the rest). 400 BAD_REQUEST when malformed. */
int witness_request_parse(const char *body, size_t len, struct witness_request *r,
    struct error *e);
/* Answers add-checkpoint (body of len bytes) at time now, as the spec says:
 * 400 malformed or old above the checkpoint's size, 403 no valid signature
 * by the log's key, 404 unknown origin, 409 old is not our latest size
 * (body: that size), 422 inconsistent (a bad proof, a different root for
 * the same size, a non-empty root for size 0, a proof from size 0), 500
 * when the new state cannot be stored (nothing cosigned), 200 with the
 * cosignature line. The caller serialises calls. */
void witness_add_checkpoint(struct witness *w, const char *body, size_t len, int64_t now,
    struct witness_reply *reply);
/* The log whose origin's SHA-256 is hash (64 lowercase hex digits), or NULL. */
const struct witness_log *witness_find_hash(const struct witness *w, const char *hex);

#endif
