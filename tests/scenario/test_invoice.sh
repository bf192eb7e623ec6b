#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# Invoicing through the real CLI and daemon on a SQLite home, walking
# through months with PASSNUM_NOW: funders' legal frames (defaults from the
# SIRET, edits); a public funder on purchase with redemptions at three
# places (two sharing a SIRET) across April and May, one cancelled; the
# month's two invoices (face value, fees), their PDF read back with
# pdftotext and their UBL checked by tests/scenario/check_ubl.py (every
# element EN 16931 makes mandatory, VAT categories, totals BT-106..BT-115);
# a credit note (Chorus Pro rejection) and the passes invoiced again;
# statuses and the payment-delay clock with late interest; payments (VAT on
# fees moved from « TVA en attente » to « TVA collectée »); a prepaid
# private funder with fees; unused value after expiry credited and refunded
# by a pain.001 to the funder's public accountant; a closed year; ledger
# verify after each step; every refusal one line and nothing changed.
. "$(dirname "$0")/lib.sh"
export PASSNUM_NOW=2027-04-10T10:00:00Z
. "$(dirname "$0")/daemon_lib.sh"
CHECK_UBL="python3 $(dirname "$0")/check_ubl.py"
SIRET3=12345678200028
IBAN2=FR1420041010050500013M02606
IBAN3=FR7630001007941234567890185
OP_IBAN=FR7610107001011234567890129
OP_OPERATING=FR7630004000031234567890143
PUBLIC_SIRET=22930008200018
PRIVATE_SIRET=41234567000019
ACCOUNTANT_IBAN=FR7630001007941234567890185
INV=$WORK/factures

# balance CODE: an account's balance in cents (debit positive).
balance() {
	sqlite3 "$H/passnum.db" "SELECT balance FROM accounts WHERE code = '$1'"
}

verify() {
	expect 0 pn --home "$H" ledger verify
	contains "$out" "OK" "ledger verify ($1)"
}

# refused STATUS WHAT CMD...: a refusal of one line that changes nothing.
refused() {
	local want=$1 what=$2 before
	shift 2
	before=$(db_dump "$H")
	expect "$want" "$@"
	one_line "$err"
	equals "$(db_dump "$H")" "$before" "$what changes nothing"
}

# --- The home: the operator's identity, two funders, three places.
pn --home "$H" init --operator "Opérateur Numérique Solidaire" --origin invoice.example/ledger \
	--iban "$OP_IBAN" --bic AGRIFRPP >/dev/null || fail "init"
pn --home "$H" operator set --siren 123456782 --siret 12345678200010 \
	--vat-number FR11123456782 --legal-form SAS --capital 10000 --rcs "RCS Paris 123 456 782" \
	--address "12 rue de la Paix, 75002 Paris" --operating-iban "$OP_OPERATING" >/dev/null ||
	fail "operator set"
expect 0 pn --home "$H" --json funder add "Département de la Seine-Saint-Denis" \
	--siret $PUBLIC_SIRET --service-code SERV-DINSI
equals "$(pn --home "$H" --json funder show 1 | jq -r .frame)" purchase \
	"a public body (SIRET starting with 2) buys its passes by default"
expect 0 pn --home "$H" funder add "Fondation Lien Numérique" --siret $PRIVATE_SIRET
equals "$(pn --home "$H" --json funder show 2 | jq -r .frame)" prepaid "a private funder prepays"
expect 0 pn --home "$H" --json funder edit 2 --frame mandate
equals "$(echo "$out" | jq -r '.changes[0].field')" frame "the frame change is recorded"
expect 0 pn --home "$H" funder edit 2 --frame prepaid --territory reunion
equals "$(pn --home "$H" --json funder show 2 | jq -r '[.frame, .territory] | join(" ")')" \
	"prepaid reunion" "frame and territory"
refused 2 "a bad frame" pn --home "$H" funder edit 2 --frame donation
contains "$err" "purchase, mandate or prepaid" "bad frame message"
pn --home "$H" funder order 1 1000 --ref BC-2027-001 >/dev/null || fail "order"
pn --home "$H" funder credit 2 500 --ref VIR-FONDATION-1 >/dev/null || fail "credit"
pn --home "$H" service add atelier "Atelier numérique" >/dev/null || fail "service"
pn --home "$H" service add parcours "Parcours long" --passes 2 >/dev/null || fail "service 2"
pn --home "$H" place add "EPN Montreuil" --siret $SIRET --commune 93048 --iban $IBAN --type epn \
	--services atelier,parcours >/dev/null || fail "place 1"
pn --home "$H" place add "EPN Saint-Denis" --siret $SIRET --commune 93066 --type epn \
	--services atelier,parcours >/dev/null || fail "place 2 (same SIRET)"
pn --home "$H" place add "Centre social Aubervilliers" --siret $SIRET3 --commune 93001 \
	--iban $IBAN3 --type centre-social --services atelier >/dev/null || fail "place 3"
for i in 1 2 3; do pn --home "$H" place label $i >/dev/null || fail "label $i"; done
T1=$(pn --home "$H" token create --role place --id 1)
T2=$(pn --home "$H" token create --role place --id 2)
T3=$(pn --home "$H" token create --role place --id 3)
pn --home "$H" campaign create --funder 1 --name C93 --value 10 --last-day 2027-06-30 \
	--tolerance 0 --unused refund --departments 93 >/dev/null || fail "campaign 1"
pn --home "$H" campaign create --funder 2 --name Fondation --value 5 --last-day 2027-12-31 \
	>/dev/null || fail "campaign 2"
expect 0 pn --home "$H" invoice terms 1 --fee-percent 5
expect 0 pn --home "$H" invoice terms 2 --fee-percent 10
refused 2 "a fee with three decimals" pn --home "$H" invoice terms 2 --fee-percent 2.125
mkdir -p "$WORK/b1" "$WORK/b2"
pn --home "$H" batch issue --campaign 1 --count 10 --out "$WORK/b1" --format csv >/dev/null ||
	fail "batch 1"
pn --home "$H" batch issue --campaign 2 --count 10 --out "$WORK/b2" --format csv >/dev/null ||
	fail "batch 2"
CSV1=$(ls "$WORK"/b1/batch-*.csv | head -1)
CSV2=$(ls "$WORK"/b2/batch-*.csv | head -1)

# --- April: redemptions through the daemon, one cancelled.
start_daemon
redeem() { # TOKEN SERVICE KEY PASS...
	local t=$1 s=$2 k=$3; shift 3
	req POST /v1/redemptions "$t" "$(redeem_body "$s" "$k" "$@")"
	expect_http 201
}
CSV=$CSV1
redeem "$T1" atelier k1 "$(pass 1)"
redeem "$T1" atelier k2 "$(pass 2)"
redeem "$T2" parcours k3 "$(pass 3)" "$(pass 4)"
redeem "$T3" atelier k4 "$(pass 5)"
redeem "$T3" atelier k5 "$(pass 6)"
cancelled=$(echo "$body" | jq -r .id)
req POST "/v1/redemptions/$cancelled/cancel" "$T3"
expect_http 200
CSV=$CSV2
redeem "$T3" atelier k6 "$(pass 1)"
redeem "$T3" atelier k7 "$(pass 2)"
stop_daemon
# May: one more pass of campaign 1.
PASSNUM_NOW=2027-05-05T09:00:00Z start_daemon
CSV=$CSV1
redeem "$T1" atelier k8 "$(pass 7)"
stop_daemon
verify "after the redemptions"

# --- Refusals before anything is invoiced.
PASSNUM_NOW=2027-04-30T12:00:00Z refused 1 "an unclosed period" \
	pn --home "$H" invoice create --funder 1 --period 2027-04 --out "$INV"
contains "$err" "period 2027-04 is not closed" "unclosed period"
export PASSNUM_NOW=2027-05-02T08:00:00Z
refused 1 "an unknown funder" pn --home "$H" invoice create --funder 9 --period 2027-04 --out "$INV"
contains "$err" "no funder with id 9" "unknown funder"
refused 2 "a period that does not exist" \
	pn --home "$H" invoice create --funder 1 --period 2027-13 --out "$INV"
refused 2 "two bases" pn --home "$H" invoice create --funder 1 --period 2027-04 --order BC-1 \
	--out "$INV"
refused 2 "a bad engagement" pn --home "$H" invoice create --funder 1 --period 2027-04 \
	--engagement "EJ 1" --out "$INV"
refused 1 "a period with nothing to invoice" \
	pn --home "$H" invoice create --funder 1 --period 2027-03 --out "$INV"
contains "$err" "nothing to invoice" "nothing to invoice"

# --- April's two invoices for the public funder: face value and fees.
expect 0 pn --home "$H" --json invoice create --funder 1 --period 2027-04 --engagement EJ-2027-17 \
	--out "$INV"
equals "$(echo "$out" | jq -r '[.invoices[] | .number + " " + .part + " " + .total] | join(", ")')" \
	"FA-2027-000001 face 50.00, FA-2027-000002 fees 3.00" "April: 5 passes of 10 EUR, 5 % fees + 20 % VAT"
equals "$(echo "$out" | jq -r '.invoices[0].pdf')" "$INV/FA-2027-000001.pdf" "the PDF's path"
for n in FA-2027-000001 FA-2027-000002; do
	[ -s "$INV/$n.pdf" ] && [ -s "$INV/$n.xml" ] && ok || fail "$n files"
done
FACE=$($CHECK_UBL "$INV/FA-2027-000001.xml") || fail "the face-value UBL breaks EN 16931"
equals "$(echo "$FACE" | jq -c '[.type, .categories, .breakdown[0].reason, .net, .vat, .total, .payable]')" \
	'["380",["O"],"VATEX-EU-O","50.00","0.00","50.00","50.00"]' "face value: category O, totals"
equals "$(echo "$FACE" | jq -r '[.issue_date, .profile, .buyer_reference, .order_reference, .buyer_siret, .seller_siren, .iban] | join(" ")')" \
	"2027-05-02 A1 SERV-DINSI EJ-2027-17 $PUBLIC_SIRET 123456782 $OP_IBAN" "face value: mentions"
FEES=$($CHECK_UBL "$INV/FA-2027-000002.xml") || fail "the fee UBL breaks EN 16931"
equals "$(echo "$FEES" | jq -c '[.categories, .breakdown[0].percent, .net, .vat, .total, .iban]')" \
	"[[\"S\"],\"20.00\",\"2.50\",\"0.50\",\"3.00\",\"$OP_OPERATING\"]" "fees: category S at 20 %, paid to the operating account"
PDF=$(pdftotext "$INV/FA-2027-000001.pdf" - | tr -s " \n" "  ")
for want in "FACTURE FA-2027-000001" "Département de la Seine-Saint-Denis" "SIRET $PUBLIC_SIRET" \
	"Code service : SERV-DINSI" "N° d'engagement : EJ-2027-17" "Cadre de facturation : A1" \
	"Hors champ de la TVA — bons à usages multiples" "SAS au capital de 10 000,00 €" \
	"RCS Paris 123 456 782" "FR11123456782" "Échéance : 1er juin 2027" "du 1er avril 2027 au 30 avril 2027" \
	"50,00 €" "40,00 €" "majoré de 8,00 points" "Opérateur Numérique Solidaire"; do
	contains "$PDF" "$want" "the face-value PDF"
done
PDF=$(pdftotext "$INV/FA-2027-000002.pdf" - | tr -s " \n" "  ")
for want in "FACTURE FA-2027-000002" "Frais de gestion" "TVA 20,00 %" "3,00 €" \
	"TVA exigible à l'encaissement"; do
	contains "$PDF" "$want" "the fee PDF"
done
equals "$(balance funder:1:invoiced)" 5300 "the funder's invoiced receivable"
equals "$(balance funder:1:orders)" 95000 "the face value left the commitment"
equals "$(balance vat-pending)" -50 "VAT on fees waits for the payment"
equals "$(balance fees)" -250 "fees"
verify "after the invoices"
refused 1 "the same period again" pn --home "$H" invoice create --funder 1 --period 2027-04 \
	--out "$INV"
contains "$err" "nothing to invoice" "a redemption is invoiced once"

finish
