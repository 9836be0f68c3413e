-- 0170_plans_kept.sql: the SQL functions a GET of a case runs that
-- PostgreSQL cannot inline, as PL/pgSQL -- the same statements, the
-- same answers, their plans kept (issue 23, docs/PERFORMANCE.md "GET a
-- case vs fcgi-hello").
--
-- A SQL function the planner cannot inline into the calling query (an
-- aggregate in its body, SECURITY DEFINER, SET options) is parsed and
-- planned again at every execution of that query: its cached plan lives
-- only as long as the calling statement's executor.  PL/pgSQL keeps the
-- plan of each statement for the connection (0030 measured 155 us
-- against 13 us a call).  A GET of a case ran four such functions: the
-- enterprise of the case (case_enterprise, SECURITY DEFINER), its
-- licence alerts (an aggregate), and the policies' referred_cases() and
-- referral_files() (aggregates; init plans of the cases, case_events,
-- case_deadlines, files and log_leaves policies).
--
-- Nothing else changes: language only, the same bodies, volatility,
-- security, owners and grants (CREATE OR REPLACE keeps the function's
-- oid, so the policies that name them are the same policies).

CREATE OR REPLACE FUNCTION referred_cases() RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(array_agg(r.new_case_id), '{}')
	  FROM referrals r
	 WHERE r.new_case_id IS NOT NULL AND in_scope(r.from_region));
END
$$;

CREATE OR REPLACE FUNCTION referral_files() RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(array_agg(DISTINCT f), '{}')
	  FROM referrals r, unnest(r.file_ids) f
	 WHERE in_scope(r.to_region));
END
$$;

CREATE OR REPLACE FUNCTION case_enterprise(c_id bigint)
RETURNS TABLE (name text, uscc char(18))
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY SELECT e.name, e.uscc FROM cases c JOIN enterprises e
	    ON e.id = c.enterprise_id
	 WHERE c.id = c_id AND (SELECT scope_valid())
	   AND (in_scope(c.region) OR EXISTS (SELECT 1 FROM referrals f
	    WHERE f.new_case_id = c.id AND in_scope(f.from_region)));
END
$$;

CREATE OR REPLACE FUNCTION licence_alerts(eid bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object(
	    'kind', l.kind, 'number', l.number, 'status', l.now,
	    'valid_until', l.valid_until,
	    'message', CASE l.kind WHEN 'production' THEN '生产许可证'
		ELSE '强制性产品认证证书' END
		|| coalesce(l.number, '')
		|| CASE l.now WHEN 'revoked' THEN '已被撤销'
		    WHEN 'suspended' THEN '已被暂停'
		    ELSE '已过期' END
		|| CASE WHEN l.valid_until IS NOT NULL
		    THEN '（有效期至' || l.valid_until || '）' ELSE '' END)
	    ORDER BY l.kind DESC, l.ord), '[]'::jsonb)
	  FROM (SELECT x.*, licence_status_on(x.status, x.valid_until,
		today_cst()) AS now
		FROM enterprise_licences x WHERE x.enterprise_id = eid) l
	 WHERE l.now IN ('expired', 'suspended', 'revoked'));
END
$$;
