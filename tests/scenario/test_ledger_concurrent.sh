#!/usr/bin/env bash
# "One writer at a time, never a fork" (docs/ledger.md): the real passnumd
# redeems passes for concurrent HTTP clients while CLI processes append
# orders and credits to the same ledger, and the daemon makes checkpoints
# every few entries. Afterwards: ledger verify OK, exactly one entry per
# successful write (setup + CLI appends + 201s, no more, no less), distinct
# receipt sequence numbers, and the independent verifier (tools/
# verify-export.mjs) accepts the export, the receipts and their proofs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
SRC=${PASSNUM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOOL=$SRC/tools/verify-export.mjs
NODE=${NODE:-node}
IBAN=FR7630006000011234567890189
CLIENTS=4         # concurrent HTTP clients
PER_CLIENT=30     # redemptions each, one pass each, distinct idempotency keys
WRITERS=2         # concurrent CLI appenders
MAX_WRITES=100    # at most, each: orders and credits while the clients run
# The real clock: the daemon tries a due checkpoint at most once a second,
# which a frozen PASSNUM_NOW would turn into never (clock_now_ms is frozen).
unset PASSNUM_NOW
LAST_DAY=$(date -u -d '+120 days' +%F)

if ! "$NODE" --version >/dev/null 2>&1; then
	fail "node is needed for the independent verifier (scripts/deps.sh test installs nodejs)"
	finish
	exit 1
fi

pn --home "$H" init --operator "Opérateur de test" --origin test.example/ledger >/dev/null || fail "init"
pn --home "$H" funder add "Département de test" >/dev/null || fail "funder add"
pn --home "$H" funder order 1 5000 --ref BC-0 >/dev/null || fail "funder order"
pn --home "$H" service add atelier "Atelier numérique" >/dev/null || fail "service add"
pn --home "$H" place add "EPN Montreuil" --siret $SIRET --commune 93048 --iban $IBAN --type epn \
	--services atelier >/dev/null || fail "place add"
pn --home "$H" place label 1 >/dev/null || fail "place label"
T_PLACE=$(pn --home "$H" token create --role place --id 1)
pn --home "$H" campaign create --funder 1 --name "C93" --value 10 --last-day "$LAST_DAY" \
	--departments 93 >/dev/null || fail "campaign create"
mkdir -p "$WORK/out"
pn --home "$H" batch issue --campaign 1 --count $((CLIENTS * PER_CLIENT)) --out "$WORK/out" \
	--format csv >/dev/null || fail "batch issue"
CSV=$WORK/out/batch-000001.csv
SETUP=$(pn --home "$H" ledger verify --json | jq .entries)
# The CLI's appenders checkpoint every 10 entries too (the home's cadence),
# so that the earliest receipts are covered by a checkpoint older than the
# last one (checked below).
sqlite3 "$H/passnum.db" "INSERT INTO settings (name, value) VALUES ('checkpoint_every_entries', '10')" ||
	fail "cadence setting"
printf '[server]\nlisten = 127.0.0.1:0\nthreads = 4\ncheckpoint-entries = 10\ncheckpoint-seconds = 1\n' > "$H/passnumd.conf"
start_daemon || { finish; exit 1; }

# The request bodies, made before the load so that clients only run curl
# (the token alphabet, Base45's, needs no JSON escaping).
mkdir -p "$WORK/bodies"
awk -F, -v dir="$WORK/bodies" 'NR > 1 { f = dir "/" (NR - 1) ".json"
	printf "{\"vouchers\":[\"%s\"],\"service\":\"atelier\",\"idempotency_key\":\"key-%d\"}\n",
		$3, NR - 1 > f; close(f) }' "$CSV"
equals "$(jq -r '.vouchers[0]' "$WORK/bodies/7.json")" "$(pass 7)" "request body"

# client N: redeems passes N*PER_CLIENT+1 … (one each, distinct keys); one
# status per line in $WORK/status-N, the 201 bodies in $WORK/receipts-N/.
client() {
	local n=$1 i status
	mkdir -p "$WORK/receipts-$n"
	for i in $(seq $((n * PER_CLIENT + 1)) $(((n + 1) * PER_CLIENT))); do
		status=$(curl -s -o "$WORK/receipts-$n/$i.json" -w '%{http_code}' -X POST \
			-H "Authorization: Bearer $T_PLACE" -H 'Content-Type: application/json' \
			--data-binary "@$WORK/bodies/$i.json" "$URL/v1/redemptions")
		echo "$status" >> "$WORK/status-$n"
		[ "$status" = 201 ] || rm -f "$WORK/receipts-$n/$i.json"
	done
}

# writer N: CLI appends, alternating orders and credits with distinct
# references, until the clients are done (at most MAX_WRITES); one exit
# status per line in $WORK/cli-N.
writer() {
	local n=$1 i=0
	while [ ! -e "$WORK/clients-done" ] && [ $i -lt $MAX_WRITES ]; do
		i=$((i + 1))
		if [ $((i % 2)) -eq 0 ]; then
			pn --home "$H" funder order 1 1 --ref "BC-$n-$i" >/dev/null 2>>"$WORK/cli-err"
		else
			pn --home "$H" funder credit 1 0.5 --ref "VIR-$n-$i" >/dev/null 2>>"$WORK/cli-err"
		fi
		echo $? >> "$WORK/cli-$n"
	done
}

start=$(date +%s)
clients=() writers=()
for n in $(seq 0 $((WRITERS - 1))); do writer "$n" & writers+=($!); done
for n in $(seq 0 $((CLIENTS - 1))); do client "$n" & clients+=($!); done
wait "${clients[@]}"
touch "$WORK/clients-done"
wait "${writers[@]}"
elapsed=$(($(date +%s) - start))
# The daemon checkpoints the whole ledger, the CLI's entries included,
# within a few seconds (checkpoint-seconds = 1).
size=$(sqlite3 "$H/passnum.db" "SELECT count(*) FROM entries")
for _ in $(seq 50); do
	req GET /v1/ledger/checkpoint ""
	[ "$(echo "$body" | sed -n 2p)" = "$size" ] && break
	sleep 0.1
done
expect_http 200
equals "$(echo "$body" | sed -n 2p)" "$size" "the daemon's latest checkpoint covers every entry"
stop_daemon

CREATED=$(cat "$WORK"/status-* | grep -c '^201$')
APPENDED=$(cat "$WORK"/cli-* | grep -c '^0$')
equals "$CREATED" $((CLIENTS * PER_CLIENT)) "redemptions answered 201 (others: $(cat "$WORK"/status-* |
	grep -v '^201$' | sort | uniq -c | tr '\n' ' '))"
equals "$(cat "$WORK"/cli-* | wc -l)" "$APPENDED" "CLI appends all succeeded ($(head -1 "$WORK/cli-err"))"
[ "$APPENDED" -ge $((2 * WRITERS)) ] && ok || fail "only $APPENDED CLI appends during the load"

# The ledger: verified, one entry per success, nothing forked or lost.
expect 0 pn --home "$H" ledger verify --json
equals "$(echo "$out" | jq .ok)" true "ledger verify"
ENTRIES=$(echo "$out" | jq .entries)
equals "$ENTRIES" $((SETUP + APPENDED + CREATED)) "entries = setup $SETUP + CLI $APPENDED + 201s $CREATED"
equals "$(sqlite3 "$H/passnum.db" "SELECT count(*) FROM entries WHERE kind = 'redeem'")" "$CREATED" \
	"redeem entries"
equals "$(sqlite3 "$H/passnum.db" "SELECT count(DISTINCT reference) FROM entries WHERE
	reference LIKE 'BC-_-%' OR reference LIKE 'VIR-_-%'")" "$APPENDED" "one entry per CLI reference"
equals "$(sqlite3 "$H/passnum.db" "SELECT count(*) FROM vouchers WHERE status = 'redeemed'")" \
	"$CREATED" "redeemed passes"
equals "$(cat "$WORK"/receipts-*/*.json | jq -r .receipt.entry.seq | sort -n | uniq -d | wc -l)" 0 \
	"distinct receipt sequence numbers"
# The appenders did interleave: seq alternates between the daemon's and the
# CLI's entries many times.
SWITCHES=$(sqlite3 "$H/passnum.db" "SELECT kind = 'redeem' FROM entries WHERE seq >= $SETUP ORDER BY seq" |
	uniq | wc -l)
[ "$SWITCHES" -ge 6 ] && ok || fail "the daemon's and the CLI's entries alternate only $SWITCHES times"
CHECKPOINTS=$(sqlite3 "$H/passnum.db" "SELECT count(*) FROM checkpoints")
[ "$CHECKPOINTS" -ge 2 ] && ok || fail "the daemon made no checkpoint ($CHECKPOINTS in all)"
expect 0 pn --home "$H" ledger balances
contains "$(echo "$out" | tail -1)" "balanced"

# The independent verifier: the export, every receipt, and proofs.
pn --home "$H" ledger checkpoint >/dev/null || fail "ledger checkpoint"
pn --home "$H" ledger export --gzip --out "$WORK/ledger.jsonl.gz" >/dev/null || fail "export"
for f in "$WORK"/receipts-0/*.json; do
	seq=$(jq -r .receipt.entry.seq "$f")
	pn --home "$H" ledger proof "$seq" --size "$ENTRIES" > "$WORK/proof-$seq.json" ||
		fail "ledger proof $seq"
done
expect 0 "$NODE" "$TOOL" "$WORK/ledger.jsonl.gz" "$WORK"/receipts-*/*.json "$WORK"/proof-*.json
contains "$out" "OK: $ENTRIES entries"
contains "$out" "$CREATED receipts, $PER_CLIENT proofs verified"
# A receipt altered (its amounts, its time shown) or signed over another
# entry is refused.
f=$(ls "$WORK"/receipts-2/*.json | head -1)
jq '.receipt.entry.postings |= map(.amount *= 2)' "$f" > "$WORK/altered.json"
expect 1 "$NODE" "$TOOL" "$WORK/ledger.jsonl.gz" "$WORK/altered.json"
contains "$err" "does not match its fields"
jq --slurpfile o "$(ls "$WORK"/receipts-3/*.json | head -1)" '.receipt.signature = $o[0].receipt.signature' \
	"$f" > "$WORK/altered.json"
expect 1 "$NODE" "$TOOL" "$WORK/ledger.jsonl.gz" "$WORK/altered.json"
contains "$err" "does not verify"
jq '.receipt.entry.time = "2020-01-01T00:00:00Z"' "$f" > "$WORK/altered.json"
expect 1 "$NODE" "$TOOL" "$WORK/ledger.jsonl.gz" "$WORK/altered.json"
contains "$err" "is not time_unix"
expect 1 pn --home "$H" ledger check "$WORK/altered.json"
contains "$err" "time does not match"
# One receipt, offline with the CLI: in the first checkpoint that covers it
# (the default proof) and in the latest one.
# The receipt of the earliest redemption: its first covering checkpoint is
# an old one (a smaller tree than the latest), which the last check needs.
f=$(for r in "$WORK"/receipts-*/*.json; do echo "$(jq -r .receipt.entry.seq "$r") $r"; done |
	sort -n | head -1 | cut -d' ' -f2)
seq=$(jq -r .receipt.entry.seq "$f")
pn --home "$H" ledger proof "$seq" > "$WORK/check-proof.json" || fail "ledger proof $seq"
size=$(jq .size "$WORK/check-proof.json")
if [ "$size" -lt "$ENTRIES" ]; then ok; else fail "entry $seq's first checkpoint is the latest ($size)"; fi
gunzip -c "$WORK/ledger.jsonl.gz" | jq -j "select(.type == \"checkpoint\" and .size == $size) | .note" \
	> "$WORK/first.note"
expect 0 pn --home "$H" ledger check "$f" --proof "$WORK/check-proof.json" --checkpoint "$WORK/first.note"
contains "$out" "entry $seq is signed by the ledger key and included in the signed tree of size $size"
pn --home "$H" ledger checkpoint > "$WORK/latest.note" || fail "checkpoint note"
pn --home "$H" ledger proof "$seq" --size "$ENTRIES" > "$WORK/check-proof.json" || fail "proof"
expect 0 pn --home "$H" ledger check "$f" --proof "$WORK/check-proof.json" --checkpoint "$WORK/latest.note"
contains "$out" "included in the signed tree of size $ENTRIES"
expect 1 pn --home "$H" ledger check "$f" --proof "$WORK/check-proof.json" --checkpoint "$WORK/first.note"
one_line "$err"
echo "$CREATED redemptions and $APPENDED CLI appends in ${elapsed}s; $ENTRIES entries," \
	"$SWITCHES runs of alternating writers, $CHECKPOINTS checkpoints"
finish
