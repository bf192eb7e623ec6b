# Helpers for the campaigns (sourced after tests/scenario/lib.sh and
# daemon_lib.sh): clients that redeem many passes through one curl process
# each (a curl config of one transfer per redemption, on one kept-alive
# connection), and the checks every campaign makes after a crash.

# tokens FILE FIRST COUNT: the tokens of passes FIRST..FIRST+COUNT-1 of the
# CSV FILE (pass 1 is the CSV's first data line), one a line.
tokens() {
	tail -n +"$(($2 + 1))" "$1" | head -n "$3" | cut -d, -f3
}

# client_config TOKEN KEYPREFIX [CURLOPT...] < tokens > config: a curl
# config that redeems each pass read on stdin (service atelier, idempotency
# key KEYPREFIX-N for the Nth), printing "BODY STATUS" a line.
client_config() {
	local token=$1 prefix=$2 n=0 t
	shift 2
	while read -r t; do
		n=$((n + 1))
		printf 'url = "%s/v1/redemptions"\n' "$URL"
		printf 'header = "Authorization: Bearer %s"\n' "$token"
		printf 'header = "Content-Type: application/json"\n'
		printf 'data-binary = "{\\"vouchers\\":[\\"%s\\"],\\"service\\":\\"atelier\\",\\"idempotency_key\\":\\"%s-%d\\"}"\n' \
			"$t" "$prefix" "$n"
		printf 'write-out = " %%{http_code}\\n"\n'
		printf 'silent\n'
		for opt in "$@"; do printf '%s\n' "$opt"; done
		printf 'next\n'
	done
}

# run_client CONFIG LOG: runs one client (curl) in the background; its pid
# is appended to CLIENTS.
CLIENTS=()
run_client() {
	curl -K "$1" >>"$2" 2>/dev/null &
	CLIENTS+=($!)
}

wait_clients() {
	# Never a bare wait (it would wait for the daemon too).
	[ ${#CLIENTS[@]} -eq 0 ] || wait "${CLIENTS[@]}" 2>/dev/null
	CLIENTS=()
}

# acknowledged LOG... > lines: "ID BODY" for every 201 received, sorted by id.
acknowledged() {
	cat "$@" | grep ' 201$' | sed 's/ 201$//' >"$WORK/ack.bodies"
	jq -r .id <"$WORK/ack.bodies" | paste -d ' ' - "$WORK/ack.bodies" | LC_ALL=C sort
}

# stored > lines: "ID RESPONSE" for every redemption in the home, sorted.
stored() {
	sqlite3 "$H/passnum.db" "SELECT id || ' ' || response FROM redemptions" | LC_ALL=C sort
}

# start_daemon_env VAR=VALUE... : start_daemon with these variables in
# passnumd's environment only (not in the helpers' greps and sleeps).
start_daemon_env() {
	: >"$WORK/daemon.out"
	env "$@" "$PASSNUMD_BIN" --home "$H" --listen 127.0.0.1:0 >>"$WORK/daemon.out" 2>>"$WORK/daemon.err" &
	DAEMON_PID=$!
	for _ in $(seq 200); do
		URL=$(grep -o 'https\?://[0-9.:]*' "$WORK/daemon.out" 2>/dev/null | head -1)
		[ -n "$URL" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "passnumd did not start: $(tail -3 "$WORK/daemon.err")"
	return 1
}

# check_home ACKED WHAT: the home after a crash, opened with the normal VFS
# by the real CLI: `ledger verify` passes; every acknowledged redemption
# (ACKED: acknowledged's lines) is stored with the very body that was sent,
# and its receipt's entry is in the ledger with that hash; no pass is
# redeemed twice and every redeemed pass has its redemption.
check_home() {
	local acked=$1 what=$2 missing doubled orphans
	if ! out=$(pn --home "$H" ledger verify 2>&1); then
		fail "$what: ledger verify: $out"
		return 1
	fi
	ok
	stored >"$WORK/stored"
	missing=$(comm -23 "$acked" "$WORK/stored" | wc -l)
	equals "$missing" 0 "$what: acknowledged redemptions missing or changed (of $(wc -l <"$acked"))"
	if [ "$missing" -ne 0 ]; then
		comm -23 "$acked" "$WORK/stored" | head -3 | cut -c1-200 >&2
		return 1
	fi
	read -r missing doubled orphans < <(sqlite3 -separator ' ' "$H/passnum.db" "SELECT
		(SELECT COUNT(*) FROM redemptions r LEFT JOIN entries e ON e.seq = r.entry_seq
		 WHERE e.seq IS NULL OR lower(hex(e.leaf_hash)) <> json_extract(r.response, '$.receipt.entry.entry_hash')),
		(SELECT COUNT(*) FROM (SELECT serial FROM redemption_vouchers GROUP BY serial HAVING COUNT(*) > 1)),
		(SELECT COUNT(*) FROM vouchers WHERE status = 'redeemed') - (SELECT COUNT(*) FROM redemption_vouchers)")
	equals "$missing" 0 "$what: redemptions whose receipt's entry is not in the ledger"
	equals "$doubled" 0 "$what: passes redeemed twice"
	equals "$orphans" 0 "$what: redeemed passes without their redemption (or the reverse)"
	[ "${missing:-x}" = 0 ] && [ "${doubled:-x}" = 0 ] && [ "${orphans:-x}" = 0 ]
}
