-- Schema version 5: corrections of the registry. A funder's, distributor's,
-- place's, service's or campaign's editable fields may be corrected after
-- creation (passnum VERB edit), and a payee's IBAN changed by two admins;
-- every such change is recorded here, once and for ever: what changed, from
-- what to what, who made it and when. Orders and credits need no new table:
-- their id is funder_funds.id (schema 3).

CREATE TABLE registry_changes (
	id         INTEGER PRIMARY KEY,          -- the order in which changes were made
	object     TEXT NOT NULL CHECK (object IN ('funder', 'distributor', 'place', 'service',
	               'campaign', 'payee')),     -- the kind of object changed
	object_id  INTEGER NOT NULL CHECK (object_id > 0), -- its id in its own table (funders.id, ...)
	field      TEXT NOT NULL CHECK (length(field) BETWEEN 1 AND 40), -- what changed: name, public_name, commune, services, last_day, iban, ...
	old_value  TEXT NOT NULL CHECK (length(old_value) <= 2000), -- before, as text ('' for an empty list; lists comma-separated)
	new_value  TEXT NOT NULL CHECK (length(new_value) <= 2000), -- after, in the same form
	changed_by TEXT NOT NULL CHECK (length(changed_by) BETWEEN 1 AND 100), -- 'user:NAME' (the OS user) or 'token:ID' (an admin token's id)
	changed_at INTEGER NOT NULL              -- Unix seconds, UTC
) STRICT;
CREATE INDEX registry_changes_by_object ON registry_changes (object, object_id, id);

CREATE TRIGGER registry_changes_no_update BEFORE UPDATE ON registry_changes
BEGIN SELECT RAISE(ABORT, 'registry changes are recorded once'); END;
CREATE TRIGGER registry_changes_no_delete BEFORE DELETE ON registry_changes
BEGIN SELECT RAISE(ABORT, 'registry changes are recorded once'); END;
