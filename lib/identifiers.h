/* French and banking identifiers: SIREN, SIRET (INSEE), IBAN (ISO 13616),
 * BIC (ISO 9362). Each *_normalize function accepts what a person types
 * (spaces, lower case where it applies), checks it fully and writes the
 * canonical form; each *_check function checks text already canonical.
 * All return 0, or -1 with e set (status 400; codes BAD_SIREN, BAD_SIRET,
 * BAD_IBAN, BAD_BIC) and the output cleared. Pure and thread-safe. */
#ifndef PASSNUM_IDENTIFIERS_H
#define PASSNUM_IDENTIFIERS_H
#include <stddef.h>
#include "error.h"

#define IDENTIFIERS_SIREN_SIZE 10 /* 9 digits + NUL */
#define IDENTIFIERS_SIRET_SIZE 15 /* 14 digits + NUL */
#define IDENTIFIERS_IBAN_SIZE 35  /* up to 34 characters + NUL */
#define IDENTIFIERS_IBAN_PRINT_SIZE 43 /* groups of four separated by spaces */
#define IDENTIFIERS_BIC_SIZE 12   /* 8 or 11 characters + NUL */

/* SIREN: exactly 9 ASCII digits with a valid Luhn check digit. */
int identifiers_siren_check(const char *siren, struct error *e)
	__attribute__((warn_unused_result));

/* SIRET: exactly 14 ASCII digits whose first 9 are a valid SIREN, with a
 * valid Luhn check digit; except La Poste's establishments (SIREN
 * 356000000), whose digit sum must be a multiple of 5 instead (its head
 * office 35600000000048 follows Luhn). */
int identifiers_siret_check(const char *siret, struct error *e)
	__attribute__((warn_unused_result));

/* Removes spaces from text ("356 000 000 00048") and checks the SIREN or
 * SIRET into out. */
int identifiers_siren_normalize(const char *text, char out[IDENTIFIERS_SIREN_SIZE],
    struct error *e) __attribute__((warn_unused_result));
int identifiers_siret_normalize(const char *text, char out[IDENTIFIERS_SIRET_SIZE],
    struct error *e) __attribute__((warn_unused_result));

/* IBAN in electronic form: upper-case country code, two check digits,
 * upper-case alphanumeric BBAN; length fixed per country for the SEPA
 * countries (FR 27, DE 22, ...), 15-34 for the others; ISO 7064 mod 97
 * remainder 1. */
int identifiers_iban_check(const char *iban, struct error *e)
	__attribute__((warn_unused_result));

/* Removes spaces, upper-cases, and checks an IBAN typed as
 * "fr76 3000 6000 0112 3456 7890 189" into out ("FR7630006000011234567890189"). */
int identifiers_iban_normalize(const char *text, char out[IDENTIFIERS_IBAN_SIZE],
    struct error *e) __attribute__((warn_unused_result));

/* Writes a canonical IBAN in print form, groups of four characters
 * separated by a space ("FR76 3000 6000 0112 3456 7890 189"). Returns 0,
 * or -1 (out = "") if iban is longer than 34 characters. */
int identifiers_iban_format(const char *iban, char out[IDENTIFIERS_IBAN_PRINT_SIZE]);

/* BIC: 4 letters (institution), 2 letters (country), 2 letters or digits
 * (location), optionally 3 letters or digits (branch); upper case. */
int identifiers_bic_check(const char *bic, struct error *e)
	__attribute__((warn_unused_result));

/* Removes spaces, upper-cases, and checks a BIC into out. */
int identifiers_bic_normalize(const char *text, char out[IDENTIFIERS_BIC_SIZE],
    struct error *e) __attribute__((warn_unused_result));

#endif
