/* libFuzzer target: the Merkle proof verifiers (lib/merkle) on arbitrary
 * input, and against real trees. The first two bytes choose two tree sizes
 * (1..256) and a leaf; a tree of that many leaves (leaf i = SHA-256 leaf
 * hash of i and the input) is built with merkle_state_append, its perfect
 * nodes kept in memory. Properties: the inclusion and consistency proofs the
 * module makes verify against the roots it computes; the same proofs with
 * one byte flipped (chosen by the input), a wrong index or a wrong size are
 * refused; and the verifiers, given the rest of the input as raw sizes,
 * hashes and proof, never crash nor read beyond the proof. Aborts on any
 * violation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PROOF_LEAVES 256

/* The perfect nodes of a tree of at most FUZZ_PROOF_LEAVES leaves. */
struct fuzz_proof_tree {
	uint8_t nodes[9][FUZZ_PROOF_LEAVES][MERKLE_HASH_SIZE];
	uint8_t have[9][FUZZ_PROOF_LEAVES];
};

static int
fuzz_proof_emit(void *ctx, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_SIZE])
{
	struct fuzz_proof_tree *t = ctx;

	if (level >= 9 || index >= FUZZ_PROOF_LEAVES)
		abort();
	memcpy(t->nodes[level][index], hash, MERKLE_HASH_SIZE);
	t->have[level][index] = 1;
	return 0;
}

static int
fuzz_proof_get(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
	struct fuzz_proof_tree *t = ctx;

	if (level >= 9 || index >= FUZZ_PROOF_LEAVES || !t->have[level][index])
		return -1;
	memcpy(out, t->nodes[level][index], MERKLE_HASH_SIZE);
	return 0;
}

/* Builds the tree of n leaves; roots[k] gets the root of the first k. */
static void
fuzz_proof_build(struct fuzz_proof_tree *t, size_t n, const uint8_t *data, size_t size,
    uint8_t roots[][MERKLE_HASH_SIZE])
{
	struct merkle_state state;
	uint8_t leaf[MERKLE_HASH_SIZE], buf[2 + 64];
	size_t extra = size < 64 ? size : 64;

	merkle_state_init(&state);
	merkle_state_root(&state, roots[0]);
	for (size_t i = 0; i < n; i++) {
		buf[0] = (uint8_t)i;
		buf[1] = (uint8_t)(i >> 8);
		memcpy(buf + 2, data, extra);
		merkle_leaf_hash(buf, 2 + extra, leaf);
		if (merkle_state_append(&state, leaf, fuzz_proof_emit, t) != 0)
			abort();
		merkle_state_root(&state, roots[i + 1]);
	}
}

static void
fuzz_proof_inclusion(struct fuzz_proof_tree *t, uint64_t index, uint64_t n,
    uint8_t roots[][MERKLE_HASH_SIZE], uint8_t flip)
{
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE], leaf[MERKLE_HASH_SIZE];
	size_t count;

	if (merkle_inclusion_proof(fuzz_proof_get, t, index, n, proof, &count, NULL) != 0 ||
	    fuzz_proof_get(t, 0, index, leaf) != 0)
		abort();
	if (merkle_verify_inclusion(leaf, index, n, (const uint8_t (*)[MERKLE_HASH_SIZE])proof,
	    count, roots[n]) != 0)
		abort();
	if (n > 1 && merkle_verify_inclusion(leaf, (index + 1) % n, n,
	    (const uint8_t (*)[MERKLE_HASH_SIZE])proof, count, roots[n]) == 0)
		abort();
	if (count > 0) {
		proof[flip % count][(flip >> 3) % MERKLE_HASH_SIZE] ^= (uint8_t)(1u << (flip & 7));
		if (merkle_verify_inclusion(leaf, index, n,
		    (const uint8_t (*)[MERKLE_HASH_SIZE])proof, count, roots[n]) == 0)
			abort();
	}
}

static void
fuzz_proof_consistency(struct fuzz_proof_tree *t, uint64_t m, uint64_t n,
    uint8_t roots[][MERKLE_HASH_SIZE], uint8_t flip)
{
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE];
	size_t count;

	if (merkle_consistency_proof(fuzz_proof_get, t, m, n, proof, &count, NULL) != 0)
		abort();
	if (merkle_verify_consistency(m, n, roots[m], roots[n],
	    (const uint8_t (*)[MERKLE_HASH_SIZE])proof, count) != 0)
		abort();
	if (m > 0 && m < n && merkle_verify_consistency(m, n, roots[m - 1], roots[n],
	    (const uint8_t (*)[MERKLE_HASH_SIZE])proof, count) == 0)
		abort();
	if (count > 0) {
		proof[flip % count][(flip >> 3) % MERKLE_HASH_SIZE] ^= (uint8_t)(1u << (flip & 7));
		if (merkle_verify_consistency(m, n, roots[m], roots[n],
		    (const uint8_t (*)[MERKLE_HASH_SIZE])proof, count) == 0)
			abort();
	}
}

/* Raw input: size1, size2 (8 bytes each), hash a, hash b, then the proof. */
static void
fuzz_proof_raw(const uint8_t *data, size_t size)
{
	uint64_t a, b;
	size_t count;
	int r1, r2;

	if (size < 16 + 2 * MERKLE_HASH_SIZE)
		return;
	memcpy(&a, data, 8);
	memcpy(&b, data + 8, 8);
	count = (size - 16 - 2 * MERKLE_HASH_SIZE) / MERKLE_HASH_SIZE;
	r1 = merkle_verify_inclusion(data + 16, a, b,
	    (const uint8_t (*)[MERKLE_HASH_SIZE])(data + 16 + 2 * MERKLE_HASH_SIZE), count,
	    data + 16 + MERKLE_HASH_SIZE);
	r2 = merkle_verify_consistency(a, b, data + 16, data + 16 + MERKLE_HASH_SIZE,
	    (const uint8_t (*)[MERKLE_HASH_SIZE])(data + 16 + 2 * MERKLE_HASH_SIZE), count);
	if (r1 != 0 && r1 != -1)
		abort();
	if (r2 != 0 && r2 != -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_proof_tree tree;
	static uint8_t roots[FUZZ_PROOF_LEAVES + 1][MERKLE_HASH_SIZE];
	uint64_t n, m, index;

	fuzz_proof_raw(data, size);
	if (size < 4)
		return 0;
	n = (uint64_t)data[0] + 1;
	m = data[1] % (n + 1);
	index = data[2] % n;
	memset(&tree, 0, sizeof(tree));
	fuzz_proof_build(&tree, n, data + 4, size - 4, roots);
	fuzz_proof_inclusion(&tree, index, n, roots, data[3]);
	fuzz_proof_consistency(&tree, m, n, roots, data[3]);
	return 0;
}
