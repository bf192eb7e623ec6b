#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# Issue 10 for the registry verbs (funder, distributor, place, service,
# campaign, token): IBAN changes seen before approval with secrets off argv,
# corrections recorded with who and when, duplicates refused, exit codes,
# one JSON vocabulary, orders as objects, help pages, tables by display width.
. "$(dirname "$0")/lib.sh"

export PASSNUM_NOW=2027-03-12T10:00:00Z
unset PASSNUM_TOKEN
H=$WORK/home
IBAN=FR7630006000011234567890189
IBAN2=FR1420041010050500013M02606
SIRET=12345678200002
ME="user:$(id -un)"

# refused NEEDLE CMD...: exit 1, one line on stderr with NEEDLE, nothing changed.
refused() {
	local needle=$1 before; shift
	before=$(db_dump "$H")
	expect 1 "$@"
	one_line "$err"
	contains "$err" "$needle" "stderr of: $*"
	equals "$(db_dump "$H")" "$before" "database after refused: $*"
}

# bad NEEDLE CMD...: exit 2, one line on stderr with NEEDLE, nothing changed.
bad() {
	local needle=$1 before; shift
	before=$(db_dump "$H")
	expect 2 "$@"
	one_line "$err"
	contains "$err" "$needle" "stderr of: $*"
	equals "$(db_dump "$H")" "$before" "database after bad value: $*"
}

expect 0 pn --home "$H" init --operator "Opérateur" --siren 123456782 --origin test.example/ledger
expect 0 pn --home "$H" service add internet "Découvrir internet"
expect 0 pn --home "$H" service add demarches "Démarches en ligne" --passes 2

# --- 3. exit codes: values that cannot be valid are 2, unknown ids 1 ---
bad "--passes" pn --home "$H" service add x y --passes abc
bad "two decimals" pn --home "$H" funder order 1 10.555 --ref A
bad "name" pn --home "$H" funder add "   "
bad "name" pn --home "$H" distributor add " "
bad "name" pn --home "$H" service add visio "  "
bad "name" pn --home "$H" place add " " --siret $SIRET --commune 93008 --iban $IBAN
bad "name" pn --home "$H" campaign create --funder 1 --name "  " --value 10 --last-day 2027-12-31
refused "no funder with id 1" pn --home "$H" funder order 1 10 --ref A
refused "no funder with id 9" pn --home "$H" funder show 9
refused "no place with id 9" pn --home "$H" place label 9
refused "no distributor with id 9" pn --home "$H" distributor edit 9 --name X
refused "no campaign with id 9" pn --home "$H" campaign edit 9 --name X
refused "no service" pn --home "$H" service edit yoga --name X

# --- 7. tables by display width ---
expect 0 pn --home "$H" funder add "Conseil régional d'Île-de-France" --public-name "Région Île-de-France"
equals "$out" 1 "funder id"
expect 0 pn --home "$H" funder add "CAF de la Seine-Saint-Denis" --public-name "CAF 93"
expect 0 pn --home "$H" funder list
equals "$(echo "$out" | sed -n 2p)" "1      -              Région Île-de-France Conseil régional d'Île-de-France" "row 1"
equals "$(echo "$out" | sed -n 3p)" "2      -              CAF 93               CAF de la Seine-Saint-Denis" "row 2"

# --- 2. duplicates refused unless --allow-duplicate ---
refused "already has this name" pn --home "$H" funder add "caf de la seine-saint-denis"
expect 0 pn --home "$H" funder add "CAF de la Seine-Saint-Denis" --allow-duplicate
equals "$out" 3 "duplicate funder allowed"
expect 0 pn --home "$H" distributor add "CCAS de Bobigny"
refused "already has this name" pn --home "$H" distributor add "CCAS de Bobigny"
expect 0 pn --home "$H" distributor add "Maison des solidarités"
refused "already has this name" pn --home "$H" distributor edit 2 --name "ccas de bobigny"
expect 0 pn --home "$H" place add "EPN Bobigny" --siret $SIRET --commune 93008 --iban $IBAN
refused "already has this name in commune 93008" pn --home "$H" place add "EPN Bobigny" --siret $SIRET --commune 93008
expect 0 pn --home "$H" place add "EPN Bobigny" --siret $SIRET --commune 75101   # another commune
expect 0 pn --home "$H" place add "EPN Bobigny" --siret $SIRET --commune 93008 --allow-duplicate
refused "already has this name in commune 93008" pn --home "$H" place edit 2 --commune 93008
refused "already exists" pn --home "$H" service add internet "Autre"

# --- 2. corrections, recorded with who and when, shown by show ---
expect 0 pn --home "$H" funder edit 2 --name "CAF 93 (Seine-Saint-Denis)" --public-name "CAF de Seine-Saint-Denis"
contains "$out" "$ME name: CAF de la Seine-Saint-Denis → CAF 93 (Seine-Saint-Denis)"
expect 0 pn --home "$H" --json funder show 2
contains "$out" '"name":"CAF 93 (Seine-Saint-Denis)","public_name":"CAF de Seine-Saint-Denis"'
contains "$out" "\"field\":\"public_name\",\"old_value\":\"CAF 93\",\"new_value\":\"CAF de Seine-Saint-Denis\",\"changed_by\":\"$ME\",\"changed_at\":\"2027-03-12T10:00:00Z\""
expect 0 pn --home "$H" funder edit 2 --name "CAF 93 (Seine-Saint-Denis)"
contains "$out" "nothing changed"
bad "name" pn --home "$H" funder edit 2 --public-name "  "
usage_before=$(db_dump "$H")
expect 2 pn --home "$H" funder edit 2
equals "$(db_dump "$H")" "$usage_before" "funder edit without a change"
expect 0 pn --home "$H" distributor edit 1 --name "CCAS de Bobigny (centre)"
expect 0 pn --home "$H" distributor show 1
contains "$out" "name: CCAS de Bobigny → CCAS de Bobigny (centre)"
expect 0 pn --home "$H" service edit internet --name "Internet pour tous"
expect 0 pn --home "$H" service show internet
contains "$out" "name: Découvrir internet → Internet pour tous"

# A place added without --services gets them later; type and commune too.
expect 0 pn --home "$H" place show 1
contains "$out" "services: none"
expect 0 pn --home "$H" place edit 1 --services internet,demarches --type epn
expect 0 pn --home "$H" --json place show 1
contains "$out" '"type":"epn"'
contains "$out" '"services":["demarches","internet"]'
contains "$out" '"field":"services","old_value":"","new_value":"demarches,internet"'
expect 0 pn --home "$H" place edit 3 --commune 93048 --name "EPN Montreuil"
expect 0 pn --home "$H" --json place show 3
contains "$out" '"name":"EPN Montreuil","payee_id":1,"commune":"93048","commune_name":"Montreuil"'
refused "no service" pn --home "$H" place edit 1 --services internet,yoga
bad "commune" pn --home "$H" place edit 1 --commune 99999
bad "place type" pn --home "$H" place edit 1 --type bar
expect 0 pn --home "$H" place edit 1 --services ""
expect 0 pn --home "$H" place show 1
contains "$out" "services: none"

# The admin token's id is recorded when one is given.
expect 0 pn --home "$H" token create --role admin
A1=$out
expect 0 pn --home "$H" --json token create --role admin --id 7
contains "$out" '"role":"admin"'
A2=$(echo "$out" | sed 's/.*"token":"\([^"]*\)".*/\1/')
if [[ "$A2" =~ ^[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$ ]]; then ok; else fail "token in \"token\": $out"; fi
printf '%s\n' "$A2" > "$WORK/a2.token"
PASSNUM_TOKEN=$A1 expect 0 pn --home "$H" distributor edit 2 --name "Maison des solidarités de Bobigny"
contains "$out" "token:${A1%%.*} name:"
expect 0 pn --home "$H" funder edit 1 --public-name "Région IDF" --token-file "$WORK/a2.token"
contains "$out" "token:${A2%%.*} public_name:"
PASSNUM_TOKEN=garbage refused "not valid" pn --home "$H" funder edit 1 --name "X"

# Campaigns: rules that touch no money already issued.
expect 0 pn --home "$H" campaign create --funder 1 --name "RSA" --value 10 --last-day 2027-12-31 --departments 93
bad "never change" pn --home "$H" campaign edit 1 --value 20
bad "never change" pn --home "$H" campaign edit 1 --funder 2
refused "only move later" pn --home "$H" campaign edit 1 --last-day 2027-06-30
bad "last-day" pn --home "$H" campaign edit 1 --last-day 2027-02-30
bad "département" pn --home "$H" campaign edit 1 --departments 20
refused "no place with id 42" pn --home "$H" campaign edit 1 --places 42
expect 0 pn --home "$H" campaign edit 1 --name "RSA 2027" --last-day 2028-01-31 --tolerance-days 10 --departments 93,94 --services internet --exclude-place-types france-services
expect 0 pn --home "$H" --json campaign show 1
contains "$out" '"value":"10.00","value_cents":1000,"last_day":"2028-01-31","tolerance_days":10'
contains "$out" '"departments":["93","94"]'
contains "$out" '"services":["internet"],"excluded_place_types":["france-services"]'
contains "$out" '"field":"last_day","old_value":"2027-12-31","new_value":"2028-01-31"'
expect 0 pn --home "$H" campaign show 1
contains "$out" "departments: 93 → 93,94"
contains "$out" "changes: 6"

# --- 5. orders as objects; 4. money as *_cents beside formatted strings ---
expect 0 pn --home "$H" funder order 1 5000 --ref BC-2027-001
equals "$out" 1 "order id"
expect 0 pn --home "$H" funder credit 1 1000.50 --ref VIR-1
equals "$out" 2 "credit id"
expect 0 pn --home "$H" --json funder order 1 20 --ref BC-2027-002
contains "$out" '{"id":3,"funder_id":1,"kind":"order","ref":"BC-2027-002","amount_cents":2000,"amount":"20.00","entry_seq":'
contains "$out" '"date":"2027-03-12","created_at":"2027-03-12T10:00:00Z"}'
expect 0 pn --home "$H" funder orders 1
equals "$(echo "$out" | wc -l)" 3 "orders listed (header + 2)"
contains "$out" "3      2027-03-12 20.00"
contains "$out" "BC-2027-001"
case "$out" in *VIR-1*) fail "a credit among the orders" ;; *) ok ;; esac
expect 0 pn --home "$H" --json funder credits 1
contains "$out" '"ref":"VIR-1","amount_cents":100050,"amount":"1000.50"'
refused "no funder with id 9" pn --home "$H" funder orders 9
expect 0 pn --home "$H" --json funder show 1
contains "$out" '"spendable_cents":602050,"spendable":"6020.50","owed_on_orders_cents":502000,"owed_on_orders":"5020.00"'
contains "$out" '"value_cents":1000,"value":"10.00"'

# --- 1. IBAN changes: listed, shown old → new before approval, secrets off argv ---
expect 0 pn --home "$H" place iban-requests
contains "$out" "no IBAN change is waiting"
usage_before=$(db_dump "$H")
expect 2 pn --home "$H" place iban-request 1 $IBAN2
contains "$err" "--token-file"
equals "$(db_dump "$H")" "$usage_before" "iban-request without a token"
PASSNUM_TOKEN=$A1 expect 0 pn --home "$H" place iban-request 1 $IBAN2
REQ=$out
equals "$REQ" 1 "request id"
expect 0 pn --home "$H" place iban-pending
contains "$out" "EPN Bobigny"
contains "$out" "$SIRET"
contains "$out" "FR76 3000 6000 0112 3456 7890 189"
contains "$out" "FR14 2004 1010 0505 0001 3M02 606"
contains "$out" "${A1%%.*}"
expect 0 pn --home "$H" --json place iban-requests
contains "$out" "\"id\":1,\"payee_id\":1,\"payee_name\":\"EPN Bobigny\",\"payee_siret\":\"$SIRET\",\"old_iban\":\"FR76 3000 6000 0112 3456 7890 189\",\"new_iban\":\"FR14 2004 1010 0505 0001 3M02 606\""
# The requester's own token is refused, from the environment too.
PASSNUM_TOKEN=$A1 refused "another admin token" pn --home "$H" --yes place iban-approve "$REQ"
# No terminal and no --yes: shown, then refused, nothing changed.
refused "--yes" pn --home "$H" place iban-approve "$REQ" --token-file "$WORK/a2.token"
contains "$out" "payee 1: EPN Bobigny, SIRET $SIRET"
contains "$out" "FR76 3000 6000 0112 3456 7890 189 → FR14 2004 1010 0505 0001 3M02 606"
before=$(db_dump "$H")
expect 0 pn --home "$H" place iban-approve "$REQ" --token-file "$WORK/a2.token" --dry-run
contains "$out" "→ FR14 2004 1010 0505 0001 3M02 606"
contains "$out" "dry run"
equals "$(db_dump "$H")" "$before" "database after a dry run"
refused "token file" pn --home "$H" --yes place iban-approve "$REQ" --token-file "$WORK/none.token"
expect 0 pn --home "$H" --yes place iban-approve "$REQ" --token-file - < "$WORK/a2.token"
contains "$out" "approved: payee 1 is paid to FR14 2004 1010 0505 0001 3M02 606 (was FR76 3000 6000 0112 3456 7890 189)"
expect 0 pn --home "$H" --json place show 2
contains "$out" '"iban":"FR14 2004 1010 0505 0001 3M02 606"'
contains "$out" "\"field\":\"iban\",\"old_value\":\"$IBAN\",\"new_value\":\"$IBAN2\",\"changed_by\":\"token:${A2%%.*}\""
expect 0 pn --home "$H" place iban-requests
contains "$out" "no IBAN change is waiting"

# --- 6. tokens: revoke takes the whole token or "-" ---
expect 0 pn --home "$H" token create --role place --id 1
P1=$out
expect 0 pn --home "$H" token revoke "$P1"
equals "$out" "revoked ${P1%%.*}" "revoke ID.SECRET"
expect 0 pn --home "$H" token create --role funder --id 1
printf '%s\n' "$out" > "$WORK/f1.token"
expect 0 pn --home "$H" token revoke - < "$WORK/f1.token"
refused "already revoked" pn --home "$H" token revoke "$P1"
bad "16 hexadecimal" pn --home "$H" token revoke "0123456789abcdef0.secret"

# --- 6. help: every sub-verb has its own page with an example ---
for vs in "funder add" "funder list" "funder show" "funder edit" "funder order" "funder credit" \
    "funder orders" "funder credits" "distributor add" "distributor list" "distributor show" \
    "distributor edit" "place add" "place edit" "place label" "place suspend" "place unlabel" \
    "place list" "place show" "place iban-request" "place iban-requests" "place iban-approve" \
    "service add" "service list" "service show" "service edit" "campaign create" \
    "campaign edit" "campaign list" "campaign show" "token create" "token list" "token revoke"; do
	expect 0 pn $vs --help
	contains "$out" "usage: passnum $vs" "help of $vs"
	contains "$out" "example" "help of $vs"
done
for v in funder distributor place service campaign token; do
	expect 0 pn $v --help
	contains "$out" "example" "help of $v"
done
expect 0 pn token create --help
contains "$out" "ignored"

expect 0 pn --home "$H" ledger verify
finish
