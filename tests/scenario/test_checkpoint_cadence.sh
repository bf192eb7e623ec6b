#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# One checkpoint cadence for the CLI and the daemon (issue 9): after its own
# writes the CLI signs a checkpoint when 10,000 entries or 60 seconds have
# passed since the latest one (settings checkpoint_every_entries and
# checkpoint_every_seconds override them); read-only verbs never do.
. "$(dirname "$0")/lib.sh"
H=$WORK/home
count() { sqlite3 "$H/passnum.db" "SELECT count(*) FROM checkpoints"; }
latest() { sqlite3 "$H/passnum.db" "SELECT max(size) FROM checkpoints"; }

export PASSNUM_NOW=2027-01-05T10:00:00Z
pn --home "$H" init --operator "Opérateur de test" --origin test.example/ledger >/dev/null || fail "init"
pn --home "$H" funder add "Département de test" >/dev/null || fail "funder add"
pn --home "$H" funder order 1 100 --ref BC-1 >/dev/null || fail "order 1"
equals "$(count) $(latest)" "1 1" "the first entry gets a checkpoint"
# 30 s later: not due.
PASSNUM_NOW=2027-01-05T10:00:30Z pn --home "$H" funder order 1 100 --ref BC-2 >/dev/null || fail "order 2"
equals "$(count)" 1 "30 s after the latest"
# 90 s after the latest (the CLI's old cadence was 300 s): due.
PASSNUM_NOW=2027-01-05T10:01:30Z pn --home "$H" funder order 1 100 --ref BC-3 >/dev/null || fail "order 3"
equals "$(count) $(latest)" "2 3" "60 s after the latest"
# A read-only verb later on writes none.
PASSNUM_NOW=2027-01-05T11:00:00Z pn --home "$H" funder order 1 100 --ref BC-4 >/dev/null || fail "order 4"
equals "$(count) $(latest)" "3 4" "an hour later"
PASSNUM_NOW=2027-01-05T11:00:01Z pn --home "$H" funder order 1 100 --ref BC-5 >/dev/null || fail "order 5"
PASSNUM_NOW=2027-01-05T12:00:00Z pn --home "$H" ledger verify >/dev/null || fail "verify"
equals "$(count) $(latest)" "3 4" "ledger verify writes no checkpoint"
# The settings: every 2 entries, an hour.
sqlite3 "$H/passnum.db" "INSERT INTO settings (name, value) VALUES ('checkpoint_every_entries', '2'),
	('checkpoint_every_seconds', '3600')" || fail "settings"
PASSNUM_NOW=2027-01-05T12:00:00Z pn --home "$H" funder order 1 100 --ref BC-6 >/dev/null || fail "order 6"
equals "$(count) $(latest)" "4 6" "two entries since the latest"
PASSNUM_NOW=2027-01-05T12:30:00Z pn --home "$H" funder order 1 100 --ref BC-7 >/dev/null || fail "order 7"
equals "$(count)" 4 "one entry, 30 minutes"
finish
