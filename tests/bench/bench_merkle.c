/* Merkle log throughput: SHA-256 leaf hashing vs compact-state appends (with
 * every completed node stored in memory), then proof generation from that
 * in-memory node store and proof verification.
 *
 *   bench_merkle [leaves]        default 1048576 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "merkle.h"

#define H MERKLE_HASH_SIZE
#define ENTRY_BYTES 256	/* about one journal entry's canonical bytes */

struct bench_store {
	uint8_t *level[64];
	uint64_t len[64];
};

static int
bench_emit(void *ctx, unsigned level, uint64_t index, const uint8_t hash[H])
{
	struct bench_store *s = ctx;

	memcpy(s->level[level] + index * H, hash, H);
	s->len[level] = index + 1;
	return 0;
}

static int
bench_get(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
	struct bench_store *s = ctx;

	if (index >= s->len[level])
		return -1;
	memcpy(out, s->level[level] + index * H, H);
	return 0;
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench_report(const char *what, uint64_t n, double seconds, const char *unit)
{
	printf("%-44s %10.0f %s/s  (%llu in %.3f s)\n", what, (double)n / seconds,
	    unit, (unsigned long long)n, seconds);
}

int
main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : (uint64_t)1 << 20;
	uint8_t entry[ENTRY_BYTES], (*leaves)[H], root[H], root1[H];
	uint8_t proof[MERKLE_PROOF_MAX][H];
	struct merkle_state st;
	struct bench_store s = { 0 };
	uint64_t proofs = 100000, ok = 0;
	size_t count;
	double t;

	if (sodium_init() < 0 || n == 0 ||
	    (leaves = malloc(n * H)) == NULL)
		return 1;
	for (unsigned l = 0; l < 64 && (n >> l) > 0; l++)
		if ((s.level[l] = malloc((n >> l) * H)) == NULL)
			return 1;
	randombytes_buf(entry, sizeof(entry));
	printf("merkle bench: %llu leaves of %d bytes\n", (unsigned long long)n,
	    ENTRY_BYTES);

	t = bench_now();
	for (uint64_t i = 0; i < n; i++) {
		memcpy(entry, &i, sizeof(i));
		merkle_leaf_hash(entry, sizeof(entry), leaves[i]);
	}
	bench_report("leaf hash (SHA-256 of 0x00 || 256 bytes)", n,
	    bench_now() - t, "leaves");

	merkle_state_init(&st);
	t = bench_now();
	for (uint64_t i = 0; i < n; i++)
		merkle_state_append(&st, leaves[i], NULL, NULL);
	bench_report("state append, no store", n, bench_now() - t, "leaves");

	merkle_state_init(&st);
	t = bench_now();
	for (uint64_t i = 0; i < n; i++)
		merkle_state_append(&st, leaves[i], bench_emit, &s);
	bench_report("state append + emit nodes to memory", n, bench_now() - t,
	    "leaves");
	merkle_state_root(&st, root);

	t = bench_now();
	for (uint64_t i = 0; i < proofs; i++) {
		uint64_t index = randombytes_uniform((uint32_t)(n > UINT32_MAX ?
		    UINT32_MAX : n));
		merkle_inclusion_proof(bench_get, &s, index, n, proof, &count,
		    NULL);
	}
	bench_report("inclusion proof from memory store", proofs,
	    bench_now() - t, "proofs");

	merkle_inclusion_proof(bench_get, &s, n / 3, n, proof, &count, NULL);
	t = bench_now();
	for (uint64_t i = 0; i < proofs; i++)
		ok += merkle_verify_inclusion(leaves[n / 3], n / 3, n,
		    (const uint8_t (*)[H])proof, count, root) == 0;
	bench_report("inclusion proof verification", proofs, bench_now() - t,
	    "proofs");

	t = bench_now();
	for (uint64_t i = 0; i < proofs; i++) {
		uint64_t size1 = 1 + randombytes_uniform((uint32_t)(n > UINT32_MAX ?
		    UINT32_MAX : n));
		merkle_consistency_proof(bench_get, &s, size1, n, proof, &count,
		    NULL);
	}
	bench_report("consistency proof from memory store", proofs,
	    bench_now() - t, "proofs");

	t = bench_now();
	for (uint64_t i = 0; i < proofs; i++)
		merkle_root(bench_get, &s, 1 + i % n, root1, NULL);
	bench_report("root of a past size from memory store", proofs,
	    bench_now() - t, "roots");

	printf("proof length at size %llu: %zu hashes; verified %llu/%llu\n",
	    (unsigned long long)n, count, (unsigned long long)ok,
	    (unsigned long long)proofs);
	for (unsigned l = 0; l < 64; l++)
		free(s.level[l]);
	free(leaves);
	return ok == proofs ? 0 : 1;
}
