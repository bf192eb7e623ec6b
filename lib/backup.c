/* Backups of a home: see backup.h. File layout (integers little-endian):
 *   "PNBKUP02"  u64 db_len  db_len bytes (the SQLite copy)
 *   u64 keys_len  keys_len bytes (0: no keys)
 *   u64 published_len  published_len bytes (the home's published-checkpoint
 *   note, 0: none)  32-byte BLAKE2b of all before.
 * "PNBKUP01" files (before the rollback guard) have no published part.
 * The keys part: salt[16] u64 opslimit u64 memlimit header[24] and one
 * secretstream message (TAG_FINAL, the magic as additional data) whose
 * plaintext is, per key file, u8 name_len, name, u32 data_len, data. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "audit.h"
#include "backup.h"
#include "checkpoint.h"
#include "clock.h"
#include "issuance.h"
#include "db.h"
#include "home.h"
#include "published.h"

#define BACKUP_MAGIC "PNBKUP02"
#define BACKUP_MAGIC_V1 "PNBKUP01"
#define BACKUP_MAGIC_LEN 8
#define BACKUP_PLAIN_MAX (256 * 1024) /* key files are 64 bytes each */
#define BACKUP_KEY_FILE_MAX 4096
#define BACKUP_SEAL_HEAD (crypto_pwhash_SALTBYTES + 16 + crypto_secretstream_xchacha20poly1305_HEADERBYTES)
#define BACKUP_OPSLIMIT crypto_pwhash_OPSLIMIT_MODERATE
#define BACKUP_MEMLIMIT (128u * 1024 * 1024)

/* A file being written or read while its BLAKE2b is computed. */
struct backup_stream {
	int fd;
	const char *path;
	crypto_generichash_state hash;
};

static void
backup_u64_put(unsigned char out[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		out[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
backup_u64_get(const unsigned char in[8])
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | in[i];
	return v;
}

/* Writes n bytes of p to s (hashing them). Returns 0 or -1 with e set. */
static int
backup_write(struct backup_stream *s, const void *p, size_t n, struct error *e)
{
	const unsigned char *at = p;
	ssize_t done;

	crypto_generichash_update(&s->hash, p, n);
	while (n > 0) {
		if ((done = write(s->fd, at, n)) < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return error_set(e, 503, "BACKUP_WRITE", "cannot write %s: %s", s->path, strerror(errno));
		at += done;
		n -= (size_t)done;
	}
	return 0;
}

/* Reads exactly n bytes from s into p (hashing them); a short file is a
 * damaged backup. Returns 0 or -1 with e set. */
static int
backup_read(struct backup_stream *s, void *p, size_t n, struct error *e)
{
	unsigned char *at = p;
	ssize_t got;

	while (n > 0) {
		if ((got = read(s->fd, at, n)) < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return error_set(e, 422, "BAD_BACKUP", "%s is cut short or unreadable: not a whole backup",
			    s->path);
		crypto_generichash_update(&s->hash, at, (size_t)got);
		at += got;
		n -= (size_t)got;
	}
	return 0;
}

/* Copies n bytes from in to out (either may be NULL-fd -1: only hashed). */
static int
backup_copy(struct backup_stream *in, struct backup_stream *out, uint64_t n, struct error *e)
{
	unsigned char buf[65536];
	size_t chunk;

	while (n > 0) {
		chunk = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		if (backup_read(in, buf, chunk, e) != 0 || (out != NULL && backup_write(out, buf, chunk, e) != 0))
			return -1;
		n -= chunk;
	}
	return 0;
}

/* Appends home_dir/keys/'s regular files to plain (BACKUP_PLAIN_MAX bytes)
 * as records; *len the bytes used, *count the files. */
static int
backup_keys_collect(const char *home_dir, unsigned char *plain, size_t *len, int *count,
    struct error *e)
{
	char dir[4200], path[4600];
	struct dirent *d;
	DIR *keys;
	ssize_t got;
	size_t name_len;
	int fd, rc = -1;

	*len = 0;
	*count = 0;
	snprintf(dir, sizeof(dir), "%s/keys", home_dir);
	if ((keys = opendir(dir)) == NULL)
		return error_set(e, 500, "KEY_FILE", "cannot read %s: %s", dir, strerror(errno));
	while ((d = readdir(keys)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		name_len = strlen(d->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (name_len > 255 || *len + 5 + name_len + BACKUP_KEY_FILE_MAX > BACKUP_PLAIN_MAX) {
			error_set(e, 500, "KEY_FILE", "too many or too long key files in %s", dir);
			goto done;
		}
		if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			error_set(e, 500, "KEY_FILE", "cannot open %s: %s", path, strerror(errno));
			goto done;
		}
		got = read(fd, plain + *len + 5 + name_len, BACKUP_KEY_FILE_MAX);
		close(fd);
		if (got <= 0 || got == BACKUP_KEY_FILE_MAX) {
			error_set(e, 500, "KEY_FILE", "cannot read %s (empty or over 4 KiB)", path);
			goto done;
		}
		plain[*len] = (unsigned char)name_len;
		memcpy(plain + *len + 1, d->d_name, name_len);
		for (int i = 0; i < 4; i++)
			plain[*len + 1 + name_len + i] = (unsigned char)((uint32_t)got >> (8 * i));
		*len += 5 + name_len + (size_t)got;
		(*count)++;
	}
	rc = 0;
done:
	closedir(keys);
	return rc;
}

/* Derives the 32-byte key for salt and limits from the passphrase. */
static int
backup_derive(unsigned char key[32], const char *pass, size_t len, const unsigned char *salt,
    uint64_t ops, uint64_t mem, struct error *e)
{
	if (crypto_pwhash(key, 32, pass, len, salt, ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return error_set(e, 503, "OUT_OF_MEMORY", "Argon2id needs %llu MiB of memory",
		    (unsigned long long)(mem >> 20));
	return 0;
}

/* Encrypts plain into a new buffer *sealed (malloc'd, *sealed_len bytes). */
static int
backup_seal(const unsigned char *plain, size_t len, const char *pass, size_t pass_len,
    unsigned char **sealed, size_t *sealed_len, struct error *e)
{
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char *key = sodium_malloc(32), *out;
	int rc = -1;

	*sealed_len = BACKUP_SEAL_HEAD + len + crypto_secretstream_xchacha20poly1305_ABYTES;
	if (key == NULL || (out = malloc(*sealed_len)) == NULL)
		abort();
	randombytes_buf(out, crypto_pwhash_SALTBYTES);
	backup_u64_put(out + crypto_pwhash_SALTBYTES, BACKUP_OPSLIMIT);
	backup_u64_put(out + crypto_pwhash_SALTBYTES + 8, BACKUP_MEMLIMIT);
	if (backup_derive(key, pass, pass_len, out, BACKUP_OPSLIMIT, BACKUP_MEMLIMIT, e) != 0) {
		free(out);
		goto done;
	}
	crypto_secretstream_xchacha20poly1305_init_push(&st, out + crypto_pwhash_SALTBYTES + 16, key);
	crypto_secretstream_xchacha20poly1305_push(&st, out + BACKUP_SEAL_HEAD, NULL, plain, len,
	    (const unsigned char *)BACKUP_MAGIC, BACKUP_MAGIC_LEN, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
	*sealed = out;
	rc = 0;
done:
	sodium_free(key);
	return rc;
}

/* Decrypts sealed into plain (BACKUP_PLAIN_MAX bytes, *len used). A wrong
 * passphrase or a changed byte: 403 BAD_PASSPHRASE. */
static int
backup_unseal(const unsigned char *sealed, size_t sealed_len, const char *pass, size_t pass_len,
    unsigned char *plain, size_t *len, struct error *e)
{
	crypto_secretstream_xchacha20poly1305_state st;
	uint64_t ops = backup_u64_get(sealed + crypto_pwhash_SALTBYTES);
	uint64_t mem = backup_u64_get(sealed + crypto_pwhash_SALTBYTES + 8);
	unsigned char *key = sodium_malloc(32), tag = 0;
	unsigned long long got = 0;
	int rc = -1;

	if (key == NULL)
		abort();
	if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > 16 || mem < crypto_pwhash_MEMLIMIT_MIN ||
	    mem > (1u << 30) || sealed_len - BACKUP_SEAL_HEAD - crypto_secretstream_xchacha20poly1305_ABYTES >
	    BACKUP_PLAIN_MAX) {
		error_set(e, 422, "BAD_BACKUP", "the backup's key part has impossible parameters");
		goto done;
	}
	if (backup_derive(key, pass, pass_len, sealed, ops, mem, e) != 0)
		goto done;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&st, sealed + crypto_pwhash_SALTBYTES + 16, key) != 0 ||
	    crypto_secretstream_xchacha20poly1305_pull(&st, plain, &got, &tag, sealed + BACKUP_SEAL_HEAD,
	    sealed_len - BACKUP_SEAL_HEAD, (const unsigned char *)BACKUP_MAGIC, BACKUP_MAGIC_LEN) != 0 ||
	    tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		error_set(e, 403, "BAD_PASSPHRASE", "wrong passphrase: the backup's keys cannot be decrypted");
		goto done;
	}
	*len = (size_t)got;
	rc = 0;
done:
	sodium_free(key);
	return rc;
}

/* Opens the database at path read-only and verifies it (audit_verify). */
static int
backup_verify(const char *path, uint64_t *entries, struct error *e)
{
	struct audit_result r;
	struct db *db;
	int rc;

	if (db_open(&db, path, DB_OPEN_READONLY, e) != 0)
		return -1;
	rc = audit_verify(db, &r, NULL, NULL, e);
	db_close(db);
	if (rc == 1)
		return error_set(e, 422, "COPY_BROKEN", "the copy does not verify: %s", r.failure);
	*entries = r.entries;
	return rc;
}

/* Syncs the folder holding path (after a link or a new file in it). */
static void
backup_sync_dir(const char *path)
{
	char dir[4200];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Writes the container at tmp: magic, the copy at db_path, the sealed keys. */
static int
backup_write_file(int fd, const char *tmp, const char *db_path, const unsigned char *sealed,
    size_t sealed_len, const struct published *pub, struct error *e)
{
	struct backup_stream out = { fd, tmp, { { 0 } } }, in = { -1, db_path, { { 0 } } };
	unsigned char u64[8], sum[32];
	struct stat st;
	int rc = -1;

	crypto_generichash_init(&out.hash, NULL, 0, sizeof(sum));
	crypto_generichash_init(&in.hash, NULL, 0, sizeof(sum));
	if ((in.fd = open(db_path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(in.fd, &st) != 0) {
		error_set(e, 500, "BACKUP_FAILED", "cannot read the copy %s: %s", db_path, strerror(errno));
		goto done;
	}
	backup_u64_put(u64, (uint64_t)st.st_size);
	if (backup_write(&out, BACKUP_MAGIC, BACKUP_MAGIC_LEN, e) != 0 || backup_write(&out, u64, 8, e) != 0 ||
	    backup_copy(&in, &out, (uint64_t)st.st_size, e) != 0)
		goto done;
	backup_u64_put(u64, sealed_len);
	if (backup_write(&out, u64, 8, e) != 0 || (sealed_len > 0 &&
	    backup_write(&out, sealed, sealed_len, e) != 0))
		goto done;
	backup_u64_put(u64, pub->known ? pub->len : 0);
	if (backup_write(&out, u64, 8, e) != 0 || (pub->known &&
	    backup_write(&out, pub->note, pub->len, e) != 0))
		goto done;
	crypto_generichash_final(&out.hash, sum, sizeof(sum));
	if (write(fd, sum, sizeof(sum)) != (ssize_t)sizeof(sum) || fsync(fd) != 0) {
		error_set(e, 503, "BACKUP_WRITE", "cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (in.fd >= 0)
		close(in.fd);
	return rc;
}

/* The home's published checkpoint, brought up to its latest checkpoint
 * first (published_sync). */
static int
backup_published(struct db *db, const char *home_dir, struct published *pub, struct error *e)
{
	struct operator_info op;
	char path[4200];

	snprintf(path, sizeof(path), "%s/" PUBLISHED_FILE, home_dir);
	if (published_sync(db, home_dir, e) != 0 || home_operator(db, &op, e) != 0)
		return -1;
	return published_read(path, op.origin, pub, e);
}

/* The keys part of a new backup, or none without a passphrase. */
static int
backup_keys_part(const char *home_dir, const char *pass, size_t pass_len, unsigned char **sealed,
    size_t *sealed_len, int *count, struct error *e)
{
	unsigned char *plain;
	size_t len;
	int rc;

	*sealed = NULL;
	*sealed_len = 0;
	*count = 0;
	if (pass == NULL)
		return 0;
	if ((plain = sodium_malloc(BACKUP_PLAIN_MAX)) == NULL)
		abort();
	rc = backup_keys_collect(home_dir, plain, &len, count, e) == 0 &&
	    backup_seal(plain, len, pass, pass_len, sealed, sealed_len, e) == 0 ? 0 : -1;
	sodium_free(plain);
	return rc;
}

int
backup_create(struct db *db, const char *home_dir, const char *file, const char *passphrase,
    size_t len, struct backup_result *r, struct error *e)
{
	char db_tmp[4200], tmp[4200];
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	struct published pub;
	struct stat st;
	int fd = -1, db_fd, rc = -1;

	memset(r, 0, sizeof(*r));
	tmp[0] = '\0';
	if (lstat(file, &st) == 0)
		return error_set(e, 409, "FILE_EXISTS", "%s already exists: refusing to replace it", file);
	if (backup_published(db, home_dir, &pub, e) != 0)
		return -1;
	if (snprintf(db_tmp, sizeof(db_tmp), "%s.db-XXXXXX", file) >= (int)sizeof(db_tmp) ||
	    (db_fd = mkstemp(db_tmp)) < 0)
		return error_set(e, 503, "BACKUP_WRITE", "cannot create a file beside %s: %s", file, strerror(errno));
	close(db_fd);
	if (db_backup_to(db, db_tmp, 256, NULL, NULL, e) != 0 || backup_verify(db_tmp, &r->entries, e) != 0 ||
	    backup_keys_part(home_dir, passphrase, len, &sealed, &sealed_len, &r->keys, e) != 0)
		goto done;
	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", file);
	if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, 0600) != 0) {
		error_set(e, 503, "BACKUP_WRITE", "cannot create %s: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		goto done;
	}
	if (backup_write_file(fd, tmp, db_tmp, sealed, sealed_len, &pub, e) != 0)
		goto done;
	if (link(tmp, file) != 0) {
		error_set(e, errno == EEXIST ? 409 : 503, errno == EEXIST ? "FILE_EXISTS" : "BACKUP_WRITE",
		    "cannot create %s: %s", file, strerror(errno));
		goto done;
	}
	backup_sync_dir(file);
	r->db_bytes = stat(db_tmp, &st) == 0 ? (uint64_t)st.st_size : 0;
	r->published_size = pub.known ? pub.size : 0;
	r->published_known = pub.known;
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	unlink(db_tmp);
	free(sealed);
	return rc;
}

/* A backup read into memory except its database: where the database is
 * (offset 16, db_len bytes) and the sealed keys. */
struct backup_parsed {
	uint64_t db_len;
	unsigned char *sealed; /* malloc'd, NULL without keys */
	size_t sealed_len;
	char published[NOTE_CHECKPOINT_MAX]; /* the published note (PNBKUP02), not NUL-ended */
	size_t published_len;                /* 0: none */
};

/* Reads file whole once: magic, lengths, the keys part, the checksum. */
static int
backup_parse(const char *file, struct backup_parsed *p, struct error *e)
{
	struct backup_stream in = { -1, file, { { 0 } } };
	unsigned char head[BACKUP_MAGIC_LEN + 8], u64[8], sum[32], want[32], extra;
	struct stat st;
	uint64_t keys_len, published_len;
	bool v1;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	crypto_generichash_init(&in.hash, NULL, 0, sizeof(sum));
	if ((in.fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(in.fd, &st) != 0) {
		error_set(e, 404, "NO_BACKUP", "cannot open %s: %s", file, strerror(errno));
		goto done;
	}
	if (backup_read(&in, head, sizeof(head), e) != 0 || (memcmp(head, BACKUP_MAGIC, BACKUP_MAGIC_LEN) != 0 &&
	    memcmp(head, BACKUP_MAGIC_V1, BACKUP_MAGIC_LEN) != 0)) {
		error_set(e, 422, "BAD_BACKUP", "%s is not a passnum backup", file);
		goto done;
	}
	v1 = memcmp(head, BACKUP_MAGIC_V1, BACKUP_MAGIC_LEN) == 0;
	p->db_len = backup_u64_get(head + BACKUP_MAGIC_LEN);
	if (p->db_len > (uint64_t)st.st_size || backup_copy(&in, NULL, p->db_len, e) != 0 ||
	    backup_read(&in, u64, 8, e) != 0)
		goto damaged;
	keys_len = backup_u64_get(u64);
	if (keys_len != 0 && (keys_len < BACKUP_SEAL_HEAD + crypto_secretstream_xchacha20poly1305_ABYTES ||
	    keys_len > BACKUP_PLAIN_MAX + BACKUP_SEAL_HEAD + crypto_secretstream_xchacha20poly1305_ABYTES))
		goto damaged;
	if (keys_len != 0 && ((p->sealed = malloc(keys_len)) == NULL ||
	    backup_read(&in, p->sealed, keys_len, e) != 0))
		goto damaged;
	p->sealed_len = keys_len;
	if (!v1 && backup_read(&in, u64, 8, e) != 0)
		goto damaged;
	published_len = v1 ? 0 : backup_u64_get(u64);
	if (published_len >= sizeof(p->published) ||
	    (published_len > 0 && backup_read(&in, p->published, (size_t)published_len, e) != 0))
		goto damaged;
	p->published_len = (size_t)published_len;
	crypto_generichash_final(&in.hash, want, sizeof(want));
	if (read(in.fd, sum, sizeof(sum)) != (ssize_t)sizeof(sum) || read(in.fd, &extra, 1) != 0 ||
	    sodium_memcmp(sum, want, sizeof(sum)) != 0)
		goto damaged;
	rc = 0;
	goto done;
damaged:
	error_set(e, 422, "BAD_BACKUP", "%s is damaged (its checksum or lengths do not match)", file);
done:
	if (rc != 0) {
		free(p->sealed);
		p->sealed = NULL;
	}
	if (in.fd >= 0)
		close(in.fd);
	return rc;
}

int
backup_probe(const char *file, bool *has_keys, struct error *e)
{
	struct backup_parsed p;

	if (backup_parse(file, &p, e) != 0)
		return -1;
	*has_keys = p.sealed != NULL;
	free(p.sealed);
	return 0;
}

/* Makes home_dir ready: created 0700 when missing (*created), else it must
 * be an empty folder — or hold only published-checkpoint (the rollback
 * guard's record of the home being replaced, published.h). */
static int
backup_home_ready(const char *home_dir, bool *created, struct error *e)
{
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	*created = false;
	if (mkdir(home_dir, 0700) == 0) {
		*created = true;
		return 0;
	}
	if (errno != EEXIST || (dir = opendir(home_dir)) == NULL)
		return error_set(e, 409, "HOME_NOT_EMPTY", "cannot use %s as a new home: %s", home_dir,
		    errno == EEXIST ? "not a folder" : strerror(errno));
	while (rc == 0 && (d = readdir(dir)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0 &&
		    strcmp(d->d_name, PUBLISHED_FILE) != 0)
			rc = error_set(e, 409, "HOME_NOT_EMPTY", "%s is not empty: restore only into an empty or new"
			    " home", home_dir);
	closedir(dir);
	return rc;
}

/* Removes what a failed restore wrote into home_dir (empty before). */
static void
backup_home_undo(const char *home_dir, bool created)
{
	static const char *const files[] = { "passnum.db", "passnum.db-wal", "passnum.db-shm",
		"passnum.db-journal" };
	char path[4600];
	struct dirent *d;
	DIR *dir;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", home_dir, files[i]);
		unlink(path);
	}
	/* keys/, and backups/ (the copy db_open makes before upgrading an older backup) */
	for (int sub = 0; sub < 2; sub++) {
		const char *name = sub == 0 ? "keys" : "backups";
		snprintf(path, sizeof(path), "%s/%s", home_dir, name);
		if ((dir = opendir(path)) == NULL)
			continue;
		while ((d = readdir(dir)) != NULL) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", home_dir, name, d->d_name);
			unlink(path);
		}
		closedir(dir);
		snprintf(path, sizeof(path), "%s/%s", home_dir, name);
		rmdir(path);
	}
	if (created)
		rmdir(home_dir);
}

/* Creates path (0600, new) holding n bytes of data, synced. */
static int
backup_new_file(const char *path, const void *data, size_t n, struct error *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return error_set(e, 503, "RESTORE_WRITE", "cannot create %s: %s", path, strerror(errno));
	if (write(fd, data, n) != (ssize_t)n || fsync(fd) != 0) {
		close(fd);
		return error_set(e, 503, "RESTORE_WRITE", "cannot write %s: %s", path, strerror(errno));
	}
	close(fd);
	return 0;
}

/* Writes the key records of plain (len bytes) into home_dir/keys/. */
static int
backup_keys_write(const char *home_dir, const unsigned char *plain, size_t len, int *count,
    struct error *e)
{
	char path[4600], name[256];
	size_t at = 0, name_len;
	uint32_t data_len;

	snprintf(path, sizeof(path), "%s/keys", home_dir);
	if (mkdir(path, 0700) != 0)
		return error_set(e, 503, "RESTORE_WRITE", "cannot create %s: %s", path, strerror(errno));
	for (*count = 0; at < len; (*count)++) {
		name_len = plain[at];
		if (at + 5 + name_len > len)
			return error_set(e, 422, "BAD_BACKUP", "the backup's key part is malformed");
		memcpy(name, plain + at + 1, name_len);
		name[name_len] = '\0';
		data_len = 0;
		for (int i = 3; i >= 0; i--)
			data_len = data_len << 8 | plain[at + 1 + name_len + (size_t)i];
		if (name_len == 0 || name[0] == '.' || strchr(name, '/') != NULL ||
		    at + 5 + name_len + data_len > len)
			return error_set(e, 422, "BAD_BACKUP", "the backup's key part is malformed");
		snprintf(path, sizeof(path), "%s/keys/%s", home_dir, name);
		if (backup_new_file(path, plain + at + 5 + name_len, data_len, e) != 0)
			return -1;
		at += 5 + name_len + data_len;
	}
	return 0;
}

/* Copies the database part of file into home_dir/passnum.db. */
static int
backup_db_write(const char *file, uint64_t db_len, const char *home_dir, struct error *e)
{
	char path[4600];
	struct backup_stream in = { -1, file, { { 0 } } }, out = { -1, path, { { 0 } } };
	int rc = -1;

	crypto_generichash_init(&in.hash, NULL, 0, 32);
	crypto_generichash_init(&out.hash, NULL, 0, 32);
	snprintf(path, sizeof(path), "%s/passnum.db", home_dir);
	if ((in.fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 ||
	    lseek(in.fd, BACKUP_MAGIC_LEN + 8, SEEK_SET) < 0 ||
	    (out.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		error_set(e, 503, "RESTORE_WRITE", "cannot copy %s into %s: %s", file, path, strerror(errno));
		goto done;
	}
	if (backup_copy(&in, &out, db_len, e) != 0)
		goto done;
	if (fsync(out.fd) != 0) {
		error_set(e, 503, "RESTORE_WRITE", "cannot sync %s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (in.fd >= 0)
		close(in.fd);
	if (out.fd >= 0)
		close(out.fd);
	return rc;
}

/* The largest published checkpoint known to a restore: the backup's, the
 * one already in the target folder, the one given (guard->published_file). */
static int
backup_known_published(struct db *db, const struct backup_parsed *p, const char *home_dir,
    const struct backup_guard *guard, struct published *best, struct error *e)
{
	struct operator_info op;
	struct published other;
	char path[4200];

	memset(best, 0, sizeof(*best));
	if (home_operator(db, &op, e) != 0)
		return -1;
	if (p->published_len > 0 && published_parse(p->published, p->published_len, op.origin, best, e) != 0)
		return error_set(e, 422, "BAD_BACKUP", "the backup's published checkpoint is malformed");
	snprintf(path, sizeof(path), "%s/" PUBLISHED_FILE, home_dir);
	if (published_read(path, op.origin, &other, e) != 0)
		return -1;
	published_max(best, &other);
	if (guard != NULL && guard->published_file != NULL) {
		if (published_read(guard->published_file, op.origin, &other, e) != 0)
			return -1;
		if (!other.known)
			return error_set(e, 404, "NO_PUBLISHED", "cannot read %s", guard->published_file);
		published_max(best, &other);
	}
	return 0;
}

/* The restore's write transaction: the purge of old hand-outs (a backup
 * never brings purged records back) and, when accepted, the rollback
 * statement. */
struct backup_finish {
	const struct published *published;
	const char *home_dir, *reason; /* reason NULL: no rollback */
	struct checkpoint made;
	int64_t purged;
};

static int
backup_finish_work(struct db *db, void *ctx, struct error *e)
{
	struct backup_finish *f = ctx;
	int64_t now = clock_now();

	if (issuance_purge_handouts(db, clock_local_day(now, CLOCK_TZ_PARIS), &f->purged, e) != 0)
		return -1;
	return f->reason == NULL ? 0 : published_accept(db, f->home_dir, f->published, f->reason, now,
	    &f->made, e);
}

/* Opens the restored home (which upgrades and configures it), verifies it,
 * checks it against the largest published checkpoint known, purges old
 * hand-outs and, when guard accepts it, records the rollback; then writes
 * the home's published-checkpoint. */
static int
backup_home_finish(const char *home_dir, const struct backup_parsed *p,
    const struct backup_guard *guard, struct backup_result *r, struct error *e)
{
	struct backup_finish f = { NULL, home_dir, NULL, { 0 }, 0 };
	struct audit_result ar;
	struct published best, made;
	struct operator_info op;
	struct error refusal;
	struct home home;
	char path[4600];
	int rc = -1;

	/* The checksum proves nothing about who made the file: its database
	 * must be passnum's, tables and all, before anything reads it. */
	snprintf(path, sizeof(path), "%s/passnum.db", home_dir);
	if (db_check_foreign(path, "the backup's database", e) != 0 || home_open(&home, home_dir, e) != 0)
		return -1;
	if ((rc = audit_verify(home.db, &ar, NULL, NULL, e)) == 1)
		error_set(e, 422, "COPY_BROKEN", "the restored ledger does not verify: %s", ar.failure);
	if (rc != 0 || (rc = backup_known_published(home.db, p, home_dir, guard, &best, e)) != 0)
		goto done;
	r->entries = ar.entries;
	f.published = &best;
	if (published_check(home.db, &best, &refusal) != 0) {
		if (guard == NULL || guard->accept_reason == NULL) {
			*e = refusal;
			rc = -1;
			goto done;
		}
		f.reason = guard->accept_reason;
	}
	if ((rc = db_write(home.db, DB_BUSY_DEFAULT, backup_finish_work, &f, e)) != 0)
		goto done;
	r->purged = f.purged;
	if (f.reason != NULL) {
		r->rolled_back = true;
		r->rolled_back_from = best.size;
		if ((rc = home_operator(home.db, &op, e)) != 0 ||
		    (rc = published_from_checkpoint(&f.made, op.origin, &made, e)) != 0)
			goto done;
		best = made;
	}
	r->published_known = best.known;
	r->published_size = best.size;
	if (best.known)
		rc = published_write(home_dir, &best, e);
	else
		rc = published_sync(home.db, home_dir, e);
done:
	home_close(&home);
	return rc;
}

int
backup_restore(const char *file, const char *home_dir, const char *passphrase, size_t len,
    const struct backup_guard *guard, struct backup_result *r, struct error *e)
{
	struct backup_parsed p;
	unsigned char *plain = NULL;
	size_t plain_len = 0;
	bool created = false, ready = false;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (guard != NULL && guard->accept_reason != NULL && published_reason_check(guard->accept_reason, e) != 0)
		return -1;
	if (backup_parse(file, &p, e) != 0)
		return -1;
	if (p.sealed != NULL && passphrase == NULL) {
		error_set(e, 400, "PASSPHRASE_NEEDED", "%s holds encrypted keys: a passphrase is needed", file);
		goto done;
	}
	if (p.sealed != NULL && ((plain = sodium_malloc(BACKUP_PLAIN_MAX)) == NULL ||
	    backup_unseal(p.sealed, p.sealed_len, passphrase, len, plain, &plain_len, e) != 0))
		goto done;
	if (backup_home_ready(home_dir, &created, e) != 0)
		goto done;
	ready = true;
	if (backup_db_write(file, p.db_len, home_dir, e) != 0 ||
	    (plain != NULL && backup_keys_write(home_dir, plain, plain_len, &r->keys, e) != 0) ||
	    backup_home_finish(home_dir, &p, guard, r, e) != 0)
		goto done;
	backup_sync_dir(home_dir);
	r->db_bytes = p.db_len;
	rc = 0;
done:
	if (rc != 0 && ready)
		backup_home_undo(home_dir, created);
	if (plain != NULL)
		sodium_free(plain);
	free(p.sealed);
	return rc;
}
