/* QR matrices and renderings (lib/qr.c): the TOKEN.md vectors encode in
 * version 7-M, PNGs decode back to exactly the token text with zbarimg
 * (zbar-tools), quiet zone and sizes are right, SVG is well-formed XML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <cairo.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "qr.h"

static const char *const vectors[] = {
	"PN1:3A0CQS.GML72TL6$ZA05F8JJ$SN000V50300$ET$10S8O1%AF5OHIBEFVE0PZTFDFC1HMHYI/W4AUU5FJX2IC6GGQC$JHH9T30Q6DJ9HH3:2BHJ$BQB/A33D45P RF*3U+DCT:FK 100",
	"PN1:G805E9X86FGWFGWFGWFGWFGWFGWFGWUAW1004%UY1098T9OM HNHEAL HRI63-IX$QBQ9I%Q15FG*7O6SS0KG9756IWVUR77NDOFT9EJVT$5:%DM+77HL2I5Z:C+SB4UR.XIWM9LWT00",
	"PN1:O60+HTV*M0000000000000000000003YB700DDQ*10GW54-9Y-B:R1.54WD83-18CMMZB$35JH6XX9NVIJOQZAM9SBYSK/7UV3QK+7MU4ZL0TYVLTJJX8DE46.J:TKO2NJY8.UQ8LV10",
};

static char tmpdir[] = "/tmp/passnum-test-qr-XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Runs zbarimg on path; returns its stdout (malloc'd) with the one trailing
 * newline zbarimg adds after each symbol removed. --raw: no charset
 * conversion (-Sbinary would also drop the newline separators). */
static char *
zbar_read(const char *path)
{
	char cmd[512], *buf;
	size_t len = 0, n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "zbarimg --raw -q --nodbus '%s' 2>/dev/null", path);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(buf = malloc(4096));
	while ((n = fread(buf + len, 1, 4095 - len, p)) > 0)
		len += n;
	buf[len] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_true(len > 0 && buf[len - 1] == '\n');
	buf[len - 1] = '\0';
	return buf;
}

static void
check_png(const struct qr_matrix *m, const char *path, int ppm)
{
	cairo_surface_t *s;
	unsigned char *data;
	int side = QR_TOTAL_WIDTH * ppm, stride, x, y;

	s = cairo_image_surface_create_from_png(path);
	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	assert_int_equal(cairo_image_surface_get_width(s), side);
	assert_int_equal(cairo_image_surface_get_height(s), side);
	data = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	for (y = 0; y < side; y++) {
		for (x = 0; x < side; x++) {
			uint32_t px = *(uint32_t *)(data + y * stride + 4 * x) & 0xffffff;
			int mx = x / ppm - QR_QUIET_ZONE, my = y / ppm - QR_QUIET_ZONE;

			/* every pixel is pure black or white, and matches its module;
			 * outside the symbol (quiet zone) qr_module() is light */
			assert_int_equal(px, qr_module(m, mx, my) ? 0 : 0xffffff);
		}
	}
	cairo_surface_destroy(s);
}

static void
test_vectors_png_roundtrip(void **state)
{
	struct qr_matrix *m;
	struct error e = {0};
	char path[256], *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		assert_int_equal(strlen(vectors[i]), 144);
		assert_int_equal(qr_encode(vectors[i], &m, &e), 0);
		assert_int_equal(m->width, 45);
		snprintf(path, sizeof(path), "%s/v%zu.png", tmpdir, i + 1);
		assert_int_equal(qr_write_png(m, path, 4, &e), 0);
		check_png(m, path, 4);
		text = zbar_read(path);
		assert_string_equal(text, vectors[i]);
		free(text);
		qr_free(m);
	}
}

/* Draws each vector with draw on a red image at 3 pixels per module and
 * checks that every pixel is white or black and matches its module: the
 * whole square is painted, the dark modules covered exactly. */
static void
check_draw_exact(void (*draw)(const struct qr_matrix *, cairo_t *, double,
    double, double), const char *name)
{
	struct qr_matrix *m;
	struct error e = {0};
	cairo_surface_t *s;
	cairo_t *cr;
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		assert_int_equal(qr_encode(vectors[i], &m, &e), 0);
		s = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
		    QR_TOTAL_WIDTH * 3, QR_TOTAL_WIDTH * 3);
		cr = cairo_create(s);
		cairo_set_source_rgb(cr, 1, 0, 0);
		cairo_paint(cr);
		draw(m, cr, 0, 0, QR_TOTAL_WIDTH * 3);
		assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
		assert_false(cairo_has_current_point(cr));
		cairo_destroy(cr);
		snprintf(path, sizeof(path), "%s/%s%zu.png", tmpdir, name, i);
		assert_int_equal(cairo_surface_write_to_png(s, path),
		    CAIRO_STATUS_SUCCESS);
		cairo_surface_destroy(s);
		check_png(m, path, 3);
		qr_free(m);
	}
}

/* qr_draw_cairo: the vector path of merged runs. */
static void
test_draw_cairo_exact(void **state)
{
	(void)state;
	check_draw_exact(qr_draw_cairo, "draw");
}

/* qr_draw_cairo_image (used for PDF): the 1-bit stencil image, scaled
 * without interpolation. */
static void
test_draw_cairo_image_exact(void **state)
{
	(void)state;
	check_draw_exact(qr_draw_cairo_image, "image");
}

static void
test_png_scales(void **state)
{
	struct qr_matrix *m;
	struct error e = {0};
	char path[256], *text;
	int ppm;

	(void)state;
	assert_int_equal(qr_encode(vectors[0], &m, &e), 0);
	for (ppm = 1; ppm <= 10; ppm += 3) {
		snprintf(path, sizeof(path), "%s/s%d.png", tmpdir, ppm);
		assert_int_equal(qr_write_png(m, path, ppm, &e), 0);
		check_png(m, path, ppm);
		if (ppm >= 4) {
			text = zbar_read(path);
			assert_string_equal(text, vectors[0]);
			free(text);
		}
	}
	assert_int_equal(qr_write_png(m, path, 0, &e), -1);
	assert_string_equal(e.code, "QR_BAD_SCALE");
	qr_free(m);
}

static void
test_png_write_error(void **state)
{
	struct qr_matrix *m;
	struct error e = {0};
	char path[256];

	(void)state;
	assert_int_equal(qr_encode(vectors[0], &m, &e), 0);
	snprintf(path, sizeof(path), "%s/missing/dir.png", tmpdir);
	assert_int_equal(qr_write_png(m, path, 4, &e), -1);
	assert_string_equal(e.code, "QR_WRITE");
	assert_int_equal(qr_write_svg(m, path, &e), -1);
	qr_free(m);
}

static void
test_svg(void **state)
{
	struct qr_matrix *m;
	struct error e = {0};
	char path[256];
	xmlDocPtr doc;
	xmlNodePtr root, node;
	xmlChar *attr;
	int paths = 0;

	(void)state;
	assert_int_equal(qr_encode(vectors[0], &m, &e), 0);
	snprintf(path, sizeof(path), "%s/v1.svg", tmpdir);
	assert_int_equal(qr_write_svg(m, path, &e), 0);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "svg");
	attr = xmlGetProp(root, (const xmlChar *)"viewBox");
	assert_string_equal((const char *)attr, "0 0 53 53");
	xmlFree(attr);
	attr = xmlGetProp(root, (const xmlChar *)"shape-rendering");
	assert_string_equal((const char *)attr, "crispEdges");
	xmlFree(attr);
	for (node = root->children; node != NULL; node = node->next) {
		if (node->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)node->name, "path") != 0)
			continue;
		attr = xmlGetProp(node, (const xmlChar *)"d");
		/* first run: the top-left finder pattern, 7 modules from (4,4) */
		assert_memory_equal(attr, "M4 4h7v1h-7z", 12);
		xmlFree(attr);
		paths++;
	}
	assert_int_equal(paths, 1);
	xmlFreeDoc(doc);
	qr_free(m);
}

static void
test_refusals(void **state)
{
	struct qr_matrix *m = (void *)1;
	struct error e = {0};
	char text[200];

	(void)state;
	memset(text, 'A', sizeof(text));
	text[QR_MAX_TEXT] = '\0';
	assert_int_equal(qr_encode(text, &m, &e), 0);   /* 154: capacity of 7-M */
	assert_int_equal(m->width, QR_WIDTH);
	qr_free(m);
	text[QR_MAX_TEXT] = 'A';
	text[QR_MAX_TEXT + 1] = '\0';
	assert_int_equal(qr_encode(text, &m, &e), -1);  /* 155 */
	assert_null(m);
	assert_string_equal(e.code, "QR_TOO_LONG");
	assert_int_equal(qr_encode("pn1:abc", &m, &e), -1);
	assert_string_equal(e.code, "QR_BAD_TEXT");
	assert_int_equal(qr_encode("PN1:\xc3\xa9", &m, &e), -1);
	assert_string_equal(e.code, "QR_BAD_TEXT");
	assert_int_equal(qr_encode("", &m, &e), -1);
	assert_string_equal(e.code, "QR_BAD_TEXT");
}

static void
test_short_text_still_version_7(void **state)
{
	struct qr_matrix *m;
	struct error e = {0};
	char path[256], *text;

	(void)state;
	assert_int_equal(qr_encode("PN1:", &m, &e), 0);
	assert_int_equal(m->width, 45);
	snprintf(path, sizeof(path), "%s/short.png", tmpdir);
	assert_int_equal(qr_write_png(m, path, 4, &e), 0);
	text = zbar_read(path);
	assert_string_equal(text, "PN1:");
	free(text);
	qr_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_png_roundtrip),
		cmocka_unit_test(test_draw_cairo_exact),
		cmocka_unit_test(test_draw_cairo_image_exact),
		cmocka_unit_test(test_png_scales),
		cmocka_unit_test(test_png_write_error),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_short_text_still_version_7),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
