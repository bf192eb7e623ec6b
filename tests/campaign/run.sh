#!/usr/bin/env bash
# The campaigns with large counts, on demand (the test command runs them
# with small ones, ctest label campaign):
#   tests/campaign/run.sh [BUILD_DIR] [powercut|kill|race ...]
# BUILD_DIR: a test build (-DPASSNUM_TEST_BUILD=ON), default build/test.
# Counts (override in the environment): PASSNUM_CAMPAIGN_CUTS=1000 power
# cuts, PASSNUM_CAMPAIGN_KILLS=20 kill -9 rounds, PASSNUM_CAMPAIGN_RACE_PASSES=1000
# passes raced by 20 clients; PASSNUM_CAMPAIGN_SEED to replay a run. Runs
# nice'd; prints each campaign's summary line and its checks.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build=$source_dir/build/test
if [ $# -gt 0 ] && [ -d "$1" ]; then
	build=$(cd "$1" && pwd)
	shift
fi
campaigns=("$@")
[ ${#campaigns[@]} -gt 0 ] || campaigns=(kill race powercut)
export PASSNUM_SOURCE_DIR=$source_dir PASSNUM_BINARY_DIR=$build
export PASSNUM_BIN=$build/passnum PASSNUMD_BIN=$build/passnumd
export PASSNUM_POWERCUT_LIB=$build/tests/libpowercut.so
export PASSNUM_CAMPAIGN_CUTS=${PASSNUM_CAMPAIGN_CUTS:-1000}
export PASSNUM_CAMPAIGN_KILLS=${PASSNUM_CAMPAIGN_KILLS:-20}
export PASSNUM_CAMPAIGN_RACE_PASSES=${PASSNUM_CAMPAIGN_RACE_PASSES:-1000}
for f in "$PASSNUM_BIN" "$PASSNUMD_BIN" "$PASSNUM_POWERCUT_LIB"; do
	[ -e "$f" ] || { echo "run.sh: $f is missing (a test build: cmake -DPASSNUM_TEST_BUILD=ON)" >&2; exit 2; }
done
status=0
for c in "${campaigns[@]}"; do
	[ -f "$here/$c.sh" ] || { echo "run.sh: no campaign $c (powercut, kill, race)" >&2; exit 2; }
	echo "== $c ($(date -u +%FT%TZ)) =="
	start=$(date +%s)
	nice bash "$here/$c.sh" || status=1
	echo "== $c: $(( $(date +%s) - start )) s, exit status $status so far =="
done
exit $status
