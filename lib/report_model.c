#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_model.h"

struct report_table *
report_doc_table(struct report_doc *doc, const char *key, const char *title,
    const struct report_column *columns)
{
	struct report_table **grown = realloc(doc->table, (doc->tables + 1) * sizeof(*grown));
	struct report_table *t;

	if (grown == NULL)
		return NULL;
	doc->table = grown;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	doc->table[doc->tables++] = t;
	snprintf(t->key, sizeof(t->key), "%s", key);
	snprintf(t->title, sizeof(t->title), "%s", title);
	while (t->columns < REPORT_COLUMNS_MAX && columns[t->columns].key != NULL) {
		t->column[t->columns] = columns[t->columns];
		t->columns++;
	}
	return t;
}

int
report_table_row(struct report_table *t)
{
	if (t->rows == t->capacity) {
		size_t capacity = t->capacity == 0 ? 16 : t->capacity * 2;
		struct report_cell *grown = realloc(t->cells, capacity * t->columns * sizeof(*grown));

		if (grown == NULL)
			return -1;
		t->cells = grown;
		t->capacity = capacity;
	}
	memset(&t->cells[t->rows * t->columns], 0, t->columns * sizeof(*t->cells));
	for (size_t i = 0; i < t->columns; i++)
		t->cells[t->rows * t->columns + i].booklets = -1;
	return (int)t->rows++;
}

struct report_cell *
report_table_cell(struct report_table *t, size_t row, size_t col)
{
	return &t->cells[row * t->columns + col];
}

int
report_cell_text(struct report_cell *c, const char *text)
{
	free(c->text);
	c->text = strdup(text);
	return c->text == NULL ? -1 : 0;
}

void
report_cell_count(struct report_cell *c, int64_t value, int64_t booklets, const char *key)
{
	c->value = value;
	c->booklets = booklets;
	snprintf(c->key, sizeof(c->key), "%s", key != NULL ? key : "");
}

void
report_doc_term(struct report_doc *doc, const char *term, const char *definition)
{
	if (doc->glossary == REPORT_GLOSSARY_MAX)
		return;
	doc->term[doc->glossary] = term;
	doc->definition[doc->glossary++] = definition;
}

void
report_doc_note(struct report_doc *doc, const char *text)
{
	if (doc->notes < REPORT_NOTES_MAX)
		snprintf(doc->note[doc->notes++], sizeof(doc->note[0]), "%s", text);
}

/* Given n cells that sum, when exactly one is hidden hides the smallest
 * other (one not 0 when there is one). Returns whether it hid one. */
static bool
report_group_fix(struct report_cell **cell, size_t n)
{
	size_t hidden = 0, best = n;

	for (size_t i = 0; i < n; i++)
		hidden += cell[i]->hidden;
	if (hidden != 1 || n < 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (cell[i]->hidden)
			continue;
		if (best == n || (cell[best]->value == 0 && cell[i]->value != 0) ||
		    (cell[i]->value != 0 && cell[i]->value < cell[best]->value))
			best = i;
	}
	if (best == n)
		return false;
	cell[best]->hidden = true;
	return true;
}

/* One pass of the secondary rule over t's column (count and money) and row
 * groups. */
static bool
report_table_fix(struct report_table *t)
{
	struct report_cell *group[REPORT_COLUMNS_MAX];
	struct report_cell **column;
	bool changed = false;

	for (size_t r = 0; r < t->rows; r++)
		for (size_t g = 0; g < t->groups; g++) {
			for (size_t i = 0; i < t->group[g].count; i++)
				group[i] = report_table_cell(t, r, (size_t)t->group[g].cols[i]);
			changed |= report_group_fix(group, t->group[g].count);
		}
	if (!t->total_row || t->rows < 2 || (column = malloc(t->rows * sizeof(*column))) == NULL)
		return changed;
	/* money columns too: a total amount hidden by its key elsewhere (the
	 * campaigns' total) must not be the one shown amount of a single row */
	for (size_t c = 0; c < t->columns; c++) {
		if (t->column[c].kind != REPORT_COLUMN_COUNT && t->column[c].kind != REPORT_COLUMN_MONEY)
			continue;
		for (size_t r = 0; r < t->rows; r++)
			column[r] = report_table_cell(t, r, c);
		changed |= report_group_fix(column, t->rows);
	}
	free(column);
	return changed;
}

struct report_key_group *
report_doc_key_group(struct report_doc *doc)
{
	struct report_key_group *grown = realloc(doc->key_group,
	    (doc->key_groups + 1) * sizeof(*grown));

	if (grown == NULL)
		return NULL;
	doc->key_group = grown;
	memset(&grown[doc->key_groups], 0, sizeof(*grown));
	return &grown[doc->key_groups++];
}

int
report_key_group_add(struct report_key_group *g, const char *fmt, ...)
{
	char (*grown)[48] = realloc(g->key, (g->count + 1) * sizeof(*grown));
	va_list ap;

	if (grown == NULL)
		return -1;
	g->key = grown;
	va_start(ap, fmt);
	vsnprintf(g->key[g->count++], sizeof(*grown), fmt, ap);
	va_end(ap);
	return 0;
}

/* The first cell of doc with key, or NULL. */
static struct report_cell *
report_doc_find(struct report_doc *doc, const char *key)
{
	for (size_t a = 0; a < doc->tables; a++)
		for (size_t i = 0; i < doc->table[a]->rows * doc->table[a]->columns; i++)
			if (strcmp(doc->table[a]->cells[i].key, key) == 0)
				return &doc->table[a]->cells[i];
	return NULL;
}

/* The secondary rule over doc's key groups. */
static bool
report_key_groups_fix(struct report_doc *doc)
{
	bool changed = false;

	for (size_t g = 0; g < doc->key_groups; g++) {
		struct report_key_group *kg = &doc->key_group[g];
		struct report_cell **cell = calloc(kg->count + 1, sizeof(*cell));
		size_t n = 0;

		if (cell == NULL)
			continue;
		for (size_t i = 0; i < kg->count; i++)
			if ((cell[n] = report_doc_find(doc, kg->key[i])) != NULL)
				n++;
		changed |= report_group_fix(cell, n);
		free(cell);
	}
	return changed;
}

/* Hides every cell whose key is the key of a hidden cell. */
static bool
report_keys_fix(struct report_doc *doc)
{
	bool changed = false;

	for (size_t a = 0; a < doc->tables; a++)
		for (size_t i = 0; i < doc->table[a]->rows * doc->table[a]->columns; i++) {
			struct report_cell *h = &doc->table[a]->cells[i];

			if (!h->hidden || h->key[0] == '\0')
				continue;
			for (size_t b = 0; b < doc->tables; b++)
				for (size_t j = 0; j < doc->table[b]->rows * doc->table[b]->columns; j++) {
					struct report_cell *o = &doc->table[b]->cells[j];

					if (!o->hidden && strcmp(o->key, h->key) == 0)
						changed = o->hidden = true;
				}
		}
	return changed;
}

/* Money cells take their count's hiding; in a table with a total row, a
 * hidden amount hides the total's amount too (hidden counts of rows of
 * different face values could be solved from the total count and amount). */
static bool
report_money_fix(struct report_table *t)
{
	bool changed = false;

	for (size_t c = 0; c < t->columns; c++) {
		bool any = false;

		if (t->column[c].kind != REPORT_COLUMN_MONEY || t->column[c].follows < 0)
			continue;
		for (size_t r = 0; r < t->rows; r++) {
			struct report_cell *m = report_table_cell(t, r, c);

			if (!m->hidden && report_table_cell(t, r, (size_t)t->column[c].follows)->hidden)
				changed = m->hidden = true;
			if (r + 1 < t->rows)
				any |= m->hidden;
		}
		if (t->total_row && t->rows > 1 && any && !report_table_cell(t, t->rows - 1, c)->hidden)
			changed = report_table_cell(t, t->rows - 1, c)->hidden = true;
	}
	return changed;
}

void
report_suppress(struct report_doc *doc)
{
	bool changed = true;

	if (!doc->suppress)
		return;
	for (size_t a = 0; a < doc->tables; a++)
		for (size_t i = 0; i < doc->table[a]->rows * doc->table[a]->columns; i++) {
			struct report_cell *c = &doc->table[a]->cells[i];

			c->hidden = c->booklets >= 1 && c->booklets < doc->threshold && (c->value != 0 ||
			    doc->table[a]->column[i % doc->table[a]->columns].kind ==
			    REPORT_COLUMN_TENTHS);
		}
	while (changed) {
		changed = report_keys_fix(doc);
		changed |= report_key_groups_fix(doc);
		for (size_t a = 0; a < doc->tables; a++) {
			changed |= report_table_fix(doc->table[a]);
			changed |= report_money_fix(doc->table[a]);
		}
	}
}

bool
report_table_hidden(const struct report_table *t, size_t row, size_t col)
{
	const struct report_column *c = &t->column[col];

	if (t->cells[row * t->columns + col].hidden)
		return true;
	return (c->kind == REPORT_COLUMN_MONEY || c->kind == REPORT_COLUMN_TENTHS) &&
	    c->follows >= 0 && t->cells[row * t->columns + (size_t)c->follows].hidden;
}

void
report_doc_clear(struct report_doc *doc)
{
	for (size_t a = 0; a < doc->tables; a++) {
		for (size_t i = 0; i < doc->table[a]->rows * doc->table[a]->columns; i++)
			free(doc->table[a]->cells[i].text);
		free(doc->table[a]->cells);
		free(doc->table[a]);
	}
	free(doc->table);
	doc->table = NULL;
	doc->tables = 0;
	for (size_t g = 0; g < doc->key_groups; g++)
		free(doc->key_group[g].key);
	free(doc->key_group);
	doc->key_group = NULL;
	doc->key_groups = 0;
}
