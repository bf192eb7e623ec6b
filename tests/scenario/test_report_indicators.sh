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

finish
