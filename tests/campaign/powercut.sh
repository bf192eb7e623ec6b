#!/usr/bin/env bash
# The power-cut campaign: passnumd runs with the test-only VFS
# tests/vfs/powercut.c preloaded (the real daemon, its real writer, replies
# after COMMIT), three clients redeem concurrently, then the daemon stops
# (SIGTERM: the WAL is checkpointed into the database and deleted). The VFS
# cuts the power at a random write, truncate or sync of that run — during a
# commit, between commits, in the final checkpoint — dropping every write not
# yet synced, in every file (database, WAL, -shm). The home is then opened
# again by the real CLI through the normal VFS: `passnum ledger verify`
# passes and every redemption acknowledged (every 201 received, over all
# rounds) is there with the very body that was sent. Rounds continue on the
# same home.
#
# First a self-test of the shim (fail-capable): the same cut after a known set
# of 201s, once with the honest disk (all present) and once with a lying disk
# (PASSNUM_POWERCUT_MODE=lying: fsync makes nothing durable, as
# synchronous=OFF would): the check must find them all missing and the
# database exactly as before that run (the restore really drops the writes).
#
# PASSNUM_CAMPAIGN_CUTS cut points (default 50), PASSNUM_CAMPAIGN_SEED the
# seed of the cut points (default: the time; printed, to replay a run).
. "$(dirname "$0")/../scenario/lib.sh"
. "$(dirname "$0")/../scenario/daemon_lib.sh"
. "$(dirname "$0")/lib.sh"
: "${PASSNUM_POWERCUT_LIB:?run through ctest (PASSNUM_POWERCUT_LIB is not set)}"

CUTS=${PASSNUM_CAMPAIGN_CUTS:-50}
SEED=${PASSNUM_CAMPAIGN_SEED:-$(date +%s)}
PER_CLIENT=4 # passes each of the three clients redeems per round
RANDOM=$SEED
echo "power cut: $CUTS cut points, seed $SEED"
# An ASan build's daemon gets the VFS library ahead of the ASan runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

setup_home
pn --home "$H" funder order 1 "$(((CUTS * 3 + 40) * 3 * PER_CLIENT * 1000))" --ref BC-2 >/dev/null ||
	fail "funder order"
mkdir -p "$WORK/passes"
pn --home "$H" batch issue --campaign 1 --count $(((CUTS * 3 + 40) * 3 * PER_CLIENT)) \
	--out "$WORK/passes" --format csv >/dev/null || fail "batch issue"
PASSES=$(ls "$WORK"/passes/batch-*.csv)
NEXT=1      # the next unused pass
: >"$WORK/acked"

# round NAME VAR=VALUE...: one run of passnumd with the VFS (and these
# variables), three clients of PER_CLIENT fresh passes each, then SIGTERM;
# the clients' logs are $WORK/NAME.c?.log and the VFS's report
# $WORK/NAME.report. Returns 1 when the daemon did not start.
round() {
	local name=$1 c
	shift
	: >"$WORK/$name.report"
	start_daemon_env LD_PRELOAD="$PASSNUM_POWERCUT_LIB" PASSNUM_POWERCUT_REPORT="$WORK/$name.report" "$@" ||
		return 1
	for c in 1 2 3; do
		tokens "$PASSES" "$NEXT" "$PER_CLIENT" | client_config "$T_PLACE" "$name-c$c" >"$WORK/$name.c$c.conf"
		NEXT=$((NEXT + PER_CLIENT))
		: >"$WORK/$name.c$c.log"
		run_client "$WORK/$name.c$c.conf" "$WORK/$name.c$c.log"
	done
	wait_clients
	kill "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	return 0
}

# 1. The calibration: how many writes, truncates and syncs a round makes.
round calib PASSNUM_POWERCUT_AT=0 || { finish; exit 1; }
OPS=$(sed -n 's/^ops \([0-9]*\) syncs [0-9]*$/\1/p' "$WORK/calib.report")
SYNCS=$(sed -n 's/^ops [0-9]* syncs \([0-9]*\)$/\1/p' "$WORK/calib.report")
[ -n "$OPS" ] && [ "$OPS" -gt 10 ] && ok || fail "calibration: no operation counted: $(cat "$WORK/calib.report")"
acknowledged "$WORK"/calib.c?.log >>"$WORK/acked"
equals "$(wc -l <"$WORK/acked")" $((3 * PER_CLIENT)) "201s of the calibration round"
check_home "$WORK/acked" "calibration" || { finish; exit 1; }
echo "a round makes $OPS writes, truncates and syncs, of which $SYNCS syncs"

# 2. The self-test: 12 acknowledged, then the cut at the next write (the
# trigger file exists); honest disk then lying disk.
selftest() {
	local mode=$1 c
	rm -f "$WORK/trigger"
	: >"$WORK/self-$mode.report"
	start_daemon_env LD_PRELOAD="$PASSNUM_POWERCUT_LIB" PASSNUM_POWERCUT_REPORT="$WORK/self-$mode.report" \
		PASSNUM_POWERCUT_TRIGGER="$WORK/trigger" PASSNUM_POWERCUT_MODE="$mode" || return 1
	for c in 1 2 3; do
		tokens "$PASSES" "$NEXT" "$PER_CLIENT" | client_config "$T_PLACE" "self-$mode-c$c" >"$WORK/self.conf"
		NEXT=$((NEXT + PER_CLIENT))
		curl -K "$WORK/self.conf" >"$WORK/self-$mode.c$c.log" 2>/dev/null
	done
	acknowledged "$WORK"/self-"$mode".c?.log >"$WORK/self-$mode.acked"
	equals "$(wc -l <"$WORK/self-$mode.acked")" $((3 * PER_CLIENT)) "self-test $mode: 201s before the cut"
	touch "$WORK/trigger"
	tokens "$PASSES" "$NEXT" 1 | client_config "$T_PLACE" "self-$mode-last" >"$WORK/self.conf"
	NEXT=$((NEXT + 1))
	curl -K "$WORK/self.conf" >"$WORK/self-$mode.last.log" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	rm -f "$WORK/trigger"
	grep -q '^cut ' "$WORK/self-$mode.report" && ok ||
		fail "self-test $mode: no cut: $(cat "$WORK/self-$mode.report")"
	equals "$(grep -c ' 201$' "$WORK/self-$mode.last.log")" 0 "self-test $mode: a 201 for the request cut"
}
db_dump "$H" >"$WORK/before-lying.dump"
selftest lying || { finish; exit 1; }
stored >"$WORK/stored"
equals "$(comm -12 "$WORK/self-lying.acked" "$WORK/stored" | wc -l)" 0 \
	"self-test lying: acknowledged redemptions left after the cut (the lying disk must lose all)"
db_dump "$H" >"$WORK/after-lying.dump"
cmp -s "$WORK/before-lying.dump" "$WORK/after-lying.dump" && ok ||
	fail "self-test lying: the database differs from before the run (writes not dropped)"
expect 0 pn --home "$H" ledger verify
selftest honest || { finish; exit 1; }
cat "$WORK/self-honest.acked" >>"$WORK/acked"
LC_ALL=C sort -o "$WORK/acked" "$WORK/acked"
check_home "$WORK/acked" "self-test honest" || { finish; exit 1; }
grep -q 'dropped-writes [1-9]' "$WORK/self-honest.report" "$WORK/self-lying.report" && ok ||
	fail "self-test: the cuts dropped no write"

# 3. The campaign: CUTS rounds, each cut at a random operation in 1..OPS or,
# one round in two, at a random sync in 1..SYNCS (a commit's or a
# checkpoint's writes all made, none durable). A round that makes fewer
# operations than its cut point ends cleanly, is checked too, and does not
# count.
cuts=0
clean=0
dropped=0
rounds=0
kinds=""
while [ "$cuts" -lt "$CUTS" ] && [ "$rounds" -lt $((CUTS * 3 + 20)) ]; do
	rounds=$((rounds + 1))
	if [ $((RANDOM % 2)) -eq 0 ]; then
		at=$(((RANDOM * 32768 + RANDOM) % OPS + 1))
		round "r$rounds" PASSNUM_POWERCUT_AT="$at" || break
	else
		at=sync-$(((RANDOM * 32768 + RANDOM) % SYNCS + 1))
		round "r$rounds" PASSNUM_POWERCUT_AT_SYNC="${at#sync-}" || break
	fi
	report=$(cat "$WORK/r$rounds.report")
	case "$report" in
	cut*RESTORE-FAILED*) fail "round $rounds (cut at $at): the VFS could not restore: $report" ;;
	cut*)
		cuts=$((cuts + 1))
		kinds="$kinds $(echo "$report" | cut -d' ' -f4)"
		echo "$report" | grep -q 'dropped-writes [1-9]' && dropped=$((dropped + 1))
		;;
	ops*) clean=$((clean + 1)) ;;
	*) fail "round $rounds (cut at $at): no report from the VFS: $report" ;;
	esac
	acknowledged "$WORK"/r"$rounds".c?.log >>"$WORK/acked"
	LC_ALL=C sort -o "$WORK/acked" "$WORK/acked"
	check_home "$WORK/acked" "round $rounds (seed $SEED, cut at op $at of ~$OPS: $report)" || break
	rm -f "$WORK"/r"$rounds".*
done
equals "$cuts" "$CUTS" "power cuts made"
[ "$dropped" -gt 0 ] && ok || fail "no cut dropped an unsynced write"
echo "power cut: $cuts cuts in $rounds rounds ($clean ended before their cut point), seed $SEED;" \
	"$dropped cuts dropped unsynced writes; cut on:" \
	"$(echo "$kinds" | tr ' ' '\n' | grep . | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')" \
	"$(wc -l <"$WORK/acked") acknowledged redemptions, all present, ledger verified after each cut"
finish
