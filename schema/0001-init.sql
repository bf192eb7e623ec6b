-- Schema version 1: the operator, the keys, and the ledger.
-- Applied in one transaction by lib/db.c, which then sets PRAGMA user_version = 1.
-- Conventions: money is INTEGER cents; instants are INTEGER Unix seconds (UTC);
-- dates are INTEGER days since 1970-01-01; keys and hashes are BLOBs of fixed length.

-- The operator running this home (exactly one row, written by `passnum init`).
CREATE TABLE operator (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200), -- legal name
	siren      TEXT NOT NULL CHECK (siren = '' OR length(siren) = 9), -- SIREN (9 digits), '' in a demo
	iban       TEXT NOT NULL,                  -- the operator's bank account (normalised, no spaces)
	bic        TEXT NOT NULL,                  -- its BIC (8 or 11 characters), '' when unknown
	origin     TEXT NOT NULL CHECK (length(origin) BETWEEN 1 AND 200), -- the ledger's log origin (C2SP), never changed
	created_at INTEGER NOT NULL                -- when the home was made
) STRICT;

CREATE TRIGGER operator_origin_fixed BEFORE UPDATE OF origin ON operator
BEGIN
	SELECT RAISE(ABORT, 'the ledger origin never changes');
END;
CREATE TRIGGER operator_no_delete BEFORE DELETE ON operator
BEGIN
	SELECT RAISE(ABORT, 'the operator row is never deleted');
END;

-- Issuer keys (they sign passes). Public parts only; the secret of each lives
-- in HOME/keys/<file>, mode 0600.
CREATE TABLE issuer_keys (
	id             INTEGER PRIMARY KEY,
	key_id         BLOB NOT NULL CHECK (length(key_id) = 4),        -- BLAKE2b-256(public_key)[0..4]
	public_key     BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32), -- Ed25519
	status         TEXT NOT NULL CHECK (status IN ('active', 'retired', 'revoked')),
	file           TEXT NOT NULL UNIQUE,        -- secret key file name under HOME/keys/
	created_at     INTEGER NOT NULL,
	retired_at     INTEGER,                     -- when it stopped signing (rotation or revocation)
	compromised_at INTEGER,                     -- revoked keys: passes issued from then on are refused
	CHECK ((status = 'revoked') = (compromised_at IS NOT NULL))
) STRICT;
CREATE INDEX issuer_keys_by_key_id ON issuer_keys (key_id);
-- At most one active issuer key.
CREATE UNIQUE INDEX issuer_keys_one_active ON issuer_keys (status) WHERE status = 'active';
CREATE TRIGGER issuer_keys_public_fixed BEFORE UPDATE OF public_key, key_id, file, created_at ON issuer_keys
BEGIN
	SELECT RAISE(ABORT, 'a key''s public part never changes');
END;
CREATE TRIGGER issuer_keys_no_delete BEFORE DELETE ON issuer_keys
BEGIN
	SELECT RAISE(ABORT, 'keys are never deleted');
END;

-- Ledger keys (they sign checkpoints and receipts). The signed-note key name is
-- the operator's origin; key_id is SHA-256(name ‖ "\n" ‖ 0x01 ‖ public_key)[0..4].
CREATE TABLE ledger_keys (
	id             INTEGER PRIMARY KEY,
	key_id         BLOB NOT NULL CHECK (length(key_id) = 4),
	public_key     BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32),
	status         TEXT NOT NULL CHECK (status IN ('active', 'retired', 'revoked')),
	file           TEXT NOT NULL UNIQUE,
	created_at     INTEGER NOT NULL,
	retired_at     INTEGER,
	compromised_at INTEGER,
	CHECK ((status = 'revoked') = (compromised_at IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX ledger_keys_one_active ON ledger_keys (status) WHERE status = 'active';
CREATE TRIGGER ledger_keys_public_fixed BEFORE UPDATE OF public_key, key_id, file, created_at ON ledger_keys
BEGIN
	SELECT RAISE(ABORT, 'a key''s public part never changes');
END;
CREATE TRIGGER ledger_keys_no_delete BEFORE DELETE ON ledger_keys
BEGIN
	SELECT RAISE(ABORT, 'keys are never deleted');
END;

-- Accounts of the chart (docs/ledger.md). `code` is self-describing and is what
-- the canonical entry encoding carries, e.g. "bank", "funder:3:balance".
CREATE TABLE accounts (
	id         INTEGER PRIMARY KEY,
	code       TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
	kind       TEXT NOT NULL,                -- the account's class in the chart (docs/ledger.md)
	owner_id   INTEGER,                      -- the funder, payee or campaign it belongs to, if any
	pcg        TEXT NOT NULL,                -- French PCG account number for the FEC export
	name       TEXT NOT NULL,                -- readable label (CompteLib / CompAuxLib)
	-- Cache of SUM(postings.amount), checked by ledger verify. Bounded so that
	-- balance + amount (|amount| <= 2^53) can never overflow int64.
	balance    INTEGER NOT NULL DEFAULT 0 CHECK (balance BETWEEN -4611686018427387904 AND 4611686018427387904),
	min_zero   INTEGER NOT NULL CHECK (min_zero IN (0, 1)), -- 1: a debit balance may never go below zero
	max_zero   INTEGER NOT NULL CHECK (max_zero IN (0, 1)), -- 1: a credit balance may never go above zero
	CHECK (min_zero = 0 OR balance >= 0),
	CHECK (max_zero = 0 OR balance <= 0)
) STRICT;

-- Journal entries: seq is also the Merkle leaf index. Append-only.
CREATE TABLE entries (
	seq        INTEGER PRIMARY KEY CHECK (seq >= 0),
	time       INTEGER NOT NULL,               -- when it was recorded (Unix seconds, UTC)
	kind       TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 32), -- e.g. 'issue', 'redeem'
	reference  TEXT NOT NULL CHECK (length(reference) <= 200),       -- an order ref, batch, redemption id
	memo       TEXT NOT NULL CHECK (length(memo) <= 200),            -- fixed wording; never about a person
	leaf_hash  BLOB NOT NULL CHECK (length(leaf_hash) = 32)          -- RFC 9162 leaf hash of the encoding
) STRICT;

-- Postings: amount > 0 is a debit, < 0 a credit; each entry's postings sum to zero.
CREATE TABLE postings (
	entry_seq  INTEGER NOT NULL REFERENCES entries (seq),
	idx        INTEGER NOT NULL CHECK (idx >= 0),   -- order within the entry (the encoding's order)
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	amount     INTEGER NOT NULL CHECK (amount <> 0 AND amount BETWEEN -9007199254740992 AND 9007199254740992),
	PRIMARY KEY (entry_seq, idx)
) STRICT, WITHOUT ROWID;
CREATE INDEX postings_by_account ON postings (account_id, entry_seq);

-- Perfect subtree hashes of the Merkle tree: node (level, idx) covers leaves
-- [idx * 2^level, (idx + 1) * 2^level). Level 0 holds leaf hashes.
CREATE TABLE merkle_nodes (
	level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
	idx   INTEGER NOT NULL CHECK (idx >= 0),
	hash  BLOB NOT NULL CHECK (length(hash) = 32),
	PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

-- Signed checkpoints (C2SP tlog-checkpoint notes).
CREATE TABLE checkpoints (
	size       INTEGER PRIMARY KEY CHECK (size >= 0), -- tree size it commits to
	root       BLOB NOT NULL CHECK (length(root) = 32),
	note       TEXT NOT NULL,                 -- the whole signed note
	ledger_key INTEGER NOT NULL REFERENCES ledger_keys (id),
	created_at INTEGER NOT NULL
) STRICT;

CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER postings_append_only_update BEFORE UPDATE ON postings
BEGIN SELECT RAISE(ABORT, 'ledger postings are append-only'); END;
CREATE TRIGGER postings_append_only_delete BEFORE DELETE ON postings
BEGIN SELECT RAISE(ABORT, 'ledger postings are append-only'); END;
CREATE TRIGGER merkle_nodes_append_only_update BEFORE UPDATE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'Merkle nodes are append-only'); END;
CREATE TRIGGER merkle_nodes_append_only_delete BEFORE DELETE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'Merkle nodes are append-only'); END;
CREATE TRIGGER checkpoints_append_only_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_append_only_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
-- Entries are appended in sequence, with no gap.
CREATE TRIGGER entries_in_sequence BEFORE INSERT ON entries
WHEN NEW.seq <> (SELECT COALESCE(MAX(seq) + 1, 0) FROM entries)
BEGIN SELECT RAISE(ABORT, 'ledger entries must be appended in sequence'); END;
