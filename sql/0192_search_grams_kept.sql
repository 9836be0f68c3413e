-- 0192_search_grams_kept.sql: search_grams() as PL/pgSQL -- the same
-- query, its plan kept per connection (issue 23, docs/PERFORMANCE.md
-- "Transitions vs pgbench -N").
--
-- cases_problem_grams indexes search_grams(problem) (0110).  A
-- transition's UPDATE of the case row is not HOT (its state and due date
-- are indexed), so every transition computes the expression for the new
-- index entry; a SQL function with an aggregate is never inlined, and
-- PostgreSQL parsed and planned its query again at each call, about half
-- of the call's cost (callgrind, PERFORMANCE.md).  PL/pgSQL keeps the
-- plan of its statement for the connection, as 0170 and 0190 did.
--
-- Nothing else changes: the same query and so the same grams for every
-- text (the index stays valid), IMMUTABLE STRICT PARALLEL SAFE, owner
-- and grants (CREATE OR REPLACE keeps the function's oid, so the
-- indexes on it are the same indexes).

CREATE OR REPLACE FUNCTION search_grams(t text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
	RETURN (SELECT coalesce(array_agg(substr(l, i, n)), '{}')
	  FROM (SELECT lower(t) AS l) x,
	       generate_series(1, length(l)) i, (VALUES (1), (2)) g(n)
	 WHERE i + n - 1 <= length(l));
END
$$;
