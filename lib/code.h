/* The human code of a pass (docs/token-format.md, TOKEN.md): its 96-bit
 * serial in Crockford Base32 as 20 digits, then a mod-37 check symbol,
 * printed XXXXX-XXXXX-XXXXX-XXXXX-C. Parsing is lenient about case,
 * dashes, spaces and I/L/O, and strict about everything else. */
#ifndef PASSNUM_CODE_H
#define PASSNUM_CODE_H
#include <stddef.h>
#include <stdint.h>

#define CODE_SERIAL_BYTES	12
#define CODE_DIGITS		20	/* Base32 digits of the serial */
#define CODE_SYMBOLS		21	/* digits + check symbol */
#define CODE_TEXT_LEN		25	/* printed form XXXXX-XXXXX-XXXXX-XXXXX-C, NUL excluded */

/* Results of code_parse, in the order the checks run. */
enum code_result {
	CODE_OK = 0,
	CODE_BAD_CHARACTER,	/* a character no code holds, or a check-only
				 * symbol (* ~ $ = U) before the last symbol */
	CODE_TOO_SHORT,		/* fewer than 21 symbols */
	CODE_TOO_LONG,		/* more than 21 symbols */
	CODE_OUT_OF_RANGE,	/* value >= 2^96 (first digit above 1) */
	CODE_BAD_CHECK,		/* check symbol does not match */
};

/* Where and why a parse failed, for a precise message. */
struct code_detail {
	size_t symbols;	/* symbols counted (dashes, spaces, whitespace excluded) */
	size_t missing;	/* CODE_TOO_SHORT: 21 - symbols; else 0 */
	size_t extra;	/* CODE_TOO_LONG: symbols - 21; else 0 */
	size_t offset;	/* CODE_BAD_CHARACTER: byte offset in the input */
};

/* Writes the printed form of serial, NUL-terminated (26 bytes). */
void code_format(const uint8_t serial[CODE_SERIAL_BYTES],
    char out[CODE_TEXT_LEN + 1]);

/* Returns the check symbol of serial (one of 0-9 A-Z less I L O U, or
 * * ~ $ = U). */
char code_check_symbol(const uint8_t serial[CODE_SERIAL_BYTES]);

/* Parses the len bytes of text (no NUL needed): surrounding whitespace
 * trimmed; case ignored; '-' and ' ' ignored; I, L read as 1 and O as 0.
 * On CODE_OK writes the serial; otherwise zeroes it. Fills *detail when
 * not NULL. Never reduces a value >= 2^96. */
enum code_result code_parse(const char *text, size_t len,
    uint8_t serial[CODE_SERIAL_BYTES], struct code_detail *detail)
    __attribute__((warn_unused_result));

/* Stable UPPER_SNAKE code of r, e.g. "CODE_TOO_SHORT"; "OK" for CODE_OK. */
const char *code_result_code(enum code_result r);

/* One-line English message for r (the caller adds counts from detail). */
const char *code_result_message(enum code_result r);

#endif
