-- Schema version 7: settlement of payees (passnum settle) and holds on
-- payees (passnum payee hold|release). Conventions as in 0001: money INTEGER
-- cents, instants INTEGER Unix seconds UTC. docs/accounting.md tells the
-- procedure; docs/ledger.md the entry kind "settle".

-- A settlement: the SEPA credit-transfer file of one period (a calendar
-- month in Europe/Paris), made once. Its ids are stored so that a reissue
-- writes the same MsgId and PmtInfId, never new ones that would pay twice.
CREATE TABLE settlements (
	id          INTEGER PRIMARY KEY,
	period      TEXT NOT NULL UNIQUE CHECK (length(period) = 7),      -- YYYY-MM: a period is settled once
	msg_id      TEXT NOT NULL UNIQUE CHECK (length(msg_id) BETWEEN 1 AND 35),  -- GrpHdr/MsgId
	pmt_inf_id  TEXT NOT NULL UNIQUE CHECK (length(pmt_inf_id) BETWEEN 1 AND 35), -- PmtInf/PmtInfId
	count       INTEGER NOT NULL CHECK (count >= 1),                   -- NbOfTxs: its payouts
	total_cents INTEGER NOT NULL CHECK (total_cents > 0),              -- CtrlSum, cents
	execution_day INTEGER NOT NULL,                                    -- ReqdExctnDt (days since 1970-01-01)
	created_at  INTEGER NOT NULL,                                      -- CreDtTm; when it was made
	created_by  TEXT NOT NULL CHECK (length(created_by) BETWEEN 1 AND 100) -- 'user:NAME'
) STRICT;

-- Payouts: one credit transfer to one payee in a settlement.
CREATE TABLE payouts (
	id            INTEGER PRIMARY KEY,
	settlement_id INTEGER NOT NULL REFERENCES settlements (id),
	payee_id      INTEGER NOT NULL REFERENCES payees (id),
	end_to_end_id TEXT NOT NULL UNIQUE CHECK (length(end_to_end_id) BETWEEN 1 AND 35), -- CdtTrfTxInf/PmtId/EndToEndId
	statement     TEXT NOT NULL UNIQUE CHECK (length(statement) BETWEEN 1 AND 35),     -- the statement's number, in the remittance text
	amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
	passes        INTEGER NOT NULL CHECK (passes >= 1),   -- passes paid for
	creditor_name TEXT NOT NULL CHECK (length(creditor_name) BETWEEN 1 AND 200), -- the payee's name when settled
	iban          TEXT NOT NULL CHECK (length(iban) BETWEEN 15 AND 34),          -- its IBAN when settled
	remittance    TEXT NOT NULL CHECK (length(remittance) BETWEEN 1 AND 140),    -- RmtInf/Ustrd, SEPA characters
	status        TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'accepted', 'rejected', 'returned')),
	entry_seq     INTEGER NOT NULL REFERENCES entries (seq), -- the "settle" entry that moved its payable
	UNIQUE (settlement_id, payee_id)
) STRICT;
CREATE INDEX payouts_by_payee ON payouts (payee_id);

-- What each payout pays: every redemption (not cancelled) is paid once.
CREATE TABLE payout_redemptions (
	redemption_id INTEGER PRIMARY KEY REFERENCES redemptions (id),
	payout_id     INTEGER NOT NULL REFERENCES payouts (id)
) STRICT;
CREATE INDEX payout_redemptions_by_payout ON payout_redemptions (payout_id);

CREATE TRIGGER settlements_no_update BEFORE UPDATE ON settlements
BEGIN SELECT RAISE(ABORT, 'a settlement is recorded once'); END;
CREATE TRIGGER settlements_no_delete BEFORE DELETE ON settlements
BEGIN SELECT RAISE(ABORT, 'a settlement is recorded once'); END;
CREATE TRIGGER payouts_fixed BEFORE UPDATE OF settlement_id, payee_id, end_to_end_id, statement,
    amount_cents, passes, creditor_name, iban, remittance, entry_seq ON payouts
BEGIN SELECT RAISE(ABORT, 'a payout''s terms never change (only its status)'); END;
CREATE TRIGGER payouts_no_delete BEFORE DELETE ON payouts
BEGIN SELECT RAISE(ABORT, 'a payout is recorded once'); END;
CREATE TRIGGER payout_redemptions_no_update BEFORE UPDATE ON payout_redemptions
BEGIN SELECT RAISE(ABORT, 'a redemption is paid once'); END;
CREATE TRIGGER payout_redemptions_no_delete BEFORE DELETE ON payout_redemptions
BEGIN SELECT RAISE(ABORT, 'a redemption is paid once'); END;

-- Holds on a payee: while one is open (released_at NULL) its payable is left
-- out of settlements and stays in its payee account.
CREATE TABLE payee_holds (
	id          INTEGER PRIMARY KEY,
	payee_id    INTEGER NOT NULL REFERENCES payees (id),
	reason      TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500), -- e.g. a pending IBAN change, a garnishment
	held_by     TEXT NOT NULL CHECK (length(held_by) BETWEEN 1 AND 100), -- 'user:NAME'
	held_at     INTEGER NOT NULL,
	released_by TEXT CHECK (released_by IS NULL OR length(released_by) BETWEEN 1 AND 100),
	released_at INTEGER,
	CHECK ((released_by IS NULL) = (released_at IS NULL))
) STRICT;
-- At most one open hold per payee.
CREATE UNIQUE INDEX payee_holds_one_open ON payee_holds (payee_id) WHERE released_at IS NULL;
CREATE TRIGGER payee_holds_release_only BEFORE UPDATE OF payee_id, reason, held_by, held_at ON payee_holds
BEGIN SELECT RAISE(ABORT, 'a hold is only ever released'); END;
CREATE TRIGGER payee_holds_no_delete BEFORE DELETE ON payee_holds
BEGIN SELECT RAISE(ABORT, 'holds are recorded once'); END;
