#!/usr/bin/env bash
# On demand, not in CI: runs the test build's whole suite N times in a row
# (default 20) and stops at the first failure, so that a flaky test is
# found before CI finds it. Usage: tests/repeat.sh [N] [BUILD-DIR]
set -uo pipefail
runs=${1:-20}
build=${2:-build/test}
cd "$(dirname "$0")/.." || exit 1
[ -f "$build/CTestTestfile.cmake" ] || { echo "repeat.sh: no test build in $build (run scripts/check.sh first)" >&2; exit 2; }
for i in $(seq "$runs"); do
	if ! (cd "$build" && ctest -j"$(nproc)" --output-on-failure >"/tmp/passnum-repeat-$i.log" 2>&1); then
		echo "run $i of $runs failed: /tmp/passnum-repeat-$i.log"
		grep -E '^\s*[0-9]+ - ' "/tmp/passnum-repeat-$i.log"
		exit 1
	fi
	echo "run $i of $runs: $(grep -E 'tests passed' "/tmp/passnum-repeat-$i.log")"
	rm -f "/tmp/passnum-repeat-$i.log"
done
echo "$runs runs, no failure"
