-- Schema version 11: bank statements (passnum bank import|match|lines),
-- pain.002 status reports and payouts seen at the bank. Conventions as in 0001: money INTEGER
-- cents, instants INTEGER Unix seconds UTC, days INTEGER days since
-- 1970-01-01. docs/accounting.md tells the procedure and the matching rules;
-- docs/ledger.md the entry kinds bank-*.

-- A statement (camt.053, CFONB 120, CSV) or a notification (camt.054) as
-- imported, once: identified by its account and its own id where the
-- format has one (camt Stmt/Id with ElctrncSeqNb), else a hash of its
-- content (CFONB 120).
CREATE TABLE bank_statements (
	id            INTEGER PRIMARY KEY,
	account       TEXT NOT NULL CHECK (account IN ('funds', 'operating')), -- which of the operator's two accounts
	iban          TEXT NOT NULL CHECK (length(iban) BETWEEN 15 AND 34),
	format        TEXT NOT NULL CHECK (format IN ('camt.053', 'camt.054', 'cfonb120', 'csv')),
	version       TEXT NOT NULL CHECK (length(version) BETWEEN 1 AND 40),  -- "camt.053.001.08", "cfonb120", "passnum-bank-csv-v1"
	ident         TEXT NOT NULL CHECK (length(ident) BETWEEN 1 AND 120),   -- Stmt/Id/ElctrncSeqNb, or "sha256:<hex>"
	opening_cents INTEGER,            -- NULL for a notification (camt.054)
	closing_cents INTEGER,
	opening_day   INTEGER,
	closing_day   INTEGER,
	line_count    INTEGER NOT NULL CHECK (line_count >= 0),
	file_sha256   TEXT NOT NULL CHECK (length(file_sha256) = 64),
	imported_at   INTEGER NOT NULL,
	imported_by   TEXT NOT NULL CHECK (length(imported_by) BETWEEN 1 AND 100),
	UNIQUE (iban, format, ident)
) STRICT;

-- The lines of a statement, in their order. kind says how each was posted:
-- payout-batch, payout (one transfer), return, receipt (a funder's payment
-- of its orders), tied (money already counted by `funder credit`: no new
-- posting), charges, suspense (471, listed until matched by hand), detail
-- (a camt.054 line: never posted, it details a movement a statement posts).
CREATE TABLE bank_lines (
	id             INTEGER PRIMARY KEY,
	statement_id   INTEGER NOT NULL REFERENCES bank_statements (id),
	idx            INTEGER NOT NULL CHECK (idx >= 1),
	booking_day    INTEGER NOT NULL,
	value_day      INTEGER NOT NULL,
	amount_cents   INTEGER NOT NULL CHECK (amount_cents <> 0), -- + credit on the account (money in), - debit
	bank_ref       TEXT NOT NULL CHECK (length(bank_ref) <= 70),
	end_to_end_id  TEXT NOT NULL CHECK (length(end_to_end_id) <= 35),
	pmt_inf_id     TEXT NOT NULL CHECK (length(pmt_inf_id) <= 35),
	remittance     TEXT NOT NULL CHECK (length(remittance) <= 500),
	counterparty   TEXT NOT NULL CHECK (length(counterparty) <= 140),
	code           TEXT NOT NULL CHECK (length(code) <= 40),     -- bank transaction code
	kind           TEXT NOT NULL CHECK (kind IN ('payout-batch', 'payout', 'return', 'receipt',
	               'tied', 'charges', 'suspense', 'detail')),
	settlement_id  INTEGER REFERENCES settlements (id),
	payout_id      INTEGER REFERENCES payouts (id),
	funder_id      INTEGER REFERENCES funders (id),
	entry_seq      INTEGER REFERENCES entries (seq),           -- the entry that posted it (NULL: detail)
	UNIQUE (statement_id, idx)
) STRICT;
CREATE INDEX bank_lines_by_entry ON bank_lines (entry_seq);

-- Lines resolved by hand (passnum bank match): the entry that moved them
-- out of suspense. A line is resolved once; the line itself never changes.
CREATE TABLE bank_matches (
	line_id     INTEGER PRIMARY KEY REFERENCES bank_lines (id),
	target      TEXT NOT NULL CHECK (target IN ('payout', 'funder', 'invoice', 'charges', 'sweep')),
	target_id   TEXT NOT NULL CHECK (length(target_id) BETWEEN 1 AND 40),
	entry_seq   INTEGER NOT NULL REFERENCES entries (seq),
	matched_by  TEXT NOT NULL CHECK (length(matched_by) BETWEEN 1 AND 100),
	matched_at  INTEGER NOT NULL
) STRICT;

-- Payouts the bank debited (by one line, per transfer or as a batch), and
-- those it returned afterwards.
CREATE TABLE payout_debits (
	payout_id   INTEGER PRIMARY KEY REFERENCES payouts (id),
	line_id     INTEGER NOT NULL REFERENCES bank_lines (id),
	returned_line_id INTEGER REFERENCES bank_lines (id)
) STRICT;

-- Returned payouts carried into a later settlement: a returned payout's
-- amount is owed to its payee again (its payable), and the first payout to
-- that payee after it (once any hold is released) pays it, beside the
-- redemptions not yet paid. Each returned payout is carried once.
CREATE TABLE payout_carries (
	returned_payout_id INTEGER PRIMARY KEY REFERENCES payouts (id),
	payout_id          INTEGER NOT NULL REFERENCES payouts (id)    -- the payout that pays it again
) STRICT;
CREATE INDEX payout_carries_by_payout ON payout_carries (payout_id);
CREATE TRIGGER payout_carries_no_update BEFORE UPDATE ON payout_carries
BEGIN SELECT RAISE(ABORT, 'a returned payout is carried once'); END;
CREATE TRIGGER payout_carries_no_delete BEFORE DELETE ON payout_carries
BEGIN SELECT RAISE(ABORT, 'a returned payout is carried once'); END;

-- pain.002 status reports, once each (by their MsgId), and what they said.
-- A rejected payout stays "rejected" until a statement shows the bank
-- debited it (settle --reissue writes it again with the same ids and
-- records nothing).
CREATE TABLE bank_status_reports (
	id          INTEGER PRIMARY KEY,
	msg_id      TEXT NOT NULL UNIQUE CHECK (length(msg_id) BETWEEN 1 AND 35),
	orig_msg_id TEXT NOT NULL CHECK (length(orig_msg_id) BETWEEN 1 AND 35),
	version     TEXT NOT NULL CHECK (length(version) BETWEEN 1 AND 40),
	accepted    INTEGER NOT NULL CHECK (accepted >= 0),
	rejected    INTEGER NOT NULL CHECK (rejected >= 0),
	file_sha256 TEXT NOT NULL CHECK (length(file_sha256) = 64),
	imported_at INTEGER NOT NULL,
	imported_by TEXT NOT NULL CHECK (length(imported_by) BETWEEN 1 AND 100)
) STRICT;

CREATE TRIGGER bank_statements_no_update BEFORE UPDATE ON bank_statements
BEGIN SELECT RAISE(ABORT, 'a statement is imported once'); END;
CREATE TRIGGER bank_statements_no_delete BEFORE DELETE ON bank_statements
BEGIN SELECT RAISE(ABORT, 'a statement is imported once'); END;
CREATE TRIGGER bank_lines_no_update BEFORE UPDATE ON bank_lines
BEGIN SELECT RAISE(ABORT, 'a bank line never changes (bank match records an entry)'); END;
CREATE TRIGGER bank_lines_no_delete BEFORE DELETE ON bank_lines
BEGIN SELECT RAISE(ABORT, 'a bank line never changes (bank match records an entry)'); END;
CREATE TRIGGER bank_matches_no_update BEFORE UPDATE ON bank_matches
BEGIN SELECT RAISE(ABORT, 'a line is matched once'); END;
CREATE TRIGGER bank_matches_no_delete BEFORE DELETE ON bank_matches
BEGIN SELECT RAISE(ABORT, 'a line is matched once'); END;
CREATE TRIGGER payout_debits_return_only BEFORE UPDATE OF payout_id, line_id ON payout_debits
BEGIN SELECT RAISE(ABORT, 'a debit is recorded once (only its return is added)'); END;
CREATE TRIGGER payout_debits_no_delete BEFORE DELETE ON payout_debits
BEGIN SELECT RAISE(ABORT, 'a debit is recorded once'); END;
CREATE TRIGGER bank_status_reports_no_update BEFORE UPDATE ON bank_status_reports
BEGIN SELECT RAISE(ABORT, 'a status report is imported once'); END;
CREATE TRIGGER bank_status_reports_no_delete BEFORE DELETE ON bank_status_reports
BEGIN SELECT RAISE(ABORT, 'a status report is imported once'); END;
