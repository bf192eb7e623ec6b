#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# batch issue, booklet stock, voucher show / revoke, expire through the real CLI.
. "$(dirname "$0")/lib.sh"

export PASSNUM_NOW=2027-03-12T10:00:00Z
H=$WORK/home
export PASSNUM_HOME=$H
SIRET=73282932000074
IBAN=FR1420041010050500013M02606

sql() { sqlite3 "$H/passnum.db" "$1"; }
balance() { sql "SELECT balance FROM accounts WHERE code = '$1'"; }
# refused CMD...: exit 1, one line on stderr, database unchanged.
refused() {
	local before
	before=$(db_dump "$H")
	expect 1 "$@"
	one_line "$err"
	equals "$(db_dump "$H")" "$before" "database after refused: $*"
}
# bad_value CMD...: exit 2 (docs/cli.md), one line on stderr, database unchanged.
bad_value() {
	local before
	before=$(db_dump "$H")
	expect 2 "$@"
	one_line "$err"
	equals "$(db_dump "$H")" "$before" "database after usage error: $*"
}
# empty_dir DIR: nothing in it (hidden files included).
empty_dir() {
	equals "$(ls -A "$1" | wc -l)" 0 "files in $1"
}
# no_temp DIR: no temporary issuance directory left beside DIR.
no_temp() {
	equals "$(ls -A "$(dirname "$1")" | grep -c '^\.passnum-issue-')" 0 "temporary dirs beside $1"
}

expect 0 pn init --operator "Opérateur de test" --siren 123456782 --origin test.example/ledger
expect 0 pn funder add "Conseil départemental de test" --public-name "Département de test"
F=$out
expect 0 pn funder order "$F" 1000 --ref BC-2027-001
expect 0 pn campaign create --funder "$F" --name "RSA 2027" --value 10.00 --last-day 2027-12-31
C=$out
expect 0 pn campaign create --funder "$F" --name "Refund" --value 10.00 --last-day 2027-12-31 \
    --unused refund
CR=$out
expect 0 pn campaign create --funder "$F" --name "Hand-out" --value 5.00 --last-day 2027-12-31 \
    --tolerance-days 0 --valid-days-after-handout 10
CH=$out
expect 0 pn distributor add "CCAS de test"
D=$out
expect 0 pn distributor add "CAF de test"
D2=$out
expect 0 pn place add "Espace numérique de la mairie" --siret $SIRET --commune 93008 --iban $IBAN \
    --type epn
P=$out
expect 0 pn place label "$P" --until 2027-12-31
equals "$(balance "funder:$F:balance")" -100000 "funder balance after the order"

OUT=$WORK/out
mkdir "$OUT"

# Refusals: nothing written, one line; values that cannot be valid exit 2,
# what the home refuses exits 1 (docs/cli.md).
bad_value pn batch issue --campaign "$C" --count 0 --out "$OUT"
contains "$err" "--count"
bad_value pn batch issue --campaign "$C" --count 10000001 --out "$OUT"
bad_value pn batch issue --campaign "$C" --count 4 --booklet 0 --out "$OUT"
contains "$err" "--booklet"
bad_value pn batch issue --campaign "$C" --count 4 --booklet 101 --out "$OUT"
bad_value pn batch issue --campaign "$C" --count 4 --out "$OUT" --format csv,gif
contains "$err" "gif"
refused pn batch issue --campaign 999 --count 4 --out "$WORK/missing"
contains "$err" "no campaign"
[ ! -e "$WORK/missing" ] && ok || fail "a refused batch made its --out folder"
refused pn batch issue --campaign "$C" --count 4 --out "$H/passnum.db"
contains "$err" "not a folder"
refused pn batch issue --campaign "$C" --count 4 --out /sys/kernel
refused pn batch issue --campaign 999 --count 4 --out "$OUT"
refused pn batch issue --campaign "$C" --count 101 --out "$OUT"
contains "$err" "balance is short"
refused env PASSNUM_NOW=2028-01-01T10:00:00Z "$PASSNUM_BIN" batch issue --campaign "$C" --count 4 \
    --out "$OUT"
contains "$err" "ended"
expect 2 pn batch issue --campaign "$C" --count four --out "$OUT"
expect 2 pn batch issue --campaign "$C" --out "$OUT"
expect 2 pn batch issue --campaign "$C" --count 4 --out "$OUT" --bogus
empty_dir "$OUT"
no_temp "$OUT"

# Success: 2 booklets of 4, every format.
expect 0 pn --json batch issue --campaign "$C" --count 8 --booklet 4 --out "$OUT" \
    --format csv,pdf,png,svg
contains "$out" '"id":1'
contains "$out" '"first_booklet":1,"last_booklet":2'
contains "$out" '"amount":"80.00"'
equals "$(balance "funder:$F:balance")" -92000 "funder balance after issuing 80.00"
equals "$(balance "campaign:$C:outstanding")" -8000 "outstanding after issuing"
equals "$(sql "SELECT kind, reference FROM entries ORDER BY seq DESC LIMIT 1")" "issue|batch:1" \
    "last ledger entry"
equals "$(sql "SELECT status, COUNT(*) FROM vouchers GROUP BY status")" "issued|8" "vouchers"
equals "$(sql "SELECT status FROM batches WHERE id = 1")" active "batch status"
CSV=$OUT/batch-000001.csv
equals "$(head -1 "$CSV")" "serial,code,token,campaign,value_cents,last_day,booklet" "CSV header"
equals "$(tail -n +2 "$CSV" | wc -l)" 8 "CSV rows"
equals "$(tail -n +2 "$CSV" | grep -cE \
    "^[0-9a-f]{24},[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z*~\$=]," | head -1)" 8 \
    "CSV serial and code columns"
equals "$(tail -n +2 "$CSV" | cut -d, -f4-7 | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ')" \
    "4 $C,1000,2027-12-31,1 4 $C,1000,2027-12-31,2 " "CSV campaign, value, last day, booklet"
equals "$(tail -n +2 "$CSV" | cut -d, -f3 | grep -c '^PN1:')" 8 "CSV tokens"
equals "$(ls "$OUT"/*.png | wc -l)" 8 "PNG files"
equals "$(ls "$OUT"/*.svg | wc -l)" 8 "SVG files"
first_serial=$(sed -n 2p "$CSV" | cut -d, -f1)
[ -f "$OUT/$first_serial.png" ] && ok || fail "PNG named by serial"
no_temp "$OUT"
# Each CSV row's token matches its serial and verifies offline.
row=$(sed -n 2p "$CSV")
code1=$(echo "$row" | cut -d, -f2)
token1=$(echo "$row" | cut -d, -f3)
expect 0 pn --json voucher show "$token1"
contains "$out" "\"serial\":\"$first_serial\""
contains "$out" '"valid":true'
contains "$out" '"token_matches":true'
# The PDF: a cover and one page of 4 passes per booklet; its QR codes are the CSV tokens.
PDF=$OUT/batch-000001.pdf
equals "$(pdfinfo "$PDF" | awk '/^Pages:/ {print $2}')" 4 "PDF pages"
mkdir "$WORK/pages"
pdftoppm -r 150 -png "$PDF" "$WORK/pages/p"
zbarimg --raw -q "$WORK"/pages/*.png 2>/dev/null | grep . | sort >"$WORK/qr.txt"
tail -n +2 "$CSV" | cut -d, -f3 | sort >"$WORK/csv.txt"
equals "$(cat "$WORK/qr.txt")" "$(cat "$WORK/csv.txt")" "PDF QR codes = CSV tokens"
pdftotext "$PDF" - >"$WORK/pdf.txt" 2>/dev/null
contains "$(cat "$WORK/pdf.txt")" "Département de test" "PDF text"
contains "$(cat "$WORK/pdf.txt")" "Espace numérique de la mairie" "PDF cover places"
case "$(cat "$WORK/pdf.txt")" in *"RSA 2027"*) fail "internal campaign name printed" ;; *) ok ;; esac
# A PNG decodes to its token.
equals "$(zbarimg --raw -q "$OUT/$first_serial.png" 2>/dev/null)" "$token1" "PNG QR"

# --out already holding the next batch's file: refused, nothing written.
OUT2=$WORK/out2
mkdir "$OUT2"
touch "$OUT2/batch-000002.csv"
refused pn batch issue --campaign "$C" --count 2 --out "$OUT2" --format csv
contains "$err" "already exists"
equals "$(ls -A "$OUT2")" "batch-000002.csv" "out2 untouched"

# voucher show by code, for admins.
expect 0 pn --json voucher show "$code1"
contains "$out" '"status":"issued"'
contains "$out" '"booklet_id":1,"position":1'
contains "$out" '"issued_at":"2027-03-12T10:00:00Z"'
contains "$out" '"usable_until":"2028-01-30"'
expect 0 pn voucher show "$(echo "$code1" | tr 'A-Z' 'a-z' | tr -d -)"
contains "$out" "issued"
expect 1 pn voucher show 00000-00000-00000-00000-0
one_line "$err"
expect 2 pn voucher show 00000-00000
one_line "$err"

# Booklet stock.
refused pn booklet deliver 1-2 --distributor 999
refused pn booklet deliver 1-3 --distributor "$D"
refused pn booklet deliver 9 --distributor "$D"
expect 2 pn booklet deliver 1-2
expect 2 pn booklet deliver x-2 --distributor "$D"
refused pn booklet handout 1 --distributor "$D"
contains "$err" "stock"
refused pn booklet return 1
expect 0 pn booklet deliver 1-2 --distributor "$D"
contains "$out" "delivered"
refused pn booklet deliver 2 --distributor "$D2"
contains "$err" "not in stock"
refused pn booklet handout 1 --distributor "$D2"
refused pn booklet handout 1 --distributor "$D" --date 2027-03-13
contains "$err" "future"
refused pn booklet handout 1 --distributor "$D" --date 2027-03-01
bad_value pn booklet handout 1 --distributor "$D" --date 2027-02-30
expect 0 pn booklet handout 1 --distributor "$D" --date 2027-03-12
equals "$(sql "SELECT booklet_id, distributor_id, day FROM handouts")" "1|$D|$(( $(date -ud 2027-03-12 +%s) / 86400 ))" \
    "hand-out record"
refused pn booklet handout 1 --distributor "$D"
refused pn booklet return 1
contains "$err" "handed out"
expect 0 pn booklet return 2
refused pn booklet return 2
expect 0 pn --json booklet show 2
contains "$out" '"status":"returned"'
contains "$out" '"distributor_id":null'
expect 0 pn booklet deliver 2 --distributor "$D2"
expect 0 pn --json booklet show 1
contains "$out" '"handout_day":"2027-03-12"'
expect 0 pn --json voucher show "$code1"
contains "$out" '"handout_day":"2027-03-12"'

# Revocation: value back to the funder's balance, one entry per campaign.
code5=$(sed -n 6p "$CSV" | cut -d, -f2)
expect 0 pn --json voucher revoke "$code5"
contains "$out" '"revoked":1'
equals "$(balance "funder:$F:balance")" -93000 "funder balance after one revocation"
equals "$(balance "campaign:$C:outstanding")" -7000 "outstanding after one revocation"
equals "$(sql "SELECT kind FROM entries ORDER BY seq DESC LIMIT 1")" revoke "revoke entry"
refused pn voucher revoke "$code5"
contains "$err" "revoked"
expect 0 pn --json voucher show "$code5"
contains "$out" '"status":"revoked"'
refused pn booklet handout 2 --distributor "$D2"
contains "$err" "revoked"
expect 0 pn --json --yes voucher revoke --booklet 2
contains "$out" '"revoked":3'
equals "$(balance "funder:$F:balance")" -96000 "funder balance after revoking booklet 2"
expect 0 pn --json --yes voucher revoke --batch 1
contains "$out" '"revoked":4'
equals "$(balance "campaign:$C:outstanding")" 0 "outstanding after revoking batch 1"
refused pn --yes voucher revoke --batch 1
contains "$err" "no issued pass"
refused pn --yes voucher revoke --booklet 99
refused pn --yes voucher revoke --batch 99
refused pn voucher revoke 00000-00000-00000-00000-0
expect 2 pn voucher revoke
expect 2 pn voucher revoke "$code5" --batch 1
equals "$(sql "SELECT COUNT(*) FROM entries WHERE kind = 'revoke'")" 3 "revoke entries"

# Expiry: credit campaign back to the balance, refund campaign to a credit note.
OUT3=$WORK/out3
mkdir "$OUT3"
expect 0 pn --json batch issue --campaign "$C" --count 5 --out "$OUT3" --format csv
B2=$(echo "$out" | grep -o '^{"id":[0-9]*' | grep -o '[0-9]*$')
expect 0 pn batch issue --campaign "$CR" --count 3 --out "$OUT3" --format csv
expect 0 pn batch issue --campaign "$CH" --count 2 --booklet 1 --out "$OUT3" --format csv
HB1=$(sed -n 2p "$OUT3/batch-00000$((B2 + 2)).csv" | cut -d, -f7)
HB2=$(sed -n 3p "$OUT3/batch-00000$((B2 + 2)).csv" | cut -d, -f7)
equals "$(balance "funder:$F:balance")" -91000 "funder balance after three more batches"
expect 0 pn booklet deliver "$HB1-$HB2" --distributor "$D"
expect 0 pn booklet handout "$HB1" --distributor "$D" --date 2027-03-12
refused pn expire --as-of 2027-03-13
contains "$err" "after today"
expect 0 pn --json expire
contains "$out" '"expired":0'
# Hand-out validity: 10 days from 2027-03-12, so usable through 2027-03-21.
export PASSNUM_NOW=2027-03-25T10:00:00Z
expect 0 pn --json expire --as-of 2027-03-21
contains "$out" '"expired":0'
expect 0 pn --json expire --as-of 2027-03-22
contains "$out" '"expired":1'
contains "$out" "\"campaign_id\":$CH"
equals "$(sql "SELECT v.status FROM vouchers v WHERE v.booklet_id = $HB1")" expired "handed-out pass"
equals "$(sql "SELECT v.status FROM vouchers v WHERE v.booklet_id = $HB2")" issued "pass not handed out"
# Campaign CH (no tolerance): its pass never handed out expires after its last day.
export PASSNUM_NOW=2028-02-15T10:00:00Z
expect 0 pn --json expire --as-of 2028-01-01
contains "$out" "[{\"campaign_id\":$CH,\"count\":1,\"amount_cents\":500,\"amount\":\"5.00\",\"unused\":\"credit\"}]"
# Last day 2027-12-31 + 30 days of tolerance: usable through 2028-01-30.
expect 0 pn --json expire --as-of 2028-01-30
contains "$out" '"expired":0'
before_credit=$(balance "funder:$F:balance")
expect 0 pn --json expire --as-of 2028-01-31
contains "$out" "{\"campaign_id\":$C,\"count\":5,\"amount_cents\":5000,\"amount\":\"50.00\",\"unused\":\"credit\"}"
contains "$out" "{\"campaign_id\":$CR,\"count\":3,\"amount_cents\":3000,\"amount\":\"30.00\",\"unused\":\"refund\"}"
equals "$(balance "funder:$F:balance")" $((before_credit - 5000)) "balance after expiry (credit)"
equals "$(balance "funder:$F:credit-notes")" -3000 "credit note after expiry (refund)"
equals "$(balance "campaign:$C:outstanding")" 0 "outstanding after expiry"
equals "$(sql "SELECT COUNT(*) FROM vouchers WHERE status = 'issued'")" 0 "issued after expiry"
before=$(db_dump "$H")
expect 0 pn --json expire
contains "$out" '"expired":0'
equals "$(db_dump "$H")" "$before" "database after a second expiry (idempotent)"
refused pn expire --as-of 2028-02-16
expect 2 pn expire --as-of
bad_value pn expire --as-of 2028-13-01

# Hand-out records are purged to monthly totals 12 months after the last day.
equals "$(sql "SELECT COUNT(*) FROM handouts")" 2 "hand-outs before the purge"
export PASSNUM_NOW=2028-12-30T10:00:00Z
expect 0 pn --json expire
contains "$out" '"handouts_purged":0'
export PASSNUM_NOW=2028-12-31T10:00:00Z
expect 0 pn --json expire
contains "$out" '"handouts_purged":2'
equals "$(sql "SELECT COUNT(*) FROM handouts")" 0 "hand-outs after the purge"
equals "$(sql "SELECT campaign_id, distributor_id, period, booklets FROM handout_totals ORDER BY 1")" \
    "$(printf '%s|%s|2027-03|1\n%s|%s|2027-03|1' "$C" "$D" "$CH" "$D")" "hand-out totals"
expect 0 pn --json booklet show 1
contains "$out" '"status":"revoked","stock_status":"handed-out"'
contains "$out" '"handout_day":null'

# The ledger still verifies.
if pn ledger verify --help >/dev/null 2>&1; then
	expect 0 pn ledger verify
fi

# No active issuer key: refused, nothing written.
export PASSNUM_NOW=2027-06-01T10:00:00Z
expect 0 pn --json keys list
kid=$(echo "$out" | grep -o '"kind":"issuer","key_id":"[0-9a-f]*","status":"active"' |
    grep -o '[0-9a-f]\{8\}')
expect 0 pn --yes keys revoke "$kid" --compromised-at 2027-06-01T00:00:00Z
refused pn batch issue --campaign "$C" --count 1 --out "$OUT3" --format csv
contains "$err" "issuer key"

finish
