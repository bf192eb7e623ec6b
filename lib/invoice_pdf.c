/* The French PDF of an invoice or credit note, with cairo (lib/invoice.h):
 * every mention of docs/accounting.md "What an invoice says", one A4 page
 * (more when the lines need them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cairo.h>
#include <cairo-pdf.h>
#include "date.h"
#include "identifiers.h"
#include "invoice.h"
#include "money.h"

#define PDF_WIDTH 595.28
#define PDF_HEIGHT 841.89
#define PDF_MARGIN 48.0
#define PDF_BOTTOM (PDF_HEIGHT - 60.0)

struct pdf {
	cairo_t *cr;
	cairo_font_face_t *sans, *bold;
	double y;
};

static void
pdf_font(struct pdf *p, bool bold, double size)
{
	cairo_set_font_face(p->cr, bold ? p->bold : p->sans);
	cairo_set_font_size(p->cr, size);
}

static void
pdf_page_break(struct pdf *p, double need)
{
	if (p->y + need <= PDF_BOTTOM)
		return;
	cairo_show_page(p->cr);
	p->y = PDF_MARGIN;
}

/* Writes text at x within width, wrapped at spaces, and moves down. */
static void
pdf_paragraph(struct pdf *p, double x, double width, bool bold, double size, const char *text)
{
	char line[1600], word[512];
	const char *s = text;
	cairo_text_extents_t ext;

	pdf_font(p, bold, size);
	line[0] = '\0';
	while (*s != '\0') {
		size_t n = strcspn(s, " "), len = strlen(line);
		char candidate[2200];
		snprintf(word, sizeof(word), "%.*s", (int)(n < sizeof(word) - 1 ? n : sizeof(word) - 1), s);
		snprintf(candidate, sizeof(candidate), "%s%s%s", line, len > 0 ? " " : "", word);
		cairo_text_extents(p->cr, candidate, &ext);
		if (ext.x_advance > width && len > 0) {
			pdf_page_break(p, size * 1.4);
			cairo_move_to(p->cr, x, p->y + size);
			cairo_show_text(p->cr, line);
			p->y += size * 1.35;
			snprintf(line, sizeof(line), "%s", word);
		} else {
			memcpy(line, candidate, sizeof(line) - 1);
			line[sizeof(line) - 1] = '\0';
		}
		s += n;
		while (*s == ' ')
			s++;
	}
	if (line[0] != '\0') {
		pdf_page_break(p, size * 1.4);
		cairo_move_to(p->cr, x, p->y + size);
		cairo_show_text(p->cr, line);
		p->y += size * 1.35;
	}
}

/* text right-aligned so that it ends at x, on the current line (y). */
static void
pdf_right(struct pdf *p, double x, bool bold, double size, const char *text)
{
	cairo_text_extents_t ext;

	pdf_font(p, bold, size);
	cairo_text_extents(p->cr, text, &ext);
	cairo_move_to(p->cr, x - ext.x_advance, p->y + size);
	cairo_show_text(p->cr, text);
}

static void
pdf_seller(struct pdf *p, const struct invoice *inv)
{
	const struct operator_info *op = &inv->seller;
	char text[600], capital[MONEY_FORMAT_FR_SIZE];

	pdf_paragraph(p, PDF_MARGIN, 240, true, 11, op->name);
	capital[0] = '\0';
	if (op->capital_known)
		money_format_fr(op->capital_cents, capital, sizeof(capital));
	snprintf(text, sizeof(text), "%s%s%s", op->legal_form, capital[0] != '\0' ?
	    " au capital de " : "", capital);
	if (text[0] != '\0')
		pdf_paragraph(p, PDF_MARGIN, 240, false, 9, text);
	if (op->address[0] != '\0')
		pdf_paragraph(p, PDF_MARGIN, 240, false, 9, op->address);
	if (op->rcs[0] != '\0')
		pdf_paragraph(p, PDF_MARGIN, 240, false, 9, op->rcs);
	snprintf(text, sizeof(text), "SIREN %s — SIRET %s", op->siren[0] != '\0' ? op->siren : "-",
	    op->siret[0] != '\0' ? op->siret : "-");
	pdf_paragraph(p, PDF_MARGIN, 240, false, 9, text);
	snprintf(text, sizeof(text), "N° TVA intracommunautaire : %s", op->vat_number[0] != '\0' ?
	    op->vat_number : "-");
	pdf_paragraph(p, PDF_MARGIN, 240, false, 9, text);
}

static void
pdf_buyer(struct pdf *p, const struct invoice *inv, double top)
{
	const struct funder *f = &inv->buyer;
	double x = 300, w = PDF_WIDTH - PDF_MARGIN - 300;
	char text[300];

	p->y = top;
	pdf_paragraph(p, x, w, false, 9, "Client (acheteur) :");
	pdf_paragraph(p, x, w, true, 11, f->name);
	snprintf(text, sizeof(text), "SIRET %s", f->siret[0] != '\0' ? f->siret : "-");
	pdf_paragraph(p, x, w, false, 9, text);
	snprintf(text, sizeof(text), "Code service : %s", inv->service_code[0] != '\0' ?
	    inv->service_code : "-");
	pdf_paragraph(p, x, w, false, 9, text);
	snprintf(text, sizeof(text), "N° d'engagement : %s", inv->engagement[0] != '\0' ?
	    inv->engagement : "-");
	pdf_paragraph(p, x, w, false, 9, text);
	snprintf(text, sizeof(text), "Cadre de facturation : %s (%s)", inv->billing_frame,
	    strcmp(inv->billing_frame, "A2") == 0 ? "facture déjà payée" : "dépôt d'une facture");
	pdf_paragraph(p, x, w, false, 9, text);
}

static void
pdf_heading(struct pdf *p, const struct invoice *inv)
{
	char text[300], issue[DATE_FORMAT_FR_SIZE], due[DATE_FORMAT_FR_SIZE],
	    first[DATE_FORMAT_FR_SIZE], last[DATE_FORMAT_FR_SIZE];

	date_format_fr(inv->issue_day, issue);
	date_format_fr(inv->issue_day + INVOICE_DUE_DAYS, due);
	date_format_fr(inv->first_day, first);
	date_format_fr(inv->last_day, last);
	snprintf(text, sizeof(text), "%s %s", inv->credit_note ? "AVOIR" : "FACTURE", inv->number);
	pdf_paragraph(p, PDF_MARGIN, PDF_WIDTH - 2 * PDF_MARGIN, true, 16, text);
	snprintf(text, sizeof(text), "Date d'émission : %s", issue);
	pdf_paragraph(p, PDF_MARGIN, PDF_WIDTH - 2 * PDF_MARGIN, false, 10, text);
	snprintf(text, sizeof(text), "Période de la prestation : du %s au %s", first, last);
	pdf_paragraph(p, PDF_MARGIN, PDF_WIDTH - 2 * PDF_MARGIN, false, 10, text);
	if (inv->credit_note) {
		snprintf(text, sizeof(text), "Avoir sur la facture %s", inv->invoice_number);
		pdf_paragraph(p, PDF_MARGIN, PDF_WIDTH - 2 * PDF_MARGIN, false, 10, text);
	} else {
		snprintf(text, sizeof(text), "Échéance : %s (30 jours à compter de la réception de la"
		    " facture, délai global de paiement)", due);
		pdf_paragraph(p, PDF_MARGIN, PDF_WIDTH - 2 * PDF_MARGIN, false, 10, text);
	}
}

static void
pdf_lines(struct pdf *p, const struct invoice *inv)
{
	const double qx = 370, ux = 450, tx = PDF_WIDTH - PDF_MARGIN;
	char quantity[24], unit[MONEY_FORMAT_FR_SIZE], net[MONEY_FORMAT_FR_SIZE];

	p->y += 10;
	pdf_font(p, true, 9);
	cairo_move_to(p->cr, PDF_MARGIN, p->y + 9);
	cairo_show_text(p->cr, "Désignation");
	pdf_right(p, qx, true, 9, "Quantité");
	pdf_right(p, ux, true, 9, "Prix unitaire HT");
	pdf_right(p, tx, true, 9, "Montant HT");
	p->y += 14;
	for (size_t i = 0; i < inv->line_count; i++) {
		const struct invoice_line *l = &inv->lines[i];
		double top = p->y;
		snprintf(quantity, sizeof(quantity), "%lld", (long long)l->quantity);
		money_format_fr(l->unit_cents, unit, sizeof(unit));
		money_format_fr(l->net_cents, net, sizeof(net));
		pdf_page_break(p, 30);
		top = p->y;
		pdf_right(p, qx, false, 9, quantity);
		pdf_right(p, ux, false, 9, unit);
		pdf_right(p, tx, false, 9, net);
		p->y = top;
		pdf_paragraph(p, PDF_MARGIN, 270, false, 9, l->description);
		p->y += 4;
	}
}

static void
pdf_total_line(struct pdf *p, bool bold, const char *label, int64_t cents)
{
	char amount[MONEY_FORMAT_FR_SIZE];

	money_format_fr(cents, amount, sizeof(amount));
	pdf_page_break(p, 16);
	pdf_right(p, 450, bold, 10, label);
	pdf_right(p, PDF_WIDTH - PDF_MARGIN, bold, 10, amount);
	p->y += 15;
}

static void
pdf_totals(struct pdf *p, const struct invoice *inv)
{
	char label[80], percent[MONEY_FORMAT_SIZE];
	bool prepaid = !inv->credit_note && strcmp(inv->billing_frame, "A2") == 0;

	p->y += 8;
	pdf_total_line(p, false, "Total HT", inv->net_cents);
	money_format(inv->vat_rate_bp, percent, sizeof(percent));
	if (strchr(percent, '.') != NULL)
		*strchr(percent, '.') = ',';
	if (strcmp(inv->vat_category, "S") == 0)
		snprintf(label, sizeof(label), "TVA %s %%", percent);
	else
		snprintf(label, sizeof(label), "TVA");
	pdf_total_line(p, false, label, inv->vat_cents);
	pdf_total_line(p, true, "Total TTC", inv->total_cents);
	if (prepaid)
		pdf_total_line(p, false, "Déjà payé", inv->total_cents);
	pdf_total_line(p, true, inv->credit_note ? "Montant de l'avoir" : "Net à payer",
	    prepaid ? 0 : inv->total_cents);
	if (strcmp(inv->vat_category, "S") == 0)
		pdf_paragraph(p, PDF_MARGIN, PDF_WIDTH - 2 * PDF_MARGIN, false, 9,
		    "TVA exigible à l'encaissement (option pour le paiement de la TVA d'après les"
		    " débits non exercée).");
	if (inv->mentions.vat_note[0] != '\0')
		pdf_paragraph(p, PDF_MARGIN, PDF_WIDTH - 2 * PDF_MARGIN, true, 9,
		    inv->mentions.vat_note);
}

static void
pdf_payment(struct pdf *p, const struct invoice *inv)
{
	char text[900], iban[IDENTIFIERS_IBAN_PRINT_SIZE], rate[MONEY_FORMAT_SIZE],
	    margin[MONEY_FORMAT_SIZE];
	const char *account = strcmp(inv->part, "fees") == 0 && inv->seller.operating_iban[0] !=
	    '\0' ? inv->seller.operating_iban : inv->seller.iban;
	const double w = PDF_WIDTH - 2 * PDF_MARGIN;

	p->y += 10;
	if (!inv->credit_note && account[0] != '\0') {
		identifiers_iban_format(account, iban);
		snprintf(text, sizeof(text), "Règlement par virement au compte IBAN %s, BIC %s, en"
		    " rappelant la référence %s.", iban, inv->seller.bic[0] != '\0' ? inv->seller.bic :
		    "-", inv->number);
		pdf_paragraph(p, PDF_MARGIN, w, false, 9, text);
	}
	if (inv->credit_note)
		pdf_paragraph(p, PDF_MARGIN, w, false, 9, "Cet avoir réduit la facture qu'il cite ;"
		    " ce qui en a déjà été payé est remboursé au comptable public du financeur, sans"
		    " compensation avec une facture ultérieure.");
	money_format(inv->mentions.ecb_rate_bp, rate, sizeof(rate));
	money_format(inv->mentions.late_margin_bp, margin, sizeof(margin));
	if (strchr(rate, '.') != NULL)
		*strchr(rate, '.') = ',';
	if (strchr(margin, '.') != NULL)
		*strchr(margin, '.') = ',';
	snprintf(text, sizeof(text), "Pénalités de retard : intérêts moratoires au taux directeur"
	    " de la Banque centrale européenne (%s %%) majoré de %s points, et indemnité forfaitaire"
	    " pour frais de recouvrement de 40,00 € (art. L.2192-13 et D.2192-35 du code de la"
	    " commande publique ; art. L.441-10 et D.441-5 du code de commerce). Pas d'escompte pour"
	    " paiement anticipé.", rate, margin);
	pdf_paragraph(p, PDF_MARGIN, w, false, 8, text);
}

int
invoice_pdf_write(const struct invoice *inv, const char *path, struct error *e)
{
	cairo_surface_t *surface = cairo_pdf_surface_create(path, PDF_WIDTH, PDF_HEIGHT);
	cairo_status_t status;
	struct pdf p = { NULL, NULL, NULL, PDF_MARGIN };
	double after_seller;

	if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(surface);
		return error_set(e, 500, "PDF_ERROR", "cannot write %s", path);
	}
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, inv->number);
	p.cr = cairo_create(surface);
	p.sans = cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_NORMAL);
	p.bold = cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_source_rgb(p.cr, 0, 0, 0);
	pdf_seller(&p, inv);
	after_seller = p.y;
	pdf_buyer(&p, inv, PDF_MARGIN);
	p.y = (p.y > after_seller ? p.y : after_seller) + 18;
	pdf_heading(&p, inv);
	pdf_lines(&p, inv);
	pdf_totals(&p, inv);
	pdf_payment(&p, inv);
	cairo_show_page(p.cr);
	cairo_destroy(p.cr);
	cairo_font_face_destroy(p.sans);
	cairo_font_face_destroy(p.bold);
	cairo_surface_finish(surface);
	status = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (status != CAIRO_STATUS_SUCCESS) {
		remove(path);
		return error_set(e, 500, "PDF_ERROR", "cannot write %s: %s", path,
		    cairo_status_to_string(status));
	}
	return 0;
}
