/* Fuzz target: human code parsing. Properties: a parse either succeeds or
 * zeroes the serial; the detail counts agree with the result; an accepted
 * input is the printed form of its serial up to case, dashes, spaces,
 * surrounding whitespace and I/L/O. Any violation aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The canonical symbol of an accepted input character, or 0 to skip it. */
static char
fuzz_code_canonical(char c)
{
	if (c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
		return 0;
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'I' || c == 'L')
		return '1';
	if (c == 'O')
		return '0';
	return c;
}

/* Checks that text spells the printed code of serial. */
static void
fuzz_code_same(const char *text, size_t size, const uint8_t serial[12])
{
	char code[CODE_TEXT_LEN + 1], want[CODE_SYMBOLS], got[CODE_SYMBOLS];
	size_t i, n = 0, k = 0;
	char c;

	code_format(serial, code);
	for (i = 0; i < CODE_TEXT_LEN; i++)
		if (code[i] != '-')
			want[k++] = code[i];
	for (i = 0; i < size; i++) {
		if ((c = fuzz_code_canonical(text[i])) == 0)
			continue;
		if (n == CODE_SYMBOLS)
			abort();
		got[n++] = c;
	}
	if (n != CODE_SYMBOLS || memcmp(got, want, CODE_SYMBOLS) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[12];
	const char *text = (const char *)data;
	char code[CODE_TEXT_LEN + 1];
	uint8_t serial[12], again[12];
	struct code_detail d;
	enum code_result r;

	r = code_parse(text, size, serial, &d);
	switch (r) {
	case CODE_OK:
		fuzz_code_same(text, size, serial);
		code_format(serial, code);
		if (code_parse(code, CODE_TEXT_LEN, again, NULL) != CODE_OK ||
		    memcmp(again, serial, 12) != 0)
			abort();
		break;
	case CODE_TOO_SHORT:
		if (d.symbols >= CODE_SYMBOLS || d.missing != CODE_SYMBOLS - d.symbols)
			abort();
		break;
	case CODE_TOO_LONG:
		if (d.symbols <= CODE_SYMBOLS || d.extra != d.symbols - CODE_SYMBOLS)
			abort();
		break;
	case CODE_BAD_CHARACTER:
		if (d.offset >= size)
			abort();
		break;
	case CODE_OUT_OF_RANGE:
	case CODE_BAD_CHECK:
		if (d.symbols != CODE_SYMBOLS)
			abort();
		break;
	default:
		abort();
	}
	if (r != CODE_OK && memcmp(serial, zero, 12) != 0)
		abort();
	return 0;
}
