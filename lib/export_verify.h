/* Verifies a jsonl ledger export (`passnum ledger verify --export FILE`)
 * as docs/ledger.md says an auditor does, without the operator's database:
 * every entry's fields, hash and balance, the seq run, the RFC 9162 tree,
 * every checkpoint's root and signature, the account lines and the
 * balance rules. With trusted keys (obtained elsewhere: GET /v1/keys, a
 * printed key) the signatures are checked with those only, never the
 * header's; with trusted checkpoints (GET /v1/ledger/checkpoint, a
 * witness), the export must reach each: hold its size, with the same root
 * there. Reads plain or gzip (zlib). Memory: 32 bytes per entry (the leaf
 * hashes, to check the checkpoints that follow the entries) and the
 * accounts. */
#ifndef PASSNUM_EXPORT_VERIFY_H
#define PASSNUM_EXPORT_VERIFY_H
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "keys.h"
#include "merkle.h"
#include "note.h"

/* A checkpoint obtained elsewhere, already verified (size and root). */
struct export_outside {
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
};

struct export_verify_options {
	const struct keys_ledger *keys; /* trusted ledger keys, or NULL: the header's */
	const char *origin;             /* their log's origin (with keys) */
	const struct export_outside *outside;
	size_t outside_count;
};

struct export_verify_result {
	uint64_t entries, postings, accounts, checkpoints, lines;
	uint64_t signed_size;             /* the latest checkpoint's size: entries from it on
	                                   * are vouched for by no signature */
	uint8_t root[MERKLE_HASH_SIZE];   /* of the whole export */
	char origin[NOTE_NAME_MAX + 1];
	int header_keys;                  /* 1 when checked with the header's keys */
	char failure[320];                /* "" when everything verified */
};

/* Verifies the export read from fd (not closed). Returns 0 when it
 * verifies, 1 when it does not (r->failure names the line and why), -1
 * when it cannot be read (e set). */
int export_verify(int fd, const struct export_verify_options *o, struct export_verify_result *r,
    struct error *e);

#endif
