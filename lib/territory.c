#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "embedded.h"
#include "territory.h"

#define TERRITORY_FILE "communes.tsv"
#define TERRITORY_EPCI_FILE "epci.tsv"
#define TERRITORY_FIELDS 7
#define TERRITORY_EPCI_FIELDS 3
#define TERRITORY_DEPARTMENTS 128

struct territory_department {
	const char *code;
	int64_t population;
};

static pthread_once_t territory_once = PTHREAD_ONCE_INIT;
static char *territory_text;                      /* owned copy, fields NUL-split */
static struct territory_commune *territory_table; /* sorted by code */
static size_t territory_count;
static const char *territory_version = "";
static const char *territory_vintage = "";        /* "population municipale 2023, INSEE" */
static char territory_population[256];            /* vintage, via version */
static char *territory_epci_text;                 /* owned copy, fields NUL-split */
static struct territory_epci *territory_epcis;    /* sorted by code */
static size_t territory_epci_count;
static struct territory_department territory_departments[TERRITORY_DEPARTMENTS];
static size_t territory_department_count;
static char territory_failure[128];               /* why loading failed, or "" */

static int
territory_compare(const void *a, const void *b)
{
	return strcmp(((const struct territory_commune *)a)->code,
	    ((const struct territory_commune *)b)->code);
}

static int
territory_epci_compare(const void *a, const void *b)
{
	return strcmp(((const struct territory_epci *)a)->code,
	    ((const struct territory_epci *)b)->code);
}

/* Splits line (NUL-terminated, modified in place) at tabs into exactly
 * count fields. Returns 0 or -1. */
static int
territory_split(char *line, char **fields, int count)
{
	int n = 0;

	fields[n++] = line;
	for (char *p = line; *p != '\0'; p++) {
		if (*p != '\t')
			continue;
		if (n == count)
			return -1;
		*p = '\0';
		fields[n++] = p + 1;
	}
	return n == count ? 0 : -1;
}

/* Parses a population field ("" is 0) into *population. Returns 0 or -1. */
static int
territory_parse_population(const char *field, int64_t *population)
{
	char *end;

	*population = 0;
	if (field[0] == '\0')
		return 0;
	*population = strtoll(field, &end, 10);
	return *end != '\0' || *population < 0 ? -1 : 0;
}

/* Fills c from one data line. Returns 0, or -1 if the line is malformed. */
static int
territory_parse_line(char *line, struct territory_commune *c)
{
	char *f[TERRITORY_FIELDS];

	if (territory_split(line, f, TERRITORY_FIELDS) != 0 || strlen(f[0]) != 5 ||
	    (f[1][0] != '\0' && strlen(f[1]) != 5) || f[2][0] == '\0' ||
	    f[3][0] == '\0' || f[4][0] == '\0' ||
	    (f[6][0] != '\0' && strlen(f[6]) != 9))
		return -1;
	c->code = f[0];
	c->parent = f[1];
	c->name = f[2];
	c->department = f[3];
	c->region = f[4];
	if (territory_parse_population(f[5], &c->population) != 0)
		return -1;
	c->epci = f[6];
	if (clock_tz_for_department(c->department, &c->tz, NULL) != 0)
		c->tz = CLOCK_TZ_NONE;
	return 0;
}

/* Sums the populations of the current communes (not arrondissements, which
 * count towards their commune) per département. Returns 0, or -1 with
 * territory_failure set. */
static int
territory_departments_sum(void)
{
	size_t last = 0;

	for (size_t i = 0; i < territory_count; i++) {
		const struct territory_commune *c = &territory_table[i];
		size_t d = last;

		if (d >= territory_department_count ||
		    strcmp(territory_departments[d].code, c->department) != 0)
			for (d = 0; d < territory_department_count &&
			    strcmp(territory_departments[d].code, c->department) != 0; d++)
				;
		if (d == TERRITORY_DEPARTMENTS) {
			strcpy(territory_failure, "too many départements in " TERRITORY_FILE);
			return -1;
		}
		if (d == territory_department_count)
			territory_departments[territory_department_count++].code = c->department;
		if (c->parent[0] == '\0')
			territory_departments[d].population += c->population;
		last = d;
	}
	return 0;
}

/* Parses the embedded EPCI table (its two header lines the same as the
 * communes') into territory_epcis. Returns 0, or -1 with territory_failure
 * set. */
static int
territory_epci_load(void)
{
	const struct embedded_file *file = embedded_find(data_files, TERRITORY_EPCI_FILE);
	size_t lines = 0, count = 0, comments = 0;
	char *line, *next, *f[TERRITORY_EPCI_FIELDS];

	if (file == NULL) {
		strcpy(territory_failure, "no embedded " TERRITORY_EPCI_FILE);
		return -1;
	}
	if ((territory_epci_text = malloc(file->size + 1)) == NULL)
		abort();
	memcpy(territory_epci_text, file->data, file->size);
	territory_epci_text[file->size] = '\0';
	for (size_t i = 0; i < file->size; i++)
		lines += territory_epci_text[i] == '\n';
	if ((territory_epcis = calloc(lines + 1, sizeof(*territory_epcis))) == NULL)
		abort();
	for (line = territory_epci_text; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			goto fail;
		*next++ = '\0';
		if (line[0] == '#') {
			if (comments < 2 && (strncmp(line, "# ", 2) != 0 || strcmp(line + 2,
			    comments == 0 ? territory_version : territory_vintage) != 0))
				goto fail;
			comments++;
			continue;
		}
		if (territory_split(line, f, TERRITORY_EPCI_FIELDS) != 0 || strlen(f[0]) != 9 ||
		    f[1][0] == '\0' ||
		    territory_parse_population(f[2], &territory_epcis[count].population) != 0)
			goto fail;
		territory_epcis[count].code = f[0];
		territory_epcis[count].name = f[1];
		count++;
	}
	qsort(territory_epcis, count, sizeof(*territory_epcis), territory_epci_compare);
	for (size_t i = 1; i < count; i++)
		if (strcmp(territory_epcis[i - 1].code, territory_epcis[i].code) == 0)
			goto fail;
	if (count == 0 || comments < 2)
		goto fail;
	territory_epci_count = count;
	return 0;
fail:
	strcpy(territory_failure, "malformed embedded " TERRITORY_EPCI_FILE
	    " (or not made with " TERRITORY_FILE ")");
	return -1;
}

/* Parses the embedded table into territory_table; on failure leaves it
 * empty and records why in territory_failure. Runs once. */
static void
territory_load(void)
{
	const struct embedded_file *file = embedded_find(data_files, TERRITORY_FILE);
	size_t lines = 0, count = 0;
	char *line, *next;

	if (file == NULL) {
		strcpy(territory_failure, "no embedded " TERRITORY_FILE);
		return;
	}
	territory_text = malloc(file->size + 1);
	if (territory_text == NULL)
		abort();
	memcpy(territory_text, file->data, file->size);
	territory_text[file->size] = '\0';
	for (size_t i = 0; i < file->size; i++)
		lines += territory_text[i] == '\n';
	territory_table = calloc(lines + 1, sizeof(*territory_table));
	if (territory_table == NULL)
		abort();
	for (line = territory_text; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next == NULL)
			goto fail;
		*next++ = '\0';
		if (line[0] == '#') {
			if (count == 0 && territory_version[0] == '\0' && strncmp(line, "# ", 2) == 0)
				territory_version = line + 2;
			else if (count == 0 && territory_vintage[0] == '\0' &&
			    strncmp(line, "# population ", 13) == 0)
				territory_vintage = line + 2;
			continue;
		}
		if (territory_parse_line(line, &territory_table[count]) != 0)
			goto fail;
		count++;
	}
	qsort(territory_table, count, sizeof(*territory_table), territory_compare);
	for (size_t i = 1; i < count; i++)
		if (strcmp(territory_table[i - 1].code, territory_table[i].code) == 0)
			goto fail;
	if (count == 0 || territory_version[0] == '\0' || territory_vintage[0] == '\0')
		goto fail;
	territory_count = count;
	if (territory_departments_sum() != 0 || territory_epci_load() != 0) {
		territory_count = 0;
		territory_version = "";
		return;
	}
	snprintf(territory_population, sizeof(territory_population), "%s, via %s",
	    territory_vintage, territory_version);
	return;
fail:
	strcpy(territory_failure, "malformed embedded " TERRITORY_FILE);
	territory_version = "";
	territory_count = 0;
}

/* Loads the table once; returns 0, or -1 (500 TERRITORY_DATA) if it is
 * unusable. */
static int
territory_ready(struct error *e)
{
	pthread_once(&territory_once, territory_load);
	if (territory_count == 0)
		return error_set(e, 500, "TERRITORY_DATA", "commune table unusable: %s",
		    territory_failure);
	return 0;
}

static bool
territory_code_syntax(const char *code)
{
	if (strlen(code) != 5)
		return false;
	for (int i = 0; i < 5; i++)
		if (!(code[i] >= '0' && code[i] <= '9') &&
		    !(i == 1 && (code[i] == 'A' || code[i] == 'B')))
			return false;
	return true;
}

int
territory_commune_find(const char *code, const struct territory_commune **commune,
    struct error *e)
{
	struct territory_commune key = { .code = code };

	*commune = NULL;
	if (territory_ready(e) != 0)
		return -1;
	if (code == NULL || !territory_code_syntax(code))
		return error_set(e, 400, "BAD_COMMUNE",
		    "an INSEE commune code has 5 characters, like 75056 or 2A004");
	*commune = bsearch(&key, territory_table, territory_count,
	    sizeof(*territory_table), territory_compare);
	if (*commune == NULL)
		return error_set(e, 400, "UNKNOWN_COMMUNE",
		    "no current commune or arrondissement has INSEE code %s", code);
	return 0;
}

size_t
territory_commune_count(void)
{
	pthread_once(&territory_once, territory_load);
	return territory_count;
}

const struct territory_commune *
territory_commune_at(size_t index)
{
	if (index >= territory_commune_count())
		return NULL;
	return &territory_table[index];
}

const char *
territory_data_version(void)
{
	pthread_once(&territory_once, territory_load);
	return territory_version;
}

const char *
territory_population_source(void)
{
	pthread_once(&territory_once, territory_load);
	return territory_count == 0 ? "" : territory_population;
}

int
territory_department_population(const char *department, int64_t *population,
    struct error *e)
{
	*population = 0;
	if (territory_ready(e) != 0)
		return -1;
	for (size_t i = 0; i < territory_department_count; i++)
		if (strcmp(territory_departments[i].code, department) == 0) {
			*population = territory_departments[i].population;
			return 0;
		}
	return error_set(e, 400, "UNKNOWN_DEPARTMENT", "unknown département code: %.16s",
	    department);
}

int
territory_epci_find(const char *code, const struct territory_epci **epci, struct error *e)
{
	struct territory_epci key = { .code = code };

	*epci = NULL;
	if (territory_ready(e) != 0)
		return -1;
	if (code != NULL)
		*epci = bsearch(&key, territory_epcis, territory_epci_count,
		    sizeof(*territory_epcis), territory_epci_compare);
	if (*epci == NULL)
		return error_set(e, 400, "UNKNOWN_EPCI", "unknown EPCI SIREN: %.16s",
		    code != NULL ? code : "");
	return 0;
}

int
territory_department_check(const char *department, struct error *e)
{
	int64_t population;

	return territory_department_population(department, &population, e);
}

int
territory_epci_check(const char *epci, struct error *e)
{
	const struct territory_epci *found;

	return territory_epci_find(epci, &found, e);
}
