/* Settlement: paying payees for the passes redeemed at their places
 * (schema/0007-settlement.sql, docs/accounting.md). The only module that
 * talks SQL to settlements, payouts, payout_redemptions and payee_holds.
 *
 * A settlement covers one period (a calendar month in Europe/Paris) once
 * it is closed: its last day has ended and no redemption in it is still
 * inside its cancellation window. It pays, with one credit transfer per
 * payee (SIRET + IBAN) not on hold, every redemption not cancelled and not
 * yet paid that was made before the period's end (so a payee's payable
 * kept by a hold is paid by the first settlement after its release). Its
 * ledger entries "settle" move each payee's payable to payouts in transit.
 * Write functions run inside the caller's write transaction and open none;
 * every refusal sets e (stable code, one line) and changes nothing. */
#ifndef PASSNUM_SETTLEMENT_H
#define PASSNUM_SETTLEMENT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "error.h"
#include "home.h"
#include "registry.h"

struct db;

#define SETTLEMENT_ID_MAX 35          /* MsgId, PmtInfId, EndToEndId (ISO 20022 Max35Text) */
#define SETTLEMENT_NAME_MAX 70        /* a party's Nm in the EPC rulebook */
#define SETTLEMENT_REMITTANCE_MAX 140 /* RmtInf/Ustrd */
#define SETTLEMENT_REASON_MAX 500     /* a hold's reason */
#define SETTLEMENT_PAYEES_PER_ENTRY 31 /* payee postings per "settle" entry (LEDGER_MAX_POSTINGS - 1) */

/* Pure helpers. */

/* Writes text (UTF-8) into out in the SEPA character set (a-z A-Z 0-9
 * / - ? : ( ) . , ' + and space): Latin letters with accents are
 * transliterated (é -> e, Œ -> OE, ß -> ss), typographic quotes and dashes
 * become ' and -, & becomes +, € becomes EUR, anything else a space; runs
 * of spaces are collapsed and the ends trimmed; at most max characters
 * (out holds max + 1 bytes), cut at a space when one is near. Returns the
 * length written. */
size_t settlement_sepa_text(const char *text, char *out, size_t max);

/* Whether id may be a MsgId, PmtInfId or EndToEndId: 1 to 35 characters
 * of A-Z a-z 0-9 - and /, with no leading, trailing or double "/". */
bool settlement_id_valid(const char *id);

/* The settlement's identifiers, from the home's ledger origin (a tag of 8
 * hex digits, so that a successor's files never reuse its predecessor's
 * ids at the same bank), the period "YYYY-MM" and the row ids: MsgId
 * "PN-TAG-YYYYMM-NNNNNN", PmtInfId "PI-TAG-YYYYMM-NNNNNN", EndToEndId
 * "PN-TAG-PNNNNNNNNNN", statement "RLV-YYYYMM-NNNNNN" (payout id). Each
 * buffer holds SETTLEMENT_ID_MAX + 1 bytes. */
void settlement_origin_tag(const char *origin, char tag[9]);
void settlement_msg_id(const char *tag, const char *period, int64_t id, char *out);
void settlement_pmt_inf_id(const char *tag, const char *period, int64_t id, char *out);
void settlement_end_to_end_id(const char *tag, int64_t payout_id, char *out);
void settlement_statement(const char *period, int64_t payout_id, char *out);

/* The remittance text of a payout: "Pass numeriques PERIOD, N pass, releve
 * STATEMENT" in the SEPA character set, at most 140 characters. */
void settlement_remittance(const char *period, int64_t passes, const char *statement,
    char out[SETTLEMENT_REMITTANCE_MAX + 1]);

/* A credit transfer of a settlement. */
struct settlement_payout {
	int64_t id, payee_id, amount_cents, passes;
	char siret[15];
	char name[REGISTRY_NAME_MAX + 1];            /* the payee's name (UTF-8), as settled */
	char creditor[SETTLEMENT_NAME_MAX + 1];      /* that name in the SEPA character set */
	char iban[35];
	char end_to_end_id[SETTLEMENT_ID_MAX + 1];
	char statement[SETTLEMENT_ID_MAX + 1];
	char remittance[SETTLEMENT_REMITTANCE_MAX + 1];
	char status[10];                             /* issued, accepted, rejected, returned */
};

/* Passes of a funder on purchase that wait for its payment of the invoice
 * billing them (or, with --advance-float, were paid ahead of it from the
 * operator's own money): per funder and invoice. */
struct settlement_waiting {
	int64_t funder_id;
	char funder[REGISTRY_NAME_MAX + 1];
	char invoice[16];            /* FA-YYYY-NNNNNN, "" when not invoiced yet */
	int64_t cents, passes, payees;
};

/* A settlement with its payouts (payouts malloc'd: settlement_free). */
struct settlement {
	int64_t id;
	char period[8];
	char msg_id[SETTLEMENT_ID_MAX + 1], pmt_inf_id[SETTLEMENT_ID_MAX + 1];
	int64_t count, total_cents;  /* of the payouts listed below */
	int32_t execution_day;       /* ReqdExctnDt */
	int64_t created_at;          /* CreDtTm */
	char created_by[REGISTRY_ACTOR_SIZE];
	struct operator_info debtor; /* the operator */
	char debtor_name[SETTLEMENT_NAME_MAX + 1]; /* its name in the SEPA character set */
	size_t payout_count;
	struct settlement_payout *payouts;
	int64_t held_payees, held_cents; /* owed to payees on hold, left out (create only) */
	int64_t small_payees, small_cents; /* owed below the minimum, left out (create only) */
	bool advance_float;          /* made with --advance-float (create only) */
	size_t waiting_count;        /* what waits for purchase funders' payments: */
	struct settlement_waiting *waiting; /* left out, or advanced (create only) */
	int64_t waiting_cents, waiting_payees; /* those redemptions whole (paid whole) */
};

void settlement_free(struct settlement *s);

/* Settles period ("YYYY-MM") at now for who: refuses a period not closed
 * (409 PERIOD_NOT_CLOSED), already settled (409 ALREADY_SETTLED), before
 * the last settled one (409 PERIOD_SUPERSEDED), an operator without an
 * IBAN (409 NO_OPERATOR_IBAN) and a period with nothing to pay (409
 * NOTHING_TO_SETTLE). A payee owed less than min_cents is left for later.
 * A redemption with passes of a funder on purchase whose invoice billing
 * them is not paid in full (or not issued) waits, listed in out->waiting;
 * with advance_float it is paid from the operator's own money, recorded as
 * "float-advance" entries (docs/accounting.md "The float"). Records the
 * settlement, its payouts and what each pays, and appends the "settle"
 * entries, inside the caller's write transaction. Fills *out
 * (settlement_free). */
int settlement_create(struct db *db, const char *period, int64_t min_cents, bool advance_float,
    int64_t now, const char *who, struct settlement *out, struct error *e);

/* The float (lib/settlement_float.c). */

/* Clears the advances whose passes invoice_id (number) bills, once nothing
 * is owed on it: a "float-repaid" entry per funder dated day, inside the
 * caller's write transaction (invoice_record_payment). Nothing to clear is
 * not an error. */
int settlement_float_clear(struct db *db, int64_t invoice_id, const char *number, int32_t day,
    int64_t now, struct error *e);
/* What the operator advanced for funder_id's places (0: every funder) and
 * the funder has not paid yet (cents). */
int settlement_float_outstanding(struct db *db, int64_t funder_id, int64_t *cents,
    struct error *e);
/* What the payees are owed, and no payout paid yet, for passes of funder_id
 * (0: every funder) on purchase that wait for the invoice billing them to be
 * paid (cents, face value): a commitment backed by the invoice, paid to the
 * places once the funder pays, so not owed in cash today. */
int settlement_float_awaiting(struct db *db, int64_t funder_id, int64_t *cents,
    struct error *e);
/* What the operator advanced in all for funder_id's places and what the
 * funder's payments repaid of it (cents). */
int settlement_float_totals(struct db *db, int64_t funder_id, int64_t *advanced,
    int64_t *repaid, struct error *e);
/* For `ledger verify`: each advance paid by its payout and posted by its
 * entry, each clearing by an invoice paid in full that bills it, and each
 * funder's float account (and the counterpart) equal to its advances not
 * cleared. 0 when sound, 1 with what[] set, -1 with e set. */
int settlement_float_audit(struct db *db, char what[256], struct error *e);

/* Reads the settlement of period (404 NOT_SETTLED when none) with its
 * payouts; with unconfirmed_only, only those the bank has neither accepted
 * nor debited: "issued" or "rejected" (pain.002), not seen on a statement
 * (409 NOTHING_TO_REISSUE when none is). NbOfTxs and CtrlSum are of those.
 * Fills *out (settlement_free). */
int settlement_load(struct db *db, const char *period, bool unconfirmed_only,
    struct settlement *out, struct error *e);

/* Holds on payees. */
struct settlement_payee {
	struct payee payee;
	int64_t owed_cents;      /* its payable (the ledger's payee account) */
	int64_t unpaid_passes;   /* passes redeemed, not cancelled, not yet in a payout */
	bool held;
	char hold_reason[SETTLEMENT_REASON_MAX + 1];
	char held_by[REGISTRY_ACTOR_SIZE];
	int64_t held_at;
};

/* A hold's reason: 1 to 500 bytes of UTF-8 text without control
 * characters (400 BAD_REASON). Pure. */
int settlement_reason_check(const char *reason, struct error *e);

/* Puts payee id on hold (404 NO_PAYEE, 409 ALREADY_HELD), or releases its
 * hold (409 NOT_HELD); recorded with who and now. */
int settlement_hold(struct db *db, int64_t payee_id, const char *reason, const char *who,
    int64_t now, int64_t *hold_id, struct error *e);
int settlement_release(struct db *db, int64_t payee_id, const char *who, int64_t now,
    struct error *e);

/* One payee with its payable and hold (404 NO_PAYEE). */
int settlement_payee_get(struct db *db, int64_t id, struct settlement_payee *p, struct error *e);
/* Every payee, by id; fn returns non-zero to stop (-1, e not set). */
int settlement_payee_list(struct db *db, int (*fn)(const struct settlement_payee *p, void *ctx),
    void *ctx, struct error *e);
/* The holds of payee id, oldest first, and its payouts, as JSON arrays
 * (caller owns them); NULL with e set. */
json_t *settlement_holds_json(struct db *db, int64_t payee_id, struct error *e);
json_t *settlement_payouts_json(struct db *db, int64_t payee_id, struct error *e);

/* For `ledger verify`: calls fn with each payee's total paid out
 * (payouts of every settlement, cents), and finds the first payout whose
 * redemptions do not add up to its amount or include a cancelled one
 * (*bad_payout, 0 when none). */
int settlement_paid_totals(struct db *db,
    int (*fn)(int64_t payee_id, int64_t cents, void *ctx), void *ctx, struct error *e);
int settlement_check_payouts(struct db *db, int64_t *bad_payout, struct error *e);

#endif
