/* The ledger's Merkle log: RFC 9162 §2.1 with SHA-256.
 *
 *   leaf hash  = SHA-256(0x00 ‖ data)
 *   node hash  = SHA-256(0x01 ‖ left ‖ right)
 *   empty root = SHA-256("")
 *
 * Leaf i is the canonical bytes of the journal entry with sequence number i.
 *
 * Storage model. The tree is kept as "perfect nodes": node (level L, index i)
 * is the root of the perfect subtree over leaves [i·2^L, (i+1)·2^L); level 0
 * nodes are the leaf hashes. Perfect nodes never change once complete, so the
 * caller stores them (table merkle_nodes(level, idx, hash)) and this module
 * reads them back through a merkle_get_fn. Hashes of imperfect subtrees (the
 * right edge of a tree of any past size) are computed from perfect nodes,
 * O(log n) reads each.
 *
 * Appending uses a compact state (the perfect roots of the right edge, at most
 * 64 hashes): merkle_state_append is O(log n), reads nothing and emits each
 * newly completed perfect node through a merkle_emit_fn for the caller to
 * store in the same transaction as the entry.
 *
 * Errors (struct error, may be NULL): 422 PROOF_RANGE for an index or size
 * outside the tree; 500 MERKLE_STORE when get fails, unless e already holds
 * a code (a get callback given the same struct error through its ctx may
 * say why itself, e.g. 503 when the store is busy).
 *
 * Verifiers are the RFC's algorithms; trivial cases follow transparency-dev:
 * consistency between equal sizes needs equal roots and an empty proof, from
 * size 0 only an empty proof (root1 is not looked at).
 *
 * This module allocates nothing and holds no global state. */
#ifndef PASSNUM_MERKLE_H
#define PASSNUM_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define MERKLE_HASH_SIZE 32
/* Most hashes in an inclusion or a consistency proof for sizes below 2^64. */
#define MERKLE_PROOF_MAX 65
/* Largest serialised state: 8-byte size and 64 hashes. */
#define MERKLE_STATE_MAX_BYTES (8 + 64 * MERKLE_HASH_SIZE)

/* Reads the stored perfect node (level, index) into out. Returns 0, or -1 when
 * it cannot (missing node, store error). */
typedef int (*merkle_get_fn)(void *ctx, unsigned level, uint64_t index,
    uint8_t out[MERKLE_HASH_SIZE]);

/* Receives a newly completed perfect node (level, index). Returns 0, or -1 to
 * abort the append (the state is then left unchanged). */
typedef int (*merkle_emit_fn)(void *ctx, unsigned level, uint64_t index,
    const uint8_t hash[MERKLE_HASH_SIZE]);

/* The compact state of a tree: size, and one perfect root per set bit of
 * size, left to right (highest level first). Plain data: copy freely. */
struct merkle_state {
	uint64_t size;
	uint8_t  roots[64][MERKLE_HASH_SIZE];
	/* Not part of the tree: lib/ledger's note of the write transaction
	 * in which this state was last made current (db_write_token), 0 when
	 * none. merkle_state_init and _load clear it. */
	uint64_t write_token;
};

/* Hashes */
void	merkle_leaf_hash(const uint8_t *data, size_t len,
	    uint8_t out[MERKLE_HASH_SIZE]);
void	merkle_node_hash(const uint8_t left[MERKLE_HASH_SIZE],
	    const uint8_t right[MERKLE_HASH_SIZE], uint8_t out[MERKLE_HASH_SIZE]);
void	merkle_empty_root(uint8_t out[MERKLE_HASH_SIZE]);

/* Compact state */
void	merkle_state_init(struct merkle_state *state);
int	merkle_state_append(struct merkle_state *state,
	    const uint8_t leaf_hash[MERKLE_HASH_SIZE], merkle_emit_fn emit,
	    void *ctx);
void	merkle_state_root(const struct merkle_state *state,
	    uint8_t out[MERKLE_HASH_SIZE]);
size_t	merkle_state_serialise(const struct merkle_state *state,
	    uint8_t out[MERKLE_STATE_MAX_BYTES]);
int	merkle_state_deserialise(struct merkle_state *state, const uint8_t *in,
	    size_t len);
int	merkle_state_load(struct merkle_state *state, uint64_t size,
	    merkle_get_fn get, void *ctx, struct error *e);

/* From stored perfect nodes */
int	merkle_root(merkle_get_fn get, void *ctx, uint64_t size,
	    uint8_t out[MERKLE_HASH_SIZE], struct error *e);
int	merkle_inclusion_proof(merkle_get_fn get, void *ctx, uint64_t index,
	    uint64_t size, uint8_t out[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE],
	    size_t *count, struct error *e);
int	merkle_consistency_proof(merkle_get_fn get, void *ctx, uint64_t size1,
	    uint64_t size2, uint8_t out[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE],
	    size_t *count, struct error *e);

/* Verifiers (RFC 9162 §2.1.3.2 and §2.1.4.2); need no store. */
int	merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_SIZE],
	    uint64_t index, uint64_t size,
	    const uint8_t proof[][MERKLE_HASH_SIZE], size_t count,
	    const uint8_t root[MERKLE_HASH_SIZE])
	    __attribute__((warn_unused_result));
int	merkle_verify_consistency(uint64_t size1, uint64_t size2,
	    const uint8_t root1[MERKLE_HASH_SIZE],
	    const uint8_t root2[MERKLE_HASH_SIZE],
	    const uint8_t proof[][MERKLE_HASH_SIZE], size_t count)
	    __attribute__((warn_unused_result));

#endif
