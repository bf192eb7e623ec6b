/* A report's bar charts, drawn once with cairo: into the PDF's page and
 * onto an SVG surface whose output is inlined in the HTML page. */
#include <stdlib.h>
#include <string.h>
#include <cairo.h>
#include <cairo-svg.h>
#include "report_model.h"

#define CHART_LEFT 36.0   /* room for the axis labels */
#define CHART_BOTTOM 28.0 /* room for the row labels */
#define CHART_TOP 26.0    /* the title and the values above the bars */

static void
chart_text(cairo_t *cr, double center_x, double y, const char *s)
{
	cairo_text_extents_t ext;

	cairo_text_extents(cr, s, &ext);
	cairo_move_to(cr, center_x - ext.x_advance / 2, y);
	cairo_show_text(cr, s);
}

/* The largest shown value of the chart's bars (at least the threshold, so
 * a hidden bar's box fits). */
static int64_t
chart_max(const struct report_doc *doc, const struct report_table *t, size_t bars)
{
	int64_t max = doc->threshold > 1 ? doc->threshold : 1;

	for (size_t r = 0; r < bars; r++)
		if (!report_table_hidden(t, r, (size_t)t->chart_column) &&
		    t->cells[r * t->columns + (size_t)t->chart_column].value > max)
			max = t->cells[r * t->columns + (size_t)t->chart_column].value;
	return max;
}

/* A hatched, outlined box: a cell whose value is not shown. */
static void
chart_hatched(cairo_t *cr, double x, double y, double w, double h)
{
	cairo_save(cr);
	cairo_rectangle(cr, x, y, w, h);
	cairo_clip_preserve(cr);
	cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
	cairo_set_line_width(cr, 0.8);
	cairo_stroke(cr);
	for (double d = -h; d < w; d += 5.0) {
		cairo_move_to(cr, x + d, y + h);
		cairo_line_to(cr, x + d + h, y);
	}
	cairo_set_line_width(cr, 0.5);
	cairo_stroke(cr);
	cairo_restore(cr);
}

void
report_chart_draw(cairo_t *cr, const struct report_doc *doc, const struct report_table *t,
    double width, double height)
{
	size_t col = (size_t)t->chart_column;
	size_t bars = t->rows - (t->total_row && t->rows > 0 ? 1 : 0);
	double plot_w = width - CHART_LEFT, plot_h = height - CHART_BOTTOM - CHART_TOP;
	double base = height - CHART_BOTTOM, slot, bar_w;
	int64_t max;
	char buf[64];

	if (bars == 0 || plot_w <= 0 || plot_h <= 0)
		return;
	max = chart_max(doc, t, bars);
	slot = plot_w / (double)bars;
	bar_w = slot * 0.6 > 60.0 ? 60.0 : slot * 0.6;
	cairo_save(cr);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 9.0);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_move_to(cr, 0, 10.0);
	cairo_show_text(cr, t->chart_title);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 7.5);
	/* the axis and its top value */
	cairo_set_line_width(cr, 0.8);
	cairo_move_to(cr, CHART_LEFT, base - plot_h);
	cairo_line_to(cr, CHART_LEFT, base);
	cairo_line_to(cr, width, base);
	cairo_stroke(cr);
	snprintf(buf, sizeof(buf), "%lld", (long long)max);
	chart_text(cr, CHART_LEFT / 2, base - plot_h + 3, buf);
	chart_text(cr, CHART_LEFT / 2, base + 3, "0");
	for (size_t r = 0; r < bars; r++) {
		const struct report_cell *c = &t->cells[r * t->columns + col];
		double x = CHART_LEFT + slot * (double)r + (slot - bar_w) / 2, h;

		cairo_set_source_rgb(cr, 0, 0, 0);
		chart_text(cr, x + bar_w / 2, base + 12, t->cells[r * t->columns].text != NULL ?
		    t->cells[r * t->columns].text : "");
		if (report_table_hidden(t, r, col)) {
			h = plot_h * (double)doc->threshold / (double)max;
			chart_hatched(cr, x, base - h, bar_w, h);
			report_hidden_text(doc, buf);
		} else {
			h = plot_h * (double)c->value / (double)max;
			cairo_set_source_rgb(cr, 0.16, 0.35, 0.62);
			cairo_rectangle(cr, x, base - h, bar_w, h);
			cairo_fill(cr);
			snprintf(buf, sizeof(buf), "%lld", (long long)c->value);
		}
		cairo_set_source_rgb(cr, 0, 0, 0);
		chart_text(cr, x + bar_w / 2, base - h - 3, buf);
	}
	cairo_restore(cr);
}

struct chart_buffer {
	char *data;
	size_t len, cap;
	int failed;
};

static cairo_status_t
chart_buffer_write(void *closure, const unsigned char *data, unsigned int length)
{
	struct chart_buffer *b = closure;
	char *grown;

	if (b->len + length + 1 > b->cap) {
		size_t cap = (b->len + length + 1) * 2;

		if ((grown = realloc(b->data, cap)) == NULL) {
			b->failed = 1;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, length);
	b->len += length;
	b->data[b->len] = '\0';
	return CAIRO_STATUS_SUCCESS;
}

/* Removes the id="surfaceN" attributes (N is a process-wide cairo counter,
 * so the same report would differ by when it is drawn) when nothing
 * refers to them. */
static void
chart_strip_surface_ids(char *text)
{
	char *p, *end;

	if (strstr(text, "#surface") != NULL)
		return;
	while ((p = strstr(text, " id=\"surface")) != NULL &&
	    (end = strchr(p + 13, '"')) != NULL)
		memmove(p, end + 1, strlen(end + 1) + 1);
}

/* Removes every occurrence of s from text (in place). */
static void
chart_strip(char *text, const char *s)
{
	size_t n = strlen(s);
	char *p;

	while ((p = strstr(text, s)) != NULL)
		memmove(p, p + n, strlen(p + n) + 1);
}

int
report_chart_svg(const struct report_doc *doc, const struct report_table *t, FILE *f)
{
	struct chart_buffer b = { 0 };
	cairo_surface_t *s = cairo_svg_surface_create_for_stream(chart_buffer_write, &b,
	    REPORT_CHART_WIDTH, REPORT_CHART_HEIGHT);
	cairo_t *cr = cairo_create(s);
	char *svg;
	int rc = -1;

	report_chart_draw(cr, doc, t, REPORT_CHART_WIDTH, REPORT_CHART_HEIGHT);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS || b.failed || b.data == NULL ||
	    (svg = strstr(b.data, "<svg")) == NULL)
		goto done;
	/* Inline in HTML the namespaces are implied: no URL is left in the page. */
	chart_strip(svg, " xmlns=\"http://www.w3.org/2000/svg\"");
	chart_strip(svg, " xmlns:xlink=\"http://www.w3.org/1999/xlink\"");
	chart_strip_surface_ids(svg);
	fputs(svg, f);
	rc = 0;
done:
	cairo_surface_destroy(s);
	free(b.data);
	return rc;
}
