#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# The place page in real headless Chromium (Debian's /usr/bin/chromium,
# driven by playwright-core, checked by axe-core; npm packages installed by
# `npm ci` from tests/browser/package-lock.json). A home made with the real
# CLI, the real passnumd on a random loopback port; then
# tests/browser/run.sh: sign in, scanner, redemption, « déjà utilisé »,
# a two-pass service, cancellation, typed codes checked before any request,
# the payee's statements (February settled here: list, PDF and HTML saved),
# axe on every state, screenshots at 320x640 and 1280x800 kept in
# $PASSNUM_BINARY_DIR/tests/browser/artifacts.
. "$(dirname "$0")/lib.sh"
: "${PASSNUMD_BIN:?run through ctest (PASSNUMD_BIN is not set)}"
export PASSNUM_NOW=${PASSNUM_NOW:-2027-03-12T10:00:00Z}
H=$WORK/home
SIRET=12345678200002
SIRET2=12345678200010
IBAN=FR7630006000011234567890189

for tool in /usr/bin/chromium node npm jq; do
	command -v "$tool" >/dev/null || { fail "$tool is missing: run scripts/deps.sh test"; finish; exit 1; }
done

# The home: a funder, services atelier (1 pass) and parcours (2 passes), a
# labelled place in Montreuil (93), one in Lyon (69), one suspended, a
# campaign for the 93, 20 passes, the 20th revoked.
setup() {
	pn --home "$H" init --operator "Opérateur de test" --origin test.example/ledger \
		--iban FR7610107001011234567890129 --bic AGRIFRPP >/dev/null &&
	pn --home "$H" funder add "Département de test" --public-name "Département de la Seine-Saint-Denis" >/dev/null &&
	pn --home "$H" funder order 1 100000 --ref BC-1 >/dev/null &&
	pn --home "$H" distributor add "CCAS de Montreuil" >/dev/null &&
	pn --home "$H" service add atelier "Atelier numérique" >/dev/null &&
	pn --home "$H" service add parcours "Parcours long (2 séances)" --passes 2 >/dev/null &&
	pn --home "$H" place add "EPN de Montreuil" --siret $SIRET --commune 93048 --iban $IBAN --type epn \
		--services atelier,parcours >/dev/null &&
	pn --home "$H" place add "Médiathèque de Lyon" --siret $SIRET2 --commune 69123 --iban $IBAN \
		--type mediatheque --services atelier >/dev/null &&
	pn --home "$H" place add "Centre social de Bobigny" --siret $SIRET --commune 93008 --services atelier >/dev/null &&
	pn --home "$H" place label 1 >/dev/null &&
	pn --home "$H" place label 2 >/dev/null &&
	pn --home "$H" place label 3 >/dev/null &&
	pn --home "$H" place suspend 3 >/dev/null &&
	pn --home "$H" campaign create --funder 1 --name "C93 interne" --value 10 --last-day 2027-06-30 \
		--departments 93 >/dev/null &&
	mkdir -p "$WORK/out" &&
	pn --home "$H" batch issue --campaign 1 --count 20 --out "$WORK/out" --format csv >/dev/null
}
setup || { fail "setting up the home with the CLI"; finish; exit 1; }
CSV=$(ls "$WORK"/out/batch-*.csv | head -1)

# The distributors' booklets (issue 15): a second batch of campaign 1, 60
# passes in booklets of 5 (booklets 3-14, with a QR PNG per pass), 3-12 to
# the CCAS, 13-14 to a second distributor; campaign 2 ends on 31 March
# 2027, within 30 days (the J-30 alert): its booklets 15-16 to the CCAS.
setup_distributors() {
	pn --home "$H" distributor add "CAF de Bobigny" >/dev/null &&
	mkdir -p "$WORK/out2" "$WORK/out3" &&
	pn --home "$H" batch issue --campaign 1 --count 60 --booklet 5 --out "$WORK/out2" --format csv,png >/dev/null &&
	pn --home "$H" campaign create --funder 1 --name "C93 printemps" --value 5 --last-day 2027-03-31 \
		--departments 93 >/dev/null &&
	pn --home "$H" batch issue --campaign 2 --count 10 --booklet 5 --out "$WORK/out3" --format csv >/dev/null &&
	PASSNUM_NOW=2027-03-01T09:00:00Z pn --home "$H" booklet deliver 3-12 --distributor 1 >/dev/null &&
	pn --home "$H" booklet deliver 13-14 --distributor 2 >/dev/null &&
	pn --home "$H" booklet deliver 15-16 --distributor 1 >/dev/null
}
setup_distributors || { fail "setting up the distributors' booklets with the CLI"; finish; exit 1; }
CSV2=$(ls "$WORK"/out2/batch-*.csv | head -1)
T_PLACE=$(pn --home "$H" token create --role place --id 1)
T_PLACE2=$(pn --home "$H" token create --role place --id 2)
T_PLACE3=$(pn --home "$H" token create --role place --id 3)
T_ADMIN=$(pn --home "$H" token create --role admin)
T_DISTRIBUTOR=$(pn --home "$H" token create --role distributor --id 1)
T_FUNDER=$(pn --home "$H" token create --role funder --id 1)
T_DISTRIBUTOR2=$(pn --home "$H" token create --role distributor --id 2)
REVOKED_CODE=$(sed -n 21p "$CSV" | cut -d, -f2)
pn --home "$H" voucher revoke "$REVOKED_CODE" >/dev/null || fail "voucher revoke"

# The fixture the browser test reads.
jq -n --arg p1 "$T_PLACE" --arg p2 "$T_PLACE2" --arg p3 "$T_PLACE3" --arg admin "$T_ADMIN" \
	--arg distributor "$T_DISTRIBUTOR" --arg distributor2 "$T_DISTRIBUTOR2" --arg funder "$T_FUNDER" \
	--arg pngs "$WORK/out2" --rawfile csv "$CSV" --rawfile csv2 "$CSV2" '{
	tokens: {place: $p1, lyon: $p2, suspended: $p3, admin: $admin, distributor: $distributor,
		distributor2: $distributor2, funder: $funder},
	passes: ($csv | split("\n") | .[1:] | map(select(length > 0) | split(",") |
		{serial: .[0], code: .[1], token: .[2], value_cents: (.[4] | tonumber), last_day: .[5]})),
	booklet_passes: ($csv2 | split("\n") | .[1:] | map(select(length > 0) | split(",") |
		{serial: .[0], code: .[1], token: .[2], booklet: (.[6] | tonumber), png: ($pngs + "/" + .[0] + ".png")})),
	funder_id: 1
	}' > "$WORK/fixture.json" || fail "fixture"

# start NAME: passnumd on a random loopback port; prints its URL.
start() {
	"$PASSNUMD_BIN" --home "$H" --listen 127.0.0.1:0 >"$WORK/$1.out" 2>"$WORK/$1.err" &
	echo $! > "$WORK/$1.pid"
	for _ in $(seq 100); do
		grep -o 'http://[0-9.:]*' "$WORK/$1.out" 2>/dev/null | head -1 | grep . && return 0
		sleep 0.05
	done
	return 1
}
# A settled February for the statements on the place page: campaign 3 and
# its one pass made on 1 February, redeemed on 15 February at the EPN de
# Montreuil (payee 1, with the Bobigny centre), February settled on 2 March:
# statement RLV-202702-000001 of 10,00 EUR. The Lyon médiathèque (payee 2)
# has none.
settle_february() {
	local url pid tok
	mkdir -p "$WORK/out4" "$WORK/settle" &&
	PASSNUM_NOW=2027-02-01T09:00:00Z pn --home "$H" campaign create --funder 1 --name "C93 hiver" --value 10 \
		--last-day 2027-06-30 --departments 93 >/dev/null &&
	PASSNUM_NOW=2027-02-01T09:00:00Z pn --home "$H" batch issue --campaign 3 --count 1 --out "$WORK/out4" \
		--format csv >/dev/null || return 1
	tok=$(tail -1 "$WORK"/out4/batch-*.csv | cut -d, -f3)
	url=$(PASSNUM_NOW=2027-02-15T10:00:00Z start february) || return 1
	pid=$(cat "$WORK/february.pid")
	curl -sf -o /dev/null -H "Authorization: Bearer $T_PLACE" -H 'Content-Type: application/json' \
		--data "{\"vouchers\":[\"$tok\"],\"service\":\"atelier\",\"idempotency_key\":\"february-1\"}" \
		"$url/v1/redemptions" || { kill "$pid"; return 1; }
	kill "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done # not this shell's child: no wait
	PASSNUM_NOW=2027-03-02T08:00:00Z pn --home "$H" --yes settle --period 2027-02 \
		--out "$WORK/settle/virements.xml" >/dev/null
}
settle_february || fail "settling February for the place page's statements"
URL=$(start daemon)
DAEMON_PID=$(cat "$WORK/daemon.pid")
# The same home seen on 15 August 2027, when the campaign's passes have expired.
LATER_URL=$(PASSNUM_NOW=2027-08-15T10:00:00Z start later)
LATER_PID=$(cat "$WORK/later.pid")
if [ -z "$URL" ] || [ -z "$LATER_URL" ]; then
	fail "passnumd did not start: $(cat "$WORK/daemon.err" "$WORK/later.err")"
	kill "$LATER_PID" 2>/dev/null
	finish
	exit 1
fi

ARTIFACTS=${PASSNUM_BINARY_DIR:-$WORK}/tests/browser/artifacts
rm -rf "$ARTIFACTS"
if PASSNUM_WEB_URL=$URL PASSNUM_WEB_LATER_URL=$LATER_URL PASSNUM_WEB_FIXTURE=$WORK/fixture.json PASSNUM_WEB_ARTIFACTS=$ARTIFACTS \
	timeout 600 bash "${PASSNUM_SOURCE_DIR:-$(dirname "$0")/../..}/tests/browser/run.sh"; then
	ok
else
	fail "browser tests (screenshots in $ARTIFACTS; daemon log in $WORK/daemon.err)"
fi

# GET /v1/distributors/me, which the sign-in asks: the distributor's own
# name for its token, FORBIDDEN_ROLE for a place's.
me=$(curl -s -H "Authorization: Bearer $T_DISTRIBUTOR" "$URL/v1/distributors/me")
equals "$(echo "$me" | jq -c .)" '{"id":1,"name":"CCAS de Montreuil"}' "distributors/me with its token"
code=$(curl -s -H "Authorization: Bearer $T_PLACE" "$URL/v1/distributors/me" | jq -r .error.code)
equals "$code" FORBIDDEN_ROLE "distributors/me with a place token"

# The operator's own `booklet return` (no reason) counts in the
# distributor's returns too: booklet 15 of campaign 2, in the CCAS's stock.
before=$(curl -s -H "Authorization: Bearer $T_DISTRIBUTOR" "$URL/v1/distributors/me/stock" |
	jq -c '.campaigns[] | select(.campaign_id == 2) | [.received, .returned, .in_stock]')
equals "$before" '[2,0,2]' "campaign 2 in the CCAS's stock before the operator takes booklet 15 back"
pn --home "$H" booklet return 15 >/dev/null || fail "booklet return 15"
after=$(curl -s -H "Authorization: Bearer $T_DISTRIBUTOR" "$URL/v1/distributors/me/stock" |
	jq -c '.campaigns[] | select(.campaign_id == 2) | [.received, .returned, .in_stock, .booklets_in_stock]')
equals "$after" '[2,1,1,[16]]' "booklet 15 returned by the operator counts as returned by the CCAS"
equals "$(sqlite3 "$H/passnum.db" "SELECT distributor_id, quote(reason) FROM booklet_returns WHERE booklet_id = 15")" \
	'1|NULL' "the operator's return is recorded with the distributor and no reason"
equals "$(sqlite3 "$H/passnum.db" "SELECT reason FROM booklet_returns WHERE booklet_id IN (7, 8) ORDER BY booklet_id" | tr '\n' ' ')" \
	'unused lost ' "the page's returns are recorded with their reasons"

# The daemon saw the page's requests and is still well.
status=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/health")
equals "$status" 200 "health after the browser tests"
kill "$DAEMON_PID" "$LATER_PID" 2>/dev/null
wait "$DAEMON_PID" "$LATER_PID" 2>/dev/null
DAEMON_PID=
finish
