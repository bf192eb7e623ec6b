#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# `passnum report` over a scenario built here through the real CLI and
# daemon, walking April and May 2027 with PASSNUM_NOW: two campaigns, two
# distributors, three places in two départements (two sharing a SIRET),
# hand-outs and redemptions (one cancelled), April settled. Every figure
# is checked against counts this script keeps from its own actions (never
# read from the database); CSV and JSON carry the same figures; small cells
# are hidden by booklets and never alone in a group that sums; periods
# other than a month, a quarter or a year are refused (exit 2), unknown
# ids too (exit 1).
. "$(dirname "$0")/lib.sh"
export PASSNUM_NOW=2027-04-02T08:00:00Z
. "$(dirname "$0")/daemon_lib.sh"
SIRET3=12345678200028
IBAN2=FR1420041010050500013M02606
OP_IBAN=FR7610107001011234567890129

pn --home "$H" init --operator "Opérateur de test" --origin report.example/ledger \
	--iban "$OP_IBAN" --bic AGRIFRPP >/dev/null || fail "init"
pn --home "$H" funder add "Département de test" >/dev/null || fail "funder"
pn --home "$H" funder order 1 100000 --ref BC-1 >/dev/null || fail "order"
pn --home "$H" service add atelier "Atelier numérique" >/dev/null || fail "service"
pn --home "$H" service add parcours "Parcours long" --passes 2 >/dev/null || fail "service 2"
pn --home "$H" place add "EPN Montreuil" --siret $SIRET --commune 93048 --iban $IBAN --type epn \
	--services atelier,parcours >/dev/null || fail "place 1"
pn --home "$H" place add "EPN Saint-Denis" --siret $SIRET --commune 93066 --type epn \
	--services atelier,parcours >/dev/null || fail "place 2"
pn --home "$H" place add "Médiathèque Lyon" --siret $SIRET3 --commune 69123 --iban $IBAN2 \
	--type mediatheque --services atelier >/dev/null || fail "place 3"
for i in 1 2 3; do pn --home "$H" place label $i >/dev/null || fail "label $i"; done
T1=$(pn --home "$H" token create --role place --id 1)
T2=$(pn --home "$H" token create --role place --id 2)
T3=$(pn --home "$H" token create --role place --id 3)
pn --home "$H" campaign create --funder 1 --name "Interne-Alpha" --value 10 --last-day 2027-12-31 \
	--departments 93,69 >/dev/null || fail "campaign 1"
pn --home "$H" campaign create --funder 1 --name "Interne-Beta" --value 5 --last-day 2027-07-20 \
	--departments 93,69 >/dev/null || fail "campaign 2"
mkdir -p "$WORK/c1" "$WORK/c2"
pn --home "$H" batch issue --campaign 1 --count 48 --booklet 2 --out "$WORK/c1" --format csv >/dev/null ||
	fail "batch 1"
pn --home "$H" batch issue --campaign 2 --count 30 --booklet 2 --out "$WORK/c2" --format csv >/dev/null ||
	fail "batch 2"
cat "$WORK"/c1/batch-*.csv > "$WORK/all.csv"
tail -n +2 "$WORK"/c2/batch-*.csv >> "$WORK/all.csv"
# tok B P: the token of pass P (1 or 2) of booklet B; the CSV's last column is the booklet.
tok() { awk -F, -v b="$1" -v p="$2" 'NR > 1 && $7 == b { if (++n == p) print $3 }' "$WORK/all.csv"; }
camp() { awk -F, -v b="$1" 'NR > 1 && $7 == b { print $4; exit }' "$WORK/all.csv"; }
b1=$(awk -F, 'NR > 1 && $4 == 1 { print $7; exit }' "$WORK/all.csv")
b2=$(awk -F, 'NR > 1 && $4 == 2 { print $7; exit }' "$WORK/all.csv")
equals "$b1,$b2" "1,25" "booklet numbers"

# What the script knows: E[key] counts, B[key] the booklets behind ("b1 b2 ...").
declare -A E B
count() { # KEY N BOOKLET [CENTS]
	E[$1]=$((${E[$1]:-0} + $2))
	case " ${B[$1]:-} " in *" $3 "*) ;; *) B[$1]="${B[$1]:-} $3" ;; esac
}
nbooklets() { local -a a=(${B[$1]:-}); echo ${#a[@]}; }

# --- April: 24 + 15 booklets delivered; hand-outs.
pn --home "$H" distributor add "CCAS de Montreuil" >/dev/null || fail "distributor 1"
pn --home "$H" distributor add "Mission locale de Lyon" >/dev/null || fail "distributor 2"
pn --home "$H" booklet deliver 1-14 --distributor 1 >/dev/null || fail "deliver 1"
pn --home "$H" booklet deliver 25-39 --distributor 1 >/dev/null || fail "deliver 2"
pn --home "$H" booklet deliver 15-24 --distributor 2 >/dev/null || fail "deliver 3"
handout() { # DISTRIBUTOR DATE FIRST LAST
	local b
	for b in $(seq "$3" "$4"); do
		pn --home "$H" booklet handout "$b" --distributor "$1" --date "$2" >/dev/null ||
			fail "handout $b"
		count "c$(camp "$b").${2:0:7}.handed" 1 "$b"
		count "d$1.${2:0:7}.handed" 1 "$b"
	done
}
export PASSNUM_NOW=2027-04-08T08:00:00Z
handout 1 2027-04-05 1 12
handout 2 2027-04-06 15 17
handout 1 2027-04-07 25 27

# The places of a département here: the 93's are EPN, the 69's a médiathèque;
# their EPCI is their commune's in the reference table (lib/data/communes.tsv:
# one EPCI per département in this scenario).
place_type() { [ "$1" = 93 ] && echo epn || echo mediatheque; }
epci_of() { # DEPT: the EPCI of the test's communes of that département
	awk -F'\t' -v c="$([ "$1" = 93 ] && echo 93048 || echo 69123)" '$1 == c { print $7 }' \
		"$(dirname "$0")/../../lib/data/communes.tsv"
}
# The distributor a booklet was delivered to (booklet deliver above).
distributor_of() { if [ "$1" -ge 15 ] && [ "$1" -le 24 ]; then echo 2; else echo 1; fi; }

# redeem TOKEN DEPT SERVICE KEY MONTH BOOKLET:PASS...: through the daemon.
redeem() {
	local t=$1 dept=$2 s=$3 k=$4 month=$5 bp c toks=()
	shift 5
	for bp in "$@"; do toks+=("$(tok "${bp%:*}" "${bp#*:}")"); done
	req POST /v1/redemptions "$t" "$(redeem_body "$s" "$k" "${toks[@]}")"
	expect_http 201
	[ "${CANCEL:-}" = 1 ] && return
	for bp in "$@"; do
		c=$(camp "${bp%:*}")
		count "c$c.$month.redeemed" 1 "${bp%:*}"
		count "c$c.$dept.redeemed" 1 "${bp%:*}"
		count "c$c.redeemed" 1 "${bp%:*}"
		E[c$c.$month.cents]=$((${E[c$c.$month.cents]:-0} + (c == 1 ? 1000 : 500)))
		count "od.$dept" 1 "${bp%:*}"
		count "sv.$s" 1 "${bp%:*}"
		count "c$c.sv.$s" 1 "${bp%:*}"
		count "c$c.ty.$(place_type "$dept")" 1 "${bp%:*}"
		count "ep.$(epci_of "$dept")" 1 "${bp%:*}"
		count "c$c.dist$(distributor_of "${bp%:*}")" 1 "${bp%:*}"
		count "od.all" 1 "${bp%:*}"
		E[od.$dept.cents]=$((${E[od.$dept.cents]:-0} + (c == 1 ? 1000 : 500)))
		E[od.all.cents]=$((${E[od.all.cents]:-0} + (c == 1 ? 1000 : 500)))
	done
}
PASSNUM_NOW=2027-04-10T10:00:00Z start_daemon
for b in $(seq 1 12); do redeem "$T1" 93 atelier "a$b" 2027-04 "$b:1"; done
redeem "$T1" 93 parcours a25 2027-04 25:1 25:2
redeem "$T2" 93 parcours a26 2027-04 26:1 26:2
CANCEL=1 redeem "$T2" 93 atelier a15 2027-04 15:1
req POST "/v1/redemptions/$(echo "$body" | jq -r .id)/cancel" "$T2"
expect_http 200
stop_daemon

# --- May: more hand-outs, redemptions in the 69; April settled.
export PASSNUM_NOW=2027-05-05T08:00:00Z
handout 1 2027-05-03 13 14
handout 2 2027-05-04 18 22
PASSNUM_NOW=2027-05-02T08:00:00Z expect 0 pn --home "$H" --json --yes settle --period 2027-04 \
	--out "$WORK/settle/virements.xml"
settle_out=$out
PASSNUM_NOW=2027-05-12T10:00:00Z start_daemon
for b in 1 2 3; do redeem "$T3" 69 atelier "m$b" 2027-05 "$b:2"; done
stop_daemon

# --- The funder report of the second quarter, closed.
export PASSNUM_NOW=2027-07-02T08:00:00Z
R=$WORK/reports
expect 0 pn --home "$H" report funder 1 --period 2027-Q2 --format json --out "$R/f.json"
expect 0 pn --home "$H" report funder 1 --period 2027-Q2 --format csv --out "$R/f.csv"
expect 0 pn --home "$H" report funder 1 --period 2027-Q2 --format html --out "$R/f.html"
J=$R/f.json
equals "$(jq -r .provisional "$J")" false "a closed quarter is final"
equals "$(jq -r .small_cell_threshold "$J")" 11 "threshold"
# cell TABLE ROW COLUMN: a figure of the JSON report.
cell() { jq -r --arg t "$1" --argjson r "$2" --arg c "$3" '.tables[] | select(.key == $t) | .rows[$r][$c]' "$J"; }
# shown_or_hidden GOT VALUE BOOKLETS WHAT: a cell of 1..10 booklets is
# hidden; any other is its value or hidden by the secondary rule.
shown_or_hidden() {
	if [ "$3" -ge 1 ] && [ "$3" -le 10 ]; then
		equals "$1" "< 11" "$4 ($2 over $3 booklets) hidden"
	elif [ "$1" != "< 11" ]; then
		equals "$1" "$2" "$4"
	else
		ok
		secondary=$((${secondary:-0} + 1))
	fi
}
for c in 1 2; do
	row=$((c - 1))
	handed=0 hb=0 red=0 rb=0 cents=0
	for m in 2027-04 2027-05 2027-06; do
		handed=$((handed + ${E[c$c.$m.handed]:-0}))
		hb=$((hb + $(nbooklets "c$c.$m.handed")))
		cents=$((cents + ${E[c$c.$m.cents]:-0}))
	done
	equals "$(cell campaigns $row booklets_issued)" "$([ $c = 1 ] && echo 24 || echo 15)" "c$c booklets issued"
	equals "$(cell campaigns $row booklets_delivered)" "$([ $c = 1 ] && echo 24 || echo 15)" "c$c delivered"
	shown_or_hidden "$(cell campaigns $row booklets_handed_out)" "$handed" "$hb" "c$c handed out"
	shown_or_hidden "$(cell campaigns $row passes_redeemed)" "${E[c$c.redeemed]}" \
		"$(nbooklets "c$c.redeemed")" "c$c redeemed"
	got=$(cell campaigns $row redeemed_cents)
	[ "$got" = "< 11" ] && equals "$(cell campaigns $row passes_redeemed)" "< 11" "money hidden with its count" ||
		equals "$got" "$cents" "c$c value"
	for m in 0 1 2; do
		month=$(date -u -d "2027-04-01 +$m month" +%Y-%m)
		shown_or_hidden "$(cell months_c$c $m booklets_handed_out)" "${E[c$c.$month.handed]:-0}" \
			"$(nbooklets "c$c.$month.handed")" "c$c $month handed out"
		shown_or_hidden "$(cell months_c$c $m passes_redeemed)" "${E[c$c.$month.redeemed]:-0}" \
			"$(nbooklets "c$c.$month.redeemed")" "c$c $month redeemed"
	done
done
# Totals over both campaigns: 19 passes over 14 booklets, shown; the first
# campaign's 15 passes (12 booklets) are hidden because the second's 4
# (2 booklets, hidden) would be the total minus them.
equals "$(cell campaigns 2 passes_redeemed)" 19 "total redeemed"
# 10 € x c1 + 5 € x c2 = the total amount would give c1 and c2 back.
equals "$(cell campaigns 2 redeemed_cents)" "< 11" "total amount hidden"
equals "$(cell months_all 3 redeemed_cents)" "< 11" "the same amount hidden in another table"
equals "$(cell campaigns 1 passes_redeemed)" "< 11" "c2: 4 passes over 2 booklets hidden"
equals "$(cell campaigns 0 passes_redeemed)" "< 11" "c1 hidden by the secondary rule"
equals "$(cell campaigns 0 redeemed_cents)" "< 11" "money hidden with its count"
equals "$(cell months_c1 1 passes_redeemed)" "< 11" "c1 May: 3 booklets hidden"
equals "$(cell departments_c1 0 department)" 69 "départements in order"
equals "$(cell departments_c1 0 passes_redeemed)" "< 11" "c1 in the 69: 3 booklets"
equals "$(cell departments_all 1 department),$(cell departments_all 1 passes_redeemed),$(cell departments_all 2 passes_redeemed)" \
	"93,< 11,19" "the 93's 16 passes hidden: the 69's 3 would be the total minus them"
# By place type (the 93's places are EPN, the 69's a médiathèque) and by
# service, all campaigns; the total is the campaigns' total.
equals "$(cell place_types_all 0 place_type),$(cell place_types_all 1 place_type),$(cell place_types_all 2 place_type)" \
	"epn,mediatheque,Total" "place types"
shown_or_hidden "$(cell place_types_all 0 passes_redeemed)" "${E[od.93]}" "$(nbooklets od.93)" "EPN redeemed"
shown_or_hidden "$(cell place_types_all 1 passes_redeemed)" "${E[od.69]}" "$(nbooklets od.69)" "médiathèque redeemed"
equals "$(cell place_types_all 2 passes_redeemed)" "$(cell campaigns 2 passes_redeemed)" "types: the total"
equals "$(cell services_all 0 service),$(cell services_all 1 service)" "Atelier numérique,Parcours long" "services"
shown_or_hidden "$(cell services_all 0 passes_redeemed)" "${E[sv.atelier]}" "$(nbooklets sv.atelier)" "atelier redeemed"
shown_or_hidden "$(cell services_all 1 passes_redeemed)" "${E[sv.parcours]}" "$(nbooklets sv.parcours)" "parcours redeemed"
equals "$(cell services_all 2 passes_redeemed)" 19 "services: the total"
equals "$(nbooklets sv.parcours)" 2 "parcours: 2 booklets (hidden), so atelier's 15 are hidden too"
equals "$(cell services_all 0 passes_redeemed)" "< 11" "atelier hidden by the secondary rule"
# By EPCI of the place (from the commune's reference row, ordered by SIREN),
# by the booklet's distributor, and per campaign by place type, service and
# distributor: each table's total is its campaign's (all campaigns') total.
e69=$(epci_of 69) e93=$(epci_of 93)
equals "$e69,$e93" "200046977,200054781" "the communes' EPCI in the reference table"
equals "$(cell epcis_all 0 epci),$(cell epcis_all 1 epci),$(cell epcis_all 2 epci)" "$e69,$e93,Total" "EPCI rows"
equals "$(cell epcis_all 0 epci_name),$(cell epcis_all 1 epci_name)" \
	"$(awk -F'\t' -v e="$e69" '$1 == e { print $2 }' "$(dirname "$0")/../../lib/data/epci.tsv"),$(awk -F'\t' \
	-v e="$e93" '$1 == e { print $2 }' "$(dirname "$0")/../../lib/data/epci.tsv")" "EPCI names from lib/data/epci.tsv"
equals "$(cell epcis_all 0 epci_name)" "Métropole de Lyon" "the 69's EPCI by name"
equals "$(cell epcis_all 0 people_per_1000),$(cell epcis_all 1 people_per_1000)" "< 11,< 11" \
	"the EPCI's rates hidden with their counts"
equals "$(nbooklets "ep.$e69")" 3 "the 69's EPCI: 3 booklets"
equals "$(cell epcis_all 0 passes_redeemed),$(cell epcis_all 0 redeemed_cents)" "< 11,< 11" "EPCI of 3 booklets hidden"
equals "$(cell epcis_all 1 passes_redeemed)" "< 11" "the 93's EPCI (${E[ep.$e93]} passes) hidden: the total minus the 69's"
equals "$(cell epcis_all 2 passes_redeemed)" 19 "EPCI: the total"
d1=$((${E[c1.dist1]:-0} + ${E[c2.dist1]:-0}))
equals "$d1,${E[c1.dist2]:-0}${E[c2.dist2]:-0}" "19,00" "every pass used here came from the CCAS's booklets"
equals "$(cell distributors_all 0 distributor),$(cell distributors_all 0 passes_redeemed),$(cell distributors_all 1 passes_redeemed)" \
	"CCAS de Montreuil,$d1,19" "by distributor, all campaigns"
# Its one row's amount would be the total amount, hidden (10 € and 5 € passes).
equals "$(cell distributors_all 0 redeemed_cents),$(cell distributors_all 1 redeemed_cents)" "< 11,< 11" \
	"a single row's amount hidden with the total's"
equals "$(nbooklets c1.ty.epn),$(cell place_types_c1 0 place_type),$(cell place_types_c1 0 passes_redeemed)" \
	"12,epn,< 11" "c1 EPN (${E[c1.ty.epn]} passes, 12 booklets) hidden: the smallest other of c1's column"
equals "$(cell place_types_c1 1 passes_redeemed),$(cell place_types_c1 2 passes_redeemed)" "< 11,< 11" \
	"c1 médiathèque ($(nbooklets c1.ty.mediatheque) booklets) and c1's total hidden"
equals "$(cell place_types_c2 0 place_type),$(cell place_types_c2 0 passes_redeemed)" "epn,< 11" \
	"c2 EPN: ${E[c2.ty.epn]} passes over $(nbooklets c2.ty.epn) booklets, hidden"
equals "$(nbooklets c1.sv.atelier),$(cell services_c1 0 service),$(cell services_c1 0 passes_redeemed)" \
	"12,Atelier numérique,< 11" "c1 atelier (${E[c1.sv.atelier]} passes, 12 booklets) hidden: c1's total is"
equals "$(jq -r '.tables[] | select(.key == "services_c1") | .rows | length' "$J")" 2 "c1: no parcours row"
equals "$(cell services_c2 0 service),$(cell services_c2 0 passes_redeemed)" "Parcours long,< 11" "c2 parcours"
equals "$(cell distributors_c1 0 passes_redeemed),$(cell distributors_c2 0 passes_redeemed)" "< 11,< 11" \
	"per campaign, the distributor's cells hidden with the campaign's total"
# Across tables: a row of a breakdown over all campaigns is the sum of the
# campaigns' rows of the same label: never exactly one hidden.
for kind in place_types:place_type services:service epcis:epci distributors:distributor; do
	t=${kind%%:*} col=${kind#*:}
	n=$(jq -r --arg t "$t" --arg col "$col" '[.tables[] | select(.key | startswith($t + "_"))
		| .rows[:-1][] | {l: .[$col], h: (.passes_redeemed == "< 11")}]
		| group_by(.l) | map(select((map(select(.h)) | length) == 1) | .l) | join(" ")' "$J")
	equals "$n" "" "$t: no label with a single hidden cell across campaigns"
done
# The issue's case: campaign 2 issued 30, 4 passes redeemed from only 2
# booklets (hidden although 4 passes), revoked 0, expired 0: the passes in
# circulation (26) would give the 4 back, so they are hidden too.
equals "$(cell passes_state 1 passes_issued)" 30 "c2 issued"
equals "$(cell passes_state 1 passes_redeemed)" "< 11" "c2 redeemed: 2 booklets"
equals "$(cell passes_state 1 passes_revoked)" 0 "0 is shown"
equals "$(cell passes_state 1 passes_expired)" 0 "0 is shown"
equals "$(cell passes_state 1 passes_outstanding)" "< 11" "c2 outstanding hidden (secondary)"
equals "$(cell passes_state 0 passes_issued),$(cell passes_state 0 passes_redeemed),$(cell passes_state 0 passes_outstanding)" \
	"48,< 11,< 11" "c1 state: its redeemed hidden by the column, then a second cell of its row"
equals "$(jq -c '.tables[] | select(.key == "passes_state") | .rows[2] | [.[]]' "$J")" \
	'["Total",78,19,0,0,59]' "state total"
# No group that sums has exactly one hidden cell: each count column of a
# table with a total row (rates per 1,000 inhabitants do not sum: each is
# hidden with its count, test_report_indicators), each row of the passes' state.
equals "$(jq -r '[.tables[] | select(.total_row) | .rows as $r | ($r[0] | keys[] | select(. != "people_per_1000")) as $k
	| select(([$r[][$k]] | map(select(. == "< 11")) | length) == 1) | "\(.key).\($k)"] | join(" ")' "$J")" \
	"" "no column with a single hidden cell"
equals "$(jq -r '[.tables[] | select(.key == "passes_state") | .rows[]
	| [.passes_issued, .passes_redeemed, .passes_revoked, .passes_expired, .passes_outstanding]
	| select((map(select(. == "< 11")) | length) == 1)] | length' "$J")" 0 "no state row with a single hidden cell"
# Across tables: each month's total over campaigns never leaves one campaign's cell recoverable.
for m in 0 1 2; do
	for k in booklets_handed_out passes_redeemed; do
		n=0
		for t in months_all months_c1 months_c2; do [ "$(cell $t $m $k)" = "< 11" ] && n=$((n + 1)); done
		[ $n -ne 1 ] && ok || fail "month $m $k: one hidden cell across tables"
	done
done
# CSV: BOM, ';', decimal comma; every JSON row is a CSV line.
equals "$(head -c 3 "$R/f.csv" | od -An -tx1 | tr -d ' ')" efbbbf "UTF-8 BOM"
jq -r '.tables[] | .rows[] | to_entries | map(if (.key | endswith("_cents")) and (.value | type) == "number"
	then "\(.value / 100 | floor),\(.value % 100 | tostring | if length == 1 then "0" + . else . end)"
	elif .value == null then "—" elif (.value | type) == "number" then (.value | tostring | sub("\\."; ","))
	else (.value | tostring) end) | join(";")' "$J" > "$WORK/json-lines"
tr -d '\r' < "$R/f.csv" > "$WORK/csv-lines"
missing=$(grep -vxFf "$WORK/csv-lines" "$WORK/json-lines")
equals "$missing" "" "every JSON row is in the CSV"
equals "$(wc -l < "$WORK/json-lines")" "$(jq '[.tables[].rows[]] | length' "$J")" "rows"
contains "$(cat "$WORK/csv-lines")" "Glossaire" "CSV glossary"
contains "$(cat "$WORK/csv-lines")" "Pass utilisés dans la période" "French column names"
# HTML: self-contained, no script, no network.
html=$(cat "$R/f.html")
contains "$html" "<style>" "inline CSS"
contains "$html" "Glossaire" "HTML glossary"
case "$html" in *"<script"* | *"http://"* | *"https://"* | *"src="* | *"<link"*) fail "HTML not self-contained" ;; *) ok ;; esac
# The daemon serves the same report to the funder.
TF=$(pn --home "$H" token create --role funder --id 1)
start_daemon
req GET "/v1/funders/1/report?period=2027-Q2" "$TF"
expect_http 200
equals "$(echo "$body" | jq -S .)" "$(jq -S . "$J")" "GET /v1/funders/1/report?period= is the CLI's report"
equals "$body" "$(cat "$J")" "the same JSON text, byte for byte"
req GET "/v1/funders/1/report?period=2027-Q2&format=csv" "$TF"
expect_http 200
cmp -s <(printf '%s' "$body") <(head -c -0 "$R/f.csv" | sed -z 's/\n$//') && ok || fail "CSV over HTTP differs"
req GET "/v1/funders/1/report?period=2027-04-01" "$TF"
expect_http 400 BAD_PERIOD
req GET "/v1/funders/1/report?period=2027-Q2&format=pdf" "$TF"
expect_http 200
equals "${body:0:5}" "%PDF-" "a PDF over HTTP"
req GET "/v1/funders/1/report?period=2027-Q2&format=xls" "$TF"
expect_http 400 BAD_FORMAT
stop_daemon
# HTML: every table row is the CSV line of the same cells.
sed -n 's/^<tr[^>]*>\(<td.*\)<\/tr>$/\1/p' "$R/f.html" | sed 's/<\/td><td[^>]*>/;/g; s/<td[^>]*>//; s/<\/td>$//' |
	sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&amp;/\&/g' > "$WORK/html-lines"
equals "$(wc -l < "$WORK/html-lines")" "$(jq '[.tables[].rows[]] | length' "$J")" "HTML rows"
equals "$(grep -vxFf "$WORK/csv-lines" "$WORK/html-lines")" "" "every HTML row is in the CSV"
# HTML: one chart, inline SVG drawn by cairo, no namespace URL left in the page.
equals "$(grep -o '<figure class="chart"' "$R/f.html" | wc -l)" 1 "one chart in the funder's page"
contains "$html" 'aria-label="Pass utilisés par mois, toutes campagnes"><svg' "the chart is inline SVG"
# Headless Chromium loads the page: the chart is in its DOM, and its net log
# holds no request the page made (blink's resource loader, traffic annotation
# 101845102; the browser's own update and account checks are not the page's).
# A page with an <img src="http://..."> is the control that the check sees one.
chromium_requests() { # FILE: the URLs FILE's page requested
	rm -rf "$WORK/chrome"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--no-first-run --user-data-dir="$WORK/chrome" --log-net-log="$WORK/net.json" \
		--dump-dom "file://$1" > "$WORK/dom.html" 2>/dev/null || fail "chromium could not load $1"
	jq -r '.constants.logSourceType.URL_REQUEST as $u | .constants.logEventTypes.REQUEST_ALIVE as $a
		| [.events[] | select(.source.type == $u)] | group_by(.source.id)[]
		| select(any(.[]; .type == $a and .params.traffic_annotation? == 101845102))
		| .[] | .params.url? // empty' "$WORK/net.json" | sort -u
}
if command -v chromium >/dev/null; then
	printf '<!DOCTYPE html><img src="http://report.invalid/x.png">' > "$WORK/control.html"
	equals "$(chromium_requests "$WORK/control.html")" "http://report.invalid/x.png" "chromium: the control's request is seen"
	equals "$(chromium_requests "$R/f.html")" "" "chromium: the report's page makes no request"
	contains "$(cat "$WORK/dom.html")" '<svg width="480pt"' "chromium: the chart is in the page's DOM"
else
	echo "SKIP: chromium is not installed (scripts/deps.sh test): the page's load is not checked" >&2
fi
# PDF: A4, the same figures. Each JSON row, its cells run together, is a
# line of the PDF's text run together (pdftotext -layout keeps a row on a line).
expect 0 pn --home "$H" report funder 1 --period 2027-Q2 --format pdf --out "$R/f.pdf"
equals "$(head -c 5 "$R/f.pdf")" "%PDF-" "PDF header"
contains "$(pdfinfo "$R/f.pdf")" "595.276 x 841.89 pts (A4)" "A4"
pages=$(pdfinfo "$R/f.pdf" | awk '/^Pages:/ { print $2 }')
[ "$pages" -ge 2 ] && ok || fail "the funder's PDF has $pages page(s): no page break exercised"
pdftotext -layout "$R/f.pdf" "$WORK/f.txt"
# A text cell too long for its column wraps: its last words come on the
# next line under their column ("Toutes" / "campagnes", "Toute la" /
# "période"); such a row is also tried with each continuation word put back
# at the end of the cell it is under.
python3 - "$WORK/f.txt" <<'PY' | tr -d ' \t' > "$WORK/pdf-lines"
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
for i, line in enumerate(lines):
    print(line)
    if i + 1 >= len(lines) or not lines[i + 1].strip():
        continue
    cells = [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", line)]
    more = [(m.start(), m.group()) for m in re.finditer(r"\S+", lines[i + 1])]
    starts = [c[0] for c in cells]
    if not cells or len(more) >= len(cells) or more[0][0] < starts[0]:
        continue
    # each continuation word goes to the cell it is under (the last cell
    # starting at or before it: narrow columns wrap a label's words)
    words = {}
    for p, w in more:
        start = max(c for c in starts if c <= p)
        words[start] = words.get(start, "") + " " + w
    print(" ".join(t + words.get(p, "") for p, t in cells))
PY
tr -d ' ;' < "$WORK/json-lines" > "$WORK/json-squeezed"
equals "$(grep -vxFf "$WORK/pdf-lines" "$WORK/json-squeezed")" "" "every JSON row is a line of the PDF"
for t in "$(jq -r '.tables[].title' "$J")" "Glossaire" "Agrégats seulement"; do
	while IFS= read -r line; do contains "$(cat "$WORK/f.txt")" "$line" "PDF: $line"; done <<<"$t"
done
# « < 11 » in the PDF: each hidden cell of the tables, each hidden bar of the
# chart (months of all campaigns, passes redeemed), and the notes' and
# glossary's mentions; a hidden bar shown as its value would change the count.
hidden_cells=$(jq '[.tables[].rows[][] | select(. == "< 11")] | length' "$J")
hidden_bars=$(jq '[.tables[] | select(.key == "months_all") | .rows[:-1][] | select(.passes_redeemed == "< 11")] | length' "$J")
mentions=$(jq -r '.notes[], .glossary[].term, .glossary[].definition' "$J" | tr -d ' \n' | grep -o '<11' | wc -l)
[ "$hidden_bars" -ge 1 ] && ok || fail "no hidden bar in the chart: the test exercises nothing"
equals "$(tr -d ' \n' < "$WORK/f.txt" | grep -o '<11' | wc -l)" "$((hidden_cells + hidden_bars + mentions))" \
	"« < 11 » in the PDF: $hidden_cells cells, $hidden_bars bars, $mentions mentions"
# The chart's shown bars carry their values under the chart's title.
for m in 0 1 2; do
	v=$(cell months_all $m passes_redeemed)
	[ "$v" = "< 11" ] && continue
	sed -n '/Pass utilisés par mois, toutes campagnes/,/^\f\?Par mois, campagne/p' "$WORK/f.txt" |
		grep -qw -- "$v" && ok || fail "the chart's bar $m does not read $v"
done
# A month in progress is provisional.
PASSNUM_NOW=2027-05-20T10:00:00Z expect 0 pn --home "$H" report funder 1 --period 2027-05 --format json
equals "$(echo "$out" | jq -r .provisional)" true "a month in progress is provisional"
PASSNUM_NOW=2027-05-20T10:00:00Z expect 0 pn --home "$H" report funder 1 --period 2027-05 --format html
contains "$out" "provisoire" "marked provisoire"
PASSNUM_NOW=2027-05-20T10:00:00Z expect 0 pn --home "$H" report funder 1 --period 2027-05 --format pdf \
	--out "$R/f-may.pdf"
contains "$(pdftotext "$R/f-may.pdf" -)" "PROVISOIRE" "the PDF marked provisoire on its pages"

# --- Payee 1 (two places, one SIRET), April: the transfer it matches.
expect 0 pn --home "$H" report payee 1 --period 2027-04 --format json --out "$R/p1.json"
P=$R/p1.json
payee_cents=$(( (12 * 1000) + 2 * 500 + 2 * 500 ))
equals "$(jq -r '.tables[] | select(.key == "redemptions") | .rows[-1].amount_cents' "$P")" "$payee_cents" "payee total"
equals "$(jq -r '.tables[] | select(.key == "redemptions") | .rows | length' "$P")" 15 "14 redemptions and the total"
equals "$(jq -r '.tables[] | select(.key == "redemptions") | .rows[-1].passes' "$P")" 16 "passes"
equals "$(jq -r '.tables[] | select(.key == "cancellations") | .rows[0].amount_cents' "$P")" 1000 "cancellation"
equals "$(jq -r '.tables[] | select(.key == "transfers") | .rows[0].amount_cents' "$P")" "$payee_cents" "transfer = total"
equals "$(jq -r '.tables[] | select(.key == "transfers") | .rows[0].end_to_end_id' "$P")" \
	"$(echo "$settle_out" | jq -r '.payouts[] | select(.payee_id == 1) | .end_to_end_id')" "EndToEndId"
equals "$(jq -r '.tables[] | select(.key == "transfers") | .rows[0].statement' "$P")" \
	"$(echo "$settle_out" | jq -r '.payouts[] | select(.payee_id == 1) | .statement')" "statement number"
contains "$(jq -r '.notes[]' "$P")" "montants TTC ; TVA éventuellement due par le lieu" "VAT mention" 
code25=$(awk -F, 'NR > 1 && $7 == 25 { print $2 }' "$WORK/all.csv" | sort | tr '\n' ' ' | sed 's/ $//')
contains "$(jq -r '.tables[0].rows[].codes' "$P")" "$(echo "$code25" | cut -d' ' -f1)" "codes listed"
expect 0 pn --home "$H" report payee 1 --period 2027-04 --format csv
contains "$out" "Total;;;16;;140,00" "decimal comma"
expect 0 pn --home "$H" report payee 1 --period 2027-04 --format pdf --out "$R/p1.pdf"
pdftotext -layout "$R/p1.pdf" - | tr -d ' \t' > "$WORK/p1-lines"
grep -qx "Total16140,00" "$WORK/p1-lines" && ok || fail "payee PDF total"
contains "$(cat "$WORK/p1-lines")" "montantsTTC;TVAéventuellementdueparlelieu" "payee PDF VAT mention"

# --- The place page's statements (GET /v1/places/me/statements[/{period}]):
# each place of payee 1 gets payee 1's statements, the one settle wrote and
# report payee makes; place 3 only its own payee's; other roles 403.
stmt1=$(echo "$settle_out" | jq -r '.payouts[] | select(.payee_id == 1) | .statement')
e2e1=$(echo "$settle_out" | jq -r '.payouts[] | select(.payee_id == 1) | .end_to_end_id')
exec_day=$(jq -r '.tables[] | select(.key == "transfers") | .rows[0].execution_day' "$P")
TD=$(pn --home "$H" token create --role distributor --id 1)
start_daemon
for t in "$T1" "$T2"; do
	req GET /v1/places/me/statements "$t"
	expect_http 200
	equals "$(echo "$body" | jq -c '[.payee.id, .payee.siret, .payee.places, (.statements | length)]')" \
		"[1,\"$SIRET\",2,1]" "payee 1: its SIRET, two places, one statement"
	equals "$(echo "$body" | jq -r '.statements[0] | "\(.period) \(.statement) \(.amount_cents) \(.end_to_end_id) \(.status)"')" \
		"2027-04 $stmt1 $payee_cents $e2e1 issued" "the statement as settle made it"
done
equals "$(echo "$body" | jq -r '.statements[0].execution_day')" "$exec_day" "execution day"
req GET /v1/places/me/statements "$T3"
expect_http 200
equals "$(echo "$body" | jq -r '.payee.id, .payee.places')" "2
1" "place 3: payee 2, one place"
equals "$(echo "$body" | jq -r '[.statements[].statement] | join(" ")')" \
	"$(echo "$settle_out" | jq -r '[.payouts[] | select(.payee_id == 2) | .statement] | join(" ")')" \
	"place 3 sees only payee 2's statements"
case "$body" in *"$stmt1"*) fail "place 3 sees payee 1's statement" ;; *) ok ;; esac
req GET /v1/places/me/statements/2027-04 "$T2"
expect_http 200
expect 0 pn --home "$H" report payee 1 --period 2027-04 --format html
equals "$body" "$out" "the HTML statement is report payee's"
equals "$(curl -s -o /dev/null -w '%{content_type}' -H "Authorization: Bearer $T2" \
	"$URL/v1/places/me/statements/2027-04")" "text/html; charset=utf-8" "HTML content type"
curl -s -D "$WORK/stmt-headers" -o "$WORK/stmt.pdf" -H "Authorization: Bearer $T1" \
	"$URL/v1/places/me/statements/2027-04?format=pdf" || fail "curl PDF"
# header: the whole line, whatever the case of its name (HTTP/1.1 names are case-blind)
header() { tr -d '\r' < "$WORK/stmt-headers" | grep -ix "$1" >/dev/null && ok || fail "no header line $1"; }
header "content-disposition: attachment; filename=\"$stmt1.pdf\""
header "content-type: application/pdf"
pdftotext -layout "$WORK/stmt.pdf" - | tr -d ' \t' > "$WORK/stmt-lines"
grep -x "Total16140,00" "$WORK/stmt-lines" >/dev/null && ok || fail "PDF statement total"
grep "^2027-04.*$e2e1$stmt1""140,00$" "$WORK/stmt-lines" >/dev/null && ok ||
	fail "the PDF's transfer line: its number and amount"
curl -s -D "$WORK/stmt-headers" -o /dev/null -H "Authorization: Bearer $T1" \
	"$URL/v1/places/me/statements/2027-04?format=html"
header "content-disposition: attachment; filename=\"$stmt1.html\""
# Not settled, not paid, not a month, not a format: JSON errors.
req GET /v1/places/me/statements/2027-05 "$T1"
expect_http 404 NO_STATEMENT
req GET /v1/places/me/statements/2026-04 "$T1"
expect_http 404 NO_STATEMENT
if [ -z "$(echo "$settle_out" | jq -r '.payouts[] | select(.payee_id == 2) | .statement')" ]; then
	req GET /v1/places/me/statements/2027-04 "$T3"
	expect_http 404 NO_STATEMENT
fi
for p in 2027-Q2 2027 2027-13 2027-4 27-04 2027-04-01 abcdefg; do
	req GET "/v1/places/me/statements/$p" "$T1"
	expect_http 400 BAD_PERIOD
done
req GET "/v1/places/me/statements/2027-04?format=csv" "$T1"
expect_http 400 BAD_FORMAT
# Other roles: 403; no token: 401.
for t in "$TF" "$TD"; do
	req GET /v1/places/me/statements "$t"
	expect_http 403
	req GET /v1/places/me/statements/2027-04 "$t"
	expect_http 403
done
req GET /v1/places/me/statements ""
expect_http 401
stop_daemon

# --- Place 3, May: its own redemptions; no internal campaign name.
expect 0 pn --home "$H" report place 3 --period 2027-05 --format json --out "$R/pl3.json"
equals "$(jq -r '.tables[] | select(.key == "redemptions") | .rows[-1] | "\(.passes) \(.amount_cents)"' "$R/pl3.json")" \
	"3 3000" "place 3 in May"
# --- Distributors: received and handed out by month, stock and its numbers.
expect 0 pn --home "$H" report distributor 1 --period 2027-Q2 --format json --out "$R/d1.json"
D=$R/d1.json
equals "$(jq -r '.tables[] | select(.key == "months") | .rows[0] | "\(.booklets_received) \(.booklets_handed_out)"' "$D")" \
	"29 ${E[d1.2027-04.handed]}" "distributor 1 April"
equals "$(jq -r '.tables[] | select(.key == "months") | .rows[1].booklets_handed_out' "$D")" "${E[d1.2027-05.handed]}" "May"
equals "$(jq -r '.tables[] | select(.key == "stock") | .rows | map("\(.booklets_in_stock) \(.booklet_numbers) \(.last_day)") | join("|")' "$D")" \
	"12 28-39 2027-07-20" "distributor 1 stock"
contains "$(jq -r '.tables[] | select(.key == "stock") | .rows[0].alert' "$D")" "18 jours" "J-30 alert (as of the report's day)"
expect 0 pn --home "$H" report distributor 1 --period 2027-Q2 --format pdf --out "$R/d1.pdf"
pdftotext -layout "$R/d1.pdf" - | tr -d ' \t' > "$WORK/d1-lines"
jq -r '.tables[] | .rows[] | [.[] | tostring] | join("")' "$D" | tr -d ' ' > "$WORK/d1-json"
equals "$(grep -vxFf "$WORK/d1-lines" "$WORK/d1-json")" "" "every distributor JSON row is a line of its PDF"
contains "$(cat "$WORK/d1-lines")" "Carnetsremis,parmois" "distributor chart"
expect 0 pn --home "$H" report distributor 2 --period 2027-Q2 --format json --out "$R/d2.json"
equals "$(jq -r '.tables[] | select(.key == "stock") | .rows[0] | "\(.booklets_in_stock) \(.booklet_numbers)"' "$R/d2.json")" \
	"2 23-24" "distributor 2 stock"
for f in "$R"/d1.json "$R"/d2.json "$R"/pl3.json "$R"/p1.json; do
	case "$(cat "$f")" in *Interne-*) fail "internal campaign name in $f" ;; *) ok ;; esac
done
expect 0 pn --home "$H" report distributor 1 --period 2027 --format html
case "$out" in *Interne-*) fail "internal name in the distributor's HTML" ;; *) ok ;; esac

# --- report all: one file per funder (1), payee (2 SIRETs) and distributor (2).
A=$WORK/all-html
expect 0 pn --home "$H" --json report all --period 2027-Q2 --out "$A"
equals "$(echo "$out" | jq -r '[.files[] | "\(.report) \(.id)"] | join(",")')" \
	"funder 1,payee 1,payee 2,distributor 1,distributor 2" "report all: who"
equals "$(ls "$A" | tr '\n' ' ')" \
	"beneficiaire-1.html beneficiaire-2.html distributeur-1.html distributeur-2.html financeur-1.html " "report all: the files"
equals "$(echo "$out" | jq -r '.files[0].file')" "$A/financeur-1.html" "--json names the files"
for k in funder:financeur:1 payee:beneficiaire:1 payee:beneficiaire:2 distributor:distributeur:2; do
	IFS=: read -r kind name id <<<"$k"
	pn --home "$H" report "$kind" "$id" --period 2027-Q2 --format html > "$WORK/one.html"
	cmp -s "$WORK/one.html" "$A/$name-$id.html" && ok || fail "report all: $name-$id differs from report $kind $id"
done
# Nothing overwritten without --force, and all or nothing.
sum=$(cat "$A"/* | md5sum)
expect 1 pn --home "$H" report all --period 2027-Q2 --out "$A"
contains "$err" "already exists" "report all refuses existing files"
one_line "$err"
equals "$(cat "$A"/* | md5sum)" "$sum" "nothing overwritten"
rm "$A"/beneficiaire-* "$A"/distributeur-*
expect 1 pn --home "$H" report all --period 2027-Q2 --out "$A"
equals "$(ls "$A")" "financeur-1.html" "one existing file: nothing else written"
expect 0 pn --home "$H" report all --period 2027-Q2 --out "$A" --force
equals "$(ls "$A" | wc -l)" 5 "--force writes all"
expect 0 pn --home "$H" --json report all --period 2027-Q2 --format pdf --out "$WORK/all-pdf"
equals "$(echo "$out" | jq '.files | length')" 5 "five PDFs"
for f in "$WORK"/all-pdf/*; do equals "$(head -c 5 "$f")" "%PDF-" "$(basename "$f") is a PDF"; done
expect 2 pn --home "$H" report all --period 2027-Q2
expect 2 pn --home "$H" report all --period 2027-04-01 --out "$WORK/bad-dir"
expect 2 pn --home "$H" report all --period 2027-Q2 --format xls --out "$WORK/bad-dir"
[ ! -e "$WORK/bad-dir" ] && ok || fail "a refused report all made its folder"

# --- Open data: 2027 by département x place type (the 93's places are EPN,
# the 69's a médiathèque), with the totals; comma, decimal point, no BOM.
# od_check DIR: every row is what this script counted, or empty and secret;
# a cell of 1 to (threshold - 1) booklets is secret; no sum has exactly one secret cell.
od_check() {
	local csv=$1/pass-utilises-2027.csv threshold=$2 d t key want cents got b secret
	equals "$(head -1 "$csv")" "annee,departement,type_lieu,nombre_pass,montant_euros,secret_statistique" "open data header"
	equals "$(head -c 3 "$csv" | od -An -tx1 | tr -d ' ')" "616e6e" "no BOM"
	equals "$(tail -n +2 "$csv" | cut -d, -f2,3 | tr '\n' ' ')" \
		"69,mediatheque 93,epn 69,TOUS 93,TOUS TOUS,epn TOUS,mediatheque TOUS,TOUS " "open data rows"
	while IFS=, read -r year d t got cents secret; do
		[ "$year" = annee ] && continue
		case "$d,$t" in 69,* | *,mediatheque) key=od.69 ;; 93,* | *,epn) key=od.93 ;; *) key=od.all ;; esac
		want=${E[$key]:-0} b=$(nbooklets "$key")
		equals "$year" 2027 "open data year"
		if [ "$secret" = true ]; then
			equals "$got,$cents" "," "a secret row ($d $t) has no figures"
		else
			equals "$secret,$got,$cents" "false,$want,$((E[$key.cents] / 100)).$(printf %02d $((E[$key.cents] % 100)))" "open data $d $t"
		fi
		[ "$b" -ge 1 ] && [ "$b" -lt "$threshold" ] && { equals "$secret" true "$d $t: $b booklets secret"; }
	done < "$csv"
	# The sums: each département over its types, each type over the
	# départements, the total over either.
	for g in '$2 == "69"' '$2 == "93"' '$3 == "epn"' '$3 == "mediatheque"' '$2 == "TOUS"' '$3 == "TOUS"'; do
		n=$(awk -F, "NR > 1 && ($g) && \$6 == \"true\"" "$csv" | wc -l)
		[ "$n" -ne 1 ] && ok || fail "open data: one secret cell alone in the sum $g"
	done
}
OD=$WORK/open-data
PASSNUM_NOW=2028-01-05T08:00:00Z expect 0 pn --home "$H" --json report open-data --year 2027 --out "$OD"
equals "$(echo "$out" | jq -r '.provisional, (.files | length)' | tr '\n' ' ')" "false 4 " "open data files"
od_check "$OD" 11
equals "$(grep -c ',true$' "$OD/pass-utilises-2027.csv")" 6 "the 69's 3 booklets hide it, then the 93 and the totals but the overall"
# The schema describes each column, in order, with types the values keep.
S=$OD/pass-utilises-2027.schema.json
equals "$(jq -r '[.fields[].name] | join(",")' "$S")" "$(head -1 "$OD/pass-utilises-2027.csv")" "Table Schema: every column"
equals "$(jq -r '[.fields[] | select(.description | length > 10)] | length' "$S")" 6 "each column described"
equals "$(jq -r '[.fields[].type] | join(",")' "$S")" "year,string,string,integer,number,boolean" "column types"
bad=$(tail -n +2 "$OD/pass-utilises-2027.csv" | grep -Evx '[0-9]{4},(TOUS|[0-9AB]{2,3}),(TOUS|[a-z-]+),([0-9]+,[0-9]+\.[0-9]{2},false|,,true)')
equals "$bad" "" "values of their types (missing: empty)"
equals "$(jq -r '.licenses[0].name, .resources[0].path, .resources[0].schema' "$OD/datapackage.json" | tr '\n' ' ')" \
	"etalab-2.0 pass-utilises-2027.csv pass-utilises-2027.schema.json " "datapackage: licence and files"
contains "$(cat "$OD/LISEZMOI.md")" "Licence Ouverte / Open Licence version 2.0" "LISEZMOI: the licence"
PASSNUM_NOW=2028-01-05T08:00:00Z expect 1 pn --home "$H" report open-data --year 2027 --out "$OD"
contains "$err" "already exists" "open data: nothing overwritten"
# With a threshold of 3 the 69's 3 booklets are shown, and then everything.
sqlite3 "$H/passnum.db" "INSERT INTO settings(name, value) VALUES ('report_small_cell', '3')"
PASSNUM_NOW=2028-01-05T08:00:00Z expect 0 pn --home "$H" report open-data --year 2027 --out "$OD" --force
od_check "$OD" 3
equals "$(grep -c ',false$' "$OD/pass-utilises-2027.csv")" 7 "threshold 3: every row shown"
sqlite3 "$H/passnum.db" "DELETE FROM settings WHERE name = 'report_small_cell'"
PASSNUM_NOW=2027-07-02T08:00:00Z expect 0 pn --home "$H" --json report open-data --year 2027 --out "$WORK/od-now"
equals "$(echo "$out" | jq -r .provisional)" true "a year in progress is provisional"
contains "$(cat "$WORK/od-now/LISEZMOI.md")" "provisoires" "LISEZMOI says provisional"
for y in 2027-04 27 2027-Q1 abcd; do expect 2 pn --home "$H" report open-data --year "$y" --out "$WORK/od-bad"; done
expect 2 pn --home "$H" report open-data --out "$WORK/od-bad"
expect 2 pn --home "$H" report open-data --year 2027
expect 2 pn --home "$H" report funder 1 --period 2027 --year 2027
[ ! -e "$WORK/od-bad" ] && ok || fail "a refused export made its folder"

# --- Refusals: one line, nothing written.
before=$(db_dump "$H")
for p in 2027-04-01 2027-13 2027-Q5 2027-Q0 27-04 2027-04..2027-05 2027-W14 ""; do
	expect 2 pn --home "$H" report funder 1 --period "$p" --out "$WORK/bad.csv"
	one_line "$err"
done
expect 2 pn --home "$H" report funder 1 --out "$WORK/bad.csv"
expect 2 pn --home "$H" report funder 1 --period 2027-04 --format xls --out "$WORK/bad.csv"
expect 2 pn --home "$H" report commune 1 --period 2027-04
expect 2 pn --home "$H" report funder x1 --period 2027-04
for k in funder payee place distributor; do
	expect 1 pn --home "$H" report $k 99 --period 2027-04 --out "$WORK/bad.csv"
	one_line "$err"
done
expect 1 pn --home "$H" report funder 1 --period 2027-Q2 --out "$R/f.csv"
contains "$err" "exists" "existing file refused"
[ ! -e "$WORK/bad.csv" ] && ok || fail "a refused report left a file"
equals "$(db_dump "$H")" "$before" "reports change nothing"
finish
