#!/usr/bin/env bash
# The tamper table of docs/ledger.md, export part: every row is a tampered
# copy of the committed vector export (tests/vectors/export/: four entries,
# four checkpoints, one ledger-key rotation) run through both verifiers —
# the C one (`passnum ledger verify --export`, no home) and the Node one
# (tools/verify-export.mjs) — in the three ways an auditor can run them:
# with the keys the export names itself, with --key (the keys of GET
# /v1/keys), and with --key and --checkpoint (the checkpoint of GET
# /v1/ledger/checkpoint). Each row states which of the three catch it, the
# same for both verifiers. The genuine vectors pass all six; forge.mjs is
# the forger (re-signing, rehashing, truncating, appending). The pack rows
# are in test_audit_pack.sh.
. "$(dirname "$0")/lib.sh"
SRC=${PASSNUM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
V=$SRC/tests/vectors/export
TOOL=$SRC/tools/verify-export.mjs
FORGE=$SRC/tests/scenario/forge.mjs
NODE=${NODE:-node}
if ! "$NODE" --version >/dev/null 2>&1; then
	fail "node is needed for the independent verifier (scripts/deps.sh test installs nodejs)"
	finish
	exit 1
fi
KEYS=(--key "$(sed -n 1p "$V/vkeys.txt")" --key "$(sed -n 2p "$V/vkeys.txt")")
CP=(--checkpoint "$V/checkpoint-2.txt")

# row NAME FILE NONE KEY CHECKPOINT [TEXT]: the exit status of each verifier
# with the export's own keys, with --key, with --key --checkpoint (0 passes,
# 1 caught); TEXT, when given, is in every refusal of the C verifier.
row() {
	local name=$1 file=$2 want=("$3" "$4" "$5") text=${6:-} i
	local -a modes=("" "${KEYS[*]}" "${KEYS[*]} ${CP[*]}")
	for i in 0 1 2; do
		# shellcheck disable=SC2086 # the options split on purpose (no spaces inside)
		expect "${want[$i]}" pn ledger verify --export "$file" ${modes[$i]}
		[ "${want[$i]}" = 1 ] && [ -n "$text" ] && contains "$err" "$text" "$name (C, mode $i)"
		[ "${want[$i]}" = 1 ] && one_line "$err"
		# shellcheck disable=SC2086
		expect "${want[$i]}" "$NODE" "$TOOL" ${modes[$i]} "$file"
		[ "${want[$i]}" = 1 ] && contains "$err" "FAILED" "$name (Node, mode $i)"
	done
}

# sed_copy NAME SCRIPT: a copy of the vectors changed by sed.
sed_copy() {
	sed "$2" "$V/export.jsonl" > "$WORK/$1.jsonl"
	echo "$WORK/$1.jsonl"
}

# The genuine vectors pass, in every way.
row genuine "$V/export.jsonl" 0 0 0
expect 0 pn ledger verify --export "$V/export.jsonl" "${KEYS[@]}" "${CP[@]}"
contains "$out" "signatures checked with the keys given; reaches the 1 checkpoint(s) given"
expect 0 pn ledger verify --export "$V/export.jsonl"
contains "$out" "WARNING: signatures checked with the keys the export names itself"
expect 0 "$NODE" "$TOOL" "$V/export.jsonl"
contains "$out" "WARNING: signatures checked with the keys the export names itself"
gzip -c "$V/export.jsonl" > "$WORK/export.jsonl.gz"
row gzip "$WORK/export.jsonl.gz" 0 0 0
expect 0 pn --json ledger verify --export - "${KEYS[@]}" < "$V/export.jsonl"
equals "$(echo "$out" | jq -c '[.ok, .entries, .header_keys]')" '[true,4,false]' "--json, from standard input"

# Caught in every way: the entry's fields, the tree, the order, the members.
row altered-amount "$(sed_copy altered '/"seq":1,/s/"amount":25050/"amount":25150/; /"seq":1,/s/"amount":-25050/"amount":-25150/')" \
	1 1 1 "hash does not match its fields"
node "$FORGE" rehash "$V/export.jsonl" "$WORK/k" > "$WORK/rehash.jsonl" || fail forge
row rehashed-amount "$WORK/rehash.jsonl" 1 1 1 "is not the root of the export's entries"
row dropped-entry "$(sed_copy dropped '/^{"seq":1,/d')" \
	1 1 1 "without gap"
E=$(grep -n '"type":"entry"' "$V/export.jsonl" | head -1 | cut -d: -f1)
awk -v a="$E" 'NR == a { held = $0; next } NR == a + 1 { print; print held; next } { print }' \
	"$V/export.jsonl" > "$WORK/swapped.jsonl"
row swapped-entries "$WORK/swapped.jsonl" 1 1 1 "without gap"
{ grep -v '"type":"checkpoint"' "$V/export.jsonl" | head -3; grep '"type":"checkpoint"' "$V/export.jsonl" | head -1
  grep -v '"type":"checkpoint"' "$V/export.jsonl" | tail -n +4; } > "$WORK/reordered.jsonl"
row reordered-lines "$WORK/reordered.jsonl" 1 1 1 "out of the documented order"
row extra-member "$(sed_copy member '/"type":"entry"/s/"memo":/"extra":1,"memo":/')" 1 1 1 "member"
row unbalanced "$(sed_copy unbalanced '/"seq":1,/s/"amount":-25050/"amount":-25049/')" 1 1 1 \
	"hash does not match"
row account-line "$(sed_copy account '/"code":"bank"/s/"balance":25050/"balance":25051/')" 1 1 1 \
	"the account line says 25051"

# Re-signed with a forged key (the header names the forger's key): passes
# with the export's own keys, caught with the keys of GET /v1/keys.
node "$FORGE" resign "$V/export.jsonl" "$WORK/forged.vkey" > "$WORK/resigned.jsonl" || fail forge
row resigned "$WORK/resigned.jsonl" 0 1 1 "not signed by a ledger key given"
expect 1 pn ledger verify --export "$WORK/resigned.jsonl" --key "$(cat "$WORK/forged.vkey")" "${CP[@]}"
contains "$err" "--checkpoint"
# Truncated tail (the last entry and its checkpoints dropped, the accounts
# made to agree): caught only against a checkpoint obtained elsewhere.
node "$FORGE" truncate "$V/export.jsonl" "$WORK/k" > "$WORK/truncated.jsonl" || fail forge
row truncated "$WORK/truncated.jsonl" 0 0 1 "truncated"
# An entry appended after the latest checkpoint: no signature covers it;
# both verifiers pass and say which entries are unsigned.
node "$FORGE" append "$V/export.jsonl" "$WORK/k" > "$WORK/appended.jsonl" || fail forge
row appended-unsigned "$WORK/appended.jsonl" 0 0 0
expect 0 pn ledger verify --export "$WORK/appended.jsonl" "${KEYS[@]}" "${CP[@]}"
contains "$out" "entries 4-4 signed by no checkpoint yet"
expect 0 "$NODE" "$TOOL" "${KEYS[@]}" "${CP[@]}" "$WORK/appended.jsonl"
contains "$out" "entries 4-4 not yet signed"
# The checkpoint of another log: refused as the checkpoint, before the export.
expect 1 pn ledger verify --export "$V/export.jsonl" "${KEYS[@]}" --checkpoint "$WORK/resigned.jsonl"
expect 1 pn ledger verify --export "$V/export.jsonl" --key "$(cat "$WORK/forged.vkey")"
contains "$err" "not signed by a ledger key given"

# Usage: --checkpoint without --key, --key without --export; a bad key.
expect 2 pn ledger verify --export "$V/export.jsonl" "${CP[@]}"
expect 2 pn ledger verify "${KEYS[@]}"
expect 2 "$NODE" "$TOOL" "${CP[@]}" "$V/export.jsonl"
expect 2 pn ledger verify --export "$V/export.jsonl" --key nope
one_line "$err"
expect 2 "$NODE" "$TOOL" --key nope "$V/export.jsonl"
expect 1 pn ledger verify --export "$WORK/missing.jsonl"
one_line "$err"
finish
