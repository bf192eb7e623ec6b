/* Invoices and credit notes to funders (schema/0010-invoicing.sql,
 * docs/accounting.md): FA-YYYY-NNNNNN and AV-YYYY-NNNNNN, one unbroken
 * sequence per kind and year, never edited or deleted; their statuses on
 * Chorus Pro, the payment-delay clock and late interest; the payments
 * received; refunds of what is owed back to a funder. The only module that
 * talks SQL to campaign_terms, invoices, invoice_lines, invoice_redemptions,
 * invoice_statuses, invoice_payments and refunds (it also reads redemptions,
 * vouchers, campaigns and funders).
 *
 * A document bears either the face value of passes (part "face", VAT
 * category O: outside the scope of VAT, multi-purpose vouchers) or the
 * operator's fees (part "fees", VAT category S at the funder's territory's
 * rate, E under the franchise of art. 293 B, O in Guyane and Mayotte),
 * never both. Write functions run inside the caller's write transaction
 * (DB_IN_WRITE) and open none; every refusal sets e (a stable code, one
 * line) and changes nothing. */
#ifndef PASSNUM_INVOICE_H
#define PASSNUM_INVOICE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "error.h"
#include "home.h"
#include "registry.h"

struct db;

#define INVOICE_NUMBER_SIZE 15      /* "FA-2027-000001" + NUL */
#define INVOICE_ENGAGEMENT_MAX 50   /* Chorus Pro: numéro d'engagement */
#define INVOICE_DESCRIPTION_MAX 300
#define INVOICE_DUE_DAYS 30         /* délai global de paiement, from receipt */
#define INVOICE_INDEMNITY_CENTS 4000 /* indemnité forfaitaire pour frais de recouvrement */

/* Settings (table settings) and their defaults. */
#define INVOICE_SETTING_ECB_RATE "invoice_ecb_rate_bp"     /* ECB main refinancing rate, bp */
#define INVOICE_SETTING_LATE_MARGIN "invoice_late_margin_bp" /* points added to it, bp */
#define INVOICE_SETTING_FRANCHISE "invoice_vat_franchise"  /* "yes": art. 293 B */
#define INVOICE_SETTING_MENTION_FACE "invoice_mention_face"
#define INVOICE_SETTING_MENTION_FRANCHISE "invoice_mention_franchise"
#define INVOICE_SETTING_MENTION_OUTSIDE "invoice_mention_outside" /* Guyane, Mayotte */
#define INVOICE_DEFAULT_ECB_RATE_BP 215
#define INVOICE_DEFAULT_LATE_MARGIN_BP 800
#define INVOICE_DEFAULT_MENTION_FACE "Hors champ de la TVA — bons à usages multiples (art. 256 ter du CGI)"
#define INVOICE_DEFAULT_MENTION_FRANCHISE "TVA non applicable, art. 293 B du CGI"
#define INVOICE_DEFAULT_MENTION_OUTSIDE "TVA non applicable, art. 294-1 du CGI"

/* The statuses a document goes through (Chorus Pro's words). */
#define INVOICE_STATUS_COUNT 5
extern const char *const invoice_statuses[INVOICE_STATUS_COUNT]; /* "Déposée", ... "Payée" */

struct invoice_line {
	int64_t campaign_id;
	char description[INVOICE_DESCRIPTION_MAX + 1];
	int64_t quantity, unit_cents, net_cents;
};

/* The mentions a document carries beside its amounts. */
struct invoice_mentions {
	char vat_note[201];      /* the VAT exemption or franchise text, "" for category S */
	char vat_reason_code[32]; /* BT-121: VATEX-EU-O, VATEX-FR-FRANCHISE, "" */
	int64_t ecb_rate_bp, late_margin_bp;
};

struct invoice {
	int64_t id;
	char number[INVOICE_NUMBER_SIZE];
	bool credit_note;
	char part[6];               /* face, fees */
	int64_t funder_id;
	char frame[9];              /* the funder's when made */
	char basis[9];              /* period, campaign, order, credit (a credit note) */
	char period[8];             /* "" unless basis period */
	int64_t campaign_id;        /* 0 unless basis campaign */
	char order_ref[REGISTRY_NAME_MAX + 1];
	int64_t invoice_id;         /* a credit note's invoice, else 0 */
	char invoice_number[INVOICE_NUMBER_SIZE];
	char reason[10];            /* credit notes: error, rejection, unused */
	int32_t issue_day, first_day, last_day;
	int64_t net_cents, vat_cents, total_cents, receivable_cents;
	char vat_category[2];       /* O, S, E */
	int64_t vat_rate_bp;
	char billing_frame[3];      /* A1, A2 */
	char service_code[101];
	char engagement[INVOICE_ENGAGEMENT_MAX + 1];
	int64_t entry_seq;          /* -1 when none */
	int64_t created_at;
	char created_by[REGISTRY_ACTOR_SIZE];
	size_t line_count;
	struct invoice_line *lines; /* malloc'd: invoice_free */
	char *xml;                  /* the UBL as issued, malloc'd */
	/* For the documents, not stored in invoices: */
	struct operator_info seller;
	struct funder buyer;
	struct invoice_mentions mentions;
};

void invoice_free(struct invoice *inv);

/* What `invoice create` bills. */
enum invoice_basis { INVOICE_BY_PERIOD, INVOICE_BY_CAMPAIGN, INVOICE_BY_ORDER };

struct invoice_request {
	int64_t funder_id;
	enum invoice_basis basis;
	char period[8];             /* INVOICE_BY_PERIOD */
	int64_t campaign_id;        /* INVOICE_BY_CAMPAIGN */
	char order_ref[REGISTRY_NAME_MAX + 1]; /* INVOICE_BY_ORDER */
	char engagement[INVOICE_ENGAGEMENT_MAX + 1]; /* "" when none */
};

/* Pure checks of what a command line gives: an engagement number (1..50
 * printable ASCII, 400 BAD_ENGAGEMENT), a document number
 * (FA|AV-YYYY-NNNNNN, 400 BAD_NUMBER), a status (400 BAD_STATUS), a fee in
 * percent with up to two decimals, 0 to 100 (400 BAD_FEE; *bp basis
 * points). */
int invoice_engagement_check(const char *text, struct error *e);
int invoice_number_check(const char *text, struct error *e);
int invoice_status_parse(const char *text, int *status, struct error *e);
int invoice_fee_parse(const char *text, int64_t *bp, struct error *e);

/* Makes the documents of req at now for who: the face-value invoice (a
 * funder on purchase: the passes redeemed in the period or campaign and not
 * billed yet, or an order on delivery; any funder: --order) and the fee
 * invoice (campaigns with a fee), each only when it has something to bill;
 * two never mixed. Refuses an unknown funder (404 NO_FUNDER), a period not
 * closed (409 PERIOD_NOT_CLOSED), a closed year (409 YEAR_CLOSED), nothing
 * to bill (409 NOTHING_TO_INVOICE), orders short of the invoice (409
 * ORDERS_SHORT). Records them with their lines, what they bill, their
 * ledger entries ("invoice") and accounting dates. Fills out[0..*count)
 * (invoice_free each). */
int invoice_create(struct db *db, const struct invoice_request *req, int64_t now,
    const char *who, struct invoice out[2], size_t *count, struct error *e);

enum invoice_reason { INVOICE_REASON_ERROR, INVOICE_REASON_REJECTION, INVOICE_REASON_UNUSED };
int invoice_reason_parse(const char *text, enum invoice_reason *reason, struct error *e);

/* Makes a credit note for invoice number: of amount_cents (0: all that is
 * not credited yet), for an error, a Chorus Pro rejection (the whole
 * invoice) or unused value (a face-value invoice; up to what expiry put on
 * the funder's credit notes account and no credit note documents yet). It
 * first reduces what the funder still owes on that invoice; the rest is
 * owed back (4198, refunded by invoice_refund), never netted against a
 * later invoice. Ledger: "credit-note" (none for unused value, already
 * posted by expire). 404 NO_INVOICE, 409 ALREADY_CREDITED, 409
 * CREDIT_TOO_LARGE. Fills *out (invoice_free). */
int invoice_credit_note(struct db *db, const char *number, enum invoice_reason reason,
    int64_t amount_cents, int64_t now, const char *who, struct invoice *out,
    struct error *e);

/* Reads document number with its lines and XML (404 NO_INVOICE). */
int invoice_get(struct db *db, const char *number, struct invoice *out, struct error *e);

/* Every document, by number within kind (funder_id 0: every funder), as
 * JSON objects (invoice_json); NULL with e set. */
json_t *invoice_list_json(struct db *db, int64_t funder_id, struct error *e);

/* The document as JSON: number, kind, part, funder_id, amounts, dates,
 * billing frame, status and its history, the payment-delay clock at today
 * ({receipt_day, due_day, days_late, suspended_days, interest_cents,
 * indemnity_cents}), paid and credited. NULL with e set. */
json_t *invoice_json(struct db *db, const struct invoice *inv, int32_t today, struct error *e);

/* Records status (index into invoice_statuses) of invoice number on day for
 * who: 404 NO_INVOICE, 409 BAD_TRANSITION (nothing after Payée; Déposée
 * first), 400 for a day after today. */
int invoice_status_set(struct db *db, const char *number, int status, int32_t day,
    int32_t today, const char *who, int64_t now, struct error *e);

/* The interface for bank import: records a payment of amount_cents
 * received on day for invoice number (bank_ref: the bank line's
 * reference), inside the caller's write transaction (DB_IN_WRITE). Posts
 * an "invoice-payment" entry (bank debited, the funder's invoiced
 * receivable credited; for fees, the VAT share moved from « TVA en attente »
 * to « TVA collectée ») and sets the status Payée once nothing is owed on
 * it. Refuses an unknown invoice (404 NO_INVOICE), a credit note (409
 * NOT_AN_INVOICE), an amount above what is owed on it (409 OVERPAID). */
int invoice_record_payment(struct db *db, const char *number, int64_t amount_cents, int64_t day,
    const char *bank_ref, struct error *e);

/* Campaign billing terms: fee in basis points of the face value of each
 * pass redeemed, VAT class "multi" or "single". get: the latest (0 and
 * "multi" when none was set). */
int invoice_terms_set(struct db *db, int64_t campaign_id, int64_t fee_bp, const char *vat_class,
    const char *who, int64_t now, struct error *e);
int invoice_terms_get(struct db *db, int64_t campaign_id, int64_t *fee_bp, char vat_class[8],
    struct error *e);

/* Refunds: pays funder_id's public accountant what is owed back to it (its
 * credit notes account, 4198; amount_cents 0: all of it) by a SEPA credit
 * transfer quoting titre (its titre de recettes) to iban. Refuses nothing
 * owed (409 NOTHING_TO_REFUND), a titre already refunded (409
 * DUPLICATE_TITRE), an amount above what is owed (409 REFUND_TOO_LARGE),
 * an operator without IBAN (409 NO_OPERATOR_IBAN). Ledger: "refund" (the
 * credit notes account debited, refunds in transit credited). Fills *out as
 * a one-transfer settlement for lib/sepa.c (settlement_free). */
struct settlement;
int invoice_refund(struct db *db, int64_t funder_id, const char *titre, const char *iban,
    const char *creditor, int64_t amount_cents, int64_t now, const char *who,
    struct settlement *out, struct error *e);

/* What the funder owes and is owed from invoicing, for the statement of
 * account (report_account.c) and reconcile: over documents issued in
 * [first_day, last_day]. */
struct invoice_totals {
	int64_t invoiced_cents;  /* invoices' totals */
	int64_t credited_cents;  /* credit notes' totals */
	int64_t paid_cents;      /* payments received */
	int64_t refunded_cents;  /* refunds made */
	int64_t invoices, credit_notes;
};
int invoice_totals(struct db *db, int64_t funder_id, int32_t first_day, int32_t last_day,
    struct invoice_totals *t, struct error *e);

/* For `ledger verify`: checks that every document's and payment's entry
 * exists with its kind and moved the funder's invoiced receivable by what
 * is recorded, that each funder's invoiced receivable equals its
 * documents less its payments, and that refunds in transit equals the
 * refunds made. Returns 0 when sound, 1 with what[] set, -1 with e set. */
int invoice_audit(struct db *db, char what[256], struct error *e);

/* The documents: UBL 2.1 (EN 16931) Invoice or CreditNote into a malloc'd
 * NUL-terminated string (lib/ubl.c), and the French PDF to path
 * (lib/invoice_pdf.c). Both read only inv. Return 0, or -1 with e set. */
int ubl_write(const struct invoice *inv, char **xml, struct error *e);
int invoice_pdf_write(const struct invoice *inv, const char *path, struct error *e);

#endif
