-- Schema version 3: funds a funder brought in (orders and credits), so that a
-- reference is recorded once per funder and kind, and bank import can match a
-- bank line to the entry that already counted it instead of counting it twice.

CREATE TABLE funder_funds (
	id          INTEGER PRIMARY KEY,
	funder_id   INTEGER NOT NULL REFERENCES funders (id),
	kind        TEXT NOT NULL CHECK (kind IN ('order', 'credit')), -- order: a commitment to pay; credit: money received
	ref         TEXT NOT NULL CHECK (length(ref) BETWEEN 1 AND 200), -- the order number or the payment's reference
	amount      INTEGER NOT NULL CHECK (amount > 0),                 -- cents
	entry_seq   INTEGER NOT NULL UNIQUE REFERENCES entries (seq),    -- the ledger entry that posted it
	created_at  INTEGER NOT NULL,                                    -- Unix seconds, UTC
	UNIQUE (funder_id, kind, ref)
) STRICT;
CREATE INDEX funder_funds_by_ref ON funder_funds (kind, ref);

CREATE TRIGGER funder_funds_no_update BEFORE UPDATE ON funder_funds
BEGIN SELECT RAISE(ABORT, 'funds are recorded once'); END;
CREATE TRIGGER funder_funds_no_delete BEFORE DELETE ON funder_funds
BEGIN SELECT RAISE(ABORT, 'funds are recorded once'); END;
