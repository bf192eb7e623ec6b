#!/usr/bin/env bash
# The double-spend race: PASSES passes (default 50; 1,000 on demand) of a
# campaign good everywhere, and 20 concurrent clients — ten with the token of
# one place (EPN Montreuil, from 127.0.0.1), ten with the token of another
# (Médiathèque Lyon, from 127.0.0.2) — each trying to redeem every pass, in
# its own order, with its own idempotency keys, against the real passnumd.
# Exactly PASSES answers are 201, one per pass; every other answer is the
# documented refusal 409 ALREADY_REDEEMED (`by_you` true exactly when the
# winner was the same place); the ledger has one redemption per pass and
# verifies.
#
# PASSNUM_CAMPAIGN_RACE_PASSES passes (default 50), PASSNUM_CAMPAIGN_SEED the
# seed of the clients' orders (default: the time; printed).
. "$(dirname "$0")/../scenario/lib.sh"
. "$(dirname "$0")/../scenario/daemon_lib.sh"
. "$(dirname "$0")/lib.sh"

PASSES_N=${PASSNUM_CAMPAIGN_RACE_PASSES:-50}
SEED=${PASSNUM_CAMPAIGN_SEED:-$(date +%s)}
CLIENTS_N=20
echo "race: $PASSES_N passes x $CLIENTS_N clients from two places, seed $SEED"

setup_home
pn --home "$H" funder order 1 "$((PASSES_N * 100 + 100000))" --ref BC-2 >/dev/null || fail "funder order"
C=$(pn --home "$H" campaign create --funder 1 --name "Partout" --value 1 --last-day 2027-06-30) ||
	fail "campaign create"
mkdir -p "$WORK/passes"
pn --home "$H" batch issue --campaign "$C" --count "$PASSES_N" --out "$WORK/passes" --format csv >/dev/null ||
	fail "batch issue"
PASSES=$(ls "$WORK"/passes/batch-*.csv)
start_daemon || { finish; exit 1; }

# Source addresses: place 2's clients connect from 127.0.0.2 when the
# loopback allows it (Linux does), so the race is also between addresses.
SRC2=()
curl -s -o /dev/null --interface 127.0.0.2 "$URL/v1/health" && SRC2=('interface = "127.0.0.2"')

for c in $(seq "$CLIENTS_N"); do
	if [ "$c" -le $((CLIENTS_N / 2)) ]; then
		tok=$T_PLACE
		extra=()
	else
		tok=$T_PLACE2
		extra=("${SRC2[@]}")
	fi
	tokens "$PASSES" 1 "$PASSES_N" | shuf --random-source=<(yes "$SEED-$c") >"$WORK/c$c.tokens"
	client_config "$tok" "race-c$c" "${extra[@]}" <"$WORK/c$c.tokens" >"$WORK/c$c.conf"
	: >"$WORK/c$c.log"
done
# Every client starts at once: they wait for the go file.
for c in $(seq "$CLIENTS_N"); do
	(while [ ! -e "$WORK/go" ]; do sleep 0.01; done; exec curl -K "$WORK/c$c.conf") >"$WORK/c$c.log" 2>/dev/null &
	CLIENTS+=($!)
done
touch "$WORK/go"
wait_clients

total=$(cat "$WORK"/c*.log | wc -l)
equals "$total" $((PASSES_N * CLIENTS_N)) "answers"
won=$(cat "$WORK"/c*.log | grep -c ' 201$')
equals "$won" "$PASSES_N" "201s (each pass won once)"
refused=$(cat "$WORK"/c*.log | grep -c '"code":"ALREADY_REDEEMED".* 409$')
equals "$refused" $((PASSES_N * (CLIENTS_N - 1))) "409 ALREADY_REDEEMED"
other=$(cat "$WORK"/c*.log | grep -v ' 201$' | grep -v '"code":"ALREADY_REDEEMED".* 409$' | wc -l)
equals "$other" 0 "other answers"
cat "$WORK"/c*.log | grep -v ' 201$' | grep -v ' 409$' | sort | uniq -c | sort -rn | head -3 >&2
# Each pass won once: the serials of the 201s are distinct and all PASSES_N.
equals "$(cat "$WORK"/c*.log | grep ' 201$' | sed 's/ 201$//' | jq -r '.vouchers[]' | sort -u | wc -l)" \
	"$PASSES_N" "distinct passes won"
wins1=$(cat "$WORK"/c[1-9].log "$WORK"/c10.log | grep -c ' 201$')
wins2=$((won - wins1))
# Each answer against the winner of its pass (from the database): a 201 is
# for that pass and place, and that place is the winner; a 409 tells the
# winner's own place by_you true with its redemption, any other place
# by_you false and nothing else.
sqlite3 "$H/passnum.db" "SELECT lower(hex(v.serial)) || ' ' || r.place_id FROM redemption_vouchers v
	JOIN redemptions r ON r.id = v.redemption_id" >"$WORK/winners"
bad=0
for c in $(seq "$CLIENTS_N"); do
	place=$([ "$c" -le $((CLIENTS_N / 2)) ] && echo 1 || echo 2)
	awk -F, 'NR == FNR { s[$3] = $1; next } { print s[$0] }' "$PASSES" "$WORK/c$c.tokens" >"$WORK/c$c.serials"
	sed 's/ [0-9]*$//' "$WORK/c$c.log" | jq -r '[(if has("by_you") then .by_you else "-" end),
		(.redemption.vouchers[0] // .vouchers[0] // "-"), (.redemption.place // .place // "-")] | join(" ")' \
		| paste -d ' ' "$WORK/c$c.serials" <(sed 's/.* //' "$WORK/c$c.log") - \
		>"$WORK/c$c.answers"
	n=$(awk -v p="$place" 'NR == FNR { w[$1] = $2; next }
		$2 == 201 { if (!($4 == $1 && $5 == p && w[$1] == p)) n++; next }
		$2 == 409 && w[$1] == p { if (!($3 == "true" && $4 == $1 && $5 == p)) n++; next }
		$2 == 409 { if (!($3 == "false" && $4 == "-" && $5 == "-")) n++; next }
		{ n++ } END { print n + 0 }' "$WORK/winners" "$WORK/c$c.answers")
	bad=$((bad + n))
done
equals "$bad" 0 "answers that do not match their pass's winner (by_you, the redemption)"
acknowledged "$WORK"/c*.log >"$WORK/acked"
check_home "$WORK/acked" "race"
equals "$(sqlite3 "$H/passnum.db" "SELECT COUNT(*) FROM redemptions")" "$PASSES_N" "redemptions stored"
stop_daemon
echo "race: $PASSES_N passes x $CLIENTS_N clients (seed $SEED): $won 201s (place 1: $wins1, place 2: $wins2" \
	"${SRC2:+from 127.0.0.2}), $refused 409 ALREADY_REDEEMED, $other other answers; ledger verified"
finish
