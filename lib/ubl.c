/* UBL 2.1 Invoice and CreditNote under EN 16931 (CEN/TS 16931-3-2), for
 * upload to Chorus Pro: ubl_write (lib/invoice.h). The business terms
 * (BT-n) are named beside the elements; docs/accounting.md lists them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlwriter.h>
#include "date.h"
#include "invoice.h"
#include "money.h"

#define UBL_CBC "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
#define UBL_CAC "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"

struct ubl {
	xmlTextWriterPtr w;
	int failed;
};

static void
ubl_start(struct ubl *u, const char *name)
{
	if (!u->failed && xmlTextWriterStartElement(u->w, BAD_CAST name) < 0)
		u->failed = 1;
}

static void
ubl_end(struct ubl *u)
{
	if (!u->failed && xmlTextWriterEndElement(u->w) < 0)
		u->failed = 1;
}

/* <name attr="value">text</name>; attr may be NULL. */
static void
ubl_text_attr(struct ubl *u, const char *name, const char *attr, const char *value,
    const char *text)
{
	ubl_start(u, name);
	if (!u->failed && attr != NULL &&
	    xmlTextWriterWriteAttribute(u->w, BAD_CAST attr, BAD_CAST value) < 0)
		u->failed = 1;
	if (!u->failed && xmlTextWriterWriteString(u->w, BAD_CAST text) < 0)
		u->failed = 1;
	ubl_end(u);
}

static void
ubl_text(struct ubl *u, const char *name, const char *text)
{
	ubl_text_attr(u, name, NULL, NULL, text);
}

static void
ubl_amount(struct ubl *u, const char *name, int64_t cents)
{
	char text[MONEY_FORMAT_SIZE];

	money_format(cents, text, sizeof(text));
	ubl_text_attr(u, name, "currencyID", "EUR", text);
}

static void
ubl_date(struct ubl *u, const char *name, int32_t day)
{
	char text[DATE_FORMAT_SIZE];

	date_format(day, text);
	ubl_text(u, name, text);
}

/* cac:TaxCategory or cac:ClassifiedTaxCategory of inv (BG-23 / BG-30). */
static void
ubl_tax_category(struct ubl *u, const char *element, const struct invoice *inv, bool reason)
{
	char percent[MONEY_FORMAT_SIZE];

	ubl_start(u, element);
	ubl_text(u, "cbc:ID", inv->vat_category);                 /* BT-118 / BT-151 */
	if (strcmp(inv->vat_category, "O") != 0) {
		money_format(inv->vat_rate_bp, percent, sizeof(percent));
		ubl_text(u, "cbc:Percent", percent);                  /* BT-119 / BT-152 */
	}
	if (reason && inv->mentions.vat_reason_code[0] != '\0')
		ubl_text(u, "cbc:TaxExemptionReasonCode", inv->mentions.vat_reason_code); /* BT-121 */
	if (reason && inv->mentions.vat_note[0] != '\0')
		ubl_text(u, "cbc:TaxExemptionReason", inv->mentions.vat_note);           /* BT-120 */
	ubl_start(u, "cac:TaxScheme");
	ubl_text(u, "cbc:ID", "VAT");
	ubl_end(u);
	ubl_end(u);
}

/* Splits a one-line French address "12 rue X, 75011 Paris" into street,
 * postal code and city (the last five digits followed by a space). */
static void
ubl_address_split(const char *address, char *street, char *zone, char *city, size_t size)
{
	const char *p, *found = NULL;
	size_t n;

	street[0] = zone[0] = city[0] = '\0';
	for (p = address; *p != '\0'; p++)
		if ((p == address || p[-1] == ' ' || p[-1] == ',') && strlen(p) > 6 &&
		    strspn(p, "0123456789") == 5 && p[5] == ' ')
			found = p;
	if (found == NULL) {
		snprintf(street, size, "%s", address);
		return;
	}
	n = (size_t)(found - address);
	while (n > 0 && (address[n - 1] == ' ' || address[n - 1] == ','))
		n--;
	snprintf(street, size, "%.*s", (int)n, address);
	snprintf(zone, 6, "%.5s", found);
	snprintf(city, size, "%s", found + 6);
}

static void
ubl_address(struct ubl *u, const char *address)
{
	char street[301], zone[6], city[301];

	ubl_address_split(address, street, zone, city, sizeof(street));
	ubl_start(u, "cac:PostalAddress");
	if (street[0] != '\0')
		ubl_text(u, "cbc:StreetName", street);                /* BT-35 / BT-50 */
	if (city[0] != '\0')
		ubl_text(u, "cbc:CityName", city);                    /* BT-37 / BT-52 */
	if (zone[0] != '\0')
		ubl_text(u, "cbc:PostalZone", zone);                  /* BT-38 / BT-53 */
	ubl_start(u, "cac:Country");
	ubl_text(u, "cbc:IdentificationCode", "FR");              /* BT-40 / BT-55 */
	ubl_end(u);
	ubl_end(u);
}

/* BG-4: the seller, the operator (its identity from `operator set`). */
static void
ubl_seller(struct ubl *u, const struct invoice *inv)
{
	const struct operator_info *op = &inv->seller;
	char legal[400], capital[MONEY_FORMAT_SIZE];

	ubl_start(u, "cac:AccountingSupplierParty");
	ubl_start(u, "cac:Party");
	if (op->siret[0] != '\0') {
		ubl_start(u, "cac:PartyIdentification");
		ubl_text_attr(u, "cbc:ID", "schemeID", "0009", op->siret); /* BT-29, SIRET */
		ubl_end(u);
	}
	ubl_start(u, "cac:PartyName");
	ubl_text(u, "cbc:Name", op->name);                        /* BT-28 */
	ubl_end(u);
	ubl_address(u, op->address);
	if (op->vat_number[0] != '\0') {
		ubl_start(u, "cac:PartyTaxScheme");
		ubl_text(u, "cbc:CompanyID", op->vat_number);         /* BT-31 */
		ubl_start(u, "cac:TaxScheme");
		ubl_text(u, "cbc:ID", "VAT");
		ubl_end(u);
		ubl_end(u);
	}
	ubl_start(u, "cac:PartyLegalEntity");
	ubl_text(u, "cbc:RegistrationName", op->name);            /* BT-27 */
	if (op->siren[0] != '\0')
		ubl_text_attr(u, "cbc:CompanyID", "schemeID", "0002", op->siren); /* BT-30, SIREN */
	capital[0] = '\0';
	if (op->capital_known)
		money_format(op->capital_cents, capital, sizeof(capital));
	snprintf(legal, sizeof(legal), "%s%s%s%s%s%s", op->legal_form,
	    capital[0] != '\0' ? " au capital de " : "", capital, capital[0] != '\0' ? " EUR" : "",
	    op->rcs[0] != '\0' ? ", " : "", op->rcs);
	if (legal[0] != '\0')
		ubl_text(u, "cbc:CompanyLegalForm", legal);           /* BT-33 */
	ubl_end(u);
	ubl_end(u);
	ubl_end(u);
}

/* BG-7: the buyer, the funder. */
static void
ubl_buyer(struct ubl *u, const struct invoice *inv)
{
	const struct funder *f = &inv->buyer;
	char siren[10];

	ubl_start(u, "cac:AccountingCustomerParty");
	ubl_start(u, "cac:Party");
	if (f->siret[0] != '\0') {
		ubl_start(u, "cac:PartyIdentification");
		ubl_text_attr(u, "cbc:ID", "schemeID", "0009", f->siret); /* BT-46, SIRET */
		ubl_end(u);
	}
	ubl_start(u, "cac:PartyName");
	ubl_text(u, "cbc:Name", f->public_name);                  /* BT-45 */
	ubl_end(u);
	ubl_address(u, "");
	ubl_start(u, "cac:PartyLegalEntity");
	ubl_text(u, "cbc:RegistrationName", f->name);             /* BT-44 */
	if (f->siret[0] != '\0') {
		snprintf(siren, sizeof(siren), "%.9s", f->siret);
		ubl_text_attr(u, "cbc:CompanyID", "schemeID", "0002", siren); /* BT-47, SIREN */
	}
	ubl_end(u);
	ubl_end(u);
	ubl_end(u);
}

/* The late-payment mention (BT-20 and a note): ECB rate plus the margin,
 * the fixed indemnity. */
static void
ubl_late_mention(const struct invoice *inv, char *out, size_t size)
{
	char rate[MONEY_FORMAT_SIZE], margin[MONEY_FORMAT_SIZE];

	money_format(inv->mentions.ecb_rate_bp, rate, sizeof(rate));
	money_format(inv->mentions.late_margin_bp, margin, sizeof(margin));
	snprintf(out, size, "Paiement à 30 jours à compter de la réception de la facture (délai"
	    " global de paiement). En cas de retard : intérêts moratoires au taux directeur de la"
	    " BCE (%s %%) majoré de %s points et indemnité forfaitaire pour frais de recouvrement"
	    " de 40 EUR (art. L.2192-13 et D.2192-35 du code de la commande publique ; art. L.441-10"
	    " du code de commerce).", rate, margin);
}

static void
ubl_header(struct ubl *u, const struct invoice *inv)
{
	char note[700];

	ubl_text(u, "cbc:CustomizationID", "urn:cen.eu:en16931:2017"); /* BT-24 */
	ubl_text(u, "cbc:ProfileID", inv->billing_frame);        /* BT-23, cadre de facturation */
	ubl_text(u, "cbc:ID", inv->number);                       /* BT-1 */
	ubl_date(u, "cbc:IssueDate", inv->issue_day);             /* BT-2 */
	if (!inv->credit_note)
		ubl_date(u, "cbc:DueDate", inv->issue_day + INVOICE_DUE_DAYS); /* BT-9 */
	ubl_text(u, inv->credit_note ? "cbc:CreditNoteTypeCode" : "cbc:InvoiceTypeCode",
	    inv->credit_note ? "381" : "380");                    /* BT-3 */
	if (inv->mentions.vat_note[0] != '\0')
		ubl_text(u, "cbc:Note", inv->mentions.vat_note);      /* BT-22 */
	ubl_late_mention(inv, note, sizeof(note));
	ubl_text(u, "cbc:Note", note);
	ubl_text(u, "cbc:DocumentCurrencyCode", "EUR");           /* BT-5 */
	if (inv->service_code[0] != '\0')
		ubl_text(u, "cbc:BuyerReference", inv->service_code); /* BT-10, code service */
	ubl_start(u, "cac:InvoicePeriod");                        /* BG-14 */
	ubl_date(u, "cbc:StartDate", inv->first_day);             /* BT-73 */
	ubl_date(u, "cbc:EndDate", inv->last_day);                /* BT-74 */
	ubl_end(u);
	if (inv->engagement[0] != '\0') {
		ubl_start(u, "cac:OrderReference");
		ubl_text(u, "cbc:ID", inv->engagement);               /* BT-13, engagement */
		ubl_end(u);
	}
	if (inv->credit_note) {
		ubl_start(u, "cac:BillingReference");
		ubl_start(u, "cac:InvoiceDocumentReference");
		ubl_text(u, "cbc:ID", inv->invoice_number);           /* BT-25 */
		ubl_end(u);
		ubl_end(u);
	}
}

static void
ubl_payment(struct ubl *u, const struct invoice *inv)
{
	char note[700];
	const char *iban = strcmp(inv->part, "fees") == 0 && inv->seller.operating_iban[0] != '\0' ?
	    inv->seller.operating_iban : inv->seller.iban;

	if (!inv->credit_note && iban[0] != '\0') {
		ubl_start(u, "cac:PaymentMeans");                     /* BG-16 */
		ubl_text(u, "cbc:PaymentMeansCode", "30");            /* BT-81, credit transfer */
		ubl_text(u, "cbc:PaymentID", inv->number);            /* BT-83 */
		ubl_start(u, "cac:PayeeFinancialAccount");
		ubl_text(u, "cbc:ID", iban);                          /* BT-84 */
		if (inv->seller.bic[0] != '\0') {
			ubl_start(u, "cac:FinancialInstitutionBranch");
			ubl_text(u, "cbc:ID", inv->seller.bic);           /* BT-86 */
			ubl_end(u);
		}
		ubl_end(u);
		ubl_end(u);
	}
	ubl_late_mention(inv, note, sizeof(note));
	ubl_start(u, "cac:PaymentTerms");
	ubl_text(u, "cbc:Note", note);                            /* BT-20 */
	ubl_end(u);
}

static void
ubl_totals(struct ubl *u, const struct invoice *inv)
{
	bool prepaid = !inv->credit_note && strcmp(inv->billing_frame, "A2") == 0;

	ubl_start(u, "cac:TaxTotal");
	ubl_amount(u, "cbc:TaxAmount", inv->vat_cents);           /* BT-110 */
	ubl_start(u, "cac:TaxSubtotal");                          /* BG-23 */
	ubl_amount(u, "cbc:TaxableAmount", inv->net_cents);       /* BT-116 */
	ubl_amount(u, "cbc:TaxAmount", inv->vat_cents);           /* BT-117 */
	ubl_tax_category(u, "cac:TaxCategory", inv, true);
	ubl_end(u);
	ubl_end(u);
	ubl_start(u, "cac:LegalMonetaryTotal");                   /* BG-22 */
	ubl_amount(u, "cbc:LineExtensionAmount", inv->net_cents); /* BT-106 */
	ubl_amount(u, "cbc:TaxExclusiveAmount", inv->net_cents);  /* BT-109 */
	ubl_amount(u, "cbc:TaxInclusiveAmount", inv->total_cents); /* BT-112 */
	if (prepaid)
		ubl_amount(u, "cbc:PrepaidAmount", inv->total_cents); /* BT-113 */
	ubl_amount(u, "cbc:PayableAmount", prepaid ? 0 : inv->total_cents); /* BT-115 */
	ubl_end(u);
}

static void
ubl_lines(struct ubl *u, const struct invoice *inv)
{
	char id[24], quantity[24], unit[MONEY_FORMAT_SIZE];

	for (size_t i = 0; i < inv->line_count; i++) {
		const struct invoice_line *l = &inv->lines[i];
		snprintf(id, sizeof(id), "%zu", i + 1);
		snprintf(quantity, sizeof(quantity), "%lld", (long long)l->quantity);
		ubl_start(u, inv->credit_note ? "cac:CreditNoteLine" : "cac:InvoiceLine"); /* BG-25 */
		ubl_text(u, "cbc:ID", id);                            /* BT-126 */
		ubl_text_attr(u, inv->credit_note ? "cbc:CreditedQuantity" : "cbc:InvoicedQuantity",
		    "unitCode", "C62", quantity);                     /* BT-129, BT-130 */
		ubl_amount(u, "cbc:LineExtensionAmount", l->net_cents); /* BT-131 */
		ubl_start(u, "cac:Item");
		ubl_text(u, "cbc:Name", l->description);              /* BT-153 */
		ubl_tax_category(u, "cac:ClassifiedTaxCategory", inv, false); /* BG-30 */
		ubl_end(u);
		ubl_start(u, "cac:Price");
		money_format(l->unit_cents, unit, sizeof(unit));
		ubl_text_attr(u, "cbc:PriceAmount", "currencyID", "EUR", unit); /* BT-146 */
		ubl_end(u);
		ubl_end(u);
	}
}

int
ubl_write(const struct invoice *inv, char **xml, struct error *e)
{
	xmlBufferPtr buffer = xmlBufferCreate();
	struct ubl u = { NULL, 0 };
	const char *root = inv->credit_note ? "CreditNote" : "Invoice";
	char ns[100];

	*xml = NULL;
	if (buffer == NULL || (u.w = xmlNewTextWriterMemory(buffer, 0)) == NULL) {
		xmlBufferFree(buffer);
		return error_set(e, 500, "XML_ERROR", "cannot start the UBL document");
	}
	snprintf(ns, sizeof(ns), "urn:oasis:names:specification:ubl:schema:xsd:%s-2", root);
	xmlTextWriterSetIndent(u.w, 1);
	xmlTextWriterSetIndentString(u.w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(u.w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElementNS(u.w, NULL, BAD_CAST root, BAD_CAST ns) < 0 ||
	    xmlTextWriterWriteAttribute(u.w, BAD_CAST "xmlns:cac", BAD_CAST UBL_CAC) < 0 ||
	    xmlTextWriterWriteAttribute(u.w, BAD_CAST "xmlns:cbc", BAD_CAST UBL_CBC) < 0)
		u.failed = 1;
	ubl_header(&u, inv);
	ubl_seller(&u, inv);
	ubl_buyer(&u, inv);
	ubl_payment(&u, inv);
	ubl_totals(&u, inv);
	ubl_lines(&u, inv);
	ubl_end(&u);
	if (!u.failed && xmlTextWriterEndDocument(u.w) < 0)
		u.failed = 1;
	xmlFreeTextWriter(u.w);
	if (!u.failed) {
		*xml = strdup((const char *)xmlBufferContent(buffer));
		if (*xml == NULL)
			abort();
	}
	xmlBufferFree(buffer);
	if (u.failed)
		return error_set(e, 500, "XML_ERROR", "cannot write the UBL document of %s",
		    inv->number);
	return 0;
}
