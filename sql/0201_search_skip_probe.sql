-- 0201_search_skip_probe: case_search() goes from its first look to the
-- index when the look's rate says the probe would not fill a page.
--
-- A word that does not fill a page among the newest 1 000 cases (0197's
-- look) went on to the probe (0113): the newest 5 000 cases read again,
-- each case's problem tested with ILIKE -- then, mostly, to the index
-- anyway.  At a million cases officer.bj's 华兴 found 1 case in the
-- look, 6 in the probe's 5 000, and its page from the index: look 16
-- ms, enterprises 4 ms, probe 19.5 ms, index 6.5 ms, warm, as the owner
-- (docs/PERFORMANCE.md round 7).  Now, when the look found k of its
-- 1 000 and k * probe / 1 000 < the page, the probe is skipped.  Both
-- ways give the exact page -- the probe's when it holds the page or the
-- whole scope, the index's always -- so the results are the same; only
-- the path.  A probe no larger than the look (paicha.search_probe <=
-- 1 000, as e2e-search sets it) runs as before.

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
	skip	boolean := false;
BEGIN
	IF pat IS NULL OR q IS NULL OR NOT scope_valid() THEN
		RETURN;
	END IF;
	-- in_scope(region) is region >= scope_lo() AND region <= scope_max()
	-- (0014): the bounds once, as constants -- not per row.
	lo := scope_lo();
	hi := scope_max();
	-- The page among the newest cases, if it is there: a hit is a case
	-- whose problem, or whose enterprise's name or code, matches.
	IF lim IS NOT NULL AND least(probe, 1000) > 0 THEN
		EXECUTE 'SELECT coalesce(array_agg(x.id ORDER BY x.id DESC),'
		    ' ''{}'') FROM (SELECT w.id FROM (SELECT c.id, c.problem,'
		    ' c.enterprise_id FROM cases c'
		    ' WHERE c.region >= $5 AND c.region <= $6'
		    ' AND ($2::bigint IS NULL OR c.id < $2)'
		    ' ORDER BY c.id DESC LIMIT $3) w'
		    ' JOIN enterprises ce ON ce.id = w.enterprise_id'
		    ' AND ce.region >= $5 AND ce.region <= $6'
		    ' WHERE w.problem ILIKE $1 OR ce.name ILIKE $1'
		    ' OR (ce.uscc = upper($7)::bpchar AND ce.uscc::text = upper($7))'
		    ' ORDER BY w.id DESC LIMIT $4) x'
		    INTO found USING pat, before, least(probe, 1000), lim, lo, hi, q;
		IF cardinality(found) >= lim THEN
			RETURN QUERY SELECT unnest(found);
			RETURN;
		END IF;
		-- At the rate the look found them, the probe's newest cases
		-- would not hold a page either: the index answers.
		IF probe > 1000 AND cardinality(found) * probe < lim * 1000 THEN
			skip := true;
		END IF;
	END IF;
	g := search_query_grams(q);
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
	IF lim IS NOT NULL AND NOT skip THEN
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
