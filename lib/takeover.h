/* A successor's takeover of a scheme (docs/takeover.md): `passnum takeover
 * DIR` verifies a scheme export (or a funder's escrow of it) with the old
 * operator's ledger key obtained out of band, then imports it into a fresh
 * home — the old issuer keys verify-only, the registry, the vouchers with
 * their statuses, every IBAN "to confirm" (held) — and opens this home's
 * ledger with "takeover" entries: the passes in circulation and the payees'
 * unpaid redemptions taken on as commitments, against a claim on the old
 * operator (takeover-claim, PCG 467). `passnum takeover-receipt FILE`
 * accepts, once, a redemption the old operator made after its export (its
 * 201 body with the receipt signed by the old ledger key).
 *
 * The only module that talks SQL to takeovers, takeover_old_leaves,
 * takeover_campaigns, takeover_payables, takeover_receipts and
 * payee_iban_unconfirmed (schema/0009-takeover.sql); it also writes the
 * imported registry, booklets, batches and vouchers, as a restore would.
 * Write functions run inside the caller's write transaction. */
#ifndef PASSNUM_TAKEOVER_H
#define PASSNUM_TAKEOVER_H
#include <stdbool.h>
#include <stdint.h>
#include "error.h"
#include "merkle.h"

struct db;

/* The 93 bytes stored as an imported voucher's token: the export holds only
 * the SHA-256 of the real token, so a scanned pass is checked against that
 * (version byte 0, which no pass has, then a tag, the serial and the hash). */
#define TAKEOVER_TOKEN_TAG "passnum-takeover"
/* An SQL condition true for a vouchers row imported by a takeover: its
 * token's first 17 bytes are the placeholder's (0, then TAKEOVER_TOKEN_TAG
 * in hex, as takeover_token_placeholder writes; test_takeover.sh revokes
 * and expires such passes). */
#define TAKEOVER_IMPORTED_SQL "substr(token, 1, 17) = X'00706173736e756d2d74616b656f766572'"
void takeover_token_placeholder(const uint8_t serial[12], const uint8_t sha256[32],
    uint8_t out[93]);
/* Whether stored is such a placeholder. */
bool takeover_token_is_placeholder(const uint8_t stored[93]);
/* Whether token (93 bytes scanned) hashes to the placeholder's SHA-256. */
bool takeover_token_matches(const uint8_t stored[93], const uint8_t token[93]);

/* A line of vouchers.csv (without its newline), parsed in place: 0, or -1
 * when it is not serial (24 hex), token_sha256 (64 hex), campaign id,
 * value in cents, last day (YYYY-MM-DD), booklet id (positive integers
 * without leading zeros) and status (issued, redeemed, revoked, expired;
 * status is then 0 to 3). Pure; tests/fuzz/fuzz_takeover.c. */
struct takeover_voucher_line {
	uint8_t serial[12], sha256[32];
	int64_t campaign_id, value_cents, booklet_id;
	int32_t last_day;
	int status;
};
int takeover_voucher_parse(char *line, struct takeover_voucher_line *v);

/* A line of payables.csv: payee id, SIRET (14 digits), "name" (RFC 4180,
 * inner quotes doubled: unquoted in place), IBAN (15 to 34 of A-Z 0-9),
 * owed cents (positive). The strings point into line. 0, or -1. Pure. */
struct takeover_payable_line {
	int64_t payee_id, owed_cents;
	const char *siret, *name, *iban;
};
int takeover_payable_parse(char *line, struct takeover_payable_line *p);

struct takeover_options {
	const char *dir;        /* the export (or escrow) folder */
	const char *vkey;       /* the old operator's ledger key, C2SP vkey, out of band */
	const char *checkpoint; /* a checkpoint of the old log a funder holds (text), or NULL */
	int64_t now;
	const char *who;        /* 'user:NAME', for the holds on imported IBANs */
};

struct takeover_result {
	char old_origin[256];
	uint64_t old_size;
	uint8_t old_root[MERKLE_HASH_SIZE];
	bool escrow;                  /* a funder's escrow rather than a whole export */
	int64_t vouchers, issued, redeemed, revoked, expired;
	int64_t outstanding_cents;    /* passes in circulation taken on */
	int64_t payables_cents;       /* payees' unpaid redemptions taken on */
	int64_t payees, places, campaigns, issuer_keys;
	uint64_t first_seq, entries;  /* the opening entries */
	bool checkpoint_given;
	uint64_t checkpoint_size;
	bool checkpoint_beyond;       /* the funder's checkpoint is beyond the export */
};

/* Verifies the export in o->dir and imports it into db's home, which must
 * be fresh (made by `passnum init` and nothing else: 409 HOME_NOT_FRESH).
 * Everything is checked before it counts: any failure (422 BAD_EXPORT with
 * the file and what is wrong, 422 BAD_SIGNATURE, 409 CHECKPOINT_MISMATCH)
 * leaves the caller's transaction to roll back. Runs inside the caller's
 * write transaction; memory does not grow with the vouchers or the log. */
int takeover_import(struct db *db, const struct takeover_options *o, struct takeover_result *r,
    struct error *e);

/* The recorded takeover (404 NO_TAKEOVER when this home made none). */
struct takeover_info {
	char old_origin[256];
	uint64_t old_size;
	uint8_t old_root[MERKLE_HASH_SIZE];
	uint8_t old_ledger_key[32];
	uint64_t first_seq, entries;
	int64_t outstanding_cents, payables_cents;
};
int takeover_get(struct db *db, struct takeover_info *t, struct error *e);

/* Checks a checkpoint note of the old log (signed by the old ledger key)
 * against the log recorded at takeover: at a size up to the export's, its
 * root must be the old log's root at that size (409 CHECKPOINT_MISMATCH
 * when not); beyond it, only its signature can be checked (*beyond set). */
int takeover_check_checkpoint(struct db *db, const char *note, uint64_t *size, bool *beyond,
    struct error *e);

struct takeover_receipt_result {
	uint64_t old_seq;
	int64_t redemption_id;   /* the redemption recorded here */
	uint64_t entry_seq;      /* its "redeem" entry here */
	int64_t value_cents, place_id, payee_id;
	int64_t passes;
};

/* Accepts a redemption made by the old operator after its export: body is
 * the JSON of its 201 answer (the redemption and its receipt). Checks the
 * receipt's signature with the old ledger key, that its entry is beyond the
 * export (422 RECEIPT_IN_EXPORT), that it is a redemption whose amounts are
 * those of its passes at the place's payee, and that each pass is still in
 * circulation here (the usual 409 ALREADY_REDEEMED, 410 REVOKED or
 * EXPIRED). Records it once (409 RECEIPT_ALREADY_USED the second time):
 * a redemption here, its passes redeemed, and a "redeem" entry (the payee
 * is owed, the outstanding reduced). Runs inside the caller's write
 * transaction. */
int takeover_receipt(struct db *db, const char *body, size_t len, int64_t now,
    struct takeover_receipt_result *r, struct error *e);

/* Confirms an imported IBAN (an admin checked it with the payee): removes
 * the mark and releases its hold, so that settlements pay it. 409
 * IBAN_CONFIRMED when there is nothing to confirm. */
int takeover_confirm_iban(struct db *db, int64_t payee_id, const char *who, int64_t now,
    struct error *e);

/* Records money received from the old operator (its liquidator) against
 * the claim: a "takeover-funds" entry debiting the bank and crediting
 * takeover-claim by cents, reference ref (once: 409 DUPLICATE_REF). Refused
 * beyond what the claim still holds (409 BEYOND_CLAIM) and in a home that
 * took nothing over (404 NO_TAKEOVER). Sets *seq. Runs inside the caller's
 * write transaction. */
int takeover_funds(struct db *db, int64_t cents, const char *ref, int64_t now, uint64_t *seq,
    struct error *e);

/* Refuses (409 IBAN_UNCONFIRMED) a payee whose IBAN is still to confirm:
 * its hold ends only by confirming (`payee release` cannot). */
int takeover_iban_unconfirmed(struct db *db, int64_t payee_id, struct error *e);

/* For ledger verify: per campaign, what the takeover found; per payee,
 * what it took on. */
int takeover_campaign_totals(struct db *db,
    int (*fn)(int64_t campaign_id, int64_t issued_cents, int64_t redeemed_cents,
    int64_t revoked_cents, int64_t expired_cents, void *ctx), void *ctx, struct error *e);
int takeover_payable_totals(struct db *db, int (*fn)(int64_t payee_id, int64_t cents, void *ctx),
    void *ctx, struct error *e);
/* For ledger verify: the face value of the passes taken over that were
 * revoked or expired here (not under the old operator), which is the most
 * their revoke and expire entries may credit to takeover-claim. */
int takeover_ended_here(struct db *db, int64_t *cents, struct error *e);

#endif
