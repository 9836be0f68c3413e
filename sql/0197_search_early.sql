-- 0197_search_early: case_search() (0113) first looks for its page among
-- the newest 1 000 cases of the scope, each case's enterprise read by
-- its key, and stops at the page's last hit -- before it gathers every
-- enterprise of the scope whose name or code matches (issue 23,
-- docs/PERFORMANCE.md round 5).
--
-- That gathering is what a common word cost: 烟花 names 11 389 of
-- Beijing's 113 936 enterprises, and finding them (the gram index, then
-- each row's name) took 24 ms of the word's 28 before 0113's probe even
-- began; the probe then read 5 000 cases.  Read newest first with the
-- enterprise beside each case, 烟花's page of 51 is complete after 355
-- cases (1.9 ms), 钢筋's after 776 (3.3 ms).  A word rarer than about
-- one case in twenty does not fill a page in 1 000 cases: it costs this
-- look (about 3.5 ms) more, then goes on exactly as 0113 did.
--
-- The page is the same: the first `lim` hits of the newest cases in id
-- order are the newest `lim` matches.  paicha.search_probe still bounds
-- every look among the newest (the look is the lesser of it and 1 000),
-- so 0 still means the index alone (e2e-search).

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
