#!/usr/bin/env bash
# passnumd and the CLI against text that is not UTF-8: the requests that once
# stopped passnumd (an error reply quoting a path, a method or a parameter
# that jansson refused) each get one JSON error and the daemon keeps
# serving; the CLI refuses names that are not UTF-8 with one clear line and
# stores nothing; a row that is not UTF-8 already in a home (written by an
# older passnum) gives a logged 500, never a crash.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

setup_home
start_daemon || { finish; exit 1; }

# alive WHAT: passnumd still answers.
alive() {
	req GET /v1/health ""
	if [ "$status" = 200 ] && kill -0 "$DAEMON_PID" 2>/dev/null; then ok; else fail "passnumd died after $1"; fi
}

# json_error STATUS WHAT: the last reply is that status with a JSON error body.
json_error() {
	equals "$status" "$1" "$2: status"
	if echo "$body" | jq -e '.error.code and .error.message' >/dev/null 2>&1; then ok
	else fail "$2: not a JSON error: $body"; fi
}

long=/x; for _ in $(seq 130); do long+=%C3%A9; done
for path in /%ff /%C3 $'/\xe9' /v1/funders/%ff/report "$long"; do
	status=$(curl -s --path-as-is -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $T_FUNDER" \
		"$URL$path"); body=$(cat "$WORK/body")
	json_error 404 "GET $path"
	alive "GET $path"
done
status=$(curl -s -o "$WORK/body" -w '%{http_code}' -X $'G\xffT' "$URL/v1/health"); body=$(cat "$WORK/body")
json_error 405 "method G\\xffT"
alive "method G\\xffT"
status=$(curl -s -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary '{"a":1}' "$URL/%ff"); body=$(cat "$WORK/body")
json_error 404 "POST /%ff"
alive "POST /%ff"
req POST /v1/redemptions/%ff/cancel "$T_PLACE" '{}'
json_error 404 "cancel %ff"
alive "cancel %ff"
# A body whose strings are not UTF-8 is not JSON.
printf '{"voucher": "\xe9"}' > "$WORK/bad.json"
req POST /v1/vouchers/lookup "$T_PLACE" "@$WORK/bad.json"
json_error 400 "lookup body not UTF-8"
alive "lookup body not UTF-8"

# The CLI refuses names that are not UTF-8 (a value that cannot be valid: exit 2,
# docs/cli.md) and stores nothing.
before=$(db_dump "$H")
expect 2 pn --home "$H" funder add Dept --public-name $'D\xe9partement'
contains "$err" "UTF-8"
one_line "$err"
expect 2 pn --home "$H" funder add $'D\xe9pt'
contains "$err" "UTF-8"
expect 2 pn --home "$H" place add $'Caf\xe9' --siret $SIRET --commune 93048
contains "$err" "UTF-8"
expect 2 pn --home "$H" service add cafe $'Caf\xe9'
contains "$err" "UTF-8"
expect 2 pn --home "$H" campaign create --funder 1 --name $'Cl\xe9' --value 10 --last-day 2027-06-30
contains "$err" "UTF-8"
equals "$(db_dump "$H")" "$before" "nothing stored by the refused names"

# Rows already stored that are not UTF-8 (as an older passnum let them in):
# every reply that would quote them is a logged 500, and passnumd serves on.
stop_daemon
sqlite3 "$H/passnum.db" "UPDATE funders SET public_name = CAST(X'44E9' AS TEXT) WHERE id = 1;
	UPDATE places SET name = CAST(X'436166E9' AS TEXT) WHERE id = 1;" || fail "sqlite3 update"
start_daemon || { finish; exit 1; }
req POST /v1/vouchers/lookup "$T_PLACE" "$(jq -cn --arg p "$(pass 1)" '{voucher: $p}')"
json_error 500 "lookup of a pass of a funder named in Latin-1"
alive "lookup"
req GET /v1/funders/1/report "$T_FUNDER"
json_error 500 "report of a funder named in Latin-1"
alive "report"
req GET /v1/places/me "$T_PLACE"
json_error 500 "places/me of a place named in Latin-1"
alive "places/me"
contains "$(cat "$WORK/daemon.err")" "could not be encoded"
finish
