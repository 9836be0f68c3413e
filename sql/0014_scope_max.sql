-- 0014_scope_max: the region scope of row-level security as a smaller
-- expression (issue 9; docs/PERFORMANCE.md).
--
-- Every policy is in_scope(code), inlined into the statement, so each
-- scan of a table with row-level security carries the scope expression;
-- PostgreSQL builds it anew in every execution, a function-permission
-- check per function call in it.  The upper bound region_hi() expands
-- into some forty calls.  Measured with callgrind on a copy of a
-- cluster, the four policies of GET /api/v1/cases/{id} cost 535 000 of
-- its 1 409 000 instructions; without row-level security the same
-- statements take 874 000.
--
-- The same range, closed above: a scope's codes are those that start
-- with its prefix -- the code without its trailing "00" pairs, '' for
-- the nation -- so for six-digit codes
--
--     code >= scope_lo() AND code <  scope_hi()
--     code >= scope_lo() AND code <= scope_max()
--
-- agree, where scope_max() is the prefix padded with nines: digits
-- only, so the order is the same in every collation.  An unset or
-- malformed paicha.region still gives the empty range (scope_lo() is
-- 'z' then).  scope_hi() stays as it was for its callers.

CREATE FUNCTION scope_max() RETURNS bpchar
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT rpad(regexp_replace(current_setting('paicha.region', true),
	    '(00)+$', ''), 6, '9')::bpchar
$$;

CREATE OR REPLACE FUNCTION scope_lo() RETURNS bpchar
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN current_setting('paicha.region', true) ~ '^[0-9]{6}$'
	    THEN current_setting('paicha.region', true)::char(6)
	    ELSE 'z'::bpchar END
$$;

CREATE OR REPLACE FUNCTION in_scope(code char(6)) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT code >= scope_lo() AND code <= scope_max()
$$;

GRANT EXECUTE ON FUNCTION scope_max() TO paicha_app;

-- The same answer as region_covers() for every region as a scope
-- against every code under its province, and for the nation; the
-- empty scope for no region and a malformed one.
DO $check$
DECLARE
	s	record;
	m	text;
	bad	bigint;
BEGIN
	FOR s IN SELECT code FROM regions WHERE level <= 2
	    UNION ALL SELECT code FROM regions WHERE level = 3 AND code LIKE '11%'
	LOOP
		PERFORM set_config('paicha.region', s.code, true);
		SELECT count(*) INTO bad FROM regions c
		 WHERE (left(c.code, 2) = left(s.code, 2) OR s.code = '000000')
		   AND in_scope(c.code) IS DISTINCT FROM region_covers(s.code, c.code);
		IF bad > 0 THEN
			RAISE EXCEPTION 'scope %: in_scope and region_covers disagree on % codes', s.code, bad;
		END IF;
	END LOOP;
	FOREACH m IN ARRAY ARRAY['', 'x', '11000', '1100000', 'abcdef']::text[] LOOP
		PERFORM set_config('paicha.region', m, true);
		IF EXISTS (SELECT 1 FROM regions c WHERE in_scope(c.code)) THEN
			RAISE EXCEPTION 'a malformed scope ''%'' covers codes', m;
		END IF;
	END LOOP;
	PERFORM set_config('paicha.region', '', true);
END
$check$;
