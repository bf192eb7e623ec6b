/* Helpers shared by registry.c, registry_campaign.c and registry_token.c;
 * not part of the registry's contract. */
#ifndef PASSNUM_REGISTRY_PRIVATE_H
#define PASSNUM_REGISTRY_PRIVATE_H
#include <stddef.h>
#include "error.h"

struct db;

/* Checks that text has 1..max bytes and no control character; what names
 * the field in the message. Returns 0, or -1 (400 BAD_<code>). */
int registry_text_check(const char *code, const char *what, const char *text, size_t max,
    struct error *e);

/* Opens the operator's own ledger accounts (bank, payouts, suspense, fees,
 * VAT) if they do not exist yet. Inside a write transaction. */
int registry_operator_accounts_open(struct db *db, struct error *e);

/* Copies src into dst (size bytes, NUL-ended, truncated). */
void registry_copy(char *dst, size_t size, const char *src);

#endif
