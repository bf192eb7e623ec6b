#!/usr/bin/env bash
# passnumd under load: `batch issue` of 100,000 passes from the CLI while
# clients redeem (no redemption fails for it; the ledger verifies), then
# kill -9 during load and a restart: every 201 received is in the ledger and
# `passnum ledger verify` passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

setup_home
pn --home "$H" funder order 1 2000000 --ref BC-2 >/dev/null || fail "funder order"
pn --home "$H" batch issue --campaign 1 --count 600 --out "$WORK/out" --format csv >/dev/null ||
	fail "batch issue"
CSV2=$(ls "$WORK"/out/batch-*.csv | tail -1)
start_daemon || { finish; exit 1; }

# client NAME FIRST LAST: redeems passes FIRST..LAST of the second batch one
# by one (one curl each), writing "status body" lines to $WORK/NAME.log.
client() {
	local name=$1 first=$2 last=$3 i tok
	for i in $(seq "$first" "$last"); do
		tok=$(sed -n "$((i + 1))p" "$CSV2" | cut -d, -f3)
		curl -s -H "Authorization: Bearer $T_PLACE" -H 'Content-Type: application/json' \
			--data-binary "$(redeem_body atelier "$name-$i" "$tok")" -w ' %{http_code}\n' \
			"$URL/v1/redemptions" >> "$WORK/$name.log" 2>/dev/null
	done
}

# 1. Four clients redeem while the CLI issues 100,000 passes.
pids=()
for c in 0 1 2 3; do
	client "c$c" $((c * 100 + 1)) $((c * 100 + 100)) &
	pids+=($!)
done
mkdir -p "$WORK/big"
expect 0 pn --home "$H" batch issue --campaign 1 --count 100000 --out "$WORK/big" --format csv
wait "${pids[@]}"
equals "$(cat "$WORK"/c?.log | grep -c ' 201$')" 400 "redemptions during the batch"
grep -v ' 201$' "$WORK"/c?.log | head -3 >&2
equals "$(sqlite3 "$H/passnum.db" "SELECT COUNT(*) FROM vouchers WHERE status = 'issued' AND batch_id = 3")" \
	100000 "passes of the big batch"
expect 0 pn --home "$H" ledger verify

# 2. kill -9 during load, then restart: every 201 received is in the ledger.
pids=()
for c in 4 5; do
	client "k$c" $(((c - 4) * 100 + 401)) $(((c - 4) * 100 + 500)) &
	pids+=($!)
done
sleep 1.5
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
wait "${pids[@]}"
got=$(cat "$WORK"/k?.log | grep -c ' 201$')
[ "$got" -gt 0 ] && ok || fail "no 201 before kill -9"
start_daemon || { finish; exit 1; }
missing=0
while read -r line; do
	resp=${line% 201}
	id=$(echo "$resp" | jq -r .id)
	seq=$(echo "$resp" | jq -r .receipt.entry.seq)
	hash=$(echo "$resp" | jq -r .receipt.entry.entry_hash)
	row=$(sqlite3 "$H/passnum.db" "SELECT r.entry_seq || ' ' || lower(hex(e.leaf_hash)) FROM redemptions r
		JOIN entries e ON e.seq = r.entry_seq WHERE r.id = $id")
	[ "$row" = "$seq $hash" ] || missing=$((missing + 1))
done < <(cat "$WORK"/k?.log | grep ' 201$')
equals "$missing" 0 "201s missing from the ledger after kill -9 (of $got)"
expect 0 pn --home "$H" ledger verify
# The daemon serves again after the restart.
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier after-restart "$(sed -n 600p "$CSV2" | cut -d, -f3)")"
expect_http 201
stop_daemon
finish
