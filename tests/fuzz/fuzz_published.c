/* libFuzzer target: a published checkpoint note as the rollback guard reads
 * it (lib/published.c: HOME/published-checkpoint, `restore --published F`,
 * the part of a backup). Properties: nothing crashes or reads out of bounds;
 * every refusal is a coded, one-line, valid UTF-8 error; an accepted note
 * starts with the origin line and the size in decimal, and its root line
 * is the canonical base64 of the root kept. Aborts on any violation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "published.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ORIGIN "passnum.example.org/ledger"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char head[64], b64[64];
	struct published p;
	struct error e;
	int n;

	error_clear(&e);
	if (published_parse((const char *)data, size, FUZZ_ORIGIN, &p, &e) != 0) {
		if (e.code == NULL || strchr(e.message, '\n') != NULL ||
		    !utf8_valid(e.message, strlen(e.message)) || p.known)
			abort();
		return 0;
	}
	sodium_bin2base64(b64, sizeof(b64), p.root, sizeof(p.root), sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(head, sizeof(head), "%s\n%llu\n", FUZZ_ORIGIN, (unsigned long long)p.size);
	if (!p.known || p.len != size || memcmp(p.note, data, size) != 0 || p.note[size] != '\0' ||
	    (size_t)n + strlen(b64) + 1 > size || memcmp(data, head, (size_t)n) != 0 ||
	    memcmp(data + n, b64, strlen(b64)) != 0 || data[n + strlen(b64)] != '\n')
		abort();
	return 0;
}
