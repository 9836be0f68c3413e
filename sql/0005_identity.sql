-- 0005_identity: users, sessions, login throttling, and the region scope
-- every row-level security policy uses.
--
-- The service (paicha_app) never reads the users or sessions tables
-- directly for authentication: it calls the SECURITY DEFINER functions
-- below, which run as the owner.  Everything else it does on users goes
-- through row-level security scoped to paicha.region, which the service
-- sets from the session -- never from the request.

-- ------------------------------------------------------------------
-- The scope of the current request
-- ------------------------------------------------------------------

-- The range of region codes the current user may see: [scope_lo, scope_hi).
-- An unset or malformed paicha.region gives an empty range.  bpchar, like
-- the char(6) columns, so that a comparison can use their indexes.
CREATE FUNCTION scope_lo() RETURNS bpchar
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN s ~ '^[0-9]{6}$' THEN region_lo(s::char(6))
	    ELSE 'z'::bpchar END
	FROM (SELECT coalesce(current_setting('paicha.region', true), '') AS s) x
$$;

CREATE FUNCTION scope_hi() RETURNS bpchar
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN s ~ '^[0-9]{6}$' THEN region_hi(s::char(6))
	    ELSE 'a'::bpchar END
	FROM (SELECT coalesce(current_setting('paicha.region', true), '') AS s) x
$$;

-- Whether `code` is inside the current scope.
CREATE FUNCTION in_scope(code char(6)) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT code >= scope_lo() AND code < scope_hi()
$$;

-- The acting user's id, or NULL.
CREATE FUNCTION scope_user() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT nullif(current_setting('paicha.user_id', true), '')::bigint
$$;

GRANT EXECUTE ON FUNCTION scope_lo(), scope_hi(), in_scope(char), scope_user()
	TO paicha_app;

-- ------------------------------------------------------------------
-- Users
-- ------------------------------------------------------------------

CREATE TABLE users (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	username	text NOT NULL UNIQUE
			CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
	display_name	text NOT NULL
			CHECK (length(display_name) BETWEEN 1 AND 100),
	region		char(6) NOT NULL REFERENCES regions,
	roles		text[] NOT NULL
			CHECK (cardinality(roles) BETWEEN 1 AND 4
			   AND roles <@ ARRAY['officer', 'legal', 'auditor', 'admin']),
	-- "pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>"
	password_hash	text NOT NULL CHECK (password_hash ~ '^pbkdf2-sha256\$[0-9]+\$'),
	disabled_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	created_by	bigint REFERENCES users,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX users_region ON users (region);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_scope ON users TO paicha_app
	USING (in_scope(region)) WITH CHECK (in_scope(region));
GRANT SELECT, INSERT, UPDATE (display_name, region, roles, password_hash,
	disabled_at, updated_at) ON users TO paicha_app;

-- ------------------------------------------------------------------
-- Sessions: only the SHA-256 of the token is stored.
-- ------------------------------------------------------------------

CREATE TABLE sessions (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	token_hash	bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	user_id		bigint NOT NULL REFERENCES users,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,	-- absolute expiry
	ended_at	timestamptz,		-- logout
	remote_addr	text
);

CREATE INDEX sessions_user ON sessions (user_id);

-- Nothing of sessions is granted to paicha_app: the functions below are
-- the only way in.
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;

-- Start a session for `uid`; returns its id.
CREATE FUNCTION session_start(uid bigint, token bytea, absolute_s integer,
    addr text) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	INSERT INTO sessions (token_hash, user_id, expires_at, remote_addr)
	VALUES (token, uid, now() + make_interval(secs => absolute_s), addr)
	RETURNING id
$$;

-- The user behind a live session token, and set the connection's scope
-- to that user's region (or clear it when there is none).  A session is
-- live when not ended, not past its absolute expiry, and seen within
-- `idle_s` seconds.  last_seen is written at most every min(30 s, idle/10)
-- so that reads stay reads.
CREATE FUNCTION session_open(token bytea, idle_s integer)
RETURNS TABLE (session_id bigint, id bigint, username text,
    display_name text, region char(6), roles text[])
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
	RETURN NEXT;
END
$$;

-- End a session (logout).
CREATE FUNCTION session_end(sid bigint) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE sessions SET ended_at = now() WHERE id = sid AND ended_at IS NULL
$$;

-- End every session of a user (disabled, password changed).
CREATE FUNCTION session_end_user(uid bigint) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE sessions SET ended_at = now() WHERE user_id = uid AND ended_at IS NULL
$$;

-- ------------------------------------------------------------------
-- Login: lookup and throttling
-- ------------------------------------------------------------------

-- What a login needs to check a password.  No row for an unknown or
-- disabled user.
CREATE FUNCTION login_lookup(name text)
RETURNS TABLE (id bigint, password_hash text, username text,
    display_name text, region char(6), roles text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT id, password_hash, username, display_name, region, roles
	  FROM users WHERE username = name AND disabled_at IS NULL
$$;

CREATE TABLE login_failures (
	at		timestamptz NOT NULL DEFAULT now(),
	username	text NOT NULL,
	remote_addr	text NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at);
CREATE INDEX login_failures_addr ON login_failures (remote_addr, at);
ALTER TABLE login_failures ENABLE ROW LEVEL SECURITY;

-- Whether logins for `name` or from `addr` are paused: 5 failures for
-- one user, or 20 from one address, within 15 minutes.  Kept in the
-- database so every service instance sees the same count.
CREATE FUNCTION login_throttled(name text, addr text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT (SELECT count(*) FROM login_failures
		 WHERE username = name AND at > now() - interval '15 minutes') >= 5
	    OR (SELECT count(*) FROM login_failures
		 WHERE remote_addr = addr AND at > now() - interval '15 minutes') >= 20
$$;

CREATE FUNCTION login_failed(name text, addr text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	DELETE FROM login_failures WHERE at < now() - interval '1 day';
	INSERT INTO login_failures (username, remote_addr) VALUES (name, addr);
$$;

CREATE FUNCTION login_succeeded(name text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	DELETE FROM login_failures WHERE username = name
$$;

REVOKE ALL ON FUNCTION session_start(bigint, bytea, integer, text),
	session_open(bytea, integer), session_end(bigint),
	session_end_user(bigint), login_lookup(text),
	login_throttled(text, text), login_failed(text, text),
	login_succeeded(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_start(bigint, bytea, integer, text),
	session_open(bytea, integer), session_end(bigint),
	session_end_user(bigint), login_lookup(text),
	login_throttled(text, text), login_failed(text, text),
	login_succeeded(text) TO paicha_app;
