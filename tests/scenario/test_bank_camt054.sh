#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# camt.054 (bank-to-customer debit/credit notification, .001.08) for
# rejected and returned transfers, through `passnum bank import`: three
# places redeem through the daemon, April is settled (3 × 10.00); a
# camt.054 details the batch before any statement: payee 1 accepted, payee
# 2 rejected before it was paid (RtrInf AC04); the camt.053 then debits
# the batch of the two others (20.00) in one line, and settle --reissue
# writes payee 2's transfer alone; a second camt.054 notifies the return
# of payee 3's transfer (RRTN, MS03): payee 3 held at once, nothing posted; the camt.053 that
# books the return posts it (once, one hold). A CFONB 120 statement whose
# 04 records carry a reject/return reason code (41-42). Each notification imported
# twice changes nothing; hostile notifications (three decimals, a foreign
# account, truncated XML, another currency, an entity, a detail without an
# amount) are refused in one line and change nothing; ledger verify passes.
. "$(dirname "$0")/lib.sh"
export PASSNUM_NOW=2027-04-10T10:00:00Z
. "$(dirname "$0")/daemon_lib.sh"
OP_IBAN=FR7610107001011234567890129
FOREIGN_IBAN=FR7630004000039999999999943
balance() { sqlite3 "$H/passnum.db" "SELECT balance FROM accounts WHERE code = '$1'"; }
q() { sqlite3 "$H/passnum.db" "$1"; }
SIRETS=(- 12345678200010 12345678200028 12345678200036)
IBANS=(- FR7630006000011234567890189 FR7630004000031234567890143 FR7610107001011234567890129)

pn --home "$H" init --operator "Opérateur Numérique Solidaire" --origin camt054.example/ledger \
	--iban "$OP_IBAN" --bic AGRIFRPP >/dev/null || fail "init"
pn --home "$H" funder add "Association Solidarité Numérique" >/dev/null || fail "funder"
pn --home "$H" funder credit 1 100 --ref VIR-2027-001 >/dev/null || fail "credit"
pn --home "$H" service add atelier "Atelier numérique" >/dev/null || fail "service"
for i in 1 2 3; do
	pn --home "$H" place add "Lieu $i" --siret "${SIRETS[$i]}" --commune 93048 \
		--iban "${IBANS[$i]}" --type epn --services atelier >/dev/null || fail "place $i"
	pn --home "$H" place label "$i" >/dev/null || fail "label $i"
	TOK[$i]=$(pn --home "$H" token create --role place --id "$i")
done
pn --home "$H" campaign create --funder 1 --name C93 --value 10 --last-day 2027-12-31 \
	--departments 93 >/dev/null || fail "campaign"
mkdir -p "$WORK/out"
pn --home "$H" batch issue --campaign 1 --count 5 --out "$WORK/out" --format csv >/dev/null ||
	fail "batch"
CSV=$(ls "$WORK"/out/batch-*.csv | head -1)
start_daemon
for i in 1 2 3; do
	req POST /v1/redemptions "${TOK[$i]}" "$(redeem_body atelier "k$i" "$(pass "$i")")"
	expect_http 201
done
stop_daemon

export PASSNUM_NOW=2027-05-02T08:00:00Z
expect 0 pn --home "$H" --json --yes settle --period 2027-04 --out "$WORK/april.xml"
S=$out
equals "$(echo "$S" | jq -c '[.count, .total_cents]')" '[3,3000]' "three transfers of 10.00"
PMTINF=$(echo "$S" | jq -r .pmt_inf_id)
e2e() { echo "$S" | jq -r ".payouts[] | select(.payee_id == $1) | .end_to_end_id"; }
status() { q "SELECT status FROM payouts WHERE payee_id = $1"; }
holds() { q "SELECT COUNT(*) FROM payee_holds WHERE payee_id = $1 AND released_at IS NULL"; }
equals "$(balance payouts-in-transit)" -3000 "30.00 in transit"

# camt054 FILE ID IBAN ENTRIES...: a camt.054.001.08 notification.
camt054() {
	local f=$1 id=$2 iban=$3
	shift 3
	cat >"$f" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>MSG-$id</MsgId><CreDtTm>2027-05-03T18:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>$id</Id><CreDtTm>2027-05-03T18:00:00</CreDtTm>
<Acct><Id><IBAN>$iban</IBAN></Id><Ccy>EUR</Ccy></Acct>
$*
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>
EOF
}
# tx E2E AMOUNT [REASON]: a TxDtls, with its return information.
tx() {
	echo "<TxDtls><Refs><EndToEndId>$1</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy=\"EUR\">$2</Amt></TxAmt></AmtDtls>${3:+<RtrInf><Rsn><Cd>$3</Cd></Rsn></RtrInf>}</TxDtls>"
}
# ntry AMOUNT CDTDBT SUBFAMILY REF DETAILS: a booked entry of a transfer.
ntry() {
	echo "<Ntry><Amt Ccy=\"EUR\">$1</Amt><CdtDbtInd>$2</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2027-05-03</Dt></BookgDt><ValDt><Dt>2027-05-03</Dt></ValDt><AcctSvcrRef>$4</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>$3</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls>$5</NtryDtls></Ntry>"
}

# --- A notification before any statement: payee 2's transfer rejected.
camt054 "$WORK/ntf1.xml" NTF-2027-05-03 "$OP_IBAN" \
	"$(ntry 20.00 DBIT ESCT N1 "<Btch><PmtInfId>$PMTINF</PmtInfId></Btch>$(tx "$(e2e 2)" 10.00 AC04)$(tx "$(e2e 1)" 10.00)")"
xmllint --noout "$WORK/ntf1.xml" || fail "the notification is not well-formed XML"
entries=$(q "SELECT COUNT(*) FROM entries")
expect 0 pn --home "$H" --json bank import "$WORK/ntf1.xml"
equals "$(echo "$out" | jq -c '[.format, .details, .rejected, .returns_notified, .suspense, .returns]')" \
	'["camt.054",2,1,0,0,0]' "two details: one rejection"
equals "$(status 1) $(status 2) $(status 3)" "accepted rejected issued" \
	"payee 1 accepted (its detail after the rejected one's), payee 2 rejected, payee 3 not yet confirmed"
equals "$(q "SELECT COUNT(*) FROM entries")" "$entries" "a notification posts nothing"
equals "$(balance payouts-in-transit)" -3000 "still 30.00 in transit"
expect 0 pn --home "$H" bank import "$WORK/ntf1.xml"
contains "$out" "1 already imported (nothing changed)"
before=$(db_dump "$H")
expect 0 pn --home "$H" --json bank import "$WORK/ntf1.xml"
equals "$(echo "$out" | jq .duplicates)" 1 "a notification imported twice"
equals "$(db_dump "$H")" "$before" "a notification imported twice changes nothing"

# --- The statement debits the batch of the two others as one line.
camt053() { # FILE ID SEQ OPENING CLOSING ENTRIES...
	local f=$1 id=$2 seq=$3 op=$4 cl=$5
	shift 5
	cat >"$f" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr><MsgId>MSG-$id-$seq</MsgId><CreDtTm>2027-05-04T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>$id</Id><ElctrncSeqNb>$seq</ElctrncSeqNb><CreDtTm>2027-05-04T06:00:00</CreDtTm>
<Acct><Id><IBAN>$OP_IBAN</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">$op</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-05-01</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">$cl</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-05-31</Dt></Dt></Bal>
$*
</Stmt></BkToCstmrStmt></Document>
EOF
}
camt053 "$WORK/stmt1.xml" STMT-2027-05 1 100.00 80.00 \
	"$(ntry 20.00 DBIT ESCT B1 "<Btch><PmtInfId>$PMTINF</PmtInfId></Btch>")"
expect 0 pn --home "$H" --json bank import "$WORK/stmt1.xml"
equals "$(echo "$out" | jq -c '[.payouts_debited, .suspense]')" '[2,0]' \
	"the batch without the rejected transfer: 20.00, two payouts debited"
equals "$(balance payouts-in-transit)" -1000 "payee 2's 10.00 still in transit"
equals "$(status 1) $(status 2) $(status 3)" "accepted rejected accepted" "payee 3 debited"

# --- The reissue (once the statement is in) writes the rejected one only.
expect 0 pn --home "$H" --json settle --period 2027-04 --reissue --out "$WORK/reissue.xml"
equals "$(echo "$out" | jq -c '[.count, .total_cents, .payouts[0].payee_id]')" '[1,1000,2]' \
	"the reissue: payee 2's 10.00 only"

# --- A notification of the return of payee 3's transfer: held, not posted.
camt054 "$WORK/ntf2.xml" NTF-2027-05-06 "$OP_IBAN" \
	"$(ntry 10.00 CRDT RRTN N2 "$(tx "$(e2e 3)" 10.00 MS03)")"
entries=$(q "SELECT COUNT(*) FROM entries")
expect 0 pn --home "$H" bank import "$WORK/ntf2.xml"
contains "$out" "returns notified 1 (payees held until the statement posts them), payouts rejected 0"
equals "$(q "SELECT COUNT(*) FROM entries")" "$entries" "the return notified posts nothing"
equals "$(status 3)" accepted "the payout is returned by the statement, not by the notification"
equals "$(holds 3)" 1 "payee 3 held at once"
contains "$(pn --home "$H" --json payee show 3 | jq -r '.holds[0].reason')" \
	"avis camt.054, payout" "the hold says where it comes from"
contains "$(pn --home "$H" --json payee show 3 | jq -r '.holds[0].reason')" "motif MS03" \
	"and the reason code"
equals "$(balance payee:3)" 0 "payee 3's payable unchanged until the statement"
before=$(db_dump "$H")
expect 0 pn --home "$H" --json bank import "$WORK/ntf2.xml"
equals "$(echo "$out" | jq -c '[.duplicates, .returns_notified]')" '[1,0]' "imported twice"
equals "$(db_dump "$H")" "$before" "the return notification imported twice changes nothing"

# --- The statement that books the return posts it, once; one hold.
camt053 "$WORK/stmt2.xml" STMT-2027-05 2 80.00 90.00 \
	"$(ntry 10.00 CRDT RRTN B2 "$(tx "$(e2e 3)" 10.00 MS03)")"
expect 0 pn --home "$H" --json bank import "$WORK/stmt2.xml"
equals "$(echo "$out" | jq -c '[.returns, .suspense]')" '[1,0]' "the return posted by the statement"
equals "$(status 3)" returned "payout 3 returned"
equals "$(balance payee:3)" -1000 "10.00 back on payee 3's payable"
equals "$(holds 3)" 1 "still one hold (the notification's)"
equals "$(balance bank)" 9000 "bank: 100.00 - 20.00 + 10.00"
expect 0 pn --home "$H" ledger verify

# --- CFONB 120 of the funds account (RIB 10107 00101 12345678901): the
# reissue debited by its EndToEndId (05 RCN); its return, a 04 whose
# reject/return reason code (41-42) is set; another credit with a reason
# code that names the funder's credit reference: a return that is no
# payout's is never taken for the funder's money (suspense, not tied).
cfonb_rec() { # CODE DATE AMOUNT14 LIBELLE REF [INTERBANK-CODE] [REASON]
	printf '%-2s%-5s%-4s%-5s%-3s%-1s%-1s%-11s%-2s%-6s%-2s%-6s%-31s%-2s%-7s%-1s%-1s%-14s%-16s\n' \
		"$1" 10107 "" 00101 EUR 2 "" 12345678901 "${6:-}" "$2" "${7:-}" "$2" "$4" "" "" "" "" "$3" "$5"
}
cfonb_05() { # QUALIFIER TEXT
	printf '%-2s%-5s%-4s%-5s%-3s%-1s%-1s%-11s%-2s%-6s%-5s%-3s%-70s%-2s\n' \
		05 10107 "" 00101 EUR 2 "" 12345678901 "" 070527 "" "$1" "$2" ""
}
{
	cfonb_rec 01 060527 "0000000000900{" "" ""
	cfonb_rec 04 070527 "0000000000100}" "VIR SEPA EMIS" CF1 06
	cfonb_05 RCN "$(e2e 2)"
	cfonb_rec 04 070527 "0000000000100{" "RETOUR VIR SEPA" CF2 05 54
	cfonb_05 RCN "$(e2e 2)"
	cfonb_rec 04 070527 "0000000001000{" "RETOUR VIR-2027-001" CF3 05 54
	cfonb_rec 07 070527 "0000000001900{" "" ""
} >"$WORK/funds.cfonb"
equals "$(awk '{ print length($0) }' "$WORK/funds.cfonb" | sort -u)" 120 "CFONB records of 120 characters"
expect 0 pn --home "$H" --json bank import "$WORK/funds.cfonb"
equals "$(echo "$out" | jq -c '[.format, .lines, .payouts_debited, .returns, .tied, .suspense]')" \
	'["cfonb120",3,1,1,0,1]' "the reissue debited, its return posted, the other return in suspense"
equals "$(status 2)" returned "payee 2's reissued transfer returned"
equals "$(balance payee:2)" -1000 "10.00 back on payee 2's payable"
contains "$(pn --home "$H" --json payee show 2 | jq -r '.holds[0].reason')" "motif CFONB 54" \
	"the hold names the CFONB reason code"
equals "$(q "SELECT kind || ' ' || code FROM bank_lines WHERE bank_ref = 'CF3'")" "suspense 05" \
	"a return naming the funder's reference: suspense, its interbank code recorded"
equals "$(balance suspense)" -10000 "100.00 in suspense"
equals "$(balance bank)" 19000 "bank: 90.00 - 10.00 + 10.00 + 100.00"
expect 0 pn --home "$H" ledger verify

# --- Hostile notifications: one line each, nothing changed.
before=$(db_dump "$H")
refuse() { # FILE WANT WHAT
	expect 1 pn --home "$H" bank import "$1"
	contains "$err" "$2" "$3"
	one_line "$err"
	equals "$(db_dump "$H")" "$before" "$3: nothing changed"
}
camt054 "$WORK/h1.xml" NTF-H1 "$OP_IBAN" \
	"$(ntry 10.00 CRDT RRTN H1 "$(tx "$(e2e 1)" 10.001 AC04)")"
refuse "$WORK/h1.xml" "decimals" "three decimals in a detail"
camt054 "$WORK/h2.xml" NTF-H2 "$FOREIGN_IBAN" \
	"$(ntry 10.00 CRDT RRTN H2 "$(tx "$(e2e 1)" 10.00 AC04)")"
refuse "$WORK/h2.xml" "$FOREIGN_IBAN" "a notification of another account"
head -c 400 "$WORK/ntf2.xml" >"$WORK/h3.xml"
refuse "$WORK/h3.xml" "" "truncated XML"
camt054 "$WORK/h4.xml" NTF-H4 "$OP_IBAN" \
	"$(ntry 10.00 CRDT RRTN H4 "$(tx "$(e2e 1)" 10.00 AC04 | sed 's/EUR/USD/')")"
refuse "$WORK/h4.xml" "USD" "a detail in another currency"
{ echo '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "FR76">]>'; tail -n +2 "$WORK/ntf2.xml" |
	sed 's|<Id>NTF-2027-05-06</Id>|<Id>\&x;</Id>|'; } >"$WORK/h5.xml"
refuse "$WORK/h5.xml" "" "a document type with an entity"
camt054 "$WORK/h6.xml" NTF-H6 "$OP_IBAN" \
	"<Ntry><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><NtryDtls>$(tx "$(e2e 1)" 10.00 AC04 |
	sed 's|<AmtDtls>.*</AmtDtls>||')</NtryDtls></Ntry>"
refuse "$WORK/h6.xml" "without an amount" "a detail without any amount"
# A good notification after a bad detail in the same file: refused whole.
camt054 "$WORK/h7.xml" NTF-H7 "$OP_IBAN" \
	"$(ntry 10.00 DBIT ESCT H7 "$(tx "$(e2e 2)" 10.00)")" \
	"$(ntry 10.00 CRDT RRTN H8 "$(tx "$(e2e 1)" 1O.00 AC04)")"
refuse "$WORK/h7.xml" "" "a bad amount after a good detail"
expect 0 pn --home "$H" ledger verify
finish
