-- 0200_policy_estimates: every policy's two session tests written so
-- that the planner takes them to hold, as they do for every staff query.
--
-- The policies ask "is the session valid?" and "is it not an
-- enterprise's?" once per statement, as init plans: (SELECT
-- scope_valid()) and (SELECT scope_enterprise() IS NULL).  The planner
-- cannot know an init plan's value and takes a boolean one to hold for
-- half the rows -- each policy of a table halves its estimate, the
-- scope and the enterprise policies together quarter it.  A list is
-- newest first with a LIMIT: planned for a quarter of the rows it
-- finds, reading a filter's index backwards looked as if it read the
-- whole index, and a bitmap of every match, sorted, won.  At a million
-- cases, officer.bj's ?state=credit_publication&campaign=2022 was
-- estimated at 317 cases (1 532 found) and took 42 ms that way; with
-- the tests below it is estimated at 1 255 and reads 51 rows backwards
-- along (state, campaign_id, id) in 3.7 ms (EXPLAIN ANALYZE as the
-- session, docs/PERFORMANCE.md round 7).
--
-- A NULL test of an init plan's value is taken to hold for 99.5 % of
-- rows (IS NOT NULL).  So each test becomes one: (SELECT nullif(x,
-- false)) IS NOT NULL is true exactly when x is, and never NULL (x is
-- never NULL: scope_valid() is an EXISTS, scope_enterprise() IS NULL a
-- NULL test).  What every policy admits is unchanged; only the guess.
--
-- The policies are rewritten from their own text (pg_policies), the two
-- init plans replaced wherever they stand; the check below fails the
-- migration if any is left in the old form or the count of policies
-- changed.  A policy added later writes the new form itself (sql/
-- README.md).

DO $rewrite$
DECLARE
	p	record;
	valid	constant text := '( SELECT scope_valid() AS scope_valid)';
	staff	constant text := '( SELECT (scope_enterprise() IS NULL))';
	valid2	constant text := '(( SELECT NULLIF(scope_valid(), false)) IS NOT NULL)';
	staff2	constant text :=
	    '(( SELECT NULLIF((scope_enterprise() IS NULL), false)) IS NOT NULL)';
	before	bigint;
	n	integer := 0;
BEGIN
	SELECT count(*) INTO before FROM pg_policies;
	FOR p IN SELECT schemaname, tablename, policyname, qual, with_check
	    FROM pg_policies
	   WHERE strpos(concat(qual, with_check), valid) > 0
	      OR strpos(concat(qual, with_check), staff) > 0
	LOOP
		IF p.qual IS NOT NULL THEN
			EXECUTE format('ALTER POLICY %I ON %I.%I USING (%s)',
			    p.policyname, p.schemaname, p.tablename,
			    replace(replace(p.qual, valid, valid2), staff, staff2));
		END IF;
		IF p.with_check IS NOT NULL THEN
			EXECUTE format('ALTER POLICY %I ON %I.%I WITH CHECK (%s)',
			    p.policyname, p.schemaname, p.tablename,
			    replace(replace(p.with_check, valid, valid2), staff,
			    staff2));
		END IF;
		n := n + 1;
	END LOOP;
	IF n = 0 OR EXISTS (SELECT 1 FROM pg_policies
	    WHERE strpos(concat(qual, with_check), valid) > 0
	       OR strpos(concat(qual, with_check), staff) > 0)
	    OR (SELECT count(*) FROM pg_policies) <> before THEN
		RAISE EXCEPTION '0200: % policies rewritten, some left as they were',
		    n;
	END IF;
END
$rewrite$;
