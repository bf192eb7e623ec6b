/* Known-answer and cross-check tests for lib/merkle.c: the transparency-dev
 * vectors in tests/vectors/merkle/, corrupted proofs, and a randomized
 * comparison with the RFC's recursive definitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "merkle.h"

#define H MERKLE_HASH_SIZE

/* ---- helpers ---- */

static json_t *vectors;

static json_t *
load_vectors(void)
{
	const char *env = getenv("PASSNUM_SOURCE_DIR");
	const char *bases[] = { env, ".", "..", "../..", "../../.." };
	char path[4096];

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		json_error_t err;
		json_t *root;
		if (bases[i] == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/tests/vectors/merkle/rfc6962.json",
		    bases[i]);
		if ((root = json_load_file(path, 0, &err)) != NULL)
			return root;
	}
	return NULL;
}

static size_t
hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t len = 0;

	assert_int_equal(sodium_hex2bin(out, cap, hex, strlen(hex), NULL, &len,
	    NULL), 0);
	return len;
}

static void
hash_from_hex(const char *hex, uint8_t out[H])
{
	assert_int_equal(hex_decode(hex, out, H), H);
}

/* A field of the vectors: a hex hash, or the name of another field. */
static void
named_hash(const char *s, uint8_t out[H])
{
	if (strcmp(s, "empty_root") == 0)
		merkle_empty_root(out);
	else if (strlen(s) != 2 * H)
		hash_from_hex(json_string_value(json_object_get(vectors, s)), out);
	else
		hash_from_hex(s, out);
}

static size_t
proof_from_json(json_t *arr, uint8_t out[MERKLE_PROOF_MAX][H])
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		named_hash(json_string_value(v), out[i]);
	return json_array_size(arr);
}

/* An in-memory node store: what the ledger's merkle_nodes table holds. */
struct store {
	uint8_t *level[64];
	uint64_t len[64];
	uint64_t cap[64];
	int fail_reads;
};

static int
store_emit(void *ctx, unsigned level, uint64_t index, const uint8_t hash[H])
{
	struct store *s = ctx;

	if (index != s->len[level])
		return -1;	/* nodes of a level must arrive in order */
	if (s->len[level] == s->cap[level]) {
		s->cap[level] = s->cap[level] ? 2 * s->cap[level] : 16;
		s->level[level] = realloc(s->level[level], s->cap[level] * H);
		assert_non_null(s->level[level]);
	}
	memcpy(s->level[level] + index * H, hash, H);
	s->len[level]++;
	return 0;
}

static int
store_get(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
	struct store *s = ctx;

	if (s->fail_reads || level >= 64 || index >= s->len[level])
		return -1;
	memcpy(out, s->level[level] + index * H, H);
	return 0;
}

static void
store_free(struct store *s)
{
	for (int i = 0; i < 64; i++)
		free(s->level[i]);
	memset(s, 0, sizeof(*s));
}

/* Builds state and store from the 8 vector leaves, checking every root. */
static void
build_vector_tree(struct merkle_state *st, struct store *s)
{
	json_t *leaves = json_object_get(vectors, "leaves");
	json_t *roots = json_object_get(vectors, "roots");
	uint8_t data[64], leaf[H], want[H], got[H];

	merkle_state_init(st);
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < json_array_size(leaves); i++) {
		size_t len = hex_decode(json_string_value(json_array_get(leaves, i)),
		    data, sizeof(data));
		merkle_leaf_hash(data, len, leaf);
		assert_int_equal(merkle_state_append(st, leaf, store_emit, s), 0);
		hash_from_hex(json_string_value(json_array_get(roots, i + 1)), want);
		merkle_state_root(st, got);
		assert_memory_equal(got, want, H);
	}
}

/* ---- corruption probes (after transparency-dev's verifier tests) ---- */

static const uint8_t some_hash[H] = { 0xab, 0xac, 0xab, 0xa0, [29] = 0x12,
    [30] = 0x34, [31] = 0x56 };

static int
inclusion_ok(const uint8_t leaf[H], uint64_t index, uint64_t size,
    uint8_t proof[][H], size_t count, const uint8_t root[H])
{
	return merkle_verify_inclusion(leaf, index, size,
	    (const uint8_t (*)[H])proof, count, root) == 0;
}

static int
consistency_ok(uint64_t size1, uint64_t size2, const uint8_t root1[H],
    const uint8_t root2[H], uint8_t proof[][H], size_t count)
{
	return merkle_verify_consistency(size1, size2, root1, root2,
	    (const uint8_t (*)[H])proof, count) == 0;
}

static size_t probes_run;

/* Copies proof into buf with `extra` inserted at position at (or none when
 * extra is NULL). Returns the new count. */
static size_t
proof_with(uint8_t buf[][H], uint8_t proof[][H], size_t count, size_t at,
    const uint8_t *extra)
{
	size_t n = 0;

	for (size_t i = 0; i <= count; i++) {
		if (extra != NULL && i == at)
			memcpy(buf[n++], extra, H);
		if (i < count)
			memcpy(buf[n++], proof[i], H);
	}
	return n;
}

static void
check_inclusion_probes(const uint8_t leaf[H], uint64_t index, uint64_t size,
    uint8_t proof[][H], size_t count, const uint8_t root[H])
{
	uint8_t buf[MERKLE_PROOF_MAX + 2][H], empty[H], zero[H] = { 0 };
	uint8_t wrong_leaf[H];
	size_t n;

	merkle_empty_root(empty);
	merkle_leaf_hash((const uint8_t *)"WrongLeaf", 9, wrong_leaf);
	assert_true(inclusion_ok(leaf, index, size, proof, count, root));
	assert_false(inclusion_ok(leaf, index - 1, size, proof, count, root));
	assert_false(inclusion_ok(leaf, index + 1, size, proof, count, root));
	assert_false(inclusion_ok(leaf, index ^ 2, size, proof, count, root));
	if (size <= UINT64_MAX / 2)	/* "one level higher", without wrapping */
		assert_false(inclusion_ok(leaf, index, size * 2, proof, count,
		    root));
	assert_false(inclusion_ok(leaf, index, size / 2, proof, count, root));
	assert_false(inclusion_ok(wrong_leaf, index, size, proof, count, root));
	assert_false(inclusion_ok(leaf, index, size, proof, count, empty));
	assert_false(inclusion_ok(leaf, index, size, proof, count, some_hash));
	n = proof_with(buf, proof, count, count, zero);
	assert_false(inclusion_ok(leaf, index, size, buf, n, root));
	n = proof_with(buf, proof, count, count, root);
	assert_false(inclusion_ok(leaf, index, size, buf, n, root));
	n = proof_with(buf, proof, count, 0, zero);
	assert_false(inclusion_ok(leaf, index, size, buf, n, root));
	n = proof_with(buf, proof, count, 0, root);
	assert_false(inclusion_ok(leaf, index, size, buf, n, root));
	for (size_t i = 0; i < count; i++) {
		n = proof_with(buf, proof, count, 0, NULL);
		buf[i][0] ^= 8;
		assert_false(inclusion_ok(leaf, index, size, buf, n, root));
	}
	if (count > 0)
		assert_false(inclusion_ok(leaf, index, size, proof, count - 1, root));
	if (count > 1) {
		n = proof_with(buf, proof, count, 1, some_hash);
		assert_false(inclusion_ok(leaf, index, size, buf, n, root));
	}
	probes_run++;
}

static void
check_consistency_probes(uint64_t size1, uint64_t size2, const uint8_t root1[H],
    const uint8_t root2[H], uint8_t proof[][H], size_t count)
{
	uint8_t buf[MERKLE_PROOF_MAX + 2][H], zero[H] = { 0 }, wrong[H];
	size_t n;

	merkle_leaf_hash((const uint8_t *)"WrongRoot", 9, wrong);
	assert_true(consistency_ok(size1, size2, root1, root2, proof, count));
	if (count == 0)
		return;
	assert_false(consistency_ok(size1 - 1, size2, root1, root2, proof, count));
	assert_false(consistency_ok(size1 + 1, size2, root1, root2, proof, count));
	assert_false(consistency_ok(size1 ^ 2, size2, root1, root2, proof, count));
	if (size2 <= UINT64_MAX / 2)	/* "one level higher", without wrapping */
		assert_false(consistency_ok(size1, size2 * 2, root1, root2, proof,
		    count));
	assert_false(consistency_ok(size1, size2 / 2, root1, root2, proof, count));
	assert_false(consistency_ok(size1, size2, wrong, root2, proof, count));
	assert_false(consistency_ok(size1, size2, root1, wrong, proof, count));
	assert_false(consistency_ok(size1, size2, root2, root1, proof, count));
	assert_false(consistency_ok(size1, size2, root1, root2, proof, 0));
	n = proof_with(buf, proof, count, count, zero);
	assert_false(consistency_ok(size1, size2, root1, root2, buf, n));
	n = proof_with(buf, proof, count, count, root1);
	assert_false(consistency_ok(size1, size2, root1, root2, buf, n));
	n = proof_with(buf, proof, count, count, root2);
	assert_false(consistency_ok(size1, size2, root1, root2, buf, n));
	n = proof_with(buf, proof, count, 0, zero);
	assert_false(consistency_ok(size1, size2, root1, root2, buf, n));
	n = proof_with(buf, proof, count, 0, root1);
	assert_false(consistency_ok(size1, size2, root1, root2, buf, n));
	n = proof_with(buf, proof, count, 0, root2);
	assert_false(consistency_ok(size1, size2, root1, root2, buf, n));
	n = proof_with(buf, proof, count, 0, proof[0]);
	assert_false(consistency_ok(size1, size2, root1, root2, buf, n));
	assert_false(consistency_ok(size1, size2, root1, root2, proof, count - 1));
	for (size_t i = 0; i < count; i++) {
		n = proof_with(buf, proof, count, 0, NULL);
		buf[i][0] ^= 16;
		assert_false(consistency_ok(size1, size2, root1, root2, buf, n));
	}
	probes_run++;
}

/* ---- known answers ---- */

static void
test_empty_root(void **unused)
{
	struct merkle_state st;
	uint8_t got[H], want[H];

	(void)unused;
	named_hash(json_string_value(json_array_get(
	    json_object_get(vectors, "roots"), 0)), want);
	merkle_state_init(&st);
	merkle_state_root(&st, got);
	assert_memory_equal(got, want, H);
	assert_int_equal(merkle_root(store_get, &(struct store){ 0 }, 0, got,
	    NULL), 0);
	assert_memory_equal(got, want, H);
}

/* Roots 1–8 from the state, from the store at every past size, and every
 * emitted node equal to the vector's node hashes. */
static void
test_vector_roots_and_nodes(void **unused)
{
	json_t *nodes = json_object_get(vectors, "nodes");
	json_t *roots = json_object_get(vectors, "roots");
	struct merkle_state st, loaded;
	struct store s;
	uint8_t want[H], got[H];

	(void)unused;
	build_vector_tree(&st, &s);
	for (size_t level = 0; level < json_array_size(nodes); level++) {
		json_t *row = json_array_get(nodes, level);
		assert_int_equal(s.len[level], json_array_size(row));
		for (size_t i = 0; i < json_array_size(row); i++) {
			hash_from_hex(json_string_value(json_array_get(row, i)), want);
			assert_memory_equal(s.level[level] + i * H, want, H);
		}
	}
	assert_int_equal(s.len[json_array_size(nodes)], 0);
	for (uint64_t size = 0; size <= 8; size++) {
		hash_from_hex(json_string_value(json_array_get(roots, size)), want);
		assert_int_equal(merkle_root(store_get, &s, size, got, NULL), 0);
		assert_memory_equal(got, want, H);
		assert_int_equal(merkle_state_load(&loaded, size, store_get, &s,
		    NULL), 0);
		merkle_state_root(&loaded, got);
		assert_memory_equal(got, want, H);
	}
	store_free(&s);
}

static void
test_vector_inclusion(void **unused)
{
	json_t *vecs = json_object_get(vectors, "inclusion");
	json_t *roots = json_object_get(vectors, "roots");
	struct merkle_state st;
	struct store s;
	uint8_t want[MERKLE_PROOF_MAX][H], got[MERKLE_PROOF_MAX][H], root[H];
	size_t i, count, want_count;
	json_t *v;

	(void)unused;
	build_vector_tree(&st, &s);
	json_array_foreach(vecs, i, v) {
		uint64_t index = json_integer_value(json_object_get(v, "index"));
		uint64_t size = json_integer_value(json_object_get(v, "size"));
		want_count = proof_from_json(json_object_get(v, "proof"), want);
		assert_int_equal(merkle_inclusion_proof(store_get, &s, index,
		    size, got, &count, NULL), 0);
		assert_int_equal(count, want_count);
		assert_memory_equal(got, want, count * H);
		hash_from_hex(json_string_value(json_array_get(roots, size)), root);
		check_inclusion_probes(s.level[0] + index * H, index, size, want,
		    want_count, root);
	}
	store_free(&s);
}

static void
test_vector_consistency(void **unused)
{
	json_t *vecs = json_object_get(vectors, "consistency");
	json_t *roots = json_object_get(vectors, "roots");
	struct merkle_state st;
	struct store s;
	uint8_t want[MERKLE_PROOF_MAX][H], got[MERKLE_PROOF_MAX][H];
	uint8_t root1[H], root2[H];
	size_t i, count, want_count;
	json_t *v;

	(void)unused;
	build_vector_tree(&st, &s);
	json_array_foreach(vecs, i, v) {
		uint64_t size1 = json_integer_value(json_object_get(v, "size1"));
		uint64_t size2 = json_integer_value(json_object_get(v, "size2"));
		want_count = proof_from_json(json_object_get(v, "proof"), want);
		assert_int_equal(merkle_consistency_proof(store_get, &s, size1,
		    size2, got, &count, NULL), 0);
		assert_int_equal(count, want_count);
		assert_memory_equal(got, want, count * H);
		hash_from_hex(json_string_value(json_array_get(roots, size1)), root1);
		hash_from_hex(json_string_value(json_array_get(roots, size2)), root2);
		check_consistency_probes(size1, size2, root1, root2, want,
		    want_count);
	}
	store_free(&s);
}

/* Every (index, size) and (size1, size2) pair up to 8: generated, verified,
 * and every corruption rejected. */
static void
test_all_pairs_up_to_8(void **unused)
{
	json_t *roots = json_object_get(vectors, "roots");
	struct merkle_state st;
	struct store s;
	uint8_t proof[MERKLE_PROOF_MAX][H], r1[H], r2[H];
	size_t count, pairs = 0;

	(void)unused;
	build_vector_tree(&st, &s);
	for (uint64_t size = 1; size <= 8; size++) {
		hash_from_hex(json_string_value(json_array_get(roots, size)), r2);
		for (uint64_t index = 0; index < size; index++) {
			assert_int_equal(merkle_inclusion_proof(store_get, &s,
			    index, size, proof, &count, NULL), 0);
			check_inclusion_probes(s.level[0] + index * H, index,
			    size, proof, count, r2);
			pairs++;
		}
		for (uint64_t size1 = 0; size1 <= size; size1++) {
			hash_from_hex(json_string_value(json_array_get(roots,
			    size1)), r1);
			assert_int_equal(merkle_consistency_proof(store_get, &s,
			    size1, size, proof, &count, NULL), 0);
			assert_int_equal(count == 0,
			    size1 == 0 || size1 == size);
			check_consistency_probes(size1, size, r1, r2, proof, count);
			pairs++;
		}
	}
	assert_int_equal(pairs, 36 + 44);
	store_free(&s);
}

static void
test_vector_edge_cases(void **unused)
{
	uint8_t leaf[H], root[H], r1[H], r2[H], proof[MERKLE_PROOF_MAX][H];
	size_t i, count;
	json_t *v;

	(void)unused;
	json_array_foreach(json_object_get(vectors, "inclusion_edge"), i, v) {
		named_hash(json_string_value(json_object_get(v, "leaf")), leaf);
		named_hash(json_string_value(json_object_get(v, "root")), root);
		assert_int_equal(inclusion_ok(leaf,
		    json_integer_value(json_object_get(v, "index")),
		    json_integer_value(json_object_get(v, "size")), proof, 0, root),
		    json_is_true(json_object_get(v, "valid")));
	}
	json_array_foreach(json_object_get(vectors, "consistency_edge"), i, v) {
		named_hash(json_string_value(json_object_get(v, "root1")), r1);
		named_hash(json_string_value(json_object_get(v, "root2")), r2);
		count = proof_from_json(json_object_get(v, "proof"), proof);
		assert_int_equal(consistency_ok(
		    json_integer_value(json_object_get(v, "size1")),
		    json_integer_value(json_object_get(v, "size2")), r1, r2,
		    proof, count), json_is_true(json_object_get(v, "valid")));
	}
}

/* ---- reference implementation: RFC 9162 §2.1 definitions, recursive ---- */

static void
ref_mth(uint8_t (*leaves)[H], uint64_t n, uint8_t out[H])
{
	uint8_t l[H], r[H];
	uint64_t k;

	if (n == 0) {
		merkle_empty_root(out);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], H);
		return;
	}
	for (k = 1; k * 2 < n; k *= 2)
		;
	ref_mth(leaves, k, l);
	ref_mth(leaves + k, n - k, r);
	merkle_node_hash(l, r, out);
}

static size_t
ref_path(uint8_t (*leaves)[H], uint64_t m, uint64_t n, uint8_t out[][H])
{
	uint64_t k;
	size_t c;

	if (n <= 1)
		return 0;
	for (k = 1; k * 2 < n; k *= 2)
		;
	if (m < k) {
		c = ref_path(leaves, m, k, out);
		ref_mth(leaves + k, n - k, out[c]);
	} else {
		c = ref_path(leaves + k, m - k, n - k, out);
		ref_mth(leaves, k, out[c]);
	}
	return c + 1;
}

static size_t
ref_subproof(uint8_t (*leaves)[H], uint64_t m, uint64_t n, int b,
    uint8_t out[][H])
{
	uint64_t k;
	size_t c;

	if (m == n) {
		if (b)
			return 0;
		ref_mth(leaves, m, out[0]);
		return 1;
	}
	for (k = 1; k * 2 < n; k *= 2)
		;
	if (m <= k) {
		c = ref_subproof(leaves, m, k, b, out);
		ref_mth(leaves + k, n - k, out[c]);
	} else {
		c = ref_subproof(leaves + k, m - k, n - k, 0, out);
		ref_mth(leaves, k, out[c]);
	}
	return c + 1;
}

/* 300 random leaves appended one by one; at every size the state, its
 * serialised copy, the store and the reference agree; proofs for sampled
 * pairs equal the reference's and verify. */
static void
test_random_cross_check(void **unused)
{
	enum { N = 300 };
	static uint8_t leaves[N][H];
	uint8_t buf[MERKLE_STATE_MAX_BYTES], buf2[MERKLE_STATE_MAX_BYTES];
	uint8_t data[40], ref[H], got[H];
	uint8_t proof[MERKLE_PROOF_MAX][H], want[MERKLE_PROOF_MAX][H];
	uint8_t roots[N + 1][H];
	struct merkle_state st, copy;
	struct store s = { 0 };
	size_t len, count, want_count;

	(void)unused;
	merkle_state_init(&st);
	merkle_empty_root(roots[0]);
	for (uint64_t n = 1; n <= N; n++) {
		/* Distinct leaves (the index leads), random lengths. */
		size_t dlen = 8 + randombytes_uniform(sizeof(data) - 8);
		randombytes_buf(data, dlen);
		memcpy(data, &n, sizeof(n));
		merkle_leaf_hash(data, dlen, leaves[n - 1]);
		/* Through a serialise/deserialise round trip each time. */
		len = merkle_state_serialise(&st, buf);
		assert_int_equal(len, 8 + __builtin_popcountll(n - 1) * H);
		assert_int_equal(merkle_state_deserialise(&copy, buf, len), 0);
		assert_int_equal(merkle_state_append(&copy, leaves[n - 1],
		    store_emit, &s), 0);
		assert_int_equal(merkle_state_append(&st, leaves[n - 1], NULL,
		    NULL), 0);
		ref_mth(leaves, n, ref);
		memcpy(roots[n], ref, H);
		merkle_state_root(&st, got);
		assert_memory_equal(got, ref, H);
		merkle_state_root(&copy, got);
		assert_memory_equal(got, ref, H);
		assert_int_equal(merkle_root(store_get, &s, n, got, NULL), 0);
		assert_memory_equal(got, ref, H);
		assert_int_equal(merkle_state_load(&copy, n, store_get, &s, NULL), 0);
		len = merkle_state_serialise(&st, buf);
		assert_int_equal(merkle_state_serialise(&copy, buf2), len);
		assert_memory_equal(buf, buf2, len);
	}
	for (int t = 0; t < 3000; t++) {
		uint64_t size = 1 + randombytes_uniform(N);
		uint64_t index = randombytes_uniform((uint32_t)size);
		uint64_t size1 = randombytes_uniform((uint32_t)size + 1);
		if (t < 300) {	/* all indexes of the largest tree */
			size = N;
			index = (uint64_t)t;
		}
		assert_int_equal(merkle_inclusion_proof(store_get, &s, index,
		    size, proof, &count, NULL), 0);
		want_count = ref_path(leaves, index, size, want);
		assert_int_equal(count, want_count);
		assert_memory_equal(proof, want, count * H);
		assert_true(inclusion_ok(leaves[index], index, size, proof,
		    count, roots[size]));
		assert_int_equal(merkle_consistency_proof(store_get, &s, size1,
		    size, proof, &count, NULL), 0);
		want_count = size1 == 0 ? 0 :
		    ref_subproof(leaves, size1, size, 1, want);
		assert_int_equal(count, want_count);
		assert_memory_equal(proof, want, count * H);
		if (t % 10 == 0) {
			check_consistency_probes(size1, size, roots[size1],
			    roots[size], proof, count);
			assert_int_equal(merkle_inclusion_proof(store_get, &s,
			    index, size, proof, &count, NULL), 0);
			check_inclusion_probes(leaves[index], index, size, proof,
			    count, roots[size]);
		} else {
			assert_true(consistency_ok(size1, size, roots[size1],
			    roots[size], proof, count));
		}
	}
	store_free(&s);
}

/* ---- huge sizes: a synthetic tree of 2^64 - 1 leaves ----
 * Every leaf is the same hash except a few "special" leaves (hash of their
 * index), so any node is cheap to compute and the tree stays consistent. */

static const uint64_t huge_sizes1[] = { 1, 2, 3, 5, ((uint64_t)1 << 32) + 5,
    (uint64_t)1 << 63, ((uint64_t)1 << 63) + 1, UINT64_MAX - 2,
    UINT64_MAX - 1 };
static uint8_t uniform[64][H];

static int
synthetic_special(uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < sizeof(huge_sizes1) / sizeof(huge_sizes1[0]); i++)
		if ((huge_sizes1[i] >= lo && huge_sizes1[i] <= hi) ||
		    (huge_sizes1[i] - 1 >= lo && huge_sizes1[i] - 1 <= hi))
			return 1;
	return 0;
}

static int
synthetic_get(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
	uint64_t lo = index << level, hi = lo + (((uint64_t)1 << level) - 1);
	uint8_t l[H], r[H];

	if (!synthetic_special(lo, hi)) {
		memcpy(out, uniform[level], H);
	} else if (level == 0) {
		merkle_leaf_hash((const uint8_t *)&index, sizeof(index), out);
	} else {
		synthetic_get(ctx, level - 1, 2 * index, l);
		synthetic_get(ctx, level - 1, 2 * index + 1, r);
		merkle_node_hash(l, r, out);
	}
	return 0;
}

static void
test_huge_sizes(void **unused)
{
	const uint64_t max = UINT64_MAX;
	uint8_t proof[MERKLE_PROOF_MAX][H], r1[H], r2[H], leaf[H];
	size_t count, longest = 0;

	(void)unused;
	merkle_leaf_hash((const uint8_t *)"", 0, uniform[0]);
	for (int l = 1; l < 64; l++)
		merkle_node_hash(uniform[l - 1], uniform[l - 1], uniform[l]);
	assert_int_equal(merkle_root(synthetic_get, NULL, max, r2, NULL), 0);
	for (size_t i = 0; i < sizeof(huge_sizes1) / sizeof(huge_sizes1[0]); i++) {
		uint64_t size1 = huge_sizes1[i];
		assert_int_equal(merkle_root(synthetic_get, NULL, size1, r1,
		    NULL), 0);
		assert_int_equal(merkle_consistency_proof(synthetic_get, NULL,
		    size1, max, proof, &count, NULL), 0);
		longest = count > longest ? count : longest;
		check_consistency_probes(size1, max, r1, r2, proof, count);
		for (uint64_t index = size1 - 1; index <= size1; index++) {
			assert_int_equal(merkle_inclusion_proof(synthetic_get,
			    NULL, index, max, proof, &count, NULL), 0);
			synthetic_get(NULL, 0, index, leaf);
			check_inclusion_probes(leaf, index, max, proof, count, r2);
		}
	}
	assert_int_equal(longest, MERKLE_PROOF_MAX);	/* the bound is reached */
}

/* ---- errors ---- */

static int
refuse_emit(void *ctx, unsigned level, uint64_t index, const uint8_t hash[H])
{
	(void)hash;
	(void)index;
	return level == *(unsigned *)ctx ? -1 : 0;
}

static void
test_state_errors(void **unused)
{
	struct merkle_state st, before;
	uint8_t buf[MERKLE_STATE_MAX_BYTES], leaf[H] = { 1 };
	unsigned refuse_level = 2;
	size_t len;

	(void)unused;
	merkle_state_init(&st);
	for (int i = 0; i < 3; i++)
		assert_int_equal(merkle_state_append(&st, leaf, NULL, NULL), 0);
	before = st;
	/* Leaf 3 completes a level-2 node: refusing it leaves st unchanged. */
	assert_int_equal(merkle_state_append(&st, leaf, refuse_emit,
	    &refuse_level), -1);
	assert_memory_equal(&st, &before, sizeof(st));
	refuse_level = 0;
	assert_int_equal(merkle_state_append(&st, leaf, refuse_emit,
	    &refuse_level), -1);
	assert_memory_equal(&st, &before, sizeof(st));

	len = merkle_state_serialise(&st, buf);
	assert_int_equal(len, 8 + 2 * H);
	assert_int_equal(merkle_state_deserialise(&st, buf, len - 1), -1);
	assert_int_equal(st.size, 0);
	assert_int_equal(merkle_state_deserialise(&st, buf, len + 1), -1);
	assert_int_equal(merkle_state_deserialise(&st, buf, 7), -1);
	buf[7] = 7;	/* size 7 needs three hashes */
	assert_int_equal(merkle_state_deserialise(&st, buf, len), -1);

	st.size = UINT64_MAX;
	assert_int_equal(merkle_state_append(&st, leaf, NULL, NULL), -1);
	assert_int_equal(st.size, UINT64_MAX);
	assert_int_equal(merkle_state_serialise(&st, buf), MERKLE_STATE_MAX_BYTES);
	assert_int_equal(merkle_state_deserialise(&st, buf,
	    MERKLE_STATE_MAX_BYTES), 0);
}

static void
test_proof_errors(void **unused)
{
	struct merkle_state st;
	struct store s;
	struct error e;
	uint8_t proof[MERKLE_PROOF_MAX][H], root[H];
	size_t count = 99;

	(void)unused;
	build_vector_tree(&st, &s);
	error_clear(&e);
	assert_int_equal(merkle_inclusion_proof(store_get, &s, 8, 8, proof,
	    &count, &e), -1);
	assert_int_equal(count, 0);
	assert_string_equal(e.code, "PROOF_RANGE");
	assert_int_equal(e.status, 422);
	error_clear(&e);
	assert_int_equal(merkle_consistency_proof(store_get, &s, 5, 4, proof,
	    &count, &e), -1);
	assert_string_equal(e.code, "PROOF_RANGE");
	/* Past what is stored, and a failing store. */
	error_clear(&e);
	assert_int_equal(merkle_root(store_get, &s, 9, root, &e), -1);
	assert_string_equal(e.code, "MERKLE_STORE");
	assert_int_equal(merkle_inclusion_proof(store_get, &s, 0, 9, proof,
	    &count, NULL), -1);
	s.fail_reads = 1;
	error_clear(&e);
	assert_int_equal(merkle_consistency_proof(store_get, &s, 3, 8, proof,
	    &count, &e), -1);
	assert_string_equal(e.code, "MERKLE_STORE");
	assert_int_equal(merkle_state_load(&st, 5, store_get, &s, NULL), -1);
	assert_int_equal(st.size, 0);
	/* Proofs longer than any valid one are refused outright. */
	assert_false(merkle_verify_inclusion(proof[0], 0, UINT64_MAX,
	    (const uint8_t (*)[H])proof, MERKLE_PROOF_MAX + 1, root) == 0);
	store_free(&s);
}

static int
setup(void **unused)
{
	(void)unused;
	if (sodium_init() < 0 || (vectors = load_vectors()) == NULL) {
		fprintf(stderr, "test_merkle: cannot load "
		    "tests/vectors/merkle/rfc6962.json (set PASSNUM_SOURCE_DIR)\n");
		return -1;
	}
	return 0;
}

static int
teardown(void **unused)
{
	(void)unused;
	json_decref(vectors);
	printf("corruption probe sets run: %zu\n", probes_run);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_root),
		cmocka_unit_test(test_vector_roots_and_nodes),
		cmocka_unit_test(test_vector_inclusion),
		cmocka_unit_test(test_vector_consistency),
		cmocka_unit_test(test_all_pairs_up_to_8),
		cmocka_unit_test(test_vector_edge_cases),
		cmocka_unit_test(test_random_cross_check),
		cmocka_unit_test(test_huge_sizes),
		cmocka_unit_test(test_state_errors),
		cmocka_unit_test(test_proof_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
