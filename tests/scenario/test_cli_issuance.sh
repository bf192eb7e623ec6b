#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# The CLI conventions of docs/cli.md on batch, booklet, voucher and expire:
# confirmations and --dry-run, what creations print, batch list|show,
# booklet list, files (--out, --force, '-' for stdin), exit codes, the JSON
# vocabulary, and help pages.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

export PASSNUM_HOME=$H
sql() { sqlite3 "$H/passnum.db" "$1"; }
# refused CMD...: exit 1, one line on stderr, database unchanged.
refused() {
	local before
	before=$(db_dump "$H")
	expect 1 "$@"
	one_line "$err"
	equals "$(db_dump "$H")" "$before" "database after refused: $*"
}
# bad_value CMD...: exit 2, one line on stderr, database unchanged.
bad_value() {
	local before
	before=$(db_dump "$H")
	expect 2 "$@"
	one_line "$err"
	equals "$(db_dump "$H")" "$before" "database after usage error: $*"
}
# json_int JSON KEY: the first integer member KEY of JSON.
json_int() { echo "$1" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2; }
not_contains() {
	case "$1" in *"$2"*) fail "${3:-output} contains \"$2\": $1" ;; *) ok ;; esac
}

setup_home
expect 0 pn distributor add "CCAS de test"
D=$out

# --- 4. Exit codes: values that cannot be valid exit 2 before the home is
# opened (a home that does not exist proves it); the home's refusals exit 1.
NOHOME=$WORK/no-such-home
expect 2 pn --home "$NOHOME" batch issue --campaign 1 --count 0 --out "$WORK/o"
contains "$err" "--count must be 1 to 10000000"
one_line "$err"
expect 2 pn --home "$NOHOME" batch issue --campaign 1 --count 5 --booklet 101 --out "$WORK/o"
contains "$err" "--booklet must be 1 to 100"
expect 2 pn --home "$NOHOME" batch issue --campaign 1 --count 5 --format csv,gif --out "$WORK/o"
expect 2 pn --home "$NOHOME" booklet deliver 5-1 --distributor 1
contains "$err" "reversed range"
expect 2 pn --home "$NOHOME" booklet handout 1 --distributor 1 --date 2027-02-30
expect 2 pn --home "$NOHOME" expire --as-of 2027-02-30
expect 2 pn --home "$NOHOME" voucher revoke --booklet x
[ ! -e "$NOHOME" ] && ok || fail "a usage error created the home"
[ ! -e "$WORK/o" ] && ok || fail "a usage error created --out"
bad_value pn batch issue --campaign 1 --count 0 --out "$WORK/o"
bad_value pn booklet deliver 5-1 --distributor "$D"
refused pn batch show 99
contains "$err" "no batch 99"
refused pn booklet show 99
refused pn booklet deliver 1 --distributor 99
refused pn booklet list --distributor 99
refused pn --yes voucher revoke --booklet 99
refused pn expire --as-of 2027-03-13
contains "$err" "after today"
refused pn booklet handout 1 --distributor "$D" --date 2027-03-13
refused pn booklet return 1
contains "$err" "not delivered"

# --- 3. Files: an unknown campaign is reported before anything about
# files, and no folder is made for it; --out is made with its parents.
refused pn batch issue --campaign 9 --count 3 --out "$WORK/p2/deep"
contains "$err" "no campaign"
[ ! -e "$WORK/p2" ] && ok || fail "a refused batch made its --out folder"
expect 0 pn batch issue --campaign 1 --count 12 --booklet 5 --out "$WORK/p2/deep" \
    --format csv,pdf,png
[ -d "$WORK/p2/deep" ] && ok || fail "--out folder not made"
B=2
equals "$(ls "$WORK/p2/deep" | grep -c '\.png$')" 12 "PNG files in the new folder"

# --- 2. What batch issue made, in text.
contains "$out" "batch $B: 12 passes of campaign 1 in 3 booklets (000005-000007), 120.00 EUR charged (10.00 each)"
contains "$out" "wrote $WORK/p2/deep/batch-000002.csv"
contains "$out" "wrote $WORK/p2/deep/batch-000002.pdf"
contains "$out" "wrote 12 PNG files (SERIAL.png) into $WORK/p2/deep"
# ... and in JSON, in the one vocabulary.
expect 0 pn --json batch issue --campaign 1 --count 1 --booklet 1 --out "$WORK/p3" --format csv
contains "$out" '"id":3,"campaign_id":1,"count":1,"booklet_size":1,"booklets":1,"first_booklet":8,"last_booklet":8'
contains "$out" '"value_cents":1000,"value":"10.00","amount_cents":1000,"amount":"10.00"'
contains "$out" "\"files\":[\"$WORK/p3/batch-000003.csv\"]"
contains "$out" '"swept":0,"sweep":null'
expect 0 pn batch issue --campaign 1 --count 1 --out "$WORK/p3" --format csv
contains "$out" "batch 4: 1 pass of campaign 1 in 1 booklet (000009-000009)"

# batch list and batch show.
expect 0 pn batch list
contains "$out" "ID     CAMPAIGN STATUS"
contains "$out" "2      1        active    12       000005-000007 120.00"
contains "$out" "4 batches"
expect 0 pn --json batch list
equals "$(echo "$out" | grep -o '"id":' | wc -l)" 4 "batches listed"
contains "$out" '{"id":2,"campaign_id":1,"status":"active","count":12,"booklet_size":5,"first_booklet":5,"last_booklet":7,"value_cents":1000,"value":"10.00","amount_cents":12000,"amount":"120.00"'
expect 0 pn batch show 2
contains "$out" "booklets      000005-000007"
contains "$out" "value         10.00 EUR each, 120.00 EUR in all"
contains "$out" "issued        12"
expect 0 pn --json batch show 2
contains "$out" '"passes":{"pending":0,"issued":12,"redeemed":0,"revoked":0,"expired":0}'
expect 2 pn batch show x

# booklet deliver / list (stock per distributor).
expect 0 pn booklet deliver 5-7 --distributor "$D"
equals "$out" "3 booklets 000005-000007 delivered to distributor $D"
expect 0 pn booklet deliver 1 --distributor "$D"
equals "$out" "booklet 000001 delivered to distributor $D"
expect 0 pn booklet handout 5 --distributor "$D"
expect 0 pn booklet list --distributor "$D"
contains "$out" "BOOKLET BATCH  CAMPAIGN SIZE STATUS"
contains "$out" "000005  2      1        5    handed-out $D           2027-03-12"
contains "$out" "000006  2      1        5    delivered  $D           -"
contains "$out" "4 booklets"
contains "$out" "distributor $D: 3 booklets in stock"
expect 0 pn booklet list --status stock
contains "$out" "000002  1      1        10   stock"
not_contains "$out" "000005"
expect 0 pn --json booklet list --distributor "$D" --status delivered
equals "$(echo "$out" | grep -o '"id":' | wc -l)" 3 "delivered booklets of $D"
contains "$out" '{"id":1,"batch_id":1,"campaign_id":1,"size":10,"status":"delivered","stock_status":"delivered","distributor_id":'"$D"
bad_value pn booklet list --status lost

# --- 1. Confirmations: a booklet or a batch is confirmed; --dry-run
# changes nothing.
before=$(db_dump "$H")
expect 0 pn voucher revoke --booklet 6 --dry-run
equals "$out" "would revoke 5 passes of booklet 000006: 50.00 EUR back to the funder's balance (campaign 1); nothing was changed"
expect 0 pn --json voucher revoke --batch 2 --dry-run
equals "$out" '{"dry_run":true,"campaign_id":1,"count":12,"booklets":3,"first_booklet":5,"last_booklet":7,"amount_cents":12000,"amount":"120.00","to_funder_cents":12000,"to_claim_cents":0}'
equals "$(db_dump "$H")" "$before" "database after --dry-run"
refused pn voucher revoke --booklet 6
contains "$err" "this would revoke 5 passes of booklet 000006, 50.00 EUR, for good: add --yes to confirm"
refused pn voucher revoke --batch 2
contains "$err" "batch 2 in 3 booklets (000005-000007), 120.00 EUR"
expect 1 pn --json voucher revoke --batch 2
contains "$err" '{"error":{"code":"NOT_CONFIRMED"'
bad_value pn voucher revoke "$(code 1)" --dry-run
# On a terminal: a prompt; anything but yes does nothing.
if script -qec true /dev/null >/dev/null 2>&1; then
	before=$(db_dump "$H")
	printf 'n\n' | script -qec "$PASSNUM_BIN voucher revoke --booklet 6" /dev/null >"$WORK/tty.out" 2>&1
	contains "$(cat "$WORK/tty.out")" "revoke 5 passes of booklet 000006, 50.00 EUR, for good? [y/N]"
	contains "$(cat "$WORK/tty.out")" "not confirmed: nothing was done"
	equals "$(db_dump "$H")" "$before" "database after a prompt answered no"
	printf 'y\n' | script -qec "$PASSNUM_BIN voucher revoke --booklet 7" /dev/null >"$WORK/tty.out" 2>&1
	contains "$(cat "$WORK/tty.out")" "2 passes revoked; 20.00 EUR back"
fi
expect 0 pn --yes voucher revoke --booklet 6
equals "$out" "5 passes revoked; 50.00 EUR back to the funder's balance"
# A single pass is not confirmed; plurals are right.
expect 0 pn voucher revoke "$(code 1)"
equals "$out" "1 pass revoked; 10.00 EUR back to the funder's balance"
# A booklet whose every pass was opposed says so.
expect 0 pn booklet show 6
contains "$out" "status        revoked: every pass opposed (it was delivered)"
contains "$out" "passes        0 issued, 0 redeemed, 5 revoked, 0 expired"
expect 0 pn --json booklet show 6
contains "$out" '"status":"revoked","stock_status":"delivered","distributor_id":'"$D"
expect 0 pn booklet show 1
contains "$out" "status        delivered"
expect 0 pn booklet list --status revoked
contains "$out" "000006"

# --- 3. '-' reads the token from stdin; qr never overwrites without --force.
T2=$(pass 2)
expect 0 pn --json voucher show - <<<"$T2"
contains "$out" '"valid":true'
contains "$out" '"token_matches":true'
contains "$out" '"campaign_id":1'
contains "$out" '"batch_id":1,"booklet_id":1,"position":2'
expect 0 pn voucher show - <<<"$(code 2)"
contains "$out" "issued"
expect 0 pn voucher qr - --out "$WORK/qr/new/p2.png" <<<"$T2"
equals "$out" "wrote $WORK/qr/new/p2.png"
equals "$(zbarimg --raw -q "$WORK/qr/new/p2.png" 2>/dev/null)" "$T2" "QR read from stdin"
sum=$(md5sum <"$WORK/qr/new/p2.png")
expect 1 pn voucher qr "$(pass 3)" --out "$WORK/qr/new/p2.png"
contains "$err" "already exists: add --force"
one_line "$err"
equals "$(md5sum <"$WORK/qr/new/p2.png")" "$sum" "QR file after a refused overwrite"
expect 0 pn voucher qr "$(pass 3)" --out "$WORK/qr/new/p2.png" --force
equals "$(zbarimg --raw -q "$WORK/qr/new/p2.png" 2>/dev/null)" "$(pass 3)" "QR replaced with --force"

# --- 5. voucher show gives the service's code for a redemption.
start_daemon
req POST /v1/redemptions "$T_PLACE" "{\"vouchers\":[\"$(pass 4)\"],\"service\":\"atelier\",\"idempotency_key\":\"k1\"}"
expect_http 201
stop_daemon
expect 0 pn --json voucher show "$(code 4)"
contains "$out" '"redemption":{"id":1,"place_id":1,"service":"atelier","day":"2027-03-12","cancelled":false}'
expect 0 pn voucher show "$(code 4)"
contains "$out" "redemption    place 1, service atelier, 2027-03-12"
expect 0 pn --json booklet show 1
contains "$out" '"passes":{"issued":8,"redeemed":1,"revoked":1,"expired":0}'

# expire: the vocabulary and plurals.
export PASSNUM_NOW=2027-08-15T10:00:00Z
expect 0 pn --json expire --as-of 2027-07-31
contains "$out" '"campaigns":[{"campaign_id":1,"count":'
contains "$out" '"amount_cents":'
expect 0 pn expire
equals "$out" "0 passes expired (0.00 EUR); 0 hand-out records purged to totals"

# --- 6. Help: every page has an example; SUB --help shows that sub-verb.
for page in "batch" "batch issue" "batch list" "batch show" "booklet" "booklet deliver" \
    "booklet handout" "booklet return" "booklet show" "booklet list" "voucher" "voucher show" \
    "voucher qr" "voucher revoke" "expire"; do
	# shellcheck disable=SC2086
	expect 0 pn $page --help
	contains "$out" "example" "help of $page"
	equals "$(echo "$out" | awk 'length > 80' | wc -l)" 0 "lines over 80 columns in help of $page"
done
expect 0 pn batch issue --help
contains "$out" "usage: passnum batch issue"
not_contains "$out" "batch list"
expect 0 pn booklet return --help
contains "$out" "\`passnum voucher revoke --booklet BOOKLET\`."
not_contains "$out" "booklet deliver"
expect 0 pn voucher revoke --help
contains "$out" "--dry-run"
not_contains "$out" "voucher qr"
expect 0 pn --help
contains "$out" "voucher      look up a pass (signature checked), draw or revoke passes"

finish
