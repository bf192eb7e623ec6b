/* Verifying a jsonl export from outside (export_verify.h; the format:
 * docs/ledger.md, "The jsonl export"). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>
#include <zlib.h>
#include "checkpoint.h"
#include "export_verify.h"
#include "ledger.h"
#include "money.h"

#define LINE_MAX_BYTES (64 * 1024)

/* An account line: what it says, and the sum of its postings so far. */
struct xv_account {
	char code[LEDGER_ACCOUNT_MAX + 1];
	int rule;          /* -1: never above zero (owed to someone); 1: never below; 0: none */
	int64_t declared, sum;
};

struct xv_checkpoint {
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	uint64_t line;
};

struct xv {
	const struct export_verify_options *o;
	struct export_verify_result *r;
	struct keys_ledger header_keys;
	const struct keys_ledger *keys;
	int phase; /* 0 header, 1 accounts, 2 entries, 3 checkpoints */
	struct xv_account *accounts;
	size_t naccounts, capaccounts;
	uint8_t (*leaves)[MERKLE_HASH_SIZE];
	size_t capleaves;
	struct merkle_state tree;
	struct xv_checkpoint *cps;
	size_t ncps, capcps;
};

static int
xv_fail(struct xv *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
xv_fail(struct xv *x, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(x->r->failure, sizeof(x->r->failure), "line %llu: %s",
	    (unsigned long long)x->r->lines, what);
	return 1;
}

static void *
xv_grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap == 0 ? 256 : 2 * *cap;
	p = realloc(p, *cap * size);
	if (p == NULL)
		abort();
	return p;
}

static const char *
xv_string(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

static int
xv_hex32(const json_t *obj, const char *name, uint8_t out[MERKLE_HASH_SIZE])
{
	const char *hex = xv_string(obj, name);
	size_t len;

	if (hex == NULL || strlen(hex) != 2 * MERKLE_HASH_SIZE)
		return -1;
	for (const char *p = hex; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -1;
	return sodium_hex2bin(out, MERKLE_HASH_SIZE, hex, strlen(hex), NULL, &len, NULL) == 0 &&
	    len == MERKLE_HASH_SIZE ? 0 : -1;
}

static int
xv_header(struct xv *x, const json_t *h)
{
	const char *origin = xv_string(h, "origin"), *format = xv_string(h, "format"),
	    *encoding = xv_string(h, "encoding");
	const json_t *keys = json_object_get(h, "keys"), *k;
	size_t i;

	if (format == NULL || strcmp(format, "passnum-ledger-export-v1") != 0 ||
	    (encoding != NULL && strcmp(encoding, LEDGER_DOMAIN) != 0))
		return xv_fail(x, "not a passnum-ledger-export-v1 export of %s entries", LEDGER_DOMAIN);
	if (origin == NULL || strlen(origin) > NOTE_NAME_MAX || !json_is_array(keys))
		return xv_fail(x, "the header has no origin or no key list");
	snprintf(x->r->origin, sizeof(x->r->origin), "%s", origin);
	json_array_foreach(keys, i, k) {
		struct key_info key = { .kind = KEY_LEDGER, .status = KEY_ACTIVE };
		const char *kind = xv_string(k, "kind");
		if (kind == NULL || strcmp(kind, "ledger") != 0)
			continue;
		if (xv_hex32(k, "public_key", key.public_key) != 0 ||
		    note_key_id(origin, key.public_key, key.key_id) != 0)
			return xv_fail(x, "ledger key %zu of the header is malformed", i);
		keys_ledger_add(&x->header_keys, &key);
	}
	if (x->o->keys != NULL) {
		if (strcmp(x->o->origin, origin) != 0)
			return xv_fail(x, "the export is of the log %s, the keys given of %s", origin,
			    x->o->origin);
		x->keys = x->o->keys; /* the header's keys are the file's own word */
	} else {
		x->keys = &x->header_keys;
		x->r->header_keys = 1;
	}
	if (x->keys->count == 0)
		return xv_fail(x, "no ledger key to check the checkpoints with");
	return 0;
}

static int
xv_account_compare(const void *a, const void *b)
{
	return strcmp(((const struct xv_account *)a)->code, ((const struct xv_account *)b)->code);
}

static struct xv_account *
xv_account_find(struct xv *x, const char *code)
{
	struct xv_account key;

	if (x->naccounts == 0 || strlen(code) >= sizeof(key.code))
		return NULL;
	snprintf(key.code, sizeof(key.code), "%s", code);
	return bsearch(&key, x->accounts, x->naccounts, sizeof(*x->accounts), xv_account_compare);
}

static int
xv_account(struct xv *x, const json_t *a)
{
	const char *code = xv_string(a, "code"), *kind = xv_string(a, "kind"),
	    *pcg = xv_string(a, "pcg");
	const json_t *balance = json_object_get(a, "balance");
	struct xv_account *acc;
	const char *chart_kind, *chart_pcg;
	int rule;

	if (code == NULL || kind == NULL || pcg == NULL || !json_is_integer(balance) ||
	    strlen(code) > LEDGER_ACCOUNT_MAX)
		return xv_fail(x, "a malformed account line");
	if (ledger_account_lookup(code, &chart_kind, &chart_pcg, &rule) != 0)
		return xv_fail(x, "account %s is not in the chart of accounts", code);
	if (strcmp(kind, chart_kind) != 0 || strcmp(pcg, chart_pcg) != 0)
		return xv_fail(x, "account %s: kind %s and PCG %s are not the chart's (%s, %s)", code,
		    kind, pcg, chart_kind, chart_pcg);
	/* Account lines come by code: sorted, each once. */
	if (x->naccounts > 0 && strcmp(x->accounts[x->naccounts - 1].code, code) >= 0)
		return xv_fail(x, "account %s is out of order or listed twice", code);
	x->accounts = xv_grow(x->accounts, &x->capaccounts, x->naccounts, sizeof(*x->accounts));
	acc = &x->accounts[x->naccounts++];
	memset(acc, 0, sizeof(*acc));
	snprintf(acc->code, sizeof(acc->code), "%s", code);
	acc->rule = rule;
	acc->declared = json_integer_value(balance);
	x->r->accounts++;
	return 0;
}

static bool
xv_breaks_rule(const struct xv_account *acc)
{
	return (acc->rule < 0 && acc->sum > 0) || (acc->rule > 0 && acc->sum < 0);
}

static int
xv_entry(struct xv *x, json_t *line)
{
	struct ledger_entry entry;
	struct error e;
	int64_t sum = 0;

	json_object_del(line, "type");
	if (ledger_entry_from_json(line, &entry, &e) != 0)
		return xv_fail(x, "entry %lld: %s", (long long)json_integer_value(json_object_get(line,
		    "seq")), e.message);
	if (entry.seq != x->r->entries)
		return xv_fail(x, "entry %llu where entry %llu was due (entries are numbered 0, 1, 2, …"
		    " without gap)", (unsigned long long)entry.seq, (unsigned long long)x->r->entries);
	if (entry.count < 2)
		return xv_fail(x, "entry %llu has fewer than two postings", (unsigned long long)entry.seq);
	for (size_t i = 0; i < entry.count; i++) {
		int64_t amount = entry.postings[i].amount;
		if (amount == 0 || amount > LEDGER_AMOUNT_MAX || amount < -LEDGER_AMOUNT_MAX ||
		    money_add(sum, amount, &sum) != 0)
			return xv_fail(x, "entry %llu: posting %zu's amount is zero or out of range",
			    (unsigned long long)entry.seq, i);
	}
	if (sum != 0)
		return xv_fail(x, "entry %llu: its postings sum to %lld, not zero (unbalanced)",
		    (unsigned long long)entry.seq, (long long)sum);
	for (size_t i = 0; i < entry.count; i++) {
		struct xv_account *acc = xv_account_find(x, entry.postings[i].account);
		if (acc == NULL)
			return xv_fail(x, "entry %llu posts to %s, which no account line declares",
			    (unsigned long long)entry.seq, entry.postings[i].account);
		if (money_add(acc->sum, entry.postings[i].amount, &acc->sum) != 0)
			return xv_fail(x, "entry %llu: %s overflows", (unsigned long long)entry.seq,
			    acc->code);
	}
	for (size_t i = 0; i < entry.count; i++) {
		const struct xv_account *acc = xv_account_find(x, entry.postings[i].account);
		if (xv_breaks_rule(acc))
			return xv_fail(x, "entry %llu leaves %s at %lld, breaking the balance rule",
			    (unsigned long long)entry.seq, acc->code, (long long)acc->sum);
	}
	x->leaves = xv_grow(x->leaves, &x->capleaves, x->r->entries, sizeof(*x->leaves));
	memcpy(x->leaves[x->r->entries], entry.leaf_hash, MERKLE_HASH_SIZE);
	if (merkle_state_append(&x->tree, entry.leaf_hash, NULL, NULL) != 0)
		return xv_fail(x, "the tree is full");
	x->r->entries++;
	x->r->postings += entry.count;
	return 0;
}

static int
xv_checkpoint(struct xv *x, const json_t *c)
{
	const json_t *size = json_object_get(c, "size");
	const char *note = xv_string(c, "note");
	struct checkpoint_verified v;
	struct xv_checkpoint *cp;
	struct error e;

	x->cps = xv_grow(x->cps, &x->capcps, x->ncps, sizeof(*x->cps));
	cp = &x->cps[x->ncps];
	if (!json_is_integer(size) || json_integer_value(size) < 0 || note == NULL ||
	    xv_hex32(c, "root", cp->root) != 0)
		return xv_fail(x, "a malformed checkpoint line");
	cp->size = (uint64_t)json_integer_value(size);
	cp->line = x->r->lines;
	if (x->ncps > 0 && x->cps[x->ncps - 1].size >= cp->size)
		return xv_fail(x, "checkpoints come by increasing size");
	if (checkpoint_verify_note(NULL, note, strlen(note), x->r->origin, x->keys, &v, &e) != 0)
		return xv_fail(x, "the checkpoint of size %llu is not signed by a ledger key%s: %s",
		    (unsigned long long)cp->size, x->r->header_keys ? " of the header" : " given",
		    e.message);
	if (v.size != cp->size || sodium_memcmp(v.root, cp->root, MERKLE_HASH_SIZE) != 0)
		return xv_fail(x, "the signed note of the checkpoint of size %llu is for another tree",
		    (unsigned long long)cp->size);
	x->ncps++;
	x->r->checkpoints++;
	return 0;
}

static int
xv_line(struct xv *x, char *text)
{
	static const char *const types[] = { "header", "account", "entry", "checkpoint" };
	json_error_t err;
	json_t *line = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	const char *type = xv_string(line, "type");
	int order, rc;

	if (!json_is_object(line)) {
		json_decref(line);
		return xv_fail(x, "not a JSON object");
	}
	for (order = 0; order < 4; order++)
		if (type != NULL && strcmp(type, types[order]) == 0)
			break;
	if (order == 4)
		rc = xv_fail(x, "unknown line type");
	else if ((x->r->lines == 1) != (order == 0) || order < x->phase)
		rc = xv_fail(x, "a %s line out of the documented order (header, accounts, entries,"
		    " checkpoints)", type);
	else {
		x->phase = order;
		rc = order == 0 ? xv_header(x, line) : order == 1 ? xv_account(x, line) :
		    order == 2 ? xv_entry(x, line) : xv_checkpoint(x, line);
	}
	json_decref(line);
	return rc;
}

/* After the last line: the checkpoints' roots (replaying the leaves once),
 * the account sums, the checkpoints obtained elsewhere. */
static int
xv_finish(struct xv *x)
{
	struct merkle_state replay;
	uint8_t root[MERKLE_HASH_SIZE];
	uint64_t done = 0;

	if (x->r->lines == 0) {
		snprintf(x->r->failure, sizeof(x->r->failure), "the export is empty: no header line");
		return 1;
	}
	x->r->signed_size = x->ncps > 0 ? x->cps[x->ncps - 1].size : 0;
	merkle_state_init(&replay);
	for (size_t i = 0; i < x->ncps; i++) {
		if (x->cps[i].size > x->r->entries) {
			x->r->lines = x->cps[i].line;
			return xv_fail(x, "the checkpoint of size %llu is beyond the export's %llu entries",
			    (unsigned long long)x->cps[i].size, (unsigned long long)x->r->entries);
		}
		for (; done < x->cps[i].size; done++)
			(void)merkle_state_append(&replay, x->leaves[done], NULL, NULL);
		merkle_state_root(&replay, root);
		if (sodium_memcmp(root, x->cps[i].root, MERKLE_HASH_SIZE) != 0) {
			x->r->lines = x->cps[i].line;
			return xv_fail(x, "the checkpoint of size %llu is not the root of the export's"
			    " entries 0-%llu", (unsigned long long)x->cps[i].size,
			    (unsigned long long)x->cps[i].size - 1);
		}
	}
	for (size_t i = 0; i < x->naccounts; i++)
		if (x->accounts[i].sum != x->accounts[i].declared) {
			snprintf(x->r->failure, sizeof(x->r->failure), "account %s: the account line says"
			    " %lld, its postings sum to %lld", x->accounts[i].code,
			    (long long)x->accounts[i].declared, (long long)x->accounts[i].sum);
			return 1;
		}
	for (size_t i = 0; i < x->o->outside_count; i++) {
		const struct export_outside *c = &x->o->outside[i];
		struct merkle_state t;
		if (c->size > x->r->entries) {
			snprintf(x->r->failure, sizeof(x->r->failure), "the checkpoint given is of a log of"
			    " %llu entries, the export holds only %llu: entries are missing (a truncated"
			    " export)", (unsigned long long)c->size, (unsigned long long)x->r->entries);
			return 1;
		}
		merkle_state_init(&t);
		for (uint64_t j = 0; j < c->size; j++)
			(void)merkle_state_append(&t, x->leaves[j], NULL, NULL);
		merkle_state_root(&t, root);
		if (sodium_memcmp(root, c->root, MERKLE_HASH_SIZE) != 0) {
			snprintf(x->r->failure, sizeof(x->r->failure), "the export's tree of size %llu is"
			    " not the one the checkpoint given signs: not the same log",
			    (unsigned long long)c->size);
			return 1;
		}
	}
	merkle_state_root(&x->tree, x->r->root);
	return 0;
}

int
export_verify(int fd, const struct export_verify_options *o, struct export_verify_result *r,
    struct error *e)
{
	struct xv x = { .o = o, .r = r };
	char *buf = malloc(LINE_MAX_BYTES + 2);
	gzFile in;
	int dupfd, rc = 0;

	memset(r, 0, sizeof(*r));
	merkle_state_init(&x.tree);
	if (buf == NULL)
		abort();
	if ((dupfd = dup(fd)) < 0 || (in = gzdopen(dupfd, "rb")) == NULL) {
		if (dupfd >= 0)
			close(dupfd);
		free(buf);
		return error_set(e, 400, "BAD_FILE", "cannot read the export");
	}
	while (rc == 0 && gzgets(in, buf, LINE_MAX_BYTES + 2) != NULL) {
		size_t len = strlen(buf);
		r->lines++;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		else if (!gzeof(in) || len > LINE_MAX_BYTES) {
			rc = xv_fail(&x, "longer than %d bytes, or not text", LINE_MAX_BYTES);
			break;
		}
		if (strlen(buf) != len)
			rc = xv_fail(&x, "holds a NUL byte");
		else
			rc = xv_line(&x, buf);
	}
	if (rc == 0) {
		int errnum;
		const char *msg = gzerror(in, &errnum);
		if (errnum != Z_OK)
			rc = error_set(e, 400, "BAD_FILE", "cannot read the export: %s", msg);
		else
			rc = xv_finish(&x);
	}
	gzclose(in);
	keys_ledger_free(&x.header_keys);
	free(x.accounts);
	free(x.leaves);
	free(x.cps);
	free(buf);
	return rc;
}
