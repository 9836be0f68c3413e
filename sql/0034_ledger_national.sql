-- 0034_ledger_national: a province publishes every stream of its
-- ledger to the national database, not only its cases' (docs/SCALING.md
-- "Province -> national").
--
-- users and enterprises are published (0011), and their rows are the
-- projection of their streams in ledger_events (0031): without the
-- streams the national record would hold a user's roles or an
-- enterprise's region with nothing to say who changed them, and the
-- national log would cover cases only.  So ledger_events is published
-- like case_events, and on the national database its append-only guard
-- and its leaf trigger (0033) fire for the apply workers too: a history
-- rewritten on a province stops the subscription there, and the
-- national database keeps its own signed log of every province's
-- streams.  Ids do not collide: a user's or an enterprise's comes from
-- its province's range (0011); a category's stream is its id's hash,
-- and a province's own category ids must be unique nationally already.
--
-- installation_setup() runs on every start, so a province's publication
-- gains the table on its next ./run; the national database takes it up
-- with ./run subscribe PP0000 ... again (REFRESH PUBLICATION).

CREATE OR REPLACE FUNCTION province_tables()
RETURNS TABLE (name text, pub text)
LANGUAGE sql STABLE AS $$
	SELECT t.name, t.pub FROM (VALUES
		('users', 'main'), ('enterprises', 'main'),
		('cases', 'main'), ('case_events', 'main'),
		('case_deadlines', 'main'), ('activities', 'main'),
		('ledger_events', 'main'),
		('categories', 'refs')) AS t(name, pub)
	 WHERE to_regclass('public.' || t.name) IS NOT NULL
$$;

-- 0011's, and ledger_events' guard and leaf trigger for the apply
-- workers.
CREATE OR REPLACE FUNCTION national_prepare() RETURNS text
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM installation WHERE kind = 'national') THEN
		RAISE EXCEPTION 'national_prepare: run installation_setup(''000000'') first'
		USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
	ALTER TABLE users DROP CONSTRAINT IF EXISTS users_username_key;
	CREATE UNIQUE INDEX IF NOT EXISTS users_login_username ON users (username)
		WHERE password_hash IS NOT NULL;
	CREATE INDEX IF NOT EXISTS users_username ON users (username);
	ALTER TABLE enterprises DROP CONSTRAINT IF EXISTS enterprises_uscc_key;
	CREATE INDEX IF NOT EXISTS enterprises_uscc ON enterprises (uscc);
	ALTER TABLE categories DROP CONSTRAINT IF EXISTS categories_name_key;
	IF NOT EXISTS (SELECT FROM pg_constraint
	    WHERE conname = 'categories_province_name') THEN
		ALTER TABLE categories ADD CONSTRAINT categories_province_name
			UNIQUE NULLS NOT DISTINCT (province, name);
	END IF;
	-- The apply workers run as replicas do: ordinary triggers stay
	-- quiet.  The append-only guards fire for them too, so a rewrite
	-- of history on a province stops there instead of spreading.
	ALTER TABLE case_events ENABLE ALWAYS TRIGGER case_events_no_update;
	ALTER TABLE ledger_events ENABLE ALWAYS TRIGGER ledger_events_no_update;
	-- The Merkle log takes a leaf per event from a trigger: the
	-- national database keeps its own log of every province's events,
	-- of every stream.
	IF EXISTS (SELECT FROM pg_trigger WHERE tgname = 'case_events_log'
	    AND tgrelid = 'case_events'::regclass) THEN
		ALTER TABLE case_events ENABLE ALWAYS TRIGGER case_events_log;
	END IF;
	ALTER TABLE ledger_events ENABLE ALWAYS TRIGGER ledger_events_log;
	RETURN 'national database prepared';
END
$$;

-- A national database migrated now has the triggers fire for its apply
-- workers at once, not only from its next start's national_prepare():
-- an event applied in between would have no leaf.
DO $$
BEGIN
	IF EXISTS (SELECT FROM installation WHERE kind = 'national') THEN
		ALTER TABLE ledger_events ENABLE ALWAYS TRIGGER ledger_events_no_update;
		ALTER TABLE ledger_events ENABLE ALWAYS TRIGGER ledger_events_log;
	END IF;
END
$$;
