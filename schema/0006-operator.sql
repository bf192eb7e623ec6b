-- Schema version 6: the operator's full identity (passnum operator show|set),
-- needed by invoices, SEPA files and the FEC; every change recorded with who
-- and when; the first FEC export recorded, after which the SIREN (the FEC's
-- file name and the books' owner) never changes. Also: the chart's account
-- labels of older homes get their accents back (« TVA collectée »); labels
-- are not part of any hashed or signed encoding.

ALTER TABLE operator ADD COLUMN address TEXT NOT NULL DEFAULT ''
	CHECK (length(address) <= 300);         -- postal address, one line ('' unknown)
ALTER TABLE operator ADD COLUMN siret TEXT NOT NULL DEFAULT ''
	CHECK (siret = '' OR length(siret) = 14); -- head office's SIRET (14 digits)
ALTER TABLE operator ADD COLUMN vat_number TEXT NOT NULL DEFAULT ''
	CHECK (vat_number = '' OR length(vat_number) = 13); -- French VAT number FRkk + SIREN
ALTER TABLE operator ADD COLUMN legal_form TEXT NOT NULL DEFAULT ''
	CHECK (length(legal_form) <= 100);      -- "SAS", "association loi 1901", ...
ALTER TABLE operator ADD COLUMN capital_cents INTEGER
	CHECK (capital_cents IS NULL OR capital_cents >= 0); -- share capital, NULL unknown or none
ALTER TABLE operator ADD COLUMN rcs TEXT NOT NULL DEFAULT ''
	CHECK (length(rcs) <= 100);             -- "RCS Paris 123 456 782" ('' none: associations)
ALTER TABLE operator ADD COLUMN operating_iban TEXT NOT NULL DEFAULT ''; -- the operator's own account (fees); iban is the third-party funds account
ALTER TABLE operator ADD COLUMN fec_exported_at INTEGER; -- first FEC export (Unix seconds, UTC); NULL before

CREATE TRIGGER operator_siren_after_fec BEFORE UPDATE OF siren ON operator
	WHEN OLD.fec_exported_at IS NOT NULL AND NEW.siren IS NOT OLD.siren
BEGIN
	SELECT RAISE(ABORT, 'the SIREN never changes once a FEC was exported');
END;
CREATE TRIGGER operator_fec_exported_once BEFORE UPDATE OF fec_exported_at ON operator
	WHEN OLD.fec_exported_at IS NOT NULL AND NEW.fec_exported_at IS NOT OLD.fec_exported_at
BEGIN
	SELECT RAISE(ABORT, 'the first FEC export is recorded once');
END;

-- Changes of the operator's identity, recorded once and for ever.
CREATE TABLE operator_changes (
	id         INTEGER PRIMARY KEY,           -- the order in which changes were made
	field      TEXT NOT NULL CHECK (length(field) BETWEEN 1 AND 40), -- name, address, siren, ...
	old_value  TEXT NOT NULL CHECK (length(old_value) <= 400), -- before, as text ('' empty)
	new_value  TEXT NOT NULL CHECK (length(new_value) <= 400), -- after, in the same form
	changed_by TEXT NOT NULL CHECK (length(changed_by) BETWEEN 1 AND 100), -- 'user:NAME' or 'token:ID'
	changed_at INTEGER NOT NULL               -- Unix seconds, UTC
) STRICT;
CREATE TRIGGER operator_changes_no_update BEFORE UPDATE ON operator_changes
BEGIN SELECT RAISE(ABORT, 'operator changes are recorded once'); END;
CREATE TRIGGER operator_changes_no_delete BEFORE DELETE ON operator_changes
BEGIN SELECT RAISE(ABORT, 'operator changes are recorded once'); END;

UPDATE accounts SET name = 'Financeurs, commandes à payer' || substr(name, 30)
	WHERE name LIKE 'Financeurs, commandes a payer%';
UPDATE accounts SET name = 'Financeurs, avoirs à rembourser' || substr(name, 32)
	WHERE name LIKE 'Financeurs, avoirs a rembourser%';
UPDATE accounts SET name = 'Prestations de l''opérateur' || substr(name, 27)
	WHERE name LIKE 'Prestations de l''operateur%';
UPDATE accounts SET name = 'TVA collectée' || substr(name, 14)
	WHERE name LIKE 'TVA collectee%';
