#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# The funder report and a redemption cancelled after its period's end: it
# still counts in that period (a closed period's figures do not move), not
# in a longer period that contains the cancellation, and its pass, redeemed
# again the next month, counts in that month too. The report reads a pass's
# current redemption from the voucher and such a cancelled one apart
# (lib/report_funder.c): this checks the two are merged, per booklet, with
# counts this script keeps from its own actions. Booklets of one pass, so
# that 11 or more booklets make every checked cell visible.
. "$(dirname "$0")/lib.sh"
export PASSNUM_NOW=2027-04-01T08:00:00Z
. "$(dirname "$0")/daemon_lib.sh"

pn --home "$H" init --operator "Opérateur de test" --origin cancel.example/ledger >/dev/null ||
	fail "init"
pn --home "$H" funder add "Département de test" >/dev/null || fail "funder"
pn --home "$H" funder order 1 10000 --ref BC-1 >/dev/null || fail "order"
pn --home "$H" service add atelier "Atelier numérique" >/dev/null || fail "service"
pn --home "$H" place add "EPN Montreuil" --siret $SIRET --commune 93048 --iban $IBAN --type epn \
	--services atelier >/dev/null || fail "place"
pn --home "$H" place label 1 >/dev/null || fail "label"
T=$(pn --home "$H" token create --role place --id 1)
pn --home "$H" campaign create --funder 1 --name "Interne" --value 10 --last-day 2027-12-31 \
	--departments 93 >/dev/null || fail "campaign"
mkdir -p "$WORK/out"
pn --home "$H" batch issue --campaign 1 --count 30 --booklet 1 --out "$WORK/out" --format csv \
	>/dev/null || fail "batch"
CSV=$(ls "$WORK"/out/batch-*.csv | head -1)

# April: passes 1-12 redeemed, then pass 13 at 23:50 (Paris) on the 30th,
# cancelled at 00:02 on 1 May, after April's end.
PASSNUM_NOW=2027-04-20T10:00:00Z start_daemon
for p in $(seq 1 12); do
	req POST /v1/redemptions "$T" "$(redeem_body atelier "a$p" "$(pass $p)")"
	expect_http 201
done
stop_daemon
PASSNUM_NOW=2027-04-30T21:50:00Z start_daemon
req POST /v1/redemptions "$T" "$(redeem_body atelier late "$(pass 13)")"
expect_http 201
late=$(echo "$body" | jq -r .id)
equals "$(echo "$body" | jq -r .day)" 2027-04-30 "the late redemption's day"
stop_daemon
PASSNUM_NOW=2027-04-30T22:02:00Z start_daemon
req POST "/v1/redemptions/$late/cancel" "$T"
expect_http 200
stop_daemon
# May: pass 13 again, and passes 14-24.
PASSNUM_NOW=2027-05-03T10:00:00Z start_daemon
for p in $(seq 13 24); do
	req POST /v1/redemptions "$T" "$(redeem_body atelier "m$p" "$(pass $p)")"
	expect_http 201
done
stop_daemon

export PASSNUM_NOW=2027-06-02T08:00:00Z
# cell PERIOD TABLE ROW COLUMN: a cell of the funder report's JSON.
cell() {
	pn --home "$H" report funder 1 --period "$1" --format json |
		jq -r --arg t "$2" --arg r "$3" --arg c "$4" \
		'.tables[] | select(.key == $t) | .rows[] | select(.[(.|keys_unsorted[0])] == $r) | .[$c]'
}
equals "$(cell 2027-04 campaigns Total passes_redeemed)" 13 "April: 12 + the one cancelled after April"
equals "$(cell 2027-04 campaigns Total redeemed_cents)" 13000 "April's value"
equals "$(cell 2027-04 departments_all 93 passes_redeemed)" 13 "April, département 93"
equals "$(cell 2027-04 services_all "Atelier numérique" passes_redeemed)" 13 "April, service"
equals "$(cell 2027-04 months_all 2027-04 passes_redeemed)" 13 "April's month row"
equals "$(cell 2027-05 campaigns Total passes_redeemed)" 12 "May: pass 13 again and 14-24"
equals "$(cell 2027-Q2 campaigns Total passes_redeemed)" 24 "Q2: the cancellation is inside it"
equals "$(cell 2027-Q2 months_all 2027-04 passes_redeemed)" 12 "Q2's April row"
equals "$(cell 2027-Q2 months_all 2027-05 passes_redeemed)" 12 "Q2's May row"
# The state at April's end: passes 1-12 redeemed; pass 13's status changed
# after it, so it reads as it was (not redeemed).
equals "$(cell 2027-04 passes_state Total passes_issued)" 30 "passes issued"
equals "$(cell 2027-04 passes_state Total passes_redeemed)" 12 "passes redeemed at April's end"
equals "$(cell 2027-06 campaigns Total passes_redeemed)" 0 "June: none"
echo "$checks passed, $failures failed"
[ "$failures" -eq 0 ]
