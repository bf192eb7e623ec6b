#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include <zlib.h>
#include "checkpoint.h"
#include "clock.h"
#include "db.h"
#include "export.h"
#include "home.h"
#include "keys.h"
#include "ledger.h"
#include "money.h"

struct export {
	struct db *db;
	const struct export_options *o;
	gzFile out;
	int failed;
	uint64_t line; /* FEC EcritureNum */
};

int
export_format_parse(const char *text, enum export_format *format)
{
	static const char *const names[] = { "jsonl", "csv", "fec" };

	for (int i = 0; i < 3; i++)
		if (strcmp(text, names[i]) == 0) {
			*format = (enum export_format)i;
			return 0;
		}
	return -1;
}

static void
export_printf(struct export *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
export_printf(struct export *x, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) || gzwrite(x->out, buf, (unsigned)n) != n)
		x->failed = 1;
}

static void
export_json_line(struct export *x, json_t *value)
{
	char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(value);
	if (text == NULL || gzputs(x->out, text) < 0 || gzputc(x->out, '\n') < 0)
		x->failed = 1;
	free(text);
}

/* Copies s into out with tabs, separators and line breaks made spaces. */
static void
export_clean(const char *s, char *out, size_t size, char separator)
{
	size_t i = 0;

	for (; *s != '\0' && i + 1 < size; s++, i++)
		out[i] = (*s == '\t' || *s == '\n' || *s == '\r' || *s == separator) ? ' ' : *s;
	out[i] = '\0';
}

static int
export_key_json(const struct key_info *key, void *ctx)
{
	json_t *list = ctx;
	char kid[9], pub[65], created[CLOCK_INSTANT_SIZE];
	static const char *const status[] = { "active", "retired", "revoked" };

	keys_id_hex(key->key_id, kid);
	sodium_bin2hex(pub, sizeof(pub), key->public_key, 32);
	clock_instant_format(key->created_at, created);
	json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind",
	    key->kind == KEY_ISSUER ? "issuer" : "ledger", "key_id", kid, "public_key", pub,
	    "status", status[key->status], "created_at", created));
	return 0;
}

static int
export_account_json(const struct ledger_account *a, void *ctx)
{
	export_json_line(ctx, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "type", "account",
	    "code", a->code, "kind", a->kind, "pcg", a->pcg, "name", a->name,
	    "balance", (json_int_t)a->balance));
	return 0;
}

static int
export_checkpoint_json(const struct checkpoint *cp, void *ctx)
{
	char root[2 * MERKLE_HASH_SIZE + 1];

	sodium_bin2hex(root, sizeof(root), cp->root, MERKLE_HASH_SIZE);
	export_json_line(ctx, json_pack("{s:s, s:I, s:s, s:s}", "type", "checkpoint",
	    "size", (json_int_t)cp->size, "root", root, "note", cp->note));
	return 0;
}

static int
export_header(struct export *x, struct error *e)
{
	struct operator_info op;
	json_t *keys = json_array();

	if (home_operator(x->db, &op, e) != 0 || keys_list(x->db, export_key_json, keys, e) != 0) {
		json_decref(keys);
		return -1;
	}
	if (x->o->format == EXPORT_JSONL) {
		export_json_line(x, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:o, s:s}",
		    "type", "header", "format", "passnum-ledger-export-v1", "origin", op.origin,
		    "operator", "name", op.name, "siren", op.siren, "keys", keys,
		    "encoding", LEDGER_DOMAIN));
		return ledger_accounts_each(x->db, export_account_json, x, e);
	}
	json_decref(keys);
	if (x->o->format == EXPORT_FEC && strlen(op.siren) != 9)
		return export_fec_name(x->db, x->o->year, NULL, 0, e);
	if (x->o->format == EXPORT_CSV)
		export_printf(x, "seq,time,kind,reference,memo,account,amount_cents,entry_hash\n");
	else
		export_printf(x, "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\t"
		    "CompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\t"
		    "Credit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise\n");
	return 0;
}

/* Writes s as an RFC 4180 field: quoted, with inner quotes doubled. */
static void
export_csv_quote(const char *s, char *out, size_t size)
{
	size_t i = 0;

	out[i++] = '"';
	for (; *s != '\0' && i + 3 < size; s++) {
		if (*s == '"')
			out[i++] = '"';
		out[i++] = *s;
	}
	out[i++] = '"';
	out[i] = '\0';
}

static void
export_csv_entry(struct export *x, const struct ledger_entry *entry)
{
	char time[CLOCK_INSTANT_SIZE], hash[65], ref[2 * LEDGER_TEXT_MAX + 3],
	    memo[2 * LEDGER_TEXT_MAX + 3];

	clock_instant_format(entry->time, time);
	sodium_bin2hex(hash, sizeof(hash), entry->leaf_hash, 32);
	export_csv_quote(entry->reference, ref, sizeof(ref));
	export_csv_quote(entry->memo, memo, sizeof(memo));
	for (size_t i = 0; i < entry->count; i++)
		export_printf(x, "%llu,%s,%s,%s,%s,%s,%lld,%s\n", (unsigned long long)entry->seq, time,
		    entry->kind, ref, memo, entry->postings[i].account,
		    (long long)entry->postings[i].amount, hash);
}

/* An account as the FEC shows it: PCG number, label, auxiliary account
 * and its label (cap: 8, 256, 32 and 256 bytes). */
struct export_fec_names {
	char *pcg, *label, *aux, *aux_label;
};

static int
export_fec_account_row(const struct db_row *row, void *ctx, struct error *e)
{
	static const struct { const char *kind, *prefix; } aux_prefix[] = {
		{ "funder-balance", "FIN" }, { "funder-orders", "FIN" },
		{ "funder-credit-notes", "FIN" }, { "outstanding", "CAMP" }, { "payee", "BEN" },
		{ "funder-invoiced", "FIN" },
	};
	struct export_fec_names *n = ctx;
	const char *kind = db_row_text_ptr(row, 2, NULL);

	(void)e;
	db_row_text(row, 0, n->pcg, 8);
	db_row_text(row, 1, n->aux_label, 256);
	for (size_t i = 0; i < sizeof(aux_prefix) / sizeof(aux_prefix[0]); i++)
		if (strcmp(kind, aux_prefix[i].kind) == 0)
			snprintf(n->aux, 32, "%s%06lld", aux_prefix[i].prefix,
			    (long long)db_row_int64(row, 3));
	return 0;
}

/* Looks up an account's PCG number, label and auxiliary account for the FEC. */
static void
export_fec_account(struct export *x, const char *code, char *pcg, char *label, char *aux,
    char *aux_label)
{
	struct export_fec_names n = { pcg, label, aux, aux_label };

	pcg[0] = label[0] = aux[0] = aux_label[0] = '\0';
	db_one(x->db, "SELECT pcg, name, kind, COALESCE(owner_id, 0) FROM accounts WHERE code = ?1",
	    DB_ARGS(DB_TEXT(code)), export_fec_account_row, &n, NULL);
	snprintf(label, 256, "%s", aux_label);
	if (aux[0] == '\0')
		aux_label[0] = '\0';
	else {
		char *dash = strstr(label, " - ");
		if (dash != NULL)
			*dash = '\0';
	}
}

/* The funder whose account entry posts to ("funder:ID:..."), 0 if none. */
static long long
export_entry_funder(const struct ledger_entry *entry)
{
	long long id;

	for (size_t i = 0; i < entry->count; i++)
		if (sscanf(entry->postings[i].account, "funder:%lld:", &id) == 1)
			return id;
	return 0;
}

/* The id after "prefix:" in reference ("campaign:3" → 3), 0 if another. */
static long long
export_reference_id(const char *reference, const char *prefix)
{
	size_t len = strlen(prefix);
	long long id;

	if (strncmp(reference, prefix, len) != 0 || reference[len] != ':' ||
	    sscanf(reference + len + 1, "%lld", &id) != 1)
		return 0;
	return id;
}

/* The wording of the entries whose memo carries numbers (issue, redeem,
 * cancel, expire); returns 0 when written, -1 when the memo is not of the
 * known wording. */
static int
export_fec_label_memo(const struct ledger_entry *entry, char *out, size_t size)
{
	long long a, b;
	unsigned long long seq;
	char service[64];
	int y, m, d;

	if (strcmp(entry->kind, "issue") == 0 &&
	    sscanf(entry->memo, "issue of %lld passes, campaign %lld", &a, &b) == 2)
		snprintf(out, size, "Émission de %lld pass, campagne %lld", a, b);
	else if (strcmp(entry->kind, "redeem") == 0 &&
	    sscanf(entry->memo, "place:%lld service:%63s passes:%lld", &a, service, &b) == 3)
		snprintf(out, size, "Remboursement lieu %lld, service %s, %lld pass", a, service, b);
	else if (strcmp(entry->kind, "cancel") == 0 &&
	    sscanf(entry->memo, "cancels entry %llu", &seq) == 1)
		snprintf(out, size, "Annulation de l'écriture %llu (remboursement %lld)", seq,
		    export_reference_id(entry->reference, "redemption"));
	else if (strcmp(entry->kind, "expire") == 0 &&
	    sscanf(entry->memo, "expiry of unused passes as of %d-%d-%d", &y, &m, &d) == 3)
		snprintf(out, size, "Expiration des pass non utilisés au %02d/%02d/%04d, campagne %lld",
		    d, m, y, export_reference_id(entry->reference, "campaign"));
	else
		return -1;
	return 0;
}

void
export_fec_label(const struct ledger_entry *entry, char *out, size_t size)
{
	char ref[LEDGER_TEXT_MAX + 1];

	export_clean(entry->reference, ref, sizeof(ref), 0);
	if (export_fec_label_memo(entry, out, size) == 0)
		return;
	if (strcmp(entry->kind, "order") == 0)
		snprintf(out, size, "Commande du financeur %lld, réf. %s", export_entry_funder(entry), ref);
	else if (strcmp(entry->kind, "credit") == 0)
		snprintf(out, size, "Fonds reçus du financeur %lld, réf. %s", export_entry_funder(entry),
		    ref);
	else if (strcmp(entry->kind, "revoke") == 0)
		snprintf(out, size, "Opposition de pass perdus ou volés, campagne %lld",
		    export_reference_id(entry->reference, "campaign"));
	else
		export_clean(entry->memo[0] != '\0' ? entry->memo : entry->kind, out, size, 0);
}

static void
export_fec_entry(struct export *x, const struct ledger_entry *entry, int32_t day)
{
	char date[9], ref[LEDGER_TEXT_MAX + 1], lib[2 * LEDGER_TEXT_MAX + 40];
	int y, m, d;

	date_to_ymd(day, &y, &m, &d);
	snprintf(date, sizeof(date), "%04d%02d%02d", y, m, d);
	export_clean(entry->reference[0] != '\0' ? entry->reference : entry->kind, ref, sizeof(ref), 0);
	export_fec_label(entry, lib, sizeof(lib));
	x->line++;
	for (size_t i = 0; i < entry->count; i++) {
		char pcg[8], label[256], aux[32], aux_label[256], amount[MONEY_FORMAT_SIZE];
		int64_t cents = entry->postings[i].amount;
		export_fec_account(x, entry->postings[i].account, pcg, label, aux, aux_label);
		money_format(cents > 0 ? cents : -cents, amount, sizeof(amount));
		for (char *p = amount; *p != '\0'; p++)
			if (*p == '.')
				*p = ',';
		export_printf(x, "PN\tPass numériques\t%llu\t%s\t%s\t%s\t%s\t%s\t%s-%llu\t%s\t%s\t%s\t%s"
		    "\t\t\t%s\t\t\n", (unsigned long long)x->line, date, pcg, label, aux, aux_label,
		    ref, (unsigned long long)entry->seq, date, lib, cents > 0 ? amount : "0,00",
		    cents < 0 ? amount : "0,00", date);
	}
}

/* Writes entry (already read) in the export's format. */
static void
export_entry(struct export *x, const struct ledger_entry *entry, int32_t day)
{
	if (x->o->format == EXPORT_JSONL) {
		json_t *line = ledger_entry_to_json(entry);
		json_object_set_new(line, "type", json_string("entry"));
		export_json_line(x, line);
	} else if (x->o->format == EXPORT_CSV) {
		export_csv_entry(x, entry);
	} else {
		export_fec_entry(x, entry, day);
	}
}

/* The whole export, inside one read transaction (db_read): a consistent
 * snapshot while others append. */
static int
export_work(struct db *db, void *ctx, struct error *e)
{
	struct export *x = ctx;
	struct ledger_entry entry;
	uint64_t size;

	if (ledger_size(db, &size, e) != 0 || export_header(x, e) != 0)
		return -1;
	for (uint64_t seq = 0; seq < size && !x->failed; seq++) {
		int32_t day;
		int y, m, d;
		if (ledger_read(db, seq, &entry, e) != 0)
			return -1;
		day = clock_local_day(entry.time, CLOCK_TZ_PARIS);
		date_to_ymd(day, &y, &m, &d);
		if (x->o->year == 0 || y == x->o->year)
			export_entry(x, &entry, day);
	}
	if (x->o->format == EXPORT_JSONL && checkpoint_each(db, export_checkpoint_json, x, e) != 0)
		return -1;
	return 0;
}

int
export_write(struct db *db, const struct export_options *o, int fd, struct error *e)
{
	struct export x = { .db = db, .o = o };
	int dupfd, rc;

	if (o->format == EXPORT_FEC && o->year == 0)
		return error_set(e, 400, "BAD_YEAR", "a FEC covers one fiscal year: give --year");
	if (o->format == EXPORT_JSONL && o->year != 0)
		return error_set(e, 400, "BAD_YEAR",
		    "a jsonl export is the whole ledger (to be re-verified): --year is for csv and fec");
	if ((dupfd = dup(fd)) < 0 || (x.out = gzdopen(dupfd, o->gzip ? "wb9" : "wbT")) == NULL)
		return error_set(e, 500, "EXPORT_ERROR", "cannot open the output");
	rc = db_read(db, export_work, &x, e);
	if ((gzclose(x.out) != Z_OK || x.failed) && rc == 0)
		rc = error_set(e, 500, "EXPORT_ERROR", "cannot write the export");
	return rc;
}

int
export_fec_name(struct db *db, int year, char *out, size_t size, struct error *e)
{
	struct operator_info op;

	if (home_operator(db, &op, e) != 0)
		return -1;
	if (strlen(op.siren) != 9)
		return error_set(e, 409, "NO_SIREN", "a FEC is filed under the operator's SIREN, and"
		    " this home has none: set it with passnum operator set --siren S");
	if (out != NULL)
		snprintf(out, size, "%sFEC%04d1231.txt", op.siren, year);
	return 0;
}
