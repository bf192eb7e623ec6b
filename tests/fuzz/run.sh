#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [TARGET...]: a fuzzing campaign. Builds the
# libFuzzer targets with clang (-DPASSNUM_FUZZ=ON: ASan+UBSan, in
# $PASSNUM_FUZZ_BUILD, default build-fuzz beside the sources), then runs each
# target (default: every tests/fuzz/fuzz_*.c) for SECONDS seconds on a copy
# of its committed corpus, one job at a time. Prints one line per target:
# executions, executions per second, corpus size at the end, findings
# (crash-, leak-, timeout-, oom- files, kept in $PASSNUM_FUZZ_OUT/<target>/).
# Exit status 1 when any target found something. New corpus entries are
# not committed for you: see the work directory printed at the end.
# PASSNUM_FUZZ_RUNS=N stops each target after N executions instead (SECONDS
# then bounds it): `PASSNUM_FUZZ_RUNS=10000000 tests/fuzz/run.sh 7200` is the
# campaign docs/security.md records.
# Needs `scripts/deps.sh fuzz` (clang, libclang-rt-14-dev).
set -uo pipefail
seconds=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${PASSNUM_FUZZ_BUILD:-$src/build-fuzz}
out=${PASSNUM_FUZZ_OUT:-$(mktemp -d /tmp/passnum-fuzz.XXXXXX)}
mkdir -p "$out" || exit 2

CC=clang cmake -S "$src" -B "$build" -DPASSNUM_FUZZ=ON -DPASSNUM_TEST_BUILD=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$src"/tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
cmake --build "$build" -j"${PASSNUM_FUZZ_JOBS:-2}" --target "${targets[@]}" >"$out/build.log" 2>&1 ||
	{ tail -20 "$out/build.log" >&2; exit 2; }

total_findings=0
printf '%-22s %14s %10s %8s %9s\n' target executions exec/s corpus findings
for t in "${targets[@]}"; do
	work=$out/$t
	mkdir -p "$work/corpus" "$work/artifacts"
	cp "$src/tests/fuzz/corpus/$t/"* "$work/corpus/" 2>/dev/null
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	LSAN_OPTIONS=suppressions=$src/tests/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$build/tests/$t" -max_total_time="$seconds" ${PASSNUM_FUZZ_RUNS:+-runs="$PASSNUM_FUZZ_RUNS"} -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" "$work/corpus" \
		>"$work/log" 2>&1
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' | tail -1)
	rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$work/log" | grep -o '[0-9]*$' | tail -1)
	findings=$(find "$work/artifacts" -type f | wc -l)
	total_findings=$((total_findings + findings))
	printf '%-22s %14s %10s %8s %9s\n' "$t" "${execs:-?}" "${rate:-?}" \
		"$(find "$work/corpus" -type f | wc -l)" "$findings"
	for a in "$work"/artifacts/*; do [ -f "$a" ] && echo "    finding: $a (log: $work/log)"; done
done
echo "work directory: $out"
[ "$total_findings" -eq 0 ]
