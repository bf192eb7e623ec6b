#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# A successor takes over (docs/takeover.md), through the real CLI and both
# operators' passnumd: operator A runs a small month (issuance, redemptions
# through passnumd, a revocation, an expiry with a credit note, a
# settlement not yet paid, an unpaid payable), exports its scheme and a
# funder's escrow; the independent verifier accepts both; tampered copies
# are refused by the verifier and by `passnum takeover`; B takes over in a
# fresh home with A's ledger key given out of band; through B's passnumd a
# pass A issued is redeemed, A's redeemed and revoked passes are refused
# with the usual statuses; a receipt A signed after the export is accepted
# once, then refused; no payout goes to an unconfirmed IBAN; B's ledger
# verifies and its opening entry shows the commitments and the claim on A;
# a pass taken over that is revoked or expires at B reduces the claim (up
# to what is left of it), B's own passes go back to the funder.
. "$(dirname "$0")/lib.sh"
export PASSNUM_NOW=2027-03-12T10:00:00Z
. "$(dirname "$0")/daemon_lib.sh"
CHECK=$PASSNUM_SOURCE_DIR/tools/verify-scheme.mjs
command -v node >/dev/null || { echo "SKIP: no node"; exit 0; }
OP_IBAN=FR7630001007941234567890185
flip() { # FILE: changes one base64 character of the signature line
	local sig
	sig=$(grep '^— ' "$1" | awk '{print $3}')
	local c=${sig:10:1} d=A
	[ "$c" = A ] && d=B
	sed -i "s|${sig}|${sig:0:10}${d}${sig:11}|" "$1"
}

# --- Operator A's month. Campaign 1 (40 passes of 10 €, setup_home),
# campaign 2 (10 passes of 5 €, refunded when unused: a credit note).
setup_home
A=$H
pn --home "$A" operator set --iban "$OP_IBAN" >/dev/null || fail "operator iban"
pn --home "$A" campaign create --funder 1 --name "Court" --value 5 --last-day 2027-03-15 \
	--tolerance-days 0 --unused refund >/dev/null || fail "campaign 2"
mkdir -p "$WORK/out2"
pn --home "$A" batch issue --campaign 2 --count 10 --out "$WORK/out2" --format csv >/dev/null ||
	fail "batch 2"
start_daemon
req GET /v1/keys ""
expect_http 200
VKEY=$(echo "$body" | jq -r '.ledger_keys[] | select(.status == "active") | .vkey')
redeem() { # SERVICE KEY PASS... (sets $body)
	local s=$1 k=$2; shift 2
	req POST /v1/redemptions "$T_PLACE" "$(redeem_body "$s" "$k" "$@")"
	expect_http 201
}
redeem atelier k1 "$(pass 1)"
redeem atelier k2 "$(pass 2)"
redeem parcours k3 "$(pass 3)" "$(pass 4)"
stop_daemon
expect 0 pn --home "$A" voucher revoke "$(pass 5)"
export PASSNUM_NOW=2027-03-20T10:00:00Z
expect 0 pn --home "$A" expire
expect 0 pn --home "$A" ledger checkpoint
FUNDER_CP=$WORK/funder-checkpoint.note # what the funder kept that week
printf '%s\n' "$out" > "$FUNDER_CP"
# April: March is settled (4 passes, 40 €: ordered, not yet debited), and a
# pass redeemed in April is owed.
export PASSNUM_NOW=2027-04-02T10:00:00Z
expect 0 pn --home "$A" --yes settle --period 2027-03 --out "$WORK/a-2027-03.xml"
start_daemon
redeem atelier k4 "$(pass 6)"
echo "$body" > "$WORK/receipt-in-export.json"
stop_daemon
expect 0 pn --home "$A" ledger checkpoint
expect 0 pn --home "$A" ledger verify

# --- The export and its independent check.
E=$WORK/export
expect 0 pn --home "$A" --json export scheme --out "$E"
equals "$(echo "$out" | jq -r .payables)" 1 "one payee owed"
A_SIZE=$(echo "$out" | jq -r .entries)
expect 0 node "$CHECK" "$E" --key "$VKEY"
contains "$out" "50 vouchers (34 issued, 5 redeemed, 1 revoked, 10 expired)" "voucher counts"
contains "$out" "1 payees owed 1000 cents" "payables"
# The funder's weekly escrow: its share, signed, checked by the same tool.
ESC=$WORK/escrow
expect 0 pn --home "$A" --json export escrow --funder 1 --out "$ESC"
equals "$(echo "$out" | jq -r .funder)" 1 "escrow's funder"
equals "$(ls "$ESC" | tr '\n' ' ')" \
	"checkpoint.note entries.jsonl invoices.csv keys.json leaves.csv manifest.json manifest.note payables.csv registry.json vouchers.csv " \
	"the escrow's files"
for f in "$ESC"/*; do
	grep -q "\`$(basename "$f")\`" "$PASSNUM_SOURCE_DIR/docs/takeover.md" && ok ||
		fail "$(basename "$f") is not documented in docs/takeover.md"
done
expect 0 node "$CHECK" "$ESC" --key "$VKEY"
contains "$out" "escrow of funder 1" "escrow verified"
contains "$out" "$A_SIZE leaves" "every leaf of the log"
contains "$out" "50 vouchers (34 issued, 5 redeemed, 1 revoked, 10 expired)" "escrow vouchers"
contains "$out" "1 payees owed 1000 cents for its passes" "escrow payables"
contains "$out" "credit notes owed 5000 cents" "the credit note of the expiry"
equals "$(wc -l < "$ESC/leaves.csv")" "$((A_SIZE + 1))" "one leaf per entry"
equals "$(jq -c 'select(.type == "entry" and .kind == "settle")' "$ESC/entries.jsonl")" "" \
	"no settlement entry (payees of every funder) in full"
equals "$(jq -r .funder.credit_notes_owed_cents "$ESC/manifest.json")" 5000 "manifest: credit notes"
expect 1 pn --home "$A" export escrow --funder 9 --out "$WORK/escrow-9"
contains "$err" "no funder 9" "an unknown funder"
expect 2 pn --home "$A" export escrow --out "$WORK/escrow-x"
one_line "$err"
escrow_tampered() { # NAME EDIT...
	local name=$1; shift
	rm -rf "$WORK/$name"
	cp -r "$ESC" "$WORK/$name"
	(cd "$WORK/$name" && "$@")
	expect 1 node "$CHECK" "$WORK/$name" --key "$VKEY"
	one_line "$err"
}
escrow_tampered esc-leaf sed -i '3s/,./,f/' leaves.csv
contains "$err" "leaves.csv: its SHA-256 is not the manifest's" "escrow: a leaf changed"
escrow_tampered esc-removed rm entries.jsonl
contains "$err" "entries.jsonl: missing" "escrow: a file removed"
escrow_tampered esc-signature flip manifest.note
contains "$err" "does not verify" "escrow: signature"

# After the export, A keeps running for a while: place 1 redeems pass 8
# (its receipt will reach B) and pass 10 (which will also be used at B).
export PASSNUM_NOW=2027-04-03T10:00:00Z
start_daemon
redeem atelier k5 "$(pass 8)"
echo "$body" > "$WORK/receipt-after.json"
redeem atelier k6 "$(pass 10)"
echo "$body" > "$WORK/receipt-double.json"
stop_daemon
expect 0 pn --home "$A" ledger checkpoint
LATER_CP=$WORK/funder-checkpoint-later.note # the funder's next weekly checkpoint
printf '%s\n' "$out" > "$LATER_CP"

# --- B: a fresh home. Tampered exports are refused by the verifier and by
# takeover, which then leaves the home as it was.
B=$WORK/successor
expect 0 pn --home "$B" init --operator "Successeur" --origin successor.example/ledger \
	--iban "$OP_IBAN"
fresh=$(db_dump "$B")
tampered() { # NAME EDIT...: a copy of the export changed by EDIT, refused twice
	local name=$1; shift
	rm -rf "$WORK/$name"
	cp -r "$E" "$WORK/$name"
	(cd "$WORK/$name" && "$@")
	expect 1 node "$CHECK" "$WORK/$name" --key "$VKEY"
	one_line "$err"
	expect 1 pn --home "$B" takeover "$WORK/$name" --old-ledger-key "$VKEY"
	one_line "$err"
	equals "$(db_dump "$B")" "$fresh" "a refused takeover ($name) changed nothing"
}
serial6=$(serial 11)
tampered status sed -i "s/^\($serial6,.*\),issued$/\1,redeemed/" vouchers.csv
contains "$err" "vouchers.csv: its SHA-256 is not the manifest's" "takeover: status"
amount=$(jq -c 'select(.type == "entry" and .kind == "redeem") | .postings[0].amount' \
	"$E/ledger.jsonl" | head -1)
tampered amount sed -i "0,/\"amount\":$amount/s//\"amount\":$((amount + 1000))/" ledger.jsonl
contains "$err" "ledger.jsonl: its SHA-256 is not the manifest's" "takeover: amount"
tampered removed rm payables.csv
contains "$err" "payables.csv: missing from the export" "takeover: file removed"
tampered signature flip manifest.note
contains "$err" "manifest.note: not signed by the given ledger key" "takeover: signature"
tampered manifest sed -i 's/"vouchers": 50/"vouchers": 49/' manifest.json
contains "$err" "manifest.json: its SHA-256 is not the one manifest.note signs" "takeover: manifest"
# Another key than A's: refused; no key at all: a usage error.
OTHER_VKEY=$(pn --home "$B" --json keys list | jq -r '.[] | select(.kind == "ledger") | .public_key' |
	node -e '
	const c = require("crypto"), o = "test.example/ledger";
	const pub = Buffer.from(require("fs").readFileSync(0, "utf8").trim(), "hex");
	const id = c.createHash("sha256").update(Buffer.concat([Buffer.from(o + "\n"), Buffer.of(1), pub])).digest().subarray(0, 4);
	console.log(`${o}+${id.toString("hex")}+${Buffer.concat([Buffer.of(1), pub]).toString("base64")}`);')
expect 1 pn --home "$B" takeover "$E" --old-ledger-key "$OTHER_VKEY"
contains "$err" "not signed by the given ledger key" "another key"
expect 2 pn --home "$B" takeover "$E"
one_line "$err"
# A dishonest database: the export is genuinely signed, but a pass was
# marked redeemed behind the ledger's back.
cp -r "$A" "$WORK/liar"
sqlite3 "$WORK/liar/passnum.db" "UPDATE vouchers SET status = 'redeemed' WHERE serial = x'$serial6'" ||
	fail "the test's forgery"
pn --home "$WORK/liar" export scheme --out "$WORK/liar-export" >/dev/null || fail "liar export"
expect 1 pn --home "$B" takeover "$WORK/liar-export" --old-ledger-key "$VKEY"
contains "$err" "campaign 1: the ledger has 32000 cents outstanding" "vouchers against the ledger"
equals "$(db_dump "$B")" "$fresh" "a refused takeover changed nothing"
# A checkpoint the funder holds that the export contradicts (another
# history signed by the same key: here, the liar's later checkpoint is
# fine, so forge a history by taking over the liar's export with A's
# genuine checkpoint of another size is consistent) -- a checkpoint of a
# different log (the other home's) is refused by its signature.
pn --home "$WORK/other" init --operator "Autre" --origin test.example/ledger >/dev/null
pn --home "$WORK/other" funder add "F" >/dev/null
pn --home "$WORK/other" funder order 1 100 --ref X >/dev/null
pn --home "$WORK/other" ledger checkpoint > "$WORK/other-cp.note"
expect 1 pn --home "$B" takeover "$E" --old-ledger-key "$VKEY" --checkpoint "$WORK/other-cp.note"
contains "$err" "the funder's checkpoint" "a checkpoint of another log"
equals "$(db_dump "$B")" "$fresh" "a refused takeover changed nothing"

# --- A funder's escrow is enough to take its passes over (the liquidator
# never handed the whole export over): in another fresh home.
C=$WORK/successor-from-escrow
pn --home "$C" init --operator "Successeur" --origin successor2.example/ledger >/dev/null ||
	fail "init C"
cfresh=$(db_dump "$C")
rm -rf "$WORK/esc-bad" && cp -r "$ESC" "$WORK/esc-bad" && sed -i '3s/,./,f/' "$WORK/esc-bad/leaves.csv"
expect 1 pn --home "$C" takeover "$WORK/esc-bad" --old-ledger-key "$VKEY"
contains "$err" "leaves.csv: its SHA-256 is not the manifest's" "takeover: an escrow's leaf changed"
equals "$(db_dump "$C")" "$cfresh" "a refused takeover changed nothing"
expect 0 pn --home "$C" --json takeover "$ESC" --old-ledger-key "$VKEY" --checkpoint "$FUNDER_CP"
equals "$(echo "$out" | jq -r .escrow)" true "taken over from an escrow"
equals "$(echo "$out" | jq -c .vouchers)" \
	'{"total":50,"issued":34,"redeemed":5,"revoked":1,"expired":10}' "escrow: vouchers by status"
equals "$(echo "$out" | jq -r '.outstanding_cents, .payables_cents' | tr '\n' ' ')" "34000 1000 " \
	"escrow: commitments"
expect 0 pn --home "$C" ledger verify

# --- The takeover itself, with the funder's checkpoint of March 20.
export PASSNUM_NOW=2027-04-05T09:00:00Z
expect 0 pn --home "$B" --json takeover "$E" --old-ledger-key "$VKEY" --checkpoint "$FUNDER_CP"
T=$out
equals "$(echo "$T" | jq -r .old_origin)" test.example/ledger "old origin"
equals "$(echo "$T" | jq -r .old_size)" "$A_SIZE" "old size"
equals "$(echo "$T" | jq -r .old_root)" "$(jq -r .ledger.root "$E/manifest.json")" "old root"
equals "$(echo "$T" | jq -c .vouchers)" \
	'{"total":50,"issued":34,"redeemed":5,"revoked":1,"expired":10}' "vouchers by status"
equals "$(echo "$T" | jq -r .outstanding_cents)" 34000 "passes outstanding taken on"
equals "$(echo "$T" | jq -r .payables_cents)" 1000 "payees' unpaid taken on"
equals "$(echo "$T" | jq -r .claim_cents)" 35000 "the claim on A"
equals "$(echo "$T" | jq -r .checkpoint.beyond_export)" false "funder's checkpoint within"
expect 1 pn --home "$B" takeover "$E" --old-ledger-key "$VKEY"
contains "$err" "already in use" "a second takeover"
expect 0 pn --home "$B" ledger verify
# The opening entry: kind takeover, its reference the old log's origin,
# size and root; commitments credited, the claim on A debited.
first=$(echo "$T" | jq -r .first_seq)
expect 0 pn --home "$B" ledger export --format jsonl --out "$WORK/b.jsonl"
opening=$(jq -c "select(.type == \"entry\" and .seq == $first)" "$WORK/b.jsonl")
equals "$(echo "$opening" | jq -r .kind)" takeover "opening kind"
equals "$(echo "$opening" | jq -r .reference)" \
	"test.example/ledger $A_SIZE $(jq -r .ledger.root "$E/manifest.json")" "opening reference"
posting() { echo "$opening" | jq -r --arg a "$1" '.postings[] | select(.account == $a) | .amount'; }
equals "$(posting campaign:1:outstanding)" -34000 "campaign 1 outstanding taken on"
equals "$(posting payee:1)" -1000 "payee 1's unpaid taken on"
equals "$(posting takeover-claim)" 35000 "the claim on the old operator"
equals "$(posting campaign:2:outstanding)" "" "campaign 2 (all expired): nothing taken on"
equals "$(jq -r 'select(.type == "account" and .code == "takeover-claim") | .pcg' "$WORK/b.jsonl")" \
	467 "the claim's PCG account"
# Nothing of A's funders' money or credit notes came over: the liquidator holds it.
equals "$(jq -r 'select(.type == "account" and .code == "funder:1:credit-notes") | .balance' \
	"$WORK/b.jsonl")" 0 "credit notes stay A's"
# The old issuer keys verify only; B's own key issues.
equals "$(sqlite3 "$B/passnum.db" "SELECT status FROM issuer_keys WHERE file LIKE 'takeover:%'")" \
	retired "old issuer key imported retired"
forced=$(sqlite3 -bail "$B/passnum.db" "BEGIN; UPDATE issuer_keys SET status = 'retired'
	WHERE status = 'active'; UPDATE issuer_keys SET status = 'active' WHERE file LIKE 'takeover:%';
	COMMIT;" 2>&1) && fail "an imported issuer key was made active" || ok
contains "$forced" "verify-only" "the schema refuses to activate an imported key"
equals "$(sqlite3 "$B/passnum.db" "SELECT COUNT(*) FROM issuer_keys WHERE status = 'active'
	AND file NOT LIKE 'takeover:%'")" 1 "B's own issuer key stays the active one"
# No bearer token came over.
equals "$(sqlite3 "$B/passnum.db" 'SELECT COUNT(*) FROM tokens')" 0 "no token imported"

# voucher show: a pass taken over, by its token (checked against its hash and
# the old key) or its code; another token with its number is refused.
expect 0 pn --home "$B" --json voucher show "$(pass 13)"
equals "$(echo "$out" | jq -r '.taken_over, .token_matches' | tr '\n' ' ')" "true true " \
	"voucher show of a pass taken over"
expect 0 pn --home "$B" --json voucher show "$(code 14)"
equals "$(echo "$out" | jq -r .taken_over)" true "voucher show by code"

# --- Passes keep working at B: through B's passnumd.
H=$B
T_PLACE=$(pn --home "$B" token create --role place --id 1)
start_daemon
redeem atelier b1 "$(pass 11)"
redeem atelier b2 "$(code 12)"
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier b3 "$(pass 1)")"
expect_http 409 ALREADY_REDEEMED
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier b4 "$(pass 5)")"
expect_http 410 REVOKED
# A pass with the number of pass 13 but other bytes: forged.
forged=$(node -e '
	const t = process.argv[1];
	const c = t[20] === "A" ? "B" : "A";
	console.log(t.slice(0, 20) + c + t.slice(21));' "$(pass 13)")
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier b5 "$forged")"
[ "$status" -ge 400 ] && [ "$status" -lt 500 ] && ok || fail "a forged pass: HTTP $status"
expect 1 pn --home "$B" voucher show "$forged"
one_line "$err"
# Pass 10 was used at A after the export and now again at B: B takes it
# (it cannot know); A's receipt for it will then be refused.
redeem atelier b6 "$(pass 10)"
stop_daemon

# --- Receipts A signed after the export: accepted once.
# With the funder's checkpoint of March 20 (before the export), the receipt
# is beyond what the funder saw: refused; with its next week's, accepted.
expect 1 pn --home "$B" takeover-receipt "$WORK/receipt-after.json" --checkpoint "$FUNDER_CP"
contains "$err" "beyond the funder's checkpoint" "a receipt beyond the funder's checkpoint"
expect 0 pn --home "$B" --json takeover-receipt "$WORK/receipt-after.json" --checkpoint "$LATER_CP"
R=$out
equals "$(echo "$R" | jq -r .value_cents)" 1000 "receipt value"
equals "$(echo "$R" | jq -r .payee_id)" 1 "receipt payee"
equals "$(sqlite3 "$B/passnum.db" "SELECT status FROM vouchers WHERE serial = x'$(serial 8)'")" \
	redeemed "pass 8 redeemed at B"
expect 1 pn --home "$B" takeover-receipt "$WORK/receipt-after.json"
contains "$err" "already accepted" "a receipt twice"
one_line "$err"
expect 1 pn --home "$B" takeover-receipt "$WORK/receipt-in-export.json"
contains "$err" "is in the export" "a receipt for a pass redeemed in the export"
expect 1 pn --home "$B" takeover-receipt "$WORK/receipt-double.json"
contains "$err" "already redeemed" "a receipt for a pass since used at B"
# A receipt whose amount was raised: its signature no longer holds.
jq -c '.receipt.entry.postings |= map(.amount *= 2) | .value_cents *= 2' "$WORK/receipt-after.json" \
	> "$WORK/receipt-raised.json"
expect 1 pn --home "$B" takeover-receipt "$WORK/receipt-raised.json"
one_line "$err"
expect 0 pn --home "$B" ledger verify

# --- A pass taken over and revoked at B: the commitment and the claim on A
# both end (the funder's money for it is with A, not with B); a pass B
# issued itself goes back to the funder's balance as always.
balance() { # ACCOUNT: its balance in B's ledger (debit positive)
	rm -f "$WORK/bal.jsonl"
	pn --home "$B" ledger export --format jsonl --out "$WORK/bal.jsonl" >/dev/null ||
		fail "ledger export"
	jq -r --arg a "$1" 'select(.type == "account" and .code == $a) | .balance' "$WORK/bal.jsonl"
}
last_postings() { # the postings of B's last entry, sorted
	jq -c 'select(.type == "entry")' "$WORK/bal.jsonl" | tail -1 |
		jq -c '[.postings[] | [.account, .amount]] | sort'
}
equals "$(balance takeover-claim)" 35000 "the claim before the revocation"
f_before=$(balance funder:1:balance)
# A dry run of its booklet says where the money would go, and changes nothing.
bk13=$(sqlite3 "$B/passnum.db" "SELECT booklet_id FROM vouchers WHERE serial = x'$(serial 13)'")
expect 0 pn --home "$B" --json voucher revoke --booklet "$bk13" --dry-run
dry=$(echo "$out" | jq -c '[.amount_cents, .to_funder_cents, .to_claim_cents]')
[ "$(echo "$dry" | jq '.[0] > 0 and .[1] == 0 and .[2] == .[0]')" = true ] && ok ||
	fail "dry run of a booklet taken over: all to the claim: $dry"
expect 0 pn --home "$B" voucher revoke --booklet "$bk13" --dry-run
contains "$out" "EUR to the claim on the old operator (passes taken over) (campaign 1); nothing was changed" \
	"the dry run of passes taken over names the claim, not the funder's balance"
equals "$(balance takeover-claim)" 35000 "the dry run changed nothing"
expect 0 pn --home "$B" voucher revoke "$(pass 13)"
equals "$out" "1 pass revoked; 10.00 EUR to the claim on the old operator (passes taken over)" \
	"the revocation says where the money went"
equals "$(balance takeover-claim)" 34000 "a pass taken over and revoked: 10 € off the claim"
equals "$(last_postings)" '[["campaign:1:outstanding",1000],["takeover-claim",-1000]]' \
	"revoke of a pass taken over: outstanding debited, claim credited"
equals "$(balance funder:1:balance)" "$f_before" "the funder's balance at B is not credited"
expect 0 pn --home "$B" ledger verify
# ledger verify ties those credits to the passes taken over that ended at B:
# a database where pass 13 no longer looks imported is refused.
rm -rf "$WORK/b-forged" && cp -r "$B" "$WORK/b-forged"
sqlite3 "$WORK/b-forged/passnum.db" "DROP TRIGGER vouchers_fixed;
	UPDATE vouchers SET token = randomblob(93) WHERE serial = x'$(serial 13)'" ||
	fail "the test's forgery"
expect 1 pn --home "$WORK/b-forged" ledger verify
contains "$out$err" "takeover-claim: revocations and expiries credited 1000 cents but passes" \
	"ledger verify ties the claim's credits to the passes taken over"
expect 0 pn --home "$B" funder credit 1 10 --ref B-CR-1
mkdir -p "$WORK/outb"
expect 0 pn --home "$B" batch issue --campaign 1 --count 1 --out "$WORK/outb" --format csv
b_pass=$(sed -n 2p "$(ls "$WORK"/outb/batch-*.csv | head -1)" | cut -d, -f3)
expect 0 pn --home "$B" --json voucher revoke "$b_pass"
equals "$(echo "$out" | jq -c '[.to_funder_cents, .to_claim_cents]')" "[1000,0]" \
	"B's own pass: all back to the funder"
equals "$(balance takeover-claim)" 34000 "B's own pass revoked: the claim unchanged"
equals "$(last_postings)" '[["campaign:1:outstanding",1000],["funder:1:balance",-1000]]' \
	"revoke of B's own pass: back to the funder's balance"
equals "$(balance funder:1:balance)" "$((f_before - 1000))" "the funder's 10 € back"
expect 0 pn --home "$B" ledger verify

# --- Cash from A's liquidator, when it arrives: a later entry against the claim.
expect 0 pn --home "$B" --json takeover-funds 200.00 --ref LIQ-1
funds_seq=$(echo "$out" | jq -r .seq)
expect 1 pn --home "$B" takeover-funds 1.00 --ref LIQ-1
contains "$err" "already recorded" "funds recorded once per reference"
expect 1 pn --home "$B" takeover-funds 400.00 --ref LIQ-2
contains "$err" "the claim on the old operator is 140.00" "no more than the claim"
expect 2 pn --home "$B" takeover-funds 1.005 --ref LIQ-3
one_line "$err"
expect 0 pn --home "$B" ledger export --format jsonl --out "$WORK/b2.jsonl"
funds=$(jq -c "select(.type == \"entry\" and .seq == $funds_seq)" "$WORK/b2.jsonl")
equals "$(echo "$funds" | jq -r .kind)" takeover-funds "funds entry kind"
equals "$(echo "$funds" | jq -c '[.postings[] | [.account, .amount]] | sort')" \
	'[["bank",20000],["takeover-claim",-20000]]' "bank debited, claim credited"
equals "$(jq -r 'select(.type == "account" and .code == "takeover-claim") | .balance' "$WORK/b2.jsonl")" \
	14000 "the claim left on A"
expect 0 pn --home "$B" ledger verify

# --- No payout to an unconfirmed IBAN.
export PASSNUM_NOW=2027-05-02T10:00:00Z
expect 1 pn --home "$B" --yes settle --period 2027-04 --out "$WORK/b-2027-04.xml"
contains "$err" "nothing to settle" "settle skips the unconfirmed IBAN"
[ ! -e "$WORK/b-2027-04.xml" ] && ok || fail "a file was written for an unconfirmed IBAN"
expect 1 pn --home "$B" payee release 1
contains "$err" "confirm-iban" "release cannot bypass the confirmation"
expect 0 pn --home "$B" payee confirm-iban 1
expect 1 pn --home "$B" payee confirm-iban 1
contains "$err" "no IBAN to confirm" "confirmed once"
expect 0 pn --home "$B" --yes --json settle --period 2027-04 --out "$WORK/b-2027-04.xml"
# B pays what was redeemed with B (passes 11, 12, 10) and the receipt (pass 8).
equals "$(echo "$out" | jq -r .total_cents)" 4000 "B's settlement after confirmation"
equals "$(echo "$out" | jq -r '.payouts[0].iban')" "$IBAN" "paid to the confirmed IBAN"
expect 0 pn --home "$B" ledger verify
contains "$out" "OK" "B's ledger verifies"

# --- Campaign 1 expires at B: its 29 passes taken over still in circulation
# (290 €) end the commitment, as far as the claim left goes (140 € after the
# liquidator's 200 €); the rest (150 €) is back in the funder's balance, as
# any pass whose money was received.
export PASSNUM_NOW=2027-09-01T10:00:00Z
f_before=$(balance funder:1:balance)
expect 0 pn --home "$B" expire
equals "$(balance takeover-claim)" 0 "the claim ends at zero, never below"
equals "$(last_postings | jq -c 'map(select(.[0] != "campaign:2:outstanding"))')" \
	'[["campaign:1:outstanding",29000],["funder:1:balance",-15000],["takeover-claim",-14000]]' \
	"expiry of passes taken over: the claim left, then the funder's balance"
equals "$(balance funder:1:balance)" "$((f_before - 15000))" "the funder's balance: 150 € back"
equals "$(balance campaign:1:outstanding)" 0 "nothing outstanding in campaign 1"
expect 0 pn --home "$B" ledger verify
contains "$out" "OK" "B's ledger verifies after the expiry"

finish
