/* The registry on a real home: whether a campaign accepts a place (territory
 * kinds, arrondissements, label expiry, excluded types, services) and bearer
 * token authentication. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>
#include "clock.h"
#include "db.h"
#include "home.h"
#include "temp_home.h"
#include "registry.h"

#define NOW 1804845600 /* 2027-03-12T10:00:00Z */

struct fixture {
	char dir[TEMP_HOME_DIR_SIZE];
	struct home home;
	int64_t funder;
	int64_t internet, phone, writing; /* services */
	int64_t bobigny, paris1, paris2, lyon1, fs_creteil; /* places */
	int32_t today, until;
};

/* Opens a write transaction on db (the registry's writes need one). */
static void
begin(struct db *db)
{
	struct error e;

	assert_int_equal(db_write_begin(db, DB_BUSY_DEFAULT, &e), 0);
}

/* Commits the write transaction opened by begin. */
static void
commit(struct db *db)
{
	struct error e;

	assert_int_equal(db_write_end(db, 0, &e), 0);
}

static int64_t
add_service(struct db *db, const char *code)
{
	struct service s = { .passes = 1 };
	struct error e;
	int64_t id = 0;

	strcpy(s.code, code);
	strcpy(s.name, code);
	assert_int_equal(registry_service_add(db, &s, &id, &e), 0);
	return id;
}

/* Adds a labelled place of type in commune offering services. */
static int64_t
add_place(struct fixture *f, const char *name, const char *commune, const char *type,
    const int64_t *services, size_t count)
{
	struct place p = { 0 };
	struct error e;
	int64_t id = 0;

	strcpy(p.name, name);
	strcpy(p.commune, commune);
	strcpy(p.type, type);
	if (registry_place_add(f->home.db, &p, "12345678200002", "FR7630006000011234567890189",
	    services, count, NOW, &id, &e) != 0)
		fail_msg("place_add: %s", e.message);
	assert_int_equal(registry_place_set_label(f->home.db, id, PLACE_LABEL_LABELLED, f->until,
	    &e), 0);
	return id;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct funder funder = { .name = "Département" };
	struct error e;
	int64_t all[3];

	temp_home_create(f->dir, "registry", &f->home, NOW);
	assert_int_equal(date_parse("2027-03-12", &f->today, &e), 0);
	assert_int_equal(date_parse("2099-12-31", &f->until, &e), 0);
	begin(f->home.db);
	assert_int_equal(registry_funder_add(f->home.db, &funder, NOW, &f->funder, &e), 0);
	all[0] = f->internet = add_service(f->home.db, "internet");
	all[1] = f->phone = add_service(f->home.db, "telephone");
	all[2] = f->writing = add_service(f->home.db, "courrier");
	f->bobigny = add_place(f, "EPN Bobigny", "93008", "epn", all, 2);
	f->paris1 = add_place(f, "Médiathèque Paris 1", "75101", "mediatheque", all, 3);
	f->paris2 = add_place(f, "EPN Paris 2", "75102", "epn", all, 3);
	f->lyon1 = add_place(f, "Centre social Lyon 1", "69381", "centre-social", all, 3);
	f->fs_creteil = add_place(f, "France Services Créteil", "94028", "france-services", all, 3);
	commit(f->home.db);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	temp_home_remove(f->dir, &f->home);
	free(f);
	return 0;
}

static struct campaign *
campaign_new(const struct fixture *f)
{
	struct campaign *c = calloc(1, sizeof(*c));
	struct error e;

	c->funder_id = f->funder;
	strcpy(c->name, "RSA 2027");
	c->value_cents = 1000;
	c->tolerance_days = 30;
	assert_int_equal(date_parse("2027-12-31", &c->last_day, &e), 0);
	return c;
}

/* Creates c and reads it back into c. */
static void
campaign_store(struct fixture *f, struct campaign *c)
{
	struct error e;
	int64_t id = 0;

	begin(f->home.db);
	if (registry_campaign_create(f->home.db, c, NOW, &id, &e) != 0)
		fail_msg("campaign_create: %s", e.message);
	commit(f->home.db);
	assert_in_range(id, 1, 4294967295LL);
	assert_int_equal(registry_campaign_get(f->home.db, id, c, &e), 0);
}

/* Returns the refusal code of place_id for c and service (0: any), or NULL. */
static const char *
verdict(struct fixture *f, const struct campaign *c, int64_t place_id, int64_t service_id,
    int32_t today, char *reason)
{
	struct place p;
	struct service s;
	struct error e;
	const char *code = "unset";
	char local[REGISTRY_REASON_MAX];

	assert_int_equal(registry_place_get(f->home.db, place_id, &p, &e), 0);
	if (service_id != 0)
		assert_int_equal(registry_service_get(f->home.db, service_id, &s, &e), 0);
	assert_int_equal(registry_campaign_accepts(f->home.db, c, &p, service_id != 0 ? &s : NULL,
	    today, &code, reason != NULL ? reason : local, REGISTRY_REASON_MAX, &e), 0);
	if (code == NULL)
		assert_string_equal(reason != NULL ? reason : local, "");
	return code;
}

static void
test_territory_everywhere(void **state)
{
	struct fixture *f = *state;
	struct campaign *c = campaign_new(f);

	campaign_store(f, c);
	assert_null(verdict(f, c, f->bobigny, 0, f->today, NULL));
	assert_null(verdict(f, c, f->lyon1, 0, f->today, NULL));
	assert_null(verdict(f, c, f->paris1, f->writing, f->today, NULL));
	free(c);
}

static void
test_territory_department(void **state)
{
	struct fixture *f = *state;
	struct campaign *c = campaign_new(f);
	char reason[REGISTRY_REASON_MAX];

	strcpy(c->departments[0], "93");
	strcpy(c->departments[1], "2A");
	c->department_count = 2;
	campaign_store(f, c);
	assert_int_equal(c->department_count, 2);
	assert_null(verdict(f, c, f->bobigny, 0, f->today, NULL));
	assert_string_equal(verdict(f, c, f->lyon1, 0, f->today, reason), "OUT_OF_TERRITORY");
	assert_string_equal(reason, "Ce lieu n'est pas dans le territoire de ce pass.");
	assert_string_equal(verdict(f, c, f->paris1, 0, f->today, NULL), "OUT_OF_TERRITORY");
	free(c);
}

static void
test_territory_commune_and_arrondissement(void **state)
{
	struct fixture *f = *state;
	struct campaign *c = campaign_new(f);

	/* Paris (75056) includes its arrondissements. */
	strcpy(c->communes[0], "75056");
	c->commune_count = 1;
	campaign_store(f, c);
	assert_null(verdict(f, c, f->paris1, 0, f->today, NULL));
	assert_null(verdict(f, c, f->paris2, 0, f->today, NULL));
	assert_string_equal(verdict(f, c, f->bobigny, 0, f->today, NULL), "OUT_OF_TERRITORY");
	assert_string_equal(verdict(f, c, f->lyon1, 0, f->today, NULL), "OUT_OF_TERRITORY");
	free(c);

	/* One arrondissement is just that arrondissement. */
	c = campaign_new(f);
	strcpy(c->communes[0], "75101");
	c->commune_count = 1;
	campaign_store(f, c);
	assert_null(verdict(f, c, f->paris1, 0, f->today, NULL));
	assert_string_equal(verdict(f, c, f->paris2, 0, f->today, NULL), "OUT_OF_TERRITORY");
	free(c);

	/* A plain commune. */
	c = campaign_new(f);
	strcpy(c->communes[0], "93008");
	c->commune_count = 1;
	campaign_store(f, c);
	assert_null(verdict(f, c, f->bobigny, 0, f->today, NULL));
	assert_string_equal(verdict(f, c, f->fs_creteil, 0, f->today, NULL), "OUT_OF_TERRITORY");
	free(c);
}

static void
test_territory_epci_and_places(void **state)
{
	struct fixture *f = *state;
	struct campaign *c = campaign_new(f);

	strcpy(c->epcis[0], "200046977"); /* Métropole de Lyon */
	c->epci_count = 1;
	campaign_store(f, c);
	assert_null(verdict(f, c, f->lyon1, 0, f->today, NULL));
	assert_string_equal(verdict(f, c, f->bobigny, 0, f->today, NULL), "OUT_OF_TERRITORY");
	free(c);

	c = campaign_new(f);
	strcpy(c->epcis[0], "200054781"); /* Métropole du Grand Paris: arrondissements too */
	c->epci_count = 1;
	campaign_store(f, c);
	assert_null(verdict(f, c, f->paris2, 0, f->today, NULL));
	assert_null(verdict(f, c, f->bobigny, 0, f->today, NULL));
	assert_string_equal(verdict(f, c, f->lyon1, 0, f->today, NULL), "OUT_OF_TERRITORY");
	free(c);

	/* A list of places, mixed with a département: any match qualifies. */
	c = campaign_new(f);
	c->places[0] = f->lyon1;
	c->place_count = 1;
	strcpy(c->departments[0], "94");
	c->department_count = 1;
	campaign_store(f, c);
	assert_null(verdict(f, c, f->lyon1, 0, f->today, NULL));
	assert_null(verdict(f, c, f->fs_creteil, 0, f->today, NULL));
	assert_string_equal(verdict(f, c, f->paris1, 0, f->today, NULL), "OUT_OF_TERRITORY");
	free(c);
}

static void
test_label(void **state)
{
	struct fixture *f = *state;
	struct campaign *c = campaign_new(f);
	struct error e;
	char reason[REGISTRY_REASON_MAX];

	campaign_store(f, c);
	/* The last day of the label is inclusive. */
	assert_null(verdict(f, c, f->bobigny, 0, f->until, NULL));
	assert_string_equal(verdict(f, c, f->bobigny, 0, f->until + 1, reason),
	    "PLACE_NOT_QUALIFIED");
	assert_non_null(strstr(reason, "label"));
	begin(f->home.db);
	assert_int_equal(registry_place_set_label(f->home.db, f->bobigny, PLACE_LABEL_SUSPENDED, -1,
	    &e), 0);
	commit(f->home.db);
	assert_string_equal(verdict(f, c, f->bobigny, 0, f->today, NULL), "PLACE_SUSPENDED");
	begin(f->home.db);
	assert_int_equal(registry_place_set_label(f->home.db, f->bobigny, PLACE_LABEL_NONE, -1,
	    &e), 0);
	/* Suspending an unlabelled place is refused. */
	assert_int_equal(registry_place_set_label(f->home.db, f->bobigny, PLACE_LABEL_SUSPENDED, -1,
	    &e), -1);
	assert_string_equal(e.code, "NOT_LABELLED");
	commit(f->home.db);
	assert_string_equal(verdict(f, c, f->bobigny, 0, f->today, NULL), "PLACE_NOT_QUALIFIED");
	begin(f->home.db);
	assert_int_equal(registry_place_set_label(f->home.db, f->bobigny, PLACE_LABEL_LABELLED,
	    f->today + 10, &e), 0);
	commit(f->home.db);
	assert_null(verdict(f, c, f->bobigny, 0, f->today + 10, NULL));
	assert_string_equal(verdict(f, c, f->bobigny, 0, f->today + 11, NULL), "PLACE_NOT_QUALIFIED");
	free(c);
}

static void
test_excluded_types(void **state)
{
	struct fixture *f = *state;
	struct campaign *c = campaign_new(f);
	char reason[REGISTRY_REASON_MAX];

	strcpy(c->excluded_types[0], "france-services");
	strcpy(c->excluded_types[1], "pimms");
	c->excluded_type_count = 2;
	campaign_store(f, c);
	assert_int_equal(c->excluded_type_count, 2);
	assert_string_equal(verdict(f, c, f->fs_creteil, 0, f->today, reason),
	    "PLACE_TYPE_EXCLUDED");
	assert_non_null(strstr(reason, "type de lieu"));
	assert_null(verdict(f, c, f->bobigny, f->internet, f->today, NULL));
	free(c);
}

static void
test_services(void **state)
{
	struct fixture *f = *state;
	struct campaign *c = campaign_new(f);
	char reason[REGISTRY_REASON_MAX];

	c->services[0] = f->internet;
	c->services[1] = f->writing;
	c->service_count = 2;
	campaign_store(f, c);
	assert_int_equal(c->service_count, 2);
	/* Bobigny offers internet and telephone, not courrier. */
	assert_null(verdict(f, c, f->bobigny, f->internet, f->today, NULL));
	assert_string_equal(verdict(f, c, f->bobigny, f->phone, f->today, reason),
	    "SERVICE_NOT_COVERED");
	assert_string_equal(reason, "Ce pass ne paie pas ce service.");
	assert_string_equal(verdict(f, c, f->bobigny, f->writing, f->today, reason),
	    "SERVICE_NOT_OFFERED");
	assert_string_equal(reason, "Ce lieu ne propose pas ce service.");
	assert_null(verdict(f, c, f->bobigny, 0, f->today, NULL));
	assert_null(verdict(f, c, f->paris1, f->writing, f->today, NULL));
	free(c);
}

static void
test_campaign_refusals(void **state)
{
	struct fixture *f = *state;
	struct campaign *c = campaign_new(f);
	struct error e;
	int64_t id = 0;

	begin(f->home.db);
	assert_int_equal(date_parse("2027-03-11", &c->last_day, &e), 0);
	assert_int_equal(registry_campaign_create(f->home.db, c, NOW, &id, &e), -1);
	assert_string_equal(e.code, "LAST_DAY_PAST");
	c->last_day = f->today; /* today is still fine */
	strcpy(c->departments[0], "20");
	c->department_count = 1;
	assert_int_equal(registry_campaign_create(f->home.db, c, NOW, &id, &e), -1);
	assert_string_equal(e.code, "UNKNOWN_DEPARTMENT");
	c->department_count = 0;
	strcpy(c->epcis[0], "123456782");
	c->epci_count = 1;
	assert_int_equal(registry_campaign_create(f->home.db, c, NOW, &id, &e), -1);
	assert_string_equal(e.code, "UNKNOWN_EPCI");
	c->epci_count = 0;
	c->services[0] = 999;
	c->service_count = 1;
	assert_int_equal(registry_campaign_create(f->home.db, c, NOW, &id, &e), -1);
	assert_string_equal(e.code, "NO_SERVICE");
	c->service_count = 0;
	c->funder_id = 999;
	assert_int_equal(registry_campaign_create(f->home.db, c, NOW, &id, &e), -1);
	assert_string_equal(e.code, "NO_FUNDER");
	c->funder_id = f->funder;
	strcpy(c->excluded_types[0], "bar");
	c->excluded_type_count = 1;
	assert_int_equal(registry_campaign_create(f->home.db, c, NOW, &id, &e), -1);
	assert_string_equal(e.code, "BAD_PLACE_TYPE");
	c->excluded_type_count = 0;
	assert_int_equal(registry_campaign_create(f->home.db, c, NOW, &id, &e), 0);
	commit(f->home.db);
	free(c);
}

static void
test_token_authenticate(void **state)
{
	struct fixture *f = *state;
	char text[REGISTRY_TOKEN_TEXT_MAX], bad[REGISTRY_TOKEN_TEXT_MAX + 2];
	char wrong_secret_message[256];
	struct bearer b, got;
	struct error e;

	begin(f->home.db);
	assert_int_equal(registry_token_create(f->home.db, ROLE_PLACE, f->bobigny, NOW, &b, text,
	    &e), 0);
	commit(f->home.db);
	assert_int_equal(strlen(text), 16 + 1 + 43);
	assert_memory_equal(text, b.id, 16);
	assert_int_equal(registry_token_authenticate(f->home.db, text, &got, &e), 0);
	assert_string_equal(got.id, b.id);
	assert_int_equal(got.role, ROLE_PLACE);
	assert_int_equal(got.subject_id, f->bobigny);

	/* A wrong secret (its first character changed). */
	strcpy(bad, text);
	bad[17] = bad[17] == 'A' ? 'B' : 'A';
	assert_int_equal(registry_token_authenticate(f->home.db, bad, &got, &e), -1);
	assert_int_equal(e.status, 401);
	assert_string_equal(e.code, "BAD_TOKEN");
	assert_string_equal(got.id, "");
	strcpy(wrong_secret_message, e.message);
	/* An unknown id with the right secret: the same answer. */
	strcpy(bad, text);
	bad[0] = bad[0] == '0' ? '1' : '0';
	assert_int_equal(registry_token_authenticate(f->home.db, bad, &got, &e), -1);
	assert_string_equal(e.message, wrong_secret_message);

	/* Malformed texts. */
	const char *malformed[] = { "", "abc", "0123456789abcdef", "0123456789abcdef.",
	    "0123456789ABCDEF.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		assert_int_equal(registry_token_authenticate(f->home.db, malformed[i], &got, &e), -1);
		assert_string_equal(e.code, "BAD_TOKEN");
	}
	assert_int_equal(registry_token_authenticate(f->home.db, NULL, &got, &e), -1);
	strcpy(bad, text);
	bad[16] = ':';
	assert_int_equal(registry_token_authenticate(f->home.db, bad, &got, &e), -1);
	snprintf(bad, sizeof(bad), "%s=", text); /* padding */
	assert_int_equal(registry_token_authenticate(f->home.db, bad, &got, &e), -1);
	snprintf(bad, sizeof(bad), "%.59s", text); /* one character short */
	assert_int_equal(registry_token_authenticate(f->home.db, bad, &got, &e), -1);

	/* Revoked. */
	begin(f->home.db);
	assert_int_equal(registry_token_revoke(f->home.db, b.id, NOW + 1, &e), 0);
	assert_int_equal(registry_token_revoke(f->home.db, b.id, NOW + 2, &e), -1);
	assert_string_equal(e.code, "ALREADY_REVOKED");
	commit(f->home.db);
	assert_int_equal(registry_token_authenticate(f->home.db, text, &got, &e), -1);
	assert_string_equal(e.message, wrong_secret_message);
	sodium_memzero(text, sizeof(text));
}

static void
test_token_subjects(void **state)
{
	struct fixture *f = *state;
	char text[REGISTRY_TOKEN_TEXT_MAX];
	struct bearer b, got;
	struct error e;

	begin(f->home.db);
	assert_int_equal(registry_token_create(f->home.db, ROLE_FUNDER, 999, NOW, &b, text, &e), -1);
	assert_string_equal(e.code, "NO_FUNDER");
	assert_string_equal(text, "");
	assert_int_equal(registry_token_create(f->home.db, ROLE_ADMIN, 1, NOW, &b, text, &e), -1);
	assert_int_equal(registry_token_create(f->home.db, ROLE_ADMIN, 0, NOW, &b, text, &e), 0);
	commit(f->home.db);
	assert_int_equal(registry_token_authenticate(f->home.db, text, &got, &e), 0);
	assert_int_equal(got.role, ROLE_ADMIN);
	assert_int_equal(got.subject_id, 0);
}

/* Every registry write refuses to run outside a write transaction (a bug
 * of its caller), and writes nothing. */
static void
test_writes_need_a_transaction(void **state)
{
	struct fixture *f = *state;
	struct funder funder = { .name = "Hors transaction" };
	struct distributor d = { .name = "CCAS" };
	struct service s = { .code = "scan", .name = "Scan", .passes = 1 };
	struct campaign *c = campaign_new(f);
	char text[REGISTRY_TOKEN_TEXT_MAX];
	struct bearer b;
	struct error e;
	int64_t id = 0, request = 0;
	uint64_t seq = 0;

	assert_int_equal(registry_funder_add(f->home.db, &funder, NOW, &id, &e), -1);
	assert_int_equal(e.status, 500);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_non_null(strstr(e.message, "registry_funder_add"));
	assert_int_equal(registry_funder_fund(f->home.db, f->funder, FUND_CREDIT, 100, "R", NOW,
	    &seq, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_int_equal(registry_distributor_add(f->home.db, &d, NOW, &id, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_int_equal(registry_service_add(f->home.db, &s, &id, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_int_equal(registry_service_find(f->home.db, "scan", &s, &e), -1);
	assert_string_equal(e.code, "UNKNOWN_SERVICE");
	assert_int_equal(registry_place_set_label(f->home.db, f->bobigny, PLACE_LABEL_NONE, -1, &e),
	    -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_int_equal(registry_payee_iban_request(f->home.db, 1, "FR7630006000011234567890189",
	    "0123456789abcdef", NOW, &request, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_int_equal(registry_payee_iban_approve(f->home.db, 1, "0123456789abcdef", NOW, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_int_equal(registry_campaign_create(f->home.db, c, NOW, &id, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_int_equal(registry_token_create(f->home.db, ROLE_ADMIN, 0, NOW, &b, text, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_string_equal(text, "");
	assert_int_equal(registry_token_revoke(f->home.db, "0123456789abcdef", NOW, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	free(c);
}

/* The list functions hand back what their callback returned to stop. */
static int
stop_at_second(const struct place *p, void *ctx)
{
	(void)p;
	return ++*(int *)ctx == 2 ? 7 : 0;
}

static void
test_list_stops(void **state)
{
	struct fixture *f = *state;
	struct error e;
	int calls = 0;

	assert_int_equal(registry_place_list(f->home.db, stop_at_second, &calls, &e), 7);
	assert_int_equal(calls, 2);
}

/* Counts IBAN changes into the int ctx. */
static int
count_iban(const struct iban_change *c, void *ctx)
{
	(void)c;
	++*(int *)ctx;
	return 0;
}

static int
count_fund(const struct funder_fund *fund, void *ctx)
{
	(void)fund;
	++*(int *)ctx;
	return 0;
}

/* Counts the changes listed and keeps the last one. */
struct change_seen {
	int count;
	struct registry_change last;
};

static int
change_seen(const struct registry_change *c, void *ctx)
{
	struct change_seen *seen = ctx;

	seen->count++;
	seen->last = *c;
	return 0;
}

static void
test_blank_names(void **state)
{
	struct error e;

	(void)state;
	assert_int_equal(registry_name_check("a name", "   ", &e), -1);
	assert_string_equal(e.code, "BAD_NAME");
	assert_int_equal(registry_name_check("a name", "\xc2\xa0 \xe2\x80\xaf", &e), -1);
	assert_int_equal(registry_name_check("a name", "", &e), -1);
	assert_int_equal(registry_name_check("a name", " Île ", &e), 0);
}

static void
test_duplicates(void **state)
{
	struct fixture *f = *state;
	struct funder funder = { .name = "DÉPARTEMENT" }, same = { .name = "Département" };
	struct distributor d = { .name = "CCAS" };
	struct place p = { .name = "epn bobigny", .commune = "93008", .type = "epn" };
	struct error e;
	int64_t id = 0;

	begin(f->home.db);
	assert_int_equal(registry_funder_add(f->home.db, &same, NOW, &id, &e), -1);
	assert_string_equal(e.code, "DUPLICATE");
	/* Only ASCII case is folded: "DÉPARTEMENT" is another name. */
	assert_int_equal(registry_funder_add(f->home.db, &funder, NOW, &id, &e), 0);
	assert_int_equal(registry_funder_add_flags(f->home.db, &same, REGISTRY_ALLOW_DUPLICATE, NOW,
	    &id, &e), 0);
	assert_int_equal(registry_distributor_add(f->home.db, &d, NOW, &id, &e), 0);
	assert_int_equal(registry_distributor_add(f->home.db, &d, NOW, &id, &e), -1);
	assert_string_equal(e.code, "DUPLICATE");
	assert_int_equal(registry_place_add(f->home.db, &p, "12345678200002", NULL, NULL, 0, NOW,
	    &id, &e), -1);
	assert_string_equal(e.code, "DUPLICATE");
	strcpy(p.commune, "93048");
	assert_int_equal(registry_place_add(f->home.db, &p, "12345678200002", NULL, NULL, 0, NOW,
	    &id, &e), 0);
	commit(f->home.db);
}

static void
test_edits_recorded(void **state)
{
	struct fixture *f = *state;
	struct change_seen seen = { 0 };
	int64_t services[1] = { 0 };
	struct funder funder;
	struct service s;
	struct place p;
	struct error e;

	begin(f->home.db);
	assert_int_equal(registry_funder_get(f->home.db, f->funder, &funder, &e), 0);
	strcpy(funder.public_name, "Seine-Saint-Denis");
	assert_int_equal(registry_funder_edit(f->home.db, &funder, 0, "user:test", NOW + 5, &e), 0);
	assert_int_equal(registry_change_list(f->home.db, "funder", f->funder, 0, change_seen, &seen,
	    &e), 0);
	assert_int_equal(seen.count, 1);
	assert_string_equal(seen.last.field, "public_name");
	assert_string_equal(seen.last.old_value, "Département");
	assert_string_equal(seen.last.new_value, "Seine-Saint-Denis");
	assert_string_equal(seen.last.changed_by, "user:test");
	assert_int_equal(seen.last.changed_at, NOW + 5);
	strcpy(funder.siret, "12345678200002");
	assert_int_equal(registry_funder_edit(f->home.db, &funder, 0, "user:test", NOW, &e), -1);
	assert_string_equal(e.code, "NOT_EDITABLE");

	assert_int_equal(registry_service_get(f->home.db, f->internet, &s, &e), 0);
	s.passes = 2;
	assert_int_equal(registry_service_edit(f->home.db, &s, "user:test", NOW, &e), -1);
	assert_string_equal(e.code, "NOT_EDITABLE");

	assert_int_equal(registry_place_get(f->home.db, f->bobigny, &p, &e), 0);
	services[0] = f->writing;
	strcpy(p.commune, "75101");
	assert_int_equal(registry_place_edit(f->home.db, &p, services, 1, 0, "token:0123456789abcdef",
	    NOW, &e), 0);
	assert_int_equal(registry_place_get(f->home.db, f->bobigny, &p, &e), 0);
	assert_string_equal(p.department, "75");
	assert_string_equal(p.time_zone, "Europe/Paris");
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(registry_change_list(f->home.db, "place", f->bobigny, 0, change_seen, &seen,
	    &e), 0);
	assert_int_equal(seen.count, 2);
	assert_string_equal(seen.last.field, "services");
	assert_string_equal(seen.last.old_value, "internet,telephone");
	assert_string_equal(seen.last.new_value, "courrier");
	p.label = PLACE_LABEL_NONE;
	assert_int_equal(registry_place_edit(f->home.db, &p, NULL, 0, 0, "user:test", NOW, &e), -1);
	assert_string_equal(e.code, "NOT_EDITABLE");
	commit(f->home.db);
}

static void
test_campaign_edit(void **state)
{
	struct fixture *f = *state;
	struct campaign *c = campaign_new(f);
	struct change_seen seen = { 0 };
	int32_t earlier;
	struct error e;

	campaign_store(f, c);
	begin(f->home.db);
	c->value_cents = 2000;
	assert_int_equal(registry_campaign_edit(f->home.db, c, "user:test", NOW, &e), -1);
	assert_string_equal(e.code, "NOT_EDITABLE");
	c->value_cents = 1000;
	earlier = c->last_day - 1;
	c->last_day = earlier;
	assert_int_equal(registry_campaign_edit(f->home.db, c, "user:test", NOW, &e), -1);
	assert_string_equal(e.code, "LAST_DAY_EARLIER");
	c->last_day = earlier + 32;
	strcpy(c->departments[0], "93");
	c->department_count = 1;
	assert_int_equal(registry_campaign_edit(f->home.db, c, "user:test", NOW, &e), 0);
	assert_int_equal(registry_change_list(f->home.db, "campaign", c->id, 0, change_seen, &seen,
	    &e), 0);
	assert_int_equal(seen.count, 2);
	assert_string_equal(seen.last.field, "departments");
	assert_string_equal(seen.last.new_value, "93");
	commit(f->home.db);
	free(c);
}

static void
test_iban_change(void **state)
{
	struct fixture *f = *state;
	struct change_seen seen = { 0 };
	struct iban_change c;
	struct place p;
	struct error e;
	int64_t id = 0;
	int pending = 0;

	begin(f->home.db);
	assert_int_equal(registry_place_get(f->home.db, f->bobigny, &p, &e), 0);
	assert_int_equal(registry_payee_iban_request(f->home.db, p.payee_id,
	    "FR1420041010050500013M02606", "aaaaaaaaaaaaaaaa", NOW, &id, &e), 0);
	assert_int_equal(registry_payee_iban_approvable(f->home.db, id, "aaaaaaaaaaaaaaaa", &c, &e),
	    -1);
	assert_string_equal(e.code, "SAME_ADMIN");
	assert_int_equal(registry_payee_iban_approvable(f->home.db, id, "bbbbbbbbbbbbbbbb", &c, &e),
	    0);
	assert_string_equal(c.current_iban, "FR7630006000011234567890189");
	assert_string_equal(c.iban, "FR1420041010050500013M02606");
	assert_string_equal(c.payee_siret, "12345678200002");
	assert_int_equal(registry_iban_change_pending(f->home.db, count_iban, &pending, &e), 0);
	assert_int_equal(pending, 1);
	assert_int_equal(registry_payee_iban_approve(f->home.db, id, "bbbbbbbbbbbbbbbb", NOW, &e), 0);
	pending = 0;
	assert_int_equal(registry_iban_change_pending(f->home.db, count_iban, &pending, &e), 0);
	assert_int_equal(pending, 0);
	assert_int_equal(registry_change_list(f->home.db, "payee", p.payee_id, 0, change_seen, &seen,
	    &e), 0);
	assert_int_equal(seen.count, 1);
	assert_string_equal(seen.last.changed_by, "token:bbbbbbbbbbbbbbbb");
	assert_string_equal(seen.last.old_value, "FR7630006000011234567890189");
	commit(f->home.db);
}

static void
test_fund_ids(void **state)
{
	struct fixture *f = *state;
	struct funder_fund order, credit;
	struct error e;
	int count = 0;

	begin(f->home.db);
	assert_int_equal(registry_funder_fund_add(f->home.db, f->funder, FUND_ORDER, 500, "BC-1",
	    NOW, &order, &e), 0);
	assert_int_equal(registry_funder_fund_add(f->home.db, f->funder, FUND_CREDIT, 300, "VIR-1",
	    NOW, &credit, &e), 0);
	assert_int_equal(order.id + 1, credit.id);
	assert_int_equal(registry_fund_list(f->home.db, f->funder, FUND_ORDER, count_fund, &count,
	    &e), 0);
	assert_int_equal(count, 1);
	assert_int_equal(registry_fund_list(f->home.db, 99, FUND_ORDER, count_fund, &count, &e), -1);
	assert_string_equal(e.code, "NO_FUNDER");
	commit(f->home.db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_territory_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_territory_department, setup, teardown),
		cmocka_unit_test_setup_teardown(test_territory_commune_and_arrondissement, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_territory_epci_and_places, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_excluded_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_services, setup, teardown),
		cmocka_unit_test_setup_teardown(test_campaign_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_authenticate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_subjects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_need_a_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_stops, setup, teardown),
		cmocka_unit_test(test_blank_names),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edits_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_campaign_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iban_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fund_ids, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
