-- 0010_identity_api: what the users, categories and enterprises endpoints
-- need beyond 0003, 0005 and 0006.
--
--  * users get a version, so that a change to a user is made with
--    If-Match like every other state change (412 when stale);
--  * the service's role no longer reads password hashes: logins go
--    through login_lookup() (SECURITY DEFINER), and nothing else needs
--    them, so a bug or an injection in the service cannot dump them;
--  * a province (or anyone below it) adds its own product categories:
--    who added one is recorded, and row-level security lets the service
--    add rows only for the province of the user's region.

-- ------------------------------------------------------------------
-- Users
-- ------------------------------------------------------------------

ALTER TABLE users ADD COLUMN version integer NOT NULL DEFAULT 1
	CHECK (version >= 1);

REVOKE SELECT ON users FROM paicha_app;
GRANT SELECT (id, username, display_name, region, roles, disabled_at,
	created_at, created_by, updated_at, version) ON users TO paicha_app;
GRANT UPDATE (version) ON users TO paicha_app;

-- ------------------------------------------------------------------
-- Categories a province adds
-- ------------------------------------------------------------------

ALTER TABLE categories ADD COLUMN added_by bigint REFERENCES users;
COMMENT ON COLUMN categories.added_by IS
	'the user who added a province''s category; NULL for the seed''s ten';

-- The province (PP0000) of the current scope, or NULL for the nation and
-- for no scope at all.
CREATE FUNCTION scope_province() RETURNS char(6)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN s ~ '^[0-9]{6}$' AND s <> '000000'
	    THEN (left(s, 2) || '0000')::char(6) END
	FROM (SELECT coalesce(current_setting('paicha.region', true), '') AS s) x
$$;
GRANT EXECUTE ON FUNCTION scope_province() TO paicha_app;

ALTER TABLE categories ENABLE ROW LEVEL SECURITY;
-- Everyone reads every category (the service shows a user the national
-- ones and those of the user's own province).
CREATE POLICY categories_read ON categories FOR SELECT TO paicha_app
	USING (true);
-- A row may be added only for a province: the user's own, or, for the
-- nation's users, any (in_scope covers every code then).
CREATE POLICY categories_add ON categories FOR INSERT TO paicha_app
	WITH CHECK (province IS NOT NULL
	    AND (province = scope_province() OR in_scope(province))
	    AND added_by = scope_user());
GRANT INSERT (id, name, ord, province, added_by) ON categories TO paicha_app;
