# Helpers for the passnumd scenario tests (sourced after lib.sh): a home set
# up with the real CLI, the real daemon on a random loopback port, curl.
: "${PASSNUMD_BIN:?run through ctest (PASSNUMD_BIN is not set)}"
export PASSNUM_NOW=${PASSNUM_NOW:-2027-03-12T10:00:00Z}
H=$WORK/home
SIRET=12345678200002
SIRET2=12345678200010
IBAN=FR7630006000011234567890189

# setup_home: a funder with money, services (one and two passes), two
# labelled places (Montreuil 93, Lyon 69), a campaign for the 93 only, 40
# passes in $WORK/out/batch-*.csv, tokens $T_PLACE, $T_PLACE2, $T_ADMIN,
# $T_FUNDER.
setup_home() {
	pn --home "$H" init --operator "Opérateur de test" --origin test.example/ledger >/dev/null || fail "init"
	pn --home "$H" funder add "Département de test" >/dev/null || fail "funder add"
	pn --home "$H" funder order 1 100000 --ref BC-1 >/dev/null || fail "funder order"
	pn --home "$H" service add atelier "Atelier numérique" >/dev/null || fail "service add"
	pn --home "$H" service add parcours "Parcours long" --passes 2 >/dev/null || fail "service add 2"
	pn --home "$H" service add rien "Service non offert" >/dev/null || fail "service add 3"
	pn --home "$H" place add "EPN Montreuil" --siret $SIRET --commune 93048 --iban $IBAN --type epn \
		--services atelier,parcours >/dev/null || fail "place add"
	pn --home "$H" place add "Médiathèque Lyon" --siret $SIRET2 --commune 69123 --iban $IBAN \
		--type mediatheque --services atelier >/dev/null || fail "place add 2"
	pn --home "$H" place label 1 >/dev/null && pn --home "$H" place label 2 >/dev/null || fail "label"
	T_PLACE=$(pn --home "$H" token create --role place --id 1)
	T_PLACE2=$(pn --home "$H" token create --role place --id 2)
	T_ADMIN=$(pn --home "$H" token create --role admin)
	T_FUNDER=$(pn --home "$H" token create --role funder --id 1)
	pn --home "$H" campaign create --funder 1 --name "C93" --value 10 --last-day 2027-06-30 \
		--departments 93 >/dev/null || fail "campaign create"
	mkdir -p "$WORK/out"
	pn --home "$H" batch issue --campaign 1 --count 40 --out "$WORK/out" --format csv >/dev/null ||
		fail "batch issue"
	CSV=$(ls "$WORK"/out/batch-*.csv | head -1)
}

# pass N: the token of the Nth pass of the batch; code N: its human code;
# serial N: its serial.
pass() { sed -n "$(($1 + 1))p" "$CSV" | cut -d, -f3; }
code() { sed -n "$(($1 + 1))p" "$CSV" | cut -d, -f2; }
serial() { sed -n "$(($1 + 1))p" "$CSV" | cut -d, -f1; }

# start_daemon [ARGS...]: starts passnumd on a random port; sets URL.
start_daemon() {
	# Emptied here, not by the background job's redirection: that one runs
	# after the fork, and the loop below could read the previous daemon's
	# address first.
	: >"$WORK/daemon.out"
	"$PASSNUMD_BIN" --home "$H" --listen 127.0.0.1:0 "$@" >>"$WORK/daemon.out" 2>>"$WORK/daemon.err" &
	DAEMON_PID=$!
	for _ in $(seq 100); do
		URL=$(grep -o 'https\?://[0-9.:]*' "$WORK/daemon.out" 2>/dev/null | head -1)
		[ -n "$URL" ] && return 0
		sleep 0.05
	done
	fail "passnumd did not start: $(cat "$WORK/daemon.err")"
	return 1
}

stop_daemon() {
	kill "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}

# req METHOD PATH TOKEN [BODY]: sets $status and $body (curl).
req() {
	local method=$1 path=$2 token=$3 data=${4:-}
	local args=(-s -o "$WORK/body" -w '%{http_code}' -X "$method")
	[ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
	[ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
	status=$(curl "${args[@]}" ${CURL_EXTRA:-} "$URL$path")
	body=$(cat "$WORK/body")
}

# expect_http STATUS [CODE]: checks the last req's status and error code.
expect_http() {
	if [ "$status" != "$1" ]; then
		fail "HTTP $status (wanted $1): $body"
		return
	fi
	ok
	if [ -n "${2:-}" ]; then
		equals "$(echo "$body" | jq -r .error.code)" "$2" "error code"
	fi
}

# redeem_body SERVICE KEY PASS...: the JSON body of a redemption.
redeem_body() {
	local service=$1 key=$2
	shift 2
	jq -cn --arg s "$service" --arg k "$key" '{vouchers: $ARGS.positional, service: $s, idempotency_key: $k}' \
		--args "$@"
}
