-- 0194_scope_plans_kept: scope_session() and scope_valid() as PL/pgSQL on
-- every installation, whichever text of 0030 it applied.
--
-- 0030 first made them SQL functions; eighteen minutes after it reached
-- main it was edited in place (97d0d8c) to PL/pgSQL -- against rule 1
-- of sql/README.md -- so a database that applied the first text kept
-- the SQL ones.  A SECURITY DEFINER SQL function is never inlined and
-- plans its body at every call: scope_valid() cost 88 us a call there
-- against 15 us as PL/pgSQL (2000 calls as officer.bj's session), and a
-- GET of a case calls it about five times through the policies.  The
-- million-case bench instance was such a database (docs/PERFORMANCE.md,
-- round 5).  The bodies, volatility, security, owner and grants are
-- 0030's final ones; on a database that has them this changes nothing.

CREATE OR REPLACE FUNCTION scope_session()
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

CREATE OR REPLACE FUNCTION scope_valid() RETURNS boolean
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
