#!/usr/bin/env bash
# A batch killed (kill -9) while staging: no issued voucher, no ledger entry,
# no file in --out; the next batch sweeps the pending rows and works.
. "$(dirname "$0")/lib.sh"

export PASSNUM_NOW=2027-03-12T10:00:00Z
H=$WORK/home
export PASSNUM_HOME=$H
sql() { sqlite3 "$H/passnum.db" "$1"; }

expect 0 pn init --operator "Opérateur de test" --siren 123456782 --origin test.example/ledger
expect 0 pn funder add "Financeur" --public-name "Département de test"
F=$out
expect 0 pn funder order "$F" 10000000 --ref BC-1
expect 0 pn campaign create --funder "$F" --name "Large" --value 1.00 --last-day 2027-12-31
C=$out
entries=$(sql "SELECT COUNT(*) FROM entries")
OUT=$WORK/out
mkdir "$OUT"

# Start a large batch, wait until pending rows exist, then kill it.
"$PASSNUM_BIN" batch issue --campaign "$C" --count 3000000 --out "$OUT" --format csv \
    >/dev/null 2>"$WORK/batch.err" &
pid=$!
pending=0
for _ in $(seq 1 600); do
	pending=$(sql "SELECT COUNT(*) FROM vouchers WHERE status = 'pending'" 2>/dev/null || echo 0)
	[ "${pending:-0}" -gt 0 ] && break
	sleep 0.05
done
kill -0 "$pid" 2>/dev/null || fail "the batch ended before the kill: $(cat "$WORK/batch.err")"
kill -9 "$pid"
wait "$pid" 2>/dev/null
[ "${pending:-0}" -gt 0 ] && ok || fail "no pending rows seen before the kill"
pending=$(sql "SELECT COUNT(*) FROM vouchers WHERE status = 'pending'")
[ "$pending" -gt 0 ] && [ "$pending" -lt 3000000 ] && ok || fail "pending rows after kill: $pending"
equals "$(sql "SELECT COUNT(*) FROM vouchers WHERE status <> 'pending'")" 0 "non-pending vouchers"
equals "$(sql "SELECT status FROM batches")" pending "batch status after kill"
equals "$(sql "SELECT COUNT(*) FROM entries")" "$entries" "ledger entries after kill"
equals "$(sql "SELECT balance FROM accounts WHERE code = 'campaign:$C:outstanding'")" 0 "outstanding"
equals "$(ls -A "$OUT" | wc -l)" 0 "files in --out after kill"

# A pending pass is not a pass: show says pending, revocation finds nothing.
serial=$(sql "SELECT hex(serial) FROM vouchers LIMIT 1")
token=$(sql "SELECT hex(token) FROM vouchers LIMIT 1")
expect 1 pn voucher revoke --batch 1
contains "$err" "not issued"

# The killed batch's temporary folder, beside --out.
tmp=$(ls -d "$WORK"/.passnum-issue-* 2>/dev/null)
[ -d "$tmp" ] && ok || fail "no temporary folder beside --out: $tmp"

# The next batch sweeps the killed one, names and removes its temporary
# folder, and works.
expect 0 pn --json batch issue --campaign "$C" --count 25 --booklet 5 --out "$OUT" --format csv
contains "$out" '"id":2'
contains "$out" "\"swept\":$pending"
contains "$out" "\"sweep\":{\"batch_id\":1,\"status\":\"abandoned\",\"removed_passes\":$pending,\"temporary_dir\":\"$tmp\",\"temporary_dir_removed\":true}"
[ ! -e "$tmp" ] && ok || fail "the swept batch's temporary folder is still there"
equals "$(sql "SELECT COUNT(*) FROM vouchers WHERE status = 'pending'")" 0 "pending after the sweep"
equals "$(sql "SELECT id, status FROM batches ORDER BY id" | tr '\n' ' ')" "1|abandoned 2|active " \
    "batches after the sweep"
equals "$(sql "SELECT COUNT(*) FROM booklets WHERE batch_id = 1")" 0 "booklets of the killed batch"
equals "$(sql "SELECT COUNT(*) FROM vouchers WHERE status = 'issued'")" 25 "issued vouchers"
equals "$(sql "SELECT COUNT(*) FROM vouchers WHERE hex(serial) = '$serial'")" 0 "killed serial gone"
equals "$(ls "$OUT")" "batch-000002.csv" "files in --out"
equals "$(sql "SELECT MIN(id) FROM booklets")" \
    "$(tail -n +2 "$OUT/batch-000002.csv" | cut -d, -f7 | sort -n | head -1)" "first booklet"
equals "$(sql "SELECT balance FROM accounts WHERE code = 'campaign:$C:outstanding'")" -2500 \
    "outstanding after the second batch"
[ -n "$token" ] && ok || fail "no token read"

# Killed again: the sweep is reported in text too, folder named.
"$PASSNUM_BIN" batch issue --campaign "$C" --count 3000000 --out "$OUT" --format csv \
    >/dev/null 2>"$WORK/batch.err" &
pid=$!
for _ in $(seq 1 600); do
	pending=$(sql "SELECT COUNT(*) FROM vouchers WHERE status = 'pending'" 2>/dev/null || echo 0)
	[ "${pending:-0}" -gt 0 ] && break
	sleep 0.05
done
kill -0 "$pid" 2>/dev/null || fail "the batch ended before the kill: $(cat "$WORK/batch.err")"
kill -9 "$pid"
wait "$pid" 2>/dev/null
pending=$(sql "SELECT COUNT(*) FROM vouchers WHERE status = 'pending'")
tmp=$(ls -d "$WORK"/.passnum-issue-* 2>/dev/null)
expect 0 pn batch issue --campaign "$C" --count 1 --out "$OUT" --format csv
contains "$out" "swept batch 3, interrupted before it was charged: $pending pending passes removed, batch abandoned"
contains "$out" "its temporary folder $tmp was removed"
contains "$out" "batch 4: 1 pass of campaign $C in 1 booklet"
[ ! -e "$tmp" ] && ok || fail "the second swept batch's temporary folder is still there"
expect 0 pn batch issue --campaign "$C" --count 1 --out "$OUT" --format csv
not_swept=$out
case "$not_swept" in *swept*) fail "a sweep reported twice: $not_swept" ;; *) ok ;; esac

if pn ledger verify --help >/dev/null 2>&1; then
	expect 0 pn ledger verify
fi

finish
