-- 0020_login_throttle: login throttling that counts the attempts in
-- flight, and keeps a lockout at the address it came from.
--
-- Before, a login asked login_throttled(), checked the password, and
-- only then recorded a failure: any number of attempts made at the same
-- moment were all checked (14 at once for one user: 13 x 401 and the
-- right password 201, with a limit of 5).  And 5 failures for a user from
-- anywhere locked the user out everywhere: anyone could lock out the
-- administrator.
--
-- Now login_attempt() records the attempt before its password is
-- checked, in the statement that counts, one at a time per username and
-- per address (two advisory locks), and says how long to wait when a
-- limit is reached.  Within 15 minutes, at most (API.md Part 2):
--
--	  5 failures for one username from one address
--	 20 failures from one address
--	100 failures for one username from all addresses
--
-- An attempt counts as a failure from the moment it is recorded; the
-- service then marks it failed (login_attempt_failed), removes it on
-- success with the failures of the same username and address
-- (login_attempt_succeeded), or when it never checked the password
-- (login_attempt_abandoned: every hashing slot busy).  An attempt left
-- pending for a minute (its service died) counts as a failure.
--
-- login_throttled(), login_failed(text, text) and login_succeeded(text)
-- of 0005 are no longer called; they stay until no worker of an older
-- build can be running (a replaced worker drains for up to 30 s).

ALTER TABLE login_failures
	ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	ADD COLUMN pending boolean NOT NULL DEFAULT false;
COMMENT ON TABLE login_failures IS
	'failed logins, and attempts whose password is being checked (pending)';
CREATE INDEX login_failures_pair ON login_failures (username, remote_addr, at);

-- How many seconds until the failures among `failed` (the times of the
-- settled failures under one limit, newest first) leave fewer than
-- `lim` in the 15-minute window; 0 when they are fewer already.  When
-- the limit is reached only with attempts still in flight, those settle
-- within seconds: 1.
CREATE FUNCTION login_wait(failed timestamptz[], lim integer)
RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN cardinality(failed) >= lim
	    THEN greatest(1, ceil(extract(epoch FROM
		failed[lim] + interval '15 minutes' - now())))::integer
	    ELSE 1 END
$$;

-- May `name` try to log in from `addr` now?  Yes: `attempt` is the id
-- of the attempt just recorded (pending) and `retry_after` 0.  No:
-- `attempt` is NULL and `retry_after` the seconds until the window
-- frees.  Holds the username's lock, then the address's, until the
-- statement's transaction ends -- always in that order, so two attempts
-- never wait for each other crosswise.
CREATE FUNCTION login_attempt(name text, addr text,
    OUT attempt bigint, OUT retry_after integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	since	timestamptz := now() - interval '15 minutes';
	n_pair	integer;
	n_addr	integer;
	n_user	integer;
	-- Settled failures (and stale pending ones), newest first.
	f_pair	timestamptz[];
	f_addr	timestamptz[];
	f_user	timestamptz[];
BEGIN
	PERFORM pg_advisory_xact_lock(1818717813, hashtext(name));  -- 'lgnu'
	PERFORM pg_advisory_xact_lock(1818717793, hashtext(addr));  -- 'lgna'
	SELECT count(*) FILTER (WHERE username = name AND remote_addr = addr),
	       count(*) FILTER (WHERE remote_addr = addr),
	       count(*) FILTER (WHERE username = name)
	  INTO n_pair, n_addr, n_user
	  FROM login_failures
	 WHERE (username = name OR remote_addr = addr) AND at > since;
	IF n_pair < 5 AND n_addr < 20 AND n_user < 100 THEN
		INSERT INTO login_failures (username, remote_addr, pending)
		VALUES (name, addr, true) RETURNING id INTO attempt;
		retry_after := 0;
		RETURN;
	END IF;
	retry_after := 0;
	IF n_pair >= 5 THEN
		SELECT array_agg(at ORDER BY at DESC) INTO f_pair
		  FROM login_failures
		 WHERE username = name AND remote_addr = addr AND at > since
		   AND NOT (pending AND at > now() - interval '1 minute');
		retry_after := greatest(retry_after,
		    login_wait(coalesce(f_pair, '{}'), 5));
	END IF;
	IF n_addr >= 20 THEN
		SELECT array_agg(at ORDER BY at DESC) INTO f_addr
		  FROM login_failures
		 WHERE remote_addr = addr AND at > since
		   AND NOT (pending AND at > now() - interval '1 minute');
		retry_after := greatest(retry_after,
		    login_wait(coalesce(f_addr, '{}'), 20));
	END IF;
	IF n_user >= 100 THEN
		SELECT array_agg(at ORDER BY at DESC) INTO f_user
		  FROM login_failures
		 WHERE username = name AND at > since
		   AND NOT (pending AND at > now() - interval '1 minute');
		retry_after := greatest(retry_after,
		    login_wait(coalesce(f_user, '{}'), 100));
	END IF;
END
$$;

-- The password of `attempt` was wrong: it stays, as a failure.  Failures
-- older than a day are forgotten.
CREATE FUNCTION login_attempt_failed(attempt bigint) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE login_failures SET pending = false WHERE id = attempt;
	DELETE FROM login_failures WHERE at < now() - interval '1 day';
$$;

-- The password of `attempt` was right: forget it, and the failures of
-- the same username from the same address (the user's own typing).
-- Failures from other addresses stay: they are someone else's guesses.
CREATE FUNCTION login_attempt_succeeded(attempt bigint) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	WITH a AS (
		DELETE FROM login_failures WHERE id = attempt
		RETURNING username, remote_addr
	)
	DELETE FROM login_failures f USING a
	 WHERE f.username = a.username AND f.remote_addr = a.remote_addr
	   AND NOT f.pending;
$$;

-- The password of `attempt` was never checked: forget it.
CREATE FUNCTION login_attempt_abandoned(attempt bigint) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	DELETE FROM login_failures WHERE id = attempt;
$$;

REVOKE ALL ON FUNCTION login_wait(timestamptz[], integer),
	login_attempt(text, text), login_attempt_failed(bigint),
	login_attempt_succeeded(bigint), login_attempt_abandoned(bigint)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION login_attempt(text, text),
	login_attempt_failed(bigint), login_attempt_succeeded(bigint),
	login_attempt_abandoned(bigint) TO paicha_app;

-- ------------------------------------------------------------------
-- Changing one's own password
-- ------------------------------------------------------------------

-- End every session of `uid` but `keep` (a password changed by its
-- owner: the session that changed it goes on).
CREATE FUNCTION session_end_others(uid bigint, keep bigint) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE sessions SET ended_at = now()
	 WHERE user_id = uid AND id <> keep AND ended_at IS NULL
$$;
REVOKE ALL ON FUNCTION session_end_others(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_end_others(bigint, bigint) TO paicha_app;
