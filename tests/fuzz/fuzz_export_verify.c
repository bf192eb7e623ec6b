/* libFuzzer target: jsonl ledger exports as `passnum ledger verify --export`
 * reads them (lib/export_verify.c: the line reader, plain or gzip, the line
 * types and their order, the header's keys, the chart of accounts, the
 * entry parser, the tree and the checkpoint notes). The input is the file.
 * It is verified twice: with the header's keys, and with a fixed trusted
 * key (seed 0x11, origin vectors.example/ledger) and a trusted checkpoint
 * of size 1. export_verify never crashes and never fails to say why: 0
 * (verified: no failure text, no more entries than lines), 1 (a failure
 * text naming what) or -1 (unreadable, e set). A verified run with the
 * trusted checkpoint has at least one entry. Aborts on any violation. The
 * committed corpus holds the vector export (tests/vectors/export/). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sodium.h>
#include "export_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(int fd, const struct export_verify_options *o)
{
	struct export_verify_result r;
	struct error e = { 0 };
	int rc;

	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	rc = export_verify(fd, o, &r, &e);
	if (rc == 0 && (r.failure[0] != '\0' || r.entries > r.lines ||
	    (o->outside_count > 0 && r.entries == 0)))
		abort();
	if (rc == 1 && r.failure[0] == '\0')
		abort();
	if (rc == -1 && e.message[0] == '\0')
		abort();
	if (rc < -1 || rc > 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct keys_ledger keys;
	static int ready;
	struct export_outside outside = { .size = 1 };
	struct export_verify_options header = { NULL, NULL, NULL, 0 };
	struct export_verify_options trusted = { &keys, "vectors.example/ledger", &outside, 1 };
	static int fd = -1;

	if (!ready) {
		struct key_info key = { .kind = KEY_LEDGER, .status = KEY_ACTIVE };
		uint8_t seed[32], sk[64];
		if (sodium_init() < 0)
			abort();
		memset(seed, 0x11, sizeof(seed));
		if (crypto_sign_seed_keypair(key.public_key, sk, seed) != 0)
			abort();
		note_key_id("vectors.example/ledger", key.public_key, key.key_id);
		keys_ledger_add(&keys, &key);
		/* One file for every input, emptied and rewritten each time. */
		if ((fd = memfd_create("fuzz_export", MFD_CLOEXEC)) < 0)
			abort();
		ready = 1;
	}
	if (ftruncate(fd, 0) != 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	fuzz_check(fd, &header);
	fuzz_check(fd, &trusted);
	return 0;
}
