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
	pn --home "$H" --yes invoice create --funder 1 --period 2027-04 --out "$INV"
contains "$err" "period 2027-04 is not closed" "unclosed period"
export PASSNUM_NOW=2027-05-02T08:00:00Z
refused 1 "an unknown funder" pn --home "$H" --yes invoice create --funder 9 --period 2027-04 --out "$INV"
contains "$err" "no funder with id 9" "unknown funder"
refused 2 "a period that does not exist" \
	pn --home "$H" --yes invoice create --funder 1 --period 2027-13 --out "$INV"
refused 2 "two bases" pn --home "$H" --yes invoice create --funder 1 --period 2027-04 --order BC-1 \
	--out "$INV"
refused 2 "a bad engagement" pn --home "$H" --yes invoice create --funder 1 --period 2027-04 \
	--engagement "EJ 1" --out "$INV"
refused 1 "a period with nothing to invoice" \
	pn --home "$H" --yes invoice create --funder 1 --period 2027-03 --out "$INV"
contains "$err" "nothing to invoice" "nothing to invoice"

# --- April's two invoices for the public funder: face value and fees.
refused 1 "an invoice not confirmed" pn --home "$H" invoice create --funder 1 --period 2027-04 \
	--out "$INV" </dev/null
contains "$err" "--yes" "confirmation asked"
expect 0 pn --home "$H" --json invoice create --funder 1 --period 2027-04 --dry-run --out "$INV"
equals "$(echo "$out" | jq -c '[.dry_run, [.invoices[] | .number + " " + .total]]')" \
	'[true,["FA-2027-000001 50.00","FA-2027-000002 3.00"]]' "a dry run says what it would make"
[ -z "$(ls -A "$INV")" ] && ok || fail "a dry run or a refusal writes no file"
expect 0 pn --home "$H" --yes --json invoice create --funder 1 --period 2027-04 --engagement EJ-2027-17 \
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
refused 1 "the same period again" pn --home "$H" --yes invoice create --funder 1 --period 2027-04 \
	--out "$INV"
contains "$err" "nothing to invoice" "a redemption is invoiced once"

# --- Chorus Pro rejects the fee invoice: a credit note in full, then again.
expect 0 pn --home "$H" invoice status FA-2027-000002 --set Déposée --day 2027-05-02
expect 0 pn --home "$H" invoice status FA-2027-000002 --set Rejetée --day 2027-05-02
refused 1 "a status after a rejection" pn --home "$H" invoice status FA-2027-000002 --set Payée
contains "$err" "is Rejetée: it cannot become Payée" "nothing after Rejetée"
refused 2 "three decimals" pn --home "$H" --yes invoice credit-note FA-2027-000002 --reason error \
	--amount 1.001 --out "$INV"
refused 2 "an unknown reason" pn --home "$H" --yes invoice credit-note FA-2027-000002 --reason oops \
	--out "$INV"
refused 1 "a rejection credited in part" pn --home "$H" --yes invoice credit-note FA-2027-000002 \
	--reason rejection --amount 1.00 --out "$INV"
refused 1 "an unknown invoice" pn --home "$H" --yes invoice credit-note FA-2027-000099 --reason error \
	--out "$INV"
contains "$err" "no invoice or credit note FA-2027-000099" "unknown invoice"
expect 0 pn --home "$H" --yes --json invoice credit-note FA-2027-000002 --reason rejection --out "$INV"
equals "$(echo "$out" | jq -r '.invoices[0] | .number + " " + .kind + " " + .total')" \
	"AV-2027-000001 credit_note 3.00" "the credit note"
CN=$($CHECK_UBL "$INV/AV-2027-000001.xml") || fail "the credit note's UBL breaks EN 16931"
equals "$(echo "$CN" | jq -c '[.kind, .type, .billing_reference, .categories, .net, .vat, .total]')" \
	'["CreditNote","381","FA-2027-000002",["S"],"2.50","0.50","3.00"]' "credit note: type 381, its invoice"
PDF=$(pdftotext "$INV/AV-2027-000001.pdf" - | tr -s " \n" "  ")
for want in "AVOIR AV-2027-000001" "Avoir sur la facture FA-2027-000002" "rejet sur Chorus Pro" \
	"sans compensation"; do
	contains "$PDF" "$want" "the credit note's PDF"
done
equals "$(balance funder:1:invoiced)" 5000 "the credit note took the fees off the receivable"
equals "$(balance vat-pending)" 0 "and their pending VAT"
equals "$(balance fees)" 0 "and the fees"
refused 1 "a second credit note in full" pn --home "$H" --yes invoice credit-note FA-2027-000002 \
	--reason error --out "$INV"
contains "$err" "already credited in full" "credited once"
refused 1 "a credit note on a credit note" pn --home "$H" --yes invoice credit-note AV-2027-000001 \
	--reason error --out "$INV"
verify "after the credit note"
# The rejected fees are invoiced again (the passes are free to bill again).
expect 0 pn --home "$H" --yes --json invoice create --funder 1 --period 2027-04 --engagement EJ-2027-18 \
	--out "$INV"
equals "$(echo "$out" | jq -r '[.invoices[] | .number + " " + .part + " " + .total] | join(", ")')" \
	"FA-2027-000003 fees 3.00" "the fees invoiced again, the face value not twice"

# --- The face-value invoice's clock: deposited, suspended, late.
export PASSNUM_NOW=2027-06-20T10:00:00Z
expect 0 pn --home "$H" invoice status FA-2027-000001 --set Déposée --day 2027-05-03
expect 0 pn --home "$H" invoice status FA-2027-000001 --set Suspendue --day 2027-05-10
expect 0 pn --home "$H" invoice status FA-2027-000001 --set Déposée --day 2027-05-15
expect 0 pn --home "$H" --json invoice status FA-2027-000001
equals "$(echo "$out" | jq -c '[.status, .clock.receipt_day, .clock.due_day, .clock.suspended_days, .clock.days_late, .clock.interest, .clock.indemnity]')" \
	'["Déposée","2027-05-03","2027-06-02",5,13,"0.18","40.00"]' \
	"received 3 May, due 2 June, 5 days suspended: 13 days late on 20 June, 50.00 x 10.15 % x 13 / 365"
refused 2 "an unknown status" pn --home "$H" invoice status FA-2027-000001 --set Payee
refused 1 "a status in the future" pn --home "$H" invoice status FA-2027-000001 --set Payée \
	--day 2027-06-21
refused 1 "a payment above what is owed" pn --home "$H" invoice pay FA-2027-000001 50.01 --ref VIR-1
contains "$err" "50.00 EUR is owed on it" "overpaid"
expect 0 pn --home "$H" invoice config --ecb-rate 2.40
expect 0 pn --home "$H" --json invoice show FA-2027-000001
equals "$(echo "$out" | jq -r .clock.interest)" 0.19 "the ECB rate is a setting: 50.00 x 10.40 % x 13 / 365 = 0.185, rounded half up"
# The first 20.00 comes by the bank: a camt.053 credit whose remittance names
# the invoice is matched to it (bank import, invoice_record_payment).
cat >"$WORK/stmt-fa1.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr><MsgId>MSG-FA1</MsgId><CreDtTm>2027-06-19T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>STMT-2027-06-18</Id><ElctrncSeqNb>1</ElctrncSeqNb><CreDtTm>2027-06-19T06:00:00</CreDtTm>
<Acct><Id><IBAN>$OP_IBAN</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-06-18</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">20.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-06-18</Dt></Dt></Bal>
<Ntry><Amt Ccy="EUR">20.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2027-06-18</Dt></BookgDt><ValDt><Dt>2027-06-18</Dt></ValDt><AcctSvcrRef>VIR-DGFIP-1</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs></Refs><RmtInf><Ustrd>DGFIP MANDAT 88 FACTURE FA-2027-000001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
EOF
expect 0 pn --home "$H" --json bank import "$WORK/stmt-fa1.xml"
equals "$(echo "$out" | jq -c '[.receipts, .suspense]')" '[1,0]' "the bank's credit naming FA-2027-000001 is matched to it"
expect 0 pn --home "$H" --json invoice show FA-2027-000001
equals "$(echo "$out" | jq -r .owed)" 30.00 "the bank's 20.00 is recorded as a payment of the invoice"
expect 0 pn --home "$H" --json invoice pay FA-2027-000001 30.00 --ref VIR-DGFIP-2 --day 2027-06-20
equals "$(echo "$out" | jq -c '[.status, .owed, .clock.days_late]')" '["Payée","0.00",13]' \
	"paid in full on 20 June: Payée, the clock stopped at 13 days"
equals "$(balance funder:1:invoiced)" 300 "the receivable less the payments"
expect 0 pn --home "$H" invoice pay FA-2027-000003 3.00 --ref VIR-DGFIP-3
equals "$(balance vat-pending)" 0 "the VAT of the paid fees is due"
equals "$(balance vat)" -50 "and collected (44571)"
verify "after the payments"

# --- The prepaid private funder (La Réunion): fees only, VAT 8.5 %.
expect 0 pn --home "$H" --yes --json invoice create --funder 2 --period 2027-04 --out "$INV"
equals "$(echo "$out" | jq -r '[.invoices[] | .number + " " + .part + " " + .total] | join(", ")')" \
	"FA-2027-000004 fees 1.09" "2 passes of 5 EUR at 10 %: 1.00 + 8.5 % VAT (0.085 rounded half up)"
PRE=$($CHECK_UBL "$INV/FA-2027-000004.xml") || fail "the prepaid funder's UBL breaks EN 16931"
equals "$(echo "$PRE" | jq -c '[.categories, .breakdown[0].percent, .net, .vat, .total, .buyer_siret]')" \
	"[[\"S\"],\"8.50\",\"1.00\",\"0.09\",\"1.09\",\"$PRIVATE_SIRET\"]" "8.5 % in La Réunion"
equals "$(balance vat-pending)" -9 "VAT on payment pending"
expect 0 pn --home "$H" --yes --json invoice create --funder 2 --order VIR-FONDATION-1 --out "$INV"
equals "$(echo "$out" | jq -r '.invoices[0] | .number + " " + .part + " " + .total')" \
	"FA-2027-000005 face 500.00" "the prepaid funder's payment documented"
A2=$($CHECK_UBL "$INV/FA-2027-000005.xml") || fail "the A2 UBL breaks EN 16931"
equals "$(echo "$A2" | jq -c '[.profile, .total, .payable]')" '["A2","500.00","0.00"]' \
	"already paid: A2, nothing payable"
refused 1 "an invoice already paid" pn --home "$H" invoice pay FA-2027-000005 1.00 --ref X
# Under the franchise of art. 293 B, no VAT on fees.
expect 0 pn --home "$H" invoice config --vat-franchise yes
PASSNUM_NOW=2027-06-20T10:00:00Z expect 0 pn --home "$H" --yes --json invoice create --funder 1 \
	--period 2027-05 --out "$INV"
equals "$(echo "$out" | jq -r '[.invoices[] | .number + " " + .part + " " + .total] | join(", ")')" \
	"FA-2027-000006 face 10.00, FA-2027-000007 fees 0.50" "May: one pass; fees without VAT"
FR=$($CHECK_UBL "$INV/FA-2027-000007.xml") || fail "the franchise UBL breaks EN 16931"
equals "$(echo "$FR" | jq -c '[.categories, .vat]')" '[["E"],"0.00"]' "franchise: category E"
contains "$(pdftotext "$INV/FA-2027-000007.pdf" - | tr -s " \n" "  ")" \
	"TVA non applicable, art. 293 B du CGI" "the franchise's mention"
expect 0 pn --home "$H" invoice config --vat-franchise no
verify "after the prepaid funder"

# --- Unused value after expiry: a credit note, then a refund to the
# funder's public accountant quoting its titre de recettes.
export PASSNUM_NOW=2027-07-02T08:00:00Z
refused 1 "a campaign with everything invoiced" pn --home "$H" --yes invoice create --funder 1 \
	--campaign 1 --out "$INV"
contains "$err" "nothing to invoice" "by campaign: April and May are invoiced"
refused 1 "another funder's campaign" pn --home "$H" --yes invoice create --funder 1 --campaign 2 \
	--out "$INV"
contains "$err" "campaign 2 is not funder 1's" "not its campaign"
refused 1 "an order of a funder invoiced by redemptions" pn --home "$H" --yes invoice create \
	--funder 1 --order BC-2027-001 --out "$INV"
contains "$err" "invoiced for the passes redeemed" "two bases never mixed"
refused 1 "an unknown order" pn --home "$H" --yes invoice create --funder 2 --order BC-404 --out "$INV"
expect 0 pn --home "$H" --json expire
equals "$(balance funder:1:credit-notes)" -4000 "4 passes of campaign 1 expired, owed back"
expect 0 pn --home "$H" --yes --json invoice credit-note FA-2027-000001 --reason unused --out "$INV"
equals "$(echo "$out" | jq -r '.invoices[0] | .number + " " + .total')" "AV-2027-000002 40.00" \
	"the unused value's credit note"
$CHECK_UBL "$INV/AV-2027-000002.xml" >/dev/null || fail "the unused value's UBL"
refused 1 "more unused value than expired" pn --home "$H" --yes invoice credit-note FA-2027-000006 \
	--reason unused --out "$INV"
refused 2 "a bad IBAN" pn --home "$H" --yes refund --funder 1 --titre T-2027-42 \
	--iban FR7630001007941234567890186 --out "$WORK/refund.xml"
refused 1 "an unknown funder" pn --home "$H" --yes refund --funder 9 --titre T-2027-42 \
	--iban $ACCOUNTANT_IBAN --out "$WORK/refund.xml"
refused 1 "a refund larger than owed" pn --home "$H" --yes refund --funder 1 --titre T-2027-42 \
	--iban $ACCOUNTANT_IBAN --amount 40.01 --out "$WORK/refund.xml"
refused 1 "nothing owed back" pn --home "$H" --yes refund --funder 2 --titre T-2027-42 \
	--iban $ACCOUNTANT_IBAN --out "$WORK/refund.xml"
refused 1 "a refund not confirmed" pn --home "$H" refund --funder 1 --titre T-2027-42 \
	--iban $ACCOUNTANT_IBAN --out "$WORK/refund.xml" </dev/null
[ ! -e "$WORK/refund.xml" ] && ok || fail "a refused refund leaves no file"
expect 0 pn --home "$H" --yes --json refund --funder 1 --titre T-2027-42 --iban "$ACCOUNTANT_IBAN" \
	--creditor "DRFIP Seine-Saint-Denis" --out "$WORK/refund.xml"
equals "$(echo "$out" | jq -r '.amount + " " + .remittance')" \
	"40.00 Remboursement d'avoirs, titre de recettes T-2027-42" "the refund"
xp() { xmllint --xpath "$2" <(sed "s|xmlns=\"[^\"]*\"||" "$1") 2>/dev/null; }
equals "$(xp "$WORK/refund.xml" 'concat(//GrpHdr/NbOfTxs, " ", //GrpHdr/CtrlSum, " ", //Cdtr/Nm, " ", //CdtrAcct/Id/IBAN, " ", //DbtrAcct/Id/IBAN)')" \
	"1 40.00 DRFIP Seine-Saint-Denis $ACCOUNTANT_IBAN $OP_IBAN" "the pain.001 of the refund"
contains "$(xp "$WORK/refund.xml" 'string(//Ustrd)')" "titre de recettes T-2027-42" "the titre quoted"
equals "$(balance funder:1:credit-notes)" 0 "nothing owed back any more"
equals "$(balance refunds-in-transit)" -4000 "the refund is in transit"
refused 1 "the same titre twice" pn --home "$H" --yes refund --funder 1 --titre T-2027-42 \
	--iban $ACCOUNTANT_IBAN --out "$WORK/refund2.xml"
verify "after the refund"

# --- The list, and the numbers: one unbroken sequence per kind and year.
expect 0 pn --home "$H" --json invoice list
equals "$(echo "$out" | jq -r '[.[].number] | join(" ")')" \
	"FA-2027-000001 FA-2027-000002 FA-2027-000003 FA-2027-000004 FA-2027-000005 FA-2027-000006 FA-2027-000007 AV-2027-000001 AV-2027-000002" \
	"the documents"
# sqlite_refused SQL NEEDLE: the schema's triggers refuse SQL.
sqlite_refused() {
	local e
	if e=$(sqlite3 "$H/passnum.db" "$1" 2>&1); then fail "allowed: $1"; else contains "$e" "$2" "$1"; fi
}
sqlite_refused "UPDATE invoices SET total_cents = 1 WHERE number = 'FA-2027-000001'" "never edited"
sqlite_refused "DELETE FROM invoices WHERE number = 'AV-2027-000002'" "never deleted"
sqlite_refused "DELETE FROM invoice_statuses" "recorded once"
sqlite_refused "INSERT INTO invoices SELECT NULL, 'FA-2027-000009', kind, year, 9, part, funder_id,
	frame, basis, period, campaign_id, order_ref, invoice_id, reason, issue_day, first_day, last_day,
	net_cents, vat_cents, total_cents, receivable_cents, vat_category, vat_rate_bp, billing_frame,
	service_code, engagement, xml, NULL, created_at, created_by FROM invoices WHERE id = 1" \
	"one unbroken sequence"

# --- Closing the year: nothing posted into it any more.
refused 1 "a year not ended" pn --home "$H" --yes period close 2027
contains "$err" "period 2027-12 is not closed" "December first"
expect 0 pn --home "$H" --json period show 2027-06
equals "$(echo "$out" | jq -c '[.closed, .year_locked]')" '[true,false]' "June is closed, 2027 open"
export PASSNUM_NOW=2028-01-05T08:00:00Z
expect 0 pn --home "$H" --yes period close 2027
expect 0 pn --home "$H" --json period show 2027-06
equals "$(echo "$out" | jq -c '[.closed, .year_locked]')" '[true,true]' "2027 locked"
refused 1 "a closed year closed again" pn --home "$H" --yes period close 2027
refused 1 "a payment dated in a closed year" pn --home "$H" invoice pay FA-2027-000004 1.09 \
	--ref VIR-FONDATION-2 --day 2027-12-30
contains "$err" "the fiscal year 2027 is closed" "closed year"
expect 0 pn --home "$H" invoice pay FA-2027-000004 1.09 --ref VIR-FONDATION-2 --day 2028-01-04
verify "after closing 2027"

# --- The funder's statement of account, and a mandate's yearly rendering.
expect 0 pn --home "$H" report funder 1 --account --period 2027 --format json
echo "$out" > "$WORK/account.json"
equals "$(echo "$out" | jq -c '[.tables[] | select(.key == "account") | .rows[] | [.item, .amount_cents]]')" \
	'[["Commandé (bons de commande)",100000],["Reçu d'"'"'avance (paiements)",0],["Facturé",6650],["Avoirs émis",4300],["Payé sur factures",5300],["Utilisé (pass remboursés aux lieux)",6000],["Remboursé au financeur",4000],["Encore en circulation (à ce jour)",0],["Disponible (à ce jour)",90000],["Reste dû sur factures (à ce jour)",1050],["À rembourser au financeur (à ce jour)",0]]' \
	"the statement of account of 2027"
equals "$(echo "$out" | jq -r '[.tables[] | select(.key == "payments") | .rows[] | .reference] | join(" ")')" \
	"VIR-DGFIP-1 VIR-DGFIP-2 VIR-DGFIP-3" "each payment's reference"
refused 1 "a rendering for a funder not on mandate" pn --home "$H" report funder 1 --rendering \
	--period 2027
contains "$err" "not on mandate" "rendering needs a mandate"
expect 0 pn --home "$H" funder edit 2 --frame mandate
refused 2 "a rendering of a month" pn --home "$H" report funder 2 --rendering --period 2027-04
expect 0 pn --home "$H" report funder 2 --rendering --period 2027 --format json
equals "$(echo "$out" | jq -c '[.tables[] | select(.key == "rendering") | .rows[] | .amount_cents]')" \
	'[0,0,50000,-1000,0,0,49000]' "the mandate's year: 500.00 received, 10.00 used, 490.00 held"
expect 0 pn --home "$H" report funder 2 --rendering --period 2027 --format html --out "$WORK/cr.html"
contains "$(cat "$WORK/cr.html")" "Compte rendu annuel du mandat" "the rendering in HTML"

# --- The exports carry the new kinds: the independent verifier (written
# from docs/ledger.md) accepts the jsonl, the FEC names the new accounts.
SRC=${PASSNUM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
expect 0 pn --home "$H" ledger export --format jsonl --out "$WORK/ledger.jsonl"
expect 0 node "$SRC/tools/verify-export.mjs" "$WORK/ledger.jsonl"
contains "$out" "OK: " "the independent verifier"
expect 0 pn --home "$H" ledger export --format fec --year 2027 --out "$WORK/fec.txt"
FEC=$(cat "$WORK/fec.txt")
contains "$FEC" "$(printf '\t4458\t')" "the FEC: TVA en attente"
contains "$FEC" "$(printf '\t4198\t')" "the FEC: credit notes owed"
contains "$FEC" "FA-2027-000001" "the FEC: the invoice's number"

# --- ledger verify sees a receivable moved behind its back.
cp "$H/passnum.db" "$WORK/tampered.db"
sqlite3 "$WORK/tampered.db" "DROP TRIGGER invoices_no_update;
	UPDATE invoices SET receivable_cents = 4000, total_cents = 4000, net_cents = 4000
	WHERE number = 'FA-2027-000001';" || fail "tamper"
mkdir -p "$WORK/th" && cp "$WORK/tampered.db" "$WORK/th/passnum.db" && cp -r "$H/keys" "$WORK/th/"
expect 1 pn --home "$WORK/th" ledger verify
contains "$out$err" "FA-2027-000001" "verify names the invoice"

finish
