/* Print-ready booklets (carnets) as one A4 PDF, drawn with cairo, in plain
 * French for the people who receive them.
 *
 * Layout of each booklet: a cover page (what a pass is for, where to use
 * it, the booklet number) with a stub to cut off and keep; then the passes,
 * PRINT_PASSES_PER_PAGE per A4 page (210 × 74 mm slips with cut lines), each
 * with its value, last day, funder's public name, QR code (version 7, a
 * 1-bit image mask of 2 pt modules, not interpolated: 31.75 mm without its
 * quiet zone), human code and position in the booklet. A booklet of n passes takes print_booklet_pages(n) pages.
 *
 * Vouchers are streamed: pages are written as soon as they are full and we
 * keep nothing per voucher; cairo keeps only a small record (~0.15 KiB) of
 * each QR image until the document is closed (~15 MiB per 100,000). */
#ifndef PASSNUM_PRINT_H
#define PASSNUM_PRINT_H
#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define PRINT_PASSES_PER_PAGE 4
#define PRINT_MAX_PLACES 6     /* places listed on a cover at most, as space allows */
#define PRINT_MAX_BOOKLET_SIZE 1000

/* A qualified place listed on the covers under "Où l'utiliser :". */
struct print_place {
	const char *name;    /* e.g. "Espace numérique de la mairie" */
	const char *commune; /* e.g. "Bobigny" */
};

/* What is the same for every booklet of the document. Never put a
 * campaign's internal name here: only public information is printed. */
struct print_campaign {
	const struct print_place *places; /* shown on covers, in this order */
	size_t place_count;               /* at most PRINT_MAX_PLACES shown */
	const char *places_more;          /* optional last line under the places,
	                                     e.g. "Et d'autres lieux : www.exemple.fr" */
};

/* One pass to print. Strings are borrowed for the duration of the call. */
struct print_voucher {
	uint32_t booklet;          /* booklet number, printed as 6 digits */
	unsigned index;            /* position in the booklet, 1..booklet_size */
	unsigned booklet_size;     /* passes in this booklet */
	const char *token;         /* QR text "PN1:..." (TOKEN.md) */
	const char *human_code;    /* printed form XXXXX-XXXXX-XXXXX-XXXXX-C */
	int64_t value_cents;       /* face value, > 0 */
	const char *last_day;      /* preformatted French date, "31 décembre 2027" */
	const char *funder_name;   /* the funder's public name */
};

struct print_booklets; /* an open PDF being written; opaque */

/* Starts a PDF at path (written to a temporary file beside it, renamed by
 * print_booklet_close). info and its strings must stay valid until close.
 * Returns a handle owned by the caller (print_booklet_close or
 * print_booklet_abort), or NULL with e set. */
struct print_booklets *print_booklet_open(const char *path,
    const struct print_campaign *info, struct error *e);

/* Adds the next voucher. Vouchers come booklet by booklet, index 1 to
 * booklet_size in order; index 1 starts a new booklet (cover page). Returns
 * 0, or -1 with e set: a refused voucher (422 PRINT_BAD_VOUCHER,
 * PRINT_ORDER, QR_*) leaves the document unchanged; after 500 PRINT_WRITE
 * the handle can only be aborted. */
int print_booklet_add(struct print_booklets *b, const struct print_voucher *v,
    struct error *e) __attribute__((warn_unused_result));

/* Finishes the PDF and renames it into place. Refuses (PRINT_INCOMPLETE) a
 * last booklet with missing passes or a document with none. Always frees b;
 * on failure the temporary file is removed and no file appears at path.
 * 0 / -1. */
int print_booklet_close(struct print_booklets *b, struct error *e)
	__attribute__((warn_unused_result));

/* Discards an unfinished PDF (temporary file removed) and frees b. NULL is
 * allowed. */
void print_booklet_abort(struct print_booklets *b);

/* Pages taken by one booklet of n passes: its cover plus its pass pages. */
unsigned print_booklet_pages(unsigned n);

/* Writes cents as French euros ("10,00 €", "1 250,50 €") into buf, using
 * integer arithmetic only. Returns 0, or -1 if cents < 0 or buf is short. */
int print_format_euros(int64_t cents, char *buf, size_t size);

#endif
