-- Schema version 9: what the reports need to keep. A returned booklet
-- loses its delivery instant in `booklets` (it is cleared so that the
-- booklet can be delivered again); the return keeps it, so that the
-- distributor report still counts the booklet among those received that
-- month. NULL for returns recorded before this version.
ALTER TABLE booklet_returns ADD COLUMN delivered_at INTEGER; -- instant the returned booklet had been delivered to distributor_id (UTC seconds)
-- When a hand-out was recorded, for the funder report's data-quality
-- indicators (hand-outs recorded late or in bulk). NULL for hand-outs
-- recorded before this version (not counted either way).
ALTER TABLE handouts ADD COLUMN created_at INTEGER; -- instant the hand-out was recorded (UTC seconds)
