#!/usr/bin/env bash
# The power-cut campaign: passnumd runs with the test-only VFS
# tests/vfs/powercut.c preloaded (the real daemon, its real writer, replies
# after COMMIT), three clients redeem concurrently, then the daemon stops
# (SIGTERM). The VFS cuts the power at a random write, truncate or sync of
# that run — during a commit, between commits, in SQLite's automatic
# checkpoint — dropping every write not yet synced, in every file (database,
# WAL, -shm). The home is then opened again by the real CLI through the
# normal VFS: `passnum ledger verify` passes and every redemption
# acknowledged (every 201 received, over all rounds) is there with the very
# body that was sent. Rounds continue on the same home.
#
# First a self-test of the shim (fail-capable): with a lying disk
# (PASSNUM_POWERCUT_MODE=lying: fsync makes nothing durable, as
# synchronous=OFF would) a cut after 12 acknowledged redemptions, and one at
# the database file's sync in a checkpoint, must lose every acknowledged
# redemption and leave the database file byte-identical to what it was
# before the run (the restore really drops the writes); with the honest disk
# the same cut keeps all 12.
#
# PASSNUM_CAMPAIGN_CUTS cut points (default 50), PASSNUM_CAMPAIGN_SEED the
# seed of the cut points (default: the time; printed, to replay a run).
. "$(dirname "$0")/../scenario/lib.sh"
. "$(dirname "$0")/../scenario/daemon_lib.sh"
. "$(dirname "$0")/lib.sh"
: "${PASSNUM_POWERCUT_LIB:?run through ctest (PASSNUM_POWERCUT_LIB is not set)}"

CUTS=${PASSNUM_CAMPAIGN_CUTS:-50}
SEED=${PASSNUM_CAMPAIGN_SEED:-$(date +%s)}
PER_CLIENT=6  # passes each of the three clients redeems in a round
BIG=80        # in a big round (one in four): enough for SQLite's automatic
              # checkpoint (the WAL over 1,000 pages) inside the round
MAX_ROUNDS=$((CUTS * 3 / 2 + 20))
RANDOM=$SEED
echo "power cut: $CUTS cut points, seed $SEED"
# An ASan build's daemon gets the VFS library ahead of the ASan runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

setup_home
npasses=$(((MAX_ROUNDS + 2) * 3 * PER_CLIENT + (MAX_ROUNDS / 4 + 2) * 3 * BIG + 200))
pn --home "$H" funder order 1 "$((npasses * 1000))" --ref BC-2 >/dev/null || fail "funder order"
mkdir -p "$WORK/passes"
pn --home "$H" batch issue --campaign 1 --count "$npasses" --out "$WORK/passes" --format csv >/dev/null ||
	fail "batch issue"
PASSES=$(ls "$WORK"/passes/batch-*.csv)
NEXT=1 # the next unused pass
: >"$WORK/acked"

# daemon NAME VAR=VALUE...: passnumd with the VFS (and these variables), its
# report in $WORK/NAME.report.
daemon() {
	local name=$1
	shift
	: >"$WORK/$name.report"
	start_daemon_env LD_PRELOAD="$PASSNUM_POWERCUT_LIB" PASSNUM_POWERCUT_REPORT="$WORK/$name.report" "$@"
}

# clients NAME COUNT PER [sequential]: COUNT clients of PER fresh passes
# each (at once, or one after the other); logs $WORK/NAME.c?.log.
clients() {
	local name=$1 count=$2 per=$3 c
	for c in $(seq "$count"); do
		tokens "$PASSES" "$NEXT" "$per" | client_config "$T_PLACE" "$name-c$c" >"$WORK/$name.c$c.conf"
		NEXT=$((NEXT + per))
		: >"$WORK/$name.c$c.log"
		run_client "$WORK/$name.c$c.conf" "$WORK/$name.c$c.log"
		[ -z "${4:-}" ] || wait_clients
	done
	wait_clients
}

# stop: SIGTERM (unless the VFS already cut the power), then waits.
stop() {
	kill "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}

# keep NAME: the round's 201s join the acknowledged ones.
keep() {
	acknowledged "$WORK/$1".c*.log >>"$WORK/acked"
	LC_ALL=C sort -o "$WORK/acked" "$WORK/acked"
}

# 1. The calibration (every operation traced): how many writes, truncates
# and syncs a round makes, and where a big round's checkpoint is.
daemon calib PASSNUM_POWERCUT_TRACE=1 || { finish; exit 1; }
clients calib 3 "$PER_CLIENT"
stop
OPS=$(sed -n 's/^ops \([0-9]*\) syncs [0-9]*$/\1/p' "$WORK/calib.report")
SYNCS=$(sed -n 's/^ops [0-9]* syncs \([0-9]*\)$/\1/p' "$WORK/calib.report")
[ -n "$OPS" ] && [ "$OPS" -gt 10 ] && ok || fail "calibration: no operation counted: $(tail -1 "$WORK/calib.report")"
keep calib
equals "$(wc -l <"$WORK/acked")" $((3 * PER_CLIENT)) "201s of the calibration round"
check_home "$WORK/acked" "calibration" || { finish; exit 1; }
daemon calibbig PASSNUM_POWERCUT_TRACE=1 || { finish; exit 1; }
clients calibbig 3 "$BIG"
stop
CP_FIRST=$(grep -m1 "^op [0-9]* [a-z]* $H/passnum.db$" "$WORK/calibbig.report" | cut -d' ' -f2)
CP_LAST=$(grep "^op [0-9]* [a-z]* $H/passnum.db$" "$WORK/calibbig.report" | tail -1 | cut -d' ' -f2)
[ -n "$CP_FIRST" ] && ok || fail "calibration: a big round has no checkpoint (no write to the database file)"
keep calibbig
check_home "$WORK/acked" "calibration (big round)" || { finish; exit 1; }
echo "a round makes $OPS writes, truncates and syncs ($SYNCS syncs); a big round checkpoints in ops $CP_FIRST-$CP_LAST"

# 2. The self-test of the shim (the check can fail, the VFS drops writes).
# lying MODE NAME [trigger-on-db-sync]: a run whose cut comes at a known
# point: after 12 acknowledged redemptions (the trigger file made then, the
# next write cuts), or at the first sync of the database file (a checkpoint
# that wrote into it; the trigger made before).
selftest() {
	local mode=$1 name=$2 want
	rm -f "$WORK/trigger"
	cp "$H/passnum.db" "$WORK/before.db"
	[ ! -e "$H/passnum.db-wal" ] && ok || fail "self-test $name: a WAL before the run"
	if [ -n "${3:-}" ]; then
		touch "$WORK/trigger"
		daemon "$name" PASSNUM_POWERCUT_MODE="$mode" PASSNUM_POWERCUT_TRIGGER="$WORK/trigger" \
			PASSNUM_POWERCUT_TRIGGER_DB_SYNC=1 || return 1
		clients "$name" 1 150
		grep -q "^cut op [0-9]* sync $H/passnum.db dropped-writes [1-9]" "$WORK/$name.report" && ok ||
			fail "self-test $name: not cut at the database file's sync: $(cat "$WORK/$name.report")"
	else
		daemon "$name" PASSNUM_POWERCUT_MODE="$mode" PASSNUM_POWERCUT_TRIGGER="$WORK/trigger" || return 1
		clients "$name" 3 4 sequential
		equals "$(cat "$WORK/$name".c?.log | grep -c ' 201$')" 12 "self-test $name: 201s before the cut"
		touch "$WORK/trigger"
		clients "$name-last" 1 1
		equals "$(grep -c ' 201$' "$WORK/$name-last.c1.log")" 0 "self-test $name: a 201 for the request cut"
		[ "$mode" = honest ] && want='^cut ' || want='^cut .* dropped-writes [1-9]'
		grep -q "$want" "$WORK/$name.report" && ok ||
			fail "self-test $name: no cut, or nothing dropped: $(cat "$WORK/$name.report")"
	fi
	stop
	rm -f "$WORK/trigger"
	acknowledged "$WORK/$name".c?.log >"$WORK/$name.acked"
	[ "$(wc -l <"$WORK/$name.acked")" -gt 0 ] && ok || fail "self-test $name: no 201 before the cut"
}
for name in lying lying-checkpoint; do
	selftest lying "$name" ${name#lying} || { finish; exit 1; }
	# Before any open: the database file byte for byte as before, no WAL.
	cmp -s "$WORK/before.db" "$H/passnum.db" && ok ||
		fail "self-test $name: the database file differs from before the run (writes not dropped)"
	[ ! -e "$H/passnum.db-wal" ] && ok || fail "self-test $name: the WAL of the run is still there"
	stored >"$WORK/stored"
	equals "$(comm -12 "$WORK/$name.acked" "$WORK/stored" | wc -l)" 0 \
		"self-test $name: acknowledged redemptions left after the cut (a lying disk loses them all)"
	check_home "$WORK/acked" "self-test $name (the earlier rounds)" || { finish; exit 1; }
done
selftest honest honest || { finish; exit 1; }
cat "$WORK/honest.acked" >>"$WORK/acked"
LC_ALL=C sort -o "$WORK/acked" "$WORK/acked"
check_home "$WORK/acked" "self-test honest" || { finish; exit 1; }

# 3. The campaign: CUTS rounds, each cut at a random operation in 1..OPS or
# at a random sync in 1..SYNCS (a commit's writes all made, none durable); one
# round in four is a big one, cut at a random operation around the
# calibration's checkpoint or at the checkpoint's sync of the database file
# (PASSNUM_POWERCUT_TRIGGER_DB_SYNC only narrows the trigger). A round that makes fewer operations than its cut
# point ends cleanly, is checked too, and does not count.
cuts=0
clean=0
dropped=0
rounds=0
where=""
while [ "$cuts" -lt "$CUTS" ] && [ "$rounds" -lt "$MAX_ROUNDS" ]; do
	rounds=$((rounds + 1))
	r=$(((RANDOM * 32768 + RANDOM)))
	per=$PER_CLIENT
	case $((RANDOM % 4)) in
	0) at=$((r % OPS + 1)) var=PASSNUM_POWERCUT_AT ;;
	1) at=$((r % SYNCS + 1)) var=PASSNUM_POWERCUT_AT_SYNC ;;
	2) at=$((r % (OPS / 2) + 1)) var=PASSNUM_POWERCUT_AT ;;
	3) at=$((CP_FIRST - 20 + r % (CP_LAST - CP_FIRST + 40))) var=PASSNUM_POWERCUT_AT per=$BIG
		# Half of them at the checkpoint's sync of the database file.
		[ $((r % 2)) -eq 0 ] && at=$WORK/dbsync var=PASSNUM_POWERCUT_TRIGGER ;;
	esac
	[ "$var" != PASSNUM_POWERCUT_TRIGGER ] || touch "$at"
	daemon "r$rounds" "$var=$at" PASSNUM_POWERCUT_TRIGGER_DB_SYNC=1 || break
	clients "r$rounds" 3 "$per"
	stop
	report=$(cat "$WORK/r$rounds.report")
	case "$report" in
	cut*RESTORE-FAILED*) fail "round $rounds ($var=$at): the VFS could not restore: $report" ;;
	cut*)
		cuts=$((cuts + 1))
		# "sync wal", "write db", ...
		where="$where $(echo "$report" | cut -d' ' -f4)-$(echo "$report" | cut -d' ' -f5 |
			sed 's/.*passnum\.db$/db/; s/.*-wal$/wal/; s/.*passnum\.db-.*/other/')"
		echo "$report" | grep 'dropped-writes [1-9]' >/dev/null && dropped=$((dropped + 1))
		;;
	ops*) clean=$((clean + 1)) ;;
	*) fail "round $rounds ($var=$at): no report from the VFS: $report" ;;
	esac
	keep "r$rounds"
	check_home "$WORK/acked" "round $rounds (seed $SEED, $var=$at: $report)" || break
	rm -f "$WORK"/r"$rounds".*
	[ $((rounds % 50)) -ne 0 ] || echo "progress ($(date -u +%T)): $cuts cuts in $rounds rounds," \
		"$(wc -l <"$WORK/acked") acknowledged redemptions, $failures failed checks"
done
equals "$cuts" "$CUTS" "power cuts made"
[ "$dropped" -gt 0 ] && ok || fail "no cut dropped an unsynced write"
echo "power cut: $cuts cuts in $rounds rounds ($clean ended before their cut point), seed $SEED;" \
	"$dropped cuts dropped unsynced writes; cut on:" \
	"$(echo "$where" | tr ' ' '\n' | grep . | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')" \
	"$(wc -l <"$WORK/acked") acknowledged redemptions, all present, ledger verified after each cut"
finish
