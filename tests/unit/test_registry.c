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

static void
tx(struct db *db, const char *sql)
{
	struct error e;

	/* Through the write runner: lib functions that write check DB_IN_WRITE. */
	if (strcmp(sql, "COMMIT") == 0)
		assert_int_equal(db_write_end(db, 0, &e), 0);
	else
		assert_int_equal(db_write_begin(db, DB_BUSY_DEFAULT, &e), 0);
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
	tx(f->home.db, "BEGIN IMMEDIATE");
	assert_int_equal(registry_funder_add(f->home.db, &funder, NOW, &f->funder, &e), 0);
	all[0] = f->internet = add_service(f->home.db, "internet");
	all[1] = f->phone = add_service(f->home.db, "telephone");
	all[2] = f->writing = add_service(f->home.db, "courrier");
	f->bobigny = add_place(f, "EPN Bobigny", "93008", "epn", all, 2);
	f->paris1 = add_place(f, "Médiathèque Paris 1", "75101", "mediatheque", all, 3);
	f->paris2 = add_place(f, "EPN Paris 2", "75102", "epn", all, 3);
	f->lyon1 = add_place(f, "Centre social Lyon 1", "69381", "centre-social", all, 3);
	f->fs_creteil = add_place(f, "France Services Créteil", "94028", "france-services", all, 3);
	tx(f->home.db, "COMMIT");
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

	tx(f->home.db, "BEGIN IMMEDIATE");
	if (registry_campaign_create(f->home.db, c, NOW, &id, &e) != 0)
		fail_msg("campaign_create: %s", e.message);
	tx(f->home.db, "COMMIT");
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
	tx(f->home.db, "BEGIN IMMEDIATE");
	assert_int_equal(registry_place_set_label(f->home.db, f->bobigny, PLACE_LABEL_SUSPENDED, -1,
	    &e), 0);
	tx(f->home.db, "COMMIT");
	assert_string_equal(verdict(f, c, f->bobigny, 0, f->today, NULL), "PLACE_SUSPENDED");
	tx(f->home.db, "BEGIN IMMEDIATE");
	assert_int_equal(registry_place_set_label(f->home.db, f->bobigny, PLACE_LABEL_NONE, -1,
	    &e), 0);
	/* Suspending an unlabelled place is refused. */
	assert_int_equal(registry_place_set_label(f->home.db, f->bobigny, PLACE_LABEL_SUSPENDED, -1,
	    &e), -1);
	assert_string_equal(e.code, "NOT_LABELLED");
	tx(f->home.db, "COMMIT");
	assert_string_equal(verdict(f, c, f->bobigny, 0, f->today, NULL), "PLACE_NOT_QUALIFIED");
	tx(f->home.db, "BEGIN IMMEDIATE");
	assert_int_equal(registry_place_set_label(f->home.db, f->bobigny, PLACE_LABEL_LABELLED,
	    f->today + 10, &e), 0);
	tx(f->home.db, "COMMIT");
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

	tx(f->home.db, "BEGIN IMMEDIATE");
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
	tx(f->home.db, "COMMIT");
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

	tx(f->home.db, "BEGIN IMMEDIATE");
	assert_int_equal(registry_token_create(f->home.db, ROLE_PLACE, f->bobigny, NOW, &b, text,
	    &e), 0);
	tx(f->home.db, "COMMIT");
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
	tx(f->home.db, "BEGIN IMMEDIATE");
	assert_int_equal(registry_token_revoke(f->home.db, b.id, NOW + 1, &e), 0);
	assert_int_equal(registry_token_revoke(f->home.db, b.id, NOW + 2, &e), -1);
	assert_string_equal(e.code, "ALREADY_REVOKED");
	tx(f->home.db, "COMMIT");
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

	tx(f->home.db, "BEGIN IMMEDIATE");
	assert_int_equal(registry_token_create(f->home.db, ROLE_FUNDER, 999, NOW, &b, text, &e), -1);
	assert_string_equal(e.code, "NO_FUNDER");
	assert_string_equal(text, "");
	assert_int_equal(registry_token_create(f->home.db, ROLE_ADMIN, 1, NOW, &b, text, &e), -1);
	assert_int_equal(registry_token_create(f->home.db, ROLE_ADMIN, 0, NOW, &b, text, &e), 0);
	tx(f->home.db, "COMMIT");
	assert_int_equal(registry_token_authenticate(f->home.db, text, &got, &e), 0);
	assert_int_equal(got.role, ROLE_ADMIN);
	assert_int_equal(got.subject_id, 0);
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
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
