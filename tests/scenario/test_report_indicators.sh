#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# The funder report's period bounds, evaluation indicators, the distributor
# report's returns and stock, and the campaign-close summary, over
# scenarios built here through the real CLI. Every figure is checked
# against what this script did (never read from the database).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
OP_IBAN=FR7610107001011234567890129

# --- 1. A quarter still in progress counts what was recorded at "now":
# batches issued on 12 March 2027 under a fixed clock, the Q1 report made
# at the same instant (it read 0: the bound excluded the current second).
export PASSNUM_NOW=2027-03-12T09:00:00Z
Q=$WORK/q1
pn --home "$Q" init --operator "Opérateur de test" --origin q1.example/ledger \
	--iban "$OP_IBAN" --bic AGRIFRPP >/dev/null || fail "init q1"
pn --home "$Q" funder add "Financeur Q1" >/dev/null || fail "funder q1"
pn --home "$Q" funder order 1 100000 --ref BC-Q1 >/dev/null || fail "order q1"
pn --home "$Q" campaign create --funder 1 --name "Interne-Q1" --value 10 --last-day 2027-12-31 \
	--departments 93 >/dev/null || fail "campaign q1"
mkdir -p "$WORK/q1out"
q1_passes=0 q1_booklets=0
for n in 24 6; do # two batches, booklets of 2 passes
	pn --home "$Q" batch issue --campaign 1 --count $n --booklet 2 --out "$WORK/q1out" \
		--format csv >/dev/null || fail "batch q1 $n"
	q1_passes=$((q1_passes + n)) q1_booklets=$((q1_booklets + n / 2))
done
for period in 2027-Q1 2027-03 2027; do
	expect 0 pn --home "$Q" report funder 1 --period $period --format json
	equals "$(echo "$out" | jq -r .provisional)" true "$period provisional"
	equals "$(echo "$out" | jq -r '.tables[] | select(.key == "campaigns") | .rows[-1].booklets_issued')" \
		"$q1_booklets" "$period booklets issued"
	equals "$(echo "$out" | jq -r '.tables[] | select(.key == "passes_state") | .rows[-1].passes_issued')" \
		"$q1_passes" "$period passes issued"
	equals "$(echo "$out" | jq -r '.tables[] | select(.key == "passes_state") | .rows[-1].passes_outstanding')" \
		"$q1_passes" "$period passes outstanding"
done
# The quarter before holds none of them.
expect 0 pn --home "$Q" report funder 1 --period 2026-Q4 --format json
equals "$(echo "$out" | jq -r '.tables[] | select(.key == "campaigns") | .rows[-1].booklets_issued')" 0 \
	"2026-Q4 booklets issued"

# --- 2. The distributor report: received, handed out and returned by month
# (a returned booklet stays among those received the month it came), the
# booklets in stock with their numbers and campaigns' last days (J-30).
export PASSNUM_NOW=2027-04-02T08:00:00Z
D=$WORK/dist
pn --home "$D" init --operator "Opérateur de test" --origin dist.example/ledger \
	--iban "$OP_IBAN" --bic AGRIFRPP >/dev/null || fail "init dist"
pn --home "$D" funder add "Financeur public" >/dev/null || fail "funder dist"
pn --home "$D" funder order 1 100000 --ref BC-D >/dev/null || fail "order dist"
pn --home "$D" campaign create --funder 1 --name "Interne-Longue" --value 10 --last-day 2027-12-31 \
	--departments 93 >/dev/null || fail "campaign dist 1"
pn --home "$D" campaign create --funder 1 --name "Interne-Courte" --value 5 --last-day 2027-05-20 \
	--departments 93 >/dev/null || fail "campaign dist 2"
mkdir -p "$WORK/dout"
pn --home "$D" batch issue --campaign 1 --count 20 --booklet 2 --out "$WORK/dout" --format csv \
	>/dev/null || fail "batch dist 1"
pn --home "$D" batch issue --campaign 2 --count 10 --booklet 2 --out "$WORK/dout" --format csv \
	>/dev/null || fail "batch dist 2"
pn --home "$D" distributor add "CCAS de Bobigny" >/dev/null || fail "distributor"
declare -A HOLD DRECV DHAND DRET CAMP
for b in $(seq 1 10); do CAMP[$b]=1; done
for b in $(seq 11 15); do CAMP[$b]=2; done
deliver() { # MONTH FIRST LAST
	pn --home "$D" booklet deliver "$2-$3" --distributor 1 >/dev/null || fail "deliver $2-$3"
	for b in $(seq "$2" "$3"); do HOLD[$b]=stock; DRECV[$1]=$((${DRECV[$1]:-0} + 1)); done
}
dhandout() { # DAY BOOKLET...
	local day=$1 b; shift
	for b in "$@"; do
		pn --home "$D" booklet handout "$b" --distributor 1 --date "$day" >/dev/null ||
			fail "handout $b"
		HOLD[$b]=handed; DHAND[${day:0:7}]=$((${DHAND[${day:0:7}]:-0} + 1))
	done
}
dreturn() { # MONTH BOOKLET...
	local m=$1 b; shift
	for b in "$@"; do
		pn --home "$D" booklet return "$b" >/dev/null || fail "return $b"
		HOLD[$b]=returned; DRET[$m]=$((${DRET[$m]:-0} + 1))
	done
}
deliver 2027-04 1 10
deliver 2027-04 11 15
export PASSNUM_NOW=2027-04-06T08:00:00Z
dhandout 2027-04-05 1 2 3
export PASSNUM_NOW=2027-04-10T08:00:00Z
dreturn 2027-04 4
export PASSNUM_NOW=2027-05-03T08:00:00Z
dreturn 2027-05 5 11
deliver 2027-05 4 4
export PASSNUM_NOW=2027-05-05T08:00:00Z
dhandout 2027-05-04 12
# ranges CAMPAIGN: the booklets of CAMPAIGN still in stock, as "4, 6-10".
ranges() {
	local b out="" first="" last="" n=0
	for b in $(seq 1 15); do
		[ "${CAMP[$b]}" = "$1" ] && [ "${HOLD[$b]:-}" = stock ] || continue
		n=$((n + 1))
		if [ -n "$last" ] && [ "$b" -eq $((last + 1)) ]; then last=$b; continue; fi
		[ -n "$first" ] && out="$out${out:+, }$first$([ "$first" != "$last" ] && echo "-$last")"
		first=$b last=$b
	done
	[ -n "$first" ] && out="$out${out:+, }$first$([ "$first" != "$last" ] && echo "-$last")"
	echo "$n $out"
}
expect 0 pn --home "$D" report distributor 1 --period 2027-Q2 --format json
DJ=$out
for i in 0 1 2; do
	m=2027-0$((4 + i))
	equals "$(echo "$DJ" | jq -r ".tables[] | select(.key == \"months\") | .rows[$i] |
		\"\(.booklets_received) \(.booklets_handed_out) \(.booklets_returned)\"")" \
		"${DRECV[$m]:-0} ${DHAND[$m]:-0} ${DRET[$m]:-0}" "distributor $m received/handed/returned"
done
equals "$(echo "$DJ" | jq -r '.tables[] | select(.key == "months") | .rows[3] |
	"\(.month) \(.booklets_received) \(.booklets_handed_out) \(.booklets_returned)"')" \
	"Total $((DRECV[2027-04] + DRECV[2027-05])) $((DHAND[2027-04] + DHAND[2027-05])) $((DRET[2027-04] + DRET[2027-05]))" \
	"distributor totals"
# The stock by campaign, ordered by campaign: numbers and last day.
equals "$(echo "$DJ" | jq -r '.tables[] | select(.key == "stock") | .rows |
	map("\(.booklets_in_stock) \(.booklet_numbers) \(.last_day)") | join("|")')" \
	"$(ranges 1) 2027-12-31|$(ranges 2) 2027-05-20" "distributor stock and numbers"
# J-30: campaign 2 ends on 20 May, the report is made on 5 May: 15 days.
equals "$(echo "$DJ" | jq -r '.tables[] | select(.key == "stock") | .rows | map(.alert) | join("|")')" \
	"|se termine dans $(( ($(date -ud 2027-05-20 +%s) - $(date -ud 2027-05-05 +%s)) / 86400 )) jours" \
	"J-30 alert only on the campaign ending within 30 days"
# The same figures in CSV (decimal-free counts, ';').
expect 0 pn --home "$D" report distributor 1 --period 2027-Q2 --format csv
contains "$out" "2027-04;${DRECV[2027-04]};${DHAND[2027-04]};${DRET[2027-04]}" "CSV April row"
case "$DJ" in *Interne-*) fail "internal campaign name in the distributor report" ;; *) ok ;; esac

# --- 3. Evaluation indicators over a first quarter: two hand-out months,
# uses at known days; the expected values are computed here from what was
# done (per booklet: hand-out day, first and last use, passes used).
export PASSNUM_NOW=2027-01-04T08:00:00Z
I=$WORK/ind
H=$I
pn --home "$I" init --operator "Opérateur de test" --origin ind.example/ledger \
	--iban "$OP_IBAN" --bic AGRIFRPP >/dev/null || fail "init ind"
pn --home "$I" funder add "Financeur évalué" >/dev/null || fail "funder ind"
pn --home "$I" funder order 1 100000 --ref BC-I >/dev/null || fail "order ind"
pn --home "$I" service add atelier "Atelier numérique" >/dev/null || fail "service ind"
pn --home "$I" place add "EPN Montreuil" --siret $SIRET --commune 93048 --iban $IBAN --type epn \
	--services atelier >/dev/null || fail "place ind"
pn --home "$I" place label 1 >/dev/null || fail "label ind"
TI=$(pn --home "$I" token create --role place --id 1)
pn --home "$I" campaign create --funder 1 --name "Interne-Eval" --value 10 --last-day 2027-12-31 \
	--departments 93 >/dev/null || fail "campaign ind"
mkdir -p "$WORK/iout"
pn --home "$I" batch issue --campaign 1 --count 80 --booklet 2 --out "$WORK/iout" --format csv \
	>/dev/null || fail "batch ind"
pn --home "$I" distributor add "CCAS de Montreuil" >/dev/null || fail "distributor ind"
pn --home "$I" booklet deliver 1-40 --distributor 1 >/dev/null || fail "deliver ind"
IOUT=$WORK/iout
itok() { awk -F, -v b="$1" -v p="$2" 'NR > 1 && $7 == b { if (++n == p) print $3 }' "$IOUT"/batch-*.csv; }
eday() { echo $(( $(date -ud "$1" +%s) / 86400 )); }
declare -A HD FU LU NU LATE
ihandout() { # DAY FIRST LAST (recorded at PASSNUM_NOW)
	local b rec
	rec=$(eday "${PASSNUM_NOW:0:10}")
	for b in $(seq "$2" "$3"); do
		pn --home "$I" booklet handout "$b" --distributor 1 --date "$1" >/dev/null ||
			fail "handout ind $b"
		HD[$b]=$(eday "$1")
		LATE[$b]=$(( rec - HD[$b] > 7 ))
	done
}
iuse() { # DAY PASS FIRST LAST: through the daemon on DAY
	local b d
	d=$(eday "$1")
	PASSNUM_NOW=${1}T10:00:00Z start_daemon
	for b in $(seq "$3" "$4"); do
		req POST /v1/redemptions "$TI" "$(redeem_body atelier "u$1-$2-$b" "$(itok "$b" "$2")")"
		expect_http 201
		[ -z "${FU[$b]:-}" ] && FU[$b]=$d
		LU[$b]=$d NU[$b]=$(( ${NU[$b]:-0} + 1 ))
	done
	stop_daemon
}
export PASSNUM_NOW=2027-01-20T08:00:00Z
ihandout 2027-01-05 1 12   # recorded 15 days later: late
export PASSNUM_NOW=2027-02-10T08:00:00Z
ihandout 2027-02-10 13 34  # 22 at once: in bulk
iuse 2027-01-25 1 1 8
iuse 2027-03-01 1 13 20
iuse 2027-03-20 1 9 10
iuse 2027-03-20 2 9 10
export PASSNUM_NOW=2027-04-02T08:00:00Z
OBS=$(eday 2027-03-31)
# group FIRST LAST: the expected indicator line for booklets FIRST..LAST,
# "handed never30 start30 start90 perstarted medfirst medlast" in tenths,
# "-" not computed, "<" hidden (1 to 10 booklets).
ratio() { # NUM DEN SCALE
	if [ "$2" -eq 0 ]; then echo -; elif [ "$2" -lt 11 ]; then echo "<"; else echo $(( ($1 * $3 + $2 / 2) / $2 )); fi
}
median() { # VALUES...: tenths
	local -a v; mapfile -t v < <(printf '%s\n' "$@" | sort -n); local n=${#v[@]}
	if [ "$n" -eq 0 ]; then echo -; elif [ "$n" -lt 11 ]; then echo "<"
	elif [ $((n % 2)) -eq 1 ]; then echo $(( v[n / 2] * 10 )); else echo $(( (v[n / 2 - 1] + v[n / 2]) * 5 )); fi
}
group() {
	local b n=0 st=0 e30=0 s30=0 e90=0 s90=0 uses=0 f=() l=()
	for b in $(seq "$1" "$2"); do
		n=$((n + 1))
		[ $((HD[$b] + 30)) -le "$OBS" ] && e30=$((e30 + 1))
		[ $((HD[$b] + 90)) -le "$OBS" ] && e90=$((e90 + 1))
		[ -n "${FU[$b]:-}" ] || continue
		st=$((st + 1)) uses=$((uses + NU[$b]))
		f+=($((FU[$b] - HD[$b]))) l+=($((LU[$b] - HD[$b])))
		[ $((HD[$b] + 30)) -le "$OBS" ] && [ $((FU[$b] - HD[$b])) -le 30 ] && s30=$((s30 + 1))
		[ $((HD[$b] + 90)) -le "$OBS" ] && [ $((FU[$b] - HD[$b])) -le 90 ] && s90=$((s90 + 1))
	done
	echo "$n $(ratio $((n - st)) $n 1000) $(ratio $s30 $e30 1000) $(ratio $s90 $e90 1000)" \
		"$(ratio $uses $st 10) $(median "${f[@]}") $(median "${l[@]}")"
}
JQ_IND='def t: if . == null then "-" elif type == "string" then "<" else (. * 10 | round | tostring) end;
	"\(.booklets_handed_out) \(.never_started_pct | t) \(.started_30d_pct | t) \(.started_90d_pct | t)"
	+ " \(.passes_per_started | t) \(.median_days_first_use | t) \(.median_days_last_use | t)"'
expect 0 pn --home "$I" report funder 1 --period 2027-Q1 --format json
IJ=$out
ind_row() { # CAMPAIGN-LABEL MONTH
	echo "$IJ" | jq -r --arg c "$1" --arg m "$2" ".tables[] | select(.key == \"indicators\") | .rows[] |
		select((.campaign | startswith(\$c)) and .handout_month == \$m) | $JQ_IND"
}
for c in "n° 1" "Toutes campagnes"; do
	equals "$(ind_row "$c" 2027-01)" "$(group 1 12)" "$c January cohort"
	equals "$(ind_row "$c" 2027-02)" "$(group 13 34)" "$c February cohort"
	equals "$(ind_row "$c" "Toute la période")" "$(group 1 34)" "$c whole period"
done
equals "$(ind_row "n° 1" 2027-03)" "" "no row for a month without hand-outs"
# Data quality: late (recorded more than 7 days after) and in bulk (>= 20 in 10 min).
nlate=0; for b in $(seq 1 34); do nlate=$((nlate + LATE[$b])); done
equals "$(echo "$IJ" | jq -r '.tables[] | select(.key == "data_quality") | .rows[] |
	select(.campaign | startswith("n° 1")) | "\(.booklets_handed_out) \(.recorded_late) \(.recorded_in_bulk) \(.used_before_handout)"')" \
	"34 $nlate $((34 - 12)) 0" "data quality"
# The same figures, French, in CSV and HTML; a short text for each indicator.
expect 0 pn --home "$I" report funder 1 --period 2027-Q1 --format csv
g=($(group 1 12))
fr() { if [ $(($1 % 10)) -eq 0 ]; then echo $(($1 / 10)); else echo "$(($1 / 10)),$(($1 % 10))"; fi; }
contains "$out" "n° 1 — Interne-Eval;2027-01;12;$(fr "${g[1]}");$(fr "${g[2]}");—;< 11;< 11;< 11" \
	"CSV January cohort"
contains "$out" "Commencés sous 30 / 90 jours" "CSV glossary"
expect 0 pn --home "$I" report funder 1 --period 2027-Q1 --format html
contains "$out" "Jamais commencés" "HTML indicators"
contains "$out" "<td class=\"n\">$(fr "${g[1]}")</td>" "HTML January never started"

# The year in progress, on 2 July: uses observed up to that day, so the
# 90-day cohorts can be computed.
export PASSNUM_NOW=2027-07-02T08:00:00Z
OBS=$(eday 2027-07-02)
expect 0 pn --home "$I" report funder 1 --period 2027 --format json
IJ=$out
equals "$(ind_row "n° 1" 2027-01)" "$(group 1 12)" "year: January cohort"
equals "$(ind_row "n° 1" 2027-02)" "$(group 13 34)" "year: February cohort"
equals "$(ind_row "n° 1" "Toute la période")" "$(group 1 34)" "year: whole period"
contains "$(group 1 34)" " 471 471 529 " "the 90-day share is computed over the whole period"

# The cost per started booklet: the passes used of the started booklets at
# their face value (10 €) plus the operator's fee (2.5 %: 0.25 € a pass),
# over the started booklets, in cents rounded half up; hidden over 1 to 10
# started booklets (the January cohort: 12 handed out, 8 started).
expect 0 pn --home "$I" invoice terms 1 --fee-percent 2.5
expect 0 pn --home "$I" report funder 1 --period 2027 --format json
IJ=$out
cost() { # FIRST LAST [PASS-COST]: the expected cost cell
	local b st=0 uses=0 price=${3:-1025}
	for b in $(seq "$1" "$2"); do [ -n "${FU[$b]:-}" ] && st=$((st + 1)) uses=$((uses + NU[$b])); done
	if [ "$st" -eq 0 ]; then echo null; elif [ "$st" -lt 11 ]; then echo "< 11"
	else echo $(( (uses * price + st / 2) / st )); fi
}
cost_cell() { echo "$IJ" | jq -r --arg c "$1" --arg m "$2" '.tables[] | select(.key == "indicators") | .rows[] |
	select((.campaign | startswith($c)) and .handout_month == $m) | .cost_per_started_cents'; }
equals "$(cost 1 34)" 1139 "20 passes used by 18 started booklets: 20 x 10.25 / 18"
for c in "n° 1" "Toutes campagnes"; do
	equals "$(cost_cell "$c" "Toute la période")" "$(cost 1 34)" "$c cost per started booklet"
	equals "$(cost_cell "$c" 2027-01)" "< 11" "$c January: 8 started booklets, the cost hidden"
done
equals "$(cost_cell "n° 1" 2027-02)" "$(cost 13 34)" "February cohort's cost"
expect 0 pn --home "$I" report funder 1 --period 2027 --format csv
contains "$out" "Coût par carnet commencé (€)" "CSV column"
contains "$out" ";11,39"$'\r' "CSV cost, decimal comma, at the row's end"
contains "$out" "Coût par carnet commencé;ce que le financeur paie" "CSV glossary: the cost"


# --- 4. The campaign-close summary: frozen by `expire` once the campaign is
# over, signed by the ledger key, shown by the funder report from the frozen
# copy; it survives the purge of the hand-out detail; a forged one fails.
unset HD FU LU NU LATE
declare -A HD FU LU NU LATE
export PASSNUM_NOW=2027-04-01T08:00:00Z
I=$WORK/close
H=$I
IOUT=$WORK/cout
pn --home "$I" init --operator "Opérateur de test" --origin close.example/ledger \
	--iban "$OP_IBAN" --bic AGRIFRPP >/dev/null || fail "init close"
pn --home "$I" funder add "Financeur clos" >/dev/null || fail "funder close"
pn --home "$I" funder order 1 100000 --ref BC-C >/dev/null || fail "order close"
pn --home "$I" service add atelier "Atelier numérique" >/dev/null || fail "service close"
pn --home "$I" place add "EPN Montreuil" --siret $SIRET --commune 93048 --iban $IBAN --type epn \
	--services atelier >/dev/null || fail "place close"
pn --home "$I" place label 1 >/dev/null || fail "label close"
TI=$(pn --home "$I" token create --role place --id 1)
pn --home "$I" campaign create --funder 1 --name "Interne-Close" --value 10 --last-day 2027-04-30 \
	--tolerance-days 0 --departments 93 >/dev/null || fail "campaign close"
mkdir -p "$IOUT"
pn --home "$I" batch issue --campaign 1 --count 30 --booklet 2 --out "$IOUT" --format csv \
	>/dev/null || fail "batch close"
pn --home "$I" distributor add "CCAS de Montreuil" >/dev/null || fail "distributor close"
pn --home "$I" booklet deliver 1-15 --distributor 1 >/dev/null || fail "deliver close"
export PASSNUM_NOW=2027-04-02T08:00:00Z
ihandout 2027-04-02 1 15
iuse 2027-04-10 1 1 12
iuse 2027-04-20 2 1 3
# Not over yet: nothing frozen, no summary.
export PASSNUM_NOW=2027-04-30T20:00:00Z
expect 0 pn --home "$I" --json expire
equals "$(echo "$out" | jq -r .summaries_frozen)" 0 "nothing frozen before the campaign is over"
expect 1 pn --home "$I" campaign summary 1
contains "$err" "no close summary" "no summary yet"
export PASSNUM_NOW=2027-05-02T08:00:00Z
OBS=$(eday 2027-04-30)
want=$(group 1 15)
expect 0 pn --home "$I" --json expire
equals "$(echo "$out" | jq -r .summaries_frozen)" 1 "the summary frozen once the campaign is over"
expect 0 pn --home "$I" --json expire
equals "$(echo "$out" | jq -r .summaries_frozen)" 0 "frozen once"
JQ_FROZEN='.figures.indicators[] | select(.[1] == "Toute la période") | .[2:9] |
	map(if . == null then "-" elif .[1] < 11 then "<" else (.[0] | tostring) end) | join(" ")'
expect 0 pn --home "$I" --json campaign summary 1
equals "$(echo "$out" | jq -r "$JQ_FROZEN")" "$want" "frozen figures"
equals "$(echo "$out" | jq -r '.figures.indicators[] | select(.[1] == "Toute la période") | .[9][0]')" \
	"$(cost 1 15 1000)" "frozen cost per started booklet (no fee: 10 € a pass)"
equals "$(echo "$out" | jq -r '.figures.data_quality[0][2:] | map(.[0]) | join(" ")')" "0 0 0" \
	"frozen data quality"
note=$(echo "$out" | jq -r .note)
expect 0 pn --home "$I" campaign summary 1
contains "$out" "close summary frozen on 2027-05-02, signed by ledger key" "summary, for people"
contains "$out" "(verified)" "summary verified"
contains "$note" "close.example/ledger" "the note names the ledger"
contains "$(echo "$note" | tail -n 1)" "— close.example/ledger " "signed by the ledger key"
expect 0 pn --home "$I" report funder 1 --period 2027-Q2 --format json
IJ=$out
equals "$(echo "$IJ" | jq -r ".tables[] | select(.key == \"closed_indicators\") | .rows[] |
	select(.handout_month == \"Toute la période\") | $JQ_IND")" "$want" "funder report: the frozen copy"
equals "$(echo "$IJ" | jq -r '.tables[] | select(.key == "closed_data_quality") | .rows | map(.campaign) | join("|")')" \
	"n° 1 — Interne-Close" "the frozen copy named from the registry"
# A year after the last day, expire purges the hand-out detail: the live
# indicators lose the cohort, the frozen copy keeps it and still verifies.
export PASSNUM_NOW=2028-05-02T08:00:00Z
expect 0 pn --home "$I" --json expire
equals "$(echo "$out" | jq -r .handouts_purged)" 15 "hand-outs purged"
equals "$(sqlite3 "$I/passnum.db" 'SELECT count(*) FROM handouts')" 0 "no hand-out detail left"
expect 0 pn --home "$I" report funder 1 --period 2027-Q2 --format json
IJ=$out
equals "$(echo "$IJ" | jq -r '.tables[] | select(.key == "indicators") | .rows[] |
	select(.handout_month == "2027-04") | .booklets_handed_out')" "" "live cohort gone after the purge"
equals "$(echo "$IJ" | jq -r ".tables[] | select(.key == \"closed_indicators\") | .rows[] |
	select(.handout_month == \"Toute la période\") | $JQ_IND")" "$want" "frozen copy after the purge"
expect 0 pn --home "$I" --json campaign summary 1
equals "$(echo "$out" | jq -r "$JQ_FROZEN")" "$want" "summary verifies after the purge"
# Frozen: the database refuses changes; a forged figure fails verification.
if sqlite3 "$I/passnum.db" "UPDATE campaign_summaries SET created_at = 0" 2>/dev/null; then
	fail "a summary could be updated"
else ok; fi
if sqlite3 "$I/passnum.db" "DELETE FROM campaign_summaries" 2>/dev/null; then
	fail "a summary could be deleted"
else ok; fi
sqlite3 "$I/passnum.db" "DROP TRIGGER campaign_summaries_no_update;
	UPDATE campaign_summaries SET figures = replace(figures, '[15,15]', '[16,15]')" ||
	fail "forging"
expect 1 pn --home "$I" campaign summary 1
contains "$err" "does not match its signed note" "forged figures refused"
one_line "$err"

# --- 5. Rates per 1,000 inhabitants by département and EPCI of the place:
# three places in small communes of three départements (Guéret 23, Mende 48,
# Belfort 90), 12, 17 and 3 booklets using one pass each in May 2027. The
# expected rates are computed here from the committed tables (lib/data):
# people reached (booklets) x 1000 / population, in tenths rounded half up.
# Belfort's 3 booklets are hidden, and Guéret's 12 by the secondary rule
# (the smallest other of the column): their rates are hidden with them.
export PASSNUM_NOW=2027-05-02T08:00:00Z
RT=$WORK/rates
H=$RT
DATA=$(dirname "$0")/../../lib/data
pn --home "$RT" init --operator "Opérateur de test" --origin rates.example/ledger \
	--iban "$OP_IBAN" --bic AGRIFRPP >/dev/null || fail "init rates"
pn --home "$RT" funder add "Financeur des taux" >/dev/null || fail "funder rates"
pn --home "$RT" funder order 1 100000 --ref BC-R >/dev/null || fail "order rates"
pn --home "$RT" service add atelier "Atelier numérique" >/dev/null || fail "service rates"
RCOMMUNES=(- 23096 48095 90010)
for i in 1 2 3; do
	pn --home "$RT" place add "Lieu $i" --siret $SIRET --commune "${RCOMMUNES[$i]}" --iban $IBAN \
		--type epn --services atelier >/dev/null || fail "place rates $i"
	pn --home "$RT" place label $i >/dev/null || fail "label rates $i"
done
pn --home "$RT" campaign create --funder 1 --name "Interne-Taux" --value 10 --last-day 2027-12-31 \
	--departments 23,48,90 >/dev/null || fail "campaign rates"
mkdir -p "$WORK/rout"
pn --home "$RT" batch issue --campaign 1 --count 64 --booklet 2 --out "$WORK/rout" --format csv \
	>/dev/null || fail "batch rates"
pn --home "$RT" distributor add "CCAS de test" >/dev/null || fail "distributor rates"
pn --home "$RT" booklet deliver 1-32 --distributor 1 >/dev/null || fail "deliver rates"
for b in $(seq 1 32); do
	pn --home "$RT" booklet handout "$b" --distributor 1 --date 2027-05-02 >/dev/null ||
		fail "handout rates $b"
done
rtok() { awk -F, -v b="$1" 'NR > 1 && $7 == b { print $3; exit }' "$WORK"/rout/batch-*.csv; }
RBOOKLETS=(- 12 17 3)
PASSNUM_NOW=2027-05-10T10:00:00Z start_daemon
b=0
for i in 1 2 3; do
	T=$(pn --home "$RT" token create --role place --id $i)
	for n in $(seq 1 "${RBOOKLETS[$i]}"); do
		b=$((b + 1))
		req POST /v1/redemptions "$T" "$(redeem_body atelier "r$b" "$(rtok $b)")"
		expect_http 201
	done
done
stop_daemon
export PASSNUM_NOW=2027-06-02T08:00:00Z
expect 0 pn --home "$RT" report funder 1 --period 2027-05 --format json
RJ=$out
rcell() { echo "$RJ" | jq -r --arg t "$1" --arg k "$2" --arg v "$3" --arg c "$4" \
	'.tables[] | select(.key == $t) | .rows[] | select(.[$k] == $v) | .[$c]'; }
# From the committed tables: a commune's département and EPCI, a
# département's population (its communes, arrondissements not counted
# twice), an EPCI's name and population.
commune_field() { awk -F'\t' -v c="$1" -v f="$2" '$1 == c { print $f }' "$DATA/communes.tsv"; }
dept_population() { awk -F'\t' -v d="$1" '!/^#/ && $4 == d && $2 == "" { s += $6 } END { print s }' "$DATA/communes.tsv"; }
epci_field() { awk -F'\t' -v e="$1" -v f="$2" '$1 == e { print $f }' "$DATA/epci.tsv"; }
# rate BOOKLETS POPULATION: the JSON number, tenths rounded half up.
rate() {
	local t=$(( ($1 * 10000 + $2 / 2) / $2 ))
	if [ $((t % 10)) -eq 0 ]; then echo $((t / 10)); else echo "$((t / 10)).$((t % 10))"; fi
}
d48=$(commune_field 48095 4) e48=$(commune_field 48095 7)
p48=$(dept_population "$d48") pe48=$(epci_field "$e48" 3)
equals "$d48,$(epci_field "$e48" 2)" "48,CC Coeur de Lozère" "Mende: its département and EPCI in the tables"
[ "$p48" -gt 0 ] && [ "$pe48" -gt 0 ] && ok || fail "populations of the 48 and its EPCI"
equals "$(rcell departments_all department 48 passes_redeemed)" 17 "the 48: 17 passes shown"
equals "$(rcell departments_all department 48 population)" "$p48" "the 48's population"
equals "$(rcell departments_all department 48 people_per_1000)" "$(rate 17 "$p48")" \
	"the 48: 17 people per 1,000 of $p48 inhabitants"
equals "$(rcell epcis_all epci "$e48" epci_name)" "$(epci_field "$e48" 2)" "the EPCI's name"
equals "$(rcell epcis_all epci "$e48" population)" "$pe48" "the EPCI's population"
equals "$(rcell epcis_all epci "$e48" people_per_1000)" "$(rate 17 "$pe48")" \
	"the EPCI: 17 people per 1,000 of $pe48 inhabitants"
[ "$(rate 17 "$pe48")" != 0 ] && ok || fail "the EPCI's rate is 0: the test checks no rounding"
# Written as its decimal, not as the nearest double's 17 digits (0.20000000000000001).
equals "$(echo "$RJ" | grep -cxE " *\"people_per_1000\": $(rate 17 "$p48" | sed 's/[.]/[.]/')")" 2 \
	"JSON: the rate's text is its decimal (the 48's rows over all campaigns and campaign 1)"
equals "$(echo "$RJ" | grep -cE '[0-9][.][0-9]{12}')" 0 "JSON: no number with the digits of a double's noise"
# The CSV and the HTML show the same rate with a decimal comma.
expect 0 pn --home "$RT" report funder 1 --period 2027-05 --format csv
rcsv=$(echo "$out" | tr -d '\r')
contains "$rcsv" "$e48;$(epci_field "$e48" 2);17;170,00;$pe48;$(rate 17 "$pe48" | tr . ,)" "CSV: the EPCI's row"
contains "$rcsv" "Personnes touchées pour 1 000 habitants" "CSV: the rate's column"
expect 0 pn --home "$RT" report funder 1 --period 2027-05 --format html
contains "$out" "<td>$(epci_field "$e48" 2)</td>" "HTML: the EPCI's name"
# The vintage, named once from the tables' header (package, population year).
vintage="$(sed -n 2p "$DATA/epci.tsv" | cut -c3-), via $(sed -n 1p "$DATA/epci.tsv" | cut -c3-)"
equals "$vintage" "population municipale 2023, INSEE, via @etalab/decoupage-administratif 6.0.0" "the vintage"
equals "$(echo "$RJ" | jq -r .population_source)" "$vintage" "JSON population_source"
equals "$(echo "$RJ" | jq -r --arg v "$vintage" '[.notes[] | select(contains($v))] | length')" 1 \
	"the vintage named in one note"
contains "$out" "$vintage" "HTML: the vintage"
# Hidden counts hide their rates: Belfort (3 booklets) and Guéret (12,
# hidden by the secondary rule); population is public, so a rate shown
# beside a hidden count would give the count back.
e23=$(commune_field 23096 7) e90=$(commune_field 90010 7)
for key in departments_all:department:23 departments_all:department:90 epcis_all:epci:$e23 epcis_all:epci:$e90; do
	IFS=: read -r t k v <<<"$key"
	equals "$(rcell "$t" "$k" "$v" passes_redeemed),$(rcell "$t" "$k" "$v" people_per_1000)" "< 11,< 11" \
		"$t $v: count and rate hidden"
	[ "$(rcell "$t" "$k" "$v" population)" -gt 0 ] && ok || fail "$t $v: population shown"
done
equals "$(echo "$RJ" | jq -r '[.tables[] | select(.key | test("^(departments|epcis)_"))
	| .rows[:-1][] | select((.passes_redeemed == "< 11") != (.people_per_1000 == "< 11"))]
	| length')" 0 "every rate hidden exactly when its count is"
equals "$(rcell departments_all department Total people_per_1000)" null "no rate on the total row"

finish
