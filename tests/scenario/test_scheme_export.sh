#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# The scheme export (docs/takeover.md) of a small month run through the real
# CLI and daemon: issuance in two campaigns, redemptions through passnumd, a
# revocation, an expiry. `passnum export scheme` writes the documented
# files and changes nothing in the database; tools/verify-scheme.mjs, with
# the ledger key taken from GET /v1/keys (never from the export), accepts
# it and refuses tampered copies with a clear message (a voucher's status,
# an amount, a file removed, the manifest or its signature altered, another
# key), and an export that a dishonest database signed (vouchers that do
# not agree with the ledger); no secret key byte nor bearer-token secret or
# hash is in the folder.
. "$(dirname "$0")/lib.sh"
export PASSNUM_NOW=2027-03-12T10:00:00Z
. "$(dirname "$0")/daemon_lib.sh"
CHECK=$PASSNUM_SOURCE_DIR/tools/verify-scheme.mjs
DOC=$PASSNUM_SOURCE_DIR/docs/takeover.md
command -v node >/dev/null || { echo "SKIP: no node"; exit 0; }

# --- The month: campaign 1 (40 passes of 10 €, from setup_home), campaign 2
# (10 passes of 5 € whose last day passes this month).
setup_home
pn --home "$H" campaign create --funder 1 --name "Court" --value 5 --last-day 2027-03-15 \
	--tolerance-days 0 >/dev/null || fail "campaign 2"
mkdir -p "$WORK/out2"
pn --home "$H" batch issue --campaign 2 --count 10 --out "$WORK/out2" --format csv >/dev/null ||
	fail "batch 2"
start_daemon
req GET /v1/keys ""
expect_http 200
VKEY=$(echo "$body" | jq -r '.ledger_keys[] | select(.status == "active") | .vkey')
redeem() { # SERVICE KEY PASS...
	local s=$1 k=$2; shift 2
	req POST /v1/redemptions "$T_PLACE" "$(redeem_body "$s" "$k" "$@")"
	expect_http 201
}
redeem atelier k1 "$(pass 1)"
redeem atelier k2 "$(pass 2)"
redeem parcours k3 "$(pass 3)" "$(pass 4)"
stop_daemon
expect 0 pn --home "$H" voucher revoke "$(pass 5)"
export PASSNUM_NOW=2027-03-20T10:00:00Z
expect 0 pn --home "$H" expire
expect 0 pn --home "$H" ledger checkpoint
expect 0 pn --home "$H" ledger verify

# --- The export: read-only, the documented files, the checker accepts it.
E=$WORK/export
before=$(db_dump "$H")
expect 0 pn --home "$H" --json export scheme --out "$E"
equals "$(db_dump "$H")" "$before" "the export changed nothing in the database"
equals "$(echo "$out" | jq -r .vouchers)" 50 "vouchers exported"
equals "$(echo "$out" | jq -r .payables)" 1 "one payee owed"
equals "$(ls "$E" | tr '\n' ' ')" \
	"checkpoint.note invoices.csv keys.json ledger.jsonl manifest.json manifest.note payables.csv registry.json vouchers.csv " \
	"the files"
for f in "$E"/*; do
	grep -q "\`$(basename "$f")\`" "$DOC" && ok || fail "$(basename "$f") is not documented in docs/takeover.md"
done
expect 0 node "$CHECK" "$E" --key "$VKEY"
contains "$out" "50 vouchers (35 issued, 4 redeemed, 1 revoked, 10 expired)" "voucher counts"
contains "$out" "outstanding 35000 cents agrees with the vouchers" "outstanding"
contains "$out" "1 payees owed 4000 cents" "payables"
# The vouchers: the documented columns and what happened to them.
equals "$(head -1 "$E/vouchers.csv")" \
	"serial,token_sha256,campaign_id,value_cents,last_day,booklet_id,status" "vouchers header"
row() { grep "^$(serial "$1")," "$E/vouchers.csv"; }
equals "$(row 1 | cut -d, -f7)" redeemed "pass 1 redeemed"
equals "$(row 5 | cut -d, -f7)" revoked "pass 5 revoked"
equals "$(row 6 | cut -d, -f3-7)" "1,1000,2027-06-30,$(sed -n 7p "$CSV" | cut -d, -f7),issued" \
	"pass 6: campaign, value, last day, booklet, status"
token_hash=$(sqlite3 "$H/passnum.db" "SELECT lower(hex(token)) FROM vouchers WHERE serial = x'$(serial 6)'" |
	xxd -r -p | sha256sum | cut -c1-64)
equals "$(row 6 | cut -d, -f2)" "$token_hash" "SHA-256 of the token bytes"
equals "$(grep -c ',2,500,2027-03-15,.*,expired$' "$E/vouchers.csv")" 10 "campaign 2 expired"
equals "$(sed -n 2p "$E/payables.csv")" "1,$SIRET,\"EPN Montreuil\",$IBAN,4000" "payables line"
equals "$(jq -r '.places[0].label' "$E/registry.json")" labelled "place label"
equals "$(jq -r '.campaigns[0].territory[0].code' "$E/registry.json")" 93 "campaign territory"
equals "$(jq -r '.ledger_keys[0].vkey' "$E/keys.json")" "$VKEY" "keys.json vkey"
# The manifest reaches the ledger's size and root.
equals "$(jq -r .ledger.size "$E/manifest.json")" \
	"$(sqlite3 "$H/passnum.db" 'SELECT COUNT(*) FROM entries')" "manifest ledger size"

# --- Refusals of the verb: one line, nothing written.
expect 1 pn --home "$H" export scheme --out "$E"
contains "$err" "not empty" "a non-empty folder"
one_line "$err"
expect 2 pn --home "$H" export scheme
one_line "$err"
expect 0 pn --home "$H" export scheme --out "$E" --force
expect 0 node "$CHECK" "$E" --key "$VKEY"

# --- Tampered copies: each refused by the checker, with a clear message.
# tampered NAME EDIT-COMMAND... : a copy of the export changed by EDIT (run
# inside the copy), then checked; sets $out and $err.
tampered() {
	local name=$1; shift
	rm -rf "$WORK/$name"
	cp -r "$E" "$WORK/$name"
	(cd "$WORK/$name" && "$@")
	expect 1 node "$CHECK" "$WORK/$name" --key "$VKEY"
	one_line "$err"
}
serial6=$(serial 6)
tampered status sed -i "s/^\($serial6,.*\),issued$/\1,redeemed/" vouchers.csv
contains "$err" "vouchers.csv: its SHA-256 is not the manifest's: the file was altered" "status"
amount=$(jq -c 'select(.type == "entry" and .kind == "redeem") | .postings[0].amount' \
	"$E/ledger.jsonl" | head -1)
tampered amount sed -i "0,/\"amount\":$amount/s//\"amount\":$((amount + 1000))/" ledger.jsonl
contains "$err" "ledger.jsonl: its SHA-256 is not the manifest's" "amount"
tampered removed rm payables.csv
contains "$err" "payables.csv: missing from the export" "file removed"
flip() { # FILE: changes one base64 character of the signature line
	local sig
	sig=$(grep '^— ' "$1" | awk '{print $3}')
	local c=${sig:10:1} d=A
	[ "$c" = A ] && d=B
	sed -i "s|${sig}|${sig:0:10}${d}${sig:11}|" "$1"
}
tampered signature flip manifest.note
contains "$err" "manifest.note: the signature by ledger key" "signature altered"
contains "$err" "does not verify" "signature altered"
tampered manifest sed -i 's/"vouchers": 50/"vouchers": 49/' manifest.json
contains "$err" "manifest.json: its SHA-256 is not the one manifest.note signs" "manifest altered"
# Another key on the command line (another home's): not signed by it.
pn --home "$WORK/other" init --operator "Autre" --origin test.example/ledger >/dev/null
other=$(pn --home "$WORK/other" --json keys list | jq -r '.[] | select(.kind == "ledger") | .public_key')
other_vkey=$(node -e '
	const c = require("crypto"), [o, k] = process.argv.slice(1);
	const pub = Buffer.from(k, "hex");
	const id = c.createHash("sha256").update(Buffer.concat([Buffer.from(o + "\n"), Buffer.of(1), pub])).digest().subarray(0, 4);
	console.log(`${o}+${id.toString("hex")}+${Buffer.concat([Buffer.of(1), pub]).toString("base64")}`);
' test.example/ledger "$other")
expect 1 pn --home "$WORK/other" export scheme --out "$WORK/other-export"
contains "$err" "no signed checkpoint yet" "no checkpoint"
one_line "$err"
[ ! -e "$WORK/other-export" ] && ok || fail "a refused export left its folder"
expect 1 node "$CHECK" "$E" --key "$other_vkey"
contains "$err" "manifest.note: not signed by the given ledger key" "another key"
expect 2 node "$CHECK" "$E"
# A dishonest database: pass 6 marked redeemed behind the ledger's back. The
# export is genuinely signed, but its vouchers disagree with the ledger.
cp -r "$H" "$WORK/liar"
sqlite3 "$WORK/liar/passnum.db" "UPDATE vouchers SET status = 'redeemed' WHERE serial = x'$serial6'" ||
	fail "the test's forgery"
expect 0 pn --home "$WORK/liar" export scheme --out "$WORK/liar-export"
expect 1 node "$CHECK" "$WORK/liar-export" --key "$VKEY"
contains "$err" "campaign 1: the ledger has 35000 cents outstanding, the vouchers issued and not redeemed, revoked or expired are worth 34000 cents" "vouchers against the ledger"
one_line "$err"

# --- Invoices and credit notes: the month's invoices, one paid by the bank
# and one credited in part, are in invoices.csv; what the open ones still owe
# agrees with the funder's invoiced receivable in the ledger.
export PASSNUM_NOW=2027-04-02T09:00:00Z
INV=$WORK/invoices
mkdir -p "$INV"
expect 0 pn --home "$H" funder edit 1 --frame purchase
expect 0 pn --home "$H" --yes --json invoice create --funder 1 --period 2027-03 --out "$INV"
invoices=$(echo "$out" | jq -r '[.invoices[] | .number + ":" + .part] | join(" ")')
[ -n "$invoices" ] && ok || fail "no invoice made: $out"
FACE=$(echo "$out" | jq -r '.invoices[] | select(.part == "face") | .number')
expect 0 pn --home "$H" --yes --json invoice credit-note "$FACE" --reason error --amount 10 --out "$INV"
CN=$(echo "$out" | jq -r '.invoices[0].number')
expect 0 pn --home "$H" ledger checkpoint
I=$WORK/export-invoices
expect 0 pn --home "$H" --json export scheme --out "$I"
want=$(sqlite3 "$H/passnum.db" "SELECT COUNT(*) FROM invoices")
equals "$(echo "$out" | jq -r .invoices)" "$want" "every document is open or a credit note"
equals "$(head -1 "$I/invoices.csv")" \
	"number,kind,funder_id,part,issue_day,invoice,net_cents,vat_cents,total_cents,owed_cents,status" \
	"invoices header"
face_total=$(sqlite3 "$H/passnum.db" "SELECT total_cents FROM invoices WHERE number = '$FACE'")
equals "$(grep "^$FACE," "$I/invoices.csv" | cut -d, -f2,3,4,5,6,9,10)" \
	"invoice,1,face,2027-04-02,,$face_total,$((face_total - 1000))" "the face invoice, 10 EUR credited"
equals "$(grep "^$CN," "$I/invoices.csv" | cut -d, -f2,3,6,9,10)" "credit_note,1,$FACE,1000," \
	"the credit note"
expect 0 node "$CHECK" "$I" --key "$VKEY"
contains "$out" "$want invoice documents" "the verifier read them"
expect 0 pn --home "$H" --json export escrow --funder 1 --out "$WORK/escrow-invoices"
equals "$(echo "$out" | jq -r .invoices)" "$want" "the escrow's documents"
expect 0 node "$CHECK" "$WORK/escrow-invoices" --key "$VKEY"
E=$I
tampered invoice-amount sed -i "s/^\($FACE,.*\),$((face_total - 1000)),/\1,$((face_total - 900)),/" invoices.csv
contains "$err" "invoices.csv: its SHA-256 is not the manifest's: the file was altered" "an invoice amount"
tampered invoice-removed rm invoices.csv
contains "$err" "invoices.csv: missing from the export" "invoices.csv removed"
# A dishonest database signing an invoice that owes more than the ledger says.
cp -r "$H" "$WORK/liar2"
sqlite3 "$WORK/liar2/passnum.db" "DROP TRIGGER invoice_payments_no_delete;
	INSERT INTO invoice_payments (invoice_id, amount_cents, day, bank_ref, entry_seq, created_at)
	SELECT id, 100, issue_day, 'forged', entry_seq, 0 FROM invoices WHERE number = '$FACE'" ||
	fail "the test's forgery"
expect 0 pn --home "$WORK/liar2" export scheme --out "$WORK/liar2-export"
expect 1 node "$CHECK" "$WORK/liar2-export" --key "$VKEY"
contains "$err" "funder 1: the ledger has $((face_total - 1000 + $(sqlite3 "$H/passnum.db" "SELECT COALESCE(SUM(total_cents), 0) FROM invoices WHERE number <> '$FACE' AND kind = 'invoice'"))) cents invoiced and not paid" \
	"invoices against the ledger"
one_line "$err"
E=$WORK/export

# --- Nothing secret: no key file's bytes (raw, hex or base64), no bearer
# token secret nor its hash.
dump=$(cat "$E"/* | xxd -p | tr -d '\n')
for k in "$H"/keys/*.key; do
	seed=$(head -c 32 "$k" | xxd -p | tr -d '\n')
	case "$dump" in *"$seed"*) fail "the secret of $(basename "$k") is in the export (raw)" ;; *) ok ;; esac
	grep -rqF "$seed" "$E" && fail "the secret of $(basename "$k") is in the export (hex)" || ok
	grep -rqF "$(head -c 32 "$k" | base64 -w0 | cut -c1-40)" "$E" &&
		fail "the secret of $(basename "$k") is in the export (base64)" || ok
	grep -rqF "$(base64 -w0 < "$k" | cut -c1-40)" "$E" &&
		fail "the key file $(basename "$k") is in the export (base64)" || ok
done
for t in "$T_PLACE" "$T_PLACE2" "$T_ADMIN" "$T_FUNDER"; do
	secret=${t#*.}
	grep -rqF "$secret" "$E" && fail "a bearer token's secret is in the export" || ok
	hash=$(printf '%s' "$secret" | sha256sum | cut -c1-64)
	grep -rqiF "$hash" "$E" && fail "a bearer token's hash is in the export" || ok
	stored=$(sqlite3 "$H/passnum.db" "SELECT lower(hex(secret_hash)) FROM tokens WHERE id = '${t%%.*}'")
	[ -n "$stored" ] && ok || fail "token ${t%%.*} not found"
	case "$dump" in *"$stored"*) fail "a stored token hash is in the export" ;; *) ok ;; esac
	grep -rqiF "$stored" "$E" && fail "a stored token hash is in the export (hex)" || ok
done

finish
