#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# passnum ledger check and a revoked ledger key (issue 9): a receipt or a
# checkpoint signed by a revoked ledger key is accepted only when this home
# recorded it strictly before the key's compromise time, and then the check
# says so (text and JSON); otherwise it is refused on one line naming the key
# (a receipt the home does not hold is in tests/unit/test_audit.c).
# Receipts come from the real daemon; L1 signs at 10:00 and is compromised at
# 10:30; L2 signs at 11:00 and is compromised at 11:00.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

ledger_key() {
	pn --home "$H" --json keys list | jq -r '[.[] | select(.kind == "ledger" and .status == "active")][0].key_id'
}

# redeem N NAME: pass N redeemed by the daemon; its receipt in $WORK/NAME.json.
redeem() {
	rm -f "$WORK/daemon.out" # start_daemon must not read the last run's URL
	start_daemon
	req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier "key-$1" "$(pass "$1")")"
	expect_http 201
	echo "$body" | jq .receipt > "$WORK/$2.json"
	stop_daemon
}

export PASSNUM_NOW=2027-03-12T10:00:00Z
setup_home
L1=$(ledger_key)
redeem 1 r1
SEQ1=$(jq -r .entry.seq "$WORK/r1.json")
pn --home "$H" ledger checkpoint > "$WORK/c1.note" || fail "checkpoint 1"
SIZE1=$(sed -n 2p "$WORK/c1.note")
pn --home "$H" ledger proof "$SEQ1" --size "$SIZE1" > "$WORK/p1.json" || fail "proof 1"
expect 0 pn --home "$H" ledger check "$WORK/r1.json" --proof "$WORK/p1.json" --checkpoint "$WORK/c1.note"
equals "$out" "OK: receipt for entry $SEQ1 is signed by the ledger key and included in the signed tree of size $SIZE1" \
	"before any revocation"

# L1 compromised at 10:30: what this home recorded at 10:00 still checks,
# and the check names the revoked key.
export PASSNUM_NOW=2027-03-12T11:00:00Z
pn --home "$H" --yes keys revoke "$L1" --compromised-at 2027-03-12T10:30:00Z >/dev/null || fail "revoke L1"
expect 0 pn --home "$H" ledger check "$WORK/r1.json" --proof "$WORK/p1.json" --checkpoint "$WORK/c1.note"
contains "$out" "OK: receipt for entry $SEQ1 is signed by the ledger key and included"
contains "$out" "note: the receipt is signed by ledger key $L1, now revoked (compromised since 2027-03-12T10:30:00Z); accepted because this home recorded it at 2027-03-12T10:00:00Z, before that"
contains "$out" "note: the checkpoint is signed by ledger key $L1, now revoked"
expect 0 pn --home "$H" --json ledger check "$WORK/r1.json" --proof "$WORK/p1.json" --checkpoint "$WORK/c1.note"
equals "$(echo "$out" | jq -c '[.ok, (.revoked_keys | map(.signed)), .revoked_keys[0].key_id, .revoked_keys[0].signed_at]')" \
	"[true,[\"receipt\",\"checkpoint\"],\"$L1\",\"2027-03-12T10:00:00Z\"]" "revoked keys in JSON"

# L2 signs at 11:00 and is compromised from 11:00 on (strictly before counts).
pn --home "$H" keys rotate --ledger >/dev/null || fail "rotate"
L2=$(ledger_key)
redeem 2 r2
SEQ2=$(jq -r .entry.seq "$WORK/r2.json")
pn --home "$H" ledger checkpoint > "$WORK/c2.note" || fail "checkpoint 2"
SIZE2=$(sed -n 2p "$WORK/c2.note")
pn --home "$H" ledger proof "$SEQ1" --size "$SIZE2" > "$WORK/p12.json" || fail "proof 1 in 2"
expect 0 pn --home "$H" ledger check "$WORK/r2.json"
export PASSNUM_NOW=2027-03-12T12:00:00Z
pn --home "$H" --yes keys revoke "$L2" --compromised-at 2027-03-12T11:00:00Z >/dev/null || fail "revoke L2"
expect 1 pn --home "$H" ledger check "$WORK/r2.json"
equals "$err" "passnum: the receipt is signed by ledger key $L2, revoked (compromised since 2027-03-12T11:00:00Z), and its entry was recorded after that" \
	"a receipt of the compromised key"
equals "$out" "" "no OK"
expect 1 pn --home "$H" ledger check "$WORK/r1.json" --proof "$WORK/p12.json" --checkpoint "$WORK/c2.note"
equals "$err" "passnum: the checkpoint is signed by ledger key $L2, revoked (compromised since 2027-03-12T11:00:00Z), and this home made it after that" \
	"a checkpoint of the compromised key"
# The whole ledger still verifies, and the older proof still checks.
expect 0 pn --home "$H" ledger check "$WORK/r1.json" --proof "$WORK/p1.json" --checkpoint "$WORK/c1.note"
expect 0 pn --home "$H" ledger verify
finish
