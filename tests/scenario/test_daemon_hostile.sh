#!/usr/bin/env bash
# passnumd against the hostile requests found from outside (issue 13): a
# client behind a trusted proxy that appends its own X-Forwarded-For line
# cannot choose its rate-limit bucket nor pass for loopback; conflicting
# framing is refused and the connection closed (nothing smuggled); no Host
# in HTTP/1.1, %00 in a target, long targets and large headers get one JSON
# error with X-Request-Id; what libmicrohttpd answers itself keeps the
# daemon alive; idempotency keys count characters; one client cannot hold
# the connections (per-address cap, header deadline); --version.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

command -v python3 >/dev/null || { fail "python3 is needed for raw sockets"; finish; exit 1; }

# The raw client: sends stdin on a fresh connection to $1 (HOST:PORT), then
# prints what comes back until the server closes it, or "[TIMEOUT]" after
# $2 seconds of silence; "[ELAPSED s]" last.
cat >"$WORK/raw.py" <<'EOF'
import socket, sys, time
host, port = sys.argv[1].rsplit(':', 1)
s = socket.create_connection((host, int(port)))
t0 = time.monotonic()
out = b''
try:
    s.sendall(sys.stdin.buffer.read())
except OSError:
    pass
s.settimeout(float(sys.argv[2]))
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except socket.timeout:
    out += b'\n[TIMEOUT]'
except OSError:
    out += b'\n[RESET]'
sys.stdout.buffer.write(out + b'\n[ELAPSED %.1f]\n' % (time.monotonic() - t0))
EOF

# raw TIMEOUT FORMAT [ARGS...]: printf FORMAT ARGS to the daemon; sets $raw.
raw() {
	local timeout=$1; shift
	# shellcheck disable=SC2059
	raw=$(printf "$@" | python3 "$WORK/raw.py" "${URL#http://}" "$timeout" | tr -d '\r')
}
# statuses: the status codes of every response in $raw, space-separated.
statuses() { printf '%s\n' "$raw" | sed -n 's|^HTTP/1\.[01] \([0-9]*\).*|\1|p' | tr '\n' ' ' | sed 's/ $//'; }
# raw_json_error STATUS CODE WHAT: $raw is one response, that status, a JSON
# error with that code, an X-Request-Id, and the connection closed by passnumd.
raw_json_error() {
	equals "$(statuses)" "$1" "$3: statuses"
	equals "$(printf '%s\n' "$raw" | grep -o '{"error".*}' | jq -r .error.code 2>/dev/null)" "$2" "$3: code"
	printf '%s\n' "$raw" | grep -i '^X-Request-Id: [0-9a-f]\{16\}$' >/dev/null && ok || fail "$3: no X-Request-Id: $raw"
	case "$raw" in *"[TIMEOUT]"*) fail "$3: the connection was held open" ;; *) ok ;; esac
}
alive() {
	req GET /v1/health ""
	if [ "$status" = 200 ] && kill -0 "$DAEMON_PID" 2>/dev/null; then ok; else fail "passnumd died after $1"; fi
}

# --version
expect 0 "$PASSNUMD_BIN" --version
equals "$out" "passnumd $(sed -n 's/^project(passnum VERSION \([0-9.]*\).*/\1/p' "$PASSNUM_SOURCE_DIR/CMakeLists.txt")" "--version"

setup_home
# Failures refill at 1 a minute (30 by default): a slow run (a loaded
# machine) must not refill the bucket between the 25 bad tokens below.
start_daemon --trusted-proxy 127.0.0.1 --failures-per-minute 1 || { finish; exit 1; }

# X-Forwarded-For: behind a proxy that appends its own line (HAProxy), the
# client's line (a new address each time) is on the left: not believed.
for i in $(seq 25); do
	# curl sends both lines as given
	CURL_EXTRA="-H X-Forwarded-For:203.0.113.$i -H X-Forwarded-For:198.51.100.7" req GET /v1/places/me "1.bad-$i"
done
expect_http 429 RATE_LIMITED
# ... nor pass for loopback to read /metrics without a token.
CURL_EXTRA="-H X-Forwarded-For:127.0.0.2 -H X-Forwarded-For:198.51.100.8" req GET /metrics ""
expect_http 401 NO_TOKEN
CURL_EXTRA="-H X-Forwarded-For:127.0.0.2,198.51.100.8" req GET /metrics ""
expect_http 401 NO_TOKEN
# What cannot be read is refused, not given a bucket shared by all.
for bad in garbage unknown 198.51.100.9:443 "198.51.100.9, nope"; do
	CURL_EXTRA=(-H "X-Forwarded-For: $bad")
	status=$(curl -s -o "$WORK/body" -w '%{http_code}' "${CURL_EXTRA[@]}" "$URL/v1/health"); body=$(cat "$WORK/body")
	expect_http 400 BAD_FORWARDED
done
CURL_EXTRA=
alive "X-Forwarded-For"

# Conflicting or duplicated Content-Length: refused at once, the connection
# closed, the rest never answered as a second (smuggled) request.
smuggled='GET /v1/health HTTP/1.1\r\nHost: t\r\n\r\n'
raw 5 "POST /v1/vouchers/lookup HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 0\r\nContent-Length: 38\r\n\r\n$smuggled"
raw_json_error 400 BAD_FRAMING "two Content-Length"
printf '%s\n' "$raw" | grep -i '^Connection: close$' >/dev/null && ok || fail "no Connection: close: $raw"
raw 5 "GET /v1/health HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n$smuggled"
raw_json_error 400 BAD_FRAMING "Content-Length twice on a GET"
raw 5 "POST /v1/vouchers/lookup HTTP/1.1\r\nHost: t\r\nContent-Length: 38\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$smuggled"
raw_json_error 400 BAD_FRAMING "Transfer-Encoding with Content-Length"
# Any Transfer-Encoding but chunked: 501 at once, not a 60 s hold.
raw 5 "POST /v1/vouchers/lookup HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer $T_ADMIN\r\nTransfer-Encoding: gzip\r\n\r\nxxxx"
raw_json_error 501 UNSUPPORTED_TRANSFER_ENCODING "Transfer-Encoding: gzip"
raw 5 "POST /v1/vouchers/lookup HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
raw_json_error 501 UNSUPPORTED_TRANSFER_ENCODING "Transfer-Encoding twice"
# Chunked alone still works (and keep-alive with it).
raw 5 'POST /v1/vouchers/lookup HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n' "$T_ADMIN"
equals "$(statuses)" 400 "chunked body read"
contains "$raw" '"BAD_REQUEST"' "chunked body answer"
# chunked_over LIMIT EXTRA: a chunked lookup body of LIMIT + EXTRA bytes in
# 64 KiB chunks; sets $raw.
chunked_over() {
	raw=$(python3 - "$1" "$2" "$T_ADMIN" <<'PY' | python3 "$WORK/raw.py" "${URL#http://}" 10 | tr -d '\r'
import sys
total = int(sys.argv[1]) + int(sys.argv[2])
out = sys.stdout.buffer
out.write(b'POST /v1/vouchers/lookup HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n'
          b'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
          % sys.argv[3].encode())
while total > 0:
    n = min(total, 65536)
    out.write(b'%x\r\n' % n + b' ' * n + b'\r\n')
    total -= n
out.write(b'0\r\n\r\n')
PY
)
}
# A chunked body that passes its limit (4 KiB) while it is read: dropped up
# to 4 MiB more, then answered 413; past that, closed unanswered (nothing can
# be queued in the middle of a body) and logged as such, not as a 413.
logged_413=$(grep -c 'status=413' "$WORK/daemon.err")
chunked_over 4096 $((1 << 20))
raw_json_error 413 TOO_LARGE "a chunked body 1 MiB past its limit"
chunked_over 4096 $((5 << 20))
equals "$(statuses)" "" "a chunked body 5 MiB past its limit: no answer"
case "$raw" in *"[TIMEOUT]"*) fail "a chunked body 5 MiB past its limit: the connection was held open" ;; *) ok ;; esac
# (libmicrohttpd calls the completion, which logs it, after closing the socket.)
for _ in $(seq 1 100); do
	grep "closed unanswered: a chunked body passed its route's limit by more than 4 MiB" \
		"$WORK/daemon.err" >/dev/null && break
	sleep 0.1
done
grep "closed unanswered: a chunked body passed its route's limit by more than 4 MiB" \
	"$WORK/daemon.err" >/dev/null && ok || fail "no log line for the body closed unanswered"
equals "$(grep -c 'status=413' "$WORK/daemon.err")" "$((logged_413 + 1))" \
	"one 413 logged (the 1 MiB body), none for the body closed unanswered"
# HTTP/1.1 needs one Host (RFC 9112 §3.2); HTTP/1.0 need not.
raw 5 'GET /v1/health HTTP/1.1\r\n\r\n'
raw_json_error 400 BAD_HOST "no Host"
raw 5 'GET /v1/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
raw_json_error 400 BAD_HOST "two Host"
raw 5 'GET /v1/health HTTP/1.0\r\n\r\n'
equals "$(statuses)" 200 "HTTP/1.0 without Host"
alive "framing"

# %00 in a path or a parameter: refused, never cut.
req GET "/index.html%00.js" ""
expect_http 400 BAD_PATH
req GET "/v1/ledger/consistency?from=1%00x&to=1" ""
expect_http 400 BAD_PATH
req GET "/v1/vouchers/lookup%00" "$T_ADMIN"
expect_http 400 BAD_PATH

# Long targets and large headers: our JSON error, with X-Request-Id.
long=$(head -c 3000 /dev/zero | tr '\0' a)
raw 5 "GET /v1/health?x=$long HTTP/1.1\r\nHost: t\r\n\r\n"
raw_json_error 414 URI_TOO_LONG "a 3000-byte target"
raw 5 "GET /$(head -c 600 /dev/zero | tr '\0' a) HTTP/1.1\r\nHost: t\r\n\r\n"
raw_json_error 414 URI_TOO_LONG "a 600-byte path"
pad=$(head -c 10000 /dev/zero | tr '\0' a)
raw 5 "GET /v1/health HTTP/1.1\r\nHost: t\r\nX-Pad: $pad\r\n\r\n"
raw_json_error 431 HEADERS_TOO_LARGE "10 KB of headers"
# What libmicrohttpd answers itself (docs/api.md "Limits"): its status, the
# connection closed, the daemon alive.
pad=$(head -c 40000 /dev/zero | tr '\0' a)
raw 5 "GET /v1/health HTTP/1.1\r\nHost: t\r\nX-Pad: $pad\r\n\r\n"
equals "$(statuses)" 431 "40 KB of headers (libmicrohttpd)"
raw 5 'POST /v1/vouchers/lookup HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n'
# (0.9.75 sends its status line and headers twice here, and no body)
equals "$(statuses | cut -d' ' -f1)" 400 "a malformed Content-Length (libmicrohttpd)"
raw 5 'GET /v1/health HTTP/2.0\r\nHost: t\r\n\r\n'
equals "$(statuses)" 505 "HTTP/2.0 (libmicrohttpd)"
alive "libmicrohttpd's own errors"

# Idempotency keys: up to 128 characters, not bytes (100 × é = 200 bytes).
key100=$(printf 'é%.0s' $(seq 100))
key129=$(printf 'é%.0s' $(seq 129))
key128x=$(head -c 128 /dev/zero | tr '\0' k)
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier "$key100" "$(pass 1)")"
expect_http 201
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier "$key100" "$(pass 1)")"
expect_http 201 # replayed: the key was stored whole
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier "$key129" "$(pass 2)")"
expect_http 400 BAD_IDEMPOTENCY_KEY
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier "${key128x}k" "$(pass 2)")"
expect_http 400 BAD_IDEMPOTENCY_KEY
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier "$key128x" "$(pass 2)")"
expect_http 201
stop_daemon

# One client cannot hold the connections: a per-address cap...
cat >"$WORK/hold.py" <<'EOF'
# hold.py HOST:PORT N: opens N idle connections, then one more: prints
# "refused" when passnumd closes it unanswered, "answered" otherwise; then
# closes one idle connection and prints "answered" once a new one is served.
import socket, sys, time
host, port = sys.argv[1].rsplit(':', 1)
def ask():
    s = socket.create_connection((host, int(port)))
    s.settimeout(5)
    try:
        s.sendall(b'GET /v1/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
        return b'200' in s.recv(4096)
    except OSError:
        return False
    finally:
        s.close()
idle = [socket.create_connection((host, int(port))) for _ in range(int(sys.argv[2]))]
time.sleep(0.3)  # let passnumd accept them (the cap counts accepted connections)
print('answered' if ask() else 'refused')
idle.pop().close()
deadline = time.monotonic() + 5
while time.monotonic() < deadline:
    if ask():
        print('answered')
        break
    time.sleep(0.05)
else:
    print('still refused')
EOF
start_daemon --connections-per-address 3 || { finish; exit 1; }
equals "$(python3 "$WORK/hold.py" "${URL#http://}" 3 | tr '\n' ' ')" "refused answered " "cap of 3 per address"
stop_daemon
start_daemon --connections-per-address 3 --trusted-proxy 127.0.0.1 || { finish; exit 1; }
equals "$(python3 "$WORK/hold.py" "${URL#http://}" 3 | tr '\n' ' ')" "answered answered " "a trusted proxy is exempt"
stop_daemon

# ... and a deadline for complete headers: one byte every 0.3 s is cut.
cat >"$WORK/loris.py" <<'EOF'
import socket, sys, time
host, port = sys.argv[1].rsplit(':', 1)
s = socket.create_connection((host, int(port)))
t0 = time.monotonic()
s.sendall(b'GET /v1/health HTTP/1.1\r\nX-Slow: ')
s.settimeout(0.3)
while time.monotonic() - t0 < 15:
    try:
        if s.recv(4096) == b'':
            break
    except socket.timeout:
        pass
    except OSError:
        break
    try:
        s.sendall(b'a')
    except OSError:
        break
print('%.0f' % (time.monotonic() - t0))
EOF
start_daemon --header-timeout 2 || { finish; exit 1; }
cut=$(python3 "$WORK/loris.py" "${URL#http://}")
[ "$cut" -ge 1 ] && [ "$cut" -le 5 ] && ok || fail "slow headers cut after ${cut}s (wanted about 2)"
grep -q "no complete request headers within 2 s" "$WORK/daemon.err" && ok || fail "no log line for the cut"
alive "a slow client"
stop_daemon

finish
