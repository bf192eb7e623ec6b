-- Schema version 12: what the reports need to keep. A returned booklet
-- loses its delivery instant in `booklets` (it is cleared so that the
-- booklet can be delivered again); the return keeps it, so that the
-- distributor report still counts the booklet among those received that
-- month. NULL for returns recorded before this version.
ALTER TABLE booklet_returns ADD COLUMN delivered_at INTEGER; -- instant the returned booklet had been delivered to distributor_id (UTC seconds)
-- When a hand-out was recorded, for the funder report's data-quality
-- indicators (hand-outs recorded late or in bulk). NULL for hand-outs
-- recorded before this version (not counted either way).
ALTER TABLE handouts ADD COLUMN created_at INTEGER; -- instant the hand-out was recorded (UTC seconds)
-- A campaign's close summary: its evaluation figures (the funder report's
-- indicators and data-quality tables for the campaign, over all its
-- hand-outs, uses up to its last day) frozen by `passnum expire` once the
-- campaign is over and before its hand-out detail is purged, signed by the
-- ledger key. Recorded once, never changed (lib/report_close.c).
CREATE TABLE campaign_summaries (
	campaign_id INTEGER PRIMARY KEY REFERENCES campaigns (id),
	figures     TEXT NOT NULL,    -- JSON: {campaign, last_use_day, first_month, indicators, data_quality}
	note        TEXT NOT NULL,    -- signed note (C2SP) whose text ends with figures
	ledger_key  INTEGER NOT NULL REFERENCES ledger_keys (id), -- the key that signed it
	created_at  INTEGER NOT NULL  -- when it was frozen (UTC seconds)
) STRICT;
CREATE TRIGGER campaign_summaries_no_update BEFORE UPDATE ON campaign_summaries
BEGIN SELECT RAISE(ABORT, 'a campaign summary is frozen'); END;
CREATE TRIGGER campaign_summaries_no_delete BEFORE DELETE ON campaign_summaries
BEGIN SELECT RAISE(ABORT, 'a campaign summary is frozen'); END;
