#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# Bank statements and reconciliation through the real CLI and daemon on a
# SQLite home: April's redemptions at 33 places (so the settle entry splits
# at 31 payees), settled; its pain.002 with one rejection (imported twice:
# nothing the second time); the funder's payment and the batch debit in a
# camt.053 (batch-booked), imported twice (nothing the second time); the
# reissue of the rejected payout only; a returned transfer in the next
# camt.053 (.001.02) with the reissued batch's debit; a camt.054 that
# details the batch and posts nothing; reconcile clean, with its signed
# report (and for May alone). Then a statement with an unknown line, a wrong amount
# and a closing balance that does not add up, a CFONB 120 file of the
# operating account, one with a broken record, a statement of another
# account, malformed XML, three decimals: each refusal one line and nothing
# changed; reconcile reports each difference and exits 1; a line matched by
# hand; the CSV; the returned transfer paid again by the next settlement;
# the FEC (journals, lettrage, a fiscal year from July) and its checker;
# ledger verify passes throughout.
. "$(dirname "$0")/lib.sh"
export PASSNUM_NOW=2027-04-10T10:00:00Z
. "$(dirname "$0")/daemon_lib.sh"
OP_IBAN=FR7610107001011234567890129
NPAYEES=33

# mod97 DIGITS: the remainder of a long decimal number by 97.
mod97() {
	local n=$1 r=0 chunk
	while [ -n "$n" ]; do
		chunk=${n:0:7}
		n=${n:7}
		r=$(( 10#$r$chunk % 97 ))
	done
	echo $r
}
# iban_fr BBAN(23 digits): a French IBAN with its check digits.
iban_fr() {
	local r
	r=$(mod97 "${1}152700")
	printf 'FR%02d%s\n' $((98 - r)) "$1"
}
# siret_for N: a SIRET of SIREN 123456782 whose 14 digits pass Luhn.
siret_for() {
	local nic=$(( $1 * 10 )) s d sum i
	while :; do
		s=123456782$(printf '%05d' $nic)
		sum=0
		for ((i = 0; i < 14; i++)); do
			d=${s:i:1}
			if (( (14 - i) % 2 == 0 )); then d=$((d * 2)); ((d > 9)) && d=$((d - 9)); fi
			sum=$((sum + d))
		done
		((sum % 10 == 0)) && { echo "$s"; return; }
		nic=$((nic + 1))
	done
}
OPER_IBAN=$(iban_fr 30004000031234567890143)
FOREIGN_IBAN=$(iban_fr 30004000039999999999943)
balance() { sqlite3 "$H/passnum.db" "SELECT balance FROM accounts WHERE code = '$1'"; }
q() { sqlite3 "$H/passnum.db" "$1"; }

# --- The home: one funder paying its order, 33 places with 33 payees.
pn --home "$H" init --operator "Opérateur Numérique Solidaire" --origin bank.example/ledger \
	--iban "$OP_IBAN" --bic AGRIFRPP >/dev/null || fail "init"
expect 0 pn --home "$H" operator set --operating-iban "$OPER_IBAN"
pn --home "$H" funder add "Association Solidarité Numérique" >/dev/null || fail "funder"
pn --home "$H" funder order 1 1000 --ref BC-2027-001 >/dev/null || fail "order"
pn --home "$H" service add atelier "Atelier numérique" >/dev/null || fail "service"
for i in $(seq $NPAYEES); do
	pn --home "$H" place add "Lieu $i" --siret "$(siret_for "$i")" --commune 93048 \
		--iban "$(iban_fr "$(printf '2004101005%011d' "$i")00")" --type epn \
		--services atelier >/dev/null || fail "place $i"
	pn --home "$H" place label "$i" >/dev/null || fail "label $i"
	TOK[$i]=$(pn --home "$H" token create --role place --id "$i")
done
equals "$(pn --home "$H" --json payee list | jq length)" $NPAYEES "one payee per place"
pn --home "$H" campaign create --funder 1 --name C93 --value 10 --last-day 2027-12-31 \
	--departments 93 >/dev/null || fail "campaign"
mkdir -p "$WORK/out"
pn --home "$H" batch issue --campaign 1 --count 40 --out "$WORK/out" --format csv >/dev/null ||
	fail "batch"
CSV=$(ls "$WORK"/out/batch-*.csv | head -1)

# --- April: one redemption at each place, two at place 1.
start_daemon
for i in $(seq $NPAYEES); do
	req POST /v1/redemptions "${TOK[$i]}" "$(redeem_body atelier "k$i" "$(pass "$i")")"
	expect_http 201
done
req POST /v1/redemptions "${TOK[1]}" "$(redeem_body atelier k34 "$(pass 34)")"
expect_http 201
stop_daemon

export PASSNUM_NOW=2027-05-02T08:00:00Z
expect 0 pn --home "$H" --json --yes settle --period 2027-04 --out "$WORK/april.xml"
S=$out
equals "$(echo "$S" | jq .count)" $NPAYEES "33 transfers"
equals "$(echo "$S" | jq .total_cents)" 34000 "total"
MSGID=$(echo "$S" | jq -r .msg_id)
PMTINF=$(echo "$S" | jq -r .pmt_inf_id)
e2e() { echo "$S" | jq -r ".payouts[] | select(.payee_id == $1) | .end_to_end_id"; }
equals "$(q "SELECT COUNT(*) || ' ' || group_concat(memo, ' | ') FROM entries WHERE kind = 'settle'")" \
	"2 Virements aux lieux 2027-04 (1/2) | Virements aux lieux 2027-04 (2/2)" \
	"the settle entry split at 31 payees"
equals "$(q "SELECT group_concat(n, ',') FROM (SELECT COUNT(*) - 1 AS n FROM postings p JOIN entries e
	ON e.seq = p.entry_seq WHERE e.kind = 'settle' GROUP BY e.seq ORDER BY e.seq)")" "31,2" \
	"31 payees, then 2"
expect 0 pn --home "$H" ledger verify

# --- pain.002: the bank rejects the transfer to payee 2.
pain002() { # FILE MSGID GROUP-STATUS [E2E STATUS REASON]
	cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
 <CstmrPmtStsRpt>
  <GrpHdr><MsgId>$2</MsgId><CreDtTm>2027-05-02T12:00:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>$MSGID</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
   <GrpSts>$3</GrpSts></OrgnlGrpInfAndSts>
  <OrgnlPmtInfAndSts><OrgnlPmtInfId>$PMTINF</OrgnlPmtInfId><PmtInfSts>${3}</PmtInfSts>
   ${4:+<TxInfAndSts><OrgnlEndToEndId>$4</OrgnlEndToEndId><TxSts>$5</TxSts>
    <StsRsnInf><Rsn><Cd>$6</Cd></Rsn></StsRsnInf></TxInfAndSts>}
  </OrgnlPmtInfAndSts>
 </CstmrPmtStsRpt>
</Document>
EOF
}
pain002 "$WORK/pain002.xml" STS-0001 PART "$(e2e 2)" RJCT AC04
expect 0 pn --home "$H" --json bank import "$WORK/pain002.xml"
equals "$(echo "$out" | jq -c '[.format, .rejected]')" '["pain.002",1]' "one payout rejected"
equals "$(q "SELECT status FROM payouts WHERE payee_id = 2")" rejected "payee 2's transfer rejected"
equals "$(q "SELECT COUNT(*) FROM payouts WHERE status = 'issued'")" $((NPAYEES - 1)) \
	"the others unchanged (PART says nothing of them)"
before=$(db_dump "$H")
expect 0 pn --home "$H" bank import "$WORK/pain002.xml"
contains "$out" "already imported, nothing changed"
equals "$(db_dump "$H")" "$before" "a pain.002 imported twice changes nothing"
# A status report about a message this home never sent: refused whole.
sed "s|$MSGID|PN-00000000-202704-000099|" "$WORK/pain002.xml" | sed 's|STS-0001|STS-0002|' \
	>"$WORK/pain002-other.xml"
expect 1 pn --home "$H" bank import "$WORK/pain002-other.xml"
contains "$err" "no settlement of this home"
one_line "$err"
equals "$(db_dump "$H")" "$before" "refused status report changed nothing"

# --- camt.053 statement 1 (.001.08): the funder pays its order; the bank
# debits the batch (the 32 accepted transfers, booked as one debit).
ntry() { # AMOUNT CDTDBT REF [PMTINFID] [E2E] [USTRD] [RTR]
	echo "<Ntry><Amt Ccy=\"EUR\">$1</Amt><CdtDbtInd>$2</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2027-05-03</Dt></BookgDt><ValDt><Dt>2027-05-03</Dt></ValDt><AcctSvcrRef>$3</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>${7:-ESCT}</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls>${4:+<Btch><PmtInfId>$4</PmtInfId></Btch>}<TxDtls><Refs>${5:+<EndToEndId>$5</EndToEndId>}</Refs>
${6:+<RmtInf><Ustrd>$6</Ustrd></RmtInf>}${7:+<RtrInf><Rsn><Cd>AC01</Cd></Rsn></RtrInf>}</TxDtls></NtryDtls></Ntry>"
}
camt053() { # FILE VERSION IBAN ID SEQ OPENING CLOSING ENTRIES...
	local f=$1 v=$2 iban=$3 id=$4 seq=$5 op=$6 cl=$7
	shift 7
	cat >"$f" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.$v">
<BkToCstmrStmt><GrpHdr><MsgId>MSG-$id</MsgId><CreDtTm>2027-05-04T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>$id</Id><ElctrncSeqNb>$seq</ElctrncSeqNb><CreDtTm>2027-05-04T06:00:00</CreDtTm>
<Acct><Id><IBAN>$iban</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">${op#-}</Amt><CdtDbtInd>$([ "${op:0:1}" = - ] && echo DBIT || echo CRDT)</CdtDbtInd><Dt><Dt>2027-05-01</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">${cl#-}</Amt><CdtDbtInd>$([ "${cl:0:1}" = - ] && echo DBIT || echo CRDT)</CdtDbtInd><Dt><Dt>2027-05-31</Dt></Dt></Bal>
$*
</Stmt></BkToCstmrStmt></Document>
EOF
}
camt053 "$WORK/stmt1.xml" 08 "$OP_IBAN" STMT-2027-05 1 0.00 670.00 \
	"$(ntry 1000.00 CRDT REF-A1 '' '' 'Paiement BC-2027-001 mandat 4512')" \
	"$(ntry 330.00 DBIT REF-A2 "$PMTINF")"
expect 0 pn --home "$H" --json bank import "$WORK/stmt1.xml"
equals "$(echo "$out" | jq -c '[.format, .statements, .lines, .receipts, .payouts_debited, .suspense]')" \
	'["camt.053",1,2,1,32,0]' "the funder's payment and the batch matched"
equals "$(balance funder:1:orders)" 0 "the funder's order is paid"
equals "$(balance payouts-in-transit)" -1000 "only the rejected payout still in transit"
equals "$(balance bank)" 67000 "bank"
expect 0 pn --home "$H" ledger verify
before=$(db_dump "$H")
expect 0 pn --home "$H" --json bank import "$WORK/stmt1.xml"
equals "$(echo "$out" | jq -c '[.statements, .duplicates]')" '[0,1]' "already imported"
equals "$(db_dump "$H")" "$before" "a statement imported twice changes nothing"

# --- Reissue: only the rejected payout, with the same ids.
expect 0 pn --home "$H" --json settle --period 2027-04 --reissue --out "$WORK/reissue.xml"
equals "$(echo "$out" | jq -c '[.count, .total_cents, .msg_id, .payouts[0].payee_id]')" \
	"[1,1000,\"$MSGID\",2]" "the rejected payout only, same MsgId"
equals "$(xmllint --xpath 'string(//*[local-name()="EndToEndId"])' "$WORK/reissue.xml")" "$(e2e 2)" \
	"same EndToEndId"
equals "$(xmllint --xpath 'string(//*[local-name()="PmtInfId"])' "$WORK/reissue.xml")" "$PMTINF" \
	"same PmtInfId"
equals "$(db_dump "$H")" "$before" "a reissue changes nothing"

# --- camt.053 statement 2 (.001.02): the reissued batch debited, the
# transfer to payee 3 returned.
camt053 "$WORK/stmt2.xml" 02 "$OP_IBAN" STMT-2027-05 2 670.00 670.00 \
	"$(ntry 10.00 DBIT REF-B1 "$PMTINF")" \
	"$(ntry 10.00 CRDT REF-B2 '' "$(e2e 3)" 'RETOUR VIREMENT' RRTN)"
sed -i 's|<Sts><Cd>BOOK</Cd></Sts>|<Sts>BOOK</Sts>|' "$WORK/stmt2.xml"
expect 0 pn --home "$H" --json bank import "$WORK/stmt2.xml"
equals "$(echo "$out" | jq -c '[.payouts_debited, .returns, .suspense]')" '[1,1,0]' \
	"the reissue debited, the return matched"
equals "$(q "SELECT status FROM payouts WHERE payee_id = 3")" returned "payout returned"
equals "$(balance payee:3)" -1000 "the amount is back on payee 3's payable"
contains "$(pn --home "$H" --json payee show 3 | jq -r '.holds[0].reason')" \
	"virement retourné par la banque" "payee 3 flagged by a hold"
equals "$(balance payouts-in-transit)" 0 "nothing left in transit"
expect 0 pn --home "$H" ledger verify

# --- camt.054: it details the batch already posted; it posts nothing.
cat >"$WORK/ntf.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N1</MsgId><CreDtTm>2027-05-03T18:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>NTF-2027-05-03</Id><Acct><Id><IBAN>$OP_IBAN</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">330.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2027-05-03</Dt></BookgDt><NtryDtls><Btch><PmtInfId>$PMTINF</PmtInfId></Btch>
<TxDtls><Refs><EndToEndId>$(e2e 4)</EndToEndId></Refs><Amt Ccy="EUR">10.00</Amt></TxDtls>
<TxDtls><Refs><EndToEndId>$(e2e 5)</EndToEndId></Refs><Amt Ccy="EUR">10.00</Amt></TxDtls>
</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>
EOF
entries=$(q "SELECT COUNT(*) FROM entries")
expect 0 pn --home "$H" --json bank import "$WORK/ntf.xml"
equals "$(echo "$out" | jq -c '[.format, .details, .suspense]')" '["camt.054",2,0]' "camt.054: two details"
equals "$(q "SELECT COUNT(*) FROM entries")" "$entries" "a notification posts nothing"
before=$(db_dump "$H")
expect 0 pn --home "$H" --json bank import "$WORK/ntf.xml"
equals "$(echo "$out" | jq .duplicates)" 1 "a notification imported twice"
equals "$(db_dump "$H")" "$before" "a notification imported twice changes nothing"

# --- Reconcile: clean, with its signed report.
expect 0 pn --home "$H" --json reconcile --out "$WORK/rapprochement.json"
R=$out
equals "$(echo "$R" | jq -c '[.clean, .coverage.covered, .coverage.bank_cents, .coverage.owed_in_cash_cents]')" \
	'[true,true,67000,67000]' "reconciled, covered: bank 670.00 = payee 3 10.00 + funder 660.00"
equals "$(echo "$R" | jq -c '[.funders[0].frame, .funders[0].uncovered_cents]')" '["prepaid",0]' \
	"per funder: covered"
[ -s "$WORK/rapprochement.json.note" ] && ok || fail "no signature"
hash=$(sha256sum "$WORK/rapprochement.json" | cut -d' ' -f1)
equals "$(sed -n 3p "$WORK/rapprochement.json.note")" "$hash" "the note signs the report's hash"
contains "$(jq -r '.cannot_prove[0]' "$WORK/rapprochement.json")" "bank balance certificate"
expect 0 pn --home "$H" --json reconcile --period 2027-05
equals "$(echo "$out" | jq -c '[.clean, (.statements | length), .bank.funds.statement_closing_cents]')" \
	'[true,2,67000]' "May alone: its two statements, reconciled"
expect 1 pn --home "$H" reconcile --out "$WORK/rapprochement.json"
contains "$err" "already exists"
one_line "$err"

# --- Refusals: one line each, nothing changed.
before=$(db_dump "$H")
camt053 "$WORK/foreign.xml" 08 "$FOREIGN_IBAN" STMT-X 1 0.00 5.00 "$(ntry 5.00 CRDT X1)"
expect 1 pn --home "$H" bank import "$WORK/foreign.xml"
contains "$err" "refused whole"
one_line "$err"
head -c 700 "$WORK/stmt1.xml" >"$WORK/broken.xml"
expect 1 pn --home "$H" bank import "$WORK/broken.xml"
contains "$err" "malformed XML"
one_line "$err"
sed 's|1000.00|1000.001|' "$WORK/stmt1.xml" | sed 's|<ElctrncSeqNb>1<|<ElctrncSeqNb>9<|' >"$WORK/three.xml"
expect 1 pn --home "$H" bank import "$WORK/three.xml"
contains "$err" "at most two decimals"
one_line "$err"
expect 1 pn --home "$H" bank import "$WORK/nonexistent.xml"
one_line "$err"
echo "hello" >"$WORK/hello.txt"
expect 1 pn --home "$H" bank import "$WORK/hello.txt"
one_line "$err"
expect 2 pn --home "$H" bank match 1
one_line "$err"
expect 2 pn --home "$H" bank match 1 --funder 1 --charges
one_line "$err"
expect 1 pn --home "$H" bank match 1 --funder 1
contains "$err" "only lines in suspense"
one_line "$err"
expect 2 pn --home "$H" reconcile --period 2027-13
one_line "$err"

# CFONB 120: records of 120 characters; a broken one refuses the file.
cfonb_rec() { # CODE DATE AMOUNT14 LIBELLE [REF]
	printf '%-2s%-5s%-4s%-5s%-3s%-1s%-1s%-11s%-2s%-6s%-2s%-6s%-31s%-2s%-7s%-1s%-1s%-14s%-16s\n' \
		"$1" 30004 "" 00003 EUR 2 "" 12345678901 "${6:-}" "$2" "" "$2" "$4" "" "" "" "" "$3" "${5:-}"
}
cfonb_05() { # QUALIFIER TEXT
	printf '%-2s%-5s%-4s%-5s%-3s%-1s%-1s%-11s%-2s%-6s%-5s%-3s%-70s%-2s\n' \
		05 30004 "" 00003 EUR 2 "" 12345678901 "" 040527 "" "$1" "$2" ""
}
{
	cfonb_rec 01 010527 "0000000001000{" ""
	cfonb_rec 04 040527 "0000000000123M" "FRAIS TENUE DE COMPTE" FRAIS01
	cfonb_05 LIB "COMMISSION MAI"
	cfonb_rec 04 040527 "0000000000500}" "VIR SEPA EMIS" VIR01
	cfonb_05 RCN "E2E-OPER-1"
	cfonb_rec 07 310527 "0000000000376F" ""
} >"$WORK/oper.cfonb"
equals "$(awk '{ print length($0) }' "$WORK/oper.cfonb" | sort -u)" 120 "CFONB records of 120 characters"
sed '3s/.$//' "$WORK/oper.cfonb" >"$WORK/broken.cfonb"
expect 1 pn --home "$H" bank import "$WORK/broken.cfonb"
contains "$err" "CFONB record 3 is 119 characters long"
one_line "$err"
sed '2s/0000000000123M/00000000001230/' "$WORK/oper.cfonb" >"$WORK/unsigned.cfonb"
expect 1 pn --home "$H" bank import "$WORK/unsigned.cfonb"
contains "$err" "CFONB record 2: an amount whose last character is not a signed digit"
one_line "$err"
equals "$(db_dump "$H")" "$before" "refusals changed nothing"

# The operating account's CFONB statement: 100.00, -12.34, -50.00 -> 37.66.
expect 0 pn --home "$H" --json bank import "$WORK/oper.cfonb"
equals "$(echo "$out" | jq -c '[.format, .statements, .lines, .suspense]')" '["cfonb120",1,2,2]' \
	"CFONB read, its lines in suspense"
equals "$(q "SELECT opening_cents || ' ' || closing_cents || ' ' || account FROM bank_statements
	WHERE format = 'cfonb120'")" "10000 3766 operating" "signed-digit balances"
equals "$(q "SELECT group_concat(amount_cents || '/' || end_to_end_id || '/' || remittance, ' | ')
	FROM bank_lines WHERE statement_id = (SELECT id FROM bank_statements WHERE format = 'cfonb120')")" \
	"-1234//FRAIS TENUE DE COMPTE COMMISSION MAI | -5000/E2E-OPER-1/VIR SEPA EMIS" \
	"signed-digit amounts, RCN EndToEndId, LIB text"
before=$(db_dump "$H")
expect 0 pn --home "$H" --json bank import "$WORK/oper.cfonb"
equals "$(echo "$out" | jq .duplicates)" 1 "the same CFONB content is the same statement"
equals "$(db_dump "$H")" "$before" "CFONB imported twice changes nothing"
FRAIS=$(q "SELECT id FROM bank_lines WHERE bank_ref = 'FRAIS01'")
expect 0 pn --home "$H" bank match "$FRAIS" --charges
equals "$(balance bank-charges)" 1234 "charges"
expect 1 pn --home "$H" bank match "$FRAIS" --charges
contains "$err" "already matched"
one_line "$err"

# --- Statement 3: an unknown line, a payout's debit of the wrong amount,
# and a closing balance one cent off.
camt053 "$WORK/stmt3.xml" 08 "$OP_IBAN" STMT-2027-05 3 670.00 710.00 \
	"$(ntry 50.00 CRDT REF-C1 '' '' 'VIREMENT INCONNU')" \
	"$(ntry 10.01 DBIT REF-C2 '' "$(e2e 3)")"
expect 0 pn --home "$H" --json bank import "$WORK/stmt3.xml"
equals "$(echo "$out" | jq -c '[.lines, .suspense]')" '[2,2]' "both lines in suspense"
UNKNOWN=$(echo "$out" | jq '.unmatched[0].line')
expect 1 pn --home "$H" --json reconcile
R=$out
echo "$R" | jq . >"$WORK/reconcile-3.json"
contains "$err" "reconcile found"
one_line "$err"
equals "$(echo "$R" | jq -r '.clean')" false "not clean"
diffs=$(echo "$R" | jq -r '.differences[] | "\(.amount_cents) \(.what)"')
contains "$diffs" "-1 statement" "the statement that does not add up, by one cent"
contains "$diffs" "5000 bank line $UNKNOWN in suspense: VIREMENT INCONNU" "the unknown line"
contains "$diffs" "-1001 bank line" "the wrong amount"
contains "$diffs" "operating account: the first statement opens with money" "the operating account's opening"
expect 1 pn --home "$H" reconcile
contains "$out" "to do: passnum bank match LINE"
# Matched by hand to the funder: money received ahead (beyond its orders).
expect 0 pn --home "$H" bank match "$UNKNOWN" --funder 1
equals "$(balance funder:1:balance)" -65000 "the funder's balance credited"
equals "$(q "SELECT COUNT(*) FROM funder_funds WHERE kind = 'credit' AND ref = 'bank-line:$UNKNOWN'")" 1 \
	"recorded as money received"
expect 1 pn --home "$H" --json reconcile
contains "$(echo "$out" | jq -r '.differences[].what')" "statement" "still reports the statement"
[[ "$(echo "$out" | jq -r '.differences[].what')" != *"VIREMENT INCONNU"* ]] && ok ||
	fail "the matched line is still reported"
expect 0 pn --home "$H" ledger verify

# --- The documented CSV: the operating account, once.
cat >"$WORK/stmt.csv" <<EOF
passnum-bank-csv-v1;$OPER_IBAN;CSV-2027-06;2027-06-01;37.66;2027-06-30;37.66
booking_date;value_date;amount;bank_ref;end_to_end_id;pmt_inf_id;remittance;counterparty;code
2027-06-03;2027-06-03;-1.50;CSV1;;;Frais;Banque;charges
2027-06-03;2027-06-03;1.50;CSV2;;;Geste commercial;Banque;
EOF
expect 0 pn --home "$H" --json bank import "$WORK/stmt.csv"
equals "$(echo "$out" | jq -c '[.format, .lines, .charges, .suspense]')" '["csv",2,1,1]' "CSV read"
sed 's|-1.50|-1.5x|' "$WORK/stmt.csv" | sed 's|CSV-2027-06|CSV-2027-07|' >"$WORK/bad.csv"
before=$(db_dump "$H")
expect 1 pn --home "$H" bank import "$WORK/bad.csv"
contains "$err" "CSV line 3"
one_line "$err"
equals "$(db_dump "$H")" "$before" "a bad CSV changed nothing"
expect 0 pn --home "$H" ledger verify

# --- The returned transfer carried: payee 3 released, May's settlement
# (made in June) pays its returned amount again, under a new EndToEndId.
expect 0 pn --home "$H" payee release 3
PASSNUM_NOW=2027-06-01T08:00:00Z expect 0 pn --home "$H" --json --yes settle --period 2027-05 \
	--out "$WORK/may.xml"
equals "$(echo "$out" | jq -c '[.count, .total_cents, .payouts[0].payee_id, .payouts[0].passes]')" \
	'[1,1000,3,1]' "the returned amount paid again to payee 3"
[ "$(echo "$out" | jq -r '.payouts[0].end_to_end_id')" != "$(e2e 3)" ] && ok ||
	fail "a carried payout reuses the returned one's EndToEndId"
equals "$(balance payee:3)" 0 "payee 3's payable paid"
equals "$(q "SELECT returned_payout_id FROM payout_carries")" \
	"$(q "SELECT id FROM payouts WHERE payee_id = 3 AND status = 'returned'")" "the returned payout carried once"
PASSNUM_NOW=2027-07-01T08:00:00Z expect 1 pn --home "$H" --yes settle --period 2027-06 --out "$WORK/june.xml"
contains "$err" "nothing to settle" "carried once: nothing more in June"
expect 0 pn --home "$H" ledger verify

# --- FEC: journals, lettrage, a fiscal year from July; the checker.
FEC_CHECK=$(dirname "$0")/fec_check.sh
expect 0 pn --home "$H" operator set --siren 732829320
expect 0 pn --home "$H" ledger export --format fec --year 2027 --out "$WORK/fec/"
F=$WORK/fec/732829320FEC20271231.txt
equals "$out" "$F" "FEC file name"
expect 0 bash "$FEC_CHECK" "$F" 20270101 20271231
contains "$out" "FEC OK"
equals "$(sed 1d "$F" | cut -f1 | sort -u | tr '\n' ' ')" "BQ OD " "journals BQ and OD (no fees, nothing before 2027)"
equals "$(awk -F'\t' '$5 == "471" && $14 != ""' "$F" | cut -f14 | sort | uniq -c | awk '{print $1}' | sort -u | tr '\n' ' ')" \
	"2 " "each suspense line lettered with the entry that matched it"
equals "$(awk -F'\t' '$5 == "4678"' "$F" | cut -f14 | sort -u | grep -c '^[A-Z][A-Z][A-Z]$')" 1 \
	"payouts in transit: the settlement and the bank's debits of it, one letter"
equals "$(awk -F'\t' '$1 == "BQ"' "$F" | cut -f3 | sort -u | wc -l)" \
	"$(q "SELECT COUNT(*) FROM entries WHERE seq IN (SELECT entry_seq FROM postings p JOIN accounts a
	ON a.id = p.account_id WHERE a.code IN ('bank', 'bank-operating'))")" "BQ: every entry that moves a bank account"
expect 0 pn --home "$H" ledger export --format fec --year 2028 --fiscal-start 07 --out "$WORK/fec/"
F2=$WORK/fec/732829320FEC20280630.txt
equals "$out" "$F2" "a fiscal year from July 2027 to June 2028"
expect 0 bash "$FEC_CHECK" "$F2" 20270701 20280630
equals "$(sed 1d "$F2" | cut -f1 | sort -u | tr '\n' ' ')" "AN " "only the opening balances"
equals "$(sed 1d "$F2" | awk -F'\t' '$5 == "512" {gsub(",", "", $12); print $12}')" 70999 \
	"the bank's balance carried forward"
expect 2 pn --home "$H" ledger export --format fec --year 2028 --fiscal-start 13
one_line "$err"
# The checker fails on a broken FEC.
awk -F'\t' -v OFS='\t' 'NR == 2 { if ($12 != "0,00") $12 = "99999,99"; else $13 = "99999,99" } 1' \
	"$F" >"$WORK/broken-fec.txt"
expect 1 bash "$FEC_CHECK" "$WORK/broken-fec.txt"
contains "$out" "Debit and Credit differ"
cut -f1-17 "$F" >"$WORK/17-columns.txt"
expect 1 bash "$FEC_CHECK" "$WORK/17-columns.txt"
contains "$out" "not 18"

finish
