#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>
#include "checkpoint.h"
#include "clock.h"
#include "date.h"
#include "db.h"
#include "export.h"
#include "home.h"
#include "invoice.h"
#include "keys.h"
#include "ledger.h"
#include "note.h"
#include "scheme.h"

/* The files of the export, in the manifest's order (manifest.json and
 * manifest.note come last and are not listed in the manifest). */
static const char *const scheme_files[] = {
	"ledger.jsonl", "checkpoint.note", "keys.json", "registry.json", "vouchers.csv",
	"payables.csv", "invoices.csv",
};
#define SCHEME_FILES (sizeof(scheme_files) / sizeof(scheme_files[0]))
/* A funder's escrow: the whole log's leaf hashes, its own entries in full. */
static const char *const escrow_files[] = {
	"leaves.csv", "entries.jsonl", "checkpoint.note", "keys.json", "registry.json",
	"vouchers.csv", "payables.csv", "invoices.csv",
};
#define ESCROW_FILES (sizeof(escrow_files) / sizeof(escrow_files[0]))

struct scheme {
	struct db *db;
	const char *home, *dir;
	struct scheme_result *r;
	struct operator_info op;
	struct checkpoint cp;
	FILE *out;  /* the file being written */
	int failed; /* a write to out failed */
	int64_t funder; /* an escrow's funder, 0 for the whole scheme */
	char funder_name[256], funder_public[256];
};

/* Opens dir/name for writing (created or truncated, mode 0644) as x->out. */
static int
scheme_open(struct scheme *x, const char *name, struct error *e)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", x->dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || (x->out = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return error_set(e, 500, "EXPORT_ERROR", "cannot write %s: %s", path, strerror(errno));
	}
	x->failed = 0;
	return 0;
}

/* Flushes, syncs and closes x->out; -1 (e set) when any write failed. */
static int
scheme_close(struct scheme *x, const char *name, struct error *e)
{
	int bad = x->failed || fflush(x->out) != 0 || fsync(fileno(x->out)) != 0;

	if (fclose(x->out) != 0)
		bad = 1;
	x->out = NULL;
	return bad ? error_set(e, 500, "EXPORT_ERROR", "cannot write %s/%s", x->dir, name) : 0;
}

static void
scheme_puts(struct scheme *x, const char *s)
{
	if (fputs(s, x->out) < 0)
		x->failed = 1;
}

/* Writes a JSON value (released) as text, indented for people, then "\n". */
static int
scheme_json_file(struct scheme *x, const char *name, json_t *value, struct error *e)
{
	char *text = json_dumps(value, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);

	json_decref(value);
	if (text == NULL)
		return error_set(e, 500, "EXPORT_ERROR", "cannot encode %s", name);
	if (scheme_open(x, name, e) != 0) {
		free(text);
		return -1;
	}
	scheme_puts(x, text);
	scheme_puts(x, "\n");
	free(text);
	return scheme_close(x, name, e);
}

/* ledger.jsonl: the jsonl ledger export (docs/ledger.md), in this snapshot. */
static int
scheme_ledger(struct scheme *x, struct error *e)
{
	static const struct export_options o = { .format = EXPORT_JSONL };

	if (scheme_open(x, "ledger.jsonl", e) != 0)
		return -1;
	if (fflush(x->out) != 0 || export_write(x->db, &o, fileno(x->out), e) != 0) {
		fclose(x->out);
		x->out = NULL;
		return -1;
	}
	return scheme_close(x, "ledger.jsonl", e);
}

/* leaves.csv (escrow): every entry's leaf hash, in order. */
static int
scheme_leaf_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct scheme *x = ctx;
	uint8_t hash[MERKLE_HASH_SIZE];
	char hex[2 * MERKLE_HASH_SIZE + 1];

	if (db_row_blob(row, 1, hash, sizeof(hash)) != 0)
		return error_set(e, 500, "STORE_BUG", "an entry without its leaf hash");
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	if (fprintf(x->out, "%lld,%s\n", (long long)db_row_int64(row, 0), hex) < 0)
		x->failed = 1;
	return 0;
}

static int
scheme_leaves(struct scheme *x, struct error *e)
{
	if (scheme_open(x, "leaves.csv", e) != 0)
		return -1;
	scheme_puts(x, "seq,leaf_hash\n");
	if (db_each(x->db, "SELECT seq, leaf_hash FROM entries WHERE seq < ?1 ORDER BY seq",
	    DB_ARGS(DB_INT(x->r->ledger_size)), scheme_leaf_row, x, e) != 0) {
		fclose(x->out);
		x->out = NULL;
		return -1;
	}
	return scheme_close(x, "leaves.csv", e);
}

/* A JSON line (released) of entries.jsonl. */
static void
scheme_json_line(struct scheme *x, json_t *value)
{
	char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(value);
	if (text == NULL)
		x->failed = 1;
	else {
		scheme_puts(x, text);
		scheme_puts(x, "\n");
	}
	free(text);
}

/* The funder's accounts: its own four and its campaigns' outstanding. */
#define SCHEME_FUNDER_ACCOUNTS \
	" (SELECT id FROM accounts WHERE code IN ('funder:' || ?1 || ':balance'," \
	" 'funder:' || ?1 || ':orders', 'funder:' || ?1 || ':credit-notes'," \
	" 'funder:' || ?1 || ':invoiced')" \
	" OR code IN (SELECT 'campaign:' || id || ':outstanding' FROM campaigns" \
	" WHERE funder_id = ?1))"

static int
scheme_account_row(const struct db_row *row, void *ctx, struct error *e)
{
	(void)e;
	scheme_json_line(ctx, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "type", "account",
	    "code", db_row_text_ptr(row, 0, NULL), "kind", db_row_text_ptr(row, 1, NULL),
	    "pcg", db_row_text_ptr(row, 2, NULL), "name", db_row_text_ptr(row, 3, NULL),
	    "balance", (json_int_t)db_row_int64(row, 4)));
	return 0;
}

static int
scheme_entry_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct scheme *x = ctx;
	struct ledger_entry entry;
	json_t *line;

	if (ledger_read(x->db, (uint64_t)db_row_int64(row, 0), &entry, e) != 0)
		return -1;
	line = ledger_entry_to_json(&entry);
	json_object_set_new(line, "type", json_string("entry"));
	scheme_json_line(x, line);
	return 0;
}

static int
scheme_cp_row(const struct checkpoint *cp, void *ctx)
{
	char root[2 * MERKLE_HASH_SIZE + 1];

	sodium_bin2hex(root, sizeof(root), cp->root, MERKLE_HASH_SIZE);
	scheme_json_line(ctx, json_pack("{s:s, s:I, s:s, s:s}", "type", "checkpoint",
	    "size", (json_int_t)cp->size, "root", root, "note", cp->note));
	return 0;
}

/* entries.jsonl (escrow): a header, the funder's accounts with their
 * balances, every entry that posts to one of them (in full, as in the
 * jsonl export), and every checkpoint. */
static int
scheme_entries(struct scheme *x, struct error *e)
{
	if (scheme_open(x, "entries.jsonl", e) != 0)
		return -1;
	scheme_json_line(x, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:I, s:s}", "type", "header",
	    "format", "passnum-escrow-entries-v1", "origin", x->op.origin, "operator",
	    "name", x->op.name, "siren", x->op.siren, "funder_id", (json_int_t)x->funder,
	    "encoding", LEDGER_DOMAIN));
	if (db_each(x->db, "SELECT code, kind, pcg, name, balance FROM accounts WHERE id IN"
	    SCHEME_FUNDER_ACCOUNTS " ORDER BY code", DB_ARGS(DB_INT(x->funder)), scheme_account_row,
	    x, e) != 0 ||
	    db_each(x->db, "SELECT DISTINCT entry_seq FROM postings WHERE entry_seq < ?2 AND"
	    " account_id IN" SCHEME_FUNDER_ACCOUNTS " ORDER BY entry_seq",
	    DB_ARGS(DB_INT(x->funder), DB_INT(x->r->ledger_size)), scheme_entry_row, x, e) != 0 ||
	    checkpoint_each(x->db, scheme_cp_row, x, e) != 0) {
		fclose(x->out);
		x->out = NULL;
		return -1;
	}
	return scheme_close(x, "entries.jsonl", e);
}

/* checkpoint.note: the latest signed checkpoint, as stored. */
static int
scheme_checkpoint(struct scheme *x, struct error *e)
{
	if (checkpoint_latest(x->db, &x->cp, e) != 0) {
		if (e->status == 404)
			error_set(e, 409, "NO_CHECKPOINT", "the ledger has no signed checkpoint yet:"
			    " make one with passnum ledger checkpoint, then export");
		return -1;
	}
	x->r->checkpoint_size = x->cp.size;
	if (scheme_open(x, "checkpoint.note", e) != 0)
		return -1;
	scheme_puts(x, x->cp.note);
	return scheme_close(x, "checkpoint.note", e);
}

/* An instant as JSON: "YYYY-MM-DDTHH:MM:SSZ", null for 0 (never). */
static json_t *
scheme_instant(int64_t t)
{
	char text[CLOCK_INSTANT_SIZE];

	if (t == 0 || clock_instant_format(t, text) != 0)
		return json_null();
	return json_string(text);
}

struct scheme_keys {
	const char *origin;
	json_t *issuer, *ledger;
};

static int
scheme_key(const struct key_info *key, void *ctx)
{
	static const char *const status[] = { "active", "retired", "revoked" };
	struct scheme_keys *k = ctx;
	char kid[9], pub[65], vkey[NOTE_VKEY_MAX];
	json_t *o;

	keys_id_hex(key->key_id, kid);
	sodium_bin2hex(pub, sizeof(pub), key->public_key, 32);
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "key_id", kid, "public_key", pub,
	    "status", status[key->status], "created_at", scheme_instant(key->created_at),
	    "retired_at", scheme_instant(key->retired_at),
	    "compromised_at", scheme_instant(key->compromised_at));
	if (key->kind == KEY_LEDGER && note_vkey_format(k->origin, key->public_key, vkey) == 0)
		json_object_set_new(o, "vkey", json_string(vkey));
	json_array_append_new(key->kind == KEY_ISSUER ? k->issuer : k->ledger, o);
	return 0;
}

/* keys.json: the public halves of every issuer and ledger key, their
 * statuses and times, the ledger keys' vkeys and the origin. */
static int
scheme_keys(struct scheme *x, struct error *e)
{
	struct scheme_keys k = { x->op.origin, json_array(), json_array() };

	if (keys_list(x->db, scheme_key, &k, e) != 0) {
		json_decref(k.issuer);
		json_decref(k.ledger);
		return -1;
	}
	return scheme_json_file(x, "keys.json", json_pack("{s:s, s:s, s:o, s:o}",
	    "format", "passnum-scheme-keys-v1", "origin", x->op.origin, "issuer_keys", k.issuer,
	    "ledger_keys", k.ledger), e);
}

struct scheme_rows {
	struct scheme *x;
	int64_t count;
};

/* One row whose column 0 is a JSON object (SQLite's json_object). */
static int
scheme_json_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct scheme_rows *rows = ctx;

	(void)e;
	scheme_puts(rows->x, rows->count++ == 0 ? "\n  " : ",\n  ");
	scheme_puts(rows->x, db_row_text_ptr(row, 0, NULL));
	return 0;
}

/* The registry's sections: name, then a query of one JSON object per row;
 * ?1 is an escrow's funder (0: everything). An escrow holds that funder,
 * its campaigns, and every place, payee and service (where its passes may
 * be used and who is paid for them); no distributor. */
static const char *const scheme_registry_sql[][2] = {
	{ "funders", "SELECT json_object('id', id, 'name', name, 'public_name', public_name,"
	    " 'siret', siret, 'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch'))"
	    " FROM funders WHERE ?1 = 0 OR id = ?1 ORDER BY id" },
	{ "distributors", "SELECT json_object('id', id, 'name', name, 'siret', siret,"
	    " 'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch'))"
	    " FROM distributors WHERE ?1 = 0 ORDER BY id" },
	{ "payees", "SELECT json_object('id', id, 'siret', siret, 'name', name, 'iban', iban,"
	    " 'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch'))"
	    " FROM payees WHERE ?1 = ?1 ORDER BY id" },
	{ "services", "SELECT json_object('id', id, 'code', code, 'name', name, 'passes', passes)"
	    " FROM services WHERE ?1 = ?1 ORDER BY id" },
	{ "places", "SELECT json_object('id', p.id, 'name', p.name, 'payee_id', p.payee_id,"
	    " 'commune', p.commune, 'department', p.department, 'region', p.region,"
	    " 'epci', p.epci, 'time_zone', p.time_zone, 'type', p.type, 'label', p.label,"
	    " 'label_until', CASE WHEN p.label_until IS NULL THEN NULL"
	    "   ELSE date(p.label_until * 86400, 'unixepoch') END,"
	    " 'services', json((SELECT json_group_array(s.code) FROM"
	    "   (SELECT s.code FROM place_services ps JOIN services s ON s.id = ps.service_id"
	    "    WHERE ps.place_id = p.id ORDER BY s.code) s)),"
	    " 'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', p.created_at, 'unixepoch'))"
	    " FROM places p WHERE ?1 = ?1 ORDER BY p.id" },
	{ "campaigns", "SELECT json_object('id', c.id, 'funder_id', c.funder_id, 'name', c.name,"
	    " 'value_cents', c.value_cents, 'last_day', date(c.last_day * 86400, 'unixepoch'),"
	    " 'tolerance_days', c.tolerance_days,"
	    " 'valid_days_after_handout', c.valid_days_after_handout, 'unused', c.unused,"
	    " 'territory', json((SELECT json_group_array(json_object('kind', t.kind, 'code', t.code))"
	    "   FROM (SELECT kind, code FROM campaign_territory WHERE campaign_id = c.id"
	    "   ORDER BY kind, code) t)),"
	    " 'services', json((SELECT json_group_array(s.code) FROM"
	    "   (SELECT s.code FROM campaign_services cs JOIN services s ON s.id = cs.service_id"
	    "    WHERE cs.campaign_id = c.id ORDER BY s.code) s)),"
	    " 'excluded_types', json((SELECT json_group_array(t.type) FROM"
	    "   (SELECT type FROM campaign_excluded_types WHERE campaign_id = c.id ORDER BY type) t)),"
	    " 'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', c.created_at, 'unixepoch'))"
	    " FROM campaigns c WHERE ?1 = 0 OR c.funder_id = ?1 ORDER BY c.id" },
};

/* registry.json: one object of arrays, streamed row by row. */
static int
scheme_registry(struct scheme *x, struct error *e)
{
	size_t n = sizeof(scheme_registry_sql) / sizeof(scheme_registry_sql[0]);

	if (scheme_open(x, "registry.json", e) != 0)
		return -1;
	scheme_puts(x, "{\"format\": \"passnum-scheme-registry-v1\"");
	for (size_t i = 0; i < n; i++) {
		struct scheme_rows rows = { x, 0 };
		fprintf(x->out, ",\n \"%s\": [", scheme_registry_sql[i][0]);
		if (db_each(x->db, scheme_registry_sql[i][1], DB_ARGS(DB_INT(x->funder)),
		    scheme_json_row, &rows, e) != 0) {
			fclose(x->out);
			x->out = NULL;
			return -1;
		}
		scheme_puts(x, rows.count == 0 ? "]" : "\n ]");
	}
	scheme_puts(x, "\n}\n");
	return scheme_close(x, "registry.json", e);
}

/* One line of vouchers.csv. */
static int
scheme_voucher_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct scheme *x = ctx;
	uint8_t serial[12], token[93], digest[32];
	char serial_hex[25], digest_hex[65], day[DATE_FORMAT_SIZE];

	if (db_row_blob(row, 0, serial, sizeof(serial)) != 0 ||
	    db_row_blob(row, 1, token, sizeof(token)) != 0)
		return error_set(e, 500, "STORE_BUG", "a voucher without its serial or token");
	crypto_hash_sha256(digest, token, sizeof(token));
	sodium_bin2hex(serial_hex, sizeof(serial_hex), serial, sizeof(serial));
	sodium_bin2hex(digest_hex, sizeof(digest_hex), digest, sizeof(digest));
	date_format((int32_t)db_row_int64(row, 4), day);
	if (fprintf(x->out, "%s,%s,%lld,%lld,%s,%lld,%s\n", serial_hex, digest_hex,
	    (long long)db_row_int64(row, 2), (long long)db_row_int64(row, 3), day,
	    (long long)db_row_int64(row, 5), db_row_text_ptr(row, 6, NULL)) < 0)
		x->failed = 1;
	x->r->vouchers++;
	return 0;
}

/* vouchers.csv: every pass issued (not pending), streamed in issue order. */
static int
scheme_vouchers(struct scheme *x, struct error *e)
{
	if (scheme_open(x, "vouchers.csv", e) != 0)
		return -1;
	scheme_puts(x, "serial,token_sha256,campaign_id,value_cents,last_day,booklet_id,status\n");
	if (db_each(x->db, "SELECT serial, token, campaign_id, value_cents, last_day, booklet_id,"
	    " status FROM vouchers WHERE status <> 'pending' AND (?1 = 0 OR campaign_id IN"
	    " (SELECT id FROM campaigns WHERE funder_id = ?1)) ORDER BY id",
	    DB_ARGS(DB_INT(x->funder)),
	    scheme_voucher_row, x, e) != 0) {
		fclose(x->out);
		x->out = NULL;
		return -1;
	}
	return scheme_close(x, "vouchers.csv", e);
}

/* Writes s as an RFC 4180 field, quoted, inner quotes doubled. */
static void
scheme_csv_text(struct scheme *x, const char *s)
{
	scheme_puts(x, "\"");
	for (; *s != '\0'; s++)
		if (fputs(*s == '"' ? "\"\"" : (char[]){ *s, '\0' }, x->out) < 0)
			x->failed = 1;
	scheme_puts(x, "\"");
}

static int
scheme_payable_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct scheme *x = ctx;

	(void)e;
	fprintf(x->out, "%lld,%s,", (long long)db_row_int64(row, 0), db_row_text_ptr(row, 1, NULL));
	scheme_csv_text(x, db_row_text_ptr(row, 2, NULL));
	if (fprintf(x->out, ",%s,%lld\n", db_row_text_ptr(row, 3, NULL),
	    (long long)db_row_int64(row, 4)) < 0)
		x->failed = 1;
	x->r->payables++;
	return 0;
}

/* payables.csv: what each payee is owed and not yet settled (its payee
 * account's balance, as a positive amount), payees owed nothing left out. */
static int
scheme_payables(struct scheme *x, struct error *e)
{
	if (scheme_open(x, "payables.csv", e) != 0)
		return -1;
	scheme_puts(x, "payee_id,siret,name,iban,owed_cents\n");
	if (x->funder != 0 ? db_each(x->db, "SELECT y.id, y.siret, y.name, y.iban,"
	    " SUM(v.value_cents) FROM redemptions r JOIN places pl ON pl.id = r.place_id"
	    " JOIN payees y ON y.id = pl.payee_id"
	    " JOIN redemption_vouchers rv ON rv.redemption_id = r.id"
	    " JOIN vouchers v ON v.serial = rv.serial"
	    " JOIN campaigns c ON c.id = v.campaign_id AND c.funder_id = ?1"
	    " WHERE r.cancelled_at IS NULL AND NOT EXISTS (SELECT 1 FROM payout_redemptions pr"
	    " WHERE pr.redemption_id = r.id) GROUP BY y.id ORDER BY y.id",
	    DB_ARGS(DB_INT(x->funder)), scheme_payable_row, x, e) != 0 :
	    db_each(x->db, "SELECT p.id, p.siret, p.name, p.iban, -a.balance FROM payees p"
	    " JOIN accounts a ON a.code = 'payee:' || p.id WHERE a.balance <> 0 ORDER BY p.id",
	    DB_NO_ARGS, scheme_payable_row, x, e) != 0) {
		fclose(x->out);
		x->out = NULL;
		return -1;
	}
	return scheme_close(x, "payables.csv", e);
}

/* One document of invoices.csv (an invoice_json object). */
static void
scheme_invoice_line(struct scheme *x, json_t *doc, bool credit_note)
{
	const char *invoice = json_string_value(json_object_get(doc, "invoice"));
	json_int_t owed = json_integer_value(json_object_get(doc, "owed_cents"));

	fprintf(x->out, "%s,%s,%lld,%s,%s,%s,%lld,%lld,%lld,",
	    json_string_value(json_object_get(doc, "number")), credit_note ? "credit_note" : "invoice",
	    (long long)json_integer_value(json_object_get(doc, "funder_id")),
	    json_string_value(json_object_get(doc, "part")),
	    json_string_value(json_object_get(doc, "issue_day")), invoice != NULL ? invoice : "",
	    (long long)json_integer_value(json_object_get(doc, "net_cents")),
	    (long long)json_integer_value(json_object_get(doc, "vat_cents")),
	    (long long)json_integer_value(json_object_get(doc, "total_cents")));
	if (!credit_note && fprintf(x->out, "%lld", (long long)owed) < 0)
		x->failed = 1;
	scheme_puts(x, ",");
	scheme_csv_text(x, json_string_value(json_object_get(doc, "status")));
	scheme_puts(x, "\n");
}

/* invoices.csv: the open invoices (something still owed on them) and every
 * credit note, invoices first, each by number (an escrow's: its funder's).
 * Documents only: what they put on the funder's receivable is in the
 * ledger (funder:<id>:invoiced), which the verifier compares. */
static int
scheme_invoices(struct scheme *x, struct error *e)
{
	json_t *all = invoice_list_json(x->db, x->funder, e), *doc;
	size_t i;

	if (all == NULL)
		return -1;
	if (scheme_open(x, "invoices.csv", e) != 0) {
		json_decref(all);
		return -1;
	}
	scheme_puts(x, "number,kind,funder_id,part,issue_day,invoice,net_cents,vat_cents,"
	    "total_cents,owed_cents,status\n");
	json_array_foreach(all, i, doc) {
		bool credit_note = strcmp(json_string_value(json_object_get(doc, "kind")) ?: "",
		    "credit_note") == 0;

		if (!credit_note && json_integer_value(json_object_get(doc, "owed_cents")) <= 0)
			continue;
		scheme_invoice_line(x, doc, credit_note);
		x->r->invoices++;
	}
	json_decref(all);
	return scheme_close(x, "invoices.csv", e);
}

/* The size and SHA-256 (hex) of dir/name, read back from the disk. */
static int
scheme_digest(struct scheme *x, const char *name, int64_t *size, char hex[65], struct error *e)
{
	crypto_hash_sha256_state st;
	uint8_t buf[65536], digest[32];
	char path[4200];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", x->dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return error_set(e, 500, "EXPORT_ERROR", "cannot read %s back", path);
	crypto_hash_sha256_init(&st);
	*size = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		crypto_hash_sha256_update(&st, buf, n);
		*size += (int64_t)n;
	}
	n = (size_t)ferror(f);
	fclose(f);
	if (n != 0)
		return error_set(e, 500, "EXPORT_ERROR", "cannot read %s back", path);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, 65, digest, sizeof(digest));
	return 0;
}

/* manifest.json: the format, origin, operator, the ledger's size and root,
 * the checkpoint's, and each file with its size and SHA-256. */
static int
scheme_manifest(struct scheme *x, struct error *e)
{
	char root[2 * MERKLE_HASH_SIZE + 1], cp_root[2 * MERKLE_HASH_SIZE + 1], hex[65];
	json_t *files = json_array();
	int64_t size;

	const char *const *names = x->funder != 0 ? escrow_files : scheme_files;
	size_t count = x->funder != 0 ? ESCROW_FILES : SCHEME_FILES;
	json_t *manifest;

	for (size_t i = 0; i < count; i++) {
		if (scheme_digest(x, names[i], &size, hex, e) != 0) {
			json_decref(files);
			return -1;
		}
		json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "name", names[i],
		    "size", (json_int_t)size, "sha256", hex));
	}
	sodium_bin2hex(root, sizeof(root), x->r->root, MERKLE_HASH_SIZE);
	sodium_bin2hex(cp_root, sizeof(cp_root), x->cp.root, MERKLE_HASH_SIZE);
	manifest = json_pack("{s:s, s:s, s:{s:s, s:s}, s:o,"
	    " s:{s:I, s:s}, s:{s:I, s:s}, s:I, s:I, s:o}",
	    "format", x->funder != 0 ? ESCROW_FORMAT : SCHEME_FORMAT, "origin", x->op.origin,
	    "operator", "name", x->op.name, "siren", x->op.siren,
	    "created_at", scheme_instant(clock_now()),
	    "ledger", "size", (json_int_t)x->r->ledger_size, "root", root,
	    "checkpoint", "size", (json_int_t)x->cp.size, "root", cp_root,
	    "vouchers", (json_int_t)x->r->vouchers, "payables", (json_int_t)x->r->payables,
	    "files", files);
	json_object_set_new(manifest, "invoices", json_integer(x->r->invoices));
	if (x->funder != 0) {
		int64_t balance = 0, orders = 0, notes = 0;
		char code[LEDGER_ACCOUNT_MAX + 1];
		ledger_account_code(ACCOUNT_FUNDER_BALANCE, x->funder, code);
		if (ledger_balance(x->db, code, &balance, e) != 0)
			return -1;
		ledger_account_code(ACCOUNT_FUNDER_ORDERS, x->funder, code);
		if (ledger_balance(x->db, code, &orders, e) != 0)
			return -1;
		ledger_account_code(ACCOUNT_FUNDER_CREDIT, x->funder, code);
		if (ledger_balance(x->db, code, &notes, e) != 0)
			return -1;
		json_object_set_new(manifest, "funder", json_pack("{s:I, s:s, s:s, s:I, s:I, s:I}",
		    "id", (json_int_t)x->funder, "name", x->funder_name, "public_name",
		    x->funder_public, "spendable_cents", (json_int_t)-balance,
		    "orders_owed_cents", (json_int_t)orders, "credit_notes_owed_cents",
		    (json_int_t)-notes));
	}
	return scheme_json_file(x, "manifest.json", manifest, e);
}

/* manifest.note: a C2SP signed note by the active ledger key (named after
 * the origin) whose text is the format, the origin and the SHA-256 (hex)
 * of manifest.json, one per line. */
static int
scheme_sign(struct scheme *x, struct error *e)
{
	struct secret_key sk;
	struct key_info info;
	char hex[65], text[NOTE_NAME_MAX + 200], note[NOTE_MAX_BYTES];
	size_t len;
	int64_t size;
	int rc;

	if (scheme_digest(x, "manifest.json", &size, hex, e) != 0)
		return -1;
	snprintf(text, sizeof(text), "%s\n%s\n%s\n", x->funder != 0 ? ESCROW_NOTE_FORMAT :
	    SCHEME_NOTE_FORMAT, x->op.origin, hex);
	if (keys_load_active(x->db, x->home, KEY_LEDGER, &sk, &info, e) != 0)
		return -1;
	rc = note_sign(text, strlen(text), x->op.origin, sk.bytes, note, sizeof(note), &len, e);
	secret_key_wipe(&sk);
	if (rc != 0 || scheme_open(x, "manifest.note", e) != 0)
		return -1;
	scheme_puts(x, note);
	return scheme_close(x, "manifest.note", e);
}

/* Removes a previous manifest and its signature (--force), first: until
 * the new manifest.note is written last, the folder does not verify. */
static int
scheme_unsign(struct scheme *x, struct error *e)
{
	static const char *const names[] = { "manifest.note", "manifest.json" };
	char path[4200];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", x->dir, names[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			return error_set(e, 500, "EXPORT_ERROR", "cannot remove %s: %s", path,
			    strerror(errno));
	}
	return 0;
}

static int
scheme_funder_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct scheme *x = ctx;

	(void)e;
	db_row_text(row, 0, x->funder_name, sizeof(x->funder_name));
	db_row_text(row, 1, x->funder_public, sizeof(x->funder_public));
	return 0;
}

/* The escrow's funder exists. */
static int
scheme_funder(struct scheme *x, struct error *e)
{
	int rc = db_one(x->db, "SELECT name, public_name FROM funders WHERE id = ?1",
	    DB_ARGS(DB_INT(x->funder)), scheme_funder_row, x, e);

	if (rc <= 0)
		return rc < 0 ? -1 : error_set(e, 404, "UNKNOWN_FUNDER", "no funder %lld",
		    (long long)x->funder);
	return 0;
}

/* The whole export inside one read transaction. */
static int
scheme_work(struct db *db, void *ctx, struct error *e)
{
	struct scheme *x = ctx;

	(void)db;
	if (scheme_unsign(x, e) != 0)
		return -1;
	if (home_operator(x->db, &x->op, e) != 0 || ledger_size(x->db, &x->r->ledger_size, e) != 0 ||
	    ledger_root(x->db, x->r->ledger_size, x->r->root, e) != 0)
		return -1;
	if (x->funder != 0 && scheme_funder(x, e) != 0)
		return -1;
	if (scheme_checkpoint(x, e) != 0 ||
	    (x->funder != 0 ? scheme_leaves(x, e) != 0 || scheme_entries(x, e) != 0 :
	    scheme_ledger(x, e) != 0) || scheme_keys(x, e) != 0 ||
	    scheme_registry(x, e) != 0 || scheme_vouchers(x, e) != 0 ||
	    scheme_payables(x, e) != 0 || scheme_invoices(x, e) != 0 ||
	    scheme_manifest(x, e) != 0)
		return -1;
	return scheme_sign(x, e);
}

int
scheme_export(struct db *db, const char *home, const char *dir, struct scheme_result *r,
    struct error *e)
{
	struct scheme x = { .db = db, .home = home, .dir = dir, .r = r };

	memset(r, 0, sizeof(*r));
	return db_read(db, scheme_work, &x, e);
}

int
scheme_escrow(struct db *db, const char *home, const char *dir, int64_t funder_id,
    struct scheme_result *r, struct error *e)
{
	struct scheme x = { .db = db, .home = home, .dir = dir, .r = r, .funder = funder_id };

	memset(r, 0, sizeof(*r));
	if (funder_id <= 0)
		return error_set(e, 400, "BAD_FUNDER", "an escrow is made for one funder");
	return db_read(db, scheme_work, &x, e);
}
