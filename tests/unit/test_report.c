/* Unit tests of the report model (lib/report_model.c): small cells hidden
 * by booklets, the secondary rule that leaves no hidden cell recomputable,
 * fixed periods, the CSV form, and the chart (a hidden cell never drawn as
 * a value). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cairo.h>
#include "date.h"
#include "report.h"
#include "report_model.h"

static const struct report_column state_columns[] = {
	{ "campaign", "Campagne", REPORT_COLUMN_TEXT, -1 },
	{ "passes_issued", "Pass émis", REPORT_COLUMN_COUNT, -1 },
	{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
	{ "passes_revoked", "Pass révoqués", REPORT_COLUMN_COUNT, -1 },
	{ "passes_expired", "Pass expirés", REPORT_COLUMN_COUNT, -1 },
	{ "passes_outstanding", "Pass en circulation", REPORT_COLUMN_COUNT, -1 },
	{ NULL, NULL, 0, 0 },
};

/* A one-row state table: values[i] over booklets[i], the row identity. */
static struct report_table *
state_table(struct report_doc *doc, const int64_t values[5], const int64_t booklets[5])
{
	struct report_table *t = report_doc_table(doc, "passes_state", "Situation", state_columns);
	int row;

	assert_non_null(t);
	t->groups = 1;
	t->group[0] = (struct report_group){ 5, { 1, 2, 3, 4, 5 } };
	row = report_table_row(t);
	assert_int_equal(row, 0);
	assert_int_equal(report_cell_text(report_table_cell(t, 0, 0), "n° 1"), 0);
	for (size_t i = 0; i < 5; i++)
		report_cell_count(report_table_cell(t, 0, i + 1), values[i], booklets[i], NULL);
	return t;
}

static struct report_doc
doc_new(void)
{
	return (struct report_doc){ .kind = "funder", .threshold = 11, .suppress = true };
}

/* The issue's case: issued 20, redeemed 2 (1 booklet), revoked 0, expired
 * 0, in circulation 18: hiding only the 2 would leave 20 - 0 - 0 - 18. */
static void
test_issue_case(void **state)
{
	struct report_doc doc = doc_new();
	struct report_table *t = state_table(&doc, (int64_t[]){ 20, 2, 0, 0, 18 },
	    (int64_t[]){ 20, 1, 0, 0, 19 });

	(void)state;
	report_suppress(&doc);
	assert_false(report_table_hidden(t, 0, 1));
	assert_true(report_table_hidden(t, 0, 2));
	assert_false(report_table_hidden(t, 0, 3)); /* 0 is shown */
	assert_false(report_table_hidden(t, 0, 4));
	assert_true(report_table_hidden(t, 0, 5));  /* the smallest other that is not 0 */
	report_doc_clear(&doc);
}

/* Hidden by booklets, whatever the passes: 40 passes of 4 booklets are
 * hidden, 11 passes of 11 booklets are not; 0 is 0. */
static void
test_by_booklets(void **state)
{
	struct report_doc doc = doc_new();
	struct report_table *t = state_table(&doc, (int64_t[]){ 100, 40, 0, 0, 11 },
	    (int64_t[]){ 30, 4, 0, 0, 11 });

	(void)state;
	report_suppress(&doc);
	assert_true(report_table_hidden(t, 0, 2));
	/* 11 is shown by itself, but hidden second: the smallest other. */
	assert_true(report_table_hidden(t, 0, 5));
	assert_false(report_table_hidden(t, 0, 1));
	assert_false(report_table_hidden(t, 0, 3));
	report_doc_clear(&doc);
	doc = doc_new();
	t = state_table(&doc, (int64_t[]){ 100, 12, 0, 0, 88 }, (int64_t[]){ 30, 11, 0, 0, 30 });
	report_suppress(&doc);
	for (size_t c = 1; c <= 5; c++)
		assert_false(report_table_hidden(t, 0, c));
	report_doc_clear(&doc);
}

/* A column with a total row, and the same quantity in another table by key:
 * one hidden cell in the column takes a second; the key carries it over. */
static void
test_columns_and_keys(void **state)
{
	static const struct report_column columns[] = {
		{ "month", "Mois", REPORT_COLUMN_TEXT, -1 },
		{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
		{ "redeemed_cents", "Valeur", REPORT_COLUMN_MONEY, 1 },
		{ NULL, NULL, 0, 0 },
	};
	struct report_doc doc = doc_new();
	struct report_table *t = report_doc_table(&doc, "months", "Par mois", columns);
	struct report_table *u = report_doc_table(&doc, "other", "Ailleurs", columns);
	const int64_t values[] = { 50, 3, 30, 83 }, booklets[] = { 20, 2, 15, 37 };

	(void)state;
	assert_non_null(t);
	assert_non_null(u);
	t->total_row = true;
	for (int r = 0; r < 4; r++) {
		assert_int_equal(report_table_row(t), r);
		report_cell_count(report_table_cell(t, (size_t)r, 1), values[r], booklets[r],
		    r == 0 ? "m0" : NULL);
		report_table_cell(t, (size_t)r, 2)->value = values[r] * 100;
	}
	assert_int_equal(report_table_row(u), 0);
	report_cell_count(report_table_cell(u, 0, 1), 50, 20, "m0");
	report_suppress(&doc);
	assert_true(report_table_hidden(t, 1, 1));
	assert_true(report_table_hidden(t, 2, 1));  /* 30 < 50 < 83 */
	assert_true(report_table_hidden(t, 2, 2));  /* money follows */
	assert_false(report_table_hidden(t, 0, 1));
	assert_false(report_table_hidden(t, 3, 1));
	assert_false(report_table_hidden(u, 0, 1));
	report_doc_clear(&doc);
}

/* Two campaigns of 10 and 5 euros, both counts hidden (15 and 4 passes):
 * the total count 19 and a total amount of 170 euros would give 15 and 4
 * back, so the total amount is hidden too. */
static void
test_money_total(void **state)
{
	static const struct report_column columns[] = {
		{ "campaign", "Campagne", REPORT_COLUMN_TEXT, -1 },
		{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
		{ "redeemed_cents", "Valeur", REPORT_COLUMN_MONEY, 1 },
		{ NULL, NULL, 0, 0 },
	};
	struct report_doc doc = doc_new();
	struct report_table *t = report_doc_table(&doc, "campaigns", "Par campagne", columns);
	const int64_t values[] = { 15, 4, 19 }, booklets[] = { 12, 2, 14 };
	const int64_t cents[] = { 15000, 2000, 17000 };

	(void)state;
	assert_non_null(t);
	t->total_row = true;
	for (int r = 0; r < 3; r++) {
		assert_int_equal(report_table_row(t), r);
		report_cell_count(report_table_cell(t, (size_t)r, 1), values[r], booklets[r], NULL);
		report_table_cell(t, (size_t)r, 2)->value = cents[r];
	}
	report_suppress(&doc);
	assert_true(report_table_hidden(t, 0, 1));
	assert_true(report_table_hidden(t, 1, 1));
	assert_false(report_table_hidden(t, 2, 1));
	assert_true(report_table_hidden(t, 2, 2));
	report_doc_clear(&doc);
}

/* Groups across tables: the total of a month over campaigns. */
static void
test_key_groups(void **state)
{
	static const struct report_column columns[] = {
		{ "passes", "Pass", REPORT_COLUMN_COUNT, -1 },
		{ NULL, NULL, 0, 0 },
	};
	struct report_doc doc = doc_new();
	struct report_table *t = report_doc_table(&doc, "all", "Tout", columns);
	struct report_table *a = report_doc_table(&doc, "a", "A", columns);
	struct report_table *b = report_doc_table(&doc, "b", "B", columns);
	struct report_key_group *g = report_doc_key_group(&doc);

	(void)state;
	assert_non_null(g);
	assert_int_equal(report_table_row(t) | report_table_row(a) | report_table_row(b), 0);
	report_cell_count(report_table_cell(t, 0, 0), 25, 20, "all");
	report_cell_count(report_table_cell(a, 0, 0), 20, 15, "a");
	report_cell_count(report_table_cell(b, 0, 0), 5, 5, "b");
	assert_int_equal(report_key_group_add(g, "all"), 0);
	assert_int_equal(report_key_group_add(g, "%s", "a"), 0);
	assert_int_equal(report_key_group_add(g, "b"), 0);
	report_suppress(&doc);
	assert_true(report_table_hidden(b, 0, 0));
	assert_true(report_table_hidden(a, 0, 0));
	assert_false(report_table_hidden(t, 0, 0));
	report_doc_clear(&doc);
}

static void
test_periods(void **state)
{
	struct report_period p;
	struct error e;
	char first[DATE_FORMAT_SIZE], last[DATE_FORMAT_SIZE];
	static const char *const refused[] = { "2027-04-01", "2027-13", "2027-00", "2027-Q0",
		"2027-Q5", "27-04", "2027-04..2027-05", "2027-W14", "", "2027-q1", "X027" };

	(void)state;
	assert_int_equal(report_period_parse("2027-Q1", &p, &e), 0);
	date_format(p.first, first), date_format(p.last, last);
	assert_string_equal(first, "2027-01-01");
	assert_string_equal(last, "2027-03-31");
	assert_int_equal(report_period_parse("2028-02", &p, &e), 0);
	date_format(p.last, last);
	assert_string_equal(last, "2028-02-29");
	assert_int_equal(report_period_parse("2027", &p, &e), 0);
	date_format(p.last, last);
	assert_string_equal(last, "2027-12-31");
	for (size_t i = 1; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (report_period_parse(refused[i], &p, &e) == 0)
			fail_msg("period \"%s\" accepted", refused[i]);
		assert_string_equal(e.code, "BAD_PERIOD");
	}
	assert_int_not_equal(report_period_parse(refused[0], &p, &e), 0);
}

/* CSV: BOM, ';', decimal comma, "< 11" for a hidden cell, quoted ';'. */
static void
test_csv(void **state)
{
	struct report_doc doc = doc_new();
	struct report_table *t = state_table(&doc, (int64_t[]){ 20, 2, 0, 0, 18 },
	    (int64_t[]){ 20, 1, 0, 0, 19 });
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct error e;

	(void)state;
	(void)t;
	snprintf(doc.title, sizeof(doc.title), "Rapport ; test");
	snprintf(doc.period, sizeof(doc.period), "2027-04");
	report_doc_term(&doc, "Pass", "un pass.");
	report_suppress(&doc);
	assert_non_null(f);
	assert_int_equal(report_write(&doc, REPORT_CSV, f, &e), 0);
	fclose(f);
	assert_memory_equal(text, "\xEF\xBB\xBF\"Rapport ; test\"\r\n", 21);
	assert_non_null(strstr(text, "n° 1;20;< 11;0;0;< 11\r\n"));
	assert_non_null(strstr(text, "Glossaire\r\nPass;un pass.\r\n"));
	free(text);
	report_doc_clear(&doc);
}

static const struct report_column month_columns[] = {
	{ "month", "Mois", REPORT_COLUMN_TEXT, -1 },
	{ "booklets_handed_out", "Carnets remis", REPORT_COLUMN_COUNT, -1 },
	{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
	{ NULL, NULL, 0, 0 },
};

/* Whether a pixel of the bars' blue lies in columns [x0, x1) of s; counts
 * in *gray the gray pixels (the hatching's) of rows [gray_y0, gray_y1). */
static bool
chart_blue_in(cairo_surface_t *s, int x0, int x1, int *gray, int gray_y0, int gray_y1)
{
	unsigned char *data = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s), h = cairo_image_surface_get_height(s);
	bool blue = false;

	for (int y = 0; y < h; y++)
		for (int x = x0; x < x1; x++) {
			uint32_t px = *(uint32_t *)(data + y * stride + x * 4);
			int r = (px >> 16) & 0xff, g = (px >> 8) & 0xff, b = px & 0xff;

			if (b > r + 60 && b > 120)
				blue = true;
			if (r == g && g == b && r > 60 && r < 200 && y >= gray_y0 && y < gray_y1)
				(*gray)++;
		}
	return blue;
}

/* The chart: shown cells are bars, a hidden one is never drawn as a value
 * (no filled bar in its slot, a hatched box instead); the SVG form is one
 * <svg> element with no URL and no cairo surface id. */
static void
test_chart(void **state)
{
	struct report_doc doc = doc_new();
	struct report_table *t = report_doc_table(&doc, "months_all", "Par mois", month_columns);
	static const int64_t values[] = { 40, 5, 20, 65 }, booklets[] = { 30, 3, 15, 48 };
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 480, 200);
	cairo_t *cr = cairo_create(s);
	int gray[3] = { 0 };
	char *svg = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(t);
	t->total_row = true;
	t->chart_column = 2;
	snprintf(t->chart_title, sizeof(t->chart_title), "Pass utilisés par mois");
	for (int r = 0; r < 4; r++) {
		assert_int_equal(report_table_row(t), r);
		report_cell_text(report_table_cell(t, (size_t)r, 0), r == 3 ? "Total" : "2027-0x");
		report_cell_count(report_table_cell(t, (size_t)r, 2), values[r], booklets[r], NULL);
	}
	report_suppress(&doc);
	assert_true(report_table_hidden(t, 1, 2));
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	report_chart_draw(cr, &doc, t, 480, 200);
	cairo_surface_flush(s);
	/* three bars in 480 - 36 points: slots of 148; the axis at y 172, the
	 * plot 146 high, scaled to 40: the hidden box 11/40 of it (y 132..172) */
	assert_true(chart_blue_in(s, 36, 36 + 148, &gray[0], 0, 0));
	assert_false(chart_blue_in(s, 36 + 148, 36 + 2 * 148, &gray[1], 136, 170));
	assert_true(gray[1] > 20);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	f = open_memstream(&svg, &len);
	assert_non_null(f);
	assert_int_equal(report_chart_svg(&doc, t, f), 0);
	fclose(f);
	assert_true(strncmp(svg, "<svg", 4) == 0);
	assert_null(strstr(svg, "http"));
	assert_null(strstr(svg, "id=\"surface"));
	assert_non_null(strstr(svg, "</svg>"));
	free(svg);
	report_doc_clear(&doc);
}

static const struct report_column ratio_columns[] = {
	{ "group", "Groupe", REPORT_COLUMN_TEXT, -1 },
	{ "never_started_pct", "Jamais commencés (%)", REPORT_COLUMN_TENTHS, -1 },
	{ "median_days", "Jours (médiane)", REPORT_COLUMN_TENTHS, -1 },
	{ NULL, NULL, 0, 0 },
};

/* Ratios (tenths) are hidden by the booklets they are computed over, even
 * at 0 (0 % of 5 booklets says something about 5 people); an absent ratio
 * (nothing to compute it over) reads "—" and JSON null. */
static void
test_ratios(void **state)
{
	struct report_doc doc = doc_new();
	struct report_table *t = report_doc_table(&doc, "indicators", "Indicateurs", ratio_columns);
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct error e;
	json_t *json;

	(void)state;
	assert_non_null(t);
	for (int r = 0; r < 3; r++)
		assert_int_equal(report_table_row(t), r);
	report_cell_text(report_table_cell(t, 0, 0), "petit");
	report_cell_count(report_table_cell(t, 0, 1), 0, 5, NULL);
	report_cell_count(report_table_cell(t, 0, 2), 35, 5, NULL);
	report_cell_text(report_table_cell(t, 1, 0), "grand");
	report_cell_count(report_table_cell(t, 1, 1), 425, 40, NULL);
	report_cell_count(report_table_cell(t, 1, 2), 20, 12, NULL);
	report_cell_text(report_table_cell(t, 2, 0), "vide");
	report_table_cell(t, 2, 1)->absent = true;
	report_table_cell(t, 2, 2)->absent = true;
	report_suppress(&doc);
	assert_true(report_table_hidden(t, 0, 1));
	assert_true(report_table_hidden(t, 0, 2));
	assert_false(report_table_hidden(t, 1, 1));
	assert_non_null(f);
	assert_int_equal(report_write(&doc, REPORT_CSV, f, &e), 0);
	fclose(f);
	assert_non_null(strstr(text, "petit;< 11;< 11\r\n"));
	assert_non_null(strstr(text, "grand;42,5;2\r\n"));
	assert_non_null(strstr(text, "vide;—;—\r\n"));
	json = report_doc_json(&doc);
	assert_non_null(json);
	t = NULL;
	{
		json_t *rows = json_object_get(json_array_get(json_object_get(json, "tables"), 0),
		    "rows");

		assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0),
		    "never_started_pct")), "< 11");
		assert_true(json_real_value(json_object_get(json_array_get(rows, 1),
		    "never_started_pct")) == 42.5);
		assert_true(json_is_null(json_object_get(json_array_get(rows, 2), "median_days")));
	}
	json_decref(json);
	free(text);
	report_doc_clear(&doc);
}

static const struct report_column rate_columns[] = {
	{ "department", "Département", REPORT_COLUMN_TEXT, -1 },
	{ "passes_redeemed", "Pass utilisés", REPORT_COLUMN_COUNT, -1 },
	{ "population", "Population", REPORT_COLUMN_COUNT, -1 },
	{ "people_per_1000", "Pour 1 000 habitants", REPORT_COLUMN_TENTHS, 1 },
	{ NULL, NULL, 0, 0 },
};

/* A rate that follows its count is hidden with it, also when the count is
 * hidden by the secondary rule (12 booklets: its rate and the public
 * population would give the count back); the population is never hidden;
 * the JSON writes tenths as decimals. */
static void
test_rate_follows_count(void **state)
{
	static const char *const names[] = { "23", "48", "90", "Total" };
	static const int64_t passes[] = { 12, 17, 3, 32 }, pop[] = { 115527, 76486, 140255, 0 };
	struct report_doc doc = doc_new();
	struct report_table *t = report_doc_table(&doc, "departments", "Par département", rate_columns);
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct error e;

	(void)state;
	assert_non_null(t);
	t->total_row = true;
	for (int r = 0; r < 4; r++) {
		assert_int_equal(report_table_row(t), r);
		report_cell_text(report_table_cell(t, (size_t)r, 0), names[r]);
		report_cell_count(report_table_cell(t, (size_t)r, 1), passes[r], passes[r], NULL);
		if (r == 3) {
			report_table_cell(t, 3, 2)->absent = report_table_cell(t, 3, 3)->absent = true;
			continue;
		}
		report_cell_count(report_table_cell(t, (size_t)r, 2), pop[r], -1, NULL);
		report_cell_count(report_table_cell(t, (size_t)r, 3),
		    (passes[r] * 10000 + pop[r] / 2) / pop[r], passes[r], NULL);
	}
	report_suppress(&doc);
	assert_true(report_table_hidden(t, 2, 1));  /* 3 booklets */
	assert_true(report_table_hidden(t, 2, 3));
	assert_true(report_table_hidden(t, 0, 1));  /* 12: the secondary rule */
	assert_false(report_table_cell(t, 0, 3)->hidden);
	assert_true(report_table_hidden(t, 0, 3));  /* its rate with it */
	assert_false(report_table_hidden(t, 1, 3));
	assert_false(report_table_hidden(t, 0, 2)); /* populations shown */
	assert_false(report_table_hidden(t, 2, 2));
	assert_non_null(f);
	assert_int_equal(report_write(&doc, REPORT_JSON, f, &e), 0);
	fclose(f);
	assert_non_null(strstr(text, "\"people_per_1000\": 0.2\n"));
	assert_null(strstr(text, "0.2000"));
	assert_non_null(strstr(text, "\"population\": 115527,"));
	free(text);
	report_doc_clear(&doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_case),
		cmocka_unit_test(test_by_booklets),
		cmocka_unit_test(test_columns_and_keys),
		cmocka_unit_test(test_key_groups),
		cmocka_unit_test(test_money_total),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_chart),
		cmocka_unit_test(test_ratios),
		cmocka_unit_test(test_rate_follows_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
