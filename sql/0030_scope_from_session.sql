-- 0030_scope_from_session: the database backs the region scope and the
-- four eyes itself (issue 15, items 4 and 5).
--
-- Until now row-level security trusted paicha.region, a setting the
-- application role may set to anything: set_config('paicha.region',
-- '000000') showed it every row.  Now every policy also asks
-- scope_valid(): the session whose token digest the connection presents
-- (paicha.session, set by session_open() from the request's cookie) is
-- live and belongs to the user and region the settings name.  The
-- application role cannot read sessions, so it cannot widen its scope
-- without the token of a user who has that scope.  paicha.region stays
-- the planner-visible bound (0012, 0014); scope_valid() is an initplan,
-- evaluated once per table a statement reads.
--
-- Events enter only through ledger_append(), now SECURITY DEFINER, which
-- refuses an event whose actor, region or role is not the session's: the
-- application role no longer holds INSERT on case_events.  A trigger
-- refuses an approval or rejection by the proposer, by someone who does
-- not hold `legal` in a region covering the case at that moment, or by
-- someone the proposer made `legal` (legal_grants, written by a trigger
-- on users).  `admin` holds no other role, and no one changes their own
-- roles, region or disabled flag.

-- ------------------------------------------------------------------
-- The scope, backed by the session
-- ------------------------------------------------------------------

-- The live session the connection presents, with its user: none when
-- paicha.session is unset, unknown, ended, expired, or its user is
-- disabled.  PL/pgSQL, not SQL: a SECURITY DEFINER SQL function is never
-- inlined and plans its body on every call (155 us); PL/pgSQL keeps the
-- plan for the connection (13 us a call, measured with 1000 calls).
CREATE FUNCTION scope_session()
RETURNS TABLE (session_id bigint, user_id bigint, region char(6),
    roles text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY SELECT s.id, u.id, u.region, u.roles
	  FROM sessions s JOIN users u ON u.id = s.user_id
	 WHERE s.token_hash = decode(nullif(current_setting('paicha.session',
		    true), ''), 'hex')
	   AND s.ended_at IS NULL AND s.expires_at > now()
	   AND u.disabled_at IS NULL;
END
$$;

-- Whether paicha.region and paicha.user_id are the presented session's:
-- an initplan of every policy, once per table a statement reads.
CREATE FUNCTION scope_valid() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN EXISTS (SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id
	 WHERE s.token_hash = decode(nullif(current_setting('paicha.session',
		    true), ''), 'hex')
	   AND s.ended_at IS NULL AND s.expires_at > now()
	   AND u.disabled_at IS NULL
	   AND u.region::text = current_setting('paicha.region', true)
	   AND u.id::text = current_setting('paicha.user_id', true));
END
$$;

REVOKE ALL ON FUNCTION scope_session(), scope_valid() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION scope_valid() TO paicha_app;

-- session_open() (0011) also puts the token's digest into paicha.session,
-- so that the policies can check the scope against it.
CREATE OR REPLACE FUNCTION session_open(token bytea, idle_s integer)
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
	PERFORM set_config('paicha.session', '', false);
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
	PERFORM set_config('paicha.session', encode(token, 'hex'), false);
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

-- Every policy: as before, and the scope must be the session's.
ALTER POLICY users_scope ON users
	USING (in_scope(region) AND (SELECT scope_valid()))
	WITH CHECK (in_scope(region) AND (SELECT scope_valid()));
ALTER POLICY enterprises_scope ON enterprises
	USING (in_scope(region) AND (SELECT scope_valid()))
	WITH CHECK (in_scope(region) AND (SELECT scope_valid()));
ALTER POLICY cases_scope ON cases
	USING (in_scope(region) AND (SELECT scope_valid()))
	WITH CHECK (in_scope(region) AND (SELECT scope_valid()));
ALTER POLICY case_deadlines_scope ON case_deadlines
	USING (in_scope(region) AND (SELECT scope_valid()))
	WITH CHECK (in_scope(region) AND (SELECT scope_valid()));
ALTER POLICY activities_scope ON activities
	USING (in_scope(region) AND (SELECT scope_valid()))
	WITH CHECK (in_scope(region) AND (SELECT scope_valid()));
ALTER POLICY idempotency_keys_own ON idempotency_keys
	USING (user_id = scope_user() AND (SELECT scope_valid()))
	WITH CHECK (user_id = scope_user() AND (SELECT scope_valid()));
ALTER POLICY case_events_scope ON case_events
	USING (case_region::text >= (SELECT scope_lo())::text
	   AND case_region::text < (SELECT scope_hi())::text
	   AND (SELECT scope_valid()));
ALTER POLICY log_leaves_scope ON log_leaves
	USING (case_region >= (SELECT scope_lo())
	   AND case_region < (SELECT scope_hi()) AND (SELECT scope_valid()));
ALTER POLICY categories_add ON categories
	WITH CHECK (province IS NOT NULL
	    AND (province = scope_province() OR in_scope(province))
	    AND added_by = scope_user() AND (SELECT scope_valid()));

-- log_chunk() (0008) tells an auditor which leaves are in their region:
-- only for a valid scope.
CREATE OR REPLACE FUNCTION log_chunk(lo bigint, hi bigint)
RETURNS TABLE (idxs bigint[], cases bigint[], seqs integer[],
    mine boolean[], leaves bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT array_agg(l.idx), array_agg(l.case_id), array_agg(l.seq),
	    array_agg(l.case_region >= (SELECT scope_lo())
	      AND l.case_region < (SELECT scope_hi())
	      AND (SELECT scope_valid())),
	    string_agg(l.leaf, ''::bytea)
	  FROM (SELECT * FROM log_leaves
		 WHERE log_leaves.idx >= lo AND log_leaves.idx < hi
		 ORDER BY log_leaves.idx) l
$$;

-- ------------------------------------------------------------------
-- Who made whom legal
-- ------------------------------------------------------------------

-- Each time a user gains `legal`, by whom (NULL: an operator with
-- paicha-admin, or a migration).  Append-only.
CREATE TABLE legal_grants (
	user_id		bigint NOT NULL REFERENCES users,
	granted_by	bigint REFERENCES users,
	at		timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX legal_grants_user ON legal_grants (user_id, granted_by);

ALTER TABLE legal_grants ENABLE ROW LEVEL SECURITY;

CREATE FUNCTION legal_grants_add() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF 'legal' = ANY (NEW.roles) AND (TG_OP = 'INSERT'
	    OR NOT 'legal' = ANY (OLD.roles)) THEN
		INSERT INTO legal_grants (user_id, granted_by)
		VALUES (NEW.id, scope_user());
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER users_legal_grants AFTER INSERT OR UPDATE OF roles ON users
	FOR EACH ROW EXECUTE FUNCTION legal_grants_add();

-- Whether `proposer` ever made `approver` legal.
CREATE FUNCTION legal_made_by(approver bigint, proposer bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT EXISTS (SELECT 1 FROM legal_grants
	 WHERE user_id = approver AND granted_by = proposer)
$$;

REVOKE ALL ON FUNCTION legal_grants_add(), legal_made_by(bigint, bigint)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION legal_made_by(bigint, bigint) TO paicha_app;

-- ------------------------------------------------------------------
-- Users: admin alone, and no one administers themselves
-- ------------------------------------------------------------------

-- NOT VALID: an install may hold such a user from before; the rule holds
-- for every change from now on.
ALTER TABLE users ADD CONSTRAINT users_admin_alone
	CHECK (NOT ('admin' = ANY (roles)) OR cardinality(roles) = 1) NOT VALID;

CREATE FUNCTION users_no_self_admin() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.id = scope_user() AND (NEW.roles IS DISTINCT FROM OLD.roles
	    OR NEW.region IS DISTINCT FROM OLD.region
	    OR NEW.disabled_at IS DISTINCT FROM OLD.disabled_at) THEN
		RAISE EXCEPTION 'user %: no one changes their own roles, region or disabled flag', NEW.id
		USING ERRCODE = 'PA403';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER users_no_self_admin BEFORE UPDATE ON users
	FOR EACH ROW EXECUTE FUNCTION users_no_self_admin();

-- ------------------------------------------------------------------
-- The ledger: only the session's own events, and four eyes
-- ------------------------------------------------------------------

-- 0017's ledger_append(), now run as the owner: the application role
-- may append only as the session's user, in its region and one of its
-- roles.  The database superuser (the bulk seeder, repairs) is trusted
-- as before; the triggers still check every event.
CREATE OR REPLACE FUNCTION ledger_append(e_entity text, e_record text,
    e_prev bytea, e_hash bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r	jsonb := e_record::jsonb;
	s	record;
BEGIN
	IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
		SELECT * INTO s FROM scope_session();
		IF NOT FOUND OR (r->>'actor')::bigint IS DISTINCT FROM s.user_id
		   OR r->>'region' IS DISTINCT FROM s.region::text
		   OR NOT (r->>'role' = ANY (s.roles)) THEN
			RAISE EXCEPTION 'event of % %: not the session''s user, region or role', e_entity, r->>'case'
			USING ERRCODE = 'PA403';
		END IF;
	END IF;
	CASE e_entity
	WHEN 'case' THEN
		INSERT INTO case_events (case_id, seq, at, actor, role, region,
		    case_region, event, phase, from_state, to_state, record,
		    request_id, prev_hash, hash)
		VALUES ((r->>'case')::bigint, (r->>'seq')::integer,
		    (r->>'at')::timestamptz, (r->>'actor')::bigint, r->>'role',
		    r->>'region', r->>'case_region', r->>'event', r->>'phase',
		    r->>'from', r->>'to', e_record, r->>'request_id', e_prev,
		    e_hash);
	ELSE
		RAISE EXCEPTION 'no ledger stream "%"', e_entity
		USING ERRCODE = 'check_violation';
	END CASE;
END
$$;

REVOKE INSERT ON case_events FROM paicha_app;

-- Four eyes, in the database: a decision (approved, rejected) must
-- decide the case's proposal of the same event, by someone who is not
-- its proposer, holds `legal` in a region covering the case now, is not
-- disabled, and was not made legal by the proposer.
CREATE FUNCTION case_events_four_eyes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	p	case_events%ROWTYPE;
	u	users%ROWTYPE;
BEGIN
	IF NEW.phase NOT IN ('approved', 'rejected') THEN
		RETURN NEW;
	END IF;
	SELECT * INTO p FROM case_events
	 WHERE case_id = NEW.case_id
	   AND seq = (NEW.record::jsonb->'payload'->>'proposal_seq')::integer;
	IF NOT FOUND OR p.phase <> 'proposed' OR p.event <> NEW.event THEN
		RAISE EXCEPTION 'case % event %: decides no proposal of %', NEW.case_id, NEW.seq, NEW.event
		USING ERRCODE = 'PA403';
	END IF;
	IF p.actor = NEW.actor THEN
		RAISE EXCEPTION 'case % event %: the proposer may not decide', NEW.case_id, NEW.seq
		USING ERRCODE = 'PA403';
	END IF;
	SELECT * INTO u FROM users WHERE id = NEW.actor;
	IF NOT FOUND OR u.disabled_at IS NOT NULL OR NOT ('legal' = ANY (u.roles))
	   OR NOT region_covers(u.region, NEW.case_region) THEN
		RAISE EXCEPTION 'case % event %: the decider holds no legal role covering the case', NEW.case_id, NEW.seq
		USING ERRCODE = 'PA403';
	END IF;
	IF legal_made_by(NEW.actor, p.actor) THEN
		RAISE EXCEPTION 'case % event %: the proposer made the decider legal', NEW.case_id, NEW.seq
		USING ERRCODE = 'PA403';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER case_events_four_eyes BEFORE INSERT ON case_events
	FOR EACH ROW EXECUTE FUNCTION case_events_four_eyes();
