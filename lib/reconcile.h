/* passnum reconcile: the état de rapprochement (the ledger's bank accounts
 * against the imported statements, each difference explained), each
 * statement's own arithmetic, the lines still in suspense, payouts not
 * seen at the bank, invoices unpaid past due (a seam until invoices are
 * merged), the ledger invariants that need no hash (`ledger verify` does
 * the hashes), and the coverage check, in total and per funder
 * (docs/accounting.md, "Reconciliation"). Read only, in one snapshot. */
#ifndef PASSNUM_RECONCILE_H
#define PASSNUM_RECONCILE_H
#include <stdint.h>
#include <jansson.h>
#include "error.h"

struct db;

/* Builds the report (a JSON object, owned by the caller) as of now; with
 * period ("YYYY-MM", or NULL for everything imported up to today), only
 * statements that close in that period. *differences counts the findings
 * that make `passnum reconcile` exit 1. */
int reconcile_run(struct db *db, const char *period, int64_t now, json_t **report,
    int64_t *differences, struct error *e);

/* Fills out with the invoices unpaid past their due date ("late": number,
 * funder, owed, days late, interest so far): listed for the accountant to
 * chase, not counted in *differences (a late payment is the funder's debt,
 * not a gap between the books and the bank). */
int reconcile_unpaid_invoices(struct db *db, int64_t now, json_t *out, int64_t *differences,
    struct error *e);

/* Writes report (canonical JSON, one line) to path and its detached
 * signature path.note, a C2SP signed note by the active ledger key whose
 * text is "passnum-reconcile-v1", the origin and the SHA-256 of the report. */
int reconcile_write_signed(struct db *db, const char *home, const json_t *report,
    const char *path, struct error *e);

#endif
