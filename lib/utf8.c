#include <string.h>
#include "utf8.h"

/* Length of the well-formed UTF-8 sequence at p (at most avail bytes), or 0
 * when it is not one. */
static size_t
utf8_sequence(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (avail < need || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

bool
utf8_valid(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;

	for (size_t i = 0, n; i < len; i += n)
		if ((n = utf8_sequence(p + i, len - i)) == 0)
			return false;
	return true;
}

size_t
utf8_copy(char *dst, size_t size, const char *src, size_t len)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)src;
	size_t out = 0;

	for (size_t i = 0, n; i < len && p[i] != '\0'; i += n) {
		const char *piece = src + i;
		size_t piece_len = n = utf8_sequence(p + i, len - i);

		if (n == 0) {
			n = 1;
			piece = replacement;
			piece_len = 3;
		}
		if (out + piece_len >= size)
			break;
		memcpy(dst + out, piece, piece_len);
		out += piece_len;
	}
	dst[out] = '\0';
	return out;
}
