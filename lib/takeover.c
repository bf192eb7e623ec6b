#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>
#include "clock.h"
#include "code.h"
#include "date.h"
#include "db.h"
#include "hash.h"
#include "keys.h"
#include "issuance.h"
#include "ledger.h"
#include "money.h"
#include "note.h"
#include "receipt.h"
#include "redemption.h"
#include "scheme.h"
#include "settlement.h"
#include "takeover.h"

/* ------------------------------------------------------------------ */
/* Imported tokens                                                    */

void
takeover_token_placeholder(const uint8_t serial[12], const uint8_t sha256[32], uint8_t out[93])
{
	memset(out, 0, 93);
	memcpy(out + 1, TAKEOVER_TOKEN_TAG, 16);
	memcpy(out + 17, serial, 12);
	memcpy(out + 29, sha256, 32);
}

bool
takeover_token_is_placeholder(const uint8_t stored[93])
{
	return stored[0] == 0 && memcmp(stored + 1, TAKEOVER_TOKEN_TAG, 16) == 0;
}

bool
takeover_token_matches(const uint8_t stored[93], const uint8_t token[93])
{
	uint8_t digest[32];

	hash_sha256(digest, token, 93);
	return takeover_token_is_placeholder(stored) && sodium_memcmp(digest, stored + 29, 32) == 0;
}

/* ------------------------------------------------------------------ */
/* Reading the export                                                 */

#define TAKEOVER_SMALL_MAX (64 * 1024 * 1024) /* registry.json, keys.json, notes */

static const char *const takeover_files[] = {
	"ledger.jsonl", "checkpoint.note", "keys.json", "registry.json", "vouchers.csv",
	"payables.csv", "invoices.csv",
};
#define TAKEOVER_FILES (sizeof(takeover_files) / sizeof(takeover_files[0]))
static const char *const escrow_files[] = {
	"leaves.csv", "entries.jsonl", "checkpoint.note", "keys.json", "registry.json",
	"vouchers.csv", "payables.csv", "invoices.csv",
};
#define ESCROW_FILES (sizeof(escrow_files) / sizeof(escrow_files[0]))

/* An old ledger account, as ledger.jsonl lists it, with the sum of its
 * postings recomputed from the entries. */
struct takeover_account {
	char code[LEDGER_ACCOUNT_MAX + 1];
	int64_t balance, sum;
};

/* A campaign of the registry and what the vouchers say about it. */
struct takeover_campaign {
	int64_t id, value_cents, batch_id, count;
	int64_t cents[4]; /* issued, redeemed, revoked, expired */
	int64_t issued_count;
};

struct takeover {
	struct db *db;
	const struct takeover_options *o;
	struct takeover_result *r;
	char origin[NOTE_NAME_MAX + 1];
	uint8_t key[32];
	uint8_t manifest_sha[32];
	json_t *manifest, *keys;
	char *registry_text;
	char *checkpoint_note;
	uint64_t cp_size;
	uint8_t cp_root[32];
	/* the funder's checkpoint */
	uint64_t fcp_size;
	uint8_t fcp_root[32];
	bool fcp_matched;
	/* the ledger stream */
	struct takeover_account *accounts;
	size_t naccounts;
	struct takeover_campaign *campaigns;
	size_t ncampaigns;
	int64_t issuer_key_row; /* an imported issuer key, for the imported batches */
	bool escrow;            /* a funder's escrow, not a whole scheme export */
};

static int
takeover_bad(struct error *e, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
takeover_bad(struct error *e, const char *file, const char *fmt, ...)
{
	char text[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return error_set(e, 422, "BAD_EXPORT", "%s: %s: the export does not verify", file, text);
}

static void
takeover_path(const struct takeover *x, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", x->o->dir, name);
}

/* Reads a small file whole (NUL-terminated, *len without it). */
static int
takeover_slurp(const char *path, const char *name, char **text, size_t *len, struct error *e)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, got;
	char *buf;

	*text = NULL;
	if (f == NULL)
		return errno == ENOENT ? takeover_bad(e, name, "missing from the export") :
		    error_set(e, 422, "BAD_EXPORT", "cannot read %s: %s", path, strerror(errno));
	if ((buf = malloc(cap)) == NULL)
		abort();
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n > TAKEOVER_SMALL_MAX) {
			fclose(f);
			free(buf);
			return takeover_bad(e, name, "larger than %d bytes", TAKEOVER_SMALL_MAX);
		}
		if (cap - n - 1 == 0 && (buf = realloc(buf, cap *= 2)) == NULL)
			abort();
	}
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		free(buf);
		return takeover_bad(e, name, "holds a NUL byte");
	}
	*text = buf;
	if (len != NULL)
		*len = n;
	return 0;
}

/* The size and SHA-256 of a file, streamed. */
static int
takeover_digest(const char *path, const char *name, int64_t *size, uint8_t digest[32],
    struct error *e)
{
	struct hash_sha256_state st;
	static uint8_t buf[1 << 16];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return takeover_bad(e, name, "missing from the export");
	hash_sha256_init(&st);
	*size = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		hash_sha256_update(&st, buf, n);
		*size += (int64_t)n;
	}
	n = (size_t)ferror(f);
	fclose(f);
	if (n != 0)
		return error_set(e, 422, "BAD_EXPORT", "cannot read %s", path);
	hash_sha256_final(&st, digest);
	return 0;
}

static int
takeover_hex(const char *hex, uint8_t *out, size_t n)
{
	size_t len;

	if (hex == NULL || strlen(hex) != 2 * n)
		return -1;
	for (size_t i = 0; i < 2 * n; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return -1;
	return sodium_hex2bin(out, n, hex, 2 * n, NULL, &len, NULL) == 0 && len == n ? 0 : -1;
}

/* manifest.note is signed by the given key over manifest.json's SHA-256;
 * every file the manifest lists has its size and SHA-256. */
static int
takeover_manifest(struct takeover *x, struct error *e)
{
	char path[4200], *note, *text, expect[NOTE_NAME_MAX + 200], hex[65];
	size_t len, text_len;
	int64_t size;
	uint8_t digest[32];
	json_error_t je;
	json_t *files;
	struct error local;

	if (note_vkey_parse(x->o->vkey, x->origin, x->key) != 0)
		return error_set(e, 400, "BAD_KEY", "the old ledger key is not a vkey"
		    " (origin+keyid+base64)");
	takeover_path(x, "manifest.note", path, sizeof(path));
	if (takeover_slurp(path, "manifest.note", &note, &len, e) != 0)
		return -1;
	if (note_verify(note, len, x->origin, x->key, &text_len, &local) != 0) {
		free(note);
		return error_set(e, 422, "BAD_SIGNATURE", "manifest.note: not signed by the given"
		    " ledger key (%s): the export does not verify", local.message);
	}
	takeover_path(x, "manifest.json", path, sizeof(path));
	if (takeover_digest(path, "manifest.json", &size, x->manifest_sha, e) != 0) {
		free(note);
		return -1;
	}
	sodium_bin2hex(hex, sizeof(hex), x->manifest_sha, 32);
	text = note;
	x->escrow = strncmp(text, ESCROW_NOTE_FORMAT "\n", strlen(ESCROW_NOTE_FORMAT) + 1) == 0;
	x->r->escrow = x->escrow;
	snprintf(expect, sizeof(expect), "%s\n%s\n%s\n", x->escrow ? ESCROW_NOTE_FORMAT :
	    SCHEME_NOTE_FORMAT, x->origin, hex);
	if (text_len != strlen(expect) || memcmp(text, expect, text_len) != 0) {
		free(note);
		return takeover_bad(e, "manifest.json", "its SHA-256 is not the one manifest.note"
		    " signs: the file was altered");
	}
	free(note);
	if ((x->manifest = json_load_file(path, JSON_REJECT_DUPLICATES, &je)) == NULL ||
	    !json_is_object(x->manifest))
		return takeover_bad(e, "manifest.json", "not a JSON object");
	if (strcmp(json_string_value(json_object_get(x->manifest, "format")) ?: "",
	    x->escrow ? ESCROW_FORMAT : SCHEME_FORMAT) != 0)
		return takeover_bad(e, "manifest.json", "not a %s manifest", x->escrow ?
		    ESCROW_FORMAT : SCHEME_FORMAT);
	if (strcmp(json_string_value(json_object_get(x->manifest, "origin")) ?: "", x->origin) != 0)
		return takeover_bad(e, "manifest.json", "its origin is not the key's");
	files = json_object_get(x->manifest, "files");
	for (size_t i = 0; i < (x->escrow ? ESCROW_FILES : TAKEOVER_FILES); i++) {
		const char *name = x->escrow ? escrow_files[i] : takeover_files[i];
		json_t *f = NULL, *it;
		size_t k;
		uint8_t want[32];
		json_array_foreach(files, k, it)
			if (strcmp(json_string_value(json_object_get(it, "name")) ?: "", name) == 0)
				f = it;
		if (f == NULL)
			return takeover_bad(e, "manifest.json", "%s is not listed", name);
		takeover_path(x, name, path, sizeof(path));
		if (takeover_digest(path, name, &size, digest, e) != 0)
			return -1;
		if (takeover_hex(json_string_value(json_object_get(f, "sha256")), want, 32) != 0 ||
		    sodium_memcmp(want, digest, 32) != 0 ||
		    json_integer_value(json_object_get(f, "size")) != size)
			return takeover_bad(e, name, "its SHA-256 is not the manifest's: the file was"
			    " altered");
	}
	if (takeover_hex(json_string_value(json_object_get(json_object_get(x->manifest, "ledger"),
	    "root")), x->r->old_root, 32) != 0 ||
	    !json_is_integer(json_object_get(json_object_get(x->manifest, "ledger"), "size")))
		return takeover_bad(e, "manifest.json", "no ledger size and root");
	x->r->old_size = (uint64_t)json_integer_value(json_object_get(json_object_get(x->manifest,
	    "ledger"), "size"));
	snprintf(x->r->old_origin, sizeof(x->r->old_origin), "%s", x->origin);
	return 0;
}

/* checkpoint.note is signed by the key and is the manifest's checkpoint. */
static int
takeover_checkpoint(struct takeover *x, struct error *e)
{
	char path[4200];
	size_t len;
	uint8_t want[32];
	json_t *cp = json_object_get(x->manifest, "checkpoint");
	struct error local;

	takeover_path(x, "checkpoint.note", path, sizeof(path));
	if (takeover_slurp(path, "checkpoint.note", &x->checkpoint_note, &len, e) != 0)
		return -1;
	if (note_checkpoint_verify(x->checkpoint_note, len, x->origin, x->origin, x->key,
	    &x->cp_size, x->cp_root, &local) != 0)
		return error_set(e, 422, "BAD_SIGNATURE", "checkpoint.note: %s: the export does not"
		    " verify", local.message);
	if (takeover_hex(json_string_value(json_object_get(cp, "root")), want, 32) != 0 ||
	    json_integer_value(json_object_get(cp, "size")) != (json_int_t)x->cp_size ||
	    sodium_memcmp(want, x->cp_root, 32) != 0 || x->cp_size > x->r->old_size)
		return takeover_bad(e, "checkpoint.note", "not the manifest's checkpoint");
	if (x->o->checkpoint != NULL) {
		if (note_checkpoint_verify(x->o->checkpoint, strlen(x->o->checkpoint), x->origin,
		    x->origin, x->key, &x->fcp_size, x->fcp_root, &local) != 0)
			return error_set(e, 422, "BAD_SIGNATURE", "the funder's checkpoint: %s",
			    local.message);
		x->r->checkpoint_given = true;
		x->r->checkpoint_size = x->fcp_size;
		x->r->checkpoint_beyond = x->fcp_size > x->r->old_size;
	}
	return 0;
}

/* keys.json: the origin, the given key among the ledger keys; the issuer
 * keys imported verify-only. */
static int
takeover_keys(struct takeover *x, struct error *e)
{
	char path[4200], hex[65];
	json_error_t je;
	json_t *it;
	size_t i;
	bool found = false;

	takeover_path(x, "keys.json", path, sizeof(path));
	if ((x->keys = json_load_file(path, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return takeover_bad(e, "keys.json", "not JSON");
	if (strcmp(json_string_value(json_object_get(x->keys, "origin")) ?: "", x->origin) != 0)
		return takeover_bad(e, "keys.json", "its origin is not the key's");
	sodium_bin2hex(hex, sizeof(hex), x->key, 32);
	json_array_foreach(json_object_get(x->keys, "ledger_keys"), i, it)
		if (strcmp(json_string_value(json_object_get(it, "public_key")) ?: "", hex) == 0)
			found = true;
	if (!found)
		return takeover_bad(e, "keys.json", "the given ledger key is not among its ledger keys");
	json_array_foreach(json_object_get(x->keys, "issuer_keys"), i, it) {
		struct key_info k = { .kind = KEY_ISSUER };
		const char *status = json_string_value(json_object_get(it, "status")) ?: "";
		const char *created = json_string_value(json_object_get(it, "created_at"));
		const char *retired = json_string_value(json_object_get(it, "retired_at"));
		const char *compromised = json_string_value(json_object_get(it, "compromised_at"));
		struct error local;
		if (takeover_hex(json_string_value(json_object_get(it, "public_key")), k.public_key,
		    32) != 0 || created == NULL ||
		    clock_instant_parse(created, &k.created_at, &local) != 0 ||
		    (retired != NULL && clock_instant_parse(retired, &k.retired_at, &local) != 0) ||
		    (compromised != NULL &&
		    clock_instant_parse(compromised, &k.compromised_at, &local) != 0))
			return takeover_bad(e, "keys.json", "issuer key %zu is malformed", i + 1);
		if (strcmp(status, "revoked") == 0 && compromised != NULL)
			k.status = KEY_REVOKED;
		else if (strcmp(status, "active") == 0 || strcmp(status, "retired") == 0)
			k.status = KEY_RETIRED;
		else
			return takeover_bad(e, "keys.json", "issuer key %zu has status \"%s\"", i + 1,
			    status);
		if (k.retired_at == 0)
			k.retired_at = x->o->now; /* it signs nothing from the takeover on */
		if (keys_import_verify_only(x->db, &k, e) != 0)
			return -1;
		x->issuer_key_row = db_last_rowid(x->db);
		x->r->issuer_keys++;
	}
	if (x->r->issuer_keys == 0)
		return takeover_bad(e, "keys.json", "no issuer key");
	return 0;
}

/* ------------------------------------------------------------------ */
/* The old log                                                        */

static int
takeover_account_cmp(const void *a, const void *b)
{
	return strcmp(((const struct takeover_account *)a)->code,
	    ((const struct takeover_account *)b)->code);
}

static struct takeover_account *
takeover_account_find(struct takeover *x, const char *code)
{
	struct takeover_account key;

	snprintf(key.code, sizeof(key.code), "%s", code);
	return bsearch(&key, x->accounts, x->naccounts, sizeof(key), takeover_account_cmp);
}

struct takeover_stream {
	struct takeover *x;
	struct merkle_state state;
	uint64_t seq;
	int phase; /* 0 header, 1 accounts, 2 entries, 3 checkpoints */
	size_t account_cap;
};

static int takeover_leaf_add(struct takeover_stream *s, const uint8_t hash[32], struct error *e);
static int takeover_int(const char *s, int64_t *v);

/* The postings of entry go to the listed accounts they name (others are
 * not the funder's: an escrow lists only its accounts). */
static int
takeover_sum(struct takeover *x, const struct ledger_entry *entry, bool all, struct error *e)
{
	for (size_t i = 0; i < entry->count; i++) {
		struct takeover_account *a = takeover_account_find(x, entry->postings[i].account);
		if (a == NULL && !all)
			continue;
		if (a == NULL)
			return takeover_bad(e, "ledger.jsonl", "entry %llu posts to %s, which is not"
			    " listed", (unsigned long long)entry->seq, entry->postings[i].account);
		if (money_add(a->sum, entry->postings[i].amount, &a->sum) != 0)
			return takeover_bad(e, "ledger.jsonl", "entry %llu overflows",
			    (unsigned long long)entry->seq);
	}
	return 0;
}

struct takeover_leaf {
	uint8_t hash[32];
};

static int
takeover_leaf_get(const struct db_row *row, void *ctx, struct error *e)
{
	(void)e;
	return db_row_blob(row, 0, ((struct takeover_leaf *)ctx)->hash, 32) == 0 ? 0 : -1;
}

/* An escrow's entry: after the previous one, within the log, and its hash
 * is its leaf (read from leaves.csv before). */
static int
takeover_escrow_entry(struct takeover_stream *s, const struct ledger_entry *entry,
    struct error *e)
{
	struct takeover_leaf leaf;
	int rc;

	if (entry->seq < s->seq || entry->seq >= s->x->r->old_size)
		return takeover_bad(e, "entries.jsonl", "entry %llu is out of order or beyond the log",
		    (unsigned long long)entry->seq);
	rc = db_one(s->x->db, "SELECT hash FROM takeover_old_leaves WHERE idx = ?1",
	    DB_ARGS(DB_INT(entry->seq)), takeover_leaf_get, &leaf, e);
	if (rc < 0)
		return -1;
	if (rc == 0 || sodium_memcmp(leaf.hash, entry->leaf_hash, 32) != 0)
		return takeover_bad(e, "entries.jsonl", "entry %llu is not the log's (its hash is not"
		    " leaf %llu)", (unsigned long long)entry->seq, (unsigned long long)entry->seq);
	s->seq = entry->seq + 1;
	return takeover_sum(s->x, entry, false, e);
}

static int
takeover_ledger_line(struct takeover_stream *s, json_t *line, uint64_t lineno, struct error *e)
{
	struct takeover *x = s->x;
	const char *type = json_string_value(json_object_get(line, "type")) ?: "";

	const char *file = x->escrow ? "entries.jsonl" : "ledger.jsonl";

	if (strcmp(type, "header") == 0) {
		if (s->phase != 0 || strcmp(json_string_value(json_object_get(line, "origin")) ?: "",
		    x->origin) != 0 || (x->escrow && strcmp(json_string_value(json_object_get(line,
		    "format")) ?: "", "passnum-escrow-entries-v1") != 0))
			return takeover_bad(e, file, "line %llu: its header is not the key's origin",
			    (unsigned long long)lineno);
		s->phase = 1;
		return 0;
	}
	if (s->phase == 0)
		return takeover_bad(e, "ledger.jsonl", "no header first");
	if (strcmp(type, "account") == 0) {
		struct takeover_account *a;
		const char *code = json_string_value(json_object_get(line, "code"));
		if (s->phase != 1 || code == NULL || strlen(code) > LEDGER_ACCOUNT_MAX ||
		    !json_is_integer(json_object_get(line, "balance")))
			return takeover_bad(e, "ledger.jsonl", "line %llu: a malformed account",
			    (unsigned long long)lineno);
		if (x->naccounts == s->account_cap &&
		    (x->accounts = realloc(x->accounts, (s->account_cap = s->account_cap * 2 + 64) *
		    sizeof(*x->accounts))) == NULL)
			abort();
		a = &x->accounts[x->naccounts++];
		snprintf(a->code, sizeof(a->code), "%s", code);
		a->balance = json_integer_value(json_object_get(line, "balance"));
		a->sum = 0;
		return 0;
	}
	if (strcmp(type, "entry") == 0) {
		struct ledger_entry entry;
		struct error local;
		if (s->phase == 1) {
			qsort(x->accounts, x->naccounts, sizeof(*x->accounts), takeover_account_cmp);
			s->phase = 2;
		}
		json_object_del(line, "type");
		if (s->phase != 2 || ledger_entry_from_json(line, &entry, &local) != 0)
			return takeover_bad(e, file, "line %llu: %s", (unsigned long long)lineno,
			    s->phase != 2 ? "an entry out of place" : local.message);
		if (x->escrow)
			return takeover_escrow_entry(s, &entry, e);
		if (entry.seq != s->seq)
			return takeover_bad(e, "ledger.jsonl", "entry %llu where %llu was expected",
			    (unsigned long long)entry.seq, (unsigned long long)s->seq);
		if (takeover_sum(x, &entry, true, e) != 0)
			return -1;
		return takeover_leaf_add(s, entry.leaf_hash, e);
	}
	if (strcmp(type, "checkpoint") == 0) {
		s->phase = 3;
		return 0;
	}
	return takeover_bad(e, file, "line %llu: unknown type \"%s\"",
	    (unsigned long long)lineno, type);
}

/* Appends the old log's next leaf: stored, added to the tree, and the
 * roots at the checkpoints' sizes compared. */
static int
takeover_leaf_add(struct takeover_stream *s, const uint8_t hash[32], struct error *e)
{
	struct takeover *x = s->x;

	{
		if (merkle_state_append(&s->state, hash, NULL, NULL) != 0)
			return error_set(e, 500, "TAKEOVER_ERROR", "the old tree is too large");
		if (db_run(x->db, "INSERT INTO takeover_old_leaves (idx, hash) VALUES (?1, ?2)",
		    DB_ARGS(DB_INT(s->seq), DB_BLOB(hash, 32)), e) != 0)
			return -1;
		s->seq++;
		if (x->r->checkpoint_given && s->seq == x->fcp_size) {
			uint8_t root[32];
			merkle_state_root(&s->state, root);
			if (sodium_memcmp(root, x->fcp_root, 32) != 0)
				return error_set(e, 409, "CHECKPOINT_MISMATCH", "the funder's checkpoint at"
				    " size %llu does not match the export's log: the old operator"
				    " rewrote its history, refuse the export",
				    (unsigned long long)x->fcp_size);
			x->fcp_matched = true;
		}
		if (s->seq == x->cp_size) {
			uint8_t root[32];
			merkle_state_root(&s->state, root);
			if (sodium_memcmp(root, x->cp_root, 32) != 0)
				return takeover_bad(e, "checkpoint.note", "its root is not the log's at"
				    " size %llu", (unsigned long long)x->cp_size);
		}
		return 0;
	}
}

/* Streams ledger.jsonl: every entry's hash, their sequence, the tree's root
 * (the manifest's), the latest checkpoint's root, the accounts' balances
 * (their postings' sums); stores the old leaves. */
/* An escrow's leaves.csv: every leaf of the old log, in order. */
static int
takeover_leaves(struct takeover_stream *s, struct error *e)
{
	char path[4200], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	FILE *f;
	int rc = 0;

	takeover_path(s->x, "leaves.csv", path, sizeof(path));
	if ((f = fopen(path, "rb")) == NULL)
		return takeover_bad(e, "leaves.csv", "missing from the export");
	while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
		uint8_t hash[32];
		char *comma;
		int64_t seq;
		lineno++;
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (lineno == 1) {
			if (strcmp(line, "seq,leaf_hash") != 0)
				rc = takeover_bad(e, "leaves.csv", "not the documented header");
			continue;
		}
		if ((comma = strchr(line, ',')) == NULL) {
			rc = takeover_bad(e, "leaves.csv", "line %llu is malformed",
			    (unsigned long long)lineno);
			break;
		}
		*comma = '\0';
		if (takeover_int(line, &seq) != 0 || (uint64_t)seq != s->seq ||
		    takeover_hex(comma + 1, hash, 32) != 0)
			rc = takeover_bad(e, "leaves.csv", "line %llu is not leaf %llu and its hash",
			    (unsigned long long)lineno, (unsigned long long)s->seq);
		else
			rc = takeover_leaf_add(s, hash, e);
	}
	free(line);
	fclose(f);
	return rc;
}

/* Streams ledger.jsonl (or an escrow's leaves.csv, then entries.jsonl):
 * every entry's hash, their sequence, the tree's root (the manifest's), the
 * latest checkpoint's root, the accounts' balances (their postings' sums);
 * stores the old leaves. */
static int
takeover_ledger(struct takeover *x, struct error *e)
{
	struct takeover_stream s = { .x = x };
	const char *file = x->escrow ? "entries.jsonl" : "ledger.jsonl";
	char path[4200], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	uint8_t root[32];
	FILE *f;
	int rc = 0;

	merkle_state_init(&s.state);
	if (x->escrow) {
		if (takeover_leaves(&s, e) != 0)
			return -1;
		merkle_state_root(&s.state, root);
		if (s.seq != x->r->old_size || sodium_memcmp(root, x->r->old_root, 32) != 0)
			return takeover_bad(e, "leaves.csv", "its tree (%llu leaves) is not the"
			    " manifest's", (unsigned long long)s.seq);
		s.seq = 0; /* now the next entry of the funder may be any later one */
	}
	takeover_path(x, file, path, sizeof(path));
	if ((f = fopen(path, "rb")) == NULL)
		return takeover_bad(e, file, "missing from the export");
	while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
		json_error_t je;
		json_t *obj = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &je);
		lineno++;
		if (obj == NULL || !json_is_object(obj))
			rc = takeover_bad(e, file, "line %llu is not JSON", (unsigned long long)lineno);
		else
			rc = takeover_ledger_line(&s, obj, lineno, e);
		json_decref(obj);
	}
	free(line);
	fclose(f);
	if (rc != 0)
		return -1;
	if (s.phase == 1)
		qsort(x->accounts, x->naccounts, sizeof(*x->accounts), takeover_account_cmp);
	merkle_state_root(&s.state, root);
	if (!x->escrow && (s.seq != x->r->old_size || sodium_memcmp(root, x->r->old_root, 32) != 0))
		return takeover_bad(e, file, "its tree (%llu entries) is not the manifest's",
		    (unsigned long long)s.seq);
	for (size_t i = 0; i < x->naccounts; i++)
		if (x->accounts[i].sum != x->accounts[i].balance)
			return takeover_bad(e, file, "account %s: balance %lld but its postings sum to"
			    " %lld", x->accounts[i].code, (long long)x->accounts[i].balance,
			    (long long)x->accounts[i].sum);
	if (x->r->checkpoint_given && !x->r->checkpoint_beyond && !x->fcp_matched &&
	    x->fcp_size != 0)
		return error_set(e, 409, "CHECKPOINT_MISMATCH", "the funder's checkpoint does not"
		    " match the export's log");
	return 0;
}

/* ------------------------------------------------------------------ */
/* The registry                                                       */

/* Each section's insert from registry.json (?1), as SQLite reads JSON. */
static const char *const takeover_registry_sql[] = {
	"INSERT INTO funders (id, name, public_name, siret, created_at)"
	" SELECT value ->> 'id', value ->> 'name', value ->> 'public_name', value ->> 'siret',"
	" unixepoch(value ->> 'created_at') FROM json_each(?1, '$.funders')",
	"INSERT INTO distributors (id, name, siret, created_at)"
	" SELECT value ->> 'id', value ->> 'name', value ->> 'siret',"
	" unixepoch(value ->> 'created_at') FROM json_each(?1, '$.distributors')",
	"INSERT INTO payees (id, siret, name, iban, created_at)"
	" SELECT value ->> 'id', value ->> 'siret', value ->> 'name', value ->> 'iban',"
	" unixepoch(value ->> 'created_at') FROM json_each(?1, '$.payees')",
	"INSERT INTO services (id, code, name, passes)"
	" SELECT value ->> 'id', value ->> 'code', value ->> 'name', value ->> 'passes'"
	" FROM json_each(?1, '$.services')",
	"INSERT INTO places (id, name, payee_id, commune, department, region, epci, time_zone,"
	" type, label, label_until, created_at)"
	" SELECT value ->> 'id', value ->> 'name', value ->> 'payee_id', value ->> 'commune',"
	" value ->> 'department', value ->> 'region', value ->> 'epci', value ->> 'time_zone',"
	" value ->> 'type', value ->> 'label', unixepoch(value ->> 'label_until') / 86400,"
	" unixepoch(value ->> 'created_at') FROM json_each(?1, '$.places')",
	"INSERT INTO place_services (place_id, service_id)"
	" SELECT p.value ->> 'id', (SELECT s.id FROM services s WHERE s.code = c.value)"
	" FROM json_each(?1, '$.places') p, json_each(p.value, '$.services') c",
	"INSERT INTO campaigns (id, funder_id, name, value_cents, last_day, tolerance_days,"
	" valid_days_after_handout, unused, created_at)"
	" SELECT value ->> 'id', value ->> 'funder_id', value ->> 'name', value ->> 'value_cents',"
	" unixepoch(value ->> 'last_day') / 86400, value ->> 'tolerance_days',"
	" value ->> 'valid_days_after_handout', value ->> 'unused',"
	" unixepoch(value ->> 'created_at') FROM json_each(?1, '$.campaigns')",
	"INSERT INTO campaign_territory (campaign_id, kind, code)"
	" SELECT c.value ->> 'id', t.value ->> 'kind', t.value ->> 'code'"
	" FROM json_each(?1, '$.campaigns') c, json_each(c.value, '$.territory') t",
	"INSERT INTO campaign_services (campaign_id, service_id)"
	" SELECT c.value ->> 'id', (SELECT s.id FROM services s WHERE s.code = v.value)"
	" FROM json_each(?1, '$.campaigns') c, json_each(c.value, '$.services') v",
	"INSERT INTO campaign_excluded_types (campaign_id, type)"
	" SELECT c.value ->> 'id', v.value"
	" FROM json_each(?1, '$.campaigns') c, json_each(c.value, '$.excluded_types') v",
};

static int
takeover_open_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct takeover *x = ctx;
	const char *kind = db_row_text_ptr(row, 0, NULL);
	int64_t id = db_row_int64(row, 1);
	const char *name = db_row_text_ptr(row, 2, NULL);

	if (strcmp(kind, "funder") == 0)
		return ledger_account_open(x->db, ACCOUNT_FUNDER_BALANCE, id, name, e) != 0 ||
		    ledger_account_open(x->db, ACCOUNT_FUNDER_ORDERS, id, name, e) != 0 ||
		    ledger_account_open(x->db, ACCOUNT_FUNDER_CREDIT, id, name, e) != 0 ? -1 : 0;
	if (strcmp(kind, "payee") == 0)
		return ledger_account_open(x->db, ACCOUNT_PAYEE, id, name, e);
	return ledger_account_open(x->db, ACCOUNT_OUTSTANDING, id, name, e);
}

static int
takeover_campaign_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct takeover *x = ctx;
	struct takeover_campaign *c = &x->campaigns[x->ncampaigns++];

	(void)e;
	memset(c, 0, sizeof(*c));
	c->id = db_row_int64(row, 0);
	c->value_cents = db_row_int64(row, 1);
	return 0;
}

static int
takeover_registry(struct takeover *x, struct error *e)
{
	char path[4200];
	size_t len;
	int64_t bad = 0, count = 0;
	struct error local;

	takeover_path(x, "registry.json", path, sizeof(path));
	if (takeover_slurp(path, "registry.json", &x->registry_text, &len, e) != 0)
		return -1;
	if (db_int64(x->db, "SELECT json_valid(?1) AND ?1 ->> '$.format' = ?2",
	    DB_ARGS(DB_TEXT(x->registry_text), DB_TEXT("passnum-scheme-registry-v1")), &bad, e) < 0)
		return -1;
	if (bad != 1)
		return takeover_bad(e, "registry.json", "not a passnum-scheme-registry-v1 object");
	for (size_t i = 0; i < sizeof(takeover_registry_sql) / sizeof(takeover_registry_sql[0]); i++)
		if (db_run(x->db, takeover_registry_sql[i], DB_ARGS(DB_TEXT(x->registry_text)),
		    &local) != 0)
			return takeover_bad(e, "registry.json", "does not fit a registry (%s)",
			    local.message);
	/* Dates that do not parse become NULL and fail NOT NULL above; a
	 * label_until or a service code that does not parse is caught here. */
	if (db_int64(x->db, "SELECT (SELECT COUNT(*) FROM json_each(?1, '$.places') p"
	    " WHERE p.value ->> 'label_until' IS NOT NULL"
	    " AND unixepoch(p.value ->> 'label_until') IS NULL)"
	    " + (SELECT COUNT(*) FROM place_services WHERE service_id IS NULL)"
	    " + (SELECT COUNT(*) FROM campaign_services WHERE service_id IS NULL)",
	    DB_ARGS(DB_TEXT(x->registry_text)), &bad, e) < 0)
		return -1;
	if (bad != 0)
		return takeover_bad(e, "registry.json", "a day or a service code does not parse");
	if (db_each(x->db, "SELECT 'funder', id, name FROM funders UNION ALL"
	    " SELECT 'payee', id, name FROM payees UNION ALL"
	    " SELECT 'campaign', c.id, 'campagne ' || c.id || ' - ' || f.public_name"
	    " FROM campaigns c JOIN funders f ON f.id = c.funder_id", DB_NO_ARGS,
	    takeover_open_row, x, e) != 0)
		return -1;
	if (db_int64(x->db, "SELECT COUNT(*) FROM campaigns", DB_NO_ARGS, &count, e) < 0)
		return -1;
	if ((x->campaigns = calloc((size_t)count + 1, sizeof(*x->campaigns))) == NULL)
		abort();
	if (db_each(x->db, "SELECT id, value_cents FROM campaigns ORDER BY id", DB_NO_ARGS,
	    takeover_campaign_row, x, e) != 0)
		return -1;
	if (db_int64(x->db, "SELECT COUNT(*) FROM places", DB_NO_ARGS, &x->r->places, e) < 0 ||
	    db_int64(x->db, "SELECT COUNT(*) FROM payees", DB_NO_ARGS, &x->r->payees, e) < 0)
		return -1;
	x->r->campaigns = (int64_t)x->ncampaigns;
	return 0;
}

static struct takeover_campaign *
takeover_campaign_find(struct takeover *x, int64_t id)
{
	size_t lo = 0, hi = x->ncampaigns;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->campaigns[mid].id == id)
			return &x->campaigns[mid];
		if (x->campaigns[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The vouchers                                                       */

static int
takeover_int(const char *s, int64_t *v)
{
	char *end;
	long long n;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = n;
	return 0;
}

struct takeover_booklet {
	int64_t id, size;
};

static int
takeover_booklet_close(struct takeover *x, struct takeover_booklet *b, struct error *e)
{
	if (b->id == 0)
		return 0;
	return db_run(x->db, "UPDATE booklets SET size = ?2 WHERE id = ?1",
	    DB_ARGS(DB_INT(b->id), DB_INT(b->size)), e);
}

int
takeover_voucher_parse(char *line, struct takeover_voucher_line *v)
{
	static const char *const statuses[] = { "issued", "redeemed", "revoked", "expired" };
	char *field[8];
	int nf = 0;
	struct error local;

	memset(v, 0, sizeof(*v));
	v->status = -1;
	for (char *p = line; nf < 8; nf++) {
		field[nf] = p;
		if ((p = strchr(p, ',')) == NULL) {
			nf++;
			break;
		}
		*p++ = '\0';
	}
	if (nf != 7 || takeover_hex(field[0], v->serial, 12) != 0 ||
	    takeover_hex(field[1], v->sha256, 32) != 0 ||
	    takeover_int(field[2], &v->campaign_id) != 0 || v->campaign_id <= 0 ||
	    takeover_int(field[3], &v->value_cents) != 0 || v->value_cents <= 0 ||
	    strlen(field[4]) != 10 || date_parse(field[4], &v->last_day, &local) != 0 ||
	    takeover_int(field[5], &v->booklet_id) != 0 || v->booklet_id <= 0)
		return -1;
	for (int i = 0; i < 4; i++)
		if (strcmp(field[6], statuses[i]) == 0)
			v->status = i;
	return v->status < 0 ? -1 : 0;
}

/* Vouchers parsed and waiting to be inserted, a chunk at a time in serial
 * order: the serial index (random serials) then takes its pages in order
 * once per chunk instead of one random page per voucher, which in one large
 * transaction would spill the same dirty pages to the WAL over and over.
 * The chunk bounds the memory. */
#define TAKEOVER_CHUNK 65536
struct takeover_pending {
	uint8_t serial[12], sha256[32];
	int64_t campaign_id, batch_id, booklet_id, position, value_cents;
	int32_t last_day;
	int status;
	uint64_t lineno;
};

struct takeover_chunk {
	struct takeover_pending *v;
	size_t count;
};

static int
takeover_pending_cmp(const void *a, const void *b)
{
	return memcmp(((const struct takeover_pending *)a)->serial,
	    ((const struct takeover_pending *)b)->serial, 12);
}

static int
takeover_chunk_flush(struct takeover *x, struct takeover_chunk *k, struct error *e)
{
	static const char *const statuses[] = { "issued", "redeemed", "revoked", "expired" };
	struct error local;

	qsort(k->v, k->count, sizeof(*k->v), takeover_pending_cmp);
	for (size_t i = 0; i < k->count; i++) {
		const struct takeover_pending *v = &k->v[i];
		uint8_t token[93];
		takeover_token_placeholder(v->serial, v->sha256, token);
		if (db_run(x->db, "INSERT INTO vouchers (serial, token, campaign_id, batch_id,"
		    " booklet_id, position, value_cents, last_day, status, issued_at) VALUES"
		    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", DB_ARGS(DB_BLOB(v->serial, 12),
		    DB_BLOB(token, 93), DB_INT(v->campaign_id), DB_INT(v->batch_id),
		    DB_INT(v->booklet_id), DB_INT(v->position), DB_INT(v->value_cents),
		    DB_INT(v->last_day), DB_TEXT(statuses[v->status]), DB_INT(x->o->now)),
		    &local) != 0)
			return takeover_bad(e, "vouchers.csv", "line %llu: %s",
			    (unsigned long long)v->lineno, local.message);
	}
	k->count = 0;
	return 0;
}

/* One line of vouchers.csv (without its newline): checked, counted, its
 * batch and booklet made, queued in k. */
static int
takeover_voucher(struct takeover *x, char *line, uint64_t lineno, struct takeover_booklet *b,
    struct takeover_chunk *k, struct error *e)
{
	struct takeover_voucher_line v;
	struct takeover_pending *p;
	struct takeover_campaign *c;
	struct error local;

	if (takeover_voucher_parse(line, &v) != 0)
		return takeover_bad(e, "vouchers.csv", "line %llu is malformed",
		    (unsigned long long)lineno);
	if ((c = takeover_campaign_find(x, v.campaign_id)) == NULL)
		return takeover_bad(e, "vouchers.csv", "line %llu: campaign %lld is not in"
		    " registry.json", (unsigned long long)lineno, (long long)v.campaign_id);
	if (c->batch_id == 0) {
		if (db_run(x->db, "INSERT INTO batches (campaign_id, count, booklet_size, issuer_key,"
		    " status, created_at, activated_at) VALUES (?1, 1, 1, ?2, 'active', ?3, ?3)",
		    DB_ARGS(DB_INT(c->id), DB_INT(x->issuer_key_row), DB_INT(x->o->now)), e) != 0)
			return -1;
		c->batch_id = db_last_rowid(x->db);
	}
	if (v.booklet_id != b->id) {
		if (takeover_booklet_close(x, b, e) != 0)
			return -1;
		if (db_run(x->db, "INSERT INTO booklets (id, batch_id, size, status)"
		    " VALUES (?1, ?2, 0, 'handed-out')", DB_ARGS(DB_INT(v.booklet_id),
		    DB_INT(c->batch_id)), &local) != 0)
			return takeover_bad(e, "vouchers.csv", "line %llu: booklet %lld appears twice"
			    " apart", (unsigned long long)lineno, (long long)v.booklet_id);
		b->id = v.booklet_id;
		b->size = 0;
	}
	b->size++;
	p = &k->v[k->count++];
	memcpy(p->serial, v.serial, 12);
	memcpy(p->sha256, v.sha256, 32);
	p->campaign_id = c->id;
	p->batch_id = c->batch_id;
	p->booklet_id = v.booklet_id;
	p->position = b->size;
	p->value_cents = v.value_cents;
	p->last_day = v.last_day;
	p->status = v.status;
	p->lineno = lineno;
	if (money_add(c->cents[v.status], v.value_cents, &c->cents[v.status]) != 0)
		return takeover_bad(e, "vouchers.csv", "amounts overflow");
	c->count++;
	if (v.status == 0)
		c->issued_count++;
	x->r->vouchers++;
	if (v.status == 0)
		x->r->issued++;
	else if (v.status == 1)
		x->r->redeemed++;
	else if (v.status == 2)
		x->r->revoked++;
	else
		x->r->expired++;
	return k->count == TAKEOVER_CHUNK ? takeover_chunk_flush(x, k, e) : 0;
}

/* Streams vouchers.csv into the home; then, per campaign, the outstanding
 * of the old ledger must equal the face value of its vouchers issued. */
static int
takeover_vouchers(struct takeover *x, struct error *e)
{
	static const char header[] =
	    "serial,token_sha256,campaign_id,value_cents,last_day,booklet_id,status";
	struct takeover_booklet b = { 0, 0 };
	struct takeover_chunk k = { NULL, 0 };
	char path[4200], *line = NULL, code[LEDGER_ACCOUNT_MAX + 1];
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	FILE *f;
	int rc = 0;

	takeover_path(x, "vouchers.csv", path, sizeof(path));
	if ((f = fopen(path, "rb")) == NULL)
		return takeover_bad(e, "vouchers.csv", "missing from the export");
	if ((k.v = malloc(TAKEOVER_CHUNK * sizeof(*k.v))) == NULL)
		abort();
	while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[n - 1] != '\n') {
			rc = takeover_bad(e, "vouchers.csv", "line %llu does not end",
			    (unsigned long long)lineno);
			break;
		}
		line[n - 1] = '\0';
		if (lineno == 1)
			rc = strcmp(line, header) == 0 ? 0 :
			    takeover_bad(e, "vouchers.csv", "not the documented header");
		else
			rc = takeover_voucher(x, line, lineno, &b, &k, e);
	}
	free(line);
	fclose(f);
	if (rc == 0)
		rc = takeover_chunk_flush(x, &k, e);
	free(k.v);
	if (rc != 0 || takeover_booklet_close(x, &b, e) != 0)
		return -1;
	if (lineno == 0)
		return takeover_bad(e, "vouchers.csv", "empty");
	if (json_integer_value(json_object_get(x->manifest, "vouchers")) != x->r->vouchers)
		return takeover_bad(e, "vouchers.csv", "not the manifest's count");
	for (size_t i = 0; i < x->ncampaigns; i++) {
		struct takeover_campaign *c = &x->campaigns[i];
		struct takeover_account *a;
		int64_t outstanding;
		ledger_account_code(ACCOUNT_OUTSTANDING, c->id, code);
		a = takeover_account_find(x, code);
		outstanding = a != NULL ? -a->balance : 0;
		if (outstanding != c->cents[0])
			return takeover_bad(e, "vouchers.csv", "campaign %lld: the ledger has %lld cents"
			    " outstanding, the vouchers issued and not redeemed, revoked or expired are"
			    " worth %lld cents", (long long)c->id, (long long)outstanding,
			    (long long)c->cents[0]);
		if (c->batch_id != 0 && db_run(x->db, "UPDATE batches SET count = ?2, booklet_size ="
		    " MIN(100, MAX(1, (SELECT MAX(size) FROM booklets WHERE batch_id = ?1)))"
		    " WHERE id = ?1", DB_ARGS(DB_INT(c->batch_id), DB_INT(c->count)), e) != 0)
			return -1;
		if (c->count > 0 && db_run(x->db, "INSERT INTO takeover_campaigns (campaign_id,"
		    " issued_count, issued_cents, redeemed_cents, revoked_cents, expired_cents)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", DB_ARGS(DB_INT(c->id), DB_INT(c->issued_count),
		    DB_INT(c->cents[0]), DB_INT(c->cents[1]), DB_INT(c->cents[2]),
		    DB_INT(c->cents[3])), e) != 0)
			return -1;
		if (money_add(x->r->outstanding_cents, c->cents[0], &x->r->outstanding_cents) != 0)
			return takeover_bad(e, "vouchers.csv", "amounts overflow");
	}
	/* Every old outstanding account is a campaign of the registry. */
	for (size_t i = 0; i < x->naccounts; i++) {
		long long id;
		char tail[16];
		if (sscanf(x->accounts[i].code, "campaign:%lld:%15s", &id, tail) == 2 &&
		    x->accounts[i].balance != 0 && takeover_campaign_find(x, id) == NULL)
			return takeover_bad(e, "registry.json", "campaign %lld has passes outstanding in"
			    " the ledger but is not listed", id);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The payables                                                       */

/* Splits a payables.csv line: id,siret,"name",iban,owed. */
static int
takeover_payable_fields(char *line, char **siret, char **name, char **iban, char **owed,
    char **id)
{
	char *p = line, *w;

	*id = p;
	if ((p = strchr(p, ',')) == NULL)
		return -1;
	*p++ = '\0';
	*siret = p;
	if ((p = strchr(p, ',')) == NULL || p[1] != '"')
		return -1;
	*p++ = '\0';
	*name = w = ++p;
	for (;; p++) {
		if (*p == '\0')
			return -1;
		if (*p == '"' && p[1] == '"') {
			*w++ = '"';
			p++;
		} else if (*p == '"') {
			break;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	if (p[1] != ',')
		return -1;
	p += 2;
	*iban = p;
	if ((p = strchr(p, ',')) == NULL)
		return -1;
	*p++ = '\0';
	*owed = p;
	return strchr(p, ',') == NULL ? 0 : -1;
}

int
takeover_payable_parse(char *line, struct takeover_payable_line *p)
{
	char *siret, *name, *iban, *owed, *id;

	memset(p, 0, sizeof(*p));
	if (takeover_payable_fields(line, &siret, &name, &iban, &owed, &id) != 0 ||
	    takeover_int(id, &p->payee_id) != 0 || p->payee_id <= 0 ||
	    takeover_int(owed, &p->owed_cents) != 0 || p->owed_cents <= 0 ||
	    strlen(siret) != 14 || strspn(siret, "0123456789") != 14 ||
	    strlen(iban) < 15 || strlen(iban) > 34 ||
	    strspn(iban, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(iban))
		return -1;
	p->siret = siret;
	p->name = name;
	p->iban = iban;
	return 0;
}

struct takeover_payee_check {
	const char *siret, *iban;
	int same;
};

static int
takeover_payee_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct takeover_payee_check *c = ctx;

	(void)e;
	c->same = strcmp(db_row_text_ptr(row, 0, NULL), c->siret) == 0 &&
	    strcmp(db_row_text_ptr(row, 1, NULL), c->iban) == 0;
	return 0;
}

static int
takeover_payables(struct takeover *x, struct error *e)
{
	char path[4200], *text, *line, *next, code[LEDGER_ACCOUNT_MAX + 1];
	size_t len;
	uint64_t lineno = 0;
	int64_t listed = 0, owed_accounts = 0;

	takeover_path(x, "payables.csv", path, sizeof(path));
	if (takeover_slurp(path, "payables.csv", &text, &len, e) != 0)
		return -1;
	for (line = text; *line != '\0'; line = next) {
		struct takeover_payable_line pl;
		int64_t payee_id, cents;
		struct takeover_account *a;
		struct takeover_payee_check c;
		int rc;
		if ((next = strchr(line, '\n')) == NULL) {
			free(text);
			return takeover_bad(e, "payables.csv", "its last line does not end");
		}
		*next++ = '\0';
		if (++lineno == 1) {
			if (strcmp(line, "payee_id,siret,name,iban,owed_cents") != 0) {
				free(text);
				return takeover_bad(e, "payables.csv", "not the documented header");
			}
			continue;
		}
		if (takeover_payable_parse(line, &pl) != 0) {
			free(text);
			return takeover_bad(e, "payables.csv", "line %llu is malformed",
			    (unsigned long long)lineno);
		}
		payee_id = pl.payee_id;
		cents = pl.owed_cents;
		c = (struct takeover_payee_check){ pl.siret, pl.iban, 0 };
		if ((rc = db_one(x->db, "SELECT siret, iban FROM payees WHERE id = ?1",
		    DB_ARGS(DB_INT(payee_id)), takeover_payee_row, &c, e)) < 0) {
			free(text);
			return -1;
		}
		ledger_account_code(ACCOUNT_PAYEE, payee_id, code);
		a = takeover_account_find(x, code);
		/* An escrow's payables are the funder's share of payee accounts
		 * that other funders move too: checked against the registry only. */
		if (rc == 0 || !c.same || (!x->escrow && (a == NULL || -a->balance != cents))) {
			free(text);
			return takeover_bad(e, "payables.csv", "payee %lld: not the registry's or not"
			    " what the ledger says it is owed", (long long)payee_id);
		}
		if (db_run(x->db, "INSERT INTO takeover_payables (payee_id, owed_cents) VALUES"
		    " (?1, ?2)", DB_ARGS(DB_INT(payee_id), DB_INT(cents)), e) != 0) {
			free(text);
			return -1;
		}
		listed++;
		if (money_add(x->r->payables_cents, cents, &x->r->payables_cents) != 0) {
			free(text);
			return takeover_bad(e, "payables.csv", "amounts overflow");
		}
	}
	free(text);
	for (size_t i = 0; i < x->naccounts; i++) {
		long long id;
		char rest[4];
		if (sscanf(x->accounts[i].code, "payee:%lld%3s", &id, rest) == 1 &&
		    x->accounts[i].balance != 0)
			owed_accounts++;
	}
	if ((!x->escrow && owed_accounts != listed) ||
	    json_integer_value(json_object_get(x->manifest, "payables")) != listed)
		return takeover_bad(e, "payables.csv", "%lld payees listed but the ledger says %lld"
		    " are owed", (long long)listed, (long long)owed_accounts);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The opening entries                                                */

struct takeover_opening {
	struct takeover *x;
	struct ledger_entry entry;
	int64_t total; /* of the entry's credits */
	int part;
	char reference[LEDGER_TEXT_MAX + 1];
};

static int
takeover_opening_flush(struct takeover_opening *o, struct error *e)
{
	struct takeover *x = o->x;

	if (o->entry.count == 0)
		return 0;
	if (ledger_post(&o->entry, ACCOUNT_TAKEOVER_CLAIM, 0, o->total, e) != 0 ||
	    ledger_append(x->db, &o->entry, NULL, e) != 0)
		return -1;
	if (x->r->entries++ == 0)
		x->r->first_seq = o->entry.seq;
	o->entry.count = 0;
	o->total = 0;
	return 0;
}

static int
takeover_opening_post(struct takeover_opening *o, enum ledger_account_kind kind, int64_t owner,
    int64_t cents, struct error *e)
{
	if (o->entry.count == 0) {
		memset(&o->entry, 0, sizeof(o->entry));
		o->entry.time = o->x->o->now;
		snprintf(o->entry.kind, sizeof(o->entry.kind), "takeover");
		snprintf(o->entry.reference, sizeof(o->entry.reference), "%s", o->reference);
		snprintf(o->entry.memo, sizeof(o->entry.memo), "Reprise : engagements repris de"
		    " l'ancien opérateur, partie %d", ++o->part);
	}
	if (ledger_post(&o->entry, kind, owner, -cents, e) != 0 ||
	    money_add(o->total, cents, &o->total) != 0)
		return -1;
	return o->entry.count == LEDGER_MAX_POSTINGS - 1 ? takeover_opening_flush(o, e) : 0;
}

static int
takeover_payable_post(const struct db_row *row, void *ctx, struct error *e)
{
	return takeover_opening_post(ctx, ACCOUNT_PAYEE, db_row_int64(row, 0),
	    db_row_int64(row, 1), e);
}

/* "takeover" entries: each credits commitments (campaigns' outstanding,
 * payees' unpaid) and debits the claim on the old operator by their total;
 * the reference names the old log's origin, size and root. */
static int
takeover_opening(struct takeover *x, struct error *e)
{
	struct takeover_opening o = { .x = x };
	char root[65];

	sodium_bin2hex(root, sizeof(root), x->r->old_root, 32);
	if (snprintf(o.reference, sizeof(o.reference), "%s %llu %s", x->origin,
	    (unsigned long long)x->r->old_size, root) >= (int)sizeof(o.reference))
		return error_set(e, 422, "BAD_EXPORT", "the old origin is too long for the opening"
		    " entry's reference");
	if (ledger_account_open(x->db, ACCOUNT_TAKEOVER_CLAIM, 0, NULL, e) != 0)
		return -1;
	for (size_t i = 0; i < x->ncampaigns; i++)
		if (x->campaigns[i].cents[0] > 0 && takeover_opening_post(&o, ACCOUNT_OUTSTANDING,
		    x->campaigns[i].id, x->campaigns[i].cents[0], e) != 0)
			return -1;
	if (db_each(x->db, "SELECT payee_id, owed_cents FROM takeover_payables ORDER BY payee_id",
	    DB_NO_ARGS, takeover_payable_post, &o, e) != 0 || takeover_opening_flush(&o, e) != 0)
		return -1;
	if (x->r->entries == 0) {
		/* Nothing outstanding nor owed: one entry still records the takeover. */
		return error_set(e, 422, "BAD_EXPORT", "the export has no pass in circulation and no"
		    " payee owed: there is nothing to take over");
	}
	return 0;
}

/* Every payee's IBAN is to confirm: marked, and on hold until then. */
static int
takeover_iban_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct takeover *x = ctx;
	int64_t id = db_row_int64(row, 0), hold;

	return db_run(x->db, "INSERT INTO payee_iban_unconfirmed (payee_id, since) VALUES (?1, ?2)",
	    DB_ARGS(DB_INT(id), DB_INT(x->o->now)), e) != 0 ||
	    settlement_hold(x->db, id, "IBAN à confirmer après la reprise", x->o->who, x->o->now,
	    &hold, e) != 0 ? -1 : 0;
}

/* The home must be fresh: made by init and nothing else. */
static int
takeover_fresh(struct db *db, struct error *e)
{
	int64_t used = 0;

	if (db_int64(db, "SELECT (SELECT COUNT(*) FROM entries) + (SELECT COUNT(*) FROM funders)"
	    " + (SELECT COUNT(*) FROM payees) + (SELECT COUNT(*) FROM services)"
	    " + (SELECT COUNT(*) FROM campaigns) + (SELECT COUNT(*) FROM vouchers)"
	    " + (SELECT COUNT(*) FROM distributors) + (SELECT COUNT(*) FROM takeovers)"
	    " + (SELECT COUNT(*) FROM tokens)", DB_NO_ARGS, &used, e) < 0)
		return -1;
	if (used != 0)
		return error_set(e, 409, "HOME_NOT_FRESH", "this home is already in use: take over"
		    " into a home made with passnum init and nothing else");
	return 0;
}

static int
takeover_record(struct takeover *x, struct error *e)
{
	json_t *op = json_object_get(x->manifest, "operator");

	return db_run(x->db, "INSERT INTO takeovers (id, old_origin, old_operator, old_siren,"
	    " old_size, old_root, old_checkpoint, old_ledger_key, manifest_sha256, first_seq,"
	    " entries, outstanding_cents, payables_cents, created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5,"
	    " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", DB_ARGS(DB_TEXT(x->origin),
	    DB_TEXT(json_string_value(json_object_get(op, "name")) ?: ""),
	    DB_TEXT(json_string_value(json_object_get(op, "siren")) ?: ""),
	    DB_INT(x->r->old_size), DB_BLOB(x->r->old_root, 32), DB_TEXT(x->checkpoint_note),
	    DB_BLOB(x->key, 32), DB_BLOB(x->manifest_sha, 32), DB_INT(x->r->first_seq),
	    DB_INT(x->r->entries), DB_INT(x->r->outstanding_cents), DB_INT(x->r->payables_cents),
	    DB_INT(x->o->now)), e);
}

int
takeover_import(struct db *db, const struct takeover_options *o, struct takeover_result *r,
    struct error *e)
{
	struct takeover x = { .db = db, .o = o, .r = r };
	int rc;

	memset(r, 0, sizeof(*r));
	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	rc = takeover_fresh(db, e) != 0 || takeover_manifest(&x, e) != 0 ||
	    takeover_checkpoint(&x, e) != 0 || takeover_ledger(&x, e) != 0 ||
	    takeover_keys(&x, e) != 0 || takeover_registry(&x, e) != 0 ||
	    takeover_vouchers(&x, e) != 0 || takeover_payables(&x, e) != 0 ||
	    takeover_opening(&x, e) != 0 ||
	    db_run(db, "UPDATE batches SET entry_seq = ?1", DB_ARGS(DB_INT(r->first_seq)), e) != 0 ||
	    db_each(db, "SELECT id FROM payees ORDER BY id", DB_NO_ARGS, takeover_iban_row, &x,
	    e) != 0 || takeover_record(&x, e) != 0 ? -1 : 0;
	json_decref(x.manifest);
	json_decref(x.keys);
	free(x.registry_text);
	free(x.checkpoint_note);
	free(x.accounts);
	free(x.campaigns);
	return rc;
}

/* ------------------------------------------------------------------ */
/* After the takeover                                                 */

static int
takeover_get_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct takeover_info *t = ctx;

	(void)e;
	db_row_text(row, 0, t->old_origin, sizeof(t->old_origin));
	t->old_size = (uint64_t)db_row_int64(row, 1);
	db_row_blob(row, 2, t->old_root, 32);
	db_row_blob(row, 3, t->old_ledger_key, 32);
	t->first_seq = (uint64_t)db_row_int64(row, 4);
	t->entries = (uint64_t)db_row_int64(row, 5);
	t->outstanding_cents = db_row_int64(row, 6);
	t->payables_cents = db_row_int64(row, 7);
	return 0;
}

int
takeover_get(struct db *db, struct takeover_info *t, struct error *e)
{
	int rc = db_one(db, "SELECT old_origin, old_size, old_root, old_ledger_key, first_seq,"
	    " entries, outstanding_cents, payables_cents FROM takeovers WHERE id = 1", DB_NO_ARGS,
	    takeover_get_row, t, e);

	if (rc <= 0)
		return rc < 0 ? -1 : error_set(e, 404, "NO_TAKEOVER", "this home took nothing over"
		    " (passnum takeover)");
	return 0;
}

struct takeover_root {
	struct merkle_state state;
};

static int
takeover_leaf_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct takeover_root *t = ctx;
	uint8_t hash[32];

	(void)e;
	if (db_row_blob(row, 0, hash, 32) != 0)
		return -1;
	return merkle_state_append(&t->state, hash, NULL, NULL) != 0 ? -1 : 0;
}

int
takeover_check_checkpoint(struct db *db, const char *note, uint64_t *size, bool *beyond,
    struct error *e)
{
	struct takeover_info t;
	struct takeover_root tr;
	uint8_t root[32], mine[32];
	struct error local;

	if (takeover_get(db, &t, e) != 0)
		return -1;
	if (note_checkpoint_verify(note, strlen(note), t.old_origin, t.old_origin,
	    t.old_ledger_key, size, root, &local) != 0)
		return error_set(e, 422, "BAD_SIGNATURE", "the checkpoint is not the old operator's:"
		    " %s", local.message);
	*beyond = *size > t.old_size;
	if (*beyond)
		return 0;
	merkle_state_init(&tr.state);
	if (db_each(db, "SELECT hash FROM takeover_old_leaves WHERE idx < ?1 ORDER BY idx",
	    DB_ARGS(DB_INT(*size)), takeover_leaf_row, &tr, e) != 0)
		return -1;
	merkle_state_root(&tr.state, mine);
	if (tr.state.size != *size || sodium_memcmp(mine, root, 32) != 0)
		return error_set(e, 409, "CHECKPOINT_MISMATCH", "the old log taken over does not match"
		    " this checkpoint at size %llu: the old operator showed the funder another"
		    " history", (unsigned long long)*size);
	return 0;
}

/* The receipt's passes, as the 201 body lists them, and their state here. */
struct takeover_pass {
	uint8_t serial[12];
	struct voucher_state state;
};

static int
takeover_place_row(const struct db_row *row, void *ctx, struct error *e)
{
	int64_t *payee = ctx;

	(void)e;
	*payee = db_row_int64(row, 0);
	return 0;
}

/* The usual refusal of a pass that is no longer in circulation. */
static int
takeover_pass_status(const struct takeover_pass *p, struct error *e)
{
	char code[CODE_TEXT_LEN + 1];

	code_format(p->serial, code);
	switch (p->state.status) {
	case VOUCHER_ISSUED:
		return 0;
	case VOUCHER_REDEEMED:
		return error_set(e, 409, "ALREADY_REDEEMED", "pass %s was already redeemed", code);
	case VOUCHER_REVOKED:
		return error_set(e, 410, "REVOKED", "pass %s was revoked (declared lost or stolen)", code);
	case VOUCHER_EXPIRED:
		return error_set(e, 410, "EXPIRED", "pass %s has expired", code);
	default:
		return error_set(e, 422, "UNKNOWN_VOUCHER", "pass %s was never issued", code);
	}
}

/* A redemption's answer (its 201 body) as takeover-receipt reads it. */
struct takeover_answer {
	struct receipt rc;
	struct takeover_pass passes[REDEMPTION_MAX_PASSES];
	size_t count;
	char service[33];
	int64_t old_id, place_id, value, payee_id, service_id;
	int32_t day;
	uint8_t request_hash[32];
};

/* The answer's fields and passes; its request hash is theirs. */
static int
takeover_answer_read(const json_t *json, struct takeover_answer *a, struct error *e)
{
	const json_t *vouchers = json_object_get(json, "vouchers"), *it;
	const char *service = json_string_value(json_object_get(json, "service"));
	const char *day = json_string_value(json_object_get(json, "day"));
	const char *hash = json_string_value(json_object_get(json, "request_hash"));
	struct redemption_request req;
	struct error local;
	size_t i;

	a->old_id = json_integer_value(json_object_get(json, "id"));
	a->place_id = json_integer_value(json_object_get(json, "place"));
	a->value = json_integer_value(json_object_get(json, "value_cents"));
	a->count = json_array_size(vouchers);
	if (service == NULL || strlen(service) >= sizeof(a->service) || day == NULL ||
	    hash == NULL || a->old_id <= 0 || a->place_id <= 0 || a->value <= 0 || a->count == 0 ||
	    a->count > REDEMPTION_MAX_PASSES || date_parse(day, &a->day, &local) != 0 ||
	    takeover_hex(hash, a->request_hash, 32) != 0)
		return error_set(e, 422, "BAD_RECEIPT", "the file is not a redemption's answer (its"
		    " id, place, service, day, value, passes or request hash)");
	snprintf(a->service, sizeof(a->service), "%s", service);
	memset(&req, 0, sizeof(req));
	req.count = a->count;
	snprintf(req.service_code, sizeof(req.service_code), "%s", service);
	json_array_foreach(vouchers, i, it) {
		if (takeover_hex(json_string_value(it), a->passes[i].serial, 12) != 0)
			return error_set(e, 422, "BAD_RECEIPT", "pass %zu of the receipt is not a serial",
			    i + 1);
		for (size_t j = 0; j < i; j++)
			if (memcmp(a->passes[j].serial, a->passes[i].serial, 12) == 0)
				return error_set(e, 422, "BAD_RECEIPT", "a pass appears twice in the"
				    " receipt");
		memcpy(req.passes[i].serial, a->passes[i].serial, 12);
	}
	redemption_request_hash(&req);
	if (sodium_memcmp(req.request_hash, a->request_hash, 32) != 0)
		return error_set(e, 422, "BAD_RECEIPT", "the receipt's passes are not those of its"
		    " request");
	return receipt_from_json(json_object_get(json, "receipt"), &a->rc, e);
}

/* The receipt is the old operator's, beyond the export, not used yet, and
 * this redemption's; its place and service are in the registry. */
static int
takeover_answer_vouch(struct db *db, const struct takeover_info *t, struct takeover_answer *a,
    struct error *e)
{
	char want[64];
	struct error local;
	int found;

	if (receipt_verify(&a->rc, t->old_ledger_key, &local) != 0)
		return error_set(e, 422, "BAD_SIGNATURE", "the receipt is not signed by the old"
		    " operator's ledger key");
	if (a->rc.entry.seq < t->old_size)
		return error_set(e, 422, "RECEIPT_IN_EXPORT", "the receipt's entry %llu is in the"
		    " export (%llu entries): its passes were taken over with their status",
		    (unsigned long long)a->rc.entry.seq, (unsigned long long)t->old_size);
	if ((found = db_one(db, "SELECT 1 FROM takeover_receipts WHERE old_seq = ?1",
	    DB_ARGS(DB_INT(a->rc.entry.seq)), NULL, NULL, e)) != 0)
		return found < 0 ? -1 : error_set(e, 409, "RECEIPT_ALREADY_USED", "the old operator's"
		    " entry %llu was already accepted here: a receipt counts once",
		    (unsigned long long)a->rc.entry.seq);
	snprintf(want, sizeof(want), "redemption:%lld", (long long)a->old_id);
	if (strcmp(a->rc.entry.kind, "redeem") != 0 || strcmp(a->rc.entry.reference, want) != 0)
		return error_set(e, 422, "BAD_RECEIPT", "the receipt is not this redemption's");
	if ((found = db_one(db, "SELECT payee_id FROM places WHERE id = ?1",
	    DB_ARGS(DB_INT(a->place_id)), takeover_place_row, &a->payee_id, e)) < 0 ||
	    (found > 0 && (found = db_int64(db, "SELECT id FROM services WHERE code = ?1",
	    DB_ARGS(DB_TEXT(a->service)), &a->service_id, e)) < 0))
		return -1;
	if (found == 0)
		return error_set(e, 422, "BAD_RECEIPT", "the receipt's place or service is not in"
		    " the registry taken over");
	return 0;
}

/* The passes are in circulation here, and the signed entry moves exactly
 * their values: their campaigns' outstanding debited, the place's payee
 * credited. Fills entry (kind, time, postings). */
static int
takeover_answer_entry(struct db *db, struct takeover_answer *a, int64_t now,
    struct ledger_entry *entry, struct error *e)
{
	int64_t sum = 0;

	memset(entry, 0, sizeof(*entry));
	entry->time = now;
	snprintf(entry->kind, sizeof(entry->kind), "redeem");
	for (size_t i = 0; i < a->count; i++) {
		if (issuance_voucher_lookup(db, a->passes[i].serial, &a->passes[i].state, e) != 0)
			return e->status == 404 ? error_set(e, 422, "UNKNOWN_VOUCHER", "pass %zu of the"
			    " receipt was not taken over", i + 1) : -1;
		if (takeover_pass_status(&a->passes[i], e) != 0)
			return -1;
	}
	for (size_t i = 0; i < a->count; i++) {
		bool seen = false;
		int64_t campaign = a->passes[i].state.campaign_id, part = 0;
		for (size_t j = 0; j < i; j++)
			seen |= a->passes[j].state.campaign_id == campaign;
		if (seen)
			continue;
		for (size_t j = i; j < a->count; j++)
			if (a->passes[j].state.campaign_id == campaign)
				part += a->passes[j].state.value_cents;
		if (ledger_post(entry, ACCOUNT_OUTSTANDING, campaign, part, e) != 0)
			return -1;
		sum += part;
	}
	if (sum != a->value || ledger_post(entry, ACCOUNT_PAYEE, a->payee_id, -a->value, e) != 0)
		return error_set(e, 422, "BAD_RECEIPT", "the receipt's value is not its passes'");
	/* The signed postings must be these (the old payee's id is this home's). */
	ledger_canonicalise(entry);
	if (entry->count != a->rc.entry.count)
		return error_set(e, 422, "BAD_RECEIPT", "the receipt's postings are not its passes'"
		    " values");
	for (size_t i = 0; i < entry->count; i++)
		if (strcmp(entry->postings[i].account, a->rc.entry.postings[i].account) != 0 ||
		    entry->postings[i].amount != a->rc.entry.postings[i].amount)
			return error_set(e, 422, "BAD_RECEIPT", "the receipt's postings are not its"
			    " passes' values at the place's payee");
	return 0;
}

/* Recorded here: a "redeem" entry, a redemption (the answer as its stored
 * response), its passes redeemed, the receipt used. */
static int
takeover_answer_record(struct db *db, const struct takeover_answer *a, const char *body,
    int64_t now, struct ledger_entry *entry, int64_t *id, struct error *e)
{
	char key[64];

	if (db_int64(db, "SELECT COALESCE(MAX(id), 0) + 1 FROM redemptions", DB_NO_ARGS, id,
	    e) != 1)
		return -1;
	snprintf(entry->reference, sizeof(entry->reference), "redemption:%lld", (long long)*id);
	snprintf(entry->memo, sizeof(entry->memo), "Pass utilisés chez l'ancien opérateur (son"
	    " écriture %llu)", (unsigned long long)a->rc.entry.seq);
	snprintf(key, sizeof(key), "takeover:%llu", (unsigned long long)a->rc.entry.seq);
	if (ledger_append(db, entry, NULL, e) != 0 ||
	    db_run(db, "INSERT INTO redemptions (id, place_id, service_id, created_at, day,"
	    " value_cents, entry_seq, idempotency_key, request_hash, response)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", DB_ARGS(DB_INT(*id),
	    DB_INT(a->place_id), DB_INT(a->service_id), DB_INT(now), DB_INT(a->day),
	    DB_INT(a->value), DB_INT(entry->seq), DB_TEXT(key), DB_BLOB(a->request_hash, 32),
	    DB_TEXT(body)), e) != 0)
		return -1;
	for (size_t i = 0; i < a->count; i++) {
		if (db_run(db, "INSERT INTO redemption_vouchers (redemption_id, serial) VALUES (?1, ?2)",
		    DB_ARGS(DB_INT(*id), DB_BLOB(a->passes[i].serial, 12)), e) != 0 ||
		    db_run(db, "UPDATE vouchers SET status = 'redeemed', redemption_id = ?1,"
		    " changed_at = ?2 WHERE serial = ?3 AND status = 'issued'", DB_ARGS(DB_INT(*id),
		    DB_INT(now), DB_BLOB(a->passes[i].serial, 12)), e) != 0)
			return -1;
		if (db_changes(db) != 1)
			return error_set(e, 409, "ALREADY_REDEEMED", "a pass changed status meanwhile");
	}
	return db_run(db, "INSERT INTO takeover_receipts (old_seq, redemption_id, created_at)"
	    " VALUES (?1, ?2, ?3)", DB_ARGS(DB_INT(a->rc.entry.seq), DB_INT(*id), DB_INT(now)), e);
}

int
takeover_receipt(struct db *db, const char *body, size_t len, int64_t now,
    struct takeover_receipt_result *r, struct error *e)
{
	struct takeover_info t;
	struct takeover_answer *a;
	struct ledger_entry entry;
	json_error_t je;
	json_t *json;
	int64_t id = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if (DB_IN_WRITE(db, e) != 0 || takeover_get(db, &t, e) != 0)
		return -1;
	if ((json = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je)) == NULL ||
	    !json_is_object(json)) {
		json_decref(json);
		return error_set(e, 422, "BAD_RECEIPT", "the file is not a redemption's answer (JSON)");
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		abort();
	rc = takeover_answer_read(json, a, e) != 0 || takeover_answer_vouch(db, &t, a, e) != 0 ||
	    takeover_answer_entry(db, a, now, &entry, e) != 0 ||
	    takeover_answer_record(db, a, body, now, &entry, &id, e) != 0 ? -1 : 0;
	if (rc == 0) {
		r->old_seq = a->rc.entry.seq;
		r->redemption_id = id;
		r->entry_seq = entry.seq;
		r->value_cents = a->value;
		r->place_id = a->place_id;
		r->payee_id = a->payee_id;
		r->passes = (int64_t)a->count;
	}
	free(a);
	json_decref(json);
	return rc;
}

int
takeover_confirm_iban(struct db *db, int64_t payee_id, const char *who, int64_t now,
    struct error *e)
{
	if (DB_IN_WRITE(db, e) != 0 ||
	    db_run(db, "DELETE FROM payee_iban_unconfirmed WHERE payee_id = ?1",
	    DB_ARGS(DB_INT(payee_id)), e) != 0)
		return -1;
	if (db_changes(db) != 1)
		return error_set(e, 409, "IBAN_CONFIRMED", "payee %lld has no IBAN to confirm",
		    (long long)payee_id);
	return settlement_release(db, payee_id, who, now, e);
}

int
takeover_funds(struct db *db, int64_t cents, const char *ref, int64_t now, uint64_t *seq,
    struct error *e)
{
	struct takeover_info t;
	struct ledger_entry entry;
	char code[LEDGER_ACCOUNT_MAX + 1];
	int64_t claim = 0;
	int rc;

	if (DB_IN_WRITE(db, e) != 0 || takeover_get(db, &t, e) != 0)
		return -1;
	if ((rc = db_one(db, "SELECT 1 FROM entries WHERE kind = 'takeover-funds' AND reference = ?1",
	    DB_ARGS(DB_TEXT(ref)), NULL, NULL, e)) != 0)
		return rc < 0 ? -1 : error_set(e, 409, "DUPLICATE_REF", "funds with reference %s were"
		    " already recorded", ref);
	ledger_account_code(ACCOUNT_TAKEOVER_CLAIM, 0, code);
	if (ledger_balance(db, code, &claim, e) != 0)
		return -1;
	if (cents > claim) {
		char left[MONEY_FORMAT_SIZE];
		money_format(claim, left, sizeof(left));
		return error_set(e, 409, "BEYOND_CLAIM", "the claim on the old operator is %s €: more"
		    " is not what the takeover left owed (record the rest as a funder's credit)", left);
	}
	memset(&entry, 0, sizeof(entry));
	entry.time = now;
	snprintf(entry.kind, sizeof(entry.kind), "takeover-funds");
	snprintf(entry.reference, sizeof(entry.reference), "%s", ref);
	snprintf(entry.memo, sizeof(entry.memo), "Fonds reçus de l'ancien opérateur");
	if (ledger_account_open(db, ACCOUNT_BANK, 0, NULL, e) != 0 ||
	    ledger_post(&entry, ACCOUNT_BANK, 0, cents, e) != 0 ||
	    ledger_post(&entry, ACCOUNT_TAKEOVER_CLAIM, 0, -cents, e) != 0 ||
	    ledger_append(db, &entry, NULL, e) != 0)
		return -1;
	*seq = entry.seq;
	return 0;
}

int
takeover_iban_unconfirmed(struct db *db, int64_t payee_id, struct error *e)
{
	int rc = db_one(db, "SELECT 1 FROM payee_iban_unconfirmed WHERE payee_id = ?1",
	    DB_ARGS(DB_INT(payee_id)), NULL, NULL, e);

	if (rc <= 0)
		return rc;
	return error_set(e, 409, "IBAN_UNCONFIRMED", "payee %lld's IBAN came with the takeover and"
	    " is not confirmed: check it with the payee, then passnum payee confirm-iban %lld",
	    (long long)payee_id, (long long)payee_id);
}

struct takeover_totals {
	int (*campaign)(int64_t, int64_t, int64_t, int64_t, int64_t, void *);
	int (*payee)(int64_t, int64_t, void *);
	void *ctx;
};

static int
takeover_campaign_total_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct takeover_totals *t = ctx;

	(void)e;
	return t->campaign(db_row_int64(row, 0), db_row_int64(row, 1), db_row_int64(row, 2),
	    db_row_int64(row, 3), db_row_int64(row, 4), t->ctx) != 0 ? -1 : 0;
}

int
takeover_campaign_totals(struct db *db,
    int (*fn)(int64_t campaign_id, int64_t issued_cents, int64_t redeemed_cents,
    int64_t revoked_cents, int64_t expired_cents, void *ctx), void *ctx, struct error *e)
{
	struct takeover_totals t = { .campaign = fn, .ctx = ctx };

	return db_each(db, "SELECT campaign_id, issued_cents, redeemed_cents, revoked_cents,"
	    " expired_cents FROM takeover_campaigns ORDER BY campaign_id", DB_NO_ARGS,
	    takeover_campaign_total_row, &t, e);
}

int
takeover_payable_totals(struct db *db, int (*fn)(int64_t payee_id, int64_t cents, void *ctx),
    void *ctx, struct error *e)
{
	return db_each_int64_pair(db, "SELECT payee_id, owed_cents FROM takeover_payables"
	    " ORDER BY payee_id", fn, ctx, e);
}

int
takeover_ended_here(struct db *db, int64_t *cents, struct error *e)
{
	int64_t closed = 0, before = 0;

	if (db_int64(db, "SELECT COALESCE(SUM(value_cents), 0) FROM vouchers WHERE status IN"
	    " ('revoked', 'expired') AND " TAKEOVER_IMPORTED_SQL, DB_NO_ARGS, &closed, e) < 0 ||
	    db_int64(db, "SELECT COALESCE(SUM(revoked_cents + expired_cents), 0)"
	    " FROM takeover_campaigns", DB_NO_ARGS, &before, e) < 0)
		return -1;
	if (money_sub(closed, before, cents) != 0 || *cents < 0)
		return error_set(e, 500, "LEDGER_ERROR", "passes taken over closed before the takeover"
		    " are worth more than all those closed");
	return 0;
}
