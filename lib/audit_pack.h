/* Audit packs (docs/ledger.md, "Audit packs"): what one funder needs to
 * verify its own money in the one log everybody sees, without learning
 * other funders' money or where each pass was used. A pack is jsonl
 * (format passnum-audit-pack-v1): the signed checkpoints it relies on and
 * the consistency proofs between them, the funder's accounts with their
 * balances at the pack's size, the funder's own entries in full each with
 * an inclusion proof, and its campaigns' redemptions and cancellations
 * aggregated by month and campaign with each entry's leaf hash and
 * inclusion proof (never the entry: its memo names the place). Written by
 * `passnum ledger export --funder ID --out DIR` and
 * GET /v1/funders/{id}/audit; verified by tools/verify-audit.mjs. */
#ifndef PASSNUM_AUDIT_PACK_H
#define PASSNUM_AUDIT_PACK_H
#include <stdint.h>
#include <stdio.h>
#include "error.h"

struct db;

#define AUDIT_PACK_FORMAT "passnum-audit-pack-v1"

/* Writes the pack of funder as of the latest checkpoint to out, inside one
 * read transaction. Memory grows with the funder's entries (not the
 * ledger's). Returns 0, or -1 with e set: 404 NO_FUNDER, 404
 * NO_CHECKPOINT (none yet: a pack needs a signed tree), 500
 * AUDIT_PACK_MIXED when an entry other than a redemption or a cancellation
 * posts both to this funder and to someone else's account (no code path
 * makes one; the pack refuses rather than show another's money), 500
 * EXPORT_ERROR when out cannot be written. *size (may be NULL) gets the
 * pack's tree size. */
int audit_pack_write(struct db *db, int64_t funder, FILE *out, uint64_t *size, struct error *e);

#endif
