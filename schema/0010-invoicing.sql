-- Schema version 10: funders' legal frames, invoices and credit notes
-- (FA-YYYY-NNNNNN, AV-YYYY-NNNNNN), their statuses and payments, refunds to
-- a funder's public accountant, closed years and the accounting date of the
-- entries that need one. Conventions as in 0001: money INTEGER cents,
-- instants INTEGER Unix seconds UTC, days INTEGER days since 1970-01-01
-- (Europe/Paris). docs/accounting.md tells what each implies; docs/ledger.md
-- the entry kinds "invoice", "credit-note", "invoice-payment", "refund".

-- The funder's legal frame: purchase (a public contract: invoiced monthly
-- for the passes redeemed), mandate (CGCT L.1611-7: funds received ahead,
-- an account rendered yearly) or prepaid (money received first).
ALTER TABLE funders ADD COLUMN frame TEXT NOT NULL DEFAULT 'prepaid'
	CHECK (frame IN ('purchase', 'mandate', 'prepaid'));
-- Where the funder is established, for the VAT rate of the operator's fees.
ALTER TABLE funders ADD COLUMN vat_territory TEXT NOT NULL DEFAULT 'metropole'
	CHECK (vat_territory IN ('metropole', 'guadeloupe', 'martinique', 'reunion', 'guyane', 'mayotte'));
-- Chorus Pro: the buyer's "code service" ('' when it requires none).
ALTER TABLE funders ADD COLUMN service_code TEXT NOT NULL DEFAULT ''
	CHECK (length(service_code) <= 100);
-- Public bodies (a SIREN starting with 1 or 2) buy their passes by default.
UPDATE funders SET frame = 'purchase' WHERE substr(siret, 1, 1) IN ('1', '2');

-- Chart fix: credit notes owed back to funders are 4198 (« rabais, remises,
-- ristournes à accorder et autres avoirs à établir »), not 4191 (advances
-- received from customers). Labels and PCG numbers are not hashed.
UPDATE accounts SET pcg = '4198' WHERE kind = 'funder-credit-notes';

-- The billing terms of a campaign, one row per change (the last applies to
-- invoices made after it): the operator's fee in basis points of the face
-- value of each pass redeemed, and the VAT class of the pass (multi: a
-- multi-purpose voucher, outside the scope of VAT until redeemed; single:
-- a single-purpose voucher, taxed when issued).
CREATE TABLE campaign_terms (
	id          INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
	fee_bp      INTEGER NOT NULL CHECK (fee_bp BETWEEN 0 AND 10000),
	vat_class   TEXT NOT NULL CHECK (vat_class IN ('multi', 'single')),
	set_by      TEXT NOT NULL CHECK (length(set_by) BETWEEN 1 AND 100),
	set_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX campaign_terms_by_campaign ON campaign_terms (campaign_id, id);

-- Invoices (kind 'invoice', FA-YYYY-NNNNNN) and credit notes ('credit_note',
-- AV-YYYY-NNNNNN): one unbroken sequence per kind and year, never edited
-- or deleted. A document bears either the face value of passes (part
-- 'face', VAT category O) or the operator's fees (part 'fees'), never both.
CREATE TABLE invoices (
	id            INTEGER PRIMARY KEY,
	number        TEXT NOT NULL UNIQUE CHECK (length(number) = 14), -- FA-YYYY-NNNNNN or AV-YYYY-NNNNNN
	kind          TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
	year          INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),  -- of the issue date
	seq           INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 999999),    -- within kind and year
	part          TEXT NOT NULL CHECK (part IN ('face', 'fees')),
	funder_id     INTEGER NOT NULL REFERENCES funders (id),
	frame         TEXT NOT NULL CHECK (frame IN ('purchase', 'mandate', 'prepaid')), -- the funder's, when made
	basis         TEXT NOT NULL CHECK (basis IN ('period', 'campaign', 'order', 'credit')),
	period        TEXT NOT NULL DEFAULT '' CHECK (length(period) IN (0, 7)), -- YYYY-MM (basis period)
	campaign_id   INTEGER REFERENCES campaigns (id),   -- basis campaign
	order_ref     TEXT NOT NULL DEFAULT '' CHECK (length(order_ref) <= 200), -- basis order
	invoice_id    INTEGER REFERENCES invoices (id),    -- a credit note's invoice
	reason        TEXT NOT NULL DEFAULT '' CHECK (reason IN ('', 'error', 'rejection', 'unused')),
	issue_day     INTEGER NOT NULL,                    -- BT-2, the accounting date too
	first_day     INTEGER NOT NULL,                    -- the service's first and last days (BG-14)
	last_day      INTEGER NOT NULL,
	net_cents     INTEGER NOT NULL CHECK (net_cents >= 0),    -- BT-109, without VAT
	vat_cents     INTEGER NOT NULL CHECK (vat_cents >= 0),    -- BT-110
	total_cents   INTEGER NOT NULL CHECK (total_cents > 0 AND total_cents = net_cents + vat_cents), -- BT-112, TTC
	-- What it put on (invoice) or took off (credit note) the funder's invoiced
	-- receivable funder:<id>:invoiced: the total, or 0 when nothing was owed
	-- (an invoice already paid); a credit note's rest is owed back (4198).
	receivable_cents INTEGER NOT NULL CHECK (receivable_cents BETWEEN 0 AND total_cents),
	vat_category  TEXT NOT NULL CHECK (vat_category IN ('O', 'S', 'E')),  -- UNCL5305
	vat_rate_bp   INTEGER NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
	billing_frame TEXT NOT NULL CHECK (billing_frame IN ('A1', 'A2')),  -- Chorus Pro cadre de facturation
	service_code  TEXT NOT NULL DEFAULT '' CHECK (length(service_code) <= 100),
	engagement    TEXT NOT NULL DEFAULT '' CHECK (length(engagement) <= 50),
	xml           TEXT NOT NULL,                       -- the UBL document as issued
	entry_seq     INTEGER REFERENCES entries (seq),    -- its ledger entry (NULL: none moves money)
	created_at    INTEGER NOT NULL,
	created_by    TEXT NOT NULL CHECK (length(created_by) BETWEEN 1 AND 100),
	UNIQUE (kind, year, seq),
	CHECK ((kind = 'credit_note') = (invoice_id IS NOT NULL)),
	CHECK ((kind = 'credit_note') = (reason <> ''))
) STRICT;
CREATE INDEX invoices_by_funder ON invoices (funder_id, id);
CREATE INDEX invoices_by_invoice ON invoices (invoice_id);
-- One unbroken sequence per kind and year.
CREATE TRIGGER invoices_in_sequence BEFORE INSERT ON invoices
WHEN NEW.seq <> (SELECT COALESCE(MAX(seq), 0) + 1 FROM invoices WHERE kind = NEW.kind AND year = NEW.year)
BEGIN SELECT RAISE(ABORT, 'invoices are numbered in one unbroken sequence per year'); END;
CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices
BEGIN SELECT RAISE(ABORT, 'an invoice is never edited (a credit note corrects it)'); END;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
BEGIN SELECT RAISE(ABORT, 'an invoice is never deleted'); END;

-- The lines of a document: quantity x unit price = net.
CREATE TABLE invoice_lines (
	invoice_id  INTEGER NOT NULL REFERENCES invoices (id),
	line        INTEGER NOT NULL CHECK (line >= 1),
	campaign_id INTEGER REFERENCES campaigns (id),
	description TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 300),
	quantity    INTEGER NOT NULL CHECK (quantity >= 1),
	unit_cents  INTEGER NOT NULL CHECK (unit_cents >= 0),
	net_cents   INTEGER NOT NULL CHECK (net_cents = quantity * unit_cents),
	PRIMARY KEY (invoice_id, line)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER invoice_lines_no_update BEFORE UPDATE ON invoice_lines
BEGIN SELECT RAISE(ABORT, 'an invoice is never edited'); END;
CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines
BEGIN SELECT RAISE(ABORT, 'an invoice is never deleted'); END;

-- What an invoice bills: the passes of one campaign in one redemption, for
-- one part. A redemption's part is billed again only once the invoice that
-- billed it is cancelled in full by a credit note.
CREATE TABLE invoice_redemptions (
	invoice_id    INTEGER NOT NULL REFERENCES invoices (id),
	redemption_id INTEGER NOT NULL REFERENCES redemptions (id),
	campaign_id   INTEGER NOT NULL REFERENCES campaigns (id),
	passes        INTEGER NOT NULL CHECK (passes >= 1),
	cents         INTEGER NOT NULL CHECK (cents > 0),     -- face value of those passes
	PRIMARY KEY (invoice_id, redemption_id, campaign_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX invoice_redemptions_by_redemption ON invoice_redemptions (redemption_id);
CREATE TRIGGER invoice_redemptions_no_update BEFORE UPDATE ON invoice_redemptions
BEGIN SELECT RAISE(ABORT, 'what an invoice bills never changes'); END;
CREATE TRIGGER invoice_redemptions_no_delete BEFORE DELETE ON invoice_redemptions
BEGIN SELECT RAISE(ABORT, 'what an invoice bills never changes'); END;

-- The statuses an invoice went through on Chorus Pro (or with the funder),
-- recorded once each: the last is its status.
CREATE TABLE invoice_statuses (
	id          INTEGER PRIMARY KEY,
	invoice_id  INTEGER NOT NULL REFERENCES invoices (id),
	status      TEXT NOT NULL CHECK (status IN ('Déposée', 'Rejetée', 'Suspendue', 'Mise en paiement', 'Payée')),
	day         INTEGER NOT NULL,                     -- when it happened (Europe/Paris)
	recorded_by TEXT NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 100),
	recorded_at INTEGER NOT NULL
) STRICT;
CREATE INDEX invoice_statuses_by_invoice ON invoice_statuses (invoice_id, id);
CREATE TRIGGER invoice_statuses_no_update BEFORE UPDATE ON invoice_statuses
BEGIN SELECT RAISE(ABORT, 'an invoice status is recorded once'); END;
CREATE TRIGGER invoice_statuses_no_delete BEFORE DELETE ON invoice_statuses
BEGIN SELECT RAISE(ABORT, 'an invoice status is recorded once'); END;

-- Payments received for an invoice (invoice_record_payment).
CREATE TABLE invoice_payments (
	id           INTEGER PRIMARY KEY,
	invoice_id   INTEGER NOT NULL REFERENCES invoices (id),
	amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
	day          INTEGER NOT NULL,                    -- the bank's booking day
	bank_ref     TEXT NOT NULL CHECK (length(bank_ref) BETWEEN 1 AND 200),
	entry_seq    INTEGER NOT NULL REFERENCES entries (seq),
	created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX invoice_payments_by_invoice ON invoice_payments (invoice_id);
CREATE TRIGGER invoice_payments_no_update BEFORE UPDATE ON invoice_payments
BEGIN SELECT RAISE(ABORT, 'a payment is recorded once'); END;
CREATE TRIGGER invoice_payments_no_delete BEFORE DELETE ON invoice_payments
BEGIN SELECT RAISE(ABORT, 'a payment is recorded once'); END;

-- Refunds of credit notes to a public funder's accountant (passnum refund):
-- a SEPA credit transfer quoting the funder's titre de recettes.
CREATE TABLE refunds (
	id            INTEGER PRIMARY KEY,
	funder_id     INTEGER NOT NULL REFERENCES funders (id),
	titre         TEXT NOT NULL CHECK (length(titre) BETWEEN 1 AND 100), -- the titre de recettes' reference
	iban          TEXT NOT NULL CHECK (length(iban) BETWEEN 15 AND 34),
	creditor_name TEXT NOT NULL CHECK (length(creditor_name) BETWEEN 1 AND 200),
	amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
	msg_id        TEXT NOT NULL UNIQUE CHECK (length(msg_id) BETWEEN 1 AND 35),
	pmt_inf_id    TEXT NOT NULL UNIQUE CHECK (length(pmt_inf_id) BETWEEN 1 AND 35),
	end_to_end_id TEXT NOT NULL UNIQUE CHECK (length(end_to_end_id) BETWEEN 1 AND 35),
	remittance    TEXT NOT NULL CHECK (length(remittance) BETWEEN 1 AND 140),
	execution_day INTEGER NOT NULL,
	entry_seq     INTEGER NOT NULL REFERENCES entries (seq),
	created_at    INTEGER NOT NULL,
	created_by    TEXT NOT NULL CHECK (length(created_by) BETWEEN 1 AND 100),
	UNIQUE (funder_id, titre)
) STRICT;
CREATE TRIGGER refunds_no_update BEFORE UPDATE ON refunds
BEGIN SELECT RAISE(ABORT, 'a refund is recorded once'); END;
CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds
BEGIN SELECT RAISE(ABORT, 'a refund is recorded once'); END;

-- Closed (locked) fiscal years: nothing is posted into them any more.
CREATE TABLE closed_years (
	year      INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 9999),
	closed_at INTEGER NOT NULL,
	closed_by TEXT NOT NULL CHECK (length(closed_by) BETWEEN 1 AND 100)
) STRICT;
CREATE TRIGGER closed_years_no_update BEFORE UPDATE ON closed_years
BEGIN SELECT RAISE(ABORT, 'a closed year stays closed'); END;
CREATE TRIGGER closed_years_no_delete BEFORE DELETE ON closed_years
BEGIN SELECT RAISE(ABORT, 'a closed year stays closed'); END;

-- The accounting date of an entry when it is not the Paris day of its
-- recording time (docs/ledger.md "Accounting dates"): recorded once, beside
-- the hashed entry, never inside a closed year.
CREATE TABLE entry_dates (
	entry_seq INTEGER PRIMARY KEY REFERENCES entries (seq),
	day       INTEGER NOT NULL                     -- days since 1970-01-01, Europe/Paris
) STRICT;
CREATE TRIGGER entry_dates_no_update BEFORE UPDATE ON entry_dates
BEGIN SELECT RAISE(ABORT, 'an accounting date is recorded once'); END;
CREATE TRIGGER entry_dates_no_delete BEFORE DELETE ON entry_dates
BEGIN SELECT RAISE(ABORT, 'an accounting date is recorded once'); END;
CREATE TRIGGER entry_dates_open_year BEFORE INSERT ON entry_dates
WHEN EXISTS (SELECT 1 FROM closed_years
             WHERE year = CAST(strftime('%Y', NEW.day * 86400, 'unixepoch') AS INTEGER))
BEGIN SELECT RAISE(ABORT, 'this fiscal year is closed: nothing is posted into it'); END;
