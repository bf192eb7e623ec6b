#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# The ledger CLI end to end, and the ledger checked by an independent program
# (tools/verify-export.mjs, Node.js, written from docs/ledger.md alone): a home
# built with the real CLI (orders, a credit, a place, two campaigns, two
# batches, a revocation, an expiry) across a year end; ledger verify (text
# and JSON), balances, checkpoint (idempotent), proof, the jsonl export (plain
# and gzip) re-verified by the tool, csv, FEC (year, file name, columns,
# numbering, totals, dates, decimal comma); then tampering behind the
# program's back (triggers dropped): a changed amount, a deleted entry, a
# truncated ledger, an edited checkpoint note, a posting moved to another
# account — passnum ledger verify names the entry and the tool fails on a
# fresh export — and forged exports (hashes recomputed, caught by the signed
# checkpoints; a gap; an unbalanced entry; a relabelled account).
. "$(dirname "$0")/lib.sh"
SRC=${PASSNUM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOOL=$SRC/tools/verify-export.mjs
NODE=${NODE:-node}
H=$WORK/home
IBAN=FR7630006000011234567890189

if ! "$NODE" --version >/dev/null 2>&1; then
	fail "node is needed for the independent verifier (scripts/deps.sh test installs nodejs)"
	finish
	exit 1
fi
expect 0 "$NODE" "$TOOL" --self-test
contains "$out" "self-test OK"

# verify_tool FILE [EXTRA...]: the independent verifier accepts FILE.
verify_tool() {
	expect 0 "$NODE" "$TOOL" "$@"
	contains "$out" "OK: "
}

# Entry 0 in December 2026; entry 1 at 23:30 UTC on 31 December 2026, which
# is 1 January 2027 in Paris (the FEC's day); the rest in 2027.
export PASSNUM_NOW=2026-12-20T09:00:00Z
pn --home "$H" init --operator "Opérateur de test" --siren 123456782 \
	--origin test.example/ledger >/dev/null || fail "init"
pn --home "$H" funder add "Département de test" >/dev/null || fail "funder add"
pn --home "$H" funder order 1 500 --ref BC-2026-1 >/dev/null || fail "funder order"
PASSNUM_NOW=2026-12-31T23:30:00Z pn --home "$H" funder credit 1 250.50 --ref VIR-2026-1 \
	>/dev/null || fail "funder credit"
export PASSNUM_NOW=2027-01-05T10:00:00Z
pn --home "$H" service add atelier "Atelier numérique" >/dev/null || fail "service add"
pn --home "$H" place add "EPN Montreuil" --siret 12345678200002 --commune 93048 --iban $IBAN \
	--type epn --services atelier >/dev/null || fail "place add"
pn --home "$H" place label 1 >/dev/null || fail "place label"
pn --home "$H" campaign create --funder 1 --name "C93" --value 10 --last-day 2027-06-30 \
	--departments 93 >/dev/null || fail "campaign create"
pn --home "$H" campaign create --funder 1 --name "Hiver" --value 10 --last-day 2027-01-31 \
	--unused refund >/dev/null || fail "campaign create 2"
mkdir -p "$WORK/out"
pn --home "$H" batch issue --campaign 1 --count 20 --out "$WORK/out" --format csv >/dev/null ||
	fail "batch issue"
pn --home "$H" batch issue --campaign 2 --count 10 --out "$WORK/out" --format csv >/dev/null ||
	fail "batch issue 2"
pn --home "$H" voucher revoke "$(sed -n 2p "$WORK/out/batch-000001.csv" | cut -d, -f2)" \
	>/dev/null || fail "voucher revoke"
export PASSNUM_NOW=2027-03-12T10:00:00Z
pn --home "$H" expire >/dev/null || fail "expire"
ENTRIES=6

# keys revoke --dry-run on the issuer key that signed the 19 passes still
# spendable (issued 2027-01-05T10:00:00Z): compromised after that, they stay
# redeemable; compromised at that instant, none does. Nothing changes.
KID=$(pn --home "$H" --json keys list | jq -r '.[] | select(.kind == "issuer") | .key_id')
before=$(db_dump "$H")
expect 0 pn --home "$H" --json keys revoke "$KID" --compromised-at 2027-01-05T10:00:01Z --dry-run
equals "$(echo "$out" | jq -c '[.issuer_active, .passes_redeemable, .passes_unredeemable]')" "[true,19,0]" \
	"dry run after the issue"
expect 0 pn --home "$H" keys revoke "$KID" --compromised-at 2027-01-05T10:00:00Z --dry-run
contains "$out" "passes it signed before then stay redeemable: 0; from then on, no longer redeemable: 19"
contains "$out" "it is an active key: none of its kind is left until passnum keys rotate"
equals "$(db_dump "$H")" "$before" "a dry run changes nothing"

# verify: text and JSON agree, every entry and checkpoint counted.
expect 0 pn --home "$H" ledger verify
contains "$out" "OK: $ENTRIES entries, $((2 * ENTRIES)) postings"
ROOT=$(echo "$out" | sed -n 's/.*root //p')
expect 0 pn --home "$H" ledger verify --json
equals "$(echo "$out" | jq -c '[.ok, .entries, .postings, .accounts]')" "[true,$ENTRIES,$((2 * ENTRIES)),11]" \
	"verify --json"
equals "$(echo "$out" | jq -r .root)" "$ROOT" "verify --json root"

# balances: balanced, with the amounts of the story above.
expect 0 pn --home "$H" ledger balances
contains "$(echo "$out" | tail -1)" "750.50         750.50  balanced"
expect 0 pn --home "$H" ledger balances --json
equals "$(echo "$out" | jq '.debit_cents == .credit_cents and .debit_cents == 75050')" true "balanced"
equals "$(echo "$out" | jq -c '[.accounts[] | select(.account | test("^(funder|campaign)")) |
	[.account, .balance_cents]]')" \
	'[["campaign:1:outstanding",-19000],["campaign:2:outstanding",0],["funder:1:balance",-46050],["funder:1:credit-notes",-10000],["funder:1:orders",50000]]' \
	"balances after order, credit, issues, revocation and expiry"

# checkpoint: a signed note of the current tree; the same note again when
# nothing changed, and no new row.
count_checkpoints() { sqlite3 "$H/passnum.db" "SELECT count(*) FROM checkpoints"; }
expect 0 pn --home "$H" ledger checkpoint
NOTE=$out
equals "$(echo "$NOTE" | sed -n 1,3p | tr '\n' ' ')" "test.example/ledger $ENTRIES $ROOT " "checkpoint text"
contains "$(echo "$NOTE" | sed -n 5p)" "— test.example/ledger "
before=$(count_checkpoints)
expect 0 pn --home "$H" ledger checkpoint
equals "$out" "$NOTE" "checkpoint when nothing changed"
equals "$(count_checkpoints)" "$before" "no new checkpoint row"
expect 0 pn --home "$H" ledger checkpoint --json
equals "$(echo "$out" | jq -r '.note')" "$NOTE" "checkpoint --json"
equals "$(echo "$out" | jq -r '.id')" "$ENTRIES" "checkpoint --json id"

# One more entry; a new checkpoint covers it.
pn --home "$H" funder order 1 300 --ref BC-2027-2 >/dev/null || fail "funder order 2"
ENTRIES=7
expect 0 pn --home "$H" ledger checkpoint
equals "$(echo "$out" | sed -n 2p)" "$ENTRIES" "new checkpoint size"
equals "$(count_checkpoints)" "$((before + 1))" "one new checkpoint row"
expect 0 pn --home "$H" ledger verify
ROOT=$(echo "$out" | sed -n 's/.*root //p')

# jsonl export, verified independently; the tool's tree root is verify's.
expect 0 pn --home "$H" ledger export --format jsonl
printf '%s\n' "$out" > "$WORK/ledger.jsonl"
equals "$(jq -r .type "$WORK/ledger.jsonl" | uniq -c | awk '{print $2 $1}' | tr '\n' ' ')" \
	"header1 account11 entry$ENTRIES checkpoint$(count_checkpoints) " "export lines"
verify_tool "$WORK/ledger.jsonl"
contains "$out" "OK: $ENTRIES entries, $((2 * ENTRIES)) postings, 11 accounts"
contains "$out" "tree root $ROOT"
expect 0 pn --home "$H" ledger export
equals "$out" "$(cat "$WORK/ledger.jsonl")" "jsonl is the default format"

# Inclusion proofs: every entry in every tree size, by the tool; the default
# size is the first checkpoint that covers the entry.
for size in $(seq 1 $ENTRIES); do
	for seq in $(seq 0 $((size - 1))); do
		pn --home "$H" ledger proof "$seq" --size "$size" > "$WORK/proof-$seq-$size.json" ||
			fail "ledger proof $seq --size $size"
	done
done
verify_tool "$WORK/ledger.jsonl" "$WORK"/proof-*.json
contains "$out" "$((ENTRIES * (ENTRIES + 1) / 2)) proofs verified"
expect 0 pn --home "$H" ledger proof 6
equals "$(echo "$out" | jq -c '[.seq, .size, (.proof | length)]')" "[6,$ENTRIES,2]" "default proof size"
equals "$(echo "$out" | jq -r .root)" "$(jq -r 'select(.type == "checkpoint" and .size == 7) | .root' \
	"$WORK/ledger.jsonl")" "proof root is the checkpoint's"
# A proof with one hash changed, or for another entry, does not verify.
jq -c '.proof[0] = ("00" + .proof[0][2:])' "$WORK/proof-2-7.json" > "$WORK/bad-proof.json"
expect 1 "$NODE" "$TOOL" "$WORK/ledger.jsonl" "$WORK/bad-proof.json"
contains "$err" "entry 2 in the tree of size 7: the audit path does not lead to the root"
jq -c '.seq = 3' "$WORK/proof-2-7.json" > "$WORK/bad-proof.json"
expect 1 "$NODE" "$TOOL" "$WORK/ledger.jsonl" "$WORK/bad-proof.json"
expect 1 pn --home "$H" ledger proof 7 --size 7
one_line "$err"
contains "$err" "entry 7 is not in the tree of size 7"
expect 2 pn --home "$H" ledger proof 1 --size x
# A size beyond the ledger: a clear refusal, never an internal tree error.
expect 1 pn --home "$H" ledger proof 3 --size 999
equals "$err" "passnum: size 999 is beyond the ledger's $ENTRIES entries" "proof beyond the ledger"
expect 1 pn --home "$H" --json ledger proof 3 --size 999
equals "$(echo "$err" | jq -r .error.code)" BEYOND_LEDGER "proof beyond the ledger, JSON"
# Proofs name the leaf leaf_hash, as the API and RFC 9162 do.
equals "$(jq -c 'keys' "$WORK/proof-2-7.json")" '["leaf_hash","proof","root","seq","size"]' "proof members"
equals "$(jq -r .leaf_hash "$WORK/proof-2-7.json")" \
	"$(jq -r 'select(.type == "entry" and .seq == 2) | .entry_hash' "$WORK/ledger.jsonl")" "leaf_hash"

# gzip: the same bytes once gunzipped, to stdout and with --out.
pn --home "$H" ledger export --gzip > "$WORK/ledger.jsonl.gz" || fail "export --gzip"
equals "$(gunzip -c "$WORK/ledger.jsonl.gz")" "$(cat "$WORK/ledger.jsonl")" "gzip round trip"
verify_tool "$WORK/ledger.jsonl.gz"
expect 0 pn --home "$H" ledger export --gzip --out "$WORK/out.jsonl.gz"
equals "$out" "$WORK/out.jsonl.gz" "export --out prints the path"
equals "$(gunzip -c "$WORK/out.jsonl.gz")" "$(cat "$WORK/ledger.jsonl")" "gzip --out round trip"
equals "$(ls "$WORK" | grep -c '\.tmp-')" 0 "no temporary file left"
# --out never replaces a file unless --force, and makes its folders.
expect 1 pn --home "$H" ledger export --gzip --out "$WORK/out.jsonl.gz"
contains "$err" "already exists: add --force to replace it"
one_line "$err"
equals "$(gunzip -c "$WORK/out.jsonl.gz")" "$(cat "$WORK/ledger.jsonl")" "the refused file is untouched"
expect 0 pn --home "$H" ledger export --format csv --out "$WORK/out.jsonl.gz" --force
equals "$(head -1 "$WORK/out.jsonl.gz")" "seq,time,kind,reference,memo,account,amount_cents,entry_hash" \
	"--force replaced it"
expect 0 pn --home "$H" ledger export --out "$WORK/new/deep/ledger.jsonl"
equals "$(cat "$WORK/new/deep/ledger.jsonl")" "$(cat "$WORK/ledger.jsonl")" "--out makes its folders"
expect 0 pn --home "$H" --json ledger export --format csv --out "$WORK/new/deep/ledger.csv"
equals "$(echo "$out" | jq -r .file)" "$WORK/new/deep/ledger.csv" "export --json names the file"
# A folder is for fec only (named inside it); for jsonl and csv, refused.
expect 2 pn --home "$H" ledger export --out "$WORK/new/"
contains "$err" "a folder only for --format fec"
expect 2 pn --home "$H" ledger export --format csv --out "$WORK/new"
# --gzip is never written to a terminal (checked before the home).
if script -qec true /dev/null >/dev/null 2>&1; then
	script -qec "$PASSNUM_BIN --home /nonexistent ledger export --gzip; echo rc=\$?" /dev/null \
		> "$WORK/tty.out" 2>&1
	contains "$(cat "$WORK/tty.out")" "--gzip writes binary, never to a terminal"
	contains "$(cat "$WORK/tty.out")" "rc=2"
	script -qec "$PASSNUM_BIN --home $H ledger export --format csv | head -1; echo rc=\$?" /dev/null \
		> "$WORK/tty.out" 2>&1
	contains "$(cat "$WORK/tty.out")" "seq,time,kind" "text to a pipe from a terminal"
fi

# csv: the header, then one line per posting that sum to zero per entry.
expect 0 pn --home "$H" ledger export --format csv
equals "$(echo "$out" | head -1)" "seq,time,kind,reference,memo,account,amount_cents,entry_hash" "csv header"
equals "$(echo "$out" | sed 1d | wc -l)" "$((2 * ENTRIES))" "csv lines"
# Parse it as RFC 4180 (quoted fields may hold commas) into tab-separated lines.
tsv=$(echo "$out" | python3 -c 'import csv, sys
for row in csv.reader(sys.stdin): print("\t".join([str(len(row))] + row))' | sed 1d)
equals "$(echo "$tsv" | awk -F'\t' '$1 != 8' | wc -l)" 0 "csv fields"
equals "$(echo "$tsv" | awk -F'\t' '{s[$2] += $8} END {for (k in s) if (s[k] != 0) print k}')" "" \
	"csv entries balanced"
contains "$out" '1,2026-12-31T23:30:00Z,credit,"VIR-2026-1",'
equals "$(echo "$tsv" | cut -f9 | uniq | tr '\n' ' ')" \
	"$(jq -r 'select(.type == "entry") | .entry_hash' "$WORK/ledger.jsonl" | tr '\n' ' ')" "csv hashes"
equals "$(echo "$tsv" | cut -f2,6 | sort -u | tr '\n' ' ')" \
	"$(jq -r 'select(.type == "entry") | "\(.seq)\t\(.memo)"' "$WORK/ledger.jsonl" | sort -u | tr '\n' ' ')" \
	"csv memos as in the ledger"

# fec_check FILE ENTRIES FIRST-DATE: the FEC rules on one file.
fec_check() {
	local file=$1 entries=$2 first=$3
	equals "$(head -1 "$file")" "$(printf 'JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise')" \
		"FEC header"
	equals "$(awk -F'\t' 'NF != 18' "$file" | wc -l)" 0 "18 columns on every line"
	equals "$(sed 1d "$file" | cut -f3 | uniq | tr '\n' ' ')" "$(seq -s ' ' 1 "$entries") " \
		"EcritureNum continuous from 1"
	equals "$(sed 1d "$file" | awk -F'\t' '$4 !~ date || $10 !~ date || $16 !~ date' \
		date='^20[0-9][0-9][01][0-9][0-3][0-9]$' | wc -l)" 0 "dates AAAAMMJJ"
	equals "$(sed 1d "$file" | awk -F'\t' '$12 !~ /^[0-9]+,[0-9][0-9]$/ ||
		$13 !~ /^[0-9]+,[0-9][0-9]$/' | wc -l)" 0 "amounts with a decimal comma"
	equals "$(sed 1d "$file" | awk -F'\t' '{gsub(",", "", $12); gsub(",", "", $13);
		d[$3] += $12; c[$3] += $13; D += $12; C += $13}
		END {for (k in d) if (d[k] != c[k]) print k; print (D == C && D > 0)}')" 1 \
		"total Debit = total Credit, per entry too"
	equals "$(sed -n 2p "$file" | cut -f4)" "$first" "first entry's date"
}

# fec: 2027 holds entries 1-6 (entry 1 is 1 January in Paris), 2026 entry 0,
# whose balances open 2027 (journal AN, EcritureNum 1).
mkdir -p "$WORK/fec"
expect 0 pn --home "$H" ledger export --format fec --year 2027 --out "$WORK/fec"
equals "$out" "$WORK/fec/123456782FEC20271231.txt" "FEC file name"
fec_check "$WORK/fec/123456782FEC20271231.txt" 7 20270101
FEC=$(cat "$WORK/fec/123456782FEC20271231.txt")
contains "$FEC" "$(printf '\t512\t')"
contains "$FEC" "$(printf '\tFIN000001\t')"
contains "$FEC" "$(printf '\tCAMP000002\t')"
contains "$FEC" "$(printf '\t4198\t')" "the expiry to a credit note"
# French wording with accents, derived from each entry's kind and reference
# (the hashed memos stay as recorded).
equals "$(echo "$FEC" | sed 1d | cut -f1,2 | sort -u | tr '\t\n' ':|')" \
	"AN:À-nouveaux|BQ:Banque|OD:Opérations diverses|" "journals: the opening, the bank, the rest"
equals "$(echo "$FEC" | sed 1d | cut -f11 | uniq | tr '\n' '|')" \
	"À-nouveaux au 01/01/2027|Fonds reçus du financeur 1, réf. VIR-2026-1|Émission de 20 pass, campagne 1|Émission de 10 pass, campagne 2|Opposition de pass perdus ou volés, campagne 1|Expiration des pass non utilisés au 12/03/2027, campagne 2|Commande du financeur 1, réf. BC-2027-2|" \
	"EcritureLib in French"
contains "$FEC" "$(printf '\t4198\tFinanceurs, avoirs à rembourser\tFIN000001\tFinanceurs, avoirs à rembourser - Département de test\t')" \
	"accented CompteLib and CompAuxLib"
equals "$(pn --home "$H" ledger export --format fec --year 2026 | sed -n 2p | cut -f11)" \
	"Commande du financeur 1, réf. BC-2026-1" "an order's wording"
contains "$(pn --home "$H" ledger export --format csv)" ',"issue of 20 passes, campaign 1",' \
	"the csv keeps the memo as hashed"
equals "$(echo "$FEC" | grep -c BC-2026-1)" 0 "no 2026 entry in the 2027 FEC"
expect 0 pn --home "$H" ledger export --format fec --year 2026 --out "$WORK/fec"
equals "$out" "$WORK/fec/123456782FEC20261231.txt" "FEC 2026 file name"
fec_check "$WORK/fec/123456782FEC20261231.txt" 1 20261220
expect 0 pn --home "$H" ledger export --format fec
equals "$out" "$FEC" "fec defaults to this year, on stdout"
expect 2 pn --home "$H" ledger export --format fec --year 27
one_line "$err"
expect 2 pn --home "$H" ledger export --format xml
expect 2 pn --home "$H" ledger export --out "$WORK/fec"
one_line "$err"
# A home without a SIREN cannot name a FEC file, and says so.
pn --home "$WORK/nosiren" init --operator "Sans SIREN" >/dev/null || fail "init without siren"
expect 1 pn --home "$WORK/nosiren" ledger export --format fec --year 2027 --out "$WORK/fec"
contains "$err" "SIREN"
one_line "$err"
equals "$(ls "$WORK/fec" | tr '\n' ' ')" "123456782FEC20261231.txt 123456782FEC20271231.txt " "fec dir"

# ledger check: a file that cannot be read says so; "-" reads stdin.
expect 1 pn --home "$H" ledger check "$WORK/nofile.json"
equals "$err" "passnum: cannot read $WORK/nofile.json: No such file or directory" "ledger check nofile"
expect 1 pn --home "$H" ledger check "$WORK"
contains "$err" "cannot read $WORK"
echo '{"not": "a receipt"' > "$WORK/bad.json"
expect 1 pn --home "$H" ledger check "$WORK/bad.json"
contains "$err" "is not a JSON receipt"
expect 1 pn --home "$H" ledger check - < "$WORK/bad.json"
equals "$err" "passnum: standard input is not a JSON receipt" "ledger check - reads stdin"
expect 2 pn --home "$H" ledger check

# Help: one page per sub-verb, each with an example; tables by display width.
for sub in "" verify balances checkpoint proof check export; do
	expect 0 pn ledger $sub --help
	contains "$out" "example"
done
expect 0 pn ledger proof --help
equals "$(echo "$out" | head -1)" "usage: passnum ledger proof SEQ [--size N]" "ledger proof --help is its page"
expect 0 pn --home "$H" ledger balances
equals "$(echo "$out" | grep -F "Département de test" | while IFS= read -r line; do
	prefix=${line%%Financeurs*}; prefix=${prefix%%Pass en*}; echo "${#prefix}"; done | sort -u | wc -l)" 1 \
	"names in one column"

# An older home (schema 5) gets its chart labels accented on opening, and
# the operator's new fields empty. (Made from this home by undoing the
# migrations after 5: the report's indexes, the float's tables, the
# reports' table and column, the invoices' tables and columns, the
# takeover's tables and triggers, the booklet returns, 0007's tables, then
# 0006's.)
O=$WORK/old-home
cp -a "$H" "$O"
sqlite3 "$O/passnum.db" "DROP INDEX handouts_by_distributor_created; DROP INDEX redemptions_current;
	DROP TABLE float_clearings; DROP TABLE float_advances;
	DROP TABLE campaign_summaries; ALTER TABLE handouts DROP COLUMN created_at;
	DROP TABLE payout_carries; DROP TABLE payout_debits; DROP TABLE bank_matches; DROP TABLE bank_lines;
	DROP TABLE bank_statements; DROP TABLE bank_status_reports;
	DROP TABLE invoice_lines; DROP TABLE invoice_redemptions;
	DROP TABLE invoice_statuses; DROP TABLE invoice_payments; DROP TABLE invoices;
	DROP TABLE refunds; DROP TABLE closed_years; DROP TABLE entry_dates; DROP TABLE campaign_terms;
	ALTER TABLE funders DROP COLUMN frame; ALTER TABLE funders DROP COLUMN vat_territory;
	ALTER TABLE funders DROP COLUMN service_code;
	UPDATE accounts SET pcg = '4191' WHERE kind = 'funder-credit-notes';
	DROP TABLE booklet_returns; DROP TABLE takeovers; DROP TABLE takeover_old_leaves;
	DROP TABLE takeover_campaigns; DROP TABLE takeover_payables; DROP TABLE takeover_receipts;
	DROP TRIGGER payee_holds_iban_unconfirmed; DROP TABLE payee_iban_unconfirmed;
	DROP TRIGGER issuer_keys_takeover_insert; DROP TRIGGER issuer_keys_takeover_active;
	DROP TABLE payout_redemptions; DROP TABLE payouts; DROP TABLE settlements;
	DROP TABLE payee_holds;
	DROP TRIGGER operator_siren_after_fec; DROP TRIGGER operator_fec_exported_once;
	DROP TABLE operator_changes;
	ALTER TABLE operator DROP COLUMN address; ALTER TABLE operator DROP COLUMN siret;
	ALTER TABLE operator DROP COLUMN vat_number; ALTER TABLE operator DROP COLUMN legal_form;
	ALTER TABLE operator DROP COLUMN capital_cents; ALTER TABLE operator DROP COLUMN rcs;
	ALTER TABLE operator DROP COLUMN operating_iban; ALTER TABLE operator DROP COLUMN fec_exported_at;
	UPDATE accounts SET name = 'TVA collectee' WHERE code = 'vat';
	UPDATE accounts SET name = 'Financeurs, commandes a payer - Département de test'
		WHERE code = 'funder:1:orders';
	UPDATE accounts SET name = 'Financeurs, avoirs a rembourser - Département de test'
		WHERE code = 'funder:1:credit-notes';
	PRAGMA user_version = 5" || fail "make a schema 5 home"
expect 0 pn --home "$O" ledger balances --json
equals "$(echo "$out" | jq -r '.accounts[] | select(.account == "vat" or (.account | test("^funder:1:(credit-notes|orders)$"))) | .name' |
	tr '\n' '|')" "Financeurs, avoirs à rembourser - Département de test|Financeurs, commandes à payer - Département de test|TVA collectée|" "labels migrated"
equals "$(pn --home "$O" --json operator show | jq -c '[.siren, .address, .fec_exported_at]')" \
	'["123456782","",null]' "operator of an older home"
equals "$(sqlite3 "$O/passnum.db" "SELECT DISTINCT pcg FROM accounts WHERE kind = 'funder-credit-notes'")" \
	4198 "credit notes owed move from 4191 to 4198"
equals "$(pn --home "$O" --json funder show 1 | jq -r .frame)" prepaid \
	"a funder without a SIRET of an older home prepays"

# tamper NAME SQL: a copy of the home with the append-only triggers dropped
# and SQL applied behind the program's back; sets T.
tamper() {
	T=$WORK/tamper-$1
	cp -a "$H" "$T"
	sqlite3 "$T/passnum.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE
		type = 'trigger' AND tbl_name IN ('entries', 'postings', 'merkle_nodes', 'checkpoints')" |
		sqlite3 "$T/passnum.db"
	sqlite3 "$T/passnum.db" "PRAGMA foreign_keys = OFF; $2" || fail "tamper $1"
}

# caught NAME WHAT: ledger verify (text and JSON) exits 1 naming WHAT on one
# line, and the independent tool fails on a fresh export naming WHAT2.
caught() {
	local what=$1 tool_what=$2
	expect 1 pn --home "$T" ledger verify
	contains "$err" "$what"
	one_line "$err"
	equals "$out" "" "no OK on stdout"
	expect 1 pn --home "$T" ledger verify --json
	equals "$(echo "$out" | jq -r .ok)" false "verify --json ok"
	contains "$(echo "$out" | jq -r .failure)" "$what"
	pn --home "$T" ledger export > "$T.jsonl" 2>"$WORK/export.err"
	expect 1 "$NODE" "$TOOL" "$T.jsonl"
	contains "$err" "$tool_what"
	one_line "$err"
}

# A balanced change of entry 2's amounts: its hash no longer matches.
tamper amount "UPDATE postings SET amount = amount + (CASE WHEN amount > 0 THEN 100 ELSE -100 END)
	WHERE entry_seq = 2"
caught "entry 2:" "entry 2 (line"
# A deleted entry: verify names it; the export refuses (and what it wrote
# does not verify either).
tamper delete "DELETE FROM entries WHERE seq = 4"
caught "entry 4 is missing" "account "
expect 1 pn --home "$T" ledger export --out "$T.out.jsonl"
contains "$err" "entry 4"
# The last entry deleted (a truncated ledger): the export succeeds but the
# signed checkpoint of size 7 is beyond it.
tamper truncate "DELETE FROM postings WHERE entry_seq = 6; DELETE FROM entries WHERE seq = 6"
caught "checkpoint at size 7" "checkpoint at size 7"
# An edited checkpoint note (its size changed): the signature fails.
tamper note "UPDATE checkpoints SET note = replace(note, char(10) || '3' || char(10),
	char(10) || '4' || char(10)) WHERE size = 3"
caught "checkpoint at size 3: its signed note is not valid" "checkpoint at size 3"
# A posting moved to another account.
tamper account "UPDATE postings SET account_id = (SELECT id FROM accounts WHERE code = 'bank')
	WHERE entry_seq = 5 AND amount < 0"
caught "entry 5" "entry 5 (line"

# A forged export: entry 2 changed and its hash recomputed (as an operator
# rewriting history would), consistent in itself but not with the signed
# checkpoints; a line dropped from the export; a gap in seq.
"$NODE" --input-type=module -e "
import fs from 'node:fs';
import { encodeEntry, leafHash } from '$TOOL';
const out = fs.readFileSync(process.argv[1], 'utf8').trimEnd().split('\n').map((line) => {
	const o = JSON.parse(line);
	if (o.type === 'entry' && o.seq === 2) {
		for (const p of o.postings)
			p.amount += p.amount > 0 ? 100 : -100;
		o.entry_hash = leafHash(encodeEntry({ seq: 2n, time: BigInt(o.time_unix), kind: o.kind,
		    reference: o.reference, memo: o.memo, postings: o.postings.map((p) =>
		    ({ account: p.account, amount: BigInt(p.amount) })) })).toString('hex');
	}
	return JSON.stringify(o);
});
fs.writeFileSync(process.argv[2], out.join('\n') + '\n');
" "$WORK/ledger.jsonl" "$WORK/forged.jsonl" || fail "forge"
expect 1 "$NODE" "$TOOL" "$WORK/forged.jsonl"
contains "$err" "checkpoint at size 3"
grep -v '"seq":4,' "$WORK/ledger.jsonl" > "$WORK/gap.jsonl"
expect 1 "$NODE" "$TOOL" "$WORK/gap.jsonl"
contains "$err" "expected entry 4"
sed 's/"amount":-50000/"amount":-50001/' "$WORK/ledger.jsonl" > "$WORK/unbalanced.jsonl"
expect 1 "$NODE" "$TOOL" "$WORK/unbalanced.jsonl"
contains "$err" "entry 0 (line"
contains "$err" "unbalanced"
sed 's/"code":"bank","kind":"bank","pcg":"512"/"code":"bank","kind":"fees","pcg":"706"/' \
	"$WORK/ledger.jsonl" > "$WORK/chart.jsonl"
expect 1 "$NODE" "$TOOL" "$WORK/chart.jsonl"
contains "$err" "account bank"
head -c 300 "$WORK/ledger.jsonl.gz" > "$WORK/cut.jsonl.gz"
expect 1 "$NODE" "$TOOL" "$WORK/cut.jsonl.gz"
one_line "$err"
# The home itself was never touched by all this.
expect 0 pn --home "$H" ledger verify
contains "$out" "OK: $ENTRIES entries"
finish
