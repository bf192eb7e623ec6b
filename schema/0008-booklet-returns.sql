-- Schema version 8: booklet returns. A delivered booklet that goes back to
-- the operator (`passnum booklet return`, or the distributor's page: POST
-- /v1/distributors/me/returns) loses its distributor in `booklets`; this
-- table keeps who gave it back, when, and why, so that a distributor's
-- stock counts its returns. Never who it was meant for: a returned booklet
-- never went to a person.
CREATE TABLE booklet_returns (
	id             INTEGER PRIMARY KEY,
	booklet_id     INTEGER NOT NULL REFERENCES booklets (id),
	distributor_id INTEGER NOT NULL REFERENCES distributors (id),
	day            INTEGER NOT NULL,  -- the return's local date (Europe/Paris)
	reason         TEXT CHECK (reason IS NULL OR reason IN ('unused', 'lost')), -- NULL: taken back by the operator
	created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX booklet_returns_by_distributor ON booklet_returns (distributor_id, day);
