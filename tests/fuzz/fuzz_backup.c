/* libFuzzer target: a backup file as `passnum restore` reads it
 * (lib/backup.c): the input is written to a file, backup_probe reads its
 * header, and a backup without keys is restored into a new folder, which is
 * then removed. The checksum is not keyed, so a hostile file can carry a
 * right one: when the input's last byte is odd, its last 32 bytes are
 * replaced by the BLAKE2b of the rest before it is written, and the
 * mutations reach the database checks (db_check_foreign), the migrations,
 * the ledger's verification and the published checkpoint. The committed
 * corpus's backups hold databases of 512-byte pages (a home of schema 14
 * with 2 entries, one of schema 7, one of a single table), VACUUMed from
 * homes made by the CLI, so that an input is about 130 KB, not 540. The folders are made in /dev/shm when it exists (a memory
 * file system: the restore's fsyncs cost nothing there) and removed with
 * nftw, not a shell, so that a campaign runs thousands of inputs a second.
 * (A backup with keys would spend 128 MiB of Argon2id on each
 * input before its checksum could fail: those stop at the probe.)
 * Properties: nothing crashes; every refusal is a coded, one-line, valid
 * UTF-8 error; a refused restore leaves no home behind. Aborts on any
 * violation. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "backup.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_backup_refusal(const struct error *e)
{
	if (e->code == NULL || strchr(e->message, '\n') != NULL ||
	    !utf8_valid(e->message, strlen(e->message)))
		abort();
}

static int
fuzz_backup_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[64], file[96], home[96];
	struct backup_result r;
	struct stat st;
	struct error e;
	bool has_keys;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/fuzz-backup.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(file, sizeof(file), "%s/in.backup", dir);
	snprintf(home, sizeof(home), "%s/home", dir);
	if ((f = fopen(file, "wb")) == NULL)
		abort();
	if (size >= 32 && (data[size - 1] & 1) != 0) {
		uint8_t sum[32];
		crypto_generichash(sum, sizeof(sum), data, size - 32, NULL, 0);
		if (fwrite(data, 1, size - 32, f) != size - 32 || fwrite(sum, 1, 32, f) != 32)
			abort();
	} else if (fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();
	error_clear(&e);
	if (backup_probe(file, &has_keys, &e) != 0)
		fuzz_backup_refusal(&e);
	else if (!has_keys) {
		error_clear(&e);
		if (backup_restore(file, home, NULL, 0, NULL, &r, &e) != 0) {
			fuzz_backup_refusal(&e);
			if (stat(home, &st) == 0)
				abort(); /* a refused restore left a home */
		}
	}
	if (nftw(dir, fuzz_backup_remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		abort();
	return 0;
}
