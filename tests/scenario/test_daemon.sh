#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# passnumd: the HTTP API against the real daemon and the real CLI — health,
# keys, hygiene (404 405 413 415 400), roles, lookups, redemption and its
# refusals, a two-pass service, idempotency, 409 with the receipt, 50
# concurrent redemptions of one pass, a pass forged with a leaked issuer key,
# cancellation, listing, ledger proofs, rate limits, metrics, HTTPS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

# A home it cannot use is refused at start, with one clear line.
expect 1 "$PASSNUMD_BIN" --home "$WORK/nothing" --listen 127.0.0.1:0
contains "$err" "cannot use the home"
one_line "$err"
expect 2 "$PASSNUMD_BIN" --bogus
setup_home
# A non-loopback address without TLS or a trusted proxy is refused.
expect 1 "$PASSNUMD_BIN" --home "$H" --listen 0.0.0.0:0
contains "$err" "without TLS"
echo "listen = 127.0.0.1:0" > "$H/passnumd.conf"
echo "threads = x" >> "$H/passnumd.conf"
expect 1 "$PASSNUMD_BIN" --home "$H"
contains "$err" "passnumd.conf line 2"
printf '[server]\nlisten = 127.0.0.1:0\nthreads = 3\nfailure_burst = 40\nfailures_per_minute = 1\n' > "$H/passnumd.conf"

start_daemon || { finish; exit 1; }

# Public routes.
req GET /v1/health ""
expect_http 200
equals "$(echo "$body" | jq -r .status)" ok "health"
req GET /v1/keys ""
expect_http 200
equals "$(echo "$body" | jq -r '.issuer_keys[0].status')" active "issuer key"
contains "$(echo "$body" | jq -r '.ledger_keys[0].vkey')" "test.example/ledger+"

# Hygiene: every error is the JSON error body with a stable code.
req GET /v1/nothing ""
expect_http 404 NO_ROUTE
req DELETE /v1/redemptions "$T_PLACE"
expect_http 405 METHOD_NOT_ALLOWED
allow=$(curl -s -o /dev/null -D - -X DELETE "$URL/v1/redemptions" | tr -d '\r' | sed -n 's/^allow: //Ip')
equals "$allow" "POST, GET" "405: Allow lists every method of the path"
head -c 70000 /dev/zero | tr '\0' 'a' > "$WORK/big"
req POST /v1/redemptions "$T_PLACE" "@$WORK/big"
expect_http 413 TOO_LARGE
status=$(curl -s -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $T_PLACE" \
	-H 'Content-Type: text/plain' --data-binary '{}' "$URL/v1/redemptions"); body=$(cat "$WORK/body")
expect_http 415 NOT_JSON
req POST /v1/redemptions "$T_PLACE" '{"vouchers": ['
expect_http 400 BAD_JSON
req POST /v1/redemptions "$T_PLACE" '{"vouchers": "x"}'
expect_http 400 BAD_REQUEST
req POST /v1/redemptions "$T_PLACE" "$(jq -cn --arg p "$(pass 1)" '{vouchers: [$p], service: "atelier"}')"
expect_http 400 BAD_IDEMPOTENCY_KEY

# Roles: no token, a bad one, a revoked one, the wrong role.
req POST /v1/redemptions "" '{}'
expect_http 401 NO_TOKEN
req POST /v1/redemptions "0123456789abcdef.nope" '{}'
expect_http 401
req POST /v1/redemptions "$T_ADMIN" "$(redeem_body atelier r0 "$(pass 1)")"
expect_http 403 FORBIDDEN_ROLE
req POST /v1/redemptions "$T_FUNDER" "$(redeem_body atelier r0 "$(pass 1)")"
expect_http 403 FORBIDDEN_ROLE
req GET /v1/redemptions "$T_FUNDER"
expect_http 403 FORBIDDEN_ROLE
req POST /v1/vouchers/lookup "$T_FUNDER" "$(jq -cn --arg p "$(pass 1)" '{voucher: $p}')"
expect_http 403 FORBIDDEN_ROLE
T_GONE=$(pn --home "$H" token create --role place --id 1)
pn --home "$H" token revoke "${T_GONE%%.*}" >/dev/null
req GET /v1/redemptions "$T_GONE"
expect_http 401

# Lookups: by token and by code; the place is told what the pass pays for.
req POST /v1/vouchers/lookup "$T_PLACE" "$(jq -cn --arg p "$(pass 1)" '{voucher: $p}')"
expect_http 200
equals "$(echo "$body" | jq -r .status)" valid "lookup status"
equals "$(echo "$body" | jq -r .value)" "10.00" "lookup value"
equals "$(echo "$body" | jq -r .last_day)" "2027-06-30" "lookup last day"
equals "$(echo "$body" | jq -r .usable_here)" true "usable here"
equals "$(echo "$body" | jq -c '[.services[].code]')" '["atelier","parcours"]' "services here"
contains "$body" '"funder":"Département de test"'
case "$body" in *C93*) fail "the campaign's internal name was shown";; *) ok;; esac
req GET "/v1/vouchers/$(code 1)" "$T_PLACE"
expect_http 200
equals "$(echo "$body" | jq -r .serial)" "$(serial 1)" "lookup by code"
req GET "/v1/vouchers/$(code 1 | tr 'A-Z' 'a-z')" "$T_ADMIN"
expect_http 200
# ... at a place outside the campaign's territory: why not here.
req GET "/v1/vouchers/$(code 1)" "$T_PLACE2"
expect_http 200
equals "$(echo "$body" | jq -r .usable_here)" false "usable in Lyon"
equals "$(echo "$body" | jq -r .refusal)" OUT_OF_TERRITORY "refusal"
req GET "/v1/vouchers/00000-00000-00000-00000-0" "$T_PLACE"
expect_http 200
equals "$(echo "$body" | jq -r .status)" unknown "unknown serial"
req GET "/v1/vouchers/00000-00000-00000-00000-1" "$T_PLACE"
expect_http 422 CODE_BAD_CHECK

# Happy path: one pass, by token. The receipt verifies offline.
before_entries=$(sqlite3 "$H/passnum.db" 'SELECT COUNT(*) FROM entries')
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-1 "$(pass 1)")"
expect_http 201
first=$body
equals "$(echo "$body" | jq -r .receipt.entry.kind)" redeem "entry kind"
equals "$(echo "$body" | jq -c '.receipt.entry.postings')" \
	'[{"account":"campaign:1:outstanding","amount":1000},{"account":"payee:1","amount":-1000}]' "postings"
equals "$(echo "$body" | jq -r '.vouchers[0]')" "$(serial 1)" "serial in the answer"
echo "$body" | jq .receipt > "$WORK/receipt.json"
expect 0 pn --home "$H" ledger check "$WORK/receipt.json"
equals "$(sqlite3 "$H/passnum.db" "SELECT status FROM vouchers WHERE serial = x'$(serial 1)'")" redeemed "voucher status"
equals "$(sqlite3 "$H/passnum.db" 'SELECT COUNT(*) FROM entries')" $((before_entries + 1)) "one entry"
# The same key and body: byte-identical; same key, other body: 422.
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-1 "$(pass 1)")"
expect_http 201
equals "$body" "$first" "replayed answer"
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-1 "$(pass 2)")"
expect_http 422 IDEMPOTENCY_KEY_REUSED
# The same pass again, another key: 409 with the receipt for this place...
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-2 "$(pass 1)")"
expect_http 409 ALREADY_REDEEMED
equals "$(echo "$body" | jq -r .by_you)" true "by_you"
equals "$(echo "$body" | jq -c .redemption)" "$(echo "$first" | jq -c .)" "409 carries the receipt"
# ... and only the date for another place (the pass is out of its territory
# anyway, but 409 comes first).
req POST /v1/redemptions "$T_PLACE2" "$(redeem_body atelier key-3 "$(pass 1)")"
expect_http 409 ALREADY_REDEEMED
equals "$(echo "$body" | jq -r .by_you)" false "by_you for another place"
equals "$(echo "$body" | jq -r .redeemed_on)" 2027-03-12 "date for another place"
equals "$(echo "$body" | jq -r '.redemption // "none"')" none "no receipt for another place"
# A lookup of a redeemed pass: the redeeming place gets its receipt, another
# place only the date.
req POST /v1/vouchers/lookup "$T_PLACE" "$(jq -cn --arg p "$(pass 1)" '{voucher: $p}')"
expect_http 200
equals "$(echo "$body" | jq -r '.status, .by_you, .redeemed_on' | tr '\n' ' ')" "redeemed true 2027-03-12 " \
	"lookup of its own redeemed pass"
equals "$(echo "$body" | jq -c .redemption)" "$(echo "$first" | jq -c .)" "lookup carries the receipt"
req GET "/v1/vouchers/$(code 1)" "$T_PLACE2"
expect_http 200
equals "$(echo "$body" | jq -r '.status, .by_you, (.redemption // "none")' | tr '\n' ' ')" "redeemed false none " \
	"lookup by another place"

# Refusals change nothing in the database.
before=$(db_dump "$H")
req POST /v1/redemptions "$T_PLACE2" "$(redeem_body atelier key-4 "$(pass 2)")"
expect_http 403 OUT_OF_TERRITORY
req POST /v1/redemptions "$T_PLACE" "$(redeem_body rien key-5 "$(pass 2)")"
expect_http 403 SERVICE_NOT_OFFERED
req POST /v1/redemptions "$T_PLACE" "$(redeem_body nope key-6 "$(pass 2)")"
expect_http 404 UNKNOWN_SERVICE
req POST /v1/redemptions "$T_PLACE" "$(redeem_body parcours key-7 "$(pass 2)")"
expect_http 400 WRONG_PASS_COUNT
req POST /v1/redemptions "$T_PLACE" "$(redeem_body parcours key-8 "$(pass 2)" "$(code 2)")"
expect_http 400 DUPLICATE_PASS
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-9 "PN1:NOT-A-PASS")"
expect_http 422 BAD_BASE45
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-10 "00000-00000-00000-00000-0")"
expect_http 422 UNKNOWN_VOUCHER
tampered=$(pass 2 | sed 's/.$/0/'); [ "$tampered" = "$(pass 2)" ] && tampered=$(pass 2 | sed 's/.$/1/')
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-11 "$tampered")"
expect_http 422
equals "$(db_dump "$H")" "$before" "database after refusals"
pn --home "$H" voucher revoke "$(code 3)" >/dev/null || fail "voucher revoke"
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-12 "$(code 3)")"
expect_http 410 REVOKED
pn --home "$H" place suspend 1 >/dev/null || fail "place suspend"
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-13 "$(pass 2)")"
expect_http 403 PLACE_SUSPENDED
pn --home "$H" place label 1 >/dev/null

# A pass forged with a leaked issuer key, for a serial never issued: 422.
forged=$(python3 - "$H" <<'PY'
import sys, os, glob, hashlib, struct
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
home = sys.argv[1]
sk = open(sorted(glob.glob(home + "/keys/issuer-*.key"))[-1], "rb").read()
key = Ed25519PrivateKey.from_private_bytes(sk[:32])
kid = hashlib.blake2b(sk[32:], digest_size=32).digest()[:4]
body = b"\x01" + kid + os.urandom(12) + struct.pack(">III", 1, 1000, 21000)
tok = body + key.sign(b"passnum-voucher-v1" + body)
A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
out = ""
for i in range(0, len(tok) - 1, 2):
    n = tok[i] * 256 + tok[i + 1]
    out += A[n % 45] + A[n // 45 % 45] + A[n // 2025]
if len(tok) % 2:
    out += A[tok[-1] % 45] + A[tok[-1] // 45]
print("PN1:" + out)
PY
)
req POST /v1/vouchers/lookup "$T_PLACE" "$(jq -cn --arg p "$forged" '{voucher: $p}')"
equals "$(echo "$body" | jq -r .status)" unknown "forged pass looked up"
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-forged "$forged")"
expect_http 422 UNKNOWN_VOUCHER

# A two-pass service: both passes or none.
req POST /v1/redemptions "$T_PLACE" "$(redeem_body parcours key-20 "$(pass 4)" "$(code 1)")"
expect_http 409 ALREADY_REDEEMED
equals "$(sqlite3 "$H/passnum.db" "SELECT status FROM vouchers WHERE serial = x'$(serial 4)'")" issued \
	"the other pass of a refused pair"
req POST /v1/redemptions "$T_PLACE" "$(redeem_body parcours key-21 "$(pass 4)" "$(code 5)")"
expect_http 201
equals "$(echo "$body" | jq -r .value_cents)" 2000 "two-pass value"
equals "$(echo "$body" | jq -c '.receipt.entry.postings')" \
	'[{"account":"campaign:1:outstanding","amount":2000},{"account":"payee:1","amount":-2000}]' "two-pass postings"

# Replays in flight: pairs of identical requests sent at once get the same bytes.
pids=()
for i in $(seq 6 15); do
	b=$(redeem_body atelier "pair-$i" "$(pass "$i")")
	for side in a b; do
		curl -s -H "Authorization: Bearer $T_PLACE" -H 'Content-Type: application/json' \
			--data-binary "$b" -o "$WORK/pair-$i-$side" -w '%{http_code}\n' "$URL/v1/redemptions" \
			> "$WORK/pair-$i-$side.status" &
		pids+=($!)
	done
done
wait "${pids[@]}"
for i in $(seq 6 15); do
	equals "$(cat "$WORK/pair-$i-a.status") $(cat "$WORK/pair-$i-b.status")" "201 201" "pair $i statuses"
	cmp -s "$WORK/pair-$i-a" "$WORK/pair-$i-b" && ok || fail "pair $i answers differ"
done

# 50 simultaneous redemptions of one pass (different keys): exactly one 201.
b=$(pass 16)
pids=()
for i in $(seq 50); do
	curl -s -H "Authorization: Bearer $T_PLACE" -H 'Content-Type: application/json' \
		--data-binary "$(redeem_body atelier "race-$i" "$b")" -o /dev/null -w '%{http_code}\n' \
		"$URL/v1/redemptions" > "$WORK/race-$i" &
	pids+=($!)
done
wait "${pids[@]}"
equals "$(cat "$WORK"/race-* | grep -c 201)" 1 "201s among 50 racers"
equals "$(cat "$WORK"/race-* | grep -c 409)" 49 "409s among 50 racers"
equals "$(sqlite3 "$H/passnum.db" "SELECT COUNT(*) FROM redemption_vouchers WHERE serial = x'$(serial 16)'")" 1 \
	"redemptions of the raced pass"

# Cancellation: only by the same place, once; the pass is valid again.
id=$(echo "$first" | jq -r .id)
req POST "/v1/redemptions/$id/cancel" "$T_PLACE2"
expect_http 404 NO_REDEMPTION
req POST "/v1/redemptions/$id/cancel" "$T_PLACE"
expect_http 200
equals "$(echo "$body" | jq -r .receipt.entry.kind)" cancel "cancel entry"
equals "$(echo "$body" | jq -c '.receipt.entry.postings')" \
	'[{"account":"campaign:1:outstanding","amount":-1000},{"account":"payee:1","amount":1000}]' "cancel postings"
req POST "/v1/redemptions/$id/cancel" "$T_PLACE"
expect_http 409 ALREADY_CANCELLED
req GET "/v1/vouchers/$(code 1)" "$T_PLACE"
equals "$(echo "$body" | jq -r .status)" valid "cancelled pass valid again"
PASSNUM_NOW=2027-03-12T10:20:00Z pn --home "$H" voucher show "$(code 1)" >/dev/null
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-again "$(pass 1)")"
expect_http 201
late=$(echo "$body" | jq -r .id)

# Lists: each place sees its own only.
req GET "/v1/redemptions?from=2027-03-01&to=2027-03-31" "$T_PLACE"
expect_http 200
equals "$(echo "$body" | jq '.redemptions | length')" 14 "place 1's redemptions"
equals "$(echo "$body" | jq -r ".redemptions[] | select(.id == $id) | .cancelled_at")" \
	"2027-03-12T10:00:00Z" "cancelled in the list"
req GET /v1/redemptions "$T_PLACE2"
equals "$(echo "$body" | jq '.redemptions | length')" 0 "place 2's redemptions"
req GET "/v1/redemptions?from=2027-13-01" "$T_PLACE"
expect_http 400 BAD_PARAMETER

# The ledger: a checkpoint, an inclusion proof, a consistency proof; the
# whole ledger verifies.
pn --home "$H" ledger checkpoint > "$WORK/checkpoint.txt" || fail "ledger checkpoint"
req GET /v1/ledger/checkpoint ""
expect_http 200
equals "$body" "$(cat "$WORK/checkpoint.txt")" "served checkpoint"
size=$(sed -n 2p "$WORK/checkpoint.txt")
seq=$(echo "$first" | jq -r .receipt.entry.seq)
req GET "/v1/ledger/proof/$seq" ""
expect_http 200
contains "$(echo "$body" | jq -r .checkpoint)" "test.example/ledger"
req GET "/v1/ledger/proof/$seq?size=$size" ""
expect_http 200
equals "$(echo "$body" | jq -r .size)" "$size" "proof size"
equals "$(echo "$body" | jq -r .leaf_hash)" "$(echo "$first" | jq -r .receipt.entry.entry_hash)" "leaf hash"
echo "$body" > "$WORK/proof.json"
expect 0 pn --home "$H" ledger check "$WORK/receipt.json" --proof "$WORK/proof.json" --checkpoint "$WORK/checkpoint.txt"
req GET "/v1/ledger/proof/$seq?size=$((size + 100))" ""
expect_http 400 BAD_SIZE
req GET "/v1/ledger/consistency?from=1&to=$size" ""
expect_http 200
req GET "/v1/ledger/consistency?from=2" ""
expect_http 400 BAD_PARAMETER
expect 0 pn --home "$H" ledger verify

# Funder reports: a funder sees its own only; aggregates with small cells hidden.
pn --home "$H" funder add "CAF de test" >/dev/null || fail "funder add 2"
T_FUNDER2=$(pn --home "$H" token create --role funder --id 2)
req GET /v1/funders/1/report "$T_FUNDER"
expect_http 200
equals "$(echo "$body" | jq -r '.funder.id, (.campaigns | length), .campaigns[0].passes.issued.passes' | tr '\n' ' ')" \
	"1 1 40 " "report: funder, campaigns, passes issued"
redeemed=$(sqlite3 "$H/passnum.db" "SELECT COUNT(*) FROM vouchers WHERE campaign_id = 1 AND status = 'redeemed'")
if [ "$redeemed" -gt 0 ] && [ "$redeemed" -lt 11 ]; then want='< 11 null'; else want="$redeemed $((redeemed * 1000))"; fi
equals "$(echo "$body" | jq -r '.campaigns[0].passes.redeemed | "\(.passes) \(.cents)"')" "$want" \
	"report: redeemed cell (small cells hidden)"
equals "$(echo "$body" | jq -r '.campaigns[0].redeemed_by_department[0].department')" 93 \
	"report: redeemed per département"
req GET /v1/funders/2/report "$T_FUNDER"
expect_http 403 NOT_YOURS
req GET /v1/funders/2/report "$T_FUNDER2"
expect_http 200
req GET /v1/funders/1/report "$T_ADMIN"
expect_http 200
req GET /v1/funders/1/report "$T_PLACE"
expect_http 403 FORBIDDEN_ROLE
req GET /v1/funders/99/report "$T_ADMIN"
expect_http 404 NO_FUNDER

# Rate limits: failures only (burst 40, refilled at 1 a minute here), per address
# and per place.
for i in $(seq 41); do
	req GET "/v1/vouchers/00000-00000-00000-00000-0" "$T_PLACE2"
	[ "$status" = 429 ] && break
done
expect_http 429 RATE_LIMITED
req GET "/v1/vouchers/$(code 20)" "$T_PLACE2"
expect_http 200
req POST /v1/redemptions "$T_PLACE2" "$(redeem_body atelier key-x "00000-00000-00000-00000-0")"
expect_http 429 RATE_LIMITED
# ... a valid redemption is never limited (same address, place 1 is fine).
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-valid "$(pass 21)")"
expect_http 201
# ... and a place out of guesses is refused before the work: once place 2's
# own bucket is empty, even a good code gets 429; place 1 still redeems.
for i in $(seq 45); do
	req GET "/v1/vouchers/00000-00000-00000-00000-0" "$T_PLACE2"
done
req GET "/v1/vouchers/$(code 20)" "$T_PLACE2"
expect_http 429 RATE_LIMITED
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-valid-2 "$(pass 23)")"
expect_http 201

# Metrics: loopback without a token; counters move.
req GET /metrics ""
expect_http 200
contains "$body" 'passnumd_requests_total{method="POST",route="/v1/redemptions",status="201"}'
contains "$body" "passnumd_redemptions_total"
contains "$body" "passnumd_commit_batch_size_bucket"
req GET /metrics "$T_PLACE"
expect_http 403 FORBIDDEN_ROLE

# One log line per request, never a token.
grep -q "event=request id=[0-9a-f]* method=POST route=/v1/redemptions status=201" "$WORK/daemon.err" && ok || fail "no request log line"
grep -q "${T_PLACE#*.}" "$WORK/daemon.err" && fail "a token secret is in the log" || ok

# SIGTERM: a clean stop.
stop_daemon
grep -q "stopped" "$WORK/daemon.err" && ok || fail "no clean stop"
equals "$(sqlite3 "$H/passnum.db" 'PRAGMA integrity_check')" ok "integrity after stop"

# HTTPS with the development certificate.
bash "$PASSNUM_SOURCE_DIR/certs/make-dev-certs.sh" "$WORK/certs" >/dev/null || fail "make-dev-certs.sh"
start_daemon --tls-cert "$WORK/certs/server.pem" --tls-key "$WORK/certs/server-key.pem"
contains "$URL" "https://"
CURL_EXTRA="--cacert $WORK/certs/ca.pem"
URL=${URL/127.0.0.1/localhost}
req GET /v1/health ""
expect_http 200
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier key-tls "$(pass 22)")"
expect_http 201
CURL_EXTRA=
status=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/health")
equals "$status" 000 "an untrusted certificate is refused by curl"
stop_daemon

finish
