/* RFC 9162 Merkle log over SHA-256: hashes, the compact append state, proofs
 * from stored perfect nodes, and the RFC's verification algorithms. See
 * merkle.h for the storage model. */
#include <string.h>

#include <sodium.h>

#include "hash.h"
#include "merkle.h"

static const uint8_t merkle_leaf_prefix = 0x00;
static const uint8_t merkle_node_prefix = 0x01;

/* SHA-256(0x00 ‖ data). */
void
merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_SIZE])
{
	struct hash_sha256_state st;

	hash_sha256_init(&st);
	hash_sha256_update(&st, &merkle_leaf_prefix, 1);
	hash_sha256_update(&st, data, len);
	hash_sha256_final(&st, out);
}

/* SHA-256(0x01 ‖ left ‖ right). out may alias left or right. */
void
merkle_node_hash(const uint8_t left[MERKLE_HASH_SIZE],
    const uint8_t right[MERKLE_HASH_SIZE], uint8_t out[MERKLE_HASH_SIZE])
{
	uint8_t buf[1 + 2 * MERKLE_HASH_SIZE];

	buf[0] = merkle_node_prefix;
	memcpy(buf + 1, left, MERKLE_HASH_SIZE);
	memcpy(buf + 1 + MERKLE_HASH_SIZE, right, MERKLE_HASH_SIZE);
	hash_sha256(out, buf, sizeof(buf));
}

/* The root of the empty tree, SHA-256(""). */
void
merkle_empty_root(uint8_t out[MERKLE_HASH_SIZE])
{
	hash_sha256(out, NULL, 0);
}

/* The largest power of two strictly below n; n must be at least 2. */
static uint64_t
merkle_split(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

static int
merkle_equal(const uint8_t a[MERKLE_HASH_SIZE], const uint8_t b[MERKLE_HASH_SIZE])
{
	return sodium_memcmp(a, b, MERKLE_HASH_SIZE) == 0;
}

/* Empties state (size 0). */
void
merkle_state_init(struct merkle_state *state)
{
	memset(state, 0, sizeof(*state));
}

/* Appends leaf number state->size. emit (may be NULL) receives the leaf as
 * node (0, size) and then every perfect node this leaf completes, bottom up.
 * Returns 0; -1 when emit refuses or the tree is full, the state unchanged. */
int
merkle_state_append(struct merkle_state *state,
    const uint8_t leaf_hash[MERKLE_HASH_SIZE], merkle_emit_fn emit, void *ctx)
{
	uint64_t n = state->size;
	unsigned top = (unsigned)__builtin_popcountll(n);
	uint8_t h[MERKLE_HASH_SIZE];

	if (n == UINT64_MAX)
		return -1;
	memcpy(h, leaf_hash, MERKLE_HASH_SIZE);
	if (emit != NULL && emit(ctx, 0, n, h) != 0)
		return -1;
	/* Each set low bit of n is a perfect root of the same level to merge. */
	for (unsigned level = 0; (n >> level) & 1; level++) {
		top--;
		merkle_node_hash(state->roots[top], h, h);
		if (emit != NULL && emit(ctx, level + 1, n >> (level + 1), h) != 0)
			return -1;
	}
	memcpy(state->roots[top], h, MERKLE_HASH_SIZE);
	state->size = n + 1;
	return 0;
}

/* Folds the perfect roots right to left into the tree head. */
void
merkle_state_root(const struct merkle_state *state, uint8_t out[MERKLE_HASH_SIZE])
{
	int count = __builtin_popcountll(state->size);

	if (count == 0) {
		merkle_empty_root(out);
		return;
	}
	memcpy(out, state->roots[count - 1], MERKLE_HASH_SIZE);
	for (int i = count - 2; i >= 0; i--)
		merkle_node_hash(state->roots[i], out, out);
}

/* Writes size (8 bytes big-endian) then the popcount(size) perfect roots.
 * Returns the number of bytes written. */
size_t
merkle_state_serialise(const struct merkle_state *state,
    uint8_t out[MERKLE_STATE_MAX_BYTES])
{
	size_t hashes = (size_t)__builtin_popcountll(state->size) * MERKLE_HASH_SIZE;

	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(state->size >> (56 - 8 * i));
	memcpy(out + 8, state->roots, hashes);
	return 8 + hashes;
}

/* Reads what merkle_state_serialise wrote. Returns 0, or -1 (state emptied)
 * when len does not match the size it announces. */
int
merkle_state_deserialise(struct merkle_state *state, const uint8_t *in,
    size_t len)
{
	uint64_t size = 0;

	merkle_state_init(state);
	if (len < 8)
		return -1;
	for (int i = 0; i < 8; i++)
		size = size << 8 | in[i];
	if (len != 8 + (size_t)__builtin_popcountll(size) * MERKLE_HASH_SIZE)
		return -1;
	state->size = size;
	memcpy(state->roots, in + 8, len - 8);
	return 0;
}

static int
merkle_get(merkle_get_fn get, void *ctx, unsigned level, uint64_t index,
    uint8_t out[MERKLE_HASH_SIZE], struct error *e)
{
	if (get(ctx, level, index, out) == 0)
		return 0;
	if (e != NULL && e->code != NULL)
		return -1;	/* the store already said why */
	return error_set(e, 500, "MERKLE_STORE",
	    "merkle node (level %u, index %llu) could not be read", level,
	    (unsigned long long)index);
}

/* Rebuilds the compact state of the tree of the given size from stored
 * perfect nodes (after a restart, or to check a persisted state). */
int
merkle_state_load(struct merkle_state *state, uint64_t size, merkle_get_fn get,
    void *ctx, struct error *e)
{
	uint64_t pos = 0;
	unsigned i = 0;

	merkle_state_init(state);
	for (int level = 63; level >= 0; level--) {
		if ((size >> level & 1) == 0)
			continue;
		if (merkle_get(get, ctx, (unsigned)level, pos >> level,
		    state->roots[i++], e) != 0) {
			merkle_state_init(state);
			return -1;
		}
		pos += (uint64_t)1 << level;
	}
	state->size = size;
	return 0;
}

/* MTH(D[start : start+n]) for n >= 1, from the perfect nodes that tile the
 * range. start must be a multiple of the largest power of two <= n, which
 * holds for every range the RFC's recursive definitions visit. */
static int
merkle_range_hash(merkle_get_fn get, void *ctx, uint64_t start, uint64_t n,
    uint8_t out[MERKLE_HASH_SIZE], struct error *e)
{
	uint8_t parts[64][MERKLE_HASH_SIZE];
	uint64_t pos = start;
	int count = 0;

	if (n == 0 || (start & (((uint64_t)1 << (63 - __builtin_clzll(n))) - 1)))
		return error_set(e, 500, "MERKLE_INTERNAL",
		    "unaligned merkle range");
	for (int level = 63; level >= 0; level--) {
		if ((n >> level & 1) == 0)
			continue;
		if (merkle_get(get, ctx, (unsigned)level, pos >> level,
		    parts[count++], e) != 0)
			return -1;
		pos += (uint64_t)1 << level;
	}
	memcpy(out, parts[count - 1], MERKLE_HASH_SIZE);
	for (int i = count - 2; i >= 0; i--)
		merkle_node_hash(parts[i], out, out);
	return 0;
}

/* The root of the tree of the given size (any size up to what is stored). */
int
merkle_root(merkle_get_fn get, void *ctx, uint64_t size,
    uint8_t out[MERKLE_HASH_SIZE], struct error *e)
{
	if (size == 0) {
		merkle_empty_root(out);
		return 0;
	}
	if (merkle_range_hash(get, ctx, 0, size, out, e) != 0) {
		memset(out, 0, MERKLE_HASH_SIZE);
		return -1;
	}
	return 0;
}

/* Copies the top-down sibling list `down` (d hashes) to out bottom-up, after
 * `first` leading hashes already in out. */
static void
merkle_reverse_into(uint8_t out[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE],
    size_t first, uint8_t down[][MERKLE_HASH_SIZE], size_t d)
{
	for (size_t i = 0; i < d; i++)
		memcpy(out[first + i], down[d - 1 - i], MERKLE_HASH_SIZE);
}

/* PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf sibling first. Fills
 * out[0..*count). Returns 0; -1 (422 PROOF_RANGE) when index >= size, or
 * when the store fails. */
int
merkle_inclusion_proof(merkle_get_fn get, void *ctx, uint64_t index,
    uint64_t size, uint8_t out[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE],
    size_t *count, struct error *e)
{
	uint8_t down[64][MERKLE_HASH_SIZE];
	uint64_t off = 0, m = index, n = size;
	size_t d = 0;

	*count = 0;
	if (index >= size)
		return error_set(e, 422, "PROOF_RANGE",
		    "leaf %llu is not in a tree of size %llu",
		    (unsigned long long)index, (unsigned long long)size);
	while (n > 1) {
		uint64_t k = merkle_split(n);
		int rc;
		if (m < k) {
			rc = merkle_range_hash(get, ctx, off + k, n - k, down[d], e);
			n = k;
		} else {
			rc = merkle_range_hash(get, ctx, off, k, down[d], e);
			off += k;
			m -= k;
			n -= k;
		}
		if (rc != 0)
			return -1;
		d++;
	}
	merkle_reverse_into(out, 0, down, d);
	*count = d;
	return 0;
}

/* PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1. Empty when size1 is 0 or
 * equals size2. Returns 0; -1 (422 PROOF_RANGE) when size1 > size2, or when
 * the store fails. */
int
merkle_consistency_proof(merkle_get_fn get, void *ctx, uint64_t size1,
    uint64_t size2, uint8_t out[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE],
    size_t *count, struct error *e)
{
	uint8_t down[64][MERKLE_HASH_SIZE];
	uint64_t off = 0, m = size1, n = size2;
	size_t d = 0, first = 0;
	int whole = 1;	/* the RFC's b: still on the path of size1's root */

	*count = 0;
	if (size1 > size2)
		return error_set(e, 422, "PROOF_RANGE",
		    "tree size %llu is larger than %llu",
		    (unsigned long long)size1, (unsigned long long)size2);
	if (size1 == 0)
		return 0;
	while (m != n) {
		uint64_t k = merkle_split(n);
		int rc;
		if (m <= k) {
			rc = merkle_range_hash(get, ctx, off + k, n - k, down[d], e);
			n = k;
		} else {
			rc = merkle_range_hash(get, ctx, off, k, down[d], e);
			off += k;
			m -= k;
			n -= k;
			whole = 0;
		}
		if (rc != 0)
			return -1;
		d++;
	}
	if (!whole) {
		if (merkle_range_hash(get, ctx, off, m, out[0], e) != 0)
			return -1;
		first = 1;
	}
	merkle_reverse_into(out, first, down, d);
	*count = first + d;
	return 0;
}

/* RFC 9162 §2.1.3.2. Returns 0 when proof shows leaf_hash at index in the tree
 * of the given size and root, -1 otherwise. */
int
merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_SIZE],
    uint64_t index, uint64_t size, const uint8_t proof[][MERKLE_HASH_SIZE],
    size_t count, const uint8_t root[MERKLE_HASH_SIZE])
{
	uint8_t r[MERKLE_HASH_SIZE];
	uint64_t fn, sn;

	if (index >= size || count > MERKLE_PROOF_MAX)
		return -1;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, MERKLE_HASH_SIZE);
	for (size_t i = 0; i < count; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(proof[i], r, r);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && merkle_equal(r, root) ? 0 : -1;
}

/* RFC 9162 §2.1.4.2 for 0 < size1 < size2. The trivial cases follow
 * transparency-dev/merkle: equal sizes need equal roots and an empty proof;
 * size1 = 0 (the empty tree, a prefix of every tree) needs an empty proof.
 * Returns 0 when proof shows the first tree is a prefix of the second. */
int
merkle_verify_consistency(uint64_t size1, uint64_t size2,
    const uint8_t root1[MERKLE_HASH_SIZE], const uint8_t root2[MERKLE_HASH_SIZE],
    const uint8_t proof[][MERKLE_HASH_SIZE], size_t count)
{
	uint8_t fr[MERKLE_HASH_SIZE], sr[MERKLE_HASH_SIZE];
	uint64_t fn, sn;
	size_t i = 0;

	if (size1 > size2 || count > MERKLE_PROOF_MAX)
		return -1;
	if (size1 == size2)
		return count == 0 && merkle_equal(root1, root2) ? 0 : -1;
	if (size1 == 0)
		return count == 0 ? 0 : -1;
	if (count == 0)
		return -1;
	/* Step 2: a power-of-two size1 is its own first path element. */
	if ((size1 & (size1 - 1)) == 0) {
		memcpy(fr, root1, MERKLE_HASH_SIZE);
	} else {
		memcpy(fr, proof[0], MERKLE_HASH_SIZE);
		i = 1;
	}
	memcpy(sr, fr, MERKLE_HASH_SIZE);
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < count; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(proof[i], fr, fr);
			merkle_node_hash(proof[i], sr, sr);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && merkle_equal(fr, root1) && merkle_equal(sr, root2) ?
	    0 : -1;
}
