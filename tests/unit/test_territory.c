/* Unit tests of lib/territory: the embedded commune table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>
#include "territory.h"

/* Total of current communes (34,969) and municipal arrondissements (45) in
 * @etalab/decoupage-administratif 6.0.0. */
#define EXPECTED_CODES 35014

static const struct territory_commune *
find(const char *code)
{
	const struct territory_commune *c = NULL;
	struct error e;

	if (territory_commune_find(code, &c, &e) != 0)
		fail_msg("territory_commune_find(\"%s\"): %s", code, e.message);
	assert_non_null(c);
	assert_string_equal(c->code, code);
	return c;
}

static void *
find_in_thread(void *arg)
{
	const struct territory_commune *c = NULL;

	(void)arg;
	if (territory_commune_find("75056", &c, NULL) != 0)
		return NULL;
	return (void *)c;
}

/* Runs first: several threads race to load the table. */
static void
test_concurrent_first_use(void **state)
{
	pthread_t threads[8];
	void *results[8];
	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, find_in_thread, NULL), 0);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(threads[i], &results[i]), 0);
		assert_non_null(results[i]);
		assert_ptr_equal(results[i], results[0]);
	}
}

static void
test_count_and_version(void **state)
{
	const struct territory_commune *prev = NULL, *c;
	size_t arrondissements = 0;
	(void)state;
	assert_int_equal(territory_commune_count(), EXPECTED_CODES);
	assert_string_equal(territory_data_version(), "@etalab/decoupage-administratif 6.0.0");
	for (size_t i = 0; (c = territory_commune_at(i)) != NULL; i++) {
		if (prev != NULL)
			assert_true(strcmp(prev->code, c->code) < 0);
		if (c->parent[0] != '\0') {
			const struct territory_commune *parent = find(c->parent);
			assert_string_equal(parent->parent, "");
			assert_string_equal(parent->department, c->department);
			arrondissements++;
		}
		prev = c;
	}
	assert_int_equal(arrondissements, 45);
	assert_null(territory_commune_at(EXPECTED_CODES));
}

static void
test_known_communes(void **state)
{
	const struct territory_commune *c;
	(void)state;
	c = find("75056");
	assert_string_equal(c->name, "Paris");
	assert_string_equal(c->department, "75");
	assert_string_equal(c->region, "11");
	assert_string_equal(c->parent, "");
	assert_string_equal(c->epci, "200054781"); /* Métropole du Grand Paris */
	assert_true(c->population > 2000000);
	assert_int_equal(c->tz, CLOCK_TZ_PARIS);

	c = find("75101");
	assert_string_equal(c->name, "Paris 1er Arrondissement");
	assert_string_equal(c->parent, "75056");
	assert_string_equal(c->epci, "200054781");
	assert_true(c->population > 0);

	c = find("13201");
	assert_string_equal(c->parent, "13055");
	c = find("69381");
	assert_string_equal(c->parent, "69123");

	c = find("97105");
	assert_string_equal(c->name, "Basse-Terre");
	assert_string_equal(c->department, "971");
	assert_string_equal(c->region, "01");
	assert_int_equal(c->tz, CLOCK_TZ_GUADELOUPE);
	assert_string_equal(clock_tz_name(c->tz), "America/Guadeloupe");

	c = find("2A004");
	assert_string_equal(c->name, "Ajaccio");
	assert_string_equal(c->department, "2A");
	assert_string_equal(c->region, "94");
	assert_int_equal(c->tz, CLOCK_TZ_PARIS);

	c = find("97502");
	assert_string_equal(c->name, "Saint-Pierre");
	assert_string_equal(c->department, "975");
	assert_string_equal(c->region, "975");
	assert_string_equal(c->epci, "");
	assert_int_equal(c->tz, CLOCK_TZ_MIQUELON);
	c = find("97501");
	assert_string_equal(c->name, "Miquelon-Langlade");
	assert_string_equal(c->department, "975");

	c = find("97701");
	assert_string_equal(c->name, "Saint-Barthélemy");
	assert_string_equal(c->department, "977");
	assert_int_equal(c->tz, CLOCK_TZ_ST_BARTHELEMY);
	c = find("97801");
	assert_string_equal(c->department, "978");
	assert_int_equal(c->tz, CLOCK_TZ_MARIGOT);
	c = find("97411");
	assert_int_equal(c->tz, CLOCK_TZ_REUNION);
	c = find("97611");
	assert_int_equal(c->tz, CLOCK_TZ_MAYOTTE);
	c = find("98411");
	assert_int_equal(c->tz, CLOCK_TZ_NONE);
	assert_int_equal(c->population, 0);
}

static void
expect_refused(const char *code, const char *expected)
{
	const struct territory_commune *c = (const void *)1;
	struct error e;

	error_clear(&e);
	if (territory_commune_find(code, &c, &e) == 0)
		fail_msg("territory_commune_find(\"%s\") accepted", code);
	assert_null(c);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, expected);
}

static void
test_refused(void **state)
{
	(void)state;
	expect_refused("99999", "UNKNOWN_COMMUNE");
	expect_refused("75000", "UNKNOWN_COMMUNE");
	expect_refused("01039", "UNKNOWN_COMMUNE"); /* Béon, commune déléguée */
	expect_refused("01120", "UNKNOWN_COMMUNE"); /* Cordieux, commune associée */
	expect_refused("20004", "UNKNOWN_COMMUNE"); /* Ajaccio's code before 1976 */
	expect_refused("", "BAD_COMMUNE");
	expect_refused("7505", "BAD_COMMUNE");
	expect_refused("750560", "BAD_COMMUNE");
	expect_refused("2C004", "BAD_COMMUNE");
	expect_refused("2a004", "BAD_COMMUNE");
	expect_refused("A2004", "BAD_COMMUNE");
	expect_refused(" 7505", "BAD_COMMUNE");
	expect_refused(NULL, "BAD_COMMUNE");
}

static void
test_departments_and_epci(void **state)
{
	struct error e;
	(void)state;
	assert_int_equal(territory_department_check("93", NULL), 0);
	assert_int_equal(territory_department_check("2A", NULL), 0);
	assert_int_equal(territory_department_check("975", NULL), 0);
	assert_int_equal(territory_department_check("978", NULL), 0);
	error_clear(&e);
	assert_int_equal(territory_department_check("20", &e), -1);
	assert_string_equal(e.code, "UNKNOWN_DEPARTMENT");
	assert_int_equal(territory_department_check("", NULL), -1);
	assert_int_equal(territory_epci_check("200054781", NULL), 0);
	error_clear(&e);
	assert_int_equal(territory_epci_check("200054782", &e), -1);
	assert_string_equal(e.code, "UNKNOWN_EPCI");
	assert_int_equal(territory_epci_check("", NULL), -1);
}

/* The population of the communes of department (epci NULL) or of EPCI
 * epci, summed here over the commune table (arrondissements left out:
 * they count towards their commune). */
static int64_t
communes_population(const char *department, const char *epci)
{
	const struct territory_commune *c;
	int64_t sum = 0;

	for (size_t i = 0; (c = territory_commune_at(i)) != NULL; i++)
		if (c->parent[0] == '\0' && (department == NULL ||
		    strcmp(c->department, department) == 0) && (epci == NULL ||
		    strcmp(c->epci, epci) == 0))
			sum += c->population;
	return sum;
}

static void
test_epci_table_and_populations(void **state)
{
	const struct territory_epci *epci = NULL;
	const struct territory_commune *c;
	int64_t population = -1;
	struct error e;
	(void)state;
	assert_string_equal(territory_population_source(),
	    "population municipale 2023, INSEE, via @etalab/decoupage-administratif 6.0.0");
	assert_int_equal(territory_epci_find("200054781", &epci, NULL), 0);
	assert_string_equal(epci->code, "200054781");
	assert_string_equal(epci->name, "Métropole du Grand Paris");
	assert_int_equal(epci->population, communes_population(NULL, "200054781"));
	assert_true(epci->population > 7000000);
	assert_int_equal(territory_epci_find("200046977", &epci, NULL), 0);
	assert_string_equal(epci->name, "Métropole de Lyon");
	assert_int_equal(epci->population, communes_population(NULL, "200046977"));
	error_clear(&e);
	assert_int_equal(territory_epci_find("200054782", &epci, &e), -1);
	assert_null(epci);
	assert_string_equal(e.code, "UNKNOWN_EPCI");
	assert_int_equal(territory_epci_find("", &epci, NULL), -1);
	/* every commune's EPCI is in the table */
	for (size_t i = 0; (c = territory_commune_at(i)) != NULL; i++)
		if (c->epci[0] != '\0' && territory_epci_find(c->epci, &epci, NULL) != 0)
			fail_msg("commune %s: EPCI %s not in the EPCI table", c->code, c->epci);
	/* départements: Paris is the 75's one commune, its arrondissements not added */
	c = find("75056");
	assert_int_equal(territory_department_population("75", &population, NULL), 0);
	assert_int_equal(population, c->population);
	assert_int_equal(territory_department_population("93", &population, NULL), 0);
	assert_int_equal(population, communes_population("93", NULL));
	assert_true(population > 1000000);
	error_clear(&e);
	assert_int_equal(territory_department_population("20", &population, &e), -1);
	assert_int_equal(population, 0);
	assert_string_equal(e.code, "UNKNOWN_DEPARTMENT");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_first_use),
		cmocka_unit_test(test_count_and_version),
		cmocka_unit_test(test_known_communes),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_departments_and_epci),
		cmocka_unit_test(test_epci_table_and_populations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
