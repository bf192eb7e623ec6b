-- Schema version 9: a successor's takeover of a scheme (passnum takeover,
-- passnum takeover-receipt; docs/takeover.md). Conventions as in 0001: money
-- INTEGER cents, instants INTEGER Unix seconds UTC.

-- The takeover this home made (at most one, made first in a fresh home): the
-- old log it continues from (origin, size, root, its latest checkpoint and
-- the ledger key that signed the export), and its opening entries.
CREATE TABLE takeovers (
	id               INTEGER PRIMARY KEY CHECK (id = 1),
	old_origin       TEXT NOT NULL CHECK (length(old_origin) BETWEEN 1 AND 255),
	old_operator     TEXT NOT NULL,
	old_siren        TEXT NOT NULL,
	old_size         INTEGER NOT NULL CHECK (old_size >= 0),        -- entries in the exported old log
	old_root         BLOB NOT NULL CHECK (length(old_root) = 32),   -- its RFC 9162 root
	old_checkpoint   TEXT NOT NULL,                                 -- checkpoint.note, as exported
	old_ledger_key   BLOB NOT NULL CHECK (length(old_ledger_key) = 32), -- the key given out of band
	manifest_sha256  BLOB NOT NULL CHECK (length(manifest_sha256) = 32),
	first_seq        INTEGER NOT NULL REFERENCES entries (seq),     -- the first opening entry
	entries          INTEGER NOT NULL CHECK (entries >= 1),         -- opening entries made
	outstanding_cents INTEGER NOT NULL CHECK (outstanding_cents >= 0), -- passes in circulation taken on
	payables_cents   INTEGER NOT NULL CHECK (payables_cents >= 0),  -- payees' unpaid redemptions taken on
	created_at       INTEGER NOT NULL
) STRICT;

-- The old log's leaf hashes, in order: funders' checkpoints of the old log
-- are checked against them (the root at any size up to old_size).
CREATE TABLE takeover_old_leaves (
	idx  INTEGER PRIMARY KEY CHECK (idx >= 0),
	hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

-- Per campaign, what the takeover found: the passes in circulation taken on
-- (credited to its outstanding by the opening entry), and the value of the
-- passes already redeemed, revoked or expired under the old operator, which
-- never moved this ledger (ledger verify subtracts them).
CREATE TABLE takeover_campaigns (
	campaign_id    INTEGER PRIMARY KEY REFERENCES campaigns (id),
	issued_count   INTEGER NOT NULL CHECK (issued_count >= 0),
	issued_cents   INTEGER NOT NULL CHECK (issued_cents >= 0),
	redeemed_cents INTEGER NOT NULL CHECK (redeemed_cents >= 0),
	revoked_cents  INTEGER NOT NULL CHECK (revoked_cents >= 0),
	expired_cents  INTEGER NOT NULL CHECK (expired_cents >= 0)
) STRICT;

-- What each payee was owed by the old operator, taken on by the opening entry.
CREATE TABLE takeover_payables (
	payee_id   INTEGER PRIMARY KEY REFERENCES payees (id),
	owed_cents INTEGER NOT NULL CHECK (owed_cents > 0)
) STRICT;

-- Receipts of the old operator accepted after the export (a redemption made
-- there after the freeze point): each old entry once.
CREATE TABLE takeover_receipts (
	old_seq       INTEGER PRIMARY KEY CHECK (old_seq >= 0),
	redemption_id INTEGER NOT NULL UNIQUE REFERENCES redemptions (id),
	created_at    INTEGER NOT NULL
) STRICT;

-- Payees whose IBAN came from the export and was not confirmed yet: no
-- payout goes to them (they are also on hold) until `passnum payee
-- confirm-iban` removes the row.
CREATE TABLE payee_iban_unconfirmed (
	payee_id INTEGER PRIMARY KEY REFERENCES payees (id),
	since    INTEGER NOT NULL
) STRICT;

CREATE TRIGGER takeovers_no_update BEFORE UPDATE ON takeovers
BEGIN SELECT RAISE(ABORT, 'a takeover is recorded once'); END;
CREATE TRIGGER takeovers_no_delete BEFORE DELETE ON takeovers
BEGIN SELECT RAISE(ABORT, 'a takeover is recorded once'); END;
CREATE TRIGGER takeover_old_leaves_no_update BEFORE UPDATE ON takeover_old_leaves
BEGIN SELECT RAISE(ABORT, 'the old log is recorded once'); END;
CREATE TRIGGER takeover_old_leaves_no_delete BEFORE DELETE ON takeover_old_leaves
BEGIN SELECT RAISE(ABORT, 'the old log is recorded once'); END;
CREATE TRIGGER takeover_campaigns_no_update BEFORE UPDATE ON takeover_campaigns
BEGIN SELECT RAISE(ABORT, 'a takeover is recorded once'); END;
CREATE TRIGGER takeover_payables_no_update BEFORE UPDATE ON takeover_payables
BEGIN SELECT RAISE(ABORT, 'a takeover is recorded once'); END;
CREATE TRIGGER takeover_receipts_no_update BEFORE UPDATE ON takeover_receipts
BEGIN SELECT RAISE(ABORT, 'a receipt is accepted once'); END;
CREATE TRIGGER takeover_receipts_no_delete BEFORE DELETE ON takeover_receipts
BEGIN SELECT RAISE(ABORT, 'a receipt is accepted once'); END;

-- The old operator's issuer keys are imported verify-only: their file is
-- "takeover:<public key hex>", which names no secret, and such a key is
-- never active (it can never sign a pass here).
CREATE TRIGGER issuer_keys_takeover_insert BEFORE INSERT ON issuer_keys
WHEN NEW.file LIKE 'takeover:%' AND NEW.status = 'active'
BEGIN SELECT RAISE(ABORT, 'an imported issuer key is verify-only'); END;
CREATE TRIGGER issuer_keys_takeover_active BEFORE UPDATE OF status ON issuer_keys
WHEN OLD.file LIKE 'takeover:%' AND NEW.status = 'active'
BEGIN SELECT RAISE(ABORT, 'an imported issuer key is verify-only'); END;

-- A hold kept for an IBAN to confirm is released only by confirming it.
CREATE TRIGGER payee_holds_iban_unconfirmed BEFORE UPDATE OF released_at ON payee_holds
WHEN NEW.released_at IS NOT NULL
    AND EXISTS (SELECT 1 FROM payee_iban_unconfirmed u WHERE u.payee_id = OLD.payee_id)
BEGIN SELECT RAISE(ABORT, 'confirm the payee''s IBAN first (passnum payee confirm-iban)'); END;
