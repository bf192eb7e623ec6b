/* libFuzzer target: the Merkle proof verifiers (lib/merkle) on arbitrary
 * input, and against real trees. The first two bytes choose two tree sizes
 * (1..256) and a leaf. One tree of 256 leaves (leaf i = SHA-256 leaf hash
 * of i and a fixed text) is built once with merkle_state_append, with the
 * root of every prefix; the tree of size n is its first n leaves, and the
 * proof makers are given only the perfect nodes that lie wholly within
 * those n leaves, as they would be for a tree of n leaves. (The leaves'
 * values do not steer the proof code, so building them from each input, as
 * this target first did, cost 500 hashes an input and found nothing more.)
 * Properties: the inclusion and consistency proofs the
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

/* The perfect nodes of the tree of FUZZ_PROOF_LEAVES leaves. */
struct fuzz_proof_tree {
	uint8_t nodes[9][FUZZ_PROOF_LEAVES][MERKLE_HASH_SIZE];
	uint8_t have[9][FUZZ_PROOF_LEAVES];
};

/* The tree as a tree of its first n leaves. */
struct fuzz_proof_view {
	const struct fuzz_proof_tree *tree;
	uint64_t n;
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

/* A perfect node of the view: level 0 is a leaf; a node of a higher level
 * exists once all its leaves do. */
static int
fuzz_proof_get(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
	const struct fuzz_proof_view *v = ctx;

	if (level >= 9 || index >= FUZZ_PROOF_LEAVES || ((index + 1) << level) > v->n ||
	    !v->tree->have[level][index])
		return -1;
	memcpy(out, v->tree->nodes[level][index], MERKLE_HASH_SIZE);
	return 0;
}

/* Builds the tree of FUZZ_PROOF_LEAVES leaves; roots[k] gets the root of
 * the first k. */
static void
fuzz_proof_build(struct fuzz_proof_tree *t, uint8_t roots[][MERKLE_HASH_SIZE])
{
	static const char text[] = "passnum fuzz_proof leaf";
	struct merkle_state state;
	uint8_t leaf[MERKLE_HASH_SIZE], buf[2 + sizeof(text)];

	merkle_state_init(&state);
	merkle_state_root(&state, roots[0]);
	memcpy(buf + 2, text, sizeof(text));
	for (size_t i = 0; i < FUZZ_PROOF_LEAVES; i++) {
		buf[0] = (uint8_t)i;
		buf[1] = (uint8_t)(i >> 8);
		merkle_leaf_hash(buf, sizeof(buf), leaf);
		if (merkle_state_append(&state, leaf, fuzz_proof_emit, t) != 0)
			abort();
		merkle_state_root(&state, roots[i + 1]);
	}
}

static void
fuzz_proof_inclusion(struct fuzz_proof_view *t, uint64_t index, uint64_t n,
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
fuzz_proof_consistency(struct fuzz_proof_view *t, uint64_t m, uint64_t n,
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
	static int built;
	struct fuzz_proof_view view = { &tree, 0 };
	uint64_t m, index;

	if (!built) {
		fuzz_proof_build(&tree, roots);
		built = 1;
	}
	fuzz_proof_raw(data, size);
	if (size < 4)
		return 0;
	view.n = (uint64_t)data[0] + 1;
	m = data[1] % (view.n + 1);
	index = data[2] % view.n;
	fuzz_proof_inclusion(&view, index, view.n, roots, data[3]);
	fuzz_proof_consistency(&view, m, view.n, roots, data[3]);
	return 0;
}
