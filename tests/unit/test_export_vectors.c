/* The export vectors of tests/vectors/export/ (docs/ledger.md, "Test
 * vectors") against the C code: every entry line parses and hashes to the
 * committed leaf hash, the RFC 9162 root at every size is the committed
 * one, every checkpoint note verifies with one of the two committed ledger
 * keys (one rotation) and no other, and export_verify accepts the export
 * with those keys and the committed checkpoints — and refuses it with one
 * key only, or against a checkpoint of a longer log. The same files are
 * checked by tools/verify-export.mjs in tests/scenario/test_export_tamper.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include "export_verify.h"
#include "ledger.h"
#include "merkle.h"
#include "note.h"

static char dir[4096];

static void
vector_path(const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static int
setup(void **unused)
{
	const char *env = getenv("PASSNUM_SOURCE_DIR");
	const char *bases[] = { env, ".", "..", "../..", "../../.." };

	(void)unused;
	if (sodium_init() < 0)
		return -1;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		char path[4200];
		if (bases[i] == NULL)
			continue;
		snprintf(dir, sizeof(dir), "%s/tests/vectors/export", bases[i]);
		vector_path("expected.json", path, sizeof(path));
		if (access(path, R_OK) == 0)
			return 0;
	}
	fprintf(stderr, "test_export_vectors: no tests/vectors/export (set PASSNUM_SOURCE_DIR)\n");
	return -1;
}

static json_t *
load_json(const char *name)
{
	char path[4200];
	json_t *j;

	vector_path(name, path, sizeof(path));
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	return j;
}

/* The export's lines as JSON objects (a JSON array). */
static json_t *
load_lines(void)
{
	char path[4200], line[65536];
	json_t *all = json_array();
	FILE *f;

	vector_path("export.jsonl", path, sizeof(path));
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j);
		json_array_append_new(all, j);
	}
	fclose(f);
	return all;
}

static size_t
load_vkeys(char names[2][NOTE_NAME_MAX + 1], uint8_t pubs[2][32])
{
	char path[4200], line[512];
	size_t n = 0;
	FILE *f;

	vector_path("vkeys.txt", path, sizeof(path));
	assert_non_null(f = fopen(path, "r"));
	while (n < 2 && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		assert_int_equal(note_vkey_parse(line, names[n], pubs[n]), 0);
		n++;
	}
	fclose(f);
	return n;
}

static void
hex32(const char *hex, uint8_t out[32])
{
	size_t len;

	assert_int_equal(sodium_hex2bin(out, 32, hex, strlen(hex), NULL, &len, NULL), 0);
	assert_int_equal(len, 32);
}

/* Entries: fields → canonical encoding → the committed leaf hash; the tree
 * of those leaves → the committed root at every size. */
static void
test_entries_and_roots(void **unused)
{
	json_t *lines = load_lines(), *expected = load_json("expected.json"), *line;
	json_t *leaves = json_object_get(expected, "leaf_hashes");
	json_t *roots = json_object_get(expected, "roots");
	struct merkle_state st;
	size_t i, n = 0;

	(void)unused;
	merkle_state_init(&st);
	json_array_foreach(lines, i, line) {
		struct ledger_entry entry;
		struct error e;
		uint8_t want[32], root[32];
		json_t *copy;
		if (strcmp(json_string_value(json_object_get(line, "type")), "entry") != 0)
			continue;
		copy = json_deep_copy(line);
		json_object_del(copy, "type");
		assert_int_equal(ledger_entry_from_json(copy, &entry, &e), 0);
		json_decref(copy);
		assert_int_equal(entry.seq, n);
		hex32(json_string_value(json_array_get(leaves, n)), want);
		assert_memory_equal(entry.leaf_hash, want, 32);
		assert_int_equal(merkle_state_append(&st, entry.leaf_hash, NULL, NULL), 0);
		merkle_state_root(&st, root);
		hex32(json_string_value(json_object_get(json_array_get(roots, n), "root")), want);
		assert_int_equal(json_integer_value(json_object_get(json_array_get(roots, n), "size")),
		    n + 1);
		assert_memory_equal(root, want, 32);
		n++;
	}
	assert_int_equal(n, json_integer_value(json_object_get(expected, "entries")));
	assert_true(n >= 3);
	json_decref(lines);
	json_decref(expected);
}

/* Every checkpoint line's note verifies with exactly one of the two keys
 * (the rotation: both keys sign some), for its size and root. */
static void
test_checkpoints_and_rotation(void **unused)
{
	char names[2][NOTE_NAME_MAX + 1];
	uint8_t pubs[2][32];
	json_t *lines = load_lines(), *line;
	int signed_by[2] = { 0, 0 };
	size_t i;

	(void)unused;
	assert_int_equal(load_vkeys(names, pubs), 2);
	json_array_foreach(lines, i, line) {
		const char *note = json_string_value(json_object_get(line, "note"));
		uint8_t root[32], want[32];
		uint64_t size;
		int ok = 0;
		if (strcmp(json_string_value(json_object_get(line, "type")), "checkpoint") != 0)
			continue;
		for (int k = 0; k < 2; k++)
			if (note_checkpoint_verify(note, strlen(note), names[k], names[k], pubs[k], &size,
			    root, NULL) == 0) {
				hex32(json_string_value(json_object_get(line, "root")), want);
				assert_memory_equal(root, want, 32);
				assert_int_equal(size, json_integer_value(json_object_get(line, "size")));
				signed_by[k]++;
				ok++;
			}
		assert_int_equal(ok, 1);
	}
	assert_true(signed_by[0] > 0 && signed_by[1] > 0);
	json_decref(lines);
}

/* export_verify (the C auditor) on the vector export. */
static int
run_verify(size_t nkeys, const struct export_outside *outside, size_t noutside,
    struct export_verify_result *r)
{
	char names[2][NOTE_NAME_MAX + 1], path[4200];
	uint8_t pubs[2][32];
	struct keys_ledger keys = { 0 };
	struct export_verify_options o = { &keys, NULL, outside, noutside };
	struct error e;
	int fd, rc;

	assert_int_equal(load_vkeys(names, pubs), 2);
	for (size_t k = 0; k < nkeys; k++) {
		struct key_info key = { .kind = KEY_LEDGER, .status = KEY_ACTIVE };
		memcpy(key.public_key, pubs[k + 2 - nkeys], 32);
		note_key_id(names[0], key.public_key, key.key_id);
		keys_ledger_add(&keys, &key);
	}
	o.origin = names[0];
	vector_path("export.jsonl", path, sizeof(path));
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	rc = export_verify(fd, &o, r, &e);
	close(fd);
	keys_ledger_free(&keys);
	return rc;
}

static void
test_export_verify(void **unused)
{
	json_t *expected = load_json("expected.json"), *roots = json_object_get(expected, "roots");
	struct export_verify_result r;
	struct export_outside outside[2];
	size_t n = json_array_size(roots);

	(void)unused;
	outside[0].size = n;
	hex32(json_string_value(json_object_get(json_array_get(roots, n - 1), "root")),
	    outside[0].root);
	outside[1].size = 2;
	hex32(json_string_value(json_object_get(json_array_get(roots, 1), "root")), outside[1].root);
	assert_int_equal(run_verify(2, outside, 2, &r), 0);
	assert_string_equal(r.failure, "");
	assert_int_equal(r.entries, n);
	assert_int_equal(r.header_keys, 0);
	/* The new key alone does not vouch for the checkpoints before the rotation. */
	assert_int_equal(run_verify(1, NULL, 0, &r), 1);
	assert_non_null(strstr(r.failure, "not signed by a ledger key given"));
	/* A checkpoint of a longer log: the export is a truncated one. */
	outside[0].size = n + 1;
	assert_int_equal(run_verify(2, outside, 1, &r), 1);
	assert_non_null(strstr(r.failure, "truncated"));
	/* Another root at a size it holds: another log. */
	outside[0].size = n;
	outside[0].root[0] ^= 1;
	assert_int_equal(run_verify(2, outside, 1, &r), 1);
	assert_non_null(strstr(r.failure, "not the same log"));
	json_decref(expected);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_and_roots),
		cmocka_unit_test(test_checkpoints_and_rotation),
		cmocka_unit_test(test_export_verify),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
