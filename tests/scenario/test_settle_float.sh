#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# A funder on purchase is invoiced monthly for the passes redeemed, and its
# places are paid once that invoice is paid (docs/accounting.md "Purchase
# funders: places paid once the invoice is paid"). Through the real CLI and
# daemon on a SQLite home, walking through months with PASSNUM_NOW: April's
# passes of the purchase funder wait (not invoiced), a prepaid funder's are
# paid; May's settlement holds April's (invoice not paid) and May's (not
# invoiced); the invoice paid by a camt.053 import, June's settlement pays
# April's; a settlement where everything waits is refused; July's with
# --advance-float pays May's and July's from the operator's float
# (operator:float:1), shown by the ledger, reconcile and the funder report,
# and cleared as each invoice is paid in full (a part payment repays
# nothing; a redemption mixing both funders' passes is paid whole, only the
# purchase funder's pass counted as float). ledger verify after each step
# (and failing on a tampered advance), the independent export verifier and
# the FEC checker at the end; every refusal one line and nothing changed.
. "$(dirname "$0")/lib.sh"
export PASSNUM_NOW=2027-04-10T10:00:00Z
. "$(dirname "$0")/daemon_lib.sh"
SRC=${PASSNUM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SIRET3=12345678200028
IBAN3=FR7630001007941234567890185
OP_IBAN=FR7610107001011234567890129
PUBLIC_SIRET=22930008200018

balance() { # CODE: an account's balance in cents (debit positive), 0 when none
	local b
	b=$(sqlite3 "$H/passnum.db" "SELECT balance FROM accounts WHERE code = '$1'")
	echo "${b:-0}"
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

# pay FILE SEQ OPENING CLOSING AMOUNT INVOICE DAY: a camt.053 statement of
# the funds account whose one credit names INVOICE in its remittance text.
pay() {
	cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr><MsgId>MSG-$2</MsgId><CreDtTm>${7}T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>STMT-FLOAT</Id><ElctrncSeqNb>$2</ElctrncSeqNb><CreDtTm>${7}T06:00:00</CreDtTm>
<Acct><Id><IBAN>$OP_IBAN</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">$3</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>$7</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">$4</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>$7</Dt></Dt></Bal>
<Ntry><Amt Ccy="EUR">$5</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>$7</Dt></BookgDt><ValDt><Dt>$7</Dt></ValDt><AcctSvcrRef>VIR-$2</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs></Refs><RmtInf><Ustrd>DGFIP MANDAT $2 FACTURE $6</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
EOF
}

# --- The home: a public funder on purchase, a prepaid one, two payees.
pn --home "$H" init --operator "Opérateur Numérique Solidaire" --origin float.example/ledger \
	--iban "$OP_IBAN" --bic AGRIFRPP >/dev/null || fail "init"
pn --home "$H" operator set --siren 123456782 --siret 12345678200010 \
	--vat-number FR11123456782 --legal-form SAS --capital 10000 --rcs "RCS Paris 123 456 782" \
	--address "12 rue de la Paix, 75002 Paris" >/dev/null || fail "operator set"
pn --home "$H" funder add "Département de la Seine-Saint-Denis" --siret $PUBLIC_SIRET >/dev/null ||
	fail "funder 1"
equals "$(pn --home "$H" --json funder show 1 | jq -r .frame)" purchase "funder 1 buys its passes"
pn --home "$H" funder add "Fondation Lien Numérique" >/dev/null || fail "funder 2"
pn --home "$H" funder order 1 1000 --ref BC-2027-001 >/dev/null || fail "order"
pn --home "$H" funder credit 2 500 --ref VIR-FONDATION-1 >/dev/null || fail "credit"
pn --home "$H" service add atelier "Atelier numérique" >/dev/null || fail "service"
pn --home "$H" service add parcours "Parcours long" --passes 2 >/dev/null || fail "service 2"
pn --home "$H" place add "EPN Montreuil" --siret $SIRET --commune 93048 --iban $IBAN --type epn \
	--services atelier,parcours >/dev/null || fail "place 1"
pn --home "$H" place add "Centre social Aubervilliers" --siret $SIRET3 --commune 93001 \
	--iban $IBAN3 --type centre-social --services atelier >/dev/null || fail "place 2"
for i in 1 2; do pn --home "$H" place label $i >/dev/null || fail "label $i"; done
T1=$(pn --home "$H" token create --role place --id 1)
T2=$(pn --home "$H" token create --role place --id 2)
pn --home "$H" campaign create --funder 1 --name C93 --value 10 --last-day 2027-12-31 \
	--departments 93 >/dev/null || fail "campaign 1"
pn --home "$H" campaign create --funder 2 --name Fondation --value 5 --last-day 2027-12-31 \
	>/dev/null || fail "campaign 2"
mkdir -p "$WORK/b1" "$WORK/b2" "$WORK/inv"
pn --home "$H" batch issue --campaign 1 --count 10 --out "$WORK/b1" --format csv >/dev/null ||
	fail "batch 1"
pn --home "$H" batch issue --campaign 2 --count 10 --out "$WORK/b2" --format csv >/dev/null ||
	fail "batch 2"
CSV1=$(ls "$WORK"/b1/batch-*.csv | head -1)
CSV2=$(ls "$WORK"/b2/batch-*.csv | head -1)

redeem() { # WHEN TOKEN KEY CSV N: one pass redeemed through the daemon
	CSV=$4
	PASSNUM_NOW=$1 start_daemon
	req POST /v1/redemptions "$2" "$(redeem_body atelier "$3" "$(pass "$5")")"
	expect_http 201
	stop_daemon
}

# --- April: 2 passes of funder 1 at payee 1, 1 of funder 1 and 1 of
# funder 2 at payee 2.
redeem 2027-04-10T10:00:00Z "$T1" k1 "$CSV1" 1
redeem 2027-04-10T10:01:00Z "$T1" k2 "$CSV1" 2
redeem 2027-04-12T10:00:00Z "$T2" k3 "$CSV1" 3
redeem 2027-04-12T10:01:00Z "$T2" k4 "$CSV2" 1

# --- 2 May: April settled before funder 1 is invoiced: its 30.00 waits.
export PASSNUM_NOW=2027-05-02T08:00:00Z
expect 0 pn --home "$H" --json settle --period 2027-04 --dry-run
equals "$(echo "$out" | jq -c '[.total_cents, [.payouts[] | [.payee_id, .amount_cents]]]')" \
	'[500,[[2,500]]]' "only the prepaid funder's pass is paid"
equals "$(echo "$out" | jq -c '.held_for_invoices | [.advanced, .amount_cents, .payees,
	[.funders[] | [.funder_id, .invoice, .amount_cents, .passes, .payees]]]')" \
	'[false,3000,2,[[1,null,3000,3,2]]]' "funder 1's passes wait: not invoiced"
mkdir -p "$WORK/s04"
expect 0 pn --home "$H" --yes settle --period 2027-04 --out "$WORK/s04/virements.xml"
contains "$out" "held for funder 1 Département de la Seine-Saint-Denis: 30.00 EUR (3 passes, 2 payees), « not invoiced »" \
	"the text says what waits, per funder"
contains "$out" "held back until purchase funders pay their invoices: 30.00 EUR, 2 payees" \
	"and the total"
equals "$(balance payee:1)" -2000 "payee 1's April stays payable"
equals "$(balance payee:2)" -1000 "payee 2's pass of funder 1 stays payable"
grep -c "<CdtTrfTxInf>" "$WORK/s04/virements.xml" | grep -x 1 >/dev/null && ok ||
	fail "April's file has one transfer"
verify "April settled, funder 1 waiting"

# --- 3 May: April invoiced (30.00); one more pass each in May.
export PASSNUM_NOW=2027-05-03T08:00:00Z
expect 0 pn --home "$H" --yes --json invoice create --funder 1 --period 2027-04 --engagement EJ-1 \
	--out "$WORK/inv"
equals "$(echo "$out" | jq -r '.invoices[0].number')" FA-2027-000001 \
	"April's invoice"
redeem 2027-05-10T10:00:00Z "$T1" k5 "$CSV1" 4
redeem 2027-05-10T10:01:00Z "$T2" k6 "$CSV2" 2

# --- 1 June: May settled: April's waits for FA-2027-000001, May's is not
# invoiced; the prepaid pass is paid.
export PASSNUM_NOW=2027-06-01T08:00:00Z
refused 2 "--reissue with --advance-float" pn --home "$H" --yes settle --period 2027-04 --reissue \
	--advance-float --out "$WORK/x.xml"
mkdir -p "$WORK/s05"
expect 0 pn --home "$H" --yes --json settle --period 2027-05 --out "$WORK/s05/virements.xml"
equals "$(echo "$out" | jq -c '[.total_cents, [.payouts[] | [.payee_id, .amount_cents]]]')" \
	'[500,[[2,500]]]' "May pays the prepaid pass only"
equals "$(echo "$out" | jq -c '[.held_for_invoices.amount_cents, [.held_for_invoices.funders[] |
	[.invoice, .amount_cents, .payees]]]')" '[4000,[[null,1000,1],["FA-2027-000001",3000,2]]]' \
	"per invoice: May not invoiced, April's invoice not paid"
verify "May settled"
# The coverage check: what waits for funder 1's invoices is owed to the
# payees but backed by the invoices, not by cash held: shown apart.
R=$(pn --home "$H" --json reconcile 2>"$WORK/reconcile.err")
equals "$(echo "$R" | jq -c '[(.funders[] | select(.funder == 1) | .payables_awaiting_invoice_cents),
	(.funders[] | select(.funder == 2) | .payables_awaiting_invoice_cents),
	.coverage.payables_awaiting_invoices_cents, .coverage.payees_cents]')" '[4000,0,4000,4000]' \
	"reconcile: the payables waiting for funder 1's invoices, per funder and in the coverage"
equals "$(echo "$R" | jq '.coverage | .payouts_in_transit_cents + .payees_cents +
	.funders_paid_ahead_and_credit_notes_cents + .fees_and_vat_not_swept_cents -
	.payables_awaiting_invoices_cents == .owed_in_cash_cents')" true \
	"what waits for an invoice is not counted as owed in cash"

# --- 2 June: May invoiced (FA-2027-000002); 18 June: the funder pays
# April's invoice, seen on a camt.053 statement.
export PASSNUM_NOW=2027-06-02T08:00:00Z
expect 0 pn --home "$H" --yes invoice create --funder 1 --period 2027-05 --engagement EJ-2 \
	--out "$WORK/inv"
export PASSNUM_NOW=2027-06-19T08:00:00Z
pay "$WORK/pay1.xml" 1 0.00 30.00 30.00 FA-2027-000001 2027-06-18
expect 0 pn --home "$H" --json bank import "$WORK/pay1.xml"
equals "$(echo "$out" | jq -c '[.receipts, .suspense]')" '[1,0]' "the payment is matched to FA-2027-000001"
equals "$(pn --home "$H" --json invoice show FA-2027-000001 | jq -r .status)" Payée "April's invoice is paid"
verify "April's invoice paid"

# --- 1 July: June's settlement pays April's passes (their invoice is paid);
# May's still wait for FA-2027-000002.
export PASSNUM_NOW=2027-07-01T08:00:00Z
mkdir -p "$WORK/s06"
expect 0 pn --home "$H" --yes --json settle --period 2027-06 --out "$WORK/s06/virements.xml"
equals "$(echo "$out" | jq -c '[.total_cents, [.payouts[] | [.payee_id, .amount_cents, .passes]]]')" \
	'[3000,[[1,2000,2],[2,1000,1]]]' "the held passes are paid once their invoice is paid"
equals "$(echo "$out" | jq -c '[.held_for_invoices.funders[] | [.invoice, .amount_cents]]')" \
	'[["FA-2027-000002",1000]]' "May's pass waits for its invoice"
equals "$(balance payee:1)" -1000 "payee 1 is owed May's pass only"
equals "$(balance operator:float:1)" 0 "no float so far"
verify "June settled"

# --- July: one pass of funder 1 at payee 2. 1 August: everything owed
# waits (May's invoice unpaid, July not invoiced): refused, then paid from
# the operator's float.
redeem 2027-07-10T10:00:00Z "$T2" k7 "$CSV1" 5
# and a redemption mixing a pass of each funder at payee 1: paid whole, it
# waits whole; only funder 1's pass counts as waiting for it, or as float.
CSV=$CSV1; P1=$(pass 6); CSV=$CSV2; P2=$(pass 3)
PASSNUM_NOW=2027-07-11T10:00:00Z start_daemon
req POST /v1/redemptions "$T1" "$(redeem_body parcours k8 "$P1" "$P2")"
expect_http 201
stop_daemon
export PASSNUM_NOW=2027-08-01T08:00:00Z
refused 1 "a settlement where everything waits" pn --home "$H" --yes settle --period 2027-07 \
	--out "$WORK/x.xml"
contains "$err" "35.00 EUR waits for purchase funders' invoices" "the refusal says why"
contains "$err" "--advance-float" "and what the operator may do"
[ ! -e "$WORK/x.xml" ] && ok || fail "a refused settle left a file"
before=$(db_dump "$H")
expect 0 pn --home "$H" --json settle --period 2027-07 --advance-float --dry-run
equals "$(echo "$out" | jq -c '[.dry_run, .total_cents, .held_for_invoices.advanced, .held_for_invoices.amount_cents]')" \
	'[true,3500,true,3500]' "--dry-run says what the float would pay"
equals "$(db_dump "$H")" "$before" "--dry-run --advance-float changes nothing"
mkdir -p "$WORK/s07"
expect 0 pn --home "$H" --yes --json settle --period 2027-07 --advance-float \
	--out "$WORK/s07/virements.xml"
equals "$(echo "$out" | jq -c '[.total_cents, [.payouts[] | [.payee_id, .amount_cents]]]')" \
	'[3500,[[1,2500],[2,1000]]]' "--advance-float pays the waiting passes (the mixed one whole)"
equals "$(echo "$out" | jq -c '.held_for_invoices | [.advanced, .amount_cents,
	[.funders[] | [.funder_id, .invoice, .amount_cents]]]')" \
	'[true,3500,[[1,null,2000],[1,"FA-2027-000002",1000]]]' "what was advanced, per invoice (funder 1's passes only)"
equals "$(balance operator:float:1)" 3000 "the float on its own account (8018): funder 1's passes"
equals "$(balance float-counterpart)" -3000 "against its counterpart (8091)"
equals "$(sqlite3 "$H/passnum.db" "SELECT kind || ' ' || reference FROM entries WHERE kind LIKE 'float-%'")" \
	"float-advance settlement:4" "one float-advance entry for the funder"
equals "$(sqlite3 "$H/passnum.db" "SELECT pcg FROM accounts WHERE code IN ('operator:float:1', 'float-counterpart') ORDER BY code")" \
	"$(printf '8091\n8018')" "PCG class 8: engagements given and their counterpart"
verify "float advanced"
R=$(pn --home "$H" --json reconcile 2>"$WORK/reconcile.err")
equals "$(echo "$R" | jq -c '[(.funders[] | select(.funder == 1) | .float_cents), .coverage.operator_float_cents]')" \
	'[3000,3000]' "reconcile shows the float, per funder and in the coverage"
equals "$(echo "$R" | jq -c '.coverage.payables_awaiting_invoices_cents')" 0 \
	"paid from the float: nothing waits any more"
expect 0 pn --home "$H" report funder 1 --period 2027-07 --format json --out "$WORK/f07.json"
equals "$(jq -c '[.tables[] | select(.key == "operator_float") | .rows[0] | .advanced_cents, .repaid_cents, .outstanding_cents]' "$WORK/f07.json")" \
	'[3000,0,3000]' "the funder report shows the float"

# --- 2 August: July invoiced; May's invoice paid (its advance cleared),
# then July's (the float is back at zero).
export PASSNUM_NOW=2027-08-02T08:00:00Z
expect 0 pn --home "$H" --yes invoice create --funder 1 --period 2027-07 --engagement EJ-3 \
	--out "$WORK/inv"
export PASSNUM_NOW=2027-08-10T08:00:00Z
expect 0 pn --home "$H" invoice pay FA-2027-000002 4.00 --ref VIR-PART --day 2027-08-05
equals "$(balance operator:float:1)" 3000 "a part payment repays no advance"
verify "a part payment"
pay "$WORK/pay2.xml" 2 30.00 36.00 6.00 FA-2027-000002 2027-08-09
expect 0 pn --home "$H" --json bank import "$WORK/pay2.xml"
equals "$(balance operator:float:1)" 2000 "May's advance repaid once its invoice is paid in full"
equals "$(sqlite3 "$H/passnum.db" "SELECT x.kind || ' ' || x.reference || ' ' || d.day FROM entries x
	JOIN entry_dates d ON d.entry_seq = x.seq WHERE x.kind = 'float-repaid'")" \
	"float-repaid FA-2027-000002 $(( $(date -u -d 2027-08-09 +%s) / 86400 ))" \
	"float-repaid, dated the bank's booking day"
verify "May's advance repaid"
pay "$WORK/pay3.xml" 3 36.00 56.00 20.00 FA-2027-000003 2027-08-09
expect 0 pn --home "$H" --json bank import "$WORK/pay3.xml"
equals "$(balance operator:float:1)" 0 "the float is cleared"
equals "$(balance float-counterpart)" 0 "and its counterpart"
verify "float cleared"
R=$(pn --home "$H" --json reconcile 2>"$WORK/reconcile.err")
equals "$(echo "$R" | jq -c '[(.funders[] | select(.funder == 1) | .float_cents), .coverage.operator_float_cents]')" \
	'[0,0]' "reconcile: no float outstanding"
expect 0 pn --home "$H" report funder 1 --period 2027-08 --format json --out "$WORK/f08.json"
equals "$(jq -c '[.tables[] | select(.key == "operator_float") | .rows[0] | .advanced_cents, .repaid_cents, .outstanding_cents]' "$WORK/f08.json")" \
	'[3000,3000,0]' "the funder report: advanced, repaid"
for fmt in html csv pdf; do
	expect 0 pn --home "$H" report funder 1 --period 2027-08 --format $fmt --out "$WORK/f08.$fmt"
done
contains "$(cat "$WORK/f08.html")" "Lieux payés avant le paiement de vos factures" "the float's table in HTML"
contains "$(cat "$WORK/f08.csv")" "Restant à rembourser" "and in CSV"
expect 0 pn --home "$H" ledger export --format jsonl --out "$WORK/ledger.jsonl"
expect 0 node "$SRC/tools/verify-export.mjs" "$WORK/ledger.jsonl"
contains "$out" "OK: " "the independent verifier knows the float accounts"
expect 0 pn --home "$H" ledger export --format fec --year 2027 --out "$WORK/fec/"
F=$WORK/fec/123456782FEC20271231.txt
equals "$out" "$F" "FEC file name"
expect 0 bash "$(dirname "$0")/fec_check.sh" "$F" 20270101 20271231
contains "$out" "FEC OK" "the FEC with the float entries passes the checker"
equals "$(awk -F'\t' '$5 == "8018" || $5 == "8091" {print $1, $5, $7}' "$F" | sort -u | tr '\n' '|')" \
	"OD 8018 FIN000001|OD 8091 |" "the float in the FEC: journal OD, the funder's auxiliary account"
# Lettrage on 411: each invoice its payments settle exactly shares one
# letter with them (fec_check above: every letter balances).
paid=$(sqlite3 "$H/passnum.db" "SELECT COUNT(*) FROM invoices i WHERE i.kind = 'invoice' AND
	i.receivable_cents > 0 AND i.receivable_cents = (SELECT COALESCE(SUM(receivable_cents), 0)
	FROM invoices WHERE invoice_id = i.id) + (SELECT COALESCE(SUM(amount_cents), 0)
	FROM invoice_payments WHERE invoice_id = i.id)")
[ "$paid" -ge 2 ] && ok || fail "invoices paid in full: $paid"
equals "$(awk -F'\t' '$5 == "411" && $14 != ""' "$F" | cut -f14 | sort -u | wc -l)" "$paid" \
	"411: one letter per invoice paid in full"
equals "$(awk -F'\t' '$5 == "411" && $14 != "" {print $14}' "$F" | sort | uniq -c | awk '$1 < 2' | wc -l)" 0 \
	"411: each letter joins the invoice and at least one payment"

# --- ledger verify catches an advance changed behind the program's back.
T=$WORK/tampered
cp -a "$H" "$T"
sqlite3 "$T/passnum.db" "DROP TRIGGER float_advances_no_update;
	UPDATE float_advances SET cents = cents + 100 WHERE id = 1" || fail "tamper"
expect 1 pn --home "$T" ledger verify
contains "$out$err" "float" "ledger verify names the float"

echo "test_settle_float: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
