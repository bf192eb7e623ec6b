/* Helpers shared by registry.c, registry_campaign.c and registry_token.c;
 * not part of the registry's contract. */
#ifndef PASSNUM_REGISTRY_PRIVATE_H
#define PASSNUM_REGISTRY_PRIVATE_H
#include <stddef.h>
#include <stdint.h>
#include "error.h"

struct db;

/* Checks that text has 1..max bytes and no control character; what names
 * the field in the message. Returns 0, or -1 (400 BAD_<code>). */
int registry_text_check(const char *code, const char *what, const char *text, size_t max,
    struct error *e);

/* Opens the operator's own ledger accounts (bank, payouts, suspense, fees,
 * VAT) if they do not exist yet. Inside a write transaction. */
int registry_operator_accounts_open(struct db *db, struct error *e);

/* Records in registry_changes that field of object object_id went from
 * old_value to new_value, by who at now; nothing when both are equal.
 * Inside a write transaction. Returns 0, or -1 with e set. */
int registry_change_record(struct db *db, const char *object, int64_t object_id,
    const char *field, const char *old_value, const char *new_value, const char *who,
    int64_t now, struct error *e);

/* Copies src into dst (size bytes, NUL-ended, truncated). */
void registry_copy(char *dst, size_t size, const char *src);

#endif
