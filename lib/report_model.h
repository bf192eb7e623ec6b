/* The model every report is built into before it is written (CSV, JSON,
 * HTML): a document of titled tables whose count cells carry the number
 * of booklets behind them, and the small-cell suppression that runs over
 * the whole document. Private to lib/report*.c and their unit test. */
#ifndef PASSNUM_REPORT_MODEL_H
#define PASSNUM_REPORT_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "error.h"

#define REPORT_COLUMNS_MAX 12
#define REPORT_GROUPS_MAX 2
#define REPORT_NOTES_MAX 8
#define REPORT_GLOSSARY_MAX 24

enum report_column_kind {
	REPORT_COLUMN_TEXT,  /* a label: month, campaign, code list */
	REPORT_COLUMN_COUNT, /* an integer, subject to suppression when its cell has booklets >= 0 */
	REPORT_COLUMN_MONEY, /* cents; hidden with the count column it follows */
	REPORT_COLUMN_TENTHS, /* a ratio or a median in tenths (425: 42,5); hidden, even at 0,
	                       * when its booklets are 1 .. threshold-1, and with the count
	                       * column it follows (a rate per 1,000 inhabitants) */
};

struct report_column {
	const char *key;   /* JSON key (money keys end in _cents) */
	const char *label; /* French header */
	enum report_column_kind kind;
	int follows;       /* money, tenths: index of the count column whose hiding it takes; -1 */
};

struct report_cell {
	char *text;        /* text columns (owned) */
	int64_t value;     /* count or cents */
	int64_t booklets;  /* booklets behind a count; -1: never hidden */
	bool hidden;
	bool absent;       /* not computed (no booklets to compute it over): "—", JSON null */
	char key[48];      /* the same quantity elsewhere in the document ("" none) */
};

/* A linear identity across the columns of each row: the cells of cols sum
 * (first = sum of the others), so one hidden cell alone could be recomputed. */
struct report_group {
	size_t count;
	int cols[REPORT_COLUMNS_MAX];
};

/* Cells in several tables that sum (a total across campaigns of the cells
 * of each campaign), named by their keys. */
struct report_key_group {
	size_t count;
	char (*key)[48]; /* owned */
};

struct report_table {
	char key[40];
	char title[200];
	size_t columns;
	struct report_column column[REPORT_COLUMNS_MAX];
	size_t rows, capacity;
	struct report_cell *cells; /* rows * columns */
	bool total_row;            /* the last row is each count column's sum */
	size_t groups;
	struct report_group group[REPORT_GROUPS_MAX];
	int chart_column;          /* > 0: a bar chart of this count column by row (total row
	                            * left out) follows the table; 0: none */
	char chart_title[120];
};

struct report_doc {
	const char *kind;          /* funder, payee, place, distributor */
	char title[300];
	char subject[300];         /* who it is about (public names only) */
	char period[8];
	int32_t first_day, last_day;
	bool provisional;
	int64_t threshold;
	bool suppress;             /* funder reports: small cells hidden */
	const char *population_source; /* the vintage of the populations of its rates
	                                * (static), JSON population_source; NULL: none */
	size_t notes;
	char note[REPORT_NOTES_MAX][300];
	size_t glossary;
	const char *term[REPORT_GLOSSARY_MAX], *definition[REPORT_GLOSSARY_MAX];
	size_t tables;
	struct report_table **table; /* owned, each table too */
	size_t key_groups;
	struct report_key_group *key_group; /* owned */
};

/* Adds an empty table (columns given as a NULL-key-terminated array) to
 * doc; returns it (owned by doc), or NULL when out of memory. */
struct report_table *report_doc_table(struct report_doc *doc, const char *key, const char *title,
    const struct report_column *columns);

/* Appends a row of zero/empty cells to t; returns its index, or -1. */
int report_table_row(struct report_table *t);

/* The cell at (row, col) of t. */
struct report_cell *report_table_cell(struct report_table *t, size_t row, size_t col);

/* Sets the text of a text cell (copied). Returns 0 or -1. */
int report_cell_text(struct report_cell *c, const char *text);

/* Sets a count cell: value, booklets behind it (-1: never hidden) and the
 * key of the same quantity elsewhere (NULL: none). */
void report_cell_count(struct report_cell *c, int64_t value, int64_t booklets, const char *key);

/* Appends a glossary entry and a note (static strings / copied text). */
void report_doc_term(struct report_doc *doc, const char *term, const char *definition);
void report_doc_note(struct report_doc *doc, const char *text);

/* Adds an empty key group to doc; returns it, or NULL. */
struct report_key_group *report_doc_key_group(struct report_doc *doc);

/* Adds a key (formatted) to g. Returns 0 or -1. */
int report_key_group_add(struct report_key_group *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Hides the small cells of doc (1 .. threshold-1 booklets, 0 shown), then
 * hides more until none can be recomputed: in every group of cells that
 * sum (a column with a total row, a row identity), one hidden cell alone
 * takes a second one (the smallest other, preferring one not 0); the same
 * key is hidden everywhere; money follows its count, and a hidden amount
 * hides its table's total amount. */
void report_suppress(struct report_doc *doc);

/* Whether cell col of row is hidden (money, tenths: also its count's state). */
bool report_table_hidden(const struct report_table *t, size_t row, size_t col);

/* The text of cell (row, col) of t for people: « < 11 » when hidden, a
 * count, an amount "1234,50", or the text. */
void report_cell_display(const struct report_doc *doc, const struct report_table *t, size_t row,
    size_t col, char *buf, size_t size);

/* "< 11" for doc's threshold. */
void report_hidden_text(const struct report_doc *doc, char buf[24]);

/* « provisoire (période en cours) » or « définitif (période close) ». */
const char *report_status_fr(const struct report_doc *doc);

struct _cairo;

/* Draws the bar chart of t (t->chart_column by row, the total row left
 * out) into the width x height box at the origin of cr: a bar per row with
 * its value above it; a hidden cell is a hatched box the height of the
 * threshold labelled « < 11 », never its value. French labels. */
void report_chart_draw(struct _cairo *cr, const struct report_doc *doc,
    const struct report_table *t, double width, double height);

/* The chart's size in points. */
#define REPORT_CHART_WIDTH 480.0
#define REPORT_CHART_HEIGHT 200.0

/* Writes t's chart to f as one inline <svg> element (the glyph ids are
 * cairo's: one chart per page; no XML declaration,
 * no namespace URL, no external reference). Returns 0 or -1. */
int report_chart_svg(const struct report_doc *doc, const struct report_table *t, FILE *f);

/* Writes doc to f as an A4 PDF (the HTML's content: tables with page
 * breaks, charts, glossary). Returns 0 or -1. */
int report_write_pdf(const struct report_doc *doc, FILE *f);

/* Frees what doc owns (not doc itself). */
void report_doc_clear(struct report_doc *doc);

#endif
