#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# The rollback guard (issue 16, item 4): the largest checkpoint ever made
# is kept in HOME/published-checkpoint (by the CLI and by passnumd) and in
# every backup. An old backup restored after the log grew is refused by
# `passnum restore` (with --published, or the file already in the target)
# and by passnumd (smaller ledger, or another history at the published
# size); --accept-rollback REASON appends a signed `rollback` entry (no
# postings) and the ledger still verifies, exports and is checked by the
# independent verifier. A restore re-runs the purge of old hand-outs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
printf 'pass phrase for the test\n' >"$WORK/pass"

setup_home
size_of() { sed -n 2p "$1"; }
entries() { sqlite3 "$1/passnum.db" 'SELECT count(*) FROM entries'; }

# 1. The published checkpoint follows the checkpoints made.
expect 0 pn --home "$H" ledger checkpoint
N0=$(entries "$H")
equals "$(size_of "$H/published-checkpoint")" "$N0" "published after ledger checkpoint"
equals "$(cat "$H/published-checkpoint")" "$out" "the file is the note printed"
equals "$(stat -c %a "$H/published-checkpoint")" 600 "its mode"
expect 0 pn --home "$H" backup "$WORK/old.pnbk" --with-keys --passphrase-file "$WORK/pass"
expect 0 pn --home "$H" backup "$WORK/old-nokeys.pnbk"

# The log grows; passnumd publishes (a checkpoint after every entry).
pn --home "$H" funder order 1 5000 --ref BC-9 >/dev/null || fail "order"
pn --home "$H" funder order 1 6000 --ref BC-10 >/dev/null || fail "order 2"
start_daemon --checkpoint-entries 1 || { finish; exit 1; }
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier k1 "$(pass 1)")"
expect_http 201
N2=$(entries "$H")
for _ in $(seq 100); do [ "$(size_of "$H/published-checkpoint")" = "$N2" ] && break; sleep 0.05; done
equals "$(size_of "$H/published-checkpoint")" "$N2" "passnumd's checkpoint is published"
req GET /v1/ledger/checkpoint ""
contains "$body" "$(sed -n 3p "$H/published-checkpoint")" "the served checkpoint is the published one"
stop_daemon
ROOT_HEX=$(sed -n 3p "$H/published-checkpoint" | base64 -d | od -An -tx1 | tr -d ' \n')
[ "$N2" -gt "$N0" ] && ok || fail "the log grew ($N0 -> $N2)"

# 2. restore refuses the old backup when it knows of the larger checkpoint.
expect 1 pn restore "$WORK/old.pnbk" --home "$WORK/r1" --passphrase-file "$WORK/pass" \
	--published "$H/published-checkpoint"
one_line "$err"
contains "$err" "this ledger has $N0 entries but a checkpoint of $N2 was published"
contains "$err" "--accept-rollback REASON"
[ ! -e "$WORK/r1" ] && ok || fail "a refused restore left $WORK/r1"
# ... and when the target folder holds the published checkpoint of the home it replaces.
mkdir -m 700 "$WORK/r2" && cp "$H/published-checkpoint" "$WORK/r2/"
expect 1 pn restore "$WORK/old.pnbk" --home "$WORK/r2" --passphrase-file "$WORK/pass"
contains "$err" "but a checkpoint of $N2 was published"
equals "$(ls -A "$WORK/r2")" "published-checkpoint" "the target is left as it was"
# A reason that cannot be recorded is a usage error, before anything.
expect 2 pn restore "$WORK/old.pnbk" --home "$WORK/r2" --accept-rollback ""
expect 2 pn restore "$WORK/old.pnbk" --home "$WORK/r2" --accept-rollback "$(printf 'two\nlines')"
expect 2 pn restore "$WORK/old.pnbk" --home "$WORK/r2" --accept-rollback "$(printf 'x%.0s' $(seq 81))"
expect 2 pn backup "$WORK/x.pnbk" --home "$H" --accept-rollback "no"
# A backup without keys cannot sign the statement: refused, nothing left.
expect 1 pn restore "$WORK/old-nokeys.pnbk" --home "$WORK/r2" --accept-rollback "panne disque"
one_line "$err"
equals "$(ls -A "$WORK/r2")" "published-checkpoint" "the target after a keyless rollback attempt"

# 3. Accepted: the statement is in the log, signed, and everything verifies.
expect 0 pn --json restore "$WORK/old.pnbk" --home "$WORK/r2" --passphrase-file "$WORK/pass" \
	--accept-rollback "panne du disque, sauvegarde de la veille"
contains "$out" "\"rolled_back_from\":$N2"
contains "$out" "\"published_size\":$((N0 + 1))"
R=$WORK/r2
equals "$(entries "$R")" $((N0 + 1)) "the restored ledger plus the statement"
equals "$(sqlite3 "$R/passnum.db" "SELECT kind || '|' || reference FROM entries ORDER BY seq DESC LIMIT 1")" \
	"rollback|published:$N2:$ROOT_HEX" "the statement names the published size and root"
contains "$(sqlite3 "$R/passnum.db" "SELECT memo FROM entries ORDER BY seq DESC LIMIT 1")" \
	"($N2 écritures) à $N0 écritures. Motif : panne du disque, sauvegarde de la veille"
equals "$(sqlite3 "$R/passnum.db" "SELECT count(*) FROM postings WHERE entry_seq = $N0")" 0 "no postings"
equals "$(size_of "$R/published-checkpoint")" $((N0 + 1)) "the new published checkpoint covers the statement"
equals "$(sqlite3 "$R/passnum.db" 'SELECT max(size) FROM checkpoints')" $((N0 + 1)) "a checkpoint signs it"
expect 0 pn --home "$R" ledger verify
contains "$out" "OK"
expect 0 pn --home "$R" ledger export --format jsonl --out "$WORK/r2.jsonl"
if command -v node >/dev/null; then
	expect 0 node "$SRC/tools/verify-export.mjs" "$WORK/r2.jsonl"
else
	fail "node is needed for the independent verifier"
fi
expect 0 pn --home "$R" ledger export --format csv --out "$WORK/r2.csv"
expect 0 pn --home "$R" ledger proof "$N0"
H_SAVED=$H
H=$R
start_daemon || { finish; exit 1; }
req GET /v1/ledger/checkpoint ""
contains "$body" "$(sed -n 3p "$R/published-checkpoint")" "passnumd serves the rolled-back home"
stop_daemon
H=$H_SAVED

# 4. passnumd refuses a home behind its published checkpoint, and accepts
# it with --accept-rollback (the restore did not know the larger one).
expect 0 pn restore "$WORK/old.pnbk" --home "$WORK/r3" --passphrase-file "$WORK/pass"
equals "$(size_of "$WORK/r3/published-checkpoint")" "$N0" "the backup's own published checkpoint"
cp "$H/published-checkpoint" "$WORK/r3/published-checkpoint"
"$PASSNUMD_BIN" --home "$WORK/r3" --listen 127.0.0.1:0 >/dev/null 2>"$WORK/r3.err"
equals "$?" 1 "passnumd refuses a rolled-back home"
contains "$(cat "$WORK/r3.err")" "event=start_failed"
contains "$(cat "$WORK/r3.err")" "this ledger has $N0 entries but a checkpoint of $N2 was published"
equals "$(entries "$WORK/r3")" "$N0" "nothing appended by the refusal"
"$PASSNUMD_BIN" --home "$WORK/r3" --listen 127.0.0.1:0 --accept-rollback "$(printf 'bad\tone')" \
	>/dev/null 2>"$WORK/r3.err"
equals "$?" 2 "a bad reason is a usage error"
H=$WORK/r3
: >"$WORK/daemon.err"
start_daemon --accept-rollback "restauration, incident 2027-03-12" || { finish; exit 1; }
contains "$(cat "$WORK/daemon.err")" "event=rollback_accepted published_size=$N2 size=$((N0 + 1))"
stop_daemon
equals "$(sqlite3 "$H/passnum.db" "SELECT kind FROM entries ORDER BY seq DESC LIMIT 1")" rollback
expect 0 pn --home "$H" ledger verify
: >"$WORK/daemon.err"
start_daemon || { finish; exit 1; }
req GET /v1/health ""
expect_http 200
stop_daemon
# Another history at the published size: the ledger grew past it, but
# its first N2 entries are not those of the published tree.
for i in $(seq $((N2 - N0 + 1))); do pn --home "$H" funder order 1 100 --ref F-$i >/dev/null; done
[ "$(entries "$H")" -gt "$N2" ] && ok || fail "r3 grew past $N2"
cp "$H_SAVED/published-checkpoint" "$H/published-checkpoint"
"$PASSNUMD_BIN" --home "$H" --listen 127.0.0.1:0 >/dev/null 2>"$WORK/r3.err"
equals "$?" 1 "passnumd refuses a forked home"
contains "$(cat "$WORK/r3.err")" "are not those of the checkpoint published at that size"
H=$H_SAVED

# 5. A new backup carries the published checkpoint; a restore of it passes.
expect 0 pn --home "$H" --json backup "$WORK/new.pnbk"
contains "$out" "\"published_size\":$N2"
expect 0 pn restore "$WORK/new.pnbk" --home "$WORK/r4" --published "$H/published-checkpoint"
equals "$(cat "$WORK/r4/published-checkpoint")" "$(cat "$H/published-checkpoint")" "restored published checkpoint"
expect 1 pn restore "$WORK/new.pnbk" --home "$WORK/r5" --published "$WORK/nowhere"
expect 1 pn restore "$WORK/new.pnbk" --home "$WORK/r5" --published "$WORK/pass"
contains "$err" "not a checkpoint note"

# 6. A restore re-runs the purge: hand-outs purged after the backup was
# made do not come back with it.
pn --home "$H" distributor add "CCAS de test" >/dev/null || fail "distributor"
expect 0 pn --home "$H" --json batch issue --campaign 1 --count 4 --booklet 4 --out "$WORK/out3" --format csv
B=$(echo "$out" | jq -r .first_booklet)
pn --home "$H" booklet deliver "$B" --distributor 1 >/dev/null || fail "deliver"
pn --home "$H" booklet handout "$B" --distributor 1 --date 2027-03-12 >/dev/null || fail "handout"
equals "$(sqlite3 "$H/passnum.db" 'SELECT count(*) FROM handouts')" 1 "a hand-out record"
expect 0 pn --home "$H" backup "$WORK/handout.pnbk"
export PASSNUM_NOW=2028-07-01T10:00:00Z
expect 0 pn --home "$H" --json expire
contains "$out" '"handouts_purged":1'
expect 0 pn --json restore "$WORK/handout.pnbk" --home "$WORK/r6"
contains "$out" '"purged":1'
equals "$(sqlite3 "$WORK/r6/passnum.db" 'SELECT count(*) FROM handouts')" 0 "no hand-out record came back"
equals "$(sqlite3 "$WORK/r6/passnum.db" 'SELECT sum(booklets) FROM handout_totals')" 1 "its total is kept"
expect 0 pn --home "$WORK/r6" ledger verify
finish
