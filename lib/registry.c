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

int
registry_funder_add(struct db *db, const struct funder *f, int64_t now, int64_t *id,
    struct error *e)
{
	struct funder added = *f;
	const char *public_name = f->public_name[0] != '\0' ? f->public_name : f->name;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_text_check("BAD_NAME", "a funder's name", f->name, REGISTRY_NAME_MAX, e) != 0 ||
	    registry_text_check("BAD_NAME", "a funder's public name", public_name,
	    REGISTRY_NAME_MAX, e) != 0 ||
	    registry_siret_optional(f->siret, added.siret, e) != 0)
		return -1;
	if (db_run(db, "INSERT INTO funders (name, public_name, siret, created_at)"
	    " VALUES (?1, ?2, ?3, ?4)", DB_ARGS(DB_TEXT(f->name), DB_TEXT(public_name),
	    DB_TEXT_OR_NULL(added.siret), DB_INT(now)), e) != 0)
		return -1;
	added.id = db_last_rowid(db);
	if (registry_operator_accounts_open(db, e) != 0 ||
	    registry_funder_accounts_open(db, &added, e) != 0)
		return -1;
	*id = added.id;
	return 0;
}

int
registry_funder_get(struct db *db, int64_t id, struct funder *f, struct error *e)
{
	return registry_get(db, "SELECT id, name, public_name, siret, created_at FROM funders"
	    " WHERE id = ?1", id, registry_funder_read, f, "NO_FUNDER", "funder", e);
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

	if (db_each(db, "SELECT id, name, public_name, siret, created_at FROM funders ORDER BY id",
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
	struct ledger_entry entry;
	struct funder f;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (amount_cents <= 0)
		return error_set(e, 400, "BAD_AMOUNT", "an amount must be more than zero");
	if (registry_text_check("BAD_REFERENCE", "a reference", ref, LEDGER_TEXT_MAX, e) != 0 ||
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
	if (seq != NULL)
		*seq = entry.seq;
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

int
registry_distributor_add(struct db *db, const struct distributor *d, int64_t now,
    int64_t *id, struct error *e)
{
	char siret[IDENTIFIERS_SIRET_SIZE];

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_text_check("BAD_NAME", "a distributor's name", d->name, REGISTRY_NAME_MAX,
	    e) != 0 || registry_siret_optional(d->siret, siret, e) != 0)
		return -1;
	if (db_run(db, "INSERT INTO distributors (name, siret, created_at) VALUES (?1, ?2, ?3)",
	    DB_ARGS(DB_TEXT(d->name), DB_TEXT_OR_NULL(siret), DB_INT(now)), e) != 0)
		return -1;
	*id = db_last_rowid(db);
	return 0;
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

/* An IBAN change request as stored. */
struct registry_iban_change {
	int64_t payee_id;
	char iban[IDENTIFIERS_IBAN_SIZE], requested_by[17], approved_by[17];
};

/* Reads a request row (payee_id, iban, requested_by, approved_by) into ctx. */
static int
registry_iban_change_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_iban_change *c = ctx;

	(void)e;
	c->payee_id = db_row_int64(row, 0);
	(void)db_row_text(row, 1, c->iban, sizeof(c->iban));
	(void)db_row_text(row, 2, c->requested_by, sizeof(c->requested_by));
	(void)db_row_text(row, 3, c->approved_by, sizeof(c->approved_by));
	return 0;
}

int
registry_payee_iban_approve(struct db *db, int64_t request_id, const char *admin_token_id,
    int64_t now, struct error *e)
{
	struct registry_iban_change c;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_text_check("BAD_TOKEN_ID", "a token id", admin_token_id, 16, e) != 0 ||
	    registry_get(db, "SELECT payee_id, iban, requested_by, approved_by"
	    " FROM payee_iban_changes WHERE id = ?1", request_id, registry_iban_change_read, &c,
	    "NO_IBAN_REQUEST", "IBAN change request", e) != 0)
		return -1;
	if (c.approved_by[0] != '\0')
		return error_set(e, 409, "ALREADY_APPROVED", "IBAN change request %lld is already"
		    " approved", (long long)request_id);
	if (strcmp(c.requested_by, admin_token_id) == 0)
		return error_set(e, 403, "SAME_ADMIN", "an IBAN change must be approved with another"
		    " admin token than the one that requested it");
	if (db_run(db, "UPDATE payee_iban_changes SET approved_by = ?2, approved_at = ?3"
	    " WHERE id = ?1", DB_ARGS(DB_INT(request_id), DB_TEXT(admin_token_id), DB_INT(now)),
	    e) != 0)
		return -1;
	return db_run(db, "UPDATE payees SET iban = ?2 WHERE id = ?1",
	    DB_ARGS(DB_INT(c.payee_id), DB_TEXT(c.iban)), e);
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

/* Checks what a new place names before anything is written: its name,
 * type, SIRET, IBAN (may be NULL), commune and services. */
static int
registry_place_check(struct db *db, const struct place *p, const char *siret_text,
    const char *iban_text, const int64_t *service_ids, size_t service_count,
    char siret[IDENTIFIERS_SIRET_SIZE], char iban[IDENTIFIERS_IBAN_SIZE],
    const struct territory_commune **commune, struct error *e)
{
	struct service s;

	if (registry_text_check("BAD_NAME", "a place's name", p->name, REGISTRY_NAME_MAX, e) != 0 ||
	    registry_place_type_check(p->type, e) != 0)
		return -1;
	if (siret_text == NULL || *siret_text == '\0')
		return error_set(e, 400, "BAD_SIRET", "a place needs the SIRET of who is paid for it");
	if (identifiers_siret_normalize(siret_text, siret, e) != 0 ||
	    (iban_text != NULL && identifiers_iban_normalize(iban_text, iban, e) != 0) ||
	    territory_commune_find(p->commune, commune, e) != 0)
		return -1;
	if ((*commune)->tz == CLOCK_TZ_NONE)
		return error_set(e, 400, "NO_TIME_ZONE", "commune %s has no time zone: no place can"
		    " be there", p->commune);
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
	char siret_normal[IDENTIFIERS_SIRET_SIZE], iban_normal[IDENTIFIERS_IBAN_SIZE];
	const struct territory_commune *commune = NULL;
	int64_t payee_id = 0;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_place_check(db, p, siret, iban, service_ids, service_count, siret_normal,
	    iban_normal, &commune, e) != 0 ||
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

/* A service code: 1..32 of a-z, 0-9 and '-', not starting with '-'. */
static int
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
	    registry_text_check("BAD_NAME", "a service's name", s->name, REGISTRY_NAME_MAX, e) != 0)
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
