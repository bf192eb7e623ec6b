#!/usr/bin/env bash
# Regenerates the export vectors of this folder with the real passnum CLI
# (a test build: PASSNUM_NOW fixes the clock). Not run by the test suite:
# the files are committed data, checked by tests/unit/test_export_vectors.c
# (the C code) and tests/scenario/test_export_tamper.sh (the C verifier and
# tools/verify-export.mjs). Keys are fresh each time, so a regeneration
# changes every signature and the files must be committed together.
#   usage: tests/vectors/export/make.sh build/test/passnum
set -euo pipefail
PN=${1:?usage: make.sh PATH/TO/passnum}
DIR=$(cd "$(dirname "$0")" && pwd)
H=$(mktemp -d /tmp/passnum-vectors.XXXXXX)/home
pn() { "$PN" --home "$H" "$@"; }
export PASSNUM_NOW=2027-01-04T09:00:00Z
pn init --operator "Opérateur des vecteurs" --origin vectors.example/ledger >/dev/null
pn funder add "Département des vecteurs" >/dev/null
pn funder order 1 1000 --ref BC-2027-001 >/dev/null
PASSNUM_NOW=2027-01-04T09:05:00Z pn funder credit 1 250.50 --ref VIR-2027-001 >/dev/null
PASSNUM_NOW=2027-01-04T09:10:00Z pn ledger checkpoint > "$DIR/checkpoint-1.txt"
PASSNUM_NOW=2027-01-04T09:15:00Z pn keys rotate --ledger >/dev/null
export PASSNUM_NOW=2027-01-04T09:20:00Z
pn campaign create --funder 1 --name "Vecteurs" --value 10 --last-day 2027-06-30 >/dev/null
pn batch issue --campaign 1 --count 3 --out "$H/../passes" --format csv >/dev/null
PASSNUM_NOW=2027-01-04T09:25:00Z pn voucher revoke "$(sed -n 2p "$H"/../passes/batch-000001.csv | cut -d, -f2)" >/dev/null
PASSNUM_NOW=2027-01-04T09:30:00Z pn ledger checkpoint > "$DIR/checkpoint-2.txt"
pn ledger export > "$DIR/export.jsonl"
# The verifier keys, as GET /v1/keys serves them (vkey), oldest first.
jq -r 'select(.type == "header") | .origin as $o | .keys[] | select(.kind == "ledger") | .public_key' \
	"$DIR/export.jsonl" > "$H/../pubs"
: > "$DIR/vkeys.txt"
while read -r pub; do
	node -e '
		const crypto = require("node:crypto");
		const [origin, hex] = process.argv.slice(1);
		const pub = Buffer.from(hex, "hex");
		const id = crypto.createHash("sha256").update(Buffer.concat([Buffer.from(origin + "\n"), Buffer.of(1), pub])).digest().subarray(0, 4);
		console.log(`${origin}+${id.toString("hex")}+${Buffer.concat([Buffer.of(1), pub]).toString("base64")}`);
	' vectors.example/ledger "$pub" >> "$DIR/vkeys.txt"
done < "$H/../pubs"
# Each entry's leaf hash and the root at every size, for another implementation.
N=$(pn ledger verify --json | jq .entries)
for ((s = 1; s <= N; s++)); do
	pn ledger proof $((s - 1)) --size "$s" | jq -c '{size, root}'
done > "$H/../roots"
jq -c 'select(.type == "entry") | .entry_hash' "$DIR/export.jsonl" > "$H/../leaves"
jq -n --argjson v "$(pn ledger verify --json)" --slurpfile r "$H/../roots" --slurpfile l "$H/../leaves" \
	'{entries: $v.entries, root_base64: $v.root, checkpoints: $v.checkpoints, leaf_hashes: $l, roots: $r}' \
	> "$DIR/expected.json"
rm -rf "$(dirname "$H")"
echo "vectors written to $DIR"
