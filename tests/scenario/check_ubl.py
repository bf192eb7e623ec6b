#!/usr/bin/env python3
"""Checks a UBL 2.1 Invoice or CreditNote against the rules of EN 16931 that
can be checked offline (the business terms it makes mandatory, the VAT
breakdown and the totals), written from the standard, not from passnum's
code. Usage: check_ubl.py FILE. Prints one JSON summary line on success;
on failure prints every broken rule on stderr and exits 1."""
import json
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": ("Invoice", "InvoiceLine", "InvoicedQuantity", "InvoiceTypeCode"),
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": ("CreditNote", "CreditNoteLine", "CreditedQuantity", "CreditNoteTypeCode"),
}
errors = []


def need(cond, rule):
    if not cond:
        errors.append(rule)


def text(node, path):
    found = node.find(path, NS)
    return found.text.strip() if found is not None and found.text is not None else None


def amount(node, path, rule):
    found = node.find(path, NS)
    if found is None or found.text is None:
        errors.append(rule + ": missing")
        return Decimal(0)
    need(found.get("currencyID") == "EUR", rule + ": currencyID EUR")
    value = found.text.strip()
    need(len(value.split(".")[-1]) == 2 if "." in value else True, rule + ": two decimals at most")
    return Decimal(value)


def main():
    root = ET.parse(sys.argv[1]).getroot()
    if root.tag not in ROOTS:
        print("not a UBL Invoice or CreditNote: " + root.tag, file=sys.stderr)
        return 1
    kind, line_tag, qty_tag, type_tag = ROOTS[root.tag]
    need(text(root, "cbc:CustomizationID") is not None, "BT-24 specification identifier")
    number = text(root, "cbc:ID")
    need(number, "BT-1 invoice number")
    issue = text(root, "cbc:IssueDate")
    need(issue is not None and len(issue) == 10, "BT-2 issue date YYYY-MM-DD")
    type_code = text(root, "cbc:" + type_tag)
    need(type_code == ("380" if kind == "Invoice" else "381"), "BT-3 type code")
    need(text(root, "cbc:DocumentCurrencyCode") == "EUR", "BT-5 currency")
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    need(seller is not None, "BG-4 seller")
    need(buyer is not None, "BG-7 buyer")
    for party, name_bt, country_bt in ((seller, "BT-27", "BT-40"), (buyer, "BT-44", "BT-55")):
        if party is None:
            continue
        need(text(party, "cac:PartyLegalEntity/cbc:RegistrationName"), name_bt + " name")
        need(text(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "FR",
             country_bt + " country code")
    if kind == "CreditNote":
        need(text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
             "BT-25 preceding invoice reference")
    # Lines: quantity x price = line net (BR-24..BR-27 and the price rules).
    lines = root.findall("cac:" + line_tag, NS)
    need(len(lines) >= 1, "BG-25 at least one line")
    line_sum = Decimal(0)
    categories = set()
    for line in lines:
        need(text(line, "cbc:ID"), "BT-126 line id")
        qty = line.find("cbc:" + qty_tag, NS)
        need(qty is not None and qty.get("unitCode"), "BT-129/BT-130 quantity and unit")
        net = amount(line, "cbc:LineExtensionAmount", "BT-131 line net")
        price = amount(line, "cac:Price/cbc:PriceAmount", "BT-146 price")
        need(text(line, "cac:Item/cbc:Name"), "BT-153 item name")
        cat = text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
        need(cat in ("S", "Z", "E", "AE", "K", "G", "O", "L", "M"), "BT-151 line VAT category")
        categories.add(cat)
        if qty is not None:
            need(Decimal(qty.text) * price == net, "line net = quantity x price")
        line_sum += net
    # VAT breakdown (BG-23) and its rules per category.
    tax_total = root.find("cac:TaxTotal", NS)
    need(tax_total is not None, "BG-23 VAT breakdown")
    vat_total = amount(tax_total, "cbc:TaxAmount", "BT-110 VAT total") if tax_total is not None else Decimal(0)
    breakdown = []
    vat_sum = Decimal(0)
    taxable_sum = Decimal(0)
    for sub in (tax_total.findall("cac:TaxSubtotal", NS) if tax_total is not None else []):
        taxable = amount(sub, "cbc:TaxableAmount", "BT-116 taxable amount")
        vat = amount(sub, "cbc:TaxAmount", "BT-117 VAT amount")
        cat = text(sub, "cac:TaxCategory/cbc:ID")
        percent = text(sub, "cac:TaxCategory/cbc:Percent")
        reason = text(sub, "cac:TaxCategory/cbc:TaxExemptionReasonCode")
        reason_text = text(sub, "cac:TaxCategory/cbc:TaxExemptionReason")
        need(text(sub, "cac:TaxCategory/cac:TaxScheme/cbc:ID") == "VAT", "VAT scheme")
        need(cat in categories, "BT-118 category used by the lines")
        if cat == "O":
            need(percent is None, "BR-O-5: no rate in category O")
            need(vat == 0, "BR-O-9: no VAT in category O")
            need(reason or reason_text, "BR-O-10: exemption reason in category O")
            need(len(categories) == 1, "BR-O-11..14: category O alone on the invoice")
        elif cat == "E":
            need(vat == 0, "BR-E-9: no VAT in category E")
            need(reason or reason_text, "BR-E-10: exemption reason in category E")
        elif cat == "S":
            need(percent is not None and Decimal(percent) > 0, "BR-S-5: a rate above zero")
            if percent is not None:
                want = (taxable * Decimal(percent) / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
                need(vat == want, "BR-CO-17: VAT = taxable x rate, rounded")
        vat_sum += vat
        taxable_sum += taxable
        breakdown.append({"category": cat, "percent": percent, "reason": reason, "taxable": str(taxable), "vat": str(vat)})
    need(len(breakdown) >= 1, "BG-23 at least one breakdown")
    need(vat_sum == vat_total, "BR-CO-14: VAT total = sum of the breakdown")
    # Document totals (BG-22), BT-106..BT-115.
    total = root.find("cac:LegalMonetaryTotal", NS)
    need(total is not None, "BG-22 totals")
    if total is not None:
        bt106 = amount(total, "cbc:LineExtensionAmount", "BT-106")
        bt109 = amount(total, "cbc:TaxExclusiveAmount", "BT-109")
        bt112 = amount(total, "cbc:TaxInclusiveAmount", "BT-112")
        prepaid = total.find("cbc:PrepaidAmount", NS)
        bt113 = amount(total, "cbc:PrepaidAmount", "BT-113") if prepaid is not None else Decimal(0)
        bt115 = amount(total, "cbc:PayableAmount", "BT-115")
        need(bt106 == line_sum, "BR-CO-10: BT-106 = sum of line nets")
        need(bt109 == bt106, "BR-CO-13: BT-109 = BT-106 (no allowance or charge)")
        need(taxable_sum == bt109, "BR-CO-18/BR-S-8: the breakdown covers BT-109")
        need(bt112 == bt109 + vat_total, "BR-CO-15: BT-112 = BT-109 + BT-110")
        need(bt115 == bt112 - bt113, "BR-CO-16: BT-115 = BT-112 - BT-113")
    if errors:
        for rule in errors:
            print(sys.argv[1] + ": " + rule, file=sys.stderr)
        return 1
    print(json.dumps({
        "kind": kind, "number": number, "issue_date": issue, "type": type_code,
        "categories": sorted(categories), "breakdown": breakdown,
        "net": str(bt106), "vat": str(vat_total), "total": str(bt112), "payable": str(bt115),
        "lines": len(lines),
        "profile": text(root, "cbc:ProfileID"),
        "buyer_reference": text(root, "cbc:BuyerReference"),
        "order_reference": text(root, "cac:OrderReference/cbc:ID"),
        "billing_reference": text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        "seller_siren": text(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
        "buyer_siret": text(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID"),
        "iban": text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"),
    }, sort_keys=True))
    return 0


sys.exit(main())
