/* Territory: the INSEE commune codes where places may be, from the table
 * lib/data/communes.tsv embedded at build time, and the EPCI (their names
 * and populations) from lib/data/epci.tsv (both made by
 * scripts/make-communes.sh from Etalab's @etalab/decoupage-administratif).
 * It holds current communes and the municipal arrondissements of Paris,
 * Lyon and Marseille; delegated and associated communes are not places'
 * codes and are refused. The table is parsed once, on first use, and is
 * immutable afterwards: every function here is thread-safe, and every
 * pointer returned stays valid until the process exits. */
#ifndef PASSNUM_TERRITORY_H
#define PASSNUM_TERRITORY_H
#include <stddef.h>
#include <stdint.h>
#include "clock.h"
#include "error.h"

struct territory_commune {
	const char *code;       /* INSEE code, 5 characters: "75056", "2A004", "97105" */
	const char *parent;     /* for an arrondissement, its commune's code ("75056"); else "" */
	const char *name;       /* official name, UTF-8: "Paris 1er Arrondissement" */
	const char *department; /* "75", "2A", "971"; 975, 977, 978 are their own territory */
	const char *region;     /* INSEE region code: "11", "94", "01"; "975" for 975 */
	int64_t population;     /* municipal population; 0 when unknown (uninhabited) */
	const char *epci;       /* SIREN of its EPCI (an arrondissement's commune's); "" if none */
	enum clock_tz tz;       /* local time zone, from the département (CLOCK_TZ_NONE: 984, 989) */
};

/* An EPCI (établissement public de coopération intercommunale). */
struct territory_epci {
	const char *code;   /* SIREN, 9 digits: "200054781" */
	const char *name;   /* official name, UTF-8: "Métropole du Grand Paris" */
	int64_t population; /* the sum of its member communes' municipal populations */
};

/* Finds the commune or arrondissement whose INSEE code is code. Returns 0
 * with *commune set, or -1 with e set: 400 BAD_COMMUNE (not 5 characters of
 * digits, A or B), 400 UNKNOWN_COMMUNE (no such current commune or
 * arrondissement), 500 TERRITORY_DATA (the embedded table is unusable). */
int territory_commune_find(const char *code, const struct territory_commune **commune,
    struct error *e) __attribute__((warn_unused_result));

/* Returns the number of codes in the table (0 if it is unusable). */
size_t territory_commune_count(void);

/* Returns the index-th entry in code order, or NULL past the end. */
const struct territory_commune *territory_commune_at(size_t index);

/* Returns the source of the table, e.g. "@etalab/decoupage-administratif
 * 6.0.0" ("" if it is unusable). */
const char *territory_data_version(void);

/* Returns the vintage of the populations, with the table's source:
 * "population municipale 2023, INSEE, via @etalab/decoupage-administratif
 * 6.0.0" ("" if the table is unusable). */
const char *territory_population_source(void);

/* Sets *population to the municipal population of department (the sum of
 * its current communes', arrondissements not counted twice). Returns 0, or
 * -1 with *population 0 (400 UNKNOWN_DEPARTMENT; 500 TERRITORY_DATA). */
int territory_department_population(const char *department, int64_t *population,
    struct error *e) __attribute__((warn_unused_result));

/* Finds the EPCI whose SIREN is code. Returns 0 with *epci set, or -1 with
 * *epci NULL (400 UNKNOWN_EPCI; 500 TERRITORY_DATA). */
int territory_epci_find(const char *code, const struct territory_epci **epci, struct error *e)
	__attribute__((warn_unused_result));

/* Checks that department is the département (or collectivity) code of at
 * least one commune: "93", "2A", "971". Returns 0, or -1 (400
 * UNKNOWN_DEPARTMENT). */
int territory_department_check(const char *department, struct error *e)
	__attribute__((warn_unused_result));

/* Checks that epci is the SIREN of an EPCI of the table (each has member
 * communes). Returns 0, or -1 (400 UNKNOWN_EPCI). */
int territory_epci_check(const char *epci, struct error *e)
	__attribute__((warn_unused_result));

#endif
