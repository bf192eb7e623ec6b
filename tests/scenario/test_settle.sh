#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# Settlement through the real CLI and daemon on a SQLite home, walking
# through months with PASSNUM_NOW: redemptions at four places (two sharing
# a SIRET, so one transfer for that payee), one cancelled, one payee on
# hold; `passnum settle` of the closed month in pain.001.001.09 (EPC rules
# checked with xmllint --xpath), pain.001.001.03 (validated against the
# official XSD that Debian's tryton-modules-account-payment-sepa ships,
# fetched by scripts/deps.sh test) and the payment list; the ledger
# verified and the payables moved; each refusal one line, nothing changed;
# the held payee paid by a later settlement once released.
. "$(dirname "$0")/lib.sh"
export PASSNUM_NOW=2027-04-10T10:00:00Z
. "$(dirname "$0")/daemon_lib.sh"
XSD=${PASSNUM_SEPA_XSD:-/usr/local/share/passnum-test/xsd/pain.001.001.03.xsd}
SIRET3=12345678200028
IBAN2=FR1420041010050500013M02606
IBAN3=FR7630001007941234567890185
OP_IBAN=FR7610107001011234567890129
NS=urn:iso:std:iso:20022:tech:xsd:pain.001.001.09

# xp FILE XPATH: the string value of XPATH in FILE (namespace prefix p).
xp() {
	xmllint --xpath "$2" <(sed "s|xmlns=\"[^\"]*\"||" "$1") 2>/dev/null
}

# check_epc FILE COUNT SUM: the EPC rules of a pain.001 file.
check_epc() {
	local f=$1 id
	equals "$(xp "$f" 'string(//GrpHdr/NbOfTxs)')" "$2" "GrpHdr NbOfTxs"
	equals "$(xp "$f" 'string(//PmtInf/NbOfTxs)')" "$2" "PmtInf NbOfTxs"
	equals "$(xp "$f" 'count(//CdtTrfTxInf)')" "$2" "transactions"
	equals "$(xp "$f" 'string(//GrpHdr/CtrlSum)')" "$3" "GrpHdr CtrlSum"
	equals "$(xp "$f" 'string(//PmtInf/CtrlSum)')" "$3" "PmtInf CtrlSum"
	# CtrlSum is the sum of the amounts, in cents.
	local cents=0
	for a in $(xp "$f" '//InstdAmt/text()'); do
		[[ $a =~ ^[0-9]+\.[0-9]{2}$ ]] || fail "amount $a"
		cents=$((cents + 10#${a/./}))
	done
	equals "$cents" "$((10#${3/./}))" "sum of the amounts"
	equals "$(xp "$f" 'count(//InstdAmt[@Ccy="EUR"])')" "$2" "amounts in EUR"
	for id in "$(xp "$f" 'string(//MsgId)')" "$(xp "$f" 'string(//PmtInfId)')" \
		$(xp "$f" '//EndToEndId/text()'); do
		if [[ $id =~ ^[A-Za-z0-9-]{1,35}$ ]] && [[ $id != /* && $id != */ && $id != *//* ]]; then
			ok
		else
			fail "identifier \"$id\" breaks the EPC rules"
		fi
	done
	equals "$( (xp "$f" 'string(//MsgId)'; echo; xp "$f" 'string(//PmtInfId)'; echo;
		xp "$f" '//EndToEndId/text()' | tr ' ' '\n') | grep -c . )" \
		"$( (xp "$f" 'string(//MsgId)'; echo; xp "$f" 'string(//PmtInfId)'; echo;
		xp "$f" '//EndToEndId/text()' | tr ' ' '\n') | grep . | sort -u | wc -l)" "unique ids"
	# Names and remittance texts in the SEPA character set; no postal address.
	xmllint --xpath '//*[local-name()="Nm" or local-name()="Ustrd"]/text()' "$f" 2>/dev/null |
		while IFS= read -r line; do
			[[ $line =~ ^[A-Za-z0-9/?:().,\'+\ -]*$ ]] || echo "bad: $line"
		done > "$WORK/charset"
	equals "$(cat "$WORK/charset")" "" "SEPA character set"
	equals "$(xp "$f" 'count(//PstlAdr)')" 0 "no postal address"
	for u in $(xp "$f" '//Ustrd' | sed 's|</Ustrd>|\n|g' | sed 's|<Ustrd>||' | tr ' ' '_'); do
		[ ${#u} -le 140 ] && ok || fail "remittance longer than 140: $u"
	done
}

# amount_for FILE IBAN: the amount of the transfer to IBAN.
amount_for() {
	xp "$1" "string(//CdtTrfTxInf[CdtrAcct/Id/IBAN='$2']/Amt/InstdAmt)"
}

# --- The home: four places, three payees, a campaign for the 93.
pn --home "$H" init --operator "Opérateur Numérique Solidaire" --origin settle.example/ledger \
	--iban "$OP_IBAN" --bic AGRIFRPP >/dev/null || fail "init"
pn --home "$H" funder add "Département de la Seine-Saint-Denis" >/dev/null || fail "funder"
pn --home "$H" funder order 1 100000 --ref BC-1 >/dev/null || fail "order"
pn --home "$H" service add atelier "Atelier numérique" >/dev/null || fail "service"
pn --home "$H" service add parcours "Parcours long" --passes 2 >/dev/null || fail "service 2"
pn --home "$H" place add "EPN Montreuil" --siret $SIRET --commune 93048 --iban $IBAN --type epn \
	--services atelier,parcours >/dev/null || fail "place 1"
pn --home "$H" place add "EPN Saint-Denis" --siret $SIRET --commune 93066 --type epn \
	--services atelier,parcours >/dev/null || fail "place 2 (same SIRET)"
pn --home "$H" place add "Médiathèque Œuvre & Cie « Bobigny »" --siret $SIRET2 --commune 93008 \
	--iban $IBAN2 --type mediatheque --services atelier >/dev/null || fail "place 3"
pn --home "$H" place add "Centre social Aubervilliers" --siret $SIRET3 --commune 93001 \
	--iban $IBAN3 --type centre-social --services atelier >/dev/null || fail "place 4"
for i in 1 2 3 4; do pn --home "$H" place label $i >/dev/null || fail "label $i"; done
T1=$(pn --home "$H" token create --role place --id 1)
T2=$(pn --home "$H" token create --role place --id 2)
T3=$(pn --home "$H" token create --role place --id 3)
T4=$(pn --home "$H" token create --role place --id 4)
pn --home "$H" campaign create --funder 1 --name C93 --value 10 --last-day 2027-12-31 \
	--departments 93 >/dev/null || fail "campaign"
mkdir -p "$WORK/out"
pn --home "$H" batch issue --campaign 1 --count 20 --out "$WORK/out" --format csv >/dev/null ||
	fail "batch"
CSV=$(ls "$WORK"/out/batch-*.csv | head -1)
equals "$(pn --home "$H" --json payee list | jq -c '[.[] | [.id, .siret]]')" \
	"[[1,\"$SIRET\"],[2,\"$SIRET2\"],[3,\"$SIRET3\"]]" "two places share payee 1"

# --- April: redemptions through the daemon.
start_daemon
redeem() { # TOKEN SERVICE KEY PASS...
	local t=$1 s=$2 k=$3; shift 3
	req POST /v1/redemptions "$t" "$(redeem_body "$s" "$k" "$@")"
	expect_http 201
}
redeem "$T1" atelier k1 "$(pass 1)"
redeem "$T1" atelier k2 "$(pass 2)"
redeem "$T2" parcours k3 "$(pass 3)" "$(pass 4)"
redeem "$T3" atelier k4 "$(pass 5)"
redeem "$T3" atelier k5 "$(pass 6)"
cancelled=$(echo "$body" | jq -r .id)
req POST "/v1/redemptions/$cancelled/cancel" "$T3"
expect_http 200
stop_daemon
# The last minutes of April (Paris, CEST): a redemption at 23:55.
PASSNUM_NOW=2027-04-30T21:55:00Z start_daemon
redeem "$T4" atelier k6 "$(pass 7)"
stop_daemon

# --- Refusals, each one line, nothing changed.
before=$(db_dump "$H")
PASSNUM_NOW=2027-04-30T12:00:00Z expect 1 pn --home "$H" --yes settle --period 2027-04 --out "$WORK/x.xml"
contains "$err" "is not closed: its last day ends at 2027-04-30T22:00:00Z" "unclosed period"
one_line "$err"
PASSNUM_NOW=2027-04-30T22:05:00Z expect 1 pn --home "$H" --yes settle --period 2027-04 --out "$WORK/x.xml"
contains "$err" "may be cancelled until 2027-04-30T22:10:00Z" "cancellation window"
one_line "$err"
export PASSNUM_NOW=2027-05-02T08:00:00Z
expect 2 pn --home "$H" --yes settle --period 2027-04 --format pain.001.001.10 --out "$WORK/x.xml"
contains "$err" "unknown format" "unknown format"
one_line "$err"
expect 2 pn --home "$H" --yes settle --period 2027-04 --min-amount 0.001 --out "$WORK/x.xml"
one_line "$err"
expect 2 pn --home "$H" --yes settle --period 2027-13 --out "$WORK/x.xml"
one_line "$err"
expect 1 pn --home "$H" settle --period 2027-04 --out "$WORK/x.xml" </dev/null
contains "$err" "--yes" "confirmation asked"
one_line "$err"
equals "$(db_dump "$H")" "$before" "refusals changed nothing"
[ ! -e "$WORK/x.xml" ] && ok || fail "a refused settle left a file"

# --- A hold on payee 3, then April settled.
expect 0 pn --home "$H" payee hold 3 --reason "changement d'IBAN en cours"
expect 1 pn --home "$H" payee hold 3 --reason "encore"
contains "$err" "already on hold"
one_line "$err"
expect 0 pn --home "$H" --json --yes settle --period 2027-04 --dry-run
equals "$(echo "$out" | jq -r .dry_run)" true "dry run"
equals "$(sqlite3 "$H/passnum.db" 'SELECT COUNT(*) FROM settlements')" 0 "dry run recorded nothing"
expect 0 pn --home "$H" --json --yes settle --period 2027-04 --out "$WORK/april/virements.xml"
settle_out=$out
F=$WORK/april/virements.xml
equals "$(echo "$settle_out" | jq -r .count)" 2 "two transfers"
equals "$(echo "$settle_out" | jq -r .total_cents)" 5000 "total"
equals "$(echo "$settle_out" | jq -r .held.payees)" 1 "one payee held"
equals "$(echo "$settle_out" | jq -r .held.amount_cents)" 1000 "held amount"
xmllint --noout "$F" && ok || fail "not well-formed XML"
equals "$(xmllint --xpath 'namespace-uri(/*)' "$F")" "$NS" "namespace"
check_epc "$F" 2 50.00
equals "$(amount_for "$F" "$IBAN")" 40.00 "payee 1: three redemptions at two places, one transfer"
equals "$(amount_for "$F" "$IBAN2")" 10.00 "payee 2: net of the cancellation"
equals "$(amount_for "$F" "$IBAN3")" "" "held payee 3 left out"
# Each payee paid gets its statement beside the transfer file, named after
# the statement number of its remittance text, matching its transfer.
equals "$(ls "$WORK/april" | grep -c '^RLV-202704-.*\.html$')" 2 "two statements beside the SEPA file (none for the held payee)"
for i in 0 1; do
	releve=$(echo "$settle_out" | jq -r ".payouts[$i].statement")
	doc=$WORK/april/$releve.html
	cents=$(echo "$settle_out" | jq -r ".payouts[$i].amount_cents")
	[ -f "$doc" ] && ok || fail "no statement $releve.html beside the SEPA file"
	contains "$(xp "$F" "string(//CdtTrfTxInf[PmtId/EndToEndId='$(echo "$settle_out" | jq -r ".payouts[$i].end_to_end_id")']/RmtInf/Ustrd)")" \
		"$releve" "the transfer's remittance names statement $releve"
	contains "$(cat "$doc")" "$(echo "$settle_out" | jq -r ".payouts[$i].end_to_end_id")" "$releve: its transfer's EndToEndId"
	contains "$(cat "$doc")" "$((cents / 100)),$(printf %02d $((cents % 100)))" "$releve: its transfer's amount"
	contains "$(cat "$doc")" "$(echo "$settle_out" | jq -r ".payouts[$i].siret")" "$releve: the payee's SIRET"
done
equals "$(xp "$F" "string(//CdtTrfTxInf[CdtrAcct/Id/IBAN='$IBAN2']/Cdtr/Nm)")" \
	"Mediatheque OEuvre + Cie Bobigny" "creditor name transliterated"
equals "$(xp "$F" 'string(//Dbtr/Nm)')" "Operateur Numerique Solidaire" "debtor"
equals "$(xp "$F" 'string(//DbtrAcct/Id/IBAN)')" "$OP_IBAN" "debtor IBAN"
equals "$(xp "$F" 'string(//DbtrAgt/FinInstnId/BICFI)')" AGRIFRPP "debtor BIC"
equals "$(xp "$F" 'string(//PmtInf/ReqdExctnDt/Dt)')" 2027-05-02 "execution date"
ustrd=$(xp "$F" "string(//CdtTrfTxInf[CdtrAcct/Id/IBAN='$IBAN']/RmtInf/Ustrd)")
statement=$(echo "$settle_out" | jq -r '.payouts[0].statement')
equals "$ustrd" "Pass numeriques 2027-04, 4 pass, releve $statement" "remittance text"
# The ledger: balanced, verified, payables moved to payouts in transit.
expect 0 pn --home "$H" ledger verify
balance() { sqlite3 "$H/passnum.db" "SELECT balance FROM accounts WHERE code = '$1'"; }
equals "$(balance payee:1)" 0 "payee 1 paid"
equals "$(balance payee:2)" 0 "payee 2 paid"
equals "$(balance payee:3)" -1000 "payee 3 still owed"
equals "$(balance payouts-in-transit)" -5000 "payouts in transit"
equals "$(sqlite3 "$H/passnum.db" "SELECT kind || ' ' || reference FROM entries ORDER BY seq DESC LIMIT 1")" \
	"settle settlement:1" "one settle entry"
equals "$(sqlite3 "$H/passnum.db" "SELECT group_concat(a.code || '=' || p.amount, ' ') FROM postings p
	JOIN accounts a ON a.id = p.account_id WHERE p.entry_seq = (SELECT MAX(seq) FROM entries)")" \
	"payee:1=4000 payee:2=1000 payouts-in-transit=-5000" "settle postings"

# A second settle of April, and March (before it): refused, nothing changed.
before=$(db_dump "$H")
expect 1 pn --home "$H" --yes settle --period 2027-04 --out "$WORK/again.xml"
contains "$err" "already settled"
one_line "$err"
expect 1 pn --home "$H" --yes settle --period 2027-03 --out "$WORK/again.xml"
contains "$err" "before the last settled period 2027-04"
one_line "$err"
expect 1 pn --home "$H" --yes settle --period 2027-04 --out "$F"
contains "$err" "already exists"
equals "$(db_dump "$H")" "$before" "second settle changed nothing"

# --reissue: the same file, same ids; .03 validated; the payment list.
expect 0 pn --home "$H" settle --period 2027-04 --reissue --out "$WORK/reissue.xml"
cmp -s "$F" "$WORK/reissue.xml" && ok || fail "a reissue differs from the first file"
expect 0 pn --home "$H" settle --period 2027-04 --reissue --format pain.001.001.03 \
	--out "$WORK/v03.xml"
if [ -f "$XSD" ]; then
	xmllint --noout --schema "$XSD" "$WORK/v03.xml" 2>"$WORK/xsd.err" && ok ||
		fail "pain.001.001.03 not valid: $(cat "$WORK/xsd.err")"
else
	fail "no official XSD at $XSD: run scripts/deps.sh test"
fi
equals "$(xp "$WORK/v03.xml" 'string(//MsgId)')" "$(xp "$F" 'string(//MsgId)')" "same MsgId in .03"
equals "$(xp "$WORK/v03.xml" 'string(//DbtrAgt/FinInstnId/BIC)')" AGRIFRPP "BIC in .03"
check_epc "$WORK/v03.xml" 2 50.00
expect 0 pn --home "$H" settle --period 2027-04 --reissue --format payment-list \
	--out "$WORK/liste.csv"
equals "$(head -1 "$WORK/liste.csv" | tr -d '\r')" \
	"montant;nom_legal;siret;iban;releve;periode;pass;reference_virement" "list header"
equals "$(sed -n 3p "$WORK/liste.csv" | tr -d '\r' | cut -d';' -f1-4)" \
	"10,00;Médiathèque Œuvre & Cie « Bobigny »;$SIRET2;$IBAN2" "list line"
equals "$(grep -c . "$WORK/liste.csv")" 3 "one line per transfer"
# The supporting documents: each line's statement, beside the list.
for releve in $(tail -n +2 "$WORK/liste.csv" | tr -d '\r' | cut -d';' -f5); do
	doc=$WORK/$releve.html
	[ -f "$doc" ] && ok || fail "no statement $releve.html beside the payment list"
	contains "$(cat "$doc")" "$releve" "the statement names its number"
done
contains "$(cat "$WORK/$(sed -n 3p "$WORK/liste.csv" | tr -d '\r' | cut -d';' -f5).html")" "$SIRET2" \
	"the statement is the payee's"
# A reissue writes only the statements missing (the settlement wrote them;
# a closed period's figures do not move); --force writes them all again.
doc=$WORK/$(sed -n 2p "$WORK/liste.csv" | tr -d '\r' | cut -d';' -f5).html
echo kept > "$doc"
expect 0 pn --home "$H" settle --period 2027-04 --reissue --format payment-list \
	--out "$WORK/liste2.csv"
equals "$(cat "$doc")" kept "an existing statement is left as it is by a reissue"
expect 0 pn --home "$H" settle --period 2027-04 --reissue --format payment-list \
	--out "$WORK/liste2.csv" --force
contains "$(cat "$doc")" "Relevé" "--force writes it again"
equals "$(db_dump "$H")" "$before" "reissues changed nothing"

# --- May: payee 3 released, paid by May's settlement (no other redemption).
expect 0 pn --home "$H" payee release 3
expect 1 pn --home "$H" payee release 3
contains "$err" "not on hold"
equals "$(pn --home "$H" --json payee show 3 | jq -r '.holds[0].released_by | startswith("user:")')" \
	true "release recorded with who"
export PASSNUM_NOW=2027-06-01T08:00:00Z
expect 0 pn --home "$H" --json --yes settle --period 2027-05 --out "$WORK/may.xml"
equals "$(echo "$out" | jq -r '.count, .total_cents' | tr '\n' ' ')" "1 1000 " "May: payee 3 only"
check_epc "$WORK/may.xml" 1 10.00
equals "$(amount_for "$WORK/may.xml" "$IBAN3")" 10.00 "payee 3 paid after release"
equals "$(balance payee:3)" 0 "payee 3 paid"
equals "$(balance payouts-in-transit)" -6000 "payouts in transit"
expect 0 pn --home "$H" ledger verify
# Nothing left to pay in June.
export PASSNUM_NOW=2027-07-01T08:00:00Z
expect 1 pn --home "$H" --yes settle --period 2027-06 --out "$WORK/june.xml"
contains "$err" "nothing to settle"
one_line "$err"

# --- The yearly certificate of the amounts received (attestation annuelle):
# the transfers executed in the year and their total, each as settled here.
export PASSNUM_NOW=2028-01-10T08:00:00Z
cert() { pn --home "$H" report payee "$1" --certificate --period 2027 --format json; }
equals "$(cert 1 | jq -r '.provisional, (.tables[0].rows | length), .tables[0].rows[-1].amount_cents' | tr '\n' ' ')" \
	"false 2 4000 " "payee 1: its April transfer (40.00) and the total"
equals "$(cert 1 | jq -r '.tables[0].rows[0] | "\(.end_to_end_id) \(.statement) \(.execution_day)"')" \
	"$(echo "$settle_out" | jq -r '.payouts[] | select(.payee_id == 1) | "\(.end_to_end_id) \(.statement)"') 2027-05-02" \
	"payee 1: the transfer's EndToEndId, statement and execution day"
equals "$(cert 3 | jq -r '[.tables[0].rows[] | .amount_cents] | join(" ")')" "1000 1000" \
	"payee 3: held in April, paid by May's settlement in June"
expect 0 pn --home "$H" report payee 1 --certificate --period 2027 --format csv
contains "$out" "L'opérateur atteste avoir versé au bénéficiaire (SIRET $SIRET)" "the attestation's text"
contains "$out" "par 1 virement exécuté dans l'année, la somme de 40,00" "its total in words"
expect 0 pn --home "$H" report payee 1 --certificate --period 2026 --format json
equals "$(echo "$out" | jq -r '.tables[0].rows | map(.amount_cents) | join(" ")')" 0 "a year without transfers: a total of 0"
expect 2 pn --home "$H" report payee 1 --certificate --period 2027-05
contains "$err" "covers a year"
expect 2 pn --home "$H" report funder 1 --certificate --period 2027
contains "$err" "payee's report"

# --- ledger verify notices a settlement tampered with behind its back.
cp -r "$H" "$WORK/tampered"
sqlite3 "$WORK/tampered/passnum.db" "DROP TRIGGER payout_redemptions_no_delete;
	DELETE FROM payout_redemptions WHERE redemption_id = (SELECT MIN(redemption_id) FROM payout_redemptions)"
expect 1 pn --home "$WORK/tampered" ledger verify
contains "$out$err" "payout 1" "verify names the payout"

# --- A home without an operator IBAN cannot settle.
H2=$WORK/noiban
pn --home "$H2" init --origin noiban.example/ledger >/dev/null || fail "init 2"
expect 1 pn --home "$H2" --yes settle --period 2027-05 --out "$WORK/none.xml"
contains "$err" "no IBAN"
one_line "$err"

finish
