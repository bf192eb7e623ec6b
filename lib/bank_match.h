/* Matching bank lines and statuses (lib/bank_match.c), used by the import
 * (lib/bank_import.c). Not part of bank.h's API. */
#ifndef PASSNUM_BANK_MATCH_H
#define PASSNUM_BANK_MATCH_H
#include "bank.h"
#include "merkle.h"

struct bank_match_ctx {
	struct db *db;
	const char *who;
	int64_t now;
	struct bank_import_result *r;
	struct merkle_state tree;     /* ledger_append's cache across the lines */
	int64_t statement_id;
	bool operating, detail;
	int64_t settlement_id;        /* pain.002: the settlement it is about */
};

int bank_match_init(struct bank_match_ctx *m, struct db *db, const char *who, int64_t now,
    struct bank_import_result *r, struct error *e);
void bank_match_free(struct bank_match_ctx *m);
/* Records line idx of the current statement and posts it. */
int bank_match_line(struct bank_match_ctx *m, const struct bank_line *l, int64_t idx,
    struct error *e);
/* pain.002: checks (first pass) and applies (second pass) one status. */
int bank_status_check(struct bank_match_ctx *m, const struct bank_status *s, struct error *e);
int bank_status_apply(struct bank_match_ctx *m, const struct bank_status *s, struct error *e);

#endif
