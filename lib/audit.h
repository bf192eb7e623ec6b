/* `passnum ledger verify`: recomputes the whole ledger from the database —
 * every entry's encoding and leaf hash, its balance, the Merkle nodes, every
 * checkpoint's root and signature, the account balances and their rules, and
 * the invariants tying the ledger to the vouchers and redemptions — in one
 * streaming pass whose memory does not grow with the ledger. */
#ifndef PASSNUM_AUDIT_H
#define PASSNUM_AUDIT_H
#include <stdint.h>
#include "error.h"
#include "merkle.h"

struct db;

struct audit_result {
	uint64_t entries;     /* entries checked */
	uint64_t postings;
	uint64_t nodes;       /* Merkle nodes compared */
	uint64_t checkpoints; /* checkpoints whose root and signature were checked */
	uint64_t accounts;
	uint8_t root[MERKLE_HASH_SIZE]; /* root of the whole ledger */
	int64_t failed_seq;   /* the first broken entry, or -1 */
	char failure[256];    /* "" when everything verified */
};

/* Verifies everything; returns 0 when the ledger is sound, 1 when it is not
 * (r->failure says the first thing found, r->failed_seq the entry), -1 when
 * it could not run (e set). progress, when not NULL, is called every 65536
 * entries. */
int audit_verify(struct db *db, struct audit_result *r,
    void (*progress)(uint64_t done, void *ctx), void *ctx, struct error *e);

#endif
