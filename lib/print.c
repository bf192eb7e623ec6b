#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cairo.h>
#include <cairo-pdf.h>
#include "print.h"
#include "qr.h"

/* A4 in PostScript points (1 pt = 1/72 in). */
#define PAGE_WIDTH 595.276
#define PAGE_HEIGHT 841.89
#define SLIP_HEIGHT (PAGE_HEIGHT / PRINT_PASSES_PER_PAGE)
#define QR_MODULE 2.0                         /* pt: 0.706 mm */
#define QR_SIDE (QR_TOTAL_WIDTH * QR_MODULE)  /* with quiet zone: 106 pt */
#define COVER_MARGIN 60.0
#define STUB_TOP (PAGE_HEIGHT - 190.0)        /* cut line above the stub */
#define NOTICE_TOP (STUB_TOP - 84.0)          /* the data-protection notice, above the cut */

struct print_booklets {
	char *path;
	char *tmp_path;
	FILE *file;
	int write_failed;
	cairo_surface_t *surface;
	cairo_t *cr;
	cairo_font_face_t *sans;
	cairo_font_face_t *sans_bold;
	cairo_font_face_t *mono_bold;
	const struct print_campaign *info;
	uint32_t booklet;   /* current booklet */
	unsigned index;     /* last index added in it; 0 before any voucher */
	unsigned size;      /* its size */
	unsigned slot;      /* slips already drawn on the current pass page */
};

int
print_format_euros(int64_t cents, char *buf, size_t size)
{
	char digits[24], grouped[40];
	size_t len, i, n = 0;

	if (cents < 0)
		return -1;
	len = (size_t)snprintf(digits, sizeof(digits), "%" PRId64, cents / 100);
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			grouped[n++] = ' ';
		grouped[n++] = digits[i];
	}
	grouped[n] = '\0';
	if ((size_t)snprintf(buf, size, "%s,%02d \u20ac", grouped,
	    (int)(cents % 100)) >= size)
		return -1;
	return 0;
}

unsigned
print_booklet_pages(unsigned n)
{
	return 1 + (n + PRINT_PASSES_PER_PAGE - 1) / PRINT_PASSES_PER_PAGE;
}

/* Returns 1 if s is valid UTF-8 without control characters and at most max
 * bytes long, else 0. (cairo refuses invalid UTF-8 and then stays in error.) */
static int
print_text_ok(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	int follow;

	if (s == NULL || strlen(s) > max)
		return 0;
	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p < 0x80)
			follow = 0;
		else if (*p >= 0xc2 && *p <= 0xdf)
			follow = 1;
		else if (*p >= 0xe0 && *p <= 0xef)
			follow = 2;
		else if (*p >= 0xf0 && *p <= 0xf4)
			follow = 3;
		else
			return 0;
		for (p++; follow > 0; follow--, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

static void
print_font(struct print_booklets *b, cairo_font_face_t *face, double size)
{
	cairo_set_font_face(b->cr, face);
	cairo_set_font_size(b->cr, size);
}

static void
print_text(cairo_t *cr, double x, double y, const char *s)
{
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, s);
}

static void
print_text_centered(cairo_t *cr, double center_x, double y, const char *s)
{
	cairo_text_extents_t ext;

	cairo_text_extents(cr, s, &ext);
	print_text(cr, center_x - ext.x_advance / 2, y, s);
}

/* Draws text from baseline (x, y), broken at spaces into lines no wider than
 * width, line_height apart, at most max_lines (the last one then ends with
 * "…"). Returns the baseline of the line after the last one drawn. */
static double
print_wrap(cairo_t *cr, double x, double y, double width, double line_height,
    int max_lines, const char *text)
{
	cairo_text_extents_t ext;
	char line[512];
	size_t len = 0, keep, word;
	const char *p = text;
	int lines = 0;

	while (*p != '\0' && lines < max_lines) {
		while (*p == ' ')
			p++;
		word = strcspn(p, " ");
		if (word == 0)
			break;
		if (len + 1 + word + 4 > sizeof(line))
			break;
		keep = len;
		if (len > 0)
			line[len++] = ' ';
		memcpy(line + len, p, word);
		line[len += word] = '\0';
		cairo_text_extents(cr, line, &ext);
		if (ext.x_advance <= width || keep == 0) {
			p += word;
			continue;
		}
		line[len = keep] = '\0';
		if (++lines == max_lines)
			strcat(line, "\u2026");
		print_text(cr, x, y, line);
		y += line_height;
		len = 0;
	}
	if (len > 0 && lines < max_lines) {
		print_text(cr, x, y, line);
		y += line_height;
	}
	return y;
}

static void
print_gray(cairo_t *cr, double level)
{
	cairo_set_source_rgb(cr, level, level, level);
}

/* Draws a dashed horizontal cut line at y across the page, with scissors. */
static void
print_cut_line(struct print_booklets *b, double y)
{
	cairo_t *cr = b->cr;
	const double dashes[] = { 6.0, 4.0 };

	cairo_save(cr);
	print_gray(cr, 0.55);
	cairo_set_line_width(cr, 0.6);
	cairo_set_dash(cr, dashes, 2, 0);
	cairo_move_to(cr, 40, y);
	cairo_line_to(cr, PAGE_WIDTH, y);
	cairo_move_to(cr, 0, y);
	cairo_line_to(cr, 22, y);
	cairo_stroke(cr);
	print_font(b, b->sans, 14);
	print_text(cr, 24, y + 5, "\u2702");
	cairo_restore(cr);
}

/* Draws the places block of a cover from baseline y, as far as the space
 * above the stub allows; returns the next y. */
static double
print_cover_places(struct print_booklets *b, double y)
{
	const struct print_campaign *info = b->info;
	const double limit = NOTICE_TOP - 24;   /* last baseline allowed */
	char line[600];
	size_t i;

	if (info == NULL || (info->place_count == 0 && info->places_more == NULL))
		return y;
	print_font(b, b->sans_bold, 16);
	print_text(b->cr, COVER_MARGIN, y, "O\u00f9 l'utiliser :");
	y += 26;
	print_font(b, b->sans, 15);
	for (i = 0; i < info->place_count && i < PRINT_MAX_PLACES &&
	    y <= limit; i++) {
		snprintf(line, sizeof(line), "%s, %s", info->places[i].name,
		    info->places[i].commune);
		print_text(b->cr, COVER_MARGIN + 4, y, "\u2022");
		y = print_wrap(b->cr, COVER_MARGIN + 20, y,
		    PAGE_WIDTH - 2 * COVER_MARGIN - 20, 20, y + 20 <= limit ? 2 : 1,
		    line);
		y += 3;
	}
	if (info->places_more != NULL && y + 4 <= limit)
		y = print_wrap(b->cr, COVER_MARGIN, y + 4,
		    PAGE_WIDTH - 2 * COVER_MARGIN, 20, y + 24 <= limit ? 2 : 1,
		    info->places_more);
	return y;
}

/* Draws the short information notice (GDPR art. 13) above the cut line:
 * who is responsible, what is recorded (never the person), for how long,
 * where to ask, the CNIL. Plain French for the person who gets the booklet
 * (docs/operations.md "Data protection"). */
static void
print_cover_notice(struct print_booklets *b, const char *funder)
{
	char text[700];

	print_gray(b->cr, 0.2);
	print_font(b, b->sans_bold, 11);
	print_text(b->cr, COVER_MARGIN, NOTICE_TOP, "Vos donn\u00e9es");
	print_font(b, b->sans, 10);
	snprintf(text, sizeof(text), "Ce carnet ne porte pas votre nom. %s, responsable de ce service"
	    " public, enregistre seulement quelle structure vous a donn\u00e9 ce carnet et quel jour."
	    " Cette trace est effac\u00e9e un an apr\u00e8s la fin des pass : il ne reste que des totaux."
	    " Questions, droits d'acc\u00e8s ou d'opposition : demandez \u00e0 la structure ou \u00e0 %s."
	    " Vous pouvez aussi \u00e9crire \u00e0 la CNIL (cnil.fr).", funder, funder);
	print_wrap(b->cr, COVER_MARGIN, NOTICE_TOP + 14, PAGE_WIDTH - 2 * COVER_MARGIN, 12.5, 5, text);
	print_gray(b->cr, 0);
}

/* Draws the stub at the bottom of a cover, below a cut line. */
static void
print_cover_stub(struct print_booklets *b, const char *number)
{
	cairo_t *cr = b->cr;
	double y = STUB_TOP + 44;

	print_cut_line(b, STUB_TOP);
	print_gray(cr, 0);
	print_font(b, b->sans_bold, 16);
	print_text(cr, COVER_MARGIN, y, "Talon \u00e0 garder");
	print_font(b, b->sans_bold, 26);
	print_text(cr, COVER_MARGIN, y + 38, number);
	print_font(b, b->sans, 15);
	print_wrap(cr, COVER_MARGIN, y + 72, PAGE_WIDTH - 2 * COVER_MARGIN, 21, 3,
	    "Gardez ce talon. Si vous perdez le carnet, donnez ce num\u00e9ro "
	    "\u00e0 la structure qui vous l'a donn\u00e9.");
}

/* Draws and emits the cover page of the booklet that v starts. */
static void
print_cover(struct print_booklets *b, const struct print_voucher *v)
{
	cairo_t *cr = b->cr;
	const double width = PAGE_WIDTH - 2 * COVER_MARGIN;
	char number[48], money[48], line[256];
	double y;

	snprintf(number, sizeof(number), "Carnet n\u00b0 %06" PRIu32, v->booklet);
	print_format_euros(v->value_cents, money, sizeof(money));
	print_gray(cr, 0);
	print_font(b, b->sans_bold, 36);
	print_text(cr, COVER_MARGIN, 110, "Pass num\u00e9rique");
	print_font(b, b->sans_bold, 22);
	print_text(cr, COVER_MARGIN, 148, number);
	print_font(b, b->sans, 16);
	snprintf(line, sizeof(line), "Offert par %s", v->funder_name);
	y = print_wrap(cr, COVER_MARGIN, 180, width, 22, 2, line);
	cairo_set_line_width(cr, 1.2);
	cairo_move_to(cr, COVER_MARGIN, y - 6);
	cairo_line_to(cr, PAGE_WIDTH - COVER_MARGIN, y - 6);
	cairo_stroke(cr);
	y += 26;
	print_font(b, b->sans_bold, 17);
	print_text(cr, COVER_MARGIN, y, "Ce carnet est gratuit.");
	print_font(b, b->sans, 16);
	y += 30;
	snprintf(line, sizeof(line), "Il contient %u pass de %s.",
	    v->booklet_size, money);
	print_text(cr, COVER_MARGIN, y, line);
	y = print_wrap(cr, COVER_MARGIN, y + 30, width, 23, 3,
	    "Un pass paie un atelier pour apprendre l'ordinateur, "
	    "le t\u00e9l\u00e9phone, internet.");
	print_text(cr, COVER_MARGIN, y + 7, "Donnez un pass au d\u00e9but de l'atelier.");
	print_text(cr, COVER_MARGIN, y + 37, "Vous n'avez rien \u00e0 payer en plus.");
	snprintf(line, sizeof(line), "Les pass sont valables jusqu'au %s.",
	    v->last_day);
	y = print_wrap(cr, COVER_MARGIN, y + 67, width, 23, 2, line);
	print_cover_places(b, y + 30);
	print_cover_notice(b, v->funder_name);
	print_cover_stub(b, number);
	cairo_show_page(cr);
}

/* Draws v as the next slip of the current pass page. */
static void
print_slip(struct print_booklets *b, const struct print_voucher *v,
    const struct qr_matrix *qr)
{
	cairo_t *cr = b->cr;
	const double top = b->slot * SLIP_HEIGHT, left = 40;
	const double code_center = PAGE_WIDTH - 42 - 106;
	char line[256];

	if (b->slot > 0)
		print_cut_line(b, top);
	/* a 1-bit image mask, not a vector path: about a third of the CPU
	 * and of the bytes (docs/benchmarks.md); whole-point origin */
	qr_draw_cairo_image(qr, cr, (int)(code_center - QR_SIDE / 2),
	    (int)(top + 30), QR_SIDE);
	print_gray(cr, 0);
	print_font(b, b->mono_bold, 14);
	print_text_centered(cr, code_center, top + 30 + QR_SIDE + 20,
	    v->human_code);
	print_font(b, b->sans_bold, 20);
	print_text(cr, left, top + 46, "Pass num\u00e9rique");
	print_font(b, b->sans_bold, 34);
	print_format_euros(v->value_cents, line, sizeof(line));
	print_text(cr, left, top + 92, line);
	print_font(b, b->sans, 15);
	snprintf(line, sizeof(line), "Valable jusqu'au %s", v->last_day);
	print_wrap(cr, left, top + 124, 290, 20, 1, line);
	snprintf(line, sizeof(line), "Offert par %s", v->funder_name);
	print_wrap(cr, left, top + 146, 290, 19, 2, line);
	print_font(b, b->sans, 14);
	snprintf(line, sizeof(line), "Carnet n\u00b0 %06" PRIu32
	    " \u2014 pass %u sur %u", v->booklet, v->index, v->booklet_size);
	print_text(cr, left, top + 192, line);
}

/* Checks that v is well-formed and comes next in order. 0 / -1. */
static int
print_check(const struct print_booklets *b, const struct print_voucher *v,
    struct error *e)
{
	if (v->booklet_size < 1 || v->booklet_size > PRINT_MAX_BOOKLET_SIZE ||
	    v->index < 1 || v->index > v->booklet_size || v->value_cents <= 0 ||
	    v->value_cents > INT64_C(100000000000) ||
	    !print_text_ok(v->human_code, 40) || !print_text_ok(v->last_day, 64) ||
	    !print_text_ok(v->funder_name, 200) || v->token == NULL)
		return error_set(e, 422, "PRINT_BAD_VOUCHER",
		    "voucher %u of booklet %" PRIu32 " has a missing or invalid field",
		    v->index, v->booklet);
	if (v->index == 1 ? b->index != b->size :
	    (v->booklet != b->booklet || v->index != b->index + 1 ||
	    v->booklet_size != b->size))
		return error_set(e, 422, "PRINT_ORDER",
		    "voucher %u of booklet %" PRIu32 " is out of order",
		    v->index, v->booklet);
	return 0;
}

int
print_booklet_add(struct print_booklets *b, const struct print_voucher *v,
    struct error *e)
{
	struct qr_matrix *qr;
	cairo_status_t status;

	if (print_check(b, v, e) != 0 || qr_encode(v->token, &qr, e) != 0)
		return -1;
	if (v->index == 1) {
		b->booklet = v->booklet;
		b->size = v->booklet_size;
		b->slot = 0;
		print_cover(b, v);
	}
	print_slip(b, v, qr);
	qr_free(qr);
	b->index = v->index;
	if (++b->slot == PRINT_PASSES_PER_PAGE || v->index == v->booklet_size) {
		if (b->slot < PRINT_PASSES_PER_PAGE)   /* below the booklet's last slip */
			print_cut_line(b, b->slot * SLIP_HEIGHT);
		cairo_show_page(b->cr);
		b->slot = 0;
	}
	if ((status = cairo_status(b->cr)) != CAIRO_STATUS_SUCCESS || b->write_failed)
		return error_set(e, 500, "PRINT_WRITE", "%s: %s", b->path,
		    b->write_failed ? strerror(errno) : cairo_status_to_string(status));
	return 0;
}

static cairo_status_t
print_write(void *closure, const unsigned char *data, unsigned int length)
{
	struct print_booklets *b = closure;

	if (fwrite(data, 1, length, b->file) != length) {
		b->write_failed = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/* Frees b and everything it holds; closes and removes the temporary file
 * if it is still open. */
static void
print_free(struct print_booklets *b)
{
	if (b->cr != NULL)
		cairo_destroy(b->cr);
	if (b->surface != NULL) {
		cairo_surface_finish(b->surface);
		cairo_surface_destroy(b->surface);
	}
	if (b->sans != NULL)
		cairo_font_face_destroy(b->sans);
	if (b->sans_bold != NULL)
		cairo_font_face_destroy(b->sans_bold);
	if (b->mono_bold != NULL)
		cairo_font_face_destroy(b->mono_bold);
	if (b->file != NULL) {
		fclose(b->file);
		unlink(b->tmp_path);
	}
	free(b->tmp_path);
	free(b->path);
	free(b);
}

/* Checks the strings of info (NULL is allowed: no places). 0 / -1. */
static int
print_check_campaign(const struct print_campaign *info, struct error *e)
{
	size_t i;

	if (info == NULL)
		return 0;
	for (i = 0; i < info->place_count; i++)
		if (!print_text_ok(info->places[i].name, 200) ||
		    !print_text_ok(info->places[i].commune, 100))
			return error_set(e, 422, "PRINT_BAD_PLACE",
			    "place %zu has a missing or invalid name or commune", i + 1);
	if (info->places_more != NULL && !print_text_ok(info->places_more, 300))
		return error_set(e, 422, "PRINT_BAD_PLACE", "invalid places note");
	return 0;
}

struct print_booklets *
print_booklet_open(const char *path, const struct print_campaign *info,
    struct error *e)
{
	struct print_booklets *b;
	int fd = -1;

	if (print_check_campaign(info, e) != 0)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL || (b->path = strdup(path)) == NULL ||
	    asprintf(&b->tmp_path, "%s.tmpXXXXXX", path) < 0)
		abort();
	b->info = info;
	if ((fd = mkstemp(b->tmp_path)) == -1 || fchmod(fd, 0644) != 0 ||
	    (b->file = fdopen(fd, "wb")) == NULL) {
		error_set(e, 500, "PRINT_WRITE", "%s: %s", path, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(b->tmp_path);
		}
		goto fail;
	}
	b->surface = cairo_pdf_surface_create_for_stream(print_write, b,
	    PAGE_WIDTH, PAGE_HEIGHT);
	cairo_pdf_surface_set_metadata(b->surface, CAIRO_PDF_METADATA_TITLE,
	    "Pass num\u00e9rique \u2014 carnets");
	cairo_pdf_surface_set_metadata(b->surface, CAIRO_PDF_METADATA_CREATOR,
	    "passnum");
	b->cr = cairo_create(b->surface);
	b->sans = cairo_toy_font_face_create("DejaVu Sans",
	    CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	b->sans_bold = cairo_toy_font_face_create("DejaVu Sans",
	    CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	b->mono_bold = cairo_toy_font_face_create("DejaVu Sans Mono",
	    CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	if (cairo_status(b->cr) != CAIRO_STATUS_SUCCESS) {
		error_set(e, 500, "PRINT_WRITE", "%s: %s", path,
		    cairo_status_to_string(cairo_status(b->cr)));
		goto fail;
	}
	return b;
fail:
	print_free(b);
	return NULL;
}

void
print_booklet_abort(struct print_booklets *b)
{
	if (b != NULL)
		print_free(b);
}

int
print_booklet_close(struct print_booklets *b, struct error *e)
{
	cairo_status_t status;
	FILE *file;
	int closed;

	if (b->index == 0 || b->index != b->size) {
		error_set(e, 422, "PRINT_INCOMPLETE", b->index == 0 ?
		    "no voucher to print" : "booklet %" PRIu32 " has %u of %u passes",
		    b->booklet, b->index, b->size);
		goto fail;
	}
	cairo_destroy(b->cr);
	b->cr = NULL;
	cairo_surface_finish(b->surface);
	status = cairo_surface_status(b->surface);
	if (status != CAIRO_STATUS_SUCCESS || b->write_failed) {
		error_set(e, 500, "PRINT_WRITE", "%s: %s", b->path,
		    b->write_failed ? strerror(errno) : cairo_status_to_string(status));
		goto fail;
	}
	if (fflush(b->file) != 0 || fsync(fileno(b->file)) != 0)
		goto fail_errno;
	file = b->file;
	b->file = NULL;
	closed = fclose(file) == 0;
	if (!closed || rename(b->tmp_path, b->path) != 0) {
		unlink(b->tmp_path);
		goto fail_errno;
	}
	print_free(b);
	return 0;
fail_errno:
	error_set(e, 500, "PRINT_WRITE", "%s: %s", b->path, strerror(errno));
fail:
	print_free(b);
	return -1;
}
