-- Schema version 14: two indexes for the funder report (issue 12,
-- lib/report_funder.c and lib/report_indicators.c; docs/benchmarks.md
-- "Reports"). No table or row changes.
-- What the report reads of a voucher's current redemption (its day, place,
-- service and when it was recorded), keyed by id: the report's one scan
-- finds each redeemed pass's redemption here, in an index a few dozen bytes
-- a row, instead of in the table's rows (each with its stored 201 answer, a
-- random page of a large file per pass). cancelled_at, always NULL here,
-- is a column too so that the index covers the report's join condition.
CREATE INDEX redemptions_current
	ON redemptions (id, day, place_id, service_id, created_at, cancelled_at)
	WHERE cancelled_at IS NULL;
-- The hand-outs in the order of their distributor and of when they were
-- recorded: the data-quality check « remises saisies en lot » counts them a
-- (distributor, 10-minute slot) at a time as it reads, without sorting
-- every hand-out in memory.
CREATE INDEX handouts_by_distributor_created ON handouts (distributor_id, created_at)
	WHERE created_at IS NOT NULL;
