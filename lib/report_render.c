/* Writing a report document: CSV for people (';', decimal comma, UTF-8
 * with BOM), JSON for machines, one self-contained printable HTML page
 * (charts as inline SVG, lib/report_chart.c), PDF (lib/report_pdf.c). */
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "money.h"
#include "report.h"
#include "report_model.h"

void
report_hidden_text(const struct report_doc *doc, char buf[24])
{
	snprintf(buf, 24, "< %lld", (long long)doc->threshold);
}

/* Writes cents as "1234,50" (no grouping, no sign of currency). */
static void
report_cents_fr(int64_t cents, char buf[32])
{
	int64_t a = cents < 0 ? -cents : cents;

	snprintf(buf, 32, "%s%lld,%02lld", cents < 0 ? "-" : "", (long long)(a / 100),
	    (long long)(a % 100));
}

void
report_cell_display(const struct report_doc *doc, const struct report_table *t, size_t row,
    size_t col, char *buf, size_t size)
{
	const struct report_cell *c = &t->cells[row * t->columns + col];
	char tmp[32];

	if (c->absent) {
		snprintf(buf, size, "—");
	} else if (t->column[col].kind != REPORT_COLUMN_TEXT && report_table_hidden(t, row, col)) {
		report_hidden_text(doc, tmp);
		snprintf(buf, size, "%s", tmp);
	} else if (t->column[col].kind == REPORT_COLUMN_COUNT) {
		snprintf(buf, size, "%lld", (long long)c->value);
	} else if (t->column[col].kind == REPORT_COLUMN_TENTHS && c->value % 10 == 0) {
		snprintf(buf, size, "%lld", (long long)(c->value / 10));
	} else if (t->column[col].kind == REPORT_COLUMN_TENTHS) {
		snprintf(buf, size, "%s%lld,%lld", c->value < 0 ? "-" : "",
		    (long long)(llabs(c->value) / 10), (long long)(llabs(c->value) % 10));
	} else if (t->column[col].kind == REPORT_COLUMN_MONEY) {
		report_cents_fr(c->value, tmp);
		snprintf(buf, size, "%s", tmp);
	} else {
		snprintf(buf, size, "%s", c->text != NULL ? c->text : "");
	}
}

/* A CSV field: quoted when it holds ';', '"' or a line break. */
static void
report_csv_field(FILE *f, const char *text, bool last)
{
	if (strpbrk(text, ";\"\r\n") != NULL) {
		fputc('"', f);
		for (const char *p = text; *p != '\0'; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	} else {
		fputs(text, f);
	}
	fputs(last ? "\r\n" : ";", f);
}

const char *
report_status_fr(const struct report_doc *doc)
{
	return doc->provisional ? "provisoire (période en cours)" : "définitif (période close)";
}

static void
report_write_csv(const struct report_doc *doc, FILE *f)
{
	char buf[4096], first[DATE_FORMAT_SIZE], last[DATE_FORMAT_SIZE];

	date_format(doc->first_day, first);
	date_format(doc->last_day, last);
	fputs("\xEF\xBB\xBF", f);
	report_csv_field(f, doc->title, true);
	report_csv_field(f, "Concerne", false), report_csv_field(f, doc->subject, true);
	snprintf(buf, sizeof(buf), "%s (du %s au %s)", doc->period, first, last);
	report_csv_field(f, "Période", false), report_csv_field(f, buf, true);
	report_csv_field(f, "Statut", false), report_csv_field(f, report_status_fr(doc), true);
	for (size_t i = 0; i < doc->notes; i++)
		report_csv_field(f, "Note", false), report_csv_field(f, doc->note[i], true);
	for (size_t a = 0; a < doc->tables; a++) {
		const struct report_table *t = doc->table[a];

		fputs("\r\n", f);
		report_csv_field(f, t->title, true);
		for (size_t c = 0; c < t->columns; c++)
			report_csv_field(f, t->column[c].label, c + 1 == t->columns);
		for (size_t r = 0; r < t->rows; r++)
			for (size_t c = 0; c < t->columns; c++) {
				report_cell_display(doc, t, r, c, buf, sizeof(buf));
				report_csv_field(f, buf, c + 1 == t->columns);
			}
	}
	fputs("\r\n", f);
	report_csv_field(f, "Glossaire", true);
	for (size_t i = 0; i < doc->glossary; i++)
		report_csv_field(f, doc->term[i], false), report_csv_field(f, doc->definition[i], true);
}

static void
report_html_text(FILE *f, const char *text)
{
	for (const char *p = text; *p != '\0'; p++)
		switch (*p) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*p, f);
		}
}

static const char report_css[] =
    "body{font-family:sans-serif;margin:2em;color:#111}"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #999;padding:.2em .5em}td.n{text-align:right}"
    "tr.total td{font-weight:bold}.provisoire{color:#a00;font-weight:bold}"
    "figure.chart{margin:.5em 0}figure.chart svg{max-width:100%;height:auto}"
    "@media print{body{margin:0}h2{page-break-after:avoid}}";

static void
report_html_table(const struct report_doc *doc, const struct report_table *t, FILE *f)
{
	char buf[4096];

	fputs("<h2>", f), report_html_text(f, t->title), fputs("</h2>\n<table><tr>", f);
	for (size_t c = 0; c < t->columns; c++)
		fputs("<th>", f), report_html_text(f, t->column[c].label), fputs("</th>", f);
	fputs("</tr>\n", f);
	for (size_t r = 0; r < t->rows; r++) {
		fputs(t->total_row && r + 1 == t->rows ? "<tr class=\"total\">" : "<tr>", f);
		for (size_t c = 0; c < t->columns; c++) {
			report_cell_display(doc, t, r, c, buf, sizeof(buf));
			fputs(t->column[c].kind == REPORT_COLUMN_TEXT ? "<td>" : "<td class=\"n\">", f);
			report_html_text(f, buf), fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (t->chart_column > 0) {
		fputs("<figure class=\"chart\" role=\"img\" aria-label=\"", f);
		report_html_text(f, t->chart_title);
		fputs("\">", f);
		report_chart_svg(doc, t, f);
		fputs("</figure>\n", f);
	}
}

static void
report_write_html(const struct report_doc *doc, FILE *f)
{
	char first[DATE_FORMAT_FR_SIZE], last[DATE_FORMAT_FR_SIZE];

	date_format_fr(doc->first_day, first);
	date_format_fr(doc->last_day, last);
	fputs("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>", f);
	report_html_text(f, doc->title);
	fprintf(f, "</title><style>%s</style></head><body>\n<h1>", report_css);
	report_html_text(f, doc->title), fputs("</h1>\n<p>", f);
	report_html_text(f, doc->subject);
	fprintf(f, "</p>\n<p>Période %s : du %s au %s — <span class=\"%s\">%s</span></p>\n",
	    doc->period, first, last, doc->provisional ? "provisoire" : "definitif",
	    report_status_fr(doc));
	for (size_t i = 0; i < doc->notes; i++)
		fputs("<p>", f), report_html_text(f, doc->note[i]), fputs("</p>\n", f);
	for (size_t a = 0; a < doc->tables; a++)
		report_html_table(doc, doc->table[a], f);
	fputs("<h2>Glossaire</h2>\n<dl>", f);
	for (size_t i = 0; i < doc->glossary; i++) {
		fputs("<dt>", f), report_html_text(f, doc->term[i]), fputs("</dt><dd>", f);
		report_html_text(f, doc->definition[i]), fputs("</dd>", f);
	}
	fputs("</dl>\n</body></html>\n", f);
}

/* One row of t as a JSON object keyed by column keys. */
static json_t *
report_row_json(const struct report_doc *doc, const struct report_table *t, size_t r)
{
	json_t *row = json_object();
	char hidden[24];

	report_hidden_text(doc, hidden);
	for (size_t c = 0; c < t->columns; c++) {
		const struct report_cell *cell = &t->cells[r * t->columns + c];
		json_t *v;

		if (t->column[c].kind == REPORT_COLUMN_TEXT)
			v = json_string(cell->text != NULL ? cell->text : "");
		else if (cell->absent)
			v = json_null();
		else if (report_table_hidden(t, r, c))
			v = json_string(hidden);
		else if (t->column[c].kind == REPORT_COLUMN_TENTHS)
			v = json_real((double)cell->value / 10.0);
		else
			v = json_integer(cell->value);
		json_object_set_new(row, t->column[c].key, v);
	}
	return row;
}

json_t *
report_doc_json(const struct report_doc *doc)
{
	char first[DATE_FORMAT_SIZE], last[DATE_FORMAT_SIZE];
	json_t *tables = json_array(), *glossary = json_array(), *notes = json_array(), *j;

	date_format(doc->first_day, first);
	date_format(doc->last_day, last);
	for (size_t a = 0; a < doc->tables; a++) {
		const struct report_table *t = doc->table[a];
		json_t *rows = json_array();

		for (size_t r = 0; r < t->rows; r++)
			json_array_append_new(rows, report_row_json(doc, t, r));
		json_array_append_new(tables, json_pack("{s:s, s:s, s:b, s:o}", "key", t->key, "title",
		    t->title, "total_row", t->total_row, "rows", rows));
	}
	for (size_t i = 0; i < doc->notes; i++)
		json_array_append_new(notes, json_string(doc->note[i]));
	for (size_t i = 0; i < doc->glossary; i++)
		json_array_append_new(glossary, json_pack("{s:s, s:s}", "term", doc->term[i],
		    "definition", doc->definition[i]));
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:o, s:o, s:o}", "report",
	    doc->kind, "title", doc->title, "subject", doc->subject, "period", doc->period,
	    "first_day", first, "last_day", last, "provisional", doc->provisional,
	    "small_cell_threshold", (json_int_t)doc->threshold, "notes", notes, "tables", tables,
	    "glossary", glossary);
	if (j != NULL && doc->population_source != NULL)
		json_object_set_new(j, "population_source", json_string(doc->population_source));
	return j;
}

int
report_write(const struct report_doc *doc, enum report_format format, FILE *f, struct error *e)
{
	json_t *j;

	if (format == REPORT_CSV) {
		report_write_csv(doc, f);
	} else if (format == REPORT_PDF) {
		if (report_write_pdf(doc, f) != 0)
			return error_set(e, 500, "WRITE_FAILED", "cannot write the report");
	} else if (format == REPORT_HTML) {
		report_write_html(doc, f);
	} else {
		j = report_doc_json(doc);
		/* 15 digits: a value in tenths prints as its decimal (0.2, not
		 * 0.20000000000000001) */
		if (j == NULL || json_dumpf(j, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
		    JSON_REAL_PRECISION(15)) != 0) {
			json_decref(j);
			return error_set(e, 500, "WRITE_FAILED", "cannot write the report");
		}
		json_decref(j);
		fputc('\n', f);
	}
	if (ferror(f))
		return error_set(e, 500, "WRITE_FAILED", "cannot write the report");
	return 0;
}

void
report_doc_free(struct report_doc *doc)
{
	if (doc == NULL)
		return;
	report_doc_clear(doc);
	free(doc);
}
