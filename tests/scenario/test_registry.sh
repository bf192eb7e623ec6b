#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# The registry verbs through the real CLI: funder, distributor, place,
# service, token, campaign. Every refusal prints one line on stderr and
# leaves the database as it was.
. "$(dirname "$0")/lib.sh"

export PASSNUM_NOW=2027-03-12T10:00:00Z
H=$WORK/home
IBAN="FR76 3000 6000 0112 3456 7890 189"
IBAN2=FR1420041010050500013M02606
SIRET=12345678200002      # Luhn-valid
SIRET_BAD=12345678200003  # Luhn digit wrong
SIRET_POSTE=35600000000048

# refused NEEDLE CMD...: exit 1, one line on stderr containing NEEDLE, database unchanged.
refused() {
	local needle=$1 before; shift
	before=$(db_dump "$H")
	expect 1 "$@"
	one_line "$err"
	contains "$err" "$needle" "stderr of: $*"
	equals "$(db_dump "$H")" "$before" "database after refused: $*"
}

# bad NEEDLE CMD...: a value that cannot be valid: exit 2, one line on stderr
# containing NEEDLE, database unchanged.
bad() {
	local needle=$1 before; shift
	before=$(db_dump "$H")
	expect 2 "$@"
	one_line "$err"
	contains "$err" "$needle" "stderr of: $*"
	equals "$(db_dump "$H")" "$before" "database after bad value: $*"
}

# usage CMD...: exit 2, one line on stderr, database unchanged.
usage() {
	local before
	before=$(db_dump "$H")
	expect 2 "$@"
	one_line "$err"
	equals "$(db_dump "$H")" "$before" "database after usage error: $*"
}

expect 0 pn --home "$H" init --operator "Opérateur de test" --siren 123456782 --origin test.example/ledger

# --- services ---
expect 0 pn --home "$H" service add internet "Découvrir internet"
equals "$out" 1 "first service id"
expect 0 pn --home "$H" --json service add demarches "Démarches en ligne" --passes 2
equals "$out" '{"id":2}' "service add --json"
expect 0 pn --home "$H" service add courrier "Écrire un courrier"
refused "already exists" pn --home "$H" service add internet "Autre"
bad "service code" pn --home "$H" service add "Bad Code" "Nom"
usage pn --home "$H" service add visio "Visio" --passes 11
usage pn --home "$H" service add visio
expect 0 pn --home "$H" --json service list
contains "$out" '"code":"demarches","name":"Démarches en ligne","passes":2'

# --- funders and their funds ---
expect 0 pn --home "$H" funder add "Conseil départemental de la Seine-Saint-Denis" --siret 21930008400007 --public-name "Département de la Seine-Saint-Denis"
equals "$out" 1 "first funder id"
expect 0 pn --home "$H" --json funder add "CAF"
equals "$out" '{"id":2}' "funder add --json"
bad "SIRET" pn --home "$H" funder add "Mauvais" --siret $SIRET_BAD
bad "name" pn --home "$H" funder add ""
usage pn --home "$H" funder add
usage pn --home "$H" funder add A B
expect 0 pn --home "$H" funder order 1 5000 --ref BC-2027-001
expect 0 pn --home "$H" funder credit 1 1000.50 --ref VIR-2027-04
refused "already has an order" pn --home "$H" funder order 1 10 --ref BC-2027-001
refused "already has a credit" pn --home "$H" funder credit 1 10 --ref VIR-2027-04
expect 0 pn --home "$H" funder credit 1 100 --ref BC-2027-001   # another kind: fine
expect 0 pn --home "$H" funder order 2 10 --ref BC-2027-001      # another funder: fine
refused "no funder with id 9" pn --home "$H" funder order 9 10 --ref X
bad "more than zero" pn --home "$H" funder credit 1 0 --ref Z
usage pn --home "$H" funder credit 1 -5 --ref Z
bad "amount" pn --home "$H" funder credit 1 10,5 --ref Z
usage pn --home "$H" funder order 1 10
usage pn --home "$H" funder order x 10 --ref Y
expect 0 pn --home "$H" funder show 1
contains "$out" "public name: Département de la Seine-Saint-Denis"
contains "$out" "spendable: 6100.50"
contains "$out" "owed on orders: 5000.00"
expect 0 pn --home "$H" --json funder show 2
contains "$out" '"spendable_cents":1000,"spendable":"10.00","owed_on_orders_cents":1000,"owed_on_orders":"10.00"'
refused "no funder with id 7" pn --home "$H" funder show 7
expect 0 pn --home "$H" --json funder list
contains "$out" '"public_name":"CAF"'
expect 0 pn --home "$H" ledger verify

# --- distributors ---
expect 0 pn --home "$H" distributor add "CCAS de Bobigny" --siret 21930008400015
equals "$out" 1 "first distributor id"
expect 0 pn --home "$H" distributor add "Maison des solidarités"
bad "SIRET" pn --home "$H" distributor add "X" --siret 1234
expect 0 pn --home "$H" distributor show 1
contains "$out" "siret: 21930008400015"
expect 0 pn --home "$H" --json distributor list
contains "$out" '"name":"Maison des solidarités","created_at":"2027-03-12T10:00:00Z","siret":null'
refused "no distributor" pn --home "$H" distributor show 3

# --- places ---
expect 0 pn --home "$H" place add "EPN Bobigny" --siret $SIRET --commune 93008 --iban "$IBAN" --type epn --services internet,demarches
equals "$out" 1 "first place id"
# The same SIRET joins its payee, with or without the same IBAN.
expect 0 pn --home "$H" place add "EPN Bobigny annexe" --siret "123 456 782 00002" --commune 93008
expect 0 pn --home "$H" place add "Médiathèque Paris 1" --siret $SIRET --commune 75101 --iban FR7630006000011234567890189 --type mediatheque
expect 0 pn --home "$H" --json place show 3
contains "$out" '"payee_id":1'
contains "$out" '"commune":"75101","commune_name":"Paris 1er Arrondissement","department":"75","region":"11","epci":"200054781","time_zone":"Europe/Paris"'
contains "$out" '"label":"none"'
refused "paid to another IBAN" pn --home "$H" place add "Autre" --siret $SIRET --commune 93008 --iban $IBAN2
# La Poste's head office SIRET follows its own rule.
expect 0 pn --home "$H" place add "Agence postale communale" --siret $SIRET_POSTE --commune 97105 --iban $IBAN2 --type france-services
expect 0 pn --home "$H" --json place show 4
contains "$out" '"department":"971"'
contains "$out" '"time_zone":"America/Guadeloupe"'
contains "$out" "\"siret\":\"$SIRET_POSTE\""
bad "SIRET" pn --home "$H" place add "X" --siret $SIRET_BAD --commune 93008 --iban "$IBAN"
bad "IBAN" pn --home "$H" place add "X" --siret 44306184100005 --commune 93008 --iban FR7630006000011234567890188
refused "new: give its IBAN" pn --home "$H" place add "X" --siret 44306184100005 --commune 93008
bad "commune" pn --home "$H" place add "X" --siret $SIRET --commune 99999
bad "commune" pn --home "$H" place add "X" --siret $SIRET --commune 01039   # commune déléguée
bad "commune" pn --home "$H" place add "X" --siret $SIRET --commune 930080
bad "place type" pn --home "$H" place add "X" --siret $SIRET --commune 93008 --type bar
refused "no service" pn --home "$H" place add "X" --siret $SIRET --commune 93008 --services internet,yoga
usage pn --home "$H" place add "X" --siret $SIRET
usage pn --home "$H" place add "X" --commune 93008
usage pn --home "$H" place add "X" --siret $SIRET --commune 93008 --bogus

# Labels.
expect 0 pn --home "$H" place label 1
contains "$out" "until 2028-12-31"
expect 0 pn --home "$H" place label 3 --until 2027-03-12
expect 0 pn --home "$H" --json place show 3
contains "$out" '"label":"labelled","label_until":"2027-03-12"'
refused "past" pn --home "$H" place label 2 --until 2027-03-11
refused "no place with id 99" pn --home "$H" place label 99
refused "not labelled" pn --home "$H" place suspend 2
usage pn --home "$H" place label 2 --until 2027-02-30
expect 0 pn --home "$H" place suspend 3
expect 0 pn --home "$H" --json place show 3
contains "$out" '"label":"suspended","label_until":"2027-03-12"'
expect 0 pn --home "$H" place unlabel 3
expect 0 pn --home "$H" --json place show 3
contains "$out" '"label":"none"'
expect 0 pn --home "$H" place list
contains "$out" "labelled  2028-12-31 EPN Bobigny"
expect 0 pn --home "$H" place show 1
contains "$out" "services: demarches internet"
contains "$out" "IBAN FR76 3000 6000 0112 3456 7890 189"

# --- tokens ---
expect 0 pn --home "$H" token create --role admin
ADMIN1=$out
expect 0 pn --home "$H" --json token create --role admin
ADMIN2=$(echo "$out" | sed 's/.*"token":"\([^"]*\)".*/\1/')
expect 0 pn --home "$H" token create --role place --id 1
PLACE1=$out
expect 0 pn --home "$H" token create --role funder --id 1
expect 0 pn --home "$H" token create --role distributor --id 2
for t in "$ADMIN1" "$ADMIN2" "$PLACE1"; do
	if [[ "$t" =~ ^[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$ ]]; then ok; else fail "token form: $t"; fi
done
refused "no funder with id 9" pn --home "$H" token create --role funder --id 9
refused "no place with id 9" pn --home "$H" token create --role place --id 9
expect 0 pn --home "$H" token create --role admin --id 1   # accepted, the id ignored
ADMIN3=$out
usage pn --home "$H" token create --role place
usage pn --home "$H" token create --role root
expect 0 pn --home "$H" token list
equals "$(echo "$out" | grep -c valid)" 6 "valid tokens listed"
for t in "$ADMIN1" "$ADMIN2" "$PLACE1"; do
	contains "$out" "${t%%.*}" "token list"
	case "$out" in *"${t#*.}"*) fail "token list shows a secret" ;; *) ok ;; esac
done
case "$(sqlite3 "$H/passnum.db" .dump)" in *"${ADMIN1#*.}"*) fail "a secret is stored" ;; *) ok ;; esac

# --- IBAN change: a request, then an approval by another admin token ---
refused "not valid" pn --home "$H" place iban-request 1 $IBAN2 --token "${ADMIN1%.*}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
refused "not valid" pn --home "$H" place iban-request 1 $IBAN2 --token 0000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
refused "not valid" pn --home "$H" place iban-request 1 $IBAN2 --token garbage
refused "admin token" pn --home "$H" place iban-request 1 $IBAN2 --token "$PLACE1"
refused "already has this IBAN" pn --home "$H" place iban-request 1 "$IBAN" --token "$ADMIN1"
bad "IBAN" pn --home "$H" place iban-request 1 FR1420041010050500013M02607 --token "$ADMIN1"
refused "no payee with id 9" pn --home "$H" place iban-request 9 $IBAN2 --token "$ADMIN1"
usage pn --home "$H" place iban-request 1 $IBAN2
expect 0 pn --home "$H" place iban-request 1 $IBAN2 --token "$ADMIN1"
REQ=$out
equals "$REQ" 1 "request id"
expect 0 pn --home "$H" --json place show 1
contains "$out" '"iban":"FR76 3000 6000 0112 3456 7890 189"' "IBAN before approval"
refused "another admin token" pn --home "$H" place iban-approve "$REQ" --token "$ADMIN1"
refused "admin token" pn --home "$H" place iban-approve "$REQ" --token "$PLACE1"
refused "no IBAN change request with id 5" pn --home "$H" place iban-approve 5 --token "$ADMIN2"
expect 0 pn --home "$H" --yes place iban-approve "$REQ" --token "$ADMIN2"
expect 0 pn --home "$H" --json place show 2
contains "$out" '"iban":"FR14 2004 1010 0505 0001 3M02 606"' "IBAN after approval (shared payee)"
refused "already approved" pn --home "$H" --yes place iban-approve "$REQ" --token "$ADMIN2"

# Revoked tokens no longer authenticate.
expect 0 pn --home "$H" token revoke "${ADMIN2%%.*}"
refused "already revoked" pn --home "$H" token revoke "${ADMIN2%%.*}"
refused "no token" pn --home "$H" token revoke 0123456789abcdef
bad "16 hexadecimal" pn --home "$H" token revoke nope
expect 0 pn --home "$H" place iban-request 1 "$IBAN" --token "$ADMIN1"
refused "not valid" pn --home "$H" --yes place iban-approve "$out" --token "$ADMIN2"
expect 0 pn --home "$H" --json token list
contains "$out" "\"id\":\"${ADMIN2%%.*}\",\"role\":\"admin\",\"status\":\"revoked\""

# --- campaigns ---
expect 0 pn --home "$H" campaign create --funder 1 --name "RSA 2027" --value 10 --last-day 2027-12-31 --departments 93,94 --services internet,demarches --exclude-place-types france-services
equals "$out" 1 "first campaign id"
expect 0 pn --home "$H" --json campaign create --funder 1 --name "Seniors" --value 20.5 --last-day 2027-03-12 --tolerance-days 0 --valid-days-after-handout 90 --unused refund --communes 75056,93008 --epci 200046977 --places 1,2
equals "$out" '{"id":2}' "campaign create --json"
expect 0 pn --home "$H" --json campaign show 2
contains "$out" '"value":"20.50","value_cents":2050,"last_day":"2027-03-12","tolerance_days":0,"unused":"refund"'
contains "$out" '"valid_days_after_handout":90'
contains "$out" '"communes":["75056","93008"],"epci":["200046977"],"places":[1,2],"services":[]'
expect 0 pn --home "$H" campaign show 1
contains "$out" "départements: 93, 94"
contains "$out" "services: internet, demarches"
contains "$out" "excluded place types: france-services"
refused "already past" pn --home "$H" campaign create --funder 1 --name X --value 10 --last-day 2027-03-11
refused "no funder with id 9" pn --home "$H" campaign create --funder 9 --name X --value 10 --last-day 2027-12-31
refused "no service" pn --home "$H" campaign create --funder 1 --name X --value 10 --last-day 2027-12-31 --services yoga
bad "département" pn --home "$H" campaign create --funder 1 --name X --value 10 --last-day 2027-12-31 --departments 20
bad "EPCI" pn --home "$H" campaign create --funder 1 --name X --value 10 --last-day 2027-12-31 --epci 123456782
bad "commune" pn --home "$H" campaign create --funder 1 --name X --value 10 --last-day 2027-12-31 --communes 01039
refused "no place with id 42" pn --home "$H" campaign create --funder 1 --name X --value 10 --last-day 2027-12-31 --places 42
bad "place type" pn --home "$H" campaign create --funder 1 --name X --value 10 --last-day 2027-12-31 --exclude-place-types bar
bad "0.01 to 1000.00" pn --home "$H" campaign create --funder 1 --name X --value 1000.01 --last-day 2027-12-31
bad "0.01 to 1000.00" pn --home "$H" campaign create --funder 1 --name X --value 0 --last-day 2027-12-31
usage pn --home "$H" campaign create --funder 1 --name X --value 10
usage pn --home "$H" campaign create --funder 1 --name X --value 10 --last-day 2027-12-31 --unused keep
usage pn --home "$H" campaign create --funder 1 --name X --value 10 --last-day 2027-12-31 --tolerance-days 400
usage pn --home "$H" campaign create --funder 1 --name X --value 10 --last-day 2027-12-31 --departments 93,,94
usage pn --home "$H" campaign create --funder 1 --name X --value 10 --last-day 2027-12-31 --places 1,x
refused "no campaign" pn --home "$H" campaign show 3
expect 0 pn --home "$H" campaign list
contains "$out" "RSA 2027"
expect 0 pn --home "$H" --json campaign list --funder 2
equals "$out" "[]" "campaigns of funder 2"
expect 0 pn --home "$H" funder show 1
contains "$out" "campaigns: 2"
expect 0 pn --home "$H" ledger verify

# Help for every verb.
for v in funder distributor place service token campaign; do
	expect 0 pn $v --help
	contains "$out" "usage: passnum $v"
done
expect 0 pn place label --help
contains "$out" "31 December of next year"

finish
