#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# passnumd reloads its TLS certificate on SIGHUP (issue 16, item 2): the
# certificate files are replaced, SIGHUP, and the next handshake serves the
# new certificate from the same process on the same socket, while a
# connection opened before the reload keeps working. A reload with a broken
# or mismatched key keeps the previous certificate and says so in the log;
# SIGHUP without TLS is no reason to stop.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
command -v certtool >/dev/null && command -v gnutls-cli >/dev/null ||
	{ echo "FAIL: certtool and gnutls-cli are needed (gnutls-bin)"; exit 1; }
SRC=$(cd "$(dirname "$0")/../.." && pwd)

setup_home
bash "$SRC/certs/make-dev-certs.sh" "$WORK/a" >/dev/null 2>&1 || fail "certificates a"
bash "$SRC/certs/make-dev-certs.sh" "$WORK/b" >/dev/null 2>&1 || fail "certificates b"
mkdir -p "$WORK/tls"
cp "$WORK/a/server.pem" "$WORK/tls/cert.pem"
cp "$WORK/a/server-key.pem" "$WORK/tls/key.pem"

# fingerprint FILE: the SHA-256 fingerprint of a PEM certificate.
# "none" when the file holds no certificate, so that two failures never compare equal.
fingerprint() {
	local f
	f=$(certtool --fingerprint --hash sha256 --infile "$1" 2>/dev/null)
	echo "${f:-none-$RANDOM}"
}
# served: the fingerprint of the certificate passnumd presents now.
served() {
	local port=${URL##*:}
	gnutls-cli --insecure --port "$port" --print-cert 127.0.0.1 </dev/null 2>/dev/null |
		sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p;/-----END CERTIFICATE-----/q' >"$WORK/served.pem"
	fingerprint "$WORK/served.pem"
}
# wait_log TEXT N: waits until TEXT appears N times in the daemon's log.
wait_log() {
	for _ in $(seq 200); do
		[ "$(grep -c -- "$1" "$WORK/daemon.err")" -ge "$2" ] && return 0
		sleep 0.05
	done
	fail "the log never showed \"$1\" $2 time(s): $(tail -3 "$WORK/daemon.err")"
}

fa=$(fingerprint "$WORK/a/server.pem")
fb=$(fingerprint "$WORK/b/server.pem")
[ -n "$fa" ] && [ -n "$fb" ] && [ "$fa" != "$fb" ] && ok || fail "two distinct certificates ($fa, $fb)"

start_daemon --tls-cert "$WORK/tls/cert.pem" --tls-key "$WORK/tls/key.pem" || { finish; exit 1; }
case "$URL" in https://*) ok ;; *) fail "not HTTPS: $URL" ;; esac
equals "$(served)" "$fa" "served before the reload"
CURL_EXTRA="--cacert $WORK/a/ca.pem" req GET /v1/health ""
expect_http 200

# A connection opened before the reload: gnutls-cli holds it open and sends
# its request only after the reload.
mkfifo "$WORK/held.in"
port=${URL##*:}
gnutls-cli --x509cafile "$WORK/a/ca.pem" --port "$port" 127.0.0.1 <"$WORK/held.in" >"$WORK/held.out" 2>&1 &
held=$!
exec 7>"$WORK/held.in"
for _ in $(seq 200); do grep -q "Handshake was completed" "$WORK/held.out" && break; sleep 0.05; done
grep -q "Handshake was completed" "$WORK/held.out" && ok || fail "held connection: $(cat "$WORK/held.out")"

# 1. New files, SIGHUP: the new certificate, same process, same socket.
cp "$WORK/b/server.pem" "$WORK/tls/cert.pem"
cp "$WORK/b/server-key.pem" "$WORK/tls/key.pem"
equals "$(served)" "$fa" "the old certificate until SIGHUP"
kill -HUP "$DAEMON_PID"
wait_log "event=reload result=ok" 1
kill -0 "$DAEMON_PID" 2>/dev/null && ok || fail "passnumd died on SIGHUP"
equals "$(served)" "$fb" "served after the reload"
CURL_EXTRA="--cacert $WORK/b/ca.pem" req GET /v1/health ""
expect_http 200
CURL_EXTRA="--cacert $WORK/a/ca.pem" req GET /v1/health ""
[ "$status" = 000 ] && ok || fail "the old CA still validates the served certificate ($status)"
printf 'GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&7
exec 7>&-
wait "$held"
grep -q '"status":"ok"' "$WORK/held.out" && ok || fail "the connection opened before the reload: $(tail -5 "$WORK/held.out")"

# 2. A key that does not belong to the certificate: refused, B still served.
cp "$WORK/a/server-key.pem" "$WORK/tls/key.pem"
kill -HUP "$DAEMON_PID"
wait_log "event=reload result=failed" 1
contains "$(grep 'event=reload result=failed' "$WORK/daemon.err")" "does not belong to the certificate"
equals "$(served)" "$fb" "served after a failed reload"
# 3. A file that is no PEM at all.
cp "$WORK/b/server-key.pem" "$WORK/tls/key.pem"
echo "not a certificate" >"$WORK/tls/cert.pem"
kill -HUP "$DAEMON_PID"
wait_log "event=reload result=failed" 2
equals "$(served)" "$fb" "served after a second failed reload"
# 4. Fixed again: A's pair.
cp "$WORK/a/server.pem" "$WORK/tls/cert.pem"
cp "$WORK/a/server-key.pem" "$WORK/tls/key.pem"
kill -HUP "$DAEMON_PID"
wait_log "event=reload result=ok" 2
equals "$(served)" "$fa" "served after the third reload"
req GET /metrics ""
CURL_EXTRA="--cacert $WORK/a/ca.pem" req GET /metrics ""
contains "$body" 'passnumd_tls_reloads_total{result="ok"} 2'
contains "$body" 'passnumd_tls_reloads_total{result="failed"} 2'
grep -q "BEGIN .*PRIVATE KEY\|$(sed -n 2p "$WORK/a/server-key.pem")" "$WORK/daemon.err" &&
	fail "key material in the log" || ok
stop_daemon
grep -q "event=stopped" "$WORK/daemon.err" && ok || fail "no clean stop"

# 5. Without TLS, SIGHUP is logged and changes nothing.
: >"$WORK/daemon.err"
start_daemon || { finish; exit 1; }
kill -HUP "$DAEMON_PID"
wait_log "event=reload result=nothing" 1
req GET /v1/health ""
expect_http 200
stop_daemon
finish
