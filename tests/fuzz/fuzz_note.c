/* libFuzzer target: opening signed notes and checkpoints, and parsing verifier
 * keys, never crash, never read out of bounds, and never accept a note that
 * the key did not sign. The key is fixed (seed 0x42…) so that the corpus can
 * hold validly signed checkpoints that reach the body parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ORIGIN "passnum.example.org/ledger"
#define FUZZ_SUMDB_VKEY \
	"sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"

static uint8_t fuzz_pk[32], fuzz_sk[64], sumdb_pk[32];
static char sumdb_name[NOTE_NAME_MAX + 1];

static void
fuzz_init(void)
{
	uint8_t seed[32];

	if (sodium_init() < 0)
		abort();
	memset(seed, 0x42, sizeof(seed));
	crypto_sign_seed_keypair(fuzz_pk, fuzz_sk, seed);
	if (note_vkey_parse(FUZZ_SUMDB_VKEY, sumdb_name, sumdb_pk) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const char *msg = (const char *)data;
	char name[NOTE_NAME_MAX + 1], *copy;
	uint8_t root[32], pub[32];
	uint64_t tree_size;
	size_t text_len;
	struct error e;

	if (!ready) {
		fuzz_init();
		ready = 1;
	}
	error_clear(&e);
	if (note_checkpoint_verify(msg, size, FUZZ_ORIGIN, NULL, fuzz_pk,
	    &tree_size, root, &e) == 0) {
		/* Accepted: it must really carry our signature over its text. */
		if (note_verify(msg, size, FUZZ_ORIGIN, fuzz_pk, &text_len,
		    NULL) != 0 || text_len == 0 || text_len > size)
			abort();
	} else if (e.code == NULL) {
		abort();	/* every refusal says why */
	}
	if (note_checkpoint_verify(msg, size, "go.sum database tree", sumdb_name,
	    sumdb_pk, &tree_size, root, NULL) != 0 &&
	    (tree_size != 0 || root[0] != 0))
		abort();	/* outputs cleared on failure */
	if (note_verify(msg, size, "PeterNeumann", sumdb_pk, &text_len,
	    NULL) == 0)
		abort();	/* wrong key for that name */
	if (size < 1024 && (copy = malloc(size + 1)) != NULL) {
		memcpy(copy, data, size);
		copy[size] = '\0';
		(void)note_vkey_parse(copy, name, pub);
		free(copy);
	}
	return 0;
}
