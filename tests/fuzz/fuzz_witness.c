/* libFuzzer target: a witness's add-checkpoint (lib/witness.c) on any body,
 * and the cosignature lines passnumd reads from a witness's reply
 * (cosignature_lines). Never a crash or an out-of-bounds read; a 200 only
 * for a checkpoint signed by the log's key that extends the state (never a
 * different root for a size already cosigned, never a smaller size), and
 * its reply is a cosignature that verifies. Keys are fixed (log: seed
 * 0x42…, witness: seed 0x43…) and the witness starts at size 3 of the tree
 * whose leaf i is the byte i, so that the corpus holds valid requests that
 * reach the consistency proof. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cosignature.h"
#include "merkle.h"
#include "note.h"
#include "witness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ORIGIN "passnum.example.org/ledger"
#define FUZZ_LEAVES 16

static uint8_t log_pk[32], log_sk[64], witness_pk[32], witness_sk[64];
static uint8_t nodes[8][FUZZ_LEAVES][MERKLE_HASH_SIZE];
static char log_vkey[NOTE_VKEY_MAX];
static struct cosignature_witness witness_key;

static int
fuzz_emit(void *ctx, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_SIZE])
{
	(void)ctx;
	memcpy(nodes[level][index], hash, MERKLE_HASH_SIZE);
	return 0;
}

static int
fuzz_get(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
	(void)ctx;
	memcpy(out, nodes[level][index], MERKLE_HASH_SIZE);
	return 0;
}

static void
fuzz_init(void)
{
	uint8_t seed[32], leaf[MERKLE_HASH_SIZE], byte[1];
	struct merkle_state st;

	if (sodium_init() < 0)
		abort();
	memset(seed, 0x42, sizeof(seed));
	crypto_sign_seed_keypair(log_pk, log_sk, seed);
	memset(seed, 0x43, sizeof(seed));
	crypto_sign_seed_keypair(witness_pk, witness_sk, seed);
	if (note_vkey_format(FUZZ_ORIGIN, log_pk, log_vkey) != 0)
		abort();
	snprintf(witness_key.name, sizeof(witness_key.name), "witness.example/fuzz");
	memcpy(witness_key.pub, witness_pk, 32);
	merkle_state_init(&st);
	for (int i = 0; i < FUZZ_LEAVES; i++) {
		byte[0] = (uint8_t)i;
		merkle_leaf_hash(byte, 1, leaf);
		if (merkle_state_append(&st, leaf, fuzz_emit, NULL) != 0)
			abort();
	}
}

/* The witness's reply to a 200 must verify on the request's note. */
static void
fuzz_check_cosigned(const struct witness *w, const struct witness_reply *reply, uint64_t old_size,
    const uint8_t old_root[MERKLE_HASH_SIZE])
{
	const struct witness_log *log = &w->logs[0];
	uint64_t t;

	if (log->size < old_size ||
	    (log->size == old_size && memcmp(log->root, old_root, MERKLE_HASH_SIZE) != 0))
		abort(); /* rolled back, or a fork of a size already cosigned */
	if (cosignature_verify(log->note, strlen(log->note), &witness_key, &t, NULL) != 0 ||
	    t != 1700000000 || strstr(log->note, reply->body) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct witness w;
	struct witness_reply reply;
	struct witness_request *r = malloc(sizeof(*r));
	uint8_t old_root[MERKLE_HASH_SIZE];
	char *copy, lines[1024];
	size_t len;

	if (!ready) {
		fuzz_init();
		ready = 1;
	}
	witness_memory(&w, witness_key.name, witness_sk);
	if (witness_memory_add_log(&w, FUZZ_ORIGIN, log_vkey, NULL) != 0 ||
	    merkle_root(fuzz_get, NULL, 3, w.logs[0].root, NULL) != 0)
		abort();
	w.logs[0].size = 3;
	memcpy(old_root, w.logs[0].root, MERKLE_HASH_SIZE);
	/* An exact-size copy, so that reading past the end is caught. */
	copy = malloc(size > 0 ? size : 1);
	memcpy(copy, data, size);
	(void)witness_request_parse(copy, size, r, NULL);
	witness_add_checkpoint(&w, copy, size, 1700000000, &reply);
	if (reply.status == 200)
		fuzz_check_cosigned(&w, &reply, 3, old_root);
	else if (w.logs[0].size != 3 || memcmp(w.logs[0].root, old_root, MERKLE_HASH_SIZE) != 0)
		abort(); /* a refusal changed the state */
	(void)cosignature_lines(copy, size, &witness_key, lines, sizeof(lines), &len, NULL);
	free(copy);
	free(r);
	witness_close(&w);
	return 0;
}
