#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <qrencode.h>
#include "qr.h"

/* The QR alphanumeric character set (ISO/IEC 18004, table 5). */
static const char qr_alphanumeric[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

int
qr_encode(const char *text, struct qr_matrix **out, struct error *e)
{
	QRinput *input = NULL;
	QRcode *code = NULL;
	struct qr_matrix *m = NULL;
	size_t len, i;

	*out = NULL;
	len = strlen(text);
	if (len == 0)
		return error_set(e, 422, "QR_BAD_TEXT", "empty QR text");
	if (len > QR_MAX_TEXT)
		return error_set(e, 422, "QR_TOO_LONG",
		    "QR text of %zu characters does not fit in version %d-M (max %d)",
		    len, QR_VERSION, QR_MAX_TEXT);
	for (i = 0; i < len; i++)
		if (strchr(qr_alphanumeric, text[i]) == NULL)
			return error_set(e, 422, "QR_BAD_TEXT",
			    "character %zu of QR text is not alphanumeric-mode", i + 1);

	if ((input = QRinput_new2(QR_VERSION, QR_ECLEVEL_M)) == NULL ||
	    QRinput_append(input, QR_MODE_AN, (int)len,
	    (const unsigned char *)text) != 0 ||
	    (code = QRcode_encodeInput(input)) == NULL) {
		error_set(e, 500, "QR_ENCODE", "libqrencode: %s", strerror(errno));
		goto fail;
	}
	/* libqrencode raises the version when data overflows; we never accept it. */
	if (code->version != QR_VERSION || code->width != QR_WIDTH) {
		error_set(e, 422, "QR_TOO_LONG", "QR text needs version %d, not %d",
		    code->version, QR_VERSION);
		goto fail;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->modules = malloc(QR_WIDTH * QR_WIDTH)) == NULL)
		abort();
	m->width = QR_WIDTH;
	for (i = 0; i < QR_WIDTH * QR_WIDTH; i++)
		m->modules[i] = code->data[i] & 1;
	QRcode_free(code);
	QRinput_free(input);
	*out = m;
	return 0;
fail:
	if (code != NULL)
		QRcode_free(code);
	if (input != NULL)
		QRinput_free(input);
	return -1;
}

void
qr_free(struct qr_matrix *m)
{
	if (m == NULL)
		return;
	free(m->modules);
	free(m);
}

int
qr_module(const struct qr_matrix *m, int x, int y)
{
	if (x < 0 || y < 0 || x >= m->width || y >= m->width)
		return 0;
	return m->modules[y * m->width + x];
}

/* Calls run(ctx, x, y, length) for each horizontal run of dark modules,
 * row by row, in module coordinates without the quiet zone. */
static void
qr_each_run(const struct qr_matrix *m,
    void (*run)(void *, int, int, int), void *ctx)
{
	int x, y, start;

	for (y = 0; y < m->width; y++) {
		for (x = 0; x < m->width; x++) {
			if (!qr_module(m, x, y))
				continue;
			for (start = x; x < m->width && qr_module(m, x, y); x++)
				;
			run(ctx, start, y, x - start);
		}
	}
}

static void
qr_cairo_box(void *ctx, int x, int y, int length)
{
	cairo_rectangle(ctx, x, y, length, 1);
}

static void
qr_cairo_run(void *ctx, int x, int y, int length)
{
	if (length < 2)
		return;   /* left to qr_cairo_segments' vertical pass */
	cairo_move_to(ctx, x, y + 0.5);
	cairo_rel_line_to(ctx, length, 0);
}

/* Adds to cr's path, in module units, segments to be stroked 1 module wide
 * with butt caps that cover exactly the dark modules: horizontal runs of 2
 * or more modules, then, for the modules alone in their row, their vertical
 * runs (each once). About a sixth fewer segments than rows alone, so a
 * smaller and faster PDF. */
static void
qr_cairo_segments(const struct qr_matrix *m, cairo_t *cr)
{
	int x, y, top;

	qr_each_run(m, qr_cairo_run, cr);
	for (x = 0; x < m->width; x++) {
		for (y = 0; y < m->width; y++) {
			if (!qr_module(m, x, y) || qr_module(m, x - 1, y) ||
			    qr_module(m, x + 1, y))
				continue;
			for (top = y; qr_module(m, x, top - 1); top--)
				;
			while (qr_module(m, x, y + 1))
				y++;
			cairo_move_to(cr, x + 0.5, top);
			cairo_line_to(cr, x + 0.5, y + 1);
		}
	}
}

void
qr_draw_cairo(const struct qr_matrix *m, cairo_t *cr, double x, double y,
    double size)
{
	double module = size / (m->width + 2 * QR_QUIET_ZONE);

	cairo_save(cr);
	cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
	cairo_new_path(cr);
	cairo_rectangle(cr, x, y, size, size);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_fill(cr);
	cairo_translate(cr, x + QR_QUIET_ZONE * module, y + QR_QUIET_ZONE * module);
	cairo_scale(cr, module, module);
	qr_cairo_segments(m, cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_stroke(cr);
	cairo_restore(cr);
}

/* Returns a new CAIRO_FORMAT_A1 surface of QR_TOTAL_WIDTH pixels square,
 * owned by the caller: one pixel per module, quiet zone included, opaque
 * (bit set) where the module is dark. */
static cairo_surface_t *
qr_a1_surface(const struct qr_matrix *m)
{
	cairo_surface_t *surface;
	unsigned char *data;
	uint32_t *row, bit;
	int side = m->width + 2 * QR_QUIET_ZONE, stride, x, y;

	surface = cairo_image_surface_create(CAIRO_FORMAT_A1, side, side);
	if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS)
		abort();
	cairo_surface_flush(surface);
	data = cairo_image_surface_get_data(surface);
	stride = cairo_image_surface_get_stride(surface);
	memset(data, 0, (size_t)stride * side);
	for (y = 0; y < side; y++) {
		row = (uint32_t *)(void *)(data + (size_t)y * stride);
		for (x = 0; x < side; x++) {
			if (!qr_module(m, x - QR_QUIET_ZONE, y - QR_QUIET_ZONE))
				continue;
			/* pixels fill 32-bit words in the platform's bit order */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
			bit = UINT32_C(0x80000000) >> (x % 32);
#else
			bit = UINT32_C(1) << (x % 32);
#endif
			row[x / 32] |= bit;
		}
	}
	cairo_surface_mark_dirty(surface);
	return surface;
}

void
qr_draw_cairo_image(const struct qr_matrix *m, cairo_t *cr, double x,
    double y, double size)
{
	cairo_surface_t *mask = qr_a1_surface(m);
	cairo_pattern_t *pattern = cairo_pattern_create_for_surface(mask);
	double module = size / (m->width + 2 * QR_QUIET_ZONE);

	cairo_save(cr);
	cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
	cairo_new_path(cr);
	cairo_rectangle(cr, x, y, size, size);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_fill(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, module, module);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_pattern_set_filter(pattern, CAIRO_FILTER_NEAREST);
	cairo_pattern_set_extend(pattern, CAIRO_EXTEND_NONE);
	cairo_mask(cr, pattern);
	cairo_restore(cr);
	cairo_pattern_destroy(pattern);
	cairo_surface_destroy(mask);
}

/* Opens a new temporary file beside path for an atomic write; *tmp_path is
 * set to its name (owned by the caller). Returns the stream or NULL. */
static FILE *
qr_atomic_open(const char *path, char **tmp_path, struct error *e)
{
	FILE *f;
	int fd;

	if (asprintf(tmp_path, "%s.tmpXXXXXX", path) < 0)
		abort();
	if ((fd = mkstemp(*tmp_path)) == -1) {
		error_set(e, 500, "QR_WRITE", "%s: %s", path, strerror(errno));
		goto fail;
	}
	(void)fchmod(fd, 0644);
	if ((f = fdopen(fd, "wb")) == NULL) {
		error_set(e, 500, "QR_WRITE", "%s: %s", path, strerror(errno));
		close(fd);
		unlink(*tmp_path);
		goto fail;
	}
	return f;
fail:
	free(*tmp_path);
	*tmp_path = NULL;
	return NULL;
}

/* Finishes an atomic write: when ok, flushes, syncs, closes and renames
 * tmp_path to path; otherwise (or on any failure) closes f and removes
 * tmp_path. Frees tmp_path. Returns 0, or -1 with e set (when !ok the caller
 * has already set e). */
static int
qr_atomic_close(FILE *f, char *tmp_path, const char *path, int ok,
    struct error *e)
{
	if (!ok)
		goto fail;
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		goto fail_errno;
	ok = fclose(f) == 0;
	f = NULL;
	if (!ok || rename(tmp_path, path) != 0)
		goto fail_errno;
	free(tmp_path);
	return 0;
fail_errno:
	error_set(e, 500, "QR_WRITE", "%s: %s", path, strerror(errno));
fail:
	if (f != NULL)
		fclose(f);
	unlink(tmp_path);
	free(tmp_path);
	return -1;
}

static cairo_status_t
qr_png_write(void *closure, const unsigned char *data, unsigned int length)
{
	if (fwrite(data, 1, length, closure) != length)
		return CAIRO_STATUS_WRITE_ERROR;
	return CAIRO_STATUS_SUCCESS;
}

int
qr_write_png_stream(const struct qr_matrix *m, int pixels_per_module,
    FILE *out, struct error *e)
{
	cairo_surface_t *surface;
	cairo_status_t status;
	cairo_t *cr;
	int side;

	if (pixels_per_module < 1 || pixels_per_module > 64)
		return error_set(e, 400, "QR_BAD_SCALE",
		    "pixels per module must be 1 to 64, not %d", pixels_per_module);
	/* An A1 surface is written by cairo as a 1-bit grayscale PNG whose
	 * value is the alpha bit: opaque = white. So paint everything opaque,
	 * then clear the dark modules (pixel-aligned boxes, no anti-aliasing). */
	side = (m->width + 2 * QR_QUIET_ZONE) * pixels_per_module;
	surface = cairo_image_surface_create(CAIRO_FORMAT_A1, side, side);
	cr = cairo_create(surface);
	cairo_paint(cr);
	cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
	cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR);
	cairo_translate(cr, QR_QUIET_ZONE * pixels_per_module,
	    QR_QUIET_ZONE * pixels_per_module);
	cairo_scale(cr, pixels_per_module, pixels_per_module);
	qr_each_run(m, qr_cairo_box, cr);
	cairo_fill(cr);
	cairo_destroy(cr);
	status = cairo_surface_write_to_png_stream(surface, qr_png_write, out);
	cairo_surface_destroy(surface);
	if (status != CAIRO_STATUS_SUCCESS)
		return error_set(e, 500, "QR_WRITE", "PNG: %s",
		    cairo_status_to_string(status));
	return 0;
}

int
qr_write_png(const struct qr_matrix *m, const char *path,
    int pixels_per_module, struct error *e)
{
	char *tmp_path;
	FILE *f;
	int ok;

	if ((f = qr_atomic_open(path, &tmp_path, e)) == NULL)
		return -1;
	ok = qr_write_png_stream(m, pixels_per_module, f, e) == 0;
	return qr_atomic_close(f, tmp_path, path, ok, e);
}

static void
qr_svg_run(void *ctx, int x, int y, int length)
{
	fprintf(ctx, "M%d %dh%dv1h-%dz", x + QR_QUIET_ZONE, y + QR_QUIET_ZONE,
	    length, length);
}

int
qr_write_svg_stream(const struct qr_matrix *m, FILE *out, struct error *e)
{
	int side = m->width + 2 * QR_QUIET_ZONE;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "shape-rendering=\"crispEdges\">\n"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
	    "<path fill=\"#000\" d=\"", side, side, side * 4, side * 4, side, side);
	qr_each_run(m, qr_svg_run, out);
	fputs("\"/>\n</svg>\n", out);
	if (ferror(out))
		return error_set(e, 500, "QR_WRITE", "SVG: %s", strerror(errno));
	return 0;
}

int
qr_write_svg(const struct qr_matrix *m, const char *path, struct error *e)
{
	char *tmp_path;
	FILE *f;
	int ok;

	if ((f = qr_atomic_open(path, &tmp_path, e)) == NULL)
		return -1;
	ok = qr_write_svg_stream(m, f, e) == 0;
	return qr_atomic_close(f, tmp_path, path, ok, e);
}
