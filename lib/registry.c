/* The registry: funders and their funds, distributors, payees and places,
 * services, settings (schema/0002-registry.sql, 0003-registry-extra.sql).
 * Campaigns are in registry_campaign.c, bearer tokens in registry_token.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "db.h"
#include "identifiers.h"
#include "ledger.h"
#include "money.h"
#include "registry.h"
#include "registry_private.h"
#include "territory.h"
#include "utf8.h"

static const char *const place_types[] = {
	"epn", "france-services", "pimms", "centre-social", "mediatheque", "ccas", "association",
	"other", NULL,
};

static const char *const label_names[] = { "none", "labelled", "suspended" };

void
registry_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

/* Whether text is only spaces: ASCII space, no-break space (U+00A0) and
 * narrow no-break space (U+202F). */
static bool
registry_blank(const char *text)
{
	for (const char *p = text; *p != '\0';) {
		if (*p == ' ')
			p++;
		else if (strncmp(p, "\xc2\xa0", 2) == 0)
			p += 2;
		else if (strncmp(p, "\xe2\x80\xaf", 3) == 0)
			p += 3;
		else
			return false;
	}
	return true;
}

int
registry_text_check(const char *code, const char *what, const char *text, size_t max,
    struct error *e)
{
	size_t len = text != NULL ? strlen(text) : 0;

	if (len == 0 || len > max)
		return error_set(e, 400, code, "%s must have 1 to %zu characters", what, max);
	if (!utf8_valid(text, len))
		return error_set(e, 400, code, "%s must be valid UTF-8 text", what);
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return error_set(e, 400, code, "%s must not contain control characters", what);
	if (registry_blank(text))
		return error_set(e, 400, code, "%s must not be only spaces", what);
	return 0;
}

int
registry_name_check(const char *what, const char *name, struct error *e)
{
	return registry_text_check("BAD_NAME", what, name, REGISTRY_NAME_MAX, e);
}

int
registry_fund_ref_check(const char *ref, struct error *e)
{
	return registry_text_check("BAD_REFERENCE", "a reference", ref, LEDGER_TEXT_MAX, e);
}

int
registry_fund_amount_check(int64_t cents, struct error *e)
{
	if (cents <= 0)
		return error_set(e, 400, "BAD_AMOUNT", "an amount must be more than zero");
	return 0;
}

int
registry_operator_accounts_open(struct db *db, struct error *e)
{
	static const enum ledger_account_kind kinds[] = {
		ACCOUNT_BANK, ACCOUNT_PAYOUTS, ACCOUNT_SUSPENSE, ACCOUNT_FEES, ACCOUNT_VAT,
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (ledger_account_open(db, kinds[i], 0, NULL, e) != 0)
			return -1;
	return 0;
}

/* Normalises an optional SIRET into out ("" when text is NULL or empty). */
static int
registry_siret_optional(const char *text, char out[IDENTIFIERS_SIRET_SIZE], struct error *e)
{
	if (text == NULL || *text == '\0') {
		out[0] = '\0';
		return 0;
	}
	return identifiers_siret_normalize(text, out, e);
}

/* Looks up one row by id with sql (one parameter) and reads it with read
 * into out: 0, or -1 (e set: 404 code with message "no WHAT with id ID"
 * when there is no row). */
static int
registry_get(struct db *db, const char *sql, int64_t id, db_row_fn read, void *out,
    const char *code, const char *what, struct error *e)
{
	int found = db_one(db, sql, DB_ARGS(DB_INT(id)), read, out, e);

	if (found < 0)
		return -1;
	if (found == 0)
		return error_set(e, 404, code, "no %s with id %lld", what, (long long)id);
	return 0;
}

/* Funders. */

/* Reads a funder row (id, name, public_name, siret, created_at) into ctx. */
static int
registry_funder_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct funder *f = ctx;

	(void)e;
	memset(f, 0, sizeof(*f));
	f->id = db_row_int64(row, 0);
	(void)db_row_text(row, 1, f->name, sizeof(f->name));
	(void)db_row_text(row, 2, f->public_name, sizeof(f->public_name));
	(void)db_row_text(row, 3, f->siret, sizeof(f->siret));
	f->created_at = db_row_int64(row, 4);
	(void)db_row_text(row, 5, f->frame, sizeof(f->frame));
	(void)db_row_text(row, 6, f->vat_territory, sizeof(f->vat_territory));
	(void)db_row_text(row, 7, f->service_code, sizeof(f->service_code));
	return 0;
}

int
registry_frame_check(const char *frame, struct error *e)
{
	if (strcmp(frame, "purchase") == 0 || strcmp(frame, "mandate") == 0 ||
	    strcmp(frame, "prepaid") == 0)
		return 0;
	return error_set(e, 400, "BAD_FRAME", "a funder's frame is purchase, mandate or prepaid");
}

int
registry_territory_check(const char *territory, struct error *e)
{
	static const char *const known[] = { "metropole", "guadeloupe", "martinique", "reunion",
		"guyane", "mayotte", NULL };

	for (size_t i = 0; known[i] != NULL; i++)
		if (strcmp(territory, known[i]) == 0)
			return 0;
	return error_set(e, 400, "BAD_TERRITORY", "a funder's territory is metropole, guadeloupe,"
	    " martinique, reunion, guyane or mayotte");
}

const char *
registry_frame_default(const char *siret)
{
	return siret[0] == '1' || siret[0] == '2' ? "purchase" : "prepaid";
}

/* Checks f's invoicing fields, "" meaning the default (f->frame from the
 * SIRET). */
static int
registry_funder_terms(struct funder *f, struct error *e)
{
	if (f->frame[0] == '\0')
		snprintf(f->frame, sizeof(f->frame), "%s", registry_frame_default(f->siret));
	if (f->vat_territory[0] == '\0')
		snprintf(f->vat_territory, sizeof(f->vat_territory), "metropole");
	if (registry_frame_check(f->frame, e) != 0 ||
	    registry_territory_check(f->vat_territory, e) != 0)
		return -1;
	if (!utf8_valid(f->service_code, strlen(f->service_code)) || strlen(f->service_code) > 100)
		return error_set(e, 400, "BAD_SERVICE_CODE", "a Chorus Pro code service has at most"
		    " 100 bytes of text");
	return 0;
}

/* Opens the three ledger accounts of funder f (idempotent). */
static int
registry_funder_accounts_open(struct db *db, const struct funder *f, struct error *e)
{
	return ledger_account_open(db, ACCOUNT_FUNDER_BALANCE, f->id, f->name, e) != 0 ||
	    ledger_account_open(db, ACCOUNT_FUNDER_ORDERS, f->id, f->name, e) != 0 ||
	    ledger_account_open(db, ACCOUNT_FUNDER_CREDIT, f->id, f->name, e) != 0 ? -1 : 0;
}

/* Refuses name when another funder than except_id (0: none) has it,
 * without ASCII case, unless flags allows duplicates. */
static int
registry_funder_unique(struct db *db, const char *name, int64_t except_id, unsigned flags,
    struct error *e)
{
	int64_t other = 0;
	int found;

	if (flags & REGISTRY_ALLOW_DUPLICATE)
		return 0;
	found = db_int64(db, "SELECT id FROM funders WHERE name = ?1 COLLATE NOCASE AND id <> ?2"
	    " ORDER BY id LIMIT 1", DB_ARGS(DB_TEXT(name), DB_INT(except_id)), &other, e);
	if (found < 0)
		return -1;
	if (found)
		return error_set(e, 409, "DUPLICATE", "funder %lld already has this name (compared"
		    " without case; if this is another funder, add --allow-duplicate)",
		    (long long)other);
	return 0;
}

int
registry_funder_add(struct db *db, const struct funder *f, int64_t now, int64_t *id,
    struct error *e)
{
	return registry_funder_add_flags(db, f, 0, now, id, e);
}

int
registry_funder_add_flags(struct db *db, const struct funder *f, unsigned flags, int64_t now,
    int64_t *id, struct error *e)
{
	struct funder added = *f;
	const char *public_name = f->public_name[0] != '\0' ? f->public_name : f->name;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_name_check("a funder's name", f->name, e) != 0 ||
	    registry_name_check("a funder's public name", public_name, e) != 0 ||
	    registry_siret_optional(f->siret, added.siret, e) != 0 ||
	    registry_funder_unique(db, f->name, 0, flags, e) != 0 ||
	    registry_funder_terms(&added, e) != 0)
		return -1;
	if (db_run(db, "INSERT INTO funders (name, public_name, siret, created_at, frame,"
	    " vat_territory, service_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    DB_ARGS(DB_TEXT(f->name), DB_TEXT(public_name), DB_TEXT_OR_NULL(added.siret),
	    DB_INT(now), DB_TEXT(added.frame), DB_TEXT(added.vat_territory),
	    DB_TEXT(added.service_code)), e) != 0)
		return -1;
	added.id = db_last_rowid(db);
	if (registry_operator_accounts_open(db, e) != 0 ||
	    registry_funder_accounts_open(db, &added, e) != 0)
		return -1;
	*id = added.id;
	return 0;
}

int
registry_funder_edit(struct db *db, const struct funder *f, unsigned flags, const char *who,
    int64_t now, struct error *e)
{
	struct funder old, terms = *f;

	if (DB_IN_WRITE(db, e) != 0 || registry_funder_get(db, f->id, &old, e) != 0 ||
	    registry_funder_terms(&terms, e) != 0)
		return -1;
	if (strcmp(old.siret, f->siret) != 0)
		return error_set(e, 409, "NOT_EDITABLE", "a funder's SIRET cannot be corrected");
	if (registry_name_check("a funder's name", f->name, e) != 0 ||
	    registry_name_check("a funder's public name", f->public_name, e) != 0 ||
	    (strcmp(old.name, f->name) != 0 &&
	    registry_funder_unique(db, f->name, f->id, flags, e) != 0))
		return -1;
	if (db_run(db, "UPDATE funders SET name = ?2, public_name = ?3, frame = ?4,"
	    " vat_territory = ?5, service_code = ?6 WHERE id = ?1",
	    DB_ARGS(DB_INT(f->id), DB_TEXT(f->name), DB_TEXT(f->public_name), DB_TEXT(terms.frame),
	    DB_TEXT(terms.vat_territory), DB_TEXT(terms.service_code)), e) != 0)
		return -1;
	return registry_change_record(db, "funder", f->id, "name", old.name, f->name, who, now,
	    e) != 0 || registry_change_record(db, "funder", f->id, "public_name", old.public_name,
	    f->public_name, who, now, e) != 0 ||
	    registry_change_record(db, "funder", f->id, "frame", old.frame, terms.frame, who, now,
	    e) != 0 || registry_change_record(db, "funder", f->id, "vat_territory",
	    old.vat_territory, terms.vat_territory, who, now, e) != 0 ||
	    registry_change_record(db, "funder", f->id, "service_code", old.service_code,
	    terms.service_code, who, now, e) != 0 ? -1 : 0;
}

int
registry_funder_get(struct db *db, int64_t id, struct funder *f, struct error *e)
{
	return registry_get(db, "SELECT id, name, public_name, siret, created_at, frame,"
	    " vat_territory, service_code FROM funders WHERE id = ?1", id, registry_funder_read, f, "NO_FUNDER", "funder", e);
}

/* The caller's callback of registry_funder_list and what it last returned. */
struct registry_funder_each {
	int (*fn)(const struct funder *f, void *ctx);
	void *ctx;
	int stop;
};

static int
registry_funder_each_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_funder_each *each = ctx;
	struct funder f;

	registry_funder_read(row, &f, e);
	each->stop = each->fn(&f, each->ctx);
	return each->stop != 0;
}

int
registry_funder_list(struct db *db, int (*fn)(const struct funder *f, void *ctx), void *ctx,
    struct error *e)
{
	struct registry_funder_each each = { fn, ctx, 0 };

	if (db_each(db, "SELECT id, name, public_name, siret, created_at, frame, vat_territory,"
	    " service_code FROM funders ORDER BY id",
	    DB_NO_ARGS, registry_funder_each_row, &each, e) != 0)
		return -1;
	return each.stop;
}

/* Funds. */

const char *
registry_fund_kind_name(enum registry_fund_kind kind)
{
	return kind == FUND_ORDER ? "order" : "credit";
}

/* Refuses a reference already recorded for this funder and kind. */
static int
registry_fund_unique(struct db *db, int64_t funder_id, enum registry_fund_kind kind,
    const char *ref, struct error *e)
{
	int found = db_one(db, "SELECT 1 FROM funder_funds WHERE funder_id = ?1 AND kind = ?2"
	    " AND ref = ?3", DB_ARGS(DB_INT(funder_id), DB_TEXT(registry_fund_kind_name(kind)),
	    DB_TEXT(ref)), NULL, NULL, e);

	if (found < 0)
		return -1;
	if (found)
		return error_set(e, 409, "DUPLICATE_REFERENCE",
		    "funder %lld already has %s with reference \"%s\"", (long long)funder_id,
		    kind == FUND_ORDER ? "an order" : "a credit", ref);
	return 0;
}

/* Fills entry with the two postings of a fund (see registry.h). */
static int
registry_fund_entry(struct ledger_entry *entry, int64_t funder_id, enum registry_fund_kind kind,
    int64_t amount, const char *ref, int64_t now, struct error *e)
{
	memset(entry, 0, sizeof(*entry));
	entry->time = now;
	registry_copy(entry->kind, sizeof(entry->kind), registry_fund_kind_name(kind));
	registry_copy(entry->reference, sizeof(entry->reference), ref);
	if (kind == FUND_ORDER) {
		registry_copy(entry->memo, sizeof(entry->memo), "Commande d'un financeur");
		if (ledger_post(entry, ACCOUNT_FUNDER_ORDERS, funder_id, amount, e) != 0)
			return -1;
	} else {
		registry_copy(entry->memo, sizeof(entry->memo), "Fonds recus d'un financeur");
		if (ledger_post(entry, ACCOUNT_BANK, 0, amount, e) != 0)
			return -1;
	}
	return ledger_post(entry, ACCOUNT_FUNDER_BALANCE, funder_id, -amount, e);
}

int
registry_funder_fund(struct db *db, int64_t funder_id, enum registry_fund_kind kind,
    int64_t amount_cents, const char *ref, int64_t now, uint64_t *seq, struct error *e)
{
	struct funder_fund fund;

	if (registry_funder_fund_add(db, funder_id, kind, amount_cents, ref, now, &fund, e) != 0)
		return -1;
	if (seq != NULL)
		*seq = fund.entry_seq;
	return 0;
}

int
registry_funder_fund_add(struct db *db, int64_t funder_id, enum registry_fund_kind kind,
    int64_t amount_cents, const char *ref, int64_t now, struct funder_fund *out,
    struct error *e)
{
	struct ledger_entry entry;
	struct funder f;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_fund_amount_check(amount_cents, e) != 0 ||
	    registry_fund_ref_check(ref, e) != 0 ||
	    registry_funder_get(db, funder_id, &f, e) != 0 ||
	    registry_fund_unique(db, funder_id, kind, ref, e) != 0 ||
	    registry_operator_accounts_open(db, e) != 0 ||
	    registry_funder_accounts_open(db, &f, e) != 0 ||
	    registry_fund_entry(&entry, funder_id, kind, amount_cents, ref, now, e) != 0 ||
	    ledger_append(db, &entry, NULL, e) != 0)
		return -1;
	if (db_run(db, "INSERT INTO funder_funds (funder_id, kind, ref, amount, entry_seq,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", DB_ARGS(DB_INT(funder_id),
	    DB_TEXT(registry_fund_kind_name(kind)), DB_TEXT(ref), DB_INT(amount_cents),
	    DB_INT(entry.seq), DB_INT(now)), e) != 0)
		return -1;
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
		out->id = db_last_rowid(db);
		out->funder_id = funder_id;
		out->kind = kind;
		registry_copy(out->ref, sizeof(out->ref), ref);
		out->amount_cents = amount_cents;
		out->entry_seq = entry.seq;
		out->created_at = now;
	}
	return 0;
}

/* The caller's callback of registry_fund_find, the kind looked for and
 * what the callback last returned. */
struct registry_fund_each {
	int (*fn)(const struct funder_fund *f, void *ctx);
	void *ctx;
	enum registry_fund_kind kind;
	int stop;
};

static int
registry_fund_each_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_fund_each *each = ctx;
	struct funder_fund f;

	(void)e;
	memset(&f, 0, sizeof(f));
	f.id = db_row_int64(row, 0);
	f.funder_id = db_row_int64(row, 1);
	f.kind = each->kind;
	(void)db_row_text(row, 2, f.ref, sizeof(f.ref));
	f.amount_cents = db_row_int64(row, 3);
	f.entry_seq = (uint64_t)db_row_int64(row, 4);
	f.created_at = db_row_int64(row, 5);
	each->stop = each->fn(&f, each->ctx);
	return each->stop != 0;
}

int
registry_fund_find(struct db *db, enum registry_fund_kind kind, const char *ref,
    int (*fn)(const struct funder_fund *f, void *ctx), void *ctx, struct error *e)
{
	struct registry_fund_each each = { fn, ctx, kind, 0 };

	if (db_each(db, "SELECT id, funder_id, ref, amount, entry_seq, created_at FROM funder_funds"
	    " WHERE kind = ?1 AND ref = ?2 ORDER BY id", DB_ARGS(DB_TEXT(registry_fund_kind_name(kind)),
	    DB_TEXT(ref)), registry_fund_each_row, &each, e) != 0)
		return -1;
	return each.stop;
}

int
registry_fund_list(struct db *db, int64_t funder_id, enum registry_fund_kind kind,
    int (*fn)(const struct funder_fund *f, void *ctx), void *ctx, struct error *e)
{
	struct registry_fund_each each = { fn, ctx, kind, 0 };
	struct funder f;

	if (registry_funder_get(db, funder_id, &f, e) != 0 ||
	    db_each(db, "SELECT id, funder_id, ref, amount, entry_seq, created_at FROM funder_funds"
	    " WHERE funder_id = ?1 AND kind = ?2 ORDER BY id", DB_ARGS(DB_INT(funder_id),
	    DB_TEXT(registry_fund_kind_name(kind))), registry_fund_each_row, &each, e) != 0)
		return -1;
	return each.stop;
}

int
registry_funder_money(struct db *db, int64_t funder_id, int64_t *spendable, int64_t *owed,
    struct error *e)
{
	char account[LEDGER_ACCOUNT_MAX + 1];
	struct funder f;
	int64_t balance;

	if (registry_funder_get(db, funder_id, &f, e) != 0)
		return -1;
	ledger_account_code(ACCOUNT_FUNDER_BALANCE, funder_id, account);
	if (ledger_balance(db, account, &balance, e) != 0)
		return -1;
	if (money_sub(0, balance, spendable) != 0)
		return error_set(e, 500, "LEDGER_ERROR", "the balance of %s overflows", account);
	ledger_account_code(ACCOUNT_FUNDER_ORDERS, funder_id, account);
	return ledger_balance(db, account, owed, e);
}

/* Distributors. */

/* Reads a distributor row (id, name, siret, created_at) into ctx. */
static int
registry_distributor_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct distributor *d = ctx;

	(void)e;
	memset(d, 0, sizeof(*d));
	d->id = db_row_int64(row, 0);
	(void)db_row_text(row, 1, d->name, sizeof(d->name));
	(void)db_row_text(row, 2, d->siret, sizeof(d->siret));
	d->created_at = db_row_int64(row, 3);
	return 0;
}

/* Refuses name when another distributor than except_id (0: none) has it,
 * unless flags allows duplicates. */
static int
registry_distributor_unique(struct db *db, const char *name, int64_t except_id, unsigned flags,
    struct error *e)
{
	int64_t other = 0;
	int found;

	if (flags & REGISTRY_ALLOW_DUPLICATE)
		return 0;
	found = db_int64(db, "SELECT id FROM distributors WHERE name = ?1 COLLATE NOCASE"
	    " AND id <> ?2 ORDER BY id LIMIT 1", DB_ARGS(DB_TEXT(name), DB_INT(except_id)), &other,
	    e);
	if (found < 0)
		return -1;
	if (found)
		return error_set(e, 409, "DUPLICATE", "distributor %lld already has this name"
		    " (compared without case; if this is another distributor, add"
		    " --allow-duplicate)", (long long)other);
	return 0;
}

int
registry_distributor_add(struct db *db, const struct distributor *d, int64_t now,
    int64_t *id, struct error *e)
{
	return registry_distributor_add_flags(db, d, 0, now, id, e);
}

int
registry_distributor_add_flags(struct db *db, const struct distributor *d, unsigned flags,
    int64_t now, int64_t *id, struct error *e)
{
	char siret[IDENTIFIERS_SIRET_SIZE];

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_name_check("a distributor's name", d->name, e) != 0 ||
	    registry_siret_optional(d->siret, siret, e) != 0 ||
	    registry_distributor_unique(db, d->name, 0, flags, e) != 0)
		return -1;
	if (db_run(db, "INSERT INTO distributors (name, siret, created_at) VALUES (?1, ?2, ?3)",
	    DB_ARGS(DB_TEXT(d->name), DB_TEXT_OR_NULL(siret), DB_INT(now)), e) != 0)
		return -1;
	*id = db_last_rowid(db);
	return 0;
}

int
registry_distributor_edit(struct db *db, const struct distributor *d, unsigned flags,
    const char *who, int64_t now, struct error *e)
{
	struct distributor old;

	if (DB_IN_WRITE(db, e) != 0 || registry_distributor_get(db, d->id, &old, e) != 0)
		return -1;
	if (strcmp(old.siret, d->siret) != 0)
		return error_set(e, 409, "NOT_EDITABLE", "a distributor's SIRET cannot be corrected");
	if (registry_name_check("a distributor's name", d->name, e) != 0 ||
	    (strcmp(old.name, d->name) != 0 &&
	    registry_distributor_unique(db, d->name, d->id, flags, e) != 0))
		return -1;
	if (db_run(db, "UPDATE distributors SET name = ?2 WHERE id = ?1",
	    DB_ARGS(DB_INT(d->id), DB_TEXT(d->name)), e) != 0)
		return -1;
	return registry_change_record(db, "distributor", d->id, "name", old.name, d->name, who,
	    now, e);
}

int
registry_distributor_get(struct db *db, int64_t id, struct distributor *d, struct error *e)
{
	return registry_get(db, "SELECT id, name, siret, created_at FROM distributors WHERE id = ?1",
	    id, registry_distributor_read, d, "NO_DISTRIBUTOR", "distributor", e);
}

/* The caller's callback of registry_distributor_list and what it last
 * returned. */
struct registry_distributor_each {
	int (*fn)(const struct distributor *d, void *ctx);
	void *ctx;
	int stop;
};

static int
registry_distributor_each_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_distributor_each *each = ctx;
	struct distributor d;

	registry_distributor_read(row, &d, e);
	each->stop = each->fn(&d, each->ctx);
	return each->stop != 0;
}

int
registry_distributor_list(struct db *db, int (*fn)(const struct distributor *d, void *ctx),
    void *ctx, struct error *e)
{
	struct registry_distributor_each each = { fn, ctx, 0 };

	if (db_each(db, "SELECT id, name, siret, created_at FROM distributors ORDER BY id",
	    DB_NO_ARGS, registry_distributor_each_row, &each, e) != 0)
		return -1;
	return each.stop;
}

/* Payees. */

/* Reads a payee row (id, siret, name, iban) into ctx. */
static int
registry_payee_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct payee *p = ctx;

	(void)e;
	memset(p, 0, sizeof(*p));
	p->id = db_row_int64(row, 0);
	(void)db_row_text(row, 1, p->siret, sizeof(p->siret));
	(void)db_row_text(row, 2, p->name, sizeof(p->name));
	(void)db_row_text(row, 3, p->iban, sizeof(p->iban));
	return 0;
}

int
registry_payee_get(struct db *db, int64_t id, struct payee *p, struct error *e)
{
	return registry_get(db, "SELECT id, siret, name, iban FROM payees WHERE id = ?1", id,
	    registry_payee_read, p, "NO_PAYEE", "payee", e);
}

/* Finds the payee of siret: 1 with *p set, 0 when there is none, -1. */
static int
registry_payee_find(struct db *db, const char *siret, struct payee *p, struct error *e)
{
	return db_one(db, "SELECT id, siret, name, iban FROM payees WHERE siret = ?1",
	    DB_ARGS(DB_TEXT(siret)), registry_payee_read, p, e);
}

/* The payee a new place joins: siret's payee (iban, when not NULL, must be
 * its IBAN), or a new one with iban and its ledger account. */
static int
registry_payee_for_place(struct db *db, const char *name, const char *siret, const char *iban,
    int64_t now, int64_t *payee_id, struct error *e)
{
	struct payee p;
	int found = registry_payee_find(db, siret, &p, e);

	if (found < 0)
		return -1;
	if (found) {
		if (iban != NULL && strcmp(iban, p.iban) != 0)
			return error_set(e, 409, "IBAN_MISMATCH", "SIRET %s is paid to another IBAN;"
			    " change it with passnum place iban-request %lld", siret, (long long)p.id);
		*payee_id = p.id;
		return 0;
	}
	if (iban == NULL)
		return error_set(e, 400, "IBAN_REQUIRED", "SIRET %s is new: give its IBAN (--iban)",
		    siret);
	if (db_run(db, "INSERT INTO payees (siret, name, iban, created_at) VALUES (?1, ?2, ?3, ?4)",
	    DB_ARGS(DB_TEXT(siret), DB_TEXT(name), DB_TEXT(iban), DB_INT(now)), e) != 0)
		return -1;
	*payee_id = db_last_rowid(db);
	return ledger_account_open(db, ACCOUNT_PAYEE, *payee_id, name, e);
}

int
registry_payee_iban_request(struct db *db, int64_t payee_id, const char *iban,
    const char *admin_token_id, int64_t now, int64_t *request_id, struct error *e)
{
	char normal[IDENTIFIERS_IBAN_SIZE];
	struct payee p;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_text_check("BAD_TOKEN_ID", "a token id", admin_token_id, 16, e) != 0 ||
	    registry_payee_get(db, payee_id, &p, e) != 0 ||
	    identifiers_iban_normalize(iban, normal, e) != 0)
		return -1;
	if (strcmp(normal, p.iban) == 0)
		return error_set(e, 409, "IBAN_UNCHANGED", "payee %lld already has this IBAN",
		    (long long)payee_id);
	if (db_run(db, "INSERT INTO payee_iban_changes (payee_id, iban, requested_by, requested_at)"
	    " VALUES (?1, ?2, ?3, ?4)", DB_ARGS(DB_INT(payee_id), DB_TEXT(normal),
	    DB_TEXT(admin_token_id), DB_INT(now)), e) != 0)
		return -1;
	*request_id = db_last_rowid(db);
	return 0;
}

/* Reads a request row (id, payee_id, iban, requested_by, requested_at,
 * approved_by, approved_at, payee's name, SIRET and current IBAN) into ctx. */
static int
registry_iban_change_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct iban_change *c = ctx;

	(void)e;
	memset(c, 0, sizeof(*c));
	c->id = db_row_int64(row, 0);
	c->payee_id = db_row_int64(row, 1);
	(void)db_row_text(row, 2, c->iban, sizeof(c->iban));
	(void)db_row_text(row, 3, c->requested_by, sizeof(c->requested_by));
	c->requested_at = db_row_int64(row, 4);
	(void)db_row_text(row, 5, c->approved_by, sizeof(c->approved_by));
	c->approved_at = db_row_int64(row, 6);
	(void)db_row_text(row, 7, c->payee_name, sizeof(c->payee_name));
	(void)db_row_text(row, 8, c->payee_siret, sizeof(c->payee_siret));
	(void)db_row_text(row, 9, c->current_iban, sizeof(c->current_iban));
	return 0;
}

#define REGISTRY_IBAN_CHANGE_SELECT "SELECT c.id, c.payee_id, c.iban, c.requested_by," \
	" c.requested_at, c.approved_by, c.approved_at, p.name, p.siret, p.iban" \
	" FROM payee_iban_changes c JOIN payees p ON p.id = c.payee_id"

int
registry_iban_change_get(struct db *db, int64_t id, struct iban_change *c, struct error *e)
{
	return registry_get(db, REGISTRY_IBAN_CHANGE_SELECT " WHERE c.id = ?1", id,
	    registry_iban_change_read, c, "NO_IBAN_REQUEST", "IBAN change request", e);
}

/* The caller's callback of registry_iban_change_pending and what it last
 * returned. */
struct registry_iban_change_each {
	int (*fn)(const struct iban_change *c, void *ctx);
	void *ctx;
	int stop;
};

static int
registry_iban_change_each_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_iban_change_each *each = ctx;
	struct iban_change c;

	registry_iban_change_read(row, &c, e);
	each->stop = each->fn(&c, each->ctx);
	return each->stop != 0;
}

int
registry_iban_change_pending(struct db *db, int (*fn)(const struct iban_change *c, void *ctx),
    void *ctx, struct error *e)
{
	struct registry_iban_change_each each = { fn, ctx, 0 };

	if (db_each(db, REGISTRY_IBAN_CHANGE_SELECT " WHERE c.approved_by IS NULL ORDER BY c.id",
	    DB_NO_ARGS, registry_iban_change_each_row, &each, e) != 0)
		return -1;
	return each.stop;
}

int
registry_payee_iban_approvable(struct db *db, int64_t id, const char *admin_token_id,
    struct iban_change *c, struct error *e)
{
	if (registry_text_check("BAD_TOKEN_ID", "a token id", admin_token_id, 16, e) != 0 ||
	    registry_iban_change_get(db, id, c, e) != 0)
		return -1;
	if (c->approved_by[0] != '\0')
		return error_set(e, 409, "ALREADY_APPROVED", "IBAN change request %lld is already"
		    " approved", (long long)id);
	if (strcmp(c->requested_by, admin_token_id) == 0)
		return error_set(e, 403, "SAME_ADMIN", "an IBAN change must be approved with another"
		    " admin token than the one that requested it");
	if (strcmp(c->iban, c->current_iban) == 0)
		return error_set(e, 409, "IBAN_UNCHANGED", "payee %lld already has this IBAN",
		    (long long)c->payee_id);
	return 0;
}

int
registry_payee_iban_approve(struct db *db, int64_t request_id, const char *admin_token_id,
    int64_t now, struct error *e)
{
	char who[REGISTRY_ACTOR_SIZE];
	struct iban_change c;

	if (DB_IN_WRITE(db, e) != 0 ||
	    registry_payee_iban_approvable(db, request_id, admin_token_id, &c, e) != 0)
		return -1;
	snprintf(who, sizeof(who), "token:%s", admin_token_id);
	if (db_run(db, "UPDATE payee_iban_changes SET approved_by = ?2, approved_at = ?3"
	    " WHERE id = ?1", DB_ARGS(DB_INT(request_id), DB_TEXT(admin_token_id), DB_INT(now)),
	    e) != 0 ||
	    db_run(db, "UPDATE payees SET iban = ?2 WHERE id = ?1",
	    DB_ARGS(DB_INT(c.payee_id), DB_TEXT(c.iban)), e) != 0)
		return -1;
	return registry_change_record(db, "payee", c.payee_id, "iban", c.current_iban, c.iban, who,
	    now, e);
}

/* Places. */

int
registry_place_type_check(const char *type, struct error *e)
{
	for (size_t i = 0; place_types[i] != NULL; i++)
		if (type != NULL && strcmp(type, place_types[i]) == 0)
			return 0;
	return error_set(e, 400, "BAD_PLACE_TYPE", "unknown place type \"%.20s\" (epn,"
	    " france-services, pimms, centre-social, mediatheque, ccas, association, other)",
	    type != NULL ? type : "");
}

int32_t
registry_label_default_until(int32_t today)
{
	int year, month, mday;
	int32_t day = today;

	date_to_ymd(today, &year, &month, &mday);
	if (date_from_ymd(year + 1, 12, 31, &day) != 0)
		return today;
	return day;
}

/* Finds a commune where a place may be (one with a time zone). */
static int
registry_place_commune_find(const char *code, const struct territory_commune **commune,
    struct error *e)
{
	if (territory_commune_find(code, commune, e) != 0)
		return -1;
	if ((*commune)->tz == CLOCK_TZ_NONE)
		return error_set(e, 400, "NO_TIME_ZONE", "commune %s has no time zone: no place can"
		    " be there", code);
	return 0;
}

int
registry_place_commune_check(const char *commune, struct error *e)
{
	const struct territory_commune *found;

	return registry_place_commune_find(commune, &found, e);
}

/* Refuses name in commune when another place than except_id (0: none) has
 * both, unless flags allows duplicates. */
static int
registry_place_unique(struct db *db, const char *name, const char *commune, int64_t except_id,
    unsigned flags, struct error *e)
{
	int64_t other = 0;
	int found;

	if (flags & REGISTRY_ALLOW_DUPLICATE)
		return 0;
	found = db_int64(db, "SELECT id FROM places WHERE name = ?1 COLLATE NOCASE AND commune = ?2"
	    " AND id <> ?3 ORDER BY id LIMIT 1", DB_ARGS(DB_TEXT(name), DB_TEXT(commune),
	    DB_INT(except_id)), &other, e);
	if (found < 0)
		return -1;
	if (found)
		return error_set(e, 409, "DUPLICATE", "place %lld already has this name in commune %s"
		    " (compared without case; if this is another place, add --allow-duplicate)",
		    (long long)other, commune);
	return 0;
}

/* Checks what a new place names before anything is written: its name,
 * type, SIRET, IBAN (may be NULL), commune and services. */
static int
registry_place_check(struct db *db, const struct place *p, const char *siret_text,
    const char *iban_text, const int64_t *service_ids, size_t service_count,
    char siret[IDENTIFIERS_SIRET_SIZE], char iban[IDENTIFIERS_IBAN_SIZE],
    const struct territory_commune **commune, struct error *e)
{
	struct service s;

	if (registry_name_check("a place's name", p->name, e) != 0 ||
	    registry_place_type_check(p->type, e) != 0)
		return -1;
	if (siret_text == NULL || *siret_text == '\0')
		return error_set(e, 400, "BAD_SIRET", "a place needs the SIRET of who is paid for it");
	if (identifiers_siret_normalize(siret_text, siret, e) != 0 ||
	    (iban_text != NULL && identifiers_iban_normalize(iban_text, iban, e) != 0) ||
	    registry_place_commune_find(p->commune, commune, e) != 0)
		return -1;
	for (size_t i = 0; i < service_count; i++)
		if (registry_service_get(db, service_ids[i], &s, e) != 0)
			return -1;
	return 0;
}

/* Records that place_id offers each of the services. */
static int
registry_place_services_add(struct db *db, int64_t place_id, const int64_t *service_ids,
    size_t service_count, struct error *e)
{
	for (size_t i = 0; i < service_count; i++)
		if (db_run(db, "INSERT OR IGNORE INTO place_services (place_id, service_id)"
		    " VALUES (?1, ?2)", DB_ARGS(DB_INT(place_id), DB_INT(service_ids[i])), e) != 0)
			return -1;
	return 0;
}

int
registry_place_add(struct db *db, const struct place *p, const char *siret, const char *iban,
    const int64_t *service_ids, size_t service_count, int64_t now, int64_t *id, struct error *e)
{
	return registry_place_add_flags(db, p, siret, iban, service_ids, service_count, 0, now, id,
	    e);
}

int
registry_place_add_flags(struct db *db, const struct place *p, const char *siret,
    const char *iban, const int64_t *service_ids, size_t service_count, unsigned flags,
    int64_t now, int64_t *id, struct error *e)
{
	char siret_normal[IDENTIFIERS_SIRET_SIZE], iban_normal[IDENTIFIERS_IBAN_SIZE];
	const struct territory_commune *commune = NULL;
	int64_t payee_id = 0;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_place_check(db, p, siret, iban, service_ids, service_count, siret_normal,
	    iban_normal, &commune, e) != 0 ||
	    registry_place_unique(db, p->name, commune->code, 0, flags, e) != 0 ||
	    registry_payee_for_place(db, p->name, siret_normal, iban != NULL ? iban_normal : NULL,
	    now, &payee_id, e) != 0)
		return -1;
	if (db_run(db, "INSERT INTO places (name, payee_id, commune, department, region, epci,"
	    " time_zone, type, label, label_until, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'none', NULL, ?9)",
	    DB_ARGS(DB_TEXT(p->name), DB_INT(payee_id), DB_TEXT(commune->code),
	    DB_TEXT(commune->department), DB_TEXT(commune->region), DB_TEXT(commune->epci),
	    DB_TEXT(clock_tz_name(commune->tz)), DB_TEXT(p->type), DB_INT(now)), e) != 0)
		return -1;
	*id = db_last_rowid(db);
	return registry_place_services_add(db, *id, service_ids, service_count, e);
}

/* Appends a service's code to the comma-separated list ctx (a
 * REGISTRY_CHANGE_VALUE_MAX + 1 buffer). */
static int
registry_service_code_join(const struct service *s, void *ctx)
{
	char *list = ctx;
	size_t len = strlen(list);

	snprintf(list + len, REGISTRY_CHANGE_VALUE_MAX + 1 - len, "%s%s", len > 0 ? "," : "",
	    s->code);
	return 0;
}

/* Replaces the services of place id with service_ids, recording the lists
 * before and after (codes, comma-separated). */
static int
registry_place_services_replace(struct db *db, int64_t id, const int64_t *service_ids,
    size_t service_count, const char *who, int64_t now, struct error *e)
{
	char before[REGISTRY_CHANGE_VALUE_MAX + 1] = "", after[REGISTRY_CHANGE_VALUE_MAX + 1] = "";
	struct service s;

	for (size_t i = 0; i < service_count; i++)
		if (registry_service_get(db, service_ids[i], &s, e) != 0)
			return -1;
	if (registry_place_services(db, id, registry_service_code_join, before, e) < 0 ||
	    db_run(db, "DELETE FROM place_services WHERE place_id = ?1", DB_ARGS(DB_INT(id)),
	    e) != 0 ||
	    registry_place_services_add(db, id, service_ids, service_count, e) != 0 ||
	    registry_place_services(db, id, registry_service_code_join, after, e) < 0)
		return -1;
	return registry_change_record(db, "place", id, "services", before, after, who, now, e);
}

/* Records the changes of a place's name, type and commune from old to p. */
static int
registry_place_edit_record(struct db *db, const struct place *old, const struct place *p,
    const char *who, int64_t now, struct error *e)
{
	return registry_change_record(db, "place", p->id, "name", old->name, p->name, who, now,
	    e) != 0 ||
	    registry_change_record(db, "place", p->id, "type", old->type, p->type, who, now,
	    e) != 0 ||
	    registry_change_record(db, "place", p->id, "commune", old->commune, p->commune, who,
	    now, e) != 0 ? -1 : 0;
}

int
registry_place_edit(struct db *db, const struct place *p, const int64_t *service_ids,
    size_t service_count, unsigned flags, const char *who, int64_t now, struct error *e)
{
	const struct territory_commune *commune;
	struct place old;

	if (DB_IN_WRITE(db, e) != 0 || registry_place_get(db, p->id, &old, e) != 0)
		return -1;
	if (old.payee_id != p->payee_id || old.label != p->label ||
	    old.label_until != p->label_until)
		return error_set(e, 409, "NOT_EDITABLE", "a place's payee and label are not changed"
		    " by an edit (place iban-request, place label)");
	if (registry_name_check("a place's name", p->name, e) != 0 ||
	    registry_place_type_check(p->type, e) != 0 ||
	    registry_place_commune_find(p->commune, &commune, e) != 0 ||
	    ((strcmp(old.name, p->name) != 0 || strcmp(old.commune, p->commune) != 0) &&
	    registry_place_unique(db, p->name, commune->code, p->id, flags, e) != 0))
		return -1;
	if (db_run(db, "UPDATE places SET name = ?2, type = ?3, commune = ?4, department = ?5,"
	    " region = ?6, epci = ?7, time_zone = ?8 WHERE id = ?1", DB_ARGS(DB_INT(p->id),
	    DB_TEXT(p->name), DB_TEXT(p->type), DB_TEXT(commune->code),
	    DB_TEXT(commune->department), DB_TEXT(commune->region), DB_TEXT(commune->epci),
	    DB_TEXT(clock_tz_name(commune->tz))), e) != 0 ||
	    registry_place_edit_record(db, &old, p, who, now, e) != 0)
		return -1;
	if (service_ids == NULL)
		return 0;
	return registry_place_services_replace(db, p->id, service_ids, service_count, who, now, e);
}

/* Reads a place row (id, name, payee_id, commune, department, region, epci,
 * time_zone, type, label, label_until) into ctx, with its commune's name. */
static int
registry_place_read(const struct db_row *row, void *ctx, struct error *e)
{
	const struct territory_commune *commune;
	struct place *p = ctx;
	char label[16];

	(void)e;
	memset(p, 0, sizeof(*p));
	p->id = db_row_int64(row, 0);
	(void)db_row_text(row, 1, p->name, sizeof(p->name));
	p->payee_id = db_row_int64(row, 2);
	(void)db_row_text(row, 3, p->commune, sizeof(p->commune));
	(void)db_row_text(row, 4, p->department, sizeof(p->department));
	(void)db_row_text(row, 5, p->region, sizeof(p->region));
	(void)db_row_text(row, 6, p->epci, sizeof(p->epci));
	(void)db_row_text(row, 7, p->time_zone, sizeof(p->time_zone));
	(void)db_row_text(row, 8, p->type, sizeof(p->type));
	(void)db_row_text(row, 9, label, sizeof(label));
	p->label = strcmp(label, "labelled") == 0 ? PLACE_LABEL_LABELLED :
	    strcmp(label, "suspended") == 0 ? PLACE_LABEL_SUSPENDED : PLACE_LABEL_NONE;
	p->label_until = db_row_is_null(row, 10) ? -1 : (int32_t)db_row_int64(row, 10);
	if (territory_commune_find(p->commune, &commune, NULL) == 0)
		registry_copy(p->commune_name, sizeof(p->commune_name), commune->name);
	return 0;
}

int
registry_place_get(struct db *db, int64_t id, struct place *p, struct error *e)
{
	return registry_get(db, "SELECT id, name, payee_id, commune, department, region, epci,"
	    " time_zone, type, label, label_until FROM places WHERE id = ?1", id,
	    registry_place_read, p, "NO_PLACE", "place", e);
}

/* The caller's callback of registry_place_list and what it last returned. */
struct registry_place_each {
	int (*fn)(const struct place *p, void *ctx);
	void *ctx;
	int stop;
};

static int
registry_place_each_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_place_each *each = ctx;
	struct place p;

	registry_place_read(row, &p, e);
	each->stop = each->fn(&p, each->ctx);
	return each->stop != 0;
}

int
registry_place_list(struct db *db, int (*fn)(const struct place *p, void *ctx), void *ctx,
    struct error *e)
{
	struct registry_place_each each = { fn, ctx, 0 };

	if (db_each(db, "SELECT id, name, payee_id, commune, department, region, epci, time_zone,"
	    " type, label, label_until FROM places ORDER BY id", DB_NO_ARGS,
	    registry_place_each_row, &each, e) != 0)
		return -1;
	return each.stop;
}

/* Labelling: LABELLED needs until >= today (Europe/Paris); SUSPENDED needs a
 * labelled place and keeps its last day; NONE clears it. */
int
registry_place_set_label(struct db *db, int64_t id, enum place_label label, int32_t until,
    struct error *e)
{
	struct place p;

	if (DB_IN_WRITE(db, e) != 0 || registry_place_get(db, id, &p, e) != 0)
		return -1;
	if (label == PLACE_LABEL_LABELLED && until < clock_today(CLOCK_TZ_PARIS))
		return error_set(e, 400, "LABEL_IN_PAST", "a label's last day cannot be in the past");
	if (label == PLACE_LABEL_SUSPENDED) {
		if (p.label != PLACE_LABEL_LABELLED)
			return error_set(e, 409, "NOT_LABELLED", "place %lld is not labelled: nothing"
			    " to suspend", (long long)id);
		until = p.label_until;
	}
	if (label == PLACE_LABEL_NONE)
		until = -1;
	return db_run(db, "UPDATE places SET label = ?2, label_until = ?3 WHERE id = ?1",
	    DB_ARGS(DB_INT(id), DB_TEXT(label_names[label]), until < 0 ? DB_NULL : DB_INT(until)),
	    e);
}

int
registry_place_offers(struct db *db, int64_t place_id, int64_t service_id, bool *offers,
    struct error *e)
{
	int found = db_one(db, "SELECT 1 FROM place_services WHERE place_id = ?1 AND service_id = ?2",
	    DB_ARGS(DB_INT(place_id), DB_INT(service_id)), NULL, NULL, e);

	*offers = found == 1;
	return found < 0 ? -1 : 0;
}

/* Services. */

/* Reads a service row (id, code, name, passes) into ctx. */
static int
registry_service_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct service *s = ctx;

	(void)e;
	memset(s, 0, sizeof(*s));
	s->id = db_row_int64(row, 0);
	(void)db_row_text(row, 1, s->code, sizeof(s->code));
	(void)db_row_text(row, 2, s->name, sizeof(s->name));
	s->passes = (int)db_row_int64(row, 3);
	return 0;
}

/* The caller's callback of the service lists and what it last returned. */
struct registry_service_each {
	int (*fn)(const struct service *s, void *ctx);
	void *ctx;
	int stop;
};

static int
registry_service_each_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_service_each *each = ctx;
	struct service s;

	registry_service_read(row, &s, e);
	each->stop = each->fn(&s, each->ctx);
	return each->stop != 0;
}

int
registry_place_services(struct db *db, int64_t place_id,
    int (*fn)(const struct service *s, void *ctx), void *ctx, struct error *e)
{
	struct registry_service_each each = { fn, ctx, 0 };

	if (db_each(db, "SELECT s.id, s.code, s.name, s.passes"
	    " FROM place_services ps JOIN services s ON s.id = ps.service_id"
	    " WHERE ps.place_id = ?1 ORDER BY s.code", DB_ARGS(DB_INT(place_id)),
	    registry_service_each_row, &each, e) != 0)
		return -1;
	return each.stop;
}

int
registry_service_code_check(const char *code, struct error *e)
{
	size_t len = strlen(code);

	if (len == 0 || len > 32 || code[0] == '-')
		goto bad;
	for (size_t i = 0; i < len; i++)
		if (!((code[i] >= 'a' && code[i] <= 'z') || (code[i] >= '0' && code[i] <= '9') ||
		    code[i] == '-'))
			goto bad;
	return 0;
bad:
	return error_set(e, 400, "BAD_SERVICE_CODE", "a service code has 1 to 32 characters among"
	    " a-z, 0-9 and '-'");
}

int
registry_service_add(struct db *db, const struct service *s, int64_t *id, struct error *e)
{
	struct service existing;
	struct error ignored;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_service_code_check(s->code, e) != 0 ||
	    registry_name_check("a service's name", s->name, e) != 0)
		return -1;
	if (s->passes < 1 || s->passes > 10)
		return error_set(e, 400, "BAD_PASSES", "a service costs 1 to 10 passes");
	if (registry_service_find(db, s->code, &existing, &ignored) == 0)
		return error_set(e, 409, "SERVICE_EXISTS", "a service with code %s already exists",
		    s->code);
	if (db_run(db, "INSERT INTO services (code, name, passes) VALUES (?1, ?2, ?3)",
	    DB_ARGS(DB_TEXT(s->code), DB_TEXT(s->name), DB_INT(s->passes)), e) != 0)
		return -1;
	*id = db_last_rowid(db);
	return 0;
}

int
registry_service_edit(struct db *db, const struct service *s, const char *who, int64_t now,
    struct error *e)
{
	struct service old;

	if (DB_IN_WRITE(db, e) != 0 || registry_service_get(db, s->id, &old, e) != 0)
		return -1;
	if (strcmp(old.code, s->code) != 0 || old.passes != s->passes)
		return error_set(e, 409, "NOT_EDITABLE", "a service's code and passes never change:"
		    " add another service");
	if (registry_name_check("a service's name", s->name, e) != 0 ||
	    db_run(db, "UPDATE services SET name = ?2 WHERE id = ?1",
	    DB_ARGS(DB_INT(s->id), DB_TEXT(s->name)), e) != 0)
		return -1;
	return registry_change_record(db, "service", s->id, "name", old.name, s->name, who, now, e);
}

int
registry_service_get(struct db *db, int64_t id, struct service *s, struct error *e)
{
	return registry_get(db, "SELECT id, code, name, passes FROM services WHERE id = ?1", id,
	    registry_service_read, s, "NO_SERVICE", "service", e);
}

int
registry_service_find(struct db *db, const char *code, struct service *s, struct error *e)
{
	int found = db_one(db, "SELECT id, code, name, passes FROM services WHERE code = ?1",
	    DB_ARGS(DB_TEXT(code)), registry_service_read, s, e);

	if (found < 0)
		return -1;
	if (found == 0)
		return error_set(e, 404, "UNKNOWN_SERVICE", "no service with code \"%.32s\"", code);
	return 0;
}

int
registry_service_list(struct db *db, int (*fn)(const struct service *s, void *ctx), void *ctx,
    struct error *e)
{
	struct registry_service_each each = { fn, ctx, 0 };

	if (db_each(db, "SELECT id, code, name, passes FROM services ORDER BY code", DB_NO_ARGS,
	    registry_service_each_row, &each, e) != 0)
		return -1;
	return each.stop;
}

/* Settings. */

#define REGISTRY_SETTING_SIZE 32 /* a setting's text, NUL included */

/* Copies the first column of a row as text into ctx (REGISTRY_SETTING_SIZE
 * bytes). */
static int
registry_setting_read(const struct db_row *row, void *ctx, struct error *e)
{
	(void)e;
	(void)db_row_text(row, 0, ctx, REGISTRY_SETTING_SIZE);
	return 0;
}

int
registry_setting_int(struct db *db, const char *name, int64_t fallback, int64_t *value,
    struct error *e)
{
	char text[REGISTRY_SETTING_SIZE], *end;
	long long v;
	int found = db_one(db, "SELECT value FROM settings WHERE name = ?1", DB_ARGS(DB_TEXT(name)),
	    registry_setting_read, text, e);

	if (found < 0)
		return -1;
	if (found == 0) {
		*value = fallback;
		return 0;
	}
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0')
		return error_set(e, 500, "BAD_SETTING", "setting %s is not an integer", name);
	*value = v;
	return 0;
}

/* The caller's callback of registry_fund_totals. */
struct registry_fund_total_each {
	int (*fn)(int64_t funder_id, int64_t cents, void *ctx);
	void *ctx;
};

static int
registry_fund_total_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_fund_total_each *each = ctx;

	(void)e;
	return each->fn(db_row_int64(row, 0), db_row_int64(row, 1), each->ctx) != 0 ? -1 : 0;
}

/* Stops with -1 at fn's first non-zero (e is then fn's to set). */
int
registry_fund_totals(struct db *db,
    int (*fn)(int64_t funder_id, int64_t cents, void *ctx), void *ctx, struct error *e)
{
	struct registry_fund_total_each each = { fn, ctx };

	return db_each(db, "SELECT funder_id, SUM(amount) FROM funder_funds GROUP BY funder_id",
	    DB_NO_ARGS, registry_fund_total_row, &each, e);
}

int
registry_setting_set(struct db *db, const char *name, const char *value, struct error *e)
{
	size_t len = strlen(value);

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (len == 0 || len > 200 || !utf8_valid(value, len))
		return error_set(e, 400, "BAD_SETTING", "setting %s: 1 to 200 bytes of text", name);
	return db_run(db, "INSERT INTO settings (name, value) VALUES (?1, ?2)"
	    " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
	    DB_ARGS(DB_TEXT(name), DB_TEXT(value)), e);
}

struct registry_setting_buffer {
	char *out;
	size_t size;
};

static int
registry_setting_text_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_setting_buffer *b = ctx;

	(void)e;
	(void)db_row_text(row, 0, b->out, b->size);
	return 0;
}

int
registry_setting_text(struct db *db, const char *name, const char *fallback, char *out,
    size_t size, struct error *e)
{
	struct registry_setting_buffer b = { out, size };
	int found;

	snprintf(out, size, "%s", fallback);
	found = db_one(db, "SELECT value FROM settings WHERE name = ?1", DB_ARGS(DB_TEXT(name)),
	    registry_setting_text_read, &b, e);
	return found < 0 ? -1 : 0;
}
