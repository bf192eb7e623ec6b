/* Money: euro amounts held as int64 cents. No floating point touches money.
 * Text forms: the machine form "1234.50" (parse and format) and the French
 * display form "1 234,50 €" (format only). */
#ifndef PASSNUM_MONEY_H
#define PASSNUM_MONEY_H
#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* Buffer sizes large enough for any int64 amount, NUL included. */
#define MONEY_FORMAT_SIZE 32    /* "-92233720368547758.08" */
#define MONEY_FORMAT_FR_SIZE 64 /* with U+202F groups and " €" */

/* Parses a non-negative euro amount typed by a person or read from a
 * machine: one or more ASCII digits, then optionally "." and one or two
 * digits ("10", "10.5", "10.50", "0.05"; leading zeros allowed). Refused:
 * empty text, a sign, spaces, commas, exponents, a leading or trailing ".",
 * more than two decimals, anything above INT64_MAX cents. On success stores
 * the cents in *cents and returns 0; otherwise sets *cents to 0, fills e
 * (400 BAD_AMOUNT) and returns -1. */
int money_parse(const char *text, int64_t *cents, struct error *e)
	__attribute__((warn_unused_result));

/* Writes cents in machine form ("10.50", "-0.05", always two decimals)
 * into buf. Returns 0, or -1 (buf set to "" when size > 0) if size is too
 * small; MONEY_FORMAT_SIZE always suffices. */
int money_format(int64_t cents, char *buf, size_t size);

/* Writes cents in French display form into buf as UTF-8: thousands grouped
 * by U+202F (narrow no-break space), decimal comma, U+00A0 (no-break space)
 * before the euro sign: "1 234,50 €", "10,00 €", "-0,05 €". Returns 0, or
 * -1 (buf set to "" when size > 0) if size is too small;
 * MONEY_FORMAT_FR_SIZE always suffices. */
int money_format_fr(int64_t cents, char *buf, size_t size);

/* Checked arithmetic: store a + b, a - b, a * b in *out and return 0, or
 * return -1 on int64 overflow (*out then left unchanged). */
int money_add(int64_t a, int64_t b, int64_t *out) __attribute__((warn_unused_result));
int money_sub(int64_t a, int64_t b, int64_t *out) __attribute__((warn_unused_result));
int money_mul(int64_t a, int64_t b, int64_t *out) __attribute__((warn_unused_result));

#endif
