-- Schema version 13: the operator's float (passnum settle --advance-float).
-- A funder on purchase is invoiced monthly for the passes redeemed and its
-- places are paid once that invoice is paid; the operator may choose to pay
-- them before, from its own money (docs/accounting.md "The float").
-- Conventions as in 0001: money INTEGER cents, instants INTEGER Unix
-- seconds UTC. docs/ledger.md has the entry kinds "float-advance" and
-- "float-repaid".

-- What a settlement paid ahead of the funder's payment: the passes of one
-- campaign (of a funder on purchase) in one redemption, paid by one payout
-- before the invoice billing them was paid. A redemption is paid once, so
-- its passes of a campaign are advanced at most once.
CREATE TABLE float_advances (
	id            INTEGER PRIMARY KEY,
	settlement_id INTEGER NOT NULL REFERENCES settlements (id),
	payout_id     INTEGER NOT NULL REFERENCES payouts (id),
	funder_id     INTEGER NOT NULL REFERENCES funders (id),
	redemption_id INTEGER NOT NULL REFERENCES redemptions (id),
	campaign_id   INTEGER NOT NULL REFERENCES campaigns (id),
	cents         INTEGER NOT NULL CHECK (cents > 0),         -- face value of those passes
	passes        INTEGER NOT NULL CHECK (passes >= 1),
	entry_seq     INTEGER NOT NULL REFERENCES entries (seq),  -- its "float-advance" entry
	UNIQUE (redemption_id, campaign_id)
) STRICT;
CREATE INDEX float_advances_by_funder ON float_advances (funder_id);
CREATE TRIGGER float_advances_no_update BEFORE UPDATE ON float_advances
BEGIN SELECT RAISE(ABORT, 'an advance is recorded once'); END;
CREATE TRIGGER float_advances_no_delete BEFORE DELETE ON float_advances
BEGIN SELECT RAISE(ABORT, 'an advance is recorded once'); END;

-- An advance cleared: the invoice that billed its passes is paid in full.
CREATE TABLE float_clearings (
	advance_id INTEGER PRIMARY KEY REFERENCES float_advances (id),
	invoice_id INTEGER NOT NULL REFERENCES invoices (id),      -- the invoice paid
	entry_seq  INTEGER NOT NULL REFERENCES entries (seq)       -- its "float-repaid" entry
) STRICT;
CREATE TRIGGER float_clearings_no_update BEFORE UPDATE ON float_clearings
BEGIN SELECT RAISE(ABORT, 'an advance is cleared once'); END;
CREATE TRIGGER float_clearings_no_delete BEFORE DELETE ON float_clearings
BEGIN SELECT RAISE(ABORT, 'an advance is cleared once'); END;
