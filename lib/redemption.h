/* Redemption: the business rules of a place taking passes for a service,
 * shared by passnumd and the CLI (no HTTP here). The only module that talks
 * SQL to the tables redemptions and redemption_vouchers, and that moves
 * vouchers between 'issued' and 'redeemed'.
 *
 * A redemption takes exactly the number of passes the service costs, all
 * distinct; they may come from different campaigns as long as each campaign
 * accepts the place and the service (the entry then debits each campaign's
 * outstanding account). It runs in two steps:
 *   redemption_prepare  read-only checks, run by any thread (decode, verify,
 *                       look up, expiry, place and campaign rules);
 *   redemption_commit   inside the caller's write transaction: idempotency,
 *                       statuses re-checked, ledger entry "redeem", receipt,
 *                       vouchers 'redeemed', the redemption row with its
 *                       stored answer.
 * Every refusal sets e (status, stable code, one line) and changes nothing. */
#ifndef PASSNUM_REDEMPTION_H
#define PASSNUM_REDEMPTION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "error.h"
#include "issuance.h"
#include "keys.h"
#include "merkle.h"
#include "note.h"
#include "registry.h"
#include "token.h"

struct db;

#define REDEMPTION_MAX_PASSES 10      /* services cost 1..10 passes */
#define REDEMPTION_KEY_MAX 128        /* idempotency key length */
#define REDEMPTION_CANCEL_SECONDS 900 /* a place may cancel within 15 minutes */
#define REDEMPTION_HASH_DOMAIN "passnum-redemption-v1"

/* One pass as typed or scanned: its serial, and its token bytes when it came
 * as a token. After redemption_pass_check, its state in the database. */
struct redemption_pass {
	uint8_t serial[TOKEN_SERIAL_BYTES];
	bool has_token;
	uint8_t token[TOKEN_BYTES];
	struct voucher_state state;
};

/* A redemption request: filled by the caller (place, service, key, passes),
 * completed by redemption_prepare. */
struct redemption_request {
	int64_t place_id;
	char service_code[33];
	char idempotency_key[4 * REDEMPTION_KEY_MAX + 1]; /* UTF-8: up to 4 bytes a character */
	size_t count;
	struct redemption_pass passes[REDEMPTION_MAX_PASSES];
	uint8_t request_hash[32];       /* redemption_request_hash */
	/* Set by redemption_prepare. */
	struct place place;
	struct service service;
	int32_t day;                    /* the place's local date */
	int64_t value_cents;            /* sum of the passes' values */
};

/* What signs receipts: the active ledger key (secret wiped by the owner). */
struct redemption_signer {
	const uint8_t *secret;          /* NOTE_SECRET_KEY_SIZE bytes */
	uint8_t key_id[NOTE_KEY_ID_SIZE];
};

/* The answer of redemption_commit or redemption_cancel. */
struct redemption_outcome {
	int64_t id;                     /* the redemption */
	bool replayed;                  /* an identical earlier request: response is its answer */
	char *response;                 /* JSON text (malloc'd): the 201 body, stored byte-identical */
};

/* Reads one pass as typed or scanned: a token ("PN1:..." in any case:
 * prefix, Base45, length, version) or a human code (check symbol). Checks
 * no signature yet (that needs the issue time). 422 BAD_* on failure. */
int redemption_pass_read(const char *text, size_t len, struct redemption_pass *p,
    struct error *e);

/* Checks p in docs/token-format.md's order: a scanned token's key id and
 * signature first (422 UNKNOWN_KEY, BAD_SIGNATURE: a pass of another
 * operator is told so), then the database: serial known and not pending
 * (422 UNKNOWN_VOUCHER), token bytes equal to what was issued (422
 * TOKEN_MISMATCH: e.g. minted with a leaked key), the key's status at the
 * issue time (422 KEY_REVOKED); a typed code's issued token is verified
 * whole. One signature verification either way. Fills p->state. Does not
 * look at its status. */
int redemption_pass_check(struct db *db, const struct keyset *keys, struct redemption_pass *p,
    struct error *e);

/* Says whether p (checked) may be used on day at place for service (NULL:
 * any) under campaign c: 409 ALREADY_REDEEMED, 410 REVOKED / EXPIRED,
 * 403 with the registry's code (OUT_OF_TERRITORY, SERVICE_NOT_COVERED...).
 * reason (may be NULL) gets the French sentence for the place page. */
int redemption_pass_usable(struct db *db, const struct redemption_pass *p,
    const struct campaign *c, const struct place *place, const struct service *service,
    int32_t day, char *reason, size_t reason_size, struct error *e);

/* SHA-256 of REDEMPTION_HASH_DOMAIN "\n" service "\n" then each serial in
 * lowercase hex followed by "\n", serials sorted: what identifies a request
 * for idempotency, and what the entry's memo commits to. */
void redemption_request_hash(struct redemption_request *r);

/* Looks up an earlier redemption by (place, key). Returns 1 when found
 * (*response: its stored answer, malloc'd; *same: its request hash equals
 * hash), 0 when none, -1 on a store error. */
int redemption_find_key(struct db *db, int64_t place_id, const char *key,
    const uint8_t hash[32], bool *same, char **response, struct error *e);

/* The read-only checks of a request (all passes read with
 * redemption_pass_read): the service and its pass count (400
 * WRONG_PASS_COUNT, DUPLICATE_PASS), the place, each pass checked and usable
 * today at this place. Fills the rest of r. */
int redemption_prepare(struct db *db, const struct keyset *keys, struct redemption_request *r,
    int64_t now, struct error *e);

/* The extra members of a 409 for serial: "redeemed_on" (the date), and to
 * the place that redeemed it ("by_you": true) its stored answer under
 * "redemption". Returns a new object, or NULL on a store error. */
json_t *redemption_conflict(struct db *db, const uint8_t serial[TOKEN_SERIAL_BYTES],
    int64_t place_id, struct error *e);

/* Commits a prepared request inside the caller's write transaction (a
 * savepoint of the daemon's batch): an earlier answer for the same (place,
 * key) is replayed (422 IDEMPOTENCY_KEY_REUSED when the request differs);
 * otherwise the statuses are checked again, the ledger entry "redeem" is
 * appended (cache: the writer's tree state), the receipt signed, and the
 * redemption stored. out->response owns the answer. Opens no transaction:
 * outside a write transaction it is 500 NO_TRANSACTION (a bug). */
int redemption_commit(struct db *db, struct redemption_request *r,
    const struct redemption_signer *signer, struct merkle_state *cache, int64_t now,
    struct redemption_outcome *out, struct error *e);

/* Cancels redemption id for place_id (its own, within 15 minutes, not
 * already cancelled): entry "cancel" reversing the redemption's, passes back
 * to 'issued'. Inside the caller's write transaction (500 NO_TRANSACTION
 * outside one; it opens none). out->response owns the answer (the
 * cancellation receipt). */
int redemption_cancel(struct db *db, int64_t place_id, int64_t id,
    const struct redemption_signer *signer, struct merkle_state *cache, int64_t now,
    struct redemption_outcome *out, struct error *e);

/* One line of a place's list of redemptions. */
struct redemption_row {
	int64_t id, created_at, value_cents, cancelled_at;
	int32_t day;
	uint64_t entry_seq, cancel_seq;
	char service_code[33];
	size_t passes;
};

/* Calls fn for each redemption of place_id with from <= day <= to, oldest
 * first. */
int redemption_list(struct db *db, int64_t place_id, int32_t from, int32_t to,
    int (*fn)(const struct redemption_row *row, void *ctx), void *ctx, struct error *e);

/* Frees out->response. */
void redemption_outcome_free(struct redemption_outcome *out);

/* What a place (or an admin, place NULL) is told about one pass. */
struct redemption_lookup {
	const char *status;             /* valid, redeemed, expired, revoked, unknown */
	struct voucher_state state;
	struct campaign campaign;
	char funder[REGISTRY_NAME_MAX + 1]; /* the funder's public name */
	int32_t last_usable_day;
	const char *refusal;            /* why not here (stable code), NULL when usable */
	char reason[256];               /* French sentence */
	size_t service_count;           /* services it may pay for at this place */
	struct service services[REGISTRY_LIST_MAX];
};

/* Fills out for a pass read with redemption_pass_read. An unissued serial
 * is status "unknown" (returns 0); a token that is not ours is 422. */
int redemption_lookup(struct db *db, const struct keyset *keys, struct redemption_pass *p,
    const struct place *place, int64_t now, struct redemption_lookup *out, struct error *e);

/* For `ledger verify`: calls fn with each payee's total value of
 * redemptions not cancelled (cents). */
int redemption_payee_totals(struct db *db,
    int (*fn)(int64_t payee_id, int64_t cents, void *ctx), void *ctx, struct error *e);

/* For funder reports: calls fn with the number of passes of campaign
 * campaign_id redeemed (not cancelled) per département of the place, and
 * their value in cents. */
int redemption_campaign_departments(struct db *db, int64_t campaign_id,
    int (*fn)(const char *department, int64_t passes, int64_t cents, void *ctx), void *ctx,
    struct error *e);

#endif
