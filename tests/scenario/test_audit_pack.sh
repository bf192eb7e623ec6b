#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# Audit packs of one funder (docs/ledger.md, "Audit packs"), end to end: two
# funders with a campaign each, redemptions (one mixing both campaigns), a
# cancellation, a revocation, redemptions in two months, checkpoints before
# and after a ledger-key rotation. `passnum ledger export --funder 1 --out
# DIR` and GET /v1/funders/1/audit give the same pack; tools/verify-audit.mjs
# (Node, from the docs) verifies it with the keys of GET /v1/keys and the
# checkpoint of GET /v1/ledger/checkpoint; the pack shows nothing of funder
# 2 nor any place; who may fetch it; and tampered packs are refused (each
# row of the tamper table's pack part).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
SRC=${PASSNUM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOOL=$SRC/tools/verify-audit.mjs
NODE=${NODE:-node}
if ! "$NODE" --version >/dev/null 2>&1; then
	fail "node is needed for the independent verifier (scripts/deps.sh test installs nodejs)"
	finish
	exit 1
fi

export PASSNUM_NOW=2027-03-12T10:00:00Z
setup_home
pn --home "$H" funder credit 1 250 --ref VIR-1 >/dev/null || fail "funder credit"
pn --home "$H" funder add "Autre financeur" >/dev/null || fail "funder add 2"
pn --home "$H" funder order 2 777.77 --ref BC-SECRET-2 >/dev/null || fail "funder order 2"
pn --home "$H" campaign create --funder 2 --name "Secret" --value 5 --last-day 2027-06-30 \
	>/dev/null || fail "campaign create 2"
mkdir -p "$WORK/out2"
pn --home "$H" batch issue --campaign 2 --count 10 --out "$WORK/out2" --format csv >/dev/null ||
	fail "batch issue 2"
CSV2=$(ls "$WORK"/out2/batch-*.csv | head -1)
pass2() { sed -n "$(($1 + 1))p" "$CSV2" | cut -d, -f3; }
T_FUNDER2=$(pn --home "$H" token create --role funder --id 2)
pn --home "$H" voucher revoke "$(code 40)" >/dev/null || fail "voucher revoke"

start_daemon
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier k1 "$(pass 1)")"
expect_http 201
first=$(echo "$body" | jq -r .id)
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier k2 "$(pass2 1)")"
expect_http 201
req POST /v1/redemptions "$T_PLACE" "$(redeem_body parcours k3 "$(pass 2)" "$(pass2 2)")"
expect_http 201
req POST "/v1/redemptions/$first/cancel" "$T_PLACE"
expect_http 200
stop_daemon
pn --home "$H" ledger checkpoint >/dev/null || fail "checkpoint 1"
pn --home "$H" ledger export --funder 1 --out "$WORK/march" >/dev/null || fail "the March pack"
MARCH=$(jq -r 'select(.type == "header") | .size' "$WORK/march/audit-funder-1.jsonl")
pn --home "$H" keys rotate --ledger >/dev/null || fail "rotate"

export PASSNUM_NOW=2027-04-02T10:00:00Z
start_daemon
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier k4 "$(pass 3)")"
expect_http 201
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier k5 "$(pass 4)")"
expect_http 201
stop_daemon
pn --home "$H" ledger checkpoint >/dev/null || fail "checkpoint 2"
SIZE=$(pn --home "$H" --json ledger verify | jq -r .entries)

# The keys and the checkpoint come from the daemon, not from the pack.
start_daemon
req GET /v1/keys ""
mapfile -t KEYS < <(echo "$body" | jq -r '.ledger_keys[].vkey')
equals "${#KEYS[@]}" 2 "two ledger keys (one rotation)"
KEYARGS=(--key "${KEYS[0]}" --key "${KEYS[1]}")
req GET /v1/ledger/checkpoint ""
printf '%s\n' "$body" > "$WORK/latest.note"
equals "$(sed -n 2p "$WORK/latest.note")" "$SIZE" "the latest checkpoint covers the ledger"

# One proof vocabulary: the CLI's proof and the daemon's have the same
# members and values, with and without a size.
req GET /v1/ledger/proof/3 ""
expect_http 200
equals "$(echo "$body" | jq -cS .)" "$(pn --home "$H" ledger proof 3 | jq -cS .)" "proof of entry 3, default size"
equals "$(echo "$body" | jq -c 'keys_unsorted')" '["seq","size","leaf_hash","root","proof","checkpoint"]' \
	"the proof's members"
req GET "/v1/ledger/proof/3?size=$SIZE" ""
equals "$(echo "$body" | jq -cS .)" "$(pn --home "$H" ledger proof 3 --size "$SIZE" | jq -cS .)" \
	"proof of entry 3 at size $SIZE"

# The CLI's pack, in DIR; never replaced without --force.
expect 0 pn --home "$H" ledger export --funder 1 --out "$WORK/pack"
PACK=$WORK/pack/audit-funder-1.jsonl
equals "$out" "$PACK" "the pack's path"
expect 1 pn --home "$H" ledger export --funder 1 --out "$WORK/pack"
one_line "$err"
expect 0 pn --home "$H" ledger export --funder 1 --out "$WORK/pack/" --force
expect 2 pn --home "$H" ledger export --funder 1 --format csv --out "$WORK/pack"
expect 2 pn --home "$H" ledger export --funder x1 --out "$WORK/pack"
expect 1 pn --home "$H" ledger export --funder 9 --out "$WORK/nine"
contains "$err" "funder"
[ ! -e "$WORK/nine/audit-funder-9.jsonl" ] && ok || fail "a refused pack leaves no file"

# What is in it: the funder's entries in full (order, credit, issue,
# revocation), its redemptions by month, nothing of funder 2 nor a place.
NCP=$(jq -r 'select(.type == "checkpoint") | .size' "$PACK" | wc -l)
[ "$NCP" -ge 2 ] && ok || fail "the pack holds the checkpoints before and after the rotation"
equals "$(jq -r .type "$PACK" | uniq -c | awk '{printf "%s%s ", $2, $1}')" \
	"header1 checkpoint$NCP consistency$((NCP - 1)) account4 entry4 redemptions2 " "line types"
equals "$(jq -r 'select(.type == "entry") | .kind' "$PACK" | tr '\n' ' ')" "order issue credit revoke " \
	"the funder's entries in full"
equals "$(jq -c 'select(.type == "redemptions") | [.month, .campaign, .redeemed.count, .redeemed.amount, .cancelled.count, .cancelled.amount]' "$PACK" | tr '\n' ' ')" \
	'["2027-03",1,2,2000,1,1000] ["2027-04",1,2,2000,0,0] ' "redemptions by month"
for secret in funder:2 campaign:2 BC-SECRET-2 77777 payee: place: "EPN Montreuil" request:; do
	case "$(cat "$PACK")" in
		*"$secret"*) fail "the pack shows \"$secret\"" ;;
		*) ok ;;
	esac
done
equals "$(jq -c 'select(.type == "account") | [.code, .balance]' "$PACK" | tr '\n' ' ')" \
	'["campaign:1:outstanding",-36000] ["funder:1:balance",-9986000] ["funder:1:credit-notes",0] ["funder:1:orders",10000000] ' \
	"balances at the pack's size: 400 + 250 - 400 issued + 10 revoked; 400 - 10 revoked - 40 redeemed + 10 cancelled"

# The independent verifier: OK with the daemon's keys and checkpoint.
expect 0 "$NODE" "$TOOL" "${KEYARGS[@]}" --checkpoint "$WORK/latest.note" "$PACK"
contains "$out" "OK: audit pack of funder 1"
contains "$out" "4 entries in full, 4 redemptions and 1 cancellations"
contains "$out" "reaches the checkpoint of size $SIZE"
expect 2 "$NODE" "$TOOL" "$PACK"
contains "$err" "--key"
# Only the new key: the checkpoint before the rotation is not vouched for.
expect 1 "$NODE" "$TOOL" --key "${KEYS[1]}" "$PACK"
contains "$err" "not signed by a ledger key"

# The daemon serves the same pack: the funder's own token, or an admin's.
req GET /v1/funders/1/audit "$T_FUNDER"
expect_http 200
equals "$body" "$(cat "$PACK")" "GET /v1/funders/1/audit is the CLI's pack"
req GET /v1/funders/1/audit "$T_ADMIN"
expect_http 200
req GET /v1/funders/1/audit "$T_FUNDER2"
expect_http 403 NOT_YOURS
req GET /v1/funders/1/audit "$T_PLACE"
expect_http 403
req GET /v1/funders/1/audit ""
expect_http 401
req GET /v1/funders/0/audit "$T_ADMIN"
expect_http 404 NO_FUNDER
req GET /v1/funders/9/audit "$T_ADMIN"
expect_http 404 NO_FUNDER
req GET /v1/funders/2/audit "$T_FUNDER2"
expect_http 200
printf '%s\n' "$body" > "$WORK/pack2.jsonl"
expect 0 "$NODE" "$TOOL" "${KEYARGS[@]}" "$WORK/pack2.jsonl"
contains "$out" "funder 2"

# A pack older than the checkpoint obtained elsewhere (a truncated log, as
# far as that checkpoint is concerned) is refused, unless the consistency
# proof from the daemon shows the log it holds is the start of the other.
expect 0 "$NODE" "$TOOL" "${KEYARGS[@]}" "$WORK/march/audit-funder-1.jsonl"
expect 1 "$NODE" "$TOOL" "${KEYARGS[@]}" --checkpoint "$WORK/latest.note" "$WORK/march/audit-funder-1.jsonl"
contains "$err" "none of the pack's checkpoints"
req GET "/v1/ledger/consistency?from=$MARCH&to=$SIZE" ""
expect_http 200
echo "$body" > "$WORK/consistency.json"
expect 0 "$NODE" "$TOOL" "${KEYARGS[@]}" --checkpoint "$WORK/latest.note" --consistency \
	"$WORK/consistency.json" "$WORK/march/audit-funder-1.jsonl"
contains "$out" "consistent with the checkpoint of size $SIZE"
# ... and a consistency proof of another log is refused.
jq -c '.proof[0] = ("00" * 32)' "$WORK/consistency.json" > "$WORK/consistency-bad.json"
expect 1 "$NODE" "$TOOL" "${KEYARGS[@]}" --checkpoint "$WORK/latest.note" --consistency \
	"$WORK/consistency-bad.json" "$WORK/march/audit-funder-1.jsonl"
contains "$err" "are not one log"
stop_daemon
FIRST=$(jq -r 'select(.type == "checkpoint") | .size' "$PACK" | head -1)
printf '%s\n' "$(sqlite3 "$H/passnum.db" "SELECT note FROM checkpoints WHERE size = $FIRST")" > "$WORK/first.note"
expect 0 "$NODE" "$TOOL" "${KEYARGS[@]}" --checkpoint "$WORK/first.note" "$PACK"
contains "$out" "reaches the checkpoint of size $FIRST"

# Tampered packs (docs/ledger.md, tamper table). tamper NAME JQ-FILTER
# [slurp]: a copy of the pack changed by jq, which the tool must refuse.
tamper() {
	local name=$1 filter=$2
	jq -c "$filter" "$PACK" > "$WORK/t-$name.jsonl" || fail "jq $name"
	expect 1 "$NODE" "$TOOL" "${KEYARGS[@]}" --checkpoint "$WORK/latest.note" "$WORK/t-$name.jsonl"
	contains "$err" "${3:-FAILED}" "$name"
}
tamper amount 'if .type == "entry" and .kind == "credit" then .postings[0].amount += 100 | .postings[1].amount -= 100 else . end' \
	"entry_hash does not match"
tamper dropped-entry 'select(.type != "entry" or .kind != "revoke")' "its entries"
tamper redemption-total 'if .type == "redemptions" then .redeemed.amount -= 1000 else . end' \
	"redemption totals sum to"
tamper redemption-leaf 'if .type == "redemptions" then .leaves[0].leaf_hash = ("00" * 32) else . end' \
	"NOT in the signed tree"
tamper redemption-dropped 'if .type == "redemptions" then .leaves |= .[1:] | .redeemed.count -= 1 | .redeemed.amount -= 1000 else . end' \
	"FAILED"
tamper old-checkpoint-dropped 'select(.type != "checkpoint" or .size != '"$FIRST"')' "a consistency proof from"
tamper consistency-dropped 'select(.type != "consistency")' "consistency proofs"
tamper consistency-altered 'if .type == "consistency" then .proof[0] = ("00" * 32) else . end' \
	"does not extend"
tamper balance 'if .type == "account" and .code == "funder:1:balance" then .balance -= 100 else . end' \
	"sum to"
tamper member 'if .type == "entry" then .extra = 1 else . end' "not part of an entry line"
# An entry of funder 2 inserted (taken from the full export, proof and all).
pn --home "$H" ledger export > "$WORK/full.jsonl" || fail "export"
OTHER=$(jq -c 'select(.type == "entry" and .kind == "order" and any(.postings[]; .account == "funder:2:orders"))' "$WORK/full.jsonl")
seq2=$(echo "$OTHER" | jq .seq)
pn --home "$H" ledger proof "$seq2" --size "$SIZE" > "$WORK/proof2.json" || fail "proof of funder 2's order"
INS=$(echo "$OTHER" | jq -c --slurpfile p "$WORK/proof2.json" \
	'del(.type) | . + {type: "entry", inclusion: {size: $p[0].size, proof: $p[0].proof}}')
awk -v ins="$INS" -v seq="$seq2" '
	!done && /"type":"entry"/ { match($0, /"seq":[0-9]+/); s = substr($0, RSTART + 6, RLENGTH - 6) + 0
		if (s > seq) { print ins; done = 1 } }
	{ print }' "$PACK" > "$WORK/t-other.jsonl"
equals "$(grep -c funder:2 "$WORK/t-other.jsonl")" 1 "funder 2's order inserted"
expect 1 "$NODE" "$TOOL" "${KEYARGS[@]}" "$WORK/t-other.jsonl"
contains "$err" "not funder 1's"
# Reordered lines: two entries swapped; the redemptions before the entries.
E1=$(grep -n '"type":"entry"' "$PACK" | head -1 | cut -d: -f1)
awk -v a="$((E1 + 1))" 'NR == a { held = $0; next } NR == a + 1 { print; print held; next } { print }' \
	"$PACK" > "$WORK/t-swapped.jsonl"
expect 1 "$NODE" "$TOOL" "${KEYARGS[@]}" "$WORK/t-swapped.jsonl"
contains "$err" "increasing seq"
{ grep -v '"type":"redemptions"' "$PACK" | grep -v '"type":"entry"'; grep '"type":"redemptions"' "$PACK"
  grep '"type":"entry"' "$PACK"; } > "$WORK/t-reordered.jsonl"
expect 1 "$NODE" "$TOOL" "${KEYARGS[@]}" "$WORK/t-reordered.jsonl"
contains "$err" "out of the documented order"
# A pack whose checkpoints are re-signed with a forged key (after changing
# an amount and recomputing its hash) fails with the daemon's keys.
"$NODE" "$SRC/tests/scenario/forge.mjs" pack "$PACK" > "$WORK/t-forged.jsonl" "$WORK/forged.vkey" ||
	fail "forge"
expect 0 "$NODE" "$TOOL" --key "$(cat "$WORK/forged.vkey")" "$WORK/t-forged.jsonl"
expect 1 "$NODE" "$TOOL" "${KEYARGS[@]}" "$WORK/t-forged.jsonl"
contains "$err" "not signed by a ledger key"
finish
