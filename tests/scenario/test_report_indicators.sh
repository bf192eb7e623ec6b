#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# The funder report's period bounds, evaluation indicators, the distributor
# report's returns and stock, and the campaign-close summary, over
# scenarios built here through the real CLI. Every figure is checked
# against what this script did (never read from the database).
. "$(dirname "$0")/lib.sh"
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

finish
