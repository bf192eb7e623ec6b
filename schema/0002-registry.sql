-- Schema version 2: the registry (funders, distributors, payees, places,
-- services, campaigns, bearer tokens), issued vouchers and their booklets,
-- redemptions. Conventions as in 0001: money INTEGER cents, instants INTEGER
-- Unix seconds UTC, dates INTEGER days since 1970-01-01 (local calendar days).

-- Settings of the home (key/value), e.g. checkpoint cadence, the "< 11" threshold.
CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

-- Funders: who pays for passes.
CREATE TABLE funders (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),        -- legal name
	public_name TEXT NOT NULL CHECK (length(public_name) BETWEEN 1 AND 200), -- the only name printed on passes
	siret       TEXT CHECK (siret IS NULL OR length(siret) = 14),
	created_at  INTEGER NOT NULL
) STRICT;

-- Distributors: bodies that hand booklets to people (never recording who).
CREATE TABLE distributors (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	siret      TEXT CHECK (siret IS NULL OR length(siret) = 14),
	created_at INTEGER NOT NULL
) STRICT;

-- Payees: the legal entity paid for one or more places (one SIRET, one IBAN).
CREATE TABLE payees (
	id         INTEGER PRIMARY KEY,
	siret      TEXT NOT NULL UNIQUE CHECK (length(siret) = 14),
	name       TEXT NOT NULL,                -- name of the first place registered with this SIRET
	iban       TEXT NOT NULL CHECK (length(iban) BETWEEN 15 AND 34), -- normalised, no spaces
	created_at INTEGER NOT NULL
) STRICT;

-- IBAN changes: requested by one admin token, approved by another.
CREATE TABLE payee_iban_changes (
	id           INTEGER PRIMARY KEY,
	payee_id     INTEGER NOT NULL REFERENCES payees (id),
	iban         TEXT NOT NULL CHECK (length(iban) BETWEEN 15 AND 34),
	requested_by TEXT NOT NULL,              -- admin token id
	requested_at INTEGER NOT NULL,
	approved_by  TEXT,                       -- another admin token id
	approved_at  INTEGER,
	CHECK (approved_by IS NULL OR approved_by <> requested_by)
) STRICT;

-- Places (lieux qualifiés).
CREATE TABLE places (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	payee_id    INTEGER NOT NULL REFERENCES payees (id),
	commune     TEXT NOT NULL,   -- INSEE code (an arrondissement counts towards its commune)
	department  TEXT NOT NULL,   -- derived from the commune (e.g. '93', '2A', '971')
	region      TEXT NOT NULL,   -- derived from the commune
	epci        TEXT NOT NULL,   -- SIREN of the commune's EPCI, '' when none
	time_zone   TEXT NOT NULL,   -- IANA name derived from the department
	type        TEXT NOT NULL CHECK (type IN ('epn', 'france-services', 'pimms', 'centre-social',
	                'mediatheque', 'ccas', 'association', 'other')),
	label       TEXT NOT NULL DEFAULT 'none' CHECK (label IN ('none', 'labelled', 'suspended')),
	label_until INTEGER,         -- last day of the label's validity (inclusive), Europe/Paris
	created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX places_by_payee ON places (payee_id);

-- The service catalogue: how many passes a session of each service costs.
CREATE TABLE services (
	id     INTEGER PRIMARY KEY,
	code   TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
	name   TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	passes INTEGER NOT NULL CHECK (passes BETWEEN 1 AND 10)
) STRICT;

-- The services each place offers.
CREATE TABLE place_services (
	place_id   INTEGER NOT NULL REFERENCES places (id),
	service_id INTEGER NOT NULL REFERENCES services (id),
	PRIMARY KEY (place_id, service_id)
) STRICT, WITHOUT ROWID;

-- Bearer tokens "ID.SECRET": only SHA-256(secret) is stored.
CREATE TABLE tokens (
	id          TEXT PRIMARY KEY CHECK (length(id) = 16), -- public part, 16 hex digits
	role        TEXT NOT NULL CHECK (role IN ('admin', 'funder', 'distributor', 'place')),
	subject_id  INTEGER,          -- the funder, distributor or place it acts for (NULL for admin)
	secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
	created_at  INTEGER NOT NULL,
	revoked_at  INTEGER,
	CHECK ((role = 'admin') = (subject_id IS NULL))
) STRICT;

-- Campaigns: a funder's order of passes with its rules. id is the token's campaign field.
CREATE TABLE campaigns (
	id                       INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),
	funder_id                INTEGER NOT NULL REFERENCES funders (id),
	name                     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200), -- internal; never printed nor shown to places
	value_cents              INTEGER NOT NULL CHECK (value_cents BETWEEN 1 AND 100000),
	last_day                 INTEGER NOT NULL CHECK (last_day >= 0), -- printed on passes
	tolerance_days           INTEGER NOT NULL DEFAULT 30 CHECK (tolerance_days BETWEEN 0 AND 366),
	valid_days_after_handout INTEGER CHECK (valid_days_after_handout IS NULL OR valid_days_after_handout BETWEEN 1 AND 3660),
	unused                   TEXT NOT NULL CHECK (unused IN ('credit', 'refund')),
	created_at               INTEGER NOT NULL
) STRICT;

-- A campaign's territory: empty means everywhere. A place qualifies when it
-- matches any row (its department, commune, EPCI, or its id).
CREATE TABLE campaign_territory (
	campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
	kind        TEXT NOT NULL CHECK (kind IN ('department', 'commune', 'epci', 'place')),
	code        TEXT NOT NULL,
	PRIMARY KEY (campaign_id, kind, code)
) STRICT, WITHOUT ROWID;

-- The services a campaign pays for: empty means all.
CREATE TABLE campaign_services (
	campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
	service_id  INTEGER NOT NULL REFERENCES services (id),
	PRIMARY KEY (campaign_id, service_id)
) STRICT, WITHOUT ROWID;

-- Place types a campaign refuses (e.g. places already funded for the same help).
CREATE TABLE campaign_excluded_types (
	campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
	type        TEXT NOT NULL,
	PRIMARY KEY (campaign_id, type)
) STRICT, WITHOUT ROWID;

-- Batches: vouchers issued together. Staged as 'pending', then activated with
-- the ledger entry in one short transaction.
CREATE TABLE batches (
	id           INTEGER PRIMARY KEY,
	campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
	count        INTEGER NOT NULL CHECK (count BETWEEN 1 AND 10000000),
	booklet_size INTEGER NOT NULL CHECK (booklet_size BETWEEN 1 AND 100),
	issuer_key   INTEGER NOT NULL REFERENCES issuer_keys (id),
	status       TEXT NOT NULL CHECK (status IN ('pending', 'active', 'abandoned')),
	entry_seq    INTEGER REFERENCES entries (seq), -- the ledger entry that activated it
	created_at   INTEGER NOT NULL,
	activated_at INTEGER
) STRICT;

-- Booklets (carnets): numbered from 1 across the home; printed "Carnet n° 000123".
CREATE TABLE booklets (
	id             INTEGER PRIMARY KEY,
	batch_id       INTEGER NOT NULL REFERENCES batches (id),
	size           INTEGER NOT NULL,
	distributor_id INTEGER REFERENCES distributors (id), -- whose stock it is in, once delivered
	status         TEXT NOT NULL DEFAULT 'stock' CHECK (status IN ('stock', 'delivered', 'handed-out', 'returned')),
	delivered_at   INTEGER
) STRICT;
CREATE INDEX booklets_by_batch ON booklets (batch_id);

-- Hand-outs: booklet -> distributor -> day. Never who. Purged to totals
-- (handout_totals) 12 months after the campaign's last day.
CREATE TABLE handouts (
	booklet_id     INTEGER PRIMARY KEY REFERENCES booklets (id),
	distributor_id INTEGER NOT NULL REFERENCES distributors (id),
	day            INTEGER NOT NULL   -- the hand-out's local date
) STRICT;

CREATE TABLE handout_totals (
	campaign_id    INTEGER NOT NULL REFERENCES campaigns (id),
	distributor_id INTEGER NOT NULL REFERENCES distributors (id),
	period         TEXT NOT NULL,     -- YYYY-MM
	booklets       INTEGER NOT NULL CHECK (booklets >= 0),
	PRIMARY KEY (campaign_id, distributor_id, period)
) STRICT, WITHOUT ROWID;

-- Vouchers (passes). The database is the truth: a pass is redeemable only if
-- its serial is here, 'issued', and its 93 token bytes equal `token`.
-- A rowid table (id in issue order) with a unique index on the random serial:
-- issuing appends rows instead of scattering them, and only the small serial
-- index takes random inserts.
CREATE TABLE vouchers (
	id            INTEGER PRIMARY KEY,
	serial        BLOB NOT NULL UNIQUE CHECK (length(serial) = 12),
	token         BLOB NOT NULL CHECK (length(token) = 93),
	campaign_id   INTEGER NOT NULL REFERENCES campaigns (id),
	batch_id      INTEGER NOT NULL REFERENCES batches (id),
	booklet_id    INTEGER NOT NULL REFERENCES booklets (id),
	position      INTEGER NOT NULL CHECK (position >= 1),   -- "pass 3 sur 10"
	value_cents   INTEGER NOT NULL CHECK (value_cents > 0),
	last_day      INTEGER NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'redeemed', 'revoked', 'expired')),
	issued_at     INTEGER NOT NULL,    -- when it was signed (for revoked issuer keys)
	redemption_id INTEGER REFERENCES redemptions (id), -- set while redeemed
	changed_at    INTEGER              -- last status change
) STRICT;
CREATE INDEX vouchers_by_booklet ON vouchers (booklet_id, position);
CREATE INDEX vouchers_by_batch ON vouchers (batch_id);
CREATE INDEX vouchers_by_campaign_status ON vouchers (campaign_id, status);

-- Redemptions: one per accepted request (all the passes a service costs).
CREATE TABLE redemptions (
	id              INTEGER PRIMARY KEY,
	place_id        INTEGER NOT NULL REFERENCES places (id),
	service_id      INTEGER NOT NULL REFERENCES services (id),
	created_at      INTEGER NOT NULL,
	day             INTEGER NOT NULL,          -- the place's local date
	value_cents     INTEGER NOT NULL CHECK (value_cents > 0),
	entry_seq       INTEGER NOT NULL REFERENCES entries (seq),
	idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 128),
	request_hash    BLOB NOT NULL CHECK (length(request_hash) = 32), -- SHA-256 of the sorted serials and service
	response        TEXT NOT NULL,             -- the stored 201 body, replayed byte-identical
	cancelled_at    INTEGER,
	cancel_seq      INTEGER REFERENCES entries (seq),
	UNIQUE (place_id, idempotency_key)
) STRICT;
CREATE INDEX redemptions_by_place_day ON redemptions (place_id, day);

CREATE TABLE redemption_vouchers (
	redemption_id INTEGER NOT NULL REFERENCES redemptions (id),
	serial        BLOB NOT NULL REFERENCES vouchers (serial),
	PRIMARY KEY (redemption_id, serial)
) STRICT, WITHOUT ROWID;
