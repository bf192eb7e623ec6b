#include <stdint.h>
#include <string.h>
#include "code.h"

/* Crockford Base32 digits, then the check-only symbols for 32..36. */
static const char code_symbols[37] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";

static const struct {
	const char *code;
	const char *message;
} code_results[] = {
	[CODE_OK] = { "OK", "valid code" },
	[CODE_BAD_CHARACTER] = { "CODE_BAD_CHARACTER", "the code holds a character that cannot be in a code" },
	[CODE_TOO_SHORT] = { "CODE_TOO_SHORT", "the code is incomplete: characters are missing" },
	[CODE_TOO_LONG] = { "CODE_TOO_LONG", "the code is too long: it has extra characters" },
	[CODE_OUT_OF_RANGE] = { "CODE_OUT_OF_RANGE", "not a pass code: the first character must be 0 or 1" },
	[CODE_BAD_CHECK] = { "CODE_BAD_CHECK", "the code has a typing mistake: its check character does not match" },
};

/* Value of an upper-cased input character: 0..31 for digits (with I, L as
 * 1 and O as 0), 32..36 for the check-only symbols, -1 for anything else. */
static int
code_value(char c)
{
	const char *p;

	if (c == 'I' || c == 'L')
		return 1;
	if (c == 'O')
		return 0;
	if (c == '\0' || (p = memchr(code_symbols, c, sizeof(code_symbols))) == NULL)
		return -1;
	return (int)(p - code_symbols);
}

/* The serial read as a 96-bit big-endian integer, modulo 37. */
static unsigned
code_mod37(const uint8_t serial[CODE_SERIAL_BYTES])
{
	unsigned r = 0;
	size_t i;

	for (i = 0; i < CODE_SERIAL_BYTES; i++)
		r = (r * 256 + serial[i]) % 37;
	return r;
}

char
code_check_symbol(const uint8_t serial[CODE_SERIAL_BYTES])
{
	return code_symbols[code_mod37(serial)];
}

void
code_format(const uint8_t serial[CODE_SERIAL_BYTES], char out[CODE_TEXT_LEN + 1])
{
	unsigned bit, digit, v;
	size_t o = 0;
	int j;

	/* 100 bits: 4 zero bits, then the 96 bits of the serial. */
	for (digit = 0; digit < CODE_DIGITS; digit++) {
		v = 0;
		for (j = 0; j < 5; j++) {
			bit = digit * 5 + (unsigned)j;
			v <<= 1;
			if (bit >= 4)
				v |= (serial[(bit - 4) / 8] >> (7 - (bit - 4) % 8)) & 1;
		}
		if (digit > 0 && digit % 5 == 0)
			out[o++] = '-';
		out[o++] = code_symbols[v];
	}
	out[o++] = '-';
	out[o++] = code_check_symbol(serial);
	out[o] = '\0';
}

/* Packs 20 digit values (first one 0 or 1) into the 96-bit serial. */
static void
code_pack(const uint8_t digits[CODE_DIGITS], uint8_t serial[CODE_SERIAL_BYTES])
{
	uint32_t acc = digits[0] & 1;
	unsigned nbits = 1;
	size_t i, o = 0;

	for (i = 1; i < CODE_DIGITS; i++) {
		acc = acc << 5 | digits[i];
		nbits += 5;
		if (nbits >= 8) {
			nbits -= 8;
			serial[o++] = (uint8_t)(acc >> nbits);
			acc &= (1u << nbits) - 1;
		}
	}
}

static int
code_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads the symbols of text into values[0..21), counting all of them in
 * detail->symbols. Returns CODE_OK or CODE_BAD_CHARACTER (offset set). */
static enum code_result
code_scan(const char *text, size_t len, size_t base,
    uint8_t values[CODE_SYMBOLS], struct code_detail *detail)
{
	size_t i, check_only_at = SIZE_MAX;
	int v;
	char c;

	for (i = 0; i < len; i++) {
		c = text[i];
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		v = code_value(c);
		if (v < 0 || check_only_at != SIZE_MAX) {
			detail->offset = base + (v < 0 ? i : check_only_at);
			return CODE_BAD_CHARACTER;
		}
		if (v >= 32)
			check_only_at = i;
		if (detail->symbols < CODE_SYMBOLS)
			values[detail->symbols] = (uint8_t)v;
		detail->symbols++;
	}
	return CODE_OK;
}

enum code_result
code_parse(const char *text, size_t len, uint8_t serial[CODE_SERIAL_BYTES],
    struct code_detail *detail)
{
	uint8_t values[CODE_SYMBOLS];
	struct code_detail d = { 0, 0, 0, 0 };
	enum code_result r;
	size_t base = 0;

	memset(serial, 0, CODE_SERIAL_BYTES);
	while (len > 0 && code_is_space(text[0])) {
		text++;
		len--;
		base++;
	}
	while (len > 0 && code_is_space(text[len - 1]))
		len--;
	if ((r = code_scan(text, len, base, values, &d)) != CODE_OK)
		goto done;
	if (d.symbols < CODE_SYMBOLS) {
		d.missing = CODE_SYMBOLS - d.symbols;
		r = CODE_TOO_SHORT;
	} else if (d.symbols > CODE_SYMBOLS) {
		d.extra = d.symbols - CODE_SYMBOLS;
		r = CODE_TOO_LONG;
	} else if (values[0] > 1) {
		r = CODE_OUT_OF_RANGE;
	} else {
		code_pack(values, serial);
		if (code_mod37(serial) != values[CODE_DIGITS]) {
			memset(serial, 0, CODE_SERIAL_BYTES);
			r = CODE_BAD_CHECK;
		}
	}
done:
	if (detail != NULL)
		*detail = d;
	return r;
}

const char *
code_result_code(enum code_result r)
{
	if ((unsigned)r >= sizeof(code_results) / sizeof(code_results[0]))
		return "INTERNAL";
	return code_results[r].code;
}

const char *
code_result_message(enum code_result r)
{
	if ((unsigned)r >= sizeof(code_results) / sizeof(code_results[0]))
		return "internal error";
	return code_results[r].message;
}
