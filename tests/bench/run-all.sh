#!/usr/bin/env bash
# Builds a release build (build/bench) and runs every benchmark with the
# sizes the issues ask for; prints everything. Takes about 15 minutes on the
# 2-core development machine. docs/benchmarks.md records the results.
#   tests/bench/run-all.sh [quick]     quick: smaller sizes, a smoke run
set -euo pipefail
cd "$(dirname "$0")/../.."
quick=${1:-}
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/bench -j"$(nproc)" >/dev/null
b=build/bench/tests
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { echo; echo "\$ $*"; "$@"; }
if [ "$quick" = quick ]; then
	run $b/bench_token 0.1
	run $b/bench_qr 200
	run $b/bench_print 500
	run $b/bench_issue 20000
	run $b/bench_ledger 20000
	run $b/bench_redeem --passnum build/bench/passnum --passnumd build/bench/passnumd --passes 3000 --seconds 1
	exit 0
fi
run $b/bench_token
run $b/bench_qr 2000
run $b/bench_merkle
run $b/bench_print 10000
run $b/bench_issue 1000000
run $b/bench_ledger 1000000
run $b/bench_redeem --passnum build/bench/passnum --passnumd build/bench/passnumd --passes 60000 --seconds 3 --ledger-entries 1000000
