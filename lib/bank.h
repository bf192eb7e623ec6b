/* Bank files: statements (camt.053 .001.02/.001.08, CFONB 120, the
 * documented CSV), notifications (camt.054) and payment status reports
 * (pain.002), read by streaming readers (libxml2's xmlTextReader for XML,
 * a line reader for CFONB and CSV: memory independent of the file's size),
 * and their import into the ledger (lib/bank.c, lib/bank_match.c;
 * docs/accounting.md). The readers are pure: they call a sink for each
 * statement, line and status, and refuse a malformed file with one line
 * naming where (400 BAD_BANK_FILE). The import is the only module that
 * talks SQL to bank_statements, bank_lines, bank_matches, payout_debits
 * and bank_status_reports (schema/0011-bank.sql). */
#ifndef PASSNUM_BANK_H
#define PASSNUM_BANK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "error.h"
#include "hash.h"

struct db;

enum bank_format { BANK_UNKNOWN, BANK_CAMT053, BANK_CAMT054, BANK_PAIN002, BANK_CFONB120, BANK_CSV };

#define BANK_ID_MAX 35        /* ISO 20022 Max35Text */
#define BANK_REF_MAX 70
#define BANK_TEXT_MAX 500     /* remittance text kept (Ustrd joined, AddtlNtryInf) */
#define BANK_NAME_MAX 140
#define BANK_CODE_MAX 40
#define BANK_LINE_MAX 1024
#define BANK_UNMATCHED_LISTED 100 /* lines in suspense an import lists */    /* a CSV line; a CFONB record is 120 characters */

/* One statement (or notification) being read. */
struct bank_statement {
	enum bank_format format;
	char version[41];             /* "camt.053.001.08", "cfonb120", "passnum-bank-csv-v1" */
	char iban[35];                /* the account (CFONB: "RIB:" bank guichet account, 5+5+11) */
	char id[BANK_REF_MAX + 1];    /* Stmt/Id (Ntfctn/Id), CSV statement id; "" none */
	char seq[21];                 /* ElctrncSeqNb; "" none */
	bool has_balances;
	int64_t opening_cents, closing_cents; /* signed: + in credit (money on the account) */
	int32_t opening_day, closing_day;
	int64_t lines;                /* lines read so far */
	uint8_t content_hash[HASH_SHA256_SIZE]; /* CFONB, CSV: SHA-256 of its records (at end) */
};

/* One booked movement. */
struct bank_line {
	int64_t amount_cents;         /* signed: + credit (money in), - debit; never 0 */
	int32_t booking_day, value_day;
	char bank_ref[BANK_REF_MAX + 1];      /* AcctSvcrRef, CFONB reference, CSV bank_ref */
	char end_to_end_id[BANK_ID_MAX + 1];  /* Refs/EndToEndId, CFONB 05 RCN */
	char pmt_inf_id[BANK_ID_MAX + 1];     /* Btch/PmtInfId or Refs/PmtInfId */
	char msg_id[BANK_ID_MAX + 1];         /* Refs/MsgId */
	char remittance[BANK_TEXT_MAX + 1];   /* RmtInf/Ustrd, AddtlNtryInf, CFONB libellé + 05 LIB */
	char counterparty[BANK_NAME_MAX + 1];
	char code[BANK_CODE_MAX + 1];         /* Domn/Fmly/SubFmly, Prtry/Cd, CFONB interbank code */
	char return_reason[9];                /* RtrInf/Rsn/Cd, "CFONB nn" (04, 41-42) */
	bool is_return;                       /* RtrInf, RRTN, a CFONB reason code, CSV return */
	bool is_charges;                      /* the code says bank charges (CHRG, FEES, CSV) */
};

/* A pain.002 status at one level. */
enum bank_status_level { BANK_STATUS_GROUP, BANK_STATUS_PMTINF, BANK_STATUS_TX };
struct bank_status {
	char msg_id[BANK_ID_MAX + 1];        /* the report's own GrpHdr/MsgId */
	char version[41];                    /* "pain.002.001.10" */
	char orig_msg_id[BANK_ID_MAX + 1];   /* OrgnlMsgId */
	enum bank_status_level level;
	char id[BANK_ID_MAX + 1];            /* OrgnlPmtInfId or OrgnlEndToEndId ("" for the group) */
	char status[5];                      /* ACCP, ACSC, ACSP, ACTC, ACWC, PART, PDNG, RJCT, RCVD */
	char reason[9];                      /* StsRsnInf/Rsn/Cd */
};

/* What a reader calls; each returns 0 to go on, -1 (e set) to stop. begin
 * is called once a statement's account and id are known, line for each
 * booked movement, end when it closes (balances and content hash known). */
struct bank_sink {
	int (*begin)(void *ctx, struct bank_statement *st, struct error *e);
	int (*line)(void *ctx, struct bank_statement *st, const struct bank_line *l, struct error *e);
	int (*end)(void *ctx, struct bank_statement *st, struct error *e);
	int (*status)(void *ctx, const struct bank_status *s, struct error *e);
	void *ctx;
};

/* The input of a reader: a file (path) or bytes in memory (fuzz targets). */
struct bank_source {
	const char *path;
	const uint8_t *data;
	size_t size;
};

/* Detects the format from the first bytes (XML root element; "01" records
 * of 120 characters; the CSV's first field "passnum-bank-csv-v1"). */
int bank_detect(const struct bank_source *src, enum bank_format *format, struct error *e);

/* The readers (lib/bank_camt.c, bank_pain002.c, bank_cfonb.c, bank_csv.c). */
int bank_read_camt(const struct bank_source *src, const struct bank_sink *sink, struct error *e);
int bank_read_pain002(const struct bank_source *src, const struct bank_sink *sink,
    struct error *e);
int bank_read_cfonb(const struct bank_source *src, const struct bank_sink *sink, struct error *e);
int bank_read_csv(const struct bank_source *src, const struct bank_sink *sink, struct error *e);
/* Detects and reads. */
int bank_read(const struct bank_source *src, const struct bank_sink *sink,
    enum bank_format *format, struct error *e);

/* Shared by the readers (lib/bank.c). A decimal amount "1234.56" (at most
 * two decimals) in cents; an ISO date "2027-05-31" (or a date-time, its
 * date) in days. */
int bank_amount(const char *text, int64_t *cents, struct error *e);
int bank_iso_day(const char *text, int32_t *day, struct error *e);
/* Copies text into out (size bytes), collapsing control characters to
 * spaces, cut on a UTF-8 boundary; appends after a space when append. */
void bank_copy_text(char *out, size_t size, const char *text, bool append);
/* Copies an identifier or a code, the text of element name, into out (size
 * bytes): one that does not fit is refused (400 BAD_BANK_FILE), never cut,
 * since a cut identifier could name another payment and a cut code another
 * status. Returns 0 or -1. */
int bank_copy_id(char *out, size_t size, const char *text, const char *name, struct error *e);
const char *bank_format_name(enum bank_format format);

/* The import. */
struct bank_import_result {
	enum bank_format format;
	int64_t statements, duplicates;  /* imported, already imported (nothing changed) */
	int64_t lines, posted_cents;
	int64_t payouts_debited, returns, receipts, tied, charges, suspense, details;
	int64_t statuses_accepted, statuses_rejected;
	int64_t returns_notified;        /* camt.054: returns of debited payouts (payee held) */
	json_t *unmatched;               /* [{line, amount_cents, remittance}], owned: the
	                                  * first BANK_UNMATCHED_LISTED lines in suspense */
};

/* Imports the file at path inside the caller's write transaction: reads it
 * once to check it whole (format, account, amounts, a statement's opening
 * + lines = closing is NOT required here: reconcile reports it), then
 * records each statement not imported yet and posts its lines. Refuses a
 * statement of an account that is neither the operator's third-party
 * funds account nor its operating account (409 FOREIGN_ACCOUNT), whole. */
int bank_import(struct db *db, const char *path, const char *who, int64_t now,
    struct bank_import_result *r, struct error *e);
void bank_import_result_free(struct bank_import_result *r);

/* Resolves a line in suspense by hand with an entry (never an edit):
 * to a funder (its orders, or money received ahead), a payout, an
 * invoice (through bank_match_invoice_hook), charges or a fee sweep. */
enum bank_target { BANK_TARGET_FUNDER, BANK_TARGET_PAYOUT, BANK_TARGET_INVOICE,
	BANK_TARGET_CHARGES, BANK_TARGET_SWEEP };
int bank_match(struct db *db, int64_t line_id, enum bank_target target, const char *target_id,
    const char *who, int64_t now, uint64_t *seq, struct error *e);

/* The seam for invoices (issue 11, the invoices module): a credit whose
 * remittance names an invoice number (FA-YYYY-NNNNNN). Returns 1 when it
 * matched (invoice_record_payment posted the payment: *seq is its entry),
 * 0 when it is not this invoice's payment (unknown number, a credit note,
 * more than is owed: the line goes to suspense), -1 on a store error. */
int bank_match_invoice_hook(struct db *db, const char *number, int64_t amount_cents,
    int32_t day, const char *bank_ref, uint64_t *seq, struct error *e);

/* For `ledger verify`: the total of payouts the bank debited (*debited),
 * and fn with each payee's total of payouts returned. */
int bank_payout_totals(struct db *db, int64_t *debited,
    int (*fn)(int64_t payee_id, int64_t returned, void *ctx), void *ctx, struct error *e);

/* Lines as JSON (all, or only those in suspense and not matched). */
json_t *bank_lines_json(struct db *db, bool unmatched_only, struct error *e);

#endif
