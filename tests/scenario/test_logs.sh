#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# passnumd's log and monitoring (issue 16, item 7). A scenario run over TLS
# (redemptions, look-ups by code in the path, bad tokens, an unknown route,
# a hostile method, a reload, a stop): every line of the log is one event in
# the stable key=value form; request lines carry the reply's X-Request-Id;
# the client address appears only on counted failures; no bearer token, no
# pass, no code, no key material (secret key files, the TLS key) appears.
# Then the alerting rules shipped in packaging/: every passnumd_* metric
# they name is exported by GET /metrics, the file is well-formed, and
# `promtool check rules` passes where promtool is installed (said when not).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
RULES=$SRC/packaging/passnumd-alerts.yml

setup_home
bash "$SRC/certs/make-dev-certs.sh" "$WORK/tls" >/dev/null 2>&1 || fail "certificates"
start_daemon --tls-cert "$WORK/tls/server.pem" --tls-key "$WORK/tls/server-key.pem" || { finish; exit 1; }
CURL_EXTRA="--cacert $WORK/tls/ca.pem"

# The traffic.
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier log-1 "$(pass 1)")"
expect_http 201
ok_id=$(curl -s -o /dev/null -D - $CURL_EXTRA -H "Authorization: Bearer $T_PLACE" \
	"$URL/v1/vouchers/$(code 2)" | tr -d '\r' | sed -n 's/^X-Request-Id: //Ip')
[ -n "$ok_id" ] && ok || fail "no X-Request-Id"
req POST /v1/vouchers/lookup "$T_PLACE" "{\"code\": \"$(code 3)\"}"
req POST /v1/redemptions "$T_PLACE2" "$(redeem_body atelier log-2 "$(pass 4)")"
req GET /v1/places/me "${T_PLACE%.*}.wrongsecretwrongsecret"
expect_http 401
req GET /v1/nothing/here ""
expect_http 404
status=$(curl -s -o /dev/null -w '%{http_code}' $CURL_EXTRA -X 'BAD"METHOD' "$URL/v1/health")
req GET /v1/funders/1/report?period=2027-03 "$T_FUNDER"
req GET /metrics "$T_ADMIN"
expect_http 200
METRICS=$body
kill -HUP "$DAEMON_PID"
for _ in $(seq 200); do grep -q "event=reload" "$WORK/daemon.err" && break; sleep 0.05; done
stop_daemon
LOG=$WORK/daemon.err

# 1. Every line is one event: ts, level, event, then key=value pairs.
lines=$(wc -l <"$LOG")
[ "$lines" -ge 10 ] && ok || fail "too few log lines ($lines)"
value='("([^"\\]|\\.)*"|[^ "=]+)'
bad=$(grep -Evc "^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z level=(error|warn|info|debug) event=[a-z_]+( [a-z_]+=$value)*\$" "$LOG")
equals "$bad" 0 "log lines not in the key=value form: $(grep -Ev '^ts=[^ ]+ level=[a-z]+ event=[a-z_]+' "$LOG" | head -3)"
for event in started request reload stopping stopped; do
	grep -q " event=$event\( \|$\)" "$LOG" && ok || fail "no event=$event line"
done
grep -q "event=request id=$ok_id method=GET route=/v1/vouchers/{code} status=200 ms=[0-9.]*$" "$LOG" &&
	ok || fail "the look-up's line with its X-Request-Id $ok_id: $(grep "$ok_id" "$LOG")"
# (the method as passnumd keeps it: its first 7 bytes)
grep -q 'event=request id=[0-9a-f]\{16\} method="BAD\\"MET" route=none status=405' "$LOG" && ok ||
	fail "a hostile method is quoted: $(grep -i 'bad' "$LOG")"
# The client address only on counted failures (the bad token here).
grep -q 'route=/v1/places/me status=401 .*client=127.0.0.1' "$LOG" && ok || fail "no client on the 401"
grep 'status=20[01] ' "$LOG" | grep 'client=' >/dev/null && fail "a client address on a success" || ok

# 2. No secret: bearer tokens (whole and secret part), passes, codes, keys.
secrets=("$T_PLACE" "${T_PLACE#*.}" "$T_PLACE2" "${T_PLACE2#*.}" "$T_ADMIN" "${T_ADMIN#*.}"
	"$T_FUNDER" "${T_FUNDER#*.}" "$(pass 1)" "$(pass 4)" "$(code 2)" "$(code 3)" "wrongsecretwrongsecret")
for k in "$H"/keys/*.key; do
	secrets+=("$(od -An -tx1 "$k" | tr -d ' \n')" "$(base64 -w0 "$k")" "$(head -c 32 "$k" | base64 -w0)")
done
while read -r line; do secrets+=("$line"); done < <(sed -n '/-----BEGIN/,/-----END/p' "$WORK/tls/server-key.pem" | grep -v -- '-----')
found=0
for s in "${secrets[@]}"; do
	[ ${#s} -ge 8 ] || { fail "a secret too short to search for: \"$s\""; continue; }
	grep -qiF -- "$s" "$LOG" && { fail "a secret is in the log: ${s:0:12}..."; found=1; }
done
[ "$found" = 0 ] && ok
grep -qi "PRIVATE KEY\|authorization\|bearer" "$LOG" && fail "key or header text in the log" || ok
echo "note: searched the ${lines}-line log for ${#secrets[@]} secrets"

# 3. The alerting rules name only metrics that /metrics exports.
mapfile -t names < <(grep -o 'passnumd_[a-z_]*[a-z]' "$RULES" | sort -u)
[ "${#names[@]}" -ge 6 ] && ok || fail "the rules name too few metrics (${#names[@]})"
for name in "${names[@]}"; do
	grep -q "^$name[{ ]" <<<"$METRICS" && ok || fail "the rules name $name, which /metrics does not export"
done
for alert in checkpoint_timestamp_seconds database_errors_total commit_failures_total \
	requests_total home_disk_free_bytes; do
	grep -q "passnumd_$alert" "$RULES" && ok || fail "no rule on passnumd_$alert"
done
python3 - "$RULES" <<'PY' && ok || fail "the rules file is not well-formed"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
rules = [r for g in doc["groups"] for r in g["rules"]]
assert rules and all(set(r) <= {"alert", "expr", "for", "labels", "annotations"} for r in rules)
assert all(r.get("alert") and r.get("expr") and r["labels"]["severity"] in ("warning", "critical") for r in rules)
PY
if command -v promtool >/dev/null; then
	expect 0 promtool check rules "$RULES"
	contains "$out" "SUCCESS"
else
	echo "SKIPPED: promtool is not installed (Debian package prometheus): 'promtool check rules' was not run"
fi
finish
