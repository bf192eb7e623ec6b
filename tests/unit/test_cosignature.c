/* Tests for lib/cosignature.c and lib/witness.c: cosignature/v1 known
 * answers computed by another implementation (Node.js crypto,
 * tests/vectors/cosignature/), tampering, verifier keys, and the witness's
 * add-checkpoint rules on a real Merkle tree kept in memory. */
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

#include "cosignature.h"
#include "merkle.h"
#include "note.h"
#include "witness.h"

static json_t *vectors;

static json_t *
load_vectors(void)
{
	const char *env = getenv("PASSNUM_SOURCE_DIR");
	const char *bases[] = { env, ".", "..", "../..", "../../.." };
	char path[4096];

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		json_t *root;
		if (bases[i] == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/tests/vectors/cosignature/cosignature_v1.json", bases[i]);
		if ((root = json_load_file(path, 0, NULL)) != NULL)
			return root;
	}
	return NULL;
}

static const char *
field(json_t *v, const char *name)
{
	const char *s = json_string_value(json_object_get(v, name));

	assert_non_null(s);
	return s;
}

/* The witness key of the vectors (RFC 8032 test 1). */
static void
vector_key(uint8_t sk[64], uint8_t pk[32])
{
	uint8_t seed[32];
	size_t n;

	assert_int_equal(sodium_hex2bin(seed, 32, field(vectors, "seed"), 64, NULL, &n, NULL), 0);
	crypto_sign_seed_keypair(pk, sk, seed);
}

static void
test_known_answers(void **state)
{
	uint8_t sk[64], pk[32], id[4];
	char vkey[NOTE_VKEY_MAX], hex[9], line[COSIGNATURE_LINE_MAX], note[2048];
	uint8_t msg[1024];
	size_t i, len;
	json_t *v;

	(void)state;
	vector_key(sk, pk);
	assert_true(json_array_size(json_object_get(vectors, "vectors")) >= 3);
	json_array_foreach(json_object_get(vectors, "vectors"), i, v) {
		const char *name = field(v, "name"), *text = field(v, "checkpoint");
		uint64_t t = strtoull(field(v, "time"), NULL, 10), got_t;
		struct cosignature_witness w;
		struct error e;
		assert_int_equal(cosignature_key_id(name, pk, id), 0);
		sodium_bin2hex(hex, sizeof(hex), id, 4);
		assert_string_equal(hex, field(v, "key_id"));
		assert_int_equal(cosignature_vkey_format(name, pk, vkey), 0);
		assert_string_equal(vkey, field(v, "vkey"));
		assert_int_equal(cosignature_vkey_parse(vkey, &w, &e), 0);
		assert_string_equal(w.name, name);
		assert_memory_equal(w.pub, pk, 32);
		assert_int_equal(cosignature_message(text, strlen(text), t, msg, sizeof(msg), &len, &e), 0);
		assert_int_equal(len, strlen(field(v, "message")));
		assert_memory_equal(msg, field(v, "message"), len);
		assert_int_equal(cosignature_sign(text, strlen(text), name, sk, t, line, &len, &e), 0);
		assert_string_equal(line, field(v, "line"));
		snprintf(note, sizeof(note), "%s\n%s", text, line);
		assert_int_equal(cosignature_verify(note, strlen(note), &w, &got_t, &e), 0);
		assert_int_equal(got_t, t);
	}
}

/* A note "checkpoint, blank line, lines" from the first vector. */
static void
vector_note(char *note, size_t cap, const char *lines)
{
	json_t *v = json_array_get(json_object_get(vectors, "vectors"), 0);

	snprintf(note, cap, "%s\n%s", field(v, "checkpoint"), lines);
}

static void
test_tampering(void **state)
{
	json_t *v;
	struct cosignature_witness w, other;
	struct error e;
	char note[2048], line[COSIGNATURE_LINE_MAX], out[1024];
	uint8_t pk[32], sk[64];
	uint64_t t;
	size_t len;

	(void)state;
	v = json_array_get(json_object_get(vectors, "vectors"), 0);
	assert_int_equal(cosignature_vkey_parse(field(v, "vkey"), &w, &e), 0);
	snprintf(line, sizeof(line), "%s", field(v, "line"));
	/* One character of the signature changed. */
	line[60] = line[60] == 'A' ? 'B' : 'A';
	vector_note(note, sizeof(note), line);
	assert_int_equal(cosignature_verify(note, strlen(note), &w, &t, &e), -1);
	assert_string_equal(e.code, "BAD_COSIGNATURE");
	/* The timestamp changed (bytes 4..12: characters 8..16 of the base64). */
	snprintf(line, sizeof(line), "%s", field(v, "line"));
	line[4 + strlen("witness.example/w1 ") + 12] ^= 1;
	vector_note(note, sizeof(note), line);
	assert_int_equal(cosignature_verify(note, strlen(note), &w, &t, &e), -1);
	/* The checkpoint changed. */
	snprintf(note, sizeof(note), "example.org/log\n4\n%s\n\n%s",
	    "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=", field(v, "line"));
	assert_int_equal(cosignature_verify(note, strlen(note), &w, &t, &e), -1);
	assert_string_equal(e.code, "BAD_COSIGNATURE");
	/* Another witness: its line is ignored, and ours is missing. */
	crypto_sign_keypair(pk, sk);
	snprintf(other.name, sizeof(other.name), "witness.example/w1");
	memcpy(other.pub, pk, 32);
	vector_note(note, sizeof(note), field(v, "line"));
	assert_int_equal(cosignature_verify(note, strlen(note), &other, &t, &e), -1);
	assert_string_equal(e.code, "NOT_COSIGNED");
	assert_int_equal(cosignature_lines(note, strlen(note), &other, out, sizeof(out), &len, &e), 0);
	assert_int_equal(len, 0);
	assert_int_equal(cosignature_lines(note, strlen(note), &w, out, sizeof(out), &len, &e), 0);
	assert_string_equal(out, field(v, "line"));
	/* A log's vkey (type 0x01) is not a witness's. */
	char vkey[NOTE_VKEY_MAX];
	assert_int_equal(note_vkey_format("witness.example/w1", pk, vkey), 0);
	assert_int_equal(cosignature_vkey_parse(vkey, &w, &e), -1);
	assert_string_equal(e.code, "BAD_KEY");
	assert_int_equal(cosignature_vkey_parse("witness.example/w1+00000000+", &w, &e), -1);
	assert_int_equal(cosignature_vkey_parse("", &w, &e), -1);
	/* A time of 0 is never signed. */
	assert_int_equal(cosignature_sign("o\n0\nx\n", 7, "w", sk, 0, line, &len, &e), -1);
}

/* --- the witness's rules on a real tree ----------------------------------- */

#define TREE_LEAVES 16
static uint8_t tree_nodes[8][TREE_LEAVES][MERKLE_HASH_SIZE];
static uint8_t log_sk[64], log_pk[32];
static const char log_origin[] = "example.org/log";

static int
tree_emit(void *ctx, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_SIZE])
{
	(void)ctx;
	memcpy(tree_nodes[level][index], hash, MERKLE_HASH_SIZE);
	return 0;
}

static int
tree_get(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
	(void)ctx;
	memcpy(out, tree_nodes[level][index], MERKLE_HASH_SIZE);
	return 0;
}

static void
tree_build(void)
{
	struct merkle_state st;
	uint8_t leaf[MERKLE_HASH_SIZE], data[1];

	merkle_state_init(&st);
	for (int i = 0; i < TREE_LEAVES; i++) {
		data[0] = (uint8_t)i;
		merkle_leaf_hash(data, 1, leaf);
		assert_int_equal(merkle_state_append(&st, leaf, tree_emit, NULL), 0);
	}
}

/* The add-checkpoint body from old to a checkpoint of size (root given, or
 * the tree's), signed with sk, with the tree's proof (bad: one hash
 * altered). */
static size_t
body(char *out, size_t cap, uint64_t old, uint64_t size, const uint8_t *root, const uint8_t *sk,
    int bad)
{
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE], r[MERKLE_HASH_SIZE];
	char note[NOTE_CHECKPOINT_MAX];
	size_t count = 0, len, note_len;
	struct error e;

	if (root == NULL)
		assert_int_equal(merkle_root(tree_get, NULL, size, r, &e), 0);
	else
		memcpy(r, root, MERKLE_HASH_SIZE);
	if (old > 0 && old < size)
		assert_int_equal(merkle_consistency_proof(tree_get, NULL, old, size, proof, &count, &e), 0);
	if (bad && count > 0)
		proof[0][0] ^= 1;
	assert_int_equal(note_checkpoint_sign(log_origin, size, r, sk, note, sizeof(note), &note_len,
	    &e), 0);
	len = (size_t)snprintf(out, cap, "old %llu\n", (unsigned long long)old);
	for (size_t i = 0; i < count; i++) {
		sodium_bin2base64(out + len, cap - len, proof[i], MERKLE_HASH_SIZE,
		    sodium_base64_VARIANT_ORIGINAL);
		len += strlen(out + len);
		out[len++] = '\n';
	}
	out[len++] = '\n';
	memcpy(out + len, note, note_len + 1);
	return len + note_len;
}

static int
ask(struct witness *w, uint64_t old, uint64_t size, const uint8_t *root, const uint8_t *sk, int bad,
    struct witness_reply *reply)
{
	char b[8192];
	size_t len = body(b, sizeof(b), old, size, root, sk, bad);

	witness_add_checkpoint(w, b, len, 1700000000, reply);
	return reply->status;
}

static void
test_witness_rules(void **state)
{
	struct witness w;
	struct witness_reply reply;
	struct cosignature_witness key;
	struct error e;
	uint8_t wsk[64], wpk[32], other_sk[64], other_pk[32], wrong[MERKLE_HASH_SIZE] = { 1 };
	char vkey[NOTE_VKEY_MAX], note[NOTE_MAX_BYTES];
	uint64_t t;

	(void)state;
	tree_build();
	crypto_sign_keypair(log_pk, log_sk);
	crypto_sign_keypair(other_pk, other_sk);
	crypto_sign_keypair(wpk, wsk);
	witness_memory(&w, "witness.example/w1", wsk);
	assert_int_equal(note_vkey_format(log_origin, log_pk, vkey), 0);
	assert_int_equal(witness_memory_add_log(&w, log_origin, vkey, &e), 0);
	assert_int_equal(witness_vkey(&w, vkey), 0);
	assert_int_equal(cosignature_vkey_parse(vkey, &key, &e), 0);

	assert_int_equal(ask(&w, 0, 0, wrong, log_sk, 0, &reply), 422); /* size 0, not the empty root */
	assert_int_equal(ask(&w, 0, 3, NULL, other_sk, 0, &reply), 403); /* another key */
	assert_int_equal(ask(&w, 4, 3, NULL, log_sk, 0, &reply), 400);   /* old above size */
	assert_int_equal(ask(&w, 1, 3, NULL, log_sk, 0, &reply), 409);   /* we cosigned nothing */
	assert_string_equal(reply.body, "0\n");
	assert_string_equal(reply.content_type, "text/x.tlog.size");
	assert_int_equal(ask(&w, 0, 3, NULL, log_sk, 0, &reply), 200);
	/* The reply is a cosignature of the checkpoint that verifies. */
	char b[8192];
	size_t len = body(b, sizeof(b), 0, 3, NULL, log_sk, 0);
	snprintf(note, sizeof(note), "%s%s", strstr(b, "\n\n") + 2, reply.body);
	assert_int_equal(cosignature_verify(note, strlen(note), &key, &t, &e), 0);
	assert_int_equal(t, 1700000000);
	(void)len;
	assert_int_equal(w.logs[0].size, 3);
	assert_int_equal(ask(&w, 0, 5, NULL, log_sk, 0, &reply), 409);
	assert_string_equal(reply.body, "3\n");
	assert_int_equal(ask(&w, 3, 7, NULL, log_sk, 1, &reply), 422);   /* bad proof */
	assert_int_equal(ask(&w, 3, 7, NULL, log_sk, 0, &reply), 200);
	assert_int_equal(ask(&w, 7, 7, NULL, log_sk, 0, &reply), 200);   /* the same tree again */
	assert_int_equal(ask(&w, 7, 7, wrong, log_sk, 0, &reply), 422);  /* a fork of the same size */
	assert_non_null(strstr(reply.log, "a fork"));
	assert_int_equal(ask(&w, 7, 5, NULL, log_sk, 0, &reply), 400);   /* smaller than cosigned */
	assert_int_equal(ask(&w, 7, 16, NULL, log_sk, 0, &reply), 200);
	assert_int_equal(w.logs[0].size, 16);
	/* Malformed bodies and an unknown origin. */
	const char *bad[] = { "", "old 3", "old 03\n\n", "old 3\nxyz\n\n", "old 3\n", "new 3\n\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		witness_add_checkpoint(&w, bad[i], strlen(bad[i]), 1, &reply);
		assert_int_equal(reply.status, 400);
	}
	const char unknown[] = "old 0\n\nother.example/log\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n"
	    "\xe2\x80\x94 other.example/log AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
	witness_add_checkpoint(&w, unknown, strlen(unknown), 1, &reply);
	assert_int_equal(reply.status, 404);
	assert_int_equal(w.logs[0].size, 16);
	witness_close(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_witness_rules),
	};

	if (sodium_init() < 0 || (vectors = load_vectors()) == NULL) {
		fprintf(stderr, "cannot load tests/vectors/cosignature/cosignature_v1.json\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
