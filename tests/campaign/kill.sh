#!/usr/bin/env bash
# The kill -9 campaign: rounds of four concurrent clients redeeming fresh
# passes against the real passnumd, killed with SIGKILL once a random number
# of answers has come back (the kill lands under load, in the middle of
# group commits). After each restart: `passnum ledger verify` passes; every
# 201 received, over all rounds, is stored with the very body that was sent
# and its entry is in the ledger; no pass is redeemed twice; and every
# request of the round is sent again (same token, Idempotency-Key and body):
# a request answered 201 before the kill gets the byte-identical 201 body,
# one left without an answer gets a 201 (its stored answer if it had
# committed, a new redemption otherwise) — never a second redemption.
#
# PASSNUM_CAMPAIGN_KILLS rounds (default 3), PASSNUM_CAMPAIGN_SEED the seed of
# the kill points (default: the time; printed).
. "$(dirname "$0")/../scenario/lib.sh"
. "$(dirname "$0")/../scenario/daemon_lib.sh"
. "$(dirname "$0")/lib.sh"

KILLS=${PASSNUM_CAMPAIGN_KILLS:-3}
SEED=${PASSNUM_CAMPAIGN_SEED:-$(date +%s)}
PER_CLIENT=40
RANDOM=$SEED
echo "kill -9: $KILLS rounds, seed $SEED"

setup_home
pn --home "$H" funder order 1 "$((KILLS * 4 * PER_CLIENT * 1000 + 100000))" --ref BC-2 >/dev/null ||
	fail "funder order"
mkdir -p "$WORK/passes"
pn --home "$H" batch issue --campaign 1 --count $((KILLS * 4 * PER_CLIENT)) --out "$WORK/passes" \
	--format csv >/dev/null || fail "batch issue"
PASSES=$(ls "$WORK"/passes/batch-*.csv)
NEXT=1
: >"$WORK/acked"
before=0   # 201s before the kills
unanswered=0
cut_rounds=0 # rounds whose kill left requests unanswered (under load)
replayed=0
start_daemon || { finish; exit 1; }

for r in $(seq "$KILLS"); do
	# Kill once this many answers came back (somewhere in the first 70 %).
	at=$((RANDOM % (4 * PER_CLIENT * 7 / 10) + 1))
	first=$NEXT
	for c in 1 2 3 4; do
		tokens "$PASSES" "$NEXT" "$PER_CLIENT" | client_config "$T_PLACE" "r$r-c$c" >"$WORK/r$r.c$c.conf"
		NEXT=$((NEXT + PER_CLIENT))
		: >"$WORK/r$r.c$c.log"
		run_client "$WORK/r$r.c$c.conf" "$WORK/r$r.c$c.log"
	done
	for _ in $(seq 2000); do
		[ "$(cat "$WORK"/r"$r".c?.log | wc -l)" -ge "$at" ] && break
		sleep 0.005
	done
	kill -9 "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	wait_clients
	got=$(cat "$WORK"/r"$r".c?.log | grep -c ' 201$')
	before=$((before + got))
	lost=$(cat "$WORK"/r"$r".c?.log | grep -c ' 000$')
	unanswered=$((unanswered + lost))
	[ "$lost" -gt 0 ] && cut_rounds=$((cut_rounds + 1))
	acknowledged "$WORK"/r"$r".c?.log >>"$WORK/acked"
	LC_ALL=C sort -o "$WORK/acked" "$WORK/acked"
	check_home "$WORK/acked" "round $r after kill -9 (seed $SEED, after $at answers)" || break

	# Restart, replay every request of the round (the same passes, keys and
	# bodies; the new address), compare line by line.
	start_daemon || break
	for c in 1 2 3 4; do
		tokens "$PASSES" $((first + (c - 1) * PER_CLIENT)) "$PER_CLIENT" |
			client_config "$T_PLACE" "r$r-c$c" >"$WORK/r$r.c$c.conf"
		: >"$WORK/r$r.c$c.replay"
		run_client "$WORK/r$r.c$c.conf" "$WORK/r$r.c$c.replay"
	done
	wait_clients
	for c in 1 2 3 4; do
		bad=$(paste -d '\n' "$WORK/r$r.c$c.log" "$WORK/r$r.c$c.replay" | paste - - -d '\t' | awk -F '\t' '
			$1 ~ / 201$/ { if ($2 != $1) n++; next }
			$1 ~ / 000$/ { if ($2 !~ / 201$/) n++; next }
			{ n++ } END { print n + 0 }')
		equals "$bad" 0 "round $r client $c: replies after the restart that differ from the first"
		equals "$(wc -l <"$WORK/r$r.c$c.replay")" "$PER_CLIENT" "round $r client $c: replies to the replay"
		replayed=$((replayed + PER_CLIENT))
	done
	acknowledged "$WORK"/r"$r".c?.replay >>"$WORK/acked"
	LC_ALL=C sort -u -o "$WORK/acked" "$WORK/acked"
	equals "$(cut -d' ' -f1 "$WORK/acked" | uniq -d | wc -l)" 0 "round $r: a redemption id with two bodies"
	check_home "$WORK/acked" "round $r after the replays" || break
	equals "$(sqlite3 "$H/passnum.db" "SELECT COUNT(*) FROM redemptions")" "$(wc -l <"$WORK/acked")" \
		"round $r: redemptions stored and acknowledged"
done
stop_daemon
[ "$cut_rounds" -gt 0 ] && ok || fail "no kill landed under load (every request answered each time)"
echo "kill -9: $KILLS rounds ($cut_rounds killed with requests in flight), seed $SEED: $before 201s before the kills, $unanswered requests" \
	"unanswered, $replayed replayed after the restarts (all 201s byte-identical)," \
	"$(wc -l <"$WORK/acked") redemptions, none lost, none doubled, ledger verified after each round"
finish
