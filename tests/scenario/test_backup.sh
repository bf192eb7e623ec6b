#!/usr/bin/env bash
# passnum backup / restore (issue 16, item 3): an online backup while three
# clients redeem against the real passnumd; the restore holds every
# redemption acknowledged (201) before the backup started, and its ledger
# verifies. With --with-keys the restored home signs again; without, it
# verifies and shows passes but cannot sign. Refusals: a wrong passphrase, a
# damaged backup, a non-empty home, an existing FILE, no passphrase source,
# and a backup whose database was changed and its checksum recomputed (the
# checksum is not keyed: anyone can); each one line, nothing left behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

setup_home
pn --home "$H" funder order 1 2000000 --ref BC-2 >/dev/null || fail "funder order"
pn --home "$H" batch issue --campaign 1 --count 5000 --out "$WORK/out2" --format csv >/dev/null ||
	fail "batch issue"
CSV2=$(ls "$WORK"/out2/batch-*.csv | tail -1)
printf 'correct horse battery staple\n' >"$WORK/pass"
printf 'wrong horse\n' >"$WORK/wrong"
start_daemon || { finish; exit 1; }

# client NAME FIRST LAST: redeems passes FIRST..LAST of the second batch one
# by one, writing "NANOSECONDS-AFTER-REPLY STATUS BODY" lines to NAME.log.
client() {
	local name=$1 first=$2 last=$3 i tok reply
	for i in $(seq "$first" "$last"); do
		tok=$(sed -n "$((i + 1))p" "$CSV2" | cut -d, -f3)
		reply=$(curl -s -H "Authorization: Bearer $T_PLACE" -H 'Content-Type: application/json' \
			--data-binary "$(redeem_body atelier "$name-$i" "$tok")" -w ' %{http_code}' \
			"$URL/v1/redemptions" 2>/dev/null)
		echo "$(date +%s%N) ${reply##* } ${reply% *}" >>"$WORK/$name.log"
	done
}

# 1. The backup under load: it starts once the clients are running.
pids=()
for c in 0 1 2; do
	client "c$c" $((c * 150 + 1)) $((c * 150 + 150)) &
	pids+=($!)
done
for _ in $(seq 400); do
	[ "$(cat "$WORK"/c?.log 2>/dev/null | wc -l)" -ge 30 ] && break
	sleep 0.05
done
started=$(date +%s%N)
expect 0 pn --home "$H" --json backup "$WORK/b/full.pnbk" --with-keys --passphrase-file "$WORK/pass"
ended=$(date +%s%N)
backup_out=$out
wait "${pids[@]}"
equals "$(cat "$WORK"/c?.log | grep -c '^[0-9]* 201 ')" 450 "redemptions during the backup all acknowledged"
during=$(awk -v s="$started" -v e="$ended" '$2 == 201 && $1 > s && $1 < e' "$WORK"/c?.log | wc -l)
# The longest wait of a client between two replies while the backup ran.
gap=$(for c in 0 1 2; do awk -v s="$started" -v e="$ended" \
	'$1 > s && prev > 0 && prev < e { g = $1 - prev; if (g > m) m = g } { prev = $1 } END { print m + 0 }' \
	"$WORK/c$c.log"; done | sort -n | tail -1)
outside=$(for c in 0 1 2; do awk -v s="$started" -v e="$ended" \
	'($1 < s || prev > e) && prev > 0 { g = $1 - prev; if (g > m) m = g } { prev = $1 } END { print m + 0 }' \
	"$WORK/c$c.log"; done | sort -n | tail -1)
echo "note: backup took $(((ended - started) / 1000000)) ms; $during redemptions acknowledged meanwhile;" \
	"longest wait between two replies of one client: $((gap / 1000000)) ms during the backup," \
	"$((outside / 1000000)) ms outside it"
[ "$during" -gt 0 ] && ok || fail "no redemption acknowledged while the backup ran"
equals "$(stat -c %a "$WORK/b/full.pnbk")" 600 "backup file mode"
equals "$(ls "$WORK/b")" "full.pnbk" "files beside the backup (no temporary left)"
equals "$(jq -r .keys <<<"$backup_out")" 2 "key files in the backup"
[ "$(jq -r .entries <<<"$backup_out")" -gt 30 ] && ok || fail "entries verified in the copy: $backup_out"
expect 0 pn --home "$H" backup "$WORK/b/plain.pnbk"
stop_daemon

# 2. Restore with keys: every redemption acknowledged before the backup
# started is there, with its ledger entry; the ledger verifies; it signs.
expect 0 pn restore "$WORK/b/full.pnbk" --home "$WORK/r1" --passphrase-file "$WORK/pass"
equals "$(stat -c %a "$WORK/r1")" 700 "restored home mode"
before=0; missing=0
while read -r at code resp; do
	[ "$code" = 201 ] && [ "$at" -lt "$started" ] || continue
	before=$((before + 1))
	id=$(jq -r .id <<<"$resp"); seq=$(jq -r .receipt.entry.seq <<<"$resp")
	row=$(sqlite3 "$WORK/r1/passnum.db" "SELECT entry_seq FROM redemptions WHERE id = $id")
	[ "$row" = "$seq" ] || missing=$((missing + 1))
done < <(cat "$WORK"/c?.log)
[ "$before" -ge 30 ] && ok || fail "only $before redemptions acknowledged before the backup"
equals "$missing" 0 "redemptions acknowledged before the backup missing from the restore (of $before)"
expect 0 pn --home "$WORK/r1" ledger verify
expect 0 pn --home "$WORK/r1" voucher show "$(serial 1 >/dev/null; code 1)"
expect 0 pn --home "$WORK/r1" ledger checkpoint
H=$WORK/r1 start_daemon && { req GET /v1/health ""; expect_http 200; stop_daemon; }

# 3. Restore without keys: verifies and shows passes, cannot sign, and says so.
expect 0 pn restore "$WORK/b/plain.pnbk" --home "$WORK/r2"
contains "$err" "cannot sign" "restore without keys"
[ -e "$WORK/r2/keys" ] && fail "keys/ in a home restored without keys" || ok
expect 0 pn --home "$WORK/r2" ledger verify
expect 0 pn --home "$WORK/r2" voucher show "$(code 2)"
if "$PASSNUMD_BIN" --home "$WORK/r2" --listen 127.0.0.1:0 >/dev/null 2>&1 & p=$!; wait $p; then
	fail "passnumd started on a home without keys"
else ok; fi

# 4. Refusals: one line, nothing written.
expect 1 pn restore "$WORK/b/full.pnbk" --home "$WORK/r3" --passphrase-file "$WORK/wrong"
one_line "$err"; contains "$err" "wrong passphrase"
[ -e "$WORK/r3" ] && fail "a refused restore left $WORK/r3" || ok
mkdir "$WORK/r4"
expect 1 pn restore "$WORK/b/full.pnbk" --home "$WORK/r4" --passphrase-file "$WORK/wrong"
equals "$(ls -A "$WORK/r4")" "" "an empty home after a refused restore"
expect 1 pn restore "$WORK/b/plain.pnbk" --home "$WORK/r1"
one_line "$err"; contains "$err" "not empty"
expect 0 pn --home "$WORK/r1" ledger verify
cp "$WORK/b/plain.pnbk" "$WORK/damaged.pnbk"
printf '\x01' | dd of="$WORK/damaged.pnbk" bs=1 seek=20000 conv=notrunc 2>/dev/null
expect 1 pn restore "$WORK/damaged.pnbk" --home "$WORK/r5"
one_line "$err"; contains "$err" "damaged"
[ -e "$WORK/r5" ] && fail "a damaged backup left $WORK/r5" || ok
head -c 1000 "$WORK/b/plain.pnbk" >"$WORK/cut.pnbk"
expect 1 pn restore "$WORK/cut.pnbk" --home "$WORK/r5"
{ printf 'PNBKUP01'; printf '\xff\xff\xff\xff\xff\xff\xff\x7f'; head -c 100 /dev/zero; } >"$WORK/huge.pnbk"
expect 1 pn restore "$WORK/huge.pnbk" --home "$WORK/r5"
contains "$err" "damaged"
printf 'SQLite format 3\0' >"$WORK/other.pnbk"
expect 1 pn restore "$WORK/other.pnbk" --home "$WORK/r5"
contains "$err" "not a passnum backup"
[ -e "$WORK/r5" ] && fail "a refused backup left $WORK/r5" || ok
expect 1 pn --home "$H" backup "$WORK/b/plain.pnbk"
one_line "$err"; contains "$err" "already exists"
expect 2 pn --home "$H" backup "$WORK/b/x.pnbk" --passphrase-file "$WORK/pass"
expect 1 setsid "$PASSNUM_BIN" --home "$H" backup "$WORK/b/x.pnbk" --with-keys </dev/null
contains "$err" "--passphrase-file"
expect 1 setsid "$PASSNUM_BIN" restore "$WORK/b/full.pnbk" --home "$WORK/r6" </dev/null
equals "$(ls "$WORK/b")" "full.pnbk
plain.pnbk" "files beside the backups after the refusals"
expect 2 pn restore "$WORK/b/full.pnbk"

# 5. A backup changed by someone who recomputed its checksum: its database
# must still be passnum's, tables, indexes and triggers (db_check_foreign).
# repack DB OUT: plain.pnbk with DB as its database, the checksum recomputed.
repack() {
	local src=$WORK/b/plain.pnbk len hex
	len=$(od -An -tu8 -j8 -N8 "$src" | tr -d ' ')
	hex=$(printf '%016x' "$(stat -c %s "$1")")
	{
		head -c 8 "$src"
		printf "$(echo "$hex" | sed -E 's/(..)(..)(..)(..)(..)(..)(..)(..)/\\x\8\\x\7\\x\6\\x\5\\x\4\\x\3\\x\2\\x\1/')"
		cat "$1"
		tail -c +$((16 + len + 1)) "$src" | head -c -32
	} >"$2.body"
	{ cat "$2.body"; printf "$(b2sum -l 256 "$2.body" | cut -d' ' -f1 | sed 's/../\\x&/g')"; } >"$2"
	rm -f "$2.body"
}
len=$(od -An -tu8 -j8 -N8 "$WORK/b/plain.pnbk" | tr -d ' ')
tail -c +17 "$WORK/b/plain.pnbk" | head -c "$len" >"$WORK/orig.db"
repack "$WORK/orig.db" "$WORK/same.pnbk"
expect 0 pn restore "$WORK/same.pnbk" --home "$WORK/r7"  # the repacking itself is right
expect 0 pn --home "$WORK/r7" ledger verify
# sqlite_change NAME SQL: a copy of the backup's database changed by SQL,
# repacked as NAME.pnbk.
sqlite_change() {
	cp "$WORK/orig.db" "$WORK/$1.db"
	sqlite3 "$WORK/$1.db" "$2" || fail "sqlite3 $2"
	repack "$WORK/$1.db" "$WORK/$1.pnbk"
}
sqlite_change trigger "CREATE TRIGGER evil AFTER INSERT ON entries BEGIN SELECT 1; END;"
sqlite_change noindex "DROP INDEX $(sqlite3 "$WORK/orig.db" "SELECT name FROM sqlite_schema
	WHERE type = 'index' AND sql IS NOT NULL ORDER BY name LIMIT 1")"
sqlite_change column "ALTER TABLE places ADD COLUMN note TEXT"
sqlite_change notable "DROP TABLE operator"
sqlite_change newer "PRAGMA user_version = 999"
sqlite_change older "PRAGMA user_version = 0"
for t in trigger noindex column notable newer older; do
	expect 1 pn restore "$WORK/$t.pnbk" --home "$WORK/r8"
	one_line "$err"
	[ -e "$WORK/r8" ] && { fail "the refused $t.pnbk left $WORK/r8"; rm -rf "$WORK/r8"; } || ok
done
contains "$(pn restore "$WORK/trigger.pnbk" --home "$WORK/r8" 2>&1)" \
	"the backup's database is not a passnum database of schema version"
contains "$(pn restore "$WORK/trigger.pnbk" --home "$WORK/r8" 2>&1)" "trigger evil is not one of its own"
contains "$(pn restore "$WORK/noindex.pnbk" --home "$WORK/r8" 2>&1)" "is missing"
contains "$(pn restore "$WORK/column.pnbk" --home "$WORK/r8" 2>&1)" "table places is not defined as its own"
contains "$(pn restore "$WORK/notable.pnbk" --home "$WORK/r8" 2>&1)" "table operator is missing"
contains "$(pn restore "$WORK/newer.pnbk" --home "$WORK/r8" 2>&1)" "upgrade passnum"
contains "$(pn restore "$WORK/older.pnbk" --home "$WORK/r8" 2>&1)" "schema version 0"
# A page of the database overwritten: SQLite's check finds it.
cp "$WORK/orig.db" "$WORK/torn.db"
head -c 4096 /dev/zero | tr '\0' '\377' | dd of="$WORK/torn.db" bs=4096 seek=2 conv=notrunc 2>/dev/null
repack "$WORK/torn.db" "$WORK/torn.pnbk"
expect 1 pn restore "$WORK/torn.pnbk" --home "$WORK/r8"
one_line "$err"
[ -e "$WORK/r8" ] && fail "the refused torn.pnbk left $WORK/r8" || ok
finish
