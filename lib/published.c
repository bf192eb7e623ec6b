/* The rollback guard: see published.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "b64.h"
#include "db.h"
#include "home.h"
#include "ledger.h"
#include "note.h"
#include "published.h"
#include "utf8.h"

/* Reads the decimal size at s (no sign, no leading zero), up to '\n'. */
static int
published_parse_size(const char *s, const char *end, uint64_t *size, const char **next)
{
	uint64_t v = 0;
	const char *p = s;

	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s || p >= end || *p != '\n' || (p - s > 1 && *s == '0'))
		return -1;
	*size = v;
	*next = p + 1;
	return 0;
}

int
published_parse(const char *text, size_t len, const char *origin, struct published *p,
    struct error *e)
{
	const char *end = text + len, *line = text, *nl;
	size_t origin_len = strlen(origin);

	memset(p, 0, sizeof(*p));
	if (len >= sizeof(p->note) || memchr(text, '\0', len) != NULL)
		return error_set(e, 422, "BAD_PUBLISHED", "the published checkpoint is not a checkpoint note");
	if (len < origin_len + 1 || memcmp(text, origin, origin_len) != 0 || text[origin_len] != '\n')
		return error_set(e, 422, "BAD_PUBLISHED", "the published checkpoint is not one of the log %s",
		    origin);
	line = text + origin_len + 1;
	if (published_parse_size(line, end, &p->size, &line) != 0 ||
	    (nl = memchr(line, '\n', (size_t)(end - line))) == NULL ||
	    b64_decode_exact(line, (size_t)(nl - line), B64_STANDARD, p->root, sizeof(p->root)) != 0 ||
	    nl + 1 >= end || nl[1] != '\n')
		return error_set(e, 422, "BAD_PUBLISHED", "the published checkpoint is not a checkpoint note");
	memcpy(p->note, text, len);
	p->note[len] = '\0';
	p->len = len;
	p->known = true;
	return 0;
}

int
published_read(const char *path, const char *origin, struct published *p, struct error *e)
{
	char text[NOTE_CHECKPOINT_MAX + 1];
	size_t len;
	FILE *f;

	memset(p, 0, sizeof(*p));
	if ((f = fopen(path, "rb")) == NULL) {
		if (errno == ENOENT)
			return 0;
		return error_set(e, 503, "BAD_PUBLISHED", "cannot read %s: %s", path, strerror(errno));
	}
	len = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (published_parse(text, len, origin, p, e) != 0)
		return error_set(e, 422, "BAD_PUBLISHED", "%s is not a checkpoint note of the log %s", path,
		    origin);
	return 0;
}

void
published_max(struct published *a, const struct published *b)
{
	if (b->known && (!a->known || b->size > a->size))
		*a = *b;
}

int
published_write(const char *dir, const struct published *p, struct error *e)
{
	char path[4200], tmp[4300];
	int fd, dir_fd;

	snprintf(path, sizeof(path), "%s/" PUBLISHED_FILE, dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0)
		return error_set(e, 503, "PUBLISHED_WRITE", "cannot create %s: %s", tmp, strerror(errno));
	if (fchmod(fd, 0600) != 0 || write(fd, p->note, p->len) != (ssize_t)p->len || fsync(fd) != 0 ||
	    close(fd) != 0 || rename(tmp, path) != 0) {
		error_set(e, 503, "PUBLISHED_WRITE", "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if ((dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dir_fd);
		close(dir_fd);
	}
	return 0;
}

int
published_from_checkpoint(const struct checkpoint *cp, const char *origin, struct published *p,
    struct error *e)
{
	return published_parse(cp->note, strlen(cp->note), origin, p, e);
}

int
published_sync(struct db *db, const char *dir, struct error *e)
{
	struct operator_info op;
	struct published file, latest;
	struct checkpoint cp;
	struct error none;
	char path[4200];

	if (checkpoint_latest(db, &cp, &none) != 0)
		return 0; /* no checkpoint yet: nothing was published */
	if (home_operator(db, &op, e) != 0 || published_from_checkpoint(&cp, op.origin, &latest, e) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/" PUBLISHED_FILE, dir);
	if (published_read(path, op.origin, &file, e) != 0)
		return -1;
	if (file.known && file.size >= latest.size)
		return 0;
	return published_write(dir, &latest, e);
}

int
published_check(struct db *db, const struct published *p, struct error *e)
{
	uint8_t root[MERKLE_HASH_SIZE];
	uint64_t size;

	if (!p->known)
		return 0;
	if (ledger_size(db, &size, e) != 0)
		return -1;
	if (size < p->size)
		return error_set(e, 409, "ROLLBACK", "this ledger has %llu entries but a checkpoint of %llu"
		    " was published: serving it would roll back the log that places and funders hold"
		    " (docs/operations.md); accept it only with --accept-rollback REASON",
		    (unsigned long long)size, (unsigned long long)p->size);
	if (p->size == 0)
		return 0;
	if (ledger_root(db, p->size, root, e) != 0)
		return -1;
	if (sodium_memcmp(root, p->root, sizeof(root)) != 0)
		return error_set(e, 409, "FORKED", "this ledger's first %llu entries are not those of the"
		    " checkpoint published at that size (another history): accept it only with"
		    " --accept-rollback REASON (docs/operations.md)", (unsigned long long)p->size);
	return 0;
}

int
published_reason_check(const char *reason, struct error *e)
{
	size_t len = strlen(reason);

	if (len == 0 || len > PUBLISHED_REASON_MAX || !utf8_valid(reason, len))
		return error_set(e, 400, "BAD_REASON", "the rollback's reason must be 1 to %d bytes of text",
		    PUBLISHED_REASON_MAX);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
			return error_set(e, 400, "BAD_REASON", "the rollback's reason must be one line of text");
	return 0;
}

int
published_accept(struct db *db, const char *dir, const struct published *p, const char *reason,
    int64_t now, struct checkpoint *made, struct error *e)
{
	struct ledger_entry entry;
	char hex[2 * MERKLE_HASH_SIZE + 1];
	uint64_t size;

	if (published_reason_check(reason, e) != 0 || ledger_size(db, &size, e) != 0)
		return -1;
	memset(&entry, 0, sizeof(entry));
	entry.time = now;
	snprintf(entry.kind, sizeof(entry.kind), "rollback");
	sodium_bin2hex(hex, sizeof(hex), p->root, sizeof(p->root));
	snprintf(entry.reference, sizeof(entry.reference), "published:%llu:%s",
	    (unsigned long long)p->size, hex);
	snprintf(entry.memo, sizeof(entry.memo), "Retour en arrière du journal publié (%llu écritures)"
	    " à %llu écritures. Motif : %s", (unsigned long long)p->size, (unsigned long long)size, reason);
	if (ledger_append(db, &entry, NULL, e) != 0)
		return -1;
	return checkpoint_make(db, dir, now, made, e);
}
