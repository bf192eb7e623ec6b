/* A C2SP tlog-witness: state, files and the add-checkpoint rules. See
 * witness.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "b64.h"
#include "hash.h"
#include "witness.h"

#define WITNESS_B64 sodium_base64_VARIANT_ORIGINAL
#define WITNESS_FILE_MAX (WITNESS_NOTE_MAX + 2048)

static const char witness_magic[] = "passnum-witness-log 1\n";

/* An origin: 1..NOTE_NAME_MAX printable ASCII bytes (spaces allowed), as
 * note_checkpoint_format writes them. */
int
witness_origin_ok(const char *origin)
{
	size_t len = strnlen(origin, NOTE_NAME_MAX + 1);

	if (len == 0 || len > NOTE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (origin[i] < ' ' || origin[i] >= 0x7f)
			return 0;
	return 1;
}

/* Writes len bytes to path through path.tmp, synced, renamed, the folder
 * synced. mode for a new file. */
static int
witness_write_atomic(const char *dir, const char *path, const void *data, size_t len,
    struct error *e)
{
	char tmp[4300];
	int fd, dfd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(e, 500, "WITNESS_STORE", "cannot write %s: %s", tmp, strerror(errno));
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		error_set(e, 500, "WITNESS_STORE", "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		error_set(e, 500, "WITNESS_STORE", "cannot rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) != 0) {
		if (dfd >= 0)
			close(dfd);
		return error_set(e, 500, "WITNESS_STORE", "cannot sync %s: %s", dir, strerror(errno));
	}
	close(dfd);
	return 0;
}

static void
witness_log_path(const char *dir, const struct witness_log *log, char *path, size_t size)
{
	char hex[65];

	sodium_bin2hex(hex, sizeof(hex), log->origin_hash, sizeof(log->origin_hash));
	snprintf(path, size, "%s/logs/%s.log", dir, hex);
}

/* The text of a log's file. */
static int
witness_log_text(const struct witness_log *log, char *out, size_t cap, size_t *len,
    struct error *e)
{
	char root[sodium_base64_ENCODED_LEN(MERKLE_HASH_SIZE, WITNESS_B64)];
	int n;

	sodium_bin2base64(root, sizeof(root), log->root, MERKLE_HASH_SIZE, WITNESS_B64);
	n = snprintf(out, cap, "%sorigin %s\nvkey %s\nsize %llu\nroot %s\n%s%s", witness_magic,
	    log->origin, log->vkey, (unsigned long long)log->size, root,
	    log->note[0] != '\0' ? "\n" : "", log->note);
	if (n < 0 || (size_t)n >= cap)
		return error_set(e, 500, "WITNESS_STORE", "log state does not fit its buffer");
	*len = (size_t)n;
	return 0;
}

/* Stores log's state in dir (atomically). */
static int
witness_log_save(const char *dir, const struct witness_log *log, struct error *e)
{
	char path[4200], logs[4200], *text = malloc(WITNESS_FILE_MAX);
	size_t len = 0;
	int rc;

	if (text == NULL)
		abort();
	witness_log_path(dir, log, path, sizeof(path));
	snprintf(logs, sizeof(logs), "%s/logs", dir);
	rc = witness_log_text(log, text, WITNESS_FILE_MAX, &len, e) == 0 &&
	    witness_write_atomic(logs, path, text, len, e) == 0 ? 0 : -1;
	free(text);
	return rc;
}

/* Fills a new log (no checkpoint yet) from origin and the log's vkey. */
static int
witness_log_new(struct witness_log *log, const char *origin, const char *vkey, struct error *e)
{
	memset(log, 0, sizeof(*log));
	if (!witness_origin_ok(origin))
		return error_set(e, 400, "BAD_ORIGIN", "the origin is 1 to %d printable ASCII characters",
		    NOTE_NAME_MAX);
	if (strlen(vkey) >= sizeof(log->vkey) || note_vkey_parse(vkey, log->key_name, log->pub) != 0)
		return error_set(e, 400, "BAD_KEY", "--vkey is not a log's C2SP verifier key (Ed25519)");
	snprintf(log->origin, sizeof(log->origin), "%s", origin);
	snprintf(log->vkey, sizeof(log->vkey), "%s", vkey);
	hash_sha256(log->origin_hash, origin, strlen(origin));
	merkle_empty_root(log->root);
	return 0;
}

/* Reads "<key> <value>\n" at *p into value (cap bytes). */
static int
witness_field(const char **p, const char *end, const char *key, char *value, size_t cap)
{
	size_t klen = strlen(key);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (nl == NULL || (size_t)(nl - *p) <= klen + 1 || memcmp(*p, key, klen) != 0 ||
	    (*p)[klen] != ' ' || (size_t)(nl - *p - klen - 1) >= cap)
		return -1;
	memcpy(value, *p + klen + 1, (size_t)(nl - *p - klen - 1));
	value[nl - *p - klen - 1] = '\0';
	*p = nl + 1;
	return 0;
}

/* Parses a log file's text (see witness.h) into log. */
static int
witness_log_parse(struct witness_log *log, const char *text, size_t len)
{
	char origin[NOTE_NAME_MAX + 1], vkey[NOTE_VKEY_MAX], size[24], root[64];
	const char *p = text + sizeof(witness_magic) - 1, *end = text + len;
	char *stop;

	if (len < sizeof(witness_magic) - 1 || memcmp(text, witness_magic, sizeof(witness_magic) - 1) != 0 ||
	    witness_field(&p, end, "origin", origin, sizeof(origin)) != 0 ||
	    witness_field(&p, end, "vkey", vkey, sizeof(vkey)) != 0 ||
	    witness_field(&p, end, "size", size, sizeof(size)) != 0 ||
	    witness_field(&p, end, "root", root, sizeof(root)) != 0 ||
	    witness_log_new(log, origin, vkey, NULL) != 0)
		return -1;
	errno = 0;
	log->size = strtoull(size, &stop, 10);
	if (errno != 0 || *stop != '\0' || size[0] < '0' || size[0] > '9' ||
	    b64_decode_exact(root, strlen(root), B64_STANDARD, log->root, MERKLE_HASH_SIZE) != 0)
		return -1;
	if (p < end) {
		if (*p != '\n' || (size_t)(end - p - 1) >= sizeof(log->note))
			return -1;
		memcpy(log->note, p + 1, (size_t)(end - p - 1));
		log->note[end - p - 1] = '\0';
	}
	return 0;
}

/* Reads a whole small file into buf (cap bytes, NUL-terminated). */
static int
witness_read_file(const char *path, char *buf, size_t cap, size_t *len, int secret,
    struct error *e)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	ssize_t got;

	if (fd < 0)
		return error_set(e, 500, "WITNESS_FILE", "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || (secret && (st.st_mode & 077) != 0)) {
		close(fd);
		return error_set(e, 500, "WITNESS_FILE", "%s must be readable by its owner only (mode"
		    " 0600)", path);
	}
	got = read(fd, buf, cap - 1);
	close(fd);
	if (got < 0 || (size_t)got >= cap - 1)
		return error_set(e, 500, "WITNESS_FILE", "cannot read %s (or larger than %zu bytes)",
		    path, cap - 2);
	buf[got] = '\0';
	*len = (size_t)got;
	return 0;
}

/* Takes witness.lock in dir (non-blocking); returns the fd or -1. */
static int
witness_lock(const char *dir, struct error *e)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/witness.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(e, 500, "WITNESS_FILE", "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return error_set(e, 409, "WITNESS_BUSY", "a witness is serving %s: stop it first", dir);
	}
	return fd;
}

int
witness_init(const char *dir, const char *name, char vkey[NOTE_VKEY_MAX], struct error *e)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES] = { 0 }, sk[crypto_sign_SECRETKEYBYTES];
	char path[4200], conf[NOTE_NAME_MAX + 16];
	int fd, rc = -1;

	vkey[0] = '\0';
	if (cosignature_key_id(name, pk, (uint8_t[4]){ 0 }) != 0)
		return error_set(e, 400, "BAD_NAME", "a witness name is 1 to %d printable ASCII"
		    " characters, no space or '+' (e.g. witness.example.org/funder)", NOTE_NAME_MAX);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return error_set(e, 400, "BAD_DIR", "cannot create %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/logs", dir);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return error_set(e, 400, "BAD_DIR", "cannot create %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/witness.key", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(e, 409, errno == EEXIST ? "WITNESS_EXISTS" : "BAD_DIR",
		    "cannot create %s: %s", path, strerror(errno));
	crypto_sign_keypair(pk, sk);
	if (write(fd, sk, sizeof(sk)) != (ssize_t)sizeof(sk) || fsync(fd) != 0) {
		error_set(e, 500, "WITNESS_FILE", "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto done;
	}
	close(fd);
	snprintf(conf, sizeof(conf), "name %s\n", name);
	snprintf(path, sizeof(path), "%s/witness.conf", dir);
	if (witness_write_atomic(dir, path, conf, strlen(conf), e) != 0)
		goto done;
	cosignature_vkey_format(name, pk, vkey);
	rc = 0;
done:
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

int
witness_add_log(const char *dir, const char *origin, const char *vkey, struct error *e)
{
	struct witness_log *log = malloc(sizeof(*log));
	char path[4200];
	struct stat st;
	int lock, rc = -1;

	if (log == NULL)
		abort();
	if (witness_log_new(log, origin, vkey, e) != 0)
		goto done;
	snprintf(path, sizeof(path), "%s/witness.conf", dir);
	if (stat(path, &st) != 0) {
		error_set(e, 404, "NO_WITNESS", "%s holds no witness (passnum witness init)", dir);
		goto done;
	}
	if ((lock = witness_lock(dir, e)) < 0)
		goto done;
	witness_log_path(dir, log, path, sizeof(path));
	if (lstat(path, &st) == 0)
		error_set(e, 409, "LOG_EXISTS", "the witness follows %s already", origin);
	else
		rc = witness_log_save(dir, log, e);
	close(lock);
done:
	free(log);
	return rc;
}

/* Loads every logs/<hash>.log of w->dir. */
static int
witness_load_logs(struct witness *w, struct error *e)
{
	char path[4400], *text = malloc(WITNESS_FILE_MAX);
	struct dirent *d;
	size_t len;
	DIR *dir;
	int rc = -1;

	if (text == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/logs", w->dir);
	if ((dir = opendir(path)) == NULL) {
		free(text);
		return error_set(e, 500, "WITNESS_FILE", "cannot read %s: %s", path, strerror(errno));
	}
	while ((d = readdir(dir)) != NULL) {
		size_t n = strlen(d->d_name);
		if (n != 68 || strcmp(d->d_name + 64, ".log") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/logs/%s", w->dir, d->d_name);
		if ((w->logs = realloc(w->logs, (w->count + 1) * sizeof(*w->logs))) == NULL)
			abort();
		if (witness_read_file(path, text, WITNESS_FILE_MAX, &len, 0, e) != 0)
			goto done;
		if (witness_log_parse(&w->logs[w->count], text, len) != 0) {
			error_set(e, 500, "WITNESS_FILE", "%s is damaged", path);
			goto done;
		}
		w->count++;
	}
	rc = 0;
done:
	closedir(dir);
	free(text);
	return rc;
}

int
witness_open(struct witness *w, const char *dir, bool serve, struct error *e)
{
	char path[4200], conf[NOTE_NAME_MAX + 16];
	size_t len;
	char *nl;
	int n;

	memset(w, 0, sizeof(*w));
	w->lock_fd = -1;
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/witness.conf", dir);
	if (access(path, F_OK) != 0)
		return error_set(e, 404, "NO_WITNESS", "%s holds no witness (passnum witness init)", dir);
	if (witness_read_file(path, conf, sizeof(conf), &len, 0, e) != 0)
		return -1;
	if (strncmp(conf, "name ", 5) != 0 || (nl = strchr(conf, '\n')) == NULL)
		return error_set(e, 500, "WITNESS_FILE", "%s is damaged", path);
	*nl = '\0';
	n = snprintf(w->name, sizeof(w->name), "%s", conf + 5);
	if (n < 0 || (size_t)n >= sizeof(w->name))
		return error_set(e, 500, "WITNESS_FILE", "%s is damaged", path);
	snprintf(path, sizeof(path), "%s/witness.key", dir);
	if (witness_read_file(path, (char *)w->sk, sizeof(w->sk) + 2, &len, 1, e) != 0 ||
	    len != sizeof(w->sk) || cosignature_key_id(w->name, w->sk + 32, (uint8_t[4]){ 0 }) != 0) {
		if (e != NULL && e->code == NULL)
			error_set(e, 500, "WITNESS_FILE", "%s is damaged", path);
		witness_close(w);
		return -1;
	}
	if ((serve && (w->lock_fd = witness_lock(dir, e)) < 0) || witness_load_logs(w, e) != 0) {
		witness_close(w);
		return -1;
	}
	return 0;
}

void
witness_memory(struct witness *w, const char *name, const uint8_t sk[NOTE_SECRET_KEY_SIZE])
{
	memset(w, 0, sizeof(*w));
	w->lock_fd = -1;
	snprintf(w->name, sizeof(w->name), "%s", name);
	memcpy(w->sk, sk, NOTE_SECRET_KEY_SIZE);
}

int
witness_memory_add_log(struct witness *w, const char *origin, const char *vkey, struct error *e)
{
	if ((w->logs = realloc(w->logs, (w->count + 1) * sizeof(*w->logs))) == NULL)
		abort();
	if (witness_log_new(&w->logs[w->count], origin, vkey, e) != 0)
		return -1;
	w->count++;
	return 0;
}

void
witness_close(struct witness *w)
{
	sodium_memzero(w->sk, sizeof(w->sk));
	free(w->logs);
	w->logs = NULL;
	w->count = 0;
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	w->lock_fd = -1;
}

int
witness_vkey(const struct witness *w, char vkey[NOTE_VKEY_MAX])
{
	return cosignature_vkey_format(w->name, w->sk + 32, vkey);
}

/* A tree size in canonical decimal ("0" or no leading zero). */
static int
witness_parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
witness_request_parse(const char *body, size_t len, struct witness_request *r, struct error *e)
{
	const char *p = body, *end = body + len, *nl;

	memset(r, 0, sizeof(*r));
	if (len > WITNESS_BODY_MAX)
		return error_set(e, 413, "TOO_LARGE", "the request body is too large");
	if ((nl = memchr(p, '\n', len)) == NULL || nl - p < 5 || memcmp(p, "old ", 4) != 0 ||
	    witness_parse_size(p + 4, (size_t)(nl - p - 4), &r->old) != 0)
		return error_set(e, 400, "BAD_REQUEST", "the body must start with \"old N\"");
	for (p = nl + 1; p < end && *p != '\n'; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return error_set(e, 400, "BAD_REQUEST", "a proof line has no newline");
		if (r->count == WITNESS_PROOF_MAX)
			return error_set(e, 400, "BAD_REQUEST", "more than %d proof lines",
			    WITNESS_PROOF_MAX);
		if (b64_decode_exact(p, (size_t)(nl - p), B64_STANDARD, r->proof[r->count],
		    MERKLE_HASH_SIZE) != 0)
			return error_set(e, 400, "BAD_REQUEST", "a proof line is not the base64 of a"
			    " 32-byte hash");
		r->count++;
	}
	if (p >= end)
		return error_set(e, 400, "BAD_REQUEST", "no blank line before the checkpoint");
	r->note = p + 1;
	r->note_len = (size_t)(end - p - 1);
	return 0;
}

/* Sets a refusal: status and a one-line text body. */
static void
witness_refuse(struct witness_reply *reply, int status, const char *message)
{
	int n = snprintf(reply->body, sizeof(reply->body), "%s\n", message);

	reply->status = status;
	reply->content_type = "text/plain; charset=utf-8";
	reply->len = n < 0 ? 0 : (size_t)n < sizeof(reply->body) ? (size_t)n : sizeof(reply->body) - 1;
}

/* The log a note's first line names (NULL when unknown). */
static struct witness_log *
witness_find(struct witness *w, const char *note, size_t len)
{
	const char *nl = memchr(note, '\n', len);

	if (nl == NULL)
		return NULL;
	for (size_t i = 0; i < w->count; i++)
		if (strlen(w->logs[i].origin) == (size_t)(nl - note) &&
		    memcmp(w->logs[i].origin, note, (size_t)(nl - note)) == 0)
			return &w->logs[i];
	return NULL;
}

const struct witness_log *
witness_find_hash(const struct witness *w, const char *hex)
{
	char mine[65];

	for (size_t i = 0; i < w->count; i++) {
		sodium_bin2hex(mine, sizeof(mine), w->logs[i].origin_hash, 32);
		if (strcmp(mine, hex) == 0)
			return &w->logs[i];
	}
	return NULL;
}

/* The consistency checks of add-checkpoint (after the signature): 0 or
 * the refusal's status with reply set. */
static int
witness_consistent(const struct witness_log *log, const struct witness_request *r, uint64_t size,
    const uint8_t root[MERKLE_HASH_SIZE], struct witness_reply *reply)
{
	uint8_t empty[MERKLE_HASH_SIZE];
	char b64[sodium_base64_ENCODED_LEN(MERKLE_HASH_SIZE, WITNESS_B64)];

	merkle_empty_root(empty);
	if (r->old > size) {
		witness_refuse(reply, 400, "old size is above the checkpoint's size");
		return 400;
	}
	if (r->old != log->size) {
		reply->status = 409;
		reply->content_type = "text/x.tlog.size";
		reply->len = (size_t)snprintf(reply->body, sizeof(reply->body), "%llu\n",
		    (unsigned long long)log->size);
		snprintf(reply->log, sizeof(reply->log), "conflict %s: old size %llu, but the latest"
		    " cosigned size is %llu (checkpoint of size %llu)", log->origin,
		    (unsigned long long)r->old, (unsigned long long)log->size, (unsigned long long)size);
		return 409;
	}
	if (size == 0 && memcmp(root, empty, sizeof(empty)) != 0) {
		witness_refuse(reply, 422, "a checkpoint of size 0 must have the empty tree's root");
		return 422;
	}
	if (r->old == 0 && r->count != 0) {
		witness_refuse(reply, 422, "a consistency proof from size 0 must be empty");
		return 422;
	}
	if (r->old == size && memcmp(root, log->root, MERKLE_HASH_SIZE) != 0) {
		sodium_bin2base64(b64, sizeof(b64), log->root, MERKLE_HASH_SIZE, WITNESS_B64);
		witness_refuse(reply, 422, "a different tree of the size already cosigned (a fork)");
		snprintf(reply->log, sizeof(reply->log), "REFUSED %s: a different root for size %llu,"
		    " which was cosigned with root %s (a fork)", log->origin,
		    (unsigned long long)size, b64);
		return 422;
	}
	if (r->old > 0 && r->old < size &&
	    merkle_verify_consistency(r->old, size, log->root, root,
	    (const uint8_t (*)[MERKLE_HASH_SIZE])r->proof, r->count) != 0) {
		witness_refuse(reply, 422, "the consistency proof does not verify");
		snprintf(reply->log, sizeof(reply->log), "REFUSED %s: size %llu is not consistent with"
		    " cosigned size %llu (bad proof, or a fork)", log->origin,
		    (unsigned long long)size, (unsigned long long)r->old);
		return 422;
	}
	if (r->old == size && r->count != 0) {
		witness_refuse(reply, 422, "the consistency proof between equal sizes must be empty");
		return 422;
	}
	return 0;
}

/* Cosigns the verified checkpoint (text text_len bytes of note) for log
 * and stores the new state before answering. */
static void
witness_cosign(struct witness *w, struct witness_log *log, const struct witness_request *r,
    uint64_t size, const uint8_t root[MERKLE_HASH_SIZE], size_t text_len, int64_t now,
    struct witness_reply *reply)
{
	struct witness_log *next = malloc(sizeof(*next));
	char line[COSIGNATURE_LINE_MAX], b64[sodium_base64_ENCODED_LEN(MERKLE_HASH_SIZE, WITNESS_B64)];
	struct error e;
	size_t len;

	if (next == NULL)
		abort();
	*next = *log;
	if (cosignature_sign(r->note, text_len, w->name, w->sk, now > 0 ? (uint64_t)now : 1, line,
	    &len, &e) != 0 || r->note_len + len >= sizeof(next->note)) {
		witness_refuse(reply, 500, "cannot cosign");
		goto done;
	}
	next->size = size;
	memcpy(next->root, root, MERKLE_HASH_SIZE);
	memcpy(next->note, r->note, r->note_len);
	memcpy(next->note + r->note_len, line, len + 1);
	if (w->dir[0] != '\0' && witness_log_save(w->dir, next, &e) != 0) {
		witness_refuse(reply, 500, "cannot store the witness's state: nothing cosigned");
		snprintf(reply->log, sizeof(reply->log), "ERROR %s: %s", log->origin, e.message);
		goto done;
	}
	*log = *next;
	reply->status = 200;
	reply->content_type = "text/plain; charset=utf-8";
	memcpy(reply->body, line, len + 1);
	reply->len = len;
	sodium_bin2base64(b64, sizeof(b64), root, MERKLE_HASH_SIZE, WITNESS_B64);
	snprintf(reply->log, sizeof(reply->log), "cosigned %s size %llu root %s (from size %llu)",
	    log->origin, (unsigned long long)size, b64, (unsigned long long)r->old);
done:
	free(next);
}

void
witness_add_checkpoint(struct witness *w, const char *body, size_t len, int64_t now,
    struct witness_reply *reply)
{
	struct witness_request *r = malloc(sizeof(*r));
	uint8_t root[MERKLE_HASH_SIZE];
	struct witness_log *log;
	struct error e;
	uint64_t size;
	size_t text_len;

	if (r == NULL)
		abort();
	memset(reply, 0, sizeof(*reply));
	if (witness_request_parse(body, len, r, &e) != 0) {
		witness_refuse(reply, e.status, e.message);
		goto done;
	}
	if ((log = witness_find(w, r->note, r->note_len)) == NULL) {
		witness_refuse(reply, 404, "unknown log origin");
		goto done;
	}
	if (note_checkpoint_verify(r->note, r->note_len, log->origin, log->key_name, log->pub, &size,
	    root, &e) != 0) {
		int forbidden = strcmp(e.code, "NOTE_NOT_SIGNED") == 0 || strcmp(e.code, "BAD_SIGNATURE") == 0;
		witness_refuse(reply, forbidden ? 403 : 400, forbidden ?
		    "no valid signature by the log's key" : e.message);
		if (forbidden)
			snprintf(reply->log, sizeof(reply->log), "REFUSED %s: %s", log->origin, e.message);
		goto done;
	}
	/* A checkpoint's text has no blank line: the first one ends it. */
	text_len = (size_t)((const char *)memmem(r->note, r->note_len, "\n\n", 2) - r->note) + 1;
	if (witness_consistent(log, r, size, root, reply) != 0)
		goto done;
	witness_cosign(w, log, r, size, root, text_len, now, reply);
done:
	free(r);
}
