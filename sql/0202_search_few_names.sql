-- 0202_search_few_names: case_search() reads the newest cases without
-- joining each one's enterprise once it knows the scope's matching
-- enterprises are few, and never reads a case twice.
--
-- At a million cases (docs/PERFORMANCE.md round 8) 0197's first look
-- cost officer.bj 6.5 ms whether it found its page or not: each of its
-- 1 000 cases joined its enterprise (3.5 us a row) so that a name could
-- match.  A word whose page was not there paid that, then gathered the
-- enterprises (2-4 ms), then read the newest 5 000 cases again -- the
-- first 1 000 a second time -- or went to the index: 地条钢 22 ms, the
-- credit code 20, 华兴 16, warm and alone, through officer.bj's session.
--
-- Now:
--   1. a first look among the newest 200 (paicha.search_look), each
--      case's enterprise read: a common word's page is there, a common
--      name's (烟花: 11 389 of Beijing's enterprises) shows itself;
--   2. if no hit there was by name, the scope's enterprises whose name
--      or code matches, at most 2 000 (paicha.search_few) by name: when
--      there are no more, they are all there are;
--   3. if the look's rate of hits says the newest 5 000 (search_probe)
--      hold the page, the rest of them, from where the look stopped,
--      to the page's last hit -- a case a hit when its problem matches
--      or its enterprise is one of 2.'s (that enterprise read only for
--      a hit, for its region), or with each one's enterprise read when
--      they were many;
--   4. else the index, as before.
-- 地条钢 13 ms, the code 10, 华兴 7-10; 钢筋, whose page ends past the
-- 200th case, 10 ms where it took 6.5.
--
-- Every path gives the exact page.  A window of the newest cases (1., 3.)
-- is read whole or to the page, and tells whether it was full by its
-- last row (n = its size), which it returns whether a hit or not: a
-- window not full is the scope read to its end; a full one without the
-- page leaves it to the index.  `e2e-search` compares every page of
-- every path with ILIKE -- the index alone, looks of 5 and 40, looks of
-- 3 and 2 going on to 12 and 40, with search_few at its default and at
-- 0 (any name "many") -- and a word whose window is full without its
-- page.
--
-- `x BETWEEN a AND b` with a subquery for x runs the subquery twice
-- (two SubPlans, 0113's probe); the region is now tested inside it.

CREATE OR REPLACE FUNCTION case_search(pat text, q text, before bigint, lim integer)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
SET max_parallel_workers_per_gather = 0 AS $$
DECLARE
	-- A window: the newest $3 cases of the scope before $2, in id
	-- order, read to the $7th row that is a hit or the window's last
	-- (n = $3, returned whether a hit or not: it tells that the window
	-- was full).  Answers the hits, how many rows were read, the
	-- oldest id read and how many hits were by the enterprise.  %1$s
	-- is a case's `e` (its enterprise's name or code matched: 1, not:
	-- 0, out of scope: NULL); %2$s whether it is a hit; %3$s whether by
	-- the enterprise.
	win	constant text :=
	    'SELECT coalesce(array_agg(y.id ORDER BY y.n) FILTER (WHERE y.hit),'
	    ' ''{}''), max(y.n), min(y.id),'
	    ' count(*) FILTER (WHERE y.hit AND y.byname)'
	    ' FROM (SELECT w.id, w.n, w.hit, w.byname FROM ('
	    'SELECT v.id, v.n, %2$s AS hit, %3$s AS byname FROM ('
	    'SELECT c.id, c.problem, c.enterprise_id, %1$s AS e,'
	    ' row_number() OVER (ORDER BY c.id DESC) AS n'
	    ' FROM cases c WHERE c.region >= $5 AND c.region <= $6'
	    ' AND ($2::bigint IS NULL OR c.id < $2)'
	    ' ORDER BY c.id DESC LIMIT $3) v) w'
	    ' WHERE w.hit OR w.n = $3 LIMIT $7) y';
	-- Each case's enterprise read ($8: the word).
	joined	constant text := format(win,
	    '(SELECT CASE WHEN ce.region >= $5 AND ce.region <= $6 THEN'
	    ' (ce.name ILIKE $1 OR (ce.uscc = upper($8)::bpchar'
	    ' AND ce.uscc::text = upper($8)))::integer END'
	    ' FROM enterprises ce WHERE ce.id = c.enterprise_id)',
	    'coalesce(v.e = 1 OR (v.e = 0 AND v.problem ILIKE $1), false)',
	    'v.e = 1');
	-- The matching enterprises known ($4): a hit's own read only.
	known	constant text := format(win, 'NULL::integer',
	    '(v.problem ILIKE $1 OR v.enterprise_id = ANY ($4))'
	    ' AND (SELECT ce.region >= $5 AND ce.region <= $6'
	    '   FROM enterprises ce WHERE ce.id = v.enterprise_id)',
	    'v.enterprise_id = ANY ($4)');
	g	text[];
	ents	bigint[];
	exact	boolean := false;
	lo	bpchar;
	hi	bpchar;
	probe	integer := coalesce(nullif(current_setting(
		    'paicha.search_probe', true), '')::integer, 5000);
	few	integer := greatest(coalesce(nullif(current_setting(
		    'paicha.search_few', true), '')::integer, 2000), 0);
	look	integer := least(probe, coalesce(nullif(current_setting(
		    'paicha.search_look', true), '')::integer, 200));
	found	bigint[];
	more	bigint[];
	n	bigint;
	named	bigint;
	last	bigint;
BEGIN
	IF pat IS NULL OR q IS NULL OR NOT scope_valid() THEN
		RETURN;
	END IF;
	-- in_scope(region) is region >= scope_lo() AND region <= scope_max()
	-- (0014): the bounds once, as constants -- not per row.
	lo := scope_lo();
	hi := scope_max();
	g := search_query_grams(q);
	IF lim IS NOT NULL AND look > 0 THEN
		-- The page among the newest `look` cases, each one's
		-- enterprise read: a common word's page is there.
		EXECUTE joined INTO found, n, last, named
		    USING pat, before, look, NULL::bigint[], lo, hi, lim, q;
		IF cardinality(found) >= lim OR coalesce(n, 0) < look THEN
			RETURN QUERY SELECT unnest(found);
			RETURN;
		END IF;
	END IF;
	IF coalesce(named, 0) = 0 THEN
		-- No name among them: the scope's matching enterprises, if
		-- there are at most `few` by name, are all there are.
		EXECUTE 'SELECT coalesce(array_agg(id), ''{}''),'
		    ' count(*) FILTER (WHERE byname) <= $6 FROM ('
		    '(SELECT e.id, true AS byname FROM enterprises e'
		    ' WHERE e.region >= $4 AND e.region <= $5'
		    ' AND e.name ILIKE $1 AND search_grams(e.name) @> $3'
		    ' LIMIT $6 + 1)'
		    ' UNION ALL SELECT e.id, false FROM enterprises e'
		    ' WHERE e.region >= $4 AND e.region <= $5'
		    ' AND e.uscc = upper($2)::bpchar AND e.uscc::text = upper($2)) x'
		    INTO ents, exact USING pat, q, g, lo, hi, few;
	END IF;
	-- The rest of the newest `probe`, when at the rate of the look's
	-- hits they would hold the page: with the enterprises known, or
	-- each one's read.
	IF lim IS NOT NULL AND look > 0 AND probe > look
	    AND cardinality(found) * probe >= lim * look THEN
		EXECUTE CASE WHEN exact THEN known ELSE joined END
		    INTO more, n, last, named
		    USING pat, last, probe - look, ents, lo, hi,
			lim - cardinality(found), q;
		found := found || more;
		IF cardinality(found) >= lim OR coalesce(n, 0) < probe - look THEN
			RETURN QUERY SELECT unnest(found);
			RETURN;
		END IF;
	END IF;
	IF NOT exact THEN
		EXECUTE 'SELECT coalesce(array_agg(id), ''{}'') FROM ('
		    'SELECT e.id FROM enterprises e WHERE e.region >= $4'
		    ' AND e.region <= $5'
		    ' AND e.name ILIKE $1 AND search_grams(e.name) @> $3'
		    ' UNION SELECT e.id FROM enterprises e WHERE e.region >= $4'
		    ' AND e.region <= $5'
		    ' AND e.uscc = upper($2)::bpchar AND e.uscc::text = upper($2)) x'
		    INTO ents USING pat, q, g, lo, hi;
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
