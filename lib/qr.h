/* QR codes of passes (TOKEN.md): the text "PN1:"+Base45 encoded in
 * alphanumeric mode, error correction M, version 7 exactly (45×45 modules),
 * always drawn with a quiet zone of 4 modules. Matrices come from
 * libqrencode; PNG, SVG, vector and 1-bit image (PDF) renderings are drawn
 * with cairo or written by hand (SVG), with square modules and no
 * anti-aliasing. */
#ifndef PASSNUM_QR_H
#define PASSNUM_QR_H
#include <stdint.h>
#include <stdio.h>
#include <cairo.h>
#include "error.h"

#define QR_VERSION 7
#define QR_WIDTH 45       /* modules per side for version 7 */
#define QR_QUIET_ZONE 4   /* light modules around the symbol, each side */
#define QR_TOTAL_WIDTH (QR_WIDTH + 2 * QR_QUIET_ZONE) /* 53 */
#define QR_MAX_TEXT 154   /* alphanumeric capacity of version 7-M */

struct qr_matrix {
	int width;        /* modules per side: QR_WIDTH */
	uint8_t *modules; /* width*width bytes, row-major, 1 = dark; owned */
};

/* Encodes text (NUL-terminated; characters of the QR alphanumeric set
 * 0-9 A-Z space $ % * + - . / : only, so no lower case) as one alphanumeric
 * segment at level M in version 7. On success *out is a new matrix owned by
 * the caller (qr_free) and 0 is returned; otherwise *out is NULL, e is set
 * (422 QR_BAD_TEXT / QR_TOO_LONG, 500 QR_ENCODE) and -1 returned. */
int qr_encode(const char *text, struct qr_matrix **out, struct error *e)
	__attribute__((warn_unused_result));

/* Frees a matrix from qr_encode; NULL is allowed. */
void qr_free(struct qr_matrix *m);

/* Returns the module at column x, row y (0 = light, 1 = dark); coordinates
 * outside the symbol (the quiet zone and beyond) are light. */
int qr_module(const struct qr_matrix *m, int x, int y);

/* Writes m as a PNG of (width + 8) * pixels_per_module pixels square to out
 * (not closed): white background, black square modules on whole pixels, no
 * anti-aliasing, 4-module quiet zone. pixels_per_module is 1..64. 0 / -1. */
int qr_write_png_stream(const struct qr_matrix *m, int pixels_per_module,
    FILE *out, struct error *e);

/* Same as qr_write_png_stream, to the file path, written atomically
 * (a temporary file in the same directory, then rename). 0 / -1. */
int qr_write_png(const struct qr_matrix *m, const char *path,
    int pixels_per_module, struct error *e);

/* Writes m as a standalone SVG document to out (not closed): viewBox
 * "0 0 53 53" in module units, white background, dark modules as one path
 * of merged horizontal runs, shape-rendering="crispEdges". 0 / -1. */
int qr_write_svg_stream(const struct qr_matrix *m, FILE *out, struct error *e);

/* Same as qr_write_svg_stream, to the file path, written atomically. */
int qr_write_svg(const struct qr_matrix *m, const char *path, struct error *e);

/* Draws m with its quiet zone into the square of side size (user units)
 * whose top-left corner is (x, y): the square is painted white, then the dark
 * modules are covered exactly, in black, by one stroke (one module wide,
 * butt caps) of merged runs: horizontal runs of 2 modules or more, and
 * vertical runs for modules alone in their row. No anti-aliasing. The state
 * of cr is saved and restored, its current path is cleared. On a PDF surface
 * this gives exact vector modules in one path (no seams between runs). */
void qr_draw_cairo(const struct qr_matrix *m, cairo_t *cr, double x, double y,
    double size);

/* Same contract as qr_draw_cairo (the square painted white, dark modules
 * covered exactly, in black; state of cr saved and restored, its path
 * cleared), but the modules are one 1-bit stencil image of 53 × 53 pixels,
 * one per module (quiet zone included), scaled with CAIRO_FILTER_NEAREST.
 * On a PDF surface this is an /ImageMask with /Interpolate false: a few
 * hundred bytes and much less CPU than the vector path. */
void qr_draw_cairo_image(const struct qr_matrix *m, cairo_t *cr, double x,
    double y, double size);

#endif
