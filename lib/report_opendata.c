/* The open-data export of a year: passes redeemed and their value by
 * département of the place × place type, with the totals per département,
 * per type and overall, in the open-data convention (CSV with ',', decimal
 * point, UTF-8 without BOM), its Table Schema and a datapackage.json under
 * the Licence Ouverte 2.0. The cells go through the report model's
 * suppression (by booklets, secondary through the totals). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "db.h"
#include "registry.h"
#include "report.h"
#include "report_model.h"

#define OPENDATA_ALL "TOUS"

struct opendata_row {
	char department[8], type[40];
	int64_t count, cents, booklets;
};

struct opendata {
	int32_t first, last;
	int64_t end;
	size_t rows, cap;
	struct opendata_row *row;
	int failed;
};

/* A result row (department or NULL, type or NULL, count, cents, booklets). */
static int
opendata_add(const struct db_row *r, void *ctx, int department_col, int type_col, int first)
{
	struct opendata *d = ctx;
	struct opendata_row *grown, *o;

	if (d->rows == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;

		if ((grown = realloc(d->row, cap * sizeof(*grown))) == NULL)
			return d->failed = -1;
		d->row = grown;
		d->cap = cap;
	}
	o = &d->row[d->rows++];
	memset(o, 0, sizeof(*o));
	snprintf(o->department, sizeof(o->department), "%s", OPENDATA_ALL);
	snprintf(o->type, sizeof(o->type), "%s", OPENDATA_ALL);
	if (department_col >= 0)
		db_row_text(r, department_col, o->department, sizeof(o->department));
	if (type_col >= 0)
		db_row_text(r, type_col, o->type, sizeof(o->type));
	o->count = db_row_int64(r, first);
	o->cents = db_row_int64(r, first + 1);
	o->booklets = db_row_int64(r, first + 2);
	return 0;
}

static int
opendata_both(const struct db_row *r, void *ctx, struct error *e)
{
	(void)e;
	return opendata_add(r, ctx, 0, 1, 2);
}
static int
opendata_department(const struct db_row *r, void *ctx, struct error *e)
{
	(void)e;
	return opendata_add(r, ctx, 0, -1, 1);
}
static int
opendata_type(const struct db_row *r, void *ctx, struct error *e)
{
	(void)e;
	return opendata_add(r, ctx, -1, 0, 1);
}
static int
opendata_total(const struct db_row *r, void *ctx, struct error *e)
{
	(void)e;
	return opendata_add(r, ctx, -1, -1, 0);
}

#define OPENDATA_SUMS " count(*), coalesce(sum(v.value_cents), 0), count(DISTINCT v.booklet_id)"
#define OPENDATA_FROM \
	" FROM redemptions r JOIN redemption_vouchers rv ON rv.redemption_id = r.id" \
	" JOIN vouchers v ON v.serial = rv.serial JOIN places p ON p.id = r.place_id" \
	" WHERE r.day BETWEEN ?1 AND ?2 AND (r.cancelled_at IS NULL OR r.cancelled_at >= ?3)"

/* Every aggregate of the year (one read transaction). */
static int
opendata_read(struct db *db, void *ctx, struct error *e)
{
	struct opendata *d = ctx;
	const struct db_value *a = DB_ARGS(DB_INT(d->first), DB_INT(d->last), DB_INT(d->end));

	return db_each(db, "SELECT p.department, p.type," OPENDATA_SUMS OPENDATA_FROM
	    " GROUP BY p.department, p.type ORDER BY p.department, p.type", a, opendata_both, d,
	    e) != 0 ||
	    db_each(db, "SELECT p.department," OPENDATA_SUMS OPENDATA_FROM
	    " GROUP BY p.department ORDER BY p.department", a, opendata_department, d, e) != 0 ||
	    db_each(db, "SELECT p.type," OPENDATA_SUMS OPENDATA_FROM
	    " GROUP BY p.type ORDER BY p.type", a, opendata_type, d, e) != 0 ||
	    db_each(db, "SELECT" OPENDATA_SUMS OPENDATA_FROM, a, opendata_total, d, e) != 0 ? -1 : 0;
}

static const struct report_column opendata_columns[] = {
	{ "annee", "annee", REPORT_COLUMN_TEXT, -1 },
	{ "departement", "departement", REPORT_COLUMN_TEXT, -1 },
	{ "type_lieu", "type_lieu", REPORT_COLUMN_TEXT, -1 },
	{ "nombre_pass", "nombre_pass", REPORT_COLUMN_COUNT, -1 },
	{ "montant_cents", "montant_euros", REPORT_COLUMN_MONEY, 3 },
	{ NULL, NULL, 0, 0 },
};

/* The key of a row's count: "d93.tepn", "dTOUS.tepn", "d93.tTOUS". */
static void
opendata_key(const char *department, const char *type, char key[48])
{
	snprintf(key, 48, "d%.7s.t%.36s", department, type);
}

/* The sums: each département's total over its types, each type's total
 * over the départements, the overall total over either. */
static int
opendata_groups(struct report_doc *doc, const struct opendata *d)
{
	struct report_key_group *g;
	char key[48];

	for (size_t i = 0; i < d->rows; i++) {
		const struct opendata_row *o = &d->row[i];
		bool dep_total = strcmp(o->type, OPENDATA_ALL) == 0;
		bool type_total = strcmp(o->department, OPENDATA_ALL) == 0;

		if (!dep_total && !type_total)
			continue; /* a (département, type) cell: a member, not a sum */
		if ((g = report_doc_key_group(doc)) == NULL)
			return -1;
		opendata_key(o->department, o->type, key);
		if (report_key_group_add(g, "%s", key) != 0)
			return -1;
		for (size_t j = 0; j < d->rows; j++) {
			const struct opendata_row *m = &d->row[j];
			bool member;

			if (dep_total && type_total) /* overall: the départements' totals */
				member = strcmp(m->type, OPENDATA_ALL) == 0 &&
				    strcmp(m->department, OPENDATA_ALL) != 0;
			else if (dep_total)
				member = strcmp(m->department, o->department) == 0 &&
				    strcmp(m->type, OPENDATA_ALL) != 0;
			else
				member = strcmp(m->type, o->type) == 0 &&
				    strcmp(m->department, OPENDATA_ALL) != 0;
			opendata_key(m->department, m->type, key);
			if (member && report_key_group_add(g, "%s", key) != 0)
				return -1;
		}
		if (dep_total && type_total) { /* overall: the types' totals too */
			if ((g = report_doc_key_group(doc)) == NULL)
				return -1;
			opendata_key(OPENDATA_ALL, OPENDATA_ALL, key);
			if (report_key_group_add(g, "%s", key) != 0)
				return -1;
			for (size_t j = 0; j < d->rows; j++) {
				const struct opendata_row *m = &d->row[j];

				opendata_key(m->department, m->type, key);
				if (strcmp(m->department, OPENDATA_ALL) == 0 &&
				    strcmp(m->type, OPENDATA_ALL) != 0 &&
				    report_key_group_add(g, "%s", key) != 0)
					return -1;
			}
		}
	}
	return 0;
}

static int
opendata_table(struct report_doc *doc, const struct opendata *d, const char *year)
{
	struct report_table *t = report_doc_table(doc, "open_data", "Pass utilisés par"
	    " département et type de lieu", opendata_columns);
	char key[48];
	int row;

	if (t == NULL)
		return -1;
	for (size_t i = 0; i < d->rows; i++) {
		const struct opendata_row *o = &d->row[i];

		if ((row = report_table_row(t)) < 0 || report_cell_text(report_table_cell(t,
		    (size_t)row, 0), year) != 0 ||
		    report_cell_text(report_table_cell(t, (size_t)row, 1), o->department) != 0 ||
		    report_cell_text(report_table_cell(t, (size_t)row, 2), o->type) != 0)
			return -1;
		opendata_key(o->department, o->type, key);
		report_cell_count(report_table_cell(t, (size_t)row, 3), o->count, o->booklets, key);
		report_table_cell(t, (size_t)row, 4)->value = o->cents;
	}
	return opendata_groups(doc, d);
}

int
report_opendata_build(struct db *db, const struct report_period *p, int64_t now,
    struct report_doc **out, struct error *e)
{
	struct report_doc *doc = calloc(1, sizeof(*doc));
	int64_t end = clock_local_day_start(p->last + 1, CLOCK_TZ_PARIS);
	struct opendata d = { .first = p->first, .last = p->last, .end = now < end ? now : end };
	int rc = -1;

	*out = NULL;
	if (doc == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the export");
	doc->kind = "open-data";
	doc->suppress = true;
	doc->provisional = now < end;
	doc->first_day = p->first;
	doc->last_day = p->last;
	snprintf(doc->period, sizeof(doc->period), "%s", p->text);
	snprintf(doc->title, sizeof(doc->title), "Pass numériques utilisés en %s, par département"
	    " et type de lieu", p->text);
	if (registry_setting_int(db, "report_small_cell", 11, &doc->threshold, e) != 0 ||
	    db_read(db, opendata_read, &d, e) != 0)
		goto done;
	if (d.failed || opendata_table(doc, &d, p->text) != 0) {
		error_set(e, 500, "NO_MEMORY", "out of memory building the export");
		goto done;
	}
	report_suppress(doc);
	*out = doc;
	doc = NULL;
	rc = 0;
done:
	free(d.row);
	report_doc_free(doc);
	return rc;
}

int
report_opendata_csv(const struct report_doc *doc, FILE *f, struct error *e)
{
	const struct report_table *t = doc->table[0];

	fputs("annee,departement,type_lieu,nombre_pass,montant_euros,secret_statistique\n", f);
	for (size_t r = 0; r < t->rows; r++) {
		const struct report_cell *c = t->cells + r * t->columns;
		bool hidden = report_table_hidden(t, r, 3) || report_table_hidden(t, r, 4);

		fprintf(f, "%s,%s,%s,", c[0].text, c[1].text, c[2].text);
		if (hidden)
			fputs(",,true\n", f);
		else
			fprintf(f, "%lld,%lld.%02lld,false\n", (long long)c[3].value,
			    (long long)(c[4].value / 100), (long long)(c[4].value % 100));
	}
	if (ferror(f))
		return error_set(e, 500, "WRITE_FAILED", "cannot write the export");
	return 0;
}

json_t *
report_opendata_schema(void)
{
	return json_pack("{s:[o,o,o,o,o,o], s:[s], s:[s,s,s]}", "fields",
	    json_pack("{s:s, s:s, s:s, s:s}", "name", "annee", "type", "year", "title", "Année",
	    "description", "Année civile des utilisations (Europe/Paris)."),
	    json_pack("{s:s, s:s, s:s, s:s}", "name", "departement", "type", "string", "title",
	    "Département", "description", "Code du département du lieu (93, 2A, 971) ; TOUS : total"
	    " de tous les départements."),
	    json_pack("{s:s, s:s, s:s, s:s}", "name", "type_lieu", "type", "string", "title",
	    "Type de lieu", "description", "Type du lieu (epn, france-services, mediatheque…) ;"
	    " TOUS : total de tous les types."),
	    json_pack("{s:s, s:s, s:s, s:s, s:{s:I}}", "name", "nombre_pass", "type", "integer",
	    "title", "Pass utilisés", "description", "Pass échangés contre un service pendant"
	    " l'année, annulations déduites ; vide si secret_statistique.", "constraints",
	    "minimum", (json_int_t)0),
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:I}}", "name", "montant_euros", "type", "number",
	    "title", "Valeur des pass utilisés (€)", "description", "Somme des valeurs faciales, en"
	    " euros, point décimal ; vide si secret_statistique.", "decimalChar", ".",
	    "constraints", "minimum", (json_int_t)0),
	    json_pack("{s:s, s:s, s:s, s:s}", "name", "secret_statistique", "type", "boolean",
	    "title", "Secret statistique", "description", "true : la case porte sur 1 à 10 carnets"
	    " (donc de personnes) ou permettrait d'en recalculer une ; ses chiffres sont omis."),
	    "missingValues", "", "primaryKey", "annee", "departement", "type_lieu");
}

json_t *
report_opendata_package(const struct report_doc *doc, const char *csv, const char *schema)
{
	char name[32];

	snprintf(name, sizeof(name), "passnum-%s", doc->period);
	return json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s}], s:[{s:s, s:s, s:s, s:s, s:s,"
	    " s:s, s:{s:s, s:s, s:b}, s:s}]}",
	    "name", name, "title", doc->title, "description", doc->provisional ?
	    "Chiffres provisoires : l'année n'est pas terminée." : "Chiffres définitifs de l'année.",
	    "licenses", "name", "etalab-2.0", "title", "Licence Ouverte / Open Licence version 2.0",
	    "path", "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
	    "resources", "name", name, "path", csv, "format", "csv", "mediatype", "text/csv",
	    "encoding", "utf-8", "profile", "tabular-data-resource", "dialect", "delimiter", ",",
	    "lineTerminator", "\n", "header", 1, "schema", schema);
}

const char report_opendata_readme_fmt[] =
    "# %s\n"
    "\n"
    "Pass numériques utilisés pendant l'année %s (annulations déduites), par département\n"
    "du lieu et par type de lieu, avec les totaux par département, par type et au total\n"
    "(« TOUS »). %s\n"
    "\n"
    "* `%s` : les données (CSV, séparateur virgule, point décimal, UTF-8 sans BOM) ;\n"
    "* `%s` : leur schéma (Table Schema) ;\n"
    "* `datapackage.json` : la description du jeu de données.\n"
    "\n"
    "Secret statistique : une case qui porte sur 1 à %lld carnets (un carnet est remis à\n"
    "une personne) est omise (`secret_statistique` à `true`), ainsi que les cases qui\n"
    "permettraient de la recalculer à partir des totaux.\n"
    "\n"
    "Licence : Licence Ouverte / Open Licence version 2.0 (Etalab),\n"
    "https://www.etalab.gouv.fr/licence-ouverte-open-licence/\n";

int
report_opendata_texts(const struct report_doc *doc, struct report_opendata_files *o,
    struct error *e)
{
	json_t *j[2];
	FILE *f[REPORT_OPENDATA_FILES];
	int rc = 0;

	o->provisional = doc->provisional;

	snprintf(o->name[0], 64, "pass-utilises-%s.csv", doc->period);
	snprintf(o->name[1], 64, "pass-utilises-%s.schema.json", doc->period);
	snprintf(o->name[2], 64, "datapackage.json");
	snprintf(o->name[3], 64, "LISEZMOI.md");
	for (int i = 0; i < REPORT_OPENDATA_FILES; i++)
		if ((f[i] = open_memstream(&o->text[i], &o->len[i])) == NULL) {
			while (i-- > 0)
				fclose(f[i]);
			return error_set(e, 500, "NO_MEMORY", "out of memory writing the export");
		}
	j[0] = report_opendata_schema();
	j[1] = report_opendata_package(doc, o->name[0], o->name[1]);
	rc |= report_opendata_csv(doc, f[0], e);
	for (int i = 0; i < 2; i++) {
		rc |= j[i] == NULL || json_dumpf(j[i], f[i + 1], JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER) != 0;
		fputc('\n', f[i + 1]);
		json_decref(j[i]);
	}
	fprintf(f[3], report_opendata_readme_fmt, doc->title, doc->period, doc->provisional ?
	    "Chiffres provisoires : l'année n'est pas terminée." : "Chiffres définitifs.",
	    o->name[0], o->name[1], (long long)doc->threshold - 1);
	for (int i = 0; i < REPORT_OPENDATA_FILES; i++)
		rc |= fclose(f[i]) != 0;
	return rc != 0 ? error_set(e, 500, "WRITE_FAILED", "cannot write the export") : 0;
}

