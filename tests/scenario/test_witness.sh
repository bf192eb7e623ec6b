#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW)
# Witnesses (issue 14, item 4): two real `passnum witness serve` processes
# follow the real passnumd's log. They cosign a growing log (C2SP
# tlog-witness, cosignature/v1); the cosigned note at /v1/ledger/checkpoint
# verifies with `ledger check --witness ... --min-cosignatures 2` and with
# the Node checker written from the C2SP specs. The protocol's refusals,
# straight at a witness: 409 with its size, a bad consistency proof (422),
# a checkpoint signed by another key for the same origin (403), an unknown
# origin (404), malformed bodies (400). A fork — an old backup restored into
# another home that grows differently — is refused by a witness that saw the
# original (422, in the witness's log and in passnumd's), which never
# cosigns two trees of the same size.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
ORIGIN=test.example/ledger
CHECK=${PASSNUM_SOURCE_DIR}/tools/verify-cosignature.mjs

# start_witness N: serves $WORK/wN; sets W_URL[N] and W_PID[N].
declare -A W_URL W_PID
start_witness() {
	: >"$WORK/w$1.out"
	"$PASSNUM_BIN" witness serve --dir "$WORK/w$1" --listen 127.0.0.1:0 >>"$WORK/w$1.out" 2>>"$WORK/w$1.err" &
	W_PID[$1]=$!
	for _ in $(seq 100); do
		W_URL[$1]=$(grep -o 'http://[0-9.:]*' "$WORK/w$1.out" 2>/dev/null | head -1)
		[ -n "${W_URL[$1]}" ] && return 0
		sleep 0.05
	done
	fail "witness $1 did not start: $(cat "$WORK/w$1.err")"
}
stop_witness() { kill "${W_PID[$1]}" 2>/dev/null; wait "${W_PID[$1]}" 2>/dev/null; }
trap 'stop_witness 1; stop_witness 2; scenario_cleanup' EXIT

# cosigned SIZE N: waits (up to 30 s) until /v1/ledger/checkpoint is the
# checkpoint of SIZE with N cosignature lines; leaves it in $WORK/note.
cosigned() {
	for _ in $(seq 300); do
		curl -s "$URL/v1/ledger/checkpoint" >"$WORK/note"
		if [ "$(sed -n 2p "$WORK/note")" = "$1" ] &&
			[ "$(grep -c '^— ' "$WORK/note")" = "$(($2 + 1))" ]; then
			ok
			return 0
		fi
		sleep 0.1
	done
	fail "no checkpoint of size $1 with $2 cosignature(s): $(cat "$WORK/note")"
	return 1
}
# logged FILE TEXT: waits (up to 30 s) for TEXT in FILE.
logged() {
	for _ in $(seq 300); do
		grep -qF -- "$2" "$1" && { ok; return 0; }
		sleep 0.1
	done
	fail "$1 never said \"$2\": $(tail -5 "$1")"
	return 1
}
size() { sqlite3 "$1/passnum.db" "SELECT count(*) FROM entries"; }
grow() { # grow HOME N REF: N funder orders, then a checkpoint
	for i in $(seq "$2"); do
		pn --home "$1" funder order 1 100 --ref "$3-$i" >/dev/null || fail "funder order"
	done
	pn --home "$1" ledger checkpoint >/dev/null || fail "ledger checkpoint"
}
b64() { xxd -r -p | base64 -w0; }

setup_home
start_daemon
req GET /v1/keys ""
LOG_VKEY=$(echo "$body" | jq -r '.ledger_keys[0].vkey')
stop_daemon

# --- the witnesses -----------------------------------------------------------
expect 0 pn witness init --dir "$WORK/w1" --name witness.test/w1
VK1=$out
expect 0 pn witness init --dir "$WORK/w2" --name witness.test/w2
VK2=$out
equals "$(stat -c %a "$WORK/w1/witness.key")" 600 "witness key mode"
case "$VK1" in witness.test/w1+????????+*) ok ;; *) fail "vkey: $VK1" ;; esac
expect 1 pn witness init --dir "$WORK/w1" --name witness.test/w1
one_line "$err"
expect 2 pn witness init --dir "$WORK/w9" --name "bad name"
expect 2 pn witness add-log --dir "$WORK/w1" --origin $ORIGIN --vkey nonsense
for n in 1 2; do expect 0 pn witness add-log --dir "$WORK/w$n" --origin $ORIGIN --vkey "$LOG_VKEY"; done
expect 1 pn witness add-log --dir "$WORK/w1" --origin $ORIGIN --vkey "$LOG_VKEY"
contains "$err" "follows $ORIGIN already"
start_witness 1
start_witness 2
expect 1 pn witness add-log --dir "$WORK/w1" --origin other.example/log --vkey "$LOG_VKEY"
contains "$err" "stop it first" "add-log while serving"
expect 1 pn witness serve --dir "$WORK/w1" --listen 127.0.0.1:0
contains "$err" "stop it first" "a second witness process on the same key"

# --- two witnesses cosign a growing log ---------------------------------------
cat >>"$H/passnumd.conf" <<CONF
witness = ${W_URL[1]} $VK1
witness = ${W_URL[2]}/ $VK2
CONF
start_daemon --checkpoint-entries 1 --checkpoint-seconds 3600
sizes=()
for round in 1 2 3; do
	req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier "k$round" "$(pass "$round")")"
	expect_http 201
	echo "$body" >"$WORK/receipt$round.json"
	want=$(size "$H")
	cosigned "$want" 2
	sizes+=("$want")
	cp "$WORK/note" "$WORK/note$round"
done
grow "$H" 3 R
cosigned "$(size "$H")" 2
cp "$WORK/note" "$WORK/note4"
S1=$(size "$H")
logged "$WORK/w1.err" "cosigned $ORIGIN size $S1"
logged "$WORK/daemon.err" "witness witness.test/w2 cosigned the checkpoint of size $S1"
expect 0 pn witness show --dir "$WORK/w2" --json
equals "$(echo "$out" | jq -r '.logs[0].size')" "$S1" "w2's state on disk"
equals "$(echo "$out" | jq -r .vkey)" "$VK2" "witness show vkey"

# The cosigned note verifies: passnum ledger check and the Node checker.
expect 0 node "$CHECK" --self-test
seq3=$(jq -r '.receipt.entry.seq // .redemption.receipt.entry.seq' "$WORK/receipt3.json")
pn --home "$H" ledger proof "$seq3" --size "$S1" >"$WORK/proof3.json" || fail "ledger proof"
expect 0 pn ledger check "$WORK/receipt3.json" --proof "$WORK/proof3.json" --checkpoint "$WORK/note4" \
	--key "$LOG_VKEY" --witness "$VK1" --witness "$VK2" --min-cosignatures 2
contains "$out" "cosigned by 2 of 2 witness(es)"
expect 0 pn --json ledger check "$WORK/receipt3.json" --proof "$WORK/proof3.json" \
	--checkpoint "$WORK/note4" --key "$LOG_VKEY" --witness "$VK1" --witness "$VK2"
equals "$(echo "$out" | jq .cosignatures)" 2 "cosignatures counted"
expect 0 node "$CHECK" --checkpoint "$WORK/note4" --log-key "$LOG_VKEY" --witness "$VK1" --witness "$VK2" \
	--min-cosignatures 2
equals "$(echo "$out" | jq -r '.size, (.cosignatures | length)' | tr '\n' ' ')" "$S1 2 " "node checker"
# A third witness never asked: two of three is enough, three is not.
expect 0 pn witness init --dir "$WORK/w3" --name witness.test/w3
VK3=$out
expect 0 pn ledger check "$WORK/receipt3.json" --proof "$WORK/proof3.json" --checkpoint "$WORK/note4" \
	--key "$LOG_VKEY" --witness "$VK1" --witness "$VK2" --witness "$VK3" --min-cosignatures 2
expect 1 pn ledger check "$WORK/receipt3.json" --proof "$WORK/proof3.json" --checkpoint "$WORK/note4" \
	--key "$LOG_VKEY" --witness "$VK1" --witness "$VK2" --witness "$VK3"
contains "$err" "2 valid cosignature(s) by the given witnesses, 3 needed"
one_line "$err"
expect 1 node "$CHECK" --checkpoint "$WORK/note4" --log-key "$LOG_VKEY" --witness "$VK3" --min-cosignatures 1
expect 2 pn ledger check "$WORK/receipt3.json" --witness "$VK1"
expect 2 pn ledger check "$WORK/receipt3.json" --proof "$WORK/proof3.json" --checkpoint "$WORK/note4" \
	--witness "$VK1" --min-cosignatures 2
expect 2 pn ledger check "$WORK/receipt3.json" --proof "$WORK/proof3.json" --checkpoint "$WORK/note4" \
	--witness "$LOG_VKEY"
# A cosignature with one byte changed (its timestamp) is refused by both.
line=$(grep '^— witness.test/w1 ' "$WORK/note4")
blob=$(echo "${line#* * }" | base64 -d | xxd -p -c 200)
forged=${blob:0:8}$(printf '%016x' 1)${blob:24}
sed "s|^— witness.test/w1 .*|— witness.test/w1 $(echo "$forged" | b64)|" "$WORK/note4" >"$WORK/forged"
expect 1 pn ledger check "$WORK/receipt3.json" --proof "$WORK/proof3.json" --checkpoint "$WORK/forged" \
	--key "$LOG_VKEY" --witness "$VK1" --witness "$VK2" --min-cosignatures 1
contains "$err" "cosignature by witness witness.test/w1 does not verify"
expect 1 node "$CHECK" --checkpoint "$WORK/forged" --log-key "$LOG_VKEY" --witness "$VK1" --witness "$VK2" \
	--min-cosignatures 1
contains "$err" "does not verify"
# The monitoring endpoint: the witness's latest cosigned note.
hash=$(printf %s "$ORIGIN" | sha256sum | cut -d' ' -f1)
status=$(curl -s -o "$WORK/wnote" -w '%{http_code}' "${W_URL[1]}/$hash/checkpoint")
equals "$status" 200 "GET /<origin hash>/checkpoint"
expect 0 node "$CHECK" --checkpoint "$WORK/wnote" --log-key "$LOG_VKEY" --witness "$VK1"
status=$(curl -s -o /dev/null -w '%{http_code}' "${W_URL[1]}/$(printf x | sha256sum | cut -d' ' -f1)/checkpoint")
equals "$status" 404 "unknown log's checkpoint"
# The backup the fork starts from (the log at S1, cosigned).
printf 'correct horse battery staple\n' >"$WORK/pass"
expect 0 pn --home "$H" backup "$WORK/old.pnbk" --with-keys --passphrase-file "$WORK/pass"
grow "$H" 2 T
cosigned "$(size "$H")" 2
S2=$(size "$H")
stop_daemon

# --- the protocol's refusals, straight at witness 2 -----------------------------
# post N BODYFILE: POSTs to witness N's add-checkpoint; sets $status, $body, $ctype.
post() {
	status=$(curl -s -o "$WORK/wbody" -w '%{http_code} %{content_type}' --data-binary "@$2" \
		"${W_URL[$1]}/add-checkpoint")
	ctype=${status#* }
	status=${status%% *}
	body=$(cat "$WORK/wbody")
}
# body OLD NEW NOTEFILE: an add-checkpoint body with the proof from $H.
mkbody() {
	printf 'old %s\n' "$1"
	if [ "$1" -gt 0 ] && [ "$1" -lt "$2" ]; then
		curl -s "$URL/v1/ledger/consistency?from=$1&to=$2" | jq -r '.proof[]' |
			while read -r h; do echo "$h" | b64; echo; done
	fi
	printf '\n'
	cat "$3"
}
start_daemon # no witness: for the consistency proofs
sed -i '/^witness = /d' "$H/passnumd.conf"
stop_daemon
start_daemon
grow "$H" 3 U
S3=$(size "$H")
curl -s "$URL/v1/ledger/checkpoint" >"$WORK/note-s3"
equals "$(grep -c '^— ' "$WORK/note-s3")" 1 "no witness configured: only the log's signature"
mkbody "$((S2 - 1))" "$S3" "$WORK/note-s3" >"$WORK/req"
post 2 "$WORK/req"
equals "$status $body" "409 $S2" "409 with the witness's size"
equals "$ctype" "text/x.tlog.size" "409's content type"
mkbody "$S2" "$S3" "$WORK/note-s3" >"$WORK/req"
awk 'NR == 2 { $0 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } { print }' "$WORK/req" >"$WORK/bad-proof"
post 2 "$WORK/bad-proof"
equals "$status" 422 "a bad consistency proof"
logged "$WORK/w2.err" "REFUSED $ORIGIN: size $S3 is not consistent with cosigned size $S2"
{ printf 'old %s\n\n' "$S2"; cat "$WORK/note-s3"; } >"$WORK/no-proof"
post 2 "$WORK/no-proof"
equals "$status" 422 "a missing consistency proof"
{ printf 'old 0\n'; sed -n 2p "$WORK/req"; printf '\n'; cat "$WORK/note-s3"; } >"$WORK/proof-from-0"
post 2 "$WORK/proof-from-0"
equals "$status" 409 "old 0 against a witness that cosigned: 409 first"
mkbody "$((S3 + 1))" "$S3" "$WORK/note-s3" >"$WORK/above"
post 2 "$WORK/above"
equals "$status" 400 "old above the checkpoint's size"
sed "s|^$ORIGIN\$|other.example/log|" "$WORK/req" >"$WORK/unknown"
post 2 "$WORK/unknown"
equals "$status" 404 "unknown origin"
# Another home with the same origin: another ledger key.
pn --home "$WORK/impostor" init --operator "Imposteur" --origin $ORIGIN >/dev/null || fail "init impostor"
pn --home "$WORK/impostor" funder add "F" >/dev/null && pn --home "$WORK/impostor" funder order 1 5 --ref X >/dev/null
pn --home "$WORK/impostor" ledger checkpoint >"$WORK/impostor-note" || fail "impostor checkpoint"
{ printf 'old 0\n\n'; cat "$WORK/impostor-note"; } >"$WORK/impostor-req"
post 2 "$WORK/impostor-req"
equals "$status" 403 "a checkpoint signed by another key for the same origin"
logged "$WORK/w2.err" "REFUSED $ORIGIN: note has no signature by key $ORIGIN"
# The log's signature altered: 403 too.
sed '$ s|[A-Za-z0-9]\(=*\)$|A\1|' "$WORK/req" >"$WORK/bad-sig"
cmp -s "$WORK/req" "$WORK/bad-sig" && sed -i '$ s|[A-Za-z0-9]\(=*\)$|B\1|' "$WORK/bad-sig"
post 2 "$WORK/bad-sig"
equals "$status" 403 "a bad log signature"
for bad in 'old 01\n\n' 'old -1\n\n' 'new 3\n\n' 'old 3\nnot-base64\n\n' 'old 3\n' ''; do
	printf "$bad" >"$WORK/malformed"
	cat "$WORK/note-s3" >>"$WORK/malformed"
	post 2 "$WORK/malformed"
	equals "$status" 400 "malformed body: $bad"
done
status=$(curl -s -o /dev/null -w '%{http_code}' "${W_URL[2]}/add-checkpoint")
equals "$status" 405 "GET add-checkpoint"
head -c 70000 /dev/zero | tr '\0' a >"$WORK/huge"
post 2 "$WORK/huge"
equals "$status" 413 "a body above the limit"
# Nothing refused changed the witness's state; the right request is cosigned.
expect 0 pn witness show --dir "$WORK/w2" --json
equals "$(echo "$out" | jq -r '.logs[0].size')" "$S2" "refusals left the state alone"
post 2 "$WORK/req"
equals "$status" 200 "the valid request"
cat "$WORK/note-s3" "$WORK/wbody" >"$WORK/cosigned-s3"
expect 0 node "$CHECK" --checkpoint "$WORK/cosigned-s3" --log-key "$LOG_VKEY" --witness "$VK2"
# The same checkpoint again (old = size, same root): cosigned again.
{ printf 'old %s\n\n' "$S3"; cat "$WORK/note-s3"; } >"$WORK/again"
post 2 "$WORK/again"
equals "$status" 200 "the same tree again"
stop_daemon

# --- a fork: the old backup restored elsewhere, grown differently --------------
# Witness 1 restarted first: what it cosigned is on disk, not in memory.
stop_witness 1
start_witness 1
expect 0 pn witness show --dir "$WORK/w1" --json
equals "$(echo "$out" | jq -r '.logs[0].size')" "$S2" "witness 1's state after a restart"
F=$WORK/fork
expect 0 pn restore "$WORK/old.pnbk" --home "$F" --passphrase-file "$WORK/pass"
equals "$(size "$F")" "$S1" "the restored log"
# Same size as what witness 1 cosigned last (S2), other entries: a fork.
grow "$F" "$((S2 - S1))" FORK
equals "$(size "$F")" "$S2" "the fork reaches the witness's size"
printf 'witness = %s %s\n' "${W_URL[1]}" "$VK1" >"$F/passnumd.conf"
H=$F start_daemon
logged "$WORK/daemon.err" "witness witness.test/w1 refused the checkpoint of size $S2 (old size $S2): HTTP 422"
logged "$WORK/w1.err" "REFUSED $ORIGIN: a different root for size $S2"
# Bigger than what the witness saw: no consistency proof can be made.
grow "$F" 4 FORK2
S4=$(size "$F")
logged "$WORK/daemon.err" "witness witness.test/w1 refused the checkpoint of size $S4 (old size $S2): HTTP 422"
logged "$WORK/w1.err" "REFUSED $ORIGIN: size $S4 is not consistent with cosigned size $S2"
echo "the witness refused the fork:"
grep -h 'REFUSED' "$WORK/w1.err" | sed 's/^/  witness: /'
grep -h 'refused the checkpoint' "$WORK/daemon.err" | sort -u | sed 's/^/  passnumd: /'
curl -s "$URL/v1/ledger/checkpoint" >"$WORK/fork-note"
equals "$(grep -c '^— ' "$WORK/fork-note")" 1 "the forked log is not cosigned"
expect 1 node "$CHECK" --checkpoint "$WORK/fork-note" --log-key "$LOG_VKEY" --witness "$VK1"
stop_daemon
# The witness cosigned exactly one tree per size: every "cosigned" line of
# its log names a distinct size, and its state is still the original's.
dups=$(grep -o "cosigned $ORIGIN size [0-9]* root [^ ]*" "$WORK/w1.err" | sort -u | awk '{print $4}' | sort | uniq -d)
equals "$dups" "" "two trees cosigned for one size"
expect 0 pn witness show --dir "$WORK/w1" --json
equals "$(echo "$out" | jq -r '.logs[0].size')" "$S2" "witness 1 still at the original's size"
equals "$(echo "$out" | jq -r '.logs[0].root')" "$(sed -n 3p "$WORK/note")" "witness 1 holds the original's root"
# A witness that is down is logged and retried, never fatal.
stop_witness 2
H=$WORK/home
printf 'witness = %s %s\n' "${W_URL[2]}" "$VK2" >"$H/passnumd.conf"
start_daemon
logged "$WORK/daemon.err" "witness witness.test/w2 (${W_URL[2]}) cannot be reached"
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier k9 "$(pass 9)")"
expect_http 201
stop_daemon
finish
