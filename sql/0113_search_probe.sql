-- 0113_search_probe.sql: case_search()'s probe (0110) asks whether a
-- case's enterprise is in scope with a scalar subquery -- one primary
-- key lookup per matching case -- instead of EXISTS, which the planner
-- turned into a hashed subplan reading every enterprise of the scope
-- first: at a million cases (Beijing: 109 845 enterprises) the probe
-- took 296 to 601 ms, all but a few of them in that read; as a lookup,
-- 10.7 ms for the same 5000 cases and the same page (measured on the
-- bench instance, 2026-12-03).  Everything else as 0110.

CREATE OR REPLACE FUNCTION case_search(pat text, q text, before bigint, lim integer)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
SET max_parallel_workers_per_gather = 0 AS $$
DECLARE
	g	text[];
	ents	bigint[];
	lo	bpchar;
	hi	bpchar;
	probe	integer := coalesce(nullif(current_setting(
		    'paicha.search_probe', true), '')::integer, 5000);
	scanned	bigint;
	found	bigint[];
BEGIN
	IF pat IS NULL OR q IS NULL OR NOT scope_valid() THEN
		RETURN;
	END IF;
	g := search_query_grams(q);
	-- in_scope(region) is region >= scope_lo() AND region <= scope_max()
	-- (0014): the bounds once, as constants -- not per row.
	lo := scope_lo();
	hi := scope_max();
	EXECUTE 'SELECT coalesce(array_agg(id), ''{}'') FROM ('
	    'SELECT e.id FROM enterprises e WHERE e.region >= $4'
	    ' AND e.region <= $5'
	    ' AND e.name ILIKE $1 AND search_grams(e.name) @> $3'
	    ' UNION SELECT e.id FROM enterprises e WHERE e.region >= $4'
	    ' AND e.region <= $5'
	    ' AND e.uscc = upper($2)::bpchar AND e.uscc::text = upper($2)) x'
	    INTO ents USING pat, q, g, lo, hi;
	-- A page: first the newest `probe` cases of the scope, read in id
	-- order.  If lim of them match, those are the page; if the scope
	-- has no more, they are all there is.
	IF lim IS NOT NULL THEN
		EXECUTE 'SELECT count(*), coalesce(array_agg(w.id ORDER BY'
		    ' w.id DESC) FILTER (WHERE w.hit), ''{}'') FROM ('
		    'SELECT c.id, (c.problem ILIKE $1'
		    ' OR c.enterprise_id = ANY ($4))'
		    ' AND (SELECT ce.region FROM enterprises ce'
		    '   WHERE ce.id = c.enterprise_id) BETWEEN $5 AND $6'
		    '   AS hit'
		    ' FROM cases c WHERE c.region >= $5 AND c.region <= $6'
		    ' AND ($2::bigint IS NULL OR c.id < $2)'
		    ' ORDER BY c.id DESC LIMIT $3) w'
		    INTO scanned, found USING pat, before, probe, ents, lo, hi;
		IF cardinality(found) >= lim OR scanned < probe THEN
			RETURN QUERY SELECT unnest(found[1:lim]);
			RETURN;
		END IF;
	END IF;
	RETURN QUERY EXECUTE
	    'SELECT id FROM ('
	    '(SELECT c.id FROM cases c JOIN enterprises ce'
	    '   ON ce.id = c.enterprise_id'
	    '   AND ce.region >= $6 AND ce.region <= $7'
	    ' WHERE c.region >= $6 AND c.region <= $7'
	    ' AND ($2::bigint IS NULL OR c.id < $2)'
	    ' AND c.problem ILIKE $1 AND search_grams(c.problem) @> $4'
	    ' ORDER BY c.id DESC LIMIT $3)'
	    ' UNION '
	    '(SELECT c.id FROM cases c JOIN enterprises ce'
	    '   ON ce.id = c.enterprise_id'
	    '   AND ce.region >= $6 AND ce.region <= $7'
	    ' WHERE c.region >= $6 AND c.region <= $7'
	    ' AND ($2::bigint IS NULL OR c.id < $2)'
	    ' AND c.enterprise_id = ANY ($5)'
	    ' ORDER BY c.id DESC LIMIT $3)) x'
	    ' ORDER BY id DESC LIMIT $3'
	    USING pat, before, lim, g, ents, lo, hi;
END
$$;
