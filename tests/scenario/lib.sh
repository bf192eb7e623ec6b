# Shared helpers for scenario tests: sourced by tests/scenario/test_*.sh.
# They run the real passnum (and passnumd) binaries on temporary homes.
set -uo pipefail
: "${PASSNUM_BIN:?run through ctest (PASSNUM_BIN is not set)}"
WORK=$(mktemp -d /tmp/passnum-test.XXXXXX)
trap 'scenario_cleanup' EXIT
checks=0
failures=0

scenario_cleanup() {
	if [ -n "${DAEMON_PID:-}" ]; then kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; fi
	if [ "$failures" -eq 0 ]; then rm -rf "$WORK"; else echo "left $WORK for inspection" >&2; fi
}

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

ok() {
	checks=$((checks + 1))
}

pn() {
	"$PASSNUM_BIN" "$@"
}

# The tests read the home with the sqlite3 shell, which has no busy timeout:
# a read that meets a lock (a process checkpointing and removing the WAL as
# it closes) would fail at once. Wait for it as passnum does.
sqlite3() {
	command sqlite3 -cmd ".timeout 5000" "$@"
}

# expect STATUS CMD...: runs CMD, captures stdout in $out and stderr in $err,
# and checks its exit status.
expect() {
	local want=$1; shift
	out=$("$@" 2>"$WORK/stderr"); local got=$?
	err=$(cat "$WORK/stderr")
	if [ "$got" -ne "$want" ]; then
		fail "exit $got (wanted $want): $* -- stderr: $err"
	else
		ok
	fi
}

# contains HAYSTACK NEEDLE [WHAT]
contains() {
	case "$1" in
		*"$2"*) ok ;;
		*) fail "${3:-output} does not contain \"$2\": $1" ;;
	esac
}

# equals GOT WANT [WHAT]
equals() {
	if [ "$1" = "$2" ]; then ok; else fail "${3:-value}: got \"$1\", wanted \"$2\""; fi
}

# one_line TEXT: a refusal is exactly one line on stderr.
one_line() {
	if [ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; then ok; else fail "not one line: $1"; fi
}

# db_dump HOME: a canonical dump of a home's database, to compare before/after.
db_dump() {
	sqlite3 "$1/passnum.db" .dump
}

finish() {
	echo "$checks passed, $failures failed"
	[ "$failures" -eq 0 ]
}
