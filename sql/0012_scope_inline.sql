-- 0012_scope_inline: the region scope of row-level security, and the
-- names of actors, as SQL the planner can inline (issue 9, the profile
-- in docs/PERFORMANCE.md).
--
-- scope_lo() and scope_hi() (0005) read paicha.region through a FROM
-- subquery, so PostgreSQL could not inline them: every policy
-- in_scope(code) called them as SQL functions -- parsed and planned
-- again in every statement that ran them, and evaluated at planning
-- time for selectivity, which made the planner keep custom plans of
-- every prepared statement for ever.  Under load, 66 % of the backends'
-- time for GET /api/v1/cases/{id} went to planning.  The same answer
-- as one expression inlines into each policy.
--
-- user_public() (0007) is SECURITY DEFINER so that an actor above the
-- reader's region still has a name; such a function is never inlined,
-- and each LATERAL call planned its body again per statement.  A view
-- owned by the tables' owner gives the same two columns past row-level
-- security, and user_public() over it, as a plain SQL function, inlines
-- into a join.  Callers keep calling user_public(); nothing else that
-- paicha_app may read changes.

CREATE OR REPLACE FUNCTION scope_lo() RETURNS bpchar
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN current_setting('paicha.region', true) ~ '^[0-9]{6}$'
	    THEN region_lo(current_setting('paicha.region', true)::char(6))
	    ELSE 'z'::bpchar END
$$;

CREATE OR REPLACE FUNCTION scope_hi() RETURNS bpchar
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN current_setting('paicha.region', true) ~ '^[0-9]{6}$'
	    THEN region_hi(current_setting('paicha.region', true)::char(6))
	    ELSE 'a'::bpchar END
$$;

-- Who a user id is: any user's name, as user_public() always showed.
CREATE VIEW user_names AS
	SELECT id, username, display_name FROM users;
COMMENT ON VIEW user_names IS
	'user ids to names for showing actors, past row-level security (the owner''s view), as user_public() showed them';
GRANT SELECT ON user_names TO paicha_app;

CREATE OR REPLACE FUNCTION user_public(uid bigint)
RETURNS TABLE (username text, display_name text)
LANGUAGE sql STABLE SECURITY INVOKER AS $$
	SELECT n.username, n.display_name FROM public.user_names n
	 WHERE n.id = uid
$$;

DO $check$
BEGIN
	IF (SELECT prosecdef OR proconfig IS NOT NULL FROM pg_proc
	    WHERE oid = 'user_public(bigint)'::regprocedure) THEN
		RAISE EXCEPTION 'user_public is still SECURITY DEFINER or has SET options: it would not inline';
	END IF;
	PERFORM set_config('paicha.region', '110000', true);
	IF scope_lo() <> '110000' OR scope_hi() <> '120000' THEN
		RAISE EXCEPTION 'scope of 110000 is not [110000, 120000)';
	END IF;
	PERFORM set_config('paicha.region', 'x', true);
	IF scope_lo() <> 'z' OR scope_hi() <> 'a' THEN
		RAISE EXCEPTION 'a malformed region must give the empty scope';
	END IF;
	PERFORM set_config('paicha.region', '', true);
END
$check$;
