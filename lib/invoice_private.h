/* Shared by lib/invoice*.c only. */
#ifndef PASSNUM_INVOICE_PRIVATE_H
#define PASSNUM_INVOICE_PRIVATE_H
#include "invoice.h"
#include "ledger.h"

struct invoice_line *invoice_add_line(struct invoice *inv);
/* a * b / d rounded half up (non-negative a, b; d > 0), without overflow. */
int64_t invoice_share(int64_t a, int64_t b, int64_t d);
/* Fills inv's seller, buyer and mentions (from inv->funder_id, part and
 * VAT category). */
int invoice_parties(struct db *db, struct invoice *inv, struct error *e);
int invoice_fee_vat(struct db *db, const char *territory, char category[2], int64_t *rate_bp,
    struct error *e);
int invoice_next_number(struct db *db, bool credit_note, int32_t day, struct invoice *inv,
    int64_t *year, int64_t *seq, struct error *e);
int invoice_post(struct db *db, struct ledger_entry *entry, int32_t day, int64_t *seq,
    struct error *e);
int invoice_store(struct db *db, struct invoice *inv, int64_t year, int64_t seq,
    struct error *e);
int invoice_sum(struct invoice *inv, struct error *e);
/* What is still owed on invoice id (its receivable less credit notes and
 * payments), and what credit notes took off it in total. */
int invoice_owed(struct db *db, int64_t id, int64_t *owed, int64_t *credited, struct error *e);
/* Reads the document with row id (404 NO_INVOICE). */
int invoice_load(struct db *db, int64_t id, struct invoice *out, struct error *e);
/* Appends status to invoice id (no transition check). */
int invoice_status_add(struct db *db, int64_t id, int status, int32_t day, const char *who,
    int64_t now, struct error *e);

#endif
