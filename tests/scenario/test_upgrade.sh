#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# Upgrades (issue 16, item 5): for every earlier schema version k (whatever
# schema/*.sql holds: nothing here names the latest number), a home is made
# by the sqlite3 tool alone — migrations 1..k from schema/, then the rows of
# a reference home (made by the current CLI) inserted through SQL, column by
# column as far as version k has them. The current passnum opens it: the
# schema is upgraded in one transaction after an automatic backup
# (HOME/backups/pre-upgrade-vK-*.db, announced on stderr), the data survive,
# ledger verify passes. passnumd upgrades a home too. A failing migration
# leaves the home at version k; a newer home is refused and left alone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
mapfile -t SCHEMA < <(ls "$SRC"/schema/[0-9][0-9][0-9][0-9]-*.sql | sort)
LATEST=${#SCHEMA[@]}

# The reference: a home with a ledger (orders, an issue, a revoke), a
# checkpoint, places, a campaign and passes.
setup_home
pn --home "$H" voucher revoke "$(code 3)" --yes >/dev/null 2>&1 || true
pn --home "$H" ledger checkpoint >/dev/null || fail "checkpoint"
equals "$(sqlite3 "$H/passnum.db" 'PRAGMA user_version')" "$LATEST" "the reference is at the latest version"
REF_ENTRIES=$(sqlite3 "$H/passnum.db" 'SELECT count(*) FROM entries')
[ "$REF_ENTRIES" -ge 3 ] && ok || fail "the reference has a ledger ($REF_ENTRIES entries)"

# old_home K DIR: a home at schema version K made with sqlite3 only.
old_home() {
	local k=$1 dir=$2 i table cols
	mkdir -p "$dir" && chmod 700 "$dir"
	for ((i = 0; i < k; i++)); do
		{ echo "BEGIN;"; cat "${SCHEMA[$i]}"; echo "PRAGMA user_version = $((i + 1)); COMMIT;"; } |
			sqlite3 -bail "$dir/passnum.db" || { fail "migration $((i + 1)) by sqlite3"; return 1; }
	done
	# The reference's ledger refers to funders, their funds, campaigns and
	# passes: a version without those tables gets the registry but neither
	# the ledger nor passes (a home of that version could not have had them).
	local ledger=yes
	for table in funders funder_funds campaigns vouchers; do
		[ "$(sqlite3 "$dir/passnum.db" "SELECT count(*) FROM sqlite_schema WHERE name = '$table'")" = 1 ] ||
			ledger=no
	done
	{
		echo "ATTACH '$H/passnum.db' AS ref; BEGIN;"
		for table in $(sqlite3 "$dir/passnum.db" "SELECT name FROM sqlite_schema WHERE type = 'table'
			AND name NOT LIKE 'sqlite_%' ORDER BY rowid"); do
			case "$ledger:$table" in
				no:entries | no:postings | no:merkle_nodes | no:checkpoints | no:accounts) continue ;;
				no:batches | no:booklets | no:vouchers | no:handouts | no:handout_totals) continue ;;
				no:redemptions | no:redemption_vouchers) continue ;;
			esac
			cols=$(sqlite3 "$dir/passnum.db" "ATTACH '$H/passnum.db' AS ref;
				SELECT group_concat('\"' || o.name || '\"', ',') FROM pragma_table_info('$table') o
				WHERE o.name IN (SELECT name FROM ref.pragma_table_info('$table'))")
			[ -n "$cols" ] && echo "INSERT INTO main.\"$table\" ($cols) SELECT $cols FROM ref.\"$table\";"
		done
		echo "COMMIT;"
	} | sqlite3 -bail "$dir/passnum.db" || { fail "data at version $k"; return 1; }
	cp -r "$H/keys" "$dir/keys"
	equals "$(sqlite3 "$dir/passnum.db" 'PRAGMA user_version')" "$k" "made at version $k"
	WANT_ENTRIES=$([ "$ledger" = yes ] && echo "$REF_ENTRIES" || echo 0)
}

for ((k = 1; k < LATEST; k++)); do
	D=$WORK/v$k
	old_home "$k" "$D" || continue
	before=$(sqlite3 "$D/passnum.db" 'SELECT count(*) FROM entries')
	equals "$before" "$WANT_ENTRIES" "version $k holds the reference's entries (or none)"
	expect 0 pn --home "$D" ledger verify
	contains "$out" "OK" "verify after the upgrade from $k"
	contains "$out" "$WANT_ENTRIES entries" "verify counts the entries after $k"
	contains "$err" "from schema version $k to $LATEST" "the upgrade from $k is announced"
	contains "$err" "$D/backups/pre-upgrade-v$k-" "the backup's name"
	equals "$(sqlite3 "$D/passnum.db" 'PRAGMA user_version')" "$LATEST" "version after the upgrade from $k"
	equals "$(sqlite3 "$D/passnum.db" 'SELECT count(*) FROM entries')" "$WANT_ENTRIES" "entries after $k"
	[ "$WANT_ENTRIES" -gt 0 ] && equals "$(sqlite3 "$D/passnum.db" 'SELECT group_concat(hex(hash)) FROM
		(SELECT hash FROM merkle_nodes ORDER BY level, idx)')" "$(sqlite3 "$H/passnum.db" 'SELECT
		group_concat(hex(hash)) FROM (SELECT hash FROM merkle_nodes ORDER BY level, idx)')" \
		"the tree after the upgrade from $k"
	backups=("$D"/backups/pre-upgrade-v$k-*.db)
	equals "${#backups[@]}" 1 "one backup before the upgrade from $k"
	if [ -f "${backups[0]}" ]; then
		equals "$(sqlite3 "${backups[0]}" 'PRAGMA user_version')" "$k" "the backup is the version-$k database"
		equals "$(sqlite3 "${backups[0]}" 'SELECT count(*) FROM entries')" "$before" "the backup's entries"
		equals "$(stat -c %a "${backups[0]}")" 600 "the backup's mode"
	fi
	# The data every version had: the funder's order and the campaign's passes.
	if [ -n "$(sqlite3 "$D/backups/"*.db "SELECT name FROM sqlite_schema WHERE name = 'funders'")" ]; then
		expect 0 pn --home "$D" --json funder list
		contains "$out" "Département de test" "funder after the upgrade from $k"
	fi
	expect 0 pn --home "$D" --json operator show
	contains "$out" "Opérateur de test" "the operator after the upgrade from $k"
	if [ "$WANT_ENTRIES" -gt 0 ]; then
		expect 0 pn --home "$D" voucher show "$(code 1)"
		contains "$out" "issued" "a pass after the upgrade from $k"
	fi
	# Opened again: nothing to upgrade, no second backup, nothing said.
	expect 0 pn --home "$D" ledger verify
	equals "$err" "" "no upgrade the second time ($k)"
	equals "$(ls "$D/backups" | wc -l)" 1 "no second backup ($k)"
done

# passnumd upgrades a home on start too (the oldest version).
old_home 1 "$WORK/d1" && {
	"$PASSNUMD_BIN" --home "$WORK/d1" --listen 127.0.0.1:0 >"$WORK/d1.out" 2>"$WORK/d1.err" &
	DAEMON_PID=$!
	for _ in $(seq 200); do grep -q listening "$WORK/d1.out" && break; sleep 0.05; done
	contains "$(cat "$WORK/d1.out")" "listening on" "passnumd serves an upgraded home"
	contains "$(cat "$WORK/d1.err")" "from schema version 1 to $LATEST"
	stop_daemon
	equals "$(ls "$WORK"/d1/backups/pre-upgrade-v1-*.db | wc -l)" 1 "passnumd's backup"
}

# One transaction: a home at version j-2 that already holds a table which
# migration j creates fails at j, and stays at j-2 with nothing of j-1.
for ((j = LATEST; j >= 3; j--)); do
	table=$(grep -o -i -m1 'CREATE TABLE [a-z_]*' "${SCHEMA[$((j - 1))]}" | awk '{print $3}')
	[ -n "$table" ] && ! grep -qi "CREATE TABLE IF NOT EXISTS $table" "${SCHEMA[$((j - 1))]}" && break
done
if [ "$j" -ge 3 ]; then
	k=$((j - 2))
	old_home "$k" "$WORK/fail" && {
		sqlite3 "$WORK/fail/passnum.db" "CREATE TABLE $table (x)"
		tables=$(sqlite3 "$WORK/fail/passnum.db" "SELECT count(*) FROM sqlite_schema")
		expect 1 pn --home "$WORK/fail" ledger verify
		one_line "$err"
		equals "$(sqlite3 "$WORK/fail/passnum.db" 'PRAGMA user_version')" "$k" "a failed upgrade keeps version $k"
		equals "$(sqlite3 "$WORK/fail/passnum.db" "SELECT count(*) FROM sqlite_schema")" "$tables" \
			"nothing of migration $((k + 1)) is left after a failure at $j"
	}
else
	fail "no migration creates a table: the one-transaction check has nothing to break"
fi

# A backup file of an older version (PNBKUP01, made by hand: magic, length,
# the database, no keys, BLAKE2b-256) restores into an upgraded home; a
# refused restore of one (a larger checkpoint was published since) leaves
# nothing behind, not even the copy made before its upgrade.
k=$((LATEST - 1))
old_home "$k" "$WORK/forbackup" && {
	u64() { printf "$(printf '%016x' "$1" | sed 's/\(..\)/\1 /g' | awk '{for (i = 8; i >= 1; i--) printf "\\x%s", $i}')"; }
	{
		printf 'PNBKUP01'
		u64 "$(stat -c %s "$WORK/forbackup/passnum.db")"
		cat "$WORK/forbackup/passnum.db"
		u64 0
	} >"$WORK/old.body"
	{ cat "$WORK/old.body"; printf "$(b2sum -l 256 "$WORK/old.body" | cut -d' ' -f1 | sed 's/../\\x&/g')"; } \
		>"$WORK/old.pnbk"
	expect 0 pn restore "$WORK/old.pnbk" --home "$WORK/restored"
	contains "$err" "from schema version $k to $LATEST" "restoring a version-$k backup upgrades it"
	equals "$(sqlite3 "$WORK/restored/passnum.db" 'PRAGMA user_version')" "$LATEST" "the restored version"
	pn --home "$H" funder order 1 100 --ref LATER >/dev/null && pn --home "$H" ledger checkpoint >/dev/null
	expect 1 pn restore "$WORK/old.pnbk" --home "$WORK/refused" --published "$H/published-checkpoint"
	contains "$err" "was published"
	[ ! -e "$WORK/refused" ] && ok || fail "a refused restore left $(find "$WORK/refused")"
}

# A newer home is refused and left as it was (no backup either).
cp -r "$WORK/v1" "$WORK/new" 2>/dev/null || old_home 1 "$WORK/new"
rm -rf "$WORK/new/backups"
sqlite3 "$WORK/new/passnum.db" "PRAGMA user_version = $((LATEST + 1))"
sum=$(sha256sum <"$WORK/new/passnum.db")
expect 1 pn --home "$WORK/new" ledger verify
one_line "$err"
contains "$err" "schema version $((LATEST + 1)) but this passnum knows only up to $LATEST"
equals "$(sha256sum <"$WORK/new/passnum.db")" "$sum" "the newer home is untouched"
[ ! -e "$WORK/new/backups" ] && ok || fail "a backup was made of a newer home"
"$PASSNUMD_BIN" --home "$WORK/new" --listen 127.0.0.1:0 >/dev/null 2>"$WORK/new.err"
equals "$?" 1 "passnumd refuses a newer home"
contains "$(cat "$WORK/new.err")" "knows only up to $LATEST"
finish
