#!/usr/bin/env bash
# The one benchmark command. Runs every benchmark, then counts instructions
# per operation with callgrind (repeatable on a loaded machine), and prints
# one table: each figure beside its baseline from the same run, its goal,
# and its instruction count beside the stored count of the previous full
# run (tests/bench/callgrind-baseline.txt, committed with it).
#   tests/bench/run-all.sh            Release build in build/bench, the sizes
#                                     the issues ask for (about 15 minutes);
#                                     rewrites the summary table of
#                                     docs/benchmarks.md and the stored counts
#   tests/bench/run-all.sh quick [BUILD]   smaller sizes, a smoke run (ctest
#                                     label bench); BUILD, an existing build
#                                     directory, is used as is (no build);
#                                     rewrites nothing
#   tests/bench/run-all.sh ir [BUILD]      the instruction counts alone
#   tests/bench/run-all.sh ir-save [BUILD] the same, then stores them
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-full}
build=${2:-}
if [ -z "$build" ]; then
	build=build/bench
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$build" -j"$(nproc)" >/dev/null
fi
b=$build/tests
work=$(mktemp -d /tmp/passnum-run-all.XXXXXX)
trap 'rm -rf "$work"' EXIT
log=$work/log
stored=tests/bench/callgrind-baseline.txt
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load: $load0, build $build_type"
run() { echo; echo "\$ $*"; "$@" | tee -a "$log"; }

if [ "$mode" = quick ]; then
	run $b/bench_token 0.05
	run $b/bench_qr 100
	run $b/bench_print 200
	run $b/bench_issue 5000
	run $b/bench_ledger 5000 2000
	run $b/bench_takeover --passnum "$build/passnum" 2000 2000
	run $b/bench_bank 300 1000 20000
	run $b/bench_report --passnum "$build/passnum" 20000 300
elif [ "$mode" = ir ] || [ "$mode" = ir-save ]; then
	: >"$log"
elif [ "$mode" = full ]; then
	run $b/bench_token
	run $b/bench_qr 2000
	run $b/bench_merkle
	run $b/bench_print 10000
	run $b/bench_issue 1000000
	run $b/bench_ledger 1000000
	run $b/bench_takeover --passnum "$build/passnum" 1000000 1000000
	run $b/bench_bank 3000 10000 1000000
	run $b/bench_report --passnum "$build/passnum" 1000000 3000
	run $b/bench_redeem --passnum "$build/passnum" --passnumd "$build/passnumd" \
	    --passes 60000 --seconds 3 --ledger-entries 1000000
else
	echo "usage: tests/bench/run-all.sh [quick [BUILD_DIR]]" >&2
	exit 2
fi
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# Instructions per operation: the same fixed sizes in both modes, so that
# quick runs compare with the stored counts too. Only bench_measured (and
# what it calls) is counted; setup runs natively.
echo
echo "# callgrind: instructions per operation (bench_ledger ir-*)"
cg() {
	valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bench_measured \
	    --callgrind-out-file=/dev/null "$@" 2>&1 | sed -n 's/.*Collected : //p'
}
$b/bench_ledger prepare "$work/home" 4000
ir_verify=$(( $(cg $b/bench_ledger ir-verify "$work/home") / 4000 ))
ir_append=$(( $(cg $b/bench_ledger ir-append "$work/home") / 1000 ))
ir_rows=$(( $(cg $b/bench_ledger ir-rows "$work") / 1000 ))
ir_hash=$(( $(cg $b/bench_ledger ir-hash 4000) / 4000 ))
# A redemption without HTTP: the worker's part and the writer's part
# (bench_redeem_ir; 1,000 one-pass redemptions, batches of 64).
cg_redeem() {
	valgrind --tool=callgrind --collect-atstart=no --toggle-collect="bench_measured_$1" \
	    --callgrind-out-file=/dev/null $b/bench_redeem_ir "$build/passnum" "$work/rir" 1000 "$1" 2>&1 |
	    sed -n 's/.*Collected : //p'
}
ir_worker=$(( $(cg_redeem worker) / 1000 ))
ir_writer=$(( $(cg_redeem writer) / 1000 ))
printf '%s %s\n' append-batch "$ir_append" rows "$ir_rows" verify "$ir_verify" \
    hash "$ir_hash" redeem-worker "$ir_worker" redeem-writer "$ir_writer" >"$work/ir"

# "N Ir (+x % vs stored)" for key, when the stored counts come from the same
# build type; the stored file's first line is "# build TYPE".
ir_cell() {
	local now old
	now=$(awk -v k="$1" '$1 == k { print $2 }' "$work/ir")
	old=$(awk -v k="$1" '$1 == k { print $2 }' "$stored" 2>/dev/null || true)
	if [ -n "$old" ] && head -1 "$stored" | grep -x "# build $build_type" >/dev/null; then
		awk -v n="$now" -v o="$old" 'BEGIN { printf "%d Ir (%+.1f %% vs stored %d)", n, 100 * (n - o) / o, o }'
	else
		printf '%d Ir' "$now"
	fi
}

for key in append-batch rows verify hash redeem-worker redeem-writer; do
	echo "$key: $(ir_cell $key)"
done

# One row per figure: what | measured | Ir per op | baseline | goal | met.
table() {
	local t s v r ratio
	echo "| what | measured | instructions per op (callgrind) | baseline in the same run | goal | met |"
	echo "|---|---|---|---|---|---|"
	# bench_token
	t=$(awk '/^token_sign /{print $2}' "$log"); s=$(awk '/^raw crypto_sign_detached \(47 B\) /{print $5}' "$log")
	if [ -n "$t" ]; then
		ratio=$(awk -v a="$t" -v b="$s" 'BEGIN { printf "%.0f", 100 * a / b }')
		echo "| token sign | $t /s | — | raw \`crypto_sign_detached\` $s /s ($ratio %) | ≥ 90 % of raw | $([ "$ratio" -ge 90 ] && echo yes || echo '**no**') |"
		v=$(awk '/^token_decode \+ token_verify /{print $4}' "$log"); r=$(awk '/^raw crypto_sign_verify_detached /{print $5}' "$log")
		ratio=$(awk -v a="$v" -v b="$r" 'BEGIN { printf "%.0f", 100 * a / b }')
		echo "| token decode + verify | $v /s | — | raw \`crypto_sign_verify_detached\` $r /s ($ratio %) | ≥ 90 % of raw | $([ "$ratio" -ge 90 ] && echo yes || echo '**no**') |"
	fi
	# bench_qr, bench_print, bench_issue
	awk -F': ' '/^qr encode \+ PNG/{p=$2} /^qr encode \(/{e=$2}
	    END { if (p != "") printf "| QR encode + PNG | %s (encode alone %s) | — | — | reported | — |\n", p, e }' "$log"
	awk '/^print: .* vouchers \(/{n=$2; s=$(NF-3)} /bytes per voucher/{bpv=$(NF-3)}
	    END { if (n != "") printf "| PDF booklets, %s passes | %s s, %s bytes per pass | — | — | ≤ 30 s, ≤ 4 KiB | %s |\n",
	        n, s, bpv, (s <= 30 && bpv <= 4096) ? "yes" : "**no**" }' "$log"
	awk '/^batch issue/{n=$4; s=$(NF-4); r=$(NF-1)} /^raw crypto_sign_detached \(47 B, one core\)/{raw=$7}
	    /^ratio to raw signing/{ratio=$5+0} /^peak RSS:/{rss=$3}
	    END { if (n != "") printf "| issue %s passes with CSV | %s s, %s /s, peak RSS %.0f MiB | — | raw single-core signing %s /s (%d %%) | ≤ 60 s, ≥ 50 %% | %s |\n",
	        n, s, r, rss / 1024, raw, ratio, (s <= 60 && ratio >= 50) ? "yes" : "**no**" }' "$log"
	# bench_ledger's RESULT lines
	awk -F'\t' '$1 == "RESULT" { print $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6 "\t" $7 }' "$log" |
	while IFS=$'\t' read -r key what measured base goal met; do
		case "$key" in
		append-batch) r="$(ir_cell append-batch) per entry; raw rows $(ir_cell rows)" ;;
		verify) r="$(ir_cell verify) per entry; SHA-256 of leaf + nodes $(ir_cell hash)" ;;
		*) r="—" ;;
		esac
		echo "| $what | $measured | $r | $base | $goal | $met |"
	done
	export IR_WORKER="$(ir_cell redeem-worker)" IR_WRITER="$(ir_cell redeem-writer)"
	# bench_redeem, 32 clients
	awk '$2 == "clients=32" { for (i = 1; i <= NF; i++) if ($i == "req/s") rps[$1] = $(i-1);
	        if ($1 == "passnumd") for (i = 1; i < NF; i++) { if ($i == "p50") p50 = $(i+1); if ($i == "p99") p99 = $(i+1) } }
	    /passnumd peak RSS/ { rss = $5 }
	    BEGIN { worker = ENVIRON["IR_WORKER"]; writer = ENVIRON["IR_WRITER"] }
	    END { if (rps["passnumd"] != "") {
	        ratio = 100 * rps["passnumd"] / rps["verify"]
	        printf "| redemptions over HTTP keep-alive, 32 clients, each after its durable commit | %s /s, p50 %s ms, p99 %s ms | worker %s; writer %s | bare server %s /s; verifying server %s /s (%.0f %%) | ≥ 40 %% of verifying, p99 ≤ 10 ms | %s |\n",
	            rps["passnumd"], p50, p99, worker, writer, rps["bare"], rps["verify"], ratio,
	            (ratio >= 40 && p99 <= 10) ? "yes" : "**no**"
	        printf "| passnumd peak RSS, 1,000,000-entry ledger | %.0f MiB | — | — | ≤ 64 MiB | %s |\n",
	            rss / 1024, rss <= 65536 ? "yes" : "**no**" } }' "$log"
}

echo
echo "# summary ($mode run; load $load0 at start, $load1 after the throughput benchmarks)"
table | tee "$work/table"

if [ "$mode" = full ] || [ "$mode" = ir-save ]; then
	{ echo "# build $build_type"; cat "$work/ir"; } >"$stored"
	echo "# stored the counts in $stored"
fi
if [ "$mode" = quick ] && [ "$(grep -c '^| ' "$work/table")" -lt 9 ]; then
	echo "run-all.sh: the summary table lacks rows" >&2
	exit 1
fi
if [ "$mode" = full ]; then
	heading="## Summary ($(date -u +%Y-%m-%d), \`tests/bench/run-all.sh\`, load $load0 at start, $load1 at the end of the throughput runs)"
	awk -v heading="$heading" -v table="$work/table" '
	    /^<!-- summary:begin -->$/ { print; print ""; print heading; print "";
	        while ((getline line < table) > 0) print line; skip = 1; next }
	    /^<!-- summary:end -->$/ { print ""; skip = 0 }
	    !skip { print }' docs/benchmarks.md >"$work/md"
	cp "$work/md" docs/benchmarks.md
	echo "# rewrote the summary of docs/benchmarks.md"
fi
