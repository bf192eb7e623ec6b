#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include <zlib.h>
#include "checkpoint.h"
#include "clock.h"
#include "date.h"
#include "db.h"
#include "export.h"
#include "home.h"
#include "keys.h"
#include "ledger.h"
#include "money.h"

/* A posting the FEC letters (lettrage): entry seq's posting on account. */
struct export_letter {
	uint64_t seq;
	char account[LEDGER_ACCOUNT_MAX + 1];
	char letter[4];
	int32_t day; /* DateLet: the day the group was complete */
};

struct export {
	struct db *db;
	const struct export_options *o;
	gzFile out;
	int failed;
	uint64_t line; /* FEC EcritureNum */
	int32_t first_day, last_day; /* FEC: the fiscal year */
	struct export_letter *letters; /* FEC: sorted by seq */
	size_t letter_count, letter_cap;
	unsigned letter_next;
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
		{ "funder-invoiced", "FIN" }, { "operator-float", "FIN" },
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

/* The journal of an entry: BQ when it moves a bank account, VT when it
 * records the operator's fees or their VAT, OD otherwise (AN is the
 * opening entry, written apart). */
static void
export_fec_journal(const struct ledger_entry *entry, const char **code, const char **label)
{
	bool vt = false;

	for (size_t i = 0; i < entry->count; i++) {
		const char *a = entry->postings[i].account;
		if (strcmp(a, "bank") == 0 || strcmp(a, "bank-operating") == 0) {
			*code = "BQ";
			*label = "Banque";
			return;
		}
		if (strcmp(a, "fees") == 0 || strcmp(a, "vat") == 0)
			vt = true;
	}
	*code = vt ? "VT" : "OD";
	*label = vt ? "Ventes (frais de l'opérateur)" : "Opérations diverses";
}

static int
export_letter_cmp(const void *a, const void *b)
{
	const struct export_letter *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->account, y->account);
}

/* The letter of entry seq's posting on account, or NULL. */
static const struct export_letter *
export_letter_find(const struct export *x, uint64_t seq, const char *account)
{
	struct export_letter key = { .seq = seq };

	snprintf(key.account, sizeof(key.account), "%s", account);
	return x->letters == NULL ? NULL : bsearch(&key, x->letters, x->letter_count,
	    sizeof(key), export_letter_cmp);
}

static void
export_fec_amount(int64_t cents, char *amount)
{
	money_format(cents > 0 ? cents : -cents, amount, MONEY_FORMAT_SIZE);
	for (char *p = amount; *p != '\0'; p++)
		if (*p == '.')
			*p = ',';
}

static void
export_fec_entry(struct export *x, const struct ledger_entry *entry, int32_t day)
{
	char date[9], ref[LEDGER_TEXT_MAX + 1], lib[2 * LEDGER_TEXT_MAX + 40];
	const char *journal, *journal_label;
	int y, m, d;

	date_to_ymd(day, &y, &m, &d);
	snprintf(date, sizeof(date), "%04d%02d%02d", y, m, d);
	export_clean(entry->reference[0] != '\0' ? entry->reference : entry->kind, ref, sizeof(ref), 0);
	export_fec_label(entry, lib, sizeof(lib));
	export_fec_journal(entry, &journal, &journal_label);
	x->line++;
	for (size_t i = 0; i < entry->count; i++) {
		char pcg[8], label[256], aux[32], aux_label[256], amount[MONEY_FORMAT_SIZE];
		char let_date[9] = "";
		int64_t cents = entry->postings[i].amount;
		const struct export_letter *let = export_letter_find(x, entry->seq,
		    entry->postings[i].account);
		export_fec_account(x, entry->postings[i].account, pcg, label, aux, aux_label);
		export_fec_amount(cents, amount);
		if (let != NULL) {
			int ly, lm, ld;
			date_to_ymd(let->day, &ly, &lm, &ld);
			snprintf(let_date, sizeof(let_date), "%04d%02d%02d", ly, lm, ld);
		}
		export_printf(x, "%s\t%s\t%llu\t%s\t%s\t%s\t%s\t%s\t%s-%llu\t%s\t%s\t%s\t%s"
		    "\t%s\t%s\t%s\t\t\n", journal, journal_label, (unsigned long long)x->line, date, pcg,
		    label, aux, aux_label, ref, (unsigned long long)entry->seq, date, lib,
		    cents > 0 ? amount : "0,00", cents < 0 ? amount : "0,00",
		    let != NULL ? let->letter : "", let_date, date);
	}
}

/* Lettrage. Adds the postings of group (entries seqs on account) under
 * the next letter, dated by the latest of them. */
static void
export_letter_add(struct export *x, const uint64_t *seqs, size_t n, const char *account)
{
	unsigned k = x->letter_next++;
	char letter[4] = { (char)('A' + k / 676 % 26), (char)('A' + k / 26 % 26),
		(char)('A' + k % 26), '\0' };
	int32_t day = 0;
	struct ledger_entry entry;
	struct error e;

	for (size_t i = 0; i < n; i++)
		if (ledger_read(x->db, seqs[i], &entry, &e) == 0) {
			int32_t dd = clock_local_day(entry.time, CLOCK_TZ_PARIS);
			if (dd > day)
				day = dd;
		}
	for (size_t i = 0; i < n; i++) {
		if (x->letter_count == x->letter_cap) {
			x->letter_cap = x->letter_cap * 2 + 16;
			x->letters = realloc(x->letters, x->letter_cap * sizeof(*x->letters));
			if (x->letters == NULL)
				abort();
		}
		struct export_letter *l = &x->letters[x->letter_count++];
		l->seq = seqs[i];
		snprintf(l->account, sizeof(l->account), "%s", account);
		snprintf(l->letter, sizeof(l->letter), "%s", letter);
		l->day = day;
	}
}

static int
export_letter_suspense(const struct db_row *row, void *ctx, struct error *e)
{
	uint64_t seqs[2] = { (uint64_t)db_row_int64(row, 0), (uint64_t)db_row_int64(row, 1) };

	(void)e;
	export_letter_add(ctx, seqs, 2, "suspense");
	return 0;
}

struct export_transit {
	struct export *x;
	uint64_t seqs[256];
	size_t n;
	bool overflow;
};

static int
export_transit_seq(const struct db_row *row, void *ctx, struct error *e)
{
	struct export_transit *t = ctx;

	(void)e;
	if (t->n == sizeof(t->seqs) / sizeof(t->seqs[0]))
		t->overflow = true;
	else
		t->seqs[t->n++] = (uint64_t)db_row_int64(row, 0);
	return 0;
}

/* A settlement whose payouts the bank all debited: its settle entries and
 * the bank entries that debited them settle payouts in transit exactly. */
static int
export_letter_settlement(const struct db_row *row, void *ctx, struct error *e)
{
	struct export_transit t = { .x = ctx };
	int64_t id = db_row_int64(row, 0);
	char ref[40];

	snprintf(ref, sizeof(ref), "settlement:%lld", (long long)id);
	if (db_each(t.x->db, "SELECT seq FROM entries WHERE kind = 'settle' AND reference = ?1 UNION"
	    " SELECT DISTINCT COALESCE(m.entry_seq, l.entry_seq) FROM payout_debits d JOIN payouts p ON"
	    " p.id = d.payout_id JOIN bank_lines l ON l.id = d.line_id LEFT JOIN bank_matches m ON"
	    " m.line_id = l.id WHERE p.settlement_id = ?2 ORDER BY 1", DB_ARGS(DB_TEXT(ref),
	    DB_INT(id)), export_transit_seq, &t, e) != 0)
		return -1;
	if (!t.overflow && t.n >= 2)
		export_letter_add(t.x, t.seqs, t.n, "payouts-in-transit");
	return 0;
}

/* An invoice whose receivable its credit notes and payments settle
 * exactly: the postings of its entry, theirs, on the funder's invoiced
 * receivable (411). */
static int
export_letter_invoice(const struct db_row *row, void *ctx, struct error *e)
{
	struct export_transit t = { .x = ctx };
	int64_t id = db_row_int64(row, 0);
	char code[LEDGER_ACCOUNT_MAX + 1];

	ledger_account_code(ACCOUNT_FUNDER_INVOICED, db_row_int64(row, 1), code);
	if (db_each(t.x->db, "SELECT entry_seq FROM invoices WHERE id = ?1 UNION SELECT entry_seq FROM"
	    " invoices WHERE invoice_id = ?1 AND receivable_cents > 0 AND entry_seq IS NOT NULL UNION"
	    " SELECT entry_seq FROM invoice_payments WHERE invoice_id = ?1 ORDER BY 1",
	    DB_ARGS(DB_INT(id)), export_transit_seq, &t, e) != 0)
		return -1;
	if (!t.overflow && t.n >= 2)
		export_letter_add(t.x, t.seqs, t.n, code);
	return 0;
}

/* The lettrage of the FEC: a bank line put in suspense and the entry that
 * matched it by hand (471); a settlement's entries and the bank's debits
 * of all its payouts (4678); an invoice settled exactly by its credit
 * notes and payments, none of those payments' entries paying another
 * invoice too (411). */
static int
export_letters(struct export *x, struct error *e)
{
	if (db_each(x->db, "SELECT l.entry_seq, m.entry_seq FROM bank_matches m JOIN bank_lines l ON"
	    " l.id = m.line_id WHERE l.kind = 'suspense' ORDER BY m.line_id", DB_NO_ARGS,
	    export_letter_suspense, x, e) != 0 ||
	    db_each(x->db, "SELECT s.id FROM settlements s WHERE NOT EXISTS (SELECT 1 FROM payouts p"
	    " WHERE p.settlement_id = s.id AND NOT EXISTS (SELECT 1 FROM payout_debits d WHERE"
	    " d.payout_id = p.id)) ORDER BY s.id", DB_NO_ARGS, export_letter_settlement, x, e) != 0 ||
	    db_each(x->db, "SELECT i.id, i.funder_id FROM invoices i WHERE i.kind = 'invoice' AND"
	    " i.receivable_cents > 0 AND i.entry_seq IS NOT NULL AND i.receivable_cents = (SELECT"
	    " COALESCE(SUM(cn.receivable_cents), 0) FROM invoices cn WHERE cn.invoice_id = i.id) +"
	    " (SELECT COALESCE(SUM(ip.amount_cents), 0) FROM invoice_payments ip WHERE ip.invoice_id ="
	    " i.id) AND NOT EXISTS (SELECT 1 FROM invoice_payments ip JOIN invoice_payments other ON"
	    " other.entry_seq = ip.entry_seq AND other.invoice_id <> ip.invoice_id WHERE ip.invoice_id ="
	    " i.id) ORDER BY i.id", DB_NO_ARGS, export_letter_invoice, x, e) != 0)
		return -1;
	if (x->letter_count > 0)
		qsort(x->letters, x->letter_count, sizeof(*x->letters), export_letter_cmp);
	return 0;
}

/* The opening entry (journal AN, à-nouveaux) of the fiscal year: the
 * balance of each balance-sheet account (PCG classes 1 to 5) at its first
 * day, the result of the accounts of classes 6 and 7 carried to 120
 * (profit) or 129 (loss) until it is allocated. Written when any balance
 * is not zero. */
struct export_an {
	struct export *x;
	char date[9], lib[80], ref[16];
	int64_t result;
	bool any;
};

static int
export_an_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct export_an *an = ctx;
	struct export *x = an->x;
	char pcg[8], label[256], aux[32], aux_label[256], amount[MONEY_FORMAT_SIZE];
	const char *code = db_row_text_ptr(row, 0, NULL);
	int64_t cents = db_row_int64(row, 1);

	(void)e;
	export_fec_account(x, code, pcg, label, aux, aux_label);
	if (pcg[0] == '6' || pcg[0] == '7') {
		an->result += cents;
		return 0;
	}
	if (!an->any)
		x->line++;
	an->any = true;
	export_fec_amount(cents, amount);
	export_printf(x, "AN\tÀ-nouveaux\t%llu\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\t\t%s\t\t\n",
	    (unsigned long long)x->line, an->date, pcg, label, aux, aux_label, an->ref, an->date, an->lib,
	    cents > 0 ? amount : "0,00", cents < 0 ? amount : "0,00", an->date);
	return 0;
}

static int
export_fec_opening(struct export *x, struct error *e)
{
	struct export_an an = { .x = x };
	int y, m, d;

	date_to_ymd(x->first_day, &y, &m, &d);
	snprintf(an.date, sizeof(an.date), "%04d%02d%02d", y, m, d);
	snprintf(an.lib, sizeof(an.lib), "À-nouveaux au %02d/%02d/%04d", d, m, y);
	snprintf(an.ref, sizeof(an.ref), "AN-%04d%02d%02d", y, m, d);
	if (db_each(x->db, "SELECT a.code, SUM(p.amount) FROM postings p JOIN entries n ON n.seq ="
	    " p.entry_seq JOIN accounts a ON a.id = p.account_id WHERE n.time < ?1 GROUP BY a.code"
	    " HAVING SUM(p.amount) <> 0 ORDER BY a.code", DB_ARGS(DB_INT(clock_local_day_start(
	    x->first_day, CLOCK_TZ_PARIS))), export_an_row, &an, e) != 0)
		return -1;
	if (an.result != 0) {
		char amount[MONEY_FORMAT_SIZE];
		if (!an.any)
			x->line++;
		export_fec_amount(an.result, amount);
		export_printf(x, "AN\tÀ-nouveaux\t%llu\t%s\t%s\t%s\t\t\t%s\t%s\t%s\t%s\t%s\t\t\t%s\t\t\n",
		    (unsigned long long)x->line, an.date, an.result > 0 ? "129" : "120",
		    an.result > 0 ? "Résultat de l'exercice (perte)" : "Résultat de l'exercice (bénéfice)",
		    an.ref, an.date, an.lib, an.result > 0 ? amount : "0,00",
		    an.result < 0 ? amount : "0,00", an.date);
	}
	return 0;
}

void
export_fiscal_year(int year, int fiscal_start, int32_t *first, int32_t *last)
{
	int start = fiscal_start < 1 || fiscal_start > 12 ? 1 : fiscal_start;
	int32_t next;

	if (start == 1) {
		date_from_ymd(year, 1, 1, first);
		date_from_ymd(year + 1, 1, 1, &next);
	} else {
		date_from_ymd(year - 1, start, 1, first);
		date_from_ymd(year, start, 1, &next);
	}
	*last = next - 1;
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
	if (x->o->format == EXPORT_FEC) {
		export_fiscal_year(x->o->year, x->o->fiscal_start, &x->first_day, &x->last_day);
		if (export_letters(x, e) != 0 || export_fec_opening(x, e) != 0)
			return -1;
	}
	for (uint64_t seq = 0; seq < size && !x->failed; seq++) {
		int32_t day;
		int y, m, d;
		if (ledger_read(db, seq, &entry, e) != 0)
			return -1;
		day = clock_local_day(entry.time, CLOCK_TZ_PARIS);
		date_to_ymd(day, &y, &m, &d);
		if (x->o->format == EXPORT_FEC ? day >= x->first_day && day <= x->last_day :
		    x->o->year == 0 || y == x->o->year)
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
	free(x.letters);
	if ((gzclose(x.out) != Z_OK || x.failed) && rc == 0)
		rc = error_set(e, 500, "EXPORT_ERROR", "cannot write the export");
	return rc;
}

int
export_fec_name(struct db *db, int year, char *out, size_t size, struct error *e)
{
	return export_fec_name_fy(db, year, 1, out, size, e);
}

int
export_fec_name_fy(struct db *db, int year, int fiscal_start, char *out, size_t size,
    struct error *e)
{
	struct operator_info op;
	int32_t first, last;
	int y, m, d;

	if (home_operator(db, &op, e) != 0)
		return -1;
	if (strlen(op.siren) != 9)
		return error_set(e, 409, "NO_SIREN", "a FEC is filed under the operator's SIREN, and"
		    " this home has none: set it with passnum operator set --siren S");
	export_fiscal_year(year, fiscal_start, &first, &last);
	date_to_ymd(last, &y, &m, &d);
	if (out != NULL)
		snprintf(out, size, "%sFEC%04d%02d%02d.txt", op.siren, y, m, d);
	return 0;
}
