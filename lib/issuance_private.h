/* Shared between lib/issuance.c and lib/issuance_stock.c only. */
#ifndef PASSNUM_ISSUANCE_PRIVATE_H
#define PASSNUM_ISSUANCE_PRIVATE_H
#include "error.h"

struct db;

/* For the long jobs that commit in chunks of their own (db_write per
 * chunk): returns 0 outside a write transaction, else -1 with e set (500
 * IN_TRANSACTION naming the function: a bug of the caller). */
int issuance_outside_write(const struct db *db, const char *function, struct error *e);
#define ISSUANCE_OUTSIDE_WRITE(db, e) issuance_outside_write((db), __func__, (e))

#endif
