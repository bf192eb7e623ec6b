/* Campaigns: a funder's order of passes with its rules (territory,
 * services, excluded place types), and whether a place may take its
 * passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "ledger.h"
#include "registry.h"
#include "registry_private.h"
#include "territory.h"

#define CAMPAIGN_ID_MAX 4294967295LL /* the token's campaign field is a uint32 */
#define CAMPAIGN_VALUE_MAX 100000    /* 1,000.00 euros per pass */

int
registry_campaign_value_check(int64_t cents, struct error *e)
{
	if (cents < 1 || cents > CAMPAIGN_VALUE_MAX)
		return error_set(e, 400, "BAD_VALUE", "a pass is worth 0.01 to 1000.00 euros");
	return 0;
}

/* Checks the scalar fields of c: name, value, last day, tolerance, validity. */
static int
registry_campaign_check_fields(const struct campaign *c, int32_t today, struct error *e)
{
	char day[DATE_FORMAT_SIZE];

	if (registry_name_check("a campaign's name", c->name, e) != 0)
		return -1;
	if (registry_campaign_value_check(c->value_cents, e) != 0)
		return -1;
	if (c->last_day < today) {
		date_format(c->last_day, day);
		return error_set(e, 400, "LAST_DAY_PAST", "the last day %s is already past", day);
	}
	if (c->tolerance_days < 0 || c->tolerance_days > 366)
		return error_set(e, 400, "BAD_TOLERANCE", "tolerance days go from 0 to 366");
	if (c->valid_days_after_handout < 0 || c->valid_days_after_handout > 3660)
		return error_set(e, 400, "BAD_VALIDITY",
		    "the validity after hand-out goes from 1 to 3660 days");
	if (c->department_count > REGISTRY_LIST_MAX || c->commune_count > REGISTRY_LIST_MAX ||
	    c->epci_count > REGISTRY_LIST_MAX || c->place_count > REGISTRY_LIST_MAX ||
	    c->service_count > REGISTRY_LIST_MAX || c->excluded_type_count > REGISTRY_LIST_MAX)
		return error_set(e, 400, "TOO_MANY", "at most %d codes in each list of a campaign",
		    REGISTRY_LIST_MAX);
	return 0;
}

int
registry_campaign_codes_check(const struct campaign *c, struct error *e)
{
	const struct territory_commune *commune;

	for (size_t i = 0; i < c->department_count; i++)
		if (territory_department_check(c->departments[i], e) != 0)
			return -1;
	for (size_t i = 0; i < c->commune_count; i++)
		if (territory_commune_find(c->communes[i], &commune, e) != 0)
			return -1;
	for (size_t i = 0; i < c->epci_count; i++)
		if (territory_epci_check(c->epcis[i], e) != 0)
			return -1;
	for (size_t i = 0; i < c->excluded_type_count; i++)
		if (registry_place_type_check(c->excluded_types[i], e) != 0)
			return -1;
	return 0;
}

/* Checks that every code of c's lists exists: the codes that need no
 * database (registry_campaign_codes_check), then places and services. */
static int
registry_campaign_check_lists(struct db *db, const struct campaign *c, struct error *e)
{
	struct place p;
	struct service s;

	if (registry_campaign_codes_check(c, e) != 0)
		return -1;
	for (size_t i = 0; i < c->place_count; i++)
		if (registry_place_get(db, c->places[i], &p, e) != 0)
			return -1;
	for (size_t i = 0; i < c->service_count; i++)
		if (registry_service_get(db, c->services[i], &s, e) != 0)
			return -1;
	return 0;
}

/* The next campaign id, refused past the token's uint32 field. */
static int
registry_campaign_next_id(struct db *db, int64_t *id, struct error *e)
{
	int found = db_int64(db, "SELECT COALESCE(MAX(id), 0) + 1 FROM campaigns", DB_NO_ARGS, id,
	    e);

	if (found != 1)
		return found < 0 ? -1 : error_set(e, 500, "STORE_ERROR", "cannot read campaign ids");
	if (*id > CAMPAIGN_ID_MAX)
		return error_set(e, 409, "CAMPAIGN_IDS_EXHAUSTED", "no campaign id is left");
	return 0;
}

static int
registry_campaign_territory_add(struct db *db, int64_t id, const char *kind, const char *code,
    struct error *e)
{
	return db_run(db, "INSERT OR IGNORE INTO campaign_territory (campaign_id, kind, code)"
	    " VALUES (?1, ?2, ?3)", DB_ARGS(DB_INT(id), DB_TEXT(kind), DB_TEXT(code)), e);
}

/* Writes c's territory, services and excluded types for campaign id. */
static int
registry_campaign_lists_add(struct db *db, int64_t id, const struct campaign *c, struct error *e)
{
	char place[24];
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < c->department_count; i++)
		rc = registry_campaign_territory_add(db, id, "department", c->departments[i], e);
	for (size_t i = 0; rc == 0 && i < c->commune_count; i++)
		rc = registry_campaign_territory_add(db, id, "commune", c->communes[i], e);
	for (size_t i = 0; rc == 0 && i < c->epci_count; i++)
		rc = registry_campaign_territory_add(db, id, "epci", c->epcis[i], e);
	for (size_t i = 0; rc == 0 && i < c->place_count; i++) {
		snprintf(place, sizeof(place), "%lld", (long long)c->places[i]);
		rc = registry_campaign_territory_add(db, id, "place", place, e);
	}
	for (size_t i = 0; rc == 0 && i < c->service_count; i++)
		rc = db_run(db, "INSERT OR IGNORE INTO campaign_services (campaign_id, service_id)"
		    " VALUES (?1, ?2)", DB_ARGS(DB_INT(id), DB_INT(c->services[i])), e);
	for (size_t i = 0; rc == 0 && i < c->excluded_type_count; i++)
		rc = db_run(db, "INSERT OR IGNORE INTO campaign_excluded_types (campaign_id, type)"
		    " VALUES (?1, ?2)", DB_ARGS(DB_INT(id), DB_TEXT(c->excluded_types[i])), e);
	return rc;
}

int
registry_campaign_create(struct db *db, const struct campaign *c, int64_t now, int64_t *id,
    struct error *e)
{
	char label[REGISTRY_NAME_MAX + 32];
	struct funder f;
	int64_t next = 0;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (registry_funder_get(db, c->funder_id, &f, e) != 0 ||
	    registry_campaign_check_fields(c, clock_local_day(now, CLOCK_TZ_PARIS), e) != 0 ||
	    registry_campaign_check_lists(db, c, e) != 0 ||
	    registry_campaign_next_id(db, &next, e) != 0)
		return -1;
	if (db_run(db, "INSERT INTO campaigns (id, funder_id, name, value_cents, last_day,"
	    " tolerance_days, valid_days_after_handout, unused, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", DB_ARGS(DB_INT(next),
	    DB_INT(c->funder_id), DB_TEXT(c->name), DB_INT(c->value_cents), DB_INT(c->last_day),
	    DB_INT(c->tolerance_days), c->valid_days_after_handout > 0 ?
	    DB_INT(c->valid_days_after_handout) : DB_NULL,
	    DB_TEXT(c->unused_refund ? "refund" : "credit"), DB_INT(now)), e) != 0 ||
	    registry_campaign_lists_add(db, next, c, e) != 0)
		return -1;
	/* The account is labelled with the funder's public name, never the
	 * campaign's internal name. */
	snprintf(label, sizeof(label), "campagne %lld - %s", (long long)next, f.public_name);
	if (ledger_account_open(db, ACCOUNT_OUTSTANDING, next, label, e) != 0)
		return -1;
	*id = next;
	return 0;
}

/* Adds a territory row (kind, code) to the campaign ctx. */
static int
registry_campaign_territory_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct campaign *c = ctx;
	char kind[16], code[24];

	(void)e;
	(void)db_row_text(row, 0, kind, sizeof(kind));
	(void)db_row_text(row, 1, code, sizeof(code));
	if (strcmp(kind, "department") == 0 && c->department_count < REGISTRY_LIST_MAX)
		registry_copy(c->departments[c->department_count++], 4, code);
	else if (strcmp(kind, "commune") == 0 && c->commune_count < REGISTRY_LIST_MAX)
		registry_copy(c->communes[c->commune_count++], 6, code);
	else if (strcmp(kind, "epci") == 0 && c->epci_count < REGISTRY_LIST_MAX)
		registry_copy(c->epcis[c->epci_count++], 10, code);
	else if (strcmp(kind, "place") == 0 && c->place_count < REGISTRY_LIST_MAX)
		c->places[c->place_count++] = strtoll(code, NULL, 10);
	return 0;
}

/* Adds a service id to the campaign ctx. */
static int
registry_campaign_service_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct campaign *c = ctx;

	(void)e;
	if (c->service_count < REGISTRY_LIST_MAX)
		c->services[c->service_count++] = db_row_int64(row, 0);
	return 0;
}

/* Adds an excluded place type to the campaign ctx. */
static int
registry_campaign_excluded_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct campaign *c = ctx;

	(void)e;
	if (c->excluded_type_count < REGISTRY_LIST_MAX)
		(void)db_row_text(row, 0, c->excluded_types[c->excluded_type_count++], 20);
	return 0;
}

/* Reads a campaign row (id, funder_id, name, value_cents, last_day,
 * tolerance_days, valid_days_after_handout, unused, created_at) into ctx,
 * its lists empty. */
static int
registry_campaign_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct campaign *c = ctx;
	char unused[8];

	(void)e;
	memset(c, 0, sizeof(*c));
	c->id = db_row_int64(row, 0);
	c->funder_id = db_row_int64(row, 1);
	(void)db_row_text(row, 2, c->name, sizeof(c->name));
	c->value_cents = db_row_int64(row, 3);
	c->last_day = (int32_t)db_row_int64(row, 4);
	c->tolerance_days = (int)db_row_int64(row, 5);
	c->valid_days_after_handout = (int)db_row_int64(row, 6); /* NULL reads as 0 */
	(void)db_row_text(row, 7, unused, sizeof(unused));
	c->unused_refund = strcmp(unused, "refund") == 0;
	c->created_at = db_row_int64(row, 8);
	return 0;
}

/* Reads the territory, services and excluded types of campaign c->id into
 * c (lists empty before). */
static int
registry_campaign_read_lists(struct db *db, struct campaign *c, struct error *e)
{
	if (db_each(db, "SELECT kind, code FROM campaign_territory WHERE campaign_id = ?1"
	    " ORDER BY kind, code", DB_ARGS(DB_INT(c->id)), registry_campaign_territory_read, c,
	    e) != 0 ||
	    db_each(db, "SELECT service_id FROM campaign_services WHERE campaign_id = ?1"
	    " ORDER BY service_id", DB_ARGS(DB_INT(c->id)), registry_campaign_service_read, c,
	    e) != 0)
		return -1;
	return db_each(db, "SELECT type FROM campaign_excluded_types WHERE campaign_id = ?1"
	    " ORDER BY type", DB_ARGS(DB_INT(c->id)), registry_campaign_excluded_read, c, e);
}

int
registry_campaign_get(struct db *db, int64_t id, struct campaign *c, struct error *e)
{
	int found = db_one(db, "SELECT id, funder_id, name, value_cents, last_day, tolerance_days,"
	    " valid_days_after_handout, unused, created_at FROM campaigns WHERE id = ?1",
	    DB_ARGS(DB_INT(id)), registry_campaign_read, c, e);

	if (found < 0)
		return -1;
	if (found == 0)
		return error_set(e, 404, "NO_CAMPAIGN", "no campaign with id %lld", (long long)id);
	return registry_campaign_read_lists(db, c, e);
}

/* Campaign ids being collected: a growing array. */
struct registry_campaign_ids {
	int64_t *ids; /* malloc'd */
	size_t count, cap;
};

static int
registry_campaign_id_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_campaign_ids *l = ctx;

	(void)e;
	if (l->count == l->cap) {
		l->cap = l->cap == 0 ? 16 : l->cap * 2;
		if ((l->ids = realloc(l->ids, l->cap * sizeof(*l->ids))) == NULL)
			abort();
	}
	l->ids[l->count++] = db_row_int64(row, 0);
	return 0;
}

/* Collects the ids of the campaigns (of funder_id, or all) into l->ids
 * (malloc'd, owned by the caller, also on failure). */
static int
registry_campaign_ids(struct db *db, int64_t funder_id, struct registry_campaign_ids *l,
    struct error *e)
{
	return db_each(db, "SELECT id FROM campaigns WHERE ?1 = 0 OR funder_id = ?1 ORDER BY id",
	    DB_ARGS(DB_INT(funder_id)), registry_campaign_id_read, l, e);
}

int
registry_campaign_list(struct db *db, int64_t funder_id,
    int (*fn)(const struct campaign *c, void *ctx), void *ctx, struct error *e)
{
	struct registry_campaign_ids l = { NULL, 0, 0 };
	struct campaign *c = malloc(sizeof(*c));
	int rc = 0;

	if (c == NULL)
		abort();
	if (registry_campaign_ids(db, funder_id, &l, e) != 0) {
		rc = -1;
		goto done;
	}
	for (size_t i = 0; rc == 0 && i < l.count; i++) {
		if (registry_campaign_get(db, l.ids[i], c, e) != 0)
			rc = -1;
		else
			rc = fn(c, ctx);
	}
done:
	free(l.ids);
	free(c);
	return rc;
}

/* Whether place p lies in c's territory (empty: everywhere). An
 * arrondissement counts towards its commune. */
static bool
registry_campaign_in_territory(const struct campaign *c, const struct place *p)
{
	const struct territory_commune *commune;
	const char *parent = "";

	if (c->department_count + c->commune_count + c->epci_count + c->place_count == 0)
		return true;
	if (territory_commune_find(p->commune, &commune, NULL) == 0)
		parent = commune->parent;
	for (size_t i = 0; i < c->department_count; i++)
		if (strcmp(c->departments[i], p->department) == 0)
			return true;
	for (size_t i = 0; i < c->commune_count; i++)
		if (strcmp(c->communes[i], p->commune) == 0 ||
		    (parent[0] != '\0' && strcmp(c->communes[i], parent) == 0))
			return true;
	for (size_t i = 0; i < c->epci_count; i++)
		if (p->epci[0] != '\0' && strcmp(c->epcis[i], p->epci) == 0)
			return true;
	for (size_t i = 0; i < c->place_count; i++)
		if (c->places[i] == p->id)
			return true;
	return false;
}

static bool
registry_campaign_excludes(const struct campaign *c, const char *type)
{
	for (size_t i = 0; i < c->excluded_type_count; i++)
		if (strcmp(c->excluded_types[i], type) == 0)
			return true;
	return false;
}

static bool
registry_campaign_covers(const struct campaign *c, int64_t service_id)
{
	if (c->service_count == 0)
		return true;
	for (size_t i = 0; i < c->service_count; i++)
		if (c->services[i] == service_id)
			return true;
	return false;
}

/* Records a refusal; returns 0 (the check itself succeeded). */
static int
registry_refuse(const char **code, char *reason, size_t reason_size, const char *why,
    const char *sentence)
{
	*code = why;
	if (reason_size > 0)
		snprintf(reason, reason_size, "%s", sentence);
	return 0;
}

int
registry_campaign_accepts(struct db *db, const struct campaign *c, const struct place *p,
    const struct service *s, int32_t today, const char **code, char *reason, size_t reason_size,
    struct error *e)
{
	bool offers = false;

	*code = NULL;
	if (reason_size > 0)
		reason[0] = '\0';
	if (p->label == PLACE_LABEL_SUSPENDED)
		return registry_refuse(code, reason, reason_size, "PLACE_SUSPENDED",
		    "Ce lieu est suspendu : il ne peut pas prendre de pass pour le moment.");
	if (p->label != PLACE_LABEL_LABELLED)
		return registry_refuse(code, reason, reason_size, "PLACE_NOT_QUALIFIED",
		    "Ce lieu n'est pas un lieu qualifié : il ne peut pas prendre de pass.");
	if (p->label_until < today)
		return registry_refuse(code, reason, reason_size, "PLACE_NOT_QUALIFIED",
		    "Le label de ce lieu est fini : il ne peut plus prendre de pass.");
	if (!registry_campaign_in_territory(c, p))
		return registry_refuse(code, reason, reason_size, "OUT_OF_TERRITORY",
		    "Ce lieu n'est pas dans le territoire de ce pass.");
	if (registry_campaign_excludes(c, p->type))
		return registry_refuse(code, reason, reason_size, "PLACE_TYPE_EXCLUDED",
		    "Ce pass ne peut pas servir dans ce type de lieu.");
	if (s == NULL)
		return 0;
	if (!registry_campaign_covers(c, s->id))
		return registry_refuse(code, reason, reason_size, "SERVICE_NOT_COVERED",
		    "Ce pass ne paie pas ce service.");
	if (registry_place_offers(db, p->id, s->id, &offers, e) != 0)
		return -1;
	if (!offers)
		return registry_refuse(code, reason, reason_size, "SERVICE_NOT_OFFERED",
		    "Ce lieu ne propose pas ce service.");
	return 0;
}

/* Corrections. */

/* Joins n strings, each item_size bytes apart from first, with commas into
 * out (REGISTRY_CHANGE_VALUE_MAX + 1 bytes, cut when longer). */
static void
registry_campaign_join(const char *first, size_t item_size, size_t n, char *out)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && len < REGISTRY_CHANGE_VALUE_MAX; i++)
		len += (size_t)snprintf(out + len, REGISTRY_CHANGE_VALUE_MAX + 1 - len, "%s%s",
		    i > 0 ? "," : "", first + i * item_size);
}

/* The lists of c as recorded in registry_changes: places by id, services by
 * code. */
struct registry_campaign_texts {
	char departments[REGISTRY_CHANGE_VALUE_MAX + 1], communes[REGISTRY_CHANGE_VALUE_MAX + 1];
	char epcis[REGISTRY_CHANGE_VALUE_MAX + 1], places[REGISTRY_CHANGE_VALUE_MAX + 1];
	char services[REGISTRY_CHANGE_VALUE_MAX + 1], excluded[REGISTRY_CHANGE_VALUE_MAX + 1];
	char last_day[DATE_FORMAT_SIZE], tolerance[16];
};

/* Fills t from c; -1 (e set) when a service cannot be read. */
static int
registry_campaign_texts(struct db *db, const struct campaign *c,
    struct registry_campaign_texts *t, struct error *e)
{
	char items[REGISTRY_LIST_MAX][33];
	struct service s;

	registry_campaign_join(c->departments[0], 4, c->department_count, t->departments);
	registry_campaign_join(c->communes[0], 6, c->commune_count, t->communes);
	registry_campaign_join(c->epcis[0], 10, c->epci_count, t->epcis);
	registry_campaign_join(c->excluded_types[0], 20, c->excluded_type_count, t->excluded);
	for (size_t i = 0; i < c->place_count; i++)
		snprintf(items[i], sizeof(items[i]), "%lld", (long long)c->places[i]);
	registry_campaign_join(items[0], sizeof(items[0]), c->place_count, t->places);
	for (size_t i = 0; i < c->service_count; i++) {
		if (registry_service_get(db, c->services[i], &s, e) != 0)
			return -1;
		registry_copy(items[i], sizeof(items[i]), s.code);
	}
	registry_campaign_join(items[0], sizeof(items[0]), c->service_count, t->services);
	date_format(c->last_day, t->last_day);
	snprintf(t->tolerance, sizeof(t->tolerance), "%d", c->tolerance_days);
	return 0;
}

/* Records every field that differs between the texts of old and c. */
static int
registry_campaign_edit_record(struct db *db, const struct campaign *old,
    const struct campaign *c, const char *who, int64_t now, struct error *e)
{
	struct registry_campaign_texts *before = malloc(sizeof(*before) * 2), *after;
	int rc = -1;

	if (before == NULL)
		abort();
	after = before + 1;
	if (registry_campaign_texts(db, old, before, e) != 0 ||
	    registry_campaign_texts(db, c, after, e) != 0)
		goto done;
#define CAMPAIGN_RECORD(field, a, b) \
	if (registry_change_record(db, "campaign", c->id, field, a, b, who, now, e) != 0) \
		goto done;
	CAMPAIGN_RECORD("name", old->name, c->name)
	CAMPAIGN_RECORD("last_day", before->last_day, after->last_day)
	CAMPAIGN_RECORD("tolerance_days", before->tolerance, after->tolerance)
	CAMPAIGN_RECORD("departments", before->departments, after->departments)
	CAMPAIGN_RECORD("communes", before->communes, after->communes)
	CAMPAIGN_RECORD("epci", before->epcis, after->epcis)
	CAMPAIGN_RECORD("places", before->places, after->places)
	CAMPAIGN_RECORD("services", before->services, after->services)
	CAMPAIGN_RECORD("excluded_place_types", before->excluded, after->excluded)
#undef CAMPAIGN_RECORD
	rc = 0;
done:
	free(before);
	return rc;
}

/* Refuses what an edit may not change from old to c: the funder, value,
 * unused rule and validity after hand-out, and a last day moved earlier or
 * into the past. */
static int
registry_campaign_edit_allowed(const struct campaign *old, const struct campaign *c,
    int32_t today, struct error *e)
{
	char day[DATE_FORMAT_SIZE];

	if (old->funder_id != c->funder_id || old->value_cents != c->value_cents ||
	    old->unused_refund != c->unused_refund ||
	    old->valid_days_after_handout != c->valid_days_after_handout)
		return error_set(e, 409, "NOT_EDITABLE", "a campaign's funder, value, unused rule and"
		    " validity after hand-out never change (passes carry them): create another"
		    " campaign");
	if (c->last_day < old->last_day) {
		date_format(old->last_day, day);
		return error_set(e, 409, "LAST_DAY_EARLIER", "campaign %lld's last day can only move"
		    " later than %s (passes already issued carry it)", (long long)c->id, day);
	}
	if (c->last_day != old->last_day && c->last_day < today) {
		date_format(c->last_day, day);
		return error_set(e, 400, "LAST_DAY_PAST", "the last day %s is already past", day);
	}
	return 0;
}

/* Writes c's name, last day, tolerance and lists over campaign c->id. */
static int
registry_campaign_rewrite(struct db *db, const struct campaign *c, struct error *e)
{
	if (db_run(db, "UPDATE campaigns SET name = ?2, last_day = ?3, tolerance_days = ?4"
	    " WHERE id = ?1", DB_ARGS(DB_INT(c->id), DB_TEXT(c->name), DB_INT(c->last_day),
	    DB_INT(c->tolerance_days)), e) != 0 ||
	    db_run(db, "DELETE FROM campaign_territory WHERE campaign_id = ?1",
	    DB_ARGS(DB_INT(c->id)), e) != 0 ||
	    db_run(db, "DELETE FROM campaign_services WHERE campaign_id = ?1",
	    DB_ARGS(DB_INT(c->id)), e) != 0 ||
	    db_run(db, "DELETE FROM campaign_excluded_types WHERE campaign_id = ?1",
	    DB_ARGS(DB_INT(c->id)), e) != 0)
		return -1;
	return registry_campaign_lists_add(db, c->id, c, e);
}

int
registry_campaign_edit(struct db *db, const struct campaign *c, const char *who, int64_t now,
    struct error *e)
{
	int32_t today = clock_local_day(now, CLOCK_TZ_PARIS);
	struct campaign *old = malloc(sizeof(*old));
	int rc = -1;

	if (old == NULL)
		abort();
	if (DB_IN_WRITE(db, e) != 0 || registry_campaign_get(db, c->id, old, e) != 0 ||
	    registry_campaign_edit_allowed(old, c, today, e) != 0 ||
	    registry_campaign_check_fields(c, c->last_day == old->last_day ? c->last_day : today,
	    e) != 0 ||
	    registry_campaign_check_lists(db, c, e) != 0 ||
	    registry_campaign_rewrite(db, c, e) != 0 ||
	    registry_campaign_edit_record(db, old, c, who, now, e) != 0)
		goto done;
	rc = 0;
done:
	free(old);
	return rc;
}
