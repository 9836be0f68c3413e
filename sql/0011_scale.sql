-- 0011_scale: what running beyond one machine needs of the schema
-- (docs/SCALING.md).
--
--  1. Read replicas: a read right after one's own write must see it.
--     Each session remembers the primary's WAL position after its last
--     write; a replica serves the session's reads only once it has
--     replayed that far (the service compares, fcgi/db.c).
--  2. Province -> national: every installation that feeds the national
--     database hands out ids from its own range, so that the national
--     copy keeps the provinces' ids (the hash chains include them) and
--     no two provinces' rows can collide.  ./run calls
--     installation_setup() with PAICHA_PROVINCE (or national), then
--     national_prepare() on the national database.
--
-- Ids: province PP0000 (PP = 11 .. 65) takes [PP * 10^13 + 1,
-- (PP + 1) * 10^13]; the nation (000000) takes [1, 10^13].  Ten trillion
-- ids per province; the largest id, 6.6 * 10^14, stays below 2^53 so a
-- JavaScript client reads every id exactly.  The id says its province:
-- 110000000000042 is Beijing's case 42.

-- ------------------------------------------------------------------
-- 1. Read your own writes
-- ------------------------------------------------------------------

-- The primary's flushed WAL position right after this session's last
-- committed write; NULL: it never wrote.
ALTER TABLE sessions ADD COLUMN wrote_lsn pg_lsn;

-- As 0005's, and also the session's wrote_lsn and the primary's flushed
-- WAL position now: a replica that has replayed past the latter has
-- everything committed before this request began.
DROP FUNCTION session_open(bytea, integer);
CREATE FUNCTION session_open(token bytea, idle_s integer)
RETURNS TABLE (session_id bigint, id bigint, username text,
    display_name text, region char(6), roles text[], wrote_lsn pg_lsn,
    primary_lsn pg_lsn)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s	sessions%ROWTYPE;
	u	users%ROWTYPE;
BEGIN
	PERFORM set_config('paicha.region', '', false);
	PERFORM set_config('paicha.user_id', '', false);
	SELECT * INTO s FROM sessions
	 WHERE token_hash = token AND ended_at IS NULL AND expires_at > now()
	   AND last_seen > now() - make_interval(secs => idle_s);
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT * INTO u FROM users WHERE users.id = s.user_id
	   AND disabled_at IS NULL;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF s.last_seen < now() - make_interval(secs => least(30, idle_s / 10.0)) THEN
		UPDATE sessions SET last_seen = now() WHERE sessions.id = s.id;
	END IF;
	PERFORM set_config('paicha.region', u.region, false);
	PERFORM set_config('paicha.user_id', u.id::text, false);
	session_id := s.id;
	id := u.id;
	username := u.username;
	display_name := u.display_name;
	region := u.region;
	roles := u.roles;
	wrote_lsn := s.wrote_lsn;
	primary_lsn := pg_current_wal_flush_lsn();
	RETURN NEXT;
END
$$;

-- Called after a write committed: everything this session wrote lies
-- at or before the flushed position now.
CREATE FUNCTION session_wrote(sid bigint) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE sessions SET wrote_lsn = pg_current_wal_flush_lsn() WHERE id = sid
$$;

REVOKE ALL ON FUNCTION session_open(bytea, integer), session_wrote(bigint)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_open(bytea, integer), session_wrote(bigint)
	TO paicha_app;

-- Only users with a password log in.  Everywhere but the national copy
-- that is every user; there, the provinces' users arrive without their
-- password hashes (they are not published) and share usernames.
CREATE OR REPLACE FUNCTION login_lookup(name text)
RETURNS TABLE (id bigint, password_hash text, username text,
    display_name text, region char(6), roles text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT id, password_hash, username, display_name, region, roles
	  FROM users WHERE username = name AND disabled_at IS NULL
	   AND password_hash IS NOT NULL
$$;

-- ------------------------------------------------------------------
-- 2. Which installation this is
-- ------------------------------------------------------------------

CREATE TABLE installation (
	one		boolean PRIMARY KEY DEFAULT true CHECK (one),
	kind		text NOT NULL CHECK (kind IN ('province', 'national')),
	region		char(6) NOT NULL REFERENCES regions,
	id_lo		bigint NOT NULL,
	id_hi		bigint NOT NULL,
	set_at		timestamptz NOT NULL DEFAULT now(),
	CHECK ((kind = 'national') = (region = '000000')),
	CHECK (region LIKE '__0000')
);
COMMENT ON TABLE installation IS
	'set once by ./run (installation_setup): a province feeding the national database, or the national database itself';
GRANT SELECT ON installation TO paicha_app;

-- The tables a province publishes to the national database, each with
-- what it needs: users without their password hashes, and of the
-- categories only a province's own (the seed's ten every installation
-- has from 0003).  A table a later migration adds joins the list here
-- (0009's activities already: the function skips a table that does not
-- exist yet, and ./run calls it again on every start).
CREATE FUNCTION province_tables()
RETURNS TABLE (name text, pub text)
LANGUAGE sql STABLE AS $$
	SELECT t.name, t.pub FROM (VALUES
		('users', 'main'), ('enterprises', 'main'),
		('cases', 'main'), ('case_events', 'main'),
		('case_deadlines', 'main'), ('activities', 'main'),
		('categories', 'refs')) AS t(name, pub)
	 WHERE to_regclass('public.' || t.name) IS NOT NULL
$$;

-- The id range of region `code`'s province (the nation: range 0).
CREATE FUNCTION id_range(code char(6), OUT lo bigint, OUT hi bigint)
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT left(code, 2)::bigint * 10000000000000 + 1,
	    (left(code, 2)::bigint + 1) * 10000000000000
$$;

-- Make this database province `code` (PP0000) or, with '000000', the
-- national one: every sequence of the schema hands out ids from the
-- range only, and a province publishes its records.  Safe to call again
-- with the same code (./run does, on every start: a sequence or a
-- published table added since gets the same treatment); refuses another
-- code, and refuses when a sequence already handed out an id outside
-- the range (those rows could collide nationally: renumbering them is
-- not something to do quietly).
CREATE FUNCTION installation_setup(code char(6)) RETURNS text
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
	inst	installation%ROWTYPE;
	r	record;
	k	text := CASE WHEN code = '000000' THEN 'national' ELSE 'province' END;
	lo	bigint;
	hi	bigint;
	cols	text;
	main	text;
	changed	integer := 0;
	have	boolean;
BEGIN
	IF code IS NULL OR code !~ '^[1-9][0-9]0000$' AND code <> '000000'
	   OR NOT EXISTS (SELECT FROM regions WHERE regions.code = installation_setup.code
	       AND level IN (0, 1)) THEN
		RAISE EXCEPTION 'installation_setup: % is not a province (PP0000) or 000000', code
		USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO inst FROM installation;
	have := FOUND;
	IF have AND (inst.region <> code OR inst.kind <> k) THEN
		RAISE EXCEPTION 'installation_setup: this database is already % %; it cannot become % %',
		    inst.kind, inst.region, k, code
		USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	SELECT * INTO lo, hi FROM id_range(code);
	IF NOT have THEN
		INSERT INTO installation (kind, region, id_lo, id_hi)
		VALUES (k, code, lo, hi);
	END IF;

	FOR r IN SELECT s.schemaname, s.sequencename, s.last_value,
	    s.min_value, s.max_value
	    FROM pg_sequences s WHERE s.schemaname = 'public'
	LOOP
		CONTINUE WHEN r.min_value = lo AND r.max_value = hi;
		IF r.last_value IS NOT NULL AND r.last_value NOT BETWEEN lo AND hi THEN
			RAISE EXCEPTION 'installation_setup: sequence % already handed out id %, outside %''s range % .. %',
			    r.sequencename, r.last_value, code, lo, hi
			USING ERRCODE = 'object_not_in_prerequisite_state',
			      HINT = 'set PAICHA_PROVINCE on the first ./run of an installation';
		END IF;
		IF r.last_value IS NULL THEN
			EXECUTE format('ALTER SEQUENCE %I.%I MINVALUE %s MAXVALUE %s START WITH %s RESTART WITH %s NO CYCLE',
			    r.schemaname, r.sequencename, lo, hi, lo, lo);
		ELSE
			EXECUTE format('ALTER SEQUENCE %I.%I MINVALUE %s MAXVALUE %s START WITH %s NO CYCLE',
			    r.schemaname, r.sequencename, lo, hi, lo);
		END IF;
		changed := changed + 1;
	END LOOP;

	IF k = 'national' THEN
		RETURN format('national database: ids %s .. %s, %s sequences set', lo, hi, changed);
	END IF;

	-- The publications.  paicha_repl (made by ./run, REPLICATION and
	-- BYPASSRLS so that the initial copy sees every row) reads them.
	SELECT string_agg(format('%I', t.name), ', ' ORDER BY t.name)
	  INTO main FROM province_tables() t WHERE t.pub = 'main'
	   AND t.name <> 'users';
	SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum)
	  INTO cols FROM pg_attribute a
	 WHERE a.attrelid = 'public.users'::regclass AND a.attnum > 0
	   AND NOT a.attisdropped AND a.attname <> 'password_hash';
	main := main || format(', users (%s)', cols);
	-- Inserts and updates only: what a province deletes or truncates
	-- stays in the national record.
	IF EXISTS (SELECT FROM pg_publication WHERE pubname = 'paicha_province') THEN
		EXECUTE 'ALTER PUBLICATION paicha_province SET TABLE ' || main;
	ELSE
		EXECUTE 'CREATE PUBLICATION paicha_province FOR TABLE ' || main
		    || ' WITH (publish = ''insert, update'')';
	END IF;
	-- A row filter needs its columns in the replica identity for
	-- updates: categories publish inserts only (no one updates them).
	IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'paicha_province_refs') THEN
		CREATE PUBLICATION paicha_province_refs
			FOR TABLE categories WHERE (province IS NOT NULL)
			WITH (publish = 'insert');
	END IF;

	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'paicha_repl') THEN
		GRANT USAGE ON SCHEMA public TO paicha_repl;
		FOR r IN SELECT t.name FROM province_tables() t WHERE t.name <> 'users' LOOP
			EXECUTE format('GRANT SELECT ON %I TO paicha_repl', r.name);
		END LOOP;
		EXECUTE format('GRANT SELECT (%s) ON users TO paicha_repl', cols);
	END IF;
	RETURN format('province %s: ids %s .. %s, %s sequences set, publishing %s',
	    code, lo, hi, changed, main);
END
$$;

-- What the national database changes of the schema to hold every
-- province's rows.  Unique only within a province, not nationally:
-- usernames (each province names its own staff) and an enterprise's
-- code (two provinces may each have registered it), and a province's
-- category names.  Users arrive without password hashes: only the
-- national database's own users (with one) log in there, and their
-- usernames stay unique among themselves.  Safe to call again.
CREATE FUNCTION national_prepare() RETURNS text
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
	-- quiet.  The append-only guard fires for them too, so a rewrite
	-- of history on a province stops there instead of spreading.
	ALTER TABLE case_events ENABLE ALWAYS TRIGGER case_events_no_update;
	-- 0008's Merkle log takes a leaf per event from a trigger: the
	-- national database keeps its own log of every province's events.
	IF EXISTS (SELECT FROM pg_trigger WHERE tgname = 'case_events_log'
	    AND tgrelid = 'case_events'::regclass) THEN
		ALTER TABLE case_events ENABLE ALWAYS TRIGGER case_events_log;
	END IF;
	RETURN 'national database prepared';
END
$$;

REVOKE ALL ON FUNCTION province_tables(), id_range(char), installation_setup(char),
	national_prepare() FROM PUBLIC;
