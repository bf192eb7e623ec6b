/* Unit tests of lib/invoice's pure parts: the checks of what a command line
 * gives, the rounding of shares (VAT, fees, late interest), and the UBL
 * writer on a document made here (its terms, escaping, credit notes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "invoice.h"
#include "invoice_private.h"

static void
test_checks(void **state)
{
	struct error e;
	int64_t bp = -1;
	int status = -1;

	(void)state;
	assert_int_equal(invoice_number_check("FA-2027-000001", &e), 0);
	assert_int_equal(invoice_number_check("AV-2027-123456", &e), 0);
	assert_int_equal(invoice_number_check("FA-2027-00001", &e), -1);
	assert_string_equal(e.code, "BAD_NUMBER");
	assert_int_equal(invoice_number_check("FB-2027-000001", &e), -1);
	assert_int_equal(invoice_number_check("FA-2027-00000A", &e), -1);
	assert_int_equal(invoice_number_check("FA-2027-0000011", &e), -1);
	assert_int_equal(invoice_number_check("FA_2027_000001", &e), -1);
	assert_int_equal(invoice_engagement_check("EJ-2027-17", &e), 0);
	assert_int_equal(invoice_engagement_check("", &e), -1);
	assert_int_equal(invoice_engagement_check("EJ 17", &e), -1);
	assert_int_equal(invoice_engagement_check("EJ\xc3\xa9", &e), -1);
	assert_int_equal(invoice_fee_parse("5", &bp, &e), 0);
	assert_int_equal(bp, 500);
	assert_int_equal(invoice_fee_parse("2.25", &bp, &e), 0);
	assert_int_equal(bp, 225);
	assert_int_equal(invoice_fee_parse("100", &bp, &e), 0);
	assert_int_equal(bp, 10000);
	assert_int_equal(invoice_fee_parse("100.01", &bp, &e), -1);
	assert_int_equal(invoice_fee_parse("2.125", &bp, &e), -1);
	assert_int_equal(invoice_fee_parse("-1", &bp, &e), -1);
	assert_int_equal(invoice_status_parse("Mise en paiement", &status, &e), 0);
	assert_string_equal(invoice_statuses[status], "Mise en paiement");
	assert_int_equal(invoice_status_parse("Payee", &status, &e), -1);
	assert_int_equal(invoice_status_parse("payée", &status, &e), -1);
}

static void
test_share(void **state)
{
	(void)state;
	/* VAT: 8.5 % of 1.00 is 0.085, half up 0.09; 20 % of 2.50 is 0.50. */
	assert_int_equal(invoice_share(100, 850, 10000), 9);
	assert_int_equal(invoice_share(250, 2000, 10000), 50);
	assert_int_equal(invoice_share(101, 850, 10000), 9);  /* 0.08585 */
	assert_int_equal(invoice_share(99, 850, 10000), 8);   /* 0.08415 */
	/* Late interest: 50.00 x 10.15 % x 13 / 365 = 0.1807; x 10.40 % = 0.1852. */
	assert_int_equal(invoice_share(5000, 1015 * 13, 10000 * 365), 18);
	assert_int_equal(invoice_share(5000, 1040 * 13, 10000 * 365), 19);
	/* No overflow at the largest amounts the ledger holds. */
	assert_int_equal(invoice_share(INT64_C(9007199254740992), 10000, 10000),
	    INT64_C(9007199254740992));
	assert_int_equal(invoice_share(0, 2000, 10000), 0);
}

/* A fee invoice of 3 lines with a name that needs escaping. */
static void
make_invoice(struct invoice *inv, bool credit_note)
{
	memset(inv, 0, sizeof(*inv));
	snprintf(inv->number, sizeof(inv->number), credit_note ? "AV-2027-000001" :
	    "FA-2027-000002");
	inv->credit_note = credit_note;
	snprintf(inv->invoice_number, sizeof(inv->invoice_number), "FA-2027-000002");
	snprintf(inv->part, sizeof(inv->part), "fees");
	snprintf(inv->vat_category, sizeof(inv->vat_category), "S");
	inv->vat_rate_bp = 2000;
	snprintf(inv->billing_frame, sizeof(inv->billing_frame), "A1");
	snprintf(inv->engagement, sizeof(inv->engagement), "EJ-1");
	inv->issue_day = 20940;
	inv->first_day = 20909;
	inv->last_day = 20938;
	snprintf(inv->seller.name, sizeof(inv->seller.name), "Opérateur <Solidaire> & Cie");
	snprintf(inv->seller.address, sizeof(inv->seller.address), "12 rue de la Paix, 75002 Paris");
	snprintf(inv->seller.siren, sizeof(inv->seller.siren), "123456782");
	snprintf(inv->seller.iban, sizeof(inv->seller.iban), "FR7610107001011234567890129");
	snprintf(inv->buyer.name, sizeof(inv->buyer.name), "Département \"93\"");
	snprintf(inv->buyer.public_name, sizeof(inv->buyer.public_name), "Seine-Saint-Denis");
	snprintf(inv->buyer.siret, sizeof(inv->buyer.siret), "22930008200018");
	inv->mentions.ecb_rate_bp = 215;
	inv->mentions.late_margin_bp = 800;
	for (int i = 0; i < 3; i++) {
		struct invoice_line *l = invoice_add_line(inv);
		l->quantity = i + 1;
		l->unit_cents = 50;
		l->net_cents = l->quantity * l->unit_cents;
		snprintf(l->description, sizeof(l->description), "Frais, campagne %d", i + 1);
	}
	assert_int_equal(invoice_sum(inv, NULL), 0);
}

static void
test_ubl(void **state)
{
	struct invoice inv;
	struct error e;
	char *xml = NULL;

	(void)state;
	make_invoice(&inv, false);
	assert_int_equal(inv.net_cents, 300);
	assert_int_equal(inv.vat_cents, 60);
	assert_int_equal(inv.total_cents, 360);
	assert_int_equal(ubl_write(&inv, &xml, &e), 0);
	assert_non_null(strstr(xml, "xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\""));
	assert_non_null(strstr(xml, "<Invoice "));
	assert_non_null(strstr(xml, "<cbc:ID>FA-2027-000002</cbc:ID>"));
	assert_non_null(strstr(xml, "<cbc:IssueDate>2027-05-02</cbc:IssueDate>"));
	assert_non_null(strstr(xml, "<cbc:DueDate>2027-06-01</cbc:DueDate>"));
	assert_non_null(strstr(xml, "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"));
	assert_non_null(strstr(xml, "<cbc:RegistrationName>Opérateur &lt;Solidaire&gt; &amp; Cie"));
	assert_non_null(strstr(xml, "<cbc:StreetName>12 rue de la Paix</cbc:StreetName>"));
	assert_non_null(strstr(xml, "<cbc:CityName>Paris</cbc:CityName>"));
	assert_non_null(strstr(xml, "<cbc:PostalZone>75002</cbc:PostalZone>"));
	assert_non_null(strstr(xml, "<cbc:Percent>20.00</cbc:Percent>"));
	assert_non_null(strstr(xml, "<cbc:TaxAmount currencyID=\"EUR\">0.60</cbc:TaxAmount>"));
	assert_non_null(strstr(xml, "<cbc:PayableAmount currencyID=\"EUR\">3.60</cbc:PayableAmount>"));
	assert_non_null(strstr(xml, "<cbc:InvoicedQuantity unitCode=\"C62\">3</cbc:InvoicedQuantity>"));
	assert_null(strstr(xml, "BillingReference"));
	free(xml);
	invoice_free(&inv);

	make_invoice(&inv, true);
	assert_int_equal(ubl_write(&inv, &xml, &e), 0);
	assert_non_null(strstr(xml, "xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2\""));
	assert_non_null(strstr(xml, "<CreditNote "));
	assert_non_null(strstr(xml, "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"));
	assert_non_null(strstr(xml, "<cac:InvoiceDocumentReference>"));
	assert_non_null(strstr(xml, "<cbc:CreditedQuantity unitCode=\"C62\">1</cbc:CreditedQuantity>"));
	assert_null(strstr(xml, "DueDate"));
	assert_null(strstr(xml, "PaymentMeans"));
	free(xml);
	invoice_free(&inv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_ubl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
