#!/usr/bin/env bash
# scripts/demo.sh with this build's binaries (PASSNUM_DEMO_BIN: no install,
# no build) in a temporary directory: the demo home is set up, passnumd
# answers on the port it took (PASSNUM_DEMO_PORT=0), a printed pass is valid for the place token;
# a second run reuses the home and its tokens and starts passnumd again.
. "$(dirname "$0")/lib.sh"
: "${PASSNUMD_BIN:?run through ctest (PASSNUMD_BIN is not set)}"
: "${PASSNUM_SOURCE_DIR:?run through ctest (PASSNUM_SOURCE_DIR is not set)}"
unset PASSNUM_NOW PASSNUM_HOME

mkdir -p "$WORK/bin"
ln -s "$PASSNUM_BIN" "$WORK/bin/passnum"
ln -s "$PASSNUMD_BIN" "$WORK/bin/passnumd"
D=$WORK/demo

# run_demo N: scripts/demo.sh in the background with PASSNUM_DEMO_PORT=0
# (passnumd takes a free port itself: no port is chosen here, so no race),
# sets URL from its banner and DAEMON_PID, and waits for /v1/health.
run_demo() {
	URL=
	PASSNUM_DEMO_BIN=$WORK/bin PASSNUM_DEMO_DIR=$WORK PASSNUM_DEMO_PORT=0 \
		bash "$PASSNUM_SOURCE_DIR/scripts/demo.sh" >"$WORK/demo$1.out" 2>"$WORK/demo$1.err" &
	DAEMON_PID=$!
	for _ in $(seq 600); do
		[ -n "$URL" ] || URL=$(sed -n 's|^Place page *\(http://[0-9.:]*\)/$|\1|p' "$WORK/demo$1.out")
		if [ -n "$URL" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/health")" = 200 ]; then
			ok
			return 0
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "demo run $1 did not answer on ${URL:-(no URL)}: $(cat "$WORK/demo$1.err")"
	return 1
}

stop_daemon() {
	kill "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}

# get PATH [TOKEN] / lookup TOKEN VOUCHER: set $status and $body.
get() {
	local args=(-s -o "$WORK/body" -w '%{http_code}')
	[ -n "${2:-}" ] && args+=(-H "Authorization: Bearer $2")
	status=$(curl "${args[@]}" "$URL$1")
	body=$(cat "$WORK/body")
}
lookup() {
	status=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data-binary "$(jq -cn --arg v "$2" '{voucher: $v}')" \
		"$URL/v1/vouchers/lookup")
	body=$(cat "$WORK/body")
}

# check_running N: what a running demo must show and answer.
check_running() {
	local out place_token pdf csv
	out=$(cat "$WORK/demo$1.out")
	place_token=$(sed -n 's/^PLACE_TOKEN=//p' "$D/tokens.txt")
	contains "$out" "$URL/" "demo output (page URL)"
	contains "$out" "$place_token" "demo output (place token)"
	contains "$out" "curl $URL/v1/health" "demo output (health example)"
	pdf=$(ls "$D"/print/batch-*.pdf 2>/dev/null | head -1)
	if [ -s "$pdf" ]; then ok; else fail "no PDF in $D/print"; fi
	contains "$out" "$pdf" "demo output (PDF path)"
	equals "$(head -c 5 "$pdf")" "%PDF-" "PDF magic"
	csv=${pdf%.pdf}.csv
	equals "$(($(wc -l <"$csv") - 1))" 20 "passes in the CSV"
	equals "$(ls "$D"/print/*.png | wc -l)" 20 "QR PNGs"
	contains "$out" "/v1/vouchers/$(sed -n 2p "$csv" | cut -d, -f2)" "demo output (lookup example)"
	contains "$out" "listening on $URL" "passnumd banner"

	get /
	equals "$status" 200 "GET /"
	get /v1/health
	equals "$(echo "$body" | jq -r .status)" ok "health status"
	lookup "$place_token" "$(sed -n 3p "$csv" | cut -d, -f3)"
	equals "$status" 200 "lookup status: $body"
	equals "$(echo "$body" | jq -r .status)" valid "printed pass"
	equals "$(echo "$body" | jq -r .funder)" "Département de la Seine-Saint-Denis" "funder's public name"
	equals "$(echo "$body" | jq -r '[.services[].passes] | sort | join(",")')" "1,2" "services' passes"
	get "/v1/vouchers/$(sed -n 4p "$csv" | cut -d, -f2)" "$place_token"
	equals "$(echo "$body" | jq -r .status)" valid "printed pass by code"
	get /metrics "$(sed -n 's/^ADMIN_TOKEN=//p' "$D/tokens.txt")"
	equals "$status" 200 "GET /metrics with the admin token"
}

# --- first run: a new demo home ---------------------------------------------
if run_demo 1; then
	check_running 1
	equals "$(stat -c %a "$D/tokens.txt")" 600 "tokens.txt mode"
	equals "$(grep -c '^PLACE_TOKEN=.*\..*' "$D/tokens.txt")" 1 "place token kept"
	equals "$(grep -c '^ADMIN_TOKEN=.*\..*' "$D/tokens.txt")" 1 "admin token kept"
	expect 0 pn --home "$D/home" place show 1
	contains "$out" "commune: 93048 Montreuil" "place's commune"
	contains "$out" "label: labelled" "place's label"
	expect 0 pn --home "$D/home" ledger verify
fi
stop_daemon
cp "$D/tokens.txt" "$WORK/tokens.first"
lists() {
	for what in funder service place campaign token; do pn --home "$D/home" "$what" list; done
	ls -A "$D/print"
}
first=$(lists)

# --- second run: the same home, nothing re-created ------------------------
if run_demo 2; then
	check_running 2
	equals "$(cat "$D/tokens.txt")" "$(cat "$WORK/tokens.first")" "tokens after a second run"
	equals "$(sed -n '/passnum demo/q;/./p' "$WORK/demo2.out")" "" "what the second run created"
fi
stop_daemon
equals "$(lists)" "$first" "registry and print files after a second run"

# --- a port in use: refused in one line, before passnumd starts -------------
"$PASSNUMD_BIN" --home "$D/home" --listen 127.0.0.1:0 >"$WORK/busy.out" 2>/dev/null &
DAEMON_PID=$!
busy=
for _ in $(seq 100); do
	busy=$(grep -o '127\.0\.0\.1:[0-9]*' "$WORK/busy.out" | head -1 | cut -d: -f2)
	[ -n "$busy" ] && break
	sleep 0.05
done
if [ -n "$busy" ]; then
	expect 1 env PASSNUM_DEMO_BIN="$WORK/bin" PASSNUM_DEMO_DIR="$WORK" PASSNUM_DEMO_PORT="$busy" \
		bash "$PASSNUM_SOURCE_DIR/scripts/demo.sh"
	one_line "$err"
	contains "$err" "port $busy is in use" "refusal"
else
	fail "passnumd did not start on a free port"
fi
stop_daemon
equals "$(lists)" "$first" "registry and print files after a refused run"

# --- the home deleted: a new one, the old tokens and passes moved aside -----
rm -rf "$D/home"
if run_demo 3; then
	check_running 3
	if cmp -s "$D/tokens.txt" "$WORK/tokens.first"; then fail "tokens of the deleted home kept"; else ok; fi
	equals "$(cat "$D"/old-*/tokens.txt)" "$(cat "$WORK/tokens.first")" "old tokens moved aside"
	equals "$(ls "$D"/old-*/print/*.pdf | wc -l)" 1 "old PDF moved aside"
fi
stop_daemon

finish
