#!/usr/bin/env bash
# passnum init, keys and voucher show/qr through the real CLI.
. "$(dirname "$0")/lib.sh"

V1='PN1:3A0CQS.GML72TL6$ZA05F8JJ$SN000V50300$ET$10S8O1%AF5OHIBEFVE0PZTFDFC1HMHYI/W4AUU5FJX2IC6GGQC$JHH9T30Q6DJ9HH3:2BHJ$BQB/A33D45P RF*3U+DCT:FK 100'
V1_PUB=8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c
H=$WORK/home

# init creates the home, with secret key files of mode 0600.
expect 0 pn --home "$H" init --operator "Département de test" --siren 123456782 --origin test.example/ledger
contains "$out" "origin test.example/ledger"
for f in "$H"/keys/*.key; do
	equals "$(stat -c %a "$f")" 600 "mode of $f"
done
equals "$(ls "$H"/keys/*.key | wc -l)" 2 "key files"
equals "$(stat -c %a "$H/passnum.db")" 600 "mode of passnum.db"

# init refuses an existing home and changes nothing.
before=$(db_dump "$H")
expect 1 pn --home "$H" init
one_line "$err"
contains "$err" "refusing to touch it"
equals "$(db_dump "$H")" "$before" "database after refused init"

# A bad SIREN, IBAN or BIC is refused in one line and nothing is created.
expect 2 pn --home "$WORK/bad" init --siren 123456789
one_line "$err"
contains "$err" "SIREN"
expect 2 pn --home "$WORK/bad" init --iban FR7630006000011234567890188
contains "$err" "IBAN"
expect 2 pn --home "$WORK/bad" init --bic NOPE
contains "$err" "BIC"
[ ! -e "$WORK/bad" ] && ok || fail "a refused init left $WORK/bad"
expect 0 pn --home "$WORK/good" --json init --iban "FR76 3000 6000 0112 3456 7890 189" --bic agrifrpp
equals "$(sqlite3 "$WORK/good/passnum.db" 'SELECT iban, bic FROM operator')" \
	"FR7630006000011234567890189|AGRIFRPP" "normalised IBAN and BIC"

# usage errors exit 2; --help exits 0.
expect 2 pn --home "$H" init --bogus
one_line "$err"
expect 2 pn --home "$H"
expect 2 pn --home "$H" frobnicate
expect 0 pn init --help
contains "$out" "usage: passnum"
expect 0 pn keys --help
for sub in "keys list" "keys rotate" "keys revoke" init; do
	expect 0 pn $sub --help
	contains "$out" "example" "$sub --help"
done
expect 0 pn keys revoke --help
equals "$(echo "$out" | head -1)" "usage: passnum keys revoke KID [--compromised-at TIME] [--dry-run] [--yes]" \
	"keys revoke --help is its own page"
expect 0 pn voucher show --help
expect 1 env -u PASSNUM_HOME "$PASSNUM_BIN" keys list
contains "$err" "no home given"

# keys: list, rotate, revoke.
expect 0 pn --home "$H" --json keys list
equals "$(echo "$out" | grep -o '"status":"active"' | wc -l)" 2 "active keys"
old=$(echo "$out" | grep -o '"kind":"issuer","key_id":"[0-9a-f]*"' | grep -o '[0-9a-f]\{8\}')
expect 0 pn --home "$H" keys rotate --issuer
new=$out
expect 0 pn --home "$H" --json keys list
contains "$out" "\"key_id\":\"$old\",\"status\":\"retired\""
contains "$out" "\"key_id\":\"$new\",\"status\":\"active\""
expect 2 pn --home "$H" keys rotate
expect 2 pn --home "$H" keys rotate --issuer --ledger
expect 1 pn --home "$H" keys revoke 00000000
contains "$err" "no key with id 00000000"
expect 1 pn --home "$H" keys revoke "$old" --compromised-at 2999-01-01T00:00:00Z
contains "$err" "future"
# keys revoke cannot be undone: refused without a terminal unless --yes;
# --dry-run says what would be revoked and what stays redeemable.
before=$(db_dump "$H")
expect 1 pn --home "$H" keys revoke "$old" --compromised-at 2026-01-01T00:00:00Z
contains "$err" "add --yes to confirm"
one_line "$err"
expect 0 pn --home "$H" keys revoke "$old" --compromised-at 2026-01-01T00:00:00Z --dry-run
contains "$out" "would revoke key $old: 1 issuer key(s), 0 ledger key(s)"
contains "$out" "stay redeemable: 0"
expect 0 pn --home "$H" --json keys revoke "$old" --compromised-at 2026-01-01T00:00:00Z --dry-run
equals "$(echo "$out" | jq -c '[.dry_run, .issuer_keys, .issuer_active, .passes_redeemable]')" \
	"[true,1,false,0]" "keys revoke --dry-run --json"
equals "$(db_dump "$H")" "$before" "refusal and dry run change nothing"
# On a terminal: a prompt naming what would happen; anything but yes does nothing.
if script -qec true /dev/null >/dev/null 2>&1; then
	printf 'n\n' | script -qec "$PASSNUM_BIN --home $H keys revoke $old --compromised-at 2026-01-01T00:00:00Z" \
		/dev/null > "$WORK/tty.out" 2>&1
	contains "$(cat "$WORK/tty.out")" "revoke key $old (1 issuer, 0 ledger) compromised since 2026-01-01T00:00:00Z: 0 passes it signed stay redeemable, 0 become unredeemable? [y/N]"
	contains "$(cat "$WORK/tty.out")" "not confirmed: nothing was done"
	equals "$(db_dump "$H")" "$before" "a prompt answered no changes nothing"
fi
expect 0 pn --home "$H" keys revoke "$old" --compromised-at 2026-01-01T00:00:00Z --yes
contains "$out" "revoked $old (compromised since 2026-01-01T00:00:00Z)"
expect 1 pn --home "$H" keys revoke "$old" --dry-run
contains "$err" "no key with id $old that is not already revoked"
expect 2 pn --home "$H" keys revoke nothex --dry-run
expect 2 pn --home /nonexistent keys revoke "$old" --compromised-at 2026-13-01T00:00:00Z
expect 0 pn --home "$H" --json keys list
contains "$out" "\"key_id\":\"$old\",\"status\":\"revoked\""
contains "$out" "\"compromised_at\":\"2026-01-01T00:00:00Z\""
equals "$(ls "$H"/keys/*.key | wc -l)" 3 "key files after rotation"

# voucher show: a TOKEN.md vector, verified with its public key.
expect 0 pn voucher show "$V1" --public-key $V1_PUB
contains "$out" "000H4-8SM8N-B6EY4-9KANV-C"
contains "$out" "2027-12-31"
contains "$out" "10.00"
expect 0 pn --json voucher show "$(echo "$V1" | tr 'A-Z' 'a-z')" --public-key $V1_PUB
contains "$out" '"serial":"00112233445566778899aabb"'
contains "$out" '"valid":true'
# ... against the home's keys it is unknown: exit 1.
expect 1 pn --home "$H" voucher show "$V1"
contains "$out" "UNKNOWN_KEY"
# A forged pass (one signature byte changed) fails.
forged=${V1%100}200
expect 1 pn voucher show "$forged" --public-key $V1_PUB
# Text that is no pass in any state is a usage error (docs/cli.md).
expect 2 pn voucher show "PN1:not-a-pass"
one_line "$err"
expect 2 pn voucher show "$V1" --public-key abc

# voucher qr: PNG and SVG; zbarimg reads back exactly the token text.
expect 0 pn voucher qr "$V1" --out "$WORK/v1.png"
equals "$(zbarimg --raw -q "$WORK/v1.png")" "$V1" "zbarimg of the PNG"
expect 0 pn voucher qr "$V1" --out "$WORK/v1.svg"
contains "$(cat "$WORK/v1.svg")" "<svg"
expect 2 pn voucher qr "$V1" --out "$WORK/v1.gif"
expect 2 pn voucher qr "garbage" --out "$WORK/x.png"
[ ! -e "$WORK/x.png" ] && ok || fail "a refused qr left a file"

# Schema versions: an older home is upgraded in place when opened; a home
# newer than this binary is refused with a clear message and left alone.
latest=$(ls "$PASSNUM_SOURCE_DIR"/schema/*.sql | wc -l)
equals "$(sqlite3 "$H/passnum.db" 'PRAGMA user_version')" "$latest" "schema version of a new home"
OLD=$WORK/old
mkdir -m 700 "$OLD"
{
	echo "BEGIN;"
	cat "$PASSNUM_SOURCE_DIR/schema/0001-init.sql"
	echo "PRAGMA user_version = 1;"
	echo "INSERT INTO operator (id, name, siren, iban, bic, origin, created_at)"
	echo "  VALUES (1, 'Old', '', '', '', 'old.example/ledger', 0);"
	echo "COMMIT;"
} | sqlite3 "$OLD/passnum.db"
expect 0 pn --home "$OLD" keys list
equals "$(sqlite3 "$OLD/passnum.db" 'PRAGMA user_version')" "$latest" "schema version after upgrade"
expect 0 pn --home "$OLD" ledger verify
sqlite3 "$OLD/passnum.db" "PRAGMA user_version = 99"
before=$(db_dump "$OLD")
expect 1 pn --home "$OLD" keys list
one_line "$err"
contains "$err" "schema version 99"
equals "$(db_dump "$OLD")" "$before" "database of a refused newer home"

finish
