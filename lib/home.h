/* A home: the data directory holding passnum.db, keys/ and passnumd.conf. */
#ifndef PASSNUM_HOME_H
#define PASSNUM_HOME_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "error.h"

struct db;

struct home {
	char dir[4096];
	struct db *db; /* owned; closed by home_close */
};

/* The operator's identity, recorded by `passnum init` and corrected by
 * `passnum operator set` (schema 6). Text fields are "" when unknown. */
struct operator_info {
	char name[201];           /* legal name, never empty */
	char address[301];        /* postal address, one line */
	char siren[10];           /* 9 digits; fixed once a FEC was exported */
	char siret[15];           /* head office, 14 digits starting with the SIREN */
	char vat_number[14];      /* "FR" + 2 key digits + SIREN */
	char legal_form[101];     /* "SAS", "association loi 1901", ... */
	bool capital_known;       /* capital_cents holds the share capital */
	int64_t capital_cents;
	char rcs[101];            /* "RCS Paris 123 456 782" */
	char iban[35];            /* the third-party funds account (funders' money) */
	char bic[12];             /* its bank's BIC */
	char operating_iban[35];  /* the operator's own account (its fees) */
	char origin[201];         /* the ledger's log origin (C2SP), never changed */
	int64_t fec_exported_at;  /* the first FEC export, 0 before */
};

/* The fields `passnum operator set` may change, in display order. */
enum home_operator_field {
	HOME_OP_NAME, HOME_OP_ADDRESS, HOME_OP_SIREN, HOME_OP_SIRET, HOME_OP_VAT_NUMBER,
	HOME_OP_LEGAL_FORM, HOME_OP_CAPITAL, HOME_OP_RCS, HOME_OP_IBAN, HOME_OP_BIC,
	HOME_OP_OPERATING_IBAN, HOME_OP_FIELD_COUNT
};

/* The field's name as recorded and shown ("vat_number"). */
const char *home_operator_field_name(enum home_operator_field field);

/* Parses text typed for field (spaces in identifiers, lower case, "1000.50"
 * for the capital; "" clears any field but the name) into op, checked in
 * itself: SIREN and SIRET by Luhn, IBANs by mod 97, the VAT number's key,
 * the RCS's SIREN. Pure. Returns 0, or -1 with e set (400). */
int home_operator_parse(struct operator_info *op, enum home_operator_field field,
    const char *text, struct error *e);

/* Writes field's value of op as text into out (the capital as "1000.00"). */
void home_operator_value(const struct operator_info *op, enum home_operator_field field,
    char *out, size_t size);

/* Refuses identifiers that contradict each other: a SIRET, VAT number or
 * RCS that does not carry the SIREN (fields "" are not compared). Pure.
 * Returns 0, or -1 with e set (409 OPERATOR_MISMATCH). */
int home_operator_consistent(const struct operator_info *op, struct error *e);

/* Sets the fields of mask (1 << field) to their values in values, inside the
 * caller's write transaction: refuses a SIREN change once a FEC was exported
 * (409 SIREN_FIXED) and a result that is not consistent; records each field
 * that really changes in operator_changes with who at now. *changed gets how
 * many did. Returns 0, or -1 with e set. */
int home_operator_update(struct db *db, const struct operator_info *values, unsigned mask,
    const char *who, int64_t now, int *changed, struct error *e);

/* Records the first FEC export at now (a no-op once recorded); inside the
 * caller's write transaction. Returns 0, or -1 with e set. */
int home_operator_fec_exported(struct db *db, int64_t now, struct error *e);

/* The operator's changes, oldest first, as a JSON array (caller owns it) of
 * {"id", "field", "old_value", "new_value", "changed_by", "changed_at"};
 * NULL with e set. */
json_t *home_operator_changes_json(struct db *db, struct error *e);

/* Picks the home directory: option (from --home) if not NULL, else the
 * environment's PASSNUM_HOME. Returns 0, or -1 with e set. */
int home_resolve(const char *option, char *out, size_t size, struct error *e);

/* Creates a new home at dir: the directory (mode 0700, may exist if empty;
 * its missing parents are made, mode 0700),
 * the database, and in one write transaction of its own the operator row,
 * one issuer key and one ledger key. Refuses an existing home and leaves
 * nothing behind on failure. */
int home_create(struct home *home, const char *dir, const struct operator_info *op,
    int64_t now, struct error *e);

/* Opens an existing home (upgrading its schema if older). */
int home_open(struct home *home, const char *dir, struct error *e);

/* Closes the database; NULL-safe on a zeroed home. */
void home_close(struct home *home);

/* Writes "dir/name" into out; returns 0, or -1 when it does not fit. */
int home_path(const struct home *home, const char *name, char *out, size_t size);

/* Reads the operator row. */
int home_operator(struct db *db, struct operator_info *op, struct error *e);

#endif
