#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# passnum operator show|set and init through the real CLI (issue 10): every
# identifier checked before the home opens (exit 2), contradictions with the
# stored identity refused (exit 1), each change recorded with who and when,
# the SIREN settable until the first FEC export and fixed afterwards; init
# without --origin warns in one line, init makes the home's parents.
. "$(dirname "$0")/lib.sh"
H=$WORK/deep/er/home
export PASSNUM_NOW=2027-01-05T10:00:00Z

# init: missing parents made (mode 0700); the chosen origin printed, and a
# one-line warning that it can never change.
expect 0 pn --home "$H" init --operator "Opérateur"
contains "$out" "origin passnum.localhost/"
ORIGIN=$(echo "$out" | sed -n 's/^origin //p')
one_line "$err"
contains "$err" "warning: no --origin given: the ledger's origin is $ORIGIN, and it can never change"
equals "$(stat -c %a "$WORK/deep")" 700 "mode of a parent made by init"
equals "$(stat -c %a "$WORK/deep/er")" 700 "mode of a parent made by init"
expect 0 pn --home "$WORK/given" --json init --origin given.example/ledger
equals "$err" "" "no warning when --origin is given"
equals "$(echo "$out" | jq -c '[.origin, .origin_chosen]')" '["given.example/ledger",false]' "init --json"
: > "$WORK/file"
expect 1 pn --home "$WORK/file/home" init
one_line "$err"

# operator show: the identity as init left it.
expect 0 pn --home "$H" operator show
contains "$out" "name                     Opérateur"
contains "$out" "SIREN                    -"
contains "$out" "FEC exported             never (the SIREN may still be set)"
expect 0 pn --home "$H" --json operator show
equals "$(echo "$out" | jq -c '[.id, .name, .siren, .capital_cents, .origin, .fec_exported_at, .changes]')" \
	"[1,\"Opérateur\",\"\",null,\"$ORIGIN\",null,[]]" "operator show --json"

# Every identifier is checked before the home is opened: exit 2, one line,
# even with no home at all.
bad_value() {
	expect 2 env -u PASSNUM_HOME "$PASSNUM_BIN" --home "$WORK/none" operator set "$@"
	one_line "$err"
}
bad_value --siren 123456789
contains "$err" "SIREN"
bad_value --siret 12345678200003
bad_value --vat-number FR33123456782
contains "$err" "key 33 does not match its SIREN (it would be 11)"
bad_value --vat-number DE123456789
bad_value --rcs "Paris 123 456 782"
bad_value --rcs "RCS Paris 123 456 789"
bad_value --iban FR7630006000011234567890188
bad_value --operating-iban FR76
bad_value --bic NOPE
bad_value --capital 10.555
bad_value --capital -5
bad_value --name ""
bad_value --name "   "
bad_value --address "$(printf 'line\nbreak')"
bad_value --siren 123456782 --siret 73282932000074
contains "$err" "is not an establishment of the SIREN 123456782"
bad_value --siren 123456782 --vat-number FR44732829320
bad_value
bad_value --bogus
[ ! -e "$WORK/none" ] && ok || fail "a refused operator set made $WORK/none"

# set: normalised identifiers, each change recorded with who and when.
IBAN="fr76 3000 6000 0112 3456 7890 189"
expect 0 pn --home "$H" operator set --siren "123 456 782" --siret 12345678200002 \
	--vat-number "fr 11 123456782" --legal-form SAS --capital 10000.50 \
	--rcs "rcs Paris 123456782" --address "1 place de la Mairie, 93100 Montreuil" \
	--iban "$IBAN" --bic agrifrpp --operating-iban FR1420041010050500013M02606
contains "$out" "10 fields changed"
contains "$out" "VAT number               FR11123456782"
contains "$out" "RCS                      RCS Paris 123 456 782"
contains "$out" "IBAN (third-party funds) FR7630006000011234567890189"
contains "$out" "capital                  10000.50"
contains "$out" "2027-01-05T10:00:00Z siren: \"\" -> \"123456782\" by user:"
expect 0 pn --home "$H" --json operator show
equals "$(echo "$out" | jq -c '[.siren, .siret, .vat_number, .legal_form, .capital_cents, .capital,
	.rcs, .iban, .bic, .operating_iban]')" \
	'["123456782","12345678200002","FR11123456782","SAS",1000050,"10000.50","RCS Paris 123 456 782","FR7630006000011234567890189","AGRIFRPP","FR1420041010050500013M02606"]' \
	"the identity stored, normalised"
equals "$(echo "$out" | jq -r '[.changes[].field] | join(",")')" \
	"address,siren,siret,vat_number,legal_form,capital,rcs,iban,bic,operating_iban" "changes recorded"
equals "$(echo "$out" | jq -r '[.changes[] | .changed_at] | unique | join(",")')" "2027-01-05T10:00:00Z" \
	"when"
contains "$(echo "$out" | jq -r '.changes[0].changed_by')" "user:" "who (the OS user)"
# Setting a field to its value changes and records nothing; "" clears.
expect 0 pn --home "$H" operator set --legal-form SAS
contains "$out" "0 fields changed"
expect 0 pn --home "$H" --json operator set --capital ""
equals "$(echo "$out" | jq -c '[.capital_cents, .capital, (.changes | length), .changes[-1].old_value]')" \
	'[null,null,11,"10000.50"]' "capital cleared and recorded"
# Who: an admin token (--token-file or PASSNUM_TOKEN) is recorded by its id.
pn --home "$H" token create --role admin > "$WORK/admin.token" || fail "token create"
TOKEN_ID=$(cut -d. -f1 "$WORK/admin.token")
expect 0 pn --home "$H" --json operator set --name "Opérateur SAS" --token-file "$WORK/admin.token"
equals "$(echo "$out" | jq -r '.changes[-1] | "\(.field) \(.old_value) \(.new_value) \(.changed_by)"')" \
	"name Opérateur Opérateur SAS token:$TOKEN_ID" "who: the admin token"
expect 1 pn --home "$H" operator set --name X --token-file "$WORK/none.token"

# The state refuses a SIRET, VAT number or RCS of another SIREN: exit 1,
# nothing changed.
before=$(db_dump "$H")
expect 1 pn --home "$H" operator set --siret 73282932000074
contains "$err" "is not an establishment of the SIREN 123456782"
one_line "$err"
expect 1 pn --home "$H" --json operator set --vat-number FR44732829320
contains "$err" '{"error":{"code":"OPERATOR_MISMATCH"'
expect 1 pn --home "$H" operator set --siren 732829320
contains "$err" "SIRET 12345678200002 is not an establishment of the SIREN 732829320"
equals "$(db_dump "$H")" "$before" "refusals change nothing"

# The SIREN may change until the first FEC export, all fields together.
expect 0 pn --home "$H" operator set --siren 732829320 --siret 73282932000074 \
	--vat-number FR44732829320 --rcs "RCS Bobigny 732 829 320"
contains "$out" "4 fields changed"
expect 0 pn --home "$H" ledger export --format fec --year 2027 --out "$WORK/fec/"
equals "$out" "$WORK/fec/732829320FEC20271231.txt" "FEC named after the SIREN inside DIR/"
expect 0 pn --home "$H" --json operator show
equals "$(echo "$out" | jq -c '[.fec_exported_at, .siren_settable]')" '["2027-01-05T10:00:00Z",false]' \
	"the first FEC export is recorded"
contains "$(pn --home "$H" operator show)" "FEC exported             2027-01-05T10:00:00Z (the SIREN is fixed)"
# A later export keeps the first date.
PASSNUM_NOW=2027-02-01T10:00:00Z pn --home "$H" ledger export --format fec --year 2027 >/dev/null ||
	fail "second FEC export"
equals "$(pn --home "$H" --json operator show | jq -r .fec_exported_at)" "2027-01-05T10:00:00Z" \
	"first export date kept"
# Afterwards the SIREN is fixed (exit 1, nothing changed); others still change.
before=$(db_dump "$H")
expect 1 pn --home "$H" operator set --siren 123456782 --siret 12345678200002 \
	--vat-number FR11123456782 --rcs "RCS Paris 123 456 782"
contains "$err" "the SIREN 732829320 can no longer change: a FEC was exported under it on 2027-01-05"
one_line "$err"
expect 1 pn --home "$H" operator set --siren ""
equals "$(db_dump "$H")" "$before" "a refused SIREN change changes nothing"
# Behind the CLI's back too: the schema's trigger refuses it.
if sqlite3 "$H/passnum.db" "UPDATE operator SET siren = '123456782'" 2>/dev/null; then
	fail "the trigger let the SIREN change after a FEC export"
else
	ok
fi
expect 0 pn --home "$H" operator set --siren 732829320 --address "2 rue de Paris, 93100 Montreuil"
contains "$out" "1 field changed"

# A home without a SIREN cannot make a FEC at all (it is filed under it),
# and nothing is recorded.
expect 1 pn --home "$WORK/given" ledger export --format fec --year 2027
contains "$err" "set it with passnum operator set --siren S"
one_line "$err"
equals "$(pn --home "$WORK/given" --json operator show | jq -r .fec_exported_at)" null "no export recorded"

# Help: one page per sub-verb, each with an example.
for sub in "" show set; do
	expect 0 pn operator $sub --help
	contains "$out" "example"
done
expect 0 pn operator set --help
contains "$out" "usage: passnum operator set"
contains "$out" "until the first"
expect 2 pn --home "$H" operator frob
expect 0 pn --help
contains "$out" "operator"
finish
