/* Tests for lib/note.c: known answers from golang.org/x/mod/sumdb/note and a
 * real sum.golang.org checkpoint (tests/vectors/note/), checkpoint round
 * trips, tampering, body rules, receipts. */
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

#include "note.h"

static json_t *vectors;
static uint8_t test_pk[NOTE_PUBLIC_KEY_SIZE], test_sk[NOTE_SECRET_KEY_SIZE];
static const char test_origin[] = "passnum.example.org/ledger";

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
		snprintf(path, sizeof(path),
		    "%s/tests/vectors/note/signed_note.json", bases[i]);
		if ((root = json_load_file(path, 0, &err)) != NULL)
			return root;
	}
	return NULL;
}

static const char *
vec(const char *group, const char *field)
{
	const char *s = json_string_value(json_object_get(
	    json_object_get(vectors, group), field));

	assert_non_null(s);
	return s;
}

static int
open_note(const char *msg, size_t len, const char *name, const uint8_t *pub,
    const char **code)
{
	struct error e;
	size_t text_len;
	int rc;

	error_clear(&e);
	rc = note_verify(msg, len, name, pub, &text_len, &e);
	*code = e.code;
	return rc;
}

static int
open_checkpoint(const char *msg, size_t len, const char **code)
{
	struct error e;
	uint64_t size;
	uint8_t root[NOTE_HASH_SIZE];
	int rc;

	error_clear(&e);
	rc = note_checkpoint_verify(msg, len, test_origin, NULL, test_pk, &size,
	    root, &e);
	*code = e.code;
	return rc;
}

/* ---- keys ---- */

static void
test_vkeys(void **unused)
{
	const char *keys[] = { vec("go_note", "vkey_peter"),
	    vec("go_note", "vkey_enoch"), vec("sumdb_checkpoint", "vkey") };
	char name[NOTE_NAME_MAX + 1], again[NOTE_VKEY_MAX], buf[NOTE_VKEY_MAX];
	uint8_t pub[NOTE_PUBLIC_KEY_SIZE], id[NOTE_KEY_ID_SIZE];
	size_t i, len, mangled = 0;
	json_t *v;

	(void)unused;
	for (i = 0; i < 3; i++) {
		assert_int_equal(note_vkey_parse(keys[i], name, pub), 0);
		assert_int_equal(note_key_id(name, pub, id), 0);
		assert_int_equal(note_vkey_format(name, pub, again), 0);
		assert_string_equal(again, keys[i]);
	}
	/* Every proper substring and every byte incremented: refused. */
	len = strlen(keys[0]);
	for (size_t a = 0; a < len; a++)
		for (size_t b = a + 1; b <= len; b++) {
			if (a == 0 && b == len)
				continue;
			memcpy(buf, keys[0] + a, b - a);
			buf[b - a] = '\0';
			assert_int_equal(note_vkey_parse(buf, name, pub), -1);
			mangled++;
		}
	for (size_t a = 0; a < len; a++) {
		strcpy(buf, keys[0]);
		buf[a]++;
		assert_int_equal(note_vkey_parse(buf, name, pub), -1);
		assert_string_equal(name, "");
		mangled++;
	}
	json_array_foreach(json_object_get(json_object_get(vectors, "go_note"),
	    "bad_vkeys"), i, v)
		assert_int_equal(note_vkey_parse(json_string_value(v), name, pub),
		    -1);
	assert_true(mangled > 2000);
	/* Names we refuse to sign or verify with. */
	assert_int_equal(note_key_id("", pub, id), -1);
	assert_int_equal(note_key_id("a+b", pub, id), -1);
	assert_int_equal(note_key_id("a b", pub, id), -1);
	assert_int_equal(note_key_id("a\nb", pub, id), -1);
	memset(buf, 'a', NOTE_NAME_MAX + 1);
	buf[NOTE_NAME_MAX + 1] = '\0';
	assert_int_equal(note_key_id(buf, pub, id), -1);
	buf[NOTE_NAME_MAX] = '\0';
	assert_int_equal(note_key_id(buf, pub, id), 0);
}

/* The Go package's PeterNeumann key signs the Go test text into exactly the
 * Go test's note (Ed25519 is deterministic). */
static void
test_go_sign_known_answer(void **unused)
{
	const char *skey = vec("go_note", "skey_peter");
	const char *text = vec("go_note", "text");
	const char *b64;
	char name[NOTE_NAME_MAX + 1], out[1024];
	uint8_t seed[1 + 32], pk[32], sk[64], vpub[32];
	size_t seed_len, out_len;

	(void)unused;
	/* PRIVATE+KEY+<name>+<id>+base64(0x01 ‖ seed) */
	b64 = strchr(skey + strlen("PRIVATE+KEY+"), '+') + 1 + 8 + 1;
	assert_int_equal(sodium_base642bin(seed, sizeof(seed), b64, strlen(b64),
	    NULL, &seed_len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(seed_len, 33);
	assert_int_equal(seed[0], 1);
	crypto_sign_seed_keypair(pk, sk, seed + 1);
	assert_int_equal(note_vkey_parse(vec("go_note", "vkey_peter"), name,
	    vpub), 0);
	assert_memory_equal(pk, vpub, 32);
	assert_int_equal(note_sign(text, strlen(text), name, sk, out,
	    sizeof(out), &out_len, NULL), 0);
	assert_string_equal(out, vec("go_note", "signed_by_peter"));
	assert_int_equal(out_len, strlen(out));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(seed, sizeof(seed));
}

static void
test_go_verify(void **unused)
{
	const char *text = vec("go_note", "text");
	const char *both = vec("go_note", "signed_by_both");
	const char *peter_sig = vec("go_note", "sig_peter");
	const char *enoch_sig = vec("go_note", "sig_enoch");
	char peter[NOTE_NAME_MAX + 1], enoch[NOTE_NAME_MAX + 1];
	uint8_t ppub[32], epub[32];
	char *buf = malloc(2 * NOTE_MAX_BYTES);
	const char *code;
	size_t i, text_len, len;
	json_t *v;

	(void)unused;
	assert_non_null(buf);
	assert_int_equal(note_vkey_parse(vec("go_note", "vkey_peter"), peter,
	    ppub), 0);
	assert_int_equal(note_vkey_parse(vec("go_note", "vkey_enoch"), enoch,
	    epub), 0);
	assert_int_equal(note_verify(vec("go_note", "signed_by_peter"),
	    strlen(vec("go_note", "signed_by_peter")), peter, ppub, &text_len,
	    NULL), 0);
	assert_int_equal(text_len, strlen(text));
	assert_int_equal(note_verify(both, strlen(both), peter, ppub,
	    &text_len, NULL), 0);
	assert_int_equal(note_verify(both, strlen(both), enoch, epub,
	    &text_len, NULL), 0);
	assert_int_equal(text_len, strlen(text));
	/* Known name, other key; other name, known key. */
	assert_int_equal(open_note(both, strlen(both), peter, epub, &code), -1);
	assert_string_equal(code, "NOTE_NOT_SIGNED");
	assert_int_equal(open_note(both, strlen(both), "PeterNeuman", ppub,
	    &code), -1);
	assert_string_equal(code, "NOTE_NOT_SIGNED");
	v = json_object_get(json_object_get(vectors, "go_note"),
	    "invalid_signature_by_peter");
	assert_int_equal(open_note(json_string_value(v),
	    strlen(json_string_value(v)), peter, ppub, &code), -1);
	assert_string_equal(code, "BAD_SIGNATURE");
	json_array_foreach(json_object_get(json_object_get(vectors, "go_note"),
	    "malformed"), i, v) {
		assert_int_equal(open_note(json_string_value(v),
		    strlen(json_string_value(v)), peter, ppub, &code), -1);
		assert_string_equal(code, "MALFORMED_NOTE");
	}
	len = (size_t)snprintf(buf, NOTE_MAX_BYTES, "\xff%s\n%s", text,
	    peter_sig);
	assert_int_equal(open_note(buf, len, peter, ppub, &code), -1);
	assert_string_equal(code, "MALFORMED_NOTE");
	/* Duplicates, and another signer's altered line, are fine. */
	len = (size_t)snprintf(buf, NOTE_MAX_BYTES, "%s\n%s%s%s%s%.60sABCD%s",
	    text, peter_sig, peter_sig, enoch_sig, enoch_sig, enoch_sig,
	    enoch_sig + 60);
	assert_int_equal(open_note(buf, len, peter, ppub, &code), 0);
	assert_int_equal(open_note(buf, len, enoch, epub, &code), -1);
	assert_string_equal(code, "BAD_SIGNATURE");
	/* 100 signature lines are accepted, 101 are not. */
	len = (size_t)sprintf(buf, "%s\n", text);
	for (int n = 0; n < 100; n++)
		len += (size_t)sprintf(buf + len, "%s", peter_sig);
	assert_true(len <= NOTE_MAX_BYTES);
	assert_int_equal(open_note(buf, len, peter, ppub, &code), 0);
	len += (size_t)sprintf(buf + len, "%s", peter_sig);
	assert_int_equal(open_note(buf, len, peter, ppub, &code), -1);
	assert_string_equal(code, "MALFORMED_NOTE");
	free(buf);
}

/* A real checkpoint of sum.golang.org, verified with its published key. */
static void
test_sumdb_checkpoint(void **unused)
{
	const char *note = vec("sumdb_checkpoint", "note");
	const char *origin = vec("sumdb_checkpoint", "origin");
	char name[NOTE_NAME_MAX + 1];
	uint8_t pub[32], root[32], want[32];
	uint64_t size;
	size_t len;
	struct error e;

	(void)unused;
	assert_int_equal(note_vkey_parse(vec("sumdb_checkpoint", "vkey"), name,
	    pub), 0);
	assert_string_equal(name, "sum.golang.org");
	assert_int_equal(note_checkpoint_verify(note, strlen(note), origin, name,
	    pub, &size, root, NULL), 0);
	assert_int_equal(size, json_integer_value(json_object_get(
	    json_object_get(vectors, "sumdb_checkpoint"), "size")));
	assert_int_equal(sodium_base642bin(want, sizeof(want),
	    vec("sumdb_checkpoint", "root_base64"), 44, NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL), 0);
	assert_memory_equal(root, want, 32);
	error_clear(&e);
	assert_int_equal(note_checkpoint_verify(note, strlen(note),
	    "sum.golang.org", name, pub, &size, root, &e), -1);
	assert_string_equal(e.code, "WRONG_ORIGIN");
	assert_int_equal(size, 0);
	error_clear(&e);
	pub[0] ^= 1;
	assert_int_equal(note_checkpoint_verify(note, strlen(note), origin, name,
	    pub, &size, root, &e), -1);
	assert_string_equal(e.code, "NOTE_NOT_SIGNED");
}

/* ---- our checkpoints ---- */

static void
test_checkpoint_round_trip(void **unused)
{
	const uint64_t sizes[] = { 0, 1, 8, 1234567890123ULL, UINT64_MAX };
	char note[NOTE_CHECKPOINT_MAX], text[NOTE_CHECKPOINT_MAX];
	uint8_t root[32], got[32];
	uint64_t size;
	size_t len, text_len;

	(void)unused;
	for (int i = 0; i < 32; i++)
		root[i] = (uint8_t)i;
	assert_int_equal(note_checkpoint_format(test_origin, 42, root, text,
	    sizeof(text), &text_len, NULL), 0);
	assert_string_equal(text, "passnum.example.org/ledger\n42\n"
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		randombytes_buf(root, sizeof(root));
		assert_int_equal(note_checkpoint_sign(test_origin, sizes[i],
		    root, test_sk, note, sizeof(note), &len, NULL), 0);
		assert_int_equal(len, strlen(note));
		assert_int_equal(note_checkpoint_verify(note, len, test_origin,
		    NULL, test_pk, &size, got, NULL), 0);
		assert_int_equal(size, sizes[i]);
		assert_memory_equal(got, root, 32);
		assert_int_equal(note_checkpoint_verify(note, len, test_origin,
		    test_origin, test_pk, &size, got, NULL), 0);
	}
	/* Longest origin fits NOTE_CHECKPOINT_MAX exactly. */
	memset(text, 'o', NOTE_NAME_MAX);
	text[NOTE_NAME_MAX] = '\0';
	assert_int_equal(note_checkpoint_sign(text, UINT64_MAX, root, test_sk,
	    note, sizeof(note), &len, NULL), 0);
	assert_int_equal(len + 1, NOTE_CHECKPOINT_MAX);
	assert_int_equal(note_checkpoint_sign(text, UINT64_MAX, root, test_sk,
	    note, sizeof(note) - 1, &len, NULL), -1);
	assert_int_equal(len, 0);
	assert_string_equal(note, "");
}

/* Every byte changed (four ways), every truncation, every byte removed:
 * rejected. */
static void
test_checkpoint_tampering(void **unused)
{
	const uint8_t flips[] = { 0x01, 0x20, 0x80, 0x04 };
	char note[NOTE_CHECKPOINT_MAX], bad[NOTE_CHECKPOINT_MAX];
	uint8_t root[32];
	const char *code;
	size_t len, tried = 0;

	(void)unused;
	randombytes_buf(root, sizeof(root));
	assert_int_equal(note_checkpoint_sign(test_origin, 77, root, test_sk,
	    note, sizeof(note), &len, NULL), 0);
	for (size_t i = 0; i < len; i++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			memcpy(bad, note, len);
			bad[i] ^= (char)flips[f];
			assert_int_equal(open_checkpoint(bad, len, &code), -1);
			tried++;
		}
		memcpy(bad, note, len);
		bad[i] = '\n';
		if (note[i] != '\n')
			assert_int_equal(open_checkpoint(bad, len, &code), -1);
		memcpy(bad, note, i);
		memcpy(bad + i, note + i + 1, len - i - 1);
		assert_int_equal(open_checkpoint(bad, len - 1, &code), -1);
		assert_int_equal(open_checkpoint(note, i, &code), -1);
		tried += 3;
	}
	assert_int_equal(open_checkpoint(note, len, &code), 0);
	printf("tampered checkpoints rejected: %zu\n", tried);
}

/* Other signers' lines are ignored; a forged line for our key is not. */
static void
test_checkpoint_cosigners(void **unused)
{
	uint8_t pk2[32], sk2[64], root[32] = { 9 };
	char note[NOTE_CHECKPOINT_MAX], other[NOTE_CHECKPOINT_MAX];
	char buf[4 * NOTE_CHECKPOINT_MAX];
	const char *code, *line;
	size_t len, olen;

	(void)unused;
	crypto_sign_keypair(pk2, sk2);
	assert_int_equal(note_checkpoint_sign(test_origin, 5, root, test_sk,
	    note, sizeof(note), &len, NULL), 0);
	/* A witness signs the same text under its own name. */
	assert_int_equal(note_sign(note, (size_t)(strstr(note, "\n\n") + 1 - note),
	    "witness.example", sk2, other, sizeof(other), &olen, NULL), 0);
	line = strstr(other, "\n\n") + 2;
	snprintf(buf, sizeof(buf), "%s%s", note, line);
	assert_int_equal(open_checkpoint(buf, strlen(buf), &code), 0);
	snprintf(buf, sizeof(buf), "%.*s\n%s%s", (int)(strstr(note, "\n\n") + 1 -
	    note), note, line, strstr(note, "\n\n") + 2);
	assert_int_equal(open_checkpoint(buf, strlen(buf), &code), 0);
	/* Only the witness: not ours. */
	snprintf(buf, sizeof(buf), "%.*s\n%s", (int)(strstr(note, "\n\n") + 1 -
	    note), note, line);
	assert_int_equal(open_checkpoint(buf, strlen(buf), &code), -1);
	assert_string_equal(code, "NOTE_NOT_SIGNED");
	/* The witness key under our name has another key id: ignored. */
	assert_int_equal(note_sign(note, (size_t)(strstr(note, "\n\n") + 1 - note),
	    test_origin, sk2, other, sizeof(other), &olen, NULL), 0);
	snprintf(buf, sizeof(buf), "%s%s", note, strstr(other, "\n\n") + 2);
	assert_int_equal(open_checkpoint(buf, strlen(buf), &code), 0);
	{
		/* Our key id grafted onto the witness's signature: refused. */
		char *b64 = strrchr(buf, ' ') + 1, *ours = strrchr(note, ' ') + 1;
		memcpy(b64, ours, 6);	/* 36 bits: the 32-bit id and a bit more */
		assert_int_equal(open_checkpoint(buf, strlen(buf), &code), -1);
		assert_string_equal(code, "BAD_SIGNATURE");
	}
	sodium_memzero(sk2, sizeof(sk2));
}

/* Bodies signed correctly but not canonical checkpoints. */
static void
test_checkpoint_body_rules(void **unused)
{
	static const struct {
		const char *body;
		const char *code;	/* NULL: accepted */
	} cases[] = {
		{ "%s\n0\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", NULL },
		{ "%s\n18446744073709551615\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", NULL },
		{ "%s\n18446744073709551616\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n99999999999999999999\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n100000000000000000000\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n05\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n00\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n+5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n-5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n 5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n5 \nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n0x10\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n1e3\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n\xd9\xa5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		/* root: non-zero padding bits, no padding, url-safe, short, long */
		{ "%s\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh_=\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n5\n AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "MALFORMED_CHECKPOINT" },
		/* line count, origin */
		{ "%s\n5\n", "MALFORMED_CHECKPOINT" },
		{ "%s\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nextension\n", "MALFORMED_CHECKPOINT" },
		{ "%s \n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "WRONG_ORIGIN" },
		{ "x%s\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "WRONG_ORIGIN" },
	};
	char body[512], note[1024];
	const char *code;
	size_t len;

	(void)unused;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), cases[i].body, test_origin);
		assert_int_equal(note_sign(body, strlen(body), test_origin,
		    test_sk, note, sizeof(note), &len, NULL), 0);
		if (cases[i].code == NULL) {
			assert_int_equal(open_checkpoint(note, len, &code), 0);
		} else {
			assert_int_equal(open_checkpoint(note, len, &code), -1);
			assert_string_equal(code, cases[i].code);
		}
	}
}

static void
test_limits_and_sign_errors(void **unused)
{
	char *buf = malloc(NOTE_MAX_BYTES + 2);
	char note[NOTE_CHECKPOINT_MAX];
	uint8_t root[32] = { 0 };
	const char *code;
	struct error e;
	size_t len, base;

	(void)unused;
	assert_non_null(buf);
	/* Pad with foreign signature lines to exactly the limit, then over. */
	assert_int_equal(note_checkpoint_sign(test_origin, 1, root, test_sk,
	    note, sizeof(note), &len, NULL), 0);
	memcpy(buf, note, len);
	base = len;
	for (int i = 0; i < NOTE_SIGNATURES_MAX - 1; i++) {
		memcpy(buf + len, "\xe2\x80\x94 other ", 10);
		memset(buf + len + 10, 'A', 68);
		buf[len + 78] = '\n';
		len += 79;
	}
	assert_true(len <= NOTE_MAX_BYTES);
	assert_int_equal(open_checkpoint(buf, len, &code), 0);
	memset(buf + base, 'x', NOTE_MAX_BYTES + 1 - base);
	assert_int_equal(open_checkpoint(buf, NOTE_MAX_BYTES + 1, &code), -1);
	assert_string_equal(code, "NOTE_TOO_LONG");
	assert_int_equal(open_checkpoint("", 0, &code), -1);
	assert_string_equal(code, "MALFORMED_NOTE");
	/* Signing refuses what it could not open again. */
	error_clear(&e);
	assert_int_equal(note_sign("a\nb", 3, "k", test_sk, buf, 100, &len, &e),
	    -1);
	assert_string_equal(e.code, "MALFORMED_NOTE");
	assert_int_equal(note_sign("a\n\nb\n", 5, "k", test_sk, buf, 100, &len,
	    NULL), -1);
	assert_int_equal(note_sign("\n", 1, "k", test_sk, buf, 100, &len, NULL),
	    -1);
	assert_int_equal(note_sign("a\tb\n", 4, "k", test_sk, buf, 100, &len,
	    NULL), -1);
	assert_int_equal(note_sign("a\n", 2, "k+1", test_sk, buf, 100, &len,
	    NULL), -1);
	assert_int_equal(note_sign("a\n", 2, "k", test_sk, buf, 20, &len, NULL),
	    -1);
	assert_int_equal(len, 0);
	error_clear(&e);
	assert_int_equal(note_checkpoint_sign("go.sum database tree", 1, root,
	    test_sk, buf, 1000, &len, &e), -1);
	assert_string_equal(e.code, "BAD_KEY_NAME");
	assert_int_equal(note_checkpoint_format("", 1, root, buf, 1000, &len,
	    NULL), -1);
	assert_int_equal(note_checkpoint_format("a\nb", 1, root, buf, 1000,
	    &len, NULL), -1);
	free(buf);
}

/* ---- receipts ---- */

static void
test_receipts(void **unused)
{
	uint8_t hash[32], sig[64], msg[18 + 8 + 32], pk2[32], sk2[64];
	const uint64_t seq = 0x0102030405060708ULL;

	(void)unused;
	randombytes_buf(hash, sizeof(hash));
	note_receipt_sign(seq, hash, test_sk, sig);
	assert_int_equal(note_receipt_verify(seq, hash, test_pk, sig), 0);
	/* The signed message is exactly the documented layout. */
	memcpy(msg, "passnum-receipt-v1", 18);
	for (int i = 0; i < 8; i++)
		msg[18 + i] = (uint8_t)(i + 1);
	memcpy(msg + 26, hash, 32);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg),
	    test_pk), 0);
	assert_int_equal(note_receipt_verify(seq + 1, hash, test_pk, sig), -1);
	assert_int_equal(note_receipt_verify(seq ^ (1ULL << 63), hash, test_pk,
	    sig), -1);
	hash[31] ^= 1;
	assert_int_equal(note_receipt_verify(seq, hash, test_pk, sig), -1);
	hash[31] ^= 1;
	for (int i = 0; i < 64; i++) {
		sig[i] ^= 0x10;
		assert_int_equal(note_receipt_verify(seq, hash, test_pk, sig), -1);
		sig[i] ^= 0x10;
	}
	crypto_sign_keypair(pk2, sk2);
	assert_int_equal(note_receipt_verify(seq, hash, pk2, sig), -1);
	sodium_memzero(sk2, sizeof(sk2));
}

static int
setup(void **unused)
{
	(void)unused;
	if (sodium_init() < 0 || (vectors = load_vectors()) == NULL) {
		fprintf(stderr, "test_note: cannot load "
		    "tests/vectors/note/signed_note.json (set PASSNUM_SOURCE_DIR)\n");
		return -1;
	}
	crypto_sign_keypair(test_pk, test_sk);
	return 0;
}

static int
teardown(void **unused)
{
	(void)unused;
	json_decref(vectors);
	sodium_memzero(test_sk, sizeof(test_sk));
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vkeys),
		cmocka_unit_test(test_go_sign_known_answer),
		cmocka_unit_test(test_go_verify),
		cmocka_unit_test(test_sumdb_checkpoint),
		cmocka_unit_test(test_checkpoint_round_trip),
		cmocka_unit_test(test_checkpoint_tampering),
		cmocka_unit_test(test_checkpoint_cosigners),
		cmocka_unit_test(test_checkpoint_body_rules),
		cmocka_unit_test(test_limits_and_sign_errors),
		cmocka_unit_test(test_receipts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
