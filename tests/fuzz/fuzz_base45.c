/* Fuzz target: Base45 decoding of arbitrary text, and encoding of arbitrary
 * bytes. Properties: decode succeeds exactly when base45_check does; a
 * decoded text re-encodes to itself (Base45 is canonical); encoded bytes
 * decode back to themselves. Any violation aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base45.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes data as text and checks the round trip. */
static void
fuzz_base45_decode(const char *text, size_t size)
{
	uint8_t *bytes = malloc(size / 3 * 2 + 2);
	char *again = malloc(size + 1);
	size_t n, m;
	int ok;

	if (bytes == NULL || again == NULL)
		abort();
	ok = base45_decode(text, size, bytes, size / 3 * 2 + 2, &n) == 0;
	if (ok != (base45_check(text, size) == 0))
		abort();
	if (ok) {
		if (base45_encode(bytes, n, again, size + 1, &m) != 0 ||
		    m != size || memcmp(again, text, size) != 0)
			abort();
	}
	free(bytes);
	free(again);
}

/* Encodes data as bytes and checks the round trip. */
static void
fuzz_base45_encode(const uint8_t *data, size_t size)
{
	size_t cap = base45_encoded_len(size) + 1;
	char *text = malloc(cap);
	uint8_t *back = malloc(size + 1);
	size_t n, m;

	if (text == NULL || back == NULL)
		abort();
	if (base45_encode(data, size, text, cap, &n) != 0 || n != cap - 1 ||
	    strlen(text) != n)
		abort();
	if (base45_check(text, n) != 0 ||
	    base45_decode(text, n, back, size + 1, &m) != 0 || m != size ||
	    memcmp(back, data, size) != 0)
		abort();
	free(text);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_base45_decode((const char *)data, size);
	fuzz_base45_encode(data, size);
	return 0;
}
