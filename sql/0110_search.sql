-- 0110_search: the list's free-text search (`q`) through an index
-- (issue 23).
--
-- `q` matched a case when its problem, or its enterprise's name,
-- contains q (ILIKE '%q%', LIKE's own characters escaped), or the
-- enterprise's code is upper(q).  Under row-level security ILIKE is not
-- leakproof, so PostgreSQL may not evaluate it inside an index scan
-- before the policy: it read every case of the scope, newest first
-- (5.3 s at a million cases for a rare word); and pg_trgm indexes no
-- word of one or two characters -- most Chinese words -- at all.
--
-- Now: search_grams(t) is every character and every pair of adjacent
-- characters of lower(t), in a GIN index over the problem and the
-- enterprise's name.  ILIKE folds case by lower() of the whole text and
-- of the pattern (like.c: multi-byte encodings), so a text that matches
-- contains every gram of lower(q): the grams are a filter that never
-- drops a match, and ILIKE itself, as before, decides -- the results
-- are today's, row for row (tests/e2e/e2e-search.c compares them on its
-- check set).  case_search() runs as the tables' owner, so that the
-- index may be read, and applies the session's scope itself, exactly as
-- the policies of cases and enterprises do: in_scope(region) AND
-- scope_valid() (in_scope()'s bounds computed once per call).

-- Every character and every two adjacent characters of lower(t).
-- GIN drops the duplicates itself.
CREATE FUNCTION search_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT coalesce(array_agg(substr(l, i, n)), '{}')
	  FROM (SELECT lower(t) AS l) x,
	       generate_series(1, length(l)) i, (VALUES (1), (2)) g(n)
	 WHERE i + n - 1 <= length(l)
$$;

-- The grams every text containing q contains: its pairs, or its one
-- character; none for an empty q (then every row is read and ILIKE
-- decides).
CREATE FUNCTION search_query_grams(q text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT CASE WHEN length(l) = 1 THEN ARRAY[l]
	    ELSE coalesce((SELECT array_agg(substr(l, i, 2))
		FROM generate_series(1, length(l) - 1) i), '{}') END
	  FROM (SELECT lower(q) AS l) x
$$;

CREATE INDEX cases_problem_grams ON cases USING gin (search_grams(problem));
CREATE INDEX enterprises_name_grams ON enterprises
	USING gin (search_grams(name));
-- Never read under row-level security (see above), and written on every
-- transition: the grams index replaces it.
DROP INDEX cases_problem_trgm;

-- The ids of the cases of the session's scope that `q` finds, newest
-- first: `pat` is q as the list's LIKE pattern (like_pattern(),
-- fcgi/resources/cases.c), `q` the text as given.  With `before`, only
-- ids below it; with `lim`, the first lim.  A case counts only if its
-- enterprise is in the scope too, as the list's join with enterprises
-- under its policy requires -- so that a page cut here is the page the
-- list shows.  Nothing without a valid scope.
--
-- Two steps.  First the enterprises of the scope whose name matches
-- (through the grams of the names) or whose code is q (through the
-- codes' index: the code is compared as before, as text, and the
-- bpchar comparison beside it lets the index find it -- char(18) = text
-- does not).  Then two branches, each cut at the page: the cases whose
-- problem matches, and the cases of those enterprises -- the ids passed
-- as a constant, so that the planner knows how many there are.  Each
-- branch reaches its rows through its own index, and no row is
-- re-checked against the other's condition.  ILIKE stands before the
-- grams in each AND: a row read in id order (a common word, whose newest
-- cases come first) computes its grams only if ILIKE already matched.
--
-- A page (`lim` given) is looked for first among the newest 5 000
-- cases of the scope, read in id order with ILIKE alone (about 5 ms):
-- a common word fills its page there.  The grams index alone misleads
-- the planner for them -- it estimates a word of two pairs as rarer
-- than it is (444 rows for 6 008: it read them all and sorted, 23 ms at
-- 120 000 cases, ten times that at a million) -- and a word that does
-- not fill a page among the newest 5 000 is rare enough for the index:
-- at most lim / 5 000 of the scope matches.  (paicha.search_probe
-- changes the 5 000: tests/e2e/e2e-search.c crosses from the one way
-- to the other on a small set.  It changes no result.)
--
-- EXECUTE: each statement planned for this call's grams, pattern and
-- enterprises, so the planner chooses, by the index's statistics,
-- between the grams (a rare word) and reading newest first (a common
-- one).  No parallel workers: a page takes milliseconds, and starting
-- two workers on this busy two-core machine took more than the scan
-- (a common word: 27 ms with workers, of which the workers' own scans
-- 17 ms).
CREATE FUNCTION case_search(pat text, q text, before bigint, lim integer)
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
		    ' AND EXISTS (SELECT 1 FROM enterprises ce'
		    '   WHERE ce.id = c.enterprise_id AND ce.region >= $5'
		    '   AND ce.region <= $6) AS hit'
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

REVOKE ALL ON FUNCTION case_search(text, text, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION case_search(text, text, bigint, integer)
	TO paicha_app;
