/* A report as an A4 PDF through cairo: the HTML page's content (title,
 * subject, period and status, notes, each table with its chart, the
 * glossary), tables broken across pages with their header repeated, a
 * footer on every page. The cells' text is report_cell_display's, so the
 * PDF carries the CSV's and the HTML's figures. */
#include <stdlib.h>
#include <string.h>
#include <cairo.h>
#include <cairo-pdf.h>
#include "date.h"
#include "report_model.h"
#include "utf8.h"

#define PDF_WIDTH 595.276 /* A4 in points */
#define PDF_HEIGHT 841.89
#define PDF_MARGIN 48.0
#define PDF_BOTTOM (PDF_HEIGHT - PDF_MARGIN - 14.0) /* above the footer */
#define PDF_TEXT_WIDTH (PDF_WIDTH - 2 * PDF_MARGIN)
#define PDF_CELL_PAD 3.0
#define PDF_CELL_SIZE 8.0
#define PDF_CELL_LINE 10.0

struct pdf {
	cairo_t *cr;
	const struct report_doc *doc;
	double y;  /* baseline of the next line */
	int page;
};

static void
pdf_font(struct pdf *p, bool bold, double size)
{
	cairo_select_font_face(p->cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(p->cr, size);
}

/* cairo stays in error after invalid UTF-8: a short label that is not
 * valid is drawn as "?"; wrapped text is copied with U+FFFD for bad bytes. */
static const char *
pdf_safe(const char *s)
{
	return s != NULL && utf8_valid(s, strlen(s)) ? s : "?";
}

static double
pdf_width(struct pdf *p, const char *s)
{
	cairo_text_extents_t ext;

	cairo_text_extents(p->cr, pdf_safe(s), &ext);
	return ext.x_advance;
}

static void
pdf_show(struct pdf *p, double x, double y, const char *s)
{
	cairo_move_to(p->cr, x, y);
	cairo_show_text(p->cr, pdf_safe(s));
}

static void
pdf_footer(struct pdf *p)
{
	char buf[400];

	pdf_font(p, false, 7.5);
	cairo_set_source_rgb(p->cr, 0.3, 0.3, 0.3);
	snprintf(buf, sizeof(buf), "%.280s — période %s — %s — page %d", p->doc->title,
	    p->doc->period, p->doc->provisional ? "PROVISOIRE" : "définitif", p->page);
	pdf_show(p, PDF_MARGIN, PDF_HEIGHT - PDF_MARGIN + 6, buf);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void
pdf_new_page(struct pdf *p)
{
	if (p->page > 0)
		cairo_show_page(p->cr);
	p->page++;
	pdf_footer(p);
	p->y = PDF_MARGIN + 12;
}

/* Makes room for height points below the current line (a new page if not). */
static void
pdf_need(struct pdf *p, double height)
{
	if (p->y + height > PDF_BOTTOM)
		pdf_new_page(p);
}

/* Breaks s at spaces into lines no wider than width; calls draw (when not
 * NULL) for each at x from the current y, line apart. Returns the number
 * of lines. A word wider than width gets a line of its own. */
static int
pdf_wrap(struct pdf *p, const char *s, double x, double width, double line, bool draw)
{
	char text[4096], keep;
	size_t len, at = 0, cut;
	int lines = 0;

	utf8_copy(text, sizeof(text), s != NULL ? s : "", s != NULL ? strlen(s) : 0);
	len = strlen(text);
	do {
		cut = len;
		for (size_t i = at, any = 0; i <= len; i++) {
			if (text[i] != ' ' && text[i] != '\0')
				continue;
			keep = text[i];
			text[i] = '\0';
			bool fits = pdf_width(p, text + at) <= width;
			text[i] = keep;
			if (fits || !any)
				cut = i, any = 1;
			if (!fits)
				break;
		}
		keep = text[cut];
		text[cut] = '\0';
		if (draw)
			pdf_show(p, x, p->y + line * lines, text + at);
		text[cut] = keep;
		lines++;
		at = cut + 1;
	} while (cut < len);
	return lines;
}

/* A paragraph across the text width, then a small gap. */
static void
pdf_paragraph(struct pdf *p, const char *s, bool bold, double size)
{
	int lines;

	pdf_font(p, bold, size);
	lines = pdf_wrap(p, s, PDF_MARGIN, PDF_TEXT_WIDTH, size * 1.3, false);
	pdf_need(p, lines * size * 1.3);
	pdf_wrap(p, s, PDF_MARGIN, PDF_TEXT_WIDTH, size * 1.3, true);
	p->y += lines * size * 1.3 + size * 0.5;
}

/* The widest word of s (the narrowest its cell can be) into *word, and its
 * whole width into *whole. */
static void
pdf_measure(struct pdf *p, const char *s, double *word, double *whole)
{
	char buf[4096];
	double w;

	utf8_copy(buf, sizeof(buf), s != NULL ? s : "", s != NULL ? strlen(s) : 0);
	if ((w = pdf_width(p, buf)) > *whole)
		*whole = w;
	for (char *at = strtok(buf, " "); at != NULL; at = strtok(NULL, " "))
		if ((w = pdf_width(p, at)) > *word)
			*word = w;
}

/* Column widths of t: each at its widest cell (headers wrap at spaces);
 * when that is too wide for the page, each column gives up the same share
 * of what it has beyond its widest word. */
static void
pdf_columns(struct pdf *p, const struct report_table *t, double width[REPORT_COLUMNS_MAX])
{
	char buf[4096];
	double least[REPORT_COLUMNS_MAX], sum_least = 0, sum = 0, scale;

	for (size_t c = 0; c < t->columns; c++) {
		double whole = 0, header = 0;

		least[c] = 0;
		pdf_font(p, true, PDF_CELL_SIZE);
		pdf_measure(p, t->column[c].label, &least[c], &header);
		pdf_font(p, false, PDF_CELL_SIZE);
		for (size_t r = 0; r < t->rows; r++) {
			report_cell_display(p->doc, t, r, c, buf, sizeof(buf));
			pdf_measure(p, buf, &least[c], &whole);
		}
		least[c] += 2 * PDF_CELL_PAD;
		width[c] = (whole > least[c] - 2 * PDF_CELL_PAD ? whole : least[c] - 2 * PDF_CELL_PAD) +
		    2 * PDF_CELL_PAD;
		sum_least += least[c];
		sum += width[c];
	}
	if (sum <= PDF_TEXT_WIDTH || sum <= sum_least)
		return;
	scale = (PDF_TEXT_WIDTH - sum_least) / (sum - sum_least);
	if (scale < 0)
		scale = 0;
	for (size_t c = 0; c < t->columns; c++)
		width[c] = least[c] + (width[c] - least[c]) * scale;
}

/* One row (r, or the header when r is -1): its height, and drawn if draw. */
static double
pdf_row(struct pdf *p, const struct report_table *t, long r, const double width[], bool draw)
{
	char buf[4096];
	double x = PDF_MARGIN, height = 0;
	bool bold = r < 0 || (t->total_row && r + 1 == (long)t->rows);

	for (size_t c = 0; c < t->columns; c++) {
		double inner = width[c] - 2 * PDF_CELL_PAD, tx = x + PDF_CELL_PAD;
		int lines;

		pdf_font(p, bold, PDF_CELL_SIZE);
		if (r < 0)
			snprintf(buf, sizeof(buf), "%s", t->column[c].label);
		else
			report_cell_display(p->doc, t, (size_t)r, c, buf, sizeof(buf));
		if (draw && r >= 0 && t->column[c].kind != REPORT_COLUMN_TEXT)
			tx = x + width[c] - PDF_CELL_PAD - pdf_width(p, buf);
		p->y += PDF_CELL_LINE - 2;
		lines = pdf_wrap(p, buf, tx, inner, PDF_CELL_LINE, draw);
		p->y -= PDF_CELL_LINE - 2;
		if (lines * PDF_CELL_LINE + 4 > height)
			height = lines * PDF_CELL_LINE + 4;
		x += width[c];
	}
	if (draw) {
		x = PDF_MARGIN;
		cairo_set_line_width(p->cr, 0.5);
		for (size_t c = 0; c < t->columns; c++) {
			cairo_rectangle(p->cr, x, p->y, width[c], height);
			x += width[c];
		}
		cairo_stroke(p->cr);
	}
	return height;
}

static void
pdf_chart(struct pdf *p, const struct report_table *t)
{
	pdf_need(p, REPORT_CHART_HEIGHT + 10);
	cairo_save(p->cr);
	cairo_translate(p->cr, PDF_MARGIN, p->y);
	report_chart_draw(p->cr, p->doc, t, REPORT_CHART_WIDTH, REPORT_CHART_HEIGHT);
	cairo_restore(p->cr);
	p->y += REPORT_CHART_HEIGHT + 10;
}

static void
pdf_table(struct pdf *p, const struct report_table *t)
{
	double width[REPORT_COLUMNS_MAX], header;

	pdf_columns(p, t, width);
	header = pdf_row(p, t, -1, width, false);
	p->y += 6;
	/* the title, the header and a first row stay together */
	pdf_need(p, 16 + header + (t->rows > 0 ? pdf_row(p, t, 0, width, false) : 0));
	pdf_font(p, true, 10.5);
	pdf_show(p, PDF_MARGIN, p->y + 10, t->title);
	p->y += 16;
	p->y += pdf_row(p, t, -1, width, true);
	for (size_t r = 0; r < t->rows; r++) {
		double h = pdf_row(p, t, (long)r, width, false);

		if (p->y + h > PDF_BOTTOM) {
			pdf_new_page(p);
			p->y += pdf_row(p, t, -1, width, true);
		}
		p->y += pdf_row(p, t, (long)r, width, true);
	}
	p->y += 8;
	if (t->chart_column > 0)
		pdf_chart(p, t);
}

static void
pdf_document(struct pdf *p)
{
	const struct report_doc *doc = p->doc;
	char first[DATE_FORMAT_FR_SIZE], last[DATE_FORMAT_FR_SIZE], buf[600];

	date_format_fr(doc->first_day, first);
	date_format_fr(doc->last_day, last);
	pdf_new_page(p);
	p->y += 6;
	pdf_paragraph(p, doc->title, true, 15.0);
	pdf_paragraph(p, doc->subject, false, 10.0);
	snprintf(buf, sizeof(buf), "Période %s : du %s au %s — %s", doc->period, first, last,
	    report_status_fr(doc));
	if (doc->provisional)
		cairo_set_source_rgb(p->cr, 0.65, 0, 0);
	pdf_paragraph(p, buf, doc->provisional, 10.0);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	for (size_t i = 0; i < doc->notes; i++)
		pdf_paragraph(p, doc->note[i], false, 9.0);
	for (size_t a = 0; a < doc->tables; a++)
		pdf_table(p, doc->table[a]);
	p->y += 6;
	pdf_paragraph(p, "Glossaire", true, 10.5);
	for (size_t i = 0; i < doc->glossary; i++) {
		snprintf(buf, sizeof(buf), "%s : %s", doc->term[i], doc->definition[i]);
		pdf_paragraph(p, buf, false, 8.5);
	}
}

static cairo_status_t
pdf_write(void *closure, const unsigned char *data, unsigned int length)
{
	return fwrite(data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

int
report_write_pdf(const struct report_doc *doc, FILE *f)
{
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(pdf_write, f, PDF_WIDTH,
	    PDF_HEIGHT);
	struct pdf p = { .doc = doc };
	int rc;

	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, pdf_safe(doc->title));
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "passnum");
	p.cr = cairo_create(s);
	pdf_document(&p);
	cairo_show_page(p.cr);
	rc = cairo_status(p.cr) == CAIRO_STATUS_SUCCESS ? 0 : -1;
	cairo_destroy(p.cr);
	cairo_surface_finish(s);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		rc = -1;
	cairo_surface_destroy(s);
	return rc;
}
