#include <stdint.h>
#include <string.h>
#include "base45.h"

static const char base45_alphabet[45] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/* Value of an alphabet character, or -1 for any other byte. */
static int
base45_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	switch (c) {
	case ' ': return 36;
	case '$': return 37;
	case '%': return 38;
	case '*': return 39;
	case '+': return 40;
	case '-': return 41;
	case '.': return 42;
	case '/': return 43;
	case ':': return 44;
	default: return -1;
	}
}

size_t
base45_encoded_len(size_t n)
{
	if (n / 2 > (SIZE_MAX - 2) / 3)
		return SIZE_MAX;
	return n / 2 * 3 + (n % 2) * 2;
}

int
base45_decoded_len(size_t len, size_t *n)
{
	if (len % 3 == 1)
		return -1;
	*n = len / 3 * 2 + (len % 3 == 2 ? 1 : 0);
	return 0;
}

int
base45_encode(const uint8_t *in, size_t inlen, char *out, size_t outcap,
    size_t *outlen)
{
	size_t need = base45_encoded_len(inlen);
	size_t i, o = 0;
	unsigned v;

	if (outlen != NULL)
		*outlen = 0;
	if (need == SIZE_MAX || outcap < need + 1) {
		if (outcap > 0)
			out[0] = '\0';
		return -1;
	}
	for (i = 0; i + 1 < inlen; i += 2) {
		v = (unsigned)in[i] * 256 + in[i + 1];
		out[o++] = base45_alphabet[v % 45];
		out[o++] = base45_alphabet[v / 45 % 45];
		out[o++] = base45_alphabet[v / 2025];
	}
	if (i < inlen) {
		v = in[i];
		out[o++] = base45_alphabet[v % 45];
		out[o++] = base45_alphabet[v / 45];
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return 0;
}

/* Decodes one group of 2 or 3 characters into *v; -1 when a character is
 * outside the alphabet or the value does not fit 1 or 2 bytes. */
static int
base45_group(const char *in, size_t len, unsigned *v)
{
	int c, d, e = 0;

	c = base45_value((unsigned char)in[0]);
	d = base45_value((unsigned char)in[1]);
	if (len == 3)
		e = base45_value((unsigned char)in[2]);
	if (c < 0 || d < 0 || e < 0)
		return -1;
	*v = (unsigned)c + (unsigned)d * 45 + (unsigned)e * 2025;
	return *v > (len == 3 ? 65535u : 255u) ? -1 : 0;
}

int
base45_check(const char *in, size_t inlen)
{
	size_t i;
	unsigned v;

	if (inlen % 3 == 1)
		return -1;
	for (i = 0; i < inlen; i += 3)
		if (base45_group(in + i, inlen - i >= 3 ? 3 : 2, &v) != 0)
			return -1;
	return 0;
}

int
base45_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap,
    size_t *outlen)
{
	size_t i, n, o = 0;
	unsigned v;

	if (base45_decoded_len(inlen, &n) != 0 || outcap < n)
		goto fail;
	for (i = 0; i + 3 <= inlen; i += 3) {
		if (base45_group(in + i, 3, &v) != 0)
			goto fail;
		out[o++] = (uint8_t)(v >> 8);
		out[o++] = (uint8_t)v;
	}
	if (i < inlen) {
		if (base45_group(in + i, 2, &v) != 0)
			goto fail;
		out[o++] = (uint8_t)v;
	}
	if (outlen != NULL)
		*outlen = o;
	return 0;
fail:
	if (outcap > 0)
		memset(out, 0, outcap);
	if (outlen != NULL)
		*outlen = 0;
	return -1;
}
